"""land (供地): the parcels supplied in the parks, a full snapshot of the register each month."""

from pipelines.reference import park_aliases
from schemas.common import (
    ExtractSchema,
    Rule,
    as_date,
    as_decimal,
    as_string,
    at_least,
    code_as_number,
    not_after_period_end,
    one_of,
    park_known,
    parses,
    required,
    unique_key,
    uscc_rules,
)

P = "LND"
LAND_USES = ("工业", "仓储", "商服", "其他")
DATE_ZH, DATE_EN = "日期(YYYY-MM-DD)", "a date (YYYY-MM-DD)"

# The holder's USCC is required; its rules are named for the column (LND-HOLDER-USCC-*), as the
# projects register names its investor's, so that a reject says whose code is wrong.
_holder_rules = [
    Rule(
        r.id.replace("-USCC-", "-HOLDER-USCC-"),
        r.column,
        "受让单位" + r.zh,
        "Holder's " + r.en,
        r.expr,
        r.helpers,
    )
    for r in uscc_rules(P, "holder_uscc")
]


def _amount(column: str, label: str, bound: float, strict: bool) -> list[Rule]:
    return [
        required(P, column, label),
        parses(P, column, label, "数值(最多六位小数)", "a number, at most 6 decimals"),
        at_least(P, column, label, bound, strict=strict),
    ]


SCHEMA = ExtractSchema(
    kind="land",
    key=("parcel_id",),
    code_columns=("parcel_id", "holder_uscc"),
    fields={
        "parcel_id": as_string,
        "park": as_string,
        "land_use": as_string,
        "area_mu": as_decimal(6),
        "land_price_10k": as_decimal(6),
        "holder_uscc": as_string,
        "supplied_on": as_date,
        "agreed_start_on": as_date,
        "actual_start_on": as_date,
        "fixed_investment_10k": as_decimal(6),
    },
    rules=(
        required(P, "parcel_id", "地块编号"),
        code_as_number(P, "parcel_id", "地块编号"),
        *unique_key(P, ["parcel_id"], "地块编号"),
        required(P, "park", "所属园区"),
        *park_known(P, park_aliases()),
        required(P, "land_use", "用地性质"),
        one_of(P, "land_use", "用地性质", LAND_USES),
        *_amount("area_mu", "面积(亩)", 0, strict=True),
        *_amount("land_price_10k", "土地价款(万元)", 0, strict=False),
        required(P, "holder_uscc", "受让单位统一社会信用代码"),
        *_holder_rules,
        required(P, "supplied_on", "供地日期"),
        parses(P, "supplied_on", "供地日期", DATE_ZH, DATE_EN),
        not_after_period_end(P, "supplied_on", "供地日期"),
        required(P, "agreed_start_on", "约定开工日期"),
        parses(P, "agreed_start_on", "约定开工日期", DATE_ZH, DATE_EN),
        # empty = not started; a date that is there must be one
        parses(P, "actual_start_on", "实际开工日期", DATE_ZH, DATE_EN),
        not_after_period_end(P, "actual_start_on", "实际开工日期"),
        *_amount("fixed_investment_10k", "累计固定资产投资(万元)", 0, strict=False),
    ),
)
