"""Analyse a sweep: Morris and Sobol indices with confidence intervals, portfolio robustness.

Replicates are averaged per sample point and portfolio before the indices are computed (SALib
expects one output per design row). A design with missing or failed runs is refused unless the
caller asks to drop them; then whole Morris trajectories or Sobol blocks containing a missing
point are dropped (the estimators need complete ones) and the report says which went.

Portfolio robustness is computed on each portfolio's reduction against the baseline at the same
sample point and replicate (same seed), averaged over replicates at each point, so the spread
across points is the spread across the uncertainty space, not replicate noise. Intervals that
treat points as independent draws use design blocks (a Morris trajectory, a Saltelli block, or
one point for Latin hypercube and factorial designs) as the unit: every point of a block shares
its seeds, so its points' noise is correlated.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from vsim.experiment import block_size
from vsim.intervals import block_interval
from vsim.loading import ScenarioError
from vsim.results import atomic_dir, write_tables
from vsim.sweep import RUNS, results_table

Z95 = 1.959963984540054  # standard normal quantile for a two-sided 95% interval
BOOTSTRAP = 2000  # resamples for the probability-best intervals
MORRIS_RESAMPLES = 1000  # resamples for the Morris confidence intervals (as SALib's μ*)
DO_NOTHING = "baseline"
SWEEP_FILES = ("sweep.json", "experiment.toml", "design.parquet", RUNS)
MANIFEST_KEYS = ("runs", "samples", "portfolios", "replicates", "parameters", "outcomes",
                 "design", "root_seed")


@dataclass
class Analysis:
    """Tables produced by :func:`analyse`, by name."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)
    method: str = ""


# --------------------------------------------------------------------------- sweep folder
def check_sweep_folder(out: Path) -> None:
    """Refuse a folder that is not a complete sweep folder, naming each missing file."""
    out = Path(out)
    if not out.is_dir():
        raise ScenarioError(str(out), ["not a folder"])
    missing = [name for name in SWEEP_FILES if not (out / name).exists()]
    if missing:
        raise ScenarioError(str(out), [
            f"{name}{'/' if name == RUNS else ''} is missing: a sweep folder holds "
            f"{', '.join(n + ('/' if n == RUNS else '') for n in SWEEP_FILES)} (written by "
            f"vsim sweep EXPERIMENT --out {out})" for name in missing])


def load_manifest(out: Path) -> dict:
    """The sweep manifest (sweep.json), checked for the fields the analysis needs."""
    path = Path(out) / "sweep.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(str(out), ["sweep.json is missing: not a sweep folder"]) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ScenarioError(str(path), [f"cannot be read as JSON ({exc})"]) from None
    if not isinstance(manifest, dict):
        raise ScenarioError(str(path), ["must hold a JSON object (the sweep manifest)"])
    missing = [key for key in MANIFEST_KEYS if key not in manifest]
    if missing:
        raise ScenarioError(str(path), [f"{key}: missing from the manifest (it needs "
                                        f"{', '.join(MANIFEST_KEYS)})" for key in missing])
    return manifest


def read_design(out: Path, manifest: dict) -> pd.DataFrame:
    """The design table (design.parquet), checked against the manifest."""
    path = Path(out) / "design.parquet"
    try:
        design = pd.read_parquet(path)
    except FileNotFoundError:
        raise ScenarioError(str(out), ["design.parquet is missing"]) from None
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a bad file
        raise ScenarioError(str(path), [f"cannot be read as Parquet ({exc})"]) from None
    need = ["sample"] + [f"u:{p}" for p in manifest["parameters"]]
    absent = [c for c in need if c not in design.columns]
    if absent:
        raise ScenarioError(str(path), [f"column {c!r} is missing (the manifest's parameters "
                                        f"need {', '.join(need)})" for c in absent])
    if len(design) != manifest["samples"]:
        raise ScenarioError(str(path), [f"{len(design)} rows, but sweep.json says samples = "
                                        f"{manifest['samples']}"])
    return design


def check_outcomes(runs: pd.DataFrame, manifest: dict, source: str) -> None:
    """Every outcome the manifest names must be a number in every finished run."""
    ok = runs[runs["status"] == "ok"] if len(runs) else runs
    problems = []
    for outcome in manifest["outcomes"]:
        if outcome not in ok.columns:
            present = sorted(c for c in ok.columns if c not in _RUN_COLUMNS
                             and not str(c).startswith(("param:", "version:")))
            problems.append(f"outcomes: '{outcome}' is named in sweep.json but no finished run "
                            f"has it (the runs' outcomes: {', '.join(present) or 'none'})")
            continue
        values = pd.to_numeric(ok[outcome], errors="coerce")
        bad = ok.loc[values.isna(), "run"]
        if len(bad):
            problems.append(f"outcomes: '{outcome}' is missing or not a number in {len(bad)} of "
                            f"{len(ok)} finished runs (e.g. {RUNS}/{int(bad.iloc[0]):07d}.json)")
    if problems:
        raise ScenarioError(source, problems)


_RUN_COLUMNS = {"run", "sample", "portfolio", "replicate", "seed", "status", "scenario_sha256",
                "seconds", "simulation_seconds", "error", "versions"}


def _problem(manifest: dict) -> dict:
    k = len(manifest["parameters"])
    return {"num_vars": k, "names": manifest["parameters"], "bounds": [[0.0, 1.0]] * k}


def design_block_size(manifest: dict) -> int:
    """Sample points per design block of the sweep whose manifest (sweep.json) is given.

    A block is a Morris trajectory, a Saltelli block, or one point for Latin hypercube and
    factorial designs; its points share their seeds (:func:`vsim.experiment.block_size`).
    """
    design = manifest["design"]
    return block_size(design["method"], design.get("second_order", False),
                      len(manifest["parameters"]))


def _ranges(values) -> str:
    """'0, 3, 7–9' for [0, 3, 7, 8, 9]."""
    values = sorted(int(v) for v in values)
    parts, start = [], None
    for k, v in enumerate(values):
        if start is None:
            start = v
        if k + 1 == len(values) or values[k + 1] != v + 1:
            parts.append(str(start) if start == v else f"{start}–{v}")
            start = None
    return ", ".join(parts)


# -------------------------------------------------------------------------------- analyse
def analyse(out: Path, drop_missing: bool = False) -> Analysis:
    """Indices per outcome (and portfolio), and the robustness of portfolio rankings."""
    out = Path(out)
    check_sweep_folder(out)
    manifest = load_manifest(out)
    design = read_design(out, manifest)
    runs = results_table(out)
    n_samples = manifest["samples"]
    expected = manifest["runs"]
    if len(runs):
        check_outcomes(runs, manifest, str(out))
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
        size = design_block_size(manifest)
        blocks = sorted({s // size for s in bad_samples})
        bad_samples = {s for b in blocks for s in range(b * size, min((b + 1) * size,
                                                                      n_samples))}
        method = manifest["design"]["method"]
        unit = {"morris": "Morris trajectories", "sobol": "Saltelli blocks"}.get(
            method, "sample points")
        per_point = len(manifest["portfolios"]) * manifest["replicates"]
        runs_dropped = len(bad_samples) * per_point
        bad_runs = missing + failed
        result.dropped.append(
            f"dropped {len(blocks)} {unit} (indices {_ranges(blocks)}; {len(bad_samples)} "
            f"sample points) with missing or failed runs: {runs_dropped} runs left out "
            f"({missing} missing, {failed} failed, {runs_dropped - bad_runs} finished runs of "
            f"those {'points' if size == 1 else unit.split()[-1]})")
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
            if portfolio != DO_NOTHING and DO_NOTHING in manifest["portfolios"]:
                # What drives the portfolio's effect: indices of the reduction itself.
                base = means.loc[DO_NOTHING][outcome].reindex(keep).to_numpy()
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


# -------------------------------------------------------------------------------- indices
def _indices(manifest, problem, x_unit, y, portfolio, outcome) -> list[dict]:
    method = manifest["design"]["method"]
    names = manifest["parameters"]
    seed = manifest["root_seed"] % (2**31)
    rows = []
    if method == "morris":
        # deferred: SALib pulls scipy.stats (~1 s); only Morris and Sobol analyses need it
        from SALib.analyze import morris

        levels = manifest["design"]["levels"]
        res = morris.analyze(problem, x_unit, y, conf_level=0.95,
                             num_resamples=MORRIS_RESAMPLES, num_levels=levels, seed=seed)
        sigma_conf = morris_sigma_conf(x_unit, y, len(names), seed)
        for k, name in enumerate(names):
            rows.append({"portfolio": portfolio, "outcome": outcome, "parameter": name,
                         "mu_star": res["mu_star"][k], "mu_star_conf": res["mu_star_conf"][k],
                         "mu": res["mu"][k], "sigma": res["sigma"][k],
                         "sigma_conf": sigma_conf[k]})
    elif method == "sobol":
        from SALib.analyze import sobol  # deferred, as above

        second = manifest["design"]["second_order"]
        res = sobol.analyze(problem, y, calc_second_order=second, conf_level=0.95,
                            num_resamples=1000, seed=seed)
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


def morris_effects(x_unit: np.ndarray, y: np.ndarray, k: int) -> np.ndarray:
    """Elementary effects of a Morris design, shape (parameters, trajectories).

    Along each trajectory of k + 1 points exactly one parameter moves per step, by ±Δ; its
    effect is Δy / Δx (as SALib's).
    """
    n = len(y) // (k + 1)
    x = np.asarray(x_unit, float)[: n * (k + 1)].reshape(n, k + 1, k)
    dy = np.diff(np.asarray(y, float)[: n * (k + 1)].reshape(n, k + 1), axis=1)  # (n, k)
    dx = np.diff(x, axis=1)  # (n, k steps, k parameters)
    moved = np.abs(dx).argmax(axis=2)  # (n, k): the parameter each step moves
    step = np.take_along_axis(dx, moved[..., None], axis=2)[..., 0]
    effects = np.full((k, n), np.nan)
    for t in range(n):
        effects[moved[t], t] = dy[t] / step[t]
    return effects


def morris_sigma_conf(x_unit: np.ndarray, y: np.ndarray, k: int, seed: int,
                      resamples: int = MORRIS_RESAMPLES) -> np.ndarray:
    """Half-width of the bootstrap 95% interval of Morris σ for each parameter.

    Trajectories are the independent units, so whole trajectories are resampled (the same
    draw for every parameter); the half-width is 1.96 × the bootstrap standard deviation of σ,
    the convention SALib uses for μ*_conf. NaN with fewer than three trajectories.
    """
    effects = morris_effects(x_unit, y, k)
    n = effects.shape[1]
    if n < 3:
        return np.full(k, np.nan)
    rng = np.random.default_rng(seed)
    draws = rng.integers(n, size=(resamples, n))
    sigmas = effects[:, draws].std(axis=2, ddof=1)  # (k, resamples)
    return Z95 * sigmas.std(axis=1, ddof=1)


# ----------------------------------------------------------------------------- robustness
def paired_reductions(ok: pd.DataFrame, outcome: str, portfolios: list[str],
                      baseline: str = DO_NOTHING) -> tuple[pd.DataFrame, pd.Series]:
    """Each portfolio's reduction against the baseline, paired on seeds, per sample point.

    Runs are paired on (sample, replicate) — the same seed — and the reductions averaged over
    the replicates of each sample point.

    Returns (reductions: one row per sample point, one column per portfolio; the baseline's
    replicate mean per point). Pairs with either run missing are left out.
    """
    wide = ok.pivot_table(index=["sample", "replicate"], columns="portfolio", values=outcome,
                          aggfunc="mean")
    wide = wide.reindex(columns=[baseline, *portfolios])
    per_replicate = wide[portfolios].rsub(wide[baseline], axis=0)
    reductions = per_replicate.groupby(level="sample").mean()
    base = wide[baseline].groupby(level="sample").mean()
    return reductions, base


def probability_best(values: np.ndarray, blocks: np.ndarray, seed: int,
                     resamples: int = BOOTSTRAP) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Probability that each candidate is best (largest value) at a sample point.

    ``values``: (points, candidates). Exact ties (to rounding) share the point equally. The
    95% interval is a percentile bootstrap over design blocks (``blocks``: each point's block;
    the points of a block share seeds, so they are resampled together), with a fixed seed.
    Returns (probability, low, high), one entry per candidate.
    """
    values = np.asarray(values, float)
    top = np.nanmax(values, axis=1, keepdims=True)
    scale = max(1.0, float(np.nanmax(np.abs(values))))
    tied = (values >= top - 1e-12 * scale) & np.isfinite(values)
    share = tied / tied.sum(axis=1, keepdims=True)
    prob = share.mean(axis=0)
    _, block_of = np.unique(blocks, return_inverse=True)
    n_blocks = int(block_of.max()) + 1
    by_block = np.zeros((n_blocks, values.shape[1]))
    np.add.at(by_block, block_of, share)
    sizes = np.bincount(block_of, minlength=n_blocks).astype(float)
    rng = np.random.default_rng(seed)
    boot = np.empty((resamples, values.shape[1]))
    chunk = max(1, 2_000_000 // (n_blocks * values.shape[1]))
    for start in range(0, resamples, chunk):
        stop = min(resamples, start + chunk)
        draws = rng.integers(n_blocks, size=(stop - start, n_blocks))
        boot[start:stop] = by_block[draws].sum(axis=1) / sizes[draws].sum(axis=1)[:, None]
    low, high = np.percentile(boot, [2.5, 97.5], axis=0)
    return prob, low, high


def _robustness(ok: pd.DataFrame, manifest: dict) -> dict[str, pd.DataFrame]:
    """For each outcome: the spread of each portfolio's reduction, and the probability of best.

    The reduction is each portfolio's against the baseline across the space (replicate-averaged
    at each point, then quantiles across points); the probability is that each option — doing
    nothing (the baseline) included — gives the largest reduction.
    """
    has_baseline = DO_NOTHING in manifest["portfolios"]
    portfolios = [p for p in manifest["portfolios"] if p != DO_NOTHING]
    size = design_block_size(manifest)
    seed = manifest["root_seed"] % (2**63)
    dist_rows, best_rows = [], []
    for k, outcome in enumerate(manifest["outcomes"]):
        if has_baseline:
            reduction, base = paired_reductions(ok, outcome, portfolios)
        else:  # no baseline to pair with: rank the portfolios by the outcome itself
            reduction = -ok.groupby(["sample", "portfolio"])[outcome].mean().unstack()[
                portfolios]
            base = pd.Series(np.nan, index=reduction.index)
        for p in portfolios:
            values = reduction[p].dropna()
            q = np.percentile(values, [5, 25, 50, 75, 95])
            mean, low, high, n_blocks = block_interval(values, size)
            base_mean = float(base.reindex(values.index).mean())
            dist_rows.append({
                "outcome": outcome, "portfolio": p, "points": len(values),
                "mean_reduction": mean, "mean_reduction_low": low, "mean_reduction_high": high,
                "mean_reduction_pct": 100 * mean / base_mean if base_mean else math.nan,
                "p5": q[0], "p25": q[1], "median": q[2], "p75": q[3], "p95": q[4],
                "share_points_reducing": float((values > 0).mean())})
        candidates = ([DO_NOTHING] if has_baseline else []) + portfolios
        table = reduction[portfolios].dropna()
        if has_baseline:
            table.insert(0, DO_NOTHING, 0.0)
        prob, low, high = probability_best(table.to_numpy(), table.index.to_numpy() // size,
                                           seed=seed + k)
        for j, name in enumerate(candidates):
            best_rows.append({"outcome": outcome, "portfolio": name,
                              "probability_best": float(prob[j]),
                              "probability_best_low": float(low[j]),
                              "probability_best_high": float(high[j])})
    return {"robustness": pd.DataFrame(dist_rows), "probability_best": pd.DataFrame(best_rows)}


# ------------------------------------------------------------------------- key outcomes
def key_outcomes(ok: pd.DataFrame, manifest: dict) -> pd.DataFrame:
    """Per outcome and portfolio: the mean and, with a baseline, the mean reduction; 95% intervals.

    The mean is over finished runs, with its 95% interval; with a baseline, the mean reduction
    against it is paired on seeds, with its 95% interval.

    Intervals are Student t over design blocks: each block's mean over its points and
    replicates is one independent draw (a block's runs share seeds and, with replicates,
    parameters, so a t interval over runs would be too narrow).
    """
    size = design_block_size(manifest)
    has_baseline = DO_NOTHING in manifest["portfolios"]
    others = [p for p in manifest["portfolios"] if p != DO_NOTHING]
    rows = []
    for outcome in manifest["outcomes"]:
        if outcome not in ok.columns:
            continue
        reduction = base = None
        if has_baseline and others and len(ok):
            reduction, base = paired_reductions(ok, outcome, others)
        for p in manifest["portfolios"]:
            part = ok[ok["portfolio"] == p]
            per_point = part.groupby("sample")[outcome].mean()
            mean, low, high, n_blocks = block_interval(per_point, size)
            row = {"outcome": outcome, "portfolio": p, "runs": len(part), "points":
                   len(per_point), "blocks": n_blocks, "mean": mean, "mean_low": low,
                   "mean_high": high}
            if reduction is not None and p != DO_NOTHING:
                values = reduction[p].dropna()
                r_mean, r_low, r_high, r_blocks = block_interval(values, size)
                base_mean = float(base.reindex(values.index).mean())
                row.update(paired_points=len(values), reduction=r_mean, reduction_low=r_low,
                           reduction_high=r_high,
                           reduction_pct=100 * r_mean / base_mean if base_mean else math.nan)
            rows.append(row)
    return pd.DataFrame(rows)


def write_analysis(analysis: Analysis, out: Path, csv: bool = False) -> Path:
    """Write the tables and bar charts into ``out/analysis`` atomically."""
    target = out / "analysis"
    with atomic_dir(target) as tmp:
        write_tables(analysis.tables, tmp, csv)
        _charts(analysis, tmp)
        (tmp / "notes.txt").write_text("\n".join(analysis.dropped) + "\n", encoding="utf-8")
    return target


def _charts(analysis: Analysis, folder: Path) -> None:
    # deferred: matplotlib with pyplot takes ~0.8 s to import; only the charts need it
    import matplotlib

    matplotlib.use("Agg")  # no display: the charts are written to files
    import matplotlib.pyplot as plt  # deferred, as above (after choosing the backend)

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
