"""output (产值与营业收入): monthly values and year-to-date (本年累计) from direct reporting.

Two rules look beyond the file; the loader supplies their context columns:
- `_prev_period`, `_prev_gross_output_ytd_10k`, `_prev_revenue_ytd_10k`: the enterprise's latest
  loaded row earlier in the same year, and `_reported_earlier`: whether an output row of the
  enterprise was received earlier this year (loaded or set aside), so that this month is not its
  first report;
- `_is_industrial`: from the same month's register (null when the enterprise is not in it).
"""

import polars as pl

from schemas.common import (
    ExtractSchema,
    Rule,
    as_decimal,
    as_period,
    as_string,
    at_least,
    parses,
    period_matches,
    required,
    unique_key,
    uscc_rules,
)

P = "OUT"
YTD_TOLERANCE_10K = 0.1
CONTEXT_COLUMNS = {
    "_prev_period": pl.Date,
    "_prev_gross_output_ytd_10k": pl.Float64,
    "_prev_revenue_ytd_10k": pl.Float64,
    "_reported_earlier": pl.Boolean,
    "_is_industrial": pl.Boolean,
}
_LABELS = {
    "gross_output_month_10k": "工业总产值_本月",
    "gross_output_ytd_10k": "工业总产值_本年累计",
    "value_added_month_10k": "工业增加值_本月",
    "revenue_month_10k": "营业收入_本月",
    "revenue_ytd_10k": "营业收入_本年累计",
}


def ytd_chain(ytd: str, month: str, label: str) -> Rule:
    """本年累计 = last month's 本年累计 + this month (this month alone in January or a first report)."""
    # Float64 with the difference rounded: exactly ±0.1 passes despite binary fractions.
    value, current = pl.col(ytd).cast(pl.Float64), pl.col(month).cast(pl.Float64)
    previous = pl.col(f"_prev_{ytd}")
    first_report = (pl.col("_file_period").dt.month() == 1) | (
        pl.col("_prev_period").is_null() & ~pl.col("_reported_earlier").fill_null(False)
    )
    consecutive = pl.col("_prev_period").dt.offset_by("1mo") == pl.col("_file_period")
    ok = (
        pl.when(value.is_null() | current.is_null())
        .then(None)
        .when(first_report)
        .then((value - current).abs().round(6) <= YTD_TOLERANCE_10K)
        .when(consecutive)
        .then((value - previous - current).abs().round(6) <= YTD_TOLERANCE_10K)
        # A month in between is missing: the total can only have grown by at least this month.
        .when(pl.col("_prev_period").is_not_null())
        .then((value - previous - current).round(6) >= -YTD_TOLERANCE_10K)
    )
    return Rule(
        f"{P}-YTD-CHAIN-{ytd.upper()}",
        ytd,
        f"{label}_本年累计须等于上月本年累计加本月数(1月或本年首次报送时等于本月数,误差±0.1万元)",
        f"{label} year-to-date must equal last month's year-to-date plus this month "
        "(this month alone in January or a first report), within ±0.1 (10k yuan)",
        ok,
    )


def _industrial_only(column: str, label: str) -> Rule:
    return Rule(
        f"{P}-INDUSTRIAL-ONLY-{column.upper()}",
        column,
        f"非工业企业的{label}应为空",
        f"{label} must be empty for non-industrial enterprises (GB/T 4754 outside B-D)",
        pl.when(pl.col("_is_industrial").not_()).then(pl.col(column).is_null()),
    )


SCHEMA = ExtractSchema(
    kind="output",
    key=("uscc",),
    code_columns=("uscc",),
    fields={"uscc": as_string, "period": as_period, **{c: as_decimal(6) for c in _LABELS}},
    rules=(
        required(P, "uscc", "统一社会信用代码"),
        *uscc_rules(P),
        *unique_key(P, ["uscc"], "统一社会信用代码"),
        required(P, "period", "所属期"),
        parses(P, "period", "所属期", "月份(YYYY-MM)", "a month (YYYY-MM)"),
        period_matches(P),
        *(
            parses(
                P, c, label, "数值(万元,最多六位小数)", "a number of 10k yuan, at most 6 decimals"
            )
            for c, label in _LABELS.items()
        ),
        *(at_least(P, c, _LABELS[c], 0) for c in _LABELS if c != "value_added_month_10k"),
        ytd_chain("gross_output_ytd_10k", "gross_output_month_10k", "工业总产值"),
        ytd_chain("revenue_ytd_10k", "revenue_month_10k", "营业收入"),
        _industrial_only("gross_output_month_10k", "工业总产值_本月"),
        _industrial_only("gross_output_ytd_10k", "工业总产值_本年累计"),
        _industrial_only("value_added_month_10k", "工业增加值_本月"),
    ),
)
