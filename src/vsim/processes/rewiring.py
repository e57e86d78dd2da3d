"""Tie rewiring (DESIGN §4a, networks): friendships dissolve and re-form with selection.

Every ``rewire_every_weeks`` weeks the share of school and neighbourhood ties that ``p_rewire``
would dissolve over those weeks dissolves; everyone below their
target number of friends then seeks new ones, preferring peers of similar risk and involvement
(selection, ``homophily_involvement``). Ties lost when someone leaves at 25 are replaced the same
way. Family and gang ties do not rewire.
"""

from __future__ import annotations

from vsim.networks import dissolve_ties, repair_ties
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
        p, net, sc = m.people, m.scenario.networks, m.scenario
        every = max(1, int(round(net.rewire_every_weeks / m.weeks_per_step)))
        if m.t % every:
            return
        removed = dissolve_ties(m.ties.partner, m.ties.kind, m.ties.degree, p.alive, p.pid,
                                per_step(net.p_rewire, m.weeks_per_step * every),
                                m.streams["rewire"], m.t)
        start = int(draw(m.streams["rewire"], m.t, -1, 0) * p.capacity)
        pools = m.pools
        added = repair_ties(start, m.ties.partner, m.ties.kind, m.ties.degree,
                            p.target_degree, p.alive, p.pid, p.age_days, p.school,
                            p.neighbourhood, p.risk_score, p.level, pools.school_ptr,
                            pools.school_members, pools.nbhd_ptr, pools.nbhd_members,
                            net.share_school, net.age_window_years,
                            net.homophily_risk if sc.processes.risk_factors else 0.0,
                            net.homophily_involvement, m.streams["form_ties"], m.t,
                            int(round(net.repair_attempts * m.weeks_per_step * every)))
        m.counters["ties_dissolved"] += removed
        m.counters["ties_formed"] += added
