"""Experiment files: a base scenario, portfolios, uncertain parameters and a design.

Sampling and analysis use SALib (in :mod:`vsim.sweep` and :mod:`vsim.analysis`); the model
never imports it. One function, :func:`scenario_for`, turns a sample row into a validated
scenario (STYLE example 8).
"""

from __future__ import annotations

import copy
import hashlib
import math
import os
import warnings
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from vsim.fields import Section
from vsim.loading import (
    MEMORY_HEADROOM,
    ScenarioError,
    check_memory,
    estimate_memory_bytes,
    load_file,
    load_scenario,
    machine_memory_bytes,
    scenario_from_dict,
    scenario_to_dict,
    set_dotted,
)
from vsim.outcomes import DEPRECATED, RUN_OUTCOMES
from vsim.scenario import Scenario

# A sweep above this is refused at validation: a factorial grid is built in memory, and a
# million borough runs is ~500 core-hours (assumption: such designs belong on a cluster in parts).
MAX_RUNS = 1_000_000
# Memory of a sweep worker before its run: Python, numpy, pandas, numba and vsim's compiled
# kernels (263 MiB measured after imports and a first run, 2026-11-25; rounded up).
WORKER_BASE_BYTES = 280 * 2**20

OUTCOMES = tuple(RUN_OUTCOMES)  # what a sweep of vsim can report (vsim.outcomes)


INTERVENTIONS = "interventions"


class Parameter(Section):
    """An uncertain parameter: a dotted path into the scenario and its range.

    A path ``interventions.<label>.<field>`` (e.g. ``interventions.mentoring.effects.
    rel_perpetration``) reaches into the intervention of that label (its name, or its type) in
    every portfolio that has one; portfolios without it, like the baseline, are unaffected.
    """

    path: str = Field(..., min_length=1, description=(
        "Dotted path, e.g. contagion.beta, or interventions.<label>.<field> for an "
        "intervention of the portfolios (label = its name, or its type)."))
    low: float = Field(..., description="Lower bound.")
    high: float = Field(..., description="Upper bound.")
    distribution: Literal["uniform", "loguniform"] = Field("uniform", description=(
        "uniform on [low, high], or log-uniform (both bounds > 0)."))
    integer: bool = Field(False, description="Round sampled values to whole numbers.")

    @model_validator(mode="after")
    def _bounds(self):
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        if self.distribution == "loguniform" and self.low <= 0:
            raise ValueError(f"low ({self.low}) must be > 0 for a log-uniform distribution")
        return self

    def scale(self, u: float) -> float:
        """Map a unit-cube coordinate to this parameter's value."""
        if self.distribution == "loguniform":
            value = math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        else:
            value = self.low + u * (self.high - self.low)
        return float(round(value)) if self.integer else value


class Design(Section):
    """How the parameter space is sampled."""

    method: Literal["morris", "sobol", "latin_hypercube", "factorial"] = Field(
        "morris", description="Morris screening, Sobol/Saltelli, Latin hypercube or full grid.")
    samples: int = Field(10, ge=1, le=1_000_000, description=(
        "Morris trajectories; Sobol base samples N (a power of 2); Latin hypercube points."))
    levels: int = Field(4, ge=2, le=100, description="Grid levels (Morris and factorial).")
    second_order: bool = Field(False, description="Sobol second-order indices too.")


class Portfolio(Section):
    """A portfolio to compare under uncertainty: a scenario file or a list of interventions."""

    name: str = Field(..., min_length=1)
    scenario: str | None = Field(None, description=(
        "Scenario file whose interventions (and budget) form the portfolio (path relative to "
        "the experiment file)."))
    interventions: tuple[dict, ...] = Field((), description="[[portfolios.interventions]].")

    @model_validator(mode="after")
    def _one_source(self):
        if self.scenario and self.interventions:
            raise ValueError("give either scenario or interventions, not both")
        return self


class Experiment(Section):
    """A sweep: base scenario × portfolios × design × replicates."""

    name: str = Field(..., min_length=1, pattern=r"^[^./\\][^/\\]*$")
    description: str = ""
    base: str | None = Field(None, description=(
        "Base scenario file, relative to the experiment file (required for the vsim model)."))
    model: str = Field("vsim", description=(
        "'vsim', or 'module:function' taking (parameters: dict, seed: int) and returning a "
        "dict of outcomes (for test functions and other models)."))
    root_seed: int = Field(1, ge=0, le=2**62, description="Seeds derive from it and the run.")
    replicates: int = Field(1, ge=1, le=10_000, description="Replicates per sample point.")
    outcomes: tuple[str, ...] = Field(("incidents", "weapon_incidents",
                                       "serious_injury_incidents", "mean_exploited"))
    design: Design = Design()
    parameters: tuple[Parameter, ...] = Field(..., min_length=1)
    portfolios: tuple[Portfolio, ...] = Field((), description=(
        "Portfolios compared on the same sample points and seeds; a 'baseline' without "
        "interventions is added when any are given."))
    posterior: str | None = Field(None, description=(
        "A vsim calibrate folder (relative to the experiment file): each sample point and "
        "replicate runs on a draw of its posterior (the same draw for every portfolio); the "
        "design's own parameters take precedence over the posterior's."))
    population_scale: float = Field(1.0, gt=0, le=1, description=(
        "Simulate this share of the base scenario's young people (and residents), for fast "
        "screening. 1 = as the scenario says."))

    @model_validator(mode="after")
    def _checks(self):
        if self.model == "vsim" and not self.base:
            raise ValueError("base: a base scenario file is required for the vsim model")
        if self.model != "vsim" and ":" not in self.model:
            raise ValueError(f"model: '{self.model}' must be 'vsim' or 'module:function'")
        names = [p.path for p in self.parameters]
        if len(set(names)) != len(names):
            raise ValueError("parameters: each path may appear once")
        if not self.outcomes or len(set(self.outcomes)) != len(self.outcomes):
            raise ValueError(f"outcomes: {list(self.outcomes)} must list at least one outcome, "
                             f"each once")
        if self.model == "vsim":
            unknown = [o for o in self.outcomes if o not in OUTCOMES and o not in DEPRECATED]
            if unknown:
                raise ValueError(f"outcomes: {unknown} unknown; choose from {list(OUTCOMES)}")
        if self.n_runs > MAX_RUNS:
            raise ValueError(
                f"design: {self.design.method} with samples = {self.design.samples}, levels = "
                f"{self.design.levels} over {len(self.parameters)} parameters makes "
                f"{self.n_runs:,} runs (× portfolios × replicates); at most {MAX_RUNS:,} are "
                f"allowed: lower design.samples, design.levels or replicates")
        if self.design.method == "sobol" and self.design.samples & (self.design.samples - 1):
            raise ValueError(f"design.samples = {self.design.samples}: Sobol needs a power of 2")
        portfolio_names = [p.name for p in self.portfolios]
        if len(set(portfolio_names)) != len(portfolio_names) or "baseline" in portfolio_names:
            raise ValueError("portfolios: names must be unique and not 'baseline'")
        return self

    @model_validator(mode="before")
    @classmethod
    def _renamed_outcomes(cls, data):
        """Rename old outcome names, with a note: they work for one release more.

        The note is a FutureWarning.
        """
        outcomes = data.get("outcomes") if isinstance(data, dict) else None
        vsim_model = isinstance(data, dict) and data.get("model", "vsim") == "vsim"
        if (vsim_model and isinstance(outcomes, list | tuple)
                and any(o in DEPRECATED for o in outcomes)):
            for old in (o for o in outcomes if o in DEPRECATED):
                warnings.warn(f"outcomes: '{old}' is now called '{DEPRECATED[old]}'; the old "
                              f"name will stop working in the next release", FutureWarning,
                              stacklevel=2)
            data = {**data, "outcomes": [DEPRECATED.get(o, o) for o in outcomes]}
        return data

    @property
    def n_points(self) -> int:
        """Sample points of the design (computed, not sampled: a grid can be huge)."""
        d, k = self.design, len(self.parameters)
        if d.method == "factorial":
            return d.levels ** k
        if d.method == "latin_hypercube":
            return d.samples
        return d.samples * block_size(d.method, d.second_order, k)

    @property
    def n_runs(self) -> int:
        """Runs of the sweep: points × portfolios (with the baseline) × replicates."""
        portfolios = len(self.portfolios) + 1 if self.portfolios else 1
        return self.n_points * portfolios * self.replicates


class LoadedExperiment:
    """An experiment with its base scenario and portfolios resolved and validated."""

    def __init__(self, experiment: Experiment, source: Path):
        self.spec = experiment
        self.source = source
        self.folder = source.parent
        self.base: Scenario | None = None
        self.portfolios: dict[str, list[dict]] = {}
        # A portfolio taken from a scenario file brings that file's [budget] with it.
        self.budgets: dict[str, dict] = {}
        if experiment.model == "vsim":
            self.base = self._load("base", experiment.base)
            if experiment.population_scale < 1:
                self.base = _scaled(self.base, experiment.population_scale)
            if experiment.portfolios:
                self.portfolios["baseline"] = []
            for p in experiment.portfolios:
                if p.scenario:
                    other = self._load(f"portfolios[{p.name}].scenario", p.scenario)
                    ivs = _resolved(other)
                    self.budgets[p.name] = other.budget.model_dump(mode="json",
                                                                   exclude_none=True)
                else:
                    ivs = _resolved(scenario_from_dict(
                        {**scenario_to_dict(self.base), "interventions": list(p.interventions)},
                        f"{self.source} [portfolios.{p.name}]"))
                self.portfolios[p.name] = ivs
            if not self.portfolios:
                self.portfolios["scenario"] = _resolved(self.base)
        else:
            self.portfolios["model"] = []
        self._check_paths()

    def _load(self, field: str, relative: str) -> Scenario:
        """Load a scenario named in the experiment, naming the field if it fails."""
        try:
            return load_scenario(self.folder / relative)
        except ScenarioError as exc:
            raise ScenarioError(str(self.source), [
                f"{field} = '{relative}': {problem}" for problem in exc.problems]) from None

    def _check_paths(self) -> None:
        """Check the parameters against the portfolios.

        Every parameter path must name a scenario or intervention field; every portfolio must
        validate at the corners of the design.
        """
        if self.base is None:
            return
        data = scenario_to_dict(self.base)
        problems = [f"parameters[{k}].path: '{par.path}' {problem}"
                    for k, par in enumerate(self.spec.parameters)
                    if (problem := self._path_problem(par.path, data))]
        problems += self._ambiguous_labels()
        if problems:
            raise ScenarioError(str(self.source), problems)
        self._check_corners()

    def _path_problem(self, path: str, data: dict) -> str | None:
        """Why a parameter path names no field of the scenario or its interventions, or None."""
        label, rest = _intervention_path(path)
        if label is None:
            return _missing_field(data, path.split("."), "the scenario")
        if not rest:
            return f"names no field of the intervention: write {INTERVENTIONS}.<label>.<field>"
        found = [iv for ivs in self.portfolios.values() for iv in ivs if _label(iv) == label]
        if not found:
            labels = sorted({_label(iv) for ivs in self.portfolios.values() for iv in ivs})
            return (f"no portfolio has an intervention labelled '{label}' (labels: "
                    f"{', '.join(labels) or 'none'})")
        return _missing_field(found[0], rest.split("."), f"'{label}'")

    def _ambiguous_labels(self) -> list[str]:
        """Portfolios where a parameter's label names more than one intervention."""
        problems = []
        for name, ivs in self.portfolios.items():
            labels = [_label(iv) for iv in ivs]
            twice = sorted({x for x in labels if labels.count(x) > 1})
            if twice and any(_intervention_path(p.path)[0] in twice
                             for p in self.spec.parameters):
                problems.append(f"portfolios[{name}]: more than one intervention is labelled "
                                f"{', '.join(twice)}; give each a distinct name to address it")
        return problems

    def _check_corners(self) -> None:
        """Every portfolio must validate with all parameters at their low, then high, bounds."""
        for name in self.portfolios:
            for corner, bound in ((0.0, "low"), (1.0, "high")):
                values = {p.path: p.scale(corner) for p in self.spec.parameters}
                try:
                    self.scenario_for(values, name)
                except ScenarioError as exc:
                    raise ScenarioError(str(self.source), [
                        _blame_bound(problem, self.spec.parameters, bound)
                        for problem in exc.problems]) from None

    def scenario_for(self, values: dict[str, float], portfolio: str) -> Scenario:
        """The validated scenario for one sample point and portfolio."""
        data = scenario_to_dict(self.base)
        interventions = copy.deepcopy(self.portfolios[portfolio])
        for path, value in values.items():
            label, rest = _intervention_path(path)
            if label is None:
                set_dotted(data, path, value)
            else:
                for iv in interventions:
                    if _label(iv) == label:
                        set_dotted(iv, rest, value)
        data["interventions"] = interventions
        if portfolio in self.budgets:
            data["budget"] = self.budgets[portfolio]
        where = ", ".join(f"{path} = {value:g}" for path, value in values.items())
        try:
            return scenario_from_dict(data, f"{self.source} [{portfolio}]")
        except ScenarioError as exc:
            raise ScenarioError(str(self.source), [
                f"portfolio {portfolio} at the sample point {where or '(base)'}: {problem}"
                for problem in exc.problems]) from None

    def largest_scenario(self) -> Scenario | None:
        """Scenario at the upper corner of the design (for the memory check)."""
        if self.base is None:
            return None
        return self.scenario_for({p.path: p.scale(1.0) for p in self.spec.parameters},
                                 next(iter(self.portfolios)))

    def check_memory(self, jobs: int) -> None:
        """Refuse a job count whose workers would not fit in memory together.

        Each worker holds the Python stack and compiled kernels plus one run at the design's
        largest corner.
        """
        largest = self.largest_scenario()
        if largest is None:
            return
        check_memory(largest, str(self.source))  # one run alone must fit
        per_job = WORKER_BASE_BYTES + estimate_memory_bytes(largest)
        have = machine_memory_bytes() * MEMORY_HEADROOM
        if per_job * jobs > have:
            fits = max(1, int(have // per_job))
            raise ScenarioError(str(self.source), [
                f"--jobs = {jobs}: {jobs} workers would need about "
                f"{per_job * jobs / 2**30:.1f} GiB ({per_job / 2**20:,.0f} MiB each at the "
                f"design's largest corner, {largest.n_young_people:,} young people), more than "
                f"the {have / 2**30:.1f} GiB this machine can give; use --jobs {fits} or fewer"])


def _blame_bound(problem: str, parameters, bound: str) -> str:
    """Name the parameter bound behind a problem found at a corner of the design."""
    for k, par in enumerate(parameters):
        if f"{par.path} = " in problem or problem.split(": ", 2)[-1].startswith(par.path):
            value = par.high if bound == "high" else par.low
            return f"parameters[{k}].{bound} = {value:g} ({par.path}): {problem}"
    return problem


def _resolved(scenario: Scenario) -> list[dict]:
    """A scenario's interventions with every field written out (family defaults included).

    A parameter can then be set on any of them without losing the family's other defaults.
    """
    return [iv.model_dump(mode="json", exclude_none=True) for iv in scenario.interventions]


def _label(intervention: dict) -> str:
    """An intervention's label: its name, or its type."""
    return intervention.get("name") or intervention["type"]


def _intervention_path(path: str) -> tuple[str | None, str]:
    """Split a parameter path into an intervention label and the path inside it.

    ('mentoring', 'effects.rel_perpetration') for
    'interventions.mentoring.effects.rel_perpetration'; (None, path) for a path into the rest
    of the scenario.
    """
    parts = path.split(".")
    if parts[0] != INTERVENTIONS or len(parts) < 2:
        return None, path
    return parts[1], ".".join(parts[2:])


def _missing_field(data: dict, parts: list[str], root: str) -> str | None:
    """Why ``parts`` does not lead to a number in ``data``, or None if it does."""
    node = data
    for depth, part in enumerate(parts):
        if not isinstance(node, dict) or part not in node:
            where = ".".join(parts[:depth]) or root
            valid = sorted(node) if isinstance(node, dict) else []
            return (f"is not a field ('{part}' is not in {where}; valid: "
                    f"{', '.join(valid)})")
        node = node[part]
    if isinstance(node, dict | list):
        return "is a table, not a number"
    return None


def _scaled(scenario: Scenario, share: float) -> Scenario:
    n = max(200, round(scenario.n_young_people * share))
    data = scenario_to_dict(scenario)
    data.setdefault("population", {})["n_young_people"] = n
    data["area"]["residents"] = max(1, round(scenario.area.residents * share))
    return scenario_from_dict(data, f"{scenario.name} scaled by {share}")


def load_experiment(path: str | os.PathLike) -> LoadedExperiment:
    """Read and validate an experiment file (every problem reported together)."""
    return LoadedExperiment(*load_file(path, Experiment))


def block_size(method: str, second_order: bool, n_parameters: int) -> int:
    """Sample points that form one unit of a design.

    A Morris trajectory (k + 1 points), a Saltelli block (A, the k AB matrices, [the k BA,] B:
    k + 2 or 2k + 2), or one point.
    """
    if method == "morris":
        return n_parameters + 1
    if method == "sobol":
        return 2 * n_parameters + 2 if second_order else n_parameters + 2
    return 1


def run_seed(root_seed: int, block: int, replicate: int) -> int:
    """Seed of a run: a hash of the root seed, the design block and the replicate.

    Every point of a Morris trajectory or Saltelli block shares the seed, as does every
    portfolio (common random numbers): the differences the indices are built from then
    reflect the parameters, not the model's noise (with a seed per point, an unused
    parameter of a noisy Ishigami function showed a total index of 0.22). Replicates differ.
    The result does not depend on which worker ran the run or when.
    """
    digest = hashlib.sha256(f"vsim-sweep:{root_seed}:{block}:{replicate}".encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 2
