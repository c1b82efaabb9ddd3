"""Rules as data, and the pandera (polars backend) machinery that confronts a file with them.

A schema module per extract (registration.py, tax.py, ...) declares:
- how each text column is parsed into its typed value (`fields`),
- its rules, each with an id, the column it blames, a Chinese and an English description and a
  vectorized polars expression: True passes, False fails, null means "not applicable".

A `Confrontation` evaluates every rule in one polars pass per batch of the file, confronts the
outcome with one pandera `DataFrameSchema` (lazy, so all failures are collected), and turns
pandera's failure cases into row-level rejects: file row, column, rule, offending value. Rows
that break any rule are set aside; the others are returned typed. The same pass counts, per rule,
the rows that failed and the rows it did not apply to (meta.rule_results), summed over batches.
`validate` does the same for a whole frame.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import pandera.polars as pa
import polars as pl
from pandera.errors import SchemaErrors

from schemas import uscc as U
from schemas.headers import HEADERS, OPTIONAL_HEADERS

ROW = "_row"  # row number in the file, header = row 1
TEXT = "__text"  # suffix of the normalized text column kept beside each typed column

Parser = Callable[[pl.Expr], pl.Expr]


@dataclass(frozen=True)
class Rule:
    id: str
    column: str | None  # English name of the blamed column (None: the row as a whole)
    zh: str
    en: str
    expr: pl.Expr = field(compare=False)
    # Columns `expr` reads that are computed once per batch before the rules, shared by every
    # rule that names them (name -> expression): polars' common-subexpression elimination does
    # not reach into every rule's when/then, and the USCC's check characters are most of the
    # rules' time (docs/performance.md).
    helpers: dict[str, pl.Expr] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class ExtractSchema:
    kind: str
    key: tuple[str, ...]
    fields: dict[str, Parser]  # English column -> parser of its normalized text
    rules: tuple[Rule, ...]
    code_columns: tuple[str, ...] = ()  # upper-cased during normalization
    # Texts that name the same thing (park aliases): compared as one in the uniqueness rules,
    # so that one park spelled two ways in a file is one key. Column -> text -> canonical text.
    same_key: dict[str, dict[str, str]] = field(default_factory=dict)
    # Park texts beyond the parks' names and aliases, and their code (全市 -> CITY)
    extra_parks: dict[str, str] = field(default_factory=dict)
    # The raw table's columns that identify a row within its period (default: `key`), for the
    # revision changes; several are joined with '|' into one record key.
    raw_key: tuple[str, ...] = ()

    @property
    def record_key_columns(self) -> tuple[str, ...]:
        return self.raw_key or self.key

    def key_expr(self, column: str) -> pl.Expr:
        """A text column as the uniqueness rules compare it."""
        if column in self.same_key:
            return pl.col(column).replace(self.same_key[column]).alias(column)
        return pl.col(column)

    @property
    def headers(self) -> dict[str, str]:
        return HEADERS[self.kind]

    @property
    def optional_headers(self) -> tuple[str, ...]:
        """Chinese headers of the columns a file may leave out (read as empty)."""
        return OPTIONAL_HEADERS.get(self.kind, ())

    @property
    def optional(self) -> tuple[str, ...]:
        """English names of the columns a file may leave out."""
        return tuple(self.headers[zh] for zh in self.optional_headers)

    def with_optional(self, frame: pl.DataFrame) -> pl.DataFrame:
        """`frame` (text under English names) with each optional column it lacks, empty."""
        return frame.with_columns(
            pl.lit(None, pl.String).alias(c) for c in self.optional if c not in frame.columns
        )

    def header_of(self, column: str | None) -> str | None:
        inverse = {en: zh for zh, en in self.headers.items()}
        return inverse.get(column, column)


def text(column: str) -> pl.Expr:
    return pl.col(column + TEXT)


# ---------------------------------------------------------------- parsers (text -> typed, null if unparseable)


def as_string(e: pl.Expr) -> pl.Expr:
    return e


# A number as a person or a spreadsheet writes it, with an exponent or without.
_MANTISSA = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)"
_EXPONENT_SPELLING = rf"^{_MANTISSA}[eE][+-]?[0-9]+$"
# Beyond this exponent a number fits no column (20 digits at most): left as written, it fails.
_MAX_EXPONENT = 40


def _written_out(number: str) -> str:
    value = Decimal(number)
    return number if abs(value.adjusted()) > _MAX_EXPONENT else f"{value:f}"


def _write_out_exponents(texts: pl.Series) -> pl.Series:
    rows = texts.str.contains(_EXPONENT_SPELLING).fill_null(False).arg_true()
    if rows.len() == 0:
        return texts
    return texts.clone().scatter(rows, [_written_out(t) for t in texts.gather(rows)])


def written_out(e: pl.Expr) -> pl.Expr:
    """Numbers spelled with an exponent written out exactly (1.5e-3 -> 0.0015, 1.2E+3 -> 1200),
    so that one scale rule reads every spelling; any other text unchanged. Exponents are rare:
    only those values go through Python."""
    return e.map_batches(_write_out_exponents, return_dtype=pl.String, is_elementwise=True)


def as_decimal(scale: int) -> Parser:
    """A number with at most `scale` decimals, in any spelling (more are refused, never silently
    rounded: the cast to Decimal would round them)."""

    def parse(e: pl.Expr) -> pl.Expr:
        e = written_out(e)
        too_precise = e.str.contains(rf"\.\d{{{scale}}}\d*[1-9]")
        return pl.when(too_precise.not_()).then(e.cast(pl.Decimal(20, scale), strict=False))

    return parse


def as_integer(e: pl.Expr) -> pl.Expr:
    """A whole number in any spelling ("12", "12.0", "1.2E+3"), exactly; "12.5" is refused."""
    whole = written_out(e).str.extract(r"^([+-]?[0-9]+)(?:\.0*)?$")
    return whole.cast(pl.Int64, strict=False)


def as_yes_no(e: pl.Expr) -> pl.Expr:
    return e.replace_strict({"是": True, "否": False}, default=None, return_dtype=pl.Boolean)


_EXCEL_EPOCH = dt.date(1899, 12, 30)
# A spreadsheet date cell is read as a date-time ("2018-03-05 00:00:00"); a system export may
# carry a time of day. Either way the cell shows a day: the time is not part of a date column.
_TIME = r"(?:[ T](?:[01]?[0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]+)?)?)"


def as_date(e: pl.Expr) -> pl.Expr:
    """YYYY-MM-DD or YYYY/MM/DD, with a time of day or not (dropped), or an Excel serial."""
    serial = e.str.extract(r"^(\d{5})(?:\.0+)?$").cast(pl.Int64, strict=False)
    return pl.coalesce(
        e.str.extract(rf"^(\d{{4}}-\d{{1,2}}-\d{{1,2}}){_TIME}?$").str.to_date(
            "%Y-%m-%d", strict=False
        ),
        e.str.extract(rf"^(\d{{4}}/\d{{1,2}}/\d{{1,2}}){_TIME}?$").str.to_date(
            "%Y/%m/%d", strict=False
        ),
        pl.lit(_EXCEL_EPOCH) + pl.duration(days=serial),
    )


def as_period(e: pl.Expr) -> pl.Expr:
    """YYYY-MM, YYYYMM, YYYY/MM or YYYY年M月 (also a number 201803 from XLSX) -> first day of month.

    A date-time is a spreadsheet date cell (a month typed into a spreadsheet becomes the first
    day of that month, shown as the month): it is the month of its day. A bare date "2018-03-01"
    is a day, not a month, and is refused.
    """
    parts = e.str.extract_groups(r"^(\d{4})(?:[-/年](\d{1,2})月?|(\d{2}))(?:\.0+)?$")
    year = parts.struct.field("1").cast(pl.Int32, strict=False)
    month = pl.coalesce(parts.struct.field("2"), parts.struct.field("3")).cast(
        pl.Int8, strict=False
    )
    date_cell = as_date(pl.when(e.str.contains(rf"{_TIME}$")).then(e)).dt.month_start()
    return pl.coalesce(pl.when(month.is_between(1, 12)).then(pl.date(year, month, 1)), date_cell)


# ---------------------------------------------------------------- rule builders


def required(p: str, column: str, label: str) -> Rule:
    return Rule(
        f"{p}-REQUIRED-{column.upper()}",
        column,
        f"{label}不能为空",
        f"{label} must not be empty",
        text(column).is_not_null(),
    )


def parses(p: str, column: str, label: str, what_zh: str, what_en: str) -> Rule:
    return Rule(
        f"{p}-FORMAT-{column.upper()}",
        column,
        f"{label}须为{what_zh}",
        f"{label} must be {what_en}",
        text(column).is_null() | pl.col(column).is_not_null(),
    )


# A spreadsheet keeps a number to 15 significant digits: a code typed into a number cell loses
# the digits after the 15th. Such a cell is read (XLSX) or exported (CSV) in scientific notation
# (9.15401239121531E+17, 9.15401E+17), which no code is; a CSV may also carry it written out
# with zeros for the lost digits (915401239121531000).
SCIENTIFIC = r"^[0-9](?:\.[0-9]+)?E\+?[0-9]+$"
AS_NUMBER_ZH = "被电子表格存成了数字,第15位以后的数字已丢失:请将该列设为文本格式后重新导出"
AS_NUMBER_EN = (
    "was stored as a number by the spreadsheet, digits lost: format the column as text and "
    "export again"
)


def uscc_as_number(code: pl.Expr, org_ok: pl.Expr, check_ok: pl.Expr) -> pl.Expr:
    """The code is a number a spreadsheet kept to 15 significant digits: in scientific notation,
    or 18 digits ending in three zeros whose check characters are wrong (a valid code may end in
    000; a lost one almost never checks). `org_ok`, `check_ok`: its two check characters."""
    written_out = code.str.contains(r"^[1-9][0-9]{14}000$") & ~(org_ok & check_ok)
    return code.str.contains(SCIENTIFIC) | written_out


def code_as_number(p: str, column: str, label: str) -> Rule:
    """A free-form code (no check character) in scientific notation: a number cell."""
    return Rule(
        f"{p}-AS-NUMBER-{column.upper()}",
        column,
        label + AS_NUMBER_ZH,
        f"{label} {AS_NUMBER_EN}",
        text(column).str.contains(SCIENTIFIC).not_(),
    )


def uscc_rules(p: str, column: str = "uscc") -> list[Rule]:
    """The USCC's own rules (GB 32100, GB 11714), after the spreadsheet-number rule: a code that
    lost its last digits is reported as that, not as a wrong check character."""
    c = text(column)
    # the dear parts, each computed once per batch (Rule.helpers)
    org_ok, check_ok, charset_ok, whole = (
        pl.col(f"_{column}_{part}") for part in ("org_ok", "check_ok", "charset_ok", "whole")
    )
    helpers = {
        f"_{column}_org_ok": U.uscc_org_check_ok(c),
        f"_{column}_check_ok": U.uscc_check_ok(c),
        f"_{column}_charset_ok": U.uscc_charset_ok(c),
        # the cell holds the code as written, not a rounded number
        f"_{column}_whole": uscc_as_number(c, org_ok, check_ok).not_(),
    }
    return [
        Rule(
            f"{p}-USCC-AS-NUMBER",
            column,
            "统一社会信用代码" + AS_NUMBER_ZH,
            f"USCC {AS_NUMBER_EN}",
            whole,
            helpers,
        ),
        Rule(
            f"{p}-USCC-LENGTH",
            column,
            "统一社会信用代码须为18位",
            "USCC must have 18 characters",
            pl.when(whole).then(U.uscc_length_ok(c)),
            helpers,
        ),
        Rule(
            f"{p}-USCC-CHARSET",
            column,
            "统一社会信用代码只能含数字和除I、O、S、V、Z外的大写字母",
            "USCC may only contain digits and capitals except I, O, S, V, Z",
            pl.when(whole & U.uscc_length_ok(c)).then(charset_ok),
            helpers,
        ),
        Rule(
            f"{p}-USCC-REGION",
            column,
            "统一社会信用代码第3-8位须为行政区划数字",
            "USCC positions 3-8 must be digits (administrative division)",
            pl.when(whole & charset_ok).then(U.uscc_region_ok(c)),
            helpers,
        ),
        Rule(
            f"{p}-USCC-ORG-CHECK",
            column,
            "统一社会信用代码第17位(组织机构代码校验码)错误",
            "USCC position 17 (organization-code check, GB 11714) is wrong",
            pl.when(whole & charset_ok).then(org_ok),
            helpers,
        ),
        Rule(
            f"{p}-USCC-CHECK",
            column,
            "统一社会信用代码第18位校验码错误",
            "USCC check character (position 18, GB 32100) is wrong",
            pl.when(whole & charset_ok).then(check_ok),
            helpers,
        ),
    ]


def one_of(p: str, column: str, label: str, values: Sequence[str]) -> Rule:
    listed = "、".join(values)
    return Rule(
        f"{p}-ENUM-{column.upper()}",
        column,
        f"{label}须为以下之一:{listed}",
        f"{label} must be one of: {', '.join(values)}",
        text(column).is_in(list(values)),
    )


def at_least(p: str, column: str, label: str, bound: float, strict: bool = False) -> Rule:
    sign, op = (">", pl.col(column) > bound) if strict else ("≥", pl.col(column) >= bound)
    return Rule(
        f"{p}-RANGE-{column.upper()}",
        column,
        f"{label}须{sign}{bound:g}",
        f"{label} must be {sign} {bound:g}",
        op,
    )


FIRST_DISTINCT = "_first_distinct"  # the row differs from every earlier row of the file
KEY_CONSISTENT = "_key_consistent"  # every row with this key has the same content


def unique_key(p: str, key: Sequence[str], label: str) -> list[Rule]:
    """Exact duplicate rows load once; rows sharing a key with different content are all set aside.

    They read two flags of the whole file (rules run in batches, these cannot): see
    `duplicate_flags`.
    """
    return [
        Rule(
            f"{p}-DUPLICATE-ROW",
            None,
            "与前面某行完全重复,只载入一次",
            "exact duplicate of an earlier row; loaded once",
            pl.col(FIRST_DISTINCT),
        ),
        Rule(
            f"{p}-UNIQUE-{'-'.join(k.upper() for k in key)}",
            key[0],
            f"{label}在文件内重复且内容不一致",
            f"{label} repeats in the file with different content",
            pl.col(KEY_CONSISTENT),
        ),
    ]


def not_after_period_end(p: str, column: str, label: str) -> Rule:
    month_end = pl.col("_file_period").dt.month_end()
    return Rule(
        f"{p}-NOT-FUTURE-{column.upper()}",
        column,
        f"{label}不得晚于报告期",
        f"{label} must not be after the reporting month",
        pl.col(column) <= month_end,
    )


def period_matches(p: str) -> Rule:
    return Rule(
        f"{p}-PERIOD-MATCH",
        "period",
        "所属期须与文件名中的月份一致",
        "所属期 must equal the month in the file name",
        pl.col("period") == pl.col("_file_period"),
    )


def park_known(p: str, aliases: dict[str, str]) -> list[Rule]:
    return [
        Rule(
            f"{p}-PARK-KNOWN",
            "park",
            "所属园区须为已知园区名称或别名",
            "所属园区 must be a known park name or alias",
            text("park").is_in(list(aliases)),
        )
    ]


# ---------------------------------------------------------------- confronting a frame with a schema


@dataclass
class ValidationResult:
    valid: pl.DataFrame  # typed columns of the rows that passed every rule, plus ROW
    rejects: (
        pl.DataFrame
    )  # row, record key, column (Chinese header), rule_id, rule_zh, rule_en, value
    rule_counts: dict[str, int]  # rule id -> failing rows
    # One row per rule, in the schema's order: rule_id, items, fails, missing (null = the rule
    # did not apply), the confrontation summary of meta.rule_results.
    rule_table: pl.DataFrame


def duplicate_flags(frame: pl.DataFrame, schema: ExtractSchema) -> pl.DataFrame:
    """FIRST_DISTINCT and KEY_CONSISTENT of each row of `frame` (normalized text, English names,
    rows in file order), one row each: exact, on the rows' content.

    A file read in batches gets them once it has been read (`pipelines/ingest/survey.py`): only
    for the rows whose key may repeat, which are all it needs; every other row has both flags
    True.
    """
    present = [schema.key_expr(c) for c in schema.fields if c in frame.columns]
    first = frame.select(
        pl.struct(present).is_first_distinct().alias(FIRST_DISTINCT),
        *(schema.key_expr(k) for k in schema.key),
    )
    distinct_per_key = pl.col(FIRST_DISTINCT).cast(pl.UInt32).sum().over(schema.key)
    return first.select(FIRST_DISTINCT, (distinct_per_key == 1).alias(KEY_CONSISTENT))


def parse(frame: pl.DataFrame, schema: ExtractSchema, flag_duplicates: bool = True) -> pl.DataFrame:
    """Normalized text columns -> the same columns suffixed TEXT, plus typed columns and the
    duplicate flags the uniqueness rules read.

    `flag_duplicates`: the flags are computed on `frame`, which holds every row of its file that
    may share a key with another (the whole file, or the rows whose key may repeat). False, for a
    batch of a file: every row's flags are True, the file's flags being known only once it has
    been read (`Confrontation.add_duplicates` then corrects the rows whose flags are not).
    """
    frame = schema.with_optional(frame)
    present = [c for c in schema.fields if c in frame.columns]
    typed = frame.rename({c: c + TEXT for c in present}).with_columns(
        schema.fields[c](pl.col(c + TEXT)).alias(c) for c in present
    )
    if flag_duplicates:
        return typed.hstack(duplicate_flags(frame, schema))
    return typed.with_columns(
        pl.lit(True).alias(FIRST_DISTINCT), pl.lit(True).alias(KEY_CONSISTENT)
    )


def pandera_schema(
    schema: ExtractSchema, rules: Sequence[Rule] | None = None
) -> pa.DataFrameSchema:
    """One boolean column per rule (its outcome on each row; `rules`: only these); a False is a
    failure case.

    The rule expressions themselves run in one polars pass (`outcomes`); pandera confronts
    their results, and reports each failing row and rule with its index.
    """
    columns = {
        rule.id: pa.Column(
            pl.Boolean,
            nullable=True,  # null: the rule does not apply to the row
            # pandera reports `error` as the failing check's name: the rule id is that name.
            checks=pa.Check(
                lambda data: data.lazyframe.select(pl.col(data.key).fill_null(True)),
                name=rule.id,
                error=rule.id,
            ),
        )
        for rule in (schema.rules if rules is None else rules)
    }
    return pa.DataFrameSchema(columns=columns, name=schema.kind)


# Rows read, validated and staged at a time: a file's memory stays bounded, whatever its size.
# The loader reads this at run time (tests make it small to put batch boundaries in tiny files).
CHUNK_ROWS = 250_000


def outcomes(
    chunk: pl.DataFrame, schema: ExtractSchema, rules: Sequence[Rule] | None = None
) -> pl.DataFrame:
    """Every rule (`rules`: only these) on every row of a batch, in one vectorized pass: True,
    False or null."""
    rules = schema.rules if rules is None else rules
    frame = chunk.lazy()
    # the helper columns of the rules, each once, in order (a helper may read an earlier one)
    for name, helper in {n: h for rule in rules for n, h in rule.helpers.items()}.items():
        frame = frame.with_columns(helper.alias(name))
    outcome = frame.select(rule.expr.alias(rule.id) for rule in rules).collect()
    wrong = {c: t for c, t in outcome.schema.items() if t != pl.Boolean}
    if wrong:
        # A rule must answer True, False or null; anything else is a bug in the schema.
        raise RuntimeError(f"{schema.kind}: rules that are not boolean: {wrong}")
    return outcome


def _failures(outcome: pl.DataFrame, schema: ExtractSchema, rules: Sequence[Rule]) -> pl.DataFrame:
    """(_index, rule_id) of every failing row and rule of a batch (_index: position in it), from
    the `outcome` of `rules`."""
    # A DataFrame, not a LazyFrame: pandera checks a DataFrame's data, a LazyFrame's names and
    # types only (unless PANDERA_VALIDATION_DEPTH=SCHEMA_AND_DATA, read when pandera is imported).
    try:
        pandera_schema(schema, rules).validate(outcome, lazy=True)
        return pl.DataFrame(schema={"_index": pl.UInt32, "rule_id": pl.String})
    except SchemaErrors as errors:
        cases = errors.failure_cases
        unexpected = cases.filter(pl.col("index").is_null())
        if unexpected.height:
            # A rule that could not run is a bug in the schema, never a reason to drop data.
            raise RuntimeError(f"{schema.kind}: rules failed to run:\n{unexpected}") from errors
        return cases.select(
            pl.col("index").cast(pl.UInt32).alias("_index"), pl.col("check").alias("rule_id")
        ).unique()


def _reads_duplicate_flags(rule: Rule) -> bool:
    """The rule reads a duplicate flag: its outcome depends on the whole file."""
    return bool({FIRST_DISTINCT, KEY_CONSISTENT} & set(rule.expr.meta.root_names()))


class Confrontation:
    """A file confronted with its schema's rules batch by batch: each batch's valid rows and
    rejects come back at once; the per-rule counts add up over the file."""

    def __init__(self, schema: ExtractSchema) -> None:
        self.schema = schema
        self.items = 0  # rows confronted
        self.passed = 0  # rows that passed every rule
        self.fails = [0] * len(schema.rules)
        self.missing = [0] * len(schema.rules)
        self._set_aside: list[pl.Series] = []  # ROW of the rows that failed a rule

    def add(self, frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        """(valid rows: ROW and typed columns, rejects) of one batch.

        `frame` (see `parse`) must carry ROW and `_file_period`, and any context columns the
        rules name.
        """
        schema = self.schema
        frame = frame.with_row_index("_index")
        outcome = outcomes(frame, schema)
        failures = self._count(outcome, schema.rules)
        self.items += frame.height
        self.missing = [
            a + b for a, b in zip(self.missing, outcome.null_count().row(0), strict=True)
        ]
        typed = [c for c in schema.fields if c in frame.columns]
        failing = pl.col("_index").is_in(failures.get_column("_index").unique().implode())
        self._set_aside.append(frame.filter(failing).get_column(ROW))
        valid = frame.filter(~failing).select(ROW, *typed)
        self.passed += valid.height
        return valid, _rejects(frame, failures, schema)

    def add_duplicates(self, frame: pl.DataFrame) -> tuple[pl.Series, pl.DataFrame]:
        """(ROW, rejects) of the rows that fail the rules reading the duplicate flags, found once
        the whole file has been read: `add` confronted every row with both flags True.

        `frame` (see `parse`): rows already added, with their exact flags. Only the rules that
        read the flags are confronted with them (the others did not change); their failures add
        to those rules' counts, and `passed` drops by the failing rows that had passed every
        rule.
        """
        schema = self.schema
        rules = [rule for rule in schema.rules if _reads_duplicate_flags(rule)]
        frame = frame.with_row_index("_index")
        failures = self._count(outcomes(frame, schema, rules), rules)
        failing = frame.filter(
            pl.col("_index").is_in(failures.get_column("_index").unique().implode())
        ).get_column(ROW)
        self.passed -= failing.is_in(pl.concat(self._set_aside).implode()).not_().sum()
        self._set_aside.append(failing)
        return failing, _rejects(frame, failures, schema)

    def _count(self, outcome: pl.DataFrame, rules: Sequence[Rule]) -> pl.DataFrame:
        """Add the False values of `outcome` (of `rules`) to the rules' fails; (_index, rule_id)
        of each."""
        # `not_` keeps nulls and `sum` skips them: the sum counts the False values.
        fails = outcome.select(pl.all().not_().sum()).row(0, named=True)
        failures = _failures(outcome, self.schema, rules)
        counts = dict(failures.group_by("rule_id").len().iter_rows())
        if counts != {r: n for r, n in fails.items() if n}:
            raise RuntimeError(
                f"{self.schema.kind}: pandera's failures disagree with the rule counts"
            )
        self.fails = [
            n + fails.get(rule.id, 0) for rule, n in zip(self.schema.rules, self.fails, strict=True)
        ]
        return failures

    @property
    def rule_counts(self) -> dict[str, int]:
        """Rule id -> failing rows, for the rules that failed."""
        return {r.id: n for r, n in zip(self.schema.rules, self.fails, strict=True) if n}

    @property
    def rule_table(self) -> pl.DataFrame:
        n = len(self.schema.rules)
        return pl.DataFrame(
            {
                "rule_id": [rule.id for rule in self.schema.rules],
                "items": [self.items] * n,
                "fails": self.fails,
                "missing": self.missing,
            },
            schema={
                "rule_id": pl.String,
                "items": pl.Int64,
                "fails": pl.Int64,
                "missing": pl.Int64,
            },
        )


def validate(frame: pl.DataFrame, schema: ExtractSchema) -> ValidationResult:
    """Confront a parsed whole frame (see `parse`) with the schema's rules, CHUNK_ROWS at a time."""
    confrontation = Confrontation(schema)
    valid, rejects = [], []
    for chunk in frame.iter_slices(CHUNK_ROWS):
        chunk_valid, chunk_rejects = confrontation.add(chunk)
        valid.append(chunk_valid)
        rejects.append(chunk_rejects)
    return ValidationResult(
        valid=pl.concat(valid),
        rejects=pl.concat(rejects),
        rule_counts=confrontation.rule_counts,
        rule_table=confrontation.rule_table,
    )


def _rejects(frame: pl.DataFrame, failures: pl.DataFrame, schema: ExtractSchema) -> pl.DataFrame:
    """One line per failing row and rule, in file order (ROW, then rule id)."""
    rules = {r.id: r for r in schema.rules}
    out = {
        "row_number": [],
        "record_key": [],
        "column_name": [],
        "rule_id": [],
        "rule_zh": [],
        "rule_en": [],
        "value": [],
    }
    if failures.height:
        key_texts = [k + TEXT for k in schema.key]
        joined = failures.join(frame, on="_index", how="left").sort([ROW, "rule_id"])
        headers = {rule.id: schema.header_of(rule.column) for rule in rules.values()}
        for row in joined.iter_rows(named=True):
            rule = rules[row["rule_id"]]
            value = row.get(rule.column + TEXT) if rule.column else None
            out["row_number"].append(row[ROW])
            keys = [row.get(k) for k in key_texts]
            out["record_key"].append(
                keys[0] if len(keys) == 1 else "|".join("" if k is None else str(k) for k in keys)
            )
            out["column_name"].append(headers[rule.id])
            out["rule_id"].append(rule.id)
            out["rule_zh"].append(rule.zh)
            out["rule_en"].append(rule.en)
            out["value"].append(value)
    return pl.DataFrame(
        out,
        schema={
            "row_number": pl.Int32,
            "record_key": pl.String,
            "column_name": pl.String,
            "rule_id": pl.String,
            "rule_zh": pl.String,
            "rule_en": pl.String,
            "value": pl.String,
        },
    )


def industry_code_rules(
    prefix: str, classes: Sequence[str], whose_zh: str = "企业", whose_en: str = "enterprise"
) -> list[Rule]:
    """行业代码 a GB/T 4754-2017 class; not applicable when empty (`required` makes it so)."""
    code = text("industry_code")
    four_digits = code.str.contains(r"^[0-9]{4}$")
    return [
        Rule(
            f"{prefix}-FORMAT-INDUSTRY_CODE",
            "industry_code",
            "行业代码须为4位数字(GB/T 4754-2017小类)",
            "行业代码 must be 4 digits (GB/T 4754-2017 class)",
            four_digits,
        ),
        Rule(
            f"{prefix}-INDUSTRY-KNOWN",
            "industry_code",
            "行业代码须为GB/T 4754-2017的小类代码(见 seeds/industry_classes.csv);"
            f"大类或中类代码补0(如1520)不是小类,请填写{whose_zh}所属的小类",
            "行业代码 must be a GB/T 4754-2017 class (listed in seeds/industry_classes.csv); a "
            "division or group padded with 0 (such as 1520) is not a class: give the "
            f"{whose_en}'s class",
            pl.when(four_digits).then(code.is_in(list(classes))),
        ),
    ]
