"""What a revision changed: enterprise by enterprise (or project, carrier), column by column.

Computed by DuckDB between the month's rows in raw.<kind> and the revision's valid rows, staged as
Parquet files by the loader: no frame of a whole month is built, and DuckDB spills to disk what
does not fit its memory limit.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from schemas import SCHEMAS

# `delta` is new - old for values that read as numbers, as polars reads them (DuckDB's own cast
# also takes '1_000' or '+-5'; a text such as an industry code is a number too).
NUMBER = r"(?i)[+-]?((\d+\.?\d*|\.\d+)(e[+-]?\d+)?|inf|infinity|nan)"

# The month and the lineage columns are not compared. Only the kind and its key columns are put
# into the text of the query, all from the fixed SCHEMAS; a key of several columns is one record
# key, its values joined with '|'.
CHANGES_SQL = """
insert into meta.revision_changes by name
with old as (
    select {key} as _record_key,
           * exclude (period, _source_file, _source_sha256, _source_row, _revision, _loaded_at)
    from raw.{kind} where period = $period
),
new as (select {key} as _record_key, * exclude (period, _source_row) from read_parquet($staged)),
old_cells as (
    from (select _record_key, cast(columns(* exclude (_record_key, {key_columns})) as varchar) from old)
    unpivot include nulls (old_value for column_name in (columns(* exclude (_record_key))))
),
new_cells as (
    from (select _record_key, cast(columns(* exclude (_record_key, {key_columns})) as varchar) from new)
    unpivot include nulls (new_value for column_name in (columns(* exclude (_record_key))))
),
changes as (
    select _record_key as record_key, 'removed' as change from old
    where _record_key not in (select _record_key from new)
    union all by name
    select _record_key as record_key, 'added' as change from new
    where _record_key not in (select _record_key from old)
    union all by name
    select _record_key as record_key, 'changed' as change, column_name, old_value, new_value,
           case when regexp_full_match(old_value, $number) and regexp_full_match(new_value, $number)
                then try_cast(new_value as double) - try_cast(old_value as double) end as delta
    from old_cells join new_cells using (_record_key, column_name)
    where old_value is distinct from new_value
)
select $kind as kind, $period as period, $file_name as file_name,
       $superseded_file_name as superseded_file_name, $replaced_at as replaced_at, *
from changes
"""


def insert_revision_changes(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    period: dt.date,
    staged: list[Path],
    *,
    file_name: str,
    superseded_file_name: str,
    replaced_at: dt.datetime,
) -> None:
    """Into meta.revision_changes: rows added or removed, and every changed cell (old and new
    value as text, and the difference of numbers), between the loaded month and the `staged`
    Parquet files of the revision."""
    con.execute(
        CHANGES_SQL.format(
            kind=kind,
            key=" || '|' || ".join(SCHEMAS[kind].record_key_columns),
            key_columns=", ".join(SCHEMAS[kind].record_key_columns),
        ),
        {
            "period": period,
            "staged": [str(p) for p in staged],
            "number": NUMBER,
            "kind": kind,
            "file_name": file_name,
            "superseded_file_name": superseded_file_name,
            "replaced_at": replaced_at,
        },
    )
