"""One self-contained HTML report of a ``run``, ``compare`` or ``sweep`` output folder.

Plots are embedded as base64 PNG, so the file can be mailed or attached to a paper as it is.
The report shows the scenario(s), key outcomes with intervals where the folder has them, the
plots, and the provenance (seeds, versions, scenario hashes).
"""

from __future__ import annotations

import html
import json
import tomllib
from pathlib import Path

import pandas as pd

from vsim.loading import ScenarioError
from vsim.report_brief import budget_brief, compare_brief
from vsim.report_html import embed_png, find_table, html_table
from vsim.report_sweep import sweep_sections
from vsim.results import write_atomic
from vsim.tables import summary_table

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:1100px;margin:2em auto;
color:#1d2733;line-height:1.45}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccd;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;font-size:.85em;margin:.6em 0}
th,td{border:1px solid #d8dde6;padding:.25em .5em;text-align:right}
th{background:#eef2f7}td:first-child,th:first-child{text-align:left}
img{max-width:100%;height:auto;border:1px solid #e3e7ee;margin:.4em 0}
.wide{overflow-x:auto;max-width:100%}
figure{margin:1em 0}figcaption{font-weight:600;margin-bottom:.2em}
.brief{background:#f4f7fb;border:1px solid #d8e0ea;border-radius:6px;padding:.4em 1.2em}
.headline{font-size:1.12em}
table.key td{text-align:right}table.key td:first-child{text-align:left}
details{margin:.4em 0}
pre{background:#f5f7fa;padding:.8em;overflow:auto;font-size:.8em}
.note{color:#5a6675}
"""


def kind_of(folder: Path) -> str:
    """'sweep', 'compare' or 'run', from the files the folder holds."""
    if (folder / "sweep.json").exists():
        return "sweep"
    if _manifest_kind(folder) == "budget":
        return "budget"
    if (folder / "fit.json").exists() and (folder / "posterior.parquet").exists():
        return "calibration"
    if any(folder.glob("summary.*")) and any(folder.glob("comparison.*")):
        return "compare"
    if (folder / "manifest.json").exists() and any(folder.glob("steps.*")):
        return "run"
    if ((folder / "design.parquet").exists() or (folder / "experiment.toml").exists()
            or any((folder / "runs").glob("[0-9]*.json"))):
        raise ScenarioError(str(folder), [
            "sweep.json is missing: this looks like a vsim sweep folder (it holds "
            "experiment.toml, design.parquet or runs/) but its manifest is gone"])
    raise ScenarioError(str(folder), [
        "not a vsim output folder: expected the results of vsim run (manifest.json, steps), "
        "vsim compare (summary, comparison), vsim sweep (sweep.json) or vsim calibrate "
        "(fit.json, posterior.parquet)"])


def _manifest_kind(folder: Path) -> str | None:
    try:
        return json.loads((folder / "manifest.json").read_text(encoding="utf-8")).get("kind")
    except (OSError, ValueError, AttributeError):
        return None


def _run_figures(folder: Path) -> list[str]:
    # deferred: matplotlib with pyplot takes ~0.8 s to import; only a report's figures need it
    import matplotlib

    matplotlib.use("Agg")  # no display: the figures are embedded as PNG
    import matplotlib.pyplot as plt  # deferred, as above (after choosing the backend)

    steps = find_table("steps", folder)
    out = []
    if steps is None or steps.empty:
        return out
    steps["date"] = pd.to_datetime(steps["date"])
    fig, ax = plt.subplots(figsize=(9, 3.2))
    ax.plot(steps["date"], steps["incidents"], lw=0.6, color="#9cb3cc", label="per step")
    ax.plot(steps["date"], steps["incidents"].rolling(4, min_periods=1).mean(), color="#1f4e79",
            label="4-step mean")
    ax.set_ylabel("incidents")
    ax.legend()
    fig.tight_layout()
    out.append(embed_png(fig))
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(9, 3.2))
    for col in ("n_at_risk", "n_involved", "n_entrenched", "n_exploited", "in_custody"):
        ax.plot(steps["date"], steps[col], label=col.removeprefix("n_").replace("_", " "))
    ax.set_ylabel("young people")
    ax.legend(ncol=5, fontsize=8)
    fig.tight_layout()
    out.append(embed_png(fig))
    plt.close(fig)
    if "worried_share" in steps and steps["worried_share"].notna().any():
        fig, ax = plt.subplots(figsize=(9, 3.2))
        ax.plot(steps["date"], 100 * steps["worried_share"], color="#a1232b",
                label="residents worried about knife crime")
        ax.plot(steps["date"], 100 * steps["young_people_afraid"], color="#6a3d9a",
                label="young people afraid of violence")
        ax.set_ylabel("%")
        ax.set_ylim(0, 100)
        ax.legend(fontsize=8)
        fig.tight_layout()
        out.append(embed_png(fig))
        plt.close(fig)
    return out


def build_report(folder: Path) -> str:
    """The HTML text of the report for ``folder``."""
    kind = kind_of(folder)
    parts = [f"<!doctype html><meta charset='utf-8'><title>vsim {kind}: "
             f"{html.escape(folder.name)}</title><style>{STYLE}</style>",
             f"<h1>vsim {kind} report — {html.escape(folder.name)}</h1>"]
    if kind == "run":
        parts += _run_sections(folder)
    elif kind == "compare":
        parts += _compare_sections(folder)
    elif kind == "calibration":
        parts += _calibration_sections(folder)
    elif kind == "budget":
        parts += _budget_sections(folder)
    else:
        parts += sweep_sections(folder)
    return "\n".join(parts)


def _run_sections(folder: Path) -> list[str]:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    steps = find_table("steps", folder)
    scenario_text = (folder / "scenario.toml").read_text(encoding="utf-8")
    residents = _residents(scenario_text)
    parts = ["<h2>Key outcomes by year</h2>",
             html_table(summary_table(steps, residents, manifest["step_days"]))]
    parts += ["<h2>Over time</h2>"] + _run_figures(folder)
    costs = find_table("costs", folder)
    if costs is not None and len(costs):
        by = costs.groupby("intervention")[["cost_total", "new_enrolments", "completed",
                                             "dropped_out"]].sum().reset_index()
        parts += ["<h2>Interventions</h2>", html_table(by)]
    budget = find_table("budget", folder)
    if budget is not None and len(budget):
        parts.append(html_table(budget, "Budget"))
    parts += ["<h2>Provenance</h2>", f"<pre>{html.escape(json.dumps(manifest, indent=2))}</pre>",
              "<h2>Scenario (fully resolved)</h2>", f"<pre>{html.escape(scenario_text)}</pre>"]
    return parts


def _residents(scenario_text: str) -> int:
    return int(tomllib.loads(scenario_text).get("area", {}).get("residents", 1))


def _compare_sections(folder: Path) -> list[str]:
    """The brief, then the technical tables: every outcome, appraisal, provenance."""
    parts = compare_brief(folder) + ["<h2>Technical tables</h2>"]
    summary = find_table("summary", folder)
    if summary is not None:
        parts.append("<div class='wide'>" + html_table(
            summary, "Every outcome against the baseline (95% intervals over replicates)",
            max_rows=len(summary)) + "</div>")
    for name, caption in (("grant_cliff", "The grant cliff: after the funding ends"),
                          ("evidence_strength", "Evidence behind each intervention's effect"),
                          ("probability_best", "Probability each scenario is best"),
                          ("posterior_variance", "Variance from parameters and from chance")):
        table = find_table(name, folder)
        if table is not None and len(table):
            parts.append("<div class='wide'>" + html_table(table, caption) + "</div>")
    for name in ("manifest.json", "compare.json"):
        if (folder / name).exists():
            parts += ["<h2>Provenance</h2>",
                      f"<pre>{html.escape((folder / name).read_text(encoding='utf-8'))}</pre>"]
    for toml in sorted(folder.glob("*.toml")):
        parts += [f"<h2>{html.escape(toml.name)}</h2>",
                  f"<pre>{html.escape(toml.read_text(encoding='utf-8'))}</pre>"]
    return parts


def _budget_sections(folder: Path) -> list[str]:
    """The brief of a budget search, then every allocation tried and the provenance."""
    parts = budget_brief(folder) + ["<h2>Technical tables</h2>"]
    trials = find_table("trials", folder)
    if trials is not None:
        parts.append("<div class='wide'>" + html_table(
            trials.sort_values("cost_per_year"), "Every allocation tried") + "</div>")
    for name in ("manifest.json", "chosen.toml", "scenario.toml"):
        if (folder / name).exists():
            parts += [f"<h2>{name}</h2>",
                      f"<pre>{html.escape((folder / name).read_text(encoding='utf-8'))}</pre>"]
    return parts


def _calibration_sections(folder: Path) -> list[str]:
    """Headline, parameters (identified or not), predictive checks, diagnostics, plots."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    share = manifest.get("youth_share_of_recorded_violence") or {}
    parts = [f"<p>Stopped ({html.escape(str(manifest.get('stopped')))}) after "
             f"{manifest.get('generations')} generations and {manifest.get('simulations'):,} "
             f"simulations ({manifest.get('seconds')} s).</p>"]
    if share.get("mean") is not None:
        parts.append(f"<p>Young people's share of recorded violence: {share['mean']:.1%} "
                     f"[{share['q05']:.1%}, {share['q95']:.1%}] (90% of posterior draws)</p>")
    if manifest.get("not_identified"):
        parts.append("<p class='note'>Not pinned down by the targets (posterior spread at "
                     "least 80% of the prior's): "
                     f"{html.escape(', '.join(manifest['not_identified']))}</p>")
    for name, caption in (("parameters", "Posterior of each parameter (5% and 95% quantiles; "
                                         "sd_ratio: posterior spread over the prior's)"),
                          ("targets", "Posterior-predictive checks: each target's data value "
                                      "against its predictive 90% range"),
                          ("generations", "Per generation: epsilon, samples, acceptance rate, "
                                          "effective sample size, simulations so far, seconds")):
        table = find_table(name, folder)
        if table is not None:
            parts += [f"<h2>{html.escape(name.capitalize())}</h2>", html_table(table, caption)]
    for png in sorted(folder.glob("*.png")):
        parts += [f"<h2>{html.escape(png.stem.replace('_', ' '))}</h2>", embed_png(png)]
    parts += ["<h2>Provenance</h2>", f"<pre>{html.escape(json.dumps(manifest, indent=2))}</pre>"]
    for toml in ("calibration.toml", "scenario.toml"):
        if (folder / toml).exists():
            parts += [f"<h2>{toml}</h2>",
                      f"<pre>{html.escape((folder / toml).read_text(encoding='utf-8'))}</pre>"]
    return parts


def write_report(folder: Path, output: Path | None = None) -> Path:
    """Write ``report.html`` (or ``output``) for the folder, atomically."""
    text = build_report(folder)
    target = output or folder / "report.html"
    write_atomic(target, text.encode("utf-8"))
    return target
