"""Deterministic generator of realistic monthly extract files for the landing folder.

`generate(out, enterprises, start, end, seed, mess, progress)` writes one file per extract
kind per month, following the data dictionary; see `core.generate`.
"""

from .core import (
    FILE_MESS,
    FILE_NAME,
    ROW_ERRORS,
    VALID_VARIANTS,
    GenerationSummary,
    generate,
)

__all__ = [
    "FILE_MESS",
    "FILE_NAME",
    "ROW_ERRORS",
    "VALID_VARIANTS",
    "GenerationSummary",
    "generate",
]
