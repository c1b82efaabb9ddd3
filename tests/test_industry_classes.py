"""The GB/T 4754-2017 class list (seeds/industry_classes.csv) and the rule that checks 行业代码.

The seed is read here with the csv module, not through pipelines.reference, and its structure
is confronted with the trusted division seed (seeds/industry_divisions.csv) and with the
standard's own layout: a class code is its group code plus one digit, a group code its
division code plus one digit. The rule is exercised through the loader, as a clerk's file.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from pipelines.generate import reference as generator_reference
from pipelines.ingest.landing import scan
from pipelines.ingest.load import load_month

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
MARCH = dt.date(2018, 3, 1)
REG_HEADER = (
    "统一社会信用代码,企业名称,所属园区,行业代码,登记状态,成立日期,注册资本（万元）,"
    "高新技术企业,科技型中小企业,科技型领军企业,上市板块"
)
# Valid USCCs (GB 32100-2015 check characters included).
USCCS = ["91350100M000100Y43", "91440300708461136T", "91110000100011743X", "91540091MA6T1A015B"]


def _read(name: str) -> list[dict[str, str]]:
    with (SEEDS / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


CLASSES = _read("industry_classes.csv")
DIVISIONS = {r["division_code"]: r for r in _read("industry_divisions.csv")}


def test_seed_columns_and_codes_are_unique_text_with_leading_zeros() -> None:
    assert list(CLASSES[0]) == [
        "class_code",
        "class_name",
        "group_code",
        "division_code",
        "section_code",
    ]
    codes = [r["class_code"] for r in CLASSES]
    assert all(len(c) == 4 and c.isdigit() for c in codes)
    assert len(set(codes)) == len(codes)
    assert codes == sorted(codes)
    assert codes[0] == "0111"  # the leading zero survives


def test_every_class_sits_in_its_group_division_and_section() -> None:
    for r in CLASSES:
        code = r["class_code"]
        assert r["group_code"] == code[:3], r
        assert r["division_code"] == code[:2], r
        assert r["division_code"] in DIVISIONS, r
        assert r["section_code"] == DIVISIONS[r["division_code"]]["section_code"], r


def test_counts_of_the_standard() -> None:
    # 20 sections, 97 divisions and 473 groups as the standard states; 1381 classes in the
    # transcribed table (summaries quote 1380 or 1381, see docs/data-dictionary.md).
    assert len({r["section_code"] for r in CLASSES}) == 20
    assert {r["division_code"] for r in CLASSES} == set(DIVISIONS)  # every division has a class
    assert len(DIVISIONS) == 97
    assert len({r["group_code"] for r in CLASSES}) == 473
    assert len(CLASSES) == 1381


def test_names_are_clean_and_well_known_classes_are_named() -> None:
    names = {r["class_code"]: r["class_name"] for r in CLASSES}
    for code, name in names.items():
        assert name and name == name.strip(), code
        assert "(" not in name and ")" not in name and "?" not in name, (code, name)
    # A few classes as printed in the standard's table.
    assert names["0111"] == "稻谷种植"
    assert names["0610"] == "烟煤和无烟煤开采洗选"
    assert names["1512"] == "白酒制造"
    assert names["1522"] == "瓶（罐）装饮用水制造"
    assert names["3011"] == "水泥制造"
    assert names["6572"] == "动漫、游戏数字内容服务"
    assert names["9700"] == "国际组织"


def test_generator_draws_only_classes_of_the_seed_in_their_division() -> None:
    codes = {r["class_code"] for r in CLASSES}
    for division, (classes, _weights) in generator_reference.class_tables().items():
        for code in classes:
            assert code in codes and code[:2] == division, (division, code)


# ---------------------------------------------------------------- the rule, through the loader


def test_a_code_that_is_not_a_class_is_refused_with_what_to_do(env) -> None:
    landing, archive, con = env
    rows = [
        (USCCS[0], "0111"),  # 稻谷种植: a class
        (USCCS[1], "0110"),  # group 011 padded with 0: not a class
        (USCCS[2], "1520"),  # group 152 padded with 0: not a class
        (USCCS[3], "0610"),  # 烟煤和无烟煤开采洗选: a class whose code is its group's + 0
    ]
    lines = [
        f"{uscc},拉萨某某有限公司{n},经开区,{code},存续,2015-01-01,100,否,否,否,"
        for n, (uscc, code) in enumerate(rows)
    ]
    (landing / "registration_201803.csv").write_text(
        "\n".join([REG_HEADER, *lines]) + "\n", encoding="utf-8"
    )
    outcome = load_month(con, scan(landing), "registration", MARCH, archive)
    assert (outcome.rows_read, outcome.rows_loaded, outcome.rows_rejected) == (4, 2, 2)
    rejects = con.execute(
        "select file_name, row_number, column_name, rule_id, value, rule_zh, rule_en"
        " from meta.rejects order by row_number"
    ).fetchall()
    assert [r[:5] for r in rejects] == [
        ("registration_201803.csv", 3, "行业代码", "REG-INDUSTRY-KNOWN", "0110"),
        ("registration_201803.csv", 4, "行业代码", "REG-INDUSTRY-KNOWN", "1520"),
    ]
    for *_, rule_zh, rule_en in rejects:
        assert "小类" in rule_zh and "industry_classes.csv" in rule_zh
        assert "class" in rule_en and "industry_classes.csv" in rule_en
    loaded = con.execute("select industry_code from raw.registration order by all").fetchall()
    assert loaded == [("0111",), ("0610",)]
