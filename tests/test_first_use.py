"""What a new user meets first, run as they run it (found by trying vsim as a newcomer would).

Compiling announced, tables whole when piped, the population counts named, impossible dates
refused, services that do nothing warned about, experiment and calibration files recognised,
switches shown as switches, resumed sweeps counted, results folders replaced only if they hold
results, and Ctrl-C answered.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import numba
import pytest
from helpers import QUICK, REPO
from test_cli import _start, vsim_cmd
from test_sweep import ISHIGAMI

from vsim.compiled import compiling_notice

ZERO_AND_LATE = """name = "idle"
[time]
years = 1
burn_in_weeks = 4
[area]
residents = 5000
n_neighbourhoods = 2
[population]
n_young_people = 1000
[[interventions]]
type = "mentoring"
staff = 0
[[interventions]]
type = "mentoring"
name = "later"
start = 2030-01-01
"""


def test_compiling_is_announced_once_and_loading_the_cache_is_silent():
    calls = []

    @numba.njit
    def fresh(x):  # a kernel nobody has compiled yet
        return x + 1

    with compiling_notice(lambda: calls.append(1)):
        fresh(1)
        fresh(2.5)  # a second compilation: still one notice
    assert calls == [1]
    with compiling_notice(lambda: calls.append(2)):
        fresh(3)  # already compiled: nothing to say
    assert calls == [1]


def test_a_warm_run_piped_to_a_file_has_whole_headers_and_names_its_counts(tmp_path):
    done = subprocess.run([sys.executable, "-m", "vsim", "run", str(QUICK), "--out",
                           str(tmp_path / "r")], capture_output=True, text=True, timeout=300,
                          env={k: v for k, v in os.environ.items() if k != "COLUMNS"})
    assert done.returncode == 0, done.stderr
    header = next(line for line in done.stdout.splitlines() if "year" in line)
    assert "…" not in header and "incid." in header and "exploited" in header
    assert "3,000 when it began" in done.stdout and "at the start (after the burn-in" in (
        done.stdout)
    assert "compiling" not in done.stderr  # the suite has compiled the kernels already
    check = vsim_cmd("validate", QUICK, cwd=tmp_path)
    assert "3,000 young people when the burn-in begins" in check.stdout


@pytest.mark.parametrize(("start", "words"), [
    ("0001-01-01", "time.start: 0001-01-01 is out of range; it must be a date on or after "
                   "1900-01-01"),
    ("9999-06-01", "time.start: 9999-06-01 is out of range; it must be a date on or before "
                   "2200-12-31")])
def test_impossible_start_dates_are_refused_naming_the_field(tmp_path, start, words):
    path = tmp_path / "dates.toml"
    path.write_text(f'name = "dates"\n[time]\nstart = {start}\n')
    for command in (("validate", path), ("run", path, "--out", tmp_path / "r")):
        done = vsim_cmd(*command, cwd=tmp_path)
        assert done.returncode == 2 and words in done.stderr, done.stderr
        assert "Traceback" not in done.stderr and "OverflowError" not in done.stderr
    assert not (tmp_path / "r").exists()


def test_services_that_can_do_nothing_are_warned_about(tmp_path):
    path = tmp_path / "idle.toml"
    path.write_text(ZERO_AND_LATE)
    for command in (("validate", path), ("run", path, "--out", tmp_path / "r", "-q")):
        done = vsim_cmd(*command, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert "interventions[0] (mentoring): staff = 0, so it enrols nobody" in done.stderr
        assert ("interventions[1] (later): funded 2030-01-01 to open-ended, wholly outside "
                "the horizon") in done.stderr
    quiet = vsim_cmd("validate", QUICK, cwd=tmp_path)
    assert "warning" not in quiet.stderr


def test_validate_recognises_experiment_and_calibration_files(tmp_path):
    done = vsim_cmd("validate", REPO / "experiments" / "sobol_mentoring.toml",
                    REPO / "calibration" / "calderdale.toml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "sobol_mentoring.toml: ok, an experiment (sobol, 8 parameters" in done.stdout
    assert "calderdale.toml: ok, a calibration (5 parameters, 9 targets)" in done.stdout
    assert "unknown key" not in done.stderr
    bad = tmp_path / "bad_experiment.toml"
    bad.write_text('name = "x"\n[design]\nmethod = "sobbol"\n[[parameters]]\npath = "a"\n'
                   'low = 0\nhigh = 1\n')
    refused = vsim_cmd("validate", bad, cwd=tmp_path)
    assert refused.returncode == 2 and "design.method" in refused.stderr


def test_switches_show_no_value_in_the_help(tmp_path):
    for command in ("run", "compare", "analyse"):
        text = vsim_cmd(command, "--help", cwd=tmp_path).stdout
        lines = [line for line in text.splitlines() if "--csv" in line or "--quiet" in line
                 or "--drop-missing" in line]
        assert lines and not any("<bool>" in line for line in lines), (command, lines)


# test_sweep's Ishigami experiment, made small: a latin hypercube of 6 runs
SWEEP = (ISHIGAMI.replace('method = "sobol"', 'method = "latin_hypercube"')
         .replace("samples = 1024", "samples = 6"))


def test_a_resumed_sweep_says_how_many_runs_it_kept(tmp_path):
    path = tmp_path / "sweep.toml"
    path.write_text(SWEEP)
    first = vsim_cmd("sweep", path, "--out", tmp_path / "s", "--jobs", "1", cwd=tmp_path)
    assert first.returncode == 0 and "resuming" not in first.stderr, first.stderr
    again = vsim_cmd("sweep", path, "--out", tmp_path / "s", "--jobs", "1", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "6 finished runs are kept, not made again" in again.stderr
    assert "6 of 6 runs finished (6 kept from before)" in again.stdout


def test_results_replace_only_earlier_results(tmp_path):
    target = tmp_path / "r"
    first = vsim_cmd("run", QUICK, "--out", target, "-q", cwd=tmp_path)
    assert first.returncode == 0 and "replacing" not in first.stdout
    again = vsim_cmd("run", QUICK, "--out", target, "-q", cwd=tmp_path)
    assert "(replacing the earlier results there)" in again.stdout
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    refused = vsim_cmd("run", QUICK, "--out", mine, "-q", cwd=tmp_path)
    assert refused.returncode == 2 and "does not hold vsim results" in refused.stderr
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]


def test_an_interrupted_run_says_so_and_writes_nothing(tmp_path):
    borough = REPO / "scenarios" / "borough.toml"  # 60 years: half a minute or more
    proc = _start("run", borough, "--set", "time.years=60", "--out", tmp_path / "r",
                  cwd=tmp_path)
    time.sleep(8)  # past start-up, inside the simulation
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    # on a machine's first run the kernels are still compiling 8 s in, before the first step
    assert re.search(r"interrupted (after [\d,]+ of [\d,]+ steps|while setting up, before "
                     r"any steps): nothing was written", stderr), stderr
    assert "Traceback" not in stderr
    assert not (tmp_path / "r").exists()
