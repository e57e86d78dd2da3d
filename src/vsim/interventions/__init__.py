"""The intervention library's schema: one file per family, one shared base (``base``).

A scenario lists interventions as ``[[interventions]]`` tables with a ``type``; the type picks
the family's parameter class, whose defaults cite their sources. This package holds no runtime
code, so the scenario schema can import it without the model's compiled kernels; how each
family runs in a model is :mod:`vsim.delivery`.
"""

from __future__ import annotations

from typing import Annotated, Union

from pydantic import Field

from vsim.interventions.analytics import TargetedSupportSpec
from vsim.interventions.base import STATUS_NAMES, Effects, InterventionSpec
from vsim.interventions.diversionary import DiversionaryActivitiesSpec
from vsim.interventions.domestic_abuse import DomesticAbuseSupportSpec
from vsim.interventions.enforcement import (
    CivilInjunctionSpec,
    ExploiterDisruptionSpec,
    FocusedDeterrenceSpec,
    HotspotPolicingSpec,
)
from vsim.interventions.family_therapy import FamilyTherapySpec
from vsim.interventions.mentoring import MentoringSpec
from vsim.interventions.outreach import OutreachSpec
from vsim.interventions.reassurance import CommunityReassuranceSpec
from vsim.interventions.referral_pathway import ReferralPathwaySpec
from vsim.interventions.school_programme import SchoolProgrammeSpec
from vsim.interventions.trusted_relationships import TrustedRelationshipsSpec
from vsim.interventions.workforce import WorkforceUpskillingSpec

SPECS = (MentoringSpec, FamilyTherapySpec, OutreachSpec, HotspotPolicingSpec,
         ExploiterDisruptionSpec, FocusedDeterrenceSpec, CivilInjunctionSpec,
         ReferralPathwaySpec, TrustedRelationshipsSpec, WorkforceUpskillingSpec,
         SchoolProgrammeSpec, DiversionaryActivitiesSpec, TargetedSupportSpec,
         DomesticAbuseSupportSpec, CommunityReassuranceSpec)
TYPES = {spec.model_fields["type"].default: spec for spec in SPECS}

AnyIntervention = Annotated[Union[SPECS], Field(discriminator="type")]  # noqa: UP007

__all__ = ["AnyIntervention", "Effects", "InterventionSpec", "SPECS", "STATUS_NAMES", "TYPES"]
