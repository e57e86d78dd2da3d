"""Benchmark of burn-in checkpoints: what starting from a saved burn-in saves.

Measures, in one process on one core, for the default borough (43,900 young people, five years
after a two-year burn-in) and a portfolio (the Barking and Dagenham case study's interventions
on the borough's world, so only the interventions differ):

  - a whole run (build the world, the burn-in, five recorded years) against a run started from
    a saved burn-in (build the world, restore, five years), and the time to save and to load
    a checkpoint folder;
  - one replicate of a comparison (baseline + portfolio on one seed), run as two separate runs
    against ``vsim.compare.simulate_replicate``, which runs the burn-in once;
  - that the results are the same both ways (totals and incidents per step).

Runs alternate between the two ways, ``--repeats`` times each, so both see the same machine
noise; medians are reported. Run: ``python experiments/benchmark_burn_in.py [--repeats 3]``.
Writes ``experiments/results/benchmark_burn_in.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    """Run the benchmark and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")
    import numpy as np

    from vsim.checkpoint import load_burn_in, save_burn_in
    from vsim.compare import simulate, simulate_replicate
    from vsim.loading import load_scenario, with_changes
    from vsim.model import ViolenceModel

    base = load_scenario(HERE.parent / "scenarios" / "borough.toml")
    bd = load_scenario(HERE.parent / "scenarios" / "case_studies" / "barking_and_dagenham.toml")
    portfolio = with_changes(base, {"name": "borough_bd_portfolio", "interventions": [
        iv.model_dump(mode="json", exclude={"neighbourhoods"}) for iv in bd.interventions]})
    seed = 1
    simulate_replicate([base, portfolio], seed)  # compile / load kernels, warm caches
    times: dict[str, list[float]] = {k: [] for k in (
        "whole run", "run from a saved burn-in", "save checkpoint", "load checkpoint",
        "replicate: two separate runs", "replicate: one burn-in")}
    same = True
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "burn_in"
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            ViolenceModel(portfolio, seed=seed, tables=False).run()
            times["whole run"].append(time.perf_counter() - t0)
            model = ViolenceModel(base, seed=seed, tables=False)
            t0 = time.perf_counter()
            save_burn_in(model, folder)
            times["save checkpoint"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            burn_in = load_burn_in(folder)
            times["load checkpoint"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            ViolenceModel(portfolio, seed=seed, tables=False, burn_in_from=burn_in).run()
            times["run from a saved burn-in"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            separate = [simulate(base, seed), simulate(portfolio, seed)]
            times["replicate: two separate runs"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            shared = simulate_replicate([base, portfolio], seed)
            times["replicate: one burn-in"].append(time.perf_counter() - t0)
            same &= all(a.totals == b.totals
                        and np.array_equal(a.incidents_by_step, b.incidents_by_step)
                        for a, b in zip(separate, shared, strict=True))
        size = sum(f.stat().st_size for f in folder.iterdir())
    med = {k: statistics.median(v) for k, v in times.items()}
    result = {"when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
              "load_average": os.getloadavg()[0], "repeats": args.repeats,
              "n_young_people": base.n_young_people,
              "burn_in_steps": base.time.n_burn_in_steps, "recorded_steps": base.time.n_steps,
              "median_seconds": med, "all_seconds": times, "checkpoint_bytes": size,
              "identical_results": bool(same),
              "run_ratio": med["run from a saved burn-in"] / med["whole run"],
              "replicate_ratio": med["replicate: one burn-in"]
              / med["replicate: two separate runs"]}
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "benchmark_burn_in.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [f"# Burn-in checkpoints ({result['when']}, load {result['load_average']:.2f})", "",
             f"Borough ({base.n_young_people:,} young people; {base.time.n_burn_in_steps} "
             f"burn-in + {base.time.n_steps} recorded steps), one core, median of "
             f"{args.repeats} alternating repeats. Checkpoint folder {size / 1e6:.1f} MB; "
             f"results identical both ways: {'yes' if same else 'NO'}.", "",
             "| measure | seconds |", "|---|---:|"]
    lines += [f"| {k} | {v:.3f} |" for k, v in med.items()]
    lines += ["", f"A run from a saved burn-in takes {result['run_ratio']:.2f} of a whole run; "
              f"a two-arm replicate with one burn-in {result['replicate_ratio']:.2f} of two "
              "separate runs."]
    (HERE / "results" / "benchmark_burn_in.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
