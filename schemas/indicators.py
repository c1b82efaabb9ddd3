"""indicators: figures the bureau collects once a year (规划面积, 科研投入, GDP, 对接500强企业),
one row per park or 全市, year and indicator code. The codes, their units and which are reported
for the city only are the seed seeds/indicator_codes.csv."""

import polars as pl

from pipelines.reference import indicator_codes, park_aliases
from schemas.common import (
    ExtractSchema,
    Rule,
    as_decimal,
    as_integer,
    as_string,
    at_least,
    one_of,
    parses,
    required,
    text,
    unique_key,
)

P = "IND"
CITY_NAME = "全市"  # the city as a whole, beside the parks
CITY_CODE = "CITY"  # as in plan_targets


def as_year(e: pl.Expr) -> pl.Expr:
    """A year written as four digits ("2019", "2019.0" from a spreadsheet, "2019年") -> January 1
    of that year, the period a yearly file loads in."""
    year = as_integer(e.str.strip_suffix("年"))
    return pl.when(year.is_between(1900, 2999)).then(pl.date(year, 1, 1))


_codes = indicator_codes()
_city_only = sorted(code for code, city_only in _codes.items() if city_only)
_parks = park_aliases()

SCHEMA = ExtractSchema(
    kind="indicators",
    key=("park", "period", "indicator_code"),
    raw_key=("park_code", "indicator_code"),
    fields={
        "park": as_string,
        "period": as_year,
        "indicator_code": as_string,
        "value": as_decimal(6),
        "source": as_string,
    },
    same_key={"park": {alias: code for alias, code in _parks.items()}},
    extra_parks={CITY_NAME: CITY_CODE},
    rules=(
        *unique_key(P, ["park", "period", "indicator_code"], "园区、年度和指标代码"),
        required(P, "park", "园区"),
        Rule(
            f"{P}-PARK-KNOWN",
            "park",
            f"园区须为已知园区名称或别名,或“{CITY_NAME}”",
            f"园区 must be a known park name or alias, or {CITY_NAME} for the city",
            text("park").is_in([*_parks, CITY_NAME]),
        ),
        required(P, "period", "年度"),
        parses(P, "period", "年度", "四位数字的年份(如 2019)", "a year of four digits (e.g. 2019)"),
        Rule(
            f"{P}-YEAR-MATCH",
            "period",
            "年度须与文件名中的年份一致",
            "年度 must equal the year in the file name",
            pl.col("period") == pl.col("_file_period"),
        ),
        required(P, "indicator_code", "指标代码"),
        one_of(P, "indicator_code", "指标代码", list(_codes)),
        Rule(
            f"{P}-CITY-ONLY-INDICATOR_CODE",
            "park",
            f"指标 {'、'.join(_city_only)} 只按{CITY_NAME}报送,不按园区报送",
            f"indicators {', '.join(_city_only)} are reported for {CITY_NAME} only, not per park",
            pl.when(text("indicator_code").is_in(_city_only) & text("park").is_not_null()).then(
                text("park") == CITY_NAME
            ),
        ),
        required(P, "value", "数值"),
        parses(P, "value", "数值", "数值(最多六位小数)", "a number, at most 6 decimals"),
        at_least(P, "value", "数值", 0),
    ),
)
