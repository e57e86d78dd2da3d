"""The small lifecycle every process shares (STYLE example 3): construct, step, describe."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from numba import njit

if TYPE_CHECKING:
    from vsim.model import ViolenceModel


class Process:
    """One mechanism of DESIGN §4, run once per step in the order of ``ViolenceModel.PLAN``.

    ``switch`` names the field of ``scenario.processes`` that turns it on or off (None: always
    on). ``step`` reads and writes the model's arrays through numba kernels and adds its
    counts of this step to ``model.counters``.
    """

    name: ClassVar[str] = "process"
    switch: ClassVar[str | None] = None
    description: ClassVar[str] = ""

    def __init__(self, model: ViolenceModel):
        self.model = model

    @property
    def enabled(self) -> bool:
        """Whether the scenario switches this process on."""
        if self.switch is None:
            return True
        return bool(getattr(self.model.scenario.processes, self.switch))

    def step(self) -> None:
        """Advance this mechanism by one step."""
        raise NotImplementedError


@njit(inline="always", cache=True)
def heat_intensity(heat, users, place):
    """Near-repeat heat of a place as recent incidents per 100 of its young users."""
    return 100.0 * heat[place] / users[place]


def per_step(p_week: float, weeks: float) -> float:
    """Probability over a step of ``weeks`` weeks from a weekly probability."""
    return 1.0 - (1.0 - p_week) ** weeks
