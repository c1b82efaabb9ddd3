"""The Dagster code location: `make dev` (dagster dev -m pipelines.definitions) loads `defs`.

`defs` is built when Dagster (or a caller) asks for it, not at import: building it prepares dbt's
manifest (pipelines/defs/dbt.py warehouse_models)."""

import functools

import dagster as dg

from pipelines.defs.automation import build_attainment_schedule, build_landing_sensor
from pipelines.defs.checks import DQ_CHECKS
from pipelines.defs.dbt import DBT_RESOURCE, warehouse_models
from pipelines.defs.publish import published_warehouse
from pipelines.defs.raw import RAW_ASSETS
from pipelines.defs.reports import REPORT_ASSETS


@dg.definitions
@functools.cache
def defs() -> dg.Definitions:
    """Every asset, check, job, sensor and schedule of the warehouse (built once per process)."""
    models, publication = warehouse_models(), published_warehouse()
    warehouse_job = dg.define_asset_job(
        name="warehouse_job",
        selection=dg.AssetSelection.all(),
        description="Load the months' extracts, validate them, and rebuild the warehouse models.",
    )
    marts_job = dg.define_asset_job(
        name="marts_job",
        selection=dg.AssetSelection.assets(models, publication, *REPORT_ASSETS),
        description="Rebuild the dbt models (tiers, summaries, attainment), publish them, write "
        "the reports.",
    )
    return dg.Definitions(
        assets=[*RAW_ASSETS, models, publication, *REPORT_ASSETS],
        asset_checks=DQ_CHECKS,
        jobs=[warehouse_job, marts_job],
        sensors=[build_landing_sensor(warehouse_job)],
        schedules=[build_attainment_schedule(marts_job)],
        resources={"dbt": DBT_RESOURCE},
    )
