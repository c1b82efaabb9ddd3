"""The projects register's optional 行业代码 column (issue 29 §4): files with and without the
column load; a code that is not a GB/T 4754-2017 class sets its row aside with a message naming
file, row, column and rule, and the other rows load."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipelines.ingest.landing import scan
from pipelines.ingest.load import load_month

MARCH = dt.date(2018, 3, 1)
INVESTOR = "91440300708461136T"  # a valid USCC (tests/test_rules.py)

# The register's headers as the bureau wrote them before the column existed, then with it.
OLD_HEADER = "项目编号,项目名称,所属园区,投资主体统一社会信用代码,协议投资额（亿元）,签约日期,项目状态,项目类别"
NEW_HEADER = OLD_HEADER + ",行业代码"


def write(folder: Path, name: str, lines: list[str]) -> None:
    (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def load(env):
    landing, archive, con = env
    return load_month(con, scan(landing), "projects", MARCH, archive)


def row(project_id: str, *extra: str) -> str:
    return ",".join(
        [
            project_id,
            f"项目{project_id}",
            "经开区",
            INVESTOR,
            "1.5",
            "2018-03-15",
            "签约",
            "招商引资",
        ]
        + list(extra)
    )


def test_file_without_the_column_loads_with_empty_codes(env):
    landing, _, con = env
    write(landing, "projects_201803.csv", [OLD_HEADER, row("1"), row("2")])
    outcome = load(env)
    assert (outcome.status, outcome.rows_loaded, outcome.rows_rejected) == ("loaded", 2, 0)
    assert con.execute(
        "select project_id, industry_code from raw.projects order by project_id"
    ).fetchall() == [("1", None), ("2", None)]


def test_file_with_the_column_loads_codes_and_empty_cells(env):
    landing, _, con = env
    # 0610 keeps its leading zero; an empty cell is a project without a code.
    write(
        landing,
        "projects_201803.csv",
        [NEW_HEADER, row("1", "1399"), row("2", ""), row("3", "0610")],
    )
    outcome = load(env)
    assert (outcome.status, outcome.rows_loaded, outcome.rows_rejected) == ("loaded", 3, 0)
    assert con.execute(
        "select project_id, industry_code from raw.projects order by project_id"
    ).fetchall() == [("1", "1399"), ("2", None), ("3", "0610")]


def test_bad_code_sets_its_row_aside_and_the_others_load(env):
    landing, _, con = env
    # 1520 is division 15 padded with 0, not a class; 13A9 is not 4 digits.
    write(
        landing,
        "projects_201803.csv",
        [NEW_HEADER, row("1", "1399"), row("2", "1520"), row("3", "13A9")],
    )
    outcome = load(env)
    assert (outcome.status, outcome.rows_loaded, outcome.rows_rejected) == ("loaded", 1, 2)
    assert con.execute("select project_id from raw.projects").fetchall() == [("1",)]
    assert con.execute(
        "select file_name, row_number, column_name, rule_id, value, rule_zh from meta.rejects "
        "where kind = 'projects' order by row_number"
    ).fetchall() == [
        (
            "projects_201803.csv",
            3,
            "行业代码",
            "PRJ-INDUSTRY-KNOWN",
            "1520",
            "行业代码须为GB/T 4754-2017的小类代码(见 seeds/industry_classes.csv);"
            "大类或中类代码补0(如1520)不是小类,请填写项目所属的小类",
        ),
        (
            "projects_201803.csv",
            4,
            "行业代码",
            "PRJ-FORMAT-INDUSTRY_CODE",
            "13A9",
            "行业代码须为4位数字(GB/T 4754-2017小类)",
        ),
    ]


def test_a_required_column_is_still_required(env):
    landing, _, con = env
    header = NEW_HEADER.replace(",项目类别", "")
    write(landing, "projects_201803.csv", [header, row("1").rsplit(",", 1)[0] + ",1399"])
    outcome = load(env)
    assert outcome.status == "file_rejected"
    assert "missing column(s) 项目类别" in outcome.message
    assert "(行业代码 may be left out)" in outcome.message
