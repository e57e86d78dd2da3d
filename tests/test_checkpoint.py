"""Burn-in checkpoints: a run started from a saved burn-in is the uninterrupted run, bit for bit.

The world starts in July, so the burn-in ends mid-year (the exploiters' yearly recruitment
counts carry over), a September cohort enters in the first recorded months, and the portfolio
has services for people, places and lines, some starting on the first recorded day.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import quick
from test_reproducibility import assert_same_results

from vsim.checkpoint import CheckpointError, load_burn_in, save_burn_in
from vsim.loading import with_changes
from vsim.model import ViolenceModel
from vsim.vocabulary import MODIFIERS

PORTFOLIO = [
    {"type": "mentoring", "start": "2019-07-01", "staff": 3, "caseload": 10},
    {"type": "family_therapy", "start": "2019-09-02", "staff": 2, "caseload": 6},
    {"type": "hotspot_policing", "start": "2019-07-01"},
    {"type": "exploiter_disruption", "start": "2019-10-07"},
    {"type": "referral_pathway", "start": "2019-07-01", "staff": 2, "caseload": 15},
]


def world(**changes):
    """The quick town from July 2019, a 30-week burn-in, one year recorded."""
    return quick(**{"time.start": "2019-07-01", "time.burn_in_weeks": 30, "time.years": 1,
                    **changes})


def with_portfolio(sc):
    return with_changes(sc, {"interventions": PORTFOLIO})


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """The burn-in of the quick town without interventions, saved."""
    folder = tmp_path_factory.mktemp("burn") / "burn_in"
    save_burn_in(ViolenceModel(world(), seed=11), folder)
    return folder


def test_restored_run_is_the_uninterrupted_run(saved):
    """A portfolio started from the saved burn-in equals the portfolio run through."""
    sc = with_portfolio(world())
    through = ViolenceModel(sc, seed=11)
    restored = ViolenceModel(sc, seed=11, burn_in_from=saved)
    assert restored.t == through.t == sc.time.n_burn_in_steps
    a, b = through.run(), restored.run()
    assert a.participants.shape[0] > 20 and a.steps["incidents"].sum() > 100  # it did things
    assert_same_results(a, b)
    for name in ("level", "pid", "exploited_by", "custody_until", "victimisation"):
        assert np.array_equal(getattr(through.people, name), getattr(restored.people, name))
    assert np.array_equal(through.ties.partner, restored.ties.partner)
    assert np.array_equal(through.lines.recruited_this_year, restored.lines.recruited_this_year)


def test_one_burn_in_serves_both_arms_and_another_horizon(saved):
    """The baseline, and a longer horizon, start from the same checkpoint too."""
    for sc in (world(), world(**{"time.years": 1.5})):
        assert_same_results(ViolenceModel(sc, seed=11).run(),
                            ViolenceModel(sc, seed=11, burn_in_from=load_burn_in(saved)).run())


def test_modifiers_are_not_saved_and_a_restored_run_gets_those_its_scenario_needs(saved):
    """Modifiers are per-step scratch: a run with interventions gets its own, at 1."""
    assert "people.modifiers" not in load_burn_in(saved).arrays
    plain = ViolenceModel(world(), seed=11, burn_in_from=saved)
    portfolio = ViolenceModel(with_portfolio(world()), seed=11, burn_in_from=saved)
    assert not plain.people.holds_modifiers and portfolio.people.holds_modifiers
    assert portfolio.people.modifiers.shape == (len(MODIFIERS), portfolio.people.capacity)
    assert np.all(portfolio.people.modifiers == 1.0)


def test_the_year_of_exploitation_counts_is_kept(saved):
    """Without it, the first recorded step would reset a year's recruitment counts."""
    meta = json.loads((saved / "checkpoint.json").read_text())
    assert meta["processes"]["exploitation"] == {"year": 2019}


@pytest.mark.parametrize("changes, seed, named", [
    ({"contagion.beta": 0.0011}, 11, "contagion.beta"),
    ({"time.burn_in_weeks": 31}, 11, "time.burn_in_weeks"),
    ({}, 12, "seed"),
])
def test_another_burn_in_is_refused_naming_what_differs(saved, changes, seed, named):
    with pytest.raises(CheckpointError) as err:
        ViolenceModel(world(**changes), seed=seed, burn_in_from=saved)
    assert named in str(err.value)


def test_an_intervention_acting_in_the_burn_in_is_refused(saved):
    """One starting before time.start acts in the burn-in; one starting on it does not."""
    def mentoring(start):
        return with_changes(world(), {"interventions": [
            {"type": "mentoring", "start": start, "staff": 1, "caseload": 5}]})

    ViolenceModel(mentoring("2019-07-01"), seed=11, burn_in_from=saved)
    with pytest.raises(CheckpointError, match=r"interventions\[0\]\.start is before"):
        ViolenceModel(mentoring("2019-03-04"), seed=11, burn_in_from=saved)


def test_a_model_past_its_burn_in_cannot_be_saved(tmp_path):
    model = ViolenceModel(world(), seed=11)
    model.step()
    with pytest.raises(ValueError, match="not at the end of its burn-in"):
        save_burn_in(model, tmp_path / "late")
    assert not (tmp_path / "late").exists()


def test_broken_checkpoints_say_what_is_wrong(saved, tmp_path):
    with pytest.raises(CheckpointError, match="not a folder"):
        load_burn_in(tmp_path / "nothing")
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "checkpoint.json").write_text("{}")
    with pytest.raises(CheckpointError, match="state.npz missing"):
        load_burn_in(tmp_path / "half")
    (tmp_path / "half" / "state.npz").write_bytes(b"not a zip")
    with pytest.raises(CheckpointError, match="format"):
        load_burn_in(tmp_path / "half")
    (tmp_path / "half" / "checkpoint.json").write_text((saved / "checkpoint.json").read_text())
    with pytest.raises(CheckpointError, match="state.npz is not readable"):
        load_burn_in(tmp_path / "half")


def test_a_comparison_shares_each_replicates_burn_in(monkeypatch):
    """A comparison runs one burn-in per seed; the results are those of separate runs."""
    import vsim.compare_runs as cmp  # where one run of a comparison lives

    base = world()
    arms = [base, with_portfolio(base), with_changes(base, {"contagion.beta": 0.0011})]
    separate = [cmp.simulate(sc, 5) for sc in arms]
    started_from = []
    run_one = cmp.simulate
    monkeypatch.setattr(cmp, "simulate", lambda sc, seed, burn_in=None: (
        started_from.append(burn_in), run_one(sc, seed, burn_in))[1])
    shared = cmp.simulate_replicate(arms, 5)
    # the portfolio starts from the baseline's burn-in; another world runs its own
    assert started_from[0] is not None and started_from[1] is None
    for a, b in zip(separate, shared, strict=True):
        assert a.totals == b.totals
        assert np.array_equal(a.incidents_by_step, b.incidents_by_step)
        assert np.array_equal(a.participants, b.participants)
        assert np.array_equal(a.crime_cost_by_step, b.crime_cost_by_step)
        assert np.array_equal(a.programme_cost_by_step, b.programme_cost_by_step)


def test_command_line_burn_in_then_runs_from_it(tmp_path):
    """`vsim burn-in` saves, `vsim run --burn-in-from` gives the run's own results.

    A mismatch exits 2 naming the fields, with no traceback and nothing written.
    """
    import pandas as pd
    from test_cli import QUICK, vsim_cmd

    made = vsim_cmd("burn-in", QUICK, "--out", tmp_path / "burn", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert "saved to" in made.stdout and (tmp_path / "burn" / "state.npz").is_file()
    for args, out in ((("--burn-in-from", tmp_path / "burn"), "from"), ((), "through")):
        done = vsim_cmd("run", QUICK, "-q", "-o", tmp_path / out, *args, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    for table in ("steps", "incidents", "people"):
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "from" / f"{table}.parquet"),
                                      pd.read_parquet(tmp_path / "through" / f"{table}.parquet"))
    bad = vsim_cmd("run", QUICK, "-q", "-o", tmp_path / "bad", "--seed", "3", "--set",
                   "contagion.beta=0.002", "--burn-in-from", tmp_path / "burn", cwd=tmp_path)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "seed" in bad.stderr and "contagion.beta" in bad.stderr and "0.002" in bad.stderr
    assert not (tmp_path / "bad").exists()
    missing = vsim_cmd("run", QUICK, "-q", "--burn-in-from", tmp_path / "nope", cwd=tmp_path)
    assert missing.returncode == 2 and "not a folder" in missing.stderr
    early = tmp_path / "early.toml"
    early.write_text(QUICK.read_text() + '\n[[interventions]]\ntype = "mentoring"\n'
                     'start = 2018-06-04\nstaff = 1\ncaseload = 5\n')
    refused = vsim_cmd("burn-in", early, "--out", tmp_path / "b2", cwd=tmp_path)
    assert refused.returncode == 2 and "interventions[0].start" in refused.stderr
    assert not (tmp_path / "b2").exists()
