"""What ``vsim run`` and ``vsim burn-in`` are given, checked before anything runs.

Each problem raises :class:`vsim.loading.ScenarioError` naming the option or field, the value
and what is allowed; the command reports it and exits with code 2.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import typer

from vsim.loading import ScenarioError, load_scenario, with_changes
from vsim.scenario import Scenario

SEED_MAX = 2**63 - 1  # the range of a scenario's `seed` field


def check_target(target: Path, explicit: bool, name: str, results: bool = False) -> str:
    """Refuse, before simulating, a results folder that could not be written.

    Without --out the folder is results/<scenario name>, so the name must be a plain folder
    name (no path separators, not "." or ".."). With ``results`` (run, compare) an existing
    folder is replaced only if it holds vsim's results (a manifest.json), and the returned
    note says so ("" otherwise): a folder of anything else is refused, not deleted.
    """
    problems = []
    note = ""
    if results and target.is_dir() and any(target.iterdir()):
        if not (target / "manifest.json").is_file():
            problems.append(f"--out {target}: the folder exists and does not hold vsim "
                            "results (no manifest.json); give another folder, or empty it")
        note = " (replacing the earlier results there)"
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
    return note


def parse_set(items: list[str]) -> dict:
    """``--set a.b=value`` pairs, values parsed as TOML scalars (numbers, booleans, strings)."""
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
            value = raw  # not a TOML value: taken as a string, so quotes are optional
        changes[path.strip()] = value
    if problems:
        raise ScenarioError("--set", problems)
    return changes


def scenario_with_changes(path: Path, set_: list[str], seed: int | None) -> Scenario:
    """The scenario of ``vsim run`` or ``vsim burn-in``: the file, its --set changes, --seed."""
    sc = load_scenario(path)
    if set_:
        sc = with_changes(sc, parse_set(set_))
    if seed is not None and not 0 <= seed <= SEED_MAX:
        raise ScenarioError("--seed", [
            f"--seed = {seed}: out of range; it must be a whole number in [0, {SEED_MAX}]"])
    return sc


def burn_in_for(folder: Path, sc: Scenario, seed: int | None):
    """The saved burn-in of --burn-in-from, checked against the scenario and seed."""
    # deferred: the checkpoint module is part of the model (numba)
    from vsim.checkpoint import CheckpointError, load_burn_in

    try:
        burn_in = load_burn_in(folder)
        problems = burn_in.problems(sc, sc.seed if seed is None else seed)
    except CheckpointError as exc:
        raise ScenarioError(f"--burn-in-from {exc.source}", exc.problems) from None
    if problems:
        raise ScenarioError(f"--burn-in-from {folder}", problems)
    return burn_in


def check_threads(threads: int) -> None:
    """Refuse a ``--threads`` outside 1..numba's maximum, before anything runs."""
    # deferred: numba's configuration (~0.3 s to import), which only `vsim run` needs
    from vsim.compiled import thread_problem

    if (problem := thread_problem(threads)) is not None:
        raise ScenarioError("--threads", [problem])


def flag(*names: str, help: str):  # noqa: A002 (typer's own keyword)
    """A switch such as ``--csv``: no value, and none shown in the help (typer shows <bool>)."""
    return typer.Option(*names, metavar="", help=help)
