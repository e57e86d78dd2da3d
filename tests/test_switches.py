"""Each process switch removes its mechanism and nothing else.

For every switch, the quick scenario (three county lines, two years) is run with that process
off. Its own events (and only the events that need it, named below) must be zero every step,
and every other event that is common with everything on (at least 20 over the run, so a zero
would be a miracle even at half the rate) must still happen.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import quick

import vsim
from vsim.model import ViolenceModel
from vsim.outcomes import EVENTS
from vsim.scenario import ProcessSwitches

CHANGES = {"exploiters.n_lines": 3, "time.years": 2.0}
COMMON = 20  # events this frequent with everything on must survive an unrelated switch

# What else stops with a process: outcomes it makes that are not its counters (incidents),
# and events of other processes that need it (no incidents: no police response).
DOWNSTREAM = {
    "offending": {"incidents", "victimised_young_people", "identified", "charged",
                  "sent_to_custody", "released"},
    "weapon_carrying": {"possession_offences"},
    "justice": {"released"},
    "exploitation": set(),
}
OWN = {cls.switch: set(cls.counts) for cls in ViolenceModel.PLAN if cls.switch}


@pytest.fixture(scope="module")
def everything_on():
    return vsim.run(quick(**CHANGES), seed=2).steps


def test_every_switch_has_a_process_or_is_a_creation_switch():
    switches = set(ProcessSwitches.model_fields)
    assert switches == set(OWN) | {"risk_factors"}
    # every process but contagion (exposure) and offending (incidents) counts its events
    assert {s for s in OWN if not OWN[s]} == {"contagion", "offending"}


@pytest.mark.parametrize("switch", sorted(OWN))
def test_a_switch_removes_its_mechanism_only(switch, everything_on):
    steps = vsim.run(quick(**CHANGES, **{f"processes.{switch}": False}), seed=2).steps
    silenced = OWN[switch] | DOWNSTREAM.get(switch, set())
    for event in silenced:
        assert steps[event].sum() == 0, f"{switch} off: {event} still happens"
    common = {e for e in EVENTS if everything_on[e].sum() >= COMMON} - silenced
    for event in sorted(common):
        assert steps[event].sum() > 0, f"{switch} off stopped {event}, another mechanism"


def test_contagion_off_means_no_exposure_but_involvement_goes_on():
    model = ViolenceModel(quick(**CHANGES, **{"processes.contagion": False}), seed=2)
    res = model.run()
    assert np.all(model.people.exposure == 0.0)
    assert res.steps["attributable_to_exposure"].sum() == 0
    # the borough bug this fixes: with contagion off, the involved never desisted
    assert res.steps["desisted"].sum() > 50 and res.steps["entered_involvement"].sum() > 50


def test_involvement_off_freezes_levels_except_arrivals_and_departures():
    model = ViolenceModel(quick(**CHANGES, **{"processes.involvement": False,
                                              "processes.life_course": False}), seed=2)
    before = model.people.level.copy()
    model.run()
    # gang members recruited at the yearly top-up are already involved; nothing else moves
    assert np.array_equal(model.people.level, before)


def test_victimisation_off_means_nobody_carries_recent_victimisation():
    model = ViolenceModel(quick(**CHANGES, **{"processes.victimisation": False}), seed=2)
    steps = model.run().steps
    assert np.all(model.people.victimisation == 0.0) and steps["incidents"].sum() > 100
    assert steps["victims_in_population"].sum() > 0  # victims are still chosen


def test_weapon_carrying_off_means_nobody_carries():
    steps = vsim.run(quick(**CHANGES, **{"processes.weapon_carrying": False}), seed=2).steps
    assert steps["weapon_carriers"].max() == 0 and steps["incidents"].sum() > 100


def test_risk_factors_off_gives_everyone_average_risk():
    model = ViolenceModel(quick(**{"processes.risk_factors": False, "time.burn_in_weeks": 0}))
    alive = model.people.alive == 1
    assert np.all(model.people.risk_score[alive] == 0.0)
    assert np.all(model.people.ace[alive] == 0)
