"""Unified Social Credit Code (GB 32100-2015) and its organization-code part (GB 11714).

Two forms of the same rules: scalar functions (the generator, error messages, tests) and
vectorized polars expressions (validation of millions of rows without Python per row).
"""

from __future__ import annotations

import polars as pl

# GB 32100-2015 charset: digits and capitals without I, O, S, V, Z; a character's value is its index.
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(USCC_CHARSET)}
# Weights of positions 1..17 for the check character: 3^(i-1) mod 31.
USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
# GB 11714 weights over the 8-character organization-code body (USCC positions 9-16).
ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]


def _org_value(c: str) -> int:
    # GB 11714 values letters by the full alphabet: A=10 .. Z=35.
    return int(c) if c.isdigit() else ord(c) - ord("A") + 10


def org_check_char(body8: str) -> str:
    """Check character of an organization code body (USCC position 17)."""
    r = 11 - sum(w * _org_value(c) for w, c in zip(ORG_WEIGHTS, body8, strict=True)) % 11
    return {10: "X", 11: "0"}.get(r, str(r))


def uscc_check_char(first17: str) -> str:
    """Check character of a USCC (position 18) from its first 17 characters."""
    r = 31 - sum(w * _VALUE[c] for w, c in zip(USCC_WEIGHTS, first17, strict=True)) % 31
    return USCC_CHARSET[0 if r == 31 else r]


def complete_uscc(first16: str) -> str:
    """Append both check characters to the first 16 characters of a USCC."""
    first17 = first16 + org_check_char(first16[8:16])
    return first17 + uscc_check_char(first17)


def uscc_problem(code: str | None) -> str | None:
    """Which USCC rule a code breaks (a rule id), or None when it is valid."""
    if code is None or len(code) != 18:
        return "USCC-LENGTH"
    if any(c not in _VALUE for c in code):
        return "USCC-CHARSET"
    if not code[2:8].isdigit():
        return "USCC-REGION"
    if code[16] != org_check_char(code[8:16]):
        return "USCC-ORG-CHECK"
    if code[17] != uscc_check_char(code[:17]):
        return "USCC-CHECK"
    return None


# ---------- vectorized forms: each returns a boolean expression, null where the code is null


def _char(code: pl.Expr, i: int) -> pl.Expr:
    return code.str.slice(i, 1)


def uscc_length_ok(code: pl.Expr) -> pl.Expr:
    return code.str.len_chars() == 18


def uscc_charset_ok(code: pl.Expr) -> pl.Expr:
    return code.str.contains(f"^[{USCC_CHARSET}]{{18}}$")


def uscc_region_ok(code: pl.Expr) -> pl.Expr:
    return code.str.contains(r"^..[0-9]{6}")


def _mapped(code: pl.Expr, i: int, table: dict[str, int]) -> pl.Expr:
    return _char(code, i).replace_strict(table, default=None, return_dtype=pl.Int64)


_ORG_TABLE = {c: _org_value(c) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}


def uscc_org_check_ok(code: pl.Expr) -> pl.Expr:
    total = pl.sum_horizontal(
        _mapped(code, 8 + k, _ORG_TABLE) * w for k, w in enumerate(ORG_WEIGHTS)
    )
    r = 11 - total % 11
    expected = (
        pl.when(r == 10)
        .then(pl.lit("X"))
        .when(r == 11)
        .then(pl.lit("0"))
        .otherwise(r.cast(pl.String))
    )
    return _char(code, 16) == expected


def uscc_check_ok(code: pl.Expr) -> pl.Expr:
    total = pl.sum_horizontal(_mapped(code, k, _VALUE) * w for k, w in enumerate(USCC_WEIGHTS))
    r = 31 - total % 31
    index = pl.when(r == 31).then(0).otherwise(r)
    expected = index.replace_strict(dict(enumerate(USCC_CHARSET)), return_dtype=pl.String)
    return _char(code, 17) == expected
