"""End to end: generated files -> Dagster job in-process -> DuckDB marts, checked against counts
this test computes itself from the files (plain csv/Decimal arithmetic, not the product's code)."""

import csv
import io
import json
import re
import subprocess
import unicodedata
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from test_bench import baseline_differences
from warehouse_helpers import run_env

from pipelines import docs_site
from pipelines.bench.run import baseline_command, compare
from pipelines.cli import main, run_warehouse
from pipelines.config import Paths
from pipelines.generate import generate
from pipelines.run_summary import PUBLISHED, UP_TO_DATE

REPO = Path(__file__).resolve().parents[1]
THRESHOLDS = {  # the plan's tiers, written out here independently of seeds/tier_thresholds.csv
    "output": (Decimal(100000), Decimal(50000), Decimal(10000)),  # 万元
    "tax": (Decimal(100_000_000), Decimal(50_000_000), Decimal(10_000_000)),  # 元
    "staff": (Decimal(1000), Decimal(500), Decimal(100)),  # 人
}


def build(tmp: Path, mess: float, enterprises: int, start: str, end: str, monkeypatch):
    landing = tmp / "landing"
    summary = generate(landing, enterprises=enterprises, start=start, end=end, seed=7, mess=mess)
    for name, value in run_env(tmp, landing).items():
        monkeypatch.setenv(name, value)
    paths = Paths.from_env()
    assert run_warehouse(paths, log_level="WARNING") == PUBLISHED, "the Dagster job failed"
    return paths, summary


def read_rows(path: Path) -> list[dict[str, str]]:
    data = path.read_bytes()
    text = data.decode("utf-8-sig")  # clean files are UTF-8
    return list(csv.DictReader(io.StringIO(text)))


def month_files(landing: Path, kind: str) -> dict[str, Path]:
    """Month (YYYYMM) -> the highest revision of that kind."""
    best: dict[str, tuple[int, Path]] = {}
    for p in landing.glob(f"{kind}_*.csv"):
        parts = p.stem.split("_")
        rev = int(parts[2][1:]) if len(parts) > 2 else 1
        if parts[1] not in best or rev > best[parts[1]][0]:
            best[parts[1]] = (rev, p)
    return {m: p for m, (_, p) in best.items()}


def expected_park_years(landing: Path) -> dict[tuple[str, int], dict[str, int]]:
    with (REPO / "seeds" / "park_aliases.csv").open(encoding="utf-8") as f:
        alias = {r["alias"]: r["park_code"] for r in csv.DictReader(f)}
    park, industrial = {}, {}  # (uscc, year) -> (month, park) of the last registered month
    present = defaultdict(set)  # (uscc, year) -> seen in any extract
    for month, p in month_files(landing, "registration").items():
        y, m = int(month[:4]), int(month[4:])
        for r in read_rows(p):
            key = (r["统一社会信用代码"], y)
            present[key].add(m)
            if key not in park or park[key][0] < m:
                park[key] = (m, alias[r["所属园区"]])
                industrial[key] = 6 <= int(r["行业代码"][:2]) <= 46
    tax, staff, out_month, out_dec, rev_month, rev_dec = (defaultdict(Decimal) for _ in range(6))
    staff_months = defaultdict(int)
    for kind in ("tax", "employment", "output"):
        for month, p in month_files(landing, kind).items():
            y, m = int(month[:4]), int(month[4:])
            for r in read_rows(p):
                key = (r["统一社会信用代码"], y)
                present[key].add(m)
                if kind == "tax":
                    tax[key] += Decimal(r["税收合计（元）"])
                elif kind == "employment":
                    staff[key] += Decimal(r["参保人数"])
                    staff_months[key] += 1
                else:
                    gross, gross_ytd = (
                        r["工业总产值_本月（万元）"],
                        r["工业总产值_本年累计（万元）"],
                    )
                    out_month[key] += Decimal(gross or 0)
                    rev_month[key] += Decimal(r["营业收入_本月（万元）"])
                    if m == 12:
                        out_dec[key] = Decimal(gross_ytd or 0)
                        rev_dec[key] = Decimal(r["营业收入_本年累计（万元）"])
    counts: dict[tuple[str, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for key in present:
        if key not in park:
            continue  # never in the register that year: no park
        c = counts[(park[key][1], key[1])]
        c["enterprises"] += 1
        if industrial[key]:
            output = out_dec[key] if key in out_dec else out_month[key]
        else:
            output = rev_dec[key] if key in rev_dec else rev_month[key]
        average = staff[key] / staff_months[key] if staff_months[key] else None
        for dim, value in (("output", output), ("tax", tax.get(key)), ("staff", average)):
            for tier, bound in zip(("t1", "t2", "t3"), THRESHOLDS[dim], strict=True):
                if value is not None and value >= bound:
                    c[f"{dim}_{tier}"] += 1
    return counts


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    tmp = tmp_path_factory.mktemp("clean")
    paths, summary = build(
        tmp, mess=0.0, enterprises=600, start="2019-10", end="2020-02", monkeypatch=mp
    )
    yield paths, summary
    mp.undo()


def marts_state(warehouse: Path) -> dict[str, list]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            t: con.execute(f"select * from {t} order by all").fetchall()
            for t in (
                "raw.tax",
                "raw.registration",
                "meta.loads",
                "marts.fct_enterprise_year",
                "marts.park_year_summary",
            )
        }


def test_park_year_tier_counts_equal_counts_from_the_files(clean):
    paths, _ = clean
    expected = expected_park_years(paths.landing)
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        rows = con.execute(
            "select park_code, year, enterprise_count, "
            + ", ".join(f"{d}_{t}_or_above_count" for d in THRESHOLDS for t in ("t1", "t2", "t3"))
            + " from marts.park_year_summary where enterprise_count > 0"
        ).fetchall()
        loads = con.execute(
            "select count(*), sum(rows_rejected) from meta.loads where status = 'loaded'"
        ).fetchall()
    assert loads[0][1] == 0, "clean files must load without a single reject"
    actual = {}
    for park, year, n, *tiers in rows:
        names = [f"{d}_{t}" for d in THRESHOLDS for t in ("t1", "t2", "t3")]
        actual[(park, year)] = {
            "enterprises": n,
            **{k: v for k, v in zip(names, tiers, strict=True) if v},
        }
    assert actual == {k: dict(v) for k, v in expected.items()}
    # The sample is big enough to reach the upper tiers somewhere.
    assert sum(v.get("output_t3", 0) for v in actual.values()) > 0


def test_the_benchmark_baseline_computes_the_marts_of_the_pipeline(clean, tmp_path):
    """`parks bench` times the pipeline against pipelines/bench/baseline.sql, bare DuckDB on the
    same files. The baseline computes the same marts: its tier counts are the ones the benchmark
    compares, and its facts, versions and totals are the pipeline's, row for row."""
    paths, _ = clean
    baseline = tmp_path / "baseline.duckdb"
    subprocess.run(baseline_command(baseline, paths.landing), check=True, capture_output=True)
    assert compare(paths.warehouse, baseline) == []
    assert baseline_differences(paths.warehouse, baseline) == {}
    with duckdb.connect(str(baseline)) as con:
        # a count off by one is found, in either mart
        con.execute(
            "update park_tier_months set enterprises = enterprises + 1 "
            "where rowid = (select min(rowid) from park_tier_months)"
        )
        con.execute(
            "update park_year_summary set staff_t3_count = staff_t3_count + 1 "
            "where rowid = (select min(rowid) from park_year_summary)"
        )
    differences = compare(paths.warehouse, baseline)
    assert (
        sorted(d.split(":")[0] for d in differences)
        == ["park_tier_months"] * 2 + ["park_year_summary"] * 2
    )


def test_running_again_on_the_same_files_changes_nothing(clean):
    paths, _ = clean
    before = marts_state(paths.warehouse)
    assert run_warehouse(paths, log_level="WARNING") == UP_TO_DATE  # nothing new: nothing run
    assert marts_state(paths.warehouse) == before


def test_messy_files_every_injected_error_is_set_aside_and_the_rest_loads(tmp_path, monkeypatch):
    paths, summary = build(
        tmp_path,
        mess=0.03,
        enterprises=300,
        start="2019-11",
        end="2020-02",
        monkeypatch=monkeypatch,
    )
    assert summary.row_errors > 0 and summary.valid_variants > 0
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        loaded_files = {
            r[0]
            for r in con.execute(
                "select file_name from meta.loads where status = 'loaded'"
            ).fetchall()
        }
        rejected = {
            (f, r)
            for f, r in con.execute(
                "select distinct file_name, row_number from meta.rejects"
            ).fetchall()
        }
        balance = con.execute(
            "select sum(rows_read), sum(rows_loaded), sum(rows_rejected) from meta.loads "
            "where status = 'loaded'"
        ).fetchall()[0]
        superseded = con.execute(
            "select count(*) from meta.loads where status = 'superseded'"
        ).fetchall()
    assert balance[0] == balance[1] + balance[2]
    injected = {
        (r["file"], r["line"])
        for r in summary.errors.iter_rows(named=True)
        if r["file"] in loaded_files
    }
    assert injected, "the generator injected no error into a loaded file"
    missed = injected - rejected
    assert not missed, f"injected errors that loaded: {sorted(missed)[:10]}"
    # GB18030, XLSX, aliases, full-width text and lowercase codes are valid: nearly all rows load.
    assert balance[1] / balance[0] > 0.9
    assert superseded[0][0] == len(summary.revisions)


def test_dbt_docs_build_offline_with_every_mart_column_described(clean, tmp_path):
    paths, _ = clean
    target = tmp_path / "docs"
    page = docs_site.build(target, paths.build)
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())
    undocumented = []
    for node_id, node in catalog["nodes"].items():
        if node["metadata"]["schema"] != "marts":
            continue
        described = manifest["nodes"][node_id]["columns"]
        assert manifest["nodes"][node_id]["description"], node_id
        # columns a model generates from a seed (park_year_summary's tier counts) are described
        # by pattern in its config.meta.generated_columns
        generated = manifest["nodes"][node_id]["config"]["meta"].get("generated_columns", [])
        for column in node["columns"]:
            by_pattern = any(re.match(g["pattern"], column) and g["description"] for g in generated)
            if not described.get(column, {}).get("description") and not by_pattern:
                undocumented.append(f"{node['metadata']['name']}.{column}")
    assert undocumented == []
    # One page that opens from disk: the manifest is inside it, with every mart's Chinese and
    # English description, and nothing in it is fetched from the network.
    html = page.read_text(encoding="utf-8")
    assert page.name == "static_index.html"
    start = html.index("manifest:") + len("manifest:")
    embedded, _ = json.JSONDecoder().raw_decode(html, start)
    marts = [n for n in manifest["nodes"].values() if n["schema"] == "marts"]
    assert len(marts) >= 10
    for node in marts:
        description = embedded["nodes"][node["unique_id"]]["description"]
        assert description == node["description"]
        assert re.search(r"[\u4e00-\u9fff]", description), f"{node['name']}: no Chinese"
        assert re.search(r"[A-Za-z]{3,}", description), f"{node['name']}: no English"
    fetched = re.findall(
        r"""<(?:script|img|iframe)\b[^>]*\bsrc\s*=\s*["']?(?:https?:)?//[^"'>]*"""
        r"""|<link\b[^>]*\bhref\s*=\s*["']?(?:https?:)?//[^"'>]*"""
        r"""|url\(\s*["']?(?:https?:)?//[^"')]*"""
        r"""|\.src\s*=\s*["'](?:https?:)?//[^"']*""",
        html,
        flags=re.IGNORECASE,
    )
    assert fetched == []
    for tracker in (
        "cloudfront.net",
        "sinter-collect",
        "snowplowanalytics",
        "googleapis",
        "gstatic",
    ):
        assert tracker not in html, tracker


def test_summary_fits_80_and_120_columns_with_every_park_and_count(clean, capsys, monkeypatch):
    paths, _ = clean
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        dims = ("output", "tax", "staff")
        rows = con.execute(
            "select park_name, year, enterprise_count, above_scale_count, "
            + ", ".join(f"{d}_t{t}_or_above_count" for d in dims for t in (1, 2, 3))
            + " from marts.park_year_summary"
        ).fetchall()
    years = sorted({r[1] for r in rows})
    counts = {(r[0], r[1]): r[2:] for r in rows}
    parks = {r[0] for r in rows}
    assert len(parks) == 12 and len(years) == 2
    for width in (80, 120):
        monkeypatch.setenv("COLUMNS", str(width))
        assert main(["summary", "--warehouse", str(paths.warehouse)]) == 0
        out = capsys.readouterr().out
        lines = out.splitlines()
        too_wide = [line for line in lines if display_width(line) > width]
        assert too_wide == [], f"{width} columns: {too_wide[:3]}"
        # the four count tables in order (enterprises and above scale, output, tax, staff):
        # each park's row holds its counts, year by year; a table may continue in a block
        # below (the park names again)
        found = defaultdict(list)
        for line in lines:
            if line.startswith("全市目标完成情况"):  # the tier tables end here
                break
            cells = [c.strip() for c in line.split("│")]
            if cells[0] in parks and all(c.isdigit() for c in cells[1:]):
                found[cells[0]].extend(int(c) for c in cells[1:])
        for park in parks:
            expected = []
            for group in ((0, 1), (2, 3, 4), (5, 6, 7), (8, 9, 10)):
                expected += [counts[park, year][i] for year in years for i in group]
            assert found[park] == expected, park


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)
