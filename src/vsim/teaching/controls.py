"""The page's controls as Mesa ``model_params`` entries, built from the scenario in use.

Four mechanisms every scenario has (contagion strength, retaliation, detection, exploiter
lines), each intervention's staff and caseload, and a lesson's own pickers. Names are
:class:`vsim.teaching.twins.TwinRun` settings (scenario fields with ``__`` for ``.``); each
slider starts at the scenario's value and spans a range that keeps the scenario valid.
"""

from __future__ import annotations

from vsim.loading import shipped_scenarios
from vsim.scenario import Scenario
from vsim.teaching.twins import setting_value


def scenario_choices(current: str) -> list[str]:
    """The picker's scenarios: the lessons, the quick town, the case studies (and ``current``)."""
    names = shipped_scenarios()
    ordered = ([n for n in names if n.startswith("teaching/")] + ["quick"]
               + [n for n in names if n.startswith("case_studies/")])
    if current not in ordered:
        ordered.insert(0, current)  # a scenario file given to `vsim ui`
    return ordered


def _slider(label: str, value: float, low: float, high: float, step: float) -> dict:
    is_int = all(float(x).is_integer() for x in (value, low, high, step))
    kind = "SliderInt" if is_int else "SliderFloat"
    cast = int if is_int else float
    return {"type": kind, "label": label, "value": cast(value), "min": cast(low),
            "max": cast(high), "step": cast(step)}


def mechanism_params(scenario: Scenario) -> dict[str, dict]:
    """Sliders for the main mechanisms, at the scenario's values."""
    offending, justice = scenario.offending, scenario.justice
    beta = scenario.contagion.beta
    return {
        "contagion__beta": _slider("Contagion strength",
                                   beta, 0.0, max(0.01, 2 * beta), 0.0001),
        "offending__p_victim_peer": _slider(
            "Retaliation (victims who are peers)", offending.p_victim_peer, 0.0,
            round(1.0 - offending.p_victim_place, 2), 0.05),
        "justice__p_suspect_identified": _slider(
            "Detection (suspects identified)", justice.p_suspect_identified, 0.0, 1.0, 0.05),
        "exploiters__n_lines": _slider("County lines", scenario.exploiters.n_lines,
                                       0, max(20, 2 * scenario.exploiters.n_lines), 1),
    }


def intervention_params(scenario: Scenario) -> dict[str, dict[str, dict]]:
    """Staff and caseload sliders for each of the scenario's interventions, by intervention."""
    groups = {}
    for k, spec in enumerate(scenario.interventions):
        staff_step = 1 if float(spec.staff).is_integer() else 0.5
        group = {f"interventions__{k}__staff": _slider(
            "Staff", spec.staff, 0, max(10, 3 * round(spec.staff)), staff_step)}
        if spec.caseload > 0:  # services at places or lines (caseload 0) have no caseload
            group[f"interventions__{k}__caseload"] = _slider(
                "Caseload each", spec.caseload, 1, max(20, 3 * round(spec.caseload)), 1)
        groups[f"{k + 1}. {spec.label}"] = group
    return groups


def settings_for(scenario: Scenario, lesson=None) -> dict[str, dict[str, dict]]:
    """The page's controls in groups; a lesson's own controls and pickers come first."""
    mechanisms = mechanism_params(scenario)
    interventions = intervention_params(scenario)
    every = dict(mechanisms)
    for title, group in interventions.items():
        name_of_service = title.split(". ", 1)[1]
        every.update({name: {**option, "label": f"{name_of_service}: {option['label']}"}
                      for name, option in group.items()})
    groups: dict[str, dict[str, dict]] = {}
    if lesson is not None:
        first = {name: every[name] for name in lesson.controls if name in every}
        for choice in lesson.choices:
            first[choice.field] = {"type": "Select", "label": choice.label,
                                   "value": str(setting_value(scenario, choice.field)),
                                   "values": choice.values}
        groups["This lesson"] = first
    shown = set(groups.get("This lesson", {}))
    groups["Mechanisms"] = {k: v for k, v in mechanisms.items() if k not in shown}
    for title, group in interventions.items():
        rest = {k: v for k, v in group.items() if k not in shown}
        if rest:
            groups[title] = rest
    return groups
