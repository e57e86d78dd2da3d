"""Interventions at work in a model: the runtime of each family of :mod:`vsim.interventions`.

:func:`build` turns a scenario's (funded) intervention specs into runtime objects; a family
without behaviour of its own runs as the shared :class:`Intervention`.
"""

from __future__ import annotations

from vsim.delivery.base import Intervention
from vsim.delivery.domestic_abuse import DomesticAbuseSupport
from vsim.delivery.enforcement import ExploiterDisruption, HotspotPolicing
from vsim.delivery.family_therapy import FamilyTherapy
from vsim.delivery.outreach import Outreach
from vsim.delivery.referral_pathway import ReferralPathway
from vsim.delivery.workforce import WorkforceUpskilling

# Families with behaviour of their own; every other type runs as Intervention.
RUNTIMES: dict[str, type[Intervention]] = {
    "family_therapy": FamilyTherapy, "outreach": Outreach, "hotspot_policing": HotspotPolicing,
    "exploiter_disruption": ExploiterDisruption, "referral_pathway": ReferralPathway,
    "workforce_upskilling": WorkforceUpskilling, "domestic_abuse_support": DomesticAbuseSupport,
}


def build(specs, model) -> list[Intervention]:
    """Runtime objects for a scenario's interventions, services' trainers first."""
    built = [RUNTIMES.get(spec.type, Intervention)(spec, model, k)
             for k, spec in enumerate(specs)]
    # identical specs get streams of their own (the n-th copy draws from stream n)
    seen: dict[str, int] = {}
    for iv in built:
        text = iv.spec.model_dump_json()
        if seen.get(text):
            iv.key = iv.stream(seen[text])
        seen[text] = seen.get(text, 0) + 1
    return sorted(built, key=lambda iv: iv.order)


__all__ = ["Intervention", "RUNTIMES", "build"]
