"""A staged police-led referral pathway (Sussex REBOOT).

Seed (Sussex): young people aged 10–17 (priority 11–14) who came to police attention in the
last 4 weeks are referred; five stages with escalation, from a letter and a visit to youth
coaching and multi-agency panels; 617 referred in 9 months: 56% closed at stage 1, 25% went
to stage 2, 8 to stage 3, 4 to stage 4 and 1 to stage 5; 9 coaches × 30–35 young people a
year; 165 coached; £890,000 (evidence: seed-sussex-reboot). Each stage lasts ``stage_weeks``; at
its end a young person escalates with the conditional probability derived from those counts,
or is closed.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from vsim.fields import Age, Caseload, Duration, Money, Positive, Probability, Staff, Weeks
from vsim.interventions.base import Effects, InterventionSpec, Targeting

# Seed: reached stage k, out of 617 referred: stage 2 = 25%, stage 3 = 8, 4 = 4, 5 = 1
# (evidence: seed-sussex-reboot).
_REACHED = (1.0, 0.25, 8 / 617, 4 / 617, 1 / 617)
SEED_ESCALATION = tuple(_REACHED[k + 1] / _REACHED[k] for k in range(4))


class ReferralPathwaySpec(InterventionSpec):
    """REBOOT-style five-stage pathway for young people who came to police attention."""

    effect_fields: ClassVar[tuple[str, ...]] = ("stage_rel_perpetration", "effects")
    type: Literal["referral_pathway"] = "referral_pathway"
    max_age: Age = Field(17, description="Seed: ages 10–17 (evidence: seed-sussex-reboot).")
    targeting: Targeting = "police_referral"
    priority_min_age: Age | None = Field(11, description=(
        "Seed: priority 11–14 (evidence: seed-sussex-reboot)."))
    priority_max_age: Age | None = Field(14)
    referral_delay_weeks: Weeks = Field(1.0, description=(
        "Assumption (evidence: assume-referral-pathway)."))
    staff: Staff = Field(9.0, description="Seed: 9 coaches (evidence: seed-sussex-reboot).")
    caseload: Caseload = Field(40.0, description=(
        "Young people at any stage per coach at once. Assumption: stage 1 is light-touch "
        "(evidence: assume-referral-pathway)."))
    p_engage: Probability = Field(0.9, description=(
        "Assumption (evidence: assume-referral-pathway)."))
    p_dropout_weekly: Probability = Field(0.0, description="Closed, not dropped.")
    stage_weeks: Duration = Field(4.0, description=(
        "Length of each stage. Assumption (the referral window is 4 weeks; evidence: "
        "assume-referral-pathway)."))
    duration_weeks: Duration = Field(20.0, description="Five stages of 4 weeks.")
    p_escalate: tuple[Probability, Probability, Probability, Probability] = Field(
        SEED_ESCALATION, description=(
        "Conditional probability of moving from stage k to k+1, derived from the seed's "
        "counts: 25% reach stage 2; 8, 4 and 1 of 617 reach stages 3, 4 and 5 (evidence: "
        "seed-sussex-reboot)."))
    stage_rel_perpetration: tuple[Positive, Positive, Positive, Positive, Positive] = Field(
        (0.97, 0.85, 0.8, 0.8, 0.8), description=(
            "Hazard multiplier at each stage. Assumption: stage 2 is youth coaching "
            "(mentoring-like, YEF: −21% violence), stage 1 a letter and visit (evidence: "
            "assume-referral-pathway, mentoring-yef)."))
    effects: Effects = Field(Effects(rel_perpetration=0.9), description=(
        "After-care effect once closed, decaying with half_life_weeks. Assumption (evidence: "
        "assume-referral-pathway)."))
    cost_per_staff_per_year: Money = Field(32_000.0, description=(
        "Youth coach with on-costs. Assumption; the seed's £890,000 (April 2019 to June "
        "2020) also paid police visits, a mental health nurse and an enabling fund (evidence: "
        "assume-referral-pathway, seed-sussex-reboot)."))
