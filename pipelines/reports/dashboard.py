"""The HTML dashboard: one self-contained file (inline CSS and SVG, no script, no web font, no
network) with the attainment heat map, the tier counts by month per park against their targets,
the city's monthly totals and the parks' industrial positioning."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pipelines.reports.data import (
    CITY,
    CITY_NAME,
    Progress,
    ReportData,
    _quiet,
)
from pipelines.reports.svg import (
    HeatCell,
    Series,
    TargetLine,
    bar_chart,
    esc,
    heatmap,
    line_chart,
)

FONT_STACK = (
    '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", '
    '"PingFang SC", "WenQuanYi Micro Hei", sans-serif'
)

CSS = f"""
* {{ box-sizing: border-box; }}
body {{ font-family: {FONT_STACK}; color: #333; background: #fafafa; margin: 0; }}
header {{ background: #7a1f1f; color: #fff; padding: 18px 28px; }}
header h1 {{ font-size: 22px; margin: 0 0 6px 0; font-weight: 700; }}
header p {{ margin: 2px 0; font-size: 14px; opacity: 0.92; }}
main {{ padding: 8px 28px 28px 28px; }}
section {{ background: #fff; border: 1px solid #e4e4e4; border-radius: 6px; padding: 14px 18px;
           margin: 16px 0; }}
h2 {{ font-size: 18px; margin: 0 0 6px 0; color: #7a1f1f; }}
h3 {{ font-size: 15px; margin: 12px 0 4px 0; }}
p.note {{ font-size: 12px; color: #666; margin: 4px 0 8px 0; line-height: 1.6; }}
.legend {{ display: flex; flex-wrap: wrap; gap: 14px; font-size: 12px; margin: 6px 0; }}
.legend span.swatch {{ display: inline-block; width: 14px; height: 12px; margin-right: 4px;
                       vertical-align: -1px; border-radius: 2px; }}
.charts {{ display: flex; flex-wrap: wrap; gap: 6px 12px; }}
.park {{ border-top: 1px solid #eee; padding-top: 4px; }}
.kpi {{ display: flex; gap: 18px; flex-wrap: wrap; margin: 8px 0; }}
.kpi div {{ font-size: 13px; padding: 6px 12px; border-radius: 4px; background: #f3f3f3; }}
.kpi b {{ font-size: 18px; margin-right: 4px; }}
.edition {{ display: inline-block; font-size: 12px; padding: 2px 8px; border-radius: 3px;
            background: #fff; color: #7a1f1f; }}
table.grid {{ border-collapse: collapse; font-size: 13px; }}
table.grid th, table.grid td {{ border: 1px solid #e4e4e4; padding: 4px 8px; }}
table.grid th {{ background: #f3f3f3; font-weight: 600; }}
table.grid td.n {{ text-align: right; font-variant-numeric: tabular-nums; }}
table.grid td.warn {{ color: #9c0006; font-weight: 600; }}
footer {{ font-size: 12px; color: #777; padding: 0 28px 24px 28px; line-height: 1.6; }}
table.land {{ border-collapse: collapse; font-size: 12px; margin: 4px 0 10px 0; }}
table.land th, table.land td {{ border: 1px solid #e4e4e4; padding: 3px 8px; }}
table.land th {{ background: #7a1f1f; color: #fff; font-weight: 400; }}
table.land td.n {{ text-align: right; }}
"""

STATUS_FILL = {"已达成": "#1a9850", "未达成": "#d73027", "进行中": "#9e9e9e", "无数据": "#e6e6e6"}

# Tier charts: per dimension, its title and the colours its tiers are drawn from, highest tier
# first (three tiers take these three; more are interpolated between them).
DIMENSIONS = {
    "output": ("产值(营业收入)分档企业数", ("#08306b", "#2171b5", "#6baed6")),
    "tax": ("税收分档企业数", ("#7f2704", "#d94801", "#fd8d3c")),
    "staff": ("就业人数分档企业数", ("#00441b", "#238b45", "#74c476")),
}
# Units of tier_thresholds.min_value in 元, to write amounts in 亿元 or 万元.
YUAN_PER_UNIT = {"元": 1, "万元": 10_000, "亿元": 100_000_000}


def _mix(a: str, b: str, t: float) -> str:
    ca = [int(a[i : i + 2], 16) for i in (1, 3, 5)]
    cb = [int(b[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(ca, cb, strict=True))


def tier_colors(stops: tuple[str, ...], n: int) -> list[str]:
    """n colours from the first stop to the last, through the others (the stops themselves
    when n equals their number)."""
    if n <= 1:
        return list(stops[:n])
    colors = []
    for i in range(n):
        position = i / (n - 1) * (len(stops) - 1)
        low = min(int(position), len(stops) - 2)
        colors.append(_mix(stops[low], stops[low + 1], position - low))
    return colors


def _amount(value: float, unit: str) -> tuple[str, str]:
    """A threshold as the plan writes it: (number, unit), 元 amounts in 亿 or 万."""
    if unit not in YUAN_PER_UNIT:
        return f"{value:g}", unit
    yuan = value * YUAN_PER_UNIT[unit]
    if yuan >= 100_000_000:
        return f"{yuan / 100_000_000:g}", "亿元"
    if yuan >= 10_000:
        return f"{yuan / 10_000:g}", "万元"
    return f"{yuan:g}", "元"


def tier_names(tiers: pl.DataFrame, exclusive: bool) -> dict[tuple[str, str], str]:
    """(dimension, tier) -> its chart label from tier_thresholds: "≥5亿元" at or above the
    bound; "5–10亿元" (up to the next higher tier) when bands are exclusive."""
    names = {}
    for dimension in tiers["dimension"].unique().to_list():
        rows = tiers.filter(pl.col("dimension") == dimension).sort("min_value", descending=True)
        higher = None
        for tier, value, unit in zip(rows["tier"], rows["min_value"], rows["unit"], strict=True):
            number, shown = _amount(value, unit)
            if exclusive and higher is not None:
                top, top_unit = _amount(higher, unit)
                lower = number if top_unit == shown else number + shown.removesuffix("元")
                names[(dimension, tier)] = f"{lower}–{top}{top_unit}"
            else:
                names[(dimension, tier)] = f"≥{number}{shown}"
            higher = value
    return names


def ratio_color(ratio: float) -> str:
    """Red (0) → amber (0.5) → yellow (0.9) below the target; greens at and above it."""
    if ratio >= 1:
        return _mix("#66bd63", "#006837", min((ratio - 1) / 1.0, 1.0))
    stops = [(0.0, "#b2182b"), (0.5, "#f46d43"), (0.9, "#fee08b"), (1.0, "#fee08b")]
    ratio = max(ratio, 0.0)
    for (r0, c0), (r1, c1) in zip(stops, stops[1:], strict=False):
        if ratio <= r1:
            return _mix(c0, c1, (ratio - r0) / (r1 - r0) if r1 > r0 else 0)
    return stops[-1][1]


def _text_color(fill: str) -> str:
    r, g, b = (int(fill[i : i + 2], 16) for i in (1, 3, 5))
    return "#ffffff" if (0.299 * r + 0.587 * g + 0.114 * b) < 140 else "#222222"


def _value(value, unit: str) -> str:
    if value is None:
        return "—"
    value = float(value)
    if unit in ("亿元", "万元", "%"):
        return f"{value:,.2f}{unit}"
    return f"{value:,.0f}{unit}"


def _heat_cells(data: ReportData, frame: pl.DataFrame) -> dict[tuple[str, str], HeatCell]:
    cells = {}
    for row in frame.iter_rows(named=True):
        park = data.park_name(row["park_code"])
        label = row["metric_label"]
        # whom the target counts (none for projects and carriers, or in an older warehouse)
        scope = row.get("enterprise_scope_label")
        counted = f",计{scope}" if scope else ""
        status = row["attainment_status"]
        head = (
            f"{park} · {label}({row['target_window']}年目标 "
            f"{_value(row['target'], row['unit'])}{counted})"
        )
        if row.get("suppressed"):
            cell = HeatCell("#bdbdbd", "—", f"{head}:依统计保密规定不予公布", "#555555")
        elif status == "无数据" or row["actual"] is None:
            cell = HeatCell(STATUS_FILL["无数据"], "无数据", f"{head}:尚无数据", "#777777")
        elif row["attainment_ratio"] is None:
            cell = HeatCell(STATUS_FILL.get(status, "#cccccc"), "—", f"{head}:{status}")
        else:
            ratio = float(row["attainment_ratio"])
            fill = ratio_color(ratio)
            text = ">999%" if ratio > 9.99 else f"{ratio * 100:.0f}%"
            tooltip = (
                f"{head}:实际 {_value(row['actual'], row['unit'])},完成率 {ratio * 100:.1f}%,"
                f"{status}(数据截至 {row['as_of_period']})"
            )
            cell = HeatCell(fill, text, tooltip, _text_color(fill), hatched=status == "进行中")
        cells[(row["park_code"], row["metric"])] = cell
    return cells


def heatmap_section(data: ReportData) -> str:
    frame = data.attainment.filter(pl.col("year") == data.year)
    present = set(frame["metric"].to_list())
    metrics = [m for m in data.metrics["metric"].to_list() if m in present]
    metrics += sorted(present - set(metrics))
    labels = dict(zip(frame["metric"], frame["metric_label"], strict=False))
    labels.update(zip(data.metrics["metric"], data.metrics["short_label_zh"], strict=True))
    columns = [(m, labels.get(m) or m) for m in metrics]
    rows = [(CITY, CITY_NAME)] + list(
        zip(data.parks["park_code"], data.parks["park_name"], strict=True)
    )
    svg = heatmap(rows, columns, _heat_cells(data, frame))
    counts = frame.group_by("attainment_status").len()
    count = dict(zip(counts["attainment_status"], counts["len"], strict=True))
    kpi = "".join(
        f"<div><b>{count.get(s, 0)}</b>{s}</div>" for s in ("已达成", "未达成", "进行中", "无数据")
    )
    legend = "".join(
        f'<span><span class="swatch" style="background:{c}"></span>{esc(t)}</span>'
        for c, t in [
            (ratio_color(0.0), "完成率 0%"),
            (ratio_color(0.5), "50%"),
            (ratio_color(0.9), "90%"),
            (ratio_color(1.0), "100%(达成)"),
            (ratio_color(2.0), "≥200%"),
            ("#9e9e9e", "斜纹:年度进行中(截至当月累计)"),
            (STATUS_FILL["无数据"], "无数据"),
            ("#bdbdbd", "—:保密不予公布"),
            ("#ffffff", "空白:规划未设该年目标"),
        ]
    )
    return f"""
<section id="heatmap">
  <h2>{data.year}年各园区目标完成率(实际/目标)</h2>
  <p class="note">每格为一个园区(全市)的一项规划指标在 {data.year} 年的完成率;目标期为 2018–2020
  的全市项目指标为三年合计。年度未结束时实际值为截至 {esc(data.as_of or "—")} 的本年累计,与全年目标比较。</p>
  <div class="kpi">{kpi}</div>
  <div class="legend">{legend}</div>
  {svg}
</section>"""


def tiers_section(data: ReportData) -> str:
    tiers = data.tier_months
    months = sorted(set(tiers["month"].to_list())) if tiers.height else []
    x_labels = [f"{m}月" for m in months]
    targets = data.attainment.filter(pl.col("year") == data.year)
    target_of = {
        (r["park_code"], r["metric"]): (float(r["target"]), r.get("enterprise_scope_label"))
        for r in targets.iter_rows(named=True)
    }
    names = tier_names(data.tiers, exclusive=data.band_counting == "exclusive")
    # the scopes that count only some enterprises: named on a target line
    scopes = data.enterprise_scopes
    partial = (
        set(scopes.filter(~pl.col("covers_every_enterprise"))["label_zh"].to_list())
        if scopes.height
        else set()
    )
    last = months[-1] if months else None
    blocks = []
    for park, park_name in zip(data.parks["park_code"], data.parks["park_name"], strict=True):
        charts = []
        for dimension, (title, stops) in DIMENSIONS.items():
            series, lines = [], []
            codes = data.tiers.filter(pl.col("dimension") == dimension)["tier"].to_list()
            for tier, color in zip(codes, tier_colors(stops, len(codes)), strict=True):
                rows = tiers.filter(
                    (pl.col("park_code") == park)
                    & (pl.col("dimension") == dimension)
                    & (pl.col("tier") == tier)
                )
                by_month = dict(zip(rows["month"], rows["enterprises"], strict=True))
                metric = rows["metric"][0] if rows.height else None
                label = names.get((dimension, tier), tier)
                series.append(Series(label, color, [by_month.get(m) for m in months]))
                if (park, metric) in target_of:
                    target, scope = target_of[(park, metric)]
                    # the line is the target of the scope its clause names; the points count all
                    named = f"目标 {label}" + (f"({scope})" if scope in partial else "")
                    lines.append(TargetLine(named, color, target))
            charts.append(line_chart(title, x_labels, series, lines, width=420, height=190))
        blocks.append(
            f'<div class="park"><h3>{esc(park_name)}</h3><div class="charts">'
            + "".join(charts)
            + "</div></div>"
        )
    counting = (
        "各档只计本档(band_counting = exclusive)"
        if data.band_counting == "exclusive"
        else "“≥”为达到及以上(各档嵌套)"
    )
    return f"""
<section id="tiers">
  <h2>{data.year}年各园区分档企业数(逐月,本年累计口径)与年度目标</h2>
  <p class="note">每月的点为按截至该月的本年累计值分档的企业数:产值取该月本年累计数(无则为已报各月之和,
  非工业企业用营业收入),税收为本年已报各月之和,就业为本年已报各月参保人数的平均值;企业归属截至该月最后
  登记所在园区。这与年度分档(fct_enterprise_year)同一口径,{esc(counting)};{last or "—"}月的点即截至该月的
  年度数。虚线为该园区 {data.year} 年的规划目标(企业家数);年度未结束时累计值仍会增长。
  各点计园区全部企业;目标只计工业企业或实体企业的(虚线名称中注明),其完成情况以上方完成率图
  (按目标的企业范围计数)为准。</p>
  {"".join(blocks)}
</section>"""


def city_section(data: ReportData) -> str:
    frame = data.city_months
    labels = [f"{p.month}月" for p in frame["period"]] if frame.height else []

    def bars(column: str, scale: float, hidden_column: str | None):
        hidden = frame[hidden_column].to_list() if hidden_column else [False] * frame.height
        values = [None if v is None else float(v) * scale for v in frame[column].to_list()]
        return list(zip(labels, values, hidden, strict=True))

    charts = [
        bar_chart(
            "工业总产值(亿元)",
            bars("output_10k", 0.0001, "output_suppressed"),
            color="#2171b5",
            unit="亿元",
            decimals=2,
        ),
        bar_chart(
            "税收合计(万元)",
            bars("tax_yuan", 0.0001, "tax_suppressed"),
            color="#d94801",
            unit="万元",
            decimals=1,
        ),
        bar_chart(
            "参保人数(人)",
            bars("headcount", 1.0, None),
            color="#238b45",
            unit="人",
        ),
    ]
    hidden = (
        int(frame["output_suppressed"].sum() + frame["tax_suppressed"].sum()) if frame.height else 0
    )
    protection = (
        "内部版:未做披露控制。"
        if data.internal
        else f"工业总产值、税收为金额合计,已做披露控制(本图隐去 {hidden} 个月份值,显示为“—”);"
        "参保人数为人数,照常公布。"
    )
    return f"""
<section id="city">
  <h2>{data.year}年全市月度合计(各园区企业)</h2>
  <p class="note">当月登记在各园区的企业的当月工业总产值(本月数)、税收合计与参保人数之和。{esc(protection)}</p>
  <div class="charts">{"".join(charts)}</div>
</section>"""


def _table(headers: list[str], rows: list[list], numeric: set[int]) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{esc(_figure(v))}</td>' if i in numeric else f"<td>{esc(str(v))}</td>"
            for i, v in enumerate(r)
        )
        + "</tr>"
        for r in rows
    )
    return f'<table class="land"><tr>{head}</tr>{body}</table>'


def _figure(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{float(value):,.2f}"


def land_section(data: ReportData) -> str:
    """Idle land and investment intensity of the focus year per park (published: administrative
    records naming no enterprise); the list of idle parcels with their holders only internally."""
    land = data.land
    year = land.park_years.filter(pl.col("year") == data.year)
    intensity = {r["park_code"]: r for r in land.intensity.iter_rows(named=True)}
    by_park = {r["park_code"]: r for r in year.iter_rows(named=True)}
    rows = []
    for code, name in zip(data.parks["park_code"], data.parks["park_name"], strict=True):
        r, i = by_park.get(code), intensity.get(code)
        if r is None and i is None:
            continue
        rows.append(
            [
                name,
                r["idle_parcels"] if r else 0,
                r["idle_area_mu"] if r else 0,
                r["reclaim_candidates"] if r else 0,
                r["fees_due_10k"] if r else 0,
                i["parcels"] if i else 0,
                i["below"] if i else 0,
                r["industrial_share_pct"] if r else None,
                r["share_status"] if r else "无供地数据",
            ]
        )
    summary = _table(
        [
            "园区",
            "闲置满一年(宗)",
            "闲置面积(亩)",
            "无偿收回候选(宗)",
            "当年应缴闲置费(万元)",
            "工业地块(宗)",
            "投资强度未达标(宗)",
            "产业用地比重(%)",
            "对照下限",
        ],  # fmt: skip
        rows,
        {1, 2, 3, 4, 5, 6, 7},
    )
    if data.internal:
        listed = [
            [
                r["park_name"],
                r["parcel_id"],
                r["holder_uscc"],
                r["days_idle"],
                r["idle_status"],
                r["fee_due_10k"],
            ]  # fmt: skip
            for r in land.idle_list.iter_rows(named=True)
        ]
        detail = "<h3>闲置地块清单(内部)</h3>" + _table(
            ["园区", "地块编号", "受让单位", "闲置天数", "状态", "应缴闲置费(万元)"], listed, {3, 5}
        )
    else:
        detail = '<p class="note">逐宗地块清单(受让单位、闲置天数、闲置费)属企业层面信息,仅见内部版。</p>'
    return f"""
<section id="land">
  <h2>{data.year}年闲置土地与工业地块投资强度(供地数据截至 {esc(land.as_of or "—")})</h2>
  <p class="note">约定开工日期满一年(次年同日)仍未开工为闲置,按土地价款的规定比例征收闲置费,满两年为无偿收回候选
  (reference.land_idle_rules);工业地块投资强度与供地日期时园区级别的门槛比较(reference.park_levels、
  land_intensity_thresholds);产业用地比重为工业、仓储地块面积占园区规划面积(年度指标)的比重,对照规划
  下限(reference.land_share_rules),缺规划面积为无规划面积数据。</p>
  {summary}
  {detail}
</section>"""


def _share(value: float | None, hidden: bool = False) -> str:
    if hidden:
        return "—"
    return "" if value is None else f"{value:.1%}"


def positioning_section(data: ReportData) -> str:
    """The focus year's park_positioning_year: shares in the positioning, what is outside it."""
    frame = data.positioning
    rows = []
    for r in frame.filter(pl.col("year") == data.year).iter_rows(named=True):
        outside = [
            r["entrants_outside"],
            r["projects_outside"],
        ]
        cells = [
            f"<td>{esc(r['park_name'])}</td>",
            f"<td>{esc(r['park_positioning'] or '(规划未定功能定位)')}</td>",
            f'<td class="n">{r["enterprises"]}</td>',
            f'<td class="n">{_share(r["share_enterprises"])}</td>',
            f'<td class="n">{_share(r["share_output"], r["share_output_suppressed"])}</td>',
            f'<td class="n">{_share(r["share_tax"], r["share_tax_suppressed"])}</td>',
            f'<td class="n">{r["entrants"]}</td>',
        ] + [f'<td class="n{" warn" if n else ""}">{"" if n is None else n}</td>' for n in outside]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    head = "".join(
        f"<th>{h}</th>"
        for h in (
            "园区",
            "重点发展产业",
            "企业(家)",
            "企业数占比",
            "产值占比",
            "税收占比",
            "新入园(家)",
            "其中不符合定位(家)",
            "不符合定位的签约项目(个)",
        )
    )
    return f"""
<section id="positioning">
  <h2>{data.year}年园区产业定位落实情况</h2>
  <p class="note">占比为行业属园区重点发展产业(规划四(一)、五(二)1,映射到国民经济行业分类)的企业数、产值
  (工业企业为工业总产值,其他为营业收入)和税收占园区合计的比重;“—”为定位内外任一部分不足 3 家企业或单一企业
  超过 85%,依法不予公布。新入园为首次以该园区登记的月份在规划期内的企业。不符合定位的项目只计填报了行业代码
  的项目(“未按照产业功能定位所引进的项目,有关部门不予审批”)。</p>
  <table class="grid"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>
</section>"""


def render_dashboard(data: ReportData, progress: Progress = _quiet) -> str:
    sections = [
        ("heat map of attainment", heatmap_section),
        ("tier counts by month per park", tiers_section),
        ("city totals by month", city_section),
    ]
    if data.positioning.height:  # a warehouse built before the positioning marts has none
        sections.append(("industrial positioning", positioning_section))
    if data.land is not None:  # a warehouse with the land marts
        sections.append(("idle land and investment intensity", land_section))
    drawn = []
    for i, (name, draw) in enumerate(sections, 1):
        progress(f"dashboard: part {i}/{len(sections)} {name}")
        drawn.append(draw(data))
    protection = data.suppression_counts()
    footer_protection = (
        "内部版:金额未做披露控制,仅供统计局内部使用。"
        if data.internal
        else (
            "披露控制:金额单元格(产值、营业收入、增加值、税收的合计)在少于 3 家企业或单一企业占比超过 85% 时"
            "不予公布(原发性保密),并对可由合计推算出的单元格作补充保密;企业家数照常公布。"
            f"园区合计表共隐去 {protection['primary']} 个原发、{protection['secondary']} 个补充单元格。"
        )
    )
    title = "拉萨市园区经济高效绿色创新发展三年行动计划(2018–2020年)完成情况"
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} · {data.year}年 · {esc(data.as_of_label)}</title>
<style>{CSS}</style>
</head>
<body>
<header>
  <h1>{esc(title)}</h1>
  <p>{data.year}年 · {esc(data.as_of_label)} · 拉萨市统计局</p>
  <p><span class="edition">{esc(data.edition)}</span></p>
</header>
<main>
{"".join(drawn)}
</main>
<footer>
  <p>{esc(footer_protection)}</p>
  <p>来源:园区经济数据仓库 {esc(data.warehouse.name)}(marts.target_attainment、fct_enterprise_month、
  fct_enterprise_year)。“超N”档位按 band_counting = {esc(data.band_counting)} 计数。</p>
</footer>
</body>
</html>
"""


def write_dashboard(data: ReportData, out: Path, progress: Progress = _quiet) -> Path:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    html = render_dashboard(data, progress)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(out)
    return out
