"""Compiled kernels, and an on-disk cache that can never serve code that no longer exists.

Every numba function in vsim is declared with :func:`kernel`. Like ``njit(cache=True)`` it
keeps compiled code on disk between runs, but keyed differently. numba keys a cached kernel by
its own file only, yet a kernel carries compiled copies of everything it calls (``draw`` from
rng.py is inlined into every process kernel) and of the module constants it reads (the levels
of vocabulary.py). Edit ``draw`` and numba would keep serving kernels built from the old one.

Here the key is a fingerprint of every source file a kernel can reach: all modules in the
layers up to and including the model's (vsim.layers; kernels cannot import from the layers
above, tests/test_habits.py checks that). Any edit there gives a new fingerprint, a new cache
folder (``__pycache__/vsim-<fingerprint>``) and a fresh compile; the folders of other
fingerprints (and numba's own cache files) are removed when a new one is made. An installed,
unedited vsim compiles once.

The cost of being safe: editing e.g. model.py recompiles every kernel (about 14 s) on the
next run, which an edit to a module above the model layer (cli, report, sweep) never does.

numba has no public hook for this, so :func:`kernel` swaps the dispatcher's cache object for a
subclass using numba's own cache locators (``numba.core.caching``; checked against numba
0.59–0.68). ``tests/test_compiled.py`` fails if a numba release changes that ground.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import shutil
import types
from pathlib import Path
from typing import Any

from numba import config as numba_config
from numba import njit, set_num_threads
from numba.core import event as numba_event
from numba.core.caching import (
    CompileResultCacheImpl,
    FunctionCache,
    InTreeCacheLocator,
    UserProvidedCacheLocator,
    UserWideCacheLocator,
)

from vsim.layers import LAYERS, layer_of

PACKAGE_DIR = Path(__file__).resolve().parent
_MODEL_LAYER = [name for name, _ in LAYERS].index("model")
_PREFIX = "vsim-"


def _module_name(path: Path) -> str:
    parts = ("vsim",) + path.relative_to(PACKAGE_DIR).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _reachable(path: Path) -> bool:
    """True if kernels may import the module at ``path`` (unlayered modules count, to be safe)."""
    try:
        return layer_of(_module_name(path)) <= _MODEL_LAYER
    except ValueError:
        return True


@functools.lru_cache(maxsize=1)
def source_fingerprint() -> str:
    """sha256 over the path and bytes of every source file a kernel can reach."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        if _reachable(path):
            digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:20]


class _Fingerprinted:
    """Locator mixin: the cache folder and the freshness stamp are the source fingerprint."""

    def get_source_stamp(self):
        return source_fingerprint()

    def get_cache_path(self):
        return os.path.join(super().get_cache_path(), _PREFIX + source_fingerprint())

    def ensure_cache_path(self):
        folder = Path(self.get_cache_path())
        fresh = not folder.exists()
        super().ensure_cache_path()
        if fresh:  # a new fingerprint: the others' kernels can never be used again
            for old in folder.parent.glob(_PREFIX + "*"):
                if old != folder:
                    shutil.rmtree(old, ignore_errors=True)
            for legacy in folder.parent.glob("*.nb[ic]"):  # njit(cache=True)'s, before this
                legacy.unlink(missing_ok=True)


class _ProvidedLocator(_Fingerprinted, UserProvidedCacheLocator):
    """Under ``NUMBA_CACHE_DIR`` when the user set one."""


class _InTreeLocator(_Fingerprinted, InTreeCacheLocator):
    """Beside the source, in ``__pycache__``, when it is writable."""


class _UserWideLocator(_Fingerprinted, UserWideCacheLocator):
    """In the user's cache folder when the installed package is read-only."""


class _KernelCacheImpl(CompileResultCacheImpl):
    _locator_classes = [_ProvidedLocator, _InTreeLocator, _UserWideLocator]


class KernelCache(FunctionCache):
    """numba's function cache, located and stamped by the source fingerprint.

    A failed read or write of the cache never stops a run: the kernel is then compiled, or
    kept in memory only. (It happens when a vsim of other sources, e.g. while they are being
    edited, removes this fingerprint's folder as stale between numba's check and its write.)
    """

    _impl_class = _KernelCacheImpl

    def load_overload(self, sig, target_context):
        """The cached kernel for ``sig``, or None (compile it) if the cache cannot be read."""
        try:
            return super().load_overload(sig, target_context)
        except OSError:
            return None

    def save_overload(self, sig, data):
        """Keep the compiled kernel on disk if the folder lets us."""
        try:
            super().save_overload(sig, data)
        except OSError:
            pass


def _cached(py_func, **options):
    dispatcher = njit(**options)(py_func)
    if hasattr(dispatcher, "py_func"):  # not under NUMBA_DISABLE_JIT, which returns py_func
        dispatcher._cache = KernelCache(dispatcher.py_func)  # as njit(cache=True) does
    return dispatcher


def kernel(func=None, *, inline: bool = False):
    """``njit`` with the fingerprinted disk cache; ``inline=True`` inlines it into callers.

    Use as ``@kernel`` or ``@kernel(inline=True)``; see :func:`threaded_kernel` for kernels
    with ``numba.prange`` loops.
    """

    def compile_lazily(py_func):
        return _cached(py_func, inline="always" if inline else "never")

    return compile_lazily if func is None else compile_lazily(func)


class ThreadedKernel:
    """A kernel with ``numba.prange`` loops, compiled serially and for numba's threads.

    Calling it runs the serial version (prange is range); :meth:`on` picks by thread count.

    One thread never starts numba's threading layer, so a plain run stays safe to fork (GNU
    OpenMP is not) and to call from several Python threads (numba's workqueue is not).
    """

    def __init__(self, py_func):
        functools.update_wrapper(self, py_func)
        self.serial = _cached(py_func, inline="never")
        # A twin function object, so that its cache files (named by qualname) are its own.
        twin = types.FunctionType(py_func.__code__, py_func.__globals__, py_func.__name__,
                                  py_func.__defaults__, py_func.__closure__)
        twin.__qualname__ = py_func.__qualname__ + "__threaded"
        twin.__module__ = py_func.__module__
        self.threaded = _cached(twin, inline="never", parallel=True)

    def __call__(self, *args):
        """Run the serial version."""
        return self.serial(*args)

    def on(self, threads: int):
        """The version for ``threads`` threads (the same results on any number)."""
        return self.threaded if threads > 1 else self.serial


def thread_problem(threads: Any) -> str | None:
    """Why ``threads`` cannot be a run's number of numba threads, or None if it can.

    From 1 to ``NUMBA_NUM_THREADS`` (numba's maximum, the machine's cores unless set).
    """
    most = numba_config.NUMBA_NUM_THREADS
    if isinstance(threads, bool) or not isinstance(threads, int) or not 1 <= threads <= most:
        return (f"threads = {threads!r}: a whole number from 1 to {most} is allowed (numba's "
                f"threads on this machine; NUMBA_NUM_THREADS sets the most)")
    return None


def use_threads(threads: int) -> None:
    """Run the threaded kernels called from this thread on ``threads`` of numba's threads."""
    if threads > 1:
        set_num_threads(threads)


# Declare a kernel whose ``prange`` loops may run on numba's threads: ``@threaded_kernel``.
# Every iteration of such a loop must write only its own outputs (no sums across iterations),
# so that one thread and many give the same results bit for bit.
threaded_kernel = ThreadedKernel


class _FirstCompile(numba_event.Listener):
    """Calls ``notice()`` once, when numba starts compiling (not when it loads the cache)."""

    def __init__(self, notice):
        self.notice = notice

    def on_start(self, event):
        if self.notice is not None:
            notice, self.notice = self.notice, None
            notice()

    def on_end(self, event):
        pass


@contextlib.contextmanager
def compiling_notice(notice):
    """Within the block, call ``notice()`` if numba has to compile a kernel (first run only).

    A machine's first run compiles every kernel (about 20 s) before the first step; later runs
    load them from the cache and this never fires. The command line uses it to say so.
    """
    listener = _FirstCompile(notice)
    numba_event.register("numba:compile", listener)
    try:
        yield
    finally:
        numba_event.unregister("numba:compile", listener)
