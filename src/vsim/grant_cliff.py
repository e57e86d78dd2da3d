"""The grant cliff: a portfolio whose funding ends, against the same portfolio sustained.

The seed's case studies keep saying that time-limited funds end before the work is embedded.
For a scenario whose funding ends inside the horizon, :func:`sustained` is the same portfolio
funded to the horizon's end (no ``end``, no total budget), run on the same seeds; the table of
:func:`grant_cliff_table` says, per replicate pair and with 95% intervals, what happens from
the first step after the cliff: incidents averted by each arm against the baseline, their
present cost and benefit, what sustaining would buy, and how long the ending portfolio's effect
lasts — the weeks until its incidents averted per week (a 13-week trailing mean over
replicates) fall to half their rate over the last year of funding, with a bootstrap interval
over replicates.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from vsim.appraisal import funding_end_step, priced_flows
from vsim.compare_runs import RunSummary
from vsim.intervals import mean_interval
from vsim.loading import with_changes
from vsim.prices import discount_factors
from vsim.scenario import Scenario

SMOOTHING_WEEKS = 13   # a quarter: weekly incidents averted are noisy
FUNDED_WINDOW_WEEKS = 52
BOOTSTRAP = 400

MEASURES = {
    "incidents_averted_after_cliff_ending": "incidents averted after the cliff, funding ending",
    "incidents_averted_after_cliff_sustained": "incidents averted after the cliff, sustained",
    "extra_incidents_averted_if_sustained": "more incidents averted by sustaining it",
    "pv_cost_after_cliff_ending": "cost after the cliff, funding ending (PV, £)",
    "pv_cost_after_cliff_sustained": "cost after the cliff, sustained (PV, £)",
    "pv_benefit_after_cliff_ending": "crime cost averted after the cliff, funding ending "
                                     "(PV, £)",
    "pv_benefit_after_cliff_sustained": "crime cost averted after the cliff, sustained (PV, £)",
    "npv_of_sustaining": "net present value of sustaining it after the cliff (£)",
    "weeks_effect_lasts": "weeks until the ending portfolio's effect halves after the cliff",
}


def sustained(scenario: Scenario) -> Scenario:
    """The same portfolio funded to the end of the horizon (the grant cliff removed)."""
    interventions = []
    for iv in scenario.interventions:
        data = {**iv.model_dump(mode="json", exclude_unset=True), "type": iv.type}
        data.pop("end", None)
        interventions.append(data)
    return with_changes(scenario, {"interventions": interventions, "budget.total": None,
                                   "name": f"{scenario.name} sustained"})


def has_cliff(scenario: Scenario) -> bool:
    """Whether the scenario's funding ends inside the horizon."""
    return funding_end_step(scenario) is not None


def _after(base: RunSummary, run: RunSummary, baseline: Scenario, scenario: Scenario,
           cliff: int, factors: np.ndarray) -> tuple[float, float, float]:
    """(incidents averted, PV cost, PV crime cost averted) from step ``cliff`` on."""
    averted = float((base.incidents_by_step[cliff:] - run.incidents_by_step[cliff:]).sum())
    crime, cost, _ = priced_flows(base, run, baseline, scenario)
    return (averted, float(np.dot(cost[cliff:], factors[cliff:])),
            float(np.dot(crime[cliff:], factors[cliff:])))


def weeks_to_half(averted_by_step: np.ndarray, cliff: int, step_days: int) -> float:
    """Weeks after the cliff until the smoothed effect falls to half its funded rate.

    ``averted_by_step``: mean incidents averted per step over replicates. NaN if there was no
    effect while funded; +inf if it has not halved by the end of the horizon.
    """
    def steps(weeks: int) -> int:
        return max(1, round(weeks * 7 / step_days))

    funded = averted_by_step[max(0, cliff - steps(FUNDED_WINDOW_WEEKS)):cliff]
    rate = float(funded.mean()) if funded.size else math.nan
    if not rate > 0:
        return math.nan
    smooth = pd.Series(averted_by_step).rolling(steps(SMOOTHING_WEEKS),
                                                min_periods=1).mean().to_numpy()
    below = np.flatnonzero(smooth[cliff:] <= rate / 2.0)
    return float(below[0] * step_days / 7.0) if below.size else math.inf


def grant_cliff_table(label: str, base_runs: list[RunSummary], ending: list[RunSummary],
                      kept: list[RunSummary], baseline: Scenario, scenario: Scenario,
                      seed: int) -> pd.DataFrame:
    """The grant-cliff measures of one scenario, one row each, with 95% intervals."""
    time = scenario.time
    cliff = funding_end_step(scenario)
    factors = discount_factors(time.n_steps, time.step_days, scenario.appraisal.discount_rate)
    values = {name: [] for name in MEASURES if name != "weeks_effect_lasts"}
    for b, e, k in zip(base_runs, ending, kept, strict=True):
        inc_e, cost_e, ben_e = _after(b, e, baseline, scenario, cliff, factors)
        # the sustained arm is valued like the ending one (same appraisal settings)
        inc_k, cost_k, ben_k = _after(b, k, baseline, scenario, cliff, factors)
        for name, value in (("incidents_averted_after_cliff_ending", inc_e),
                            ("incidents_averted_after_cliff_sustained", inc_k),
                            ("extra_incidents_averted_if_sustained", inc_k - inc_e),
                            ("pv_cost_after_cliff_ending", cost_e),
                            ("pv_cost_after_cliff_sustained", cost_k),
                            ("pv_benefit_after_cliff_ending", ben_e),
                            ("pv_benefit_after_cliff_sustained", ben_k),
                            ("npv_of_sustaining", (ben_k - ben_e) - (cost_k - cost_e))):
            values[name].append(value)
    rows = []
    for name, series in values.items():
        mean, _, lo, hi, n = mean_interval(np.asarray(series))
        rows.append((label, name, MEASURES[name], mean, lo, hi, n))
    rows.append((label, "weeks_effect_lasts", MEASURES["weeks_effect_lasts"],
                 *_persistence(base_runs, ending, cliff, time.step_days, seed)))
    table = pd.DataFrame(rows, columns=["scenario", "measure", "description", "mean",
                                        "ci_low", "ci_high", "n"])
    table["funding_end"] = max(iv.end for iv in scenario.interventions).isoformat()
    table["cliff_date"] = (time.start + pd.Timedelta(days=cliff * time.step_days)).isoformat()
    return table


def _persistence(base_runs, ending, cliff, step_days, seed) -> tuple[float, float, float, int]:
    """Weeks the effect lasts, on the mean over replicates, with a bootstrap interval."""
    averted = np.array([b.incidents_by_step - e.incidents_by_step
                        for b, e in zip(base_runs, ending, strict=True)], np.float64)
    point = weeks_to_half(averted.mean(axis=0), cliff, step_days)
    rng = np.random.default_rng(seed)
    n = averted.shape[0]
    draws = [weeks_to_half(averted[rng.integers(0, n, n)].mean(axis=0), cliff, step_days)
             for _ in range(BOOTSTRAP)]
    draws = np.asarray(draws)
    draws = draws[~np.isnan(draws)]
    if draws.size == 0:
        return point, math.nan, math.nan, n
    # no interpolation: a draw may be +inf (the effect outlasted the horizon)
    lo, hi = np.quantile(draws, [0.025, 0.975], method="inverted_cdf")
    return point, float(lo), float(hi), n
