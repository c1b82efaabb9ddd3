"""Month by month: the register snapshot and the tax, employment and output reports.

One call per month, vectorized over all enterprises. Amounts are kept as integer hundredths
(元 cents for tax, 0.01万元 for output) so that sums and year-to-date chains are exact.
"""

from __future__ import annotations

import polars as pl

from . import reference as ref
from .population import month_of
from .rng import Draws

GAP_RATE = 0.02  # a registered enterprise missing from one month's tax or employment report


def _season(kind: pl.Expr, month: int) -> pl.Expr:
    """The month's share of an average month (each profile averages 1 over the year)."""
    factor = {k: v[month - 1] * 12 / sum(v) for k, v in ref.SEASON.items()}
    return pl.when(kind == 1).then(factor[1]).when(kind == 2).then(factor[2]).otherwise(factor[0])


class MonthlyModel:
    """Holds the state that carries from month to month (year-to-date sums, headcount drift)."""

    def __init__(self, pop: pl.DataFrame, key: int, a_start: int, a_end: int):
        self.pop = pop
        self.n = pop.height
        self.key = key
        self.a_start = a_start
        self.a_end = a_end
        self.park_names = {code: park.name for code, park in ref.parks().items()}
        zeros = pl.zeros(self.n, dtype=pl.Int64, eager=True)
        self.state = pl.DataFrame(
            {
                "ytd_out": zeros,
                "ytd_rev": zeros,
                "ar_rev": pl.zeros(self.n, dtype=pl.Float64, eager=True),
                "ar_hc": pl.zeros(self.n, dtype=pl.Float64, eager=True),
            }
        )

    def month(self, a: int) -> dict[str, pl.DataFrame]:
        year, month = month_of(a)
        d = Draws(self.key, self.n).sub("month", a)
        dy = Draws(self.key, self.n).sub("year", year)
        pop, st = self.pop, self.state
        c = pl.col
        u = {name: d.uniform(name) for name in ("gap_tax", "gap_emp", "zero", "refund", "neg_va")}
        z = {
            name: d.normal(name)
            for name in ("rev", "ar_rev", "ar_hc", "vat", "cit", "oth", "va", "rr")
        }
        frame = pl.concat([pop, st], how="horizontal").with_columns(
            **{f"_u_{k}": v for k, v in u.items()},
            **{f"_z_{k}": v for k, v in z.items()},
            _u_refund_amount=d.uniform("refund_amount"),
            _u_start=dy.uniform("out_start"),
            _u_start_m=dy.uniform("out_start_month"),
            _u_end=dy.uniform("out_end"),
            _u_end_m=dy.uniform("out_end_month"),
        )
        first = a == self.a_start or month == 1
        present = (c("t_in") <= a) & (a <= c("t_out"))
        reporting = present & (a >= c("t_in") + c("delay"))
        start_m = pl.when(c("_u_start") < 0.03).then(2 + (c("_u_start_m") * 3).floor()).otherwise(1)
        end_m = pl.when(c("_u_end") < 0.02).then(9 + (c("_u_end_m") * 3).floor()).otherwise(12)
        out_reporting = reporting & (start_m <= month) & (month <= end_m)

        small = c("size") < 30
        ar_rev = 0.6 * c("ar_rev") + 0.15 * c("_z_ar_rev")
        ar_hc = 0.85 * c("ar_hc") + 0.04 * c("_z_ar_hc")
        level = c("size") * (c("growth") * (a / 12)).exp()  # annual, 万元
        sigma = pl.when(small).then(0.45).otherwise(0.2)
        noise = (ar_rev + sigma * c("_z_rev") - sigma**2 / 2).exp()
        zero = c("_u_zero") < pl.when(small).then(0.25).otherwise(0.01)
        main = (
            pl.when(zero).then(0.0).otherwise(level / 12 * _season(c("season_kind"), month) * noise)
        )
        main_c = (main * 100).round().cast(pl.Int64)  # 0.01万元
        industrial = c("industrial")
        revenue_c = (
            pl.when(industrial)
            .then((main_c * c("rev_ratio") * (0.05 * c("_z_rr")).exp()).round().cast(pl.Int64))
            .otherwise(main_c)
        )
        va_c = (
            pl.when((c("_u_neg_va") < 0.004) & (main_c > 0))
            .then(-(main_c * (0.01 + 0.09 * c("_u_refund_amount"))).round().cast(pl.Int64) - 1)
            .otherwise((main_c * c("va_ratio") * (0.1 * c("_z_va")).exp()).round().cast(pl.Int64))
        )
        frame = frame.with_columns(
            _present=present,
            _reporting=reporting,
            _out_reporting=out_reporting,
            _main_c=main_c,
            _revenue_c=revenue_c,
            _va_c=va_c,
            ar_rev=ar_rev,
            ar_hc=ar_hc,
        )
        # Year-to-date restarts in January and in the first month of the range.
        frame = frame.with_columns(
            ytd_out=(pl.lit(0, pl.Int64) if first else c("ytd_out"))
            + pl.when(c("_out_reporting") & industrial).then(c("_main_c")).otherwise(0),
            ytd_rev=(pl.lit(0, pl.Int64) if first else c("ytd_rev"))
            + pl.when(c("_out_reporting")).then(c("_revenue_c")).otherwise(0),
        )
        self.state = frame.select("ytd_out", "ytd_rev", "ar_rev", "ar_hc")

        # ---------- tax, 元 in cents
        tax_year = level * 1e4 * c("tax_rate")  # 元 per year at this month's level
        cit_w = ref.CIT_WEIGHTS[month - 1] / (sum(ref.CIT_WEIGHTS) / 12)
        vat = tax_year / 12 * 0.55 * (0.35 * c("_z_vat") - 0.06).exp()
        cit = tax_year / 12 * 0.30 * cit_w * (0.3 * c("_z_cit") - 0.045).exp()
        oth = tax_year / 12 * 0.15 * (0.3 * c("_z_oth") - 0.045).exp()
        zero_decl = small & (c("_u_zero") < 0.35)
        refund = c("_u_refund") < 0.01
        vat = pl.when(refund).then(-vat * (0.2 + 1.3 * c("_u_refund_amount"))).otherwise(vat)
        oth = (
            pl.when(c("_u_refund").is_between(0.01, 0.015))
            .then(-oth * c("_u_refund_amount"))
            .otherwise(oth)
        )

        def cents(x: pl.Expr) -> pl.Expr:
            return pl.when(zero_decl).then(0).otherwise((x * 100).round().cast(pl.Int64))

        tax = (
            frame.filter(c("_reporting") & (c("_u_gap_tax") >= GAP_RATE))
            .select(
                "uscc",
                period=pl.lit(a),
                vat_yuan=cents(vat),
                corporate_income_tax_yuan=cents(cit),
                other_taxes_yuan=cents(oth),
            )
            .with_columns(
                total_tax_yuan=c("vat_yuan")
                + c("corporate_income_tax_yuan")
                + c("other_taxes_yuan")
            )
        )

        # ---------- employment
        hseason = (
            pl.when(c("season_kind") > 0)
            .then(1 + 0.3 * (_season(c("season_kind"), month) - 1))
            .otherwise(1.0)
        )
        headcount = (
            (c("headcount") * (0.5 * c("growth") * (a / 12)).exp() * hseason * c("ar_hc").exp())
            .round()
            .cast(pl.Int64)
            .clip(0)
        )
        employment = frame.filter(c("_reporting") & (c("_u_gap_emp") >= GAP_RATE)).select(
            "uscc", period=pl.lit(a), insured_headcount=headcount
        )

        # ---------- output
        output = frame.filter(c("_out_reporting")).select(
            "uscc",
            period=pl.lit(a),
            gross_output_month_10k=pl.when(industrial).then(c("_main_c")),
            gross_output_ytd_10k=pl.when(industrial).then(c("ytd_out")),
            value_added_month_10k=pl.when(industrial).then(c("_va_c")),
            revenue_month_10k=c("_revenue_c"),
            revenue_ytd_10k=c("ytd_rev"),
        )

        # ---------- register snapshot
        registration = frame.filter(c("_present")).select(
            "uscc",
            "enterprise_name",
            park=pl.when(a >= c("t_move"))
            .then(c("park1"))
            .otherwise(c("park0"))
            .replace_strict(self.park_names, return_dtype=pl.String),
            industry_code=c("industry_code"),
            status=pl.when(c("t_out") == a).then(c("leave_status")).otherwise(c("status_normal")),
            established_on=c("established"),
            registered_capital_10k=(c("capital") * 100).round().cast(pl.Int64),
            is_high_tech=a >= c("high_tech_from"),
            is_tech_sme=a >= c("sme_from"),
            is_tech_leader=a >= c("leader_from"),
            listing_board=pl.when(a >= c("listed_from")).then(c("board")),
        )
        return {
            "registration": registration,
            "tax": tax,
            "employment": employment,
            "output": output,
        }
