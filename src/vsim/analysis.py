"""Analyse a sweep: Morris and Sobol indices with confidence intervals, portfolio robustness.

Replicates are averaged per sample point and portfolio before the indices are computed (SALib
expects one output per design row). A design with missing or failed runs is refused unless the
caller asks to drop them; then whole Morris trajectories or Sobol blocks containing a missing
point are dropped (the estimators need complete ones) and the report says what went.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from vsim.experiment import block_size
from vsim.loading import ScenarioError
from vsim.sweep import results_table


@dataclass
class Analysis:
    """Tables produced by :func:`analyse`, by name."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)
    method: str = ""


def _problem(manifest: dict) -> dict:
    k = len(manifest["parameters"])
    return {"num_vars": k, "names": manifest["parameters"], "bounds": [[0.0, 1.0]] * k}


def _block_size(manifest: dict) -> int:
    design = manifest["design"]
    return block_size(design["method"], design["second_order"], len(manifest["parameters"]))


def analyse(out: Path, drop_missing: bool = False) -> Analysis:
    """Indices per outcome (and portfolio), and the robustness of portfolio rankings."""
    manifest = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
    design = pd.read_parquet(out / "design.parquet")
    runs = results_table(out)
    n_samples = manifest["samples"]
    expected = manifest["runs"]
    ok = runs[runs["status"] == "ok"] if len(runs) else runs
    bad_samples = set(range(n_samples)) - _complete_samples(ok, manifest)
    result = Analysis(method=manifest["design"]["method"])
    if bad_samples:
        missing = expected - len(runs)
        failed = int((runs["status"] != "ok").sum()) if len(runs) else 0
        if not drop_missing:
            raise ScenarioError(str(out), [
                f"{missing} runs missing and {failed} failed (sample points affected: "
                f"{len(bad_samples)} of {n_samples}); finish the sweep (run the same command "
                f"again), or analyse with --drop-missing to leave those points out"])
        size = _block_size(manifest)
        blocks = {s // size for s in bad_samples}
        bad_samples = {s for b in blocks for s in range(b * size, (b + 1) * size)}
        unit = "trajectories" if manifest["design"]["method"] == "morris" else (
            "blocks" if manifest["design"]["method"] == "sobol" else "points")
        result.dropped.append(
            f"dropped {len(blocks)} {unit} ({len(bad_samples)} sample points) with missing or "
            f"failed runs ({expected - len(ok)} runs)")
    keep = np.array(sorted(set(range(n_samples)) - bad_samples), int)
    if keep.size == 0:
        raise ScenarioError(str(out), ["no complete sample points to analyse"])
    ok = ok[ok["sample"].isin(keep)]
    means = ok.groupby(["portfolio", "sample"])[manifest["outcomes"]].mean()
    unit_cols = [f"u:{p}" for p in manifest["parameters"]]
    x_unit = design.set_index("sample").loc[keep, unit_cols].to_numpy()
    problem = _problem(manifest)
    rows = []
    for portfolio in manifest["portfolios"]:
        for outcome in manifest["outcomes"]:
            y = means.loc[portfolio][outcome].reindex(keep).to_numpy()
            rows += _indices(manifest, problem, x_unit, y, portfolio, outcome)
            if portfolio != "baseline" and "baseline" in manifest["portfolios"]:
                # What drives the portfolio's effect: indices of the reduction itself.
                base = means.loc["baseline"][outcome].reindex(keep).to_numpy()
                rows += _indices(manifest, problem, x_unit, base - y, portfolio,
                                 f"reduction in {outcome}")
    result.tables["indices"] = pd.DataFrame(rows)
    if len(manifest["portfolios"]) >= 2:
        result.tables.update(_robustness(ok, manifest))
    return result


def _complete_samples(ok: pd.DataFrame, manifest: dict) -> set[int]:
    if len(ok) == 0:
        return set()
    per = len(manifest["portfolios"]) * manifest["replicates"]
    counts = ok.groupby("sample").size()
    return set(counts[counts == per].index.astype(int))


def _indices(manifest, problem, x_unit, y, portfolio, outcome) -> list[dict]:
    method = manifest["design"]["method"]
    names = manifest["parameters"]
    rows = []
    if method == "morris":
        from SALib.analyze import morris

        res = morris.analyze(problem, x_unit, y, conf_level=0.95, num_resamples=1000,
                             num_levels=manifest["design"]["levels"],
                             seed=manifest["root_seed"] % (2**31))
        for k, name in enumerate(names):
            rows.append({"portfolio": portfolio, "outcome": outcome, "parameter": name,
                         "mu_star": res["mu_star"][k], "mu_star_conf": res["mu_star_conf"][k],
                         "mu": res["mu"][k], "sigma": res["sigma"][k]})
    elif method == "sobol":
        from SALib.analyze import sobol

        second = manifest["design"]["second_order"]
        res = sobol.analyze(problem, y, calc_second_order=second, conf_level=0.95,
                            num_resamples=1000, seed=manifest["root_seed"] % (2**31))
        for k, name in enumerate(names):
            rows.append({"portfolio": portfolio, "outcome": outcome, "parameter": name,
                         "S1": res["S1"][k], "S1_conf": res["S1_conf"][k],
                         "ST": res["ST"][k], "ST_conf": res["ST_conf"][k]})
        if second:
            for a in range(len(names)):
                for b in range(a + 1, len(names)):
                    rows.append({"portfolio": portfolio, "outcome": outcome,
                                 "parameter": f"{names[a]} × {names[b]}",
                                 "S2": res["S2"][a, b], "S2_conf": res["S2_conf"][a, b]})
    else:
        # Latin hypercube and grids: standardised regression coefficients (a linear summary).
        xs = (x_unit - x_unit.mean(0)) / np.where(x_unit.std(0) > 0, x_unit.std(0), 1)
        ys = (y - y.mean()) / (y.std() if y.std() > 0 else 1)
        coef, *_ = np.linalg.lstsq(np.column_stack([xs, np.ones(len(ys))]), ys, rcond=None)
        for k, name in enumerate(names):
            rows.append({"portfolio": portfolio, "outcome": outcome, "parameter": name,
                         "src": coef[k]})
    return rows


def _robustness(ok: pd.DataFrame, manifest: dict) -> dict[str, pd.DataFrame]:
    """For each outcome: each portfolio's reduction against the baseline across the space,
    and the probability that it is the best (largest mean reduction at a sample point)."""
    portfolios = [p for p in manifest["portfolios"] if p != "baseline"]
    has_baseline = "baseline" in manifest["portfolios"]
    dist_rows, best_rows = [], []
    for outcome in manifest["outcomes"]:
        wide = ok.pivot_table(index=["sample", "replicate"], columns="portfolio",
                              values=outcome)
        if has_baseline:
            reduction = wide[portfolios].rsub(wide["baseline"], axis=0)
            pct = 100 * reduction.div(wide["baseline"].where(wide["baseline"] != 0), axis=0)
        else:
            reduction = -wide[portfolios]
            pct = reduction * np.nan
        per_point = reduction.groupby(level="sample").mean()
        best = per_point.idxmax(axis=1)
        for p in portfolios:
            values = reduction[p].to_numpy()
            q = np.nanpercentile(values, [5, 25, 50, 75, 95])
            dist_rows.append({"outcome": outcome, "portfolio": p,
                              "mean_reduction": float(np.nanmean(values)),
                              "mean_reduction_pct": float(np.nanmean(pct[p].to_numpy())),
                              "p5": q[0], "p25": q[1], "median": q[2], "p75": q[3], "p95": q[4],
                              "share_points_reducing": float((per_point[p] > 0).mean())})
            best_rows.append({"outcome": outcome, "portfolio": p,
                              "probability_best": float((best == p).mean())})
    return {"robustness": pd.DataFrame(dist_rows), "probability_best": pd.DataFrame(best_rows)}


def write_analysis(analysis: Analysis, out: Path, csv: bool = False) -> Path:
    """Write the tables and bar charts into ``out/analysis`` atomically."""
    from vsim.results import atomic_dir, write_tables

    target = out / "analysis"
    with atomic_dir(target) as tmp:
        write_tables(analysis.tables, tmp, csv)
        _charts(analysis, tmp)
        (tmp / "notes.txt").write_text("\n".join(analysis.dropped) + "\n", encoding="utf-8")
    return target


def _charts(analysis: Analysis, folder: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    indices = analysis.tables.get("indices")
    if indices is None or indices.empty:
        return
    value, conf = {"morris": ("mu_star", "mu_star_conf"), "sobol": ("ST", "ST_conf")}.get(
        analysis.method, ("src", None))
    for (portfolio, outcome), part in indices.groupby(["portfolio", "outcome"]):
        part = part.dropna(subset=[value])
        fig, ax = plt.subplots(figsize=(7, 0.4 * len(part) + 1.5))
        errors = part[conf] if conf else None
        ax.barh(part["parameter"], part[value], xerr=errors, color="#3b6ea5")
        if analysis.method == "sobol":
            ax.barh(part["parameter"], part["S1"], color="#9cc3e6", label="first order (S1)")
            ax.legend(["total (ST)", "first order (S1)"], loc="lower right")
        ax.set_xlabel({"mu_star": "Morris μ* (95% CI)", "ST": "Sobol index (95% CI)"}.get(
            value, "standardised regression coefficient"))
        ax.set_title(f"{outcome} — {portfolio}")
        fig.tight_layout()
        fig.savefig(folder / f"indices_{portfolio}_{outcome}.png", dpi=100)
        plt.close(fig)
