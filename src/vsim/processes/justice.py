"""Justice (DESIGN §4 step 6): detection, charge, custody (incapacitation) and release.

A recorded incident leads to the perpetrator being identified with probability
``p_suspect_identified`` (police attention: a record and 'known to police' for a few weeks),
charged with ``p_charge`` and sent to custody with ``p_custody`` (``p_custody_weapon`` for a
weapon or serious injury) for an exponentially distributed time of mean ``dur_custody_weeks``.
Weapon carriers are found in stop and search at a weekly rate (possession of weapons).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from vsim.processes.base import Process
from vsim.rng import draw

RECORD_MAX = 32767  # the record counter is int16


class JusticeRates(NamedTuple):
    """Police response per step."""

    p_identify: float
    p_charge: float
    p_custody: float
    p_custody_weapon: float
    known_steps: int
    mean_custody_steps: float
    p_find: float  # a carrier found in stop and search this step


class JusticeKeys(NamedTuple):
    """Random streams of justice."""

    detect: np.uint64
    custody: np.uint64


@njit(cache=True)
def detection_kernel(incidents, people, rates, keys, t):
    """Police response to this step's incidents; returns (identified, charged, to custody)."""
    identified = 0
    charged = 0
    jailed = 0
    pid, record = people.pid, people.record
    for r in range(incidents.perpetrator.shape[0]):
        if incidents.recorded[r] == 0:
            continue
        i = incidents.perpetrator[r]
        if draw(keys.detect, t, pid[i], 0) >= rates.p_identify:
            continue
        identified += 1
        if record[i] < RECORD_MAX:
            record[i] += 1
        people.known_until[i] = max(people.known_until[i], t + rates.known_steps)
        if draw(keys.detect, t, pid[i], 1) >= rates.p_charge:
            continue
        charged += 1
        serious = incidents.weapon[r] != 0 or incidents.serious[r] != 0
        p_jail = rates.p_custody_weapon if serious else rates.p_custody
        if draw(keys.custody, t, pid[i], 0) < p_jail:
            u = draw(keys.custody, t, pid[i], 1)
            length = 1 + int(-np.log1p(-u) * rates.mean_custody_steps)
            people.custody_until[i] = max(people.custody_until[i], t + 1 + length)
            jailed += 1
    return identified, charged, jailed


@njit(cache=True)
def stop_search_kernel(people, rates, keys, t, found_by_nbhd):
    """Weapon carriers found in stop and search: possession offences; returns count."""
    found = 0
    for i in range(people.alive.shape[0]):
        if people.alive[i] == 0 or people.weapon[i] == 0 or people.custody_until[i] > t:
            continue
        if draw(keys.detect, t, people.pid[i], 2) < rates.p_find:
            found += 1
            found_by_nbhd[people.neighbourhood[i]] += 1
            people.weapon[i] = 0
            if people.record[i] < RECORD_MAX:
                people.record[i] += 1
            people.known_until[i] = max(people.known_until[i], t + rates.known_steps)
    return found


class Justice(Process):
    """Detection, custody and release; stop and search of weapon carriers."""

    name = "justice"
    switch = "justice"
    description = "detection, charge, custody and release; stop and search for weapons"
    reads = ("justice",)
    Keys = JusticeKeys
    counts = ("identified", "charged", "sent_to_custody", "possession_offences", "released")

    @classmethod
    def rates_for(cls, sections, weeks):
        """From [justice]."""
        j = sections.justice
        return JusticeRates(
            p_identify=j.p_suspect_identified, p_charge=j.p_charge, p_custody=j.p_custody,
            p_custody_weapon=j.p_custody_weapon,
            known_steps=max(1, int(round(j.dur_known_weeks / weeks))),
            mean_custody_steps=j.dur_custody_weeks / weeks,
            p_find=1.0 - (1.0 - j.p_stop_search) ** weeks)

    def step(self) -> None:
        """Respond to this step's incidents and search for weapons."""
        m = self.model
        p = m.people
        identified, charged, jailed = detection_kernel(m.incidents, p, self.rates, self.keys,
                                                       m.t)
        found = stop_search_kernel(p, self.rates, self.keys, m.t, m.possession_by_nbhd)
        self.count("identified", identified)
        self.count("charged", charged)
        self.count("sent_to_custody", jailed)
        self.count("possession_offences", found)
        self.count("released", int(np.count_nonzero((p.custody_until == m.t + 1)
                                                    & (p.alive == 1))))
