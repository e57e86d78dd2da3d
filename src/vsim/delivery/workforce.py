"""Workforce upskilling in a model: it sets the strength the other services apply.

The schema and sources are :mod:`vsim.interventions.workforce`.
"""

from __future__ import annotations

import math
from typing import ClassVar

from vsim.delivery.base import Intervention


class WorkforceUpskilling(Intervention):
    """Sets the strength multiplier the other interventions apply this step."""

    order: ClassVar[int] = 0  # runs before the services it improves

    def boost_now(self, t: int) -> float:
        """Current boost: full while funded, fading with the half-life after the cliff."""
        if t < self.t_start:
            return 0.0
        boost = self.spec.boost * min(1.0, self.spec.staff_trained / self.spec.staff_for_full)
        if t <= self.t_end:
            return boost
        return boost * math.exp(-self.decay_rate * (t - self.t_end))

    def step(self, model):
        """Raise this step's service strength; book the costs."""
        model.service_strength *= 1.0 + self.boost_now(model.t)
        self._book(model.t, 0, 0, 0)
