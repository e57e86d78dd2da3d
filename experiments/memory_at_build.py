"""Where a run's memory goes at the build: the state, the peak and where it is, what is kept.

For the core benchmark's scenario (``benchmark_core.bench_scenario``) at ``--n`` young people,
in a fresh process after a warm-up (kernels loaded), measures per young person:

  - the state: the people arrays and the tie table (``nbytes``), and the largest arrays;
  - resident memory (RSS) after the build and after ``--steps`` steps, over the warm-up's;
  - the peak RSS of the build and of the steps, sampled every 0.5 ms by a thread, and where
    the run was then;

once with the C allocator as it comes and once with ``MALLOC_MMAP_THRESHOLD_=131072``
(glibc's threshold fixed, so freed large arrays go back to the system): the difference is the
freed scratch the allocator keeps resident.

Run: ``python experiments/memory_at_build.py [--n 300000] [--steps 8]``.
Writes ``experiments/results/memory_at_build.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXED_THRESHOLD = {"MALLOC_MMAP_THRESHOLD_": "131072"}


def largest_arrays(model, n: int, top: int = 6) -> dict[str, float]:
    """Bytes per young person of the largest people and tie arrays."""
    sizes = {f"ties.{name}": a.nbytes for name, a in zip(model.ties._fields, model.ties)}
    sizes.update({f"people.{name}": a.nbytes  # the read-only modifiers view holds nothing
                  for name, a in zip(model.people._fields, model.people) if a.flags.writeable})
    ranked = sorted(sizes.items(), key=lambda kv: -kv[1])[:top]
    return {name: size / n for name, size in ranked}


class PeakSampler:
    """Resident memory sampled every 0.5 ms by a thread while in the ``with`` block.

    Keeps the highest RSS seen and where the main thread was then (its last three vsim frames).
    """

    def __init__(self, rss):
        self.rss, self.peak, self.where = rss, 0, []
        self._main = threading.main_thread().ident
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self):
        while not self._done.is_set():
            rss = self.rss()
            if rss > self.peak:
                frames = traceback.extract_stack(sys._current_frames()[self._main])
                self.peak = rss
                self.where = [f"{Path(f.filename).name}:{f.lineno} {f.name}"
                              for f in frames if "vsim" in f.filename][-3:]
            time.sleep(0.0005)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._done.set()
        self._thread.join()


def measure(n: int, steps: int) -> dict:
    """In this process: warm up, build and step with a sampling thread; bytes per young person."""
    import benchmark_core as bc

    from vsim.model import ViolenceModel

    bc.warm_up()
    base = bc.current_rss_bytes()
    scenario = bc.bench_scenario(n, start=bc.cohort_start(steps))
    with PeakSampler(bc.current_rss_bytes) as build:
        model = ViolenceModel(scenario)
    after_build = bc.current_rss_bytes()
    with PeakSampler(bc.current_rss_bytes) as stepping:
        for _ in range(steps):
            model.step()
    return {
        "n": n, "capacity": model.people.capacity, "steps": steps,
        "state": (model.people.nbytes() + model.ties.nbytes()) / n,
        "largest": largest_arrays(model, n),
        "build_peak": (build.peak - base) / n, "build_peak_at": build.where,
        "after_build": (after_build - base) / n,
        "steps_peak": (stepping.peak - base) / n, "steps_peak_at": stepping.where,
        "after_steps": (bc.current_rss_bytes() - base) / n,
    }


def in_fresh_process(n: int, steps: int, env: dict[str, str]) -> dict:
    """:func:`measure` in a child process with ``env`` added (the allocator reads it at start)."""
    out = subprocess.run(
        [sys.executable, __file__, "--n", str(n), "--steps", str(steps), "--child"],
        env={**os.environ, **env, "PYTHONPATH": str(HERE)}, check=True, capture_output=True,
        text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def report(runs: dict[str, dict]) -> str:
    """The results as a markdown page."""
    first = next(iter(runs.values()))
    lines = [
        "# Memory at the build", "",
        f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC; the core benchmark's scenario "
        f"at {first['n']:,} young people ({first['capacity']:,} slots), {first['steps']} steps "
        "after the build. Bytes per young person over a warmed-up process.", "",
        f"State (people arrays and tie table): {first['state']:.0f} B; the largest: "
        + ", ".join(f"{k} {v:.0f}" for k, v in first["largest"].items()) + ".", "",
        "| allocator | build peak (sampled) | where | after the build | peak in the steps "
        "| where | after the steps |",
        "|---|---:|---|---:|---:|---|---:|"]
    for label, r in runs.items():
        lines.append(f"| {label} | {r['build_peak']:.0f} | {' < '.join(r['build_peak_at'])} "
                     f"| {r['after_build']:.0f} | {r['steps_peak']:.0f} "
                     f"| {' < '.join(r['steps_peak_at'])} | {r['after_steps']:.0f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    """Measure in two fresh processes (the allocator as it comes, then fixed) and write."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300_000)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.n, args.steps)))
        return
    runs = {"glibc as it comes": in_fresh_process(args.n, args.steps, {}),
            "MALLOC_MMAP_THRESHOLD_=131072": in_fresh_process(args.n, args.steps,
                                                              FIXED_THRESHOLD)}
    results = HERE / "results"
    for name, text in (("memory_at_build.json", json.dumps(runs, indent=2) + "\n"),
                       ("memory_at_build.md", report(runs))):
        partial = results / (name + ".partial")  # written whole, then renamed (atomic)
        partial.write_text(text)
        partial.replace(results / name)
    print(report(runs))


if __name__ == "__main__":
    main()
