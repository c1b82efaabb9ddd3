"""Deterministic mess: row-level rule breaks (errors) and valid-but-untidy text (variants).

Errors break a rule of the data dictionary and must be set aside by the loader. Variants
(aliases, full-width characters, lower case, padding) are valid once text is normalized
(NFKC, trim, upper-case codes) and must not be counted as errors.
"""

from __future__ import annotations

import random

import polars as pl

from schemas.headers import HEADERS
from schemas.uscc import USCC_CHARSET

from . import reference as ref
from .population import date_of_month_end
from .rng import binomial

ROW_ERRORS: dict[str, list[str]] = {
    "registration": [
        "uscc_check", "uscc_length", "unknown_park", "empty_name", "bad_status",
        "established_after_period", "conflicting_duplicate", "exact_duplicate",
    ],
    "tax": ["uscc_check", "uscc_length", "tax_total_mismatch", "conflicting_duplicate", "exact_duplicate"],
    "employment": ["uscc_check", "uscc_length", "negative_headcount", "conflicting_duplicate", "exact_duplicate"],
    "output": ["uscc_check", "uscc_length", "ytd_break", "conflicting_duplicate", "exact_duplicate"],
    "projects": ["uscc_check", "unknown_park", "conflicting_duplicate", "exact_duplicate"],
    "carriers": ["unknown_park", "exact_duplicate"],
    "land": ["unknown_park", "exact_duplicate"],
}  # fmt: skip
VALID_VARIANTS: dict[str, list[str]] = {
    "registration": ["park_alias", "fullwidth", "lowercase_uscc", "padded_spaces"],
    "tax": ["fullwidth", "lowercase_uscc", "padded_spaces"],
    "employment": ["fullwidth", "lowercase_uscc", "padded_spaces"],
    "output": ["fullwidth", "lowercase_uscc", "padded_spaces"],
    "projects": ["park_alias", "fullwidth", "lowercase_uscc", "padded_spaces"],
    "carriers": ["park_alias", "fullwidth", "padded_spaces"],
    "land": ["park_alias", "fullwidth", "padded_spaces"],
}
ALL_ROW_ERRORS = sorted({t for ts in ROW_ERRORS.values() for t in ts})
ALL_VARIANTS = sorted({t for ts in VALID_VARIANTS.values() for t in ts})

KEY = {"projects": "project_id", "carriers": "carrier_id", "land": "parcel_id"}  # others: uscc


def key_column(kind: str) -> str:
    return KEY.get(kind, "uscc")


def error_column(kind: str, etype: str) -> str:
    """The English column a row error is about."""
    if etype in ("conflicting_duplicate", "exact_duplicate"):
        return key_column(kind)
    return {
        "uscc_check": "investor_uscc" if kind == "projects" else "uscc",
        "uscc_length": "uscc",
        "unknown_park": "park",
        "empty_name": "enterprise_name",
        "bad_status": "status",
        "established_after_period": "established_on",
        "tax_total_mismatch": "total_tax_yuan",
        "negative_headcount": "insured_headcount",
        "ytd_break": "revenue_ytd_10k",
    }[etype]


def header_of(kind: str, column: str) -> str:
    return {v: k for k, v in HEADERS[kind].items()}[column]


_CHAR_VALUE = {ch: i for i, ch in enumerate(USCC_CHARSET)}
_VALUE_CHAR = dict(enumerate(USCC_CHARSET))


def _wrong_check(code: pl.Expr, r: pl.Expr) -> pl.Expr:
    old = code.str.slice(17, 1).replace_strict(_CHAR_VALUE, default=0, return_dtype=pl.Int64)
    new = ((old + 1 + (r * 30).floor().cast(pl.Int64)) % 31).replace_strict(
        _VALUE_CHAR, return_dtype=pl.String
    )
    return pl.concat_str(code.str.slice(0, 17), new)


def inject_errors(
    typed: pl.DataFrame,
    kind: str,
    a: int,
    rnd: random.Random,
    rate: float,
    force: list[str],
) -> tuple[pl.DataFrame, dict[str, int]]:
    """Break rules in about `rate` of the rows (plus one row per type in `force`).

    Returns the frame with `_etype` (the error type of each row that breaks a rule, else null)
    and `_protect` (rows that must stay as they are), and counts of rows per type.
    """
    n = typed.height
    types = ROW_ERRORS[kind]
    if kind == "output":
        # Only rows whose true month value is zero: the year-to-date after such a row equals
        # the one before it, so the next month's chain holds whether a loader chains from the
        # last row reported or from the last row it accepted.
        zero = (typed["revenue_month_10k"] == 0) & (
            typed["gross_output_month_10k"].fill_null(0) == 0
        )
        candidates: pl.Series | range = zero.arg_true()
    else:
        candidates = range(n)
    n_err = min(len(candidates), binomial(rnd, n, rate) + len(force))
    picks = sorted(rnd.sample(range(len(candidates)), n_err)) if n_err else []
    rows = [int(candidates[i]) for i in picks]
    planned = (list(force) + [rnd.choice(types) for _ in range(n_err)])[:n_err]
    rnd.shuffle(planned)
    if kind == "projects":  # a wrong check character needs an investor code to break
        has_investor = typed["investor_uscc"].is_not_null().to_list()
        planned = [
            t if t != "uscc_check" or has_investor[r] else "unknown_park"
            for r, t in zip(rows, planned, strict=True)
        ]
    plan = pl.DataFrame(
        {"_row": rows, "_etype": planned, "_er": [rnd.random() for _ in rows]},
        schema={"_row": pl.Int64, "_etype": pl.String, "_er": pl.Float64},
    )
    frame = typed.with_row_index("_row").with_columns(pl.col("_row").cast(pl.Int64))
    frame = frame.join(plan, on="_row", how="left", maintain_order="left")
    c, e, r = pl.col, pl.col("_etype"), pl.col("_er")

    def when(etype: str, value: pl.Expr, column: str) -> pl.Expr:
        return pl.when(e == etype).then(value).otherwise(c(column)).alias(column)

    changes = []
    if kind == "projects":
        changes.append(when("uscc_check", _wrong_check(c("investor_uscc"), r), "investor_uscc"))
    elif "uscc" in frame.columns:
        ten = pl.concat_str(
            pl.lit("54"), (r * 1e8).floor().cast(pl.Int64).cast(pl.String).str.zfill(8)
        )
        changes.append(
            pl.when(e == "uscc_check")
            .then(_wrong_check(c("uscc"), r))
            .when(e == "uscc_length")
            .then(ten)
            .otherwise(c("uscc"))
            .alias("uscc")
        )
    if "park" in frame.columns:
        unknown = pl.lit(pl.Series(ref.UNKNOWN_PARKS)).gather(
            (r * len(ref.UNKNOWN_PARKS)).floor().cast(pl.UInt32).fill_null(0)
        )
        changes.append(when("unknown_park", unknown, "park"))
    if kind == "registration":
        changes += [
            when("empty_name", pl.lit(None, pl.String), "enterprise_name"),
            when("bad_status", pl.lit("正常"), "status"),
            when(
                "established_after_period",
                pl.lit(date_of_month_end(a))
                + pl.duration(days=1 + (r * 200).floor().cast(pl.Int64)),
                "established_on",
            ),
        ]
    if kind == "tax":
        delta = (200 + (r * 500_000).floor().cast(pl.Int64)) * pl.when(r < 0.5).then(1).otherwise(
            -1
        )
        changes.append(when("tax_total_mismatch", c("total_tax_yuan") + delta, "total_tax_yuan"))
    if kind == "employment":
        changes.append(
            when("negative_headcount", -(1 + (r * 50).floor().cast(pl.Int64)), "insured_headcount")
        )
    if kind == "output":  # the month's value no longer adds up to the year-to-date
        changes.append(
            when(
                "ytd_break",
                c("revenue_month_10k") + 50 + (r * 5000).floor().cast(pl.Int64),
                "revenue_month_10k",
            )
        )
    frame = frame.with_columns(changes) if changes else frame

    # Duplicates: a copy of the row placed later in the file, identical or with another value.
    dup_types = ("conflicting_duplicate", "exact_duplicate")
    dups = frame.filter(e.is_in(dup_types))
    conflict = e == "conflicting_duplicate"
    bump = 1000 + (r * 1_000_000).floor().cast(pl.Int64)
    conflicting = {
        "registration": {"registered_capital_10k": c("registered_capital_10k") * 2 + bump},
        "tax": {"vat_yuan": c("vat_yuan") + bump, "total_tax_yuan": c("total_tax_yuan") + bump},
        "employment": {"insured_headcount": c("insured_headcount") + 1 + (r * 20).floor().cast(pl.Int64)},
        "output": {"revenue_month_10k": c("revenue_month_10k") + bump},  # same year-to-date
        "projects": {"agreed_investment_100m": c("agreed_investment_100m") + 100},
        "carriers": {"carrier_type": pl.lit("众创空间")},
        "land": {"area_mu": c("area_mu") + 100},
    }[kind]  # fmt: skip
    dups = dups.with_columns(
        [pl.when(conflict).then(v).otherwise(c(k)).alias(k) for k, v in conflicting.items()]
    ).with_columns(
        _order=2 * (c("_row") + (r * (n - c("_row"))).floor().cast(pl.Int64)) + 1,
        _protect=pl.lit(False),
    )
    # The original of an exact duplicate is fine (a loader keeps one copy); both rows of a
    # conflicting pair break uniqueness, since nobody can tell which one is right.
    originals = frame.with_columns(
        _protect=e.is_in(dup_types).fill_null(False),
        _etype=pl.when(e == "exact_duplicate").then(None).otherwise(e),
        _order=2 * c("_row"),
    )
    out = (
        pl.concat([originals, dups.select(originals.columns)])
        .sort("_order")
        .drop("_row", "_er", "_order")
    )
    counts: dict[str, int] = {}
    for t in planned:
        counts[t] = counts.get(t, 0) + (2 if t == "conflicting_duplicate" else 1)
    return out, counts


_FULLWIDTH = {chr(c): chr(c + 0xFEE0) for c in range(ord("0"), ord("9") + 1)} | {
    chr(c): chr(c + 0xFEE0) for c in range(ord("A"), ord("Z") + 1)
}
FULLWIDTH_FIELDS = {
    "registration": ["uscc", "industry_code", "registered_capital_10k"],
    "tax": ["uscc", "vat_yuan", "total_tax_yuan"],
    "employment": ["uscc", "insured_headcount"],
    "output": ["uscc", "revenue_month_10k", "revenue_ytd_10k"],
    "projects": ["project_id", "agreed_investment_100m"],
    "carriers": ["carrier_id"],
    "land": ["parcel_id", "area_mu"],
}
PADDED_FIELDS = {
    "registration": ["uscc", "enterprise_name", "park"],
    "tax": ["uscc"],
    "employment": ["uscc"],
    "output": ["uscc"],
    "projects": ["project_name", "park"],
    "carriers": ["carrier_name", "park"],
    "land": ["park"],
}


def _park_alternatives() -> dict[str, list[str]]:
    """Every name a park goes by, mapped to the other names of the same park."""
    out = {}
    for park in ref.parks().values():
        names = [park.name, *park.aliases]
        for name in names:
            out[name] = [x for x in names if x != name]
    return out


def apply_variants(
    text: pl.DataFrame, kind: str, rnd: random.Random, rate: float
) -> tuple[pl.DataFrame, dict[str, int]]:
    """Valid untidiness on about `rate` of the rows that carry no error."""
    if text.height == 0:
        return text, {}
    free = text.select(pl.col("_etype").is_null() & ~pl.col("_protect")).to_series().arg_true()
    k = min(len(free), binomial(rnd, len(free), rate))
    rows = free.gather(sorted(rnd.sample(range(len(free)), k))).to_list() if k else []
    types = VALID_VARIANTS[kind]
    chosen = [rnd.choice(types) for _ in rows]
    if kind == "projects":
        investor = text["investor_uscc"].to_list()
        chosen = [
            t if t != "lowercase_uscc" or investor[i] else "padded_spaces"
            for i, t in zip(rows, chosen, strict=True)
        ]
    plan = pl.DataFrame(
        {"_vrow": rows, "_vtype": chosen, "_vr": [rnd.random() for _ in rows]},
        schema={"_vrow": pl.Int64, "_vtype": pl.String, "_vr": pl.Float64},
    )
    frame = text.with_row_index("_vrow").with_columns(pl.col("_vrow").cast(pl.Int64))
    frame = frame.join(plan, on="_vrow", how="left", maintain_order="left")
    v, r, c = pl.col("_vtype"), pl.col("_vr"), pl.col
    changes: dict[str, pl.Expr] = {}

    def update(column: str, cond: pl.Expr, value: pl.Expr) -> None:
        current = changes.get(column, c(column))
        changes[column] = pl.when(cond).then(value).otherwise(current)

    if "park" in text.columns:  # another name of the same park, joined on (name, draw)
        alts = _park_alternatives()
        table = pl.DataFrame(
            [
                (name, j, alt, len(others))
                for name, others in alts.items()
                for j, alt in enumerate(others)
            ],
            schema={"park": pl.String, "_j": pl.Int64, "_alias": pl.String, "_n": pl.Int64},
            orient="row",
        )
        frame = (
            frame.join(
                table.select("park", "_n").unique(), on="park", how="left", maintain_order="left"
            )
            .with_columns(_j=(r * c("_n")).floor().cast(pl.Int64))
            .join(table.drop("_n"), on=["park", "_j"], how="left", maintain_order="left")
        )
        update("park", (v == "park_alias") & c("_alias").is_not_null(), c("_alias"))
    fields = FULLWIDTH_FIELDS[kind]
    for j, field in enumerate(fields):
        pick_j = (r * len(fields)).floor() == j
        update(field, (v == "fullwidth") & pick_j, c(field).str.replace_many(_FULLWIDTH))
    uscc_col = "investor_uscc" if kind == "projects" else "uscc"
    if uscc_col in text.columns:
        update(uscc_col, v == "lowercase_uscc", c(uscc_col).str.to_lowercase())
    padded = PADDED_FIELDS[kind]
    for j, field in enumerate(padded):
        pick_j = (r * len(padded)).floor() == j
        spaced = pl.concat_str(
            pl.when(r < 0.5).then(pl.lit(" ")).otherwise(pl.lit("  ")), c(field), pl.lit(" ")
        )
        update(field, (v == "padded_spaces") & pick_j, spaced)
    frame = frame.with_columns(**changes).drop(
        "_vrow", "_vtype", "_vr", "_n", "_j", "_alias", strict=False
    )
    counts: dict[str, int] = {}
    for t in chosen:
        counts[t] = counts.get(t, 0) + 1
    return frame, counts
