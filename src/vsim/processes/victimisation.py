"""Victimisation (ODD: victimisation): being a victim raises exposure, so violence begets violence.

``V_i(t+1) = V_i(t)·exp(−Δt/τ_V) + victimised this step`` (τ_V ≈ 18 weeks from Green, Horel &
Papachristos 2017; evidence: green-2017-contagion). ``V`` enters exposure with weight ρ_V,
which raises both the chance of becoming involved and the perpetration hazard: the retaliation
chain. τ_V is set in the [contagion] section, beside ρ_V, because it shapes how long a
victimisation exposes.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from vsim.compiled import kernel
from vsim.processes.base import Process


class VictimisationRates(NamedTuple):
    """Decay of recent victimisation over a step."""

    decay: float


@kernel
def victimisation_kernel(alive, victimisation, decay, victims):
    """Decay everyone's recent victimisation, then add this step's victims; returns count."""
    for i in range(alive.shape[0]):
        if victimisation[i] != 0.0:
            victimisation[i] *= decay
            if victimisation[i] < 1e-6:
                victimisation[i] = 0.0
    count = 0
    for r in range(victims.shape[0]):
        v = victims[r]
        if v >= 0:
            victimisation[v] += 1.0
            count += 1
    return count


class Victimisation(Process):
    """Victims' recent victimisation rises, then decays with τ_V."""

    name = "victimisation"
    switch = "victimisation"
    description = "victims' recent victimisation rises (retaliation), decaying with tau_V"
    reads = ("contagion",)
    counts = ("victimised_young_people",)

    @classmethod
    def rates_for(cls, sections, weeks):
        """exp(−weeks / τ_V) from [contagion]."""
        return VictimisationRates(
            float(np.exp(-weeks / sections.contagion.tau_victimisation_weeks)))

    def step(self) -> None:
        """Decay and add victimisations from this step's incidents."""
        m = self.model
        self.count("victimised_young_people", victimisation_kernel(
            m.people.alive, m.people.victimisation, self.rates.decay, m.incidents.victim))
