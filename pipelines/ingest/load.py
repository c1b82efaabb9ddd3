"""Load one kind and month from the landing folder into the warehouse, atomically.

The highest revision of the month is read, validated, and replaces that month of the raw
table in one transaction, together with its rejects and a line in meta.loads. Every file seen
is archived byte-for-byte under its sha256 first. A file already loaded is not loaded again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from pipelines.ingest.landing import LandingFile, LandingScan
from pipelines.ingest.quality import rule_results
from pipelines.ingest.read import FileRejected, read_extract
from pipelines.ingest.revisions import revision_changes
from pipelines.reference import industry_divisions, park_aliases
from schemas import SCHEMAS
from schemas.common import ROW, TEXT, parse, validate

DDL = Path(__file__).resolve().parents[1] / "warehouse_ddl.sql"
CONSTANT_LINEAGE = ["_source_file", "_source_sha256", "_revision", "_loaded_at"]


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL.read_text(encoding="utf-8"))


@dataclass
class LoadOutcome:
    kind: str
    month: str
    status: str  # loaded | unchanged | file_rejected | no_file
    file_name: str | None = None
    sha256: str | None = None
    message: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rule_failures: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.status == "loaded":
            return (
                f"{self.file_name}: {self.rows_loaded} of {self.rows_read} rows loaded, "
                f"{self.rows_rejected} set aside"
            )
        if self.status == "unchanged":
            return f"{self.file_name}: already loaded, unchanged"
        if self.status == "no_file":
            return f"{self.kind} {self.month}: no file in the landing folder"
        return f"REJECTED {self.message}"


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def archive(data: bytes, sha: str, ext: str, archive_dir: Path) -> Path:
    """Keep the received bytes under their checksum (written once, atomically)."""
    target = archive_dir / sha[:2] / f"{sha}.{ext}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(target.suffix + ".part")
        tmp.write_bytes(data)
        os.replace(tmp, target)
    return target


def _already_seen(con: duckdb.DuckDBPyConnection, name: str, sha: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from meta.loads where file_name = ? and sha256 = ?", [name, sha]
        ).fetchall()[0][0]
    )


def _current_sha(con: duckdb.DuckDBPyConnection, kind: str, period: dt.date) -> str | None:
    rows = con.execute(
        "select sha256 from meta.loads where kind = ? and period = ? and status = 'loaded' "
        "order by loaded_at desc limit 1",
        [kind, period],
    ).fetchall()
    return rows[0][0] if rows else None


def _file_name_of(con: duckdb.DuckDBPyConnection, sha: str) -> str:
    return con.execute(
        "select file_name from meta.loads where sha256 = ? limit 1", [sha]
    ).fetchall()[0][0]


def record_superseded(con: duckdb.DuckDBPyConnection, f: LandingFile, archive_dir: Path) -> None:
    """An older revision beside a newer one: archived and listed, never loaded."""
    data = f.path.read_bytes()
    sha = sha256_of(data)
    if _already_seen(con, f.path.name, sha):
        return
    archive(data, sha, f.ext, archive_dir)
    con.execute(
        "insert into meta.loads (file_name, kind, period, revision, sha256, size_bytes, received_at, status, "
        "message) values (?, ?, ?, ?, ?, ?, now(), 'superseded', 'a higher revision of this month arrived')",
        [f.path.name, f.kind, f.period, f.revision, sha, len(data)],
    )


def record_not_extract(con: duckdb.DuckDBPyConnection, path: Path, archive_dir: Path) -> str:
    data = path.read_bytes()
    sha = sha256_of(data)
    message = (
        f"{path.name}: not an extract: file names must look like <kind>_<YYYYMM>[_v<N>].csv|xlsx "
        f"with kind one of {', '.join(SCHEMAS)}; rename it or remove it from the landing folder"
    )
    if not _already_seen(con, path.name, sha):
        archive(data, sha, path.suffix.lstrip(".") or "bin", archive_dir)
        con.execute(
            "insert into meta.loads (file_name, sha256, size_bytes, received_at, status, message) "
            "values (?, ?, ?, now(), 'not_an_extract', ?)",
            [path.name, sha, len(data), message],
        )
    return message


def _output_context(con: duckdb.DuckDBPyConnection, period: dt.date) -> pl.DataFrame:
    """What the output rules need from earlier months and from this month's register."""
    return con.sql(
        """
        with earlier as (
            -- each enterprise's latest earlier month of the year (an aggregate, not a window:
            -- December reads eleven months of output; arg_max_null keeps a null of that month)
            select uscc, max(period) as period,
                   arg_max_null(gross_output_ytd_10k, period) as gross_output_ytd_10k,
                   arg_max_null(revenue_ytd_10k, period) as revenue_ytd_10k
            from raw.output
            where period >= date_trunc('year', $p) and period < $p
            group by uscc
        ),
        reported as (
            select uscc from earlier
            union
            select record_key from meta.rejects
            where kind = 'output' and period >= date_trunc('year', $p) and period < $p
        ),
        registered as (
            select uscc, left(industry_code, 2) as division from raw.registration where period = $p
        )
        select coalesce(e.uscc, r.uscc, g.uscc) as uscc__text,
               e.period as _prev_period,
               e.gross_output_ytd_10k::double as _prev_gross_output_ytd_10k,
               e.revenue_ytd_10k::double as _prev_revenue_ytd_10k,
               r.uscc is not null as _reported_earlier,
               g.division as _division
        from earlier e
        full join reported r using (uscc)
        full join registered g using (uscc)
        """,
        params={"p": period},
    ).pl()


def with_context(
    frame: pl.DataFrame, kind: str, con: duckdb.DuckDBPyConnection, period: dt.date
) -> pl.DataFrame:
    frame = frame.with_columns(pl.lit(period).alias("_file_period"))
    if kind != "output":
        return frame
    context = _output_context(con, period)
    divisions = industry_divisions()
    context = context.with_columns(
        pl.col("_division")
        .replace_strict(divisions, default=None, return_dtype=pl.Boolean)
        .alias("_is_industrial")
    ).drop("_division")
    return frame.join(context, on="uscc" + TEXT, how="left")


def _to_raw(
    valid: pl.DataFrame, kind: str, f: LandingFile, con: duckdb.DuckDBPyConnection
) -> pl.DataFrame:
    """Typed valid rows -> the raw table's columns, in its order."""
    if "park" in valid.columns:
        valid = valid.with_columns(
            pl.col("park").replace_strict(park_aliases(), default=None).alias("park_code"),
            pl.col("park").alias("park_name_reported"),
        )
    if "period" not in valid.columns:
        valid = valid.with_columns(pl.lit(f.period).alias("period"))
    valid = valid.with_columns(pl.col(ROW).alias("_source_row"))
    columns = [
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns where table_schema = 'raw' and table_name = ? "
            "order by ordinal_position",
            [kind],
        ).fetchall()
    ]
    # The per-file lineage constants are added by DuckDB on insert (see CONSTANT_LINEAGE), not
    # repeated here on every row: a 6-million-row file would carry 500 MB of the same checksum.
    return valid.select([c for c in columns if c not in CONSTANT_LINEAGE])


def load_month(
    con: duckdb.DuckDBPyConnection, scan: LandingScan, kind: str, period: dt.date, archive_dir: Path
) -> LoadOutcome:
    month = period.strftime("%Y-%m")
    for old in scan.superseded(kind, period):
        record_superseded(con, old, archive_dir)
    f = scan.latest(kind, period)
    if f is None:
        return LoadOutcome(kind, month, "no_file")
    data = f.path.read_bytes()
    sha = sha256_of(data)
    outcome = LoadOutcome(kind, month, "loaded", file_name=f.path.name, sha256=sha)
    if _already_seen(con, f.path.name, sha):
        outcome.status = "unchanged"
        return outcome
    archive(data, sha, f.ext, archive_dir)
    size = len(data)
    previous = _current_sha(con, kind, period)
    schema = SCHEMAS[kind]
    received_at = dt.datetime.now()
    try:
        read = read_extract(data, f.path.name, f.ext, schema)
        del data  # big files: hold one copy at a time
        frame = with_context(parse(read.frame, schema), kind, con, period)
        _reject_wrong_month(frame, f)
    except FileRejected as e:
        outcome.status, outcome.message = "file_rejected", str(e)
        if previous:
            outcome.message += (
                f" (the month keeps the rows of the file loaded before, sha256 {previous[:12]})"
            )
        con.execute(
            "insert into meta.loads (file_name, kind, period, revision, sha256, size_bytes, received_at, "
            "status, message) values (?, ?, ?, ?, ?, ?, ?, 'file_rejected', ?)",
            [f.path.name, kind, period, f.revision, sha, size, received_at, outcome.message],
        )
        return outcome

    outcome.notes, encoding = read.notes, read.encoding
    del read
    result = validate(frame, schema)
    outcome.rows_read = frame.height
    outcome.rows_loaded = result.valid.height
    outcome.rows_rejected = frame.height - result.valid.height
    outcome.rule_failures = result.rule_counts
    loaded_at = dt.datetime.now()
    raw_rows = _to_raw(result.valid, kind, f, con)
    changes = None
    if previous:
        changes = revision_changes(con, kind, period, raw_rows).with_columns(
            pl.lit(kind).alias("kind"),
            pl.lit(period).alias("period"),
            pl.lit(f.path.name).alias("file_name"),
            pl.lit(_file_name_of(con, previous)).alias("superseded_file_name"),
            pl.lit(loaded_at).alias("replaced_at"),
        )
    rejects = result.rejects.with_columns(
        pl.lit(kind).alias("kind"),
        pl.lit(period).alias("period"),
        pl.lit(f.path.name).alias("file_name"),
        pl.lit(sha).alias("sha256"),
    )
    results = rule_results(result.rule_table, schema, kind, period, f.path.name, sha)
    con.execute("begin transaction")
    try:
        if changes is not None:
            con.register("incoming_changes", changes)
            con.execute("insert into meta.revision_changes by name select * from incoming_changes")
            con.unregister("incoming_changes")
        con.execute(f"delete from raw.{kind} where period = ?", [period])
        con.register("incoming_rows", raw_rows)
        con.execute(
            f"insert into raw.{kind} by name select *, ? as _source_file, ? as _source_sha256, "
            "? as _revision, ? as _loaded_at from incoming_rows",
            [f.path.name, sha, f.revision, loaded_at],
        )
        con.execute("delete from meta.rejects where kind = ? and period = ?", [kind, period])
        con.register("incoming_rejects", rejects)
        con.execute("insert into meta.rejects by name select * from incoming_rejects")
        con.execute("delete from meta.rule_results where kind = ? and period = ?", [kind, period])
        con.register("incoming_rule_results", results)
        con.execute("insert into meta.rule_results by name select * from incoming_rule_results")
        con.execute(
            "update meta.loads set status = 'superseded' where kind = ? and period = ? "
            "and status = 'loaded'",
            [kind, period],
        )
        con.execute(
            "insert into meta.loads (file_name, kind, period, revision, sha256, size_bytes, encoding, "
            "received_at, loaded_at, status, message, rows_read, rows_loaded, rows_rejected, "
            "superseded_sha256) values (?, ?, ?, ?, ?, ?, ?, ?, ?, 'loaded', ?, ?, ?, ?, ?)",
            [
                f.path.name,
                kind,
                period,
                f.revision,
                sha,
                size,
                encoding,
                received_at,
                loaded_at,
                "; ".join(outcome.notes) or None,
                outcome.rows_read,
                outcome.rows_loaded,
                outcome.rows_rejected,
                previous,
            ],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        con.unregister("incoming_rows")
        con.unregister("incoming_rejects")
        con.unregister("incoming_rule_results")
    return outcome


def _reject_wrong_month(frame: pl.DataFrame, f: LandingFile) -> None:
    """A file whose rows mostly belong to another month is the wrong file, not a file with bad rows."""
    if "period" not in frame.columns:
        return
    periods = frame.get_column("period").drop_nulls()
    if periods.len() == 0:
        return
    commonest = periods.mode().sort()[0]
    if commonest != f.period and (periods == f.period).sum() * 2 < periods.len():
        raise FileRejected(
            f"{f.path.name}: wrong month: the file name says {f.month_key} but its 所属期 is mostly "
            f"{commonest:%Y-%m}; rename the file to the month it holds or ask for the right extract"
        )
