"""Statistical disclosure control (统计信息保密) of the bureau's published reports.

Which cells are protected
-------------------------
Only *magnitude* cells: sums of a money amount over enterprises, where a figure could reveal
what one enterprise reported to the bureau. In the reports these are:

* 园区合计 (xlsx sheet "园区合计"): per park and year, and their totals (park over the years,
  city per year, city over the years), of 工业总产值, 营业收入, 工业增加值 and 税收合计 — each
  measure is one two-dimensional table park × year with row and column totals, always protected
  over every year of the plan (a report of one year shows a part of that same table, so two
  editions never hide different cells of it);
* 全市 (xlsx sheet, HTML heat map): the city's 工业总产值 and 工业增加值 actuals (and, through
  them, their gap and attainment ratio, which give the actual back from the published target),
  and 工业增加值增长率 (derived from two years of value added: hidden when either year's city
  total is). These cells are the city totals of the park × year tables above and are
  suppressed exactly when those totals are;
* HTML "全市月度合计": the city's monthly 工业总产值 and 税收合计 over all parks. The months of a
  year add up to (about) the year's city total, so the months and that total form one relation,
  with the total suppressed whenever the park × year table suppressed it.

Not protected, published as they are: counts of enterprises (every "超N" tier metric, 规上企业,
高新技术企业 … and the tier counts by month), counts of projects and carriers, and headcounts
(安置就业人数, 参保人数: people, not money; the measures protected are MEASURES in
pipelines/reports/data.py), and the land aggregates per park (idle parcels and area, idle fees,
reclaim candidates, parcels below the intensity threshold: records of the land register, not
figures enterprises report, naming no enterprise). The land parcel lists, which name the
holder and its investment, are in the internal edition only (LandData in data.py).

Rules
-----
Primary suppression (a cell is *sensitive*):

* the n rule: fewer than MIN_CONTRIBUTORS (3) enterprises contribute (a non-zero value) to it;
* the dominance rule: one enterprise contributes more than DOMINANCE (85 %) of the cell
  (exactly 85 % is not suppressed; compared exactly, without rounding).

A cell with no contributor at all (an empty cell, value 0) discloses nothing and is not
sensitive.

Secondary (complementary) suppression: a table is a set of *relations*, each a list of cells
whose sum is also published (a row of parks and its city total; in the park × year table every
row with its row total, every column with its column total, and the margins with the grand
total). While some relation has exactly one suppressed cell, the smallest other cell of that
relation (by absolute value, ties in table order) that is not empty is suppressed too; this is
repeated until every relation has no suppressed cell or at least two. Empty cells are not
chosen: they are known to be zero (enterprise counts are published), so hiding them hides
nothing.

In a two-dimensional table that is not quite enough: two groups of hidden cells joined by a
single hidden cell (a "bridge") let an intruder solve that cell although every row and column
has two hidden cells. A hidden cell of a table with margins can be solved exactly if and only
if it lies on no cycle of hidden cells (rows and columns as the nodes of a graph, hidden cells
as its edges), so `protect_2d` also hides, for every bridge, the smallest cell that closes a
cycle through it, and repeats both steps until neither finds anything. The result: no hidden
cell can be computed from the published ones. (Intervals: an intruder can still bound a hidden
cell between 0 and a published total; the rules do not enforce a protection interval.)

`--internal` (the bureau's own use) turns all of this off.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

MIN_CONTRIBUTORS = 3
DOMINANCE = Fraction(85, 100)

TOTAL = "__total__"  # the key of a total in the helpers' tables

PRIMARY = "primary"
SECONDARY = "secondary"
LINKED = "linked"  # suppressed because the same cell is suppressed in another table

Key = Hashable

# Why a cell is suppressed, as the public warehouse's flag columns say it (pipelines/public.py).
N_RULE = "n_rule"
DOMINANCE_RULE = "dominance"


def _exact(x: float | int | Decimal | Fraction | None) -> Fraction:
    if x is None:
        return Fraction(0)
    if isinstance(x, float):
        return Fraction(repr(x))  # the decimal the float prints as, not its binary expansion
    return Fraction(x)


@dataclass(frozen=True)
class Cell:
    """A magnitude cell: its value, how many enterprises contribute, the largest contribution."""

    value: float | int | Decimal | None
    contributors: int
    largest: float | int | Decimal | None = None

    @property
    def is_empty(self) -> bool:
        return self.contributors == 0


def sensitivity(
    cell: Cell, *, min_contributors: int = MIN_CONTRIBUTORS, dominance: Fraction = DOMINANCE
) -> str | None:
    """Why the cell must be suppressed ('n<3', 'dominance>85%'), or None if it may be published."""
    if cell.contributors <= 0:
        return None
    if cell.contributors < min_contributors:
        return f"n<{min_contributors}"
    value = abs(_exact(cell.value))
    largest = abs(_exact(cell.largest))
    if value > 0 and largest > dominance * value:
        return f"dominance>{float(dominance) * 100:g}%"
    return None


def reason_code(status: str, reason: str | None = None) -> str:
    """The flag of a suppressed cell: 'n_rule' or 'dominance' (primary, from `sensitivity`'s
    reason), 'secondary' or 'linked'."""
    if status == PRIMARY:
        return N_RULE if (reason or "").startswith("n<") else DOMINANCE_RULE
    return status


@dataclass
class Suppression:
    """The outcome for one table: for each suppressed key, why (primary, secondary or linked)."""

    status: dict[Key, str]
    reasons: dict[Key, str]

    def is_suppressed(self, key: Key) -> bool:
        return key in self.status

    def __contains__(self, key: Key) -> bool:
        return key in self.status

    def code(self, key: Key) -> str | None:
        """Why the cell is suppressed (see `reason_code`), or None where it is published."""
        if key not in self.status:
            return None
        return reason_code(self.status[key], self.reasons.get(key))

    @property
    def primary(self) -> set[Key]:
        return {k for k, s in self.status.items() if s == PRIMARY}

    @property
    def secondary(self) -> set[Key]:
        return {k for k, s in self.status.items() if s == SECONDARY}

    @property
    def suppressed(self) -> set[Key]:
        return set(self.status)


def suppress(
    cells: Mapping[Key, Cell],
    relations: Sequence[Sequence[Key]],
    *,
    forced: Iterable[Key] = (),
    chosen: Mapping[Key, str] | None = None,
    min_contributors: int = MIN_CONTRIBUTORS,
    dominance: Fraction = DOMINANCE,
) -> Suppression:
    """Primary and secondary suppression of the cells of a table of linear relations.

    `relations`: each a sequence of keys of `cells` whose values add up to a published figure
    (the total is itself a member). `forced`: keys suppressed because they are suppressed in
    another table that shares them. `chosen`: secondary cells already picked (key -> reason).
    The order of `cells` breaks ties between equal values.
    """
    order = {key: i for i, key in enumerate(cells)}
    status: dict[Key, str] = {}
    reasons: dict[Key, str] = {}
    for key, cell in cells.items():
        why = sensitivity(cell, min_contributors=min_contributors, dominance=dominance)
        if why:
            status[key] = PRIMARY
            reasons[key] = why
    for key in forced:
        if key in cells and key not in status:
            status[key] = LINKED
            reasons[key] = "suppressed in a linked table"
    for key, why in (chosen or {}).items():
        if key not in status:
            status[key] = SECONDARY
            reasons[key] = why
    changed = True
    while changed:
        changed = False
        for relation in relations:
            hidden = [k for k in relation if k in status]
            if len(hidden) != 1:
                continue
            candidates = [k for k in relation if k not in status and not cells[k].is_empty]
            if not candidates:
                continue  # cannot happen for a true relation: its total is not empty
            pick = min(candidates, key=lambda k: (abs(_exact(cells[k].value)), order[k]))
            status[pick] = SECONDARY
            reasons[pick] = f"protects {hidden[0]!r}"
            changed = True
    return Suppression(status=status, reasons=reasons)


def protect_1d(
    cells: Mapping[Key, Cell],
    total: Cell,
    *,
    forced: Iterable[Key] = (),
    **rules,
) -> Suppression:
    """One row of cells and their total (key TOTAL), e.g. parks × one magnitude with the city."""
    table = {**cells, TOTAL: total}
    return suppress(table, [[*cells, TOTAL]], forced=forced, **rules)


def protect_2d(
    cells: Mapping[tuple[Key, Key], Cell],
    row_totals: Mapping[Key, Cell],
    column_totals: Mapping[Key, Cell],
    grand_total: Cell,
    *,
    forced: Iterable[tuple[Key, Key]] = (),
    **rules,
) -> Suppression:
    """A rows × columns table with row totals (r, TOTAL), column totals (TOTAL, c) and the grand
    total (TOTAL, TOTAL); every row, column and both margins are relations."""
    rows = list(row_totals)
    columns = list(column_totals)
    table: dict[Key, Cell] = dict(cells)
    for r in rows:
        table[(r, TOTAL)] = row_totals[r]
    for c in columns:
        table[(TOTAL, c)] = column_totals[c]
    table[(TOTAL, TOTAL)] = grand_total
    empty = Cell(0, 0, 0)
    for r in rows:
        for c in columns:
            table.setdefault((r, c), empty)
    relations: list[list[Key]] = []
    relations += [[(r, c) for c in columns] + [(r, TOTAL)] for r in rows]
    relations += [[(r, c) for r in rows] + [(TOTAL, c)] for c in columns]
    relations.append([(TOTAL, c) for c in columns] + [(TOTAL, TOTAL)])
    relations.append([(r, TOTAL) for r in rows] + [(TOTAL, TOTAL)])
    order = {key: i for i, key in enumerate(table)}
    chosen: dict[Key, str] = {}
    while True:
        result = suppress(table, relations, forced=forced, chosen=chosen, **rules)
        bridge = _find_bridge(result.suppressed)
        if bridge is None:
            return result
        sides = _sides_without(result.suppressed, bridge)
        candidates = [
            key
            for key, cell in table.items()
            if key not in result and not cell.is_empty and _closes_cycle(key, sides)
        ]
        if not candidates:
            # no single cell closes a cycle: hide one more cell of the bridge's row or column
            # and look again (terminates: every round hides one more cell)
            candidates = [
                key
                for key, cell in table.items()
                if key not in result
                and not cell.is_empty
                and (key[0] == bridge[0] or key[1] == bridge[1])
            ]
        if not candidates:
            return result
        pick = min(candidates, key=lambda k: (abs(_exact(table[k].value)), order[k]))
        chosen[pick] = f"closes a cycle through {bridge!r}"


def _edges(hidden: Iterable[tuple[Key, Key]]) -> dict[tuple, set[tuple]]:
    """The graph of hidden cells: row and column nodes, one edge per hidden cell."""
    graph: dict[tuple, set[tuple]] = {}
    for r, c in hidden:
        graph.setdefault(("row", r), set()).add(("col", c))
        graph.setdefault(("col", c), set()).add(("row", r))
    return graph


def _component(graph: dict[tuple, set[tuple]], start: tuple, cut: tuple[tuple, tuple]) -> set:
    """Nodes reachable from `start` without crossing the edge `cut`."""
    seen, todo = {start}, [start]
    while todo:
        node = todo.pop()
        for other in graph.get(node, ()):
            if {node, other} == set(cut) or other in seen:
                continue
            seen.add(other)
            todo.append(other)
    return seen


def _find_bridge(hidden: set) -> tuple[Key, Key] | None:
    """A hidden cell on no cycle of hidden cells (the first in sorted order), or None."""
    graph = _edges(hidden)
    for r, c in sorted(hidden, key=repr):
        if ("col", c) not in _component(graph, ("row", r), (("row", r), ("col", c))):
            return (r, c)
    return None


def _sides_without(hidden: set, bridge: tuple[Key, Key]) -> tuple[set, set]:
    graph = _edges(hidden)
    cut = (("row", bridge[0]), ("col", bridge[1]))
    return _component(graph, cut[0], cut), _component(graph, cut[1], cut)


def _closes_cycle(key: tuple[Key, Key], sides: tuple[set, set]) -> bool:
    """Hiding `key` joins the two sides of a bridge (so the bridge lies on a cycle)."""
    row, col = ("row", key[0]), ("col", key[1])
    a, b = sides
    return (row in a and col in b) or (row in b and col in a)
