"""Per-rule counts of a file, as a statistician reads a confrontation with its rules.

`meta.rejects` lists the failures only. To say how often a rule passed, and on how many rows it
did not apply, the loader also records, for every rule of the file's schema, the rows it was
evaluated on (`items`), the rows where it was False (`fails`) and the rows where it was null, not
applicable (`missing`); passes = items - fails - missing. This is the summary of a confrontation
in the R package `validate` (items, passes, fails, nNA). `load_month` writes these counts to
`meta.rule_results` in the same transaction as the month's rejects, replacing the month's lines.

The counts come from the same single vectorized pass over each batch of the parsed file in which
`schemas.common.Confrontation` evaluates the rules for pandera, which counts a null as a pass;
`fails` therefore equals the rejects of that rule (the confrontation checks it, batch by batch).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from schemas.common import ExtractSchema

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


def rule_results(
    counts: pl.DataFrame,
    schema: ExtractSchema,
    kind: str,
    period: dt.date,
    file_name: str,
    sha256: str,
) -> pl.DataFrame:
    """The lines of `meta.rule_results` for one file: the rule counts of its confrontation
    (Confrontation.rule_table) with the file and the rule text."""
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
