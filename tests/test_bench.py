"""The benchmark: its months (the full build loads the 36 months before the one more month), its
baseline, an independent computation of the pipeline's marts (pipelines/bench/baseline.sql), and
the minimal scripts a user would write instead (pipelines/bench/minimal.sql, minimal_pandas.py)
and the storing script (store.sql)."""

import csv
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
from warehouse_helpers import run_env

from pipelines.bench.run import (
    COMPARED,
    _months,
    baseline_command,
    bench_months,
    compare,
    compare_counts,
    compare_stored,
    minimal_command,
    pandas_command,
    store_command,
)
from pipelines.cli import run_warehouse
from pipelines.config import Paths
from pipelines.generate import generate
from pipelines.reference import SEEDS
from pipelines.run_summary import PUBLISHED
from schemas.headers import HEADERS


@pytest.mark.parametrize(
    ("month", "first", "last"),
    [
        ("2021-01", "2018-01", "2020-12"),  # the default: a January after three whole years
        ("2021-12", "2018-12", "2021-11"),  # a December, the dearest month for the year models
        ("2019-03", "2016-03", "2019-02"),
    ],
)
def test_the_full_build_loads_the_36_months_before_the_month(month, first, last) -> None:
    assert bench_months(month) == (first, last)
    loaded = _months(first, last)
    assert len(loaded) == 36 and month not in loaded


@pytest.mark.parametrize("month", ["2021-13", "2021", "202112", "December"])
def test_a_month_that_is_not_yyyy_mm_is_refused_with_the_expected_form(month) -> None:
    with pytest.raises(SystemExit, match="expected a month as YYYY-MM"):
        bench_months(month)


# --------------------------------------------------------------------------- the baseline

# The baseline's marts against the pipeline's, per mart: its key and the columns compared (the
# names aside: the baseline keeps text as the files have it, the pipeline normalizes it). The
# pipeline's rows are those the benchmark compares (COMPARED: no park without enterprises).
BASELINE_MARTS = {
    "fct_enterprise_month": (
        "uscc, period",
        "is_registered, has_tax, has_employment, has_output, park_code, industry_code, "
        "industry_division_code, is_industrial, status, vat_yuan, corporate_income_tax_yuan, "
        "other_taxes_yuan, total_tax_yuan, insured_headcount, gross_output_month_10k, "
        "gross_output_ytd_10k, value_added_month_10k, revenue_month_10k, revenue_ytd_10k",
    ),
    "dim_enterprise": (
        "enterprise_version_key",
        "uscc, version_number, valid_from, valid_to, months_in_version, is_current, "
        "is_last_version, park_code, park_name, industry_code, industry_division_name, "
        "industry_section_name, is_industrial, status, is_leaving, established_on, "
        "registered_capital_10k, is_high_tech, is_tech_sme, is_tech_leader, listing_board, is_listed",
    ),
    "fct_enterprise_year": (
        "uscc, year",
        "park_code, industry_code, is_industrial, status, last_registered_period, "
        "months_reported, months_with_tax, months_with_employment, months_with_output, "
        "as_of_period, is_final, annual_output_10k, annual_revenue_10k, annual_value_added_10k, "
        "annual_tax_yuan, avg_headcount, headcount_sum, headcount_months, tier_output_basis_10k, "
        "is_above_scale, output_tier, tax_tier, staff_tier",
    ),
    "park_year_summary": (
        "park_code, year",
        "total_output_10k, total_revenue_10k, total_value_added_10k, total_tax_yuan, "
        "total_avg_headcount",
    ),
}


def run_baseline(landing: Path, db: Path) -> None:
    result = subprocess.run(baseline_command(db, landing), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def baseline_differences(warehouse: Path, baseline: Path) -> dict[str, int]:
    """Per mart of BASELINE_MARTS, the rows of the baseline or of the pipeline that the other
    lacks (only marts that differ or that the baseline left empty)."""
    out = {}
    with duckdb.connect(str(baseline)) as con:
        con.execute(f"attach '{warehouse}' as pipeline (read_only)")
        for mart, (key, columns) in BASELINE_MARTS.items():
            both = f"{key}, {columns}"
            kept = f"where {COMPARED[mart][2]}" if mart in COMPARED else ""
            rows = con.execute(f"select count(*) from {mart}").fetchone()[0]
            differ = con.execute(
                f"""select count(*) from (
                    (select {both} from {mart} except all select {both} from pipeline.marts.{mart})
                    union all
                    (select {both} from pipeline.marts.{mart} {kept} except all select {both} from {mart})
                )"""
            ).fetchone()[0]
            if differ or not rows:
                out[mart] = differ
    return out


# What a raw table's row was in the file: the bureau's header -> the raw column as text.
_AS_IN_THE_FILE = {
    "park": "park_name_reported",
    "period": "strftime(period, '%Y-%m')",
    **{
        flag: f"case {flag} when true then '是' when false then '否' end"
        for flag in ("is_high_tech", "is_tech_sme", "is_tech_leader")
    },
}


def write_accepted_rows(warehouse: Path, folder: Path) -> None:
    """The rows the loader accepted (raw.*: the month's revision that counts, rejects left out),
    written back as clean landing files, one per kind and month: the input the baseline trusts."""
    folder.mkdir()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for kind in ("registration", "tax", "employment", "output"):
            columns = ", ".join(
                f'{_AS_IN_THE_FILE.get(name, name)} as "{header}"'
                for header, name in HEADERS[kind].items()
            )
            periods = con.execute(f"select distinct period from raw.{kind}").fetchall()
            for (period,) in periods:
                target = folder / f"{kind}_{period:%Y%m}.csv"
                con.execute(
                    f"copy (select {columns} from raw.{kind} where period = ? order by uscc) "
                    f"to '{target}' (header)",
                    [period],
                )


def build(tmp: Path, landing: Path) -> Paths:
    """The warehouse of the landing folder, built by `parks run`'s job under `tmp`."""
    mp = pytest.MonkeyPatch()
    for name, value in run_env(tmp, landing).items():
        mp.setenv(name, value)
    paths = Paths.from_env()
    assert run_warehouse(paths, log_level="WARNING") == PUBLISHED
    mp.undo()
    return paths


@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    """A warehouse built from messy files: rows broken (rejected, leaving holes in the months of
    some enterprises), GB18030 and XLSX files, revisions, and a revision refused whole."""
    tmp = tmp_path_factory.mktemp("messy")
    landing = tmp / "landing"
    summary = generate(landing, enterprises=400, start="2019-10", end="2020-02", seed=7, mess=0.03)
    assert summary.row_errors > 0 and summary.mess["revision_files"] > 0
    (landing / "registration_202001_v3.csv").write_text("统一社会信用代码,企业名称\n", "utf-8")
    paths = build(tmp, landing)
    yield paths


def test_the_baseline_computes_the_pipelines_marts_from_the_rows_that_count(messy, tmp_path):
    """The baseline trusts its input (clean files, the highest revision counts). Given the rows
    the loader accepted from messy files, it computes the pipeline's marts row for row: the
    versions across the holes that rejected register rows leave, the years and the monthly tier
    counts; the benchmark's comparison of the counts finds nothing."""
    with duckdb.connect(str(messy.warehouse), read_only=True) as con:
        refused = con.execute(
            "select count(*) from meta.loads where status = 'file_rejected'"
        ).fetchone()[0]
        rejected = con.execute("select count(distinct (file_name, row_number)) from meta.rejects")
        assert refused == 1 and rejected.fetchone()[0] > 0
    landing, baseline = tmp_path / "accepted", tmp_path / "baseline.duckdb"
    write_accepted_rows(messy.warehouse, landing)
    # the highest revision of a month counts: a month as v2 over its v1, both in the folder
    month = landing / "tax_202001.csv"
    shutil.copy(month, landing / "tax_202001_v2.csv")
    run_baseline(landing, baseline)
    assert baseline_differences(messy.warehouse, baseline) == {}
    assert compare(messy.warehouse, baseline) == []
    with duckdb.connect(str(baseline)) as con:
        # the holes: some enterprise's register has a month missing between two months it has
        holes = con.execute(
            "select count(*) from dim_enterprise as d join dim_enterprise as e "
            "on e.uscc = d.uscc and e.valid_from > d.valid_to + interval 1 month"
        ).fetchone()[0]
        assert holes > 0


# --------------------------------------------------------------------------- the minimal scripts


def _rewrite(source: Path, target: Path, change) -> dict[str, str]:
    """Write `target`, a revision of the CSV extract `source` whose first row `change` accepts
    is changed by it (in place, a dict by header); that row, as changed."""
    with source.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    row = next(r for r in rows if change(r))
    with target.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return row


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """A warehouse built from clean generated files (what the minimal scripts trust), two months
    of 2019 re-issued as `_v2`: one enterprise's December tax raised into the highest tax band,
    another enterprise moved to another park in December. (uscc, park_code) of the mover and
    uscc of the taxpayer are in `clean.moved` and `clean.taxed`."""
    tmp = tmp_path_factory.mktemp("clean")
    landing = tmp / "landing"
    generate(landing, enterprises=400, start="2019-10", end="2020-02", seed=7, mess=0)
    with (landing / "registration_201910.csv").open(encoding="utf-8-sig") as f:
        october = {r["统一社会信用代码"]: r["所属园区"] for r in csv.DictReader(f)}
    with (SEEDS / "parks.csv").open(encoding="utf-8") as f:
        parks = {r["park_name"]: r["park_code"] for r in csv.DictReader(f)}

    def move(row: dict[str, str]) -> bool:
        # registered since October in a park by its own name; December's row moves it
        if october.get(row["统一社会信用代码"]) != row["所属园区"] or row["所属园区"] not in parks:
            return False
        row["所属园区"] = next(name for name in parks if name != row["所属园区"])
        return True

    def raise_tax(row: dict[str, str]) -> bool:
        if row["统一社会信用代码"] not in october:
            return False
        for column in ("增值税（元）", "税收合计（元）"):
            row[column] = f"{float(row[column]) + 200_000_000:.2f}"
        return True

    moved = _rewrite(
        landing / "registration_201912.csv", landing / "registration_201912_v2.csv", move
    )
    taxed = _rewrite(landing / "tax_201912.csv", landing / "tax_201912_v2.csv", raise_tax)
    paths = build(tmp, landing)
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        year = "select park_code, tax_tier from marts.fct_enterprise_year where uscc = ? and year = 2019"
        assert con.execute(year, [taxed["统一社会信用代码"]]).fetchone()[1] == "T1"
        park = con.execute(year, [moved["统一社会信用代码"]]).fetchone()[0]
        assert park == parks[moved["所属园区"]] != parks[october[moved["统一社会信用代码"]]]
    yield paths


# each script: its command line, given where to write its counts and the landing folder
SCRIPTS = {
    "minimal DuckDB script": (minimal_command, "minimal.duckdb"),
    "pandas script": (pandas_command, "counts.csv"),
}


def run_script(script: str, landing: Path, folder: Path) -> Path:
    command, name = SCRIPTS[script]
    folder.mkdir(exist_ok=True)
    counts = folder / name
    result = subprocess.run(command(counts, landing), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return counts


@pytest.mark.parametrize("script", SCRIPTS)
def test_a_minimal_script_counts_the_tiers_of_park_year_summary(clean, tmp_path, script):
    """What a user would write instead of the product (minimal.sql, minimal_pandas.py) counts
    each park's enterprises and their tiers per year exactly as park_year_summary does: the
    highest revision of a month counts, an enterprise is in the park of its last registered
    month and in its highest tier only. Without the revisions its counts differ: the check
    finds a difference."""
    counts = run_script(script, clean.landing, tmp_path)
    assert compare_counts(clean.warehouse, counts) == []

    first = tmp_path / "first issues"
    first.mkdir()
    for f in clean.landing.iterdir():
        if "_v2" not in f.name:
            (first / f.name).symlink_to(f)
    differences = compare_counts(clean.warehouse, run_script(script, first, tmp_path / "v1"))
    assert any(" tax T1 " in d for d in differences), differences  # the December tax
    assert any(" enterprises " in d for d in differences), differences  # the move


def test_the_storing_script_keeps_every_row_of_the_files_that_count(clean, tmp_path):
    """store.sql keeps every row of each month's highest revision, and only those, with every
    column of the file; a row lost or added is found by compare_stored."""
    latest: dict[tuple[str, str], Path] = {}
    for f in sorted(clean.landing.iterdir()):  # a _v2 sorts after its first issue
        kind, month = f.stem.split("_")[:2]
        if kind in ("registration", "tax", "employment", "output"):
            latest[(kind, month)] = f
    expected: dict[str, list[dict[str, str]]] = {}
    for (kind, _), f in latest.items():
        with f.open(encoding="utf-8-sig", newline="") as fh:
            expected.setdefault(kind, []).extend(csv.DictReader(fh))

    db = tmp_path / "store.duckdb"
    result = subprocess.run(store_command(db, clean.landing), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    with duckdb.connect(str(db), read_only=True) as con:
        for kind, rows in expected.items():
            stored = con.execute(f"select * from {kind}").pl()
            assert stored.height == len(rows), kind
            assert set(HEADERS[kind]) <= set(stored.columns)
            uscc = "统一社会信用代码"
            assert sorted(stored[uscc]) == sorted(r[uscc] for r in rows)
        second = con.execute(
            "select count(*) from registration where filename like '%registration_201912_v2.csv'"
        ).fetchone()[0]
        first = con.execute(
            "select count(*) from registration where filename like '%registration_201912.csv'"
        ).fetchone()[0]
    assert second > 0 and first == 0  # the revision counts, the first issue not

    total = sum(len(rows) for rows in expected.values())
    assert compare_stored(db, total) == []
    assert compare_stored(db, total + 1) != []
