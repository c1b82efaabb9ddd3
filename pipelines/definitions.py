"""The Dagster code location: `dg dev` / `dagster dev -m pipelines.definitions` load `defs`."""

import dagster as dg

from pipelines.defs.dbt import DBT_RESOURCE, warehouse_models
from pipelines.defs.raw import MONTHLY, RAW_ASSETS

warehouse_job = dg.define_asset_job(
    name="warehouse_job",
    selection=dg.AssetSelection.all(),
    partitions_def=MONTHLY,
    description="Load the month's extracts, validate them, and rebuild the warehouse models.",
)

defs = dg.Definitions(
    assets=[*RAW_ASSETS, warehouse_models],
    jobs=[warehouse_job],
    resources={"dbt": DBT_RESOURCE},
)
