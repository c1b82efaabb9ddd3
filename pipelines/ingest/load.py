"""Load one kind and month from the landing folder into the warehouse, atomically.

The highest revision of the month that loads is read, validated, and replaces that month of the
raw table in one transaction, together with its rejects, rule counts, what the revision changed
and a line in meta.loads (a revision refused whole leaves the month to the one below it). Every
file seen is archived byte-for-byte under its sha256 first. A file handled before (loaded,
refused, superseded) is not read again.

A file is never held whole in memory (XLSX aside, see read.py): it is hashed and archived in
chunks, then read once, batch by batch: each batch is validated and its valid rows and rejects
are staged as Parquet files, which the final transaction inserts, while the facts of the whole
file are gathered (survey.py). The rows those facts show to repeat a key (and only those, read
again) are then set aside. The raw step prepares the next (kind, month)'s file that way while
this one's rows are inserted (ReadAhead, `load_in_order`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import duckdb
import polars as pl

from pipelines.confidential import open_private
from pipelines.config import env_flag
from pipelines.ingest.landing import (
    NAME_FORM,
    LandingFile,
    LandingScan,
    name_problem,
    same_revision_twice,
)
from pipelines.ingest.quality import rule_results
from pipelines.ingest.read import CHUNK_BYTES, Extract, FileRejected, open_extract
from pipelines.ingest.revisions import insert_revision_changes
from pipelines.ingest.survey import FileFacts
from pipelines.reference import industry_divisions, park_aliases
from schemas import SCHEMAS
from schemas.common import ROW, TEXT, Confrontation, parse
from schemas.headers import ANNUAL_KINDS

DDL = Path(__file__).resolve().parents[1] / "warehouse_ddl.sql"
CONSTANT_LINEAGE = ["_source_file", "_source_sha256", "_revision", "_loaded_at"]


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class NotLoaded:
    """A landing file that was not loaded and why (status as in meta.loads)."""

    file_name: str
    status: str  # file_rejected | same_revision_twice
    message: str


@dataclass
class LoadOutcome:
    kind: str
    month: str
    status: str  # loaded | unchanged | file_rejected (nothing loaded, a revision refused) | no_file
    file_name: str | None = None
    sha256: str | None = None
    message: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rule_failures: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # the revisions above the one that counts, refused
    refused: list[NotLoaded] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)  # file names, the revisions below it

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


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK_BYTES):
            yield chunk


def _archived(archive_dir: Path, sha: str, ext: str) -> Path:
    return archive_dir / sha[:2] / f"{sha}.{ext}"


def _copy_hashing(path: Path, copy: Path) -> str:
    """Copy `path` to `copy` (the archive's mode, not the landing file's: it may be readable by
    all) and return the checksum of the bytes copied."""
    digest = hashlib.sha256()
    with open_private(copy) as out:
        for chunk in _chunks(path):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def hash_into_archive(path: Path, ext: str, archive_dir: Path) -> str:
    """The file's checksum, from the one read that also archives it: its bytes are copied as they
    are hashed, and kept under their checksum (written once, atomically) unless the archive holds
    them already."""
    archive_dir.mkdir(parents=True, exist_ok=True)
    copy = archive_dir / f".{path.name}.{os.getpid()}.{threading.get_ident()}.part"
    try:
        sha = _copy_hashing(path, copy)
        target = _archived(archive_dir, sha, ext)
        if target.exists():
            copy.unlink()
        else:
            target.parent.mkdir(exist_ok=True)
            os.replace(copy, target)
    except BaseException:
        copy.unlink(missing_ok=True)
        raise
    return sha


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    for chunk in _chunks(path):
        digest.update(chunk)
    return digest.hexdigest()


def checksum(path: Path, ext: str, archive_dir: Path, con: duckdb.DuckDBPyConnection) -> str:
    """The file's sha256, from one read. A name meta.loads does not know is a new delivery, to be
    archived: its bytes are archived as they are hashed (`hash_into_archive`). A known name (a
    file touched or rewritten, every file under PARKS_VERIFY_CHECKSUMS) is most often archived
    already: it is only hashed, not copied to be thrown away."""
    known = con.execute("select 1 from meta.loads where file_name = ? limit 1", [path.name])
    if known.fetchone():
        return _sha256_of(path)
    return hash_into_archive(path, ext, archive_dir)


def archive(path: Path, sha: str, ext: str, archive_dir: Path) -> Path:
    """Keep the received bytes under their checksum (written once, atomically), if the archive
    does not hold them yet (`checksum` put a new delivery there when it hashed it)."""
    target = _archived(archive_dir, sha, ext)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        copy = target.with_suffix(target.suffix + ".part")
        if _copy_hashing(path, copy) != sha:
            copy.unlink()
            raise RuntimeError(
                f"{path.name} changed while it was being archived; load it again once it is "
                "complete"
            )
        os.replace(copy, target)
    return target


def _already_seen(con: duckdb.DuckDBPyConnection, name: str, sha: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from meta.loads where file_name = ? and sha256 = ?", [name, sha]
        ).fetchall()[0][0]
    )


def modified_time(stat: os.stat_result) -> dt.datetime:
    """A file's modification time as meta.loads records it (UTC, to the microsecond)."""
    return dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=stat.st_mtime_ns // 1000)


@dataclass(frozen=True)
class Identity:
    """A landing file's checksum, modification time (UTC) and whether it was handled before."""

    sha: str
    modified_at: dt.datetime
    seen: bool


def _recorded_checksum(
    con: duckdb.DuckDBPyConnection, path: Path, stat: os.stat_result
) -> str | None:
    """The checksum meta.loads records for a file of this name, size and modification time
    (never with PARKS_VERIFY_CHECKSUMS=1: every file is then hashed)."""
    if env_flag("PARKS_VERIFY_CHECKSUMS"):
        return None
    known = con.execute(
        "select sha256 from meta.loads where file_name = ? and size_bytes = ? "
        "and modified_at = ? limit 1",
        [path.name, stat.st_size, modified_time(stat)],
    ).fetchone()
    return known[0] if known else None


def identify(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    ext: str,
    archive_dir: Path,
    sha: str | None = None,
) -> Identity:
    """A file of the same name, size and modification time as one in meta.loads is that file:
    its checksum is taken from there instead of reading the file again (as git and rsync
    recognize unchanged files; at a million enterprises, reading the 216 files of three years
    was a noticeable part of every run). Otherwise, or with PARKS_VERIFY_CHECKSUMS=1, the file is
    hashed (`checksum`, which archives a new delivery on the way; `sha`: hashed already, by
    ReadAhead), and a file seen before under the same checksum gets its modification time
    recorded."""
    stat = path.stat()  # before reading: a change while hashing shows as a newer time next run
    modified_at = modified_time(stat)
    if known := _recorded_checksum(con, path, stat):
        return Identity(known, modified_at, seen=True)
    sha = sha or checksum(path, ext, archive_dir, con)
    seen = _already_seen(con, path.name, sha)
    if seen:
        con.execute(
            "update meta.loads set modified_at = ? where file_name = ? and sha256 = ? "
            "and modified_at is distinct from ?",
            [modified_at, path.name, sha, modified_at],
        )
    return Identity(sha, modified_at, seen)


def _file_name_of(con: duckdb.DuckDBPyConnection, sha: str) -> str:
    return con.execute(
        "select file_name from meta.loads where sha256 = ? limit 1", [sha]
    ).fetchall()[0][0]


def months_to_load(landing: LandingScan, build: Path) -> list[str]:
    """Months ("YYYY-MM") with an extract file that meta.loads does not list under its name,
    size and modification time (see `identify`): what a run must load; the others would all be
    "already loaded, unchanged". A revision delivered twice is not read, so it is no reason.
    Every month when there is no build yet, when a killed writer left a WAL beside it (the
    loader first goes back to the last publication), or with PARKS_VERIFY_CHECKSUMS=1."""
    every = landing.months()
    wal = build.with_name(build.name + ".wal")
    if env_flag("PARKS_VERIFY_CHECKSUMS") or not build.exists() or wal.exists():
        return every
    twice = landing.delivered_twice()  # none is read until all but one are removed
    stats = {f.path: f.path.stat() for f in landing.extracts}
    try:
        with duckdb.connect(str(build), read_only=True) as con:
            listed = con.execute(
                "select count(*) from duckdb_columns() where schema_name = 'meta' "
                "and table_name = 'loads' and column_name = 'modified_at'"
            ).fetchone()[0]
            known = set(
                con.execute(
                    "select file_name, size_bytes, modified_at from meta.loads "
                    "where modified_at is not null"
                ).fetchall()
                if listed
                else ()  # a warehouse of an earlier release: every file is identified once more
            )
    except duckdb.Error:
        return every  # another writer holds the build: the loader will tell
    return sorted(
        {
            f.month_key
            for f in landing.extracts
            if f.path not in twice
            and (f.path.name, stats[f.path].st_size, modified_time(stats[f.path])) not in known
        }
    )


def record_superseded(
    con: duckdb.DuckDBPyConnection, f: LandingFile, counted: str, archive_dir: Path
) -> None:
    """A revision below the one that counts (`counted`): archived and listed, never loaded."""
    file = identify(con, f.path, f.ext, archive_dir)
    if file.seen:
        return
    kept = archive(f.path, file.sha, f.ext, archive_dir)
    con.execute(
        "insert into meta.loads (file_name, kind, period, revision, sha256, size_bytes, modified_at, "
        "received_at, status, message) values (?, ?, ?, ?, ?, ?, ?, now(), 'superseded', ?)",
        [
            f.path.name,
            f.kind,
            f.period,
            f.revision,
            file.sha,
            kept.stat().st_size,
            file.modified_at,
            f"{counted}, a higher revision of this month, counts",
        ],
    )


def record_not_extract(con: duckdb.DuckDBPyConnection, path: Path, archive_dir: Path) -> str:
    ext = path.suffix.lstrip(".") or "bin"
    file = identify(con, path, ext, archive_dir)
    message = (
        f"{path.name}: not an extract: {name_problem(path.name)}; file names look like "
        f"{NAME_FORM} with kind one of {', '.join(SCHEMAS)}; rename it or remove it from the "
        "landing folder"
    )
    if not file.seen:
        kept = archive(path, file.sha, ext, archive_dir)
        con.execute(
            "insert into meta.loads (file_name, sha256, size_bytes, modified_at, received_at, "
            "status, message) values (?, ?, ?, ?, now(), 'not_an_extract', ?)",
            [path.name, file.sha, kept.stat().st_size, file.modified_at, message],
        )
    return message


def _output_context(con: duckdb.DuckDBPyConnection, period: dt.date) -> pl.DataFrame:
    """What the output rules need from earlier months and from this month's register."""
    # execute, not con.sql(..., params=): the relation with a parameter was several times slower
    # for the same rows (DuckDB 1.5.6, docs/performance.md)
    return con.execute(
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
        {"p": period},
    ).pl()


@dataclass(frozen=True)
class Reads:
    """What a kind's rules read of the warehouse besides the file itself (`rule_context`): a
    month of the kind is prepared only once the months it reads are committed."""

    same_month: tuple[str, ...] = ()  # these kinds' raw rows of the file's month
    earlier_in_year: bool = False  # its own raw rows and rejects of the year's earlier months


# The kinds whose rules read the warehouse, and what: `_output_context` reads the month's
# register and output's earlier months of the year (raw.output, meta.rejects).
READS = {"output": Reads(same_month=("registration",), earlier_in_year=True)}


def rule_context(kind: str, con: duckdb.DuckDBPyConnection, period: dt.date) -> pl.DataFrame | None:
    """Per-enterprise columns the output rules read (None for the other kinds). One row per
    enterprise of the year or of the month's register: its size does not depend on the file."""
    if kind not in READS:
        return None
    divisions = industry_divisions()
    return (
        _output_context(con, period)
        .with_columns(
            pl.col("_division")
            .replace_strict(divisions, default=None, return_dtype=pl.Boolean)
            .alias("_is_industrial")
        )
        .drop("_division")
    )


def add_context(frame: pl.DataFrame, period: dt.date, context: pl.DataFrame | None) -> pl.DataFrame:
    """`frame` with the columns its rules read beside its own: the file's month, the context."""
    frame = frame.with_columns(pl.lit(period).alias("_file_period"))
    if context is None:
        return frame
    return frame.join(context, on="uscc" + TEXT, how="left", maintain_order="left")


def _raw_columns(con: duckdb.DuckDBPyConnection, kind: str) -> list[str]:
    """The raw table's columns, in its order, but the per-file lineage constants: DuckDB adds
    those on insert (see CONSTANT_LINEAGE) instead of every staged row carrying the checksum."""
    return [
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns where table_schema = 'raw' "
            "and table_name = ? order by ordinal_position",
            [kind],
        ).fetchall()
        if r[0] not in CONSTANT_LINEAGE
    ]


def _to_raw(valid: pl.DataFrame, f: LandingFile, columns: list[str]) -> pl.DataFrame:
    """Typed valid rows -> the raw table's `columns`."""
    if "park" in valid.columns:
        parks = {**park_aliases(), **SCHEMAS[f.kind].extra_parks}
        valid = valid.with_columns(
            pl.col("park").replace_strict(parks, default=None).alias("park_code"),
            pl.col("park").alias("park_name_reported"),
        )
    if "period" not in valid.columns:
        valid = valid.with_columns(pl.lit(f.period).alias("period"))
    return valid.with_columns(pl.col(ROW).alias("_source_row")).select(columns)


# DuckDB's row group (rows). Staged rows are written in Parquet row groups of exactly this size,
# so that each becomes one full row group of the raw table: remainders (polars writes 125,000
# rows a group) left partial row groups that the first checkpoint after a full build compacted,
# a long pause at a million enterprises (docs/performance.md).
DUCKDB_ROW_GROUP = 122_880


class Staging:
    """A load's valid rows and rejects, batch by batch, as Parquet files in a scratch folder, for
    the final transaction to insert: memory stays flat whatever the size of the file (a DuckDB
    temporary table is held in memory, uncompressed: docs/performance.md).

    Valid rows are kept back until they fill whole row groups; `finish` writes the remainder, so
    that a month leaves at most one partial row group in its raw table. A file whose valid rows
    all fit in less than a row group (every monthly file at 100,000 enterprises) is not staged:
    its rows stay in memory (`held`), where they already were until `finish`, and are inserted
    from there rather than written to Parquet for DuckDB to read back (docs/performance.md)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.rows: list[Path] = []  # the staged files, none if `held`
        self.held: pl.DataFrame | None = None  # after `finish`: all the valid rows, not staged
        self.rejects: list[Path] = []  # batches with rejects only
        self._pending: list[pl.DataFrame] = []  # valid rows kept back, less than a row group
        self._written = 0  # files written, to name the next one

    def add(self, rows: pl.DataFrame, rejects: pl.DataFrame) -> None:
        self._add_rows(rows)
        if rejects.height:
            self.rejects.append(self._write(rejects, "rejects"))

    def finish(self) -> None:
        """Stage the rows kept back, or hold them if no file was staged (all the valid rows are
        then in less than a row group, maybe none)."""
        pending = pl.concat(self._pending)
        if not self.rows:
            self.held = pending
        elif pending.height:
            self.rows.append(self._write(pending, "rows"))
        self._pending = []

    def staged(self) -> list[Path]:
        """After `finish`: the valid rows as Parquet files (at least one, even empty), the held
        rows written first, for a query that reads files (a revision's changes)."""
        if self.held is not None:
            self.rows, self.held = [self._write(self.held, "rows")], None
        return self.rows

    def set_aside(self, rows: pl.Series, rejects: pl.DataFrame) -> None:
        """Before `finish`: file rows (ROW) found to break a rule once the whole file was read,
        and their rejects. The rows leave the rows kept back and the staged files, which are
        staged again from the first that holds one of them on (the files before it are whole
        row groups)."""
        wanted = pl.col("_source_row").is_in(rows.implode())
        held = (
            i
            for i, path in enumerate(self.rows)
            if pl.scan_parquet(path).filter(wanted).select(pl.len()).collect().item()
        )
        first = next(held, len(self.rows))
        again, self.rows = self.rows[first:], self.rows[:first]
        kept_back, self._pending = self._pending, []
        for path in again:
            self._add_rows(pl.read_parquet(path).filter(~wanted))
            path.unlink()
        for frame in kept_back:
            self._add_rows(frame.filter(~wanted))
        if rejects.height:
            self.rejects.append(self._write(rejects, "rejects"))

    def _add_rows(self, rows: pl.DataFrame) -> None:
        self._pending.append(rows)
        if sum(frame.height for frame in self._pending) >= DUCKDB_ROW_GROUP:
            pending = pl.concat(self._pending)
            whole = pending.height - pending.height % DUCKDB_ROW_GROUP
            self.rows.append(self._write(pending.slice(0, whole), "rows"))
            self._pending = [pending.slice(whole)]

    def _write(self, frame: pl.DataFrame, what: str) -> Path:
        path = self.folder / f"{what}-{self._written:06d}.parquet"
        self._written += 1
        frame.write_parquet(path, row_group_size=DUCKDB_ROW_GROUP)
        return path


def _validate(
    con: duckdb.DuckDBPyConnection, extract: Extract, f: LandingFile, staging: Staging
) -> Confrontation:
    """One pass over the file: every batch parsed, given its context, confronted with the rules
    and staged, while the facts of the whole file are gathered (survey.py). Once it has been
    read: its month checked, and the rows that repeat a key set aside."""
    schema = extract.schema
    context = rule_context(f.kind, con, f.period)
    columns = _raw_columns(con, f.kind)
    confrontation = Confrontation(schema)
    facts = FileFacts(schema)
    for batch in extract.batches():
        parsed = parse(batch, schema, flag_duplicates=False)
        facts.add(parsed)
        valid, rejects = confrontation.add(add_context(parsed, f.period, context))
        staging.add(_to_raw(valid, f, columns), rejects)
    if (repeated := whole_file_checks(facts, extract, f, confrontation)) is not None:
        staging.set_aside(*repeated)
    staging.finish()
    return confrontation


def whole_file_checks(
    facts: FileFacts, extract: Extract, f: LandingFile, confrontation: Confrontation
) -> tuple[pl.Series, pl.DataFrame] | None:
    """Once the file has been read: FileRejected if it is of the wrong month; else the rows
    that repeat a key, confronted with the rules that read the duplicate flags (ROW, rejects),
    or None when no key repeats."""
    facts.reject_wrong_month(f)
    repeating = facts.rows_whose_key_may_repeat(extract)
    if repeating is None:
        return None
    return confrontation.add_duplicates(parse(repeating, extract.schema))


@dataclass(frozen=True)
class _Received:
    """A file about to be loaded, as meta.loads describes it whether it loads or is rejected."""

    f: LandingFile
    sha: str
    size: int
    modified_at: dt.datetime
    received_at: dt.datetime
    previous: str | None  # sha256 of the file the month holds now


@dataclass(frozen=True)
class _Current:
    """The file a month's raw rows come from (meta.loads, status loaded)."""

    sha: str
    file_name: str
    revision: int


def _current(con: duckdb.DuckDBPyConnection, kind: str, period: dt.date) -> _Current | None:
    row = con.execute(
        "select sha256, file_name, revision from meta.loads where kind = ? and period = ? "
        "and status = 'loaded' order by loaded_at desc limit 1",
        [kind, period],
    ).fetchone()
    return _Current(*row) if row else None


def _status_of(con: duckdb.DuckDBPyConnection, name: str, sha: str) -> tuple[str, str | None]:
    """What became of a file seen before: its latest line in meta.loads (status, message)."""
    return con.execute(
        "select status, message from meta.loads where file_name = ? and sha256 = ? "
        "order by received_at desc limit 1",
        [name, sha],
    ).fetchone()


def load_month(
    con: duckdb.DuckDBPyConnection,
    scan: LandingScan,
    kind: str,
    period: dt.date,
    archive_dir: Path,
    ahead: ReadAhead | None = None,
) -> LoadOutcome:
    """The month holds the highest revision in the landing folder that loads: revisions are tried
    from the highest down until one loads or is the one loaded before. A revision refused whole
    (or delivered twice) never empties the month; the revisions below the one that counts are
    superseded. A file refused before is recognized like any other (`identify`) and not read
    again, so the next run neither retries it nor goes back and forth."""
    month = period.strftime("%Y" if kind in ANNUAL_KINDS and period.month == 1 else "%Y-%m")
    revisions = scan.revisions(kind, period)
    if not revisions:
        return LoadOutcome(kind, month, "no_file")
    current = _current(con, kind, period)
    outcome = LoadOutcome(kind, month, "unchanged")
    counted: str | None = None  # the name of the file the month holds once this is done
    below: list[LandingFile] = []  # revisions under the one that counts
    for files in revisions:
        if counted:
            below.extend(files)
            continue
        if len(files) > 1:
            message = same_revision_twice(files)
            outcome.refused += [
                NotLoaded(f.path.name, "same_revision_twice", message) for f in files
            ]
            continue
        f = files[0]
        if current and f.revision < current.revision:
            counted = current.file_name  # loaded before, from a higher revision than any left
            outcome.file_name, outcome.sha256 = current.file_name, current.sha
            below.extend(files)
            continue
        file = identify(con, f.path, f.ext, archive_dir, ahead and ahead.checksum(f.path))
        if file.seen and current and file.sha == current.sha:
            counted = f.path.name
            outcome.file_name, outcome.sha256 = f.path.name, file.sha
            continue
        if file.seen:
            status, message = _status_of(con, f.path.name, file.sha)
            if status == "file_rejected":
                outcome.refused.append(NotLoaded(f.path.name, status, message))
                continue
            # else superseded without ever counting (a higher revision refused by an earlier
            # release of this loader, since removed): it counts now
        if _load_file(con, f, file, current, archive_dir, outcome, ahead):
            counted = f.path.name
            outcome.status = "loaded"
    for f in below:
        record_superseded(con, f, counted, archive_dir)
        outcome.superseded.append(f.path.name)
    if outcome.status != "loaded" and outcome.refused:
        outcome.status, outcome.message = "file_rejected", outcome.refused[0].message
        if kept := counted or (current and current.file_name):
            held = "year" if kind in ANNUAL_KINDS else "month"
            outcome.message += f" (the {held} keeps {kept}, loaded before)"
    return outcome


@dataclass
class Prepared:
    """A file read, validated and staged: what its month's transaction inserts."""

    scratch: tempfile.TemporaryDirectory  # holds the staged Parquet files until the insert
    encoding: str
    notes: list[str]
    rows_read: int
    staging: Staging
    confrontation: Confrontation


def prepare(con: duckdb.DuckDBPyConnection, f: LandingFile, kept: Path) -> Prepared:
    """Read the archived copy of `f`, confront it with its rules and stage its rows
    (FileRejected: the file is refused whole)."""
    scratch = tempfile.TemporaryDirectory(prefix="parks-load-")
    try:
        with open_extract(kept, f.path.name, f.ext, SCHEMAS[f.kind]) as extract:
            staging = Staging(Path(scratch.name))
            confrontation = _validate(con, extract, f, staging)
            return Prepared(
                scratch,
                extract.encoding,
                extract.notes,
                confrontation.items,
                staging,
                confrontation,
            )
    except BaseException:
        scratch.cleanup()
        raise


@dataclass(frozen=True)
class _Ahead:
    """What ReadAhead did with a file: its checksum, and the file prepared or refused (neither
    when it was handled before)."""

    sha: str
    seen_as: tuple[int, int]  # the file's size and modification time when it was hashed
    prepared: Prepared | None = None
    refused: FileRejected | None = None


class ReadAhead:
    """Prepares the next (kind, month)'s file in a background thread while this one's rows are
    inserted: the rules (polars) and the insert (DuckDB, one thread) then use both cores.

    Only the month's highest revision, only a file not handled before, and only once what its
    rules read (READS) is committed: the caller sees to that (`load_in_order`). The month's load
    takes what was prepared if it loads that very file (same checksum); anything not taken is
    discarded."""

    def __init__(self, con: duckdb.DuckDBPyConnection, archive_dir: Path) -> None:
        self._cursor = con.cursor()  # its own connection to the build: reads only
        self._archive_dir = archive_dir
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parks-read-ahead")
        self._ahead: dict[Path, Future[_Ahead | None]] = {}

    def __enter__(self) -> ReadAhead:
        return self

    def __exit__(self, *exc: object) -> None:
        for path in list(self._ahead):
            self._discard(path)
        self._pool.shutdown()
        self._cursor.close()

    def start(self, scan: LandingScan, kind: str, period: dt.date) -> None:
        """Begin preparing the month's highest revision, if it can be read ahead."""
        revisions = scan.revisions(kind, period)
        if not revisions or len(revisions[0]) > 1:
            return
        f = revisions[0][0]
        if f.path not in self._ahead:
            self._ahead[f.path] = self._pool.submit(self._prepare, f)

    def _prepare(self, f: LandingFile) -> _Ahead | None:
        stat = f.path.stat()
        if _recorded_checksum(self._cursor, f.path, stat):
            return None  # handled before (see `identify`): not read again
        sha = checksum(f.path, f.ext, self._archive_dir, self._cursor)
        seen_as = (stat.st_size, stat.st_mtime_ns)
        if _already_seen(self._cursor, f.path.name, sha):
            return _Ahead(sha, seen_as)
        kept = archive(f.path, sha, f.ext, self._archive_dir)
        try:
            return _Ahead(sha, seen_as, prepared=prepare(self._cursor, f, kept))
        except FileRejected as e:
            return _Ahead(sha, seen_as, refused=e)

    def checksum(self, path: Path) -> str | None:
        """The file's checksum, if it was read ahead and has not changed since."""
        future = self._ahead.get(path)
        ahead = future.result() if future else None
        stat = path.stat()
        return ahead.sha if ahead and ahead.seen_as == (stat.st_size, stat.st_mtime_ns) else None

    def take(self, path: Path, sha: str) -> Prepared | None:
        """The file prepared ahead, if it is the file of this checksum (FileRejected: it was
        refused whole)."""
        future = self._ahead.get(path)
        ahead = future.result() if future else None
        if ahead is None or ahead.sha != sha:
            return None
        del self._ahead[path]
        if ahead.refused:
            raise ahead.refused
        return ahead.prepared

    def _discard(self, path: Path) -> None:
        future = self._ahead.pop(path)
        if future.exception() is None and (ahead := future.result()) and ahead.prepared:
            ahead.prepared.scratch.cleanup()
        # else the error is for a load of this file to meet, and none took it


class Task(NamedTuple):
    """A kind's month to load."""

    kind: str
    period: dt.date


def reads_from(task: Task) -> Iterator[Task]:
    """The (kind, month)s whose loads write what the rules of `task`'s file read (READS)."""
    reads = READS.get(task.kind)
    if reads is None:
        return
    for kind in reads.same_month:
        yield Task(kind, task.period)
    if reads.earlier_in_year:
        for month in range(1, task.period.month):
            yield Task(task.kind, task.period.replace(month=month))


def load_order(kinds: list[str], periods: list[dt.date]) -> list[Task]:
    """The tasks of a run, month by month. Within a month, a kind whose rules read another's
    month comes after it, one task later when it can: it is read ahead while that task inserts,
    rather than waiting for the one it reads to commit (see `load_in_order`)."""
    readers = [k for k in kinds if k in READS]
    order = [k for k in kinds if k not in READS]
    for kind in readers:
        after = max((order.index(k) for k in READS[kind].same_month if k in order), default=-1)
        order.insert(min(after + 2, len(order)), kind)
    return [Task(kind, period) for period in sorted(periods) for kind in order]


def load_in_order(
    con: duckdb.DuckDBPyConnection, scan: LandingScan, tasks: list[Task], archive_dir: Path
) -> Iterator[LoadOutcome]:
    """Load the tasks in their order (`load_month`), each outcome as soon as it is committed.
    The next task's file is prepared while this one inserts, whatever its kind, unless its rules
    read what a task not yet committed writes (READS): it is then prepared in its turn."""
    position = {task: i for i, task in enumerate(tasks)}
    for i, task in enumerate(tasks):
        if later := next((t for t in reads_from(task) if position.get(t, -1) > i), None):
            raise ValueError(f"{task} is ordered before {later}, whose rows its rules read")
    pending = set(tasks)  # not committed
    with ReadAhead(con, archive_dir) as ahead:
        for task, following in zip(tasks, [*tasks[1:], None], strict=True):
            if following and pending.isdisjoint(reads_from(following)):
                ahead.start(scan, *following)
            yield load_month(con, scan, task.kind, task.period, archive_dir, ahead)
            pending.discard(task)


def _load_file(
    con: duckdb.DuckDBPyConnection,
    f: LandingFile,
    file: Identity,
    current: _Current | None,
    archive_dir: Path,
    outcome: LoadOutcome,
    ahead: ReadAhead | None,
) -> bool:
    """Load one revision into its month (True), or record why it is refused whole (False)."""
    # Read from the archived copy: every pass over the file reads the bytes of its checksum.
    kept = archive(f.path, file.sha, f.ext, archive_dir)
    received = _Received(
        f,
        file.sha,
        kept.stat().st_size,
        file.modified_at,
        dt.datetime.now(),
        current.sha if current else None,
    )
    try:
        prepared = (ahead and ahead.take(f.path, file.sha)) or prepare(con, f, kept)
        try:
            outcome.file_name, outcome.sha256 = f.path.name, file.sha
            outcome.notes = prepared.notes
            outcome.rows_read = prepared.rows_read
            outcome.rows_loaded = prepared.confrontation.passed
            outcome.rows_rejected = prepared.rows_read - prepared.confrontation.passed
            outcome.rule_failures = prepared.confrontation.rule_counts
            _replace_month(
                con,
                received,
                prepared.encoding,
                prepared.staging,
                prepared.confrontation,
                outcome,
            )
        finally:
            prepared.scratch.cleanup()
    except FileRejected as e:
        outcome.refused.append(NotLoaded(f.path.name, "file_rejected", str(e)))
        con.execute(
            "insert into meta.loads (file_name, kind, period, revision, sha256, size_bytes, "
            "modified_at, received_at, status, message) "
            "values (?, ?, ?, ?, ?, ?, ?, ?, 'file_rejected', ?)",
            [
                f.path.name,
                f.kind,
                f.period,
                f.revision,
                file.sha,
                received.size,
                received.modified_at,
                received.received_at,
                str(e),
            ],
        )
        return False
    return True


def _replace_month(
    con: duckdb.DuckDBPyConnection,
    received: _Received,
    encoding: str,
    staging: Staging,
    confrontation: Confrontation,
    outcome: LoadOutcome,
) -> None:
    """One transaction: the month's raw rows, rejects, rule results, revision changes and the
    meta.loads lines; any failure rolls all of it back and the month keeps what it had."""
    f, sha = received.f, received.sha
    kind, period, name = f.kind, f.period, f.path.name
    loaded_at = dt.datetime.now()
    results = rule_results(confrontation.rule_table, confrontation.schema, kind, period, name, sha)
    con.execute("begin transaction")
    try:
        if received.previous:
            insert_revision_changes(
                con,
                kind,
                period,
                staging.staged(),
                file_name=name,
                superseded_file_name=_file_name_of(con, received.previous),
                replaced_at=loaded_at,
            )
        con.execute(f"delete from raw.{kind} where period = ?", [period])
        # One statement per staged file: one statement over them all buffers rows to keep their
        # order, and the memory grows with the file (docs/performance.md).
        insert_rows = (
            f"insert into raw.{kind} by name select *, ? as _source_file, ? as _source_sha256, "
            "? as _revision, ? as _loaded_at from {}"
        )
        lineage = [name, sha, f.revision, loaded_at]
        if staging.held is not None:
            con.register("incoming_rows", staging.held)
            con.execute(insert_rows.format("incoming_rows"), lineage)
        for path in staging.rows:
            con.execute(insert_rows.format("read_parquet(?)"), [*lineage, str(path)])
        con.execute("delete from meta.rejects where kind = ? and period = ?", [kind, period])
        for path in staging.rejects:
            con.execute(
                "insert into meta.rejects by name select *, ? as kind, ? as period, "
                "? as file_name, ? as sha256 from read_parquet(?)",
                [kind, period, name, sha, str(path)],
            )
        con.execute("delete from meta.rule_results where kind = ? and period = ?", [kind, period])
        con.register("incoming_rule_results", results)
        con.execute("insert into meta.rule_results by name select * from incoming_rule_results")
        con.execute(
            "update meta.loads set status = 'superseded' where kind = ? and period = ? "
            "and status = 'loaded'",
            [kind, period],
        )
        # a revision once superseded without ever counting (see load_month) has one line
        con.execute(
            "delete from meta.loads where file_name = ? and sha256 = ? and status = 'superseded' "
            "and loaded_at is null",
            [name, sha],
        )
        con.execute(
            "insert into meta.loads (file_name, kind, period, revision, sha256, size_bytes, "
            "modified_at, encoding, received_at, loaded_at, status, message, rows_read, "
            "rows_loaded, rows_rejected, superseded_sha256) "
            "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'loaded', ?, ?, ?, ?, ?)",
            [
                name,
                kind,
                period,
                f.revision,
                sha,
                received.size,
                received.modified_at,
                encoding,
                received.received_at,
                loaded_at,
                "; ".join(outcome.notes) or None,
                outcome.rows_read,
                outcome.rows_loaded,
                outcome.rows_rejected,
                received.previous,
            ],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        con.unregister("incoming_rule_results")
        con.unregister("incoming_rows")
