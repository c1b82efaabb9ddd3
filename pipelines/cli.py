"""`parks`: the command line of the warehouse (generate, run, sql, summary)."""

from __future__ import annotations

import argparse
import gc
import os
import re
import shutil
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipelines import confidential
from pipelines.bench import DEFAULT_MONTH, PANDAS_UP_TO
from pipelines.config import Paths
from pipelines.reference import REPO_ROOT
from pipelines.reports.cli import register_report_command


def _progress(line: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {line}", file=sys.stderr, flush=True)


def cmd_generate(args: argparse.Namespace) -> int:
    from pipelines.generate import generate

    confidential.restrict()
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
        revisions_out=Path(args.revisions_out) if args.revisions_out else None,
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


@contextmanager
def objects_for_good() -> Iterator[None]:
    """No garbage collection while the block makes objects that live as long as the process (the
    modules, Dagster's and dbt's definitions); then every object is set apart (frozen), out of
    the collections of the run that follows.

    Loading them, about 400,000 objects and hardly any garbage, ran the interpreter's full
    collection over the growing heap several times (docs/performance.md). The garbage made before
    the block is collected first, so that nothing dead is set apart. What is set apart is never
    collected again: whatever holds files among it must be closed explicitly (the instance)."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def run_warehouse(paths: Paths, log_level: str = "INFO") -> str:
    """Materialize every asset for the months in the landing folder that need it, in-process.
    How it ended: one of the states of pipelines/run_summary.py."""
    from pipelines.run_summary import FAILED, PUBLISHED

    with objects_for_good():
        loaded = _load_run(paths)
        from pipelines.progress import progress_display
    if isinstance(loaded, str):
        return loaded
    job, instance, todo = loaded
    with instance, progress_display(paths, log_level) as display:  # the instance closes its files
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
    return PUBLISHED if result.success else FAILED


def _load_run(paths: Paths) -> str | tuple:
    """(job, instance, months to load) of the run, or how it ended without one."""
    warnings.filterwarnings("ignore", module="dagster")
    from pipelines.ingest.landing import scan
    from pipelines.ingest.load import months_to_load
    from pipelines.run_summary import NOTHING_TO_RUN, UP_TO_DATE, nothing_new

    if not paths.landing.is_dir():
        _progress(
            f"no landing folder {paths.landing}: create it and put extracts there, "
            "or run `parks generate --out` into it"
        )
        return NOTHING_TO_RUN
    landing = scan(paths.landing)
    months = landing.months()
    if not months:
        _progress(f"no extract files in {paths.landing} (expected names like tax_201803.csv)")
        return NOTHING_TO_RUN
    if nothing_new(landing, paths):
        _progress(
            f"nothing new: every file in {paths.landing} was handled before, the dbt project "
            f"is unchanged and {paths.warehouse} is current; nothing rebuilt, nothing published"
        )
        if paths.warehouse.exists() and not paths.public.exists():
            # a publication made before the public warehouse existed (or the file removed)
            from pipelines.public import write_public

            write_public(paths.warehouse, paths.public)
            _progress(f"the public warehouse was missing: wrote {paths.public} from it")
        return UP_TO_DATE
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

    job = defs().resolve_job_def("warehouse_job")
    instance = dagster_instance(paths)
    for run_id in release_dead_runs(instance):
        _progress(f"run {run_id} was killed before it finished: marked failed, its pool slot freed")
    return job, instance, todo


def cmd_run(args: argparse.Namespace) -> int:
    from pipelines.ingest.landing import scan
    from pipelines.run_summary import FAILED, PUBLISHED, collect, exit_status

    try:
        gid = confidential.group()
    except confidential.GroupError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    paths = _paths(args)
    if args.full_refresh:
        os.environ["PARKS_FULL_REFRESH"] = "1"
    if args.verify_checksums:
        os.environ["PARKS_VERIFY_CHECKSUMS"] = "1"
    confidential.restrict()  # dbt, DuckDB and Dagster create their files under it
    said = confidential.apply(paths, gid).describe()  # what earlier runs left readable by all
    if said:
        _progress(said)
    started = time.monotonic()
    try:
        state = run_warehouse(paths, log_level=args.log_level)
    finally:
        # PARKS_GROUP for the files made during the run (they were made with the user's primary
        # group); a mode to fix here means something was created around the policy
        made = confidential.apply(paths, gid)
        if made.modes:
            _progress(made.describe_made())
    elapsed = time.monotonic() - started
    if state == FAILED:
        _progress(
            f"FAILED after {elapsed:.0f} s; see the run's log (its path is printed above) and the run in the Dagster UI"
        )
    elif state == PUBLISHED:
        _progress(
            f"warehouse built and published in {elapsed:.0f} s: {paths.warehouse} "
            "(read-only for analysts)"
        )
    summary = collect(scan(paths.landing), paths) if paths.landing.is_dir() else None
    if summary and (summary.entries or state in (PUBLISHED, FAILED)):  # the last thing printed
        print(summary.render(), flush=True)
    return exit_status(state, summary)


# The connection of `parks sql` and `parks summary`: read-only, and no access to any file but
# the warehouse itself (no COPY ... TO, EXPORT DATABASE, ATTACH, INSTALL, read_csv of a path),
# with its settings locked (SET and PRAGMA cannot turn that back on, nor point a log or a
# profile at a file). DuckDB enforces both; the text of a query is not parsed here.
READ_ONLY_CONFIG = {"enable_external_access": False, "lock_configuration": True}


def connect(paths: Paths, public: bool = False):
    """The published warehouse read-only; with `public`, the public one (paths.public)."""
    import duckdb

    path = paths.public if public else paths.warehouse
    if not path.exists():
        which = "public warehouse" if public else "warehouse"
        raise SystemExit(f"no {which} at {path}: run `parks run` (or `make demo`) first")
    return duckdb.connect(str(path), read_only=True, config=READ_ONLY_CONFIG)


def query(paths: Paths, sql: str, parameters: list | None = None) -> tuple[list[str], list[tuple]]:
    """Column names and rows (Python values: DECIMAL as Decimal, dates as dates) of one query."""
    with connect(paths) as con:
        return _result(con.execute(sql, parameters or []))


def _result(cursor) -> tuple[list[str], list[tuple]]:
    if cursor.description is None:
        return [], []
    return [d[0] for d in cursor.description], cursor.fetchall()


def print_frame(columns: list[str], rows: list[tuple], *, keys: int = 1) -> None:
    """A table fitted to the terminal's width (COLUMNS), nothing cut."""
    from pipelines.terminal import render_table, terminal_width

    print(render_table(columns, rows, width=terminal_width(), keys=keys))


SQL_FORMATS = ("table", "csv", "json", "markdown")
LEADING_COMMENTS = re.compile(r"\A(?:\s*(?:--[^\n]*(?:\n|\Z)|/\*.*?\*/))+\s*", re.DOTALL)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 2:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of columns of 2 or more")
    return int(text)


def _read_query(args: argparse.Namespace) -> tuple[str, str]:
    """The SQL text and where it came from."""
    if args.file and args.query:
        raise SystemExit("error: give the query as an argument or with --file, not both")
    source = args.file or args.query
    if source is None:
        if sys.stdin.isatty():
            raise SystemExit(
                'error: no query: give one (parks sql "select ..."), a file (--file q.sql) '
                "or `-` to read standard input"
            )
        source = "-"
    if args.file and source != "-":
        try:
            return Path(source).read_text(encoding="utf-8-sig"), f"the file {source}"
        except (OSError, UnicodeDecodeError) as e:
            raise SystemExit(f"error: cannot read the query file {source}: {e}") from e
    return (sys.stdin.read(), "standard input") if source == "-" else (source, "the query")


def _sql_error(e: Exception) -> str:
    import duckdb

    message = str(e)
    if isinstance(e, duckdb.PermissionException):
        return (
            "`parks sql` reads the warehouse only: statements that write or read files (COPY, "
            "EXPORT, ATTACH, INSTALL, read_csv of a path, ...) are refused. To save a result, "
            f"use --format csv or json and redirect it: parks sql ... --format csv > out.csv ({e})"
        )
    if "configuration has been locked" in message:
        return (
            f"`parks sql` cannot change DuckDB's settings (SET, PRAGMA, RESET are refused). ({e})"
        )
    if "read-only" in message or "read only" in message:
        return (
            "the warehouse is opened read-only by `parks sql`; statements that write are refused. "
            f"({e})"
        )
    return message


def cmd_sql(args: argparse.Namespace) -> int:
    import duckdb

    from pipelines import terminal

    text, source = _read_query(args)
    try:
        statements = [s.query.strip() for s in duckdb.extract_statements(text)]
    except duckdb.Error as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if not statements:
        print(f"error: {source} holds no statement (only spaces or comments)", file=sys.stderr)
        return 2
    machine = args.format in ("csv", "json")
    if machine and len(statements) > 1:
        print(
            f"error: --format {args.format} writes the result of one statement; the query has "
            f"{len(statements)}: run them one at a time, or use --format table or markdown",
            file=sys.stderr,
        )
        return 2
    paths = _paths(args)
    with connect(paths, public=args.public) as con:
        for n, statement in enumerate(statements):
            try:
                columns, rows = _result(con.execute(statement))
            except duckdb.Error as e:
                where = f" (statement {n + 1} of {len(statements)})" if len(statements) > 1 else ""
                print(f"error{where}: {_sql_error(e)}", file=sys.stderr)
                return 2
            if args.format == "csv":
                terminal.write_csv(columns, rows, sys.stdout)
            elif args.format == "json":
                terminal.write_json(columns, rows, sys.stdout)
            else:
                if len(statements) > 1:
                    one_line = " ".join(LEADING_COMMENTS.sub("", statement).split())
                    print(("\n" if n else "") + f"-- {n + 1}/{len(statements)}: {one_line}")
                if args.format == "markdown":
                    print(terminal.render_markdown(columns, rows) if columns else "(no result)")
                elif columns:
                    print(terminal.render_table(columns, rows, max_width=args.max_width))
                    print(f"({len(rows)} row{'' if len(rows) == 1 else 's'})")
                else:
                    print("(no result)")
    return 0


# Tier counts per park and year. The tiers, their order (highest threshold first) and their
# labels are the rows of the tier_thresholds seed (reference.tier_thresholds); park_year_summary
# has a column per tier, `<dimension>_<tier>_or_above_count`, and `above_scale_count`. Parks in
# the parks seed's display_order.
TIER_LABELS_SQL = """
select dimension, tier, coalesce(plan_wording, tier_label) as label, tier_label
from reference.tier_thresholds
order by dimension, min_value desc
"""

PARK_YEARS_SQL = """
select summary.*
from marts.park_year_summary as summary
left join reference.parks as parks using (park_code)
order by parks.display_order nulls last, summary.park_code, summary.year
"""

CITY_ATTAINMENT_SQL = """
select a.year as 年份, a.metric_label as 指标, a.unit as 单位, round(a.target, 2) as 目标,
       round(a.actual, 2) as 实际, round(a.gap, 2) as 差额,
       round(a.attainment_ratio * 100, 1) as "完成率%", a.attainment_status as 状态,
       a.target_window as 目标期, strftime(a.as_of_period, '%Y-%m') as 数据截至,
       case when a.is_final then '是' else '否' end as 年度终值,
       coalesce(a.enterprise_scope_label, '—') as 企业范围
from marts.target_attainment a
join reference.metric_catalog m using (metric)
where a.park_code = 'CITY'
order by a.year, m.display_order
"""

RECONCILIATION_SQL = """
select metric_label as 指标, city_year_or_window as 期间, city_target as 全市目标,
       parks_target_sum as 各园区目标合计, difference as "差额(园区-全市)", note as 说明
from marts.target_reconciliation
where not is_consistent
order by metric
"""

# Shares of a park's enterprises, output and tax in its positioned industries, and what came in
# outside it (marts.park_positioning_year). The terminal is the bureau's own: no disclosure
# control here, as for the attainment above (the published reports apply it).
POSITIONING_SQL = """
select park_name as 园区, year as 年份,
       round(share_enterprises * 100, 1) as "企业数占比%",
       round(share_output * 100, 1) as "产值占比%",
       round(share_tax * 100, 1) as "税收占比%",
       entrants as 新入园, entrants_outside as 不符合定位入园,
       projects_with_code as 有行业代码项目, projects_outside as 不符合定位项目
from marts.park_positioning_year
where year in (select distinct year from reference.plan_targets)
order by display_order, year
"""

FILES_SQL = "select status, count(*) as files from meta.loads group by status order by status"


def tier_tables(paths: Paths) -> list[tuple[str, list[str], list[list]]]:
    """(title, columns, rows) per table of `parks summary`: enterprises and those above scale,
    then one table per tier dimension; a row per park, a column per year and count."""
    _, labels = query(paths, TIER_LABELS_SQL)
    columns, records = query(paths, PARK_YEARS_SQL)
    position = {name: i for i, name in enumerate(columns)}
    dimensions: dict[str, list[tuple[str, str, str]]] = {}  # dimension -> (tier, column, label)
    above_scale = None
    for dimension, tier, label, tier_label in labels:
        if tier is None:
            above_scale = (f"{dimension}_count", tier_label)
        else:
            column = f"{dimension}_{tier.lower()}_or_above_count"
            dimensions.setdefault(dimension, []).append((tier, column, label))
    years = sorted({r[position["year"]] for r in records})
    parks = list(dict.fromkeys(r[position["park_name"]] for r in records))
    by_park = {(r[position["park_name"]], r[position["year"]]): r for r in records}

    def table(title: str, counts: list[tuple[str, str]]) -> tuple[str, list[str], list[list]]:
        header = ["园区"] + [f"{year}\n{code}" for year in years for code, _ in counts]
        rows = [
            [park]
            + [by_park[park, year][position[column]] for year in years for _, column in counts]
            for park in parks
        ]
        return title, header, rows

    tables = [
        table(
            "企业数 / enterprises" + (f"; 规上: {above_scale[1]}" if above_scale else ""),
            [("企业数", "enterprise_count")] + ([("规上", above_scale[0])] if above_scale else []),
        )
    ]
    # dimensions in the order of their columns in park_year_summary (output, tax, staff)
    for dimension, tiers in sorted(dimensions.items(), key=lambda d: position[d[1][0][1]]):
        legend = " · ".join(f"{tier} {label}" for tier, _, label in tiers)
        tables.append(table(f"{dimension}: {legend}", [(t, c) for t, c, _ in tiers]))
    return tables


def cmd_summary(args: argparse.Namespace) -> int:
    from pipelines.terminal import terminal_width, wrap

    paths = _paths(args)
    width = terminal_width()

    def title(text: str) -> None:
        print("\n" + "\n".join(wrap(text, width)))

    title(
        "各园区分年度企业梯队(“超”= 达到及以上) / enterprises per park and year, "
        "per tier at or above its threshold"
    )
    for name, columns, rows in tier_tables(paths):
        title(name)
        print_frame(columns, rows)
    title("全市目标完成情况 2018-2020 / city attainment of the plan's targets")
    print_frame(*query(paths, CITY_ATTAINMENT_SQL), keys=2)
    title(
        "规划内部不一致:全市目标与各园区目标之和的差额 / where the plan's city targets differ "
        "from the sum of its park targets"
    )
    print_frame(*query(paths, RECONCILIATION_SQL))
    title(
        "产业定位:定位产业占比与不符合定位的新入园企业、签约项目(城关区无定位) / industrial "
        "positioning: shares in positioned industries, entrants and projects outside it"
    )
    print_frame(*query(paths, POSITIONING_SQL), keys=2)
    title("文件接收情况 / files received")
    print_frame(*query(paths, FILES_SQL))
    return 0


def cmd_modes(args: argparse.Namespace) -> int:
    paths = _paths(args)
    if not paths.home.is_dir():
        raise SystemExit(f"no home at {paths.home}: run `parks run` (or `make demo`) first")
    for mode, group, path in confidential.listing(paths.home):
        print(f"{mode} {group:<10} {path}")
    wrong = confidential.out_of_line(paths)
    if wrong:
        print(
            f"{len(wrong)} files or folders out of line with the policy (files "
            f"{confidential.FILE_MODE:04o}, folders {confidential.FOLDER_MODE:04o}, the public "
            f"warehouse {confidential.PUBLIC_FILE_MODE:04o}; group {confidential.GROUP_VARIABLE}), "
            f"e.g. {wrong[0]}: `parks run` brings them into line"
        )
    else:
        print(f"{paths.home}: all in line with the policy")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from pipelines.bench.run import run_bench

    command = f"parks bench --enterprises {args.enterprises} --seed {args.seed}"
    if args.month != DEFAULT_MONTH:
        command += f" --month {args.month}"
    if args.pandas is not None:
        command += " --pandas" if args.pandas else " --no-pandas"
    return run_bench(args.enterprises, Path(args.out), args.seed, command, args.month, args.pandas)


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
    g.add_argument(
        "--revisions-out",
        metavar="DIR",
        help="write the `_v2` revisions (made when --mess > 0) into DIR instead of --out, to "
        "deliver them after their month was loaded",
    )
    g.set_defaults(func=cmd_generate)

    from pipelines.run_summary import exit_statuses_text

    r = sub.add_parser(
        "run",
        help="load every month in the landing folder and build the warehouse",
        description="Load the new or revised extracts of the landing folder, build the "
        "warehouse and publish it; ends with a summary of every file that was not loaded, why, "
        "and what to do.",
        epilog=exit_statuses_text(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
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

    q = sub.add_parser(
        "sql",
        help="run read-only SQL against the published warehouse",
        description="Run SQL against the published warehouse, read-only: statements that write, "
        "read or write files, or change settings are refused. Several statements separated by "
        "`;` print one result each (table and markdown formats).",
    )
    q.add_argument(
        "query",
        nargs="?",
        help="the SQL; `-` (or nothing, when standard input is not a terminal) reads it from "
        "standard input",
    )
    q.add_argument("-f", "--file", help="read the SQL from this file (UTF-8)")
    q.add_argument(
        "--format",
        choices=SQL_FORMATS,
        default="table",
        help="table (default, for reading), markdown, or csv and json (one statement, every "
        "digit, for other programs: redirect to a file)",
    )
    q.add_argument(
        "--max-width",
        type=_positive,
        metavar="N",
        help="table format: cut text longer than N terminal columns, ending it with … "
        "(default: nothing is cut)",
    )
    q.add_argument(
        "--warehouse",
        help="DuckDB file to query (default $PARKS_WAREHOUSE or data/warehouse.duckdb)",
    )
    q.add_argument(
        "--public",
        action="store_true",
        help="query the public warehouse instead ($PARKS_PUBLIC_WAREHOUSE, default public.duckdb "
        "beside the warehouse): aggregates only, disclosure-controlled, what may leave the bureau",
    )
    q.set_defaults(func=cmd_sql)

    s = sub.add_parser(
        "summary",
        help="print tier counts per park and year, city attainment and plan inconsistencies",
    )
    s.add_argument("--warehouse")
    s.set_defaults(func=cmd_summary)

    register_report_command(sub)

    m = sub.add_parser(
        "modes",
        help="list every file under the home with its mode and group, and what is out of line",
        description="Every file and folder under the home (symbolic links not followed) with "
        "its mode and group; then what the pipeline's places hold that is readable beyond the "
        "owner and the group PARKS_GROUP (files 0640, folders 0750, the public warehouse 0644). "
        "The landing folder is the bureau's delivery's: listed, not judged.",
    )
    m.add_argument("--warehouse", help="the warehouse whose home to list")
    m.set_defaults(func=cmd_modes)

    b = sub.add_parser(
        "bench",
        help="benchmark: full build, incremental month and the baselines (docs/performance.md)",
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
    b.add_argument(
        "--pandas",
        action=argparse.BooleanOptionalAction,
        help=f"run the pandas script too (default: at scales up to {PANDAS_UP_TO:,} enterprises)",
    )
    b.set_defaults(func=cmd_bench)

    args = parser.parse_args(argv)
    return args.func(args)


def entry() -> None:
    """The `parks` command: `main`, then an exit that leaves the process's memory to the system.

    At exit the interpreter collects every object the process made, the definitions of Dagster
    and dbt among them, only to free memory the system takes back anyway: seconds at the end of
    every `parks run` (docs/performance.md). Frozen objects are left out of that collection;
    the exit handlers (logs flushed, threads joined, temporary folders removed) still run.
    """
    status = main()
    gc.freeze()
    sys.exit(status)


if __name__ == "__main__":
    entry()
