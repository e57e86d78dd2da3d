"""Budgets: which interventions of a portfolio can be funded, and what could not be.

Each intervention's planned yearly cost is its fixed cost, its staff costs and the participant
costs of a full caseload (capacity × 52 / duration a year). Interventions are funded in the
order listed; one that does not fit in what is left is scaled down to the whole staff the
remainder pays for after its fixed cost (never below one whole member of staff, else it is not
funded) and the shortfall is reported. The funded cost is the planned cost of the scaled-down
intervention, so it never exceeds what was left.
"""

from __future__ import annotations

import math

from vsim.vocabulary import DAYS_PER_YEAR


def planned_cost_per_year(spec) -> float:
    """Planned yearly cost of an intervention at full capacity."""
    per_year_participants = spec.capacity * 52.0 / spec.duration_weeks
    return (spec.cost_fixed_per_year + spec.staff * spec.cost_per_staff_per_year
            + per_year_participants * spec.cost_per_participant)


def _affordable_staff(spec, room: float) -> int:
    """Most whole staff (at most the planned staff) whose planned cost fits in ``room``."""
    if spec.staff <= 0 or room < spec.cost_fixed_per_year:
        return 0
    staff = math.floor(spec.staff + 1e-9)
    # per member of staff: salary and the participants of their caseload
    variable = (spec.cost_per_staff_per_year
                + spec.caseload * 52.0 / spec.duration_weeks * spec.cost_per_participant)
    if variable > 0:
        staff = min(staff, math.floor((room - spec.cost_fixed_per_year) / variable + 1e-9))
    # capacity is floored, so check the exact planned cost and step down if needed
    while staff > 0 and planned_cost_per_year(
            spec.model_copy(update={"staff": float(staff)})) > room + 1e-6:
        staff -= 1
    return max(0, staff)


def _funded_years(spec, scenario) -> float:
    start = spec.start or scenario.time.start
    end = min(spec.end or scenario.time.end_date, scenario.time.end_date)
    return max(0.0, (end - start).days / DAYS_PER_YEAR)


def fund(scenario):
    """The specs that can be funded (some scaled down) and a report row per intervention."""
    budget = scenario.budget
    limit_year = budget.per_year if budget.per_year is not None else math.inf
    limit_total = budget.total if budget.total is not None else math.inf
    funded, report = [], []
    spent_year, spent_total = 0.0, 0.0
    for spec in scenario.interventions:
        cost = planned_cost_per_year(spec)
        years = _funded_years(spec, scenario)
        room_year = limit_year - spent_year
        room_total = (limit_total - spent_total) / years if years > 0 else math.inf
        room = min(room_year, room_total)
        funded_cost = cost
        if cost > room + 1e-6:
            staff = _affordable_staff(spec, room)
            if staff > 0:
                spec = spec.model_copy(update={"staff": float(staff)})
                funded_cost = planned_cost_per_year(spec)
            else:
                funded_cost = 0.0
        scale = funded_cost / cost if cost > 0 else (1.0 if funded_cost == cost else 0.0)
        report.append({"intervention": spec.label, "type": spec.type,
                       "planned_cost_per_year": cost, "funded_share": scale,
                       "funded_cost_per_year": funded_cost,
                       "unfunded_cost_per_year": cost - funded_cost})
        if funded_cost <= 0.0 and cost > 0.0:
            continue
        funded.append(spec)
        spent_year += funded_cost
        spent_total += funded_cost * years
    return funded, report


def delivery_warnings(scenario) -> list[str]:
    """Interventions that will do nothing: no staff, or funded only outside the horizon.

    Not errors (a portfolio may switch a service off on purpose), but worth saying before a
    run, since the run itself would show only a service that reached nobody.
    """
    time = scenario.time
    first, last = time.start, time.end_date
    warnings = []
    for k, spec in enumerate(scenario.interventions):
        where = f"interventions[{k}] ({spec.label})"
        if spec.staff <= 0:
            warnings.append(f"{where}: staff = 0, so it enrols nobody and acts on no place "
                            "(its fixed cost is still booked)")
        start, end = spec.start or first, spec.end
        if start >= last or (end is not None and end < first):
            window = f"{start.isoformat()} to {end.isoformat() if end else 'open-ended'}"
            warnings.append(f"{where}: funded {window}, wholly outside the horizon "
                            f"({first.isoformat()} to {last.isoformat()}), so it does nothing")
    return warnings
