"""Calibration against police-recorded crime: files, observation model, targets, ABC-SMC.

``vsim calibrate CALIB --out DIR`` reads a calibration file (:mod:`.spec`), turns simulated
incidents into police counts (:mod:`.observation`), compares summaries (:mod:`.targets`) with
pyabc's ABC-SMC (:mod:`.fit`) and writes the posterior, diagnostics and predictive checks
(:mod:`.outputs`). An interrupted calibration resumes from pyabc's database in DIR.
"""

from __future__ import annotations

import time
from pathlib import Path

from .spec import LoadedCalibration, load_calibration


def calibrate(loaded: LoadedCalibration, out: str | Path, jobs: int = 1,
              scheduler: str | None = None, progress=None, problem=None) -> dict:
    """Run or resume the calibration into ``out``; returns its manifest.

    ``problem``: the calibration's :class:`vsim.calibration.fit.Problem` if already built
    (its data read), else it is built here.
    """
    # deferred: pyabc and the model (numba) load in seconds; reading files needs neither
    from .fit import check_resumable, problem_of, run_abc, write_fingerprint
    from .outputs import write_outputs, write_point_outputs

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if problem is None:
        problem, _ = problem_of(loaded)
    if loaded.spec.method.name == "optimize":
        from .optimize import optimize  # deferred: optuna, only for point fits

        check_resumable(loaded, out)
        write_fingerprint(loaded, out)
        best = optimize(loaded, problem, out, jobs=jobs)
        return write_point_outputs(out, loaded, problem, best, time.perf_counter() - started)
    generations, reason = run_abc(loaded, problem, out, jobs=jobs, scheduler=scheduler,
                                  progress=progress)
    return write_outputs(out, loaded, problem, generations, reason,
                         time.perf_counter() - started)


__all__ = ["LoadedCalibration", "calibrate", "load_calibration"]
