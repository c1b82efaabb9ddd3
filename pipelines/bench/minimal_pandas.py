"""The pandas script of the benchmark: minimal.sql's counts with `pd.read_csv` and `groupby`.

What a user would write instead of the product to get the plan's tier counts per park and year
from the four monthly extracts, and nothing else. It trusts clean UTF-8 files.

    python minimal_pandas.py LANDING SEEDS OUT.csv

writes OUT.csv: park_code, year, dimension, tier, enterprises: how many enterprises of a park
reach each tier of tier_thresholds in the year, counted in their highest tier only, and
(dimension `enterprises`) how many the park has that year.
"""

import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

USCC = "统一社会信用代码"
KEY = [USCC, "year"]
NAME = re.compile(r"_(\d{4})(\d{2})(?:_v(\d+))?\.csv$")


def read(landing: Path, kind: str, columns: list[str]) -> pd.DataFrame:
    """The highest revision of each month of one extract, with the year and month of its file."""
    latest = {}
    for path in landing.glob(f"{kind}_*.csv"):
        year, month, revision = NAME.search(path.name).groups()
        month_key, revision = (int(year), int(month)), int(revision or 1)
        if month_key not in latest or revision > latest[month_key][0]:
            latest[month_key] = (revision, path)
    return pd.concat(
        pd.read_csv(
            path, usecols=columns, dtype={USCC: str, "行业代码": str}, encoding="utf-8-sig"
        ).assign(year=year, month=month)
        for (year, month), (_, path) in sorted(latest.items())
    )


def main(landing: Path, seeds: Path, out: Path) -> None:
    aliases = pd.read_csv(seeds / "park_aliases.csv").set_index("alias")["park_code"]
    divisions = pd.read_csv(seeds / "industry_divisions.csv", dtype={"division_code": str})
    industrial = divisions.set_index("division_code")["is_industrial"]
    thresholds = pd.read_csv(seeds / "tier_thresholds.csv")

    # park and industry: those of the enterprise's last registered month of the year
    registered = read(landing, "registration", [USCC, "所属园区", "行业代码"])
    registered = registered[
        registered["month"] == registered.groupby(KEY)["month"].transform("max")
    ]
    years = pd.DataFrame(
        {
            USCC: registered[USCC],
            "year": registered["year"],
            "park_code": registered["所属园区"].map(aliases),
            "is_industrial": registered["行业代码"].str[:2].map(industrial),
        }
    ).set_index(KEY)

    # tax: the sum; headcount: summed over the months reported (the mean is compared as
    # sum >= bound x months); amounts are floats, rounded to the files' precision so that a
    # value on a bound reaches it; a sum over nothing reported stays empty (min_count=1)
    tax = read(landing, "tax", [USCC, "税收合计（元）"])
    years["tax"] = tax.groupby(KEY)["税收合计（元）"].sum(min_count=1).round(2)
    employment = read(landing, "employment", [USCC, "参保人数"]).groupby(KEY)["参保人数"]
    years["headcount_sum"] = employment.sum(min_count=1)
    years["headcount_months"] = employment.count()

    # output and revenue: December's year-to-date where December has one, else the sum of
    # the months
    amounts = [
        f"{item}_{span}（万元）"
        for item in ("工业总产值", "营业收入")
        for span in ("本月", "本年累计")
    ]
    output = read(landing, "output", [USCC, *amounts])
    december = output[output["month"] == 12].groupby(KEY)
    months = output.groupby(KEY)
    for name, prefix in (("gross_output", "工业总产值"), ("revenue", "营业收入")):
        ytd = december[f"{prefix}_本年累计（万元）"].max()
        total = months[f"{prefix}_本月（万元）"].sum(min_count=1)
        years[name] = ytd.combine_first(total).round(6)

    years = years[years["park_code"].notna()].reset_index()
    # the output tier's basis: gross output for an industrial enterprise, revenue otherwise
    is_industrial = years["is_industrial"]
    years["output_basis"] = np.select(
        [is_industrial.eq(True), is_industrial.eq(False)],
        [years["gross_output"], years["revenue"]],
        years["gross_output"].fillna(years["revenue"]),
    )

    def reaches(dimension: str, bound: float) -> pd.Series:
        if dimension == "output":
            return years["output_basis"] >= bound
        if dimension == "tax":
            return years["tax"] >= bound
        if dimension == "staff":
            return years["headcount_sum"] >= bound * years["headcount_months"]
        if dimension == "above_scale":
            return is_industrial.eq(True) & (years["revenue"] >= bound)
        raise ValueError(f"tier_thresholds: no rule for the dimension {dimension!r}")

    # each enterprise's tier per dimension: the highest threshold its year reaches
    counts = [years.groupby(["park_code", "year"]).size().reset_index(name="enterprises")]
    counts[0]["dimension"] = "enterprises"
    for dimension, bands in thresholds.groupby("dimension"):
        tier = pd.Series(np.nan, index=years.index, dtype=object)
        reached = pd.Series(False, index=years.index)
        for band in bands.sort_values("min_value").itertuples():
            hit = reaches(dimension, band.min_value)
            tier[hit] = band.tier
            reached |= hit
        tiered = years[reached].assign(dimension=dimension, tier=tier[reached])
        counts.append(
            tiered.groupby(["park_code", "year", "dimension", "tier"], dropna=False)
            .size()
            .reset_index(name="enterprises")
        )
    columns = ["park_code", "year", "dimension", "tier", "enterprises"]
    pd.concat(counts)[columns].to_csv(out, index=False)


if __name__ == "__main__":
    main(*map(Path, sys.argv[1:4]))
