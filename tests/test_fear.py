"""Fear of violence: residents' worry and young people's fear (ODD: fear).

Switched off, the model is the model before the fear process bit for bit (the golden digests,
tests/golden.py, run every case recorded before it with fear off). Here: worry is an output
and fear acts only through carrying; the memory keeps the configured half-life; more weapon
incidents never lower worry and more fear never lowers carrying; the interventions that act
on fear do so by the odds they state; and incidents can fall while worry rises after a
high-profile event, as Waltham Forest reported.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import quick
from scipy import stats

import vsim
from vsim.loading import ScenarioError
from vsim.model import ViolenceModel
from vsim.outcomes import COMPARED, FEAR_LEVELS
from vsim.processes.fear import FearRates, empty_worry, hear_of_incidents, remember_and_worry
from vsim.processes.weapon_carrying import (
    CarryingKeys,
    CarryingPeople,
    CarryingRates,
    carrying_kernel,
)
from vsim.state import Incidents, People

FEAR_COLUMNS = {*FEAR_LEVELS, "homicides"}


def _logit(p):
    return np.log(p / (1.0 - p))


# --------------------------------------------------------------- what switching does
def test_worry_is_an_output_and_fear_acts_only_through_carrying():
    """Fear on with no push to carry: every other column equals the run with fear off."""
    off = vsim.run(quick(**{"processes.fear": False}), seed=4).steps
    on = vsim.run(quick(**{"fear.self_protection_share": 0.0}), seed=4).steps
    for column in off.columns:
        if column in FEAR_COLUMNS:
            continue
        assert np.array_equal(off[column].to_numpy(), on[column].to_numpy()), column
    assert off["worried_share"].isna().all() and off["young_people_afraid"].isna().all()
    assert on["worried_share"].between(0, 1).all() and on["young_people_afraid"].between(0, 1).all()


def test_fear_pushing_carrying_changes_carrying():
    """With the self-protection share on (the default) carrying differs from fear off."""
    off = vsim.run(quick(**{"processes.fear": False}), seed=4).steps
    on = vsim.run(quick(), seed=4).steps
    assert not np.array_equal(off["started_carrying"], on["started_carrying"])


# ---------------------------------------------------------------------- memory
def _silent_model(step_days=7, **changes):
    """A quick model with no incidents of its own: only what a test hands the fear process."""
    sc = quick(**{"processes.offending": False, "time.step_days": step_days,
                  "time.burn_in_weeks": 0, **changes})
    return ViolenceModel(sc, seed=1)


def _one_weapon_incident(model, neighbourhood=0):
    inc = Incidents.empty(1)
    inc.weapon[0], inc.neighbourhood[0], inc.victim[0] = 1, neighbourhood, -1
    inc.perpetrator_id[0] = 10**12  # no homicide draw matters: the weapon did no serious injury
    return inc


@pytest.mark.parametrize("step_days, half_life", [(7, 2.0), (7, 5.0), (14, 4.0)])
def test_memory_of_an_incident_halves_in_the_configured_half_life(step_days, half_life):
    model = _silent_model(step_days, **{"fear.half_life_weeks": half_life})
    fear = next(p for p in model.processes if p.name == "fear")
    model.incidents = _one_weapon_incident(model)
    fear.step()
    first = model.worry.perceived.copy()
    assert first[0] > 0
    steps = round(half_life * 7 / step_days)
    trace = [first]
    for _ in range(2 * steps):
        model.step()
        trace.append(model.worry.perceived.copy())
    np.testing.assert_allclose(trace[steps], 0.5 * first, rtol=1e-12)
    np.testing.assert_allclose(trace[2 * steps], 0.25 * first, rtol=1e-12)


def test_a_homicide_is_remembered_with_its_own_half_life_and_total_weight():
    """An area-wide event: salience halves every homicide_half_life_weeks; totals its weight."""
    model = _silent_model(**{"fear.homicide_half_life_weeks": 6.0,
                             "fear.events": [{"date": "2019-01-14", "weight": 30.0}]})
    quiet = _silent_model()
    levels, worried, worried_quiet = [], [], []
    for _ in range(80):
        model.step()
        quiet.step()
        levels.append(model.worry.salience.copy())
        worried.append(model.fear_now["worried_share"])
        worried_quiet.append(quiet.fear_now["worried_share"])
    levels = np.array(levels)
    assert np.all(levels[0] == 0) and np.all(levels[1] > 0)  # the event is in step 1
    np.testing.assert_allclose(levels[7], 0.5 * levels[1], rtol=1e-12)
    # each neighbourhood hears 30 incidents' worth: the area under the memory, in years per
    # 1,000 residents, is 30 / (its residents / 1,000) (up to the tail beyond 80 weeks)
    area = levels.sum(axis=0) / 52.0
    np.testing.assert_allclose(area, 30 / (model.worry.residents / 1000.0), rtol=1e-3)
    # worry rose with the event, then fell back to the level without it
    excess = np.array(worried) - np.array(worried_quiet)
    assert excess[0] == 0 and excess[1] > 0.05
    assert np.all(np.diff(excess[1:]) < 0) and excess[-1] < 1e-3


# --------------------------------------------------------------------- direction
def _rates(model):
    return next(p for p in model.processes if p.name == "fear").rates


def test_more_weapon_incidents_never_lower_worry():
    """Worry after one step of k weapon incidents in one neighbourhood rises with k."""
    model = _silent_model()
    rates = _rates(model)
    n = model.worry.perceived.shape[0]
    shares = []
    for k in range(0, 30):
        inc = Incidents.empty(max(k, 1)).first(k)
        inc.weapon[:] = 1
        inc.neighbourhood[:] = 2
        signal, homicides = np.zeros(n), np.zeros(n)
        hear_of_incidents(inc, rates, np.uint64(1), 5, signal, homicides)
        worry = empty_worry(model.worry.residents)
        remember_and_worry(worry, signal, np.zeros(n), 0.0, rates, np.zeros(n))
        shares.append(worry.worried.copy())
    shares = np.array(shares)
    assert np.all(np.diff(shares, axis=0) >= 0)  # no neighbourhood's worry falls
    assert np.all(np.diff(shares[:, 2]) > 0)  # where they happen it rises
    assert shares[-1, 0] > shares[0, 0]  # and through the area's media, elsewhere too


def test_more_weapon_use_raises_worry_over_replicates():
    """Paired seeds: a higher share of incidents with a weapon gives more worry."""
    diffs = []
    for seed in range(6):
        low = vsim.run(quick(**{"time.years": 1.0}), seed=seed).steps
        high = vsim.run(quick(**{"time.years": 1.0, "offending.p_weapon": 0.2}), seed=seed).steps
        assert high["weapon_incidents"].sum() > low["weapon_incidents"].sum()
        diffs.append(high["worried_share"].mean() - low["worried_share"].mean())
    assert min(diffs) > 0


def test_more_fear_never_lowers_carrying_person_by_person():
    """The carrying kernel on the same draws: with more fear, everyone who started still starts."""
    n = 20_000
    people = People.empty(n)
    people.alive[:] = 1
    people.pid[:] = np.arange(n)
    people.level[:] = np.arange(n) % 4
    rng = np.random.default_rng(3)
    fear_low = rng.uniform(0, 1, n).astype(np.float32)
    fear_high = np.minimum(1, fear_low + rng.uniform(0, 0.5, n)).astype(np.float32)
    rates = CarryingRates(0.01, 2.0, 3.0, 0.02, 1.0, 0.85, 0.64)
    started = []
    for fear in (fear_low, fear_high):
        p = people._replace(fear=fear.copy(), weapon=np.zeros(n, np.uint8))
        view = CarryingPeople(*(getattr(p, f) for f in CarryingPeople._fields))
        carrying_kernel(view, rates, CarryingKeys(np.uint64(99)), 7)
        started.append(p.weapon.copy())
    assert np.all(started[1] >= started[0])
    assert started[1].sum() > started[0].sum()
    # and the expected rate: starting × ((1 − s) + s·F/F_ref) for the not-involved
    none = people.level == 0
    expected = 0.01 * (0.15 + 0.85 * fear_low[none] / 0.64)
    observed = started[0][none].mean()
    se = math.sqrt(expected.mean() * (1 - expected.mean()) / none.sum())
    assert abs(observed - expected.mean()) < 4 * se


def test_more_fear_means_more_carriers_over_replicates():
    diffs = []
    for seed in range(6):
        base = vsim.run(quick(**{"time.years": 1.0}), seed=seed).steps
        afraid = vsim.run(quick(**{"time.years": 1.0, "fear.fear_per_friend_victimisation": 3.0,
                                   "fear.fear_per_victimisation": 3.0}), seed=seed).steps
        assert afraid["young_people_afraid"].mean() > base["young_people_afraid"].mean()
        diffs.append(afraid["weapon_carriers"].mean() - base["weapon_carriers"].mean())
    diffs = np.array(diffs)
    assert diffs.mean() > 0 and stats.ttest_1samp(diffs, 0.0).pvalue < 0.05


# ------------------------------------------------------------ interventions on fear
def test_community_reassurance_lowers_the_odds_of_worry_by_its_factor():
    """Worry has no feedback on incidents, so the arms differ only in the worked neighbourhood."""
    base = vsim.run(quick(**{"time.years": 1.0}), seed=3)
    worked = vsim.run(quick(**{"time.years": 1.0, "interventions": [
        {"type": "community_reassurance", "neighbourhoods": ["neighbourhood 2"],
         "rel_worry": 0.8}]}), seed=3)
    assert base.steps["incidents"].equals(worked.steps["incidents"])
    b = base.neighbourhoods.set_index(["month", "neighbourhood"])["worried_share"]
    w = worked.neighbourhoods.set_index(["month", "neighbourhood"])["worried_share"]
    there = b.index.get_level_values("neighbourhood") == "neighbourhood 2"
    assert np.allclose(w[~there], b[~there], rtol=0, atol=0)
    # per step the odds fall by exactly 0.8; a month mean of shares falls a little less
    assert np.all(w[there] < b[there])
    step_model = ViolenceModel(quick(**{"time.years": 1.0, "interventions": [
        {"type": "community_reassurance", "neighbourhoods": ["neighbourhood 2"],
         "rel_worry": 0.8}]}), seed=3)
    plain = ViolenceModel(quick(**{"time.years": 1.0}), seed=3)
    for _ in range(5):
        step_model.step()
        plain.step()
    np.testing.assert_allclose(_logit(step_model.worry.worried) - _logit(plain.worry.worried),
                               [0, np.log(0.8), 0, 0], atol=1e-12)


def test_school_lessons_lower_pupils_fear_and_patrols_can_raise_users_fear():
    calm = ViolenceModel(quick(**{"interventions": [{"type": "school_programme"}]}), seed=5)
    plain = ViolenceModel(quick(), seed=5)
    for _ in range(6):
        calm.step()
        plain.step()
    enrolled = calm.interventions[0].slots[calm.interventions[0].status == 2]
    assert enrolled.size > 100
    assert calm.people.fear[enrolled].mean() < plain.people.fear[enrolled].mean()
    alarmed = ViolenceModel(quick(**{"interventions": [
        {"type": "hotspot_policing", "n_places": 4, "rel_fear_users": 2.0}]}), seed=5)
    for _ in range(6):
        alarmed.step()
    users = (alarmed.people.place >= 0) & (alarmed.people.alive == 1)
    same = plain.people.alive == 1
    assert alarmed.people.fear[users].mean() > plain.people.fear[users & same].mean()


# ------------------------------------------------------ the Waltham Forest pattern
def test_worry_rises_while_incidents_fall_after_a_high_profile_event():
    """Patrols cut incidents from the start of the second half-year; a murder makes the news.

    Over replicates, the second half has fewer incidents and more worry than the first, as
    Waltham Forest reported (seed; evidence: waltham-forest-knife-fear-rank).
    """
    changes = {"time.years": 1.0, "interventions": [
        {"type": "hotspot_policing", "start": "2019-07-01", "n_places": 4,
         "rel_opportunity": 0.3}],
        "fear.events": [{"date": "2019-07-08", "name": "a murder in the news"}]}
    fell, rose = [], []
    for seed in range(6):
        steps = vsim.run(quick(**changes), seed=seed).steps
        first, second = steps[steps["date"] < "2019-07-01"], steps[steps["date"] >= "2019-07-01"]
        fell.append(second["incidents"].sum() / len(second) - first["incidents"].sum() / len(first))
        rose.append(second["worried_share"].mean() - first["worried_share"].mean())
    assert np.mean(fell) < 0 and stats.ttest_1samp(fell, 0.0).pvalue < 0.05
    assert np.mean(rose) > 0 and stats.ttest_1samp(rose, 0.0).pvalue < 0.05


# ------------------------------------------------------------------- outputs
def test_fear_is_in_every_table_and_compared():
    results = vsim.run(quick(**{"time.years": 1.0}), seed=2)
    assert {"worried_share", "young_people_afraid", "homicides"} <= set(results.steps)
    assert {"mean_worried_share", "mean_young_people_afraid"} <= set(results.monthly)
    assert "worried_share" in results.neighbourhoods
    assert results.people["fear"].between(0, 1).all() and results.people["fear"].std() > 0
    off = vsim.run(quick(**{"time.years": 0.5, "processes.fear": False}), seed=2)
    assert off.people["fear"].isna().all() and off.neighbourhoods["worried_share"].isna().all()
    resident_mean = results.steps["worried_share"]
    assert resident_mean.between(0.01, 0.9).all()
    assert {"mean_worried_share", "mean_young_people_afraid"} <= set(COMPARED)


def test_fear_settings_are_checked():
    """A bad field is named with its value and what is allowed."""
    with pytest.raises(ScenarioError, match=r"fear\.events.*Narnia.*neighbourhood 1"):
        quick(**{"fear.events": [{"date": "2019-03-04", "neighbourhood": "Narnia"}]})
    with pytest.raises(ScenarioError, match="worried_reference"):
        quick(**{"fear.worried_reference": 1.0})
    with pytest.raises(ScenarioError, match=r"fear\.events\[0\]\.date: 1990-01-01 is outside"):
        quick(**{"fear.events": [{"date": "1990-01-01"}]})
    with pytest.raises(ScenarioError, match="at most 1.*got 1.2"):
        quick(**{"fear.spread_area": 0.6, "fear.spread_neighbours": 0.6})
    with pytest.raises(ScenarioError, match="adjacent"):
        quick(**{"area.neighbourhoods": [{"name": "A", "share": 1, "adjacent": ["B"]}]})


def test_an_event_weighs_a_homicide_unless_given_and_custom_effects_keep_the_draws():
    sc = quick(**{"fear.homicide_salience": 40.0, "fear.events": [
        {"date": "2019-03-04"}, {"date": "2019-03-11", "weight": 5.0}]})
    assert [sc.fear.event_weight(e) for e in sc.fear.events] == [40.0, 5.0]
    from vsim.delivery.base import stream_text
    from vsim.interventions import TYPES

    custom = TYPES["school_programme"](effects={"rel_perpetration": 0.9})
    assert "rel_fear" not in stream_text(custom)  # 1.0, the generic default: left out
    assert "rel_fear" in stream_text(TYPES["school_programme"](effects={"rel_fear": 0.5}))


def test_rates_record_is_complete():
    """Every field of FearRates is set from the scenario (none left at a placeholder)."""
    model = _silent_model()
    rates = _rates(model)
    assert isinstance(rates, FearRates)
    assert rates.keep == pytest.approx(0.5 ** (1 / 2.0))
    assert rates.worried_logit == pytest.approx(_logit(0.12))


def test_compare_reports_worry_reduced_with_intervals_and_the_brief_says_so(tmp_path):
    """Reassurance buys less worry and nothing else: incidents averted exactly 0."""
    from vsim.compare import compare
    from vsim.report import write_report

    base = quick(**{"time.years": 1.0})
    calm = quick(**{"time.years": 1.0, "name": "reassured", "interventions": [
        {"type": "community_reassurance", "rel_worry": 0.7}]})
    result = compare(base, [calm], replicates=4, seed=3, jobs=1)
    summary = result.summary.set_index(["scenario", "outcome"])
    row = summary.loc[("reassured", "mean_worried_share_averted")]
    assert 0 < row["ci_low"] <= row["mean"] <= row["ci_high"]
    assert summary.loc[("reassured", "incidents_averted"), "mean"] == 0
    assert summary.loc[("reassured", "mean_young_people_afraid_averted"), "mean"] == 0
    # the odds of worry × 0.7 everywhere: from about 12-30% worried, 2-8 points fewer
    assert 0.02 < row["mean"] < 0.08
    folder = result.write(tmp_path / "cmp")
    assert (folder / "worry_over_time.png").stat().st_size > 10_000
    assert result.timeseries["worried_share"].notna().all()
    page = write_report(folder).read_text(encoding="utf-8")
    assert "Fear of violence:" in page and "percentage points fewer residents worried" in page


def test_a_sweep_can_take_worry_as_its_outcome():
    from vsim.outcomes import RUN_OUTCOMES
    from vsim.recorder import RunTotals

    model = ViolenceModel(quick(**{"time.years": 0.5}), seed=1)
    totals = RunTotals()
    model.run(observers=[totals])
    assert "mean_worried_share" in RUN_OUTCOMES
    assert totals.values["mean_worried_share"] == pytest.approx(
        np.mean(model.recorder.columns["worried_share"]))


def test_a_new_cohort_in_reused_slots_starts_without_fear():
    """Slots freed at 25 are reused in September: nothing of the last holder's fear stays."""
    model = ViolenceModel(quick(), seed=2)
    while not (model.date.month == 8 and model.date.day > 24):
        model.step()
    while model.events["entered_cohort"] == 0:
        empty = model.people.alive == 0
        model.people.fear_from_victimisation[empty] = 5.0  # as a leaver's might be
        model.people.fear[empty] = 0.9
        first_new = model.next_pid
        model.step()
    entrants = model.people.pid >= first_new
    reused = entrants & (np.arange(model.people.capacity) < 3000)
    assert reused.sum() > 20
    assert np.all(model.people.fear_from_victimisation[entrants] == 0)
    assert np.all(model.people.fear[entrants] == 0)  # until the fear process sees them
