"""registration (企业登记): the register of park enterprises, a full snapshot each month."""

from pipelines.reference import industry_classes, park_aliases
from schemas.common import (
    ExtractSchema,
    as_date,
    as_decimal,
    as_string,
    as_yes_no,
    at_least,
    industry_code_rules,
    not_after_period_end,
    one_of,
    park_known,
    parses,
    required,
    unique_key,
    uscc_rules,
)

P = "REG"
STATUSES = ("存续", "在业", "迁出", "注销", "吊销")
LEAVING_STATUSES = ("迁出", "注销", "吊销")
LISTING_BOARDS = ("主板", "中小板", "创业板", "科创板", "北交所", "新三板")

SCHEMA = ExtractSchema(
    kind="registration",
    key=("uscc",),
    code_columns=("uscc", "industry_code"),
    fields={
        "uscc": as_string,
        "enterprise_name": as_string,
        "park": as_string,
        "industry_code": as_string,
        "status": as_string,
        "established_on": as_date,
        "registered_capital_10k": as_decimal(6),
        "is_high_tech": as_yes_no,
        "is_tech_sme": as_yes_no,
        "is_tech_leader": as_yes_no,
        "listing_board": as_string,
    },
    rules=(
        required(P, "uscc", "统一社会信用代码"),
        *uscc_rules(P),
        *unique_key(P, ["uscc"], "统一社会信用代码"),
        required(P, "enterprise_name", "企业名称"),
        required(P, "park", "所属园区"),
        *park_known(P, park_aliases()),
        required(P, "industry_code", "行业代码"),
        *industry_code_rules(P, industry_classes()),
        required(P, "status", "登记状态"),
        one_of(P, "status", "登记状态", STATUSES),
        required(P, "established_on", "成立日期"),
        parses(P, "established_on", "成立日期", "日期(YYYY-MM-DD)", "a date (YYYY-MM-DD)"),
        not_after_period_end(P, "established_on", "成立日期"),
        parses(
            P,
            "registered_capital_10k",
            "注册资本",
            "数值(万元,最多六位小数)",
            "a number of 10k yuan, at most 6 decimals",
        ),
        at_least(P, "registered_capital_10k", "注册资本", 0),
        parses(P, "is_high_tech", "高新技术企业", "“是”或“否”", "是 or 否"),
        parses(P, "is_tech_sme", "科技型中小企业", "“是”或“否”", "是 or 否"),
        parses(P, "is_tech_leader", "科技型领军企业", "“是”或“否”", "是 or 否"),
        one_of(P, "listing_board", "上市板块", LISTING_BOARDS),
    ),
)
