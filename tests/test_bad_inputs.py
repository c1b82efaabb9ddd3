"""Issue 4 §4 — bad input, catalogued.

One test per kind of bad input the bureau can send. Each asserts what the user sees: the exact
message of a rejected file (in the outcome and in `meta.loads.message`), or the rule id, column
and value of a row set aside (`meta.rejects`); and that the rest still loads: a good
`employment_201803.csv` beside a bad file, or the good rows of a file with bad rows.

The last test loads a ~200 MB file, and one a quarter of its size, each in a fresh subprocess, and
measures their peak memory; it is slow (deselect it with `-k "not slow"`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from pipelines.ingest import read, survey
from pipelines.ingest.landing import scan
from pipelines.ingest.load import LoadOutcome, load_month, record_not_extract
from schemas import common
from schemas.headers import HEADERS
from schemas.uscc import ORG_WEIGHTS, USCC_CHARSET, USCC_WEIGHTS, complete_uscc

ROOT = Path(__file__).resolve().parents[1]
MARCH = dt.date(2018, 3, 1)


def uscc(n: int) -> str:
    """A valid USCC of an enterprise in Lhasa (region 540100), numbered n."""
    return complete_uscc(f"91540100{n:08d}")


A, B, C, D = (uscc(n) for n in range(1, 5))


def header(kind: str) -> str:
    return ",".join(HEADERS[kind])


def expected_header(kind: str) -> str:
    return ", ".join(HEADERS[kind])


def write(folder: Path, name: str, lines: list[str], newline: str = "\n") -> Path:
    path = folder / name
    path.write_bytes((newline.join(lines) + newline).encode("utf-8"))
    return path


def reg_row(code: str, name: str = "拉萨某某有限公司", park: str = "经开区", **cells: str) -> str:
    row = {
        "industry_code": "2740",
        "status": "存续",
        "established_on": "2015-01-01",
        "registered_capital_10k": "100",
        "flags": "否,否,否",
        "listing_board": "",
        **cells,
    }
    return ",".join([code, name, park, *row.values()])


GOOD_EMPLOYMENT = [header("employment"), f"{A},2018-03,10", f"{B},2018-03,20", f"{C},2018-03,0"]
GOOD_TAX_ROWS = [f"{A},2018-03,1,1,0,2", f"{B},2018-03,5,5,5,15"]


def load(env, kind: str, period: dt.date = MARCH) -> LoadOutcome:
    landing, archive, con = env
    return load_month(con, scan(landing), kind, period, archive)


def with_good_employment(env) -> None:
    landing, _, _ = env
    write(landing, "employment_201803.csv", GOOD_EMPLOYMENT)


def assert_good_employment_loads(env) -> None:
    """The good file beside the bad one loads in full."""
    con = env[2]
    outcome = load(env, "employment")
    assert (outcome.status, outcome.rows_loaded, outcome.rows_rejected) == ("loaded", 3, 0)
    assert con.execute(
        "select uscc, insured_headcount from raw.employment order by uscc"
    ).fetchall() == [
        (A, 10),
        (B, 20),
        (C, 0),
    ]


def assert_file_rejected(env, path: Path, kind: str, message: str) -> None:
    """The whole file is rejected with exactly `message`, nothing of it loads, it is archived."""
    _, archive, con = env
    outcome = load(env, kind)
    assert outcome.status == "file_rejected"
    assert outcome.message == message
    assert outcome.summary() == f"REJECTED {message}"
    assert con.execute(f"select count(*) from raw.{kind}").fetchall() == [(0,)]
    assert con.execute("select count(*) from meta.rejects where kind = ?", [kind]).fetchall() == [
        (0,)
    ]
    assert con.execute(
        "select file_name, status, message, loaded_at from meta.loads where kind = ?", [kind]
    ).fetchall() == [(path.name, "file_rejected", message, None)]
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert (archive / sha[:2] / f"{sha}{path.suffix}").read_bytes() == path.read_bytes()


def rejects(con, kind: str) -> list[tuple]:
    return con.execute(
        "select file_name, row_number, column_name, rule_id, value from meta.rejects "
        "where kind = ? order by row_number, rule_id",
        [kind],
    ).fetchall()


def workbook(sheets: dict[str, list[list[object]]]) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    ws.write(r, c, value)
    wb.close()
    return buf.getvalue()


# ---------------------------------------------------------------- whole files rejected


def test_empty_file(env):
    landing = env[0]
    bad = landing / "tax_201803.csv"
    bad.write_bytes(b"")
    with_good_employment(env)
    assert_file_rejected(
        env,
        bad,
        "tax",
        "tax_201803.csv: the file is empty (0 bytes); ask the sender for the extract",
    )
    assert_good_employment_loads(env)


def test_header_only(env):
    landing = env[0]
    bad = write(landing, "tax_201803.csv", [header("tax")])
    with_good_employment(env)
    assert_file_rejected(
        env,
        bad,
        "tax",
        "tax_201803.csv: header only, no data rows; a month is never empty — ask the sender to "
        "re-issue it (as a revision _v2 if a version was already loaded)",
    )
    assert_good_employment_loads(env)


def test_missing_column(env):
    landing = env[0]
    bad = write(
        landing,
        "tax_201803.csv",
        [
            "统一社会信用代码,所属期,增值税（元）,企业所得税（元）,税收合计（元）",
            f"{A},2018-03,1,1,2",
        ],
    )
    with_good_employment(env)
    assert_file_rejected(
        env,
        bad,
        "tax",
        "tax_201803.csv: wrong header: missing column(s) 其他税费（元）. The tax extract must "
        f"have exactly these columns: {expected_header('tax')}",
    )
    assert_good_employment_loads(env)


def test_extra_column(env):
    landing = env[0]
    bad = write(
        landing,
        "tax_201803.csv",
        [header("tax") + ",备注", *(row + ",无" for row in GOOD_TAX_ROWS)],
    )
    with_good_employment(env)
    assert_file_rejected(
        env,
        bad,
        "tax",
        "tax_201803.csv: wrong header: unexpected column(s) 备注. The tax extract must have "
        f"exactly these columns: {expected_header('tax')}",
    )
    assert_good_employment_loads(env)


def test_renamed_column(env):
    landing = env[0]
    bad = write(
        landing,
        "tax_201803.csv",
        [header("tax").replace("税收合计（元）", "合计"), *GOOD_TAX_ROWS],
    )
    with_good_employment(env)
    assert_file_rejected(
        env,
        bad,
        "tax",
        "tax_201803.csv: wrong header: missing column(s) 税收合计（元）; unexpected column(s) "
        f"合计. The tax extract must have exactly these columns: {expected_header('tax')}",
    )
    assert_good_employment_loads(env)


def test_wrong_month_inside_the_file(env):
    landing = env[0]
    bad = write(
        landing,
        "tax_201803.csv",
        [header("tax"), f"{A},2018-04,1,1,0,2", f"{B},2018-04,5,5,5,15", f"{C},2018-03,1,0,0,1"],
    )
    with_good_employment(env)
    assert_file_rejected(
        env,
        bad,
        "tax",
        "tax_201803.csv: wrong month: the file name says 2018-03 but its 所属期 is mostly "
        "2018-04; rename the file to the month it holds or ask for the right extract",
    )
    assert_good_employment_loads(env)


def test_undecodable_bytes(env):
    landing = env[0]
    head = (header("tax") + "\n" + f"{A},2018-03,1,1,0,2\n{B},2018-03,").encode("utf-8")
    bad = landing / "tax_201803.csv"
    bad.write_bytes(head + b"\xff5,5,5,15\n")
    with_good_employment(env)
    assert_file_rejected(
        env,
        bad,
        "tax",
        f"tax_201803.csv: byte {len(head)} (0xFF, line 3) cannot be decoded as UTF-8 nor as "
        "GB18030; it is 'ÿ' in Windows-1252 (a Western code page: text pasted from another "
        "program or a non-Chinese Windows); save it from Excel or WPS as 'CSV UTF-8 (comma "
        "delimited)' and send that file",
    )
    assert_good_employment_loads(env)


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("tax_2018-03.csv", "the month '2018-03' is not written YYYYMM (six digits, e.g. 201803)"),
        ("TAX_201803.CSV", "names are written in lower case: rename it tax_201803.csv"),
        ("tax_201813.csv", "month 13 does not exist"),
        (
            "parcels_201803.csv",
            "kind 'parcels' unknown; the kinds are registration, tax, employment, output, "
            "projects, carriers, land, indicators",
        ),
        ("税收2018年3月.csv", "the name does not follow the pattern"),
    ],
)
def test_file_name_not_matching_the_pattern(env, name, why):
    landing, archive, con = env
    bad = write(landing, name, [header("tax"), *GOOD_TAX_ROWS])
    with_good_employment(env)
    landing_scan = scan(landing)
    assert landing_scan.not_extracts == [bad]
    # As the pipeline does once per run; a second time changes nothing.
    messages = [record_not_extract(con, p, archive) for p in landing_scan.not_extracts * 2]
    message = (
        f"{name}: not an extract: {why}; file names look like <kind>_<YYYYMM>[_v<N>].csv|xlsx "
        "(a yearly kind: <kind>_<YYYY>[_v<N>].csv|xlsx) with kind one of registration, tax, "
        "employment, output, projects, carriers, land, indicators; "
        "rename it or remove it from the landing folder"
    )
    assert messages == [message, message]
    sha = hashlib.sha256(bad.read_bytes()).hexdigest()
    assert con.execute(
        "select file_name, kind, period, sha256, size_bytes, status, message, loaded_at "
        "from meta.loads"
    ).fetchall() == [(name, None, None, sha, bad.stat().st_size, "not_an_extract", message, None)]
    assert (archive / sha[:2] / f"{sha}{bad.suffix}").read_bytes() == bad.read_bytes()
    # Nothing of it is loaded: the tax month has no file.
    assert load(env, "tax").status == "no_file"
    assert con.execute("select count(*) from raw.tax").fetchall() == [(0,)]
    assert_good_employment_loads(env)


# ---------------------------------------------------------------- XLSX


def test_xlsx_with_several_sheets_loads_the_first(env):
    landing, _, con = env
    tax = [list(HEADERS["tax"]), [A, "2018-03", 1, 1, 0, 2], [B, "2018-03", 5, 5, 5, 15]]
    (landing / "tax_201803.xlsx").write_bytes(
        workbook(
            {
                "税收": tax,
                "说明": [["填表说明"]],
                "汇总": [list(HEADERS["tax"]), [C, "2018-03", 1, 0, 0, 1]],
            }
        )
    )
    with_good_employment(env)
    outcome = load(env, "tax")
    note = "read the first sheet '税收' only; ignored: 说明, 汇总"
    assert (outcome.status, outcome.rows_loaded, outcome.rows_rejected) == ("loaded", 2, 0)
    assert outcome.notes == [note]
    assert con.execute("select status, message, encoding from meta.loads").fetchall() == [
        ("loaded", note, "xlsx")
    ]
    assert con.execute(
        "select uscc, total_tax_yuan::double from raw.tax order by uscc"
    ).fetchall() == [
        (A, 2.0),
        (B, 15.0),
    ]
    assert_good_employment_loads(env)


def test_xlsx_codes_typed_as_numbers_and_dates_as_serials(env):
    landing, _, con = env
    reg = list(HEADERS["registration"])
    (landing / "registration_201803.xlsx").write_bytes(
        workbook(
            {
                "Sheet1": [
                    reg,
                    [
                        A,
                        "某煤业有限公司",
                        "达孜工业园",
                        610,
                        "存续",
                        43160,
                        100,
                        "否",
                        "否",
                        "否",
                        None,
                    ],
                    [
                        B,
                        "某饮品有限公司",
                        "经开区",
                        1512,
                        "在业",
                        42370,
                        50.5,
                        "是",
                        "否",
                        "否",
                        "新三板",
                    ],
                ]
            }
        )
    )
    (landing / "tax_201803.xlsx").write_bytes(
        workbook(
            {
                "Sheet1": [
                    list(HEADERS["tax"]),
                    [A, 201803, 1.5, 1, 0, 2.5],
                    [B, 201803.0, 5, 5, 5, 15],
                ]
            }
        )
    )
    with_good_employment(env)
    reg_outcome = load(env, "registration")
    tax_outcome = load(env, "tax")
    assert (reg_outcome.status, reg_outcome.rows_loaded, reg_outcome.notes) == ("loaded", 2, [])
    assert (tax_outcome.status, tax_outcome.rows_loaded) == ("loaded", 2)
    assert con.execute("select count(*) from meta.rejects").fetchall() == [(0,)]
    assert con.execute(
        "select uscc, industry_code, established_on, registered_capital_10k::double "
        "from raw.registration order by uscc"
    ).fetchall() == [
        (A, "0610", dt.date(2018, 3, 1), 100.0),
        (B, "1512", dt.date(2016, 1, 1), 50.5),
    ]
    assert con.execute(
        "select uscc, period, vat_yuan::double, total_tax_yuan::double from raw.tax order by uscc"
    ).fetchall() == [(A, MARCH, 1.5, 2.5), (B, MARCH, 5.0, 15.0)]
    assert_good_employment_loads(env)


# ---------------------------------------------------------------- USCC


def test_ten_digit_uscc(env):
    landing, _, con = env
    write(
        landing,
        "employment_201803.csv",
        [*GOOD_EMPLOYMENT, "9154010012,2018-03,7"],
    )
    outcome = load(env, "employment")
    assert (outcome.rows_read, outcome.rows_loaded, outcome.rows_rejected) == (4, 3, 1)
    assert outcome.rule_failures == {"EMP-USCC-LENGTH": 1}
    assert rejects(con, "employment") == [
        ("employment_201803.csv", 5, "统一社会信用代码", "EMP-USCC-LENGTH", "9154010012")
    ]
    assert con.execute("select count(*) from raw.employment").fetchall() == [(3,)]


def test_uscc_with_a_wrong_check_character(env):
    landing, _, con = env
    wrong = D[:-1] + ("0" if D[-1] != "0" else "1")
    write(landing, "employment_201803.csv", [*GOOD_EMPLOYMENT, f"{wrong},2018-03,7"])
    outcome = load(env, "employment")
    assert (outcome.rows_loaded, outcome.rows_rejected) == (3, 1)
    assert rejects(con, "employment") == [
        ("employment_201803.csv", 5, "统一社会信用代码", "EMP-USCC-CHECK", wrong)
    ]
    assert con.execute("select uscc from raw.employment order by uscc").fetchall() == [
        (A,),
        (B,),
        (C,),
    ]


def test_lowercase_and_full_width_uscc_are_normalized_and_valid(env):
    landing, _, con = env
    lower = complete_uscc("91540100MA6T0001")  # has letters, so lower case is a real difference
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in D.lower())  # ９１５４… ａ-ｚ
    write(
        landing,
        "employment_201803.csv",
        [*GOOD_EMPLOYMENT, f"{lower.lower()},2018-03,7", f" {full_width} ,２０１８-０３,８"],
    )
    outcome = load(env, "employment")
    assert (outcome.rows_loaded, outcome.rows_rejected) == (5, 0)
    assert con.execute(
        "select uscc, insured_headcount from raw.employment where _source_row >= 5 order by _source_row"
    ).fetchall() == [(lower, 7), (D, 8)]


def test_conflicting_duplicate_rows_are_both_set_aside(env):
    landing, _, con = env
    write(
        landing,
        "employment_201803.csv",
        [*GOOD_EMPLOYMENT, f"{D},2018-03,7", f"{D},2018-03,70"],
    )
    outcome = load(env, "employment")
    assert (outcome.rows_loaded, outcome.rows_rejected) == (3, 2)
    assert rejects(con, "employment") == [
        ("employment_201803.csv", 5, "统一社会信用代码", "EMP-UNIQUE-USCC", D),
        ("employment_201803.csv", 6, "统一社会信用代码", "EMP-UNIQUE-USCC", D),
    ]
    assert con.execute("select count(*) from raw.employment where uscc = ?", [D]).fetchall() == [
        (0,)
    ]
    assert con.execute("select count(*) from raw.employment").fetchall() == [(3,)]


def test_exact_duplicate_rows_load_once(env):
    landing, _, con = env
    write(
        landing,
        "employment_201803.csv",
        [*GOOD_EMPLOYMENT, f"{D},2018-03,7", f"{D},2018-03,7"],
    )
    outcome = load(env, "employment")
    assert (outcome.rows_loaded, outcome.rows_rejected) == (4, 1)
    assert rejects(con, "employment") == [
        ("employment_201803.csv", 6, None, "EMP-DUPLICATE-ROW", None)
    ]
    assert con.execute(
        "select uscc, insured_headcount, _source_row from raw.employment where uscc = ?", [D]
    ).fetchall() == [(D, 7, 5)]


# ---------------------------------------------------------------- other row rules


def test_negative_headcount(env):
    landing, _, con = env
    write(landing, "employment_201803.csv", [*GOOD_EMPLOYMENT, f"{D},2018-03,-3"])
    outcome = load(env, "employment")
    assert (outcome.rows_loaded, outcome.rows_rejected) == (3, 1)
    assert rejects(con, "employment") == [
        ("employment_201803.csv", 5, "参保人数", "EMP-RANGE-INSURED_HEADCOUNT", "-3")
    ]
    assert con.execute("select count(*) from raw.employment").fetchall() == [(3,)]


def test_tax_total_that_does_not_add_up(env):
    landing, _, con = env
    write(landing, "tax_201803.csv", [header("tax"), *GOOD_TAX_ROWS, f"{C},2018-03,5,5,5,99"])
    with_good_employment(env)
    outcome = load(env, "tax")
    assert (outcome.rows_loaded, outcome.rows_rejected) == (2, 1)
    assert rejects(con, "tax") == [("tax_201803.csv", 4, "税收合计（元）", "TAX-TOTAL-SUM", "99")]
    assert con.execute("select uscc from raw.tax order by uscc").fetchall() == [(A,), (B,)]
    assert_good_employment_loads(env)


def test_broken_year_to_date_chain(env):
    landing, _, con = env
    out = header("output")
    write(
        landing,
        "output_201801.csv",
        [out, f"{A},2018-01,10,10,3,20,20", f"{B},2018-01,,,,5,5", f"{C},2018-01,,,,1,1"],
    )
    write(
        landing,
        "output_201802.csv",
        [
            out,
            f"{A},2018-02,10,25,3,20,40",  # gross output: 10 + 10 is 20, not 25
            f"{B},2018-02,,,,5,12",  # revenue: 5 + 5 is 10, not 12
            f"{C},2018-02,,,,1,2",  # consecutive and right
            f"{D},2018-02,,,,7,7",  # first report of the year: this month alone
        ],
    )
    january = load(env, "output", dt.date(2018, 1, 1))
    february = load(env, "output", dt.date(2018, 2, 1))
    assert (january.rows_loaded, january.rows_rejected) == (3, 0)
    assert (february.rows_loaded, february.rows_rejected) == (2, 2)
    assert rejects(con, "output") == [
        (
            "output_201802.csv",
            2,
            "工业总产值_本年累计（万元）",
            "OUT-YTD-CHAIN-GROSS_OUTPUT_YTD_10K",
            "25",
        ),
        (
            "output_201802.csv",
            3,
            "营业收入_本年累计（万元）",
            "OUT-YTD-CHAIN-REVENUE_YTD_10K",
            "12",
        ),
    ]
    assert con.execute(
        "select uscc, revenue_ytd_10k::double from raw.output where period = '2018-02-01' "
        "order by uscc"
    ).fetchall() == [(C, 2.0), (D, 7.0)]


def test_unknown_park(env):
    landing, _, con = env
    write(
        landing,
        "registration_201803.csv",
        [header("registration"), reg_row(A), reg_row(B, park="拉萨新区")],
    )
    outcome = load(env, "registration")
    assert (outcome.rows_loaded, outcome.rows_rejected) == (1, 1)
    assert rejects(con, "registration") == [
        ("registration_201803.csv", 3, "所属园区", "REG-PARK-KNOWN", "拉萨新区")
    ]
    assert con.execute("select uscc, park_code from raw.registration").fetchall() == [(A, "JKQ")]


def test_date_in_the_future(env):
    landing, _, con = env
    write(
        landing,
        "registration_201803.csv",
        [
            header("registration"),
            reg_row(A, established_on="2018-03-31"),  # last day of the month: fine
            reg_row(B, established_on="2018-04-01"),
        ],
    )
    outcome = load(env, "registration")
    assert (outcome.rows_loaded, outcome.rows_rejected) == (1, 1)
    assert rejects(con, "registration") == [
        (
            "registration_201803.csv",
            3,
            "成立日期",
            "REG-NOT-FUTURE-ESTABLISHED_ON",
            "2018-04-01",
        )
    ]
    assert con.execute("select uscc, established_on from raw.registration").fetchall() == [
        (A, dt.date(2018, 3, 31))
    ]


def test_crlf_and_a_quoted_comma_in_a_name(env):
    landing, _, con = env
    write(
        landing,
        "registration_201803.csv",
        [
            header("registration"),
            reg_row(A, name='"西藏雪域藏药,有限公司"'),
            reg_row(B, name='"拉萨""高原""饮品有限公司"'),
        ],
        newline="\r\n",
    )
    outcome = load(env, "registration")
    assert (outcome.rows_loaded, outcome.rows_rejected) == (2, 0)
    assert con.execute(
        "select uscc, enterprise_name, listing_board from raw.registration order by uscc"
    ).fetchall() == [(A, "西藏雪域藏药,有限公司", None), (B, '拉萨"高原"饮品有限公司', None)]


# ---------------------------------------------------------------- a file read in batches
# A file is read, validated and staged `schemas.common.CHUNK_ROWS` rows at a time; these
# tests make a batch 3 rows, so that tiny files have batch boundaries (rows 2-4, 5-7, 8-10, ...).


@pytest.fixture
def tiny_batches(monkeypatch):
    monkeypatch.setattr(common, "CHUNK_ROWS", 3)


def full_width(text: str) -> str:
    """ASCII letters and digits as their full-width forms, lower case: NFKC and upper-casing
    make them the plain code again."""
    return "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in text.lower())


E, F, G, H = (uscc(n) for n in range(5, 9))
ACROSS_BATCHES = [
    [A, "2018-03", "10"],  # row 2, batch 1
    [B, "2018-03", "20"],  # row 3
    [D, "2018-03", "7"],  # row 4: its key comes back with other content in row 10
    [C, "2018-03", "0"],  # row 5, batch 2
    [E, "2018-03", "-1"],  # row 6: negative headcount
    [F, "2018-03", "5"],  # row 7
    [B, "2018-03", "20"],  # row 8, batch 3: exact duplicate of row 3
    [G, "2018-03", "9"],  # row 9
    [D, "2018-03", "70"],  # row 10: same key as row 4, other content
    [f" {full_width(B)} ", "２０１８-０３", "２０"],  # row 11, batch 4: row 3 once normalized
    [H, "2018-03", "1"],  # row 12
]


@pytest.mark.parametrize("ext", ["csv", "xlsx"])
def test_duplicates_across_batch_boundaries(env, tiny_batches, ext):
    landing, _, con = env
    rows = [list(HEADERS["employment"]), *ACROSS_BATCHES]
    if ext == "csv":
        write(landing, "employment_201803.csv", [",".join(r) for r in rows])
    else:
        (landing / "employment_201803.xlsx").write_bytes(workbook({"Sheet1": rows}))
    outcome = load(env, "employment")
    assert (outcome.status, outcome.rows_read, outcome.rows_loaded, outcome.rows_rejected) == (
        "loaded",
        11,
        6,
        5,
    )
    assert outcome.rule_failures == {
        "EMP-UNIQUE-USCC": 2,
        "EMP-DUPLICATE-ROW": 2,
        "EMP-RANGE-INSURED_HEADCOUNT": 1,
    }
    name = f"employment_201803.{ext}"
    assert rejects(con, "employment") == [
        (name, 4, "统一社会信用代码", "EMP-UNIQUE-USCC", D),
        (name, 6, "参保人数", "EMP-RANGE-INSURED_HEADCOUNT", "-1"),
        (name, 8, None, "EMP-DUPLICATE-ROW", None),
        (name, 10, "统一社会信用代码", "EMP-UNIQUE-USCC", D),
        (name, 11, None, "EMP-DUPLICATE-ROW", None),
    ]
    # The first of the exact duplicates loads, with its own row number.
    assert con.execute(
        "select _source_row, uscc, insured_headcount from raw.employment order by _source_row"
    ).fetchall() == [(2, A, 10), (3, B, 20), (5, C, 0), (7, F, 5), (9, G, 9), (12, H, 1)]
    assert con.execute(
        "select distinct items from meta.rule_results where kind = 'employment'"
    ).fetchall() == [(11,)]


def test_hash_collisions_never_set_a_row_aside(env, tiny_batches, monkeypatch):
    """Rows whose key hashes collide are compared on their content: with a hash that collides
    all the time, the same rows load and the same are set aside."""
    monkeypatch.setattr(survey, "_key_hash", lambda schema: pl.struct(schema.key).hash() % 2)
    landing, _, con = env
    write(
        landing,
        "employment_201803.csv",
        [header("employment"), *(",".join(r) for r in ACROSS_BATCHES)],
    )
    outcome = load(env, "employment")
    assert (outcome.rows_loaded, outcome.rows_rejected) == (6, 5)
    assert [r[1:4] for r in rejects(con, "employment")] == [
        (4, "统一社会信用代码", "EMP-UNIQUE-USCC"),
        (6, "参保人数", "EMP-RANGE-INSURED_HEADCOUNT"),
        (8, None, "EMP-DUPLICATE-ROW"),
        (10, "统一社会信用代码", "EMP-UNIQUE-USCC"),
        (11, None, "EMP-DUPLICATE-ROW"),
    ]
    assert con.execute("select _source_row from raw.employment order by 1").fetchall() == [
        (2,),
        (3,),
        (5,),
        (7,),
        (9,),
        (12,),
    ]


def rule_results(con, kind: str) -> dict[str, tuple[int, int, int]]:
    """Rule id -> (items, fails, missing) of the rules with a failure."""
    rows = con.execute(
        "select rule_id, items, fails, missing from meta.rule_results where kind = ? and fails > 0",
        [kind],
    ).fetchall()
    return {rule: (items, fails, missing) for rule, items, fails, missing in rows}


def test_duplicates_known_only_after_the_last_batch_never_load(env, tiny_batches):
    """The rules' pass takes every row as unique (the file's duplicates are known only once it
    has been read): rows of the first batch that turn out to be repeated in the last batch are
    taken out of the rows already staged, and the counts follow."""
    landing, _, con = env
    lines = [
        f"{A},2018-03,10",  # row 2, batch 1: copied exactly in row 11
        f"{B},2018-03,20",  # row 3: its key comes back with other content in row 12
        *(f"{uscc(n)},2018-03,{n}" for n in range(5, 12)),  # rows 4-10, batches 1-3
        f"{A},2018-03,10",  # row 11, batch 4
        f"{B},2018-03,21",  # row 12
    ]
    write(landing, "employment_201803.csv", [header("employment"), *lines])
    outcome = load(env, "employment")
    assert (outcome.rows_read, outcome.rows_loaded, outcome.rows_rejected) == (11, 8, 3)
    assert outcome.rule_failures == {"EMP-DUPLICATE-ROW": 1, "EMP-UNIQUE-USCC": 2}
    name = "employment_201803.csv"
    assert rejects(con, "employment") == [
        (name, 3, "统一社会信用代码", "EMP-UNIQUE-USCC", B),
        (name, 11, None, "EMP-DUPLICATE-ROW", None),
        (name, 12, "统一社会信用代码", "EMP-UNIQUE-USCC", B),
    ]
    assert con.execute("select _source_row from raw.employment order by 1").fetchall() == [
        (row,) for row in [2, *range(4, 11)]
    ]
    assert rule_results(con, "employment") == {
        "EMP-DUPLICATE-ROW": (11, 1, 0),
        "EMP-UNIQUE-USCC": (11, 2, 0),
    }


def test_a_duplicate_that_breaks_another_rule_is_one_row_set_aside(env, tiny_batches):
    """A row that breaks another rule and repeats a key has the reject lines of both rules, and
    counts once in the rows set aside."""
    landing, _, con = env
    lines = [
        f"{A},2018-03,-1",  # row 2: negative headcount, copied exactly in row 8
        f"{B},2018-03,-2",  # row 3: negative, and its key comes back with other content in row 9
        f"{C},2018-03,3",  # row 4
        f"{D},2018-03,4",  # row 5
        f"{uscc(5)},2018-03,5",  # row 6
        f"{uscc(6)},2018-03,6",  # row 7
        f"{A},2018-03,-1",  # row 8: negative and an exact duplicate
        f"{B},2018-03,9",  # row 9
    ]
    write(landing, "employment_201803.csv", [header("employment"), *lines])
    outcome = load(env, "employment")
    assert (outcome.rows_read, outcome.rows_loaded, outcome.rows_rejected) == (8, 4, 4)
    assert outcome.rule_failures == {
        "EMP-RANGE-INSURED_HEADCOUNT": 3,
        "EMP-DUPLICATE-ROW": 1,
        "EMP-UNIQUE-USCC": 2,
    }
    name = "employment_201803.csv"
    assert rejects(con, "employment") == [
        (name, 2, "参保人数", "EMP-RANGE-INSURED_HEADCOUNT", "-1"),
        (name, 3, "参保人数", "EMP-RANGE-INSURED_HEADCOUNT", "-2"),
        (name, 3, "统一社会信用代码", "EMP-UNIQUE-USCC", B),
        (name, 8, None, "EMP-DUPLICATE-ROW", None),
        (name, 8, "参保人数", "EMP-RANGE-INSURED_HEADCOUNT", "-1"),
        (name, 9, "统一社会信用代码", "EMP-UNIQUE-USCC", B),
    ]
    assert con.execute("select _source_row from raw.employment order by 1").fetchall() == [
        (4,),
        (5,),
        (6,),
        (7,),
    ]
    assert con.execute(
        "select rows_read, rows_loaded, rows_rejected from meta.loads where kind = 'employment'"
    ).fetchall() == [(8, 4, 4)]


def test_wrong_month_counted_over_every_batch(env, tiny_batches):
    """Batch 1 is all of the file's month, the rest of the file another month: rejected."""
    landing = env[0]
    march = [f"{uscc(n)},2018-03,1,1,0,2" for n in range(1, 4)]
    april = [f"{uscc(n)},2018-04,1,1,0,2" for n in range(4, 8)]
    bad = write(landing, "tax_201803.csv", [header("tax"), *march, *april])
    assert_file_rejected(
        env,
        bad,
        "tax",
        "tax_201803.csv: wrong month: the file name says 2018-03 but its 所属期 is mostly "
        "2018-04; rename the file to the month it holds or ask for the right extract",
    )


def test_quoted_newline_and_comma_across_batches(env, tiny_batches, monkeypatch):
    """Quoted names holding a line break and a comma, CRLF lines, polars reading the file in
    64-byte pieces: the names load whole, row numbers count records (header = 1)."""
    monkeypatch.setenv("POLARS_CSV_CHUNK_SIZE", "64")
    landing, _, con = env
    names = {
        2: "西藏雪域藏药有限公司",
        3: "拉萨高原\n饮品,有限公司",
        4: "拉萨净土\r\n农业有限公司",
        5: '达孜"好"运,\n物流有限公司',
        6: "堆龙工业有限公司",
        7: "曲水,\n\n聂当建材有限公司",
    }
    quoted = {row: '"' + name.replace('"', '""') + '"' for row, name in names.items()}
    lines = [header("registration")]
    lines += [reg_row(uscc(row), name=quoted[row]) for row in names]
    lines += [reg_row(uscc(8), name='"尼木,\n县某公司"', park="拉萨新区")]  # row 8: unknown park
    write(landing, "registration_201803.csv", lines, newline="\r\n")
    outcome = load(env, "registration")
    assert (outcome.rows_read, outcome.rows_loaded, outcome.rows_rejected) == (7, 6, 1)
    assert con.execute(
        "select _source_row, uscc, enterprise_name, listing_board from raw.registration "
        "order by _source_row"
    ).fetchall() == [(row, uscc(row), name, None) for row, name in names.items()]
    assert rejects(con, "registration") == [
        ("registration_201803.csv", 8, "所属园区", "REG-PARK-KNOWN", "拉萨新区")
    ]


def test_gb18030_file_bigger_than_a_chunk(env, tmp_path, monkeypatch):
    """A GB18030 file of 1.3 MB (over CHUNK_BYTES, four-byte characters included) is decoded
    and transcoded chunk by chunk; its temporary UTF-8 copy is deleted after the load."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    landing, archive, con = env
    n = 12_000
    names = {row: f"拉萨第{row}号𠀀䶮科技有限公司" for row in range(2, n + 2)}
    path = landing / "registration_201803.csv"
    lines = [header("registration")] + [reg_row(uscc(row), name=names[row]) for row in names]
    path.write_bytes(("\n".join(lines) + "\n").encode("gb18030"))
    assert path.stat().st_size > read.CHUNK_BYTES
    outcome = load(env, "registration")
    assert (outcome.status, outcome.rows_loaded, outcome.rows_rejected) == ("loaded", n, 0)
    assert con.execute("select encoding from meta.loads").fetchall() == [("gb18030",)]
    assert (
        dict(con.execute("select _source_row, enterprise_name from raw.registration").fetchall())
        == names
    )
    assert list(scratch.iterdir()) == []


def test_bad_byte_past_the_first_chunk_of_a_gb18030_file(env, tmp_path, monkeypatch):
    """The byte offset of the message is the file's, and the partial UTF-8 copy is deleted."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    landing = env[0]
    head = "\n".join(
        [header("registration")]
        + [reg_row(uscc(row), name=f"拉萨第{row}号𠀀科技有限公司") for row in range(2, 12_000)]
    ).encode("gb18030")
    assert len(head) > read.CHUNK_BYTES
    bad = landing / "registration_201803.csv"
    bad.write_bytes(head + b"\n\xff\n")
    line = head.count(b"\n") + 2
    assert_file_rejected(
        env,
        bad,
        "registration",
        f"registration_201803.csv: byte {len(head) + 1} (0xFF, line {line}) "
        "cannot be decoded as UTF-8 nor as GB18030; it is 'ÿ' in Windows-1252 (a Western code "
        "page: text pasted from another program or a non-Chinese Windows); save it from Excel "
        "or WPS as 'CSV UTF-8 (comma delimited)' and send that file",
    )
    assert list(scratch.iterdir()) == []


# ---------------------------------------------------------------- a 200 MB file (slow)

BIG_ROWS = 6_250_000  # 32 bytes a line: 200,000,048 bytes with the header
BIG_HEAD = "91540100"
# What the load adds to the loading process's resident memory (its peak less its memory before the
# load: the modules it imports grow from release to release): well under this bound when the file
# is read in batches, far over it (several times the file's size) when it is read whole (the
# measured peaks: docs/performance.md).
MAX_LOAD_BYTES = 416 * 2**20
# What grows with the file: its key hashes (8 bytes a row) and DuckDB's cache of the rows it
# writes; read whole, the peak grows with the file by far more than this allowance.
GROWTH_ALLOWANCE_BYTES = 64 * 2**20


def _halves(offset: int) -> pl.DataFrame:
    """The 8-digit body of the generated USCCs is two 4-digit halves; both checks are linear
    (weighted sums), so each half's share of the two sums is computed once."""
    q = pl.int_range(0, 10_000, dtype=pl.Int64)
    d = [(q // 10 ** (3 - k)) % 10 for k in range(4)]
    return pl.select(
        s=q.cast(pl.String).str.zfill(4),
        org=pl.sum_horizontal(
            dk * w for dk, w in zip(d, ORG_WEIGHTS[offset : offset + 4], strict=True)
        ),
        us=pl.sum_horizontal(
            dk * w for dk, w in zip(d, USCC_WEIGHTS[8 + offset : 12 + offset], strict=True)
        ),
    )


def write_big_employment(path: Path, rows: int) -> int:
    """A valid employment file of `rows` distinct USCCs, written in chunks; returns the sum of 参保人数."""
    head_sum = sum(
        USCC_CHARSET.index(c) * w for c, w in zip(BIG_HEAD, USCC_WEIGHTS[:8], strict=True)
    )
    org_char = {r: {10: "X", 11: "0"}.get(r, str(r)) for r in range(1, 12)}
    org_value = {r: USCC_CHARSET.index(ch) for r, ch in org_char.items()}
    hi, lo = _halves(0), _halves(4)
    org = 11 - (pl.col("org") + pl.col("org_lo")) % 11
    total = (
        head_sum
        + pl.col("us")
        + pl.col("us_lo")
        + org.replace_strict(org_value, return_dtype=pl.Int64) * USCC_WEIGHTS[16]
    )
    check = ((31 - total % 31) % 31).replace_strict(
        dict(enumerate(USCC_CHARSET)), return_dtype=pl.String
    )
    written = 0
    with path.open("wb") as fh:
        fh.write((header("employment") + "\n").encode("utf-8"))
        for start in range(0, -(-rows // 10_000), 100):  # 1,000,000 rows a chunk
            chunk = hi.slice(start, 100).join(lo, how="cross", suffix="_lo").head(rows - written)
            chunk = chunk.select(
                pl.concat_str(
                    pl.lit(BIG_HEAD),
                    "s",
                    "s_lo",
                    org.replace_strict(org_char, return_dtype=pl.String),
                    check,
                ).alias("uscc"),
                pl.lit("2018-03").alias("period"),
                ((pl.int_range(pl.len()) + written) % 9000 + 1000).alias("headcount"),
            )
            chunk.write_csv(fh, include_header=False)
            if written == 0:  # the vectorized checks agree with complete_uscc
                for code in chunk.get_column("uscc").gather_every(99_991):
                    assert code == complete_uscc(code[:16])
            written += chunk.height
    cycles, rest = divmod(rows, 9000)
    return rows * 1000 + cycles * sum(range(9000)) + sum(range(rest))


LOAD_IN_SUBPROCESS = textwrap.dedent(
    """
    import datetime as dt, json, sys, time
    from pathlib import Path
    import duckdb
    from pipelines.ingest.landing import scan
    from pipelines.ingest.load import ensure_tables, load_month

    def vm(field):  # VmRSS now, VmHWM peak: of this process only, whoever started it
        for line in open("/proc/self/status"):
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024

    landing, work = Path(sys.argv[1]), Path(sys.argv[2])
    con = duckdb.connect(str(work / "big.duckdb"))
    ensure_tables(con)
    before = vm("VmRSS")
    start = time.monotonic()
    o = load_month(con, scan(landing), "employment", dt.date(2018, 3, 1), work / "archive")
    seconds = time.monotonic() - start
    peak = vm("VmHWM")
    rows, distinct, total = con.execute(
        "select count(*), count(distinct uscc), sum(insured_headcount) from raw.employment"
    ).fetchone()
    print(json.dumps(dict(
        status=o.status, message=o.message, rows_read=o.rows_read, rows_loaded=o.rows_loaded,
        rows_rejected=o.rows_rejected, rows=rows, distinct=distinct, total=int(total or 0),
        rss_before=before, peak=peak, seconds=seconds,
    )))
    """
)


def load_big_file_in_subprocess(folder: Path, rows: int) -> tuple[dict, str]:
    """Write a valid employment file of `rows` rows in `folder`, load it in a fresh process,
    check that every row loaded; the load's measurements and a line that says them."""
    landing = folder / "landing"
    landing.mkdir(parents=True)
    big = landing / "employment_201803.csv"
    expected_total = write_big_employment(big, rows)
    size = big.stat().st_size
    run = subprocess.run(
        [sys.executable, "-c", LOAD_IN_SUBPROCESS, str(landing), str(folder)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    measured = (
        f"{size / 1e6:.0f} MB file: peak RSS {result['peak'] / 2**20:.0f} MiB "
        f"({result['peak'] / size:.1f}x the file; {result['rss_before'] / 2**20:.0f} MiB before "
        f"the load), load_month took {result['seconds']:.0f} s"
    )
    print(measured)
    assert (result["status"], result["message"]) == ("loaded", None)
    assert (result["rows_read"], result["rows_loaded"], result["rows_rejected"]) == (rows, rows, 0)
    assert (result["rows"], result["distinct"], result["total"]) == (rows, rows, expected_total)
    return result, measured


def test_slow_200mb_file_loads_in_bounded_memory(tmp_path):
    """SLOW: a ~200 MB valid employment CSV (6.25 million rows) loads completely, and so does one
    a quarter of its size; what the load adds to the loading process's peak resident memory
    (VmHWM less VmRSS before it, measured in a fresh subprocess) stays bounded, and the big file
    needs hardly more than the small one."""
    quarter, quarter_measured = load_big_file_in_subprocess(tmp_path / "quarter", BIG_ROWS // 4)
    big, measured = load_big_file_in_subprocess(tmp_path / "big", BIG_ROWS)
    assert (tmp_path / "big" / "landing" / "employment_201803.csv").stat().st_size >= 200_000_000
    assert big["peak"] - big["rss_before"] < MAX_LOAD_BYTES, f"memory not bounded: {measured}"
    assert big["peak"] <= quarter["peak"] + GROWTH_ALLOWANCE_BYTES, (
        f"memory grows with the file: {measured}; {quarter_measured}"
    )
