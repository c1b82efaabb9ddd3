"""Publication: the analysts' warehouse is replaced atomically by a checked copy of the build;
and recovery: a build left with a pending WAL by a killed writer is restored from that copy.

Analysts open the published file read-only. The pipeline never writes it: it writes the build
file, and only after every blocking check passed does it checkpoint the build (no pending WAL),
copy it beside the published file, check the copy opens, and `os.replace` it into place. A reader
holding the old file keeps reading the old state; new connections see the new one; a failed run
leaves the last publication untouched. The copy is the publication before the current one (the
spare) with the blocks the build changed since written into it, where no reader holds it.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import struct
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import duckdb

try:
    import fcntl
except ImportError:  # Windows: no spare is patched there (no open-file-description locks)
    fcntl = None

from pipelines.confidential import open_private
from pipelines.config import duckdb_config

# what copy_file_range raises where the kernel or the file systems cannot do it
CANNOT_COPY_FILE_RANGE = {errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP}
BLOCK = 256 << 10  # DuckDB's block size: a block the build changed is written whole


class PublicationError(RuntimeError):
    pass


def copy_file(source: Path, target: Path, chunk: int = 256 << 20) -> None:
    """Copy in the kernel with copy_file_range, 256 MiB a call: faster than shutil.copyfile (its
    sendfile, 1 GiB a call) on the warehouse of a million enterprises (docs/performance.md). Read
    and written where the system has no copy_file_range for the pair (see _copy_range). The copy
    is confidential whatever the source's mode (pipelines/confidential.py)."""
    with open(source, "rb") as src, open_private(target) as dst:
        _copy_range(src, dst, 0, os.fstat(src.fileno()).st_size, chunk)


def read_ahead(build: Path, chunk: int = 16 << 20) -> threading.Thread | None:
    """Read the build file in the background while dbt builds, so that the publication's copy of
    it at the end of the run reads memory rather than the disk.

    A month rewrites a small part of the file, and the rest goes cold between monthly runs: a
    cold copy of a large warehouse takes much longer than one from memory (docs/performance.md).
    Reading it during dbt's build, which waits on the cores rather
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


@dataclass(frozen=True)
class Publication:
    mart_rows: dict[str, int]  # rows of each mart published
    size: int  # bytes of the published file
    written: int  # bytes written to make it: all of them, or the blocks the spare lacked
    from_spare: bool


def publish(build: Path, published: Path) -> Publication:
    """Publish the build file: a copy of it, checked, replaces the publication atomically.

    The copy is made from the spare where there is one (see `spare_of`): only the blocks in which
    it differs from the build are written. Otherwise the whole file is copied."""
    with duckdb.connect(str(build), config=duckdb_config()) as con:
        con.execute("checkpoint")
    wal = build.with_name(build.name + ".wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise PublicationError(f"{wal} still holds changes after CHECKPOINT; not publishing")
    published.parent.mkdir(parents=True, exist_ok=True)
    staging = published.with_name(f".{published.name}.publishing")
    digests = block_digests(build)
    size = build.stat().st_size
    written = _patch_spare(spare_of(published), staging, build, size, digests)
    from_spare = written is not None
    if not from_spare:
        copy_file(build, staging)
        written = size
    _fsync(staging)
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
    first = not published.exists()
    replaced = _keep_aside(published)
    os.replace(staging, published)
    if replaced:
        # the publication replaced becomes the spare, with the record of its blocks
        os.replace(replaced, spare_of(published))
        _rename_record(published, spare_of(published))
    _write_record(published, digests)
    if first:
        # a first publication: the spare is made now, so that the next one is patched
        spare = spare_of(published)
        try:
            copy_file(published, spare)
            _fsync(spare)  # on disk before its record: a record is trusted as it stands
            _write_record(spare, digests)
        except OSError:  # a full disk: published all the same; the next one is copied whole
            _discard(spare)
    directory = os.open(published.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # the renames themselves survive a power cut
    finally:
        os.close(directory)
    return Publication(counts, size, written, from_spare)


def spare_of(published: Path) -> Path:
    """The publication before the current one, kept to be patched into the next.

    Copying the whole warehouse for each publication was a large part of a month's run at a
    million enterprises (docs/performance.md), whatever the month changed. The spare
    differs from the next build only in the blocks the last two runs wrote: those alone are
    written into it, and it becomes the new publication; the one it replaces becomes the spare.
    The cost is one more copy of the warehouse on disk."""
    return published.with_name(f".{published.name}.spare")


def _record_of(path: Path) -> Path:
    """Where the digests of a published file's blocks are kept, hidden beside it."""
    return path.with_name(f".{path.name.lstrip('.')}.blocks")


def block_digests(path: Path) -> list[bytes]:
    """The SHA-256 of each block of the file, read in one thread per core (hashlib and the reads
    release the GIL)."""
    size = path.stat().st_size
    blocks = -(-size // BLOCK)
    threads = max(1, min(os.cpu_count() or 1, blocks))
    bounds = [blocks * i // threads for i in range(threads + 1)]

    def digest(first: int, last: int) -> list[bytes]:
        out, buffer = [], bytearray(BLOCK)
        view = memoryview(buffer)
        with open(path, "rb", buffering=0) as f:
            f.seek(first * BLOCK)
            for _ in range(first, last):
                n = f.readinto(buffer)
                out.append(hashlib.sha256(view[:n]).digest())
        return out

    with ThreadPoolExecutor(threads, thread_name_prefix="block-digests") as pool:
        parts = pool.map(digest, bounds[:-1], bounds[1:])
        return [d for part in parts for d in part]


def _write_record(path: Path, digests: list[bytes]) -> None:
    """Record the block digests of a published file, with what identifies the file's state: a
    record that no longer matches its file (another file, or one written since) is ignored."""
    head = _state(path)
    record = _record_of(path)
    unfinished = record.with_name(record.name + ".partial")
    with open_private(unfinished) as out:
        out.write(json.dumps(head).encode() + b"\n" + b"".join(digests))
    os.replace(unfinished, record)


def _state(path: Path) -> dict[str, int]:
    """What a record of a file's blocks holds it to: any write changes the modification time."""
    st = path.stat()
    return {"inode": st.st_ino, "size": st.st_size, "mtime_ns": st.st_mtime_ns, "block": BLOCK}


def _rename_record(source: Path, target: Path) -> None:
    try:
        os.replace(_record_of(source), _record_of(target))
    except FileNotFoundError:
        _record_of(target).unlink(missing_ok=True)


def _read_record(path: Path) -> list[bytes] | None:
    """The block digests of the file, or None where its record is missing or out of step."""
    try:
        head, _, body = _record_of(path).read_bytes().partition(b"\n")
        recorded, current = json.loads(head), _state(path)
    except (OSError, ValueError):
        return None
    if recorded != current or len(body) != 32 * -(-current["size"] // BLOCK):
        return None
    return [body[i : i + 32] for i in range(0, len(body), 32)]


def _fsync(path: Path) -> None:
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


def _patch_spare(
    spare: Path, staging: Path, build: Path, size: int, digests: list[bytes]
) -> int | None:
    """Make `staging` from the spare: the blocks in which it differs from the build are copied in.
    Returns the bytes written, or None where there is no spare to patch: none kept, its record out
    of step, or a reader holding it (an analyst's connection opened before the last publication).
    Such a spare is removed; the reader keeps its file until it closes it."""
    for leftover in (staging, _discarded(spare)):  # left by a killed run
        leftover.unlink(missing_ok=True)
    spare_digests = _read_record(spare)
    if spare_digests is None or not hasattr(fcntl, "F_OFD_SETLK"):
        _discard(spare)
        return None
    with open(spare, "rb+") as target:
        try:
            # An open-file-description lock conflicts with DuckDB's read lock, also in this process,
            # and keeps readers out while the file is patched.
            whole_file = struct.pack("hhqqi4x", fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0)
            fcntl.fcntl(target.fileno(), fcntl.F_OFD_SETLK, whole_file)
        except OSError:  # held by a reader (EAGAIN), or a file system without such locks
            target.close()
            _discard(spare)
            return None
        os.replace(spare, staging)
        _record_of(spare).unlink()
        changed = [
            i for i, d in enumerate(digests) if i >= len(spare_digests) or spare_digests[i] != d
        ]
        with open(build, "rb") as source:
            for first, last in _runs(changed):
                _copy_range(source, target, first * BLOCK, (last - first) * BLOCK)
        target.truncate(size)
    return sum(min(BLOCK, size - i * BLOCK) for i in changed)


def _runs(blocks: list[int]) -> list[tuple[int, int]]:
    """Consecutive block numbers as [first, last) ranges: one copy for each."""
    runs: list[tuple[int, int]] = []
    for b in blocks:
        if runs and runs[-1][1] == b:
            runs[-1] = (runs[-1][0], b + 1)
        else:
            runs.append((b, b + 1))
    return runs


def _copy_range(source, target, offset: int, length: int, chunk: int = 256 << 20) -> None:
    """Copy `length` bytes at `offset` of one open file (fewer at its end) to the same offset of
    the other: in the kernel where it can, else read and written, `chunk` bytes a step."""
    kernel = hasattr(os, "copy_file_range")  # Linux
    while length > 0:
        step = min(length, chunk)
        n = None
        if kernel:
            try:
                n = os.copy_file_range(source.fileno(), target.fileno(), step, offset, offset)
            except OSError as e:
                if e.errno not in CANNOT_COPY_FILE_RANGE:
                    raise
                kernel = False
        if n is None:
            source.seek(offset)
            target.seek(offset)
            n = target.write(source.read(step))
        if n == 0:  # the source's end
            return
        offset += n
        length -= n


def _discarded(spare: Path) -> Path:
    return spare.with_name(spare.name + ".discarded")


def _discard(spare: Path) -> None:
    _record_of(spare).unlink(missing_ok=True)
    if not spare.exists():
        return
    discarded = _discarded(spare)
    os.replace(spare, discarded)
    # Freeing a large file's blocks takes seconds on ext4: the run goes on meanwhile; the process
    # waits for the thread before it exits.
    unlink = partial(discarded.unlink, missing_ok=True)
    threading.Thread(target=unlink, name="unlink-discarded-spare").start()


def _keep_aside(published: Path) -> Path | None:
    """A second name for the publication about to be replaced: it becomes the spare. None where
    there is nothing to replace or the file system has no hard links (the replacement then frees
    it, and no spare is kept)."""
    replaced = published.with_name(f".{published.name}.replaced")
    replaced.unlink(missing_ok=True)  # left by a run killed before it became the spare
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
