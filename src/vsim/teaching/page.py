"""The teaching page: Mesa's SolaraViz controls around vsim's charts (``vsim ui`` serves it).

The page is built from Mesa's visualisation parts: :func:`ModelController` (Reset, Play/Pause,
Step, driven by a play interval and steps per redraw, as in ``SolaraViz``), :func:`UserInputs`
for the sliders (Mesa's ``model_params`` format) and Mesa's ``update_counter``, which redraws
every chart after a step. The model it drives is a :class:`TwinRun`; its settings are the
parameters Reset rebuilds it with, so Reset keeps what was chosen. Changing a slider does not
touch the running town: the page says a rebuild is needed until Reset is pressed.

Run it with ``vsim ui [SCENARIO]`` (or ``solara run vsim.teaching.page``; the scenario is read
from the ``VSIM_UI_SCENARIO`` environment variable).
"""

from __future__ import annotations

import os
from html import escape

import solara
from mesa.visualization.solara_viz import ModelController, UserInputs
from mesa.visualization.utils import update_counter

from vsim.loading import ScenarioError
from vsim.teaching import charts
from vsim.teaching.controls import scenario_choices, settings_for
from vsim.teaching.lessons import lesson_for
from vsim.teaching.network import NetworkSample
from vsim.teaching.twins import TwinRun, setting_value

CHART_STYLE = {"style": "height: 360px; width: 100%;"}

# Per browser session (Solara scopes module-level reactives to each connection).
current_run: solara.Reactive[TwinRun | None] = solara.reactive(None)
parameters: solara.Reactive[dict] = solara.reactive({})
play_interval = solara.reactive(150)
steps_per_redraw = solara.reactive(1)
# Mesa's ModelController reads .value of use_threads, so it must be a reactive (not its default)
use_threads = solara.reactive(False)
problem: solara.Reactive[str | None] = solara.reactive(None)


def start_scenario() -> str:
    """The scenario the page opens with: ``VSIM_UI_SCENARIO``, else the first lesson."""
    return os.environ.get("VSIM_UI_SCENARIO", "teaching/threshold")


def build(params: dict) -> None:
    """Build the run from ``params`` (scenario, seed, settings), or report why not."""
    try:
        current_run.set(TwinRun(**params))
        parameters.set(dict(params))
        problem.set(None)
    except (ScenarioError, ValueError, OSError) as error:  # the schema refuses a setting
        problem.set(str(error))


def choose_scenario(name: str) -> None:
    """A new scenario is a new town: rebuild at once with its own defaults."""
    build({"scenario": name})


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _html(text: str, classes: list[str] | None = None) -> None:
    """Text with simple markup (solara.Markdown would fetch KaTeX, which is not offline)."""
    solara.HTML(tag="div", unsafe_innerHTML=text, classes=classes or [],
                style={"font-size": "14px", "line-height": "1.5"})


@solara.component
def ScenarioPicker(run: TwinRun) -> None:
    """The scenario picker: the quick town, the case studies, the lessons."""
    choices = scenario_choices(parameters.value.get("scenario", start_scenario()))
    solara.Select("Scenario", values=choices, value=parameters.value.get("scenario"),
                  on_value=choose_scenario)
    _html(f"<b>{escape(run.scenario.description)}</b><br>"
          f"{run.with_interventions.scenario.n_young_people:,} young people, "
          f"{_count(len(run.scenario.interventions), 'intervention')}, seed {run.seed}.")


@solara.component
def Settings(run: TwinRun) -> None:
    """Sliders for the mechanisms and each intervention, in Mesa's model_params format."""
    lesson = lesson_for(parameters.value.get("scenario", ""))
    groups = settings_for(run.scenario, lesson)

    def on_change(name, value):
        parameters.set({**parameters.value, name: value})

    changed = [name for name, value in parameters.value.items()
               if name not in ("scenario", "seed") and value != setting_value(run.scenario, name)]
    if changed:
        solara.Warning("Settings changed: press Reset to rebuild the town with them "
                       "(the run starts again from week 0).", classes=["vsim-rebuild"])
    for title, options in groups.items():
        with solara.Card(margin=0, classes=["vsim-settings"]):
            _html(f"<b style='font-size:16px'>{escape(title)}</b>")  # wraps at words
            UserInputs({name: _current(option, parameters.value.get(name, option["value"]))
                        for name, option in options.items()}, on_change=on_change)


def _current(option: dict, value) -> dict:
    """A control at its current value, shown in its label (Mesa's sliders do not show it)."""
    shown = f"{value:g}" if isinstance(value, float) else str(value)
    label = option["label"] if option["type"] == "Select" else f"{option['label']}: {shown}"
    return {**option, "value": value, "label": label}


@solara.component
def Status(run: TwinRun) -> None:
    """Week and date, and incidents averted so far."""
    update_counter.get()
    model = run.with_interventions
    _html(f"<b>Week {run.week} of {model.n_recorded}</b> ({model.date:%d %B %Y})<br>"
          f"Incidents averted so far: <b class='vsim-averted'>{run.averted():,}</b>",
          classes=["vsim-status"])


@solara.component
def LessonPanel(scenario_name: str) -> None:
    """What to try, what to notice and a question, for a lesson's scenario."""
    lesson = lesson_for(scenario_name)
    if lesson is None:
        return
    with solara.Card(lesson.title, classes=["vsim-lesson"]):
        _html("".join(f"<p><b>{label}.</b> {escape(text)}</p>" for label, text in (
            ("Try", lesson.try_), ("Notice", lesson.notice), ("Question", lesson.question))))


@solara.component
def Charts(run: TwinRun) -> None:
    """Every chart, redrawn after each step (Mesa's update counter)."""
    update_counter.get()
    area = solara.use_memo(lambda: charts.area_map(run), [id(run)])
    sample = solara.use_memo(lambda: NetworkSample(run.with_interventions), [id(run)])
    with solara.Columns([1, 1]):
        solara.FigureEcharts(option=charts.incidents_chart(run),
                             attributes={**CHART_STYLE, "class": "vsim-incidents"})
        solara.FigureEcharts(option=charts.network_chart(run, sample),
                             attributes={**CHART_STYLE, "class": "vsim-network"})
    with solara.Columns([1, 1]):
        solara.FigureEcharts(option=charts.map_chart(run, area["note"]),
                             maps={"area": area["geojson"]},
                             attributes={**CHART_STYLE, "class": "vsim-map"}).key(
                                 f"map-{id(run)}")
        solara.FigureEcharts(option=charts.reach_chart(run),
                             attributes={**CHART_STYLE, "class": "vsim-reach"})
    with solara.Columns([1, 1]):
        solara.FigureEcharts(option=charts.people_chart(run),
                             attributes={**CHART_STYLE, "class": "vsim-people"})
        solara.FigureEcharts(option=charts.fear_chart(run),
                             attributes={**CHART_STYLE, "class": "vsim-fear"})


@solara.component
def Page() -> None:
    """The whole page: controls in the sidebar, lesson and charts in the main area."""
    if current_run.value is None and problem.value is None:
        build({"scenario": start_scenario()})
    run = current_run.value
    solara.Title("vsim: watch violence spread and interventions interrupt it")
    with solara.AppBar():
        solara.AppBarTitle("vsim teaching page")
    with solara.Sidebar():
        if problem.value:
            solara.Error(problem.value, classes=["vsim-problem"])
        if run is not None:
            ScenarioPicker(run)
            with solara.Card("Run", margin=0):
                ModelController(current_run, model_parameters=parameters,
                                play_interval=play_interval, render_interval=steps_per_redraw,
                                use_threads=use_threads)
                solara.SliderInt("Pause between steps (ms)", value=play_interval, min=0,
                                 max=1000, step=50)
                solara.SliderInt("Steps per redraw", value=steps_per_redraw, min=1, max=26)
                Status(run)
            Settings(run)
    if run is not None:
        LessonPanel(parameters.value.get("scenario", ""))
        Charts(run)

