"""ViolenceModel: the Mesa model that owns the state and runs the processes in order.

It is the one place a run is stepped: every way of running vsim goes through it.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Iterable
from typing import Any

import mesa
import numpy as np

from vsim import delivery
from vsim.agents import CountyLine, Place, YoungPerson
from vsim.budget import fund
from vsim.builder import build_world
from vsim.checkpoint import BurnIn, CheckpointError, load_burn_in
from vsim.compiled import thread_problem, use_threads
from vsim.loading import resolve_scenario
from vsim.observers import Observer, Progress
from vsim.outcomes import FEAR_LEVELS, EventCounts
from vsim.processes.base import Process
from vsim.processes.contagion import Contagion
from vsim.processes.exploitation import Exploitation
from vsim.processes.fear import Fear, empty_worry
from vsim.processes.interventions import Interventions
from vsim.processes.involvement import Involvement
from vsim.processes.justice import Justice
from vsim.processes.life_course import LifeCourse
from vsim.processes.offending import Offending
from vsim.processes.rewiring import Rewiring
from vsim.processes.victimisation import Victimisation
from vsim.processes.weapon_carrying import WeaponCarrying
from vsim.recorder import MesaCollector, Recorder
from vsim.results import Results, collect_results
from vsim.rng import Streams
from vsim.scenario import Scenario
from vsim.state import Incidents

SEED_MAX = 2**63 - 1  # the range of a scenario's seed
OBSERVERS = "observers (recording)"  # the key of the observers' time in phase_seconds


class ViolenceModel(mesa.Model):
    """Young people, their ties, exploiters and places, advanced one step at a time.

    ``ViolenceModel(scenario, seed=None, rng=None, observers=(), tables=True, **changes)``:
    ``scenario`` is a :class:`Scenario`, a TOML file or a shipped scenario's name ("borough",
    "quick", "case_studies/sussex"); ``changes`` set fields by dotted path
    (``**{"contagion.beta": 0.001}``, or ``contagion__beta=0.001``); ``seed`` or Mesa's ``rng``
    (an integer or a numpy Generator) seeds every random stream; ``tables=False`` keeps no
    incident log or snapshots (sweeps); ``burn_in_from`` (a folder from
    :func:`vsim.checkpoint.save_burn_in`, or a loaded :class:`vsim.checkpoint.BurnIn`) starts
    from a saved burn-in instead of running it, if it is this scenario's and seed's
    (:class:`vsim.checkpoint.CheckpointError` otherwise); ``threads`` (default 1) runs the
    threaded kernels on that many of numba's threads, with the same results bit for bit: for
    one large run (sweeps and comparisons use processes instead).

    Construction runs the burn-in, so the model starts at the scenario's start date. Mesa's
    ``model.steps`` then counts recorded steps (weeks since ``time.start``), so
    ``mesa.batch_run(..., max_steps=N)`` covers N weeks of the scenario; ``model.t`` is the
    internal clock, burn-in included, which keys the random draws. ``model.datacollector``
    (Mesa's DataCollector) holds the main outcomes at the start and after every step.

    The tick order is written once, as data, in ``PLAN`` (print it with :meth:`plan_text`).
    Every step goes through :meth:`step` (:meth:`run` loops over it), which tells each
    :class:`vsim.observers.Observer` — the recorder, the Mesa collector, and any attached.
    """

    PLAN: tuple[type[Process], ...] = (
        Interventions,   # 1. interventions act: enrol, apply effects, discharge, book costs
        Contagion,       # 2. exposure to violence
        Involvement,     # 3. entry into involvement, entrenchment, desistance
        Offending,       # 4. incidents, victims, weapons, injuries
        Fear,            # 5. residents hear of incidents and worry; young people's fear
        WeaponCarrying,  # 6. start and stop carrying a weapon (fear among the reasons)
        Victimisation,   # 7. victimisation raises the victim's exposure
        Exploitation,    # 8. county-lines recruitment and exit
        Justice,         # 9. detection, custody, release
        LifeCourse,      # 10. ageing, exit at 25, new cohort
        Rewiring,        # 11. friendships dissolve and re-form
    )

    def __init__(self, scenario: Scenario | str | os.PathLike = "borough", *,
                 seed: int | None = None, rng: Any = None, observers: Iterable[Observer] = (),
                 tables: bool = True, burn_in_from: BurnIn | str | os.PathLike | None = None,
                 threads: int = 1, **changes: Any):
        if (problem := thread_problem(threads)) is not None:
            raise ValueError(problem)
        self.threads = threads
        scenario = resolve_scenario(scenario, changes)
        self.seed = _seed(scenario, seed, rng)
        super().__init__(rng=self.seed)  # Mesa's generators; no process draws from them
        self.scenario = scenario
        self.tables = tables
        self.streams = Streams(self.seed)
        self.weeks_per_step = scenario.time.weeks_per_step
        self.n_burn_in = scenario.time.n_burn_in_steps
        self.n_recorded = scenario.time.n_steps
        self.t = 0
        self._build(scenario)
        if burn_in_from is not None:
            self._restore(burn_in_from)
        self.recorder = Recorder(self)
        collector = MesaCollector()
        self.datacollector = collector.datacollector
        self.observers: list[Observer] = []
        self._finished: set[int] = set()  # observers told the run is over
        for observer in (self.recorder, collector, *observers):
            self.attach(observer)
        while self.t < self.n_burn_in:  # the burn-in: Mesa's step counter stays at 0
            self._advance()

    def _build(self, scenario: Scenario) -> None:
        """The starting world, the interventions and the processes."""
        start = build_world(scenario, self.streams)
        self.people, self.ties, self.world = start.people, start.ties, start.world
        self.lines, self.gang_areas, self.pools = start.lines, start.gang_areas, start.pools
        self.risk = start.risk
        self.next_pid = scenario.n_young_people
        self.events = EventCounts()
        self.incident_buffer = Incidents.empty(max(256, self.people.capacity // 200))
        self.incidents = self.incident_buffer.first(0)  # this step's incidents (none yet)
        self._no_incidents = (self.incident_buffer, self.incidents)
        self.possession_by_nbhd = np.zeros(self.world.nbhd_share.shape[0], np.int64)
        # residents by neighbourhood: the area's, shared as its young people are (assumption)
        self.worry = empty_worry(self.world.nbhd_share * scenario.area.residents)
        self.fear_now = dict.fromkeys(FEAR_LEVELS, float("nan"))  # set by the fear process
        funded, self.budget_report = fund(scenario)
        self.service_strength = 1.0
        self.interventions = delivery.build(funded, self)
        self.processes = [cls(self) for cls in self.PLAN]
        self.lines_agents = [CountyLine(self, i) for i in range(self.lines.active.shape[0])]
        self.place_agents = [Place(self, i) for i in range(self.world.places.kind.shape[0])]
        # seconds spent in each process, and in the observers (recording), since construction
        self.phase_seconds = {**{proc.name: 0.0 for proc in self.processes}, OBSERVERS: 0.0}

    def _restore(self, burn_in: BurnIn | str | os.PathLike) -> None:
        """Start from a saved burn-in (checked to be this scenario's and seed's)."""
        if not isinstance(burn_in, BurnIn):
            burn_in = load_burn_in(burn_in)
        problems = burn_in.problems(self.scenario, self.seed)
        if problems:
            raise CheckpointError(burn_in.source, problems)
        burn_in.restore(self)

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

    def attach(self, observer: Observer) -> None:
        """Let ``observer`` watch every step from now on (its ``start`` is called now)."""
        self.observers.append(observer)
        observer.start(self)

    def step(self) -> None:
        """Advance one step (Mesa counts it in ``model.steps``); see :meth:`_advance`."""
        self._advance()

    def _advance(self) -> None:
        """Move the clock one step: the one place it moves.

        Every enabled process runs in PLAN order, then every observer is told the step is
        done. Steps past the horizon are allowed (``running`` is False from the horizon on)
        and recorded in ``recorder.latest`` only.
        """
        self.events.clear()
        use_threads(self.threads)
        if self._no_incidents[0] is not self.incident_buffer:  # the buffer grew
            self._no_incidents = (self.incident_buffer, self.incident_buffer.first(0))
        self.incidents = self._no_incidents[1]
        self.possession_by_nbhd.fill(0)
        for proc in self.processes:
            if proc.enabled:
                started = time.perf_counter()
                proc.step()
                self.phase_seconds[proc.name] += time.perf_counter() - started
        self.t += 1
        self.running = self.t < self.total_steps
        started = time.perf_counter()
        for observer in self.observers:
            observer.after_step(self, self.t - 1)
        self.phase_seconds[OBSERVERS] += time.perf_counter() - started

    def run(self, observers: Iterable[Observer] = (),
            progress: Callable[[int, int], None] | None = None):
        """Step to the end of the horizon, then finish every observer.

        ``observers`` are attached first (they see the rest of the run); ``progress(done,
        total)`` is told the steps done. Returns :class:`vsim.results.Results`, or None for a
        model made with ``tables=False`` (read totals from an observer such as
        :class:`vsim.recorder.RunTotals`).
        """
        for observer in observers:
            self.attach(observer)
        if progress is not None:
            self.attach(Progress(progress))
        while self.t < self.total_steps:
            self.step()
        self.finish()
        return self.results() if self.tables else None

    def finish(self) -> None:
        """Tell every observer the run is over (each once, however often this is called)."""
        for observer in self.observers:
            if id(observer) not in self._finished:
                self._finished.add(id(observer))
                observer.finish(self)

    def results(self) -> Results:
        """The run's tables so far (:class:`vsim.results.Results`)."""
        return collect_results(self)

    # ------------------------------------------------------------------ plan
    def plan(self) -> list[dict]:
        """The tick order as data: position, process, switch, on/off, what it does."""
        return [{"order": k + 1, "process": proc.name, "switch": proc.switch or "(always)",
                 "enabled": proc.enabled, "does": proc.description,
                 "reads": ", ".join(proc.reads)}
                for k, proc in enumerate(self.processes)]

    def plan_text(self) -> str:
        """The tick order as printable text."""
        lines = []
        for row in self.plan():
            state = "on " if row["enabled"] else "off"
            lines.append(f"{row['order']:>2}. [{state}] {row['process']:<15} {row['does']}")
        return "\n".join(lines)

    # ------------------------------------------------------------------ helpers
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


def _seed(scenario: Scenario, seed: int | None, rng: Any) -> int:
    """The root seed: ``seed``, else Mesa's ``rng``, else the scenario's.

    ``rng`` may be an integer or a numpy Generator, which is asked for one.
    """
    if seed is not None and rng is not None:
        raise ValueError("give seed or rng, not both (as mesa.Model)")
    if rng is not None:
        if isinstance(rng, np.random.Generator):
            return int(rng.integers(0, SEED_MAX, dtype=np.int64))
        seed = rng
    if seed is None:
        return int(scenario.seed)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise ValueError(f"seed = {seed!r}: must be a whole number in [0, {SEED_MAX}]")
    if not 0 <= int(seed) <= SEED_MAX:
        raise ValueError(f"seed = {seed}: out of range; it must be in [0, {SEED_MAX}]")
    return int(seed)
