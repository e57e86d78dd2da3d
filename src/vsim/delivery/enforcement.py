"""Enforcement in a model: patrols at hotspots and county-lines disruption act on places and
lines, not on enrolled young people (schema and sources: :mod:`vsim.interventions.enforcement`).
"""

from __future__ import annotations

import numpy as np

from vsim.delivery.base import Intervention


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


class ExploiterDisruption(PlaceOrLineIntervention):
    """More police closures of county lines."""

    def act(self, model):
        np.multiply(model.lines.rel_disruption, self.spec.rel_disruption,
                    out=model.lines.rel_disruption)
