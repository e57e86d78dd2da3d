"""Appraise two case studies as a commissioner would: the brief, the grant cliff, the frontier.

For Redbridge (Functional Family Therapy, two funded years) and Barking and Dagenham (four
services funded for 2019/20), with the commands a user types:

1. ``vsim compare CASE -n 10`` (against the same file without interventions; the grant cliff
   runs the portfolio sustained too) and ``vsim report`` on it;
2. ``vsim budget CASE --per-year B --years Y --trials 30 -n 4``, with B the case's own
   planned cost a year and Y its funded years, and ``vsim report`` on it;
3. a headless-chromium screenshot of the Redbridge brief at laptop width (1366 × 900) for
   docs/images/brief-redbridge.png, and each frontier plot for docs/images/.

Run (from the repository root): python experiments/appraise_case_studies.py
Writes experiments/results/appraisal_case_studies.md and .json (the folders themselves go to
results/appraisal/, which git ignores). Takes about 15 minutes on 2 cores.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

import vsim
from vsim.budget import planned_cost_per_year
from vsim.report_brief import interval, money, number
from vsim.results import versions, write_atomic

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "results" / "appraisal"
CASES = {"redbridge": 2.0, "barking_and_dagenham": 1.0}   # funded years of each case
APPRAISAL = ("incidents_reduction_pct", "incidents_averted", "pv_programme_cost",
             "pv_crime_cost_averted", "npv", "pv_benefit_cost_ratio",
             "pv_cost_per_incident_averted", "benefit_after_funding_share")


def vsim_command(*args: str) -> float:
    """Run a vsim command; its wall time in seconds."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "vsim", *args], check=True, cwd=ROOT)
    return time.perf_counter() - started


def appraise(case: str, years: float) -> dict:
    """Compare, report, budget-search and report one case; its figures as a dict."""
    path = ROOT / "scenarios" / "case_studies" / f"{case}.toml"
    sc = vsim.load_scenario(path)
    per_year = round(sum(planned_cost_per_year(iv) for iv in sc.interventions), -3)
    compared, searched = OUT / f"compare-{case}", OUT / f"budget-{case}"
    seconds = {"compare": vsim_command("compare", str(path), "-n", "10", "-j", "2", "--quiet",
                                       "--out", str(compared))}
    vsim_command("report", str(compared))
    seconds["budget"] = vsim_command("budget", str(path), "--per-year", str(per_year),
                                     "--years", str(years), "--trials", "30", "-n", "4",
                                     "-j", "2", "--out", str(searched))
    vsim_command("report", str(searched))
    summary = pd.read_parquet(compared / "summary.parquet")
    label = json.loads((compared / "manifest.json").read_text())["scenarios"][0]
    rows = summary[summary["scenario"] == label].set_index("outcome")
    figures = {o: {c: float(rows.loc[o, c]) for c in ("mean", "ci_low", "ci_high")}
               for o in APPRAISAL}
    cliff = pd.read_parquet(compared / "grant_cliff.parquet")
    budget = json.loads((searched / "manifest.json").read_text())
    frontier = pd.read_parquet(searched / "frontier.parquet")
    return {"case": case, "per_year": per_year, "funded_years": years, "figures": figures,
            "grant_cliff": cliff.drop(columns=["scenario"]).to_dict(orient="records"),
            "chosen": budget["chosen"], "trials": budget["trials"],
            "frontier": frontier[["cost_per_year", "incidents_averted",
                                  "incidents_averted_ci_low", "incidents_averted_ci_high",
                                  "npv"]].to_dict(orient="records"),
            "seconds": seconds}


def screenshot(report: Path, target: Path) -> None:
    """The top of a report at laptop width, in headless chromium."""
    from playwright.sync_api import sync_playwright  # deferred: only this step needs it

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"),
                                             args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.goto(report.as_uri())
        page.screenshot(path=str(target))
        browser.close()


def markdown(results: list[dict]) -> str:
    """The results as the Markdown page experiments/results/appraisal_case_studies.md."""
    def cell(f: dict, show) -> str:
        return f"{show(f['mean'])} {interval(f['ci_low'], f['ci_high'], show)}"

    lines = ["# Appraisal of two case studies", "",
             "Made by `python experiments/appraise_case_studies.py`: `vsim compare CASE -n 10`"
             " (common random numbers, 95% t intervals, Fieller for ratios) and `vsim budget "
             "CASE --per-year B --years Y --trials 30 -n 4`, B the case's planned cost a year. "
             "Money in 2024/25 prices, discounted at 3.5% a year.", ""]
    shows = {"incidents_reduction_pct": lambda v: number(v, 1) + "%",
             "benefit_after_funding_share": lambda v: number(100 * v, 0) + "%",
             "pv_benefit_cost_ratio": lambda v: number(v, 2),
             "incidents_averted": number}
    for r in results:
        lines += [f"## {r['case']}", "", "| figure | mean [95% interval] |", "|---|---|"]
        for name, f in r["figures"].items():
            lines.append(f"| {name} | {cell(f, shows.get(name, money))} |")
        lines += ["", "Grant cliff (after the funding ends):", "",
                  "| measure | mean [95% interval] |", "|---|---|"]
        for row in r["grant_cliff"]:
            show = money if "pv_" in row["measure"] or "npv" in row["measure"] else number
            if row["mean"] == float("inf"):
                lines.append(f"| {row['measure']} | beyond the end of the horizon |")
                continue
            lines.append(f"| {row['measure']} | {show(row['mean'])} "
                         f"{interval(row['ci_low'], row['ci_high'], show)} |")
        chosen = ", ".join(f"{k}: {v['staff']} staff from quarter {v['start_quarter'] + 1}"
                           for k, v in r["chosen"]["allocation"].items() if v["staff"])
        fresh = r["chosen"].get("confirmed") or r["chosen"]
        span = interval(fresh["incidents_averted_ci_low"], fresh["incidents_averted_ci_high"],
                        lambda v: number(v, 1))
        lines += ["", f"Budget £{r['per_year']:,.0f} a year for {r['funded_years']:g} years, "
                      f"{r['trials']} allocations: chosen {chosen or 'nothing'} "
                      f"(£{r['chosen']['cost_per_year']:,.0f} a year): "
                      f"{number(r['chosen']['incidents_averted'], 1)} incidents averted on the "
                      f"search's seeds; run again with the next best two on 4 fresh seeds, "
                      f"{number(fresh['incidents_averted'], 1)} {span}, NPV "
                      f"{money(fresh['npv'])}.", "",
                  "| planned cost a year | incidents averted [95%] | NPV |", "|---|---|---|"]
        for p in r["frontier"]:
            span = interval(p["incidents_averted_ci_low"], p["incidents_averted_ci_high"],
                            lambda v: number(v, 1))
            lines.append(f"| {money(p['cost_per_year'])} | {number(p['incidents_averted'], 1)} "
                         f"{span} | {money(p['npv'])} |")
        lines += ["", f"Wall time: compare {r['seconds']['compare']:.0f} s, budget "
                      f"{r['seconds']['budget']:.0f} s.", ""]
    return "\n".join(lines) + "\n"


def main() -> int:
    """Appraise both cases, take the pictures, write the results page."""
    OUT.mkdir(parents=True, exist_ok=True)
    results = [appraise(case, years) for case, years in CASES.items()]
    images = ROOT / "docs" / "images"
    screenshot(OUT / "compare-redbridge" / "report.html", images / "brief-redbridge.png")
    for case in CASES:
        shutil.copyfile(OUT / f"budget-{case}" / "frontier.png",
                        images / f"frontier-{case}.png")
    meta = {"versions": versions(), "commit": subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
        cwd=ROOT).stdout.strip()}
    folder = ROOT / "experiments" / "results"
    write_atomic(folder / "appraisal_case_studies.json",
                 json.dumps({"results": results, **meta}, indent=2, default=str).encode())
    write_atomic(folder / "appraisal_case_studies.md", markdown(results).encode())
    print(markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
