"""The public warehouse: what may leave the bureau, written at each publication.

`public.duckdb` (Paths.public) holds only tables that name no enterprise and hold no row of one:
the figures of the external reports, after the same disclosure control
(pipelines/reports/disclosure.py), made here from the report data of `load_report_data`. The
external workbook and dashboard are read back from this file (`load_public_report_data`), so
what is printed and what is shared cannot differ. A suppressed cell is NULL, with a flag column
saying why: 'n_rule' (fewer than 3 enterprises), 'dominance' (one above 85 %), 'secondary'
(hidden so that it cannot be computed from the totals) or 'linked' (hidden in another table
sharing it).

Like the main warehouse it is written beside its place under another name, checked to open,
made readable by every account (it is meant to be shared) and renamed into place: a reader
keeps the old file, a failed build leaves the last one.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import polars as pl

from pipelines.confidential import PUBLIC_FILE_MODE
from pipelines.publish import PublicationError
from pipelines.reports import data as rd
from pipelines.reports import disclosure as dc

# Each table of the public warehouse and what it holds (its COMMENT and the `readme` table).
TABLES = {
    "readme": "本库各表说明 / what each table of this file holds",
    "about": "数据截至月份、规划年份、计数口径等 / as-of month, plan years, band counting",
    "parks": "园区及其显示顺序 / the parks in display order",
    "metrics": "规划指标目录 / the plan's metric catalog",
    "tiers": "分档门槛 / the tier thresholds",
    "enterprise_scopes": "目标计数的企业范围 / whom each target counts",
    "attainment": "各园区(全市为 CITY)各年规划目标完成情况;保密行只保留目标值 / attainment "
    "per park (CITY: the city) and year; a suppressed row keeps its target only",
    "reconciliation": "全市目标与各园区目标之和的核对 / city targets beside the parks' sum",
    "milestones": "规划节点任务 / the plan's milestones",
    "enterprise_counts": "各园区各年企业数(照常公布) / enterprises per park and year",
    "park_year_totals": "各园区各年工业总产值、营业收入、工业增加值、税收合计(万元),已做披露控制;"
    "park_code = 'CITY' 为全市合计,year 为空为规划各年合计 / park × year sums of the protected "
    "measures (万元); park_code 'CITY' is the city total, a null year the total over the years",
    "city_months": "全市月度合计:工业总产值(万元)、税收合计(元)、参保人数 / the city's monthly "
    "output, tax and insured headcount",
    "tier_months": "各园区逐月分档企业数(本年累计口径) / enterprises per tier, park and month",
    "positioning": "园区产业定位落实情况(占比) / industrial positioning per park and year",
    "land_park_year": "各园区各年闲置土地与产业用地比重(不含逐宗地块) / idle land and the "
    "industrial share per park and year (no parcel)",
    "land_intensity": "各园区工业地块投资强度汇总(按供地快照月) / investment intensity per park "
    "at a land snapshot (no parcel)",
    "dq_loads": "各月各类提取文件的接收与装载 / files received and rows loaded per month and kind",
    "dq_rejected_files": "整文件拒收的文件 / files rejected whole",
    "dq_rule_rejects": "各月按规则统计的剔除行数 / rows rejected per month and rule",
}
REASON_COMMENT = (
    "保密原因:n_rule 少于3家企业,dominance 单一企业超过85%,secondary 补充保密,linked 关联表中保密;"
    "空为公布 / why the value is withheld (null: published)"
)
COLUMNS = {
    ("park_year_totals", "value"): "金额(万元);保密为空 / the sum (万元), null when suppressed",
    ("park_year_totals", "suppressed_reason"): REASON_COMMENT,
    ("attainment", "suppressed_reason"): REASON_COMMENT,
    ("city_months", "output_suppressed_reason"): REASON_COMMENT,
    ("city_months", "tax_suppressed_reason"): REASON_COMMENT,
    ("positioning", "share_output_suppressed_reason"): REASON_COMMENT,
    ("positioning", "share_tax_suppressed_reason"): REASON_COMMENT,
}
# What the external positioning shows (park_positioning_year also holds the parks' sums and the
# largest contribution of one enterprise: never public).
POSITIONING_COLUMNS = [
    "park_code",
    "park_name",
    "year",
    "display_order",
    "has_positioning",
    "park_positioning",
    "enterprises",
    "enterprises_positioned",
    "share_enterprises",
    "share_output",
    "share_output_suppressed",
    "share_output_suppressed_reason",
    "share_tax",
    "share_tax_suppressed",
    "share_tax_suppressed_reason",
    "entrants",
    "entrants_outside",
    "projects_signed",
    "projects_with_code",
    "projects_outside",
]
STATUS_OF_CODE = {
    dc.N_RULE: dc.PRIMARY,
    dc.DOMINANCE_RULE: dc.PRIMARY,
    dc.SECONDARY: dc.SECONDARY,
    dc.LINKED: dc.LINKED,
}


# ------------------------------------------------------------------ building


def public_tables(warehouse: Path, progress: rd.Progress = rd._quiet) -> dict[str, pl.DataFrame]:
    """The public tables, from the protected report data of every year of the plan."""
    data = rd.load_report_data(warehouse, progress=progress)
    progress("public warehouse: the tables of every year")
    tables: dict[str, pl.DataFrame] = {
        "about": pl.DataFrame(
            {
                "as_of": [data.as_of],
                "plan_years": [data.years],
                "band_counting": [data.band_counting],
                "rule_source": [data.rule_source],
                "has_land": [data.land is not None],
            }
        ),
        "parks": data.parks.with_row_index("display_order", offset=1),
        "metrics": data.metrics,
        "tiers": data.tiers,
        "enterprise_scopes": data.enterprise_scopes,
        "attainment": data.attainment,
        "reconciliation": data.reconciliation,
        "milestones": data.milestones,
        "enterprise_counts": data.enterprise_counts,
        "park_year_totals": _park_year_totals(data),
    }
    if data.positioning.height:
        tables["positioning"] = data.positioning.select(POSITIONING_COLUMNS)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        city, tiers, land_years, intensity = [], [], [], []
        for year in data.years:
            frame = rd._city_months(con, year, data.park_totals, internal=False)
            city.append(frame.with_columns(year=pl.lit(year, dtype=pl.Int32)))
            tiers.append(rd._tier_months(con, year).with_columns(year=pl.lit(year, pl.Int32)))
            land = rd._land(con, [year], internal=False)
            if land is not None:
                land_years.append(land.park_years)
                as_of = pl.lit(land.as_of, dtype=pl.String)  # None: no snapshot that year
                intensity.append(land.intensity.with_columns(as_of_period=as_of))
        if city:  # none where the plan has no year (no targets)
            tables["city_months"] = pl.concat(city, how="vertical_relaxed").with_columns(
                pl.when(pl.col(f"{m}_suppressed")).then(None).otherwise(pl.col(c)).alias(c)
                for m, c in (("output", "output_10k"), ("tax", "tax_yuan"))
            )
            tables["tier_months"] = pl.concat(tiers, how="vertical_relaxed")
        if land_years:
            tables["land_park_year"] = pl.concat(land_years, how="vertical_relaxed")
            tables["land_intensity"] = pl.concat(intensity, how="vertical_relaxed").unique(
                maintain_order=True
            )
        tables.update(_data_quality_by_month(con))
    return {name: frame for name, frame in tables.items() if frame.width}


def _park_year_totals(data: rd.ReportData) -> pl.DataFrame:
    rows = []
    for measure, table in data.park_totals.items():
        for park in [*table.parks, dc.TOTAL]:
            for year in [*table.years, dc.TOTAL]:
                code = table.suppression.code((park, year))
                rows.append(
                    {
                        "measure": measure,
                        "measure_label": table.label,
                        "unit": table.unit,
                        "park_code": rd.CITY if park == dc.TOTAL else park,
                        "year": None if year == dc.TOTAL else year,
                        "value": None if code else table.value(park, year),
                        "suppressed_reason": code,
                    }
                )
    schema = {"year": pl.Int32, "value": pl.Float64, "suppressed_reason": pl.String}
    return pl.DataFrame(rows, schema_overrides=schema)


def _data_quality_by_month(con: duckdb.DuckDBPyConnection) -> dict[str, pl.DataFrame]:
    """Files received and rows rejected per month: a report sums the months it covers."""
    out = {}
    if rd._has_table(con, "meta", "loads"):
        out["dq_loads"] = rd._frame(
            con,
            """
            select strftime(period, '%Y-%m') as month, kind,
                   count(*) as files_received,
                   count(*) filter (where status = 'loaded') as files_loaded,
                   count(*) filter (where status = 'file_rejected') as files_rejected,
                   count(*) filter (where status = 'superseded') as files_superseded,
                   sum(rows_read) filter (where status = 'loaded') as rows_read,
                   sum(rows_loaded) filter (where status = 'loaded') as rows_loaded,
                   sum(rows_rejected) filter (where status = 'loaded') as rows_rejected
            from meta.loads
            group by all
            order by month, kind
            """,
        )
        out["dq_rejected_files"] = rd._frame(
            con,
            """
            select strftime(period, '%Y-%m') as month, kind, file_name, message
            from meta.loads
            where status = 'file_rejected'
            order by month, kind, file_name
            """,
        )
    if rd._has_table(con, "marts", "dq_rule_summary"):
        out["dq_rule_rejects"] = rd._frame(
            con,
            """
            select strftime(period, '%Y-%m') as month, kind, rule_id,
                   any_value(rule_zh) as rule_zh, any_value(column_name) as column_name,
                   sum(items) as items, sum(fails) as rows_rejected, sum(missing) as missing
            from marts.dq_rule_summary
            group by all
            order by month, kind, rule_id
            """,
        )
    elif rd._has_table(con, "meta", "rejects"):
        out["dq_rule_rejects"] = rd._frame(
            con,
            """
            select strftime(period, '%Y-%m') as month, kind, rule_id,
                   any_value(rule_zh) as rule_zh, any_value(column_name) as column_name,
                   cast(null as bigint) as items,
                   count(distinct (sha256, row_number)) as rows_rejected,
                   cast(null as bigint) as missing
            from meta.rejects
            group by all
            order by month, kind, rule_id
            """,
        )
    return out


def write_public(
    warehouse: Path, public: Path, progress: rd.Progress = rd._quiet
) -> dict[str, int]:
    """Write the public warehouse of `warehouse` to `public`, atomically. Returns the rows of
    each table. Whatever fails, the file at `public` is the one before (or none)."""
    tables = public_tables(warehouse, progress)
    public.parent.mkdir(parents=True, exist_ok=True)
    staging = public.with_name(f".{public.name}.writing")
    staging.unlink(missing_ok=True)  # left by a killed run
    staging.with_name(staging.name + ".wal").unlink(missing_ok=True)
    try:
        with duckdb.connect(str(staging)) as con:
            _write_tables(con, tables)
            con.execute("checkpoint")
        os.chmod(staging, PUBLIC_FILE_MODE)  # meant to be shared
        with open(staging, "rb+") as f:
            os.fsync(f.fileno())
        with duckdb.connect(str(staging), read_only=True) as con:
            counts = {
                name: con.execute(f'select count(*) from "{name}"').fetchone()[0]
                for name in TABLES
                if name in tables or name == "readme"
            }
    except (duckdb.Error, OSError) as e:
        staging.unlink(missing_ok=True)
        raise PublicationError(f"the public warehouse {public} was not written: {e}") from e
    except BaseException:
        staging.unlink(missing_ok=True)
        raise
    os.replace(staging, public)
    directory = os.open(public.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    progress(f"public warehouse {public}: {len(counts)} tables")
    return counts


def _write_tables(con: duckdb.DuckDBPyConnection, tables: dict[str, pl.DataFrame]) -> None:
    readme = pl.DataFrame(
        {
            "table_name": [t for t in TABLES if t in tables or t == "readme"],
            "description": [d for t, d in TABLES.items() if t in tables or t == "readme"],
        }
    )
    for name, frame in {"readme": readme, **tables}.items():
        con.register("frame", frame)
        con.execute(f'create table "{name}" as select * from frame')
        con.unregister("frame")
        con.execute(f"comment on table \"{name}\" is '{_quoted(TABLES[name])}'")
    for (table, column), text in COLUMNS.items():
        if table in tables and column in tables[table].columns:
            con.execute(f'comment on column "{table}"."{column}" is \'{_quoted(text)}\'')


def _quoted(text: str) -> str:
    return text.replace("'", "''")


# ------------------------------------------------------------------ reading (external reports)


def load_public_report_data(
    public: Path, *, year: int | None = None, progress: rd.Progress = rd._quiet
) -> rd.ReportData:
    """What the external reports show, read from the public warehouse (read-only): the same
    `ReportData` as `load_report_data` of the full warehouse, with suppressed values null."""
    public = Path(public)
    if not public.exists():
        raise FileNotFoundError(
            f"no public warehouse at {public}: it is written by each publication "
            "(`parks run`, or `make demo`)"
        )
    with duckdb.connect(str(public), read_only=True) as con:
        if not rd._has_table(con, "main", "park_year_totals"):
            raise RuntimeError(
                f"{public} is not a public warehouse (no table park_year_totals); the full "
                "warehouse gives the internal edition only (--internal)"
            )

        def table(name: str, where: str = "", params: list | None = None) -> pl.DataFrame:
            if not rd._has_table(con, "main", name):
                return pl.DataFrame()
            return rd._frame(con, f'select * from "{name}" {where}', params)

        about = table("about").row(0, named=True)
        as_of = about["as_of"]
        all_years = sorted(table("attainment")["year"].unique().to_list())
        years, focus = rd.report_years(all_years, year, as_of)
        progress(f"reading {public} (read-only), data as of {as_of or '—'}, years {years}")
        in_years = ("where year in (select unnest(?))", [years])
        parks = table("parks", "order by display_order").drop("display_order")
        metrics = table("metrics")
        attainment = table("attainment", *in_years)
        band_counting = next((b for b in attainment["band_counting"].to_list() if b), "at_or_above")
        dq_months = rd.data_quality_months(years, as_of)
        loads, rejected_files, rule_rejects = _data_quality(con, dq_months)
        land = None
        if about["has_land"]:
            land_years = table("land_park_year", *in_years)
            land_as_of = land_years["as_of_period"].max() if land_years.height else None
            land = rd.LandData(
                land_as_of,
                land_years,
                table("land_intensity", "where as_of_period = ?", [land_as_of]).drop(
                    "as_of_period"
                ),
                pl.DataFrame(),
                pl.DataFrame(),
            )
        positioning = table("positioning", in_years[0] + " order by display_order, year", [years])
        return rd.ReportData(
            warehouse=public,
            as_of=as_of,
            years=years,
            year=focus,
            internal=False,
            band_counting=band_counting,
            parks=parks,
            metrics=metrics,
            tiers=table("tiers"),
            attainment=attainment,
            reconciliation=table("reconciliation"),
            milestones=table("milestones"),
            loads=loads,
            rejected_files=rejected_files,
            rule_rejects=rule_rejects,
            rule_source=about["rule_source"],
            dq_months=dq_months,
            enterprise_counts=table("enterprise_counts", *in_years),
            park_totals=_magnitude_tables(table("park_year_totals"), parks),
            city_months=table("city_months", "where year = ?", [focus]).drop("year", strict=False),
            tier_months=table("tier_months", "where year = ?", [focus]).drop("year", strict=False),
            positioning=positioning,
            land=land,
            enterprise_scopes=table("enterprise_scopes"),
        )


def _magnitude_tables(frame: pl.DataFrame, parks: pl.DataFrame) -> dict[str, rd.MagnitudeTable]:
    """The park × year tables as the report writers take them, from park_year_totals."""
    park_codes = parks["park_code"].to_list()
    years = sorted(y for y in frame["year"].unique().to_list() if y is not None)
    out = {}
    for measure, (_, label, _) in rd.MEASURES.items():
        cells, status, reasons = {}, {}, {}
        for r in frame.filter(pl.col("measure") == measure).iter_rows(named=True):
            key = (
                dc.TOTAL if r["park_code"] == rd.CITY else r["park_code"],
                dc.TOTAL if r["year"] is None else r["year"],
            )
            cells[key] = dc.Cell(r["value"], 0)
            if r["suppressed_reason"]:
                status[key] = STATUS_OF_CODE[r["suppressed_reason"]]
                reasons[key] = r["suppressed_reason"]
        out[measure] = rd.MagnitudeTable(
            measure, label, "万元", park_codes, years, cells, dc.Suppression(status, reasons)
        )
    return out


def _data_quality(
    con: duckdb.DuckDBPyConnection, months: tuple[str, str]
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The data-quality tables of the report's months, summed as the full warehouse's are."""
    window = "month between ? and ?"
    loads = rejected = rules = pl.DataFrame()
    if rd._has_table(con, "main", "dq_loads"):
        loads = rd._frame(con, f"select * from dq_loads where {window}", list(months)).sort(
            "month", pl.col("kind").replace_strict(rd.KIND_RANK, default=len(rd.KIND_RANK))
        )
        rejected = rd._frame(
            con,
            f"select * from dq_rejected_files where {window} order by month, kind, file_name",
            list(months),
        )
    if rd._has_table(con, "main", "dq_rule_rejects"):
        rules = rd._frame(
            con,
            f"""
            select kind, rule_id, any_value(rule_zh) as rule_zh,
                   any_value(column_name) as column_name,
                   sum(items) as items, sum(rows_rejected) as rows_rejected,
                   sum(missing) as missing
            from dq_rule_rejects
            where {window}
            group by kind, rule_id
            having sum(rows_rejected) > 0
            order by rows_rejected desc, kind, rule_id
            """,
            list(months),
        )
    return loads, rejected, rules
