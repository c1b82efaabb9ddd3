"""Reports after each publication: the attainment workbook and the dashboard, written into
<PARKS_HOME>/reports/<YYYY-MM>/ (the month of the latest data), external edition (with
statistical disclosure control). Both read the published warehouse read-only, so they need no
slot in the writers' pool. The bureau's internal edition: `parks report --internal`."""

from pathlib import Path

import dagster as dg

from pipelines.config import Paths

PUBLISHED_WAREHOUSE = dg.AssetKey(["published_warehouse"])
REPORTS_GROUP = "reports"


def report_folder(paths: Paths, as_of: str | None) -> Path:
    """<PARKS_HOME>/reports/<YYYY-MM>/ for the month of the data."""
    return paths.home / "reports" / (as_of or "no-data")


def _materialize(context: dg.AssetExecutionContext, fmt: str) -> dg.MaterializeResult:
    from pipelines.reports.build import default_name, write_report
    from pipelines.reports.data import load_report_data

    paths = Paths.from_env()
    data = load_report_data(paths.warehouse, progress=context.log.info)
    folder = report_folder(paths, data.as_of)
    written = write_report(data, fmt, folder / default_name(fmt, data), context.log.info)
    counts = data.suppression_counts()
    context.log.info(f"wrote {written.path} ({written.size} bytes)")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(written.path)),
            "as_of": data.as_of or "",
            "years": dg.MetadataValue.json(data.years),
            "dashboard_year": data.year,
            "size_bytes": written.size,
            "cells_suppressed_primary": counts["primary"],
            "cells_suppressed_secondary": counts["secondary"],
            "warehouse": dg.MetadataValue.path(str(paths.warehouse)),
        }
    )


@dg.asset(
    key=["reports", "attainment_xlsx"],
    group_name=REPORTS_GROUP,
    deps=[PUBLISHED_WAREHOUSE],
    kinds={"excel"},
    description="规划目标完成情况 Excel 工作簿(对外发布版,已做统计披露控制),写入 "
    "<PARKS_HOME>/reports/<YYYY-MM>/ / the plan's attainment workbook (external edition, "
    "disclosure-controlled), one sheet for the city and one per park, park totals, "
    "reconciliation, milestones and data quality",
)
def attainment_xlsx(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    return _materialize(context, "xlsx")


@dg.asset(
    key=["reports", "dashboard_html"],
    group_name=REPORTS_GROUP,
    deps=[PUBLISHED_WAREHOUSE],
    kinds={"html"},
    description="目标完成情况仪表板(单个自包含 HTML 文件,内嵌 SVG,对外发布版) / the "
    "self-contained HTML dashboard (inline SVG, external edition): attainment heat map, tier "
    "counts by month per park against targets, city totals by month",
)
def dashboard_html(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    return _materialize(context, "html")


REPORT_ASSETS = [attainment_xlsx, dashboard_html]
