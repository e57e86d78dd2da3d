"""Tie rewiring (DESIGN §4a, networks): friendships dissolve and re-form with selection.

Each week a share ``p_rewire`` of school and neighbourhood ties dissolves; everyone below their
target number of friends then seeks new ones, preferring peers of similar risk and involvement
(selection, ``homophily_involvement``). Ties lost when someone leaves at 25 are replaced the same
way. Family and gang ties do not rewire.
"""

from __future__ import annotations

import numpy as np

from vsim.builder import grow_ties
from vsim.networks import dissolve_ties
from vsim.processes.base import Process, per_step
from vsim.rng import draw


class Rewiring(Process):
    """Dissolve a share of friendships, then let everyone below target form new ones."""

    name = "rewiring"
    switch = "rewiring"
    description = "friendships dissolve and re-form with homophily on risk and involvement"

    def step(self) -> None:
        """Dissolve, then repair from a rotating starting point (no slot range is favoured)."""
        m = self.model
        p, net = m.people, m.scenario.networks
        removed = dissolve_ties(m.ties.partner, m.ties.kind, m.ties.degree, p.alive, p.pid,
                                per_step(net.p_rewire, m.weeks_per_step), m.streams["rewire"],
                                m.t)
        n = p.capacity
        start = int(draw(m.streams["rewire"], m.t, -1, 0) * n)
        order = (np.arange(n, dtype=np.int64) + start) % n
        added = grow_ties(p, m.ties, m.pools, m.scenario, order, m.streams["form_ties"], m.t,
                          involvement_homophily=True)
        m.counters["ties_dissolved"] += removed
        m.counters["ties_formed"] += added
