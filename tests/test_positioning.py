"""Industrial positioning (issue 29 §4, plan 四(一), 五(二)1, 四(四)3) on hand-made raw rows:
shares of enterprises, output and tax in a park's positioned industries, the enterprises that
entered a park during the plan outside its positioning, and the projects signed outside it.

Expected values are worked out by hand below from the rows and the positioning of 经开区 (JKQ:
food 13-15, Tibetan medicine 2730/2740/5152/8414, modern services I J L M 58 59, per
seeds/park_positioning.csv) and 城关区 (CG: none).
"""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from warehouse_helpers import ROOT, dbt_build, insert_raw, query_rows

from pipelines.defs import checks

DDL = ROOT / "pipelines" / "warehouse_ddl.sql"

JAN18, JUN19, DEC19 = date(2018, 1, 1), date(2019, 6, 1), date(2019, 12, 1)

# Valid USCCs are not needed downstream of the loader: the marts key on the text.
FOOD = "E1FOOD"  # JKQ 1399 (food, positioned), since before the plan
RETAIL = "E2RETAIL"  # JKQ 5211 (retail, outside), since before the plan
MEDICINE = "E3MEDICINE"  # JKQ 2740 (中成药, positioned), in the first snapshot, established 2018
CEMENT = "E4CEMENT"  # JKQ 3011 (cement, outside), first seen June 2019: an entrant outside
SOFTWARE = "E6SOFTWARE"  # JKQ 6511 (section I, positioned), established 2017-12-31: incumbent
CITY = "E5CITY"  # CG 7212, first seen June 2019: an entrant where there is no positioning

# (uscc, park, industry, established_on)
FIRST = [
    (FOOD, "JKQ", "1399", date(2010, 1, 1)),
    (RETAIL, "JKQ", "5211", date(2012, 1, 1)),
    (MEDICINE, "JKQ", "2740", date(2018, 1, 1)),
    (SOFTWARE, "JKQ", "6511", date(2017, 12, 31)),
]
LATER = [*FIRST, (CEMENT, "JKQ", "3011", date(2015, 1, 1)), (CITY, "CG", "7212", date(2016, 1, 1))]
REGISTRATION = {JAN18: FIRST, JUN19: LATER, DEC19: LATER}

# December 2019 output (万元): gross month, gross ytd, value added, revenue month, revenue ytd.
# Output basis: gross ytd for industrial enterprises, revenue ytd for the retailer.
OUTPUT = {
    DEC19: [
        (FOOD, "50", "600", "10", "55", "650"),
        (RETAIL, None, None, None, "30", "300"),
        (MEDICINE, "10", "100", "2", "11", "110"),
        (CEMENT, "100", "1000", "20", "105", "1050"),
    ]
}
TAX = {DEC19: [(FOOD, "100"), (RETAIL, "200"), (MEDICINE, "300"), (CEMENT, "400"), (CITY, "50")]}

# projects: (id, park, signed_on, status, industry_code)
PROJECTS = {
    JUN19: [("P6", "JKQ", date(2019, 4, 1), "签约", "3011")],  # gone by December: not counted
    DEC19: [
        ("P1", "JKQ", date(2019, 3, 1), "签约", "1399"),  # positioned
        ("P2", "JKQ", date(2019, 5, 1), "在建", "3011"),  # outside
        ("P3", "JKQ", date(2019, 6, 1), "签约", None),  # no code: cannot be judged
        ("P4", "CG", date(2019, 7, 1), "签约", "3011"),  # no positioning
        ("P5", "JKQ", date(2018, 8, 1), "终止", "6511"),  # positioned, 2018, terminated
    ],
}


def _load_raw(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL.read_text(encoding="utf-8"))
    for period, rows in REGISTRATION.items():
        insert_raw(
            con,
            "raw.registration",
            period,
            [
                {
                    "uscc": uscc,
                    "enterprise_name": f"企业{uscc}",
                    "park_code": park,
                    "park_name_reported": park,
                    "industry_code": industry,
                    "status": "存续",
                    "established_on": established,
                    "registered_capital_10k": D("100"),
                    "is_tech_leader": False,
                    "is_high_tech": False,
                    "is_tech_sme": False,
                    "listing_board": None,
                }
                for uscc, park, industry, established in rows
            ],
        )
    names = ("gross_output_month_10k", "gross_output_ytd_10k", "value_added_month_10k")
    names += ("revenue_month_10k", "revenue_ytd_10k")
    for period, rows in OUTPUT.items():
        insert_raw(
            con,
            "raw.output",
            period,
            [
                {
                    "uscc": u,
                    **{n: None if a is None else D(a) for n, a in zip(names, amounts, strict=True)},
                }
                for u, *amounts in rows
            ],
        )
    for period, rows in TAX.items():
        insert_raw(
            con,
            "raw.tax",
            period,
            [
                {
                    "uscc": u,
                    "vat_yuan": D(t),
                    "corporate_income_tax_yuan": D(0),
                    "other_taxes_yuan": D(0),
                    "total_tax_yuan": D(t),
                }
                for u, t in rows
            ],
        )
    for period, rows in PROJECTS.items():
        insert_raw(
            con,
            "raw.projects",
            period,
            [
                {
                    "project_id": pid,
                    "project_name": f"项目{pid}",
                    "park_code": park,
                    "park_name_reported": park,
                    "investor_uscc": None,
                    "agreed_investment_100m": D("2"),
                    "signed_on": signed,
                    "status": status,
                    "category": "招商引资",
                    "industry_code": code,
                }
                for pid, park, signed, status, code in rows
            ],
        )


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("positioning")
    path = tmp / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        _load_raw(con)
    dbt_build(
        path,
        tmp,
        "--select",
        "+park_positioning_year",
        "+positioning_entrants",
        "+positioning_projects",
        "assert_park_positioning_codes_resolve",
        "--indirect-selection",
        "cautious",
    )
    return path


def _year(warehouse: Path, park: str, year: int) -> dict:
    rows = query_rows(
        warehouse,
        f"select * from marts.park_positioning_year where park_code = '{park}' and year = {year}",
    )
    assert len(rows) == 1
    return rows[0]


def test_shares_of_enterprises_output_and_tax(warehouse):
    row = _year(warehouse, "JKQ", 2019)
    # 5 enterprises; positioned: food, medicine, software
    assert (row["enterprises"], row["enterprises_positioned"]) == (5, 3)
    assert row["share_enterprises"] == pytest.approx(3 / 5)
    # output: food 600 + medicine 100 positioned; retailer's revenue 300 and cement 1000 outside
    assert (row["output_10k"], row["output_positioned_10k"]) == (D("2000"), D("700"))
    assert row["share_output"] == pytest.approx(700 / 2000)
    assert (row["output_positioned_contributors"], row["output_outside_contributors"]) == (2, 2)
    assert row["output_positioned_largest_10k"] == D("600")
    assert row["output_outside_largest_10k"] == D("1000")
    # tax: food 100 + medicine 300 of 1000
    assert (row["tax_yuan"], row["tax_positioned_yuan"]) == (D("1000"), D("400"))
    assert row["share_tax"] == pytest.approx(400 / 1000)
    assert row["has_positioning"] is True


def test_a_year_without_output_has_no_output_share(warehouse):
    row = _year(warehouse, "JKQ", 2018)
    assert (row["enterprises"], row["enterprises_positioned"]) == (4, 3)
    assert row["share_enterprises"] == pytest.approx(3 / 4)
    assert row["share_output"] is None and row["share_tax"] is None


def test_a_park_without_positioning_has_no_shares(warehouse):
    row = _year(warehouse, "CG", 2019)
    assert row["has_positioning"] is False
    assert row["enterprises"] == 1
    assert row["enterprises_positioned"] is None and row["share_enterprises"] is None
    assert (row["entrants"], row["entrants_outside"]) == (1, None)
    assert (row["projects_with_code"], row["projects_outside"]) == (1, None)


def test_entrants_during_the_plan(warehouse):
    rows = query_rows(
        warehouse,
        "select park_code, uscc, entered_period, entry_year, in_first_snapshot, is_positioned "
        "from marts.positioning_entrants order by uscc",
    )
    # the food company, retailer and software company were there before the plan (the software
    # company established on 2017-12-31, the day before): incumbents
    assert [
        (r["uscc"], r["park_code"], r["entered_period"], r["in_first_snapshot"], r["is_positioned"])
        for r in rows
    ] == [
        (MEDICINE, "JKQ", JAN18, True, True),
        (CEMENT, "JKQ", JUN19, False, False),
        (CITY, "CG", JUN19, False, None),
    ]
    assert (
        _year(warehouse, "JKQ", 2018)["entrants"],
        _year(warehouse, "JKQ", 2018)["entrants_outside"],
    ) == (1, 0)
    assert (
        _year(warehouse, "JKQ", 2019)["entrants"],
        _year(warehouse, "JKQ", 2019)["entrants_outside"],
    ) == (1, 1)


def test_projects_outside_the_positioning(warehouse):
    rows = query_rows(
        warehouse,
        "select project_id, park_code, signed_year, is_positioned from marts.positioning_projects "
        "order by project_id",
    )
    assert [
        (r["project_id"], r["park_code"], r["signed_year"], r["is_positioned"]) for r in rows
    ] == [
        ("P1", "JKQ", 2019, True),
        ("P2", "JKQ", 2019, False),
        ("P4", "CG", 2019, None),
        ("P5", "JKQ", 2018, True),
    ]
    row = _year(warehouse, "JKQ", 2019)
    assert (row["projects_signed"], row["projects_with_code"], row["projects_outside"]) == (3, 2, 1)
    row = _year(warehouse, "JKQ", 2018)
    assert (row["projects_signed"], row["projects_with_code"], row["projects_outside"]) == (1, 1, 0)


def test_asset_checks_list_what_is_outside(warehouse, monkeypatch):
    monkeypatch.setenv("PARKS_BUILD_WAREHOUSE", str(warehouse))
    projects = checks.check_result(
        dg.AssetCheckKey(
            dg.AssetKey(["marts", "positioning_projects"]), "no_project_outside_positioning"
        )
    )
    assert not projects.passed and projects.severity == checks.WARN
    # P2 in JKQ; P4 in CG is not judged (no positioning)
    assert projects.metadata["projects_with_code"].value == 4
    assert projects.metadata["projects_outside"].value == 1
    assert "P2" in projects.metadata["outside"].value
    entrants = checks.check_result(
        dg.AssetCheckKey(
            dg.AssetKey(["marts", "park_positioning_year"]), "no_entrant_outside_positioning"
        )
    )
    assert not entrants.passed
    assert entrants.metadata["entrants_outside"].value == 1  # the cement company, 2019


# ---------------------------------------------------------------- the seed


def test_positioning_seed_is_the_plans_words():
    """Every clause is verbatim in the bureau's copy of the plan, every industry is named in its
    clause, every park but 城关区 has a positioning, and every row says why it maps as it does."""
    plan = (ROOT / "docs" / "plan" / "lhasa-park-economy-plan-2018-2020.zh.txt").read_text("utf-8")
    with (ROOT / "seeds" / "park_positioning.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with (ROOT / "seeds" / "parks.csv").open(encoding="utf-8") as f:
        parks = {r["park_code"] for r in csv.DictReader(f)}
    assert {r["park_code"] for r in rows} == parks - {"CG"}
    for r in rows:
        assert r["clause_zh"] in plan, r
        assert r["industry_zh"].split("(净土")[0] in r["clause_zh"], r
        assert r["note"].strip(), r
    assert (
        "城关"
        not in plan[plan.index("(一)实施园区规划修编行动") : plan.index("(二)实施产业升级提速行动")]
    )


# ---------------------------------------------------------------- reports: disclosure of shares

# (park, year, total, positioned, positioned contributors, largest positioned, outside
#  contributors, largest outside): output in 万元, tax the same numbers in 元
SHARE_CELLS = [
    ("JKQ", 2019, "100", "40", 3, "20", 3, "30"),  # both parts safe: share 40%
    ("LWXQ", 2019, "100", "40", 2, "30", 4, "20"),  # 2 positioned contributors: n rule
    ("DZ", 2019, "100", "10", 3, "5", 5, "81"),  # outside 90, one of 81 = 90 %: dominance
    ("DL", 2019, "100", "40", 3, "34", 3, "20"),  # 34 of 40 is exactly 85 %: not sensitive
]


def _share_warehouse(path: Path) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(
            """
            create table marts.park_positioning_year (
                park_code varchar, park_name varchar, year integer, display_order integer,
                park_positioning varchar, enterprises bigint, enterprises_positioned bigint,
                share_enterprises double,
                output_10k decimal(20, 6), output_positioned_10k decimal(20, 6),
                share_output double, output_positioned_contributors bigint,
                output_positioned_largest_10k decimal(20, 6), output_outside_contributors bigint,
                output_outside_largest_10k decimal(20, 6),
                tax_yuan decimal(20, 2), tax_positioned_yuan decimal(20, 2), share_tax double,
                tax_positioned_contributors bigint, tax_positioned_largest_yuan decimal(20, 2),
                tax_outside_contributors bigint, tax_outside_largest_yuan decimal(20, 2),
                entrants bigint, entrants_outside bigint, projects_signed bigint,
                projects_with_code bigint, projects_outside bigint
            )
            """
        )
        for order, (park, year, total, inside, n_in, big_in, n_out, big_out) in enumerate(
            SHARE_CELLS
        ):
            share = float(D(inside) / D(total))
            amounts = [total, inside, share, n_in, big_in, n_out, big_out]
            con.execute(
                "insert into marts.park_positioning_year values "
                "(?, ?, ?, ?, '定位', 10, 5, 0.5, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 1, 2, 1, 0)",
                [park, park, year, order, *amounts, *amounts],
            )
    return path


def test_shares_of_output_and_tax_hidden_by_disclosure_control(tmp_path):
    from pipelines.reports.data import _positioning

    path = _share_warehouse(tmp_path / "w.duckdb")
    with duckdb.connect(str(path), read_only=True) as con:
        external = _positioning(con, [2019], internal=False)
        internal = _positioning(con, [2019], internal=True)
    shown = dict(zip(external["park_code"], external["share_output"], strict=True))
    assert shown == {"JKQ": pytest.approx(0.4), "LWXQ": None, "DZ": None, "DL": pytest.approx(0.4)}
    assert external["share_output_suppressed"].to_list() == [False, True, True, False]
    assert external["share_tax_suppressed"].to_list() == [False, True, True, False]
    assert internal["share_output_suppressed"].to_list() == [False] * 4
    assert internal["share_output"].to_list() == pytest.approx([0.4, 0.4, 0.1, 0.4])


def test_workbook_sheet_and_dashboard_section(tmp_path):
    from types import SimpleNamespace

    import fastexcel
    import xlsxwriter

    from pipelines.reports.dashboard import positioning_section
    from pipelines.reports.data import _positioning
    from pipelines.reports.workbook import Formats, positioning_sheet

    path = _share_warehouse(tmp_path / "w.duckdb")
    with duckdb.connect(str(path), read_only=True) as con:
        frame = _positioning(con, [2019], internal=False)
    data = SimpleNamespace(
        positioning=frame, year=2019, as_of_label="数据截至 2019-12", edition="对外发布版"
    )
    out = tmp_path / "book.xlsx"
    book = xlsxwriter.Workbook(str(out))
    positioning_sheet(book, Formats(book), data)
    book.close()
    rows = fastexcel.read_excel(out).load_sheet("产业定位", header_row=None).to_polars().rows()
    assert rows[2][:8] == (
        "园区", "年份", "重点发展产业(规划原文)", "在园企业(家)", "其中定位产业(家)",
        "企业数占比", "产值占比", "税收占比",
    )  # fmt: skip
    # a column of numbers and marks reads as text
    assert [r[6] for r in rows[3:7]] == ["0.4", "—", "—", "0.4"]
    html = positioning_section(data)
    assert html.count("<tr>") == 5  # the header and four parks
    assert "40.0%" in html and "—" in html
