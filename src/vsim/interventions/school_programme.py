"""Universal school programmes: small effects for every pupil of some year groups, at scale.

Waltham Forest LifeSkills; Nottinghamshire writing and bystander programmes.

Seed: Waltham Forest 'Strengthen' domain, LifeSkills for about 10,000 pupils; Nottinghamshire's
universal writing programme and peer-led bystander programme (evidence: seed-waltham-forest,
seed-nottinghamshire). YEF Toolkit: social skills training has high impact in targeted groups
(evidence: yef-high-impact-therapies); universal delivery is assumed to have a small effect per
pupil (evidence: assume-school-programme-effect).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from vsim.fields import Age, Caseload, Duration, HalfLife, Money, Probability, Staff, Weeks
from vsim.interventions.base import Effects, InterventionSpec, Targeting


class SchoolProgrammeSpec(InterventionSpec):
    """A universal programme delivered to whole year groups."""

    type: Literal["school_programme"] = "school_programme"
    min_age: Age = Field(11, description=(
        "Secondary school. Assumption (evidence: assume-school-programme)."))
    max_age: Age = Field(15, description=(
        "Years 7–11. Assumption (evidence: assume-school-programme)."))
    in_school: Literal["any", "yes", "no"] = "yes"
    targeting: Targeting = "universal"
    staff: Staff = Field(10.0, description="Teachers/trainers (FTE).")
    caseload: Caseload = Field(300.0, description=(
        "Pupils per trainer at once: 10 × 300 = 3,000 at a time, ~10,000 a year with "
        "12-week courses (seed: ~10,000 pupils; evidence: seed-waltham-forest)."))
    referral_delay_weeks: Weeks = Field(0.0, description="Whole classes.")
    duration_weeks: Duration = Field(12.0, description="A school term.")
    p_engage: Probability = Field(0.95, description=(
        "Attendance. Assumption (evidence: assume-school-programme)."))
    p_dropout_weekly: Probability = Field(0.0, description="Whole classes.")
    effects: Effects = Field(Effects(rel_perpetration=0.95, rel_entry=0.9, rel_fear=0.9),
                             description=(
        "Assumption: YEF low-impact band (2–9%) per pupil for universal delivery (evidence: "
        "assume-school-programme-effect, yef-impact-bands); lessons on knife crime and "
        "safety are assumed to lower the odds of fear by 10% (evidence: "
        "assume-fear-interventions)."))
    half_life_weeks: HalfLife = Field(52.0, description=(
        "Assumption (evidence: assume-school-programme)."))
    cost_per_participant: Money = Field(40.0, description=(
        "Per pupil. Assumption (evidence: assume-school-programme)."))
    cost_per_staff_per_year: Money = Field(0.0, description="Within teachers' time.")
    cost_fixed_per_year: Money = Field(50_000.0, description="Materials, licences.")
