"""What must be known of a whole file before its rows are validated batch by batch.

Two checks look at the whole file: the wrong-month check (a file whose rows are mostly another
month is the wrong file) and the duplicate flags of the uniqueness rules (an exact duplicate
loads once; rows sharing a key with different content are all set aside). A first pass reads the
key and 所属期 columns only: it counts rows and months and hashes each row's key. The rows whose
key hash occurs more than once are then read in full, and their flags computed exactly on their
content (`schemas.common.duplicate_flags`): a hash collision only makes a row a candidate, it
never sets one aside. Every other row's key is unique in the file: both its flags are True.

Memory: the key hashes (8 bytes a row) and the candidate rows.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

import polars as pl

from pipelines.ingest.landing import LandingFile
from pipelines.ingest.read import Extract, FileRejected
from schemas.common import FIRST_DISTINCT, KEY_CONSISTENT, ROW, ExtractSchema, duplicate_flags


@dataclass
class Survey:
    rows: int  # data rows of the file
    flags: pl.DataFrame  # ROW and both duplicate flags of the rows whose key may repeat


def survey(extract: Extract, f: LandingFile) -> Survey:
    """The file's facts. Rejects the file if it is of the wrong month, or (while reading it)
    malformed or without data rows."""
    schema = extract.schema
    period = ["period"] if "period" in schema.fields else []
    rows, months, hashes = 0, Counter(), []
    for batch in extract.batches(columns=list(dict.fromkeys([*schema.key, *period]))):
        rows += batch.height
        hashes.append(batch.select(_key_hash(schema)).to_series())
        if period:  # each distinct text parsed once
            texts = batch.group_by("period").len()
            parsed = texts.select(schema.fields["period"](pl.col("period")), "len").drop_nulls()
            for month, n in parsed.iter_rows():
                months[month] += n
    _reject_wrong_month(months, f)
    repeated = _repeated(hashes).implode()
    candidates = pl.concat([h.is_in(repeated) for h in hashes])
    del hashes
    flags = pl.DataFrame(
        schema={ROW: pl.Int32, FIRST_DISTINCT: pl.Boolean, KEY_CONSISTENT: pl.Boolean}
    )
    if candidates.any():
        rows_of_candidates = (candidates.arg_true() + 2).cast(pl.Int32)  # header = row 1
        text = pl.concat(extract.batches(rows=rows_of_candidates))
        flags = text.select(ROW).hstack(duplicate_flags(text, schema))
    return Survey(rows, flags)


def _key_hash(schema: ExtractSchema) -> pl.Expr:
    """64 bits of a row's key: a row whose hash repeats is a candidate, checked on its content."""
    return pl.struct(schema.key_expr(k) for k in schema.key).hash()


def _repeated(hashes: list[pl.Series]) -> pl.Series:
    """The values that occur more than once. Sorted, equal values are neighbours; one sixteenth
    of them is sorted at a time, so that sorting takes little memory beside them."""
    repeated = []
    for sixteenth in range(16):
        part = pl.concat([h.filter(h % 16 == sixteenth) for h in hashes]).sort()
        later = part.slice(1)
        repeated.append(later.filter(later == part.slice(0, later.len())).unique())
    return pl.concat(repeated)


def _reject_wrong_month(months: Counter[dt.date], f: LandingFile) -> None:
    """A file whose rows mostly belong to another month is the wrong file, not a file with bad
    rows. `months`: rows per readable 所属期 (none for the kinds without one)."""
    if not months:
        return
    most = max(months.values())
    commonest = min(month for month, n in months.items() if n == most)
    if commonest != f.period and months[f.period] * 2 < months.total():
        if f.annual:
            raise FileRejected(
                f"{f.path.name}: wrong year: the file name says {f.period_label} but its 年度 is "
                f"mostly {commonest:%Y}; rename the file to the year it holds or ask for the right "
                "extract"
            )
        raise FileRejected(
            f"{f.path.name}: wrong month: the file name says {f.month_key} but its 所属期 is mostly "
            f"{commonest:%Y-%m}; rename the file to the month it holds or ask for the right extract"
        )
