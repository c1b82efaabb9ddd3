"""`parks report`: the attainment workbook or the dashboard, from the published warehouse
(internal edition) or the public one (external edition)."""

from __future__ import annotations

import argparse
import sys
import time


def _progress(line: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {line}", file=sys.stderr, flush=True)


def cmd_report(args: argparse.Namespace) -> int:
    from pipelines import confidential
    from pipelines.cli import _paths
    from pipelines.reports.build import build_report
    from pipelines.reports.data import SUPPRESSED_MARK

    confidential.restrict()  # an internal edition holds figures of single enterprises
    paths = _paths(args)
    # the external edition reads the public warehouse only: it prints what is shared
    source = paths.warehouse if args.internal else paths.public
    started = time.monotonic()
    edition = "internal (no disclosure control)" if args.internal else "external (protected)"
    _progress(f"report {args.format}, {edition}: stage 1/2 reading {source}")
    try:
        written = build_report(
            source,
            args.format,
            args.out,
            year=args.year,
            internal=args.internal,
            progress=lambda line: _progress(
                ("stage 2/2 " if line.startswith(("workbook", "dashboard")) else "  ") + line
            ),
        )
    except (FileNotFoundError, ValueError, RuntimeError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    data = written.data
    counts = data.suppression_counts()
    protection = (
        "no disclosure control (internal)"
        if data.internal
        else f"{counts['primary']} primary and {counts['secondary']} secondary cells of the park "
        f"totals suppressed (shown as {SUPPRESSED_MARK})"
    )
    _progress(
        f"done in {time.monotonic() - started:.1f} s: wrote {written.path} "
        f"({written.size / 1024:.0f} KiB, {args.format}); data as of {data.as_of or '—'}, "
        f"years {', '.join(map(str, data.years))}"
        + (f", dashboard year {data.year}" if args.format == "html" else "")
        + f"; {protection}"
    )
    return 0


def register_report_command(sub) -> None:
    """Add `report` to the `parks` sub-commands."""
    p = sub.add_parser(
        "report",
        help="write the attainment workbook (xlsx) or dashboard (html) from the warehouse",
    )
    p.add_argument("--format", required=True, choices=["xlsx", "html"])
    p.add_argument(
        "--warehouse",
        help="published DuckDB file (default $PARKS_WAREHOUSE), opened read-only: the internal "
        "edition reads it, the external one the public warehouse beside it "
        "($PARKS_PUBLIC_WAREHOUSE, default public.duckdb)",
    )
    p.add_argument(
        "--year",
        type=int,
        help="one year of the plan (default: every year in the workbook; the dashboard shows "
        "the year of the latest data)",
    )
    p.add_argument(
        "--internal",
        action="store_true",
        help="the bureau's own edition: no statistical disclosure control",
    )
    p.add_argument("--out", required=True, help="file to write, or a folder for the default name")
    p.set_defaults(func=cmd_report)
