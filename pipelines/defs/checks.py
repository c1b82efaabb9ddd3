"""Data-quality asset checks, shown in the Dagster UI beside the assets they judge.

On every raw asset `raw/<kind>`:
- `no_file_rejected`: for no month is the highest revision received rejected as a whole
  (meta.loads status `file_rejected`: encoding, header, wrong month, empty). Such a month keeps
  the highest revision below it that loads, or has none.
- `reject_rate_below_5pct`: every month's current file had fewer than 5 % of its rows set aside.

On the data-quality marts (dbt models, dbt_project/models/marts/dq_*.sql):
- `marts/dq_rule_summary` `rules_recorded_for_every_file`: every loaded file has its per-rule
  counts (files loaded before meta.rule_results existed have none); the metadata lists the rules
  that fail most.
- `marts/dq_cross_extract` `no_cross_extract_findings`: the findings, counted per check id.
- `marts/dq_month_movement` `no_flagged_movement`: no month moved more than the threshold.

On the land marts (plan 四(四)1):
- `marts/land_idle_parcels` `no_idle_land`: in the latest land snapshot no parcel is idle for a
  year or more; the metadata lists the idle parcels (park, parcel, holder, days idle, fee due)
  and counts the reclaim candidates.
- `marts/land_parcel_intensity` `intensity_meets_threshold`: in the latest land snapshot every
  industrial parcel's investment intensity meets its park's threshold; the metadata lists those
  below it.
- `marts/land_industrial_share` `industrial_land_meets_floor`: in the latest year every park's
  industrial land share meets the plan's floor; the metadata lists those below it and those
  without a planned area or a land snapshot.

On the positioning marts (plan 四(一), 四(四)3; docs/industrial-positioning.md):
- `marts/positioning_projects` `no_project_outside_positioning`: no project with an industry
  code was signed outside its park's positioning ("有关部门不予审批"); the metadata lists them.
- `marts/park_positioning_year` `no_entrant_outside_positioning`: no enterprise entered a park
  during the plan outside its positioning; the metadata counts them per park and year.

Every check has WARN severity and never blocks: they report, a statistician decides. They read
the build warehouse (`Paths.build`, the file the assets write) read-only, after the assets they
check. Two ops evaluate them (`raw_quality_checks` after the raw assets, `marts_quality_checks`
after the dbt models; each runs only the checks selected), in the writers' pool so that they
never meet a writer's lock: two steps per run, not fifteen. Raw assets are partitioned by month
but these checks are not: each evaluates everything loaded, all months.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import partial

import dagster as dg
import duckdb

from pipelines.config import Paths
from pipelines.defs.raw import WAREHOUSE_POOL
from schemas import SCHEMAS

WARN = dg.AssetCheckSeverity.WARN
REJECT_RATE_LIMIT = 0.05  # share of a file's rows set aside above which the month is listed
LISTED = 30  # rows shown in a markdown table of the metadata


# The connection of the checks being evaluated together (`_reading`), if any.
_READING: ContextVar[duckdb.DuckDBPyConnection | None] = ContextVar("checks_reading", default=None)


def _query(sql: str, params: list | None = None) -> list[dict]:
    """Rows of a query on the build warehouse: on the connection of `_reading`, else opened
    read-only for this query only."""
    con = _READING.get()
    if con is not None:
        return _rows(con, sql, params)
    path = Paths.from_env().build
    if not path.exists():
        raise FileNotFoundError(f"no warehouse at {path} yet")
    with duckdb.connect(str(path), read_only=True) as con:
        return _rows(con, sql, params)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@contextmanager
def _reading() -> Iterator[None]:
    """One read-only connection for the queries of the block: opening the build costs more than
    most checks' queries (docs/performance.md). Without a build, or if it cannot be opened, each
    query opens it and meets the error itself, as when evaluated alone."""
    path = Paths.from_env().build
    try:
        con = duckdb.connect(str(path), read_only=True) if path.exists() else None
    except duckdb.IOException:
        con = None
    token = _READING.set(con)
    try:
        yield
    finally:
        _READING.reset(token)
        if con is not None:
            con.close()


def _table(rows: list[dict], columns: list[str]) -> dg.MetadataValue:
    """A markdown table of the first LISTED rows."""
    if not rows:
        return dg.MetadataValue.md("(none)")
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows[:LISTED]:
        cells = (str(row[c]).replace("|", "\\|").replace("\n", " ") for c in columns)
        lines.append("| " + " | ".join(cells) + " |")
    if len(rows) > LISTED:
        lines.append(f"\n… and {len(rows) - LISTED} more")
    return dg.MetadataValue.md("\n".join(lines))


@dataclass(frozen=True)
class Verdict:
    passed: bool
    description: str
    metadata: dict[str, dg.MetadataValue] = field(default_factory=dict)


# ------------------------------------------------------------------------------ raw/<kind>


def evaluate_no_file_rejected(kind: str) -> Verdict:
    rows = _query(
        """
        with latest as (
            select period, file_name, status, message, received_at
            from meta.loads
            where kind = ? and status in ('loaded', 'file_rejected')
            -- the highest revision: a refused one is tried before the lower one that loads
            qualify row_number() over (
                partition by period order by revision desc, received_at desc
            ) = 1
        )
        select strftime(period, '%Y-%m') as month, file_name, message,
               status = 'file_rejected' as rejected
        from latest
        order by period
        """,
        [kind],
    )
    rejected = [r for r in rows if r["rejected"]]
    for r in rejected:
        r["message"] = (r["message"] or "")[:200]
    return Verdict(
        passed=not rejected,
        description=(
            f"{len(rejected)} of {len(rows)} months: the latest file was rejected as a whole"
            if rejected
            else f"{len(rows)} months: no latest file rejected as a whole"
        ),
        metadata={
            "months": dg.MetadataValue.int(len(rows)),
            "months_with_rejected_file": dg.MetadataValue.int(len(rejected)),
            "rejected_files": _table(rejected, ["month", "file_name", "message"]),
        },
    )


def evaluate_reject_rate(kind: str) -> Verdict:
    rows = _query(
        """
        select strftime(period, '%Y-%m') as month, file_name, rows_read, rows_rejected,
               round(rows_rejected / nullif(rows_read, 0), 4) as reject_rate
        from meta.loads
        where kind = ? and status = 'loaded'
        order by period
        """,
        [kind],
    )
    read = sum(r["rows_read"] or 0 for r in rows)
    rejected = sum(r["rows_rejected"] or 0 for r in rows)
    high = [r for r in rows if (r["reject_rate"] or 0) >= REJECT_RATE_LIMIT]
    worst = max(rows, key=lambda r: r["reject_rate"] or 0, default=None)
    return Verdict(
        passed=not high,
        description=(
            f"{len(high)} of {len(rows)} months set aside {REJECT_RATE_LIMIT:.0%} of their rows "
            "or more"
            if high
            else f"{len(rows)} months: every file set aside less than {REJECT_RATE_LIMIT:.0%}"
        ),
        metadata={
            "months": dg.MetadataValue.int(len(rows)),
            "rows_read": dg.MetadataValue.int(read),
            "rows_rejected": dg.MetadataValue.int(rejected),
            "overall_reject_rate": dg.MetadataValue.float(
                round(rejected / read, 4) if read else 0.0
            ),
            "worst_month": dg.MetadataValue.text(
                f"{worst['month']} {worst['file_name']}: {worst['reject_rate']}" if worst else "-"
            ),
            "months_at_or_above_limit": _table(
                high, ["month", "file_name", "rows_read", "rows_rejected", "reject_rate"]
            ),
        },
    )


# ------------------------------------------------------------------------------ marts/dq_*


def evaluate_rules_recorded() -> Verdict:
    missing = _query(
        """
        select l.kind, strftime(l.period, '%Y-%m') as month, l.file_name
        from meta.loads l
        where l.status = 'loaded'
          and not exists (
              select 1 from marts.dq_rule_summary s
              where s.kind = l.kind and s.period = l.period and s.sha256 = l.sha256
          )
        order by l.kind, l.period
        """
    )
    top = _query(
        """
        select rule_id, kind, sum(items) as items, sum(passes) as passes, sum(fails) as fails,
               sum(missing) as missing
        from marts.dq_rule_summary
        group by rule_id, kind
        having sum(fails) > 0
        order by fails desc, rule_id
        """
    )
    files = _query(
        "select count(*) as n from (select distinct kind, period from marts.dq_rule_summary)"
    )[0]["n"]
    return Verdict(
        passed=not missing,
        description=(
            f"{len(missing)} loaded files have no per-rule counts (loaded before "
            "meta.rule_results existed? re-issue them as a revision to count them)"
            if missing
            else f"per-rule counts recorded for all {files} loaded files"
        ),
        metadata={
            "files_with_rule_counts": dg.MetadataValue.int(files),
            "files_without_rule_counts": _table(missing, ["kind", "month", "file_name"]),
            "rules_failing_most": _table(
                top, ["rule_id", "kind", "items", "passes", "fails", "missing"]
            ),
        },
    )


def evaluate_cross_extract() -> Verdict:
    counts = _query(
        """
        select check_id, any_value(check_en) as check_en, count(*) as findings,
               count(distinct period) as months, strftime(max(period), '%Y-%m') as latest_month,
               count(*) filter (where period = (select max(period) from marts.dq_cross_extract))
                   as findings_in_latest_month
        from marts.dq_cross_extract
        group by check_id
        order by check_id
        """
    )
    total = sum(r["findings"] for r in counts)
    return Verdict(
        passed=total == 0,
        description=(
            f"{total} cross-extract findings: "
            + ", ".join(f"{r['check_id']} {r['findings']}" for r in counts)
            if total
            else "no cross-extract findings"
        ),
        metadata={
            "findings": dg.MetadataValue.int(total),
            "findings_per_check": dg.MetadataValue.json(
                {r["check_id"]: r["findings"] for r in counts}
            ),
            "summary": _table(
                counts,
                [
                    "check_id",
                    "check_en",
                    "findings",
                    "months",
                    "latest_month",
                    "findings_in_latest_month",
                ],
            ),
        },
    )


def evaluate_month_movement() -> Verdict:
    flagged = _query(
        """
        select kind, strftime(period, '%Y-%m') as month, measure, is_loaded,
               previous_value, value, round(change_share, 4) as change_share, threshold
        from marts.dq_month_movement
        where is_flagged
        order by period desc, kind, measure_order
        """
    )
    threshold = _query("select max(threshold) as t from marts.dq_month_movement")[0]["t"]
    return Verdict(
        passed=not flagged,
        description=(
            f"{len(flagged)} month-on-month moves beyond {threshold:.0%}, latest {flagged[0]['month']}"
            if flagged
            else "no month-on-month move beyond the threshold"
        ),
        metadata={
            "flagged": dg.MetadataValue.int(len(flagged)),
            "threshold": dg.MetadataValue.float(float(threshold or 0)),
            "flagged_moves": _table(
                flagged,
                [
                    "kind",
                    "month",
                    "measure",
                    "is_loaded",
                    "previous_value",
                    "value",
                    "change_share",
                ],
            ),
        },
    )


# ------------------------------------------------------------------------------ land


def evaluate_idle_land() -> Verdict:
    idle = _query(
        """
        select park_name, parcel_id, holder_uscc, days_idle, idle_status,
               cast(fee_due_10k as double) as fee_due_10k, strftime(period, '%Y-%m') as month
        from marts.land_idle_parcels
        where is_idle and period = (select max(period) from marts.land_idle_parcels)
        order by days_idle desc, parcel_id
        """
    )
    reclaim = sum(1 for r in idle if r["idle_status"] == "闲置满两年")
    month = idle[0]["month"] if idle else None
    return Verdict(
        passed=not idle,
        description=(
            f"{len(idle)} parcels idle for a year or more in {month}, {reclaim} of them two "
            "years (reclaim candidates)"
            if idle
            else "no parcel idle for a year or more in the latest land snapshot"
        ),
        metadata={
            "idle_parcels": dg.MetadataValue.int(len(idle)),
            "reclaim_candidates": dg.MetadataValue.int(reclaim),
            "fees_due_10k": dg.MetadataValue.float(float(sum(r["fee_due_10k"] for r in idle))),
            "parcels": _table(
                idle,
                [
                    "park_name",
                    "parcel_id",
                    "holder_uscc",
                    "days_idle",
                    "idle_status",
                    "fee_due_10k",
                ],
            ),
        },
    )


def evaluate_intensity() -> Verdict:
    below = _query(
        """
        select park_name, parcel_id, level_at_supply,
               cast(intensity_10k_per_mu as double) as intensity_10k_per_mu,
               cast(threshold_10k_per_mu as double) as threshold_10k_per_mu,
               cast(shortfall_10k as double) as shortfall_10k, strftime(period, '%Y-%m') as month
        from marts.land_parcel_intensity
        where not meets_threshold
            and period = (select max(period) from marts.land_parcel_intensity)
        order by shortfall_10k desc, parcel_id
        """
    )
    return Verdict(
        passed=not below,
        description=(
            f"{len(below)} industrial parcels below their intensity threshold in {below[0]['month']}"
            if below
            else "every industrial parcel meets its intensity threshold in the latest snapshot"
        ),
        metadata={
            "below_threshold": dg.MetadataValue.int(len(below)),
            "parcels": _table(
                below,
                [
                    "park_name",
                    "parcel_id",
                    "level_at_supply",
                    "intensity_10k_per_mu",
                    "threshold_10k_per_mu",
                    "shortfall_10k",
                ],
            ),
        },
    )


def evaluate_industrial_land_share() -> Verdict:
    """The latest year's parks whose industrial land share is below the plan's floor, and those
    without the planned area to tell (无规划面积数据)."""
    rows = _query(
        """
        select park_name, year, status, cast(industrial_share_pct as double) as share_pct,
               cast(min_share_pct as double) as floor_pct
        from marts.land_industrial_share
        where year = (select max(year) from marts.land_industrial_share)
            and status <> '达标'
        order by status, park_name
        """
    )
    below = [r for r in rows if r["status"] == "未达标"]
    unknown = [r for r in rows if r["status"] != "未达标"]
    year = rows[0]["year"] if rows else None
    return Verdict(
        passed=not rows,
        description=(
            f"{year}: {len(below)} parks below the industrial land floor, {len(unknown)} without "
            "the data to tell"
            if rows
            else "every park's industrial land share meets the floor in the latest year"
        ),
        metadata={
            "below_floor": dg.MetadataValue.int(len(below)),
            "without_data": dg.MetadataValue.int(len(unknown)),
            "parks": _table(rows, ["park_name", "year", "status", "share_pct", "floor_pct"]),
        },
    )


# ------------------------------------------------------------------------------ positioning


def evaluate_projects_outside_positioning() -> Verdict:
    outside = _query(
        """
        select park_code, park_name, project_id, project_name, strftime(signed_on, '%Y-%m-%d')
               as signed_on, status, industry_code, industry_class_name
        from marts.positioning_projects
        where not is_positioned
        order by park_code, signed_on, project_id
        """
    )
    judged = _query("select count(*) as n from marts.positioning_projects")[0]["n"]
    return Verdict(
        passed=not outside,
        description=(
            f"{len(outside)} of {judged} projects with an industry code were signed outside "
            "their park's positioning (四(四)3: 有关部门不予审批)"
            if outside
            else f"{judged} projects with an industry code: none outside the positioning"
        ),
        metadata={
            "projects_with_code": dg.MetadataValue.int(judged),
            "projects_outside": dg.MetadataValue.int(len(outside)),
            "outside": _table(
                outside,
                [
                    "park_name",
                    "project_id",
                    "project_name",
                    "signed_on",
                    "status",
                    "industry_code",
                    "industry_class_name",
                ],
            ),
        },
    )


def evaluate_entrants_outside_positioning() -> Verdict:
    rows = _query(
        """
        select park_code, park_name, year, entrants, entrants_outside
        from marts.park_positioning_year
        where entrants_outside > 0
        order by display_order, year
        """
    )
    total = sum(r["entrants_outside"] for r in rows)
    return Verdict(
        passed=total == 0,
        description=(
            f"{total} enterprises entered a park during the plan outside its positioning"
            if total
            else "no enterprise entered a park during the plan outside its positioning"
        ),
        metadata={
            "entrants_outside": dg.MetadataValue.int(total),
            "per_park_and_year": _table(
                rows, ["park_name", "year", "entrants", "entrants_outside"]
            ),
        },
    )


# ------------------------------------------------------------------------------ the checks

# (asset key, check name) -> (description, evaluation)
EVALUATIONS: dict[dg.AssetCheckKey, tuple[str, Callable[[], Verdict]]] = {
    **{
        dg.AssetCheckKey(dg.AssetKey(["raw", kind]), name): (description, partial(evaluate, kind))
        for kind in SCHEMAS
        for name, description, evaluate in (
            (
                "no_file_rejected",
                "最新收到的文件没有被整体拒收 / no month's latest file was rejected as a whole "
                "(meta.loads status file_rejected)",
                evaluate_no_file_rejected,
            ),
            (
                "reject_rate_below_5pct",
                "每月当前文件被剔除的行少于 5% / every month's current file set aside less than "
                "5 % of its rows",
                evaluate_reject_rate,
            ),
        )
    },
    dg.AssetCheckKey(dg.AssetKey(["marts", "dq_rule_summary"]), "rules_recorded_for_every_file"): (
        "每个已装载文件都有逐规则计数 / every loaded file has its per-rule counts; the metadata "
        "lists the rules failing most",
        evaluate_rules_recorded,
    ),
    dg.AssetCheckKey(dg.AssetKey(["marts", "dq_cross_extract"]), "no_cross_extract_findings"): (
        "跨表核对无发现(按核对编号计数) / no cross-extract findings (counted per check id)",
        evaluate_cross_extract,
    ),
    dg.AssetCheckKey(dg.AssetKey(["marts", "dq_month_movement"]), "no_flagged_movement"): (
        "无月度变动超过阈值 / no month moved by more than dq_movement_threshold",
        evaluate_month_movement,
    ),
    dg.AssetCheckKey(dg.AssetKey(["marts", "land_idle_parcels"]), "no_idle_land"): (
        "最新供地快照中无闲置满一年的地块 / no parcel idle for a year or more in the latest land "
        "snapshot; the metadata lists them and the reclaim candidates",
        evaluate_idle_land,
    ),
    dg.AssetCheckKey(
        dg.AssetKey(["marts", "land_parcel_intensity"]), "intensity_meets_threshold"
    ): (
        "最新供地快照中工业地块投资强度均达标 / every industrial parcel meets its park's "
        "investment-intensity threshold in the latest land snapshot",
        evaluate_intensity,
    ),
    dg.AssetCheckKey(
        dg.AssetKey(["marts", "land_industrial_share"]), "industrial_land_meets_floor"
    ): (
        "最新年度各园区产业用地比重不低于规划下限 / every park's industrial land share meets "
        "the plan's floor in the latest year; the metadata lists those below it or without data",
        evaluate_industrial_land_share,
    ),
    dg.AssetCheckKey(
        dg.AssetKey(["marts", "positioning_projects"]), "no_project_outside_positioning"
    ): (
        "无不符合园区产业定位的签约项目(规划四(四)3) / no project with an industry code signed "
        "outside its park's positioning (plan 四(四)3)",
        evaluate_projects_outside_positioning,
    ),
    dg.AssetCheckKey(
        dg.AssetKey(["marts", "park_positioning_year"]), "no_entrant_outside_positioning"
    ): (
        "规划期内无不符合园区定位的新入园企业 / no enterprise entered a park during the plan "
        "outside its positioning",
        evaluate_entrants_outside_positioning,
    ),
}


def check_result(key: dg.AssetCheckKey) -> dg.AssetCheckResult:
    """Evaluate one check. A warehouse not built yet (or older than a table) is a warning."""
    try:
        verdict = EVALUATIONS[key][1]()
    except (FileNotFoundError, duckdb.CatalogException, duckdb.IOException) as e:
        verdict = Verdict(False, f"could not evaluate: {e}".splitlines()[0])
    return dg.AssetCheckResult(
        asset_key=key.asset_key,
        check_name=key.name,
        passed=verdict.passed,
        severity=WARN,
        description=verdict.description,
        metadata=verdict.metadata,
    )


def _specs(layer: str) -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(key.name, asset=key.asset_key, description=description)
        for key, (description, _) in EVALUATIONS.items()
        if key.asset_key.path[0] == layer
    ]


def _evaluate_selected(context: dg.AssetCheckExecutionContext) -> Iterator[dg.AssetCheckResult]:
    keys = sorted(context.selected_asset_check_keys, key=lambda k: k.to_user_string())
    with _reading():  # evaluated before the first is reported: no connection held across yields
        results = [check_result(key) for key in keys]
    for key, result in zip(keys, results, strict=True):
        log = context.log.info if result.passed else context.log.warning
        log(f"{key.to_user_string()}: {result.description}")
        yield result


@dg.multi_asset_check(
    name="raw_quality_checks",
    specs=_specs("raw"),
    description="原始层数据质量检查 / data-quality checks of the raw extracts",
    can_subset=True,
    pool=WAREHOUSE_POOL,
)
def raw_quality_checks(context: dg.AssetCheckExecutionContext) -> Iterator[dg.AssetCheckResult]:
    yield from _evaluate_selected(context)


@dg.multi_asset_check(
    name="marts_quality_checks",
    specs=_specs("marts"),
    description=(
        "数据质量、供地与产业定位报表检查 / checks on the data-quality, land and positioning marts"
    ),
    can_subset=True,
    pool=WAREHOUSE_POOL,
)
def marts_quality_checks(context: dg.AssetCheckExecutionContext) -> Iterator[dg.AssetCheckResult]:
    yield from _evaluate_selected(context)


DQ_CHECKS: list[dg.AssetChecksDefinition] = [raw_quality_checks, marts_quality_checks]
