"""Contagion (ODD: contagion): exposure to violence, the term through which it spreads.

Exposure ``E_i = rel_exposure_i·(Σ_j w_ij·I_j + ρ_V·V_i + ρ_P·H_place(i) + ρ_D·D_i)`` with
``I_j`` = 1 for peers who are involved or entrenched and not in custody, ``V_i`` recent
victimisation, ``H`` the heat of the usual place and ``D_i`` domestic abuse at home. It pulls
young people into involvement (:mod:`vsim.processes.involvement`) and raises the perpetration
hazard (:mod:`vsim.processes.offending`). Switched off, exposure is 0 for everyone: there is no
transmission, while background entry, desistance and offending go on.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import prange

from vsim.compiled import kernel, threaded_kernel
from vsim.networks import kind_at
from vsim.processes.base import Process, heat_intensity
from vsim.state import people_view
from vsim.vocabulary import INVOLVED, REL_EXPOSURE

ExposedPeople = people_view("ExposedPeople", (
    "alive", "level", "custody_until", "victimisation", "domestic_abuse", "place", "exposure",
    "modifiers"), __name__)


class ExposureRates(NamedTuple):
    """Weights of the sources of exposure (per involved friend by tie kind, and the others)."""

    tie_weights: np.ndarray  # by tie kind: school, neighbourhood, family, gang
    rho_victimisation: float
    rho_place: float
    rho_domestic: float


@kernel
def exposure_kernel(people, ties, rates, t, peer):
    """Fill ``peer`` with each person's peer term Σ_j w_ij·I_j; returns the ties visited.

    The peer term is pushed from the involved to their friends rather than gathered by
    everyone: only a few per cent are involved, so this visits a few per cent of the ties
    (``peer`` is a work array, overwritten). Serial: a push from two threads could race.
    """
    alive, level, custody_until = people.alive, people.level, people.custody_until
    partner, kind, degree = ties
    weights = rates.tie_weights
    peer[:] = 0.0
    visits = 0
    for j in range(alive.shape[0]):
        if alive[j] == 0 or level[j] < INVOLVED or custody_until[j] > t:
            continue
        d = degree[j]
        visits += d
        for slot in range(d):
            peer[partner[j, slot]] += weights[kind_at(kind, j, slot)]
    return visits


@threaded_kernel
def exposure_from(people, peer, places, rates):
    """Fill ``people.exposure`` with each living person's exposure E_i (ODD: contagion)."""
    alive, place, exposure = people.alive, people.place, people.exposure
    victimisation, domestic_abuse = people.victimisation, people.domestic_abuse
    rel_exposure = people.modifiers[REL_EXPOSURE]
    heat, users = places.heat, places.users
    rho_v, rho_p, rho_d = rates.rho_victimisation, rates.rho_place, rates.rho_domestic
    for i in prange(alive.shape[0]):
        if alive[i] == 0:
            continue
        e = peer[i] + rho_v * victimisation[i] + rho_d * domestic_abuse[i]
        if place[i] >= 0:
            e += rho_p * heat_intensity(heat, users, place[i])
        exposure[i] = e * rel_exposure[i]


class Contagion(Process):
    """Exposure from involved peers, victimisation, places and home."""

    name = "contagion"
    switch = "contagion"
    description = "exposure to violence from involved peers, victimisation, places and home"
    reads = ("contagion",)
    People = ExposedPeople

    def __init__(self, model):
        super().__init__(model)
        self.peer = np.zeros(model.people.capacity, np.float64)
        self.edge_visits = 0

    @classmethod
    def rates_for(cls, sections, weeks):
        """Tie weights and the ρ of each other source, from [contagion]."""
        c = sections.contagion
        weights = np.array([c.weight_school, c.weight_neighbourhood, c.weight_family,
                            c.weight_gang], np.float64)
        return ExposureRates(weights, c.rho_victimisation, c.rho_place, c.rho_domestic)

    def step(self) -> None:
        """Exposure for everyone from the state at the start of the step."""
        m = self.model
        if self.peer.shape[0] != m.people.capacity:
            self.peer = np.zeros(m.people.capacity, np.float64)
        people = self.people()
        self.edge_visits = exposure_kernel(people, m.ties, self.rates, m.t, self.peer)
        self.on_threads(exposure_from)(people, self.peer, m.world.places, self.rates)
