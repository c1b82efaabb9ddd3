"""Write one report (xlsx or html) from a warehouse (the public one for the external edition): shared by `parks report` and the Dagster
assets of pipelines/defs/reports.py."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipelines.reports.data import Progress, ReportData, _quiet, load_report_data

FORMATS = ("xlsx", "html")


def default_name(fmt: str, data: ReportData) -> str:
    """attainment_<YYYY-MM>[_<year>][_internal].xlsx / dashboard_<...>.html"""
    stem = "attainment" if fmt == "xlsx" else "dashboard"
    parts = [stem, data.as_of or "no-data"]
    if len(data.years) == 1 or fmt == "html":
        parts.append(str(data.year))
    if data.internal:
        parts.append("internal")
    return "_".join(parts) + f".{fmt}"


@dataclass(frozen=True)
class Written:
    path: Path
    fmt: str
    data: ReportData

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def write_report(
    data: ReportData, fmt: str, out: Path | str, progress: Progress = _quiet
) -> Written:
    """Write `data` as `fmt` to `out` (a file, or a folder to put the default name in)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")
    as_folder = str(out).endswith(("/", "\\")) or Path(out).is_dir()
    out = Path(out) / default_name(fmt, data) if as_folder else Path(out)
    if fmt == "xlsx":
        from pipelines.reports.workbook import write_workbook

        path = write_workbook(data, out, progress)
    else:
        from pipelines.reports.dashboard import write_dashboard

        path = write_dashboard(data, out, progress)
    return Written(path, fmt, data)


def build_report(
    source: Path,
    fmt: str,
    out: Path | str,
    *,
    year: int | None = None,
    internal: bool = False,
    progress: Progress = _quiet,
) -> Written:
    """The external edition from the public warehouse `source` (pipelines/public.py), so that
    it shows what is shared and nothing else; the internal one from the full warehouse."""
    if internal:
        data = load_report_data(source, year=year, internal=True, progress=progress)
    else:
        from pipelines.public import load_public_report_data

        data = load_public_report_data(source, year=year, progress=progress)
    return write_report(data, fmt, out, progress)
