"""Outreach / detached youth work at places (Redcar and Cleveland 'Youth Work Plus').

Seed: Friday-evening outreach in identified ASB hotspots; five older youths first, then 20
young people in three phases (relationships and assessment, one-to-ones and support, positive
activities such as MCing); ASB fell 41% in 12 months and 17 of 20 had no further ASB; £546,000.
Youth workers reach the young people who use the hotspots (targeting by place) and their
presence adds guardianship at those places while funded. The evidence on detached youth work
is thin (EVIDENCE §7: only a YEF feasibility study), so the effect sizes are assumptions.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from vsim.interventions.base import Effects, Intervention, InterventionSpec, Targeting
from vsim.fields import Probability


class Outreach(Intervention):
    """Youth workers at the hottest places of the given kinds: reach users, add guardianship."""

    def places(self, model) -> np.ndarray:
        """Indices of the places worked (hottest first among the chosen kinds)."""
        world = model.world
        # every place type of a chosen kind (two [[places.types]] may share a kind name)
        kinds = [i for i, kind in enumerate(world.place_types) if kind in self.spec.place_kinds]
        of_kind = np.isin(world.places.kind, kinds)
        # ... in the neighbourhoods the service works in; if none of them has such a place,
        # workers go to those places wherever they are (detached youth work follows the young).
        candidates = np.nonzero(of_kind & self.nbhd_mask[world.places.neighbourhood])[0]
        if candidates.size == 0:
            candidates = np.nonzero(of_kind)[0]
        if candidates.size == 0:
            return candidates
        heat = world.places.heat[candidates] / world.places.users[candidates]
        order = np.argsort(-heat, kind="stable")
        return candidates[order[: self.spec.n_places]]

    def eligible(self, model):
        return super().eligible(model) & np.isin(model.people.place, self.places(model))

    def apply(self, model):
        super().apply(model)
        if self.funded(model.t) and self.spec.rel_opportunity < 1.0:
            model.world.places.rel_opportunity[self.places(model)] *= self.spec.rel_opportunity


class OutreachSpec(InterventionSpec):
    """Targeted youth work with the young people who use ASB hotspots."""

    runtime: ClassVar[type] = Outreach

    type: Literal["outreach"] = "outreach"
    place_kinds: tuple[str, ...] = Field(("asb_hotspot", "park"), description=(
        "Kinds of place worked (seed: identified ASB hotspots)."))
    n_places: int = Field(3, ge=1, le=10_000, description=(
        "Places worked at once, hottest first. Assumption (seed: one small town, Loftus)."))
    max_age: int = Field(19, ge=10, le=24, description="Youth service ages. Assumption.")
    targeting: Targeting = "place"
    staff: float = Field(2.0, ge=0, le=100_000, description=(
        "Youth workers. Seed: 20 young people; 2 × 10."))
    caseload: float = Field(10.0, ge=0, le=1_000_000, description="Assumption.")
    duration_weeks: float = Field(39.0, gt=0, le=520, description=(
        "Seed: three phases; assumption of 13 weeks each."))
    p_engage: float = Field(0.85, ge=0, le=1, description="Assumption.")
    effects: Effects = Field(Effects(rel_perpetration=0.75, rel_exposure=0.8), description=(
        "Assumption: seed, ASB −41% and 17 of 20 with no further ASB; ASB is not violence, so "
        "a smaller 25% reduction is taken, with less time exposed at the hotspot."))
    rel_opportunity: Probability = Field(0.95, description=(
        "Incident opportunity at the worked places while funded (one evening a week of "
        "presence). Assumption."))
    cost_per_staff_per_year: float = Field(35_000.0, ge=0, description=(
        "JNC professional youth worker with on-costs (EVIDENCE §7)."))
    cost_fixed_per_year: float = Field(25_000.0, ge=0, description=(
        "Activities (e.g. professional MCs), venues. Assumption; the seed's £546,000 covered "
        "the wider EIYF programme."))
