"""The landing folder: which files are extracts, of what kind, month and revision."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from schemas.headers import KINDS

NAME_PATTERN = re.compile(
    rf"^(?P<kind>{'|'.join(KINDS)})_(?P<year>\d{{4}})(?P<month>\d{{2}})(?:_v(?P<rev>\d+))?\.(?P<ext>csv|xlsx)$"
)


@dataclass(frozen=True)
class LandingFile:
    path: Path
    kind: str
    period: dt.date  # first day of the month
    revision: int
    ext: str

    @property
    def month_key(self) -> str:
        return self.period.strftime("%Y-%m")


def parse_name(path: Path) -> LandingFile | None:
    """The extract a file name describes, or None when the name does not follow the pattern."""
    m = NAME_PATTERN.match(path.name)
    if not m or not 1 <= int(m["month"]) <= 12:
        return None
    return LandingFile(
        path=path,
        kind=m["kind"],
        period=dt.date(int(m["year"]), int(m["month"]), 1),
        revision=int(m["rev"] or 1),
        ext=m["ext"],
    )


def safe_files(landing: Path) -> list[Path]:
    """Regular files directly inside the landing folder; symlinks and anything outside are never read."""
    root = landing.resolve()
    files = []
    for p in sorted(landing.iterdir()):
        if p.is_symlink() or not p.is_file() or p.name.startswith("."):
            continue
        if p.resolve().parent != root:
            continue
        files.append(p)
    return files


@dataclass(frozen=True)
class LandingScan:
    extracts: list[LandingFile]  # every file whose name follows the pattern
    not_extracts: list[Path]  # names that do not

    def latest(self, kind: str, period: dt.date) -> LandingFile | None:
        """The highest revision of a kind and month (the one that counts)."""
        candidates = [f for f in self.extracts if f.kind == kind and f.period == period]
        if not candidates:
            return None
        best = max(candidates, key=lambda f: f.revision)
        same = [f for f in candidates if f.revision == best.revision]
        if len(same) > 1:
            names = ", ".join(sorted(f.path.name for f in same))
            raise AmbiguousRevision(
                f"{names}: the same kind, month and revision arrived twice "
                "(as CSV and as XLSX); remove one of them and load again"
            )
        return best

    def superseded(self, kind: str, period: dt.date) -> list[LandingFile]:
        latest = self.latest(kind, period)
        return [
            f for f in self.extracts if f.kind == kind and f.period == period and f is not latest
        ]

    def months(self, kind: str | None = None) -> list[str]:
        return sorted({f.month_key for f in self.extracts if kind in (None, f.kind)})


class AmbiguousRevision(ValueError):
    pass


def scan(landing: Path) -> LandingScan:
    extracts, others = [], []
    for p in safe_files(landing):
        parsed = parse_name(p)
        (extracts if parsed else others).append(parsed or p)
    return LandingScan(extracts=extracts, not_extracts=others)
