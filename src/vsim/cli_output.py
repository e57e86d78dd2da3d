"""What the ``vsim`` command prints: error reports, progress bars and result tables.

Errors go to stderr, one line per problem; results and tables go to stdout.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from vsim.display import table_cells
from vsim.loading import ScenarioError

err = Console(stderr=True)
# Piped into a file or another program, rich would assume 80 columns and cut the summary's
# headers to "inci…"; a file has no width, so give tables room (COLUMNS still wins).
out = Console(width=None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 160)

EXIT_BAD_INPUT = 2
PROGRESS_AFTER_SECONDS = 1.5

# the columns of the summary table of `vsim run`: summary column -> header
SUMMARY_HEADERS = {"year": "year", "incidents": "incid.",
                   "incidents_per_1000_young_people": "/1k young",
                   "recorded_per_1000_residents": "rec./1k res.", "weapon_incidents": "weapon",
                   "serious_injury_incidents": "serious", "first_time_perpetrators": "1st-time",
                   "mean_involved": "involved", "mean_exploited": "exploited",
                   "mean_in_custody": "custody"}
RATE_COLUMNS = ("incidents_per_1000_young_people", "recorded_per_1000_residents")  # one decimal

T = TypeVar("T")


def print_problems(exc: ScenarioError) -> None:
    """List the problems of a bad input on stderr, one per line."""
    # one line per problem, never wrapped, so that a message can be searched for and copied
    for problem in exc.problems:
        err.print(f"  - {problem}", highlight=False, markup=False, soft_wrap=True)


def print_error(exc: ScenarioError) -> None:
    """Report a bad input on stderr: its source and how many problems, then each problem."""
    err.print(f"[bold red]error[/]: {escape(exc.source)}: {len(exc.problems)} "
              f"{'problem' if len(exc.problems) == 1 else 'problems'}", highlight=False,
              soft_wrap=True)
    print_problems(exc)


def fail(exc: ScenarioError) -> NoReturn:
    """Report a bad input and exit with code 2, before anything is written."""
    print_error(exc)
    raise typer.Exit(EXIT_BAD_INPUT)


def write_results(result, target: Path, csv: bool) -> Path:
    """Write a run's or a comparison's results; a file-system error is reported, not raised."""
    try:
        return result.write(target, csv=csv)
    except OSError as exc:
        err.print(f"[bold red]error[/]: cannot write results to {escape(str(target))}: "
                  f"{escape(str(exc.strerror or exc))}; nothing was written", highlight=False,
                  soft_wrap=True)
        raise typer.Exit(1) from None


class DelayedProgress:
    """A progress bar that appears only once a run has taken more than a moment."""

    def __init__(self, enabled: bool, unit: str = "steps", label: str = "simulating"):
        self.enabled = enabled
        self.unit = unit
        self.label = label
        self.started = time.perf_counter()
        self.bar = None
        self.task = None
        self.done, self.total = 0, 0  # kept shown or not, to say where an interruption fell
        self.interrupted = False      # Ctrl-C was pressed (set by timed's signal handler)

    def __call__(self, done: int, total: int) -> None:
        """Show that ``done`` of ``total`` are done, once the run has taken long enough."""
        self.done, self.total = done, total
        if self.interrupted:  # a Ctrl-C that numba's compiler swallowed: stop here
            raise KeyboardInterrupt
        if not self.enabled:
            return
        if self.bar is None:
            if time.perf_counter() - self.started < PROGRESS_AFTER_SECONDS:
                return
            self.bar = Progress(TextColumn(self.label), BarColumn(), MofNCompleteColumn(),
                                TextColumn(self.unit), TimeRemainingColumn(), console=err,
                                transient=True)
            self.bar.start()
            self.task = self.bar.add_task("run", total=total)
        self.bar.update(self.task, completed=done)

    def close(self) -> None:
        """Remove the bar, if it appeared."""
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


class SweepProgress(DelayedProgress):
    """Progress of a sweep: runs done, failures, time remaining."""

    def __init__(self, enabled: bool):
        super().__init__(enabled, unit="runs", label="sweeping")
        self.failed = 0

    def __call__(self, record: dict, done: int, total: int) -> None:
        """Count a finished run (``record`` from the sweep) and show the failures so far."""
        self.failed += record["status"] != "ok"
        self.label = f"sweeping ({self.failed} failed)" if self.failed else "sweeping"
        if self.bar is not None:
            self.bar.columns[0].text_format = self.label
        super().__call__(done, total)


def timed(progress: DelayedProgress, work: Callable[[DelayedProgress], T]) -> tuple[T, float]:
    """Do ``work(progress)`` and close the bar however it ends; returns the result and seconds.

    Ctrl-C says where the work stopped and that nothing was written (results are written only
    once the work is done), and exits with code 130; typer would otherwise exit silently.
    """
    # deferred: numba's event hooks, for the commands that simulate (numba is loaded by then)
    from vsim.compiled import compiling_notice

    started = time.perf_counter()
    previous = _catch_interrupt(progress)
    try:
        with compiling_notice(lambda: err.print(
                "compiling vsim's kernels: the first run on this machine takes about 20 s "
                "longer; later runs load them from the cache", highlight=False)):
            result = work(progress)
    except KeyboardInterrupt:
        progress.close()
        where = (f" after {progress.done:,} of {progress.total:,} {progress.unit}"
                 if progress.total else f" while setting up, before any {progress.unit}")
        err.print(f"interrupted{where}: nothing was written", highlight=False)
        raise typer.Exit(130) from None
    finally:
        progress.close()
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    return result, time.perf_counter() - started


def _catch_interrupt(progress: DelayedProgress):
    """Remember a Ctrl-C on ``progress`` as well as raising it; returns the old handler.

    Pressed while numba compiles the kernels (a first run), the KeyboardInterrupt can be
    lost inside the compiler and the run would go on to write its results; the progress
    callback raises it again at the next step.
    """
    if threading.current_thread() is not threading.main_thread():
        return None

    def interrupt(signum, frame):
        progress.interrupted = True
        raise KeyboardInterrupt

    return signal.signal(signal.SIGINT, interrupt)


def print_summary(results, elapsed: float) -> None:
    """Print a run's yearly summary table and how long it took."""
    sc = results.scenario
    table = Table(title=f"{sc.name}: {sc.area.name} — {results.steps['n_young_people'].iloc[0]:,}"
                        f" young people at the start (after the burn-in; {sc.n_young_people:,}"
                        f" when it began), seed {results.seed}", title_justify="left")
    summary = results.summary()
    for label in SUMMARY_HEADERS.values():
        table.add_column(label, justify="right")
    for _, row in summary.iterrows():
        table.add_row(*[f"{row[k]:.1f}" if k in RATE_COLUMNS else f"{row[k]:,.0f}"
                        for k in SUMMARY_HEADERS])
    out.print(table)
    out.print(f"simulated {len(results.steps)} steps in {elapsed:.1f} s", highlight=False)


def print_comparison(result, elapsed: float) -> None:
    """Print a comparison's table (each scenario against the baseline) and how long it took."""
    seeds = result.seeds
    table = Table(title=f"{', '.join(result.labels[1:])} vs {result.labels[0]}: "
                        f"{len(seeds)} replicates (seeds {seeds[0]}–{seeds[-1]}), common "
                        f"random numbers; mean [95% interval]", title_justify="left")
    table.add_column("outcome (over the horizon)", justify="left")
    for label in result.labels[1:]:
        table.add_column(escape(label), justify="right")
    for label, cells in table_cells(result):
        table.add_row(escape(label), *cells)
    out.print(table)
    n_runs = len(seeds) * len(result.labels)
    out.print(f"baseline: {result.meta['baseline_incidents_mean']:,.1f} incidents on average; "
              f"{n_runs} runs in {elapsed:.1f} s", highlight=False)
    # deferred: pandas via the brief's helpers, only once a comparison has run
    from vsim.report_brief import cliff_paragraph, evidence_note

    sustained = set(result.meta.get("sustained", ()))
    for label in (lb for lb in result.labels[1:] if lb not in sustained):
        for note in (evidence_note(result.tables.get("evidence_strength"), label),
                     cliff_paragraph(result.tables.get("grant_cliff"), label)):
            if note:
                out.print(f"{escape(label)}: {escape(note)}", highlight=False, soft_wrap=True)
    if "probability_best" in result.tables:
        best = result.tables["probability_best"]
        out.print("over the posterior: probability each option averts the most incidents: "
                  + ", ".join(f"{escape(r.scenario)} {r.probability_best:.0%}"
                              for r in best.itertuples()), highlight=False, soft_wrap=True)
        split = result.tables["posterior_variance"]
        rows = split[split["outcome"] == "incidents_averted"]
        for r in rows.itertuples():
            out.print(f"  {escape(r.scenario)}: {r.share_between:.0%} of the variance of "
                      f"incidents averted is between posterior draws (parameters), the rest "
                      f"within (chance)", highlight=False, soft_wrap=True)
