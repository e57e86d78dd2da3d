"""What a budget buys: the best allocation of a yearly budget across a portfolio's services.

The levers are each intervention's **staff** (whole members of staff; its capacity is staff ×
caseload, so staff sets how many it reaches) and, when the funding lasts less than the horizon,
its **start** (by quarter). An allocation costs what :func:`vsim.budget.planned_cost_per_year`
says a year; one over the budget is infeasible and never simulated. Optuna's multi-objective
TPE sampler (Ozaki et al. 2020; as in ``vsim calibrate --method optimize``) searches for
allocations that cost little and achieve much — avert the most incidents, or, with the NPV
objective, have the highest mean net present value — so its trials trace the **efficient
frontier**: the allocations no other beats on both cost and incidents averted (the frontier
is always drawn in incidents, whatever the objective). Every allocation is run on
the same seeds as the baseline (common random numbers, each run starting from the baseline's
saved burn-in, unless one of its services starts before ``time.start``), so allocations
differ by what they do, not by luck; the chosen one is the
best by the objective (incidents averted, or net present value) among those within budget.

:func:`search` takes any evaluator, so the search itself is tested on a problem with a known
optimum; :class:`PortfolioEvaluator` is vsim's.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import optuna
import pandas as pd
from joblib import Parallel, delayed

from vsim import plots
from vsim.budget import planned_cost_per_year
from vsim.checkpoint import acting_in_burn_in
from vsim.compare import pair_outcomes
from vsim.compare_runs import RunSummary, baseline_with_burn_in, simulate
from vsim.intervals import CONFIDENCE, mean_interval
from vsim.loading import scenario_hash, scenario_to_toml, with_changes
from vsim.results import atomic_dir, versions, write_tables
from vsim.scenario import Scenario
from vsim.workers import quiet_worker_recycling

OBJECTIVES = ("incidents", "npv")
QUARTER_DAYS = 91
MAX_STAFF = 200  # a sanity bound on one service's staff, whatever the budget
STALE_ASKS = 150  # the search stops after this many proposals in a row gave nothing new


@dataclass(frozen=True)
class Lever:
    """One intervention the search may staff: its fixed and per-staff yearly cost."""

    label: str
    fixed: float       # £ a year if it runs at all
    per_staff: float   # £ a year per member of staff: salary and a full caseload's costs
    max_staff: int     # the most the budget could pay for, were it the only service


def levers(scenario: Scenario, per_year: float) -> list[Lever]:
    """The levers of a scenario's portfolio under a yearly budget."""
    out = []
    for spec in scenario.interventions:
        fixed = planned_cost_per_year(spec.model_copy(update={"staff": 0.0}))
        per_staff = planned_cost_per_year(spec.model_copy(update={"staff": 1.0})) - fixed
        most = (per_year - fixed) / per_staff if per_staff > 0 else MAX_STAFF
        out.append(Lever(spec.label, fixed, per_staff, int(max(0, min(MAX_STAFF, most)))))
    return out


def allocation_cost(levers_: Sequence[Lever], staff: Sequence[int]) -> float:
    """Planned yearly cost of an allocation (a service with no staff is not run)."""
    return float(sum(lv.fixed + n * lv.per_staff for lv, n in zip(levers_, staff, strict=True)
                     if n > 0))


def apply_allocation(scenario: Scenario, staff: Sequence[int], starts: Sequence[int],
                     years: float | None, per_year: float) -> Scenario:
    """The scenario with this allocation: staff, funding windows and the yearly budget.

    With ``years``, each service is funded for that long from its start, ``starts`` quarters
    after ``time.start``; without, each keeps its own funding window. Services given no staff
    are left out.
    """
    time = scenario.time
    interventions = []
    for spec, n, quarter in zip(scenario.interventions, staff, starts, strict=True):
        if n <= 0:
            continue
        data = {**spec.model_dump(mode="json", exclude_unset=True), "type": spec.type,
                "staff": float(n)}
        if years is not None:
            start = time.start + dt.timedelta(days=QUARTER_DAYS * int(quarter))
            end = start + dt.timedelta(days=round(years * 365.25) - 1)
            data["start"] = start.isoformat()
            data.pop("end", None)
            if end < time.end_date:
                data["end"] = end.isoformat()
        interventions.append(data)
    return with_changes(scenario, {"interventions": interventions,
                                   "budget": {"per_year": per_year, "total": None}})


def start_quarters(scenario: Scenario, years: float | None) -> int:
    """How many quarterly start dates leave ``years`` of funding inside the horizon."""
    if years is None:
        return 1
    spare = (scenario.time.end_date - scenario.time.start).days - years * 365.25
    return max(1, int(spare // QUARTER_DAYS) + 1)


@dataclass
class Evaluation:
    """Per replicate: incidents averted, net present value and PV cost of an allocation."""

    averted: np.ndarray
    npv: np.ndarray
    pv_cost: np.ndarray


Evaluator = Callable[[tuple[int, ...], tuple[int, ...]], Evaluation]


@dataclass
class BudgetSearch:
    """The result of :func:`search`: every trial, the efficient frontier and the choice."""

    levers: list[Lever]
    per_year: float
    objective: str
    trials: pd.DataFrame
    frontier: pd.DataFrame
    best: pd.Series
    meta: dict = field(default_factory=dict)
    confirmation: pd.DataFrame | None = None  # the best few re-run on fresh seeds
    confirmed: pd.Series | None = None        # the chosen one's figures on those seeds

    def allocation(self, row: pd.Series | None = None) -> dict[str, dict[str, int]]:
        """Staff and start quarter of each service in a trial (default: the chosen one)."""
        row = self.best if row is None else row
        return {lv.label: {"staff": int(row[f"staff: {lv.label}"]),
                           "start_quarter": int(row[f"start quarter: {lv.label}"])}
                for lv in self.levers}

    def write(self, out_dir, scenario: Scenario, chosen: Scenario, csv: bool = False):
        """Write trials, frontier, the chosen scenario, a plot and a manifest, atomically."""
        out = Path(out_dir)
        with atomic_dir(out) as tmp:
            trials = self.trials.drop(columns=["averted_by_replicate"])
            tables = {"trials": trials,
                      "frontier": self.frontier.drop(columns=["averted_by_replicate"])}
            if self.confirmation is not None:
                tables["confirmation"] = self.confirmation.drop(
                    columns=["averted_by_replicate"])
            write_tables(tables, tmp, csv)
            plots.frontier(trials, self.frontier, tmp / "frontier.png", self.per_year,
                           self.best)
            (tmp / "chosen.toml").write_text(scenario_to_toml(chosen), encoding="utf-8")
            (tmp / "scenario.toml").write_text(scenario_to_toml(scenario), encoding="utf-8")
            best = _plain(self.best)
            if self.confirmed is not None:
                best["confirmed"] = _plain(self.confirmed)
            manifest = {
                "kind": "budget", "scenario": scenario.name, "per_year": self.per_year,
                "objective": self.objective, "levers": [vars(lv) for lv in self.levers],
                "chosen": {"allocation": self.allocation(), **best},
                "trials": len(self.trials), "frontier_points": len(self.frontier),
                "confidence": CONFIDENCE, "scenario_sha256": scenario_hash(scenario),
                "versions": versions(), **self.meta,
                "tables": list(tables), "plots": ["frontier.png"],
            }
            (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str)
                                               + "\n", encoding="utf-8")
        return out


def _plain(row: pd.Series) -> dict:
    """A table row as plain JSON values (without the per-replicate list)."""
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()
            if k != "averted_by_replicate"}


def _suggest(trial, levers_: Sequence[Lever], n_quarters: int) -> tuple[tuple, tuple]:
    staff = tuple(trial.suggest_int(f"staff {k}", 0, lv.max_staff)
                  for k, lv in enumerate(levers_))
    starts = tuple(trial.suggest_int(f"start {k}", 0, n_quarters - 1) if n_quarters > 1 else 0
                   for k in range(len(levers_)))
    return staff, starts


def _starting_points(levers_: Sequence[Lever], per_year: float) -> list[dict]:
    """Nothing, and all the money on each service alone: the frontier's corners."""
    points = [{f"staff {k}": 0 for k in range(len(levers_))}]
    for j, lv in enumerate(levers_):
        if lv.max_staff > 0:
            points.append({f"staff {k}": (lv.max_staff if k == j else 0)
                           for k in range(len(levers_))})
    return points


def search(evaluate: Evaluator, levers_: list[Lever], per_year: float, replicates: int, *,
           trials: int = 40, objective: str = "incidents", n_quarters: int = 1, seed: int = 0,
           progress: Callable[[int, int], None] | None = None) -> BudgetSearch:
    """Search allocations of ``per_year`` across ``levers_``.

    ``evaluate(staff, starts)`` gives ``replicates`` values of each outcome; ``trials`` is the
    number of allocations within budget to evaluate.
    """
    if objective not in OBJECTIVES:
        raise ValueError(f"objective '{objective}': must be one of {', '.join(OBJECTIVES)}")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(seed=seed)
    study = optuna.create_study(directions=["minimize", "maximize"], sampler=sampler)
    for point in _starting_points(levers_, per_year):
        study.enqueue_trial(point, skip_if_exists=True)
    def goal(result: Evaluation) -> float:
        """The second objective: mean incidents averted, or mean net present value."""
        return float(np.mean(result.averted if objective == "incidents" else result.npv))

    records: list[dict] = []
    seen: dict[tuple, Evaluation] = {}
    stale = [0]  # asks in a row that gave nothing new (over budget or already run)

    def run_trial(trial) -> tuple[float, float]:
        staff, starts = _suggest(trial, levers_, n_quarters)
        cost = allocation_cost(levers_, staff)
        trial.set_constraint("over_budget", cost - per_year)  # feasible when ≤ 0
        stale[0] += 1
        if cost > per_year + 1e-6:
            return cost, 0.0   # infeasible: not simulated
        key = (staff, starts)
        if key in seen:        # asked again: the same seeds give the same answer
            return cost, goal(seen[key])
        stale[0] = 0
        # spending nothing averts nothing, exactly (same seeds): no need to simulate it
        result = (Evaluation(np.zeros(replicates), np.zeros(replicates), np.zeros(replicates))
                  if not any(staff) else evaluate(staff, starts))
        seen[key] = result
        records.append(_record(trial.number, staff, starts, cost, result))
        if progress is not None:
            progress(len(records), trials)
        return cost, goal(result)

    def enough(study_, _trial) -> None:
        # stop at the number asked for, or when the sampler keeps proposing nothing new
        # (a small space may hold fewer allocations within budget than were asked for)
        if len(records) >= trials or stale[0] >= STALE_ASKS:
            study_.stop()

    study.optimize(run_trial, n_trials=trials * 20, callbacks=[enough])
    table = _trials_table(records, levers_)
    best = table.loc[table["incidents_averted" if objective == "incidents" else "npv"].idxmax()]
    return BudgetSearch(levers_, per_year, objective, table, efficient_frontier(table), best,
                        {"sampler": "optuna TPESampler (multi-objective)", "seed": seed,
                         "optuna": optuna.__version__, "trials_asked": len(study.trials)})


def confirm(found: BudgetSearch, evaluate: Evaluator, replicates: int, top: int = 3) -> None:
    """Re-run the best ``top`` allocations on fresh seeds; choose among them there.

    The best of many noisy estimates flatters itself (the winner's curse): the allocation that
    looked best on the search's seeds is partly the one whose luck was best. ``evaluate`` runs
    on other seeds (with their own baseline), so the figures it gives are not the ones the
    choice was made on; ``found.best`` becomes the winner there and ``found.confirmed`` its
    figures on those seeds.
    """
    key = "incidents_averted" if found.objective == "incidents" else "npv"
    candidates = found.trials.sort_values(key, ascending=False, kind="mergesort").head(top)
    records = []
    for _, row in candidates.iterrows():
        staff = tuple(int(row[f"staff: {lv.label}"]) for lv in found.levers)
        starts = tuple(int(row[f"start quarter: {lv.label}"]) for lv in found.levers)
        result = (evaluate(staff, starts) if any(staff) else
                  Evaluation(np.zeros(replicates), np.zeros(replicates), np.zeros(replicates)))
        records.append(_record(int(row["trial"]), staff, starts, float(row["cost_per_year"]),
                               result))
    table = _trials_table(records, found.levers)
    winner = table.loc[table[key].idxmax()]
    found.confirmation = table
    found.confirmed = winner
    found.meta["confirmation_replicates"] = replicates
    found.best = found.trials[found.trials["trial"] == winner["trial"]].iloc[0]


def _record(number: int, staff, starts, cost: float, result: Evaluation) -> dict:
    averted = mean_interval(np.asarray(result.averted, np.float64))
    npv = mean_interval(np.asarray(result.npv, np.float64))
    return {"trial": number, "staff": tuple(int(s) for s in staff),
            "start_quarter": tuple(int(q) for q in starts), "cost_per_year": cost,
            "incidents_averted": averted[0], "incidents_averted_ci_low": averted[2],
            "incidents_averted_ci_high": averted[3], "npv": npv[0], "npv_ci_low": npv[2],
            "npv_ci_high": npv[3], "pv_cost": float(np.mean(result.pv_cost)),
            "averted_by_replicate": [float(v) for v in result.averted]}


def _trials_table(records: list[dict], levers_: Sequence[Lever]) -> pd.DataFrame:
    table = pd.DataFrame(records)
    for k, lv in enumerate(levers_):
        table[f"staff: {lv.label}"] = table["staff"].map(lambda s, k=k: s[k])
        table[f"start quarter: {lv.label}"] = table["start_quarter"].map(lambda s, k=k: s[k])
    return table.drop(columns=["staff", "start_quarter"])


def efficient_frontier(trials: pd.DataFrame) -> pd.DataFrame:
    """The trials no other beats on both cost and incidents averted, cheapest first.

    Walking up in cost, a trial is on the frontier if it averts more than every cheaper one
    (ties in cost: the one that averts most), so the frontier rises with money.
    """
    ordered = trials.sort_values(["cost_per_year", "incidents_averted"],
                                 ascending=[True, False], kind="mergesort")
    keep, best = [], -math.inf
    for index, row in ordered.iterrows():
        if row["incidents_averted"] > best:
            keep.append(index)
            best = row["incidents_averted"]
    return ordered.loc[keep].reset_index(drop=True)


# ------------------------------------------------------------------ vsim's own evaluator
class PortfolioEvaluator:
    """Runs allocations of a scenario's portfolio against its baseline on common seeds."""

    def __init__(self, scenario: Scenario, replicates: int, *, root: int, jobs: int = 1,
                 years: float | None = None, per_year: float):
        self.scenario = scenario
        self.replicates = replicates
        self.years = years
        self.per_year = per_year
        self.jobs = jobs
        self.baseline = with_changes(scenario, {"interventions": [],
                                                "name": f"{scenario.name} baseline"})
        self.seeds = [root + r for r in range(replicates)]
        pairs = self._map(baseline_with_burn_in, [(self.baseline, s) for s in self.seeds])
        self.burn_ins = [burn for burn, _ in pairs]
        self.base_runs: list[RunSummary] = [summary for _, summary in pairs]

    def _map(self, function, arguments):
        if self.jobs == 1 or len(arguments) == 1:
            return [function(*a) for a in arguments]
        quiet_worker_recycling()
        return Parallel(n_jobs=self.jobs)(delayed(function)(*a) for a in arguments)

    def scenario_for(self, staff, starts) -> Scenario:
        """The scenario of an allocation."""
        return apply_allocation(self.scenario, staff, starts, self.years, self.per_year)

    def __call__(self, staff, starts) -> Evaluation:
        """Run the allocation on every seed from the baseline's burn-in; pair the runs."""
        sc = self.scenario_for(staff, starts)
        # a service acting before time.start changes the burn-in: run it, not the baseline's
        burn_ins = [None] * len(self.seeds) if acting_in_burn_in(sc) else self.burn_ins
        runs = self._map(simulate, [(sc, s, b) for s, b in zip(self.seeds, burn_ins,
                                                                  strict=True)])
        pairs = [pair_outcomes(b, r, self.baseline, sc)
                 for b, r in zip(self.base_runs, runs, strict=True)]
        return Evaluation(np.array([p["incidents_averted"] for p in pairs]),
                          np.array([p["npv"] for p in pairs]),
                          np.array([p["pv_programme_cost"] for p in pairs]))
