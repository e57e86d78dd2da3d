"""A scenario and its no-intervention twin, run in lockstep on one seed: what the page drives.

Both are :class:`vsim.model.ViolenceModel` s built from the same scenario and seed, the twin
with ``interventions = []``. Random draws are keyed by seed, step and person (common random
numbers, :mod:`vsim.rng`), so until an intervention changes someone's path the two runs are the
same person by person, and the gap between their incident counts is what the interventions
averted. Each step advances both through their own run loop; a :class:`PageFeed` on each
collects what the page shows.
"""

from __future__ import annotations

from typing import Any

import mesa

from vsim.loading import resolve_scenario, scenario_from_dict, scenario_to_dict, set_dotted
from vsim.model import ViolenceModel
from vsim.scenario import Scenario
from vsim.teaching.feed import PageFeed


def apply_settings(scenario: Scenario, settings: dict[str, Any]) -> Scenario:
    """The scenario with the page's settings applied (validated).

    A setting's name is a dotted path with ``__`` for the dots (``contagion__beta``,
    ``justice__p_suspect_identified``); ``interventions__K__field`` sets a field of the K-th
    intervention (counted from 0), e.g. ``interventions__0__staff``.
    """
    if not settings:
        return scenario
    data = scenario_to_dict(scenario)
    for name, value in settings.items():
        parts = name.split("__")
        if parts[0] == "interventions":
            k, field = _intervention_field(parts, len(data.get("interventions", [])), name)
            data["interventions"][k][field] = value
        else:
            set_dotted(data, ".".join(parts), value)
    return scenario_from_dict(data, f"<{scenario.name} with the page's settings>")


def setting_value(scenario: Scenario, name: str) -> Any:
    """The scenario's value of one page setting (named as in :func:`apply_settings`)."""
    parts = name.split("__")
    if parts[0] == "interventions":
        k, field = _intervention_field(parts, len(scenario.interventions), name)
        return getattr(scenario.interventions[k], field)
    node: Any = scenario
    for part in parts:
        node = getattr(node, part)
    return node


def _intervention_field(parts: list[str], n: int, name: str) -> tuple[int, str]:
    """(index, field) of an ``interventions__K__field`` setting, checked."""
    if len(parts) != 3 or not parts[1].isdigit() or int(parts[1]) >= n:
        raise ValueError(f"setting {name!r}: expected interventions__K__field with K in "
                         f"0..{n - 1} (the scenario has {n} interventions)")
    return int(parts[1]), parts[2]


def without_interventions(scenario: Scenario) -> Scenario:
    """The same area, seed and horizon with no interventions (the twin)."""
    data = scenario_to_dict(scenario)
    data["interventions"] = []
    data["name"] = f"{scenario.name} (no interventions)"
    return scenario_from_dict(data, f"<{scenario.name} without interventions>")


class TwinRun(mesa.Model):
    """The scenario and its no-intervention twin, stepped together (a Mesa model for the page).

    ``TwinRun(scenario="quick", seed=None, **settings)``: ``scenario`` a shipped name, a TOML
    file or a :class:`Scenario`; ``seed`` (default the scenario's) seeds both runs; ``settings``
    as :func:`apply_settings`. ``with_interventions`` and ``twin`` are the two models;
    ``feed`` and ``twin_feed`` their :class:`PageFeed` s. When the scenario has no
    interventions the twin is not run (its feed is the scenario's own).
    """

    def __init__(self, scenario: Scenario | str = "quick", seed: int | None = None,
                 **settings: Any):
        super().__init__(rng=0)  # Mesa's own generators; nothing here draws from them
        self.settings = dict(settings)
        self.scenario = apply_settings(resolve_scenario(scenario), self.settings)
        self.feed, self.twin_feed = PageFeed(), PageFeed()
        self.with_interventions = ViolenceModel(self.scenario, seed=seed,
                                                observers=[self.feed])
        self.seed = self.with_interventions.seed
        self.has_twin = bool(self.scenario.interventions)
        if self.has_twin:
            self.twin = ViolenceModel(without_interventions(self.scenario), seed=self.seed,
                                      observers=[self.twin_feed])
        else:
            self.twin, self.twin_feed = self.with_interventions, self.feed
        self.running = self.with_interventions.running

    @property
    def week(self) -> int:
        """Recorded steps taken (weeks since the scenario start, at weekly steps)."""
        return self.with_interventions.steps

    def step(self) -> None:
        """One step of both runs, through each model's run loop."""
        self.with_interventions.step()
        if self.has_twin:
            self.twin.step()
        self.running = self.with_interventions.running

    def averted(self) -> int:
        """Incidents the interventions averted so far (twin minus scenario, same seed)."""
        return self.twin_feed.total("incidents") - self.feed.total("incidents")
