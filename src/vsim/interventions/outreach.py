"""Outreach / detached youth work at places (Redcar and Cleveland 'Youth Work Plus').

Seed: Friday-evening outreach in identified ASB hotspots; five older youths first, then 20
young people in three phases (relationships and assessment, one-to-ones and support, positive
activities such as MCing); ASB fell 41% in 12 months and 17 of 20 had no further ASB; £546,000
(evidence: seed-redcar). Youth workers reach the young people who use the hotspots (targeting by
place) and their presence adds guardianship at those places while funded. The evidence on
detached youth work is thin (only a YEF feasibility study; evidence:
not-found-detached-youth-work), so the effect sizes are assumptions.
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
    Probability,
    Staff,
)
from vsim.interventions.base import Effects, InterventionSpec, Targeting


class OutreachSpec(InterventionSpec):
    """Targeted youth work with the young people who use ASB hotspots."""

    effect_fields: ClassVar[tuple[str, ...]] = ("effects", "rel_opportunity", "rel_worry")
    type: Literal["outreach"] = "outreach"
    place_kinds: tuple[str, ...] = Field(("asb_hotspot", "park"), description=(
        "Kinds of place worked (seed: identified ASB hotspots; evidence: seed-redcar)."))
    n_places: PlaceCount = Field(3, description=(
        "Places worked at once, hottest first. Assumption (seed: one small town, Loftus; "
        "evidence: assume-outreach, seed-redcar)."))
    max_age: Age = Field(19, description=(
        "Youth service ages. Assumption (evidence: assume-outreach)."))
    targeting: Targeting = "place"
    staff: Staff = Field(2.0, description=(
        "Youth workers. Seed: 20 young people; 2 × 10 (evidence: seed-redcar)."))
    caseload: Caseload = Field(10.0, description="Assumption (evidence: assume-outreach).")
    duration_weeks: Duration = Field(39.0, description=(
        "Seed: three phases; assumption of 13 weeks each (evidence: seed-redcar, "
        "assume-outreach)."))
    p_engage: Probability = Field(0.85, description="Assumption (evidence: assume-outreach).")
    effects: Effects = Field(Effects(rel_perpetration=0.75, rel_exposure=0.8), description=(
        "Assumption: seed, ASB −41% and 17 of 20 with no further ASB; ASB is not violence, so "
        "a smaller 25% reduction is taken, with less time exposed at the hotspot (evidence: "
        "assume-outreach-effect, seed-redcar)."))
    rel_opportunity: Probability = Field(0.95, description=(
        "Incident opportunity at the worked places while funded (one evening a week of "
        "presence). Assumption (evidence: assume-outreach)."))
    rel_worry: Multiplier = Field(0.95, description=(
        "Multiplier of the odds that residents of the worked places' neighbourhoods are "
        "worried about knife crime while funded: visible youth workers at the hotspots. "
        "Assumption, small as for community policing (evidence: assume-fear-interventions, "
        "community-policing-fear-gill-2014)."))
    cost_per_staff_per_year: Money = Field(35_000.0, description=(
        "JNC professional youth worker with on-costs (evidence: youth-worker-pay-jnc)."))
    cost_fixed_per_year: Money = Field(25_000.0, description=(
        "Activities (e.g. professional MCs), venues. Assumption; the seed's £546,000 covered "
        "the wider EIYF programme (evidence: assume-outreach, seed-redcar)."))
