"""Typed frames to text, and text to CSV or XLSX files."""

from __future__ import annotations

import datetime as dt
import zipfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from schemas.headers import HEADERS

from .population import month_of

# Columns held as integer hundredths (元 cents, 0.01万元, 0.01亿元).
HUNDREDTHS = {
    "vat_yuan", "corporate_income_tax_yuan", "other_taxes_yuan", "total_tax_yuan",
    "gross_output_month_10k", "gross_output_ytd_10k", "value_added_month_10k",
    "revenue_month_10k", "revenue_ytd_10k", "registered_capital_10k", "agreed_investment_100m",
    "area_mu", "land_price_10k", "fixed_investment_10k",
}  # fmt: skip
INTEGERS = {"insured_headcount"}
DATES = {
    "established_on", "signed_on", "recognized_on", "supplied_on", "agreed_start_on",
    "actual_start_on",
}  # fmt: skip
FLAGS = {"is_high_tech", "is_tech_sme", "is_tech_leader"}
CODES = {"industry_code", "period"}  # typed as numbers in XLSX when they are all digits
NUMBERS = HUNDREDTHS | INTEGERS
PRIVATE = ("_etype", "_protect")

# A workbook's creation date is part of its bytes: fixed, so that runs are reproducible.
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


_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
<Default Extension="xml" ContentType="application/xml"/>\
<Override PartName="/xl/workbook.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
<Override PartName="/xl/worksheets/sheet1.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\
<Override PartName="/xl/styles.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
<Override PartName="/docProps/core.xml" \
ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>\
<Override PartName="/docProps/app.xml" \
ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>\
</Types>"""
_ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
<Relationship Id="rId1" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" \
Target="xl/workbook.xml"/>\
<Relationship Id="rId2" \
Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" \
Target="docProps/core.xml"/>\
<Relationship Id="rId3" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" \
Target="docProps/app.xml"/>\
</Relationships>"""
_CORE = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties \
xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" \
xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\
<dc:creator>拉萨市统计局</dc:creator>\
<dcterms:created xsi:type="dcterms:W3CDTF">{XLSX_CREATED:%Y-%m-%dT%H:%M:%SZ}</dcterms:created>\
<dcterms:modified xsi:type="dcterms:W3CDTF">{XLSX_CREATED:%Y-%m-%dT%H:%M:%SZ}</dcterms:modified>\
</cp:coreProperties>"""
_APP = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">\
<Application>Microsoft Excel</Application></Properties>"""
_WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"""
_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
<Relationship Id="rId1" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" \
Target="worksheets/sheet1.xml"/>\
<Relationship Id="rId2" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" \
Target="styles.xml"/>\
</Relationships>"""
# Style 1 is a date (yyyy-mm-dd), so that dates are real Excel dates.
_STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/></numFmts>\
<fonts count="1"><font><sz val="11"/><name val="宋体"/></font></fonts>\
<fills count="2"><fill><patternFill patternType="none"/></fill>\
<fill><patternFill patternType="gray125"/></fill></fills>\
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>\
</styleSheet>"""
_SHEET_HEAD = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
<sheetData>"""
_SHEET_TAIL = "</sheetData></worksheet>"
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_NUMBER = r"^-?[0-9]+(\.[0-9]+)?$"
_ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_CHUNK = 200_000


def _xml_text(col: pl.Expr) -> pl.Expr:
    return (
        col.str.replace_all("&", "&amp;", literal=True)
        .str.replace_all("<", "&lt;", literal=True)
        .str.replace_all(">", "&gt;", literal=True)
    )


def _column_letter(j: int) -> str:
    letters = ""
    j += 1
    while j:
        j, rem = divmod(j - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _cell(name: str, j: int, row: pl.Expr) -> pl.Expr:
    """One cell's XML: numbers, all-digit codes and ISO dates typed, everything else text."""
    col = pl.col(name)
    ref_ = pl.concat_str(pl.lit(f'<c r="{_column_letter(j)}'), row)
    text = pl.concat_str(
        ref_,
        pl.lit('" t="inlineStr"><is><t xml:space="preserve">'),
        _xml_text(col),
        pl.lit("</t></is></c>"),
    )
    if name in NUMBERS:
        typed = col.str.contains(_NUMBER)
        value = col
        style = '"><v>'
    elif name in CODES:
        typed = col.str.contains(r"^[0-9]{1,15}$")
        value = col.cast(pl.Int64, strict=False).cast(pl.String)
        style = '"><v>'
    elif name in DATES:
        typed = col.str.contains(_ISO_DATE)
        days = col.str.to_date("%Y-%m-%d", strict=False) - pl.lit(_EXCEL_EPOCH)
        value = days.dt.total_days().cast(pl.String)
        style = '" s="1"><v>'
    else:
        return pl.when(col.is_not_null()).then(text).otherwise(pl.lit(""))
    number = pl.concat_str(ref_, pl.lit(style), value, pl.lit("</v></c>"))
    return (
        pl.when(col.is_null())
        .then(pl.lit(""))
        .when(typed.fill_null(False))
        .then(number)
        .otherwise(text)
    )


def write_xlsx(text: pl.DataFrame, kind: str, path: Path) -> None:
    """First sheet, header in row 1; numbers, all-digit codes and ISO dates typed as such.

    The sheet is built with polars string expressions (inline strings, no shared-string
    table), so that a million rows take seconds; entries carry a fixed timestamp so that
    the bytes are reproducible.
    """
    names = list(HEADERS[kind].values())
    header = "".join(
        f'<c r="{_column_letter(j)}1" t="inlineStr"><is><t>{h}</t></is></c>'
        for j, h in enumerate(HEADERS[kind])
    )
    parts = {
        "[Content_Types].xml": _CONTENT_TYPES,
        "_rels/.rels": _ROOT_RELS,
        "docProps/core.xml": _CORE,
        "docProps/app.xml": _APP,
        "xl/workbook.xml": _WORKBOOK,
        "xl/_rels/workbook.xml.rels": _WORKBOOK_RELS,
        "xl/styles.xml": _STYLES,
    }
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, content in parts.items():
            zf.writestr(_zip_info(name), content)
        with zf.open(_zip_info("xl/worksheets/sheet1.xml"), "w", force_zip64=True) as sheet:
            sheet.write(_SHEET_HEAD.encode())
            sheet.write(f'<row r="1">{header}</row>'.encode())
            for offset in range(0, text.height, _CHUNK):
                chunk = text.slice(offset, _CHUNK).select(names)
                row = (pl.int_range(pl.len()) + offset + 2).cast(pl.String)
                xml = chunk.select(
                    pl.concat_str(
                        pl.lit('<row r="'),
                        row,
                        pl.lit('">'),
                        *(_cell(name, j, row) for j, name in enumerate(names)),
                        pl.lit("</row>"),
                    ).str.join("")
                ).item()
                sheet.write(xml.encode())
            sheet.write(_SHEET_TAIL.encode())


def _zip_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info._compresslevel = 1  # fast (a million-row sheet in seconds); public from Python 3.13
    return info
