"""Benchmark of sweeps: runs per hour of the borough scenario, serial against parallel.

Measures, for the default borough (43,900 young people, five years after a two-year burn-in):
  - the simulation time of a run (its record's ``simulation_seconds``: building, running and
    summarising the model) and the time of the whole run (``seconds``: also validating and
    hashing the scenario), both as means over the serial sweep's runs;
  - a sweep of ``--runs`` runs through the real pipeline (design, worker processes, atomic
    writes) with ``--jobs 1`` and with ``--jobs 2``: runs per hour, and parallel efficiency
    = serial time per run / (parallel wall time per run × jobs);
  - the overhead per run outside the simulation: serial wall time per run minus the mean
    simulation time, as a share of the simulation (means on both sides);
  - the projected wall time of the issue's target design, a 10-parameter Sobol design with 512
    base samples and second-order indices (512 × 22 = 11,264 runs), on this machine with 2 jobs;
  - where a borough run's time goes (building the world, then each process), against the
    core-seconds a run may take for that target.

Both sweeps make each run in the worker itself (``isolate=False``), as a sweep on several
workers does until a run kills its worker; a one-job sweep from the command line makes each
run in a child process instead, which costs ~8% more per run (a fresh process's page faults).

The numba cache and the worker pool are warmed first (loky keeps a pool's workers between
sweeps), so the figures are those of a long sweep, not of worker start-up; the sweep's
fixed costs (design, resolved scenarios, runs.parquet) are shared by its ``--runs`` runs.

Run: python experiments/benchmark_sweep.py [--runs 16]
Writes experiments/results/benchmark_sweep.json and .md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET_RUNS = 512 * (2 * 10 + 2)  # Sobol with second order, 10 parameters, N = 512: 11,264


def experiment_file(folder: Path, runs: int) -> Path:
    """A latin-hypercube experiment of ``runs`` borough runs with small parameter ranges."""
    text = f"""
name = "bench"
base = "{(HERE.parent / 'scenarios' / 'borough.toml').as_posix()}"
root_seed = 1
outcomes = ["incidents"]
[design]
method = "latin_hypercube"
samples = {runs}
[[parameters]]
path = "contagion.beta"
low = 0.0007
high = 0.0009
"""
    path = folder / "bench.toml"
    path.write_text(text)
    return path


def sweep_seconds(path: Path, out: Path, jobs: int) -> tuple[float, list[dict]]:
    """Wall time of a whole sweep and its run records (which hold each run's timings)."""
    from vsim.experiment import load_experiment
    from vsim.sweep import execute, finished

    exp = load_experiment(path)
    started = time.perf_counter()
    execute(exp, out, jobs=jobs, isolate=False)  # the multi-worker path, for both sweeps
    wall = time.perf_counter() - started
    records = list(finished(out).values())
    failed = [r["error"] for r in records if r["status"] != "ok"]
    if failed:
        raise SystemExit(f"{len(failed)} runs failed: {failed[0]}")
    return wall, records


def where_a_run_goes(runs: int = 3) -> dict[str, float]:
    """Where a borough run's time goes.

    Mean seconds per borough run in building the world and in each process (from
    ``ViolenceModel.phase_seconds``), in this process, as a sweep's worker makes a run.
    """
    from vsim.loading import load_scenario
    from vsim.model import ViolenceModel

    scenario = load_scenario(HERE.parent / "scenarios" / "borough.toml")
    totals: dict[str, float] = {}
    for seed in range(1, runs + 1):
        started = time.perf_counter()
        model = ViolenceModel(scenario, seed=seed, tables=False)  # builds, runs the burn-in
        burn_in = sum(model.phase_seconds.values())
        totals["build the world"] = (totals.get("build the world", 0.0)
                                     + time.perf_counter() - started - burn_in)
        model.run()
        for name, seconds in model.phase_seconds.items():
            totals[name] = totals.get(name, 0.0) + seconds
    return {name: seconds / runs for name, seconds in totals.items()}


def main() -> None:
    """Run the benchmark and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=16, help="runs per sweep")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = experiment_file(folder, args.runs)
        # Warm the numba cache and, just before each measured sweep, a pool of its size (a
        # pool of another size is a new pool), so no measured sweep pays start-up.
        warm = folder / "warm"
        warm.mkdir()
        sweep_seconds(experiment_file(warm, 2), warm / "out1", 1)
        serial_wall, records = sweep_seconds(path, folder / "serial", 1)
        sweep_seconds(experiment_file(warm, 2), warm / "out2", 2)
        parallel_wall, _ = sweep_seconds(path, folder / "parallel", 2)
    phases = where_a_run_goes()
    sim = statistics.fmean(r["simulation_seconds"] for r in records)
    whole = statistics.fmean(r["seconds"] for r in records)
    per_run_serial = serial_wall / args.runs
    per_run_parallel = parallel_wall / args.runs
    efficiency = per_run_serial / (per_run_parallel * 2)
    result = {
        "runs": args.runs, "simulation_s_mean": sim, "run_one_s_mean": whole,
        "serial_wall_s": serial_wall, "parallel_wall_s": parallel_wall,
        "runs_per_hour_serial": 3600 / per_run_serial,
        "runs_per_hour_parallel": 3600 / per_run_parallel,
        "parallel_efficiency": efficiency,
        "overhead_per_run_s": per_run_serial - sim,
        "overhead_share": (per_run_serial - sim) / sim,
        "target_runs": TARGET_RUNS,
        "target_projected_hours": TARGET_RUNS * per_run_parallel / 3600,
        "cpus": os.cpu_count(), "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "seconds_per_run_by_phase": phases,
        # core-seconds a run may take for the target: 2 cores for an hour, at this efficiency
        "target_budget_core_s_per_run": 2 * 3600 * efficiency / TARGET_RUNS,
    }
    lines = [
        "# vsim sweep benchmark", "",
        f"Borough scenario (43,900 young people, 5 years + 2-year burn-in), {args.runs} runs "
        f"per sweep, {result['cpus']} CPUs, {result['date']}.", "",
        "| measure | value |", "|---|---:|",
        f"| simulation per run (mean: build, run, summarise the model) | {sim:.2f} s |",
        f"| whole run per run (mean: also validate and hash the scenario) | {whole:.2f} s |",
        f"| runs per hour, 1 job | {result['runs_per_hour_serial']:,.0f} |",
        f"| runs per hour, 2 jobs | {result['runs_per_hour_parallel']:,.0f} |",
        f"| parallel efficiency on 2 cores (target ≥ 85%) | {efficiency:.0%} |",
        f"| overhead per run outside the simulation: serial wall per run − mean simulation "
        f"(target < 10%) | "
        f"{result['overhead_per_run_s']:.3f} s ({result['overhead_share']:.1%}) |",
        f"| Sobol, 10 parameters, N = 512, second order ({TARGET_RUNS:,} runs), 2 jobs "
        f"(target < 1 h) | "
        f"{result['target_projected_hours']:.1f} h projected |",
    ]
    total = sum(phases.values())
    lines += [
        "", f"## Where a borough run goes (mean of 3 runs in one process, {total:.2f} s)", "",
        f"The target leaves {result['target_budget_core_s_per_run']:.2f} core-seconds a run "
        f"(2 cores × 1 hour × {efficiency:.0%} efficiency / {TARGET_RUNS:,} runs).", "",
        "| phase | seconds per run | share |", "|---|---:|---:|",
        *[f"| {name} | {seconds:.3f} | {seconds / total:.0%} |"
          for name, seconds in sorted(phases.items(), key=lambda kv: -kv[1])],
        f"| all but rewiring | {total - phases.get('rewiring', 0.0):.3f} | "
        f"{(total - phases.get('rewiring', 0.0)) / total:.0%} |",
    ]
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "benchmark_sweep.json").write_text(json.dumps(result, indent=2) + "\n")
    (out / "benchmark_sweep.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
