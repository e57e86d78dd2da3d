"""The contract every process keeps (STYLE example 3): what it reads, draws, counts and does.

A process declares

* ``reads``: the scenario sections it takes parameters from. At construction it turns them,
  once, into ``rates``, a small immutable record of per-step values (:meth:`Process.rates_for`;
  arrays in it are read-only); it never looks at the scenario again, but for the life course,
  which creates each year's cohort as the builder creates the population, from the same
  sections. It is handed only the sections it declared, so reading another one fails at once
  (:class:`Sections`).
* ``Keys``: a named tuple of the random streams it draws from (``self.keys``, passed to its
  kernels whole).
* ``counts``: the event counters it adds to (``self.count``); any other name is an error.
* ``People``: the people arrays its kernels use (:func:`vsim.state.people_view`), handed to
  them as ``self.people()``.

Its ``step`` passes state to numba kernels grouped (people, ties, places, lines, pools; see
:mod:`vsim.state`) with ``rates`` and ``keys``. A kernel binds the arrays it uses to local
names before its loops: taking an array out of a group inside a loop costs a reference-count
update on every access (measured: the offending kernel ran 30% slower at 1,000,000 young
people with ``people.x[i]`` in its loop).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

import numpy as np

from vsim.compiled import kernel

if TYPE_CHECKING:
    from vsim.model import ViolenceModel
    from vsim.scenario import Scenario


class NoKeys(NamedTuple):
    """The streams of a process that draws no random numbers."""


class Sections:
    """The scenario sections a process declared in ``reads``; any other raises AttributeError."""

    def __init__(self, scenario: Scenario, allowed: tuple[str, ...], owner: str):
        self._scenario = scenario
        self._allowed = allowed
        self._owner = owner

    def __getattr__(self, section: str) -> Any:
        if section.startswith("_"):  # not a section (and, while unpickling, not set yet)
            raise AttributeError(section)
        if section not in self._allowed:
            raise AttributeError(
                f"{self._owner} reads the scenario section '{section}' without declaring it; "
                f"add it to {self._owner}.reads (declared: {', '.join(self._allowed) or 'none'})")
        return getattr(self._scenario, section)


class Process:
    """One mechanism, run once per step in the order of ``ViolenceModel.PLAN``.

    ``switch`` names the field of ``scenario.processes`` that turns it on or off (None: always
    on); switching a process off removes its mechanism and nothing else.
    """

    name: ClassVar[str] = "process"
    switch: ClassVar[str | None] = None
    description: ClassVar[str] = ""
    reads: ClassVar[tuple[str, ...]] = ()
    Keys: ClassVar[type[tuple]] = NoKeys
    counts: ClassVar[tuple[str, ...]] = ()
    People: ClassVar[type[tuple] | None] = None  # the people arrays its kernels use

    def __init__(self, model: ViolenceModel):
        self.model = model
        self.enabled = (self.switch is None
                        or bool(getattr(model.scenario.processes, self.switch)))
        self.rates = _frozen(self.rates_for(self.sections_view(), model.weeks_per_step))
        self.keys = model.streams.keys(self.Keys)
        self._people_of = self._people = None

    def people(self) -> tuple:
        """This process's view of the people arrays (:attr:`People`), remade when they grow."""
        if self._people_of is not self.model.people:
            self._people_of = people = self.model.people
            self._people = self.People(*(getattr(people, name) for name in self.People._fields))
        return self._people

    def on_threads(self, kernel):
        """``kernel`` (a :class:`vsim.compiled.ThreadedKernel`) for the model's thread count."""
        return kernel.on(getattr(self.model, "threads", 1))

    def sections_view(self) -> Sections:
        """The scenario as this process may see it: only the sections in ``reads``."""
        return Sections(self.model.scenario, self.reads, type(self).__name__)

    @classmethod
    def rates_for(cls, sections: Sections, weeks: float) -> tuple:
        """The per-step record of this process's parameters (``weeks``: weeks per step)."""
        return ()

    def count(self, event: str, n: int) -> None:
        """Add ``n`` to this step's count of ``event``, one of this process's ``counts``."""
        if event not in self.counts:
            raise KeyError(f"{type(self).__name__} counts '{event}' without declaring it in "
                           f"counts ({', '.join(self.counts) or 'none'})")
        self.model.events.add(event, n)

    def step(self) -> None:
        """Advance this mechanism by one step."""
        raise NotImplementedError

    def saved_state(self) -> dict[str, Any]:
        """What this process keeps between steps besides the model's arrays (JSON values).

        A burn-in checkpoint (vsim.checkpoint) saves it; most processes keep nothing.
        """
        return {}

    def restore_state(self, state: dict[str, Any]) -> None:
        """Take back what :meth:`saved_state` returned."""


def _frozen(rates: tuple) -> tuple:
    """The rates record with its arrays made read-only: the record is immutable."""
    for value in rates:
        if isinstance(value, np.ndarray):
            value.setflags(write=False)
    return rates


@kernel(inline=True)
def heat_intensity(heat, users, place):
    """Near-repeat heat of a place as recent incidents per 100 of its young users."""
    return 100.0 * heat[place] / users[place]


def per_step(p_week: float, weeks: float) -> float:
    """Probability over a step of ``weeks`` weeks from a weekly probability."""
    return 1.0 - (1.0 - p_week) ** weeks
