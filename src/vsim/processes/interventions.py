"""Interventions act first in each step (ODD: schedule, interventions).

Each step every modifier is reset to 1 and every active intervention multiplies its effect
into the modifiers of the people (and places, lines) it reaches, so effects compose and their
order does not matter (STYLE example 6). How an intervention runs is :mod:`vsim.delivery`; a
scenario without interventions leaves every modifier at 1.
"""

from __future__ import annotations

from vsim.processes.base import Process


class Interventions(Process):
    """Reset modifiers, then let each intervention enrol, act, discharge and book costs."""

    name = "interventions"
    description = "reset modifiers; each intervention enrols, applies effects, discharges"

    def step(self) -> None:
        """Apply every intervention of the model for this step."""
        m = self.model
        if not m.interventions:
            return
        m.people.reset_modifiers()
        m.world.places.rel_opportunity.fill(1.0)
        m.lines.rel_disruption.fill(1.0)
        m.worry.rel_worry.fill(1.0)
        # Workforce upskilling comes first in the list and multiplies this; the services after
        # it scale their effects by it (the only ordering between interventions).
        m.service_strength = 1.0
        for intervention in m.interventions:
            intervention.strength = m.service_strength
            intervention.step(m)
