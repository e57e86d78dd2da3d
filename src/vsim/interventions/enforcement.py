"""Enforcement: hotspot policing, exploiter disruption, focused deterrence, civil injunctions.

Sources (EVIDENCE §7): hotspot policing reduces crime at treated places by about 8–16%
(Braga & Weisburd 2020: d = .12 ≈ 8.1%; log RIRR ≈ 16%), with a small diffusion of benefits
rather than displacement (Braga et al. 2019); focused deterrence reduces crime by 33% on
average (YEF Toolkit, high impact; Glasgow CIRV: violent offending −52% against −29% in the
comparison group, seed/DESIGN); more than 5,000 county lines closed since 2019 (EVIDENCE §5).
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from vsim.interventions.base import Effects, Intervention, InterventionSpec, Level, Targeting
from vsim.fields import Positive, Probability


class PlaceOrLineIntervention(Intervention):
    """An intervention that acts on places or lines, not on enrolled young people."""

    def step(self, model):
        t = model.t
        if self.funded(t):
            self.act(model)
        self._book(t, 0, 0, 0)

    def act(self, model) -> None:
        """Multiply this step's effect into place or line modifiers."""
        raise NotImplementedError


class HotspotPolicing(PlaceOrLineIntervention):
    """Extra patrols at the hottest places, re-chosen as heat moves."""

    def act(self, model):
        places = model.world.places
        n = min(self.spec.n_places, places.kind.size)
        if n == 0:
            return
        hottest = np.argsort(-(places.heat / places.users), kind="stable")[:n]
        places.rel_opportunity[hottest] *= self.spec.rel_opportunity


class HotspotPolicingSpec(InterventionSpec):
    """Directed patrols at violence hotspots."""

    runtime: ClassVar[type] = HotspotPolicing

    type: Literal["hotspot_policing"] = "hotspot_policing"
    n_places: int = Field(5, ge=1, le=100_000, description="Hotspots patrolled. Assumption.")
    rel_opportunity: Probability = Field(0.84, description=(
        "Incident opportunity at a patrolled hotspot: Braga & Weisburd 2020, ~16% less crime "
        "(EVIDENCE §7)."))
    staff: float = Field(4.0, ge=0, le=100_000, description="Officers (FTE). Assumption.")
    caseload: float = Field(0.0, ge=0, le=1_000_000, description="No caseload: place-based.")
    cost_per_staff_per_year: float = Field(55_000.0, ge=0, description=(
        "Police constable with on-costs. Assumption."))


class ExploiterDisruption(PlaceOrLineIntervention):
    """More police closures of county lines."""

    def act(self, model):
        model.lines.rel_disruption *= self.spec.rel_disruption


class ExploiterDisruptionSpec(InterventionSpec):
    """County-lines disruption (a local task force)."""

    runtime: ClassVar[type] = ExploiterDisruption

    type: Literal["exploiter_disruption"] = "exploiter_disruption"
    rel_disruption: Positive = Field(2.0, le=1000, description=(
        "Multiplier of the weekly closure rate of lines. Assumption: a dedicated team doubles "
        "the ~1 closure per line per year of EVIDENCE §5."))
    staff: float = Field(4.0, ge=0, le=100_000, description="Officers (FTE). Assumption.")
    caseload: float = Field(0.0, ge=0, le=1_000_000, description="No caseload.")
    cost_per_staff_per_year: float = Field(55_000.0, ge=0, description="Assumption.")


class FocusedDeterrenceSpec(InterventionSpec):
    """Focused deterrence (group violence intervention): call-ins, enforcement and support."""

    type: Literal["focused_deterrence"] = "focused_deterrence"
    min_age: int = Field(14, ge=10, le=24, description="Glasgow participants averaged 16.")
    levels: tuple[Level, ...] = ("involved", "entrenched")
    targeting: Targeting = "gang"
    staff: float = Field(5.0, ge=0, le=100_000, description="Assumption.")
    caseload: float = Field(10.0, ge=0, le=1_000_000, description="Assumption.")
    duration_weeks: float = Field(52.0, gt=0, le=520, description="Assumption.")
    p_engage: float = Field(0.7, ge=0, le=1, description="Assumption.")
    effects: Effects = Field(Effects(rel_perpetration=0.67), description=(
        "YEF Toolkit: crime −33% on average (EVIDENCE §7)."))
    cost_per_staff_per_year: float = Field(45_000.0, ge=0, description="Assumption.")
    cost_fixed_per_year: float = Field(30_000.0, ge=0, description="Call-ins, assumption.")


class CivilInjunctionSpec(InterventionSpec):
    """Gang or knife-crime civil injunctions: conditions on association and places."""

    type: Literal["civil_injunction"] = "civil_injunction"
    min_age: int = Field(14, ge=10, le=24, description="Knife crime prevention orders: 12+.")
    levels: tuple[Level, ...] = ("involved", "entrenched")
    targeting: Targeting = "police_referral"
    p_referral: float = Field(0.1, ge=0, le=1, description="Assumption.")
    staff: float = Field(1.0, ge=0, le=100_000, description="Assumption.")
    caseload: float = Field(20.0, ge=0, le=1_000_000, description="Assumption.")
    duration_weeks: float = Field(52.0, gt=0, le=520, description="A year's order.")
    p_engage: float = Field(1.0, ge=0, le=1, description="Imposed by a court.")
    effects: Effects = Field(Effects(rel_perpetration=0.85, rel_exposure=0.8), description=(
        "Assumption: no trial evidence in EVIDENCE.md."))
    cost_per_participant: float = Field(5_000.0, ge=0, description="Court costs, assumption.")
    cost_per_staff_per_year: float = Field(45_000.0, ge=0, description="Assumption.")
