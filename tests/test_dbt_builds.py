"""A build of another dbt project (models, macros, seeds or band counting) rebuilds every table.

Incremental tables keep the rows they computed; after a change of a seed (a tier threshold, a
plan target) or of a model's SQL those rows would stay computed the old way. The pipeline
records the project's digest with every build (meta.dbt_builds) and runs `dbt build
--full-refresh` when it differs.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
import yaml

from pipelines.config import DBT_PROJECT_DIR
from pipelines.dbt_builds import (
    NOTHING_BUILT,
    full_refresh_reason,
    project_fingerprint,
    record_build,
)
from pipelines.defs.dbt import DBT_RESOURCE, dbt_build_args, keep_parse_state, new_build_folder
from pipelines.ingest.load import ensure_tables


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the dbt project and its seeds, to change."""
    shutil.copytree(DBT_PROJECT_DIR, tmp_path / "dbt_project",
                    ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))  # fmt: skip
    shutil.copytree(DBT_PROJECT_DIR.parent / "seeds", tmp_path / "seeds")
    return tmp_path / "dbt_project"


def built_warehouse(path: Path) -> Path:
    """A warehouse with raw and meta tables and one mart, as a previous build leaves it."""
    with duckdb.connect(str(path)) as con:
        ensure_tables(con)
        con.execute("create schema marts; create table marts.park_year_summary (year integer)")
    return path


def test_the_digest_follows_models_seeds_and_band_counting(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PARKS_BAND_COUNTING", raising=False)
    first = project_fingerprint(project)
    assert project_fingerprint(project) == first  # stable
    assert project_fingerprint(project) == project_fingerprint(DBT_PROJECT_DIR)  # path-free

    thresholds = project.parent / "seeds" / "tier_thresholds.csv"
    thresholds.write_bytes(thresholds.read_bytes() + b"\n")
    seeds_changed = project_fingerprint(project)
    assert seeds_changed != first

    model = project / "models" / "marts" / "park_year_summary.sql"
    model.write_text(model.read_text(encoding="utf-8") + "\n-- changed\n", encoding="utf-8")
    model_changed = project_fingerprint(project)
    assert model_changed != seeds_changed

    monkeypatch.setenv("PARKS_BAND_COUNTING", "exclusive")
    assert project_fingerprint(project) != model_changed


def test_a_build_is_incremental_only_after_a_build_of_the_same_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PARKS_FULL_REFRESH", raising=False)
    build = tmp_path / "warehouse.duckdb"
    assert full_refresh_reason(build, "a") == NOTHING_BUILT
    with duckdb.connect(str(build)) as con:
        ensure_tables(con)
    assert full_refresh_reason(build, "a") == NOTHING_BUILT  # raw loaded, no mart yet

    built_warehouse(build)  # marts built by a release that kept no record
    assert "no record" in full_refresh_reason(build, "a")

    record_build(build, "a", "no record")
    assert full_refresh_reason(build, "a") is None
    assert "changed since the last build" in full_refresh_reason(build, "b")
    record_build(build, "b", "changed")
    assert full_refresh_reason(build, "b") is None
    assert "changed since the last build" in full_refresh_reason(build, "a")

    monkeypatch.setenv("PARKS_FULL_REFRESH", "1")
    assert full_refresh_reason(build, "b") == "PARKS_FULL_REFRESH is set"
    with duckdb.connect(str(build), read_only=True) as con:
        assert con.execute(
            "select fingerprint, full_refresh, reason from meta.dbt_builds order by finished_at"
        ).fetchall() == [("a", True, "no record"), ("b", True, "changed")]


def test_a_whole_build_runs_one_node_at_a_time_and_an_incremental_one_two():
    """Measured at a million enterprises (docs/performance.md): the large models of a whole build
    contend when two run at once; an incremental build's many small nodes overlap well."""
    profile = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8"))
    assert profile["parks"]["outputs"]["dev"]["threads"] == 2
    incremental = dbt_build_args(None)
    assert "--full-refresh" not in incremental and "--threads" not in incremental
    whole = dbt_build_args(NOTHING_BUILT)
    assert "--full-refresh" in whole
    assert whole[whole.index("--threads") + 1] == "1"


def _dbt_nodes(*selection: str) -> dict[str, list[str]]:
    """The nodes a `dbt build` with this selection would run: unique_id -> the nodes it reads."""
    listed = subprocess.run(
        [DBT_RESOURCE.dbt_executable, "ls", "-q", "--exclude-resource-type", "unit_test"]
        + ["--resource-type", "model", "--resource-type", "seed", "--resource-type", "test"]
        + [*selection, "--output", "json", "--output-keys", "unique_id depends_on"],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {
        n["unique_id"]: n["depends_on"].get("nodes", [])
        for n in map(json.loads, listed.splitlines())
    }


def test_an_incremental_build_leaves_out_the_reference_data_and_the_tests_of_it_alone():
    """The seeds' content and the models' SQL are in the project fingerprint, so an incremental
    build finds the seeds, and the models computed from them alone, as the last whole build left
    and tested them: it leaves them out, with every test that reads nothing else. The tests of the
    other models still run, those that read reference data too included."""
    every = _dbt_nodes()
    reference = {node for node in every if node.startswith("seed.")}
    grown = True
    while grown:  # models whose inputs are all reference data, to a fixed point
        computed = {
            node
            for node, reads in every.items()
            if node.startswith("model.") and reads and set(reads) <= reference
        }
        grown = not computed <= reference
        reference |= computed
    their_tests = {
        node
        for node, reads in every.items()
        if node.startswith("test.") and set(reads) <= reference
    }
    assert {n.split(".")[-1] for n in reference if n.startswith("model.")} == {
        "dim_park",
        "int_park_level_periods",
        "int_park_positioned_classes",
        "int_plan_metric_bands",
        "target_reconciliation",
    }

    incremental = dbt_build_args(None)
    run = _dbt_nodes(*incremental[incremental.index("--exclude") :])
    assert set(every) - set(run) == reference | their_tests
    assert "test.parks.assert_tier_thresholds_descend" in their_tests
    reads_both = [node for node in run if node.startswith("test.") and set(run[node]) & reference]
    assert any("fct_enterprise_month_park_code__park_code__ref_dim_park_" in n for n in reads_both)
    # a whole build, and a run Dagster selects in part, build and test everything they select
    assert "--exclude" not in dbt_build_args(NOTHING_BUILT)
    assert "--exclude" not in dbt_build_args(None, subset=True)


def test_the_dbt_resource_reports_the_version_of_the_dbt_it_runs():
    """The resource reads dbt-core's version from the installed package instead of running
    `dbt --version` (dagster-dbt picks dbt Core or Fusion behaviour by it): both must agree."""
    printed = subprocess.run(
        [DBT_RESOURCE.dbt_executable, "--version"], capture_output=True, text=True, check=True
    ).stdout
    core = re.search(r"Core:\s*-\s*installed:\s*(\d+\.\d+\.\d+)", printed)
    assert core, printed
    assert str(DBT_RESOURCE._cli_version) == core.group(1)
    assert DBT_RESOURCE._cli_version.major < 2  # dbt Core, not Fusion: the adapter path is skipped


def test_the_parse_state_of_a_build_seeds_the_next_and_old_build_folders_go(tmp_path: Path):
    target = tmp_path / "target"
    builds = []
    for i in range(5):
        build = target / f"warehouse_models-run{i}-abc"
        build.mkdir(parents=True)
        (build / "partial_parse.msgpack").write_bytes(f"parse state {i}".encode())
        os.utime(build, (1_000_000 + i, 1_000_000 + i))
        builds.append(build)
    (target / "partial_parse.msgpack").write_bytes(b"written by dbt parse for another profile")
    (target / "manifest.json").write_text("{}")  # dagster-dbt's manifest stays

    keep_parse_state(builds[-1], builds_kept=2)

    assert (target / "partial_parse.msgpack").read_bytes() == b"parse state 4"
    assert sorted(p.name for p in target.iterdir()) == [
        "manifest.json",
        "partial_parse.msgpack",
        "warehouse_models-run3-abc",
        "warehouse_models-run4-abc",
    ]


def test_a_home_s_first_build_starts_from_the_parse_that_prepared_the_manifest(tmp_path: Path):
    folder, prepared = tmp_path / "home" / "dbt", tmp_path / "target" / "partial_parse.msgpack"
    first = new_build_folder(folder, "warehouse_models-run0", prepared=prepared)
    assert not (first / "partial_parse.msgpack").exists()  # neither state: dbt parses it all

    prepared.parent.mkdir()
    prepared.write_bytes(b"written by the parse that prepared the manifest")
    second = new_build_folder(folder, "warehouse_models-run1", prepared=prepared)
    assert (second / "partial_parse.msgpack").read_bytes() == prepared.read_bytes()

    (folder / "partial_parse.msgpack").write_bytes(b"kept by this home's last build")
    third = new_build_folder(folder, "warehouse_models-run2", prepared=prepared)
    assert (third / "partial_parse.msgpack").read_bytes() == b"kept by this home's last build"
