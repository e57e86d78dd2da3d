"""Functional Family Therapy (Redbridge FFT-FAF): home-based family work for 10–14-year-olds.

Seed (Redbridge): 3 FFT workers, caseload 3–8 families rising to about 15, up to 20 sessions
over 3–5 months, for children aged 10–14 at risk of gang involvement and exploitation;
£700,000. YEF Toolkit: FFT and MST have moderate impact (10–30% less violence, EVIDENCE §7);
WSIPP: MST crime effect size −0.31. The therapy acts on family functioning: while it runs it
lowers entry into involvement and recruitment, and a completed course repairs the household's
functioning with probability ``p_family_repaired`` (a lasting change to the risk factor).
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from vsim.interventions.base import (COMPLETED, Effects, Intervention, InterventionSpec,
                                     Targeting)
from vsim.rng import draws


class FamilyTherapy(Intervention):
    """FFT: eligibility on family functioning; completed courses can repair the household."""

    def eligible(self, model):
        mask = super().eligible(model)
        if self.spec.only_low_family_functioning:
            mask &= model.people.low_family == 1
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
        from vsim.population import refresh_scores  # here: vsim.population imports the schema

        households = np.unique(model.people.household[repaired])
        model.world.households.low_family[households] = 0
        same = np.nonzero(np.isin(model.people.household, households)
                          & (model.people.alive == 1))[0]
        model.people.low_family[same] = 0
        refresh_scores(model.people, same, model.scenario, model.world)


class FamilyTherapySpec(InterventionSpec):
    """FFT for families of young people aged 10–14 with low family functioning."""

    runtime: ClassVar[type] = FamilyTherapy

    type: Literal["family_therapy"] = "family_therapy"
    min_age: int = Field(10, ge=10, le=24, description="Seed: ages 10–14.")
    max_age: int = Field(14, ge=10, le=24, description="Seed: ages 10–14.")
    targeting: Targeting = "risk_score"
    staff: float = Field(3.0, ge=0, le=100_000, description="Seed: three FFT workers.")
    caseload: float = Field(8.0, ge=0, le=1_000_000, description=(
        "Seed: 3–8 families each, rising to about 15."))
    duration_weeks: float = Field(17.0, gt=0, le=520, description=(
        "Seed: up to 20 sessions over 3–5 months (≈ 17 weeks)."))
    p_engage: float = Field(0.8, ge=0, le=1, description="Assumption.")
    p_dropout_weekly: float = Field(0.01, ge=0, le=1, description="Assumption.")
    effects: Effects = Field(Effects(rel_perpetration=0.8, rel_entry=0.8, rel_recruitment=0.8),
                             description="YEF: moderate impact, 10–30%; 20% taken.")
    p_family_repaired: float = Field(0.5, ge=0, le=1, description=(
        "Share of completed courses after which the household no longer has low family "
        "functioning. Assumption."))
    only_low_family_functioning: bool = Field(True, description=(
        "Take only young people whose household has low family functioning."))
    cost_per_staff_per_year: float = Field(70_000.0, ge=0, description=(
        "Derived: seed, £700,000 for the pilot with 3 workers, over about 3 years incl. "
        "licence and supervision ≈ £70,000 a worker a year (assumption on the span)."))
    cost_fixed_per_year: float = Field(20_000.0, ge=0, description=(
        "Licence, training and clinical supervision. Assumption."))
