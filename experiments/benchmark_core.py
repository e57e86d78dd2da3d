"""Benchmark of the vsim core: step speed, peer-edge throughput, memory and numba compile time.

What it measures (issue: "time a full step at 10,000, 100,000 and 1,000,000 young people"):

1. **Full model.** For each size a :class:`vsim.model.ViolenceModel` with every process on,
   mean peer degree 10 (``networks.mean_degree = 10``, 24 tie slots), is built and stepped in
   its own subprocess. After a few warm-up steps it times ``--steps`` steps and reports the
   median seconds per step (wall clock and CPU), steps per second, the time of the step in
   which September's new cohort enters (the start date is chosen so that one falls inside the
   timed window), the projected time of 520 weekly steps (510 ordinary steps + 10 cohort
   steps), peer-edge visits per second (the sum of the degrees of living people, which the
   exposure kernel visits once per step, over the median step time; also over the contagion
   process's own time from ``model.phase_seconds``), the median time of every process, and
   memory per young person of the starting population: the state arrays
   (``people.nbytes() + ties.nbytes()``) and the increase of peak resident memory
   (``ru_maxrss``) over a baseline taken after imports and a warm-up at 2,000 young people,
   so build-time temporaries are included; plus the size the incident log (kept in memory by
   the record process) would reach after 520 steps.
2. **Numba compile time**, measured separately in a fresh subprocess whose
   ``NUMBA_CACHE_DIR`` is an empty directory: the first build and first step at 2,000 young
   people minus a second build and the median later step. A second fresh subprocess then
   measures the same with the cache filled (what a later run pays to load the kernels).
3. **Plain Mesa.** The SIS contagion process written the idiomatic Mesa 3 way (one
   ``mesa.Agent`` per young person with a Python list of neighbour agents, a synchronous
   two-phase update through ``model.agents.shuffle_do``), run on exactly the graph and
   initial state of a vsim model with only contagion on and its parameters set to plain SIS
   (no background entry, no victimisation, place or home exposure, all tie weights 1), in two
   regimes: about 4% involved (as in the full model) and about half involved. It reports
   seconds per step of vsim's contagion process and of the Mesa model, their ratio, and the
   share involved after the same number of steps in both, as a check that they simulate the
   same process.

Every subprocess runs with ``NUMBA_NUM_THREADS=1`` (one core). The machine may be shared, so
figures are medians and the load average is recorded with each measurement.

Run (from the repository root)::

    python experiments/benchmark_core.py                     # 10k, 100k and 1M; ~2 minutes
    python experiments/benchmark_core.py --quick             # smoke test at 2,000 and 20,000
    python experiments/benchmark_core.py --sizes 10000 100000 --steps 30

It prints Markdown tables and writes ``experiments/results/benchmark_core.json`` and
``experiments/results/benchmark_core.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"
WARMUP_N = 2000            # size of the warm-up and compile-time models
MEAN_DEGREE = 10
MAX_DEGREE = 24
YOUTH_SHARE = 0.205        # share of residents aged 10-24, as in the default borough
SCENARIO_YEARS = 10        # the target horizon: 520 weekly steps
TARGET_STEPS = 520
TARGET_N = 1_000_000
# The speed issue's targets: 520 steps at 1,000,000 in 25 s on one core and 15 s on two threads
# (``--two-threads-sizes``; the same results bit for bit, checked), at most 300 B a young person.
TARGET_SECONDS = 25.0
TARGET_SECONDS_TWO_THREADS = 15.0
TARGET_SPEEDUP = 100.0     # the earlier target against plain Mesa, still reported
TARGET_SPEEDUP_N = 100_000
TARGET_BYTES = 300
COHORTS_PER_TARGET = 10    # one cohort of 10-year-olds enters each September
# Plain-SIS (beta, gamma) for the Mesa comparison: "low" is the full model's regime (about 4%
# involved, R0 near 1); "high" has about half involved, where vsim's exposure loop branches
# unpredictably and Mesa skips the neighbour count of every involved agent.
SIS_REGIMES = {"low": (0.002, 1 / 52), "high": (0.05, 0.2)}
MESA_TIME_BUDGET_S = 15.0  # Mesa steps are timed until this is spent (at least 3 steps)


# --------------------------------------------------------------------------- measurement helpers
def peak_rss_bytes() -> int:
    """Peak resident memory of this process so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def current_rss_bytes() -> int:
    """Resident memory of this process now, from /proc/self/statm."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def timed(fn):
    """Run ``fn()``; returns (wall seconds, CPU seconds, its result)."""
    w0, c0 = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - w0, time.process_time() - c0, result


def cohort_start(warmup_steps: int) -> str:
    """Return a Monday start date that puts 1 September 2019 in step ``warmup_steps + 2``.

    The September step, when a new cohort enters and the tie pools are rebuilt, is the
    slowest of the year; placing one inside the timed window lets the 520-step projection
    include the ten a 10-year run has.
    """
    day = dt.date(2019, 9, 1) - dt.timedelta(weeks=warmup_steps + 2)
    return (day - dt.timedelta(days=day.weekday())).isoformat()


def bench_scenario(n: int, *, start: str | None = None,
                   sis: tuple[float, float] | None = None):
    """Build the scenario at ``n`` young people; with ``sis=(beta, gamma)``, plain SIS only."""
    import vsim

    spec = {"name": "bench", "population": {"n_young_people": n},
            "networks": {"mean_degree": MEAN_DEGREE, "max_degree": MAX_DEGREE},
            "time": {"years": SCENARIO_YEARS, "burn_in_weeks": 0},
            "area": {"residents": int(n / YOUTH_SHARE)}}
    if start is not None:
        spec["time"]["start"] = start
    if sis is not None:
        spec["processes"] = {name: False for name in (
            "risk_factors", "offending", "weapon_carrying", "victimisation", "exploitation",
            "justice", "life_course", "rewiring")}
        spec["networks"]["n_gangs"] = 0  # gang members would start entrenched
        spec["contagion"] = {
            "beta": sis[0], "gamma": sis[1], "gamma_entrenched": sis[1],
            "p_entry_background": 0.0, "p_entrench": 0.0, "rho_victimisation": 0.0,
            "rho_place": 0.0, "rho_domestic": 0.0, "weight_family": 1.0, "weight_gang": 1.0}
    return vsim.scenario_from_dict(spec)


def living_degree_sum(model) -> int:
    """Peer-edge visits of one exposure sweep: the degrees of the living, summed."""
    return int(model.ties.degree[model.people.alive == 1].sum())


def warm_up(threads: int = 1) -> None:
    """Build and step a small model so every kernel is loaded before anything is measured.

    Its steps include a September (a cohort's entry) and a friendship update: with the two
    ordinary steps it had before, those kernels compiled inside the timed window, and the
    compiler's memory was ~10 B a young person of the peak at 1,000,000 (5 December).
    """
    from vsim.model import ViolenceModel

    model = ViolenceModel(bench_scenario(WARMUP_N, start=cohort_start(0)), threads=threads)
    for _ in range(5):  # step 2 is September; friendships are rewired every 4th step
        model.step()
    del model
    gc.collect()


# --------------------------------------------------------------------------- worker: compile time
def worker_compile() -> dict:
    """Import, build and step at WARMUP_N in a fresh process; split out numba's compile time."""
    wall_import, _, _ = timed(lambda: __import__("vsim.model"))
    from vsim.model import ViolenceModel

    scenario = bench_scenario(WARMUP_N)
    first_build, _, model = timed(lambda: ViolenceModel(scenario))
    second_build, _, _ = timed(lambda: ViolenceModel(scenario))
    first_step, _, _ = timed(model.step)
    later = statistics.median(timed(model.step)[0] for _ in range(9))
    build_jit = first_build - second_build
    step_jit = first_step - later
    return {"import_s": wall_import, "first_build_s": first_build, "second_build_s": second_build,
            "first_step_s": first_step, "later_step_median_s": later,
            "build_jit_s": build_jit, "step_jit_s": step_jit, "total_jit_s": build_jit + step_jit}


# --------------------------------------------------------------------------- worker: full model
def state_digest(model) -> str:
    """sha256 of every people array and the tie table: equal digests, the same run."""
    import hashlib

    import numpy as np

    digest = hashlib.sha256()
    for group in (model.people, model.ties):
        for name, array in zip(group._fields, group):
            digest.update(name.encode() + np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


def worker_full(n: int, steps: int, warmup_steps: int, threads: int = 1) -> dict:
    """Build the full model at ``n``, time ``steps`` steps; memory and per-process times."""
    from vsim.loading import estimate_memory_bytes
    from vsim.model import ViolenceModel

    warm_up(threads)
    base_peak, base_now = peak_rss_bytes(), current_rss_bytes()
    scenario = bench_scenario(n, start=cohort_start(warmup_steps))
    build_s, build_cpu_s, model = timed(lambda: ViolenceModel(scenario, threads=threads))
    for _ in range(warmup_steps):
        model.step()
    rows = []
    for _ in range(steps):
        edges = living_degree_sum(model)
        alive = int((model.people.alive == 1).sum())
        before = dict(model.phase_seconds)
        wall, cpu, _ = timed(model.step)
        rows.append({"wall_s": wall, "cpu_s": cpu, "edges": edges, "alive": alive,
                     "cohort": model.events["entered_cohort"] > 0,
                     "phases": {k: model.phase_seconds[k] - before[k] for k in before}})
    peak = peak_rss_bytes()
    # The incident log grows through a run; project the 520-step size from the steps run.
    log_bytes = sum(a.nbytes for chunk in model.recorder.incident_chunks
                    for a in chunk.values())
    log_520 = log_bytes / (warmup_steps + steps) * TARGET_STEPS

    ordinary = [r for r in rows if not r["cohort"]]
    cohort = [r["wall_s"] for r in rows if r["cohort"]]
    # Friendships are rewired every few weeks (networks.rewire_every_weeks), so step times are
    # periodic: a median would report the cheap steps only. The mean over the timed window
    # (a whole number of rewiring cycles when --steps is a multiple of 4) is what a run costs.
    median_s = statistics.mean(r["wall_s"] for r in ordinary)
    cohort_s = max(cohort) if cohort else None
    projected = ((TARGET_STEPS - COHORTS_PER_TARGET) * median_s
                 + COHORTS_PER_TARGET * (cohort_s if cohort_s is not None else median_s))
    edges = statistics.mean(r["edges"] for r in ordinary)
    phases = {k: statistics.mean(r["phases"][k] for r in ordinary) for k in rows[0]["phases"]}
    state = model.people.nbytes() + model.ties.nbytes()
    return {
        "n": n, "threads": threads, "state_digest": state_digest(model),
        "steps_timed": len(rows), "warmup_steps": warmup_steps,
        "alive": int((model.people.alive == 1).sum()), "capacity": model.people.capacity,
        "build_s": build_s, "build_cpu_s": build_cpu_s,
        "median_step_s": median_s,
        "median_step_cpu_s": statistics.mean(r["cpu_s"] for r in ordinary),
        "mean_step_s": statistics.mean(r["wall_s"] for r in rows),
        "steps_per_s": 1.0 / median_s, "cohort_step_s": cohort_s,
        "projected_520_s": projected, "projected_520_plain_s": TARGET_STEPS * median_s,
        "edges_per_step": edges,
        "mean_degree": statistics.mean(r["edges"] / r["alive"] for r in ordinary),
        "edges_per_s_step": edges / median_s,
        "edges_per_s_contagion": edges / (phases["contagion"] + phases["involvement"]),
        "phase_median_s": phases,
        "state_bytes_per_person": state / n,
        "peak_rss_increase_bytes_per_person": (peak - base_peak) / n,
        "rss_after_steps_increase_bytes_per_person": (current_rss_bytes() - base_now) / n,
        "incident_log_520_bytes_per_person": log_520 / n,
        "plan_estimate_bytes_per_person": estimate_memory_bytes(scenario) / n,
        "step_wall_s": [r["wall_s"] for r in rows],
    }


# --------------------------------------------------------------------------- plain Mesa SIS
def mesa_sis_model(partner_lists: list[list[int]], infected: list[bool], beta: float,
                   gamma: float, seed: int):
    """Build the plain-Mesa SIS model on the given graph: one agent per young person.

    ``partner_lists[i]`` holds the indices of i's neighbours. Written as a Mesa user would:
    agents hold their state and a list of neighbour agents, and the model's step is a
    synchronous two-phase update (everyone decides from the current states, then everyone
    changes), like vsim's exposure-then-involvement update.
    """
    import mesa

    class YoungPersonSIS(mesa.Agent):
        """A young person who is involved (infected) or not, with neighbour agents."""

        def __init__(self, model, is_infected: bool):
            super().__init__(model)
            self.infected = is_infected
            self.next_infected = is_infected
            self.neighbours: list[YoungPersonSIS] = []

        def decide(self) -> None:
            """Phase 1: next state from k involved neighbours, P(entry) = 1 − (1 − β)^k."""
            if self.infected:
                self.next_infected = self.random.random() >= self.model.gamma
            else:
                k = sum(1 for other in self.neighbours if other.infected)
                self.next_infected = (k > 0 and self.random.random()
                                      < 1.0 - (1.0 - self.model.beta) ** k)

        def advance(self) -> None:
            """Phase 2: take the decided state."""
            self.infected = self.next_infected

    class SISModel(mesa.Model):
        """Discrete-time SIS contagion on a fixed peer network."""

        def __init__(self):
            super().__init__(rng=seed)
            self.beta, self.gamma = beta, gamma
            people = [YoungPersonSIS(self, flag) for flag in infected]
            for person, partners in zip(people, partner_lists, strict=True):
                person.neighbours = [people[j] for j in partners]

        def step(self) -> None:
            self.agents.shuffle_do("decide")
            self.agents.do("advance")

        def share_infected(self) -> float:
            return sum(1 for a in self.agents if a.infected) / len(self.agents)

    return SISModel()


def worker_mesa(n: int, steps: int, regime: str) -> dict:
    """Time vsim's contagion process and plain Mesa on the same graph and initial state."""
    import numpy as np

    from vsim.model import ViolenceModel
    from vsim.vocabulary import INVOLVED

    beta, gamma = SIS_REGIMES[regime]
    warm_up()
    model = ViolenceModel(bench_scenario(n, sis=(beta, gamma)))
    # The SIS step: exposure (contagion), then involvement's entry and desistance from it.
    sis_processes = [p for p in model.processes if p.name in ("contagion", "involvement")]

    def vsim_sis_step() -> None:
        for process in sis_processes:
            process.step()

    people, ties = model.people, model.ties
    slots = np.nonzero(people.alive == 1)[0]
    index = np.full(people.capacity, -1, np.int64)
    index[slots] = np.arange(slots.size)
    partner_lists = [index[ties.partner[s, : ties.degree[s]]].tolist() for s in slots]
    infected = (people.level[slots] >= INVOLVED).tolist()
    edges = living_degree_sum(model)

    def vsim_share() -> float:
        return float(np.mean(people.level[slots] >= INVOLVED))

    rss_before = current_rss_bytes()
    mesa_build_s, _, sis = timed(lambda: mesa_sis_model(partner_lists, infected, beta, gamma,
                                                        model.seed))
    mesa_bytes = (current_rss_bytes() - rss_before) / n

    # One untimed warm-up step each, then timed steps; both start from the same state.
    vsim_sis_step()
    model.t += 1
    vsim_times, vsim_cpu, vsim_shares = [], [], []
    for _ in range(steps):
        wall, cpu, _ = timed(vsim_sis_step)
        vsim_times.append(wall)
        vsim_cpu.append(cpu)
        model.t += 1  # fresh counter-based draws each step, as ViolenceModel.step does
        vsim_shares.append(vsim_share())
    sis.step()
    mesa_times, mesa_cpu, mesa_shares = [], [], []
    while len(mesa_times) < steps and (len(mesa_times) < 3
                                       or sum(mesa_times) < MESA_TIME_BUDGET_S):
        wall, cpu, _ = timed(sis.step)
        mesa_times.append(wall)
        mesa_cpu.append(cpu)
        mesa_shares.append(sis.share_infected())
    k = len(mesa_times)
    vsim_s, mesa_s = statistics.median(vsim_times), statistics.median(mesa_times)
    return {
        "n": n, "regime": regime, "beta": beta, "gamma": gamma,
        "edges_per_step": edges, "mean_degree": edges / n,
        "initial_share_involved": float(np.mean(infected)),
        "vsim_steps_timed": len(vsim_times), "mesa_steps_timed": k,
        "vsim_contagion_step_s": vsim_s, "mesa_step_s": mesa_s, "speedup": mesa_s / vsim_s,
        "vsim_contagion_step_cpu_s": statistics.median(vsim_cpu),
        "mesa_step_cpu_s": statistics.median(mesa_cpu),
        "vsim_edges_per_s": edges / vsim_s,
        "mesa_build_s": mesa_build_s, "mesa_rss_bytes_per_person": mesa_bytes,
        "vsim_state_bytes_per_person": (people.nbytes() + ties.nbytes()) / n,
        "share_involved_after_k": {"k": k + 1, "vsim": vsim_shares[k - 1],
                                   "mesa": mesa_shares[-1]},
    }


# --------------------------------------------------------------------------- orchestration
def run_worker(kind: str, env: dict, **options) -> dict:
    """Run one measurement in a fresh subprocess; returns its JSON result plus the load."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind]
    for name, value in options.items():
        cmd += [f"--{name.replace('_', '-')}", str(value)]
    load_before = os.getloadavg()[0]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"worker {kind} {options} failed with code {proc.returncode}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["load_average_1min"] = [load_before, os.getloadavg()[0]]
    return result


def worker_env(cache_dir: str, threads: int = 1) -> dict:
    """Environment of the workers: ``threads`` numba threads, one for the rest, its own cache."""
    env = dict(os.environ)
    env.update(NUMBA_NUM_THREADS=str(threads), OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               MKL_NUM_THREADS="1", NUMBA_CACHE_DIR=cache_dir)
    return env


def machine_info() -> dict:
    """CPU, memory, versions and the vsim commit ('-dirty': uncommitted changes measured)."""
    import mesa
    import numba
    import numpy

    import vsim

    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    commit = subprocess.run(["git", "describe", "--always", "--dirty"], capture_output=True,
                            text=True, cwd=Path(__file__).resolve().parent).stdout.strip()
    return {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "cpu": cpu, "logical_cpus": os.cpu_count(),
            "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
                                / 2**30, 1),
            "python": platform.python_version(), "numpy": numpy.__version__,
            "numba": numba.__version__, "mesa": mesa.__version__, "vsim": vsim.__version__,
            "vsim_commit": commit}


def targets(full: list[dict], mesa: list[dict], two_threads: list[dict]) -> list[dict]:
    """Check the targets against the measurements (None: size not measured)."""
    at_n = next((r for r in full if r["n"] == TARGET_N), None)
    at_speed = [r for r in mesa if r["n"] == TARGET_SPEEDUP_N]
    largest = max(full, key=lambda r: r["n"]) if full else None
    rows = [{"target": f"{TARGET_N:,} young people, {TARGET_STEPS} steps in <= "
                       f"{TARGET_SECONDS:.0f} s (one core, after compilation)",
             "measured": None if at_n is None else f"{at_n['projected_520_s']:.0f} s projected",
             "met": None if at_n is None else at_n["projected_520_s"] <= TARGET_SECONDS},
            {"target": f">= {TARGET_SPEEDUP:.0f}x faster than plain Mesa at "
                       f"{TARGET_SPEEDUP_N:,}",
             "measured": ", ".join(f"{r['speedup']:.0f}x ({r['regime']} prevalence, "
                                   f"{r['share_involved_after_k']['vsim']:.0%} involved)"
                                   for r in at_speed) or None,
             "met": (all(r["speedup"] >= TARGET_SPEEDUP for r in at_speed)
                     if at_speed else None)}]
    two = next((r for r in two_threads if r["n"] == TARGET_N), None)
    one = at_n
    rows.append({"target": f"{TARGET_N:,} young people, {TARGET_STEPS} steps in <= "
                           f"{TARGET_SECONDS_TWO_THREADS:.0f} s on two threads, the same results "
                           "as on one",
                 "measured": None if two is None else (
                     f"{two['projected_520_s']:.0f} s projected"
                     + ("" if one is None else
                        f"; {one['projected_520_s'] / two['projected_520_s']:.2f}x one thread; "
                        + ("same final state" if one["state_digest"] == two["state_digest"]
                           else "**final state differs**"))),
                 "met": None if two is None else (
                     two["projected_520_s"] <= TARGET_SECONDS_TWO_THREADS
                     and (one is None or one["state_digest"] == two["state_digest"]))})
    if largest is not None:
        peak = largest["peak_rss_increase_bytes_per_person"]
        log = largest["incident_log_520_bytes_per_person"]
        rows.append({"target": f"<= {TARGET_BYTES} B peak per young person, networks and the "
                               "incident log included",
                     "measured": f"{peak:.0f} B peak-RSS increase + {log:.0f} B incident log "
                                 f"after 520 steps ({largest['state_bytes_per_person']:.0f} B "
                                 f"state arrays) at {largest['n']:,}",
                     "met": peak + log <= TARGET_BYTES})
    return rows


def markdown(report: dict) -> str:
    """All results as Markdown tables."""
    m, c, cw = report["machine"], report["compile_cold"], report["compile_warm"]
    out = [f"# vsim core benchmark ({m['date']})", "",
           f"{m['cpu']}, {m['logical_cpus']} logical CPUs, {m['memory_gib']} GiB; Python "
           f"{m['python']}, numpy {m['numpy']}, numba {m['numba']}, Mesa {m['mesa']}, vsim "
           f"{m['vsim']} ({m['vsim_commit']}). One numba thread unless a row says two. Means of "
           f"the timed steps "
           f"(rewiring runs every 4th step) "
           f"(the cohort step excluded and shown apart).", "",
           "## Full step (every process on, mean peer degree about 10)", "",
           "| young people | threads | build s | step s (mean) | step CPU s | steps/s "
           "| cohort step s "
           "| 520 steps s (projected) | edge visits/step | edge visits/s (step) "
           "| edge visits/s (contagion) | state B/person | peak RSS increase B/person "
           "| incident log B/person after 520 steps |",
           "|" + "---:|" * 14]
    for r in report["full"] + report["two_threads"]:
        cohort = "n/a" if r["cohort_step_s"] is None else f"{r['cohort_step_s']:.4f}"
        out.append(
            f"| {r['n']:,} | {r.get('threads', 1)} | {r['build_s']:.2f} "
            f"| {r['median_step_s']:.4f} "
            f"| {r['median_step_cpu_s']:.4f} | {r['steps_per_s']:.1f} | {cohort} "
            f"| {r['projected_520_s']:.1f} | {r['edges_per_step']:,.0f} "
            f"| {r['edges_per_s_step'] / 1e6:.0f} M | {r['edges_per_s_contagion'] / 1e6:.0f} M "
            f"| {r['state_bytes_per_person']:.0f} "
            f"| {r['peak_rss_increase_bytes_per_person']:.0f} "
            f"| {r['incident_log_520_bytes_per_person']:.0f} |")
    for two in report["two_threads"]:
        one = next((r for r in report["full"] if r["n"] == two["n"]), None)
        if one is not None:
            same = "the same" if one["state_digest"] == two["state_digest"] else "**different**"
            ratio = one["median_step_s"] / two["median_step_s"]
            out += ["", f"Two threads at {two['n']:,}: {ratio:.2f}x one thread's step; final "
                    f"state (people and ties) {same}."]
    names = list(report["full"][0]["phase_median_s"]) if report["full"] else []
    out += ["", "## Where a step goes (mean ms per process)", "",
            "| young people | threads | " + " | ".join(names) + " | sum |",
            "|" + "---:|" * (len(names) + 3)]
    for r in report["full"] + report["two_threads"]:
        ph = r["phase_median_s"]
        out.append(f"| {r['n']:,} | {r.get('threads', 1)} | "
                   + " | ".join(f"{1e3 * ph[k]:.2f}" for k in names)
                   + f" | {1e3 * sum(ph.values()):.2f} |")
    out += ["", "## Numba compile time (2,000 young people, fresh process)", "",
            "| numba cache | import s | build: compile s | first step: compile s | total s |",
            "|---|---:|---:|---:|---:|",
            f"| empty (cold) | {c['import_s']:.2f} | {c['build_jit_s']:.2f} "
            f"| {c['step_jit_s']:.2f} | {c['total_jit_s']:.2f} |",
            f"| filled (load) | {cw['import_s']:.2f} | {cw['build_jit_s']:.2f} "
            f"| {cw['step_jit_s']:.2f} | {cw['total_jit_s']:.2f} |",
            "", "## Contagion alone: vsim kernels against plain Mesa (same graph, same start)",
            "", "| young people | SIS beta, gamma | edge visits/step | vsim contagion step s "
            "| Mesa step s "
            "| speed ratio | vsim edge visits/s | Mesa steps timed | Mesa build s "
            "| Mesa RSS B/person | share involved: start; after k steps (vsim / Mesa) |",
            "|" + "---:|" * 11]
    for r in report["mesa"]:
        s = r["share_involved_after_k"]
        out.append(
            f"| {r['n']:,} | {r['beta']:.3g}, {r['gamma']:.3g} | {r['edges_per_step']:,} "
            f"| {r['vsim_contagion_step_s']:.5f} "
            f"| {r['mesa_step_s']:.3f} | {r['speedup']:.0f}x | {r['vsim_edges_per_s'] / 1e6:.0f} M "
            f"| {r['mesa_steps_timed']} | {r['mesa_build_s']:.1f} "
            f"| {r['mesa_rss_bytes_per_person']:.0f} "
            f"| {r['initial_share_involved']:.3f}; k={s['k']}: {s['vsim']:.3f} / "
            f"{s['mesa']:.3f} |")
    out += ["", "## Targets", "", "| target | measured | met |", "|---|---|---|"]
    for t in report["targets"]:
        met = "not measured" if t["met"] is None else ("yes" if t["met"] else "**no**")
        out.append(f"| {t['target']} | {t['measured'] or '-'} | {met} |")
    return "\n".join(out) + "\n"


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line options (``--worker``, ``--n``, ``--regime``: internal, one measurement)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000],
                    help="young people for the full-model timing")
    ap.add_argument("--mesa-sizes", type=int, nargs="+", default=[10_000, 100_000],
                    help="young people for the plain-Mesa comparison")
    ap.add_argument("--two-threads-sizes", type=int, nargs="*", default=[1_000_000],
                    help="sizes also timed on two numba threads (the same results checked)")
    ap.add_argument("--steps", type=int, default=40, help="timed steps per size")
    ap.add_argument("--warmup-steps", type=int, default=3,
                    help="untimed steps after the build (new ties settle)")
    ap.add_argument("--quick", action="store_true",
                    help="smoke test: sizes 2,000 and 20,000, 10 steps")
    ap.add_argument("--worker", choices=["compile", "full", "mesa"], help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    ap.add_argument("--regime", choices=list(SIS_REGIMES), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.quick:
        args.sizes = args.mesa_sizes = [2_000, 20_000]
        args.two_threads_sizes = [20_000]
        args.steps = min(args.steps, 10)
    return args


def main(argv=None) -> None:
    """Run every measurement in its own subprocess, then print and write the report."""
    args = parse_args(argv)
    if args.worker is not None:
        result = {"compile": worker_compile,
                  "full": lambda: worker_full(args.n, args.steps, args.warmup_steps,
                                              args.threads),
                  "mesa": lambda: worker_mesa(args.n, args.steps, args.regime)}[args.worker]()
        print(json.dumps(result))
        return

    with tempfile.TemporaryDirectory(prefix="vsim-bench-numba-") as cache_dir:
        env = worker_env(cache_dir)
        print("numba compile time (empty cache) ...", flush=True)
        compile_cold = run_worker("compile", env)
        compile_warm = run_worker("compile", env)
        full = []
        for n in args.sizes:
            print(f"full model at {n:,} ...", flush=True)
            full.append(run_worker("full", env, n=n, steps=args.steps,
                                   warmup_steps=args.warmup_steps))
        two_threads = []
        for n in args.two_threads_sizes:
            print(f"full model at {n:,} on two threads ...", flush=True)
            two_threads.append(run_worker("full", worker_env(cache_dir, threads=2), n=n,
                                          steps=args.steps, warmup_steps=args.warmup_steps,
                                          threads=2))
        mesa = []
        for n in args.mesa_sizes:
            for regime in SIS_REGIMES:
                print(f"contagion against plain Mesa at {n:,} ({regime} prevalence) ...",
                      flush=True)
                mesa.append(run_worker("mesa", env, n=n, steps=args.steps, regime=regime))

    report = {"machine": machine_info(),
              "settings": {"sizes": args.sizes, "mesa_sizes": args.mesa_sizes,
                           "steps": args.steps, "warmup_steps": args.warmup_steps,
                           "two_threads_sizes": args.two_threads_sizes,
                           "mean_degree": MEAN_DEGREE, "max_degree": MAX_DEGREE,
                           "sis_regimes": SIS_REGIMES},
              "compile_cold": compile_cold, "compile_warm": compile_warm,
              "full": full, "two_threads": two_threads, "mesa": mesa,
              "targets": targets(full, mesa, two_threads)}
    text = markdown(report)
    print(text)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "benchmark_core.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS_DIR / "benchmark_core.md").write_text(text)


if __name__ == "__main__":
    main()
