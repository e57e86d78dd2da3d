"""Mentoring: one-to-one support for young people at risk or already offending.

Defaults: YEF Toolkit, mentoring reduces violence by about 21% on average, offending 14% and
reoffending 19% (moderate impact; evidence: mentoring-yef); Spark2Life in Barking and Dagenham
(seed): about 30 young people referred through the integrated gangs unit and youth offending
service, 26 (87%) engaged, 21 of 26 (80%) did not reoffend in a quarter (evidence:
seed-bd-spark2life).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from vsim.fields import Caseload, Duration, HalfLife, Money, Probability, Staff
from vsim.interventions.base import Effects, InterventionSpec, Level, Targeting


class MentoringSpec(InterventionSpec):
    """Intensive mentoring (Spark2Life-style)."""

    type: Literal["mentoring"] = "mentoring"
    levels: tuple[Level, ...] = Field(("at_risk", "involved", "entrenched"), description=(
        "Medium to high risk young people (seed: Spark2Life; evidence: seed-bd-spark2life)."))
    targeting: Targeting = "risk_score"
    staff: Staff = Field(3.0, description=(
        "Mentors. Assumption: 3 mentors × 10 = the seed's ~30 young people (evidence: "
        "assume-mentoring, seed-bd-spark2life)."))
    caseload: Caseload = Field(10.0, description="Assumption (evidence: assume-mentoring).")
    duration_weeks: Duration = Field(26.0, description=(
        "Assumption: six months of weekly mentoring (evidence: assume-mentoring)."))
    p_engage: Probability = Field(26 / 30, description=(
        "Seed: 26 of about 30 engaged positively (Spark2Life; evidence: seed-bd-spark2life)."))
    effects: Effects = Field(Effects(rel_perpetration=0.79), description=(
        "YEF Toolkit: mentoring reduces violence by 21% on average (evidence: mentoring-yef)."))
    half_life_weeks: HalfLife = Field(26.0, description=(
        "Assumption: effects fade over months after mentoring ends (evidence: "
        "assume-mentoring)."))
    cost_per_staff_per_year: Money = Field(35_000.0, description=(
        "A youth worker on the JNC professional range with on-costs (£25,756–£41,663 + London "
        "allowance; evidence: youth-worker-pay-jnc)."))
    cost_fixed_per_year: Money = Field(10_000.0, description=(
        "Management, assumption (evidence: assume-mentoring)."))
