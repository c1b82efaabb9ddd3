"""Values as spreadsheets store them (issue #27): XLSX numbers as Excel shows them, codes a
spreadsheet turned into numbers, every spelling of a number under one scale rule, date cells,
and the encodings of the files Excel and WPS write.

Workbooks are real XLSX files written with xlsxwriter; their number cells are then written the
way Excel writes them (17 significant digits: 10694188.71 is stored as 10694188.710000001).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pytest
import xlsxwriter
from test_rules import complete  # the check characters, computed independently
from xlsxwriter.utility import xl_rowcol_to_cell

from pipelines.ingest.landing import scan
from pipelines.ingest.load import ensure_tables, load_month
from pipelines.ingest.read import FileRejected, decode, read_extract
from schemas import SCHEMAS
from schemas.common import parse, validate

MARCH = dt.date(2018, 3, 1)
A, B, C = "91350100M000100Y43", "91440300708461136T", "91110000100011743X"
# A valid all-digit USCC (its check characters are right) that a spreadsheet keeps as the double
# 915401239121531008.
DIGITS_USCC = "915401239121531061"
AS_NUMBER_EN = "stored as a number by the spreadsheet, digits lost"


class Number(float):
    """A number cell holding this double (a float cell written as Excel writes it)."""


class DateCell:
    """A date cell: a date-time with a date format, as Excel stores a typed date or month."""

    def __init__(self, value: dt.datetime, number_format: str = "yyyy-mm-dd") -> None:
        self.value, self.number_format = value, number_format


def workbook(rows: list[list[object]]) -> bytes:
    """One sheet: str -> text cell, Number/int/float -> number cell, DateCell -> date cell."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("数据")
    numbers: dict[str, float] = {}
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, DateCell):
                fmt = wb.add_format({"num_format": value.number_format})
                ws.write_datetime(r, c, value.value, fmt)
            elif isinstance(value, str):
                ws.write_string(r, c, value)
            elif isinstance(value, (int, float)):
                ws.write_number(r, c, value)
                numbers[xl_rowcol_to_cell(r, c)] = float(value)
    wb.close()
    return excel_digits(buf.getvalue(), numbers)


def excel_digits(data: bytes, numbers: dict[str, float]) -> bytes:
    """The workbook with its number cells written as Excel writes them (17 significant digits;
    xlsxwriter writes 16, which would hide the binary fraction)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            content = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":

                def excel(m: re.Match[str]) -> str:
                    value = numbers.get(m[2])
                    return m[1] + (m[3] if value is None else f"{value:.17g}") + m[4]

                cell = r'(<c r="([A-Z]+[0-9]+)"[^>]*><v>)([^<]*)(</v>)'
                content = re.sub(cell, excel, content.decode()).encode()
            zout.writestr(item, content)
    return out.getvalue()


def read_xlsx(kind: str, rows: list[list[object]]) -> pl.DataFrame:
    """The rows under the kind's header, read and parsed (typed columns beside their TEXT)."""
    header = list(SCHEMAS[kind].headers)
    full = [[row.get(h) for h in header] for row in rows]
    frame = read_extract(workbook([header, *full]), f"{kind}_201803.xlsx", "xlsx", SCHEMAS[kind])
    return parse(frame.frame, SCHEMAS[kind]).with_columns(pl.lit(MARCH).alias("_file_period"))


def read_csv(kind: str, lines: list[str]) -> pl.DataFrame:
    header = ",".join(SCHEMAS[kind].headers)
    data = ("\n".join([header, *lines]) + "\n").encode()
    frame = read_extract(data, f"{kind}_201803.csv", "csv", SCHEMAS[kind])
    return parse(frame.frame, SCHEMAS[kind]).with_columns(pl.lit(MARCH).alias("_file_period"))


def rejects_of(parsed: pl.DataFrame, kind: str) -> list[tuple[int, str, str]]:
    rejects = validate(parsed, SCHEMAS[kind]).rejects
    return rejects.select("row_number", "rule_id", "value").rows()


# ---------------------------------------------------------------- XLSX amounts


def test_excel_writes_the_binary_fraction() -> None:
    # The premise of the tests below: the stored text has more decimals than the typed value.
    assert f"{10694188.71:.17g}" == "10694188.710000001"
    assert f"{46845193.36:.17g}" == "46845193.359999999"


def test_xlsx_tax_amounts_load_as_excel_shows_them() -> None:
    tax = {"统一社会信用代码": A, "所属期": "2018-03"}
    parsed = read_xlsx(
        "tax",
        [
            {
                **tax,
                "增值税（元）": Number(10694188.71),
                "企业所得税（元）": Number(46845193.36),
                "其他税费（元）": Number(0.1 + 0.2),  # 0.30000000000000004: Excel shows 0.3
                "税收合计（元）": Number(57539382.37),
            },
            # A cell that really holds three decimals is refused, never rounded.
            {**tax, "统一社会信用代码": B, "增值税（元）": Number(12.345)},
            # Text is what it says: typed out with 9 decimals, it is refused.
            {**tax, "统一社会信用代码": C, "增值税（元）": "10694188.710000001"},
        ],
    )
    assert parsed.get_column("vat_yuan__text").to_list() == [
        "10694188.71",
        "12.345",
        "10694188.710000001",
    ]
    first = parsed.row(0, named=True)
    assert [first[c] for c in ("vat_yuan", "corporate_income_tax_yuan")] == [
        Decimal("10694188.71"),
        Decimal("46845193.36"),
    ]
    assert first["other_taxes_yuan"] == Decimal("0.30")
    assert first["total_tax_yuan"] == Decimal("57539382.37")
    rejects = {(row, rule) for row, rule, _ in rejects_of(parsed, "tax")}
    assert (2, "TAX-FORMAT-VAT_YUAN") not in rejects
    assert {(3, "TAX-FORMAT-VAT_YUAN"), (4, "TAX-FORMAT-VAT_YUAN")} <= rejects
    assert not any(row == 2 for row, _ in rejects), rejects


# Every decimal column of every kind, with a value Excel stores with more decimals than the
# column allows: (kind, header, the double typed, the value it must load as).
DECIMAL_CELLS = [
    ("registration", "注册资本（万元）", 1234.567891, "1234.567891"),
    ("tax", "增值税（元）", 10694188.71, "10694188.71"),
    ("tax", "企业所得税（元）", 46845193.36, "46845193.36"),
    ("tax", "其他税费（元）", 1234567.89, "1234567.89"),
    ("tax", "税收合计（元）", 0.07, "0.07"),
    ("output", "工业总产值_本月（万元）", 33.123457, "33.123457"),
    ("output", "工业总产值_本年累计（万元）", 0.3, "0.3"),
    ("output", "工业增加值_本月（万元）", -7.000001, "-7.000001"),
    ("output", "营业收入_本月（万元）", 98765.4321, "98765.4321"),
    ("output", "营业收入_本年累计（万元）", 1e-6, "0.000001"),
    ("projects", "协议投资额（亿元）", 2.3, "2.3"),
    ("land", "面积（亩）", 50.123457, "50.123457"),
    ("land", "土地价款（万元）", 2525.1, "2525.1"),
    ("land", "累计固定资产投资（万元）", 3000.3, "3000.3"),
    ("indicators", "数值", 6173000.7, "6173000.7"),
]


def test_decimal_cells_cover_every_decimal_column() -> None:
    decimal_columns = {
        (kind, zh)
        for kind, schema in SCHEMAS.items()
        for zh, en in schema.headers.items()
        if schema.fields[en].__qualname__.startswith("as_decimal.")
    }
    assert {(kind, zh) for kind, zh, _, _ in DECIMAL_CELLS} == decimal_columns


@pytest.mark.parametrize(("kind", "header", "typed", "shown"), DECIMAL_CELLS)
def test_every_decimal_column_loads_an_xlsx_number_as_shown(
    kind: str, header: str, typed: float, shown: str
) -> None:
    scale = 2 if kind == "tax" else 6
    stored = f"{typed:.17g}"
    assert "e" in stored or len(stored.partition(".")[2]) > scale  # the test means something
    parsed = read_xlsx(kind, [{header: Number(typed)}])
    column = SCHEMAS[kind].headers[header]
    assert parsed.get_column(column + "__text").to_list() == [shown]
    assert parsed.get_column(column).to_list() == [Decimal(shown)]


def test_integer_and_period_number_cells() -> None:
    parsed = read_xlsx(
        "employment",
        [{"统一社会信用代码": A, "所属期": Number(201803), "参保人数": Number(12)}],
    )
    assert parsed.select("period", "insured_headcount").row(0) == (MARCH, 12)
    assert rejects_of(parsed, "employment") == []


# ---------------------------------------------------------------- codes typed as numbers


def test_xlsx_uscc_stored_as_a_number_says_so() -> None:
    assert complete(DIGITS_USCC[:16]) == DIGITS_USCC  # a valid code: only the number loses it
    assert float(DIGITS_USCC) == 915401239121531008  # what the spreadsheet keeps
    parsed = read_xlsx(
        "employment",
        [
            {"统一社会信用代码": Number(float(DIGITS_USCC)), "所属期": "2018-03", "参保人数": "3"},
            {"统一社会信用代码": A, "所属期": "2018-03", "参保人数": "4"},
        ],
    )
    assert rejects_of(parsed, "employment") == [(2, "EMP-USCC-AS-NUMBER", "9.15401239121531E+17")]
    rejects = validate(parsed, SCHEMAS["employment"]).rejects
    assert AS_NUMBER_EN in rejects.get_column("rule_en")[0]
    assert "文本格式" in rejects.get_column("rule_zh")[0]


def test_xlsx_project_codes_stored_as_numbers() -> None:
    row = {
        "项目名称": "某项目",
        "所属园区": "经开区",
        "协议投资额（亿元）": Number(1.5),
        "签约日期": "2018-03-15",
        "项目状态": "签约",
    }
    parsed = read_xlsx(
        "projects",
        [
            {**row, "项目编号": "P-1", "投资主体统一社会信用代码": Number(float(DIGITS_USCC))},
            {**row, "项目编号": Number(123456789012345678)},  # 18 digits: lost
            {**row, "项目编号": Number(2018001)},  # 7 digits: kept whole, loads
        ],
    )
    assert rejects_of(parsed, "projects") == [
        (2, "PRJ-INVESTOR-USCC-AS-NUMBER", "9.15401239121531E+17"),
        (3, "PRJ-AS-NUMBER-PROJECT_ID", "1.23456789012346E+17"),
    ]
    assert parsed.get_column("project_id").to_list()[2] == "2018001"


@pytest.mark.parametrize(
    "cell",
    [
        "9.15401239121531E+17",  # LibreOffice's CSV of a number cell
        "9.15401239121531e+17",
        "9.15401E+17",  # Excel's CSV of a number cell in the General format
        "915401239121531000",  # a number cell formatted without decimals
    ],
)
def test_csv_uscc_exported_as_a_number_says_so(cell: str) -> None:
    parsed = read_csv("employment", [f"{cell},2018-03,3"])
    assert [rule for _, rule, _ in rejects_of(parsed, "employment")] == ["EMP-USCC-AS-NUMBER"]


def test_csv_wrong_check_character_is_still_a_typo() -> None:
    wrong = A[:-1] + ("4" if A[-1] != "4" else "5")
    parsed = read_csv("employment", [f"{wrong},2018-03,3"])
    assert [rule for _, rule, _ in rejects_of(parsed, "employment")] == ["EMP-USCC-CHECK"]


# ---------------------------------------------------------------- every spelling, one scale rule

TAX_ROW = A + ",2018-03,{vat},0,0,{total}"


@pytest.mark.parametrize(
    ("vat", "total", "loads_as"),
    [
        ("1.5e-3", "0", None),  # 0.0015 yuan: three decimals, refused (was loaded as 0.00)
        ("1.234e2", "123.4", Decimal("123.40")),  # 123.4 (was refused)
        ("1.2E+3", "1200", Decimal("1200.00")),
        ("-2.5E-1", "-0.25", Decimal("-0.25")),
        ("12.345", "12", None),
    ],
)
def test_yuan_in_any_spelling(vat: str, total: str, loads_as: Decimal | None) -> None:
    parsed = read_csv("tax", [TAX_ROW.format(vat=vat, total=total)])
    rules = [rule for _, rule, _ in rejects_of(parsed, "tax")]
    if loads_as is None:
        assert rules == ["TAX-FORMAT-VAT_YUAN"]
    else:
        assert rules == []
        assert parsed.get_column("vat_yuan").to_list() == [loads_as]


REG_ROW = A + ",某公司,柳梧新区,1512,存续,2015-06-18,{capital},是,否,否,"


@pytest.mark.parametrize(
    ("capital", "loads_as", "rule"),
    [
        ("1e-7", None, "REG-FORMAT-REGISTERED_CAPITAL_10K"),  # 7 decimals (was loaded as 0)
        ("1e-6", Decimal("0.000001"), None),
        ("1.2E+3", Decimal("1200"), None),
        ("5E2", Decimal("500"), None),
        ("-1e-2", Decimal("-0.01"), "REG-RANGE-REGISTERED_CAPITAL_10K"),
    ],
)
def test_capital_in_any_spelling(capital: str, loads_as: Decimal | None, rule: str | None) -> None:
    parsed = read_csv("registration", [REG_ROW.format(capital=capital)])
    assert [r for _, r, _ in rejects_of(parsed, "registration")] == ([rule] if rule else [])
    assert parsed.get_column("registered_capital_10k").to_list() == [loads_as]


@pytest.mark.parametrize(
    ("headcount", "loads_as"),
    [
        ("1.2E+3", 1200),
        ("12.0", 12),
        ("1.5e0", None),
        ("12.5", None),
        ("9007199254740993", 9007199254740993),  # exact, beyond a double's precision
    ],
)
def test_headcount_in_any_spelling(headcount: str, loads_as: int | None) -> None:
    parsed = read_csv("employment", [f"{A},2018-03,{headcount}"])
    rules = [rule for _, rule, _ in rejects_of(parsed, "employment")]
    assert rules == ([] if loads_as is not None else ["EMP-FORMAT-INSURED_HEADCOUNT"])
    assert parsed.get_column("insured_headcount").to_list() == [loads_as]


# ---------------------------------------------------------------- date cells


def test_xlsx_date_cells_are_the_month_and_the_day_they_show() -> None:
    register = {
        "企业名称": "某公司",
        "所属园区": "柳梧新区",
        "行业代码": "1512",
        "登记状态": "存续",
        "注册资本（万元）": Number(500),
    }
    parsed = read_xlsx(
        "registration",
        [
            {**register, "统一社会信用代码": A, "成立日期": DateCell(dt.datetime(2018, 3, 5))},
            # A date-time exported by another system: the day it shows (the time is dropped).
            {
                **register,
                "统一社会信用代码": B,
                "成立日期": DateCell(dt.datetime(2018, 3, 5, 14, 30), "yyyy-mm-dd hh:mm"),
            },
        ],
    )
    assert parsed.get_column("established_on__text").to_list() == [
        "2018-03-05 00:00:00",
        "2018-03-05 14:30:00",
    ]
    assert parsed.get_column("established_on").to_list() == [dt.date(2018, 3, 5)] * 2
    assert rejects_of(parsed, "registration") == []
    month = read_xlsx(
        "employment",
        [
            {
                "统一社会信用代码": A,
                "所属期": DateCell(dt.datetime(2018, 3, 1), "yyyy-mm"),
                "参保人数": Number(3),
            }
        ],
    )
    assert month.get_column("period__text").to_list() == ["2018-03-01 00:00:00"]
    assert month.get_column("period").to_list() == [MARCH]
    assert rejects_of(month, "employment") == []


def test_date_time_text_in_a_date_column() -> None:
    row = REG_ROW.format(capital="1").replace("2015-06-18", "2015/6/18 9:05")
    parsed = read_csv("registration", [row])
    assert parsed.get_column("established_on").to_list() == [dt.date(2015, 6, 18)]
    assert rejects_of(parsed, "registration") == []


# ---------------------------------------------------------------- encodings

TAX_HEADER = ",".join(SCHEMAS["tax"].headers)


def rejected(data: bytes) -> str:
    with pytest.raises(FileRejected) as e:
        read_extract(data, "tax_201803.csv", "csv", SCHEMAS["tax"])
    return str(e.value)


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be"])
def test_utf16_text_from_excel(codec: str) -> None:
    # Excel's "Unicode Text": UTF-16 with a byte-order mark, tab-separated.
    text = TAX_HEADER.replace(",", "\t") + "\n" + "\t".join([A, "2018-03", "1", "1", "0", "2"])
    data = text.encode(codec)
    if codec == "utf-16-be":
        data = b"\xfe\xff" + data
    message = rejected(data)
    assert message.startswith("tax_201803.csv: ")
    assert "UTF-16" in message and "Unicode Text" in message and "CSV UTF-8" in message


def test_tab_separated_text() -> None:
    text = TAX_HEADER.replace(",", "\t") + "\n" + "\t".join([A, "2018-03", "1", "1", "0", "2"])
    message = rejected((text + "\n").encode())
    assert message.startswith("tax_201803.csv: ")
    assert "separated by tabs" in message and "CSV UTF-8" in message


def test_euro_sign_of_a_windows_code_page() -> None:
    head = (TAX_HEADER + "\n" + A + ",2018-03,1,1,0,2\n").encode("gbk")
    data = head + "备注".encode("gbk") + b"\x80" + b"5\n"
    offset = data.index(b"\x80")
    message = rejected(data)
    assert message.startswith(f"tax_201803.csv: byte {offset} (0x80, line 3) ")
    assert "€" in message and "cp936" in message and "CSV UTF-8" in message


def test_western_character_names_itself() -> None:
    data = (TAX_HEADER + "\n").encode() + b"Caf\xe9\n"
    message = rejected(data)
    offset = data.index(b"\xe9")
    assert message.startswith(f"tax_201803.csv: byte {offset} (0xE9, line 2) ")
    assert "'é' in Windows-1252" in message


def test_file_cut_in_the_middle_of_a_character() -> None:
    data = (TAX_HEADER + "\n拉").encode() + "萨".encode()[:2]
    assert "cut short" in rejected(data)


def test_messages_of_decode_name_the_file() -> None:
    with pytest.raises(FileRejected, match=r"^x\.csv: the file is UTF-16"):
        decode(b"\xff\xfe" + "a,b\n".encode("utf-16-le"), "x.csv")


# ---------------------------------------------------------------- a month loaded end to end


def test_xlsx_tax_month_loads_with_amounts_as_shown(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    header = list(SCHEMAS["tax"].headers)
    rows = [
        [A, "2018-03", Number(10694188.71), Number(46845193.36), Number(0), Number(57539382.07)],
        [Number(float(DIGITS_USCC)), "2018-03", Number(1), Number(1), Number(0), Number(2)],
        [B, DateCell(MARCH, "yyyy-mm"), Number(1.5e-3), Number(0), Number(0), Number(0)],
    ]
    (landing / "tax_201803.xlsx").write_bytes(workbook([header, *rows]))
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        ensure_tables(con)
        outcome = load_month(con, scan(landing), "tax", MARCH, tmp_path / "archive")
        assert (outcome.rows_read, outcome.rows_loaded, outcome.rows_rejected) == (3, 1, 2)
        assert con.execute(
            "select uscc, vat_yuan, corporate_income_tax_yuan, total_tax_yuan from raw.tax"
        ).fetchall() == [
            (A, Decimal("10694188.71"), Decimal("46845193.36"), Decimal("57539382.07"))
        ]
        assert con.execute(
            "select row_number, rule_id, value from meta.rejects order by row_number"
        ).fetchall() == [
            (3, "TAX-USCC-AS-NUMBER", "9.15401239121531E+17"),
            (4, "TAX-FORMAT-VAT_YUAN", "0.0015"),
        ]
    finally:
        con.close()
