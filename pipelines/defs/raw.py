"""Raw assets: one per extract kind, partitioned by month; each partition loads its landing file."""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import duckdb

from pipelines.config import FIRST_MONTH, Paths, duckdb_config
from pipelines.ingest.landing import scan
from pipelines.ingest.load import (
    LoadOutcome,
    ReadAhead,
    ensure_tables,
    load_month,
    record_not_extract,
)
from pipelines.progress import file_read
from pipelines.publish import recover_build
from pipelines.run_summary import collect
from schemas import SCHEMAS

MONTHLY = dg.MonthlyPartitionsDefinition(start_date=FIRST_MONTH, fmt="%Y-%m", end_offset=1)
WAREHOUSE_POOL = "duckdb_warehouse"  # every writer of the DuckDB file, limit 1 (dagster.yaml)

DESCRIPTIONS = {
    "registration": "企业登记(每月全量快照) / enterprise register, monthly snapshot",
    "tax": "税收(元) / taxes paid per enterprise and month",
    "employment": "参保人数 / social-insurance headcount at month end",
    "output": "工业总产值、增加值、营业收入(万元) / output, value added and revenue",
    "projects": "招商引资项目库(每月快照) / investment project register, monthly snapshot",
    "carriers": "两创载体(每月快照) / innovation carriers register, monthly snapshot",
    "indicators": "年度指标(每年一个文件,载入该年1月分区) / yearly figures: one file a year, "
    "loaded in the January partition of its year",
    "land": "供地地块(每月全量快照) / land parcels supplied in the parks, monthly snapshot",
}


def outcome_metadata(outcomes: list[LoadOutcome]) -> dict[str, dg.MetadataValue]:
    rules: dict[str, int] = {}
    for o in outcomes:
        for rule, n in o.rule_failures.items():
            rules[rule] = rules.get(rule, 0) + n
    return {
        "months": dg.MetadataValue.text(", ".join(o.month for o in outcomes)),
        "rows_read": dg.MetadataValue.int(sum(o.rows_read for o in outcomes)),
        "rows_loaded": dg.MetadataValue.int(sum(o.rows_loaded for o in outcomes)),
        "rows_rejected": dg.MetadataValue.int(sum(o.rows_rejected for o in outcomes)),
        "failures_per_rule": dg.MetadataValue.json(dict(sorted(rules.items()))),
        "files": dg.MetadataValue.md(
            "\n".join(f"- {o.status}: {o.summary()}" for o in outcomes) or "(none)"
        ),
        "not_loaded": dg.MetadataValue.md(
            "\n".join(
                f"- {n.file_name}: {n.status}: {n.message}" for o in outcomes for n in o.refused
            )
            or "(none)"
        ),
    }


LANDING_FOLDER = dg.AssetKey(["landing_folder"])

# A month's file smaller than a row group goes through the write-ahead log, and at DuckDB's
# default threshold (16 MB) nearly every such month's commit checkpointed the table: a month
# of 100,000 enterprises spent more time committing than inserting (docs/performance.md). The
# step checkpoints once at its end instead; the log never holds more than this.
LOADER_CHECKPOINT_THRESHOLD = "256MB"


@contextmanager
def open_build(
    context: dg.AssetExecutionContext, paths: Paths
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The build, with the loader's tables, back at the last publication if a killed writer
    left it half-written; checkpointed when the step is done."""
    paths.build.parent.mkdir(parents=True, exist_ok=True)
    if recovered := recover_build(paths.build, paths.warehouse):
        context.log.warning(recovered)
    config = {**duckdb_config(), "checkpoint_threshold": LOADER_CHECKPOINT_THRESHOLD}
    with duckdb.connect(str(paths.build), config=config) as con:
        ensure_tables(con)
        yield con
        con.execute("checkpoint")


@dg.asset(
    key=LANDING_FOLDER,
    group_name="raw",
    pool=WAREHOUSE_POOL,
    description="落地目录中不是数据文件的条目 / what the landing folder holds besides extracts: "
    "names that do not match (archived and listed in meta.loads) and entries never read for "
    "safety (symbolic links, sub-folders, hidden files)",
)
def landing_folder(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    paths = Paths.from_env()
    landing = scan(paths.landing)
    with open_build(context, paths) as con:
        for path in landing.not_extracts:
            context.log.warning(record_not_extract(con, path, paths.archive))
    for s in landing.skipped:
        context.log.warning(f"{s.path.name}: {s.reason}; {s.fix}")
    return dg.MaterializeResult(
        metadata={
            "not_extracts": dg.MetadataValue.int(len(landing.not_extracts)),
            "never_read": dg.MetadataValue.int(len(landing.skipped)),
        }
    )


def build_raw_asset(kind: str) -> dg.AssetsDefinition:
    @dg.asset(
        name=kind,
        key_prefix="raw",
        group_name="raw",
        partitions_def=MONTHLY,
        backfill_policy=dg.BackfillPolicy.single_run(),
        pool=WAREHOUSE_POOL,
        kinds={"duckdb", "polars"},
        description=DESCRIPTIONS[kind],
        # The output checks look up the same month's register (industrial or not).
        deps=[
            LANDING_FOLDER,
            *([dg.AssetKey(["raw", "registration"])] if kind == "output" else []),
        ],
    )
    def _load(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        paths = Paths.from_env()
        landing = scan(paths.landing)
        outcomes = []
        with open_build(context, paths) as con, ReadAhead(con, paths.archive) as ahead:
            # Months in order: the output year-to-date rule reads the month before.
            periods = [
                dt.datetime.strptime(k, "%Y-%m").date() for k in sorted(context.partition_keys)
            ]
            for period, following in zip(periods, [*periods[1:], None], strict=True):
                if following:
                    ahead.start(landing, kind, following)  # prepared while this month inserts
                outcome = load_month(con, landing, kind, period, paths.archive, ahead)
                outcomes.append(outcome)
                # one line per refusal: a revision delivered twice is one, of two files
                refusals = list(dict.fromkeys(f"REJECTED {n.message}" for n in outcome.refused))
                if outcome.status == "file_rejected":  # its summary is the first refusal's
                    context.log.warning(outcome.summary(), extra=file_read(outcome))
                    refusals = refusals[1:]
                else:
                    context.log.info(outcome.summary(), extra=file_read(outcome))
                for line in refusals:
                    context.log.warning(line)
                if outcome.superseded:
                    context.log.info(f"superseded: {', '.join(outcome.superseded)}")
        return dg.MaterializeResult(metadata=outcome_metadata(outcomes))

    return _load


@dg.asset(
    key=["run_summary"],
    group_name="raw",
    deps=[dg.AssetKey(["raw", kind]) for kind in SCHEMAS],
    pool=WAREHOUSE_POOL,  # it reads the build, which no writer may hold meanwhile
    description="运行摘要:未载入的文件、原因和处理办法 / the files of the landing folder that do "
    "not count, why and what to do (what `parks run` prints last)",
)
def run_summary(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    paths = Paths.from_env()
    summary = collect(scan(paths.landing), paths)  # each step logged what it found
    return dg.MaterializeResult(
        metadata={
            "not_loaded": dg.MetadataValue.int(len(summary.entries)),
            "summary": dg.MetadataValue.md(summary.markdown()),
            "superseded": dg.MetadataValue.text(", ".join(summary.superseded) or "(none)"),
        }
    )


RAW_ASSETS = [landing_folder, *(build_raw_asset(kind) for kind in SCHEMAS), run_summary]
