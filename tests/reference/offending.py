"""Twins of offending, weapon carrying and victimisation.

ODD: offending, weapon-carrying, victimisation.

Branches of ``offend_in_chunk`` (src/vsim/processes/offending.py) and the worlds reaching them
(``cd tests; python -m reference.offending`` prints how often each world reaches each, from
:data:`HITS`):

* skipped: an empty or dead slot (every world); in custody (``offending_custody*``, where
  justice jails every identified perpetrator for a year on average);
* the rate ratio: exploited (every world with a county line; most in ``offending_custody*``),
  carrying a weapon (``offending_custody*``: p_start_carrying 0.01), a police record
  (``offending_custody*``, standard worlds);
* a usual place with heat, guardianship and a modifier on it (every world; the modifier
  ``rel_opportunity`` < 1 and ``rel_perpetration`` < 1 in ``offending_redcar``, the shipped
  Redcar and Cleveland case study scaled down), or none (``offending_ages``: no places);
* a zero hazard (``offending_ages``: the age curve is zero but at 10 and 24, the curve's ends);
* the buffer full: the kernel returns −1 and the step retries with a buffer twice the size
  (``offending_burst``: a t = 0 step with ~900 incidents against a first buffer of 256 rows);
* at the place or elsewhere (every world);
* the victim: a peer (every world with ties), a peer in custody, then a place user
  (``offending_custody*``); a place user who is the perpetrator, in custody or dead (stale
  pools: leavers stay in them until the September cohort), or three failed attempts
  (``offending_custody*``: 60 small parks); no ties (``offending_ages``: mean degree 1);
  outside the population, under 25 or not (every world);
* a weapon used, by a carrier or not; serious injury with or without (every world).

Fortnightly steps: the standard ``fortnightly`` world and ``offending_custody_fortnightly``.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from reference import f32
from vsim.rng import draw_reference
from vsim.state import Incidents
from vsim.vocabulary import DAYS_PER_YEAR

HITS: Counter = Counter()  # branch → times reached, for the coverage listing above


def _hazard(model, i: int) -> tuple[float, float, float, float, float]:
    """(h over the step, public share, private share, heat intensity, γ_E·E) of slot ``i``.

    Multiplied in the kernel's order, left to right: float products depend on it.
    """
    p, o, places = model.people, model.scenario.offending, model.world.places
    rr = float(p.risk_rr[i])
    if p.exploited_by[i] >= 0:
        rr *= math.exp(o.coef_exploited)
        HITS["exploited"] += 1
    if p.weapon[i] != 0:
        rr *= math.exp(o.coef_weapon)
        HITS["weapon"] += 1
    if p.record[i] > 0:
        rr *= math.exp(model.scenario.propensity.prior_record)
        HITS["record"] += 1
    pl = int(p.place[i])
    near_repeat, intensity = 1.0, 0.0
    public = o.p_in_public
    if pl >= 0:
        intensity = 100.0 * places.heat[pl] / places.users[pl]
        near_repeat = 1.0 + model.scenario.places.coef_heat * intensity
        public = o.p_in_public * (1.0 - places.guardianship[pl]) * places.rel_opportunity[pl]
        HITS["heat" if intensity > 0 else "no heat"] += 1
    else:
        HITS["no place"] += 1
    private = 1.0 - o.p_in_public
    excited = o.coef_exposure * float(p.exposure[i])
    age = min(max(int(int(p.age_days[i]) / DAYS_PER_YEAR) - 10, 0), 14)
    rel_level = (1.0, o.rel_at_risk, o.rel_involved, o.rel_entrenched)[int(p.level[i])]
    h = (o.h0 * o.age_curve[age] * rel_level * rr * (1.0 + excited) * near_repeat
         * (public + private) * float(p.modifier("rel_perpetration")[i])
         * model.weeks_per_step)
    return h, public, private, intensity, excited


def _victim(model, i: int, draw) -> int:
    """A peer (if free), else a user of the same place (3 tries), else -1: outside."""
    p, o, ties, pools, t = model.people, model.scenario.offending, model.ties, model.pools, model.t
    u = draw("victim", 0)
    if u < o.p_victim_peer and ties.degree[i] > 0:
        j = int(ties.partner[i, int(draw("victim", 1) * int(ties.degree[i]))])
        if p.alive[j] == 1 and p.custody_until[j] <= t:
            HITS["victim peer"] += 1
            return j
        HITS["peer not free"] += 1
    elif u < o.p_victim_peer:
        HITS["peer wanted, no ties"] += 1
    pl = int(p.place[i])
    # A peer who is not free falls through to the place (u < p_peer < p_peer + p_place).
    if u < o.p_victim_peer + o.p_victim_place and pl >= 0:
        lo, hi = int(pools.place_ptr[pl]), int(pools.place_ptr[pl + 1])
        for attempt in range(3 if hi > lo else 0):
            j = int(pools.place_members[lo + int(draw("victim", 2 + attempt) * (hi - lo))])
            if j != i and p.alive[j] == 1 and p.custody_until[j] <= t:
                HITS["victim at place"] += 1
                return j
            HITS["self" if j == i else "place user dead" if not p.alive[j]
                 else "place user in custody"] += 1
        HITS["place: no victim found"] += 1
    return -1


def _incident(model, i: int, draw, rows: dict, hazard: tuple) -> None:
    """Draw the place, victim, weapon and injury of slot ``i``'s offence; add a row."""
    p, o = model.people, model.scenario.offending
    _, public, private, intensity, excited = hazard
    pl = int(p.place[i])
    at_place = pl if pl >= 0 and draw("offend", 1) * (public + private) < public else -1
    HITS["at place" if at_place >= 0 else "elsewhere"] += 1
    victim = _victim(model, i, draw)
    under25 = 1 if victim >= 0 or draw("victim", 9) < o.p_outside_victim_under25 else 0
    HITS[f"victim {'in population' if victim >= 0 else 'outside'}, under25={under25}"] += 1
    armed = draw("weapon", 0) < (o.p_weapon_carrier if p.weapon[i] else o.p_weapon)
    serious = draw("injury", 0) < (o.p_serious_injury_weapon if armed else o.p_serious_injury)
    HITS[f"armed={armed}, carrier={bool(p.weapon[i])}, serious={serious}"] += 1
    row = {
        "perpetrator": i, "victim": victim, "place": at_place,
        "neighbourhood": (model.world.places.neighbourhood[at_place] if at_place >= 0
                          else p.neighbourhood[i]),
        "weapon": armed, "serious": serious,
        "robbery": draw("robbery", 0) < o.p_robbery,
        "recorded": draw("report", 0) < o.p_reported, "victim_under25": under25,
        "first_time": p.n_offences[i] == 0, "reoffence": p.record[i] > 0,
        "exposed": (float(p.victimisation[i]) + intensity
                    >= model.scenario.contagion.recent_exposure_threshold),
        "exposure_share": f32(excited / (1.0 + excited)), "perpetrator_id": int(p.pid[i]),
        "victim_id": int(p.pid[victim]) if victim >= 0 else -1,
        "perpetrator_age": int(int(p.age_days[i]) / DAYS_PER_YEAR),
        "perpetrator_level": int(p.level[i]), "perpetrator_exploited": p.exploited_by[i] >= 0,
    }
    for name, value in row.items():
        rows[name].append(value)


def offending(model) -> dict[str, int]:
    """Heat decays by exp(−weeks/τ_heat); then each young person not in custody offends.

    P(offend) = 1 − exp(−h), h = h0 · age_curve[age − 10] · rel_level · rr · (1 + γ_E·E)
    · (1 + γ_H·H_p) · (p_pub·(1 − g_p)·rel_opportunity_p + 1 − p_pub) · rel_perpetration
    · weeks, rr = risk_rr · exp(γ_X if exploited) · exp(γ_W if carrying) · exp(γ_R if record)
    (γ_R: [propensity] prior_record), H_p = 100·heat_p/users_p ([places]); no usual place:
    H = 0 and g = 0. Each offence: at the place with probability of its public share; victim a
    free peer (p_victim_peer), else a free user of the place (p_victim_peer + p_victim_place,
    three tries), else outside (under 25 with p_outside_victim_under25); a weapon with
    p_weapon_carrier or p_weapon; serious injury with p_serious_injury(_weapon). Then each
    offence counts on its perpetrator and adds 1 to its place's heat. The incidents buffer
    doubles from its size until the step's incidents fit. Counts nothing.
    """
    p, t, streams = model.people, model.t, model.streams
    places = model.world.places
    decay = math.exp(-model.weeks_per_step / model.scenario.places.tau_heat_weeks)
    for q in range(places.heat.shape[0]):
        places.heat[q] = places.heat[q] * decay
    rows: dict[str, list] = {name: [] for name in Incidents._fields}
    for i in range(p.capacity):
        if not p.alive[i]:
            continue
        if p.custody_until[i] > t:
            HITS["in custody"] += 1
            continue

        def draw(stream: str, k: int, pid: int = int(p.pid[i])) -> float:
            return draw_reference(int(streams[stream]), t, pid, k)

        hazard = _hazard(model, i)
        HITS["zero hazard" if hazard[0] <= 0 else "hazard"] += 1
        if draw("offend", 0) < 1.0 - math.exp(-hazard[0]):
            _incident(model, i, draw, rows, hazard)
    n = len(rows["perpetrator"])
    capacity = model.incident_buffer.capacity
    while capacity < n:
        capacity *= 2
        HITS["buffer doubled"] += 1
    if capacity != model.incident_buffer.capacity:
        model.incident_buffer = Incidents.empty(capacity)
    for name, column in zip(Incidents._fields, model.incident_buffer, strict=True):
        column[:n] = np.array(rows[name], column.dtype)
    model.incidents = model.incident_buffer.first(n)
    for r in range(n):  # booked in the incidents' order: heat sums depend on it
        i = int(model.incidents.perpetrator[r])
        p.n_offences[i] += 1
        p.last_offence[i] = t
        if model.incidents.place[r] >= 0:
            places.heat[model.incidents.place[r]] += 1.0
    return {}


def weapon_carrying(model) -> dict[str, int]:
    """Carriers not in custody stop with 1 − (1 − p_stop_carrying)^weeks; others start.

    Starting: 1 − (1 − r)^weeks, r = min(1, p_start_carrying · (1 + c·V) · (1 + level)
    · rel_carry_if_exploited (if exploited) · ((1 − s) + s·F/F_ref) (with the fear process
    on)), c = coef_carry_victimisation; one draw (carry, k = 0) decides either. Counts those
    who start.
    """
    p, o, t, weeks = model.people, model.scenario.offending, model.t, model.weeks_per_step
    key = int(model.streams["carry"])
    started = 0
    for i in range(p.capacity):
        if not p.alive[i] or p.custody_until[i] > t:
            continue
        u = draw_reference(key, t, int(p.pid[i]), 0)
        if p.weapon[i]:
            if u < 1.0 - (1.0 - o.p_stop_carrying) ** weeks:
                p.weapon[i] = 0
                HITS["stopped carrying"] += 1
            continue
        rate = (o.p_start_carrying * (1.0 + o.coef_carry_victimisation * float(p.victimisation[i]))
                * (1.0 + int(p.level[i])))
        if p.exploited_by[i] >= 0:
            rate *= model.scenario.exploiters.rel_carry_if_exploited
        fear = model.scenario.fear
        if model.scenario.processes.fear and fear.self_protection_share > 0:
            # self-protection: that share of starting scales with fear (ODD: weapon-carrying)
            s = fear.self_protection_share
            rate *= (1.0 - s) + s * float(p.fear[i]) / fear.afraid_reference
        if rate > 1.0:
            HITS["start rate capped at 1"] += 1
        rate = min(rate, 1.0)
        if u < 1.0 - (1.0 - rate) ** weeks:
            p.weapon[i] = 1
            started += 1
    return {"started_carrying": started}


def victimisation(model) -> dict[str, int]:
    """V_i ← V_i·exp(−weeks/τ_V) (set to 0 below 1e-6), every slot; then +1 per incident.

    τ_V: [contagion] tau_victimisation_weeks. Each incident with a victim in the population
    adds 1 to the victim's V (float32 after each operation, as stored) and is counted.
    """
    v = model.people.victimisation
    decay = math.exp(-model.weeks_per_step / model.scenario.contagion.tau_victimisation_weeks)
    for i in range(v.shape[0]):
        if v[i] != 0.0:
            v[i] = f32(float(v[i]) * decay)
            if v[i] < 1e-6:
                v[i] = 0.0
                HITS["victimisation faded to 0"] += 1
    victims = [int(j) for j in model.incidents.victim if j >= 0]
    for j in victims:
        v[j] = f32(float(v[j]) + 1.0)
    return {"victimised_young_people": len(victims)}


SMALL = {"population.n_young_people": 1500, "area.residents": 7317}
CUSTODY = {  # every identified perpetrator jailed, for a year on average; many carriers
    "offending.h0": 0.005, "offending.p_start_carrying": 0.01, "justice.p_charge": 1.0,
    "justice.p_suspect_identified": 1.0, "justice.p_custody": 1.0,
    "justice.p_custody_weapon": 1.0, "justice.dur_custody_weeks": 52.0, "exploiters.n_lines": 2,
    "places.types": [{"kind": "park", "count": 60, "attractiveness": 1.0,
                      "guardianship": 0.2}]}


def stepped(scenario, steps: int):
    """The model of ``scenario`` after its burn-in and ``steps`` more steps."""
    from vsim.model import ViolenceModel

    model = ViolenceModel(scenario)
    for _ in range(steps):
        model.step()
    return model


def world(steps: int = 0, **changes):
    """The small quick town with ``changes``, ``steps`` steps after its burn-in."""
    from helpers import quick

    return stepped(quick(**SMALL, **changes), steps)


def redcar():
    """Redcar and Cleveland (outreach in ASB hotspots, Youth Work Plus) at 1,500 young people."""
    from helpers import REPO

    import vsim

    case = vsim.load_scenario(REPO / "scenarios/case_studies/redcar_and_cleveland.toml")
    changes = {**SMALL, "time.burn_in_weeks": 52, "offending.h0": 0.002}
    return stepped(vsim.with_changes(case, changes), 4)


WORLDS = {
    "offending_custody": lambda: world(8, **CUSTODY),
    "offending_custody_fortnightly": lambda: world(4, **CUSTODY, **{"time.step_days": 14}),
    # t = 0, no burn-in: ~900 incidents against the first buffer of max(256, capacity // 200)
    "offending_burst": lambda: world(0, **{"time.burn_in_weeks": 0, "offending.h0": 1.0,
                                           "offending.p_start_carrying": 0.3}),
    # offences only at 10 and 24, the ends of the age curve; no places; few ties
    "offending_ages": lambda: world(3, **{
        "time.burn_in_weeks": 0, "offending.h0": 0.05, "places.types": [],
        "networks.mean_degree": 1.0, "offending.age_curve": (1.0,) + (0.0,) * 13 + (0.5,)}),
    "offending_redcar": redcar,
    # victimisation fades below 1e-6 within three steps
    "victims_fading": lambda: world(3, **{"offending.h0": 0.002,
                                          "contagion.tau_victimisation_weeks": 0.2}),
}
TWINS = {"offending": offending, "weapon_carrying": weapon_carrying,
         "victimisation": victimisation}
CASES = ([("offending", w) for w in WORLDS if w != "victims_fading"]
         + [("weapon_carrying", w) for w in ("offending_custody", "offending_custody_fortnightly",
                                             "offending_burst")]
         + [("victimisation", w) for w in ("offending_custody", "offending_burst",
                                           "victims_fading")])


if __name__ == "__main__":  # the branches each case reaches
    from reference import model_before, run_both

    for process, name in CASES:
        HITS.clear()
        run_both(model_before(process, WORLDS[name]()), process, TWINS[process])
        print(f"{process} in {name}: {dict(sorted(HITS.items()))}")
