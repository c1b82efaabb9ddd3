"""The Excel workbook (xlsxwriter): one sheet for the city and one per park with every target of
the plan per year, then park totals, the plan's reconciliation differences, milestones, data
quality, and notes. Every sheet's title carries the data's as-of month (数据截至 YYYY-MM)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from pipelines.reports import disclosure as dc
from pipelines.reports.data import (
    CITY,
    CITY_NAME,
    SUPPRESSED_MARK,
    Progress,
    ReportData,
    _quiet,
)

TITLE_ROW, EDITION_ROW, HEADER_ROW = 0, 1, 2
FIRST_DATA_ROW = HEADER_ROW + 1

# Number formats by unit; values in the unit as stored (a % metric holds percent points).
UNIT_FORMATS = {
    "亿元": "#,##0.00",
    "万元": "#,##0.00",
    "元": "#,##0.00",
    "家": "#,##0",
    "个": "#,##0",
    "人": "#,##0",
    "%": '0.00"%"',
}
GAP_FORMATS = {
    "亿元": "+#,##0.00;-#,##0.00;0.00",
    "万元": "+#,##0.00;-#,##0.00;0.00",
    "元": "+#,##0.00;-#,##0.00;0.00",
    "家": "+#,##0;-#,##0;0",
    "个": "+#,##0;-#,##0;0",
    "人": "+#,##0;-#,##0;0",
    "%": '+0.00"%";-0.00"%";0.00"%"',
}
RATIO_FORMAT = "0.0%"

# Attained / missed by colour; in progress and no data neutral.
STATUS_COLORS = {
    "已达成": {"bg_color": "#C6EFCE", "font_color": "#006100"},
    "未达成": {"bg_color": "#FFC7CE", "font_color": "#9C0006"},
    "进行中": {"bg_color": "#EDEDED", "font_color": "#404040"},
    "无数据": {"bg_color": "#F7F7F7", "font_color": "#808080"},
    SUPPRESSED_MARK: {"bg_color": "#F7F7F7", "font_color": "#808080"},
}

ATTAINMENT_COLUMNS = [
    ("年份", None),
    ("指标", None),
    ("单位", None),
    ("目标", None),
    ("实际", None),
    ("差额(实际−目标)", None),
    ("完成率", None),
    ("完成状态", None),
    ("目标期", None),
    ("数据截至", None),
    ("年度终值", None),
    ("企业范围", None),  # whom the target counts, read from the clause beside it
    ("规划原文", 48),
]


def display_width(text: object) -> int:
    """Width in Excel character units: CJK and full-width characters count 2."""
    s = "" if text is None else str(text)
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in s)


class Formats:
    """xlsxwriter formats, created once per combination."""

    def __init__(self, book: xlsxwriter.Workbook):
        self.book = book
        self._cache: dict[tuple, object] = {}
        self.font = {"font_name": "Microsoft YaHei", "font_size": 10, "valign": "vcenter"}

    def get(self, **props):
        key = tuple(sorted(props.items()))
        if key not in self._cache:
            self._cache[key] = self.book.add_format({**self.font, **props})
        return self._cache[key]

    @property
    def title(self):
        return self.get(bold=True, font_size=14, font_color="#7A1F1F")

    @property
    def edition(self):
        return self.get(italic=True, font_color="#7A1F1F")

    @property
    def header(self):
        return self.get(
            bold=True,
            bg_color="#7A1F1F",
            font_color="#FFFFFF",
            border=1,
            text_wrap=True,
            align="center",
        )

    @property
    def text(self):
        return self.get(border=1, border_color="#D9D9D9")

    @property
    def wrap(self):
        return self.get(border=1, border_color="#D9D9D9", text_wrap=True)

    @property
    def section(self):
        return self.get(bold=True, font_size=11, font_color="#7A1F1F")

    def number(self, num_format: str, **extra):
        return self.get(num_format=num_format, border=1, border_color="#D9D9D9", **extra)

    @property
    def hidden(self):
        return self.get(
            align="center", border=1, border_color="#D9D9D9", **STATUS_COLORS[SUPPRESSED_MARK]
        )


@dataclass
class SheetWriter:
    """Writes one sheet: title with as-of month, edition line, header row, data; tracks widths."""

    sheet: Worksheet
    formats: Formats
    widths: dict[int, int]
    caps: dict[int, int]  # widest a column may get; longer text wraps
    lines: dict[int, int] = field(default_factory=dict)  # row -> lines of its wrapped text

    def title(self, text: str, data: ReportData, span: int) -> None:
        self.sheet.merge_range(
            TITLE_ROW,
            0,
            TITLE_ROW,
            max(span - 1, 1),
            f"{text} {data.as_of_label}",
            self.formats.title,
        )
        self.sheet.set_row(TITLE_ROW, 24)
        self.sheet.write(EDITION_ROW, 0, data.edition, self.formats.edition)

    def header(self, row: int, headers: Sequence[str]) -> None:
        for col, name in enumerate(headers):
            self.sheet.write(row, col, name, self.formats.header)
            self.fit(col, name)

    def cell(self, row: int, col: int, value, fmt=None, shown: str | None = None) -> None:
        if value is None:
            self.sheet.write_blank(row, col, None, fmt or self.formats.text)
            return
        if fmt is None:
            cap = self.caps.get(col, 60)
            width = display_width(value) if isinstance(value, str) else 0
            fmt = self.formats.wrap if width > cap else self.formats.text
            if width > cap:  # the row grows to show the wrapped text (not every viewer autofits)
                self.lines[row] = max(self.lines.get(row, 1), -(-width // cap))
        self.sheet.write(row, col, value, fmt)
        self.fit(col, shown if shown is not None else value)

    def hidden(self, row: int, col: int) -> None:
        self.sheet.write_string(row, col, SUPPRESSED_MARK, self.formats.hidden)

    def fit(self, col: int, value) -> None:
        if isinstance(value, float):
            text = f"{value:,.2f}"
        elif isinstance(value, int) and not isinstance(value, bool):
            text = f"{value:,}"
        else:
            text = str(value)
        self.widths[col] = max(self.widths.get(col, 0), display_width(text))

    def apply_widths(self) -> None:
        for col, width in self.widths.items():
            self.sheet.set_column(col, col, min(width, self.caps.get(col, 60)) + 2)
        for row, lines in self.lines.items():
            self.sheet.set_row(row, 14 * lines + 2)


def _writer(
    book: xlsxwriter.Workbook, formats: Formats, name: str, caps: dict[int, int] | None = None
) -> SheetWriter:
    sheet = book.add_worksheet(name)
    sheet.hide_gridlines(2)
    # printing: A4 landscape, one page wide, the header rows on every page
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(TITLE_ROW, HEADER_ROW)
    return SheetWriter(sheet, formats, {}, caps or {})


def _num(value) -> float | None:
    return None if value is None else float(value)


# ------------------------------------------------------------------ attainment sheets


def attainment_sheet(
    book: xlsxwriter.Workbook, formats: Formats, data: ReportData, park: str
) -> None:
    name = data.park_name(park)
    w = _writer(book, formats, name, {12: 48})
    frame = data.attainment.filter(pl.col("park_code") == park)
    years = "、".join(str(y) for y in data.years)
    full = "拉萨市" if park == CITY else name
    w.title(f"{full} 规划目标完成情况({years}年)", data, len(ATTAINMENT_COLUMNS))
    w.header(HEADER_ROW, [c for c, _ in ATTAINMENT_COLUMNS])
    row = FIRST_DATA_ROW
    for r in frame.iter_rows(named=True):
        unit = r["unit"]
        status = r["attainment_status"]
        hidden = bool(r.get("suppressed"))
        color = STATUS_COLORS[SUPPRESSED_MARK if hidden else status]
        w.cell(row, 0, r["year"], formats.number("0"))
        w.cell(row, 1, r["metric_label"])
        w.cell(row, 2, unit)
        w.cell(row, 3, _num(r["target"]), formats.number(UNIT_FORMATS.get(unit, "General")))
        if hidden:
            for col in (4, 5, 6, 7):
                w.hidden(row, col)
        else:
            w.cell(row, 4, _num(r["actual"]), formats.number(UNIT_FORMATS.get(unit, "General")))
            w.cell(row, 5, _num(r["gap"]), formats.number(GAP_FORMATS.get(unit, "General")))
            ratio = _num(r["attainment_ratio"])
            w.cell(
                row,
                6,
                ratio,
                formats.number(RATIO_FORMAT, **color),
                shown=None if ratio is None else f"{ratio:.1%}",
            )
            if ratio is None:  # keep the colour on an empty ratio
                w.sheet.write_blank(row, 6, None, formats.number(RATIO_FORMAT, **color))
            w.cell(row, 7, status, formats.get(border=1, border_color="#D9D9D9", **color))
        w.cell(row, 8, r["target_window"])
        w.cell(row, 9, r["as_of_period"] or "—")
        w.cell(row, 10, "是" if r["is_final"] else "否")
        # a warehouse built before targets had scopes has no such column
        w.cell(row, 11, r.get("enterprise_scope_label") or "—")
        w.cell(row, 12, r["clause_zh"])
        row += 1
    if frame.is_empty():
        w.cell(row, 0, "(该园区在所选年份无规划目标)")
        row += 1
    notes = [
        "完成率 = 实际 / 目标;已达成为绿色,未达成为红色,进行中(年度未结束)与无数据为灰色。",
        "年度未结束时实际值为截至“数据截至”月份的本年累计,与全年目标比较。",
        "企业范围:目标按规划原文所指的企业计数(工业企业、实体企业或全部企业,定义见“说明”);"
        "“—”为引进项目、两创载体等不计企业的目标。",
    ]
    if not data.internal and park == CITY:
        notes.append("“—”:依统计保密规定不予公布(金额合计少于 3 家企业或单一企业占比超过 85%)。")
    for note in notes:
        row += 1
        w.sheet.write(row, 0, note, formats.edition)
    w.sheet.freeze_panes(FIRST_DATA_ROW, 2)
    w.sheet.autofilter(HEADER_ROW, 0, max(FIRST_DATA_ROW, row - len(notes) - 1), 12)
    w.apply_widths()


# ------------------------------------------------------------------ park totals


def park_totals_sheet(book: xlsxwriter.Workbook, formats: Formats, data: ReportData) -> None:
    w = _writer(book, formats, "园区合计", {0: 14})
    years = data.years
    multi = len(years) > 1
    headers = ["园区", *[f"{y}年" for y in years]] + (
        [f"{years[0]}–{years[-1]}年合计"] if multi else []
    )
    w.title("各园区主要经济指标合计", data, len(headers))
    row = HEADER_ROW
    parks = list(zip(data.parks["park_code"], data.parks["park_name"], strict=True))
    year_keys: list = [*years, dc.TOTAL] if multi else list(years)
    counts = {
        (p, y): n
        for p, y, n in zip(
            data.enterprise_counts["park_code"],
            data.enterprise_counts["year"],
            data.enterprise_counts["enterprises"],
            strict=True,
        )
    }
    first_block = True
    for measure, table in data.park_totals.items():
        w.sheet.write(row, 0, f"{table.label}({table.unit})", formats.section)
        row += 1
        w.header(row, headers)
        if first_block:
            w.sheet.freeze_panes(row + 1, 1)
            first_block = False
        row += 1
        fmt = formats.number("#,##0.00")
        total_fmt = formats.number("#,##0.00", bold=True, bg_color="#F2F2F2")
        for park, park_name in [*parks, (dc.TOTAL, CITY_NAME)]:
            is_total_row = park == dc.TOTAL
            w.cell(row, 0, park_name, formats.get(border=1, bold=is_total_row))
            for col, year in enumerate(year_keys, 1):
                if table.is_suppressed(park, year):
                    w.hidden(row, col)
                else:
                    w.cell(
                        row,
                        col,
                        table.value(park, year),
                        total_fmt if (is_total_row or year == dc.TOTAL) else fmt,
                    )
            row += 1
        row += 1
        _ = measure
    # enterprise counts: published as they are
    w.sheet.write(row, 0, "企业数(家,年末所在园区;照常公布)", formats.section)
    row += 1
    w.header(row, headers[: len(years) + 1])
    row += 1
    for park, park_name in [*parks, (dc.TOTAL, CITY_NAME)]:
        w.cell(row, 0, park_name, formats.get(border=1, bold=park == dc.TOTAL))
        for col, year in enumerate(years, 1):
            if park == dc.TOTAL:
                value = sum(n for (p, y), n in counts.items() if y == year)
            else:
                value = counts.get((park, year), 0)
            w.cell(row, col, value, formats.number("#,##0"))
        row += 1
    row += 1
    protection = (
        "内部版:未做统计披露控制,不得对外提供。"
        if data.internal
        else "“—”:依统计保密规定不予公布:少于 3 家企业,或单一企业占比超过 85%(原发性保密);"
        "以及为防止由合计推算而隐去的单元格(补充保密)。企业数照常公布。"
    )
    for note in [
        "金额为各园区企业年度值之和(当年未结束时为截至数据截至月份的累计);企业归属该年最后登记所在园区。"
        "税收合计由元折算为万元。",
        protection,
    ]:
        w.sheet.write(row, 0, note, formats.edition)
        row += 1
    w.apply_widths()
    w.sheet.set_column(1, len(headers) - 1, 16)


# ------------------------------------------------------------------ reconciliation, milestones


def reconciliation_sheet(book: xlsxwriter.Workbook, formats: Formats, data: ReportData) -> None:
    w = _writer(book, formats, "规划内部差异", {8: 70})
    headers = [
        "指标",
        "单位",
        "全市目标期",
        "全市目标",
        "各园区目标之和",
        "设目标园区数",
        "差额(园区−全市)",
        "是否一致",
        "说明",
    ]
    w.title("规划内部一致性:全市目标与各园区目标之和", data, len(headers))
    w.header(HEADER_ROW, headers)
    row = FIRST_DATA_ROW
    frame = data.reconciliation
    if not frame.is_empty():
        frame = frame.sort(["is_consistent", "metric"])
    for r in frame.iter_rows(named=True):
        unit = r["unit"]
        fmt = formats.number(UNIT_FORMATS.get(unit, "General"))
        color = STATUS_COLORS["已达成" if r["is_consistent"] else "未达成"]
        w.cell(row, 0, r["metric_label"])
        w.cell(row, 1, unit)
        w.cell(row, 2, r["city_year_or_window"])
        w.cell(row, 3, _num(r["city_target"]), fmt)
        w.cell(row, 4, _num(r["parks_target_sum"]), fmt)
        w.cell(row, 5, r["parks_with_target"], formats.number("0"))
        w.cell(row, 6, _num(r["difference"]), formats.number(GAP_FORMATS.get(unit, "General")))
        w.cell(row, 7, "一致" if r["is_consistent"] else "不一致", formats.get(border=1, **color))
        w.cell(row, 8, r["note"])
        row += 1
    w.sheet.freeze_panes(FIRST_DATA_ROW, 1)
    w.apply_widths()


def milestones_sheet(book: xlsxwriter.Workbook, formats: Formats, data: ReportData) -> None:
    w = _writer(book, formats, "里程碑", {2: 36, 5: 36, 7: 48})
    headers = [
        "园区",
        "到期年份",
        "里程碑",
        "状态",
        "状态更新日期",
        "状态说明",
        "是否逾期",
        "规划原文",
    ]
    w.title("规划定性里程碑", data, len(headers))
    w.header(HEADER_ROW, headers)
    row = FIRST_DATA_ROW
    for r in data.milestones.iter_rows(named=True):
        if r["is_completed"]:
            color = STATUS_COLORS["已达成"]
        elif r["is_overdue"]:
            color = STATUS_COLORS["未达成"]
        else:
            color = STATUS_COLORS["进行中"]
        w.cell(row, 0, r["park_name"])
        w.cell(row, 1, r["due_year"], formats.number("0"))
        w.cell(row, 2, r["milestone_zh"])
        w.cell(row, 3, r["status"], formats.get(border=1, **color))
        updated = r["status_updated_on"]
        w.cell(row, 4, None if updated is None else str(updated))
        w.cell(row, 5, r["status_note"])
        w.cell(row, 6, "逾期" if r["is_overdue"] else "否", formats.get(border=1, **color))
        w.cell(row, 7, r["clause_zh"])
        row += 1
    w.sheet.freeze_panes(FIRST_DATA_ROW, 1)
    w.apply_widths()


# ------------------------------------------------------------------ land (plan 四(四)1)

LAND_SHEET = "土地利用"


def _land_rows(w: SheetWriter, row: int, headers: list[str], rows: list[list], fmts: list) -> int:
    w.header(row, headers)
    row += 1
    for values in rows:
        for col, (value, fmt) in enumerate(zip(values, fmts, strict=True)):
            w.cell(row, col, value, fmt)
        row += 1
    if not rows:
        w.cell(row, 0, "(无)")
        row += 1
    return row + 1


def land_sheet(book: xlsxwriter.Workbook, formats: Formats, data: ReportData) -> None:
    """Idle land and investment intensity: per park and year (both editions); the parcel lists,
    which name the holder, in the internal edition only (pipelines/reports/data.py LandData)."""
    land = data.land
    w = _writer(book, formats, LAND_SHEET, {0: 14})
    w.title(f"土地利用:闲置土地与投资强度(供地数据截至 {land.as_of or '—'})", data, 11)
    text, count = formats.text, formats.number("#,##0")
    area, money = formats.number("#,##0.00"), formats.number("#,##0.00")
    names = dict(zip(data.parks["park_code"], data.parks["park_name"], strict=True))
    order = {code: i for i, code in enumerate(data.parks["park_code"])}
    row = HEADER_ROW
    w.sheet.write(
        row, 0, "闲置土地(各年最后一个供地快照月;闲置费为该年满一年的地块)", formats.section
    )
    park_years = land.park_years.sort(
        pl.col("year"), pl.col("park_code").replace_strict(order, default=len(order))
    )
    row = _land_rows(
        w,
        row + 1,
        [
            "园区",
            "年份",
            "截至",
            "闲置满一年(宗)",
            "闲置面积(亩)",
            "无偿收回候选(宗)",
            "候选面积(亩)",
            "当年应缴闲置费(宗)",
            "当年应缴闲置费(万元)",
            "产业用地比重(%)",
            "产业用地比重(对照下限)",
        ],  # fmt: skip
        [
            [
                names.get(r["park_code"], r["park_code"]),
                r["year"],
                r["as_of_period"],
                r["idle_parcels"],
                _num(r["idle_area_mu"]),
                r["reclaim_candidates"],
                _num(r["reclaim_area_mu"]),
                r["fee_parcels"],
                _num(r["fees_due_10k"]),
                _num(r["industrial_share_pct"]),
                f"{r['share_status']}(不低于{float(r['min_share_pct']):g}%)"
                if r["share_status"]
                else "—",
            ]  # fmt: skip
            for r in park_years.iter_rows(named=True)
        ],
        [text, formats.number("0"), text, count, area, count, area, count, money, area, text],
    )
    w.sheet.write(
        row, 0, f"工业地块投资强度({land.as_of or '—'},门槛按供地日期时园区级别)", formats.section
    )
    intensity = land.intensity.sort(pl.col("park_code").replace_strict(order, default=len(order)))
    row = _land_rows(
        w,
        row + 1,
        ["园区", "工业地块(宗)", "面积(亩)", "未达标(宗)", "未达标面积(亩)", "距达标差额(万元)"],
        [
            [
                names.get(r["park_code"], r["park_code"]),
                r["parcels"],
                _num(r["area_mu"]),
                r["below"],
                _num(r["below_area_mu"]),
                _num(r["shortfall_10k"]),
            ]  # fmt: skip
            for r in intensity.iter_rows(named=True)
        ],
        [text, count, area, count, area, money],
    )
    if not data.internal:
        w.sheet.write(
            row,
            0,
            "逐宗地块清单(受让单位、闲置天数、闲置费、投资额)属企业层面信息,仅见内部版。",
            formats.edition,
        )
        w.apply_widths()
        return
    w.sheet.write(row, 0, f"闲置地块清单({land.as_of or '—'},内部)", formats.section)
    row = _land_rows(
        w,
        row + 1,
        [
            "园区",
            "地块编号",
            "受让单位统一社会信用代码",
            "用地性质",
            "面积(亩)",
            "约定开工日期",
            "闲置天数",
            "状态",
            "闲置费应缴起始月",
            "应缴闲置费(万元)",
        ],  # fmt: skip
        [
            [
                r["park_name"],
                r["parcel_id"],
                r["holder_uscc"],
                r["land_use"],
                _num(r["area_mu"]),
                str(r["agreed_start_on"]),
                r["days_idle"],
                r["idle_status"],
                str(r["fee_month"])[:7],
                _num(r["fee_due_10k"]),
            ]  # fmt: skip
            for r in land.idle_list.iter_rows(named=True)
        ],
        [text, text, text, text, area, text, count, text, text, money],
    )
    w.sheet.write(row, 0, f"投资强度未达标的工业地块({land.as_of or '—'},内部)", formats.section)
    _land_rows(
        w,
        row + 1,
        [
            "园区",
            "地块编号",
            "受让单位统一社会信用代码",
            "供地日期",
            "面积(亩)",
            "累计固定资产投资(万元)",
            "投资强度(万元/亩)",
            "供地时园区级别",
            "门槛(万元/亩)",
            "现园区级别",
            "距达标差额(万元)",
        ],  # fmt: skip
        [
            [
                r["park_name"],
                r["parcel_id"],
                r["holder_uscc"],
                str(r["supplied_on"]),
                _num(r["area_mu"]),
                _num(r["fixed_investment_10k"]),
                _num(r["intensity_10k_per_mu"]),
                r["level_at_supply"],
                _num(r["threshold_10k_per_mu"]),
                r["level_at_snapshot"],
                _num(r["shortfall_10k"]),
            ]  # fmt: skip
            for r in land.below_list.iter_rows(named=True)
        ],
        [text, text, text, text, area, money, money, text, money, text, money],
    )
    w.apply_widths()


# ------------------------------------------------------------------ positioning

POSITIONING_COLUMNS = [
    "园区",
    "年份",
    "重点发展产业(规划原文)",
    "在园企业(家)",
    "其中定位产业(家)",
    "企业数占比",
    "产值占比",
    "税收占比",
    "新入园企业(家)",
    "其中不符合定位(家)",
    "签约项目(个)",
    "其中有行业代码(个)",
    "其中不符合定位(个)",
]


def positioning_sheet(book: xlsxwriter.Workbook, formats: Formats, data: ReportData) -> None:
    """Per park and year: shares in positioned industries, entrants and projects outside."""
    w = _writer(book, formats, "产业定位", {2: 40})
    w.title("园区产业定位落实情况(规划四(一)、四(四)3)", data, len(POSITIONING_COLUMNS))
    w.header(HEADER_ROW, POSITIONING_COLUMNS)
    row = FIRST_DATA_ROW
    count, ratio = formats.number("#,##0"), formats.number(RATIO_FORMAT)
    for r in data.positioning.iter_rows(named=True):
        w.cell(row, 0, r["park_name"])
        w.cell(row, 1, r["year"], formats.number("0"))
        w.cell(row, 2, r["park_positioning"] or "(规划未定功能定位)")
        w.cell(row, 3, r["enterprises"], count)
        w.cell(row, 4, r["enterprises_positioned"], count)
        w.cell(row, 5, r["share_enterprises"], ratio)
        for col, measure in ((6, "output"), (7, "tax")):
            if r[f"share_{measure}_suppressed"]:
                w.hidden(row, col)
            else:
                w.cell(row, col, r[f"share_{measure}"], ratio)
        w.cell(row, 8, r["entrants"], count)
        w.cell(row, 9, r["entrants_outside"], count)
        w.cell(row, 10, r["projects_signed"], count)
        w.cell(row, 11, r["projects_with_code"], count)
        w.cell(row, 12, r["projects_outside"], count)
        row += 1
    notes = [
        "定位产业:规划四(一)、五(二)1 所列重点发展产业映射到 GB/T 4754-2017 行业(seeds/park_positioning.csv,"
        "取舍见 docs/industrial-positioning.md);城关区规划未定功能定位。",
        "产值:工业企业为工业总产值,其他企业为营业收入。占比的定位内外两部分任一为敏感单元格"
        "(不足3户或单户超过85%)时,该占比以“—”不予公布。",
        "新入园:首次以该园区出现在企业登记中的月份在规划期内(首个登记月份中的企业以成立日期判断)。"
        "项目:项目库最新快照,按签约年份;行业代码为可选列,未填报的项目无法判断。",
    ]
    row += 1
    for note in notes:
        w.sheet.write(row, 0, note, formats.edition)
        row += 1
    w.sheet.freeze_panes(FIRST_DATA_ROW, 2)
    w.apply_widths()


# ------------------------------------------------------------------ data quality

KIND_LABELS = {
    "registration": "企业登记",
    "tax": "纳税",
    "employment": "参保",
    "output": "产值",
    "projects": "项目库",
    "carriers": "两创载体",
    "land": "供地地块",
}


def data_quality_sheet(book: xlsxwriter.Workbook, formats: Formats, data: ReportData) -> None:
    w = _writer(book, formats, "数据质量", {2: 40, 3: 40})
    headers = [
        "月份",
        "提取类型",
        "收到文件",
        "已装载",
        "整文件拒收",
        "被新版本替代",
        "读入行数",
        "装载行数",
        "剔除行数",
    ]
    months = f"{data.dq_months[0]} 至 {data.dq_months[1]}"
    w.title(f"数据质量:文件接收与剔除({months})", data, len(headers))
    w.header(HEADER_ROW, headers)
    w.sheet.freeze_panes(FIRST_DATA_ROW, 2)
    row = FIRST_DATA_ROW
    count = formats.number("#,##0")
    for r in data.loads.iter_rows(named=True):
        w.cell(row, 0, r["month"])
        w.cell(row, 1, KIND_LABELS.get(r["kind"], r["kind"]))
        for col, key in enumerate(
            [
                "files_received",
                "files_loaded",
                "files_rejected",
                "files_superseded",
                "rows_read",
                "rows_loaded",
                "rows_rejected",
            ],
            2,
        ):
            value = r[key]
            fmt = count
            if key in ("files_rejected", "rows_rejected") and value:
                fmt = formats.number("#,##0", **STATUS_COLORS["未达成"])
            w.cell(row, col, 0 if value is None else int(value), fmt)
        row += 1
    if data.loads.is_empty():
        w.cell(row, 0, "(所选月份无文件记录)")
        row += 1

    row += 1
    w.sheet.write(row, 0, f"按规则统计的剔除行数(来源 {data.rule_source})", formats.section)
    row += 1
    rule_headers = ["提取类型", "规则编号", "规则", "列", "校验行数", "剔除行数", "不适用行数"]
    w.header(row, rule_headers)
    row += 1
    for r in data.rule_rejects.iter_rows(named=True):
        w.cell(row, 0, KIND_LABELS.get(r["kind"], r["kind"]))
        w.cell(row, 1, r["rule_id"])
        w.cell(row, 2, r["rule_zh"])
        w.cell(row, 3, r["column_name"])
        w.cell(row, 4, None if r["items"] is None else int(r["items"]), count)
        w.cell(row, 5, int(r["rows_rejected"]), count)
        w.cell(row, 6, None if r["missing"] is None else int(r["missing"]), count)
        row += 1
    if data.rule_rejects.is_empty():
        w.cell(row, 0, "(所选月份无剔除行)")
        row += 1

    row += 1
    w.sheet.write(row, 0, "整文件拒收的文件", formats.section)
    row += 1
    w.header(row, ["月份", "提取类型", "文件名", "原因"])
    row += 1
    for r in data.rejected_files.iter_rows(named=True):
        w.cell(row, 0, r["month"])
        w.cell(row, 1, KIND_LABELS.get(r["kind"], r["kind"]))
        w.cell(row, 2, r["file_name"])
        w.cell(row, 3, r["message"])
        row += 1
    if data.rejected_files.is_empty():
        w.cell(row, 0, "(无)")
    w.apply_widths()


def notes_sheet(book: xlsxwriter.Workbook, formats: Formats, data: ReportData) -> None:
    w = _writer(book, formats, "说明", {1: 90})
    w.title("说明", data, 2)
    counts = data.suppression_counts()
    lines = [
        ("报告", "拉萨市园区经济高效绿色创新发展三年行动计划(2018–2020年)目标完成情况"),
        ("数据来源", f"园区经济数据仓库 {data.warehouse.name}(只读打开)"),
        ("数据截至", data.as_of or "—"),
        ("年份", "、".join(str(y) for y in data.years)),
        ("版本", data.edition),
        ("档位计数", f"band_counting = {data.band_counting}"),
        *(
            (f"企业范围:{r['label_zh']}", r["definition_zh"])
            for r in data.enterprise_scopes.iter_rows(named=True)
        ),
        (
            "披露控制",
            "内部版未做处理"
            if data.internal
            else f"园区合计表隐去原发 {counts[dc.PRIMARY]} 个、补充 {counts[dc.SECONDARY]} 个单元格;"
            "规则:少于 3 家企业或单一企业占比超过 85% 的金额合计不予公布,并补充隐去可由合计推算的单元格。"
            "企业家数、项目数、载体数与人数照常公布。",
        ),
        ("完成状态", "已达成(绿)、未达成(红)、进行中(灰,年度未结束)、无数据(灰)。"),
    ]
    w.header(HEADER_ROW, ["项目", "内容"])
    row = FIRST_DATA_ROW
    for key, value in lines:
        w.cell(row, 0, key)
        w.cell(row, 1, value)
        row += 1
    w.apply_widths()


# ------------------------------------------------------------------ the workbook


def sheet_plan(data: ReportData) -> list[tuple[str, Callable]]:
    """(sheet name, writer) in order: city, parks, park totals, reconciliation, milestones,
    positioning (when the warehouse has it), data quality, notes."""
    plan: list[tuple[str, Callable]] = [
        (CITY_NAME, lambda b, f: attainment_sheet(b, f, data, CITY))
    ]
    for code, name in zip(data.parks["park_code"], data.parks["park_name"], strict=True):
        plan.append((name, lambda b, f, code=code: attainment_sheet(b, f, data, code)))
    plan += [
        ("园区合计", lambda b, f: park_totals_sheet(b, f, data)),
        ("规划内部差异", lambda b, f: reconciliation_sheet(b, f, data)),
        ("里程碑", lambda b, f: milestones_sheet(b, f, data)),
        *(
            [("产业定位", lambda b, f: positioning_sheet(b, f, data))]
            if data.positioning.height
            else []
        ),
        *([(LAND_SHEET, lambda b, f: land_sheet(b, f, data))] if data.land else []),
        ("数据质量", lambda b, f: data_quality_sheet(b, f, data)),
        ("说明", lambda b, f: notes_sheet(b, f, data)),
    ]
    return plan


def write_workbook(data: ReportData, out: Path, progress: Progress = _quiet) -> Path:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.stem}.tmp{out.suffix}")
    book = xlsxwriter.Workbook(str(tmp))
    book.set_properties(
        {
            "title": f"拉萨市园区经济三年行动计划完成情况 {data.as_of_label}",
            "author": "拉萨市统计局",
            "comments": data.edition,
        }
    )
    formats = Formats(book)
    plan = sheet_plan(data)
    for i, (name, write) in enumerate(plan, 1):
        progress(f"workbook: sheet {i}/{len(plan)} {name}")
        write(book, formats)
    book.close()
    tmp.replace(out)
    return out
