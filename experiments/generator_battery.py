"""The counter-based generator through the dieharder battery, on the sequences kernels consume.

A kernel draws ``draw(key, step, pid, k)``: over person ids at a fixed step (every process,
every week), over steps at a fixed person (one person's life), and over sub-draws k (the
victim's choice, the gaps of tie dissolution). Each sequence is fed to dieharder's full
battery (``dieharder -a``, with ``-Y 1``: a WEAK result is re-tested with more samples until it
passes or fails) as raw 32-bit words. A draw is 53 bits (``x >> 11`` of the 64-bit mix); the
words are its top 32 bits (what every ``u < p`` with p ≥ 2^-32 decides on) and, in a separate
run over person ids, its low 32 bits (what decides the rarest events).

TestU01 and PractRand are neither Debian packages nor on PyPI; dieharder is (Brown, Eddelbuettel
& Bauer, "Dieharder: a random number test suite", v3.31.1, which includes Marsaglia's Diehard
tests, NIST STS tests and Brown's own).

    apt-get install dieharder
    python experiments/generator_battery.py run            # all sequences, ~1-2 h on 2 cores
    python experiments/generator_battery.py run --only pids-high
    python experiments/generator_battery.py emit pids-high | dieharder -g 200 -d 0   # by hand

Writes experiments/results/generator_battery.json and .md (atomically).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from numba import njit

from vsim.results import write_atomic
from vsim.rng import draw, stream_key

RESULTS = Path(__file__).resolve().parent / "results"
CHUNK = 1 << 22  # draws per write
# sequence name: (what varies, which 32 bits of the 53-bit draw)
SEQUENCES = {
    "pids-high": ("person id at step 500", "high"),
    "steps-high": ("step for person 123,456", "high"),
    "subdraws-high": ("sub-draw k for person 77 at step 9", "high"),
    "pids-low": ("person id at step 500", "low"),
}


@njit(cache=False)
def _words(key, start, n, varying, high):
    """The sequence's words from position ``start``, ``n`` of them (varying: 0 pid, 1 step, 2 k)."""
    out = np.empty(n, np.uint32)
    for m in range(n):
        pos = start + m
        if varying == 0:
            u = draw(key, 500, pos, 0)
        elif varying == 1:
            u = draw(key, pos, 123_456, 0)
        else:
            u = draw(key, 9, 77, np.uint64(pos))
        bits = np.uint64(u * 9007199254740992.0)  # the 53 bits, exactly
        out[m] = np.uint32(bits >> np.uint64(21)) if high else np.uint32(
            bits & np.uint64(0xFFFFFFFF))
    return out


def emit(sequence: str) -> None:
    """Write the sequence's words to stdout until the reader stops."""
    varying = ["pid", "step", "sub-draw"].index(
        {"pids": "pid", "steps": "step", "subdraws": "sub-draw"}[sequence.split("-")[0]])
    high = SEQUENCES[sequence][1] == "high"
    key = stream_key(1, "offend")
    out = sys.stdout.buffer
    start = 0
    try:
        while True:
            out.write(_words(key, start, CHUNK, varying, high).tobytes())
            start += CHUNK
    except (BrokenPipeError, KeyboardInterrupt):
        os._exit(0)  # dieharder closed the pipe: it has all it needs


LINE = re.compile(r"^\s*(\S[^|]*?)\s*\|\s*(\d+)\|\s*(\d+)\|\s*(\d+)\|\s*([0-9.]+)\|\s*(\w+)")


def parse(text: str) -> list[dict]:
    """The result rows of dieharder's output: test, ntup, tsamples, psamples, p-value, verdict."""
    rows = []
    for line in text.splitlines():
        m = LINE.match(line)
        if m:
            rows.append({"test": m[1], "ntup": int(m[2]), "tsamples": int(m[3]),
                         "psamples": int(m[4]), "p_value": float(m[5]), "assessment": m[6]})
    return rows


def run_one(sequence: str) -> dict:
    """The full battery on one sequence: rows, counts by assessment, seconds, words used."""
    started = time.perf_counter()
    emitter = subprocess.Popen([sys.executable, __file__, "emit", sequence],
                               stdout=subprocess.PIPE)
    battery = subprocess.run(["dieharder", "-a", "-g", "200", "-Y", "1"], stdin=emitter.stdout,
                             capture_output=True, text=True, check=False)
    emitter.stdout.close()
    emitter.kill()
    rows = parse(battery.stdout)
    counts = {a: sum(r["assessment"] == a for r in rows) for a in ("PASSED", "WEAK", "FAILED")}
    return {"sequence": sequence, "what_varies": SEQUENCES[sequence][0],
            "bits": SEQUENCES[sequence][1], "seconds": round(time.perf_counter() - started),
            "counts": counts, "rows": rows, "dieharder_rc": battery.returncode}


def report(results: list[dict]) -> str:
    """A Markdown summary: one line per sequence, then any test not PASSED."""
    lines = ["# The generator through dieharder", "",
             "| sequence | what varies | bits | tests | passed | weak | failed | minutes |",
             "|---|---|---|---|---|---|---|---|"]
    for r in results:
        c = r["counts"]
        lines.append(f"| {r['sequence']} | {r['what_varies']} | {r['bits']} 32 | "
                     f"{len(r['rows'])} | {c['PASSED']} | {c['WEAK']} | {c['FAILED']} | "
                     f"{r['seconds'] / 60:.0f} |")
    odd = [(r["sequence"], row) for r in results for row in r["rows"]
           if row["assessment"] != "PASSED"]
    lines += ["", "Not PASSED after `-Y 1` re-testing:" if odd else "Every test PASSED."]
    lines += [f"- {s}: {row['test']} (ntup {row['ntup']}), p = {row['p_value']:.6f}, "
              f"{row['assessment']}" for s, row in odd]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Emit a sequence, or run the battery on the sequences and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("emit").add_argument("sequence", choices=SEQUENCES)
    run = sub.add_parser("run")
    run.add_argument("--only", choices=SEQUENCES, action="append")
    args = parser.parse_args()
    if args.command == "emit":
        emit(args.sequence)
        return
    if shutil.which("dieharder") is None:
        sys.exit("dieharder is not installed: apt-get install dieharder")
    results = []
    for sequence in args.only or list(SEQUENCES):
        results.append(run_one(sequence))
        print(f"{sequence}: {results[-1]['counts']} in {results[-1]['seconds']} s", flush=True)
    RESULTS.mkdir(exist_ok=True)
    saved = RESULTS / "generator_battery.json"
    if saved.exists():  # keep the sequences not re-run this time
        ran = {r["sequence"] for r in results}
        results = [r for r in json.loads(saved.read_text()) if r["sequence"] not in ran] + results
        results.sort(key=lambda r: list(SEQUENCES).index(r["sequence"]))
    write_atomic(saved, (json.dumps(results, indent=1) + "\n").encode())
    write_atomic(RESULTS / "generator_battery.md", report(results).encode())
    print(report(results))


if __name__ == "__main__":
    main()
