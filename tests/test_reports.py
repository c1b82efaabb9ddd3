"""`parks report`: the workbook and the dashboard, on a small warehouse made by hand (no Dagster,
no dbt): three parks, nine enterprises, 2019 final and 2020 in progress up to 2020-06.

    park   enterprises                    what it exercises
    JKQ    A1 A2 A3 (small)               published, but hidden beside LWXQ (secondary)
    LWXQ   B1 B2                          2 enterprises: every magnitude cell hidden (n < 3)
    DZ     C1 C2 C3 C4                    C1 has ~all the value added (dominance), C2 most tax
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
import zipfile
import zlib
from pathlib import Path

import duckdb
import fastexcel
import polars as pl
import pytest

from pipelines.public import write_public
from pipelines.reference import SEEDS
from pipelines.reports.build import build_report, write_report
from pipelines.reports.dashboard import FONT_STACK
from pipelines.reports.data import SUPPRESSED_MARK, load_report_data

AS_OF = "2020-06"

# (uscc, park, output 万元/month, value added 万元/month, tax 元/month, headcount) in 2020
MONTHLY = [
    ("A1", "JKQ", 1.0, 0.3, 10_000, 20),
    ("A2", "JKQ", 1.2, 0.3, 12_000, 25),
    ("A3", "JKQ", 1.4, 0.3, 15_000, 30),
    ("B1", "LWXQ", 5.0, 0.3, 50_000, 120),
    ("B2", "LWXQ", 4.0, 0.3, 40_000, 80),
    ("C1", "DZ", 10.0, 100.0, 200_000, 200),
    ("C2", "DZ", 9.0, 0.3, 4_000_000, 150),
    ("C3", "DZ", 8.0, 0.3, 150_000, 90),
    ("C4", "DZ", 7.0, 0.3, 100_000, 60),
]

TARGETS = [
    # park, year, metric, label, unit, target, actual, status, window, final
    (
        "CITY",
        2020,
        "industrial_output",
        "工业总产值",
        "亿元",
        200,
        0.02796,
        "进行中",
        "2020",
        False,
    ),
    (
        "CITY",
        2020,
        "industrial_value_added",
        "工业增加值",
        "亿元",
        110,
        0.06168,
        "进行中",
        "2020",
        False,
    ),
    (
        "CITY",
        2020,
        "value_added_growth",
        "工业增加值年均增长率",
        "%",
        20,
        23.5,
        "已达成",
        "2020",
        False,
    ),
    ("CITY", 2020, "employment", "园区安置就业人数", "人", 55000, 775, "进行中", "2020", False),
    ("CITY", 2020, "tax_10m", "税收超1000万元的企业", "家", 11, 1, "进行中", "2020", False),
    ("JKQ", 2019, "output_100m", "产值超1亿元的企业", "家", 2, 0, "未达成", "2019", True),
    ("JKQ", 2019, "tax_10m", "税收超1000万元的企业", "家", 1, 1, "已达成", "2019", True),
    ("JKQ", 2020, "tax_10m", "税收超1000万元的企业", "家", 1, 0, "进行中", "2020", False),
    ("DZ", 2020, "tax_10m", "税收超1000万元的企业", "家", 1, 1, "已达成", "2020", False),
    ("DZ", 2020, "staff_100", "就业人数超过100人的企业", "家", 3, 2, "进行中", "2020", False),
    ("DZ", 2020, "projects_1b", "引进超10亿元的项目", "个", 2, None, "无数据", "2020", False),
    ("LWXQ", 2020, "high_tech", "高新技术企业", "家", 5, 6, "已达成", "2020", False),
]


def build_small_warehouse(path: Path, *, dq_rule_summary: bool = False) -> Path:
    """The marts and meta tables the reports read, made by hand."""
    with duckdb.connect(str(path)) as con:
        for schema in ("marts", "meta", "reference"):
            con.execute(f"create schema {schema}")
        con.execute(
            """
            create table marts.dim_park as select * from (values
                ('JKQ', '经开区', '园区'), ('LWXQ', '柳梧新区', '园区'), ('DZ', '达孜工业园', '园区')
            ) t(park_code, park_name, park_kind)
            """
        )
        con.execute(
            """
            create table reference.tier_thresholds as select * from (values
                ('output', 'T1', '龙头企业', 100000, '万元'),
                ('output', 'T2', '骨干企业', 50000, '万元'),
                ('output', 'T3', '重点企业', 10000, '万元'),
                ('tax', 'T1', '税收超1亿元企业', 100000000, '元'),
                ('tax', 'T2', '税收超5000万元企业', 50000000, '元'),
                ('tax', 'T3', '税收超1000万元企业', 10000000, '元'),
                ('staff', 'T1', '就业超1000人企业', 1000, '人'),
                ('staff', 'T2', '就业超500人企业', 500, '人'),
                ('staff', 'T3', '就业超100人企业', 100, '人'),
                ('above_scale', null, '规模以上工业企业', 2000, '万元')
            ) t(dimension, tier, tier_label, min_value, unit)
            """
        )
        # the order and labels of parks and metrics: the repo's seeds, as dbt loads them
        for seed in ("parks", "metric_catalog"):
            con.execute(
                f"create table reference.{seed} as select * replace "
                "(cast(display_order as integer) as display_order) "
                "from read_csv(?, all_varchar = true)",
                [str(SEEDS / f"{seed}.csv")],
            )
        con.execute(
            "create table reference.enterprise_scopes as select * replace "
            "(cast(display_order as integer) as display_order, "
            "cast(covers_every_enterprise as boolean) as covers_every_enterprise) "
            "from read_csv(?, all_varchar = true)",
            [str(SEEDS / "enterprise_scopes.csv")],
        )
        con.execute(
            """
            create table monthly (uscc varchar, park_code varchar, out_m double, va_m double,
                                  tax_m double, hc integer)
            """
        )
        con.executemany("insert into monthly values (?, ?, ?, ?, ?, ?)", MONTHLY)
        con.execute(
            """
            create table marts.fct_enterprise_month as
            select uscc, make_date(2020, m, 1) as period, 2020 as year, m as month,
                   true as is_registered, true as has_tax, true as has_employment,
                   true as has_output, park_code, true as is_industrial,
                   cast(tax_m as decimal(18, 2)) as total_tax_yuan,
                   hc as insured_headcount,
                   cast(out_m as decimal(20, 6)) as gross_output_month_10k,
                   cast(out_m * m as decimal(20, 6)) as gross_output_ytd_10k,
                   cast(va_m as decimal(20, 6)) as value_added_month_10k,
                   cast(out_m as decimal(20, 6)) as revenue_month_10k,
                   cast(out_m * m as decimal(20, 6)) as revenue_ytd_10k
            from monthly, range(1, 7) r(m)
            """
        )
        # 2020 year-to-date from the months; 2019 a full year (twelve months of the same)
        con.execute(
            """
            create table marts.fct_enterprise_year as
            select uscc, year, park_code, cast(sum(gross_output_month_10k) as decimal(24, 6))
                       as annual_output_10k,
                   cast(sum(revenue_month_10k) as decimal(24, 6)) as annual_revenue_10k,
                   cast(sum(value_added_month_10k) as decimal(24, 6)) as annual_value_added_10k,
                   cast(sum(total_tax_yuan) as decimal(22, 2)) as annual_tax_yuan,
                   cast(avg(insured_headcount) as decimal(18, 2)) as avg_headcount
            from marts.fct_enterprise_month group by all
            union all
            select uscc, 2019, park_code, out_m * 12, out_m * 12, va_m * 12, tax_m * 12, hc
            from monthly
            """
        )
        # Tier counts per month, as dbt's park_tier_months counts them (its rules are pinned by
        # the dbt unit test park_tier_months_on_the_year_so_far): C2's tax reaches 10,000,000
        # in March; C1, C2 and B1 have more than 100 staff. 2019 has its twelve months.
        con.execute(
            """
            create table marts.park_tier_months as
            with metrics(metric, dimension, tier) as (values
                ('output_1b', 'output', 'T1'), ('output_500m', 'output', 'T2'),
                ('output_100m', 'output', 'T3'), ('tax_100m', 'tax', 'T1'),
                ('tax_50m', 'tax', 'T2'), ('tax_10m', 'tax', 'T3'),
                ('staff_1000', 'staff', 'T1'), ('staff_500', 'staff', 'T2'),
                ('staff_100', 'staff', 'T3')
            )
            select park_code, year, cast(month as integer) as month, metric, dimension, tier,
                   case
                       when park_code = 'DZ' and metric = 'tax_10m' and month >= 3 then 1
                       when park_code = 'DZ' and metric = 'staff_100' then 2
                       when park_code = 'LWXQ' and metric = 'staff_100' then 1
                       else 0
                   end as enterprises
            from marts.dim_park, (values (2019, 12), (2020, 6)) y(year, last_month),
                 range(1, 13) m(month), metrics
            where month <= last_month
            """
        )
        con.execute(
            """
            create table marts.target_attainment (
                park_code varchar, park_name varchar, year integer, metric varchar,
                metric_label varchar, metric_label_en varchar, unit varchar,
                target decimal(28, 6), target_window varchar, clause_zh varchar,
                actual decimal(28, 6), gap decimal(28, 6), attainment_ratio double,
                attained boolean, attainment_status varchar, as_of_period date,
                is_final boolean, band_counting varchar, enterprise_scope varchar,
                enterprise_scope_label varchar)
            """
        )
        names = {"CITY": "拉萨市", "JKQ": "经开区", "LWXQ": "柳梧新区", "DZ": "达孜工业园"}
        # whom each target counts, as seeds/plan_targets.csv reads the clauses
        scopes = {
            ("CITY", "tax_10m"): ("real_economy", "实体企业"),
            ("CITY", "employment"): ("all", "全部企业"),
            ("DZ", "staff_100"): ("all", "全部企业"),
            ("LWXQ", "high_tech"): ("all", "全部企业"),
            ("DZ", "projects_1b"): (None, None),
        }
        for park, year, metric, label, unit, target, actual, status, window, final in TARGETS:
            as_of = None if actual is None else (f"{year}-12-01" if final else f"{AS_OF}-01")
            con.execute(
                "insert into marts.target_attainment values "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    park,
                    names[park],
                    year,
                    metric,
                    label,
                    metric,
                    unit,
                    target,
                    window,
                    f"{label}{target}{unit}",
                    actual,
                    None if actual is None else actual - target,
                    None if actual is None else actual / target,
                    None if actual is None else actual >= target,
                    status,
                    as_of,
                    final,
                    "at_or_above" if metric.startswith(("tax", "staff", "output_")) else None,
                    *scopes.get((park, metric), ("industrial", "工业企业")),
                ],
            )
        con.execute(
            """
            create table marts.target_reconciliation as select * from (values
                ('tax_10m', '税收超1000万元的企业', '2020', '家', 11.0, 19.0, 12, 8.0, false,
                 '全市目标低于各园区承诺之和。'),
                ('listed', '上市或挂牌企业', '2020', '家', 35.0, 35.0, 7, 0.0, true, '两者一致。')
            ) t(metric, metric_label, city_year_or_window, unit, city_target, parks_target_sum,
                parks_with_target, difference, is_consistent, note)
            """
        )
        con.execute(
            """
            create table marts.milestones as select * from (values
                ('JKQ-2018-bonded-zone', 'JKQ', '经开区', 2018, '综合保税区具备封关运营条件',
                 '确保2018年综合保税区具备封关运营条件', '未更新', null::date, null, false,
                 true),
                ('LWXQ-2020-x', 'LWXQ', '柳梧新区', 2020, '升级为国家级高新区',
                 '在2020年升级为国家级高新区', '已完成', date '2020-03-01', '国务院批复', true,
                 false)
            ) t(milestone_id, park_code, park_name, due_year, milestone_zh, clause_zh, status,
                status_updated_on, status_note, is_completed, is_overdue)
            """
        )
        con.execute(
            """
            create table meta.loads as select * from (values
                ('tax_202005.csv', 'tax', date '2020-05-01', 1, 'aa', 10, 'utf-8', now(), now(),
                 'loaded', null, 9, 8, 1, null),
                ('tax_202006.csv', 'tax', date '2020-06-01', 1, 'bb', 10, 'utf-8', now(), null,
                 'file_rejected', '表头缺少列 税收合计（元）', null, null, null, null),
                ('tax_202006_v2.csv', 'tax', date '2020-06-01', 2, 'cc', 10, 'utf-8', now(),
                 now(), 'loaded', null, 9, 7, 2, null),
                ('output_201812.csv', 'output', date '2018-12-01', 1, 'dd', 10, 'utf-8', now(),
                 now(), 'loaded', null, 9, 9, 0, null)
            ) t(file_name, kind, period, revision, sha256, size_bytes, encoding, received_at,
                loaded_at, status, message, rows_read, rows_loaded, rows_rejected,
                superseded_sha256)
            """
        )
        con.execute(
            """
            create table meta.rejects as select * from (values
                ('tax', date '2020-05-01', 'tax_202005.csv', 'aa', 5, 'A1', '税收合计（元）',
                 'TAX-TOTAL-SUM', '税收合计须等于各项之和', 'total = sum', '1'),
                ('tax', date '2020-06-01', 'tax_202006_v2.csv', 'cc', 3, 'A2', '税收合计（元）',
                 'TAX-TOTAL-SUM', '税收合计须等于各项之和', 'total = sum', '2'),
                ('tax', date '2020-06-01', 'tax_202006_v2.csv', 'cc', 3, 'A2', '增值税（元）',
                 'TAX-TOTAL-SUM', '税收合计须等于各项之和', 'total = sum', '2'),
                ('tax', date '2020-06-01', 'tax_202006_v2.csv', 'cc', 7, 'X', '统一社会信用代码',
                 'TAX-USCC-LENGTH', '统一社会信用代码须为18位', 'USCC has 18 characters', 'X')
            ) t(kind, period, file_name, sha256, row_number, record_key, column_name, rule_id,
                rule_zh, rule_en, value)
            """
        )
        if dq_rule_summary:
            con.execute(
                """
                create table marts.dq_rule_summary as select * from (values
                    ('tax', date '2020-06-01', 'TAX-TOTAL-SUM', '税收合计须等于各项之和',
                     '税收合计（元）', 9, 8, 1, 0),
                    ('tax', date '2020-06-01', 'TAX-USCC-LENGTH', '统一社会信用代码须为18位',
                     '统一社会信用代码', 9, 8, 1, 0),
                    ('tax', date '2020-06-01', 'TAX-FORMAT-VAT', '增值税须为数字',
                     '增值税（元）', 9, 9, 0, 0)
                ) t(kind, period, rule_id, rule_zh, column_name, items, passes, fails, missing)
                """
            )
        con.execute("drop table monthly")
    return path


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return build_small_warehouse(tmp_path_factory.mktemp("wh") / "warehouse.duckdb")


def public_beside(warehouse: Path) -> Path:
    """The public warehouse of `warehouse`, written where `parks report --warehouse` looks."""
    public = warehouse.with_name("public.duckdb")
    write_public(warehouse, public)
    return public


@pytest.fixture(scope="module")
def public(warehouse) -> Path:
    return public_beside(warehouse)


@pytest.fixture(scope="module")
def workbooks(warehouse, public, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("xlsx")
    return {
        "external": build_report(public, "xlsx", out / "external.xlsx").path,
        "internal": build_report(warehouse, "xlsx", out / "internal.xlsx", internal=True).path,
    }


def _typed(text: str | None):
    if text is None:
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def sheet(path: Path, name: str) -> list[list]:
    """All cells of a sheet as rows of values: numbers as int or float, the rest as text
    (read as text with fastexcel, since titles and numbers share columns)."""
    frame = (
        fastexcel.read_excel(path).load_sheet(name, header_row=None, dtypes="string").to_polars()
    )
    return [[_typed(v) for v in row] for row in frame.iter_rows()]


def find_row(rows: list[list], first: object) -> list:
    return next(r for r in rows if r and r[0] == first)


def block(rows: list[list], title: str) -> list[list]:
    """The rows of one titled block of the 园区合计 sheet (header row first)."""
    start = next(i for i, r in enumerate(rows) if r[0] == title)
    end = next((i for i in range(start + 1, len(rows)) if rows[i][0] is None), len(rows))
    return rows[start + 1 : end]


# ------------------------------------------------------------------ the data layer


def test_report_data_as_of_years_and_tier_months(warehouse):
    data = load_report_data(warehouse)
    assert data.as_of == AS_OF
    assert data.years == [2019, 2020] and data.year == 2020  # the year of the latest data
    tiers = data.tier_months.filter(pl.col("park_code") == "DZ")
    # the dashboard's year only (2019 has twelve months): C2's tax from March on
    tax_10m = tiers.filter(pl.col("metric") == "tax_10m").sort("month")["enterprises"]
    assert tax_10m.to_list() == [0, 0, 1, 1, 1, 1]
    staff_100 = tiers.filter(pl.col("metric") == "staff_100").sort("month")["enterprises"]
    assert staff_100.to_list() == [2] * 6  # C1 (200) and C2 (150); C3 has 90
    assert data.rule_source == "meta.rejects"
    rules = dict(zip(data.rule_rejects["rule_id"], data.rule_rejects["rows_rejected"], strict=True))
    assert rules == {"TAX-TOTAL-SUM": 2, "TAX-USCC-LENGTH": 1}  # rows, not reject lines


def test_disclosure_of_the_park_totals(warehouse):
    data = load_report_data(warehouse)
    output = data.park_totals["output"]
    # LWXQ rests on two enterprises: primary; JKQ is the smallest cell beside it: secondary
    assert output.suppression.status[("LWXQ", 2020)] == "primary"
    assert output.suppression.status[("JKQ", 2020)] == "secondary"
    assert not output.is_suppressed("DZ", 2020)
    assert not output.is_suppressed("__total__", 2020)
    assert output.value("DZ", 2020) == pytest.approx((10 + 9 + 8 + 7) * 6)
    # a total over years counts each enterprise once, with the sum of its years (12 + 6 months)
    dz_2019_2020 = output.cells[("DZ", "__total__")]
    assert (dz_2019_2020.contributors, dz_2019_2020.largest) == (4, pytest.approx(10 * 18))
    assert dz_2019_2020.value == pytest.approx((10 + 9 + 8 + 7) * 18)
    everything = output.cells[("__total__", "__total__")]
    assert (everything.contributors, everything.largest) == (9, pytest.approx(10 * 18))
    assert output.cells[("__total__", 2019)].contributors == 9
    # C1 has 600 of DZ's 601.8 value added, and of the city's 605.4: both dominated
    value_added = data.park_totals["value_added"]
    assert value_added.suppression.status[("DZ", 2020)] == "primary"
    assert value_added.suppression.status[("__total__", 2020)] == "primary"
    city = data.attainment.filter(pl.col("park_code") == "CITY")
    hidden = dict(zip(city["metric"], city["suppressed"], strict=True))
    assert hidden["industrial_value_added"] and hidden["value_added_growth"]
    assert not hidden["industrial_output"] and not hidden["employment"]
    # the monthly city tax: C2 has 4,000,000 of 4,577,000 a month (87.4 %): hidden
    assert data.city_months["tax_suppressed"].to_list() == [True] * 6
    assert data.city_months["output_suppressed"].to_list() == [False] * 6

    internal = load_report_data(warehouse, internal=True)
    assert internal.suppression_counts() == {"primary": 0, "secondary": 0, "linked": 0}
    assert not internal.attainment["suppressed"].any()


# ------------------------------------------------------------------ the workbook


def test_workbook_sheets_titles_and_headers(workbooks):
    names = fastexcel.read_excel(workbooks["external"]).sheet_names
    assert names == [
        "全市",
        "经开区",
        "柳梧新区",
        "达孜工业园",
        "园区合计",
        "规划内部差异",
        "里程碑",
        "数据质量",
        "说明",
    ]
    for name in names:
        rows = sheet(workbooks["external"], name)
        assert f"数据截至 {AS_OF}" in rows[0][0], name
    city = sheet(workbooks["external"], "全市")
    assert city[2] == [
        "年份",
        "指标",
        "单位",
        "目标",
        "实际",
        "差额(实际−目标)",
        "完成率",
        "完成状态",
        "目标期",
        "数据截至",
        "年度终值",
        "企业范围",
        "规划原文",
    ]
    assert "对外发布版" in city[1][0]
    assert "内部版" in sheet(workbooks["internal"], "全市")[1][0]


def test_workbook_values_and_suppression(workbooks):
    park = sheet(workbooks["external"], "达孜工业园")
    row = next(r for r in park if r[1] == "税收超1000万元的企业")
    assert row[0] == 2020 and row[3] == 1 and row[4] == 1 and row[7] == "已达成"
    assert row[11] == "工业企业"  # whom the target counts, beside its clause
    assert row[12] == "税收超1000万元的企业1家"
    row = next(r for r in park if r[1] == "引进超10亿元的项目")
    assert row[4] is None and row[7] == "无数据"
    assert row[11] == "—"  # a project is no enterprise
    notes = {r[0]: r[1] for r in sheet(workbooks["external"], "说明")[3:]}
    assert notes["企业范围:实体企业"].startswith("除 J 金融业、K 房地产业以外")

    city = sheet(workbooks["external"], "全市")
    va = next(r for r in city if r[1] == "工业增加值")
    assert va[3] == 110 and va[4:8] == [SUPPRESSED_MARK] * 4
    output = next(r for r in city if r[1] == "工业总产值")
    assert output[4] == pytest.approx(0.02796) and output[7] == "进行中"
    city_internal = sheet(workbooks["internal"], "全市")
    va = next(r for r in city_internal if r[1] == "工业增加值")
    assert va[4] == pytest.approx(0.06168) and va[7] == "进行中"

    def totals(which: str) -> dict[str, list]:
        rows = block(sheet(workbooks[which], "园区合计"), "工业总产值(万元)")
        assert rows[0] == ["园区", "2019年", "2020年", "2019–2020年合计"]
        return {r[0]: r[1:4] for r in rows[1:]}

    external, internal = totals("external"), totals("internal")
    assert external["柳梧新区"] == [SUPPRESSED_MARK] * 3  # two enterprises
    assert external["经开区"] == [SUPPRESSED_MARK] * 3  # protects 柳梧新区 from the total
    assert external["达孜工业园"] == pytest.approx([34.0 * 12, 34.0 * 6, 34.0 * 18])
    assert external["全市"] == pytest.approx([46.6 * 12, 46.6 * 6, 46.6 * 18])
    assert internal["柳梧新区"] == [108.0, 54.0, 162.0]
    counts = block(sheet(workbooks["external"], "园区合计"), "企业数(家,年末所在园区;照常公布)")
    assert {r[0]: r[1:3] for r in counts[1:]}["柳梧新区"] == [2, 2]  # counts are published


def test_one_year_shows_part_of_the_same_protected_table(public, tmp_path):
    path = build_report(public, "xlsx", tmp_path / "2020.xlsx", year=2020).path
    rows = block(sheet(path, "园区合计"), "工业总产值(万元)")
    assert rows[0] == ["园区", "2020年"]  # no total over the years for one year
    shown = {r[0]: r[1] for r in rows[1:]}
    # hidden exactly as in the report of every year, though 柳梧新区 + 经开区 = 全市 − 达孜
    assert shown["柳梧新区"] == shown["经开区"] == SUPPRESSED_MARK
    assert shown["达孜工业园"] == pytest.approx(34.0 * 6)
    park = sheet(path, "经开区")
    assert {r[0] for r in park[3:] if isinstance(r[0], int)} == {2020}
    dq = sheet(path, "数据质量")
    assert "2020-01 至 2020-06" in dq[0][0]


def test_workbook_reconciliation_milestones_and_data_quality(workbooks):
    rec = sheet(workbooks["external"], "规划内部差异")
    assert rec[3][:8] == ["税收超1000万元的企业", "家", 2020, 11, 19, 12, 8, "不一致"]
    ms = sheet(workbooks["external"], "里程碑")
    assert ms[3][:4] == ["经开区", 2018, "综合保税区具备封关运营条件", "未更新"]
    assert ms[3][6] == "逾期"
    dq = sheet(workbooks["external"], "数据质量")
    assert "2019-01 至 2020-06" in dq[0][0]
    june = next(r for r in dq if r[0] == "2020-06" and r[1] == "纳税")
    assert june[2:9] == [2, 1, 1, 0, 9, 7, 2]
    assert all(r[0] != "2018-12" for r in dq)  # outside the months of the report
    rule = next(r for r in dq if r[1] == "TAX-TOTAL-SUM")
    assert rule[5] == 2
    rejected = next(r for r in dq if r[2] == "tax_202006.csv")
    assert rejected[3] == "表头缺少列 税收合计（元）"


def test_workbook_uses_dq_rule_summary_when_present(tmp_path):
    wh = build_small_warehouse(tmp_path / "wh.duckdb", dq_rule_summary=True)
    data = load_report_data(wh)
    assert data.rule_source == "marts.dq_rule_summary"
    path = write_report(data, "xlsx", tmp_path / "r.xlsx").path
    dq = sheet(path, "数据质量")
    rule = next(r for r in dq if r[1] == "TAX-USCC-LENGTH")
    assert rule[4:7] == [9, 1, 0]
    assert all(r[1] != "TAX-FORMAT-VAT" for r in dq)  # rules without failures are left out


def xlsx_styles(path: Path, sheet_index: int) -> dict:
    """Cell reference -> (number format, fill colour) and the sheet's pane and column widths,
    read from the workbook's XML (fastexcel reads values only)."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(path) as z:
        styles = ET.fromstring(z.read("xl/styles.xml"))
        ws = ET.fromstring(z.read(f"xl/worksheets/sheet{sheet_index}.xml"))
    formats = {
        int(f.get("numFmtId")): f.get("formatCode") for f in styles.iterfind(".//m:numFmt", ns)
    }
    formats.update({0: "General", 1: "0", 3: "#,##0", 4: "#,##0.00", 10: "0.00%"})
    fills = []
    for fill in styles.find("m:fills", ns):
        fg = fill.find(".//m:fgColor", ns)
        fills.append(None if fg is None else fg.get("rgb"))
    xfs = [
        (formats.get(int(x.get("numFmtId", 0))), fills[int(x.get("fillId", 0))])
        for x in styles.find("m:cellXfs", ns)
    ]
    cells = {c.get("r"): xfs[int(c.get("s", 0))] for c in ws.iterfind(".//m:c", ns)}
    pane = ws.find(".//m:pane", ns)
    widths = {int(c.get("min")): float(c.get("width")) for c in ws.iterfind(".//m:col", ns)}
    return {"cells": cells, "pane": pane.attrib if pane is not None else {}, "widths": widths}


def test_workbook_formats_colours_frozen_header_and_widths(workbooks):
    rows = sheet(workbooks["external"], "全市")
    styles = xlsx_styles(workbooks["external"], 1)
    cells = styles["cells"]

    def ref(metric_label: str, column: str) -> str:
        index = next(i for i, r in enumerate(rows) if r[1] == metric_label)
        return f"{column}{index + 1}"

    assert cells[ref("工业总产值", "D")][0] == "#,##0.00"  # 亿元
    assert cells[ref("园区安置就业人数", "D")][0] == "#,##0"  # 人
    assert cells[ref("税收超1000万元的企业", "E")][0] == "#,##0"  # 家
    assert cells[ref("工业增加值年均增长率", "D")][0] == '0.00"%"'  # percent points
    assert cells[ref("工业总产值", "G")][0] == "0.0%"  # ratio
    assert cells[ref("工业总产值", "H")][1] == "FFEDEDED"  # 进行中: neutral
    assert cells[ref("工业增加值", "H")][1] == "FFF7F7F7"  # hidden: neutral
    park = sheet(workbooks["external"], "经开区")
    park_cells = xlsx_styles(workbooks["external"], 2)["cells"]
    colour = {r[7]: park_cells[f"H{i + 1}"][1] for i, r in enumerate(park) if i > 2 and r[7]}
    assert colour == {"未达成": "FFFFC7CE", "已达成": "FFC6EFCE", "进行中": "FFEDEDED"}
    ratio = {r[7]: park_cells[f"G{i + 1}"][1] for i, r in enumerate(park) if i > 2 and r[7]}
    assert ratio == colour  # the ratio carries the colour too
    # header rows frozen (title, edition line, header) with year and metric columns
    assert styles["pane"].get("ySplit") == "3" and styles["pane"].get("xSplit") == "2"
    # widths fit Chinese text: 指标 holds "就业人数超过100人的企业"-like labels (2 units/char)
    assert styles["widths"][2] >= 2 * len("税收超1000万元的企业") - 4


# ------------------------------------------------------------------ the command line


def test_parks_report_prints_progress_and_summary(warehouse, public, tmp_path, capsys, monkeypatch):
    from pipelines.cli import main

    monkeypatch.delenv("PARKS_PUBLIC_WAREHOUSE", raising=False)  # beside --warehouse

    assert (
        main(["report", "--format", "xlsx", "--warehouse", str(warehouse), "--out", f"{tmp_path}/"])
        == 0
    )
    err = capsys.readouterr().err
    assert "sheet 1/9 全市" in err and "sheet 9/9 说明" in err
    written = tmp_path / f"attainment_{AS_OF}.xlsx"
    assert written.exists()
    assert f"wrote {written}" in err and "primary" in err

    out = tmp_path / "dash.html"
    assert main(["report", "--format", "html", "--warehouse", str(warehouse), "--year", "2020",
                 "--internal", "--out", str(out)]) == 0  # fmt: skip
    err = capsys.readouterr().err
    assert "part 3/3" in err and f"wrote {out}" in err and "internal" in err
    monkeypatch.delenv("PARKS_PUBLIC_WAREHOUSE", raising=False)  # exported by the run above
    assert main(["report", "--format", "html", "--warehouse", str(tmp_path / "none.duckdb"),
                 "--out", str(out)]) == 2  # fmt: skip
    assert f"no public warehouse at {tmp_path / 'public.duckdb'}" in capsys.readouterr().err


def test_the_warehouse_is_opened_read_only(public, tmp_path):
    # a writer holding the file would block a read-write open; reading alongside works
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(public, copy)
    with duckdb.connect(str(copy), read_only=True):
        assert build_report(copy, "html", tmp_path / "d.html").path.exists()


# ------------------------------------------------------------------ the dashboard


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail(
        "the dashboard test needs headless Chromium: install it with "
        "`apt-get update && apt-get install -y chromium fonts-noto-cjk`"
    )


def run_chromium(*args: str, tmp: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--enable-logging=stderr",
            f"--user-data-dir={tmp / 'chromium-profile'}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def read_png(path: Path) -> tuple[int, int, list[bytes], int]:
    """A tiny PNG decoder (8-bit RGB/RGBA, no interlace): width, height, rows, bytes/pixel."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and color in (2, 6) and interlace == 0
        elif kind == b"IDAT":
            idat.append(body)
    bpp = 3 if color == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        if kind == 1:
            for x in range(bpp, stride):
                line[x] = (line[x] + line[x - bpp]) & 255
        elif kind == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev, strict=True))
        elif kind == 3:
            for x in range(stride):
                left = line[x - bpp] if x >= bpp else 0
                line[x] = (line[x] + ((left + prev[x]) >> 1)) & 255
        elif kind == 4:
            for x in range(stride):
                a = line[x - bpp] if x >= bpp else 0
                b, c = prev[x], (prev[x - bpp] if x >= bpp else 0)
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, rows, bpp


@pytest.fixture(scope="module")
def dashboards(warehouse, public, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("html")
    return {
        "external": build_report(public, "html", out / "external.html").path,
        "internal": build_report(warehouse, "html", out / "internal.html", internal=True).path,
    }


def test_dashboard_is_self_contained(dashboards):
    html = dashboards["external"].read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in html
    assert FONT_STACK in html and '"Noto Sans CJK SC"' in FONT_STACK
    assert "<script" not in html.lower()  # no script at all, hence no script error
    # nothing to fetch: no link, image, font or frame; URLs only as SVG namespace names
    assert not re.search(r"<(link|img|iframe|object|embed)\b", html, re.IGNORECASE)
    assert "@import" not in html and "url(http" not in html
    urls = set(re.findall(r"https?://[^\s\"')]+", html))
    assert urls <= {"http://www.w3.org/2000/svg"}
    assert f"数据截至 {AS_OF}" in html
    assert html.count('<svg class="line-chart"') == 3 * 3  # 3 parks × output, tax, staff
    assert html.count('<svg class="bar-chart"') == 3


def test_dashboard_applies_disclosure_control(dashboards):
    external = dashboards["external"].read_text(encoding="utf-8")
    internal = dashboards["internal"].read_text(encoding="utf-8")
    # the heat map: the city's value added is hidden outside the bureau
    assert "工业增加值(2020年目标 110.00亿元,计工业企业):依统计保密规定不予公布" in external
    assert "工业增加值(2020年目标 110.00亿元,计工业企业):实际 0.06亿元" in internal
    assert "税收超1000万元的企业(2020年目标 11家,计实体企业)" in external
    assert "引进超10亿元的项目(2020年目标 2个):尚无数据" in external
    # the monthly city tax (one enterprise has 87 % of it) is hidden, month by month
    assert external.count('<g class="suppressed">') == 6
    assert internal.count('<g class="suppressed">') == 0
    assert "本图隐去 6 个月份值" in external
    # in progress (2020 until June) is drawn hatched; no data is its own grey
    assert 'fill="url(#hatch)"' in external and ">无数据<" in external


def test_dashboard_renders_in_headless_chromium(dashboards, tmp_path):
    page = dashboards["external"].resolve().as_uri()
    dom = run_chromium("--dump-dom", page, tmp=tmp_path)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert dom.stdout.count("<svg") == 1 + 9 + 3  # heat map, tier charts, city charts
    assert dom.stdout.count('class="cell"') >= 10
    assert "Uncaught" not in dom.stderr  # no script error in the console

    shot = tmp_path / "dashboard.png"
    result = run_chromium(f"--screenshot={shot}", "--window-size=1400,2000", page, tmp=tmp_path)
    assert result.returncode == 0 and shot.exists(), result.stderr[-2000:]
    width, height, rows, bpp = read_png(shot)
    assert (width, height) == (1400, 2000)
    background = {bytes((250, 250, 250)), bytes((255, 255, 255))}
    colours, inked = set(), 0
    for row in rows[::4]:
        for x in range(0, width * bpp, 4 * bpp):
            pixel = row[x : x + 3]
            colours.add(pixel)
            inked += pixel not in background
    sampled = len(rows[::4]) * len(range(0, width * bpp, 4 * bpp))
    # the header band, the heat map and the charts: far from an empty page
    assert inked / sampled > 0.10, f"only {inked / sampled:.1%} of the page is drawn"
    assert len(colours) > 50, f"only {len(colours)} colours: the charts did not render"
    # the heat map's colours are there (the dark green of value_added_growth at 117 %)
    header_red = bytes((0x7A, 0x1F, 0x1F))
    assert header_red in colours
    if os.environ.get("PARKS_KEEP_SCREENSHOT"):  # for a person to look at
        shutil.copyfile(shot, os.environ["PARKS_KEEP_SCREENSHOT"])


# ------------------------------------------------------------------ the Dagster assets


def test_dagster_assets_write_into_the_month_folder(warehouse, public, tmp_path, monkeypatch):
    import warnings

    warnings.filterwarnings("ignore", module="dagster")
    import dagster as dg

    from pipelines.defs.reports import REPORT_ASSETS

    home = tmp_path / "home"
    home.mkdir()
    shutil.copyfile(public, home / "public.duckdb")  # the reports read the public file only
    for name in (
        "PARKS_WAREHOUSE",
        "PARKS_PUBLIC_WAREHOUSE",
        "PARKS_BUILD_WAREHOUSE",
        "PARKS_LANDING",
        "PARKS_ARCHIVE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PARKS_HOME", str(home))
    assert {k.to_user_string() for a in REPORT_ASSETS for k in a.keys} == {
        "reports/attainment_xlsx",
        "reports/dashboard_html",
    }
    for asset in REPORT_ASSETS:
        assert dg.AssetKey(["published_warehouse"]) in asset.dependency_keys
    with dg.instance_for_test() as instance:
        result = dg.materialize(REPORT_ASSETS, instance=instance)
    assert result.success
    folder = home / "reports" / AS_OF
    assert sorted(p.name for p in folder.iterdir()) == [
        f"attainment_{AS_OF}.xlsx",
        f"dashboard_{AS_OF}_2020.html",
    ]
    events = {
        e.asset_key.to_user_string(): e.materialization.metadata
        for e in result.get_asset_materialization_events()
    }
    assert events["reports/attainment_xlsx"]["as_of"].value == AS_OF
    assert events["reports/dashboard_html"]["cells_suppressed_primary"].value > 0

    # One of the two on its own (both come from one asset, which can be subset).
    for p in folder.iterdir():
        p.unlink()
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            REPORT_ASSETS, instance=instance, selection=["reports/dashboard_html"]
        )
    assert result.success
    assert [p.name for p in folder.iterdir()] == [f"dashboard_{AS_OF}_2020.html"]
