"""What must be known of a whole file beside its rows' rules, gathered batch by batch.

Two checks look at the whole file: the wrong-month check (a file whose rows are mostly another
month is the wrong file) and the duplicate flags of the uniqueness rules (an exact duplicate
loads once; rows sharing a key with different content are all set aside). The loader reads a
file once (load.py, `_validate`): as each batch is parsed and confronted with the rules, its
rows' months are counted and each row's key hashed. Once the file has been read, its month is
checked, and the rows whose key hash occurs more than once are read again in full, for their
flags to be computed exactly on their content (`schemas.common.duplicate_flags`): a hash
collision only makes a row a candidate, it never sets one aside. Every other row's key is unique
in the file: both its flags are True, as the rules' pass took them.

Memory: the key hashes (8 bytes a row) and the candidate rows.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import polars as pl

from pipelines.ingest.landing import LandingFile
from pipelines.ingest.read import Extract, FileRejected
from schemas.common import TEXT, ExtractSchema


class FileFacts:
    """The months and key hashes of a file's rows, added batch by batch in file order."""

    def __init__(self, schema: ExtractSchema) -> None:
        self.schema = schema
        self._months: Counter[dt.date] = Counter()  # rows per readable 所属期
        self._hashes: list[pl.Series] = []  # one per batch

    def add(self, parsed: pl.DataFrame) -> None:
        """A batch of the file, as `schemas.common.parse` returns it."""
        schema = self.schema
        keys = parsed.select(pl.col(k + TEXT).alias(k) for k in schema.key)
        self._hashes.append(keys.select(_key_hash(schema)).to_series())
        if "period" in schema.fields:
            for month, n in parsed.get_column("period").drop_nulls().value_counts().iter_rows():
                self._months[month] += n

    def reject_wrong_month(self, f: LandingFile) -> None:
        """Once the file has been read: FileRejected if its rows are mostly of another month."""
        _reject_wrong_month(self._months, f)

    def rows_whose_key_may_repeat(self, extract: Extract) -> pl.DataFrame | None:
        """Once the file has been read: its rows whose key hash repeats, read again in full
        (normalized text and ROW, as `Extract.batches` gives them), or None if there are none."""
        repeated = _repeated(self._hashes).implode()
        candidates = pl.concat([h.is_in(repeated) for h in self._hashes])
        if not candidates.any():
            return None
        rows = (candidates.arg_true() + 2).cast(pl.Int32)  # header = row 1
        return pl.concat(extract.batches(rows=rows))


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
