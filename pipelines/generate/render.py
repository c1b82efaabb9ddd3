"""Typed frames to text, and text to CSV or XLSX files."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import xlsxwriter

from schemas.headers import HEADERS

from .population import month_of

# Columns held as integer hundredths (元 cents, 0.01万元, 0.01亿元).
HUNDREDTHS = {
    "vat_yuan", "corporate_income_tax_yuan", "other_taxes_yuan", "total_tax_yuan",
    "gross_output_month_10k", "gross_output_ytd_10k", "value_added_month_10k",
    "revenue_month_10k", "revenue_ytd_10k", "registered_capital_10k", "agreed_investment_100m",
}  # fmt: skip
INTEGERS = {"insured_headcount"}
DATES = {"established_on", "signed_on", "recognized_on"}
FLAGS = {"is_high_tech", "is_tech_sme", "is_tech_leader"}
CODES = {"industry_code", "period"}  # typed as numbers in XLSX when they are all digits
NUMBERS = HUNDREDTHS | INTEGERS
PRIVATE = ("_etype", "_protect")

# A workbook's creation date is part of its bytes: fix it so that runs are reproducible.
XLSX_CREATED = dt.datetime(2021, 1, 15, 9, 0, 0)


@dataclass(frozen=True)
class FileStyle:
    period_format: str = "dash"  # dash YYYY-MM, compact YYYYMM, slash YYYY/MM, chinese YYYY年M月
    date_format: str = "dash"  # dash YYYY-MM-DD, slash YYYY/MM/DD
    xlsx: bool = False
    encoding: str = "utf-8"  # utf-8, utf-8-sig (BOM) or gb18030
    line_terminator: str = "\n"


def _hundredths(col: pl.Expr) -> pl.Expr:
    a = col.abs()
    return pl.concat_str(
        pl.when(col < 0).then(pl.lit("-")).otherwise(pl.lit("")),
        (a // 100).cast(pl.String),
        pl.lit("."),
        (a % 100).cast(pl.String).str.zfill(2),
    )


def period_text(a: int, fmt: str) -> str:
    year, month = month_of(a)
    return {
        "dash": f"{year}-{month:02d}",
        "compact": f"{year}{month:02d}",
        "slash": f"{year}/{month:02d}",
        "chinese": f"{year}年{month}月",
    }[fmt]


def to_text(typed: pl.DataFrame, kind: str, style: FileStyle) -> pl.DataFrame:
    """All columns of the kind as text, in dictionary order; private columns pass through."""
    exprs = []
    date_fmt = "%Y-%m-%d" if style.date_format == "dash" else "%Y/%m/%d"
    for name in HEADERS[kind].values():
        col = pl.col(name)
        if name in HUNDREDTHS:
            expr = _hundredths(col)
        elif name in INTEGERS:
            expr = col.cast(pl.String)
        elif name in DATES:
            expr = col.dt.strftime(date_fmt)
        elif name in FLAGS:
            expr = pl.when(col).then(pl.lit("是")).otherwise(pl.lit("否"))
        elif name == "period":
            formats = {a: period_text(a, style.period_format) for a in typed["period"].unique()}
            expr = col.replace_strict(formats, return_dtype=pl.String)
        else:
            expr = col
        exprs.append(expr.alias(name))
    private = [c for c in PRIVATE if c in typed.columns]
    return typed.select(*exprs, *private)


def write_csv(text: pl.DataFrame, kind: str, path: Path, style: FileStyle) -> None:
    frame = text.select(list(HEADERS[kind].values())).rename(
        {v: k for k, v in HEADERS[kind].items()}
    )
    if style.encoding == "gb18030":
        data = frame.write_csv(line_terminator=style.line_terminator)
        path.write_bytes(data.encode("gb18030"))
    else:
        frame.write_csv(
            path,
            include_bom=style.encoding == "utf-8-sig",
            line_terminator=style.line_terminator,
        )


def write_xlsx(text: pl.DataFrame, kind: str, path: Path) -> None:
    """First sheet, header in row 1; numbers, all-digit codes and ISO dates typed as such."""
    names = list(HEADERS[kind].values())
    typed_cols = []
    for name in names:
        col = pl.col(name)
        if name in NUMBERS:
            typed_cols.append(col.cast(pl.Float64, strict=False).alias(f"{name}#n"))
        elif name in CODES:
            typed_cols.append(
                pl.when(col.str.contains(r"^[0-9]{1,15}$"))
                .then(col.cast(pl.Int64, strict=False))
                .alias(f"{name}#n")
            )
        elif name in DATES:
            typed_cols.append(
                pl.when(col.str.contains(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))
                .then(col.str.to_date("%Y-%m-%d", strict=False))
                .alias(f"{name}#d")
            )
    frame = text.select(*names, *typed_cols)
    columns = {c: frame[c].to_list() for c in frame.columns}
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    workbook.set_properties({"created": XLSX_CREATED})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet = workbook.add_worksheet("Sheet1")
    for j, header in enumerate(HEADERS[kind]):
        sheet.write_string(0, j, header)
    for j, name in enumerate(names):
        if name in DATES:
            sheet.set_column(j, j, 12)
    plans = []
    for name in names:
        plans.append((columns[name], columns.get(f"{name}#n"), columns.get(f"{name}#d")))
    for i in range(frame.height):
        r = i + 1
        for j, (texts, nums, dates) in enumerate(plans):
            if nums is not None and nums[i] is not None:
                sheet.write_number(r, j, nums[i])
            elif dates is not None and dates[i] is not None:
                sheet.write_datetime(r, j, dt.datetime.combine(dates[i], dt.time()), date_format)
            elif texts[i] is not None:
                sheet.write_string(r, j, texts[i])
    workbook.close()
