"""A fast point fit with Optuna (``method.name = "optimize"``): the closest parameters only.

The objective is the weighted Euclidean distance between simulated and observed targets, each
target divided by its spread (median absolute deviation) over ``population_size`` simulations
from the prior, so that targets on different scales weigh as the file says (as ABC-SMC's
adaptive distance does). Optuna's TPE sampler proposes the parameters (log-uniform priors on
the log scale); trials are kept in a journal file (Optuna's JournalStorage: parallel workers
on one SQLite file give "database is locked"), so ``--jobs`` processes share one study and an
interrupted fit resumes with the trials it has.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import optuna
import pandas as pd
from joblib import Parallel, delayed
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend

from .fit import RUNAWAY, Problem
from .spec import LoadedCalibration
from .targets import summarise

JOURNAL = "optuna.journal"
STUDY = "vsim"


def _scales(problem: Problem, loaded: LoadedCalibration, observed: dict) -> dict[str, float]:
    """Each target's median absolute deviation over simulations from the prior."""
    rng = np.random.default_rng([loaded.spec.seed, 1])
    rows = []
    for _ in range(loaded.spec.method.population_size):
        rows.append(problem.simulate(_prior_draw(loaded, rng)))
    frame = pd.DataFrame(rows).replace(RUNAWAY, np.nan)
    out = {}
    for name in problem.targets:
        x = frame[name].dropna().to_numpy()
        mad = float(np.median(np.abs(x - np.median(x)))) if x.size else 0.0
        out[name] = mad if mad > 0 else max(abs(observed[name]), 1e-9)
    return out


def _prior_draw(loaded: LoadedCalibration, rng: np.random.Generator) -> dict[str, float]:
    out = {}
    for p in loaded.spec.parameters:
        if p.distribution == "uniform":
            out[p.path] = float(rng.uniform(p.low, p.high))
        elif p.distribution == "log_uniform":
            out[p.path] = float(math.exp(rng.uniform(math.log(p.low), math.log(p.high))))
        elif p.distribution == "normal":
            out[p.path] = float(rng.normal(p.mean, p.sd))
        else:
            x = rng.normal(p.mean, p.sd)
            while not p.low <= x <= p.high:
                x = rng.normal(p.mean, p.sd)
            out[p.path] = float(x)
    return out


def _suggest(trial, loaded: LoadedCalibration) -> dict[str, float]:
    out = {}
    for p in loaded.spec.parameters:
        lo, hi = p.support()
        out[p.path] = trial.suggest_float(p.path, lo, hi,
                                          log=p.distribution == "log_uniform")
    return out


def optimize(loaded: LoadedCalibration, problem: Problem, out: Path, jobs: int = 1) -> dict:
    """Run (or resume) the point fit into ``out``; returns the best parameters and distance."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    observed = summarise(problem.observed, problem.area, problem.targets)
    scales = _scales(problem, loaded, observed)
    weights = {t.name: t.weight for t in loaded.spec.targets}
    storage = JournalStorage(JournalFileBackend(str(out / JOURNAL)))
    study = optuna.create_study(study_name=STUDY, storage=storage, direction="minimize",
                                load_if_exists=True,
                                sampler=optuna.samplers.TPESampler(seed=loaded.spec.seed))
    budget = loaded.spec.method.max_simulations
    remaining = max(0, budget - len(study.trials))
    if remaining:
        shares = [remaining // jobs + (k < remaining % jobs) for k in range(jobs)]
        Parallel(n_jobs=jobs)(delayed(_work)(loaded, problem, str(out), scales, weights,
                                             observed, n, loaded.spec.seed + k)
                              for k, n in enumerate(shares) if n)
    study = optuna.load_study(study_name=STUDY, storage=storage)
    best = study.best_trial
    return {"parameters": dict(best.params), "distance": float(best.value),
            "trials": len(study.trials), "scales": scales}


def _work(loaded, problem: Problem, out: str, scales, weights, observed, n_trials: int,
          seed: int) -> None:
    """One worker: ``n_trials`` trials of the shared study (its own sampler seed)."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = JournalStorage(JournalFileBackend(str(Path(out) / JOURNAL)))
    study = optuna.load_study(study_name=STUDY, storage=storage,
                              sampler=optuna.samplers.TPESampler(seed=seed))

    def objective(trial) -> float:
        stats = problem.simulate(_suggest(trial, loaded))
        return math.sqrt(sum((weights[k] * (stats[k] - observed[k]) / scales[k]) ** 2
                             for k in problem.targets))

    study.optimize(objective, n_trials=n_trials)


def trials_frame(out: Path) -> pd.DataFrame:
    """Every trial: its parameters and distance."""
    storage = JournalStorage(JournalFileBackend(str(out / JOURNAL)))
    study = optuna.load_study(study_name=STUDY, storage=storage)
    return study.trials_dataframe(attrs=("number", "value", "params"))
