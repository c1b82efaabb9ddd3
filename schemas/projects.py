"""projects (招商引资项目库): the investment-attraction project register, a snapshot each month."""

import polars as pl

from pipelines.reference import industry_classes, park_aliases
from schemas.common import (
    ExtractSchema,
    Rule,
    as_date,
    as_decimal,
    as_string,
    at_least,
    code_as_number,
    industry_code_rules,
    not_after_period_end,
    one_of,
    park_known,
    parses,
    required,
    text,
    unique_key,
    uscc_rules,
)

P = "PRJ"
STATUSES = ("签约", "在建", "投产", "终止")
CATEGORIES = ("招商引资", "智能制造", "两化融合", "工业强基", "节能改造")

# The investor's USCC is optional: its rules apply only when it is present (null -> not applicable).
_investor_rules = [
    Rule(
        r.id.replace("-USCC-", "-INVESTOR-USCC-"),
        r.column,
        "投资主体" + r.zh,
        "Investor " + r.en,
        pl.when(text("investor_uscc").is_not_null()).then(r.expr),
        r.helpers,
    )
    for r in uscc_rules(P, "investor_uscc")
]

SCHEMA = ExtractSchema(
    kind="projects",
    key=("project_id",),
    code_columns=("project_id", "investor_uscc", "industry_code"),
    fields={
        "project_id": as_string,
        "project_name": as_string,
        "park": as_string,
        "investor_uscc": as_string,
        "agreed_investment_100m": as_decimal(6),
        "signed_on": as_date,
        "status": as_string,
        "category": as_string,
        "industry_code": as_string,  # optional column (schemas/headers.py OPTIONAL_HEADERS)
    },
    rules=(
        required(P, "project_id", "项目编号"),
        code_as_number(P, "project_id", "项目编号"),
        *unique_key(P, ["project_id"], "项目编号"),
        required(P, "project_name", "项目名称"),
        required(P, "park", "所属园区"),
        *park_known(P, park_aliases()),
        *_investor_rules,
        required(P, "agreed_investment_100m", "协议投资额"),
        parses(
            P,
            "agreed_investment_100m",
            "协议投资额",
            "数值(亿元,最多六位小数)",
            "a number of 100m yuan, at most 6 decimals",
        ),
        at_least(P, "agreed_investment_100m", "协议投资额", 0, strict=True),
        required(P, "signed_on", "签约日期"),
        parses(P, "signed_on", "签约日期", "日期(YYYY-MM-DD)", "a date (YYYY-MM-DD)"),
        not_after_period_end(P, "signed_on", "签约日期"),
        required(P, "status", "项目状态"),
        one_of(P, "status", "项目状态", STATUSES),
        one_of(P, "category", "项目类别", CATEGORIES),
        *industry_code_rules(P, industry_classes(), "项目", "project"),
    ),
)
