"""Reference data the loader needs, read from the repo's dbt seeds (one source of truth)."""

from __future__ import annotations

import csv
import unicodedata
from functools import cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SEEDS = REPO_ROOT / "seeds"


def _rows(name: str) -> list[dict[str, str]]:
    with (SEEDS / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def normalize_text(value: str) -> str:
    """The normalization every text cell gets before validation: NFKC, then trim."""
    return unicodedata.normalize("NFKC", value).strip()


@cache
def park_names() -> dict[str, str]:
    """Park code -> Chinese name."""
    return {r["park_code"]: r["park_name"] for r in _rows("parks.csv")}


@cache
def park_aliases() -> dict[str, str]:
    """Normalized park name or alias -> park code."""
    return {normalize_text(r["alias"]): r["park_code"] for r in _rows("park_aliases.csv")}


@cache
def industry_classes() -> dict[str, str]:
    """GB/T 4754-2017 class code (4 digits, leading zeros kept) -> class name."""
    return {r["class_code"]: r["class_name"] for r in _rows("industry_classes.csv")}


@cache
def industry_divisions() -> dict[str, bool]:
    """GB/T 4754-2017 division code (2 digits) -> is industrial (sections B-D)."""
    return {
        r["division_code"]: r["is_industrial"] == "true" for r in _rows("industry_divisions.csv")
    }


@cache
def indicator_codes() -> dict[str, bool]:
    """Code of the yearly indicators extract -> whether it is reported for the city only."""
    return {r["indicator_code"]: r["city_only"] == "true" for r in _rows("indicator_codes.csv")}
