"""When things run: a sensor on the landing folder, and a monthly schedule of the attainment tables."""

import hashlib
import json
from pathlib import Path

import dagster as dg

from pipelines.config import Paths
from pipelines.ingest.landing import safe_files, scan
from pipelines.ingest.load import months_to_load

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


def loaded_warehouse(paths: Paths) -> Path:
    """The warehouse whose meta.loads lists the files loaded so far: the publication, which a
    running build never locks (files the build loaded in a run that did not publish are loaded
    again, skipped by checksum, and published); else the build."""
    return paths.warehouse if paths.warehouse.exists() else paths.build


def build_landing_sensor(job) -> dg.SensorDefinition:
    @dg.sensor(
        job=job,
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Loads the months whose files are new or revised in the landing folder.",
    )
    def landing_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        paths = Paths.from_env()
        now = landing_fingerprint(paths)
        state = json.dumps(now, sort_keys=True)
        if context.cursor:
            months = changed_months(json.loads(context.cursor), now, paths)
        elif now:
            # The first tick (a new Dagster home, `make dev` on a loaded warehouse): the files
            # meta.loads lists under their name, size and modification time are not new.
            months = months_to_load(scan(paths.landing), loaded_warehouse(paths))
        else:
            months = []
        if not months:
            return dg.SensorResult(
                skip_reason=f"no new or revised extract in {paths.landing}", cursor=state
            )
        # One run for the whole range: unchanged months in between are skipped by checksum.
        request = dg.RunRequest(
            run_key=f"landing:{hashlib.sha256(state.encode()).hexdigest()[:16]}",
            tags={
                "dagster/asset_partition_range_start": months[0],
                "dagster/asset_partition_range_end": months[-1],
            },
        )
        return dg.SensorResult(run_requests=[request], cursor=state)

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
