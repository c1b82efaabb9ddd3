"""The end of a `parks run`: which files of the landing folder do not count, why and what to do;
the run's exit status; and whether a run has anything to do at all.

The summary describes the landing folder as the build holds it after the run (meta.loads, read
by each file's name, size and modification time, as the loader recognizes files), beside what the
folder itself shows (names that are no extract, entries never read, a revision delivered twice).
So it is right whether the run published, failed half-way, or had nothing new to do, and a file
stays in it until it is removed or replaced.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

from pipelines.config import Paths
from pipelines.ingest.landing import (
    NAME_FORM,
    LandingFile,
    LandingScan,
    name_problem,
    same_revision_twice,
)
from pipelines.terminal import cell_len, terminal_width, wrap

# How a run ended (pipelines/cli.py run_warehouse).
PUBLISHED = "published"
UP_TO_DATE = "up to date"  # nothing new: nothing rebuilt, nothing published
FAILED = "failed"
NOTHING_TO_RUN = "nothing to run"  # no landing folder, or no extract in it

# `parks run`'s exit statuses, for the bureau's scheduler (`parks run --help`, README).
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_NOTHING_TO_RUN = 2
EXIT_NOT_ALL_LOADED = 3
EXIT_STATUSES = {
    EXIT_OK: "every file in the landing folder counts and the warehouse is published (or was "
    "already up to date)",
    EXIT_FAILED: "the run failed: nothing published, the last publication stays",
    EXIT_NOTHING_TO_RUN: "nothing to run: no landing folder, or no extract in it (or a wrong "
    "option)",
    EXIT_NOT_ALL_LOADED: "published, but files were refused or ignored: see the summary",
}

# What each kind of line of the summary means and what to do. Superseded revisions are listed
# but are no problem: a correction replaced them, as it should (they do not make status 3).
LABELS = {
    "file_rejected": "refused",
    "same_revision_twice": "same revision twice",
    "not_an_extract": "not an extract",
    "skipped": "never read",
    "not_read": "not read",
    "superseded": "superseded",
}
RENAME = f"rename it {NAME_FORM}, or remove it from the landing folder"
NOT_READ = "the run stopped before reading it", "run again once the failure above is fixed"


@dataclass(frozen=True)
class Entry:
    file_name: str
    status: str  # a key of LABELS
    reason: str
    fix: str


@dataclass(frozen=True)
class Summary:
    landing: Path
    entries: list[Entry]  # files that do not count, superseded revisions aside
    superseded: list[str]  # earlier revisions a later one replaced: nothing to do

    def render(self, width: int | None = None) -> str:
        """The summary as `parks run` prints it, last, in lines of at most `width` terminal
        columns (the terminal's by default; file names are never cut)."""
        width = width or terminal_width()
        if not self.entries:
            lines = [f"Run summary: every file in {self.landing} counts."]
        else:
            lines = [
                f"Run summary: {len(self.entries)} file(s) in {self.landing} not loaded:",
            ]
            names = max(cell_len(e.file_name) for e in self.entries)
            for e in self.entries:
                pad = " " * (names - cell_len(e.file_name))
                lines.append(f"  {e.file_name}{pad}  {LABELS[e.status]}")
                for label, text in (("why", e.reason), ("fix", e.fix)):
                    body = wrap(text, max(width - len("      why: "), 20))
                    lines.append(f"      {label}: {body[0]}")
                    lines += [" " * len("      why: ") + line for line in body[1:]]
        if self.superseded:
            lines.append(
                f"Superseded by a later revision (nothing to do): {', '.join(self.superseded)}"
            )
        return "\n".join(lines)

    def markdown(self) -> str:
        """The same as a Markdown table, for Dagster's metadata."""
        if not self.entries:
            return "Every file in the landing folder counts."
        rows = ["| file | status | why | fix |", "|---|---|---|---|"]
        cell = lambda text: text.replace("|", "\\|")  # noqa: E731
        for e in self.entries:
            rows.append(
                f"| {cell(e.file_name)} | {LABELS[e.status]} | {cell(e.reason)} | {cell(e.fix)} |"
            )
        return "\n".join(rows)


def _loads(build: Path) -> tuple[dict, dict]:
    """meta.loads of the build: (name, size, modified_at) -> (status, message) of each file's
    latest line; (kind, period) -> the file the month holds."""
    import duckdb

    if not build.exists():
        return {}, {}
    with duckdb.connect(str(build), read_only=True) as con:
        lines = con.execute(
            "select file_name, size_bytes, modified_at, status, message from meta.loads "
            "order by received_at"
        ).fetchall()
        held = con.execute(
            "select kind, period, file_name from meta.loads where status = 'loaded'"
        ).fetchall()
    return (
        {(name, size, at): (status, message) for name, size, at, status, message in lines},
        {(kind, period): name for kind, period, name in held},
    )


def _next_revision(landing: LandingScan, f: LandingFile) -> str:
    top = max(g.revision for g in landing.extracts if (g.kind, g.period) == (f.kind, f.period))
    period = f"{f.period:%Y}" if f.annual else f"{f.period:%Y%m}"
    return f"{f.kind}_{period}_v{top + 1}.{f.ext}"


def _meanwhile(held: dict, f: LandingFile) -> str:
    keeps = held.get((f.kind, f.period))
    return f"{f.kind} {f.period_label} meanwhile " + (f"keeps {keeps}" if keeps else "has no data")


def collect(landing: LandingScan, paths: Paths) -> Summary:
    """Every file of the landing folder that does not count, with why and what to do.

    Reads the build (read-only): call it when no writer holds the build."""
    import duckdb

    from pipelines.ingest.load import modified_time

    try:
        lines, held = _loads(paths.build)
    except duckdb.Error as e:  # a writer holds it, or no meta.loads yet
        lines, held = {}, {}
        unknown = f"meta.loads could not be read ({e})"
    else:
        unknown = None
    entries, superseded = [], []
    twice = landing.delivered_twice()
    for f in landing.extracts:
        stat = f.path.stat()
        status, message = lines.get((f.path.name, stat.st_size, modified_time(stat)), (None, None))
        if status == "superseded":
            superseded.append(f.path.name)
        elif f.path in twice:
            revision = [
                g
                for g in landing.extracts
                if (g.kind, g.period, g.revision) == (f.kind, f.period, f.revision)
            ]
            entries.append(
                Entry(
                    f.path.name,
                    "same_revision_twice",
                    same_revision_twice(revision),
                    f"remove all but one of them; {_meanwhile(held, f)}",
                )
            )
        elif status == "file_rejected":
            entries.append(
                Entry(
                    f.path.name,
                    status,
                    message.removeprefix(f"{f.path.name}: "),
                    f"correct it and deliver it as {_next_revision(landing, f)}; "
                    + _meanwhile(held, f),
                )
            )
        elif status is None:
            entries.append(Entry(f.path.name, "not_read", unknown or NOT_READ[0], NOT_READ[1]))
    for path in landing.not_extracts:
        entries.append(Entry(path.name, "not_an_extract", name_problem(path.name), RENAME))
    for s in landing.skipped:
        entries.append(Entry(s.path.name, "skipped", s.reason, s.fix))
    return Summary(paths.landing, entries, superseded)


def exit_status(state: str, summary: Summary | None) -> int:
    """`parks run`'s exit status for how the run ended (`state`) and what it did not load."""
    if state == FAILED:
        return EXIT_FAILED
    if state == NOTHING_TO_RUN:
        return EXIT_NOTHING_TO_RUN
    return EXIT_NOT_ALL_LOADED if summary and summary.entries else EXIT_OK


def exit_statuses_text() -> str:
    """The exit statuses as `parks run --help` lists them."""
    return "exit statuses:\n" + "\n".join(
        textwrap.fill(what, 78, initial_indent=f"  {code}  ", subsequent_indent="     ")
        for code, what in EXIT_STATUSES.items()
    )


def nothing_new(landing: LandingScan, paths: Paths) -> bool:
    """True when a run would change nothing: every extract is known to the build (name, size,
    modification time), the dbt project is the one of the last build (no full refresh due), and
    the publication holds what the build holds (the same meta.loads and meta.dbt_builds: a run
    that loaded files but failed before publishing leaves them different)."""
    import duckdb

    from pipelines.dbt_builds import full_refresh_reason, project_fingerprint
    from pipelines.ingest.load import months_to_load

    if not paths.warehouse.exists() or months_to_load(landing, paths.build):
        return False
    try:
        if full_refresh_reason(paths.build, project_fingerprint()) is not None:
            return False
        return _state(paths.build) == _state(paths.warehouse)
    except duckdb.Error:  # a writer holds the build, or a table is missing: run and see
        return False


def _state(path: Path) -> tuple:
    import duckdb

    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(
            "select (select (count(*), max(received_at), max(loaded_at), "
            "count(*) filter (where status = 'loaded')) from meta.loads), "
            "(select (count(*), max(finished_at)) from meta.dbt_builds)"
        ).fetchone()
