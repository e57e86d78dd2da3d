"""Plots of a comparison and a budget search, for the brief a commissioner reads.

Incidents over time with bands and the funding window shaded, the cost-effectiveness plane,
the acceptability curve and the efficient frontier. Money is shown as £ with separators, and
only calendar months the horizon covers completely are plotted (a part month would show as a
drop).

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


POUNDS = FuncFormatter(lambda v, _: f"−£{-v:,.0f}" if v < 0 else f"£{v:,.0f}")


def _with_months(timeseries: pd.DataFrame) -> pd.DataFrame:
    """The steps of complete calendar months only, each with its month.

    A step counts in the month of its first day (as in ``monthly.parquet``). The first month
    is complete if the first step starts on its first day; the last if the last step ends on
    or after its last day.
    """
    dates = timeseries["date"]
    step = (dates.drop_duplicates().sort_values().diff().min()
            if dates.nunique() > 1 else pd.Timedelta(days=7))
    month = dates.dt.to_period("M")
    first, last = dates.min(), dates.max() + step
    keep = pd.Series(True, index=timeseries.index)
    if first.day != 1:
        keep &= month != first.to_period("M")
    if last.to_period("M") == (last - pd.Timedelta(days=1)).to_period("M"):
        keep &= month != (last - pd.Timedelta(days=1)).to_period("M")
    return timeseries[keep].assign(month=month[keep].dt.to_timestamp())


def monthly_bands(timeseries: pd.DataFrame) -> pd.DataFrame:
    """Per scenario and complete calendar month: mean incidents and its 95% interval."""
    ts = _with_months(timeseries)
    per_rep = (ts.groupby(["scenario", "month", "replicate"], sort=True)["incidents"].sum()
               .reset_index())
    return monthly_bands_from(per_rep)


def averted_bands(timeseries: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Per scenario and month: incidents averted against the baseline, with a 95% interval.

    Averted incidents are paired on the same seed; the mean is over replicates, with its 95%
    interval.
    """
    ts = _with_months(timeseries)
    per_rep = (ts.groupby(["scenario", "month", "replicate"], sort=True)["incidents"].sum()
               .reset_index())
    base = per_rep[per_rep["scenario"] == baseline].drop(columns="scenario")
    pairs = per_rep[per_rep["scenario"] != baseline].merge(
        base, on=["month", "replicate"], suffixes=("", "_baseline"))
    pairs["incidents"] = pairs["incidents_baseline"] - pairs["incidents"]
    return monthly_bands_from(pairs)


def monthly_bands_from(per_rep: pd.DataFrame) -> pd.DataFrame:
    """Mean and 95% interval over replicates of ``incidents`` per scenario and month.

    (Any per-replicate monthly value named ``incidents``: the worry plot passes its own.)
    """
    grouped = per_rep.groupby(["scenario", "month"], sort=True)["incidents"]
    out = grouped.agg(["mean", "std", "count"]).reset_index()
    half = [t_quantile(int(n) - 1) * sd / math.sqrt(n) if n > 1 else math.nan
            for sd, n in zip(out["std"], out["count"], strict=True)]
    out["ci_low"] = out["mean"] - np.asarray(half)
    out["ci_high"] = out["mean"] + np.asarray(half)
    return out


def incidents_over_time(timeseries: pd.DataFrame, labels: list[str], path: Path,
                        title: str = "Incidents per month",
                        funding: tuple | None = None) -> Path:
    """Plot incidents per month of each scenario (top), and those averted (bottom).

    The top panel shows mean incidents per month with the 95% interval of the mean, one line
    per scenario; the bottom one incidents averted against the baseline on the same seeds
    (the paired difference, whose interval is narrow thanks to common random numbers).
    ``funding`` = (first day, last day) shades the funding window on both.
    """
    bands = monthly_bands(timeseries)
    fig = _figure(8.0, 6.5)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    if funding is not None:
        for ax in (top, bottom):
            ax.axvspan(pd.Timestamp(funding[0]), pd.Timestamp(funding[1]), color="#f2c14e",
                       alpha=0.18, lw=0, label="funded" if ax is top else None)
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


def worry_over_time(timeseries: pd.DataFrame, labels: list[str], path: Path,
                    funding: tuple | None = None) -> Path:
    """Residents worried about knife crime each month (mean and 95% interval), by scenario."""
    ts = _with_months(timeseries)
    per_rep = (ts.groupby(["scenario", "month", "replicate"], sort=True)["worried_share"]
               .mean().mul(100.0).rename("incidents").reset_index())
    bands = monthly_bands_from(per_rep)
    fig = _figure(8.0, 3.8)
    ax = fig.subplots()
    if funding is not None:
        ax.axvspan(pd.Timestamp(funding[0]), pd.Timestamp(funding[1]), color="#f2c14e",
                   alpha=0.18, lw=0, label="funded")
    for k, label in enumerate(labels):
        part = bands[bands["scenario"] == label]
        colour = f"C{k % 10}"
        ax.plot(part["month"], part["mean"], "--" if k == 0 else "-", color=colour, lw=1.6,
                label=f"{label} (baseline)" if k == 0 else label)
        ax.fill_between(part["month"], part["ci_low"], part["ci_high"], color=colour,
                        alpha=0.2, lw=0)
    ax.set_ylabel("residents worried (%)")
    ax.set_ylim(bottom=0)
    ax.set_title("Residents worried about knife crime, per month (mean and 95% interval)")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    fig.savefig(path, format="png")
    return path


def cost_effectiveness(summary: pd.DataFrame, labels: list[str], path: Path,
                       break_even: float | None = None, baseline: str = "baseline",
                       replicates: pd.DataFrame | None = None) -> Path:
    """The cost-effectiveness plane: discounted cost against discounted incidents averted.

    Each replicate (or posterior draw) is a small point, each scenario's mean a large one with
    95% interval bars. ``break_even`` (pounds of crime cost per incident) draws the line on
    which the crime cost averted equals the cost: below it a scenario saves more than it costs.
    """
    fig = _figure(7.0, 5.0)
    ax = fig.add_subplot()
    s = summary.set_index(["scenario", "outcome"])
    xs = []
    for k, label in enumerate(labels):
        x = s.loc[(label, "discounted_incidents_averted")]
        y = s.loc[(label, "pv_incremental_cost")]
        if replicates is not None:
            part = replicates[replicates["scenario"] == label].pivot(
                index="replicate", columns="outcome", values="value")
            ax.scatter(part["discounted_incidents_averted"], part["pv_incremental_cost"], s=12,
                       color=f"C{(k + 1) % 10}", alpha=0.45, lw=0)
            xs += list(part["discounted_incidents_averted"])
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
    ax.set_xlabel(f"incidents averted against {baseline} (discounted; dots: replicates)")
    ax.set_ylabel(f"cost against {baseline} (present value)")
    ax.yaxis.set_major_formatter(POUNDS)
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


def acceptability_curve(curve: pd.DataFrame, labels: list[str], path: Path,
                        crime_cost_per_incident: float | None = None) -> Path:
    """Probability that each portfolio is worth it at each value per incident averted."""
    fig = _figure(7.0, 4.2)
    ax = fig.add_subplot()
    for k, label in enumerate(labels):
        part = curve[curve["scenario"] == label]
        ax.plot(part["value_per_incident"], part["probability_worth_it"], lw=1.8,
                color=f"C{(k + 1) % 10}", label=label)
    if crime_cost_per_incident:
        ax.axvline(crime_cost_per_incident, color="black", ls=":", lw=1,
                   label=f"cost of crime per incident (£{crime_cost_per_incident:,.0f})")
    ax.axhline(0.5, color="grey", lw=0.6)
    ax.set_ylim(-0.02, 1.02)
    return _finish_money_axis(fig, ax, path, "value of one incident averted",
                              "probability worth it", "Cost-effectiveness acceptability curve")


def _finish_money_axis(fig: Figure, ax, path: Path, xlabel: str, ylabel: str,
                       title: str) -> Path:
    """Pounds on the x axis, labels, grid and legend; save the figure."""
    ax.xaxis.set_major_formatter(POUNDS)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize="small")
    fig.savefig(path, format="png")
    return path


def frontier(trials: pd.DataFrame, front: pd.DataFrame, path: Path, per_year: float,
             chosen: pd.Series | None = None) -> Path:
    """Incidents averted against money a year: every allocation tried, and the frontier."""
    fig = _figure(7.5, 4.6)
    ax = fig.add_subplot()
    ax.scatter(trials["cost_per_year"], trials["incidents_averted"], s=14, color="#9aa7b8",
               label="allocations tried")
    lo = (front["incidents_averted"] - front["incidents_averted_ci_low"]).clip(lower=0)
    hi = (front["incidents_averted_ci_high"] - front["incidents_averted"]).clip(lower=0)
    ax.errorbar(front["cost_per_year"], front["incidents_averted"], yerr=[lo, hi], fmt="-o",
                color="C0", capsize=3, lw=1.6, label="efficient frontier (95% interval)")
    if chosen is not None:
        ax.scatter([chosen["cost_per_year"]], [chosen["incidents_averted"]], s=110,
                   facecolors="none", edgecolors="C3", lw=2, label="chosen", zorder=5)
    ax.axvline(per_year, color="black", ls=":", lw=1, label=f"budget £{per_year:,.0f} a year")
    return _finish_money_axis(fig, ax, path, "planned cost a year",
                              "incidents averted over the horizon", "What the budget buys")
