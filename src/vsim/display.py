"""The printed comparison table: which outcomes, in which order, and how numbers are shown."""

from __future__ import annotations

import math

from vsim.outcomes import comparison_outcome

# (label, outcome key, kind) rows of the printed table; kind picks the number format.
TABLE_ROWS = (
    ("incidents averted", "incidents_averted", "count"),
    ("  % reduction", "incidents_reduction_pct", "pct"),
    ("weapon incidents averted", "weapon_incidents_averted", "count"),
    ("  % reduction", "weapon_incidents_reduction_pct", "pct"),
    ("serious injuries averted", "serious_injury_incidents_averted", "count"),
    ("  % reduction", "serious_injury_incidents_reduction_pct", "pct"),
    ("exploited averted (mean)", "mean_exploited_averted", "decimal"),
    ("  % reduction", "mean_exploited_reduction_pct", "pct"),
    ("direct: participants' incidents averted", "direct_averted", "count"),
    ("  % reduction", "direct_reduction_pct", "pct"),
    ("spillover: untreated peers' incidents averted", "spillover_averted", "count"),
    ("  % reduction", "spillover_reduction_pct", "pct"),
    ("others' incidents averted", "others_averted", "count"),
    ("residents worried about knife crime, fewer (points)", "mean_worried_share_averted",
     "points"),
    ("young people afraid of violence, fewer (points)", "mean_young_people_afraid_averted",
     "points"),
    ("programme cost vs baseline (£)", "incremental_cost", "money"),
    ("  per year (£)", "incremental_cost_per_year", "money"),
    ("crime cost averted (£)", "crime_cost_averted", "money"),
    ("cost per incident averted (£)", "cost_per_incident_averted", "money"),
    ("net benefit (£)", "net_benefit", "money"),
    ("benefit-cost ratio", "benefit_cost_ratio", "ratio"),
    ("Green Book (discounted, one price year):", None, None),
    ("  cost vs baseline, present value (£)", "pv_incremental_cost", "money"),
    ("  crime cost averted, present value (£)", "pv_crime_cost_averted", "money"),
    ("  net present value (£)", "npv", "money"),
    ("  £ of crime cost avoided per £1 spent", "pv_benefit_cost_ratio", "ratio"),
    ("  cost per incident averted (£)", "pv_cost_per_incident_averted", "money"),
    ("  share of benefit after funding ends", "benefit_after_funding_share", "share"),
    ("enrolled", "enrolled", "count"),
    ("completed", "completed", "count"),
    ("waiting at end", "waiting_end", "count"),
)


def format_number(value: float, kind: str) -> str:
    """A number for the printed table."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    if kind == "pct":
        return f"{value:.1f}%"
    if kind == "share":
        return f"{100 * value:.0f}%"
    if kind == "points":  # a change in a share, in percentage points
        return f"{100 * value:.2f}"
    if kind == "ratio":
        return f"{value:.2f}"
    if kind == "decimal":
        return f"{value:,.1f}"
    if kind == "money":
        return f"{value:,.0f}"
    return f"{value:,.1f}" if abs(value) < 100 else f"{value:,.0f}"


def format_cell(mean: float, lo: float, hi: float, kind: str) -> str:
    """``mean [low, high]``; an unbounded interval shows as 'unbounded'."""
    text = format_number(mean, kind)
    if (math.isnan(lo) and math.isnan(hi)) or lo == hi:
        return text
    if math.isinf(lo) or math.isinf(hi):
        return f"{text} (unbounded)"
    return f"{text} [{format_number(lo, kind).rstrip('%')}, {format_number(hi, kind)}]"


for _label, _key, _kind in TABLE_ROWS:  # every row names a declared outcome (or is a heading)
    if _key is not None:
        comparison_outcome(_key)


def table_cells(comparison) -> list[tuple[str, list[str]]]:
    """Rows of the printed table: (label, one cell per scenario)."""
    summary = comparison.summary.set_index(["scenario", "outcome"])
    rows = []
    for label, key, kind in TABLE_ROWS:
        if key is None:
            rows.append((label, [""] * (len(comparison.labels) - 1)))
            continue
        cells = []
        for scenario in comparison.labels[1:]:
            try:
                row = summary.loc[(scenario, key)]
            except KeyError:
                cells.append("–")
                continue
            cells.append(format_cell(float(row["mean"]), float(row["ci_low"]),
                                     float(row["ci_high"]), kind))
        rows.append((label, cells))
    return rows
