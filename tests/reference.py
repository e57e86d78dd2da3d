"""Slow, obviously-correct Python twins of the numba kernels (STYLE example 11)."""

from __future__ import annotations

import math

from vsim.rng import draw_reference
from vsim.vocabulary import DAYS_PER_YEAR, ENTRENCHED, INVOLVED


def contagion_step_reference(model) -> tuple[list[float], list[int]]:
    """Exposure and new involvement levels for one contagion step, in plain Python.

    Reads the model's state (does not change it) and returns (exposure, level) per slot.
    """
    p, sc = model.people, model.scenario
    c = sc.contagion
    t = model.t
    weeks = model.weeks_per_step
    weights = [c.weight_school, c.weight_neighbourhood, c.weight_family, c.weight_gang]
    heat, users = model.world.places.heat, model.world.places.users
    n = p.capacity
    exposure = [float(x) for x in p.exposure]
    # Peer term: each involved young person not in custody adds their tie's weight to each
    # friend (the kernel pushes in slot order; summing in the same order keeps it exact).
    peer = [0.0] * n
    for j in range(n):
        if p.alive[j] and p.level[j] >= INVOLVED and p.custody_until[j] <= t:
            for slot in range(int(model.ties.degree[j])):
                peer[int(model.ties.partner[j, slot])] += weights[int(model.ties.kind[j, slot])]
    for i in range(n):
        if not p.alive[i]:
            continue
        e = peer[i] + c.rho_victimisation * float(p.victimisation[i]) + c.rho_domestic * float(
            p.domestic_abuse[i])
        if p.place[i] >= 0:
            e += c.rho_place * (100.0 * heat[p.place[i]] / users[p.place[i]])
        exposure[i] = float(_f32(e * float(p.modifier("rel_exposure")[i])))
    levels = [int(x) for x in p.level]
    log1m_beta = math.log1p(-c.beta)
    window = round(12 / weeks)
    age_curve = sc.offending.age_curve
    for i in range(n):
        if not p.alive[i]:
            continue
        pid, lv = int(p.pid[i]), levels[i]
        if lv >= INVOLVED:
            g = c.gamma_entrenched if lv == ENTRENCHED else c.gamma
            p_desist = 1.0 - (1.0 - g) ** (weeks * float(p.modifier("rel_desistance")[i]))
            if draw_reference(model.streams["desist"], t, pid, 0) < p_desist:
                levels[i] = INVOLVED if lv == ENTRENCHED else int(p.at_risk_flag[i])
            elif lv == INVOLVED and c.p_entrench > 0 and t - p.last_offence[i] <= window:
                if draw_reference(model.streams["entrench"], t, pid, 0) < 1 - (
                        1 - c.p_entrench) ** weeks:
                    levels[i] = ENTRENCHED
        elif p.custody_until[i] <= t:
            age = min(max(int(p.age_days[i] / DAYS_PER_YEAR) - 10, 0), 14)
            p_bg = min(1.0, c.p_entry_background * float(p.risk_rr[i])
                       * age_curve[age] * float(p.modifier("rel_entry")[i]))
            log_stay = weeks * (math.log1p(-p_bg) if p_bg < 1 else -math.inf)
            log_stay += weeks * exposure[i] * log1m_beta
            if draw_reference(model.streams["entry"], t, pid, 0) < 1 - math.exp(log_stay):
                levels[i] = INVOLVED
    return exposure, levels


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


def _f32(x: float):
    import numpy as np

    return np.float32(x)
