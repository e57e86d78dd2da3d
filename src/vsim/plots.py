"""Plots of a comparison: incidents over time with bands, and the cost-effectiveness plane.

Figures are drawn on matplotlib's Agg canvas directly (no pyplot, no display, no global
state), so they can be made in a headless job or a worker process.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from vsim.intervals import t_quantile

DPI = 120


def _figure(width: float = 8.0, height: float = 4.5) -> Figure:
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def monthly_bands(timeseries: pd.DataFrame) -> pd.DataFrame:
    """Per scenario and calendar month: mean incidents over replicates and its 95% interval.

    A step counts in the month of its first day (as in ``monthly.parquet``); months not
    fully covered at either end of the horizon are kept, so their totals are smaller.
    """
    ts = timeseries.assign(month=timeseries["date"].dt.to_period("M").dt.to_timestamp())
    per_rep = (ts.groupby(["scenario", "month", "replicate"], sort=True)["incidents"].sum()
               .reset_index())
    return monthly_bands_from(per_rep)


def averted_bands(timeseries: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Per scenario and month: incidents averted against the baseline, with a 95% interval.

    Averted incidents are paired on the same seed; the mean is over replicates, with its 95%
    interval.
    """
    ts = timeseries.assign(month=timeseries["date"].dt.to_period("M").dt.to_timestamp())
    per_rep = (ts.groupby(["scenario", "month", "replicate"], sort=True)["incidents"].sum()
               .reset_index())
    base = per_rep[per_rep["scenario"] == baseline].drop(columns="scenario")
    pairs = per_rep[per_rep["scenario"] != baseline].merge(
        base, on=["month", "replicate"], suffixes=("", "_baseline"))
    pairs["incidents"] = pairs["incidents_baseline"] - pairs["incidents"]
    return monthly_bands_from(pairs)


def monthly_bands_from(per_rep: pd.DataFrame) -> pd.DataFrame:
    """Mean and 95% interval over replicates of ``incidents`` per scenario and month."""
    grouped = per_rep.groupby(["scenario", "month"], sort=True)["incidents"]
    out = grouped.agg(["mean", "std", "count"]).reset_index()
    half = [t_quantile(int(n) - 1) * sd / math.sqrt(n) if n > 1 else math.nan
            for sd, n in zip(out["std"], out["count"], strict=True)]
    out["ci_low"] = out["mean"] - np.asarray(half)
    out["ci_high"] = out["mean"] + np.asarray(half)
    return out


def incidents_over_time(timeseries: pd.DataFrame, labels: list[str], path: Path,
                        title: str = "Incidents per month") -> Path:
    """Plot incidents per month of each scenario (top), and those averted (bottom).

    The top panel shows mean incidents per month with the 95% interval of the mean, one line
    per scenario; the bottom one incidents averted against the baseline on the same seeds
    (the paired difference, whose interval is narrow thanks to common random numbers).
    """
    bands = monthly_bands(timeseries)
    fig = _figure(8.0, 6.5)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    for k, label in enumerate(labels):
        part = bands[bands["scenario"] == label]
        colour = f"C{k % 10}"
        style = "--" if k == 0 else "-"
        top.plot(part["month"], part["mean"], style, color=colour, lw=1.6,
                 label=f"{label} (baseline)" if k == 0 else label)
        top.fill_between(part["month"], part["ci_low"], part["ci_high"], color=colour,
                         alpha=0.2, lw=0)
    top.set_ylabel("incidents per month")
    top.set_ylim(bottom=0)
    top.set_title(title)
    top.grid(alpha=0.3)
    top.legend(loc="best", fontsize="small")
    averted = averted_bands(timeseries, labels[0])
    for k, label in enumerate(labels[1:], start=1):
        part = averted[averted["scenario"] == label]
        colour = f"C{k % 10}"
        bottom.plot(part["month"], part["mean"], color=colour, lw=1.6, label=label)
        bottom.fill_between(part["month"], part["ci_low"], part["ci_high"], color=colour,
                            alpha=0.2, lw=0)
    bottom.axhline(0, color="grey", lw=0.8)
    bottom.set_ylabel(f"averted vs {labels[0]}")
    bottom.set_xlabel("month")
    bottom.grid(alpha=0.3)
    fig.savefig(path, format="png")
    return path


def cost_effectiveness(summary: pd.DataFrame, labels: list[str], path: Path,
                       break_even: float | None = None, baseline: str = "baseline") -> Path:
    """Cost against incidents averted, one point per scenario with 95% interval bars.

    ``break_even`` (pounds of crime cost per incident) draws the line on which the crime cost
    averted equals the cost: scenarios below it are expected to save more than they cost.
    """
    fig = _figure(7.0, 5.0)
    ax = fig.add_subplot()
    s = summary.set_index(["scenario", "outcome"])
    xs = []
    for k, label in enumerate(labels):
        x = s.loc[(label, "incidents_averted")]
        y = s.loc[(label, "incremental_cost")]
        xerr = _err(x)
        yerr = _err(y)
        ax.errorbar([x["mean"]], [y["mean"]], xerr=xerr, yerr=yerr, fmt="o",
                    color=f"C{(k + 1) % 10}", capsize=4, label=label)
        ax.annotate(label, (x["mean"], y["mean"]), textcoords="offset points",
                    xytext=(6, 6), fontsize="small")
        xs += [x["mean"], x["ci_low"], x["ci_high"]]
    ax.axhline(0, color="grey", lw=0.8)
    ax.axvline(0, color="grey", lw=0.8)
    finite = [v for v in xs if np.isfinite(v)]
    if break_even and finite:
        lo, hi = min(min(finite), 0.0), max(max(finite), 0.0)
        span = np.linspace(lo, hi if hi > lo else 1.0, 50)
        ax.plot(span, span * break_even, ":", color="black", lw=1,
                label=f"break-even: £{break_even:,.0f} of crime cost per incident")
    ax.set_xlabel(f"incidents averted vs {baseline} (mean, 95% interval)")
    ax.set_ylabel(f"programme cost vs {baseline}")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"£{v:,.0f}"))
    ax.set_title("Cost-effectiveness plane")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    fig.savefig(path, format="png")
    return path


def _err(row) -> np.ndarray | None:
    """Asymmetric error bars from a summary row (none when the interval is not finite)."""
    lo, hi, mean = float(row["ci_low"]), float(row["ci_high"]), float(row["mean"])
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return None
    return np.array([[max(mean - lo, 0.0)], [max(hi - mean, 0.0)]])
