"""The teaching page's parts without a browser: twins, feed, controls, charts, lessons."""

from __future__ import annotations

import socket
import subprocess
import sys

import numpy as np
import pytest
from helpers import REPO

from vsim.interventions.base import ENROLLED
from vsim.loading import ScenarioError, resolve_scenario, shipped_scenarios
from vsim.recorder import programme_cost
from vsim.teaching import charts
from vsim.teaching.controls import scenario_choices, settings_for
from vsim.teaching.feed import incidents_per_1000
from vsim.teaching.geography import neighbourhood_shapes
from vsim.teaching.lessons import lesson_for, lessons
from vsim.teaching.network import NetworkSample
from vsim.teaching.twins import TwinRun, apply_settings, setting_value, without_interventions


def run_for(run: TwinRun, steps: int) -> TwinRun:
    for _ in range(steps):
        run.step()
    return run


@pytest.fixture(scope="module")
def cliff_run():
    """The grant-cliff lesson, 90 weeks in (past its funding end at week 79)."""
    return run_for(TwinRun("teaching/grant_cliff", seed=3), 90)


def test_the_feed_has_a_row_per_recorded_step_matching_the_recorder_and_the_ledgers(cliff_run):
    model, feed = cliff_run.with_interventions, cliff_run.feed.frame()
    rec = model.recorder
    assert list(feed["week"]) == list(range(1, 91))  # burn-in steps are not rows
    for name in ("incidents", "weapon_incidents", "n_exploited", "active_lines"):
        assert np.array_equal(feed[name].to_numpy(), rec.columns[name][:90]), name
    assert feed["spent"].iloc[-1] == pytest.approx(programme_cost(model))
    completed = sum(row["completed"] for iv in model.interventions for row in iv.ledger
                    if row["t"] >= model.n_burn_in)
    assert feed["completed"].iloc[-1] == completed > 0
    # the funding window is open for weeks 1..79 (2024-04-01 to 2025-09-30) and then shut
    assert feed["funded"].iloc[:78].eq(1).all() and feed["funded"].iloc[80:].eq(0).all()
    assert charts.funding_window(cliff_run) == (1, 79)


def test_the_twin_is_the_same_town_and_seed_without_interventions(cliff_run):
    twin = cliff_run.twin
    assert twin.seed == cliff_run.with_interventions.seed == 3
    assert len(twin.scenario.interventions) == 0
    assert twin.scenario.area == cliff_run.scenario.area
    assert len(cliff_run.twin_feed.rows) == len(cliff_run.feed.rows) == 90
    assert cliff_run.averted() == (cliff_run.twin_feed.total("incidents")
                                   - cliff_run.feed.total("incidents"))


def test_a_service_with_no_staff_averts_nothing_step_by_step():
    """Common random numbers: with nobody enrolled the two runs are identical every week."""
    run = run_for(TwinRun("teaching/grant_cliff", seed=5, interventions__0__staff=0), 40)
    assert run.has_twin
    a, b = run.feed.frame(), run.twin_feed.frame()
    for name in ("incidents", "n_involved", "n_exploited", "in_custody"):
        assert np.array_equal(a[name], b[name]), name
    assert run.averted() == 0 and a["enrolled"].eq(0).all()


def test_a_feed_restarts_when_attached_again():
    run = run_for(TwinRun("quick", seed=1), 3)
    assert not run.has_twin and run.twin_feed is run.feed
    run.feed.start(run.with_interventions)
    assert run.feed.rows == [] and run.feed.frame().empty


def test_settings_change_the_named_fields_and_bad_ones_are_refused():
    sc = resolve_scenario("teaching/grant_cliff")
    changed = apply_settings(sc, {"contagion__beta": 0.002, "interventions__0__staff": 3,
                                  "exploiters__n_lines": 4})
    assert changed.contagion.beta == 0.002 and changed.exploiters.n_lines == 4
    assert changed.interventions[0].staff == 3 and sc.interventions[0].staff == 8
    assert setting_value(changed, "interventions__0__staff") == 3
    with pytest.raises(ValueError, match=r"interventions__2__staff.*0\.\.0"):
        apply_settings(sc, {"interventions__2__staff": 1})
    with pytest.raises(ScenarioError, match="beta"):
        apply_settings(sc, {"contagion__beta": -1.0})
    assert len(without_interventions(sc).interventions) == 0


def test_controls_start_at_the_scenarios_values_within_their_ranges():
    sc = resolve_scenario("case_studies/waltham_forest")
    groups = settings_for(sc)
    assert list(groups)[0] == "Mechanisms" and len(groups) == 1 + len(sc.interventions)
    for group in groups.values():
        for name, option in group.items():
            assert option["min"] <= option["value"] <= option["max"], name
            assert option["value"] == pytest.approx(setting_value(sc, name)), name
    retaliation = groups["Mechanisms"]["offending__p_victim_peer"]
    assert retaliation["max"] == pytest.approx(1 - sc.offending.p_victim_place)
    assert groups["Mechanisms"]["exploiters__n_lines"]["type"] == "SliderInt"


def test_a_lessons_own_controls_and_choices_come_first():
    lesson = lesson_for("teaching/targeting")
    groups = settings_for(resolve_scenario(lesson.scenario), lesson)
    first = groups["This lesson"]
    assert list(first) == ["interventions__0__staff", "interventions__0__targeting"]
    assert first["interventions__0__targeting"]["values"] == ["risk_score", "police_referral"]
    assert first["interventions__0__targeting"]["value"] == "risk_score"
    assert all("interventions__0__staff" not in g for k, g in groups.items() if k != "This lesson")


def test_every_lesson_loads_runs_and_names_controls_the_page_has():
    found = lessons()
    assert len(found) >= 5
    assert {f"teaching/{p.stem}" for p in (REPO / "scenarios" / "teaching").glob("*.toml")
            if p.stem != "lessons"} == {lesson.scenario for lesson in found}
    for lesson in found:
        sc = resolve_scenario(lesson.scenario)
        every = {name for group in settings_for(sc).values() for name in group}
        assert set(lesson.controls) <= every, lesson.title
        for choice in lesson.choices:
            assert str(setting_value(sc, choice.field)) in choice.values
        assert lesson.try_ and lesson.notice and lesson.question
    choices = scenario_choices("teaching/threshold")
    assert set(choices[: len(found)]) == {lesson.scenario for lesson in found}
    assert "quick" in choices and set(choices) <= set(shipped_scenarios())
    assert scenario_choices("my/own.toml")[0] == "my/own.toml"


def test_the_incident_chart_plots_both_runs_cumulatively(cliff_run):
    option = charts.incidents_chart(cliff_run)
    with_iv, without = option["series"][0]["data"], option["series"][1]["data"]
    assert with_iv[-1] == [90, cliff_run.feed.total("incidents")]
    assert without[-1] == [90, cliff_run.twin_feed.total("incidents")]
    assert f"{cliff_run.averted():,} averted" in option["title"]["text"]
    marks = option["series"][0]
    assert marks["markLine"]["data"] == [{"xAxis": 79.5}]  # funding ends after week 79
    assert marks["markArea"]["data"][0][0]["xAxis"] == 0.5


def test_the_fear_chart_plots_worry_of_both_runs_and_young_peoples_fear(cliff_run):
    option = charts.fear_chart(cliff_run)
    names = [s["name"] for s in option["series"]]
    assert names == ["residents worried about knife crime", "worried, no interventions",
                     "young people afraid of violence"]
    steps = cliff_run.with_interventions.recorder.columns
    worried = [y for _, y in option["series"][0]["data"]]
    np.testing.assert_allclose(worried, 100 * steps["worried_share"][:90])
    twin = cliff_run.twin.recorder.columns["worried_share"][:90]
    np.testing.assert_allclose([y for _, y in option["series"][1]["data"]], 100 * twin)
    assert option["yAxis"][0]["max"] == 100 and len(option["yAxis"]) == 1
    last = 100 * steps["young_people_afraid"][89]
    assert f"{last:.0f}% of young people afraid" in option["title"]["text"]


def test_planned_spend_is_the_funded_cost_over_the_funding_window(cliff_run):
    weeks = np.arange(1, 91)
    planned = charts.planned_spend(cliff_run, weeks)
    per_year = cliff_run.with_interventions.budget_report[0]["funded_cost_per_year"]
    assert planned[-1] == pytest.approx(per_year * 79 * 7 / 365.25)
    assert planned[85] == planned[-1]  # nothing planned after the cliff
    option = charts.reach_chart(cliff_run)
    names = [s["name"] for s in option["series"]]
    assert names == ["enrolled now", "waiting", "completed so far", "£ spent",
                     "£ planned while funded"]


def test_the_map_shows_incidents_per_1000_residents_per_neighbourhood(cliff_run):
    model = cliff_run.with_interventions
    rate = incidents_per_1000(model)
    counts = model.recorder.by_neighbourhood[:90, :, 0].sum(axis=0)
    residents = model.world.nbhd_share * model.scenario.area.residents
    assert np.allclose(rate, 1000 * counts / residents)
    assert counts.sum() == cliff_run.feed.total("incidents")
    area = charts.area_map(cliff_run)
    option = charts.map_chart(cliff_run, area["note"])
    values = [d["value"] for d in option["series"][0]["data"]]
    assert np.allclose(values, rate, atol=0.01)
    assert not area["real"] and len(area["geojson"]["features"]) == 4


def test_lsoa_named_neighbourhoods_get_their_real_boundaries():
    sc = resolve_scenario(REPO / "calibration" / "calderdale_area.toml")
    shapes = neighbourhood_shapes(sc.neighbourhood_names)
    assert shapes.real and len(shapes.polygons) == 128
    # Calderdale lies around 53.7°N, 1.9°W; longitudes are scaled by cos(latitude)
    centre = np.mean([p.mean(axis=0) for p in shapes.polygons], axis=0)
    assert centre[1] == pytest.approx(53.7, abs=0.1)
    assert centre[0] == pytest.approx(-1.9 * np.cos(np.radians(53.7)), abs=0.1)
    assert not neighbourhood_shapes(["E01010911", "Ward 1"]).real


def test_the_network_sample_is_stable_and_marks_people_correctly(cliff_run):
    model = cliff_run.with_interventions
    sample = NetworkSample(model, max_people=120)
    first = sample.picture(model)
    assert first.xy.shape == (120, 2) and np.isfinite(first.xy).all()
    pids = sample.pids.copy()
    again = sample.picture(model)
    assert np.array_equal(sample.pids, pids)  # nothing changed, so the same people
    slots = np.nonzero(np.isin(model.people.pid, pids))[0]
    assert (first.level == model.people.level[slots]).all()
    enrolled = {int(s) for iv in model.interventions
                for s, st in zip(iv.slots, iv.status, strict=True) if st == ENROLLED and s >= 0}
    assert first.participant.sum() == len(enrolled & set(slots.tolist()))
    # every edge drawn is a friendship of the two people, each drawn once
    partner, degree = model.ties.partner, model.ties.degree
    for a, b in first.edges:
        assert slots[b] in partner[slots[a], :degree[slots[a]]]
    assert len({tuple(e) for e in first.edges}) == len(first.edges)
    assert np.abs(again.xy - first.xy).max() < 0.5  # nudged, not re-laid out
    option = charts.network_chart(cliff_run, sample)
    assert len(option["series"][0]["data"]) == 120


def vsim_ui(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "vsim", "ui", *args], capture_output=True,
                          text=True, timeout=timeout)


def test_vsim_ui_refuses_bad_input_with_exit_code_2_and_no_traceback(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\n[contagion]\nbeta = 2.0\n')
    for args, words in (((str(bad),), "contagion.beta"),
                        (("no/such/scenario",), "no scenario file"),
                        (("quick", "--port", "0"), "--port 0")):
        done = vsim_ui(*args)
        assert done.returncode == 2, (args, done.stderr)
        assert words in done.stderr + done.stdout and "Traceback" not in done.stderr


def test_vsim_ui_refuses_a_port_already_in_use():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = vsim_ui("quick", "--port", str(port))
    assert done.returncode == 2 and f"--port {port}" in done.stderr
    assert "already serving" in done.stderr


def test_vsim_ui_on_the_network_warns_says_where_to_look_and_stops_its_server(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "vsim", "ui", "quick", "--host", "0.0.0.0",
                               "--port", str(port)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        ready = server.stdout.readline()  # printed once the page answers
        assert f"http://127.0.0.1:{port}" in ready and "ready in" in ready
    finally:
        server.terminate()
        server.wait(timeout=30)
    warning = server.stderr.read()
    assert "warning" in warning and "no password" in warning
    with socket.socket() as after:  # terminating vsim ui stopped the page's server too
        assert after.connect_ex(("127.0.0.1", port)) != 0
