"""Statistical disclosure control (pipelines/reports/disclosure.py), on cases worked out by hand."""

from decimal import Decimal

import pytest

from pipelines.reports import disclosure as dc
from pipelines.reports.disclosure import TOTAL, Cell, protect_1d, protect_2d, sensitivity, suppress

# ------------------------------------------------------------------ primary: the n rule


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (Cell(100, 1, 100), "n<3"),  # one enterprise: its own figure
        (Cell(100, 2, 60), "n<3"),  # two: each can subtract itself to get the other
        (Cell(100, 3, 40), None),  # three, none dominant
        (Cell(0, 0, 0), None),  # empty: nothing to disclose
    ],
)
def test_n_rule(cell, expected):
    assert sensitivity(cell) == expected


# ------------------------------------------------------------------ primary: dominance


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (Cell(100, 3, 86), "dominance>85%"),  # 86 % > 85 %
        (Cell(100, 3, 85), None),  # exactly 85 % is not suppressed
        (Cell(Decimal("200.00"), 4, Decimal("170.00")), None),  # 85 % exactly, decimals
        (Cell(Decimal("200.00"), 4, Decimal("170.01")), "dominance>85%"),  # 85.005 %
        # floats compare as the decimals they print as: 1.445 / 1.7 is exactly 85 %
        (Cell(1.7, 5, 1.445), None),
        (Cell(1.7, 5, 1.4451), "dominance>85%"),
        (Cell(-100, 3, 90), "dominance>85%"),  # negative sums (refunds): by magnitude
    ],
)
def test_dominance_rule(cell, expected):
    assert sensitivity(cell) == expected


# ------------------------------------------------------------------ secondary, one dimension


def test_secondary_picks_the_smallest_remaining_cell_and_skips_empty_ones():
    # parks × one magnitude with the city total:
    #   A 50 (2 enterprises: primary), B 300, C 120, D 0 (no enterprise), E 200; city 670.
    # A alone would be 670 − 300 − 120 − 0 − 200: hide the next-smallest non-empty cell, C.
    cells = {
        "A": Cell(50, 2, 30),
        "B": Cell(300, 10, 60),
        "C": Cell(120, 8, 30),
        "D": Cell(0, 0, 0),
        "E": Cell(200, 5, 60),
    }
    result = protect_1d(cells, Cell(670, 25, 60))
    assert result.primary == {"A"}
    assert result.secondary == {"C"}
    assert result.status == {"A": dc.PRIMARY, "C": dc.SECONDARY}
    assert TOTAL not in result


def test_two_primary_cells_need_no_secondary():
    cells = {"A": Cell(50, 2, 30), "B": Cell(90, 1, 90), "C": Cell(400, 9, 80)}
    result = protect_1d(cells, Cell(540, 12, 90))
    assert result.suppressed == {"A", "B"}
    assert result.secondary == set()


def test_ties_are_broken_in_table_order():
    cells = {"A": Cell(10, 1, 10), "B": Cell(70, 4, 20), "C": Cell(70, 4, 20)}
    assert protect_1d(cells, Cell(150, 9, 20)).secondary == {"B"}


def test_the_total_is_suppressed_when_no_other_cell_can_protect():
    # A (one enterprise) beside an empty B: the city total equals A, so the total goes too.
    cells = {"A": Cell(80, 1, 80), "B": Cell(0, 0, 0)}
    result = protect_1d(cells, Cell(80, 1, 80))
    assert result.primary == {"A", TOTAL}  # the total rests on one enterprise as well
    cells = {"A": Cell(80, 2, 50), "B": Cell(0, 0, 0)}
    result = protect_1d(cells, Cell(80, 3, 50))  # a total of 3 contributors (other years)
    assert result.primary == {"A"}
    assert result.secondary == {TOTAL}


def test_a_total_hidden_in_a_linked_table_is_protected_here_too():
    # The city's year total is hidden in the park × year table; its months must not give it
    # back: the smallest month is hidden with it.
    months = {"01": Cell(30, 9, 5), "02": Cell(20, 9, 5), "03": Cell(25, 9, 5)}
    result = protect_1d(months, Cell(75, 9, 15), forced=[TOTAL])
    assert result.status == {TOTAL: dc.LINKED, "02": dc.SECONDARY}


# ------------------------------------------------------------------ secondary, two dimensions


def test_park_by_year_table_with_row_and_column_totals():
    # Worked by hand (values in 万元, enterprises in brackets):
    #
    #            2018        2019        total
    #   P1     100 (5)     120 (6)     220
    #   P2      30 (2)*     50 (4)      80
    #   P3     200 (10)    210 (9)     410
    #   city   330         380         710
    #
    # P2-2018 rests on 2 enterprises (primary). Row P2 then has one hidden cell: hide its
    # smallest other member, P2-2019 (50 < 80). Column 2018 has one: hide P1-2018 (100 <
    # 200 < 330). Column 2019 has one (P2-2019): hide P1-2019 (120). Row P1 now has two; every
    # row and column has 0 or 2 hidden cells: a 2 × 2 rectangle, which the totals cannot undo.
    cells = {
        ("P1", 2018): Cell(100, 5, 30),
        ("P1", 2019): Cell(120, 6, 30),
        ("P2", 2018): Cell(30, 2, 20),
        ("P2", 2019): Cell(50, 4, 20),
        ("P3", 2018): Cell(200, 10, 40),
        ("P3", 2019): Cell(210, 9, 40),
    }
    rows = {"P1": Cell(220, 6, 60), "P2": Cell(80, 4, 40), "P3": Cell(410, 10, 80)}
    columns = {2018: Cell(330, 17, 40), 2019: Cell(380, 19, 40)}
    result = protect_2d(cells, rows, columns, Cell(710, 20, 80))
    assert result.primary == {("P2", 2018)}
    assert result.secondary == {("P2", 2019), ("P1", 2018), ("P1", 2019)}
    # every row and column (with its total) has no hidden cell or at least two
    for relation in (
        [("P1", 2018), ("P1", 2019), ("P1", TOTAL)],
        [("P2", 2018), ("P2", 2019), ("P2", TOTAL)],
        [("P1", 2018), ("P2", 2018), ("P3", 2018), (TOTAL, 2018)],
        [("P1", 2019), ("P2", 2019), ("P3", 2019), (TOTAL, 2019)],
    ):
        assert sum(k in result for k in relation) in (0, 2, 3)


def test_two_dimensional_margins_are_relations_too():
    # Worked by hand:
    #
    #            2018        2019        total
    #   P1     100         200         300
    #   P2     150         250         400*   hidden in a linked table (forced)
    #   city   250         450         700
    #
    # (A primary row total always comes with a primary cell of its row — an enterprise over
    # 85 % of the sum is over 85 % of some year — so the lone hidden total is forced here.)
    # Relations in order: rows, columns, then the margins. Row P2 has one hidden cell (its
    # total): hide P2-2018 (150 < 250). Column 2018 then has one: hide P1-2018 (100 < 250).
    # The margin P1 total + P2 total = 700 has one: hide P1's total (300 < 700). Row P1 now
    # has two (P1-2018, P1 total) and every relation has 0 or 2 hidden cells: 4 unknowns,
    # 4 equations of rank 3, so no hidden value can be solved for.
    cells = {
        ("P1", 2018): Cell(100, 5, 20),
        ("P1", 2019): Cell(200, 5, 40),
        ("P2", 2018): Cell(150, 5, 40),
        ("P2", 2019): Cell(250, 5, 60),
    }
    rows = {"P1": Cell(300, 5, 60), "P2": Cell(400, 5, 60)}
    columns = {2018: Cell(250, 10, 40), 2019: Cell(450, 10, 60)}
    result = protect_2d(cells, rows, columns, Cell(700, 10, 60), forced=[("P2", TOTAL)])
    assert result.primary == set()
    assert result.status[("P2", TOTAL)] == dc.LINKED
    assert result.secondary == {("P2", 2018), ("P1", 2018), ("P1", TOTAL)}
    assert (TOTAL, TOTAL) not in result and ("P2", 2019) not in result


def test_a_hidden_cell_joining_two_rectangles_is_protected_too():
    # Worked by hand: rows P1..P4, years Y1..Y4. Primary (one enterprise each):
    #   rectangle A: P1/P2 × Y1/Y2; rectangle B: P3/P4 × Y3/Y4; and P1-Y3.
    # Every row and column then has two or three hidden cells, so no relation has exactly
    # one — but P1-Y3 is a bridge: the cut between {P1, P2, Y1, Y2} and {P3, P4, Y3, Y4}
    # gives P1-Y3 = (P1 + P2 row totals) − (their published cells) − (Y1 + Y2 column totals
    # less their published cells) … exactly. The cells that close a cycle through it join one
    # side's rows with the other side's columns: P1-Y4 (9), P2-Y3 (8), P2-Y4 (7), P3-Y1 (6),
    # P3-Y2 (5), P4-Y1 (4), P4-Y2 (3) — the smallest, P4-Y2, is hidden.
    rows, years = ["P1", "P2", "P3", "P4"], ["Y1", "Y2", "Y3", "Y4"]
    primary = {
        ("P1", "Y1"),
        ("P1", "Y2"),
        ("P2", "Y1"),
        ("P2", "Y2"),
        ("P3", "Y3"),
        ("P3", "Y4"),
        ("P4", "Y3"),
        ("P4", "Y4"),
        ("P1", "Y3"),
    }
    values = {
        ("P1", "Y4"): 9,
        ("P2", "Y3"): 8,
        ("P2", "Y4"): 7,
        ("P3", "Y1"): 6,
        ("P3", "Y2"): 5,
        ("P4", "Y1"): 4,
        ("P4", "Y2"): 3,
    }
    cells = {
        (r, y): Cell(50, 1, 50) if (r, y) in primary else Cell(values[(r, y)], 5, 1)
        for r in rows
        for y in years
    }
    row_totals = {r: Cell(sum(cells[(r, y)].value for y in years), 9, 50) for r in rows}
    col_totals = {y: Cell(sum(cells[(r, y)].value for r in rows), 9, 50) for y in years}
    grand = Cell(sum(c.value for c in row_totals.values()), 20, 50)
    result = protect_2d(cells, row_totals, col_totals, grand)
    assert result.primary == primary
    assert result.secondary == {("P4", "Y2")}
    assert dc._find_bridge(result.suppressed) is None


def test_no_hidden_cell_is_a_bridge_on_random_tables():
    import random

    rng = random.Random(7)
    for _ in range(200):
        rows, years = range(rng.randint(2, 6)), range(rng.randint(2, 4))
        cells = {}
        for r in rows:
            for y in years:
                n = rng.choice([0, 1, 2, 3, 5, 8, 12])
                value = 0 if n == 0 else rng.randint(10, 1000)
                top = 0 if n == 0 else value if n == 1 else rng.randint(value // n + 1, value)
                cells[(r, y)] = Cell(value, n, top)
        row_totals = {r: Cell(sum(cells[(r, y)].value for y in years), 50, 1) for r in rows}
        col_totals = {y: Cell(sum(cells[(r, y)].value for r in rows), 50, 1) for y in years}
        grand = Cell(sum(c.value for c in row_totals.values()), 100, 1)
        result = protect_2d(cells, row_totals, col_totals, grand)
        assert dc._find_bridge(result.suppressed) is None
        assert result.primary == {k for k, c in cells.items() if sensitivity(c)}


def test_suppress_on_explicit_relations_iterates_until_stable():
    # a chain: x in r1 with y; y in r2 with z; z in r3 with w — one primary propagates.
    cells = {
        "x": Cell(5, 1, 5),
        "y": Cell(6, 5, 2),
        "t1": Cell(100, 9, 10),
        "z": Cell(7, 5, 2),
        "t2": Cell(100, 9, 10),
    }
    result = suppress(cells, [["x", "y", "t1"], ["y", "z", "t2"]])
    assert result.status == {"x": dc.PRIMARY, "y": dc.SECONDARY, "z": dc.SECONDARY}
