"""The one run loop and what builds on it.

Its observers, the outcome vocabulary, process contracts and Mesa's conventions.
"""

from __future__ import annotations

import subprocess
import sys
import warnings

import mesa
import numpy as np
import pandas as pd
import pytest
from helpers import quick

import vsim
from vsim.experiment import Experiment
from vsim.loading import ScenarioError
from vsim.model import ViolenceModel
from vsim.observers import Observer
from vsim.outcomes import EventCounts, UnknownOutcome, comparison_outcome, outcome
from vsim.processes.base import Process, Sections

SHORT = {"time.years": 0.5, "time.burn_in_weeks": 8}


class Log(Observer):
    """Writes down every call it gets."""

    def __init__(self):
        self.calls = []

    def start(self, model):
        self.calls.append(("start", model.t))

    def after_step(self, model, t):
        assert model.t == t + 1, "told after the step, with the step just done"
        self.calls.append(("step", t))

    def finish(self, model):
        self.calls.append(("finish", model.t))


def test_every_observer_sees_every_step_exactly_once_in_order():
    early, late = Log(), Log()
    model = ViolenceModel(quick(**SHORT), observers=[early])
    burn_in, total = model.n_burn_in, model.total_steps
    assert burn_in == 8 and model.t == burn_in and model.steps == 0  # burn-in ran, unseen by Mesa
    model.run(observers=[late])
    assert early.calls == ([("start", 0)] + [("step", t) for t in range(total)]
                           + [("finish", total)])
    assert late.calls == ([("start", burn_in)] + [("step", t) for t in range(burn_in, total)]
                          + [("finish", total)])
    assert model.steps == model.n_recorded and not model.running
    model.finish()  # finishing twice tells nobody twice
    assert early.calls.count(("finish", total)) == 1


def test_stepping_by_hand_goes_through_the_same_loop():
    log = Log()
    model = ViolenceModel(quick(**SHORT), observers=[log])
    for _ in range(5):
        model.step()
    assert [c for c in log.calls if c[0] == "step"][-5:] == [("step", t) for t in range(8, 13)]
    assert model.steps == 5 and model.recorder.columns["n_young_people"][4] > 0
    assert model.recorder.columns["n_young_people"][5] == 0  # not recorded yet


def test_a_model_pickled_mid_run_resumes_bit_for_bit():
    import copy
    import pickle

    model = ViolenceModel(quick(**SHORT))
    for _ in range(6):
        model.step()
    for twin in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model)):
        a, b = model.run(), twin.run()
        pd.testing.assert_frame_equal(a.steps, b.steps, check_exact=True)
        model = ViolenceModel(quick(**SHORT))  # a fresh one for the next twin
        for _ in range(6):
            model.step()


def test_the_mesa_datacollector_holds_the_start_and_every_recorded_step():
    model = ViolenceModel(quick(**SHORT))
    results = model.run()
    frame = model.datacollector.get_model_vars_dataframe()
    assert len(frame) == model.n_recorded + 1  # Mesa's step 0 (the start) and every step
    assert frame["incidents"].iloc[0] == 0  # nothing has happened at the start
    assert frame["date"].iloc[0] == model.scenario.time.start.isoformat()
    steps = results.steps
    for name in ("incidents", "weapon_incidents", "n_exploited", "in_custody"):
        assert np.array_equal(frame[name].iloc[1:].to_numpy(), steps[name].to_numpy()), name


def test_mesa_batch_run_over_two_parameters_and_seeds_is_reproducible():
    sc = quick(**{"time.years": 0.5, "time.burn_in_weeks": 4,
                  "population.n_young_people": 1500})
    params = {"scenario": sc, "contagion.beta": [0.0005, 0.004], "seed": [1, 2]}

    def batch():
        rows = mesa.batch_run(ViolenceModel, parameters=params, iterations=1, max_steps=10,
                              number_processes=1, data_collection_period=1,
                              display_progress=False)
        return pd.DataFrame(rows)

    frame = batch()
    # 4 runs (2 β × 2 seeds), each with Mesa's steps 0..10
    assert frame["RunId"].nunique() == 4 and len(frame) == 4 * 11
    assert set(frame["Step"]) == set(range(11))
    assert set(zip(frame["contagion.beta"], frame["seed"])) == {
        (b, s) for b in (0.0005, 0.004) for s in (1, 2)}
    # each run is the model made directly with those values, step for step
    for (beta, seed), run in frame.groupby(["contagion.beta", "seed"]):
        model = ViolenceModel(sc, seed=seed, **{"contagion.beta": beta})
        for _ in range(11):
            model.step()
        direct = model.recorder.columns["incidents"][:10]
        assert np.array_equal(run.sort_values("Step")["incidents"].to_numpy()[1:11], direct)
    # and the whole table again, bit for bit
    pd.testing.assert_frame_equal(batch().drop(columns="scenario"),
                                  frame.drop(columns="scenario"))


def test_the_constructor_takes_names_paths_changes_and_mesa_seeds():
    by_name = ViolenceModel("quick", contagion__beta=0.002, **{"time.burn_in_weeks": 0})
    assert by_name.scenario.contagion.beta == 0.002 and by_name.scenario.name == "quick"
    by_path = ViolenceModel(str(vsim.loading.SHIPPED / "quick.toml"), rng=5,
                            **{"time.burn_in_weeks": 0})
    assert by_path.seed == 5
    drawn = ViolenceModel("quick", rng=np.random.default_rng(3), **{"time.burn_in_weeks": 0})
    again = ViolenceModel("quick", rng=np.random.default_rng(3), **{"time.burn_in_weeks": 0})
    assert drawn.seed == again.seed
    with pytest.raises(ValueError, match="seed or rng"):
        ViolenceModel("quick", seed=1, rng=1)
    with pytest.raises(ScenarioError, match="contagoin"):
        ViolenceModel("quick", **{"contagoin.beta": 0.1})
    with pytest.raises(ScenarioError, match="shipped scenario"):
        ViolenceModel("no_such_area")


def test_undeclared_outcomes_and_counters_are_errors_not_zeros():
    events = EventCounts()
    with pytest.raises(UnknownOutcome, match="'recruited'"):
        events.add("recruted", 1)
    with pytest.raises(UnknownOutcome):
        events["recruted"]
    with pytest.raises(UnknownOutcome, match="did you mean"):
        outcome("serious_injuries")
    with pytest.raises(UnknownOutcome):
        comparison_outcome("incidents_avertd")
    assert comparison_outcome("serious_injury_incidents_averted").unit == "incidents"
    model = ViolenceModel(quick(**{"time.burn_in_weeks": 0}))
    justice = next(p for p in model.processes if p.name == "justice")
    with pytest.raises(KeyError, match="without declaring it"):
        justice.count("recruited", 1)  # another process's counter


def test_experiment_outcomes_use_the_vocabulary_and_old_names_warn():
    spec = {"name": "x", "base": "b.toml", "parameters": [{"path": "contagion.beta",
                                                           "low": 0.1, "high": 0.2}]}
    with pytest.warns(FutureWarning, match="'cost_total' is now called 'programme_cost'"):
        exp = Experiment.model_validate({**spec, "outcomes": ["incidents", "cost_total"]})
    assert exp.outcomes == ("incidents", "programme_cost")
    with pytest.raises(ValueError, match="unknown"):
        Experiment.model_validate({**spec, "outcomes": ["incidnets"]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Experiment.model_validate({**spec, "outcomes": ["programme_cost"]})
        # a custom model's own outcome of that name is left alone
        custom = Experiment.model_validate({**spec, "model": "vsim.testing:ishigami",
                                            "outcomes": ["cost_total"]})
    assert custom.outcomes == ("cost_total",)


def test_vsim_sweep_says_an_old_outcome_name_was_renamed(tmp_path):
    """FutureWarnings are shown to end users; the command line prints the note itself."""
    quick_file = (vsim.loading.SHIPPED / "quick.toml").as_posix()
    experiment = tmp_path / "old.toml"
    experiment.write_text(
        f'name = "old"\nbase = "{quick_file}"\npopulation_scale = 0.1\n'
        'outcomes = ["incidents", "cost_total"]\n'
        '[design]\nmethod = "factorial"\nlevels = 2\n'
        '[[parameters]]\npath = "contagion.beta"\nlow = 0.0005\nhigh = 0.001\n')
    done = subprocess.run([sys.executable, "-m", "vsim", "sweep", str(experiment), "--out",
                           str(tmp_path / "out"), "--jobs", "1"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "'cost_total' is now called 'programme_cost'" in done.stderr
    runs = pd.read_parquet(tmp_path / "out" / "runs.parquet")
    assert "programme_cost" in runs.columns and "cost_total" not in runs.columns


def test_a_process_reading_an_undeclared_section_fails_at_construction():
    class Nosy(Process):
        name = "nosy"
        reads = ("justice",)

        @classmethod
        def rates_for(cls, sections, weeks):
            return (sections.justice.p_charge, sections.exploiters.n_lines)

    model = ViolenceModel(quick(**{"time.burn_in_weeks": 0}))
    with pytest.raises(AttributeError, match="reads the scenario section 'exploiters'"):
        Nosy(model)
    assert Sections(model.scenario, ("justice",), "x").justice is model.scenario.justice


def test_every_process_builds_its_rates_from_its_declared_sections_only():
    """Construction itself is the check (Sections raises), for every process of the plan."""
    model = ViolenceModel(quick(**{"time.burn_in_weeks": 0}))
    for process in model.processes:
        assert isinstance(process.rates, tuple)
        assert set(process.reads) <= set(vsim.Scenario.model_fields)
        assert all(name in model.streams.NAMES for name in process.Keys._fields)
