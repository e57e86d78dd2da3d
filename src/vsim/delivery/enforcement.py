"""Enforcement in a model: patrols and disruption act on places and lines, not on people.

Hotspot policing lowers the opportunity at the hottest places (and can change residents' worry
and young users' fear there); community reassurance lowers residents' worry; exploiter
disruption raises the rate at which county lines are closed. The schema and sources are
:mod:`vsim.interventions.enforcement`.
"""

from __future__ import annotations

import numpy as np

from vsim.delivery.base import Intervention


class PlaceOrLineIntervention(Intervention):
    """An intervention that acts on places or lines, not on enrolled young people."""

    def step(self, model):
        """Act while funded, and book the costs."""
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
        """Lower the opportunity at the hottest places (heat per user) of its neighbourhoods.

        With no ``neighbourhoods`` given, the hottest places of the whole area.
        """
        places = model.world.places
        candidates = np.nonzero(self.nbhd_mask[places.neighbourhood])[0]
        if candidates.size == 0 or self.spec.n_places == 0:
            return
        heat = places.heat[candidates] / places.users[candidates]
        hottest = candidates[np.argsort(-heat, kind="stable")[: self.spec.n_places]]
        places.rel_opportunity[hottest] *= self.spec.rel_opportunity
        reassure(model, places.neighbourhood[hottest], self.spec.rel_worry)
        if self.spec.rel_fear_users != 1.0:
            users = np.isin(model.people.place, hottest) & (model.people.alive == 1)
            model.people.modifier("rel_fear")[users] *= np.float32(self.spec.rel_fear_users)


def reassure(model, neighbourhoods: np.ndarray, rel_worry: float) -> None:
    """Multiply the odds of residents' worry in these neighbourhoods (each once)."""
    if rel_worry != 1.0 and neighbourhoods.size:
        model.worry.rel_worry[np.unique(neighbourhoods)] *= rel_worry


class CommunityReassurance(PlaceOrLineIntervention):
    """Engagement with residents of its neighbourhoods (all, if none given) lowers worry."""

    def act(self, model):
        """Multiply the odds of worry in the neighbourhoods worked."""
        reassure(model, np.nonzero(self.nbhd_mask)[0], self.spec.rel_worry)


class ExploiterDisruption(PlaceOrLineIntervention):
    """More police closures of county lines."""

    def act(self, model):
        """Multiply every line's closure rate."""
        np.multiply(model.lines.rel_disruption, self.spec.rel_disruption,
                    out=model.lines.rel_disruption)
