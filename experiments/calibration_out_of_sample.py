"""Out-of-sample check of the Calderdale fit: fitted to July 2016, does it predict July 2017?

Reads the posterior of ``calibration/calderdale_2016.toml`` (run ``vsim calibrate
calibration/calderdale_2016.toml --out calibration/results/calderdale_2016 --jobs 2`` first),
simulates July 2017 (the same burn-in, a window over July 2017) on ``--draws`` posterior draws,
and sets each target's predictive 90% range beside July 2017's data. The level is expected to
miss: police.uk's West Yorkshire counts rose 26% from 2016 to 2017, mostly from changes in how
crime was recorded (docs/data/policeuk_west_yorkshire/README.md), which nothing in the model
or its observation model represents; the shape targets (concentration, over-dispersion, zeros,
ratios, correlation with deprivation) are the real test.

Run: python experiments/calibration_out_of_sample.py [--draws 40]
Writes experiments/results/calibration_out_of_sample.json and .md.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def main() -> None:
    """Predict July 2017 from the July 2016 posterior and compare with the data."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=40)
    parser.add_argument("--fit", type=Path,
                        default=REPO / "calibration" / "results" / "calderdale_2016")
    args = parser.parse_args()
    from vsim.calibration import load_calibration
    from vsim.calibration.fit import posterior, problem_of
    from vsim.calibration.outputs import predictive, target_table

    fitted = load_calibration(REPO / "calibration" / "calderdale_2016.toml")
    post = posterior(args.fit, tuple(p.path for p in fitted.spec.parameters
                                     if p.distribution == "log_uniform"))
    text = (REPO / "calibration" / "calderdale_2016.toml").read_text()
    target = REPO / "calibration" / ".calderdale_2017_check.toml"
    target.write_text(text.replace('months = ["2016-07"]', 'months = ["2017-07"]'))
    try:
        problem, _ = problem_of(load_calibration(target))
    finally:
        target.unlink()
    rows = {}
    for label, prob in (("in sample, July 2016", problem_of(fitted)[0]),
                        ("out of sample, July 2017", problem)):
        checks = predictive(post, prob, args.draws, fitted.spec.seed)
        rows[label] = target_table(prob, checks).to_dict(orient="records")
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "calibration_out_of_sample.json").write_text(
        json.dumps(rows, indent=1, default=float) + "\n")
    lines = ["# Out-of-sample check: Calderdale fitted to July 2016, predicting July 2017", "",
             f"{args.draws} posterior draws. Data value, and the predictive mean [5%, 95%].", "",
             "| target | July 2016 (fitted) | July 2017 (predicted) |", "|---|---|---|"]
    by = {label: {r["target"]: r for r in table} for label, table in rows.items()}
    for name in by["in sample, July 2016"]:
        cells = []
        for label in by:
            r = by[label][name]
            mark = "" if r["data_within_90pct"] else " **outside**"
            cells.append(f"{r['data']:.3g}: {r['predictive_mean']:.3g} "
                         f"[{r['predictive_q05']:.3g}, {r['predictive_q95']:.3g}]{mark}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    inside = {label: int(np.sum([r["data_within_90pct"] for r in table]))
              for label, table in rows.items()}
    lines += ["", "Targets inside their predictive 90% range: " + "; ".join(
        f"{label} {n} of {len(rows[label])}" for label, n in inside.items())]
    (HERE / "results" / "calibration_out_of_sample.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
