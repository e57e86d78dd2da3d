"""Invariants that must hold after every step, and degenerate settings that must do nothing."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import quick
from reference.recording import count_stocks_reference

from vsim.model import ViolenceModel
from vsim.outcomes import STOCKS


def check_ties(model: ViolenceModel) -> None:
    """The tie table is a simple undirected graph over living people."""
    ties, alive = model.ties, model.people.alive == 1
    deg = ties.degree
    assert np.all(deg[~alive] == 0), "someone who left still has ties"
    edges, kinds = ties.edge_list(), ties.kinds()
    both = set()
    for i in np.nonzero(alive)[0]:
        row = ties.partner[i, : deg[i]]
        assert np.all(row >= 0) and np.all(alive[row]), "tie to an empty slot"
        assert i not in row, "self-tie"
        assert len(set(row.tolist())) == row.size, "duplicate tie"
        for s, j in enumerate(row):
            both.add((min(i, j), max(i, j), int(kinds[i, s])))
    # Every tie appears in both rows, with the same kind.
    assert len(both) == len(edges) == deg[alive].sum() // 2


@pytest.mark.parametrize("growth", [0.0, 0.2])
def test_invariants_every_step(growth):
    """The invariants hold every step, also when the arrays grow.

    With cohorts growing 20% a year the arrays outgrow their slots and are remade, and the
    processes' views of them must follow.
    """
    model = ViolenceModel(quick(**{"time.years": 3.0 if growth else 1.5,
                                   "time.burn_in_weeks": 0, "population.cohort_growth": growth}))
    capacity = model.people.capacity
    record = model.recorder
    ex = model.scenario.exploiters
    previous = int(model.people.alive.sum())
    for _ in range(model.total_steps):
        model.step()
        c = model.events
        alive = int(model.people.alive.sum())
        # Population conserved: now = before + entries − exits.
        assert alive == previous + c["entered_cohort"] - c["left_at_25"]
        previous = alive
        row = model.t - 1 - model.n_burn_in
        if row >= 0:
            recount = count_stocks_reference(model, model.t)
            for name in STOCKS:
                assert record.columns[name][row] == recount[name], name
            for name, col in record.columns.items():
                assert col[row] >= 0, f"{name} negative"
            assert (record.columns["n_none"][row] + record.columns["n_at_risk"][row]
                    + record.columns["n_involved"][row] + record.columns["n_entrenched"][row]
                    == alive)
        # Lines never exceed capacity and their counts match the people exploited.
        lines = model.lines
        exploited = model.people.exploited_by[model.people.alive == 1]
        counts = np.bincount(exploited[exploited >= 0], minlength=lines.active.size)
        assert np.array_equal(counts, lines.n_exploited)
        assert np.all(lines.n_exploited <= ex.max_recruits)
        assert np.all(lines.recruited_this_year <= ex.recruits_per_year)
        assert np.all(model.people.victimisation >= 0)
    check_ties(model)
    if growth:
        assert model.people.capacity > capacity, "the arrays grew"
    assert record.columns["entered_cohort"].sum() > 0, "a September passed: a cohort entered"
    assert record.columns["left_at_25"].sum() > 0


def test_recorded_counts_match_incident_log():
    results = ViolenceModel(quick()).run()
    steps, log = results.steps, results.incidents
    assert steps["incidents"].sum() == len(log) > 0
    per_step = log.groupby("step").size().reindex(steps["step"], fill_value=0).to_numpy()
    assert np.array_equal(per_step, steps["incidents"].to_numpy())
    assert steps["weapon_incidents"].sum() == log["weapon"].sum()
    assert steps["incidents_recorded"].sum() == log["recorded"].sum()
    # Neighbourhood and police.uk tables add up to the step totals.
    assert results.neighbourhoods["incidents"].sum() == len(log)
    police = results.police_uk.groupby("crime_type")["count"].sum()
    assert police["Violence and sexual offences"] + police["Robbery"] == log["recorded"].sum()
    assert police["Possession of weapons"] == steps["possession_offences"].sum()
    # Months add up too.
    assert results.monthly["incidents"].sum() == len(log)


def run_steps(**changes):
    return ViolenceModel(quick(**changes)).run().steps


def test_zero_transmission_and_background_gives_no_new_involvement():
    steps = run_steps(**{"contagion.beta": 0.0, "contagion.p_entry_background": 0.0})
    assert steps["entered_involvement"].sum() == 0
    involved = steps["n_involved"] + steps["n_entrenched"]
    base = run_steps()
    assert involved.iloc[-1] < (base["n_involved"] + base["n_entrenched"]).iloc[-1]


@pytest.mark.parametrize("change", [{"exploiters.max_recruits": 0},
                                    {"exploiters.recruits_per_year": 0},
                                    {"exploiters.recruitment_hazard": 0.0},
                                    {"exploiters.n_lines": 0}])
def test_zero_recruitment_capacity_recruits_nobody(change):
    steps = run_steps(**change)
    assert steps["recruited"].sum() == 0
    assert steps["n_exploited"].sum() == 0


def test_detection_zero_sends_nobody_to_custody():
    harsh = {"justice.p_charge": 1.0, "justice.p_custody": 1.0, "justice.p_custody_weapon": 1.0}
    steps = run_steps(**harsh, **{"justice.p_suspect_identified": 0.0,
                                  "justice.p_stop_search": 0.0})
    assert steps["incidents"].sum() > 0
    assert steps["identified"].sum() == 0
    assert steps["sent_to_custody"].sum() == 0
    assert steps["in_custody"].sum() == 0
    # The same charging and custody with detection on does send people to custody (with the
    # default, realistic rates only about one incident in 500 ends in custody).
    base = run_steps(**harsh)
    assert base["sent_to_custody"].sum() > 20, "with detection on, some go to custody"


def test_switching_offending_off_means_no_incidents():
    steps = run_steps(**{"processes.offending": False})
    assert steps["incidents"].sum() == 0 and steps["victimised_young_people"].sum() == 0


def test_guardianship_one_everywhere_removes_public_incidents():
    sc = quick(**{"offending.p_in_public": 1.0})
    types = [t.model_copy(update={"guardianship": 1.0}) for t in sc.places.types]
    sc = sc.model_copy(update={"places": sc.places.model_copy(update={"types": tuple(types)})})
    results = ViolenceModel(sc).run()
    assert len(results.incidents) == 0


def test_snapshots_match_the_step_table():
    results = ViolenceModel(quick(**{"outputs.snapshot_every_weeks": 13})).run()
    snaps, steps = results.snapshots, results.steps.set_index("step")
    assert sorted(snaps["step"].unique()) == list(range(0, len(steps), 13))
    for step, part in snaps.groupby("step"):
        assert len(part) == steps.loc[step, "n_young_people"]
        assert (part["involvement"] == "involved").sum() == steps.loc[step, "n_involved"]
        assert part["in_custody"].sum() == steps.loc[step, "in_custody"]
