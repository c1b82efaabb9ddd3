"""The land extract (plan 四(四)1): loading and its rules, investment intensity and idle land.

Hand-made parcels at every boundary, expected values worked out by hand below:

- idle land, snapshot 2019-06 (reference date 2019-06-30): a parcel agreed to start 2018-07-01
  (364 days: overdue, not yet idle), one agreed 2018-06-30 (365 days: one year idle on its
  anniversary, fee = 20 % of its price due from 2019-06), one agreed 2017-06-30 (730 days: two
  years idle, reclaim candidate); snapshot 2020-06: one agreed 2019-07-01, 365 days before
  2020-06-30 (a leap year) but not yet a calendar year: not idle (the anniversary counts);
- investment intensity: 柳梧新区 parcels supplied in 2018 while it was 自治区级 (250) and reported
  in 2019 when it is 国家级高新区 (300 from 2019-01-01 in seeds/park_levels.csv): exactly 250.00
  meets its threshold, 249.999 (2,499.99 over 10 亩) does not though it rounds to 250.00; a
  parcel supplied there in 2019 gets 300; 堆龙 stays 市级 (its upgrade is only 力争, not in force);
- per park and year: idle area, reclaim candidates and the fees that fell due in the year.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from pathlib import Path

import duckdb
import pytest
from warehouse_helpers import dbt_build, insert_raw, query_rows

from pipelines.ingest.landing import scan
from pipelines.ingest.load import load_month
from schemas.headers import HEADERS
from schemas.uscc import complete_uscc, uscc_check_char

ROOT = Path(__file__).resolve().parents[1]
DDL = ROOT / "pipelines" / "warehouse_ddl.sql"

H1 = complete_uscc("91540100MA6T1L01")  # holders
H2 = complete_uscc("91540124MA6T1L02")

JUN19, DEC19, JUN20 = dt.date(2019, 6, 1), dt.date(2019, 12, 1), dt.date(2020, 6, 1)


def parcel(pid, park, use, area, price, supplied, agreed, started=None, invest="0", holder=H1):
    return {
        "parcel_id": pid,
        "park_code": park,
        "park_name_reported": park,
        "land_use": use,
        "area_mu": D(area),
        "land_price_10k": D(price),
        "holder_uscc": holder,
        "supplied_on": dt.date.fromisoformat(supplied),
        "agreed_start_on": dt.date.fromisoformat(agreed),
        "actual_start_on": dt.date.fromisoformat(started) if started else None,
        "fixed_investment_10k": D(invest),
    }


I364 = parcel("I364", "JKQ", "商服", "30", "800", "2018-01-10", "2018-07-01")
I365 = parcel("I365", "JKQ", "工业", "20", "1000", "2018-01-10", "2018-06-30")
I730 = parcel("I730", "DZ", "仓储", "15", "500", "2017-01-10", "2017-06-30", holder=H2)
STARTED = parcel("OK", "JKQ", "工业", "10", "300", "2017-10-01", "2018-01-01", "2018-03-01", "3000")
AT250 = parcel(
    "AT250", "LWXQ", "工业", "10", "100", "2018-06-01", "2018-09-01", "2018-08-01", "2500"
)
BELOW = parcel(
    "BELOW250", "LWXQ", "工业", "10", "100", "2018-06-01", "2018-09-01", "2018-08-01", "2499.99"
)
LW19 = parcel(
    "LW2019", "LWXQ", "工业", "10", "100", "2019-02-01", "2019-05-01", "2019-04-01", "2800"
)
DLP = parcel("DL150", "DL", "工业", "4", "50", "2019-03-01", "2019-09-01", "2019-04-01", "600")
LEAP = parcel("LEAP", "QS", "商服", "8", "400", "2019-05-01", "2019-07-01")

SNAPSHOTS = {
    JUN19: [I364, I365, I730, STARTED, AT250, BELOW, LW19, DLP],
    DEC19: [I364, I365, I730, STARTED, AT250, BELOW, LW19, DLP],
    # I364 started in January 2020
    JUN20: [{**I364, "actual_start_on": dt.date(2020, 1, 15)}, I365, I730, STARTED, LEAP],
}


def planned(park: str, area: str) -> dict:
    return {
        "park_code": park,
        "park_name_reported": park,
        "indicator_code": "planned_area_mu",
        "value": D(area),
        "source": "市国土局",
    }


# the parks' planned areas (亩) in the yearly indicators files; LWXQ reports none in 2019
PLANNED = {
    dt.date(2018, 1, 1): [planned("JKQ", "40")],
    dt.date(2019, 1, 1): [planned("JKQ", "50"), planned("DZ", "30"), planned("DL", "6.6667")],
    dt.date(2020, 1, 1): [planned("JKQ", "60"), planned("QS", "10")],
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("land")
    path = tmp / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(DDL.read_text(encoding="utf-8"))
        for period, rows in SNAPSHOTS.items():
            insert_raw(con, "raw.land", period, rows)
        for period, rows in PLANNED.items():
            insert_raw(con, "raw.indicators", period, rows)
    dbt_build(
        path,
        tmp,
        "--select",
        "+land_idle_park_year",
        "+land_parcel_intensity",
        "+land_industrial_share",
        "--indirect-selection",
        "cautious",
    )
    return path


# ------------------------------------------------------------------------------- idle land


def test_idle_boundaries_364_365_730_days(warehouse: Path) -> None:
    rows = query_rows(
        warehouse,
        "select parcel_id, park_name, holder_uscc, days_idle, idle_from, is_idle, "
        "is_reclaim_candidate, idle_status, fee_month, fee_due_10k "
        "from marts.land_idle_parcels where period = '2019-06-01' order by parcel_id",
    )
    assert rows == [
        {
            "parcel_id": "I364",
            "park_name": "经开区",
            "holder_uscc": H1,
            "days_idle": 364,
            "idle_from": dt.date(2019, 7, 1),
            "is_idle": False,
            "is_reclaim_candidate": False,
            "idle_status": "逾期未开工",
            "fee_month": dt.date(2019, 7, 1),
            "fee_due_10k": D(0),
        },
        {
            "parcel_id": "I365",
            "park_name": "经开区",
            "holder_uscc": H1,
            "days_idle": 365,
            "idle_from": dt.date(2019, 6, 30),
            "is_idle": True,
            "is_reclaim_candidate": False,
            "idle_status": "闲置满一年",
            "fee_month": dt.date(2019, 6, 1),
            "fee_due_10k": D("200"),  # 20 % of 1,000万元
        },
        {
            "parcel_id": "I730",
            "park_name": "达孜工业园",
            "holder_uscc": H2,
            "days_idle": 730,
            "idle_from": dt.date(2018, 6, 30),
            "is_idle": True,
            "is_reclaim_candidate": True,
            "idle_status": "闲置满两年",
            "fee_month": dt.date(2018, 6, 1),
            "fee_due_10k": D("100"),  # 20 % of 500万元
        },
    ]


def test_a_year_is_a_calendar_year_not_365_days(warehouse: Path) -> None:
    rows = query_rows(
        warehouse,
        "select parcel_id, days_idle, is_idle, idle_from, is_reclaim_candidate "
        "from marts.land_idle_parcels where period = '2020-06-01' order by parcel_id",
    )
    assert [
        (r["parcel_id"], r["days_idle"], r["is_idle"], r["is_reclaim_candidate"]) for r in rows
    ] == [
        ("I365", 731, True, True),  # two years on 2020-06-30 exactly
        ("I730", 1096, True, True),
        ("LEAP", 365, False, False),  # 2019-07-01 + 1 year = 2020-07-01
    ]
    assert rows[2]["idle_from"] == dt.date(2020, 7, 1)


def test_idle_land_per_park_and_year(warehouse: Path) -> None:
    rows = {
        (r["park_code"], r["year"]): r
        for r in query_rows(warehouse, "select * from marts.land_idle_park_year")
    }
    assert len(rows) == 12 * 2  # every park, for 2019 and 2020
    pick = ("idle_parcels", "idle_area_mu", "reclaim_candidates", "reclaim_area_mu")

    def figures(park: str, year: int) -> tuple:
        r = rows[(park, year)]
        return (*(r[k] for k in pick), r["fee_parcels"], r["fees_due_10k"], r["as_of_period"])

    # 2019, as of December: I364 (30亩, idle from July) and I365 (20亩) idle; fees of both fell
    # due in 2019: 0.2 × 800 + 0.2 × 1,000
    assert figures("JKQ", 2019) == (2, D(50), 0, D(0), 2, D(360), DEC19)
    # I730 idle since 2018-06-30: its fee fell due in 2018, a year with no snapshot
    assert figures("DZ", 2019) == (1, D(15), 1, D(15), 0, D(0), DEC19)
    # 2020, as of June: I364 started; I365 turned two years idle on 2020-06-30
    assert figures("JKQ", 2020) == (1, D(20), 1, D(20), 0, D(0), JUN20)
    assert figures("QS", 2020) == (0, D(0), 0, D(0), 0, D(0), JUN20)  # LEAP not yet idle
    assert figures("CG", 2019) == (0, D(0), 0, D(0), 0, D(0), DEC19)


def test_industrial_land_share_against_the_floor(warehouse: Path) -> None:
    rows = {
        (r["park_code"], r["year"]): (
            r["industrial_area_mu"],
            r["planned_area_mu"],
            r["industrial_share_pct"],
            r["meets_floor"],
            r["status"],
        )
        for r in query_rows(warehouse, "select * from marts.land_industrial_share")
    }
    assert len(rows) == 12 * 3  # every park, for the years with a snapshot or a planned area
    # December 2019: JKQ's 工业 I365 (20亩) and STARTED (10亩), not the 商服 I364: 30 of 50 亩 is
    # exactly the floor
    assert rows[("JKQ", 2019)] == (D(30), D(50), D("60.0000"), True, "达标")
    # DZ's 仓储 I730 counts as industrial land: 15 of 30
    assert rows[("DZ", 2019)] == (D(15), D(30), D("50.0000"), False, "未达标")
    # 4 of 6.6667 亩 is 59.9997 %, just under
    assert rows[("DL", 2019)] == (D(4), D("6.6667"), D("59.9997"), False, "未达标")
    # no planned area reported: no share, never a guess
    assert rows[("LWXQ", 2019)] == (D(30), None, None, None, "无规划面积数据")
    # June 2020: QS has only the 商服 LEAP, a real 0
    assert rows[("JKQ", 2020)] == (D(30), D(60), D("50.0000"), False, "未达标")
    assert rows[("QS", 2020)] == (D(0), D(10), D("0.0000"), False, "未达标")
    # 2018: a planned area but no land snapshot
    assert rows[("JKQ", 2018)] == (None, D(40), None, None, "无供地数据")


# ------------------------------------------------------------------------- intensity


def test_intensity_against_the_level_at_supply(warehouse: Path) -> None:
    rows = query_rows(
        warehouse,
        "select parcel_id, intensity_10k_per_mu, level_at_supply, threshold_10k_per_mu, "
        "level_at_snapshot, meets_threshold, shortfall_10k "
        "from marts.land_parcel_intensity where period = '2019-06-01' order by parcel_id",
    )
    got = {r.pop("parcel_id"): tuple(r.values()) for r in rows}
    assert got == {
        # supplied 2018-06-01 while 自治区级; reported when 国家级高新区
        "AT250": (D("250.00"), "自治区级", D(250), "国家级高新区", True, D(0)),
        "BELOW250": (D("250.00"), "自治区级", D(250), "国家级高新区", False, D("0.01")),
        "LW2019": (D("280.00"), "国家级高新区", D(300), "国家级高新区", False, D(200)),
        "DL150": (D("150.00"), "市级", D(150), "市级", True, D(0)),
        "I365": (D("0.00"), "国家级经开区", D(300), "国家级经开区", False, D(6000)),
        "OK": (D("300.00"), "国家级经开区", D(300), "国家级经开区", True, D(0)),
    }  # I364 (商服) and I730 (仓储): the threshold does not apply


# ------------------------------------------------------------------------- loading


def land_header() -> str:
    return ",".join(HEADERS["land"])


GOOD = {
    "parcel_id": "JKQ-2018-001",
    "park": "拉萨经开区",
    "land_use": "工业",
    "area_mu": "12.5",
    "land_price_10k": "625",
    "holder_uscc": H1,
    "supplied_on": "2018-01-05",
    "agreed_start_on": "2018-07-01",
    "actual_start_on": "",
    "fixed_investment_10k": "0",
}


def row(n: int, **cells: str) -> str:
    return ",".join({**GOOD, "parcel_id": f"P-{n:03d}", **cells}.values())


# One row per rule: the cells changed from a good row, the rule it breaks, the column blamed.
# a wrong organization-code check (position 17) under a right check character (position 18),
# and a region with a letter under right check characters: each breaks its rule alone
_WRONG_17 = H1[:16] + ("0" if H1[16] != "0" else "1")
H1_WRONG_ORG = _WRONG_17 + uscc_check_char(_WRONG_17)
H1_BAD_REGION = complete_uscc("91A40100MA6T1L01")
H1_WRONG_CHECK = H1[:17] + ("0" if H1[17] != "0" else "1")
USCC_COLUMN = "受让单位统一社会信用代码"
BAD_ROWS = [
    ({"parcel_id": ""}, "LND-REQUIRED-PARCEL_ID", "地块编号"),
    ({"parcel_id": "9.15401E+17"}, "LND-AS-NUMBER-PARCEL_ID", "地块编号"),
    ({"park": ""}, "LND-REQUIRED-PARK", "所属园区"),
    ({"park": "火星工业园"}, "LND-PARK-KNOWN", "所属园区"),
    ({"land_use": ""}, "LND-REQUIRED-LAND_USE", "用地性质"),
    ({"land_use": "住宅"}, "LND-ENUM-LAND_USE", "用地性质"),
    ({"area_mu": ""}, "LND-REQUIRED-AREA_MU", "面积（亩）"),
    ({"area_mu": "十亩"}, "LND-FORMAT-AREA_MU", "面积（亩）"),
    ({"area_mu": "0"}, "LND-RANGE-AREA_MU", "面积（亩）"),
    ({"land_price_10k": ""}, "LND-REQUIRED-LAND_PRICE_10K", "土地价款（万元）"),
    ({"land_price_10k": "1.1234567"}, "LND-FORMAT-LAND_PRICE_10K", "土地价款（万元）"),
    ({"land_price_10k": "-1"}, "LND-RANGE-LAND_PRICE_10K", "土地价款（万元）"),
    ({"holder_uscc": ""}, "LND-REQUIRED-HOLDER_USCC", USCC_COLUMN),
    ({"holder_uscc": "9.15401E+17"}, "LND-HOLDER-USCC-AS-NUMBER", USCC_COLUMN),
    ({"holder_uscc": H1[:17]}, "LND-HOLDER-USCC-LENGTH", USCC_COLUMN),
    ({"holder_uscc": "I" + H1[1:]}, "LND-HOLDER-USCC-CHARSET", USCC_COLUMN),
    ({"holder_uscc": H1_BAD_REGION}, "LND-HOLDER-USCC-REGION", USCC_COLUMN),
    ({"holder_uscc": H1_WRONG_ORG}, "LND-HOLDER-USCC-ORG-CHECK", USCC_COLUMN),
    ({"holder_uscc": H1_WRONG_CHECK}, "LND-HOLDER-USCC-CHECK", USCC_COLUMN),
    ({"supplied_on": ""}, "LND-REQUIRED-SUPPLIED_ON", "供地日期"),
    ({"supplied_on": "2018-13-01"}, "LND-FORMAT-SUPPLIED_ON", "供地日期"),
    ({"supplied_on": "2018-04-01"}, "LND-NOT-FUTURE-SUPPLIED_ON", "供地日期"),
    ({"agreed_start_on": ""}, "LND-REQUIRED-AGREED_START_ON", "约定开工日期"),
    ({"agreed_start_on": "明年"}, "LND-FORMAT-AGREED_START_ON", "约定开工日期"),
    ({"actual_start_on": "2018-02-30"}, "LND-FORMAT-ACTUAL_START_ON", "实际开工日期"),
    ({"actual_start_on": "2018-04-01"}, "LND-NOT-FUTURE-ACTUAL_START_ON", "实际开工日期"),
    ({"fixed_investment_10k": ""}, "LND-REQUIRED-FIXED_INVESTMENT_10K", "累计固定资产投资（万元）"),
    (
        {"fixed_investment_10k": "n/a"},
        "LND-FORMAT-FIXED_INVESTMENT_10K",
        "累计固定资产投资（万元）",
    ),
    (
        {"fixed_investment_10k": "-0.01"},
        "LND-RANGE-FIXED_INVESTMENT_10K",
        "累计固定资产投资（万元）",
    ),
]


def test_every_rule_sets_its_row_aside_and_good_rows_load(env) -> None:
    landing, archive, con = env
    lines = [
        land_header(),
        row(0),
        row(1, actual_start_on="2018-03-31", fixed_investment_10k="3750"),
    ]
    lines += [row(10 + i, **cells) for i, (cells, _, _) in enumerate(BAD_ROWS)]
    # the key rules: an exact duplicate loads once; a conflicting pair is set aside whole
    lines += [row(0), row(90), row(90, area_mu="13")]
    (landing / "land_201803.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    outcome = load_month(con, scan(landing), "land", dt.date(2018, 3, 1), archive)
    assert outcome.status == "loaded"
    assert (outcome.rows_read, outcome.rows_loaded) == (len(lines) - 1, 2)
    rejects = con.execute(
        "select row_number, record_key, column_name, rule_id, rule_zh, value from meta.rejects "
        "where kind = 'land' order by row_number, rule_id"
    ).fetchall()
    by_row: dict[int, list[tuple]] = {}
    for r in rejects:
        by_row.setdefault(r[0], []).append(r)
    for i, (cells, rule, column) in enumerate(BAD_ROWS):
        file_row = 4 + i  # header = row 1, two good rows
        got = [(r[3], r[2]) for r in by_row.pop(file_row)]
        assert got == [(rule, column)], (cells, got)
    n = len(BAD_ROWS)
    assert [(r[0], r[3]) for rs in by_row.values() for r in rs] == [
        (4 + n, "LND-DUPLICATE-ROW"),
        (5 + n, "LND-UNIQUE-PARCEL_ID"),
        (6 + n, "LND-UNIQUE-PARCEL_ID"),
    ]
    # the message names the row, the column, the rule and the value as read
    park = next(r for r in rejects if r[3] == "LND-PARK-KNOWN")
    assert park == (
        7,
        "P-013",
        "所属园区",
        "LND-PARK-KNOWN",
        "所属园区须为已知园区名称或别名",
        "火星工业园",
    )
    assert con.execute(
        "select parcel_id, park_code, park_name_reported, area_mu, actual_start_on, "
        "fixed_investment_10k from raw.land order by parcel_id"
    ).fetchall() == [
        ("P-000", "JKQ", "拉萨经开区", D("12.5"), None, D(0)),
        ("P-001", "JKQ", "拉萨经开区", D("12.5"), dt.date(2018, 3, 31), D(3750)),
    ]


# ------------------------------------------------------------------------- asset checks


def test_asset_checks_list_idle_and_below_threshold(warehouse: Path, monkeypatch) -> None:
    import dagster as dg

    from pipelines.defs import checks

    monkeypatch.setenv("PARKS_BUILD_WAREHOUSE", str(warehouse))
    idle = checks.check_result(
        dg.AssetCheckKey(dg.AssetKey(["marts", "land_idle_parcels"]), "no_idle_land")
    )
    # June 2020: I365 (two years on 2020-06-30) and I730, fees 200 + 100万元
    assert not idle.passed and idle.severity == checks.WARN
    assert idle.description == (
        "2 parcels idle for a year or more in 2020-06, 2 of them two years (reclaim candidates)"
    )
    assert idle.metadata["fees_due_10k"].value == 300.0
    assert "I730" in idle.metadata["parcels"].value
    intensity = checks.check_result(
        dg.AssetCheckKey(
            dg.AssetKey(["marts", "land_parcel_intensity"]), "intensity_meets_threshold"
        )
    )
    # June 2020's industrial parcels: I365 (no investment) below, OK at exactly 300
    assert not intensity.passed
    assert intensity.metadata["below_threshold"].value == 1
    assert "I365" in intensity.metadata["parcels"].value
    share = checks.check_result(
        dg.AssetCheckKey(
            dg.AssetKey(["marts", "land_industrial_share"]), "industrial_land_meets_floor"
        )
    )
    # 2020: JKQ (30 of 60 亩) and QS (0 of 10) below; the ten others reported no planned area
    assert not share.passed
    assert share.description == (
        "2020: 2 parks below the industrial land floor, 10 without the data to tell"
    )


# ------------------------------------------------------------------------- reports


@pytest.fixture(scope="module")
def report_warehouse(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reports' hand-made warehouse (tests/test_reports.py) with the land marts built above."""
    from test_reports import build_small_warehouse

    path = build_small_warehouse(tmp_path_factory.mktemp("report") / "warehouse.duckdb")
    with duckdb.connect(str(path)) as con:
        con.execute(f"attach '{warehouse}' as land (read_only)")
        for table in (
            "land_idle_park_year",
            "land_idle_parcels",
            "land_parcel_intensity",
            "land_industrial_share",
        ):
            con.execute(f"create table marts.{table} as select * from land.marts.{table}")
    return path


@pytest.fixture(scope="module")
def report_public(report_warehouse: Path) -> Path:
    """The public warehouse of report_warehouse: the external reports read it."""
    from test_reports import public_beside

    return public_beside(report_warehouse)


def test_workbook_land_sheet_lists_parcels_only_internally(
    report_warehouse, report_public, tmp_path
) -> None:
    from test_reports import sheet

    def find_row(rows: list[list], first: str, after: str) -> list:
        section = next(i for i, r in enumerate(rows) if str(r[0]).startswith(after))
        return next(r for r in rows[section:] if r[0] == first)

    from pipelines.reports.build import build_report

    external = build_report(report_public, "xlsx", tmp_path / "e.xlsx").path
    internal = build_report(report_warehouse, "xlsx", tmp_path / "i.xlsx", internal=True).path
    rows = sheet(external, "土地利用")
    assert "供地数据截至 2020-06" in rows[0][0]
    # 经开区 2019 as of December: 2 idle parcels, 50亩, no reclaim candidate, fees 160 + 200;
    # industrial land 30 of 50 亩 planned, at the floor
    assert [r for r in rows if r[:2] == ["经开区", 2019]] == [
        ["经开区", 2019, "2019-12", 2, 50, 0, 0, 2, 360, 60, "达标(不低于60%)"]
    ]
    assert [r[-1] for r in rows if r[:2] == ["柳梧新区", 2019]] == ["无规划面积数据(不低于60%)"]
    # June 2020's intensity: 经开区 I365 (20亩, 6,000万元 short of 300 × 20) and OK (10亩)
    start = rows.index(find_row(rows, "园区", after="工业地块投资强度"))
    assert rows[start + 1][:6] == ["经开区", 2, 30, 1, 20, 6000]
    flat = [str(v) for r in rows for v in r]
    assert H1 not in flat and H2 not in flat and "I730" not in flat
    assert any("仅见内部版" in v for v in flat)
    flat = [str(v) for r in sheet(internal, "土地利用") for v in r]
    assert H2 in flat and "I730" in flat and "I365" in flat and "闲置满两年" in flat


def test_dashboard_land_section(report_warehouse, report_public, tmp_path) -> None:
    from pipelines.reports.build import build_report

    external = build_report(report_public, "html", tmp_path / "e.html").path.read_text()
    internal = build_report(report_warehouse, "html", tmp_path / "i.html", internal=True)
    assert '<section id="land">' in external and "仅见内部版" in external
    assert "<th>产业用地比重(%)</th>" in external and "<td>未达标</td>" in external
    assert H1 not in external and H2 not in external
    html = internal.path.read_text()
    assert "闲置地块清单(内部)" in html and H2 in html and "I730" in html


# ------------------------------------------------------------------------- generator


def test_generate_writes_land_with_idle_and_below_threshold_parcels(tmp_path: Path) -> None:
    import polars as pl

    from pipelines.generate import generate

    generate(tmp_path, enterprises=300, start="2018-01", end="2020-12", seed=7, mess=0.0)
    assert len(list(tmp_path.glob("land_*.csv"))) == 36
    frame = pl.read_csv(tmp_path / "land_202012.csv", infer_schema=False).rename(
        dict(HEADERS["land"].items())
    )
    dates = ("supplied_on", "agreed_start_on", "actual_start_on")
    frame = frame.with_columns(
        *(pl.col(c).str.replace_all("/", "-").str.to_date() for c in dates),
        *(pl.col(c).cast(pl.Float64) for c in ("area_mu", "fixed_investment_10k")),
    )
    # idle a year or more at the end of 2020: not started, agreed start before 2020-01-01
    idle = frame.filter(
        pl.col("actual_start_on").is_null() & (pl.col("agreed_start_on") < dt.date(2020, 1, 1))
    )
    assert idle.height > 0
    industrial = frame.filter(pl.col("land_use") == "工业")
    intensity = industrial["fixed_investment_10k"] / industrial["area_mu"]
    assert (intensity < 150).any() and (intensity >= 300).any()  # below every threshold, above all
    # 柳梧新区 is upgraded on 2019-01-01 (seeds/park_levels.csv): parcels supplied on both sides
    lwxq = industrial.filter(pl.col("parcel_id").str.starts_with("LWXQ-"))
    assert (lwxq["supplied_on"] < dt.date(2019, 1, 1)).any()
    assert (lwxq["supplied_on"] >= dt.date(2019, 1, 1)).any()
