"""Helpers shared by the tests that build or read a DuckDB warehouse."""

import hashlib
import os
import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb

LOADED_AT = datetime(2020, 7, 10, 9, 0, 0)

ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT = ROOT / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"


def dbt_build(path: Path, tmp: Path, *args: str, project: Path = DBT_PROJECT) -> None:
    """`dbt build` of the project (the repo's, or a copy at `project`; with `args`, e.g. a
    selection) on the warehouse at `path`, its target and logs under `tmp`; fails the test with
    dbt's output if dbt fails."""
    result = dbt_command("build", path, tmp, *args, project=project)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-4000:]


def dbt_command(
    command: str, path: Path, tmp: Path, *args: str, project: Path = DBT_PROJECT
) -> subprocess.CompletedProcess[str]:
    """A dbt command (`build`, `test`, ...) on the warehouse at `path`, as `dbt_build` runs it;
    its outcome, whether it passed or not."""
    env = {
        **os.environ,
        "PARKS_BUILD_WAREHOUSE": str(path),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_USE_COLORS": "false",
    }
    return subprocess.run(
        [
            str(DBT),
            command,
            *args,
            "--project-dir",
            str(project),
            "--profiles-dir",
            str(project),
            "--target-path",
            str(tmp / "target"),
            "--log-path",
            str(tmp / "logs"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def insert_raw(
    con: duckdb.DuckDBPyConnection, table: str, period: date, rows: list[dict], revision: int = 1
) -> None:
    """Insert hand-made rows into a raw table, with lineage as the loader would write it."""
    kind = table.split(".")[1]
    suffix = f"_v{revision}" if revision > 1 else ""
    file_name = f"{kind}_{period:%Y%m}{suffix}.csv"
    lineage = {
        "_source_file": file_name,
        "_source_sha256": hashlib.sha256(file_name.encode()).hexdigest(),
        "_revision": revision,
        "_loaded_at": LOADED_AT,
    }
    for row_number, row in enumerate(rows, start=2):  # header = row 1
        values = {"period": period, **row, **lineage, "_source_row": row_number}
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        con.execute(f"insert into {table} ({columns}) values ({marks})", list(values.values()))


def query_rows(path: Path, sql: str) -> list[dict]:
    """The result of a read-only query, one dict per row."""
    with duckdb.connect(str(path), read_only=True) as con:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def register_row(uscc: str, name: str, park: str, industry: str, status: str = "存续") -> dict:
    """A raw.registration row of an enterprise with nothing special about it but what is given."""
    return {
        "uscc": uscc,
        "enterprise_name": name,
        "park_code": park,
        "park_name_reported": park,
        "industry_code": industry,
        "status": status,
        "established_on": date(2015, 6, 1),
        "registered_capital_10k": Decimal("1000"),
        "is_high_tech": False,
        "is_tech_sme": False,
        "is_tech_leader": False,
        "listing_board": None,
    }


def run_env(tmp: Path, landing: Path) -> dict[str, str]:
    """The environment of a `parks run` whose every place is under `tmp`."""
    return {
        "PARKS_HOME": str(tmp),
        "PARKS_LANDING": str(landing),
        "PARKS_WAREHOUSE": str(tmp / "warehouse.duckdb"),
        "PARKS_BUILD_WAREHOUSE": str(tmp / "build" / "warehouse.duckdb"),
        "PARKS_ARCHIVE": str(tmp / "archive"),
        "DAGSTER_HOME": str(tmp / "dagster"),
    }
