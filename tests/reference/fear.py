"""Twin of the fear process: residents' worry and young people's fear (ODD: fear).

Written from docs/odd.md §7.17 and the scenario's [fear] section. Branches of the kernels
(src/vsim/processes/fear.py) and the worlds reaching them (``cd tests; python -m
reference.fear`` prints how often, from :data:`HITS`):

* an incident with a weapon, a serious injury, both (a homicide drawn or not) or neither; a
  young victim or not (every world with incidents; ``fear_homicides``: p_homicide 0.5);
* a neighbourhood with adjacent neighbourhoods or none (``fear_adjacent``: three listed
  neighbourhoods of four);
* a local and an area-wide event in this step (``fear_events``);
* residents' odds of worry under an intervention's modifier (``fear_reassured``);
* a victim's and their friends' fear raised; fear left by victimisation fading below 1e-6
  (``fear_fading``); a young person's odds of fear under a modifier (``fear_reassured``).
"""

from __future__ import annotations

import math
from collections import Counter

from reference import f32
from vsim.rng import draw_reference
from vsim.vocabulary import MODIFIERS

HITS: Counter = Counter()


def _weight(f, inc, r: int) -> float:
    w = 0.0
    if inc.weapon[r]:
        w += f.weight_weapon
    if inc.serious[r]:
        w += f.weight_serious_injury
    if w == 0.0:
        HITS["neither weapon nor injury"] += 1
        w = f.weight_other
    if inc.victim_under25[r]:
        HITS["young victim"] += 1
        w *= f.young_victim_factor
    return w


def _adjacent(sc, names) -> list[list[int]]:
    near = [set() for _ in names]
    for n in sc.area.neighbourhoods:
        for other in n.adjacent:
            near[names.index(n.name)].add(names.index(other))
            near[names.index(other)].add(names.index(n.name))
    return [sorted(s) for s in near]


def _heard(sig, residents, near, f, per_year, g) -> float:
    """What residents of g hear of: own, adjacent (mean of rates) and area, per 1,000 a year."""
    all_residents = sum(residents)
    area = sum(sig) * per_year / (all_residents / 1000.0)
    b = f.spread_neighbours if near[g] else 0.0
    nearby = 0.0
    for j in near[g]:
        nearby += sig[j] * per_year / (residents[j] / 1000.0)
    if near[g]:
        HITS["adjacent"] += 1
        nearby /= len(near[g])
    own = 1.0 - f.spread_area - b
    return (own * (sig[g] * per_year / (residents[g] / 1000.0)) + b * nearby
            + f.spread_area * area)


def fear(model) -> dict[str, int]:
    """Hear of the step's incidents (homicides drawn) and events; remember; worry; fear."""
    sc, f, t, weeks = model.scenario, model.scenario.fear, model.t, model.weeks_per_step
    names = sc.neighbourhood_names
    n, worry, inc = len(names), model.worry, model.incidents
    residents = [float(x) for x in worry.residents]
    signal, salient, homicides = [0.0] * n, [0.0] * n, 0
    key = int(model.streams["homicide"])
    for r in range(inc.weapon.shape[0]):
        g = int(inc.neighbourhood[r])
        signal[g] += _weight(f, inc, r)
        if inc.weapon[r] and inc.serious[r]:
            if draw_reference(key, t, int(inc.perpetrator_id[r]), 0) < f.p_homicide:
                HITS["homicide"] += 1
                salient[g] += f.homicide_salience
                homicides += 1
            else:
                HITS["serious weapon incident, no homicide"] += 1
    area_story = 0.0
    for e in f.events:
        if sc.time.n_burn_in_steps + (e.date - sc.time.start).days // sc.time.step_days != t:
            continue
        if e.neighbourhood:
            HITS["local event"] += 1
            salient[names.index(e.neighbourhood)] += f.event_weight(e)
        else:
            HITS["area-wide event"] += 1
            area_story += f.event_weight(e)
    near = _adjacent(sc, names)
    per_year = 52.0 / weeks
    keep = 0.5 ** (weeks / f.half_life_weeks)
    keep_salience = 0.5 ** (weeks / f.homicide_half_life_weeks)
    worried_logit = math.log(f.worried_reference / (1.0 - f.worried_reference))
    local_term, worried_residents = [0.0] * n, 0.0
    for g in range(n):
        heard = _heard(signal, residents, near, f, per_year, g)
        heard_salient = (_heard(salient, residents, near, f, per_year, g)
                         + area_story * per_year / (residents[g] / 1000.0))
        worry.perceived[g] = keep * worry.perceived[g] + (1.0 - keep) * heard
        worry.salience[g] = (keep_salience * worry.salience[g]
                             + (1.0 - keep_salience) * heard_salient)
        risk = (worry.perceived[g] + worry.salience[g]) / f.reference_rate
        local_term[g] = math.log((f.worry_floor + risk) / (f.worry_floor + 1.0))
        x = worried_logit + f.worry_slope * local_term[g]
        if worry.rel_worry[g] != 1.0:
            HITS["residents reassured"] += 1
            x += math.log(worry.rel_worry[g])
        worry.worried[g] = 1.0 / (1.0 + math.exp(-x))
        worried_residents += worry.worried[g] * residents[g]
    model.fear_now["worried_share"] = worried_residents / sum(residents)
    _young_people(model, f, local_term)
    return {"homicides": homicides}


def _young_people(model, f, local_term) -> None:
    """Fear left by victimisation decays, victims and their friends add to it; then F_i."""
    p, weeks = model.people, model.weeks_per_step
    keep = 0.5 ** (weeks / f.personal_half_life_weeks)
    left = p.fear_from_victimisation
    for i in range(p.capacity):
        if left[i] != 0.0:
            left[i] = f32(float(left[i]) * keep)
            if left[i] < 1e-6:
                HITS["fear faded to 0"] += 1
                left[i] = 0.0
    ties = model.ties
    for v in model.incidents.victim:
        v = int(v)
        if v < 0:
            continue
        HITS["victim afraid"] += 1
        left[v] = f32(float(left[v]) + f.fear_per_victimisation)
        for k in range(int(ties.degree[v])):
            j = int(ties.partner[v, k])
            left[j] = f32(float(left[j]) + f.fear_per_friend_victimisation)
    afraid_logit = math.log(f.afraid_reference / (1.0 - f.afraid_reference))
    rel_fear = p.modifiers[list(MODIFIERS).index("rel_fear")]
    total, alive = 0.0, 0
    for i in range(p.capacity):
        if not p.alive[i]:
            continue
        x = afraid_logit + f.fear_slope * local_term[int(p.neighbourhood[i])] + float(left[i])
        if rel_fear[i] != 1.0:
            HITS["young person reassured"] += 1
            x += math.log(float(rel_fear[i]))
        p.fear[i] = f32(1.0 / (1.0 + math.exp(-x)))
        total += float(p.fear[i])
        alive += 1
    model.fear_now["young_people_afraid"] = total / alive if alive else math.nan


def _world(steps: int, **changes):
    from reference.offending import world

    return world(steps, **changes)


ADJACENT = {"area.neighbourhoods": [
    {"name": "north", "share": 1.0, "adjacent": ["east", "west"]},
    {"name": "east", "share": 1.5, "deprivation": 1.0},
    {"name": "west", "share": 0.8, "adjacent": ["east"]},
    {"name": "south", "share": 1.2}]}
WORLDS = {
    "fear_homicides": lambda: _world(4, **{"fear.p_homicide": 0.5,
                                           "offending.p_weapon": 0.5}),
    "fear_adjacent": lambda: _world(4, **ADJACENT),
    # t = 56 is the step of 2019-03-04 (burn-in 52 weeks, start 2019-01-07, 4 steps on)
    "fear_events": lambda: _world(4, **{"fear.events": [
        {"date": "2019-02-04", "neighbourhood": "neighbourhood 2", "weight": 40.0},
        {"date": "2019-02-06", "weight": 10.0}]}),
    "fear_reassured": lambda: _world(4, **{"interventions": [
        {"type": "community_reassurance", "neighbourhoods": ["neighbourhood 1"]},
        {"type": "school_programme", "staff": 2}]}),
    "fear_fading": lambda: _world(3, **{"fear.personal_half_life_weeks": 0.05}),
}
TWINS = {"fear": fear}
CASES = [("fear", w) for w in WORLDS]


if __name__ == "__main__":  # the branches each case reaches
    from reference import model_before, run_both

    for process, name in CASES:
        HITS.clear()
        run_both(model_before(process, WORLDS[name]()), process, TWINS[process])
        print(f"{process} in {name}: {dict(sorted(HITS.items()))}")
