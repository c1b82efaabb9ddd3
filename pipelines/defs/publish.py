"""The last asset: publish the analysts' warehouse once the dbt models and their tests passed."""

import functools

import dagster as dg

from pipelines.config import Paths
from pipelines.defs.dbt import REFERENCE_DATA, warehouse_models
from pipelines.defs.raw import WAREHOUSE_POOL
from pipelines.public import write_public
from pipelines.publish import publish


@functools.cache
def published_warehouse() -> dg.AssetsDefinition:
    """The publication's asset, built with the definitions (it needs the dbt manifest).

    It waits for the dbt assets but the reference data, which an incremental build leaves as the
    last whole build made and tested it (pipelines/defs/dbt.py dbt_build_args). A whole build
    builds it in the same step, which the publication waits for as a whole."""
    built_by_every_build = [
        spec.key for spec in warehouse_models().specs if REFERENCE_DATA not in spec.tags
    ]
    return dg.asset(
        key=["published_warehouse"],
        group_name="publish",
        deps=built_by_every_build,
        pool=WAREHOUSE_POOL,
        kinds={"duckdb"},
        description="分析人员使用的只读仓库文件(原子替换发布),及可对外提供的公开库 public.duckdb / "
        "the analysts' read-only warehouse, replaced atomically after every blocking check "
        "passed, and the public warehouse of what may leave the bureau",
    )(publish_warehouse)


def publish_warehouse(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    paths = Paths.from_env()
    published = publish(paths.build, paths.warehouse)
    how = "the spare patched" if published.from_spare else "a whole copy"
    context.log.info(
        f"published {paths.warehouse} ({published.size / 2**20:,.0f} MiB): {how}, "
        f"{published.written / 2**20:,.0f} MiB written"
    )
    # what may leave the bureau, from the file just published (a failure keeps the last one)
    public_rows = write_public(paths.warehouse, paths.public, progress=context.log.info)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(paths.warehouse)),
            "mart_rows": dg.MetadataValue.json(published.mart_rows),
            "bytes": published.size,
            "bytes_written": published.written,
            "from_spare": published.from_spare,
            "public": dg.MetadataValue.path(str(paths.public)),
            "public_rows": dg.MetadataValue.json(public_rows),
        }
    )
