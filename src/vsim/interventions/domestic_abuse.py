"""Support for children living with domestic abuse (Waltham Forest 'Safe and Together';
notifications to schools; Nottinghamshire's Juno Women's Aid group work).

Seed: Waltham Forest trained social workers in the Safe and Together model and notifies schools
of incidents; Nottinghamshire piloted one-to-one and group work for young people exposed to
domestic violence. Exposure to domestic abuse is part of the contagion term (ρ_D); support
lowers it and the entry into involvement. Effect sizes are assumptions (YEF: trauma-specific
therapies have high impact, EVIDENCE §7).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from vsim.interventions.base import Effects, Intervention, InterventionSpec, Targeting


class DomesticAbuseSupport(Intervention):
    """Takes only young people whose household has domestic abuse."""

    def eligible(self, model):
        return super().eligible(model) & (model.people.domestic_abuse == 1)


class DomesticAbuseSupportSpec(InterventionSpec):
    """Group and one-to-one work for young people exposed to domestic abuse."""

    runtime = DomesticAbuseSupport

    type: Literal["domestic_abuse_support"] = "domestic_abuse_support"
    max_age: int = Field(17, ge=10, le=24, description="Children. Assumption.")
    targeting: Targeting = "random"
    staff: float = Field(2.0, ge=0, le=100_000, description="Assumption.")
    caseload: float = Field(12.0, ge=0, le=1_000_000, description="Group work. Assumption.")
    duration_weeks: float = Field(26.0, gt=0, le=520, description="Seed: a six-month pilot.")
    effects: Effects = Field(Effects(rel_exposure=0.8, rel_entry=0.85), description=(
        "Assumption."))
    cost_per_staff_per_year: float = Field(35_000.0, ge=0, description="Assumption.")
