"""End-to-end test of the plan-attainment marts: target_attainment, target_reconciliation, milestones.

Follows tests/test_dbt_models.py: a temporary DuckDB file gets the raw DDL and a small,
hand-made set of raw rows, `dbt build` loads the real seeds and builds every model, and the
marts are compared with values worked out by hand below. A second warehouse with the same rows
is built at the same time with `--vars '{band_counting: exclusive}'` (target_attainment and its
ancestors). Targets and logs go to temporary directories, so the test leaves nothing in the
tree.

Loaded months: enterprise extracts 2019-06, 2019-12 (2019 final) and 2020-06 (2020 in progress);
nothing for 2018. Projects and carriers registers: snapshots 2019-12 and 2020-06 (the latest is
the register's current state, so it covers 2018 as well).

Boundaries exercised: a project of exactly 10.00亿元 (projects_1b), a 终止 project, a project
dropped from the register, an enterprise deregistered in June (注销, absent afterwards), a park
move in December, a 迁出 enterprise still in the December snapshot, output exactly 100000万元
(and 50000, and revenue 10000 for a non-industrial enterprise), tax exactly 5000万 / 1000万,
headcount averaging exactly 1000 / 500 / 100, a carrier recognized in 2019 and one before 2018,
value-added growth of exactly 20%, and a year without data (2018) that must not look like a
failure.

Whom a target counts (enterprise_scope, from the clause): in 城关区 (CG) 2020, an industrial
enterprise H and a wholesaler T with the same output (10亿元) and tax (1亿元): 产值超10亿元的工业企业
counts H only, 产值超5亿元的企业 counts both. In 空港新区 (KGXQ) 2020, whose clauses say 实体企业, a
bank (J) and a property developer (K) over every threshold count for nothing; a retailer S does.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import duckdb
import pytest
from warehouse_helpers import insert_raw, query_rows

ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT = ROOT / "dbt_project"
DDL = ROOT / "pipelines" / "warehouse_ddl.sql"
SEEDS = ROOT / "seeds"
DBT = Path(sys.executable).parent / "dbt"

# Valid USCCs (GB 32100-2015 check characters included).
A = "91540091MA6T1A015B"  # industrial, 经开区; leader, high-tech, 主板; output exactly 100000万
B = "91540091MA6T1B018U"  # industrial, 堆龙 -> 曲水 in December 2019; high-tech, tech SME
C = "91540195MA6T1C0109"  # retail (non-industrial), 柳梧; high-tech, tech SME, 新三板
D_ = "91540127MA6T1D013A"  # industrial, 达孜; leader, high-tech, 新三板; 注销 in June 2019
F = "91540124MA6T1F0190"  # industrial, 经开区; tech SME; 迁出 in December 2019
G = "91540102MA6T1G011J"  # business services, 城关区; high-tech; registered from 2020
# enterprise scopes, registered from 2020
H = "91540102MA6T1H0143"  # 白酒制造 (C, industrial), 城关区; output 10亿, tax 1亿
T = "91540102MA6T1T017D"  # 米、面制品批发 (F, trading), 城关区; revenue 10亿, tax 1亿
BANK = "91540104MA6T1J01XL"  # 商业银行 (J, finance), 空港新区; revenue 2亿, tax 2000万
HOMES = "91540104MA6T1K0128"  # 房地产开发 (K, real estate), 空港新区; revenue 2亿, tax 2000万
S = "91540104MA6T1R011G"  # 百货零售 (F, real economy), 空港新区; revenue 1亿, tax 1000万

JUN19, DEC19, JUN20 = date(2019, 6, 1), date(2019, 12, 1), date(2020, 6, 1)

# ---------------------------------------------------------------- raw rows, by kind and month
# registration: (uscc, park, industry, status, tech_leader, high_tech, tech_sme, listing_board)
# fmt: off
REGISTRATION = {
    JUN19: [
        (A, "JKQ", "1512", "存续", True, True, False, "主板"),
        (B, "DL", "3011", "存续", False, True, True, None),
        (C, "LWXQ", "5211", "在业", False, True, True, "新三板"),
        (D_, "DZ", "4411", "注销", True, True, False, "新三板"),  # leaves in June
        (F, "JKQ", "1391", "存续", False, False, True, None),
    ],
    DEC19: [
        (A, "JKQ", "1512", "存续", True, True, False, "主板"),
        (B, "QS", "3011", "存续", False, True, True, None),  # moved in December
        (C, "LWXQ", "5211", "在业", False, True, True, "新三板"),
        (F, "JKQ", "1391", "迁出", False, False, True, None),  # leaving: not counted
    ],
    JUN20: [
        (A, "JKQ", "1512", "存续", True, True, False, "主板"),
        (B, "QS", "3011", "存续", False, True, True, None),
        (C, "LWXQ", "5211", "在业", False, True, True, "新三板"),
        (G, "CG", "7212", "存续", False, True, False, None),
        (H, "CG", "1512", "存续", False, False, False, None),
        (T, "CG", "5121", "存续", False, False, False, None),
        (BANK, "KGXQ", "6621", "存续", False, False, False, None),
        (HOMES, "KGXQ", "7010", "存续", False, False, False, None),
        (S, "KGXQ", "5211", "存续", False, False, False, None),
    ],
}
NAMES = {
    A: "拉萨高原饮品有限公司", B: "西藏建材股份有限公司", C: "拉萨百货零售有限公司",
    D_: "达孜光伏电力有限公司", F: "经开区粮油加工有限公司", G: "城关商务服务有限公司",
    H: "城关青稞酒业有限公司", T: "城关粮油批发有限公司", BANK: "空港商业银行拉萨分行",
    HOMES: "空港置业有限公司", S: "空港百货有限公司",
}

# tax: (uscc, total_tax_yuan)
TAX = {
    JUN19: [(A, "30000000.00"), (B, "4000000.00"), (C, "60000000.00"), (D_, "15000000.00"),
            (F, "1000000.00")],
    DEC19: [(A, "20000000.00"), (B, "6000000.00"), (C, "40000000.00"), (F, "9000000.00")],
    JUN20: [(A, "60000000.00"), (B, "10000000.00"), (C, "5000000.00"),
            (H, "100000000.00"), (T, "100000000.00"),
            (BANK, "20000000.00"), (HOMES, "20000000.00"), (S, "10000000.00")],
}

# employment: (uscc, insured_headcount)
EMPLOYMENT = {
    JUN19: [(A, 1000), (B, 500), (C, 99), (D_, 120)],
    DEC19: [(A, 1000), (B, 500), (C, 101), (F, 100)],
    JUN20: [(A, 1000), (B, 499), (C, 100)],
}

# output: (uscc, gross month, gross ytd, value added month, revenue month, revenue ytd), 万元
OUTPUT = {
    JUN19: [
        (A, "40000", "60000", "3000", "41000", "61000"),
        (B, "20000", "30000", "2000", "21000", "31000"),
        (C, None, None, None, "4000", "6000"),
        (D_, "12000", "12000", "1000", "12500", "12500"),  # no December: sum of months
    ],
    DEC19: [
        (A, "10000", "100000", "4000", "10500", "101000"),  # exactly 10亿元
        (B, "5000", "50000", "1500", "5200", "51000"),  # exactly 5亿元
        (C, None, None, None, "1000", "10000"),  # revenue exactly 1亿元 (non-industrial)
    ],
    JUN20: [
        (A, "20000", "50000", "4000", "21000", "51000"),
        (B, "8000", "30000", "3200", "8500", "31000"),
        (C, None, None, None, "2000", "9999.99"),
        (H, "100000", "100000", "0", "100000", "100000"),  # exactly 10亿元, industrial
        (T, None, None, None, "100000", "100000"),  # exactly 10亿元 of revenue, trading
        (BANK, None, None, None, "20000", "20000"),
        (HOMES, None, None, None, "20000", "20000"),
        (S, None, None, None, "10000", "10000"),
    ],
}

# projects register: (project_id, park, 亿元, signed_on, status)
P1 = ("P1", "JKQ", "10.00", date(2019, 3, 15), "在建")  # exactly 10亿元
P2 = ("P2", "JKQ", "9.99", date(2019, 7, 1), "签约")
P3_BUILDING = ("P3", "JKQ", "20", date(2019, 5, 1), "在建")
P3_STOPPED = ("P3", "JKQ", "20", date(2019, 5, 1), "终止")  # terminated by June 2020
P4 = ("P4", "DL", "1.00", date(2018, 11, 30), "投产")  # exactly 1亿元, signed in 2018
P5 = ("P5", "QS", "5", date(2020, 2, 1), "签约")  # exactly 5亿元
P6 = ("P6", "CG", "0.99", date(2020, 1, 10), "签约")  # below every band
P7 = ("P7", "JKQ", "15", date(2019, 2, 1), "在建")  # dropped from the register by June 2020
PROJECTS = {
    DEC19: [P1, P2, P3_BUILDING, P4, P7],
    JUN20: [P1, P2, P3_STOPPED, P4, P5, P6],
}

# carriers register: (carrier_id, park, type, recognized_on)
K1 = ("K1", "JKQ", "众创空间", date(2019, 4, 1))  # counts for 2019 and 2020, not 2018
K2 = ("K2", "JKQ", "创业创新基地", date(2018, 5, 1))
K3 = ("K3", "CG", "众创空间", date(2017, 12, 31))  # before the plan: never counts
K4 = ("K4", "CG", "创业创新基地", date(2020, 3, 1))
CARRIERS = {
    DEC19: [K2, K3],
    JUN20: [K1, K2, K3, K4],
}
# fmt: on


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
                    "enterprise_name": NAMES[uscc],
                    "park_code": park,
                    "park_name_reported": park,
                    "industry_code": industry,
                    "status": status,
                    "established_on": date(2015, 6, 1),
                    "registered_capital_10k": D("1000"),
                    "is_tech_leader": leader,
                    "is_high_tech": high_tech,
                    "is_tech_sme": sme,
                    "listing_board": board,
                }
                for uscc, park, industry, status, leader, high_tech, sme, board in rows
            ],
        )
    for period, rows in TAX.items():
        insert_raw(
            con,
            "raw.tax",
            period,
            [
                {
                    "uscc": uscc,
                    "vat_yuan": D(total),
                    "corporate_income_tax_yuan": D("0"),
                    "other_taxes_yuan": D("0"),
                    "total_tax_yuan": D(total),
                }
                for uscc, total in rows
            ],
        )
    for period, rows in EMPLOYMENT.items():
        insert_raw(
            con,
            "raw.employment",
            period,
            [{"uscc": uscc, "insured_headcount": headcount} for uscc, headcount in rows],
        )
    output_columns = (
        "gross_output_month_10k",
        "gross_output_ytd_10k",
        "value_added_month_10k",
        "revenue_month_10k",
        "revenue_ytd_10k",
    )
    for period, rows in OUTPUT.items():
        insert_raw(
            con,
            "raw.output",
            period,
            [
                {
                    "uscc": uscc,
                    **{
                        c: None if a is None else D(a)
                        for c, a in zip(output_columns, amounts, strict=True)
                    },
                }
                for uscc, *amounts in rows
            ],
        )
    for period, rows in PROJECTS.items():
        insert_raw(
            con,
            "raw.projects",
            period,
            [
                {
                    "project_id": project_id,
                    "project_name": f"项目{project_id}",
                    "park_code": park,
                    "park_name_reported": park,
                    "investor_uscc": None,
                    "agreed_investment_100m": D(amount),
                    "signed_on": signed_on,
                    "status": status,
                    "category": "招商引资",
                }
                for project_id, park, amount, signed_on, status in rows
            ],
        )
    for period, rows in CARRIERS.items():
        insert_raw(
            con,
            "raw.carriers",
            period,
            [
                {
                    "carrier_id": carrier_id,
                    "carrier_name": f"载体{carrier_id}",
                    "park_code": park,
                    "park_name_reported": park,
                    "carrier_type": carrier_type,
                    "recognized_on": recognized_on,
                }
                for carrier_id, park, carrier_type, recognized_on in rows
            ],
        )


def _start_dbt(tmp: Path, *args: str) -> tuple[subprocess.Popen, Path]:
    """Load the raw rows into a new warehouse under tmp and start `dbt <args>` on it."""
    path = tmp / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    try:
        _load_raw(con)
    finally:
        con.close()
    env = {
        **os.environ,
        # the file dbt builds (profiles.yml reads one of the two, depending on its version)
        "PARKS_BUILD_WAREHOUSE": str(path),
        "PARKS_WAREHOUSE": str(path),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_USE_COLORS": "false",
    }
    process = subprocess.Popen(
        [
            str(DBT),
            *args,
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
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return process, path


def _finish(process: subprocess.Popen) -> None:
    try:
        stdout, stderr = process.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    assert process.returncode == 0, stdout[-8000:] + stderr[-4000:]
    assert "ERROR=0" in stdout, stdout[-8000:]


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two warehouses with the same raw rows, built side by side (dbt is mostly start-up and
    parsing, one core each): the whole project with the default band_counting (at_or_above),
    and, under `--vars '{band_counting: exclusive}'`, target_attainment and park_tier_months with
    their ancestors and the data tests of the models the var changes (int_plan_metric_bands and
    downstream)."""
    default, default_path = _start_dbt(tmp_path_factory.mktemp("dbt_attainment"), "build")
    exclusive, exclusive_path = _start_dbt(
        tmp_path_factory.mktemp("dbt_attainment_exclusive"),
        "build",
        "--select",
        "+target_attainment",
        "+park_tier_months",
        "test_type:data,int_plan_metric_bands+",
        "--indirect-selection",
        "empty",
        "--vars",
        "{band_counting: exclusive}",
    )
    try:
        _finish(default)
    finally:
        _finish(exclusive)
    return {"at_or_above": default_path, "exclusive": exclusive_path}


@pytest.fixture(scope="module")
def warehouse(warehouses: dict[str, Path]) -> Path:
    return warehouses["at_or_above"]


@pytest.fixture(scope="module")
def warehouse_exclusive(warehouses: dict[str, Path]) -> Path:
    return warehouses["exclusive"]


def _attainment(path: Path) -> dict[tuple[str, int, str], dict]:
    rows = query_rows(path, "select * from marts.target_attainment")
    return {(r["park_code"], r["year"], r["metric"]): r for r in rows}


def _actuals(path: Path, scope: str = "all") -> dict[tuple[str, int, str], D | None]:
    """The actuals counted over `scope` (projects and carriers have no scope)."""
    rows = query_rows(
        path,
        "select * from intermediate.int_attainment_actuals "
        f"where enterprise_scope = '{scope}' or enterprise_scope is null",
    )
    return {(r["park_code"], r["year"], r["metric"]): r["actual"] for r in rows}


# ------------------------------------------------------------------------- target_attainment

# (park, year, metric): actual under at_or_above, actual under exclusive. Worked out by hand
# from the raw rows above; every key is a row of seeds/plan_targets.csv.
# fmt: off
EXPECTED_ACTUAL = {
    # projects (latest snapshot, June 2020): P1 10.00 and P2 9.99 in JKQ 2019; P3 终止 and P7
    # dropped from the register do not count; P4 1.00 in DL 2018; P5 5.00 in QS 2020.
    ("JKQ", 2019, "projects_1b"): (1, 1),
    ("JKQ", 2019, "projects_500m"): (2, 1),
    ("JKQ", 2019, "projects_100m"): (2, 0),
    ("JKQ", 2018, "projects_1b"): (0, 0),
    ("DL", 2018, "projects_100m"): (1, 1),
    ("DL", 2018, "projects_500m"): (0, 0),
    ("QS", 2020, "projects_500m"): (1, 1),
    ("QS", 2020, "projects_100m"): (1, 0),
    ("CG", 2020, "projects_100m"): (0, 0),
    # city project targets: window 2018-2020, the sum of the three years, on the 2020 row
    ("CITY", 2020, "projects_1b"): (1, 1),      # P1
    ("CITY", 2020, "projects_500m"): (3, 2),    # P1 P2 P5 | P2 P5
    ("CITY", 2020, "projects_100m"): (4, 1),    # P1 P2 P4 P5 | P4
    # year-end stocks, December 2019 snapshot: D (注销 in June) is gone, F is 迁出, B is in QS
    ("JKQ", 2019, "tech_leaders"): (1, 1),      # A
    ("JKQ", 2019, "high_tech"): (1, 1),         # A
    ("JKQ", 2019, "tech_smes"): (0, 0),         # F 迁出 in December: not 存续/在业
    ("QS", 2019, "high_tech"): (1, 1),          # B, moved in December
    ("QS", 2019, "tech_smes"): (1, 1),
    ("DL", 2019, "high_tech"): (0, 0),          # B left DL in December
    ("DZ", 2019, "tech_leaders"): (0, 0),       # D deregistered in June
    ("DZ", 2019, "high_tech"): (0, 0),
    ("LWXQ", 2019, "tech_smes"): (1, 1),        # C
    # June 2020 snapshot (year in progress)
    ("JKQ", 2020, "listed"): (1, 1),            # A 主板
    ("LWXQ", 2020, "listed"): (1, 1),           # C 新三板
    ("DZ", 2020, "listed"): (0, 0),             # D gone
    ("CITY", 2020, "tech_leaders"): (1, 1),     # A (D gone)
    ("CITY", 2020, "high_tech"): (4, 4),        # A B C G
    ("CITY", 2020, "tech_smes"): (2, 2),        # B C
    ("CITY", 2020, "listed"): (2, 2),           # A C
    # enterprise-years 2019: A output 100000万 exactly, B 50000 exactly (QS after the move),
    # C revenue 10000 exactly (non-industrial, tiered on revenue), D 12000 (sum of months)
    ("JKQ", 2019, "output_1b"): (1, 1),
    ("JKQ", 2019, "output_500m"): (1, 0),
    ("JKQ", 2019, "output_100m"): (1, 0),
    ("QS", 2019, "output_100m"): (1, 0),        # B 50000: at or above 5亿 -> also 超1亿
    ("DL", 2019, "output_1b"): (0, 0),          # B moved to QS in December
    ("DL", 2019, "output_100m"): (0, 0),
    ("LWXQ", 2019, "output_500m"): (0, 0),
    ("LWXQ", 2019, "output_100m"): (1, 1),      # C revenue 10000
    ("DZ", 2019, "output_100m"): (1, 1),        # D, deregistered in June, still counts
    # tax 2019: A 5000万 exactly, B 1000万 exactly, C 1亿, D 1500万, F 1000万
    ("JKQ", 2019, "tax_50m"): (1, 1),           # A
    ("JKQ", 2019, "tax_10m"): (2, 1),           # A F | F
    ("QS", 2019, "tax_10m"): (1, 1),            # B
    ("DL", 2019, "tax_10m"): (0, 0),
    ("LWXQ", 2019, "tax_50m"): (1, 0),          # C 1亿
    ("LWXQ", 2019, "tax_10m"): (1, 0),
    ("DZ", 2019, "tax_10m"): (1, 1),            # D, deregistered in June, still counts
    # 2020 (June year-to-date): A tax 6000万, B 1000万, C 500万; headcount A 1000, B 499, C 100
    ("JKQ", 2020, "tax_100m"): (0, 0),
    ("JKQ", 2020, "tax_50m"): (1, 1),
    ("JKQ", 2020, "tax_10m"): (1, 0),
    ("QS", 2020, "tax_10m"): (1, 1),
    ("JKQ", 2020, "staff_1000"): (1, 1),
    ("JKQ", 2020, "staff_500"): (1, 0),
    ("JKQ", 2020, "staff_100"): (1, 0),
    ("QS", 2020, "staff_500"): (0, 0),          # B 499
    ("QS", 2020, "staff_100"): (1, 1),
    ("LWXQ", 2020, "staff_100"): (1, 1),        # C exactly 100
    ("CITY", 2020, "staff_100"): (3, 2),        # A B C | B C (A is in 超1000 only)
    ("JKQ", 2020, "employment"): (1000, 1000),
    ("QS", 2020, "employment"): (499, 499),
    ("CITY", 2020, "employment"): (1599, 1599),
    # the city's 产值 bands (其中…龙头/骨干/重点企业) count industrial enterprises: not T
    ("CITY", 2020, "output_100m"): (2, 1),      # A 20000 (June only), H 100000 | A
    ("CITY", 2020, "output_1b"): (1, 1),        # H
    ("CITY", 2020, "above_scale"): (3, 3),      # A B H (industrial, revenue >= 2000万)
    # the city's tax targets count 实体企业: H T S, A B, not the bank nor the developer
    ("CITY", 2020, "tax_100m"): (2, 2),         # H T
    ("CITY", 2020, "tax_10m"): (5, 2),          # A B H T S | B S
    # enterprise scopes, 城关区 2020: H and T over the same thresholds
    ("CG", 2020, "output_1b"): (1, 1),          # 工业企业: H, not T
    ("CG", 2020, "output_500m"): (2, 0),        # 企业: H T | (both in 超10亿)
    ("CG", 2020, "output_100m"): (2, 0),
    ("CG", 2020, "tax_100m"): (1, 1),           # 工业企业: H
    ("CG", 2020, "tax_50m"): (2, 0),            # 企业: H T
    # 空港新区 2020, 实体企业: S; the bank (J) and the developer (K) never count
    ("KGXQ", 2020, "output_100m"): (1, 1),
    ("KGXQ", 2020, "tax_10m"): (1, 1),
    # carriers (latest snapshot): JKQ K2 (2018) in 2018; K1 (2019) not in 2018
    ("JKQ", 2018, "carriers"): (1, 1),
    ("JKQ", 2018, "maker_spaces"): (0, 0),
    ("JKQ", 2018, "innovation_bases"): (1, 1),
    ("CG", 2020, "carriers"): (1, 1),           # K4; K3 recognized before 2018
    ("CG", 2020, "maker_spaces"): (0, 0),
    ("CITY", 2020, "carriers"): (3, 3),         # K1 K2 K4
    ("CITY", 2020, "maker_spaces"): (1, 1),
    ("CITY", 2020, "innovation_bases"): (2, 2),
    # city totals 2020, 亿元: output (20000 + 8000 + 100000)/10000, value added (4000 + 3200
    # + 0)/10000
    ("CITY", 2020, "industrial_output"): (D("12.8"), D("12.8")),
    ("CITY", 2020, "industrial_value_added"): (D("0.72"), D("0.72")),
    # growth: June 2020 (7200) against the same months of 2019 (June: 3000 + 2000 + 1000)
    ("CITY", 2020, "value_added_growth"): (20, 20),
}
# fmt: on

# Years without enterprise data (2018): unknown, not failed.
NO_DATA = [
    ("JKQ", 2018, "output_500m"),
    ("JKQ", 2018, "tax_10m"),
    ("JKQ", 2018, "tech_leaders"),
    ("QS", 2018, "high_tech"),
    ("DL", 2018, "tax_100m"),
]


def _plan_targets() -> dict[tuple[str, int, str], dict]:
    with (SEEDS / "plan_targets.csv").open(encoding="utf-8") as f:
        return {(r["park_code"], int(r["year"]), r["metric"]): r for r in csv.DictReader(f)}


def test_one_row_per_target(warehouse: Path) -> None:
    rows = _attainment(warehouse)
    targets = _plan_targets()
    assert set(rows) == set(targets)
    for key, target in targets.items():
        row = rows[key]
        assert row["target"] == D(target["target"]), key
        assert (row["unit"], row["target_window"], row["clause_zh"]) == (
            target["unit"],
            target["window"],
            target["clause_zh"],
        ), key
    assert set(EXPECTED_ACTUAL) <= set(targets)


def test_actuals_at_or_above(warehouse: Path) -> None:
    rows = _attainment(warehouse)
    wrong = {
        key: rows[key]["actual"]
        for key, (expected, _) in EXPECTED_ACTUAL.items()
        if rows[key]["actual"] != expected
    }
    assert wrong == {}
    banded = {r["band_counting"] for k, r in rows.items() if k[2].startswith(("output_", "tax_"))}
    assert banded == {"at_or_above"}
    assert rows[("CITY", 2020, "employment")]["band_counting"] is None


def test_exclusive_bands(warehouse_exclusive: Path) -> None:
    rows = _attainment(warehouse_exclusive)
    wrong = {
        key: rows[key]["actual"]
        for key, (_, expected) in EXPECTED_ACTUAL.items()
        if rows[key]["actual"] != expected
    }
    assert wrong == {}
    # output exactly 100000万 counts only toward output_1b
    assert rows[("JKQ", 2019, "output_1b")]["actual"] == 1
    assert rows[("JKQ", 2019, "output_500m")]["actual"] == 0
    assert rows[("JKQ", 2019, "output_100m")]["actual"] == 0
    banded = {r["band_counting"] for k, r in rows.items() if k[2].startswith("output_")}
    assert banded == {"exclusive"}
    assert rows[("CITY", 2020, "employment")]["band_counting"] is None


def test_comparison_columns(warehouse: Path) -> None:
    rows = _attainment(warehouse)
    # exactly on target: attained, gap 0, ratio 1
    r = rows[("JKQ", 2019, "output_1b")]
    assert (r["park_name"], r["metric_label"], r["unit"], r["target"]) == (
        "经开区",
        "产值超10亿元的企业",
        "家",
        1,
    )
    assert (r["actual"], r["gap"], r["attainment_ratio"], r["attained"]) == (1, 0, 1.0, True)
    assert (r["as_of_period"], r["is_final"], r["attainment_status"]) == (DEC19, True, "已达成")
    assert r["actual_count"] == 1  # a count of enterprises (家) is also an integer
    # below target in a final year
    r = rows[("JKQ", 2019, "output_500m")]
    assert (r["actual"], r["gap"], r["attainment_ratio"], r["attained"]) == (1, -3, 0.25, False)
    assert r["attainment_status"] == "未达成"
    # below target in a year in progress: not a failure yet
    r = rows[("JKQ", 2020, "employment")]
    assert (r["target"], r["actual"], r["gap"], r["attained"]) == (20000, 1000, -19000, False)
    assert r["actual_count"] is None  # a sum of average headcounts, not a count
    assert (r["as_of_period"], r["is_final"], r["attainment_status"]) == (
        JUN20,
        False,
        "进行中",
    )
    assert r["band_counting"] is None
    # the city window row: park name, window, coverage of the three years
    r = rows[("CITY", 2020, "projects_1b")]
    assert (r["park_name"], r["target_window"], r["target"], r["actual"]) == (
        "拉萨市",
        "2018-2020",
        84,
        1,
    )
    assert (r["as_of_period"], r["is_final"], r["attainment_status"]) == (
        JUN20,
        False,
        "进行中",
    )
    # projects of 2018 come from the current register: covered, final, not attained
    r = rows[("DL", 2018, "projects_100m")]
    assert (r["actual"], r["as_of_period"], r["is_final"], r["attainment_status"]) == (
        1,
        date(2018, 12, 1),
        True,
        "未达成",
    )
    # growth of exactly 20% attains the 20% target
    r = rows[("CITY", 2020, "value_added_growth")]
    assert (r["actual"], r["attained"], r["unit"]) == (20, True, "%")


def test_years_without_data_are_unknown(warehouse: Path) -> None:
    rows = _attainment(warehouse)
    for key in NO_DATA:
        r = rows[key]
        assert (r["actual"], r["gap"], r["attainment_ratio"], r["attained"]) == (
            None,
            None,
            None,
            None,
        ), key
        assert (r["as_of_period"], r["is_final"], r["attainment_status"]) == (
            None,
            False,
            "无数据",
        ), key
    # nothing is judged on missing data
    statuses = {r["attainment_status"] for k, r in rows.items() if k[1] == 2018}
    assert "未达成" in statuses  # projects and carriers of 2018 are known
    assert all(
        r["attained"] is None for k, r in rows.items() if k[1] == 2018 and r["actual"] is None
    )


def test_carriers_cumulative_and_growth_in_actuals(warehouse: Path) -> None:
    actuals = _actuals(warehouse)
    # K1, recognized in April 2019: 2019 and 2020, not 2018
    assert [actuals[("JKQ", y, "maker_spaces")] for y in (2018, 2019, 2020)] == [0, 1, 1]
    assert [actuals[("JKQ", y, "carriers")] for y in (2018, 2019, 2020)] == [1, 2, 2]
    # no previous year for 2019 growth (nothing loaded for 2018)
    assert actuals[("CITY", 2019, "value_added_growth")] is None
    assert actuals[("CITY", 2020, "value_added_growth")] == 20
    # 2019 city value added: A 7000 + B 3500 + D 1000 万元
    assert actuals[("CITY", 2019, "industrial_value_added")] == D("1.15")
    # no enterprise data for 2018: no enterprise rows at all (not zeros)
    assert ("JKQ", 2018, "output_100m") not in actuals
    assert actuals[("JKQ", 2018, "projects_1b")] == 0


def test_enterprise_scopes(warehouse: Path) -> None:
    rows = _attainment(warehouse)
    # the scope each clause names, with its label
    scopes = {
        ("CG", 2020, "output_1b"): ("industrial", "工业企业"),
        ("CG", 2020, "output_500m"): ("all", "全部企业"),
        ("KGXQ", 2020, "tax_10m"): ("real_economy", "实体企业"),
        ("CITY", 2020, "tax_100m"): ("real_economy", "实体企业"),
        ("CITY", 2020, "output_1b"): ("industrial", "工业企业"),
        ("CITY", 2020, "staff_100"): ("all", "全部企业"),
        ("CITY", 2020, "projects_1b"): (None, None),
        ("CG", 2020, "carriers"): (None, None),
    }
    assert {
        k: (rows[k]["enterprise_scope"], rows[k]["enterprise_scope_label"]) for k in scopes
    } == scopes
    # the same park and year counted over each scope: H T in 城关区; S, the bank and the
    # developer in 空港新区
    for scope, cg, kgxq in [("industrial", 1, 0), ("real_economy", 2, 1), ("all", 2, 3)]:
        actuals = _actuals(warehouse, scope)
        assert actuals[("CG", 2020, "output_1b")] == cg, scope
        assert actuals[("KGXQ", 2020, "output_100m")] == kgxq, scope
        assert actuals[("KGXQ", 2020, "tax_10m")] == kgxq, scope
    # projects and carriers: one actual, without a scope
    counted = query_rows(
        warehouse,
        "select metric, count(*) as n from intermediate.int_attainment_actuals "
        "where park_code = 'CG' and year = 2020 and metric in ('projects_1b', 'carriers', "
        "'output_1b') group by metric",
    )
    assert {r["metric"]: r["n"] for r in counted} == {
        "projects_1b": 1,
        "carriers": 1,
        "output_1b": 3,
    }


# --------------------------------------------------------------------- target_reconciliation


def test_reconciliation(warehouse: Path) -> None:
    rows = {
        r["metric"]: r for r in query_rows(warehouse, "select * from marts.target_reconciliation")
    }
    # every city metric with park targets; the four city-only metrics are not there
    assert set(rows) == {
        "projects_1b", "projects_500m", "projects_100m", "tech_leaders", "high_tech",
        "tech_smes", "output_1b", "output_500m", "output_100m", "tax_100m", "tax_50m",
        "tax_10m", "staff_1000", "staff_500", "staff_100", "employment", "listed", "carriers",
        "maker_spaces", "innovation_bases",
    }  # fmt: skip

    def summary(metric: str) -> tuple:
        r = rows[metric]
        return (
            r["city_year_or_window"],
            r["city_target"],
            r["parks_target_sum"],
            r["parks_with_target"],
            r["difference"],
            r["is_consistent"],
        )

    assert summary("tech_leaders") == ("2020", 15, 13, 12, -2, False)
    assert summary("high_tech") == ("2020", 30, 23, 12, -7, False)
    assert summary("tech_smes") == ("2020", 55, 52, 12, -3, False)
    assert summary("tax_10m") == ("2020", 66, 68, 12, 2, False)
    assert summary("carriers") == ("2020", 57, 53, 11, -4, False)
    assert summary("maker_spaces") == ("2020", 35, 34, 12, -1, False)
    assert summary("innovation_bases") == ("2020", 22, 21, 11, -1, False)
    assert summary("projects_1b") == ("2018-2020", 84, 84, 12, 0, True)
    assert summary("projects_100m") == ("2018-2020", 240, 240, 12, 0, True)
    assert summary("employment") == ("2020", 55000, 55000, 7, 0, True)
    assert rows["carriers"]["parks_years"] == "2018, 2020"
    assert rows["projects_500m"]["comparison_basis"] == "window_years"
    assert rows["carriers"]["comparison_basis"] == "any_year"
    assert rows["tech_leaders"]["metric_label"] == "规模以上科技型领军企业"
    assert "少2家" in rows["tech_leaders"]["note"]
    assert "多2家" in rows["tax_10m"]["note"]
    assert "慈觉林" in rows["carriers"]["note"]
    assert "两者一致。" in rows["output_1b"]["note"]
    # whom the targets summed count: the city's 产值 bands industrial (其中 of 规模以上工业企业),
    # the parks' 工业企业 (经开区 …), 实体企业 (柳梧新区), 企业 (城关区 output_500m)
    r = rows["output_500m"]
    assert (r["city_enterprise_scope_label"], r["parks_enterprise_scope_labels"]) == (
        "工业企业",
        "全部企业、实体企业、工业企业",
    )
    assert r["note"].endswith("企业范围不全相同,相加仅核对规划数字。")
    r = rows["staff_100"]  # every clause says plain 企业
    assert (r["city_enterprise_scope_label"], r["parks_enterprise_scope_labels"]) == (
        "全部企业",
        "全部企业",
    )
    assert "企业范围" not in r["note"]
    r = rows["projects_1b"]
    assert (r["city_enterprise_scope_label"], r["parks_enterprise_scope_labels"]) == (None, None)


# --------------------------------------------------------------------------------- milestones


def test_milestones(warehouse: Path) -> None:
    rows = {r["milestone_id"]: r for r in query_rows(warehouse, "select * from marts.milestones")}
    assert len(rows) == 6
    r = rows["QS-2019-regional-park"]
    assert (r["park_name"], r["due_year"], r["status"], r["is_completed"]) == (
        "曲水工业园",
        2019,
        "未更新",
        False,
    )
    # latest data June 2020: the 2018 and 2019 milestones, none completed, are overdue
    assert {r["as_of_period"] for r in rows.values()} == {JUN20}
    assert all(r["is_overdue"] for r in rows.values())
