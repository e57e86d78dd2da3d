"""Functional Family Therapy (Redbridge FFT-FAF): home-based family work for 10–14-year-olds.

Seed (Redbridge): 3 FFT workers, caseload 3–8 families rising to about 15, up to 20 sessions
over 3–5 months, for children aged 10–14 at risk of gang involvement and exploitation;
£700,000 (evidence: seed-redbridge-fft). YEF Toolkit: FFT and MST have moderate impact (10–30%
less violence; evidence: yef-fft-mst); WSIPP: MST crime effect size −0.31 (evidence: mst-wsipp).
The therapy acts on family functioning: while it runs it lowers entry into involvement and
recruitment, and a completed course repairs the household's functioning with probability
``p_family_repaired`` (a lasting change to the risk factor).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from vsim.fields import Age, Caseload, Duration, Money, Probability, Staff
from vsim.interventions.base import Effects, InterventionSpec, Targeting


class FamilyTherapySpec(InterventionSpec):
    """FFT for families of young people aged 10–14 with low family functioning."""

    type: Literal["family_therapy"] = "family_therapy"
    min_age: Age = Field(10, description="Seed: ages 10–14 (evidence: seed-redbridge-fft).")
    max_age: Age = Field(14, description="Seed: ages 10–14 (evidence: seed-redbridge-fft).")
    targeting: Targeting = "risk_score"
    staff: Staff = Field(3.0, description="Seed: three FFT workers (evidence: seed-redbridge-fft).")
    caseload: Caseload = Field(8.0, description=(
        "Seed: 3–8 families each, rising to about 15 (evidence: seed-redbridge-fft)."))
    duration_weeks: Duration = Field(17.0, description=(
        "Seed: up to 20 sessions over 3–5 months (≈ 17 weeks; evidence: seed-redbridge-fft)."))
    p_engage: Probability = Field(0.8, description="Assumption (evidence: assume-family-therapy).")
    p_dropout_weekly: Probability = Field(0.01, description=(
        "Assumption (evidence: assume-family-therapy)."))
    effects: Effects = Field(Effects(rel_perpetration=0.8, rel_entry=0.8, rel_recruitment=0.8),
                             description=("YEF: moderate impact, 10–30%; 20% taken (evidence: "
                                          "yef-fft-mst)."))
    p_family_repaired: Probability = Field(0.5, description=(
        "Share of completed courses after which the household no longer has low family "
        "functioning. Assumption (evidence: assume-family-therapy)."))
    only_low_family_functioning: bool = Field(True, description=(
        "Take only young people whose household has low family functioning."))
    cost_per_staff_per_year: Money = Field(70_000.0, description=(
        "Derived: seed, £700,000 for the pilot with 3 workers, over about 3 years incl. "
        "licence and supervision ≈ £70,000 a worker a year (assumption on the span; evidence: "
        "seed-redbridge-fft, assume-family-therapy)."))
    cost_fixed_per_year: Money = Field(20_000.0, description=(
        "Licence, training and clinical supervision. Assumption (evidence: "
        "assume-family-therapy)."))
