"""``vsim validate``: check scenario, experiment and calibration files, listing every problem."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from vsim.budget import delivery_warnings
from vsim.cli_output import EXIT_BAD_INPUT, err, out, print_problems
from vsim.loading import ScenarioError, load_scenario

# Top-level keys only an experiment file or a calibration file has (a scenario has neither).
EXPERIMENT_KEYS = {"design", "portfolios", "replicates", "root_seed", "outcomes", "base"}
CALIBRATION_KEYS = {"targets", "observation", "method"}


def kind_of(path: Path) -> str:
    """'experiment', 'calibration' or 'scenario', from the file's top-level keys."""
    try:
        keys = set(tomllib.loads(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return "scenario"  # the scenario loader reports what is wrong with the file
    if keys & CALIBRATION_KEYS:
        return "calibration"
    if keys & EXPERIMENT_KEYS:
        return "experiment"
    return "scenario"


def _check(path: Path) -> str:
    """Load ``path`` as what it is; the line to print when it is valid."""
    kind = kind_of(path)
    if kind == "experiment":
        # deferred: the experiment schema pulls the sweep designs (SALib, ~0.3 s)
        from vsim.experiment import load_experiment

        spec = load_experiment(path).spec
        return (f"{path}: ok, an experiment ({spec.design.method}, "
                f"{len(spec.parameters)} parameters, {spec.replicates} replicate"
                f"{'' if spec.replicates == 1 else 's'} per point)")
    if kind == "calibration":
        # deferred: the calibration package, only for calibration files
        from vsim.calibration.spec import load_calibration

        spec = load_calibration(path).spec
        return (f"{path}: ok, a calibration ({len(spec.parameters)} parameters, "
                f"{len(spec.targets)} targets)")
    sc = load_scenario(path)
    warn_delivery(sc, path)
    return (f"{path}: ok ({sc.n_young_people:,} young people when the burn-in begins, "
            f"{sc.time.n_steps} recorded steps)")


def warn_delivery(sc, source) -> None:
    """Print :func:`vsim.budget.delivery_warnings` for a scenario about to be used."""
    for warning in delivery_warnings(sc):
        err.print(f"[bold yellow]warning[/]: {escape(str(source))}: {escape(warning)}",
                  highlight=False, soft_wrap=True)


def validate(
    files: Annotated[list[Path], typer.Argument(help=(
        "Scenario, experiment or calibration TOML files (each is recognised by its keys)."))],
) -> None:
    """Check scenario, experiment and calibration files; report every problem (exit code 2)."""
    failed = False
    for path in files:
        try:
            line = _check(path)
        except ScenarioError as exc:
            failed = True
            err.print(f"[bold red]error[/]: {escape(exc.source)}:", highlight=False,
                      soft_wrap=True)
            print_problems(exc)
            continue
        out.print(line, highlight=False, markup=False, soft_wrap=True)
    if failed:
        raise typer.Exit(EXIT_BAD_INPUT)
