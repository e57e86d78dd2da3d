"""The teaching page end to end in a real browser: Playwright driving Debian's chromium.

``vsim ui`` is started as a user would start it; the test steps the model, checks the charts
and the network redraw, moves a slider and sees the outcome respond after Reset, loads a lesson
from the picker, saves screenshots, and checks that the page asked nothing of any address but
127.0.0.1 (everything offline). ``.ci/run`` installs chromium when it is missing; Playwright's
own browser download cannot work on these machines, so the system browser is used.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason=(
    "needs Debian's chromium (apt-get install -y chromium; .ci/run installs it)"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def page_url():
    """``vsim ui teaching/grant_cliff`` on a free port, stopped after the module."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "vsim", "ui", "teaching/grant_cliff",
                               "--port", str(port)], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                break
        except OSError:
            assert server.poll() is None, server.stdout.read()
            time.sleep(0.3)
    yield url
    server.terminate()
    server.wait(timeout=30)


@pytest.fixture()
def browser_page(page_url):
    from playwright.sync_api import sync_playwright  # deferred: only the browser tests need it

    requests, failures = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.on("request", lambda r: requests.append(r.url))
        page.on("response", lambda r: failures.append(f"{r.status} {r.url}")
                if r.status >= 400 else None)
        page.set_default_timeout(60_000)
        page.goto(page_url)
        page.wait_for_selector(".vsim-incidents canvas")
        page.wait_for_selector(".vsim-network canvas")
        yield page, requests, failures
        browser.close()


def week_shown(page) -> int:
    return int(re.search(r"Week (\d+) of", page.locator(".vsim-status").inner_text()).group(1))


def step(page, times: int) -> None:
    """Press Step ``times`` times, each time waiting for the page to show the new week."""
    for _ in range(times):
        now = week_shown(page)
        page.get_by_role("button", name="Step").click()
        page.wait_for_function(
            f"document.querySelector('.vsim-status').innerText.includes('Week {now + 1} of')")


def averted(page) -> int:
    return int(page.locator(".vsim-averted").inner_text().replace(",", ""))


def picture(page, selector: str) -> bytes:
    page.wait_for_timeout(400)  # let ECharts finish drawing the new option
    return page.locator(selector).screenshot()


def test_the_page_runs_redraws_responds_to_a_slider_and_loads_a_lesson(browser_page, tmp_path):
    page, requests, failures = browser_page
    shots = os.environ.get("VSIM_SCREENSHOTS", str(tmp_path))
    assert week_shown(page) == 0
    assert "3. The grant cliff" in page.locator(".vsim-lesson").inner_text()
    before = {name: picture(page, f".vsim-{name}") for name in ("incidents", "network", "fear")}
    page.screenshot(path=f"{shots}/teaching-start.png", full_page=True)

    step(page, 20)
    assert week_shown(page) == 20
    for name, image in before.items():  # the charts and the network were redrawn
        assert picture(page, f".vsim-{name}") != image, name
    first = averted(page)
    assert first > 0  # the mentoring averts incidents in 20 weeks (seed 13)
    page.screenshot(path=f"{shots}/teaching-week-20.png", full_page=True)

    # Staff to 0: the page says a rebuild is needed; after Reset nothing is averted
    staff = page.locator(".vsim-settings .v-input", has_text="Staff").first
    staff.locator("[role=slider]").focus()
    page.keyboard.press("Home")
    page.wait_for_selector(".vsim-rebuild")
    assert "Staff: 0" in staff.inner_text()
    page.get_by_role("button", name="Reset").click()
    page.wait_for_function("document.querySelector('.vsim-status').innerText"
                           ".includes('Week 0 of')")
    page.wait_for_selector(".vsim-rebuild", state="detached")  # the notice goes with the rebuild
    assert "Staff: 0" in page.locator(".vsim-settings").first.inner_text()  # Reset kept it
    step(page, 20)
    assert averted(page) == 0 != first

    # A lesson from the picker
    page.locator(".v-select").first.click()
    page.get_by_role("option", name="teaching/threshold").click()
    page.wait_for_function("document.querySelector('.vsim-lesson') && document"
                           ".querySelector('.vsim-lesson').innerText.includes('1. A contagion')")
    page.wait_for_function("document.querySelector('.vsim-status').innerText"
                           ".includes('Week 0 of 417')")  # the threshold lesson: 8 years
    step(page, 3)
    page.screenshot(path=f"{shots}/teaching-lesson.png", full_page=True)

    outside = [url for url in requests if not re.match(r"(http|ws)://127\.0\.0\.1:\d+/", url)
               and not url.startswith(("data:", "blob:"))]
    assert not outside, outside[:5]
    assert not failures, failures[:5]  # nothing missing from the offline assets
