"""`parks run --warehouse X` keeps to X's home; what it prints on a pipe; a failing dbt test keeps
the last publication.

Two real runs of `parks run` (a subprocess with pipes, as a scheduler starts it) against a
warehouse outside the repository, with PARKS_HOME and DAGSTER_HOME unset and HOME pointing to an
empty folder: the first builds and publishes; before the second, a row is duplicated in the build
(a corruption no loader rule sees, which a dbt test finds) and a new month arrives.
"""

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

import pipelines.defs.dbt  # noqa: F401  (prepares dbt's manifest before the repository is listed)
from pipelines.config import Paths
from pipelines.generate import generate

REPO = Path(__file__).resolve().parents[1]
PARKS = str(Path(sys.executable).parent / "parks")
ANSI = re.compile(r"\x1b\[")
LOG_LINE = re.compile(r"^日志 / log: (\S+)$", re.MULTILINE)


def listing(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file and folder under `folder`, with its size and modification time."""
    if not folder.exists():
        return {}
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
    }


def repository_state() -> dict[str, object]:
    """What a run could leave in the repository: its data folder, a build's folder in dbt's
    target folder (whose files, dbt's parse of the project, a `dbt ls` of another test may
    rewrite meanwhile), the names at its top."""
    target = REPO / "dbt_project" / "target"
    return {
        "data": listing(REPO / "data"),
        "dbt_project/target": sorted(p.name for p in target.iterdir() if p.is_dir()),
        "top": sorted(p.name for p in REPO.iterdir()),
    }


def parks_run(
    warehouse: Path, landing: Path, sentinel: Path, *args: str
) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PARKS_") and k not in ("DAGSTER_HOME", "NO_COLOR", "FORCE_COLOR")
    }
    env.update(HOME=str(sentinel), TERM="xterm-256color")  # a terminal type, but a pipe
    return subprocess.run(
        [PARKS, "run", "--warehouse", str(warehouse), "--landing", str(landing), *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("home")
    generated, home, sentinel = tmp / "generated", tmp / "X", tmp / "sentinel-home"
    generate(generated, enterprises=150, start="2019-11", end="2020-01", seed=11, mess=0.0)
    (home / "landing").mkdir(parents=True)
    sentinel.mkdir()
    for p in generated.iterdir():
        if "_2020" not in p.name:
            shutil.copy(p, home / "landing")
    warehouse = home / "warehouse.duckdb"

    before = repository_state()
    first = parks_run(warehouse, home / "landing", sentinel)
    after_first = repository_state()
    published = (warehouse.stat().st_ino, digest(warehouse)) if warehouse.exists() else None

    # A project listed twice in a month of the build, and January's files arriving.
    with duckdb.connect(str(home / "build" / "warehouse.duckdb")) as con:
        con.execute(
            "insert into raw.projects select * from raw.projects "
            "where period = (select max(period) from raw.projects) limit 1"
        )
    for p in generated.glob("*_2020*"):
        shutil.copy(p, home / "landing")
    second = parks_run(warehouse, home / "landing", sentinel, "--full-refresh")
    return {
        "home": home,
        "sentinel": sentinel,
        "warehouse": warehouse,
        "before": before,
        "after_first": after_first,
        "after_second": repository_state(),
        "first": first,
        "published": published,
        "second": second,
    }


@pytest.mark.parametrize("parks_home", [None, "elsewhere"])
def test_every_place_defaults_under_the_home(tmp_path, monkeypatch, parks_home):
    """The home is PARKS_HOME, else the folder of the warehouse named, else data/."""
    for name in ("PARKS_LANDING", "PARKS_BUILD_WAREHOUSE", "PARKS_ARCHIVE", "DAGSTER_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PARKS_WAREHOUSE", str(tmp_path / "X" / "w.duckdb"))
    if parks_home:
        monkeypatch.setenv("PARKS_HOME", str(tmp_path / parks_home))
    else:
        monkeypatch.delenv("PARKS_HOME", raising=False)
    paths = Paths.from_env()
    home = tmp_path / (parks_home or "X")
    assert paths.home == home
    assert (paths.landing, paths.archive, paths.dagster) == (
        home / "landing",
        home / "archive",
        home / "dagster",
    )
    assert (paths.reports, paths.dbt, paths.logs) == (home / "reports", home / "dbt", home / "logs")
    assert (paths.warehouse, paths.build) == (
        tmp_path / "X" / "w.duckdb",
        tmp_path / "X" / "build" / "w.duckdb",
    )
    monkeypatch.delenv("PARKS_WAREHOUSE")
    monkeypatch.delenv("PARKS_HOME", raising=False)
    assert Paths.from_env().home == REPO / "data"


def log_of(run: subprocess.CompletedProcess) -> Path:
    found = LOG_LINE.findall(run.stderr + run.stdout)
    assert len(found) == 1, run.stderr[-3000:]
    return Path(found[0])


def test_a_run_against_another_warehouse_writes_only_in_its_home(runs):
    home = runs["home"]
    assert runs["first"].returncode == 0, runs["first"].stderr[-3000:]
    assert runs["after_first"] == runs["before"]
    assert runs["after_second"] == runs["before"]
    assert list(runs["sentinel"].iterdir()) == []
    # Every place the run wrote is in the warehouse's folder, its home.
    assert {p.name for p in home.iterdir() if not p.name.startswith(".")} == {
        "landing",
        "warehouse.duckdb",
        "build",
        "archive",
        "dagster",
        "dbt",
        "reports",
        "logs",
    }
    assert (home / "reports" / "2019-12").is_dir()
    assert any(p.name.startswith("warehouse_models-") for p in (home / "dbt").iterdir())
    assert (home / "dagster" / "dagster.yaml").exists()


def test_the_terminal_shows_stages_and_the_log_holds_the_detail(runs):
    first = runs["first"]
    output = first.stdout + first.stderr
    assert not ANSI.search(output), "colour or cursor codes written to a pipe"
    log = log_of(first)
    assert log.parent == runs["home"] / "logs" and log.name.startswith("run-")
    detail = log.read_text(encoding="utf-8")
    assert not ANSI.search(detail)
    # every file's outcome and dbt's every node are in the log, not on the terminal
    landing = sorted(p.name for p in (runs["home"] / "landing").iterdir() if "_2020" not in p.name)
    for name in landing:
        assert f"{name}: " in detail
        assert name not in output
    assert re.search(r"\d+ of \d+ PASS ", detail) and not re.search(r"\d+ of \d+ PASS ", output)
    # the terminal counts them: 12 files read, dbt's nodes done of its total
    assert re.search(r"\b12 files\b", output), output
    total = re.search(r"TOTAL=(\d+)", detail).group(1)
    assert f"{total}/{total} models" in output, output


def test_a_failing_dbt_test_keeps_the_last_publication(runs):
    second = runs["second"]
    assert runs["published"] is not None, (
        "the first run published nothing: " + (runs["first"].stderr[-3000:])
    )
    assert second.returncode != 0, second.stderr[-3000:]
    warehouse = runs["warehouse"]
    assert (warehouse.stat().st_ino, digest(warehouse)) == runs["published"]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select max(period)::varchar from raw.tax").fetchone() == ("2019-12-01",)
    output = second.stdout + second.stderr
    assert not ANSI.search(output)
    assert "warehouse_models failed" in output
    log = log_of(second)
    assert log != log_of(runs["first"])
    assert re.search(
        r"FAIL \d+ unique_combination_of_columns_stg_raw__projects", log.read_text(encoding="utf-8")
    )
