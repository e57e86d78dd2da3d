"""What a calibration writes: posterior, diagnostics, predictive checks, identifiability, plots."""

from __future__ import annotations

import io
import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd

from vsim.loading import scenario_to_toml
from vsim.results import versions, write_atomic

from .fit import Generation, Problem, posterior
from .observation import observe, youth_share
from .spec import LoadedCalibration
from .targets import TARGETS, VIOLENCE, summarise

# A parameter is "not pinned down" when its posterior spread is still this share of the prior's.
UNIDENTIFIED_RATIO = 0.8


def weighted_quantile(values, weights, q: float) -> float:
    """Quantile ``q`` of weighted values (the weighted empirical distribution, interpolated)."""
    order = np.argsort(values)
    v, w = np.asarray(values, float)[order], np.asarray(weights, float)[order]
    cum = (np.cumsum(w) - 0.5 * w) / w.sum()
    return float(np.interp(q, cum, v))


def parameter_table(post: pd.DataFrame, loaded: LoadedCalibration) -> pd.DataFrame:
    """Per parameter: posterior mean, 5% and 95% quantiles and sd, against the prior's sd."""
    rows = []
    w = post["weight"].to_numpy()
    for prior in loaded.spec.parameters:
        x = post[prior.path].to_numpy(float)
        mean = float(np.sum(w * x))
        sd = float(np.sqrt(np.sum(w * (x - mean) ** 2)))
        ratio = sd / prior.sd_of_prior()
        rows.append({"parameter": prior.path, "prior": prior.distribution, "mean": mean,
                     "q05": weighted_quantile(x, w, 0.05), "q95": weighted_quantile(x, w, 0.95),
                     "sd": sd, "prior_sd": prior.sd_of_prior(), "sd_ratio": ratio,
                     "identified": bool(ratio < UNIDENTIFIED_RATIO)})
    return pd.DataFrame(rows)


def predictive(post: pd.DataFrame, problem: Problem, draws: int, seed: int) -> dict:
    """Posterior-predictive checks: the targets and LSOA counts of posterior draws."""
    rng = np.random.default_rng(seed)
    params = [c for c in post.columns if c != "weight"]
    picks = rng.choice(len(post), size=draws, p=post["weight"].to_numpy()) if draws else []
    stats, lsoa_counts, shares = [], [], []
    for k, row in enumerate(picks):
        theta = {p: float(post[p].iloc[row]) for p in params}
        youth = problem.youth(theta)
        obs = problem.observation_parameters(theta)
        counts = observe(youth, problem.area, obs, np.random.default_rng([seed, k]))
        stats.append({"draw": k, **summarise(counts, problem.area, problem.targets)})
        lsoa_counts.append(counts[:, :, VIOLENCE].sum(axis=0))
        shares.append(youth_share(youth, problem.area, obs))
    return {"stats": pd.DataFrame(stats), "lsoa_counts": np.array(lsoa_counts),
            "youth_share": np.array(shares)}


def target_table(problem: Problem, checks: dict) -> pd.DataFrame:
    """Each target: the data's value beside its posterior-predictive mean and 90% range."""
    observed = summarise(problem.observed, problem.area, problem.targets)
    stats = checks["stats"]
    rows = []
    for name in problem.targets:
        values = stats[name].to_numpy(float) if len(stats) else np.array([])
        lo, hi = np.quantile(values, [0.05, 0.95]) if values.size else (np.nan, np.nan)
        rows.append({"target": name, "description": TARGETS[name][1],
                     "data": observed[name],
                     "predictive_mean": float(values.mean()) if values.size else np.nan,
                     "predictive_q05": float(lo), "predictive_q95": float(hi),
                     "data_within_90pct": bool(lo <= observed[name] <= hi)})
    return pd.DataFrame(rows)


def _parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()


def plots(out: Path, post: pd.DataFrame, table: pd.DataFrame, problem: Problem,
          checks: dict, loaded: LoadedCalibration) -> list[str]:
    """Marginal and pairwise posteriors, predictive targets and the Lorenz curve of LSOAs."""
    # deferred: matplotlib takes ~0.5 s to import, and only the plots need it
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure  # deferred, as above (after choosing the backend)

    params = [p.path for p in loaded.spec.parameters]
    w = post["weight"].to_numpy()
    n = len(params)
    fig = Figure(figsize=(2.6 * n, 2.6 * n), layout="constrained")
    axes = fig.subplots(n, n, squeeze=False)
    for i, a in enumerate(params):
        for j, b in enumerate(params):
            ax = axes[i][j]
            if i == j:
                ax.hist(post[a], bins=20, weights=w, color="#3b6ea5")
                lo, hi = loaded.spec.parameters[i].support()
                ax.set_xlim(lo, hi)
            elif i > j:
                ax.scatter(post[b], post[a], s=6 + 300 * w, alpha=0.5, color="#3b6ea5")
            else:
                ax.axis("off")
            if i == n - 1:
                ax.set_xlabel(b, fontsize=8)
            if j == 0 and i > 0:
                ax.set_ylabel(a, fontsize=8)
    fig.suptitle("Posterior: marginals (diagonal, over the prior's range) and pairs")
    write_atomic(out / "posterior.png", _png(fig))
    fig = Figure(figsize=(2.8 * len(table), 3.0), layout="constrained")
    axes = fig.subplots(1, len(table), squeeze=False)[0]
    for ax, row in zip(axes, table.itertuples(), strict=True):
        values = checks["stats"][row.target] if len(checks["stats"]) else []
        values = np.asarray(values, float)
        # a target all draws give (almost) the same value of, e.g. a zero share of 1, has too
        # narrow a range for 15 bins: numpy refuses to draw it, so draw it as one bar
        flat = values.size and np.ptp(values) <= 1e-9 * max(1.0, float(np.abs(values).max()))
        ax.hist(values, bins=1 if flat else 15, color="#9bb7d4")
        ax.axvline(row.data, color="#b22222", lw=2, label="data")
        ax.set_title(row.target, fontsize=9)
    axes[0].legend(fontsize=8)
    fig.suptitle("Posterior-predictive distribution of each target (red: the data)")
    write_atomic(out / "predictive_targets.png", _png(fig))
    fig = Figure(figsize=(5.5, 4.5), layout="constrained")
    ax = fig.subplots()
    for counts, style in ((checks["lsoa_counts"], dict(color="#9bb7d4", lw=0.8, alpha=0.6)),
                          (problem.observed[:, :, VIOLENCE].sum(axis=0)[None, :],
                           dict(color="#b22222", lw=2))):
        for c in counts:
            s = np.sort(c)[::-1].astype(float)
            ax.plot(np.arange(1, s.size + 1) / s.size, np.cumsum(s) / max(s.sum(), 1), **style)
    ax.set_xlabel("share of LSOAs (most violence first)")
    ax.set_ylabel("share of violence")
    ax.set_title("LSOA concentration: data (red), posterior draws (blue)", fontsize=10)
    write_atomic(out / "lorenz.png", _png(fig))
    return ["posterior.png", "predictive_targets.png", "lorenz.png"]


def write_outputs(out: Path, loaded: LoadedCalibration, problem: Problem,
                  generations: list[Generation], reason: str, seconds: float) -> dict:
    """Write every output of a finished (or stopped) calibration; returns the manifest."""
    post = posterior(out, problem.log_paths)
    table = parameter_table(post, loaded)
    checks = predictive(post, problem, loaded.spec.method.predictive_draws, loaded.spec.seed)
    targets = target_table(problem, checks)
    write_atomic(out / "posterior.parquet", _parquet(post))
    write_atomic(out / "generations.parquet",
                 _parquet(pd.DataFrame([asdict(g) for g in generations])))
    write_atomic(out / "parameters.parquet", _parquet(table))
    write_atomic(out / "predictive.parquet", _parquet(checks["stats"]))
    write_atomic(out / "targets.parquet", _parquet(targets))
    write_atomic(out / "calibration.toml", loaded.source.read_bytes())
    write_atomic(out / "scenario.toml", scenario_to_toml(loaded.scenario).encode())
    figures = plots(out, post, targets, problem, checks, loaded)
    shares = checks["youth_share"]
    manifest = {
        "calibration": loaded.spec.name, "source": str(loaded.source), "seed": loaded.spec.seed,
        "stopped": reason, "generations": len(generations),
        "simulations": generations[-1].simulations if generations else 0,
        # the generations' own wall times: the time to the posterior, over resumes too
        "seconds": round(sum(g.seconds for g in generations), 1),
        "seconds_this_call": round(seconds, 1),
        "final_epsilon": generations[-1].epsilon if generations else None,
        "youth_share_of_recorded_violence": {
            "mean": float(np.mean(shares)) if len(shares) else None,
            "q05": float(np.quantile(shares, 0.05)) if len(shares) else None,
            "q95": float(np.quantile(shares, 0.95)) if len(shares) else None},
        "not_identified": table.loc[~table["identified"], "parameter"].tolist(),
        "versions": versions(), "plots": figures,
        "tables": ["posterior", "generations", "parameters", "predictive", "targets"]}
    write_atomic(out / "manifest.json", (json.dumps(manifest, indent=2) + "\n").encode())
    return manifest


def write_point_outputs(out: Path, loaded: LoadedCalibration, problem: Problem, best: dict,
                        seconds: float) -> dict:
    """The outputs of an Optuna point fit: the best parameters, trials, predictive checks.

    ``posterior.parquet`` holds the best point with weight 1, so ``--posterior`` runs every
    replicate on it (parameter uncertainty is then not included).
    """
    from .optimize import trials_frame  # deferred: optuna, only for point fits

    point = pd.DataFrame([{**best["parameters"], "weight": 1.0}])
    checks = predictive(point, problem, max(loaded.spec.method.predictive_draws, 1),
                        loaded.spec.seed)
    targets = target_table(problem, checks)
    write_atomic(out / "posterior.parquet", _parquet(point))
    write_atomic(out / "trials.parquet", _parquet(trials_frame(out)))
    write_atomic(out / "targets.parquet", _parquet(targets))
    write_atomic(out / "calibration.toml", loaded.source.read_bytes())
    write_atomic(out / "scenario.toml", scenario_to_toml(loaded.scenario).encode())
    shares = checks["youth_share"]
    manifest = {
        "calibration": loaded.spec.name, "source": str(loaded.source), "seed": loaded.spec.seed,
        "method": "optimize", "stopped": "maximum simulations", "generations": 0,
        "simulations": best["trials"], "seconds": round(seconds, 1),
        "best": best["parameters"], "distance": best["distance"],
        "target_scales": best["scales"],
        "youth_share_of_recorded_violence": {
            "mean": float(np.mean(shares)), "q05": float(np.quantile(shares, 0.05)),
            "q95": float(np.quantile(shares, 0.95))},
        "not_identified": [], "versions": versions(), "plots": [],
        "tables": ["posterior", "trials", "targets"]}
    write_atomic(out / "manifest.json", (json.dumps(manifest, indent=2) + "\n").encode())
    return manifest
