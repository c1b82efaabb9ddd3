"""Where things live. One environment variable per place, shared by Dagster, dbt and the CLI."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pipelines.reference import REPO_ROOT

DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
FIRST_MONTH = "2018-01"
# DuckDB's memory cap for the loader and for dbt (profiles.yml reads the same variable and
# default). Without it each process may cache up to 80% of RAM, two at a time; with it, big
# sorts and joins spill to disk beside the build file instead.
DUCKDB_MEMORY_LIMIT = os.environ.get("PARKS_DUCKDB_MEMORY_LIMIT", "2.5GB")


def env_flag(name: str) -> bool:
    """An on/off setting from the environment (PARKS_FULL_REFRESH, PARKS_VERIFY_CHECKSUMS): on
    unless unset, empty or 0."""
    return os.environ.get(name, "") not in ("", "0")


def duckdb_config() -> dict[str, str]:
    """Settings of every connection that writes the build file."""
    return {"memory_limit": DUCKDB_MEMORY_LIMIT}


@dataclass(frozen=True)
class Paths:
    """Every place a run reads or writes. One home holds them all: PARKS_HOME if set, else the
    folder of the warehouse named (`--warehouse`, PARKS_WAREHOUSE), else ./data; each place
    defaults under it, and its own variable names it elsewhere. A run against another warehouse
    thus never writes into the official one's reports, archive or run history."""

    home: Path  # PARKS_HOME
    landing: Path  # PARKS_LANDING: where the bureau drops extracts
    warehouse: Path  # PARKS_WAREHOUSE: the published DuckDB file that analysts open (read-only)
    public: Path  # PARKS_PUBLIC_WAREHOUSE: what may leave the bureau (aggregates, protected)
    build: Path  # PARKS_BUILD_WAREHOUSE: the file the pipeline writes (dbt's profiles.yml reads it)
    archive: Path  # PARKS_ARCHIVE: every received file, by sha256
    dagster: Path  # DAGSTER_HOME: Dagster's run history
    reports: Path  # the reports written after each publication, one folder per month of data
    dbt: Path  # dbt's folder of each build (compiled SQL, run_results.json, dbt.log)
    logs: Path  # the log file of each `parks run`

    @classmethod
    def from_env(cls) -> Paths:
        named = os.environ.get("PARKS_WAREHOUSE")
        default_home = Path(named).parent if named else REPO_ROOT / "data"
        home = Path(os.environ.get("PARKS_HOME") or default_home).resolve()
        warehouse = Path(named or home / "warehouse.duckdb").resolve()
        build = os.environ.get("PARKS_BUILD_WAREHOUSE", warehouse.parent / "build" / warehouse.name)
        return cls(
            home=home,
            landing=Path(os.environ.get("PARKS_LANDING", home / "landing")).resolve(),
            warehouse=warehouse,
            public=Path(
                os.environ.get("PARKS_PUBLIC_WAREHOUSE", warehouse.parent / "public.duckdb")
            ).resolve(),
            build=Path(build).resolve(),
            archive=Path(os.environ.get("PARKS_ARCHIVE", home / "archive")).resolve(),
            dagster=Path(os.environ.get("DAGSTER_HOME") or home / "dagster").resolve(),
            reports=home / "reports",
            dbt=home / "dbt",
            logs=home / "logs",
        )

    def export(self) -> None:
        """Make the paths visible to dbt and to Dagster code loaded later in this process."""
        os.environ["PARKS_HOME"] = str(self.home)
        os.environ["PARKS_LANDING"] = str(self.landing)
        os.environ["PARKS_WAREHOUSE"] = str(self.warehouse)
        os.environ["PARKS_PUBLIC_WAREHOUSE"] = str(self.public)
        os.environ["PARKS_BUILD_WAREHOUSE"] = str(self.build)
        os.environ["PARKS_ARCHIVE"] = str(self.archive)
