"""What the reports show, read once from the published warehouse (read-only) and protected.

`load_report_data` opens the DuckDB file read-only, reads the marts the reports need into
polars frames, and applies the disclosure control of `disclosure.py` (unless internal): every
magnitude cell carries a `suppressed` flag, and the values of suppressed cells are kept only in
the internal report (the writers print "—" for them). The publication writes the protected data
to the public warehouse (pipelines/public.py), from which the external reports are read back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from pipelines.reports import disclosure as dc
from schemas.headers import KINDS

CITY = "CITY"
CITY_NAME = "全市"
SUPPRESSED_MARK = "—"

# Extract kinds in the loader's order (schemas/headers.py).
KIND_RANK = {k: i for i, k in enumerate(KINDS)}

# The order and labels of parks, metrics and tiers are data: the warehouse's reference schema
# (the seeds parks.csv, metric_catalog.csv, tier_thresholds.csv), read by load_report_data.
PARKS_SQL = """
select dim.park_code, dim.park_name, dim.park_kind
from marts.dim_park as dim
left join reference.parks as seed using (park_code)
order by seed.display_order nulls last, dim.park_code
"""
METRICS_SQL = """
select metric, metric_label_zh, short_label_zh, display_order
from reference.metric_catalog
order by display_order
"""
TIERS_SQL = """
select dimension, tier, tier_label, cast(min_value as double) as min_value, unit
from reference.tier_thresholds
where tier is not null
order by dimension, min_value desc
"""
# whom the targets count (the seed enterprise_scopes.csv)
SCOPES_SQL = """
select enterprise_scope, label_zh, definition_zh, covers_every_enterprise
from reference.enterprise_scopes
order by display_order
"""

# Park totals: the magnitude measures of fct_enterprise_year, with their label and the factor
# that turns the column's unit into the displayed one (万元).
MEASURES = {
    "output": ("annual_output_10k", "工业总产值", 1.0),
    "revenue": ("annual_revenue_10k", "营业收入", 1.0),
    "value_added": ("annual_value_added_10k", "工业增加值", 1.0),
    "tax": ("annual_tax_yuan", "税收合计", 0.0001),
}
# City attainment metrics that are city totals of a park-totals measure (亿元 = 万元 / 10000).
CITY_MAGNITUDE_METRICS = {"industrial_output": "output", "industrial_value_added": "value_added"}
# The columns of target_attainment withheld in a suppressed row (all but the target).
ATTAINMENT_WITHHELD = (
    "actual",
    "actual_count",
    "gap",
    "attainment_ratio",
    "attained",
    "attainment_status",
)

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


@dataclass
class MagnitudeTable:
    """One park × year table of a magnitude, with its disclosure outcome."""

    measure: str
    label: str
    unit: str
    parks: list[str]
    years: list[int]
    cells: dict[tuple[str, int | str], dc.Cell]  # (park | TOTAL, year | TOTAL) -> cell (万元)
    suppression: dc.Suppression

    def value(self, park: str, year: int | str) -> float | None:
        cell = self.cells.get((park, year))
        return None if cell is None or cell.value is None else float(cell.value)

    def is_suppressed(self, park: str, year: int | str) -> bool:
        return (park, year) in self.suppression

    def shown_status(self, years: list[int]) -> dict[tuple, str]:
        """The suppressed cells among those a report of `years` shows (the totals over the
        years only when it shows several)."""
        columns = [*years, dc.TOTAL] if len(years) > 1 else list(years)
        return {k: s for k, s in self.suppression.status.items() if k[1] in columns}


@dataclass
class LandData:
    """Land use (plan 四(四)1). The aggregates name no enterprise and come from the land
    register (administrative records, not figures enterprises report to the bureau): both
    editions publish them, with no cell suppression. The parcel lists name the holder and its
    investment: the internal edition only (empty frames in the external one)."""

    as_of: str | None  # YYYY-MM of the latest land snapshot in the report's years
    # marts.land_idle_park_year of the report's years, with land_industrial_share's
    # industrial_share_pct, min_share_pct and share_status
    park_years: pl.DataFrame
    intensity: pl.DataFrame  # per park at as_of: industrial parcels, below threshold, shortfall
    idle_list: pl.DataFrame  # marts.land_idle_parcels at as_of, idle a year or more (internal)
    below_list: pl.DataFrame  # marts.land_parcel_intensity at as_of, below threshold (internal)


def _land(con: duckdb.DuckDBPyConnection, years: list[int], internal: bool) -> LandData | None:
    marts = (
        "land_idle_park_year",
        "land_idle_parcels",
        "land_parcel_intensity",
        "land_industrial_share",
    )
    if not all(_has_table(con, "marts", t) for t in marts):
        return None
    # the year's last land snapshot, whether or not a parcel is idle or industrial in it
    as_of = con.execute(
        "select strftime(max(as_of_period), '%Y-%m') from marts.land_idle_park_year "
        "where year in (select unnest(?))",
        [years],
    ).fetchone()[0]
    park_years = _frame(
        con,
        """
        select idle.* replace (strftime(idle.as_of_period, '%Y-%m') as as_of_period),
               share.industrial_share_pct, share.min_share_pct, share.status as share_status
        from marts.land_idle_park_year as idle
        left join marts.land_industrial_share as share using (park_code, year)
        where idle.year in (select unnest(?))
        order by idle.year
        """,
        [years],
    )
    period = f"{as_of}-01" if as_of else "1900-01-01"
    intensity = _frame(
        con,
        """
        select park_code, count(*) as parcels, sum(area_mu) as area_mu,
               count(*) filter (where not meets_threshold) as below,
               coalesce(sum(area_mu) filter (where not meets_threshold), 0) as below_area_mu,
               sum(shortfall_10k) as shortfall_10k
        from marts.land_parcel_intensity
        where period = cast(? as date)
        group by park_code
        """,
        [period],
    )
    idle_list = below_list = pl.DataFrame()
    if internal:
        idle_list = _frame(
            con,
            "select park_code, park_name, parcel_id, holder_uscc, land_use, area_mu, "
            "agreed_start_on, days_idle, idle_status, fee_month, fee_due_10k "
            "from marts.land_idle_parcels where is_idle and period = cast(? as date) "
            "order by days_idle desc, parcel_id",
            [period],
        )
        below_list = _frame(
            con,
            "select park_code, park_name, parcel_id, holder_uscc, supplied_on, area_mu, "
            "fixed_investment_10k, intensity_10k_per_mu, level_at_supply, threshold_10k_per_mu, "
            "level_at_snapshot, shortfall_10k "
            "from marts.land_parcel_intensity where not meets_threshold "
            "and period = cast(? as date) order by shortfall_10k desc, parcel_id",
            [period],
        )
    return LandData(as_of, park_years, intensity, idle_list, below_list)


@dataclass
class ReportData:
    warehouse: Path
    as_of: str | None  # YYYY-MM of the latest data loaded
    years: list[int]  # the years the report covers
    year: int  # the focus year of the dashboard
    internal: bool
    band_counting: str
    parks: pl.DataFrame  # park_code, park_name, park_kind in the parks seed's display_order
    metrics: pl.DataFrame  # metric_catalog: metric, labels, display_order (its order)
    tiers: pl.DataFrame  # tier_thresholds' tiers: dimension, tier, label, min_value, unit
    attainment: pl.DataFrame  # target_attainment (+ suppressed)
    reconciliation: pl.DataFrame
    milestones: pl.DataFrame
    loads: pl.DataFrame  # per month and kind: files and rows
    rejected_files: pl.DataFrame
    rule_rejects: pl.DataFrame
    rule_source: str  # marts.dq_rule_summary or meta.rejects
    dq_months: tuple[str, str]  # first and last month (YYYY-MM) of the data-quality sheet
    enterprise_counts: pl.DataFrame  # park_code, year, enterprises
    park_totals: dict[str, MagnitudeTable]
    city_months: pl.DataFrame  # period, output_10k, tax_yuan, headcount (+ *_suppressed)
    tier_months: pl.DataFrame  # park_code, month, metric, count
    # enterprise_scopes: enterprise_scope, label_zh, definition_zh, covers_every_enterprise
    # (empty in a warehouse without the seed)
    enterprise_scopes: pl.DataFrame = field(default_factory=pl.DataFrame)
    notes: list[str] = field(default_factory=list)
    # park_positioning_year of the report's years, shares of output and tax null where hidden
    # (share_output_suppressed, share_tax_suppressed), see `_positioning`
    positioning: pl.DataFrame = field(default_factory=pl.DataFrame)
    land: LandData | None = None  # plan 四(四)1; None: the warehouse has no land marts

    @property
    def as_of_label(self) -> str:
        return f"数据截至 {self.as_of}" if self.as_of else "数据截至 —(尚无数据)"

    @property
    def edition(self) -> str:
        if self.internal:
            return "内部版 · 未做统计披露控制,仅供统计局内部使用,不得对外提供"
        return "对外发布版 · 已按统计披露控制规则处理:“—”为依法保密不予公布的数据"

    def park_name(self, code: str) -> str:
        if code == CITY:
            return CITY_NAME
        match = self.parks.filter(pl.col("park_code") == code)
        return match["park_name"][0] if match.height else code

    def suppression_counts(self) -> dict[str, int]:
        counts = {dc.PRIMARY: 0, dc.SECONDARY: 0, dc.LINKED: 0}
        for table in self.park_totals.values():
            for status in table.shown_status(self.years).values():
                counts[status] += 1
        return counts


def _has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
        or con.execute(
            "select count(*) from duckdb_views() where schema_name = ? and view_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pl.DataFrame:
    return con.execute(sql, params or []).pl()


def _metric_rank(metrics: pl.DataFrame) -> pl.Expr:
    """The metric's place in metric_catalog's display_order; metrics not in it come last."""
    ranks = {m: i for i, m in enumerate(metrics["metric"].to_list())}
    return pl.col("metric").replace_strict(ranks, default=len(ranks), return_dtype=pl.Int32)


def read_as_of(con: duckdb.DuckDBPyConnection) -> str | None:
    """The latest month loaded: the newest as_of_period of the attainment, else of the months."""
    values = []
    if _has_table(con, "marts", "target_attainment"):
        values.append(
            con.execute(
                "select strftime(max(as_of_period), '%Y-%m') from marts.target_attainment"
            ).fetchone()[0]
        )
    if _has_table(con, "marts", "fct_enterprise_month"):
        sql = "select strftime(max(period), '%Y-%m') from marts.fct_enterprise_month"
        values.append(con.execute(sql).fetchone()[0])
    values = [v for v in values if v]
    return max(values) if values else None


def report_years(
    all_years: list[int], year: int | None, as_of: str | None
) -> tuple[list[int], int]:
    """The years a report covers (`year` alone, else every year of the plan) and the one its
    monthly charts show: `year`, else that of the data's latest month, else the plan's last."""
    if year is not None and year not in all_years:
        raise ValueError(
            f"--year {year}: the plan has targets for {', '.join(map(str, all_years))} only"
        )
    as_of_year = int(as_of[:4]) if as_of else None
    focus = year or (as_of_year if as_of_year in all_years else (all_years[-1] if all_years else 0))
    return ([year] if year else all_years), focus


def load_report_data(
    warehouse: Path,
    *,
    year: int | None = None,
    internal: bool = False,
    progress: Progress = _quiet,
) -> ReportData:
    """Read everything the reports show from the warehouse, opened read-only."""
    warehouse = Path(warehouse)
    if not warehouse.exists():
        raise FileNotFoundError(
            f"no warehouse at {warehouse}: run `parks run` (or `make demo`) first"
        )
    with duckdb.connect(str(warehouse), read_only=True) as con:
        missing = [
            t
            for t in ("target_attainment", "dim_park", "fct_enterprise_year", "park_tier_months")
            if not _has_table(con, "marts", t)
        ]
        if missing:
            raise RuntimeError(
                f"{warehouse} has no marts.{', marts.'.join(missing)}: is it a built warehouse?"
            )
        as_of = read_as_of(con)
        all_years = [
            r[0]
            for r in con.execute(
                "select distinct year from marts.target_attainment order by 1"
            ).fetchall()
        ]
        years, focus = report_years(all_years, year, as_of)
        progress(f"reading {warehouse} (read-only), data as of {as_of or '—'}, years {years}")

        parks = _frame(con, PARKS_SQL)
        metrics = _frame(con, METRICS_SQL)
        tiers = _frame(con, TIERS_SQL)
        enterprise_scopes = (
            _frame(con, SCOPES_SQL)
            if _has_table(con, "reference", "enterprise_scopes")
            else pl.DataFrame()
        )
        attainment = _frame(
            con,
            # the month (a DATE in the warehouse) as the reports show it: YYYY-MM
            "select * replace (strftime(as_of_period, '%Y-%m') as as_of_period) "
            "from marts.target_attainment where year in (select unnest(?)) ",
            [years],
        )
        band_counting = next((b for b in attainment["band_counting"].to_list() if b), "at_or_above")
        reconciliation = (
            _frame(con, "select * from marts.target_reconciliation order by metric")
            if _has_table(con, "marts", "target_reconciliation")
            else pl.DataFrame()
        )
        milestones = (
            _frame(con, "select * from marts.milestones order by due_year, park_code")
            if _has_table(con, "marts", "milestones")
            else pl.DataFrame()
        )
        dq_months = data_quality_months(years, as_of)
        loads, rejected_files, rule_rejects, rule_source = _data_quality(con, dq_months)
        enterprise_counts = _frame(  # one row per enterprise and year (a dbt test)
            con,
            "select park_code, year, count(*) as enterprises "
            "from marts.fct_enterprise_year where park_code is not null "
            "and year in (select unnest(?)) group by all",
            [years],
        )
        progress("disclosure control: park × year tables of output, revenue, value added, tax")
        park_totals = _park_year_tables(con, parks["park_code"].to_list(), all_years, internal)
        city_months = _city_months(con, focus, park_totals, internal)
        tier_months = _tier_months(con, focus)
        land = _land(con, years, internal)
        attainment = _protect_attainment(con, attainment, park_totals, internal).sort(
            ["year", _metric_rank(metrics), "metric"]
        )
        positioning = _positioning(con, years, internal)

    return ReportData(
        warehouse=warehouse,
        as_of=as_of,
        years=years,
        year=focus,
        internal=internal,
        band_counting=band_counting,
        parks=parks,
        metrics=metrics,
        tiers=tiers,
        attainment=attainment,
        reconciliation=reconciliation,
        milestones=milestones,
        loads=loads,
        rejected_files=rejected_files,
        rule_rejects=rule_rejects,
        rule_source=rule_source,
        dq_months=dq_months,
        enterprise_counts=enterprise_counts,
        park_totals=park_totals,
        city_months=city_months,
        tier_months=tier_months,
        positioning=positioning,
        land=land,
        enterprise_scopes=enterprise_scopes,
    )


# ------------------------------------------------------------------ disclosure control


def _park_year_tables(
    con: duckdb.DuckDBPyConnection, parks: list[str], years: list[int], internal: bool
) -> dict[str, MagnitudeTable]:
    """Per measure, the cells per park and year, their totals, and the suppression pattern.

    Always over every year of the plan, whatever years a report shows: a report of one year
    shows a part of the same protected table, so editions never differ in what they hide.
    Contributors are enterprises: a total over years counts an enterprise once, with the sum of
    its years (the dominance rule looks at what one enterprise contributes to the cell). One
    scan of fct_enterprise_year for the four measures (a null value contributes to nothing).
    Its grain is one row per enterprise and year (a dbt test), so a row is what the enterprise
    contributes to its park-year and year cells: only the totals over years group by enterprise.
    A null park_code in a grouping set is the all-parks total (the rows read all have a park)."""
    amounts = ", ".join(
        f"{column} * {factor} as {measure}" for measure, (column, _, factor) in MEASURES.items()
    )
    summed = ", ".join(f"sum({m}) as {m}" for m in MEASURES)
    per_cell = ", ".join(
        f"sum({m}), count(*) filter (where {m} <> 0), max(abs({m}))" for m in MEASURES
    )
    rows = con.execute(
        f"""
        with enterprise_years as (
            select park_code, year, uscc, {amounts}
            from marts.fct_enterprise_year
            where park_code is not null and year in (select unnest(?))
        ),
        over_years as (
            -- what each enterprise contributes over the years to its park's and the city's total
            select park_code, uscc, {summed}
            from enterprise_years
            group by grouping sets ((park_code, uscc), (uscc))
        )
        select park_code, year, {per_cell}
        from enterprise_years
        group by grouping sets ((park_code, year), (year))
        union all
        select park_code, null, {per_cell}
        from over_years
        group by park_code
        """,
        [years],
    ).fetchall()
    cells: dict[str, dict[tuple, dc.Cell]] = {measure: {} for measure in MEASURES}
    for park, year, *values in rows:
        key = (park if park is not None else dc.TOTAL, year if year is not None else dc.TOTAL)
        for i, measure in enumerate(MEASURES):
            value, n, largest = values[3 * i : 3 * i + 3]
            cells[measure][key] = dc.Cell(float(value or 0), int(n), float(largest or 0))
    return {
        measure: _magnitude_table(measure, cells[measure], parks, years, internal)
        for measure in MEASURES
    }


def _magnitude_table(
    measure: str,
    cells: dict[tuple, dc.Cell],
    parks: list[str],
    years: list[int],
    internal: bool,
) -> MagnitudeTable:
    empty = dc.Cell(0.0, 0, 0.0)
    inner = {(p, y): cells.get((p, y), empty) for p in parks for y in years}
    row_totals = {p: cells.get((p, dc.TOTAL), empty) for p in parks}
    column_totals = {y: cells.get((dc.TOTAL, y), empty) for y in years}
    grand = cells.get((dc.TOTAL, dc.TOTAL), empty)
    if internal:
        suppression = dc.Suppression({}, {})
    else:
        suppression = dc.protect_2d(inner, row_totals, column_totals, grand)
    table_cells = {**inner}
    table_cells.update({(p, dc.TOTAL): c for p, c in row_totals.items()})
    table_cells.update({(dc.TOTAL, y): c for y, c in column_totals.items()})
    table_cells[(dc.TOTAL, dc.TOTAL)] = grand
    _, label, _ = MEASURES[measure]
    return MagnitudeTable(measure, label, "万元", parks, years, table_cells, suppression)


def _city_total_cell(con: duckdb.DuckDBPyConnection, measure: str, year: int) -> dc.Cell:
    """The city total of a measure in a year outside the plan's years (for a growth rate)."""
    column, _, factor = MEASURES[measure]
    value, n, largest = con.execute(
        f"""
        select sum(v), count(*) filter (where v <> 0), max(abs(v))
        from (select uscc, sum({column}) * {factor} as v from marts.fct_enterprise_year
              where park_code is not null and {column} is not null and year = ? group by uscc)
        """,
        [year],
    ).fetchone()
    return dc.Cell(float(value or 0), int(n or 0), float(largest or 0))


def _protect_attainment(
    con: duckdb.DuckDBPyConnection,
    attainment: pl.DataFrame,
    park_totals: dict[str, MagnitudeTable],
    internal: bool,
) -> pl.DataFrame:
    """Flag the city attainment rows whose actual gives back a suppressed city total: the
    city's output and value added, and the growth of value added (from two years' totals).
    A flagged row keeps its target only: its actual, gap, ratio and status (which tells whether
    the actual reached the published target) are null, as in the public warehouse."""
    if internal or attainment.is_empty():
        return attainment.with_columns(
            suppressed=pl.lit(False), suppressed_reason=pl.lit(None, dtype=pl.String)
        )

    def city_hidden(measure: str, year: int) -> str | None:
        table = park_totals[measure]
        if year in table.years:
            return table.suppression.code((dc.TOTAL, year))
        why = dc.sensitivity(_city_total_cell(con, measure, year))
        return None if why is None else dc.reason_code(dc.PRIMARY, why)

    def hidden(park: str, metric: str, year: int) -> str | None:
        if park != CITY:
            return None
        if metric in CITY_MAGNITUDE_METRICS:
            return city_hidden(CITY_MAGNITUDE_METRICS[metric], year)
        if metric == "value_added_growth":
            return city_hidden("value_added", year) or city_hidden("value_added", year - 1)
        return None

    reasons = [
        hidden(p, m, y)
        for p, m, y in zip(
            attainment["park_code"], attainment["metric"], attainment["year"], strict=True
        )
    ]
    frame = attainment.with_columns(
        suppressed=pl.Series([r is not None for r in reasons], dtype=pl.Boolean),
        suppressed_reason=pl.Series(reasons, dtype=pl.String),
    )
    withheld = [c for c in ATTAINMENT_WITHHELD if c in frame.columns]
    return frame.with_columns(
        pl.when(pl.col("suppressed")).then(None).otherwise(pl.col(c)).alias(c) for c in withheld
    )


def _positioning(con: duckdb.DuckDBPyConnection, years: list[int], internal: bool) -> pl.DataFrame:
    """park_positioning_year of `years`, in the parks' order. A share of output or tax and the
    park's total give both its parts (in the positioning and outside it): the share is hidden
    when either part is a sensitive cell (n rule or dominance, as the park totals). Enterprise
    counts and their share, entrants and projects are counts, published as they are."""
    if not _has_table(con, "marts", "park_positioning_year"):
        return pl.DataFrame()
    frame = _frame(
        con,
        "select * from marts.park_positioning_year where year in (select unnest(?)) "
        "order by display_order, year",
        [years],
    )
    for measure, unit in (("output", "10k"), ("tax", "yuan")):
        reasons = []
        for r in frame.iter_rows(named=True):
            total = r[f"{measure}_{unit}"] or 0
            inside = r[f"{measure}_positioned_{unit}"] or 0
            parts = (
                dc.Cell(
                    inside,
                    r[f"{measure}_positioned_contributors"],
                    r[f"{measure}_positioned_largest_{unit}"],
                ),
                dc.Cell(
                    total - inside,
                    r[f"{measure}_outside_contributors"],
                    r[f"{measure}_outside_largest_{unit}"],
                ),
            )
            why = [dc.sensitivity(part) for part in parts]
            why = [w for w in why if w]
            hidden = not internal and r[f"share_{measure}"] is not None and bool(why)
            reasons.append(dc.reason_code(dc.PRIMARY, why[0]) if hidden else None)
        frame = frame.with_columns(
            pl.Series(
                f"share_{measure}_suppressed", [r is not None for r in reasons], dtype=pl.Boolean
            ),
            pl.Series(f"share_{measure}_suppressed_reason", reasons, dtype=pl.String),
        ).with_columns(
            pl.when(pl.col(f"share_{measure}_suppressed"))
            .then(None)
            .otherwise(pl.col(f"share_{measure}"))
            .alias(f"share_{measure}")
        )
    return frame


def _city_months(
    con: duckdb.DuckDBPyConnection,
    year: int,
    park_totals: dict[str, MagnitudeTable],
    internal: bool,
) -> pl.DataFrame:
    """City totals by month over all parks: output (万元), tax (元) and insured headcount."""
    frame = _frame(
        con,
        """
        select period,
               cast(sum(gross_output_month_10k) as double)                  as output_10k,
               count(*) filter (where coalesce(gross_output_month_10k, 0) <> 0) as output_n,
               cast(max(abs(gross_output_month_10k)) as double)             as output_top,
               cast(sum(total_tax_yuan) as double)                          as tax_yuan,
               count(*) filter (where coalesce(total_tax_yuan, 0) <> 0)     as tax_n,
               cast(max(abs(total_tax_yuan)) as double)                     as tax_top,
               cast(sum(insured_headcount) as bigint)                       as headcount
        from marts.fct_enterprise_month
        where year = ? and park_code is not null
        group by period
        order by period
        """,
        [year],
    )
    for measure, column in (("output", "output_10k"), ("tax", "tax_yuan")):
        n, top = f"{measure}_n", f"{measure}_top"
        if internal or frame.is_empty():
            reasons = [None] * frame.height
        else:
            cells = {
                p: dc.Cell(v or 0.0, k, t or 0.0)
                for p, v, k, t in zip(
                    frame["period"], frame[column], frame[n], frame[top], strict=True
                )
            }
            table = park_totals[measure]
            # The year total is the park × year table's: hidden there, hidden here; published
            # there, it may not be the cell hidden here to protect a month (a month hidden alone
            # would be the published total minus the others). Given as a cell without
            # contributors, it is neither sensitive nor a candidate; its value in the months' unit.
            total = table.cells.get((dc.TOTAL, year), dc.Cell(0.0, 0, 0.0))
            total = dc.Cell(float(total.value or 0) / MEASURES[measure][2], 0, 0.0)
            forced = [dc.TOTAL] if table.is_suppressed(dc.TOTAL, year) else []
            result = dc.protect_1d(cells, total, forced=forced)
            reasons = [result.code(p) for p in frame["period"]]
        frame = frame.with_columns(
            pl.Series(f"{measure}_suppressed", [r is not None for r in reasons], dtype=pl.Boolean),
            pl.Series(f"{measure}_suppressed_reason", reasons, dtype=pl.String),
        )
    return frame.drop("output_n", "output_top", "tax_n", "tax_top")


def _tier_months(con: duckdb.DuckDBPyConnection, year: int) -> pl.DataFrame:
    """Per park and month of the year, the enterprises in each tier on the year's figures up to
    that month, as dbt counted them (marts.park_tier_months, with the warehouse's band_counting)."""
    return _frame(
        con,
        "select park_code, month, dimension, tier, metric, enterprises "
        "from marts.park_tier_months where year = ? order by park_code, month, dimension, tier",
        [year],
    )


# ------------------------------------------------------------------ data quality


def data_quality_months(years: list[int], as_of: str | None) -> tuple[str, str]:
    """The months the report covers: January of its first year to the December of its last,
    or the as-of month if earlier."""
    first = f"{min(years)}-01" if years else "1900-01"
    last = f"{max(years)}-12" if years else "2100-12"
    if as_of and as_of < last:
        last = as_of
    return first, last


def _data_quality(
    con: duckdb.DuckDBPyConnection, months: tuple[str, str]
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, str]:
    """Files received and rows rejected in the report's months."""
    first, last = f"{months[0]}-01", f"{months[1]}-01"
    window = "period between cast(? as date) and cast(? as date)"
    loads = pl.DataFrame()
    rejected_files = pl.DataFrame()
    if _has_table(con, "meta", "loads"):
        loads = _frame(
            con,
            f"""
            select strftime(period, '%Y-%m') as month, kind,
                   count(*) as files_received,
                   count(*) filter (where status = 'loaded') as files_loaded,
                   count(*) filter (where status = 'file_rejected') as files_rejected,
                   count(*) filter (where status = 'superseded') as files_superseded,
                   sum(rows_read) filter (where status = 'loaded') as rows_read,
                   sum(rows_loaded) filter (where status = 'loaded') as rows_loaded,
                   sum(rows_rejected) filter (where status = 'loaded') as rows_rejected
            from meta.loads
            where {window}
            group by all
            """,
            [first, last],
        ).sort("month", pl.col("kind").replace_strict(KIND_RANK, default=len(KIND_RANK)))
        rejected_files = _frame(
            con,
            f"""
            select strftime(period, '%Y-%m') as month, kind, file_name, message
            from meta.loads
            where status = 'file_rejected' and {window}
            order by month, kind, file_name
            """,
            [first, last],
        )
    if _has_table(con, "marts", "dq_rule_summary"):
        source = "marts.dq_rule_summary"
        rules = _frame(
            con,
            f"""
            select kind, rule_id, any_value(rule_zh) as rule_zh,
                   any_value(column_name) as column_name,
                   sum(items) as items, sum(fails) as rows_rejected, sum(missing) as missing
            from marts.dq_rule_summary
            where {window}
            group by kind, rule_id
            having sum(fails) > 0
            order by rows_rejected desc, kind, rule_id
            """,
            [first, last],
        )
    elif _has_table(con, "meta", "rejects"):
        source = "meta.rejects"
        rules = _frame(
            con,
            f"""
            select kind, rule_id, any_value(rule_zh) as rule_zh,
                   any_value(column_name) as column_name,
                   cast(null as bigint) as items,
                   count(distinct (sha256, row_number)) as rows_rejected,
                   cast(null as bigint) as missing
            from meta.rejects
            where {window}
            group by kind, rule_id
            order by rows_rejected desc, kind, rule_id
            """,
            [first, last],
        )
    else:
        source = "—"
        rules = pl.DataFrame()
    return loads, rejected_files, rules, source
