"""ViolenceModel: the Mesa model that owns the state and runs the processes in order."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable

import mesa
import numpy as np

from vsim import delivery
from vsim.agents import CountyLine, Place, YoungPerson
from vsim.budget import fund
from vsim.builder import build_pools, build_world
from vsim.outcomes import EventCounts
from vsim.processes.base import Process
from vsim.processes.contagion import Contagion
from vsim.processes.exploitation import Exploitation
from vsim.processes.interventions import Interventions
from vsim.processes.involvement import Involvement
from vsim.processes.justice import Justice
from vsim.processes.life_course import LifeCourse
from vsim.processes.offending import Offending
from vsim.processes.record import Record
from vsim.processes.rewiring import Rewiring
from vsim.processes.victimisation import Victimisation
from vsim.processes.weapon_carrying import WeaponCarrying
from vsim.rng import Streams
from vsim.scenario import Scenario
from vsim.state import Incidents


class ViolenceModel(mesa.Model):
    """Young people, their ties, exploiters and places, advanced one step at a time.

    The tick order is written once, as data, in ``PLAN`` (DESIGN §4; print it with
    :meth:`plan_text`). The model is composed from its parts: the world comes from
    :func:`vsim.builder.build_world`, each mechanism is a :class:`Process`, and interventions
    run through :mod:`vsim.delivery` in the first process.
    """

    PLAN: tuple[type[Process], ...] = (
        Interventions,   # 1. interventions act: enrol, apply effects, discharge, book costs
        Contagion,       # 2. exposure to violence
        Involvement,     # 3. entry into involvement, entrenchment, desistance
        Offending,       # 4. incidents, victims, weapons, injuries
        WeaponCarrying,  # 5. start and stop carrying a weapon
        Victimisation,   # 6. victimisation raises the victim's exposure
        Exploitation,    # 7. county-lines recruitment and exit
        Justice,         # 8. detection, custody, release
        LifeCourse,      # 9. ageing, exit at 25, new cohort
        Rewiring,        # 10. friendships dissolve and re-form
        Record,          # 11. record outcomes
    )

    def __init__(self, scenario: Scenario, seed: int | None = None, tables: bool = True):
        self.seed = int(scenario.seed if seed is None else seed)
        # False when only totals are wanted (a sweep): no incident log or snapshots are kept
        # and run() builds no tables.
        self.tables = tables
        # Mesa's own generators are seeded for completeness; no process draws from them.
        super().__init__(rng=self.seed)
        self.scenario = scenario
        self.streams = Streams(self.seed)
        self.weeks_per_step = scenario.time.weeks_per_step
        self.n_burn_in = scenario.time.n_burn_in_steps
        self.n_recorded = scenario.time.n_steps
        self.t = 0
        start = build_world(scenario, self.streams)
        self.people, self.ties, self.world = start.people, start.ties, start.world
        self.lines, self.gang_areas, self.pools = start.lines, start.gang_areas, start.pools
        self.risk = start.risk
        self.next_pid = scenario.n_young_people
        self.events = EventCounts()
        self.incident_buffer = Incidents.empty(max(256, self.people.capacity // 200))
        self.incidents = self.incident_buffer.first(0)
        self.possession_by_nbhd = np.zeros(self.world.nbhd_share.shape[0], np.int64)
        funded, self.budget_report = fund(scenario)
        self.service_strength = 1.0
        self.interventions = delivery.build(funded, self)
        self.processes = [cls(self) for cls in self.PLAN]
        self.lines_agents = [CountyLine(self, i) for i in range(self.lines.active.shape[0])]
        self.place_agents = [Place(self, i) for i in range(self.world.places.kind.shape[0])]
        self.phase_seconds = {proc.name: 0.0 for proc in self.processes}

    # ------------------------------------------------------------------ time
    @property
    def date(self) -> dt.date:
        """Calendar date of the first day of the current step (before start during burn-in)."""
        days = (self.t - self.n_burn_in) * self.scenario.time.step_days
        return self.scenario.time.start + dt.timedelta(days=days)

    @property
    def total_steps(self) -> int:
        """Burn-in plus recorded steps."""
        return self.n_burn_in + self.n_recorded

    def step(self) -> None:
        """Run every enabled process once, in PLAN order."""
        self.events.clear()
        self.incidents = self.incident_buffer.first(0)
        self.possession_by_nbhd.fill(0)
        for proc in self.processes:
            if proc.enabled:
                started = time.perf_counter()
                proc.step()
                self.phase_seconds[proc.name] += time.perf_counter() - started
        self.t += 1

    def run(self, progress: Callable[[int, int], None] | None = None):
        """Run burn-in and every recorded step; returns :class:`vsim.results.Results`.

        A model made with ``tables=False`` returns None: a sweep reads the few totals it needs
        straight from the recorder, which saves ~10% of a borough run.
        """
        total = self.total_steps
        while self.t < total:
            self.step()
            if progress is not None:
                progress(self.t, total)
        if not self.tables:
            return None
        from vsim.results import collect_results

        return collect_results(self)

    @property
    def recorder(self):
        """The record process, whose ``columns`` hold the per-step outcomes."""
        return next(p for p in self.processes if p.name == "record")

    # ------------------------------------------------------------------ plan
    def plan(self) -> list[dict]:
        """The tick order as data: position, process, switch, on/off, what it does."""
        return [{"order": k + 1, "process": proc.name, "switch": proc.switch or "(always)",
                 "enabled": proc.enabled, "does": proc.description}
                for k, proc in enumerate(self.processes)]

    def plan_text(self) -> str:
        """The tick order as printable text."""
        lines = []
        for row in self.plan():
            state = "on " if row["enabled"] else "off"
            lines.append(f"{row['order']:>2}. [{state}] {row['process']:<15} {row['does']}")
        return "\n".join(lines)

    # ------------------------------------------------------------------ helpers
    def rebuild_pools(self) -> None:
        """Rebuild the tie-formation and place pools after the population changed."""
        self.pools = build_pools(self.people, self.world)

    def grow(self, new_capacity: int) -> None:
        """Give the arrays more slots (a cohort larger than the free slots)."""
        self.people = self.people.grow(new_capacity)
        self.ties = self.ties.grow(new_capacity)

    # ------------------------------------------------------------------ views
    def young_person(self, slot: int) -> YoungPerson:
        """A Mesa agent view of the young person in ``slot``."""
        return YoungPerson(self, slot)

    def young_people(self, slots: Iterable[int] | None = None) -> mesa.AgentSet:
        """An AgentSet of young-person views (default: everyone alive) for select/groupby."""
        if slots is None:
            slots = np.nonzero(self.people.alive == 1)[0]
        return mesa.AgentSet([YoungPerson(self, int(s)) for s in slots], random=self.random)
