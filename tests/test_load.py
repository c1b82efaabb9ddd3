"""Loading months into DuckDB: reloads change nothing, revisions replace, bad files load nothing."""

import datetime as dt
import hashlib
import os
import threading
from contextlib import nullcontext
from pathlib import Path

import duckdb
import polars as pl

from pipelines.ingest import load as load_module
from pipelines.ingest.landing import scan
from pipelines.ingest.load import (
    DUCKDB_ROW_GROUP,
    ReadAhead,
    Staging,
    ensure_tables,
    load_in_order,
    load_month,
    load_order,
    prepare,
)
from schemas.headers import HEADERS

MARCH = dt.date(2018, 3, 1)
REG_HEADER = "统一社会信用代码,企业名称,所属园区,行业代码,登记状态,成立日期,注册资本（万元）,高新技术企业,科技型中小企业,科技型领军企业,上市板块"
TAX_HEADER = "统一社会信用代码,所属期,增值税（元）,企业所得税（元）,其他税费（元）,税收合计（元）"
A, B, C = "91350100M000100Y43", "91440300708461136T", "91110000100011743X"


def write(folder: Path, name: str, lines: list[str], encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def load(con, landing, archive, kind, period=MARCH):
    return load_month(con, scan(landing), kind, period, archive)


def snapshot(con) -> dict[str, list]:
    tables = ["raw.registration", "raw.tax", "meta.rejects"]
    state = {
        t: con.execute(f"select * exclude (_loaded_at) from {t} order by all").fetchall()
        for t in tables[:2]
    }
    state["meta.rejects"] = con.execute("select * from meta.rejects order by all").fetchall()
    state["meta.loads"] = con.execute(
        "select file_name, status, sha256, rows_loaded from meta.loads order by all"
    ).fetchall()
    return state


def test_gb18030_register_loads_with_chinese_intact_and_aliases_mapped(env):
    landing, archive, con = env
    write(
        landing,
        "registration_201803.csv",
        [
            REG_HEADER,
            f"{A},西藏雪域藏药有限公司,拉萨经开区,2740,存续,2015-01-01,100,否,否,否,",
            f"{B.lower()} ,拉萨高原绿色饮品有限公司,柳梧新区（高新区）,１５１２,在业,2016/05/05,200,是,否,否,新三板",
        ],
        encoding="gb18030",
    )
    outcome = load(con, landing, archive, "registration")
    assert outcome.status == "loaded" and outcome.rows_loaded == 2, outcome.summary()
    rows = con.execute(
        "select uscc, enterprise_name, park_code, park_name_reported, industry_code "
        "from raw.registration order by uscc"
    ).fetchall()
    assert rows == [
        (A, "西藏雪域藏药有限公司", "JKQ", "拉萨经开区", "2740"),
        (B, "拉萨高原绿色饮品有限公司", "LWXQ", "柳梧新区(高新区)", "1512"),
    ]
    assert con.execute("select encoding from meta.loads").fetchall() == [("gb18030",)]


def test_same_file_twice_changes_nothing(env):
    landing, archive, con = env
    write(landing, "tax_201803.csv", [TAX_HEADER, f"{A},2018-03,1,1,0,2", f"{B},2018-03,5,5,5,99"])
    first = load(con, landing, archive, "tax")
    before = snapshot(con)
    second = load(con, landing, archive, "tax")
    assert (first.status, second.status) == ("loaded", "unchanged")
    assert snapshot(con) == before
    assert con.execute("select count(*) from meta.loads").fetchall() == [(1,)]


def test_revision_replaces_the_month_and_records_what_it_superseded(env):
    landing, archive, con = env
    v1 = write(
        landing, "tax_201803.csv", [TAX_HEADER, f"{A},2018-03,1,1,0,2", f"{B},2018-03,5,5,5,99"]
    )
    load(con, landing, archive, "tax")
    v2 = write(
        landing,
        "tax_201803_v2.csv",
        [TAX_HEADER, f"{A},2018-03,10,10,0,20", f"{C},2018-03,1,0,0,1"],
    )
    outcome = load(con, landing, archive, "tax")
    assert outcome.status == "loaded" and outcome.file_name == "tax_201803_v2.csv"
    rows = con.execute(
        "select uscc, total_tax_yuan::double, _revision from raw.tax order by uscc"
    ).fetchall()
    assert rows == sorted([(A, 20.0, 2), (C, 1.0, 2)])  # B is gone: v2 replaces, never adds
    # What the revision changed, against the rows v1 had loaded (B's row was never loaded).
    changes = con.execute(
        "select file_name, superseded_file_name, record_key, change, column_name, old_value, new_value, "
        "delta from meta.revision_changes order by record_key, column_name"
    ).fetchall()
    v = ("tax_201803_v2.csv", "tax_201803.csv")
    assert changes == sorted(
        [
            (*v, C, "added", None, None, None, None),
            (*v, A, "changed", "corporate_income_tax_yuan", "1.00", "10.00", 9.0),
            (*v, A, "changed", "total_tax_yuan", "2.00", "20.00", 18.0),
            (*v, A, "changed", "vat_yuan", "1.00", "10.00", 9.0),
        ],
        key=lambda r: (r[2], r[4] or ""),
    )
    # The first version's rejects (B's bad total) are gone with it.
    assert con.execute("select count(*) from meta.rejects").fetchall() == [(0,)]
    sha1 = hashlib.sha256(v1.read_bytes()).hexdigest()
    sha2 = hashlib.sha256(v2.read_bytes()).hexdigest()
    loads = con.execute(
        "select file_name, status, superseded_sha256 from meta.loads order by file_name"
    ).fetchall()
    assert loads == [("tax_201803.csv", "superseded", None), ("tax_201803_v2.csv", "loaded", sha1)]
    # Both versions are archived byte for byte under their checksums.
    assert (archive / sha1[:2] / f"{sha1}.csv").read_bytes() == v1.read_bytes()
    assert (archive / sha2[:2] / f"{sha2}.csv").read_bytes() == v2.read_bytes()


def test_unusable_file_loads_nothing_and_says_why(env):
    landing, archive, con = env
    write(
        landing,
        "tax_201803.csv",
        [TAX_HEADER.replace("税收合计（元）", "合计"), f"{A},2018-03,1,1,0,2"],
    )
    outcome = load(con, landing, archive, "tax")
    assert outcome.status == "file_rejected"
    assert "missing column(s) 税收合计（元）" in outcome.message
    assert "unexpected column(s) 合计" in outcome.message
    assert con.execute("select count(*) from raw.tax").fetchall() == [(0,)]
    assert con.execute("select status from meta.loads").fetchall() == [("file_rejected",)]


def test_unusable_revision_keeps_the_previous_version(env):
    landing, archive, con = env
    write(landing, "tax_201803.csv", [TAX_HEADER, f"{A},2018-03,1,1,0,2"])
    load(con, landing, archive, "tax")
    (landing / "tax_201803_v2.csv").write_bytes(b"\xff\x00garbage\x81")
    outcome = load(con, landing, archive, "tax")
    assert outcome.status == "file_rejected"
    assert "cannot be decoded as UTF-8 nor as GB18030" in outcome.message
    assert outcome.message.endswith("(the month keeps tax_201803.csv, loaded before)")
    assert con.execute("select uscc from raw.tax").fetchall() == [(A,)]


def test_wrong_month_inside_the_file_rejects_the_file(env):
    landing, archive, con = env
    write(landing, "tax_201803.csv", [TAX_HEADER, f"{A},2018-04,1,1,0,2", f"{B},2018-04,1,1,0,2"])
    outcome = load(con, landing, archive, "tax")
    assert outcome.status == "file_rejected"
    assert "the file name says 2018-03 but its 所属期 is mostly 2018-04" in outcome.message


def test_rejected_rows_are_traced_and_good_rows_load(env):
    landing, archive, con = env
    write(
        landing,
        "tax_201803.csv",
        [
            TAX_HEADER,
            f"{A},2018-03,1,1,0,2",
            f"{A[:-1]}4,2018-03,1,1,0,2",  # wrong check character
            f"{B},2018-03,5,5,5,99",  # total does not add up
        ],
    )
    outcome = load(con, landing, archive, "tax")
    assert (outcome.rows_read, outcome.rows_loaded, outcome.rows_rejected) == (3, 1, 2)
    rejects = con.execute(
        "select file_name, row_number, column_name, rule_id, value from meta.rejects order by row_number"
    ).fetchall()
    assert rejects == [
        ("tax_201803.csv", 3, "统一社会信用代码", "TAX-USCC-CHECK", f"{A[:-1]}4"),
        ("tax_201803.csv", 4, "税收合计（元）", "TAX-TOTAL-SUM", "99"),
    ]
    assert con.execute("select uscc, _source_file, _source_row from raw.tax").fetchall() == [
        (A, "tax_201803.csv", 2)
    ]


def test_revision_changes_removed_added_and_every_kind_of_cell(env):
    """What a revision changed, cell by cell: texts, codes (a number too), dates, flags,
    decimals, and values that appear or disappear (null)."""
    landing, archive, con = env
    D = "91540100000000019P"
    v1 = {
        A: f"{A},西藏雪域藏药有限公司,经开区,2740,存续,2015-01-01,100,否,否,否,",
        B: f"{B},拉萨高原饮品有限公司,经开区,1512,存续,2016-05-05,200,是,否,否,新三板",
        C: f"{C},拉萨某某有限公司,经开区,2740,存续,2015-01-01,1,否,否,否,",
    }
    v2 = {
        A: f"{A},西藏雪域藏药股份有限公司,柳梧新区,2740,存续,2015-01-01,100.5,是,否,否,主板",
        B: f"{B},拉萨高原饮品有限公司,经开区,1521,存续,2016-05-06,200,是,否,否,",
        D: f"{D},拉萨新设有限公司,经开区,2740,存续,2018-03-01,1,否,否,否,",
    }
    write(landing, "registration_201803.csv", [REG_HEADER, *v1.values()])
    assert load(con, landing, archive, "registration").rows_loaded == 3
    write(landing, "registration_201803_v2.csv", [REG_HEADER, *v2.values()])
    outcome = load(con, landing, archive, "registration")
    assert (outcome.status, outcome.rows_loaded) == ("loaded", 3)
    changes = con.execute(
        "select kind, period, file_name, superseded_file_name, record_key, change, column_name, "
        "old_value, new_value, delta from meta.revision_changes "
        "order by record_key, change, column_name"
    ).fetchall()
    v = ("registration", MARCH, "registration_201803_v2.csv", "registration_201803.csv")
    assert changes == sorted(
        [
            (
                *v,
                A,
                "changed",
                "enterprise_name",
                "西藏雪域藏药有限公司",
                "西藏雪域藏药股份有限公司",
                None,
            ),
            (*v, A, "changed", "is_high_tech", "false", "true", None),
            (*v, A, "changed", "listing_board", None, "主板", None),
            (*v, A, "changed", "park_code", "JKQ", "LWXQ", None),
            (*v, A, "changed", "park_name_reported", "经开区", "柳梧新区", None),
            (*v, A, "changed", "registered_capital_10k", "100.000000", "100.500000", 0.5),
            (*v, B, "changed", "established_on", "2016-05-05", "2016-05-06", None),
            (*v, B, "changed", "industry_code", "1512", "1521", 9.0),
            (*v, B, "changed", "listing_board", "新三板", None, None),
            (*v, C, "removed", None, None, None, None),
            (*v, D, "added", None, None, None, None),
        ],
        key=lambda r: (r[4], r[5], r[6] or ""),
    )
    replaced_at = con.execute("select distinct replaced_at from meta.revision_changes").fetchall()
    loaded_at = con.execute(
        "select loaded_at from meta.loads where file_name = 'registration_201803_v2.csv'"
    ).fetchall()
    assert replaced_at == loaded_at


def _never_read(path: Path, *_: object) -> str:
    raise AssertionError(f"{path.name} was read again")


def test_unchanged_file_is_recognized_by_name_size_and_time_without_reading_it(env, monkeypatch):
    import pipelines.ingest.load as loader

    landing, archive, con = env
    path = write(landing, "tax_201803.csv", [TAX_HEADER, f"{A},2018-03,1,1,0,2"])
    assert load(con, landing, archive, "tax").status == "loaded"
    recorded = con.execute("select modified_at, size_bytes from meta.loads").fetchall()
    stat = path.stat()
    expected = dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=stat.st_mtime_ns // 1000)
    assert recorded == [(expected, stat.st_size)]
    monkeypatch.setattr(loader, "checksum", _never_read)
    assert load(con, landing, archive, "tax").status == "unchanged"

    # Touched (a copy, a restore): read once more, recognized by its checksum, time recorded.
    monkeypatch.undo()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    assert load(con, landing, archive, "tax").status == "unchanged"
    monkeypatch.setattr(loader, "checksum", _never_read)
    assert load(con, landing, archive, "tax").status == "unchanged"
    assert con.execute("select count(*) from meta.loads").fetchone() == (1,)


def test_a_new_file_is_read_once_from_the_landing_folder_to_be_hashed_and_archived(
    env, monkeypatch
):
    """Hashing and archiving are one read of the landing file; every later pass reads the copy,
    which holds exactly the bytes of the checksum. A file the archive holds already (the same
    bytes under another name) leaves no second copy and no temporary file."""
    landing, archive, con = env
    reads = []
    chunks = load_module._chunks
    monkeypatch.setattr(load_module, "_chunks", lambda path: reads.append(path) or chunks(path))
    content = [TAX_HEADER, f"{A},2018-03,1,1,0,2"]
    path = write(landing, "tax_201803.csv", content)
    assert load(con, landing, archive, "tax").status == "loaded"
    assert reads == [path]
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    kept = archive / sha[:2] / f"{sha}.csv"
    assert kept.read_bytes() == path.read_bytes()

    path.unlink()
    again = write(landing, "tax_201803_v2.csv", content)  # the same bytes, a revision's name
    assert load(con, landing, archive, "tax").status == "loaded"
    assert reads == [path, again]
    assert sorted(p.relative_to(archive) for p in archive.rglob("*") if p.is_file()) == [
        kept.relative_to(archive)
    ]


def test_content_changed_under_the_same_name_and_size_is_loaded(env, monkeypatch):
    landing, archive, con = env
    path = write(landing, "tax_201803.csv", [TAX_HEADER, f"{A},2018-03,1,1,0,2"])
    assert load(con, landing, archive, "tax").status == "loaded"
    stat = path.stat()
    write(landing, "tax_201803.csv", [TAX_HEADER, f"{A},2018-03,2,1,0,3"])  # same size
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1000))
    assert load(con, landing, archive, "tax").status == "loaded"
    assert con.execute("select total_tax_yuan from raw.tax").fetchall() == [(3,)]

    # Rewritten with its old modification time put back: trusted unless checksums are verified.
    write(landing, "tax_201803.csv", [TAX_HEADER, f"{A},2018-03,3,1,0,4"])
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1000))
    assert load(con, landing, archive, "tax").status == "unchanged"
    monkeypatch.setenv("PARKS_VERIFY_CHECKSUMS", "1")
    assert load(con, landing, archive, "tax").status == "loaded"
    assert con.execute("select total_tax_yuan from raw.tax").fetchall() == [(4,)]


def test_files_listed_by_an_earlier_release_are_read_once_more_then_recognized(env, monkeypatch):
    import pipelines.ingest.load as loader

    landing, archive, con = env
    write(landing, "tax_201803.csv", [TAX_HEADER, f"{A},2018-03,1,1,0,2"])
    assert load(con, landing, archive, "tax").status == "loaded"
    con.execute("alter table meta.loads drop column modified_at")  # as an earlier release left it
    ensure_tables(con)
    assert con.execute("select modified_at from meta.loads").fetchall() == [(None,)]
    assert load(con, landing, archive, "tax").status == "unchanged"
    monkeypatch.setattr(loader, "checksum", _never_read)
    assert load(con, landing, archive, "tax").status == "unchanged"


def test_months_to_load_are_the_months_with_files_not_loaded_before(env, monkeypatch):
    from pipelines.ingest.load import months_to_load

    landing, archive, con = env
    build = Path(
        con.execute("select path from duckdb_databases() where database_name = 'w'").fetchone()[0]
    )
    april, may = dt.date(2018, 4, 1), dt.date(2018, 5, 1)
    for period in (MARCH, april, may):
        ym = period.strftime("%Y%m")
        write(landing, f"tax_{ym}.csv", [TAX_HEADER, f"{A},{period:%Y-%m},1,1,0,2"])
    assert months_to_load(scan(landing), build) == [
        "2018-03",
        "2018-04",
        "2018-05",
    ]  # a writer has it open: every month
    for period in (MARCH, april, may):
        load(con, landing, archive, "tax", period)
    con.close()
    assert months_to_load(scan(landing), build) == []
    write(landing, "tax_201804_v2.csv", [TAX_HEADER, f"{A},2018-04,2,1,0,3"])
    write(landing, "notes.txt", ["not an extract"])
    assert months_to_load(scan(landing), build) == ["2018-04"]
    monkeypatch.setenv("PARKS_VERIFY_CHECKSUMS", "1")
    assert months_to_load(scan(landing), build) == ["2018-03", "2018-04", "2018-05"]
    monkeypatch.delenv("PARKS_VERIFY_CHECKSUMS")
    # a killed writer's WAL: the loader goes back to the last publication, so every month
    build.with_name(build.name + ".wal").write_bytes(b"")
    assert months_to_load(scan(landing), build) == ["2018-03", "2018-04", "2018-05"]


def test_a_month_fills_whole_row_groups_whatever_the_batches(env, monkeypatch):
    """Staged rows reach DuckDB in whole row groups: a month adds at most one partial one, that
    no later checkpoint has to compact (docs/performance.md)."""
    from pipelines.generate.core import generate
    from schemas import common

    landing, archive, con = env
    generate(landing, 400_000, "2018-03", "2018-03")
    for other in landing.glob("*"):
        if not other.name.startswith("tax_"):
            other.unlink()
    (tax_file,) = landing.glob("tax_*")
    rows = len(tax_file.read_text(encoding="utf-8-sig").splitlines()) - 1  # less the header
    # Batches (and polars' own Parquet row groups, 125,000 rows) that are not whole row groups.
    monkeypatch.setattr(common, "CHUNK_ROWS", 250_000)

    outcome = load(con, landing, archive, "tax")
    con.execute("checkpoint")

    assert outcome.status == "loaded" and outcome.rows_loaded == rows > 250_000  # two batches
    groups = con.execute(
        "select sum(count) from pragma_storage_info('raw.tax') where column_path = '[0]' "
        "group by row_group_id order by row_group_id"
    ).fetchall()
    sizes = [n for (n,) in groups]
    assert sum(sizes) == rows
    assert sizes == [122_880] * (rows // 122_880) + [rows % 122_880]


def test_rows_set_aside_after_the_pass_leave_whole_row_groups(tmp_path):
    """Rows set aside once the file has been read leave the staged rows, which stay whole row
    groups but the last; the files before the first that held one are kept as they are."""
    group = DUCKDB_ROW_GROUP
    rows = pl.DataFrame(
        {"_source_row": pl.int_range(2, 2 * group + 12, dtype=pl.Int32, eager=True)}
    )
    no_rejects = pl.DataFrame({"row_number": []}, schema={"row_number": pl.Int32})
    staging = Staging(tmp_path)
    for batch in rows.iter_slices(100_000):
        staging.add(batch, no_rejects)
    first = staging.rows[0]
    # two in the second staged file, one in the rows kept back (the last ten)
    late = pl.Series([group + 5, group + 7, 2 * group + 5], dtype=pl.Int32)
    staging.set_aside(late, pl.DataFrame({"row_number": late}))
    staging.finish()

    staged = [pl.read_parquet(path) for path in staging.rows]
    assert [frame.height for frame in staged] == [group, group, 7]
    assert staging.rows[0] == first
    assert pl.concat(staged).equals(rows.filter(~pl.col("_source_row").is_in(late.implode())))
    assert sorted(tmp_path.glob("rows-*")) == sorted(staging.rows)  # the files replaced, gone
    (rejects,) = staging.rejects
    assert pl.read_parquet(rejects).get_column("row_number").to_list() == late.to_list()


def test_rows_of_less_than_a_row_group_are_held_not_staged(tmp_path):
    """A file whose valid rows fit in less than a row group is inserted from memory: no Parquet
    file is written unless a query needs one (a revision's changes), and then it holds them all,
    or none (an empty file, for a file without valid rows)."""
    no_rejects = pl.DataFrame({"row_number": []}, schema={"row_number": pl.Int32})
    rows = pl.DataFrame({"_source_row": pl.int_range(2, 1_002, dtype=pl.Int32, eager=True)})
    staging = Staging(tmp_path / "some")
    (tmp_path / "some").mkdir()
    for batch in rows.iter_slices(300):
        staging.add(batch, no_rejects)
    staging.finish()
    assert staging.rows == [] and not list((tmp_path / "some").iterdir())
    assert staging.held is not None and staging.held.equals(rows)
    (path,) = staging.staged()
    assert pl.read_parquet(path).equals(rows) and staging.held is None
    assert staging.staged() == [path]

    none = Staging(tmp_path / "none")
    (tmp_path / "none").mkdir()
    none.add(rows.clear(), no_rejects)
    none.finish()
    (empty,) = none.staged()
    assert pl.read_parquet(empty).height == 0


def _load_months(tmp_path: Path, landing: Path, kind: str, months: list[dt.date], ahead: bool):
    """Load the months in order into a new warehouse, with or without reading ahead, and return
    what the warehouse holds (load times aside) and the outcomes."""
    con = duckdb.connect(str(tmp_path / f"ahead-{ahead}.duckdb"))
    ensure_tables(con)
    archive, found, outcomes = tmp_path / f"archive-{ahead}", scan(landing), []
    with ReadAhead(con, archive) if ahead else nullcontext() as reader:
        for period, following in zip(months, [*months[1:], None], strict=True):
            if reader and following:
                reader.start(found, kind, following)
            outcome = load_month(con, found, kind, period, archive, reader)
            outcomes.append((outcome.status, outcome.rows_loaded, outcome.message))
    held = {
        t: con.execute(f"select * exclude ({lineage}) from {t} order by all").fetchall()
        for t, lineage in (
            (f"raw.{kind}", "_loaded_at"),
            ("meta.rejects", "sha256"),
            ("meta.rule_results", "sha256"),
            ("meta.loads", "received_at, loaded_at"),
        )
    }
    con.close()
    return held, outcomes


def test_reading_ahead_loads_exactly_what_loading_month_by_month_loads(tmp_path, monkeypatch):
    """The next month is prepared while this one is inserted (ReadAhead). Whatever the months
    hold (good and bad rows, a file refused whole, a revision, the same revision twice, a month
    without a file), the warehouse ends the same as when each month is read in its turn."""
    landing = tmp_path / "landing"
    landing.mkdir()
    row = "{u},{m},1,1,0,{t}"
    months = [dt.date(2018, m, 1) for m in range(1, 8)]
    write(landing, "tax_201801.csv", [TAX_HEADER, row.format(u=A, m="2018-01", t=2)])
    write(  # a bad row (total wrong) beside a good one
        landing,
        "tax_201802.csv",
        [TAX_HEADER, row.format(u=A, m="2018-02", t=2), row.format(u=B, m="2018-02", t=9)],
    )
    (landing / "tax_201803.csv").write_bytes(b"\xff\x00garbage\x81")  # refused whole
    write(landing, "tax_201804.csv", [TAX_HEADER, row.format(u=A, m="2018-04", t=2)])
    write(landing, "tax_201804_v2.csv", [TAX_HEADER, row.format(u=B, m="2018-04", t=2)])
    write(landing, "tax_201805_v2.csv", [TAX_HEADER, row.format(u=A, m="2018-05", t=2)])
    write(landing, "tax_201805_v02.csv", [TAX_HEADER, row.format(u=B, m="2018-05", t=2)])
    # 2018-06: no file
    write(landing, "tax_201807.csv", [TAX_HEADER, row.format(u=C, m="2018-07", t=2)])
    inline, inline_outcomes = _load_months(tmp_path, landing, "tax", months, ahead=False)
    prepared_in = []  # (file, thread) of every file read, validated and staged

    def recording(con, f, kept):
        prepared_in.append((f.path.name, threading.current_thread().name.split("_")[0]))
        return prepare(con, f, kept)

    monkeypatch.setattr(load_module, "prepare", recording)
    ahead, ahead_outcomes = _load_months(tmp_path, landing, "tax", months, ahead=True)
    # the first month in its turn, the next ones ahead (the refused one too); May's same
    # revision twice is read by neither, April's v1 by neither (v2 counts)
    assert sorted(prepared_in) == [
        ("tax_201801.csv", "MainThread"),
        ("tax_201802.csv", "parks-read-ahead"),
        ("tax_201803.csv", "parks-read-ahead"),
        ("tax_201804_v2.csv", "parks-read-ahead"),
        ("tax_201807.csv", "parks-read-ahead"),
    ], prepared_in
    assert [s for s, _, _ in inline_outcomes] == [
        "loaded",
        "loaded",
        "file_rejected",
        "loaded",
        "file_rejected",
        "no_file",
        "loaded",
    ]
    assert ahead_outcomes == inline_outcomes
    assert ahead == inline


def test_a_file_changed_after_it_was_read_ahead_loads_as_it_is_now(env):
    """The bureau overwrites a file while the month before is being inserted: its month loads
    the file as it is when its turn comes, not what was read ahead."""
    landing, archive, con = env
    jan, feb = dt.date(2018, 1, 1), dt.date(2018, 2, 1)
    write(landing, "tax_201801.csv", [TAX_HEADER, f"{A},2018-01,1,1,0,2"])
    february = write(landing, "tax_201802.csv", [TAX_HEADER, f"{A},2018-02,1,1,0,2"])
    found = scan(landing)
    with ReadAhead(con, archive) as reader:
        reader.start(found, "tax", feb)
        load_month(con, found, "tax", jan, archive, reader)
        assert reader.checksum(february) is not None  # read ahead (waits for it)
        write(landing, "tax_201802.csv", [TAX_HEADER, f"{B},2018-02,5,5,5,15"])
        outcome = load_month(con, found, "tax", feb, archive, reader)
    assert outcome.status == "loaded", outcome.summary()
    assert con.execute(
        "select uscc, total_tax_yuan from raw.tax where period = ?", [feb]
    ).fetchall() == [(B, 15)]
    sha = hashlib.sha256(february.read_bytes()).hexdigest()
    assert con.execute(
        "select sha256 from meta.loads where file_name = 'tax_201802.csv'"
    ).fetchall() == [(sha,)]


OUT_HEADER = ",".join(HEADERS["output"])
IN_2019 = [dt.date(2019, 1, 1), dt.date(2019, 2, 1)]


def _output_landing(landing: Path) -> None:
    """Two months of the register, tax and output in which the output rules' verdicts hang on
    what is committed when a file is prepared: A's February year-to-date holds only on top of
    A's January (a first report otherwise); B's February gross output is refused only once
    February's register, where B is no longer industrial, is in."""
    industrial, retail = "2740", "5211"
    for month, b_code in (("01", industrial), ("02", retail)):
        write(
            landing,
            f"registration_2019{month}.csv",
            [
                REG_HEADER,
                f"{A},西藏雪域藏药有限公司,拉萨经开区,{industrial},存续,2015-01-01,100,否,否,否,",
                f"{B},拉萨高原绿色饮品有限公司,拉萨经开区,{b_code},存续,2016-05-05,200,否,否,否,",
            ],
        )
        write(landing, f"tax_2019{month}.csv", [TAX_HEADER, f"{A},2019-{month},1,1,0,2"])
    write(
        landing,
        "output_201901.csv",
        [OUT_HEADER, f"{A},2019-01,10,10,3,20,20", f"{B},2019-01,3,3,1,6,6"],
    )
    write(
        landing,
        "output_201902.csv",
        [OUT_HEADER, f"{A},2019-02,5,15,2,10,30", f"{B},2019-02,2,5,1,4,10"],
    )


def _held(con, kinds: list[str]) -> dict[str, list]:
    """Every row of the loader's tables for these kinds, load times aside."""
    tables = [(f"raw.{kind}", "_loaded_at", "true") for kind in kinds] + [
        (table, lineage, f"kind in {tuple(kinds)}")
        for table, lineage in (
            ("meta.rejects", "sha256"),
            ("meta.rule_results", "sha256"),
            ("meta.loads", "received_at, loaded_at"),
        )
    ]
    return {
        t: con.execute(
            f"select * exclude ({lineage}) from {t} where {kept} order by all"
        ).fetchall()
        for t, lineage, kept in tables
    }


def _committed(con) -> set[tuple[str, dt.date]]:
    """The (kind, month)s loaded, as a connection of their own sees them (committed only)."""
    return set(
        con.execute("select kind, period from meta.loads where status = 'loaded'").fetchall()
    )


def test_an_output_month_is_prepared_only_once_what_its_rules_read_is_committed(
    tmp_path, monkeypatch
):
    """The raw step loads (kind, month)s in one order and prepares the next one while this one
    inserts, whatever its kind. An output month's rules read the month's register and output's
    earlier months of the year: its file is read (ahead or in its turn) only once those are
    committed, and the warehouse ends as when each kind's months load one after the other."""
    landing = tmp_path / "landing"
    landing.mkdir()
    _output_landing(landing)
    found = scan(landing)
    con = duckdb.connect(str(tmp_path / "one-by-one.duckdb"))
    ensure_tables(con)
    for kind in ("registration", "tax", "output"):
        for period in IN_2019:
            load_month(con, found, kind, period, tmp_path / "archive")
    everything = _held(con, ["registration", "tax", "output"])
    two = _held(con, ["registration", "output"])
    con.close()
    february = {
        (key, rule)
        for kind, period, _, _, key, _, rule, *_ in everything["meta.rejects"]
        if kind == "output" and period == IN_2019[1]
    }
    assert (B, "OUT-INDUSTRIAL-ONLY-GROSS_OUTPUT_MONTH_10K") in february, february
    assert not any(key == A for key, _ in february), february  # A's total chains on January

    read = []  # (output month, thread, what was committed) each time its file is about to be read
    real_start = ReadAhead.start

    def start(self, found, kind, period):
        if kind == "output":
            with self._cursor.cursor() as own:
                read.append((period, "start", _committed(own)))
        real_start(self, found, kind, period)

    def recording(con, f, kept):
        if f.kind == "output":
            read.append((f.period, threading.current_thread().name.split("_")[0], _committed(con)))
        return prepare(con, f, kept)

    monkeypatch.setattr(ReadAhead, "start", start)
    monkeypatch.setattr(load_module, "prepare", recording)
    for name, kinds in (
        ("all", ["registration", "tax", "output"]),
        ("two", ["output", "registration"]),
    ):
        read.clear()
        con = duckdb.connect(str(tmp_path / f"{name}.duckdb"))
        ensure_tables(con)
        tasks = load_order(kinds, IN_2019)
        outcomes = list(load_in_order(con, found, tasks, tmp_path / f"archive-{name}"))
        assert [(o.kind, o.status) for o in outcomes] == [(t.kind, "loaded") for t in tasks]
        assert _held(con, kinds) == (everything if name == "all" else two), name
        con.close()
        for period, _, committed in read:
            needed = {("registration", period)} | {("output", p) for p in IN_2019 if p < period}
            assert needed <= committed, (name, period, committed)
        threads = {thread for _, thread, _ in read if thread != "start"}
        if name == "all":  # a tax month in between: the output months are read ahead
            assert threads == {"parks-read-ahead"}, read
        else:  # each right after its register: read in its turn
            assert threads == {"MainThread"}, read
