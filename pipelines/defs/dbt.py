"""The dbt project as Dagster assets: staging, intermediate and marts, with dbt tests as asset checks.

Importing this module runs nothing: `warehouse_models()` prepares dbt's manifest (`dbt parse`,
when it is missing or older than the project) and builds the assets, once per process, when the
definitions are built. `python -m pipelines.defs.dbt` prepares the manifest alone."""

import functools
import importlib.metadata
import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from packaging.version import Version

from pipelines.config import DBT_PROJECT_DIR, Paths
from pipelines.dbt_builds import full_refresh_reason, project_fingerprint, record_build
from pipelines.defs.raw import WAREHOUSE_POOL
from pipelines.publish import read_ahead, recover_build

DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# This environment's dbt, whether or not the venv is activated (dagster-dbt looks on PATH).
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")
# The dbt tag of the seeds and the models computed from them alone (dbt_project.yml): an
# incremental build leaves them out (dbt_build_args).
REFERENCE_DATA = "reference_data"
PARSE_STATE = "partial_parse.msgpack"  # dbt's, reused by a build of the same project and profile
KEPT_BUILD_TARGETS = 10  # the latest builds' target folders (run_results.json, compiled SQL, log)
# dbt's log file of a build (dbt.log in its target folder) at info level, the lines of its output:
# at debug level it also writes every statement it runs, a large file that dbt spends CPU time
# formatting (docs/performance.md). DBT_LOG_LEVEL_FILE=debug brings them back.
LOG_LEVEL_FILE = ["--log-level-file", os.environ.get("DBT_LOG_LEVEL_FILE", "info")]


class WarehouseDbtCli(DbtCliResource):
    """dagster-dbt's resource without two start-up costs of every build that this project has no
    use for (docs/performance.md): `dbt --version` in a subprocess, to tell dbt Core from the
    Fusion engine (dbt-core is installed here, pinned by uv.lock), and a dbt adapter in Dagster's
    process, used only to fetch row counts and column metadata, which these assets do not ask for."""

    @functools.cached_property
    def _cli_version(self) -> Version:
        return Version(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None


# dbt's lines go to the run's log file (pipelines/progress.py) and its dbt.log: plain text.
DBT_RESOURCE = WarehouseDbtCli(
    project_dir=DBT_PROJECT,
    dbt_executable=DBT_EXECUTABLE,
    global_config_flags=["--no-use-colors", "--no-use-colors-file", *LOG_LEVEL_FILE],
)


def _newest_source_mtime() -> float:
    sources = [DBT_PROJECT_DIR / "dbt_project.yml", DBT_PROJECT_DIR / "profiles.yml"]
    for folder in ("models", "macros", "tests", "../seeds"):
        sources.extend(p for p in (DBT_PROJECT_DIR / folder).rglob("*") if p.is_file())
    return max(p.stat().st_mtime for p in sources if p.exists())


def ensure_manifest() -> Path:
    """dagster-dbt reads target/manifest.json: (re)build it when missing or older than the project.

    dbt parses into a scratch folder and the manifest replaces the old one whole, so that a
    process reading it (another test worker) never sees it half written. Its parse state is kept
    beside it: a home's first build starts from it (new_build_folder)."""
    manifest = DBT_PROJECT.manifest_path
    if not manifest.exists() or manifest.stat().st_mtime < _newest_source_mtime():
        manifest.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=manifest.parent, prefix=".parse-") as scratch:
            DBT_RESOURCE.cli(["parse", "--quiet"], target_path=Path(scratch)).wait()
            if (Path(scratch) / PARSE_STATE).exists():
                os.replace(Path(scratch) / PARSE_STATE, manifest.parent / PARSE_STATE)
            os.replace(Path(scratch) / "manifest.json", manifest)
    return manifest


class Translator(DagsterDbtTranslator):
    """Asset group = dbt folder = DuckDB schema: one name for one idea."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else super().get_group_name(dbt_resource_props)


@functools.cache
def warehouse_models() -> dg.AssetsDefinition:
    """The dbt assets, from a manifest prepared first: called when the definitions are built,
    once per process. Their op is `warehouse_models` (the progress display and logs name it)."""
    return dbt_assets(
        manifest=ensure_manifest(),
        name="warehouse_models",
        dagster_dbt_translator=Translator(),
        pool=WAREHOUSE_POOL,
        project=DBT_PROJECT,
    )(build_warehouse)


def build_warehouse(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """dbt build: seeds, models and their tests, in dependency order."""
    paths = Paths.from_env()
    if recovered := recover_build(paths.build, paths.warehouse):
        context.log.warning(recovered)
    # Most tables are incremental (they rebuild the months, years or enterprises a load
    # touched); a first build, a change of the project or the seeds, or PARKS_FULL_REFRESH=1
    # builds them whole.
    fingerprint = project_fingerprint()
    reason = full_refresh_reason(paths.build, fingerprint)
    if reason:
        context.log.info(f"dbt build --full-refresh: {reason}")
    read_ahead(paths.build)  # for the publication's copy, right after this step
    build = dbt.cli(
        dbt_build_args(reason, context.is_subset),
        context=context,
        target_path=new_build_folder(
            paths.dbt, f"{context.op_execution_context.op.name}-{context.run.run_id[:7]}"
        ),
    )
    yield from build.stream()
    record_build(paths.build, fingerprint, reason)
    keep_parse_state(build.target_path)


def dbt_build_args(whole_because: str | None, subset: bool = False) -> list[str]:
    """The dbt command of a build: incremental, or whole (with the reason) one node at a time.

    A whole build's large models each keep both cores busy; two at once (the profile's two
    threads) contend for the cores and the one memory cap, and the whole build is slower than
    with one thread. An incremental build is many small nodes, which overlap well: two threads
    are faster there (docs/performance.md)."""
    # Unit tests check the models' SQL on fixed inputs, not the data: `make test` runs them (as
    # dbt recommends, not in production builds, where they would add to every build).
    args = ["build", "--exclude-resource-type", "unit_test"]
    if whole_because:
        args += ["--full-refresh", "--threads", "1"]
    elif not subset:
        # The reference data (tag reference_data: the seeds and the models computed from them
        # alone) is in the project fingerprint, so an incremental build finds it as the last whole
        # build left and tested it: it leaves out those 10 nodes and the 81 tests that read
        # nothing else. `buildable` keeps the tests of the other models that read them (a park
        # code's relationship to dim_park). Of a run selected in part (the Dagster UI), Dagster
        # sets the selection of nodes and tests itself.
        args += ["--exclude", f"tag:{REFERENCE_DATA}", "--indirect-selection", "buildable"]
    return args


def new_build_folder(
    folder: Path, name: str, prepared: Path = DBT_PROJECT.manifest_path.parent / PARSE_STATE
) -> Path:
    """The build's own dbt target folder in the home (<op>-<run>-<uuid>, as dagster-dbt names
    them), not in dbt_project/target: a build of another warehouse leaves the repository as it
    was. Seeded with the parse state the last build of this home kept (keep_parse_state), or in
    a home without one (its first build), with the state of the parse that prepared the
    manifest (ensure_manifest): `parks run` exports the home's paths before the definitions
    load, so that parse had this build's profile, and dbt parses only what changed since instead
    of the whole project. dbt reads a state written for another profile (another warehouse's
    path) as no state, and parses the whole project, as it would without one."""
    target = folder / f"{name}-{uuid.uuid4().hex[:7]}"
    target.mkdir(parents=True)
    for parsed in (folder / PARSE_STATE, prepared):
        if parsed.exists():
            shutil.copyfile(parsed, target / PARSE_STATE)
            break
    return target


def keep_parse_state(build_target: Path, builds_kept: int = KEPT_BUILD_TARGETS) -> None:
    """Each build runs in its own target folder, seeded with the parse state kept beside it. dbt
    parses the whole project again unless that file was written for the same profile, and
    the profile includes the warehouse's path: the last build's parse state seeds the next one.
    Of the builds' folders (manifest, compiled SQL, log), the latest are kept."""
    target = build_target.parent
    parsed = build_target / PARSE_STATE
    if parsed.exists():
        staging = target / f".partial_parse.{os.getpid()}"
        shutil.copyfile(parsed, staging)
        os.replace(staging, target / PARSE_STATE)  # atomic for a concurrent build
    asset = build_target.name.rsplit("-", 2)[0]  # dagster-dbt names it <op>-<run>-<uuid>
    builds = sorted(
        (p for p in target.glob(f"{asset}-*-*") if p.is_dir()),
        key=lambda p: p.stat().st_mtime,
    )
    for old in builds[:-builds_kept]:
        shutil.rmtree(old, ignore_errors=True)


if __name__ == "__main__":  # `make test` prepares the manifest once, before its test workers start
    print(ensure_manifest())
