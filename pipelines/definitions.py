"""The Dagster code location: `make dev` (dagster dev -m pipelines.definitions) loads `defs`."""

import dagster as dg

from pipelines.defs.automation import build_attainment_schedule, build_landing_sensor
from pipelines.defs.checks import DQ_CHECKS
from pipelines.defs.dbt import DBT_RESOURCE, warehouse_models
from pipelines.defs.publish import published_warehouse
from pipelines.defs.raw import RAW_ASSETS
from pipelines.defs.reports import REPORT_ASSETS

warehouse_job = dg.define_asset_job(
    name="warehouse_job",
    selection=dg.AssetSelection.all(),
    description="Load the months' extracts, validate them, and rebuild the warehouse models.",
)

marts_job = dg.define_asset_job(
    name="marts_job",
    selection=dg.AssetSelection.assets(warehouse_models, published_warehouse, *REPORT_ASSETS),
    description="Rebuild the dbt models (tiers, summaries, attainment), publish them, write the reports.",
)

defs = dg.Definitions(
    assets=[*RAW_ASSETS, warehouse_models, published_warehouse, *REPORT_ASSETS],
    asset_checks=DQ_CHECKS,
    jobs=[warehouse_job, marts_job],
    sensors=[build_landing_sensor(warehouse_job)],
    schedules=[build_attainment_schedule(marts_job)],
    resources={"dbt": DBT_RESOURCE},
)
