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
DUCKDB_MEMORY_LIMIT = os.environ.get("PARKS_DUCKDB_MEMORY_LIMIT", "4GB")


def env_flag(name: str) -> bool:
    """An on/off setting from the environment (PARKS_FULL_REFRESH, PARKS_VERIFY_CHECKSUMS): on
    unless unset, empty or 0."""
    return os.environ.get(name, "") not in ("", "0")


def duckdb_config() -> dict[str, str]:
    """Settings of every connection that writes the build file."""
    return {"memory_limit": DUCKDB_MEMORY_LIMIT}


@dataclass(frozen=True)
class Paths:
    home: Path  # PARKS_HOME: the data folder (default ./data)
    landing: Path  # PARKS_LANDING: where the bureau drops extracts
    warehouse: Path  # PARKS_WAREHOUSE: the published DuckDB file that analysts open (read-only)
    build: Path  # PARKS_BUILD_WAREHOUSE: the file the pipeline writes (dbt's profiles.yml reads it)
    archive: Path  # every received file, by sha256

    @classmethod
    def from_env(cls) -> Paths:
        home = Path(os.environ.get("PARKS_HOME", REPO_ROOT / "data")).resolve()
        warehouse = Path(os.environ.get("PARKS_WAREHOUSE", home / "warehouse.duckdb")).resolve()
        build = os.environ.get("PARKS_BUILD_WAREHOUSE", warehouse.parent / "build" / warehouse.name)
        return cls(
            home=home,
            landing=Path(os.environ.get("PARKS_LANDING", home / "landing")).resolve(),
            warehouse=warehouse,
            build=Path(build).resolve(),
            archive=Path(os.environ.get("PARKS_ARCHIVE", home / "archive")).resolve(),
        )

    def export(self) -> None:
        """Make the paths visible to dbt and to Dagster code loaded later in this process."""
        os.environ["PARKS_HOME"] = str(self.home)
        os.environ["PARKS_LANDING"] = str(self.landing)
        os.environ["PARKS_WAREHOUSE"] = str(self.warehouse)
        os.environ["PARKS_BUILD_WAREHOUSE"] = str(self.build)
        os.environ["PARKS_ARCHIVE"] = str(self.archive)
