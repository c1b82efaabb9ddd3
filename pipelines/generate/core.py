"""`generate`: write one extract file per kind per month into a landing folder."""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl

from schemas.headers import ANNUAL_KINDS, KINDS

from . import mess as mess_mod
from .monthly import MonthlyModel
from .population import build_population, month_index, month_of
from .registers import (
    build_carriers,
    build_land,
    build_projects,
    carriers_frame,
    indicators_frame,
    land_frame,
    projects_frame,
    register_scale,
)
from .render import FileStyle, to_text, write_csv, write_xlsx
from .rng import py_random, stream_key

FILE_MESS = ["gb18030_files", "crlf_files", "xlsx_files", "revision_files", "revised_rows"]
ROW_ERRORS = mess_mod.ALL_ROW_ERRORS
VALID_VARIANTS = mess_mod.ALL_VARIANTS
FILE_NAME = re.compile(
    r"^(?P<kind>[a-z]+)_(?P<yyyymm>\d{6}|\d{4})(?:_v(?P<rev>\d+))?\.(?:csv|xlsx)$"
)
# The kinds written every month; the yearly ones (indicators) once per year of the range.
MONTHLY_KINDS = [k for k in KINDS if k not in ANNUAL_KINDS]


@dataclass
class GenerationSummary:
    """What a run wrote.

    files: names written, in order (`_v2` revisions right after their v1).
    rows: data rows written per kind, over all files (revisions and injected duplicates included).
    mess: counts per mess type, every type present (0 when none), in this order:
      FILE_MESS: gb18030_files, crlf_files, xlsx_files, revision_files, revised_rows;
      ROW_ERRORS (rows that break a rule: an exact duplicate counts its extra copy, a
        conflicting duplicate both of its rows);
      VALID_VARIANTS (untidy but valid after NFKC/trim/upper: a loader must accept them).
    errors: one row per injected row error: file, line (the header is line 1), kind, type,
      column (the Chinese header the rule is about). Exactly these rows break a rule.
    revisions: the `_v2` file names.
    """

    out: Path
    files: list[str]
    rows: dict[str, int]
    mess: dict[str, int]
    errors: pl.DataFrame
    enterprises: int
    months: int
    elapsed: float
    revisions: list[str] = field(default_factory=list)

    @property
    def files_written(self) -> int:
        return len(self.files)

    @property
    def row_errors(self) -> int:
        return sum(self.mess[t] for t in ROW_ERRORS)

    @property
    def valid_variants(self) -> int:
        return sum(self.mess[t] for t in VALID_VARIANTS)

    def describe(self) -> str:
        """A few lines for a terminal."""
        total = sum(self.rows.values())
        lines = [
            f"{self.files_written} files, {total:,} rows ({self.enterprises:,} enterprises x "
            f"{self.months} months) in {self.elapsed:.1f} s -> {self.out}",
            "rows: " + ", ".join(f"{k} {v:,}" for k, v in self.rows.items()),
        ]
        if any(self.mess.values()):
            for title, types in (
                ("files", FILE_MESS),
                (f"row errors ({self.row_errors:,})", ROW_ERRORS),
                (f"valid variants ({self.valid_variants:,})", VALID_VARIANTS),
            ):
                lines.append(f"{title}: " + ", ".join(f"{t} {self.mess[t]:,}" for t in types))
        return "\n".join(lines)


def parse_month(text: str) -> int:
    m = re.fullmatch(r"(\d{4})-?(\d{2})", text.strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"not a month (YYYY-MM): {text!r}")
    return month_index(int(m.group(1)), int(m.group(2)))


def file_name(kind: str, a: int, ext: str, revision: int = 1) -> str:
    year, month = month_of(a)
    suffix = f"_v{revision}" if revision > 1 else ""
    return f"{kind}_{year}{month:02d}{suffix}.{ext}"


def _baseline_style(seed: int, kind: str, a: int) -> FileStyle:
    rnd = py_random(seed, "style", kind, a)
    encoding = "utf-8-sig" if rnd.random() < 0.5 else "utf-8"
    period = rnd.choices(["dash", "compact", "slash", "chinese"], [70, 10, 10, 10])[0]
    date = "dash" if rnd.random() < 0.85 else "slash"
    return FileStyle(period_format=period, date_format=date, encoding=encoding)


@dataclass
class _FilePlan:
    xlsx: set[tuple[str, int]]
    gb18030: set[tuple[str, int]]
    crlf: set[tuple[str, int]]
    revisions: list[tuple[str, int]]


def _plan_files(seed: int, months: list[int], rate: float) -> _FilePlan:
    if rate <= 0:
        return _FilePlan(set(), set(), set(), [])
    rnd = py_random(seed, "file_mess")
    files = [(k, a) for a in months for k in MONTHLY_KINDS]
    n = len(files)
    xlsx = {
        ("registration", rnd.choice(months)),
        (rnd.choice(["tax", "employment", "output"]), rnd.choice(months)),
    }
    extra = max(0, round(n * rate) - len(xlsx))
    xlsx |= set(rnd.sample(files, min(extra, n // 4)))
    csv_files = [f for f in files if f not in xlsx]
    k = min(len(csv_files), max(1, round(n * rate * 3)))
    gb = set(rnd.sample(csv_files, k))
    crlf = set(rnd.sample(csv_files, k))
    revisions = [("tax", rnd.choice(months))]
    if len(months) >= 3:
        revisions.append(("employment", rnd.choice(months)))
    return _FilePlan(xlsx, gb, crlf, revisions)


def _revise(typed: pl.DataFrame, kind: str, rnd: random.Random) -> tuple[pl.DataFrame, int]:
    """The bureau's corrected re-issue of a month: a few enterprises' values change."""
    n = typed.height
    k = min(n, max(3, round(n * 0.003)))
    rows = rnd.sample(range(n), k)
    plan = pl.DataFrame(
        {"_row": rows, "_r": [rnd.random() for _ in rows]},
        schema={"_row": pl.Int64, "_r": pl.Float64},
    )
    frame = typed.with_row_index("_row").with_columns(pl.col("_row").cast(pl.Int64))
    frame = frame.join(plan, on="_row", how="left", maintain_order="left")
    c, r = pl.col, pl.col("_r")
    hit = r.is_not_null()
    if kind == "tax":
        step = pl.max_horizontal(c("corporate_income_tax_yuan").abs() // 4, pl.lit(10_000))
        cit = c("corporate_income_tax_yuan") + pl.when(r < 0.5).then(step).otherwise(-step)
        frame = frame.with_columns(
            corporate_income_tax_yuan=pl.when(hit)
            .then(cit)
            .otherwise(c("corporate_income_tax_yuan"))
        ).with_columns(
            total_tax_yuan=c("vat_yuan") + c("corporate_income_tax_yuan") + c("other_taxes_yuan")
        )
    else:
        step = 1 + (r * 10).floor().cast(pl.Int64)
        hc = c("insured_headcount")
        frame = frame.with_columns(
            insured_headcount=pl.when(hit)
            .then(pl.when((r < 0.5) & (hc >= step)).then(hc - step).otherwise(hc + step))
            .otherwise(hc)
        )
    return frame.drop("_row", "_r"), k


def _style(plan: _FilePlan, seed: int, kind: str, a: int, counts: dict[str, int]) -> FileStyle:
    """How one file is written: its own formats, then the file-level mess planned for it."""
    style = _baseline_style(seed, kind, a)
    target = (kind, a)
    if target in plan.xlsx:
        counts["xlsx_files"] += 1
        return FileStyle(period_format="compact", date_format="dash", xlsx=True)
    if target in plan.gb18030:
        counts["gb18030_files"] += 1
        style = replace(style, encoding="gb18030")
    if target in plan.crlf:
        counts["crlf_files"] += 1
        style = replace(style, line_terminator="\r\n")
    return style


def _make_messy(
    typed: pl.DataFrame,
    kind: str,
    a: int,
    style: FileStyle,
    rnd: random.Random,
    rate: float,
    force: list[str],
) -> tuple[pl.DataFrame, dict[str, int]]:
    """Text of one file with row errors and valid variants; counts per type."""
    dirty, errors = mess_mod.inject_errors(typed, kind, a, rnd, rate, force)
    text = to_text(dirty, kind, style)
    text, variants = mess_mod.apply_variants(text, kind, rnd, rate)
    return text, errors | variants


def _error_lines(text: pl.DataFrame, name: str, kind: str) -> pl.DataFrame:
    return (
        text.with_row_index("line", offset=2)
        .filter(pl.col("_etype").is_not_null())
        .select(
            file=pl.lit(name),
            line=pl.col("line").cast(pl.Int64),
            kind=pl.lit(kind),
            type=pl.col("_etype"),
        )
    )


def generate(
    out: Path,
    enterprises: int,
    start: str = "2018-01",
    end: str = "2020-12",
    seed: int = 0,
    mess: float = 0.0,
    progress: Callable[[str], None] | None = None,
    revisions_out: Path | None = None,
) -> GenerationSummary:
    """Write extract files `<kind>_<YYYYMM>[_v<N>].(csv|xlsx)` for every month into `out`.

    One file per kind (registration, tax, employment, output, projects, carriers, land) per
    month from `start` to `end` (YYYY-MM), and one `indicators_<YYYY>.csv` per year of the range
    (written after its December, or its last month in the range; always clean), for
    `enterprises` enterprises over the whole range (some
    enter, move or leave during it). Only extract files are written; existing files of the
    same name are replaced. Same arguments, same bytes (XLSX included).

    `mess` is a rate in [0, 1]. At 0 every file passes every rule of the data dictionary (CSV,
    UTF-8 with or without BOM, `\\n`). Above 0: a few files are GB18030 or `\\r\\n` CSV or XLSX
    (codes and periods as numbers, dates as Excel dates); about `mess` of each file's rows break
    one rule each (see GenerationSummary.errors, which lists exactly the rows that break a
    rule: no knock-on failures in year-to-date chains); about as many rows carry valid
    variants; one or two months are re-issued as `_v2` (a tax month, an employment month).
    `progress` receives one line per month, e.g. "2018-03 (3/36): 18 files written".
    `revisions_out`: write the `_v2` files there instead of into `out`, to deliver them after
    their month was loaded (as `make demo` does).
    """
    started = time.perf_counter()
    if enterprises < 1:
        raise ValueError("enterprises must be at least 1")
    if not 0.0 <= mess <= 1.0:
        raise ValueError("mess is a rate in [0, 1]")
    a_start, a_end = parse_month(start), parse_month(end)
    if a_end < a_start:
        raise ValueError(f"end {end} is before start {start}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    revisions_out = Path(revisions_out) if revisions_out is not None else out
    revisions_out.mkdir(parents=True, exist_ok=True)
    months = list(range(a_start, a_end + 1))
    say = progress or (lambda _line: None)

    pop = build_population(seed, enterprises, a_start, a_end)
    model = MonthlyModel(pop, stream_key(seed, "monthly"), a_start, a_end)
    scale = register_scale(enterprises)
    projects = build_projects(seed, pop, a_start, a_end, scale)
    carriers = build_carriers(seed, a_start, a_end, scale)
    parcels = build_land(seed, pop, a_start, a_end, scale)
    plan = _plan_files(seed, months, mess)

    files: list[str] = []
    rows = dict.fromkeys(KINDS, 0)
    counts = dict.fromkeys(FILE_MESS + ROW_ERRORS + VALID_VARIANTS, 0)
    seen_errors: dict[str, set[str]] = {k: set() for k in MONTHLY_KINDS}
    error_frames: list[pl.DataFrame] = []
    revisions: list[str] = []

    for i, a in enumerate(months, start=1):
        frames = model.month(a)
        frames["projects"] = projects_frame(projects, a)
        frames["carriers"] = carriers_frame(carriers, a)
        frames["land"] = land_frame(parcels, a)
        year, month = month_of(a)
        for kind in MONTHLY_KINDS:
            typed = frames[kind]
            style = _style(plan, seed, kind, a, counts)
            name = file_name(kind, a, "xlsx" if style.xlsx else "csv")
            if mess > 0:
                # every error type of a kind occurs at least once: force the missing ones last
                force = [t for t in mess_mod.ROW_ERRORS[kind] if t not in seen_errors[kind]]
                text, injected = _make_messy(
                    typed, kind, a, style, py_random(seed, "mess", kind, a), mess,
                    force if a == a_end else [],
                )  # fmt: skip
                for t, v in injected.items():
                    counts[t] += v
                seen_errors[kind] |= {t for t in injected if t in mess_mod.ROW_ERRORS[kind]}
                error_frames.append(_error_lines(text, name, kind))
            else:
                text = to_text(typed, kind, style)
            if style.xlsx:
                write_xlsx(text, kind, out / name)
            else:
                write_csv(text, kind, out / name, style)
            files.append(name)
            rows[kind] += text.height
            if (kind, a) in plan.revisions:
                revised, changed = _revise(typed, kind, py_random(seed, "revision", kind, a))
                v2 = file_name(kind, a, "csv", revision=2)
                v2_style = FileStyle(encoding="utf-8-sig")
                write_csv(to_text(revised, kind, v2_style), kind, revisions_out / v2, v2_style)
                files.append(v2)
                revisions.append(v2)
                rows[kind] += revised.height
                counts["revision_files"] += 1
                counts["revised_rows"] += changed
        if month == 12 or a == a_end:
            # the year's indicators, delivered once the year is over (or at the range's end)
            indicators = indicators_frame(seed, year)
            name = f"indicators_{year}.csv"
            write_csv(indicators, "indicators", out / name, FileStyle(encoding="utf-8"))
            files.append(name)
            rows["indicators"] += indicators.height
        say(f"{year}-{month:02d} ({i}/{len(months)}): {len(files)} files written")

    errors = (
        pl.concat(error_frames)
        if error_frames
        else pl.DataFrame(
            schema={"file": pl.String, "line": pl.Int64, "kind": pl.String, "type": pl.String}
        )
    )
    columns = pl.DataFrame(
        [
            (k, t, mess_mod.header_of(k, mess_mod.error_column(k, t)))
            for k in MONTHLY_KINDS
            for t in mess_mod.ROW_ERRORS[k]
        ],
        schema={"kind": pl.String, "type": pl.String, "column": pl.String},
        orient="row",
    )
    errors = errors.join(columns, on=["kind", "type"], how="left", maintain_order="left")
    return GenerationSummary(
        out=out,
        files=files,
        rows=rows,
        mess=counts,
        errors=errors,
        enterprises=enterprises,
        months=len(months),
        elapsed=time.perf_counter() - started,
        revisions=revisions,
    )
