"""Community reassurance: engagement with residents to lower fear of violence (Waltham Forest).

Seed: "work to reduce violence must go hand-in-hand with work to reduce fear of violence"
(Waltham Forest; evidence: seed-waltham-forest). Neighbourhood officers and community
engagement workers meet residents, explain what is being done and answer for incidents. The
evidence is that community policing improves satisfaction and perceived disorder with limited
effects on fear of crime (Gill et al. 2014; evidence: community-policing-fear-gill-2014), so the
default effect on the odds of worry is small. It acts on residents, not on young people.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from vsim.fields import Caseload, Money, Multiplier, Staff
from vsim.interventions.base import InterventionSpec


class CommunityReassuranceSpec(InterventionSpec):
    """Engagement and reassurance of residents in some neighbourhoods."""

    effect_fields: ClassVar[tuple[str, ...]] = ("rel_worry",)
    type: Literal["community_reassurance"] = "community_reassurance"
    rel_worry: Multiplier = Field(0.9, description=(
        "Multiplier of the odds that a resident of a neighbourhood worked is worried about "
        "knife crime. Assumption: small, as community policing had 'limited effects' on fear "
        "of crime (evidence: assume-fear-interventions, community-policing-fear-gill-2014)."))
    staff: Staff = Field(2.0, description=(
        "Engagement workers or neighbourhood officers (FTE). Assumption (evidence: "
        "assume-fear-interventions)."))
    caseload: Caseload = Field(0.0, description="No caseload: it works with residents.")
    cost_per_staff_per_year: Money = Field(40_000.0, description=(
        "Community engagement officer with on-costs. Assumption (evidence: "
        "assume-fear-interventions)."))
    cost_fixed_per_year: Money = Field(10_000.0, description=(
        "Meetings, communications. Assumption (evidence: assume-fear-interventions)."))
