"""The grant cliff: a portfolio whose funding ends against the same portfolio sustained."""

from __future__ import annotations

import math

import numpy as np
import pytest

import vsim
from vsim.appraisal import funding_end_step
from vsim.compare import compare
from vsim.grant_cliff import has_cliff, sustained, weeks_to_half


def quick(**changes):
    return vsim.with_changes(vsim.load_scenario("scenarios/quick.toml"), changes)


def test_sustained_removes_only_the_funding_end():
    sc = quick(interventions=[{"type": "mentoring", "staff": 4, "end": "2020-06-30"},
                              {"type": "family_therapy", "start": "2019-06-01",
                               "end": "2020-03-31"}],
               **{"budget.total": 400_000.0})
    kept = sustained(sc)
    assert has_cliff(sc) and not has_cliff(kept)
    assert [iv.end for iv in kept.interventions] == [None, None]
    assert kept.interventions[0].staff == 4
    assert kept.interventions[1].start == sc.interventions[1].start
    assert kept.budget.total is None and kept.name == "quick sustained"


def test_weeks_to_half_on_curves_worked_by_hand():
    """Funded at 10 a week for a year, then 4 a week.

    The 13-week trailing mean first falls to 5 when 11 of its weeks are after the cliff,
    (11 × 4 + 2 × 10) / 13 = 4.92, i.e. 10 weeks after the cliff.
    """
    curve = np.r_[np.full(52, 10.0), np.full(60, 4.0)]
    assert weeks_to_half(curve, 52, 7) == 10.0
    # an effect that does not halve before the end of the horizon; none while funded
    assert weeks_to_half(np.r_[np.full(52, 10.0), np.full(30, 8.0)], 52, 7) == math.inf
    assert math.isnan(weeks_to_half(np.r_[np.zeros(52), np.full(30, 8.0)], 52, 7))


@pytest.fixture(scope="module")
def cliff_comparison():
    """Quick town over three years, mentoring funded for the first 18 months, 6 replicates."""
    sc = quick(name="mentoring", interventions=[
        {"type": "mentoring", "staff": 6, "end": "2020-06-30"}], **{"time.years": 3.0})
    base = vsim.with_changes(sc, {"interventions": [], "name": "base"})
    return sc, compare(base, [sc], replicates=6, jobs=2, grant_cliff=True)


def test_a_comparison_with_a_cliff_runs_the_portfolio_sustained_and_compares(cliff_comparison):
    sc, result = cliff_comparison
    assert result.labels == ["base", "mentoring", "mentoring sustained"]
    table = result.tables["grant_cliff"].set_index("measure")
    cliff = funding_end_step(sc)
    # incidents averted after the cliff, from the timeseries by hand
    ts = result.timeseries[result.timeseries["step"] >= cliff]
    after = ts.groupby(["scenario", "replicate"])["incidents"].sum().unstack("scenario")
    ending = (after["base"] - after["mentoring"]).mean()
    kept = (after["base"] - after["mentoring sustained"]).mean()
    assert table.loc["incidents_averted_after_cliff_ending", "mean"] == pytest.approx(ending)
    assert table.loc["incidents_averted_after_cliff_sustained", "mean"] == pytest.approx(kept)
    assert table.loc["extra_incidents_averted_if_sustained", "mean"] == pytest.approx(
        kept - ending)
    # sustaining costs more after the cliff: the ending arm pays only to finish current cases
    assert (table.loc["pv_cost_after_cliff_sustained", "ci_low"]
            > table.loc["pv_cost_after_cliff_ending", "ci_high"])
    # every replicate's benefit after the cliff is inside the PV of the whole horizon
    whole = result.paired("mentoring", "pv_crime_cost_averted_after_funding").mean()
    assert table.loc["pv_benefit_after_cliff_ending", "mean"] == pytest.approx(whole)
    weeks = table.loc["weeks_effect_lasts"]
    assert weeks["ci_low"] <= weeks["mean"] <= weeks["ci_high"]
    assert table["cliff_date"].iloc[0] == "2020-07-06"


def test_no_cliff_no_sustained_arm():
    sc = quick(name="mentoring", interventions=[{"type": "mentoring"}])
    base = vsim.with_changes(sc, {"interventions": [], "name": "base"})
    result = compare(base, [sc], replicates=2, jobs=1, grant_cliff=True)
    assert result.labels == ["base", "mentoring"] and "grant_cliff" not in result.tables


def test_weeks_to_half_counts_weeks_whatever_the_step():
    """Fortnightly steps: the 13-week window is 6 steps, the funded year 26.

    10 a step for 26 steps, then 4: the mean of 6 steps first falls to 5 with 5 of them after
    the cliff, (5 × 4 + 10) / 6 = 5, i.e. 4 steps = 8 weeks after it.
    """
    curve = np.r_[np.full(26, 10.0), np.full(30, 4.0)]
    assert weeks_to_half(curve, 26, 14) == 8.0
