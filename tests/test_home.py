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

from pipelines.config import Paths
from pipelines.defs.dbt import ensure_manifest
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

    ensure_manifest()  # dbt's parse of the project, before the repository is listed
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
        "public.duckdb",
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
    # the terminal counts them: every file of the first run read, dbt's nodes done of its total
    assert len(landing) > 1 and re.search(rf"\b{len(landing)} files\b", output), output
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


# The display on its own, on a job of two steps named as the warehouse job's: a load that reads
# a file, and a dbt step that prints dbt's lines (one test failing) and fails.
DBT_LINES = [
    "Running with dbt=1.11",
    "1 of 3 START sql table model marts.a ......... [RUN]",
    "1 of 3 OK created sql table model marts.a .... [OK in 0.1s]",
    "2 of 3 START test not_null_a_x ............... [RUN]",
    "2 of 3 PASS not_null_a_x ..................... [PASS in 0.0s]",
    "3 of 3 START test unique_a_x ................. [RUN]",
    "3 of 3 FAIL 2 unique_a_x ..................... [FAIL 2 in 0.0s]",
]


def run_with_display(tmp_path: Path) -> tuple[Path, bool]:
    import dagster as dg

    from pipelines.ingest.load import LoadOutcome
    from pipelines.progress import file_read, progress_display

    @dg.asset(key=["raw", "tax"])
    def raw__tax(context):
        outcome = LoadOutcome("tax", "2019-11", "loaded", "tax_201911.csv", rows_read=120)
        context.log.info(outcome.summary(), extra=file_read(outcome))

    @dg.asset(deps=[raw__tax])
    def warehouse_models():
        for line in DBT_LINES:
            print(line)
        raise RuntimeError("dbt build failed: 1 test")

    job = dg.define_asset_job("j", selection="*")
    defs = dg.Definitions(assets=[raw__tax, warehouse_models], jobs=[job])
    paths = Paths.from_env()
    with dg.instance_for_test() as instance, progress_display(paths) as display:
        result = (
            defs.resolve_job_def("j")
            .with_logger_defs(display.loggers)
            .execute_in_process(
                instance=instance, run_config=display.run_config, raise_on_error=False
            )
        )
    return display.log_file, result.success


@pytest.mark.parametrize("terminal", ["pipe", "terminal", "terminal, NO_COLOR"])
def test_the_display_counts_files_and_dbt_nodes_in_colour_only_on_a_terminal(
    tmp_path, monkeypatch, capsys, terminal
):
    monkeypatch.setenv("PARKS_HOME", str(tmp_path))
    for name in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(name, raising=False)
    if terminal != "pipe":
        monkeypatch.setenv("FORCE_COLOR", "1")  # what rich sees on a terminal
    if "NO_COLOR" in terminal:
        monkeypatch.setenv("NO_COLOR", "1")
    log, success = run_with_display(tmp_path)
    shown = capsys.readouterr()
    terminal_text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", shown.err)
    colour = re.compile(r"\x1b\[[0-9;]*m")
    assert not success and shown.out == ""
    assert bool(colour.search(shown.err)) == (terminal == "terminal")
    if terminal == "pipe":
        assert not ANSI.search(shown.err)
    assert f"日志 / log: {log}" in terminal_text
    assert "1 file, 120 rows" in terminal_text
    assert "3/3 models, seeds, tests, 1 failed" in terminal_text
    assert "dbt: 3 of 3 FAIL 2 unique_a_x" in terminal_text
    assert "warehouse_models failed: RuntimeError: dbt build failed: 1 test" in terminal_text
    assert "START" not in terminal_text and "tax_201911.csv" not in terminal_text
    detail = log.read_text(encoding="utf-8")
    assert log.parent == tmp_path / "logs"
    assert "tax_201911.csv: 0 of 120 rows loaded" in detail
    for line in DBT_LINES:
        assert f"OUTPUT  warehouse_models: {line}\n" in detail
    assert 'Started execution of step "raw__tax"' in detail
    assert "RuntimeError: dbt build failed: 1 test\n" in detail and "Stack Trace:" in detail
