"""Analysts and the pipeline never block each other, and crashes never damage what is published.

A reader process holds the published file open read-only and keeps querying while a full build
runs; `parks run` is killed (SIGKILL, its whole process group, as a power cut would) during raw
loading and again during dbt, and the rerun must give exactly what an uninterrupted run gives.
"""

import errno
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

import pipelines.publish
from pipelines.generate import generate
from pipelines.publish import copy_file, publish, read_ahead

PARKS = str(Path(sys.executable).parent / "parks")
LOG_PRINTED = "日志 / log: "  # pipelines/progress.py
STATE_SQL = (
    "select (select count(*) from marts.fct_enterprise_month), (select max(period)::varchar from raw.tax), "
    "(select count(*) from meta.loads)"
)

# Queries the published file until told to stop. `held`: one connection open for the whole build;
# `fresh`: a new connection per query (DuckDB shares one database per path within a process, so a
# process sees a new publication once it has closed every connection to the old one).
READER = """
import json, os, sys, time, duckdb
published, stop, out, sql, mode = sys.argv[1:6]
answers, errors = [], []
held = duckdb.connect(published, read_only=True) if mode == "held" else None
while not os.path.exists(stop):
    try:
        con = held or duckdb.connect(published, read_only=True)
        answers.append(list(con.execute(sql).fetchall()[0]))
        if held is None:
            con.close()
    except Exception as e:
        errors.append(repr(e))
    time.sleep(0.05)
json.dump({"answers": answers, "errors": errors}, open(out, "w"))
"""


def months_of(folder: Path, months: set[str]) -> list[Path]:
    return [p for p in folder.iterdir() if p.stem.split("_")[1] in months]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("generated")
    generate(folder, enterprises=150, start="2019-11", end="2020-01", seed=11, mess=0.0)
    return folder


def env_for(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    for name in (
        "PARKS_LANDING",
        "PARKS_WAREHOUSE",
        "PARKS_BUILD_WAREHOUSE",
        "PARKS_ARCHIVE",
        "DAGSTER_HOME",
    ):
        env.pop(name, None)
    env["PARKS_HOME"] = str(home)
    return env


def parks_run(home: Path, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [PARKS, "run", "--log-level", "INFO"],
        env=env_for(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        **kwargs,
    )


def run_to_end(home: Path) -> None:
    proc = parks_run(home)
    output, _ = proc.communicate(timeout=900)
    assert proc.returncode == 0, output[-3000:]


def kill_when(home: Path, marker: str) -> str:
    """Start `parks run` and SIGKILL its process group when `marker` shows in its log file (the
    terminal shows a line per stage; the log, whose path it prints first, every file and node)."""
    proc = parks_run(home)
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if line.startswith(LOG_PRINTED):
            log = Path(line.removeprefix(LOG_PRINTED).strip())
            break
    else:
        raise AssertionError("no log file printed: " + "".join(seen)[-3000:])
    deadline = time.monotonic() + 600
    while marker not in log.read_text(encoding="utf-8"):
        assert proc.poll() is None and time.monotonic() < deadline, "".join(seen)[-3000:]
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "".join(seen)[-3000:]
    return log.read_text(encoding="utf-8")


def state(published: Path) -> dict[str, list]:
    with duckdb.connect(str(published), read_only=True) as con:
        tables = [
            t
            for (t,) in con.execute(
                "select schema_name || '.' || table_name from duckdb_tables() "
                "where schema_name in ('raw', 'marts') order by 1"
            ).fetchall()
        ]
        snapshot = {}
        for t in tables:
            columns = [
                c
                for (c,) in con.execute(
                    "select column_name from duckdb_columns() where schema_name || '.' || table_name = ? "
                    # when rows were loaded (and, in the incremental facts, when their sources
                    # were, and when dbt wrote them): clock times that differ between any two runs
                    "and column_name not in ('_loaded_at', '_source_loaded_at', '_built_at') "
                    "order by column_index",
                    [t],
                ).fetchall()
            ]
            snapshot[t] = con.execute(
                f"select {', '.join(columns)} from {t} order by all"
            ).fetchall()
        return snapshot


def test_reader_never_blocks_nor_sees_a_half_built_warehouse(generated, tmp_path):
    home = tmp_path / "home"
    (home / "landing").mkdir(parents=True)
    for p in months_of(generated, {"201911", "201912"}):
        shutil.copy(p, home / "landing")
    run_to_end(home)
    published = home / "warehouse.duckdb"
    with duckdb.connect(str(published), read_only=True) as con:
        old = list(con.execute(STATE_SQL).fetchall()[0])

    for p in months_of(generated, {"202001"}):
        shutil.copy(p, home / "landing")
    stop = tmp_path / "stop"
    readers = {
        mode: subprocess.Popen(
            [
                sys.executable,
                "-c",
                READER,
                str(published),
                str(stop),
                str(tmp_path / f"{mode}.json"),
                STATE_SQL,
                mode,
            ]
        )
        for mode in ("held", "fresh")
    }
    time.sleep(2)  # the readers are querying before the build starts
    run_to_end(home)
    time.sleep(2)
    stop.touch()
    for reader in readers.values():
        reader.wait(timeout=60)
    with duckdb.connect(str(published), read_only=True) as con:
        new = list(con.execute(STATE_SQL).fetchall()[0])
    assert old != new and new[1] == "2020-01-01"

    held, fresh = (json.loads((tmp_path / f"{m}.json").read_text()) for m in ("held", "fresh"))
    assert held["errors"] == [] and fresh["errors"] == []
    # The open connection kept reading the old state, whole, through the build and the swap.
    assert held["answers"] and all(a == old for a in held["answers"])
    # New connections saw the old state, then the new one, never anything in between.
    assert all(a in (old, new) for a in fresh["answers"]), {tuple(a) for a in fresh["answers"]}
    assert fresh["answers"][0] == old and fresh["answers"][-1] == new

    # The DuckDB command line analysts use opens the published file read-only.
    cli = subprocess.run(
        [
            str(Path(sys.executable).parent / "duckdb"),
            "-readonly",
            "-csv",
            str(published),
            "-c",
            "select count(*) from marts.fct_enterprise_month",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert cli.returncode == 0, cli.stderr
    assert cli.stdout.split() == ["count_star()", str(new[0])]


def test_killed_runs_leave_the_publication_intact_and_the_rerun_equals_an_uninterrupted_run(
    generated, tmp_path
):
    reference, crashed = tmp_path / "reference", tmp_path / "crashed"
    for home in (reference, crashed):
        (home / "landing").mkdir(parents=True)
        for p in months_of(generated, {"201911", "201912"}):
            shutil.copy(p, home / "landing")
    run_to_end(crashed)
    published = crashed / "warehouse.duckdb"
    before = published.read_bytes()

    for home in (reference, crashed):
        for p in months_of(generated, {"202001"}):
            shutil.copy(p, home / "landing")
    # Killed while loading raw files, then while dbt builds the models.
    kill_when(crashed, "registration_202001")
    assert published.read_bytes() == before
    kill_when(crashed, "START sql table model")
    assert published.read_bytes() == before

    run_to_end(crashed)
    run_to_end(reference)
    assert state(crashed / "warehouse.duckdb") == state(reference / "warehouse.duckdb")


@pytest.mark.parametrize("kernel_copy", ["copy_file_range", "absent", "refused"])
def test_copy_file_is_exact_whatever_the_system_offers(tmp_path, monkeypatch, kernel_copy):
    source, target = tmp_path / "build.duckdb", tmp_path / "copy.duckdb"
    data = os.urandom(10_000) + bytes(500)  # not a multiple of the step below
    source.write_bytes(data)
    target.write_bytes(b"an older, longer file" * 1000)  # replaced, not overwritten in place
    if kernel_copy == "absent":  # not Linux
        monkeypatch.delattr(os, "copy_file_range")
    elif kernel_copy == "refused":  # a kernel or file system that cannot

        def refuse(*args):
            raise OSError(errno.EXDEV, "Invalid cross-device link")

        monkeypatch.setattr(os, "copy_file_range", refuse)
    copy_file(source, target, chunk=4096)
    assert target.read_bytes() == data


def test_the_build_is_read_ahead_whole_where_half_the_memory_holds_it(tmp_path, monkeypatch):
    build = tmp_path / "warehouse.duckdb"
    assert read_ahead(build) is None  # a first run: no build yet
    build.write_bytes(os.urandom(3 * 4096 + 100))
    size = build.stat().st_size
    read = []

    class CountedFile(io.FileIO):
        def readinto(self, buffer):
            n = super().readinto(buffer)
            read.append(n)
            return n

    def counted_open(path, mode, buffering):
        assert (mode, buffering) == ("rb", 0)
        return CountedFile(path, mode)

    monkeypatch.setattr(pipelines.publish, "open", counted_open, raising=False)
    pages = {"SC_PAGE_SIZE": 1, "SC_PHYS_PAGES": 2 * size - 1}
    monkeypatch.setattr(os, "sysconf", pages.__getitem__)
    assert read_ahead(build, chunk=4096) is None  # more than half the memory: not kept anyway
    pages["SC_PHYS_PAGES"] = 2 * size
    thread = read_ahead(build, chunk=4096)
    thread.join()
    assert sum(read) == size and read[-1] == 0


BLOCK = 256 << 10  # DuckDB's block size


def build_with(build: Path, rows: int, small: int = 0) -> None:
    """A build whose marts are a table of `rows` rows, left as it is where it has them already, and
    where `small`, one of `small` rows."""
    build.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(build)) as con:
        con.execute("create schema if not exists marts")
        con.execute("create table if not exists marts.t (i bigint, s varchar)")
        if con.execute("select count(*) from marts.t").fetchone() != (rows,):
            con.execute(
                f"create or replace table marts.t as select range as i, md5(range::varchar) as s "
                f"from range({rows})"
            )
        if small:
            con.execute(
                f"create or replace table marts.small as select range as i from range({small})"
            )


def changed_bytes(old: bytes, new: bytes) -> int:
    """What a block-wise patch of `old` into `new` writes: every block of `new` that differs."""
    return sum(
        len(new[i : i + BLOCK])
        for i in range(0, len(new), BLOCK)
        if old[i : i + BLOCK] != new[i : i + BLOCK]
    )


def join_unlinks() -> None:
    for thread in threading.enumerate():
        if thread.name.startswith("unlink-"):
            thread.join()


def hidden_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


SPARE_AND_RECORDS = [
    ".warehouse.duckdb.blocks",
    ".warehouse.duckdb.spare",
    ".warehouse.duckdb.spare.blocks",
]


def test_a_publication_patches_the_spare_with_the_blocks_the_build_changed(tmp_path):
    """The publication before the last is kept as the spare: a new publication writes into it only
    the blocks in which it differs from the build, and the result is the build, byte for byte."""
    build, published = tmp_path / "build" / "warehouse.duckdb", tmp_path / "warehouse.duckdb"
    build_with(build, 200_000)
    first = publish(build, published)
    assert (first.mart_rows, first.from_spare, first.written) == ({"t": 200_000}, False, first.size)
    assert hidden_files(tmp_path) == SPARE_AND_RECORDS
    spare = tmp_path / ".warehouse.duckdb.spare"
    assert spare.read_bytes() == published.read_bytes() == build.read_bytes()

    # a small table added, then replaced (the big one stays where it is), then the big one halved
    for rows, small in ((200_000, 10), (200_000, 20), (100_000, 30)):
        before, live = spare.read_bytes(), published.read_bytes()
        build_with(build, rows, small)
        expected = changed_bytes(before, build.read_bytes())
        result = publish(build, published)
        assert result.mart_rows == {"t": rows, "small": small}
        assert result.from_spare and result.written == expected
        assert published.read_bytes() == build.read_bytes()
        assert spare.read_bytes() == live  # the publication replaced is the next spare
        assert hidden_files(tmp_path) == SPARE_AND_RECORDS
        if rows == 200_000:
            assert expected < result.size // 4
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("select count(*), count(distinct s) from marts.t").fetchone() == (
            100_000,
            100_000,
        )


@pytest.mark.parametrize("hard_links", [True, False])
def test_a_spare_held_by_a_reader_is_never_written(tmp_path, monkeypatch, hard_links):
    """A reader holding the publication keeps its state; when that file's turn as the spare comes it
    is not patched but left to the reader and replaced by a whole copy; without hard links no spare
    outlives a publication; nothing else is left behind."""
    build, published = tmp_path / "build" / "warehouse.duckdb", tmp_path / "warehouse.duckdb"
    if not hard_links:

        def refuse(*args, **kwargs):
            raise OSError(errno.EPERM, "Operation not permitted")

        monkeypatch.setattr(os, "link", refuse)
    build_with(build, 3)
    assert publish(build, published).mart_rows == {"t": 3}
    reader = duckdb.connect(str(published), read_only=True)
    build_with(build, 5)
    second = publish(build, published)  # into the spare the first publication made
    assert (second.mart_rows, second.from_spare) == ({"t": 5}, True)
    build_with(build, 7)
    third = publish(build, published)  # with hard links the spare is the file the reader holds
    assert (third.mart_rows, third.from_spare, third.written) == ({"t": 7}, False, third.size)
    join_unlinks()
    assert reader.execute("select count(*) from marts.t").fetchone() == (3,)
    reader.close()
    assert published.read_bytes() == build.read_bytes()
    build_with(build, 9)
    fourth = publish(build, published)
    assert (fourth.mart_rows, fourth.from_spare) == ({"t": 9}, hard_links)
    join_unlinks()
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("select count(*) from marts.t").fetchone() == (9,)
    expected = SPARE_AND_RECORDS if hard_links else [".warehouse.duckdb.blocks"]
    assert hidden_files(tmp_path) == expected


@pytest.mark.parametrize(
    "change", ["spare written", "record cut short", "record lost", "left by a killed run"]
)
def test_a_spare_out_of_step_with_its_record_is_replaced_by_a_whole_copy(tmp_path, change):
    """A spare is patched only where its record of block digests is of this very file as it is."""
    build, published = tmp_path / "build" / "warehouse.duckdb", tmp_path / "warehouse.duckdb"
    spare, record = (
        tmp_path / ".warehouse.duckdb.spare",
        tmp_path / ".warehouse.duckdb.spare.blocks",
    )
    build_with(build, 1000)
    publish(build, published)
    if change == "spare written":  # same size, one byte changed
        time.sleep(0.05)  # later than the record: the file system's clock ticks every few ms
        with open(spare, "r+b") as f:
            f.seek(BLOCK + 7)
            f.write(b"\xff")
    elif change == "record cut short":
        record.write_bytes(record.read_bytes()[:-1])
    elif change == "record lost":
        record.unlink()
    else:  # killed between its steps: a half-made copy, a publication kept aside, a spare
        # discarded but not yet unlinked remain
        (tmp_path / ".warehouse.duckdb.publishing").write_bytes(b"half a copy")
        os.link(published, tmp_path / ".warehouse.duckdb.replaced")
        (tmp_path / ".warehouse.duckdb.spare.discarded").write_bytes(b"an older spare")
    # the build as it was: a spare patched by its record alone would keep the byte written into it
    result = publish(build, published)
    assert result.from_spare == (change == "left by a killed run")
    if not result.from_spare:
        assert result.written == result.size
    assert published.read_bytes() == build.read_bytes()
    join_unlinks()
    assert hidden_files(tmp_path) == SPARE_AND_RECORDS
