"""Weapon carrying (ODD: weapon-carrying): young people start and stop carrying a weapon.

Starting is more likely with recent victimisation (carrying for protection), exploitation and
deeper involvement, and, with the fear process on, with fear of becoming a victim: the share
``s`` of starting that is for self-protection scales with fear, ``× ((1 − s) + s·F_i/F_ref)``,
1 at the reference fear (:mod:`vsim.processes.fear`). Carriers stop at a constant rate.
Carrying raises the perpetration hazard, the share of incidents with a weapon and, through
them, serious injury; carriers can be found in stop and search
(:mod:`vsim.processes.justice`). Switched off, nobody starts or stops.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import prange

from vsim.compiled import threaded_kernel
from vsim.processes.base import Process
from vsim.rng import draw
from vsim.state import people_view

CarryingPeople = people_view("CarryingPeople", (
    "alive", "pid", "weapon", "custody_until", "victimisation", "level", "exploited_by",
    "fear"),
    __name__)


class CarryingRates(NamedTuple):
    """Starting and stopping per week, and the weeks in a step."""

    p_start: float  # weekly, average risk, not involved, not victimised
    coef_victimisation: float  # starting × (1 + c·V)
    rel_exploited: float  # starting × this if exploited
    p_stop: float  # weekly
    weeks: float
    self_protection: float  # s: share of starting that scales with fear (0: fear off)
    afraid_reference: float  # F_ref: the fear at which the rate is unchanged


class CarryingKeys(NamedTuple):
    """Random stream of weapon carrying."""

    carry: np.uint64


@threaded_kernel
def carrying_kernel(people, rates, keys, t):
    """Start and stop carrying; returns how many started.

    Starting rises with victimisation, exploitation and involvement.
    """
    started = 0
    weeks = rates.weeks
    alive, pid, weapon = people.alive, people.pid, people.weapon
    custody_until, fear = people.custody_until, people.fear
    self_protection, afraid_reference = rates.self_protection, rates.afraid_reference
    victimisation, level, exploited_by = people.victimisation, people.level, people.exploited_by
    p_start, p_stop, key = rates.p_start, rates.p_stop, keys.carry
    coef_victimisation, rel_exploited = rates.coef_victimisation, rates.rel_exploited
    for i in prange(alive.shape[0]):
        if alive[i] == 0 or custody_until[i] > t:
            continue
        u = draw(key, t, pid[i], 0)
        if weapon[i] != 0:
            if u < 1.0 - (1.0 - p_stop) ** weeks:
                weapon[i] = 0
        else:
            # Assumption: each involvement level multiplies the chance of carrying by (1+level)
            # (evidence: assume-weapon-carrying).
            rate = (p_start * (1.0 + coef_victimisation * victimisation[i])
                    * (1.0 + level[i]))
            if exploited_by[i] >= 0:
                rate *= rel_exploited
            if self_protection > 0.0:
                rate *= (1.0 - self_protection) + self_protection * fear[i] / afraid_reference
            if rate > 1.0:
                rate = 1.0
            # 1 − (1 − rate)^weeks ≤ weeks·rate/(1 − rate): skip the power for most draws.
            if rate < 1.0 and u >= weeks * rate / (1.0 - rate):
                continue
            if u < 1.0 - (1.0 - rate) ** weeks:
                weapon[i] = 1
                started += 1
    return started


class WeaponCarrying(Process):
    """Young people start carrying a weapon with risk, and stop."""

    name = "weapon_carrying"
    switch = "weapon_carrying"
    description = ("start carrying a weapon (victimisation, exploitation, involvement, fear); "
                   "stop")
    reads = ("offending", "exploiters", "fear", "processes")
    Keys = CarryingKeys
    counts = ("started_carrying",)
    People = CarryingPeople

    @classmethod
    def rates_for(cls, sections, weeks):
        """From [offending], the exploitation multiplier of [exploiters] and [fear]."""
        o, fear = sections.offending, sections.fear
        s = fear.self_protection_share if sections.processes.fear else 0.0
        return CarryingRates(o.p_start_carrying, o.coef_carry_victimisation,
                             sections.exploiters.rel_carry_if_exploited, o.p_stop_carrying,
                             weeks, s, fear.afraid_reference)

    def step(self) -> None:
        """Update who carries a weapon."""
        m = self.model
        started = self.on_threads(carrying_kernel)(self.people(), self.rates, self.keys, m.t)
        self.count("started_carrying", started)
