"""Reports after each publication: the attainment workbook and the dashboard, written into
<home>/reports/<YYYY-MM>/ (the month of the latest data), external edition (with
statistical disclosure control). Both read the public warehouse (pipelines/public.py, written
by the publication) read-only, so they need no slot in the writers' pool. The bureau's internal
edition: `parks report --internal`."""

from pathlib import Path

import dagster as dg

from pipelines.config import Paths

PUBLISHED_WAREHOUSE = dg.AssetKey(["published_warehouse"])
REPORTS_GROUP = "reports"


def report_folder(paths: Paths, as_of: str | None) -> Path:
    """<home>/reports/<YYYY-MM>/ for the month of the data."""
    return paths.reports / (as_of or "no-data")


FORMATS = {
    dg.AssetKey(["reports", "attainment_xlsx"]): "xlsx",
    dg.AssetKey(["reports", "dashboard_html"]): "html",
}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["reports", "attainment_xlsx"],
            group_name=REPORTS_GROUP,
            deps=[PUBLISHED_WAREHOUSE],
            kinds={"excel"},
            description="规划目标完成情况 Excel 工作簿(对外发布版,已做统计披露控制),写入 "
            "<home>/reports/<YYYY-MM>/ / the plan's attainment workbook (external edition, "
            "disclosure-controlled), one sheet for the city and one per park, park totals, "
            "reconciliation, milestones and data quality",
        ),
        dg.AssetSpec(
            ["reports", "dashboard_html"],
            group_name=REPORTS_GROUP,
            deps=[PUBLISHED_WAREHOUSE],
            kinds={"html"},
            description="目标完成情况仪表板(单个自包含 HTML 文件,内嵌 SVG,对外发布版) / the "
            "self-contained HTML dashboard (inline SVG, external edition): attainment heat map, "
            "tier counts by month per park against targets, city totals by month",
        ),
    ],
    can_subset=True,
)
def reports(context: dg.AssetExecutionContext):
    """Both reports from one reading of the public warehouse, whose disclosure control the
    publication applied."""
    from pipelines.public import load_public_report_data
    from pipelines.reports.build import default_name, write_report

    paths = Paths.from_env()
    data = load_public_report_data(paths.public, progress=context.log.info)
    folder = report_folder(paths, data.as_of)
    counts = data.suppression_counts()
    for key, fmt in FORMATS.items():
        if key not in context.selected_asset_keys:
            continue
        written = write_report(data, fmt, folder / default_name(fmt, data), context.log.info)
        context.log.info(f"wrote {written.path} ({written.size} bytes)")
        yield dg.MaterializeResult(
            asset_key=key,
            metadata={
                "path": dg.MetadataValue.path(str(written.path)),
                "as_of": data.as_of or "",
                "years": dg.MetadataValue.json(data.years),
                "dashboard_year": data.year,
                "size_bytes": written.size,
                "cells_suppressed_primary": counts["primary"],
                "cells_suppressed_secondary": counts["secondary"],
                "warehouse": dg.MetadataValue.path(str(paths.public)),
            },
        )


REPORT_ASSETS = [reports]
