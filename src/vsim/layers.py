"""How vsim's modules are layered: a module imports only from its own layer or the ones below.

From the bottom:

1. **foundation** — the model's vocabulary (levels, tie kinds, modifiers, risk factors), the
   outcome vocabulary, field types, interval statistics and the evidence table. Pure Python
   and numpy.
2. **schema** — what a user writes: the scenario and intervention specs (pydantic), reading
   and validating TOML, budgets, experiment files. No numba, no model: ``vsim validate`` and
   ``vsim schema`` never load the kernels.
3. **tables** — a run's results as pandas tables and writing them atomically. Like Mesa's
   DataCollector, below the model that fills them: they read a model's recorder without
   importing the model.
4. **model** — the simulation: random streams, state arrays, the population and its
   networks, the processes and their numba kernels, interventions at work (``delivery``),
   Mesa agent views, observers and the recorder, and ``ViolenceModel``, which runs them.
5. **applications** — plots and printed tables, comparisons, sweeps, their analysis and
   reports, test models.
6. **interface** — the ``vsim`` command and the package's top-level functions.

``tests/test_habits.py`` checks every import in ``src/vsim`` against :data:`LAYERS` (and that
there are no import cycles). A new module is added to its layer here.
"""

from __future__ import annotations

LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("foundation", ("vsim.vocabulary", "vsim.fields", "vsim.outcomes", "vsim.intervals",
                    "vsim.workers", "vsim.layers", "vsim.evidence", "vsim.prices")),
    ("schema", ("vsim.interventions", "vsim.sections", "vsim.sections_world", "vsim.sections_fear",
                "vsim.scenario",
                "vsim.validation", "vsim.loading", "vsim.budget", "vsim.experiment")),
    ("tables", ("vsim.tables", "vsim.results", "vsim.police_data",
                "vsim.local_area")),
    ("model", ("vsim.compiled", "vsim.rng", "vsim.state", "vsim.risk", "vsim.population",
               "vsim.networks", "vsim.builder", "vsim.processes", "vsim.delivery", "vsim.agents",
               "vsim.observers", "vsim.incident_log", "vsim.recorder", "vsim.checkpoint",
               "vsim.model")),
    ("applications", ("vsim.plots", "vsim.display", "vsim.posterior_projection",
                      "vsim.teaching", "vsim.compare", "vsim.compare_runs",
                      "vsim.appraisal", "vsim.grant_cliff",
                      "vsim.budget_search", "vsim.sweep", "vsim.isolation",
                      "vsim.analysis", "vsim.report_html", "vsim.report_sweep",
                      "vsim.report_brief", "vsim.report",
                      "vsim.testing", "vsim.calibration")),
    ("interface", ("vsim.cli", "vsim.__main__", "vsim")),
)


def layer_of(module: str) -> int:
    """Position in :data:`LAYERS` of a vsim module; ValueError if it has none.

    A package covers its submodules; the ``vsim.cli_*`` modules belong with ``vsim.cli``.
    """
    best, best_len = None, -1
    for k, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            hit = (module == prefix or module.startswith(prefix + ".")
                   or (prefix == "vsim.cli" and module.startswith("vsim.cli_")))
            if hit and len(prefix) > best_len:
                best, best_len = k, len(prefix)
    if best is None:
        raise ValueError(f"{module} is in no layer of vsim.layers.LAYERS; add it there")
    return best
