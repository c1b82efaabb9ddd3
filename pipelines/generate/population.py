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
from .rng import Draws, pick, pick_grouped

NEVER = 1_000_000  # a month index that never comes

# Size calibration (annual output or revenue in 万元 at the 2018 level): a Pareto tail
# x_min * U^(-1/alpha) blurred by a lognormal body, times a division factor.
SIZE_X_MIN = 45.0
SIZE_ALPHA = 0.88
SIZE_SIGMA = 0.6
SIZE_CAP = 3_000_000.0  # 300亿元
SHELL_SHARE = 0.05  # registered, nearly no business
TAX_SCALE = 1.5
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


_VALUE = {c: i for i, c in enumerate(USCC_CHARSET)}
_ORG_VALUE = {c: (int(c) if c.isdigit() else ord(c) - 55) for c in USCC_CHARSET}


def complete_uscc_expr(first16: pl.Expr) -> pl.Expr:
    """Vectorized schemas.uscc.complete_uscc: append both check characters."""

    def ch(i: int) -> pl.Expr:
        return first16.str.slice(i, 1)

    org_sum = pl.sum_horizontal(
        ch(8 + k).replace_strict(_ORG_VALUE, return_dtype=pl.Int64) * w
        for k, w in enumerate(ORG_WEIGHTS)
    )
    r = 11 - org_sum % 11
    c17 = (
        pl.when(r == 10)
        .then(pl.lit("X"))
        .when(r == 11)
        .then(pl.lit("0"))
        .otherwise(r.cast(pl.String))
    )
    total = (
        pl.sum_horizontal(
            ch(k).replace_strict(_VALUE, return_dtype=pl.Int64) * USCC_WEIGHTS[k] for k in range(16)
        )
        + c17.replace_strict(_VALUE, return_dtype=pl.Int64) * USCC_WEIGHTS[16]
    )
    r2 = 31 - total % 31
    c18 = (
        pl.when(r2 == 31)
        .then(0)
        .otherwise(r2)
        .replace_strict(dict(enumerate(USCC_CHARSET)), return_dtype=pl.String)
    )
    return pl.concat_str(first16, c17, c18)


def random_bodies(draws: Draws, n: int, modern: pl.Series) -> pl.Series:
    """USCC positions 9-16: 'MA6' + 5 characters for codes issued since 2015, else 8 digits."""
    chars = []
    for k in range(8):
        u = draws.uniform(f"body{k}")
        letter = pick(u, list(USCC_CHARSET))
        digit = pick(u, list("0123456789"))
        chars.append((letter, digit))
    frame = pl.DataFrame(
        {"modern": modern, **{f"l{k}": c[0] for k, c in enumerate(chars)}}
        | {f"d{k}": c[1] for k, c in enumerate(chars)}
    )
    modern_body = pl.concat_str(pl.lit("MA6"), *[pl.col(f"l{k}") for k in range(3, 8)])
    old_body = pl.concat_str(*[pl.col(f"d{k}") for k in range(8)])
    return frame.select(pl.when(pl.col("modern")).then(modern_body).otherwise(old_body)).to_series()


def _unique_strings(build, draws: Draws, n: int, name: str, max_rounds: int = 40) -> pl.Series:
    """Build n strings with `build(draws)` and redraw duplicates until all are unique."""
    values = build(draws)
    for round_ in range(1, max_rounds + 1):
        dup = pl.select(pl.int_range(n).over(values) > 0).to_series()
        if not dup.any():
            return values.rename(name)
        fresh = build(draws.sub("redraw", round_))
        values = pl.select(pl.when(dup).then(fresh).otherwise(values)).to_series()
    dup = pl.select(pl.int_range(n).over(values)).to_series()
    return (
        pl.select(
            pl.when(dup > 0)
            .then(pl.concat_str(values, pl.lit("-"), dup.cast(pl.String)))
            .otherwise(values)
        )
        .to_series()
        .rename(name)
    )


def build_population(seed: int, n: int, a_start: int, a_end: int) -> pl.DataFrame:
    """One row per enterprise ever registered in the range, with its whole life cycle."""
    d = Draws(ref_key(seed), n)
    months = a_end - a_start + 1
    park_codes = list(ref.PARK_WEIGHTS)
    park = d.choice("park", park_codes, list(ref.PARK_WEIGHTS.values())).rename("park0")
    division = pick_grouped(
        d.uniform("division"), park, {p: ref.park_division_table(p) for p in park_codes}
    ).rename("division")
    industry_code = pick_grouped(
        d.uniform("class"), division, {dv: (cl, [1.0] * len(cl)) for dv, cl in ref.CLASSES.items()}
    ).rename("industry_code")
    industrial_set = ref.industrial_divisions()

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
        .when(~farm & (u_kind < 0.03))
        .then(pl.lit("92"))
        .otherwise(pl.lit("91"))
    ).to_series()
    own_region = park.replace_strict(ref.PARK_REGION, return_dtype=pl.String)
    region = pl.select(
        pl.when(d.uniform("region") < 0.65)
        .then(own_region)
        .otherwise(d.choice("other_region", ref.OTHER_REGIONS))
    ).to_series()

    def build_uscc(dd: Draws) -> pl.Series:
        body = random_bodies(dd.sub("uscc"), n, modern)
        return pl.select(complete_uscc_expr(pl.concat_str(org_kind, region, body))).to_series()

    uscc = _unique_strings(build_uscc, d, n, "uscc")

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
        district = dd.choice("district", ["城关区", "堆龙德庆区", "达孜区", "曲水县", "林周县"])
        shop = dd.choice("shop", ["商行", "经营部", "店", "门市部"])
        word = pl.when(two).then(pl.concat_str(w1, w2)).otherwise(w1)
        frame = pl.DataFrame({"org_kind": org_kind})
        return frame.select(
            pl.when(pl.col("org_kind") == "93")
            .then(pl.concat_str(pl.lit("林周县"), word, ind, pl.lit("农牧民专业合作社")))
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

    name = _unique_strings(build_name, d.sub("name"), n, "enterprise_name")

    # ---------- size: annual output (industrial) or revenue (others), 万元, 2018 level
    factor = division.replace_strict(_floats(ref.SIZE_FACTOR), default=0.5, return_dtype=pl.Float64)
    tail = (-(d.uniform("size_tail").log()) / SIZE_ALPHA).rename("tail")
    shell = d.uniform("shell") < SHELL_SHARE
    size = pl.select(
        pl.when(shell)
        .then(0.5 + d.uniform("shell_size") * 4)
        .otherwise(
            (
                SIZE_X_MIN
                * (tail + SIZE_SIGMA * d.normal("size_body") - SIZE_SIGMA**2 / 2).exp()
                * factor
            ).clip(0.5, SIZE_CAP)
        )
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
        pl.lit(0.003) * pl.when(in_lwxq).then(5.0).otherwise(1.0) * pl.when(techy).then(3.0).otherwise(1.0)
        * pl.when(big).then(4.0).otherwise(1.0)
    ).to_series()  # fmt: skip
    p_sme = pl.select(
        pl.lit(0.006) * pl.when(in_lwxq).then(5.0).otherwise(1.0) * pl.when(techy).then(3.0).otherwise(1.0)
    ).to_series()  # fmt: skip

    def since(name: str, p: pl.Series, early: float = 0.65) -> pl.Series:
        has = d.uniform(name) < p
        when_ = (
            pl.when(d.uniform(name + "_early") < early)
            .then(a_start - 1)
            .otherwise(a_start + (d.uniform(name + "_month") * months).floor().cast(pl.Int64))
        )
        return pl.select(pl.when(has).then(when_).otherwise(NEVER)).to_series()

    high_tech_from = since("high_tech", p_ht)
    sme_from = since("tech_sme", p_sme)
    leader_p = pl.select(
        pl.when((high_tech_from < NEVER) & (size >= 1500)).then(0.35).otherwise(0.0)
    ).to_series()
    leader_from = pl.select(
        pl.max_horizontal(since("tech_leader", leader_p), high_tech_from)
    ).to_series()
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

    ind_divs = list(industrial_set)
    return pl.DataFrame(
        {
            "idx": pl.int_range(n, eager=True),
            "uscc": uscc,
            "enterprise_name": name,
            "park0": park,
            "park1": park1,
            "t_move": t_move,
            "division": division,
            "industry_code": industry_code,
            "industrial": division.is_in(ind_divs),
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


def ref_key(seed: int) -> int:
    from .rng import stream_key

    return stream_key(seed, "population")


def date_of_month_end(a: int) -> dt.date:
    y, m = month_of(a + 1)
    return dt.date(y, m, 1) - dt.timedelta(days=1)
