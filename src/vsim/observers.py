"""Observers: what watches a run, through the one run loop of :class:`vsim.model.ViolenceModel`.

An observer is told when it is attached (``start``), after every step the model takes, the
burn-in included (``after_step``, with the index of the step just done), and once when a run
ends (``finish``). The model's own recorder and Mesa data collector are observers; so are a
comparison's participant tracker, a sweep's totals, a progress bar and a teaching page. None
of them steps the model or reaches into it beyond its public state.

Like Starsim's analyzers and Mesa's DataCollector: attach one with
``ViolenceModel(scenario, observers=[...])`` (it sees the burn-in) or
``model.run(observers=[...])`` (it sees the rest of the run).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vsim.model import ViolenceModel


class Observer:
    """Watches a model's run; override the hooks you need (each does nothing by default)."""

    def start(self, model: ViolenceModel) -> None:
        """Called once, when the observer is attached (before any step it will see)."""

    def after_step(self, model: ViolenceModel, t: int) -> None:
        """Called after every step; ``t`` is the step just done.

        ``t`` = 0 is the first burn-in step; recorded steps have ``t >= model.n_burn_in``.
        """

    def finish(self, model: ViolenceModel) -> None:
        """Called once when :meth:`ViolenceModel.run` ends."""


class Callback(Observer):
    """Calls ``function(model, t)`` after every step (a progress bar, a live chart)."""

    def __init__(self, function: Callable[[ViolenceModel, int], None]):
        self.function = function

    def after_step(self, model: ViolenceModel, t: int) -> None:
        """Call the function."""
        self.function(model, t)


class Progress(Observer):
    """Reports ``progress(done, total)`` in steps, burn-in included, after every step."""

    def __init__(self, progress: Callable[[int, int], None]):
        self.progress = progress

    def after_step(self, model: ViolenceModel, t: int) -> None:
        """Report the steps done so far."""
        self.progress(t + 1, model.total_steps)
