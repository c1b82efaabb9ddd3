"""Tiers, bands and parks are data: a fourth output band and a thirteenth park, added to the
seeds of a scratch copy of the dbt project (no other file changed), reach every mart, the
workbook, the dashboard and `parks summary`.

The scratch copy holds the repo's dbt_project/ and seeds/ as they are; only rows are appended
to five seed files:

    tier_thresholds  output T4 成长企业, at or above 5000 万元 (below T3's 10000 万元)
    metric_catalog   output_50m 产值超5000万元的企业, banded at 5000 万元, shown last
    parks            XN 新区工业园 (a park), shown 13th
    park_aliases     新区工业园 -> XN
    plan_targets     XN 2020 output_50m: 2 enterprises

A warehouse made by hand (December 2020 only, so 2020 is final) holds three enterprises:

    uscc  park  industry              December YTD (万元)        output tier
    A     XN    1512 (industrial)     gross output 6000          T4 (5000 <= 6000 < 10000)
    C     XN    5211 (retail)         revenue exactly 5000       T4, on revenue, at the bound
    F     JKQ   1391 (industrial)     gross output 4999.99       none (just below T4)
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import duckdb
import fastexcel
import pytest
from warehouse_helpers import DBT_PROJECT, ROOT, dbt_build, insert_raw, query_rows, register_row

from pipelines.bench.run import compare_counts, minimal_command, pandas_command
from pipelines.cli import main
from pipelines.reports.build import build_report

DDL = ROOT / "pipelines" / "warehouse_ddl.sql"
# the new band is shown after every metric of the seed
with (ROOT / "seeds" / "metric_catalog.csv").open(encoding="utf-8", newline="") as _f:
    LAST_DISPLAY_ORDER = max(int(r["display_order"]) for r in csv.DictReader(_f))
DEC20 = date(2020, 12, 1)

A = "91540091MA6T1A015B"
C = "91540195MA6T1C0109"
F = "91540124MA6T1F0190"

# seed file -> rows appended, by column name (a name the seed lacks is left out)
NEW_ROWS = {
    "tier_thresholds.csv": [
        {
            "dimension": "output",
            "tier": "T4",
            "tier_label": "成长企业",
            "min_value": "5000",
            "unit": "万元",
            "plan_wording": "产值超5000万元",
        }
    ],
    "metric_catalog.csv": [
        {
            "metric": "output_50m",
            "metric_label_zh": "产值超5000万元的企业",
            "metric_label_en": "Enterprises with annual output over 50 million yuan",
            "unit": "家",
            "banded": "true",
            "threshold": "5000",
            "threshold_unit": "万元",
            "actual_definition_zh": "本园区企业年度产值≥5000万元的企业年个数",
            "actual_definition_en": "Enterprise-years of the park with output ≥ 50 million yuan",
            "notes": "A band added to test that bands are data.",
            "short_label_zh": "产值超5000万",
            "display_order": str(LAST_DISPLAY_ORDER + 1),
        }
    ],
    "parks.csv": [
        {
            "park_code": "XN",
            "park_name": "新区工业园",
            "park_kind": "园区",
            "positioning": "测试",
            "display_order": "13",
        }
    ],
    "park_aliases.csv": [{"alias": "新区工业园", "park_code": "XN"}],
    "plan_targets.csv": [
        {
            "park_code": "XN",
            "year": "2020",
            "metric": "output_50m",
            "target": "2",
            "unit": "家",
            "window": "2020",
            "clause_zh": "新区工业园产值超5000万元的企业2家",
            "enterprise_scope": "all",
        }
    ],
}


def _append_rows(path: Path, rows: list[dict]) -> None:
    text = path.read_text(encoding="utf-8")
    header = next(csv.reader(io.StringIO(text)))
    out = io.StringIO()
    csv.DictWriter(out, header, extrasaction="ignore", lineterminator="\n").writerows(rows)
    path.write_text(text + out.getvalue(), encoding="utf-8")


def _scratch_project(root: Path) -> Path:
    """dbt_project/ and seeds/ copied side by side (the project reads ../seeds), new rows
    appended to the seeds; every other file as in the repo."""
    project = root / "dbt_project"
    shutil.copytree(DBT_PROJECT, project, ignore=shutil.ignore_patterns("target", "logs"))
    shutil.copytree(ROOT / "seeds", root / "seeds")
    for name, rows in NEW_ROWS.items():
        _append_rows(root / "seeds" / name, rows)
    return project


def _load_raw(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL.read_text(encoding="utf-8"))
    registration = [(A, "新区饮品有限公司", "XN", "1512"), (C, "新区百货有限公司", "XN", "5211")]
    registration.append((F, "经开区粮油加工有限公司", "JKQ", "1391"))
    insert_raw(
        con,
        "raw.registration",
        DEC20,
        [register_row(uscc, name, park, industry) for uscc, name, park, industry in registration],
    )
    insert_raw(
        con,
        "raw.tax",
        DEC20,
        [
            {
                "uscc": uscc,
                "vat_yuan": D("1000"),
                "corporate_income_tax_yuan": D("0"),
                "other_taxes_yuan": D("0"),
                "total_tax_yuan": D("1000"),
            }
            for uscc in (A, C, F)
        ],
    )
    insert_raw(
        con,
        "raw.employment",
        DEC20,
        [{"uscc": uscc, "insured_headcount": 10} for uscc in (A, C, F)],
    )
    # (uscc, gross month, gross ytd, value added month, revenue month, revenue ytd), 万元
    output = [
        (A, "600", "6000", "100", "700", "7000"),
        (C, None, None, None, "500", "5000"),
        (F, "499.99", "4999.99", "100", "500", "9000"),
    ]
    columns = (
        "gross_output_month_10k",
        "gross_output_ytd_10k",
        "value_added_month_10k",
        "revenue_month_10k",
        "revenue_ytd_10k",
    )
    insert_raw(
        con,
        "raw.output",
        DEC20,
        [
            {"uscc": u, **{c: None if a is None else D(a) for c, a in zip(columns, r, strict=True)}}
            for u, *r in output
        ],
    )


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("sot")
    project = _scratch_project(tmp / "repo")
    path = tmp / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        _load_raw(con)
    dbt_build(path, tmp, project=project)
    return path


def test_only_seed_rows_differ_in_the_scratch_copy(tmp_path):
    root = tmp_path / "repo"
    _scratch_project(root)
    for path in (root / "seeds").iterdir():
        original = (ROOT / "seeds" / path.name).read_text(encoding="utf-8")
        appended = sum(len(r) for n, r in NEW_ROWS.items() if n == path.name)
        assert path.read_text(encoding="utf-8").startswith(original)
        assert path.read_text(encoding="utf-8").count("\n") == original.count("\n") + appended


def test_enterprise_year_gets_the_fourth_band(warehouse):
    rows = query_rows(
        warehouse,
        "select uscc, park_code, output_tier, output_tier_label from marts.fct_enterprise_year",
    )
    tiers = {r["uscc"]: (r["park_code"], r["output_tier"], r["output_tier_label"]) for r in rows}
    assert tiers == {
        A: ("XN", "T4", "成长企业"),
        C: ("XN", "T4", "成长企业"),
        F: ("JKQ", None, None),
    }


def test_park_year_summary_has_t4_columns_and_the_new_park(warehouse):
    rows = query_rows(warehouse, "select * from marts.park_year_summary where year = 2020")
    by_park = {r["park_code"]: r for r in rows}
    assert len(by_park) == 13
    assert by_park["XN"]["park_name"] == "新区工业园"
    assert by_park["XN"]["enterprise_count"] == 2
    assert by_park["XN"]["output_t4_count"] == 2
    assert by_park["XN"]["output_t4_or_above_count"] == 2
    assert by_park["XN"]["output_t3_or_above_count"] == 0
    assert by_park["JKQ"]["output_t4_or_above_count"] == 0
    assert "tax_t4_count" not in by_park["XN"]  # the other dimensions keep three tiers
    # described in the warehouse from the seed's labels, as dbt describes the other columns
    comments = query_rows(
        warehouse,
        "select column_name, comment from duckdb_columns() "
        "where schema_name = 'marts' and table_name = 'park_year_summary' "
        "and column_name like 'output_t4%'",
    )
    assert {r["column_name"]: r["comment"] for r in comments} == {
        "output_t4_count": "成长企业数（output T4，本档） / Enterprises in output tier T4 (in band).",
        "output_t4_or_above_count": (
            "产值超5000万元的企业数（T4 及以上） / Enterprises at output tier T4 or above."
        ),
    }


def test_park_tier_months_counts_the_new_band_in_the_new_park(warehouse):
    rows = query_rows(
        warehouse,
        "select park_code, metric, tier, enterprises from marts.park_tier_months "
        "where year = 2020 and month = 12 and dimension = 'output'",
    )
    counts = {(r["park_code"], r["metric"]): (r["tier"], r["enterprises"]) for r in rows}
    assert counts[("XN", "output_50m")] == ("T4", 2)
    assert counts[("XN", "output_100m")] == ("T3", 0)
    assert counts[("JKQ", "output_50m")] == ("T4", 0)


def test_target_attainment_compares_the_new_parks_target(warehouse):
    rows = query_rows(
        warehouse,
        "select park_name, metric_label, target, actual, attained from marts.target_attainment "
        "where park_code = 'XN'",
    )
    assert rows == [
        {
            "park_name": "新区工业园",
            "metric_label": "产值超5000万元的企业",
            "target": 2,
            "actual": 2,
            "attained": True,
        }
    ]


def test_workbook_has_a_sheet_for_the_new_park_with_its_band(warehouse, tmp_path):
    written = build_report(warehouse, "xlsx", tmp_path / "report.xlsx", internal=True)
    book = fastexcel.read_excel(written.path)
    assert "新区工业园" in book.sheet_names
    # the parks' sheets in the parks seed's order: the new park last
    parks = [n for n in book.sheet_names if n not in ("全市", "园区合计", "规划内部差异")]
    assert parks.index("新区工业园") == parks.index("尼木县") + 1
    sheet = book.load_sheet("新区工业园", header_row=None, dtypes="string").to_polars()
    cells = [c for row in sheet.iter_rows() for c in row if c is not None]
    assert "产值超5000万元的企业" in cells


def test_dashboard_shows_the_new_park_and_band(warehouse, tmp_path):
    written = build_report(warehouse, "html", tmp_path / "dashboard.html", internal=True)
    html = written.path.read_text(encoding="utf-8")
    assert "产值超5000万" in html  # the heat map's column for the new metric (its short label)
    # the new park's tier charts; in its output chart, a fourth series for T4 (2 enterprises
    # in December) and the line of its target
    park = html[html.index("<h3>新区工业园</h3>") :]
    output = park[park.index("产值(营业收入)分档企业数") : park.index("税收分档企业数")]
    assert output.count('width="10" height="10"') == 4  # a legend swatch per series
    assert "<title>≥5000万元: 2</title>" in output
    assert "<title>目标 ≥5000万元: 2</title>" in output


def test_parks_summary_shows_the_new_park_and_band(warehouse, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["summary", "--warehouse", str(warehouse)]) == 0
    out = capsys.readouterr().out
    assert "T4 产值超5000万元" in out
    xn = [line for line in out.splitlines() if line.startswith("新区工业园")]
    # enterprises and above scale, then output T1..T4: 2 at T4; then tax and staff
    assert [c.strip() for c in xn[1].split("│")][1:] == ["0", "0", "0", "2"]


def test_the_benchmarks_minimal_scripts_count_the_fourth_band(warehouse, tmp_path):
    """The minimal scripts of `make bench` read the bands from the tier_thresholds seed they are
    given, and the benchmark's check reads them from the warehouse: on the same three
    enterprises, in files, both scripts count T4 in the new park as park_year_summary does;
    given the seeds without the T4 row, the check finds the difference."""
    seeds = warehouse.parent / "repo" / "seeds"
    without_t4 = shutil.copytree(seeds, tmp_path / "seeds without T4")
    (without_t4 / "tier_thresholds.csv").write_text(
        (ROOT / "seeds" / "tier_thresholds.csv").read_text(encoding="utf-8"), encoding="utf-8"
    )
    landing = tmp_path / "landing"
    landing.mkdir()
    # the columns the scripts read, the rows of _load_raw (parks by name, as the files give them)
    files = {
        "registration": "统一社会信用代码,所属园区,行业代码\n"
        f"{A},新区工业园,1512\n{C},新区工业园,5211\n{F},经开区,1391\n",
        "tax": "统一社会信用代码,税收合计（元）\n" + "".join(f"{u},1000.00\n" for u in (A, C, F)),
        "employment": "统一社会信用代码,参保人数\n" + "".join(f"{u},10\n" for u in (A, C, F)),
        "output": "统一社会信用代码,工业总产值_本月（万元）,工业总产值_本年累计（万元）,"
        "营业收入_本月（万元）,营业收入_本年累计（万元）\n"
        f"{A},600,6000,700,7000\n{C},,,500,5000\n{F},499.99,4999.99,500,9000\n",
    }
    for kind, text in files.items():
        (landing / f"{kind}_202012.csv").write_text(text, encoding="utf-8")
    for command, name in ((minimal_command, "minimal.duckdb"), (pandas_command, "counts.csv")):
        for seeds_given, folder in ((seeds, "scratch"), (without_t4, "without T4")):
            (tmp_path / folder).mkdir(exist_ok=True)
            counts = tmp_path / folder / name
            run = subprocess.run(command(counts, landing, seeds_given), capture_output=True)
            assert run.returncode == 0, run.stderr.decode()
            differences = compare_counts(warehouse, counts)
            if folder == "scratch":
                assert differences == [], (name, differences)
            else:
                assert differences == ["park_year_summary: pipeline only XN 2020 output T4 2"]
