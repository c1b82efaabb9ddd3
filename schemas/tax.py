"""tax (税收): taxes paid per enterprise and month, from the tax bureau."""

import polars as pl

from schemas.common import (
    ExtractSchema,
    Rule,
    as_decimal,
    as_period,
    as_string,
    parses,
    period_matches,
    required,
    unique_key,
    uscc_rules,
)

P = "TAX"
COMPONENTS = ("vat_yuan", "corporate_income_tax_yuan", "other_taxes_yuan")
_LABELS = {
    "vat_yuan": "增值税",
    "corporate_income_tax_yuan": "企业所得税",
    "other_taxes_yuan": "其他税费",
    "total_tax_yuan": "税收合计",
}

SCHEMA = ExtractSchema(
    kind="tax",
    key=("uscc",),
    code_columns=("uscc",),
    fields={
        "uscc": as_string,
        "period": as_period,
        **{c: as_decimal(2) for c in (*COMPONENTS, "total_tax_yuan")},
    },
    rules=(
        required(P, "uscc", "统一社会信用代码"),
        *uscc_rules(P),
        *unique_key(P, ["uscc"], "统一社会信用代码"),
        required(P, "period", "所属期"),
        parses(P, "period", "所属期", "月份(YYYY-MM)", "a month (YYYY-MM)"),
        period_matches(P),
        *(
            parses(P, c, label, "数值(元,最多两位小数)", "a number of yuan, at most 2 decimals")
            for c, label in _LABELS.items()
        ),
        Rule(
            f"{P}-TOTAL-SUM",
            "total_tax_yuan",
            "税收合计须等于增值税、企业所得税、其他税费之和(误差±1元)",
            "税收合计 must equal the sum of the three taxes within ±1 yuan",
            # `+` keeps nulls: not applicable while a part is not reported.
            (
                pl.col("total_tax_yuan")
                - (pl.col(COMPONENTS[0]) + pl.col(COMPONENTS[1]) + pl.col(COMPONENTS[2]))
            ).abs()
            <= 1,
        ),
    ),
)
