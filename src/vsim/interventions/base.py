"""The parameters every intervention shares (STYLE example 5): who, delivery, effect, costs.

An intervention is split into **who** (eligibility and a targeting rule), **what is delivered**
(capacity = staff × caseload, a first-come-first-served waiting list, referral-to-start delay,
duration, engagement and drop-out, inside a funding window) and **its effect** (multipliers on
per-person modifiers while enrolled, decaying after discharge), with **costs** booked each
step. Families (one file each in this package) subclass :class:`InterventionSpec` with their
own defaults and sources. This package is the schema only; how an intervention runs in a model
is :mod:`vsim.delivery`.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field, create_model, model_validator

from vsim.fields import (
    Age,
    Caseload,
    Duration,
    HalfLife,
    Money,
    Multiplier,
    Probability,
    Section,
    Staff,
    Weeks,
)
from vsim.vocabulary import MODIFIERS

# Participant status codes (the participants table shows the names).
NOT_SERVED, WAITING, ENROLLED, COMPLETED, DROPPED, DECLINED, CUT = 0, 1, 2, 3, 4, 5, 6
STATUS_NAMES = ("not_served", "waiting", "enrolled", "completed", "dropped_out", "declined",
                "funding_ended")

Level = Literal["none", "at_risk", "involved", "entrenched"]
Targeting = Literal["police_referral", "school_referral", "risk_score", "network", "gang",
                    "place", "random", "universal"]


class _EffectsBase(Section):
    def as_array(self) -> np.ndarray:
        """The multipliers in the order of :data:`vsim.vocabulary.MODIFIERS`."""
        return np.array([getattr(self, name) for name in MODIFIERS], np.float64)


# One field per modifier of the vocabulary, so adding a modifier there adds it here.
Effects = create_model(
    "Effects", __base__=_EffectsBase, __module__=__name__,
    __doc__="Multipliers on the per-person modifiers while enrolled (1 = no effect).",
    **{name: (Multiplier, Field(1.0, description=text)) for name, text in MODIFIERS.items()})


class InterventionSpec(Section):
    """Parameters every intervention has. Families change the defaults and cite sources."""

    # The fields that hold its effect, whose cited evidence rates it (vsim.appraisal).
    effect_fields: ClassVar[tuple[str, ...]] = ("effects",)

    type: str = Field(..., description="The intervention family.")
    name: str | None = Field(None, description="Label in results (default: the type).")
    # Funding window: the grant cliff.
    start: dt.date | None = Field(None, description=(
        "First day of funding (default: the scenario start). Nobody is enrolled before."))
    end: dt.date | None = Field(None, description=(
        "Last day of funding (default: none). Nobody is enrolled after."))
    on_funding_end: Literal["discharge", "finish_current"] = Field("finish_current", description=(
        "At the cliff, discharge everyone at once, or let current participants finish (staff "
        "costs continue until the last one does)."))
    # Eligibility.
    min_age: Age = Field(10, description="Youngest eligible age.")
    max_age: Age = Field(24, description="Oldest eligible age.")
    levels: tuple[Level, ...] = Field(("none", "at_risk", "involved", "entrenched"),
                                      description="Involvement levels eligible.")
    neighbourhoods: tuple[str, ...] = Field((), description=(
        "Neighbourhood names eligible (empty: all)."))
    exploited: Literal["any", "yes", "no"] = Field("any", description=(
        "Only exploited young people (yes), only those not exploited (no), or any."))
    in_school: Literal["any", "yes", "no"] = Field("any", description="Schooling condition.")
    # Targeting.
    targeting: Targeting = Field("risk_score", description=(
        "How places are filled: police_referral (police attention in the last weeks), "
        "school_referral (excluded pupils), risk_score (highest visible risk first), network "
        "(most friends first), gang (gang members first), place (users of the hottest places), "
        "random, universal (everyone eligible, e.g. whole year groups)."))
    p_referral: Probability = Field(1.0, description=(
        "For referral targeting: share of qualifying young people actually referred."))
    visible_share: Probability = Field(1.0, description=(
        "For risk_score targeting: share of each person's risk factors visible to the "
        "partnership (data sharing; Somerset, Suffolk in the seed; evidence: seed-somerset, "
        "seed-suffolk). 0 = random choice."))
    priority_min_age: Age | None = Field(None, description=(
        "Ages given priority (e.g. 11–14 in Sussex REBOOT; evidence: seed-sussex-reboot)."))
    priority_max_age: Age | None = Field(None, description=(
        "Oldest age given priority (with priority_min_age)."))
    # Delivery.
    staff: Staff = Field(1.0, description="Full-time equivalent staff.")
    caseload: Caseload = Field(10.0, description=(
        "Young people one member of staff works with at once; capacity = staff × caseload."))
    referral_delay_weeks: Weeks = Field(2.0, description=(
        "Weeks from referral to start (first-come-first-served after that)."))
    duration_weeks: Duration = Field(26.0, description="Length of the programme.")
    p_engage: Probability = Field(0.85, description="Share who take up an offered place.")
    p_dropout_weekly: Probability = Field(0.01, description="Weekly drop-out while enrolled.")
    max_wait_weeks: Weeks = Field(26.0, description=(
        "Referrals still waiting after this long are closed."))
    # Effect.
    effects: Effects = Field(Effects(), description="Multipliers while enrolled.")
    half_life_weeks: HalfLife = Field(26.0, description=(
        "Half-life of the effect after discharge (completers; drop-outs keep the share of the "
        "programme they completed)."))
    # Costs (pounds).
    cost_fixed_per_year: Money = Field(0.0, description="Fixed cost per funded year.")
    cost_per_staff_per_year: Money = Field(0.0, description="Cost per FTE per funded year.")
    cost_per_participant: Money = Field(0.0, description="One-off cost per young person enrolled.")

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs) -> None:
        """Fields a family re-declares without a description keep the shared one (schema)."""
        super().__pydantic_init_subclass__(**kwargs)
        changed = False
        for name, field in cls.model_fields.items():
            if field.description:
                continue
            if name == "type":
                field.description = f"The intervention family: {field.default!r}."
            elif name in InterventionSpec.model_fields:
                field.description = InterventionSpec.model_fields[name].description
            else:
                continue
            changed = True
        if changed:
            cls.model_rebuild(force=True)

    @model_validator(mode="after")
    def _check(self):
        if self.min_age > self.max_age:
            raise ValueError(f"min_age ({self.min_age}) must not exceed max_age ({self.max_age})")
        if self.start and self.end and self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        if (self.priority_min_age is None) != (self.priority_max_age is None):
            raise ValueError("give both priority_min_age and priority_max_age, or neither")
        return self

    @property
    def label(self) -> str:
        """Name in results."""
        return self.name or self.type

    @property
    def capacity(self) -> int:
        """Young people served at once."""
        return int(math.floor(self.staff * self.caseload + 1e-9))
