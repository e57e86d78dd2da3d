"""Support for children living with domestic abuse (Waltham Forest, Nottinghamshire).

Waltham Forest 'Safe and Together'; notifications to schools; Nottinghamshire's Juno Women's
Aid group work.

Seed: Waltham Forest trained social workers in the Safe and Together model and notifies schools
of incidents; Nottinghamshire piloted one-to-one and group work for young people exposed to
domestic violence (evidence: seed-waltham-forest, seed-nottinghamshire). Exposure to domestic
abuse is part of the contagion term (ρ_D); support lowers it and the entry into involvement.
Effect sizes are assumptions (YEF: trauma-specific therapies have high impact; evidence:
assume-domestic-abuse-support, yef-high-impact-therapies).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from vsim.fields import Age, Caseload, Duration, Money, Staff
from vsim.interventions.base import Effects, InterventionSpec, Targeting


class DomesticAbuseSupportSpec(InterventionSpec):
    """Group and one-to-one work for young people exposed to domestic abuse."""

    type: Literal["domestic_abuse_support"] = "domestic_abuse_support"
    max_age: Age = Field(17, description=(
        "Children. Assumption (evidence: assume-domestic-abuse-support)."))
    targeting: Targeting = "random"
    staff: Staff = Field(2.0, description="Assumption (evidence: assume-domestic-abuse-support).")
    caseload: Caseload = Field(12.0, description=(
        "Group work. Assumption (evidence: assume-domestic-abuse-support)."))
    duration_weeks: Duration = Field(26.0, description=(
        "Seed: a six-month pilot (evidence: seed-nottinghamshire)."))
    effects: Effects = Field(Effects(rel_exposure=0.8, rel_entry=0.85), description=(
        "Assumption (evidence: assume-domestic-abuse-support)."))
    cost_per_staff_per_year: Money = Field(35_000.0, description=(
        "Assumption (evidence: assume-domestic-abuse-support)."))
