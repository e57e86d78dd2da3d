"""Field types and the base section shared by scenario and intervention schemas.

A bound is written once here and named by every field that has it (an intervention family's
``staff`` has the same range as the shared one), so schema, validation messages and defaults
agree.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Rate = Annotated[float, Field(ge=0.0)]
Positive = Annotated[float, Field(gt=0.0)]
Count = Annotated[int, Field(ge=0)]
Money = Annotated[float, Field(ge=0.0)]  # pounds
Multiplier = Annotated[float, Field(gt=0.0, le=100.0)]  # 1 = no change
Age = Annotated[int, Field(ge=10, le=24)]  # completed years, within the simulated 10..24
Staff = Annotated[float, Field(ge=0.0, le=100_000.0)]  # full-time equivalents
Caseload = Annotated[float, Field(ge=0.0, le=1_000_000.0)]  # young people per member of staff
Weeks = Annotated[float, Field(ge=0.0, le=520.0)]  # a delay or a wait, up to ten years
Duration = Annotated[float, Field(gt=0.0, le=520.0)]  # weeks a programme lasts
HalfLife = Annotated[float, Field(gt=0.0, le=5200.0)]  # weeks
PlaceCount = Annotated[int, Field(ge=1, le=100_000)]  # places an intervention works at


class Section(BaseModel):
    """Base of every scenario section: frozen, unknown keys rejected, NaN and inf rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False,
                              validate_default=True)
