"""Twin of the interventions process (ODD: interventions): every runtime of src/vsim/delivery.

The runtimes' own bookkeeping (participants, strength, ledger) is compared by
tests/test_interventions_twin.py through :func:`runtime_state`; tests/test_twins.py compares
the hot state (modifiers, places' and lines' modifiers, family functioning, risk).

Branches, and the worlds reaching them (``HITS`` counts them; tests/test_interventions_twin.py
asserts each is reached): upskilling not started (``iv_manchester``), funded (``iv_suffolk``),
fading (``iv_barking_cliff``), strength > 1, effects floored at 0 (``iv_suffolk``); leavers at
25 (``iv_barking_cliff``); completion, drop-out; the pathway's escalation, closure, stage 5
(``iv_sussex_all_stages``),
drop-out between stages, stale referrals (``iv_sussex_fortnightly*``); household repair
(``iv_redbridge``); the cliff, "discharge" (weekly ``iv_barking_cliff``, 14-day
``iv_sussex_fortnightly``) and "finish_current", staff paid to finish (``iv_barking_cliff``);
capacity 0, in school yes/no (``iv_waltham``); exploited yes/no (``iv_manchester``); every
targeting rule, priority ages, more candidates than room, FIFO up to capacity, declined offers;
effects decaying and ended below 1e-4; outreach and its fallback to other neighbourhoods
(``iv_redcar``); hotspots (``iv_waltham``, in given neighbourhoods ``iv_hotspot_nbhd``); lines.
"""

from __future__ import annotations

import math
from collections import Counter
from functools import partial
from types import SimpleNamespace

import numpy as np
from helpers import REPO

import vsim
from reference import f32
from vsim.interventions.base import COMPLETED, CUT, DECLINED, DROPPED, ENROLLED, NOT_SERVED, WAITING
from vsim.loading import scenario_from_dict, scenario_to_dict
from vsim.model import ViolenceModel
from vsim.rng import draw_reference
from vsim.vocabulary import DAYS_PER_YEAR, LEVEL_NAMES, MODIFIERS

HITS: Counter = Counter()
FIELDS = {"slots": np.int64, "pids": np.int64, "status": np.int8, "t_referred": np.int32,
          "t_enrolled": np.int32, "t_discharged": np.int32, "share_done": np.float64}
STAGED = {"stage": np.int8, "max_stage": np.int8}  # the referral pathway's own
NEVER = 2**31 - 1
UNSTAFFED = ("hotspot_policing", "exploiter_disruption", "workforce_upskilling",
             "community_reassurance")
PERPETRATION = list(MODIFIERS).index("rel_perpetration")


def _timing(model, spec) -> SimpleNamespace:
    """Steps of the funding window and the spec's weeks in steps (scenario time)."""
    time = model.scenario.time
    weeks, burn = time.step_days / 7.0, (time.burn_in_weeks * 7) // time.step_days
    start = burn + ((spec.start or time.start) - time.start).days // time.step_days
    return SimpleNamespace(
        t=model.t, weeks=weeks, step_days=time.step_days, start=start,
        end=burn + (spec.end - time.start).days // time.step_days if spec.end else NEVER,
        delay=int(round(spec.referral_delay_weeks / weeks)),
        duration=max(1, int(round(spec.duration_weeks / weeks))),
        max_wait=int(round(spec.max_wait_weeks / weeks)),
        decay=math.log(2) / (spec.half_life_weeks / weeks),  # the runtime's order of ops
        p_dropout=1.0 - (1.0 - spec.p_dropout_weekly) ** weeks,
        capacity=int(math.floor(spec.staff * spec.caseload + 1e-9)))


def _draw(iv, t: int, pid: int, k: int) -> float:
    return draw_reference(int(iv.key), t, int(pid), k)


def _load(iv) -> list[dict]:
    """The runtime's participants as rows, in referral order."""
    names = list(FIELDS) + [n for n in STAGED if hasattr(iv, n)]
    return [dict(zip(names, vals, strict=True))
            for vals in zip(*(getattr(iv, n).tolist() for n in names), strict=True)]


def _store(iv, rows: list[dict]) -> None:
    for name, dtype in {**FIELDS, **STAGED}.items():
        if hasattr(iv, name):
            setattr(iv, name, np.array([r[name] for r in rows], dtype))


def _having(rows, status: int) -> list[dict]:
    return [r for r in rows if r["status"] == status]


def _set(rows, hit: str | None = None, **fields) -> None:
    """Set ``fields`` in every row of ``rows`` (counting them as branch ``hit``)."""
    for r in rows:
        r.update(fields)
    if hit:
        HITS[hit] += len(rows)


def _discharge(model, iv, rows, status: int, tm) -> None:
    """Discharged at t with the share of the programme done; completers of FFT may repair."""
    for r in rows:
        share = min(1.0, (tm.t - r["t_enrolled"]) / tm.duration)
        r.update(status=status, t_discharged=tm.t,
                 share_done=1.0 if status == COMPLETED and share >= 0.999 else share)
    if iv.spec.type == "family_therapy" and status == COMPLETED:
        _repair(model, iv, [r for r in rows if r["slots"] >= 0], tm)


def _repair(model, iv, rows, tm) -> None:
    """A completed family therapy repairs the household with p_family_repaired (draw 7)."""
    p = model.people
    homes = sorted({int(p.household[r["slots"]]) for r in rows
                    if _draw(iv, tm.t, r["pids"], 7) < iv.spec.p_family_repaired})
    if not homes:
        return
    HITS["household repaired"] += 1
    model.world.households.low_family_functioning[homes] = 0
    same = [i for i in range(p.capacity) if int(p.household[i]) in homes and p.alive[i] == 1]
    p.low_family_functioning[same] = 0
    # The risk score and vulnerability are the risk model's (ODD: risk), not this process's.
    model.risk.refresh(p, np.array(same, np.int64))


def _leavers(model, iv, rows, tm) -> int:
    """Those whose slot is empty or someone else's leave: enrolled complete, waiting close."""
    p = model.people
    gone = [r for r in rows if r["slots"] >= 0 and (int(p.pid[r["slots"]]) != r["pids"]
                                                    or p.alive[r["slots"]] == 0)]
    _set(gone, slots=-1)  # before the discharge: nothing it does reaches the slot's new holder
    enrolled = _having(gone, ENROLLED)
    _discharge(model, iv, enrolled, COMPLETED, tm)
    _set(_having(gone, WAITING), "left while waiting", status=NOT_SERVED)
    HITS["left while enrolled"] += len(enrolled)
    return len(enrolled)


def _progress(model, iv, rows, tm) -> tuple[int, int]:
    """Completion after the duration; otherwise drop-out with 1 − (1 − p_weekly)^weeks."""
    enrolled = _having(rows, ENROLLED)
    done = [r for r in enrolled if tm.t - r["t_enrolled"] >= tm.duration]
    drop = [r for r in enrolled if tm.t - r["t_enrolled"] < tm.duration
            and _draw(iv, tm.t, r["pids"], 2) < tm.p_dropout]
    _discharge(model, iv, done, COMPLETED, tm)
    _discharge(model, iv, drop, DROPPED, tm)
    HITS.update({"completed": len(done), "dropped": len(drop)})
    return len(done), len(drop)


def _stages(model, iv, rows, tm) -> tuple[int, int]:
    """Referral pathway: at the end of stage k escalate with p_escalate[k] (draw 5) or close.

    Stage k ends stage_weeks·k after enrolment; in between, drop-out (draw 2). A closed case
    has completed its pathway (share 1).
    """
    spec = iv.spec
    stage_steps = max(1, int(round(spec.stage_weeks / tm.weeks)))
    enrolled = _having(rows, ENROLLED)
    ending = [r for r in enrolled if tm.t - r["t_enrolled"] >= stage_steps * r["stage"]]
    drop = [r for r in enrolled if tm.t - r["t_enrolled"] < stage_steps * r["stage"]
            and _draw(iv, tm.t, r["pids"], 2) < tm.p_dropout]
    up = [r for r in ending if r["stage"] < 5
          and _draw(iv, tm.t, r["pids"], 5) < spec.p_escalate[r["stage"] - 1]]
    closed = [r for r in ending if r not in up]
    for r in up:
        r["stage"] = r["max_stage"] = r["stage"] + 1
    HITS.update({"escalated": len(up), "closed": len(closed),
                 "closed at stage 5": sum(r["stage"] == 5 for r in closed)})
    _discharge(model, iv, closed, COMPLETED, tm)
    _set(closed, share_done=1.0)
    _discharge(model, iv, drop, DROPPED, tm)
    HITS["dropped between stages"] += len(drop)
    return len(closed), len(drop)


def _nbhd_ok(model, spec, n: int) -> bool:
    return not spec.neighbourhoods or model.world.nbhd_names[n] in spec.neighbourhoods


def _heat(places, pl: int) -> float:
    with np.errstate(all="ignore"):  # numpy's division: an unused place gives nan, not an error
        return float(np.float64(places.heat[pl]) / np.float64(places.users[pl]))


def _hottest(places, candidates, n: int) -> list[int]:
    """The n candidates of highest heat per user, ties (and nan last) in index order."""
    heat = {pl: _heat(places, pl) for pl in candidates}
    return sorted(candidates, key=lambda pl: (math.isnan(heat[pl]), -heat[pl]))[:n]


def _worked_places(model, iv) -> list[int]:
    """Outreach's n_places hottest of its kinds in its neighbourhoods (or, if none, anywhere)."""
    world, spec = model.world, iv.spec
    kinds = {k for k, name in enumerate(world.place_types) if name in spec.place_kinds}
    of_kind = [pl for pl in range(world.places.kind.shape[0]) if world.places.kind[pl] in kinds]
    here = [pl for pl in of_kind if _nbhd_ok(model, spec, int(world.places.neighbourhood[pl]))]
    HITS["outreach elsewhere"] += bool(of_kind and not here)
    return _hottest(world.places, here or of_kind, spec.n_places)


def _may_take(model, spec, i: int, t: int, worked) -> bool:
    """Whether the service may take slot i: age, custody, area, level, flags, family's own."""
    p = model.people
    years = int(p.age_days[i]) / DAYS_PER_YEAR
    ok = (p.alive[i] == 1 and spec.min_age <= years < spec.max_age + 1
          and p.custody_until[i] <= t and _nbhd_ok(model, spec, int(p.neighbourhood[i]))
          and LEVEL_NAMES[p.level[i]] in spec.levels
          and (spec.exploited == "any" or (p.exploited_by[i] >= 0) == (spec.exploited == "yes"))
          and (spec.in_school == "any" or (p.school[i] >= 0) == (spec.in_school == "yes")))
    if spec.type == "family_therapy" and spec.only_low_family_functioning:
        return ok and p.low_family_functioning[i] == 1
    if spec.type == "domestic_abuse_support":
        return ok and p.domestic_abuse[i] == 1
    return ok and (worked is None or int(p.place[i]) in worked)


def _priority(model, iv, slots: list[int], tm) -> list[float]:
    """Score (higher first): the targeting rule's, broken by the person's draw 0."""
    p, spec, places = model.people, iv.spec, model.world.places
    u = [_draw(iv, tm.t, p.pid[i], 0) for i in slots]
    rule = spec.targeting
    if rule == "risk_score":
        # The partnership's view of the risk factors is the risk model's (ODD: risk).
        seen = model.risk.visible(p, np.array(slots, np.int64), spec.visible_share, iv.key)
        score = [float(seen[n]) + 1e-6 * u[n] for n in range(len(slots))]
    elif rule == "network":
        score = [float(model.ties.degree[i]) + u[n] for n, i in enumerate(slots)]
    elif rule == "gang":
        score = [(1000.0 if p.gang[i] >= 0 else 0.0) + int(p.level[i]) * 10.0 + u[n]
                 for n, i in enumerate(slots)]
    elif rule == "place":
        score = [(_heat(places, int(p.place[i])) if p.place[i] >= 0 else 0.0) + 1e-6 * u[n]
                 for n, i in enumerate(slots)]
    else:
        score = u
    if spec.priority_min_age is not None:
        years = [int(p.age_days[i]) / DAYS_PER_YEAR for i in slots]
        score = [s + (1e6 if spec.priority_min_age <= y < spec.priority_max_age + 1 else 0.0)
                 for s, y in zip(score, years, strict=True)]
        HITS["priority ages"] += 1
    return score


def _referrals(model, iv, rows, tm) -> list[int]:
    """Slots referred this step, best first; nobody is referred twice.

    Referral rules: everyone qualifying (share p_referral, drawn at step 0, draw 1). Other
    rules: the best candidates to fill the places and a tenth more.
    """
    p, spec, t = model.people, iv.spec, tm.t
    if tm.capacity <= 0:
        HITS["no capacity"] += 1
        return []
    served = {r["pids"] for r in rows}
    worked = set(_worked_places(model, iv)) if spec.type == "outreach" else None
    slots = [i for i in range(p.capacity)
             if _may_take(model, spec, i, t, worked) and int(p.pid[i]) not in served]
    if spec.targeting in ("police_referral", "school_referral"):
        slots = [i for i in slots if (p.known_until[i] > t if spec.targeting == "police_referral"
                                      else p.excluded[i] == 1 and p.school[i] >= 0)
                 and draw_reference(int(iv.key), 0, int(p.pid[i]), 1) < spec.p_referral]
        room = len(slots)
    else:
        active = len(_having(rows, ENROLLED)) + len(_having(rows, WAITING))
        room = tm.capacity - active + max(1, tm.capacity // 10)
    if room <= 0 or not slots:
        return []
    HITS["more candidates than room"] += room < len(slots)
    HITS[f"targeting {spec.targeting}"] += 1
    score = _priority(model, iv, slots, tm)
    # Best first, ties in slot order; the runtime takes the top `room` by partition, which
    # agrees as scores (continuous draws added) do not tie.
    return [slots[n] for n in sorted(range(len(slots)), key=lambda n: -score[n])[:room]]


def _refer_and_enrol(model, iv, rows, tm) -> int:
    """Close stale referrals, add this step's, offer free places first come first served."""
    p, t = model.people, tm.t
    _set([r for r in _having(rows, WAITING) if t - r["t_referred"] > tm.max_wait], "stale",
         status=NOT_SERVED)
    staged = {"stage": 0, "max_stage": 0} if iv.spec.type == "referral_pathway" else {}
    rows += [{"slots": i, "pids": int(p.pid[i]), "status": WAITING, "t_referred": t,
              "t_enrolled": -1, "t_discharged": -1, "share_done": 0.0, **staged}
             for i in _referrals(model, iv, rows, tm)]
    free = max(0, tm.capacity - len(_having(rows, ENROLLED)))
    ready = [r for r in _having(rows, WAITING) if t - r["t_referred"] >= tm.delay
             and r["slots"] >= 0]
    HITS["full"] += len(ready) > free
    take = min(1.0, iv.spec.p_engage * iv.strength)
    joined = [r for r in ready[:free] if _draw(iv, t, r["pids"], 3) < take]
    _set([r for r in ready[:free] if r not in joined], "declined", status=DECLINED)
    _set(joined, status=ENROLLED, t_enrolled=t, **{k: 1 for k in staged})
    return len(joined)


def _multiply(model, k: int, i: int, rel: float, f: float) -> None:
    """Modifier ×= float32(max(0, 1 − (1 − rel)·f)), the product stored as float32."""
    mods, x = model.people.modifiers, 1.0 - (1.0 - rel) * f
    HITS["floored at 0"] += x < 0
    mods[k, i] = f32(float(mods[k, i]) * f32(max(0.0, x)))


def _effects(model, iv, rows, tm) -> None:
    """Effects 1 − (1 − rel)·f·strength of each participant with a slot.

    f = 1 while enrolled; after discharge share·exp(−λ(t − t_discharged)), ended below 1e-4.
    The referral pathway's participants have rel_perpetration × stage_rel_perpetration[k] at
    stage k while enrolled, the after-care ``effects`` after.
    """
    rel = [float(getattr(iv.spec.effects, name)) for name in MODIFIERS]
    for r in rows:
        if r["slots"] < 0 or r["status"] not in (ENROLLED, COMPLETED, DROPPED, CUT):
            continue
        if r["status"] == ENROLLED and iv.spec.type == "referral_pathway":
            _multiply(model, PERPETRATION, r["slots"],
                      iv.spec.stage_rel_perpetration[r["stage"] - 1], iv.strength)
            continue
        if r["status"] == ENROLLED:
            f = 1.0
        else:
            # share first, then the decay, then strength: the runtime's order
            f = r["share_done"] * math.exp(-tm.decay * (tm.t - r["t_discharged"]))
            HITS["effect ended" if f < 1e-4 else "decaying"] += 1
            if f < 1e-4:
                continue
        for k, rel_k in enumerate(rel):
            _multiply(model, k, r["slots"], rel_k, f * iv.strength)


def _service(model, iv) -> None:
    """A service with participants: leave, progress, cliff, refer, enrol, effects, ledger."""
    spec, tm, rows = iv.spec, _timing(model, iv.spec), _load(iv)
    left = _leavers(model, iv, rows, tm)
    completed, dropped = (_stages if spec.type == "referral_pathway" else _progress)(
        model, iv, rows, tm)
    if tm.t == tm.end + 1:  # the grant cliff
        HITS[f"cliff {spec.on_funding_end}"] += 1
        _set(_having(rows, WAITING), status=NOT_SERVED)
        if spec.on_funding_end == "discharge":
            _discharge(model, iv, _having(rows, ENROLLED), CUT, tm)
    funded = tm.start <= tm.t <= tm.end
    new = _refer_and_enrol(model, iv, rows, tm) if funded else 0
    _effects(model, iv, rows, tm)
    if spec.type == "outreach" and funded and spec.rel_opportunity < 1:
        for pl in _worked_places(model, iv):
            model.world.places.rel_opportunity[pl] *= spec.rel_opportunity  # float64
        HITS["guardianship"] += 1
    if spec.type == "outreach" and funded:
        _reassure(model, {int(model.world.places.neighbourhood[pl])
                          for pl in _worked_places(model, iv)}, spec.rel_worry)
    _store(iv, rows)
    _book(iv, rows, tm, new, completed + left, dropped)


def _book(iv, rows, tm, new: int, completed: int, dropped: int) -> None:
    """Costs of the step: fixed while funded; staff while funded or finishing current ones."""
    spec, t, share = iv.spec, tm.t, tm.step_days / DAYS_PER_YEAR
    funded = tm.start <= t <= tm.end
    enrolled = len(_having(rows, ENROLLED))
    paying = funded or (t > tm.end and spec.on_funding_end == "finish_current" and enrolled > 0)
    HITS["paid to finish"] += paying and not funded
    fixed = spec.cost_fixed_per_year * share if funded else 0.0
    staff = spec.staff * spec.cost_per_staff_per_year * share if paying else 0.0
    participants = new * spec.cost_per_participant
    iv.ledger.append({
        "t": t, "intervention": spec.label, "type": spec.type, "cost_fixed": fixed,
        "cost_staff": staff, "cost_participants": participants,
        "cost_total": fixed + staff + participants, "enrolled": enrolled,
        "waiting": len(_having(rows, WAITING)), "new_enrolments": new,
        "completed": completed, "dropped_out": dropped,
        "capacity": tm.capacity if paying else 0})


def _reassure(model, neighbourhoods, rel_worry: float) -> None:
    """Residents' odds of worry × rel_worry in each of these neighbourhoods, once each."""
    if rel_worry != 1.0 and neighbourhoods:
        HITS["reassured"] += 1
        for g in neighbourhoods:
            model.worry.rel_worry[g] *= rel_worry  # float64


def _unstaffed(model, iv) -> None:
    """Hotspots, lines, upskilling: no participants, an effect while funded, costs booked.

    Hotspot policing: opportunity × rel_opportunity at the n_places hottest places of its
    neighbourhoods (all when none given); exploiter disruption: line closures ×
    rel_disruption; upskilling: service strength × (1 + boost·min(1, trained/for_full)),
    fading with the half-life after the end, nothing before the start.
    """
    spec, tm = iv.spec, _timing(model, iv.spec)
    places, lines = model.world.places, model.lines
    if spec.type == "workforce_upskilling":
        boost = spec.boost * min(1.0, spec.staff_trained / spec.staff_for_full)
        if tm.t > tm.end:
            boost *= math.exp(-tm.decay * (tm.t - tm.end))
        HITS["boost not started" if tm.t < tm.start else
             "boost fading" if tm.t > tm.end else "boost"] += 1
        model.service_strength *= 1.0 + (boost if tm.t >= tm.start else 0.0)
    elif tm.start <= tm.t <= tm.end and spec.type == "hotspot_policing":
        here = [pl for pl in range(places.kind.shape[0])
                if _nbhd_ok(model, spec, int(places.neighbourhood[pl]))]
        hottest = _hottest(places, here, spec.n_places)
        for pl in hottest:
            places.rel_opportunity[pl] *= spec.rel_opportunity  # float64
        HITS[spec.type] += 1
        _reassure(model, {int(places.neighbourhood[pl]) for pl in hottest}, spec.rel_worry)
        if spec.rel_fear_users != 1.0:
            p, row = model.people, list(MODIFIERS).index("rel_fear")
            for i in range(p.capacity):
                if p.alive[i] and int(p.place[i]) in hottest:
                    p.modifiers[row, i] = f32(float(p.modifiers[row, i])
                                              * f32(spec.rel_fear_users))
            HITS["users' fear"] += 1
    elif tm.start <= tm.t <= tm.end and spec.type == "community_reassurance":
        _reassure(model, [g for g in range(model.worry.rel_worry.shape[0])
                          if _nbhd_ok(model, spec, g)], spec.rel_worry)
        HITS[spec.type] += 1
    elif tm.start <= tm.t <= tm.end:
        for line in range(lines.rel_disruption.shape[0]):
            lines.rel_disruption[line] *= spec.rel_disruption  # float64
        HITS[spec.type] += 1
    _book(iv, [], tm, 0, 0, 0)


def interventions(model) -> dict[str, int]:
    """Reset every modifier and the service strength to 1, then step each intervention.

    In list order (upskilling first), each with strength = the service strength so far.
    """
    if not model.interventions:
        return {}
    model.people.modifiers[:] = 1.0
    model.world.places.rel_opportunity[:] = 1.0
    model.lines.rel_disruption[:] = 1.0
    model.worry.rel_worry[:] = 1.0
    model.service_strength = 1.0
    for iv in model.interventions:
        iv.strength = model.service_strength
        (_unstaffed if iv.spec.type in UNSTAFFED else _service)(model, iv)
    return {}


def runtime_state(model) -> list[dict]:
    """Each runtime's participants (and pathway stages), strength and last ledger row."""
    out = [{"service_strength": model.service_strength}]
    for iv in model.interventions:
        row = {name: getattr(iv, name).copy() for name in {**FIELDS, **STAGED}
               if hasattr(iv, name)}
        row.update(label=iv.spec.label, strength=iv.strength,
                   ledger=dict(iv.ledger[-1]) if iv.ledger else None)
        out.append(row)
    return out


# ---------------------------------------------------------------- worlds: case studies, small
SMALL = {"population.n_young_people": 1500, "area.residents": 7317, "time.burn_in_weeks": 8}
SHORT = {"duration_weeks": 4, "p_dropout_weekly": 0.05}  # courses that end within the case


def _case(study: str, steps: int, edits: dict | None = None, add: tuple = (), **changes):
    """A case study, 1,500 young people, interventions edited (by position) or added."""
    case = vsim.load_scenario(REPO / f"scenarios/case_studies/{study}.toml")
    data = scenario_to_dict(vsim.with_changes(case, {**SMALL, **changes}))
    for k, fields in (edits or {}).items():
        data["interventions"][k].update(fields)
    data["interventions"] += list(add)
    model = ViolenceModel(scenario_from_dict(data, f"<{study} for the twin>"))
    for _ in range(steps):
        model.step()
    return model


START = "2019-01-07"
OLDEST = {"type": "mentoring", "start": START, "min_age": 24, "targeting": "random", "staff": 6,
          "caseload": 10, "levels": list(LEVEL_NAMES)}
PATHWAY = {"start": START, "end": None, "staff": 0.1, "stage_weeks": 4, "max_wait_weeks": 4,
           "p_escalate": [0.8, 0.8, 0.8, 0.8], "p_dropout_weekly": 0.15, "half_life_weeks": 4}
# Sussex REBOOT, 14-day steps: capacity 4 against many police referrals (3 in 4), stages of
# two steps, stale referrals after two; upskilling scales the stages' effects; a copy cut at
# its cliff (the 10th step); escalations and declined offers at the 8th step.
SUSSEX = ({0: PATHWAY}, ({"type": "referral_pathway", **PATHWAY, "name": "cut",
                          "end": "2019-05-13", "on_funding_end": "discharge",
                          "p_referral": 0.5}, {"type": "workforce_upskilling"}),
          {"time.step_days": 14, "justice.dur_known_weeks": 52.0, "offending.h0": 0.004,
           "justice.p_suspect_identified": 0.8, "offending.p_reported": 0.8})
WORLDS = {
    # Barking and Dagenham at its grant cliff (the 12th step: end + 1 week). Diversionary
    # activities (network targeting) discharge, the gang mentoring lets participants finish,
    # upskilling fades, the YOS worker's police referrals go on; two added services take
    # 24-year-olds, who leave at 25 while enrolled or waiting.
    "iv_barking_cliff": partial(_case, "barking_and_dagenham", 12, {
        0: {"start": START, "end": "2019-03-25"},
        1: {"start": START, "end": "2019-03-25", "on_funding_end": "discharge",
            "targeting": "network", **SHORT, "duration_weeks": 6, "half_life_weeks": 0.5},
        2: {"start": START, "end": "2019-03-25", "duration_weeks": 20,
            "p_dropout_weekly": 0.05},
        3: {"start": START, **SHORT, "half_life_weeks": 0.5}}, (
        {**OLDEST, "name": "24-year-olds", "duration_weeks": 104, "referral_delay_weeks": 0},
        {**OLDEST, "name": "waiting", "referral_delay_weeks": 52, "max_wait_weeks": 104})),
    "iv_sussex_fortnightly": partial(_case, "sussex", 10, *SUSSEX[:2], **SUSSEX[2]),
    "iv_sussex_fortnightly_8": partial(_case, "sussex", 8, *SUSSEX[:2], **SUSSEX[2]),
    # every referral escalates through the five stages and closes at the last, none drops out
    "iv_sussex_all_stages": partial(_case, "sussex", 10, {0: {
        **PATHWAY, "p_escalate": [1.0] * 4, "p_dropout_weekly": 0.0}}, **SUSSEX[2]),
    "iv_redbridge": partial(_case, "redbridge", 12, {0: {"start": "2019-10-07", "end": None,
                                                         **SHORT}}),
    # hotspots, domestic abuse, school referrals, a universal programme; line disruption, an
    # out-of-school service and one with no staff added
    "iv_waltham": partial(_case, "waltham_forest", 12, {
        0: {"rel_worry": 0.9, "rel_fear_users": 1.3}, 1: {"p_dropout_weekly": 0.05},
        2: {"start": "2018-11-05", **SHORT, "p_referral": 0.5},
        3: {"start": "2018-11-05", **SHORT, "p_dropout_weekly": 0.0, "max_age": 15,
            "caseload": 10}}, (
        {"type": "exploiter_disruption"},
        {"type": "diversionary_activities", "in_school": "no", "targeting": "network", **SHORT,
         "levels": list(LEVEL_NAMES), "staff": 1},
        {"type": "mentoring", "name": "no staff", "staff": 0},
        {"type": "community_reassurance", "neighbourhoods": ["neighbourhood 2",
                                                             "neighbourhood 5"]})),
    # upskilling funded; gang targeting in two neighbourhoods (entry × 0.05: 1 − 0.95·strength
    # < 0, floored at 0); outreach at parks and school gates
    "iv_suffolk": partial(_case, "suffolk", 20, {
        1: {**SHORT, "effects": {"rel_perpetration": 0.75, "rel_entry": 0.05}},
        3: {"start": "2018-10-01", **SHORT}}),
    # upskilling not started; trusted adults for the exploited and the not exploited
    "iv_manchester": partial(_case, "greater_manchester", 10, {1: SHORT, 2: SHORT}),
    # outreach in ASB hotspots and in Loftus; one for a kind Loftus lacks (works elsewhere)
    "iv_redcar": partial(_case, "redcar_and_cleveland", 10, {0: SHORT, 2: SHORT}, (
        {"type": "outreach", "name": "elsewhere", "neighbourhoods": ["Loftus"],
         "place_kinds": ["transport_hub"], **SHORT},)),
    # hotspot policing in Loftus only (src/vsim/delivery/enforcement.py ignored the spec's
    # neighbourhoods until the fix of 2026-12-01; this case failed before it)
    "iv_hotspot_nbhd": partial(_case, "redcar_and_cleveland", 10, add=(
        {"type": "hotspot_policing", "neighbourhoods": ["Loftus"], "n_places": 3},)),
}
TWINS = {"interventions": interventions}
OWN_WORLDS_ONLY = {"interventions"}
CASES = [("interventions", w) for w in WORLDS]
