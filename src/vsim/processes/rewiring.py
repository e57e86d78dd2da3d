"""Tie rewiring (ODD: rewiring): friendships dissolve and re-form with selection.

Every ``rewire_every_weeks`` weeks the share of school and neighbourhood ties that ``p_rewire``
would dissolve over those weeks dissolves; everyone below their target number of friends then
seeks new ones, preferring peers of similar risk and involvement (selection,
``homophily_involvement``). Ties lost when someone leaves at 25 are replaced the same way.
Family and gang ties do not rewire.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from vsim.builder import tie_rule
from vsim.networks import TieRule, dissolve_ties, repair_ties
from vsim.processes.base import Process, per_step
from vsim.rng import draw


class RewiringRates(NamedTuple):
    """How often friendships are updated, and how."""

    every: int  # steps between updates
    p_dissolve: float  # share of school and neighbourhood ties dissolved at an update
    tries: int  # repair attempts per person below target at an update
    rule: TieRule


class RewiringKeys(NamedTuple):
    """Random streams of rewiring."""

    rewire: np.uint64
    form_ties: np.uint64


class Rewiring(Process):
    """Dissolve a share of friendships, then let everyone below target form new ones."""

    name = "rewiring"
    switch = "rewiring"
    description = "friendships dissolve and re-form with homophily on risk and involvement"
    reads = ("networks", "processes")
    Keys = RewiringKeys
    counts = ("ties_dissolved", "ties_formed")

    @classmethod
    def rates_for(cls, sections, weeks):
        """From [networks] (and whether risk factors exist, for selection on risk)."""
        net = sections.networks
        every = max(1, int(round(net.rewire_every_weeks / weeks)))
        return RewiringRates(every, per_step(net.p_rewire, weeks * every),
                             int(round(net.repair_attempts * weeks * every)),
                             tie_rule(sections, involvement_homophily=True))

    def step(self) -> None:
        """Dissolve, then repair from a rotating starting point (no slot range is favoured)."""
        m, r = self.model, self.rates
        if m.t % r.every:
            return
        p = m.people
        removed = dissolve_ties(m.ties, p.alive, p.pid, r.p_dissolve, self.keys.rewire, m.t)
        start = int(draw(self.keys.rewire, m.t, -1, 0) * p.capacity)
        added = repair_ties(start, p, m.ties, m.pools, r.rule, self.keys.form_ties, m.t,
                            r.tries)
        self.count("ties_dissolved", removed)
        self.count("ties_formed", added)
