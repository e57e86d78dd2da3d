"""Workforce upskilling: trauma-informed training and psychologists in safeguarding teams.

Seed: Barking and Dagenham trained 195 frontline professionals in trauma-informed practice, and
20 trainers then trained 223 more; Greater Manchester embedded psychologists in 7 of 10 complex
safeguarding teams to upskill 120 professionals with trusted relationships (£1 spent saved
£5.48 in accommodation costs alone; evidence: seed-bd-trauma-training, seed-greater-manchester).
Upskilling acts on other services: while funded (and fading after), every other intervention's
engagement and effect are multiplied by ``1 + boost``, so it is worth nothing without services
to improve.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from vsim.fields import Caseload, HalfLife, Money, Staff
from vsim.interventions.base import InterventionSpec


class WorkforceUpskillingSpec(InterventionSpec):
    """Training the workforce that delivers the other interventions."""

    effect_fields: ClassVar[tuple[str, ...]] = ("boost",)
    type: Literal["workforce_upskilling"] = "workforce_upskilling"
    staff_trained: int = Field(418, ge=0, le=1_000_000, description=(
        "Professionals trained. Seed: 195 + 223 in Barking and Dagenham (evidence: "
        "seed-bd-trauma-training)."))
    staff_for_full: int = Field(400, ge=1, le=1_000_000, description=(
        "Trained staff at which the full boost is reached. Assumption (evidence: "
        "assume-workforce-upskilling)."))
    boost: float = Field(0.15, ge=0, le=10, description=(
        "Relative gain in other services' engagement and effect. Assumption (no trial; "
        "evidence: assume-workforce-upskilling)."))
    staff: Staff = Field(2.0, description="Trainers or psychologists (FTE).")
    caseload: Caseload = Field(0.0, description="No caseload.")
    half_life_weeks: HalfLife = Field(104.0, description=(
        "Assumption: skills fade with staff turnover over about two years (evidence: "
        "assume-workforce-upskilling)."))
    cost_per_staff_per_year: Money = Field(60_000.0, description=(
        "Clinical psychologist or senior trainer with on-costs. Assumption (evidence: "
        "assume-workforce-upskilling)."))
    cost_fixed_per_year: Money = Field(20_000.0, description=(
        "Training days. Assumption (evidence: assume-workforce-upskilling)."))
