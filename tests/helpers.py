"""Shared helpers for the tests: small scenarios built in code."""

from __future__ import annotations

from pathlib import Path

import vsim
from vsim.loading import scenario_from_dict

REPO = Path(__file__).resolve().parents[1]
QUICK = REPO / "scenarios" / "quick.toml"

ONLY_CONTAGION = {"risk_factors": False, "contagion": True, "involvement": True,
                  "offending": False, "weapon_carrying": False, "victimisation": False,
                  "exploitation": False, "justice": False, "life_course": False,
                  "rewiring": False}


def quick(**changes) -> vsim.Scenario:
    """The quick scenario with dotted-path changes."""
    sc = vsim.load_scenario(QUICK)
    return vsim.with_changes(sc, changes) if changes else sc


def sis_scenario(n: int, beta: float, gamma: float, degree: int, rewire: bool,
                 weeks: int) -> vsim.Scenario:
    """Contagion alone on a random graph: the discrete-time SIS model.

    One neighbourhood, no schools' preference, no homophily, no siblings or gangs, every
    person seeking exactly ``degree`` friends. With ``rewire`` every tie is redrawn each step
    (an annealed random graph), for which mean-field theory is exact as n grows.
    """
    return scenario_from_dict({
        "name": "sis", "seed": 11,
        "time": {"years": weeks / 52.0, "burn_in_weeks": 0},
        "area": {"residents": n * 5, "n_neighbourhoods": 1},
        "population": {"n_young_people": n},
        "networks": {"mean_degree": degree, "max_degree": degree, "share_school": 0.0,
                     "age_window_years": 15, "homophily_risk": 0.0,
                     "homophily_involvement": 0.0, "sibling_ties": False, "n_gangs": 0,
                     "p_rewire": 1.0 if rewire else 0.0, "rewire_every_weeks": 1,
                     # enough attempts to re-form every tie each week (6 per missing tie)
                     "repair_attempts": 6 * degree},
        "contagion": {"beta": beta, "gamma": gamma, "p_entry_background": 0.0,
                      "p_entrench": 0.0, "weight_neighbourhood": 1.0, "weight_school": 1.0},
        "processes": {**ONLY_CONTAGION, "rewiring": rewire},
        "outputs": {"incident_log": False},
    })
