"""Compiled kernels on disk never outlive the code they were built from (vsim.compiled).

The end-to-end check edits the generator's constant in a copy of the package — rng.py, a
helper numba inlines into kernels of other files — and asks a cached kernel of networks.py
for its answer: it must be the edited code's answer, computed again by plain Python.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from numba.core.dispatcher import Dispatcher

import vsim
from vsim.compiled import (
    PACKAGE_DIR,
    KernelCache,
    ThreadedKernel,
    _module_name,
    _reachable,
    source_fingerprint,
)

SRC = Path(vsim.__file__).resolve().parent

# Dissolve friendships at random: which ones go depends on every draw the kernel makes.
PROBE = textwrap.dedent("""
    import json, sys
    import numpy as np
    from vsim.networks import dissolve_ties
    from vsim.state import Ties
    rng = np.random.default_rng(1)
    n, width = 300, 6
    ties = Ties.empty(n, width)
    for i in range(n):
        for j in rng.choice(n, 3, replace=False):
            if j != i and ties.degree[i] < width and ties.degree[j] < width:
                k = ties.degree[i]; ties.partner[i, k] = j; ties.degree[i] += 1
                k = ties.degree[j]; ties.partner[j, k] = i; ties.degree[j] += 1
    ties.kind[:] = 0b01010101  # every slot's 2-bit kind 1: neighbourhood ties, all dissolvable
    alive = np.ones(n, np.int8)
    pid = np.arange(n, dtype=np.int64)
    removed = dissolve_ties(ties, alive, pid, 0.3, np.uint64(12345), 7)
    stats = getattr(dissolve_ties, "stats", None)
    print(json.dumps({"removed": int(removed), "degree": ties.degree.tolist(),
                      "hits": sum(stats.cache_hits.values()) if stats else None}))
""")


def _probe(root: Path, *, jit: bool = True) -> dict:
    env = {**os.environ, "PYTHONPATH": str(root)}
    env.pop("NUMBA_CACHE_DIR", None)
    if not jit:
        env["NUMBA_DISABLE_JIT"] = "1"
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True,
                         check=False, timeout=600)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_an_edited_inlined_helper_reaches_the_cached_kernels_that_inline_it(tmp_path):
    shutil.copytree(SRC, tmp_path / "vsim", ignore=shutil.ignore_patterns("__pycache__"))
    first = _probe(tmp_path)
    assert first["hits"] == 0  # compiled and written
    again = _probe(tmp_path)
    assert again["hits"] > 0 and again["degree"] == first["degree"]  # the cache still works
    assert _probe(tmp_path, jit=False)["degree"] == first["degree"]

    rng_py = tmp_path / "vsim" / "rng.py"
    text = rng_py.read_text()
    assert "0x9E3779B97F4A7C15" in text
    rng_py.write_text(text.replace("0x9E3779B97F4A7C15", "0x9E3779B97F4A7C17", 1))

    edited = _probe(tmp_path)
    assert edited["hits"] == 0, "a kernel compiled from the old generator was served"
    assert edited["degree"] != first["degree"]
    assert edited == {**_probe(tmp_path, jit=False), "hits": 0}  # the edited code's answer
    stale = [p for p in (tmp_path / "vsim").rglob("__pycache__/vsim-*")
             if p.name != "vsim-" + _fingerprint_of(tmp_path / "vsim")]
    assert stale == []  # the old fingerprint's kernels are gone


def _fingerprint_of(package: Path) -> str:
    code = ("from vsim.compiled import source_fingerprint; print(source_fingerprint())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(package.parent)}, check=True)
    return out.stdout.strip()


@pytest.mark.parametrize("module, reachable", [
    ("rng.py", True), ("vocabulary.py", True), ("state.py", True), ("model.py", True),
    ("processes/offending.py", True), ("delivery/base.py", True), ("sections.py", True),
    ("cli.py", False), ("report.py", False), ("sweep.py", False), ("compare.py", False),
])
def test_the_fingerprint_covers_every_module_a_kernel_can_reach(module, reachable):
    assert _reachable(PACKAGE_DIR / module) is reachable


def test_every_numba_function_in_vsim_uses_the_fingerprinted_cache():
    import importlib

    dispatchers = []
    for path in sorted(SRC.rglob("*.py")):
        if not _reachable(path) or path.name == "__main__.py":
            continue
        name = _module_name(path)
        module = importlib.import_module(name)
        dispatchers += [(name, key, obj) for key, obj in vars(module).items()
                        if isinstance(obj, Dispatcher) and obj.__module__ == name]
        dispatchers += [(name, f"{key}.{version}", getattr(obj, version))
                        for key, obj in vars(module).items()
                        if isinstance(obj, ThreadedKernel) and obj.__module__ == name
                        for version in ("serial", "threaded")]
    assert len(dispatchers) >= 29  # every kernel vsim has today
    plain = [f"{m}.{n}" for m, n, d in dispatchers if not isinstance(d._cache, KernelCache)]
    assert plain == []
    assert all(f"vsim-{source_fingerprint()}" in d.stats.cache_path for _, _, d in dispatchers)
    for path in SRC.rglob("*.py"):
        if path.name != "compiled.py":
            assert "njit" not in path.read_text(), f"{path}: declare kernels with kernel()"


def test_a_cache_folder_removed_under_a_running_kernel_does_not_stop_the_run(monkeypatch):
    """Another vsim of other sources may prune this fingerprint's folder mid-run."""
    from numba.core.caching import Cache

    from vsim.compiled import kernel

    def vanished(*args, **kwargs):
        raise FileNotFoundError("the cache folder was removed")

    monkeypatch.setattr(Cache, "_save_overload", vanished)
    monkeypatch.setattr(Cache, "_load_overload", vanished)

    @kernel
    def triple(x):
        return 3 * x

    assert triple(14) == 42
