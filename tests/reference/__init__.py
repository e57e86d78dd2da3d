"""Slow, obviously-correct twins of the numba kernels, all kept here (STYLE example 11).

Each process has a twin in plain Python, one module per process, written from the model
description (docs/odd.md, ODD: submodels) and the scenario's parameters rather than from the
process's rates record, so the record's arithmetic is checked too. A twin takes a model
positioned just before its process runs (:func:`model_before`), changes the model's state in
place as the process should, and returns the events it counts. tests/test_twins.py runs the
kernel on one copy of the model and the twin on another and asks that every array of the
state and every event count agree exactly, which also checks that a kernel changes nothing it
should not.

The twins draw with :func:`vsim.rng.draw_reference` (plain-integer splitmix64) and keep the
kernels' float32 roundings where the state is float32.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from vsim.model import ViolenceModel


def model_before(process: str, model: ViolenceModel) -> ViolenceModel:
    """Advance ``model`` part-way through its next step: up to, not including, ``process``.

    Does what ``ViolenceModel._advance`` does at the start of a step, then runs the enabled
    processes before ``process`` in PLAN order. The clock (``model.t``) is the step's.
    """
    names = [proc.name for proc in model.processes]
    if process not in names:
        raise ValueError(f"no process {process!r}; processes: {names}")
    model.events.clear()
    model.incidents = model.incident_buffer.first(0)
    model.possession_by_nbhd.fill(0)
    for proc in model.processes[: names.index(process)]:
        if proc.enabled:
            proc.step()
    return model


def finish_step(process: str, model: ViolenceModel) -> ViolenceModel:
    """Complete a step that :func:`model_before` began and ``process`` continued.

    Runs the enabled processes after ``process``, then moves the clock and tells the
    observers, as ``ViolenceModel._advance`` does at the end of a step.
    """
    names = [proc.name for proc in model.processes]
    for proc in model.processes[names.index(process) + 1:]:
        if proc.enabled:
            proc.step()
    model.t += 1
    model.running = model.t < model.total_steps
    for observer in model.observers:
        observer.after_step(model, model.t - 1)
    return model


def process_of(model: ViolenceModel, name: str):
    """The model's process called ``name``."""
    return next(proc for proc in model.processes if proc.name == name)


def state_of(model: ViolenceModel) -> dict[str, Any]:
    """Every array of the hot state, and the event counts, by a readable name (copies)."""
    state: dict[str, Any] = {}
    groups = {"people": model.people, "ties": model.ties, "places": model.world.places,
              "lines": model.lines, "pools": model.pools, "incidents": model.incidents,
              "households": model.world.households, "worry": model.worry}
    for group, arrays in groups.items():
        for field, arr in zip(arrays._fields, arrays, strict=True):
            state[f"{group}.{field}"] = np.array(arr, copy=True)
    state["possession_by_nbhd"] = model.possession_by_nbhd.copy()
    state["next_pid"] = model.next_pid
    state["fear_now"] = {k: v if v == v else "nan" for k, v in model.fear_now.items()}
    state["events"] = model.events.as_dict()
    return state


def differences(kernel: dict[str, Any], twin: dict[str, Any]) -> list[str]:
    """Where two states differ, described (empty when they agree exactly)."""
    out = []
    for name in kernel:
        a, b = kernel[name], twin[name]
        if isinstance(a, np.ndarray):
            if a.shape != b.shape or a.dtype != b.dtype:
                out.append(f"{name}: shape/dtype {a.shape} {a.dtype} vs {b.shape} {b.dtype}")
            elif not np.array_equal(a, b, equal_nan=a.dtype.kind == "f"):
                where = np.argwhere(a != b)
                first = tuple(int(x) for x in where[0])
                out.append(f"{name}: {len(where)} entries differ, first at {first}: "
                           f"kernel {a[first]!r}, twin {b[first]!r}")
        elif a != b:
            out.append(f"{name}: kernel {a!r}, twin {b!r}")
    return out


def run_both(model: ViolenceModel, process: str, twin) -> tuple[dict, dict, ViolenceModel]:
    """The state after the process's kernel and after its twin, from the same starting state.

    Returns (kernel state, twin state, the model the twin changed). The model given must be
    positioned with :func:`model_before`. The twin gets a deep copy; its returned event counts
    are added to that copy's ``events``.
    """
    mirror = copy.deepcopy(model)
    process_of(model, process).step()
    for event, n in (twin(mirror) or {}).items():
        mirror.events.add(event, n)
    return state_of(model), state_of(mirror), mirror


def f32(x: float) -> float:
    """``x`` rounded to float32, as a kernel storing into a float32 array does."""
    return float(np.float32(x))


def kind_of(ties, i: int, s: int) -> int:
    """The kind of the tie in slot ``s`` of row ``i``: 2 bits, four slots to a byte."""
    return (int(ties.kind[i, s // 4]) >> (2 * (s % 4))) & 3


def set_kind(ties, i: int, s: int, k: int) -> None:
    """Write kind ``k`` into slot ``s`` of row ``i``, leaving the byte's other slots alone."""
    shift = 2 * (s % 4)
    byte = int(ties.kind[i, s // 4])
    ties.kind[i, s // 4] = (byte & ~(3 << shift) & 0xFF) | (k << shift)


def remove_half_tie(ties, i: int, j: int) -> None:
    """Drop j from i's row: the row's last entry takes its place (the tie table's layout)."""
    partner, _, degree = ties
    for s in range(int(degree[i])):
        if partner[i, s] == j:
            last = int(degree[i]) - 1
            partner[i, s] = partner[i, last]
            set_kind(ties, i, s, kind_of(ties, i, last))
            partner[i, last] = -1
            degree[i] = last
            return
