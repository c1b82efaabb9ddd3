"""Which dbt project built the warehouse, and when a build must rebuild every table.

Most dbt tables are incremental: a run recomputes only the months, years or enterprises a load
touched. Rows computed by other SQL, other seeds (tier thresholds, plan targets) or another
band_counting would then stay as they were, so a build whose project differs from the last
build's is a full refresh. meta.dbt_builds keeps one line per build the pipeline ran.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import duckdb

from pipelines.config import DBT_PROJECT_DIR, duckdb_config, env_flag
from pipelines.ingest.load import ensure_tables


def project_fingerprint(project_dir: Path = DBT_PROJECT_DIR) -> str:
    """A digest of what the tables are computed from besides the data: the models, macros and
    seeds, dbt_project.yml (its vars' defaults) and the settings passed as environment variables."""
    root = project_dir.resolve().parent
    files = [project_dir / "dbt_project.yml"]
    for folder in ("models", "macros", "../seeds"):
        files.extend(p for p in (project_dir / folder).rglob("*") if p.is_file())
    digest = hashlib.sha256()
    for name, path in sorted((p.resolve().relative_to(root).as_posix(), p) for p in files):
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(f"PARKS_BAND_COUNTING={os.environ.get('PARKS_BAND_COUNTING', '')}".encode())
    return digest.hexdigest()


NOTHING_BUILT = "a first build: no dbt table built yet"


def full_refresh_reason(build: Path, fingerprint: str) -> str | None:
    """Why this build builds every table whole (a first build, or one that must rebuild every
    incremental table), or None when it may be incremental."""
    if env_flag("PARKS_FULL_REFRESH"):
        return "PARKS_FULL_REFRESH is set"
    if not build.exists():
        return NOTHING_BUILT
    with duckdb.connect(str(build), read_only=True) as con:
        tables = {
            name
            for (name,) in con.execute(
                "select table_schema || '.' || table_name from information_schema.tables"
            ).fetchall()
        }
        if not any(name.startswith("marts.") for name in tables):
            return NOTHING_BUILT
        last = None
        if "meta.dbt_builds" in tables:
            last = con.execute(
                "select fingerprint from meta.dbt_builds order by finished_at desc limit 1"
            ).fetchone()
    if last is None:
        return "no record of the dbt project that built the tables (meta.dbt_builds)"
    if last[0] != fingerprint:
        return (
            "the dbt project changed since the last build (models, macros, seeds or "
            "PARKS_BAND_COUNTING): tables built incrementally the old way are rebuilt whole"
        )
    return None


def record_build(build: Path, fingerprint: str, reason: str | None) -> None:
    """After a successful build: the project that built the tables (the next build compares)."""
    with duckdb.connect(str(build), config=duckdb_config()) as con:
        ensure_tables(con)  # meta.dbt_builds in a warehouse of an older release
        con.execute(
            "insert into meta.dbt_builds values (?, ?, ?, current_timestamp)",
            [fingerprint, reason is not None, reason],
        )
