"""Burn-in checkpoints: the state after the burn-in, saved once and started from many times.

Runs that differ only in what the burn-in never sees (the interventions, the budget, crime
costs, outputs, the horizon) and share the seed go through the same burn-in, step for step:
the portfolios of one design point, the two arms of a paired comparison, posterior draws that
differ only in intervention parameters. A checkpoint holds that state (every state array, the
pools, the area's households and places, the clock and the little state processes keep), so
they can start from it; a run restored from one is bit-identical to the uninterrupted run
(tests/test_checkpoint.py).

A checkpoint is a folder: ``state.npz`` (arrays only, read without pickle) and
``checkpoint.json`` (what made it: the burn-in inputs, the seed, the model's source
fingerprint). It is refused for a scenario or seed it was not made from, naming the fields
that differ, and for any other version of the model code.
"""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from vsim.compiled import source_fingerprint
from vsim.results import atomic_dir
from vsim.state import Households, Lines, People, Places, Pools, Ties, Worry

FORMAT = 1
STATE_FILE = "state.npz"
META_FILE = "checkpoint.json"
# Scenario fields the burn-in never reads: interventions act from time.start on (one that
# starts earlier is refused, see BurnIn.problems), costs and outputs only after it, the horizon
# only at its end.
NOT_BURN_IN = ("name", "description", "interventions", "budget", "crime_costs", "appraisal",
               "outputs")
NOT_BURN_IN_TIME = ("years", "end")
# The state groups saved whole, by the model attribute that holds them (world.* for the area).
GROUPS = {"people": People, "ties": Ties, "lines": Lines, "pools": Pools,
          "world.households": Households, "world.places": Places, "worry": Worry}
# Per-step scratch, not state: every step starts by setting them to 1, so they are not saved,
# and a restored run gets modifiers at 1 of the kind its own scenario needs (vsim.state.People).
NOT_SAVED = ("people.modifiers",)


def _saved_fields(attr: str, group) -> list[str]:
    return [f for f in group._fields if f"{attr}.{f}" not in NOT_SAVED]


class CheckpointError(Exception):
    """A checkpoint that cannot be used: ``source`` names it, ``problems`` says why."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source}: cannot start from this burn-in:\n{lines}")


def burn_in_inputs(scenario) -> dict[str, Any]:
    """The scenario's fields the burn-in depends on, as JSON values."""
    data = scenario.model_dump(mode="json")
    for name in NOT_BURN_IN:
        data.pop(name, None)
    for name in NOT_BURN_IN_TIME:
        data["time"].pop(name, None)
    return data


def acting_in_burn_in(scenario) -> list[int]:
    """Indices of the interventions that start before time.start (they act in the burn-in)."""
    return [k for k, iv in enumerate(scenario.interventions)
            if iv.start is not None and iv.start < scenario.time.start]


def _flat(data: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted path -> value of nested tables (lists are values)."""
    if not isinstance(data, dict):
        return {prefix: data}
    out: dict[str, Any] = {}
    for key, value in data.items():
        out.update(_flat(value, f"{prefix}.{key}" if prefix else key))
    return out


@dataclass(frozen=True)
class BurnIn:
    """A saved burn-in: where it came from and its state."""

    source: str
    meta: dict[str, Any]
    arrays: dict[str, np.ndarray]

    def problems(self, scenario, seed: int) -> list[str]:
        """Why this burn-in is not the burn-in of ``scenario`` at ``seed`` (empty if it is)."""
        out = []
        if self.meta["model_fingerprint"] != source_fingerprint():
            out.append(f"it was made by another version of the model code (fingerprint "
                       f"{self.meta['model_fingerprint']}, this one {source_fingerprint()}); "
                       "make it again")
        if int(self.meta["seed"]) != int(seed):
            out.append(f"seed: it was made with seed {self.meta['seed']}, this run has {seed}")
        made, wanted = _flat(self.meta["inputs"]), _flat(burn_in_inputs(scenario))
        differ = sorted(k for k in made.keys() | wanted.keys() if made.get(k) != wanted.get(k))
        for path in differ[:8]:
            out.append(f"{path}: the burn-in was made with {made.get(path, '(absent)')!r}, "
                       f"this scenario has {wanted.get(path, '(absent)')!r}")
        if len(differ) > 8:
            out.append(f"... and {len(differ) - 8} more fields differ")
        for k in acting_in_burn_in(scenario):
            out.append(f"interventions[{k}].start is before time.start: it acts during the "
                           "burn-in, so no saved burn-in can stand for it")
        return out

    def restore(self, model) -> None:
        """Put a copy of the saved state into ``model`` (built from the same inputs, unstepped).

        Copies, so that one burn-in can start any number of runs.
        """
        a = {name: array.copy() for name, array in self.arrays.items()}
        own_modifiers = model.people.holds_modifiers
        for attr, group in GROUPS.items():
            # a field not saved is None for a moment: the modifiers, set just below
            value = group(*(None if f"{attr}.{field}" in NOT_SAVED else a[f"{attr}.{field}"]
                            for field in group._fields))
            owner, _, name = attr.rpartition(".")
            setattr(model.world if owner else model, name, value)
        model.people = model.people.modifiers_at_one(own_modifiers)
        n_gangs = int(self.meta["n_gang_areas"])
        model.gang_areas = [a[f"gang_areas.{k}"] for k in range(n_gangs)]
        model.t = int(self.meta["t"])
        model.next_pid = int(self.meta["next_pid"])
        for proc in model.processes:
            proc.restore_state(self.meta["processes"].get(proc.name, {}))


def burn_in_of(model) -> BurnIn:
    """A copy of ``model``'s state at the end of its burn-in, to start other runs from."""
    if model.t != model.n_burn_in:
        raise ValueError(f"the model is at step {model.t}, not at the end of its burn-in "
                         f"({model.n_burn_in}): save a checkpoint right after construction")
    early = acting_in_burn_in(model.scenario)
    if early:
        raise ValueError(f"interventions[{early[0]}] starts before time.start, so this burn-in "
                         "carries its effects: save the burn-in of the scenario without it")
    arrays: dict[str, np.ndarray] = {}
    for attr, group in GROUPS.items():
        owner, _, name = attr.rpartition(".")
        value = getattr(model.world if owner else model, name)
        for field in _saved_fields(attr, group):
            arrays[f"{attr}.{field}"] = np.array(getattr(value, field))
    for k, areas in enumerate(model.gang_areas):
        arrays[f"gang_areas.{k}"] = np.array(areas)
    meta = {"format": FORMAT, "model_fingerprint": source_fingerprint(),
            "seed": int(model.seed), "t": int(model.t), "next_pid": int(model.next_pid),
            "n_gang_areas": len(model.gang_areas),
            "processes": {p.name: p.saved_state() for p in model.processes},
            "inputs": burn_in_inputs(model.scenario)}
    return BurnIn(f"the burn-in of {model.scenario.name} (seed {model.seed})", meta, arrays)


def save_burn_in(model, folder: str | os.PathLike) -> Path:
    """Write ``model``'s state, at the end of its burn-in, to ``folder`` (atomically)."""
    burn_in = burn_in_of(model)
    target = Path(folder)
    with atomic_dir(target) as tmp:
        np.savez(tmp / STATE_FILE, **burn_in.arrays)
        (tmp / META_FILE).write_text(json.dumps(burn_in.meta, indent=1, sort_keys=True) + "\n",
                                     encoding="utf-8")
    return target


def load_burn_in(folder: str | os.PathLike) -> BurnIn:
    """Read a checkpoint folder; :class:`CheckpointError` says what is wrong with it."""
    path = Path(folder)
    source = str(path)
    if not path.is_dir():
        raise CheckpointError(source, ["not a folder (give the folder `vsim burn-in` wrote)"])
    missing = [name for name in (META_FILE, STATE_FILE) if not (path / name).is_file()]
    if missing:
        raise CheckpointError(source, [f"{', '.join(missing)} missing: not a complete "
                                       "burn-in checkpoint"])
    try:
        meta = json.loads((path / META_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointError(source, [f"{META_FILE} is not readable JSON ({exc})"]) from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CheckpointError(source, [f"{META_FILE}: format {meta.get('format')!r} "
                                       f"(this vsim reads format {FORMAT})"
                                       if isinstance(meta, dict) else
                                       f"{META_FILE} is not a checkpoint description"])
    try:
        with np.load(path / STATE_FILE, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise CheckpointError(source, [f"{STATE_FILE} is not readable ({exc})"]) from None
    needed = [f"{attr}.{f}" for attr, group in GROUPS.items() for f in _saved_fields(attr, group)]
    needed += [f"gang_areas.{k}" for k in range(int(meta.get("n_gang_areas", 0)))]
    absent = [name for name in needed if name not in arrays]
    if absent:
        raise CheckpointError(source, [f"{STATE_FILE} lacks {len(absent)} arrays (e.g. "
                                       f"{absent[0]}): not a complete checkpoint"])
    return BurnIn(source, meta, arrays)
