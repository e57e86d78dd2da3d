"""vsim's contagion against Starsim's SIS on the same graph and size, timed in one run.

Starsim (the Institute for Disease Modeling's agent-based framework) is the fastest general
ABM framework of this kind in Python; its SIS disease on a static network is the closest
thing to vsim's contagion and involvement processes with everything else off. For each size
and regime this builds vsim's plain-SIS model (the same one ``benchmark_core.py`` sets beside
plain Mesa: only contagion and involvement on, tie weights 1, no other source of exposure),
takes its peer graph into a networkx graph, gives it to ``ss.StaticNet`` with ``ss.SIS`` of the
same per-contact transmission probability per step, mean duration 1/γ steps and no immunity
after recovery, and times
both in this process, alternately: vsim's SIS step (median of ``--steps``), Starsim's
``run()`` over ``--steps`` steps divided by the steps (it includes Starsim's results
bookkeeping, which is part of its step). The share infected at the end is reported to show the
regime; the two are not the same process step for step (Starsim draws its own initial
infections and lognormal durations), so compare speed, not trajectories.

Needs the benchmark extra: ``pip install ".[benchmark]"`` (Starsim is not a vsim dependency).
Run: ``python experiments/benchmark_starsim.py [--sizes 10000 100000] [--steps 40]``.
Writes experiments/results/benchmark_starsim.json and .md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def warm_up_starsim(beta: float, gamma: float) -> None:
    """Run a small Starsim SIS once, so its own numba kernels compile before the timing.

    Without it the first measurement in the process (10,000 young people, low prevalence) took
    Starsim's compilation into its step: 0.023 s a step against 0.0017 at high prevalence (5
    December).
    """
    import networkx as nx
    import starsim as ss

    sim = ss.Sim(n_agents=200, networks=ss.StaticNet(graph=nx.random_regular_graph(4, 200, 1)),
                 diseases=ss.SIS(beta=beta, init_prev=0.1, dur_inf=1.0 / gamma, imm_boost=0.0),
                 start=0, stop=3, dt=1, rand_seed=1, verbose=0)
    sim.run()


def measure(n: int, regime: str, steps: int) -> dict:
    """Time vsim's SIS step and Starsim's on vsim's graph of ``n`` young people."""
    import networkx as nx
    import numpy as np
    import starsim as ss
    from benchmark_core import SIS_REGIMES, bench_scenario, warm_up

    from vsim.model import ViolenceModel
    from vsim.vocabulary import INVOLVED

    beta, gamma = SIS_REGIMES[regime]
    warm_up()
    warm_up_starsim(beta, gamma)
    model = ViolenceModel(bench_scenario(n, sis=(beta, gamma)))
    sis_processes = [p for p in model.processes if p.name in ("contagion", "involvement")]
    people, ties = model.people, model.ties
    slots = np.nonzero(people.alive == 1)[0]
    index = np.full(people.capacity, -1, np.int64)
    index[slots] = np.arange(slots.size)
    graph = nx.Graph()
    graph.add_nodes_from(range(slots.size))
    for s in slots:
        friends = index[ties.partner[s, :ties.degree[s]]]
        graph.add_edges_from((int(index[s]), int(j)) for j in friends if j > index[s])
    share0 = float(np.mean(people.level[slots] >= INVOLVED))
    sim = ss.Sim(n_agents=int(slots.size), networks=ss.StaticNet(graph=graph),
                 # imm_boost 0: no immunity after recovery, i.e. plain SIS (Starsim's SIS
                 # default boosts immunity, which makes it burn out like an SIR)
                 diseases=ss.SIS(beta=beta, init_prev=share0, dur_inf=1.0 / gamma,
                                 imm_boost=0.0),
                 start=0, stop=steps, dt=1, rand_seed=1, verbose=0)
    t0 = time.perf_counter()
    sim.init()
    starsim_init = time.perf_counter() - t0

    def vsim_step() -> None:
        for process in sis_processes:
            process.step()
        model.t += 1

    vsim_step()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        vsim_step()
        times.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    sim.run()
    starsim_step = (time.perf_counter() - t0) / steps
    vsim_s = statistics.median(times)
    return {"n": int(slots.size), "regime": regime, "beta": beta, "gamma": gamma,
            "edges": graph.number_of_edges(), "vsim_step_s": vsim_s,
            "starsim_step_s": starsim_step, "ratio": starsim_step / vsim_s,
            "starsim_init_s": starsim_init, "share_start": share0,
            "share_end_vsim": float(np.mean(people.level[slots] >= INVOLVED)),
            "share_end_starsim": float(sim.results.sis.prevalence[-1]),
            "load_average": os.getloadavg()[0]}


def main() -> None:
    """Measure every size and regime and write the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--steps", type=int, default=40)
    args = parser.parse_args()
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")
    os.environ.setdefault("STARSIM_INSTALL_FONTS", "0")
    import sys

    sys.path.insert(0, str(HERE))
    import starsim

    rows = [measure(n, regime, args.steps) for n in args.sizes for regime in ("low", "high")]
    when = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "benchmark_starsim.json").write_text(json.dumps(
        {"when": when, "starsim": starsim.__version__, "steps": args.steps, "rows": rows},
        indent=1) + "\n")
    lines = [f"# vsim contagion against Starsim {starsim.__version__} SIS ({when})", "",
             "Same graph (vsim's peer ties) and size, one process, one core; vsim: median "
             f"step of {args.steps}; Starsim: run() over {args.steps} steps / steps.", "",
             "| young people | edges | SIS β, γ | vsim step s | Starsim step s | Starsim / "
             "vsim | share infected start → end (vsim; Starsim) |", "|---:|---:|---|---:|---:|"
             "---:|---|"]
    for r in rows:
        lines.append(f"| {r['n']:,} | {r['edges']:,} | {r['beta']}, {r['gamma']:.3g} | "
                     f"{r['vsim_step_s']:.5f} | {r['starsim_step_s']:.5f} | "
                     f"{r['ratio']:.1f}× | {r['share_start']:.3f} → {r['share_end_vsim']:.3f}; "
                     f"{r['share_end_starsim']:.3f} |")
    (HERE / "results" / "benchmark_starsim.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
