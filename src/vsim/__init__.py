"""vsim: an agent-based simulation of how serious youth violence spreads and how it is interrupted.

From Python::

    import vsim
    scenario = vsim.load_scenario("scenarios/quick.toml")
    scenario = vsim.with_changes(scenario, {"justice.p_charge": 0.2})
    results = vsim.run(scenario, seed=1)
    results.steps, results.monthly, results.incidents   # pandas DataFrames
"""

from __future__ import annotations

from vsim.loading import (
    ScenarioError,
    json_schema,
    load_scenario,
    scenario_from_dict,
    scenario_hash,
    scenario_to_toml,
    with_changes,
)
from vsim.scenario import Scenario

__version__ = "0.1.0"


def run(scenario: Scenario | str, seed: int | None = None, progress=None, burn_in_from=None,
        threads: int = 1):
    """Simulate a scenario (a Scenario, a TOML file or a shipped name) and return its Results.

    The scenario's own seed is used unless ``seed`` is given; ``progress(done, total)`` is
    told the steps done; ``burn_in_from`` (a folder of ``vsim burn-in``, or a loaded
    :class:`vsim.checkpoint.BurnIn`) starts from a saved burn-in instead of running it;
    ``threads`` runs the threaded kernels on that many numba threads (the same results).
    """
    # deferred: the model pulls numba and compiles or loads the kernels (~0.5 s), which
    # `import vsim` for reading and validating scenarios does without
    from vsim.model import ViolenceModel
    from vsim.observers import Progress  # deferred with the model, as above

    watching = [Progress(progress)] if progress is not None else []
    return ViolenceModel(scenario, seed=seed, observers=watching,
                         burn_in_from=burn_in_from, threads=threads).run()


__all__ = ["Scenario", "ScenarioError", "json_schema", "load_scenario", "run",
           "scenario_from_dict", "scenario_hash", "scenario_to_toml", "with_changes",
           "__version__"]
