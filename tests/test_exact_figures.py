"""Figures are exact until they are shown; counts are integers; one type for months.

A small warehouse (three months of 2020, six enterprises in four parks) where adding averages
that were rounded first gives another figure than the exact one: three enterprises of 经开区 each
average 301/3 people (100.33 rounded, 300.99 for the park, against exactly 301), and three other
parks each hold one enterprise of 4/3 people (1.333333 each: the city's 305 is not the sum of the
parks' rounded figures). The expected values are worked out here with fractions from the raw
rows, and rounded once, as the warehouse stores them (half up, at the column's scale).
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP
from decimal import Decimal as D
from fractions import Fraction
from pathlib import Path

import duckdb
import pytest
from warehouse_helpers import dbt_build, insert_raw, query_rows, register_row

ROOT = Path(__file__).resolve().parents[1]
DDL = ROOT / "pipelines" / "warehouse_ddl.sql"

# Valid USCCs (GB 32100-2015 check characters included).
A = "91540091MA6T1A015B"
B = "91540091MA6T1B018U"
C = "91540195MA6T1C0109"
D_ = "91540127MA6T1D013A"
F = "91540124MA6T1F0190"
G = "91540102MA6T1G011J"

MONTHS = [date(2020, 1, 1), date(2020, 2, 1), date(2020, 3, 1)]
# uscc: (park, industry, headcount of each month)
ENTERPRISES = {
    A: ("JKQ", "1512", [100, 100, 101]),
    B: ("JKQ", "3011", [100, 100, 101]),
    C: ("JKQ", "1391", [100, 100, 101]),
    D_: ("QS", "4411", [2, 1, 1]),
    F: ("DL", "1512", [2, 1, 1]),
    G: ("CG", "3011", [2, 1, 1]),
}
# gross industrial output of January (万元, 6 decimals): in 亿元 they need 10 decimals
OUTPUT_JAN = {A: D("1.234567"), D_: D("2.345678")}


def _load_raw(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL.read_text(encoding="utf-8"))
    for i, period in enumerate(MONTHS):
        insert_raw(
            con,
            "raw.registration",
            period,
            [
                register_row(uscc, f"企业{uscc[-4:]}", park, industry)
                for uscc, (park, industry, _) in ENTERPRISES.items()
            ],
        )
        insert_raw(
            con,
            "raw.employment",
            period,
            [
                {"uscc": uscc, "insured_headcount": headcounts[i]}
                for uscc, (_, _, headcounts) in ENTERPRISES.items()
            ],
        )
    insert_raw(
        con,
        "raw.output",
        MONTHS[0],
        [
            {
                "uscc": uscc,
                "gross_output_month_10k": amount,
                "gross_output_ytd_10k": amount,
                "value_added_month_10k": D("0"),
                "revenue_month_10k": amount,
                "revenue_ytd_10k": amount,
            }
            for uscc, amount in OUTPUT_JAN.items()
        ],
    )


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("exact")
    path = tmp / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        _load_raw(con)
    dbt_build(path, tmp)
    return path


def _rounded(value: Fraction, places: int) -> D:
    """A fraction rounded half up, once, to `places` decimals."""
    return (D(value.numerator) / D(value.denominator)).quantize(
        D(1).scaleb(-places), rounding=ROUND_HALF_UP
    )


def _means() -> dict[str, Fraction]:
    return {u: Fraction(sum(h), len(h)) for u, (_, _, h) in ENTERPRISES.items()}


def _park_employment() -> dict[str, Fraction]:
    parks: dict[str, Fraction] = {}
    for uscc, mean in _means().items():
        park = ENTERPRISES[uscc][0]
        parks[park] = parks.get(park, Fraction(0)) + mean
    return parks


def test_average_headcounts_add_up_exactly(warehouse: Path) -> None:
    years = query_rows(
        warehouse, "select uscc, avg_headcount from marts.fct_enterprise_year where year = 2020"
    )
    assert {r["uscc"]: r["avg_headcount"] for r in years} == {
        u: _rounded(m, 6) for u, m in _means().items()
    }

    parks = _park_employment()
    assert parks["JKQ"] == 301  # and 300.99 from averages rounded to 2 decimals first
    summary = query_rows(
        warehouse,
        "select park_code, total_avg_headcount from marts.park_year_summary "
        "where year = 2020 and total_avg_headcount <> 0",
    )
    assert {r["park_code"]: r["total_avg_headcount"] for r in summary} == {
        p: _rounded(v, 6) for p, v in parks.items()
    }

    city = sum(parks.values())
    assert city == 305 and sum(_rounded(v, 6) for v in parks.values()) != 305
    actuals = query_rows(
        warehouse,
        "select park_code, actual from intermediate.int_attainment_actuals "
        "where year = 2020 and metric = 'employment' and actual <> 0 "
        "and enterprise_scope = 'all'",  # every enterprise's headcount
    )
    assert {r["park_code"]: r["actual"] for r in actuals} == {
        **{p: _rounded(v, 6) for p, v in parks.items()},
        "CITY": _rounded(city, 6),
    }
    attainment = query_rows(
        warehouse,
        "select park_code, actual from marts.target_attainment "
        "where year = 2020 and metric = 'employment' and park_code in ('CITY', 'JKQ', 'QS')",
    )
    assert {r["park_code"]: r["actual"] for r in attainment} == {
        "CITY": D(305),
        "JKQ": D(301),
        "QS": _rounded(parks["QS"], 6),
    }


def test_amounts_converted_to_100m_yuan_keep_every_digit(warehouse: Path) -> None:
    """万元 at 6 decimals are 亿元 at 10: the city's industrial output adds the parks' exactly."""
    by_park = {ENTERPRISES[u][0]: a * D("0.0001") for u, a in OUTPUT_JAN.items()}
    rows = query_rows(
        warehouse,
        "select park_code, actual from intermediate.int_attainment_actuals "
        "where year = 2020 and metric = 'industrial_output' and actual <> 0 "
        "and enterprise_scope = 'industrial'",  # the scope of the city's target
    )
    assert {r["park_code"]: r["actual"] for r in rows} == {
        **by_park,
        "CITY": sum(by_park.values()),
    }


INTEGER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT"}


def _columns(path: Path, where: str) -> list[dict]:
    return query_rows(
        path,
        "select schema_name, table_name, column_name, data_type from duckdb_columns() "
        f"where database_name = current_database() and ({where}) order by all",
    )


def test_counts_are_integers(warehouse: Path) -> None:
    counts = _columns(
        warehouse,
        "schema_name = 'marts' and (column_name like '%\\_count' escape '\\' "
        "or column_name like 'months\\_%' escape '\\' "
        "or column_name in ('enterprises', 'headcount_months', 'parks_with_target'))",
    )
    assert len(counts) > 20
    assert [c for c in counts if c["data_type"] not in INTEGER_TYPES] == []
    # the actual of a metric that counts (unit 个 or 家) is also an integer column
    rows = query_rows(
        warehouse,
        "select unit, actual, actual_count from marts.target_attainment where actual is not null",
    )
    # (no projects register here: the 个 metrics have no actual)
    assert {r["unit"] for r in rows if r["actual_count"] is not None} == {"家"}
    assert all(r["actual_count"] == r["actual"] for r in rows if r["unit"] in ("个", "家")) and all(
        r["actual_count"] is None for r in rows if r["unit"] not in ("个", "家")
    )
    (actual_count,) = _columns(
        warehouse, "table_name = 'target_attainment' and column_name = 'actual_count'"
    )
    assert actual_count["data_type"] in INTEGER_TYPES


def test_one_type_for_months_in_every_table(warehouse: Path) -> None:
    """A month is a first-of-month DATE named period (or <role>_period) in every schema; year
    and month are integers; a table that has a month of the year has its period too."""
    months = _columns(
        warehouse,
        "column_name = 'period' or column_name like '%\\_period' escape '\\' "
        "or column_name in ('valid_from', 'valid_to')",
    )
    schemas = {c["schema_name"] for c in months}
    assert {"raw", "meta", "staging", "intermediate", "marts"} <= schemas
    assert [c for c in months if c["data_type"] != "DATE"] == []
    numbers = _columns(warehouse, "column_name in ('year', 'month')")
    assert [c for c in numbers if c["data_type"] != "INTEGER"] == []
    with_period = {(c["schema_name"], c["table_name"]) for c in months}
    with_month = {
        (c["schema_name"], c["table_name"]) for c in numbers if c["column_name"] == "month"
    }
    assert with_month - with_period == set()
    # no month as text anywhere
    text_months = _columns(
        warehouse,
        "data_type = 'VARCHAR' and (column_name like '%period%' or column_name like '%month%')",
    )
    assert text_months == []
    # so the same filter works everywhere
    for table in ("marts.target_attainment", "marts.milestones"):
        (row,) = query_rows(
            warehouse, f"select count(*) as n from {table} where as_of_period = date '2020-03-01'"
        )
        assert row["n"] > 0, table
    (row,) = query_rows(
        warehouse, "select count(*) as n from marts.park_tier_months where period = '2020-03-01'"
    )
    assert row["n"] > 0
