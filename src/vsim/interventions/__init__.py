"""The intervention library: one file per family, one shared interface (``base``).

A scenario lists interventions as ``[[interventions]]`` tables with a ``type``; the type picks
the family's parameter class, whose defaults cite their sources.
"""

from __future__ import annotations

from typing import Annotated, Union

from pydantic import Field

from vsim.interventions.analytics import TargetedSupportSpec
from vsim.interventions.base import STATUS_NAMES, Effects, Intervention, InterventionSpec
from vsim.interventions.diversionary import DiversionaryActivitiesSpec
from vsim.interventions.domestic_abuse import DomesticAbuseSupportSpec
from vsim.interventions.enforcement import (CivilInjunctionSpec, ExploiterDisruptionSpec,
                                            FocusedDeterrenceSpec, HotspotPolicingSpec)
from vsim.interventions.family_therapy import FamilyTherapySpec
from vsim.interventions.mentoring import MentoringSpec
from vsim.interventions.outreach import OutreachSpec
from vsim.interventions.referral_pathway import ReferralPathwaySpec
from vsim.interventions.school_programme import SchoolProgrammeSpec
from vsim.interventions.trusted_relationships import TrustedRelationshipsSpec
from vsim.interventions.workforce import WorkforceUpskillingSpec

SPECS = (MentoringSpec, FamilyTherapySpec, OutreachSpec, HotspotPolicingSpec,
         ExploiterDisruptionSpec, FocusedDeterrenceSpec, CivilInjunctionSpec,
         ReferralPathwaySpec, TrustedRelationshipsSpec, WorkforceUpskillingSpec,
         SchoolProgrammeSpec, DiversionaryActivitiesSpec, TargetedSupportSpec,
         DomesticAbuseSupportSpec)
TYPES = {spec.model_fields["type"].default: spec for spec in SPECS}

AnyIntervention = Annotated[Union[SPECS], Field(discriminator="type")]  # noqa: UP007


def build(specs, model) -> list[Intervention]:
    """Runtime objects for a scenario's interventions, services' trainers first."""
    built = [spec.runtime(spec, model, k) for k, spec in enumerate(specs)]
    # identical specs get streams of their own (the n-th copy draws from stream n)
    seen: dict[str, int] = {}
    for iv in built:
        text = iv.spec.model_dump_json()
        if seen.get(text):
            iv.key = iv.stream(seen[text])
        seen[text] = seen.get(text, 0) + 1
    return sorted(built, key=lambda iv: iv.order)


__all__ = ["AnyIntervention", "Effects", "Intervention", "InterventionSpec", "SPECS",
           "STATUS_NAMES", "TYPES", "build"]
