"""Measure the ten case studies against their own baselines (the figures in the READMEs).

Each case in ``scenarios/case_studies/`` is compared at full size with the same file without
interventions, on common random numbers (``vsim.compare.compare``), over ``--replicates`` seeds
(the case's seed + 0, 1, ...). Reported per case: young people, recorded years, baseline
incidents (all violent incidents by 10-24-year-olds over those years), incidents averted and
% reduction with 95% t intervals over the replicates, the reduction in weapon incidents, the
programme cost, and the cost per incident averted (ratio of means, Fieller 95% interval).

Run (from the repository root): python experiments/measure_case_studies.py [--replicates 5]
Writes experiments/results/case_studies.md and .json. Takes about 4 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import time
from pathlib import Path

import vsim
from vsim.compare import compare
from vsim.results import versions, write_atomic

HERE = Path(__file__).resolve().parent
CASES = HERE.parent / "scenarios" / "case_studies"


def measure(path: Path, replicates: int, jobs: int) -> dict:
    """One case against its own baseline: the summary figures as a dict."""
    case = vsim.load_scenario(path)
    baseline = vsim.with_changes(case, {"interventions": [], "name": f"{case.name}_baseline"})
    started = time.perf_counter()
    result = compare(baseline, [case], replicates=replicates, jobs=jobs,
                     labels=["baseline", "case"])

    def cell(outcome: str) -> dict:
        return {column: result.value("case", outcome, column)
                for column in ("mean", "ci_low", "ci_high")}

    return {"case": path.stem, "name": case.area.name, "young_people": case.n_young_people,
            "years": case.time.years,
            "baseline_incidents": result.meta["baseline_incidents_mean"],
            "incidents_averted": cell("incidents_averted"),
            "reduction_pct": cell("incidents_reduction_pct"),
            "weapon_reduction_pct": cell("weapon_incidents_reduction_pct"),
            "programme_cost": cell("programme_cost"),
            "cost_per_incident_averted": cell("cost_per_incident_averted"),
            "seeds": result.seeds, "seconds": time.perf_counter() - started}


def _interval(c: dict, digits: int = 1, money: bool = False) -> str:
    def show(x: float) -> str:
        if not math.isfinite(x):
            return "∞" if x > 0 else "−∞"
        return f"£{x:,.0f}" if money else f"{x:,.{digits}f}"

    return f"{show(c['mean'])} [{show(c['ci_low'])}, {show(c['ci_high'])}]"


def table(rows: list[dict], replicates: int) -> str:
    """The Markdown table of the README."""
    lines = ["| case | young people | years | baseline incidents | averted (95% CI) | "
             "reduction % (95% CI) | weapon incidents reduction % | programme cost | cost per "
             "incident averted (95% CI) |", "|---|---:|---:|---:|---|---|---|---:|---|"]
    for r in rows:
        lines.append(
            f"| {r['case']} | {r['young_people']:,} | {r['years']:g} | "
            f"{r['baseline_incidents']:,.0f} | "
            f"{_interval(r['incidents_averted'], 0)} | {_interval(r['reduction_pct'], 2)} | "
            f"{_interval(r['weapon_reduction_pct'], 1)} | "
            f"£{r['programme_cost']['mean'] / 1000:,.0f}k | "
            f"{_interval(r['cost_per_incident_averted'], money=True)} |")
    return "\n".join(lines)


def main() -> None:
    """Measure every case (or those named) and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("cases", nargs="*", help="case file stems (default: all ten)")
    args = parser.parse_args()
    paths = sorted(CASES.glob("*.toml"))
    if args.cases:
        paths = [p for p in paths if p.stem in args.cases]
    rows = []
    for path in paths:
        row = measure(path, args.replicates, args.jobs)
        rows.append(row)
        print(f"{row['case']}: {_interval(row['reduction_pct'], 2)}% in {row['seconds']:.0f} s",
              flush=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=HERE).stdout.strip() or "unknown commit"
    header = (f"# Case studies against their own baselines\n\nFull size, {args.replicates} "
              f"replicates on common random numbers, vsim {versions()['vsim']} at {commit}, "
              f"{time.strftime('%Y-%m-%d')}. Incidents: all violent incidents by 10-24-year-olds "
              f"over each case's recorded years; 95% t intervals over replicates (cost per "
              f"incident averted: Fieller).\n\n")
    write_atomic(HERE / "results" / "case_studies.md",
                 (header + table(rows, args.replicates) + "\n").encode())
    write_atomic(HERE / "results" / "case_studies.json",
                 (json.dumps(rows, indent=1) + "\n").encode())


if __name__ == "__main__":
    main()
