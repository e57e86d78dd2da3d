"""Functional Family Therapy in a model: a completed course can repair the household.

Only young people from households with low family functioning are taken. The schema and
sources are :mod:`vsim.interventions.family_therapy`.
"""

from __future__ import annotations

import numpy as np

from vsim.delivery.base import Intervention
from vsim.interventions.base import COMPLETED
from vsim.rng import draws


class FamilyTherapy(Intervention):
    """FFT: eligibility on family functioning; completed courses can repair the household."""

    def eligible(self, model):
        """The base eligibility, among households with low family functioning (by default)."""
        mask = super().eligible(model)
        if self.spec.only_low_family_functioning:
            mask &= model.people.low_family_functioning == 1
        return mask

    def _discharge(self, idx, status, t):
        super()._discharge(idx, status, t)
        if status != COMPLETED or idx.size == 0:
            return
        model = self.model
        live = idx[self.slots[idx] >= 0]
        if live.size == 0:
            return
        u = draws(self.key, t, self.pids[live], 7)
        repaired = self.slots[live][u < self.spec.p_family_repaired]
        if repaired.size == 0:
            return
        households = np.unique(model.people.household[repaired])
        model.world.households.low_family_functioning[households] = 0
        same = np.nonzero(np.isin(model.people.household, households)
                          & (model.people.alive == 1))[0]
        model.people.low_family_functioning[same] = 0
        model.risk.refresh(model.people, same)
