"""The Green Book appraisal.

Price years, discounting, present values, the acceptability curve and the evidence strength of
each intervention's effect.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import vsim
from vsim.appraisal import acceptability, evidence_strength, funding_end_step
from vsim.compare import RunSummary, assemble, compare
from vsim.evidence import row
from vsim.loading import ScenarioError
from vsim.prices import deflator, discount_factors, price_factor, year_factors


def quick(**changes):
    return vsim.with_changes(vsim.load_scenario("scenarios/quick.toml"), changes)


# ---------------------------------------------------------------------------- prices
def test_financial_year_deflator_is_the_mean_of_its_quarters_and_matches_ons_years():
    # ONS YBGB quarters (evidence: ons-gdp-deflator-ybgb): 2015 Q2-Q4 and 2016 Q1
    assert deflator("2015/16") == pytest.approx((83.2 + 83.5 + 83.9 + 84.4) / 4)
    assert deflator("2024/25") == pytest.approx((110.1 + 112.1 + 113.2 + 114.1) / 4)
    # calendar years: the mean of the quarters is ONS's published annual figure to 0.1
    for year, annual in {"2015": 83.5, "2016": 85.2, "2019": 90.3, "2022": 100.0,
                         "2023": 106.9, "2024": 111.2}.items():
        assert deflator(year) == pytest.approx(annual, abs=0.051)
    assert price_factor("2015/16", "2024/25") == pytest.approx(112.375 / 83.75)
    assert price_factor("2019", "2019") == 1.0


@pytest.mark.parametrize("year, says", [("2031/32", "outside the GDP deflator"),
                                        ("2019/21", "must be the next year"),
                                        ("19/20", "not a price year")])
def test_a_bad_price_year_is_refused_naming_the_field_and_what_is_allowed(year, says):
    with pytest.raises(ScenarioError) as caught:
        quick(**{"appraisal.price_year": year})
    text = str(caught.value)
    assert "appraisal.price_year" in text and says in text and year in text


# ----------------------------------------------------------------------- discounting
def test_discount_factors_follow_the_green_book_years():
    factors = discount_factors(160, 7, 0.035)
    # a weekly step belongs to the appraisal year it starts in: day 364 is still year 0,
    # day 371 year 1, day 735 year 2
    assert factors[52] == 1.0
    assert factors[53] == pytest.approx(1 / 1.035)
    assert factors[105] == pytest.approx(1 / 1.035 ** 2)
    # after year 30 the rate declines to 3.0%: D_31 = D_30 / 1.03
    long = year_factors(40, 0.035)
    assert long[30] == pytest.approx(1.035 ** -30)
    assert long[31] == pytest.approx(1.035 ** -30 / 1.03)


def _summary(seed, n_steps, incidents, crime, programme, totals_extra=None):
    empty = np.zeros(0, np.int64)
    totals = {"incidents": float(incidents.sum()), "weapon_incidents": 0.0,
              "serious_injury_incidents": 0.0, "mean_exploited": 0.0,
              "incidents_recorded": 0.0, "robberies": 0.0, "crime_cost": float(crime.sum()),
              "programme_cost": float(programme.sum()),
              "programme_cost_per_year": float(programme.sum()) / 3, "years": 3.0,
              "enrolled": 0.0, "completed": 0.0, "dropped_out": 0.0, "waiting_end": 0.0,
              **(totals_extra or {})}
    return RunSummary(seed, totals, incidents.astype(np.int64), empty, empty, empty, empty,
                      crime.astype(float), programme.astype(float))


def test_present_values_npv_and_ratios_against_a_hand_computed_appraisal():
    """Flows at steps 0 (year 0), 60 (year 1) and 110 (year 2) of a three-year horizon.

    Crime cost averted £100, £103.50 and £107.1225 (in 2015/16 prices, moved to 2019/20 by the
    deflator): each is worth £100 × uplift today at 3.5%, so PV = 300 × uplift. Programme
    cost £1,000 in year 0 and £1,035 in year 1 (written in 2019/20 prices): PV = 2,000.
    Incidents averted 4 at step 0 and 207 at step 60: 4 + 200 = 204 discounted incidents.
    """
    sc = quick(**{"time.years": 3.0, "appraisal.price_year": "2019/20",
                  "interventions": [{"type": "mentoring", "end": "2020-12-31"}]})
    base_sc = vsim.with_changes(sc, {"interventions": []})
    n = sc.time.n_steps
    assert n >= 111
    base_crime, run_crime = np.zeros(n), np.zeros(n)
    base_crime[[0, 60, 110]] = 1_000.0
    run_crime[[0, 60, 110]] = 1_000.0 - np.array([100.0, 103.5, 107.1225])
    programme = np.zeros(n)
    programme[[0, 60]] = [1_000.0, 1_035.0]
    base_inc, run_inc = np.zeros(n), np.zeros(n)
    base_inc[[0, 60]] = [10, 1_000]
    run_inc[[0, 60]] = [6, 793]
    runs = {(0, 1): _summary(1, n, base_inc, base_crime, np.zeros(n)),
            (1, 1): _summary(1, n, run_inc, run_crime, programme),
            (0, 2): _summary(2, n, base_inc, base_crime, np.zeros(n)),
            (1, 2): _summary(2, n, run_inc, run_crime, programme)}
    result = assemble(base_sc, [sc], ["base", "mentoring"], [1, 2], runs)
    uplift = deflator("2019/20") / deflator("2015/16")
    value = {o: result.paired("mentoring", o)[0] for o in result.replicates["outcome"].unique()}
    assert value["pv_crime_cost_averted"] == pytest.approx(300 * uplift)
    assert value["crime_cost_averted"] == pytest.approx(310.6225 * uplift)  # undiscounted
    assert value["pv_programme_cost"] == pytest.approx(2_000.0)
    assert value["pv_incremental_cost"] == pytest.approx(2_000.0)
    assert value["npv"] == pytest.approx(300 * uplift - 2_000.0)
    assert value["pv_benefit_cost_ratio"] == pytest.approx(300 * uplift / 2_000.0)
    assert value["discounted_incidents_averted"] == pytest.approx(204.0)
    assert value["pv_cost_per_incident_averted"] == pytest.approx(2_000.0 / 204.0)
    # funding ends 31 December 2020 (the quick town starts on 7 January 2019): the first step
    # after it starts on 4 January 2021; of the benefit only step 110's (15 February 2021)
    # falls after
    cliff = funding_end_step(sc)
    assert sc.time.start + dt.timedelta(days=7 * cliff) == dt.date(2021, 1, 4)
    assert value["benefit_after_funding_share"] == pytest.approx(1 / 3)
    assert result.value("mentoring", "pv_benefit_cost_ratio") == pytest.approx(
        300 * uplift / 2_000.0)


def test_no_funding_end_inside_the_horizon_has_no_share_after_it():
    assert funding_end_step(quick(interventions=[{"type": "mentoring"}])) is None
    assert funding_end_step(quick(interventions=[{"type": "mentoring",
                                                  "end": "2030-01-01"}])) is None
    assert funding_end_step(quick()) is None


@pytest.fixture(scope="module")
def mentoring_comparison():
    """Quick town, mentoring funded for the first year, 6 replicates; undiscounted twin."""
    sc = quick(name="mentoring", interventions=[
        {"type": "mentoring", "staff": 6, "end": "2020-01-06"}])
    base = vsim.with_changes(sc, {"interventions": [], "name": "base"})
    flat = {"appraisal.discount_rate": 0.0, "appraisal.price_year": "2015/16"}
    return (compare(base, [sc], replicates=6, jobs=1),
            compare(vsim.with_changes(base, flat), [vsim.with_changes(sc, flat)],
                    replicates=6, jobs=1))


def test_a_comparison_appraises_each_replicate_consistently(mentoring_comparison):
    result, flat = mentoring_comparison
    pick = lambda r, o: r.paired("mentoring", o)  # noqa: E731
    # NPV is PV benefit minus PV cost, replicate by replicate
    np.testing.assert_allclose(pick(result, "npv"), pick(result, "pv_crime_cost_averted")
                               - pick(result, "pv_incremental_cost"))
    # discounting at 3.5% over two years can only shrink a positive flow, by at most 1/1.035
    cost, pv_cost = pick(result, "programme_cost"), pick(result, "pv_programme_cost")
    assert np.all(pv_cost <= cost) and np.all(pv_cost >= cost / 1.035)
    # undiscounted and in the crime costs' own price year, the PV outcomes are the plain ones
    for pv, plain in (("pv_crime_cost_averted", "crime_cost_averted"),
                      ("pv_incremental_cost", "incremental_cost"),
                      ("discounted_incidents_averted", "incidents_averted"),
                      ("npv", "net_benefit")):
        np.testing.assert_allclose(pick(flat, pv), pick(flat, plain), rtol=1e-9, atol=1e-6)
    # the price year moves every crime cost by the deflator ratio; same seeds, same runs
    np.testing.assert_allclose(pick(result, "crime_cost_baseline"),
                               pick(flat, "crime_cost_baseline") * 112.375 / 83.75)
    # funding ends after a year: a share of the benefit falls in the second year, not all
    share = pick(result, "benefit_after_funding_share")
    assert np.all((share > 0) & (share < 1))


def test_the_acceptability_curve_is_the_share_of_draws_with_positive_net_benefit():
    """Against the definition on synthetic draws with a closed form.

    Effect e ~ N(10, 3²) and cost c ~ N(50,000, 10,000²), independent: P(λe − c > 0) =
    Φ((10λ − 50,000) / sqrt(9λ² + 10,000²)). 20,000 draws: binomial sd ≤ 0.0036, so 4 sd.
    """
    rng = np.random.default_rng(3)
    n = 20_000
    effect = rng.normal(10.0, 3.0, n)
    cost = rng.normal(50_000.0, 10_000.0, n)
    tidy = pd.DataFrame({
        "scenario": "p", "replicate": np.tile(np.arange(n), 2), "seed": 0,
        "outcome": np.repeat(["discounted_incidents_averted", "pv_incremental_cost"], n),
        "value": np.concatenate([effect, cost])})
    values = np.array([0.0, 2_000.0, 5_000.0, 8_000.0, 20_000.0])
    curve = acceptability(tidy, values)
    exact = stats.norm.cdf((10 * values - 50_000) / np.sqrt(9 * values ** 2 + 1e8))
    np.testing.assert_allclose(curve["probability_worth_it"], exact, atol=4 * 0.0036)
    # net monetary benefit: its mean is λ E[e] − E[c], within its own interval
    at = curve[curve["value_per_incident"] == 5_000.0].iloc[0]
    assert at["nmb_ci_low"] < 0.0 < at["nmb_ci_high"]  # 5,000 × 10 − 50,000 = 0
    assert np.all(np.diff(curve["probability_worth_it"]) >= 0)  # e > 0 almost surely


def test_the_comparison_writes_the_acceptability_curve_from_its_replicates(
        mentoring_comparison):
    result, _ = mentoring_comparison
    curve = result.tables["acceptability"]
    effect = result.paired("mentoring", "discounted_incidents_averted")
    cost = result.paired("mentoring", "pv_incremental_cost")
    for value in curve["value_per_incident"].to_numpy()[::10]:
        row = curve[curve["value_per_incident"] == value].iloc[0]
        assert row["probability_worth_it"] == pytest.approx(np.mean(value * effect - cost > 0))
    assert curve["value_per_incident"].min() == 0.0
    assert curve["value_per_incident"].max() == pytest.approx(
        3 * result.meta["crime_cost_per_incident"])


# ------------------------------------------------------------------- evidence strength
@pytest.mark.parametrize("change, rating, weak", [
    ({"type": "mentoring"}, "published estimate", False),
    ({"type": "civil_injunction"}, "assumption (no published estimate)", True),
    ({"type": "diversionary_activities"}, "assumption informed by published evidence", True),
    ({"type": "hotspot_policing"}, "published estimate", False),
    ({"type": "mentoring", "effects": {"rel_perpetration": 0.5}},
     "set by the scenario (not rated)", False),
])
def test_evidence_strength_is_read_from_the_tags_of_the_rows_an_effect_cites(change, rating,
                                                                            weak):
    spec = vsim.with_changes(vsim.load_scenario("scenarios/borough.toml"),
                             {"interventions": [change]}).interventions[0]
    strength = evidence_strength(spec)
    assert (strength.rating, strength.weak) == (rating, weak)
    if "effects" not in change:  # the rows it rests on are rows of the evidence table
        assert strength.rows and all(row(r).id == r for r in strength.rows)


def test_every_intervention_family_has_a_rated_effect():
    from typing import get_args

    from vsim.interventions import AnyIntervention

    annotated = get_args(AnyIntervention)[0]
    for spec_class in get_args(annotated):
        strength = evidence_strength(spec_class())
        assert strength.rows, f"{spec_class.__name__}: its effect cites no evidence row"


def test_a_re_saved_scenario_keeps_its_effects_rating(tmp_path):
    """Saving writes every field out; an effect left at its family's value is still rated."""
    from vsim.loading import scenario_to_toml

    sc = vsim.with_changes(vsim.load_scenario("scenarios/borough.toml"), {"interventions": [
        {"type": "referral_pathway"}, {"type": "trusted_relationships", "exploited": "yes"}]})
    path = tmp_path / "saved.toml"
    path.write_text(scenario_to_toml(sc), encoding="utf-8")
    again = vsim.load_scenario(path)
    for before, after in zip(sc.interventions, again.interventions, strict=True):
        assert evidence_strength(after) == evidence_strength(before)
    assert evidence_strength(again.interventions[0]).rating == (
        "assumption informed by published evidence")


def test_a_comparison_refuses_arms_valued_differently():
    from vsim.compare import comparability_problems

    base = quick()
    other = quick(**{"appraisal.price_year": "2015/16"})
    problems = comparability_problems(base, other)
    assert len(problems) == 1 and "appraisal.price_year = '2015/16'" in problems[0]
    assert comparability_problems(base, quick(**{"crime_costs.robbery": 1.0})) == []


def test_funding_that_ends_in_the_last_unrecorded_days_has_no_cliff():
    sc = quick(interventions=[{"type": "mentoring"}])
    last_recorded = sc.time.start + dt.timedelta(days=sc.time.n_steps * sc.time.step_days - 1)
    assert last_recorded < sc.time.end_date  # two years of weeks leave a day or two over
    ends_late = quick(interventions=[{"type": "mentoring",
                                      "end": last_recorded + dt.timedelta(days=1)}])
    assert funding_end_step(ends_late) is None
    ends_before = quick(interventions=[{"type": "mentoring",
                                        "end": last_recorded - dt.timedelta(days=7)}])
    assert funding_end_step(ends_before) == sc.time.n_steps - 1
