"""Turn a landing file's bytes into a frame of normalized text with English column names.

Whole-file problems (encoding, header, empty) raise `FileRejected` with one message that says
what is wrong and what to do; row-level problems are left to the schemas.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import polars as pl

from pipelines.reference import normalize_text
from schemas.common import ROW, ExtractSchema

UTF8_BOM = b"\xef\xbb\xbf"


class FileRejected(Exception):
    """The file as a whole is unusable; nothing of it is loaded."""


@dataclass
class ReadResult:
    frame: pl.DataFrame  # English names, normalized text, plus ROW
    encoding: str
    notes: list[str] = field(default_factory=list)  # things worth telling that are not errors


def decode(data: bytes, file_name: str) -> tuple[str, str]:
    """Strict detection: UTF-8 (BOM or not) first, then GB18030; never lossy."""
    if data.startswith(UTF8_BOM):
        try:
            return data[len(UTF8_BOM) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as e:
            raise FileRejected(
                f"{file_name}: starts with a UTF-8 byte-order mark but byte {e.start + 3} is not UTF-8; "
                "re-export the file as UTF-8 or GB18030"
            ) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as e:
        utf8_failure = e.start
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as e:
        # The encoding that read further is the one the sender meant; its failure is the bad byte.
        raise FileRejected(
            f"{file_name}: byte {max(utf8_failure, e.start)} cannot be decoded as UTF-8 nor as GB18030; "
            "re-export the file as UTF-8 or GB18030"
        ) from None


def utf8_payload(data: bytes, file_name: str) -> tuple[bytes, str]:
    """The file's bytes as UTF-8 for the CSV reader: UTF-8 as received (no copy), GB18030 transcoded."""
    content, encoding = decode(data, file_name)
    if encoding == "gb18030":
        return content.encode("utf-8"), encoding
    return (data[len(UTF8_BOM) :] if encoding == "utf-8-sig" else data), encoding


def read_table(data: bytes, file_name: str, ext: str) -> tuple[pl.DataFrame, str, list[str]]:
    """Every cell as text, header from the first row."""
    if not data:
        raise FileRejected(
            f"{file_name}: the file is empty (0 bytes); ask the sender for the extract"
        )
    notes: list[str] = []
    if ext == "xlsx":
        import fastexcel

        try:
            reader = fastexcel.read_excel(data)
            if len(reader.sheet_names) > 1:
                ignored = ", ".join(reader.sheet_names[1:])
                notes.append(
                    f"read the first sheet '{reader.sheet_names[0]}' only; ignored: {ignored}"
                )
            frame = reader.load_sheet(0, dtypes="string").to_polars()
        except Exception as e:  # calamine's errors are many and untyped
            raise FileRejected(
                f"{file_name}: not a readable XLSX workbook ({e}); re-export it"
            ) from None
        return frame.cast(pl.String), "xlsx", notes
    payload, encoding = utf8_payload(data, file_name)
    if not payload.strip():
        raise FileRejected(f"{file_name}: the file holds no text; ask the sender for the extract")
    try:
        frame = pl.read_csv(
            io.BytesIO(payload), infer_schema=False, has_header=True, quote_char='"'
        )
    except pl.exceptions.PolarsError as e:
        raise FileRejected(f"{file_name}: not a readable CSV file ({e})") from None
    return frame, encoding, notes


def map_headers(frame: pl.DataFrame, schema: ExtractSchema, file_name: str) -> pl.DataFrame:
    """Chinese headers (NFKC, trimmed) -> English names; any missing or unknown header rejects the file."""
    expected = {normalize_text(zh): en for zh, en in schema.headers.items()}
    found = [normalize_text(c) for c in frame.columns]
    duplicated = sorted({c for c in found if found.count(c) > 1})
    missing = [zh for zh in schema.headers if normalize_text(zh) not in found]
    unknown = [c for c in found if c not in expected]
    problems = []
    if missing:
        problems.append("missing column(s) " + ", ".join(missing))
    if unknown:
        problems.append("unexpected column(s) " + ", ".join(unknown))
    if duplicated:
        problems.append("repeated column(s) " + ", ".join(duplicated))
    if problems:
        raise FileRejected(
            f"{file_name}: wrong header: {'; '.join(problems)}. The {schema.kind} extract must have "
            f"exactly these columns: {', '.join(schema.headers)}"
        )
    return frame.rename(dict(zip(frame.columns, [expected[c] for c in found], strict=True)))


def normalize(frame: pl.DataFrame, schema: ExtractSchema, from_xlsx: bool) -> pl.DataFrame:
    """NFKC, trim, empty -> null, codes upper-cased; XLSX numbers that lost leading zeros restored."""
    # NFKC changes only non-ASCII text, and it is the costliest step of reading a file: columns
    # without any non-ASCII character (codes, amounts, dates in most files) skip it.
    has_non_ascii = frame.select(
        (pl.col(c).str.len_bytes() != pl.col(c).str.len_chars()).any() for c in frame.columns
    ).row(0, named=True)
    exprs = []
    for c in frame.columns:
        e = pl.col(c).str.normalize("NFKC") if has_non_ascii[c] else pl.col(c)
        e = e.str.strip_chars()
        e = pl.when(e == "").then(None).otherwise(e)
        if c in schema.code_columns:
            e = e.str.to_uppercase()
        if from_xlsx and c == "industry_code":
            # A numeric cell 610 was the class code 0610: codes are 4 digits with leading zeros.
            e = (
                pl.when(e.str.contains(r"^\d{1,4}(\.0+)?$"))
                .then(e.str.replace(r"\.0+$", "").str.zfill(4))
                .otherwise(e)
            )
        exprs.append(e.alias(c))
    return frame.select(exprs)


def read_extract(data: bytes, file_name: str, ext: str, schema: ExtractSchema) -> ReadResult:
    frame, encoding, notes = read_table(data, file_name, ext)
    frame = map_headers(frame, schema, file_name)
    if frame.height == 0:
        raise FileRejected(
            f"{file_name}: header only, no data rows; a month is never empty — ask the sender to "
            "re-issue it (as a revision _v2 if a version was already loaded)"
        )
    frame = normalize(frame, schema, from_xlsx=ext == "xlsx")
    frame = frame.with_columns(pl.int_range(2, frame.height + 2, dtype=pl.Int32).alias(ROW))
    return ReadResult(frame=frame, encoding=encoding, notes=notes)
