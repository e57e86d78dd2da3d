"""What a portfolio's money buys, appraised as HM Treasury's Green Book asks.

Per replicate (a scenario against the baseline on one seed, or one posterior draw), every sum
is moved into one price year with the GDP deflator (:mod:`vsim.prices`) and discounted at the
Green Book rate by the appraisal year it falls in (evidence: green-book-discounting):

* **present value (PV)** of the programme cost, the incremental cost and the crime cost
  averted; **net present value** = PV crime cost averted − PV incremental cost; **benefit-cost
  ratio** = PV crime cost averted / PV incremental cost;
* **discounted incidents averted** (the Green Book discounts non-monetised effects too) and
  **cost per incident averted** = PV incremental cost / discounted incidents averted;
* the **share of the benefit after the funding ends**: PV crime cost averted from the first
  step after the last intervention's funding ends, over the whole PV (none when the portfolio is
  funded to the horizon).

Decision under uncertainty, in the conventions of health economics (evidence: nice-ceac): the
cost-effectiveness plane (each replicate a point: discounted incidents averted, PV incremental
cost), net monetary benefit NMB(λ) = λ × discounted incidents averted − PV incremental cost at a
value λ per incident averted, and the acceptability curve: the share of replicates with
NMB(λ) > 0. With a calibration's posterior, replicates run on posterior draws, so the plane and
the curve carry parameter uncertainty as well as chance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from vsim.compare_runs import RunSummary
from vsim.evidence import cited, row
from vsim.intervals import mean_interval
from vsim.prices import discount_factors, present_value, price_factor
from vsim.scenario import Scenario

# Summarised as ratios of means (numerator, denominator) with Fieller's interval.
APPRAISAL_RATIOS = {
    "pv_benefit_cost_ratio": ("pv_crime_cost_averted", "pv_incremental_cost"),
    "pv_cost_per_incident_averted": ("pv_incremental_cost", "discounted_incidents_averted"),
    "benefit_after_funding_share": ("pv_crime_cost_averted_after_funding",
                                    "pv_crime_cost_averted"),
}
# points of the acceptability curve (evidence: assume-willingness-to-pay-range)
N_VALUES = 61
VALUE_RANGE_MULTIPLE = 3.0  # up to 3 × the baseline's cost of crime per incident (same row)


def crime_price_factor(scenario: Scenario) -> float:
    """£1 of the scenario's unit costs of crime in its appraisal's price year."""
    return price_factor(scenario.crime_costs.price_year, scenario.appraisal.price_year)


def programme_price_factor(scenario: Scenario) -> float:
    """£1 of the scenario's intervention costs in its appraisal's price year."""
    settings = scenario.appraisal
    written = settings.programme_costs_price_year or settings.price_year
    return price_factor(written, settings.price_year)


def funding_end_step(scenario: Scenario) -> int | None:
    """First recorded step after the portfolio's last funding ends; None if funded throughout.

    None too when there are no interventions, one of them has no end inside the horizon, or
    the funding ends in the horizon's last, unrecorded days.
    """
    time = scenario.time
    ends = [iv.end for iv in scenario.interventions]
    if not ends or any(end is None or end >= time.end_date for end in ends):
        return None
    days = (max(ends) - time.start).days + 1   # the day after the last funded day
    cliff = max(0, math.ceil(days / time.step_days))
    return cliff if cliff < time.n_steps else None  # a cliff after the last recorded step


def funding_window(scenarios: list[Scenario]) -> tuple | None:
    """(first funded day, last funded day) over the scenarios' interventions, in the horizon."""
    spans = [((iv.start or sc.time.start), min(iv.end or sc.time.end_date, sc.time.end_date))
             for sc in scenarios for iv in sc.interventions]
    if not spans:
        return None
    return min(s for s, _ in spans), max(e for _, e in spans)


def priced_flows(base: RunSummary, run: RunSummary, baseline: Scenario,
                 scenario: Scenario) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per step, in the price year: crime cost averted, the run's and the baseline's cost."""
    averted = (base.crime_cost_by_step * crime_price_factor(baseline)
               - run.crime_cost_by_step * crime_price_factor(scenario))
    return (averted, run.programme_cost_by_step * programme_price_factor(scenario),
            base.programme_cost_by_step * programme_price_factor(baseline))


def appraise(base: RunSummary, run: RunSummary, baseline: Scenario,
             scenario: Scenario) -> dict[str, float]:
    """The Green Book outcomes of one replicate of ``scenario`` against ``baseline``."""
    time = scenario.time
    factors = discount_factors(time.n_steps, time.step_days, scenario.appraisal.discount_rate)
    averted, cost_run, cost_base = priced_flows(base, run, baseline, scenario)
    pv_averted = present_value(averted, factors)
    pv_cost = present_value(cost_run, factors)
    pv_incremental = pv_cost - present_value(cost_base, factors)
    incidents = present_value(base.incidents_by_step - run.incidents_by_step, factors)
    cliff = funding_end_step(scenario)
    after = (present_value(averted[cliff:], factors[cliff:]) if cliff is not None
             else math.nan)
    return {
        "pv_programme_cost": pv_cost,
        "pv_incremental_cost": pv_incremental,
        "pv_crime_cost_averted": pv_averted,
        "npv": pv_averted - pv_incremental,
        "pv_benefit_cost_ratio": pv_averted / pv_incremental if pv_incremental else math.nan,
        "discounted_incidents_averted": incidents,
        "pv_cost_per_incident_averted": pv_incremental / incidents if incidents else math.nan,
        "pv_crime_cost_averted_after_funding": after,
        "benefit_after_funding_share": (after / pv_averted if pv_averted and cliff is not None
                                        else math.nan),
    }


# --------------------------------------------------------------- decision under uncertainty
def value_grid(crime_cost_per_incident: float | None) -> np.ndarray:
    """Values per incident averted for the acceptability curve, from £0."""
    top = VALUE_RANGE_MULTIPLE * (crime_cost_per_incident or 10_000.0)
    return np.linspace(0.0, top, N_VALUES)


def acceptability(replicates: pd.DataFrame, values: np.ndarray) -> pd.DataFrame:
    """Per scenario and value λ per incident averted: P(NMB > 0) and the mean NMB's interval.

    ``replicates`` is a comparison's tidy table (scenario, replicate, outcome, value).
    """
    rows = []
    wide = replicates.pivot_table(index=["scenario", "replicate"], columns="outcome",
                                  values="value", sort=False)
    for label, part in wide.groupby(level="scenario", sort=False):
        effect = part["discounted_incidents_averted"].to_numpy()
        cost = part["pv_incremental_cost"].to_numpy()
        for value in values:
            nmb = value * effect - cost
            mean, _, lo, hi, n = mean_interval(nmb)
            rows.append((label, float(value), float(np.mean(nmb > 0)), mean, lo, hi, n))
    return pd.DataFrame(rows, columns=["scenario", "value_per_incident", "probability_worth_it",
                                       "net_monetary_benefit", "nmb_ci_low", "nmb_ci_high",
                                       "n"])


# ------------------------------------------------------------------------ evidence strength
@dataclass(frozen=True)
class EvidenceStrength:
    """How far the evidence behind an intervention's effect can be trusted."""

    rating: str          # "published estimate", "assumption informed by published evidence", ...
    weak: bool           # say so beside any figure that rests on it
    rows: tuple[str, ...]  # the evidence rows its effect cites


def evidence_strength(spec) -> EvidenceStrength:
    """The strength of an intervention's effect, read from the tags of the rows it cites.

    The rule is the evidence row assume-evidence-strength: all [S] rows — a published
    estimate; [S] and [A] rows — an assumption informed by published evidence; only [A] or
    [I] rows — an assumption; effects set in the scenario file are the user's, not rated.
    """
    # the family's own effect for these settings (a re-saved file writes every field out,
    # so being written is not being changed)
    reference = type(spec).model_validate(spec.model_dump(exclude=set(spec.effect_fields)))
    if any(getattr(spec, f) != getattr(reference, f) for f in spec.effect_fields):
        return EvidenceStrength("set by the scenario (not rated)", False, ())
    fields = type(spec).model_fields
    ids = tuple(dict.fromkeys(i for name in spec.effect_fields
                              for i in cited(fields[name].description or "")))
    tags = {row(i).tag for i in ids}
    published = {t for t in tags if t.startswith("[S")}
    if published and tags == published:
        return EvidenceStrength("published estimate", False, ids)
    if published:
        return EvidenceStrength("assumption informed by published evidence", True, ids)
    return EvidenceStrength("assumption (no published estimate)", True, ids)


def evidence_table(labels: list[str], scenarios: list[Scenario]) -> pd.DataFrame:
    """One row per intervention of each compared scenario: its evidence strength."""
    rows = []
    for label, scenario in zip(labels, scenarios, strict=True):
        for spec in scenario.interventions:
            strength = evidence_strength(spec)
            rows.append((label, spec.label, spec.type, strength.rating, strength.weak,
                         ", ".join(strength.rows)))
    return pd.DataFrame(rows, columns=["scenario", "intervention", "type", "evidence",
                                       "weak", "evidence_rows"])
