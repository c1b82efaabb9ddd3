"""Importing the project's modules changes nothing: no environment variable, no file, no dbt run.

Each check runs in a fresh interpreter on a copy of the repository's code and dbt project
without dbt's target folder, so that a module preparing dbt's manifest at import would have to
run `dbt parse` there and would leave target/manifest.json behind."""

import json
import os
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable

# Imports every module of the packages named on the command line, then prints what changed in
# the process's environment and which child processes it started. The libraries are imported
# first: what they do at import (polars sets its allocator's _RJEM_MALLOC_CONF) is theirs.
IMPORT_ALL = """
import importlib, json, os, pkgutil, subprocess, sys
import dagster, dagster_dbt, duckdb, pandera.polars, polars
spawned = []
popen_init = subprocess.Popen.__init__
def recording_init(self, args, *a, **k):
    spawned.append(args if isinstance(args, str) else [str(x) for x in args])
    popen_init(self, args, *a, **k)
subprocess.Popen.__init__ = recording_init
before = dict(os.environ)
names = []
for package in sys.argv[1:]:
    module = importlib.import_module(package)
    names.append(package)
    for info in pkgutil.walk_packages(getattr(module, "__path__", []), package + "."):
        if info.name.endswith("__main__"):
            continue
        importlib.import_module(info.name)
        names.append(info.name)
after = dict(os.environ)
changed = {k: [before.get(k), after.get(k)] for k in before.keys() | after.keys()
           if before.get(k) != after.get(k)}
print(json.dumps({"imported": names, "changed": changed, "spawned": spawned}))
"""


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """The repository's code, seeds and dbt project (without target/ and logs/) in a scratch
    folder: pipelines.config finds the dbt project beside the code it is imported from."""
    root = tmp_path / "repo"
    for folder in ("pipelines", "schemas", "seeds"):
        shutil.copytree(ROOT / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(
        ROOT / "dbt_project",
        root / "dbt_project",
        ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"),
    )
    return root


def fresh_python(copy: Path, *args: str) -> subprocess.CompletedProcess:
    """`python args` in the copy, with a minimal environment (no venv on PATH, no PARKS_*)."""
    env = {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp"), "PYTHONPATH": ""}
    return subprocess.run(
        [PYTHON, *args], cwd=copy, env=env, capture_output=True, text=True, timeout=300
    )


def test_importing_the_dbt_assets_changes_no_environment_and_runs_no_dbt(copy: Path):
    """The issue: `import pipelines.defs.dbt` put the venv on PATH and ran `dbt parse`."""
    result = fresh_python(copy, "-c", IMPORT_ALL, "pipelines.defs.dbt", "pipelines.definitions")
    assert result.returncode == 0, result.stderr[-4000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["imported"] == ["pipelines.defs.dbt", "pipelines.definitions"]
    assert seen["changed"] == {}, "importing changed the environment"
    assert seen["spawned"] == [], "importing started a process"
    assert not (copy / "dbt_project" / "target").exists(), "importing prepared dbt's manifest"


def test_importing_any_module_changes_no_environment_and_starts_no_process(copy: Path):
    """Every module of the two packages, as `parks`, Dagster and the tests import them."""
    result = fresh_python(copy, "-c", IMPORT_ALL, "pipelines", "schemas")
    assert result.returncode == 0, result.stderr[-4000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    expected = {
        name
        for package in ("pipelines", "schemas")
        for name in [package]
        + [
            info.name
            for info in pkgutil.walk_packages([str(copy / package)], package + ".")
            if not info.name.endswith("__main__")
        ]
    }
    assert set(seen["imported"]) == expected
    assert seen["changed"] == {}, "importing changed the environment"
    assert seen["spawned"] == []
    assert not (copy / "dbt_project" / "target").exists()


def test_the_manifest_is_prepared_by_its_own_command(copy: Path):
    """`make test` runs `python -m pipelines.defs.dbt` before its workers start: it writes a whole
    manifest of this project (a later import or build of the definitions only reads it)."""
    result = fresh_python(copy, "-m", "pipelines.defs.dbt")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    manifest = copy / "dbt_project" / "target" / "manifest.json"
    nodes = json.loads(manifest.read_text())["nodes"]
    assert "model.parks.fct_enterprise_year" in nodes
    # the scratch folder dbt parsed into is gone; only the manifest and its parse state (which
    # seeds a home's first build) were put in place
    assert sorted(p.name for p in manifest.parent.iterdir()) == [
        "manifest.json",
        "partial_parse.msgpack",
    ]
    stamp = manifest.stat().st_mtime_ns
    again = fresh_python(copy, "-m", "pipelines.defs.dbt")
    assert again.returncode == 0, again.stderr[-4000:]
    assert manifest.stat().st_mtime_ns == stamp, "an up-to-date manifest was written again"
