"""What `parks run` shows while it works: a line per stage (files read and rows per second, dbt
nodes built of the total, ...) drawn by rich, and the run's log file with every detail.

The Dagster records of the run at --log-level and above (each file's outcome, each check), the
start and end of every step, each failure with its traceback, and every line dbt prints go to
<home>/logs/run-<time>-<pid>.log; the terminal shows the stages and the failures. rich writes colours and redraws only on a terminal, and honours NO_COLOR.
"""

from __future__ import annotations

import io
import logging
import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn

from pipelines.config import Paths

if TYPE_CHECKING:
    from pipelines.ingest.load import LoadOutcome

LOGGER = "parks_progress"  # the Dagster logger of `parks run` (run_config["loggers"])
ROWS_READ = "parks_rows_read"  # a record's `extra`: a landing file was read, with so many rows

# The stages shown, in order: label and the Dagster steps (by key prefix) that make them.
STAGES = {
    "load": ("读取 load", ("raw__",)),
    "checks": ("检查 checks", ("raw_quality_checks", "marts_quality_checks")),
    "dbt": ("建模 dbt build", ("warehouse_models",)),
    "publish": ("发布 publish", ("published_warehouse",)),
    "reports": ("报表 reports", ("reports",)),
}
# dbt's line for a node done: "12 of 300 OK created sql table model marts.x ... [OK in 0.1s]"
# (and PASS, FAIL, ERROR, WARN, SKIP, NO-OP); "12 of 300 START ..." when it begins one.
DBT_NODE_DONE = re.compile(r"^\s*(\d+) of (\d+) (?!START\b)([A-Z-]+)\b")
DBT_FAILED = {"FAIL", "ERROR"}
SHORT = 200  # characters of an error shown on the terminal
# Dagster's events written to the log whatever its level (they are at DEBUG): when what ran
LOGGED_EVENTS = {
    "PIPELINE_START",
    "PIPELINE_SUCCESS",
    "PIPELINE_FAILURE",
    "STEP_START",
    "STEP_SUCCESS",
    "STEP_FAILURE",
    "STEP_SKIPPED",
}


def file_read(outcome: LoadOutcome) -> dict[str, int]:
    """The `extra` of a load outcome's log record: a file read (not one already loaded)."""
    return (
        {ROWS_READ: outcome.rows_read}
        if outcome.file_name and outcome.status != "unchanged"
        else {}
    )


def _count(n: int, noun: str) -> str:
    """`1 file`, `2 files`, `1,207,446 rows`."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _short(message: str, width: int = SHORT) -> str:
    """A message on one line, cut: the whole of it is in the log file."""
    line = " ".join(message.split())
    return line if len(line) <= width else line[: width - 1] + "… (the log has the rest)"


def stage_of(step_key: str | None) -> str | None:
    for stage, (_, prefixes) in STAGES.items():
        if step_key and step_key.startswith(prefixes):
            return stage
    return None


@dataclass
class _Stage:
    task: TaskID
    running: dict[str, float] = field(default_factory=dict)  # step -> when it started
    seconds: float = 0.0  # spent in its finished steps
    files: int = 0
    rows: int = 0
    nodes_done: int = 0
    nodes_total: int | None = None
    nodes_failed: int = 0
    # its steps that started: a stage is listed when the run plans its assets, before that
    steps: set[str] = field(default_factory=set)
    failed: bool = False
    skipped: bool = False

    def elapsed(self, now: float) -> float:
        return self.seconds + sum(now - started for started in self.running.values())


class RunDisplay:
    """Feeds the stages' progress from the run's records and writes every record to the log."""

    def __init__(self, log: io.TextIOBase, progress: Progress, console: Console, level: int):
        self._log = log
        self._progress = progress
        self._console = console
        self._level = level
        self._stages: dict[str, _Stage] = {}
        self._step: str | None = None  # the step running: one at a time, in-process
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ the log file
    def write(self, kind: str, step: str | None, text: str) -> None:
        stamp = time.strftime("%H:%M:%S")
        with self._lock:
            for line in text.rstrip("\n").splitlines() or [""]:
                self._log.write(f"{stamp} {kind:<7} {step or '-'}: {line}\n")
            self._log.flush()

    def error(self, text: str) -> None:
        self._console.print(text, style="red", markup=False, soft_wrap=True)

    # ------------------------------------------------------------------ Dagster's records
    def record(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        step = meta.get("step_key")
        event = meta.get("dagster_event")
        kind = event.event_type_value if event is not None else ""
        message = meta.get("orig_message") or record.getMessage()
        error = getattr(getattr(event, "event_specific_data", None), "error", None)
        if record.levelno >= self._level or kind in LOGGED_EVENTS:
            # the run's failure repeats its step's error, logged with the step
            trace = f"\n{error.to_string()}" if error and kind != "PIPELINE_FAILURE" else ""
            self.write(record.levelname, step, message + trace)
        name = stage_of(step)
        if name is None:
            if record.levelno >= logging.ERROR and kind != "PIPELINE_FAILURE":
                self.error(_short(message))
            return
        now = time.monotonic()
        with self._lock:
            stage = self._stages.get(name)
            if stage is None:
                stage = self._stages[name] = _Stage(
                    self._progress.add_task(STAGES[name][0], total=1, detail="", time="")
                )
            if ROWS_READ in record.__dict__:
                stage.files += 1
                stage.rows += record.__dict__[ROWS_READ]
            if kind in ("STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED") and step in stage.running:
                stage.seconds += now - stage.running.pop(step)
                self._step = None
            if kind == "STEP_START":
                self._step = step
                stage.running[step] = now
                stage.steps.add(step)
                stage.skipped = False
            elif kind == "STEP_FAILURE":
                stage.failed = True
                while error is not None and error.cause is not None:  # the user code's error
                    error = error.cause
                self.error(f"{step} failed: {_short(error.message if error else message)}")
            elif kind == "STEP_SKIPPED" or (record.levelno >= logging.ERROR and not kind):
                if step in stage.steps:  # an error the step logged
                    self.error(f"{step}: {_short(message)}")
                elif not stage.steps:  # Dagster's "Dependencies for step ... failed"
                    stage.skipped = True
            self._show(stage, now)

    # ------------------------------------------------------------------ printed lines (dbt's)
    def output_line(self, line: str) -> None:
        with self._lock:
            step = self._step
            self.write("OUTPUT", step, line)
            done = DBT_NODE_DONE.match(line)
            stage = self._stages.get("dbt")
            if not done or stage is None or stage_of(step) != "dbt":
                return
            stage.nodes_done += 1
            stage.nodes_total = int(done.group(2))
            if done.group(3) in DBT_FAILED:
                stage.nodes_failed += 1
                self.error(f"dbt: {line.strip()}")
            self._show(stage, time.monotonic())

    def _show(self, stage: _Stage, now: float) -> None:
        elapsed = stage.elapsed(now)
        if stage.files:
            rate = stage.rows / max(elapsed, 1e-3)
            detail = f"{_count(stage.files, 'file')}, {_count(stage.rows, 'row')} ({rate:,.0f}/s)"
        elif stage.nodes_total:
            detail = f"{stage.nodes_done}/{stage.nodes_total} models, seeds, tests"
            if stage.nodes_failed:
                detail += f", {stage.nodes_failed} failed"
        else:
            detail = ""
        if stage.failed:
            detail = f"FAILED {detail}".strip()
        elif stage.skipped:
            detail = "not run: a step before it failed"
        elif not stage.steps:
            detail = "waiting"
        elif not stage.running:
            detail = f"done {detail}".strip()
        # a bar of dbt's nodes; else empty while a step runs (the spinner turns), full after
        if stage.nodes_total:
            total, completed = stage.nodes_total, stage.nodes_done
        else:
            total, completed = 1, 0 if stage.running or not (stage.steps or stage.skipped) else 1
        self._progress.update(
            stage.task,
            total=total,
            completed=completed,
            detail=detail,
            time=f"{elapsed:,.0f} s",
        )


class _Output(io.TextIOBase):
    """sys.stdout during the run: dagster-dbt prints dbt's lines there; they go to the log."""

    def __init__(self, display: RunDisplay):
        self._display = display
        self._partial = ""

    @property
    def encoding(self) -> str:
        return "utf-8"

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        lines = (self._partial + text).split("\n")
        self._partial = lines.pop()
        for line in lines:
            self._display.output_line(line)
        return len(text)

    def flush(self) -> None:
        pass

    def close_partial(self) -> None:
        if self._partial:
            self._display.output_line(self._partial)
            self._partial = ""


@dataclass(frozen=True)
class Display:
    """What the run's call site needs: the log file, Dagster's loggers and their config."""

    log_file: Path
    loggers: dict
    run_config: dict


def new_log_file(paths: Paths) -> Path:
    paths.logs.mkdir(parents=True, exist_ok=True)
    return paths.logs / f"run-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"


@contextmanager
def progress_display(paths: Paths, log_level: str = "INFO") -> Iterator[Display]:
    """The stages on the terminal (standard error) and every detail in the log file, for the
    Dagster run executed inside: run the job `.with_logger_defs(display.loggers)` with
    `display.run_config` merged into its run config."""
    import dagster as dg

    console = Console(stderr=True, highlight=False)
    log_file = new_log_file(paths)
    progress = Progress(
        SpinnerColumn(finished_text="·"),
        TextColumn("{task.description}"),
        BarColumn(bar_width=12),
        TextColumn("{task.fields[detail]}"),
        TextColumn("{task.fields[time]}", justify="right"),
        console=console,
        redirect_stdout=False,
        redirect_stderr=False,
    )
    with log_file.open("a", encoding="utf-8") as log:
        console.print(f"日志 / log: {log_file}", markup=False, soft_wrap=True)
        display = RunDisplay(log, progress, console, logging.getLevelName(log_level))

        class _Handler(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                display.record(record)

        @dg.logger(description="parks run: the stages on the terminal, every record in the log")
        def parks_progress(_init_context) -> logging.Logger:
            logger = logging.Logger(LOGGER, level=logging.DEBUG)
            logger.addHandler(_Handler())
            return logger

        output = _Output(display)
        with progress, redirect_stdout(output):
            try:
                yield Display(
                    log_file=log_file,
                    loggers={LOGGER: parks_progress},
                    run_config={"loggers": {LOGGER: {}}},
                )
            finally:
                output.close_partial()
