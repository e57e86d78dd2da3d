"""Peer networks: tie formation with homophily, weekly rewiring and repair, all in numba.

Ties live in a padded CSR table (:class:`vsim.state.Ties`). Candidates for a new tie are drawn
from *pools*: the members of one school (or neighbourhood) born in one year, so that ties form
between young people of similar age in the same school or neighbourhood (EVIDENCE §6: school
year groups are highly cohesive), with selection on risk and on involvement.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from vsim.rng import draw
from vsim.state import AGE_MIN, DAYS_PER_YEAR, TIE_NEIGHBOURHOOD, TIE_SCHOOL

N_AGE_YEARS = 16  # pool ages 10..25 (the exit age is included so a pool index never overflows)


def age_year(age_days: np.ndarray) -> np.ndarray:
    """Completed years of age minus 10, clipped to the pool range."""
    return np.clip((age_days / DAYS_PER_YEAR).astype(np.int64) - AGE_MIN, 0, N_AGE_YEARS - 1)


def build_pool(group: np.ndarray, age_days: np.ndarray, alive: np.ndarray, n_groups: int):
    """CSR of living members keyed by (group, age year): returns (ptr, members)."""
    ok = (alive == 1) & (group >= 0)
    slots = np.nonzero(ok)[0].astype(np.int32)
    keys = group[slots].astype(np.int64) * N_AGE_YEARS + age_year(age_days[slots])
    order = np.argsort(keys, kind="stable")
    members = slots[order]
    counts = np.bincount(keys, minlength=n_groups * N_AGE_YEARS)
    ptr = np.zeros(n_groups * N_AGE_YEARS + 1, np.int64)
    np.cumsum(counts, out=ptr[1:])
    return ptr, members


@njit(cache=True)
def has_tie(partner, degree, i, j):
    """True if slot i is already tied to slot j."""
    for s in range(degree[i]):
        if partner[i, s] == j:
            return True
    return False


@njit(cache=True)
def add_tie(partner, kind, degree, i, j, k):
    """Tie i and j with kind k if both have a free slot; returns success."""
    cap = partner.shape[1]
    if degree[i] >= cap or degree[j] >= cap:
        return False
    partner[i, degree[i]] = j
    kind[i, degree[i]] = k
    degree[i] += 1
    partner[j, degree[j]] = i
    kind[j, degree[j]] = k
    degree[j] += 1
    return True


@njit(cache=True)
def _remove_half(partner, kind, degree, i, j):
    for s in range(degree[i]):
        if partner[i, s] == j:
            last = degree[i] - 1
            partner[i, s] = partner[i, last]
            kind[i, s] = kind[i, last]
            partner[i, last] = -1
            degree[i] = last
            return


@njit(cache=True)
def remove_tie(partner, kind, degree, i, j):
    """Remove the tie between i and j (both directions)."""
    _remove_half(partner, kind, degree, i, j)
    _remove_half(partner, kind, degree, j, i)


@njit(cache=True)
def remove_all_ties(partner, kind, degree, i):
    """Remove every tie of slot i (when the person leaves)."""
    while degree[i] > 0:
        j = partner[i, degree[i] - 1]
        remove_tie(partner, kind, degree, i, j)


@njit(cache=True)
def form_ties(order, partner, kind, degree, target, alive, pid, age_days, school, neighbourhood,
              risk_score, level, school_ptr, school_members, nbhd_ptr, nbhd_members,
              share_school, age_window, homophily_risk, homophily_involvement, key, step,
              attempts_per_tie):
    """Each slot in ``order`` below its target degree seeks friends until it reaches it.

    A candidate is drawn from the person's school (with probability ``share_school`` while in
    school) or neighbourhood, born within ``age_window`` years, and accepted with probability
    exp(−h_r·|Δrisk| − h_i·|Δlevel|). Returns the number of ties added.
    """
    added = 0
    window = int(age_window)
    for n in range(order.shape[0]):
        i = order[n]
        if alive[i] == 0:
            continue
        missing = target[i] - degree[i]
        if missing <= 0:
            continue
        yi = min(max(int(age_days[i] / 365.25) - 10, 0), 15)
        tries = missing * attempts_per_tie
        for a in range(tries):
            if degree[i] >= target[i]:
                break
            base = np.uint64(a) * np.uint64(4)
            use_school = school[i] >= 0 and draw(key, step, pid[i], base) < share_school
            offset = int(draw(key, step, pid[i], base + np.uint64(1)) * (2 * window + 1)) - window
            y = yi + offset
            if y < 0 or y > 15:
                continue
            if use_school:
                g = school[i] * 16 + y
                lo = school_ptr[g]
                hi = school_ptr[g + 1]
                pool = school_members
                tie_kind = TIE_SCHOOL
            else:
                g = neighbourhood[i] * 16 + y
                lo = nbhd_ptr[g]
                hi = nbhd_ptr[g + 1]
                pool = nbhd_members
                tie_kind = TIE_NEIGHBOURHOOD
            if hi <= lo:
                continue
            j = pool[lo + int(draw(key, step, pid[i], base + np.uint64(2)) * (hi - lo))]
            if j == i or alive[j] == 0 or degree[j] >= target[j]:
                continue
            if has_tie(partner, degree, i, j):
                continue
            d_level = abs(np.float64(level[i]) - np.float64(level[j]))
            d_risk = abs(np.float64(risk_score[i]) - np.float64(risk_score[j]))
            accept = np.exp(-homophily_risk * d_risk - homophily_involvement * d_level)
            if draw(key, step, pid[i], base + np.uint64(3)) >= accept:
                continue
            if add_tie(partner, kind, degree, i, j, tie_kind):
                added += 1
    return added


@njit(cache=True)
def dissolve_ties(partner, kind, degree, alive, pid, p_rewire, key, step):
    """Each school or neighbourhood tie dissolves with probability ``p_rewire`` this step.

    The draw for a tie is keyed by both ids (smaller id as the person, larger as the
    sub-draw), so it is the same whichever end is visited. Returns ties dissolved.
    """
    removed = 0
    n = degree.shape[0]
    for i in range(n):
        if alive[i] == 0:
            continue
        s = 0
        while s < degree[i]:
            j = partner[i, s]
            k = kind[i, s]
            if (k == TIE_SCHOOL or k == TIE_NEIGHBOURHOOD) and pid[i] < pid[j]:
                if draw(key, step, pid[i], np.uint64(pid[j])) < p_rewire:
                    remove_tie(partner, kind, degree, i, j)
                    removed += 1
                    continue  # slot s now holds another partner
            s += 1
    return removed
