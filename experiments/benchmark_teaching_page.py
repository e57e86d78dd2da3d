"""Benchmark of the teaching page: how fast it opens and redraws a step.

Measures, for the quick town (3,000 young people) with a mentoring service, so both twins run:

  - server side, per step: both runs stepped, and every chart's ECharts option built and
    serialised to JSON (what the server sends), median over ``--steps`` steps;
  - in a real browser (Playwright on Debian's chromium), per step: from clicking Step to the
    page showing the new week with every chart drawn (two animation frames after the update),
    median over ``--steps`` steps;
  - opening: from starting ``vsim ui`` to its "ready" line, and to the charts drawn in the
    browser (kernels already compiled; a first ever run also compiles them, ~20 s).

With ``--screenshots DIR`` it also saves the two screenshots the README shows: the grant-cliff
lesson after two years, and Calderdale with the Barking and Dagenham portfolio after two years,
mapped on its real LSOA boundaries.
Run: ``python experiments/benchmark_teaching_page.py [--steps 30] [--screenshots docs/images]``.
Writes ``experiments/results/benchmark_teaching_page.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CHROMIUM = "/usr/bin/chromium"
SCENARIO = """# the quick town with mentoring: both twins run
name = "quick_with_mentoring"
description = "Quick town with a mentoring service (teaching page benchmark)"
seed = 7
[time]
years = 2
burn_in_weeks = 52
[area]
residents = 14634
youth_share = 0.205
n_neighbourhoods = 4
[population]
n_young_people = 3000
[[interventions]]
type = "mentoring"
staff = 6
"""


def server_side(path: Path, steps: int) -> dict:
    """Median seconds per step: stepping both runs, and building every chart's option."""
    from vsim.teaching import charts
    from vsim.teaching.network import NetworkSample
    from vsim.teaching.twins import TwinRun

    run = TwinRun(str(path))
    sample, area = NetworkSample(run.with_interventions), charts.area_map(run)
    stepping, drawing, sizes = [], [], []
    for _ in range(steps):
        started = time.perf_counter()
        run.step()
        stepping.append(time.perf_counter() - started)
        started = time.perf_counter()
        options = [charts.incidents_chart(run), charts.network_chart(run, sample),
                   charts.map_chart(run, area["note"]), charts.reach_chart(run),
                   charts.people_chart(run)]
        sizes.append(len(json.dumps(options)))
        drawing.append(time.perf_counter() - started)
    return {"step_both_twins_s": statistics.median(stepping),
            "chart_options_s": statistics.median(drawing),
            "json_bytes_per_step": statistics.median(sizes)}


def free_port() -> int:
    """A port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_ui(scenario: str, port: int) -> tuple[subprocess.Popen, float]:
    """Start ``vsim ui`` and return it with the seconds to its "ready" line."""
    started = time.monotonic()
    server = subprocess.Popen([sys.executable, "-m", "vsim", "ui", scenario, "--port",
                               str(port)], stdout=subprocess.PIPE, text=True, cwd=REPO)
    for line in server.stdout:
        if "ready" in line:
            return server, time.monotonic() - started
    raise RuntimeError("vsim ui did not start")


def browser_side(path: Path, steps: int, shots: Path | None) -> dict:
    """Opening time and median click-to-drawn seconds per step, in chromium."""
    from playwright.sync_api import sync_playwright

    port = free_port()
    server, ready = start_ui(str(path), port)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                                 args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            started = time.monotonic()
            page.goto(f"http://127.0.0.1:{port}")
            page.wait_for_selector(".vsim-people canvas", timeout=120_000)
            first_draw = time.monotonic() - started
            per_step = []
            for k in range(steps):
                started = time.perf_counter()
                page.get_by_role("button", name="Step").click()
                page.wait_for_function("document.querySelector('.vsim-status').innerText"
                                       f".includes('Week {k + 1} of')", polling="raf")
                page.evaluate("() => new Promise(r => requestAnimationFrame("
                              "() => requestAnimationFrame(r)))")
                per_step.append(time.perf_counter() - started)
            browser.close()
    finally:
        server.terminate()
        server.wait()
    if shots is not None:
        screenshots(shots)
    return {"ui_ready_s": ready, "first_charts_drawn_s": first_draw,
            "click_to_redrawn_s": statistics.median(per_step),
            "click_to_redrawn_max_s": max(per_step)}


def screenshots(folder: Path) -> None:
    """The README's two screenshots: a lesson mid-run, and a real-boundary map."""
    from playwright.sync_api import sync_playwright

    folder.mkdir(parents=True, exist_ok=True)
    for scenario, name, weeks in (
            ("teaching/grant_cliff", "teaching-page-grant-cliff.png", 104),
            ("calibration/calderdale_portfolio.toml",
             "teaching-page-calderdale.png", 104)):
        port = free_port()
        server, _ = start_ui(scenario, port)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                                     args=["--no-sandbox", "--disable-gpu"])
                page = browser.new_page(viewport={"width": 1366, "height": 1750})
                page.goto(f"http://127.0.0.1:{port}")
                page.wait_for_selector(".vsim-people canvas", timeout=120_000)
                slider = page.locator(".v-input", has_text="Steps per redraw")
                slider.locator("[role=slider]").focus()
                page.keyboard.press("End")  # 26 steps per redraw
                for k in range(weeks // 26):
                    page.get_by_role("button", name="Step").click()
                    page.wait_for_function(
                        "document.querySelector('.vsim-status').innerText"
                        f".includes('Week {26 * (k + 1)} of')", timeout=120_000)
                page.wait_for_timeout(1500)
                page.screenshot(path=str(folder / name))
                browser.close()
        finally:
            server.terminate()
            server.wait()


def main() -> None:
    """Measure, write the results, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--screenshots", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "quick_with_mentoring.toml"
        path.write_text(SCENARIO, encoding="utf-8")
        server = server_side(path, args.steps)
        browser = browser_side(path, args.steps, args.screenshots)
    result = {"date": dt.date.today().isoformat(), "machine": f"{os.cpu_count()} cores",
              "steps": args.steps, **server, **browser}
    out = HERE / "results" / "benchmark_teaching_page"
    out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    lines = ["# Teaching page benchmark", "",
             f"{result['date']}, {result['machine']}; quick town with mentoring (both twins), "
             f"medians over {args.steps} steps.", "", "| measure | value |", "|---|---:|"]
    for key, value in result.items():
        if re.search(r"_s$|bytes", key):
            shown = f"{value * 1000:.0f} ms" if key.endswith("_s") and value < 5 else (
                f"{value:.1f} s" if key.endswith("_s") else f"{value:,.0f}")
            lines.append(f"| {key} | {shown} |")
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
