"""Real deliveries: a refused revision never empties a month, every file that does not count is
named with the reason and what to do, `parks run` says it with its exit status, and a run with
nothing new does nothing."""

import datetime as dt
import logging
import os
from pathlib import Path

import duckdb
import pytest
from test_load import REG_HEADER, TAX_HEADER, A, B, C, write

from pipelines.config import Paths
from pipelines.ingest.landing import name_problem, parse_name, scan
from pipelines.ingest.load import ensure_tables, load_month
from pipelines.terminal import cell_len

DECEMBER = dt.date(2020, 12, 1)
MARCH = dt.date(2018, 3, 1)
REG_ROWS = [
    f"{A},西藏雪域藏药有限公司,经开区,2740,存续,2015-01-01,100,否,否,否,",
    f"{B},拉萨高原饮品有限公司,经开区,1512,存续,2016-05-05,200,是,否,否,新三板",
]
BAD_HEADER = REG_HEADER.replace("企业名称", "公司名称")  # refused whole: a column is missing


def load(env, kind="registration", period=DECEMBER):
    landing, archive, con = env
    return load_month(con, scan(landing), kind, period, archive)


def loads(con) -> list[tuple]:
    return con.execute("select file_name, status from meta.loads order by file_name").fetchall()


def registered(con) -> list[tuple]:
    return con.execute("select uscc, _source_file from raw.registration order by uscc").fetchall()


def _never_read(path: Path, *_: object) -> str:
    raise AssertionError(f"{path.name} was read again")


# ------------------------------------------------------------ a refused revision never empties


def test_a_refused_revision_arriving_with_the_first_leaves_the_first_loaded(env, monkeypatch):
    import pipelines.ingest.load as loader

    landing, _, con = env
    write(landing, "registration_202012.csv", [REG_HEADER, *REG_ROWS])
    write(landing, "registration_202012_v2.csv", [BAD_HEADER, *REG_ROWS])
    outcome = load(env)
    assert (outcome.status, outcome.file_name) == ("loaded", "registration_202012.csv")
    assert [n.file_name for n in outcome.refused] == ["registration_202012_v2.csv"]
    assert "missing column(s) 企业名称" in outcome.refused[0].message
    assert registered(con) == [(A, "registration_202012.csv"), (B, "registration_202012.csv")]
    assert loads(con) == [
        ("registration_202012.csv", "loaded"),
        ("registration_202012_v2.csv", "file_rejected"),
    ]
    # The next run reads neither file again, and the month stays as it is.
    monkeypatch.setattr(loader, "checksum", _never_read)
    again = load(env)
    assert again.status == "file_rejected"
    assert again.message.endswith("(the month keeps registration_202012.csv, loaded before)")
    assert registered(con) == [(A, "registration_202012.csv"), (B, "registration_202012.csv")]
    assert loads(con) == [
        ("registration_202012.csv", "loaded"),
        ("registration_202012_v2.csv", "file_rejected"),
    ]


def test_the_quality_check_sees_a_refused_revision_though_a_lower_one_loaded_after_it(
    env, tmp_path, monkeypatch
):
    from pipelines.defs.checks import evaluate_no_file_rejected

    landing, _, con = env
    write(landing, "registration_202012.csv", [REG_HEADER, *REG_ROWS])
    write(landing, "registration_202012_v2.csv", [BAD_HEADER, *REG_ROWS])
    load(env)
    con.close()
    monkeypatch.setenv("PARKS_BUILD_WAREHOUSE", str(tmp_path / "w.duckdb"))
    verdict = evaluate_no_file_rejected("registration")
    assert not verdict.passed
    assert "registration_202012_v2.csv" in verdict.metadata["rejected_files"].value


def test_a_revision_refused_after_the_first_was_loaded_keeps_the_first(env):
    landing, _, con = env
    write(landing, "registration_202012.csv", [REG_HEADER, *REG_ROWS])
    assert load(env).status == "loaded"
    write(landing, "registration_202012_v2.csv", [BAD_HEADER, REG_ROWS[0]])
    outcome = load(env)
    assert outcome.status == "file_rejected"
    assert registered(con) == [(A, "registration_202012.csv"), (B, "registration_202012.csv")]
    assert loads(con) == [
        ("registration_202012.csv", "loaded"),
        ("registration_202012_v2.csv", "file_rejected"),
    ]
    assert con.execute("select count(*) from meta.revision_changes").fetchone() == (0,)


def test_the_highest_revision_that_loads_counts_the_ones_below_are_superseded(env):
    landing, _, con = env
    write(landing, "registration_202012.csv", [REG_HEADER, REG_ROWS[0]])
    write(landing, "registration_202012_v2.csv", [REG_HEADER, *REG_ROWS])
    write(landing, "registration_202012_v3.csv", [BAD_HEADER, *REG_ROWS])
    outcome = load(env)
    assert (outcome.status, outcome.file_name) == ("loaded", "registration_202012_v2.csv")
    assert outcome.superseded == ["registration_202012.csv"]
    assert registered(con) == [(A, "registration_202012_v2.csv"), (B, "registration_202012_v2.csv")]
    assert con.execute(
        "select file_name, status, message from meta.loads where status <> 'file_rejected' "
        "order by file_name"
    ).fetchall() == [
        (
            "registration_202012.csv",
            "superseded",
            "registration_202012_v2.csv, a higher revision of this month, counts",
        ),
        ("registration_202012_v2.csv", "loaded", None),
    ]
    assert ("registration_202012_v3.csv", "file_rejected") in loads(con)
    assert load(env).status == "file_rejected"  # v3 still refused, v2 still counts
    assert registered(con) == [(A, "registration_202012_v2.csv"), (B, "registration_202012_v2.csv")]


def test_a_revision_once_superseded_without_counting_loads_when_the_higher_one_never_did(env):
    """What an earlier release left: the valid first file marked superseded beside a refused
    revision, and the month empty. The next run loads the first file."""
    landing, archive, con = env
    write(landing, "registration_202012.csv", [REG_HEADER, *REG_ROWS])
    write(landing, "registration_202012_v2.csv", [BAD_HEADER, *REG_ROWS])
    load(env)
    con.execute("delete from raw.registration")
    con.execute(
        "update meta.loads set status = 'superseded', loaded_at = null "
        "where file_name = 'registration_202012.csv'"
    )
    assert load(env).status == "loaded"
    assert registered(con) == [(A, "registration_202012.csv"), (B, "registration_202012.csv")]
    assert loads(con) == [
        ("registration_202012.csv", "loaded"),
        ("registration_202012_v2.csv", "file_rejected"),
    ]


# ---------------------------------------------------------------------------------- file names


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("tax_201803_v0.csv", "_v0 is not a revision"),
        ("tax_２０１８０３.csv", "full-width characters in the name: rename it tax_201803.csv"),
        ("tax_201803_v２.csv", "full-width characters in the name: rename it tax_201803_v2.csv"),
        ("tax_201813.csv", "month 13 does not exist"),
        ("taxes_201803.csv", "kind 'taxes' unknown; did you mean tax?"),
        ("registraton_201803.csv", "kind 'registraton' unknown; did you mean registration?"),
        ("tax_201803.xls", "extension .xls: save it as CSV UTF-8 (.csv) or Excel workbook"),
        ("tax_201803.txt", "extension .txt"),
        ("~$tax_201803.xlsx", "an Excel lock file"),
    ],
)
def test_a_name_that_is_no_extract_says_why(name, why):
    assert parse_name(Path(name)) is None
    assert why in name_problem(name)


def test_the_same_revision_twice_is_named_and_other_months_and_kinds_still_load(env):
    landing, _, con = env
    write(landing, "tax_201803.csv", [TAX_HEADER, f"{A},2018-03,1,1,0,2"])
    write(landing, "tax_201803_v1.csv", [TAX_HEADER, f"{B},2018-03,1,1,0,2"])
    write(landing, "tax_201804.csv", [TAX_HEADER, f"{C},2018-04,1,1,0,2"])
    outcome = load(env, "tax", MARCH)
    assert outcome.status == "file_rejected"
    assert outcome.message == (
        "tax_201803.csv, tax_201803_v1.csv: revision 1 of tax 2018-03 arrived twice (a name "
        "without _v<N> is revision 1); neither is read: remove all but one from the landing "
        "folder and run again"
    )
    assert "CSV" not in outcome.message
    assert load(env, "tax", dt.date(2018, 4, 1)).status == "loaded"
    # Neither is recorded: once one is removed, the other loads.
    assert loads(con) == [("tax_201804.csv", "loaded")]
    (landing / "tax_201803_v1.csv").unlink()
    assert load(env, "tax", MARCH).status == "loaded"


def test_entries_skipped_for_safety_are_named_with_the_reason(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    (tmp_path / "outside.csv").write_bytes(b"x")
    (landing / "tax_201803_v5.csv").symlink_to(tmp_path / "outside.csv")
    (landing / ".tax_201803_v6.csv").write_bytes(b"x")
    (landing / "2018-03").mkdir()
    (landing / "tax_201803.csv").write_bytes(b"x")
    found = scan(landing)
    assert [f.path.name for f in found.extracts] == ["tax_201803.csv"]
    why = {s.path.name: s.reason for s in found.skipped}
    assert set(why) == {"tax_201803_v5.csv", ".tax_201803_v6.csv", "2018-03"}
    assert why["tax_201803_v5.csv"].startswith("a symbolic link")
    assert why[".tax_201803_v6.csv"].startswith("a hidden file")
    assert why["2018-03"].startswith("a sub-folder")


# ------------------------------------------------------------------------- the run's summary


def paths_of(tmp_path: Path) -> Paths:
    return Paths(
        home=tmp_path,
        landing=tmp_path / "landing",
        warehouse=tmp_path / "published.duckdb",
        public=tmp_path / "public.duckdb",
        build=tmp_path / "w.duckdb",
        archive=tmp_path / "archive",
        dagster=tmp_path / "dagster",
        reports=tmp_path / "reports",
        dbt=tmp_path / "dbt",
        logs=tmp_path / "logs",
    )


def test_the_summary_names_every_file_not_loaded_with_why_and_what_to_do(env, tmp_path):
    from pipelines.run_summary import FAILED, PUBLISHED, collect, exit_status

    landing, _, con = env
    write(landing, "registration_202012.csv", [REG_HEADER, *REG_ROWS])
    write(landing, "registration_202012_v2.csv", [BAD_HEADER, *REG_ROWS])
    write(landing, "tax_201803.csv", [TAX_HEADER, f"{A},2018-03,1,1,0,2"])
    write(landing, "tax_201803_v1.csv", [TAX_HEADER, f"{A},2018-03,1,1,0,2"])
    write(landing, "tax_201804.csv", [TAX_HEADER, f"{A},2018-04,1,1,0,2"])
    write(landing, "tax_201804_v2.csv", [TAX_HEADER, f"{A},2018-04,2,1,0,3"])
    write(landing, "taxes_201805.csv", [TAX_HEADER])
    write(landing, "tax_２０１８０７.csv", [TAX_HEADER])
    (landing / "old").mkdir()
    (landing / "tax_201806.csv").symlink_to(tmp_path / "w.duckdb")
    load(env)
    for month in (3, 4):
        load(env, "tax", dt.date(2018, month, 1))
    con.close()  # the summary reads the build as `parks run` does after its run: read-only

    summary = collect(scan(landing), paths_of(tmp_path))

    got = {e.file_name: (e.status, e.reason, e.fix) for e in summary.entries}
    assert {name: status for name, (status, _, _) in got.items()} == {
        "registration_202012_v2.csv": "file_rejected",
        "tax_201803.csv": "same_revision_twice",
        "tax_201803_v1.csv": "same_revision_twice",
        "taxes_201805.csv": "not_an_extract",
        "tax_２０１８０７.csv": "not_an_extract",
        "old": "skipped",
        "tax_201806.csv": "skipped",
    }
    _, why, fix = got["registration_202012_v2.csv"]
    assert "missing column(s) 企业名称" in why
    assert fix == (
        "correct it and deliver it as registration_202012_v3.csv; registration 2020-12 "
        "meanwhile keeps registration_202012.csv"
    )
    assert "arrived twice" in got["tax_201803.csv"][1]
    assert got["tax_201803.csv"][2] == (
        "remove all but one of them; tax 2018-03 meanwhile has no data"
    )
    assert got["taxes_201805.csv"][1] == "kind 'taxes' unknown; did you mean tax?"
    assert got["old"][1].startswith("a sub-folder")
    assert got["tax_201806.csv"][1].startswith("a symbolic link")
    assert summary.superseded == ["tax_201804.csv"]
    text = summary.render()
    for name in [*got, "tax_201804.csv"]:
        assert name in text
    # At 80 columns: the long header message wrapped, the statuses aligned after the names
    # (a full-width digit takes two columns).
    lines = summary.render(width=80).splitlines()
    assert all(cell_len(line) <= 80 for line in lines[1:]), lines
    status_at = {
        cell_len(line[: line.index(label)])
        for line in lines
        for label in ("refused", "same revision twice", "not an extract", "never read")
        if line.startswith("  ") and not line.startswith("      ") and label in line
    }
    assert len(status_at) == 1, lines
    assert exit_status(PUBLISHED, summary) == 3
    assert exit_status(FAILED, summary) == 1


def test_a_file_the_run_never_reached_is_listed_as_not_read(env, tmp_path):
    from pipelines.run_summary import PUBLISHED, collect, exit_status

    landing, _, con = env
    write(landing, "tax_201803.csv", [TAX_HEADER, f"{A},2018-03,1,1,0,2"])
    write(landing, "tax_201804.csv", [TAX_HEADER, f"{A},2018-04,1,1,0,2"])
    load(env, "tax", MARCH)
    con.close()
    summary = collect(scan(landing), paths_of(tmp_path))
    assert [(e.file_name, e.status) for e in summary.entries] == [("tax_201804.csv", "not_read")]
    (landing / "tax_201804.csv").unlink()
    summary = collect(scan(landing), paths_of(tmp_path))
    assert summary.entries == [] and exit_status(PUBLISHED, summary) == 0
    assert summary.render() == f"Run summary: every file in {landing} counts."


# ------------------------------------------------------------------------------ `parks run`


@pytest.fixture
def published(tmp_path, monkeypatch):
    """A landing folder, its build (files loaded, a dbt build of this project recorded) and the
    publication of that build, as a completed `parks run` leaves them, without running dbt."""
    from pipelines.dbt_builds import project_fingerprint, record_build

    paths = paths_of(tmp_path)
    for name, value in {
        "PARKS_HOME": paths.home,
        "PARKS_LANDING": paths.landing,
        "PARKS_WAREHOUSE": paths.warehouse,
        "PARKS_PUBLIC_WAREHOUSE": paths.public,
        "PARKS_BUILD_WAREHOUSE": paths.build,
        "PARKS_ARCHIVE": paths.archive,
        "DAGSTER_HOME": tmp_path / "dagster",
    }.items():
        monkeypatch.setenv(name, str(value))
    monkeypatch.delenv("PARKS_FULL_REFRESH", raising=False)
    monkeypatch.delenv("PARKS_VERIFY_CHECKSUMS", raising=False)
    paths.landing.mkdir()
    write(paths.landing, "tax_201803.csv", [TAX_HEADER, f"{A},2018-03,1,1,0,2"])
    with duckdb.connect(str(paths.build)) as con:
        ensure_tables(con)
        load_month(con, scan(paths.landing), "tax", MARCH, paths.archive)
        con.execute("create schema marts; create table marts.t as select 1 as one")
    record_build(paths.build, project_fingerprint(), None)
    paths.warehouse.write_bytes(paths.build.read_bytes())
    duckdb.connect(str(paths.public)).close()  # published beside it (its content is not read)
    return paths


def no_dagster(*args, **kwargs):
    raise AssertionError("Dagster was started")


def test_a_run_with_nothing_new_rebuilds_and_publishes_nothing(published, monkeypatch, capsys):
    import pipelines.cli as cli

    monkeypatch.setattr(cli, "dagster_instance", no_dagster)
    before = published.warehouse.stat()
    assert cli.main(["run"]) == 0
    out, err = capsys.readouterr()
    assert "nothing new" in err and "nothing rebuilt, nothing published" in err
    assert out == ""
    after = published.warehouse.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)

    # A file that is no extract is still named, and the status says not everything counts.
    (published.landing / "notes.txt").write_text("call the bureau", encoding="utf-8")
    assert cli.main(["run"]) == 3
    out, _ = capsys.readouterr()
    assert out.splitlines()[0].startswith("Run summary: 1 file(s)")
    assert "notes.txt" in out

    # Nor does a revision delivered twice: nothing can be loaded until one is removed.
    write(published.landing, "tax_201804.csv", [TAX_HEADER, f"{A},2018-04,1,1,0,2"])
    write(published.landing, "tax_201804_v1.csv", [TAX_HEADER, f"{A},2018-04,1,1,0,2"])
    assert cli.main(["run"]) == 3
    out, _ = capsys.readouterr()
    assert out.splitlines()[0].startswith("Run summary: 3 file(s)")
    assert "tax_201804_v1.csv" in out


def test_a_run_has_something_to_do_when_a_file_the_project_or_the_publication_changed(
    published, monkeypatch
):
    import pipelines.dbt_builds as dbt_builds
    from pipelines.run_summary import nothing_new

    assert nothing_new(scan(published.landing), published)
    monkeypatch.setenv("PARKS_FULL_REFRESH", "1")
    assert not nothing_new(scan(published.landing), published)
    monkeypatch.delenv("PARKS_FULL_REFRESH")
    with monkeypatch.context() as m:
        m.setattr(dbt_builds, "project_fingerprint", lambda: "a changed model")
        assert not nothing_new(scan(published.landing), published)
    # A month loaded into the build by a run that failed before publishing.
    write(published.landing, "tax_201804.csv", [TAX_HEADER, f"{A},2018-04,1,1,0,2"])
    assert not nothing_new(scan(published.landing), published)
    with duckdb.connect(str(published.build)) as con:
        load_month(con, scan(published.landing), "tax", dt.date(2018, 4, 1), published.archive)
    assert not nothing_new(scan(published.landing), published)
    published.warehouse.write_bytes(published.build.read_bytes())
    assert nothing_new(scan(published.landing), published)
    os.utime(published.landing / "tax_201803.csv", ns=(0, 10**18))  # touched: read again
    assert not nothing_new(scan(published.landing), published)


def test_a_run_with_no_landing_folder_or_no_extract_has_nothing_to_run(
    tmp_path, monkeypatch, capsys
):
    import pipelines.cli as cli

    monkeypatch.setattr(cli, "dagster_instance", no_dagster)
    monkeypatch.setenv("PARKS_HOME", str(tmp_path))
    landing = tmp_path / "landing"
    assert cli.main(["run", "--landing", str(landing)]) == 2
    landing.mkdir()
    write(landing, "tax-2018-03.csv", [TAX_HEADER])
    assert cli.main(["run", "--landing", str(landing)]) == 2
    out, _ = capsys.readouterr()
    assert "tax-2018-03.csv" in out and "not an extract" in out


def test_the_exit_statuses_are_documented():
    from pipelines.run_summary import EXIT_STATUSES

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Exit statuses", 1)[1].split("\n## ", 1)[0]
    for code in EXIT_STATUSES:
        assert f"| {code} |" in section


# ------------------------------------------------------------------ end to end (one dbt build)


def test_parks_run_end_to_end_summary_exit_status_and_a_second_run_with_nothing_new(
    tmp_path, monkeypatch, capsys
):
    """A delivery with a refused revision, a misnamed file and a symbolic link: the run
    publishes, December keeps its first register, each warning is logged by the step that found
    it, the summary is printed last and kept as Dagster metadata, the status is 3; the next run
    has nothing new and starts nothing."""
    import dagster as dg

    import pipelines.cli as cli
    from pipelines.generate import generate

    landing = tmp_path / "landing"
    generate(landing, enterprises=120, start="2020-11", end="2020-12", seed=7, mess=0.0)
    first = (landing / "registration_202012.csv").read_bytes().decode("utf-8-sig")
    header, body = first.split("\n", 1)
    (landing / "registration_202012_v2.csv").write_text(
        header.replace("企业名称", "公司名称") + "\n" + body, encoding="utf-8"
    )
    (landing / "taxes_202012.csv").write_bytes((landing / "tax_202012.csv").read_bytes())
    (landing / "tax_202012_v2.csv").symlink_to(tmp_path / "elsewhere.csv")
    for name in ("PARKS_LANDING", "PARKS_WAREHOUSE", "PARKS_BUILD_WAREHOUSE", "PARKS_ARCHIVE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PARKS_HOME", str(tmp_path))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))

    assert cli.main(["run", "--landing", str(landing), "--log-level", "WARNING"]) == 3
    out = capsys.readouterr().out
    summary = out[out.index("Run summary:") :]
    assert out.rstrip().endswith(summary.rstrip())  # the last thing printed
    assert summary.startswith(f"Run summary: 3 file(s) in {landing} not loaded:")
    for name in ("registration_202012_v2.csv", "taxes_202012.csv", "tax_202012_v2.csv"):
        assert name in summary
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute(
            "select distinct _source_file from raw.registration where period = '2020-12-01'"
        ).fetchall() == [("registration_202012.csv",)]

    instance = dg.DagsterInstance.get()
    (run,) = instance.get_runs(limit=1)
    warnings = {
        (e.step_key, e.user_message.split(":")[0].removeprefix("REJECTED "))
        for e in instance.all_logs(run.run_id)
        if e.level == logging.WARNING and e.step_key
    }
    assert ("landing_folder", "taxes_202012.csv") in warnings
    assert ("landing_folder", "tax_202012_v2.csv") in warnings
    assert ("raw__extracts", "registration_202012_v2.csv") in warnings
    assert not any(name == "taxes_202012.csv" for step, name in warnings if step.startswith("raw"))
    event = instance.get_latest_materialization_event(dg.AssetKey(["run_summary"]))
    metadata = event.asset_materialization.metadata
    assert metadata["not_loaded"].value == 3
    assert "registration_202012_v2.csv" in metadata["summary"].value

    monkeypatch.setattr(cli, "dagster_instance", no_dagster)
    before = warehouse.stat()
    assert cli.main(["run", "--landing", str(landing)]) == 3
    out, err = capsys.readouterr()
    assert "nothing new" in err and out.startswith("Run summary: 3 file(s)")
    assert (warehouse.stat().st_ino, warehouse.stat().st_mtime_ns) == (
        before.st_ino,
        before.st_mtime_ns,
    )
