"""Fear of violence (ODD: fear): residents' worry and young people's fear of becoming victims.

Residents of neighbourhood n hear of this step's incidents with weights (a weapon, a serious
injury, a young victim weigh more) and of the homicides among the serious weapon incidents
(drawn here, each as salient as ``homicide_salience`` weapon incidents) and of the scenario's
high-profile events. What they hear is a rate per 1,000 residents a year, a mix of their own
neighbourhood's, the adjacent ones' and the whole area's (local media); they remember it with
a half-life (``perceived`` for incidents, ``salience`` for homicides and events, exponentially
weighted so that one event's total weight over time is its weight whatever the half-life).
The share worried about knife crime is

``logit W_n = logit W_ref + slope·ln((floor + (perceived_n + salience_n)/reference)/(floor + 1))
+ ln(rel_worry_n)``

so W equals the London average ``W_ref`` where the perceived risk is London's knife crime rate.
A young person's chance of being afraid adds to the same local term (``fear_slope``) the
decaying log-odds their own (``fear_per_victimisation``) and their friends' victimisations
leave, and their intervention modifier ``rel_fear``. Fear raises starting to carry a weapon
(:mod:`vsim.processes.weapon_carrying`). Switched off, nothing here runs and fear stays 0.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import prange

from vsim.compiled import kernel, threaded_kernel
from vsim.outcomes import AFRAID, WORRIED
from vsim.processes.base import Process
from vsim.rng import draw
from vsim.state import Worry, people_view
from vsim.vocabulary import REL_FEAR

FearPeople = people_view("FearPeople", (
    "alive", "neighbourhood", "fear", "fear_from_victimisation", "modifiers"), __name__)


class FearRates(NamedTuple):
    """What residents hear of and remember, and how worry and fear respond, per step."""

    weight_weapon: float
    weight_serious_injury: float
    weight_other: float
    young_victim_factor: float
    p_homicide: float
    homicide_salience: float
    keep: float  # share of remembered incidents left after a step
    keep_salience: float  # the same for homicides and events
    keep_personal: float  # the same for fear left by victimisation
    spread_area: float
    spread_neighbours: np.ndarray  # per neighbourhood: 0 where none is listed as adjacent
    adjacent_ptr: np.ndarray  # int64 [n + 1]: neighbourhood g's neighbours are
    adjacent: np.ndarray  # int64: adjacent[adjacent_ptr[g]:adjacent_ptr[g + 1]]
    per_year: float  # steps in a year
    reference_rate: float
    worried_logit: float  # logit of the London-average worry
    worry_slope: float
    worry_floor: float
    afraid_logit: float
    fear_slope: float
    fear_per_victimisation: float
    fear_per_friend_victimisation: float
    event_step: np.ndarray  # int64, model step of each [[fear.events]] row
    event_neighbourhood: np.ndarray  # int64, -1 for an area-wide event
    event_weight: np.ndarray


class FearKeys(NamedTuple):
    """Random stream of the homicides residents hear of."""

    homicide: np.uint64


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def _keep(weeks: float, half_life: float) -> float:
    """Share of a memory left after a step of ``weeks`` with this half-life."""
    return 0.5 ** (weeks / half_life)


@kernel
def hear_of_incidents(incidents, rates, key, t, signal, homicides):
    """Add each incident's weight to its neighbourhood's ``signal``; draw homicides.

    Returns the number of homicides (each also counted in ``homicides`` by neighbourhood).
    """
    weapon, serious, under25 = incidents.weapon, incidents.serious, incidents.victim_under25
    where, perpetrator_id = incidents.neighbourhood, incidents.perpetrator_id
    n_homicides = 0
    for r in range(weapon.shape[0]):
        w = 0.0
        if weapon[r] != 0:
            w += rates.weight_weapon
        if serious[r] != 0:
            w += rates.weight_serious_injury
        if w == 0.0:
            w = rates.weight_other
        if under25[r] != 0:
            w *= rates.young_victim_factor
        g = where[r]
        signal[g] += w
        # a perpetrator offends at most once a step, so (t, id) keys one draw per incident
        if (weapon[r] != 0 and serious[r] != 0
                and draw(key, t, perpetrator_id[r], 0) < rates.p_homicide):
            homicides[g] += 1.0
            n_homicides += 1
    return n_homicides


@kernel
def remember_and_worry(worry, signal, salient, area_story, rates, local_term):
    """Spread what was heard, remember it, and set each neighbourhood's worry.

    ``signal`` and ``salient`` are this step's weights by neighbourhood (incidents; homicides
    and local events); ``area_story`` the weight of area-wide events, heard in every
    neighbourhood as a local event is in its own. Fills ``local_term`` (the log-odds the
    perceived risk adds, before the slope) and returns the residents' mean worried share.
    """
    residents, perceived, salience = worry.residents, worry.perceived, worry.salience
    worried, rel_worry = worry.worried, worry.rel_worry
    ptr, adjacent, b = rates.adjacent_ptr, rates.adjacent, rates.spread_neighbours
    a, per_year, n = rates.spread_area, rates.per_year, residents.shape[0]
    all_residents = 0.0
    area_signal = 0.0
    area_salient = 0.0
    for g in range(n):
        all_residents += residents[g]
        area_signal += signal[g]
        area_salient += salient[g]
    area_signal = area_signal * per_year / (all_residents / 1000.0)
    area_salient = area_salient * per_year / (all_residents / 1000.0)
    worried_residents = 0.0
    for g in range(n):
        thousands = residents[g] / 1000.0
        near_signal = 0.0
        near_salient = 0.0
        for k in range(ptr[g], ptr[g + 1]):
            j = adjacent[k]
            near_signal += signal[j] * per_year / (residents[j] / 1000.0)
            near_salient += salient[j] * per_year / (residents[j] / 1000.0)
        m = ptr[g + 1] - ptr[g]
        if m > 0:
            near_signal /= m
            near_salient /= m
        own = 1.0 - a - b[g]
        heard = (own * (signal[g] * per_year / thousands) + b[g] * near_signal
                 + a * area_signal)
        heard_salient = (own * (salient[g] * per_year / thousands) + b[g] * near_salient
                         + a * area_salient + area_story * per_year / thousands)
        perceived[g] = rates.keep * perceived[g] + (1.0 - rates.keep) * heard
        salience[g] = (rates.keep_salience * salience[g]
                       + (1.0 - rates.keep_salience) * heard_salient)
        risk = (perceived[g] + salience[g]) / rates.reference_rate
        local_term[g] = np.log((rates.worry_floor + risk) / (rates.worry_floor + 1.0))
        x = rates.worried_logit + rates.worry_slope * local_term[g]
        if rel_worry[g] != 1.0:
            x += np.log(rel_worry[g])
        worried[g] = 1.0 / (1.0 + np.exp(-x))
        worried_residents += worried[g] * residents[g]
    return worried_residents / all_residents


@kernel
def fear_left_by_victimisation(people, partner, degree, victims, rates):
    """Decay the fear victimisation leaves, then add this step's victims' and their friends'.

    Serial: a victim's friends are written from their row, which two threads could share.
    """
    left = people.fear_from_victimisation
    keep = rates.keep_personal
    for i in range(left.shape[0]):
        if left[i] != 0.0:
            left[i] *= keep
            if left[i] < 1e-6:
                left[i] = 0.0
    for r in range(victims.shape[0]):
        v = victims[r]
        if v < 0:
            continue
        left[v] += rates.fear_per_victimisation
        for k in range(degree[v]):
            left[partner[v, k]] += rates.fear_per_friend_victimisation


@threaded_kernel
def young_people_fear(people, local_term, rates):
    """Each living young person's chance of fear, from their neighbourhood and what is left.

    ``local_term[n]`` is the log-odds their neighbourhood's perceived risk adds (before
    ``fear_slope``).
    """
    alive, home, fear = people.alive, people.neighbourhood, people.fear
    left, rel_fear = people.fear_from_victimisation, people.modifiers[REL_FEAR]
    # Most young people have no fear left by victimisation and no modifier: their fear is
    # their neighbourhood's, computed once here (the same arithmetic, so the same bits).
    base = np.empty(local_term.shape[0], np.float32)
    for g in range(local_term.shape[0]):
        base[g] = 1.0 / (1.0 + np.exp(-(rates.afraid_logit + rates.fear_slope * local_term[g])))
    for i in prange(alive.shape[0]):
        if alive[i] == 0:
            continue
        if left[i] == 0.0 and rel_fear[i] == 1.0:
            fear[i] = base[home[i]]
        else:
            x = rates.afraid_logit + rates.fear_slope * local_term[home[i]] + left[i]
            if rel_fear[i] != 1.0:  # float32 modifier: its log in float64, like the rest
                x += np.log(np.float64(rel_fear[i]))
            fear[i] = 1.0 / (1.0 + np.exp(-x))


@kernel
def living_sum(values, alive):
    """The sum of ``values`` over the living, in slot order (the same bits on any threads)."""
    total = 0.0
    n = 0
    for i in range(alive.shape[0]):
        if alive[i] == 1:
            total += values[i]
            n += 1
    return total, n


def adjacency(area, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The listed adjacency, made symmetric, as CSR (pointers, neighbours in name order)."""
    index = {name: k for k, name in enumerate(names)}
    near: list[set[int]] = [set() for _ in names]
    for nbhd in area.neighbourhoods:
        for other in nbhd.adjacent:
            near[index[nbhd.name]].add(index[other])
            near[index[other]].add(index[nbhd.name])
    ptr = np.zeros(len(names) + 1, np.int64)
    ptr[1:] = np.cumsum([len(s) for s in near])
    flat = [j for s in near for j in sorted(s)]
    return ptr, np.array(flat, np.int64)


class Fear(Process):
    """Residents hear of incidents and worry; young people fear becoming victims."""

    name = "fear"
    switch = "fear"
    description = ("residents hear of incidents and homicides (memory, spread) and worry; "
                   "young people's fear from local risk and victimisation")
    reads = ("fear", "area", "time")
    Keys = FearKeys
    counts = ("homicides",)
    People = FearPeople

    @classmethod
    def rates_for(cls, sections, weeks):
        """From [fear]; adjacency from [area]; event dates as steps from [time]."""
        f, area, time = sections.fear, sections.area, sections.time
        names = ([n.name for n in area.neighbourhoods]
                 or [f"neighbourhood {i + 1}" for i in range(area.n_neighbourhoods)])
        ptr, near = adjacency(area, names)
        # the step whose days hold the date (floor division also before the start)
        steps = [time.n_burn_in_steps + (e.date - time.start).days // time.step_days
                 for e in f.events]
        where = [names.index(e.neighbourhood) if e.neighbourhood else -1 for e in f.events]
        return FearRates(
            f.weight_weapon, f.weight_serious_injury, f.weight_other, f.young_victim_factor,
            f.p_homicide, f.homicide_salience, _keep(weeks, f.half_life_weeks),
            _keep(weeks, f.homicide_half_life_weeks), _keep(weeks, f.personal_half_life_weeks),
            f.spread_area, np.where(np.diff(ptr) > 0, f.spread_neighbours, 0.0), ptr, near,
            52.0 / weeks,
            f.reference_rate, _logit(f.worried_reference), f.worry_slope, f.worry_floor,
            _logit(f.afraid_reference), f.fear_slope, f.fear_per_victimisation,
            f.fear_per_friend_victimisation, np.array(steps, np.int64),
            np.array(where, np.int64), np.array([f.event_weight(e) for e in f.events], np.float64))

    def step(self) -> None:
        """Hear of this step's incidents and events, remember, worry; young people's fear."""
        m, r = self.model, self.rates
        worry = m.worry
        n = worry.perceived.shape[0]
        signal, homicides = np.zeros(n), np.zeros(n)
        self.count("homicides", hear_of_incidents(m.incidents, r, self.keys.homicide, m.t,
                                                  signal, homicides))
        salient = homicides * r.homicide_salience
        now = r.event_step == m.t
        local = now & (r.event_neighbourhood >= 0)
        np.add.at(salient, r.event_neighbourhood[local], r.event_weight[local])
        area_story = float(r.event_weight[now & (r.event_neighbourhood < 0)].sum())
        local_term = np.zeros(n)
        m.fear_now[WORRIED] = remember_and_worry(worry, signal, salient, area_story, r,
                                                 local_term)
        people = self.people()
        fear_left_by_victimisation(people, m.ties.partner, m.ties.degree, m.incidents.victim, r)
        self.on_threads(young_people_fear)(people, local_term, r)
        total, alive = living_sum(people.fear, people.alive)
        m.fear_now[AFRAID] = total / alive if alive else math.nan

    def saved_state(self) -> dict:
        """The shares of the last step, which the recorder reads at the start."""
        return dict(self.model.fear_now)

    def restore_state(self, state: dict) -> None:
        """Take back the last step's shares."""
        self.model.fear_now.update(state)


def empty_worry(residents: np.ndarray) -> Worry:
    """Neighbourhoods' worry before anything is heard of (no memory, the modifiers at 1)."""
    n = residents.shape[0]
    return Worry(np.zeros(n), np.zeros(n), np.zeros(n), np.ones(n), residents.astype(np.float64))
