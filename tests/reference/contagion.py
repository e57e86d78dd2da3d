"""Twins of the contagion and involvement processes (ODD: contagion, ODD: involvement)."""

from __future__ import annotations

import math

from reference import f32, kind_of
from vsim.rng import draw_reference
from vsim.vocabulary import DAYS_PER_YEAR, ENTRENCHED, INVOLVED


def contagion(model) -> dict[str, int]:
    """E_i = rel_exposure_i·(Σ_j w_kind(ij)·I_j + ρ_V·V_i + ρ_D·D_i + ρ_P·H_place(i)).

    I_j = 1 for a friend who is involved or entrenched and not in custody; H is the place's
    heat per 100 users. The dead keep their old exposure.
    """
    p, ties, c = model.people, model.ties, model.scenario.contagion
    heat, users = model.world.places.heat, model.world.places.users
    weight = {0: c.weight_school, 1: c.weight_neighbourhood, 2: c.weight_family,
              3: c.weight_gang}
    t = model.t
    peer = [0.0] * p.capacity
    # Summed in the order the kernel pushes (by involved person, then tie slot): float sums
    # depend on order, and the twin must agree to the bit.
    for j in range(p.capacity):
        if p.alive[j] and p.level[j] >= INVOLVED and p.custody_until[j] <= t:
            for slot in range(int(ties.degree[j])):
                peer[int(ties.partner[j, slot])] += weight[kind_of(ties, j, slot)]
    rel = p.modifier("rel_exposure")
    for i in range(p.capacity):
        if not p.alive[i]:
            continue
        e = (peer[i] + c.rho_victimisation * float(p.victimisation[i])
             + c.rho_domestic * float(p.domestic_abuse[i]))
        if p.place[i] >= 0:
            e += c.rho_place * (100.0 * heat[p.place[i]] / users[p.place[i]])
        p.exposure[i] = f32(e * float(rel[i]))
    return {}


def involvement(model) -> dict[str, int]:
    """Desistance, entrenchment and entry, one draw each, in that order of precedence.

    Involved: desist with 1 − (1 − γ)^(weeks·rel_desistance) (entrenched: γ_entrenched, back
    to involved; involved: back to their at-risk flag); else entrench with
    1 − (1 − p_entrench)^weeks if they offended within 12 weeks. Not involved and not in
    custody: enter with 1 − (1 − p_bg)^weeks·(1 − β)^(weeks·E), p_bg = min(1, p_entry_background
    · risk_rr · age_curve[age] · rel_entry).
    """
    p, c = model.people, model.scenario.contagion
    age_curve = model.scenario.offending.age_curve
    weeks, t, streams = model.weeks_per_step, model.t, model.streams
    window = int(round(12 / weeks))
    rel_desist, rel_entry = p.modifier("rel_desistance"), p.modifier("rel_entry")
    counts = {"entered_involvement": 0, "became_entrenched": 0, "desisted": 0}
    for i in range(p.capacity):
        if not p.alive[i]:
            continue
        pid, lv = int(p.pid[i]), int(p.level[i])
        if lv >= INVOLVED:
            g = c.gamma_entrenched if lv == ENTRENCHED else c.gamma
            if draw_reference(streams["desist"], t, pid, 0) < 1 - (1 - g) ** (
                    weeks * float(rel_desist[i])):
                p.level[i] = INVOLVED if lv == ENTRENCHED else p.at_risk_flag[i]
                counts["desisted"] += 1
            elif (lv == INVOLVED and c.p_entrench > 0
                  and t - int(p.last_offence[i]) <= window
                  and draw_reference(streams["entrench"], t, pid, 0)
                  < 1 - (1 - c.p_entrench) ** weeks):
                p.level[i] = ENTRENCHED
                counts["became_entrenched"] += 1
        elif p.custody_until[i] <= t:
            age = min(max(int(int(p.age_days[i]) / DAYS_PER_YEAR) - 10, 0), 14)
            p_bg = min(1.0, c.p_entry_background * float(p.risk_rr[i]) * age_curve[age]
                       * float(rel_entry[i]))
            log1m_beta = math.log1p(-c.beta) if c.beta < 1 else -math.inf
            log_stay = weeks * (math.log1p(-p_bg) if p_bg < 1 else -math.inf)
            log_stay += weeks * float(p.exposure[i]) * log1m_beta
            if draw_reference(streams["entry"], t, pid, 0) < 1 - math.exp(log_stay):
                p.level[i] = INVOLVED
                counts["entered_involvement"] += 1
    return counts


def contagious(steps: int = 30):
    """A young town with strong contagion and entrenchment, no burn-in: many changes a step."""
    from helpers import quick

    from vsim.model import ViolenceModel

    model = ViolenceModel(quick(**{
        "population.n_young_people": 400, "time.burn_in_weeks": 0, "contagion.beta": 0.05,
        "contagion.p_entry_background": 0.01, "contagion.p_entrench": 0.2}))
    for _ in range(steps):  # reach a state with victimisation, heat, custody
        model.step()
    return model


def desisting():
    """Many involved, many desisting each step, about a quarter of them back to 'at risk'."""
    from helpers import quick

    from vsim.model import ViolenceModel

    model = ViolenceModel(quick(**{
        "population.n_young_people": 1500, "area.residents": 7317, "time.burn_in_weeks": 0,
        "contagion.p_entry_background": 0.02, "contagion.gamma": 0.3,
        "contagion.gamma_entrenched": 0.3}))
    for _ in range(8):
        model.step()
    return model


def jailed_desisters():
    """Many in custody who have desisted (so could enter again, but for custody).

    Every identified perpetrator is jailed for a year on average, and the involved desist
    quickly, so the jails hold young people who are no longer involved.
    """
    from reference.offending import CUSTODY, world

    return world(12, **CUSTODY, **{"contagion.gamma": 0.3, "contagion.gamma_entrenched": 0.3,
                                   "contagion.p_entry_background": 0.05})


TWINS = {"contagion": contagion, "involvement": involvement}
WORLDS = {"contagious_start": lambda: contagious(0), "contagious": contagious,
          "desisting": desisting, "jailed_desisters": jailed_desisters}
CASES = [(p, w) for p in TWINS for w in ("contagious_start", "contagious")] + [
    ("involvement", "desisting"), ("involvement", "jailed_desisters")]
