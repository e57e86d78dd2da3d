"""``vsim ui``: serve the teaching page (Solara, offline) and say where to point the browser."""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from typing import Annotated, Optional

import typer
from rich.markup import escape

from vsim.cli_output import err, fail, out
from vsim.loading import ScenarioError, resolve_scenario

LOOPBACK = ("127.0.0.1", "localhost", "::1")
UI_PACKAGES = ("solara", "mesa.visualization", "solara_assets")


def _check_ui_installed() -> None:
    """The page needs the ``ui`` extra; say how to get it instead of a traceback."""
    missing = [name for name in UI_PACKAGES if importlib.util.find_spec(name.split(".")[0])
               is None]
    if missing:
        fail(ScenarioError("vsim ui", [
            f"the teaching page needs {', '.join(missing)}, which come with the ui extra: "
            "pip install \"vsim[ui]\" (or, from a checkout, pip install \".[ui]\")"]))


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        return sock.connect_ex((host, port)) != 0


def _wait_until_serving(url: str, server: subprocess.Popen, timeout: float) -> bool:
    """Poll the page until it answers (False if the server died or the time ran out)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:  # noqa: S310 (local URL)
                if reply.status == 200:
                    return True
        except OSError:
            time.sleep(0.2)
    return False


def _warm_up(name: str) -> None:
    """Build the opening scenario here while the server starts: kernels compile into the cache.

    On a machine where vsim has never run, numba compiles its kernels (about 20 s) and the
    page would sit blank; this says so. Later the build takes about a second, while the server
    is still starting, and the page's own build loads the kernels from the cache.
    """
    # deferred: the model and numba, needed only once the command line has been checked
    from vsim.teaching.twins import TwinRun

    note = threading.Timer(3.0, lambda: err.print(
        "compiling vsim's kernels: the first run on this machine takes about 20 s; later "
        "runs load them in a second", soft_wrap=True))
    note.start()
    try:
        TwinRun(name)
    finally:
        note.cancel()


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def ui(
    scenario: Annotated[Optional[str], typer.Argument(help=(
        "Scenario to open: a TOML file or a shipped name (teaching/threshold, quick, "
        "case_studies/sussex, ...). Default: the first lesson."))] = None,
    host: Annotated[str, typer.Option(help=(
        "Address to serve on. The default serves this machine only; 0.0.0.0 shares the page "
        "on the network (a classroom), with no password."))] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8765,
) -> None:
    """Serve the teaching page: watch violence spread and interventions interrupt it."""
    _check_ui_installed()
    name = scenario or "teaching/threshold"
    try:
        resolve_scenario(name)  # a bad file is refused here, with every problem named
    except ScenarioError as exc:
        fail(exc)
    if not 1 <= port <= 65535:
        fail(ScenarioError("--port", [f"--port {port}: must be between 1 and 65535"]))
    if not _port_free(host if host in LOOPBACK else "127.0.0.1", port):
        fail(ScenarioError("--port", [f"--port {port}: something is already serving there; "
                                      "give another port, e.g. --port 8766"]))
    if host not in LOOPBACK:
        err.print(f"[bold yellow]warning[/]: serving on {escape(host)}: anyone who can reach "
                  "this machine on the network can open the page and run the model (there is "
                  "no password). Use it on a classroom network you trust.", soft_wrap=True)
    # the page's server runs in this folder, so a scenario file's path stays as given
    env = {**os.environ, "VSIM_UI_SCENARIO": name,
           "PYTHONWARNINGS": "ignore::UserWarning"}  # Solara's notes to developers
    command = [sys.executable, "-m", "solara", "run", "vsim.teaching.page", "--host", host,
               "--port", str(port), "--production", "--no-open"]
    started = time.monotonic()
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    signal.signal(signal.SIGTERM, _interrupt)  # stopping vsim ui stops the page's server too
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    try:
        _warm_up(name)
        if not _wait_until_serving(url, server, timeout=120):
            server.terminate()
            err.print("[bold red]error[/]: the teaching page did not start (see above)")
            raise typer.Exit(1)
        out.print(f"vsim teaching page ready in {time.monotonic() - started:.1f} s: open "
                  f"{url} in your browser (Ctrl-C stops it)", highlight=False, soft_wrap=True)
        sys.stdout.flush()  # a pipe (a script, a test) sees the line now, not at exit
        server.wait()
    except KeyboardInterrupt:
        server.terminate()
        server.wait()
        out.print("teaching page stopped")
