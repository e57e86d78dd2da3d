"""Sweeps: run an experiment's design in parallel, durably, on local workers or a Dask cluster.

Every run is a pure function of (scenario, seed) returning a small dict of outcomes
(:func:`run_one`). The driver writes each finished run atomically to ``DIR/runs/NNNNNNN.json``
as it arrives, so a sweep killed at any moment resumes where it stopped: successful runs are
never recomputed, failed ones are retried, and a partial file can never be mistaken for a result.
A run that raises, returns incomplete outcomes or kills its process is recorded as failed
with its parameters and seed, and the sweep goes on. ``DIR/runs.parquet`` (the experiments
table) is rewritten at the end of every sweep.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import io
import itertools
import json
import math
import numbers
import os
import re
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed, parallel_config
from joblib.externals.loky.process_executor import BrokenProcessPool

from vsim.experiment import OUTCOMES, LoadedExperiment, block_size, run_seed
from vsim.isolation import call_in_child, check_address, connect, how_it_stopped
from vsim.loading import (
    ScenarioError,
    scenario_from_dict,
    scenario_hash,
    scenario_to_dict,
    scenario_to_toml,
)
from vsim.model import ViolenceModel
from vsim.posterior_projection import experiment_draws
from vsim.recorder import RunTotals
from vsim.results import versions, write_atomic
from vsim.workers import quiet_worker_recycling

RUNS = "runs"
TABLE = "runs.parquet"
SCENARIOS = "scenarios"
SCHEDULER_TIMEOUT = 10.0  # seconds to connect to a Dask scheduler before giving up


# ----------------------------------------------------------------------------------- design
def unit_design(exp: LoadedExperiment) -> np.ndarray:
    """Sample points on the unit cube, one row per point (SALib for the designs it knows)."""
    spec = exp.spec
    k = len(spec.parameters)
    problem = {"num_vars": k, "names": [p.path for p in spec.parameters],
               "bounds": [[0.0, 1.0]] * k}
    d = spec.design
    seed = spec.root_seed % (2**31)
    # deferred: SALib pulls scipy.stats (~1 s); sweep workers and factorial grids never sample
    if d.method == "morris":
        from SALib.sample import morris
        return morris.sample(problem, N=d.samples, num_levels=d.levels, seed=seed)
    if d.method == "sobol":
        from SALib.sample import sobol  # deferred, as above
        return sobol.sample(problem, d.samples, calc_second_order=d.second_order, seed=seed)
    if d.method == "latin_hypercube":
        from SALib.sample import latin  # deferred, as above
        return latin.sample(problem, d.samples, seed=seed)
    grid = np.linspace(0.0, 1.0, d.levels)
    return np.array(list(itertools.product(grid, repeat=k)), float)


@dataclass(frozen=True)
class Task:
    """One run: what to simulate and where its result goes. Picklable."""

    index: int
    sample: int
    portfolio: str
    replicate: int
    seed: int
    values: dict
    model: str
    scenario: dict | None  # resolved scenario data (None for a custom model)
    outcomes: tuple
    posterior: dict | None = None  # the posterior draw this run is on (experiment.posterior)


def tasks(exp: LoadedExperiment, unit: np.ndarray) -> list[Task]:
    """All runs of the design: sample × portfolio × replicate, in a fixed order.

    With ``posterior``, sample s and replicate r run on posterior draw s·R + r, the same for
    every portfolio (so portfolios stay paired), the design's values on top.
    """
    spec = exp.spec
    size = block_size(spec.design.method, spec.design.second_order, len(spec.parameters))
    draws = (experiment_draws(exp.source, spec.posterior, len(unit) * spec.replicates,
                              spec.root_seed) if spec.posterior else None)
    out = []
    index = 0
    for s, row in enumerate(unit):
        values = {p.path: p.scale(float(u)) for p, u in zip(spec.parameters, row, strict=True)}
        for name in exp.portfolios:
            scenario = (scenario_to_dict(exp.scenario_for(values, name))
                        if spec.model == "vsim" else None)
            for r in range(spec.replicates):
                draw = draws[s * spec.replicates + r] if draws else None
                data = scenario
                if draw:
                    data = scenario_to_dict(exp.scenario_for({**draw, **values}, name))
                out.append(Task(index, s, name, r, run_seed(spec.root_seed, s // size, r), values,
                                spec.model, data, spec.outcomes, draw))
                index += 1
    return out


# -------------------------------------------------------------------------------------- run
@functools.lru_cache(maxsize=1)
def _versions() -> dict[str, str]:
    """Package versions of this (worker) process, looked up once per process."""
    return versions()


def _checked_outcomes(returned, listed: tuple) -> dict[str, float]:
    """The listed outcomes as floats; ValueError naming the first one missing or not finite."""
    if not isinstance(returned, dict):
        raise ValueError(f"the model returned {type(returned).__name__}, not a dict of "
                         f"outcomes (expected: {', '.join(listed)})")
    out = {}
    for name in listed:
        if name not in returned:
            raise ValueError(f"the model returned no outcome '{name}' (it returned: "
                             f"{', '.join(map(str, returned)) or 'nothing'}; the experiment "
                             f"lists: {', '.join(listed)})")
        value = returned[name]
        if not isinstance(value, (numbers.Real, np.number, np.bool_)):
            raise ValueError(f"outcome '{name}' = {value!r} is not a number")
        if not math.isfinite(float(value)):
            raise ValueError(f"outcome '{name}' = {float(value)} is not a finite number")
        out[name] = float(value)
    return out


def run_one(task: Task) -> dict:
    """Run one task; never raises: a failure comes back as a record with its traceback.

    ``seconds`` is the whole call (scenario validation, hashing, model, checks);
    ``simulation_seconds`` only the model: building, running and summarising a ViolenceModel,
    or the call of a custom model's function.
    """
    started = time.perf_counter()
    record = {"index": task.index, "sample": task.sample, "portfolio": task.portfolio,
              "replicate": task.replicate, "seed": task.seed, "parameters": task.values,
              "versions": _versions(), **({"posterior": task.posterior} if task.posterior
                                          else {})}
    simulation = 0.0
    try:
        if task.model == "vsim":
            scenario = scenario_from_dict(dict(task.scenario), f"run {task.index}")
            record["scenario_sha256"] = scenario_hash(scenario)
            t0 = time.perf_counter()
            totals = RunTotals()
            ViolenceModel(scenario, seed=task.seed, tables=False).run(observers=[totals])
            simulation = time.perf_counter() - t0
            _checked_outcomes(totals.values, task.outcomes)
            outcomes = {k: totals.values[k] for k in OUTCOMES}
        else:
            function = _model_function(task.model)
            t0 = time.perf_counter()
            returned = function(dict(task.values), task.seed)
            simulation = time.perf_counter() - t0
            outcomes = _checked_outcomes(returned, task.outcomes)
        record.update(status="ok", outcomes=outcomes)
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - a failed run is recorded (EMA style)
        record.update(status="failed", error=f"{type(exc).__name__}: {exc}",
                      traceback=traceback.format_exc())
    record["simulation_seconds"] = simulation
    record["seconds"] = time.perf_counter() - started
    return record


def _model_function(model: str):
    """The function named by ``module:function`` (raises if it cannot be imported)."""
    module, _, name = model.partition(":")
    function = getattr(importlib.import_module(module), name)
    if not callable(function):
        raise TypeError(f"{model} is not a function")
    return function


def check_model(exp: LoadedExperiment) -> None:
    """Refuse, before anything runs, a custom ``model`` that cannot be imported here."""
    model = exp.spec.model
    if model == "vsim":
        return
    module, _, name = model.partition(":")
    try:
        found = getattr(importlib.import_module(module), name)
    except AttributeError:
        problem = f"module '{module}' has no function '{name}'"
    except Exception as exc:  # noqa: BLE001 - any import failure is reported the same way
        problem = f"cannot import module '{module}' ({type(exc).__name__}: {exc})"
    else:
        if callable(found):
            return
        problem = f"'{name}' in module '{module}' is not a function"
    raise ScenarioError(str(exp.source), [
        f"model = '{model}': {problem}; give 'vsim' or 'module:function' naming a function "
        f"importable here (and on every worker)"])


# ------------------------------------------------------------------------------------ store
def run_path(out: Path, index: int) -> Path:
    """Where run ``index`` is stored."""
    return out / RUNS / f"{index:07d}.json"


def finished(out: Path) -> dict[int, dict]:
    """Runs already recorded, ok or failed (whole, valid records only).

    A file that is empty, truncated, undecodable, or not a complete record of the run its name
    says is ignored, so that run counts as not finished and is run again; temporary files
    (``.NNNNNNN.json.*``) never match.
    """
    done = {}
    folder = out / RUNS
    if not folder.is_dir():
        return done
    for path in folder.glob("[0-9]*.json"):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError, OSError):
            continue
        if _complete(record, path):
            done[record["index"]] = record
    return done


def _complete(record, path: Path) -> bool:
    """Whether ``record`` is a whole run record of the run named by ``path``."""
    return (isinstance(record, dict) and path.stem.isdigit()
            and record.get("index") == int(path.stem)
            and all(key in record for key in ("sample", "portfolio", "replicate", "seed",
                                              "parameters"))
            and (record.get("status") == "ok" and isinstance(record.get("outcomes"), dict)
                 or record.get("status") == "failed" and "error" in record))


def prepare(exp: LoadedExperiment, out: Path) -> list[Task]:
    """Write (or check) the design in ``out`` and return every task of the sweep.

    A new folder gets ``design.parquet``, ``experiment.toml``, the resolved scenarios (vsim
    model: ``scenarios/base.toml`` and one per portfolio at the centre of the design) and, last,
    ``sweep.json``. An existing folder is resumed only if its experiment, design and package
    versions are the running ones: runs made with other versions must not be mixed.
    """
    check_model(exp)
    unit = unit_design(exp)
    all_tasks = tasks(exp, unit)
    fingerprint = _fingerprint(exp, unit)
    manifest_path = out / "sweep.json"
    if manifest_path.exists():
        old = json.loads(manifest_path.read_text(encoding="utf-8"))
        if old.get("fingerprint") != fingerprint:
            raise ScenarioError(str(out), [
                f"{out} holds a different sweep (its experiment or design changed); use "
                f"another --out folder or delete it"])
        _check_versions(out, old.get("versions") or {})
        return all_tasks
    design = pd.DataFrame(unit, columns=[f"u:{p.path}" for p in exp.spec.parameters])
    for p, col in zip(exp.spec.parameters, design.columns, strict=True):
        design[p.path] = [p.scale(u) for u in design[col]]
    design.insert(0, "sample", np.arange(len(design)))
    files, listed = _scenario_files(exp)
    out.mkdir(parents=True, exist_ok=True)
    (out / RUNS).mkdir(exist_ok=True)
    write_atomic(out / "design.parquet", _parquet(design))
    write_atomic(out / "experiment.toml", exp.source.read_bytes())
    for relative, text in files.items():
        write_atomic(out / relative, text.encode("utf-8"))
    manifest = {"experiment": exp.spec.name, "fingerprint": fingerprint,
                "runs": len(all_tasks), "samples": int(len(unit)),
                "portfolios": list(exp.portfolios), "replicates": exp.spec.replicates,
                "parameters": [p.path for p in exp.spec.parameters],
                "outcomes": list(exp.spec.outcomes), "design": exp.spec.design.model_dump(),
                "model": exp.spec.model, "root_seed": exp.spec.root_seed,
                "versions": versions()}
    if listed:
        manifest["scenarios"] = listed
    write_atomic(manifest_path, (json.dumps(manifest, indent=2) + "\n").encode())
    return all_tasks


def _check_versions(out: Path, old: dict) -> None:
    """Refuse to resume a sweep started with other package versions than the running ones."""
    now = versions()
    if old == now:
        return
    differ = sorted(set(old) | set(now), key=lambda k: (k != "vsim", k))
    differ = [k for k in differ if old.get(k) != now.get(k)]
    there = ", ".join(f"{k} {old.get(k, 'absent')}" for k in differ)
    here = ", ".join(f"{k} {now.get(k, 'absent')}" for k in differ)
    raise ScenarioError(str(out), [
        f"{out} was started with {there} but this is {here}: its runs would mix versions; "
        f"finish it with the versions it was started with, or start a new sweep with another "
        f"--out folder"])


def _scenario_files(exp: LoadedExperiment) -> tuple[dict[str, str], dict]:
    """The resolved scenarios a sweep folder keeps (vsim model only), and their listing.

    The scenarios are the base, and each portfolio at the centre of the design, as
    ``{relative path: TOML text}``; the listing ``{"base": path, "portfolios": {name: path}}``
    goes into the manifest.
    """
    if exp.base is None:
        return {}, {}
    centre = {p.path: p.scale(0.5) for p in exp.spec.parameters}
    files = {f"{SCENARIOS}/base.toml": scenario_to_toml(exp.base)}
    listing = {"base": f"{SCENARIOS}/base.toml", "portfolios": {}}
    taken = {"base"}
    for k, name in enumerate(exp.portfolios):
        stem = re.sub(r"[^A-Za-z0-9_+-]+", "_", name).strip("_") or "portfolio"
        while stem.lower() in taken:  # 'base', or equal to another name once made safe
            stem = f"{stem}-{k}"
        taken.add(stem.lower())
        relative = f"{SCENARIOS}/{stem}.toml"
        files[relative] = scenario_to_toml(exp.scenario_for(centre, name))
        listing["portfolios"][name] = relative
    return files, listing


def _parquet(table: pd.DataFrame) -> bytes:
    """A table as Parquet bytes (for :func:`vsim.results.write_atomic`)."""
    buffer = io.BytesIO()
    table.to_parquet(buffer, index=False)
    return buffer.getvalue()


def _fingerprint(exp: LoadedExperiment, unit: np.ndarray) -> str:
    h = hashlib.sha256()
    h.update(b"seeds per design block")  # the seed scheme: older folders are not resumed
    h.update(exp.spec.model_dump_json().encode())
    h.update(np.ascontiguousarray(unit).tobytes())
    if exp.base is not None:
        h.update(scenario_hash(exp.base).encode())
    h.update(json.dumps(exp.portfolios, sort_keys=True, default=str).encode())
    return h.hexdigest()


def status(out: Path) -> dict:
    """How far a sweep folder is: runs, finished, ok, failed, missing and remaining.

    Finished runs are those recorded (ok or failed); missing ones were never recorded; the
    remaining are what running the same command again runs: the missing and the failed.
    """
    manifest = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
    done = {i: r for i, r in finished(out).items() if i < manifest["runs"]}
    ok = sum(1 for r in done.values() if r["status"] == "ok")
    return {"experiment": manifest["experiment"], "runs": manifest["runs"],
            "finished": len(done), "ok": ok, "failed": len(done) - ok,
            "missing": manifest["runs"] - len(done), "remaining": manifest["runs"] - ok}


# ------------------------------------------------------------------------------------ drive
def execute(exp: LoadedExperiment, out: Path, jobs: int = -1, scheduler: str | None = None,
            progress=None, isolate: bool = True) -> dict:
    """Run every run not yet ok (missing or failed), write each as it arrives, return the status.

    ``runs.parquet`` is rewritten at the end. Runs are spread by joblib: its loky process pool
    over ``jobs`` local workers, or joblib's Dask backend on the cluster at ``scheduler``
    ('local': a LocalCluster here). A run that kills its process (the OOM killer, a crash in
    compiled code) is recorded as failed and the sweep goes on: on a local pool, the first
    worker death switches the rest of the sweep to making each run in a child process of its
    worker (:func:`run_isolated`), so the culprit dies alone; on Dask (whose joblib backend
    never returns when a worker dies) and with one job (runs in this process) every run is
    isolated from the start. Isolation costs ~8% of a borough run (a fresh process's page
    faults), hence only when needed. Running the same command again retries failed runs; ok
    runs are never recomputed.

    The model is imported and the scheduler address checked and connected to before anything
    is written. ``progress(record, done, total)`` is called after each run is written.
    ``isolate=False`` never isolates: for test functions that take microseconds (a run that
    dies then takes its worker, or with one job this process, with it).
    """
    check_model(exp)
    check_address(scheduler)
    workers = jobs if jobs and jobs > 0 else (os.cpu_count() or 1)
    if scheduler is None or scheduler == "local":
        exp.check_memory(workers)  # refuse, with the figure, a job count that cannot fit
    client, cluster = connect(scheduler, jobs, SCHEDULER_TIMEOUT)
    isolated = isolate and (client is not None or workers == 1)
    quiet_worker_recycling()
    try:
        all_tasks = prepare(exp, out)
        done = finished(out)
        todo = [t for t in all_tasks if done.get(t.index, {}).get("status") != "ok"]
        _run_all(todo, out, jobs, client is not None, isolate, isolated, progress)
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    write_atomic(out / TABLE, _parquet(experiments_table(out)))
    return status(out)


def _run_all(todo: list[Task], out: Path, jobs: int, on_dask: bool, isolate: bool,
             isolated: bool, progress) -> None:
    """Make the runs ``todo`` (see :func:`execute`), writing each record as it arrives.

    When a run kills a local worker (loky's pool breaks), the runs not yet written are made
    again, each in a child process (:func:`run_isolated`), unless they already were or
    ``isolate`` is False: then the error is raised.
    """
    written: set[int] = set()
    config = (parallel_config(backend="dask") if on_dask
              else parallel_config(backend="loky", n_jobs=jobs))
    while True:
        left = [t for t in todo if t.index not in written]
        function = run_isolated if isolated else run_one
        try:
            with config:
                runner = Parallel(n_jobs=-1 if on_dask else jobs,
                                  return_as="generator_unordered")
                for record in runner(delayed(function)(t) for t in left):
                    write_atomic(run_path(out, record["index"]),
                                 (json.dumps(record, indent=1) + "\n").encode())
                    written.add(record["index"])
                    if progress is not None:
                        progress(record, len(written), len(todo))
            break
        except BrokenProcessPool:  # joblib's TerminatedWorkerError: a run killed a worker
            if isolated or not isolate:
                raise
            isolated = True  # the runs not yet written are made again, each in a child


def run_isolated(task: Task) -> dict:
    """:func:`run_one` in a forked child process: a run that kills its process spares the worker.

    If the run kills its process, the worker survives and the run comes back as a failed
    record. Where fork is unavailable (Windows), the run is made in the worker itself.
    """
    if not hasattr(os, "fork"):
        return run_one(task)
    if task.model != "vsim":
        _model_function(task.model)  # imported once in the worker, not in every child
    return call_in_child(run_one, task, functools.partial(_died, task))


def _died(task: Task, status_code: int) -> dict:
    """The record of a run whose process stopped before returning anything."""
    how = how_it_stopped(status_code)
    return {"index": task.index, "sample": task.sample, "portfolio": task.portfolio,
            "replicate": task.replicate, "seed": task.seed, "parameters": task.values,
            "versions": _versions(), "status": "failed",
            "error": f"the run's process {how} before returning a result (out of memory? a "
                     f"crash in compiled code?)",
            "traceback": "", "simulation_seconds": None, "seconds": None}


def results_table(out: Path) -> pd.DataFrame:
    """The experiments table: one row per run, parameters and seed beside its outcomes."""
    return _table(finished(out), full=False)


def experiments_table(out: Path) -> pd.DataFrame:
    """What ``runs.parquet`` holds: :func:`results_table` plus run times and versions.

    That is, each run's simulation time and the package versions it ran with
    (``version:<package>`` columns).
    """
    return _table(finished(out), full=True)


def _table(records: dict[int, dict], full: bool) -> pd.DataFrame:
    rows = []
    for index, record in sorted(records.items()):
        row = {"run": index, "sample": record["sample"], "portfolio": record["portfolio"],
               "replicate": record["replicate"], "seed": record["seed"],
               "status": record["status"], "scenario_sha256": record.get("scenario_sha256"),
               "seconds": record.get("seconds")}
        if full:
            row["simulation_seconds"] = record.get("simulation_seconds")
        row.update({f"param:{k}": v for k, v in record["parameters"].items()})
        row.update({f"posterior:{k}": v for k, v in record.get("posterior", {}).items()})
        row.update(record.get("outcomes", {}))
        if record["status"] != "ok":
            row["error"] = record.get("error")
        if full:
            row.update({f"version:{k}": v for k, v in (record.get("versions") or {}).items()})
        rows.append(row)
    return pd.DataFrame(rows)
