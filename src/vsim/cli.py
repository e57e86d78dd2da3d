"""The ``vsim`` command: run or compare scenarios, check them, show a plan, export the schema.

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
from rich.markup import escape
from rich.table import Table

from vsim.loading import ScenarioError, json_schema, load_scenario, with_changes

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="vsim: simulate how serious youth violence spreads and is interrupted.")
err = Console(stderr=True)
out = Console()

EXIT_BAD_INPUT = 2
PROGRESS_AFTER_SECONDS = 1.5


def _fail(exc: ScenarioError) -> None:
    err.print(f"[bold red]error[/]: {escape(exc.source)}: {len(exc.problems)} "
              f"{'problem' if len(exc.problems) == 1 else 'problems'}", highlight=False,
              soft_wrap=True)
    _print_problems(exc)
    raise typer.Exit(EXIT_BAD_INPUT)


def _print_problems(exc: ScenarioError) -> None:
    # one line per problem, never wrapped, so that a message can be searched for and copied
    for problem in exc.problems:
        err.print(f"  - {problem}", highlight=False, markup=False, soft_wrap=True)


SEED_MAX = 2**63 - 1  # the range of a scenario's `seed` field


def _check_target(target: Path, explicit: bool, name: str) -> None:
    """Refuse, before simulating, a results folder that could not be written.

    Without --out the folder is results/<scenario name>, so the name must be a plain folder
    name (no path separators, not "." or "..").
    """
    problems = []
    if not explicit and (name.strip() in ("", ".", "..") or "/" in name or "\\" in name):
        problems.append(f"name = {name!r} cannot be used as a folder name under results/; "
                        f"rename the scenario or give the results folder with --out")
    elif target.exists() and not target.is_dir():
        problems.append(f"--out {target}: exists and is not a folder")
    else:
        for parent in target.parents:
            if parent.exists():
                if not parent.is_dir():
                    problems.append(f"--out {target}: {parent} is a file, not a folder")
                break
    if problems:
        raise ScenarioError("--out" if explicit else "name", problems)


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


def _write(result, target: Path, csv: bool) -> Path:
    """Write a run's or a comparison's results; a file-system error is reported, not raised."""
    try:
        return result.write(target, csv=csv)
    except OSError as exc:
        err.print(f"[bold red]error[/]: cannot write results to {escape(str(target))}: "
                  f"{escape(str(exc.strerror or exc))}; nothing was written", highlight=False,
                  soft_wrap=True)
        raise typer.Exit(1) from None


class _Progress:
    """A progress bar that appears only once a run has taken more than a moment."""

    def __init__(self, enabled: bool, unit: str = "steps", label: str = "simulating"):
        self.enabled = enabled
        self.unit = unit
        self.label = label
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
            self.bar = Progress(TextColumn(self.label), BarColumn(), MofNCompleteColumn(),
                                TextColumn(self.unit), TimeRemainingColumn(), console=err,
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
        if seed is not None and not 0 <= seed <= SEED_MAX:
            raise ScenarioError("--seed", [
                f"--seed = {seed}: out of range; it must be a whole number in [0, {SEED_MAX}]"])
        target = out_dir or Path("results") / sc.name
        _check_target(target, explicit=out_dir is not None, name=sc.name)
    except ScenarioError as exc:
        _fail(exc)
    import vsim

    progress = _Progress(enabled=sys.stderr.isatty() and not quiet)
    started = time.perf_counter()
    try:
        results = vsim.run(sc, seed=seed, progress=progress)
    finally:
        progress.close()
    elapsed = time.perf_counter() - started
    written = _write(results, target, csv)
    if not quiet:
        _print_summary(results, elapsed)
    out.print(f"results written to [bold]{escape(str(written))}[/]", highlight=False,
              soft_wrap=True)


def _print_summary(results, elapsed: float) -> None:
    sc = results.scenario
    table = Table(title=f"{sc.name}: {sc.area.name} — {results.steps['n_young_people'].iloc[0]:,}"
                        f" young people, seed {results.seed}", title_justify="left")
    summary = results.summary()
    headers = {"year": "year", "incidents": "incid.",
               "incidents_per_1000_young_people": "/1k young",
               "recorded_per_1000_residents": "rec./1k res.", "weapon_incidents": "weapon",
               "serious_injury_incidents": "serious", "first_time_perpetrators": "1st-time",
               "mean_involved": "involved", "mean_exploited": "exploited",
               "mean_in_custody": "custody"}
    for key, label in headers.items():
        table.add_column(label, justify="right")
    for _, row in summary.iterrows():
        table.add_row(*[f"{row[k]:,.0f}" if k not in ("incidents_per_1000_young_people",
                                                      "recorded_per_1000_residents")
                        else f"{row[k]:.1f}" for k in headers])
    out.print(table)
    out.print(f"simulated {len(results.steps)} steps in {elapsed:.1f} s", highlight=False)


@app.command("compare")
def compare_(
    baseline: Annotated[Path, typer.Argument(help=(
        "Baseline scenario TOML file; or, given alone, a scenario to compare with itself "
        "without its interventions."))],
    scenarios: Annotated[Optional[list[Path]], typer.Argument(
        help="Scenario TOML files to compare with the baseline (typically the baseline plus "
             "interventions).", show_default=False)] = None,
    replicates: Annotated[int, typer.Option(
        "--replicates", "-n", help="Seeds per scenario: root seed + 0..N-1, the same for "
                                   "every scenario.")] = 10,
    jobs: Annotated[Optional[int], typer.Option(
        "--jobs", "-j", help="Worker processes (default: all cores).")] = None,
    out_dir: Annotated[Optional[Path], typer.Option(
        "--out", "-o", help="Output folder (default: results/compare-<baseline name>).")] = None,
    seed: Annotated[Optional[int], typer.Option(
        help="Root seed (default: the baseline's seed).")] = None,
    csv: Annotated[bool, typer.Option("--csv", help="Write CSV instead of Parquet.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No table.")] = False,
) -> None:
    """Compare scenarios with a baseline on common random numbers, over replicates.

    Writes the comparison, summary and timeseries tables and two plots into --out. Given one
    file, compares its portfolio with doing nothing: the same file without interventions.
    """
    failed = False
    loaded = []
    alone = not scenarios
    scenarios = [baseline] if alone else list(scenarios)
    for path in ([baseline] if alone else [baseline, *scenarios]):
        try:
            loaded.append(load_scenario(path))
        except ScenarioError as exc:
            failed = True
            err.print(f"[bold red]error[/]: {escape(exc.source)}: {len(exc.problems)} "
                      f"{'problem' if len(exc.problems) == 1 else 'problems'}",
                      highlight=False, soft_wrap=True)
            _print_problems(exc)
    if failed:
        raise typer.Exit(EXIT_BAD_INPUT)
    from vsim.compare import comparability_problems, unique_labels

    if alone:
        if not loaded[0].interventions:
            _fail(ScenarioError(str(baseline), [
                "interventions: none in this file, so there is nothing to compare with doing "
                "nothing; give a baseline and one or more scenarios, or a file with "
                "[[interventions]]"]))
        loaded.insert(0, with_changes(loaded[0], {"interventions": [],
                                                  "name": f"{loaded[0].name}_no_interventions"}))
    base, others = loaded[0], loaded[1:]
    try:
        if not 2 <= replicates <= MAX_REPLICATES:
            raise ScenarioError("--replicates", [
                f"--replicates = {replicates}: must be a whole number in [2, "
                f"{MAX_REPLICATES:,}] (an interval needs at least 2 replicates)"])
        if jobs is not None and jobs < 1:
            raise ScenarioError("--jobs", [
                f"--jobs = {jobs}: must be a whole number ≥ 1 (leave it out to use all cores)"])
        root = base.seed if seed is None else seed
        if not 0 <= root <= SEED_MAX - (replicates - 1):
            raise ScenarioError("--seed", [
                f"--seed = {root}: out of range; with --replicates {replicates} it must be a "
                f"whole number in [0, {SEED_MAX - (replicates - 1)}] (seeds are root + 0.."
                f"{replicates - 1})"])
        for path, sc in zip(scenarios, others, strict=True):
            problems = comparability_problems(base, sc)
            if problems:
                raise ScenarioError(f"{path} (against the baseline {baseline})", problems)
        name = f"compare-{base.name}"
        target = out_dir or Path("results") / name
        _check_target(target, explicit=out_dir is not None, name=name)
    except ScenarioError as exc:
        _fail(exc)
    from vsim.compare import compare

    labels = unique_labels([sc.name for sc in loaded],
                           [path.stem for path in [baseline, *scenarios]] if not alone
                           else [f"{baseline.stem}_no_interventions", baseline.stem])
    progress = _Progress(enabled=sys.stderr.isatty() and not quiet, unit="runs",
                         label="comparing")
    started = time.perf_counter()
    try:
        result = compare(base, others, replicates, seed=root, jobs=jobs, labels=labels,
                         progress=progress)
    finally:
        progress.close()
    elapsed = time.perf_counter() - started
    written = _write(result, target, csv)
    if not quiet:
        _print_comparison(result, elapsed)
    out.print(f"comparison written to [bold]{escape(str(written))}[/]", highlight=False,
              soft_wrap=True)


MAX_REPLICATES = 100_000


def _print_comparison(result, elapsed: float) -> None:
    from vsim.display import table_cells

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


@app.command()
def sweep(
    experiment: Annotated[Optional[Path], typer.Argument(help="Experiment TOML file.")] = None,
    out_dir: Annotated[Optional[Path], typer.Option(
        "--out", "-o", help="Sweep folder (resumed if it exists).")] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Parallel runs (-1: all cores).")] = -1,
    scheduler: Annotated[Optional[str], typer.Option(help=(
        "Dask scheduler: tcp://HOST:PORT of a running cluster, or 'local' for a "
        "LocalCluster on this machine."))] = None,
    status_dir: Annotated[Optional[Path], typer.Option(
        "--status", help="Report how far the sweep in this folder is, and stop.")] = None,
) -> None:
    """Run an experiment's design in parallel; interrupted sweeps resume where they stopped."""
    from vsim import sweep as sweeps

    if status_dir is not None:
        if not (status_dir / "sweep.json").exists():
            _fail(ScenarioError(str(status_dir), ["no sweep here (sweep.json is missing)"]))
        st = sweeps.status(status_dir)
        retry = (f" ({st['missing']:,} not run yet, {st['failed']:,} failed to retry: run the "
                 f"same command again)" if st["failed"] else "")
        out.print(f"{st['experiment']}: {st['finished']:,} of {st['runs']:,} runs finished "
                  f"({st['failed']:,} failed), {st['remaining']:,} to go{retry}",
                  highlight=False, soft_wrap=True)
        return
    try:
        if experiment is None or out_dir is None:
            raise ScenarioError("vsim sweep", ["give an experiment file and --out DIR "
                                               "(or --status DIR)"])
        if jobs == 0 or jobs < -1:
            raise ScenarioError("--jobs", [f"--jobs = {jobs}: must be -1 (all cores) or ≥ 1"])
        from vsim.experiment import load_experiment

        exp = load_experiment(experiment)
        _check_target(out_dir, True, exp.spec.name)
    except ScenarioError as exc:
        _fail(exc)
    progress = _SweepProgress(sys.stderr.isatty())
    started = time.perf_counter()
    try:
        st = sweeps.execute(exp, out_dir, jobs=jobs, scheduler=scheduler, progress=progress)
    except ScenarioError as exc:
        progress.close()
        _fail(exc)
    except KeyboardInterrupt:
        progress.close()
        _sweep_interrupted(out_dir)
    finally:
        progress.close()
    retry = (f"; the {st['failed']:,} failed runs are retried if you run the same command again"
             if st["failed"] else "")
    out.print(f"{st['finished']:,} of {st['runs']:,} runs finished ({st['failed']:,} failed) "
              f"in {time.perf_counter() - started:.0f} s; results in {out_dir}{retry}",
              highlight=False, soft_wrap=True)


EXIT_INTERRUPTED = 130


def _sweep_interrupted(folder: Path) -> None:
    """Say what an interrupted sweep kept (every run written so far) and how to resume."""
    from vsim import sweep as sweeps

    if (folder / "sweep.json").exists():
        st = sweeps.status(folder)
        err.print(f"interrupted: {st['finished']:,} of {st['runs']:,} runs are kept in "
                  f"{escape(str(folder))} ({st['failed']:,} failed); run the same command "
                  f"again to resume", highlight=False, soft_wrap=True)
    else:
        err.print("interrupted before any run was written; run the same command again to "
                  "start", highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_INTERRUPTED)


class _SweepProgress(_Progress):
    """Progress of a sweep: runs done, failures, time remaining."""

    def __init__(self, enabled: bool):
        super().__init__(enabled, unit="runs", label="sweeping")
        self.failed = 0

    def __call__(self, record: dict, done: int, total: int) -> None:
        self.failed += record["status"] != "ok"
        self.label = f"sweeping ({self.failed} failed)" if self.failed else "sweeping"
        if self.bar is not None:
            self.bar.columns[0].text_format = self.label
        super().__call__(done, total)


@app.command()
def analyse(
    folder: Annotated[Path, typer.Argument(help="Sweep folder.")],
    drop_missing: Annotated[bool, typer.Option(
        "--drop-missing", help="Leave out sample points with missing or failed runs.")] = False,
    csv: Annotated[bool, typer.Option("--csv", help="Write CSV instead of Parquet.")] = False,
) -> None:
    """Sensitivity indices (Morris μ*, σ; Sobol S1, ST) and portfolio robustness, with plots."""
    from vsim.analysis import analyse as run_analysis
    from vsim.analysis import write_analysis

    try:
        # names any missing file of the sweep folder, a bad manifest or a missing outcome
        result = run_analysis(folder, drop_missing=drop_missing)
    except ScenarioError as exc:
        _fail(exc)
    for note in result.dropped:
        err.print(f"note: {note}", highlight=False)
    for name, table in result.tables.items():
        out.print(f"\n[bold]{name}[/]")
        out.print(table.to_string(index=False, float_format=lambda v: f"{v:.3g}"),
                  highlight=False, markup=False, soft_wrap=True)  # rows stay whole in files
    target = write_analysis(result, folder, csv=csv)
    out.print(f"\nanalysis written to {target}", highlight=False)


@app.command()
def report(
    folder: Annotated[Path, typer.Argument(help="A vsim run, compare or sweep folder.")],
    output: Annotated[Optional[Path], typer.Option(
        "--out", "-o", help="HTML file (default: FOLDER/report.html).")] = None,
) -> None:
    """Write one self-contained HTML report (plots embedded) of a results folder."""
    from vsim.report import write_report

    try:
        if not folder.is_dir():
            raise ScenarioError(str(folder), ["not a folder"])
        target = write_report(folder, output)
    except ScenarioError as exc:
        _fail(exc)
    out.print(f"report written to {target}", highlight=False)


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
            err.print(f"[bold red]error[/]: {escape(exc.source)}:", highlight=False,
                      soft_wrap=True)
            _print_problems(exc)
            continue
        out.print(f"{path}: ok ({sc.n_young_people:,} young people, "
                  f"{sc.time.n_steps} steps)", highlight=False, markup=False, soft_wrap=True)
    if failed:
        raise typer.Exit(EXIT_BAD_INPUT)


@app.command()
def plan(scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")]) -> None:
    """Print the tick order: which process runs when, and which are switched off."""
    try:
        sc = load_scenario(scenario)
    except ScenarioError as exc:
        _fail(exc)
    from vsim.model import ViolenceModel

    for k, cls in enumerate(ViolenceModel.PLAN, start=1):
        on = cls.switch is None or getattr(sc.processes, cls.switch)
        out.print(f"{k:>2}. [{'on ' if on else 'off'}] {cls.name:<14} {cls.description}",
                  highlight=False, markup=False, soft_wrap=True)


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
        # written via a temporary file and a rename (not vsim.results.write_atomic, whose
        # import of pandas and pyarrow would make this command four times slower)
        import os
        import tempfile

        output.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates files readable by the owner only
            os.replace(tmp, output)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        out.print(f"schema written to {output}", highlight=False, markup=False,
                  soft_wrap=True)


def main() -> None:
    """Entry point of the console script."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted: nothing was written")
        sys.exit(130)


if __name__ == "__main__":
    main()
