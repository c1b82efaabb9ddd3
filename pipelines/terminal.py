"""Query results as text: a table that fits the terminal, Markdown, CSV and JSON.

Values keep their meaning in every format: a DECIMAL is written as its exact value without
trailing zeros (a count stored as DECIMAL(28,6) shows `3`, not `3.000000`), a DOUBLE as the
shortest text that reads back as the same number (`6`, not `6.0`), dates and times in ISO
8601. A Chinese character takes two columns of a terminal, so widths are measured in terminal
cells.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import unicodedata
from collections.abc import Sequence
from decimal import Decimal
from typing import IO

SEPARATOR = " │ "
RULE_SEPARATOR = "─┼─"
MIN_WRAP = 12  # text is wrapped no narrower than this when a table must fit a width


def terminal_width() -> int:
    """COLUMNS when set, else the terminal's width, else 100 (output to a file or a pipe)."""
    return shutil.get_terminal_size((100, 24)).columns


def cell_len(text: str) -> int:
    """Columns `text` takes in a terminal: East Asian wide and full-width characters take two,
    combining marks none."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def text_of(value) -> str:
    """The exact text of a value, the same in every format (None is the empty text)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, float):
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    if isinstance(value, list | tuple | dict):  # LIST, STRUCT, MAP: as in JSON
        return _json(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    return str(value)


def decimal_text(value: Decimal) -> str:
    """`3.000000` -> `3`, `12.50` -> `12.5`, `1E+2` -> `100`: exact, never in exponent form."""
    if not value.is_finite():
        return str(value)
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _is_number(value) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def wrap(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` terminal columns, broken at its own line breaks, else at
    the last space that fits, else between characters (Chinese has no spaces)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0
        for ch in paragraph:
            w = cell_len(ch)
            if used + w > width and line:
                cut = line.rfind(" ")
                if cut > 0:
                    lines.append(line[:cut])
                    line = line[cut + 1 :]
                else:
                    lines.append(line)
                    line = ""
                used = cell_len(line)
            line += ch
            used += w
        lines.append(line)
    return lines


def cut(text: str, width: int) -> str:
    """`text` on one line of at most `width` columns, ending in `…` when something was cut."""
    text = text.replace("\n", " ")
    if cell_len(text) <= width:
        return text
    kept, used = "", 0
    for ch in text:
        if used + cell_len(ch) > width - 1:
            break
        kept += ch
        used += cell_len(ch)
    return kept + "…"


def _pad(text: str, width: int, right: bool) -> str:
    space = " " * (width - cell_len(text))
    return space + text if right else text + space


def render_table(
    columns: Sequence[str],
    rows: Sequence[Sequence],
    *,
    width: int | None = None,
    keys: int = 1,
    max_width: int | None = None,
) -> str:
    """A table in terminal cells, one line per row unless a cell holds line breaks.

    `max_width`: cut every cell to that many columns (nothing is cut by default).
    `width`: fit the table into that many columns without cutting anything: text (and the
    headers of numbers) is wrapped, down to MIN_WRAP columns, and if that is not enough the
    columns are printed in several blocks, each beginning with the first `keys` columns again.
    """
    texts = [[text_of(v) for v in row] for row in rows]
    if max_width is not None:
        texts = [[cut(t, max_width) for t in row] for row in texts]
    numeric = [
        any(_is_number(r[i]) for r in rows) and all(r[i] is None or _is_number(r[i]) for r in rows)
        for i in range(len(columns))
    ]
    natural, least = [], []
    for i, name in enumerate(columns):
        cells = max([cell_len(line) for r in texts for line in r[i].split("\n")], default=0)
        header = max(cell_len(line) for line in name.split("\n"))
        natural.append(max(cells, header))
        # numbers are never wrapped, their header may be; text no narrower than MIN_WRAP
        least.append(max(cells, min(header, MIN_WRAP)) if numeric[i] else min(natural[i], MIN_WRAP))
    if width is None:
        blocks = [list(range(len(columns)))]
        widths = natural
    else:
        widths = list(least)
        if _total(natural[:keys]) <= width // 2:  # the keys are repeated: wrapped only if wide
            widths[:keys] = natural[:keys]
        blocks = _blocks(widths, width, keys)
        for block in blocks:  # give each block's spare columns back to what was wrapped
            _widen(
                widths, natural, block[keys:] or block, width - _total([widths[i] for i in block])
            )
    out = []
    for block in blocks:
        if out:
            out.append("")
        cols = [widths[i] for i in block]
        out += _lines([columns[i] for i in block], [False] * len(block), cols)
        out.append(RULE_SEPARATOR.join("─" * w for w in cols))
        for row in texts:
            out += _lines([row[i] for i in block], [numeric[i] for i in block], cols)
    return "\n".join(line.rstrip() for line in out)


def _lines(cells: list[str], right: list[bool], widths: list[int]) -> list[str]:
    """One table row as lines: each cell wrapped to its column's width."""
    wrapped = [wrap(c, w) for c, w in zip(cells, widths, strict=True)]
    height = max(len(w) for w in wrapped)
    return [
        SEPARATOR.join(
            _pad(w[k] if k < len(w) else "", width, r)
            for w, width, r in zip(wrapped, widths, right, strict=True)
        )
        for k in range(height)
    ]


def _total(widths: list[int]) -> int:
    return sum(widths) + len(SEPARATOR) * (len(widths) - 1)


def _blocks(widths: list[int], width: int, keys: int) -> list[list[int]]:
    """Column indexes per block: the keys, then as many of the other columns as fit."""
    blocks, block = [], list(range(min(keys, len(widths))))
    for i in range(len(block), len(widths)):
        if len(block) > keys and _total([widths[j] for j in [*block, i]]) > width:
            blocks.append(block)
            block = list(range(keys))
        block.append(i)
    blocks.append(block)
    return blocks


def _widen(widths: list[int], natural: list[int], columns: list[int], spare: int) -> None:
    """Share `spare` columns among `columns` narrower than their natural width, the most
    wrapped first, one at a time (a column shared by several blocks keeps the narrowest)."""
    while spare > 0:
        short = [i for i in columns if widths[i] < natural[i]]
        if not short:
            return
        i = max(short, key=lambda j: natural[j] - widths[j])
        widths[i] += 1
        spare -= 1


def render_markdown(columns: Sequence[str], rows: Sequence[Sequence]) -> str:
    """A GitHub-flavoured Markdown table (`|` escaped, line breaks as `<br>`)."""

    def cell(text: str) -> str:
        return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>")

    numeric = [
        any(_is_number(r[i]) for r in rows) and all(r[i] is None or _is_number(r[i]) for r in rows)
        for i in range(len(columns))
    ]
    lines = [
        "| " + " | ".join(cell(c) for c in columns) + " |",
        "|" + "|".join("---:" if n else "---" for n in numeric) + "|",
    ]
    lines += ["| " + " | ".join(cell(text_of(v)) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def write_csv(columns: Sequence[str], rows: Sequence[Sequence], out: IO[str]) -> None:
    """CSV with a header line; NULL is an empty field."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([text_of(v) for v in row] for row in rows)


def write_json(columns: Sequence[str], rows: Sequence[Sequence], out: IO[str]) -> None:
    """A JSON array with one object per row; numbers as JSON numbers with every digit (a DECIMAL
    is not turned into a binary double), NULL as null, dates and times as ISO 8601 text."""
    out.write("[")
    for n, row in enumerate(rows):
        fields = ", ".join(
            f"{json.dumps(c, ensure_ascii=False)}: {_json(v)}"
            for c, v in zip(columns, row, strict=True)
        )
        out.write(("," if n else "") + "\n  {" + fields + "}")
    out.write("\n]\n" if rows else "]\n")


def _json(value) -> str:
    if value is None or isinstance(value, bool | int | str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Decimal | float):
        # JSON has no NaN or infinity: those are written as text
        finite = (
            value.is_finite()
            if isinstance(value, Decimal)
            else value == value and abs(value) != float("inf")
        )
        return text_of(value) if finite else json.dumps(text_of(value))
    if isinstance(value, dict):
        return (
            "{"
            + ", ".join(
                f"{json.dumps(str(k), ensure_ascii=False)}: {_json(v)}" for k, v in value.items()
            )
            + "}"
        )
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_json(v) for v in value) + "]"
    return json.dumps(text_of(value), ensure_ascii=False)
