"""Justice (DESIGN §4 step 6): detection, charge, custody (incapacitation) and release.

A recorded incident leads to the perpetrator being identified with probability
``p_suspect_identified`` (police attention: a record and 'known to police' for a few weeks),
charged with ``p_charge`` and sent to custody with ``p_custody`` (``p_custody_weapon`` for a
weapon or serious injury) for an exponentially distributed time of mean ``dur_custody_weeks``.
Weapon carriers are found in stop and search at a weekly rate (possession of weapons).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from vsim.processes.base import Process
from vsim.rng import draw


@njit(cache=True)
def detection_kernel(n, perp, recorded, weapon, serious, pid, record, known_until,
                     custody_until, t, p_identify, rel_detection, p_charge, p_custody,
                     p_custody_weapon, known_steps, mean_custody_steps, key_detect,
                     key_custody):
    """Police response to this step's incidents; returns (identified, charged, to custody)."""
    identified = 0
    charged = 0
    jailed = 0
    for r in range(n):
        if recorded[r] == 0:
            continue
        i = perp[r]
        if draw(key_detect, t, pid[i], 0) >= min(1.0, p_identify * rel_detection):
            continue
        identified += 1
        if record[i] < 32767:
            record[i] += 1
        known_until[i] = max(known_until[i], t + known_steps)
        if draw(key_detect, t, pid[i], 1) >= p_charge:
            continue
        charged += 1
        p_jail = p_custody_weapon if (weapon[r] != 0 or serious[r] != 0) else p_custody
        if draw(key_custody, t, pid[i], 0) < p_jail:
            u = draw(key_custody, t, pid[i], 1)
            length = 1 + int(-np.log1p(-u) * mean_custody_steps)
            custody_until[i] = max(custody_until[i], t + 1 + length)
            jailed += 1
    return identified, charged, jailed


@njit(cache=True)
def stop_search_kernel(alive, pid, weapon, custody_until, record, known_until, t, p_find,
                       known_steps, key, neighbourhood, found_by_nbhd):
    """Weapon carriers found in stop and search: possession offences; returns count."""
    found = 0
    for i in range(alive.shape[0]):
        if alive[i] == 0 or weapon[i] == 0 or custody_until[i] > t:
            continue
        if draw(key, t, pid[i], 2) < p_find:
            found += 1
            found_by_nbhd[neighbourhood[i]] += 1
            weapon[i] = 0
            if record[i] < 32767:
                record[i] += 1
            known_until[i] = max(known_until[i], t + known_steps)
    return found


class Justice(Process):
    """Detection, custody and release; stop and search of weapon carriers."""

    name = "justice"
    switch = "justice"
    description = "detection, charge, custody and release; stop and search for weapons"

    def __init__(self, model):
        super().__init__(model)
        j = model.scenario.justice
        self.known_steps = max(1, int(round(j.dur_known_weeks / model.weeks_per_step)))
        self.mean_custody_steps = j.dur_custody_weeks / model.weeks_per_step
        # Enforcement interventions (issue 3) multiply this; 1 means the scenario's rate.
        self.rel_detection = 1.0

    def step(self) -> None:
        """Respond to this step's incidents and search for weapons."""
        m = self.model
        p, j, buf = m.people, m.scenario.justice, m.incidents
        identified, charged, jailed = detection_kernel(
            buf.n, buf.perpetrator, buf.recorded, buf.weapon, buf.serious, p.pid, p.record,
            p.known_until, p.custody_until, m.t, j.p_suspect_identified, self.rel_detection,
            j.p_charge, j.p_custody, j.p_custody_weapon, self.known_steps,
            self.mean_custody_steps, m.streams["detect"], m.streams["custody"])
        found = stop_search_kernel(p.alive, p.pid, p.weapon, p.custody_until, p.record,
                                   p.known_until, m.t,
                                   1.0 - (1.0 - j.p_stop_search) ** m.weeks_per_step,
                                   self.known_steps, m.streams["detect"], p.neighbourhood,
                                   m.possession_by_nbhd)
        m.counters["identified"] += identified
        m.counters["charged"] += charged
        m.counters["sent_to_custody"] += jailed
        m.counters["possession_offences"] += found
        m.counters["released"] += int(np.count_nonzero((p.custody_until == m.t + 1)
                                                       & (p.alive == 1)))
