"""Every process kernel agrees exactly with its plain-Python twin (tests/reference).

Each case positions a small model part-way through a step, just before the process, runs the
kernel on it and the twin on a deep copy, and compares every array of the state and every
event count. A module of tests/reference declares its twins in ``TWINS`` (process name →
twin), and may add worlds in ``WORLDS`` (name → function making a model) and cases in
``CASES`` ((process, world) pairs, beyond every twin in the two standard worlds), and name in
``OWN_WORLDS_ONLY`` the processes the standard worlds cannot exercise (they have no
interventions).
"""

from __future__ import annotations

import copy
import importlib
import pkgutil

import pytest
import reference
from helpers import quick
from reference import differences, model_before, run_both, state_of

from vsim.model import ViolenceModel

SMALL = {"population.n_young_people": 1500, "area.residents": 7317}


def weekly() -> ViolenceModel:
    """The quick town, 1,500 young people, weekly steps, 12 steps after the burn-in.

    t = 64: a rewiring step (every 4 weeks), and one with incidents for justice to answer.
    """
    model = ViolenceModel(quick(**SMALL))
    for _ in range(12):
        model.step()
    return model


def fortnightly() -> ViolenceModel:
    """The same town in 14-day steps, 8 steps after the burn-in (t = 34, a rewiring step)."""
    model = ViolenceModel(quick(**SMALL, **{"time.step_days": 14}))
    for _ in range(8):
        model.step()
    return model


TWINS: dict = {}
WORLDS: dict = {"weekly": weekly, "fortnightly": fortnightly}
CASES: list[tuple[str, str]] = []
OWN_WORLDS_ONLY: set[str] = set()
for info in pkgutil.iter_modules(reference.__path__):
    module = importlib.import_module(f"reference.{info.name}")
    TWINS.update(getattr(module, "TWINS", {}))
    WORLDS.update(getattr(module, "WORLDS", {}))
    CASES += getattr(module, "CASES", [])
    OWN_WORLDS_ONLY |= getattr(module, "OWN_WORLDS_ONLY", set())
CASES = [(p, w) for p in TWINS if p not in OWN_WORLDS_ONLY
         for w in ("weekly", "fortnightly")] + CASES


@pytest.fixture(scope="module")
def built():
    """Each world, built once per test module (cases take deep copies)."""
    cache: dict[str, ViolenceModel] = {}

    def get(name: str) -> ViolenceModel:
        if name not in cache:
            cache[name] = WORLDS[name]()
        return copy.deepcopy(cache[name])

    return get


def test_every_process_has_a_twin():
    names = [proc.name for proc in weekly().processes]
    assert sorted(TWINS) == sorted(names)


@pytest.mark.parametrize("process, world", CASES)
def test_kernel_and_twin_agree_exactly(built, process, world):
    model = model_before(process, built(world))
    before = state_of(model)
    kernel, twin, _ = run_both(model, process, TWINS[process])
    assert differences(before, kernel), f"{process} changed nothing: the case tests nothing"
    assert differences(kernel, twin) == []
