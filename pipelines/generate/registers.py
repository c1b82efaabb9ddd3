"""Project and carrier registers: small, built item by item, snapshotted each month."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from schemas.uscc import USCC_CHARSET, complete_uscc

from . import reference as ref
from .population import NEVER, month_index, month_of
from .rng import poisson, py_random

PROJECT_TERMINATION = 0.06
# Share of projects whose register row leaves 行业代码 empty (the column is optional).
PROJECT_WITHOUT_INDUSTRY = 0.1


def register_scale(enterprises: int) -> float:
    """Registers grow with the population, within bounds (a city signs tens of projects a year)."""
    return min(max(enterprises / 10_000, 0.3), 5.0)


@dataclass(frozen=True)
class Project:
    project_id: str
    name: str
    park_reported: str
    investor: str | None
    amount_c: int  # 0.01亿元
    signed_on: dt.date
    a_sign: int
    a_build: int
    a_prod: int
    a_term: int
    category: str | None
    industry: str | None = None  # GB/T 4754-2017 class, drawn from the park's industry mix

    def status(self, a: int) -> str:
        if a >= self.a_term:
            return "终止"
        if a >= self.a_prod:
            return "投产"
        if a >= self.a_build:
            return "在建"
        return "签约"


@dataclass(frozen=True)
class Carrier:
    carrier_id: str
    name: str
    park_reported: str
    kind: str
    recognized_on: dt.date
    a_recognized: int


def _reported_park(rnd, code: str, alias_share: float) -> str:
    park = ref.parks()[code]
    if park.aliases and rnd.random() < alias_share:
        return rnd.choice(park.aliases)
    return park.name


def _target(code: str, year: int) -> tuple[int, int, int]:
    targets = ref.PROJECT_TARGETS[code]
    return targets[min(max(year, min(targets)), max(targets))]


def _amount(rnd, band: int) -> int:
    """Agreed investment in 0.01亿元 for a band: 0 (<1亿), 1 (1-5), 2 (5-10), 3 (>=10)."""
    if band > 0 and rnd.random() < 0.1:
        return {1: 100, 2: 500, 3: 1000}[band]  # exactly on the boundary
    if band == 3:
        value = 10 * rnd.random() ** (-1 / 1.4)
        return min(round(value * 100), 30000)
    low, high = {0: (0.05, 1.0), 1: (1.0, 5.0), 2: (5.0, 10.0)}[band]
    value = low * (high / low) ** rnd.random()
    return max(round(low * 100) + (band > 0), min(round(value * 100), round(high * 100) - 1))


def _project_industry(rnd, code: str) -> str | None:
    """A class from the park's industry mix, which puts some outside its positioning (as for
    enterprises: OFF_POSITIONING_SHARE), or none."""
    if rnd.random() < PROJECT_WITHOUT_INDUSTRY:
        return None
    tables = ref.class_tables()
    divisions, weights = ref.park_division_table(code)
    drawn = [(d, w) for d, w in zip(divisions, weights, strict=True) if d in tables]
    division = rnd.choices([d for d, _ in drawn], [w for _, w in drawn])[0]
    return rnd.choice(tables[division][0])


def build_projects(
    seed: int, pop: pl.DataFrame, a_start: int, a_end: int, scale: float
) -> list[Project]:
    rnd = py_random(seed, "projects")
    # its own stream: the projects' other draws stay those of earlier releases
    rnd_industry = py_random(seed, "project_industries")
    parks = pop["park0"].to_list()
    t_in = pop["t_in"].to_list()
    t_out = pop["t_out"].to_list()
    uscc = pop["uscc"].to_list()
    n = len(uscc)
    y_first, y_last = month_of(a_start)[0] - 1, month_of(a_end)[0]
    projects: list[Project] = []
    for code in ref.PARK_WEIGHTS:
        for year in range(y_first, y_last + 1):
            t10, t5, t1 = _target(code, year)
            rate = scale * (0.5 if year == y_first else 0.9)
            bands = (
                [3] * poisson(rnd, t10 * rate)
                + [2] * poisson(rnd, max(t5 - t10, 0.5) * rate)
                + [1] * poisson(rnd, max(t1 - t5, 1.0) * rate)
                + [0] * poisson(rnd, 3 * rate)
            )
            items = []
            for band in bands:
                month, day = rnd.randint(1, 12), rnd.randint(1, 28)
                items.append((month, day, band, rnd.random()))
            items.sort()
            for seq, (month, day, band, u) in enumerate(items, start=1):
                a_sign = month_index(year, month)
                investor = None
                if u < 0.68 and n:
                    for _ in range(60):
                        i = rnd.randrange(n)
                        when = max(a_sign, a_start)  # the register starts with the range
                        if parks[i] == code and t_in[i] <= when <= min(t_out[i], a_end):
                            investor = uscc[i]
                            break
                elif u < 0.80:  # an investor from outside Tibet (援藏 provinces, big cities)
                    body = "".join(rnd.choice(USCC_CHARSET) for _ in range(8))
                    investor = complete_uscc("91" + rnd.choice(ref.EXTERNAL_REGIONS) + body)
                a_build = a_sign + rnd.randint(1, 8)
                a_prod = a_build + rnd.randint(6, 24)
                a_term = NEVER
                if rnd.random() < PROJECT_TERMINATION:
                    a_term = a_sign + rnd.randint(2, 18)
                    if a_term >= a_prod:
                        a_term = NEVER
                product = rnd.choice(ref.PROJECT_PRODUCTS[code])
                scale_word = rnd.choice(ref.PROJECT_SCALES[code])
                word = rnd.choice(ref.NAME_WORDS)
                if rnd.random() < 0.06:
                    name = f"{word}{product}项目(一期,二期)"
                else:
                    name = f"{word}{scale_word}{product}项目"
                projects.append(
                    Project(
                        project_id=f"{code}-{year}-{seq:03d}",
                        name=name,
                        park_reported=_reported_park(rnd, code, 0.2),
                        investor=investor,
                        amount_c=_amount(rnd, band),
                        signed_on=dt.date(year, month, day),
                        a_sign=a_sign,
                        a_build=a_build,
                        a_prod=a_prod,
                        a_term=a_term,
                        category=rnd.choices(ref.PROJECT_CATEGORIES, ref.PROJECT_CATEGORY_WEIGHTS)[
                            0
                        ],
                        industry=_project_industry(rnd_industry, code),
                    )
                )
    projects = [p for p in projects if p.a_sign <= a_end]
    # The boundaries must occur: at least one project of exactly 10.00, 5.00 and 1.00 亿元.
    for boundary in (1000, 500, 100):
        if projects and not any(p.amount_c == boundary for p in projects):
            k = rnd.randrange(len(projects))
            p = projects[k]
            projects[k] = Project(**{**p.__dict__, "amount_c": boundary})
    return projects


def projects_frame(projects: list[Project], a: int) -> pl.DataFrame:
    rows = [p for p in projects if p.a_sign <= a]
    return pl.DataFrame(
        {
            "project_id": [p.project_id for p in rows],
            "project_name": [p.name for p in rows],
            "park": [p.park_reported for p in rows],
            "investor_uscc": [p.investor for p in rows],
            "agreed_investment_100m": [p.amount_c for p in rows],
            "signed_on": [p.signed_on for p in rows],
            "status": [p.status(a) for p in rows],
            "category": [p.category for p in rows],
            "industry_code": [p.industry for p in rows],
        },
        schema={
            "project_id": pl.String,
            "project_name": pl.String,
            "park": pl.String,
            "investor_uscc": pl.String,
            "agreed_investment_100m": pl.Int64,
            "signed_on": pl.Date,
            "status": pl.String,
            "category": pl.String,
            "industry_code": pl.String,
        },
    )


def build_carriers(seed: int, a_start: int, a_end: int, scale: float) -> list[Carrier]:
    rnd = py_random(seed, "carriers")
    y_start, y_end = month_of(a_start)[0], month_of(a_end)[0]
    carriers: list[Carrier] = []
    names: set[str] = set()
    for code, (zc, jd) in ref.CARRIER_TARGETS.items():
        park = ref.parks()[code]
        items = []
        for _ in range(poisson(rnd, 1.0 * scale)):  # recognized before the range
            year = rnd.randint(y_start - 3, y_start - 1)
            kind = "众创空间" if rnd.random() < 0.6 else "创业创新基地"
            items.append((year, rnd.randint(1, 12), rnd.randint(1, 28), kind))
        for year in range(y_start, y_end + 1):
            for kind, target in (("众创空间", zc), ("创业创新基地", jd)):
                for _ in range(poisson(rnd, max(target, 0.3) / 3 * scale)):
                    items.append((year, rnd.randint(1, 12), rnd.randint(1, 28), kind))
        items.sort()
        seqs = {"众创空间": 0, "创业创新基地": 0}
        for year, month, day, kind in items:
            a = month_index(year, month)
            if a > a_end:
                continue
            seqs[kind] += 1
            prefix = "ZC" if kind == "众创空间" else "JD"
            name = f"{park.name}{rnd.choice(ref.CARRIER_WORDS)}{kind}"
            while name in names:
                name = (
                    f"{park.name}{rnd.choice(ref.CARRIER_WORDS)}{rnd.choice(ref.NAME_WORDS)}{kind}"
                )
            names.add(name)
            carriers.append(
                Carrier(
                    carrier_id=f"{code}-{prefix}-{seqs[kind]:03d}",
                    name=name,
                    park_reported=_reported_park(rnd, code, 0.15),
                    kind=kind,
                    recognized_on=dt.date(year, month, day),
                    a_recognized=a,
                )
            )
    return carriers


def carriers_frame(carriers: list[Carrier], a: int) -> pl.DataFrame:
    rows = [c for c in carriers if c.a_recognized <= a]
    return pl.DataFrame(
        {
            "carrier_id": [c.carrier_id for c in rows],
            "carrier_name": [c.name for c in rows],
            "park": [c.park_reported for c in rows],
            "carrier_type": [c.kind for c in rows],
            "recognized_on": [c.recognized_on for c in rows],
        },
        schema={
            "carrier_id": pl.String,
            "carrier_name": pl.String,
            "park": pl.String,
            "carrier_type": pl.String,
            "recognized_on": pl.Date,
        },
    )


# The yearly indicators file: the city's GDP and R&D spending (万元), each park's planned area (亩)
# and the top enterprises it contacted. R&D intensity climbs from about 1.6% towards 2.4%.
CITY_GDP_10K = {2018: 6_173_000, 2019: 6_877_000, 2020: 6_786_000}
RD_SHARE = {2018: 0.0168, 2019: 0.0203, 2020: 0.0241}


def indicators_frame(seed: int, year: int) -> pl.DataFrame:
    """One year's indicators: the 全市 rows, and per park its planned area and contacts. One park
    reports no contacts in a year (the figure is missing, not zero)."""
    rnd = py_random(seed, "indicators", year)
    gdp = CITY_GDP_10K.get(year, 6_500_000)
    rd = round(gdp * RD_SHARE.get(year, 0.02), 2)
    rows = [("全市", "gdp", float(gdp), "市统计局"), ("全市", "rd_spending", rd, "市科技局")]
    codes = list(ref.parks())
    silent = rnd.choice(codes)
    for code in codes:
        park = ref.parks()[code]
        area = 1000 * rnd.randint(2, 40)
        rows.append((park.name, "planned_area_mu", float(area), "市国土局"))
        if code != silent:
            contacts = rnd.randint(6, 16)
            rows.append((park.name, "top_enterprise_contacts", float(contacts), "市商务局"))
    return pl.DataFrame(
        {
            "park": [r[0] for r in rows],
            "period": [str(year)] * len(rows),
            "indicator_code": [r[1] for r in rows],
            "value": [f"{r[2]:.2f}".rstrip("0").rstrip(".") for r in rows],
            "source": [r[3] for r in rows],
        }
    )


# ------------------------------------------------------------------------------ land parcels

LAND_USES = (("工业", 0.6), ("仓储", 0.15), ("商服", 0.15), ("其他", 0.1))
NEVER_STARTS = 0.2  # share of parcels not started by the end of the range: they turn idle
LATE_START = 0.25  # of the others, a share that starts 8 to 20 months after the agreed date


@dataclass(frozen=True)
class Parcel:
    parcel_id: str
    park_reported: str
    land_use: str
    area_c: int  # 0.01亩
    price_c: int  # 0.01万元
    holder: str
    supplied_on: dt.date
    a_supply: int
    agreed_start_on: dt.date
    actual_start_on: dt.date | None  # None: never within the range
    a_start: int  # month index of the actual start (NEVER if none)
    intensity_c: int  # 0.01万元 per 亩 reached two years after the start

    def investment_c(self, a: int) -> int:
        """Cumulative fixed-asset investment (0.01万元) at month a: none before the start, then
        growing linearly to the parcel's intensity × area over 24 months."""
        if a < self.a_start:
            return 0
        share = min(1.0, (a - self.a_start + 1) / 24)
        return round(self.intensity_c * self.area_c / 100 * share)


def _add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    return dt.date(day.year + y, m + 1, min(day.day, 28))


def build_land(
    seed: int, pop: pl.DataFrame, a_start: int, a_end: int, scale: float
) -> list[Parcel]:
    """Parcels supplied from three years before the range to its end, in every park. About one
    in five never starts (idle once a year past the agreed start), a quarter of the others
    start late; intensities spread from 80 to 450 万元/亩, across every level's threshold. 柳梧新区
    gets parcels before and after its upgrade (seeds/park_levels.csv)."""
    rnd = py_random(seed, "land")
    parks = pop["park0"].to_list()
    uscc = pop["uscc"].to_list()
    by_park: dict[str, list[str]] = {}
    for code, u in zip(parks, uscc, strict=True):
        by_park.setdefault(code, []).append(u)
    y_start, y_end = month_of(a_start)[0], month_of(a_end)[0]
    uses, weights = zip(*LAND_USES, strict=True)
    parcels: list[Parcel] = []
    for code, weight in ref.PARK_WEIGHTS.items():
        per_year = max(0.5, 12 * weight) * scale
        for year in range(y_start - 3, y_end + 1):
            items = sorted(
                (rnd.randint(1, 12), rnd.randint(1, 28)) for _ in range(poisson(rnd, per_year))
            )
            for seq, (month, day) in enumerate(items, start=1):
                supplied = dt.date(year, month, day)
                a_supply = month_index(year, month)
                if a_supply > a_end:
                    continue
                agreed = _add_months(supplied, rnd.randint(3, 9))
                u = rnd.random()
                if u < NEVER_STARTS:
                    started, a_started = None, NEVER
                else:
                    delay = (
                        rnd.randint(8, 20) if u < NEVER_STARTS + LATE_START else rnd.randint(-2, 5)
                    )
                    started = max(supplied, _add_months(agreed, delay))
                    a_started = month_index(started.year, started.month)
                    if a_started > a_end:
                        started, a_started = None, NEVER
                area_c = rnd.randint(500, 20000)
                holders = by_park.get(code)
                if holders and rnd.random() < 0.85:
                    holder = rnd.choice(holders)
                else:
                    body = "".join(rnd.choice(USCC_CHARSET) for _ in range(8))
                    holder = complete_uscc("91" + rnd.choice(ref.EXTERNAL_REGIONS) + body)
                parcels.append(
                    Parcel(
                        parcel_id=f"{code}-{year}-{seq:03d}",
                        park_reported=_reported_park(rnd, code, 0.15),
                        land_use=rnd.choices(uses, weights)[0],
                        area_c=area_c,
                        price_c=round(area_c * rnd.uniform(15, 60)),
                        holder=holder,
                        supplied_on=supplied,
                        a_supply=a_supply,
                        agreed_start_on=agreed,
                        actual_start_on=started,
                        a_start=a_started,
                        intensity_c=rnd.randint(8000, 45000),
                    )
                )
    return parcels


def land_frame(parcels: list[Parcel], a: int) -> pl.DataFrame:
    rows = [p for p in parcels if p.a_supply <= a]
    return pl.DataFrame(
        {
            "parcel_id": [p.parcel_id for p in rows],
            "park": [p.park_reported for p in rows],
            "land_use": [p.land_use for p in rows],
            "area_mu": [p.area_c for p in rows],
            "land_price_10k": [p.price_c for p in rows],
            "holder_uscc": [p.holder for p in rows],
            "supplied_on": [p.supplied_on for p in rows],
            "agreed_start_on": [p.agreed_start_on for p in rows],
            "actual_start_on": [p.actual_start_on if p.a_start <= a else None for p in rows],
            "fixed_investment_10k": [p.investment_c(a) for p in rows],
        },
        schema={
            "parcel_id": pl.String,
            "park": pl.String,
            "land_use": pl.String,
            "area_mu": pl.Int64,
            "land_price_10k": pl.Int64,
            "holder_uscc": pl.String,
            "supplied_on": pl.Date,
            "agreed_start_on": pl.Date,
            "actual_start_on": pl.Date,
            "fixed_investment_10k": pl.Int64,
        },
    )
