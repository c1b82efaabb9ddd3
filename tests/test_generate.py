"""The extract generator: determinism, the dictionary's rules on clean output, injected mess."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
import zipfile
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from pipelines.generate import FILE_NAME, ROW_ERRORS, VALID_VARIANTS, generate
from schemas.headers import ANNUAL_KINDS, HEADERS, KINDS
from schemas.uscc import uscc_problem

NAME = re.compile(
    r"^((registration|tax|employment|output|projects|carriers|land)_\d{6}|indicators_\d{4})"
    r"(_v\d+)?\.(csv|xlsx)$"
)
MONTHLY = [k for k in KINDS if k not in ANNUAL_KINDS]
PARKS = {
    "经开区", "拉萨经济技术开发区", "拉萨经开区", "经济技术开发区", "柳梧新区", "柳梧新区(高新区)",
    "柳梧新区（高新区）", "拉萨高新区", "高新区", "慈觉林文创园", "慈觉林", "慈觉林文化创意产业园",
    "西藏文化旅游创意园区", "空港新区", "拉萨空港新区", "达孜工业园", "达孜工业园区", "达孜区工业园",
    "堆龙工业园", "堆龙工业园区", "堆龙德庆工业园", "曲水工业园", "曲水工业园区", "曲水聂当工业园",
    "聂当工业园", "城关区", "城关区工业集中区", "墨竹工卡县", "墨竹工卡县工业集中区", "林周县",
    "林周县工业集中区", "当雄县", "当雄县工业集中区", "尼木县", "尼木县工业集中区",
}  # fmt: skip
# Positioning divisions per park (plan 四(一)), from the brief; 城关区 is mixed.
POSITIONING = {
    "经开区": {"13", "14", "15", "27", "51", "72"},
    "柳梧新区": {"65", "39", "73", "64", "66", "67", "69"},
    "慈觉林文创园": {"88", "87", "24", "72"},
    "空港新区": {"56", "58", "59", "51"},
    "达孜工业园": {"13", "14", "15", "24", "19", "17"},
    "堆龙工业园": {"30", "59", "54"},
    "曲水工业园": {"13", "15", "42"},
    "墨竹工卡县": {"06", "08", "09", "10"},
    "林周县": {"01", "03", "13"},
    "当雄县": {"44"},
    "尼木县": {"44"},
}


def read_extract(path: Path) -> pl.DataFrame:
    """Read one extract as text, the way a loader must: detect the encoding, keep codes as text."""
    if path.suffix == ".xlsx":
        return pl.read_excel(path, engine="calamine", infer_schema_length=0)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header, body = rows[0], rows[1:]
    return pl.DataFrame(
        [[v if v != "" else None for v in row] for row in body],
        schema={h: pl.String for h in header},
        orient="row",
    )


def english(df: pl.DataFrame, kind: str) -> pl.DataFrame:
    return df.rename(HEADERS[kind])


def period_month(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).strip()
    m = re.fullmatch(r"(\d{4})(?:-|/|年)?(\d{1,2})月?", text)
    assert m, text
    return f"{m.group(1)}{int(m.group(2)):02d}"


def month_of_file(name: str) -> str:
    return FILE_NAME.match(name).group("yyyymm")


def load_kind(out: Path, kind: str) -> pl.DataFrame:
    frames = []
    for path in sorted(out.glob(f"{kind}_*")):
        if "_v" in path.stem:
            continue
        frames.append(
            english(read_extract(path), kind).with_columns(
                file_month=pl.lit(month_of_file(path.name))
            )
        )
    return pl.concat(frames)


def hundredths(col: str) -> pl.Expr:
    return (pl.col(col).cast(pl.Float64) * 100).round().cast(pl.Int64)


STATUSES = {"存续", "在业", "迁出", "注销", "吊销"}
BOARDS = {"主板", "中小板", "创业板", "科创板", "北交所", "新三板"}
CATEGORIES = {"招商引资", "智能制造", "两化融合", "工业强基", "节能改造"}
PARKS_NORMALIZED = {unicodedata.normalize("NFKC", p) for p in PARKS}


def norm(value) -> str | None:
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip()
    return text or None


def as_date(value: str) -> date:
    if re.fullmatch(r"\d+(\.0)?", value):  # an Excel serial read as text
        return date(1899, 12, 30) + timedelta(days=int(float(value)))
    return date.fromisoformat(value[:10].replace("/", "-"))


def month_end(yyyymm: str) -> date:
    year, month = int(yyyymm[:4]), int(yyyymm[4:])
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def rule_failures(out: Path, chain_from: str = "accepted") -> set[tuple[str, int]]:
    """Rows that break a rule of the data dictionary, checked independently of the generator.

    Within a file a repeated key flags the later copies when the rows are identical, and every
    row when they differ (nobody can tell which is right). Year-to-date chains continue from the
    enterprise's last report of the year that passed (`accepted`) or from its last report
    whatever it broke (`reported`); output is never revised.
    """
    failures: set[tuple[str, int]] = set()
    ytd: dict[tuple[str, str], dict[str, float]] = {}
    names = sorted(out.iterdir(), key=lambda p: (month_of_file(p.name), KINDS.index(FILE_NAME.match(p.name).group("kind")), p.name))  # fmt: skip
    for path in names:
        kind = FILE_NAME.match(path.name).group("kind")
        if kind in ANNUAL_KINDS:  # always clean; tests/test_indicators.py loads one
            continue
        month = month_of_file(path.name)
        df = english(read_extract(path), kind)
        key = {"projects": "project_id", "carriers": "carrier_id", "land": "parcel_id"}.get(
            kind, "uscc"
        )
        rows = [{k: norm(v) for k, v in row.items()} for row in df.iter_rows(named=True)]
        groups = defaultdict(list)
        for r in rows:
            groups[(r[key] or "").upper()].append(r)
        seen: set[str] = set()
        for line, r in enumerate(rows, start=2):
            bad = False
            k = (r[key] or "").upper()
            same = groups[k]
            bad |= k in seen or any(other != same[0] for other in same)
            seen.add(k)
            if kind in ("registration", "tax", "employment", "output"):
                bad |= uscc_problem(k) is not None
            if "period" in r:
                bad |= r["period"] is None or period_month(r["period"]) != month
            if "park" in r:
                bad |= r["park"] not in PARKS_NORMALIZED
            if kind == "registration":
                bad |= not r["enterprise_name"]
                bad |= not re.fullmatch(r"\d{1,4}", r["industry_code"] or "x")
                bad |= r["status"] not in STATUSES
                bad |= as_date(r["established_on"]) > month_end(month)
                bad |= float(r["registered_capital_10k"]) < 0
                bad |= any(
                    r[f] not in ("是", "否")
                    for f in ("is_high_tech", "is_tech_sme", "is_tech_leader")
                )
                bad |= r["listing_board"] is not None and r["listing_board"] not in BOARDS
            if kind == "tax":
                parts = [
                    float(r[c])
                    for c in ("vat_yuan", "corporate_income_tax_yuan", "other_taxes_yuan")
                ]
                bad |= abs(float(r["total_tax_yuan"]) - sum(parts)) > 1
            if kind == "employment":
                bad |= float(r["insured_headcount"]) < 0 or float(r["insured_headcount"]) % 1 != 0
            if kind == "output" and (chain_from == "reported" or not bad):
                previous = ytd.get((k, month[:4]), {})
                chain = {}
                for m, y in (("gross_output_month_10k", "gross_output_ytd_10k"), ("revenue_month_10k", "revenue_ytd_10k")):  # fmt: skip
                    if r[m] is None:
                        continue
                    value, total = float(r[m]), float(r[y])
                    bad |= value < 0 or abs(previous.get(y, 0.0) + value - total) > 0.1
                    chain[y] = total
                if chain_from == "reported" or not bad:
                    ytd[(k, month[:4])] = chain
            if kind == "projects":
                bad |= (
                    r["investor_uscc"] is not None
                    and uscc_problem(r["investor_uscc"].upper()) is not None
                )
                bad |= not r["project_name"] or float(r["agreed_investment_100m"]) <= 0
                bad |= as_date(r["signed_on"]) > month_end(month)
                bad |= r["status"] not in {"签约", "在建", "投产", "终止"}
                bad |= r["category"] is not None and r["category"] not in CATEGORIES
            if kind == "carriers":
                bad |= not r["carrier_name"] or r["carrier_type"] not in {
                    "众创空间",
                    "创业创新基地",
                }
                bad |= as_date(r["recognized_on"]) > month_end(month)
            if kind == "land":
                bad |= uscc_problem((r["holder_uscc"] or "").upper()) is not None
                bad |= r["land_use"] not in {"工业", "仓储", "商服", "其他"}
                bad |= float(r["area_mu"]) <= 0 or float(r["land_price_10k"]) < 0
                bad |= float(r["fixed_investment_10k"]) < 0
                bad |= as_date(r["supplied_on"]) > month_end(month)
                bad |= r["actual_start_on"] is not None and (
                    as_date(r["actual_start_on"]) > month_end(month)
                )
            if bad:
                failures.add((path.name, line))
    return failures


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("clean")
    summary = generate(out, 400, "2018-01", "2019-02", seed=7, mess=0.0)
    return out, summary


@pytest.fixture(scope="module")
def messy(tmp_path_factory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("messy")
    summary = generate(out, 300, "2018-01", "2018-06", seed=3, mess=0.05)
    return out, summary


def test_same_arguments_same_bytes(tmp_path):
    def digest(out: Path) -> dict[str, str]:
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.iterdir())}

    a = generate(tmp_path / "a", 200, "2018-11", "2019-01", seed=5, mess=0.05)
    b = generate(tmp_path / "b", 200, "2018-11", "2019-01", seed=5, mess=0.05)
    assert a.files == b.files and a.mess == b.mess
    assert any(name.endswith(".xlsx") for name in a.files)
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    c = generate(tmp_path / "c", 200, "2018-11", "2019-01", seed=6, mess=0.05)
    assert digest(tmp_path / "c") != digest(tmp_path / "a")
    assert c.enterprises == 200 and c.months == 3


def test_only_extract_files_named_by_the_pattern(clean, messy):
    for out, summary in (clean, messy):
        names = sorted(p.name for p in out.iterdir())
        assert names == sorted(summary.files)
        assert all(NAME.match(n) and FILE_NAME.match(n) for n in names), names
    out, summary = clean
    # a file per monthly kind and month, and one indicators file per year (2019 at its end)
    assert summary.files_written == 14 * len(MONTHLY) + 2
    for kind in MONTHLY:
        assert {month_of_file(n) for n in summary.files if n.startswith(kind + "_")} == {
            f"2018{m:02d}" for m in range(1, 13)
        } | {"201901", "201902"}
    assert [n for n in summary.files if n.startswith("indicators_")] == [
        "indicators_2018.csv",
        "indicators_2019.csv",
    ]


def test_headers_in_dictionary_order(clean, messy):
    for out, _ in (clean, messy):
        for path in out.iterdir():
            kind = FILE_NAME.match(path.name).group("kind")
            assert read_extract(path).columns == list(HEADERS[kind]), path.name


def test_clean_csv_encoding_and_line_endings(clean):
    out, summary = clean
    boms = 0
    for path in out.iterdir():
        assert path.suffix == ".csv"
        raw = path.read_bytes()
        raw.decode("utf-8")
        assert b"\r\n" not in raw
        boms += raw.startswith(b"\xef\xbb\xbf")
    assert 0 < boms < len(summary.files)
    assert summary.row_errors == 0 and summary.valid_variants == 0
    assert summary.errors.height == 0


def test_clean_codes_are_valid(clean):
    out, _ = clean
    for kind in ("registration", "tax", "employment", "output"):
        df = load_kind(out, kind)
        assert df["uscc"].null_count() == 0
        assert {uscc_problem(c) for c in df["uscc"].unique()} == {None}
        assert df.group_by("file_month", "uscc").len()["len"].max() == 1, kind
        if kind != "registration":
            periods = df.select("period", "file_month").unique().rows()
            assert all(period_month(p) == m for p, m in periods)
    investors = load_kind(out, "projects")["investor_uscc"].drop_nulls().unique()
    assert len(investors) > 0 and {uscc_problem(c) for c in investors} == {None}


def test_clean_registration_rules(clean):
    out, _ = clean
    reg = load_kind(out, "registration")
    assert set(reg["park"].unique()) <= PARKS
    assert set(reg["status"].unique()) <= {"存续", "在业", "迁出", "注销", "吊销"}
    assert reg["enterprise_name"].null_count() == 0
    assert reg["industry_code"].str.contains(r"^\d{4}$").all()
    assert reg["industry_code"].str.starts_with("0").any()
    for flag in ("is_high_tech", "is_tech_sme", "is_tech_leader"):
        assert set(reg[flag].unique()) <= {"是", "否"}
    assert set(reg["listing_board"].drop_nulls().unique()) <= {
        "主板",
        "中小板",
        "创业板",
        "科创板",
        "北交所",
        "新三板",
    }
    assert reg["listing_board"].null_count() > 0.9 * reg.height
    assert (reg["registered_capital_10k"].cast(pl.Float64) >= 0).all()
    established = reg["established_on"].str.replace_all("/", "-").str.to_date("%Y-%m-%d")
    month_start = reg["file_month"].str.to_date("%Y%m")
    assert (established < month_start.dt.offset_by("1mo")).all()
    # names are unique per enterprise and enterprises enter over time
    assert (
        reg.group_by("uscc").agg(pl.col("enterprise_name").n_unique())["enterprise_name"].max() == 1
    )
    firsts = reg.group_by("uscc").agg(pl.col("file_month").min())["file_month"]
    assert (firsts > "201801").sum() > 10


def test_leavers_appear_once_then_vanish(clean):
    out, _ = clean
    reg = load_kind(out, "registration")
    left = reg.filter(pl.col("status").is_in(["迁出", "注销", "吊销"])).select(
        "uscc", left="file_month"
    )
    assert left.height >= 5
    assert left["uscc"].n_unique() == left.height  # leaves once
    for kind in ("registration", "tax", "employment", "output"):
        df = load_kind(out, kind).join(left, on="uscc")
        assert df.filter(pl.col("file_month") > pl.col("left")).height == 0, kind
    # movers: an enterprise seen in two parks (aliases aside, the clean register uses names)
    parks = reg.group_by("uscc").agg(pl.col("park").n_unique())
    assert parks.filter(pl.col("park") > 1).height >= 1


def test_parks_follow_their_positioning(clean):
    out, _ = clean
    reg = load_kind(out, "registration").filter(pl.col("file_month") == "201812")
    reg = reg.with_columns(division=pl.col("industry_code").str.slice(0, 2))
    for park, divisions in POSITIONING.items():
        sub = reg.filter(pl.col("park") == park)
        if sub.height < 8:
            continue
        share = sub["division"].is_in(list(divisions)).mean()
        assert share >= 0.6, (park, share, sub.height)


def test_tax_totals_add_up(clean):
    out, _ = clean
    tax = load_kind(out, "tax").with_columns(
        *(
            hundredths(c)
            for c in ("vat_yuan", "corporate_income_tax_yuan", "other_taxes_yuan", "total_tax_yuan")
        )
    )
    diff = (
        tax["total_tax_yuan"]
        - tax["vat_yuan"]
        - tax["corporate_income_tax_yuan"]
        - tax["other_taxes_yuan"]
    )
    assert diff.abs().max() <= 100
    assert (tax["vat_yuan"] < 0).any() or (tax["other_taxes_yuan"] < 0).any()  # refunds occur
    emp = load_kind(out, "employment")
    headcount = emp["insured_headcount"].cast(pl.Int64)
    assert (headcount >= 0).all() and headcount.max() > 20


def test_year_to_date_chains(clean):
    out, _ = clean
    cols = ["gross_output_month_10k", "gross_output_ytd_10k", "value_added_month_10k", "revenue_month_10k", "revenue_ytd_10k"]  # fmt: skip
    df = load_kind(out, "output").with_columns(*(hundredths(c) for c in cols))
    assert (df["revenue_month_10k"] >= 0).all() and (
        df["gross_output_month_10k"].drop_nulls() >= 0
    ).all()
    industrial = df.filter(pl.col("gross_output_month_10k").is_not_null())
    assert industrial["value_added_month_10k"].null_count() == 0
    share = industrial["value_added_month_10k"].sum() / industrial["gross_output_month_10k"].sum()
    assert 0.2 < share < 0.45
    reg = load_kind(out, "registration").select("uscc", "industry_code").unique("uscc")
    joined = df.join(reg, on="uscc")
    is_ind = joined["industry_code"].str.slice(0, 2).cast(pl.Int64).is_between(6, 46)
    assert (joined["gross_output_month_10k"].is_not_null() == is_ind).all()

    # independently recompute: YTD = previous month's YTD + month, restarting each January
    # and in the first month of a year that the enterprise reports; months are contiguous
    series = defaultdict(list)
    for row in df.sort("file_month").iter_rows(named=True):
        series[(row["uscc"], row["file_month"][:4])].append(row)
    checked = 0
    for rows in series.values():
        months = [int(r["file_month"][4:]) for r in rows]
        assert months == list(range(months[0], months[0] + len(months)))
        for month_col, ytd_col in (("gross_output_month_10k", "gross_output_ytd_10k"), ("revenue_month_10k", "revenue_ytd_10k")):  # fmt: skip
            running = 0
            for r in rows:
                if r[month_col] is None:
                    assert r[ytd_col] is None
                    continue
                running += r[month_col]
                assert abs(r[ytd_col] - running) <= 10, (r, running)
                checked += 1
    assert checked > 5000


def test_seasonality_and_growth(clean):
    out, _ = clean
    df = load_kind(out, "output").with_columns(hundredths("revenue_month_10k"))
    by_month = dict(df.group_by("file_month").agg(pl.col("revenue_month_10k").sum()).iter_rows())
    assert by_month["201802"] < by_month["201807"]  # winter is lower in Lhasa
    # and enterprises grow: the typical February-to-February ratio is above 1
    feb = df.filter(
        pl.col("file_month").is_in(["201802", "201902"]), pl.col("revenue_month_10k") > 0
    )
    ratio = feb.pivot("file_month", index="uscc", values="revenue_month_10k").drop_nulls()
    assert ratio.height > 200
    assert (ratio["201902"] / ratio["201802"]).median() > 1.0


def test_registers(clean):
    out, _ = clean
    projects = load_kind(out, "projects")
    assert projects.group_by("file_month", "project_id").len()["len"].max() == 1
    assert projects["project_name"].null_count() == 0
    assert set(projects["park"].unique()) <= PARKS
    assert len(set(projects["park"].unique()) - {"经开区", "柳梧新区", "慈觉林文创园", "空港新区", "达孜工业园", "堆龙工业园", "曲水工业园", "城关区", "墨竹工卡县", "林周县", "当雄县", "尼木县"}) > 0  # fmt: skip
    assert set(projects["status"].unique()) <= {"签约", "在建", "投产", "终止"}
    assert set(projects["category"].drop_nulls().unique()) <= {
        "招商引资",
        "智能制造",
        "两化融合",
        "工业强基",
        "节能改造",
    }
    amount = projects["agreed_investment_100m"].cast(pl.Float64)
    assert (amount > 0).all()
    assert {"10.00", "5.00", "1.00"} <= set(projects["agreed_investment_100m"].unique())
    signed = projects["signed_on"].str.replace_all("/", "-").str.to_date("%Y-%m-%d")
    assert (signed < projects["file_month"].str.to_date("%Y%m").dt.offset_by("1mo")).all()
    last = projects.filter(pl.col("file_month") == "201902")
    assert last.height == projects["project_id"].n_unique()  # a full snapshot, nothing lost
    assert (last["agreed_investment_100m"].cast(pl.Float64) >= 10).sum() >= 5
    # status moves forward: 签约 -> 在建 -> 投产, or ends in 终止
    order = {"签约": 0, "在建": 1, "投产": 2, "终止": 3}
    for _, statuses in projects.sort("file_month").group_by("project_id"):
        ranks = [order[s] for s in statuses["status"]]
        assert ranks == sorted(ranks)
    carriers = load_kind(out, "carriers")
    assert set(carriers["carrier_type"].unique()) <= {"众创空间", "创业创新基地"}
    assert carriers.group_by("file_month", "carrier_id").len()["len"].max() == 1
    assert carriers.filter(pl.col("file_month") == "201902")["carrier_id"].n_unique() > 5


def test_mess_file_level(messy):
    out, summary = messy
    assert summary.mess["gb18030_files"] >= 1 and summary.mess["crlf_files"] >= 1
    assert summary.mess["xlsx_files"] >= 1 and summary.mess["revision_files"] >= 1
    gb = 0
    for path in out.glob("*.csv"):
        raw = path.read_bytes()
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            raw.decode("gb18030")
            assert "统一社会信用代码" in raw.decode("gb18030") or "项目编号" in raw.decode("gb18030") or "载体编号" in raw.decode("gb18030")  # fmt: skip
            gb += 1
    assert gb == summary.mess["gb18030_files"]
    assert sum(b"\r\n" in p.read_bytes() for p in out.glob("*.csv")) == summary.mess["crlf_files"]
    xlsx = sorted(out.glob("*.xlsx"))
    assert len(xlsx) == summary.mess["xlsx_files"]
    kinds = set()
    for path in xlsx:
        kind = FILE_NAME.match(path.name).group("kind")
        kinds.add(kind)
        df = pl.read_excel(path, engine="calamine", infer_schema_length=0)
        assert df.columns == list(HEADERS[kind])
        assert df.height > 10
        # codes typed as numbers (0610 becomes 610), dates as real dates (a date style)
        with zipfile.ZipFile(path) as zf:
            sheet = zf.read("xl/worksheets/sheet1.xml").decode()
        cells = re.findall(r'<c r="([A-Z]+)(\d+)"( s="1")?( t="inlineStr")?>', sheet)
        typed = Counter(
            (col, bool(style)) for col, row, style, text in cells if not text and row != "1"
        )
        if kind == "registration":
            assert typed[("D", False)] > 0.9 * df.height  # 行业代码 as numbers
            assert typed[("F", True)] > 0.9 * df.height  # 成立日期 as dates
            assert not df["行业代码"].str.starts_with("0").any()
            established = pl.read_excel(path, engine="calamine")["成立日期"]
            assert (
                established.dtype in (pl.Date, pl.Datetime) or established.str.contains("-").all()
            )
        if "所属期" in df.columns:
            assert typed[("B", False)] == df.height  # 所属期 as numbers
            assert df["所属期"].unique().to_list() == [month_of_file(path.name)]
    assert "registration" in kinds
    revisions = [n for n in summary.files if "_v2." in n]
    assert revisions == summary.revisions and len(revisions) == summary.mess["revision_files"]
    for name in revisions:
        kind = FILE_NAME.match(name).group("kind")
        v1 = english(read_extract(next(out.glob(name.replace("_v2.csv", ".*")))), kind)
        v2 = english(read_extract(out / name), kind)
        assert v2.height > 0.9 * v1.height
        assert v2["uscc"].n_unique() == v2.height
        changed = v2.join(v1.unique("uscc", keep="first"), on="uscc", suffix="_v1").filter(
            pl.any_horizontal(
                pl.col(c) != pl.col(f"{c}_v1") for c in v2.columns if c not in ("uscc", "period")
            )
        )
        assert changed.height >= 3


def test_mess_row_errors_are_recorded(messy):
    out, summary = messy
    assert set(summary.mess) >= set(ROW_ERRORS) | set(VALID_VARIANTS)
    errors = summary.errors
    assert errors.height == summary.row_errors
    assert dict(Counter(errors["type"].to_list())) == {
        t: summary.mess[t] for t in ROW_ERRORS if summary.mess[t]
    }
    rows = sum(summary.rows.values())
    assert 0.02 * rows < summary.row_errors < 0.09 * rows
    # every error type of each kind occurs
    for kind, types in {
        "registration": {
            "uscc_check",
            "uscc_length",
            "unknown_park",
            "empty_name",
            "bad_status",
            "established_after_period",
            "conflicting_duplicate",
            "exact_duplicate",
        },  # fmt: skip
        "tax": {"tax_total_mismatch"},
        "employment": {"negative_headcount"},
        "output": {"ytd_break"},
    }.items():
        assert types <= set(errors.filter(pl.col("kind") == kind)["type"]), kind

    # each recorded line breaks the rule it names
    files = {}
    for name, line, _kind, etype, column in errors.sort("file", "line").iter_rows():
        if name not in files:
            files[name] = read_extract(out / name)
        row = files[name].row(line - 2, named=True)
        value = row[column]
        normalized = (
            None if value is None else unicodedata.normalize("NFKC", str(value)).strip().upper()
        )
        if etype == "uscc_check":
            assert uscc_problem(normalized) == "USCC-CHECK"
        elif etype == "uscc_length":
            assert len(normalized) == 10 and normalized.isdigit()
        elif etype == "unknown_park":
            assert normalized not in PARKS
        elif etype == "empty_name":
            assert not normalized
        elif etype == "bad_status":
            assert value == "正常"
        elif etype == "negative_headcount":
            assert int(float(normalized)) < 0
        elif etype == "tax_total_mismatch":
            parts = [float(unicodedata.normalize("NFKC", str(row[h])).strip()) for h in ("增值税（元）", "企业所得税（元）", "其他税费（元）")]  # fmt: skip
            assert abs(float(normalized) - sum(parts)) > 1
        elif etype in ("conflicting_duplicate", "exact_duplicate"):
            same = files[name].filter(
                pl.col(column).str.normalize("NFKC").str.strip_chars().str.to_uppercase()
                == normalized
            )
            assert same.height >= 2


def test_mess_valid_variants_stay_valid(messy):
    out, summary = messy
    assert summary.mess["park_alias"] > 0 and summary.mess["fullwidth"] > 0
    assert summary.mess["lowercase_uscc"] > 0 and summary.mess["padded_spaces"] > 0
    bad_lines = defaultdict(set)
    for name, line in summary.errors.select("file", "line").iter_rows():
        bad_lines[name].add(line)
    raw_changed = 0
    for path in out.iterdir():
        kind = FILE_NAME.match(path.name).group("kind")
        if kind not in ("registration", "tax", "employment", "output"):
            continue
        df = english(read_extract(path), kind).with_row_index("line", offset=2)
        df = df.filter(~pl.col("line").is_in(list(bad_lines[path.name])))
        raw_changed += df.filter(pl.col("uscc").str.contains(r"[a-z ０-９Ａ-Ｚ]")).height
        codes = df["uscc"].str.normalize("NFKC").str.strip_chars().str.to_uppercase()
        assert {uscc_problem(c) for c in codes.unique()} == {None}, path.name
        if kind == "registration":
            parks = df["park"].str.normalize("NFKC").str.strip_chars()
            normalized = {unicodedata.normalize("NFKC", p) for p in PARKS}
            assert set(parks.unique()) <= normalized
    assert raw_changed > 0


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError):
        generate(tmp_path, 10, "2018-05", "2018-01")
    with pytest.raises(ValueError):
        generate(tmp_path, 10, mess=1.5)
    with pytest.raises(ValueError):
        generate(tmp_path, 10, "2018-13", "2019-01")


def test_progress_lines(tmp_path):
    lines = []
    generate(tmp_path, 50, "2018-01", "2018-02", seed=1, progress=lines.append)
    # one line a month, not one a file: a three-year demo prints 36 lines, not 216
    assert lines == [
        f"2018-01 (1/2): {len(MONTHLY)} files written",
        f"2018-02 (2/2): {2 * len(MONTHLY) + 1} files written",  # and indicators_2018
    ]


def test_clean_files_break_no_rule(clean):
    out, _ = clean
    assert rule_failures(out) == set()


@pytest.mark.parametrize("chain_from", ["accepted", "reported"])
def test_messy_files_break_exactly_the_recorded_rows(messy, chain_from):
    """No knock-on failures: a rejected row never breaks the next month's year-to-date."""
    out, summary = messy
    recorded = set(summary.errors.select("file", "line").iter_rows())
    assert rule_failures(out, chain_from) == recorded
