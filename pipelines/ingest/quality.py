"""Per-rule counts of a file, as a statistician reads a confrontation with its rules.

`meta.rejects` lists the failures only. To say how often a rule passed, and on how many rows it
did not apply, the loader also records, for every rule of the file's schema, the rows it was
evaluated on (`items`), the rows where it was False (`fails`) and the rows where it was null, not
applicable (`missing`); passes = items - fails - missing. This is the summary of a confrontation
in the R package `validate` (items, passes, fails, nNA). `load_month` writes these counts to
`meta.rule_results` in the same transaction as the month's rejects, replacing the month's lines.

Every rule is evaluated once, vectorized, in a single `select` over the parsed frame (slice by
slice, as `validate` does): the same expressions, on the same frame, that
`schemas.common.validate` hands to pandera (which counts a null as a pass), so `fails` equals
the rejects of that rule.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from schemas.common import CHUNK_ROWS, ExtractSchema

RULE_RESULTS_SCHEMA = {
    "kind": pl.String,
    "period": pl.Date,
    "file_name": pl.String,
    "sha256": pl.String,
    "rule_id": pl.String,
    "rule_zh": pl.String,
    "rule_en": pl.String,
    "column_name": pl.String,
    "items": pl.Int64,
    "fails": pl.Int64,
    "missing": pl.Int64,
}


def rule_counts(frame: pl.DataFrame, schema: ExtractSchema) -> pl.DataFrame:
    """One row per rule of `schema`, in the schema's order: rule_id, items, fails, missing.

    `frame` is the parsed frame with its context columns, exactly as given to `validate`. Like
    `validate`, the rules run on slices of CHUNK_ROWS rows, so memory stays bounded.
    """
    ids = [rule.id for rule in schema.rules]
    fails, missing = [0] * len(ids), [0] * len(ids)
    for chunk in frame.iter_slices(CHUNK_ROWS):
        outcome = chunk.select(rule.expr.alias(rule.id) for rule in schema.rules)
        wrong = {c: t for c, t in outcome.schema.items() if t != pl.Boolean}
        if wrong:
            # A rule must answer True, False or null; anything else is a bug in the schema.
            raise RuntimeError(f"{schema.kind}: rules that are not boolean: {wrong}")
        # `not_` keeps nulls and `sum` skips them: the sum counts the False values.
        chunk_fails = outcome.select(pl.all().not_().sum()).row(0)
        chunk_missing = outcome.null_count().row(0)
        fails = [a + b for a, b in zip(fails, chunk_fails, strict=True)]
        missing = [a + b for a, b in zip(missing, chunk_missing, strict=True)]
    return pl.DataFrame(
        {"rule_id": ids, "items": [frame.height] * len(ids), "fails": fails, "missing": missing},
        schema={"rule_id": pl.String, "items": pl.Int64, "fails": pl.Int64, "missing": pl.Int64},
    )


def rule_results(
    frame: pl.DataFrame,
    schema: ExtractSchema,
    kind: str,
    period: dt.date,
    file_name: str,
    sha256: str,
) -> pl.DataFrame:
    """The lines of `meta.rule_results` for one file: `rule_counts` with the file and the rule text."""
    counts = rule_counts(frame, schema)
    rules = pl.DataFrame(
        {
            "rule_id": [r.id for r in schema.rules],
            "rule_zh": [r.zh for r in schema.rules],
            "rule_en": [r.en for r in schema.rules],
            # Like meta.rejects: the Chinese header of the blamed column (null: the whole row).
            "column_name": [schema.header_of(r.column) if r.column else None for r in schema.rules],
        },
        schema={c: pl.String for c in ("rule_id", "rule_zh", "rule_en", "column_name")},
    )
    return (
        counts.join(rules, on="rule_id", how="left", maintain_order="left")
        .with_columns(
            pl.lit(kind).alias("kind"),
            pl.lit(period).alias("period"),
            pl.lit(file_name).alias("file_name"),
            pl.lit(sha256).alias("sha256"),
        )
        .select(list(RULE_RESULTS_SCHEMA))
        .cast(RULE_RESULTS_SCHEMA)
    )
