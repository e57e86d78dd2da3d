"""Where a borough step goes, per process and per young person, and why rewiring costs what it does.

Measures, in one process on one core, for the default borough (≈44,000 young people):

  - each process's step on its own (the model built and burnt in, each process stepped
    ``--reps`` times, best of 5 batches): microseconds a step and nanoseconds per slot of the
    people table, at the borough and at 1,000 young people (what a step costs whatever its
    size: dispatching kernels, small numpy calls);
  - one friendship update (dissolve, then repair) split into its two kernels, with the ties
    each removes and forms;
  - what the repair attempts of one update come to: each seeker's ``tries`` attempts replayed
    from the same counter-based draws as ``vsim.networks.seek_friends`` against the state
    after dissolving, as if no tie had yet formed in the update, and classified by how they
    end (candidate full, rejected by homophily, ...). This is the ceiling of what keeping
    lists of people with free slots ("open stubs") can save: only attempts on full
    candidates;
  - how far the weekly offending hazard's largest factors are from their medians: what an
    upper bound shared by everyone (thinning) would have to cover.

Run: ``python experiments/where_a_step_goes.py [--reps 200]``.
Writes ``experiments/results/where_a_step_goes.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BOROUGH = HERE.parent / "scenarios" / "borough.toml"


def process_costs(n_young_people: int | None, reps: int) -> dict[str, dict[str, float]]:
    """Best-of-5 µs per step of each process stepped on its own, and ns per people slot."""
    from vsim import load_scenario, with_changes
    from vsim.model import ViolenceModel

    scenario = load_scenario(BOROUGH)
    if n_young_people is not None:
        scenario = with_changes(scenario, {"population.n_young_people": n_young_people})
    model = ViolenceModel(scenario, seed=1, tables=False)
    slots = model.people.capacity
    costs = {}
    for process in model.processes:
        if process.name == "rewiring":  # updates every 4th step only: measured below
            continue
        best = float("inf")
        for _ in range(5):
            started = time.perf_counter()
            for _ in range(reps):
                process.step()
            best = min(best, (time.perf_counter() - started) / reps)
        costs[process.name] = {"us_per_step": best * 1e6, "ns_per_slot": best * 1e9 / slots}
    return costs


def friendship_update(model) -> dict:
    """Time dissolve and repair of one update (restored between 20 repeats); classify attempts.

    Leaves ``model``'s ties as dissolving alone leaves them (the state the attempts are from).
    """
    import numpy as np

    from vsim.networks import dissolve_ties, repair_ties

    rewiring = next(p for p in model.processes if p.name == "rewiring")
    rates, keys, people, t = rewiring.rates, rewiring.keys, model.people, model.t
    saved = tuple(a.copy() for a in model.ties)
    dissolve_s, repair_s, removed, added = [], [], 0, 0
    for _ in range(20):
        for array, copy in zip(model.ties, saved):
            array[...] = copy
        started = time.perf_counter()
        removed = dissolve_ties(model.ties, people.alive, people.pid, rates.p_dissolve,
                                keys.rewire, t)
        middle = time.perf_counter()
        added = repair_ties(0, people, model.ties, model.pools, rates.rule, keys.form_ties, t,
                            rates.tries)
        repair_s.append(time.perf_counter() - middle)
        dissolve_s.append(middle - started)
    for array, copy in zip(model.ties, saved):
        array[...] = copy
    dissolve_ties(model.ties, people.alive, people.pid, rates.p_dissolve, keys.rewire, t)
    return {"dissolve_ms": 1e3 * float(np.median(dissolve_s)),
            "repair_ms": 1e3 * float(np.median(repair_s)), "ties_dissolved": int(removed),
            "ties_formed": int(added), "attempts": attempt_outcomes(model, rates, keys.form_ties)}


def attempt_outcomes(model, rates, key) -> dict[str, float]:
    """Shares of the repair attempts by how they end (the order of seek_friends' checks)."""
    import numpy as np

    from vsim.rng import draws
    from vsim.state import age_indices
    from vsim.vocabulary import N_AGES

    p, ties, pools, rule = model.people, model.ties, model.pools, rates.rule
    seeking = np.nonzero((p.alive == 1) & (ties.degree < p.target_degree))[0]
    pid = p.pid[seeking].astype(np.int64)
    counts = dict.fromkeys(("out of age range", "empty pool", "self", "candidate full",
                            "already friends", "rejected by homophily", "tie formed"), 0)
    for a in range(rates.tries):
        base = a * 4
        school = (p.school[seeking] >= 0) & (draws(key, model.t, pid, base) < rule.share_school)
        offset = (draws(key, model.t, pid, base + 1) * (2 * rule.window + 1)).astype(np.int64)
        age = age_indices(p.age_days[seeking]) + offset - rule.window
        in_range = (age >= 0) & (age < N_AGES)
        counts["out of age range"] += int((~in_range).sum())
        age = np.where(in_range, age, 0)
        at_school = np.maximum(p.school[seeking], 0).astype(np.int64) * N_AGES + age
        at_home = p.neighbourhood[seeking].astype(np.int64) * N_AGES + age
        lo = np.where(school, pools.school_ptr[at_school], pools.nbhd_ptr[at_home])
        hi = np.where(school, pools.school_ptr[at_school + 1], pools.nbhd_ptr[at_home + 1])
        ok = in_range & (hi > lo)
        counts["empty pool"] += int((in_range & ~ok).sum())
        pick = lo + (draws(key, model.t, pid, base + 2) * (hi - lo)).astype(np.int64)
        pick = np.where(ok, pick, 0)
        j = np.where(school, pools.school_members[np.minimum(pick, pools.school_members.size - 1)],
                     pools.nbhd_members[np.minimum(pick, pools.nbhd_members.size - 1)])
        i = seeking
        is_self = ok & (j == i)
        full = ok & ~is_self & ((p.alive[j] == 0) | (ties.degree[j] >= p.target_degree[j] + 1)
                                | (ties.degree[j] >= ties.partner.shape[1]))
        tied = ok & ~is_self & ~full & (ties.partner[i] == j[:, None]).any(axis=1)
        accept = np.exp(-rule.homophily_risk * np.abs(p.risk_score[i] - p.risk_score[j])
                        .astype(np.float64) - rule.homophily_involvement
                        * np.abs(p.level[i].astype(np.float64) - p.level[j]))
        candidate = ok & ~is_self & ~full & ~tied
        rejected = candidate & (accept < 1.0) & (draws(key, model.t, pid, base + 3) >= accept)
        counts["self"] += int(is_self.sum())
        counts["candidate full"] += int(full.sum())
        counts["already friends"] += int(tied.sum())
        counts["rejected by homophily"] += int(rejected.sum())
        counts["tie formed"] += int((candidate & ~rejected).sum())
    total = sum(counts.values())
    return {"seekers": int(seeking.size), "attempts": total,
            **{name: n / total for name, n in counts.items()}}


def hazard_spread(model) -> dict[str, float]:
    """Largest against median of the offending hazard's per-person factors."""
    import numpy as np

    p = model.people
    alive = p.alive == 1
    risk, exposure = p.risk_rr[alive].astype(np.float64), p.exposure[alive].astype(np.float64)
    coef = model.scenario.offending.coef_exposure
    return {"risk_rr_max_over_median": float(risk.max() / np.median(risk)),
            "exposure_term_max_over_median": float((1 + coef * exposure.max())
                                                   / (1 + coef * np.median(exposure)))}


def markdown(report: dict) -> str:
    """The results as a Markdown page."""
    lines = ["# Where a borough step goes", "", f"{report['when']}, one core, one process.", "",
             "## Each process stepped on its own (best of 5 batches)", "",
             "| process | µs a step, borough | ns per slot | µs a step, 1,000 young people |",
             "|---|---:|---:|---:|"]
    big, small = report["borough"], report["small"]
    for name, cost in big.items():
        lines.append(f"| {name} | {cost['us_per_step']:.0f} | {cost['ns_per_slot']:.1f} | "
                     f"{small[name]['us_per_step']:.0f} |")
    update = report["friendship_update"]
    lines += ["", "## One friendship update (every 4th week)", "",
              f"Dissolving {update['ties_dissolved']:,} ties takes {update['dissolve_ms']:.2f} ms; "
              f"repair forms {update['ties_formed']:,} in {update['repair_ms']:.2f} ms "
              f"({1e6 * update['repair_ms'] / update['ties_formed']:.0f} ns a tie formed).", "",
              f"The {update['attempts']['seekers']:,} seekers' first-pass attempts "
              f"({update['attempts']['attempts']:,}), by how they end:", "",
              "| outcome | share |", "|---|---:|"]
    for name, share in update["attempts"].items():
        if name not in ("seekers", "attempts"):
            lines.append(f"| {name} | {100 * share:.1f}% |")
    spread = report["hazard_spread"]
    lines += ["", "## The offending hazard's spread", "",
              f"Largest risk multiplier / median: {spread['risk_rr_max_over_median']:.0f}; "
              f"largest exposure term / median: {spread['exposure_term_max_over_median']:.1f}.",
              ""]
    return "\n".join(lines)


def main() -> None:
    """Measure and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=200)
    args = parser.parse_args()
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")
    from vsim.model import ViolenceModel

    burnt_in = ViolenceModel(str(BOROUGH), seed=1, tables=False)  # read first, then rewired
    spread = hazard_spread(burnt_in)
    report = {"when": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
              "borough": process_costs(None, args.reps),
              "small": process_costs(1000, args.reps),
              "friendship_update": friendship_update(burnt_in), "hazard_spread": spread}
    out = HERE / "results"
    (out / "where_a_step_goes.json").write_text(json.dumps(report, indent=2) + "\n")
    (out / "where_a_step_goes.md").write_text(markdown(report))
    print(markdown(report))


if __name__ == "__main__":
    main()
