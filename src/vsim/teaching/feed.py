"""PageFeed: the observer that collects, step by step, what the teaching page shows.

One row per recorded step, read from the model's public state after the step: the step's
incidents (all, with a weapon, with serious injury) from the recorder, the stocks (involved,
exploited, in custody, active lines), the shares worried and afraid (fear of violence), and
the interventions' reach and spending from their ledgers, added up over interventions.
Neighbourhood counts and the peer network are read on demand (:func:`incidents_per_1000`,
:mod:`vsim.teaching.network`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vsim.observers import Observer

# The recorder's values the page plots, per step.
STEP_VALUES = ("incidents", "weapon_incidents", "serious_injury_incidents", "n_involved",
               "n_entrenched", "n_exploited", "in_custody", "active_lines", "worried_share",
               "young_people_afraid")


class PageFeed(Observer):
    """A row per recorded step: incidents, stocks, intervention reach and money spent.

    ``rows`` holds dicts with ``week`` (1 for the first recorded step), ``date``, the
    :data:`STEP_VALUES`, ``enrolled`` and ``waiting`` (as the step ends), ``completed``
    (courses completed so far), ``spent`` (pounds booked so far) and ``funded`` (number of
    interventions whose funding window is open).
    """

    def __init__(self):
        self.rows: list[dict] = []
        self._completed = 0
        self._spent = 0.0

    def start(self, model) -> None:
        """Forget any earlier run."""
        self.rows, self._completed, self._spent = [], 0, 0.0

    def after_step(self, model, t: int) -> None:
        """Add the row of recorded step ``t`` (burn-in steps are skipped)."""
        if t < model.n_burn_in:
            return
        latest = model.recorder.latest
        row = {"week": t - model.n_burn_in + 1, "date": model.date}
        row.update({name: latest[name] for name in STEP_VALUES})
        enrolled = waiting = funded = 0
        for iv in model.interventions:
            if iv.ledger and iv.ledger[-1]["t"] == t:
                entry = iv.ledger[-1]
                enrolled += entry["enrolled"]
                waiting += entry["waiting"]
                self._completed += entry["completed"]
                self._spent += entry["cost_total"]
            funded += iv.funded(t)
        row.update(enrolled=enrolled, waiting=waiting, completed=self._completed,
                   spent=self._spent, funded=funded)
        self.rows.append(row)

    def total(self, name: str) -> int:
        """Sum of one per-step value over the steps so far."""
        return int(sum(row[name] for row in self.rows))

    def frame(self) -> pd.DataFrame:
        """The rows as a table (empty, with the columns, before the first step)."""
        columns = ["week", "date", *STEP_VALUES, "enrolled", "waiting", "completed", "spent",
                   "funded"]
        return pd.DataFrame(self.rows, columns=columns)


def incidents_per_1000(model) -> np.ndarray:
    """Incidents so far per 1,000 residents, per neighbourhood (the recorder's counts)."""
    done = model.recorder.rows_done(model)
    counts = model.recorder.by_neighbourhood[:done, :, 0].sum(axis=0).astype(float)
    residents = model.world.nbhd_share * model.scenario.area.residents
    return 1000.0 * counts / np.maximum(residents, 1.0)
