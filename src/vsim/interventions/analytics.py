"""Analytics-led targeted support (Somerset, Suffolk): data sharing decides who is reached.

Seed: Somerset combined police, council and health data to identify young people at risk, with
an adolescent intervention worker and an escalation panel (£1.16m across 5 VRUs); Suffolk's
data-led multi-agency gang team (SAGE) with a CBT thinking-skills programme. The partnership
sees a share ``visible_share`` of each young person's risk factors: with more data shared,
places go to those who would have offended, and the same service prevents more.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from vsim.interventions.base import Effects, InterventionSpec, Level, Targeting


class TargetedSupportSpec(InterventionSpec):
    """Key-worker support for young people picked by a shared risk score."""

    type: Literal["targeted_support"] = "targeted_support"
    levels: tuple[Level, ...] = ("at_risk", "involved", "entrenched")
    max_age: int = Field(19, ge=10, le=24, description="Assumption.")
    targeting: Targeting = "risk_score"
    visible_share: float = Field(0.5, ge=0, le=1, description=(
        "Share of risk factors the partnership sees. Assumption: about half without a data "
        "sharing agreement; set 0.9 for an integrated data set (Somerset)."))
    staff: float = Field(3.0, ge=0, le=100_000, description="Adolescent intervention workers.")
    caseload: float = Field(12.0, ge=0, le=1_000_000, description="Assumption.")
    duration_weeks: float = Field(26.0, gt=0, le=520, description="Assumption.")
    effects: Effects = Field(Effects(rel_perpetration=0.75, rel_entry=0.8), description=(
        "YEF: CBT high impact (30%+), EVIDENCE §7; 25% taken for key-worker support with CBT."))
    cost_per_staff_per_year: float = Field(38_000.0, ge=0, description="Assumption.")
    cost_fixed_per_year: float = Field(30_000.0, ge=0, description="Analyst time. Assumption.")
