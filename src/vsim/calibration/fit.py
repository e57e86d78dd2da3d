"""ABC-SMC calibration with pyabc: the simulator, priors, distance, sampler, stop rules, resume.

A simulation of parameters θ builds the scenario with θ's scenario fields, runs it over the
data's months (after its burn-in), turns its recorded incidents into police counts with the
observation model and θ's observation parameters, and summarises them with the calibration's
targets. The distance is pyabc's adaptive p-norm (each target standardised by its spread over
the generation, times its weight). Seeds are a function of θ and the calibration seed, so a
simulation is reproducible; with no scenario field fitted, every θ shares one model run, and
only the observation draws differ.

Runaway settings (contagion that ignites) are stopped in the step where the young people's
recorded incidents pass ``method.runaway_multiple`` times the data's busiest weekly count,
and rejected: they cost no more than a normal run and keep no incident log.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyabc

from vsim.isolation import connect
from vsim.loading import ScenarioError, scenario_to_dict, set_dotted
from vsim.loading import scenario_from_dict as _scenario_from_dict
from vsim.observers import Observer
from vsim.police_data import read_police_uk
from vsim.results import write_atomic

from .observation import POLICE_TYPES, area_of, data_counts, observe, youth_counts
from .spec import OBSERVATION, LoadedCalibration, Prior
from .targets import Area, summarise

RUNAWAY = 1e9  # every summary of a rejected runaway run (far from any data; pyabc's
#                adaptive scales use the median absolute deviation, which a few ignore)
DB_NAME = "abc.db"


class Runaway(Exception):
    """A run whose incidents left the data's range (stopped early)."""


@dataclass
class Problem:
    """Everything a simulation needs, picklable (it is sent to pyabc's worker processes)."""

    scenario: dict
    months: tuple[str, ...]
    area: Area
    observed: np.ndarray
    targets: tuple[str, ...]
    observation: dict
    seed: int
    runaway_per_step: float
    scenario_paths: tuple[str, ...] = field(default=())
    log_paths: tuple[str, ...] = field(default=())  # sampled by pyabc as logarithms

    def model_seed(self, theta: dict) -> int:
        """Seed of the model run: from the scenario parameters only (and the root seed)."""
        key = json.dumps({p: float(theta[p]) for p in self.scenario_paths}, sort_keys=True)
        return _hash_seed(f"{self.seed}:{key}")

    def observation_seed(self, theta: dict) -> int:
        """Seed of the observation draws: from every parameter (and the root seed)."""
        key = json.dumps({k: float(v) for k, v in theta.items()}, sort_keys=True)
        return _hash_seed(f"{self.seed}:obs:{key}")

    def youth(self, theta: dict) -> np.ndarray:
        """The young people's recorded incidents [month, LSOA, type] under θ (cached)."""
        values = tuple(float(theta[p]) for p in self.scenario_paths)
        return _youth_run(self, values, self.model_seed(theta))

    def observation_parameters(self, theta: dict) -> dict:
        """The observation model's parameters: the file's, with θ's observation.* on top."""
        return {**self.observation, **{k.split(".", 1)[1]: float(v) for k, v in theta.items()
                                       if k.startswith(OBSERVATION + ".")}}

    def counts(self, theta: dict, seed: int | None = None) -> np.ndarray:
        """One simulated police data set under θ, [month, LSOA, type] (Runaway if it ignites)."""
        youth = self.youth(theta)
        seed = self.observation_seed(theta) if seed is None else seed
        return observe(youth, self.area, self.observation_parameters(theta),
                       np.random.default_rng(seed))

    def simulate(self, theta: dict) -> dict[str, float]:
        """Summary statistics of one simulated data set (pyabc's model function)."""
        try:
            counts = self.counts(theta)
        except Runaway:
            return {name: RUNAWAY for name in self.targets}
        return summarise(counts, self.area, self.targets)

    def __call__(self, theta) -> dict[str, float]:
        """The model function pyabc calls with a parameter mapping (logs undone)."""
        theta = dict(theta)
        for path in self.log_paths:
            theta[path] = math.exp(theta[path])
        return self.simulate(theta)


class RunawayGuard(Observer):
    """Stops a run in the recorded step whose recorded incidents pass ``limit``."""

    def __init__(self, limit: float):
        self.limit = limit

    def after_step(self, model, t: int) -> None:
        """Raise :class:`Runaway` when this step's recorded incidents pass the limit."""
        if t >= model.n_burn_in and model.recorder.latest["incidents_recorded"] > self.limit:
            raise Runaway(f"{model.recorder.latest['incidents_recorded']} recorded incidents "
                          "in a step")


def _hash_seed(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:7], "little")


_YOUTH_CACHE: dict[tuple, np.ndarray] = {}


def _youth_run(problem: Problem, values: tuple[float, ...], seed: int) -> np.ndarray:
    key = (problem.seed, problem.months, values, seed)
    if key in _YOUTH_CACHE:
        return _YOUTH_CACHE[key]
    from vsim.model import ViolenceModel  # deferred: numba

    data = json.loads(json.dumps(problem.scenario))
    for path, value in zip(problem.scenario_paths, values, strict=True):
        set_dotted(data, path, value)
    scenario = _scenario_from_dict(data, "calibration run")
    model = ViolenceModel(scenario, seed=seed, tables=False)
    model.run(observers=[RunawayGuard(problem.runaway_per_step)])
    youth = youth_counts(model.recorder.by_neighbourhood, scenario, problem.months)
    if len(_YOUTH_CACHE) > 8:
        _YOUTH_CACHE.clear()
    _YOUTH_CACHE[key] = youth
    return youth


def counts_frame(counts: np.ndarray, lsoas: list[str], months) -> pd.DataFrame:
    """A counts array as the table `vsim data police-uk` writes (zero rows left out)."""
    m, n, c = np.nonzero(counts)
    return pd.DataFrame({"month": np.asarray(months)[m], "lsoa_code": np.asarray(lsoas)[n],
                         "crime_type": np.asarray(POLICE_TYPES)[c],
                         "count": counts[m, n, c].astype(np.int64)})


def _problem(loaded: LoadedCalibration, observed: np.ndarray, runaway_per_step: float) -> Problem:
    spec, scenario = loaded.spec, loaded.scenario
    return Problem(scenario=scenario_to_dict(scenario), months=tuple(spec.data.months),
                   area=area_of(scenario), observed=observed,
                   targets=tuple(t.name for t in spec.targets),
                   observation=spec.observation.model_dump(), seed=spec.seed,
                   runaway_per_step=runaway_per_step,
                   scenario_paths=tuple(p.path for p in spec.parameters
                                        if not p.path.startswith(OBSERVATION + ".")),
                   log_paths=log_scaled(spec.parameters))


def synthetic_problem(loaded: LoadedCalibration) -> Problem:
    """The calibration's problem without its data (to simulate data from known parameters)."""
    n = len(loaded.scenario.area.neighbourhoods)
    return _problem(loaded, np.zeros((len(loaded.spec.data.months), n, 3)), math.inf)


def problem_of(loaded: LoadedCalibration) -> tuple[Problem, dict]:
    """The simulation problem of a calibration file, and a report on its data."""
    spec = loaded.spec
    frame = read_data(loaded)
    scenario = loaded.scenario
    lsoas = [n.name for n in scenario.area.neighbourhoods]
    observed, outside = data_counts(frame, lsoas, spec.data.months, spec.data.crime_types)
    if observed[:, :, 0].sum() == 0:
        raise ScenarioError(str(loaded.source), [
            f"data: no 'Violence and sexual offences' in the scenario's {len(lsoas)} LSOAs in "
            f"months {list(spec.data.months)} (are the LSOA codes the same as the scenario's "
            "neighbourhood names?)"])
    weekly = observed[:, :, 0].sum(axis=1).max() * 7.0 / 28.0
    problem = _problem(loaded, observed, spec.method.runaway_multiple * weekly
                       * scenario.time.step_days / 7.0)
    return problem, {"records_outside_area": outside, "lsoas": len(lsoas),
                     "observed_violence": int(observed[:, :, 0].sum())}


def read_data(loaded: LoadedCalibration) -> pd.DataFrame:
    """The calibration's data as a counts table (month, lsoa_code, crime_type, count)."""
    spec = loaded.spec.data
    frames = []
    for rel in spec.counts:
        path = loaded.path(rel)
        try:
            frames.append(pd.read_parquet(path) if path.suffix == ".parquet"
                          else read_police_uk([path])[0])
        except (OSError, ValueError) as exc:
            raise ScenarioError(str(loaded.source), [f"data.counts: '{rel}': {exc}"]) from None
    if spec.police_uk:
        frames.append(read_police_uk([loaded.path(p) for p in spec.police_uk])[0])
    frame = pd.concat(frames, ignore_index=True)
    missing = [m for m in spec.months if m not in set(frame["month"])]
    if missing:
        raise ScenarioError(str(loaded.source), [
            f"data.months: {missing} are not in the data (it has "
            f"{sorted(set(frame['month']))})"])
    return frame


def log_scaled(parameters: tuple[Prior, ...]) -> tuple[str, ...]:
    """Parameters pyabc samples on the log scale (those with log-uniform priors)."""
    return tuple(p.path for p in parameters if p.distribution == "log_uniform")


def pyabc_prior(parameters: tuple[Prior, ...]):
    """The priors as a pyabc Distribution (scipy's parametrisations).

    A log-uniform parameter is sampled as its logarithm, uniform: pyabc's Gaussian
    perturbation then moves it by ratios, and the importance weights do not collapse onto the
    few particles where the log-uniform density is steepest (seen: an effective sample size
    of 1 out of 100 in the second generation when sampled on the natural scale).
    """
    rvs = {}
    for p in parameters:
        if p.distribution == "uniform":
            rvs[p.path] = pyabc.RV("uniform", p.low, p.high - p.low)
        elif p.distribution == "log_uniform":
            lo, hi = math.log(p.low), math.log(p.high)
            rvs[p.path] = pyabc.RV("uniform", lo, hi - lo)
        elif p.distribution == "normal":
            rvs[p.path] = pyabc.RV("norm", p.mean, p.sd)
        else:
            a, b = (p.low - p.mean) / p.sd, (p.high - p.mean) / p.sd
            rvs[p.path] = pyabc.RV("truncnorm", a, b, p.mean, p.sd)
    return pyabc.Distribution(**rvs)


@dataclass
class Generation:
    """What one generation did (the progress line and the diagnostics table)."""

    t: int
    epsilon: float
    samples: int
    acceptance_rate: float
    ess: float
    simulations: int
    seconds: float


def run_abc(loaded: LoadedCalibration, problem: Problem, out: Path, jobs: int = 1,
            scheduler: str | None = None, progress=None) -> tuple[list[Generation], str]:
    """Run (or resume) ABC-SMC into ``out``; returns the generations and why it stopped."""
    spec, method = loaded.spec, loaded.spec.method
    observed = summarise(problem.observed, problem.area, problem.targets)
    weights = {t.name: t.weight for t in spec.targets}
    started = time.perf_counter()
    holder: dict = {}
    with _progress_from_log(lambda: holder["abc"].history, method, started, progress):
        client = cluster = None
        if scheduler:
            client, cluster = connect(scheduler, jobs, timeout=10.0)
            sampler = pyabc.sampler.DaskDistributedSampler(client)
        elif jobs > 1:
            sampler = pyabc.sampler.MulticoreEvalParallelSampler(n_procs=jobs)
        else:
            sampler = pyabc.sampler.SingleCoreSampler()
        abc = holder["abc"] = pyabc.ABCSMC(
            problem, pyabc_prior(spec.parameters),
            pyabc.AdaptivePNormDistance(p=2, fixed_weights=weights),
            population_size=method.population_size, sampler=sampler)
        db = f"sqlite:///{(out / DB_NAME).resolve()}"
        # pyabc draws from the priors with numpy's global generator (it has no other way):
        # seeded here so that a single-core calibration repeats exactly.
        np.random.seed(spec.seed % 2**32)
        if (out / DB_NAME).exists():
            check_resumable(loaded, out)
            history = abc.load(db, 1)
        else:
            write_fingerprint(loaded, out)
            history = abc.new(db, observed)
        remaining = method.generations - history.n_populations
        try:
            if remaining > 0:
                history = abc.run(minimum_epsilon=method.min_epsilon,
                                  max_nr_populations=remaining,
                                  max_total_nr_simulations=method.max_simulations,
                                  max_walltime=dt.timedelta(
                                      minutes=method.max_walltime_minutes))
        finally:
            for closing in (client, cluster):
                if closing is not None:
                    closing.close()
    generations = _generations(history)
    return generations, _stop_reason(generations, history, method)


# Method fields a resumed calibration may change (its budget); anything else is a new fit.
BUDGET = ("generations", "max_simulations", "max_walltime_minutes", "min_epsilon",
          "predictive_draws")
FINGERPRINT = "fit.json"


def _fit_identity(loaded: LoadedCalibration) -> dict:
    data = loaded.spec.model_dump(mode="json")
    for name in BUDGET:
        data["method"].pop(name, None)
    return {"calibration": data, "scenario": scenario_to_dict(loaded.scenario)}


def write_fingerprint(loaded: LoadedCalibration, out: Path) -> None:
    """Record what calibration this folder holds (checked when it is resumed)."""
    write_atomic(out / FINGERPRINT, (json.dumps(_fit_identity(loaded), indent=1,
                                                sort_keys=True) + "\n").encode())


def check_resumable(loaded: LoadedCalibration, out: Path) -> None:
    """Refuse to resume a folder made by another calibration (only its budget may change)."""
    if not (out / DB_NAME).exists() and not (out / "optuna.journal").exists():
        return
    try:
        made = json.loads((out / FINGERPRINT).read_text())
    except (OSError, json.JSONDecodeError):
        raise ScenarioError(str(out), [
            f"{DB_NAME} is there without {FINGERPRINT}: not a folder vsim calibrate started; "
            "use another --out"]) from None
    now = json.loads(json.dumps(_fit_identity(loaded), sort_keys=True))
    if made != now:
        keys = sorted(k for k in set(made["calibration"]) | set(now["calibration"])
                      if made["calibration"].get(k) != now["calibration"].get(k))
        if made["scenario"] != now["scenario"]:
            keys.append("scenario")
        raise ScenarioError(str(out), [
            f"it holds a calibration that differs in {', '.join(keys)}: only the budget "
            f"({', '.join(BUDGET)}) may change when resuming; use another --out"])


def _stop_reason(generations: list[Generation], history, method) -> str:
    if history.n_populations >= method.generations:
        return "maximum generations"
    if generations and generations[-1].epsilon <= method.min_epsilon:
        return "minimum epsilon"
    if history.total_nr_simulations >= method.max_simulations:
        return "maximum simulations"
    return "wall time"


class _GenerationDone(logging.Handler):
    """Calls ``progress`` when pyabc logs the end of a generation (its "Timing t=" line)."""

    def __init__(self, history, method, started, progress):
        super().__init__(logging.INFO)
        self.history, self.method, self.started, self.progress = (history, method, started,
                                                                  progress)

    def emit(self, record: logging.LogRecord) -> None:
        if not record.getMessage().startswith("Timing t="):
            return
        generations = _generations(self.history())
        if self.progress is not None:
            self.progress(generations[-1], self.method, time.perf_counter() - self.started)


@contextlib.contextmanager
def _progress_from_log(history, method, started, progress):
    """Route pyabc's log to our progress line instead of its own stream handler."""
    logger = logging.getLogger("ABC")
    saved = list(logger.handlers), logger.level, logger.propagate
    handler = _GenerationDone(history, method, started, progress)
    for h in saved[0]:
        logger.removeHandler(h)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        for h in saved[0]:
            logger.addHandler(h)
        logger.setLevel(saved[1])
        logger.propagate = saved[2]


def _generations(history) -> list[Generation]:
    """Per-generation diagnostics from pyabc's history."""
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0]
    particles = history.get_nr_particles_per_population()
    out = []
    total = 0
    for row in pops.itertuples():
        total += int(row.samples)
        _, w = history.get_distribution(m=0, t=int(row.t))
        ess = float(1.0 / np.sum(np.asarray(w) ** 2)) if len(w) else 0.0
        n = particles.get(int(row.t), 0)
        out.append(Generation(int(row.t), float(row.epsilon), int(row.samples),
                              n / row.samples if row.samples else math.nan, ess, total,
                              float(row.wall_time)))
    return out


def posterior(out: Path, log_paths: tuple[str, ...] = ()) -> pd.DataFrame:
    """The last generation's weighted particles (one column per parameter, and weight)."""
    history = pyabc.History(f"sqlite:///{(out / DB_NAME).resolve()}", _id=1)
    frame, w = history.get_distribution(m=0)
    frame = frame.reset_index(drop=True)
    for path in log_paths:
        frame[path] = np.exp(frame[path])
    frame.columns.name = None
    frame["weight"] = np.asarray(w) / np.sum(w)
    return frame
