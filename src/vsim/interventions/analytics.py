"""Analytics-led targeted support (Somerset, Suffolk): data sharing decides who is reached.

Seed: Somerset combined police, council and health data to identify young people at risk, with
an adolescent intervention worker and an escalation panel (£1.16m across 5 VRUs); Suffolk's
data-led multi-agency gang team (SAGE) with a CBT thinking-skills programme (evidence:
seed-somerset, seed-suffolk). The partnership
sees a share ``visible_share`` of each young person's risk factors: with more data shared,
places go to those who would have offended, and the same service prevents more.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from vsim.fields import Age, Caseload, Duration, Money, Probability, Staff
from vsim.interventions.base import Effects, InterventionSpec, Level, Targeting


class TargetedSupportSpec(InterventionSpec):
    """Key-worker support for young people picked by a shared risk score."""

    type: Literal["targeted_support"] = "targeted_support"
    levels: tuple[Level, ...] = ("at_risk", "involved", "entrenched")
    max_age: Age = Field(19, description="Assumption (evidence: assume-targeted-support).")
    targeting: Targeting = "risk_score"
    visible_share: Probability = Field(0.5, description=(
        "Share of risk factors the partnership sees. Assumption: about half without a data "
        "sharing agreement; set 0.9 for an integrated data set (Somerset; evidence: "
        "assume-visible-share, seed-somerset)."))
    staff: Staff = Field(3.0, description="Adolescent intervention workers.")
    caseload: Caseload = Field(12.0, description="Assumption (evidence: assume-targeted-support).")
    duration_weeks: Duration = Field(26.0, description=(
        "Assumption (evidence: assume-targeted-support)."))
    effects: Effects = Field(Effects(rel_perpetration=0.75, rel_entry=0.8), description=(
        "YEF: CBT high impact (30%+); 25% taken for key-worker support with CBT (evidence: "
        "yef-high-impact-therapies)."))
    cost_per_staff_per_year: Money = Field(38_000.0, description=(
        "Assumption (evidence: assume-targeted-support)."))
    cost_fixed_per_year: Money = Field(30_000.0, description=(
        "Analyst time. Assumption (evidence: assume-targeted-support)."))
