"""`parks bench`: generate, full build, the baselines, one incremental month, compare.

Stages, each a child process measured by pipelines/bench/measure.py:
  generate      `parks generate`: 36 months plus one more (by default 2018-01..2020-12 and
                2021-01; `--month` names the one more month, e.g. a December, the dearest
                month for the models that recompute its year)
  full build    `parks run` on the 36 months into an empty warehouse (ingest, validation, dbt,
                publication, reports: the product as the bureau runs it)
  minimal DuckDB script
                pipelines/bench/minimal.sql in the DuckDB command line on the same 36 months:
                what a user would write instead, the plan's tier counts per park and year and
                nothing else (the primary reference)
  pandas script pipelines/bench/minimal_pandas.py, the same with pandas (at scales up to
                PANDAS_UP_TO enterprises unless --pandas/--no-pandas says otherwise)
  storing script
                pipelines/bench/store.sql: the minimal script's reading, every column of every
                row stored in a table per extract, nothing validated or computed: the floor
                under any product that keeps the rows it counts
  baseline      pipelines/bench/baseline.sql in the DuckDB command line on the same 36 months:
                the pipeline's marts of the plan's figures by hand-written SQL, no validation
                (the second reference)
  incremental   the 37th month is added to the landing folder, `parks run` again
  baseline +1   the baseline on the 37 months, to check the incremental result
The pipeline's counts must equal the baseline's (park_year_summary: every count per park, year and
tier; park_tier_months: per park, month and tier) after the full build and after the incremental
month, and park_year_summary's tier counts must equal both scripts' after the full build; a
mismatch fails the benchmark.
Validation throughput is measured in-process on the last month's files, per rule set.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import sys
import time
from pathlib import Path

import duckdb

from pipelines.bench import DEFAULT_MONTH, PANDAS_UP_TO
from pipelines.bench.measure import Measured, run_measured
from pipelines.ingest.landing import parse_name
from pipelines.reference import SEEDS

MONTHS_BEFORE = 36
BASELINE_SQL = Path(__file__).with_name("baseline.sql")
MINIMAL_SQL = Path(__file__).with_name("minimal.sql")
COUNTED_SQL = Path(__file__).with_name("counted.sql")  # read before minimal.sql and store.sql
STORE_SQL = Path(__file__).with_name("store.sql")
MONTHLY_KINDS = ("registration", "tax", "employment", "output")  # what the scripts read
MINIMAL_PANDAS = Path(__file__).with_name("minimal_pandas.py")
# park_year_summary's counts as (dimension, tier, column): the enterprises, those above scale,
# and one in-band count per tier of the pipeline's tier_thresholds seed
# (`<dimension>_<tier>_count`, as the model names them). The minimal scripts' counts table
# has a row per (park, year, dimension, tier) of these, `enterprises` for the first.
COUNT_COLUMNS_SQL = """
select 'enterprises', null, 'enterprise_count'
union all select 'above_scale', null, 'above_scale_count'
union all
(select dimension, tier, dimension || '_' || lower(tier) || '_count'
 from pipeline.reference.tier_thresholds where tier is not null order by dimension, tier)
"""
COUNTS_SQL = f"select column_name from ({COUNT_COLUMNS_SQL}) as c(dimension, tier, column_name)"


def _progress(line: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] bench: {line}", file=sys.stderr, flush=True)


def _bin(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def _month_key(file_name: str) -> str:
    """The month a generated file loads in (a yearly indicators file: January of its year)."""
    parsed = parse_name(Path(file_name))
    return parsed.month_key if parsed else ""


def _land(source: Path, landing: Path, months: set[str]) -> int:
    """Hard-link the source files of these months into the landing folder (no copy)."""
    landing.mkdir(parents=True, exist_ok=True)
    n = 0
    for f in sorted(source.iterdir()):
        if f.is_file() and _month_key(f.name) in months and not (landing / f.name).exists():
            os.link(f, landing / f.name)
            n += 1
    return n


def bench_months(month: str) -> tuple[str, str]:
    """The first and last of the 36 months before `month` (YYYY-MM)."""
    try:
        y, m = map(int, month.split("-"))
        dt.date(y, m, 1)
    except ValueError:
        raise SystemExit(f"--month {month!r}: expected a month as YYYY-MM, e.g. 2021-12") from None
    index = y * 12 + m - 1
    first, last = index - MONTHS_BEFORE, index - 1
    return f"{first // 12:04d}-{first % 12 + 1:02d}", f"{last // 12:04d}-{last % 12 + 1:02d}"


def _months(first: str, last: str) -> set[str]:
    y, m = map(int, first.split("-"))
    out = set()
    while f"{y:04d}-{m:02d}" <= last:
        out.add(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def baseline_command(
    db: Path,
    landing: Path,
    seeds: Path = SEEDS,
    script: Path = BASELINE_SQL,
    read_first: tuple[Path, ...] = (),
) -> list[str]:
    """The DuckDB command line that builds the baseline's marts in `db` from the landing files
    (or runs another `script` with the same variables, landing and seeds, after the scripts
    `read_first`)."""
    return [
        _bin("duckdb"),
        str(db),
        "-cmd",
        f"set variable landing = {_sql_text(str(landing))}; "
        f"set variable seeds = {_sql_text(str(seeds))};",
        *(arg for first in read_first for arg in ("-cmd", f".read {_sql_text(str(first))}")),
        "-f",
        str(script),
    ]


def minimal_command(db: Path, landing: Path, seeds: Path = SEEDS) -> list[str]:
    """The DuckDB command line that runs the minimal script: its table `counts` in `db`."""
    return baseline_command(db, landing, seeds, MINIMAL_SQL, read_first=(COUNTED_SQL,))


def store_command(db: Path, landing: Path) -> list[str]:
    """The DuckDB command line that runs the storing script: a table per monthly extract in `db`."""
    return baseline_command(db, landing, script=STORE_SQL, read_first=(COUNTED_SQL,))


def pandas_command(out: Path, landing: Path, seeds: Path = SEEDS) -> list[str]:
    """The pandas script's command line: its counts in the CSV file `out`."""
    return [sys.executable, str(MINIMAL_PANDAS), str(landing), str(seeds), str(out)]


def _generate(
    work: Path, enterprises: int, seed: int, first: str, extra: str, env: dict[str, str]
) -> Measured:
    source, marker = work / "source", work / "source.json"
    wanted = {"enterprises": enterprises, "seed": seed, "start": first, "end": extra, "mess": 0}
    if marker.exists() and json.loads(marker.read_text()) == wanted and source.is_dir():
        _progress(f"reusing the data generated earlier in {source} ({marker.name} matches)")
        return Measured("generate", 0, 0, 0, 0, note="reused, generated by an earlier run")
    shutil.rmtree(source, ignore_errors=True)
    marker.unlink(missing_ok=True)
    _progress(f"generating {enterprises:,} enterprises x 37 months into {source}")
    m = run_measured(
        "generate",
        [_bin("parks"), "generate", "--out", str(source), "--enterprises", str(enterprises),
         "--start", first, "--end", extra, "--seed", str(seed), "--mess", "0"],
        env,
        work / "generate.log",
    )  # fmt: skip
    if m.returncode == 0:
        marker.write_text(json.dumps(wanted))
    m.rows = _rows_in(source)
    return m


def _rows_in(folder: Path) -> int:
    """Data rows of the CSV files (lines minus the header), counted without parsing."""
    return sum(_lines(f) - 1 for f in folder.iterdir())


def _lines(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 24), b""))


def _rows_counted(folder: Path, kinds: tuple[str, ...]) -> int:
    """Data rows of the files of `kinds` that count: the highest revision of each month."""
    latest: dict[tuple[str, dt.date], tuple[int, Path]] = {}
    for path in folder.iterdir():
        f = parse_name(path)
        if f and f.kind in kinds and f.revision > latest.get((f.kind, f.period), (0, path))[0]:
            latest[(f.kind, f.period)] = (f.revision, path)
    return sum(_lines(path) - 1 for _, path in latest.values())


def _steps(home: Path) -> list[tuple[str, float]]:
    """Wall time of each step of the latest Dagster run (ingest per kind, dbt, publication)."""
    import dagster as dg

    os.environ["DAGSTER_HOME"] = str(home / "dagster")
    instance = dg.DagsterInstance.get()
    run = instance.get_runs(limit=1)[0]
    stats = instance.get_run_step_stats(run.run_id)
    return sorted(
        ((s.step_key, (s.end_time or 0) - (s.start_time or 0)) for s in stats),
        key=lambda s: -s[1],
    )


def _rows_loaded(warehouse: Path, period: str | None = None) -> int:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        sql = "select coalesce(sum(rows_read), 0) from meta.loads where status = 'loaded'"
        args: list = []
        if period:
            sql += " and strftime(period, '%Y-%m') = ?"
            args = [period]
        return int(con.execute(sql, args).fetchone()[0])


# The counts compared, per mart: its key, its counts (or the query that lists them), and which of the pipeline's rows (a park
# without enterprises has a row of zeros in its park_year_summary; the tier counts compared are
# those of the default band counting, at or above a tier's bound, the baseline's rule).
COMPARED = {
    "park_year_summary": (["park_code", "year"], COUNTS_SQL, "enterprise_count > 0"),
    "park_tier_months": (
        ["park_code", "year", "month", "dimension", "tier"],
        ["enterprises"],
        "band_counting = 'at_or_above'",
    ),
}


def compare(warehouse: Path, baseline: Path) -> list[str]:
    """Every count per park, year and tier (park_year_summary), and per park, month and tier
    (park_tier_months), on which the pipeline and the baseline disagree."""
    differences = []
    with duckdb.connect(str(baseline), read_only=True) as con:
        con.execute(f"attach {_sql_text(str(warehouse))} as pipeline (read_only)")
        for mart, (key, counts, kept) in COMPARED.items():
            if isinstance(counts, str):
                counts = [r[0] for r in con.execute(counts).fetchall()]
            columns = ", ".join(key + counts)
            rows = con.execute(
                f"""
                with pipeline as (select {columns} from pipeline.marts.{mart} where {kept}),
                baseline as (select {columns} from {mart})
                select 'pipeline only', * from (from pipeline except from baseline)
                union all
                select 'baseline only', * from (from baseline except from pipeline)
                order by all
                """
            ).fetchall()
            differences += [f"{mart}: " + " ".join(str(v) for v in row) for row in rows]
    return differences


def compare_stored(stored: Path, rows: int) -> list[str]:
    """What the storing script lost or added: its tables' rows against the files' `rows`."""
    with duckdb.connect(str(stored), read_only=True) as con:
        held = {
            kind: con.execute(f"select count(*) from {kind}").fetchone()[0]
            for kind in MONTHLY_KINDS
        }
    if sum(held.values()) == rows:
        return []
    found = ", ".join(f"{kind} {n:,}" for kind, n in held.items())
    return [f"stored {sum(held.values()):,} rows ({found}), the files hold {rows:,}"]


def compare_counts(warehouse: Path, counts: Path) -> list[str]:
    """The counts per park, year and tier of park_year_summary on which the pipeline and a
    minimal script disagree; `counts`: the DuckDB script's database (its table counts) or the
    pandas script's CSV file. Zero counts are left out on both sides."""
    with duckdb.connect() as con:
        con.execute(f"attach {_sql_text(str(warehouse))} as pipeline (read_only)")
        if counts.suffix == ".csv":
            script = (
                f"read_csv({_sql_text(str(counts))}, header = true, columns = {{'park_code': "
                "'varchar', 'year': 'integer', 'dimension': 'varchar', 'tier': 'varchar', "
                "'enterprises': 'bigint'})"
            )
        else:
            con.execute(f"attach {_sql_text(str(counts))} as script (read_only)")
            script = "script.counts"
        pipeline = "\nunion all\n".join(
            f"select park_code, year, {_sql_text(dimension)}, "
            f"{'null' if tier is None else _sql_text(tier)}, {column} "
            f"from pipeline.marts.park_year_summary where {column} > 0"
            for dimension, tier, column in con.execute(COUNT_COLUMNS_SQL).fetchall()
        )
        rows = con.execute(
            f"""
            with pipeline as ({pipeline}),
            script as (
                select park_code, cast(year as integer), dimension, tier, cast(enterprises as bigint)
                from {script} where enterprises > 0
            )
            select 'pipeline only', * from (from pipeline except from script)
            union all
            select 'script only', * from (from script except from pipeline)
            order by all
            """
        ).fetchall()
    return ["park_year_summary: " + " ".join(str(v) for v in row) for row in rows]


def validation_throughput(landing: Path, warehouse: Path, month: str) -> list[dict]:
    """Rows per second of reading, parsing and the rules, per extract kind, on one month's files,
    the way the loader runs them: streamed in batches (pipelines/ingest/load.py, _validate)."""
    from pipelines.ingest.landing import scan
    from pipelines.ingest.load import add_context, rule_context, whole_file_checks
    from pipelines.ingest.read import open_extract
    from pipelines.ingest.survey import FileFacts
    from schemas import SCHEMAS
    from schemas.common import Confrontation, parse

    period = dt.date.fromisoformat(month + "-01")
    found = scan(landing)
    results = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for kind, schema in SCHEMAS.items():
            f = found.latest(kind, period)
            if f is None:
                continue
            parse_s = validate_s = 0.0
            start = time.perf_counter()
            with open_extract(f.path, f.path.name, f.ext, schema) as extract:
                context = rule_context(kind, con, period)
                confrontation = Confrontation(schema)
                facts = FileFacts(schema)
                for batch in extract.batches():
                    t0 = time.perf_counter()
                    parsed = parse(batch, schema, flag_duplicates=False)
                    in_context = add_context(parsed, period, context)
                    t1 = time.perf_counter()
                    confrontation.add(in_context)
                    parse_s += t1 - t0
                    validate_s += time.perf_counter() - t1
                    facts.add(parsed)
                whole_file_checks(facts, extract, f, confrontation)  # repeated keys read again
            total = time.perf_counter() - start
            results.append(
                {
                    "kind": kind,
                    "rows": confrontation.items,
                    "rules": len(schema.rules),
                    # the pass over the file and the facts of the whole file, the rows whose key
                    # repeats read again and set aside
                    "read_s": total - parse_s - validate_s,
                    "parse_s": parse_s,
                    "validate_s": validate_s,
                    "rows_rejected": confrontation.items - confrontation.passed,
                }
            )
    return results


def _table(rows: list[list[str]], header: list[str]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _fmt(v: float | None, digits: int = 1) -> str:
    return "" if v is None else f"{v:,.{digits}f}"


def report(
    enterprises: int,
    stages: list[Measured],
    steps: dict[str, list[tuple[str, float]]],
    throughput: list[dict],
    checks: dict[str, list[str]],
    command: str,
    months: tuple[str, str, str],
) -> str:
    by = {m.stage: m for m in stages}
    full, base, inc = by.get("full build"), by.get("baseline"), by.get("incremental month")
    minimal, pandas = by.get("minimal DuckDB script"), by.get("pandas script")
    out = [
        f"## Benchmark: {enterprises:,} enterprises, 36 months ({months[0]} .. {months[1]}) + {months[2]}",
        "",
        f"- command: `{command}`",
        f"- when: {dt.datetime.now():%Y-%m-%d %H:%M}, machine: {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') / 2**30:.0f} GiB, "
        f"Python {platform.python_version()}, DuckDB {duckdb.__version__}",
        "",
        _table(
            [
                [
                    m.stage,
                    _fmt(m.wall_s),
                    _fmt(m.cpu_s),
                    _fmt(m.peak_rss_mib, 0),
                    f"{m.rows:,}" if m.rows else "",
                    _fmt(m.rows_per_s, 0),
                    m.note or ("ok" if m.returncode == 0 else f"FAILED (exit {m.returncode})"),
                ]
                for m in stages
            ],
            ["stage", "wall s", "CPU s", "peak MiB", "rows", "rows/s", ""],
        ),
        "",
        "Ratios (same run):",
        "",
    ]
    for reference, target in (
        (minimal, "at most 4x at 1,000,000 enterprises"),
        (pandas, f"at most 3x at {PANDAS_UP_TO:,} enterprises"),
        (by.get("storing script"), "none; the floor of keeping every row, in DuckDB alone"),
        (base, "at most 2x"),
    ):
        if full and reference:
            name = "all-marts baseline" if reference is base else reference.stage
            out.append(
                f"- full build / {name}: **{full.wall_s / reference.wall_s:.2f}x** wall, "
                f"{full.cpu_s / reference.cpu_s:.2f}x CPU (target: {target})"
            )
    if full and inc:
        out.append(
            f"- incremental month / full build: **{inc.wall_s / full.wall_s:.3f}** "
            f"(target: at most 0.05)"
        )
    product = [m for m in (full, inc) if m]
    if product:
        peak = max(m.peak_rss_mib for m in product)
        out.append(
            f"- peak memory of the pipeline (full build, incremental month): {peak / 1024:.2f} GiB "
            "(target: under 4 GiB at 1,000,000 enterprises; the bare-DuckDB baseline, at DuckDB's defaults, is not the "
            "product)"
        )
    out += [
        "",
        "Correctness (every count of park_year_summary and park_tier_months vs the baseline; "
        "park_year_summary's counts per park, year and tier vs each script):",
        "",
    ]
    for name, diffs in checks.items():
        verdict = "equal" if not diffs else f"**{len(diffs)} rows differ**: " + "; ".join(diffs[:5])
        out.append(f"- {name}: {verdict}")
    for stage, stage_steps in steps.items():
        out += ["", f"Steps of the {stage} (Dagster step wall time, s):", ""]
        out.append(_table([[k, _fmt(s)] for k, s in stage_steps], ["step", "wall s"]))
    if throughput:
        out += [
            "",
            "Validation throughput per rule set (one month's file, in-process, streamed in "
            "batches as the loader reads it; `read s` covers reading the file, and the rows "
            "whose key repeats once more):",
            "",
        ]
        out.append(
            _table(
                [
                    [
                        t["kind"],
                        str(t["rules"]),
                        f"{t['rows']:,}",
                        _fmt(t["read_s"], 2),
                        _fmt(t["parse_s"], 2),
                        _fmt(t["validate_s"], 2),
                        _fmt(t["rows"] / t["validate_s"] if t["validate_s"] else None, 0),
                        _fmt(t["rows"] / (t["read_s"] + t["parse_s"] + t["validate_s"]), 0),
                    ]
                    for t in throughput
                ],
                [
                    "rule set",
                    "rules",
                    "rows",
                    "read s",
                    "parse s",
                    "rules s",
                    "rows/s (rules)",
                    "rows/s (read+parse+rules)",
                ],
            )
        )
    return "\n".join(out) + "\n"


def run_bench(
    enterprises: int,
    out: Path,
    seed: int,
    command: str,
    month: str = DEFAULT_MONTH,
    pandas: bool | None = None,
) -> int:
    """`pandas`: run the pandas script (None: at scales up to PANDAS_UP_TO enterprises)."""
    first, last = bench_months(month)
    # a month other than the default gets its own folder: its data differ from the first month on
    work = (
        out / (str(enterprises) if month == DEFAULT_MONTH else f"{enterprises}-{month}")
    ).resolve()
    work.mkdir(parents=True, exist_ok=True)
    home, landing = work / "home", work / "landing"
    for stale in (home, landing):
        shutil.rmtree(stale, ignore_errors=True)
    env = {**os.environ, "PARKS_HOME": str(home), "PARKS_LANDING": str(landing)}
    # the default locations under the bench's home; the default band counting, the baseline's
    for var in (
        "PARKS_WAREHOUSE",
        "PARKS_BUILD_WAREHOUSE",
        "PARKS_ARCHIVE",
        "DAGSTER_HOME",
        "PARKS_BAND_COUNTING",
    ):
        env.pop(var, None)
    warehouse = home / "warehouse.duckdb"
    stages: list[Measured] = []
    steps: dict[str, list[tuple[str, float]]] = {}
    checks: dict[str, list[str]] = {}

    def stage(m: Measured) -> Measured:
        stages.append(m)
        _progress(
            f"{m.stage}: {m.wall_s:.1f} s wall, {m.cpu_s:.1f} s CPU, peak {m.peak_rss_mib:.0f} MiB"
            + ("" if m.returncode == 0 else f", FAILED (exit {m.returncode}, log in {work})")
        )
        return m

    def reference(name: str, output: Path, argv: list[str], rows: int) -> Measured:
        """A script of the same figures run on the landing folder's `rows`, into `output`."""
        output.unlink(missing_ok=True)
        m = stage(run_measured(name, argv, env, work / f"{output.stem}.log"))
        m.rows = rows
        return m

    def pipeline(name: str, rows_period: str | None) -> Measured:
        m = stage(
            run_measured(name, [_bin("parks"), "run"], env, work / f"{name.replace(' ', '-')}.log")
        )
        if m.returncode == 0:
            m.rows = _rows_loaded(warehouse, rows_period)
            steps[name] = _steps(home)
        return m

    if stage(_generate(work, enterprises, seed, first, month, env)).returncode:
        return 1
    _land(work / "source", landing, _months(first, last))
    rows = _rows_in(landing)  # what every reference reads
    _progress(f"full build: `parks run` on 36 months ({first} .. {last}) into an empty warehouse")
    if pipeline("full build", None).returncode:
        return 1
    # the references, on the same 36 months: what a user would write (a minimal DuckDB script,
    # a pandas script), then every mart of the product by hand-written SQL
    minimal, pandas_counts = work / "minimal.duckdb", work / "pandas_counts.csv"
    scripts = [("minimal DuckDB script", minimal, minimal_command(minimal, landing))]
    if enterprises <= PANDAS_UP_TO if pandas is None else pandas:
        scripts.append(("pandas script", pandas_counts, pandas_command(pandas_counts, landing)))
    for name, counts, argv in scripts:
        _progress(f"{name}: the plan's tier counts per park and year from the same files")
        if reference(name, counts, argv, rows).returncode:
            return 1
    _progress("storing script: every column of the same files stored, nothing validated")
    stored = work / "store.duckdb"
    stored_rows = _rows_counted(landing, MONTHLY_KINDS)
    if reference("storing script", stored, store_command(stored, landing), stored_rows).returncode:
        return 1
    checks["storing script, rows stored"] = compare_stored(stored, stored_rows)
    stored.unlink()  # as large as the raw tables: the disk is needed for the rest
    _progress(
        "baseline: the same marts (the monthly and yearly facts, the enterprise versions, the tier "
        "counts by month and by year) in bare DuckDB from the same files"
    )
    base = work / "baseline.duckdb"
    if reference("baseline", base, baseline_command(base, landing), rows).returncode:
        return 1
    checks["baseline, after the full build (36 months)"] = compare(warehouse, base)
    for name, counts, _ in scripts:
        checks[f"{name}, after the full build"] = compare_counts(warehouse, counts)
    _progress("validation throughput on the last month's files")
    throughput = validation_throughput(landing, warehouse, last)
    _land(work / "source", landing, {month})
    _progress(f"incremental month: {month} added, `parks run` again")
    if pipeline("incremental month", month).returncode:
        return 1
    base_37 = work / "baseline_37.duckdb"
    if reference(
        "baseline, 37 months", base_37, baseline_command(base_37, landing), _rows_in(landing)
    ).returncode:
        return 1
    checks["baseline, after the incremental month (37 months)"] = compare(warehouse, base_37)
    text = report(enterprises, stages, steps, throughput, checks, command, (first, last, month))
    (work / "results.md").write_text(text, encoding="utf-8")
    (work / "results.json").write_text(
        json.dumps(
            {
                "enterprises": enterprises,
                "stages": [m.__dict__ for m in stages],
                "steps": steps,
                "validation": throughput,
                "checks": checks,
            },
            indent=2,
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    print(text)
    _progress(f"results in {work / 'results.md'}")
    if any(checks.values()):
        _progress("FAILED: the pipeline's counts differ from a baseline's (see above)")
        return 1
    return 0
