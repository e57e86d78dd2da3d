"""Assemble the starting world of a run from a scenario: population, households, ties, lines."""

from __future__ import annotations

import ctypes
import ctypes.util
from dataclasses import dataclass

import numpy as np

from vsim.networks import TieRule, build_pool, form_ties, slots_by_key, tie_group, tie_households
from vsim.population import (
    World,
    assign_people,
    choose_gangs,
    cohort_size,
    households_table,
    initial_ages,
    make_households,
    make_neighbourhoods,
    make_places,
    pick_by_share,
    seed_involvement,
)
from vsim.risk import RiskModel
from vsim.rng import Streams, draws
from vsim.scenario import Scenario
from vsim.state import Lines, People, Pools, Ties
from vsim.vocabulary import AT_RISK, DAYS_PER_YEAR, INVOLVED, N_AGES, NONE, TIE_FAMILY, TIE_GANG

# Spare slots beyond the starting population, for cohorts that enter before others leave.
CAPACITY_MARGIN = 1.15
# Tries per missing tie when forming ties (a candidate can be refused by homophily).
ATTEMPTS_PER_TIE = 6
# Gang members are recruited among young people of this age and older. Assumption (evidence:
# assume-gangs).
GANG_MIN_AGE = 14


@dataclass
class StartingWorld:
    """What a run starts from: the state groups, the area's tables and the risk model."""

    people: People
    ties: Ties
    world: World
    lines: Lines
    gang_areas: list[np.ndarray]
    pools: Pools
    risk: RiskModel


def build_pools(people: People, world: World) -> Pools:
    """Pools keyed by (school, age) and (neighbourhood, age), and the users of each place.

    Also sets each place's number of users (the denominator of its heat).
    """
    s_ptr, s_mem = build_pool(people.school, people.age_days, people.alive,
                              max(1, world.school_nbhd.shape[0]))
    n_ptr, n_mem = build_pool(people.neighbourhood, people.age_days, people.alive,
                              world.nbhd_share.shape[0])
    n_places = world.places.kind.shape[0]
    ptr, members = build_pool(people.place, people.age_days, people.alive, max(1, n_places))
    # build_pool keys by (place, age); collapse the ages into one range per place.
    place_ptr = ptr[::N_AGES].copy()
    world.places.users[:] = np.maximum(np.diff(place_ptr)[:n_places], 1)
    return Pools(s_ptr, s_mem, n_ptr, n_mem, place_ptr, members)


def tie_rule(scenario, involvement_homophily: bool) -> TieRule:
    """How friendships form: the [networks] settings (selection on involvement optional)."""
    net = scenario.networks
    return TieRule(float(net.share_school), int(net.age_window_years),
                   float(net.homophily_risk) if scenario.processes.risk_factors else 0.0,
                   float(net.homophily_involvement) if involvement_homophily else 0.0)


def add_sibling_ties(people: People, ties: Ties, slots: np.ndarray) -> None:
    """Tie each of ``slots`` to the other young people of their household."""
    slots = slots[people.alive[slots] == 1]
    if slots.size == 0:
        return
    hh = people.household
    # int32 members, the household range looked up in the kernel, the living counted in the
    # counting sort (no masked copy): at the build the int64 copies and per-slot ranges were
    # the build's peak (~40 B a young person). A dead slot's stale household only lengthens ptr.
    ptr, order = slots_by_key(hh, int(hh.max()) + 1, people.alive)
    tie_households(slots, hh, ptr, order, ties, TIE_FAMILY)


def add_gang_ties(people: People, ties: Ties, members: np.ndarray, density: float,
                  key, gang_index: int) -> None:
    """Tie each pair of gang members with probability ``density`` (a dense cluster)."""
    tie_group(members.astype(np.int64), people.pid, ties, float(density), key, gang_index,
              TIE_GANG)


def make_lines(scenario: Scenario, world: World, streams: Streams) -> Lines:
    """County lines, each with a territory of neighbourhoods drawn without replacement."""
    ex = scenario.exploiters
    n = ex.n_lines
    n_nbhd = world.nbhd_share.shape[0]
    size = min(ex.territory_neighbourhoods, n_nbhd)
    territory = np.zeros((n, size), np.int32)
    # Assumption: lines set up where deprivation is higher (weighting by exp(deprivation);
    # evidence: assume-line-territory).
    log_w = world.nbhd_deprivation + np.log(world.nbhd_share)
    for line in range(n):
        # Gumbel-top-k: the `size` largest log w + Gumbel noise are a weighted draw without
        # replacement, in the order a sequential draw would give.
        u = draws(streams["create_exploiter"], line, np.arange(n_nbhd, dtype=np.int64), 0)
        keys = log_w - np.log(-np.log(np.clip(u, 1e-300, None)))
        territory[line] = np.argsort(-keys, kind="stable")[:size]
    return Lines(active=np.ones(n, np.uint8), territory=territory,
                 n_exploited=np.zeros(n, np.int32), recruited_this_year=np.zeros(n, np.int32),
                 reopen_step=np.zeros(n, np.int32), rel_disruption=np.ones(n))


def _area(scenario: Scenario, streams: Streams, ages: np.ndarray):
    """Neighbourhoods, households and schools: the world tables, and everyone's household."""
    n = scenario.n_young_people
    names, share, dep = make_neighbourhoods(scenario)
    pids = np.arange(n, dtype=np.int64)
    nbhd = pick_by_share(share, draws(streams["create_neighbourhood"], 0, pids, 0))
    household, hh_nbhd = make_households(scenario, nbhd, len(names), streams)
    n_school_age = int(np.sum(ages / DAYS_PER_YEAR < 18))
    n_schools = max(1, round(n_school_age / scenario.population.school_size))
    school_nbhd = pick_by_share(share, draws(streams["create_school"], 0,
                                             np.arange(n_schools, dtype=np.int64), 0))
    world = World(nbhd_names=names, nbhd_share=share, nbhd_deprivation=dep,
                  school_nbhd=school_nbhd.astype(np.int32),
                  households=households_table(scenario, streams, hh_nbhd, dep),
                  places=make_places(scenario, share, streams),
                  place_types=[t.kind for t in scenario.places.types],
                  at_risk_threshold=np.inf, cohort_size=cohort_size(scenario))
    return world, household


def give_back_freed_memory() -> None:
    """Return the freed scratch of the build to the system (glibc's ``malloc_trim``).

    glibc keeps freed arrays below its adaptive mmap threshold resident: after the build
    about 60 B a young person (experiments/memory_at_build.py). Elsewhere this does nothing.
    """
    try:
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: its allocator decides
        pass


def build_world(scenario: Scenario, streams: Streams) -> StartingWorld:
    """Create people, ties, the world tables, lines and gangs at the start of a run."""
    n = scenario.n_young_people
    capacity = int(n * CAPACITY_MARGIN) + 64
    # a run without interventions never sets a modifier: it holds none (vsim.state.People)
    people = People.empty(capacity, with_modifiers=bool(scenario.interventions))
    pids = np.arange(n, dtype=np.int64)
    slots = np.arange(n, dtype=np.int64)
    ages = initial_ages(scenario, streams, pids)
    world, household = _area(scenario, streams, ages)
    risk = RiskModel(scenario, world.nbhd_deprivation)
    assign_people(people, slots, pids, ages, scenario, streams, world, household, risk)
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

    # Let go of the per-person scratch before the tie table is made, and hand it back to the
    # system (experiments/memory_at_build.py): it would otherwise sit under everything after.
    del pids, slots, ages, household
    give_back_freed_memory()
    ties = Ties.empty(capacity, scenario.networks.max_degree)
    everyone = np.arange(n, dtype=np.int64)  # their slots, and their ids before the reorder
    if scenario.networks.sibling_ties:
        add_sibling_ties(people, ties, everyone)
    gangs, gang_areas = choose_gangs(people, scenario, streams, world)
    for g, members in enumerate(gangs):
        add_gang_ties(people, ties, members, scenario.networks.gang_tie_density,
                      streams["create_gang"], g)
    del gangs
    pools = build_pools(people, world)
    # Visit people in a random order so that no slot range fills its friendships first.
    # (the ids go before the sort: its draws, order and scratch were the build's peak)
    u = draws(streams["create_network"], 1, everyone, 0)
    del everyone
    order = np.argsort(u, kind="stable")
    del u
    give_back_freed_memory()
    form_ties(order, people, ties, pools, tie_rule(scenario, involvement_homophily=False),
              streams["create_network"], 0, ATTEMPTS_PER_TIE)
    del order
    lines = make_lines(scenario, world, streams)
    give_back_freed_memory()  # and what forming the network used
    return StartingWorld(people, ties, world, lines, gang_areas, pools, risk)


def top_up_gangs(people: People, ties: Ties, gang_areas: list[np.ndarray], networks, key,
                 tie_key, t: int) -> int:
    """Yearly: gangs replace members who left with involved young people of their areas.

    Assumption: gangs persist as groups (seed: two known gangs in Ipswich over years) while
    their members age out; replacements are the most at-risk involved 14+ year-olds nearby
    (evidence: assume-gangs, seed-suffolk). ``key`` ranks the candidates; the ties are drawn
    from ``tie_key``, the stream gangs were created with, so a pair keeps the draw it had at
    creation (an untied pair stays untied) and only pairs with a new member are new draws.
    """
    added = 0
    for g, areas in enumerate(gang_areas):
        members = np.nonzero((people.alive == 1) & (people.gang == g))[0]
        deficit = networks.gang_size - members.size
        if deficit <= 0:
            continue
        cand = np.nonzero((people.alive == 1) & (people.gang < 0) & (people.level >= INVOLVED)
                          & (people.age_days >= int(GANG_MIN_AGE * DAYS_PER_YEAR))
                          & np.isin(people.neighbourhood, areas))[0]
        if cand.size == 0:
            continue
        u = draws(key, t, people.pid[cand], g)
        score = people.risk_score[cand] - np.log(-np.log(np.clip(u, 1e-300, None)))
        new = cand[np.argsort(-score, kind="stable")[:deficit]]
        people.gang[new] = g
        add_gang_ties(people, ties, np.concatenate([members, new]), networks.gang_tie_density,
                      tie_key, g)
        added += new.size
    return added
