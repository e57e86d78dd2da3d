"""How an intervention runs in a model: waiting list, caseload, effects and costs.

The runtime of :class:`vsim.interventions.base.InterventionSpec` (the schema): each step it
discharges, takes referrals, enrols up to capacity first come first served, multiplies its
effects into the participants' modifiers and books its costs in a ledger. Families with
behaviour of their own subclass :class:`Intervention` in this package (one file each).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from vsim.compiled import kernel
from vsim.interventions.base import (
    COMPLETED,
    CUT,
    DECLINED,
    DROPPED,
    ENROLLED,
    NOT_SERVED,
    WAITING,
    InterventionSpec,
)
from vsim.rng import draws, stream_key
from vsim.vocabulary import DAYS_PER_YEAR, LEVEL_NAMES

if TYPE_CHECKING:
    from vsim.model import ViolenceModel


@kernel(inline=True)
def factor(rel, f):
    """``1 − (1 − rel)·f``, never below 0, as a float32.

    Modifiers are float32: the product of two float32 factors is exact in float64 and rounds
    once, so two interventions acting on one person give the same modifier in either order.
    """
    return np.float32(max(0.0, 1.0 - (1.0 - rel) * f))


@kernel
def apply_effects(participants, rel, t, decay_rate, strength, modifiers):
    """Multiply each participant's modifiers by the effect now due to them.

    Enrolled: full effect. After discharge: ``1 − (1 − rel)·f·exp(−λ·(t − t_discharged))``
    with f = 1 for completers and the share completed for drop-outs. ``strength`` scales
    (1 − rel) (workforce upskilling); a multiplier never goes below 0. ``participants`` is
    (slots, status, t_discharged, share_done); ``rel`` has one entry per modifier row.
    """
    slots, status, t_discharged, share_done = participants
    for n in range(slots.shape[0]):
        i = slots[n]
        s = status[n]
        if s == ENROLLED:
            f = 1.0
        elif s == COMPLETED or s == DROPPED or s == CUT:
            f = share_done[n] * np.exp(-decay_rate * (t - t_discharged[n]))
            if f < 1e-4:
                continue
        else:
            continue
        f *= strength
        for k in range(rel.shape[0]):
            modifiers[k, i] *= factor(rel[k], f)


# Fields added after interventions' streams were first keyed (the fear process's): the key
# leaves them out while they hold their family's default, so adding them moved nobody's draws.
LATER_FIELDS = ("rel_worry", "rel_fear_users")
LATER_EFFECTS = ("rel_fear",)


def stream_text(spec: InterventionSpec) -> str:
    """The text that keys a spec's random stream: its JSON, without later fields at default."""
    defaults = type(spec)()
    exclude: dict = {f: True for f in LATER_FIELDS
                     if f in type(spec).model_fields and getattr(spec, f) == getattr(defaults, f)}
    effects = {f for f in LATER_EFFECTS
               if getattr(spec.effects, f) in (1.0, getattr(defaults.effects, f))}
    if effects:
        exclude["effects"] = effects
    return spec.model_dump_json(exclude=exclude)


class Intervention:
    """Runtime of one intervention in one model: waiting list, caseload, effects, ledger."""

    order: ClassVar[int] = 1  # interventions that change other services (upskilling) go first

    def __init__(self, spec: InterventionSpec, model: ViolenceModel, index: int):
        self.spec = spec
        self.model = model
        self.index = index
        sc = model.scenario
        time = sc.time
        self.step_days = time.step_days
        self.weeks = time.weeks_per_step
        self.t_start = model.n_burn_in + self._to_step(spec.start or time.start, time)
        self.t_end = (model.n_burn_in + self._to_step(spec.end, time) if spec.end
                      else 2**31 - 1)
        self.delay_steps = int(round(spec.referral_delay_weeks / self.weeks))
        self.duration_steps = max(1, int(round(spec.duration_weeks / self.weeks)))
        self.max_wait_steps = int(round(spec.max_wait_weeks / self.weeks))
        self.decay_rate = math.log(2) / (spec.half_life_weeks / self.weeks)
        self.p_dropout = 1.0 - (1.0 - spec.p_dropout_weekly) ** self.weeks
        self.rel = spec.effects.as_array()
        names = model.world.nbhd_names
        # the scenario's validation has checked that every name is one of its neighbourhoods
        self.nbhd_mask = np.array([not spec.neighbourhoods or n in spec.neighbourhoods
                                   for n in names])
        self.key = self.stream(0)
        # Participants, in order of referral: slot and their own state.
        self.slots = np.zeros(0, np.int64)
        self.pids = np.zeros(0, np.int64)
        self.status = np.zeros(0, np.int8)
        self.t_referred = np.zeros(0, np.int32)
        self.t_enrolled = np.zeros(0, np.int32)
        self.t_discharged = np.zeros(0, np.int32)
        self.share_done = np.zeros(0, np.float64)
        self.ledger: list[dict] = []
        self.strength = 1.0

    def stream(self, occurrence: int) -> np.uint64:
        """Key of this intervention's random stream.

        Derived from the seed and the whole spec (plus, for identical specs, which copy this
        is), not from the position in the list: listing interventions in another order gives
        each the same draws, so their effects compose independently of the order.
        """
        return stream_key(self.model.seed, f"intervention:{stream_text(self.spec)}:{occurrence}")

    # ------------------------------------------------------------------ time
    @staticmethod
    def _to_step(day: dt.date, time) -> int:
        return (day - time.start).days // time.step_days

    def funded(self, t: int) -> bool:
        """Whether the funding window is open at step t."""
        return self.t_start <= t <= self.t_end

    # ------------------------------------------------------------------ who
    def eligible(self, model: ViolenceModel) -> np.ndarray:
        """Boolean mask over slots of the young people this intervention may take."""
        p, spec, t = model.people, self.spec, model.t
        years = p.age_days / DAYS_PER_YEAR
        mask = ((p.alive == 1) & (years >= spec.min_age) & (years < spec.max_age + 1)
                & (p.custody_until <= t) & self.nbhd_mask[p.neighbourhood])
        if len(spec.levels) < 4:
            allowed = np.array([name in spec.levels for name in LEVEL_NAMES])
            mask &= allowed[p.level]
        if spec.exploited != "any":
            mask &= (p.exploited_by >= 0) == (spec.exploited == "yes")
        if spec.in_school != "any":
            mask &= (p.school >= 0) == (spec.in_school == "yes")
        return mask

    def priority(self, model: ViolenceModel, slots: np.ndarray) -> np.ndarray:
        """Score used to order candidates (higher first) for non-referral targeting."""
        spec, p = self.spec, model.people
        u = draws(self.key, model.t, p.pid[slots], 0)
        rule = spec.targeting
        if rule == "risk_score":
            score = self.visible_risk(model, slots) + 1e-6 * u
        elif rule == "network":
            score = model.ties.degree[slots] + u
        elif rule == "gang":
            score = (p.gang[slots] >= 0) * 1000.0 + p.level[slots] * 10.0 + u
        elif rule == "place":
            heat = model.world.places.heat / model.world.places.users
            score = np.where(p.place[slots] >= 0, heat[np.maximum(p.place[slots], 0)], 0) + 1e-6 * u
        else:
            score = u
        if spec.priority_min_age is not None:
            years = p.age_days[slots] / DAYS_PER_YEAR
            pri = (years >= spec.priority_min_age) & (years < spec.priority_max_age + 1)
            score = score + pri * 1e6
        return score

    def visible_risk(self, model: ViolenceModel, slots: np.ndarray) -> np.ndarray:
        """Risk score from the factors the partnership can see (``visible_share`` of each)."""
        return model.risk.visible(model.people, slots, self.spec.visible_share, self.key)

    def referrals(self, model: ViolenceModel, eligible: np.ndarray) -> np.ndarray:
        """Slots referred this step (referral rules) or chosen to fill places (other rules)."""
        spec, p, t = self.spec, model.people, model.t
        rule = spec.targeting
        if spec.capacity <= 0:
            return np.zeros(0, np.int64)  # no places (e.g. staff 0): nobody is referred
        if rule in ("police_referral", "school_referral"):
            if rule == "police_referral":
                qualifying = eligible & (p.known_until > t)
            else:
                qualifying = eligible & (p.excluded == 1) & (p.school >= 0)
            slots = np.nonzero(qualifying)[0]
            slots = slots[self._not_served(p.pid[slots])]
            if spec.p_referral < 1.0 and slots.size:
                # One draw per young person, the same every week: p_referral is the share of
                # those who qualify that the service ever receives, not a weekly chance.
                slots = slots[draws(self.key, 0, p.pid[slots], 1) < spec.p_referral]
            order = np.argsort(-self.priority(model, slots), kind="stable")
            return slots[order]
        # Other rules: the service picks, best first, enough to keep the waiting list topped up.
        slots = np.nonzero(eligible)[0]
        slots = slots[self._not_served(p.pid[slots])]
        room = self.spec.capacity - self.n_active() + max(1, self.spec.capacity // 10)
        if room <= 0 or slots.size == 0:
            return slots[:0]
        score = self.priority(model, slots)
        if room < slots.size:
            top = np.argpartition(-score, room - 1)[:room]
            slots, score = slots[top], score[top]
        return slots[np.argsort(-score, kind="stable")]

    def _not_served(self, pids: np.ndarray) -> np.ndarray:
        """Each young person is referred to an intervention at most once."""
        if self.pids.size == 0:
            return np.ones(pids.size, bool)
        return ~np.isin(pids, self.pids)

    def n_active(self) -> int:
        """Enrolled plus waiting."""
        return int(np.count_nonzero((self.status == ENROLLED) | (self.status == WAITING)))

    # ------------------------------------------------------------------ delivery
    def step(self, model: ViolenceModel) -> None:
        """Discharge, refer, enrol up to capacity, apply effects, book costs."""
        t = model.t
        left = self._sync_slots(model)
        completed, dropped = self._progress(t)
        completed += left
        if t == self.t_end + 1:
            # The grant cliff: the waiting list closes; with "discharge" so does the service.
            self.status[self.status == WAITING] = NOT_SERVED
            if self.spec.on_funding_end == "discharge":
                self._discharge(np.nonzero(self.status == ENROLLED)[0], CUT, t)
        new = 0
        if self.funded(t):
            self._close_stale(t)
            self._add_referrals(model, self.referrals(model, self.eligible(model)), t)
            new = self._enrol(t)
        self.apply(model)
        self._book(t, new, completed, dropped)

    def _progress(self, t: int) -> tuple[int, int]:
        """Discharge those who finished the programme and those who drop out this step."""
        idx = np.nonzero(self.status == ENROLLED)[0]
        if idx.size == 0:
            return 0, 0
        done = (t - self.t_enrolled[idx]) >= self.duration_steps
        u = draws(self.key, t, self.pids[idx], 2)
        drop = ~done & (u < self.p_dropout)
        self._discharge(idx[done], COMPLETED, t)
        self._discharge(idx[drop], DROPPED, t)
        return int(done.sum()), int(drop.sum())

    def _sync_slots(self, model) -> int:
        """Participants who left at 25 leave the service; returns how many were enrolled.

        A young person who leaves at 25 keeps their slot (``alive`` = 0) until a new cohort
        reuses it, so both are checked. Their slot is forgotten *before* they are discharged,
        so nothing a discharge does to the person (family therapy repairing the household)
        reaches whoever holds the slot now. They count as completed, with the share of the
        programme they had (their effect no longer reaches anyone).
        """
        if self.slots.size == 0:
            return 0
        live = self.slots >= 0
        at = np.maximum(self.slots, 0)
        people = model.people
        gone = live & ((people.pid[at] != self.pids) | (people.alive[at] == 0))
        if not gone.any():
            return 0
        self.slots[gone] = -1
        enrolled = np.nonzero(gone & (self.status == ENROLLED))[0]
        self._discharge(enrolled, COMPLETED, model.t)
        self.status[gone & (self.status == WAITING)] = NOT_SERVED
        return int(enrolled.size)

    def _add_referrals(self, model, slots: np.ndarray, t: int) -> None:
        if slots.size == 0:
            return
        pids = model.people.pid[slots]
        k = slots.size
        self.slots = np.concatenate([self.slots, slots.astype(np.int64)])
        self.pids = np.concatenate([self.pids, pids])
        self.status = np.concatenate([self.status, np.full(k, WAITING, np.int8)])
        self.t_referred = np.concatenate([self.t_referred, np.full(k, t, np.int32)])
        self.t_enrolled = np.concatenate([self.t_enrolled, np.full(k, -1, np.int32)])
        self.t_discharged = np.concatenate([self.t_discharged, np.full(k, -1, np.int32)])
        self.share_done = np.concatenate([self.share_done, np.zeros(k)])

    def _close_stale(self, t: int) -> None:
        stale = (self.status == WAITING) & (t - self.t_referred > self.max_wait_steps)
        self.status[stale] = NOT_SERVED

    def _enrol(self, t: int) -> int:
        """Offer free places first-come-first-served to those whose delay is over."""
        free = self.spec.capacity - int(np.count_nonzero(self.status == ENROLLED))
        if free <= 0:
            return 0
        ready = np.nonzero((self.status == WAITING)
                           & (t - self.t_referred >= self.delay_steps)
                           & (self.slots >= 0))[0]
        if ready.size == 0:
            return 0
        # The list is in referral order (and, within a step, in priority order): FIFO.
        offered = ready[:free]
        u = draws(self.key, t, self.pids[offered], 3)
        # Upskilled staff engage more of those offered a place (workforce upskilling).
        take = u < min(1.0, self.spec.p_engage * self.strength)
        self.status[offered[~take]] = DECLINED
        joined = offered[take]
        self.status[joined] = ENROLLED
        self.t_enrolled[joined] = t
        return int(joined.size)

    def _discharge(self, idx: np.ndarray, status: int, t: int) -> None:
        if idx.size == 0:
            return
        self.status[idx] = status
        self.t_discharged[idx] = t
        self.share_done[idx] = np.minimum(1.0, (t - self.t_enrolled[idx]) / self.duration_steps)
        if status == COMPLETED:
            self.share_done[idx] = np.where(self.share_done[idx] >= 0.999, 1.0,
                                            self.share_done[idx])

    # ------------------------------------------------------------------ effect
    def apply(self, model) -> None:
        """Multiply this intervention's effects into the participants' modifiers."""
        if self.slots.size == 0 or np.all(self.rel == 1.0):
            return
        live = self.slots >= 0
        apply_effects(self.participant_state(live), self.rel, model.t, self.decay_rate,
                      self.strength, model.people.modifiers)

    def participant_state(self, which: np.ndarray):
        """(slots, status, discharge step, share done) of the participants in ``which``."""
        return (self.slots[which], self.status[which], self.t_discharged[which],
                self.share_done[which])

    # ------------------------------------------------------------------ costs
    def staff_funded(self, t: int) -> bool:
        """Staff are paid while funded, and after the cliff while participants finish."""
        if self.funded(t):
            return True
        return (t > self.t_end and self.spec.on_funding_end == "finish_current"
                and bool(np.any(self.status == ENROLLED)))

    def _book(self, t: int, new: int, completed: int, dropped: int) -> None:
        spec = self.spec
        year_share = self.step_days / DAYS_PER_YEAR
        paying = self.staff_funded(t)
        fixed = spec.cost_fixed_per_year * year_share if self.funded(t) else 0.0
        staff = spec.staff * spec.cost_per_staff_per_year * year_share if paying else 0.0
        participants = new * spec.cost_per_participant
        self.ledger.append({
            "t": t, "intervention": spec.label, "type": spec.type, "cost_fixed": fixed,
            "cost_staff": staff, "cost_participants": participants,
            "cost_total": fixed + staff + participants,
            "enrolled": int(np.count_nonzero(self.status == ENROLLED)),
            "waiting": int(np.count_nonzero(self.status == WAITING)),
            "new_enrolments": new, "completed": completed, "dropped_out": dropped,
            "capacity": spec.capacity if paying else 0,
        })

    def enrolled_at(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        """(slots, person ids) of those who enrolled at step ``t``."""
        new = np.nonzero(self.t_enrolled == t)[0] if self.t_enrolled.size else np.zeros(0, int)
        return self.slots[new], self.pids[new]

    def participants(self) -> dict[str, np.ndarray]:
        """Everyone ever referred: permanent id, status, steps of referral/enrolment/exit."""
        return {"person_id": self.pids.copy(), "status": self.status.copy(),
                "t_referred": self.t_referred.copy(), "t_enrolled": self.t_enrolled.copy(),
                "t_discharged": self.t_discharged.copy()}

