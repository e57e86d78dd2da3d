"""Interventions at work in a model: the runtime of each family of :mod:`vsim.interventions`.

:func:`build` turns a scenario's (funded) intervention specs into runtime objects; a family
without behaviour of its own runs as the shared :class:`Intervention`.
"""

from __future__ import annotations

import numpy as np

from vsim.delivery.base import Intervention, stream_text
from vsim.delivery.domestic_abuse import DomesticAbuseSupport
from vsim.delivery.enforcement import CommunityReassurance, ExploiterDisruption, HotspotPolicing
from vsim.delivery.family_therapy import FamilyTherapy
from vsim.delivery.outreach import Outreach
from vsim.delivery.referral_pathway import ReferralPathway
from vsim.delivery.workforce import WorkforceUpskilling
from vsim.interventions.base import COMPLETED, DROPPED

# Families with behaviour of their own; every other type runs as Intervention.
RUNTIMES: dict[str, type[Intervention]] = {
    "family_therapy": FamilyTherapy, "outreach": Outreach, "hotspot_policing": HotspotPolicing,
    "exploiter_disruption": ExploiterDisruption, "referral_pathway": ReferralPathway,
    "workforce_upskilling": WorkforceUpskilling, "domestic_abuse_support": DomesticAbuseSupport,
    "community_reassurance": CommunityReassurance,
}


def build(specs, model) -> list[Intervention]:
    """Runtime objects for a scenario's interventions, services' trainers first."""
    built = [RUNTIMES.get(spec.type, Intervention)(spec, model, k)
             for k, spec in enumerate(specs)]
    # identical specs get streams of their own (the n-th copy draws from stream n)
    seen: dict[str, int] = {}
    for iv in built:
        text = stream_text(iv.spec)
        if seen.get(text):
            iv.key = iv.stream(seen[text])
        seen[text] = seen.get(text, 0) + 1
    return sorted(built, key=lambda iv: iv.order)


def reach(model) -> dict:
    """Who a model's interventions reached in the recorded period.

    Returns the ids of everyone enrolled in the recorded period (sorted), the courses that
    ended in it completed or dropped out, and the young people waiting at the end.
    """
    burn_in = model.n_burn_in
    enrolled = [iv.pids[iv.t_enrolled >= burn_in] for iv in model.interventions]
    participants = (np.unique(np.concatenate(enrolled)).astype(np.int64) if enrolled
                    else np.zeros(0, np.int64))

    def ended(status: int) -> int:
        return sum(int(((iv.status == status) & (iv.t_discharged >= burn_in)).sum())
                   for iv in model.interventions)

    return {"participants": participants, "completed": ended(COMPLETED),
            "dropped_out": ended(DROPPED),
            "waiting_end": sum(iv.ledger[-1]["waiting"] for iv in model.interventions
                               if iv.ledger and iv.ledger[-1]["t"] >= model.n_burn_in)}


__all__ = ["Intervention", "RUNTIMES", "build", "reach"]
