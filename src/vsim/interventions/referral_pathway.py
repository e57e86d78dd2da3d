"""A staged police-led referral pathway (Sussex REBOOT).

Seed (Sussex): young people aged 10–17 (priority 11–14) who came to police attention in the
last 4 weeks are referred; five stages with escalation, from a letter and a visit to youth
coaching and multi-agency panels; 617 referred in 9 months: 56% closed at stage 1, 25% went
to stage 2, 8 to stage 3, 4 to stage 4 and 1 to stage 5; 9 coaches × 30–35 young people a
year; 165 coached; £890,000. Each stage lasts ``stage_weeks``; at its end a young person
escalates with the conditional probability derived from those counts, or is closed.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from vsim.interventions.base import (COMPLETED, DROPPED, ENROLLED, Effects, Intervention,
                                     InterventionSpec, Targeting, apply_effects)
from vsim.fields import Positive, Probability
from vsim.rng import draws

# Seed: reached stage k, out of 617 referred: stage 2 = 25%, stage 3 = 8, 4 = 4, 5 = 1.
_REACHED = (1.0, 0.25, 8 / 617, 4 / 617, 1 / 617)
SEED_ESCALATION = tuple(_REACHED[k + 1] / _REACHED[k] for k in range(4))


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
        model.people.rel_perpetration[self.slots[enrolled]] *= factor[
            self.stage[enrolled]].astype(np.float32)
        after = live & (self.status != ENROLLED)
        if np.all(self.rel == 1.0) or not after.any():
            return
        p = model.people
        apply_effects(self.slots[after], self.status[after], self.t_enrolled[after],
                      self.t_discharged[after], self.share_done[after], self.rel, model.t,
                      self.decay_rate, self.strength, p.rel_perpetration, p.rel_exposure,
                      p.rel_entry, p.rel_desistance, p.rel_recruitment, p.rel_exploit_exit)

    def stage_counts(self) -> np.ndarray:
        """Young people who reached each stage 1..5."""
        return np.array([(self.max_stage >= k).sum() for k in range(1, 6)])


class ReferralPathwaySpec(InterventionSpec):
    """REBOOT-style five-stage pathway for young people who came to police attention."""

    runtime: ClassVar[type] = ReferralPathway

    type: Literal["referral_pathway"] = "referral_pathway"
    max_age: int = Field(17, ge=10, le=24, description="Seed: ages 10–17.")
    targeting: Targeting = "police_referral"
    priority_min_age: int | None = Field(11, ge=10, le=24, description="Seed: priority 11–14.")
    priority_max_age: int | None = Field(14, ge=10, le=24)
    referral_delay_weeks: float = Field(1.0, ge=0, le=520, description="Assumption.")
    staff: float = Field(9.0, ge=0, le=100_000, description="Seed: 9 coaches.")
    caseload: float = Field(40.0, ge=0, le=1_000_000, description=(
        "Young people at any stage per coach at once. Assumption: stage 1 is light-touch."))
    p_engage: float = Field(0.9, ge=0, le=1, description="Assumption.")
    p_dropout_weekly: float = Field(0.0, ge=0, le=1, description="Closed, not dropped.")
    stage_weeks: float = Field(4.0, gt=0, le=520, description=(
        "Length of each stage. Assumption (the referral window is 4 weeks)."))
    duration_weeks: float = Field(20.0, gt=0, le=520, description="Five stages of 4 weeks.")
    p_escalate: tuple[Probability, Probability, Probability, Probability] = Field(
        SEED_ESCALATION, description=(
        "Conditional probability of moving from stage k to k+1, derived from the seed's "
        "counts: 25% reach stage 2; 8, 4 and 1 of 617 reach stages 3, 4 and 5."))
    stage_rel_perpetration: tuple[Positive, Positive, Positive, Positive, Positive] = Field(
        (0.97, 0.85, 0.8, 0.8, 0.8), description=(
            "Hazard multiplier at each stage. Assumption: stage 2 is youth coaching "
            "(mentoring-like, YEF: −21% violence, EVIDENCE §7), stage 1 a letter and visit."))
    effects: Effects = Field(Effects(rel_perpetration=0.9), description=(
        "After-care effect once closed, decaying with half_life_weeks. Assumption."))
    cost_per_staff_per_year: float = Field(32_000.0, ge=0, description=(
        "Youth coach with on-costs. Assumption; the seed's £890,000 (April 2019 to June "
        "2020) also paid police visits, a mental health nurse and an enabling fund."))
