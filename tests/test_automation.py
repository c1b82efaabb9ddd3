"""The landing sensor asks for a run exactly when a file is new or revised; the schedule is monthly."""

import datetime as dt
import os
import shutil
import warnings

import dagster as dg
import duckdb
import pytest

warnings.filterwarnings("ignore", module="dagster")

from pipelines.config import Paths  # noqa: E402
from pipelines.definitions import defs  # noqa: E402
from pipelines.generate import generate  # noqa: E402
from pipelines.ingest.landing import scan  # noqa: E402
from pipelines.ingest.load import ensure_tables, load_month  # noqa: E402
from schemas import SCHEMAS  # noqa: E402

RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


@pytest.fixture
def landing(tmp_path, monkeypatch):
    folder = tmp_path / "landing"
    folder.mkdir()
    monkeypatch.setenv("PARKS_HOME", str(tmp_path))
    monkeypatch.setenv("PARKS_LANDING", str(folder))
    for name in ("PARKS_WAREHOUSE", "PARKS_BUILD_WAREHOUSE", "PARKS_ARCHIVE"):
        monkeypatch.delenv(name, raising=False)
    return folder


def evaluate(cursor=None):
    sensor = defs().resolve_sensor_def("landing_sensor")
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(instance=instance, cursor=cursor)
        result = sensor.evaluate_tick(context)
        return result.run_requests, result.skip_message, result.cursor


def test_sensor_requests_one_run_for_the_months_that_changed(landing):
    (landing / "tax_201803.csv").write_text("x")
    (landing / "employment_201805.csv").write_text("x")
    (landing / "notes.txt").write_text("not an extract")
    requests, _, cursor = evaluate()
    assert len(requests) == 1
    assert (requests[0].tags[RANGE_START], requests[0].tags[RANGE_END]) == ("2018-03", "2018-05")

    requests, skip, cursor = evaluate(cursor)
    assert requests == [] and "no new or revised extract" in skip

    (landing / "tax_201803_v2.csv").write_text("revised")
    requests, _, _ = evaluate(cursor)
    assert [(r.tags[RANGE_START], r.tags[RANGE_END]) for r in requests] == [("2018-03", "2018-03")]


def test_sensor_requests_a_run_for_a_file_rewritten_in_place(landing):
    """A clerk saves a corrected file over the old one: same name, same size, a new content and
    modification time. The month is loaded again."""
    tax = landing / "tax_201803.csv"
    tax.write_text("first")
    (landing / "tax_201804.csv").write_text("x")
    _, _, cursor = evaluate()
    tax.write_text("fixed")  # as long as before: only the modification time tells
    stamp = tax.stat().st_mtime_ns + 10**9
    os.utime(tax, ns=(stamp, stamp))
    requests, _, _ = evaluate(cursor)
    assert [(r.tags[RANGE_START], r.tags[RANGE_END]) for r in requests] == [("2018-03", "2018-03")]


def load_months(paths: Paths, months: list[str]) -> None:
    """Load every kind of these months into the build, as a run's raw assets do."""
    paths.build.parent.mkdir(parents=True, exist_ok=True)
    landing = scan(paths.landing)
    with duckdb.connect(str(paths.build)) as con:
        ensure_tables(con)
        for month in months:
            period = dt.datetime.strptime(month, "%Y-%m").date()
            for kind in SCHEMAS:
                load_month(con, landing, kind, period, paths.archive)


@pytest.mark.parametrize("where", ["build only", "publication"])
def test_a_new_sensor_does_not_reload_the_months_meta_loads_holds(landing, where):
    """A new Dagster home (`make dev` on a warehouse built by `parks run`) has no sensor cursor:
    the files meta.loads lists under their name, size and modification time are not new, so the
    first tick asks for the month that has a file not loaded, not for every month."""
    generate(landing, enterprises=20, start="2019-11", end="2020-01", seed=3, mess=0.0)
    paths = Paths.from_env()
    # 2019-01: the yearly indicators_2019.csv, loaded as the January of its year
    load_months(paths, ["2019-01", "2019-11", "2019-12"])
    if where == "publication":  # and a build that a run holds, being written
        shutil.copyfile(paths.build, paths.warehouse)
        writer = duckdb.connect(str(paths.build))
    else:
        writer = None
    requests, _, cursor = evaluate()
    assert [(r.tags[RANGE_START], r.tags[RANGE_END]) for r in requests] == [("2020-01", "2020-01")]

    # a file loaded before but changed since is new again
    tax = landing / "tax_201911.csv"
    stamp = tax.stat().st_mtime_ns + 10**9
    os.utime(tax, ns=(stamp, stamp))
    requests, _, _ = evaluate()
    assert [(r.tags[RANGE_START], r.tags[RANGE_END]) for r in requests] == [("2019-11", "2020-01")]
    # with a cursor, the files it holds decide, not meta.loads
    requests, skip, _ = evaluate(cursor)
    assert [(r.tags[RANGE_START], r.tags[RANGE_END]) for r in requests] == [("2019-11", "2019-11")]
    if writer:
        writer.close()


def test_sensor_and_schedule_are_running_by_default():
    """`make dev` starts them with no click in the UI: a new landing file loads by itself and the
    marts are rebuilt every month."""
    sensor = defs().resolve_sensor_def("landing_sensor")
    schedule = defs().resolve_schedule_def("monthly_attainment")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING


def test_attainment_schedule_runs_monthly_on_the_marts():
    schedule = defs().resolve_schedule_def("monthly_attainment")
    assert schedule.cron_schedule == "0 6 10 * *"
    assert schedule.execution_timezone == "Asia/Shanghai"
    job = defs().resolve_job_def(schedule.job_name)
    keys = {k.to_user_string() for k in job.asset_layer.executable_asset_keys}
    assert "marts/fct_enterprise_year" in keys and not any(k.startswith("raw/") for k in keys)
