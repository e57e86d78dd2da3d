"""Test functions with known answers, runnable through the sweep pipeline as custom models.

``model = "vsim.testing:ishigami"`` in an experiment file runs the Ishigami function instead of
the simulation, so the sampling, storage and analysis plumbing can be checked against analytic
Sobol indices (Ishigami & Homma 1990; Saltelli et al. 2008, "Global Sensitivity Analysis").
"""

from __future__ import annotations

import math
import os
import signal
import time

import numpy as np

A, B = 7.0, 0.1


def ishigami(parameters: dict, seed: int) -> dict[str, float]:
    """Y = sin x1 + a sin² x2 + b x3⁴ sin x1 on [−π, π]³ (parameters x1, x2, x3)."""
    x1, x2, x3 = parameters["x1"], parameters["x2"], parameters["x3"]
    return {"y": math.sin(x1) + A * math.sin(x2) ** 2 + B * x3**4 * math.sin(x1)}


def noisy_ishigami(parameters: dict, seed: int) -> dict[str, float]:
    """Ishigami plus N(0, 2²) noise drawn from the seed, and a parameter x4 that does nothing.

    The output ignores x4: a stand-in for a stochastic simulation with a parameter that does
    nothing.
    """
    noise = 2.0 * np.random.default_rng(seed).standard_normal()
    return {"y": ishigami(parameters, seed)["y"] + float(noise)}


def ishigami_indices(a: float = A, b: float = B) -> dict[str, dict[str, float]]:
    """Analytic first-order (S1) and total (ST) Sobol indices of the Ishigami function."""
    pi = math.pi
    v1 = 0.5 * (1 + b * pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * pi**8 * (1 / 18 - 1 / 50)
    var = v1 + v2 + v13
    return {"S1": {"x1": v1 / var, "x2": v2 / var, "x3": 0.0},
            "ST": {"x1": (v1 + v13) / var, "x2": v2 / var, "x3": v13 / var}}


def failing_model(parameters: dict, seed: int) -> dict[str, float]:
    """Raises for x > 0.9: a model that fails on part of its space (failure handling tests)."""
    if parameters["x"] > 0.9:
        raise RuntimeError(f"model failed at x = {parameters['x']:.3f}")
    return {"y": parameters["x"] ** 2}


def counting_model(parameters: dict, seed: int) -> dict[str, float]:
    """Like a quick model, but records each call in $VSIM_COUNT_FILE and takes a little time.

    It appends the seed to the file named by $VSIM_COUNT_FILE each time it is called (to count
    recomputations in the resume tests), and sleeps $VSIM_COUNT_SLEEP seconds (default 0.02).
    """
    path = os.environ.get("VSIM_COUNT_FILE")
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"{seed}\n")
    time.sleep(float(os.environ.get("VSIM_COUNT_SLEEP", "0.02")))
    return {"y": parameters["x"] * 2.0 + (seed % 1000) / 1000.0}


def crashing_model(parameters: dict, seed: int) -> dict[str, float]:
    """Kills its own process (SIGKILL, as the OOM killer would) for x > 0.8: a run that dies.

    Sweeps make each run in a child process, so the worker survives. Never call it directly in
    a process you want to keep.
    """
    if parameters["x"] > 0.8:
        os.kill(os.getpid(), signal.SIGKILL)
    return {"y": parameters["x"] ** 2}


def incomplete_model(parameters: dict, seed: int) -> dict:
    """A custom model whose outcomes are incomplete or not numbers.

    It returns y = x and z = 2x, except NaN for y when x < 0.2, no z when 0.5 < x ≤ 0.7 and a
    string for z when x > 0.7.
    """
    x = parameters["x"]
    if x < 0.2:
        return {"y": float("nan"), "z": 1.0}
    if x > 0.7:
        return {"y": x, "z": "high"}
    if x > 0.5:
        return {"y": x}
    return {"y": x, "z": 2 * x}


def flaky_model(parameters: dict, seed: int) -> dict[str, float]:
    """counting_model that raises for x > $VSIM_FAIL_ABOVE (when set).

    Its runs fail in one sweep and succeed when it is run again (retry tests).
    """
    limit = os.environ.get("VSIM_FAIL_ABOVE")
    if limit is not None and parameters["x"] > float(limit):
        raise RuntimeError(f"flaky failure at x = {parameters['x']:.3f}")
    return counting_model(parameters, seed)
