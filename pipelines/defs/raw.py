"""Raw assets: one per extract kind, partitioned by month, all loaded by one step; each partition
loads its landing file."""

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import duckdb

from pipelines.config import FIRST_MONTH, Paths, duckdb_config
from pipelines.ingest.landing import scan
from pipelines.ingest.load import (
    READS,
    LoadOutcome,
    Reads,
    ensure_tables,
    load_in_order,
    load_order,
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


RAW_KEYS = {kind: dg.AssetKey(["raw", kind]) for kind in SCHEMAS}


def log_outcome(context: dg.AssetExecutionContext, outcome: LoadOutcome) -> None:
    """A file's outcome and its refusals, as the progress display and the run's log read them."""
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


# One step loads every kind: the build is opened and checkpointed once, and the next
# (kind, month)'s file is prepared while this one inserts, across kinds (`load_in_order`).
@dg.multi_asset(
    name="raw__extracts",
    specs=[
        dg.AssetSpec(
            key,
            group_name="raw",
            kinds={"duckdb", "polars"},
            description=DESCRIPTIONS[kind],
            # The output checks look up the same month's register (industrial or not).
            deps=[LANDING_FOLDER, *(RAW_KEYS[k] for k in READS.get(kind, Reads()).same_month)],
            partitions_def=MONTHLY,
            skippable=True,
        )
        for kind, key in RAW_KEYS.items()
    ],
    partitions_def=MONTHLY,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
    can_subset=True,
)
def raw_extracts(context: dg.AssetExecutionContext) -> Iterator[dg.MaterializeResult]:
    paths = Paths.from_env()
    landing = scan(paths.landing)
    kinds = [kind for kind, key in RAW_KEYS.items() if key in context.selected_asset_keys]
    periods = [dt.datetime.strptime(k, "%Y-%m").date() for k in context.partition_keys]
    tasks = load_order(kinds, periods)
    outcomes: dict[str, list[LoadOutcome]] = {kind: [] for kind in kinds}
    left = Counter(task.kind for task in tasks)  # tasks not done, per kind
    with open_build(context, paths) as con:
        for outcome in load_in_order(con, landing, tasks, paths.archive):
            log_outcome(context, outcome)
            outcomes[outcome.kind].append(outcome)
            left[outcome.kind] -= 1
            if not left[outcome.kind]:  # materialized as soon as its months are loaded
                yield dg.MaterializeResult(
                    asset_key=RAW_KEYS[outcome.kind],
                    metadata=outcome_metadata(outcomes[outcome.kind]),
                )


@dg.asset(
    key=["run_summary"],
    group_name="raw",
    deps=list(RAW_KEYS.values()),
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


RAW_ASSETS = [landing_folder, raw_extracts, run_summary]
