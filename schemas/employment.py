"""employment (参保就业): social-insurance headcount per enterprise at month end."""

from schemas.common import (
    ExtractSchema,
    as_integer,
    as_period,
    as_string,
    at_least,
    parses,
    period_matches,
    required,
    unique_key,
    uscc_rules,
)

P = "EMP"

SCHEMA = ExtractSchema(
    kind="employment",
    key=("uscc",),
    code_columns=("uscc",),
    fields={"uscc": as_string, "period": as_period, "insured_headcount": as_integer},
    rules=(
        required(P, "uscc", "统一社会信用代码"),
        *uscc_rules(P),
        *unique_key(P, ["uscc"], "统一社会信用代码"),
        required(P, "period", "所属期"),
        parses(P, "period", "所属期", "月份(YYYY-MM)", "a month (YYYY-MM)"),
        period_matches(P),
        parses(P, "insured_headcount", "参保人数", "整数", "an integer"),
        at_least(P, "insured_headcount", "参保人数", 0),
    ),
)
