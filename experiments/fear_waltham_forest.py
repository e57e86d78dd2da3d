"""Fear of violence against the survey measures, and the Waltham Forest pattern.

Measures, over 5 seeds each (mean and 95% t-interval across seeds):

1. the default borough: residents' mean worried share against the London-average
   assumption (12%), young people's share afraid against 64% (Ben Kinsella Trust, London and
   Nottingham) and 67% (YEF, England and Wales), and weapon carriers with the fear process
   on against off (what the loop from fear to carrying adds);
2. the Waltham Forest case study (scenarios/case_studies/waltham_forest.toml, 4 years): the
   seed's two statements, residents "50 per cent more likely to be concerned about knife
   crime than the London average" (18% against 12%) and fear rising while knife offences
   fell. For the first year after the murder of Jaden Moodie (January 2019, in the scenario
   as a [[fear.events]] row) against the two months before it, and for the same case without
   that event: worry after − before, and weapon incidents against the same case without its
   interventions (the VRP's fall), paired by seed.

Run (from the repository root): python experiments/fear_waltham_forest.py
Writes experiments/results/fear.md and fear.json. Takes about 10 minutes on 2 cores.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

import vsim
from vsim.results import versions, write_atomic

ROOT = Path(__file__).resolve().parent.parent
SEEDS = range(5)
EVENT = pd.Timestamp("2019-01-08")
YEAR_AFTER = pd.Timestamp("2020-01-08")


def interval(values) -> dict:
    """Mean and 95% t-interval over seeds."""
    values = np.asarray(values, np.float64)
    half = stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
    return {"mean": float(values.mean()), "low": float(values.mean() - half),
            "high": float(values.mean() + half)}


def borough() -> dict:
    """The default borough's worry, fear and carriers (fear on and off)."""
    sc = vsim.load_scenario(ROOT / "scenarios" / "borough.toml")
    off = vsim.with_changes(sc, {"processes.fear": False})
    worried, afraid, carriers_on, carriers_off = [], [], [], []
    for seed in SEEDS:
        on = vsim.run(sc, seed=seed).steps
        worried.append(on["worried_share"].mean())
        afraid.append(on["young_people_afraid"].mean())
        carriers_on.append(on["weapon_carriers"].mean())
        carriers_off.append(vsim.run(off, seed=seed).steps["weapon_carriers"].mean())
    ratio = np.array(carriers_on) / np.array(carriers_off)
    return {"worried_share": interval(worried), "young_people_afraid": interval(afraid),
            "carriers_fear_on_over_off": interval(ratio)}


def waltham_forest() -> dict:
    """Worry before and after the event, with and without it; weapon incidents' fall."""
    case = vsim.load_scenario(ROOT / "scenarios" / "case_studies" / "waltham_forest.toml")
    no_event = vsim.with_changes(case, {"fear.events": []})
    no_vrp = vsim.with_changes(case, {"interventions": []})
    out: dict[str, list] = {k: [] for k in (
        "worried_year_after", "worried_before", "rise", "rise_without_event",
        "worried_year_after_without_event", "weapon_fall_pct", "worried_4_years")}
    for seed in SEEDS:
        steps = vsim.run(case, seed=seed).steps
        quiet = vsim.run(no_event, seed=seed).steps
        base = vsim.run(no_vrp, seed=seed).steps
        before, after = steps["date"] < EVENT, (steps["date"] >= EVENT) & (
            steps["date"] < YEAR_AFTER)
        out["worried_before"].append(steps.loc[before, "worried_share"].mean())
        out["worried_year_after"].append(steps.loc[after, "worried_share"].mean())
        out["rise"].append(out["worried_year_after"][-1] - out["worried_before"][-1])
        out["worried_year_after_without_event"].append(quiet.loc[after, "worried_share"].mean())
        out["rise_without_event"].append(quiet.loc[after, "worried_share"].mean()
                                         - quiet.loc[before, "worried_share"].mean())
        w_case, w_base = steps.loc[after, "weapon_incidents"].sum(), base.loc[
            after, "weapon_incidents"].sum()
        out["weapon_fall_pct"].append(100.0 * (w_case - w_base) / w_base)
        out["worried_4_years"].append(steps["worried_share"].mean())
    return {k: interval(v) for k, v in out.items()}


def pct(x: dict, scale: float = 100.0, digits: int = 1) -> str:
    """``mean [low, high]`` of an interval, scaled (100: as a percentage)."""
    return (f"{scale * x['mean']:.{digits}f} [{scale * x['low']:.{digits}f}, "
            f"{scale * x['high']:.{digits}f}]")


LONDON = ("London average 12% (assumption from the CSEW's 12% high worry about violent "
          "crime and the one in ten Londoners who feel at risk from knife- and gun-carrying "
          "gangs; evidence: assume-worry-reference)")
YOUNG = ("64% anxious about knife crime in their area, London and Nottingham 2022–23 "
         "(bkt-london-knife-anxiety); 67% of 13–17-year-olds worried about becoming victims, "
         "England and Wales 2024 (yef-cvv-2024-fear)")


def _table(header: str, rows: list[tuple]) -> str:
    """A markdown table: the header, the rule (numbers right-aligned), the rows."""
    cells = header.count("|") - 1
    lines = [header, "|" + "|".join(["---"] + ["---:"] * (cells - 1)) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def report(figures: dict) -> str:
    """The markdown page of the figures."""
    b, w = figures["borough"], figures["waltham_forest"]
    borough_rows = [
        ("residents worried about knife crime, %", pct(b["worried_share"]), LONDON),
        ("young people afraid of becoming victims, %", pct(b["young_people_afraid"]), YOUNG),
        ("weapon carriers, fear on ÷ fear off", pct(b["carriers_fear_on_over_off"], 1.0, 3),
         "— (the loop from fear to carrying)")]
    case_rows = [
        ("residents worried, two months before the murder of Jaden Moodie, %",
         pct(w["worried_before"])),
        ("residents worried, the year after it, %", pct(w["worried_year_after"])),
        ("rise in worry, percentage points", pct(w["rise"])),
        ("the same without the event: worried the year after, %",
         pct(w["worried_year_after_without_event"])),
        ("the same without the event: rise, percentage points", pct(w["rise_without_event"])),
        ("weapon incidents the year after, against no VRP, %", pct(w["weapon_fall_pct"], 1.0)),
        ("residents worried over the four years, %", pct(w["worried_4_years"]))]
    return f"""# Fear of violence: calibrated figures against the survey measures

Measured with `python experiments/fear_waltham_forest.py` ({figures['date']},
{figures['seconds']:.0f} s, {len(SEEDS)} seeds; mean [95% interval across seeds]). Defaults as
shipped ([fear] in `vsim schema`; ODD §7.17).

## The default borough (Barking and Dagenham's rates)

{_table("| measure | model | survey measure |", borough_rows)}

## Waltham Forest: the seed's two statements

{_table("| measure | model |", case_rows)}

The seed: residents "50 per cent more likely to be concerned about knife crime than the
London average" (18% against the assumed 12%), and fear rising "despite recent reductions in
knife offences" (waltham-forest-knife-fear-rank). Read the rows above against those two: worry
above the London average the year after the event, worry rising while the VRP's weapon
incidents are below what they would have been. Without the event the borough's own incidents
leave worry where its knife-crime rate puts it: the rise is the event's. The knife-offence
fall the model gives (a few per cent) is far smaller than the seed's −29% (see the case-study
notes), so "falling" here is against the no-VRP counterfactual.
"""


def main() -> None:
    """Measure, write the results, print the page."""
    started = time.perf_counter()
    figures = {"borough": borough(), "waltham_forest": waltham_forest()}
    figures["seconds"] = time.perf_counter() - started
    figures["date"] = time.strftime("%Y-%m-%d")
    figures["versions"] = versions()
    out = ROOT / "experiments" / "results"
    write_atomic(out / "fear.json", json.dumps(figures, indent=1).encode())
    write_atomic(out / "fear.md", report(figures).encode())
    print(report(figures))


if __name__ == "__main__":
    main()
