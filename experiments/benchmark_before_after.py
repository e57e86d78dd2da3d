"""Benchmark two versions of vsim in one process, step for step: is a change slower?

On a shared machine the time of a step drifts by ±20% from one minute to the next, so two
versions timed one after the other cannot be told apart at 3%. This script loads the version
in ``--before`` (a checkout, e.g. a ``git worktree`` of an older commit) as a second package,
``vsim_before``, beside this one, builds the benchmark model of ``benchmark_core.py`` (every
process on, mean degree 10, 24 tie slots, no burn-in) at each size with both, and then steps
them alternately — before, after, after, before, ... — so that whatever the machine does hits
both alike. With ``--same-world`` (for a version before the builder moved to counter-based
streams, which drew other worlds) the old model's state is overwritten with the new model's
world first, and the two then do exactly the same work step for step (checked: the same
incidents every step). It reports the mean step of each over the same whole number of rewiring
cycles (what a run costs; friendships are rewired every 4th step), their ratio, the ratio of
each pair of steps, each process's time per step, and the share involved and the mean degree.

Whichever version is built and compiled first runs faster in that process: the same commit
loaded as both versions gave after / before = 1.42 with "before" built first and 0.55 with
"after" first, each in a fresh process (100,000 young people, 80 steps, 4 December; two models
of one package show no such effect, 8.29 against 8.51 ms). So each size is measured twice, in
fresh processes, once with each version first, and both ratios are reported with their
geometric mean. That identical-code check gave a geometric mean of 0.883: the order effect is
not the same factor both ways, so this script cannot resolve differences of a few percent.

Run (from the repository root; one numba thread)::

    git worktree add /tmp/vsim-before <commit>
    NUMBA_NUM_THREADS=1 python experiments/benchmark_before_after.py --before /tmp/vsim-before

It writes ``experiments/results/benchmark_before_after.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
MEAN_DEGREE, MAX_DEGREE, YOUTH_SHARE = 10, 24, 0.205  # as benchmark_core.py
WARMUP_STEPS = 4
IMPORT = re.compile(r"\b(from|import) vsim\b")


def load_before(checkout: Path, folder: Path):
    """The old version's package, copied into ``folder`` as ``vsim_before``, imported."""
    target = folder / "vsim_before"
    shutil.copytree(checkout / "src" / "vsim", target,
                    ignore=shutil.ignore_patterns("__pycache__"))
    for path in target.rglob("*.py"):
        text = IMPORT.sub(lambda m: f"{m[1]} vsim_before", path.read_text())
        path.write_text(text.replace('"vsim.', '"vsim_before.'))
    sys.path.insert(0, str(folder))
    import vsim_before  # noqa: F401 - the package itself, before its model
    from vsim_before.model import ViolenceModel
    return vsim_before, ViolenceModel


def scenario_data(n: int) -> dict:
    """The benchmark scenario at ``n`` young people."""
    return {"name": "bench", "population": {"n_young_people": n},
            "networks": {"mean_degree": MEAN_DEGREE, "max_degree": MAX_DEGREE},
            "time": {"years": 10, "burn_in_weeks": 0}, "area": {"residents": int(n / YOUTH_SHARE)}}


def state(model) -> dict:
    """Share involved and mean degree of the living."""
    alive = model.people.alive == 1
    return {"share_involved": float((model.people.level[alive] >= 2).mean()),
            "mean_degree": float(model.ties.degree[alive].mean())}


# Fields of the old version's people arrays that have another name now.
RENAMED = {"low_family": "low_family_functioning", "substance": "substance_use"}


def give_same_world(old, new) -> None:
    """Overwrite the old-version model's state with the new model's (same capacity)."""
    import dataclasses

    for f in dataclasses.fields(old.people):
        source = (new.people.modifier(f.name) if f.name.startswith("rel_")
                  else getattr(new.people, RENAMED.get(f.name, f.name)))
        getattr(old.people, f.name)[:] = source
    for group in ("ties", "lines"):
        for f in dataclasses.fields(getattr(old, group)):
            source = getattr(getattr(new, group), f.name)
            if (group, f.name) == ("ties", "kind"):  # now packed, 2 bits a slot
                source = new.ties.kinds()
            getattr(getattr(old, group), f.name)[...] = source
    world, places = old.world, old.world.places
    for f in dataclasses.fields(places):
        getattr(places, f.name)[:] = getattr(new.world.places, f.name)
    world.households = type(world.households)(
        neighbourhood=new.world.households.neighbourhood.copy(),
        low_family=new.world.households.low_family_functioning.copy(),
        domestic_abuse=new.world.households.domestic_abuse.copy())
    world.school_nbhd = new.world.school_nbhd.copy()
    world.at_risk_threshold = new.world.at_risk_threshold
    old.gang_areas = [a.copy() for a in new.gang_areas]
    old.rebuild_pools()
    # processes that derived something from the world at construction
    old.processes = [type(proc)(old) for proc in old.processes]


def compare_at(n: int, steps: int, versions: dict, same_world: bool, first: str) -> dict:
    """Both versions at ``n`` (``first`` built first), stepped alternately; times and shares."""
    built = sorted(versions, key=lambda name: name != first)
    models = {name: (versions[name][0],
                     versions[name][1](versions[name][0].scenario_from_dict(scenario_data(n))))
              for name in built}
    if same_world:
        give_same_world(models["before"][1], models["after"][1])
    incidents = {name: [] for name in models}
    for _, model in models.values():
        for _ in range(WARMUP_STEPS):
            model.step()
        for key in model.phase_seconds:
            model.phase_seconds[key] = 0.0
    times = {name: [] for name in models}
    for k in range(steps):
        order = list(models) if k % 2 == 0 else list(reversed(list(models)))
        for name in order:
            started = time.perf_counter()
            models[name][1].step()
            times[name].append(time.perf_counter() - started)
            incidents[name].append(_incidents(models[name][1]))
    means = {name: statistics.mean(t) for name, t in times.items()}
    pairs = np.array(times["after"]) / np.array(times["before"])
    return {"n": n, "steps": steps, "built_first": first, "mean_step_s": means,
            "ratio_of_means": means["after"] / means["before"],
            "median_ratio_of_steps": float(np.median(pairs)),
            "phase_ms_per_step": {name: {k: 1e3 * v / steps for k, v in
                                         models[name][1].phase_seconds.items()}
                                  for name in models},
            "state": {name: state(models[name][1]) for name in models},
            "same_work": incidents["before"] == incidents["after"]}


def _incidents(model) -> int:
    """Incidents of the step just done, whichever version the model is."""
    buffer = model.incidents
    return int(buffer.n) if hasattr(buffer, "n") else int(buffer.perpetrator.shape[0])


def combined(pair: list[dict]) -> dict:
    """The two orders of one size, and the geometric mean of their ratios."""
    ratios = [r["ratio_of_means"] for r in pair]
    return {"n": pair[0]["n"], "steps": pair[0]["steps"], "orders": pair,
            "ratio_geometric_mean": float(np.sqrt(ratios[0] * ratios[1])),
            "same_work": all(r["same_work"] for r in pair)}


def markdown(rows: list[dict], before: str) -> str:
    """The report as a Markdown table."""
    lines = [f"Before: `{before}`; after: this checkout. Each size twice, in fresh processes, "
             "once with each version built first; the two models stepped alternately, means "
             f"over whole rewiring cycles after {WARMUP_STEPS} warm-up steps.",
             "", "| young people | steps | built first | before, ms a step | after | "
             "after / before | median of step ratios | same incidents every step |",
             "|---:|---:|---|---:|---:|---:|---:|:---:|"]
    for row in rows:
        for r in row["orders"]:
            m = r["mean_step_s"]
            lines.append(f"| {r['n']:,} | {r['steps']} | {r['built_first']} | "
                         f"{m['before'] * 1e3:.2f} | {m['after'] * 1e3:.2f} | "
                         f"{r['ratio_of_means']:.3f} | {r['median_ratio_of_steps']:.3f} | "
                         f"{'yes' if r['same_work'] else 'no'} |")
        lines.append(f"| {row['n']:,} | | **both** | | | **{row['ratio_geometric_mean']:.3f}** "
                     "(geometric mean) | | |")
    return "\n".join(lines) + "\n"


def in_fresh_process(args, n: int, steps: int, first: str) -> dict:
    """:func:`compare_at` in a child process, so that nothing is compiled before it."""
    command = [sys.executable, __file__, "--before", str(args.before), "--child",
               str(n), str(steps), first] + (["--same-world"] if args.same_world else [])
    out = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Compare the two versions at each size, both orders; print and write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="checkout of the old version")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--steps", type=int, nargs="+", default=[160, 40],
                        help="steps per size (multiples of 4: whole rewiring cycles)")
    parser.add_argument("--same-world", action="store_true",
                        help="give the old model the new model's world (identical work)")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        import vsim
        from vsim.model import ViolenceModel

        n, steps, first = int(args.child[0]), int(args.child[1]), args.child[2]
        with tempfile.TemporaryDirectory() as folder:
            versions = {"before": load_before(args.before.resolve(), Path(folder)),
                        "after": (vsim, ViolenceModel)}
            print(json.dumps(compare_at(n, steps, versions, args.same_world, first)))
        return
    rows = []
    for n, steps in zip(args.sizes, args.steps, strict=True):
        rows.append(combined([in_fresh_process(args, n, steps, first)
                              for first in ("before", "after")]))
        print(f"{n:,}: after / before = {rows[-1]['ratio_geometric_mean']:.3f}", flush=True)
    text = markdown(rows, str(args.before))
    print(text)
    RESULTS.mkdir(exist_ok=True)
    from vsim.results import write_atomic

    write_atomic(RESULTS / "benchmark_before_after.json",
                 (json.dumps({"before": str(args.before), "rows": rows}, indent=1) + "\n").encode())
    write_atomic(RESULTS / "benchmark_before_after.md", text.encode())


if __name__ == "__main__":
    main()
