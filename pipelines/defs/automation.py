"""When things run: a sensor on the landing folder, and a monthly schedule of the attainment tables."""

import hashlib
import json

import dagster as dg

from pipelines.config import Paths
from pipelines.ingest.landing import safe_files, scan

# The bureau's extracts arrive in the first days of a month; the tables the city reads are rebuilt
# on the 10th (Lhasa time), after the month's files have landed and loaded.
ATTAINMENT_CRON = "0 6 10 * *"
TIMEZONE = "Asia/Shanghai"


def landing_fingerprint(paths: Paths) -> dict[str, list[int]]:
    """File name -> [size, mtime in ns] of every file in the landing folder."""
    if not paths.landing.is_dir():
        return {}
    return {p.name: [p.stat().st_size, p.stat().st_mtime_ns] for p in safe_files(paths.landing)}


def changed_months(
    before: dict[str, list[int]], now: dict[str, list[int]], paths: Paths
) -> list[str]:
    """Months with a new or changed extract file (a revision `_v2` is a new file)."""
    changed = {name for name, stamp in now.items() if before.get(name) != stamp}
    return sorted({f.month_key for f in scan(paths.landing).extracts if f.path.name in changed})


def build_landing_sensor(job) -> dg.SensorDefinition:
    @dg.sensor(
        job=job,
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Loads the months whose files are new or revised in the landing folder.",
    )
    def landing_sensor(context: dg.SensorEvaluationContext):
        paths = Paths.from_env()
        before = json.loads(context.cursor) if context.cursor else {}
        now = landing_fingerprint(paths)
        months = changed_months(before, now, paths)
        if not months:
            return dg.SkipReason(f"no new or revised extract in {paths.landing}")
        # One run for the whole range: unchanged months in between are skipped by checksum.
        state = json.dumps(now, sort_keys=True)
        yield dg.RunRequest(
            run_key=f"landing:{hashlib.sha256(state.encode()).hexdigest()[:16]}",
            tags={
                "dagster/asset_partition_range_start": months[0],
                "dagster/asset_partition_range_end": months[-1],
            },
        )
        context.update_cursor(state)

    return landing_sensor


def build_attainment_schedule(job) -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(
        name="monthly_attainment",
        job=job,
        cron_schedule=ATTAINMENT_CRON,
        execution_timezone=TIMEZONE,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Rebuilds the marts (tiers, attainment) on the 10th of each month.",
    )
