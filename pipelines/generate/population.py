"""The enterprise population: identity, park, industry, size and life cycle, one row each.

Months are counted as absolute indexes from January 2018 (`a = (year - 2018) * 12 + month - 1`)
so that growth and dates do not depend on the requested range.
"""

from __future__ import annotations

import datetime as dt
import math

import polars as pl

from schemas.uscc import ORG_WEIGHTS, USCC_CHARSET, USCC_WEIGHTS

from . import reference as ref
from .rng import Draws, pick_grouped, stream_key

NEVER = 1_000_000  # a month index that never comes

# Size calibration (annual output or revenue in 万元 at the 2018 level): a Pareto tail
# x_min * U^(-1/alpha) blurred by a lognormal body, times a division factor.
SIZE_X_MIN = 50.0
SIZE_ALPHA = 0.88
SIZE_SIGMA = 0.6
SIZE_CAP = 1_200_000.0  # 120亿元: sizes saturate smoothly towards it (x / (1 + x / cap))
SHELL_SHARE = 0.05  # registered, nearly no business
TAX_SCALE = 1.3
TAX_SIGMA = 0.6
HC_K = 0.15
HC_BETA = 0.72
HC_SIGMA = 0.5

ENTRY_PER_MONTH = 0.0065  # share of the population entering per month of the range
LEAVE_HAZARD = 0.003  # per month
MOVE_PER_MONTH = 0.0015


def month_index(year: int, month: int) -> int:
    return (year - 2018) * 12 + month - 1


def month_of(a: int) -> tuple[int, int]:
    return 2018 + a // 12, a % 12 + 1


def _floats(table: dict[str, float]) -> dict[str, float]:
    return {k: float(v) for k, v in table.items()}


def _date_expr(a: pl.Expr, day: pl.Expr) -> pl.Expr:
    year = (a // 12) + 2018
    month = (a % 12) + 1
    return pl.date(year, month, day)


_CHARSET = pl.Series(list(USCC_CHARSET))
# GB 11714 values of the USCC charset's characters, by index (letters by the full alphabet).
_ORG_VALUE = pl.Series([int(c) if c.isdigit() else ord(c) - 55 for c in USCC_CHARSET])
_X = USCC_CHARSET.index("X")
_MA6 = [USCC_CHARSET.index(c) for c in "MA6"]


def uscc_from_parts(head: pl.Series, body: list[pl.Series]) -> pl.Series:
    """USCCs from positions 1-8 (digits, as text) and 9-16 (charset indexes): both checks added.

    Vectorized schemas.uscc.complete_uscc, computed on indexes rather than characters.
    """
    head_sum = {h: sum(USCC_WEIGHTS[k] * int(h[k]) for k in range(8)) for h in head.unique()}
    frame = pl.DataFrame({"head": head, **{f"b{k}": b for k, b in enumerate(body)}})
    b = [pl.col(f"b{k}") for k in range(8)]
    org = pl.sum_horizontal(pl.lit(_ORG_VALUE).gather(b[k]) * w for k, w in enumerate(ORG_WEIGHTS))
    r = 11 - org % 11
    c17 = pl.when(r == 10).then(_X).when(r == 11).then(0).otherwise(r)
    total = (
        pl.col("head").replace_strict(head_sum, return_dtype=pl.Int64)
        + pl.sum_horizontal(b[k] * USCC_WEIGHTS[8 + k] for k in range(8))
        + c17 * USCC_WEIGHTS[16]
    )
    r2 = 31 - total % 31
    c18 = pl.when(r2 == 31).then(0).otherwise(r2)
    chars = [pl.lit(_CHARSET).gather(x) for x in (*b, c17, c18)]
    return frame.select(pl.concat_str(pl.col("head"), *chars)).to_series().rename("uscc")


def _duplicates(values: pl.Series) -> pl.Series:
    """True for the second and later occurrences of a value."""
    return ~values.is_first_distinct()


def build_population(seed: int, n: int, a_start: int, a_end: int) -> pl.DataFrame:
    """One row per enterprise ever registered in the range, with its whole life cycle."""
    d = Draws(stream_key(seed, "population"), n)
    months = a_end - a_start + 1
    park_codes = list(ref.PARK_WEIGHTS)
    park = d.choice("park", park_codes, list(ref.PARK_WEIGHTS.values())).rename("park0")
    division = pick_grouped(
        d.uniform("division"), park, {p: ref.park_division_table(p) for p in park_codes}
    ).rename("division")
    industry_code = pick_grouped(d.uniform("class"), division, ref.class_tables()).rename(
        "industry_code"
    )

    # ---------- life cycle
    u_entry = d.uniform("entry")
    entrant_share = min(0.4, ENTRY_PER_MONTH * (months - 1))
    entrant = (u_entry < entrant_share) if months > 1 else (u_entry < 0)
    entry_offset = 1 + (d.uniform("entry_month") * (months - 1)).floor().cast(pl.Int64)
    t_in = pl.select(pl.when(entrant).then(a_start + entry_offset).otherwise(a_start)).to_series()
    # Months registered before leaving: geometric, at least one month in a normal status.
    u_leave = d.uniform("leave")
    stay = pl.select(
        (u_leave.log() / math.log(1 - LEAVE_HAZARD)).floor().cast(pl.Int64) + 1
    ).to_series()
    t_out = pl.select(pl.when(t_in + stay <= a_end).then(t_in + stay).otherwise(NEVER)).to_series()
    leave_status = d.choice("leave_status", ["迁出", "注销", "吊销"], [40, 45, 15])

    # ---------- establishment date
    before = pl.select(
        (-(d.uniform("age").log()) * 70).floor().cast(pl.Int64).clip(0, 400)
    ).to_series()
    new_firm = pl.select(entrant & (d.uniform("new_firm") < 0.75)).to_series()
    est_month = pl.select(pl.when(new_firm).then(t_in).otherwise(t_in - 1 - before)).to_series()
    est_day = d.integers("est_day", 1, 29)
    established = pl.select(_date_expr(est_month, est_day)).to_series()
    modern = est_month >= month_index(2015, 10)

    # ---------- identity
    u_kind = d.uniform("org_kind")
    farm = division.is_in(["01", "03"])
    org_kind = pl.select(
        pl.when(farm & (u_kind < 0.4))
        .then(pl.lit("93"))
        .when(division.is_in(["52", "62", "80", "24", "19", "51"]) & (u_kind < 0.12))
        .then(pl.lit("92"))  # individual businesses: shops, tea houses, crafts
        .otherwise(pl.lit("91"))
    ).to_series()
    own_region = park.replace_strict(ref.PARK_REGION, return_dtype=pl.String)
    region = pl.select(
        pl.when(d.uniform("region") < 0.65)
        .then(own_region)
        .otherwise(d.choice("other_region", ref.OTHER_REGIONS))
    ).to_series()

    # positions 9-16: 'MA6' + 5 characters for codes issued since 2015, else 8 digits
    body = []
    for k in range(8):
        u = d.uniform(f"body{k}")
        modern_k = pl.lit(_MA6[k]) if k < 3 else (u * 31).floor()
        body.append(
            pl.select(
                pl.when(modern)
                .then(modern_k)
                .otherwise((u * 10).floor())
                .cast(pl.Int64)
                .clip(0, 30)
            ).to_series()
        )
    head = pl.select(pl.concat_str(org_kind, region)).to_series()
    uscc = uscc_from_parts(head, body)
    for round_ in range(1, 100):  # the rare collision: change the last body character
        dup = _duplicates(uscc)
        if not dup.any():
            break
        body[7] = pl.select(
            pl.when(dup).then((body[7] + round_) % 31).otherwise(body[7])
        ).to_series()
        uscc = uscc_from_parts(head, body)

    def build_name(dd: Draws) -> pl.Series:
        prefix = dd.choice("prefix", ref.NAME_PREFIXES)
        w1 = dd.choice("w1", ref.NAME_WORDS)
        w2 = dd.choice("w2", ref.NAME_WORDS)
        two = dd.uniform("two") < 0.55
        ind = pick_grouped(
            dd.uniform("ind"),
            division,
            {dv: (ws, [1.0] * len(ws)) for dv, ws in ref.INDUSTRY_WORDS.items()},
        )
        suffix = dd.choice("suffix", ref.NAME_SUFFIXES)
        style = dd.uniform("style")
        district = park.replace_strict(ref.PARK_DISTRICT, return_dtype=pl.String)
        shop = dd.choice("shop", ["商行", "经营部", "店", "门市部"])
        word = pl.when(two).then(pl.concat_str(w1, w2)).otherwise(w1)
        frame = pl.DataFrame({"org_kind": org_kind})
        return frame.select(
            pl.when(pl.col("org_kind") == "93")
            .then(pl.concat_str(district, word, ind, pl.lit("农牧民专业合作社")))
            .when(pl.col("org_kind") == "92")
            .then(pl.concat_str(district, word, ind, shop))
            .when(style < 0.02)
            .then(pl.concat_str(prefix, word, pl.lit("（集团）"), suffix))
            .when(style < 0.05)
            .then(pl.concat_str(word, pl.lit("（拉萨）"), ind, suffix))
            .when(style < 0.055)
            .then(pl.concat_str(prefix, word, ind, pl.lit("有限公司,拉萨分公司")))
            .otherwise(pl.concat_str(prefix, word, ind, suffix))
        ).to_series()

    name = build_name(d.sub("name")).rename("enterprise_name")
    places = "|".join(
        sorted({*ref.PARK_DISTRICT.values(), *ref.NAME_PREFIXES}, key=lambda p: (-len(p), p))
    )
    for round_ in range(1, 100):  # a second word after the place makes a duplicate unique
        dup = _duplicates(name)
        if not dup.any():
            break
        word = d.sub("name_fix", round_).choice("word", ref.NAME_WORDS)
        prefix = name.str.extract(f"^({places})", 1).fill_null("")
        fixed = pl.select(
            pl.concat_str(prefix, word, name.str.slice(prefix.str.len_chars()))
        ).to_series()
        name = pl.select(pl.when(dup).then(fixed).otherwise(name)).to_series()
    name = name.rename("enterprise_name")

    # ---------- size: annual output (industrial) or revenue (others), 万元, 2018 level
    factor = division.replace_strict(_floats(ref.SIZE_FACTOR), default=0.5, return_dtype=pl.Float64)
    tail = (-(d.uniform("size_tail").log()) / SIZE_ALPHA).rename("tail")
    shell = d.uniform("shell") < SHELL_SHARE
    raw = (
        SIZE_X_MIN * (tail + SIZE_SIGMA * d.normal("size_body") - SIZE_SIGMA**2 / 2).exp() * factor
    )
    size = pl.select(
        pl.when(shell)
        .then(0.5 + d.uniform("shell_size") * 4)
        .otherwise((raw / (1 + raw / SIZE_CAP)).clip(0.5, None))
    ).to_series()
    growth = pl.select((0.09 + 0.12 * d.normal("growth")).clip(-0.3, 0.6)).to_series()
    rate = division.replace_strict(
        _floats(ref.TAX_RATE), default=ref.DEFAULT_TAX_RATE, return_dtype=pl.Float64
    )
    tax_rate = pl.select(
        (rate * TAX_SCALE * (TAX_SIGMA * d.normal("tax_rate")).exp()).clip(0, 0.6)
    ).to_series()
    labour = division.replace_strict(_floats(ref.LABOUR), default=1.0, return_dtype=pl.Float64)
    headcount = pl.select(
        HC_K * size**HC_BETA * labour * (HC_SIGMA * d.normal("hc")).exp()
    ).to_series()

    # ---------- moves between parks (to a park whose positioning fits, or to 城关区)
    candidates: dict[str, list[str]] = {}
    for dv in ref.ALL_DIVISIONS:
        cands = [p for p in park_codes if dv in ref.PARK_INDUSTRIES[p]]
        candidates[dv] = cands + (["CG"] if "CG" not in cands else [])
    u_move = d.uniform("move_to")
    park1 = pick_grouped(
        u_move, division, {dv: (c, [1.0] * len(c)) for dv, c in candidates.items()}
    )
    # When the draw hits the current park, take the next candidate (or stay when there is none).
    alt = pick_grouped(
        u_move,
        division,
        {dv: (c[1:] + c[:1], [1.0] * len(c)) for dv, c in candidates.items()},
    )
    park1 = pl.select(pl.when(park1 == park).then(alt).otherwise(park1)).to_series()
    last = pl.select(pl.min_horizontal(t_out - 1, pl.lit(a_end))).to_series()
    span = last - t_in  # months after entry in which a move can show
    moves = pl.select(
        (d.uniform("move") < MOVE_PER_MONTH * (months - 1)) & (span >= 1) & (park1 != park)
    ).to_series()
    t_move = pl.select(
        pl.when(moves)
        .then(t_in + 1 + (d.uniform("move_month") * span).floor().cast(pl.Int64))
        .otherwise(NEVER)
    ).to_series()

    # ---------- flags and listing
    in_lwxq = park == "LWXQ"
    techy = division.is_in(["65", "64", "39", "73", "27", "75", "74"])
    big = size >= 2000
    p_ht = pl.select(
        pl.lit(0.0012) * pl.when(in_lwxq).then(5.0).otherwise(1.0) * pl.when(techy).then(3.0).otherwise(1.0)
        * pl.when(big).then(4.0).otherwise(1.0)
    ).to_series()  # fmt: skip
    p_sme = pl.select(
        pl.lit(0.0035) * pl.when(in_lwxq).then(5.0).otherwise(1.0) * pl.when(techy).then(3.0).otherwise(1.0)
    ).to_series()  # fmt: skip

    def since(name: str, p: pl.Series, early: float = 0.65) -> pl.Series:
        has = d.uniform(name) < p
        when_ = (
            pl.when(d.uniform(name + "_early") < early)
            .then(a_start - 1)
            .otherwise(a_start + (d.uniform(name + "_month") * months).floor().cast(pl.Int64))
        )
        return pl.select(pl.when(has).then(when_).otherwise(NEVER)).to_series()

    sme_from = since("tech_sme", p_sme)
    # Leaders are above-scale technology enterprises, and certified high-tech as well.
    leader_p = pl.select(
        pl.when(big & techy).then(0.3).when(big & in_lwxq).then(0.1).otherwise(0.0)
    ).to_series()
    leader_from = since("tech_leader", leader_p)
    high_tech_from = pl.select(pl.min_horizontal(since("high_tech", p_ht), leader_from)).to_series()
    p_list = pl.select(
        pl.when(size >= 10000).then(0.15).when(size >= 2000).then(0.03).otherwise(0.0012)
    ).to_series()
    board = d.choice(
        "board", ["新三板", "主板", "中小板", "创业板", "科创板", "北交所"], [55, 15, 10, 10, 7, 3]
    )
    listed_from = since("listed", p_list, early=0.7)
    # Boards open when they opened: 科创板 in July 2019, 北交所 in November 2021.
    opened = board.replace_strict(
        {"科创板": month_index(2019, 7), "北交所": month_index(2021, 11)},
        default=-NEVER,
        return_dtype=pl.Int64,
    )
    listed_from = pl.select(
        pl.when(listed_from < NEVER).then(pl.max_horizontal(listed_from, opened)).otherwise(NEVER)
    ).to_series()

    capital_raw = pl.select(size**0.85 * 2.0 * (0.9 * d.normal("capital")).exp()).to_series()
    nice = [10, 30, 50, 100, 200, 300, 500, 1000, 2000, 3000, 5000, 10000, 20000, 50000, 100000]
    capital = pl.select(
        pl.when(org_kind == "92")
        .then(pl.lit(0.0))
        .when(d.uniform("capital_nice") < 0.85)
        .then(
            pl.lit(pl.Series(nice, dtype=pl.Float64)).gather(
                pl.lit(pl.Series(nice, dtype=pl.Float64))
                .search_sorted(capital_raw)
                .clip(0, len(nice) - 1)
            )
        )
        .otherwise((capital_raw * 100).round() / 100)
    ).to_series()

    return pl.DataFrame(
        {
            "uscc": uscc,
            "enterprise_name": name,
            "park0": park,
            "park1": park1,
            "t_move": t_move,
            "division": division,
            "industry_code": industry_code,
            "industrial": division.is_in(list(ref.industrial_divisions())),
            "season_kind": division.replace_strict(
                ref.SEASON_KIND, default=0, return_dtype=pl.Int64
            ),
            "t_in": t_in,
            "t_out": t_out,
            "leave_status": leave_status,
            "status_normal": d.choice("status", ["存续", "在业"], [60, 40]),
            "established": established,
            "capital": capital,
            "high_tech_from": high_tech_from,
            "sme_from": sme_from,
            "leader_from": leader_from,
            "board": board,
            "listed_from": listed_from,
            "size": size,
            "growth": growth.log1p(),
            "tax_rate": tax_rate,
            "headcount": headcount,
            "va_ratio": 0.25 + 0.15 * d.uniform("va_ratio"),
            "rev_ratio": 0.85 + 0.20 * d.uniform("rev_ratio"),
            "delay": pl.select(
                pl.when(entrant).then(d.choice("delay", [0, 1, 2], [70, 20, 10])).otherwise(0)
            ).to_series(),
        }
    )


def date_of_month_end(a: int) -> dt.date:
    y, m = month_of(a + 1)
    return dt.date(y, m, 1) - dt.timedelta(days=1)
