"""`parks sql` is read-only and says so; it prints Chinese text and decimals as they are, in
four formats."""

import csv
import io
import json
import re
import sys
import unicodedata
from decimal import Decimal

import duckdb
import pytest

from pipelines.cli import main
from pipelines.terminal import render_table


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path, monkeypatch):
    """`parks` exports its paths to the environment (for dbt); undo that after each test."""
    for name in (
        "PARKS_HOME",
        "PARKS_LANDING",
        "PARKS_WAREHOUSE",
        "PARKS_PUBLIC_WAREHOUSE",
        "PARKS_BUILD_WAREHOUSE",
        "PARKS_ARCHIVE",
    ):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))


@pytest.fixture
def warehouse(tmp_path, monkeypatch):
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(
            "create schema marts; create table marts.t as select '经开区' as park_name, 2018 as year"
        )
    monkeypatch.setenv("PARKS_HOME", str(tmp_path))
    return path


def test_sql_prints_a_table(warehouse, capsys):
    assert main(["sql", "select park_name, year from marts.t", "--warehouse", str(warehouse)]) == 0
    out = capsys.readouterr().out
    assert "经开区" in out and "2018" in out and "2,018" not in out


@pytest.mark.parametrize(
    "statement",
    [
        "create table marts.x as select 1",
        "delete from marts.t",
        "insert into marts.t values ('x', 1)",
        "drop table marts.t",
    ],
)
def test_sql_refuses_to_write(warehouse, capsys, statement):
    assert main(["sql", statement, "--warehouse", str(warehouse)]) == 2
    err = capsys.readouterr().err
    assert "opened read-only by `parks sql`; statements that write are refused" in err
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from marts.t").fetchall() == [(1,)]


def test_sql_without_a_warehouse_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("PARKS_HOME", str(tmp_path))
    with pytest.raises(SystemExit, match="run `parks run` \\(or `make demo`\\) first"):
        main(["sql", "select 1", "--warehouse", str(tmp_path / "missing.duckdb")])


@pytest.fixture
def figures(tmp_path, monkeypatch):
    """A warehouse with the types the marts have: text, an integer, a DECIMAL count and amount,
    a date and a null."""
    path = tmp_path / "figures.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(
            "create schema marts; create table marts.f as select * from (values "
            "('慈觉林文创园', 3::decimal(28,6), 10694188.71::decimal(18,2), date '2020-12-01', "
            "2020, 6::double), "
            "('经开区 拉萨 | A', 12.5::decimal(28,6), 0.10::decimal(18,2), null, 2019, "
            "0.1::double + 0.2::double)"
            ") t(park_name, enterprise_count, tax_yuan, period, year, share)"
        )
    monkeypatch.setenv("PARKS_HOME", str(tmp_path))
    return path


def sql(capsys, *args) -> tuple[int, str, str]:
    status = main(["sql", *args])
    out, err = capsys.readouterr()
    return status, out, err


QUERY = "select * from marts.f order by year desc"


def test_sql_table_shows_decimals_as_they_are_and_cuts_nothing(figures, capsys):
    status, out, _ = sql(capsys, QUERY, "--warehouse", str(figures))
    assert status == 0
    lines = out.splitlines()
    assert lines[0].split(" │ ") == [
        "park_name      ",
        "enterprise_count",
        "tax_yuan   ",
        "period    ",
        "year",
        "share",
    ]
    first = [cell.strip() for cell in lines[2].split("│")]
    assert first == ["慈觉林文创园", "3", "10694188.71", "2020-12-01", "2020", "6"]
    second = [cell.strip() for cell in lines[3].split("│")]
    assert second == ["经开区 拉萨 | A", "12.5", "0.1", "", "2019", "0.30000000000000004"]
    assert "3.000000" not in out and "(2 rows)" in out


def test_sql_table_max_width_cuts_text_when_asked(figures, capsys):
    status, out, _ = sql(capsys, QUERY, "--warehouse", str(figures), "--max-width", "8")
    assert status == 0
    assert "慈觉林…" in out and "慈觉林文创园" not in out


def test_sql_csv_keeps_every_digit(figures, capsys):
    status, out, err = sql(capsys, QUERY, "--warehouse", str(figures), "--format", "csv")
    assert status == 0 and err == ""
    assert list(csv.reader(io.StringIO(out))) == [
        ["park_name", "enterprise_count", "tax_yuan", "period", "year", "share"],
        ["慈觉林文创园", "3", "10694188.71", "2020-12-01", "2020", "6"],
        ["经开区 拉萨 | A", "12.5", "0.1", "", "2019", "0.30000000000000004"],
    ]


def test_sql_json_is_exact_numbers_and_null(figures, capsys):
    status, out, _ = sql(capsys, QUERY, "--warehouse", str(figures), "--format", "json")
    assert status == 0
    rows = json.loads(out, parse_float=Decimal)
    assert rows == [
        {
            "park_name": "慈觉林文创园",
            "enterprise_count": 3,
            "tax_yuan": Decimal("10694188.71"),
            "period": "2020-12-01",
            "year": 2020,
            "share": 6,
        },
        {
            "park_name": "经开区 拉萨 | A",
            "enterprise_count": Decimal("12.5"),
            "tax_yuan": Decimal("0.1"),
            "period": None,
            "year": 2019,
            "share": Decimal("0.30000000000000004"),
        },
    ]


def test_sql_markdown_escapes_the_pipe(figures, capsys):
    status, out, _ = sql(capsys, QUERY, "--warehouse", str(figures), "--format", "markdown")
    assert status == 0
    assert out.splitlines() == [
        "| park_name | enterprise_count | tax_yuan | period | year | share |",
        "|---|---:|---:|---|---:|---:|",
        "| 慈觉林文创园 | 3 | 10694188.71 | 2020-12-01 | 2020 | 6 |",
        "| 经开区 拉萨 \\| A | 12.5 | 0.1 |  | 2019 | 0.30000000000000004 |",
    ]


@pytest.mark.parametrize("query", ["", "   \n", "-- nothing here\n/* nor here */"])
def test_sql_empty_or_comment_only_query_says_so(figures, capsys, query):
    status, out, err = sql(capsys, query, "--warehouse", str(figures))
    assert status == 2 and out == ""
    assert err == "error: the query holds no statement (only spaces or comments)\n"


def test_sql_several_statements_print_each_result_headed(figures, capsys):
    query = "select count(*) as n from marts.f;\nselect max(year) as latest from marts.f"
    status, out, _ = sql(capsys, query, "--warehouse", str(figures))
    assert status == 0
    assert "-- 1/2: select count(*) as n from marts.f\n" in out
    assert "-- 2/2: select max(year) as latest from marts.f\n" in out
    assert out.index("-- 2/2") > out.index("(1 row)")
    assert [line.strip() for line in out.splitlines()].count("2") == 1  # the count
    assert "2020" in out


def test_sql_several_statements_in_csv_are_refused_with_the_reason(figures, capsys):
    status, out, err = sql(
        capsys, "select 1; select 2", "--warehouse", str(figures), "--format", "csv"
    )
    assert status == 2 and out == ""
    assert "--format csv writes the result of one statement; the query has 2" in err


def test_sql_reads_the_query_from_a_file_and_from_standard_input(
    figures, capsys, tmp_path, monkeypatch
):
    query_file = tmp_path / "q.sql"
    query_file.write_text("-- the latest year\nselect max(year) as latest from marts.f;\n")
    status, out, _ = sql(capsys, "--file", str(query_file), "--warehouse", str(figures))
    assert status == 0 and "2020" in out
    for args in (["-"], []):  # `-`, or no query when standard input is not a terminal
        monkeypatch.setattr(sys, "stdin", io.StringIO("select min(year) as first from marts.f"))
        status, out, _ = sql(capsys, *args, "--warehouse", str(figures), "--format", "csv")
        assert (status, out) == (0, "first\n2019\n")


def test_sql_copy_to_a_file_is_refused_and_writes_nothing(figures, capsys, tmp_path):
    target = tmp_path / "out" / "leak.csv"
    target.parent.mkdir()
    for statement in (
        f"copy (select * from marts.f) to '{target}'",
        f"copy marts.f to '{target}' (format parquet)",
    ):
        status, out, err = sql(capsys, statement, "--warehouse", str(figures))
        assert status == 2
        assert "reads the warehouse only" in err and "Traceback" not in err
    assert list(target.parent.iterdir()) == []


@pytest.mark.parametrize(
    "statement",
    [
        "export database '{dir}'",
        "attach '{dir}/other.duckdb' as other",
        "select * from read_csv('{dir}/../secret.csv')",
        "install json",
    ],
)
def test_sql_refuses_files_other_than_the_warehouse(figures, capsys, tmp_path, statement):
    folder = tmp_path / "export"
    folder.mkdir()
    (tmp_path / "secret.csv").write_text("a\n1\n")
    status, _, err = sql(capsys, statement.format(dir=folder), "--warehouse", str(figures))
    assert status == 2
    assert "reads the warehouse only" in err
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize(
    "statement",
    [
        "set enable_external_access = true",
        "set profiling_output = '{dir}/profile.json'",
        "set log_query_path = '{dir}/queries.log'",
        "pragma enable_profiling = 'json'",
        "set allowed_directories = ['{dir}']",
    ],
)
def test_sql_refuses_settings(figures, capsys, tmp_path, statement):
    status, _, err = sql(capsys, statement.format(dir=tmp_path), "--warehouse", str(figures))
    assert status == 2
    assert "cannot change DuckDB's settings" in err
    # and the setting did not stick for a file write in the same call
    status, _, _ = sql(
        capsys,
        statement.format(dir=tmp_path) + f"; copy (select 1) to '{tmp_path}/x.csv'",
        "--warehouse",
        str(figures),
    )
    assert status == 2 and not (tmp_path / "x.csv").exists()


def test_sql_help_describes_every_option(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    with pytest.raises(SystemExit):
        main(["sql", "--help"])
    out = capsys.readouterr().out
    # every entry under "positional arguments:" and "options:": a signature, then its help
    entries = re.split(r"\n  (?=\S)", "\n" + out.split("positional arguments:")[1])[1:]
    described = {}
    for entry in entries:
        signature, text = (re.split(r"\s{2,}", entry.strip(), maxsplit=1) + [""])[:2]
        described[signature.split(", ")[-1].split()[0]] = text
    assert set(described) >= {"query", "--file", "--format", "--max-width", "--warehouse"}
    assert all(len(text.split()) >= 3 for text in described.values()), described


def test_generate_can_hold_the_revisions_back_for_a_later_delivery(tmp_path, capsys):
    """`make demo` delivers the `_v2` files after their months were loaded: the generator writes
    them into their own folder, and the two folders hold exactly the files (and bytes) of one
    generation into a single folder."""
    common = ["--enterprises", "60", "--start", "2020-01", "--end", "2020-04", "--seed", "5"]
    common += ["--mess", "0.05"]
    assert main(["generate", "--out", str(tmp_path / "all"), *common]) == 0
    landing, later = tmp_path / "landing", tmp_path / "later"
    assert main(["generate", "--out", str(landing), "--revisions-out", str(later), *common]) == 0
    capsys.readouterr()
    revisions = sorted(p.name for p in later.iterdir())
    assert revisions and all(re.fullmatch(r"[a-z]+_\d{6}_v2\.csv", n) for n in revisions)
    assert not [p for p in landing.iterdir() if "_v2" in p.name]
    for name in revisions:  # the month itself is delivered first
        assert any(p.name.startswith(name.removesuffix("_v2.csv") + ".") for p in landing.iterdir())
    split = {p.name: p.read_bytes() for folder in (landing, later) for p in folder.iterdir()}
    whole = {p.name: p.read_bytes() for p in (tmp_path / "all").iterdir()}
    assert split == whole


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


@pytest.mark.parametrize("width", [40, 80])
def test_a_table_fits_the_width_and_keeps_all_its_text(width):
    note = "全市目标为规划期内累计建设数(记在2020年), compared with the sum of the parks. " * 3
    rows = [("慈觉林文创园", note), ("经开区", "短")]
    lines = render_table(["园区", "说明"], rows, width=width).splitlines()
    assert max(display_width(line) for line in lines) <= width
    cells = [[c.strip() for c in line.split("│")] for line in lines[2:]]
    assert [c[0] for c in cells if c[0]] == ["慈觉林文创园", "经开区"]
    wrapped = "".join(c[1] for c in cells[:-1])
    assert wrapped.replace(" ", "") == note.replace(" ", "")


def test_a_wide_table_continues_in_blocks_that_repeat_the_key():
    columns = ["园区", *(f"{year}\nT{tier}" for year in (2018, 2019, 2020) for tier in (1, 2, 3))]
    rows = [("慈觉林文创园", *range(100, 109)), ("经开区", *range(200, 209))]
    lines = render_table(columns, rows, width=40).splitlines()
    assert max(display_width(line) for line in lines) <= 40
    found = {}
    for line in lines:
        cells = [c.strip() for c in line.split("│")]
        if cells[0] in ("慈觉林文创园", "经开区"):
            found.setdefault(cells[0], []).extend(int(c) for c in cells[1:])
    assert found == {"慈觉林文创园": list(range(100, 109)), "经开区": list(range(200, 209))}


def test_the_command_exits_with_the_status_of_main_its_objects_left_out_of_the_last_collection(
    monkeypatch,
):
    import gc

    from pipelines import cli

    monkeypatch.setattr(cli, "main", lambda: 3)
    before = gc.get_freeze_count()
    try:
        with pytest.raises(SystemExit) as exit_:
            cli.entry()
        assert exit_.value.code == 3
        assert gc.get_freeze_count() > before  # the exit's collection will not walk them
    finally:
        gc.unfreeze()


@pytest.mark.parametrize("ends", ["returns", "raises"])
def test_a_run_loads_its_definitions_without_collecting_then_collects_again(
    tmp_path, monkeypatch, ends
):
    import gc

    from pipelines import cli
    from pipelines.config import Paths
    from pipelines.run_summary import NOTHING_TO_RUN

    seen = []

    def load_run(paths):
        seen.append(gc.isenabled())
        if ends == "raises":
            raise RuntimeError("the definitions did not load")
        return NOTHING_TO_RUN

    monkeypatch.setattr(cli, "_load_run", load_run)
    try:
        if ends == "raises":
            with pytest.raises(RuntimeError):
                cli.run_warehouse(Paths.from_env())
        else:
            assert cli.run_warehouse(Paths.from_env()) == NOTHING_TO_RUN
        assert seen == [False]  # no collection while they load
        assert gc.isenabled()  # and the run, or the caller, collects its garbage again
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
