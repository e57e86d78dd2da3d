"""Compare scenarios against a baseline on common random numbers, over replicates.

Every scenario (the baseline included) is simulated on the same seeds, ``root + r`` for
replicates ``r = 0..N−1``. Random draws are counter-based functions of (seed, stream, step,
person id) (:mod:`vsim.rng`), so on one seed a baseline and a scenario share every draw that
the scenario does not change: their difference measures the intervention, not the luck of the
draw (common random numbers; ODD: random-numbers). Outcomes are compared seed by seed
(paired), and each paired difference gets a 95% Student-t interval over replicates.

Each run is one call of :func:`simulate`, a pure, picklable function of (scenario, seed) that
returns a small :class:`RunSummary` (totals, incidents per step, incidents per person), so
joblib workers ship little data; :func:`compare` runs them in parallel and pairs them up. The
result does not depend on the number of workers: each run is deterministic and the pairing is
done afterwards in a fixed order.

From Python::

    import vsim
    from vsim.compare import compare
    base = vsim.load_scenario("scenarios/quick.toml")
    mentoring = vsim.with_changes(base, {"interventions": [{"type": "mentoring"}]})
    result = compare(base, [mentoring], replicates=20, jobs=2)
    result.summary            # one row per scenario × outcome: mean, 95% interval
    result.write("results/compare-quick")

Definitions (per replicate, scenario minus baseline on the same seed):

* **averted** = baseline − scenario (positive = fewer), for incidents, weapon incidents,
  incidents with serious injury, recorded incidents and exploited young people (the mean of
  the number exploited over the recorded steps); **% reduction** = 100 × averted / baseline.
* **direct** = incidents averted among participants (everyone ever enrolled in an
  intervention of the scenario); **spillover** = incidents averted among their untreated peers
  (anyone tied to a participant on the day the participant enrolled, and never enrolled
  themselves); **others** = everyone else (including victims' and places' knock-on effects).
  Groups are found in the scenario run; thanks to common random numbers the same person ids
  exist in the baseline run, where the same people's incidents are counted. The three add up
  to the incidents averted. Incidents are counted over the recorded period (after burn-in).
* **crime cost** of an incident, from ``scenario.crime_costs`` (Home Office unit costs):
  a robbery costs ``robbery``; any other incident ``violence_with_injury`` if it caused
  serious injury, else ``violence_without_injury``; an incident with a weapon and serious
  injury adds ``p_homicide_serious_weapon × homicide`` (the expected cost of a death).
  Each run values its incidents with its own scenario's unit costs.
* **programme cost** = the scenario's Results.costs ledger summed over the recorded period;
  **incremental cost** = programme cost − the baseline's programme cost (equal to the
  programme cost when the baseline has no interventions). **Net benefit** = crime cost
  averted − incremental cost; **benefit-cost ratio** = crime cost averted / incremental cost;
  **cost per incident averted** = incremental cost / incidents averted. The two ratios are
  summarised as ratios of means with Fieller's 95% interval (unbounded when the interval of
  the denominator includes zero), not as means of per-replicate ratios.
* **reach**: young people ever enrolled, completed, dropped out, and waiting at the end.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from vsim import plots
from vsim.appraisal import (
    APPRAISAL_RATIOS,
    acceptability,
    appraise,
    crime_price_factor,
    evidence_table,
    funding_window,
    programme_price_factor,
    value_grid,
)
from vsim.compare_runs import (
    ComparisonTracker,
    RunSummary,
    _replicate_task,
    incident_crime_cost,
    simulate,
    simulate_replicate,
)
from vsim.grant_cliff import grant_cliff_table, has_cliff, sustained
from vsim.intervals import CONFIDENCE, mean_interval, ratio_interval
from vsim.loading import scenario_hash, scenario_to_toml, with_changes
from vsim.outcomes import COMPARED, comparison_outcome
from vsim.posterior_projection import Posterior, per_replicate, probability_best, variance_split
from vsim.results import atomic_dir, version, versions, write_tables
from vsim.scenario import Scenario
from vsim.workers import quiet_worker_recycling

# one run of a comparison lives in vsim.compare_runs; these names are kept here for users
__all__ = ["Comparison", "ComparisonTracker", "RunSummary", "assemble", "compare",
           "comparability_problems", "incident_crime_cost", "pair_outcomes", "simulate",
           "simulate_replicate", "unique_labels"]

GROUPS = (("participants", "direct"), ("peers", "spillover"), ("others", "others"))
# Ratio outcomes: summarised as ratio of means (numerator, denominator) with Fieller's interval.
RATIOS = {"benefit_cost_ratio": ("crime_cost_averted", "incremental_cost"),
          "cost_per_incident_averted": ("incremental_cost", "incidents_averted"),
          **APPRAISAL_RATIOS}


# ---------------------------------------------------------------------------- comparison
@dataclass
class Comparison:
    """The result of :func:`compare`: tidy tables of every replicate and their summary."""

    baseline: Scenario
    scenarios: list[Scenario]
    labels: list[str]          # baseline first
    seeds: list[int]
    replicates: pd.DataFrame   # scenario × replicate × outcome: value
    summary: pd.DataFrame      # scenario × outcome: mean, sd, ci_low, ci_high, n, method
    timeseries: pd.DataFrame   # scenario × replicate × step: incidents, residents' worry
    meta: dict = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # posterior projections

    def planned(self) -> list[Scenario]:
        """The compared scenarios as given (without the sustained arms of a grant cliff)."""
        sustained = set(self.meta.get("sustained", ()))
        return [sc for label, sc in zip(self.labels[1:], self.scenarios, strict=True)
                if label not in sustained]

    def value(self, scenario: str, outcome: str, column: str = "mean") -> float:
        """One cell of the summary, e.g. ``value("mentoring", "incidents_averted")``."""
        row = self.summary[(self.summary["scenario"] == scenario)
                           & (self.summary["outcome"] == outcome)]
        if row.empty:
            raise KeyError(f"no outcome {outcome!r} for scenario {scenario!r}")
        return float(row[column].iloc[0])

    def paired(self, scenario: str, outcome: str) -> np.ndarray:
        """Per-replicate values of an outcome, in replicate order."""
        rows = self.replicates[(self.replicates["scenario"] == scenario)
                               & (self.replicates["outcome"] == outcome)]
        return rows.sort_values("replicate")["value"].to_numpy()

    def write(self, out_dir: str | os.PathLike, csv: bool = False) -> Path:
        """Write the tables, plots, resolved scenarios and a manifest into ``out_dir``.

        Atomic, like :meth:`vsim.results.Results.write`: everything is written into a
        temporary folder beside ``out_dir`` which is renamed into place at the end.
        """
        out = Path(out_dir)
        with atomic_dir(out) as tmp:
            tables = {"comparison": self.replicates, "summary": self.summary,
                      "timeseries": self.timeseries, **self.tables}
            write_tables(tables, tmp, csv)
            plots.incidents_over_time(self.timeseries, self.labels,
                                      tmp / "incidents_over_time.png",
                                      title=f"Incidents per month, {len(self.seeds)} "
                                            f"replicates (mean and 95% interval)",
                                      funding=funding_window(self.planned()))
            if self.timeseries["worried_share"].notna().any():
                plots.worry_over_time(self.timeseries, self.labels,
                                      tmp / "worry_over_time.png",
                                      funding=funding_window(self.planned()))
            plots.cost_effectiveness(self.summary, self.labels[1:],
                                     tmp / "cost_effectiveness.png",
                                     break_even=self.meta.get("crime_cost_per_incident"),
                                     baseline=self.labels[0], replicates=self.replicates)
            plots.acceptability_curve(self.tables["acceptability"], self.labels[1:],
                                      tmp / "acceptability.png",
                                      self.meta.get("crime_cost_per_incident"))
            folder = tmp / "scenarios"
            folder.mkdir()
            for label, sc in zip(self.labels, [self.baseline, *self.scenarios], strict=True):
                (folder / f"{_file_label(label)}.toml").write_text(scenario_to_toml(sc),
                                                                  encoding="utf-8")
            manifest = {
                "baseline": self.labels[0], "scenarios": self.labels[1:],
                "replicates": len(self.seeds), "seeds": self.seeds,
                "scenario_sha256": {label: scenario_hash(sc) for label, sc in
                                    zip(self.labels, [self.baseline, *self.scenarios],
                                        strict=True)},
                "versions": {**versions(), "joblib": version("joblib"),
                             "matplotlib": version("matplotlib")},
                "confidence": CONFIDENCE,
                "sustained": self.meta.get("sustained", []),
                **({"posterior": self.meta["posterior"],
                    "seeds_per_draw": self.meta["seeds_per_draw"],
                    "posterior_draw_of_replicate": self.meta["draws"]}
                   if "posterior" in self.meta else {}),
                "tables": list(tables),
                "plots": ["incidents_over_time.png", "cost_effectiveness.png",
                          "acceptability.png"],
                "appraisal": {"price_year": self.meta.get("price_year"),
                              "discount_rate": self.meta.get("discount_rate"),
                              "crime_cost_per_incident": self.meta.get(
                                  "crime_cost_per_incident")},
            }
            (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n",
                                               encoding="utf-8")
        return out


def _file_label(label: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in label)
    return safe.lstrip(".") or "scenario"


def unique_labels(names: Sequence[str], fallbacks: Sequence[str] | None = None) -> list[str]:
    """Scenario names as labels; clashing names use the fallback (a file stem), then ``-k``."""
    counts = {n: names.count(n) for n in names}
    labels = [fallbacks[k] if fallbacks and counts[n] > 1 else n for k, n in enumerate(names)]
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label}-{seen[label]}")
    return out


def comparability_problems(baseline: Scenario, scenario: Scenario) -> list[str]:
    """Why ``scenario`` cannot be paired with ``baseline`` run by run (empty if it can)."""
    problems = []
    checks = (("time.start", lambda s: s.time.start.isoformat()),
              ("time.step_days", lambda s: s.time.step_days),
              ("time (recorded steps)", lambda s: s.time.n_steps),
              ("time.burn_in_weeks (burn-in steps)", lambda s: s.time.n_burn_in_steps),
              ("population.n_young_people", lambda s: s.n_young_people))
    for name, get in checks:
        if get(scenario) != get(baseline):
            problems.append(f"{name} = {get(scenario)}: differs from the baseline's "
                            f"({get(baseline)}); a scenario is compared step by step and person "
                            f"by person with the baseline, so both must share the time grid "
                            f"and the population")
    for setting in ("price_year", "discount_rate", "programme_costs_price_year"):
        mine, theirs = getattr(scenario.appraisal, setting), getattr(baseline.appraisal, setting)
        if mine != theirs:
            problems.append(f"appraisal.{setting} = {mine!r}: differs from the baseline's "
                            f"({theirs!r}); both sides of a comparison are valued in the same "
                            "prices and discounted alike")
    return problems


def compare(baseline: Scenario, scenarios: Sequence[Scenario], replicates: int, *,
            seed: int | None = None, jobs: int | None = None,
            labels: Sequence[str] | None = None,
            progress: Callable[[int, int], None] | None = None,
            posterior: Posterior | None = None, seeds_per_draw: int = 2,
            grant_cliff: bool = False) -> Comparison:
    """Run the baseline and every scenario on seeds ``root + 0..replicates−1`` and compare.

    ``seed`` is the root seed (default: the baseline's ``seed``); ``jobs`` the number of
    worker processes (default: all cores; 1 runs in this process); ``progress(done, total)``
    is called as runs finish. With ``posterior`` (a calibration's), replicate r runs every
    scenario on posterior draw r // ``seeds_per_draw`` (vsim.posterior_projection). With
    ``grant_cliff``, every scenario whose funding ends inside the horizon is also run
    sustained (labelled ``<label> sustained``) and the table ``grant_cliff`` compares the two
    (vsim.grant_cliff). The result is identical whatever ``jobs`` is.
    """
    if replicates < 2:
        raise ValueError(f"replicates = {replicates}: need at least 2 for an interval")
    scenarios = list(scenarios)
    if not scenarios:
        raise ValueError("give at least one scenario to compare with the baseline")
    for k, sc in enumerate(scenarios):
        problems = comparability_problems(baseline, sc)
        if problems:
            raise ValueError(f"scenario {k + 1} ({sc.name}): " + "; ".join(problems))
    all_scenarios = [baseline, *scenarios]
    if labels is None:
        labels = unique_labels([s.name for s in all_scenarios])
    labels = list(labels)
    if len(labels) != len(all_scenarios) or len(set(labels)) != len(labels):
        raise ValueError(f"labels {labels}: need {len(all_scenarios)} distinct labels")
    cliffs = _add_sustained(scenarios, labels) if grant_cliff else []
    all_scenarios = [baseline, *scenarios]
    root = int(baseline.seed if seed is None else seed)
    seeds = [root + r for r in range(replicates)]
    changes, draws = ([{}] * replicates, None)
    if posterior is not None:
        changes, draws = per_replicate(posterior, replicates, seeds_per_draw, root)
    arms = [[with_changes(sc, c) if c else sc for sc in all_scenarios] for c in changes]
    runs = _run_all(arms, seeds, jobs, progress)
    result = assemble(baseline, scenarios, labels, seeds, runs)
    if cliffs:
        result.meta["sustained"] = [labels[j] for _, j in cliffs]
        result.tables["grant_cliff"] = pd.concat([grant_cliff_table(
            labels[k], [runs[(0, s)] for s in seeds], [runs[(k, s)] for s in seeds],
            [runs[(j, s)] for s in seeds], baseline, scenarios[k - 1], root)
            for k, j in cliffs], ignore_index=True)
    if posterior is not None:
        result.tables["posterior_variance"] = variance_split(result.replicates, draws)
        result.tables["probability_best"] = probability_best(result.replicates, labels)
        result.meta.update({"posterior": posterior.source, "seeds_per_draw": seeds_per_draw,
                            "draws": draws})
    return result


def _run_all(arms: list[list[Scenario]], seeds: list[int], jobs: int | None,
             progress: Callable[[int, int], None] | None) -> dict[tuple[int, int], RunSummary]:
    """Every arm on its seed, in parallel: runs by (scenario index, seed)."""
    n_runs = len(seeds) * len(arms[0])
    n_jobs = _n_jobs(jobs, len(seeds))
    runs: dict[tuple[int, int], RunSummary] = {}
    if progress is not None:
        progress(0, n_runs)
    if n_jobs == 1:
        results = (_replicate_task(arms[r], s) for r, s in enumerate(seeds))
    else:
        quiet_worker_recycling()
        results = Parallel(n_jobs=n_jobs, return_as="generator")(
            delayed(_replicate_task)(arms[r], s) for r, s in enumerate(seeds))
    for s, summaries in results:
        for k, summary in enumerate(summaries):
            runs[(k, s)] = summary
        if progress is not None:
            progress(len(runs), n_runs)
    return runs


def _add_sustained(scenarios: list[Scenario], labels: list[str]) -> list[tuple[int, int]]:
    """Append each scenario whose funding ends, sustained; (its index, the sustained one's)."""
    cliffs = []
    for k, sc in enumerate(list(scenarios), start=1):
        if has_cliff(sc):
            scenarios.append(sustained(sc))
            labels.append(unique_labels([*labels, f"{labels[k]} sustained"])[-1])
            cliffs.append((k, len(scenarios)))
    return cliffs


def _n_jobs(jobs: int | None, n_tasks: int) -> int:
    if jobs is None or jobs <= 0:
        jobs = available_cores()
    return max(1, min(int(jobs), n_tasks))


def available_cores() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def pair_outcomes(base: RunSummary, run: RunSummary, baseline: Scenario,
                  scenario: Scenario) -> dict[str, float]:
    """Every outcome of one replicate of a scenario against the baseline on the same seed.

    Money is in the scenario's appraisal price year; the plain totals are undiscounted, the
    ``pv_`` outcomes and ``npv`` discounted (:mod:`vsim.appraisal`).
    """
    b, s = base.totals, run.totals
    out: dict[str, float] = {}
    for key in COMPARED:
        # the fear shares are missing (NaN) from a summary made without them
        before, after = b.get(key, math.nan), s.get(key, math.nan)
        averted = before - after
        out[key + "_baseline"] = before
        out[key] = after
        out[key + "_averted"] = averted
        out[key + "_reduction_pct"] = 100.0 * averted / before if before else math.nan
    participants, peers = run.participants, run.peers
    out["n_participants"] = float(participants.size)
    out["n_peers"] = float(peers.size)
    groups = {"participants": participants, "peers": peers}
    left_base, left_run = b["incidents"], s["incidents"]
    for group, effect in GROUPS:
        if group == "others":
            nb, ns = left_base, left_run
        else:
            nb = _incidents_of(base, groups[group])
            ns = _incidents_of(run, groups[group])
            left_base -= nb
            left_run -= ns
        out[f"{group}_incidents_baseline"] = float(nb)
        out[f"{group}_incidents"] = float(ns)
        out[f"{effect}_averted"] = float(nb - ns)
        out[f"{effect}_reduction_pct"] = 100.0 * (nb - ns) / nb if nb else math.nan
    to_price_year = programme_price_factor(scenario)
    programme = s["programme_cost"] * to_price_year
    cost = programme - b["programme_cost"] * programme_price_factor(baseline)
    out["programme_cost"] = programme
    out["programme_cost_per_year"] = s["programme_cost_per_year"] * to_price_year
    out["incremental_cost"] = cost
    out["incremental_cost_per_year"] = cost / s["years"]
    crime_base = b["crime_cost"] * crime_price_factor(baseline)
    crime = s["crime_cost"] * crime_price_factor(scenario)
    out["crime_cost_baseline"] = crime_base
    out["crime_cost"] = crime
    averted_cost = crime_base - crime
    out["crime_cost_averted"] = averted_cost
    out["net_benefit"] = averted_cost - cost
    out["benefit_cost_ratio"] = averted_cost / cost if cost else math.nan
    averted = out["incidents_averted"]
    out["cost_per_incident_averted"] = cost / averted if averted else math.nan
    for key in ("enrolled", "completed", "dropped_out", "waiting_end"):
        out[key] = s[key]
    out.update(appraise(base, run, baseline, scenario))
    return out


def _worried(run: RunSummary, n_steps: int) -> np.ndarray:
    """Residents' worry each step of a run (NaN when it was not recorded)."""
    if run.worried_by_step is None:
        return np.full(n_steps, np.nan)
    return run.worried_by_step


def _incidents_of(run: RunSummary, ids: np.ndarray) -> int:
    """Incidents committed by the people ``ids`` in ``run``."""
    if ids.size == 0 or run.perpetrators.size == 0:
        return 0
    return int(run.perpetrator_incidents[np.isin(run.perpetrators, ids)].sum())


def assemble(baseline: Scenario, scenarios: list[Scenario], labels: list[str],
             seeds: list[int], runs: dict[tuple[int, int], RunSummary]) -> Comparison:
    """Pair the runs seed by seed and build the tidy tables (fixed order: deterministic)."""
    rows = []
    for k in range(1, len(labels)):
        for r, s in enumerate(seeds):
            pairs = pair_outcomes(runs[(0, s)], runs[(k, s)], baseline, scenarios[k - 1])
            for outcome, value in pairs.items():
                rows.append((labels[k], r, s, outcome, float(value)))
    tidy = pd.DataFrame(rows, columns=["scenario", "replicate", "seed", "outcome", "value"])
    summary_rows = []
    for label in labels[1:]:
        part = tidy[tidy["scenario"] == label]
        by_outcome = {o: g.sort_values("replicate")["value"].to_numpy()
                      for o, g in part.groupby("outcome", sort=False)}
        for outcome, values in by_outcome.items():
            if outcome in RATIOS:
                num, den = RATIOS[outcome]
                ratio, lo, hi, n = ratio_interval(by_outcome[num], by_outcome[den])
                summary_rows.append((label, outcome, ratio, math.nan, lo, hi, n, "fieller"))
            else:
                mean, sd, lo, hi, n = mean_interval(values)
                summary_rows.append((label, outcome, mean, sd, lo, hi, n, "t"))
    summary = pd.DataFrame(summary_rows, columns=["scenario", "outcome", "mean", "sd",
                                                  "ci_low", "ci_high", "n", "method"])
    # every outcome is a declared one (an undeclared name raises here), with its meaning
    declared = {name: comparison_outcome(name) for name in summary["outcome"].unique()}
    summary["description"] = summary["outcome"].map(lambda o: declared[o].description)
    summary["unit"] = summary["outcome"].map(lambda o: declared[o].unit)
    sc0 = baseline
    n_steps = sc0.time.n_steps
    dates = pd.date_range(pd.Timestamp(sc0.time.start), periods=n_steps,
                          freq=f"{sc0.time.step_days}D")
    frames = []
    for k, label in enumerate(labels):
        for r, s in enumerate(seeds):
            frames.append(pd.DataFrame({
                "scenario": label, "replicate": np.int64(r), "seed": np.int64(s),
                "step": np.arange(n_steps, dtype=np.int64), "date": dates,
                "incidents": runs[(k, s)].incidents_by_step,
                "worried_share": _worried(runs[(k, s)], n_steps)}))
    timeseries = pd.concat(frames, ignore_index=True)
    base_runs = [runs[(0, s)] for s in seeds]
    total_incidents = sum(run.totals["incidents"] for run in base_runs)
    crime = sum(run.totals["crime_cost"] for run in base_runs) * crime_price_factor(baseline)
    per_incident = crime / total_incidents if total_incidents else None
    meta = {"crime_cost_per_incident": per_incident,
            "baseline_incidents_mean": total_incidents / len(seeds),
            "price_year": scenarios[0].appraisal.price_year,
            "discount_rate": scenarios[0].appraisal.discount_rate}
    tables = {"acceptability": acceptability(tidy, value_grid(per_incident)),
              "evidence_strength": evidence_table(labels[1:], scenarios)}
    return Comparison(baseline=baseline, scenarios=scenarios, labels=labels, seeds=seeds,
                      replicates=tidy, summary=summary, timeseries=timeseries, meta=meta,
                      tables=tables)
