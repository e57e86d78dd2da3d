"""Enforcement: hotspot policing, exploiter disruption, focused deterrence, civil injunctions.

Sources: hotspot policing reduces crime at treated places by about 8–16% (Braga & Weisburd
2020: d = .12 ≈ 8.1%; log RIRR ≈ 16%; evidence: hotspots-braga-weisburd-2020), with a small
diffusion of benefits rather than displacement (Braga et al. 2019; evidence:
diffusion-benefits-hotspots); focused deterrence reduces crime by 33% on average (YEF Toolkit,
high impact; evidence: focused-deterrence-yef; Glasgow CIRV: violent offending −52% against
−29% in the comparison group, evidence: williams-2014-cirv); more than 5,000 county lines
closed since 2019 (evidence: county-lines-nrm-share-closed).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from vsim.fields import (
    Age,
    Caseload,
    Duration,
    Money,
    Multiplier,
    PlaceCount,
    Positive,
    Probability,
    Staff,
)
from vsim.interventions.base import Effects, InterventionSpec, Level, Targeting


class HotspotPolicingSpec(InterventionSpec):
    """Directed patrols at violence hotspots."""

    # rel_fear_users is left out: its default is no effect, so there is nothing to rate
    effect_fields: ClassVar[tuple[str, ...]] = ("rel_opportunity", "rel_worry")
    type: Literal["hotspot_policing"] = "hotspot_policing"
    n_places: PlaceCount = Field(5, description=(
        "Hotspots patrolled. Assumption (evidence: assume-hotspot-policing)."))
    rel_opportunity: Probability = Field(0.84, description=(
        "Incident opportunity at a patrolled hotspot: Braga & Weisburd 2020, ~16% less crime "
        "(evidence: hotspots-braga-weisburd-2020)."))
    rel_worry: Multiplier = Field(1.0, description=(
        "Multiplier of the odds that residents of the patrolled hotspots' neighbourhoods are "
        "worried about knife crime: order-maintenance policing at hot spots had no significant "
        "effect on fear of crime (evidence: hotspots-fear-weisburd-2011)."))
    rel_fear_users: Multiplier = Field(1.0, description=(
        "Multiplier of the odds that young people who use the patrolled places are afraid of "
        "violence. Stop and search there can reassure or alarm: 39% of people searched said "
        "their opinion of the police worsened, 24% improved; no effect is assumed, set above 1 "
        "or below (evidence: stop-search-opinion-hmic-2013, assume-fear-interventions)."))
    staff: Staff = Field(4.0, description=(
        "Officers (FTE). Assumption (evidence: assume-hotspot-policing)."))
    caseload: Caseload = Field(0.0, description="No caseload: place-based.")
    cost_per_staff_per_year: Money = Field(55_000.0, description=(
        "Police constable with on-costs. Assumption (evidence: assume-hotspot-policing)."))


class ExploiterDisruptionSpec(InterventionSpec):
    """County-lines disruption (a local task force)."""

    effect_fields: ClassVar[tuple[str, ...]] = ("rel_disruption",)
    type: Literal["exploiter_disruption"] = "exploiter_disruption"
    rel_disruption: Positive = Field(2.0, le=1000, description=(
        "Multiplier of the weekly closure rate of lines. Assumption: a dedicated team doubles "
        "the ~1 closure per line per year (evidence: assume-exploiter-disruption, "
        "county-lines-nrm-share-closed)."))
    staff: Staff = Field(4.0, description=(
        "Officers (FTE). Assumption (evidence: assume-exploiter-disruption)."))
    caseload: Caseload = Field(0.0, description="No caseload.")
    cost_per_staff_per_year: Money = Field(55_000.0, description=(
        "Assumption (evidence: assume-exploiter-disruption)."))


class FocusedDeterrenceSpec(InterventionSpec):
    """Focused deterrence (group violence intervention): call-ins, enforcement and support."""

    type: Literal["focused_deterrence"] = "focused_deterrence"
    min_age: Age = Field(14, description=(
        "Glasgow participants averaged 16 (evidence: focused-deterrence-yef)."))
    levels: tuple[Level, ...] = ("involved", "entrenched")
    targeting: Targeting = "gang"
    staff: Staff = Field(5.0, description="Assumption (evidence: assume-focused-deterrence).")
    caseload: Caseload = Field(10.0, description=(
        "Assumption (evidence: assume-focused-deterrence)."))
    duration_weeks: Duration = Field(52.0, description=(
        "Assumption (evidence: assume-focused-deterrence)."))
    p_engage: Probability = Field(0.7, description=(
        "Assumption (evidence: assume-focused-deterrence)."))
    effects: Effects = Field(Effects(rel_perpetration=0.67), description=(
        "YEF Toolkit: crime −33% on average (evidence: focused-deterrence-yef)."))
    cost_per_staff_per_year: Money = Field(45_000.0, description=(
        "Assumption (evidence: assume-focused-deterrence)."))
    cost_fixed_per_year: Money = Field(30_000.0, description=(
        "Call-ins, assumption (evidence: assume-focused-deterrence)."))


class CivilInjunctionSpec(InterventionSpec):
    """Gang or knife-crime civil injunctions: conditions on association and places."""

    type: Literal["civil_injunction"] = "civil_injunction"
    min_age: Age = Field(14, description="Knife crime prevention orders: 12+ (evidence: kcpo-age).")
    levels: tuple[Level, ...] = ("involved", "entrenched")
    targeting: Targeting = "police_referral"
    p_referral: Probability = Field(0.1, description=(
        "Assumption (evidence: assume-civil-injunction)."))
    staff: Staff = Field(1.0, description="Assumption (evidence: assume-civil-injunction).")
    caseload: Caseload = Field(20.0, description="Assumption (evidence: assume-civil-injunction).")
    duration_weeks: Duration = Field(52.0, description="A year's order.")
    p_engage: Probability = Field(1.0, description="Imposed by a court.")
    effects: Effects = Field(Effects(rel_perpetration=0.85, rel_exposure=0.8), description=(
        "Assumption: no trial evidence found (evidence: assume-civil-injunction)."))
    cost_per_participant: Money = Field(5_000.0, description=(
        "Court costs, assumption (evidence: assume-civil-injunction)."))
    cost_per_staff_per_year: Money = Field(45_000.0, description=(
        "Assumption (evidence: assume-civil-injunction)."))
