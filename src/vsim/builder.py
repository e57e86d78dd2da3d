"""Assemble the starting world of a run from a scenario: population, households, ties, lines."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vsim.networks import build_pool, form_ties, tie_group, tie_households
from vsim.population import (World, assign_people, choose_gangs, cohort_size, households_table,
                             initial_ages, make_households, make_neighbourhoods, make_places,
                             seed_involvement)
from vsim.rng import Streams, draws
from vsim.scenario import Scenario
from vsim.state import AT_RISK, INVOLVED, NONE, TIE_FAMILY, TIE_GANG, Lines, People, Ties

# Spare slots beyond the starting population, for cohorts that enter before others leave.
CAPACITY_MARGIN = 1.15
# Tries per missing tie when forming ties (a candidate can be refused by homophily).
ATTEMPTS_PER_TIE = 6


@dataclass
class Pools:
    """Candidate pools for tie formation, rebuilt yearly and when the population changes."""

    school_ptr: np.ndarray
    school_members: np.ndarray
    nbhd_ptr: np.ndarray
    nbhd_members: np.ndarray


def build_pools(people: People, world: World) -> Pools:
    """Pools keyed by (school, age year) and (neighbourhood, age year)."""
    s_ptr, s_mem = build_pool(people.school, people.age_days, people.alive,
                              max(1, world.school_nbhd.shape[0]))
    n_ptr, n_mem = build_pool(people.neighbourhood, people.age_days, people.alive,
                              world.nbhd_share.shape[0])
    return Pools(s_ptr, s_mem, n_ptr, n_mem)


def grow_ties(people: People, ties: Ties, pools: Pools, scenario: Scenario, order: np.ndarray,
              key, step: int, involvement_homophily: bool) -> int:
    """Let the people in ``order`` top their friendships up to their target degree."""
    net = scenario.networks
    return form_ties(order.astype(np.int64), ties.partner, ties.kind, ties.degree,
                     people.target_degree, people.alive, people.pid, people.age_days,
                     people.school, people.neighbourhood, people.risk_score, people.level,
                     pools.school_ptr, pools.school_members, pools.nbhd_ptr, pools.nbhd_members,
                     net.share_school, net.age_window_years,
                     net.homophily_risk if scenario.processes.risk_factors else 0.0,
                     net.homophily_involvement if involvement_homophily else 0.0,
                     key, step, ATTEMPTS_PER_TIE)


def add_sibling_ties(people: People, ties: Ties, slots: np.ndarray) -> None:
    """Tie each of ``slots`` to the other young people of their household."""
    slots = slots[people.alive[slots] == 1]
    if slots.size == 0:
        return
    hh = people.household
    living = np.nonzero(people.alive == 1)[0]
    order = living[np.argsort(hh[living], kind="stable")]
    keys = hh[order]
    lo = np.searchsorted(keys, hh[slots], side="left")
    hi = np.searchsorted(keys, hh[slots], side="right")
    tie_households(slots.astype(np.int64), order.astype(np.int64), lo, hi, ties.partner,
                   ties.kind, ties.degree, TIE_FAMILY)


def add_gang_ties(people: People, ties: Ties, members: np.ndarray, density: float,
                  key, gang_index: int) -> None:
    """Tie each pair of gang members with probability ``density`` (a dense cluster)."""
    tie_group(members.astype(np.int64), people.pid, ties.partner, ties.kind, ties.degree,
              float(density), key, gang_index, TIE_GANG)


def make_lines(scenario: Scenario, world: World, rng: np.random.Generator) -> Lines:
    """County lines with territories of neighbouring (by index) neighbourhoods."""
    ex = scenario.exploiters
    n = ex.n_lines
    n_nbhd = world.nbhd_share.shape[0]
    size = min(ex.territory_neighbourhoods, n_nbhd)
    territory = np.zeros((n, size), np.int32)
    # Assumption: lines set up where deprivation is higher (weighting by exp(deprivation)).
    w = np.exp(world.nbhd_deprivation) * world.nbhd_share
    w = w / w.sum()
    for line in range(n):
        territory[line] = rng.choice(n_nbhd, size=size, replace=False, p=w)
    return Lines(active=np.ones(n, np.uint8), territory=territory,
                 n_exploited=np.zeros(n, np.int32), recruited_this_year=np.zeros(n, np.int32),
                 reopen_step=np.zeros(n, np.int32), rel_disruption=np.ones(n))


def build_world(scenario: Scenario, streams: Streams):
    """Create people, ties, the world tables, lines and gangs at the start of a run."""
    n = scenario.n_young_people
    rng = np.random.default_rng(int(streams["create_neighbourhood"]))
    names, share, dep = make_neighbourhoods(scenario, rng)
    n_nbhd = len(names)

    capacity = int(n * CAPACITY_MARGIN) + 64
    people = People.empty(capacity)
    pids = np.arange(n, dtype=np.int64)
    slots = np.arange(n, dtype=np.int64)
    ages = initial_ages(scenario, streams, pids)

    u = draws(streams["create_neighbourhood"], 0, pids, 0)
    nbhd = np.minimum(np.searchsorted(np.cumsum(share), u, side="right"), n_nbhd - 1)
    household, hh_nbhd = make_households(scenario, nbhd, n_nbhd,
                                         np.random.default_rng(int(streams["create_household"])))

    years = ages / 365.25
    n_school_age = int(np.sum(years < 18))
    n_schools = max(1, round(n_school_age / scenario.population.school_size))
    school_rng = np.random.default_rng(int(streams["school"]))
    school_nbhd = school_rng.choice(n_nbhd, size=n_schools, p=share).astype(np.int32)

    places = make_places(scenario, share, np.random.default_rng(int(streams["create_place"])))
    world = World(nbhd_names=names, nbhd_share=share, nbhd_deprivation=dep,
                  school_nbhd=school_nbhd,
                  households=households_table(scenario, streams, hh_nbhd, dep), places=places,
                  place_types=[t.kind for t in scenario.places.types],
                  at_risk_threshold=np.inf, cohort_size=cohort_size(scenario))

    assign_people(people, slots, pids, ages, scenario, streams, world, household)
    # 'At risk' = the top at_risk_share by risk score; the threshold is kept for new cohorts.
    if scenario.processes.risk_factors and n > 0:
        world.at_risk_threshold = float(
            np.quantile(people.risk_score[slots], 1.0 - scenario.contagion.at_risk_share))
        flag = people.risk_score[slots] >= world.at_risk_threshold
        people.at_risk_flag[slots] = flag
        people.level[slots] = np.where(flag, AT_RISK, NONE)
    seed_involvement(people, slots, scenario, streams)
    # Put people who are likely to be friends in neighbouring slots (same neighbourhood, school
    # and age): ties, pools and exposure then touch nearby memory, which at a million young
    # people makes rewiring and contagion several times faster. Draws are keyed by person id,
    # so this changes no one's luck.
    people.reorder(np.lexsort((people.age_days[:n], people.school[:n],
                               people.neighbourhood[:n])))

    ties = Ties.empty(capacity, scenario.networks.max_degree)
    if scenario.networks.sibling_ties:
        add_sibling_ties(people, ties, slots)
    gangs, gang_areas = choose_gangs(people, scenario, streams, world,
                         np.random.default_rng(int(streams["create_gang"])))
    for g, members in enumerate(gangs):
        add_gang_ties(people, ties, members, scenario.networks.gang_tie_density,
                      streams["create_gang"], g)
    pools = build_pools(people, world)
    # Visit people in a random order so that no slot range fills its friendships first.
    order = np.argsort(draws(streams["create_network"], 1, pids, 0), kind="stable")
    grow_ties(people, ties, pools, scenario, order, streams["create_network"], 0,
              involvement_homophily=False)
    lines = make_lines(scenario, world, np.random.default_rng(int(streams["create_exploiter"])))
    return people, ties, world, lines, gang_areas, pools


def top_up_gangs(model) -> int:
    """Yearly: gangs replace members who left with involved young people of their areas.

    Assumption: gangs persist as groups (seed: two known gangs in Ipswich over years) while
    their members age out; replacements are the most at-risk involved 14+ year-olds nearby.
    """
    sc = model.scenario
    p = model.people
    added = 0
    for g, areas in enumerate(model.gang_areas):
        members = np.nonzero((p.alive == 1) & (p.gang == g))[0]
        deficit = sc.networks.gang_size - members.size
        if deficit <= 0:
            continue
        cand = np.nonzero((p.alive == 1) & (p.gang < 0) & (p.level >= INVOLVED)
                          & (p.age_days >= int(14 * 365.25))
                          & np.isin(p.neighbourhood, areas))[0]
        if cand.size == 0:
            continue
        u = draws(model.streams["gang_topup"], model.t, p.pid[cand], g)
        score = p.risk_score[cand] - np.log(-np.log(np.clip(u, 1e-300, None)))
        new = cand[np.argsort(-score, kind="stable")[:deficit]]
        p.gang[new] = g
        add_gang_ties(p, model.ties, np.concatenate([members, new]),
                      sc.networks.gang_tie_density, model.streams["gang_topup"], g)
        added += new.size
    return added
