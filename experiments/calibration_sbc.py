"""Simulation-based calibration (Talts et al. 2018) of vsim's ABC-SMC on the test town.

Repeats ``--repeats`` times: draw a truth from the prior, simulate police counts from it
(model run and observation model), fit them with ``vsim calibrate``'s machinery, and rank the
truth among ``--draws`` draws of the weighted posterior. If the inference is right the ranks
are uniform on 0..L: a U shape means posteriors too narrow, a hump too wide, a slope bias.
Also reports how often the 50% and 90% central intervals cover the truth.

The fit is the observation model's background rate and weapons background on the test town
(tests/calibration_town, 20 LSOAs) with the level, weapons ratio and dispersion as targets:
one cached model run, so a fit takes seconds. Run from the repository root:

    python experiments/calibration_sbc.py [--repeats 100] [--draws 19]

Writes experiments/results/calibration_sbc.json, .md and .png.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PRIORS = {"observation.background_rate": (0.5, 6.0),
          "observation.weapons_background_rate": (0.0, 0.5)}
TARGETS = ("level", "weapons_ratio", "dispersion")


def calibration_text(base: str) -> str:
    """The test town's calibration with the observation parameters alone."""
    head = base[: base.index("[[parameters]]")]
    params = "".join(f'[[parameters]]\npath = "{p}"\nlow = {lo}\nhigh = {hi}\n\n'
                     for p, (lo, hi) in PRIORS.items())
    targets = "".join(f'[[targets]]\nname = "{t}"\n\n' for t in TARGETS)
    return (head + params + targets
            + "[method]\npopulation_size = 80\ngenerations = 5\npredictive_draws = 0\n")


def main() -> None:
    """Run the repeats and write the rank histograms."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=100)
    parser.add_argument("--draws", type=int, default=19, help="posterior draws per fit (L)")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO / "tests"))
    from vsim.calibration import calibrate, load_calibration
    from vsim.calibration.fit import counts_frame, posterior, synthetic_problem

    rng = np.random.default_rng(20181)
    ranks = {p: [] for p in PRIORS}
    cover = {p: {"50%": 0, "90%": 0} for p in PRIORS}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.repeats):
            folder = Path(tmp) / f"r{r}"
            shutil.copytree(REPO / "tests" / "calibration_town", folder)
            calib = folder / "town_cal.toml"
            calib.write_text(calibration_text(calib.read_text()))
            loaded = load_calibration(calib)
            truth = {p: float(rng.uniform(lo, hi)) for p, (lo, hi) in PRIORS.items()}
            counts = synthetic_problem(loaded).counts(
                {**truth, "observation.dispersion": 5.0}, seed=r)
            lsoas = [n.name for n in loaded.scenario.area.neighbourhoods]
            counts_frame(counts, lsoas, loaded.spec.data.months).to_csv(folder / "data.csv",
                                                                        index=False)
            calibrate(loaded, folder / "fit")
            post = posterior(folder / "fit")
            w = post["weight"].to_numpy()
            picks = rng.choice(len(post), size=args.draws, p=w)
            for p in PRIORS:
                x = post[p].to_numpy()
                ranks[p].append(int(np.sum(x[picks] < truth[p])))
                order = np.argsort(x)
                cum = np.cumsum(w[order])
                for name, (lo, hi) in {"50%": (0.25, 0.75), "90%": (0.05, 0.95)}.items():
                    a = x[order][np.searchsorted(cum, lo)]
                    b = x[order][min(np.searchsorted(cum, hi), len(x) - 1)]
                    cover[p][name] += int(a <= truth[p] <= b)
            print(f"repeat {r + 1}/{args.repeats}: {time.perf_counter() - started:.0f} s",
                  flush=True)
    write(ranks, cover, args, time.perf_counter() - started)


def write(ranks: dict, cover: dict, args, seconds: float) -> None:
    """The JSON, the Markdown table and the rank histograms."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from scipy import stats

    L, n = args.draws, args.repeats
    result = {"repeats": n, "draws": L, "seconds": round(seconds, 1), "parameters": {}}
    lines = ["# Simulation-based calibration of ABC-SMC (test town, observation parameters)",
             "", f"{n} fits, truths drawn from the prior, ranks among {L} posterior draws "
             f"({seconds / 60:.1f} min). Uniform ranks: χ² test over {L + 1} bins.", "",
             "| parameter | 50% interval covers | 90% interval covers | χ² p (uniform ranks) |",
             "|---|---:|---:|---:|"]
    fig = Figure(figsize=(9, 3.4), layout="constrained")
    axes = fig.subplots(1, len(ranks))
    for ax, (p, values) in zip(axes, ranks.items(), strict=True):
        counts = np.bincount(values, minlength=L + 1)
        p_value = float(stats.chisquare(counts).pvalue)
        result["parameters"][p] = {"ranks": values, "cover_50": cover[p]["50%"] / n,
                                   "cover_90": cover[p]["90%"] / n, "chi2_p": p_value}
        lines.append(f"| {p} | {cover[p]['50%'] / n:.0%} | {cover[p]['90%'] / n:.0%} | "
                     f"{p_value:.2f} |")
        ax.bar(np.arange(L + 1), counts, color="#3b6ea5")
        ax.axhline(n / (L + 1), color="#b22222", lw=1)
        lo, hi = stats.binom.ppf([0.005, 0.995], n, 1 / (L + 1))
        ax.axhspan(lo, hi, color="#b22222", alpha=0.1)
        ax.set_title(p, fontsize=9)
        ax.set_xlabel("rank of the truth")
    fig.suptitle("SBC rank histograms (red: uniform, band: 99% range of a bin)")
    (HERE / "results").mkdir(exist_ok=True)
    fig.savefig(HERE / "results" / "calibration_sbc.png", dpi=110)
    (HERE / "results" / "calibration_sbc.json").write_text(json.dumps(result, indent=1) + "\n")
    (HERE / "results" / "calibration_sbc.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
