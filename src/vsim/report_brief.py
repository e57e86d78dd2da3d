"""The brief a commissioner reads first: a comparison or a budget search in plain words.

A headline per portfolio ("2.1% fewer violent incidents [1.1, 3.1] over four years; £6,700 per
incident averted; for every £1 spent, £3.40 of crime costs avoided"), the evidence behind its
effects where it is weak, what happens at the grant cliff, a handful of labelled charts, and
the key figures with their meaning, money as £ with separators. The numbers are read from the
folder's own tables, so the brief says what the tables say; the technical tables follow it in
the report.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path

import pandas as pd

from vsim.report_html import embed_png, find_table

# The key figures of a comparison, in the order a commissioner asks for them.
KEY_FIGURES = ("incidents_reduction_pct", "incidents_averted", "weapon_incidents_averted",
               "serious_injury_incidents_averted", "discounted_incidents_averted",
               "pv_programme_cost", "pv_incremental_cost", "pv_crime_cost_averted", "npv",
               "pv_benefit_cost_ratio", "pv_cost_per_incident_averted",
               "benefit_after_funding_share", "n_participants", "direct_averted",
               "spillover_averted", "mean_worried_share_baseline", "mean_worried_share_averted",
               "mean_young_people_afraid_averted")
NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven",
                8: "eight", 9: "nine", 10: "ten"}
CHARTS = (("incidents_over_time.png", "Incidents each month, with and without the "
                                      "portfolio (funded months shaded)"),
          ("worry_over_time.png", "Residents worried about knife crime each month, with "
                                  "and without the portfolio"),
          ("cost_effectiveness.png", "Cost against incidents averted, each replicate a dot"),
          ("acceptability.png", "How likely the portfolio is to be worth its cost, by the "
                                "value put on an incident averted"))


# ----------------------------------------------------------------------------- numbers
def significant(value: float, digits: int = 2) -> float:
    """``value`` rounded to ``digits`` significant figures (headlines: £6,700, not £6,713)."""
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, digits - 1 - int(math.floor(math.log10(abs(value)))))


def money(value: float, digits: int | None = None) -> str:
    """Pounds with separators ("£6,700", "−£1,200"); "–" when missing or unbounded."""
    if value is None or not math.isfinite(value):
        return "–"
    shown = significant(value, digits) if digits else value
    # pence only for small sums (a benefit per £1: £3.44)
    text = f"£{abs(shown):,.2f}" if 0 < abs(shown) < 10 else f"£{abs(shown):,.0f}"
    return f"−{text}" if shown < 0 else text


def number(value: float, decimals: int = 0) -> str:
    """A count or rate with separators ("1,234", "2.1")."""
    if value is None or not math.isfinite(value):
        return "–"
    return f"{value:,.{decimals}f}".replace("-", "−")


def interval(low: float, high: float, show) -> str:
    """"[low, high]" in the same format, or "[unbounded]"."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return "[unbounded]"
    return f"[{show(low)}, {show(high)}]"


def in_unit(value: float, unit: str) -> str:
    """A value as its unit is read: £, %, share as %, ratio to 2 decimals, counts whole."""
    if unit == "£":
        return money(value)
    if unit == "%":
        return number(value, 1) + "%"
    if unit == "share":
        return number(100 * value, 0) + "%"
    if unit == "ratio":
        return number(value, 2)
    if unit.startswith("share of"):  # a share worried or afraid, or a change in one
        return number(100 * value, 1) + "%"
    return number(value, 1 if value is not None and abs(value) < 100 else 0)


def years_in_words(years: float) -> str:
    """"four years", "18 months", "2.5 years"."""
    if abs(years - round(years)) < 0.05 and round(years) in NUMBER_WORDS:
        n = round(years)
        return f"{NUMBER_WORDS[n]} year{'s' if n != 1 else ''}"
    if years < 2:
        return f"{round(years * 12)} months"
    return f"{years:.1f} years"


# ------------------------------------------------------------------------ comparison brief
class Figures:
    """One scenario's rows of a comparison summary, by outcome."""

    def __init__(self, summary: pd.DataFrame, scenario: str):
        self.rows = summary[summary["scenario"] == scenario].set_index("outcome")

    def get(self, outcome: str, column: str = "mean") -> float:
        """A figure; NaN if the outcome is not in the summary."""
        return float(self.rows.loc[outcome, column]) if outcome in self.rows.index else math.nan

    def triple(self, outcome: str) -> tuple[float, float, float]:
        """(mean, low, high)."""
        return self.get(outcome), self.get(outcome, "ci_low"), self.get(outcome, "ci_high")


def fear_sentence(fig: Figures) -> str:
    """Residents' worry and young people's fear against the baseline, in words ('' if off)."""
    base = fig.get("mean_worried_share_baseline")
    if not math.isfinite(base):
        return ""
    parts = []
    for name, who in (("mean_worried_share", "residents worried about knife crime"),
                      ("mean_young_people_afraid", "young people afraid of violence")):
        mean, lo, hi = fig.triple(f"{name}_averted")
        change = "fewer" if mean >= 0 else "more"
        span = (interval(100 * lo, 100 * hi, lambda v: number(v, 1)) if mean >= 0 else
                interval(-100 * hi, -100 * lo, lambda v: number(v, 1)))
        parts.append(f"{number(100 * abs(mean), 1)} percentage points {change} {who} {span}")
    return (f"Fear of violence: {number(100 * base, 1)}% of residents worried about knife "
            f"crime in the baseline; {'; '.join(parts)}.")


def headline(fig: Figures, years: float) -> str:
    """The plain-words headline of one portfolio.

    "more" incidents when the reduction is negative (its interval turned round to match);
    the cost per incident averted and the benefit per £1 only when the portfolio costs
    something and averts incidents on average, where those ratios mean what they say.
    """
    pct, lo, hi = fig.triple("incidents_reduction_pct")

    def span(low: float, high: float) -> str:
        return interval(low, high, lambda v: number(v, 1))

    if not math.isfinite(pct):
        text = f"no change in violent incidents can be measured over {years_in_words(years)}"
    elif pct >= 0:
        text = f"{number(pct, 1)}% fewer violent incidents {span(lo, hi)}"
    else:
        text = f"{number(-pct, 1)}% more violent incidents {span(-hi, -lo)}"
    if math.isfinite(pct):
        text += f" over {years_in_words(years)}"
    averted, alo, ahi = fig.triple("incidents_averted")
    text += f" ({number(averted)} incidents averted {interval(alo, ahi, number)})"
    cost = fig.get("pv_incremental_cost")
    if not (cost > 0 and averted > 0):
        if cost <= 0:
            text += f"; it costs {money(-cost, 2)} less than the baseline (present value)"
        return text + "."
    cpi, clo, chi = fig.triple("pv_cost_per_incident_averted")
    text += f"; {money(cpi, 2)} per incident averted {interval(clo, chi, lambda v: money(v, 2))}"
    bcr, blo, bhi = fig.triple("pv_benefit_cost_ratio")
    if math.isfinite(bcr):
        text += (f"; for every £1 spent, {money(bcr)} of crime costs avoided "
                 f"{interval(blo, bhi, money)}")
    return text + "."


def evidence_note(strengths: pd.DataFrame | None, scenario: str) -> str:
    """Which of the portfolio's effects rest on weak evidence, in words ('' if none)."""
    if strengths is None or strengths.empty:
        return ""
    rows = strengths[(strengths["scenario"] == scenario) & strengths["weak"].astype(bool)]
    if rows.empty:
        return ""
    by_rating: dict[str, list[str]] = {}
    for _, row in rows.iterrows():
        by_rating.setdefault(row["evidence"], []).append(row["intervention"])
    parts = [f"{', '.join(names)}: {rating}" for rating, names in by_rating.items()]
    return ("Weak evidence — the effect of " + "; ".join(parts)
            + ". Treat the figures that rest on them as illustrative (the evidence table's "
              "rating; see evidence_strength).")


def cliff_paragraph(cliff: pd.DataFrame | None, scenario: str) -> str:
    """What happens when the grant ends, from the grant-cliff table ('' if none)."""
    if cliff is None or cliff.empty or scenario not in set(cliff["scenario"]):
        return ""
    rows = cliff[cliff["scenario"] == scenario].set_index("measure")

    def tri(measure):
        r = rows.loc[measure]
        return float(r["mean"]), float(r["ci_low"]), float(r["ci_high"])

    end, elo, ehi = tri("incidents_averted_after_cliff_ending")
    kept, klo, khi = tri("incidents_averted_after_cliff_sustained")
    npv, nlo, nhi = tri("npv_of_sustaining")
    cost_e, cost_k = tri("pv_cost_after_cliff_ending")[0], tri("pv_cost_after_cliff_sustained")[0]
    weeks, wlo, whi = tri("weeks_effect_lasts")
    if math.isnan(weeks):
        lasts = "was too small to measure while funded"
    elif weeks == math.inf:
        lasts = "does not halve before the horizon ends"
    else:
        lasts = (f"halves about {number(weeks)} weeks after it "
                 f"{interval(wlo, whi, number) if math.isfinite(whi) else '[or later]'}")
    ended = pd.Timestamp(rows["funding_end"].iloc[0]).strftime("%-d %B %Y")
    return (f"The funding ends on {ended}. After that, the portfolio "
            f"as planned averts {number(end)} more incidents {interval(elo, ehi, number)} and "
            f"its effect {lasts}; sustained, it would avert {number(kept)} "
            f"{interval(klo, khi, number)}, for {money(cost_k - cost_e, 2)} more (present "
            f"value): a net present value of sustaining it of {money(npv, 2)} "
            f"{interval(nlo, nhi, lambda v: money(v, 2))}.")


def key_figures_table(fig: Figures) -> str:
    """The key figures in words: what, the figure, its 95% interval."""
    rows = []
    for outcome in KEY_FIGURES:
        if outcome not in fig.rows.index:
            continue
        row = fig.rows.loc[outcome]
        unit = str(row["unit"])
        shown = in_unit(float(row["mean"]), unit)
        span = interval(float(row["ci_low"]), float(row["ci_high"]),
                        lambda v, u=unit: in_unit(v, u))
        description = str(row["description"])
        rows.append(f"<tr><td>{html.escape(description[:1].upper() + description[1:])}</td>"
                    f"<td>{html.escape(shown)}</td><td>{html.escape(span)}</td></tr>")
    return ("<div class='wide'><table class='key'><tr><th>key figure</th><th>mean</th>"
            "<th>95% interval</th></tr>" + "".join(rows) + "</table></div>")


def compare_brief(folder: Path) -> list[str]:
    """The brief of a comparison folder: headlines, the grant cliff, charts, key figures."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    summary = find_table("summary", folder)
    timeseries = find_table("timeseries", folder)
    evidence = find_table("evidence_strength", folder)
    cliff = find_table("grant_cliff", folder)
    years = _horizon_years(timeseries)
    appraisal = manifest.get("appraisal") or {}
    sustained = set(manifest.get("sustained", []))
    planned = [s for s in manifest["scenarios"] if s not in sustained]
    parts = ["<section class='brief'><h2>In brief</h2>"]
    for label in planned:
        fig = Figures(summary, label)
        parts.append(f"<p class='headline'><b>{html.escape(label)}</b> against "
                     f"{html.escape(manifest['baseline'])}: {html.escape(headline(fig, years))}"
                     "</p>")
        for text in (fear_sentence(fig), evidence_note(evidence, label),
                     cliff_paragraph(cliff, label)):
            if text:
                parts.append(f"<p>{html.escape(text)}</p>")
    parts.append(f"<p class='note'>Means over {manifest['replicates']} replicates on common "
                 "random numbers, with 95% intervals. Money in "
                 f"{html.escape(str(appraisal.get('price_year', '')))} prices; costs and "
                 f"benefits discounted at {100 * float(appraisal.get('discount_rate', 0)):.1f}% "
                 "a year (HM Treasury Green Book); crime costs are the Home Office unit costs "
                 "of crime moved to that price year with the GDP deflator. Only what happens "
                 "inside the horizon is counted: an effect that outlasts it is worth more than "
                 "shown.</p></section>")
    for name, caption in CHARTS:
        if (folder / name).exists():
            parts += [f"<figure><figcaption>{html.escape(caption)}</figcaption>"
                      f"{embed_png(folder / name)}</figure>"]
    for label in planned:
        parts += [f"<h2>Key figures: {html.escape(label)}</h2>",
                  key_figures_table(Figures(summary, label))]
    return parts


def _horizon_years(timeseries: pd.DataFrame | None) -> float:
    if timeseries is None or timeseries.empty:
        return math.nan
    dates = pd.to_datetime(timeseries["date"]).drop_duplicates().sort_values()
    step = (dates.diff().min() if len(dates) > 1 else pd.Timedelta(days=7))
    return ((dates.max() - dates.min()) + step).days / 365.25


# ---------------------------------------------------------------------------- budget brief
def budget_brief(folder: Path) -> list[str]:
    """The brief of a budget search: the chosen allocation in words and the frontier."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    chosen = manifest["chosen"]
    fresh = chosen.get("confirmed")  # its figures on fresh seeds, when confirmed
    figures = fresh or chosen
    staffed = [f"{label}: {v['staff']} staff" + (f" from quarter {v['start_quarter'] + 1}"
                                                 if v["start_quarter"] else "")
               for label, v in chosen["allocation"].items() if v["staff"]]
    goal = "the most incidents averted" if manifest["objective"] == "incidents" else \
        "the highest net present value"
    averted = interval(figures["incidents_averted_ci_low"],
                       figures["incidents_averted_ci_high"], number)
    npv = interval(figures["npv_ci_low"], figures["npv_ci_high"], lambda v: money(v, 2))
    n_fresh = manifest.get("confirmation_replicates", 0)
    judged = (f" (the search's best three run again on {n_fresh} fresh seeds and judged "
              "there, as the search's own estimates flatter its winners)" if fresh else "")
    where = f"On those {n_fresh} seeds it" if fresh else "It"
    text = (f"With {money(manifest['per_year'])} a year, the allocation with {goal} of the "
            f"{manifest['trials']} tried{judged} is {'; '.join(staffed) or 'to spend nothing'}"
            f", planned at {money(chosen['cost_per_year'])} a year. {where} averts "
            f"{number(figures['incidents_averted'])} incidents {averted}, a net present value "
            f"of {money(figures['npv'], 2)} {npv}.")
    parts = ["<section class='brief'><h2>In brief</h2>",
             f"<p class='headline'>{html.escape(text)}</p>",
             "<p>chosen.toml in this folder is that allocation as a scenario: run "
             "<code>vsim compare chosen.toml --replicates 20</code> to confirm it on more "
             "seeds (the best of many noisy estimates tends to flatter itself).</p></section>"]
    if (folder / "frontier.png").exists():
        parts.append("<figure><figcaption>What each amount of money a year buys: the "
                     "efficient frontier, with every allocation tried</figcaption>"
                     f"{embed_png(folder / 'frontier.png')}</figure>")
    front = find_table("frontier", folder)
    if front is not None:
        rows = "".join(
            f"<tr><td>{money(r['cost_per_year'])}</td><td>{number(r['incidents_averted'], 1)}"
            f"</td><td>{_averted_interval(r)}</td><td>{money(r['npv'])}</td></tr>"
            for _, r in front.iterrows())
        parts += ["<h2>The efficient frontier</h2><div class='wide'><table class='key'><tr>"
                  "<th>planned cost a year</th><th>incidents averted</th><th>95% interval</th>"
                  "<th>net present value</th></tr>" + rows + "</table></div>"]
    return parts


def _averted_interval(row) -> str:
    return interval(row["incidents_averted_ci_low"], row["incidents_averted_ci_high"],
                    lambda v: number(v, 1))
