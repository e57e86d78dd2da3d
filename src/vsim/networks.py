"""Peer networks: tie formation with homophily, weekly rewiring and repair, all in numba.

Ties live in a padded CSR table (:class:`vsim.state.Ties`). Candidates for a new tie are drawn
from *pools*: the members of one school (or neighbourhood) of one age in years, so that ties
form between young people of similar age in the same school or neighbourhood (school year groups
are highly cohesive; evidence: homophily-add-health), with selection on risk and on involvement.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from vsim.compiled import kernel
from vsim.rng import draw
from vsim.state import age_index, people_view
from vsim.vocabulary import N_AGES, TIE_NEIGHBOURHOOD, TIE_SCHOOL

# How candidates are drawn and accepted: share of attempts at school (for those in school),
# the age window in whole years, and selection on |Δ risk score| and |Δ involvement level|.
TieRule = namedtuple("TieRule", ["share_school", "window", "homophily_risk",
                                 "homophily_involvement"])
# The people arrays tie seeking uses (the kernel is handed only these; vsim.state.people_view).
TieSeekers = people_view("TieSeekers", ("alive", "target_degree", "pid", "age_days", "school",
                                        "neighbourhood", "level", "risk_score"), __name__)


def seekers(people) -> TieSeekers:
    """The tie-seeking view of the people arrays."""
    return TieSeekers(*(getattr(people, name) for name in TieSeekers._fields))


# How many attempts a person seeking friends makes: ``per_missing`` per missing friend, or
# ``fixed`` attempts when per_missing is 0; a candidate accepts up to target + ``slack``.
Attempts = namedtuple("Attempts", ["per_missing", "fixed", "slack"])


def build_pool(group: np.ndarray, age_days: np.ndarray, alive: np.ndarray, n_groups: int):
    """CSR of living members keyed by (group, age index): returns (ptr, members).

    Members of a key are in slot order (what a stable sort by key gives).
    """
    return slots_by_key(_pool_keys(group, age_days, alive), n_groups * N_AGES)


@kernel
def _pool_keys(group, age_days, alive):
    """(group, age index) as one key per slot; −1 for the dead and those with no group.

    int32 (groups × 15 ages is far below 2**31): half the scratch of int64 keys.
    """
    key = np.full(alive.shape[0], -1, np.int32)
    for i in range(alive.shape[0]):
        if alive[i] == 1 and group[i] >= 0:
            key[i] = group[i] * N_AGES + age_index(age_days[i])
    return key


@kernel
def slots_by_key(key, n_keys, alive=None):
    """CSR of the slots with each key (0..n_keys−1; −1 left out), in slot order: (ptr, slots).

    With ``alive``, only the living (``alive == 1``) are counted, so a caller need not make a
    masked copy of its keys (at a cohort entry at 1,000,000 that copy and the mask were ~10 B
    a young person of the step's peak). A counting sort, O(slots): the stable argsort it
    replaces cost ~1.6 ms a pool at the borough, and pools are built three times at every
    cohort entry (measured 2026-12-03).
    """
    ptr = np.zeros(n_keys + 1, np.int64)
    for i in range(key.shape[0]):
        if key[i] >= 0 and (alive is None or alive[i] == 1):
            ptr[key[i] + 1] += 1
    for k in range(n_keys):
        ptr[k + 1] += ptr[k]
    members = np.empty(ptr[n_keys], np.int32)
    fill = ptr[:n_keys].copy()
    for i in range(key.shape[0]):
        if key[i] >= 0 and (alive is None or alive[i] == 1):
            members[fill[key[i]]] = i
            fill[key[i]] += 1
    return ptr, members


# The tie helpers take the tie table's arrays, not the Ties group: they are called for every
# attempt, and taking arrays out of a group costs reference counting on each call.
@kernel
def has_tie(partner, degree, i, j):
    """True if slot i is already tied to slot j."""
    for s in range(degree[i]):
        if partner[i, s] == j:
            return True
    return False


@kernel
def kind_at(kind, i, s):
    """The kind of the tie in slot ``s`` of row ``i`` (kinds are packed four to a byte)."""
    return (kind[i, s >> 2] >> ((s & 3) << 1)) & 3


@kernel
def set_kind_at(kind, i, s, k):
    """Set the kind of the tie in slot ``s`` of row ``i`` to ``k``."""
    shift = (s & 3) << 1
    kind[i, s >> 2] = (kind[i, s >> 2] & (255 ^ (3 << shift))) | (k << shift)


@kernel
def add_tie(partner, kind, degree, i, j, k):
    """Tie i and j with kind k if both have a free slot; returns success."""
    cap = partner.shape[1]
    if degree[i] >= cap or degree[j] >= cap:
        return False
    partner[i, degree[i]] = j
    set_kind_at(kind, i, degree[i], k)
    degree[i] += 1
    partner[j, degree[j]] = i
    set_kind_at(kind, j, degree[j], k)
    degree[j] += 1
    return True


@kernel
def _remove_half(partner, kind, degree, i, j):
    for s in range(degree[i]):
        if partner[i, s] == j:
            last = degree[i] - 1
            partner[i, s] = partner[i, last]
            set_kind_at(kind, i, s, kind_at(kind, i, last))
            partner[i, last] = -1
            degree[i] = last
            return


@kernel
def remove_tie(partner, kind, degree, i, j):
    """Remove the tie between i and j (both directions)."""
    _remove_half(partner, kind, degree, i, j)
    _remove_half(partner, kind, degree, j, i)


@kernel
def remove_all_ties(partner, kind, degree, i):
    """Remove every tie of slot i (when the person leaves)."""
    while degree[i] > 0:
        remove_tie(partner, kind, degree, i, partner[i, degree[i] - 1])


@kernel
def tie_households(slots, household, ptr, order, ties, tie_kind):
    """Tie each of ``slots`` to the members of their household, ``order[ptr[h]:ptr[h + 1]]``."""
    partner, kind, degree = ties
    added = 0
    for n in range(slots.shape[0]):
        i = slots[n]
        h = household[i]
        for m in range(ptr[h], ptr[h + 1]):
            j = order[m]
            if j != i and not has_tie(partner, degree, i, j):
                if add_tie(partner, kind, degree, i, j, tie_kind):
                    added += 1
    return added


@kernel
def tie_group(members, pid, ties, density, key, group, tie_kind):
    """Tie each pair of ``members`` with probability ``density`` (a gang: a dense cluster).

    The draw for a pair is keyed by (group, the smaller pid, the larger pid), so a pair gets
    the same draw whoever else is in the group.
    """
    partner, kind, degree = ties
    added = 0
    for a in range(members.shape[0]):
        for b in range(a + 1, members.shape[0]):
            i = members[a]
            j = members[b]
            lo = min(pid[i], pid[j])
            hi = max(pid[i], pid[j])
            if draw(key, group, lo, hi) < density and not has_tie(partner, degree, i, j):
                if add_tie(partner, kind, degree, i, j, tie_kind):
                    added += 1
    return added


@kernel
def seek_friends(order, start, attempts, people, ties, pools, rule, key, step):
    """Everyone visited below their target degree makes attempts to befriend candidates.

    Visits the slots in ``order``, or (when ``order`` is empty) every slot from ``start`` round
    the table. A candidate is drawn from the person's school (with probability
    ``rule.share_school`` while in school) or neighbourhood, at most ``rule.window`` years
    apart in age, and accepted if they have room (fewer than their target +
    ``attempts.slack`` friends) with probability exp(−h_r·|Δrisk| − h_i·|Δlevel|). Returns
    ties added.

    Why one function: the attempt is written out here rather than in a helper taking the
    arrays, since a per-person call of such a helper cost ~45 ns in reference counting alone,
    more than the attempt itself (measured at borough size, 2026-11-25).
    """
    added = 0
    alive, target, pid = people.alive, people.target_degree, people.pid
    age_days, school, home = people.age_days, people.school, people.neighbourhood
    level, risk_score = people.level, people.risk_score
    partner, kind, degree = ties
    school_ptr, school_members = pools.school_ptr, pools.school_members
    nbhd_ptr, nbhd_members = pools.nbhd_ptr, pools.nbhd_members
    share_school, window = rule.share_school, rule.window
    homophily_risk, homophily_involvement = rule.homophily_risk, rule.homophily_involvement
    per_missing, fixed, slack = attempts
    n = alive.shape[0]
    cap = partner.shape[1]
    visits = order.shape[0] if order.shape[0] > 0 else n
    for v in range(visits):
        if order.shape[0] > 0:
            i = order[v]
        else:
            i = start + v
            if i >= n:
                i -= n
        if alive[i] == 0 or degree[i] >= target[i]:
            continue
        tries = (target[i] - degree[i]) * per_missing if per_missing > 0 else fixed
        yi = age_index(age_days[i])
        for a in range(tries):
            if degree[i] >= target[i] or degree[i] >= cap:
                break
            base = np.uint64(a) * np.uint64(4)
            use_school = school[i] >= 0 and draw(key, step, pid[i], base) < share_school
            offset = int(draw(key, step, pid[i], base + np.uint64(1)) * (2 * window + 1))
            y = yi + offset - window
            if y < 0 or y >= N_AGES:
                continue
            if use_school:
                g = school[i] * N_AGES + y
                lo = school_ptr[g]
                hi = school_ptr[g + 1]
            else:
                g = home[i] * N_AGES + y
                lo = nbhd_ptr[g]
                hi = nbhd_ptr[g + 1]
            if hi <= lo:
                continue
            pick = lo + int(draw(key, step, pid[i], base + np.uint64(2)) * (hi - lo))
            j = school_members[pick] if use_school else nbhd_members[pick]
            if j == i or alive[j] == 0 or degree[j] >= target[j] + slack or degree[j] >= cap:
                continue
            if has_tie(partner, degree, i, j):
                continue
            d_level = abs(np.float64(level[i]) - np.float64(level[j]))
            d_risk = abs(np.float64(risk_score[i]) - np.float64(risk_score[j]))
            accept = np.exp(-homophily_risk * d_risk - homophily_involvement * d_level)
            if accept < 1.0 and draw(key, step, pid[i], base + np.uint64(3)) >= accept:
                continue
            if add_tie(partner, kind, degree, i, j,
                       TIE_SCHOOL if use_school else TIE_NEIGHBOURHOOD):
                added += 1
    return added


def form_ties(order: np.ndarray, people, ties, pools, rule: TieRule, key, step: int,
              attempts_per_tie: int) -> int:
    """Each slot in ``order`` below its target degree seeks friends until it reaches it.

    Used when the network is built and when a cohort enters: candidates must themselves be
    below target, so the degrees come out close to the targets. Returns ties added.
    """
    return seek_friends(order.astype(np.int64, copy=False), 0, Attempts(attempts_per_tie, 0, 0),
                        seekers(people), ties, pools, rule, key, step)


def repair_ties(start: int, people, ties, pools, rule: TieRule, key, step: int,
                tries: int) -> int:
    """Repair: everyone below target makes ``tries`` attempts to befriend someone.

    Slots are visited from ``start`` round the table, so no slot range is favoured.

    A candidate may accept one friend beyond their target: with strict targets most people
    asked are already full and most attempts fail, week after week. Returns ties added.
    """
    return seek_friends(np.empty(0, np.int64), start, Attempts(0, tries, 1), seekers(people),
                        ties, pools, rule, key, step)


@kernel
def dissolve_ties(ties, alive, pid, p_rewire, key, step):
    """Each school or neighbourhood tie dissolves with probability ``p_rewire`` this step.

    Geometric skipping: each person draws the gaps between selected positions in their own row
    (one draw per person plus one per selected tie, not one per tie). A selected tie is
    dissolved only from the end with the smaller slot, so each tie is dissolved with
    probability ``p_rewire`` exactly. Returns the number of ties dissolved.
    """
    removed = 0
    if p_rewire <= 0.0:
        return 0
    partner, kind, degree = ties
    chosen = np.empty(partner.shape[1], np.int32)
    # The gap to the next selected position is ⌊ln(1 − u)/ln(1 − p)⌋, and that is ≥ g exactly
    # when u ≥ 1 − (1 − p)^g = at_least[g]: comparisons with this table replace the logarithm
    # (a log cost ~100 ns per selected person, most of the kernel; identical except for a draw
    # within rounding of a threshold, about 1e-16 per draw).
    at_least = 1.0 - (1.0 - p_rewire) ** np.arange(partner.shape[1] + 1)
    for i in range(degree.shape[0]):
        if alive[i] == 0 or degree[i] == 0:
            continue
        d = degree[i]
        u = draw(key, step, pid[i], np.uint64(0))
        if u >= at_least[d]:  # no position of the row selected: settles most rows
            continue
        n_chosen = 0
        pos = -1
        k = 1
        while True:
            if u >= at_least[d - pos - 1]:  # the gap reaches past the row's end
                break
            gap = 0
            while u >= at_least[gap + 1]:
                gap += 1
            pos += 1 + gap
            j = partner[i, pos]
            c = kind_at(kind, i, pos)
            if j > i and (c == TIE_SCHOOL or c == TIE_NEIGHBOURHOOD):
                chosen[n_chosen] = j
                n_chosen += 1
            u = draw(key, step, pid[i], np.uint64(k))
            k += 1
        for r in range(n_chosen):
            remove_tie(partner, kind, degree, i, chosen[r])
        removed += n_chosen
    return removed
