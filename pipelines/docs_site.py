"""`make docs`: dbt's documentation as one page that opens from disk, with no network.

`dbt docs generate --static` writes `static_index.html`, the site with the manifest and the
catalog inside it. Its JavaScript still holds dbt Labs' page-view tracker: a loader that would
fetch a script from a CDN and send events to a collector when the project allows usage
statistics. The project does not (`send_anonymous_usage_stats: false` in dbt_project.yml), and
`offline` removes the addresses from the page as well, so that no setting can make it call out.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

from pipelines.config import DBT_PROJECT_DIR, Paths

PAGE = "static_index.html"

# Addresses in dbt-docs' JavaScript that a browser would fetch by itself: the tracker's script
# (protocol-relative, `//host/sp.js`) and its collector host. Links a reader may click
# (docs.getdbt.com) and identifiers that are never fetched (XML namespaces, JSON schema ids)
# stay.
TRACKER_SCRIPT = re.compile(r"""(\.src\s*=\s*)(["'])(?:https?:)?//[^"']*\2""")
TRACKER_COLLECTOR = re.compile(r"""(["'])[\w.-]*sinter-collect\.com\1""")
FETCHED_TAG = re.compile(
    r"""<(?:script|img|iframe)\b[^>]*\bsrc\s*=\s*["']?(?:https?:)?//"""
    r"""|<link\b[^>]*\bhref\s*=\s*["']?(?:https?:)?//"""
    r"""|@import\s+(?:url\()?["']?(?:https?:)?//""",
    re.IGNORECASE,
)


def offline(html: str) -> str:
    """`html` with the tracker's script address and collector host emptied."""
    html = TRACKER_SCRIPT.sub(r"\1\2\2", html)
    html = TRACKER_COLLECTOR.sub(r"\1\1", html)
    return html


def external_fetches(html: str) -> list[str]:
    """What in `html` would make a browser fetch from the network by itself: script, image and
    frame sources, linked style sheets and fonts, CSS imports, and the tracker's addresses."""
    found = [m.group(0) for m in FETCHED_TAG.finditer(html)]
    found += [m.group(0) for m in TRACKER_SCRIPT.finditer(html) if "//" in m.group(0)]
    found += [m.group(0) for m in TRACKER_COLLECTOR.finditer(html) if len(m.group(0)) > 2]
    return found


def build(out: Path, warehouse: Path) -> Path:
    """Generate the documentation of `warehouse` (a build file dbt has built) into `out`; the
    path of the self-contained page."""
    subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "docs",
            "generate",
            "--static",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(out),
            "--quiet",
        ],
        env={**os.environ, "PARKS_BUILD_WAREHOUSE": str(warehouse)},
        check=True,
    )
    page = out / PAGE
    page.write_text(offline(page.read_text(encoding="utf-8")), encoding="utf-8")
    left = external_fetches(page.read_text(encoding="utf-8"))
    if left:
        raise SystemExit(f"{page} would still fetch from the network: {left[:5]}")
    return page


def main(argv: list[str] | None = None) -> int:
    paths = Paths.from_env()
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.docs_site",
        description="dbt's documentation of every table and column, as one page with no network",
    )
    parser.add_argument(
        "--out", default=str(paths.home / "dbt-docs"), help="folder (default PARKS_HOME/dbt-docs)"
    )
    parser.add_argument(
        "--warehouse",
        default=str(paths.build),
        help="the build file to describe (default $PARKS_BUILD_WAREHOUSE)",
    )
    args = parser.parse_args(argv)
    if not Path(args.warehouse).exists():
        raise SystemExit(f"no warehouse at {args.warehouse}: run `parks run` (or `make demo`)")
    print(f"documentation: {build(Path(args.out), Path(args.warehouse))} (open it in a browser)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
