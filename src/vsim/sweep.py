"""Sweeps: run an experiment's design in parallel (joblib, or a Dask cluster), durably.

Every run is a pure function of (scenario, seed) returning a small dict of outcomes
(:func:`run_one`). The driver writes each finished run atomically to ``DIR/runs/NNNNNNN.json``
as it arrives, so a sweep killed at any moment resumes where it stopped: finished runs are
never recomputed and a partial file can never be mistaken for a result. A run that raises is
recorded with its parameters, seed and traceback, and the sweep goes on.
"""

from __future__ import annotations

import importlib
import itertools
import json
import os
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from vsim.experiment import OUTCOMES, LoadedExperiment, block_size, run_seed
from vsim.loading import ScenarioError
from vsim.results import versions, write_atomic

RUNS = "runs"


# ----------------------------------------------------------------------------------- design
def unit_design(exp: LoadedExperiment) -> np.ndarray:
    """Sample points on the unit cube, one row per point (SALib for the designs it knows)."""
    spec = exp.spec
    k = len(spec.parameters)
    problem = {"num_vars": k, "names": [p.path for p in spec.parameters],
               "bounds": [[0.0, 1.0]] * k}
    d = spec.design
    seed = spec.root_seed % (2**31)
    if d.method == "morris":
        from SALib.sample import morris
        return morris.sample(problem, N=d.samples, num_levels=d.levels, seed=seed)
    if d.method == "sobol":
        from SALib.sample import sobol
        return sobol.sample(problem, d.samples, calc_second_order=d.second_order, seed=seed)
    if d.method == "latin_hypercube":
        from SALib.sample import latin
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


def tasks(exp: LoadedExperiment, unit: np.ndarray) -> list[Task]:
    """All runs of the design: sample × portfolio × replicate, in a fixed order."""
    from vsim.loading import scenario_to_dict

    spec = exp.spec
    size = block_size(spec.design.method, spec.design.second_order, len(spec.parameters))
    out = []
    index = 0
    for s, row in enumerate(unit):
        values = {p.path: p.scale(float(u)) for p, u in zip(spec.parameters, row, strict=True)}
        for name in exp.portfolios:
            scenario = (scenario_to_dict(exp.scenario_for(values, name))
                        if spec.model == "vsim" else None)
            for r in range(spec.replicates):
                out.append(Task(index, s, name, r, run_seed(spec.root_seed, s // size, r), values,
                                spec.model, scenario, spec.outcomes))
                index += 1
    return out


# -------------------------------------------------------------------------------------- run
def summarise(model) -> dict[str, float]:
    """The sweep outcomes of one finished model, read from its recorder (no tables built)."""
    cols = model.recorder.columns
    ledger = [row for iv in model.interventions for row in iv.ledger
              if row["t"] >= model.n_burn_in]
    return {
        "incidents": float(cols["incidents"].sum()),
        "incidents_recorded": float(cols["incidents_recorded"].sum()),
        "weapon_incidents": float(cols["weapon_incidents"].sum()),
        "serious_injury_incidents": float(cols["serious_injury_incidents"].sum()),
        "robberies": float(cols["robberies"].sum()),
        "first_time_perpetrators": float(cols["first_time_perpetrators"].sum()),
        "mean_involved": float((cols["n_involved"] + cols["n_entrenched"]).mean()),
        "mean_exploited": float(cols["n_exploited"].mean()),
        "mean_in_custody": float(cols["in_custody"].mean()),
        "cost_total": float(sum(row["cost_fixed"] + row["cost_staff"]
                                + row["cost_participants"] for row in ledger)),
    }


def run_one(task: Task) -> dict:
    """Run one task; never raises: a failure comes back as a record with its traceback."""
    started = time.perf_counter()
    record = {"index": task.index, "sample": task.sample, "portfolio": task.portfolio,
              "replicate": task.replicate, "seed": task.seed, "parameters": task.values}
    try:
        if task.model == "vsim":
            from vsim.loading import scenario_from_dict, scenario_hash
            from vsim.model import ViolenceModel

            scenario = scenario_from_dict(dict(task.scenario), f"run {task.index}")
            record["scenario_sha256"] = scenario_hash(scenario)
            model = ViolenceModel(scenario, seed=task.seed, tables=False)
            model.run()
            summary = summarise(model)
            outcomes = {k: summary[k] for k in OUTCOMES}
        else:
            module, _, name = task.model.partition(":")
            function = getattr(importlib.import_module(module), name)
            outcomes = {k: float(v) for k, v in function(dict(task.values), task.seed).items()}
        record.update(status="ok", outcomes=outcomes)
    except Exception as exc:  # noqa: BLE001 - a failed run is recorded, not fatal (EMA style)
        record.update(status="failed", error=f"{type(exc).__name__}: {exc}",
                      traceback=traceback.format_exc())
    record["seconds"] = time.perf_counter() - started
    return record


# ------------------------------------------------------------------------------------ store
def run_path(out: Path, index: int) -> Path:
    """Where run ``index`` is stored."""
    return out / RUNS / f"{index:07d}.json"


def finished(out: Path) -> dict[int, dict]:
    """Runs already written (complete JSON files only; temporary files are ignored)."""
    done = {}
    folder = out / RUNS
    if not folder.is_dir():
        return done
    for path in folder.glob("[0-9]*.json"):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError, OSError):
            continue  # cannot happen with atomic writes; a damaged file is simply rerun
        done[int(record["index"])] = record
    return done


def prepare(exp: LoadedExperiment, out: Path) -> list[Task]:
    """Write (or check) the design in ``out`` and return every task of the sweep."""
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
        return all_tasks
    out.mkdir(parents=True, exist_ok=True)
    (out / RUNS).mkdir(exist_ok=True)
    design = pd.DataFrame(unit, columns=[f"u:{p.path}" for p in exp.spec.parameters])
    for p, col in zip(exp.spec.parameters, design.columns, strict=True):
        design[p.path] = [p.scale(u) for u in design[col]]
    design.insert(0, "sample", np.arange(len(design)))
    tmp = out / ".design.parquet.tmp"
    design.to_parquet(tmp, index=False)
    tmp.replace(out / "design.parquet")
    write_atomic(out / "experiment.toml", exp.source.read_bytes())
    manifest = {"experiment": exp.spec.name, "fingerprint": fingerprint,
                "runs": len(all_tasks), "samples": int(len(unit)),
                "portfolios": list(exp.portfolios), "replicates": exp.spec.replicates,
                "parameters": [p.path for p in exp.spec.parameters],
                "outcomes": list(exp.spec.outcomes), "design": exp.spec.design.model_dump(),
                "model": exp.spec.model, "root_seed": exp.spec.root_seed,
                "versions": versions()}
    write_atomic(manifest_path, (json.dumps(manifest, indent=2) + "\n").encode())
    return all_tasks


def _fingerprint(exp: LoadedExperiment, unit: np.ndarray) -> str:
    import hashlib

    h = hashlib.sha256()
    h.update(b"seeds per design block")  # the seed scheme: older folders are not resumed
    h.update(exp.spec.model_dump_json().encode())
    h.update(np.ascontiguousarray(unit).tobytes())
    if exp.base is not None:
        from vsim.loading import scenario_hash
        h.update(scenario_hash(exp.base).encode())
    h.update(json.dumps(exp.portfolios, sort_keys=True, default=str).encode())
    return h.hexdigest()


def status(out: Path) -> dict:
    """How far a sweep folder is: total, finished, failed, remaining."""
    manifest = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
    done = finished(out)
    failed = sum(1 for r in done.values() if r["status"] != "ok")
    return {"experiment": manifest["experiment"], "runs": manifest["runs"],
            "finished": len(done), "failed": failed, "remaining": manifest["runs"] - len(done)}


# ------------------------------------------------------------------------------------ drive
def execute(exp: LoadedExperiment, out: Path, jobs: int = -1, scheduler: str | None = None,
            progress=None) -> dict:
    """Run every unfinished task; write each result as it arrives. Returns the status.

    ``progress(record, done, total)`` is called after each run is written.
    """
    from joblib import Parallel, delayed, parallel_config

    workers = jobs if jobs and jobs > 0 else (os.cpu_count() or 1)
    if not scheduler or scheduler == "local":
        exp.check_memory(workers)  # refuse, with the figure, a job count that cannot fit
    all_tasks = prepare(exp, out)
    done = finished(out)
    todo = [t for t in all_tasks if t.index not in done]
    client = cluster = None
    try:
        if scheduler:
            from dask.distributed import Client, LocalCluster

            if scheduler == "local":
                workers = jobs if jobs and jobs > 0 else None
                cluster = LocalCluster(n_workers=workers, threads_per_worker=1,
                                       processes=True, dashboard_address=None)
                client = Client(cluster)
            else:
                client = Client(scheduler)
            config = parallel_config(backend="dask")
        else:
            config = parallel_config(backend="loky", n_jobs=jobs)
        with config:
            runner = Parallel(n_jobs=jobs if not scheduler else -1,
                              return_as="generator_unordered")
            for done, record in enumerate(runner(delayed(run_one)(t) for t in todo), start=1):
                write_atomic(run_path(out, record["index"]),
                             (json.dumps(record, indent=1) + "\n").encode())
                if progress is not None:
                    progress(record, done, len(todo))
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    return status(out)


def results_table(out: Path) -> pd.DataFrame:
    """The experiments table: one row per run, parameters and seed beside its outcomes."""
    rows = []
    for index, record in sorted(finished(out).items()):
        row = {"run": index, "sample": record["sample"], "portfolio": record["portfolio"],
               "replicate": record["replicate"], "seed": record["seed"],
               "status": record["status"], "scenario_sha256": record.get("scenario_sha256"),
               "seconds": record.get("seconds")}
        row.update({f"param:{k}": v for k, v in record["parameters"].items()})
        row.update(record.get("outcomes", {}))
        if record["status"] != "ok":
            row["error"] = record.get("error")
        rows.append(row)
    return pd.DataFrame(rows)
