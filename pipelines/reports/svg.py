"""Inline SVG charts drawn in Python: no script, no external resource, text left to the page's
CSS fonts (so Chinese labels use the CJK font stack of the dashboard)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

GRID = "#e3e3e3"
AXIS = "#888888"
INK = "#333333"
MUTED = "#8a8a8a"


def esc(text: object) -> str:
    return escape(str(text), quote=True)


def nice_ticks(top: float, count: int = 4, *, integer: bool = False) -> list[float]:
    """Round tick values from 0 to at least `top` (steps of 1, 2, 2.5 or 5 × 10^k; whole
    numbers only when `integer`, for counts)."""
    if top <= 0 or not math.isfinite(top):
        return [0.0, 1.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    steps = (1, 2, 5, 10) if integer else (1, 2, 2.5, 5, 10)
    step = next(s * power for s in steps if s * power >= raw)
    if integer:
        step = max(step, 1)
    ticks = [0.0]
    while ticks[-1] < top - 1e-9:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def fmt_number(value: float, decimals: int = 0) -> str:
    if decimals == 0:
        return f"{value:,.0f}"
    return f"{value:,.{decimals}f}"


def tick_label(value: float, step: float | None = None) -> str:
    """A tick or value label with as many decimals as the step between ticks needs."""
    if step is None:
        step = 1.0 if value == int(value) else 0.1
    decimals = 0
    while decimals < 6 and abs(step * 10**decimals - round(step * 10**decimals)) > 1e-9:
        decimals += 1
    return f"{value:,.{decimals}f}"


# ------------------------------------------------------------------ heat map


@dataclass(frozen=True)
class HeatCell:
    fill: str
    text: str
    tooltip: str
    text_color: str = INK
    hatched: bool = False


def heatmap(
    rows: Sequence[tuple[str, str]],
    columns: Sequence[tuple[str, str]],
    cells: dict[tuple[str, str], HeatCell],
    *,
    cell_width: int = 46,
    cell_height: int = 28,
    label_width: int = 120,
    header_height: int = 110,
    css_class: str = "heatmap",
) -> str:
    """Rows × columns of coloured cells with centred text; missing cells are left blank."""
    width = label_width + cell_width * len(columns) + 10
    height = header_height + cell_height * len(rows) + 10
    out = [
        f'<svg class="{css_class}" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img">',
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" '
        'stroke="#ffffff" stroke-width="2" stroke-opacity="0.6"/></pattern></defs>',
    ]
    for j, (_, label) in enumerate(columns):
        x = label_width + j * cell_width + cell_width / 2
        y = header_height - 6
        out.append(
            f'<text x="{x:.1f}" y="{y}" font-size="12" fill="{INK}" text-anchor="start" '
            f'transform="rotate(-55 {x:.1f} {y})">{esc(label)}</text>'
        )
    for i, (row_key, label) in enumerate(rows):
        y = header_height + i * cell_height
        out.append(
            f'<text x="{label_width - 8}" y="{y + cell_height / 2 + 4:.1f}" font-size="13" '
            f'fill="{INK}" text-anchor="end">{esc(label)}</text>'
        )
        for j, (col_key, _) in enumerate(columns):
            x = label_width + j * cell_width
            cell = cells.get((row_key, col_key))
            if cell is None:
                out.append(
                    f'<rect x="{x + 1}" y="{y + 1}" width="{cell_width - 2}" '
                    f'height="{cell_height - 2}" fill="#ffffff" stroke="#f0f0f0"/>'
                )
                continue
            out.append(
                f'<g class="cell"><title>{esc(cell.tooltip)}</title>'
                f'<rect x="{x + 1}" y="{y + 1}" width="{cell_width - 2}" '
                f'height="{cell_height - 2}" fill="{cell.fill}" rx="2"/>'
            )
            if cell.hatched:
                out.append(
                    f'<rect x="{x + 1}" y="{y + 1}" width="{cell_width - 2}" '
                    f'height="{cell_height - 2}" fill="url(#hatch)" rx="2"/>'
                )
            out.append(
                f'<text x="{x + cell_width / 2:.1f}" y="{y + cell_height / 2 + 4:.1f}" '
                f'font-size="11" fill="{cell.text_color}" text-anchor="middle">'
                f"{esc(cell.text)}</text></g>"
            )
    out.append("</svg>")
    return "\n".join(out)


# ------------------------------------------------------------------ line chart


@dataclass(frozen=True)
class Series:
    label: str
    color: str
    values: Sequence[float | None]  # one per x label; None = no point


@dataclass(frozen=True)
class TargetLine:
    label: str
    color: str
    value: float


def line_chart(
    title: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    targets: Sequence[TargetLine] = (),
    *,
    width: int = 420,
    height: int = 190,
    css_class: str = "line-chart",
) -> str:
    """Lines with dots per x position; dashed horizontal target lines in the series' colours."""
    left, right, top, bottom = 44, 12, 26, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for s in series for v in s.values if v is not None]
    peak = max([*values, *(t.value for t in targets), 1.0])
    ticks = nice_ticks(peak, integer=True)
    y_max = ticks[-1]

    def px(i: int) -> float:
        n = max(len(x_labels) - 1, 1)
        return left + plot_w * (i / n if len(x_labels) > 1 else 0.5)

    def py(v: float) -> float:
        return top + plot_h * (1 - v / y_max)

    out = [
        f'<svg class="{css_class}" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img">',
        f'<text x="{left}" y="16" font-size="13" font-weight="bold" fill="{INK}">'
        f"{esc(title)}</text>",
    ]
    for t in ticks:
        y = py(t)
        out.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 5}" y="{y + 4:.1f}" font-size="10" fill="{MUTED}" '
            f'text-anchor="end">{tick_label(t, ticks[1])}</text>'
        )
    out.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" '
        f'stroke="{AXIS}"/>'
    )
    for i, label in enumerate(x_labels):
        out.append(
            f'<text x="{px(i):.1f}" y="{top + plot_h + 14}" font-size="10" fill="{MUTED}" '
            f'text-anchor="middle">{esc(label)}</text>'
        )
    for t in targets:
        y = py(t.value)
        out.append(
            f'<g class="target"><title>{esc(t.label)}: {tick_label(t.value)}</title>'
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
            f'stroke="{t.color}" stroke-width="1.5" stroke-dasharray="5 3"/>'
            f'<text x="{width - right}" y="{y - 3:.1f}" font-size="9" fill="{t.color}" '
            f'text-anchor="end">目标 {tick_label(t.value)}</text></g>'
        )
    for s in series:
        points = [(px(i), py(v), v) for i, v in enumerate(s.values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in points)
            out.append(
                f'<polyline class="series" points="{path}" fill="none" stroke="{s.color}" '
                f'stroke-width="2"/>'
            )
        for x, y, v in points:
            out.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.6" fill="{s.color}">'
                f"<title>{esc(s.label)}: {tick_label(v)}</title></circle>"
            )
    # legend under the axis
    x = left
    y = height - 8
    for s in series:
        out.append(
            f'<rect x="{x}" y="{y - 8}" width="10" height="10" fill="{s.color}"/>'
            f'<text x="{x + 13}" y="{y + 1}" font-size="10" fill="{INK}">{esc(s.label)}</text>'
        )
        x += 16 + 11 * len(s.label) + 6
    if targets:
        out.append(
            f'<line x1="{x}" y1="{y - 3}" x2="{x + 16}" y2="{y - 3}" stroke="{INK}" '
            f'stroke-dasharray="5 3"/><text x="{x + 19}" y="{y + 1}" font-size="10" '
            f'fill="{INK}">目标</text>'
        )
    out.append("</svg>")
    return "\n".join(out)


# ------------------------------------------------------------------ bar chart


def bar_chart(
    title: str,
    bars: Sequence[tuple[str, float | None, bool]],
    *,
    color: str = "#4e79a7",
    unit: str = "",
    decimals: int = 0,
    width: int = 420,
    height: int = 220,
    css_class: str = "bar-chart",
) -> str:
    """Bars per label; (label, value, suppressed): a suppressed bar is a grey '—' placeholder."""
    left, right, top, bottom = 56, 10, 26, 26
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _, v, hidden in bars if v is not None and not hidden]
    ticks = nice_ticks(max([*values, 0.0]) or 1.0)
    y_max = ticks[-1]
    slot = plot_w / max(len(bars), 1)
    bar_w = slot * 0.7
    out = [
        f'<svg class="{css_class}" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img">',
        f'<text x="{left}" y="16" font-size="13" font-weight="bold" fill="{INK}">'
        f"{esc(title)}</text>",
    ]
    for t in ticks:
        y = top + plot_h * (1 - t / y_max)
        out.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 5}" y="{y + 4:.1f}" font-size="10" fill="{MUTED}" '
            f'text-anchor="end">{tick_label(t, ticks[1])}</text>'
        )
    for i, (label, value, hidden) in enumerate(bars):
        x = left + i * slot + (slot - bar_w) / 2
        cx = x + bar_w / 2
        out.append(
            f'<text x="{cx:.1f}" y="{top + plot_h + 14}" font-size="10" fill="{MUTED}" '
            f'text-anchor="middle">{esc(label)}</text>'
        )
        if hidden:
            out.append(
                f'<g class="suppressed"><title>{esc(label)}: 依统计保密规定不予公布</title>'
                f'<text x="{cx:.1f}" y="{top + plot_h - 4}" font-size="12" fill="{MUTED}" '
                f'text-anchor="middle">—</text></g>'
            )
            continue
        if value is None:
            continue
        h = plot_h * max(value, 0) / y_max
        out.append(
            f'<rect class="bar" x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" '
            f'height="{h:.1f}" fill="{color}"><title>{esc(label)}: '
            f"{fmt_number(value, decimals)} {esc(unit)}</title></rect>"
        )
    out.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" '
        f'stroke="{AXIS}"/>'
    )
    out.append("</svg>")
    return "\n".join(out)
