"""Budgets: which interventions of a portfolio can be funded, and what could not be.

Each intervention's planned yearly cost is its fixed cost, its staff costs and the participant
costs of a full caseload (capacity × 52 / duration a year). Interventions are funded in the
order listed; one that does not fit in what is left is scaled down to the staff the remainder
pays for (never below one whole member of staff, else it is not funded) and the shortfall is
reported.
"""

from __future__ import annotations

import math

from vsim.state import DAYS_PER_YEAR


def planned_cost_per_year(spec) -> float:
    """Planned yearly cost of an intervention at full capacity."""
    per_year_participants = spec.capacity * 52.0 / spec.duration_weeks
    return (spec.cost_fixed_per_year + spec.staff * spec.cost_per_staff_per_year
            + per_year_participants * spec.cost_per_participant)


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
        scale = 1.0
        if cost > room + 1e-9:
            per_staff = cost / spec.staff if spec.staff > 0 else math.inf
            staff = math.floor(room / per_staff) if per_staff > 0 else 0
            scale = staff / spec.staff if spec.staff > 0 else 0.0
        row = {"intervention": spec.label, "type": spec.type, "planned_cost_per_year": cost,
               "funded_share": scale, "funded_cost_per_year": cost * scale,
               "unfunded_cost_per_year": cost * (1.0 - scale)}
        report.append(row)
        if scale <= 0.0:
            continue
        if scale < 1.0:
            spec = spec.model_copy(update={"staff": spec.staff * scale})
        funded.append(spec)
        spent_year += cost * scale
        spent_total += cost * scale * years
    return funded, report
