"""Trusted relationships (North Yorkshire and York): a matched trusted adult.

Seed: ages 10–17; strand 1 supports young people at risk of criminal exploitation through
volunteer mentors and care-experienced relief workers; strand 2 supports those already
exploited through family network coordinators (2.5 FTE) using restorative practice and family
finding; more than 200 individuals over 2019–22; £1.1m over 4 years; early signs of reduced
exploitation risk, fewer missing episodes and less crime (evidence: seed-north-yorkshire). While
matched, the young person has a trusted adult: the protective factor's effect on the hazard
(``propensity.trusted_adult``, ln 0.7), lower vulnerability to recruitment and, in strand 2, a
faster exit.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from vsim.fields import Age, Caseload, Duration, HalfLife, Money, Probability, Staff
from vsim.interventions.base import Effects, InterventionSpec, Level, Targeting


class TrustedRelationshipsSpec(InterventionSpec):
    """Matched trusted adult for young people at risk of, or in, exploitation."""

    type: Literal["trusted_relationships"] = "trusted_relationships"
    strand: Literal["at_risk", "exploited"] = Field("at_risk", description=(
        "Strand 1 (at risk of exploitation) or strand 2 (already exploited)."))
    max_age: Age = Field(17, description="Seed: ages 10–17 (evidence: seed-north-yorkshire).")
    min_age: Age = Field(10, description="Seed: ages 10–17 (evidence: seed-north-yorkshire).")
    levels: tuple[Level, ...] = ("at_risk", "involved", "entrenched")
    targeting: Targeting = "risk_score"
    staff: Staff = Field(2.5, description=(
        "Seed: 2.5 FTE coordinators (evidence: seed-north-yorkshire)."))
    caseload: Caseload = Field(8.0, description=(
        "Assumption: >200 young people over 3 years ≈ 70 a year; with 9-month matches, ~20 "
        "at once (evidence: assume-trusted-relationships, seed-north-yorkshire)."))
    duration_weeks: Duration = Field(39.0, description=(
        "Assumption: 9 months (evidence: assume-trusted-relationships)."))
    p_engage: Probability = Field(0.8, description=(
        "Assumption (evidence: assume-trusted-relationships)."))
    effects: Effects = Field(
        Effects(rel_perpetration=0.7, rel_recruitment=0.5, rel_exploit_exit=1.0),
        description=("A trusted adult: hazard × 0.7 (propensity.trusted_adult, assumption), "
                     "recruitment halved (vulnerability's trusted-adult term, exp(−0.7)) "
                     "(evidence: assume-trusted-relationships, assume-protective-factors, "
                     "assume-vulnerability-weights)."))
    half_life_weeks: HalfLife = Field(52.0, description=(
        "Assumption: a lasting relationship fades slowly (evidence: "
        "assume-trusted-relationships)."))
    cost_fixed_per_year: Money = Field(175_000.0, description=(
        "Derived: seed, £1.1m over 4 years = £275,000 a year, less staff costs (evidence: "
        "seed-north-yorkshire)."))
    cost_per_staff_per_year: Money = Field(40_000.0, description=(
        "Assumption (evidence: assume-trusted-relationships)."))

    def model_post_init(self, context) -> None:
        """Strand 2 takes the exploited and speeds their exit (unless set explicitly)."""
        if self.strand == "exploited":
            if "exploited" not in self.model_fields_set:
                object.__setattr__(self, "exploited", "yes")
            if "effects" not in self.model_fields_set:
                object.__setattr__(self, "effects", Effects(
                    rel_perpetration=0.7, rel_recruitment=0.5, rel_exploit_exit=2.0))
        elif "exploited" not in self.model_fields_set:
            object.__setattr__(self, "exploited", "no")
