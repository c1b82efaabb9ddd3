"""The landing folder: which files are extracts, of what kind, month and revision; and why the
others are not read."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from schemas.headers import ANNUAL_KINDS, KINDS

EXTENSIONS = ("csv", "xlsx")
NAME_FORM = "<kind>_<YYYYMM>[_v<N>].csv|xlsx (a yearly kind: <kind>_<YYYY>[_v<N>].csv|xlsx)"
MONTHLY_KINDS = [k for k in KINDS if k not in ANNUAL_KINDS]
# ASCII digits only: `\d` also matches full-width and other scripts' digits. A monthly kind
# carries a month (YYYYMM), a yearly kind a year (YYYY) only.
NAME_PATTERN = re.compile(
    rf"^(?:(?P<kind>{'|'.join(MONTHLY_KINDS)})_(?P<year>[0-9]{{4}})(?P<month>[0-9]{{2}})"
    rf"|(?P<annual_kind>{'|'.join(ANNUAL_KINDS)})_(?P<annual_year>[0-9]{{4}}))"
    rf"(?:_v(?P<rev>[0-9]+))?\.(?P<ext>{'|'.join(EXTENSIONS)})$"
)
# The same parts, loosely: what a name that does not match was meant to say.
LOOSE_PATTERN = re.compile(r"^(?P<kind>[^_]*)_(?P<month>[^_.]*)(?:_(?P<rev>[^.]*))?\.(?P<ext>.*)$")


@dataclass(frozen=True)
class LandingFile:
    path: Path
    kind: str
    period: dt.date  # first day of the month
    revision: int
    ext: str

    @property
    def annual(self) -> bool:
        return self.kind in ANNUAL_KINDS

    @property
    def month_key(self) -> str:
        """The month partition the file loads in (a yearly kind: January of its year)."""
        return self.period.strftime("%Y-%m")

    @property
    def period_label(self) -> str:
        """The period as people name it: 2019-03, or 2019 for a yearly kind."""
        return self.period.strftime("%Y" if self.annual else "%Y-%m")


def parse_name(path: Path) -> LandingFile | None:
    """The extract a file name describes, or None when the name does not follow the pattern
    (`name_problem` says why)."""
    m = NAME_PATTERN.match(path.name)
    if not m or m["rev"] is not None and int(m["rev"]) == 0:
        return None
    if m["annual_kind"]:
        kind, year, month = m["annual_kind"], m["annual_year"], "01"
    else:
        kind, year, month = m["kind"], m["year"], m["month"]
    if not 1 <= int(month) <= 12:
        return None
    return LandingFile(
        path=path,
        kind=kind,
        period=dt.date(int(year), int(month), 1),
        revision=int(m["rev"] or 1),
        ext=m["ext"],
    )


def name_problem(name: str) -> str | None:
    """Why a file name is no extract's name (None when it is one)."""
    if parse_name(Path(name)):
        return None
    if name.startswith("~$"):
        return (
            "an Excel lock file (a workbook is open in Excel): close the workbook, then remove it"
        )
    if parse_name(Path(name.lower())):
        return f"names are written in lower case: rename it {name.lower()}"
    ascii_name = unicodedata.normalize("NFKC", name)
    if ascii_name != name:
        if parse_name(Path(ascii_name)):
            return f"full-width characters in the name: rename it {ascii_name}"
        if any(c.isdigit() and not c.isascii() for c in name):
            return "full-width digits in the name: type the digits in half-width (ASCII)"
    m = LOOSE_PATTERN.match(name)
    if not m:
        return "the name does not follow the pattern"
    kind, month, rev, ext = m["kind"], m["month"], m["rev"], m["ext"]
    if kind not in KINDS:
        close = difflib.get_close_matches(kind.lower(), KINDS, n=1)
        return f"kind {kind!r} unknown; " + (
            f"did you mean {close[0]}?" if close else f"the kinds are {', '.join(KINDS)}"
        )
    if kind in ANNUAL_KINDS:
        if not re.fullmatch("[0-9]{4}", month):
            return (
                f"{kind} is a yearly extract: its name carries the year as four digits "
                f"({kind}_2019.csv), not {month!r}"
            )
    elif not re.fullmatch("[0-9]{6}", month):
        return f"the month {month!r} is not written YYYYMM (six digits, e.g. 201803)"
    elif not 1 <= int(month[4:]) <= 12:
        return f"month {int(month[4:])} does not exist"
    if rev is not None and not re.fullmatch("v[0-9]+", rev):
        return f"{rev!r} is not a revision: revisions are written _v2, _v3..."
    if rev is not None and int(rev[1:]) == 0:
        return (
            "_v0 is not a revision: a name without _v<N> is revision 1, its corrections _v2, _v3..."
        )
    if ext not in EXTENSIONS:
        return f"extension .{ext}: save it as CSV UTF-8 (.csv) or Excel workbook (.xlsx)"
    return "the name does not follow the pattern"


@dataclass(frozen=True)
class Skipped:
    """A landing folder entry never read, for safety."""

    path: Path
    reason: str
    fix: str


# Why an entry is never read, and what to do (checked in this order).
SKIPPED_FOR_SAFETY = {
    "symlink": (
        "a symbolic link: never followed (it may point outside the landing folder)",
        "copy the file itself into the landing folder",
    ),
    "hidden": (
        "a hidden file or folder (its name starts with a dot): never read",
        "rename it if it is an extract, or remove it",
    ),
    "folder": (
        "a sub-folder: only files directly in the landing folder are read",
        "move its extracts up into the landing folder",
    ),
    "special": ("not a regular file: never read", "remove it"),
}


def _why_skipped(p: Path, root: Path) -> str | None:
    if p.is_symlink():
        return "symlink"
    if p.name.startswith("."):
        return "hidden"
    if p.is_dir():
        return "folder"
    if not p.is_file() or p.resolve().parent != root:
        return "special"
    return None


def _entries(landing: Path) -> tuple[list[Path], list[Skipped]]:
    """Regular files directly inside the landing folder, and what is skipped for safety."""
    root = landing.resolve()
    files, skipped = [], []
    for p in sorted(landing.iterdir()):
        if why := _why_skipped(p, root):
            skipped.append(Skipped(p, *SKIPPED_FOR_SAFETY[why]))
        else:
            files.append(p)
    return files, skipped


def safe_files(landing: Path) -> list[Path]:
    """Regular files directly inside the landing folder; symlinks and anything outside are never read."""
    return _entries(landing)[0]


@dataclass(frozen=True)
class LandingScan:
    extracts: list[LandingFile]  # every file whose name follows the pattern
    not_extracts: list[Path]  # names that do not (`name_problem` says why)
    skipped: list[Skipped]  # entries never read, for safety

    def revisions(self, kind: str, period: dt.date) -> list[list[LandingFile]]:
        """The files of a kind and month, grouped by revision, the highest first. A group of
        more than one file is the same revision twice (see `same_revision_twice`)."""
        by_revision: dict[int, list[LandingFile]] = {}
        for f in self.extracts:
            if f.kind == kind and f.period == period:
                by_revision.setdefault(f.revision, []).append(f)
        return [
            sorted(by_revision[r], key=lambda f: f.path.name) for r in sorted(by_revision)[::-1]
        ]

    def delivered_twice(self) -> set[Path]:
        """The files whose revision arrived more than once: none of them is read."""
        seen: dict[tuple, list[Path]] = {}
        for f in self.extracts:
            seen.setdefault((f.kind, f.period, f.revision), []).append(f.path)
        return {p for paths in seen.values() if len(paths) > 1 for p in paths}

    def latest(self, kind: str, period: dt.date) -> LandingFile | None:
        """The highest revision of a kind and month."""
        revisions = self.revisions(kind, period)
        if not revisions:
            return None
        if len(revisions[0]) > 1:
            raise AmbiguousRevision(same_revision_twice(revisions[0]))
        return revisions[0][0]

    def months(self, kind: str | None = None) -> list[str]:
        return sorted({f.month_key for f in self.extracts if kind in (None, f.kind)})


def same_revision_twice(files: list[LandingFile]) -> str:
    f = files[0]
    names = ", ".join(g.path.name for g in files)
    how = []
    if len({g.path.name.count("_v") for g in files}) > 1:
        how.append("a name without _v<N> is revision 1")
    if len({g.ext for g in files}) > 1:
        how.append("once as CSV and once as XLSX")
    return (
        f"{names}: revision {f.revision} of {f.kind} {f.period_label} arrived twice"
        + (f" ({'; '.join(how)})" if how else "")
        + "; neither is read: remove all but one from the landing folder and run again"
    )


class AmbiguousRevision(ValueError):
    pass


def scan(landing: Path) -> LandingScan:
    files, skipped = _entries(landing)
    extracts, others = [], []
    for p in files:
        parsed = parse_name(p)
        (extracts if parsed else others).append(parsed or p)
    return LandingScan(extracts=extracts, not_extracts=others, skipped=skipped)
