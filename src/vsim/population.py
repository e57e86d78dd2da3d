"""The synthetic population of an area: neighbourhoods, households, schools, places, young people.

Per-person attributes come from counter-based draws keyed by the person's id, so a person's
attributes do not depend on who else exists. Risk factors are correlated through a Gaussian
copula (a household factor shared by siblings, a personal adversity factor and neighbourhood
deprivation), as the model description asks (ODD: population): deprivation raises ACEs,
exclusion and the rest together.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from vsim.networks import slots_by_key
from vsim.risk import RiskModel, ace_counts
from vsim.rng import Streams, draws
from vsim.scenario import Scenario
from vsim.state import NEVER, Households, People, Places
from vsim.vocabulary import AT_RISK, DAYS_PER_YEAR, ENTRENCHED, INVOLVED, NONE

_PHI_INV = NormalDist().inv_cdf
# Shares of school-age pupils attending a school in their own neighbourhood. Assumption
# (evidence: assume-local-school).
P_LOCAL_SCHOOL = 0.8


@dataclass
class World:
    """Static and slowly changing tables of the area shared by the processes."""

    nbhd_names: list[str]
    nbhd_share: np.ndarray       # float64, sums to 1
    nbhd_deprivation: np.ndarray  # float64
    school_nbhd: np.ndarray      # int32, neighbourhood of each school
    households: Households
    places: Places
    place_types: list[str]
    at_risk_threshold: float
    cohort_size: int             # 10-year-olds entering each September at the start


def _normals(key, pids: np.ndarray, k: int) -> np.ndarray:
    """Standard normals by Box–Muller from two counter-based uniforms per id."""
    u1 = 1.0 - draws(key, 0, pids, 2 * k)
    u2 = draws(key, 0, pids, 2 * k + 1)
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * math.pi * u2)


def _uniform(key, pids: np.ndarray, k: int) -> np.ndarray:
    return draws(key, 0, pids, k)


def make_neighbourhoods(scenario: Scenario):
    """Names, shares and deprivation of the neighbourhoods (listed, or generated)."""
    area = scenario.area
    names = scenario.neighbourhood_names
    if area.neighbourhoods:
        share = np.array([n.share for n in area.neighbourhoods], float)
        dep = np.array([n.deprivation for n in area.neighbourhoods], float)
    else:
        k = area.n_neighbourhoods
        # Part of the area, not of the luck of a seed: equal sizes (wards are drawn to similar
        # electorates; assumption) and deprivation at the normal quantiles of the stated mean
        # and spread, most deprived first (evidence: assume-equal-neighbourhoods).
        share = np.ones(k)
        quantiles = [_PHI_INV((k - g - 0.5) / k) for g in range(k)]
        dep = area.deprivation_mean + area.deprivation_sd * np.array(quantiles)
    return names, share / share.sum(), dep


def initial_ages(scenario: Scenario, streams: Streams, pids: np.ndarray) -> np.ndarray:
    """Ages in days from the age-band shares (uniform within a band)."""
    bands = np.array([[10, 14], [14, 18], [18, 21], [21, 25]], float)
    cum = np.cumsum(scenario.population.age_band_shares)
    cum /= cum[-1]
    u_band = _uniform(streams["create_age"], pids, 0)
    band = np.minimum(np.searchsorted(cum, u_band, side="right"), 3)
    u_age = _uniform(streams["create_age"], pids, 1)
    years = bands[band, 0] + u_age * (bands[band, 1] - bands[band, 0])
    return np.minimum((years * DAYS_PER_YEAR).astype(np.int32), int(25 * DAYS_PER_YEAR) - 1)


def _thresholds(p: float, dep_loading: float) -> float:
    """Latent threshold giving national prevalence p when deprivation is N(0,1) nationally."""
    p = min(max(p, 1e-12), 1 - 1e-12)
    return math.sqrt(1.0 + dep_loading**2) * _PHI_INV(1.0 - p)


def draw_household_factors(scenario: Scenario, streams: Streams, hh_ids: np.ndarray,
                           deprivation: np.ndarray):
    """Household latent adversity, low family functioning and domestic abuse."""
    rf = scenario.risk_factors
    key = streams["create_household"]
    latent = _normals(key, hh_ids, 0)
    a, c = rf.adversity_loading, rf.deprivation_loading
    noise = math.sqrt(1 - a * a)
    on = scenario.processes.risk_factors
    low_family = (a * latent + noise * _normals(key, hh_ids, 1) + c * deprivation
                  > _thresholds(rf.p_low_family_functioning, c)) & on
    abuse = (a * latent + noise * _normals(key, hh_ids, 2) + c * deprivation
             > _thresholds(rf.p_domestic_abuse, c)) & on
    return latent, low_family.astype(np.uint8), abuse.astype(np.uint8)


def _draw_risk_factors(people: People, slots: np.ndarray, pids: np.ndarray,
                       scenario: Scenario, streams: Streams, world: World,
                       household: np.ndarray, dep: np.ndarray) -> None:
    """Risk and protective factors of new young people, correlated through a Gaussian copula.

    Each factor is a threshold on a latent score: shared adversity (a household part and a
    personal part), deprivation of the neighbourhood (``dep``) and noise (ODD: population).
    """
    rf = scenario.risk_factors
    p = people
    hh = world.households
    # Correlated risk factors: latent = household part + personal part (ODD: population).
    hh_latent, _, _ = draw_household_factors(scenario, streams, household.astype(np.int64), dep)
    adversity = math.sqrt(0.5) * hh_latent + math.sqrt(0.5) * _normals(
        streams["create_risk"], pids, 0)
    a, c = rf.adversity_loading, rf.deprivation_loading
    noise = math.sqrt(1 - a * a)
    key = streams["create_risk"]
    on = scenario.processes.risk_factors

    def factor(p_prev: float, k: int) -> np.ndarray:
        z = a * adversity + noise * _normals(key, pids, k) + c * dep
        return ((z > _thresholds(p_prev, c)) & on).astype(np.uint8)

    z_ace = a * adversity + noise * _normals(key, pids, 1) + c * dep
    any_ace = (z_ace > _thresholds(rf.p_ace_any, c)) & on
    four_plus = (z_ace > _thresholds(rf.p_ace_4plus, c)) & on
    p.ace[slots] = ace_counts(_uniform(key, pids, 100), any_ace, four_plus).astype(np.int8)
    p.excluded[slots] = factor(rf.p_excluded, 2)
    p.mental_health[slots] = factor(rf.p_mental_health, 3)
    p.substance_use[slots] = factor(rf.p_substance_use, 4)
    p.missing[slots] = factor(rf.p_missing, 5)
    p.low_family_functioning[slots] = hh.low_family_functioning[household] * on
    p.domestic_abuse[slots] = hh.domestic_abuse[household] * on

    # Protective factors are less likely with more adversity (negative loading).
    keyp = streams["create_protective"]
    half = 0.5 * a
    for name, prev, k in (("trusted_adult", rf.p_trusted_adult, 0),
                          ("positive_activities", rf.p_positive_activities, 1)):
        z = -half * adversity + math.sqrt(1 - half * half) * _normals(keyp, pids, k) - c * dep
        getattr(p, name)[slots] = ((z > _thresholds(prev, c)) & on).astype(np.uint8)



# People are filled in chunks of this many: each is drawn on its own (counter-based draws by
# permanent id), so the result is the same as all at once (tests/test_kernels.py), while a
# chunk's float64 scratch stays small: at 1,000,000 it was the build's sampled memory peak.
ASSIGN_CHUNK = 1 << 16


def assign_people(people: People, slots: np.ndarray, pids: np.ndarray, ages: np.ndarray,
                  scenario: Scenario, streams: Streams, world: World, household: np.ndarray,
                  risk: RiskModel) -> None:
    """Fill the given slots with new young people (initial population or a new cohort)."""
    for lo in range(0, slots.shape[0], ASSIGN_CHUNK):
        part = slice(lo, lo + ASSIGN_CHUNK)
        _assign_chunk(people, slots[part], pids[part], ages[part], scenario, streams, world,
                      household[part], risk)


def _assign_chunk(people: People, slots: np.ndarray, pids: np.ndarray, ages: np.ndarray,
                  scenario: Scenario, streams: Streams, world: World, household: np.ndarray,
                  risk: RiskModel) -> None:
    """:func:`assign_people` for one chunk of them."""
    on = scenario.processes.risk_factors
    p = people
    p.alive[slots] = 1
    p.pid[slots] = pids
    p.age_days[slots] = ages
    p.household[slots] = household
    hh = world.households
    nbhd = hh.neighbourhood[household]
    p.neighbourhood[slots] = nbhd
    p.male[slots] = _uniform(streams["create_sex"], pids, 0) < scenario.population.p_male
    dep = world.nbhd_deprivation[nbhd]

    _draw_risk_factors(people, slots, pids, scenario, streams, world, household, dep)

    set_schooling(people, slots, scenario, streams, world)
    _assign_places(people, slots, pids, scenario, streams, world)
    risk.refresh(people, slots)
    p.at_risk_flag[slots] = (p.risk_score[slots] >= world.at_risk_threshold) & on
    p.level[slots] = np.where(p.at_risk_flag[slots] == 1, AT_RISK, NONE).astype(np.int8)
    p.target_degree[slots] = _target_degree(scenario, streams, pids)
    # a reused slot starts empty: nothing of its last holder's history carries over
    for name in ("victimisation", "exposure", "weapon", "record", "n_offences", "fear",
                 "fear_from_victimisation"):
        getattr(p, name)[slots] = 0
    p.exploited_by[slots] = -1
    p.gang[slots] = -1
    p.custody_until[slots] = 0
    p.known_until[slots] = 0
    p.last_offence[slots] = NEVER


def _target_degree(scenario: Scenario, streams: Streams, pids: np.ndarray) -> np.ndarray:
    """Friendships sought: mean_degree split evenly around the mean (randomised rounding)."""
    m = scenario.networks.mean_degree
    base = math.floor(m)
    extra = _uniform(streams["create_network"], pids, 0) < (m - base)
    return np.minimum(base + extra, scenario.networks.max_degree).astype(np.int16)


def set_schooling(people: People, slots: np.ndarray, scenario: Scenario, streams: Streams,
                  world: World) -> None:
    """School and education/training status from age (compulsory to 16, NEET after)."""
    p = people
    pids = p.pid[slots]
    years = p.age_days[slots] / DAYS_PER_YEAR
    key = streams["school"]
    u_neet = _uniform(key, pids, 0)
    pop = scenario.population
    in_school = (years < 16) | ((years < 18) & (u_neet >= pop.p_neet_16_18))
    ete = np.where(years < 18, in_school, u_neet >= pop.p_neet_19_24)
    n_schools = world.school_nbhd.shape[0]
    u_local = _uniform(key, pids, 1)
    u_pick = _uniform(key, pids, 2)
    school = np.full(slots.shape[0], -1, np.int32)
    local = pick_in_group(world.school_nbhd, p.neighbourhood[slots], u_pick, None)
    anywhere = np.minimum((u_pick * n_schools).astype(np.int32), n_schools - 1)
    chosen = np.where((u_local < P_LOCAL_SCHOOL) & (local >= 0), local, anywhere)
    school[in_school] = chosen[in_school]
    # A young person keeps their school while they stay in school.
    keep = (p.school[slots] >= 0) & in_school
    school[keep] = p.school[slots][keep]
    p.school[slots] = school
    p.engaged_ete[slots] = ete.astype(np.uint8)


def pick_in_group(item_group: np.ndarray, wanted: np.ndarray, u: np.ndarray,
                   weight: np.ndarray | None) -> np.ndarray:
    """For each wanted group, pick an item of that group (weighted), or -1 if none."""
    if weight is None:
        return _pick_in_group_evenly(item_group, wanted, u)
    order = np.argsort(item_group, kind="stable")
    groups = item_group[order]
    cw = np.cumsum(np.asarray(weight, float)[order])
    out = np.full(wanted.shape[0], -1, np.int64)
    lo = np.searchsorted(groups, wanted, side="left")
    hi = np.searchsorted(groups, wanted, side="right")
    has = hi > lo
    start = np.where(lo > 0, cw[np.maximum(lo - 1, 0)], 0.0)
    total = cw[np.maximum(hi - 1, 0)] - start
    target = start + u * total
    idx = np.searchsorted(cw, target, side="right")
    idx = np.clip(idx, lo, np.maximum(hi - 1, lo))
    out[has] = order[idx[has]]
    return out


def _pick_in_group_evenly(item_group: np.ndarray, wanted: np.ndarray,
                          u: np.ndarray) -> np.ndarray:
    """:func:`pick_in_group` with equal weights, from a counting sort (int32, 4 B an item).

    The weighted form's sort, cumulative weights and ones cost 28 B an item, the peak of a
    cohort step at 1,000,000 (its 600,000-odd households). With weights of 1 the cumulative
    weight before item k of the sorted order is k exactly, so ``lo + u * (hi - lo)``, floored,
    is the item the weighted form picks: the same picks.
    """
    out = np.full(wanted.shape[0], -1, np.int64)
    if item_group.shape[0] == 0 or wanted.shape[0] == 0:
        return out
    n_groups = int(max(item_group.max(), wanted.max())) + 1
    ptr, members = slots_by_key(item_group, n_groups)
    valid = wanted >= 0
    group = np.where(valid, wanted, 0)
    lo, hi = ptr[group], ptr[group + 1]
    has = valid & (hi > lo)
    target = lo.astype(np.float64) + u * (hi - lo).astype(np.float64)
    idx = np.clip(np.floor(target).astype(np.int64), lo, np.maximum(hi - 1, lo))
    out[has] = members[idx[has]]
    return out


def _assign_places(people: People, slots: np.ndarray, pids: np.ndarray, scenario: Scenario,
                   streams: Streams, world: World) -> None:
    places = world.places
    n_places = places.kind.shape[0]
    if n_places == 0:
        people.place[slots] = -1
        return
    key = streams["create_place"]
    u_local = _uniform(key, pids, 0)
    u_pick = _uniform(key, pids, 1)
    local = pick_in_group(places.neighbourhood, people.neighbourhood[slots], u_pick,
                           places.attractiveness)
    cw = np.cumsum(places.attractiveness)
    if cw[-1] <= 0:
        cw = np.arange(1, n_places + 1, dtype=float)
    anywhere = np.minimum(np.searchsorted(cw, u_pick * cw[-1], side="right"), n_places - 1)
    people.place[slots] = np.where((u_local < scenario.places.p_local) & (local >= 0), local,
                                   anywhere).astype(np.int32)


def make_places(scenario: Scenario, nbhd_share: np.ndarray, streams: Streams):
    """Places of each type, each put in a neighbourhood drawn by population share."""
    kinds, nbhds, attract, guard = [], [], [], []
    key = streams["create_place_site"]
    for t_index, t in enumerate(scenario.places.types):
        kinds += [t_index] * t.count
        u = draws(key, t_index, np.arange(t.count, dtype=np.int64), 0)
        nbhds += list(pick_by_share(nbhd_share, u))
        attract += [t.attractiveness] * t.count
        guard += [t.guardianship] * t.count
    n = len(kinds)
    return Places(kind=np.array(kinds, np.int32), neighbourhood=np.array(nbhds, np.int32),
                  attractiveness=np.array(attract, float), guardianship=np.array(guard, float),
                  heat=np.zeros(n), users=np.ones(n), rel_opportunity=np.ones(n))


def pick_by_share(share: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The index each uniform ``u`` falls on when [0, 1) is cut in proportion to ``share``."""
    return np.minimum(np.searchsorted(np.cumsum(share) / np.sum(share), u, side="right"),
                      share.shape[0] - 1)


def poisson_quantile(u: np.ndarray, lam: float) -> np.ndarray:
    """Poisson(λ) values by inversion of uniforms ``u`` (counter-based draws, no generator)."""
    k = np.zeros(u.shape[0], np.int64)
    pmf = math.exp(-lam)
    cdf = np.full(u.shape[0], pmf)
    below = u >= cdf
    step = 0
    while below.any() and step < 1000:
        step += 1
        pmf *= lam / step
        k[below] += 1
        cdf[below] += pmf
        below &= u >= cdf
    return k


def make_households(scenario: Scenario, nbhd_of_person: np.ndarray, n_nbhd: int,
                    streams: Streams):
    """Group each neighbourhood's young people into households of mean size m.

    A household has one young person plus a Poisson number of siblings.
    """
    m = scenario.population.young_people_per_household
    key = streams["create_household_size"]
    household = np.empty(nbhd_of_person.shape[0], np.int64)
    hh_nbhd = []
    next_id = 0
    for g in range(n_nbhd):
        members = np.nonzero(nbhd_of_person == g)[0]
        if members.size == 0:
            continue
        u = draws(key, g, np.arange(members.size, dtype=np.int64), 0)
        sizes = 1 + poisson_quantile(u, m - 1.0)
        ends = np.cumsum(sizes)
        n_hh = int(np.searchsorted(ends, members.size, side="left")) + 1
        labels = np.repeat(np.arange(n_hh), sizes[:n_hh])[: members.size]
        household[members] = next_id + labels
        hh_nbhd += [g] * n_hh
        next_id += n_hh
    return household, np.array(hh_nbhd, np.int32)


def households_table(scenario: Scenario, streams: Streams, hh_nbhd: np.ndarray,
                     nbhd_deprivation: np.ndarray) -> Households:
    """Household factors for households 0..len(hh_nbhd)-1."""
    ids = np.arange(hh_nbhd.shape[0], dtype=np.int64)
    _, low_family, abuse = draw_household_factors(scenario, streams, ids,
                                                  nbhd_deprivation[hh_nbhd])
    return Households(neighbourhood=hh_nbhd.astype(np.int32),
                      low_family_functioning=low_family, domestic_abuse=abuse)


def add_households(world: World, scenario: Scenario, streams: Streams,
                   nbhd: np.ndarray) -> np.ndarray:
    """Create households for new entrants in the given neighbourhoods; returns their ids."""
    hh = world.households
    start = hh.neighbourhood.shape[0]
    ids = np.arange(start, start + nbhd.shape[0], dtype=np.int64)
    _, low_family, abuse = draw_household_factors(scenario, streams, ids,
                                                  world.nbhd_deprivation[nbhd])
    world.households = Households(
        neighbourhood=np.concatenate([hh.neighbourhood, nbhd.astype(np.int32)]),
        low_family_functioning=np.concatenate([hh.low_family_functioning, low_family]),
        domestic_abuse=np.concatenate([hh.domestic_abuse, abuse]))
    return ids


def seed_involvement(people: People, slots: np.ndarray, scenario: Scenario,
                     streams: Streams) -> None:
    """Initial involvement: a share weighted by risk, so burn-in starts near equilibrium.

    Assumption: 4% involved at the start (the burn-in then finds the model's own level;
    evidence: assume-initial-involvement).
    """
    if slots.size == 0:
        return
    w = np.exp(people.risk_score[slots].astype(float))
    p_inv = np.minimum(1.0, 0.04 * w / w.mean())
    u = _uniform(streams["create_state"], people.pid[slots], 0)
    involved = slots[u < p_inv]
    people.level[involved] = INVOLVED


def choose_gangs(people: People, scenario: Scenario, streams: Streams,
                 world: World) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Pick gang members among older, high-risk young people of the most deprived areas.

    Returns the members and the neighbourhoods of each gang.
    """
    net = scenario.networks
    if net.n_gangs == 0:
        return [], []
    order = np.argsort(-world.nbhd_deprivation, kind="stable")
    years = people.age_days / DAYS_PER_YEAR
    eligible = (people.alive == 1) & (years >= 14) & (people.gang < 0)
    gangs, gang_areas = [], []
    for g in range(net.n_gangs):
        areas = order[(g * net.gang_neighbourhoods) % order.size:][: net.gang_neighbourhoods]
        gang_areas.append(areas)
        pool = np.nonzero(eligible & np.isin(people.neighbourhood, areas))[0]
        if pool.size == 0:
            pool = np.nonzero(eligible)[0]
        if pool.size == 0:
            break
        # Gumbel keys from draws keyed by person id: the most at-risk, with chance.
        u = draws(streams["create_gang_member"], g, people.pid[pool], 0)
        score = people.risk_score[pool] - np.log(-np.log(np.clip(u, 1e-300, None)))
        members = pool[np.argsort(-score, kind="stable")[: net.gang_size]]
        people.gang[members] = g
        people.level[members] = ENTRENCHED
        eligible[members] = False
        gangs.append(members)
    return gangs, gang_areas


def cohort_size(scenario: Scenario) -> int:
    """10-year-olds entering each September: one year's share of the 10–13 band."""
    return max(1, round(scenario.n_young_people * scenario.population.age_band_shares[0] / 4))
