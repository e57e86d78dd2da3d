"""Threads: a run on two numba threads is the run on one, bit for bit; bad counts are refused.

The threaded kernels (vsim.compiled.threaded_kernel) write only their own slots from each
iteration, so the number of threads cannot change a result. The comparison runs in a fresh
process with two numba threads: a process that has started numba's threading layer may not be
safe to fork (GNU OpenMP), and the test suite's other tests fork workers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.test_cli import QUICK, vsim_cmd
from vsim.compiled import ThreadedKernel, thread_problem

# One year of the quick town after its burn-in (a September cohort entry, 13 friendship
# updates), and a case study's interventions in a small Sussex (their modifiers reach the
# threaded kernels).
COMPARE = r"""
import json, sys
import numba
import numpy as np
import pandas as pd
from vsim.model import ViolenceModel

def run(scenario, threads, **changes):
    model = ViolenceModel(scenario, threads=threads, **changes)
    return model, model.run()

differences = []
for scenario, changes in ((sys.argv[1], {"time.years": 1}),
                          ("case_studies/sussex", {"time.years": 1, "time.burn_in_weeks": 26,
                                                   "population.n_young_people": 4000})):
    (one, r1), (two, r2) = run(scenario, 1, **changes), run(scenario, 2, **changes)
    assert one.interventions or scenario == sys.argv[1]
    for group in ("people", "ties"):
        for name, a, b in zip(getattr(one, group)._fields, getattr(one, group),
                              getattr(two, group)):
            if not np.array_equal(a, b, equal_nan=a.dtype.kind == "f"):
                differences.append(f"{group}.{name}")
    for table in ("steps", "incidents", "people", "neighbourhoods"):
        try:
            pd.testing.assert_frame_equal(getattr(r1, table), getattr(r2, table),
                                          check_exact=True)
        except AssertionError:
            differences.append(table)
print(json.dumps({"differences": differences, "incidents": int(len(r1.incidents)),
                  "layer": numba.threading_layer(), "threads": numba.get_num_threads()}))
"""


def test_one_and_two_threads_give_the_same_run():
    env = dict(os.environ, NUMBA_NUM_THREADS="2")
    proc = subprocess.run([sys.executable, "-c", COMPARE, str(QUICK)], capture_output=True,
                          text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["differences"] == []
    assert report["incidents"] > 100  # a run with something in it to differ
    # the two-thread runs did go through numba's threading layer, on two threads
    assert report["layer"] in ("tbb", "omp", "workqueue")
    assert report["threads"] == 2


def test_threaded_kernels_are_compiled_twice_and_one_thread_takes_the_serial_one():
    from vsim.processes.involvement import involvement_kernel

    assert isinstance(involvement_kernel, ThreadedKernel)
    assert involvement_kernel.on(1) is involvement_kernel.serial
    assert involvement_kernel.on(2) is involvement_kernel.threaded
    assert involvement_kernel.serial is not involvement_kernel.threaded
    assert involvement_kernel.threaded.targetoptions.get("parallel") is True
    assert not involvement_kernel.serial.targetoptions.get("parallel")


@pytest.mark.parametrize("threads", [0, -1, 1.5, True, "2", 10_000])
def test_thread_counts_outside_the_machine_are_refused(threads):
    problem = thread_problem(threads)
    assert problem is not None
    assert problem.startswith(f"threads = {threads!r}") and "from 1 to" in problem


def test_the_model_refuses_a_bad_thread_count_before_building():
    from vsim.model import ViolenceModel

    with pytest.raises(ValueError, match=r"threads = 0: a whole number from 1 to \d+"):
        ViolenceModel(QUICK, threads=0)


def test_vsim_run_refuses_a_bad_thread_count_with_exit_code_2(tmp_path):
    res = vsim_cmd("run", QUICK, "--threads", "0", "--out", tmp_path / "out", cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    assert "--threads" in res.stderr and "threads = 0" in res.stderr
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "out").exists()
