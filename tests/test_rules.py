"""A failing row for every rule of every schema, and the boundaries of the data dictionary.

Rows are written as the bureau's file has them, keyed by the Chinese header, with text as it
is after normalization (see pipelines/ingest/read.py). Each kind has a valid base row; a case
changes some cells (or the output context columns, keyed `_...`) and says which rules each of
its rows must break — exactly those, nothing more. An empty set means the row must load.

For speed all cases of a kind are validated together in one frame (one pandera run per kind):
every case gets its own record key, so cases cannot interfere (the builder checks it).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cache

import polars as pl
import pytest

from schemas import SCHEMAS
from schemas.common import ROW, ValidationResult, parse, validate
from schemas.output import CONTEXT_COLUMNS

MARCH = dt.date(2018, 3, 1)
JANUARY = dt.date(2018, 1, 1)
FEBRUARY = dt.date(2018, 2, 1)

# ---------------------------------------------------------------- USCCs (own GB 32100 / GB 11714)

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def org_check(body8: str) -> str:
    values = [int(c) if c.isdigit() else ord(c) - ord("A") + 10 for c in body8]
    r = 11 - sum(w * v for w, v in zip((3, 7, 9, 10, 5, 8, 4, 2), values, strict=True)) % 11
    return "X" if r == 10 else "0" if r == 11 else str(r)


def uscc_check(first17: str) -> str:
    total = sum(pow(3, i, 31) * CHARSET.index(c) for i, c in enumerate(first17))
    return CHARSET[(31 - total % 31) % 31]


def complete(first16: str) -> str:
    first17 = first16 + org_check(first16[8:16])
    return first17 + uscc_check(first17)


def wrong_org_check(first16: str) -> str:
    """Position 17 wrong, position 18 right for the wrong 17: only the org-code rule can fail."""
    right = org_check(first16[8:16])
    first17 = first16 + ("1" if right != "1" else "2")
    return first17 + uscc_check(first17)


def wrong_check(first16: str) -> str:
    code = complete(first16)
    return code[:17] + ("1" if code[17] != "1" else "2")


USCC = "统一社会信用代码"
PERIOD = "所属期"

# ---------------------------------------------------------------- base rows


KEY_HEADER = {
    "registration": USCC,
    "tax": USCC,
    "employment": USCC,
    "output": USCC,
    "projects": "项目编号",
    "carriers": "载体编号",
    "indicators": "园区",  # with 年度 and 指标代码 (key_cells)
    "land": "地块编号",
}
# The yearly indicators: the key is a park (or 全市) and a code; 墨竹工卡县 is left for the case of
# one park under two names.
IND_KEY_PARKS = [
    "经开区", "柳梧新区", "慈觉林文创园", "空港新区", "达孜工业园", "堆龙工业园", "曲水工业园",
    "城关区", "林周县", "当雄县", "尼木县", "全市",
]  # fmt: skip
IND_KEY_CODES = ["planned_area_mu", "top_enterprise_contacts"]
# the file period of a case: the month of a monthly file, January of a yearly one
FILE_PERIOD = {"indicators": JANUARY}


def new_key(kind: str, n: int) -> str:
    if KEY_HEADER[kind] == USCC:
        return complete(f"91540100{n:08d}")  # Lhasa division 540100
    return f"{kind[:3].upper()}-{n:04d}"


def key_cells(kind: str, n: int) -> dict[str, object]:
    """The cells of the n-th case's own key."""
    if kind == "indicators":
        # wraps around: `batch` checks that no two cases share a key
        n %= len(IND_KEY_PARKS) * len(IND_KEY_CODES)
        return {
            "园区": IND_KEY_PARKS[n % len(IND_KEY_PARKS)],
            "指标代码": IND_KEY_CODES[n // len(IND_KEY_PARKS)],
        }
    return {KEY_HEADER[kind]: new_key(kind, n)}


def record_key(kind: str, row: dict[str, object]) -> object:
    """meta.rejects.record_key of a row: its key, the cells joined with | when several."""
    if kind == "indicators":
        return "|".join(row[h] or "" for h in ("园区", "年度", "指标代码"))
    return row[KEY_HEADER[kind]]


BASE: dict[str, dict[str, object]] = {
    "registration": {
        "企业名称": "拉萨雪域饮品有限公司",
        "所属园区": "柳梧新区",
        "行业代码": "1512",
        "登记状态": "存续",
        "成立日期": "2015-06-18",
        "注册资本（万元）": "500",
        "高新技术企业": "是",
        "科技型中小企业": "否",
        "科技型领军企业": "否",
        "上市板块": None,
    },
    "tax": {
        PERIOD: "2018-03",
        "增值税（元）": "1000.00",
        "企业所得税（元）": "200.50",
        "其他税费（元）": "10",
        "税收合计（元）": "1210.50",
    },
    "employment": {PERIOD: "2018-03", "参保人数": "12"},
    "output": {
        PERIOD: "2018-03",
        "工业总产值_本月（万元）": "100",
        "工业总产值_本年累计（万元）": "300",
        "工业增加值_本月（万元）": "25",
        "营业收入_本月（万元）": "120",
        "营业收入_本年累计（万元）": "360",
        # February was loaded: 200 and 240 so far this year.
        "_prev_period": FEBRUARY,
        "_prev_gross_output_ytd_10k": 200.0,
        "_prev_revenue_ytd_10k": 240.0,
        "_reported_earlier": True,
        "_is_industrial": True,
    },
    "projects": {
        "项目名称": "年产10万吨天然饮用水项目",
        "所属园区": "经开区",
        "投资主体统一社会信用代码": "91440300708461136T",
        "协议投资额（亿元）": "1.5",
        "签约日期": "2018-03-15",
        "项目状态": "签约",
        "项目类别": "招商引资",
        "行业代码": "1399",
    },
    "carriers": {
        "载体名称": "拉萨创客空间",
        "所属园区": "慈觉林",
        "载体类型": "众创空间",
        "认定日期": "2017-12-01",
    },
    # 园区 and 指标代码 are the case's key (key_cells)
    "indicators": {"年度": "2018", "数值": "12", "来源": "市商务局"},
    "land": {
        "所属园区": "柳梧新区",
        "用地性质": "工业",
        "面积（亩）": "50.5",
        "土地价款（万元）": "2525",
        "受让单位统一社会信用代码": "91440300708461136T",
        "供地日期": "2017-06-01",
        "约定开工日期": "2017-12-01",
        "实际开工日期": None,
        "累计固定资产投资（万元）": "0",
    },
}

# ---------------------------------------------------------------- cases

KEEP = object()  # "the case's own key"


@dataclass(frozen=True)
class Case:
    kind: str
    name: str
    rows: tuple[dict[str, object], ...]  # changes to the base row, one dict per row
    fails: tuple[frozenset[str], ...]  # rule ids each row must break (exactly)
    columns: dict[str, str | None] = field(default_factory=dict)  # rule id -> blamed header
    file_period: dt.date = MARCH
    typed: dict[str, object] = field(default_factory=dict)  # header -> parsed value (1st row)
    why: str = ""  # what the data dictionary says, shown when the case fails

    @property
    def id(self) -> str:
        return f"{self.kind}:{self.name}"


def bad(kind: str, rule: str, header: str, value: object, *, also=(), **kw) -> Case:
    """One row with `header` set to `value` must break `rule` (blaming that header), only it."""
    extra = kw.pop("changes", {})
    name = kw.pop("name", f"{rule}={value!r}")
    return Case(
        kind,
        name,
        rows=({header: value, **extra},),
        fails=(frozenset({rule, *also}),),
        columns={rule: header},
        **kw,
    )


def ok(kind: str, name: str, changes: dict[str, object], **kw) -> Case:
    return Case(kind, name, rows=(changes,), fails=(frozenset(),), **kw)


def valid_ending_000() -> str:
    """An all-digit USCC that is valid and ends in 000: a spreadsheet number keeps it whole."""
    return next(
        code for n in range(100_000) if (code := complete(f"91540100{n:07d}0")).endswith("000")
    )


ROUNDED_BY_SPREADSHEET = "915401239121531000"  # 915401239121531xxx kept to 15 digits
assert complete(ROUNDED_BY_SPREADSHEET[:16]) != ROUNDED_BY_SPREADSHEET


def uscc_cases(kind: str, prefix: str, header: str = USCC) -> list[Case]:
    whose = {"投资主体统一社会信用代码": "INVESTOR-", "受让单位统一社会信用代码": "HOLDER-"}
    p = f"{prefix}-{whose.get(header, '')}USCC"
    cases = [
        # Stored as a number by a spreadsheet: said so, not blamed on the check character.
        bad(kind, f"{p}-AS-NUMBER", header, "9.15401239121531E+17"),  # XLSX, LibreOffice CSV
        bad(kind, f"{p}-AS-NUMBER", header, "9.15401E+17"),  # Excel's CSV of a General cell
        bad(kind, f"{p}-AS-NUMBER", header, ROUNDED_BY_SPREADSHEET),  # CSV of a 0-format cell
        ok(kind, f"{header} valid, ending in 000", {header: valid_ending_000()}),
        bad(kind, f"{p}-LENGTH", header, "5401001234"),  # an old 10-digit code
        bad(kind, f"{p}-LENGTH", header, "540100400012345"),  # 15-digit registration number
        bad(kind, f"{p}-CHARSET", header, complete("9154010000000777")[:10] + "I" + "0" * 7),
        bad(kind, f"{p}-CHARSET", header, complete("9154010000000778")[:17] + "Z"),
        bad(kind, f"{p}-REGION", header, complete("91A4010000000779")),
        bad(kind, f"{p}-ORG-CHECK", header, wrong_org_check("9154010000000780")),
        bad(kind, f"{p}-CHECK", header, wrong_check("9154010000000781")),
    ]
    if header == USCC:
        cases.append(bad(kind, f"{prefix}-REQUIRED-USCC", header, None))
    return cases


def duplicate_cases(kind: str, prefix: str, other: dict[str, object]) -> list[Case]:
    key = KEY_HEADER[kind]
    unique = f"{prefix}-UNIQUE-{'-'.join(k.upper() for k in SCHEMAS[kind].key)}"
    dup = f"{prefix}-DUPLICATE-ROW"
    return [
        # An exact copy: the first loads, the second is set aside as a duplicate.
        Case(
            kind,
            "exact duplicate",
            rows=({}, {}),
            fails=(frozenset(), frozenset({dup})),
            columns={dup: None},
        ),
        # Same key, different content: neither can be trusted.
        Case(
            kind,
            "conflicting duplicates",
            rows=({}, other),
            fails=(frozenset({unique}), frozenset({unique})),
            columns={unique: key},
        ),
        # Two copies and a conflicting third: all three conflict, the copy is also a duplicate.
        Case(
            kind,
            "copy and conflict",
            rows=({}, {}, other),
            fails=(frozenset({unique}), frozenset({unique, dup}), frozenset({unique})),
            columns={unique: key, dup: None},
        ),
    ]


def period_cases(kind: str, prefix: str) -> list[Case]:
    return [
        bad(kind, f"{prefix}-REQUIRED-PERIOD", PERIOD, None),
        bad(kind, f"{prefix}-FORMAT-PERIOD", PERIOD, "2018-13"),
        bad(kind, f"{prefix}-FORMAT-PERIOD", PERIOD, "201813"),
        bad(kind, f"{prefix}-FORMAT-PERIOD", PERIOD, "18-03"),
        bad(kind, f"{prefix}-FORMAT-PERIOD", PERIOD, "2018-03-01"),
        bad(kind, f"{prefix}-PERIOD-MATCH", PERIOD, "2018-04"),
        bad(kind, f"{prefix}-PERIOD-MATCH", PERIOD, "2017-03"),
        bad(kind, f"{prefix}-PERIOD-MATCH", PERIOD, "2018年2月"),
        *(
            ok(kind, f"period {text!r}", {PERIOD: text}, typed={PERIOD: MARCH})
            for text in ("2018-03", "201803", "2018/03", "2018年3月", "2018年03月", "2018-3")
        ),
        ok(kind, "period from an XLSX number", {PERIOD: "201803.0"}, typed={PERIOD: MARCH}),
    ]


def base_case(kind: str) -> Case:
    return ok(kind, "base row", {})


REG = "registration"
REGISTRATION = [
    base_case(REG),
    *uscc_cases(REG, "REG"),
    *duplicate_cases(REG, "REG", {"企业名称": "拉萨雪域饮品股份有限公司"}),
    bad(REG, "REG-REQUIRED-ENTERPRISE_NAME", "企业名称", None),
    bad(REG, "REG-REQUIRED-PARK", "所属园区", None),
    bad(REG, "REG-PARK-KNOWN", "所属园区", "拉萨新区"),
    bad(REG, "REG-PARK-KNOWN", "所属园区", "柳梧"),
    ok(REG, "park alias (half-width parentheses)", {"所属园区": "柳梧新区(高新区)"}),
    ok(REG, "park alias", {"所属园区": "拉萨高新区"}),
    ok(REG, "county zone", {"所属园区": "尼木县工业集中区"}),
    bad(REG, "REG-REQUIRED-INDUSTRY_CODE", "行业代码", None),
    bad(REG, "REG-FORMAT-INDUSTRY_CODE", "行业代码", "151"),
    bad(REG, "REG-FORMAT-INDUSTRY_CODE", "行业代码", "15120"),
    bad(REG, "REG-FORMAT-INDUSTRY_CODE", "行业代码", "C151"),
    bad(REG, "REG-INDUSTRY-KNOWN", "行业代码", "0010"),
    bad(REG, "REG-INDUSTRY-KNOWN", "行业代码", "9910"),
    ok(REG, "industry code with leading zero", {"行业代码": "0610"}, typed={"行业代码": "0610"}),
    bad(REG, "REG-REQUIRED-STATUS", "登记状态", None),
    bad(REG, "REG-ENUM-STATUS", "登记状态", "正常"),
    *(ok(REG, f"status {s}", {"登记状态": s}) for s in ("在业", "迁出", "注销", "吊销")),
    bad(REG, "REG-REQUIRED-ESTABLISHED_ON", "成立日期", None),
    bad(REG, "REG-FORMAT-ESTABLISHED_ON", "成立日期", "2018-02-30"),
    bad(REG, "REG-FORMAT-ESTABLISHED_ON", "成立日期", "2015.06.18"),
    bad(REG, "REG-FORMAT-ESTABLISHED_ON", "成立日期", "2015年6月18日"),
    bad(REG, "REG-NOT-FUTURE-ESTABLISHED_ON", "成立日期", "2018-04-01"),
    bad(REG, "REG-NOT-FUTURE-ESTABLISHED_ON", "成立日期", "43191"),  # serial of 2018-04-01
    ok(REG, "established at month end", {"成立日期": "2018-03-31"}),
    ok(
        REG,
        "Excel serial date",
        {"成立日期": "43160"},
        typed={"成立日期": dt.date(2018, 3, 1)},
    ),
    ok(
        REG,
        "Excel date cell as text",
        {"成立日期": "2018-03-05 00:00:00"},
        typed={"成立日期": dt.date(2018, 3, 5)},
    ),
    ok(
        REG,
        "date with slashes",
        {"成立日期": "2015/6/18"},
        typed={"成立日期": dt.date(2015, 6, 18)},
    ),
    bad(REG, "REG-FORMAT-REGISTERED_CAPITAL_10K", "注册资本（万元）", "五百"),
    bad(REG, "REG-RANGE-REGISTERED_CAPITAL_10K", "注册资本（万元）", "-0.01"),
    ok(REG, "capital zero", {"注册资本（万元）": "0"}),
    ok(REG, "capital not reported", {"注册资本（万元）": None}),
    bad(REG, "REG-FORMAT-IS_HIGH_TECH", "高新技术企业", "Y"),
    bad(REG, "REG-FORMAT-IS_TECH_SME", "科技型中小企业", "是的"),
    bad(REG, "REG-FORMAT-IS_TECH_LEADER", "科技型领军企业", "1"),
    ok(REG, "flags not reported", {"高新技术企业": None, "科技型中小企业": None}),
    bad(REG, "REG-ENUM-LISTING_BOARD", "上市板块", "港股"),
    *(ok(REG, f"listed on {b}", {"上市板块": b}) for b in ("主板", "科创板", "北交所", "新三板")),
]

TAX = [
    base_case("tax"),
    *uscc_cases("tax", "TAX"),
    *duplicate_cases("tax", "TAX", {"增值税（元）": "999.00", "税收合计（元）": "1209.50"}),
    *period_cases("tax", "TAX"),
    bad("tax", "TAX-FORMAT-VAT_YUAN", "增值税（元）", "一千"),
    bad("tax", "TAX-FORMAT-CORPORATE_INCOME_TAX_YUAN", "企业所得税（元）", "200.50元"),
    bad("tax", "TAX-FORMAT-OTHER_TAXES_YUAN", "其他税费（元）", "--10"),
    bad("tax", "TAX-FORMAT-TOTAL_TAX_YUAN", "税收合计（元）", "abc"),
    # 元 to 2 decimals: a third decimal is not a yuan amount (and must not be rounded away).
    bad(
        "tax",
        "TAX-FORMAT-VAT_YUAN",
        "增值税（元）",
        "1000.004",
        why="extracts.md: tax in 元 up to 2 decimals, and the rule says 最多两位小数: a third "
        "decimal must fail TAX-FORMAT-*, never be rounded away silently by the Decimal(20, 2) cast",
    ),
    ok("tax", "total off by exactly +1.00", {"税收合计（元）": "1211.50"}),
    ok("tax", "total off by exactly -1.00", {"税收合计（元）": "1209.50"}),
    bad("tax", "TAX-TOTAL-SUM", "税收合计（元）", "1211.51"),
    bad("tax", "TAX-TOTAL-SUM", "税收合计（元）", "1209.49"),
    bad("tax", "TAX-TOTAL-SUM", "税收合计（元）", "0"),
    ok(
        "tax",
        "refund: negative VAT",
        {"增值税（元）": "-500.00", "税收合计（元）": "-289.50"},
        typed={"增值税（元）": Decimal("-500.00")},
    ),
    ok("tax", "a part not reported: sum not applicable", {"增值税（元）": None}),
    ok("tax", "nothing reported", {k: None for k in BASE["tax"] if k.endswith("（元）")}),
]

EMP = "employment"
EMPLOYMENT = [
    base_case(EMP),
    *uscc_cases(EMP, "EMP"),
    *duplicate_cases(EMP, "EMP", {"参保人数": "13"}),
    *period_cases(EMP, "EMP"),
    bad(EMP, "EMP-RANGE-INSURED_HEADCOUNT", "参保人数", "-1"),
    bad(EMP, "EMP-FORMAT-INSURED_HEADCOUNT", "参保人数", "12.5"),
    bad(EMP, "EMP-FORMAT-INSURED_HEADCOUNT", "参保人数", "十二"),
    ok(EMP, "headcount zero", {"参保人数": "0"}, typed={"参保人数": 0}),
    ok(EMP, "headcount from an XLSX number", {"参保人数": "12.0"}, typed={"参保人数": 12}),
    ok(EMP, "headcount not reported", {"参保人数": None}),
]

OUT = "output"
GO_M, GO_Y = "工业总产值_本月（万元）", "工业总产值_本年累计（万元）"
VA_M = "工业增加值_本月（万元）"
RV_M, RV_Y = "营业收入_本月（万元）", "营业收入_本年累计（万元）"
GO_CHAIN, RV_CHAIN = "OUT-YTD-CHAIN-GROSS_OUTPUT_YTD_10K", "OUT-YTD-CHAIN-REVENUE_YTD_10K"
NO_PREVIOUS = {
    "_prev_period": None,
    "_prev_gross_output_ytd_10k": None,
    "_prev_revenue_ytd_10k": None,
    "_reported_earlier": False,
}
JANUARY_ROW = {PERIOD: "2018-01", **NO_PREVIOUS}
GAP = {"_prev_period": JANUARY}  # February is missing: 200/240 are January's totals
WITHIN_TOLERANCE = (
    "extracts.md: 本年累计 equals last YTD plus this month within ±0.1 万元, so a difference of "
    "exactly 0.1 passes; PRODUCT BUG schemas/output.py ytd_chain compares in Float64 "
    "(300.1 - 200 - 100 = 0.10000000000002274 > 0.1)"
)
NON_INDUSTRIAL = {"_is_industrial": False, GO_M: None, GO_Y: None, VA_M: None}

OUTPUT = [
    base_case(OUT),
    *uscc_cases(OUT, "OUT"),
    *duplicate_cases(OUT, "OUT", {VA_M: "26"}),
    *period_cases(OUT, "OUT"),
    bad(OUT, "OUT-FORMAT-GROSS_OUTPUT_MONTH_10K", GO_M, "一百"),
    bad(OUT, "OUT-FORMAT-GROSS_OUTPUT_YTD_10K", GO_Y, "3OO"),
    bad(OUT, "OUT-FORMAT-VALUE_ADDED_MONTH_10K", VA_M, "n/a"),
    bad(OUT, "OUT-FORMAT-REVENUE_MONTH_10K", RV_M, "120万"),
    bad(OUT, "OUT-FORMAT-REVENUE_YTD_10K", RV_Y, "-"),
    # Negative values, each with a chain kept consistent so only the range rule breaks.
    bad(OUT, "OUT-RANGE-GROSS_OUTPUT_MONTH_10K", GO_M, "-1", changes={GO_Y: "199"}),
    bad(
        OUT,
        "OUT-RANGE-GROSS_OUTPUT_YTD_10K",
        GO_Y,
        "-10",
        changes={"_prev_gross_output_ytd_10k": -110.0},
    ),
    bad(OUT, "OUT-RANGE-REVENUE_MONTH_10K", RV_M, "-1", changes={RV_Y: "239"}),
    bad(OUT, "OUT-RANGE-REVENUE_YTD_10K", RV_Y, "-10", changes={"_prev_revenue_ytd_10k": -130.0}),
    ok(OUT, "value added may be negative", {VA_M: "-5"}),
    # Consecutive months: YTD = last YTD + this month, within ±0.1.
    ok(OUT, "chain exact", {}, typed={GO_Y: Decimal("300")}),
    ok(OUT, "gross chain +0.1 within", {GO_Y: "300.1"}, why=WITHIN_TOLERANCE),
    ok(OUT, "gross chain -0.1 within", {GO_Y: "299.9"}, why=WITHIN_TOLERANCE),
    ok(OUT, "gross chain +0.05 within", {GO_Y: "300.05"}),
    bad(OUT, GO_CHAIN, GO_Y, "300.11"),
    bad(OUT, GO_CHAIN, GO_Y, "299.89"),
    bad(OUT, GO_CHAIN, GO_Y, "100", name="gross YTD restarted mid-year"),
    ok(OUT, "revenue chain +0.1 within", {RV_Y: "360.1"}, why=WITHIN_TOLERANCE),
    ok(OUT, "revenue chain -0.1 within", {RV_Y: "359.9"}, why=WITHIN_TOLERANCE),
    bad(OUT, RV_CHAIN, RV_Y, "360.11"),
    bad(OUT, RV_CHAIN, RV_Y, "359.89"),
    # January (first report of the year): YTD equals the month.
    ok(OUT, "January", {**JANUARY_ROW, GO_Y: "100", RV_Y: "120"}, file_period=JANUARY),
    ok(
        OUT,
        "January within 0.1",
        {**JANUARY_ROW, GO_Y: "100.05", RV_Y: "120"},
        file_period=JANUARY,
    ),
    bad(
        OUT,
        GO_CHAIN,
        GO_Y,
        "300",
        changes={**JANUARY_ROW, RV_Y: "120"},
        file_period=JANUARY,
        name="January gross YTD is not the month",
    ),
    bad(
        OUT,
        RV_CHAIN,
        RV_Y,
        "360",
        changes={**JANUARY_ROW, GO_Y: "100"},
        file_period=JANUARY,
        name="January revenue YTD is not the month",
    ),
    # First report of the year in March (nothing received before): YTD equals the month.
    ok(OUT, "first report in March", {**NO_PREVIOUS, GO_Y: "100", RV_Y: "120"}),
    ok(
        OUT,
        "first report, earlier receipt unknown",
        {**NO_PREVIOUS, "_reported_earlier": None, GO_Y: "100", RV_Y: "120"},
    ),
    bad(
        OUT,
        GO_CHAIN,
        GO_Y,
        "300",
        changes={**NO_PREVIOUS, RV_Y: "120"},
        name="first report gross YTD is not the month",
    ),
    bad(
        OUT,
        RV_CHAIN,
        RV_Y,
        "360",
        changes={**NO_PREVIOUS, GO_Y: "100"},
        name="first report revenue YTD is not the month",
    ),
    # Reported earlier but nothing loaded (set aside): the chain cannot be checked.
    ok(
        OUT,
        "reported earlier, no previous loaded",
        {**NO_PREVIOUS, "_reported_earlier": True, GO_Y: "12345", RV_Y: "0"},
    ),
    # A gap: only "grown by at least this month" (-0.1).
    ok(OUT, "gap: grown by more", {**GAP, GO_Y: "350", RV_Y: "500"}),
    ok(OUT, "gap: grown by exactly this month", {**GAP}),
    ok(OUT, "gap: boundary -0.1", {**GAP, GO_Y: "299.9", RV_Y: "359.9"}),
    bad(OUT, GO_CHAIN, GO_Y, "299.8", changes=GAP),
    bad(OUT, RV_CHAIN, RV_Y, "359.8", changes=GAP),
    ok(OUT, "month not reported: chain not applicable", {GO_M: None, GO_Y: "1"}),
    # Gross output, its YTD and value added belong to industrial enterprises only.
    ok(OUT, "non-industrial without gross output", NON_INDUSTRIAL),
    bad(
        OUT,
        "OUT-INDUSTRIAL-ONLY-GROSS_OUTPUT_MONTH_10K",
        GO_M,
        "100",
        changes=NON_INDUSTRIAL | {GO_M: "100"},
    ),
    bad(
        OUT,
        "OUT-INDUSTRIAL-ONLY-GROSS_OUTPUT_YTD_10K",
        GO_Y,
        "300",
        changes=NON_INDUSTRIAL | {GO_Y: "300"},
    ),
    bad(
        OUT,
        "OUT-INDUSTRIAL-ONLY-VALUE_ADDED_MONTH_10K",
        VA_M,
        "0",
        changes=NON_INDUSTRIAL | {VA_M: "0"},
    ),
    Case(
        OUT,
        "non-industrial with all gross output columns",
        rows=({"_is_industrial": False},),
        fails=(
            frozenset(
                {
                    "OUT-INDUSTRIAL-ONLY-GROSS_OUTPUT_MONTH_10K",
                    "OUT-INDUSTRIAL-ONLY-GROSS_OUTPUT_YTD_10K",
                    "OUT-INDUSTRIAL-ONLY-VALUE_ADDED_MONTH_10K",
                }
            ),
        ),
        columns={
            "OUT-INDUSTRIAL-ONLY-GROSS_OUTPUT_MONTH_10K": GO_M,
            "OUT-INDUSTRIAL-ONLY-GROSS_OUTPUT_YTD_10K": GO_Y,
            "OUT-INDUSTRIAL-ONLY-VALUE_ADDED_MONTH_10K": VA_M,
        },
    ),
    ok(OUT, "not in the register: industry unknown", {"_is_industrial": None}),
]

PRJ = "projects"
PROJECTS = [
    base_case(PRJ),
    bad(PRJ, "PRJ-REQUIRED-PROJECT_ID", "项目编号", None),
    bad(PRJ, "PRJ-AS-NUMBER-PROJECT_ID", "项目编号", "1.23456789012346E+17"),
    ok(PRJ, "project id of digits", {"项目编号": "2018001"}),
    *duplicate_cases(PRJ, "PRJ", {"项目状态": "在建"}),
    bad(PRJ, "PRJ-REQUIRED-PROJECT_NAME", "项目名称", None),
    bad(PRJ, "PRJ-REQUIRED-PARK", "所属园区", None),
    bad(PRJ, "PRJ-PARK-KNOWN", "所属园区", "拉萨市"),
    ok(PRJ, "park alias", {"所属园区": "拉萨经济技术开发区"}),
    *uscc_cases(PRJ, "PRJ", "投资主体统一社会信用代码"),
    ok(PRJ, "investor not reported", {"投资主体统一社会信用代码": None}),
    bad(PRJ, "PRJ-REQUIRED-AGREED_INVESTMENT_100M", "协议投资额（亿元）", None),
    bad(PRJ, "PRJ-FORMAT-AGREED_INVESTMENT_100M", "协议投资额（亿元）", "1.5亿"),
    bad(PRJ, "PRJ-RANGE-AGREED_INVESTMENT_100M", "协议投资额（亿元）", "0"),
    bad(PRJ, "PRJ-RANGE-AGREED_INVESTMENT_100M", "协议投资额（亿元）", "-2"),
    ok(PRJ, "investment 0.01", {"协议投资额（亿元）": "0.01"}),
    bad(PRJ, "PRJ-REQUIRED-SIGNED_ON", "签约日期", None),
    bad(PRJ, "PRJ-FORMAT-SIGNED_ON", "签约日期", "2018-03-32"),
    bad(PRJ, "PRJ-NOT-FUTURE-SIGNED_ON", "签约日期", "2018-04-01"),
    ok(PRJ, "signed at month end", {"签约日期": "2018-03-31"}),
    bad(PRJ, "PRJ-REQUIRED-STATUS", "项目状态", None),
    bad(PRJ, "PRJ-ENUM-STATUS", "项目状态", "已签约"),
    *(ok(PRJ, f"status {s}", {"项目状态": s}) for s in ("在建", "投产", "终止")),
    bad(PRJ, "PRJ-ENUM-CATEGORY", "项目类别", "其他"),
    ok(PRJ, "category not given", {"项目类别": None}),
    *(
        ok(PRJ, f"category {c}", {"项目类别": c})
        for c in ("智能制造", "两化融合", "工业强基", "节能改造")
    ),
    ok(PRJ, "industry code not given", {"行业代码": None}),
    ok(PRJ, "industry code with a leading zero", {"行业代码": "0610"}),
    bad(PRJ, "PRJ-FORMAT-INDUSTRY_CODE", "行业代码", "151"),
    bad(PRJ, "PRJ-FORMAT-INDUSTRY_CODE", "行业代码", "C151"),
    bad(PRJ, "PRJ-INDUSTRY-KNOWN", "行业代码", "1520"),
]

CAR = "carriers"
CARRIERS = [
    base_case(CAR),
    bad(CAR, "CAR-REQUIRED-CARRIER_ID", "载体编号", None),
    bad(CAR, "CAR-AS-NUMBER-CARRIER_ID", "载体编号", "5.40100201800001E+15"),
    *duplicate_cases(CAR, "CAR", {"载体名称": "拉萨创客空间二期"}),
    bad(CAR, "CAR-REQUIRED-CARRIER_NAME", "载体名称", None),
    bad(CAR, "CAR-REQUIRED-PARK", "所属园区", None),
    bad(CAR, "CAR-PARK-KNOWN", "所属园区", "慈觉林村"),
    bad(CAR, "CAR-REQUIRED-CARRIER_TYPE", "载体类型", None),
    bad(CAR, "CAR-ENUM-CARRIER_TYPE", "载体类型", "孵化器"),
    ok(CAR, "innovation base", {"载体类型": "创业创新基地"}),
    bad(CAR, "CAR-REQUIRED-RECOGNIZED_ON", "认定日期", None),
    bad(CAR, "CAR-FORMAT-RECOGNIZED_ON", "认定日期", "2017年12月1日"),
    bad(CAR, "CAR-NOT-FUTURE-RECOGNIZED_ON", "认定日期", "2018-04-01"),
    ok(CAR, "recognized at month end", {"认定日期": "2018-03-31"}),
]

IND = "indicators"
INDICATORS = [
    replace(c, file_period=JANUARY)
    for c in [
        base_case(IND),
        *duplicate_cases(IND, "IND", {"数值": "13"}),
        # one park under two of its names: one key, and the values differ
        Case(
            IND,
            "one park, two names",
            rows=({"园区": "墨竹工卡县"}, {"园区": "墨竹工卡县工业集中区", "数值": "7"}),
            fails=(
                frozenset({"IND-UNIQUE-PARK-PERIOD-INDICATOR_CODE"}),
                frozenset({"IND-UNIQUE-PARK-PERIOD-INDICATOR_CODE"}),
            ),
            columns={"IND-UNIQUE-PARK-PERIOD-INDICATOR_CODE": "园区"},
        ),
        bad(IND, "IND-REQUIRED-PARK", "园区", None),
        bad(IND, "IND-PARK-KNOWN", "园区", "拉萨市"),
        bad(IND, "IND-REQUIRED-PERIOD", "年度", None),
        bad(IND, "IND-FORMAT-PERIOD", "年度", "18"),
        bad(IND, "IND-FORMAT-PERIOD", "年度", "二〇一八"),
        bad(IND, "IND-YEAR-MATCH", "年度", "2019"),
        ok(IND, "year with 年", {"年度": "2018年"}, typed={"年度": JANUARY}),
        ok(IND, "year as a spreadsheet number", {"年度": "2018.0"}, typed={"年度": JANUARY}),
        bad(IND, "IND-REQUIRED-INDICATOR_CODE", "指标代码", None),
        bad(IND, "IND-ENUM-INDICATOR_CODE", "指标代码", "GDP_TOTAL"),
        bad(IND, "IND-CITY-ONLY-INDICATOR_CODE", "指标代码", "gdp", name="gdp of a park"),
        bad(IND, "IND-CITY-ONLY-INDICATOR_CODE", "指标代码", "rd_spending"),
        ok(IND, "the city's GDP", {"园区": "全市", "指标代码": "gdp"}),
        ok(IND, "the city's R&D", {"园区": "全市", "指标代码": "rd_spending", "来源": None}),
        bad(IND, "IND-REQUIRED-VALUE", "数值", None),
        bad(IND, "IND-FORMAT-VALUE", "数值", "十二"),
        bad(IND, "IND-FORMAT-VALUE", "数值", "1.0000001"),
        bad(IND, "IND-RANGE-VALUE", "数值", "-0.5"),
        ok(IND, "zero", {"数值": "0"}, typed={"数值": Decimal("0")}),
    ]
]
# The city-only rule blames 园区: the park is what is wrong for the code.
INDICATORS = [
    replace(c, columns={"IND-CITY-ONLY-INDICATOR_CODE": "园区"})
    if "IND-CITY-ONLY-INDICATOR_CODE" in c.columns
    else c
    for c in INDICATORS
]

LND = "land"
HOLDER = "受让单位统一社会信用代码"
LAND = [
    base_case(LND),
    bad(LND, "LND-REQUIRED-PARCEL_ID", "地块编号", None),
    bad(LND, "LND-AS-NUMBER-PARCEL_ID", "地块编号", "5.40100201800001E+15"),
    *duplicate_cases(LND, "LND", {"面积（亩）": "50.6"}),
    bad(LND, "LND-REQUIRED-PARK", "所属园区", None),
    bad(LND, "LND-PARK-KNOWN", "所属园区", "柳梧村"),
    ok(LND, "park alias", {"所属园区": "拉萨高新区"}),
    bad(LND, "LND-REQUIRED-LAND_USE", "用地性质", None),
    bad(LND, "LND-ENUM-LAND_USE", "用地性质", "住宅"),
    *(ok(LND, f"land use {u}", {"用地性质": u}) for u in ("仓储", "商服", "其他")),
    bad(LND, "LND-REQUIRED-AREA_MU", "面积（亩）", None),
    bad(LND, "LND-FORMAT-AREA_MU", "面积（亩）", "50亩"),
    bad(LND, "LND-RANGE-AREA_MU", "面积（亩）", "0"),
    ok(LND, "area 0.01", {"面积（亩）": "0.01"}),
    bad(LND, "LND-REQUIRED-LAND_PRICE_10K", "土地价款（万元）", None),
    bad(LND, "LND-FORMAT-LAND_PRICE_10K", "土地价款（万元）", "1.0000001"),
    bad(LND, "LND-RANGE-LAND_PRICE_10K", "土地价款（万元）", "-0.01"),
    ok(LND, "price 0 (划拨)", {"土地价款（万元）": "0"}),
    bad(LND, "LND-REQUIRED-HOLDER_USCC", HOLDER, None),
    *uscc_cases(LND, "LND", HOLDER),
    bad(LND, "LND-REQUIRED-SUPPLIED_ON", "供地日期", None),
    bad(LND, "LND-FORMAT-SUPPLIED_ON", "供地日期", "2017年6月1日"),
    bad(LND, "LND-NOT-FUTURE-SUPPLIED_ON", "供地日期", "2018-04-01"),
    ok(LND, "supplied at month end", {"供地日期": "2018-03-31"}),
    bad(LND, "LND-REQUIRED-AGREED_START_ON", "约定开工日期", None),
    bad(LND, "LND-FORMAT-AGREED_START_ON", "约定开工日期", "2017-02-30"),
    ok(LND, "agreed start after the month", {"约定开工日期": "2019-01-01"}),
    bad(LND, "LND-FORMAT-ACTUAL_START_ON", "实际开工日期", "已开工"),
    bad(LND, "LND-NOT-FUTURE-ACTUAL_START_ON", "实际开工日期", "2018-04-01"),
    ok(LND, "started at month end", {"实际开工日期": "2018-03-31"}),
    bad(LND, "LND-REQUIRED-FIXED_INVESTMENT_10K", "累计固定资产投资（万元）", None),
    bad(LND, "LND-FORMAT-FIXED_INVESTMENT_10K", "累计固定资产投资（万元）", "约1亿"),
    bad(LND, "LND-RANGE-FIXED_INVESTMENT_10K", "累计固定资产投资（万元）", "-1"),
]

CASES = [*REGISTRATION, *TAX, *EMPLOYMENT, *OUTPUT, *PROJECTS, *CARRIERS, *LAND, *INDICATORS]

# ---------------------------------------------------------------- running the cases


def to_frame(kind: str, rows: list[dict[str, object]], periods: list[dt.date]) -> pl.DataFrame:
    """Rows keyed by Chinese header (+ context) -> the frame `validate` is given."""
    schema = SCHEMAS[kind]
    data: dict[str, pl.Series] = {
        en: pl.Series(en, [r[zh] for r in rows], dtype=pl.String)
        for zh, en in schema.headers.items()
    }
    data[ROW] = pl.Series(ROW, range(2, len(rows) + 2), dtype=pl.Int32)
    frame = parse(pl.DataFrame(data), schema)
    frame = frame.with_columns(pl.Series("_file_period", periods, dtype=pl.Date))
    if kind == "output":
        frame = frame.with_columns(
            pl.Series(c, [r[c] for r in rows], dtype=t) for c, t in CONTEXT_COLUMNS.items()
        )
    return frame


@dataclass
class Batch:
    rows: dict[str, list[int]]  # case id -> file row numbers
    texts: dict[int, dict[str, object]]  # file row number -> the row
    result: ValidationResult


@cache
def batch(kind: str) -> Batch:
    cases = [c for c in CASES if c.kind == kind]
    assert len({c.id for c in cases}) == len(cases), "case names must be unique"
    rows: list[dict[str, object]] = []
    periods: list[dt.date] = []
    numbers: dict[str, list[int]] = {}
    keys_of_case: dict[str, set[object]] = {}
    for n, case in enumerate(cases, start=1):
        numbers[case.id] = []
        for changes in case.rows:
            row = {**key_cells(kind, n), **BASE[kind], **changes}
            assert set(row) >= set(SCHEMAS[kind].headers), row
            numbers[case.id].append(len(rows) + 2)
            rows.append(row)
            periods.append(case.file_period)
        keys_of_case[case.id] = {
            tuple(rows[i - 2][h] for h in key_cells(kind, n)) for i in numbers[case.id]
        }
    # No two cases share a record key: the uniqueness rules cannot tie them together.
    all_keys = [k for ks in keys_of_case.values() for k in ks]
    assert len(all_keys) == len(set(all_keys)), Counter(all_keys).most_common(3)
    result = validate(to_frame(kind, rows, periods), SCHEMAS[kind])
    return Batch(numbers, {i + 2: r for i, r in enumerate(rows)}, result)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_case(case: Case) -> None:
    b = batch(case.kind)
    rejects = b.result.rejects
    valid_rows = set(b.result.valid.get_column(ROW).to_list())
    headers = SCHEMAS[case.kind].headers
    for number, expected in zip(b.rows[case.id], case.fails, strict=True):
        got = rejects.filter(pl.col("row_number") == number)
        assert set(got.get_column("rule_id").to_list()) == expected, (case.why, got.to_dicts())
        assert (number in valid_rows) == (not expected)
        row = b.texts[number]
        for reject in got.iter_rows(named=True):
            blamed = case.columns[reject["rule_id"]]
            assert reject["column_name"] == blamed, reject
            assert reject["value"] == (row[blamed] if blamed else None), reject
            assert reject["record_key"] == record_key(case.kind, row), reject
            assert reject["rule_zh"] and reject["rule_en"], reject
    if case.typed:
        first = b.result.valid.filter(pl.col(ROW) == b.rows[case.id][0])
        for header, value in case.typed.items():
            assert first.get_column(headers[header]).to_list() == [value]


@pytest.mark.parametrize("kind", list(SCHEMAS))
def test_rule_counts_match_rejects(kind: str) -> None:
    result = batch(kind).result
    counted = Counter(result.rejects.get_column("rule_id").to_list())
    assert result.rule_counts == dict(counted)
    # Every row is either loaded or set aside, never both, never neither.
    total = sum(len(c.rows) for c in CASES if c.kind == kind)
    rejected = set(result.rejects.get_column("row_number").to_list())
    loaded = set(result.valid.get_column(ROW).to_list())
    assert rejected.isdisjoint(loaded)
    assert rejected | loaded == set(range(2, total + 2))


def test_every_rule_has_a_failing_case() -> None:
    every_rule = {(kind, r.id) for kind, s in SCHEMAS.items() for r in s.rules}
    covered = {(c.kind, rule) for c in CASES for fails in c.fails for rule in fails}
    assert covered - every_rule == set(), "cases name rules that do not exist"
    assert every_rule - covered == set(), "rules without a failing case"


def test_every_kind_has_cases() -> None:
    assert {c.kind for c in CASES} == set(SCHEMAS)


@pytest.mark.parametrize("kind", list(SCHEMAS))
def test_base_row_alone_passes(kind: str) -> None:
    row = {**key_cells(kind, 0), **BASE[kind]}
    result = validate(to_frame(kind, [row], [FILE_PERIOD.get(kind, MARCH)]), SCHEMAS[kind])
    assert result.rejects.height == 0, result.rejects.to_dicts()
    assert result.rule_counts == {}
    assert result.valid.height == 1
    assert set(result.valid.columns) == {ROW, *SCHEMAS[kind].fields}


def test_base_tax_row_typed() -> None:
    row = {USCC: "91350100M000100Y43", **BASE["tax"]}
    valid = validate(to_frame("tax", [row], [MARCH]), SCHEMAS["tax"]).valid
    assert valid.row(0, named=True) == {
        ROW: 2,
        "uscc": "91350100M000100Y43",
        "period": MARCH,
        "vat_yuan": Decimal("1000.00"),
        "corporate_income_tax_yuan": Decimal("200.50"),
        "other_taxes_yuan": Decimal("10.00"),
        "total_tax_yuan": Decimal("1210.50"),
    }
