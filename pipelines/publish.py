"""Publication: the analysts' warehouse is replaced atomically by a checked copy of the build;
and recovery: a build left with a pending WAL by a killed writer is restored from that copy.

Analysts open the published file read-only. The pipeline never writes it: it writes the build
file, and only after every blocking check passed does it checkpoint the build (no pending WAL),
copy it beside the published file, check the copy opens, and `os.replace` it into place. A reader
holding the old file keeps reading the old state; new connections see the new one; a failed run
leaves the last publication untouched.
"""

from __future__ import annotations

import errno
import os
import shutil
import threading
from pathlib import Path

import duckdb

from pipelines.config import duckdb_config

# what copy_file_range raises where the kernel or the file systems cannot do it
CANNOT_COPY_FILE_RANGE = {errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP}


class PublicationError(RuntimeError):
    pass


def copy_file(source: Path, target: Path, chunk: int = 256 << 20) -> None:
    """Copy in the kernel with copy_file_range, 256 MiB a call: for the 6 GB warehouse of a
    million enterprises 11.2 s against 13.2 s with shutil.copyfile (its sendfile, 1 GiB a call),
    three rounds each, interleaved. shutil where the system has no copy_file_range for the pair."""
    if not hasattr(os, "copy_file_range"):  # not Linux
        shutil.copyfile(source, target)
        return
    try:
        with open(source, "rb") as src, open(target, "wb") as dst:
            while os.copy_file_range(src.fileno(), dst.fileno(), chunk):
                pass
    except OSError as e:
        if e.errno not in CANNOT_COPY_FILE_RANGE:
            raise
        shutil.copyfile(source, target)


def read_ahead(build: Path, chunk: int = 16 << 20) -> threading.Thread | None:
    """Read the build file in the background while dbt builds, so that the publication's copy of
    it at the end of the run reads memory rather than the disk.

    A month rewrites a small part of the file, and the rest goes cold between monthly runs: the
    copy of the 6 GB warehouse of a million enterprises took 21 s cold against 5.5-11 s from
    memory (docs/performance.md). Reading it during dbt's build, which waits on the cores rather
    than the disk, takes that wait off the end of the run. Skipped (None) where the file is more
    than half the machine's memory: beside the build's own, the cache could not keep it."""
    try:
        size = build.stat().st_size
        memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):  # no build yet, or no sysconf (Windows)
        return None
    if size == 0 or size > memory // 2:
        return None

    def read() -> None:
        buffer = bytearray(chunk)
        with open(build, "rb", buffering=0) as f:
            while f.readinto(buffer):
                pass

    thread = threading.Thread(target=read, name="read-ahead-build", daemon=True)
    thread.start()
    return thread


def publish(build: Path, published: Path) -> dict[str, int]:
    """Publish the build file; returns row counts of the marts it published."""
    with duckdb.connect(str(build), config=duckdb_config()) as con:
        con.execute("checkpoint")
    wal = build.with_name(build.name + ".wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise PublicationError(f"{wal} still holds changes after CHECKPOINT; not publishing")
    published.parent.mkdir(parents=True, exist_ok=True)
    staging = published.with_name(f".{published.name}.publishing")
    copy_file(build, staging)
    with open(staging, "rb+") as f:
        os.fsync(f.fileno())
    try:
        with duckdb.connect(str(staging), read_only=True) as con:
            tables = con.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts' order by 1"
            ).fetchall()
            counts = {
                t: con.execute(f'select count(*) from marts."{t}"').fetchall()[0][0]
                for (t,) in tables
            }
    except duckdb.Error as e:
        staging.unlink(missing_ok=True)
        raise PublicationError(f"the copy of {build} does not open ({e}); not publishing") from e
    if not counts:
        staging.unlink(missing_ok=True)
        raise PublicationError(f"{build} has no marts; run the dbt models before publishing")
    replaced = _keep_aside(published)
    os.replace(staging, published)
    directory = os.open(published.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself survives a power cut
    finally:
        os.close(directory)
    if replaced:
        # Freeing a 6 GB file's blocks took 3-5 s on ext4: the run goes on (its reports) meanwhile;
        # the process waits for the thread before it exits.
        threading.Thread(target=replaced.unlink, name="unlink-replaced-warehouse").start()
    return counts


def _keep_aside(published: Path) -> Path | None:
    """A second name for the publication about to be replaced, so that replacing it does not free
    its blocks: the caller unlinks it in the background. None where there is nothing to replace or
    the file system has no hard links (the replacement then frees it, as it would anyway)."""
    replaced = published.with_name(f".{published.name}.replaced")
    replaced.unlink(missing_ok=True)  # left by a run killed before its unlink
    try:
        os.link(published, replaced)
    except FileNotFoundError:
        return None
    except OSError as e:
        if e.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EMLINK, errno.EXDEV):
            raise
        return None
    return replaced


def recover_build(build: Path, published: Path) -> str | None:
    """Before a writer opens the build: undo what a killed writer left behind.

    Writers run one at a time and every clean close checkpoints, so a WAL beside the build at
    this point was left by a writer that died. Replaying it is not trusted (DuckDB's WAL replay
    after a crash has failed in the field): the build goes back to the last publication, whose
    file was checkpointed and verified, and the run reloads from the landing folder what is
    missing (files are recognized by checksum, so nothing is counted twice). Returns what was
    done, or None when there was nothing to recover.
    """
    wal = build.with_name(build.name + ".wal")
    if not wal.exists():
        return None
    if published.exists():
        copy_file(published, build)
        action = f"restored {build} from the last publication {published}"
    else:
        build.unlink(missing_ok=True)
        action = f"removed {build}: no publication yet, everything is reloaded"
    wal.unlink()
    return f"a previous run was killed while writing; {action}"
