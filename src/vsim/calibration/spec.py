"""Calibration files (``calibration/*.toml``): scenario, data, priors, targets, method, seed.

Validated like scenarios and experiments: every problem is reported together, each naming its
field, the value and what is allowed (exit code 2 from the command line).
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import os
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, model_validator

from vsim.fields import Positive, Section
from vsim.loading import ScenarioError, load_file, load_scenario, scenario_to_dict, set_dotted
from vsim.loading import scenario_from_dict as _scenario_from_dict
from vsim.scenario import Scenario

from .observation import POLICE_TYPES
from .targets import TARGETS, TYPES_NEEDED

OBSERVATION = "observation"
CRIME_TYPES = POLICE_TYPES


class Prior(Section):
    """A parameter to fit: a dotted path (scenario field or observation.*) and its prior."""

    path: str = Field(..., min_length=1, description=(
        "Dotted path: a scenario field (contagion.beta) or an observation-model parameter "
        "(observation.background_rate)."))
    distribution: Literal["uniform", "log_uniform", "normal", "truncated_normal"] = Field(
        "uniform", description="Prior family.")
    low: float | None = Field(None, description="Lower bound (uniform, log-uniform, truncated).")
    high: float | None = Field(None, description="Upper bound (uniform, log-uniform, truncated).")
    mean: float | None = Field(None, description="Mean (normal, truncated normal).")
    sd: float | None = Field(None, gt=0, description="Standard deviation (normal, truncated).")

    @model_validator(mode="after")
    def _complete(self) -> Prior:
        d = self.distribution
        if d in ("uniform", "log_uniform", "truncated_normal"):
            if self.low is None or self.high is None or not self.low < self.high:
                raise ValueError(f"a {d} prior needs low < high (got low = {self.low}, "
                                 f"high = {self.high})")
        if d == "log_uniform" and self.low <= 0:
            raise ValueError(f"a log_uniform prior needs low > 0 (got {self.low})")
        if d in ("normal", "truncated_normal") and (self.mean is None or self.sd is None):
            raise ValueError(f"a {d} prior needs mean and sd")
        return self

    def support(self) -> tuple[float, float]:
        """Where the prior puts mass (a normal's 4-sd range), for checking the scenario."""
        if self.distribution == "normal":
            return self.mean - 4 * self.sd, self.mean + 4 * self.sd
        return self.low, self.high

    def sd_of_prior(self) -> float:
        """Standard deviation of the prior (for comparing the posterior's with it)."""
        lo, hi = self.support()
        if self.distribution == "uniform":
            return (hi - lo) / math.sqrt(12)
        if self.distribution == "log_uniform":
            a, b = math.log(lo), math.log(hi)
            m1 = (hi - lo) / (b - a)
            m2 = (hi**2 - lo**2) / (2 * (b - a))
            return math.sqrt(max(m2 - m1**2, 0.0))
        return float(self.sd)  # (an upper bound for the truncated normal)


class Data(Section):
    """The recorded crime to fit: counts files or police.uk files, the area and the months."""

    counts: tuple[str, ...] = Field((), description=(
        "Counts files (Parquet from `vsim data police-uk`, or CSV month, lsoa_code, crime_type, "
        "count), relative to the calibration file."))
    police_uk: tuple[str, ...] = Field((), description=(
        "police.uk street files, folders or archives, read as `vsim data police-uk` does."))
    months: tuple[str, ...] = Field(..., min_length=1, description=(
        "The months to fit, YYYY-MM; the simulation covers them."))
    crime_types: tuple[Literal[CRIME_TYPES], ...] = Field(CRIME_TYPES, description=(
        "police.uk crime types compared (the model simulates these three)."))

    @model_validator(mode="after")
    def _a_source(self) -> Data:
        if not self.counts and not self.police_uk:
            raise ValueError("give the data as counts files or police_uk files")
        for m in self.months:
            try:
                dt.date.fromisoformat(f"{m}-01")
            except ValueError:
                raise ValueError(f"months: {m!r} is not YYYY-MM") from None
        if list(self.months) != sorted(set(self.months)):
            raise ValueError("months must be listed once each, in order")
        return self


class Observation(Section):
    """How simulated incidents become police-recorded counts per LSOA and month.

    The simulated young people's recorded incidents, plus violence the model does not simulate
    (adults, domestic abuse) at a background rate per resident that rises with deprivation,
    with negative binomial over-dispersion (ODD: observation-model).
    """

    background_rate: Positive = Field(2.5, description=(
        "Recorded 'Violence and sexual offences' not by the simulated young people, per 1,000 "
        "residents per month, on average over the area. Assumption: West Yorkshire recorded 2.5 "
        "and 3.1 of all violence per 1,000 a month (evidence: policeuk-wy-violence-level), "
        "most of it not by 10-24 year olds; a prior to fit."))
    background_deprivation: float = Field(0.3, ge=-3, le=3, description=(
        "Log rate ratio of the background per standard deviation of deprivation (the gradient "
        "is normalised to average 1 over the area's residents). "
        "Assumption; a prior to fit (evidence: assume-observation-model)."))
    robbery_background_rate: float = Field(0.05, ge=0, le=100, description=(
        "Recorded robbery not by the simulated young people, per 1,000 residents per month. "
        "Assumption (West Yorkshire: 0.07-0.09 in all; evidence: policeuk-wy-violence-level)."))
    weapons_background_rate: float = Field(0.04, ge=0, le=100, description=(
        "Recorded possession of weapons not by the simulated young people, per 1,000 "
        "residents per month. Assumption (West Yorkshire: 0.05-0.06 in all; evidence: "
        "policeuk-wy-violence-level)."))
    dispersion: Positive = Field(5.0, le=1e6, description=(
        "Negative binomial shape k: variance = mean + mean²/k per LSOA and month. "
        "Assumption; a prior to fit (evidence: assume-observation-model)."))


class Target(Section):
    """A summary of the data to match, and its weight in the distance."""

    name: Literal[tuple(TARGETS)] = Field(..., description="One of vsim.calibration.targets.")
    weight: Positive = Field(1.0, le=1000, description="Weight in the distance.")


class Method(Section):
    """The inference method and its budget (stop rules)."""

    name: Literal["abc_smc", "optimize"] = Field("abc_smc", description=(
        "abc_smc: ABC-SMC with pyabc (a posterior; adaptive distance, multicore or Dask "
        "sampler); optimize: a point fit with Optuna (max_simulations trials)."))
    population_size: int = Field(100, ge=5, le=100_000, description="Particles a generation.")
    generations: int = Field(8, ge=1, le=1000, description="At most this many generations.")
    min_epsilon: float = Field(0.0, ge=0, description="Stop once epsilon falls to this.")
    max_simulations: int = Field(10_000, ge=1, le=100_000_000, description=(
        "Stop after a generation once this many simulations were made."))
    max_walltime_minutes: Positive = Field(30.0, le=100_000, description=(
        "Stop after the generation during which this much time has passed."))
    runaway_multiple: float = Field(5.0, ge=1.5, le=1e6, description=(
        "A run whose recorded incidents in a step exceed this multiple of the data's busiest "
        "month's weekly count is stopped and rejected (runaway settings)."))
    predictive_draws: int = Field(20, ge=0, le=10_000, description=(
        "Posterior draws simulated for the posterior-predictive checks."))


class Calibration(Section):
    """A calibration: fit a scenario's parameters to recorded crime."""

    name: str = Field(..., min_length=1, pattern=r"^[^./\\][^/\\]*$")
    description: str = ""
    scenario: str = Field(..., description="Scenario file, relative to the calibration file.")
    seed: int = Field(1, ge=0, le=2**62, description="Root seed of the calibration.")
    data: Data
    observation: Observation = Observation()
    parameters: tuple[Prior, ...] = Field(..., min_length=1)
    targets: tuple[Target, ...] = Field(..., min_length=1)
    method: Method = Method()

    @model_validator(mode="after")
    def _unique(self) -> Calibration:
        paths = [p.path for p in self.parameters]
        if len(paths) != len(set(paths)):
            raise ValueError("each parameter path may be given once")
        names = [t.name for t in self.targets]
        if len(names) != len(set(names)):
            raise ValueError("each target may be given once")
        if "change" in names and len(self.data.months) < 2:
            raise ValueError("the target 'change' needs at least two data months")
        for name in names:
            for kind in TYPES_NEEDED.get(name, ()):
                if kind not in self.data.crime_types:
                    raise ValueError(f"the target '{name}' needs '{kind}' in data.crime_types")
        return self


class LoadedCalibration:
    """A calibration file with its scenario resolved and every parameter path checked."""

    def __init__(self, spec: Calibration, source: Path):
        self.spec = spec
        self.source = source
        self.folder = source.parent
        try:
            base = load_scenario(self.folder / spec.scenario)
        except ScenarioError as exc:
            raise ScenarioError(str(source), [f"scenario = '{spec.scenario}': {p}"
                                              for p in exc.problems]) from None
        self.scenario = simulation_window(base, spec.data.months)
        self._check_parameters()

    def with_method(self, name: str) -> LoadedCalibration:
        """The same calibration with another method (``vsim calibrate --method``)."""
        try:
            method = Method.model_validate({**self.spec.method.model_dump(), "name": name})
        except ValidationError as err:
            raise ScenarioError("--method", [
                f"--method {name!r}: must be abc_smc or optimize ({err.errors()[0]['msg']})"]
            ) from None
        other = object.__new__(LoadedCalibration)
        other.__dict__.update(self.__dict__)
        other.spec = self.spec.model_copy(update={"method": method})
        return other

    def path(self, relative: str) -> Path:
        """A file named in the calibration, relative to it."""
        return self.folder / relative

    def _check_parameters(self) -> None:
        problems = []
        obs_fields = set(Observation.model_fields)
        data = scenario_to_dict(self.scenario)
        for k, prior in enumerate(self.spec.parameters):
            head, _, rest = prior.path.partition(".")
            if head == OBSERVATION:
                if rest not in obs_fields:
                    problems.append(f"parameters[{k}].path: '{prior.path}': the observation "
                                    f"model has {sorted(obs_fields)}")
                continue
            for bound in prior.support():
                trial = copy.deepcopy(data)
                try:
                    set_dotted(trial, prior.path, float(bound))
                    _scenario_from_dict(trial, "trial")
                except (ScenarioError, KeyError, TypeError, ValueError) as exc:
                    detail = "; ".join(exc.problems) if isinstance(exc, ScenarioError) else exc
                    problems.append(f"parameters[{k}].path: '{prior.path}' at {bound}: {detail}")
                    break
        if problems:
            raise ScenarioError(str(self.source), problems)


def simulation_window(scenario: Scenario, months: tuple[str, ...]) -> Scenario:
    """The scenario over the data's months, burn-in as in the scenario.

    From the Monday on or before the first month's first day to the last month's last day.
    """
    first = dt.date.fromisoformat(f"{months[0]}-01")
    start = first - dt.timedelta(days=first.weekday())
    y, m = (int(x) for x in months[-1].split("-"))
    end = dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)
    data = scenario_to_dict(scenario)
    data["time"] = {**data["time"], "start": start.isoformat(), "end": end.isoformat()}
    data["time"].pop("years", None)
    return _scenario_from_dict(data, f"{scenario.name} over {months[0]}..{months[-1]}")


def load_calibration(path: str | os.PathLike) -> LoadedCalibration:
    """Read and validate a calibration file (every problem reported together)."""
    return LoadedCalibration(*load_file(path, Calibration))
