"""Reports of the plan's attainment, read from the published warehouse: an Excel workbook and a
self-contained HTML dashboard, both under statistical disclosure control unless internal.

    from pipelines.reports.data import load_report_data
    from pipelines.reports.workbook import write_workbook
    from pipelines.reports.dashboard import write_dashboard

    data = load_report_data(warehouse, year=None, internal=False)
    write_workbook(data, "attainment.xlsx")
    write_dashboard(data, "dashboard.html")

Kept free of imports so that `parks` starts fast: the modules load polars, duckdb, xlsxwriter.
"""
