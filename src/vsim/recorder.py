"""The recorder and the other observers every model has (ODD: recording).

:class:`Recorder` writes one row per recorded step, with the columns the outcome vocabulary
declares (:mod:`vsim.outcomes`): events counted by the processes, counts of the step's
incidents and stocks counted from the arrays. It also keeps the month × neighbourhood counts,
the incident log and person snapshots. :class:`MesaCollector` feeds the model's Mesa
``DataCollector`` from it; :class:`RunTotals` turns it into a run's totals (a sweep's
outcomes).
"""

from __future__ import annotations

from functools import partial

import mesa
import numpy as np

from vsim import incident_log
from vsim.compiled import kernel
from vsim.observers import Observer
from vsim.outcomes import (
    EVENTS,
    FEAR_LEVELS,
    INCIDENT_COUNTS,
    MAIN,
    NEIGHBOURHOOD_COUNTS,
    RUN_OUTCOMES,
    STOCKS,
)
from vsim.state import people_view

# The positions stock_kernel and incident_kernel fill, by name. They must cover the
# vocabulary's STOCKS and INCIDENT_COUNTS (checked here): a declared outcome nobody computes
# would otherwise be a column of zeros.
STOCK_NAMES = ("n_young_people", "n_none", "n_at_risk", "n_involved", "n_entrenched",
               "n_exploited", "in_custody", "known_to_police", "weapon_carriers", "active_lines")
CountedPeople = people_view("CountedPeople", ("alive", "level", "exploited_by", "custody_until",
                                              "known_until", "weapon"), __name__)


@kernel
def stock_kernel(people, t, out):
    """Count stocks: alive, each level, exploited, in custody, known to police, carrying."""
    for k in range(out.shape[0]):
        out[k] = 0
    alive, level, exploited_by = people.alive, people.level, people.exploited_by
    custody_until, known_until, weapon = people.custody_until, people.known_until, people.weapon
    for i in range(alive.shape[0]):
        if alive[i] == 0:
            continue
        out[0] += 1
        out[1 + level[i]] += 1
        if exploited_by[i] >= 0:
            out[5] += 1
        if custody_until[i] > t:
            out[6] += 1
        if known_until[i] > t:
            out[7] += 1
        if weapon[i] != 0:
            out[8] += 1


def count_stocks(people, lines, t: int) -> dict[str, int]:
    """The :data:`vsim.outcomes.STOCKS` as they stand going into step ``t``."""
    out = np.zeros(len(STOCK_NAMES), np.int64)
    stock_kernel(CountedPeople(*(getattr(people, f) for f in CountedPeople._fields)), t, out[:9])
    out[9] = int(lines.active.sum())
    return dict(zip(STOCK_NAMES, out.tolist(), strict=True))


_COUNTED = ("incidents", "incidents_recorded", "recorded_robberies", "weapon_incidents",
            "serious_injury_incidents", "robberies", "victims_under_25", "victims_in_population",
            "perpetrators", "first_time_perpetrators", "reoffending_incidents",
            "incidents_after_exposure")
_SUMMED = ("attributable_to_exposure",)  # summed by numpy in incident_counts
if set(STOCK_NAMES) != set(STOCKS) or set(_COUNTED + _SUMMED) != set(INCIDENT_COUNTS):
    raise RuntimeError("vsim.recorder computes "
                       f"{sorted(set(STOCK_NAMES) | set(_COUNTED + _SUMMED))} but vsim.outcomes "
                       f"declares {sorted(set(STOCKS) | set(INCIDENT_COUNTS))}: compute every "
                       f"declared stock and incident count")


@kernel
def incident_kernel(incidents, counts, table):
    """Count a step's incidents and tabulate them by neighbourhood, in one pass.

    ``counts`` gets the counts named in _COUNTED; ``table`` [neighbourhood,
    NEIGHBOURHOOD_COUNTS[:6]] the neighbourhood counts. An incident counts in its place's
    neighbourhood, or at the perpetrator's home when it happened in private or elsewhere.
    """
    recorded, robbery, weapon = incidents.recorded, incidents.robbery, incidents.weapon
    serious, victim = incidents.serious, incidents.victim
    under25, first, again = incidents.victim_under25, incidents.first_time, incidents.reoffence
    exposed, where = incidents.exposed, incidents.neighbourhood
    n = recorded.shape[0]
    counts[:] = 0
    counts[0] = n
    counts[8] = n  # a young person offends at most once a step: perpetrators = incidents
    for r in range(n):
        rec, rob = recorded[r] != 0, robbery[r] != 0
        g = where[r]
        table[g, 0] += 1
        if rec:
            counts[1] += 1
            table[g, 1] += 1
            if rob:
                counts[2] += 1
                table[g, 5] += 1
            else:
                table[g, 4] += 1
        if weapon[r] != 0:
            counts[3] += 1
            table[g, 2] += 1
        if serious[r] != 0:
            counts[4] += 1
            table[g, 3] += 1
        counts[5] += rob
        counts[6] += under25[r] != 0
        counts[7] += victim[r] >= 0
        counts[9] += first[r] != 0
        counts[10] += again[r] != 0
        counts[11] += exposed[r] != 0


def incident_counts(incidents, table: np.ndarray) -> dict[str, float]:
    """The :data:`vsim.outcomes.INCIDENT_COUNTS` of a step's incidents.

    Also fills the step's neighbourhood table (``table``, zeroed first), all but its
    possession column.
    """
    counts = np.zeros(len(_COUNTED), np.int64)
    table[:] = 0
    incident_kernel(incidents, counts, table)
    values = dict(zip(_COUNTED, counts.tolist(), strict=True))
    values["attributable_to_exposure"] = float(incidents.exposure_share.sum(dtype=np.float64))
    return values


class Recorder(Observer):
    """Per-step outcomes of the recorded steps, and the latest step's (``latest``)."""

    def __init__(self, model):
        sc = model.scenario
        n = sc.time.n_steps
        self.columns = {name: np.zeros(n, np.int64)
                        for name in (*EVENTS, *INCIDENT_COUNTS, *STOCKS)}
        self.columns["attributable_to_exposure"] = np.zeros(n, np.float64)
        self.columns.update({name: np.full(n, np.nan) for name in FEAR_LEVELS})
        n_nbhd = model.world.nbhd_share.shape[0]
        self.by_neighbourhood = np.zeros((n, n_nbhd, len(NEIGHBOURHOOD_COUNTS)), np.int64)
        # residents' worry by step and neighbourhood (NaN with the fear process off)
        self.worry_by_neighbourhood = np.full((n, n_nbhd), np.nan)
        self.fear_on = model.scenario.processes.fear
        self._beyond = np.zeros((n_nbhd, len(NEIGHBOURHOOD_COUNTS)), np.int64)  # past the end
        self.incident_chunks: list[dict[str, np.ndarray]] = []  # vsim.incident_log
        self.snapshot_chunks: list[dict[str, np.ndarray]] = []
        every = sc.outputs.snapshot_every_weeks
        self.snapshot_every = max(1, round(every / model.weeks_per_step)) if every else 0
        self.keep_log = model.tables and sc.outputs.incident_log
        self.keep_snapshots = model.tables
        # The latest recorded step's values (at the start: the stocks, no events yet).
        self.latest: dict[str, float] = {}

    def start(self, model) -> None:
        """Set ``latest`` to the state now: stocks, and no events yet."""
        self._at_start(model)

    def _at_start(self, model) -> None:
        self.latest = {name: 0 for name in self.columns}
        self.latest.update(count_stocks(model.people, model.lines, model.t))
        self.latest.update(model.fear_now)

    def after_step(self, model, t: int) -> None:
        """Record step ``t`` if it is past the burn-in.

        Rows beyond the horizon only update ``latest``; after the burn-in's last step,
        ``latest`` is the state at the start.
        """
        row = t - model.n_burn_in
        if row < 0:
            if row == -1:
                self._at_start(model)
            return
        recorded = row < self.by_neighbourhood.shape[0]
        table = self.by_neighbourhood[row] if recorded else self._beyond
        values = model.events.as_dict()
        values.update(incident_counts(model.incidents, table))
        values.update(count_stocks(model.people, model.lines, model.t))
        values.update(model.fear_now)
        self.latest = values
        if not recorded:
            return
        table[:, 6] = model.possession_by_nbhd
        if self.fear_on:
            self.worry_by_neighbourhood[row] = model.worry.worried
        for name, value in values.items():
            self.columns[name][row] = value
        if self.keep_snapshots and self.snapshot_every and row % self.snapshot_every == 0:
            self.snapshot_chunks.append(snapshot(model, row))
        n = model.incidents.perpetrator.shape[0]
        if self.keep_log and n:
            self.incident_chunks.append(incident_log.pack(model.incidents, row))

    def incident_columns(self) -> dict[str, np.ndarray]:
        """The incident log's columns, unpacked (:func:`vsim.incident_log.unpack`)."""
        return incident_log.unpack(self.incident_chunks)

    def rows_done(self, model) -> int:
        """How many recorded steps the model has taken so far (at most the horizon)."""
        return min(max(0, model.t - model.n_burn_in), self.by_neighbourhood.shape[0])

    def totals(self) -> dict[str, float]:
        """Run outcomes from the recorded rows (programme cost apart: see RunTotals)."""
        out = {}
        for name, item in RUN_OUTCOMES.items():
            if item.of is None:
                continue
            how, columns = item.of
            values = self.columns[columns[0]]
            for other in columns[1:]:
                values = values + self.columns[other]
            out[name] = float(values.sum() if how == "sum" else values.mean())
        return out


def snapshot(model, row: int) -> dict[str, np.ndarray]:
    """The state of every living young person at the end of recorded step ``row``."""
    p = model.people
    alive = np.nonzero(p.alive == 1)[0]
    return {"step": np.full(alive.size, row, np.int32), "person_id": p.pid[alive].astype(np.int64),
            "age_days": p.age_days[alive].copy(), "neighbourhood": p.neighbourhood[alive],
            "level": p.level[alive].copy(), "exploited_by": p.exploited_by[alive].copy(),
            "in_custody": (p.custody_until[alive] > model.t).astype(np.uint8),
            "weapon": p.weapon[alive].copy(), "record": p.record[alive].copy(),
            "victimisation": p.victimisation[alive].copy(),
            "exposure": p.exposure[alive].copy(), "friends": model.ties.degree[alive].copy(),
            "fear": (p.fear[alive].copy() if model.scenario.processes.fear
                     else np.full(alive.size, np.nan, np.float32))}


def programme_cost(model) -> float:
    """Cost of the model's interventions over the recorded steps (pounds)."""
    costs = [row["cost_total"] for iv in model.interventions for row in iv.ledger
             if row["t"] >= model.n_burn_in]
    return float(np.sum(np.asarray(costs, np.float64))) if costs else 0.0


class RunTotals(Observer):
    """A run's :data:`vsim.outcomes.RUN_OUTCOMES` (``values``), when it finishes."""

    def __init__(self):
        self.values: dict[str, float] = {}

    def finish(self, model) -> None:
        """Total the recorded rows and the interventions' costs."""
        self.values = {**model.recorder.totals(), "programme_cost": programme_cost(model)}


def _latest(name: str, model) -> float:
    """The recorder's latest value of one outcome (a Mesa reporter, as a partial)."""
    return model.recorder.latest[name]


def _date(model) -> str:
    return model.date.isoformat()


class MesaCollector(Observer):
    """Feeds ``model.datacollector`` (Mesa's DataCollector) the main outcomes.

    It collects once at the scenario start (Mesa's step 0) and after every recorded step.
    """

    def __init__(self):
        reporters = {"date": _date, **{name: partial(_latest, name) for name in MAIN}}
        self.datacollector = mesa.DataCollector(model_reporters=reporters)

    def start(self, model) -> None:
        """Collect the state at the start if the burn-in is over (else after it)."""
        if model.t == model.n_burn_in:
            self.datacollector.collect(model)

    def after_step(self, model, t: int) -> None:
        """Collect after each recorded step (and at the start, after the burn-in's last)."""
        if t + 1 >= model.n_burn_in:
            self.datacollector.collect(model)
