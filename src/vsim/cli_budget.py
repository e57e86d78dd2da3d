"""``vsim budget``: search how to spend a yearly budget across a scenario's interventions."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from vsim.cli_inputs import SEED_MAX, check_target, flag
from vsim.cli_output import DelayedProgress, err, fail, out, timed, write_results
from vsim.loading import ScenarioError, load_scenario, with_changes
from vsim.scenario import Scenario

OBJECTIVES = {"incidents": "most incidents averted", "npv": "highest net present value"}


def _check(scenario: Scenario, source: Path, per_year: float, years: float | None,
           objective: str, trials: int, replicates: int, jobs: int | None,
           seed: int | None) -> int:
    """Every problem with the arguments at once; returns the root seed."""
    problems = []
    if not scenario.interventions:
        problems.append(f"{source}: interventions: none, so there is nothing to allocate the "
                        "budget to; add the services to consider as [[interventions]]")
    if not per_year > 0:
        problems.append(f"--per-year = {per_year}: must be a positive sum of pounds a year")
    horizon = (scenario.time.end_date - scenario.time.start).days / 365.25
    if years is not None and not 0 < years <= horizon + 1e-9:
        problems.append(f"--years = {years}: must be in (0, {horizon:.2f}], the scenario's "
                        "horizon in years")
    if objective not in OBJECTIVES:
        problems.append(f"--objective = {objective!r}: must be one of "
                        f"{', '.join(OBJECTIVES)} ({'; '.join(OBJECTIVES.values())})")
    if not 5 <= trials <= 10_000:
        problems.append(f"--trials = {trials}: must be a whole number in [5, 10,000]")
    if not 2 <= replicates <= 1_000:
        problems.append(f"--replicates = {replicates}: must be a whole number in [2, 1,000] "
                        "(an interval needs at least 2)")
    if jobs is not None and jobs < 1:
        problems.append(f"--jobs = {jobs}: must be a whole number ≥ 1")
    root = scenario.seed if seed is None else seed
    last = SEED_MAX - 2 * replicates  # the search's seeds, then the confirmation's
    if not 0 <= root <= last:
        problems.append(f"--seed = {root}: must be a whole number in [0, {last}]")
    if problems:
        raise ScenarioError("vsim budget", problems)
    return root


def budget(
    scenario: Annotated[Path, typer.Argument(help=(
        "Scenario TOML file whose [[interventions]] are the services to allocate the budget "
        "to."))],
    per_year: Annotated[float, typer.Option("--per-year", help="Budget in pounds a year.")],
    years: Annotated[Optional[float], typer.Option(
        "--years", help="Years the funding lasts (default: the whole horizon); then start "
                        "dates are searched too, by quarter.")] = None,
    objective: Annotated[str, typer.Option(
        "--objective", help="incidents (most averted) or npv (highest net present value).")
    ] = "incidents",
    trials: Annotated[int, typer.Option(
        "--trials", help="Allocations within budget to simulate.")] = 40,
    replicates: Annotated[int, typer.Option(
        "--replicates", "-n", help="Seeds per allocation (the same for every one).")] = 5,
    jobs: Annotated[Optional[int], typer.Option(
        "--jobs", "-j", help="Worker processes (default: all cores).")] = None,
    seed: Annotated[Optional[int], typer.Option(
        help="Root seed (default: the scenario's seed).")] = None,
    out_dir: Annotated[Optional[Path], typer.Option(
        "--out", "-o", help="Output folder (default: results/budget-<name>).")] = None,
    csv: Annotated[bool, flag("--csv", help="Write CSV instead of Parquet.")] = False,
) -> None:
    """Search allocations of a yearly budget for the most incidents averted (or NPV).

    Writes every allocation tried, the efficient frontier (incidents averted against money,
    from nothing to the budget, with 95% intervals), a plot, and chosen.toml: the chosen
    allocation as a scenario that vsim compare can run.
    """
    try:
        sc = load_scenario(scenario)
        root = _check(sc, scenario, per_year, years, objective, trials, replicates, jobs, seed)
        name = f"budget-{sc.name}"
        target = out_dir or Path("results") / name
        note = check_target(target, explicit=out_dir is not None, name=name, results=True)
    except ScenarioError as exc:
        fail(exc)
    progress = DelayedProgress(enabled=sys.stderr.isatty(), unit="allocations",
                               label="searching")
    (found, chosen), elapsed = timed(progress, lambda bar: _search(
        sc, per_year, years, objective, trials, replicates, jobs, root, bar))
    written = write_results(_Writable(found, sc, chosen), target, csv)
    _print(found, elapsed)
    out.print(f"search written to [bold]{escape(str(written))}[/]{note}; the chosen allocation "
              f"is {escape(str(written / 'chosen.toml'))}: confirm it on more seeds with "
              f"vsim compare {escape(str(written / 'chosen.toml'))} --replicates 20",
              highlight=False, soft_wrap=True)


def _search(sc: Scenario, per_year: float, years: float | None, objective: str, trials: int,
            replicates: int, jobs: int | None, root: int, bar):
    """Run the search; returns it and the chosen allocation as a scenario."""
    # deferred: the model (numba), optuna, pandas and joblib (~3 s)
    from vsim.budget_search import PortfolioEvaluator, confirm, levers, search, start_quarters
    from vsim.compare import available_cores  # deferred, as above

    n_jobs = min(jobs or available_cores(), replicates)
    evaluator = PortfolioEvaluator(sc, replicates, root=root, jobs=n_jobs, years=years,
                                   per_year=per_year)
    found = search(evaluator, levers(sc, per_year), per_year, replicates, trials=trials,
                   objective=objective, n_quarters=start_quarters(sc, years), seed=root,
                   progress=bar)
    # the best few again on the next seeds, each with its own baseline: the winner's curse
    fresh = PortfolioEvaluator(sc, replicates, root=root + replicates, jobs=n_jobs,
                               years=years, per_year=per_year)
    confirm(found, fresh, replicates)
    found.meta.update({"seeds": evaluator.seeds, "confirmation_seeds": fresh.seeds,
                       "years": years})
    allocation = found.allocation().values()
    chosen = evaluator.scenario_for(tuple(v["staff"] for v in allocation),
                                    tuple(v["start_quarter"] for v in allocation))
    return found, with_name(chosen, f"{sc.name}_budget")


def with_name(scenario: Scenario, name: str) -> Scenario:
    """The scenario renamed (validated like any change)."""
    return with_changes(scenario, {"name": name})


class _Writable:
    """Adapts a search to :func:`vsim.cli_output.write_results` (``write(target, csv)``)."""

    def __init__(self, found, scenario: Scenario, chosen: Scenario):
        self.found, self.scenario, self.chosen = found, scenario, chosen

    def write(self, target: Path, csv: bool = False) -> Path:
        return self.found.write(target, self.scenario, self.chosen, csv)


def _print(found, elapsed: float) -> None:
    """The frontier and the chosen allocation, in words (its figures on the fresh seeds)."""
    best = found.confirmed if found.confirmed is not None else found.best
    parts = ", ".join(f"{label} {v['staff']} staff"
                      + (f" from quarter {v['start_quarter'] + 1}" if v["start_quarter"] else "")
                      for label, v in found.allocation().items() if v["staff"])
    out.print(f"Budget £{found.per_year:,.0f} a year, {len(found.trials)} allocations tried in "
              f"{elapsed:.0f} s. Chosen ({OBJECTIVES[found.objective]}): "
              f"{parts or 'spend nothing'}, planned cost £{best['cost_per_year']:,.0f} a year: "
              f"{best['incidents_averted']:,.1f} incidents averted "
              f"[{best['incidents_averted_ci_low']:,.1f}, "
              f"{best['incidents_averted_ci_high']:,.1f}], net present value "
              f"£{best['npv']:,.0f} [£{best['npv_ci_low']:,.0f}, £{best['npv_ci_high']:,.0f}]"
              f" on {len(found.meta.get('confirmation_seeds', []))} fresh seeds (the best "
              f"{len(found.confirmation) if found.confirmation is not None else 0} of the "
              "search run again)", highlight=False, soft_wrap=True)
    out.print("Efficient frontier (planned cost a year: incidents averted, 95% interval):",
              highlight=False)
    for _, row in found.frontier.iterrows():
        out.print(f"  £{row['cost_per_year']:>11,.0f}: {row['incidents_averted']:8,.1f} "
                  f"[{row['incidents_averted_ci_low']:,.1f}, "
                  f"{row['incidents_averted_ci_high']:,.1f}]", highlight=False)
    if len(found.trials) < 10:
        err.print("note: few allocations were tried; give --trials 40 or more for a search",
                  highlight=False)
