"""Life course (DESIGN §4 step 7): ageing, leaving school, leaving at 25, a new cohort each year.

Young people age by one step each step; at 25 they leave the simulation, their ties and any
exploitation with them. Each September, at the start of the school year, those who turned 16 or
18 during the past year have their schooling and education/training status redrawn
(EVIDENCE §1 NEET rates): in England compulsory school ends with the school year in which a
young person turns 16 and education or training continues to 18 (Education and Skills Act
2008), so leaving happens at the year's turn, not on birthdays. A cohort of 10-year-olds enters
at the same time, with households, schools, places, risk factors and friendships drawn as for
the starting population.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from numba import njit

from vsim.builder import add_sibling_ties, grow_ties, top_up_gangs
from vsim.networks import remove_all_ties
from vsim.population import (_pick_in_group, add_households, assign_people, refresh_scores,
                             set_schooling)
from vsim.processes.base import Process
from vsim.rng import draws
from vsim.state import AGE_EXIT, DAYS_PER_YEAR

COHORT_MONTH, COHORT_DAY = 9, 1  # DESIGN §4a: a new cohort of 10-year-olds each September


@njit(cache=True)
def ageing_kernel(alive, age_days, step_days, exit_days, partner, kind, degree, exploited_by,
                  n_exploited):
    """Age everyone; remove those reaching 25 with their ties and exploitation; returns exits."""
    exits = 0
    for i in range(alive.shape[0]):
        if alive[i] == 0:
            continue
        new = age_days[i] + step_days
        age_days[i] = new
        if new >= exit_days:
            alive[i] = 0
            remove_all_ties(partner, kind, degree, i)
            if exploited_by[i] >= 0:
                n_exploited[exploited_by[i]] -= 1
                exploited_by[i] = -1
            exits += 1
    return exits


class LifeCourse(Process):
    """Ageing, school transitions, exit at 25 and the yearly cohort of 10-year-olds."""

    name = "life_course"
    switch = "life_course"
    description = "ageing; exit at 25; each September school leaving at 16/18 and a new cohort"

    def __init__(self, model):
        super().__init__(model)
        self.exit_days = int(AGE_EXIT * DAYS_PER_YEAR)

    def step(self) -> None:
        """Age everyone and handle exits; in September, school transitions and a new cohort."""
        m = self.model
        p = m.people
        exits = ageing_kernel(p.alive, p.age_days, m.scenario.time.step_days, self.exit_days,
                              m.ties.partner, m.ties.kind, m.ties.degree, p.exploited_by,
                              m.lines.n_exploited)
        m.counters["left_at_25"] += exits
        if self._september_in_step():
            self.school_year_turn()
            m.counters["entered_cohort"] += self.enter_cohort()

    def school_year_turn(self) -> None:
        """Redraw schooling for those who turned 16 or 18 in the school year just ended."""
        m = self.model
        p = m.people
        years = p.age_days / DAYS_PER_YEAR
        turned = (p.alive == 1) & (((years >= 16) & (years < 17)) | ((years >= 18) & (years < 19)))
        slots = np.nonzero(turned)[0]
        if slots.size:
            set_schooling(p, slots, m.scenario, m.streams, m.world)
            refresh_scores(p, slots, m.scenario, m.world)

    def _september_in_step(self) -> bool:
        start = self.model.date
        end = start + dt.timedelta(days=self.model.scenario.time.step_days)
        cohort_day = dt.date(start.year, COHORT_MONTH, COHORT_DAY)
        return start <= cohort_day < end

    def enter_cohort(self) -> int:
        """Add this year's 10-year-olds; returns how many entered."""
        m = self.model
        sc = m.scenario
        years = (m.date - sc.time.start).days / DAYS_PER_YEAR
        n_new = int(round(m.world.cohort_size * (1.0 + sc.population.cohort_growth) ** years))
        if n_new <= 0:
            return 0
        free = np.nonzero(m.people.alive == 0)[0]
        if free.size < n_new:
            m.grow(m.people.capacity + n_new - free.size + m.people.capacity // 10)
            free = np.nonzero(m.people.alive == 0)[0]
        pids = np.arange(m.next_pid, m.next_pid + n_new, dtype=np.int64)
        m.next_pid += n_new
        p = m.people
        key = m.streams["cohort"]
        ages = (10 * DAYS_PER_YEAR + draws(key, 0, pids, 0) * DAYS_PER_YEAR).astype(np.int32)
        world = m.world
        nbhd = np.minimum(np.searchsorted(np.cumsum(world.nbhd_share), draws(key, 0, pids, 1),
                                          side="right"), world.nbhd_share.shape[0] - 1)
        # Keep neighbours in neighbouring slots (see vsim.builder): free slots, ordered by the
        # neighbourhood of whoever left them, go to the entrants in neighbourhood order.
        free = free[np.lexsort((free, p.neighbourhood[free]))]
        picked = free[(np.arange(n_new) * free.size) // n_new]
        slots = np.empty(n_new, np.int64)
        slots[np.argsort(nbhd, kind="stable")] = picked
        # A new 10-year-old joins a household that already has young people (a younger
        # sibling) with probability 1 − 1/m, else a new household. Assumption.
        m_hh = sc.population.young_people_per_household
        existing = _pick_in_group(world.households.neighbourhood, nbhd,
                                  draws(key, 0, pids, 2), None)
        join = (draws(key, 0, pids, 3) < 1.0 - 1.0 / m_hh) & (existing >= 0)
        household = existing.copy()
        if (~join).any():
            household[~join] = add_households(world, sc, m.streams, nbhd[~join])
        assign_people(p, slots, pids, ages, sc, m.streams, world, household)
        m.rebuild_pools()
        if sc.networks.sibling_ties:
            add_sibling_ties(p, m.ties, slots)
        grow_ties(p, m.ties, m.pools, sc, slots, m.streams["form_ties"], m.t,
                  involvement_homophily=sc.processes.rewiring)
        top_up_gangs(m)
        return n_new
