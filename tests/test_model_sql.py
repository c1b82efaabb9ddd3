"""A rule of dbt_project/README.md that reading the models can hold: a CTE that only reads a
table and is referenced more than once is declared `as not materialized`.

DuckDB materializes a CTE referenced more than once, every row and column of it, before the
query runs; inlined, each reference reads only its own columns and rows."""

import re
from pathlib import Path

MODELS = Path(__file__).resolve().parents[1] / "dbt_project" / "models"
# `name as (` or `name as not materialized (` at the start of a line (after `with`)
CTE = re.compile(r"^(?:with\s+)?(\w+)\s+as\s+(not\s+materialized\s+)?\(\s*$", re.M)
# a body that only reads one model or source: a select, a from, at most a filter
ONLY_READS = re.compile(
    r"select\s+[^()]*?\s+from\s+\{\{\s*(?:ref|source)\([^)]*\)\s*\}\}(?:\s+as\s+\w+)?"
    r"(?:\s+where\b(?!.*\b(?:select|join|group|over|union)\b).*)?",
    re.S | re.I,
)


def bodies(sql: str) -> dict[str, tuple[bool, str]]:
    """Each CTE's name -> (declared not materialized, its body without comments and Jinja tags)."""
    found = {}
    for match in CTE.finditer(sql):
        depth, end = 1, match.end()
        while depth:
            depth += {"(": 1, ")": -1}.get(sql[end], 0)
            end += 1
        body = re.sub(r"--[^\n]*|\{%.*?%\}|\{#.*?#\}", "", sql[match.end() : end - 1], flags=re.S)
        found[match.group(1)] = (bool(match.group(2)), body.strip())
    return found


def references(sql: str, name: str) -> int:
    return len(re.findall(rf"\b(?:from|join)\s+{name}\b", sql, re.I))


def test_the_check_tells_a_read_from_a_computation():
    sql = """with months as (
    select * from {{ ref('fct_enterprise_month') }}
    where {{ batch }}  -- a filter
),

totals as not materialized (
    select uscc, sum(x) from {{ ref('a') }} group by uscc
)
select * from months join months using (uscc) join totals using (uscc)
"""
    found = bodies(sql)
    assert found["months"][0] is False and ONLY_READS.fullmatch(found["months"][1])
    assert found["totals"][0] is True and not ONLY_READS.fullmatch(found["totals"][1])
    assert references(sql, "months") == 2


def test_a_cte_that_only_reads_a_table_twice_is_not_materialized():
    offending = []
    checked = 0
    for path in sorted(MODELS.rglob("*.sql")):
        sql = path.read_text(encoding="utf-8")
        for name, (inlined, body) in bodies(sql).items():
            if ONLY_READS.fullmatch(body) and references(sql, name) > 1:
                checked += 1
                if not inlined:
                    offending.append(f"{path.relative_to(MODELS)}: {name}")
    assert checked >= 10, "the scan found fewer such CTEs than the models hold: is it broken?"
    assert not offending, (
        "CTEs that only read a table and are referenced more than once, to declare "
        "`as not materialized` (dbt_project/README.md):\n" + "\n".join(offending)
    )
