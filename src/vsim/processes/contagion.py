"""Exposure and involvement (DESIGN §4 step 2, §4a): the contagion term and its SIS dynamics.

Exposure ``E_i = rel_exposure_i·(Σ_j w_ij·I_j + ρ_V·V_i + ρ_P·H_place(i) + ρ_D·D_i)`` with
``I_j`` = 1 for peers who are involved or entrenched and not in custody. Entry into involvement
this step has probability ``1 − (1 − p_bg,i)(1 − β)^E_i``; involved people desist with
probability γ (entrenched ones with γ_entrenched), both per week and rescaled to the step.
Exposure is computed for everyone before anyone changes state (a synchronous update), so with
only contagion on and ``p_bg = 0`` this is exactly the discrete-time SIS model.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from vsim.processes.base import Process, heat_intensity
from vsim.rng import draw
from vsim.state import DAYS_PER_YEAR, ENTRENCHED, INVOLVED

# Offending within this many weeks lets involvement become entrenched. Assumption.
ENTRENCH_WINDOW_WEEKS = 12


@njit(cache=True)
def exposure_kernel(alive, level, custody_until, t, partner, kind, degree, weights,
                    victimisation, place, heat, users, domestic_abuse, rel_exposure, rho_v, rho_p,
                    rho_d, peer, out):
    """Fill ``out`` with each living person's exposure E_i (DESIGN §4a).

    The peer term is pushed from the involved to their friends rather than gathered by
    everyone: only a few per cent are involved, so this visits a few per cent of the ties
    (``peer`` is a work array, overwritten). Returns the number of ties visited.
    """
    n = alive.shape[0]
    peer[:] = 0.0
    visits = 0
    for j in range(n):
        if alive[j] == 0 or level[j] < INVOLVED or custody_until[j] > t:
            continue
        d = degree[j]
        visits += d
        for slot in range(d):
            peer[partner[j, slot]] += weights[kind[j, slot]]
    for i in range(n):
        if alive[i] == 0:
            continue
        e = peer[i] + rho_v * victimisation[i] + rho_d * domestic_abuse[i]
        if place[i] >= 0:
            e += rho_p * heat_intensity(heat, users, place[i])
        out[i] = e * rel_exposure[i]
    return visits


@njit(cache=True)
def involvement_kernel(alive, pid, level, at_risk_flag, exposure, risk_rr, age_days,
                       age_curve, rel_entry, rel_desistance, custody_until, last_offence, t,
                       p_background, log1m_beta, gamma, gamma_entrenched, p_entrench,
                       entrench_window, weeks, key_entry, key_desist, key_entrench):
    """Entry, entrenchment and desistance for one step; returns (entered, entrenched, desisted)."""
    entered = 0
    entrenched = 0
    desisted = 0
    n = alive.shape[0]
    for i in range(n):
        if alive[i] == 0:
            continue
        lv = level[i]
        if lv >= INVOLVED:
            g = gamma_entrenched if lv == ENTRENCHED else gamma
            p_desist = 1.0 - (1.0 - g) ** (weeks * rel_desistance[i])
            if draw(key_desist, t, pid[i], 0) < p_desist:
                if lv == ENTRENCHED:
                    level[i] = INVOLVED
                else:
                    level[i] = at_risk_flag[i]
                desisted += 1
            elif (lv == INVOLVED and p_entrench > 0.0
                  and t - last_offence[i] <= entrench_window):
                if draw(key_entrench, t, pid[i], 0) < 1.0 - (1.0 - p_entrench) ** weeks:
                    level[i] = ENTRENCHED
                    entrenched += 1
        elif custody_until[i] <= t:
            age = min(max(int(age_days[i] / DAYS_PER_YEAR) - 10, 0), 14)
            p_bg = p_background * risk_rr[i] * age_curve[age] * rel_entry[i]
            if p_bg > 1.0:
                p_bg = 1.0
            u = draw(key_entry, t, pid[i], 0)
            # P(entry) = 1 − exp(x) with x = weeks·[log(1 − p_bg) + E·log(1 − β)] ≤ 0, and
            # 1 − exp(x) ≤ −x ≤ weeks·[p_bg/(1 − p_bg) + E·(−log(1 − β))]: most people draw
            # above that bound and need no log or exp.
            if p_bg < 1.0 and u >= weeks * (p_bg / (1.0 - p_bg) - exposure[i] * log1m_beta):
                continue
            log_stay = weeks * (np.log1p(-p_bg) if p_bg < 1.0 else -np.inf)
            log_stay += weeks * exposure[i] * log1m_beta
            if u < 1.0 - np.exp(log_stay):
                level[i] = INVOLVED
                entered += 1
    return entered, entrenched, desisted


class Contagion(Process):
    """Exposure from involved peers, victimisation, places and home; involvement dynamics."""

    name = "contagion"
    switch = "contagion"
    description = "exposure from peers, victimisation, places, home; involvement entry/exit"

    def __init__(self, model):
        super().__init__(model)
        c = model.scenario.contagion
        self.weights = np.array([c.weight_school, c.weight_neighbourhood, c.weight_family,
                                 c.weight_gang], np.float64)
        self.log1m_beta = float(np.log1p(-c.beta)) if c.beta < 1.0 else -np.inf
        self.age_curve = np.asarray(model.scenario.offending.age_curve, np.float64)
        self.entrench_window = int(round(ENTRENCH_WINDOW_WEEKS / model.weeks_per_step))
        self.peer = np.zeros(model.people.capacity, np.float64)
        self.edge_visits = 0

    def compute_exposure(self) -> None:
        """Exposure for everyone from the state at the start of the step."""
        m = self.model
        p, c = m.people, m.scenario.contagion
        if self.peer.shape[0] != p.capacity:
            self.peer = np.zeros(p.capacity, np.float64)
        self.edge_visits = exposure_kernel(p.alive, p.level, p.custody_until, m.t, m.ties.partner, m.ties.kind,
                        m.ties.degree, self.weights, p.victimisation, p.place,
                        m.world.places.heat, m.world.places.users, p.domestic_abuse, p.rel_exposure,
                        c.rho_victimisation, c.rho_place, c.rho_domestic, self.peer,
                        p.exposure)

    def step(self) -> None:
        """Compute exposure, then update involvement synchronously."""
        m = self.model
        p, c = m.people, m.scenario.contagion
        self.compute_exposure()
        entered, entrenched, desisted = involvement_kernel(
            p.alive, p.pid, p.level, p.at_risk_flag, p.exposure, p.risk_rr, p.age_days,
            self.age_curve, p.rel_entry, p.rel_desistance, p.custody_until, p.last_offence,
            m.t, c.p_entry_background, self.log1m_beta, c.gamma, c.gamma_entrenched,
            c.p_entrench, self.entrench_window, m.weeks_per_step, m.streams["entry"],
            m.streams["desist"], m.streams["entrench"])
        m.counters["entered_involvement"] += entered
        m.counters["became_entrenched"] += entrenched
        m.counters["desisted"] += desisted
