"""Outreach in a model: youth workers at the hottest places reach their users.

Their presence also adds guardianship at those places while funded. The schema and sources
are :mod:`vsim.interventions.outreach`.
"""

from __future__ import annotations

import numpy as np

from vsim.delivery.base import Intervention
from vsim.delivery.enforcement import reassure


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
        """The base eligibility, among the users of the places worked."""
        return super().eligible(model) & np.isin(model.people.place, self.places(model))

    def apply(self, model):
        """The participants' effects, and guardianship at the places worked."""
        super().apply(model)
        if self.funded(model.t):
            worked = self.places(model)
            if self.spec.rel_opportunity < 1.0:
                model.world.places.rel_opportunity[worked] *= self.spec.rel_opportunity
            reassure(model, model.world.places.neighbourhood[worked], self.spec.rel_worry)
