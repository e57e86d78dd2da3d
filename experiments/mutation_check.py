"""How many plausible bugs does the test suite catch? Hand-made mutations, one at a time.

Each mutation is a small edit a tired modeller could make (a dropped condition, a flipped
sign, an index off by one, a constant changed in a function and its twin alike). For each, the
package is copied, the edit applied to the copy, and the suite run against the copy
(``PYTHONPATH``; the compiled-kernel cache is keyed by the sources, so the copy recompiles),
stopping at the first failure. A mutation is *caught* if a test fails. The golden digests
(tests/test_golden.py) fail on any change of output, so they would catch nearly everything and
say nothing about whether the model is right: the suite runs without them first, and the
digests are run only on the mutations the rest of the suite missed.

    python experiments/mutation_check.py              # every mutation, ~1 h on 2 cores
    python experiments/mutation_check.py --only 3 --only 7

Writes experiments/results/mutation_check.json and .md (atomically).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from vsim.results import write_atomic

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "experiments" / "results"

# (file under src/vsim, text to replace (exactly once), replacement, what the bug is)
MUTATIONS = [
    ("processes/offending.py", "if alive[i] == 0 or custody_until[i] > t:\n            continue\n"
     "        # The hazard", "if alive[i] == 0:\n            continue\n        # The hazard",
     "people in custody offend"),
    ("processes/offending.py", "rr *= rr_weapon", "rr /= rr_weapon",
     "the sign of the weapon-carrying effect flipped"),
    ("processes/offending.py", "h = (h0 * age_curve[age_index(age_days[i])]",
     "h = (h0 * age_curve[min(age_index(age_days[i]) + 1, 14)]",
     "the age curve read one year off"),
    ("processes/offending.py", "rr *= rr_exploited", "rr *= 1.0",
     "exploitation no longer raises the hazard"),
    ("processes/offending.py", "near_repeat = 1.0 + coef_heat * intensity", "near_repeat = 1.0",
     "no near-repeat effect of place heat"),
    ("processes/offending.py", "if alive[j] == 1 and custody_until[j] <= t:\n                "
     "victim = j", "if alive[j] == 1:\n                victim = j",
     "a friend in custody can be the victim"),
    ("processes/offending.py", "heat[at_place[r]] += 1.0", "heat[at_place[r]] += 0.5",
     "an incident adds half an incident of heat"),
    ("processes/offending.py", "out.exposure_share[count] = excited / (1.0 + excited)",
     "out.exposure_share[count] = excited", "the attributable share is the excess, not a share"),
    ("processes/involvement.py", "level[i] = at_risk_flag[i]", "level[i] = 0",
     "desisters return to no risk rather than their at-risk level"),
    ("processes/involvement.py", "elif custody_until[i] <= t:", "else:",
     "people in custody enter involvement"),
    ("processes/involvement.py", "t - last_offence[i] <= entrench_window",
     "t - last_offence[i] <= entrench_window + 4", "the entrenchment window is 4 steps too long"),
    ("processes/contagion.py", "if alive[j] == 0 or level[j] < INVOLVED or custody_until[j] > t:",
     "if alive[j] == 0 or level[j] < INVOLVED:", "friends in custody still expose their peers"),
    ("processes/contagion.py", "peer[partner[j, slot]] += weights[kind[j, slot]]",
     "peer[partner[j, slot]] += weights[0]", "every tie weighs as a school tie"),
    ("processes/weapon_carrying.py", "if alive[i] == 0 or custody_until[i] > t:",
     "if alive[i] == 0:", "people start or stop carrying while in custody"),
    ("processes/weapon_carrying.py", "rate *= rel_exploited", "rate *= 1.0",
     "exploitation no longer raises weapon carrying"),
    ("processes/victimisation.py", "victimisation[i] *= decay", "victimisation[i] *= decay * decay",
     "victimisation decays twice as fast"),
    ("processes/exploitation.py", "leave = alive[i] == 0 or active[line] == 0",
     "leave = alive[i] == 0", "a closed line keeps its exploited young people"),
    ("processes/exploitation.py", "h *= np.exp(coef_peer * exploited_peers[i])",
     "h *= np.exp(-coef_peer * exploited_peers[i])", "exploited friends protect, not draw in"),
    ("processes/exploitation.py", "if age_days[i] < youngest or age_days[i] >= too_old:",
     "if age_days[i] >= too_old:", "lines recruit below the youngest age"),
    ("processes/justice.py", "        if record[i] < RECORD_MAX:\n            record[i] += 1\n"
     "        known_until[i] = max(known_until[i], t + rates.known_steps)",
     "        known_until[i] = max(known_until[i], t + rates.known_steps)",
     "identification leaves no police record"),
    ("processes/justice.py", "length = 1 + int(-np.log1p(-u) * rates.mean_custody_steps)",
     "length = int(-np.log1p(-u) * rates.mean_custody_steps)", "custody one step shorter"),
    ("processes/justice.py", "if weapon[i] == 0 or custody_until[i] > t:", "if weapon[i] == 0:",
     "stop and search finds weapons on people in custody"),
    ("processes/life_course.py", "remove_all_ties(partner, kind, degree, i)",
     "degree[i] = degree[i]", "leavers at 25 keep their friendships"),
    ("processes/life_course.py", "n_exploited[exploited_by[i]] -= 1",
     "n_exploited[exploited_by[i]] -= 0", "a line's count keeps leavers at 25"),
    ("processes/life_course.py", "(1.0 + sc.population.cohort_growth) ** years",
     "(1.0 + sc.population.cohort_growth) ** (years + 1)", "cohorts grow a year ahead"),
    ("networks.py", "if j > i and (c == TIE_SCHOOL or c == TIE_NEIGHBOURHOOD):", "if j > i:",
     "rewiring dissolves family and gang ties too"),
    ("recorder.py", "counts[7] += victim[r] >= 0", "counts[7] += victim[r] > 0",
     "victims in slot 0 are not counted"),
    ("recorder.py", "if known_until[i] > t:", "if known_until[i] >= t:",
     "known to police one step too long"),
    ("delivery/base.py", "return np.float32(max(0.0, 1.0 - (1.0 - rel) * f))",
     "return np.float32(max(0.0, 1.0 - (1.0 - rel) * f * f))",
     "drop-outs keep the square of the share of the effect they completed"),
    ("compare.py", "tasks = [(k, sc, s) for s in seeds for k, sc in enumerate(all_scenarios)]",
     "tasks = [(k, sc, s + k) for s in seeds for k, sc in enumerate(all_scenarios)]",
     "scenarios no longer share their baseline's seeds (common random numbers broken)"),
    ("networks.py", "accept = np.exp(-homophily_risk * d_risk - homophily_involvement * d_level)",
     "accept = np.exp(-homophily_risk * d_risk + homophily_involvement * d_level)",
     "friends chosen against involvement homophily"),
    ("networks.py", "degree[j] >= target[j] + slack or degree[j] >= cap:",
     "degree[j] >= cap:", "friends accepted beyond their target"),
    ("processes/exploitation.py", "take = np.arange(n) - first < room[line]",
     "take = np.arange(n) - first <= room[line]", "a line recruits one beyond its room"),
    ("processes/exploitation.py", "p.missing[recruits[u < r.p_missing]] = 1",
     "p.missing[recruits[u > r.p_missing]] = 1", "recruits go missing with 1 - p_missing"),
    ("risk.py", "extra = np.minimum(ACE_MAX - 4, np.floor(-np.log1p(-u) * ACE_EXTRA_SCALE))",
     "extra = np.minimum(ACE_MAX - 3, np.floor(-np.log1p(-u) * ACE_EXTRA_SCALE))",
     "ACE counts capped at 10, not 9"),
    ("delivery/enforcement.py", "candidates = np.nonzero(self.nbhd_mask[places.neighbourhood])[0]",
     "candidates = np.arange(places.kind.size)", "hotspot patrols ignore their neighbourhoods"),
    ("rng.py", "_GOLDEN = np.uint64(0x9E3779B97F4A7C15)", "_GOLDEN = np.uint64(0x9E3779B97F4A7C17)",
     "the generator's constant changed (in draw; the twin below too)"),
]
# The exact and fast tests, run first on their own, so that a caught mutation stops within a
# minute rather than after the slow statistics.
FIRST = ["tests/test_twins.py", "tests/test_kernels.py", "tests/test_recorder_twin.py",
         "tests/test_offending_invariants.py", "tests/test_invariants.py"]
# The generator's twin changes with it, as a careful but wrong edit would do.
TWIN_TOO = {"rng.py": ("* 0x9E3779B97F4A7C15 & MASK64", "* 0x9E3779B97F4A7C17 & MASK64")}


def mutate(root: Path, index: int | None) -> Path:
    """A copy of src/vsim under ``root`` with mutation ``index`` applied; returns its parent.

    ``index`` None: the copy unmutated (the baseline, which must pass).
    """
    package = root / "vsim"
    shutil.copytree(REPO / "src" / "vsim", package, ignore=shutil.ignore_patterns("__pycache__"))
    if index is None:
        return root
    path, old, new, _ = MUTATIONS[index]
    edits = [(old, new)] + ([TWIN_TOO[path]] if path in TWIN_TOO else [])
    target = package / path
    text = target.read_text()
    for before, after in edits:
        if text.count(before) != 1:
            raise SystemExit(f"mutation {index}: {before!r} occurs {text.count(before)} times "
                             f"in {path}; update the mutation to today's code")
        text = text.replace(before, after)
    target.write_text(text)
    return root


def suite(root: Path, args: list[str], timeout: float) -> tuple[bool, str, float]:
    """Run pytest against the copy: (a test failed, the first failure, seconds)."""
    started = time.perf_counter()
    env_cmd = ["env", f"PYTHONPATH={root}", sys.executable, "-m", "pytest", "-q", "-x",
               "-p", "no:cacheprovider", *args]
    try:
        out = subprocess.run(env_cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout,
                             check=False)
    except subprocess.TimeoutExpired:
        return False, "timed out", time.perf_counter() - started
    failed = re.findall(r"^(?:FAILED|ERROR) (\S+)", out.stdout, re.M)
    return out.returncode != 0, (failed[0] if failed else out.stdout[-300:]), (
        time.perf_counter() - started)


def check(index: int, jobs: int) -> dict:
    """Mutation ``index`` against the suite without the golden digests, then the digests."""
    path, _, _, what = MUTATIONS[index]
    with tempfile.TemporaryDirectory(prefix=f"vsim-mutant-{index}-") as tmp:
        root = mutate(Path(tmp), index)
        # the fast exact tests alone first: with -x and two workers, a failure stops only
        # when the other worker's test ends, which in the full suite may be minutes away
        caught, first, seconds = suite(root, ["-n", str(jobs), *FIRST], 900)
        if not caught:
            caught, first, more = suite(
                root, ["-n", str(jobs), "tests", "--ignore", "tests/test_golden.py"], 1800)
            seconds += more
        golden = None
        if not caught:
            golden, _, more = suite(root, ["tests/test_golden.py"], 900)
            seconds += more
    return {"index": index, "file": path, "bug": what, "caught": caught,
            "first_failure": first if caught else None, "caught_by_golden_only": golden,
            "seconds": round(seconds)}


def report(rows: list[dict]) -> str:
    """Markdown: the kill rate, then a line per mutation."""
    caught = sum(r["caught"] for r in rows)
    golden = sum(bool(r["caught_by_golden_only"]) for r in rows)
    lines = ["# Mutations against the test suite", "",
             f"Caught by the suite without the golden digests: **{caught} of {len(rows)}** "
             f"({caught / len(rows):.0%}); of the rest, the golden digests catch {golden}.", "",
             "| # | file | bug | caught by | seconds |", "|---|---|---|---|---|"]
    for r in rows:
        by = r["first_failure"] if r["caught"] else (
            "golden digests only" if r["caught_by_golden_only"] else "**missed**")
        lines.append(f"| {r['index']} | {r['file']} | {r['bug']} | {by} | {r['seconds']} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    """Run the chosen mutations (default all) and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", type=int, action="append", help="mutation index (repeatable)")
    parser.add_argument("--jobs", type=int, default=2, help="pytest-xdist workers")
    args = parser.parse_args()
    # An unmutated copy must pass the fast tests, or every mutant would count as caught.
    with tempfile.TemporaryDirectory(prefix="vsim-baseline-") as tmp:
        failed, first, _ = suite(mutate(Path(tmp), None), ["-n", str(args.jobs), *FIRST], 900)
    if failed:
        raise SystemExit(f"the unmutated package fails {first}: fix the suite first")
    RESULTS.mkdir(exist_ok=True)
    saved = RESULTS / "mutation_check.json"
    for index in args.only or range(len(MUTATIONS)):
        r = check(index, args.jobs)
        print(f"{index:>2} {r['bug']:<70} {'caught' if r['caught'] else 'MISSED'} "
              f"({r['first_failure'] or r['caught_by_golden_only']}) {r['seconds']} s", flush=True)
        # saved after each mutation, keeping those not re-run, so an interrupted check resumes
        rows = json.loads(saved.read_text()) if saved.exists() else []
        rows = sorted([old for old in rows if old["index"] != index] + [r],
                      key=lambda row: row["index"])
        write_atomic(saved, (json.dumps(rows, indent=1) + "\n").encode())
        write_atomic(RESULTS / "mutation_check.md", report(rows).encode())
    print(report(json.loads(saved.read_text())))


if __name__ == "__main__":
    main()
