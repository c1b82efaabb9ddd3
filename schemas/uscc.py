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


def uscc_length_ok(code: pl.Expr) -> pl.Expr:
    return code.str.len_chars() == 18


def uscc_charset_ok(code: pl.Expr) -> pl.Expr:
    return code.str.contains(f"^[{USCC_CHARSET}]{{18}}$")


def uscc_region_ok(code: pl.Expr) -> pl.Expr:
    return code.str.contains(r"^..[0-9]{6}")


# The check characters: a weighted sum of the characters' values, modulo 11 or 31. Looking each
# of 17 one-character slices up in a table was most of the rules' time. Both weight sequences
# are powers, so a weighted sum is a number written in some base and polars'
# `str.to_integer(base=...)` computes it for a whole column in one pass, without taking the
# characters apart (much faster, same results: tests/test_uscc.py; docs/performance.md).
#
# GB 11714 values 0-9 and A=10 .. Z=35 (base 36), weights 3, 7, 9, .. of which each is 6 times
# the one before, modulo 11: reading the 8-character body in base 35 (35 = 2 = 1/6 mod 11; a
# valid code has no Z, so every character is a base-35 digit) gives sum(v * 2^(7-j)), and
# ORG_WEIGHTS[j] = 2 * 2^(7-j) mod 11.
# GB 32100 values a character by its index in USCC_CHARSET, written as a base-31 digit (J->I,
# K->J, .. Y->U) and weighs position k by 3^k mod 31: reading the first 17 characters reversed in
# base 34 (34 = 3 mod 31) gives sum(v_k * 34^k), in two parts that each fit an Int64.
_ORG_BASE = 35
_USCC_BASE = 34
_FIRST_PART = 12  # 34^12 < 2^63
if any(w != 2 * pow(_ORG_BASE, 7 - j, 11) % 11 for j, w in enumerate(ORG_WEIGHTS)) or any(
    w != pow(_USCC_BASE, k, 31) for k, w in enumerate(USCC_WEIGHTS)
):
    raise AssertionError("the bases of the vectorized check characters do not fit the weights")
_RENAMED = [
    (c, d) for c, d in zip(USCC_CHARSET, "0123456789ABCDEFGHIJKLMNOPQRSTU", strict=True) if c != d
]


def _read(code: pl.Expr, start: int, length: int, base: int) -> pl.Expr:
    return code.str.slice(start, length).str.to_integer(base=base, strict=False)


def uscc_org_check_ok(code: pl.Expr) -> pl.Expr:
    total = 2 * _read(code, 8, 8, _ORG_BASE)
    check = _read(code, 16, 1, 36)
    # the check character is 11 - total mod 11, with 10 written X and 11 written 0
    x = int("X", 36)
    value = pl.when(check == x).then(10).otherwise(check)
    return ((check < 10) | (check == x)) & ((total + value) % 11 == 0)


def uscc_check_ok(code: pl.Expr) -> pl.Expr:
    # two lists, not a dict: polars then sees the three uses as one expression and translates once
    digits = code.str.replace_many([c for c, _ in _RENAMED], [d for _, d in _RENAMED])
    # the first 17 reversed once (str.reverse is the dearest step): their first 12 are its last
    reversed17 = digits.str.slice(0, 17).str.reverse()
    total = _read(reversed17, 17 - _FIRST_PART, _FIRST_PART, _USCC_BASE) + pow(
        _USCC_BASE, _FIRST_PART, 31
    ) * _read(reversed17, 0, 17 - _FIRST_PART, _USCC_BASE)
    # the check character is 31 - total mod 31, with 31 written 0
    return (total + _read(digits, 17, 1, 31)) % 31 == 0
