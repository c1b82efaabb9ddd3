"""End-to-end test of the dbt project: raw rows in, marts out.

A temporary DuckDB file gets the raw/meta DDL (pipelines/warehouse_ddl.sql) and a small,
hand-made set of raw rows (seven enterprises, months 2019-11 .. 2020-03). `dbt build` then
loads the seeds, builds every model and runs every data test and unit test against it. The
assertions compare the marts with values worked out by hand below, including the tier
boundaries (100,000 vs 99,999.99万, tax exactly 10,000,000 元, headcount average exactly 100),
a park move in December, an enterprise deregistered mid-year, and a non-industrial enterprise
tiered on its revenue.

dbt runs once per module (most of the time is dbt's start-up and parsing); its target and logs
go to a temporary directory, so the test leaves nothing in the tree.
"""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import duckdb
import pytest
import yaml
from warehouse_helpers import dbt_build, dbt_command, insert_raw, query_rows, register_row

ROOT = Path(__file__).resolve().parents[1]
DDL = ROOT / "pipelines" / "warehouse_ddl.sql"

# Valid USCCs (GB 32100-2015 check characters included).
A = "91540091MA6T1A015B"  # industrial 1512, 经开区; December YTD exactly 100,000万 -> T1
B = "91540091MA6T1B018U"  # industrial 3011, 堆龙 -> 曲水 in December 2019; YTD 99,999.99 -> T2
C = "91540195MA6T1C0109"  # retail 5211 (non-industrial), 柳梧; revenue 50,000 -> T2 on revenue
D_ = "91540127MA6T1D013A"  # industrial 4411, 达孜; 注销 in February 2020, absent in March
E = "91540100MA6T1E016N"  # pays tax in 2020 but is never in the register
F = "91540124MA6T1F0190"  # industrial 1391, 经开区 from December 2019; just below every tier
G = "91540102MA6T1G011J"  # business services 7212, 城关区; absent in December 2019 (a gap)

NOV19, DEC19 = date(2019, 11, 1), date(2019, 12, 1)
JAN20, FEB20, MAR20 = date(2020, 1, 1), date(2020, 2, 1), date(2020, 3, 1)

# ---------------------------------------------------------------- raw rows, by kind and month
# registration: (uscc, name, park, industry, status)
REGISTRATION = {
    NOV19: [
        (A, "拉萨高原饮品有限公司", "JKQ", "1512", "存续"),
        (B, "西藏建材股份有限公司", "DL", "3011", "存续"),
        (C, "拉萨百货零售有限公司", "LWXQ", "5211", "在业"),
        (D_, "达孜光伏电力有限公司", "DZ", "4411", "存续"),
        (G, "城关商务服务有限公司", "CG", "7212", "存续"),
    ],
    DEC19: [
        (A, "拉萨高原饮品有限公司", "JKQ", "1512", "存续"),
        (B, "西藏建材股份有限公司", "QS", "3011", "存续"),  # moved in December
        (C, "拉萨百货零售有限公司", "LWXQ", "5211", "在业"),
        (D_, "达孜光伏电力有限公司", "DZ", "4411", "存续"),
        (F, "经开区粮油加工有限公司", "JKQ", "1391", "存续"),
    ],
    JAN20: [
        (A, "拉萨高原饮品有限公司", "JKQ", "1512", "存续"),
        (B, "西藏建材股份有限公司", "QS", "3011", "存续"),
        (C, "拉萨百货零售有限公司", "LWXQ", "5211", "在业"),
        (D_, "达孜光伏电力有限公司", "DZ", "4411", "存续"),
        (F, "经开区粮油加工有限公司", "JKQ", "1391", "存续"),
        (G, "城关商务服务有限公司", "CG", "7212", "存续"),
    ],
    FEB20: [
        (A, "拉萨高原饮品有限公司", "JKQ", "1512", "存续"),
        (B, "西藏建材股份有限公司", "QS", "3011", "存续"),
        (C, "拉萨百货零售有限公司", "LWXQ", "5211", "在业"),
        (D_, "达孜光伏电力有限公司", "DZ", "4411", "注销"),  # leaves: last month in the register
        (F, "经开区粮油加工有限公司", "JKQ", "1391", "存续"),
        (G, "城关商务服务有限公司", "CG", "7212", "存续"),
    ],
    MAR20: [
        (A, "拉萨高原饮品有限公司", "JKQ", "1512", "存续"),
        (B, "西藏建材股份有限公司", "QS", "3011", "存续"),
        (C, "拉萨百货零售有限公司", "LWXQ", "5211", "在业"),
        (F, "经开区粮油加工有限公司", "JKQ", "1391", "存续"),
        (G, "城关商务服务有限公司", "CG", "7212", "存续"),
    ],
}

# tax: (uscc, total_tax_yuan); VAT carries the whole amount, the other two are zero.
TAX = {
    NOV19: [(A, "4000000.50"), (B, "50000000.00"), (C, "60000000.00")],
    DEC19: [(A, "5999999.50"), (B, "49999999.99"), (C, "40000000.00")],
    JAN20: [(A, "1000000.00"), (C, "3000000.00"), (E, "1000000.00")],
    FEB20: [(E, "1000000.00")],
    MAR20: [(E, "1000000.00")],
}
# December's are tax_201912_v2's rows: the loader replaced the first file's rows with them, as it
# replaces a whole month (tests/test_load.py), so raw holds one revision of a month at a time.

# employment: (uscc, insured_headcount)
EMPLOYMENT = {
    NOV19: [(A, 100), (B, 999), (C, 1000)],
    DEC19: [(A, 100), (B, 1000), (C, 1000)],
    JAN20: [(A, 120), (B, 1000), (C, 1000)],
    FEB20: [(A, 130), (B, 1000)],
    MAR20: [(A, 140), (B, 1000)],
}

# output: (uscc, gross month, gross ytd, value added month, revenue month, revenue ytd), 万元
OUTPUT = {
    NOV19: [
        (A, "9000", "90000", "2000", "9500", "95000"),
        (B, "50000", "50000", "10000", "55000", "55000"),
        (C, None, None, None, "20000", "20000"),
        (D_, "5000", "45000", "800", "500", "4500"),  # no December: the year sums its months
    ],
    DEC19: [
        (A, "10000", "100000", "2500", "10500", "105500"),
        (B, "49999.99", "99999.99", "10000", "55000", "110000"),
        (C, None, None, None, "30000", "50000"),
        (F, "9999.99", "9999.99", "1500", "1999.99", "1999.99"),
    ],
    JAN20: [
        (A, "8000", "8000", "1000", "8200", "8200"),
        (B, "30000", "30000", "5000", "31000", "31000"),
        (C, None, None, None, "5000", "5000"),
        (D_, "6000", "6000", "900", "1000", "1000"),
    ],
    FEB20: [
        (A, "8000", "16000", "1000", "8200", "16400"),
        (D_, "4000", "10000", "700", "1000", "2000"),
    ],
    MAR20: [
        (A, "8000", "24000", "1000", "8200", "24600"),
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
                register_row(uscc, name, park, industry, status)
                for uscc, name, park, industry, status in rows
            ],
        )

    def tax_rows(rows: list[tuple]) -> list[dict]:
        return [
            {
                "uscc": uscc,
                "vat_yuan": D(total),
                "corporate_income_tax_yuan": D("0"),
                "other_taxes_yuan": D("0"),
                "total_tax_yuan": D(total),
            }
            for uscc, total in rows
        ]

    for period, rows in TAX.items():
        insert_raw(con, "raw.tax", period, tax_rows(rows), revision=2 if period == DEC19 else 1)
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


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("dbt")
    path = tmp / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    try:
        _load_raw(con)
    finally:
        con.close()

    dbt_build(path, tmp)
    return path


def _by_key(rows: list[dict], *key: str) -> dict:
    return {tuple(r[k] for k in key) if len(key) > 1 else r[key[0]]: r for r in rows}


# ------------------------------------------------------------------------- fct_enterprise_year

# Worked out by hand from the raw rows above.
# (uscc, year): park, industry, is_industrial, status, months_reported,
#   annual_output, annual_revenue, annual_value_added, annual_tax, avg_headcount,
#   tier basis, is_above_scale, output tier, tax tier, staff tier
# fmt: off
EXPECTED_YEAR = {
    # A 2019: December YTD 100,000 (not the 19,000 the two loaded months sum to) -> T1;
    #   tax 4,000,000.50 + 5,999,999.50 = 10,000,000.00 -> T3; headcount (100+100)/2 = 100 -> T3.
    (A, 2019): ("JKQ", "1512", True, "存续", 2, D("100000"), D("105500"), D("4500"),
                D("10000000.00"), D("100.00"), D("100000"), True, "T1", "T3", "T3"),
    # A 2020 (no December yet): sum of months 3 x 8,000 = 24,000 -> T3; staff (120+130+140)/3.
    (A, 2020): ("JKQ", "1512", True, "存续", 3, D("24000"), D("24600"), D("3000"),
                D("1000000.00"), D("130.00"), D("24000"), True, "T3", None, "T3"),
    # B 2019: moved 堆龙 -> 曲水 in December: counts for QS. YTD 99,999.99 -> T2;
    #   tax 99,999,999.99 -> T2; headcount (999+1000)/2 = 999.5 -> T2.
    (B, 2019): ("QS", "3011", True, "存续", 2, D("99999.99"), D("110000"), D("20000"),
                D("99999999.99"), D("999.50"), D("99999.99"), True, "T2", "T2", "T2"),
    (B, 2020): ("QS", "3011", True, "存续", 3, D("30000"), D("31000"), D("5000"),
                None, D("1000.00"), D("30000"), True, "T3", None, "T1"),
    # C: retail, tiered on revenue: December YTD 50,000 -> T2; not above scale (not industrial);
    #   tax 60,000,000 + 40,000,000 = 100,000,000 -> T1; headcount 1,000 -> T1.
    (C, 2019): ("LWXQ", "5211", False, "在业", 2, None, D("50000"), None,
                D("100000000.00"), D("1000.00"), D("50000"), False, "T2", "T1", "T1"),
    (C, 2020): ("LWXQ", "5211", False, "在业", 3, None, D("5000"), None,
                D("3000000.00"), D("1000.00"), D("5000"), False, None, None, "T1"),
    # D 2019: November only, no December: sum of the months present = 5,000 (not the YTD 45,000).
    (D_, 2019): ("DZ", "4411", True, "存续", 2, D("5000"), D("500"), D("800"),
                 None, None, D("5000"), False, None, None, None),
    # D 2020: 注销 in February: park DZ, status 注销; 6,000 + 4,000 = 10,000 -> T3 exactly;
    #   revenue 2,000 -> above scale exactly.
    (D_, 2020): ("DZ", "4411", True, "注销", 2, D("10000"), D("2000"), D("1600"),
                 None, None, D("10000"), True, "T3", None, None),
    # E: never registered: kept, park and industry null, tier on nothing.
    (E, 2020): (None, None, None, None, 0, None, None, None,
                D("3000000.00"), None, None, False, None, None, None),
    # F: 9,999.99万 output and 1,999.99万 revenue: just below T3 and above scale.
    (F, 2019): ("JKQ", "1391", True, "存续", 1, D("9999.99"), D("1999.99"), D("1500"),
                None, None, D("9999.99"), False, None, None, None),
    (F, 2020): ("JKQ", "1391", True, "存续", 3, None, None, None,
                None, None, None, False, None, None, None),
    (G, 2019): ("CG", "7212", False, "存续", 1, None, None, None,
                None, None, None, False, None, None, None),
    (G, 2020): ("CG", "7212", False, "存续", 3, None, None, None,
                None, None, None, False, None, None, None),
}
# fmt: on
YEAR_COLUMNS = (
    "park_code",
    "industry_code",
    "is_industrial",
    "status",
    "months_reported",
    "annual_output_10k",
    "annual_revenue_10k",
    "annual_value_added_10k",
    "annual_tax_yuan",
    "avg_headcount",
    "tier_output_basis_10k",
    "is_above_scale",
    "output_tier",
    "tax_tier",
    "staff_tier",
)


def test_enterprise_year_rows(warehouse: Path) -> None:
    rows = _by_key(query_rows(warehouse, "select * from marts.fct_enterprise_year"), "uscc", "year")
    assert set(rows) == set(EXPECTED_YEAR)
    for key, expected in EXPECTED_YEAR.items():
        actual = tuple(rows[key][c] for c in YEAR_COLUMNS)
        assert actual == expected, (key, dict(zip(YEAR_COLUMNS, actual, strict=True)))


def test_enterprise_year_labels_and_coverage(warehouse: Path) -> None:
    rows = _by_key(query_rows(warehouse, "select * from marts.fct_enterprise_year"), "uscc", "year")
    assert rows[(A, 2019)]["output_tier_label"] == "龙头企业"
    assert rows[(B, 2019)]["output_tier_label"] == "骨干企业"
    assert rows[(A, 2020)]["output_tier_label"] == "重点企业"
    assert rows[(C, 2019)]["tax_tier_label"] == "税收超1亿元企业"
    assert rows[(C, 2019)]["tier_output_measure"] == "revenue"
    assert rows[(A, 2019)]["tier_output_measure"] == "gross_output"
    assert rows[(B, 2019)]["staff_tier_label"] == "就业超500人企业"
    assert rows[(D_, 2020)]["last_registered_period"] == FEB20
    # 2019: December of all four extracts loaded; 2020 is year-to-date as of March.
    for (_, year), row in rows.items():
        assert row["as_of_period"] == (DEC19 if year == 2019 else MAR20)
        assert row["is_final"] is (year == 2019)


# ------------------------------------------------------------------------- park_year_summary

# (park, year): enterprises, above scale, output T1/T2/T3 in band, output T1/T2/T3 at or above,
#   tax T1/T2/T3 in band, staff T1/T2/T3 in band, total output, revenue, tax, avg headcount sum
# fmt: off
EXPECTED_PARK = {
    ("JKQ", 2019): (2, 1, (1, 0, 0), (1, 1, 1), (0, 0, 1), (0, 0, 1),
                    D("109999.99"), D("107499.99"), D("10000000.00"), D("100.00")),
    ("QS", 2019): (1, 1, (0, 1, 0), (0, 1, 1), (0, 1, 0), (0, 1, 0),
                   D("99999.99"), D("110000"), D("99999999.99"), D("999.50")),
    ("DL", 2019): (0, 0, (0, 0, 0), (0, 0, 0), (0, 0, 0), (0, 0, 0),
                   D("0"), D("0"), D("0"), D("0")),
    ("LWXQ", 2019): (1, 0, (0, 1, 0), (0, 1, 1), (1, 0, 0), (1, 0, 0),
                     D("0"), D("50000"), D("100000000.00"), D("1000.00")),
    ("DZ", 2019): (1, 0, (0, 0, 0), (0, 0, 0), (0, 0, 0), (0, 0, 0),
                   D("5000"), D("500"), D("0"), D("0")),
    ("CG", 2019): (1, 0, (0, 0, 0), (0, 0, 0), (0, 0, 0), (0, 0, 0),
                   D("0"), D("0"), D("0"), D("0")),
    ("JKQ", 2020): (2, 1, (0, 0, 1), (0, 0, 1), (0, 0, 0), (0, 0, 1),
                    D("24000"), D("24600"), D("1000000.00"), D("130.00")),
    ("QS", 2020): (1, 1, (0, 0, 1), (0, 0, 1), (0, 0, 0), (1, 0, 0),
                   D("30000"), D("31000"), D("0"), D("1000.00")),
    ("LWXQ", 2020): (1, 0, (0, 0, 0), (0, 0, 0), (0, 0, 0), (1, 0, 0),
                     D("0"), D("5000"), D("3000000.00"), D("1000.00")),
    ("DZ", 2020): (1, 1, (0, 0, 1), (0, 0, 1), (0, 0, 0), (0, 0, 0),
                   D("10000"), D("2000"), D("0"), D("0")),
    ("CG", 2020): (1, 0, (0, 0, 0), (0, 0, 0), (0, 0, 0), (0, 0, 0),
                   D("0"), D("0"), D("0"), D("0")),
}
# fmt: on


def _park_tuple(r: dict) -> tuple:
    return (
        r["enterprise_count"],
        r["above_scale_count"],
        (r["output_t1_count"], r["output_t2_count"], r["output_t3_count"]),
        (
            r["output_t1_or_above_count"],
            r["output_t2_or_above_count"],
            r["output_t3_or_above_count"],
        ),
        (r["tax_t1_count"], r["tax_t2_count"], r["tax_t3_count"]),
        (r["staff_t1_count"], r["staff_t2_count"], r["staff_t3_count"]),
        r["total_output_10k"],
        r["total_revenue_10k"],
        r["total_tax_yuan"],
        r["total_avg_headcount"],
    )


def test_park_year_summary(warehouse: Path) -> None:
    rows = _by_key(
        query_rows(warehouse, "select * from marts.park_year_summary"), "park_code", "year"
    )
    # Every park of the plan (12) for every year (2), zero-filled.
    assert len(rows) == 24
    for key, expected in EXPECTED_PARK.items():
        assert _park_tuple(rows[key]) == expected, (key, rows[key])
    untouched = [r for k, r in rows.items() if k not in EXPECTED_PARK]
    assert all(r["enterprise_count"] == 0 for r in untouched)
    assert rows[("QS", 2019)]["park_name"] == "曲水工业园"
    assert rows[("LWXQ", 2019)]["tax_t3_or_above_count"] == 1
    assert rows[("JKQ", 2019)]["is_final"] is True
    assert rows[("JKQ", 2020)]["as_of_period"] == MAR20
    # E (never registered) is in no park: enterprise counts add up to the enterprise-years
    # with a park.
    assert sum(r["enterprise_count"] for k, r in rows.items() if k[1] == 2020) == 6


# --------------------------------------------------------------- dim_enterprise, monthly fact


def test_dim_enterprise_versions(warehouse: Path) -> None:
    rows = query_rows(
        warehouse,
        "select uscc, version_number, valid_from, valid_to, park_code, status, is_current,"
        " is_last_version from marts.dim_enterprise order by uscc, valid_from",
    )
    versions: dict[str, list[tuple]] = {}
    for r in rows:
        versions.setdefault(r["uscc"], []).append(
            (
                r["version_number"],
                r["valid_from"],
                r["valid_to"],
                r["park_code"],
                r["status"],
                r["is_current"],
                r["is_last_version"],
            )
        )
    assert E not in versions  # never registered
    assert versions[A] == [(1, NOV19, MAR20, "JKQ", "存续", True, True)]
    assert versions[B] == [
        (1, NOV19, NOV19, "DL", "存续", False, False),
        (2, DEC19, MAR20, "QS", "存续", True, True),
    ]
    assert versions[D_] == [
        (1, NOV19, JAN20, "DZ", "存续", False, False),
        (2, FEB20, FEB20, "DZ", "注销", False, True),
    ]
    # Absent in December 2019 with the same attributes before and after: two versions.
    assert versions[G] == [
        (1, NOV19, NOV19, "CG", "存续", False, False),
        (2, JAN20, MAR20, "CG", "存续", True, True),
    ]


def test_dim_enterprise_class_names(warehouse: Path) -> None:
    rows = query_rows(
        warehouse, "select distinct uscc, industry_class_name from marts.dim_enterprise"
    )
    # The GB/T 4754-2017 names of the classes registered above.
    assert {r["uscc"]: r["industry_class_name"] for r in rows} == {
        A: "白酒制造",
        B: "水泥制造",
        C: "百货零售",
        D_: "火力发电",
        F: "淀粉及淀粉制品制造",
        G: "投资与资产管理",
    }


def test_enterprise_month(warehouse: Path) -> None:
    rows = _by_key(
        query_rows(warehouse, "select * from marts.fct_enterprise_month"), "uscc", "period"
    )
    assert len(rows) == 30  # A 5, B 5, C 5, D 4, E 3, F 4, G 4
    assert rows[(B, NOV19)]["park_code"] == "DL"
    assert rows[(B, DEC19)]["park_code"] == "QS"
    e = rows[(E, JAN20)]
    assert (e["is_registered"], e["has_tax"], e["park_code"]) == (False, True, None)
    assert rows[(A, DEC19)]["total_tax_yuan"] == D("5999999.50")  # tax_201912_v2's figure
    assert (G, DEC19) not in rows  # G is in no extract in December 2019
    d = rows[(D_, FEB20)]
    assert (d["status"], d["gross_output_ytd_10k"], d["has_employment"]) == (
        "注销",
        D("10000"),
        False,
    )


def test_a_null_in_a_tested_column_fails_naming_the_column(warehouse: Path, tmp_path: Path) -> None:
    """The not_null columns of a table are tested in one query (not_null_columns): a null in any
    of them still fails the test, and each failing row names its null columns."""
    broken = tmp_path / "warehouse.duckdb"
    shutil.copyfile(warehouse, broken)
    with duckdb.connect(str(broken)) as con:
        keys = [
            k
            for (k,) in con.execute(
                "select enterprise_version_key from marts.dim_enterprise order by 1 limit 2"
            ).fetchall()
        ]
        con.execute(
            "update marts.dim_enterprise set valid_to = null where enterprise_version_key = ?",
            [keys[0]],
        )
        con.execute(
            "update marts.dim_enterprise set uscc = null, valid_from = null"
            " where enterprise_version_key = ?",
            [keys[1]],
        )
    result = dbt_command(
        "test",
        broken,
        tmp_path,
        "--select",
        "test_name:not_null_columns,dim_enterprise",
        "--store-failures",
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output[-8000:]
    assert "Got 2 results, configured to fail if != 0" in output, output[-8000:]
    [stored] = query_rows(
        broken,
        "select schema_name, table_name from duckdb_tables()"
        " where schema_name like '%dbt_test__audit'",  # the failing rows of the test run
    )
    failed = query_rows(
        broken,
        "select enterprise_version_key, null_columns"
        f' from "{stored["schema_name"]}"."{stored["table_name"]}"',
    )
    assert {r["enterprise_version_key"]: r["null_columns"] for r in failed} == {
        keys[0]: "valid_to",
        keys[1]: "uscc, valid_from",
    }


def _failing_rows(
    warehouse: Path, tmp_path: Path, replace_sql: str, selection: str, failures: int, columns: str
) -> list[dict]:
    """The stored failing rows of the data test `selection` on a copy of the warehouse where
    `replace_sql` rewrote a table; the test must fail the command with `failures` results."""
    broken = tmp_path / "warehouse.duckdb"
    shutil.copyfile(warehouse, broken)
    with duckdb.connect(str(broken)) as con:
        con.execute(replace_sql)
    result = dbt_command("test", broken, tmp_path, "--select", selection, "--store-failures")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output[-8000:]
    assert f"Got {failures} result" in output, output[-8000:]
    [stored] = query_rows(
        broken,
        "select schema_name, table_name from duckdb_tables()"
        " where schema_name like '%dbt_test__audit'",  # the failing rows of the test run
    )
    return query_rows(
        broken, f'select {columns} from "{stored["schema_name"]}"."{stored["table_name"]}"'
    )


def test_a_row_failing_an_expression_fails_naming_the_expressions(
    warehouse: Path, tmp_path: Path
) -> None:
    """A table's expressions are tested in one query (expressions_are_true): a row for which any
    of them is false or null fails, and names the expressions it fails, as written."""
    failed = _failing_rows(
        warehouse,
        tmp_path,
        # the columns land_idle_parcels' four expressions read, one passing row and two failing
        "create or replace table marts.land_idle_parcels as select * from (values"
        " (1, 5, 0.0, true, false),"
        " (2, 0, 1.0, false, true),"  # not idle for 0 days, owes a fee, to be reclaimed
        " (3, null, -1.0, true, false)"  # idle for unknown days, a negative fee
        ") as t(parcel, days_idle, fee_due_10k, is_idle, is_reclaim_candidate)",
        "test_name:expressions_are_true,land_idle_parcels",
        2,
        "parcel, failed_expressions",
    )
    assert {r["parcel"]: r["failed_expressions"] for r in failed} == {
        2: "days_idle > 0; is_idle or fee_due_10k = 0; not is_reclaim_candidate or is_idle",
        3: "days_idle > 0; fee_due_10k >= 0",
    }


def test_a_value_not_accepted_fails_naming_the_column_and_value(
    warehouse: Path, tmp_path: Path
) -> None:
    """A table's accepted values are tested in one query (accepted_values_columns): a value
    outside its column's list fails, once per column and value, with the rows holding it; a
    null passes, as in dbt's accepted_values."""
    failed = _failing_rows(
        warehouse,
        tmp_path,
        "create or replace table marts.target_attainment as select * from (values"
        " ('2018', '已达成', 'at_or_above'),"
        " ('2021', '已达成', null),"
        " ('2018-2020', '达成', 'nested'),"
        " ('2021', null, 'nested'),"
        " (null, null, null)"
        ") as t(target_window, attainment_status, band_counting)",
        "test_name:accepted_values_columns,target_attainment",
        3,
        "column_name, value_field, n_records",
    )
    assert {(r["column_name"], r["value_field"]): r["n_records"] for r in failed} == {
        ("target_window", "2021"): 2,
        ("attainment_status", "达成"): 1,
        ("band_counting", "nested"): 2,
    }


def test_a_value_missing_from_its_relation_fails_naming_the_column_and_value(
    warehouse: Path, tmp_path: Path
) -> None:
    """A table's references are tested in one query (relationships_columns): a value missing
    from its column's relation fails, once per row; a null passes, as in dbt's relationships,
    and so does a row outside a column's `where` (the city's targets have no park)."""
    [metric] = query_rows(warehouse, "select min(metric) as m from reference.metric_catalog")
    failed = _failing_rows(
        warehouse,
        tmp_path,
        "create or replace table marts.target_attainment as select * from (values"
        f" (1, 'CITY', '{metric['m']}', null),"
        " (2, 'ZZ', 'no_such_metric', null),"
        f" (3, 'ZZ', '{metric['m']}', 'no_such_scope'),"
        " (4, null, null, null)"
        ") as t(target, park_code, metric, enterprise_scope)",
        "test_name:relationships_columns,target_attainment",
        4,
        "column_name, value_field",
    )
    assert sorted((r["column_name"], r["value_field"]) for r in failed) == [
        ("enterprise_scope", "no_such_scope"),
        ("metric", "no_such_metric"),
        ("park_code", "ZZ"),
        ("park_code", "ZZ"),
    ]


def test_a_view_built_again_is_a_view_with_its_comments(warehouse: Path, tmp_path: Path) -> None:
    """A view is replaced in one statement (macros/materializations/view.sql): built again over
    itself, it is still a view with the comments of its .yml (persist_docs), and a model that
    was a table under its name becomes the view."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(warehouse, copy)
    with duckdb.connect(str(copy)) as con:  # a table where a view was: dropped for the view
        con.execute("drop view intermediate.int_registration_classified")
        con.execute("create table intermediate.int_registration_classified (uscc varchar)")
    dbt_build(copy, tmp_path, "--select", "stg_raw__land", "int_registration_classified")
    schema = yaml.safe_load((ROOT / "dbt_project/models/staging/_staging.yml").read_text("utf-8"))
    [land] = [m for m in schema["models"] if m["name"] == "stg_raw__land"]
    written = {c["name"]: c["description"] for c in land["columns"] if "{{" not in c["description"]}
    [view] = query_rows(
        copy, "select comment from duckdb_views() where view_name = 'stg_raw__land'"
    )
    assert view["comment"] == land["description"]
    columns = query_rows(
        copy,
        "select column_name, comment from duckdb_columns() where table_name = 'stg_raw__land'",
    )
    assert len(columns) == len(land["columns"])
    assert all(c["comment"] for c in columns), columns
    assert {c["column_name"]: c["comment"] for c in columns if c["column_name"] in written} == (
        written
    )
    assert query_rows(
        copy,
        "select table_type from information_schema.tables"
        " where table_name in ('int_registration_classified', 'stg_raw__land')"
        " or table_name like '%dbt_backup' or table_name like '%dbt_tmp'",
    ) == [{"table_type": "VIEW"}, {"table_type": "VIEW"}]
