"""The sweep sections of a report: experiment, scenarios, key outcomes, analysis, provenance."""

from __future__ import annotations

import html
import json
import math
import tomllib
from pathlib import Path

import pandas as pd

from vsim.analysis import (
    DO_NOTHING,
    check_sweep_folder,
    design_block_size,
    key_outcomes,
    load_manifest,
    paired_reductions,
    read_design,
)
from vsim.outcomes import label_of
from vsim.report_html import (
    MAX_ROWS,
    details_html,
    embed_png,
    file_sha256,
    find_table,
    format_interval,
    format_value,
    html_table,
    text_or_note,
)
from vsim.sweep import RUNS, finished, results_table


def sweep_sections(folder: Path) -> list[str]:
    """The report's sections for a sweep folder."""
    check_sweep_folder(folder)
    manifest = load_manifest(folder)
    design = read_design(folder, manifest)
    experiment_text = text_or_note(folder / "experiment.toml")
    runs = _sweep_runs(folder, manifest)
    ok = runs[runs["status"] == "ok"] if len(runs) else runs
    failed = int((runs["status"] != "ok").sum()) if len(runs) else 0
    size = design_block_size(manifest)
    method = manifest["design"]["method"]
    unit = {"morris": "Morris trajectory", "sobol": "Saltelli block"}.get(method, "sample point")
    parts = ["<h2>Design</h2>",
             f"<p>{len(runs):,} of {manifest['runs']:,} runs finished, {failed:,} failed; "
             f"{manifest['samples']:,} sample points × {len(manifest['portfolios'])} portfolios "
             f"({html.escape(', '.join(manifest['portfolios']))}) × {manifest['replicates']} "
             f"replicates; method {html.escape(method)} "
             f"({manifest['samples'] // size:,} design blocks of {size} point"
             f"{'s' if size > 1 else ''}: one {unit} each). Model: "
             f"{html.escape(str(manifest.get('model', 'vsim')))}.</p>",
             html_table(_parameters_table(experiment_text, manifest, design),
                         "Uncertain parameters")]
    parts += _scenario_sections(folder, manifest, experiment_text)
    parts += _key_outcome_sections(ok, manifest, size, len(runs) < manifest["runs"] or failed)
    parts += _analysis_sections(folder)
    parts += _provenance_sections(folder, manifest, runs, size)
    return parts


def _sweep_runs(folder: Path, manifest: dict) -> pd.DataFrame:
    """The experiments table: runs.parquet when it is up to date, else read from the run files.

    Up to date: as many rows as run files, none of them newer (a sweep rewrites it only at its end).
    """
    table = folder / "runs.parquet"
    if table.exists():
        need = {"sample", "portfolio", "replicate", "seed", "status", *manifest["outcomes"]}
        files = list((folder / RUNS).glob("[0-9]*.json"))
        newest = max((f.stat().st_mtime_ns for f in files), default=0)
        try:
            runs = (pd.read_parquet(table) if table.stat().st_mtime_ns >= newest else None)
        except Exception:  # noqa: BLE001 - a damaged table: fall back to the run files
            runs = None
        if runs is not None and need <= set(runs.columns) and len(runs) == len(files):
            return runs
    return results_table(folder)


def _parameters_table(experiment_text: str, manifest: dict, design: pd.DataFrame):
    try:
        declared = {p.get("path"): p for p in tomllib.loads(experiment_text).get(
            "parameters", []) if isinstance(p, dict)}
    except tomllib.TOMLDecodeError:
        declared = {}
    rows = []
    for name in manifest["parameters"]:
        spec = declared.get(name, {})
        values = design[name] if name in design.columns else pd.Series(dtype=float)
        rows.append({"parameter": name, "low": spec.get("low", math.nan),
                     "high": spec.get("high", math.nan),
                     "distribution": spec.get("distribution", "uniform") if spec else "",
                     "sampled min": values.min() if len(values) else math.nan,
                     "sampled max": values.max() if len(values) else math.nan})
    return pd.DataFrame(rows)


def _scenario_sections(folder: Path, manifest: dict,
                       experiment_text: str) -> list[str]:
    files = [folder / "experiment.toml"]
    scenarios = folder / "scenarios"
    found = sorted(scenarios.glob("*.toml"), key=lambda p: (p.stem != "base", p.name)) \
        if scenarios.is_dir() else []
    files += found
    names = {"experiment.toml": "the experiment"}
    recorded = manifest.get("scenarios") or {}
    if recorded.get("base"):
        names[recorded["base"]] = "base scenario"
    for portfolio, relative in (recorded.get("portfolios") or {}).items():
        names[relative] = f"portfolio {portfolio}"
    listing = pd.DataFrame({"file": [p.relative_to(folder).as_posix() for p in files],
                            "sha256": [file_sha256(p) for p in files],
                            "bytes": [p.stat().st_size for p in files]})
    listing.insert(1, "what", [names.get(f, "") for f in listing["file"]])
    parts = ["<h2>Scenarios</h2>", html_table(listing)]
    if recorded:
        parts.append("<p class='note'>The resolved scenarios: the base, and each portfolio's "
                     "at the centre of the design (each run sets the sampled parameters on "
                     "its portfolio's scenario; its hash is under Provenance).</p>")
    if not found:
        parts.append("<p class='note'>This sweep folder holds no resolved scenarios "
                     "(scenarios/*.toml); they are written by newer versions of vsim sweep. "
                     "The experiment file below names the base scenario and the portfolios."
                     "</p>")
    parts.append(details_html("experiment.toml", experiment_text))
    for path in found:
        parts.append(details_html(str(path.relative_to(folder)), text_or_note(path)))
    return parts


def _key_outcome_sections(ok: pd.DataFrame, manifest: dict, size: int,
                          incomplete: bool) -> list[str]:
    parts = ["<h2>Key outcomes (95% intervals)</h2>"]
    if not len(ok):
        return parts + ["<p class='note'>No finished runs yet.</p>"]
    table = key_outcomes(ok, manifest)
    absent = [o for o in manifest["outcomes"] if o not in ok.columns]
    if absent:
        parts.append(f"<p class='note'>Outcomes named in sweep.json but in no finished run: "
                     f"{html.escape(', '.join(absent))}.</p>")
    if table.empty:
        return parts
    has_reduction = "reduction" in table.columns
    shown = pd.DataFrame({
        "outcome": table["outcome"].map(label_of), "portfolio": table["portfolio"],
        "runs": table["runs"].map(lambda v: f"{v:,}"),
        "mean [95% CI]": [format_interval(*r) for r in
                          table[["mean", "mean_low", "mean_high"]].itertuples(index=False)]})
    if has_reduction:
        shown[f"reduction vs {DO_NOTHING} [95% CI]"] = [
            "" if r.portfolio == DO_NOTHING else format_interval(r.reduction, r.reduction_low,
                                                                 r.reduction_high)
            for r in table.itertuples(index=False)]
        shown["reduction %"] = ["" if r.portfolio == DO_NOTHING else format_value(r.reduction_pct)
                                for r in table.itertuples(index=False)]
    blocks = int(table["blocks"].max())
    parts.append(html_table(shown))
    parts.append(
        f"<p class='note'>Mean over the finished runs of each portfolio. Intervals are 95% "
        f"Student t intervals over the {blocks:,} design blocks of {size} sample point"
        f"{'s' if size > 1 else ''}: the runs of a block share their seeds (and a point's "
        f"replicates share its parameters), so blocks, not runs, are the independent units. "
        + ("The reduction is the baseline minus the portfolio at the same sample point and "
           "replicate (the same seed), averaged over replicates at each point, then over "
           "points; its interval is over the blocks of these paired points. Reduction % is "
           "the mean reduction as a share of the baseline's mean on the same points. "
           if has_reduction else "")
        + ("The sweep is not complete (missing or failed runs): these figures use the "
           "finished runs only." if incomplete else "") + "</p>")
    figure = _reduction_figure(ok, manifest)
    if figure:
        parts += ["<h3>Across the uncertainty space</h3>", figure]
    return parts


def _reduction_figure(ok: pd.DataFrame, manifest: dict) -> str | None:
    """Box plots, one value per sample point (replicate-averaged), one box per portfolio.

    Each box is a portfolio's reduction against the baseline, or its outcome without a baseline.
    """
    # deferred: matplotlib takes ~0.35 s to import; only a report's figures need it
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    outcomes = [o for o in manifest["outcomes"] if o in ok.columns]
    others = [p for p in manifest["portfolios"] if p != DO_NOTHING]
    paired = DO_NOTHING in manifest["portfolios"] and others
    if not outcomes:
        return None
    fig = Figure(figsize=(4.0 * min(len(outcomes), 3), 3.4 * math.ceil(len(outcomes) / 3)),
                 dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(math.ceil(len(outcomes) / 3), min(len(outcomes), 3), squeeze=False)
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        if paired:
            table, _ = paired_reductions(ok, outcome, others)
            label = f"reduction vs {DO_NOTHING}"
        else:
            table = ok.groupby(["sample", "portfolio"])[outcome].mean().unstack()
            label = outcome
        names = list(table.columns)
        ax.boxplot([table[p].dropna().to_numpy() for p in names], whis=(5, 95),
                   showfliers=False)
        ax.set_xticks(range(1, len(names) + 1), names, rotation=20, fontsize="small")
        if paired:
            ax.axhline(0, color="grey", lw=0.8)
        ax.set_title(outcome, fontsize="medium")
        ax.set_ylabel(label, fontsize="small")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(outcomes):]:
        ax.set_visible(False)
    fig.suptitle("Replicate-averaged value at each sample point (box: quartiles, whiskers: "
                 "5th–95th percentiles)", fontsize="small")
    return embed_png(fig)


def _analysis_sections(folder: Path) -> list[str]:
    analysis = folder / "analysis"
    if not analysis.is_dir():
        return ["<h2>Sensitivity and robustness</h2>",
                "<p class='note'>Not analysed yet: run <code>vsim analyse</code>.</p>"]
    parts = []
    for name, caption in (("indices", "Sensitivity indices"),
                          ("robustness", "Reduction against the baseline across the "
                                         "uncertainty space (replicate-averaged per point)"),
                          ("probability_best", "Probability that each option is best "
                                               "(95% bootstrap interval over design blocks)")):
        table = find_table(name, analysis)
        if table is not None:
            parts += [f"<h2>{caption}</h2>", html_table(table)]
    notes = analysis / "notes.txt"
    if notes.exists() and notes.read_text(encoding="utf-8").strip():
        parts.append(f"<p class='note'>{html.escape(notes.read_text(encoding='utf-8'))}</p>")
    for png in sorted(analysis.glob("*.png")):
        parts.append(embed_png(png))
    return parts


def _provenance_sections(folder: Path, manifest: dict, runs: pd.DataFrame,
                         size: int) -> list[str]:
    parts = ["<h2>Provenance</h2>",
             f"<p>Root seed {manifest['root_seed']}. A run's seed is derived from the root "
             f"seed, its design block and its replicate: every point of a block and every "
             f"portfolio share it (common random numbers); replicates differ.</p>"]
    if len(runs):
        runs = runs.assign(block=runs["sample"] // size)
        if len(runs) <= MAX_ROWS:
            cols = [c for c in ("run", "sample", "block", "portfolio", "replicate", "seed",
                                "status", "scenario_sha256") if c in runs.columns]
            parts.append(html_table(runs.sort_values(["sample", "portfolio", "replicate"])
                                     [cols], "Runs: seeds and scenario hashes"))
        else:
            seeds = runs.groupby(["block", "replicate"])["seed"].agg(["first", "nunique"])
            table = seeds["first"].unstack("replicate").astype("Int64")  # seeds stay whole
            table.columns = [f"replicate {c}" for c in table.columns]
            parts.append(html_table(table.reset_index(), "Seeds per design block and "
                                                           "replicate"))
            if (seeds["nunique"] > 1).any():
                parts.append("<p class='note'>Warning: some blocks hold runs with different "
                             "seeds for the same replicate.</p>")
        if "scenario_sha256" in runs.columns and runs["scenario_sha256"].notna().any():
            hashes = runs.groupby("portfolio")["scenario_sha256"].agg(
                runs="size", distinct_scenarios="nunique", first="first").reset_index()
            hashes = hashes.rename(columns={"first": "scenario_sha256 of its first run"})
            parts.append(html_table(hashes, "Scenario hashes (one resolved scenario per "
                                             "sample point and portfolio)"))
            parts.append("<p class='note'>Every run's seed and scenario hash is in "
                         "runs/NNNNNNN.json.</p>")
    parts += _version_sections(folder, manifest, runs)
    parts.append(details_html("sweep.json", json.dumps(manifest, indent=2)))
    return parts


def _version_sections(folder: Path, manifest: dict, runs: pd.DataFrame) -> list[str]:
    recorded = manifest.get("versions") or {}
    parts = []
    if recorded:
        parts.append(html_table(pd.DataFrame({"package": list(recorded),
                                               "version": list(recorded.values())}),
                                 "Versions (sweep.json)"))
    per_run = _run_versions(folder, runs)
    if per_run:
        counts: dict[str, int] = {}
        for v in per_run:
            counts[v] = counts.get(v, 0) + 1
        if len(counts) == 1 and json.loads(next(iter(counts))) == recorded:
            parts.append(f"<p>All {len(per_run):,} runs recorded the versions above.</p>")
        else:
            rows = [{"runs": n, **json.loads(v)} for v, n in counts.items()]
            parts.append(html_table(pd.DataFrame(rows), "Versions recorded by the runs"))
            if len(counts) > 1:
                parts.append("<p class='note'>Warning: the runs were made with different "
                             "versions.</p>")
    elif len(runs):
        parts.append("<p class='note'>The runs of this sweep did not record their versions."
                     "</p>")
    return parts


def _run_versions(folder: Path, runs: pd.DataFrame) -> list[str]:
    """Each run's versions as canonical JSON text (empty if the runs did not record them)."""
    columns = [c for c in runs.columns if str(c).startswith("version:")]
    if columns:  # runs.parquet: one version:<package> column per package
        return [json.dumps({c.removeprefix("version:"): v for c, v in row.items()
                            if isinstance(v, str)}, sort_keys=True)
                for row in runs[columns].to_dict("records")
                if any(isinstance(v, str) for v in row.values())]
    return [json.dumps(r["versions"], sort_keys=True) for r in finished(folder).values()
            if isinstance(r.get("versions"), dict)]
