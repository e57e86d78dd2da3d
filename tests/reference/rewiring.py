"""Twin of the rewiring process (ODD: rewiring): friendships dissolve and re-form.

Every k = max(1, round(rewire_every_weeks / weeks)) steps (on steps t with t mod k = 0; on the
others the process does nothing), each school or neighbourhood tie dissolves with probability
1 − (1 − p_rewire)^(weeks·k), then everyone below their target number of friends makes
round(repair_attempts·weeks·k) attempts to befriend someone (:func:`seek_friends`, the plain
twin of vsim.networks.seek_friends, usable for form_ties too). Family and gang ties never
dissolve. The candidate pools are the model's (``model.pools``): they are rebuilt only when a
cohort enters (the life course), so between Septembers they hold stale entries (the dead,
last year's ages), which friend seeking skips or takes as they are.

Branches of vsim.networks.dissolve_ties, and the world that reaches each: a step it does not
run (``weekly``: t = 58, k = 4; the harness's check that the kernel changed something fails
there, so it is not a case here: see the report); p = 0 (``no_dissolving``); p = 1, log q =
−inf, every position selected (``dissolve_all``); dead or friendless people skipped, rows
where nothing is selected, several selected positions, selected ties kept because the
partner has the smaller slot or the tie is family or gang (every world: siblings and a gang);
rows shortened by an earlier row's removals (every world).

Branches of seek_friends: visits round the table from a start (every world); the dead; at or
above target; the attempt loop ended by reaching the target, or the cap (``dissolve_all``:
max_degree 6); school (share_school 0.6) and neighbourhood attempts, and no school
(``no_school``: share_school 0, and school leavers everywhere); an age offset outside 10..24
(every world, window 1; ``wide_window``: window 4); an empty pool (``wide_window``); picking
oneself, a dead pool member (stale pools: every world after a death), a full candidate (target
+ 1 slack, or the cap), an existing tie; acceptance below 1 (homophily on risk and level) and
equal to 1 (``no_homophily``: risk factors off, homophily_involvement 0); and (twin only) the
ordered mode with attempts per missing friend, used when a cohort enters.
"""

from __future__ import annotations

import math

from reference import kind_of, remove_half_tie, set_kind
from vsim.rng import draw_reference
from vsim.vocabulary import DAYS_PER_YEAR, N_AGES, TIE_NEIGHBOURHOOD, TIE_SCHOOL


def _add_tie(ties, i: int, j: int, k: int) -> bool:
    """Append j to i's row and i to j's (each at the row's end) if both rows have room."""
    partner, _, degree = ties
    cap = partner.shape[1]
    if degree[i] >= cap or degree[j] >= cap:
        return False
    for a, b in ((i, j), (j, i)):
        partner[a, degree[a]] = b
        set_kind(ties, a, int(degree[a]), k)
        degree[a] += 1
    return True




def dissolve(model, p: float) -> int:
    """Each school or neighbourhood tie dissolves with probability ``p``.

    Person by person in slot order, the positions of the row (as it stands then: earlier
    removals have reordered it) chosen are 1 + ⌊ln(1 − u_k)/ln(1 − p)⌋ apart (geometric gaps,
    u_0, u_1, … the person's draws of stream "rewire"); a chosen tie goes if it is school or
    neighbourhood and its partner has the larger slot (so each tie is decided once).
    """
    if p <= 0.0:
        return 0
    ties, people, t = model.ties, model.people, model.t
    partner, kind, degree = ties
    key = int(model.streams["rewire"])
    log_q = math.log1p(-p) if p < 1.0 else -math.inf
    removed = 0
    for i in range(people.capacity):
        if not people.alive[i]:
            continue
        pid, d, chosen, pos, k = int(people.pid[i]), int(degree[i]), [], -1, 0
        while True:
            u = draw_reference(key, t, pid, k)
            k += 1
            pos += 1 + int(math.log1p(-u) / log_q)
            if pos >= d:
                break
            j = int(partner[i, pos])
            if j > i and kind_of(ties, i, pos) in (TIE_SCHOOL, TIE_NEIGHBOURHOOD):
                chosen.append(j)
        for j in chosen:
            remove_half_tie(ties, i, j)
            remove_half_tie(ties, j, i)
        removed += len(chosen)
    return removed


def seek_friends(model, visits, rule: dict, key: int, per_missing: int, fixed: int,
                 slack: int) -> int:
    """Everyone visited below target tries to befriend candidates; returns ties added.

    Tries: per_missing per missing friend, or ``fixed`` (per_missing 0); stops at the target
    (or the cap). Attempt a draws 4a..4a+3 of stream ``key``: school with probability
    share_school (if in school) else neighbourhood; age y = own + ⌊u·(2w+1)⌋ − w; a uniform
    member of the pool (group, y); accepted if alive, not oneself, not already a friend, below
    their target + slack and the cap, with probability exp(−h_r·|Δrisk| − h_i·|Δlevel|).
    """
    p, ties, pools, t = model.people, model.ties, model.pools, model.t
    partner, kind, degree = ties
    cap, w, added = partner.shape[1], rule["window"], 0
    for i in visits:
        if not p.alive[i] or degree[i] >= p.target_degree[i]:
            continue
        pid = int(p.pid[i])
        tries = (int(p.target_degree[i]) - int(degree[i])) * per_missing if per_missing else fixed
        own = min(max(int(int(p.age_days[i]) / DAYS_PER_YEAR) - 10, 0), N_AGES - 1)
        for a in range(tries):
            if degree[i] >= p.target_degree[i] or degree[i] >= cap:
                break
            u = [draw_reference(key, t, pid, 4 * a + k) for k in range(4)]
            at_school = p.school[i] >= 0 and u[0] < rule["share_school"]
            y = own + int(u[1] * (2 * w + 1)) - w
            if not 0 <= y < N_AGES:
                continue
            if at_school:
                ptr, members, g = pools.school_ptr, pools.school_members, int(p.school[i])
            else:
                ptr, members, g = pools.nbhd_ptr, pools.nbhd_members, int(p.neighbourhood[i])
            lo, hi = int(ptr[g * N_AGES + y]), int(ptr[g * N_AGES + y + 1])
            if hi <= lo:
                continue
            j = int(members[lo + int(u[2] * (hi - lo))])
            if (j == i or not p.alive[j] or degree[j] >= int(p.target_degree[j]) + slack
                    or degree[j] >= cap or j in partner[i, :degree[i]]):
                continue
            d_level = abs(float(p.level[i]) - float(p.level[j]))
            d_risk = abs(float(p.risk_score[i]) - float(p.risk_score[j]))
            if u[3] < math.exp(-rule["homophily_risk"] * d_risk
                               - rule["homophily_involvement"] * d_level):
                added += _add_tie(ties, i, j, TIE_SCHOOL if at_school else TIE_NEIGHBOURHOOD)
    return added


def rewiring(model) -> dict[str, int]:
    """Every k steps: dissolve with p = 1 − (1 − p_rewire)^(weeks·k), then repair.

    Repair visits every slot from ⌊u·capacity⌋ round the table (u: stream "rewire", person
    −1), each making round(repair_attempts·weeks·k) attempts, candidates accepting up to
    their target + 1; selection on risk only when risk factors are on.
    """
    sc, weeks, t = model.scenario, model.weeks_per_step, model.t
    net = sc.networks
    every = max(1, int(round(net.rewire_every_weeks / weeks)))
    if t % every:
        return {}
    removed = dissolve(model, 1.0 - (1.0 - net.p_rewire) ** (weeks * every))
    n = model.people.capacity
    start = int(draw_reference(int(model.streams["rewire"]), t, -1, 0) * n)
    rule = {"share_school": net.share_school, "window": int(net.age_window_years),
            "homophily_risk": net.homophily_risk if sc.processes.risk_factors else 0.0,
            "homophily_involvement": net.homophily_involvement}
    added = seek_friends(model, [(start + v) % n for v in range(n)], rule,
                         int(model.streams["form_ties"]), 0,
                         int(round(net.repair_attempts * weeks * every)), 1)
    return {"ties_dissolved": removed, "ties_formed": added}


def _town(steps: int, **changes):
    """The quick town, 1,500 young people, ``steps`` steps after the burn-in."""
    from helpers import quick

    from vsim.model import ViolenceModel

    model = ViolenceModel(quick(**{"population.n_young_people": 1500, "area.residents": 7317,
                                   **changes}))
    for _ in range(steps):
        model.step()
    return model


WORLDS = {
    # weekly steps, k = 4: t = 60 is an update (the standard weekly world, t = 58, is not)
    "rewire_monthly": lambda: _town(8),
    "rewire_weekly": lambda: _town(5, **{"networks.rewire_every_weeks": 1,
                                         "networks.p_rewire": 0.2}),
    "dissolve_all": lambda: _town(4, **{"networks.p_rewire": 1.0, "networks.mean_degree": 5.5,
                                        "networks.max_degree": 6}),
    "no_dissolving": lambda: _town(8, **{"networks.p_rewire": 0.0}),
    "no_school": lambda: _town(8, **{"networks.share_school": 0.0}),
    "wide_window": lambda: _town(8, **{"networks.age_window_years": 4,
                                       "networks.p_rewire": 0.1}),
    "no_homophily": lambda: _town(8, **{"processes.risk_factors": False,
                                        "networks.homophily_involvement": 0.0}),
    # 14-day steps, rewire_every_weeks 1: k = max(1, round(0.5)) = 1, so odd t = 31 runs
    "rewire_fortnightly_1": lambda: _town(5, **{"time.step_days": 14,
                                                "networks.rewire_every_weeks": 1}),
}
TWINS = {"rewiring": rewiring}
CASES = [("rewiring", w) for w in WORLDS]
