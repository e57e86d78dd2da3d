"""The staged referral pathway in a model: escalation and effects stage by stage.

The schema and the seed's counts are :mod:`vsim.interventions.referral_pathway`.
"""

from __future__ import annotations

import numpy as np

from vsim.delivery.base import Intervention, apply_effects
from vsim.interventions.base import COMPLETED, DROPPED, ENROLLED
from vsim.rng import draws
from vsim.vocabulary import REL_PERPETRATION


class ReferralPathway(Intervention):
    """Every referral starts at stage 1; escalation at the end of each stage."""

    def __init__(self, spec, model, index):
        super().__init__(spec, model, index)
        self.stage = np.zeros(0, np.int8)
        self.stage_steps = max(1, int(round(spec.stage_weeks / self.weeks)))
        self.max_stage = np.zeros(0, np.int8)

    def _add_referrals(self, model, slots, t):
        super()._add_referrals(model, slots, t)
        grow = self.status.size - self.stage.size
        if grow:
            self.stage = np.concatenate([self.stage, np.zeros(grow, np.int8)])
            self.max_stage = np.concatenate([self.max_stage, np.zeros(grow, np.int8)])

    def _enrol(self, t):
        before = self.status == ENROLLED
        joined = super()._enrol(t)
        new = (self.status == ENROLLED) & ~before
        self.stage[new] = 1
        self.max_stage[new] = 1
        return joined

    def _progress(self, t):
        """At the end of a stage escalate or close; in between, drop out at the weekly rate."""
        idx = np.nonzero(self.status == ENROLLED)[0]
        if idx.size == 0:
            return 0, 0
        end_of_stage = (t - self.t_enrolled[idx]) >= self.stage_steps * self.stage[idx]
        between = idx[~end_of_stage]
        dropped = between[draws(self.key, t, self.pids[between], 2) < self.p_dropout]
        idx = idx[end_of_stage]
        stage = self.stage[idx]
        p_up = np.array(self.spec.p_escalate + (0.0,))[stage - 1]
        u = draws(self.key, t, self.pids[idx], 5)
        up = (u < p_up) & (stage < 5)
        self.stage[idx[up]] += 1
        self.max_stage[idx[up]] = self.stage[idx[up]]
        closed = idx[~up]
        self._discharge(closed, COMPLETED, t)
        # A case closed at its stage has completed its pathway: full after-care effect.
        self.share_done[closed] = 1.0
        self._discharge(dropped, DROPPED, t)
        return int(closed.size), int(dropped.size)

    def apply(self, model):
        """Apply each stage's effect while enrolled, and the after-care once closed.

        Stage k applies ``stage_rel_perpetration[k]`` (deeper stages are more intensive); the
        after-care ``effects`` start when the case is closed and decay with the half-life.
        """
        if self.slots.size == 0:
            return
        rel_by_stage = np.array((1.0,) + tuple(self.spec.stage_rel_perpetration))
        factor = np.maximum(0.0, 1.0 - (1.0 - rel_by_stage) * self.strength)
        live = self.slots >= 0
        enrolled = live & (self.status == ENROLLED)
        model.people.modifiers[REL_PERPETRATION, self.slots[enrolled]] *= factor[
            self.stage[enrolled]].astype(np.float32)
        after = live & (self.status != ENROLLED)
        if np.all(self.rel == 1.0) or not after.any():
            return
        apply_effects(self.participant_state(after), self.rel, model.t, self.decay_rate,
                      self.strength, model.people.modifiers)

    def stage_counts(self) -> np.ndarray:
        """Young people who reached each stage 1..5."""
        return np.array([(self.max_stage >= k).sum() for k in range(1, 6)])
