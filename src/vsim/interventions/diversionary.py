"""Diversionary activities (Barking and Dagenham): arts, boxing, drama, music, mentoring.

Seed: five community organisations (Arc Theatre, Box Up Crime, Future MOLDS, LifeLine
Projects, Studio3Arts) commissioned with the £500,000 EIYF grant shared with Redbridge; each
can refer young people to the others (evidence: seed-bd-diversionary). Positive activities take
time away from risky places and peers (lower exposure) and are a protective factor. YEF
Toolkit: sports programmes high impact but low confidence (evidence: yef-sports).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from vsim.fields import Age, Caseload, Duration, Money, Probability, Staff
from vsim.interventions.base import Effects, InterventionSpec, Level, Targeting


class DiversionaryActivitiesSpec(InterventionSpec):
    """Positive activities for young people at risk."""

    type: Literal["diversionary_activities"] = "diversionary_activities"
    levels: tuple[Level, ...] = ("at_risk", "involved")
    max_age: Age = Field(19, description=(
        "Youth provision. Assumption (evidence: assume-diversionary)."))
    targeting: Targeting = "risk_score"
    staff: Staff = Field(5.0, description=(
        "Seed: five organisations (evidence: seed-bd-diversionary)."))
    caseload: Caseload = Field(20.0, description="Assumption (evidence: assume-diversionary).")
    duration_weeks: Duration = Field(26.0, description=(
        "Assumption (evidence: assume-diversionary)."))
    p_engage: Probability = Field(0.7, description="Assumption (evidence: assume-diversionary).")
    p_dropout_weekly: Probability = Field(0.02, description=(
        "Assumption (evidence: assume-diversionary)."))
    effects: Effects = Field(Effects(rel_perpetration=0.9, rel_exposure=0.85), description=(
        "Assumption: less time at risky places and with involved peers; YEF rates sports high "
        "but with low confidence, so a cautious 10% is taken (evidence: "
        "assume-diversionary-effect, yef-sports)."))
    cost_per_staff_per_year: Money = Field(30_000.0, description=(
        "Assumption (evidence: assume-diversionary)."))
    cost_fixed_per_year: Money = Field(20_000.0, description=(
        "Venues. Assumption (evidence: assume-diversionary)."))
