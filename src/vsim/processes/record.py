"""Record outcomes (DESIGN §4 step 8): one row per recorded step, declared up front.

Counts of events come from the processes (``model.counters``) and from this step's incident
buffer; stocks (involvement levels, exploited, in custody...) are counted from the arrays.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from vsim.processes.base import Process
from vsim.vocabulary import ENTRENCHED, INVOLVED

# Events counted by processes, in the order they appear in the table.
EVENT_COLUMNS = (
    "entered_cohort", "left_at_25", "entered_involvement", "became_entrenched", "desisted",
    "victimised_young_people", "started_carrying", "recruited", "recruitment_refused_capacity",
    "exploitation_exits", "lines_disrupted", "lines_replaced", "identified", "charged",
    "sent_to_custody", "released", "possession_offences", "ties_dissolved", "ties_formed",
)
INCIDENT_COLUMNS = (
    "incidents", "incidents_recorded", "recorded_robberies", "weapon_incidents", "serious_injury_incidents",
    "robberies", "victims_under_25", "victims_in_population", "perpetrators",
    "first_time_perpetrators", "reoffending_incidents", "incidents_after_exposure",
    "attributable_to_exposure",
)
STOCK_COLUMNS = (
    "n_young_people", "n_none", "n_at_risk", "n_involved", "n_entrenched", "n_exploited",
    "in_custody", "known_to_police", "weapon_carriers", "active_lines",
)
NEIGHBOURHOOD_COLUMNS = ("incidents", "recorded", "weapon", "serious_injury",
                         "violence_and_sexual_offences", "robbery", "possession_of_weapons")
COLUMN_UNITS = {
    "attributable_to_exposure": "expected incidents (sum of exposure shares)",
    "incidents_per_1000_young_people": "incidents per 1,000 young people per step",
    "incidents_per_1000_residents": "incidents per 1,000 residents per step",
}


@njit(cache=True)
def stock_kernel(people, t, out):
    """Count stocks: alive, each level, exploited, in custody, known to police, carrying."""
    for k in range(out.shape[0]):
        out[k] = 0
    for i in range(people.alive.shape[0]):
        if people.alive[i] == 0:
            continue
        out[0] += 1
        out[1 + people.level[i]] += 1
        if people.exploited_by[i] >= 0:
            out[5] += 1
        if people.custody_until[i] > t:
            out[6] += 1
        if people.known_until[i] > t:
            out[7] += 1
        if people.weapon[i] != 0:
            out[8] += 1


def count_stocks(model, at_step: int) -> np.ndarray:
    """The STOCK_COLUMNS values as they stand going into step ``at_step``."""
    p = model.people
    out = np.zeros(len(STOCK_COLUMNS), np.int64)
    stock_kernel(p, at_step, out[:9])
    out[9] = int(model.lines.active.sum())
    return out


def count_stocks_reference(model, at_step: int) -> dict[str, int]:
    """Plain-numpy recount of the stocks going into step ``at_step``, for the tests."""
    p = model.people
    alive = p.alive == 1
    t = at_step
    return {
        "n_young_people": int(alive.sum()),
        "n_none": int((alive & (p.level == 0)).sum()),
        "n_at_risk": int((alive & (p.level == 1)).sum()),
        "n_involved": int((alive & (p.level == INVOLVED)).sum()),
        "n_entrenched": int((alive & (p.level == ENTRENCHED)).sum()),
        "n_exploited": int((alive & (p.exploited_by >= 0)).sum()),
        "in_custody": int((alive & (p.custody_until > t)).sum()),
        "known_to_police": int((alive & (p.known_until > t)).sum()),
        "weapon_carriers": int((alive & (p.weapon != 0)).sum()),
        "active_lines": int(model.lines.active.sum()),
    }


class Record(Process):
    """Write this step's row of outcomes and its incidents to the log."""

    name = "record"
    description = "record this step's outcomes and incidents"

    def __init__(self, model):
        super().__init__(model)
        n = model.scenario.time.n_steps
        self.columns = {name: np.zeros(n, np.int64)
                        for name in EVENT_COLUMNS + INCIDENT_COLUMNS + STOCK_COLUMNS}
        self.columns["attributable_to_exposure"] = np.zeros(n, np.float64)
        self.incident_chunks: list[dict[str, np.ndarray]] = []
        self.snapshot_chunks: list[dict[str, np.ndarray]] = []
        every = model.scenario.outputs.snapshot_every_weeks
        self.snapshot_every = max(1, round(every / model.weeks_per_step)) if every else 0
        n_nbhd = model.world.nbhd_share.shape[0]
        # [step, neighbourhood, NEIGHBOURHOOD_COLUMNS] counts, kept whether or not the
        # incident log is written.
        self.by_neighbourhood = np.zeros((n, n_nbhd, len(NEIGHBOURHOOD_COLUMNS)), np.int64)

    def step(self) -> None:
        """Record the step if it is past the burn-in."""
        m = self.model
        row = m.t - m.n_burn_in
        if row < 0 or row >= m.n_recorded:
            return
        cols = self.columns
        for name in EVENT_COLUMNS:
            cols[name][row] = m.events[name]
        buf = m.incidents
        n = buf.perpetrator.shape[0]
        cols["incidents"][row] = n
        cols["incidents_recorded"][row] = int(buf.recorded[:n].sum())
        cols["weapon_incidents"][row] = int(buf.weapon[:n].sum())
        cols["serious_injury_incidents"][row] = int(buf.serious[:n].sum())
        cols["robberies"][row] = int(buf.robbery[:n].sum())
        cols["recorded_robberies"][row] = int((buf.robbery[:n] & buf.recorded[:n]).sum())
        cols["victims_under_25"][row] = int(buf.victim_under25[:n].sum())
        cols["victims_in_population"][row] = int((buf.victim[:n] >= 0).sum())
        # A young person offends at most once a step, so perpetrators = incidents in a step.
        cols["perpetrators"][row] = n
        cols["first_time_perpetrators"][row] = int(buf.first_time[:n].sum())
        cols["reoffending_incidents"][row] = int(buf.reoffence[:n].sum())
        cols["incidents_after_exposure"][row] = int(buf.exposed[:n].sum())
        cols["attributable_to_exposure"][row] = float(buf.exposure_share[:n].sum(dtype=np.float64))
        for name, value in zip(STOCK_COLUMNS, count_stocks(m, m.t + 1), strict=True):
            cols[name][row] = value
        g = buf.neighbourhood[:n]
        rec = buf.recorded[:n].astype(bool)
        rob = buf.robbery[:n].astype(bool)
        table = self.by_neighbourhood[row]
        for c, mask in enumerate((np.ones(n, bool), rec, buf.weapon[:n].astype(bool),
                                  buf.serious[:n].astype(bool), rec & ~rob, rec & rob)):
            table[:, c] = np.bincount(g[mask], minlength=table.shape[0])
        table[:, 6] = m.possession_by_nbhd
        if not m.tables:
            return
        if self.snapshot_every and row % self.snapshot_every == 0:
            self.snapshot_chunks.append(self.snapshot(row))
        if m.scenario.outputs.incident_log and n:
            chunk = buf.columns()
            chunk["step"] = np.full(n, row, np.int32)
            self.incident_chunks.append(chunk)

    def snapshot(self, row: int) -> dict[str, np.ndarray]:
        """The state of every living young person at the end of recorded step ``row``."""
        p = self.model.people
        alive = np.nonzero(p.alive == 1)[0]
        return {"step": np.full(alive.size, row, np.int32), "person_id": p.pid[alive],
                "age_days": p.age_days[alive].copy(), "neighbourhood": p.neighbourhood[alive],
                "level": p.level[alive].copy(), "exploited_by": p.exploited_by[alive].copy(),
                "in_custody": (p.custody_until[alive] > self.model.t + 1).astype(np.uint8),
                "weapon": p.weapon[alive].copy(), "record": p.record[alive].copy(),
                "victimisation": p.victimisation[alive].copy(),
                "exposure": p.exposure[alive].copy(),
                "friends": self.model.ties.degree[alive].copy()}
