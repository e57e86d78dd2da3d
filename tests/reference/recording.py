"""Twins of the recorder's kernels (ODD: recording).

The recorder is an observer, not a process: tests/test_recorder_twin.py checks its kernels
(vsim.recorder.stock_kernel through count_stocks, incident_kernel through incident_counts) and
the row it records against these twins on the model state after a step.
"""

from __future__ import annotations

import math

import numpy as np

from vsim.vocabulary import ENTRENCHED, INVOLVED


def count_stocks_reference(model, at_step: int) -> dict[str, int]:
    """Plain-numpy recount of the stocks going into step ``at_step``."""
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


def stocks_twin(model, at_step: int) -> dict[str, int]:
    """The stocks going into step ``at_step``, counted person by person.

    Among the living: everyone, each involvement level, the exploited (exploited_by ≥ 0), those
    in custody (custody_until > t), known to police (known_until > t), carrying a weapon; and
    the county lines active.
    """
    p, t = model.people, at_step
    names = ("n_none", "n_at_risk", "n_involved", "n_entrenched")
    out = dict.fromkeys(("n_young_people", *names, "n_exploited", "in_custody",
                         "known_to_police", "weapon_carriers"), 0)
    for i in range(p.capacity):
        if not p.alive[i]:
            continue
        out["n_young_people"] += 1
        out[names[int(p.level[i])]] += 1
        out["n_exploited"] += int(p.exploited_by[i] >= 0)
        out["in_custody"] += int(p.custody_until[i] > t)
        out["known_to_police"] += int(p.known_until[i] > t)
        out["weapon_carriers"] += int(p.weapon[i] != 0)
    out["active_lines"] = sum(int(a != 0) for a in model.lines.active)
    return out


def incidents_twin(incidents, n_nbhd: int) -> tuple[dict[str, float], np.ndarray]:
    """A step's incident counts, and the neighbourhood table's first six columns.

    Counts: incidents (= perpetrators: one offence a person a step), recorded, recorded
    robberies, with a weapon, with serious injury, robberies, victims under 25, victims in the
    population (victim slot ≥ 0), first offences, reoffences (perpetrator with a record),
    after recent exposure; attributable_to_exposure = Σ exposure_share, the exact sum rounded
    once (math.fsum: numpy's pairwise float64 sum of float32 shares is exact, hence equal,
    whenever no partial sum needs more than 53 bits). Table [neighbourhood of the incident]:
    incidents, recorded, weapon, serious, recorded non-robbery violence, recorded robbery.
    """
    table = np.zeros((n_nbhd, 7), np.int64)
    n = int(incidents.perpetrator.shape[0])
    out = {"incidents": n, "perpetrators": n}
    flags = {"incidents_recorded": "recorded", "robberies": "robbery",
             "weapon_incidents": "weapon", "serious_injury_incidents": "serious",
             "victims_under_25": "victim_under25", "first_time_perpetrators": "first_time",
             "reoffending_incidents": "reoffence", "incidents_after_exposure": "exposed"}
    for name, field in flags.items():
        out[name] = sum(int(x != 0) for x in getattr(incidents, field))
    out["recorded_robberies"] = 0
    out["victims_in_population"] = sum(int(v >= 0) for v in incidents.victim)
    for r in range(n):
        g, rec, rob = int(incidents.neighbourhood[r]), incidents.recorded[r] != 0, \
            incidents.robbery[r] != 0
        out["recorded_robberies"] += int(rec and rob)
        table[g, 0] += 1
        table[g, 1] += int(rec)
        table[g, 2] += int(incidents.weapon[r] != 0)
        table[g, 3] += int(incidents.serious[r] != 0)
        table[g, 4] += int(rec and not rob)
        table[g, 5] += int(rec and rob)
    out["attributable_to_exposure"] = math.fsum(float(x) for x in incidents.exposure_share)
    return out, table
