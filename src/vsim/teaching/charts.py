"""The page's charts, as ECharts options built from a :class:`TwinRun`.

Each function returns a plain dict (an ECharts ``option``) that Solara's ``FigureEcharts``
draws in the browser. ECharts comes with Solara's offline assets (``solara-assets``), so nothing
is fetched from the web, and the server only builds data: a redraw costs milliseconds here.
Labels are in words and money in pounds.
"""

from __future__ import annotations

import numpy as np

from vsim.teaching.feed import incidents_per_1000
from vsim.teaching.geography import neighbourhood_shapes
from vsim.vocabulary import DAYS_PER_YEAR, LEVEL_NAMES

LEVEL_COLOURS = ("#c9d6df", "#f6c85f", "#e8743b", "#a1232b")  # none → entrenched
WITH, WITHOUT, FUNDING = "#1f6fb4", "#8c8c8c", "#a1232b"


def _frame(title: str, y_name: str, n_weeks: int, series: list, right: str | None = None):
    """A line chart over weeks, with the page's common layout."""
    y_axes = [{"type": "value", "name": y_name, "nameLocation": "middle", "nameGap": 45}]
    if right:
        y_axes.append({"type": "value", "name": right, "nameLocation": "middle",
                       "nameGap": 50, "splitLine": {"show": False}})
    return {
        "animation": False,
        "title": {"text": title, "textStyle": {"fontSize": 13}},
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 24, "textStyle": {"fontSize": 11}},
        "grid": {"left": 64, "right": 70 if right else 24, "top": 78, "bottom": 40},
        "xAxis": {"type": "value", "name": "week", "nameLocation": "middle", "nameGap": 26,
                  "min": 0, "max": n_weeks, "axisLabel": {"showMaxLabel": False}},
        "yAxis": y_axes,
        "series": series,
    }


def _line(name: str, x, y, colour: str, dashed: bool = False, **extra) -> dict:
    return {"name": name, "type": "line", "showSymbol": False, "emphasis": {"disabled": True},
            "data": np.column_stack([x, y]).tolist(), "color": colour,
            "lineStyle": {"width": 2, "type": "dashed" if dashed else "solid"}, **extra}


def funding_window(run) -> tuple[int, int] | None:
    """First and last recorded week with any intervention funded (None if never)."""
    model = run.with_interventions
    if not run.has_twin:
        return None
    starts = [iv.t_start for iv in model.interventions]
    ends = [min(iv.t_end, model.total_steps - 1) for iv in model.interventions]
    first = max(0, min(starts) - model.n_burn_in) + 1
    last = max(ends) - model.n_burn_in + 1
    return (first, last) if last >= first else None


def _funding_marks(run) -> dict:
    """A shaded funding window and a line where funding ends (inside the horizon)."""
    window = funding_window(run)
    if window is None:
        return {}
    marks = {"markArea": {"silent": True, "itemStyle": {"color": "rgba(31,111,180,0.07)"},
                          "data": [[{"xAxis": window[0] - 0.5, "name": "funded"},
                                    {"xAxis": window[1] + 0.5}]]}}
    if window[1] < run.scenario.time.n_steps:
        marks["markLine"] = {"silent": True, "symbol": "none",
                             "lineStyle": {"color": FUNDING, "type": "dotted", "width": 2},
                             "label": {"formatter": "funding ends", "color": FUNDING},
                             "data": [{"xAxis": window[1] + 0.5}]}
    return marks


def incidents_chart(run) -> dict:
    """Cumulative incidents with and without the interventions: the gap is what was averted."""
    frame, twin = run.feed.frame(), run.twin_feed.frame()
    weeks = frame["week"].to_numpy()
    with_iv = frame["incidents"].cumsum().to_numpy()
    n_weeks = run.scenario.time.n_steps
    if not run.has_twin:
        return _frame("Violent incidents so far (no interventions in this scenario)",
                      "violent incidents (cumulative)", n_weeks,
                      [_line("incidents", weeks, with_iv, WITH)])
    without = twin["incidents"].cumsum().to_numpy()
    averted = int(without[-1] - with_iv[-1]) if weeks.size else 0
    share = 100.0 * averted / without[-1] if weeks.size and without[-1] else 0.0
    series = [
        _line("with the interventions", weeks, with_iv, WITH, **_funding_marks(run)),
        _line("same area, no interventions", weeks, without, WITHOUT, dashed=True),
    ]
    return _frame(f"Violent incidents so far: {averted:,} averted ({share:.1f}%)",
                  "violent incidents (cumulative)", n_weeks, series)


def people_chart(run) -> dict:
    """Young people involved, exploited and in custody, and active county lines."""
    frame, twin = run.feed.frame(), run.twin_feed.frame()
    weeks = frame["week"].to_numpy()
    series = [
        _line("involved in violence", weeks, frame["n_involved"] + frame["n_entrenched"],
              "#e8743b"),
        _line("exploited (county lines)", weeks, frame["n_exploited"], "#6a3d9a"),
        _line("in custody", weeks, frame["in_custody"], "#333333"),
        {**_line("active county lines", weeks, frame["active_lines"], "#6a3d9a", dashed=True),
         "yAxisIndex": 1, "step": "end"},
    ]
    if run.has_twin:
        series.insert(1, _line("involved, no interventions", weeks,
                               twin["n_involved"] + twin["n_entrenched"], WITHOUT, dashed=True))
    return _frame("Young people involved, exploited, in custody", "young people",
                  run.scenario.time.n_steps, series, right="county lines")


def fear_chart(run) -> dict:
    """Residents worried about knife crime and young people afraid, % (ODD: fear)."""
    frame, twin = run.feed.frame(), run.twin_feed.frame()
    weeks = frame["week"].to_numpy()
    n_weeks = run.scenario.time.n_steps
    if not run.scenario.processes.fear:
        return _frame("Fear of violence (switched off in this scenario)", "%", n_weeks, [])
    series = [
        _line("residents worried about knife crime", weeks, 100 * frame["worried_share"],
              "#a1232b", **_funding_marks(run)),
        _line("young people afraid of violence", weeks, 100 * frame["young_people_afraid"],
              "#6a3d9a"),
    ]
    if run.has_twin:
        series.insert(1, _line("worried, no interventions", weeks,
                               100 * twin["worried_share"], WITHOUT, dashed=True))
    title = "Fear of violence"
    if weeks.size:
        title += (f": {100 * frame['worried_share'].iloc[-1]:.0f}% of residents worried, "
                  f"{100 * frame['young_people_afraid'].iloc[-1]:.0f}% of young people afraid")
    option = _frame(title, "% worried or afraid", n_weeks, series)
    option["yAxis"][0].update(min=0, max=100)  # both shares on one scale, 0 to 100%
    return option


def reach_chart(run) -> dict:
    """Intervention reach (enrolled, waiting, completed) and money spent against the plan."""
    frame = run.feed.frame()
    weeks = frame["week"].to_numpy()
    n_weeks = run.scenario.time.n_steps
    if not run.has_twin:
        option = _frame("No interventions in this scenario", "young people", n_weeks, [])
        return option
    planned = planned_spend(run, weeks)
    series = [
        _line("enrolled now", weeks, frame["enrolled"], WITH, **_funding_marks(run)),
        _line("waiting", weeks, frame["waiting"], "#d4a017"),
        _line("completed so far", weeks, frame["completed"], "#2ca02c"),
        {**_line("£ spent", weeks, (frame["spent"] / 1000).round(1), "#333333"),
         "yAxisIndex": 1},
        {**_line("£ planned while funded", weeks, (planned / 1000).round(1), "#333333",
                 dashed=True),
         "yAxisIndex": 1},
    ]
    spent = float(frame["spent"].iloc[-1]) if weeks.size else 0.0
    return _frame(f"Reach and money: £{spent:,.0f} spent so far", "young people", n_weeks,
                  series, right="£ thousand")


def planned_spend(run, weeks: np.ndarray) -> np.ndarray:
    """Cumulative planned cost by week: each intervention's funded cost over its window.

    The funded cost is the budget rule's (:func:`vsim.budget.fund`): a budget caps it.
    """
    model = run.with_interventions
    funded = {row["intervention"]: row["funded_cost_per_year"] for row in model.budget_report}
    per_step = np.zeros(weeks.size)
    year_share = model.scenario.time.step_days / DAYS_PER_YEAR
    t = weeks - 1 + model.n_burn_in
    for iv in model.interventions:
        open_ = (t >= iv.t_start) & (t <= iv.t_end)
        per_step += funded.get(iv.spec.label, 0.0) * year_share * open_
    return np.cumsum(per_step)


def area_map(run) -> dict:
    """The neighbourhoods as GeoJSON for ECharts' ``registerMap`` (real or schematic)."""
    names = [str(n) for n in run.with_interventions.world.nbhd_names]
    shapes = neighbourhood_shapes(names)
    features = [{"type": "Feature", "properties": {"name": name},
                 "geometry": {"type": "Polygon", "coordinates": [poly.round(5).tolist()]}}
                for name, poly in zip(names, shapes.polygons, strict=True)]
    return {"geojson": {"type": "FeatureCollection", "features": features},
            "note": shapes.note, "real": shapes.real}


def map_chart(run, note: str) -> dict:
    """Incidents so far per 1,000 residents, per neighbourhood (with the interventions)."""
    model = run.with_interventions
    rate = incidents_per_1000(model)
    names = [str(n) for n in model.world.nbhd_names]
    return {
        "animation": False,
        "title": {"text": "Where violence happens: incidents per 1,000 residents",
                  "subtext": note, "textStyle": {"fontSize": 13}},
        "tooltip": {"trigger": "item"},
        "visualMap": {"min": 0, "max": round(max(1.0, float(rate.max())), 1),
                      "calculable": True, "left": 8, "bottom": 8, "text": ["more", "fewer"],
                      "inRange": {"color": ["#fff5f0", "#fc9272", "#a50f15"]}},
        "series": [{"type": "map", "map": "area", "roam": False, "top": 60, "bottom": 10,
                    "aspectScale": 1.0, "label": {"show": False},
                    "itemStyle": {"borderColor": "#666", "borderWidth": 0.5},
                    "data": [{"name": n, "value": round(float(v), 2)}
                             for n, v in zip(names, rate, strict=True)]}],
    }


def network_chart(run, sample) -> dict:
    """A neighbourhood's peer network coloured by involvement, with states marked."""
    pic = sample.picture(run.with_interventions)
    # ECharts snaps small coordinates to whole pixels before scaling: give it a 1,000-wide box
    span = np.ptp(pic.xy, axis=0).max() if pic.xy.size else 1.0
    xy = 1000.0 * (pic.xy - pic.xy.min(axis=0)) / max(span, 1e-9) if pic.xy.size else pic.xy
    # colours come from the categories (involvement level); only the marked carry a style
    nodes = [{"x": int(x), "y": int(y), "category": int(level)}
             for (x, y), level in zip(xy.round(), pic.level, strict=True)]
    for k in np.nonzero(pic.participant | pic.exploited | pic.in_custody)[0]:
        if pic.participant[k]:
            nodes[k]["itemStyle"] = {"borderColor": WITH, "borderWidth": 3}
        if pic.exploited[k] or pic.in_custody[k]:
            nodes[k].update(symbol="triangle" if pic.exploited[k] else "rect", symbolSize=11)
    counts = (f"{int(pic.participant.sum())} in an intervention (blue ring), "
              f"{int(pic.exploited.sum())} exploited (triangle), "
              f"{int(pic.in_custody.sum())} in custody (square)")
    return {
        "animation": False,
        "title": {"text": f"Friendships around {pic.neighbourhood} "
                          f"({pic.xy.shape[0]} young people)",
                  "subtext": counts, "textStyle": {"fontSize": 13}},
        "legend": {"bottom": 0, "data": [n.replace("_", " ") for n in LEVEL_NAMES]},
        "series": [{
            "type": "graph", "layout": "none", "roam": False, "top": 60, "bottom": 30,
            # no hover effects: halves ECharts' redraw of 300 people and their ties
            "silent": True, "emphasis": {"disabled": True},
            "categories": [{"name": n.replace("_", " "), "itemStyle": {"color": c}}
                           for n, c in zip(LEVEL_NAMES, LEVEL_COLOURS, strict=True)],
            "data": nodes,
            "symbolSize": 8,
            "links": [{"source": int(a), "target": int(b)} for a, b in pic.edges],
            "lineStyle": {"color": "#b0b0b0", "width": 0.6, "opacity": 0.8},
        }],
    }
