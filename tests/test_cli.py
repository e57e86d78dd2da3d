"""The ``vsim`` command, run as a user runs it: in a subprocess, in a scratch folder.

Bad input exits with code 2, names the field on stderr, shows no traceback and leaves no
folder behind; a good scenario writes exactly the documented files.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import vsim

REPO = Path(__file__).resolve().parents[1]
QUICK = REPO / "scenarios" / "quick.toml"
# the tables of the README's "What a run writes": snapshots (outputs.snapshot_every_weeks) and
# the intervention tables (costs, participants, budget) are written empty when not used
TABLES = ("steps", "monthly", "neighbourhoods", "police_uk", "incidents", "people",
          "snapshots", "costs", "participants", "budget")
PROCESSES = ("interventions", "contagion", "involvement", "offending", "fear",
             "weapon_carrying", "victimisation", "exploitation", "justice", "life_course",
             "rewiring")


def _vsim_command() -> list[str]:
    """The ``vsim`` console script next to this Python, else ``python -m vsim``."""
    script = Path(sys.executable).with_name("vsim")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "vsim"]


def _env() -> dict:
    env = dict(os.environ)
    for name in ("PYTHONHASHSEED", "FORCE_COLOR", "TTY_COMPATIBLE"):
        env.pop(name, None)
    env["COLUMNS"] = "200"
    return env


def vsim_cmd(*args, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([*_vsim_command(), *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, env=_env())


def _start(*args, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([*_vsim_command(), *map(str, args)], cwd=cwd, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env())


def _finish(proc: subprocess.Popen) -> subprocess.CompletedProcess:
    stdout, stderr = proc.communicate(timeout=300)
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


def _tree(folder: Path) -> set[str]:
    """Every file and folder under ``folder`` (hidden ones included), relative."""
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


# --------------------------------------------------------- every command, started at once
BAD_FILES = {
    "misspelt": ('[justice]\np_chrage = 0.2\n', ["justice.p_chrage", "Did you mean 'p_charge'"]),
    "range": ('[contagion]\nbeta = 1.5\n', ["contagion.beta", "1.5", "[0, 1]"]),
    "nan": ('[offending]\nh0 = nan\n', ["offending.h0", "nan"]),
    "several": ('[time]\nstep_days = 0\n[population]\nn_young_people = -1\n'
                '[exploiters]\nmin_age = 18\nmax_age = 15\n',
                ["3 problems", "time.step_days: 0", "population.n_young_people: -1",
                 "exploiters.min_age: 18"]),
    "memory": ('[population]\nn_young_people = 2_000_000_000\n',
               ["population.n_young_people", "GiB"]),
    "empty": ("", ["empty"]),
    "unparsable": ("[time\n", ["not valid TOML"]),
    "not-utf8": (b"name = \"\xff\"\n", ["UTF-8"]),
}
# `vsim run` on these (with and without --out); `vsim validate` checks all of them at once
RUN_BAD = {"misspelt": False, "several": True, "memory": False, "unparsable": True,
           "not-utf8": False}

BAD_OPTIONS = {
    "set": (["--set", "justice.p_charge=2", "--set", "justice.p_chrage=0.3"],
            ["2 problems", "justice.p_charge: 2", "[0, 1]", "justice.p_chrage",
             "Did you mean 'p_charge'"]),
    "set-no-value": (["--set", "justice.p_charge"], ["--set", "path=value"]),
    "seed": (["--seed", "-1"], ["--seed", "-1"]),
    "out-is-a-file": (["--out", "a_file"], ["--out", "a_file", "not a folder"]),
}


def _write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Start every command at once, each in its own folder, and collect them.

    The commands are independent; run one after another they take ~10 s, mostly Python and
    numba start-up, started together a few seconds.
    """
    base = tmp_path_factory.mktemp("runs")
    procs: dict = {}
    folders: dict = {}

    def start(key, *args, files=None):
        folder = base / key
        folder.mkdir()
        for name, content in (files or {}).items():
            _write(folder / name, content)
        folders[key] = (folder, _tree(folder))
        procs[key] = _start(*args, cwd=folder)

    for name, with_out in RUN_BAD.items():
        start(f"bad-{name}", "run", "bad.toml", *(["--out", "out_dir"] if with_out else []),
              files={"bad.toml": BAD_FILES[name][0]})
    start("missing", "run", "nowhere.toml")
    for name, (args, _) in BAD_OPTIONS.items():
        start(f"option-{name}", "run", QUICK, *args, files={"a_file": "keep me"})
    bad = {f"{name}.toml": content for name, (content, _) in BAD_FILES.items()}
    good = {"good.toml": 'name = "x"\n[population]\nn_young_people = 500\n'}
    start("validate-good", "validate", "good.toml", QUICK, files=good)
    start("validate-bad", "validate", "good.toml", *bad, files={**good, **bad})
    start("schema-file", "schema", "--out", "schema.json")
    start("schema-stdout", "schema")
    off = QUICK.read_text(encoding="utf-8") + "\n[processes]\nexploitation = false\n" \
        "rewiring = false\n"
    start("plan", "plan", QUICK)
    start("plan-off", "plan", "off.toml", files={"off.toml": off})
    start("plain", "run", QUICK, "--out", "plain", "--quiet")
    start("flags", "run", QUICK, "--out", "flags", "--csv", "--seed", "5",
          "--set", "justice.p_charge=0.3", "--set", "processes.justice=false")
    done = {key: _finish(proc) for key, proc in procs.items()}
    return {key: (res, *folders[key]) for key, res in done.items()}


@pytest.mark.parametrize("name", list(RUN_BAD))
def test_run_rejects_bad_file_without_traceback_or_folder(runs, name):
    res, folder, before = runs[f"bad-{name}"]
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr + res.stdout
    assert res.stderr.startswith("error: bad.toml:")
    for fragment in BAD_FILES[name][1]:
        assert fragment in res.stderr, (fragment, res.stderr)
    # nothing written: no results/, no --out folder, no hidden temporary folder
    assert _tree(folder) == before == {"bad.toml"}
    assert res.stdout == ""


def test_run_missing_file(runs):
    res, folder, _ = runs["missing"]
    assert res.returncode == 2
    assert "nowhere.toml" in res.stderr and "not found" in res.stderr
    assert "Traceback" not in res.stderr
    assert _tree(folder) == set()


@pytest.mark.parametrize("name", list(BAD_OPTIONS))
def test_run_rejects_bad_options(runs, name):
    res, folder, _ = runs[f"option-{name}"]
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr
    for fragment in BAD_OPTIONS[name][1]:
        assert fragment in res.stderr, (fragment, res.stderr)
    assert _tree(folder) == {"a_file"}
    assert (folder / "a_file").read_text() == "keep me"


def test_validate_good_files(runs):
    res, folder, before = runs["validate-good"]
    assert res.returncode == 0, res.stderr
    assert "good.toml: ok" in res.stdout and "quick.toml: ok" in res.stdout
    assert res.stderr == ""
    assert _tree(folder) == before


def test_validate_reports_every_bad_file(runs):
    res, folder, before = runs["validate-bad"]
    assert res.returncode == 2
    assert "good.toml: ok" in res.stdout
    assert "Traceback" not in res.stderr
    for name, (_, fragments) in BAD_FILES.items():
        assert f"error: {name}.toml:" in res.stderr
        for fragment in fragments:
            if fragment != "3 problems":  # validate lists problems without a count
                assert fragment in res.stderr, (name, fragment)
    assert _tree(folder) == before


def test_schema_to_file_and_stdout(runs):
    res, folder, _ = runs["schema-file"]
    assert res.returncode == 0, res.stderr
    schema = json.loads((folder / "schema.json").read_text(encoding="utf-8"))
    assert schema == json.loads(json.dumps(vsim.json_schema()))
    assert {"time", "population", "contagion", "justice", "processes"} <= set(
        schema["properties"])
    assert _tree(folder) == {"schema.json"}  # no temporary file left behind
    printed, _, _ = runs["schema-stdout"]
    assert printed.returncode == 0
    assert json.loads(printed.stdout) == schema


@pytest.mark.parametrize("where", ["under_a_file", "a_folder"])
def test_schema_refuses_an_output_it_cannot_write(tmp_path, where):
    blocker = tmp_path / "afile"
    blocker.write_text("not a folder")
    target = blocker / "schema.json" if where == "under_a_file" else tmp_path
    res = subprocess.run([sys.executable, "-m", "vsim", "schema", "--out", str(target)],
                         capture_output=True, text=True)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert ("is a file, not a folder" if where == "under_a_file" else "is a folder") in res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]  # nothing written


def test_plan_prints_every_process_in_order(runs):
    res = runs["plan"][0]
    assert res.returncode == 0, res.stderr
    lines = [line for line in res.stdout.splitlines() if line.strip()]
    assert len(lines) == len(PROCESSES)
    names = [line.split("]", 1)[1].split()[0] for line in lines]
    assert names == list(PROCESSES)
    assert names[0] == "interventions" and names[-1] == "rewiring"
    assert all("[on ]" in line for line in lines)
    assert [line.split(".")[0].strip() for line in lines] == [
        str(k) for k in range(1, len(PROCESSES) + 1)]


def test_plan_marks_switched_off_processes(runs):
    res = runs["plan-off"][0]
    assert res.returncode == 0, res.stderr
    state = {line.split("]", 1)[1].split()[0]: line.split("[", 1)[1][:3]
             for line in res.stdout.splitlines() if line.strip()}
    assert state["exploitation"] == "off" and state["rewiring"] == "off"
    assert {k for k, v in state.items() if v == "off"} == {"exploitation", "rewiring"}
    assert list(state) == list(PROCESSES)


def test_run_quick_writes_exactly_the_documented_files(runs):
    res, folder, _ = runs["plain"]
    out = folder / "plain"
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    assert "results written to" in res.stdout
    expected = {f"{t}.parquet" for t in TABLES} | {"scenario.toml", "manifest.json"}
    assert set(os.listdir(out)) == expected
    # no temporary or backup folder left beside the results
    assert os.listdir(folder) == ["plain"]

    manifest = json.loads((out / "manifest.json").read_text())
    quick = vsim.load_scenario(QUICK)
    assert manifest["seed"] == quick.seed == 7
    assert manifest["scenario_sha256"] == vsim.scenario_hash(quick)
    assert manifest["versions"]["vsim"] == vsim.__version__
    assert {"python", "numpy", "pandas", "pydantic"} <= set(manifest["versions"])

    written = vsim.load_scenario(out / "scenario.toml")
    assert written == quick
    assert vsim.scenario_hash(written) == manifest["scenario_sha256"]

    steps = pd.read_parquet(out / "steps.parquet")
    assert len(steps) == quick.time.n_steps == manifest["steps"]
    assert len(pd.read_parquet(out / "people.parquet")) > 0


def test_run_flags_csv_seed_and_set(runs):
    res, folder, _ = runs["flags"]
    out = folder / "flags"
    assert os.listdir(folder) == ["flags"]
    assert res.returncode == 0, res.stderr
    expected = {f"{t}.csv" for t in TABLES} | {"scenario.toml", "manifest.json"}
    assert set(os.listdir(out)) == expected
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 5
    written = vsim.load_scenario(out / "scenario.toml")
    assert written.justice.p_charge == 0.3
    assert written.processes.justice is False
    changed = vsim.with_changes(vsim.load_scenario(QUICK),
                                {"justice.p_charge": 0.3, "processes.justice": False})
    assert written == changed
    assert manifest["scenario_sha256"] == vsim.scenario_hash(changed)
    steps = pd.read_csv(out / "steps.csv")
    assert len(steps) == changed.time.n_steps
    # the summary table is printed without --quiet
    assert "seed 5" in res.stdout


# ------------------------------------------------------------- the README's default run
@pytest.mark.slow
def test_readme_command_for_the_default_scenario(tmp_path):
    shutil.copytree(REPO / "scenarios", tmp_path / "scenarios")
    res = vsim_cmd("run", "scenarios/borough.toml", cwd=tmp_path, timeout=600)
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    out = tmp_path / "results" / "borough"
    expected = {f"{t}.parquet" for t in TABLES} | {"scenario.toml", "manifest.json"}
    assert set(os.listdir(out)) == expected
    assert set(os.listdir(tmp_path / "results")) == {"borough"}
    manifest = json.loads((out / "manifest.json").read_text())
    borough = vsim.load_scenario(REPO / "scenarios" / "borough.toml")
    assert manifest["seed"] == 20190107
    assert manifest["scenario_sha256"] == vsim.scenario_hash(borough)
    assert vsim.load_scenario(out / "scenario.toml") == borough
    steps = pd.read_parquet(out / "steps.parquet")
    assert len(steps) == borough.time.n_steps
    monthly = pd.read_parquet(out / "monthly.parquet")
    assert "recorded_per_1000_residents" in monthly.columns
    assert (monthly["recorded_per_1000_residents"] > 0).all()
