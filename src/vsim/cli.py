"""The ``vsim`` command: run or compare scenarios, check them, show a plan, export the schema.

Bad input never shows a traceback: every problem of a file is listed with its field path, the
value and what is allowed, and the command exits with code 2 without writing anything.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Annotated, NoReturn, Optional

import typer
from rich.markup import escape

import vsim
from vsim.cli_budget import budget
from vsim.cli_check import validate, warn_delivery
from vsim.cli_data import area, calibrate, data_app
from vsim.cli_inputs import (
    SEED_MAX,
    burn_in_for,
    check_target,
    check_threads,
    flag,
    scenario_with_changes,
)
from vsim.cli_output import (
    EXIT_BAD_INPUT,
    DelayedProgress,
    SweepProgress,
    err,
    fail,
    out,
    print_comparison,
    print_error,
    print_summary,
    timed,
    write_results,
)
from vsim.cli_ui import ui
from vsim.experiment import LoadedExperiment, load_experiment
from vsim.loading import ScenarioError, json_schema, load_scenario, with_changes
from vsim.scenario import Scenario

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="vsim: simulate how serious youth violence spreads and is interrupted.")

app.add_typer(data_app, name="data")
app.command("area")(area)
app.command("calibrate")(calibrate)
app.command("budget")(budget)
app.command("ui")(ui)
app.command("validate")(validate)

EXIT_INTERRUPTED = 130
MAX_REPLICATES = 100_000


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
    out_dir: Annotated[Optional[Path], typer.Option(
        "--out", "-o", help="Results folder (default: results/<scenario name>).")] = None,
    seed: Annotated[Optional[int], typer.Option(help="Override the scenario's seed.")] = None,
    csv: Annotated[bool, flag("--csv", help="Write CSV instead of Parquet.")] = False,
    set_: Annotated[list[str], typer.Option(
        "--set", help="Change a field, e.g. --set justice.p_charge=0.2 (repeatable).")] = [],
    quiet: Annotated[bool, flag("--quiet", "-q", help="No summary table.")] = False,
    burn_in_from: Annotated[Optional[Path], typer.Option(
        "--burn-in-from", help="Start from a burn-in saved by `vsim burn-in` (same world and "
        "seed; interventions, horizon and outputs may differ) instead of running it.")] = None,
    threads: Annotated[int, typer.Option(
        help="numba threads for this one run (the same results on any number).")] = 1,
) -> None:
    """Simulate a scenario and write its results (tables, resolved scenario, manifest)."""
    try:
        check_threads(threads)
        sc = scenario_with_changes(scenario, set_, seed)
        target = out_dir or Path("results") / sc.name
        note = check_target(target, explicit=out_dir is not None, name=sc.name, results=True)
        burn_in = None if burn_in_from is None else burn_in_for(burn_in_from, sc, seed)
    except ScenarioError as exc:
        fail(exc)
    warn_delivery(sc, scenario)
    progress = DelayedProgress(enabled=sys.stderr.isatty() and not quiet)
    results, elapsed = timed(progress, lambda bar: vsim.run(sc, seed=seed, progress=bar,
                                                            burn_in_from=burn_in,
                                                            threads=threads))
    written = write_results(results, target, csv)
    if not quiet:
        print_summary(results, elapsed)
    out.print(f"results written to [bold]{escape(str(written))}[/]{note}", highlight=False,
              soft_wrap=True)


@app.command("burn-in")
def burn_in(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
    out_dir: Annotated[Path, typer.Option(
        "--out", "-o", help="Folder to write the saved burn-in to.")],
    seed: Annotated[Optional[int], typer.Option(help="Override the scenario's seed.")] = None,
    set_: Annotated[list[str], typer.Option(
        "--set", help="Change a field, e.g. --set contagion.beta=0.001 (repeatable).")] = [],
) -> None:
    """Run a scenario's burn-in once and save its state, for `vsim run --burn-in-from`."""
    # deferred: the model pulls numba and compiles or loads the kernels
    from vsim.checkpoint import acting_in_burn_in, save_burn_in
    from vsim.model import ViolenceModel

    try:
        sc = scenario_with_changes(scenario, set_, seed)
        early = acting_in_burn_in(sc)
        if early:
            raise ScenarioError(str(scenario), [
                f"interventions[{early[0]}].start = {sc.interventions[early[0]].start}: before "
                f"time.start ({sc.time.start}), so it acts during the burn-in; save the burn-in "
                "of the scenario without it (or starting on time.start)"])
        if out_dir.exists() and not out_dir.is_dir():
            raise ScenarioError("--out", [f"--out {out_dir}: exists and is not a folder"])
    except ScenarioError as exc:
        fail(exc)
    started = time.perf_counter()
    model = ViolenceModel(sc, seed=seed, tables=False)
    try:
        save_burn_in(model, out_dir)
    except OSError as exc:
        err.print(f"[bold red]error[/]: cannot write {escape(str(out_dir))}: "
                  f"{escape(str(exc.strerror or exc))}; nothing was written", highlight=False)
        raise typer.Exit(1) from None
    out.print(f"burn-in of [bold]{escape(sc.name)}[/] (seed {model.seed}, {model.n_burn_in} "
              f"steps, {time.perf_counter() - started:.1f} s) saved to "
              f"[bold]{escape(str(out_dir))}[/]; start runs from it with vsim run "
              f"{escape(str(scenario))} --burn-in-from {escape(str(out_dir))}",
              highlight=False, soft_wrap=True)


def _load_each(paths: list[Path]) -> list[Scenario]:
    """Load every file, reporting the problems of all bad ones before exiting with code 2."""
    loaded = []
    failed = False
    for path in paths:
        try:
            loaded.append(load_scenario(path))
        except ScenarioError as exc:
            failed = True
            print_error(exc)
    if failed:
        raise typer.Exit(EXIT_BAD_INPUT)
    return loaded


def _without_interventions(sc: Scenario, path: Path) -> Scenario:
    """The doing-nothing baseline of a file compared alone: the same file, no interventions."""
    if not sc.interventions:
        fail(ScenarioError(str(path), [
            "interventions: none in this file, so there is nothing to compare with doing "
            "nothing; give a baseline and one or more scenarios, or a file with "
            "[[interventions]]"]))
    return with_changes(sc, {"interventions": [], "name": f"{sc.name}_no_interventions"})


def _root_seed(base: Scenario, replicates: int, jobs: int | None, seed: int | None) -> int:
    """Check --replicates, --jobs and --seed of vsim compare; returns the root seed."""
    if not 2 <= replicates <= MAX_REPLICATES:
        raise ScenarioError("--replicates", [
            f"--replicates = {replicates}: must be a whole number in [2, "
            f"{MAX_REPLICATES:,}] (an interval needs at least 2 replicates)"])
    if jobs is not None and jobs < 1:
        raise ScenarioError("--jobs", [
            f"--jobs = {jobs}: must be a whole number ≥ 1 (leave it out to use all cores)"])
    root = base.seed if seed is None else seed
    # replicate k runs with seed root + k, so the last seed must stay in range too
    if not 0 <= root <= SEED_MAX - (replicates - 1):
        raise ScenarioError("--seed", [
            f"--seed = {root}: out of range; with --replicates {replicates} it must be a "
            f"whole number in [0, {SEED_MAX - (replicates - 1)}] (seeds are root + 0.."
            f"{replicates - 1})"])
    return root


def _check_comparable(base: Scenario, others: list[Scenario], paths: list[Path],
                      baseline: Path) -> None:
    """Refuse scenarios that differ from the baseline in more than a comparison allows."""
    # deferred: pulls the model (numba), pandas, joblib and matplotlib (~2 s)
    from vsim.compare import comparability_problems

    for path, sc in zip(paths, others, strict=True):
        problems = comparability_problems(base, sc)
        if problems:
            raise ScenarioError(f"{path} (against the baseline {baseline})", problems)


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
    csv: Annotated[bool, flag("--csv", help="Write CSV instead of Parquet.")] = False,
    quiet: Annotated[bool, flag("--quiet", "-q", help="No table.")] = False,
    posterior: Annotated[Optional[Path], typer.Option(
        "--posterior", help="A vsim calibrate folder: each replicate runs on a posterior "
        "draw, so intervals include parameter uncertainty.")] = None,
    seeds_per_draw: Annotated[int, typer.Option(
        "--seeds-per-draw", help="Seeds per posterior draw (to split the variance).")] = 2,
    grant_cliff: Annotated[bool, typer.Option("--grant-cliff/--no-grant-cliff", help=(
        "Also run each portfolio whose funding ends inside the horizon sustained."))] = True,
) -> None:
    """Compare scenarios with a baseline on common random numbers, over replicates.

    Writes tables, appraisal and plots to --out; one file alone: against doing nothing.
    """
    alone = not scenarios
    compared = [baseline] if alone else list(scenarios)  # the files of the compared scenarios
    loaded = _load_each([baseline] if alone else [baseline, *compared])
    if alone:
        loaded.insert(0, _without_interventions(loaded[0], baseline))
    base, others = loaded[0], loaded[1:]
    try:
        root = _root_seed(base, replicates, jobs, seed)
        _check_comparable(base, others, compared, baseline)
        target = out_dir or Path("results") / f"compare-{base.name}"
        note = check_target(target, out_dir is not None, f"compare-{base.name}", results=True)
        draws = posterior and _posterior_for(posterior, seeds_per_draw, replicates, loaded)
    except ScenarioError as exc:
        fail(exc)
    # deferred: pulls the model (numba), pandas, joblib and matplotlib (~2 s)
    from vsim.compare import compare, unique_labels

    stems = ([f"{baseline.stem}_no_interventions", baseline.stem] if alone
             else [path.stem for path in [baseline, *compared]])
    labels = unique_labels([sc.name for sc in loaded], stems)
    progress = DelayedProgress(enabled=sys.stderr.isatty() and not quiet, unit="runs",
                               label="comparing")
    result, elapsed = timed(progress, lambda bar: compare(
        base, others, replicates, seed=root, jobs=jobs, labels=labels, progress=bar,
        posterior=draws, seeds_per_draw=seeds_per_draw, grant_cliff=grant_cliff))
    written = write_results(result, target, csv)
    if not quiet:
        print_comparison(result, elapsed)
    out.print(f"comparison written to [bold]{escape(str(written))}[/]{note}", highlight=False,
              soft_wrap=True)


def _posterior_for(folder: Path, seeds_per_draw: int, replicates: int, loaded):
    """The posterior of --posterior, checked: its parameters must be fields of the scenarios."""
    # deferred: pandas (~0.3 s), only when --posterior is given
    from vsim.posterior_projection import Posterior

    if not 1 <= seeds_per_draw <= replicates:
        raise ScenarioError("--seeds-per-draw", [
            f"--seeds-per-draw = {seeds_per_draw}: must be in [1, --replicates ({replicates})]"])
    draws = Posterior.load(folder)
    first = draws.changes(1, 0)[0]
    for sc in loaded:
        try:
            with_changes(sc, first)
        except (ScenarioError, KeyError, TypeError) as exc:
            detail = "; ".join(exc.problems) if isinstance(exc, ScenarioError) else exc
            raise ScenarioError(f"--posterior {folder}", [
                f"its parameters {list(first)} do not apply to {sc.name}: {detail}"]) from None
    return draws


def _print_sweep_status(folder: Path) -> None:
    """Print how far the sweep in a folder is (vsim sweep --status)."""
    # deferred: pulls the model (numba), pandas and joblib (~1.5 s)
    from vsim import sweep as sweeps

    if not (folder / "sweep.json").exists():
        fail(ScenarioError(str(folder), ["no sweep here (sweep.json is missing)"]))
    st = sweeps.status(folder)
    retry = (f" ({st['missing']:,} not run yet, {st['failed']:,} failed to retry: run the "
             f"same command again)" if st["failed"] else "")
    out.print(f"{st['experiment']}: {st['finished']:,} of {st['runs']:,} runs finished "
              f"({st['failed']:,} failed), {st['remaining']:,} to go{retry}",
              highlight=False, soft_wrap=True)


def _sweep_experiment(experiment: Path | None, out_dir: Path | None,
                      jobs: int) -> LoadedExperiment:
    """Check the arguments of vsim sweep and load its experiment file."""
    if experiment is None or out_dir is None:
        raise ScenarioError("vsim sweep", ["give an experiment file and --out DIR "
                                           "(or --status DIR)"])
    if jobs == 0 or jobs < -1:
        raise ScenarioError("--jobs", [f"--jobs = {jobs}: must be -1 (all cores) or ≥ 1"])
    with warnings.catch_warnings(record=True) as notes:
        warnings.simplefilter("always", FutureWarning)
        exp = load_experiment(experiment)
    for note in notes:  # renamed outcomes: say so, the file still works
        err.print(f"note: {experiment}: {note.message}", highlight=False, soft_wrap=True)
    check_target(out_dir, True, exp.spec.name)
    return exp


def _sweep_interrupted(folder: Path) -> NoReturn:
    """Say what an interrupted sweep kept (every run written so far) and how to resume."""
    # deferred: pulls the model (numba), pandas and joblib (~1.5 s)
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
    if status_dir is not None:
        _print_sweep_status(status_dir)
        return
    try:
        exp = _sweep_experiment(experiment, out_dir, jobs)
    except ScenarioError as exc:
        fail(exc)
    # deferred: pulls the model (numba), pandas and joblib (~1.5 s)
    from vsim import sweep as sweeps

    reused = sweeps.status(out_dir)["ok"] if (out_dir / "sweep.json").exists() else 0
    if reused:  # a resumed sweep: say what it keeps before making the rest
        err.print(f"resuming {escape(str(out_dir))}: {reused:,} finished runs are kept, not "
                  "made again", highlight=False, soft_wrap=True)
    progress = SweepProgress(sys.stderr.isatty())
    started = time.perf_counter()
    try:
        st = sweeps.execute(exp, out_dir, jobs=jobs, scheduler=scheduler, progress=progress)
    except ScenarioError as exc:
        progress.close()  # here, not only in finally: the bar must go before the message
        fail(exc)
    except KeyboardInterrupt:
        progress.close()
        _sweep_interrupted(out_dir)
    finally:
        progress.close()
    retry = (f"; the {st['failed']:,} failed runs are retried if you run the same command again"
             if st["failed"] else "")
    kept = f" ({reused:,} kept from before)" if reused else ""
    out.print(f"{st['finished']:,} of {st['runs']:,} runs finished{kept} ({st['failed']:,} "
              f"failed) in {time.perf_counter() - started:.0f} s; results in {out_dir}{retry}",
              highlight=False, soft_wrap=True)


@app.command()
def analyse(
    folder: Annotated[Path, typer.Argument(help="Sweep folder.")],
    drop_missing: Annotated[bool, flag(
        "--drop-missing", help="Leave out sample points with missing or failed runs.")] = False,
    csv: Annotated[bool, flag("--csv", help="Write CSV instead of Parquet.")] = False,
) -> None:
    """Sensitivity indices (Morris μ*, σ; Sobol S1, ST) and portfolio robustness, with plots."""
    # deferred: pulls the sweep, the model (numba) and pandas (~2 s)
    from vsim.analysis import analyse as run_analysis
    from vsim.analysis import write_analysis

    try:
        # names any missing file of the sweep folder, a bad manifest or a missing outcome
        result = run_analysis(folder, drop_missing=drop_missing)
    except ScenarioError as exc:
        fail(exc)
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
    # deferred: pulls pandas, pyarrow and the analysis of sweeps (~2 s)
    from vsim.report import write_report

    try:
        if not folder.is_dir():
            raise ScenarioError(str(folder), ["not a folder"])
        target = write_report(folder, output)
    except ScenarioError as exc:
        fail(exc)
    out.print(f"report written to {target}", highlight=False)


@app.command()
def plan(scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")]) -> None:
    """Print the tick order: which process runs when, and which are switched off."""
    try:
        sc = load_scenario(scenario)
    except ScenarioError as exc:
        fail(exc)
    # deferred: pulls numba, mesa and pandas (~1.5 s); vsim validate and vsim schema do without
    from vsim.model import ViolenceModel

    for k, cls in enumerate(ViolenceModel.PLAN, start=1):
        on = cls.switch is None or getattr(sc.processes, cls.switch)
        out.print(f"{k:>2}. [{'on ' if on else 'off'}] {cls.name:<14} {cls.description}",
                  highlight=False, markup=False, soft_wrap=True)


def _write_text_atomic(path: Path, text: str) -> None:
    """Write a text file via a temporary file and a rename, so it is never left half-written.

    Not vsim.results.write_atomic, whose import of pandas and pyarrow would make vsim schema
    four times slower.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        umask = os.umask(0)  # read by setting it: there is no other way to get the umask
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates files readable by the owner only
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@app.command()
def schema(
    output: Annotated[Optional[Path], typer.Option("--out", "-o",
                                                   help="Write to a file.")] = None,
) -> None:
    """Export the JSON Schema of scenario files (every field, default and source)."""
    text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        sys.stdout.write(text)
        return
    problems = ([f"--out {output}: is a folder; give a file name, e.g. {output}/schema.json"]
                if output.is_dir() else
                [f"--out {output}: {parent} is a file, not a folder"
                 for parent in output.parents if parent.exists() and not parent.is_dir()][:1])
    if problems:
        fail(ScenarioError("--out", problems))
    try:
        _write_text_atomic(output, text)
    except OSError as exc:
        err.print(f"[bold red]error[/]: cannot write {escape(str(output))}: "
                  f"{escape(str(exc.strerror or exc))}; nothing was written", highlight=False,
                  soft_wrap=True)
        raise typer.Exit(1) from None
    out.print(f"schema written to {output}", highlight=False, markup=False, soft_wrap=True)


def main() -> None:
    """Entry point of the console script."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted: nothing was written")
        sys.exit(EXIT_INTERRUPTED)


if __name__ == "__main__":
    main()
