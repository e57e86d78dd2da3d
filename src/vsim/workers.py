"""What vsim's parallel drivers (comparisons, sweeps) share about joblib's worker processes."""

from __future__ import annotations

import warnings


def quiet_worker_recycling() -> None:
    """Silence loky's "A worker stopped while some jobs were given to the executor" warning.

    loky restarts a worker whose memory has grown by 300 MB since it started, between two
    tasks, and then warns as if something had gone wrong (joblib#883; loky PR #641 gives the
    recycling its own message). A worker that has simulated a county of 280,000 young people
    passes that mark without leaking (its memory plateaus, measured 2026-11-25), so the warning
    only alarms users. A worker that dies under a run is reported separately (an error).
    """
    warnings.filterwarnings(
        "ignore", message="A worker stopped while some jobs were given to the executor",
        category=UserWarning)
