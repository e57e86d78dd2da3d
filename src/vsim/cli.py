"""The ``vsim`` command: run a scenario, check it, show its plan, export the schema.

Bad input never shows a traceback: every problem of a file is listed with its field path, the
value and what is allowed, and the command exits with code 2 without writing anything.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from vsim.loading import ScenarioError, json_schema, load_scenario, with_changes

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="vsim: simulate how serious youth violence spreads and is interrupted.")
err = Console(stderr=True)
out = Console()

EXIT_BAD_INPUT = 2
PROGRESS_AFTER_SECONDS = 1.5


def _fail(exc: ScenarioError) -> None:
    err.print(f"[bold red]error[/]: {exc.source}: {len(exc.problems)} "
              f"{'problem' if len(exc.problems) == 1 else 'problems'}", highlight=False)
    for problem in exc.problems:
        err.print(f"  - {problem}", highlight=False, markup=False)
    raise typer.Exit(EXIT_BAD_INPUT)


def _parse_set(items: list[str]) -> dict:
    """``--set a.b=value`` pairs, values parsed as TOML scalars (numbers, booleans, strings)."""
    import tomllib

    changes = {}
    problems = []
    for item in items:
        if "=" not in item:
            problems.append(f"--set {item!r}: expected path=value, e.g. justice.p_charge=0.2")
            continue
        path, raw = item.split("=", 1)
        try:
            value = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw
        changes[path.strip()] = value
    if problems:
        raise ScenarioError("--set", problems)
    return changes


class _Progress:
    """A progress bar that appears only once a run has taken more than a moment."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.started = time.perf_counter()
        self.bar = None
        self.task = None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            if time.perf_counter() - self.started < PROGRESS_AFTER_SECONDS:
                return
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                       TimeRemainingColumn)
            self.bar = Progress(TextColumn("simulating"), BarColumn(), MofNCompleteColumn(),
                                TextColumn("steps"), TimeRemainingColumn(), console=err,
                                transient=True)
            self.bar.start()
            self.task = self.bar.add_task("run", total=total)
        self.bar.update(self.task, completed=done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
    out_dir: Annotated[Optional[Path], typer.Option(
        "--out", "-o", help="Results folder (default: results/<scenario name>).")] = None,
    seed: Annotated[Optional[int], typer.Option(help="Override the scenario's seed.")] = None,
    csv: Annotated[bool, typer.Option("--csv", help="Write CSV instead of Parquet.")] = False,
    set_: Annotated[list[str], typer.Option(
        "--set", help="Change a field, e.g. --set justice.p_charge=0.2 (repeatable).")] = [],
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary table.")] = False,
) -> None:
    """Simulate a scenario and write its results (tables, resolved scenario, manifest)."""
    try:
        sc = load_scenario(scenario)
        if set_:
            sc = with_changes(sc, _parse_set(set_))
        if seed is not None and seed < 0:
            raise ScenarioError("--seed", [f"--seed = {seed}: must be ≥ 0"])
    except ScenarioError as exc:
        _fail(exc)
    import vsim

    target = out_dir or Path("results") / sc.name
    progress = _Progress(enabled=sys.stderr.isatty() and not quiet)
    started = time.perf_counter()
    try:
        results = vsim.run(sc, seed=seed, progress=progress)
    finally:
        progress.close()
    elapsed = time.perf_counter() - started
    written = results.write(target, csv=csv)
    if not quiet:
        _print_summary(results, elapsed)
    out.print(f"results written to [bold]{written}[/]", highlight=False)


def _print_summary(results, elapsed: float) -> None:
    sc = results.scenario
    table = Table(title=f"{sc.name}: {sc.area.name} — {results.steps['n_young_people'].iloc[0]:,}"
                        f" young people, seed {results.seed}", title_justify="left")
    summary = results.summary()
    headers = {"year": "year", "incidents": "incid.", "per_1000_young": "/1k young",
               "recorded_per_1000_residents": "rec./1k res.", "weapon": "weapon",
               "serious_injury": "serious", "first_time": "1st-time",
               "involved_mean": "involved", "exploited_mean": "exploited",
               "custody_mean": "custody"}
    for key, label in headers.items():
        table.add_column(label, justify="right")
    for _, row in summary.iterrows():
        table.add_row(*[f"{row[k]:,.0f}" if k not in ("per_1000_young",
                                                      "recorded_per_1000_residents")
                        else f"{row[k]:.1f}" for k in headers])
    out.print(table)
    out.print(f"simulated {len(results.steps)} steps in {elapsed:.1f} s", highlight=False)


@app.command()
def validate(
    scenarios: Annotated[list[Path], typer.Argument(help="Scenario TOML files.")],
) -> None:
    """Check scenario files and report every problem (exit code 2 if any)."""
    failed = False
    for path in scenarios:
        try:
            sc = load_scenario(path)
        except ScenarioError as exc:
            failed = True
            err.print(f"[bold red]error[/]: {exc.source}:", highlight=False)
            for problem in exc.problems:
                err.print(f"  - {problem}", highlight=False, markup=False)
            continue
        out.print(f"{path}: ok ({sc.n_young_people:,} young people, "
                  f"{sc.time.n_steps} steps)", highlight=False)
    if failed:
        raise typer.Exit(EXIT_BAD_INPUT)


@app.command()
def plan(scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")]) -> None:
    """Print the tick order: which process runs when, and which are switched off."""
    try:
        sc = load_scenario(scenario)
    except ScenarioError as exc:
        _fail(exc)
    from vsim.processes.base import Process  # noqa: F401 - import cost only here
    from vsim.model import ViolenceModel

    for k, cls in enumerate(ViolenceModel.PLAN, start=1):
        on = cls.switch is None or getattr(sc.processes, cls.switch)
        out.print(f"{k:>2}. [{'on ' if on else 'off'}] {cls.name:<14} {cls.description}",
                  highlight=False, markup=False)


@app.command()
def schema(
    output: Annotated[Optional[Path], typer.Option("--out", "-o",
                                                   help="Write to a file.")] = None,
) -> None:
    """Export the JSON Schema of scenario files (every field, default and source)."""
    text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        from vsim.results import write_atomic

        write_atomic(output, text.encode())
        out.print(f"schema written to {output}", highlight=False)


def main() -> None:
    """Entry point of the console script."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted: nothing was written")
        sys.exit(130)


if __name__ == "__main__":
    main()
