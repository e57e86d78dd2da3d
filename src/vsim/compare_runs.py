"""One run of a comparison: what a scenario's run on one seed contributes, read as it happens.

:func:`simulate` is a pure, picklable function of (scenario, seed) returning a small
:class:`RunSummary` — totals, and per recorded step the incidents, their cost of crime and the
programme's cost (for discounting) — so joblib workers ship little data. How the outcomes are
defined is in :mod:`vsim.compare`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from vsim import delivery
from vsim.checkpoint import BurnIn, acting_in_burn_in, burn_in_of
from vsim.model import ViolenceModel
from vsim.observers import Observer
from vsim.outcomes import COMPARED
from vsim.recorder import RunTotals
from vsim.scenario import Scenario


@dataclass
class RunSummary:
    """What one run contributes to a comparison (small: no person-level tables)."""

    seed: int
    totals: dict[str, float]
    incidents_by_step: np.ndarray   # int64 [recorded steps]
    perpetrators: np.ndarray        # int64 person ids with ≥ 1 incident, sorted
    perpetrator_incidents: np.ndarray  # int64 incidents of each (recorded period)
    participants: np.ndarray        # int64 person ids ever enrolled, sorted
    peers: np.ndarray               # int64 ids tied to a participant at enrolment, not enrolled
    # per recorded step, for discounting: the cost of crime of its incidents (in the crime
    # costs' own price year) and the programme's cost (as written in the scenario)
    crime_cost_by_step: np.ndarray      # float64 [recorded steps]
    programme_cost_by_step: np.ndarray  # float64 [recorded steps]
    # residents' worry each recorded step (NaN with the fear process off; none given: NaN)
    worried_by_step: np.ndarray | None = None


def incident_crime_cost(costs, robbery: np.ndarray, serious: np.ndarray,
                        weapon: np.ndarray) -> float:
    """Cost of crime of a set of incidents (0/1 flags), valued as the module docstring says."""
    robbery = robbery.astype(bool)
    serious = serious.astype(bool)
    weapon = weapon.astype(bool)
    n_robbery = int(robbery.sum())
    n_injury = int((serious & ~robbery).sum())
    n_other = int((~serious & ~robbery).sum())
    n_weapon_serious = int((weapon & serious).sum())
    return (n_robbery * costs.robbery + n_injury * costs.violence_with_injury
            + n_other * costs.violence_without_injury
            + n_weapon_serious * costs.p_homicide_serious_weapon * costs.homicide)


class ComparisonTracker(Observer):
    """What a comparison needs from a run, read as it happens (an observer).

    That is each recorded step's perpetrators (by permanent id, as at the offence) and the cost
    of its incidents, and the friends of each participant on the step they enrol. ``summary``
    is set when it finishes.
    """

    def __init__(self, crime_costs, seed: int):
        self.crime_costs = crime_costs
        self.seed = seed
        self.perpetrator_chunks: list[np.ndarray] = []
        self.peer_chunks: list[np.ndarray] = []
        self.crime_cost = 0.0  # summed step by step, in order
        self.crime_cost_steps: dict[int, float] = {}  # recorded step: cost of its incidents
        self.summary: RunSummary | None = None

    def after_step(self, model, t: int) -> None:
        """Friends of this step's new participants and this step's incidents, if recorded.

        Only the recorded period counts (as for participants and costs): someone enrolled
        during the burn-in is neither a participant nor anyone's peer.
        """
        if t < model.n_burn_in:
            return
        for iv in model.interventions:
            slots, pids = iv.enrolled_at(t)
            if slots.size:
                self.peer_chunks.append(_friends(model, slots, pids))
        inc = model.incidents
        if inc.perpetrator.shape[0]:
            self.perpetrator_chunks.append(inc.perpetrator_id.copy())
            cost = incident_crime_cost(self.crime_costs, inc.robbery, inc.serious, inc.weapon)
            self.crime_cost_steps[t - model.n_burn_in] = cost
            self.crime_cost += cost

    def finish(self, model) -> None:
        """Totals and who was reached, as a :class:`RunSummary`."""
        totals = RunTotals()
        totals.finish(model)
        perps = (np.concatenate(self.perpetrator_chunks) if self.perpetrator_chunks
                 else np.zeros(0, np.int64))
        ids, per_person = np.unique(perps.astype(np.int64), return_counts=True)
        reach = delivery.reach(model)
        peers = (np.unique(np.concatenate(self.peer_chunks)) if self.peer_chunks
                 else np.zeros(0, np.int64))
        peers = np.setdiff1d(peers, reach["participants"], assume_unique=True)
        n_steps = model.scenario.time.n_steps
        years = n_steps * model.scenario.time.step_days / 365.25
        crime_by_step = np.zeros(n_steps, np.float64)
        for step, value in self.crime_cost_steps.items():
            crime_by_step[step] = value
        cost = totals.values["programme_cost"]
        values = {**{name: totals.values[name] for name in COMPARED},
                  "robberies": totals.values["robberies"],
                  "crime_cost": float(self.crime_cost),
                  "programme_cost": cost, "programme_cost_per_year": cost / years,
                  "years": years, "enrolled": float(reach["participants"].size),
                  "completed": float(reach["completed"]),
                  "dropped_out": float(reach["dropped_out"]),
                  "waiting_end": float(reach["waiting_end"])}
        self.summary = RunSummary(
            seed=self.seed, totals=values,
            incidents_by_step=model.recorder.columns["incidents"].astype(np.int64).copy(),
            perpetrators=ids, perpetrator_incidents=per_person.astype(np.int64),
            participants=reach["participants"], peers=peers.astype(np.int64),
            crime_cost_by_step=crime_by_step,
            programme_cost_by_step=programme_cost_by_step(model, n_steps),
            worried_by_step=model.recorder.columns["worried_share"].copy())


def programme_cost_by_step(model, n_steps: int) -> np.ndarray:
    """The interventions' cost in each recorded step (their ledgers summed)."""
    out = np.zeros(n_steps, np.float64)
    for iv in model.interventions:
        for row in iv.ledger:
            step = row["t"] - model.n_burn_in
            if 0 <= step < n_steps:
                out[step] += row["cost_total"]
    return out


def simulate(scenario: Scenario, seed: int, burn_in: BurnIn | None = None) -> RunSummary:
    """Run ``scenario`` on ``seed`` and summarise it for a comparison.

    ``burn_in``: start from this saved burn-in (it must be the scenario's and seed's).
    """
    tracker = ComparisonTracker(scenario.crime_costs, seed)
    model = ViolenceModel(scenario, seed=seed, tables=False, observers=[tracker],
                          burn_in_from=burn_in)
    model.run()
    return tracker.summary


def baseline_with_burn_in(scenario: Scenario, seed: int) -> tuple[BurnIn, RunSummary]:
    """Run ``scenario`` on ``seed``, keeping its burn-in for runs that share it."""
    tracker = ComparisonTracker(scenario.crime_costs, seed)
    model = ViolenceModel(scenario, seed=seed, tables=False, observers=[tracker])
    burn_in = burn_in_of(model)
    model.run()
    return burn_in, tracker.summary


def simulate_replicate(scenarios: Sequence[Scenario], seed: int) -> list[RunSummary]:
    """Run every scenario on one seed (joblib's unit of work), sharing the first's burn-in.

    Scenarios whose burn-in is the first's (same world, no intervention acting before the
    start) start from its saved state instead of running it again: bit-identical, and one
    burn-in per replicate instead of one per scenario.
    """
    tracker = ComparisonTracker(scenarios[0].crime_costs, seed)
    model = ViolenceModel(scenarios[0], seed=seed, tables=False, observers=[tracker])
    burn_in = None if acting_in_burn_in(scenarios[0]) else burn_in_of(model)
    model.run()
    out = [tracker.summary]
    for sc in scenarios[1:]:
        shared = burn_in is not None and not burn_in.problems(sc, seed)
        out.append(simulate(sc, seed, burn_in if shared else None))
    return out


def _friends(model, slots: np.ndarray, pids: np.ndarray) -> np.ndarray:
    """Ids of the friends of the people in ``slots`` (skipping slots no longer theirs)."""
    people, ties = model.people, model.ties
    slots = np.asarray(slots, np.int64)
    ok = (slots >= 0)
    ok[ok] = people.pid[slots[ok]] == pids[ok]
    out = [people.pid[ties.partner[s, : ties.degree[s]]] for s in slots[ok]]
    return np.concatenate(out).astype(np.int64) if out else np.zeros(0, np.int64)


def _replicate_task(scenarios: list[Scenario], seed: int) -> tuple[int, list[RunSummary]]:
    return seed, simulate_replicate(scenarios, seed)
