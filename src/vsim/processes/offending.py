"""Offending (DESIGN §4 step 3, §4a): the weekly perpetration hazard, victims, weapons, injury.

``h_i = h0 · age_i · rel_level · exp(β·x_i + γ_X·X_i + γ_W·W_i + γ_R·R_i) · (1 + γ_E·E_i)
· (1 + γ_H·H_p) · (p_pub·(1 − g_p) + 1 − p_pub) · rel_perpetration_i`` per week, where
``H_p`` is the near-repeat heat of the usual place (recent incidents per 100 users), and
P(offend this step) = 1 − exp(−h_i·weeks).

Departure from DESIGN §4a, on purpose: exposure enters linearly, ``(1 + γ_E·E)``, not as
``exp(γ_E·E)``. With the exponential form, a young person with several involved friends and a
recent victimisation had a hazard hundreds of times the baseline and the whole population
ignited within a year; the linear form is the self-exciting (Hawkes) hazard, stable while each
incident triggers fewer than one more, and its exposure share ``γ_E·E/(1 + γ_E·E)`` is exactly
the part of the hazard due to exposure (the attribution Green et al. 2017 estimated). Nobody offends while in custody. Victims are a peer (retaliation chains),
someone who uses the same place, or a person outside the simulated population.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from numba import njit

from vsim.processes.base import Process, heat_intensity
from vsim.rng import draw
from vsim.state import DAYS_PER_YEAR


@dataclass
class IncidentBuffer:
    """This step's incidents, one row each (filled by the kernel, read by later processes)."""

    perpetrator: np.ndarray  # int32 slot
    victim: np.ndarray       # int32 slot, -1 outside the simulated population
    place: np.ndarray        # int32, -1 private or elsewhere
    neighbourhood: np.ndarray  # int32
    weapon: np.ndarray       # uint8
    serious: np.ndarray      # uint8, serious injury
    robbery: np.ndarray      # uint8
    recorded: np.ndarray     # uint8, recorded by police
    victim_under25: np.ndarray  # uint8
    first_time: np.ndarray   # uint8, perpetrator's first offence
    reoffence: np.ndarray    # uint8, perpetrator already had a police record
    exposed: np.ndarray      # uint8, perpetrator recently exposed to violence
    exposure_share: np.ndarray  # float32, share of the hazard due to exposure
    # Who, as at the time of the offence (slots can be reused later in the same step when a
    # cohort enters, so permanent ids and attributes are captured here).
    perpetrator_id: np.ndarray  # int64
    victim_id: np.ndarray       # int64, -1 outside the simulated population
    perpetrator_age: np.ndarray  # int16, completed years
    perpetrator_level: np.ndarray  # int8
    perpetrator_exploited: np.ndarray  # uint8
    n: int = 0

    @classmethod
    def empty(cls, capacity: int) -> IncidentBuffer:
        """A buffer for up to ``capacity`` incidents."""
        dtypes = {"perpetrator": np.int32, "victim": np.int32, "place": np.int32,
                  "neighbourhood": np.int32, "exposure_share": np.float32,
                  "perpetrator_id": np.int64, "victim_id": np.int64,
                  "perpetrator_age": np.int16, "perpetrator_level": np.int8}
        return cls(**{f.name: np.zeros(capacity, dtypes.get(f.name, np.uint8))
                      for f in fields(cls) if f.name != "n"})

    @property
    def capacity(self) -> int:
        """Rows available."""
        return self.perpetrator.shape[0]

    def columns(self) -> dict[str, np.ndarray]:
        """The filled rows, as copies (for the incident log)."""
        return {f.name: getattr(self, f.name)[: self.n].copy()
                for f in fields(self) if f.name != "n"}


@njit(cache=True)
def offending_kernel(alive, pid, age_days, level, risk_rr, exposure, exploited_by, weapon,
                     record, n_offences, victimisation, custody_until, rel_perpetration, place,
                     neighbourhood, partner, degree, place_ptr, place_members, place_nbhd,
                     place_guard, place_open, heat, users, t, weeks, h0, age_curve, rel_level,
                     coef_exposure, rr_exploited, rr_weapon, rr_record, coef_heat,
                     p_in_public, p_victim_peer, p_victim_place, p_outside_under25, p_weapon,
                     p_weapon_carrier, p_serious, p_serious_weapon, p_robbery, p_reported,
                     exposed_threshold, key_offend, key_victim, key_weapon, key_injury,
                     key_robbery, key_report, out_perp, out_victim, out_place, out_nbhd,
                     out_weapon, out_serious, out_robbery, out_recorded, out_under25,
                     out_first, out_reoffence, out_exposed, out_share, out_perp_id,
                     out_victim_id, out_age, out_level, out_exploited):
    """Fill the incident buffer for this step; returns the count, or −1 if it overflowed.

    Pure: it reads state and writes only the buffer, so an overflow can be retried with a
    bigger buffer and the same (counter-based) draws.
    """
    cap = out_perp.shape[0]
    count = 0
    n = alive.shape[0]
    for i in range(n):
        if alive[i] == 0 or custody_until[i] > t:
            continue
        age = min(max(int(age_days[i] / DAYS_PER_YEAR) - 10, 0), 14)
        pl = place[i]
        rr = np.float64(risk_rr[i])
        if exploited_by[i] >= 0:
            rr *= rr_exploited
        if weapon[i] != 0:
            rr *= rr_weapon
        if record[i] > 0:
            rr *= rr_record
        public_open = 0.0
        near_repeat = 1.0
        intensity = 0.0
        if pl >= 0:
            intensity = heat_intensity(heat, users, pl)
            near_repeat = 1.0 + coef_heat * intensity
            public_open = p_in_public * (1.0 - place_guard[pl]) * place_open[pl]
        else:
            public_open = p_in_public
        private = 1.0 - p_in_public
        excited = coef_exposure * exposure[i]
        h = (h0 * age_curve[age] * rel_level[level[i]] * rr * (1.0 + excited)
             * near_repeat * (public_open + private) * rel_perpetration[i] * weeks)
        if h <= 0.0:
            continue
        u = draw(key_offend, t, pid[i], 0)
        # P = 1 − exp(−h) ≤ h: a draw above h needs no exp (nearly everyone, every week).
        if u >= h or u >= 1.0 - np.exp(-h):
            continue
        if count >= cap:
            return -1
        # Where: the usual public place, or private/elsewhere.
        at_place = -1
        if pl >= 0 and draw(key_offend, t, pid[i], 1) * (public_open + private) < public_open:
            at_place = pl
        # Whom: a peer, someone at the same place, or someone outside the population.
        victim = -1
        u = draw(key_victim, t, pid[i], 0)
        if u < p_victim_peer and degree[i] > 0:
            j = partner[i, int(draw(key_victim, t, pid[i], 1) * degree[i])]
            if alive[j] == 1 and custody_until[j] <= t:
                victim = j
        if victim < 0 and u < p_victim_peer + p_victim_place and pl >= 0:
            lo = place_ptr[pl]
            hi = place_ptr[pl + 1]
            if hi > lo:
                for attempt in range(3):
                    j = place_members[lo + int(draw(key_victim, t, pid[i], 2 + attempt)
                                               * (hi - lo))]
                    if j != i and alive[j] == 1 and custody_until[j] <= t:
                        victim = j
                        break
        under25 = 1
        if victim < 0:
            under25 = 1 if draw(key_victim, t, pid[i], 9) < p_outside_under25 else 0
        armed = draw(key_weapon, t, pid[i], 0) < (p_weapon_carrier if weapon[i] != 0
                                                   else p_weapon)
        serious = draw(key_injury, t, pid[i], 0) < (p_serious_weapon if armed else p_serious)
        out_perp[count] = i
        out_victim[count] = victim
        out_place[count] = at_place
        out_nbhd[count] = place_nbhd[at_place] if at_place >= 0 else neighbourhood[i]
        out_weapon[count] = armed
        out_serious[count] = serious
        out_robbery[count] = draw(key_robbery, t, pid[i], 0) < p_robbery
        out_recorded[count] = draw(key_report, t, pid[i], 0) < p_reported
        out_under25[count] = under25
        out_first[count] = n_offences[i] == 0
        out_reoffence[count] = record[i] > 0
        recent = victimisation[i] + intensity
        out_exposed[count] = recent >= exposed_threshold
        out_share[count] = excited / (1.0 + excited)
        out_perp_id[count] = pid[i]
        out_victim_id[count] = pid[victim] if victim >= 0 else -1
        out_age[count] = int(age_days[i] / DAYS_PER_YEAR)
        out_level[count] = level[i]
        out_exploited[count] = exploited_by[i] >= 0
        count += 1
    return count


@njit(cache=True)
def apply_incidents(n, perp, at_place, n_offences, last_offence, heat, t):
    """Book this step's incidents on perpetrators and places."""
    for r in range(n):
        i = perp[r]
        n_offences[i] += 1
        last_offence[i] = t
        if at_place[r] >= 0:
            heat[at_place[r]] += 1.0


@njit(cache=True)
def carrying_kernel(alive, pid, level, weapon, victimisation, exploited_by, custody_until, t,
                    weeks, p_start, coef_victimisation, rel_exploited, p_stop, key):
    """Weapon carrying starts with risk (victimisation, exploitation, involvement) and stops."""
    started = 0
    n = alive.shape[0]
    for i in range(n):
        if alive[i] == 0 or custody_until[i] > t:
            continue
        u = draw(key, t, pid[i], 0)
        if weapon[i] != 0:
            if u < 1.0 - (1.0 - p_stop) ** weeks:
                weapon[i] = 0
        else:
            # Assumption: each involvement level multiplies the chance of carrying by (1+level).
            rate = p_start * (1.0 + coef_victimisation * victimisation[i]) * (1.0 + level[i])
            if exploited_by[i] >= 0:
                rate *= rel_exploited
            if rate > 1.0:
                rate = 1.0
            # 1 − (1 − rate)^weeks ≤ weeks·rate/(1 − rate): skip the power for most draws.
            if rate < 1.0 and u >= weeks * rate / (1.0 - rate):
                continue
            if u < 1.0 - (1.0 - rate) ** weeks:
                weapon[i] = 1
                started += 1
    return started


class Offending(Process):
    """Incidents from the perpetration hazard, with victims, places, weapons and injuries."""

    name = "offending"
    switch = "offending"
    description = "perpetration hazard; victim from peers, place or outside; weapon, injury"

    def __init__(self, model):
        super().__init__(model)
        o = model.scenario.offending
        self.age_curve = np.asarray(o.age_curve, np.float64)
        self.rel_level = np.array([1.0, o.rel_at_risk, o.rel_involved, o.rel_entrenched])
        self.rr_exploited = float(np.exp(o.coef_exploited))
        self.rr_weapon = float(np.exp(o.coef_weapon))
        self.rr_record = float(np.exp(model.scenario.propensity.prior_record))
        self.heat_decay = float(np.exp(-model.weeks_per_step / model.scenario.places.tau_heat_weeks))

    def step(self) -> None:
        """Draw this step's incidents, book them, decay place heat, update weapon carrying."""
        m = self.model
        p, o, s = m.people, m.scenario.offending, m.streams
        places = m.world.places
        places.heat *= self.heat_decay
        buf = m.incidents
        while True:
            n = offending_kernel(
                p.alive, p.pid, p.age_days, p.level, p.risk_rr, p.exposure, p.exploited_by,
                p.weapon, p.record, p.n_offences, p.victimisation, p.custody_until,
                p.rel_perpetration, p.place, p.neighbourhood, m.ties.partner, m.ties.degree,
                m.place_pool_ptr, m.place_pool_members, places.neighbourhood,
                places.guardianship, places.rel_opportunity, places.heat, places.users, m.t,
                m.weeks_per_step,
                o.h0, self.age_curve, self.rel_level, o.coef_exposure, self.rr_exploited,
                self.rr_weapon, self.rr_record, m.scenario.places.coef_heat,
                o.p_in_public, o.p_victim_peer, o.p_victim_place, o.p_outside_victim_under25,
                o.p_weapon, o.p_weapon_carrier, o.p_serious_injury, o.p_serious_injury_weapon,
                o.p_robbery, o.p_reported, m.scenario.contagion.recent_exposure_threshold,
                s["offend"], s["victim"], s["weapon"], s["injury"], s["robbery"], s["report"],
                buf.perpetrator, buf.victim, buf.place, buf.neighbourhood, buf.weapon,
                buf.serious, buf.robbery, buf.recorded, buf.victim_under25, buf.first_time,
                buf.reoffence, buf.exposed, buf.exposure_share, buf.perpetrator_id,
                buf.victim_id, buf.perpetrator_age, buf.perpetrator_level,
                buf.perpetrator_exploited)
            if n >= 0:
                break
            buf = m.incidents = IncidentBuffer.empty(buf.capacity * 2)
        buf.n = n
        apply_incidents(n, buf.perpetrator, buf.place, p.n_offences, p.last_offence,
                        places.heat, m.t)
        started = carrying_kernel(p.alive, p.pid, p.level, p.weapon, p.victimisation,
                                  p.exploited_by, p.custody_until, m.t, m.weeks_per_step,
                                  o.p_start_carrying, o.coef_carry_victimisation,
                                  m.scenario.exploiters.rel_carry_if_exploited,
                                  o.p_stop_carrying, s["carry"])
        m.counters["started_carrying"] += started
