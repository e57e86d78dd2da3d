"""Enforcement in a model: patrols and disruption act on places and lines, not on people.

Hotspot policing lowers the opportunity at the hottest places; exploiter disruption raises
the rate at which county lines are closed. The schema and sources are
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
        """Lower the opportunity at the hottest places (heat per user)."""
        places = model.world.places
        n = min(self.spec.n_places, places.kind.size)
        if n == 0:
            return
        hottest = np.argsort(-(places.heat / places.users), kind="stable")[:n]
        places.rel_opportunity[hottest] *= self.spec.rel_opportunity


class ExploiterDisruption(PlaceOrLineIntervention):
    """More police closures of county lines."""

    def act(self, model):
        """Multiply every line's closure rate."""
        np.multiply(model.lines.rel_disruption, self.spec.rel_disruption,
                    out=model.lines.rel_disruption)
