"""Justice (ODD: justice): detection, charge, custody (incapacitation) and release.

A recorded incident leads to the perpetrator being identified with probability
``p_suspect_identified`` (police attention: a record and 'known to police' for a few weeks),
charged with ``p_charge`` and sent to custody with ``p_custody`` (``p_custody_weapon`` for a
weapon or serious injury) for an exponentially distributed time of mean ``dur_custody_weeks``.
Weapon carriers are found in stop and search at a weekly rate (possession of weapons).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from vsim.compiled import kernel
from vsim.processes.base import Process
from vsim.rng import draw
from vsim.state import people_view

RECORD_MAX = 32767  # the record counter is int16


JusticePeople = people_view("JusticePeople", (
    "alive", "pid", "weapon", "custody_until", "record", "known_until", "neighbourhood"),
    __name__)


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


@kernel
def detection_kernel(incidents, people, rates, keys, t):
    """Police response to this step's incidents; returns (identified, charged, to custody)."""
    identified = 0
    charged = 0
    jailed = 0
    pid, record = people.pid, people.record
    known_until, custody_until = people.known_until, people.custody_until
    perpetrator, recorded = incidents.perpetrator, incidents.recorded
    weapon, serious_injury = incidents.weapon, incidents.serious
    for r in range(perpetrator.shape[0]):
        if recorded[r] == 0:
            continue
        i = perpetrator[r]
        if draw(keys.detect, t, pid[i], 0) >= rates.p_identify:
            continue
        identified += 1
        if record[i] < RECORD_MAX:
            record[i] += 1
        known_until[i] = max(known_until[i], t + rates.known_steps)
        if draw(keys.detect, t, pid[i], 1) >= rates.p_charge:
            continue
        charged += 1
        serious = weapon[r] != 0 or serious_injury[r] != 0
        p_jail = rates.p_custody_weapon if serious else rates.p_custody
        if draw(keys.custody, t, pid[i], 0) < p_jail:
            u = draw(keys.custody, t, pid[i], 1)
            length = 1 + int(-np.log1p(-u) * rates.mean_custody_steps)
            custody_until[i] = max(custody_until[i], t + 1 + length)
            jailed += 1
    return identified, charged, jailed


@kernel
def stop_search_kernel(people, rates, keys, t, found_by_nbhd):
    """Stop and search of weapon carriers, and releases from custody due at the step's end.

    Returns (possession offences found, young people released): both visit everyone, so
    one pass serves them.
    """
    found = 0
    released = 0
    alive, pid, weapon = people.alive, people.pid, people.weapon
    custody_until = people.custody_until
    record, known_until, home = people.record, people.known_until, people.neighbourhood
    p_find, known_steps, key = rates.p_find, rates.known_steps, keys.detect
    for i in range(alive.shape[0]):
        if alive[i] == 0:
            continue
        if custody_until[i] == t + 1:
            released += 1
        if weapon[i] == 0 or custody_until[i] > t:
            continue
        if draw(key, t, pid[i], 2) < p_find:
            found += 1
            found_by_nbhd[home[i]] += 1
            weapon[i] = 0
            if record[i] < RECORD_MAX:
                record[i] += 1
            known_until[i] = max(known_until[i], t + known_steps)
    return found, released


class Justice(Process):
    """Detection, custody and release; stop and search of weapon carriers."""

    name = "justice"
    switch = "justice"
    description = "detection, charge, custody and release; stop and search for weapons"
    reads = ("justice",)
    Keys = JusticeKeys
    counts = ("identified", "charged", "sent_to_custody", "possession_offences", "released")
    People = JusticePeople

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
        p = self.people()
        identified, charged, jailed = detection_kernel(m.incidents, p, self.rates, self.keys,
                                                       m.t)
        found, released = stop_search_kernel(p, self.rates, self.keys, m.t,
                                             m.possession_by_nbhd)
        self.count("identified", identified)
        self.count("charged", charged)
        self.count("sent_to_custody", jailed)
        self.count("possession_offences", found)
        self.count("released", released)
