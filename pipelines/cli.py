"""`parks`: the command line of the warehouse (generate, run, sql, summary)."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
import warnings
from pathlib import Path

from pipelines.bench import DEFAULT_MONTH
from pipelines.config import Paths
from pipelines.reference import REPO_ROOT
from pipelines.reports.cli import register_report_command


def _progress(line: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {line}", file=sys.stderr, flush=True)


def cmd_generate(args: argparse.Namespace) -> int:
    from pipelines.generate import generate

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    _progress(
        f"generating {args.enterprises} enterprises, {args.start} to {args.end}, seed {args.seed}, "
        f"mess {args.mess} into {out}"
    )
    summary = generate(
        out,
        enterprises=args.enterprises,
        start=args.start,
        end=args.end,
        seed=args.seed,
        mess=args.mess,
        progress=_progress,
    )
    _progress("done: " + summary.describe())
    return 0


def _paths(args: argparse.Namespace) -> Paths:
    if getattr(args, "landing", None):
        os.environ["PARKS_LANDING"] = str(Path(args.landing).resolve())
    if getattr(args, "warehouse", None):
        os.environ["PARKS_WAREHOUSE"] = str(Path(args.warehouse).resolve())
    paths = Paths.from_env()
    paths.export()
    return paths


def dagster_instance(paths: Paths):
    """The Dagster instance in paths.dagster, set up from dagster.yaml."""
    import dagster as dg

    paths.dagster.mkdir(parents=True, exist_ok=True)
    config = paths.dagster / "dagster.yaml"
    if not config.exists():
        shutil.copyfile(REPO_ROOT / "dagster.yaml", config)
    os.environ["DAGSTER_HOME"] = str(paths.dagster)
    return dg.DagsterInstance.get()


PID_TAG = "parks/pid"  # the process of a `parks run`, to recognize runs whose process died


def release_dead_runs(instance) -> list[str]:
    """Mark failed the `parks run` runs whose process died, and free their pool slots.

    A run killed mid-way stays "started" and keeps its slot of the `duckdb_warehouse` pool (limit
    1), so the next run would wait for it forever. Runs of other launchers (the Dagster daemon)
    are left to Dagster's own run monitoring.
    """
    import dagster as dg

    released = []
    active = instance.get_runs(
        filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING])
    )
    for run in active:
        pid = run.tags.get(PID_TAG)
        if pid is None or _alive(int(pid)):
            continue
        instance.report_run_failed(run, f"its process {pid} ended before the run did (killed?)")
        released.append(run.run_id)
    for run_id in instance.event_log_storage.get_concurrency_run_ids():
        run = instance.get_run_by_id(run_id)
        if run is None or run.is_finished:
            instance.event_log_storage.free_concurrency_slots_for_run(run_id)
    return released


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run_warehouse(paths: Paths, log_level: str = "INFO") -> bool:
    """Materialize every asset for all months in the landing folder, in-process; True on success."""
    warnings.filterwarnings("ignore", module="dagster")
    from pipelines.ingest.landing import scan
    from pipelines.ingest.load import months_to_load

    if not paths.landing.is_dir():
        _progress(
            f"no landing folder {paths.landing}: create it and put extracts there, "
            "or run `parks generate --out` into it"
        )
        return False
    landing = scan(paths.landing)
    months = landing.months()
    if not months:
        _progress(f"no extract files in {paths.landing} (expected names like tax_201803.csv)")
        return False
    # The run's months: from the first to the last with a file not loaded before (the loader
    # skips the unchanged ones in between); the latest alone when every file was loaded before,
    # for the dbt models, checks and reports to run on.
    changed = months_to_load(landing, paths.build)
    todo = [m for m in months if changed and changed[0] <= m <= changed[-1]] or months[-1:]
    _progress(
        f"{len(months)} months in {paths.landing} ({months[0]} to {months[-1]}); "
        + (
            f"new or changed files in {len(changed)} of them: loading {todo[0]} to {todo[-1]}"
            if changed
            else "every file was loaded before"
        )
        + f" into {paths.build}"
    )
    from pipelines.definitions import defs
    from pipelines.progress import progress_display

    job = defs.resolve_job_def("warehouse_job")
    instance = dagster_instance(paths)
    for run_id in release_dead_runs(instance):
        _progress(f"run {run_id} was killed before it finished: marked failed, its pool slot freed")
    with progress_display(paths, log_level) as display:
        result = job.with_logger_defs(display.loggers).execute_in_process(
            instance=instance,
            tags={
                "dagster/asset_partition_range_start": todo[0],
                "dagster/asset_partition_range_end": todo[-1],
                PID_TAG: str(os.getpid()),
            },
            run_config=display.run_config,
            raise_on_error=False,
        )
    return result.success


def cmd_run(args: argparse.Namespace) -> int:
    paths = _paths(args)
    if args.full_refresh:
        os.environ["PARKS_FULL_REFRESH"] = "1"
    if args.verify_checksums:
        os.environ["PARKS_VERIFY_CHECKSUMS"] = "1"
    started = time.monotonic()
    ok = run_warehouse(paths, log_level=args.log_level)
    elapsed = time.monotonic() - started
    if not ok:
        _progress(
            f"FAILED after {elapsed:.0f} s; see the messages above (and the run in the Dagster UI)"
        )
        return 1
    _progress(
        f"warehouse built and published in {elapsed:.0f} s: {paths.warehouse} (read-only for analysts)"
    )
    return 0


def query(paths: Paths, sql: str, parameters: list | None = None):
    import duckdb

    if not paths.warehouse.exists():
        raise SystemExit(
            f"no warehouse at {paths.warehouse}: run `parks run` (or `make demo`) first"
        )
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        return con.execute(sql, parameters or []).pl()


def print_frame(frame) -> None:
    import polars as pl

    with pl.Config(
        tbl_rows=200,
        tbl_cols=30,
        fmt_str_lengths=60,
        tbl_width_chars=200,
        tbl_hide_dataframe_shape=True,
        tbl_hide_column_data_types=True,
        thousands_separator=False,
    ):
        print(frame)


def cmd_sql(args: argparse.Namespace) -> int:
    import duckdb

    paths = _paths(args)
    try:
        print_frame(query(paths, args.query))
    except duckdb.Error as e:
        message = str(e)
        if "read-only" in message or "read only" in message:
            message = (
                "the warehouse is opened read-only by `parks sql`; statements that write are refused. "
                f"({e})"
            )
        print(f"error: {message}", file=sys.stderr)
        return 2
    return 0


SUMMARY_SQL = """
select s.park_code as 园区代码, s.park_name as 园区, s.year as 年份,
       s.enterprise_count as 企业数,
       s.output_t1_or_above_count as 产值超10亿, s.output_t2_or_above_count as 产值超5亿,
       s.output_t3_or_above_count as 产值超1亿,
       s.tax_t1_or_above_count as 税收超1亿, s.tax_t2_or_above_count as 税收超5000万,
       s.tax_t3_or_above_count as 税收超1000万,
       s.staff_t1_or_above_count as 就业超1000人, s.staff_t2_or_above_count as 就业超500人,
       s.staff_t3_or_above_count as 就业超100人,
       s.above_scale_count as 规上工业
from marts.park_year_summary s
order by s.year, s.park_code
"""


CITY_ATTAINMENT_SQL = """
select year as 年份, metric_label as 指标, unit as 单位, round(target, 2)::double as 目标,
       round(actual, 2)::double as 实际, round(gap, 2)::double as 差额,
       round(attainment_ratio * 100, 1)::double as "完成率%",
       case when attained then '达成' when not attained then '未达成' else '无数据' end as 是否达成,
       target_window as 目标期, as_of_period as 数据截至, is_final as 年度终值
from marts.target_attainment
where park_code = 'CITY'
order by year, metric
"""

RECONCILIATION_SQL = """
select metric_label as 指标, city_year_or_window as 期间, city_target::double as 全市目标,
       parks_target_sum::double as 各园区目标合计, difference::double as "差额(园区-全市)", note as 说明
from marts.target_reconciliation
where not is_consistent
order by metric
"""


def cmd_summary(args: argparse.Namespace) -> int:
    paths = _paths(args)
    print(
        "各园区分年度企业梯队(“超”= 达到及以上) / enterprises per park, year and tier (at or above)"
    )
    print_frame(query(paths, SUMMARY_SQL))
    print("\n全市目标完成情况 2018-2020 / city attainment of the plan's targets")
    print_frame(query(paths, CITY_ATTAINMENT_SQL))
    print(
        "\n规划内部不一致:全市目标与各园区目标之和的差额 / where the plan's city targets differ "
        "from the sum of its park targets"
    )
    print_frame(query(paths, RECONCILIATION_SQL))
    rejected = query(
        paths, "select status, count(*) as files from meta.loads group by status order by status"
    )
    print("\n文件接收情况 / files received:")
    print_frame(rejected)
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from pipelines.bench.run import run_bench

    command = f"parks bench --enterprises {args.enterprises} --seed {args.seed}"
    if args.month != DEFAULT_MONTH:
        command += f" --month {args.month}"
    return run_bench(args.enterprises, Path(args.out), args.seed, command, args.month)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="parks", description="Lhasa park-economy warehouse")
    sub = parser.add_subparsers(dest="command", required=True)

    g = sub.add_parser(
        "generate", help="write realistic extract files (a demo or test landing folder)"
    )
    g.add_argument("--out", required=True, help="folder to write the extracts into")
    g.add_argument("--enterprises", type=int, default=10_000)
    g.add_argument("--start", default="2018-01", help="first month, YYYY-MM")
    g.add_argument("--end", default="2020-12", help="last month, YYYY-MM")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument(
        "--mess", type=float, default=0.0, help="share of messy files and rows (0 = clean)"
    )
    g.set_defaults(func=cmd_generate)

    r = sub.add_parser("run", help="load every month in the landing folder and build the warehouse")
    r.add_argument("--landing", help="landing folder (default $PARKS_LANDING or <home>/landing)")
    r.add_argument(
        "--warehouse",
        help="published DuckDB file (default $PARKS_WAREHOUSE or data/warehouse.duckdb); "
        "the build happens in build/ beside it, and its folder is the run's home (archive, "
        "reports, run history, logs) unless PARKS_HOME is set",
    )
    r.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="the least severe records kept in the run's log file, <home>/logs/ (default INFO)",
    )
    r.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild the incremental dbt models whole (done by itself once after a change of "
        "the models or the seeds); same as PARKS_FULL_REFRESH=1",
    )
    r.add_argument(
        "--verify-checksums",
        action="store_true",
        help="read every file in the landing folder again to recognize the ones already loaded, "
        "instead of trusting an unchanged name, size and modification time; same as "
        "PARKS_VERIFY_CHECKSUMS=1",
    )
    r.set_defaults(func=cmd_run)

    q = sub.add_parser("sql", help="run a read-only SQL query against the warehouse")
    q.add_argument("query")
    q.add_argument("--warehouse")
    q.set_defaults(func=cmd_sql)

    s = sub.add_parser(
        "summary",
        help="print tier counts per park and year, city attainment and plan inconsistencies",
    )
    s.add_argument("--warehouse")
    s.set_defaults(func=cmd_summary)

    register_report_command(sub)

    b = sub.add_parser(
        "bench",
        help="benchmark: full build, incremental month and a bare-DuckDB baseline (docs/performance.md)",
    )
    b.add_argument("--enterprises", type=int, default=2_000, help="scale (default 2000)")
    b.add_argument("--out", default="data/bench", help="work folder (one subfolder per scale)")
    b.add_argument("--seed", type=int, default=2018)
    b.add_argument(
        "--month",
        default=DEFAULT_MONTH,
        help=f"the one more month, YYYY-MM (default {DEFAULT_MONTH}); the full build loads the "
        "36 months before it. A December is the dearest: a new month recomputes its year",
    )
    b.set_defaults(func=cmd_bench)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
