"""`parks sql` is read-only and says so; it prints Chinese text as it is."""

import duckdb
import pytest

from pipelines.cli import main


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path, monkeypatch):
    """`parks` exports its paths to the environment (for dbt); undo that after each test."""
    for name in (
        "PARKS_HOME",
        "PARKS_LANDING",
        "PARKS_WAREHOUSE",
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
