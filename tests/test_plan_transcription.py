"""Check seeds/plan_targets.csv and seeds/plan_milestones.csv against the plan text.

The plan is read from the repo copy docs/plan/ (never from /work/shared). Section 三 (发展目标)
is parsed here with its own regexes, independently of how the seeds were written, and the parsed
targets must equal the seed rows exactly: nothing left out, nothing invented.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PLAN_PATH = ROOT / "docs" / "plan" / "lhasa-park-economy-plan-2018-2020.zh.txt"
SEEDS = ROOT / "seeds"

YEARS = (2018, 2019, 2020)
CITY = "CITY"
MILESTONE_STATUSES = {"未更新", "进行中", "已完成", "未完成"}

METRICS = {
    "projects_1b": "个",
    "projects_500m": "个",
    "projects_100m": "个",
    "tech_leaders": "家",
    "high_tech": "家",
    "tech_smes": "家",
    "output_1b": "家",
    "output_500m": "家",
    "output_100m": "家",
    "tax_100m": "家",
    "tax_50m": "家",
    "tax_10m": "家",
    "staff_1000": "家",
    "staff_500": "家",
    "staff_100": "家",
    "employment": "人",
    "listed": "家",
    "carriers": "家",
    "maker_spaces": "家",
    "innovation_bases": "家",
    "industrial_output": "亿元",
    "industrial_value_added": "亿元",
    "value_added_growth": "%",
    "above_scale": "家",
    # section 四 (issue 29): programmes, R&D share, top-enterprise contacts
    "programme_smart_manufacturing": "个",
    "programme_informatization": "个",
    "programme_industrial_base": "个",
    "programme_energy_saving": "个",
    "rd_intensity": "%",
    "top_enterprise_contacts": "家",
}
CITY_ONLY = {
    "industrial_output",
    "industrial_value_added",
    "value_added_growth",
    "above_scale",
    "programme_smart_manufacturing",
    "programme_informatization",
    "programme_industrial_base",
    "programme_energy_saving",
    "rd_intensity",
}
# Section 四's targets (issue 29), each read by its own pattern: (clause, pattern, metric ->
# group, parks, years). 四(二)'s programmes are over the three years (CITY, 2020, window
# 2018-2020); 四(三)'s R&D share is 到2020年 (1.6% is the starting point, not a target); 四(五)1
# is every park each year.
PROGRAMMES = {
    "智能制造": "programme_smart_manufacturing",
    "两化融合": "programme_informatization",
    "工业强基": "programme_industrial_base",
    "节能改造和循环化利用": "programme_energy_saving",
}
SECTION_FOUR_WINDOWS = {m: "2018-2020" for m in PROGRAMMES.values()}

# Wording of the plan -> metric code. Each pattern has exactly one group holding the target,
# except the banded ones whose first group is the band.
PROJECT_BAND = {"10": "projects_1b", "5": "projects_500m", "1": "projects_100m"}
OUTPUT_BAND = {"10": "output_1b", "5": "output_500m", "1": "output_100m"}
TAX_BAND = {"1亿": "tax_100m", "亿": "tax_100m", "5000万": "tax_50m", "1000万": "tax_10m"}
STAFF_BAND = {"1000": "staff_1000", "500": "staff_500", "100": "staff_100"}

BANDED_PATTERNS = [
    (re.compile(r"超(10|5|1)亿元的项目(\d+)个"), PROJECT_BAND),
    (re.compile(r"产值超(10|5|1)亿元的(?:工业|实体|龙头|骨干|重点)?企业(\d+)家"), OUTPUT_BAND),
    (re.compile(r"税收超(1亿|亿|5000万|1000万)元的?(?:工业|实体)?企业(\d+)家"), TAX_BAND),
    (re.compile(r"超过?(1000|500|100)人企业(\d+)家"), STAFF_BAND),
]
SIMPLE_PATTERNS = [
    (re.compile(r"科技型领军企业(\d+)家"), "tech_leaders"),
    (re.compile(r"高新技术企业(\d+)家"), "high_tech"),
    (re.compile(r"科技型中小企业(\d+)家"), "tech_smes"),
    (re.compile(r"安置就业(\d+)人"), "employment"),
    (re.compile(r"上市或挂牌企业(?:\([^)]*\))?(\d+)家"), "listed"),
    (re.compile(r"(\d+)家(?:两创|“两创”)载体"), "carriers"),
    (re.compile(r"(\d+)家众创空间|众创空间(\d+)家"), "maker_spaces"),
    (re.compile(r"(\d+)家创业创新基地|创业创新基地(\d+)家"), "innovation_bases"),
    (re.compile(r"工业总产值(\d+)亿元"), "industrial_output"),
    (re.compile(r"工业增加值(\d+)亿元"), "industrial_value_added"),
    (re.compile(r"年均增长(\d+)%"), "value_added_growth"),
    (re.compile(r"规模以上企业(\d+)家"), "above_scale"),
]
YEAR_MENTION = re.compile(r"20\d\d年")


def read_csv(name: str) -> list[dict[str, str]]:
    raw = (SEEDS / name).read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), f"{name} must be UTF-8 without BOM"
    with (SEEDS / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@cache
def plan_text() -> str:
    return PLAN_PATH.read_text(encoding="utf-8")


def between(text: str, start: str, end: str) -> str:
    i = text.index(start)
    return text[i + len(start) : text.index(end, i)]


def section_three() -> str:
    return between(plan_text(), "\n三、发展目标\n", "\n四、重点行动与措施\n")


def park_codes_by_name() -> dict[str, str]:
    return {r["park_name"]: r["park_code"] for r in read_csv("parks.csv")}


def extract(chunk: str) -> list[tuple[str, float, str]]:
    """All (metric, target, matched text) in a chunk; fails on any number left unexplained."""
    found: list[tuple[str, float, str]] = []
    spans: list[tuple[int, int]] = []
    for pattern, bands in BANDED_PATTERNS:
        for m in pattern.finditer(chunk):
            found.append((bands[m.group(1)], float(m.group(2)), m.group(0)))
            spans.append(m.span())
    for pattern, metric in SIMPLE_PATTERNS:
        for m in pattern.finditer(chunk):
            value = next(g for g in m.groups() if g is not None)
            found.append((metric, float(value), m.group(0)))
            spans.append(m.span())
    spans.sort()
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        assert end <= start, f"overlapping matches in: {chunk}"
    spans += [m.span() for m in YEAR_MENTION.finditer(chunk)]
    for m in re.finditer(r"\d+", chunk):
        covered = any(a <= m.start() and m.end() <= b for a, b in spans)
        assert covered, f"number {m.group(0)!r} not understood in: {chunk}"
    return found


def parse_section_three() -> dict[tuple[str, int, str], tuple[float, str, str]]:
    """(park, year, metric) -> (target, matched text, chunk of the plan it comes from)."""
    section = section_three()
    city_block = between(section, "(一)全市园区总体发展目标\n", "(二)各园区具体发展目标\n")
    parks_block = section[section.index("(二)各园区具体发展目标\n") :]

    # (park, years, chunk) pieces of text
    pieces: list[tuple[str, tuple[int, ...], str]] = [(CITY, (2020,), city_block)]
    assert "到2020年" in city_block

    names = park_codes_by_name()
    headings = list(re.finditer(r"^(\d{1,2})\.(\S+?)发展目标$", parks_block, re.M))
    assert [int(h.group(1)) for h in headings] == list(range(1, 13))
    seen_parks = []
    for h, nxt in zip(headings, [*headings[1:], None], strict=True):
        code = next(c for n, c in names.items() if h.group(2).startswith(n))
        seen_parks.append(code)
        body = parks_block[h.end() : nxt.start() if nxt else len(parks_block)]
        for para in filter(None, (p.strip() for p in body.split("\n"))):
            if m := re.fullmatch(r"2018年-2020年,(.*?)到2020年,(.*)", para):
                pieces.append((code, YEARS, m.group(1)))
                pieces.append((code, (2020,), m.group(2)))
            elif m := re.fullmatch(r"(20\d\d)年,(.*)", para):
                pieces.append((code, (int(m.group(1)),), m.group(2)))
            else:
                assert not re.search(r"\d", para), f"unexpected paragraph: {para}"
    assert sorted(seen_parks) == sorted(names.values())

    parsed: dict[tuple[str, int, str], tuple[float, str, str]] = {}
    for park, years, chunk in pieces:
        for metric, target, matched in extract(chunk):
            for year in years:
                key = (park, year, metric)
                assert key not in parsed, f"plan states {key} twice"
                parsed[key] = (target, matched, chunk)
    return parsed


def section_four() -> str:
    return between(plan_text(), "\n四、重点行动与措施\n", "\n五、保障措施\n")


def parse_section_four() -> dict[tuple[str, int, str], tuple[float, str, str]]:
    """(park, year, metric) -> (target, matched text, paragraph) of the section 四 targets."""
    section = section_four()
    parsed: dict[tuple[str, int, str], tuple[float, str, str]] = {}
    two = between(section, "(二)实施产业升级提速行动\n", "\n(三)")
    assert "力争用三年时间在全市范围内实施" in two
    for m in re.finditer(r"(\d+)个(智能制造|两化融合|工业强基|节能改造和循环化利用)项目", two):
        parsed[(CITY, 2020, PROGRAMMES[m.group(2)])] = (float(m.group(1)), m.group(0), two)
    assert len(parsed) == 4
    three = between(section, "(三)实施创新能力提升行动\n", "\n(四)")
    m = re.search(r"科研投入占GDP比重由([\d.]+)%增长到([\d.]+)%", three)
    assert "到2020年" in three[: m.start()]
    parsed[(CITY, 2020, "rd_intensity")] = (float(m.group(2)), m.group(0), three)
    five = between(section, "(五)实施招商引资升级行动\n", "\n2.精准政策")
    m = re.search(r"各园区每年要主动对接联系(\d+)家以上", five)
    for code in park_codes_by_name().values():
        for year in YEARS:
            parsed[(code, year, "top_enterprise_contacts")] = (float(m.group(1)), m.group(0), five)
    return parsed


def number_text(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


@pytest.fixture(scope="module")
def targets() -> list[dict[str, str]]:
    return read_csv("plan_targets.csv")


@pytest.fixture(scope="module")
def parsed() -> dict[tuple[str, int, str], tuple[float, str, str]]:
    three, four = parse_section_three(), parse_section_four()
    assert not set(three) & set(four)
    return three | four


def test_plan_copy_is_the_bureau_text():
    text = plan_text()
    assert "拉萨市园区经济高效绿色创新发展三年行动计划(2018年-2020年)" in text
    assert "\n三、发展目标\n" in text and "\n四、重点行动与措施\n" in text


def test_targets_columns(targets):
    assert list(targets[0]) == [
        "park_code",
        "year",
        "metric",
        "target",
        "unit",
        "window",
        "clause_zh",
        "enterprise_scope",
    ]


def test_seed_equals_plan_section_three(targets, parsed):
    seed = {(r["park_code"], int(r["year"]), r["metric"]): float(r["target"]) for r in targets}
    plan = {key: value[0] for key, value in parsed.items()}
    missing = sorted(set(plan) - set(seed))
    invented = sorted(set(seed) - set(plan))
    assert not missing, f"targets of the plan missing from the seed: {missing}"
    assert not invented, f"seed rows the plan does not state: {invented}"
    wrong = {k: (seed[k], plan[k]) for k in plan if seed[k] != plan[k]}
    assert not wrong, f"seed target != plan target: {wrong}"


def test_clauses_are_verbatim_and_carry_the_target(targets, parsed):
    text = plan_text()
    for r in targets:
        clause, unit = r["clause_zh"], r["unit"]
        key = (r["park_code"], int(r["year"]), r["metric"])
        assert clause in text, f"clause not in the plan: {clause}"
        target, matched, chunk = parsed[key]
        assert clause in chunk, f"{key}: clause {clause!r} is not in the park/year paragraph"
        assert matched in clause, f"{key}: clause {clause!r} lacks the stated target {matched!r}"
        counts = re.findall(r"(\d+(?:\.\d+)?)" + re.escape(unit), clause)
        assert number_text(float(r["target"])) in counts, f"{key}: {clause!r} lacks the target"


def test_targets_sanity(targets):
    parks = {r["park_code"] for r in read_csv("parks.csv")}
    keys = Counter((r["park_code"], r["year"], r["metric"]) for r in targets)
    assert [k for k, n in keys.items() if n > 1] == []
    for r in targets:
        park, year, metric = r["park_code"], int(r["year"]), r["metric"]
        assert park in parks | {CITY}
        assert year in YEARS
        assert metric in METRICS
        assert r["unit"] == METRICS[metric]
        assert float(r["target"]) > 0
        if metric != "rd_intensity":  # a share in %, 2.4
            assert re.fullmatch(r"\d+", r["target"]), "targets are stated as whole numbers"
        if metric in CITY_ONLY:
            assert park == CITY
        if park == CITY:
            assert year == 2020, "三(一) targets are 到2020年"
        expected_window = (
            "2018-2020"
            if park == CITY and metric.startswith("projects_")
            else SECTION_FOUR_WINDOWS.get(metric, "")
        )
        assert r["window"] == (expected_window or str(year))


def test_bands_nest_under_at_or_above_reading(targets):
    """超10亿 ⊂ 超5亿 ⊂ 超1亿 etc.: a higher band never has more than a lower band."""
    value = {(r["park_code"], r["year"], r["metric"]): float(r["target"]) for r in targets}
    series = [
        ("projects_1b", "projects_500m", "projects_100m"),
        ("output_1b", "output_500m", "output_100m"),
        ("tax_100m", "tax_50m", "tax_10m"),
        ("staff_1000", "staff_500", "staff_100"),
    ]
    broken = []
    for park, year, _ in value:
        for bands in series:
            stated = [value[(park, year, b)] for b in bands if (park, year, b) in value]
            if stated != sorted(stated):
                broken.append((park, year, bands, stated))
    assert broken == []


def _expected_scope(park: str, year: int, metric: str) -> str:
    """Whom a target counts, as read by hand from the plan's clauses (docs/plan-inconsistencies.md,
    "Whom a target counts")."""
    if metric.startswith(("projects_", "programme_")) or metric in (
        "carriers",
        "maker_spaces",
        "innovation_bases",
    ):
        return ""  # a project or a carrier is no enterprise
    if metric in ("rd_intensity", "top_enterprise_contacts"):
        return ""  # a ratio of the city's figures; contacts with enterprises outside the parks
    if metric in (
        "above_scale",
        "industrial_output",
        "industrial_value_added",
        "value_added_growth",
    ):
        return "industrial"  # 规模以上(工业)企业, 工业总产值, 工业增加值
    if not metric.startswith(("output_", "tax_")):
        return "all"  # 科技型/高新技术企业, 上市挂牌企业, 就业人数超过N人企业, 安置就业
    if park == CITY:
        return "industrial" if metric.startswith("output_") else "real_economy"
    if park in ("JKQ", "DL", "QS"):
        return "industrial"
    if park == "DZ":  # 2020: 实现税收超1亿元企业1家, without 工业
        return "all" if (year, metric) == (2020, "tax_100m") else "industrial"
    if park in ("LWXQ", "CJL", "KGXQ"):
        return "real_economy"
    if park in ("CG", "MZGK"):  # 产值超10亿元的工业企业, 产值超5亿元的企业 …
        return "industrial" if metric in ("output_1b", "tax_100m") else "all"
    return "all"  # LZ, DX, NM: 产值超1亿元的企业


def test_enterprise_scopes_follow_the_clauses(targets):
    wrong = {
        (r["park_code"], r["year"], r["metric"]): r["enterprise_scope"]
        for r in targets
        if r["enterprise_scope"] != _expected_scope(r["park_code"], int(r["year"]), r["metric"])
    }
    assert wrong == {}
    for r in targets:  # the words of the clause, where it names the population
        if "工业企业" in r["clause_zh"]:
            assert r["enterprise_scope"] == "industrial", r
        if "实体企业" in r["clause_zh"]:
            assert r["enterprise_scope"] == "real_economy", r
    scopes = read_csv("enterprise_scopes.csv")
    assert [r["enterprise_scope"] for r in scopes] == ["industrial", "real_economy", "all"]
    assert [r["label_zh"] for r in scopes] == ["工业企业", "实体企业", "全部企业"]
    sections = {}
    for r in read_csv("enterprise_scope_sections.csv"):
        sections.setdefault(r["enterprise_scope"], set()).add(r["section_code"])
    # GB/T 4754-2017: 工业 = B 采矿业, C 制造业, D 电力热力燃气及水; 实体 = all but J 金融, K 房地产
    assert sections == {"industrial": set("BCD"), "real_economy": set("ABCDEFGHILMNOPQRST")}


def test_metric_catalog():
    catalog = read_csv("metric_catalog.csv")
    assert list(catalog[0]) == [
        "metric",
        "metric_label_zh",
        "metric_label_en",
        "unit",
        "banded",
        "threshold",
        "threshold_unit",
        "actual_definition_zh",
        "actual_definition_en",
        "notes",
        "short_label_zh",
        "display_order",
    ]
    assert [r["metric"] for r in catalog] == list(METRICS)
    # the reports show the metrics in the plan's order, under a short label
    assert [int(r["display_order"]) for r in catalog] == list(range(1, len(catalog) + 1))
    assert all(r["short_label_zh"].strip() for r in catalog)
    tiers = {
        (r["dimension"], r["tier"]): (float(r["min_value"]), r["unit"])
        for r in read_csv("tier_thresholds.csv")
    }
    tier_of = {
        "output_1b": ("output", "T1"),
        "output_500m": ("output", "T2"),
        "output_100m": ("output", "T3"),
        "tax_100m": ("tax", "T1"),
        "tax_50m": ("tax", "T2"),
        "tax_10m": ("tax", "T3"),
        "staff_1000": ("staff", "T1"),
        "staff_500": ("staff", "T2"),
        "staff_100": ("staff", "T3"),
        "above_scale": ("above_scale", ""),
    }
    project_threshold = {"projects_1b": 10.0, "projects_500m": 5.0, "projects_100m": 1.0}
    for r in catalog:
        metric = r["metric"]
        assert r["unit"] == METRICS[metric]
        assert r["banded"] in {"true", "false"}
        for column in ("metric_label_zh", "metric_label_en"):
            assert r[column].strip()
        for column in ("actual_definition_zh", "actual_definition_en", "notes"):
            assert r[column].strip()
        has_band = metric in project_threshold or (metric in tier_of and metric != "above_scale")
        assert r["banded"] == ("true" if has_band else "false")
        if metric in tier_of:
            assert (float(r["threshold"]), r["threshold_unit"]) == tiers[tier_of[metric]]
        elif metric in project_threshold:
            assert (float(r["threshold"]), r["threshold_unit"]) == (
                project_threshold[metric],
                "亿元",
            )
        else:
            assert r["threshold"] == "" and r["threshold_unit"] == ""


@pytest.fixture(scope="module")
def milestones() -> list[dict[str, str]]:
    return read_csv("plan_milestones.csv")


def test_milestones_are_the_plan_milestones(milestones):
    assert list(milestones[0]) == [
        "milestone_id",
        "park_code",
        "due_year",
        "milestone_zh",
        "milestone_en",
        "clause_zh",
        "status",
        "status_updated_on",
        "status_note",
    ]
    names = park_codes_by_name()
    parks_block = section_three()[section_three().index("(二)各园区具体发展目标\n") :]
    # Section 三: a segment naming a year and no other number is a milestone.
    found = set()
    code = None
    for line in filter(None, (p.strip() for p in parks_block.split("\n"))):
        if h := re.fullmatch(r"\d{1,2}\.(\S+?)发展目标", line):
            code = next(c for n, c in names.items() if h.group(1).startswith(n))
            continue
        line = re.sub(r"^20\d\d年(?:-20\d\d年)?,", "", line)
        for segment in re.split(r"[;。]", line):
            years = YEAR_MENTION.findall(segment)
            if len(years) == 1 and not re.search(r"\d", YEAR_MENTION.sub("", segment)):
                found.add((code, int(years[0][:4]), segment))
    seed = {(r["park_code"], int(r["due_year"]), r["clause_zh"]) for r in milestones}
    assert seed == found

    # 五(二)2 repeats them: each milestone's park is named there with the same year.
    repeat = between(plan_text(), "2.推动园区升格。", "(牵头单位")
    repeated = set()
    for sentence in re.split(r"[,;。]", repeat):
        for name, c in names.items():
            if sentence.startswith(name) and (y := YEAR_MENTION.search(sentence)):
                repeated.add((c, int(y.group(0)[:4])))
    assert {(r["park_code"], int(r["due_year"])) for r in milestones} == repeated


def test_milestone_sanity(milestones):
    parks = {r["park_code"] for r in read_csv("parks.csv")}
    assert len({r["milestone_id"] for r in milestones}) == len(milestones)
    for r in milestones:
        assert r["park_code"] in parks
        assert int(r["due_year"]) in YEARS
        assert r["clause_zh"] in plan_text()
        assert r["due_year"] + "年" in r["clause_zh"]
        assert r["status"] in MILESTONE_STATUSES
        assert r["milestone_zh"] and r["milestone_en"]
        if r["status_updated_on"]:
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", r["status_updated_on"])
