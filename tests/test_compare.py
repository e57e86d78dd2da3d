"""``vsim compare``: common random numbers, direct and spillover effects, costs, determinism.

Everything runs on the quick scenario (3,000 young people, two years, ~0.15 s a run).
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import QUICK, quick

import vsim
from vsim.compare import RunSummary, assemble, compare, incident_crime_cost, simulate
from vsim.intervals import mean_interval, ratio_interval, t_quantile

# Mentoring reaching about 2% of the 3,000 young people at once: 6 mentors × 10.
MENTORING = {"type": "mentoring", "staff": 6, "caseload": 10}


def with_mentoring(base: vsim.Scenario, name: str = "mentoring", **spec) -> vsim.Scenario:
    return vsim.with_changes(base, {"name": name, "interventions": [{**MENTORING, **spec}]})


# ------------------------------------------------------------------ common random numbers
def test_common_random_numbers_cut_the_variance_of_the_difference_at_least_fivefold():
    """Var(baseline − scenario) over replicates: same seeds vs the scenario on other seeds.

    Both arms come from ``compare`` itself: the paired arm pairs each scenario run with the
    baseline on its seed; the independent arm pairs the same baselines with the scenario's runs
    from a comparison rooted 1,000 seeds away, whose streams share nothing with them. So a
    comparison that stopped giving a scenario its baseline's draws fails here. Measured when
    written: ratio ≈ 250 with 16 replicates (paired SD ≈ 21 incidents over two years,
    independent SD ≈ 330, as runs range from ~280 to ~1,100 incidents).
    """
    base = quick()
    scenario = with_mentoring(base)
    n = 16
    result = compare(base, [scenario], replicates=n, jobs=1)
    elsewhere = compare(base, [scenario], replicates=n, jobs=1, seed=base.seed + 1000)
    assert set(result.seeds).isdisjoint(elsewhere.seeds)
    paired = result.paired("mentoring", "incidents_averted")
    baseline = result.paired("mentoring", "incidents_baseline")
    other = elsewhere.paired("mentoring", "incidents_baseline") - elsewhere.paired(
        "mentoring", "incidents_averted")  # the scenario's incidents on the other seeds
    independent = baseline - other
    ratio = independent.var(ddof=1) / paired.var(ddof=1)
    print(f"\nCRN variance ratio: {ratio:.1f} (paired var {paired.var(ddof=1):.1f}, "
          f"independent var {independent.var(ddof=1):.1f})")
    assert ratio >= 5
    # the programme reaches about 2% of young people at once
    assert result.value("mentoring", "enrolled") > 60
    assert result.value("mentoring", "incidents_averted", "ci_low") > 0


def test_a_comparison_pairs_a_scenario_that_changes_nobody_with_an_identical_baseline():
    """Common random numbers in ``compare``: enrolled without effect, exactly 0 averted.

    Every replicate's difference is exactly 0, not merely small, whatever the seed.
    """
    base = quick()
    result = compare(base, [with_mentoring(base, effects={})], replicates=3, jobs=1)
    assert result.value("mentoring", "enrolled") > 60
    for outcome in ("incidents_averted", "serious_injury_incidents_averted",
                    "weapon_incidents_averted", "mean_exploited_averted", "crime_cost_averted"):
        assert np.all(result.paired("mentoring", outcome) == 0), outcome


# ----------------------------------------------------------------------------- spillover
# A strong mentoring effect for power: participants offend 70% less, enter involvement 70%
# less often and leave it three times faster. Mentoring acts only on the participants' own
# hazards; their peers are touched only through contagion (fewer involved friends, less
# exposure), victimisation (fewer of them victimised) and places' near-repeat heat.
STRONG = {"effects": {"rel_perpetration": 0.3, "rel_entry": 0.3, "rel_desistance": 3.0}}
# Switching contagion off removes the peer channels; victimisation and near-repeat heat are
# switched off with it, as they carry participants' offending to other people by other routes
# (measured: heat alone gives a spillover of 0.5 [0.1, 0.9] incidents, seeds 7–18).
NO_PEER_EFFECTS = {"processes.contagion": False, "processes.victimisation": False,
                   "places.coef_heat": 0.0}


@pytest.fixture(scope="module")
def spillover():
    out = {}
    for case, changes in (("on", {}), ("off", NO_PEER_EFFECTS)):
        base = quick(**changes) if changes else quick()
        out[case] = compare(base, [with_mentoring(base, **STRONG)], replicates=12, jobs=1)
    return out


def test_spillover_to_untreated_peers_with_contagion_and_none_without(spillover):
    """Spillover to peers appears with contagion and vanishes without it.

    Measured when written (12 replicates): with contagion, 10.9 [6.7, 15.2] incidents
    averted among ~740 untreated peers (14% of their incidents) beside 273 among ~290
    participants; without it exactly 0 [0, 0] (participants' own effect: 68 [51, 86]).

    Tolerance: with contagion on, the lower end of the 95% interval must be above zero (the
    mean is 5.6 standard errors above zero, so this holds unless the effect shrinks by more
    than half) and the mean at least 5 incidents; with contagion off no route from
    participants to peers is left, so the spillover must be zero up to a tenth of the effect
    with contagion (a new minor channel would not break the test, a real one would).
    """
    on, off = spillover["on"], spillover["off"]
    mean_on = on.value("mentoring", "spillover_averted")
    low_on = on.value("mentoring", "spillover_averted", "ci_low")
    mean_off = off.value("mentoring", "spillover_averted")
    low_off = off.value("mentoring", "spillover_averted", "ci_low")
    high_off = off.value("mentoring", "spillover_averted", "ci_high")
    print(f"\nspillover with contagion {mean_on:.1f} [{low_on:.1f}, "
          f"{on.value('mentoring', 'spillover_averted', 'ci_high'):.1f}], "
          f"without {mean_off:.1f} [{low_off:.1f}, {high_off:.1f}]")
    assert low_on > 0
    assert mean_on >= 5
    assert low_off <= 0 <= high_off or (math.isnan(low_off) and mean_off == 0)
    assert abs(mean_off) <= 0.1 * mean_on
    # the direct effect is there in both
    assert on.value("mentoring", "direct_averted", "ci_low") > 0
    assert off.value("mentoring", "direct_averted", "ci_low") > 0
    # groups: untreated peers are many and disjoint from participants
    assert on.value("mentoring", "n_peers") > on.value("mentoring", "n_participants")


def test_direct_spillover_and_others_add_up_to_the_incidents_averted(spillover):
    for result in spillover.values():
        total = result.paired("mentoring", "incidents_averted")
        parts = sum(result.paired("mentoring", key)
                    for key in ("direct_averted", "spillover_averted", "others_averted"))
        np.testing.assert_array_equal(parts, total)
        base = sum(result.paired("mentoring", f"{g}_incidents_baseline")
                   for g in ("participants", "peers", "others"))
        np.testing.assert_array_equal(base, result.paired("mentoring", "incidents_baseline"))


# --------------------------------------------------------------------------------- costs
def test_a_run_summary_matches_the_results_of_vsim_run():
    scenario = with_mentoring(quick(), cost_per_participant=500.0)
    summary = simulate(scenario, 9)
    results = vsim.run(scenario, seed=9)
    assert summary.totals["programme_cost"] == pytest.approx(results.costs["cost_total"].sum(),
                                                              rel=1e-12)
    assert summary.totals["programme_cost"] > 0
    steps = results.steps
    assert summary.totals["incidents"] == steps["incidents"].sum()
    assert summary.totals["weapon_incidents"] == steps["weapon_incidents"].sum()
    assert summary.totals["serious_injury_incidents"] == steps["serious_injury_incidents"].sum()
    assert summary.totals["mean_exploited"] == pytest.approx(steps["n_exploited"].mean())
    np.testing.assert_array_equal(summary.incidents_by_step, steps["incidents"].to_numpy())
    # crime cost valued from the incident log with the scenario's unit costs
    inc, cc = results.incidents, scenario.crime_costs
    rob, ser, wpn = inc["robbery"] == 1, inc["serious_injury"] == 1, inc["weapon"] == 1
    expected = (rob.sum() * cc.robbery + (ser & ~rob).sum() * cc.violence_with_injury
                + (~ser & ~rob).sum() * cc.violence_without_injury
                + (wpn & ser).sum() * cc.p_homicide_serious_weapon * cc.homicide)
    assert summary.totals["crime_cost"] == pytest.approx(expected, rel=1e-12)
    # reach from the participants table
    parts = results.participants
    enrolled = parts.loc[parts["enrolled_step"] >= 0, "person_id"].nunique()
    assert summary.totals["enrolled"] == enrolled == summary.participants.size
    assert summary.totals["completed"] == (parts["status"] == "completed").sum()
    last = results.costs[results.costs["step"] == results.costs["step"].max()]
    assert summary.totals["waiting_end"] == last["waiting"].sum()
    # per-person incidents add up
    assert summary.perpetrator_incidents.sum() == summary.totals["incidents"]


def test_crime_cost_of_incidents_by_hand():
    cc = quick().crime_costs  # 11,320 robbery; 14,050 / 5,930 violence with / without injury
    robbery = np.array([1, 0, 0, 0, 1])
    serious = np.array([0, 1, 0, 1, 1])
    weapon = np.array([0, 0, 1, 1, 1])
    homicide = 0.01 * 3_217_740  # p_homicide_serious_weapon × homicide
    by_hand = 11_320 + 14_050 + 5_930 + (14_050 + homicide) + (11_320 + homicide)
    assert incident_crime_cost(cc, robbery, serious, weapon) == pytest.approx(by_hand)


def _summary(seed, incidents, crime_cost, cost, years=2.0):
    totals = {"incidents": incidents, "weapon_incidents": 0.0, "serious_injury_incidents": 0.0,
              "mean_exploited": 0.0, "incidents_recorded": 0.0, "robberies": 0.0,
              "weapon_serious": 0.0, "crime_cost": crime_cost, "programme_cost": cost,
              "programme_cost_per_year": cost / years, "years": years, "enrolled": 0.0,
              "completed": 0.0, "dropped_out": 0.0, "waiting_end": 0.0}
    empty = np.zeros(0, np.int64)
    n_steps = quick().time.n_steps
    steps = np.zeros(n_steps, np.int64)
    steps[0] = incidents
    crime, programme = np.zeros(n_steps), np.zeros(n_steps)
    crime[0], programme[0] = crime_cost, cost  # all in the first year: not discounted
    return RunSummary(seed, totals, steps, empty, empty, empty, empty, crime, programme)


def test_cost_per_incident_averted_and_benefit_cost_ratio_by_hand():
    """Cost per incident averted and the benefit-cost ratio, worked by hand.

    Two replicates: 100 → 90 and 120 → 100 incidents, crime cost 1.0m → 0.9m and
    1.2m → 1.05m, programme cost £50,000 and £70,000.

    Per replicate: cost per incident averted 5,000 and 3,500; BCR 2 and 2.142857.
    Summary (ratio of means): cost 60,000 / 15 averted = 4,000; BCR 125,000 / 60,000.
    Crime costs are in 2015/16 prices; the comparison's are in its price year, here 2015/16
    too, so no uplift (tests/test_appraisal.py checks the uplift).
    """
    base = vsim.with_changes(quick(), {"appraisal.price_year": "2015/16"})
    runs = {(0, 1): _summary(1, 100, 1.0e6, 0.0), (1, 1): _summary(1, 90, 0.9e6, 50_000),
            (0, 2): _summary(2, 120, 1.2e6, 0.0), (1, 2): _summary(2, 100, 1.05e6, 70_000)}
    result = assemble(base, [base], ["base", "programme"], [1, 2], runs)
    np.testing.assert_allclose(result.paired("programme", "cost_per_incident_averted"),
                               [5_000, 3_500])
    np.testing.assert_allclose(result.paired("programme", "benefit_cost_ratio"),
                               [2.0, 150_000 / 70_000])
    np.testing.assert_allclose(result.paired("programme", "net_benefit"), [50_000, 80_000])
    np.testing.assert_allclose(result.paired("programme", "incidents_reduction_pct"),
                               [10.0, 100 * 20 / 120])
    assert result.value("programme", "cost_per_incident_averted") == pytest.approx(4_000)
    assert result.value("programme", "benefit_cost_ratio") == pytest.approx(125_000 / 60_000)
    assert result.value("programme", "incremental_cost_per_year") == pytest.approx(30_000)
    t1 = 12.706204736174707  # t(0.975, 1)
    assert result.value("programme", "net_benefit", "ci_high") == pytest.approx(
        65_000 + t1 * np.std([50_000, 80_000], ddof=1) / np.sqrt(2))


def test_student_t_quantiles_and_fieller_interval():
    from scipy import stats

    for df in (1, 2, 3, 4, 5, 7, 10, 11, 19, 30, 99, 500):
        assert t_quantile(df) == pytest.approx(stats.t.ppf(0.975, df), rel=1e-9)
    x = np.array([10.0, 14.0, 9.0, 13.0, 11.0])
    mean, sd, lo, hi, n = mean_interval(x)
    assert (mean, n) == (11.4, 5)
    assert (lo, hi) == pytest.approx(stats.t.interval(0.95, 4, loc=11.4,
                                                      scale=x.std(ddof=1) / np.sqrt(5)))
    # a constant cost over a varying denominator: Fieller gives [C / high, C / low]
    ratio, rlo, rhi, _ = ratio_interval(np.full(5, 1000.0), x)
    assert ratio == pytest.approx(1000 / 11.4)
    assert (rlo, rhi) == pytest.approx((1000 / hi, 1000 / lo))
    # a denominator whose interval includes zero: unbounded
    _, ulo, uhi, _ = ratio_interval(np.full(4, 1000.0), np.array([-3.0, 5.0, -2.0, 4.0]))
    assert (ulo, uhi) == (-np.inf, np.inf)


# --------------------------------------------------------------------------- determinism
def test_results_do_not_depend_on_the_number_of_workers():
    base = quick()
    scenarios = [with_mentoring(base), with_mentoring(base, name="family", type="family_therapy",
                                                      staff=3, caseload=8)]
    one = compare(base, scenarios, replicates=3, jobs=1)
    two = compare(base, scenarios, replicates=3, jobs=2)
    pd.testing.assert_frame_equal(one.summary, two.summary, check_exact=True)
    pd.testing.assert_frame_equal(one.replicates, two.replicates, check_exact=True)
    pd.testing.assert_frame_equal(one.timeseries, two.timeseries, check_exact=True)
    assert one.seeds == [7, 8, 9]
    assert one.labels == ["quick", "mentoring", "family"]


# ----------------------------------------------------------------------------------- CLI
MENTORING_TOML = '\n[[interventions]]\ntype = "mentoring"\nstaff = 6\ncaseload = 10\n'


def _vsim_command() -> list[str]:
    script = Path(sys.executable).with_name("vsim")
    return [str(script)] if script.exists() else [sys.executable, "-m", "vsim"]


def _env() -> dict:
    env = dict(os.environ)
    for name in ("PYTHONHASHSEED", "FORCE_COLOR", "TTY_COMPATIBLE"):
        env.pop(name, None)
    env["COLUMNS"] = "200"
    return env


def _tree(folder: Path) -> set[str]:
    """Every file and folder under ``folder`` (hidden ones included), relative."""
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def _start(args, cwd):
    return subprocess.Popen([*_vsim_command(), *map(str, args)], cwd=cwd, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env())


def _finish(proc):
    stdout, stderr = proc.communicate(timeout=300)
    return proc.returncode, stdout, stderr


def test_cli_compare_writes_tables_and_plots_and_rejects_bad_input(tmp_path):
    quick_text = QUICK.read_text(encoding="utf-8")
    mentoring = quick_text.replace('name = "quick"', 'name = "quick-mentoring"') \
        + MENTORING_TOML
    cases = {
        "good": (["compare", QUICK, "mentoring.toml", "--replicates", "2", "--jobs", "1"],
                 {"mentoring.toml": mentoring}),
        "csv": (["compare", QUICK, "same-name.toml", "--replicates", "2", "--jobs", "1",
                 "--csv", "--out", "csv_out", "--seed", "3", "--quiet"],
                {"same-name.toml": quick_text + MENTORING_TOML}),
        "misspelt": (["compare", QUICK, "bad.toml", "--replicates", "2"],
                     {"bad.toml": quick_text + "\n[justice]\np_chrage = 0.2\n"}),
        "replicates": (["compare", QUICK, "mentoring.toml", "--replicates", "1"],
                       {"mentoring.toml": mentoring}),
        "horizon": (["compare", QUICK, "long.toml", "--out", "o"],
                    {"long.toml": quick_text.replace("years = 2", "years = 3")}),
        # one file: its portfolio against the same file without interventions
        "alone": (["compare", "mentoring.toml", "--replicates", "2", "--jobs", "1", "--quiet"],
                  {"mentoring.toml": mentoring}),
        "alone_empty": (["compare", QUICK, "--replicates", "2"], {}),
    }
    procs, trees = {}, {}
    for key, (args, files) in cases.items():
        folder = tmp_path / key
        folder.mkdir()
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
        trees[key] = _tree(folder)
        procs[key] = _start(args, folder)
    res = {key: _finish(proc) for key, proc in procs.items()}

    code, stdout, stderr = res["good"]
    assert code == 0, stderr
    out = tmp_path / "good" / "results" / "compare-quick"
    for name in ("comparison.parquet", "summary.parquet", "timeseries.parquet",
                 "incidents_over_time.png", "cost_effectiveness.png", "manifest.json",
                 "scenarios/quick.toml", "scenarios/quick-mentoring.toml"):
        assert (out / name).is_file(), name
    for name in ("incidents_over_time.png", "cost_effectiveness.png"):
        data = (out / name).read_bytes()
        assert len(data) > 10_000 and data[:8] == b"\x89PNG\r\n\x1a\n"
    for label in ("incidents averted", "spillover", "benefit-cost ratio", "quick-mentoring",
                  "2 replicates"):
        assert label in stdout
    assert "Traceback" not in stderr
    tidy = pd.read_parquet(out / "comparison.parquet")
    assert list(tidy.columns) == ["scenario", "replicate", "seed", "outcome", "value"]
    assert set(tidy["seed"]) == {7, 8}
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert len(ts) == 2 * 2 * vsim.load_scenario(QUICK).time.n_steps
    summary = pd.read_parquet(out / "summary.parquet")
    averted = summary[summary["outcome"] == "incidents_averted"].iloc[0]
    assert averted["scenario"] == "quick-mentoring" and averted["mean"] > 0

    # --csv, --seed, --out; a scenario with the baseline's name is labelled by its file name
    code, stdout, stderr = res["csv"]
    assert code == 0, stderr
    out = tmp_path / "csv" / "csv_out"
    assert {p.name for p in out.glob("*.csv")} == {"comparison.csv", "summary.csv",
                                                   "timeseries.csv", "acceptability.csv",
                                                   "evidence_strength.csv"}
    tidy = pd.read_csv(out / "comparison.csv")
    assert set(tidy["scenario"]) == {"same-name"} and set(tidy["seed"]) == {3, 4}
    assert "incidents averted" not in stdout

    # one file alone: the baseline is that file without interventions, on the same seeds, so
    # the figures equal those of the two-file comparison above
    code, stdout, stderr = res["alone"]
    assert code == 0, stderr
    out = tmp_path / "alone" / "results" / "compare-quick-mentoring_no_interventions"
    alone = pd.read_parquet(out / "summary.parquet")
    assert set(alone["scenario"]) == {"quick-mentoring"}
    assert (out / "scenarios" / "quick-mentoring_no_interventions.toml").is_file()
    assert "[[interventions]]" not in (
        out / "scenarios" / "quick-mentoring_no_interventions.toml").read_text()
    merged = alone.merge(summary, on=["scenario", "outcome"], suffixes=("_alone", "_two"))
    assert len(merged) == len(summary)
    assert (merged["mean_alone"].fillna(-1) == merged["mean_two"].fillna(-1)).all()

    for key, needles in (("misspelt", ["bad.toml", "justice.p_chrage",
                                       "Did you mean 'p_charge'"]),
                         ("alone_empty", ["interventions", "nothing to compare"]),
                         ("replicates", ["--replicates", "1", "at least 2"]),
                         ("horizon", ["long.toml", "time (recorded steps)", "differs"])):
        code, stdout, stderr = res[key]
        assert code == 2, (key, stderr)
        for needle in needles:
            assert needle in stderr, (key, needle, stderr)
        assert "Traceback" not in stderr
        assert _tree(tmp_path / key) == trees[key], key  # nothing written
