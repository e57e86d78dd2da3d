"""Durable sweeps.

Worker deaths, retries of failed runs, unimportable models, incomplete
outcomes, bad schedulers, the experiments table and versions, resolved scenarios, resume after
a kill with damaged run files, Ctrl-C, and run timings.

Sweeps that can kill a process, or whose model calls must be counted, run as ``python -m vsim``
subprocesses: their workers are fresh and inherit the environment given to them.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from vsim import sweep
from vsim.experiment import load_experiment
from vsim.loading import ScenarioError, load_scenario, scenario_hash
from vsim.results import versions
from vsim.sweep import (
    execute,
    experiments_table,
    finished,
    prepare,
    results_table,
    run_one,
    status,
    tasks,
    unit_design,
)

REPO = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str, name: str = "exp.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def custom(model: str, samples: int, outcomes: str = '["y"]') -> str:
    """A Latin-hypercube experiment of a custom model with one parameter x in [0, 1]."""
    return f"""
name = "durability"
model = "{model}"
outcomes = {outcomes}
root_seed = 11
[design]
method = "latin_hypercube"
samples = {samples}
[[parameters]]
path = "x"
low = 0
high = 1
"""


def vsim_cli(*args, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "vsim", *args], cwd=cwd, capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=300)


def outcomes_of(out: Path) -> pd.DataFrame:
    table = results_table(out)
    return table.drop(columns=["seconds"]).sort_values("run").reset_index(drop=True)


def seeds_called(path: Path) -> list[int]:
    return sorted(int(s) for s in path.read_text().split()) if path.exists() else []


# -------------------------------------------------------------------------- 1. run deaths
@pytest.mark.parametrize("options", [["--jobs", "1"], ["--jobs", "2"],
                                     ["--jobs", "2", "--scheduler", "local"]],
                         ids=["1 job", "2 jobs", "dask"])
def test_a_run_that_kills_its_process_is_recorded_failed_and_the_rest_complete(tmp_path,
                                                                               options):
    write(tmp_path, custom("vsim.testing:crashing_model", 16))
    res = vsim_cli("sweep", "exp.toml", "--out", "sw", *options, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "16 of 16 runs finished" in res.stdout
    table = results_table(tmp_path / "sw")
    assert len(table) == 16
    crashing = table["param:x"] > 0.8
    assert 0 < crashing.sum() < 16
    assert (table.loc[crashing, "status"] == "failed").all()
    assert table.loc[crashing, "error"].str.startswith(
        "the run's process was killed by SIGKILL").all()
    ok = table[~crashing]
    assert (ok["status"] == "ok").all()
    assert (ok["y"] == ok["param:x"] ** 2).all()
    expected = {t.index: t.seed for t in tasks(*_design(tmp_path / "exp.toml"))}
    for index, record in finished(tmp_path / "sw").items():
        assert record["seed"] == expected[index] and "x" in record["parameters"]


def _design(path: Path):
    exp = load_experiment(path)
    return exp, unit_design(exp)


# --------------------------------------------------------------------- 2. retries, imports
def test_running_the_same_command_again_retries_failed_runs_only(tmp_path):
    write(tmp_path, custom("vsim.testing:flaky_model", 24))
    first, second = tmp_path / "calls1.txt", tmp_path / "calls2.txt"
    res = vsim_cli("sweep", "exp.toml", "--out", "sw", "--jobs", "2", cwd=tmp_path,
                   env={"VSIM_FAIL_ABOVE": "0.7", "VSIM_COUNT_FILE": str(first),
                        "VSIM_COUNT_SLEEP": "0"})
    assert res.returncode == 0, res.stderr
    records = finished(tmp_path / "sw")
    failed = {r["seed"] for r in records.values() if r["status"] == "failed"}
    assert failed and len(records) == 24
    assert "retried" in res.stdout
    st = vsim_cli("sweep", "--status", "sw", cwd=tmp_path)
    assert f"({len(failed)} failed), {len(failed)} to go" in st.stdout, st.stdout
    assert status(tmp_path / "sw")["remaining"] == len(failed)

    env = {k: v for k, v in os.environ.items() if k != "VSIM_FAIL_ABOVE"}
    res = subprocess.run([sys.executable, "-m", "vsim", "sweep", "exp.toml", "--out", "sw",
                          "--jobs", "2"], cwd=tmp_path, capture_output=True, text=True,
                         env={**env, "VSIM_COUNT_FILE": str(second), "VSIM_COUNT_SLEEP": "0"},
                         timeout=300)
    assert res.returncode == 0, res.stderr
    assert seeds_called(second) == sorted(failed)  # the failed runs, and nothing else
    kept = 24 - len(failed)
    assert f"24 of 24 runs finished ({kept} kept from before) (0 failed)" in res.stdout
    assert f"{kept} finished runs are kept, not made again" in res.stderr
    reference = tmp_path / "reference"
    execute(load_experiment(tmp_path / "exp.toml"), reference, jobs=1)
    pd.testing.assert_frame_equal(outcomes_of(tmp_path / "sw"), outcomes_of(reference),
                                  check_exact=True)


@pytest.mark.parametrize("model, named", [
    ("vsim.no_such_module:f", "cannot import module 'vsim.no_such_module'"),
    ("vsim.testing:no_such_function", "has no function 'no_such_function'"),
    ("vsim.testing:A", "'A' in module 'vsim.testing' is not a function"),
])
def test_a_model_that_cannot_be_imported_is_refused_before_anything_runs(tmp_path, model,
                                                                          named):
    exp = load_experiment(write(tmp_path, custom(model, 4)))
    with pytest.raises(ScenarioError) as info:
        execute(exp, tmp_path / "out", jobs=2)
    assert any(p.startswith(f"model = '{model}'") and named in p
               for p in info.value.problems), info.value.problems
    assert not (tmp_path / "out").exists()
    res = vsim_cli("sweep", "exp.toml", "--out", "cli_out", cwd=tmp_path)
    assert res.returncode == 2 and named in res.stderr and "model = " in res.stderr
    assert "Traceback" not in res.stderr and not (tmp_path / "cli_out").exists()


# ------------------------------------------------------------------ 3. incomplete outcomes
def test_missing_or_non_numeric_outcomes_make_the_run_failed(tmp_path):
    out = tmp_path / "out"
    execute(load_experiment(write(tmp_path, custom("vsim.testing:incomplete_model", 40,
                                                   '["y", "z"]'))), out, jobs=2)
    table = results_table(out).set_index("run")
    x = table["param:x"]
    groups = {"nan y": x < 0.2, "ok": (x >= 0.2) & (x <= 0.5),
              "missing z": (x > 0.5) & (x <= 0.7), "string z": x > 0.7}
    assert all(g.any() for g in groups.values())
    assert (table.loc[groups["ok"], "status"] == "ok").all()
    assert (table.loc[groups["ok"], "z"] == 2 * x[groups["ok"]]).all()
    for name, message in (("nan y", "outcome 'y' = nan is not a finite number"),
                          ("missing z", "the model returned no outcome 'z'"),
                          ("string z", "outcome 'z' = 'high' is not a number")):
        rows = table[groups[name]]
        assert (rows["status"] == "failed").all(), name
        assert rows["error"].str.contains(message, regex=False).all(), (name, rows["error"])


# ---------------------------------------------------------------------------- 4. scheduler
@pytest.mark.parametrize("address", ["foo", "tcp://127.0.0.1", "tcp://127.0.0.1:99999",
                                     "http://127.0.0.1:8786", ""])
def test_a_malformed_scheduler_address_is_refused_before_anything_is_written(tmp_path,
                                                                             address):
    write(tmp_path, custom("vsim.testing:counting_model", 4))
    res = vsim_cli("sweep", "exp.toml", "--out", "sw", "--scheduler", address, cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    assert f"--scheduler = {address!r}" in res.stderr and "tcp://HOST:PORT" in res.stderr
    assert "Traceback" not in res.stderr and not (tmp_path / "sw").exists()


def test_an_unreachable_scheduler_is_refused_before_anything_is_written(tmp_path,
                                                                        monkeypatch):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setattr(sweep, "SCHEDULER_TIMEOUT", 1.0)
    address = f"tcp://127.0.0.1:{port}"
    exp = load_experiment(write(tmp_path, custom("vsim.testing:counting_model", 4)))
    started = time.perf_counter()
    with pytest.raises(ScenarioError) as info:
        execute(exp, tmp_path / "out", scheduler=address)
    assert time.perf_counter() - started < 30
    assert info.value.source == "--scheduler"
    assert any(f"--scheduler = '{address}': cannot connect" in p for p in info.value.problems)
    assert not (tmp_path / "out").exists()


# -------------------------------------------------------------- 5. runs.parquet, versions
def test_runs_table_is_written_with_versions_and_other_versions_are_not_resumed(tmp_path):
    out = tmp_path / "out"
    exp = load_experiment(write(tmp_path, custom("vsim.testing:counting_model", 12)))
    execute(exp, out, jobs=2)
    runs = pd.read_parquet(out / "runs.parquet")
    pd.testing.assert_frame_equal(runs, experiments_table(out))
    assert len(runs) == 12 and (runs["status"] == "ok").all()
    now = versions()
    for name, version in now.items():
        assert (runs[f"version:{name}"] == version).all()
    assert {"run", "seed", "param:x", "y", "scenario_sha256", "seconds",
            "simulation_seconds"} <= set(runs.columns)
    assert all(r["versions"] == now for r in finished(out).values())

    manifest = json.loads((out / "sweep.json").read_text())
    manifest["versions"]["numpy"] = "0.0.1"
    (out / "sweep.json").write_text(json.dumps(manifest))
    (out / "runs" / "0000003.json").unlink()  # something left to do
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    with pytest.raises(ScenarioError) as info:
        execute(exp, out, jobs=2)
    (problem,) = info.value.problems
    assert str(out) in problem and "numpy 0.0.1" in problem
    assert f"numpy {now['numpy']}" in problem and "--out" in problem
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


# ------------------------------------------------------------------ 6. resolved scenarios
def test_a_sweep_folder_keeps_its_resolved_scenarios(tmp_path):
    text = f"""
name = "scenarios"
base = "{(REPO / 'scenarios' / 'quick.toml').as_posix()}"
population_scale = 0.3
[design]
method = "morris"
samples = 2
[[parameters]]
path = "contagion.beta"
low = 0.0004
high = 0.0016
[[parameters]]
path = "interventions.mentoring.staff"
low = 1
high = 5
integer = true
[[portfolios]]
name = "mentoring"
[[portfolios.interventions]]
type = "mentoring"
[[portfolios]]
name = "base"
[[portfolios.interventions]]
type = "mentoring"
caseload = 4
"""
    exp = load_experiment(write(tmp_path, text))
    out = tmp_path / "out"
    prepare(exp, out)
    listed = json.loads((out / "sweep.json").read_text())["scenarios"]
    assert listed["base"] == "scenarios/base.toml"
    assert scenario_hash(load_scenario(out / listed["base"])) == scenario_hash(exp.base)
    centre = {p.path: p.scale(0.5) for p in exp.spec.parameters}
    assert set(listed["portfolios"]) == {"baseline", "mentoring", "base"}
    assert len(set(listed["portfolios"].values()) | {listed["base"]}) == 4  # no file shared
    for name, relative in listed["portfolios"].items():
        resolved = load_scenario(out / relative)
        assert scenario_hash(resolved) == scenario_hash(exp.scenario_for(centre, name)), name
    assert load_scenario(out / listed["portfolios"]["mentoring"]).interventions[0].staff == 3
    assert sorted(p.name for p in (out / "scenarios").iterdir()) == sorted(
        Path(r).name for r in [listed["base"], *listed["portfolios"].values()])

    other = tmp_path / "custom"
    prepare(load_experiment(write(tmp_path, custom("vsim.testing:ishigami", 2)
                                  .replace('"x"', '"x1"'), "c.toml")), other)
    assert not (other / "scenarios").exists()
    assert "scenarios" not in json.loads((other / "sweep.json").read_text())


# ---------------------------------------------------------------- 7. kill, damage, resume
def test_killed_sweep_with_damaged_run_files_resumes_exactly_the_unfinished_runs(tmp_path):
    exp_path = write(tmp_path, custom("vsim.testing:counting_model", 60))
    reference = tmp_path / "reference"
    execute(load_experiment(exp_path), reference, jobs=2)
    seed_of = {t.index: t.seed for t in tasks(*_design(exp_path))}
    assert len(set(seed_of.values())) == 60  # a seed names its run

    out = tmp_path / "sw"
    command = [sys.executable, "-m", "vsim", "sweep", "exp.toml", "--out", "sw", "--jobs", "2"]
    driver = subprocess.Popen(command, cwd=tmp_path, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env={**os.environ, "VSIM_COUNT_FILE": str(tmp_path / "c1"),
                                   "VSIM_COUNT_SLEEP": "0.1"})
    try:
        deadline = time.time() + 120
        while time.time() < deadline and len(list((out / "runs").glob("[0-9]*.json"))) < 15:
            time.sleep(0.05)
    finally:  # the driver and its workers die mid-sweep, without cleaning up
        os.killpg(driver.pid, signal.SIGKILL)
        driver.wait()
    _wait_for_group_to_die(driver.pid)
    before = finished(out)
    assert 15 <= len(before) < 60, "killed part-way"
    assert not (out / "runs.parquet").exists()

    # Damage: a leftover temporary file, a truncated run, an empty one, a partial record.
    damaged = sorted(before)[:3]
    (out / "runs" / ".0000005.json.tmp").write_text('{"index": 5, "status": "ok", "outc')
    truncated = sweep.run_path(out, damaged[0])
    truncated.write_bytes(truncated.read_bytes()[: truncated.stat().st_size // 2])
    sweep.run_path(out, damaged[1]).write_bytes(b"")
    sweep.run_path(out, damaged[2]).write_text(json.dumps({"index": damaged[2]}))
    intact = set(before) - set(damaged)
    unfinished = sorted(seed_of[i] for i in range(60) if i not in intact)

    calls = tmp_path / "c2"
    res = vsim_cli("sweep", "exp.toml", "--out", "sw", "--jobs", "2", cwd=tmp_path,
                   env={"VSIM_COUNT_FILE": str(calls), "VSIM_COUNT_SLEEP": "0.01"})
    assert res.returncode == 0, res.stderr
    restarted = seeds_called(calls)
    assert 0 < len(restarted) == 60 - len(intact)
    assert restarted == unfinished  # each unfinished run once; no finished run recomputed
    pd.testing.assert_frame_equal(outcomes_of(out), outcomes_of(reference), check_exact=True)
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 60 and (runs["status"] == "ok").all()
    assert status(out)["remaining"] == 0


def _wait_for_group_to_die(pgid: int, seconds: float = 10) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)


# ------------------------------------------------------------------------------- 8. Ctrl-C
def test_ctrl_c_says_how_many_runs_are_kept_and_how_to_resume(tmp_path):
    write(tmp_path, custom("vsim.testing:counting_model", 60))
    out = tmp_path / "sw"
    driver = subprocess.Popen(
        [sys.executable, "-m", "vsim", "sweep", "exp.toml", "--out", "sw", "--jobs", "2"],
        cwd=tmp_path, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env={**os.environ, "VSIM_COUNT_SLEEP": "0.1"},
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.time() + 120
        while time.time() < deadline and len(list((out / "runs").glob("[0-9]*.json"))) < 5:
            time.sleep(0.05)
        driver.send_signal(signal.SIGINT)
        _, stderr = driver.communicate(timeout=60)
    finally:
        if driver.poll() is None:
            os.killpg(driver.pid, signal.SIGKILL)
            driver.wait()
    kept = len(finished(out))
    assert driver.returncode == 130, stderr
    assert 5 <= kept < 60
    assert f"interrupted: {kept} of 60 runs are kept in sw (0 failed)" in stderr, stderr
    assert "run the same command again to resume" in stderr
    assert "nothing was written" not in stderr


# ------------------------------------------------------------------------------ 9. timings
def test_a_run_records_its_simulation_time_apart_from_the_whole_run(tmp_path, monkeypatch):
    monkeypatch.setenv("VSIM_COUNT_SLEEP", "0.05")
    monkeypatch.delenv("VSIM_COUNT_FILE", raising=False)
    task = tasks(*_design(write(tmp_path, custom("vsim.testing:counting_model", 1))))[0]
    record = run_one(task)
    assert record["status"] == "ok"
    assert 0.05 <= record["simulation_seconds"] <= record["seconds"]

    text = f"""
name = "timed"
base = "{(REPO / 'scenarios' / 'quick.toml').as_posix()}"
population_scale = 0.3
outcomes = ["incidents"]
[design]
method = "latin_hypercube"
samples = 1
[[parameters]]
path = "contagion.beta"
low = 0.0004
high = 0.0016
"""
    task = tasks(*_design(write(tmp_path, text, "vsim.toml")))[0]
    record = run_one(task)
    assert record["status"] == "ok", record.get("error")
    # The whole run also validates and hashes the scenario, which the simulation does not.
    assert 0 < record["simulation_seconds"] < record["seconds"]
