"""The counter-based generator through PractRand and dieharder, on the sequences kernels consume.

A kernel draws ``draw(key, step, pid, k)``: over person ids at a fixed step (every process,
every week), over steps at a fixed person (one person's life), and over sub-draws k (the
victim's choice, the gaps of tie dissolution). Each sequence is fed as raw 32-bit words to a
battery. A draw is 53 bits (``x >> 11`` of the 64-bit mix); the words are its top 32 bits (what
every ``u < p`` with p ≥ 2^-32 decides on) and, in a separate run over person ids, its low 32
bits (what decides the rarest events).

Batteries:

* PractRand (Doty-Humphrey, PractRand 0.95: ``RNG_test stdin32``, its core tests with standard
  folding, doubling the length read from 2^28 bytes up to ``--tlmax``; a result is *unusual*,
  *suspicious* or a *FAIL* by its p-value). Not packaged by Debian or PyPI: build it from
  https://pracrand.sourceforge.net (or a mirror of it; ``make tools/RNG_test`` in the planet36
  fork) and pass ``--practrand path/to/RNG_test``.
* dieharder (Brown, Eddelbuettel & Bauer, v3.31.1, Debian's ``dieharder``: Marsaglia's Diehard,
  NIST STS and Brown's own tests; ``dieharder -a -Y 1`` re-tests a WEAK result until it passes
  or fails). Its full battery reads hundreds of gigabytes through a pipe at a few MB/s here:
  hours per sequence.

TestU01 is neither packaged nor on PyPI.

    python experiments/generator_battery.py run --practrand /path/RNG_test    # 2^35 bytes each
    python experiments/generator_battery.py run --battery dieharder --only pids-high
    python experiments/generator_battery.py emit pids-high | RNG_test stdin32   # by hand

Writes experiments/results/generator_battery.json and .md (atomically) after each sequence;
a sequence run again replaces its earlier result for that battery.
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


def _battery_command(battery: str, practrand: str, tlmax: str) -> list[str]:
    if battery == "dieharder":
        return ["dieharder", "-a", "-g", "200", "-Y", "1"]
    return [practrand, "stdin32", "-tlmax", tlmax]


def run_one(sequence: str, battery: str, practrand: str, tlmax: str) -> dict:
    """One battery on one sequence: its rows (or PractRand's blocks), counts, seconds."""
    started = time.perf_counter()
    emitter = subprocess.Popen([sys.executable, __file__, "emit", sequence],
                               stdout=subprocess.PIPE)
    out = subprocess.run(_battery_command(battery, practrand, tlmax), stdin=emitter.stdout,
                         capture_output=True, text=True, check=False)
    emitter.stdout.close()
    emitter.kill()
    result = {"battery": battery, "sequence": sequence, "what_varies": SEQUENCES[sequence][0],
              "bits": SEQUENCES[sequence][1], "seconds": round(time.perf_counter() - started),
              "returncode": out.returncode}
    if battery == "dieharder":
        rows = parse(out.stdout)
        result["rows"] = rows
        result["counts"] = {a: sum(r["assessment"] == a for r in rows)
                            for a in ("PASSED", "WEAK", "FAILED")}
    else:
        result.update(parse_practrand(out.stdout))
    return result


BLOCK = re.compile(r"^length= (.+?) \(2\^(\d+) bytes\), time= ([0-9.]+) seconds", re.M)
# a result line: test name, "R=+12.3" or "R>+99999", "p = 1.2e-5" or "p =1-4.1e-114", verdict
ANOMALY = re.compile(r"^\s+(\S+)\s+(R[=>]\s*[-+0-9.]+)\s+p\s*=\s*(\S+)\s+(.+?)\s*$")


def parse_practrand(text: str) -> dict:
    """Each length read (2^n bytes): tests run and anomalies (test, R, p, evaluation)."""
    blocks = []
    parts = BLOCK.split(text)
    # split gives [before, length, n, seconds, body, length, n, seconds, body, ...]
    for k in range(1, len(parts) - 3, 4):
        body = parts[k + 3]
        tests = sum(int(m) for m in re.findall(r"(\d+) test result\(s\)", body))
        anomalies = [{"test": m[1], "R": m[2].replace(" ", ""), "p": m[3], "evaluation": m[4]}
                     for line in body.splitlines() if (m := ANOMALY.match(line))]
        tests += len(anomalies)
        blocks.append({"log2_bytes": int(parts[k + 1]), "seconds": float(parts[k + 2]),
                       "tests": tests, "anomalies": anomalies})
    failed = any("FAIL" in a["evaluation"] for b in blocks for a in b["anomalies"])
    return {"blocks": blocks, "log2_bytes": blocks[-1]["log2_bytes"] if blocks else None,
            "failed": failed}


def report(results: list[dict]) -> str:
    """A Markdown summary: one line per battery and sequence, then anything not passed."""
    lines = ["# The generator through PractRand and dieharder", "",
             "| battery | sequence | what varies | bits | read | tests | anomalies | result | "
             "minutes |", "|---|---|---|---|---|---:|---:|---|---:|"]
    odd = []
    for r in results:
        sequence = f"{r['sequence']}, {r['note']}" if r.get("note") else r["sequence"]
        if r["battery"] == "practrand":
            anomalies = [(b["log2_bytes"], a) for b in r["blocks"] for a in b["anomalies"]]
            tests = sum(b["tests"] for b in r["blocks"])
            verdict = "FAIL" if r["failed"] else "passed"
            read = f"2^{r['log2_bytes']} bytes"
            odd += [f"- practrand, {sequence}, at 2^{n} bytes: {a['test']} {a['R']}, "
                    f"p = {a['p']}, {a['evaluation']}" for n, a in anomalies]
        else:
            c = r["counts"]
            anomalies, tests = [None] * (c["WEAK"] + c["FAILED"]), len(r["rows"])
            verdict = "FAILED" if c["FAILED"] else "passed"
            read = "-a -Y 1"
            odd += [f"- dieharder, {r['sequence']}: {row['test']} (ntup {row['ntup']}), "
                    f"p = {row['p_value']:.6f}, {row['assessment']}"
                    for row in r["rows"] if row["assessment"] != "PASSED"]
        lines.append(f"| {r['battery']} | {sequence} | {r['what_varies']} | {r['bits']} 32 | "
                     f"{read} | {tests} | {len(anomalies)} | {verdict} | "
                     f"{r['seconds'] / 60:.0f} |")
    lines += ["", "Anomalies (PractRand: unusual, suspicious or FAIL; dieharder: not PASSED):"
              if odd else "No anomalies.", *odd]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Emit a sequence, or run a battery on the sequences, saving after each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("emit").add_argument("sequence", choices=SEQUENCES)
    run = sub.add_parser("run")
    run.add_argument("--only", choices=SEQUENCES, action="append")
    run.add_argument("--battery", choices=("practrand", "dieharder"), default="practrand")
    run.add_argument("--practrand", default="RNG_test", help="PractRand's RNG_test program")
    run.add_argument("--tlmax", default="32GB", help="PractRand: the most to read")
    args = parser.parse_args()
    if args.command == "emit":
        emit(args.sequence)
        return
    program = "dieharder" if args.battery == "dieharder" else args.practrand
    if shutil.which(program) is None:
        sys.exit(f"{program} not found: see this script's docstring for how to get it")
    RESULTS.mkdir(exist_ok=True)
    saved = RESULTS / "generator_battery.json"
    for sequence in args.only or list(SEQUENCES):
        r = run_one(sequence, args.battery, args.practrand, args.tlmax)
        print(f"{args.battery} {sequence}: {r.get('counts') or r.get('log2_bytes')} "
              f"{'failed' if r.get('failed') else ''} in {r['seconds']} s", flush=True)
        results = json.loads(saved.read_text()) if saved.exists() else []
        # a result with a note (an earlier generator, say) is kept beside the new one
        results = [old for old in results if old.get("note")
                   or (old["battery"], old["sequence"]) != (args.battery, sequence)] + [r]
        results.sort(key=lambda x: (x["battery"], list(SEQUENCES).index(x["sequence"])))
        write_atomic(saved, (json.dumps(results, indent=1) + "\n").encode())
        write_atomic(RESULTS / "generator_battery.md", report(results).encode())
    print(report(json.loads(saved.read_text())))


if __name__ == "__main__":
    main()
