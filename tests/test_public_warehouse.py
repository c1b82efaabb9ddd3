"""The public warehouse (public.duckdb): what may leave the bureau, on a hand-made warehouse built
to trip each disclosure rule (the reports' warehouse of tests/test_reports.py with its enterprise
figures replaced):

    park   enterprises        output, revenue     value added          tax
    JKQ    E1 E2 E3 E4        E1 exactly 85 %     E1 exactly 85 %      E1 73 %: published
    LWXQ   F1 F2              2 enterprises       2 enterprises        2 enterprises (n rule)
    DZ     G1 G2 G3 G4        G1 87 % (dominance) G1 99 % (dominance)  spread: published, but
                                                                       hidden beside LWXQ
    In June 2020 G1 pays 5,000,000 yuan of tax: 93 % of the city's June (its month is hidden).

The expected sensitive cells are computed here from the rows above, in exact fractions.
"""

from __future__ import annotations

import os
import re
import shutil
from fractions import Fraction
from pathlib import Path

import duckdb
import fastexcel
import pytest
from test_reports import build_small_warehouse, sheet

from pipelines.public import load_public_report_data, write_public
from pipelines.publish import PublicationError
from pipelines.reports.build import build_report, write_report
from pipelines.reports.data import load_report_data

# uscc -> (name, park, output 万元/month, value added 万元/month, tax 元/month, headcount) in
# 2020 (January to June); 2019 is twelve months of the same
ENTERPRISES = {
    "91540101MA6T00001X": ("拉萨雪域实业有限公司", "JKQ", "8.5", "8.5", 80_000, 20),
    "91540102MA6T00002X": ("拉萨高原建材有限公司", "JKQ", "0.5", "0.5", 10_000, 20),
    "91540103MA6T00003X": ("拉萨圣地饮品有限公司", "JKQ", "0.5", "0.5", 10_000, 20),
    "91540104MA6T00004X": ("拉萨布达拉包装有限公司", "JKQ", "0.5", "0.5", 10_000, 20),
    "91540105MA6T00005X": ("拉萨柳梧矿业有限公司", "LWXQ", "5", "5", 50_000, 30),
    "91540106MA6T00006X": ("拉萨天路水泥有限公司", "LWXQ", "4", "4", 40_000, 30),
    "91540107MA6T00007X": ("达孜藏药集团有限公司", "DZ", "10", "200", 100_000, 50),
    "91540108MA6T00008X": ("达孜净土农牧有限公司", "DZ", "0.5", "0.5", 90_000, 10),
    "91540109MA6T00009X": ("达孜青稞酒业有限公司", "DZ", "0.5", "0.5", 80_000, 10),
    "91540110MA6T00010X": ("达孜唐卡工艺有限公司", "DZ", "0.5", "0.5", 70_000, 10),
}
JUNE_TAX = ("91540107MA6T00007X", 5_000_000)
MONTHS = range(1, 7)
PARKS = ("JKQ", "LWXQ", "DZ")
YEARS = (2019, 2020)
# the print of a USCC (GB 32100): 2 characters, a 6-digit area code, 10 characters
USCC = re.compile(r"(?<![0-9A-Z])[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Z])")


def monthly_tax(uscc: str, month: int) -> int:
    return JUNE_TAX[1] if (uscc, month) == (JUNE_TAX[0], 6) else ENTERPRISES[uscc][4]


def yearly(measure: str) -> dict[tuple[str, int], Fraction]:
    """What each enterprise reports in a year (万元; tax in 元), exactly."""
    out = {}
    for uscc, (_, _, output, value_added, _, _) in ENTERPRISES.items():
        monthly = {"output": output, "revenue": output, "value_added": value_added}
        for year in YEARS:
            if measure == "tax":
                months = [monthly_tax(uscc, m) for m in MONTHS] if year == 2020 else None
                out[uscc, year] = Fraction(sum(months) if months else ENTERPRISES[uscc][4] * 12)
            else:
                out[uscc, year] = Fraction(monthly[measure]) * (6 if year == 2020 else 12)
    return out


def rule(contributions: list[Fraction]) -> str | None:
    """The primary rule a cell trips: fewer than 3 contributors, or one above 85 %."""
    values = [abs(v) for v in contributions if v != 0]
    if not values:
        return None
    if len(values) < 3:
        return "n_rule"
    if max(values) * 100 > 85 * sum(values):
        return "dominance"
    return None


def expected_cells(measure: str) -> dict[tuple[str, int | None], tuple[Fraction, str | None]]:
    """(park or CITY, year or None for the years' total) -> (sum, the rule it trips)."""
    values = yearly(measure)
    cells = {}
    for park in (*PARKS, "CITY"):
        members = [u for u, e in ENTERPRISES.items() if park in ("CITY", e[1])]
        for year in (*YEARS, None):
            per_enterprise = [  # over the years, an enterprise contributes the sum of its years
                sum(values[u, y] for y in YEARS if year in (None, y)) for u in members
            ]
            cells[park, year] = (sum(per_enterprise), rule(per_enterprise))
    return cells


def build_trap_warehouse(path: Path) -> Path:
    build_small_warehouse(path)
    rows = [
        (uscc, name, park, m, output, value_added, monthly_tax(uscc, m), headcount)
        for uscc, (name, park, output, value_added, _, headcount) in ENTERPRISES.items()
        for m in MONTHS
    ]
    with duckdb.connect(str(path)) as con:
        con.execute("drop table marts.fct_enterprise_month")
        con.execute("drop table marts.fct_enterprise_year")
        con.execute(
            "create table months (uscc varchar, name varchar, park_code varchar, m integer, "
            "out_m decimal(20, 6), va_m decimal(20, 6), tax_m decimal(18, 2), hc integer)"
        )
        con.executemany("insert into months values (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        con.execute(
            """
            create table marts.fct_enterprise_month as
            select uscc, make_date(2020, m, 1) as period, 2020 as year, m as month, park_code,
                   tax_m as total_tax_yuan, hc as insured_headcount,
                   out_m as gross_output_month_10k, va_m as value_added_month_10k,
                   out_m as revenue_month_10k
            from months
            """
        )
        con.execute(
            """
            create table marts.fct_enterprise_year as
            select uscc, 2020 as year, park_code, sum(out_m) as annual_output_10k,
                   sum(out_m) as annual_revenue_10k, sum(va_m) as annual_value_added_10k,
                   sum(tax_m) as annual_tax_yuan, avg(hc) as avg_headcount
            from months group by all
            union all
            select uscc, 2019, park_code, out_m * 12, out_m * 12, va_m * 12,
                   any_value(tax_m) filter (where m = 1) * 12, hc
            from months where m = 1 group by all
            """
        )
        # the register, and rejected rows that quote an enterprise: never public
        con.execute(
            "create table marts.dim_enterprise as "
            "select distinct uscc, name as enterprise_name, park_code from months"
        )
        con.execute(
            "update meta.rejects set record_key = '91540101MA6T00001X', "
            "value = '拉萨雪域实业有限公司'"
        )
        con.execute("drop table months")
        # positioning (park_positioning_year): 经开区 2019, E1 alone in the positioned industries
        # (its share of output is hidden, n rule); all its tax positioned, from 4 enterprises
        con.execute(
            """
            create table marts.park_positioning_year as select * from (values
                ('JKQ', '经开区', 2019, 1, true, '现代物流', 4, 1, 0.25,
                 120.0, 102.0, 0.85, 1, 102.0, 3, 6.0,
                 1320000.0, 1320000.0, 1.0, 4, 960000.0, 0, null,
                 0, 0, 0, 0, 0)
            ) t(park_code, park_name, year, display_order, has_positioning, park_positioning,
                enterprises, enterprises_positioned, share_enterprises,
                output_10k, output_positioned_10k, share_output, output_positioned_contributors,
                output_positioned_largest_10k, output_outside_contributors,
                output_outside_largest_10k,
                tax_yuan, tax_positioned_yuan, share_tax, tax_positioned_contributors,
                tax_positioned_largest_yuan, tax_outside_contributors, tax_outside_largest_yuan,
                entrants, entrants_outside, projects_signed, projects_with_code, projects_outside)
            """
        )
    return path


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return build_trap_warehouse(tmp_path_factory.mktemp("trap") / "warehouse.duckdb")


@pytest.fixture(scope="module")
def public(warehouse) -> Path:
    path = warehouse.with_name("public.duckdb")
    write_public(warehouse, path)
    return path


def rows(path: Path, sql: str, params: list | None = None) -> list[dict]:
    with duckdb.connect(str(path), read_only=True) as con:
        cursor = con.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


# ------------------------------------------------------------------ what it holds


def test_no_uscc_nor_enterprise_name_in_any_column_of_any_table(public):
    tables = [r["table_name"] for r in rows(public, "select table_name from duckdb_tables()")]
    assert {"park_year_totals", "attainment", "city_months", "readme"} <= set(tables)
    names = [e[0] for e in ENTERPRISES.values()]
    texts = 0
    for table in tables:
        columns = rows(public, "select column_name, data_type from duckdb_columns() "
                       "where table_name = ?", [table])  # fmt: skip
        for column, data_type in ((c["column_name"], c["data_type"]) for c in columns):
            assert not re.search("uscc|enterprise_name|holder|parcel", column), (table, column)
            values = rows(public, f'select distinct cast("{column}" as varchar) as v '
                          f'from "{table}"')  # fmt: skip
            for text in (r["v"] or "" for r in values):
                # every column: no register code or name (nor a name's distinctive part)
                assert not any(u in text for u in ENTERPRISES), (table, column, text)
                assert not any(n in text or n[2:6] in text for n in names), (table, column, text)
                if data_type == "VARCHAR":  # text: nothing printed like a USCC at all
                    texts += 1
                    assert not USCC.search(text), (table, column, text)
    assert texts > 100
    # the main warehouse does hold them, where the scan would have found them
    full = rows(public.with_name("warehouse.duckdb"), "select uscc from marts.fct_enterprise_year")
    assert USCC.fullmatch(full[0]["uscc"])


@pytest.mark.parametrize("measure", ["output", "revenue", "value_added", "tax"])
def test_every_sensitive_sum_is_null_and_every_published_one_is_safe(public, measure):
    factor = Fraction(1, 10_000) if measure == "tax" else 1  # tax in 元, shown in 万元
    cells = expected_cells(measure)
    got = {
        (r["park_code"], r["year"]): r
        for r in rows(public, "select * from park_year_totals where measure = ?", [measure])
    }
    assert set(got) == set(cells)
    for key, (value, tripped) in cells.items():
        r = got[key]
        if tripped:
            assert r["value"] is None and r["suppressed_reason"] == tripped, (key, r)
        elif r["suppressed_reason"] is None:
            assert r["value"] == pytest.approx(float(value * factor)), (key, r)
        else:  # hidden to protect another cell
            assert r["value"] is None and r["suppressed_reason"] == "secondary", (key, r)
    # no row or column of the table (with its total) has exactly one hidden cell
    hidden = {k for k, r in got.items() if r["suppressed_reason"]}
    lines = [[(p, y) for y in (*YEARS, None)] for p in (*PARKS, "CITY")]
    lines += [[(p, y) for p in (*PARKS, "CITY")] for y in (*YEARS, None)]
    assert all(len(hidden & set(line)) != 1 for line in lines)


def test_the_data_trips_each_rule_and_exactly_85_percent_is_published(public):
    reasons = {
        (r["measure"], r["park_code"], r["year"]): r["suppressed_reason"]
        for r in rows(public, "select * from park_year_totals")
    }
    assert reasons["output", "LWXQ", 2019] == "n_rule"
    assert reasons["output", "DZ", 2020] == "dominance"
    assert reasons["tax", "LWXQ", 2020] == "n_rule"
    assert "secondary" in {reasons["tax", p, y] for p in ("JKQ", "DZ") for y in (*YEARS, None)}
    # 经开区: E1 has exactly 85 % of the output and value added, every year and over the years
    for measure in ("output", "value_added"):
        for year in (*YEARS, None):
            value, tripped = expected_cells(measure)["JKQ", year]
            top = sum(yearly(measure)["91540101MA6T00001X", y] for y in YEARS if year in (None, y))
            assert top / value == Fraction(85, 100) and tripped is None
            (r,) = rows(public, "select * from park_year_totals where measure = ? "
                        "and park_code = 'JKQ' and year is not distinct from ?", [measure, year])  # fmt: skip
            assert r["suppressed_reason"] is None and r["value"] == float(value)


def test_city_months_and_attainment_withhold_what_gives_back_a_sensitive_sum(public):
    months = rows(public, "select * from city_months where year = 2020 order by period")
    assert len(months) == 6
    for m, r in zip(MONTHS, months, strict=True):
        tax = [Fraction(monthly_tax(u, m)) for u in ENTERPRISES]
        output = [Fraction(e[2]) for e in ENTERPRISES.values()]
        assert rule(output) is None and r["output_10k"] == pytest.approx(float(sum(output)))
        if rule(tax):
            assert m == 6 and r["tax_yuan"] is None and r["tax_suppressed_reason"] == "dominance"
    # June hidden alone would be the year's total minus the other months: one more is hidden
    assert sum(r["tax_yuan"] is None for r in months) == 2
    assert all(r["tax_suppressed_reason"] for r in months if r["tax_yuan"] is None)
    # the city's value added is G1's (dominance): its actual, ratio and status are withheld
    city = {
        r["metric"]: r
        for r in rows(public, "select * from attainment where park_code = 'CITY' and year = 2020")
    }
    assert rule(list(yearly("value_added")[u, 2020] for u in ENTERPRISES)) == "dominance"
    for metric in ("industrial_value_added", "value_added_growth"):
        r = city[metric]
        assert r["suppressed_reason"] == "dominance" and r["target"] is not None
        assert [r[c] for c in ("actual", "gap", "attainment_ratio", "attainment_status")] == [
            None
        ] * 4
    assert city["industrial_output"]["suppressed_reason"] is None
    assert city["industrial_output"]["actual"] is not None


def test_positioning_shares_only_the_shares(public):
    (r,) = rows(public, "select * from positioning")
    assert r["share_output"] is None and r["share_output_suppressed_reason"] == "n_rule"
    assert r["share_tax"] == 1.0 and r["share_tax_suppressed_reason"] is None
    # the parks' sums and one enterprise's largest contribution stay in the warehouse
    assert not [c for c in r if re.search("largest|contributors|_10k$|_yuan$", c)]


def test_tables_are_described_for_analysts(public):
    tables = rows(public, "select table_name, comment from duckdb_tables()")
    assert all(t["comment"] for t in tables), tables
    readme = {r["table_name"] for r in rows(public, "select * from readme")}
    assert readme == {t["table_name"] for t in tables}
    (reason,) = rows(public, "select comment from duckdb_columns() where table_name = "
                     "'park_year_totals' and column_name = 'suppressed_reason'")  # fmt: skip
    assert "n_rule" in reason["comment"] and "dominance" in reason["comment"]


# ------------------------------------------------------------------ how it is written


def test_it_is_readable_by_all_whatever_the_umask(warehouse, tmp_path):
    target = tmp_path / "out" / "public.duckdb"
    old = os.umask(0o077)
    try:
        write_public(warehouse, target)
    finally:
        os.umask(old)
    assert target.stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in target.parent.iterdir()) == ["public.duckdb"]


def test_a_failed_build_leaves_the_previous_file(warehouse, tmp_path, monkeypatch):
    import pipelines.public as public_module

    target = tmp_path / "public.duckdb"
    write_public(warehouse, target)
    before = target.read_bytes()
    reader = duckdb.connect(str(target), read_only=True)  # an analyst's connection

    real = public_module._write_tables

    def half_then_full_disk(con, tables):
        real(con, dict(list(tables.items())[:2]))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(public_module, "_write_tables", half_then_full_disk)
    with pytest.raises(PublicationError, match="No space left"):
        write_public(warehouse, target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public.duckdb"]  # no half file
    monkeypatch.undo()

    # a killed build's leftover is cleared; the reader keeps the file it opened
    (tmp_path / ".public.duckdb.writing").write_bytes(b"half")
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update marts.milestones set status = '已完成'")
    try:
        write_public(warehouse, target)
        assert reader.execute("select distinct status from milestones order by 1").fetchall() == [
            ("已完成",),
            ("未更新",),
        ]
        reader.close()  # new connections see the new file
        assert rows(target, "select distinct status from milestones") == [{"status": "已完成"}]
    finally:
        reader.close()
        with duckdb.connect(str(warehouse)) as con:
            con.execute("update marts.milestones set status = '未更新' where due_year = 2018")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public.duckdb"]


def test_the_publication_writes_it_beside_the_warehouse(tmp_path, monkeypatch):
    import dagster as dg

    from pipelines.defs.publish import publish_warehouse

    home = tmp_path / "home"
    build = build_trap_warehouse(tmp_path / "build.duckdb")
    monkeypatch.setenv("PARKS_HOME", str(home))
    monkeypatch.setenv("PARKS_WAREHOUSE", str(home / "warehouse.duckdb"))
    monkeypatch.setenv("PARKS_BUILD_WAREHOUSE", str(build))
    monkeypatch.delenv("PARKS_PUBLIC_WAREHOUSE", raising=False)
    result = publish_warehouse(dg.build_asset_context())
    public = home / "public.duckdb"
    assert public.stat().st_mode & 0o777 == 0o644
    assert result.metadata["public_rows"].value["park_year_totals"] == 4 * 4 * 3
    assert rows(public, "select count(*) as n from park_year_totals")[0]["n"] == 48


# ------------------------------------------------------------------ who reads it


def test_parks_sql_public_reads_the_public_file_only(warehouse, public, capsys, monkeypatch):
    from pipelines.cli import main

    monkeypatch.delenv("PARKS_PUBLIC_WAREHOUSE", raising=False)
    monkeypatch.setenv("PARKS_HOME", str(warehouse.parent))
    query = "select park_code, suppressed_reason from park_year_totals where measure = 'output' "
    query += "and year = 2019 order by park_code"
    assert main(["sql", query, "--warehouse", str(warehouse), "--public", "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "park_code,suppressed_reason",
        "CITY,",
        "DZ,dominance",
        "JKQ,",
        "LWXQ,n_rule",
    ]
    # the microdata are not there; without --public they are
    sql = "select count(*) from marts.fct_enterprise_year"
    assert main(["sql", sql, "--warehouse", str(warehouse), "--public"]) == 2
    assert "fct_enterprise_year" in capsys.readouterr().err
    assert main(["sql", sql, "--warehouse", str(warehouse)]) == 0
    capsys.readouterr()
    monkeypatch.setenv("PARKS_PUBLIC_WAREHOUSE", str(warehouse.parent / "none.duckdb"))
    with pytest.raises(SystemExit, match="no public warehouse at .*none.duckdb"):
        main(["sql", "select 1", "--warehouse", str(warehouse), "--public"])


def _source_free(rows_: list[list]) -> list[list]:
    """A sheet without the row that names the file read (the public one, or the warehouse)."""
    return [r for r in rows_ if not (r and r[0] == "数据来源")]


@pytest.mark.parametrize("year", [None, 2020])
def test_external_reports_from_the_public_file_equal_those_protected_from_the_marts(
    warehouse, public, tmp_path, year
):
    protected = load_report_data(warehouse, year=year)
    direct = write_report(protected, "xlsx", tmp_path / "direct.xlsx").path
    shared = build_report(public, "xlsx", tmp_path / "public.xlsx", year=year).path
    names = fastexcel.read_excel(shared).sheet_names
    assert names == fastexcel.read_excel(direct).sheet_names
    assert ("产业定位" in names) == (year is None)  # positioning: 2019 only
    for name in names:
        assert _source_free(sheet(shared, name)) == _source_free(sheet(direct, name)), name
    assert "public.duckdb" in str(sheet(shared, "说明"))

    html = {
        k: p.read_text(encoding="utf-8").replace("warehouse.duckdb", "X").replace("public.duckdb", "X")
        for k, p in {
            "direct": write_report(protected, "html", tmp_path / "d.html").path,
            "shared": build_report(public, "html", tmp_path / "p.html", year=year).path,
        }.items()
    }  # fmt: skip
    assert html["shared"] == html["direct"]
    assert "—" in html["shared"]


def test_external_reports_need_only_the_public_file(warehouse, public, tmp_path, capsys,
                                                    monkeypatch):  # fmt: skip
    from pipelines.cli import main

    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copyfile(public, alone / "public.duckdb")
    monkeypatch.delenv("PARKS_PUBLIC_WAREHOUSE", raising=False)
    monkeypatch.setenv("PARKS_HOME", str(alone))
    # no warehouse.duckdb beside it: the external edition is written all the same
    args = ["report", "--warehouse", str(alone / "warehouse.duckdb"), "--out", f"{tmp_path}/"]
    assert main([*args, "--format", "xlsx"]) == 0
    assert main([*args, "--format", "html"]) == 0
    assert "reading " + str(alone / "public.duckdb") in capsys.readouterr().err
    rows_ = sheet(tmp_path / "attainment_2020-06.xlsx", "园区合计")
    assert any(r[0] == "柳梧新区" and r[1] == "—" for r in rows_)
    # the internal edition needs the warehouse
    assert main([*args, "--format", "html", "--internal"]) == 2
    assert "no warehouse at" in capsys.readouterr().err
    # and a public file is not mistaken for the warehouse, nor the reverse
    with pytest.raises(RuntimeError, match="not a public warehouse"):
        load_public_report_data(warehouse)


def test_the_duckdb_command_line_opens_it_read_only(public):
    import subprocess
    import sys

    cli = Path(sys.executable).parent / "duckdb"
    assert cli.exists(), "no DuckDB command line: `make setup` installs duckdb-cli (pyproject)"
    result = subprocess.run(
        [str(cli), "-readonly", "-csv", str(public), "-c",
         "select count(*) as n from park_year_totals where suppressed_reason = 'dominance'"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    dominance = sum(
        tripped == "dominance"
        for m in ("output", "revenue", "value_added", "tax")
        for _, tripped in expected_cells(m).values()
    )
    assert result.stdout.split() == ["n", str(dominance)]


def test_a_run_with_nothing_new_writes_a_missing_public_file(warehouse, tmp_path, monkeypatch,
                                                             capsys):  # fmt: skip
    import pipelines.run_summary
    from pipelines.cli import run_warehouse
    from pipelines.config import Paths
    from pipelines.run_summary import UP_TO_DATE

    home = tmp_path / "home"
    (home / "landing").mkdir(parents=True)
    (home / "landing" / "tax_202006.csv").write_text("")
    shutil.copyfile(warehouse, home / "warehouse.duckdb")
    monkeypatch.setattr(pipelines.run_summary, "nothing_new", lambda landing, paths: True)
    for name in ("PARKS_WAREHOUSE", "PARKS_PUBLIC_WAREHOUSE", "PARKS_LANDING"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PARKS_HOME", str(home))
    paths = Paths.from_env()
    assert run_warehouse(paths) == UP_TO_DATE
    assert "the public warehouse was missing" in capsys.readouterr().err
    assert rows(home / "public.duckdb", "select count(*) as n from park_year_totals") == [{"n": 48}]
    # present: left as it is
    before = (home / "public.duckdb").stat().st_mtime_ns
    assert run_warehouse(paths) == UP_TO_DATE
    assert (home / "public.duckdb").stat().st_mtime_ns == before


def test_land_of_some_years_only(warehouse, tmp_path):
    """Land snapshots in 2020 only: 2019 has no land row, and its report no intensity."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(warehouse, path)
    with duckdb.connect(str(path)) as con:
        con.execute(
            """
            create table marts.land_idle_park_year as select 'JKQ' as park_code, 2020 as year,
                date '2020-06-01' as as_of_period, 2 as idle_parcels, 50.0 as idle_area_mu,
                0 as reclaim_candidates, 0.0 as reclaim_area_mu, 1 as fee_parcels,
                160.0 as fees_due_10k;
            create table marts.land_industrial_share as select 'JKQ' as park_code, 2020 as year,
                60.0 as industrial_share_pct, 60.0 as min_share_pct, '达标' as status;
            create table marts.land_parcel_intensity as select 'JKQ' as park_code,
                date '2020-06-01' as period, 20.0 as area_mu, false as meets_threshold,
                6000.0 as shortfall_10k, 'P1' as parcel_id, '91540101MA6T00001X' as holder_uscc;
            create table marts.land_idle_parcels as select 'JKQ' as park_code, 'P1' as parcel_id,
                '91540101MA6T00001X' as holder_uscc, true as is_idle,
                date '2020-06-01' as period;
            """
        )
    write_public(path, tmp_path / "public.duckdb")
    assert rows(tmp_path / "public.duckdb", "select * from land_intensity") == [
        {"park_code": "JKQ", "parcels": 1, "area_mu": 20, "below": 1, "below_area_mu": 20,
         "shortfall_10k": 6000, "as_of_period": "2020-06"}
    ]  # fmt: skip
    for year, as_of, intensity in ((2019, None, 0), (2020, "2020-06", 1)):
        land = load_public_report_data(tmp_path / "public.duckdb", year=year).land
        assert (land.as_of, land.intensity.height) == (as_of, intensity)
        assert land.idle_list.is_empty() and land.below_list.is_empty()
