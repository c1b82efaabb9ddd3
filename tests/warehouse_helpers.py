"""Helpers shared by the tests that build or read a DuckDB warehouse."""

import hashlib
from datetime import date, datetime
from pathlib import Path

import duckdb

LOADED_AT = datetime(2020, 7, 10, 9, 0, 0)


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
