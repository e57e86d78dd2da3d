"""The interventions' own bookkeeping agrees with the twin's (tests/reference/interventions.py).

tests/test_twins.py compares the hot state after the interventions process; this compares, for
every interventions case, what the runtimes keep for themselves: participants (slots, ids,
status, steps of referral, enrolment and discharge, share done, pathway stages), the strength
each applied and the ledger row each booked. Over the cases every runtime family must have
acted (people enrolled, or places, lines or services changed) and every branch the twin
counts must have been reached, so no case passes vacuously.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
import reference.interventions as twin
from reference import finish_step, model_before, run_both

from vsim.delivery import RUNTIMES, Intervention
from vsim.interventions.base import ENROLLED

BRANCHES = (
    "boost", "boost fading", "boost not started", "cliff discharge", "cliff finish_current",
    "paid to finish", "completed", "dropped", "escalated", "closed", "closed at stage 5",
    "dropped between stages", "household repaired", "left while enrolled",
    "left while waiting", "stale", "no capacity", "declined", "full",
    "more candidates than room", "priority ages", "decaying", "effect ended", "floored at 0",
    "guardianship",
    "outreach elsewhere", "hotspot_policing", "exploiter_disruption", "community_reassurance",
    "reassured", "users' fear",
    *(f"targeting {rule}" for rule in ("police_referral", "school_referral", "risk_score",
                                       "network", "gang", "place", "random", "universal")))


WORLDS = [w for p, w in twin.CASES if p == "interventions"]
FOLLOW = 4  # steps each case is followed for the branch count


def _acted(model, acted: set[str]) -> None:
    """Add the runtimes that did something this step to ``acted``."""
    for iv in model.interventions:
        kind = type(iv).__name__
        if isinstance(iv, RUNTIMES["workforce_upskilling"]):
            if iv.boost_now(model.t) > 0:
                acted.add(kind)
        elif isinstance(iv, (RUNTIMES["hotspot_policing"], RUNTIMES["exploiter_disruption"],
                             RUNTIMES["community_reassurance"])):
            if iv.funded(model.t):
                acted.add(kind)
        elif np.any(iv.status == ENROLLED):
            acted.add(kind)


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
    return a == b


@pytest.mark.parametrize("world", WORLDS)
def test_runtimes_agree_with_the_twin(world):
    model = model_before("interventions", twin.WORLDS[world]())
    _, _, mirror = run_both(model, "interventions", twin.interventions)
    kernel, twin_rows = twin.runtime_state(model), twin.runtime_state(mirror)
    assert len(kernel) == len(twin_rows)
    wrong = [f"{k.get('label', 'model')}: {name}: kernel {k[name]!r}, twin {t[name]!r}"
             for k, t in zip(kernel, twin_rows, strict=True) for name in k
             if not _same(k[name], t[name])]
    assert wrong == []


def test_every_family_acted_and_every_branch_was_reached():
    """Over the cases and the steps after them, each runtime family acted and each branch ran.

    Each case is followed for FOLLOW steps, kernel and twin compared at each (so a branch
    reached by chance a step later still counts, and results that shift with the random
    numbers do not leave a branch unchecked); in each case's first step the kernel changed
    the runtimes' bookkeeping (so the comparison is not vacuous).
    """
    acted: set[str] = set()
    twin.HITS.clear()
    for world in WORLDS:
        model = twin.WORLDS[world]()
        for step in range(FOLLOW):
            model = model_before("interventions", model)
            before = copy.deepcopy(twin.runtime_state(model))
            _, _, mirror = run_both(model, "interventions", twin.interventions)
            after = twin.runtime_state(model)
            wrong = [f"{world}, step {step}: {name}" for k, t in zip(
                after, twin.runtime_state(mirror), strict=True) for name in k
                if not _same(k[name], t[name])]
            assert wrong == []
            assert step or any(not _same(a[n], b[n]) for a, b in zip(before, after, strict=True)
                               for n in a), f"{world}: the kernel changed no runtime's bookkeeping"
            _acted(model, acted)
            model = finish_step("interventions", model)
    families = {cls.__name__ for cls in RUNTIMES.values()} | {Intervention.__name__}
    assert families - acted == set()
    assert [b for b in BRANCHES if not twin.HITS[b]] == []
