"""Offending (ODD: offending): the weekly perpetration hazard, victims, weapons, injury.

``h_i = h0 · age_i · rel_level · exp(β·x_i + γ_X·X_i + γ_W·W_i + γ_R·R_i) · (1 + γ_E·E_i)
· (1 + γ_H·H_p) · (p_pub·(1 − g_p) + 1 − p_pub) · rel_perpetration_i`` per week, where
``H_p`` is the near-repeat heat of the usual place (recent incidents per 100 users), and
P(offend this step) = 1 − exp(−h_i·weeks).

Departure from the original specification, on purpose (ODD: departures): exposure enters
linearly, ``(1 + γ_E·E)``, not as
``exp(γ_E·E)``. With the exponential form, a young person with several involved friends and a
recent victimisation had a hazard hundreds of times the baseline and the whole population
ignited within a year; the linear form is the self-exciting (Hawkes) hazard, stable while each
incident triggers fewer than one more, and its exposure share ``γ_E·E/(1 + γ_E·E)`` is exactly
the part of the hazard due to exposure (the attribution Green et al. 2017 estimated; evidence:
green-2017-contagion). Nobody
offends while in custody. Victims are a peer (retaliation chains), someone who uses the same
place, or a person outside the simulated population.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import prange

from vsim.compiled import kernel, threaded_kernel
from vsim.processes.base import Process, heat_intensity
from vsim.rng import draw
from vsim.state import Incidents, age_index, fill_growing, people_view
from vsim.vocabulary import DAYS_PER_YEAR, REL_PERPETRATION

OffendingPeople = people_view("OffendingPeople", (
    "alive", "pid", "age_days", "custody_until", "risk_rr", "exploited_by", "weapon", "record",
    "place", "exposure", "level", "n_offences", "last_offence", "victimisation",
    "neighbourhood", "modifiers"), __name__)


class OffendingRates(NamedTuple):
    """The hazard's parameters and what an incident looks like, per step."""

    h0: float
    age_curve: np.ndarray  # relative hazard at ages 10..24
    rel_level: np.ndarray  # by involvement level
    coef_exposure: float  # γ_E
    rr_exploited: float  # exp(γ_X)
    rr_weapon: float  # exp(γ_W)
    rr_record: float  # exp(γ_R)
    coef_heat: float  # γ_H
    p_in_public: float
    p_victim_peer: float
    p_victim_place: float
    p_outside_under25: float
    p_weapon: float
    p_weapon_carrier: float
    p_serious: float
    p_serious_weapon: float
    p_robbery: float
    p_reported: float
    exposed_threshold: float  # victimisation + place heat above which an incident is "exposed"
    weeks: float
    heat_decay: float  # of place heat per step


class OffendingKeys(NamedTuple):
    """Random streams of the offending process."""

    offend: np.uint64
    victim: np.uint64
    weapon: np.uint64
    injury: np.uint64
    robbery: np.uint64
    report: np.uint64


# Slots a thread takes at a time: each chunk's incidents go to rows of the buffer of their own,
# so threads never share a row and the incidents keep slot order, whatever the thread count.
CHUNK_SLOTS = 16_384


@kernel
def offend_in_chunk(people, ties, places, pools, rates, keys, t, out, first_slot, end_slot,
                    first_row, end_row):
    """Draw the incidents of slots ``first_slot``…``end_slot`` − 1 into rows ``first_row`` on.

    Returns how many, or −1 if they would pass ``end_row``. Nothing but ``out`` changes.

    Why one function: every person's hazard is computed once a week, and the place, victim,
    weapon and injury of the few who offend follow from the same loop variables; a helper
    taking the state per person would cost reference counting on every call.
    """
    pid, alive, age_days = people.pid, people.alive, people.age_days
    custody_until, risk_rr, exploited_by = people.custody_until, people.risk_rr, people.exploited_by
    weapon, record, place, exposure = people.weapon, people.record, people.place, people.exposure
    level, n_offences = people.level, people.n_offences
    victimisation, home = people.victimisation, people.neighbourhood
    rel_perpetration = people.modifiers[REL_PERPETRATION]
    partner, degree = ties.partner, ties.degree
    heat, users, guardianship = places.heat, places.users, places.guardianship
    rel_opportunity, place_nbhd = places.rel_opportunity, places.neighbourhood
    place_ptr, place_members = pools.place_ptr, pools.place_members
    age_curve, rel_level = rates.age_curve, rates.rel_level
    # the hazard's scalars too: read from the record in the loop they cost ~7% at 1e6
    h0, weeks, p_in_public = rates.h0, rates.weeks, rates.p_in_public
    coef_exposure, coef_heat = rates.coef_exposure, rates.coef_heat
    rr_exploited, rr_weapon, rr_record = rates.rr_exploited, rates.rr_weapon, rates.rr_record
    key_offend = keys.offend
    count = first_row
    for i in range(first_slot, end_slot):
        if alive[i] == 0 or custody_until[i] > t:
            continue
        # The hazard (module docstring).
        rr = np.float64(risk_rr[i])
        if exploited_by[i] >= 0:
            rr *= rr_exploited
        if weapon[i] != 0:
            rr *= rr_weapon
        if record[i] > 0:
            rr *= rr_record
        pl = place[i]
        near_repeat = 1.0
        intensity = 0.0
        if pl >= 0:
            intensity = heat_intensity(heat, users, pl)
            near_repeat = 1.0 + coef_heat * intensity
            public_open = p_in_public * (1.0 - guardianship[pl]) * rel_opportunity[pl]
        else:
            public_open = p_in_public
        private = 1.0 - p_in_public
        excited = coef_exposure * exposure[i]
        h = (h0 * age_curve[age_index(age_days[i])] * rel_level[level[i]] * rr
             * (1.0 + excited) * near_repeat * (public_open + private) * rel_perpetration[i]
             * weeks)
        if h <= 0.0:
            continue
        u = draw(key_offend, t, pid[i], 0)
        # P = 1 − exp(−h) ≤ h: a draw above h needs no exp (nearly everyone, every week).
        if u >= h or u >= 1.0 - np.exp(-h):
            continue
        if count >= end_row:
            return -1
        # Where: the usual public place, or private/elsewhere.
        at_place = -1
        if pl >= 0 and draw(keys.offend, t, pid[i], 1) * (public_open + private) < public_open:
            at_place = pl
        # Whom: a peer, someone at the same place, or someone outside the population.
        victim = -1
        u = draw(keys.victim, t, pid[i], 0)
        if u < rates.p_victim_peer and degree[i] > 0:
            j = partner[i, int(draw(keys.victim, t, pid[i], 1) * degree[i])]
            if alive[j] == 1 and custody_until[j] <= t:
                victim = j
        if victim < 0 and u < rates.p_victim_peer + rates.p_victim_place and pl >= 0:
            lo = place_ptr[pl]
            hi = place_ptr[pl + 1]
            if hi > lo:
                for attempt in range(3):
                    j = place_members[lo + int(draw(keys.victim, t, pid[i], 2 + attempt)
                                               * (hi - lo))]
                    if j != i and alive[j] == 1 and custody_until[j] <= t:
                        victim = j
                        break
        under25 = 1
        if victim < 0:
            under25 = 1 if draw(keys.victim, t, pid[i], 9) < rates.p_outside_under25 else 0
        armed = draw(keys.weapon, t, pid[i], 0) < (rates.p_weapon_carrier if weapon[i] != 0
                                                    else rates.p_weapon)
        serious = draw(keys.injury, t, pid[i], 0) < (rates.p_serious_weapon if armed
                                                      else rates.p_serious)
        out.perpetrator[count] = i
        out.victim[count] = victim
        out.place[count] = at_place
        out.neighbourhood[count] = place_nbhd[at_place] if at_place >= 0 else home[i]
        out.weapon[count] = armed
        out.serious[count] = serious
        out.robbery[count] = draw(keys.robbery, t, pid[i], 0) < rates.p_robbery
        out.recorded[count] = draw(keys.report, t, pid[i], 0) < rates.p_reported
        out.victim_under25[count] = under25
        out.first_time[count] = n_offences[i] == 0
        out.reoffence[count] = record[i] > 0
        out.exposed[count] = victimisation[i] + intensity >= rates.exposed_threshold
        out.exposure_share[count] = excited / (1.0 + excited)
        out.perpetrator_id[count] = pid[i]
        out.victim_id[count] = pid[victim] if victim >= 0 else -1
        out.perpetrator_age[count] = int(age_days[i] / DAYS_PER_YEAR)
        out.perpetrator_level[count] = level[i]
        out.perpetrator_exploited[count] = exploited_by[i] >= 0
        count += 1
    return count - first_row




@threaded_kernel
def offending_kernel(people, ties, places, pools, rates, keys, t, out, written):
    """Draw this step's incidents into the buffer ``out``, chunk by chunk of slots.

    Chunk ``c`` (slots ``c·CHUNK_SLOTS`` on) writes its incidents from row ``c·per_chunk``
    (``per_chunk`` = rows ÷ chunks) and their number to ``written[c]``, or −1 if they did not
    fit: the step is then retried with a bigger buffer and the same (counter-based) draws.
    Nothing but the buffer changes; :func:`book_incidents` books them.
    """
    n_chunks = written.shape[0]
    per_chunk = out.perpetrator.shape[0] // n_chunks
    n = people.alive.shape[0]
    for c in prange(n_chunks):
        written[c] = offend_in_chunk(people, ties, places, pools, rates, keys, t, out,
                                     c * CHUNK_SLOTS, min((c + 1) * CHUNK_SLOTS, n),
                                     c * per_chunk, (c + 1) * per_chunk)


@kernel
def rows_written(written, per_chunk):
    """The buffer rows the chunks wrote, in chunk order (slot order): int64."""
    rows = np.empty(written.sum(), np.int64)
    k = 0
    for c in range(written.shape[0]):
        for r in range(written[c]):
            rows[k] = c * per_chunk + r
            k += 1
    return rows


@kernel
def book_incidents(incidents, people, heat, t):
    """Book each incident on its perpetrator (offences, last offence) and place (heat)."""
    perpetrator, at_place = incidents.perpetrator, incidents.place
    n_offences, last_offence = people.n_offences, people.last_offence
    for r in range(perpetrator.shape[0]):
        i = perpetrator[r]
        n_offences[i] += 1
        last_offence[i] = t
        if at_place[r] >= 0:
            heat[at_place[r]] += 1.0


def draw_incidents(kernel, buffer: Incidents, args: tuple) -> int:
    """Run the offending kernel into ``buffer`` and gather the chunks' rows at its top.

    Returns the incidents drawn, or −1 if a chunk's rows were too few (see fill_growing).
    """
    n_slots = args[0].alive.shape[0]
    written = np.empty(max(1, -(-n_slots // CHUNK_SLOTS)), np.int64)
    kernel(*args, buffer, written)
    if (written < 0).any():
        return -1
    rows = rows_written(written, buffer.capacity // written.shape[0])
    for column in buffer:
        column[:rows.shape[0]] = column[rows]
    return int(rows.shape[0])


class Offending(Process):
    """Incidents from the perpetration hazard, with victims, places, weapons and injuries."""

    name = "offending"
    switch = "offending"
    description = "perpetration hazard; victim from peers, place or outside; weapon, injury"
    reads = ("offending", "propensity", "places", "contagion")
    Keys = OffendingKeys
    People = OffendingPeople

    @classmethod
    def rates_for(cls, sections, weeks):
        """From [offending], with parts of [propensity], [places] and [contagion].

        The record coefficient is [propensity]'s, the near-repeat terms [places]', the
        exposure threshold [contagion]'s.
        """
        o = sections.offending
        return OffendingRates(
            h0=o.h0, age_curve=np.asarray(o.age_curve, np.float64),
            rel_level=np.array([1.0, o.rel_at_risk, o.rel_involved, o.rel_entrenched]),
            coef_exposure=o.coef_exposure, rr_exploited=float(np.exp(o.coef_exploited)),
            rr_weapon=float(np.exp(o.coef_weapon)),
            rr_record=float(np.exp(sections.propensity.prior_record)),
            coef_heat=sections.places.coef_heat, p_in_public=o.p_in_public,
            p_victim_peer=o.p_victim_peer, p_victim_place=o.p_victim_place,
            p_outside_under25=o.p_outside_victim_under25, p_weapon=o.p_weapon,
            p_weapon_carrier=o.p_weapon_carrier, p_serious=o.p_serious_injury,
            p_serious_weapon=o.p_serious_injury_weapon, p_robbery=o.p_robbery,
            p_reported=o.p_reported,
            exposed_threshold=sections.contagion.recent_exposure_threshold, weeks=weeks,
            heat_decay=float(np.exp(-weeks / sections.places.tau_heat_weeks)))

    def step(self) -> None:
        """Decay place heat, then draw and book this step's incidents."""
        m = self.model
        places = m.world.places
        np.multiply(places.heat, self.rates.heat_decay, out=places.heat)
        args = (self.people(), m.ties, places, m.pools, self.rates, self.keys, m.t)
        kernel = self.on_threads(offending_kernel)
        m.incident_buffer, n = fill_growing(
            m.incident_buffer, lambda buf: draw_incidents(kernel, buf, args), Incidents.empty)
        m.incidents = m.incident_buffer.first(n)
        book_incidents(m.incidents, args[0], places.heat, m.t)
