"""Twin of the life course (ODD: life-course): ageing, leaving at 25, the September turn.

What the twin reimplements: ageing and leaving at 25 (with the leavers' ties, in the tie
table's swap-with-last layout, and their exploitation), the September test, the school-year
turn at 16 and 18 (schooling and ETE status, risk and vulnerability), the cohort's size, pids,
ages, neighbourhoods, slots (free slots reused, the arrays grown when too few), the choice
between joining a household and founding one, the candidate pools and places' users, and
sibling ties.

What it reuses, and why: the entrants' attributes are drawn as for the starting population
(the model's definition of a cohort: "drawn as for the starting population"), so the twin
calls the same creation code rather than restate the builder: vsim.population.assign_people
(sex, risk and protective factors, schooling, place, level, target degree),
vsim.population.add_households (a new household's factors), and the builder's tie creation
routines for friendships and gangs (vsim.networks.form_ties, vsim.builder.top_up_gangs;
friend seeking is the rewiring kernel's, whose twin checks it). Each is called with what the
twin itself computed (slots, pids, ages, households, pools), in the process's order.

Branches of src/vsim/processes/life_course.py, and the world that reaches each: ageing
without leaving (every world); leaving at 25 with ties and with exploitation (``weekly``,
``fortnightly``, ``ageing_out``: many 24-year-olds, lines recruiting up to 24); a step without
September 1 (``weekly``); a step with it, 7 and 14 days (``september``,
``september_fortnightly``); the turn at 16 and at 18 with pupils who stay, leave or are
NEET (``september``: p_neet_16_18 = 0.5); a cohort that fits in the free slots, reusing the
slots of this step's leavers (``september``), and one that does not (``crowded_september``:
the arrays grow); entrants joining and founding households; sibling ties on and off, gangs
topped up or none (``september_no_siblings``: no sibling ties, no gangs, risk factors and
rewiring off); a growing cohort (``growing_september``). Not reached: a cohort of 0 (needs
cohort_growth −0.2 for decades).
"""

from __future__ import annotations

import datetime as dt
from itertools import accumulate

import numpy as np
from helpers import quick

from reference import remove_half_tie, set_kind
from reference.exploitation import refresh_risk
from vsim.builder import ATTEMPTS_PER_TIE, top_up_gangs
from vsim.model import ViolenceModel
from vsim.networks import TieRule, form_ties
from vsim.population import add_households, assign_people
from vsim.rng import draw_reference
from vsim.state import People, Pools, Ties
from vsim.vocabulary import AGE_EXIT, AGE_MIN, DAYS_PER_YEAR, N_AGES, TIE_FAMILY

LOCAL_SCHOOL = 0.8  # share of pupils at a school in their own neighbourhood (assumption)




def _remove_all_ties(ties, i: int) -> None:
    """Remove i's ties, last first (both directions of each)."""
    while ties.degree[i] > 0:
        j = int(ties.partner[i, ties.degree[i] - 1])
        remove_half_tie(ties, i, j)
        remove_half_tie(ties, j, i)


def _age_and_leave(model) -> int:
    """Everyone alive ages by a step; at 25 (⌊25 × 365.25⌋ days) they leave with their ties."""
    p, ties, lines = model.people, model.ties, model.lines
    step_days, exit_days = model.scenario.time.step_days, int(AGE_EXIT * DAYS_PER_YEAR)
    left = 0
    for i in range(p.capacity):
        if not p.alive[i]:
            continue
        p.age_days[i] += step_days
        if p.age_days[i] >= exit_days:
            p.alive[i] = 0
            _remove_all_ties(ties, i)
            if p.exploited_by[i] >= 0:
                lines.n_exploited[p.exploited_by[i]] -= 1
                p.exploited_by[i] = -1
            left += 1
    return left


def _uniform_pick(groups, wanted: int, u: float) -> int:
    """An item of group ``wanted`` (items in index order), chosen by ``u``; -1 if none."""
    items = [k for k in range(len(groups)) if groups[k] == wanted]
    return items[min(int(u * len(items)), len(items) - 1)] if items else -1


def _school_year_turn(model) -> None:
    """Those aged 16-17 or 18-19 on September 1 have schooling and ETE redrawn.

    u = school draw 0 (keyed by pid at step 0, as at creation): below 16 in school, 16-17 in
    school unless u < p_neet_16_18, from 18 out of school and in ETE unless u < p_neet_19_24.
    A pupil keeps their school; a new pupil goes to a school of their neighbourhood with
    probability 0.8 (draw 1; draw 2 picks it), else anywhere; then risk is recomputed.
    """
    p, pop, world = model.people, model.scenario.population, model.world
    key, n_schools = model.streams["school"], world.school_nbhd.shape[0]
    turned = []
    for i in range(p.capacity):
        years = p.age_days[i] / DAYS_PER_YEAR
        if p.alive[i] and (16 <= years < 17 or 18 <= years < 19):
            turned.append(i)
    for i in turned:
        pid, years = int(p.pid[i]), p.age_days[i] / DAYS_PER_YEAR
        u_neet, u_local, u_pick = (draw_reference(key, 0, pid, k) for k in range(3))
        in_school = years < 16 or (years < 18 and u_neet >= pop.p_neet_16_18)
        ete = in_school if years < 18 else u_neet >= pop.p_neet_19_24
        if not in_school:
            p.school[i] = -1
        elif p.school[i] < 0:
            local = _uniform_pick(world.school_nbhd, int(p.neighbourhood[i]), u_pick)
            anywhere = min(int(u_pick * n_schools), n_schools - 1)
            p.school[i] = local if u_local < LOCAL_SCHOOL and local >= 0 else anywhere
        p.engaged_ete[i] = ete
    refresh_risk(model, turned)


def _grow(model, capacity: int) -> None:
    """New empty slots at the end of the people and tie arrays."""
    people, ties = People.empty(capacity), Ties.empty(capacity, model.ties.partner.shape[1])
    n = model.people.capacity
    for old, new in zip(model.people, people, strict=True):
        new[..., :n] = old
    for old, new in zip(model.ties, ties, strict=True):
        new[:n] = old
    model.people, model.ties = people, ties


def _pool(group, age_days, alive, n_groups: int):
    """CSR of the living with a group, keyed by (group, completed years − 10 in 0..14)."""
    buckets = [[] for _ in range(n_groups * N_AGES)]
    for i in range(alive.shape[0]):
        if alive[i] and group[i] >= 0:
            age = min(max(int(age_days[i] / DAYS_PER_YEAR) - AGE_MIN, 0), N_AGES - 1)
            buckets[int(group[i]) * N_AGES + age].append(i)
    ptr = np.array([0, *accumulate(len(b) for b in buckets)], np.int64)
    return ptr, np.array([i for b in buckets for i in b], np.int32)


def _pools(model) -> Pools:
    """Pools by (school, age), (neighbourhood, age) and by place; places' users (≥ 1)."""
    p, world = model.people, model.world
    n_places = world.places.kind.shape[0]
    s = _pool(p.school, p.age_days, p.alive, max(1, world.school_nbhd.shape[0]))
    g = _pool(p.neighbourhood, p.age_days, p.alive, world.nbhd_share.shape[0])
    place_ptr, place_members = _pool(p.place, p.age_days, p.alive, max(1, n_places))
    place_ptr = place_ptr[::N_AGES].copy()  # one range per place, all ages
    for k in range(n_places):
        world.places.users[k] = max(int(place_ptr[k + 1] - place_ptr[k]), 1)
    return Pools(*s, *g, place_ptr, place_members)


def _sibling_ties(model, slots) -> None:
    """Each entrant, in turn, is tied to the living of their household (family ties)."""
    p, (partner, _, degree) = model.people, model.ties
    cap = partner.shape[1]
    for i in slots:
        for j in range(p.capacity):
            if (j == i or not p.alive[j] or p.household[j] != p.household[i]
                    or j in partner[i, :degree[i]]):
                continue
            if degree[i] < cap and degree[j] < cap:
                for a, b in ((i, j), (j, i)):
                    partner[a, degree[a]] = b
                    set_kind(model.ties, a, int(degree[a]), TIE_FAMILY)
                    degree[a] += 1


def _entrants(model, n_new: int):
    """Pids, ages, neighbourhoods, slots and households of the cohort (before creation).

    Age 10 + U years (cohort draw 0); neighbourhood by population share (draw 1). Free slots
    are ordered by the neighbourhood of their last occupant, then slot, and spread evenly over
    the entrants in neighbourhood order. An entrant joins a household of their neighbourhood
    (draw 2 picks it) with probability 1 − 1/young_people_per_household (draw 3), else
    founds one (the founders' households are appended in pid order).
    """
    p, world, key = model.people, model.world, model.streams["cohort"]
    free = [i for i in range(p.capacity) if not p.alive[i]]
    if len(free) < n_new:
        _grow(model, p.capacity + n_new - len(free) + p.capacity // 10)
        p = model.people
        free = [i for i in range(p.capacity) if not p.alive[i]]
    pids = list(range(model.next_pid, model.next_pid + n_new))
    model.next_pid += n_new
    u = [[draw_reference(key, 0, pid, k) for k in range(4)] for pid in pids]
    ages = [int(10 * DAYS_PER_YEAR + row[0] * DAYS_PER_YEAR) for row in u]
    share = world.nbhd_share
    cum = [c / float(np.sum(share)) for c in accumulate(float(s) for s in share)]
    nbhd = [min(sum(c <= row[1] for c in cum), len(cum) - 1) for row in u]
    free.sort(key=lambda i: (int(p.neighbourhood[i]), i))
    picked = [free[(k * len(free)) // n_new] for k in range(n_new)]
    slots = [0] * n_new
    for k, e in enumerate(sorted(range(n_new), key=lambda e: nbhd[e])):
        slots[e] = picked[k]
    m_hh = model.scenario.population.young_people_per_household
    hh_nbhd = model.world.households.neighbourhood
    household = [_uniform_pick(hh_nbhd, nbhd[e], u[e][2]) for e in range(n_new)]
    found = [e for e in range(n_new) if not (u[e][3] < 1 - 1 / m_hh and household[e] >= 0)]
    if found:
        new = add_households(world, model.scenario, model.streams,
                             np.array([nbhd[e] for e in found], np.int64))
        for e, h in zip(found, new, strict=True):
            household[e] = int(h)
    return (np.array(slots, np.int64), np.array(pids, np.int64), np.array(ages, np.int32),
            np.array(household, np.int64))


def _enter_cohort(model) -> int:
    """This year's 10-year-olds: one year's share of the 10-13 band, grown yearly.

    n = round(max(1, round(n_young_people · share_10_13 / 4)) · (1 + cohort_growth)^years),
    years since the scenario's start. Then pools are rebuilt, and entrants get sibling ties,
    friends (6 attempts per missing friend) and gangs are topped up.
    """
    sc = model.scenario
    size = max(1, round(sc.n_young_people * sc.population.age_band_shares[0] / 4))
    years = (model.date - sc.time.start).days / DAYS_PER_YEAR
    n_new = int(round(size * (1.0 + sc.population.cohort_growth) ** years))
    if n_new <= 0:
        return 0
    slots, pids, ages, household = _entrants(model, n_new)
    assign_people(model.people, slots, pids, ages, sc, model.streams, model.world, household,
                  model.risk)
    model.pools = _pools(model)
    if sc.networks.sibling_ties:
        _sibling_ties(model, [int(s) for s in slots])
    net, on = sc.networks, sc.processes
    rule = TieRule(float(net.share_school), int(net.age_window_years),
                   float(net.homophily_risk) if on.risk_factors else 0.0,
                   float(net.homophily_involvement) if on.rewiring else 0.0)
    form_ties(slots, model.people, model.ties, model.pools, rule, model.streams["form_ties"],
              model.t, ATTEMPTS_PER_TIE)
    top_up_gangs(model.people, model.ties, model.gang_areas, net,
                 model.streams["gang_topup"], model.streams["create_gang"], model.t)
    return n_new


def life_course(model) -> dict[str, int]:
    """Ageing and leaving at 25; the school-year turn and a cohort if the step holds Sept 1."""
    left = _age_and_leave(model)
    start = model.date
    september = dt.date(start.year, 9, 1)
    entered = 0
    if start <= september < start + dt.timedelta(days=model.scenario.time.step_days):
        _school_year_turn(model)
        entered = _enter_cohort(model)
    return {"left_at_25": left, "entered_cohort": entered}


SMALL = {"population.n_young_people": 1500, "area.residents": 7317}


def before_september(**changes) -> ViolenceModel:
    """The quick town with ``changes``, up to the step whose days hold September 1.

    It starts on 2019-08-05, so the burn-in passed one September; the step is found from the
    model's date and the step length.
    """
    model = ViolenceModel(quick(**SMALL, **{"time.start": "2019-08-05", **changes}))
    step = dt.timedelta(days=model.scenario.time.step_days)
    while not model.date <= dt.date(model.date.year, 9, 1) < model.date + step:
        model.step()
    return model


def ageing_out() -> ViolenceModel:
    """Mostly 21-24-year-olds, recruited by three lines up to 24.

    Many leave at 25 each week; the world is stepped on (3 steps at least) until someone
    exploited leaves at 25 in the next step, so a line's count of leavers is exercised
    whatever the random numbers.
    """
    model = ViolenceModel(quick(**SMALL, **{
        "population.age_band_shares": [0.1, 0.1, 0.1, 0.7], "exploiters.n_lines": 3,
        "exploiters.min_age": 20, "exploiters.max_age": 24, "exploiters.max_recruits": 100,
        "exploiters.recruitment_hazard": 0.05}))
    exit_days = int(AGE_EXIT * DAYS_PER_YEAR)
    for _ in range(3):
        model.step()
    p, step_days = model.people, model.scenario.time.step_days
    for _ in range(40):
        if np.any((p.alive == 1) & (p.exploited_by >= 0) & (p.age_days + step_days >= exit_days)):
            return model
        model.step()
    raise AssertionError("no exploited young person left at 25 in 43 steps")


TWINS = {"life_course": life_course}
WORLDS = {
    "september": lambda: before_september(**{"population.p_neet_16_18": 0.5}),
    "september_fortnightly": lambda: before_september(**{"time.step_days": 14}),
    # A big entering cohort (94% of the young are 10-13): the free slots are too few.
    "crowded_september": lambda: before_september(
        **{"population.age_band_shares": [0.94, 0.02, 0.02, 0.02]}),
    "september_no_siblings": lambda: before_september(**{
        "networks.sibling_ties": False, "networks.n_gangs": 0, "processes.risk_factors": False,
        "processes.rewiring": False}),
    "ageing_out": ageing_out,
    # a growing cohort: 10% more entrants a year (every default scenario has 0 growth)
    "growing_september": lambda: before_september(**{"population.cohort_growth": 0.1}),
}
CASES = [("life_course", w) for w in WORLDS]
