"""The recorder's kernels agree exactly with their plain-Python twins (tests/reference/recording).

The recorder observes, it changes nothing, so its kernels are checked directly on the model
state after each of several steps: the stocks (stock_kernel via count_stocks), the step's
incident counts and neighbourhood table (incident_kernel via incident_counts), and the row
the recorder wrote for the step (events, incident counts, stocks going into the next step, the
neighbourhood table with its possession column).
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import quick
from reference.recording import count_stocks_reference, incidents_twin, stocks_twin

from vsim.model import ViolenceModel
from vsim.recorder import count_stocks, incident_counts

SMALL = {"population.n_young_people": 1500, "area.residents": 7317}
WORLDS = {
    "weekly": SMALL,
    # custody made likelier, so that eight steps surely hold someone in custody
    "fortnightly": {**SMALL, "time.step_days": 14, "justice.p_custody": 0.5},
    # many incidents a step: robberies, weapons, injuries, victims outside the population
    "violent": {**SMALL, "offending.h0": 0.004, "networks.n_gangs": 2},
    "no_offending": {**SMALL, "processes.offending": False},  # no incidents at all
}
STEPS = 8


def _check_step(model, seen: dict) -> None:
    """Compare the kernels and the recorded row with the twins after a step."""
    n_nbhd = model.world.nbhd_share.shape[0]
    stocks = stocks_twin(model, model.t)
    assert count_stocks(model.people, model.lines, model.t) == stocks
    assert count_stocks_reference(model, model.t) == stocks
    table = np.full((n_nbhd, 7), -1, np.int64)  # incident_counts zeroes it first
    counts, twin_table = incidents_twin(model.incidents, n_nbhd)
    assert incident_counts(model.incidents, table) == counts
    assert np.array_equal(table[:, :6], twin_table[:, :6])
    row = model.t - 1 - model.n_burn_in
    rec = model.recorder
    expected = {**model.events.as_dict(), **counts, **stocks}
    assert {name: rec.columns[name][row] for name in expected} == expected
    assert np.array_equal(rec.by_neighbourhood[row][:, :6], twin_table[:, :6])
    assert np.array_equal(rec.by_neighbourhood[row][:, 6], model.possession_by_nbhd)
    # the fear process's shares of the step, as it left them (its twin: tests/reference/fear.py)
    assert {name: rec.latest[name] for name in model.fear_now} == model.fear_now
    assert {name: rec.columns[name][row] for name in model.fear_now} == model.fear_now
    assert np.array_equal(rec.worry_by_neighbourhood[row], model.worry.worried)
    assert {k: v for k, v in rec.latest.items() if k not in model.fear_now} == expected
    for name, value in expected.items():
        seen[name] = seen.get(name, 0) + value
    seen["victims_outside"] = (seen.get("victims_outside", 0) + counts["incidents"]
                               - counts["victims_in_population"])


@pytest.mark.parametrize("world", WORLDS)
def test_recorder_kernels_agree_with_their_twins(world):
    model = ViolenceModel(quick(**WORLDS[world]))
    seen: dict = {}
    for _ in range(STEPS):
        model.step()
        _check_step(model, seen)
    if world == "no_offending":
        assert seen["incidents"] == 0
    else:  # every count was non-zero at some step: no comparison was of zeros only
        assert all(v > 0 for k, v in seen.items() if k in (
            "incidents", "incidents_recorded", "recorded_robberies", "weapon_incidents",
            "serious_injury_incidents", "robberies", "victims_under_25", "victims_outside",
            "victims_in_population", "first_time_perpetrators", "reoffending_incidents",
            "incidents_after_exposure", "in_custody", "known_to_police", "weapon_carriers",
            "n_exploited", "n_entrenched")), seen


def test_the_packed_incident_log_gives_back_every_value_with_the_buffer_types():
    """Extreme values of each column, every flag pattern, and an empty step, round-tripped.

    Ids beyond int32 must stay exact (a chunk keeps them in int64), -1 for "none" too, and
    each flag must come back from its own bit.
    """
    from vsim import incident_log
    from vsim.state import INCIDENT_FIELDS, Incidents

    rng = np.random.default_rng(4)
    chunks, want = [], {name: [] for name in incident_log.COLUMNS}
    for step, n in enumerate((512, 0, 300)):
        inc = Incidents.empty(n)
        for name in incident_log.FLAGS:
            getattr(inc, name)[:] = rng.integers(0, 2, n)
        big = 2**40 if step == 2 else 90_000  # a later chunk with ids past int32
        inc.perpetrator_id[:] = rng.integers(0, big, n)
        inc.victim_id[:] = rng.integers(-1, big, n)
        inc.place[:] = rng.integers(-1, 40_000, n)
        inc.neighbourhood[:] = rng.integers(0, 30, n)
        inc.perpetrator_age[:] = rng.integers(10, 25, n)
        inc.perpetrator_level[:] = rng.integers(0, 4, n)
        inc.exposure_share[:] = rng.random(n).astype(np.float32)
        chunks.append(incident_log.pack(inc, step + 7))
        want["step"].append(np.full(n, step + 7, np.int32))
        for name in incident_log.COLUMNS[1:]:
            want[name].append(getattr(inc, name))
    assert chunks[0]["perpetrator_id"].dtype == np.int32  # narrowed
    assert chunks[2]["perpetrator_id"].dtype == np.int64
    assert sum(a.nbytes for a in chunks[0].values()) < 22 * 512
    got = incident_log.unpack(chunks)
    for name in incident_log.COLUMNS:
        expected = np.concatenate(want[name])
        assert got[name].dtype == (np.int32 if name == "step" else INCIDENT_FIELDS[name][0])
        assert np.array_equal(got[name], expected), name
    empty = incident_log.unpack([])
    assert set(empty) == set(incident_log.COLUMNS) and all(a.size == 0 for a in empty.values())
