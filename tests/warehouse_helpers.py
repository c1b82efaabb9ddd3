"""Helpers shared by the tests that read a DuckDB warehouse."""

from pathlib import Path

import duckdb


def query_rows(path: Path, sql: str) -> list[dict]:
    """The result of a read-only query, one dict per row."""
    with duckdb.connect(str(path), read_only=True) as con:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
