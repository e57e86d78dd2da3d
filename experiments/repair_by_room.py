"""Friendship repair by candidates with room and bands of risk: an exact sampler, measured.

The model's repair (ODD: rewiring; ``vsim.networks.repair_ties``) has everyone below their
target make ``tries`` attempts, each a uniform member of one of their pools (school or
neighbourhood, and an age) who becomes a friend if they have room, are not already one, and
accept with probability exp(−h_r·|Δrisk| − h_i·|Δlevel|). At 1,000,000 young people 86% of
attempts fail (30% on a full candidate, 43% on homophily; 5 December). The issue on speed
proposes keeping the people with free slots ("open stubs") so the cost follows the ties
formed. This script holds such a sampler, exact in law, and measures it beside the model's.

At the update's start the members with room of every pool are listed by band of risk score
(``N_BANDS`` equal bands over the living's range), so a member of band b accepts a seeker of
band b_i with probability at most reach[|b_i − b|] = exp(−h_r·max(0, |b_i − b| − 1)·width).
An attempt (1) goes on with probability q = Σ_k P(k)·W_k/N_k over the seeker's pools k (P(k)
as in the direct method, N_k the pool's size with the dead and the full, W_k = Σ_b
n_k,b·reach), (2) chooses pool k with probability P(k)·W_k/N_k/q, band b with probability
n_k,b·reach/W_k and a member of the band uniformly, (3) befriends them if they still have
room and are not the seeker or a friend, with probability exp(−h_r·|Δrisk| −
h_i·|Δlevel|)/reach. Each member j of pool k is then befriended in an attempt with probability
P(k)·accept_ij/N_k, as in the direct method: the same law, drawn differently.

What it measures, from one state (the model built, stepped to a friendship update, its ties
dissolved): over ``--seeds`` keys, the ties each method forms (mean, sd, and the z of the
difference: the law check) and its time (median); for the sampler, what listing the rooms
and seeking cost apart. At the default borough and at 1,000,000 young people.

Run: ``python experiments/repair_by_room.py [--seeds 20]``.
Writes ``experiments/results/repair_by_room.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from collections import namedtuple
from pathlib import Path

import numpy as np
from numba import njit

from vsim.networks import add_tie, has_tie, repair_ties, seekers
from vsim.rng import draw, stream_key
from vsim.state import age_index
from vsim.vocabulary import N_AGES, TIE_NEIGHBOURHOOD, TIE_SCHOOL

HERE = Path(__file__).resolve().parent
BOROUGH = HERE.parent / "scenarios" / "borough.toml"

# Bands of risk score. More bands bound the homophily of a pick more tightly (fewer rejections)
# but give each pool more weights to sum; 32 bands over the living's range (about 8.7 risk
# units at 1,000,000, so 0.27 wide) left 32% of the picks refused by homophily (5 December).
N_BANDS = 32

# A pool's members with room, by band: CSR over (pool key·N_BANDS + band), and the weight
# W[key, seeker's band] of each pool, for schools and for neighbourhoods.
Rooms = namedtuple("Rooms", ["school_ptr", "school_members", "school_weight",
                             "nbhd_ptr", "nbhd_members", "nbhd_weight"])
# The banding: lowest risk score, band width, number of bands, and reach by band distance.
Bands = namedtuple("Bands", ["lo", "width", "n", "reach"])


@njit
def risk_range(alive, risk_score):
    """(lowest, highest) risk score among the living, as float64; (0, 0) if nobody lives."""
    lo, hi, seen = 0.0, 0.0, False
    for i in range(alive.shape[0]):
        if alive[i] == 1:
            r = np.float64(risk_score[i])
            if not seen or r < lo:
                lo = r
            if not seen or r > hi:
                hi = r
            seen = True
    return lo, hi


def bands_for(alive: np.ndarray, risk_score: np.ndarray, homophily_risk: float) -> Bands:
    """Bands over the living's risk scores; one band when risk plays no part in selection."""
    lo, hi = risk_range(alive, risk_score)
    if homophily_risk <= 0.0 or hi <= lo:
        return Bands(lo, 1.0, 1, np.ones(1))
    width = (hi - lo) / N_BANDS
    gaps = np.maximum(np.arange(N_BANDS) - 1, 0) * width
    return Bands(lo, width, N_BANDS, np.exp(-homophily_risk * gaps))


@njit(inline="always")
def band_of(r, lo, width, n_bands):
    """The band of risk score ``r`` (the highest score falls in the last band)."""
    return min(max(int((np.float64(r) - lo) / width), 0), n_bands - 1)


@njit
def room_bands(people, degree, cap, slack, lo, width, n_bands):
    """Each slot's band if alive with room for a friend (below target + slack), else −1."""
    alive, target, risk_score = people.alive, people.target_degree, people.risk_score
    band = np.full(alive.shape[0], -1, np.int8)
    for i in range(alive.shape[0]):
        if alive[i] == 1 and degree[i] < target[i] + slack and degree[i] < cap:
            band[i] = band_of(risk_score[i], lo, width, n_bands)
    return band


@njit
def rooms_by_band(ptr, members, band, n_bands, reach):
    """The members with room of each pool by band (CSR), and each pool's weight by seeker band.

    Pool members keep their order within a band. ``weight[g, b_i]`` sums n_g,b·reach over the
    bands in order, as the pick does (the same partial sums, so a pick always lands in a band).
    """
    n_keys = ptr.shape[0] - 1
    room_ptr = np.zeros(n_keys * n_bands + 1, np.int64)
    for g in range(n_keys):
        for m in range(ptr[g], ptr[g + 1]):
            b = band[members[m]]
            if b >= 0:
                room_ptr[g * n_bands + b + 1] += 1
    for k in range(n_keys * n_bands):
        room_ptr[k + 1] += room_ptr[k]
    room = np.empty(room_ptr[n_keys * n_bands], np.int32)
    fill = room_ptr[:n_keys * n_bands].copy()
    for g in range(n_keys):
        for m in range(ptr[g], ptr[g + 1]):
            b = band[members[m]]
            if b >= 0:
                room[fill[g * n_bands + b]] = members[m]
                fill[g * n_bands + b] += 1
    weight = np.zeros((n_keys, n_bands))
    for g in range(n_keys):
        base = g * n_bands
        if room_ptr[base + n_bands] == room_ptr[base]:
            continue
        for own in range(n_bands):
            s = 0.0
            for b in range(n_bands):
                s += (room_ptr[base + b + 1] - room_ptr[base + b]) * reach[abs(own - b)]
            weight[g, own] = s
    return room_ptr, room, weight


@njit
def seek_by_room(start, tries, slack, people, ties, pools, rooms, rule, bands, key, step):
    """Everyone below target, from ``start`` round the table, makes ``tries`` attempts.

    Attempt a uses draws 3a (whether it goes on, and the pool), 3a + 1 (band and member) and
    3a + 2 (acceptance) of the person's stream. Returns ties added.

    Why one function: as in vsim.networks.seek_friends, the attempt is written out rather than
    in a helper taking the arrays, whose per-call reference counting costs more than an attempt.
    """
    alive, target, pid = people.alive, people.target_degree, people.pid
    age_days, school, home = people.age_days, people.school, people.neighbourhood
    level, risk_score = people.level, people.risk_score
    partner, kind, degree = ties
    share_school, window = rule.share_school, rule.window
    homophily_risk, homophily_involvement = rule.homophily_risk, rule.homophily_involvement
    lo, width, n_bands, reach = bands
    n = alive.shape[0]
    cap = partner.shape[1]
    side = 2 * window + 1
    chance = np.zeros(2 * side)  # P(k)·W_k/N_k: school offsets first, then neighbourhood
    added = 0
    for v in range(n):
        i = start + v
        if i >= n:
            i -= n
        if alive[i] == 0 or degree[i] >= target[i]:
            continue
        own = band_of(risk_score[i], lo, width, n_bands)
        yi = age_index(age_days[i])
        p_school = share_school if school[i] >= 0 else 0.0
        q = 0.0
        for k in range(2 * side):
            chance[k] = 0.0
            y = yi + (k % side) - window
            at_school = k < side
            if y < 0 or y >= N_AGES or (at_school and p_school <= 0.0):
                continue
            if at_school:
                g = school[i] * N_AGES + y
                size = pools.school_ptr[g + 1] - pools.school_ptr[g]
                room_weight = rooms.school_weight[g, own]
                p = p_school
            else:
                g = home[i] * N_AGES + y
                size = pools.nbhd_ptr[g + 1] - pools.nbhd_ptr[g]
                room_weight = rooms.nbhd_weight[g, own]
                p = 1.0 - p_school
            if size > 0 and room_weight > 0.0:
                chance[k] = (p / side) * (room_weight / size)
                q += chance[k]
        if q <= 0.0:
            continue
        for a in range(tries):
            if degree[i] >= target[i] or degree[i] >= cap:
                break
            base = np.uint64(3 * a)
            u = draw(key, step, pid[i], base)
            if u >= q:
                continue
            k = 0
            below = chance[0]
            while u >= below and k < 2 * side - 1:
                k += 1
                below += chance[k]
            at_school = k < side
            y = yi + (k % side) - window
            if at_school:
                g = school[i] * N_AGES + y
                room_ptr, room, weights = (rooms.school_ptr, rooms.school_members,
                                            rooms.school_weight)
            else:
                g = home[i] * N_AGES + y
                room_ptr, room, weights = rooms.nbhd_ptr, rooms.nbhd_members, rooms.nbhd_weight
            x = draw(key, step, pid[i], base + np.uint64(1)) * weights[g, own]
            first = g * n_bands
            passed = 0.0
            b = -1
            for c in range(n_bands):
                count = room_ptr[first + c + 1] - room_ptr[first + c]
                if count == 0:
                    continue
                b = c
                mass = count * reach[abs(own - c)]
                if x < passed + mass:
                    break
                passed += mass
            count = room_ptr[first + b + 1] - room_ptr[first + b]
            m = min(int((x - passed) / reach[abs(own - b)]), count - 1)
            j = room[room_ptr[first + b] + max(m, 0)]
            if j == i or degree[j] >= target[j] + slack or degree[j] >= cap:
                continue
            if has_tie(partner, degree, i, j):
                continue
            gap = max(abs(own - b) - 1, 0) * width
            d_level = abs(np.float64(level[i]) - np.float64(level[j]))
            d_risk = abs(np.float64(risk_score[i]) - np.float64(risk_score[j]))
            exponent = -homophily_risk * (d_risk - gap) - homophily_involvement * d_level
            if exponent < 0.0 and draw(key, step, pid[i], base + np.uint64(2)) >= np.exp(exponent):
                continue
            if add_tie(partner, kind, degree, i, j,
                       TIE_SCHOOL if at_school else TIE_NEIGHBOURHOOD):
                added += 1
    return added


def rooms_for(people, ties, pools, bands: Bands, slack: int) -> Rooms:
    """List every pool's members with room, by band, at the start of a repair."""
    band = room_bands(seekers(people), ties.degree, ties.partner.shape[1], slack, bands.lo,
                      bands.width, bands.n)
    school = rooms_by_band(pools.school_ptr, pools.school_members, band, bands.n, bands.reach)
    nbhd = rooms_by_band(pools.nbhd_ptr, pools.nbhd_members, band, bands.n, bands.reach)
    return Rooms(*school, *nbhd)


def repair_by_room(start: int, people, ties, pools, rule, key, step: int, tries: int,
                   slack: int = 1) -> int:
    """Repair with the sampler: everyone below target makes ``tries`` attempts."""
    bands = bands_for(people.alive, people.risk_score, rule.homophily_risk)
    rooms = rooms_for(people, ties, pools, bands, slack)
    return seek_by_room(start, tries, slack, seekers(people), ties, pools, rooms, rule, bands,
                        key, step)


def state_at_update(n_young_people: int | None):
    """A model stepped to a friendship update, its ties dissolved: (model, rates, step)."""
    from vsim import load_scenario
    from vsim.model import ViolenceModel
    from vsim.networks import dissolve_ties

    if n_young_people is None:
        model = ViolenceModel(load_scenario(BOROUGH), seed=1, tables=False)
    else:
        sys.path.insert(0, str(HERE))
        from benchmark_core import bench_scenario, cohort_start

        model = ViolenceModel(bench_scenario(n_young_people, start=cohort_start(30)), seed=1,
                              tables=False)
    rewiring = next(p for p in model.processes if p.name == "rewiring")
    while True:
        model.step()
        if (model.t + 1) % rewiring.rates.every == 0 and model.t > 20:
            break
    step = model.t + 1
    people, rates = model.people, rewiring.rates
    dissolve_ties(model.ties, people.alive, people.pid, rates.p_dissolve, rewiring.keys.rewire,
                  step)
    return model, rates, step


def copied(ties):
    """A copy of the tie table, for one repair from the same state."""
    return type(ties)(*(a.copy() for a in ties))


def compare(n_young_people: int | None, seeds: int) -> dict:
    """Ties formed and time of both methods over ``seeds`` keys, from one state."""
    model, rates, step = state_at_update(n_young_people)
    people, pools, rule = model.people, model.pools, rates.rule
    out = {"young_people": int((people.alive == 1).sum()), "tries": rates.tries}
    for name, method in (("direct", repair_ties), ("by_room", repair_by_room)):
        method(0, people, copied(model.ties), pools, rule, stream_key(-1, "form_ties"), step,
               rates.tries)  # compile, and touch the arrays once
        formed, seconds = [], []
        for seed in range(seeds):
            ties = copied(model.ties)
            started = time.perf_counter()
            formed.append(method(0, people, ties, pools, rule, stream_key(seed, "form_ties"),
                                 step, rates.tries))
            seconds.append(time.perf_counter() - started)
        out[name] = {"ties_formed_mean": statistics.mean(formed),
                     "ties_formed_sd": statistics.stdev(formed),
                     "median_ms": 1000 * statistics.median(seconds)}
    d, b = out["direct"], out["by_room"]
    se = ((d["ties_formed_sd"] ** 2 + b["ties_formed_sd"] ** 2) / seeds) ** 0.5
    out["z_ties_formed"] = (b["ties_formed_mean"] - d["ties_formed_mean"]) / se
    out["ratio_by_room_to_direct"] = b["median_ms"] / d["median_ms"]
    out["by_room_parts_ms"] = parts(model, rates, step)
    return out


def parts(model, rates, step) -> dict:
    """Median ms of the sampler's parts: banding, listing the rooms, seeking."""
    people, rule, times = model.people, rates.rule, {"bands": [], "rooms": [], "seek": []}
    for seed in range(5):
        ties = copied(model.ties)
        t0 = time.perf_counter()
        bands = bands_for(people.alive, people.risk_score, rule.homophily_risk)
        t1 = time.perf_counter()
        rooms = rooms_for(people, ties, model.pools, bands, 1)
        t2 = time.perf_counter()
        seek_by_room(0, rates.tries, 1, seekers(people), ties, model.pools, rooms, rule, bands,
                     stream_key(seed, "form_ties"), step)
        t3 = time.perf_counter()
        for part, s in (("bands", t1 - t0), ("rooms", t2 - t1), ("seek", t3 - t2)):
            times[part].append(1000 * s)
    return {part: statistics.median(v) for part, v in times.items()}


def markdown(report: dict) -> str:
    """The report as a Markdown table."""
    lines = [f"# Friendship repair by room against the direct method ({report['when']})", "",
             f"{report['machine']}; one thread; {report['seeds']} keys from one state per "
             "size; medians of the times.", "",
             "| young people | tries | ties formed: direct | by room | z | direct ms | "
             "by room ms | ratio | by room: bands / rooms / seek ms |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in report["rows"]:
        d, b, p = r["direct"], r["by_room"], r["by_room_parts_ms"]
        lines.append(
            f"| {r['young_people']:,} | {r['tries']} | {d['ties_formed_mean']:,.1f} "
            f"(sd {d['ties_formed_sd']:.1f}) | {b['ties_formed_mean']:,.1f} "
            f"(sd {b['ties_formed_sd']:.1f}) | {r['z_ties_formed']:+.2f} | "
            f"{d['median_ms']:.1f} | {b['median_ms']:.1f} | {r['ratio_by_room_to_direct']:.2f} "
            f"| {p['bands']:.1f} / {p['rooms']:.1f} / {p['seek']:.1f} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    """Measure at the borough and at 1,000,000; print and write the report."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=20, help="keys per method and size")
    ap.add_argument("--sizes", type=int, nargs="*", default=[1_000_000],
                    help="sizes besides the default borough")
    args = ap.parse_args(argv)
    rows = [compare(None, args.seeds)] + [compare(n, args.seeds) for n in args.sizes]
    report = {"when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
              "machine": f"{platform.processor() or platform.machine()}, "
                         f"{os.cpu_count()} logical CPUs",
              "seeds": args.seeds, "rows": rows}
    text = markdown(report)
    print(text)
    results = HERE / "results"
    for suffix, content in ((".json", json.dumps(report, indent=2)), (".md", text)):
        path = results / f"repair_by_room{suffix}"
        tmp = path.with_suffix(suffix + ".tmp")
        tmp.write_text(content)
        tmp.replace(path)


if __name__ == "__main__":
    main()
