"""Turn a landing file into batches of normalized text with English column names.

Whole-file problems (encoding, header, empty) raise `FileRejected` with one message that says
what is wrong and what to do; row-level problems are left to the schemas.

A CSV file is never held whole: its encoding is checked chunk by chunk (a GB18030 file is
transcoded to a temporary UTF-8 copy on the way, polars reads UTF-8 only) and polars reads it
`schemas.common.CHUNK_ROWS` rows at a time, as often as the loader needs. An XLSX workbook is
read whole: calamine reads whole workbooks, and Excel caps a sheet at 1,048,576 rows. Both then
go through the same batches.
"""

from __future__ import annotations

import codecs
import functools
import io
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

import polars as pl

from pipelines.reference import normalize_text
from schemas import common
from schemas.common import ROW, ExtractSchema

UTF8_BOM = b"\xef\xbb\xbf"
CHUNK_BYTES = 1 << 20  # files are hashed, copied, decoded and parsed this many bytes at a time


class FileRejected(Exception):
    """The file as a whole is unusable; nothing of it is loaded."""


@dataclass
class ReadResult:
    frame: pl.DataFrame  # English names, normalized text, plus ROW
    encoding: str
    notes: list[str] = field(default_factory=list)  # things worth telling that are not errors


# ---------------------------------------------------------------- encoding


def _first_bad_byte(
    stream: BinaryIO, codec: str, start: int, utf8_copy: BinaryIO | None = None
) -> int | None:
    """Decode `stream` strictly from byte `start` on, chunk by chunk (writing the text as UTF-8 to
    `utf8_copy` if given): None if it all decodes, else the offset in the file of the first byte
    that does not."""
    stream.seek(start)
    decoder = codecs.getincrementaldecoder(codec)()
    offset = start  # of the chunk being decoded
    while True:
        chunk = stream.read(CHUNK_BYTES)
        held = len(decoder.getstate()[0])  # an unfinished character kept from the chunk before
        try:
            text = decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as e:
            return offset - held + e.start
        if utf8_copy is not None:
            utf8_copy.write(text.encode("utf-8"))
        if not chunk:
            return None
        offset += len(chunk)


# Byte-order marks of UTF-16 (little-, big-endian): Excel's "Unicode Text" starts with the first.
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
SAVE_AS_UTF8 = "save it from Excel or WPS as 'CSV UTF-8 (comma delimited)' and send that file"


def text_encoding(stream: BinaryIO, file_name: str, gb18030_copy: BinaryIO | None = None) -> str:
    """Strict detection: UTF-8 (BOM or not) first, then GB18030; never lossy.

    Returns "utf-8-sig", "utf-8" or "gb18030"; a GB18030 text is written to `gb18030_copy` as
    UTF-8 on the way.
    """
    start = stream.read(len(UTF8_BOM))
    if start.startswith(UTF16_BOMS):
        raise FileRejected(
            f"{file_name}: the file is UTF-16 text (it starts with the bytes "
            f"{start[:2].hex(' ').upper()}): it was saved as 'Unicode Text' from Excel; "
            f"{SAVE_AS_UTF8}"
        )
    bom = start == UTF8_BOM
    utf8_failure = _first_bad_byte(stream, "utf-8", len(UTF8_BOM) if bom else 0)
    if utf8_failure is None:
        return "utf-8-sig" if bom else "utf-8"
    if bom:
        raise FileRejected(
            f"{file_name}: starts with a UTF-8 byte-order mark but "
            f"{_bad_byte(stream, utf8_failure)} is not UTF-8; {_likely_cause(stream, utf8_failure)}"
        )
    gb18030_failure = _first_bad_byte(stream, "gb18030", 0, gb18030_copy)
    if gb18030_failure is None:
        return "gb18030"
    # The encoding that read further is the one the sender meant; its failure is the bad byte.
    offset = max(utf8_failure, gb18030_failure)
    raise FileRejected(
        f"{file_name}: {_bad_byte(stream, offset)} cannot be decoded as UTF-8 nor as GB18030; "
        f"{_likely_cause(stream, offset)}"
    )


def _bad_byte(stream: BinaryIO, offset: int) -> str:
    """'byte 1234 (0x80, line 7)': where a person finds it in a hex or a text editor."""
    stream.seek(0)
    line, read = 1, 0
    while read < offset:
        chunk = stream.read(min(CHUNK_BYTES, offset - read))
        line += chunk.count(b"\n")
        read += len(chunk)
    stream.seek(offset)
    return f"byte {offset} (0x{stream.read(1).hex().upper()}, line {line})"


# The first one to three bytes of a GB18030 character (two bytes, or four: lead, digit, lead, digit).
_GB18030_START = re.compile(rb"[\x81-\xfe](?:[\x30-\x39][\x81-\xfe]?)?")


def _cut_short(rest: bytes) -> bool:
    """`rest`, the last bytes of a file, is the start of a character, not a whole one."""
    if _GB18030_START.fullmatch(rest):
        return True
    try:
        return codecs.getincrementaldecoder("utf-8")().decode(rest, final=False) == ""
    except UnicodeDecodeError:
        return False


def _likely_cause(stream: BinaryIO, offset: int) -> str:
    """What the byte at `offset` most likely is, and what to do."""
    stream.seek(offset)
    rest = stream.read(4)  # no character is longer
    byte = rest[:1]
    if len(rest) < 4 and _cut_short(rest):
        return "the file ends in the middle of a character: it was cut short; ask for it again"
    if byte == b"\x80":
        return (
            "0x80 is the euro sign € of the Windows code pages cp936 and Windows-1252 (the file, "
            f"or text pasted into it, was saved in one): write 欧元 or EUR instead, or {SAVE_AS_UTF8}"
        )
    if byte >= b"\x80" and byte.decode("cp1252", errors="replace") != "\ufffd":
        return (
            f"it is '{byte.decode('cp1252')}' in Windows-1252 (a Western code page: text pasted "
            f"from another program or a non-Chinese Windows); {SAVE_AS_UTF8}"
        )
    return f"the file is in another encoding or damaged; {SAVE_AS_UTF8}"


def decode(data: bytes, file_name: str) -> tuple[str, str]:
    """The text of a file held in memory, and its encoding (see `text_encoding`)."""
    encoding = text_encoding(io.BytesIO(data), file_name)
    return data.decode(encoding), encoding  # "utf-8-sig" drops the byte-order mark


# ---------------------------------------------------------------- header and cells


def header_names(columns: Sequence[str], schema: ExtractSchema, file_name: str) -> dict[str, str]:
    """Chinese headers (NFKC, trimmed) -> English names; any missing or unknown header rejects the file."""
    expected = {normalize_text(zh): en for zh, en in schema.headers.items()}
    found = [normalize_text(c) for c in columns]
    duplicated = sorted({c for c in found if found.count(c) > 1})
    optional = {normalize_text(zh) for zh in schema.optional_headers}
    missing = [zh for zh in schema.headers if normalize_text(zh) not in {*found, *optional}]
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
            + (
                f" ({', '.join(schema.optional_headers)} may be left out)"
                if schema.optional_headers
                else ""
            )
        )
    return dict(zip(columns, [expected[c] for c in found], strict=True))


def map_headers(frame: pl.DataFrame, schema: ExtractSchema, file_name: str) -> pl.DataFrame:
    return frame.rename(header_names(frame.columns, schema, file_name))


# The regex class below, as computed for this Python's Unicode version (its first line): computing
# it is slow, and it would be paid once in every process that reads an extract (each run, each
# test worker).
NFKC_MAY_CHANGE_FILE = Path(__file__).with_name("nfkc_may_change.txt")


@functools.cache
def _nfkc_may_change() -> str:
    """`nfkc_may_change_class()`, read from NFKC_MAY_CHANGE_FILE where it was computed for this
    Python's Unicode version, computed otherwise."""
    version, _, pattern = NFKC_MAY_CHANGE_FILE.read_text(encoding="ascii").partition("\n")
    if version == unicodedata.unidata_version:
        return pattern.strip()
    return nfkc_may_change_class()


def nfkc_may_change_class() -> str:
    """A regex class of every character whose presence may make NFKC change a string: those
    NFKC maps to something else, combining marks (reordered), characters that compose with the
    one before them (the second of a canonical pair, Hangul vowel and final jamo), and those this
    Python's Unicode tables do not know (polars may know a newer Unicode). A string without any of
    them is its own NFKC form: NFKC of assigned characters never changes between Unicode versions.
    """
    seconds = set()
    for cp in range(0x110000):
        parts = unicodedata.decomposition(chr(cp)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            seconds.add(int(parts[1], 16))
    ranges: list[list[int]] = []
    for cp in range(0x110000):
        ch = chr(cp)
        if 0xD800 <= cp < 0xE000 or not (
            unicodedata.category(ch) == "Cn"
            or unicodedata.combining(ch)
            or cp in seconds
            or 0x1161 <= cp <= 0x1175
            or 0x11A8 <= cp <= 0x11C2
            or unicodedata.normalize("NFKC", ch) != ch
        ):
            continue
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return "[" + "".join(f"\\u{{{a:X}}}-\\u{{{b:X}}}" for a, b in ranges) + "]"


def _nfkc(frame: pl.DataFrame) -> pl.DataFrame:
    """NFKC of the values that need it: it is the costliest step of reading a file, and most text
    (ASCII, the usual Chinese characters) is its own NFKC form."""
    non_ascii = frame.select(
        (pl.col(c).str.len_bytes() != pl.col(c).str.len_chars()).any() for c in frame.columns
    ).row(0, named=True)
    changing = frame.select(  # ASCII is its own NFKC form: the cheaper test first
        pl.col(c).str.contains(_nfkc_may_change()).fill_null(False)
        for c in frame.columns
        if non_ascii[c]
    )
    for c in changing.columns:
        rows = changing.get_column(c).arg_true()
        if rows.len():
            column = frame.get_column(c)
            frame = frame.with_columns(
                column.scatter(rows, column.gather(rows).str.normalize("NFKC"))
            )
    return frame


def normalize(frame: pl.DataFrame, schema: ExtractSchema, from_xlsx: bool) -> pl.DataFrame:
    """NFKC, trim, empty -> null, codes upper-cased; XLSX numbers that lost leading zeros restored."""
    frame = _nfkc(frame)
    exprs = []
    for c in frame.columns:
        e = pl.col(c).str.strip_chars()
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


# ---------------------------------------------------------------- a file read in batches


@dataclass
class Extract:
    """A landing file, opened: its cells can be read in batches as many times as needed."""

    file_name: str
    schema: ExtractSchema
    encoding: str  # utf-8, utf-8-sig, gb18030 or xlsx
    notes: list[str]  # things worth telling that are not errors
    names: dict[str, str]  # the file's header -> English column
    raw_batches: Callable[[], Iterable[pl.DataFrame]]  # every cell as text, under the file's header

    def batches(
        self, columns: Sequence[str] | None = None, rows: pl.Series | None = None
    ) -> Iterator[pl.DataFrame]:
        """Normalized text under English names, plus ROW (file row, header = 1), in file order.

        columns: only these (English names); rows: only these file rows (ROW values). A file
        without data rows is rejected once it has been read through.
        """
        next_row = 2
        for raw in self.raw_batches():
            frame = self.schema.with_optional(
                raw.rename(self.names).with_columns(
                    pl.int_range(next_row, next_row + raw.height, dtype=pl.Int32).alias(ROW)
                )
            )
            next_row += raw.height
            if rows is not None:
                frame = frame.filter(pl.col(ROW).is_in(rows.implode()))
            text = frame.select(columns) if columns is not None else frame.drop(ROW)
            text = normalize(text, self.schema, from_xlsx=self.encoding == "xlsx")
            yield text.with_columns(frame.get_column(ROW))
        if next_row == 2:
            raise FileRejected(
                f"{self.file_name}: header only, no data rows; a month is never empty — ask the "
                "sender to re-issue it (as a revision _v2 if a version was already loaded)"
            )


def _opened(
    file_name: str,
    schema: ExtractSchema,
    encoding: str,
    notes: list[str],
    columns: Sequence[str],
    raw_batches: Callable[[], Iterable[pl.DataFrame]],
) -> Extract:
    """The opened file, once its header (`columns`) is known to be the schema's."""
    try:
        names = header_names(columns, schema, file_name)
    except FileRejected:
        # Read at once, a CSV with a malformed row was reported as such before its wrong header:
        # the file is read through first, so that the message stays the one users know.
        for _ in raw_batches():
            pass
        raise
    return Extract(file_name, schema, encoding, notes, names, raw_batches)


@contextmanager
def _csv_errors(file_name: str) -> Iterator[None]:
    try:
        yield
    except pl.exceptions.PolarsError as e:
        raise FileRejected(f"{file_name}: not a readable CSV file ({e})") from None


def _utf8_text(source: Path | bytes, file_name: str, copy: Path) -> tuple[str, Path | bytes]:
    """The encoding of a CSV file and what polars reads: the file itself, or for GB18030 its
    UTF-8 copy written to `copy`."""
    with _binary(source) as stream, copy.open("wb") as gb18030_copy:
        encoding = text_encoding(stream, file_name, gb18030_copy)
        stream.seek(len(UTF8_BOM) if encoding == "utf-8-sig" else 0)
        # Whitespace is ASCII: the same bytes in UTF-8 and GB18030.
        has_text = any(chunk.strip() for chunk in iter(lambda: stream.read(CHUNK_BYTES), b""))
    if not has_text:
        raise FileRejected(f"{file_name}: the file holds no text; ask the sender for the extract")
    # polars skips a UTF-8 byte-order mark itself.
    return encoding, copy if encoding == "gb18030" else source


# Significant digits a spreadsheet keeps and shows of a number (Excel, LibreOffice, WPS).
SPREADSHEET_DIGITS = 15


def spreadsheet_number(value: float) -> str:
    """The number a spreadsheet shows for a number cell holding the double `value`: the shortest
    decimal that reads back as the same double (Python's repr: 10694188.71, where the file may
    hold 10694188.710000001), or rounded to 15 significant digits when that needs more, as a
    spreadsheet shows it. Written out, except beyond 15 integer digits, which a spreadsheet does
    not keep: in scientific notation (9.15401239121531E+17), as it shows them.
    """
    if value == 0:
        return "0"  # also -0.0
    number = Decimal(repr(value)).normalize()
    if len(number.as_tuple().digits) > SPREADSHEET_DIGITS:
        number = Decimal(f"{value:.{SPREADSHEET_DIGITS}g}").normalize()
    return f"{number:E}" if number.adjusted() >= SPREADSHEET_DIGITS else f"{number:f}"


def _shown(values: pl.Series) -> pl.Series:
    """`spreadsheet_number` of each double. polars writes a double as its shortest decimal too;
    where that has at most 15 digits and no exponent (most amounts) it is what a spreadsheet
    shows, once ".0" is dropped: only the other values go through Python."""
    written = values.cast(pl.String)
    digits = written.str.replace_all(r"[-.]", "").str.strip_chars_start("0").str.len_chars()
    fast = (digits <= SPREADSHEET_DIGITS) & ~written.str.contains("e") & (values != 0)
    shown = written.str.replace(r"\.0$", "")
    slow = (~fast).fill_null(False).arg_true()
    if slow.len():
        shown = shown.scatter(slow, [spreadsheet_number(v) for v in values.gather(slow)])
    return shown


# Text that may be a number cell, as fastexcel writes one.
_NUMBER_CELL = r"^-?[0-9]+(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?$"


def _read_xlsx(data: bytes, file_name: str) -> tuple[pl.DataFrame, list[str]]:
    """The first sheet, every cell as text (read whole: see the module's docstring); a number
    cell as the spreadsheet shows it (`spreadsheet_number`)."""
    import fastexcel

    notes = []
    try:
        reader = fastexcel.read_excel(data)
        if len(reader.sheet_names) > 1:
            ignored = ", ".join(reader.sheet_names[1:])
            notes.append(f"read the first sheet '{reader.sheet_names[0]}' only; ignored: {ignored}")
        frame = reader.load_sheet(0, dtypes="string").to_polars().cast(pl.String)
        # As text, a number cell is not told from a text cell ("12.5" may be typed as text), and
        # fastexcel writes some doubles with fewer digits than they hold (0.30000000000000004 as
        # 0.3). Read as booleans, a number or boolean cell is a value and a text cell null; read
        # as floats, a number cell is its double (fastexcel 0.21, tested). Only the columns with
        # text that may be a number are read again.
        maybe = [
            i for i, c in enumerate(frame.columns) if frame[c].str.contains(_NUMBER_CELL).any()
        ]
        kinds, values = (
            [
                reader.load_sheet(0, dtypes=t, use_columns=maybe).to_polars()
                for t in ("boolean", "float")
            ]
            if maybe
            else [pl.DataFrame(), pl.DataFrame()]
        )
    except Exception as e:  # calamine's errors are many and untyped
        raise FileRejected(
            f"{file_name}: not a readable XLSX workbook ({e}); re-export it"
        ) from None
    for c in kinds.columns:
        text, value = frame.get_column(c), values.get_column(c)
        number = (
            kinds.get_column(c).is_not_null()
            & value.is_not_null()
            & ~text.is_in(["true", "false"])  # boolean cells
        )
        frame = frame.with_columns(pl.when(number).then(_shown(value)).otherwise(text).alias(c))
    return frame, notes


def _binary(source: Path | bytes) -> BinaryIO:
    return io.BytesIO(source) if isinstance(source, bytes) else source.open("rb")


@contextmanager
def open_extract(
    source: Path | bytes, file_name: str, ext: str, schema: ExtractSchema
) -> Iterator[Extract]:
    """A landing file (its path, or its bytes) opened for reading in batches.

    Rejects the file if it is empty, not UTF-8 nor GB18030, not a CSV (or XLSX) or of the wrong
    header. A malformed CSV row or a file without data rows is found when the batches are read.
    """
    size = len(source) if isinstance(source, bytes) else source.stat().st_size
    if size == 0:
        raise FileRejected(
            f"{file_name}: the file is empty (0 bytes); ask the sender for the extract"
        )
    if ext == "xlsx":
        frame, notes = _read_xlsx(
            source if isinstance(source, bytes) else source.read_bytes(), file_name
        )
        yield _opened(
            file_name,
            schema,
            "xlsx",
            notes,
            frame.columns,
            lambda: frame.iter_slices(common.CHUNK_ROWS),
        )
        return
    with tempfile.TemporaryDirectory(prefix="parks-read-") as scratch:
        encoding, text = _utf8_text(source, file_name, Path(scratch) / "utf8.csv")
        # polars 2.1's streaming CSV reader reads a local file whole before its first batch unless
        # given a chunk size in bytes, by this undocumented setting, read when a scan runs (its
        # memory grew with the file: docs/performance.md). A value already set is kept (tests).
        os.environ.setdefault("POLARS_CSV_CHUNK_SIZE", str(CHUNK_BYTES))
        scan = pl.scan_csv(text, infer_schema=False, has_header=True, quote_char='"')
        with _csv_errors(file_name):
            columns = scan.collect_schema().names()
        if len(columns) == 1 and "\t" in columns[0]:
            raise FileRejected(
                f"{file_name}: the columns are separated by tabs, not commas: the file was saved "
                f"as 'Text (Tab delimited)' or 'Unicode Text'; {SAVE_AS_UTF8}"
            )

        def raw_batches() -> Iterator[pl.DataFrame]:
            with _csv_errors(file_name):
                yield from scan.collect_batches(chunk_size=common.CHUNK_ROWS)

        yield _opened(file_name, schema, encoding, [], columns, raw_batches)


def read_extract(data: bytes, file_name: str, ext: str, schema: ExtractSchema) -> ReadResult:
    """A whole file held in memory, read at once (small files, tests, the benchmark)."""
    with open_extract(data, file_name, ext, schema) as extract:
        frame = pl.concat(extract.batches())
        return ReadResult(frame=frame, encoding=extract.encoding, notes=extract.notes)
