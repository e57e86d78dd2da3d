"""Comparisons over a posterior: each replicate runs every arm on one posterior draw."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import quick
from test_cli import vsim_cmd

from vsim.compare import compare, simulate
from vsim.loading import ScenarioError, scenario_to_toml, with_changes
from vsim.posterior_projection import Posterior, probability_best

BETAS = [0.0004, 0.0012]


@pytest.fixture()
def posterior_dir(tmp_path):
    """A posterior of two contagion strengths, plus an observation parameter set aside."""
    folder = tmp_path / "fit"
    folder.mkdir()
    pd.DataFrame({"contagion.beta": BETAS, "observation.dispersion": [3.0, 9.0],
                  "weight": [0.5, 0.5]}).to_parquet(folder / "posterior.parquet")
    return folder


def small():
    return quick(**{"time.years": 1, "time.burn_in_weeks": 26})


def test_each_replicate_runs_both_arms_on_one_draw(posterior_dir):
    base = small()
    mentoring = with_changes(base, {"name": "mentoring", "interventions": [
        {"type": "mentoring", "staff": 3, "caseload": 10}]})
    post = Posterior.load(posterior_dir)
    assert list(post.draws.columns) == ["contagion.beta"]
    result = compare(base, [mentoring], 6, seed=3, jobs=1, posterior=post, seeds_per_draw=3)
    draws = result.meta["draws"]
    assert draws == [0, 0, 0, 1, 1, 1]
    beta_of = [c["contagion.beta"] for c in post.changes(2, 3)]
    rows = result.replicates
    for r in (0, 4):
        run = simulate(with_changes(base, {"contagion.beta": beta_of[draws[r]]}), 3 + r)
        got = rows[(rows["replicate"] == r) & (rows["outcome"] == "incidents_baseline")]
        assert float(got["value"].iloc[0]) == run.totals["incidents"]
    split = result.tables["posterior_variance"].set_index("outcome")
    row = split.loc["incidents_averted"]
    assert row["draws"] == 2 and row["seeds_per_draw"] == 3
    assert row["between_draws"] >= 0 and row["within_draws"] > 0
    best = result.tables["probability_best"]
    assert best["probability_best"].sum() == pytest.approx(1.0)
    # the acceptability curve is over the replicates, i.e. over the posterior draws run
    curve = result.tables["acceptability"]
    assert set(curve["n"]) == {6}
    effect = result.paired("mentoring", "discounted_incidents_averted")
    cost = result.paired("mentoring", "pv_incremental_cost")
    top = curve.iloc[-1]
    assert top["probability_worth_it"] == pytest.approx(
        np.mean(top["value_per_incident"] * effect - cost > 0))


def test_probability_best_shares_ties():
    reps = pd.DataFrame({"scenario": ["a", "b", "a", "b"], "replicate": [0, 0, 1, 1],
                         "outcome": "incidents_averted", "value": [5.0, 5.0, -1.0, -2.0]})
    best = probability_best(reps, ["nothing", "a", "b"]).set_index("scenario")
    # replicate 0: a and b tie; replicate 1: doing nothing is best
    assert best["probability_best"].tolist() == [0.5, 0.25, 0.25]


def test_command_line_posterior_and_its_errors(tmp_path, posterior_dir):
    base = tmp_path / "base.toml"
    base.write_text(scenario_to_toml(small()))
    arm = tmp_path / "arm.toml"
    arm.write_text(scenario_to_toml(with_changes(small(), {"name": "arm", "interventions": [
        {"type": "mentoring", "staff": 2, "caseload": 10}]})))
    done = vsim_cmd("compare", base, arm, "-n", "4", "-j", "1", "-q", "--posterior",
                    posterior_dir, "--out", tmp_path / "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    split = pd.read_parquet(tmp_path / "out" / "posterior_variance.parquet")
    assert set(split["outcome"]) >= {"incidents_averted", "incidents_reduction_pct"}
    assert np.isfinite(split["between_draws"]).all()
    empty = tmp_path / "empty"
    empty.mkdir()
    bad = vsim_cmd("compare", base, arm, "--posterior", empty, cwd=tmp_path)
    assert bad.returncode == 2 and "posterior.parquet" in bad.stderr
    wrong = tmp_path / "wrong"
    wrong.mkdir()
    pd.DataFrame({"contagion.betta": [0.1], "weight": [1.0]}).to_parquet(
        wrong / "posterior.parquet")
    bad = vsim_cmd("compare", base, arm, "--posterior", wrong, cwd=tmp_path)
    assert bad.returncode == 2 and "contagion.betta" in bad.stderr


def test_a_posterior_of_observation_parameters_alone_is_refused(tmp_path):
    pd.DataFrame({"observation.dispersion": [1.0], "weight": [1.0]}).to_parquet(
        tmp_path / "posterior.parquet")
    with pytest.raises(ScenarioError, match="only observation-model parameters"):
        Posterior.load(tmp_path)


def test_an_experiment_runs_each_sample_and_replicate_on_a_posterior_draw(tmp_path,
                                                                          posterior_dir):
    from vsim.experiment import load_experiment
    from vsim.sweep import tasks

    base = tmp_path / "base.toml"
    base.write_text(scenario_to_toml(small()))
    exp_file = tmp_path / "exp.toml"
    exp_file.write_text(f"""
name = "over_posterior"
base = "base.toml"
posterior = "{posterior_dir.name}"
replicates = 3
[design]
method = "latin_hypercube"
samples = 4
[[parameters]]
path = "justice.p_charge"
low = 0.1
high = 0.3
[[portfolios]]
name = "mentoring"
interventions = [{{ type = "mentoring", staff = 2, caseload = 10 }}]
""")
    exp = load_experiment(exp_file)
    unit = np.random.default_rng(1).uniform(size=(4, 1))
    runs = tasks(exp, unit)
    assert len(runs) == 4 * 2 * 3
    by_point = {}
    for t in runs:
        beta = t.scenario["contagion"]["beta"]
        assert t.posterior == {"contagion.beta": beta} and beta in BETAS
        assert t.scenario["justice"]["p_charge"] == t.values["justice.p_charge"]
        by_point.setdefault((t.sample, t.replicate), set()).add(beta)
    assert all(len(b) == 1 for b in by_point.values())  # every portfolio on the same draw
    assert len({b.pop() for b in by_point.values()}) == 2  # both draws are used
    (tmp_path / "bad.toml").write_text(exp_file.read_text().replace(
        posterior_dir.name, "nowhere"))
    with pytest.raises(ScenarioError, match="posterior = 'nowhere'"):
        tasks(load_experiment(tmp_path / "bad.toml"), unit)
