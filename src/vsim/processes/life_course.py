"""Life course (ODD: life-course): ageing, leaving school, leaving at 25, a new cohort each year.

Young people age by one step each step; at 25 they leave the simulation, their ties and any
exploitation with them. Each September, at the start of the school year, those who turned 16 or
18 during the past year have their schooling and education/training status redrawn
(NEET rates; evidence: activity-16-18): in England compulsory school ends with the school year
in which a young person turns 16 and education or training continues to 18 (Education and
Skills Act 2008; evidence: participation-age), so leaving happens at the year's turn, not on
birthdays. A cohort of 10-year-olds enters at the same time, with households, schools, places,
risk factors and friendships drawn as for the starting population.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import numpy as np

from vsim.builder import (
    ATTEMPTS_PER_TIE,
    add_sibling_ties,
    build_pools,
    give_back_freed_memory,
    tie_rule,
    top_up_gangs,
)
from vsim.compiled import kernel
from vsim.networks import form_ties, remove_all_ties
from vsim.population import (
    add_households,
    assign_people,
    pick_by_share,
    pick_in_group,
    set_schooling,
)
from vsim.processes.base import Process
from vsim.rng import draws
from vsim.state import people_view
from vsim.vocabulary import AGE_EXIT, DAYS_PER_YEAR

MAX_PID = int(np.iinfo(np.int32).max)  # people.pid's dtype (vsim.state)
COHORT_MONTH, COHORT_DAY = 9, 1  # a new cohort of 10-year-olds each September (ODD: life-course)


@kernel
def turned_16_or_18(age_days, alive):
    """Slots of the living aged 16 or 18 in completed years (no per-slot float64 scratch)."""
    out = np.empty(alive.shape[0], np.int64)
    n = 0
    for i in range(alive.shape[0]):
        years = age_days[i] / DAYS_PER_YEAR
        if alive[i] == 1 and ((years >= 16 and years < 17) or (years >= 18 and years < 19)):
            out[n] = i
            n += 1
    return out[:n].copy()


AgeingPeople = people_view("AgeingPeople", ("alive", "age_days", "exploited_by"), __name__)


class LifeCourseRates(NamedTuple):
    """Ageing per step."""

    step_days: int
    exit_days: int  # age at which young people leave (25)


class LifeCourseKeys(NamedTuple):
    """Random streams of the life course (the cohort's attributes use the creation streams)."""

    cohort: np.uint64
    form_ties: np.uint64
    gang_topup: np.uint64
    create_gang: np.uint64  # a gang's ties, at creation and at each top-up alike


@kernel
def ageing_kernel(people, ties, lines, rates):
    """Age everyone; remove those reaching 25 with their ties and exploitation; returns exits."""
    exits = 0
    alive, age_days, exploited_by = people.alive, people.age_days, people.exploited_by
    partner, kind, degree = ties
    n_exploited = lines.n_exploited
    step_days, exit_days = rates.step_days, rates.exit_days
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
    """Ageing, school transitions, exit at 25 and the yearly cohort of 10-year-olds.

    A cohort is created as the starting population was (:mod:`vsim.population`), so this
    process reads every section that creation reads, and, unlike the others, reads them (through
    its restricted view) each September, not only into rates at construction.
    """

    name = "life_course"
    switch = "life_course"
    description = "ageing; exit at 25; each September school leaving at 16/18 and a new cohort"
    reads = ("time", "population", "risk_factors", "networks", "places", "processes")
    Keys = LifeCourseKeys
    counts = ("left_at_25", "entered_cohort")
    People = AgeingPeople

    def __init__(self, model):
        super().__init__(model)
        # What creating young people needs: only the sections declared above.
        self.sections = self.sections_view()
        self.tie_rule = tie_rule(self.sections, involvement_homophily=bool(
            self.sections.processes.rewiring))

    @classmethod
    def rates_for(cls, sections, weeks):
        """The step length in days, and 25 years in days."""
        return LifeCourseRates(sections.time.step_days, int(AGE_EXIT * DAYS_PER_YEAR))

    def step(self) -> None:
        """Age everyone and handle exits; in September, school transitions and a new cohort."""
        m = self.model
        self.count("left_at_25", ageing_kernel(self.people(), m.ties, m.lines, self.rates))
        if self._september_in_step():
            self.school_year_turn()
            self.count("entered_cohort", self.enter_cohort())

    def school_year_turn(self) -> None:
        """Redraw schooling for those who turned 16 or 18 in the school year just ended."""
        m = self.model
        p = m.people
        slots = turned_16_or_18(p.age_days, p.alive)
        if slots.size:
            set_schooling(p, slots, self.sections, m.streams, m.world)
            m.risk.refresh(p, slots)

    def _september_in_step(self) -> bool:
        start = self.model.date
        end = start + dt.timedelta(days=self.rates.step_days)
        cohort_day = dt.date(start.year, COHORT_MONTH, COHORT_DAY)
        return start <= cohort_day < end

    def enter_cohort(self) -> int:
        """Add this year's 10-year-olds; returns how many entered."""
        m, sc = self.model, self.sections
        years = (m.date - sc.time.start).days / DAYS_PER_YEAR
        n_new = int(round(m.world.cohort_size * (1.0 + sc.population.cohort_growth) ** years))
        if n_new <= 0:
            return 0
        free = np.nonzero(m.people.alive == 0)[0]
        if free.size < n_new:
            m.grow(m.people.capacity + n_new - free.size + m.people.capacity // 10)
            free = np.nonzero(m.people.alive == 0)[0]
        if m.next_pid + n_new > MAX_PID:
            raise OverflowError(f"person ids would pass {MAX_PID:,} (people.pid is int32): "
                                "a run this long and large needs a wider id")
        pids = np.arange(m.next_pid, m.next_pid + n_new, dtype=np.int64)
        m.next_pid += n_new
        slots, household, ages = self._places_for(pids, free)
        p = m.people
        assign_people(p, slots, pids, ages, sc, m.streams, m.world, household, m.risk)
        m.pools = None  # the old pools let go first: old and new together were ~11 B a person
        m.pools = build_pools(p, m.world)
        give_back_freed_memory()  # glibc keeps the scratch so far resident (~15 B a person)
        if sc.networks.sibling_ties:
            add_sibling_ties(p, m.ties, slots)
        form_ties(slots, p, m.ties, m.pools, self.tie_rule, self.keys.form_ties, m.t,
                  ATTEMPTS_PER_TIE)
        top_up_gangs(p, m.ties, m.gang_areas, sc.networks, self.keys.gang_topup,
                     self.keys.create_gang, m.t)
        give_back_freed_memory()  # else glibc keeps the entry's scratch resident (~30 B a person)
        return n_new

    def _places_for(self, pids: np.ndarray, free: np.ndarray):
        """Slots, households and ages for the entrants ``pids`` (``free``: empty slots)."""
        m, sc = self.model, self.sections
        world, key = m.world, self.keys.cohort
        n_new = pids.size
        ages = (10 * DAYS_PER_YEAR + draws(key, 0, pids, 0) * DAYS_PER_YEAR).astype(np.int32)
        nbhd = pick_by_share(world.nbhd_share, draws(key, 0, pids, 1))
        # Keep neighbours in neighbouring slots (see vsim.builder): free slots, ordered by the
        # neighbourhood of whoever left them, go to the entrants in neighbourhood order.
        free = free[np.lexsort((free, m.people.neighbourhood[free]))]
        picked = free[(np.arange(n_new) * free.size) // n_new]
        slots = np.empty(n_new, np.int64)
        slots[np.argsort(nbhd, kind="stable")] = picked
        # A new 10-year-old joins a household that already has young people (a younger
        # sibling) with probability 1 − 1/m, else a new household. Assumption (evidence:
        # assume-cohort-siblings).
        m_hh = sc.population.young_people_per_household
        existing = pick_in_group(world.households.neighbourhood, nbhd, draws(key, 0, pids, 2),
                                 None)
        join = (draws(key, 0, pids, 3) < 1.0 - 1.0 / m_hh) & (existing >= 0)
        household = existing.copy()
        if (~join).any():
            household[~join] = add_households(world, sc, m.streams, nbhd[~join])
        return slots, household, ages
