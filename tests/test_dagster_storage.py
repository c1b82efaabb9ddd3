"""The run history storage selected by dagster.yaml keeps its databases open, and loses nothing.

pipelines/dagster_storage.py keeps one SQLAlchemy engine per SQLite file (the stock storage
opens the file for every event). What a run writes must still be there for another process
(the Dagster UI, the next `parks run`), the number of files held open stays bounded, and a wipe
of the history works although the files were open.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest

from pipelines.config import REPO_ROOT
from pipelines.dagster_storage import OPEN_DATABASES, KeptOpenSqliteEventLogStorage


@dg.asset
def counted() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"rows": 3})


@dg.asset_check(asset=counted)
def counted_is_positive() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copyfile(REPO_ROOT / "dagster.yaml", tmp_path / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    return tmp_path


def test_runs_are_kept_and_read_back_by_another_instance(home: Path):
    runs = OPEN_DATABASES + 3
    with dg.DagsterInstance.get() as instance:
        storage = instance.event_log_storage
        assert isinstance(storage, KeptOpenSqliteEventLogStorage)
        run_ids = []
        for _ in range(runs):
            result = dg.materialize([counted], instance=instance)
            assert result.success
            run_ids.append(result.run_id)
        assert len(storage._engines) <= OPEN_DATABASES  # older run files were closed
        # the files of the history (one per run and the index) are where Dagster keeps them
        assert (home / "history" / "runs" / "index.db").exists()
        assert len(list((home / "history" / "runs").glob("*.db"))) == runs + 1

    with dg.DagsterInstance.get() as reader:  # like the UI: a new instance on the same files
        assert isinstance(reader.event_log_storage, KeptOpenSqliteEventLogStorage)
        for run_id in run_ids:  # the oldest run's events were written through a closed engine
            types = {e.dagster_event_type for e in reader.all_logs(run_id) if e.is_dagster_event}
            assert dg.DagsterEventType.ASSET_MATERIALIZATION in types
            assert dg.DagsterEventType.RUN_SUCCESS in types
        latest = reader.get_latest_materialization_event(dg.AssetKey("counted"))
        assert latest is not None and latest.run_id == run_ids[-1]
        records = reader.fetch_materializations(dg.AssetKey("counted"), limit=100).records
        assert len(records) == runs


def test_asset_checks_are_recorded(home: Path):
    with dg.DagsterInstance.get() as instance:
        result = dg.materialize([counted, counted_is_positive], instance=instance)
        assert result.success
        key = dg.AssetCheckKey(dg.AssetKey("counted"), "counted_is_positive")
        executions = instance.event_log_storage.get_asset_check_execution_history(key, limit=10)
        assert [e.run_id for e in executions] == [result.run_id]


def test_wiping_the_history_closes_the_open_files(home: Path):
    with dg.DagsterInstance.get() as instance:
        assert dg.materialize([counted], instance=instance).success
        instance.wipe()
        assert list(instance.event_log_storage._engines) == ["index"]  # reopened to empty it
        assert list((home / "history" / "runs").glob("*.db")) == [
            home / "history" / "runs" / "index.db"
        ]
        assert instance.get_latest_materialization_event(dg.AssetKey("counted")) is None
        assert dg.materialize([counted], instance=instance).success  # and it goes on writing
        assert instance.get_latest_materialization_event(dg.AssetKey("counted")) is not None


def test_the_index_is_not_asked_again_for_a_table_it_has(home: Path, monkeypatch):
    # The stock storage opens a new engine on the index to ask, for every asset event and check
    # evaluation: a third of the storage's time in a run (docs/performance.md).
    from dagster._core.storage.event_log import SqliteEventLogStorage

    asked: list[str] = []
    stock = SqliteEventLogStorage.has_table

    def has_table(self, table_name: str) -> bool:
        asked.append(table_name)
        return stock(self, table_name)

    monkeypatch.setattr(SqliteEventLogStorage, "has_table", has_table)
    with dg.DagsterInstance.get() as instance:
        for _ in range(3):
            assert dg.materialize([counted, counted_is_positive], instance=instance).success
        assert instance.event_log_storage.has_table("asset_check_executions")
        assert not instance.event_log_storage.has_table("no_such_table")
        assert not instance.event_log_storage.has_table("no_such_table")  # asked each time
    assert sorted(asked) == sorted(set(asked) - {"no_such_table"}) + ["no_such_table"] * 2
