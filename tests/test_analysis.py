"""Sweep analysis and report, checked on data with known answers.

Robustness statistics on replicate-averaged paired reductions,
probability of being best (ties, doing nothing, bootstrap intervals), Morris σ intervals, the
--drop-missing note, and clear errors for incomplete sweep folders.

Most tests write synthetic sweep folders with the layout ``vsim sweep`` writes (sweep.json,
design.parquet, experiment.toml, runs/NNNNNNN.json), so the statistics can be checked against
values known by construction; the rest run tiny sweeps of the instant test models.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from test_sweep import FAILING  # one failing-model experiment for both files
from typer.testing import CliRunner

from vsim.analysis import analyse, morris_effects, probability_best, write_analysis
from vsim.cli import app
from vsim.experiment import load_experiment
from vsim.loading import ScenarioError
from vsim.report import build_report
from vsim.sweep import execute, results_table

VERSIONS = {"vsim": "0.1.0", "python": "3.11.9", "numpy": "2.1.0"}


def write_sweep(out: Path, value, *, portfolios=("baseline", "A"), samples=20, replicates=2,
                outcomes=("incidents",), method="latin_hypercube", levels=4, root_seed=7,
                block=1, record_versions=False) -> Path:
    """A synthetic sweep folder of one parameter ``x``.

    u = x; run (s, p, r) has outcomes
    ``value(s, p, r)`` (a dict) and seed 1000·block + r (shared by a block's points and all
    portfolios, as vsim sweep does).
    """
    (out / "runs").mkdir(parents=True)
    u = (np.arange(samples) + 0.5) / samples
    pd.DataFrame({"sample": np.arange(samples), "u:x": u, "x": u}).to_parquet(
        out / "design.parquet", index=False)
    index = 0
    for s in range(samples):
        for p in portfolios:
            for r in range(replicates):
                record = {"index": index, "sample": s, "portfolio": p, "replicate": r,
                          "seed": 1000 * (s // block) + r, "parameters": {"x": float(u[s])},
                          "status": "ok", "outcomes": value(s, p, r),
                          "scenario_sha256": hashlib.sha256(f"{s}{p}".encode()).hexdigest(),
                          "seconds": 0.01}
                if record_versions:
                    record["versions"] = VERSIONS
                (out / "runs" / f"{index:07d}.json").write_text(json.dumps(record))
                index += 1
    manifest = {"experiment": "synthetic", "fingerprint": "x", "runs": index,
                "samples": samples, "portfolios": list(portfolios), "replicates": replicates,
                "parameters": ["x"], "outcomes": list(outcomes),
                "design": {"method": method, "samples": samples, "levels": levels,
                           "second_order": False},
                "model": "synthetic", "root_seed": root_seed, "versions": VERSIONS}
    (out / "sweep.json").write_text(json.dumps(manifest, indent=2))
    (out / "experiment.toml").write_text(
        'name = "synthetic"\nmodel = "synthetic:model"\n[[parameters]]\npath = "x"\n'
        "low = 0\nhigh = 1\n")
    return out


# ------------------------------------------------------------------- portfolio robustness
# Noise model of the robustness tests, as a sweep with common random numbers produces it:
#   y(s, p, r) = 100 + 50·x_s − reduction_p + c(s, r) + e(s, p, r)
# c ~ N(0, 20²) is the replicate noise shared by every portfolio on the same seed (it cancels
# in a paired reduction); e ~ N(0, 1²) is the part common random numbers do not cancel.
# A paired reduction at one replicate is reduction_p + e_baseline − e_p: sd √2 · 1 = 1.41.
# Averaged over R = 8 replicates: τ = 1.41 / √8 = 0.5. (With e independent of sd 20, A's 10 and
# B's 9 could not be told apart at a point — P(A best) ≈ Φ(1/10) — whatever the method.)
N_POINTS, N_REPS, SIGMA_E, COMMON = 200, 8, 1.0, 20.0
TAU = SIGMA_E * math.sqrt(2) / math.sqrt(N_REPS)  # sd of a replicate-averaged reduction: 0.5
TRUE = {"baseline": 0.0, "A": 10.0, "B": 9.0, "C": 1.0}


def crn_value(reductions: dict, seed: int = 1):
    rng = np.random.default_rng(seed)
    common = rng.normal(0, COMMON, (N_POINTS, N_REPS))
    own = {p: rng.normal(0, SIGMA_E, (N_POINTS, N_REPS)) for p in reductions}

    def value(s, p, r):
        x = (s + 0.5) / N_POINTS
        return {"incidents": 100 + 50 * x - reductions[p] + common[s, r] + own[p][s, r]}
    return value


@pytest.fixture(scope="module")
def crn_sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("crn") / "sweep"
    write_sweep(out, crn_value(TRUE), portfolios=tuple(TRUE), samples=N_POINTS,
                replicates=N_REPS)
    return analyse(out)


def quantile_se(q: float, n: int, sd: float) -> float:
    """Standard error of the q-quantile of n normal values of sd ``sd``."""
    z = stats.norm.ppf(q)
    return math.sqrt(q * (1 - q) / n) / stats.norm.pdf(z) * sd


def test_reduction_quantiles_are_across_points_of_replicate_averaged_reductions(crn_sweep):
    rob = crn_sweep.tables["robustness"].set_index("portfolio")
    for p in ("A", "B", "C"):
        row = rob.loc[p]
        assert row["points"] == N_POINTS
        # The true reduction is the same everywhere, so the per-point values are
        # N(reduction, τ²) and their q-quantile is reduction + τ·z_q; 4 standard errors of a
        # sample quantile of 200 values (0.075 at p5/p95, 0.044 at the median). Per-replicate
        # values (sd 1.41) would put p5 at reduction − 2.33, 20 standard errors away.
        for col, q in (("p5", 0.05), ("p25", 0.25), ("median", 0.5), ("p75", 0.75),
                       ("p95", 0.95)):
            expected = TRUE[p] + TAU * stats.norm.ppf(q)
            assert abs(row[col] - expected) < 4 * quantile_se(q, N_POINTS, TAU), (p, col)
        # Mean and its t interval over the 200 points (LHS: a block is one point).
        half = stats.t.ppf(0.975, N_POINTS - 1) * TAU / math.sqrt(N_POINTS)
        assert abs(row["mean_reduction"] - TRUE[p]) < 4 * TAU / math.sqrt(N_POINTS)
        assert (row["mean_reduction_low"] + row["mean_reduction_high"]) / 2 == pytest.approx(
            row["mean_reduction"])
        width = (row["mean_reduction_high"] - row["mean_reduction_low"]) / 2
        assert abs(width / half - 1) < 0.25  # sd estimated from 200 values: ±5% (1 sd)
        baseline_mean = 100 + 50 * 0.5
        assert abs(row["mean_reduction_pct"] - 100 * TRUE[p] / baseline_mean) < 0.2
    # Share of points where C (true reduction 1) reduces: P(N(1, τ²) > 0) = Φ(2) = 0.977,
    # ± 4 binomial standard errors (0.011 each). On per-replicate values it would be
    # Φ(1 / 1.41) = 0.76.
    share = stats.norm.cdf(TRUE["C"] / TAU)
    assert abs(rob.loc["C", "share_points_reducing"] - share) < 4 * math.sqrt(
        share * (1 - share) / N_POINTS)
    assert rob.loc["A", "share_points_reducing"] == 1.0


def test_probability_best_counts_doing_nothing_and_has_an_interval(crn_sweep):
    best = crn_sweep.tables["probability_best"].set_index("portfolio")
    assert list(best.index) == ["baseline", "A", "B", "C"]
    assert best["probability_best"].sum() == pytest.approx(1.0)
    # A beats B at a point when R_A − R_B = 1 + (ē_B − ē_A) > 0; that difference has sd
    # √2 · 1 / √8 = 0.5, so P(A best) = Φ(1 / 0.5) = 0.977 (C, 9 below A, and doing nothing,
    # 10 below, are 18 and 20 sd away: never best). Binomial standard error over 200 points:
    # √(0.977 · 0.023 / 200) = 0.0106.
    p_a = stats.norm.cdf(1 / TAU)
    se = math.sqrt(p_a * (1 - p_a) / N_POINTS)
    a = best.loc["A"]
    assert abs(a["probability_best"] - p_a) < 4 * se
    assert a["probability_best"] < 1.0  # noise: B wins somewhere
    assert a["probability_best_low"] > 0.5  # the ranking is resolved
    assert a["probability_best_low"] <= a["probability_best"] <= a["probability_best_high"]
    # Percentile bootstrap over points: width ≈ 2 · 1.96 · se, up to the estimate of p.
    width = a["probability_best_high"] - a["probability_best_low"]
    assert 0.5 * 2 * 1.96 * se < width < 2.0 * 2 * 1.96 * se
    assert best.loc["baseline", "probability_best"] == 0.0
    assert best.loc["C", "probability_best"] == 0.0
    assert best.loc["B", "probability_best"] == pytest.approx(1 - a["probability_best"])


def test_exact_ties_are_split_equally(tmp_path):
    """A and B identical at every run: each is best at half of each point, not A everywhere."""
    value = crn_value({"baseline": 0.0, "A": 10.0, "B": 10.0})
    tied = lambda s, p, r: value(s, "A" if p == "B" else p, r)  # noqa: E731 - B runs = A's
    out = write_sweep(tmp_path / "sw", tied, portfolios=("baseline", "A", "B"),
                      samples=N_POINTS, replicates=N_REPS)
    best = analyse(out).tables["probability_best"].set_index("portfolio")
    for p in ("A", "B"):
        assert best.loc[p, "probability_best"] == 0.5
        assert best.loc[p, "probability_best_low"] == best.loc[p, "probability_best_high"] == 0.5
    assert best.loc["baseline", "probability_best"] == 0.0


def test_a_portfolio_that_increases_violence_is_never_best(tmp_path):
    """With one portfolio that makes things worse, doing nothing (the baseline) is best."""
    out = write_sweep(tmp_path / "sw", crn_value({"baseline": 0.0, "H": -5.0}),
                      portfolios=("baseline", "H"), samples=N_POINTS, replicates=N_REPS)
    result = analyse(out)
    best = result.tables["probability_best"].set_index("portfolio")
    assert best.loc["baseline", "probability_best"] == 1.0
    assert best.loc["H", "probability_best"] == 0.0
    rob = result.tables["robustness"].set_index("portfolio")
    assert rob.loc["H", "share_points_reducing"] == 0.0 and rob.loc["H", "p95"] < 0


def test_probability_best_resamples_whole_design_blocks():
    """The bootstrap resamples whole design blocks.

    The points of a Morris trajectory or Saltelli block share seeds, so the bootstrap
    resamples blocks: five identical copies of each point in one block carry no more
    information than the point alone (resampling points would narrow the interval ≈ √5×).
    """
    rng = np.random.default_rng(3)
    values = np.column_stack([np.zeros(40), rng.normal(1, 1, 40), rng.normal(1.2, 1, 40)])
    alone = probability_best(values, np.arange(40), seed=11)
    copies = np.repeat(values, 5, axis=0)
    blocked = probability_best(copies, np.arange(200) // 5, seed=11)
    for a, b in zip(alone, blocked, strict=True):
        np.testing.assert_allclose(a, b)
    as_points = probability_best(copies, np.arange(200), seed=11)
    ratio = (alone[2] - alone[1]) / (as_points[2] - as_points[1])
    assert np.all(ratio[1:] > 1.6)  # √5 = 2.24, less bootstrap and percentile noise


# -------------------------------------------------------------------------------- Morris σ
MORRIS = """
name = "morris_ishigami"
model = "vsim.testing:ishigami"
outcomes = ["y"]
root_seed = 5
[design]
method = "morris"
samples = {samples}
levels = 4
""" + "".join(f"""
[[parameters]]
path = "x{k}"
low = {-math.pi}
high = {math.pi}
""" for k in (1, 2, 3))


def test_morris_sigma_has_a_bootstrap_interval(tmp_path):
    exp_path = tmp_path / "morris.toml"
    exp_path.write_text(MORRIS.format(samples=40))
    out = tmp_path / "out"
    execute(load_experiment(exp_path), out, jobs=1)
    idx = analyse(out).tables["indices"].set_index("parameter")
    # The bootstrap resamples the elementary effects SALib's σ is computed from.
    runs = results_table(out).sort_values("sample")
    design = pd.read_parquet(out / "design.parquet")
    effects = morris_effects(design[["u:x1", "u:x2", "u:x3"]].to_numpy(), runs["y"].to_numpy(),
                             3)
    np.testing.assert_allclose(effects.std(axis=1, ddof=1), idx["sigma"], rtol=1e-12)
    assert (idx["sigma_conf"] > 0).all() and np.isfinite(idx["sigma_conf"]).all()


def test_morris_sigma_interval_is_the_standard_error_of_a_standard_deviation():
    """Morris σ intervals match the standard error of a standard deviation.

    Elementary effects known by construction: along trajectory t, y = Σ b_k(t)·u_k, so the
    effect of parameter k is b_k(t). With b_0 ~ N(1, 2²), b_1 ~ N(0, 0.5²) and b_2 = 5 (the
    same everywhere), σ estimates 2, 0.5 and 0. The standard error of a normal sample's
    standard deviation is σ / √(2(n − 1)), so the 95% half-width is 1.96 σ / √(2(n − 1))
    (0.196 and 0.049 for n = 200); the bootstrap estimates it within ±20% (the relative error
    of a bootstrap standard error from 1,000 resamples is ≈ 1/√2000 ≈ 2%, plus the sampling
    error of σ itself, 5%, and of the sample's kurtosis).
    """
    from SALib.sample import morris

    from vsim.analysis import morris_sigma_conf

    n = 200
    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0, 1]] * 3}
    unit = morris.sample(problem, N=n, num_levels=4, seed=2)
    rng = np.random.default_rng(8)
    b = np.column_stack([rng.normal(1, 2, n), rng.normal(0, 0.5, n), np.full(n, 5.0)])
    y = (np.repeat(b, 4, axis=0) * unit).sum(axis=1)
    effects = morris_effects(unit, y, 3)
    np.testing.assert_allclose(effects, b.T, atol=1e-9)
    conf = morris_sigma_conf(unit, y, 3, seed=1)
    sigma = effects.std(axis=1, ddof=1)
    expected = 1.96 * sigma / math.sqrt(2 * (n - 1))
    np.testing.assert_allclose(conf[:2], expected[:2], rtol=0.2)
    assert conf[2] == pytest.approx(0, abs=1e-9)


# ------------------------------------------------------------------------- drop-missing
def test_drop_missing_note_names_the_trajectories_and_counts_all_their_runs(tmp_path):
    exp_path = tmp_path / "exp.toml"
    exp_path.write_text(FAILING)
    out = tmp_path / "out"
    execute(load_experiment(exp_path), out, jobs=1)
    runs = results_table(out)
    failed = runs[runs["status"] != "ok"]
    blocks = sorted(set(failed["sample"] // 3))  # a trajectory of 2 parameters: 3 points
    assert 0 < len(blocks) < 8 and len(failed) < 3 * len(blocks)  # finished runs go too
    result = analyse(out, drop_missing=True)
    note = result.dropped[0]
    listed = re.search(r"indices ([^;]*);", note).group(1)
    shown = []
    for part in listed.split(", "):
        a, _, b = part.partition("–")
        shown += list(range(int(a), int(b or a) + 1))
    assert shown == blocks
    assert f"dropped {len(blocks)} Morris trajectories" in note
    assert f"{3 * len(blocks)} runs left out" in note
    assert f"{len(failed)} failed, {3 * len(blocks) - len(failed)} finished runs" in note
    # And the trajectories really went: 8 − dropped remain for σ's interval.
    assert len(result.tables["indices"]) == 2


# --------------------------------------------------------------------- bad sweep folders
def test_outcome_missing_from_the_runs_is_named(tmp_path):
    out = write_sweep(tmp_path / "sw", lambda s, p, r: {"incidents": float(s)},
                      outcomes=("incidents", "weapon_incidents"))
    with pytest.raises(ScenarioError) as info:
        analyse(out)
    assert any("'weapon_incidents'" in p and "incidents" in p for p in info.value.problems)
    res = CliRunner().invoke(app, ["analyse", str(out)])
    assert res.exit_code == 2 and "weapon_incidents" in res.output
    assert not isinstance(res.exception, KeyError) and "Traceback" not in res.output
    assert not (out / "analysis").exists()


@pytest.mark.parametrize("command", ["analyse", "report"])
@pytest.mark.parametrize("missing", ["experiment.toml", "design.parquet", "sweep.json", "runs"])
def test_missing_sweep_file_is_named_with_exit_2(tmp_path, command, missing):
    import shutil

    out = write_sweep(tmp_path / "sw", lambda s, p, r: {"incidents": float(s)}, samples=4)
    target = out / missing
    shutil.rmtree(target) if target.is_dir() else target.unlink()
    res = CliRunner().invoke(app, [command, str(out)])
    assert res.exit_code == 2, res.output
    assert isinstance(res.exception, SystemExit) and "Traceback" not in res.output
    assert missing in res.output and "is missing" in res.output
    assert not (out / "analysis").exists() and not (out / "report.html").exists()


# ------------------------------------------------------------------------------- report
def block_t_interval(per_point: np.ndarray, block: int) -> tuple[float, float, float]:
    blocks = per_point.reshape(-1, block).mean(axis=1)
    n = len(blocks)
    half = stats.t.ppf(0.975, n - 1) * blocks.std(ddof=1) / math.sqrt(n)
    return blocks.mean(), blocks.mean() - half, blocks.mean() + half


def fmt(mean, low, high) -> str:
    return f"{mean:,.4g} [{low:,.4g}, {high:,.4g}]"


def report_sweep(tmp_path: Path, **kwargs) -> tuple[Path, dict]:
    """A Morris-like synthetic sweep for the report.

    One parameter (blocks of 2 points sharing seeds), 30 points,
    baseline and A, 3 replicates, with block-level noise so that blocks ≠ runs matters.
    """
    rng = np.random.default_rng(5)
    block_noise = rng.normal(0, 15, (15, 3))
    run_noise = rng.normal(0, 2, (30, 2, 3))

    def value(s, p, r):
        k = 0 if p == "baseline" else 1
        return {"incidents": 200 + 40 * s / 30 - 12 * k + block_noise[s // 2, r]
                + run_noise[s, k, r], "cost_total": 1000.0 * k}
    out = write_sweep(tmp_path / "sw", value, portfolios=("baseline", "A"), samples=30,
                      replicates=3, outcomes=("incidents", "cost_total"), method="morris",
                      block=2, **kwargs)
    runs = results_table(out)
    return out, {"runs": runs}


def test_sweep_report_shows_scenarios_outcomes_with_intervals_plots_and_provenance(tmp_path):
    out, info = report_sweep(tmp_path, record_versions=True)
    (out / "scenarios").mkdir()
    (out / "scenarios" / "base.toml").write_text('name = "base"\n')
    (out / "scenarios" / "A.toml").write_text('name = "A"\n[[interventions]]\ntype = "m"\n')
    manifest = json.loads((out / "sweep.json").read_text())
    manifest["scenarios"] = {"base": "scenarios/base.toml",
                             "portfolios": {"A": "scenarios/A.toml"}}
    (out / "sweep.json").write_text(json.dumps(manifest))
    runs = info["runs"]
    page = build_report(out)
    # Scenarios and the experiment file, with their hashes.
    for name in ("experiment.toml", "scenarios/base.toml", "scenarios/A.toml"):
        digest = hashlib.sha256((out / name).read_bytes()).hexdigest()
        assert name in page and digest in page, name
    assert "synthetic:model" in page  # the experiment file's text
    assert "<td>portfolio A</td>" in page and "<td>base scenario</td>" in page
    # Key outcomes: mean per portfolio, t interval over the 15 blocks of 2 points (runs of a
    # block share seeds and replicates share parameters: these are the independent units).
    for p in ("baseline", "A"):
        per_point = runs[runs["portfolio"] == p].groupby("sample")["incidents"].mean()
        assert fmt(*block_t_interval(per_point.to_numpy(), 2)) in page, p
    wide = runs.pivot_table(index=["sample", "replicate"], columns="portfolio",
                            values="incidents")
    reduction = (wide["baseline"] - wide["A"]).groupby(level="sample").mean().to_numpy()
    mean, low, high = block_t_interval(reduction, 2)
    assert fmt(mean, low, high) in page and low < 12 < high
    # A t interval over runs (90 per portfolio) would be narrower: not what is shown.
    a = runs.loc[runs["portfolio"] == "A", "incidents"]
    naive = stats.t.ppf(0.975, len(a) - 1) * a.std(ddof=1) / math.sqrt(len(a))
    assert fmt(a.mean(), a.mean() - naive, a.mean() + naive) not in page
    assert page.count("data:image/png;base64,") >= 1  # reductions across the space
    # Provenance: seeds per block and replicate (120 runs > 60), hashes, versions.
    assert "Seeds per design block and replicate" in page
    assert ">14003<" not in page and ">14002<" in page  # block 14, replicate 2
    assert "Root seed 7" in page
    assert runs["scenario_sha256"].iloc[0] in page
    assert "All 180 runs recorded the versions above" in page and "2.1.0" in page
    assert "http://" not in page and "src='/" not in page


def test_sweep_report_degrades_without_new_files_and_flags_mixed_versions(tmp_path):
    out, info = report_sweep(tmp_path)
    runs = info["runs"]
    runs.to_parquet(out / "runs.parquet", index=False)  # the experiments table, no versions
    page = build_report(out)
    assert "holds no resolved scenarios" in page
    assert "did not record their versions" in page
    # An up-to-date runs.parquet with version:<package> columns is read for the versions.
    versioned = runs.assign(**{f"version:{k}": v for k, v in VERSIONS.items()})
    versioned.loc[5, "version:numpy"] = "1.26.4"
    versioned.to_parquet(out / "runs.parquet", index=False)
    page = build_report(out)
    assert "1.26.4" in page and "different versions" in page
    # Few runs: the runs themselves are listed with seed and hash.
    small = write_sweep(tmp_path / "small", lambda s, p, r: {"incidents": 10.0 - (p == "A")
                                                            + s},
                        samples=5, replicates=2, record_versions=True)
    record = json.loads((small / "runs" / "0000003.json").read_text())
    record["versions"] = {**VERSIONS, "numpy": "1.26.4"}
    (small / "runs" / "0000003.json").write_text(json.dumps(record))
    page = build_report(small)
    assert "Runs: seeds and scenario hashes" in page and record["scenario_sha256"] in page
    assert "1.26.4" in page and "different versions" in page
    # Constant reduction of 1 at every point: interval [1, 1].
    assert fmt(1, 1, 1) in page


def test_report_includes_the_analysis_with_intervals(tmp_path):
    out, _ = report_sweep(tmp_path)
    write_analysis(analyse(out), out)
    page = build_report(out)
    assert "sigma_conf" in page and "probability_best_low" in page
    assert "Probability that each option is best" in page
