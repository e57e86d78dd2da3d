"""Where a sweep's runs are made away from its driver: a forked child process, or a Dask cluster.

A run that kills its process (the OOM killer, a crash in compiled code) must not take the sweep
with it: :func:`call_in_child` makes a call in a forked child process, so that only the child
dies, and :func:`how_it_stopped` says how it died. :func:`check_address` and :func:`connect`
reach the Dask scheduler a sweep spreads its runs over, refusing (with a
:class:`~vsim.loading.ScenarioError`) an address that is malformed or cannot be reached, before
anything is written. :mod:`vsim.sweep` decides when to use them.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import re
import signal
from collections.abc import Callable
from typing import Any

from vsim.loading import ScenarioError

ADDRESS = re.compile(r"tcp://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):([0-9]{1,5})")


# ----------------------------------------------------------------------------- fork
def call_in_child(function: Callable[[Any], Any], argument: Any,
                  died: Callable[[int], Any]) -> Any:
    """``function(argument)`` made in a forked child process, so a crash spares this process.

    The child sends the result back pickled through a pipe and leaves with ``os._exit`` (no
    cleanup handlers); the kernel kills it if this process dies first (Linux). If the child
    stops before sending anything (it was killed, or the call raised or returned something that
    cannot be pickled), the result is ``died(status)``, with the child's wait status (see
    :func:`how_it_stopped`). Needs ``os.fork`` (not on Windows).
    """
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: run, send the result, leave without cleanup handlers
        code = 0
        try:
            os.close(read)
            _die_with_parent()
            data = pickle.dumps(function(argument))
            with os.fdopen(write, "wb") as pipe:
                pipe.write(data)
        except BaseException:  # noqa: BLE001 - the parent reports a call with no result
            code = 1
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    if data:
        return pickle.loads(data)
    return died(status)


def _die_with_parent() -> None:
    """Linux: have the kernel kill this child if its parent dies; elsewhere a no-op.

    An interrupted sweep then leaves no orphan runs behind.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def how_it_stopped(status: int) -> str:
    """How a child process stopped, from its wait status: 'was killed by SIGKILL', 'exited ...'.

    A signal is named ('was killed by SIGKILL', or 'was killed by signal N' for an unknown
    one); otherwise the exit code is given ('exited with code 1').
    """
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        return f"was killed by {name}"
    return f"exited with code {os.WEXITSTATUS(status)}"


# ----------------------------------------------------------------------------- Dask
def check_address(scheduler: str | None) -> None:
    """Refuse a --scheduler that is neither 'local' nor tcp://HOST:PORT."""
    if scheduler is None or scheduler == "local":
        return
    match = ADDRESS.fullmatch(scheduler)
    if not match or not 1 <= int(match[2]) <= 65535:
        raise ScenarioError("--scheduler", [
            f"--scheduler = {scheduler!r}: not a scheduler address; give tcp://HOST:PORT of a "
            f"running Dask scheduler (e.g. tcp://10.0.0.5:8786), or 'local' for a cluster on "
            f"this machine"])


def connect(scheduler: str | None, jobs: int, timeout: float):
    """(client, cluster) for joblib's Dask backend, or (None, None) for local workers.

    ``scheduler`` is None (local workers), 'local' (a LocalCluster here: ``jobs``
    single-threaded worker processes, Dask's default number when ``jobs`` is not positive) or
    tcp://HOST:PORT of a running scheduler, given ``timeout`` seconds to answer. A
    ScenarioError if dask.distributed cannot be imported or the scheduler cannot be reached.
    """
    if scheduler is None:
        return None, None
    try:
        # deferred: dask.distributed takes ~0.6 s to import; only --scheduler sweeps need it
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:
        raise ScenarioError("--scheduler", [
            f"--scheduler = {scheduler!r}: needs dask.distributed, which cannot be "
            f"imported ({exc}); install it, or leave --scheduler out"]) from None
    if scheduler == "local":
        cluster = LocalCluster(n_workers=jobs if jobs and jobs > 0 else None,
                               threads_per_worker=1, processes=True, dashboard_address=None)
        return Client(cluster), cluster
    try:
        return Client(scheduler, timeout=timeout), None
    except Exception as exc:  # noqa: BLE001 - OSError, TimeoutError, handshake errors
        detail = " ".join(f"{type(exc).__name__}: {exc}".split())
        raise ScenarioError("--scheduler", [
            f"--scheduler = {scheduler!r}: cannot connect within {timeout:g} s "
            f"({detail}); give tcp://HOST:PORT of a running Dask scheduler, or 'local'"]
        ) from None
