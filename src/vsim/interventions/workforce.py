"""Workforce upskilling: trauma-informed training and psychologists in safeguarding teams.

Seed: Barking and Dagenham trained 195 frontline professionals in trauma-informed practice, and
20 trainers then trained 223 more; Greater Manchester embedded psychologists in 7 of 10 complex
safeguarding teams to upskill 120 professionals with trusted relationships (£1 spent saved
£5.48 in accommodation costs alone). Upskilling acts on other services: while funded (and
fading after), every other intervention's engagement and effect are multiplied by
``1 + boost``, so it is worth nothing without services to improve.
"""

from __future__ import annotations

import math
from typing import ClassVar, Literal

from pydantic import Field

from vsim.interventions.base import Intervention, InterventionSpec


class WorkforceUpskilling(Intervention):
    """Sets the strength multiplier the other interventions apply this step."""

    order: ClassVar[int] = 0  # runs before the services it improves

    def boost_now(self, t: int) -> float:
        """Current boost: full while funded, fading with the half-life after the cliff."""
        if t < self.t_start:
            return 0.0
        boost = self.spec.boost * min(1.0, self.spec.staff_trained / self.spec.staff_for_full)
        if t <= self.t_end:
            return boost
        return boost * math.exp(-self.decay_rate * (t - self.t_end))

    def step(self, model):
        model.service_strength *= 1.0 + self.boost_now(model.t)
        self._book(model.t, 0, 0, 0)


class WorkforceUpskillingSpec(InterventionSpec):
    """Training the workforce that delivers the other interventions."""

    runtime: ClassVar[type] = WorkforceUpskilling

    type: Literal["workforce_upskilling"] = "workforce_upskilling"
    staff_trained: int = Field(418, ge=0, le=1_000_000, description=(
        "Professionals trained. Seed: 195 + 223 in Barking and Dagenham."))
    staff_for_full: int = Field(400, ge=1, le=1_000_000, description=(
        "Trained staff at which the full boost is reached. Assumption."))
    boost: float = Field(0.15, ge=0, le=10, description=(
        "Relative gain in other services' engagement and effect. Assumption (no trial)."))
    staff: float = Field(2.0, ge=0, le=100_000, description="Trainers or psychologists (FTE).")
    caseload: float = Field(0.0, ge=0, le=1_000_000, description="No caseload.")
    half_life_weeks: float = Field(104.0, gt=0, le=5200, description=(
        "Assumption: skills fade with staff turnover over about two years."))
    cost_per_staff_per_year: float = Field(60_000.0, ge=0, description=(
        "Clinical psychologist or senior trainer with on-costs. Assumption."))
    cost_fixed_per_year: float = Field(20_000.0, ge=0, description="Training days. Assumption.")
