"""Reading landing files: encodings, CSV/XLSX, header mapping, normalization, file names."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from pipelines.ingest import read
from pipelines.ingest.landing import AmbiguousRevision, parse_name, scan
from pipelines.ingest.read import (
    UTF8_BOM,
    FileRejected,
    decode,
    map_headers,
    normalize,
    read_extract,
)
from pipelines.reference import normalize_text, park_aliases
from schemas import SCHEMAS, common
from schemas.common import ROW, parse, validate

TAX_HEADER = "统一社会信用代码,所属期,增值税（元）,企业所得税（元）,其他税费（元）,税收合计（元）"
TAX_ROW = "91350100M000100Y43,2018-03,1000.00,200.50,10,1210.50"
REG_HEADER = (
    "统一社会信用代码,企业名称,所属园区,行业代码,登记状态,成立日期,注册资本（万元）,"
    "高新技术企业,科技型中小企业,科技型领军企业,上市板块"
)


def csv_bytes(*lines: str, encoding: str = "utf-8", newline: str = "\n") -> bytes:
    return (newline.join(lines) + newline).encode(encoding)


def read_csv(kind: str, data: bytes, name: str | None = None):
    return read_extract(data, name or f"{kind}_201803.csv", "csv", SCHEMAS[kind])


# ---------------------------------------------------------------- encodings

CHINESE_CSV = TAX_HEADER + "\n" + TAX_ROW + "\n"


def test_utf8() -> None:
    text, encoding = decode(CHINESE_CSV.encode("utf-8"), "tax_201803.csv")
    assert (text, encoding) == (CHINESE_CSV, "utf-8")


def test_utf8_with_bom() -> None:
    text, encoding = decode(b"\xef\xbb\xbf" + CHINESE_CSV.encode("utf-8"), "tax_201803.csv")
    assert encoding == "utf-8-sig"
    assert text == CHINESE_CSV  # no U+FEFF glued to the first header


def test_bom_header_maps() -> None:
    result = read_csv("tax", b"\xef\xbb\xbf" + CHINESE_CSV.encode("utf-8"))
    assert result.encoding == "utf-8-sig"
    assert result.frame.columns[0] == "uscc"


@pytest.mark.parametrize("codec", ["gb18030", "gbk"])
def test_gb18030(codec: str) -> None:
    text = CHINESE_CSV + "91110000100011743X,2018年3月,1,2,3,6\n"
    data = text.encode(codec)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # the test is only meaningful if the bytes are not UTF-8
    assert decode(data, "tax_201803.csv") == (text, "gb18030")
    result = read_csv("tax", data)
    assert result.encoding == "gb18030"
    assert result.frame.get_column("period").to_list() == ["2018-03", "2018年3月"]


def test_gb18030_four_byte_characters() -> None:
    # Characters outside GBK (four-byte GB18030 sequences), e.g. rare name characters.
    text = "企业名称\n拉萨𠀀䶮科技有限公司\n"
    assert decode(text.encode("gb18030"), "x.csv") == (text, "gb18030")


def test_utf8_that_is_also_valid_gb18030_is_read_as_utf8() -> None:
    text = "统一社会信用代码,参保人数\n"
    data = text.encode("utf-8")
    data.decode("gb18030")  # mojibake, but valid: the ambiguity is real
    assert decode(data, "employment_201803.csv") == (text, "utf-8")


def test_utf8_file_never_read_as_gb18030() -> None:
    # A realistic UTF-8 extract of every kind's header: always detected as UTF-8.
    for kind, schema in SCHEMAS.items():
        text = ",".join(schema.headers) + "\n"
        assert decode(text.encode("utf-8"), f"{kind}_201803.csv") == (text, "utf-8")


def test_undecodable_bytes_name_file_and_offset() -> None:
    data = "统一".encode("gb18030") + b"\xff\xfe\xff"
    with pytest.raises(FileRejected) as e:
        decode(data, "tax_201803.csv")
    message = str(e.value)
    assert "tax_201803.csv" in message
    assert "byte 4" in message  # "统一" is 4 bytes in GB18030


def test_undecodable_after_bom_reports_offset_in_file() -> None:
    data = b"\xef\xbb\xbf" + "统一".encode() + b"\xff"
    with pytest.raises(FileRejected) as e:
        decode(data, "tax_201803.csv")
    assert "tax_201803.csv" in str(e.value)
    assert "byte 9" in str(e.value)  # 3 (BOM) + 6 (two 3-byte characters)


def test_undecodable_byte_in_a_utf8_file_reports_that_byte() -> None:
    # A UTF-8 extract with one stray byte (e.g. a Latin-1 "é" pasted into a name). The file is
    # UTF-8 up to that byte; the message must point at it, not at where GB18030 gave up.
    head = (CHINESE_CSV + "91110000100011743X,2018-03,1,2,3,6,").encode("utf-8")
    data = head + b"\xe9" + "拉萨\n".encode()
    with pytest.raises(FileRejected) as e:
        decode(data, "tax_201803.csv")
    assert "tax_201803.csv" in str(e.value)
    assert f"byte {len(head)}" in str(e.value), (
        f"PRODUCT BUG pipelines/ingest/read.py decode: the message names the offset where "
        f"GB18030 failed (inside the valid UTF-8 header), not the bad byte at {len(head)}: "
        f"{e.value}"
    )


def test_read_extract_rejects_undecodable() -> None:
    with pytest.raises(FileRejected, match=r"tax_201803\.csv.*byte 0"):
        read_csv("tax", b"\xff" + CHINESE_CSV.encode("utf-8"))


# Files are decoded CHUNK_BYTES at a time: with chunks of 1 to 7 bytes, multi-byte characters
# straddle every boundary, and the offsets in the messages are still the file's.
SMALL_CHUNKS = pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7])
LONG_TEXT = "统一社会信用代码,企业名称\n" + "".join(
    f"9154010000000{n:04d}X,拉萨𠀀䶮第{n}号公司\n" for n in range(40)
)


@SMALL_CHUNKS
@pytest.mark.parametrize(
    ("prefix", "encoding"), [(b"", "utf-8"), (UTF8_BOM, "utf-8-sig"), (b"", "gb18030")]
)
def test_decoded_in_small_chunks(monkeypatch, chunk: int, prefix: bytes, encoding: str) -> None:
    monkeypatch.setattr(read, "CHUNK_BYTES", chunk)
    codec = "utf-8" if encoding.startswith("utf-8") else encoding
    assert decode(prefix + LONG_TEXT.encode(codec), "x.csv") == (LONG_TEXT, encoding)


@SMALL_CHUNKS
def test_bad_byte_offsets_in_small_chunks(monkeypatch, chunk: int) -> None:
    monkeypatch.setattr(read, "CHUNK_BYTES", chunk)
    body = LONG_TEXT.encode("utf-8")
    cases = {
        # GB18030 reads further: its bad byte is the one named.
        LONG_TEXT.encode("gb18030") + b"\xff\n": len(LONG_TEXT.encode("gb18030")),
        # UTF-8 reads further (GB18030 fails in the first Chinese characters).
        body + b"\xe9" + "拉萨\n".encode(): len(body),
        # A character cut short at the end of the file.
        body + "萨".encode()[:2]: len(body),
    }
    for data, offset in cases.items():
        with pytest.raises(FileRejected) as e:
            decode(data, "tax_201803.csv")
        line = data[:offset].count(b"\n") + 1
        assert str(e.value).startswith(
            f"tax_201803.csv: byte {offset} (0x{data[offset]:02X}, line {line}) cannot be "
            "decoded as UTF-8 nor as GB18030; "
        ), str(e.value)
    with pytest.raises(FileRejected) as e:
        decode(UTF8_BOM + body + b"\xff", "tax_201803.csv")
    lines = body.count(b"\n")
    assert str(e.value).startswith(
        f"tax_201803.csv: starts with a UTF-8 byte-order mark but byte {3 + len(body)} (0xFF, "
        f"line {lines + 1}) is not UTF-8; "
    ), str(e.value)


# ---------------------------------------------------------------- CSV shape


def test_crlf_and_quoted_comma() -> None:
    data = csv_bytes(
        REG_HEADER,
        '91350100M000100Y43,"拉萨雪域饮品有限公司,第一分公司",柳梧新区,1512,存续,2015-06-18,500,是,否,否,主板',
        '91110000100011743X,"说 ""好"" 的公司",经开区,0610,在业,2016/01/02,,否,否,否,',
        newline="\r\n",
    )
    frame = read_csv("registration", data).frame
    assert frame.height == 2
    assert frame.get_column("enterprise_name").to_list() == [
        "拉萨雪域饮品有限公司,第一分公司",
        '说 "好" 的公司',
    ]
    assert frame.get_column("listing_board").to_list() == ["主板", None]  # no stray "\r"
    assert frame.get_column("registered_capital_10k").to_list() == ["500", None]
    assert frame.get_column("industry_code").to_list() == ["1512", "0610"]
    assert frame.get_column(ROW).to_list() == [2, 3]  # file row numbers, header = 1
    assert frame.get_column(ROW).dtype == pl.Int32


def test_everything_is_text() -> None:
    data = csv_bytes(TAX_HEADER, "91350100M000100Y43,201803,1000,200,10,1210")
    frame = read_csv("tax", data).frame
    assert all(frame.schema[c] == pl.String for c in frame.columns if c != ROW)
    assert frame.get_column("period").to_list() == ["201803"]


def test_empty_file() -> None:
    with pytest.raises(FileRejected, match=r"tax_201803\.csv"):
        read_csv("tax", b"")


@pytest.mark.parametrize("data", [b"\n", b"  \r\n\r\n", b"\xef\xbb\xbf"])
def test_blank_file(data: bytes) -> None:
    with pytest.raises(FileRejected, match=r"tax_201803\.csv"):
        read_csv("tax", data)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_header_only(newline: str) -> None:
    with pytest.raises(FileRejected, match=r"tax_201803\.csv.*no data rows"):
        read_csv("tax", csv_bytes(TAX_HEADER, newline=newline))


def test_batches_read_like_one_whole_csv(monkeypatch) -> None:
    """Read 2 rows at a time, polars reading 16 bytes at a time, a CSV of quoted fields with
    commas, quotes and line breaks, CRLF lines and a short row reads as pl.read_csv reads it
    whole (then normalized, and numbered by record: header = 1)."""
    monkeypatch.setattr(common, "CHUNK_ROWS", 2)
    monkeypatch.setenv("POLARS_CSV_CHUNK_SIZE", "16")
    rows = [
        '91350100M000100Y43,"雪域,\r\n饮品",柳梧新区,1512,存续,2015-06-18,500,是,否,否,主板',
        '91110000100011743X,"说 ""好"" 的\n公司",经开区,0610,在业,2016/01/02,,否,否,否,',
        "91440300708461136T,第三公司,堆龙工业园,3011,存续,2016-01-02,0,否,否,否",
        '91350100M000100Y43,"",慈觉林,1512,存续,2015-06-18," 1 ",是,否,否,""',
        '91110000100011743X,"a\n\nb",经开区,0610,在业,2016/01/02,2,否,否,否,新三板',
    ]
    data = csv_bytes(REG_HEADER, *rows, newline="\r\n")
    whole = pl.read_csv(io.BytesIO(data), infer_schema=False, has_header=True, quote_char='"')
    whole = normalize(
        map_headers(whole, SCHEMAS["registration"], "x"), SCHEMAS["registration"], False
    )
    frame = read_csv("registration", data).frame
    assert frame.drop(ROW).equals(whole)
    assert frame.get_column(ROW).to_list() == [2, 3, 4, 5, 6]
    assert frame.get_column("enterprise_name").to_list()[:2] == [
        "雪域,\r\n饮品",
        '说 "好" 的\n公司',
    ]


# ---------------------------------------------------------------- header mapping


def test_headers_with_full_width_and_spaces_map() -> None:
    header = (
        " 统一社会信用代码 ,所属期\u3000,增值税(元),企业所得税（元）,其他税费(元) ,\t税收合计（元）"
    )
    frame = read_csv("tax", csv_bytes(header, TAX_ROW)).frame
    assert frame.columns == [
        "uscc",
        "period",
        "vat_yuan",
        "corporate_income_tax_yuan",
        "other_taxes_yuan",
        "total_tax_yuan",
        ROW,
    ]


def test_header_order_does_not_matter() -> None:
    header = "所属期,统一社会信用代码,参保人数"
    frame = read_csv("employment", csv_bytes(header, "2018-03,91350100M000100Y43,5")).frame
    assert frame.row(0, named=True) == {
        "period": "2018-03",
        "uscc": "91350100M000100Y43",
        "insured_headcount": "5",
        ROW: 2,
    }


def test_missing_column() -> None:
    header = TAX_HEADER.removesuffix(",税收合计（元）")
    with pytest.raises(FileRejected) as e:
        read_csv("tax", csv_bytes(header, "91350100M000100Y43,2018-03,1,2,3"))
    assert "tax_201803.csv" in str(e.value)
    assert "missing" in str(e.value)
    assert "税收合计（元）" in str(e.value)


def test_extra_column() -> None:
    with pytest.raises(FileRejected) as e:
        read_csv("tax", csv_bytes(TAX_HEADER + ",备注", TAX_ROW + ",无"))
    assert "unexpected" in str(e.value)
    assert "备注" in str(e.value)


def test_renamed_column() -> None:
    header = TAX_HEADER.replace("增值税（元）", "增值税")
    with pytest.raises(FileRejected) as e:
        read_csv("tax", csv_bytes(header, TAX_ROW))
    message = str(e.value)
    assert "missing column(s) 增值税（元）" in message
    assert "unexpected column(s) 增值税" in message


def test_header_of_another_kind() -> None:
    with pytest.raises(FileRejected) as e:
        read_csv("employment", csv_bytes(TAX_HEADER, TAX_ROW), "employment_201803.csv")
    assert "参保人数" in str(e.value)
    assert "employment_201803.csv" in str(e.value)


def test_map_headers_directly() -> None:
    frame = pl.DataFrame({"统一社会信用代码": ["x"], "所属期": ["y"], "参保人数（人）": ["1"]})
    with pytest.raises(FileRejected) as e:
        map_headers(frame, SCHEMAS["employment"], "employment_201803.csv")
    # Headers are named after NFKC, as compared: （人） reads (人).
    assert "missing column(s) 参保人数;" in str(e.value)
    assert "unexpected column(s) 参保人数(人)" in str(e.value)


# ---------------------------------------------------------------- normalization


def test_normalize_full_width_trim_case_and_empty() -> None:
    data = csv_bytes(
        TAX_HEADER,
        " 91350100m000100y43 ,２０１８－０３,\u3000１０００．００\u3000,  ,-10,９９０",
        "ｍａ６ｔ,２０１８年３月,,,,",
    )
    frame = read_csv("tax", data).frame
    assert frame.row(0, named=True) == {
        "uscc": "91350100M000100Y43",
        "period": "2018-03",
        "vat_yuan": "1000.00",
        "corporate_income_tax_yuan": None,
        "other_taxes_yuan": "-10",
        "total_tax_yuan": "990",
        ROW: 2,
    }
    assert frame.row(1, named=True)["uscc"] == "MA6T"
    assert frame.row(1, named=True)["period"] == "2018年3月"
    assert frame.row(1, named=True)["vat_yuan"] is None


def test_normalized_row_validates() -> None:
    data = csv_bytes(
        TAX_HEADER, " 91350100m000100y43 ,２０１８－０３,１０００,２００.５０,10,1210.5"
    )
    frame = read_csv("tax", data).frame
    parsed = parse(frame, SCHEMAS["tax"]).with_columns(
        pl.lit(dt.date(2018, 3, 1)).alias("_file_period")
    )
    result = validate(parsed, SCHEMAS["tax"])
    assert result.rejects.height == 0, result.rejects.to_dicts()
    assert result.valid.get_column("uscc").to_list() == ["91350100M000100Y43"]


def test_only_code_columns_are_upper_cased() -> None:
    frame = pl.DataFrame(
        {
            "project_id": ["xm-001"],
            "project_name": ["abc项目"],
            "park": ["经开区"],
            "investor_uscc": ["91350100m000100y43"],
            "agreed_investment_100m": ["１.５"],
            "signed_on": ["2018-03-01"],
            "status": ["签约"],
            "category": [" "],
        }
    )
    row = normalize(frame, SCHEMAS["projects"], from_xlsx=False).row(0, named=True)
    assert row["project_id"] == "XM-001"
    assert row["investor_uscc"] == "91350100M000100Y43"
    assert row["project_name"] == "abc项目"
    assert row["agreed_investment_100m"] == "1.5"
    assert row["category"] is None


def test_nfkc_of_the_values_that_need_it_equals_nfkc_of_all() -> None:
    """Normalization skips the values that are their own NFKC form: every character alone, every
    canonical pair (composed again), Hangul jamo, combining marks out of order and mixed text
    come out as NFKC of every value."""
    singles = [chr(cp) for cp in range(0x110000) if not 0xD800 <= cp < 0xE000]
    pairs = []
    for cp in range(0x110000):
        parts = unicodedata.decomposition(chr(cp)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            pairs.append(chr(int(parts[0], 16)) + chr(int(parts[1], 16)))
    others = [
        "\u1100\u1161",  # Hangul L + V -> 가
        "\uac00\u11a8",  # Hangul LV + T -> 각
        "a\u0301\u0316",  # combining marks out of canonical order
        "拉萨ＡＢＣ有限公司\u3000",
        "柳梧新区（高新区）",
        "ｍａ６ｔ",
        "\u2460号楼",  # ① -> 1
        "\uf900",  # a CJK compatibility ideograph
    ]
    values = pl.Series("text", [*singles, *pairs, *others, None])
    frame = pl.DataFrame({"text": values, "ascii": ["abc"] * values.len()})
    assert read._nfkc(frame).equals(frame.with_columns(pl.col("text").str.normalize("NFKC")))


def test_the_stored_nfkc_class_is_the_one_computed_for_its_unicode_version(
    tmp_path, monkeypatch
) -> None:
    """The class read from nfkc_may_change.txt is the computed one; a file written for another
    Unicode version is not used."""
    computed = read.nfkc_may_change_class()
    version, pattern = read.NFKC_MAY_CHANGE_FILE.read_text(encoding="ascii").split("\n")[:2]
    assert version == unicodedata.unidata_version, "written for another Python: write it again"
    assert pattern == computed, (
        "pipelines/ingest/nfkc_may_change.txt is out of date; write it again: python -c "
        '"import unicodedata; from pipelines.ingest.read import *; NFKC_MAY_CHANGE_FILE.write_text('
        "unicodedata.unidata_version + '\\n' + nfkc_may_change_class() + '\\n')\""
    )
    other = tmp_path / "nfkc_may_change.txt"
    other.write_text("1.0.0\n[a-z]\n", encoding="ascii")
    monkeypatch.setattr(read, "NFKC_MAY_CHANGE_FILE", other)
    read._nfkc_may_change.cache_clear()
    try:
        assert read._nfkc_may_change() == computed
    finally:
        read._nfkc_may_change.cache_clear()


def test_csv_industry_code_keeps_text() -> None:
    # Zero-padding is for XLSX numbers only; a CSV "610" is a wrong code, not repaired.
    frame = pl.DataFrame({c: ["x"] for c in SCHEMAS["registration"].fields}).with_columns(
        industry_code=pl.lit("610")
    )
    assert normalize(frame, SCHEMAS["registration"], from_xlsx=False)["industry_code"][0] == "610"


@pytest.mark.parametrize(
    "alias", ["柳梧新区（高新区）", "柳梧新区(高新区)", " 柳梧新区（高新区） "]
)
def test_park_alias_full_and_half_width(alias: str) -> None:
    assert park_aliases()[normalize_text(alias)] == "LWXQ"


def test_park_alias_through_the_reader() -> None:
    row = "91350100M000100Y43,某公司,柳梧新区（高新区）,1512,存续,2015-06-18,500,是,否,否,"
    frame = read_csv("registration", csv_bytes(REG_HEADER, row)).frame
    park = frame.get_column("park")[0]
    assert park == "柳梧新区(高新区)"
    assert park_aliases()[park] == "LWXQ"


def test_aliases_cover_the_twelve_parks_and_zones() -> None:
    aliases = park_aliases()
    assert set(aliases.values()) == {
        "JKQ",
        "LWXQ",
        "CJL",
        "KGXQ",
        "DZ",
        "DL",
        "QS",
        "CG",
        "MZGK",
        "LZ",
        "DX",
        "NM",
    }


# ---------------------------------------------------------------- XLSX


def workbook(rows: list[list[object]], *, extra_sheet: str | None = None) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    date_format = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws = wb.add_worksheet("数据")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                ws.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_format)
            elif value is None:
                continue
            else:
                ws.write(r, c, value)
    if extra_sheet:
        wb.add_worksheet(extra_sheet).write(0, 0, "填表说明")
    wb.close()
    return buf.getvalue()


def test_xlsx_registration_numbers_and_dates() -> None:
    header = REG_HEADER.split(",")
    rows = [
        header,
        ["91350100M000100Y43", "某公司", "柳梧新区", 610, "存续", dt.date(2015, 6, 18), 500]
        + ["是", "否", "否", None],
        ["91110000100011743X", "另一公司", "经开区", "1512", "在业", "2016-01-02", 12.5]
        + ["否", "否", "否", "主板"],
        ["91440300708461136T", "第三公司", "堆龙工业园", 3011.0, "存续", 43160, 0]
        + ["否", "否", "否", None],
    ]
    data = workbook(rows, extra_sheet="说明")
    result = read_extract(data, "registration_201803.xlsx", "xlsx", SCHEMAS["registration"])
    frame = result.frame
    assert frame.get_column("industry_code").to_list() == ["0610", "1512", "3011"]
    assert frame.get_column("listing_board").to_list() == [None, "主板", None]
    assert len(result.notes) == 1
    assert "说明" in result.notes[0]
    assert "数据" in result.notes[0]
    parsed = parse(frame, SCHEMAS["registration"]).with_columns(
        pl.lit(dt.date(2018, 3, 1)).alias("_file_period")
    )
    assert parsed.get_column("established_on").to_list() == [
        dt.date(2015, 6, 18),
        dt.date(2016, 1, 2),
        dt.date(2018, 3, 1),
    ]
    validated = validate(parsed, SCHEMAS["registration"])
    assert validated.rejects.height == 0, validated.rejects.to_dicts()
    assert validated.valid.get_column("registered_capital_10k").to_list() == [
        500,
        12.5,
        0,
    ]


def test_xlsx_single_sheet_no_note() -> None:
    rows = [["统一社会信用代码", "所属期", "参保人数"], ["91350100M000100Y43", 201803, 12]]
    result = read_extract(workbook(rows), "employment_201803.xlsx", "xlsx", SCHEMAS["employment"])
    assert result.notes == []


def test_xlsx_period_and_headcount_numbers() -> None:
    rows = [
        ["统一社会信用代码", "所属期", "参保人数"],
        ["91350100M000100Y43", 201803, 12],
        ["91110000100011743X", "2018-03", 7.0],
        ["91440300708461136T", "2018年3月", 0],
    ]
    result = read_extract(workbook(rows), "employment_201803.xlsx", "xlsx", SCHEMAS["employment"])
    parsed = parse(result.frame, SCHEMAS["employment"]).with_columns(
        pl.lit(dt.date(2018, 3, 1)).alias("_file_period")
    )
    assert parsed.get_column("period").to_list() == [dt.date(2018, 3, 1)] * 3
    assert parsed.get_column("insured_headcount").to_list() == [12, 7, 0]
    assert validate(parsed, SCHEMAS["employment"]).rejects.height == 0


def test_xlsx_wrong_header_rejected() -> None:
    rows = [["统一社会信用代码", "所属期", "人数"], ["91350100M000100Y43", 201803, 12]]
    with pytest.raises(FileRejected, match="参保人数"):
        read_extract(workbook(rows), "employment_201803.xlsx", "xlsx", SCHEMAS["employment"])


def test_not_a_workbook() -> None:
    with pytest.raises(FileRejected, match=r"employment_201803\.xlsx"):
        read_extract(b"PK\x03\x04 broken", "employment_201803.xlsx", "xlsx", SCHEMAS["employment"])


# ---------------------------------------------------------------- file names and the landing folder


@pytest.mark.parametrize(
    ("name", "kind", "period", "revision", "ext"),
    [
        ("tax_201803.csv", "tax", dt.date(2018, 3, 1), 1, "csv"),
        ("tax_201803_v2.csv", "tax", dt.date(2018, 3, 1), 2, "csv"),
        ("registration_201803.xlsx", "registration", dt.date(2018, 3, 1), 1, "xlsx"),
        ("output_201812_v10.xlsx", "output", dt.date(2018, 12, 1), 10, "xlsx"),
        ("carriers_202001.csv", "carriers", dt.date(2020, 1, 1), 1, "csv"),
    ],
)
def test_parse_name_valid(name: str, kind: str, period: dt.date, revision: int, ext: str) -> None:
    f = parse_name(Path("landing") / name)
    assert f is not None
    assert (f.kind, f.period, f.revision, f.ext) == (kind, period, revision, ext)
    assert f.path == Path("landing") / name
    assert f.month_key == period.strftime("%Y-%m")


@pytest.mark.parametrize(
    "name",
    [
        "tax_2018-03.csv",
        "tax_201813.csv",
        "tax_201800.csv",
        "foo_201803.csv",
        "tax_201803.txt",
        "tax_201803.xls",
        "tax_201803_v.csv",
        "tax_201803_2.csv",
        "Tax_201803.csv",
        "tax_201803.csv.bak",
        "tax_1803.csv",
        "tax201803.csv",
    ],
)
def test_parse_name_invalid(name: str) -> None:
    assert parse_name(Path(name)) is None


def test_scan_latest_highest_revision(tmp_path: Path) -> None:
    for name in (
        "tax_201803.csv",
        "tax_201803_v3.csv",
        "tax_201803_v2.csv",
        "tax_201804.csv",
        "employment_201803.xlsx",
        "notes.txt",
    ):
        (tmp_path / name).write_bytes(b"x")
    result = scan(tmp_path)
    march = dt.date(2018, 3, 1)
    latest = result.latest("tax", march)
    assert latest is not None and latest.path.name == "tax_201803_v3.csv"
    assert latest.revision == 3
    assert [[f.path.name for f in r] for r in result.revisions("tax", march)] == [
        ["tax_201803_v3.csv"],
        ["tax_201803_v2.csv"],
        ["tax_201803.csv"],
    ]
    assert result.latest("tax", dt.date(2018, 4, 1)).path.name == "tax_201804.csv"
    assert result.latest("tax", dt.date(2018, 5, 1)) is None
    assert result.latest("employment", march).ext == "xlsx"
    assert [p.name for p in result.not_extracts] == ["notes.txt"]
    assert result.months("tax") == ["2018-03", "2018-04"]


def test_v10_beats_v9(tmp_path: Path) -> None:
    for name in ("tax_201803_v9.csv", "tax_201803_v10.csv"):
        (tmp_path / name).write_bytes(b"x")
    assert scan(tmp_path).latest("tax", dt.date(2018, 3, 1)).revision == 10


def test_same_revision_as_csv_and_xlsx_is_ambiguous(tmp_path: Path) -> None:
    for name in ("tax_201803.csv", "tax_201803.xlsx"):
        (tmp_path / name).write_bytes(b"x")
    with pytest.raises(AmbiguousRevision, match="tax_201803.csv, tax_201803.xlsx"):
        scan(tmp_path).latest("tax", dt.date(2018, 3, 1))


def test_symlinks_and_hidden_files_ignored(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    outside = tmp_path / "secret.csv"
    outside.write_bytes(b"x")
    (landing / "tax_201803.csv").write_bytes(b"x")
    (landing / "tax_201803_v5.csv").symlink_to(outside)  # would win if followed
    (landing / "employment_201803.csv").symlink_to(landing / "tax_201803.csv")
    (landing / ".tax_201803_v6.csv").write_bytes(b"x")
    (landing / "output_201803.csv").mkdir()  # a folder named like an extract
    result = scan(landing)
    assert [f.path.name for f in result.extracts] == ["tax_201803.csv"]
    assert result.not_extracts == []
    assert result.latest("tax", dt.date(2018, 3, 1)).revision == 1
    assert result.latest("employment", dt.date(2018, 3, 1)) is None
