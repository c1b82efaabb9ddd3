"""What a revision changed: enterprise by enterprise (or project, carrier), column by column."""

from __future__ import annotations

import duckdb
import polars as pl

from schemas import SCHEMAS

SKIP = {"period", "_source_file", "_source_sha256", "_source_row", "_revision", "_loaded_at"}
CHANGE_SCHEMA = {
    "record_key": pl.String,
    "change": pl.String,
    "column_name": pl.String,
    "old_value": pl.String,
    "new_value": pl.String,
    "delta": pl.Float64,
}


def revision_changes(
    con: duckdb.DuckDBPyConnection, kind: str, period, incoming: pl.DataFrame
) -> pl.DataFrame:
    """Rows added or removed, and every changed cell, between the loaded month and `incoming`."""
    key = SCHEMAS[kind].key[0]
    old = con.sql(f"select * from raw.{kind} where period = $p", params={"p": period}).pl()
    columns = [c for c in incoming.columns if c not in SKIP and c != key and c in old.columns]
    old = old.select(key, *columns).with_columns(pl.all().exclude(key).cast(pl.String))
    new = incoming.select(key, *columns).with_columns(pl.all().exclude(key).cast(pl.String))
    joined = old.join(new, on=key, how="full", suffix="__new", coalesce=True)
    parts = [
        joined.filter(pl.col(key).is_in(new[key].implode()).not_()).select(
            pl.col(key).alias("record_key"), pl.lit("removed").alias("change")
        ),
        joined.filter(pl.col(key).is_in(old[key].implode()).not_()).select(
            pl.col(key).alias("record_key"), pl.lit("added").alias("change")
        ),
    ]
    both = joined.filter(
        pl.col(key).is_in(old[key].implode()) & pl.col(key).is_in(new[key].implode())
    )
    for c in columns:
        before, after = pl.col(c), pl.col(c + "__new")
        differs = before.ne_missing(after)
        delta = after.cast(pl.Float64, strict=False) - before.cast(pl.Float64, strict=False)
        parts.append(
            both.filter(differs).select(
                pl.col(key).alias("record_key"),
                pl.lit("changed").alias("change"),
                pl.lit(c).alias("column_name"),
                before.alias("old_value"),
                after.alias("new_value"),
                delta.alias("delta"),
            )
        )
    # Every kind has value columns, so the "changed" parts carry all columns of CHANGE_SCHEMA.
    return pl.concat(parts, how="diagonal").select(
        pl.col(c).cast(t) for c, t in CHANGE_SCHEMA.items()
    )
