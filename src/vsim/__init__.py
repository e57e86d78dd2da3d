"""vsim: an agent-based simulation of how serious youth violence spreads and how it is interrupted.

From Python::

    import vsim
    scenario = vsim.load_scenario("scenarios/quick.toml")
    scenario = vsim.with_changes(scenario, {"justice.p_charge": 0.2})
    results = vsim.run(scenario, seed=1)
    results.steps, results.monthly, results.incidents   # pandas DataFrames
"""

from __future__ import annotations

from vsim.loading import (ScenarioError, json_schema, load_scenario, scenario_from_dict,
                          scenario_hash, scenario_to_toml, with_changes)
from vsim.scenario import Scenario

__version__ = "0.1.0"


def run(scenario: Scenario, seed: int | None = None, progress=None):
    """Simulate a scenario (with the scenario's seed unless one is given); returns Results."""
    from vsim.model import ViolenceModel

    return ViolenceModel(scenario, seed=seed).run(progress=progress)


__all__ = ["Scenario", "ScenarioError", "json_schema", "load_scenario", "run",
           "scenario_from_dict", "scenario_hash", "scenario_to_toml", "with_changes",
           "__version__"]
