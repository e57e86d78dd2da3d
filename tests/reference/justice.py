"""Twin of the justice process (ODD: justice): detection, charge, custody, stop and search.

Kernels and branches of src/vsim/processes/justice.py, and the world that reaches each:

* detection_kernel: unrecorded incident (every world with incidents); recorded, not
  identified / identified and not charged / charged and not sent to custody / sent to
  custody, for an ordinary and for a serious (weapon or serious injury) incident:
  ``heavy_policing`` (high identification, charge and custody rates, short custody, many
  incidents); the record at its int16 ceiling (``record_ceiling``: every record set to
  32,767 before the step); custody of someone already in custody (max with the old release
  step) and "known to police" extended (max with the old window): ``heavy_policing``, whose
  identified offenders offend again while known and, having short custody, soon after.
* stop_search_kernel: release due at the step's end (``custody_until == t + 1``: every world
  after a few steps of ``heavy_policing``); a carrier in custody is not searched; a carrier
  found (``heavy_policing`` has a high stop-and-search rate, and weapon carrying is frequent
  there); record ceiling on possession (``record_ceiling``); fortnightly windows
  (``fortnightly``, and ``heavy_fortnightly``).
"""

from __future__ import annotations

import math

import numpy as np
from helpers import quick

from vsim.model import ViolenceModel
from vsim.rng import draw_reference

RECORD_MAX = 2**15 - 1  # the record is int16: it stops counting there


def _police_attention(p, i: int, t: int, known_steps: int) -> None:
    """A record (up to the int16 ceiling) and 'known to police' until ``t + known_steps``."""
    if p.record[i] < RECORD_MAX:
        p.record[i] += 1
    p.known_until[i] = max(int(p.known_until[i]), t + known_steps)


def _respond(model, known_steps: int, counts) -> None:
    """Each recorded incident of this step: identified, charged, custody, in that chain.

    Draws are keyed by the perpetrator's id, not the incident: someone with several recorded
    incidents this step draws the same each time (and gains a record each time).
    Custody lasts 1 + ⌊Exp(mean dur_custody_weeks / weeks)⌋ steps from the next step, and
    never shortens a custody already running.
    """
    p, j, t = model.people, model.scenario.justice, model.t
    inc, detect, custody = model.incidents, model.streams["detect"], model.streams["custody"]
    mean_steps = j.dur_custody_weeks / model.weeks_per_step
    for r in range(inc.perpetrator.shape[0]):
        if not inc.recorded[r]:
            continue
        i = int(inc.perpetrator[r])
        pid = int(p.pid[i])
        if draw_reference(detect, t, pid, 0) >= j.p_suspect_identified:
            continue
        counts["identified"] += 1
        _police_attention(p, i, t, known_steps)
        if draw_reference(detect, t, pid, 1) >= j.p_charge:
            continue
        counts["charged"] += 1
        serious = inc.weapon[r] or inc.serious[r]
        p_jail = j.p_custody_weapon if serious else j.p_custody
        if draw_reference(custody, t, pid, 0) < p_jail:
            length = 1 + int(-math.log1p(-draw_reference(custody, t, pid, 1)) * mean_steps)
            p.custody_until[i] = max(int(p.custody_until[i]), t + 1 + length)
            counts["sent_to_custody"] += 1


def _search_and_release(model, known_steps: int, counts) -> None:
    """Releases due at the step's end are counted; carriers not in custody are searched.

    A carrier is found with 1 − (1 − p_stop_search)^weeks: a possession offence in their home
    neighbourhood, the weapon taken, a record and police attention.
    """
    p, j, t = model.people, model.scenario.justice, model.t
    p_find = 1.0 - (1.0 - j.p_stop_search) ** model.weeks_per_step
    for i in range(p.capacity):
        if not p.alive[i]:
            continue
        if p.custody_until[i] == t + 1:
            counts["released"] += 1
        if not p.weapon[i] or p.custody_until[i] > t:
            continue
        if draw_reference(model.streams["detect"], t, int(p.pid[i]), 2) < p_find:
            counts["possession_offences"] += 1
            model.possession_by_nbhd[p.neighbourhood[i]] += 1
            p.weapon[i] = 0
            _police_attention(p, i, t, known_steps)


def justice(model) -> dict[str, int]:
    """Police response to this step's recorded incidents, then stop and search and releases.

    'Known to police' lasts max(1, round(dur_known_weeks / weeks)) steps after attention.
    """
    counts = dict.fromkeys(("identified", "charged", "sent_to_custody",
                            "possession_offences", "released"), 0)
    known_steps = max(1, int(round(model.scenario.justice.dur_known_weeks
                                   / model.weeks_per_step)))
    _respond(model, known_steps, counts)
    _search_and_release(model, known_steps, counts)
    return counts


# Police who find and hold many: most recorded perpetrators identified, half charged, short
# custody (so releases come every week), a long 'known' window, frequent stop and search;
# more violence, more of it recorded, and more carriers.
HEAVY = {"population.n_young_people": 1500, "area.residents": 7317,
         "justice.p_suspect_identified": 0.8, "justice.p_charge": 0.5, "justice.p_custody": 0.3,
         "justice.p_custody_weapon": 0.7, "justice.dur_custody_weeks": 3.0,
         "justice.dur_known_weeks": 8.0, "justice.p_stop_search": 0.2, "offending.h0": 0.002,
         "offending.p_reported": 0.8, "offending.p_start_carrying": 0.01}


def heavy_policing(step_days: int = 7) -> ViolenceModel:
    """The quick town under heavy policing, three steps after the burn-in."""
    model = ViolenceModel(quick(**HEAVY, **{"time.step_days": step_days}))
    for _ in range(3):
        model.step()
    return model


def record_ceiling() -> ViolenceModel:
    """Heavy policing with records at (or one below) the int16 ceiling.

    A third of the young people are 'known to police' for years ahead, so the window's max
    keeps the old end.
    """
    model = heavy_policing()
    p = model.people
    p.record[:] = RECORD_MAX - (np.arange(p.capacity) % 2)
    p.known_until[::3] = model.t + 500
    return model


TWINS = {"justice": justice}
WORLDS = {"heavy_policing": heavy_policing, "heavy_fortnightly": lambda: heavy_policing(14),
          "record_ceiling": record_ceiling}
CASES = [("justice", w) for w in WORLDS]
