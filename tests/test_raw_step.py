"""The raw step: one Dagster step loads every selected kind's months, each kind materialized with
its own outcome metadata."""

import logging

import dagster as dg
import duckdb
from test_load import _output_landing

from pipelines.defs.raw import landing_folder, raw_extracts


def test_a_selection_of_kinds_loads_those_kinds_only_each_with_its_metadata(tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    landing.mkdir()
    _output_landing(landing)  # register, tax and output of 2019-01 and 2019-02
    monkeypatch.setenv("PARKS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PARKS_LANDING", str(landing))
    for name in ("PARKS_WAREHOUSE", "PARKS_BUILD_WAREHOUSE", "PARKS_ARCHIVE", "DAGSTER_HOME"):
        monkeypatch.delenv(name, raising=False)
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize(
        [landing_folder, raw_extracts],
        selection=["landing_folder", "raw/tax", "raw/output"],
        instance=instance,
        tags={
            "dagster/asset_partition_range_start": "2019-01",
            "dagster/asset_partition_range_end": "2019-02",
        },
    )
    assert result.success
    done = {
        (m.asset_key.to_user_string(), m.partition): m.metadata
        for m in (e.materialization for e in result.get_asset_materialization_events())
    }
    assert sorted(done) == [
        ("landing_folder", None),
        *((kind, month) for kind in ("raw/output", "raw/tax") for month in ("2019-01", "2019-02")),
    ]
    tax, output = done["raw/tax", "2019-02"], done["raw/output", "2019-02"]
    assert tax["months"].value == output["months"].value == "2019-01, 2019-02"
    assert (tax["rows_read"].value, tax["rows_loaded"].value) == (2, 2)
    assert (output["rows_read"].value, output["rows_loaded"].value) == (4, 4)  # no register
    files_read = [  # each file's line, as the per-kind steps logged it, in the order loaded
        (e.step_key, e.user_message)
        for e in instance.all_logs(result.run_id)
        if e.level == logging.INFO and "rows loaded" in e.user_message
    ]
    assert files_read == [
        ("raw__extracts", f"{name}: {n} of {n} rows loaded, 0 set aside")
        for name, n in (
            ("tax_201901.csv", 1),
            ("output_201901.csv", 2),
            ("tax_201902.csv", 1),
            ("output_201902.csv", 2),
        )
    ]
    with duckdb.connect(str(tmp_path / "home" / "build" / "warehouse.duckdb")) as con:
        assert con.execute("select distinct kind from meta.loads order by 1").fetchall() == [
            ("output",),
            ("tax",),
        ]
