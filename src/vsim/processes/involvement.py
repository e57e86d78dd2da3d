"""Involvement (ODD: involvement): entry into violence, entrenchment and desistance.

Entry this step has probability ``1 − (1 − p_bg,i)(1 − β)^E_i``: a background chance for the
person's risk and age, and one per unit of exposure E (computed by the contagion process
before anyone changes state, a synchronous update, so with only these two processes on and
``p_bg = 0`` this is exactly the discrete-time SIS model). Involved young people who offended
recently can become entrenched; involved people desist with probability γ (entrenched ones
step back to involved with γ_entrenched), per week and rescaled to the step. Switching
contagion off leaves exposure at 0, so entry is background entry only and desistance goes on.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import prange

from vsim.compiled import threaded_kernel
from vsim.processes.base import Process
from vsim.rng import draw
from vsim.state import age_index, people_view
from vsim.vocabulary import ENTRENCHED, INVOLVED, REL_DESISTANCE, REL_ENTRY

# Offending within this many weeks lets involvement become entrenched. Assumption (evidence:
# assume-entrenchment).
ENTRENCH_WINDOW_WEEKS = 12


InvolvementPeople = people_view("InvolvementPeople", (
    "alive", "pid", "level", "at_risk_flag", "last_offence", "custody_until", "risk_rr",
    "age_days", "exposure", "modifiers"), __name__)


class InvolvementRates(NamedTuple):
    """Entry, entrenchment and desistance per step."""

    p_background: float  # weekly background entry, average risk, peak age
    age_curve: np.ndarray  # relative rate at ages 10..24
    log1m_beta: float  # log(1 − β): exposure's pull per unit, on the log scale
    gamma: float  # weekly desistance, involved
    gamma_entrenched: float  # weekly step back, entrenched
    p_entrench: float  # weekly entrenchment after recent offending
    entrench_window: int  # steps
    weeks: float  # weeks per step


class InvolvementKeys(NamedTuple):
    """Random streams of the involvement process."""

    entry: np.uint64
    desist: np.uint64
    entrench: np.uint64


@threaded_kernel
def involvement_kernel(people, rates, keys, t):
    """Entry, entrenchment and desistance for one step; returns (entered, entrenched, desisted)."""
    entered = 0
    entrenched = 0
    desisted = 0
    alive, pid, level = people.alive, people.pid, people.level
    at_risk_flag, last_offence = people.at_risk_flag, people.last_offence
    custody_until, risk_rr, age_days = people.custody_until, people.risk_rr, people.age_days
    exposure = people.exposure
    rel_entry = people.modifiers[REL_ENTRY]
    rel_desistance = people.modifiers[REL_DESISTANCE]
    weeks, age_curve, p_background = rates.weeks, rates.age_curve, rates.p_background
    gamma, gamma_entrenched, log1m_beta = rates.gamma, rates.gamma_entrenched, rates.log1m_beta
    p_entrench, entrench_window = rates.p_entrench, rates.entrench_window
    key_entry, key_desist, key_entrench = keys.entry, keys.desist, keys.entrench
    for i in prange(alive.shape[0]):
        if alive[i] == 0:
            continue
        lv = level[i]
        if lv >= INVOLVED:
            g = gamma_entrenched if lv == ENTRENCHED else gamma
            p_desist = 1.0 - (1.0 - g) ** (weeks * rel_desistance[i])
            if draw(key_desist, t, pid[i], 0) < p_desist:
                if lv == ENTRENCHED:
                    level[i] = INVOLVED
                else:
                    level[i] = at_risk_flag[i]
                desisted += 1
            elif (lv == INVOLVED and p_entrench > 0.0
                  and t - last_offence[i] <= entrench_window):
                if draw(key_entrench, t, pid[i], 0) < 1.0 - (1.0 - p_entrench) ** weeks:
                    level[i] = ENTRENCHED
                    entrenched += 1
        elif custody_until[i] <= t:
            p_bg = (p_background * risk_rr[i] * age_curve[age_index(age_days[i])]
                    * rel_entry[i])
            if p_bg > 1.0:
                p_bg = 1.0
            u = draw(key_entry, t, pid[i], 0)
            e = exposure[i]
            # P(entry) = 1 − exp(x) with x = weeks·[log(1 − p_bg) + E·log(1 − β)] ≤ 0, and
            # 1 − exp(x) ≤ −x ≤ weeks·[p_bg/(1 − p_bg) + E·(−log(1 − β))]: most people draw
            # above that bound and need no log or exp.
            if p_bg < 1.0 and u >= weeks * (p_bg / (1.0 - p_bg) - e * log1m_beta):
                continue
            log_stay = weeks * (np.log1p(-p_bg) if p_bg < 1.0 else -np.inf)
            log_stay += weeks * e * log1m_beta
            if u < 1.0 - np.exp(log_stay):
                level[i] = INVOLVED
                entered += 1
    return entered, entrenched, desisted


class Involvement(Process):
    """Entry into involvement (background and from exposure), entrenchment, desistance."""

    name = "involvement"
    switch = "involvement"
    description = "entry into involvement (background and from exposure), entrenchment, desistance"
    reads = ("contagion", "offending")
    Keys = InvolvementKeys
    counts = ("entered_involvement", "became_entrenched", "desisted")
    People = InvolvementPeople

    @classmethod
    def rates_for(cls, sections, weeks):
        """From [contagion] (β, γ, background entry) and the [offending] age curve."""
        c = sections.contagion
        return InvolvementRates(
            p_background=c.p_entry_background,
            age_curve=np.asarray(sections.offending.age_curve, np.float64),
            log1m_beta=float(np.log1p(-c.beta)) if c.beta < 1.0 else -np.inf,
            gamma=c.gamma, gamma_entrenched=c.gamma_entrenched, p_entrench=c.p_entrench,
            entrench_window=int(round(ENTRENCH_WINDOW_WEEKS / weeks)), weeks=weeks)

    def step(self) -> None:
        """Update everyone's involvement from this step's exposure."""
        m = self.model
        entered, entrenched, desisted = self.on_threads(involvement_kernel)(
            self.people(), self.rates, self.keys, m.t)
        self.count("entered_involvement", entered)
        self.count("became_entrenched", entrenched)
        self.count("desisted", desisted)
