"""The landing sensor asks for a run exactly when a file is new or revised; the schedule is monthly."""

import warnings

import dagster as dg
import pytest

warnings.filterwarnings("ignore", module="dagster")

from pipelines.definitions import defs  # noqa: E402

RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


@pytest.fixture
def landing(tmp_path, monkeypatch):
    folder = tmp_path / "landing"
    folder.mkdir()
    monkeypatch.setenv("PARKS_HOME", str(tmp_path))
    monkeypatch.setenv("PARKS_LANDING", str(folder))
    return folder


def evaluate(cursor=None):
    sensor = defs.resolve_sensor_def("landing_sensor")
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


def test_attainment_schedule_runs_monthly_on_the_marts():
    schedule = defs.resolve_schedule_def("monthly_attainment")
    assert schedule.cron_schedule == "0 6 10 * *"
    assert schedule.execution_timezone == "Asia/Shanghai"
    job = defs.resolve_job_def(schedule.job_name)
    keys = {k.to_user_string() for k in job.asset_layer.executable_asset_keys}
    assert "marts/fct_enterprise_year" in keys and not any(k.startswith("raw/") for k in keys)
