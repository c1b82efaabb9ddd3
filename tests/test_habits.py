"""The habits of CONTRIBUTING.md that a test can hold: no timings in code comments.

A measured time in a comment goes stale with the next machine or change; the figure belongs in
docs/performance.md ("Measurements behind code choices") and the comment keeps the reason. The
check reads comments and docstrings only (Python by its tokens, `--` in SQL, `#` in YAML and the
Makefile). Sizes are not checked: most are settings (a chunk of 256 MiB, a 200 MB test file)."""

import io
import re
import tokenize
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("pipelines", "schemas", "tests", "dbt_project")
# a number before the unit s, ms or min, or before "x faster" / "x slower"
TIMING = re.compile(r"\d ?(s|ms|min)\b|\d(\.\d+)?x (faster|slower)")
# Times that are not measurements: an example of dbt's output, a sampling interval.
NOT_MEASURED = ("[OK in 0.1s]", "every 0.2 s")
# Rewritten by its own task of issue #28 (an independent baseline), not here.
SKIPPED = {"pipelines/bench/baseline.sql"}


def python_comments(text: str) -> Iterator[tuple[int, str]]:
    """Comments and docstrings (a string that is a statement of its own) of a Python file."""
    statement_starts = True  # a string that starts a statement is a docstring (or a bare one)
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.COMMENT:
            yield token.start[0], token.string
        elif token.type == tokenize.STRING and statement_starts:
            for offset, line in enumerate(token.string.splitlines()):
                yield token.start[0] + offset, line
        if token.type in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
            statement_starts = True
        elif token.type not in (tokenize.NL, tokenize.COMMENT):
            statement_starts = False


def comments(path: Path) -> Iterator[tuple[int, str]]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".py":
        yield from python_comments(text)
        return
    mark = "--" if path.suffix == ".sql" else "#"
    for number, line in enumerate(text.splitlines(), start=1):
        if mark in line:
            yield number, line[line.index(mark) :]


def code_files() -> list[Path]:
    files = [ROOT / "Makefile"]
    for folder in FOLDERS:
        files += [
            p
            for p in (ROOT / folder).rglob("*")
            if p.suffix in (".py", ".sql", ".yml")
            and not {"target", "logs", "dbt_packages"} & set(p.relative_to(ROOT).parts)
        ]
    return [p for p in files if p.relative_to(ROOT).as_posix() not in SKIPPED]


def test_the_scan_finds_a_timing_in_each_kind_of_comment(tmp_path: Path) -> None:
    """The check itself: a timing in a comment or a docstring is found, one in code is not."""
    samples = {
        "a.py": 'def f():\n    """Took 7.8 s against 2.2 s."""\n    return "0.5 s"  # 3x faster\n',
        "a.sql": "select 1 -- ~95 s at a million\n, '2 s' as x\n",
        "a.yml": "threads: 2  # 36 -> 29 s\nname: '5 s'\n",
    }
    found = {}
    for name, text in samples.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        found[name] = [n for n, c in comments(path) if TIMING.search(c)]
    assert found == {"a.py": [2, 3], "a.sql": [1], "a.yml": [1]}


def test_no_code_comment_carries_a_timing() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {comment.strip()}"
        for path in code_files()
        for number, comment in comments(path)
        if TIMING.search(comment) and not any(n in comment for n in NOT_MEASURED)
    ]
    assert not found, (
        "timings in code comments go stale: keep the reason in the comment and move the figure "
        "to docs/performance.md (Measurements behind code choices):\n" + "\n".join(found)
    )
