"""Issue 29 item 2: the yearly `indicators` extract and the targets of plan 四 built on it and on
the projects register.

The loader tests use the `env` fixture (a landing folder, an archive, a warehouse with the
loader's tables). The targets are checked on a warehouse built by dbt from hand-made raw rows
(the yearly indicators of 2019 and 2020, two snapshots of the projects register), against values
worked out by hand below.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import duckdb
import pytest
from warehouse_helpers import insert_raw, query_rows

from pipelines.generate.registers import indicators_frame
from pipelines.ingest.landing import name_problem, parse_name, scan
from pipelines.ingest.load import load_month
from schemas.indicators import SCHEMA

ROOT = Path(__file__).resolve().parents[1]
DDL = ROOT / "pipelines" / "warehouse_ddl.sql"
DBT_PROJECT = ROOT / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"
HEADER = "园区,年度,指标代码,数值,来源"
Y2019 = dt.date(2019, 1, 1)


def write(folder: Path, name: str, rows: list[str]) -> Path:
    path = folder / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def load(env, period: dt.date = Y2019):
    landing, archive, con = env
    return load_month(con, scan(landing), "indicators", period, archive)


# ---------------------------------------------------------------- file names


def test_yearly_names_carry_a_year():
    f = parse_name(Path("indicators_2019.csv"))
    assert (f.kind, f.period, f.revision, f.ext) == ("indicators", Y2019, 1, "csv")
    assert f.period_label == "2019"
    v2 = parse_name(Path("indicators_2019_v2.xlsx"))
    assert (v2.kind, v2.period, v2.revision) == ("indicators", Y2019, 2)
    assert name_problem("indicators_2019.csv") is None


def test_a_month_in_a_yearly_name_is_no_extract():
    assert parse_name(Path("indicators_201903.csv")) is None
    assert name_problem("indicators_201903.csv") == (
        "indicators is a yearly extract: its name carries the year as four digits "
        "(indicators_2019.csv), not '201903'"
    )
    # and a monthly kind still needs its month
    assert parse_name(Path("tax_2019.csv")) is None
    assert name_problem("tax_2019.csv") == (
        "the month '2019' is not written YYYYMM (six digits, e.g. 201803)"
    )


def test_a_yearly_file_loads_in_the_january_of_its_year_only(env):
    landing, _, con = env
    write(landing, "indicators_2019.csv", ["全市,2019,gdp,1000,市统计局"])
    assert scan(landing).months() == ["2019-01"]
    assert load(env, dt.date(2019, 2, 1)).status == "no_file"
    outcome = load(env)
    assert (outcome.status, outcome.month, outcome.rows_loaded) == ("loaded", "2019", 1)
    assert con.execute(
        "select period, park_code, park_name_reported, indicator_code, value, source "
        "from raw.indicators"
    ).fetchall() == [(Y2019, "CITY", "全市", "gdp", D("1000"), "市统计局")]


# ---------------------------------------------------------------- every rule on a bad row

# (row, rule id, column (Chinese header), offending value); row 1 is the header
GOOD = [
    "全市,2019,gdp,6000000,市统计局",  # 2
    "全市,2019,rd_spending,144000.5,市科技局",  # 3
    "经开区,2019,top_enterprise_contacts,12,",  # 4
    "柳梧新区,2019,planned_area_mu,30000,市国土局",  # 5
]
BAD = [
    ("全市,2019,gdp,6000000,市统计局", 6, "IND-DUPLICATE-ROW", None, None),
    (",2019,planned_area_mu,100,", 7, "IND-REQUIRED-PARK", "园区", None),
    ("火星园,2019,planned_area_mu,100,", 8, "IND-PARK-KNOWN", "园区", "火星园"),
    ("空港新区,,planned_area_mu,100,", 9, "IND-REQUIRED-PERIOD", "年度", None),
    ("空港新区,二〇一九,planned_area_mu,100,", 10, "IND-FORMAT-PERIOD", "年度", "二〇一九"),
    ("达孜工业园,2018,planned_area_mu,100,", 11, "IND-YEAR-MATCH", "年度", "2018"),
    ("堆龙工业园,2019,,100,", 12, "IND-REQUIRED-INDICATOR_CODE", "指标代码", None),
    ("堆龙工业园,2019,area,100,", 13, "IND-ENUM-INDICATOR_CODE", "指标代码", "area"),
    ("曲水工业园,2019,gdp,100,", 14, "IND-CITY-ONLY-INDICATOR_CODE", "园区", "曲水工业园"),
    ("城关区,2019,rd_spending,100,", 15, "IND-CITY-ONLY-INDICATOR_CODE", "园区", "城关区"),
    ("林周县,2019,planned_area_mu,,", 16, "IND-REQUIRED-VALUE", "数值", None),
    ("当雄县,2019,planned_area_mu,十万,", 17, "IND-FORMAT-VALUE", "数值", "十万"),
    ("当雄县,2019,top_enterprise_contacts,1.0000001,", 18, "IND-FORMAT-VALUE", "数值",
     "1.0000001"),
    ("尼木县,2019,top_enterprise_contacts,-1,", 19, "IND-RANGE-VALUE", "数值", "-1"),
    # one park twice under two of its names, with different values: both set aside
    ("墨竹工卡县,2019,top_enterprise_contacts,3,", 20, "IND-UNIQUE-PARK-PERIOD-INDICATOR_CODE",
     "园区", "墨竹工卡县"),
    ("墨竹工卡县工业集中区,2019,top_enterprise_contacts,4,", 21, "IND-UNIQUE-PARK-PERIOD-INDICATOR_CODE",
     "园区", "墨竹工卡县工业集中区"),
]  # fmt: skip


def test_every_rule_sets_its_row_aside_and_the_good_rows_load(env):
    landing, _, con = env
    write(landing, "indicators_2019.csv", [*GOOD, *(b[0] for b in BAD)])
    outcome = load(env)
    assert (outcome.status, outcome.rows_read, outcome.rows_loaded, outcome.rows_rejected) == (
        "loaded",
        len(GOOD) + len(BAD),
        len(GOOD),
        len(BAD),
    )
    assert con.execute(
        "select file_name, row_number, rule_id, column_name, value from meta.rejects "
        "order by row_number, rule_id"
    ).fetchall() == [("indicators_2019.csv", *b[1:]) for b in BAD]
    # every rule of the schema is exercised above
    assert {b[2] for b in BAD} == {rule.id for rule in SCHEMA.rules}
    # each line says what is wrong in both languages
    said = dict(con.execute("select rule_id, rule_zh from meta.rejects").fetchall())
    assert said["IND-CITY-ONLY-INDICATOR_CODE"] == "指标 gdp、rd_spending 只按全市报送,不按园区报送"
    assert said["IND-YEAR-MATCH"] == "年度须与文件名中的年份一致"
    assert con.execute(
        "select park_code, indicator_code, value from raw.indicators order by _source_row"
    ).fetchall() == [
        ("CITY", "gdp", D("6000000")),
        ("CITY", "rd_spending", D("144000.5")),
        ("JKQ", "top_enterprise_contacts", D("12")),
        ("LWXQ", "planned_area_mu", D("30000")),
    ]


def test_a_file_of_another_year_is_refused_whole(env):
    landing, _, con = env
    path = write(landing, "indicators_2019.csv", ["全市,2018,gdp,1,", "全市,2018,rd_spending,1,"])
    outcome = load(env)
    message = (
        "indicators_2019.csv: wrong year: the file name says 2019 but its 年度 is mostly 2018; "
        "rename the file to the year it holds or ask for the right extract"
    )
    assert (outcome.status, outcome.message) == ("file_rejected", message)
    assert con.execute("select count(*) from raw.indicators").fetchall() == [(0,)]
    assert con.execute("select file_name, status, message from meta.loads").fetchall() == [
        (path.name, "file_rejected", message)
    ]


def test_a_revision_replaces_its_year_only(env):
    landing, _, con = env
    write(landing, "indicators_2018.csv", ["全市,2018,gdp,5000000,"])
    write(
        landing,
        "indicators_2019.csv",
        ["全市,2019,gdp,6000000,", "全市,2019,rd_spending,120000,", "经开区,2019,top_enterprise_contacts,9,"],
    )  # fmt: skip
    assert load(env, dt.date(2018, 1, 1)).status == "loaded"
    assert load(env).status == "loaded"
    write(
        landing,
        "indicators_2019_v2.csv",
        ["全市,2019,gdp,6100000,", "经开区,2019,top_enterprise_contacts,9,", "柳梧新区,2019,top_enterprise_contacts,11,"],
    )  # fmt: skip
    outcome = load(env)
    assert (outcome.status, outcome.file_name) == ("loaded", "indicators_2019_v2.csv")
    assert con.execute(
        "select year(period), park_code, indicator_code, value, _revision from raw.indicators "
        "order by period, _source_row"
    ).fetchall() == [
        (2018, "CITY", "gdp", D("5000000"), 1),
        (2019, "CITY", "gdp", D("6100000"), 2),
        (2019, "JKQ", "top_enterprise_contacts", D("9"), 2),
        (2019, "LWXQ", "top_enterprise_contacts", D("11"), 2),
    ]
    assert con.execute(
        "select file_name, superseded_file_name, record_key, change, column_name, old_value, "
        "new_value, delta from meta.revision_changes order by record_key"
    ).fetchall() == [
        ("indicators_2019_v2.csv", "indicators_2019.csv", "CITY|gdp", "changed", "value",
         "6000000.000000", "6100000.000000", 100000.0),
        ("indicators_2019_v2.csv", "indicators_2019.csv", "CITY|rd_spending", "removed", None,
         None, None, None),
        ("indicators_2019_v2.csv", "indicators_2019.csv", "LWXQ|top_enterprise_contacts",
         "added", None, None, None, None),
    ]  # fmt: skip
    assert con.execute(
        "select file_name, status from meta.loads order by file_name"
    ).fetchall() == [
        ("indicators_2018.csv", "loaded"),
        ("indicators_2019.csv", "superseded"),
        ("indicators_2019_v2.csv", "loaded"),
    ]


def test_generated_indicators_load_clean(env):
    landing, _, con = env
    frame = indicators_frame(7, 2019)
    lines = [",".join(v or "" for v in row) for row in frame.iter_rows()]
    write(landing, "indicators_2019.csv", lines)
    outcome = load(env)
    assert (outcome.rows_rejected, outcome.rows_loaded) == (0, frame.height)
    # the city's two figures, and each park its area; one park reports no contacts
    codes = dict(
        con.execute("select indicator_code, count(*) from raw.indicators group by all").fetchall()
    )
    assert codes == {
        "gdp": 1,
        "rd_spending": 1,
        "planned_area_mu": 12,
        "top_enterprise_contacts": 11,
    }


# ---------------------------------------------------------------- targets (dbt, hand-made rows)

# Indicators: 2019 has the city's figures at a ratio that does not terminate (1/3 %), JKQ at
# exactly 10 contacts, LWXQ at 9, no row for CJL; 2020 only the city, R&D exactly 2.4% of GDP.
# 2018 has no file.
INDICATORS = {
    dt.date(2019, 1, 1): [
        ("CITY", "gdp", "6000000"),
        ("CITY", "rd_spending", "20000"),
        ("JKQ", "top_enterprise_contacts", "10"),
        ("LWXQ", "top_enterprise_contacts", "9"),
        ("JKQ", "planned_area_mu", "30000"),
    ],
    dt.date(2020, 1, 1): [
        ("CITY", "gdp", "6786000"),
        ("CITY", "rd_spending", "162864"),  # 2.4% of 6786000, exactly
    ],
}

# projects register snapshots: (id, park, 亿元, signed_on, status, category)
DEC19, JUN20 = dt.date(2019, 12, 1), dt.date(2020, 6, 1)
SMART_2018 = ("A", "JKQ", "2", dt.date(2018, 5, 2), "在建", "智能制造")  # in both snapshots
SMART_2019_STOPPED = ("B", "DL", "1", dt.date(2019, 3, 1), "终止", "智能制造")
SMART_2019_ON = ("B", "DL", "1", dt.date(2019, 3, 1), "在建", "智能制造")
INFO_2020 = ("C", "QS", "0.5", dt.date(2020, 2, 1), "签约", "两化融合")
BASE_DROPPED = ("D", "CG", "3", dt.date(2019, 6, 1), "在建", "工业强基")  # gone by June 2020
ENERGY_2019 = ("E", "DZ", "0.2", dt.date(2019, 8, 1), "投产", "节能改造")
ENERGY_2018 = ("F", "JKQ", "0.2", dt.date(2018, 9, 1), "投产", "节能改造")
PLAIN = ("G", "JKQ", "12", dt.date(2019, 1, 5), "在建", "招商引资")
UNCATEGORIZED = ("H", "JKQ", "1", dt.date(2019, 1, 6), "签约", None)
PROJECTS = {
    DEC19: [SMART_2018, SMART_2019_ON, BASE_DROPPED, ENERGY_2019, ENERGY_2018, PLAIN],
    JUN20: [SMART_2018, SMART_2019_STOPPED, INFO_2020, ENERGY_2019, ENERGY_2018, PLAIN, UNCATEGORIZED],
}  # fmt: skip


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("dbt_indicators")
    path = tmp / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(DDL.read_text(encoding="utf-8"))
        for period, rows in INDICATORS.items():
            insert_raw(
                con,
                "raw.indicators",
                period,
                [
                    {
                        "park_code": park,
                        "park_name_reported": park,
                        "indicator_code": code,
                        "value": D(value),
                        "source": None,
                    }
                    for park, code, value in rows
                ],
            )
        # the loads of the yearly files, as the loader lists them
        for period in INDICATORS:
            con.execute(
                "insert into meta.loads (file_name, kind, period, revision, sha256, size_bytes, "
                "received_at, loaded_at, status) values (?, 'indicators', ?, 1, 'x', 1, "
                "timestamp '2021-01-05 09:00:00', timestamp '2021-01-05 09:00:00', 'loaded')",
                [f"indicators_{period.year}.csv", period],
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
                        "agreed_investment_100m": D(amount),
                        "signed_on": signed,
                        "status": status,
                        "category": category,
                    }
                    for pid, park, amount, signed, status, category in rows
                ],
            )
    env = {
        **os.environ,
        "PARKS_BUILD_WAREHOUSE": str(path),
        "PARKS_WAREHOUSE": str(path),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_USE_COLORS": "false",
    }
    result = subprocess.run(
        [
            str(DBT),
            "build",
            "--select",
            "+target_attainment",
            "int_dq_extract_months",
            "--indirect-selection",
            "cautious",
            "--project-dir",
            str(DBT_PROJECT),
            "--profiles-dir",
            str(DBT_PROJECT),
            "--target-path",
            str(tmp / "target"),
            "--log-path",
            str(tmp / "logs"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-4000:]
    return path


def attainment(path: Path) -> dict[tuple[str, int, str], dict]:
    rows = query_rows(path, "select * from marts.target_attainment")
    return {(r["park_code"], r["year"], r["metric"]): r for r in rows}


def test_top_enterprise_contacts_per_park_and_year(warehouse):
    rows = attainment(warehouse)
    got = {
        k: (r["actual"], r["attained"], r["attainment_status"])
        for k, r in rows.items()
        if k[2] == "top_enterprise_contacts" and k[0] in ("JKQ", "LWXQ", "CJL")
    }
    unknown = (None, None, "无数据")
    assert got == {
        ("JKQ", 2018, "top_enterprise_contacts"): unknown,  # no file for 2018
        ("JKQ", 2019, "top_enterprise_contacts"): (D("10"), True, "已达成"),  # exactly 10
        ("JKQ", 2020, "top_enterprise_contacts"): unknown,  # the 2020 file has no park rows
        ("LWXQ", 2018, "top_enterprise_contacts"): unknown,
        ("LWXQ", 2019, "top_enterprise_contacts"): (D("9"), False, "未达成"),
        ("LWXQ", 2020, "top_enterprise_contacts"): unknown,
        ("CJL", 2018, "top_enterprise_contacts"): unknown,
        ("CJL", 2019, "top_enterprise_contacts"): unknown,  # a park without its row: never 0
        ("CJL", 2020, "top_enterprise_contacts"): unknown,
    }
    # one target per park and plan year, 10 each
    parks = {k[0] for k in rows if k[2] == "top_enterprise_contacts"}
    assert len(parks) == 12
    assert {r["target"] for k, r in rows.items() if k[2] == "top_enterprise_contacts"} == {D("10")}


def test_rd_intensity_is_the_ratio_of_the_city_rows(warehouse):
    r = attainment(warehouse)[("CITY", 2020, "rd_intensity")]
    # 162864 / 6786000 x 100 = 2.4 exactly: at the target is attained
    assert (r["target"], r["actual"], r["gap"], r["attained"], r["attainment_status"]) == (
        D("2.4"),
        D("2.4"),
        D("0"),
        True,
        "已达成",
    )
    actuals = {
        (a["park_code"], a["year"]): a["actual"]
        for a in query_rows(
            warehouse,
            "select * from intermediate.int_attainment_actuals where metric = 'rd_intensity'",
        )
    }
    # 20000 / 6000000 x 100 = 0.3333...: rounded to 6 decimals; no 2018 (no file)
    assert actuals == {("CITY", 2019): D("0.333333"), ("CITY", 2020): D("2.4")}


def test_programmes_count_each_project_once_in_its_signing_year(warehouse):
    rows = attainment(warehouse)
    got = {
        metric: (rows[("CITY", 2020, metric)]["actual"], rows[("CITY", 2020, metric)]["target"])
        for metric in (
            "programme_smart_manufacturing",
            "programme_informatization",
            "programme_industrial_base",
            "programme_energy_saving",
        )
    }
    assert got == {
        # A (2018), in both snapshots, once; B terminated in the latest snapshot
        "programme_smart_manufacturing": (D("1"), D("10")),
        "programme_informatization": (D("1"), D("10")),  # C, 2020
        "programme_industrial_base": (D("0"), D("10")),  # D left the register
        "programme_energy_saving": (D("2"), D("10")),  # E (2019) and F (2018)
    }
    r = rows[("CITY", 2020, "programme_energy_saving")]
    # the register's latest snapshot is June 2020: the window is not over
    assert (r["target_window"], r["is_final"], r["attainment_status"]) == (
        "2018-2020",
        False,
        "进行中",
    )
    by_year = {
        (a["park_code"], a["year"]): a["actual"]
        for a in query_rows(
            warehouse,
            "select * from intermediate.int_attainment_actuals "
            "where metric = 'programme_energy_saving' and actual > 0",
        )
    }
    assert by_year == {
        ("JKQ", 2018): D("1"),
        ("DZ", 2019): D("1"),
        ("CITY", 2018): D("1"),
        ("CITY", 2019): D("1"),
    }


def test_the_run_summary_names_the_year_of_a_refused_revision(env, tmp_path):
    from pipelines.config import Paths
    from pipelines.run_summary import collect

    landing, archive, con = env
    write(landing, "indicators_2019.csv", ["全市,2019,gdp,6000000,"])
    assert load(env).status == "loaded"
    bad = landing / "indicators_2019_v2.csv"
    bad.write_text("园区,年份,指标代码,数值,来源\n全市,2019,gdp,6100000,\n", encoding="utf-8")
    outcome = load(env)
    assert outcome.status == "file_rejected"
    assert outcome.message.endswith("(the year keeps indicators_2019.csv, loaded before)")
    con.close()  # the summary reads the build read-only, as after a run
    paths = Paths(
        home=tmp_path,
        landing=landing,
        warehouse=tmp_path / "published.duckdb",
        public=tmp_path / "public.duckdb",
        build=tmp_path / "w.duckdb",
        archive=archive,
        dagster=tmp_path / "dagster",
        reports=tmp_path / "reports",
        dbt=tmp_path / "dbt",
        logs=tmp_path / "logs",
    )
    (entry,) = collect(scan(landing), paths).entries
    assert (entry.file_name, entry.status) == ("indicators_2019_v2.csv", "file_rejected")
    assert "missing column(s) 年度" in entry.reason
    assert entry.fix == (
        "correct it and deliver it as indicators_2019_v3.csv; "
        "indicators 2019 meanwhile keeps indicators_2019.csv"
    )


def test_yearly_files_are_no_months_of_the_data_quality_marts(warehouse):
    # a yearly file has no month-on-month movement: 2019 and 2020 are no gap of eleven months
    kinds = query_rows(warehouse, "select distinct kind from intermediate.int_dq_extract_months")
    assert {r["kind"] for r in kinds} == {"projects"}
