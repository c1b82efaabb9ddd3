"""Fixtures shared by the test modules."""

import gc

import duckdb
import pytest

from pipelines.ingest.load import ensure_tables


@pytest.fixture
def env(tmp_path):
    """A landing folder, an archive folder and a warehouse with the loader's tables, as the
    loader's tests use them: (landing, archive, connection)."""
    landing = tmp_path / "landing"
    landing.mkdir()
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_tables(con)
    yield landing, tmp_path / "archive", con
    con.close()


@pytest.fixture(autouse=True)
def collected_after():
    """A run in-process (`run_warehouse`) freezes every object alive once its definitions are
    loaded, for the process it expects to end (pipelines/cli.py): the test process goes on,
    so what was frozen is collected again after each test."""
    yield
    gc.unfreeze()
