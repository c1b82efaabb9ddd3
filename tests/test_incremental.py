"""Incremental builds: a load recomputes the months (and years) it touched, and nothing else.

Generated files (2019-01 .. 2020-03) go through the real loader into a DuckDB file, and the real
dbt project builds the monthly and yearly facts and the park summary. Then:
  * a revision of an old month (tax 2019-03 while 2020-03 is current) raises one enterprise's
    VAT by 12,345,678.90 元: only March 2019 of fct_enterprise_month and only 2019 of
    fct_enterprise_year are rebuilt (the other rows are untouched, byte for byte), and the
    enterprise's annual tax grows by exactly that amount;
  * a revision of an old register month (2019-06) that moves one enterprise to another park
    and drops another splits their validity periods, removes the versions of an enterprise
    registered that month only, and recomputes the periods of the enterprises the revision
    changed only (and of one enterprise of the month that carries the revision's load time);
  * a register month revised twice between two builds, and one sent again unchanged (rows in
    another order): the periods of the enterprises the revisions changed are recomputed, no
    other row is rewritten, and the next build finds nothing to do;
  * one more month (2020-04, one enterprise renamed, one gone) adds its rows and rebuilds 2020
    only (the monthly tier counts: April only); the periods of its enterprises extend or follow
    their last version;
  * two more register months at once (2020-05 and 2020-06, a catch-up) continue or follow the
    last versions the same way;
  * a revision of June 2020 loaded with July 2020: the enterprise it changed is recomputed, the
    others' July rows continue or follow their last versions;
  * a register month back-filled (2018-12, before every month built): the enterprises in it are
    recomputed, the others are not;
  * the tables built on the facts follow the same keys: the park summary and the attainment
    actuals by year (per source), the month-on-month movement by kind and month (and the month
    after), the rule summary by file, the cross-extract findings by month and, for their
    wording, by the enterprises whose register history changed; the enterprise dimension
    (rebuilt whole) follows the periods;
  * a full refresh of the same raw data gives exactly the incremental result.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from warehouse_helpers import query_rows

from pipelines.generate import generate
from pipelines.ingest.landing import scan
from pipelines.ingest.load import ensure_tables, load_month
from schemas.uscc import complete_uscc

ROOT = Path(__file__).resolve().parents[1]
DBT = Path(sys.executable).parent / "dbt"
KINDS = ["registration", "tax", "employment", "output"]
MONTH_FACT = "select * from marts.fct_enterprise_month order by uscc, period"
MONTH_FACT_CONTENT = "select * exclude (_built_at) from marts.fct_enterprise_month order by all"
YEAR_FACT = "select * from marts.fct_enterprise_year order by uscc, year"
YEAR_FACT_CONTENT = "select * exclude (_built_at) from marts.fct_enterprise_year order by all"
RAISE = Decimal("12345678.90")
UNREGISTERED = complete_uscc("91540100MA6XY812")
FIXED = complete_uscc("91540100MA6XY813")  # a payer in no register, removed by the revision
ONCE = complete_uscc("91540100MA6XY814")  # in the June 2019 register only, removed by its revision
FINDINGS = "select * from marts.dq_cross_extract order by all"
PERIODS = "select * from intermediate.int_enterprise_periods_derived order by uscc, valid_from"
PERIODS_CONTENT = (
    "select * exclude (_source_loaded_at) from intermediate.int_enterprise_periods_derived "
    "order by uscc, valid_from"
)
VERSIONS = "select * from marts.dim_enterprise order by uscc, valid_from"
VERSIONS_CONTENT = (
    "select * exclude (_source_loaded_at) from marts.dim_enterprise order by uscc, valid_from"
)
TIERS = "select * from marts.park_tier_months order by park_code, year, month, metric"
SUMMARY = "select * from marts.park_year_summary order by park_code, year"
ACTUALS = (
    "select * from intermediate.int_attainment_actuals "
    "order by park_code, year, metric, enterprise_scope"
)
ATTAINMENT = "select * from marts.target_attainment order by park_code, year, metric"
MOVEMENT = "select * from marts.dq_month_movement order by kind, period, measure"
RULES = "select * from marts.dq_rule_summary order by kind, period, rule_id"
MILESTONES = "select * from marts.milestones order by milestone_id"
# the compiled periods model's filter on the revisions it takes in, followed by the months
REVISED = "where kind = 'registration' and "
STATE = "select * from meta.incremental_state order by model, kind"


def load(
    warehouse: Path, landing: Path, archive: Path, months: list[dt.date], kinds: list[str] = KINDS
) -> None:
    with duckdb.connect(str(warehouse)) as con:
        ensure_tables(con)
        found = scan(landing)
        for kind in kinds:
            for period in months:
                outcome = load_month(con, found, kind, period, archive)
                assert outcome.status in ("loaded", "unchanged"), outcome.summary()


def run_dbt(warehouse: Path, tmp: Path, target: Path, *args: str) -> subprocess.CompletedProcess:
    """dbt with `args` on `warehouse`, compiled SQL under `target`."""
    return subprocess.run(
        [str(DBT), *args, "--project-dir", str(ROOT / "dbt_project"), "--profiles-dir", str(ROOT / "dbt_project"),
         "--target-path", str(target), "--log-path", str(tmp / "logs")],
        cwd=ROOT,
        env={**os.environ, "PARKS_BUILD_WAREHOUSE": str(warehouse), "DBT_USE_COLORS": "false"},
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip


def dbt_build(warehouse: Path, tmp: Path, *extra: str) -> str:
    """dbt build of the facts, the park summary, the attainment, the data-quality marts, the
    enterprise dimension and the monthly tier counts; returns the month fact's compiled SELECT."""
    target = tmp / "target"
    result = run_dbt(
        warehouse, tmp, target,
        "build", "--select", "+park_year_summary", "+dq_cross_extract", "+dim_enterprise", "+park_tier_months",
        "+target_attainment", "+dq_month_movement", "+dq_rule_summary", "+milestones", "--indirect-selection", "cautious", *extra,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    compiled = target / "compiled" / "parks" / "models" / "marts" / "fct_enterprise_month.sql"
    return compiled.read_text(encoding="utf-8")


def compiled(tmp: Path, model: str) -> str:
    """A model's SQL as the last dbt build ran it (model: its path under models/)."""
    return (tmp / "target" / "compiled" / "parks" / "models" / model).read_text(encoding="utf-8")


def compiled_periods(tmp: Path) -> str:
    return compiled(tmp, "intermediate/int_enterprise_periods_derived.sql")


def periods_to_write(warehouse: Path, tmp: Path) -> list[dict]:
    """The rows the next build of the periods model would write: its SELECT, compiled against
    the warehouse as it is now, and run."""
    target = tmp / "compile-target"
    result = run_dbt(
        warehouse, tmp, target, "compile", "--select", "int_enterprise_periods_derived"
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    sql = (
        target
        / "compiled"
        / "parks"
        / "models"
        / "intermediate"
        / "int_enterprise_periods_derived.sql"
    )
    return query_rows(warehouse, sql.read_text(encoding="utf-8"))  # fmt: skip


def months(first: dt.date, last: dt.date) -> list[dt.date]:
    out, d = [], first
    while d <= last:
        out.append(d)
        d = dt.date(d.year + d.month // 12, d.month % 12 + 1, 1)
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("incremental")
    source, landing = tmp / "source", tmp / "landing"
    generate(source, enterprises=80, start="2019-01", end="2020-04", seed=11, mess=0)
    landing.mkdir()
    for f in source.iterdir():
        if f.stem.split("_")[1] != "202004":
            shutil.copy(f, landing / f.name)
    rows = read_csv(landing / "tax_201903.csv")
    write_csv(
        landing / "tax_201903.csv", [*rows, [FIXED, rows[1][1], "7.00", "0.00", "0.00", "7.00"]]
    )
    rows = read_csv(landing / "registration_201906.csv")
    once = [ONCE, "拉萨一月即逝测试有限公司", *rows[1][2:]]
    write_csv(landing / "registration_201906.csv", [*rows, once])
    warehouse = tmp / "warehouse.duckdb"
    load(warehouse, landing, tmp / "archive", months(dt.date(2019, 1, 1), dt.date(2020, 3, 1)))
    dbt_build(warehouse, tmp)
    return tmp, source, landing, warehouse


def revise_tax(landing: Path) -> str:
    """tax_201903_v2.csv: the first enterprise's VAT and total raised by RAISE, a row of an
    enterprise that is in no register (UNREGISTERED), FIXED's row removed; returns the first
    enterprise's USCC."""
    rows = [r for r in read_csv(landing / "tax_201903.csv") if r[0] != FIXED]
    header, first = rows[0], rows[1]
    for column in ("增值税（元）", "税收合计（元）"):
        i = header.index(column)
        first[i] = str(Decimal(first[i]) + RAISE)
    rows.append([UNREGISTERED, rows[1][1], "100.00", "0.00", "0.00", "100.00"])
    write_csv(landing / "tax_201903_v2.csv", rows)
    return first[0]


def test_a_revision_of_an_old_month_rebuilds_that_month_and_year_only(built) -> None:
    tmp, _, landing, warehouse = built
    months_before = query_rows(warehouse, MONTH_FACT)
    years_before = query_rows(warehouse, YEAR_FACT)
    tiers_before = query_rows(warehouse, TIERS)
    summary_before = query_rows(warehouse, SUMMARY)
    actuals_before = query_rows(warehouse, ACTUALS)
    movement_before = query_rows(warehouse, MOVEMENT)
    rules_before = query_rows(warehouse, RULES)
    versions_before = query_rows(warehouse, VERSIONS)
    findings_before = query_rows(warehouse, FINDINGS)
    assert [r["check_id"] for r in findings_before if r["uscc"] == FIXED] == [
        "XE-TAX-NOT-REGISTERED"
    ]
    uscc = revise_tax(landing)
    load(warehouse, landing, tmp / "archive", [dt.date(2019, 3, 1)])
    sql = dbt_build(warehouse, tmp)

    # dbt read March 2019 only: the stale months are a constant filter in the SQL it ran.
    assert "date '2019-03-01'" in sql
    assert sql.count("date '") == 4  # one filter per source (register, tax, employment, output)

    months_after = query_rows(warehouse, MONTH_FACT)
    march = dt.date(2019, 3, 1)
    unchanged = [r for r in months_before if r["period"] != march]
    assert [r for r in months_after if r["period"] != march] == unchanged
    revised = {r["uscc"]: r for r in months_after if r["period"] == march}
    previous = {r["uscc"]: r for r in months_before if r["period"] == march}
    assert revised[uscc]["total_tax_yuan"] == previous[uscc]["total_tax_yuan"] + RAISE
    assert revised[uscc]["_source_loaded_at"] > previous[uscc]["_source_loaded_at"]

    # 2019 is rebuilt from its twelve months: the revised March comes before its stored months
    sql = compiled(tmp, "marts/fct_enterprise_year.sql")
    assert "where (year in (2019))" in sql and "stored as (" not in sql
    years_after = query_rows(warehouse, YEAR_FACT)
    assert [r for r in years_after if r["year"] == 2020] == [
        r for r in years_before if r["year"] == 2020
    ]
    in_2020 = lambda rows: [r for r in rows if r["year"] == 2020]  # noqa: E731
    tiers_after = query_rows(warehouse, TIERS)
    assert in_2020(tiers_after) == in_2020(tiers_before)
    # the monthly tier counts: March 2019 and the later months of 2019 (their year so far
    # includes March), recounted with the running window; January and February untouched
    sql = compiled(tmp, "marts/park_tier_months.sql")
    as_of = ", ".join(f"date '2019-{m:02}-01'" for m in range(3, 13))
    assert f"where period in ({as_of})" in sql and "over so_far" in sql
    before_march = lambda rows: [r for r in rows if (r["year"], r["month"]) < (2019, 3)]  # noqa: E731
    assert before_march(tiers_after) == before_march(tiers_before)
    assert before_march(tiers_before)
    new_2019 = {r["uscc"]: r for r in years_after if r["year"] == 2019}
    old_2019 = {r["uscc"]: r for r in years_before if r["year"] == 2019}
    assert new_2019[uscc]["annual_tax_yuan"] == old_2019[uscc]["annual_tax_yuan"] + RAISE
    assert new_2019[uscc]["tax_tier"] in ("T1", "T2", "T3")  # 12 million 元 reaches a tier

    # The month's cross-extract checks ran again: the unregistered payer is found, worded; the
    # finding the revision fixed is gone; no other month's finding is rewritten.
    findings_after = query_rows(warehouse, FINDINGS)
    found = [r for r in findings_after if r["uscc"] == UNREGISTERED]
    assert [(r["check_id"], r["period"]) for r in found] == [("XE-TAX-NOT-REGISTERED", march)]
    assert "从未出现在已装载的企业登记中" in found[0]["detail"]
    assert not [r for r in findings_after if r["uscc"] == FIXED]
    not_march = lambda rows: [r for r in rows if r["period"] != march]  # noqa: E731
    assert not_march(findings_after) == not_march(findings_before)
    assert "period in (date '2019-03-01')" in compiled(tmp, "marts/dq_cross_extract.sql")
    others = [u for u in old_2019 if u not in (uscc, UNREGISTERED, FIXED)]
    assert [new_2019[u]["annual_tax_yuan"] for u in others] == [
        old_2019[u]["annual_tax_yuan"] for u in others
    ]

    # The park summary: 2019 only, where the enterprise's park gains exactly the raise.
    assert "year in (2019)" in compiled(tmp, "marts/park_year_summary.sql")
    summary_after = query_rows(warehouse, SUMMARY)
    assert in_2020(summary_after) == in_2020(summary_before)
    park = new_2019[uscc]["park_code"]
    tax_2019 = lambda rows: next(  # noqa: E731
        r["total_tax_yuan"] for r in rows if r["park_code"] == park and r["year"] == 2019
    )
    assert tax_2019(summary_after) == tax_2019(summary_before) + RAISE

    # The attainment actuals: the enterprise years 2019 and 2020 (its growth rate compares
    # with 2019); the register's year-end stocks are not recomputed.
    sql = compiled(tmp, "intermediate/int_attainment_actuals.sql")
    assert "(source = 'enterprise_year' and year in (2019, 2020))" in sql
    assert "(source = 'registration' and false)" in sql
    not_enterprise_year = lambda rows: [r for r in rows if r["source"] != "enterprise_year"]  # noqa: E731
    actuals_after = query_rows(warehouse, ACTUALS)
    assert not_enterprise_year(actuals_after) == not_enterprise_year(actuals_before)
    assert not_enterprise_year(actuals_before), "the fixture should have register stocks"

    # Month-on-month movement: tax of March 2019 and of April (compared with March), no other.
    sql = compiled(tmp, "marts/dq_month_movement.sql")
    assert "(kind = 'tax' and period in (date '2019-03-01', date '2019-04-01'))" in sql
    assert "(kind = 'registration' and false)" in sql
    april = dt.date(2019, 4, 1)
    rebuilt = lambda r: r["kind"] == "tax" and r["period"] in (march, april)  # noqa: E731
    movement_after = query_rows(warehouse, MOVEMENT)
    assert [r for r in movement_after if not rebuilt(r)] == [
        r for r in movement_before if not rebuilt(r)
    ]
    value = lambda rows, period, measure: next(  # noqa: E731
        r["value"]
        for r in rows
        if r["kind"] == "tax" and r["period"] == period and r["measure"] == measure
    )
    # the unregistered payer's row in, FIXED's out: as many rows, 100.00 - 7.00 元 more
    assert value(movement_after, march, "row_count") == value(movement_before, march, "row_count")
    assert value(movement_after, march, "total_tax_yuan") == (
        value(movement_before, march, "total_tax_yuan") + RAISE + 100 - 7
    )
    assert [
        r["previous_value"]
        for r in movement_after
        if r["kind"] == "tax" and r["period"] == april and r["measure"] == "total_tax_yuan"
    ] == [value(movement_after, march, "total_tax_yuan")]

    # The rule summary: the revised file's month only; the register is untouched.
    is_revised = lambda r: (r["kind"], r["period"]) == ("tax", march)  # noqa: E731
    rules_after = query_rows(warehouse, RULES)
    assert [r for r in rules_after if not is_revised(r)] == [
        r for r in rules_before if not is_revised(r)
    ]
    assert {r["file_name"] for r in rules_after if is_revised(r)} == {"tax_201903_v2.csv"}
    assert query_rows(warehouse, VERSIONS) == versions_before


def read_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))


def write_csv(path: Path, rows: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def steady_enterprises(warehouse: Path) -> list[dict]:
    """Enterprises with one version over every loaded month (2019-01 .. 2020-03)."""
    return query_rows(
        warehouse,
        "select uscc, park_code from intermediate.int_enterprise_periods_derived "
        "where valid_from = date '2019-01-01' and valid_to = date '2020-03-01' order by uscc",
    )


def test_a_revised_register_month_splits_versions_of_its_enterprises_only(built) -> None:
    tmp, _, landing, warehouse = built
    steady = steady_enterprises(warehouse)
    mover, dropped = steady[0], steady[1]
    rows = read_csv(landing / "registration_201906.csv")
    header = rows[0]
    uscc_at, park_at = header.index("统一社会信用代码"), header.index("所属园区")
    parks = {r[park_at] for r in rows[1:]}
    mover_row = next(r for r in rows[1:] if r[0] == mover["uscc"])
    other_park = sorted(p for p in parks if p != mover_row[park_at])[0]
    mover_row[park_at] = other_park
    # the payer of March 2019 that was in no register appears in June's
    newcomer = [UNREGISTERED if i == uscc_at else v for i, v in enumerate(mover_row)]
    newcomer[header.index("企业名称")] = "拉萨新登记测试有限公司"
    write_csv(
        landing / "registration_201906_v2.csv",
        [r for r in rows if r[uscc_at] not in (dropped["uscc"], ONCE)] + [newcomer],
    )
    june = [r[uscc_at] for r in rows[1:]] + [UNREGISTERED]
    periods_before = query_rows(warehouse, PERIODS)
    versions_before = query_rows(warehouse, VERSIONS)
    findings_before = query_rows(warehouse, FINDINGS)

    load(warehouse, landing, tmp / "archive", [dt.date(2019, 6, 1)])
    # Each row written is a version: none stands for the enterprise the revision removed.
    written = periods_to_write(warehouse, tmp)
    assert written and all(r["version_number"] >= 1 and r["valid_from"] for r in written)
    assert ONCE not in {r["uscc"] for r in written}
    dbt_build(warehouse, tmp)
    # A month the table took in before: the enterprises the revision changed are recomputed,
    # the others of June 2019 are not.
    sql = compiled_periods(tmp)
    assert REVISED + "period in (date '2019-06-01')" in sql
    assert "between valid_from and valid_to" not in sql

    periods_after = query_rows(warehouse, PERIODS)
    d = dt.date
    spans = lambda uscc: [  # noqa: E731
        (r["version_number"], r["valid_from"], r["valid_to"], r["months_in_version"])
        for r in periods_after
        if r["uscc"] == uscc
    ]
    assert spans(mover["uscc"]) == [
        (1, d(2019, 1, 1), d(2019, 5, 1), 5),
        (2, d(2019, 6, 1), d(2019, 6, 1), 1),
        (3, d(2019, 7, 1), d(2020, 3, 1), 9),
    ]
    moved = [r["park_code"] for r in periods_after if r["uscc"] == mover["uscc"]]
    assert moved[0] == moved[2] == mover["park_code"] and moved[1] != mover["park_code"]
    assert spans(dropped["uscc"]) == [
        (1, d(2019, 1, 1), d(2019, 5, 1), 5),
        (2, d(2019, 7, 1), d(2020, 3, 1), 9),
    ]
    # An enterprise registered in June 2019 only, and removed by the revision, has no version.
    assert spans(ONCE) == [] and [r for r in periods_before if r["uscc"] == ONCE]
    # Enterprises the revision did not change, in the June register or not: their rows are not
    # rewritten (none is recomputed to carry the revision's load time: the state does).
    changed = {mover["uscc"], dropped["uscc"], ONCE, UNREGISTERED}
    untouched = lambda periods: [r for r in periods if r["uscc"] not in changed]  # noqa: E731
    assert untouched(periods_after) == untouched(periods_before)
    assert {r["uscc"] for r in untouched(periods_before)} & set(june), "June's unchanged"
    assert {r["uscc"] for r in untouched(periods_before)} - set(june), "not in June"
    # The enterprise dimension follows: the mover's three versions, the others as they were.
    versions_after = query_rows(warehouse, VERSIONS)
    assert untouched(versions_after) == untouched(versions_before)
    assert not [r for r in versions_after if r["uscc"] == ONCE]
    assert [
        (r["version_number"], r["is_current"], r["is_last_version"])
        for r in versions_after
        if r["uscc"] == mover["uscc"]
    ] == [(1, False, False), (2, False, False), (3, True, True)]

    # Findings: June's checks ran again (the dropped enterprise's rows are now unregistered,
    # worded with its last register month); March's finding of the newcomer is reworded, its
    # month's other findings and every other month's are not rewritten.
    findings_after = query_rows(warehouse, FINDINGS)
    d_june = d(2019, 6, 1)
    may = read_csv(landing / "registration_201905.csv")
    may_status = next(r for r in may if r[0] == dropped["uscc"])[may[0].index("登记状态")]
    expected = {
        (check, f"最近一次登记于 2019-05（{may_status}）")
        for kind, check in (
            ("tax", "XE-TAX-NOT-REGISTERED"),
            ("employment", "XE-EMP-NOT-REGISTERED"),
            ("output", "XE-OUT-NOT-REGISTERED"),
        )
        if dropped["uscc"] in {r[0] for r in read_csv(landing / f"{kind}_201906.csv")}
    }
    assert expected, "the dropped enterprise should report in June 2019"
    assert {
        (r["check_id"], r["detail"].split("；")[1].split(" / ")[0])
        for r in findings_after
        if r["uscc"] == dropped["uscc"]
    } == expected
    reworded = next(
        r for r in findings_after if r["uscc"] == UNREGISTERED and r["period"] != d_june
    )
    assert reworded["period"] == d(2019, 3, 1)
    assert "此前未登记，首次登记于 2019-06" in reworded["detail"]
    assert reworded["enterprise_name"] == "拉萨新登记测试有限公司"
    kept = lambda rows: [  # noqa: E731
        r for r in rows if r["period"] != d_june and r["uscc"] != UNREGISTERED
    ]
    assert kept(findings_after) == kept(findings_before)
    sql = compiled(tmp, "marts/dq_cross_extract.sql")
    # the enterprises reworded: those whose register rows were loaded since the register load
    # the model took in last (its state)
    assert "period in (date '2019-06-01')" in sql
    state = "from meta.incremental_state where model = 'dq_cross_extract' and kind = 'registration'"
    assert "_loaded_at > coalesce(" in sql and state in " ".join(sql.split())


def test_register_revisions_recompute_the_enterprises_they_changed(built) -> None:
    """August 2019 revised twice between two builds (one enterprise renamed by each revision)
    and September 2019 sent again with its rows in another order: the periods of the two renamed
    enterprises are recomputed; no other row is rewritten; the model's state records the
    revisions' load time, and the next build finds nothing to do."""
    tmp, _, landing, warehouse = built
    august, september = dt.date(2019, 8, 1), dt.date(2019, 9, 1)
    steady = [r["uscc"] for r in steady_enterprises(warehouse)]
    first, second = steady[-4], steady[-3]
    periods_before = query_rows(warehouse, PERIODS)
    rows = read_csv(landing / "registration_201908.csv")
    name_at = rows[0].index("企业名称")
    for version, uscc in (("v2", first), ("v3", second)):
        next(r for r in rows if r[0] == uscc)[name_at] += "(八月更正)"
        write_csv(landing / f"registration_201908_{version}.csv", rows)
        load(warehouse, landing, tmp / "archive", [august])
    september_rows = read_csv(landing / "registration_201909.csv")
    write_csv(landing / "registration_201909_v2.csv", september_rows[:1] + september_rows[:0:-1])
    load(warehouse, landing, tmp / "archive", [september])
    assert query_rows(
        warehouse,
        "select period, record_key, column_name from meta.revision_changes "
        "where period >= date '2019-08-01' order by replaced_at",
    ) == [
        {"period": august, "record_key": first, "column_name": "enterprise_name"},
        {"period": august, "record_key": second, "column_name": "enterprise_name"},
    ]

    dbt_build(warehouse, tmp)
    sql = compiled_periods(tmp)
    assert REVISED + "period in (date '2019-08-01', date '2019-09-01')" in sql
    assert "between valid_from and valid_to" not in sql
    periods_after = query_rows(warehouse, PERIODS)
    d = dt.date
    for uscc in (first, second):
        assert [
            (r["version_number"], r["valid_from"], r["valid_to"], r["months_in_version"],
             r["enterprise_name"].endswith("(八月更正)"))
            for r in periods_after
            if r["uscc"] == uscc
        ] == [
            (1, d(2019, 1, 1), d(2019, 7, 1), 7, False),
            (2, august, august, 1, True),
            (3, september, d(2020, 3, 1), 7, False),
        ]  # fmt: skip
    kept = lambda periods: [r for r in periods if r["uscc"] not in {first, second}]  # noqa: E731
    assert kept(periods_after) == kept(periods_before)
    loaded = query_rows(
        warehouse,
        "select max(_loaded_at) as t from raw.registration where period in (date '2019-08-01', date '2019-09-01')",
    )[0]["t"]
    assert {
        "model": "int_enterprise_periods_derived", "kind": "registration", "loaded_at": loaded
    } in query_rows(warehouse, STATE)  # fmt: skip

    dbt_build(warehouse, tmp)
    sql = compiled_periods(tmp)
    assert "where false" in sql and "affected as" not in sql
    assert query_rows(warehouse, PERIODS) == periods_after


def test_one_more_month_adds_its_rows_and_rebuilds_its_year_only(built) -> None:
    tmp, source, landing, warehouse = built
    months_before = query_rows(warehouse, MONTH_FACT)
    years_before = query_rows(warehouse, YEAR_FACT)
    periods_before = query_rows(warehouse, PERIODS)
    summary_before = query_rows(warehouse, SUMMARY)
    movement_before = query_rows(warehouse, MOVEMENT)
    tiers_before = query_rows(warehouse, TIERS)
    for f in source.glob("*_202004.csv"):
        shutil.copy(f, landing / f.name)
    # In April one steady enterprise is renamed (a new version) and another leaves the register.
    renamed, gone = (r["uscc"] for r in steady_enterprises(warehouse)[-2:])
    rows = read_csv(landing / "registration_202004.csv")
    name_at = rows[0].index("企业名称")
    next(r for r in rows if r[0] == renamed)[name_at] += "(更名)"
    write_csv(landing / "registration_202004.csv", [r for r in rows if r[0] != gone])
    # Two steady enterprises pay in April what brings their 2020 tax so far to 10,000,000.00 元
    # (the 1000万 band's bound, counted) and to 0.01 元 less (not counted); April alone is far
    # below it. Their January-March tax is summed from the files, not from the warehouse.
    (payer, park), (short, _) = (
        (r["uscc"], r["park_code"]) for r in steady_enterprises(warehouse)[2:4]
    )
    bound = Decimal("10000000.00")
    so_far = {payer: bound, short: bound - Decimal("0.01")}
    rows = read_csv(landing / "tax_202004.csv")
    vat, total = rows[0].index("增值税（元）"), rows[0].index("税收合计（元）")
    for m in ("202001", "202002", "202003"):
        for r in read_csv(landing / f"tax_{m}.csv")[1:]:
            if r[0] in so_far:
                so_far[r[0]] -= Decimal(r[total])
    paying = [r for r in rows[1:] if r[0] in so_far]
    assert len(paying) == 2 and all(so_far[r[0]] > Decimal(r[total]) for r in paying)
    for r in paying:
        r[vat] = str(Decimal(r[vat]) + so_far[r[0]] - Decimal(r[total]))
        r[total] = str(so_far[r[0]])
    write_csv(landing / "tax_202004.csv", rows)
    april = dt.date(2020, 4, 1)
    load(warehouse, landing, tmp / "archive", [april])
    partial = tmp / "partial" / "warehouse.duckdb"  # the file's name is dbt's catalog name
    partial.parent.mkdir()
    shutil.copy(warehouse, partial)
    sql = dbt_build(warehouse, tmp)
    assert sql.count("date '2020-04-01'") == 4 and sql.count("date '") == 4

    months_after = query_rows(warehouse, MONTH_FACT)
    assert [r for r in months_after if r["period"] != april] == months_before
    assert {r["uscc"] for r in months_after if r["period"] == april}
    # 2020 so far, as stored, with April folded in: April's rows are read, not January's to
    # March's (a full refresh gives the same rows: test_nothing_loaded_..._a_full_refresh_agrees)
    sql = compiled(tmp, "marts/fct_enterprise_year.sql")
    assert "where (false)" in sql and "or period in (date '2020-04-01')" in sql
    assert "stored as (" in sql and "where year in (2020)" in sql
    years_after = query_rows(warehouse, YEAR_FACT)
    assert [r for r in years_after if r["year"] == 2019] == [
        r for r in years_before if r["year"] == 2019
    ]
    assert all(r["as_of_period"] == april for r in years_after if r["year"] == 2020)
    stored = {r["uscc"]: r for r in years_before if r["year"] == 2020}
    folded = {r["uscc"]: r for r in years_after if r["year"] == 2020}
    assert folded[payer]["annual_tax_yuan"] == bound and folded[payer]["tax_tier"] == "T3"
    assert folded[short]["annual_tax_yuan"] == bound - Decimal("0.01")
    assert folded[short]["tax_tier"] is None and stored[short]["tax_tier"] is None
    assert folded[gone]["last_registered_period"] == dt.date(2020, 3, 1)  # not in April's register
    assert folded[gone]["months_reported"] == stored[gone]["months_reported"] == 3
    assert folded[renamed]["enterprise_name"].endswith("(更名)")
    assert folded[renamed]["months_reported"] == 4
    # only 2020's rows were written (what the year fact's key check reads, below)
    last_written = max(r["_built_at"] for r in years_before)
    assert {r["year"] for r in years_after if r["_built_at"] > last_written} == {2020}
    in_2019 = lambda rows: [r for r in rows if r["year"] == 2019]  # noqa: E731
    assert in_2019(query_rows(warehouse, SUMMARY)) == in_2019(summary_before)
    # The monthly tier counts: April's alone, each enterprise's year so far from the year fact
    # just folded (no running window, no other month's rows); every other month's counts stay.
    sql = compiled(tmp, "marts/park_tier_months.sql")
    assert "where period in (date '2020-04-01')" in sql and "over so_far" not in sql
    assert '"marts"."fct_enterprise_year" as years' in sql
    tiers_after = query_rows(warehouse, TIERS)
    not_april = lambda rows: [r for r in rows if (r["year"], r["month"]) != (2020, 4)]  # noqa: E731
    assert not_april(tiers_after) == tiers_before
    assert {r["month"] for r in tiers_after if r["year"] == 2020} == {1, 2, 3, 4}
    taxed = {
        (r["park_code"], r["metric"]): r["enterprises"]
        for r in tiers_after
        if (r["year"], r["month"], r["dimension"]) == (2020, 4, "tax") and r["enterprises"]
    }
    assert taxed == {(park, "tax_10m"): 1}
    # April's movement rows are added (each kind against its March); no other month is rebuilt.
    sql = compiled(tmp, "marts/dq_month_movement.sql")
    assert "(kind = 'tax' and period in (date '2020-04-01'))" in sql
    movement_after = query_rows(warehouse, MOVEMENT)
    assert [r for r in movement_after if r["period"] != april] == movement_before
    assert {r["kind"] for r in movement_after if r["period"] == april} == set(KINDS)

    # A month after the latest: April's register rows extend the last built versions.
    sql = compiled_periods(tmp)
    assert "period in (date '2020-04-01')" in sql and "affected as" not in sql
    periods_after = query_rows(warehouse, PERIODS)
    key = lambda r: (r["uscc"], r["valid_from"])  # noqa: E731
    before, after = {key(r): r for r in periods_before}, {key(r): r for r in periods_after}
    d = dt.date
    assert after[(renamed, d(2019, 1, 1))]["valid_to"] == d(2020, 3, 1)
    assert after[(renamed, april)]["enterprise_name"].endswith("(更名)")
    assert after[(renamed, april)]["version_number"] == 2
    assert after[(gone, d(2019, 1, 1))] == before[(gone, d(2019, 1, 1))]  # not rewritten
    extended = [k for k in after if k in before and after[k]["valid_to"] == april]
    assert extended and all(
        after[k]["months_in_version"] == before[k]["months_in_version"] + 1 for k in extended
    )
    current = query_rows(warehouse, "select uscc from marts.dim_enterprise where is_current")
    assert gone not in {r["uscc"] for r in current} and renamed in {r["uscc"] for r in current}

    # A run that selects the tier counts without the year fact (still at March): April's year so
    # far comes from the running window over the year's month rows instead, with the same counts.
    selected = ("--select", "fct_enterprise_month", "park_tier_months")
    result = run_dbt(partial, tmp, tmp / "target", "build", *selected)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    sql = compiled(tmp, "marts/park_tier_months.sql")
    assert "as years" not in sql and "over so_far" in sql
    assert query_rows(partial, TIERS) == tiers_after
    assert query_rows(partial, "select max(as_of_period) as p from marts.fct_enterprise_year") == [
        {"p": dt.date(2020, 3, 1)}
    ]


def test_two_more_register_months_at_once_continue_the_versions(built) -> None:
    """A catch-up: May and June 2020 loaded together (the register only) after April. The
    islands are found among the two new months and stitched to the versions built before."""
    tmp, _, landing, warehouse = built
    april, may, june = dt.date(2020, 4, 1), dt.date(2020, 5, 1), dt.date(2020, 6, 1)
    periods_before = query_rows(warehouse, PERIODS)
    last = {r["uscc"]: r for r in periods_before if r["valid_to"] == april}
    steady, absent_in_may, renamed_in_june = sorted(last)[:3]
    rows = read_csv(landing / "registration_202004.csv")
    name_at = rows[0].index("企业名称")
    write_csv(landing / "registration_202005.csv", [r for r in rows if r[0] != absent_in_may])
    june_rows = [list(r) for r in rows]
    next(r for r in june_rows if r[0] == renamed_in_june)[name_at] += "(六月更名)"
    write_csv(landing / "registration_202006.csv", june_rows)
    load(warehouse, landing, tmp / "archive", [may, june], kinds=["registration"])
    dbt_build(warehouse, tmp)
    sql = compiled_periods(tmp)
    assert "period in (date '2020-05-01', date '2020-06-01')" in sql
    sql = compiled(tmp, "marts/fct_enterprise_year.sql")
    assert "or period in (date '2020-05-01', date '2020-06-01')" in sql and "stored as (" in sql

    after = {(r["uscc"], r["valid_from"]): r for r in query_rows(warehouse, PERIODS)}
    span = lambda uscc, valid_from: (  # noqa: E731
        after[(uscc, valid_from)]["version_number"],
        after[(uscc, valid_from)]["valid_to"],
        after[(uscc, valid_from)]["months_in_version"],
    )
    n, m = last[steady]["version_number"], last[steady]["months_in_version"]
    assert span(steady, last[steady]["valid_from"]) == (n, june, m + 2)
    n, m = last[absent_in_may]["version_number"], last[absent_in_may]["months_in_version"]
    assert span(absent_in_may, last[absent_in_may]["valid_from"]) == (n, april, m)
    assert span(absent_in_may, june) == (n + 1, june, 1)
    n, m = last[renamed_in_june]["version_number"], last[renamed_in_june]["months_in_version"]
    assert span(renamed_in_june, last[renamed_in_june]["valid_from"]) == (n, may, m + 1)
    assert span(renamed_in_june, june) == (n + 1, june, 1)
    assert after[(renamed_in_june, june)]["enterprise_name"].endswith("(六月更名)")
    # versions that ended before April are kept as they were
    ended = [r for r in periods_before if r["valid_to"] < april]
    assert ended and all(after[(r["uscc"], r["valid_from"])] == r for r in ended)


def test_a_revision_loaded_with_a_new_month_recomputes_its_changes_and_appends_the_rest(
    built,
) -> None:
    """June 2020 revised (one enterprise renamed) and July 2020 loaded in the same run: the
    renamed enterprise's history is recomputed, July's rows of every other enterprise continue
    or follow its last version, and no enterprise's whole history is read for July."""
    tmp, _, landing, warehouse = built
    june, july = dt.date(2020, 6, 1), dt.date(2020, 7, 1)
    periods_before = query_rows(warehouse, PERIODS)
    last = {r["uscc"]: r for r in periods_before if r["valid_to"] == june}
    rows = read_csv(landing / "registration_202006.csv")
    name_at = rows[0].index("企业名称")
    carrier = min(r[0] for r in rows[1:])
    longer = sorted(u for u, r in last.items() if u != carrier and r["valid_from"] < june)
    renamed, steady = longer[:2]  # their last versions began before June
    write_csv(landing / "registration_202007.csv", rows)
    next(r for r in rows if r[0] == renamed)[name_at] += "(六月更正)"
    write_csv(landing / "registration_202006_v2.csv", rows)
    load(warehouse, landing, tmp / "archive", [june, july], kinds=["registration"])

    dbt_build(warehouse, tmp)
    sql = compiled_periods(tmp)
    assert REVISED + "period in (date '2020-06-01')" in sql
    assert "not period in (date '2020-07-01')" in sql and "between valid_from" not in sql
    after = query_rows(warehouse, PERIODS)
    n, m, first = (last[renamed][k] for k in ("version_number", "months_in_version", "valid_from"))
    assert [
        (r["version_number"], r["valid_from"], r["valid_to"], r["months_in_version"])
        for r in after
        if r["uscc"] == renamed and r["valid_from"] >= first
    ] == [(n, first, dt.date(2020, 5, 1), m - 1), (n + 1, june, june, 1), (n + 2, july, july, 1)]
    n, m, first = (last[steady][k] for k in ("version_number", "months_in_version", "valid_from"))
    assert [
        (r["version_number"], r["valid_from"], r["valid_to"], r["months_in_version"])
        for r in after
        if r["uscc"] == steady and r["valid_from"] >= first
    ] == [(n, first, july, m + 1)]
    # every version that ended before June 2020 is kept as it was, but the renamed enterprise's
    # and the revision's carrier's (recomputed, the same content)
    ended = lambda periods: [  # noqa: E731
        r for r in periods if r["valid_to"] < june and r["uscc"] not in (renamed, carrier)
    ]
    assert ended(after) == ended(periods_before)


def test_a_back_filled_register_month_recomputes_the_enterprises_in_it(built) -> None:
    """December 2018, loaded after every later month: the enterprises in it get their whole
    history recomputed (one renamed that month gets a version of its own before the others),
    and no other enterprise's rows are rewritten."""
    tmp, _, landing, warehouse = built
    december = dt.date(2018, 12, 1)
    periods_before = query_rows(warehouse, PERIODS)
    first = {r["uscc"]: r for r in periods_before if r["valid_from"] == dt.date(2019, 1, 1)}
    rows = read_csv(landing / "registration_201901.csv")
    name_at = rows[0].index("企业名称")
    steady, renamed = sorted(u for u in first if u in {r[0] for r in rows[1:]})[:2]
    absent = sorted(u for u in {r["uscc"] for r in periods_before} if u not in first)
    next(r for r in rows if r[0] == renamed)[name_at] += "(旧名)"
    write_csv(landing / "registration_201812.csv", rows)
    load(warehouse, landing, tmp / "archive", [december], kinds=["registration"])

    dbt_build(warehouse, tmp)
    sql = compiled_periods(tmp)
    assert "date '2018-12-01' between valid_from and valid_to" in sql
    assert REVISED + "false" in sql
    after = query_rows(warehouse, PERIODS)
    spans = lambda periods, uscc: [  # noqa: E731
        (r["version_number"], r["valid_from"], r["valid_to"], r["months_in_version"])
        for r in periods
        if r["uscc"] == uscc
    ]
    n, to, m = (first[steady][k] for k in ("version_number", "valid_to", "months_in_version"))
    assert spans(after, steady)[0] == (n, december, to, m + 1)
    assert spans(after, renamed) == [(1, december, december, 1)] + [
        (n + 1, valid_from, valid_to, m)
        for n, valid_from, valid_to, m in spans(periods_before, renamed)
    ]
    # enterprises not in the December 2018 register, before or after: not rewritten
    assert absent, "the fixture should have enterprises absent in January 2019"
    kept = lambda periods: [r for r in periods if r["uscc"] in absent]  # noqa: E731
    assert kept(after) == kept(periods_before)


def test_nothing_loaded_nothing_rebuilt_and_a_full_refresh_agrees(built) -> None:
    tmp, _, _, warehouse = built
    months_before = query_rows(warehouse, MONTH_FACT)
    sql = dbt_build(warehouse, tmp)
    assert "where false" in sql and "date '" not in sql
    assert query_rows(warehouse, MONTH_FACT) == months_before
    assert "where false" in compiled(tmp, "marts/park_year_summary.sql")
    for source in ("enterprise_year", "registration", "projects", "carriers"):
        sql = compiled(tmp, "intermediate/int_attainment_actuals.sql")
        assert f"(source = '{source}' and false)" in sql
    for kind in KINDS:
        assert f"(kind = '{kind}' and false)" in compiled(tmp, "marts/dq_month_movement.sql")

    copy = tmp / "full_refresh.duckdb"
    shutil.copy(warehouse, copy)
    dbt_build(copy, tmp, "--full-refresh")
    # the same rows, written at another time (_built_at: when dbt wrote them)
    assert query_rows(copy, MONTH_FACT_CONTENT) == query_rows(warehouse, MONTH_FACT_CONTENT)
    assert {r["_built_at"] for r in query_rows(copy, MONTH_FACT)}.isdisjoint(
        r["_built_at"] for r in months_before
    )
    assert query_rows(copy, YEAR_FACT_CONTENT) == query_rows(warehouse, YEAR_FACT_CONTENT)
    for table in (
        SUMMARY,
        FINDINGS,
        PERIODS_CONTENT,
        VERSIONS_CONTENT,
        TIERS,
        ACTUALS,
        ATTAINMENT,
        MOVEMENT,
        RULES,
        MILESTONES,
    ):
        assert query_rows(copy, table) == query_rows(warehouse, table), table
    # The versions of an enterprise whose register rows a revision left as they were keep the
    # load time they were built from (test_register_revisions_recompute_the_enterprises_they_changed);
    # a full refresh takes the revision's, never an earlier one.
    lineage = [
        (incremental["_source_loaded_at"], whole["_source_loaded_at"])
        for incremental, whole in zip(
            query_rows(warehouse, PERIODS), query_rows(copy, PERIODS), strict=True
        )
    ]
    assert all(incremental <= whole for incremental, whole in lineage)

    # Counting the bands the other way: an incremental build recounts every year, as a full
    # refresh does (the tables record how they counted).
    exclusive = ("--vars", "{band_counting: exclusive}")
    dbt_build(copy, tmp, *exclusive)
    recounted = tmp / "exclusive.duckdb"
    shutil.copy(warehouse, recounted)
    dbt_build(recounted, tmp, "--full-refresh", *exclusive)
    for table in (ACTUALS, ATTAINMENT, TIERS):
        assert query_rows(copy, table) == query_rows(recounted, table), table
    assert query_rows(copy, ATTAINMENT) != query_rows(warehouse, ATTAINMENT)

    # A lower movement threshold: every month is compared again, as a full refresh does.
    lower = ("--vars", "{dq_movement_threshold: 0.001}")
    dbt_build(copy, tmp, *lower)
    shutil.copy(warehouse, recounted)
    dbt_build(recounted, tmp, "--full-refresh", *lower)
    assert query_rows(copy, MOVEMENT) == query_rows(recounted, MOVEMENT)
    flagged = lambda rows: sum(r["is_flagged"] for r in rows)  # noqa: E731
    assert flagged(query_rows(copy, MOVEMENT)) > flagged(query_rows(warehouse, MOVEMENT))


def test_a_full_build_in_batches_of_any_size_gives_the_same_month_fact(built) -> None:
    """A full build runs the month fact's SELECT once per batch of consecutive months whose raw
    rows fit in full_build_batch_rows: a month each, two or three months (across a year's end),
    or every month at once give the same rows."""
    tmp, _, _, warehouse = built
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = dict(
            con.execute(
                "select period, count(*) from (select period from raw.registration union all "
                "select period from raw.tax union all select period from raw.employment "
                "union all select period from raw.output) group by all"
            ).fetchall()
        )
    budget = max(rows.values()) * 5 // 2  # two months a batch, sometimes three
    expected_batches = []
    for period in sorted(rows):
        if expected_batches and sum(rows[p] for p in expected_batches[-1]) + rows[period] <= budget:
            expected_batches[-1].append(period)
        else:
            expected_batches.append([period])
    assert 1 < len(expected_batches) < len(rows)
    content = query_rows(warehouse, MONTH_FACT_CONTENT)
    for batch_rows, batches in ((1, len(rows)), (budget, len(expected_batches)), (10**12, 1)):
        run = tmp / f"batches_of_{batch_rows}"
        run.mkdir()
        copy = run / "warehouse.duckdb"
        shutil.copy(warehouse, copy)
        result = run_dbt(
            copy, run, run / "target", "run", "--select", "fct_enterprise_month", "--full-refresh",
            "--log-level-file", "debug", "--vars", f"{{full_build_batch_rows: {batch_rows}}}",
        )  # fmt: skip
        assert result.returncode == 0, result.stdout[-3000:]
        log = (run / "logs" / "dbt.log").read_text(encoding="utf-8")
        assert log.count("set variable fct_enterprise_month_first =") == batches, batch_rows
        assert query_rows(copy, MONTH_FACT_CONTENT) == content, batch_rows


def dbt_test_month_fact_keys(warehouse: Path, tmp: Path) -> subprocess.CompletedProcess:
    return run_dbt(
        warehouse, tmp, tmp / "target-test",
        "test", "--select", "fct_enterprise_month,test_name:unique_combination_of_columns",
    )  # fmt: skip


def test_key_check_of_the_month_fact_reads_the_months_written_since_the_last_build(built) -> None:
    tmp, _, _, warehouse = built
    copy = tmp / "duplicate.duckdb"
    shutil.copy(warehouse, copy)
    march, may = dt.date(2019, 3, 1), dt.date(2019, 5, 1)
    with duckdb.connect(str(copy)) as con:
        ensure_tables(con)
        # the last successful build finished after every row was written
        con.execute("insert into meta.dbt_builds values ('test', false, null, now()::timestamp)")
        # then a build writes May again, with one enterprise twice
        con.execute(
            "update marts.fct_enterprise_month set _built_at = now()::timestamp + interval 1 minute "
            "where period = ?",
            [may],
        )
        (uscc,) = con.execute(
            "select min(uscc) from marts.fct_enterprise_month where period = ?", [may]
        ).fetchone()
        con.execute(
            "insert into marts.fct_enterprise_month select * from marts.fct_enterprise_month "
            "where period = ? and uscc = ?",
            [may, uscc],
        )
    failed = dbt_test_month_fact_keys(copy, tmp)
    assert failed.returncode == 1 and "FAIL 1 unique_combination_of_columns" in failed.stdout
    (sql,) = [
        text
        for path in (tmp / "target-test" / "compiled").rglob("*.sql")
        if "fct_enterprise_month" in (text := path.read_text(encoding="utf-8"))
    ]
    assert "where _built_at > (" in sql and 'meta"."dbt_builds' in sql

    # A duplicate in March, written before the last successful build, is not read again; with
    # no build on record (a first build, or only failed ones), every month is read.
    with duckdb.connect(str(copy)) as con:
        con.execute(
            "delete from marts.fct_enterprise_month where period = ? and uscc = ?", [may, uscc]
        )
        con.execute(
            "insert into marts.fct_enterprise_month select * from marts.fct_enterprise_month "
            "where period = ? limit 1",
            [march],
        )
    assert dbt_test_month_fact_keys(copy, tmp).returncode == 0
    with duckdb.connect(str(copy)) as con:
        con.execute("delete from meta.dbt_builds")
    assert dbt_test_month_fact_keys(copy, tmp).returncode == 1


def test_key_check_of_the_year_fact_reads_the_years_written_since_the_last_build(built) -> None:
    """As the month fact's, by year: a duplicate enterprise-year in a year written since the last
    successful build fails the check; one in a year written before is not read again."""
    tmp, _, _, warehouse = built
    copy = tmp / "duplicate_year.duckdb"
    shutil.copy(warehouse, copy)
    keys_checked = lambda: run_dbt(  # noqa: E731
        copy, tmp, tmp / "target-test",
        "test", "--select", "fct_enterprise_year,test_name:unique_combination_of_columns",
    )  # fmt: skip
    duplicate = (
        "insert into marts.fct_enterprise_year select * from marts.fct_enterprise_year "
        "where year = ? limit 1"
    )
    with duckdb.connect(str(copy)) as con:
        ensure_tables(con)
        con.execute("insert into meta.dbt_builds values ('test', false, null, now()::timestamp)")
        con.execute(duplicate, [2019])  # written before that build
    assert keys_checked().returncode == 0
    with duckdb.connect(str(copy)) as con:  # a build writes 2020 again, with a duplicate
        con.execute(
            "update marts.fct_enterprise_year set _built_at = now()::timestamp + interval 1 minute "
            "where year = 2020"
        )
        con.execute(duplicate, [2020])
    failed = keys_checked()
    assert failed.returncode == 1 and "FAIL 1 unique_combination_of_columns" in failed.stdout


def dbt_test_register_status(warehouse: Path, tmp: Path, *args: str) -> subprocess.CompletedProcess:
    return run_dbt(
        warehouse, tmp, tmp / "target-status",
        *(args or ("test",)), "--select", "stg_raw__registration,test_name:accepted_values_columns",
    )  # fmt: skip


def compiled_test(tmp: Path) -> str:
    (sql,) = (tmp / "target-status" / "compiled").rglob("*.sql")
    return sql.read_text(encoding="utf-8")


def test_staging_checks_read_the_months_loaded_since_the_last_build(built) -> None:
    """A staging test reads the months of the files loaded since the last successful build; every
    month on a full refresh (a changed seed can fail old rows) or with no build on record."""
    tmp, _, _, warehouse = built
    copy = tmp / "bad_status" / "warehouse.duckdb"  # the staging views name their catalog
    copy.parent.mkdir()
    shutil.copy(warehouse, copy)
    june = dt.date(2019, 6, 1)
    with duckdb.connect(str(copy)) as con:
        ensure_tables(con)
        # a register row of June with a status no register uses (the loader would set it aside)
        con.execute(
            "insert into raw.registration select * replace ('外星' as status) "
            "from raw.registration where period = ? limit 1",
            [june],
        )
        # the last successful build finished after every file was loaded
        con.execute("insert into meta.dbt_builds values ('test', false, null, now()::timestamp)")
    assert dbt_test_register_status(copy, tmp).returncode == 0  # June passed when it was loaded
    assert "where false" in compiled_test(tmp)  # no month was loaded since

    with duckdb.connect(str(copy)) as con:  # June's file is loaded again after that build
        con.execute(
            "update meta.loads set loaded_at = now()::timestamp + interval 1 minute "
            "where kind = 'registration' and period = ? and status = 'loaded'",
            [june],
        )
    failed = dbt_test_register_status(copy, tmp)
    assert (
        failed.returncode == 1
        and "FAIL 1 accepted_values_columns_stg_raw__registration" in failed.stdout
    )
    assert "period in (date '2019-06-01')" in compiled_test(tmp)

    with duckdb.connect(str(copy)) as con:  # June as it was: only a full refresh reads it
        con.execute("update meta.loads set loaded_at = loaded_at - interval 1 day")
    assert dbt_test_register_status(copy, tmp).returncode == 0
    refreshed = dbt_test_register_status(copy, tmp, "build", "--full-refresh")
    assert refreshed.returncode == 1 and "FAIL 1 accepted_values_columns" in refreshed.stdout
    with duckdb.connect(str(copy)) as con:
        con.execute("delete from meta.dbt_builds")
    assert dbt_test_register_status(copy, tmp).returncode == 1
