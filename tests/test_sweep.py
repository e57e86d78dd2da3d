"""Sweeps, checked with numbers.

Determinism across workers and schedulers, resume after a kill, failures, Sobol plumbing
against analytic indices, and malformed experiment files.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vsim.analysis import analyse
from vsim.experiment import load_experiment
from vsim.loading import ScenarioError
from vsim.sweep import execute, finished, results_table
from vsim.testing import ishigami_indices

REPO = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str, name: str = "exp.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


QUICK_EXPERIMENT = f"""
name = "quick_lhs"
base = "{(REPO / 'scenarios' / 'quick.toml').as_posix()}"
root_seed = 4
replicates = 2
population_scale = 0.3
outcomes = ["incidents", "mean_exploited"]
[design]
method = "latin_hypercube"
samples = 3
[[parameters]]
path = "contagion.beta"
low = 0.0004
high = 0.0016
[[portfolios]]
name = "mentoring"
[[portfolios.interventions]]
type = "mentoring"
staff = 1
caseload = 5
"""


def outcomes_of(out: Path) -> pd.DataFrame:
    table = results_table(out)
    return table.drop(columns=["seconds"]).sort_values("run").reset_index(drop=True)


def test_results_identical_whatever_the_worker_count_and_scheduler(tmp_path):
    exp = load_experiment(write(tmp_path, QUICK_EXPERIMENT))
    tables = {}
    for label, kwargs in (("1", {"jobs": 1}), ("2", {"jobs": 2}), ("4", {"jobs": 4}),
                          ("dask", {"jobs": 2, "scheduler": "local"})):
        out = tmp_path / f"out_{label}"
        st = execute(exp, out, **kwargs)
        errors = [r.get("error") for r in finished(out).values() if r["status"] != "ok"]
        assert st["finished"] == st["runs"] == 3 * 2 * 2 and not errors, (label, errors)
        tables[label] = outcomes_of(out)
    for label in ("2", "4", "dask"):
        pd.testing.assert_frame_equal(tables["1"], tables[label], check_exact=True)
    # Common random numbers: both portfolios of a sample point and replicate share the seed.
    seeds = tables["1"].groupby(["sample", "replicate"])["seed"].nunique()
    assert (seeds == 1).all()


FAILING = """
name = "failing"
model = "vsim.testing:failing_model"
outcomes = ["y"]
[design]
method = "morris"
samples = 8
levels = 4
[[parameters]]
path = "x"
low = 0
high = 1
[[parameters]]
path = "z"
low = 0
high = 1
"""


def test_failing_run_is_recorded_and_the_rest_complete(tmp_path):
    out = tmp_path / "out"
    st = execute(load_experiment(write(tmp_path, FAILING)), out, jobs=2)
    table = results_table(out)
    failed = table[table["status"] == "failed"]
    assert st["finished"] == st["runs"] == 8 * 3
    assert 0 < len(failed) < len(table)
    assert (failed["param:x"] > 0.9).all() and (table.loc[table["status"] == "ok",
                                                          "param:x"] <= 0.9).all()
    record = finished(out)[int(failed["run"].iloc[0])]
    assert "RuntimeError: model failed at x" in record["error"]
    assert "Traceback" in record["traceback"] and record["seed"] >= 0
    with pytest.raises(ScenarioError, match="failed"):
        analyse(out)
    result = analyse(out, drop_missing=True)
    assert result.dropped and "trajectories" in result.dropped[0]
    assert len(result.tables["indices"]) == 2


ISHIGAMI = """
name = "ishigami"
model = "vsim.testing:ishigami"
outcomes = ["y"]
root_seed = 3
[design]
method = "sobol"
samples = 1024
""" + "".join(f"""
[[parameters]]
path = "x{k}"
low = {-math.pi}
high = {math.pi}
""" for k in (1, 2, 3))


def test_sobol_pipeline_recovers_ishigami_indices(tmp_path):
    out = tmp_path / "out"
    # isolate=False: Ishigami takes microseconds, a fork per run would take most of the time
    execute(load_experiment(write(tmp_path, ISHIGAMI)), out, jobs=2, isolate=False)
    idx = analyse(out).tables["indices"].set_index("parameter")
    truth = ishigami_indices()
    for name in ("x1", "x2", "x3"):
        for order in ("S1", "ST"):
            # Within the bootstrap 95% interval, widened by 0.02 for the bootstrap's own noise.
            tol = idx.loc[name, f"{order}_conf"] + 0.02
            assert abs(idx.loc[name, order] - truth[order][name]) < tol, (name, order)


@pytest.mark.parametrize("change, field", [
    ('path = "contagion.betta"', "parameters[0].path"),
    ('path = "contagion"', "parameters[0].path"),
    ("low = 0.002", "parameters[0]"),
    ('method = "sobolev"', "design.method"),
    ("samples = 10\nmethod = \"sobol\"", "design"),
    ('base = "missing.toml"', "missing.toml"),
])
def test_malformed_experiment_is_rejected_naming_the_field(tmp_path, change, field):
    text = f"""
name = "bad"
base = "{(REPO / 'scenarios' / 'quick.toml').as_posix()}"
[design]
method = "morris"
[[parameters]]
path = "contagion.beta"
low = 0.0004
high = 0.0016
"""
    key = change.split(" = ")[0]
    lines = [ln for ln in text.splitlines() if not ln.startswith(key + " =")]
    if key == "samples":
        lines = [ln for ln in lines if not ln.startswith("method =")]
        lines.insert(lines.index("[design]") + 1, change)
    elif key in ("method",):
        lines.insert(lines.index("[design]") + 1, change)
    elif key == "base":
        lines.insert(2, change)
    else:
        lines.insert(lines.index("[[parameters]]") + 1, change)
    with pytest.raises(ScenarioError) as info:
        load_experiment(write(tmp_path, "\n".join(lines)))
    assert any(field in p for p in info.value.problems), info.value.problems


def vsim_cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "vsim", *args], cwd=cwd, capture_output=True,
                          text=True)


def test_sweep_analyse_report_commands(tmp_path):
    small = ISHIGAMI.replace("samples = 1024", "samples = 64")
    write(tmp_path, small)
    done = vsim_cli("sweep", "exp.toml", "--out", "sw", "--jobs", "2", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "320 of 320 runs finished (0 failed)" in done.stdout
    st = vsim_cli("sweep", "--status", "sw", cwd=tmp_path)
    assert "320 of 320 runs finished" in st.stdout and "0 to go" in st.stdout
    an = vsim_cli("analyse", "sw", cwd=tmp_path)
    assert an.returncode == 0, an.stderr
    indices = pd.read_parquet(tmp_path / "sw" / "analysis" / "indices.parquet")
    assert set(indices["parameter"]) == {"x1", "x2", "x3"}
    assert list((tmp_path / "sw" / "analysis").glob("*.png"))
    rep = vsim_cli("report", "sw", cwd=tmp_path)
    assert rep.returncode == 0, rep.stderr
    page = (tmp_path / "sw" / "report.html").read_text()
    assert "data:image/png;base64," in page and "Sensitivity indices" in page
    assert "http://" not in page and "src='/" not in page  # self-contained
    # Bad input: exit 2, the field named, nothing written.
    bad = write(tmp_path, small.replace('method = "sobol"', 'method = "sobel"'), "bad.toml")
    res = vsim_cli("sweep", bad.name, "--out", "bad_out", cwd=tmp_path)
    assert res.returncode == 2 and "design.method" in res.stderr
    assert "Traceback" not in res.stderr and not (tmp_path / "bad_out").exists()


def test_report_of_a_run_and_refusal_of_other_folders(tmp_path):
    import vsim
    from vsim.report import write_report

    sc = vsim.with_changes(vsim.load_scenario(REPO / "scenarios" / "quick.toml"),
                           {"interventions": [{"type": "mentoring"}]})
    vsim.run(sc).write(tmp_path / "run")
    page = write_report(tmp_path / "run").read_text()
    # incidents, the young people's levels, and fear of violence (the process is on)
    assert page.count("data:image/png;base64,") == 3
    off = vsim.with_changes(sc, {"processes.fear": False})
    vsim.run(off).write(tmp_path / "off")
    assert write_report(tmp_path / "off").read_text().count("data:image/png;base64,") == 2
    assert "Key outcomes by year" in page and "mentoring" in page and "scenario_sha256" in page
    res = vsim_cli("report", str(tmp_path), cwd=tmp_path)
    assert res.returncode == 2 and "not a vsim output folder" in res.stderr


def test_intervention_parameters_reach_their_intervention_in_every_portfolio(tmp_path):
    """Intervention parameters reach their intervention in every portfolio.

    ``interventions.<label>.<field>`` sets that field of the labelled intervention in each
    portfolio that has it, keeps the family's other defaults, and leaves the baseline alone.
    """
    text = QUICK_EXPERIMENT.replace(
        '[[portfolios]]\nname = "mentoring"',
        '[[parameters]]\npath = "interventions.mentoring.effects.rel_perpetration"\n'
        'low = 0.2\nhigh = 0.9\n'
        '[[parameters]]\npath = "interventions.therapy.caseload"\nlow = 2\nhigh = 8\n'
        'integer = true\n'
        '[[portfolios]]\nname = "both"\n'
        '[[portfolios.interventions]]\ntype = "family_therapy"\nname = "therapy"\n'
        '[[portfolios.interventions]]\ntype = "mentoring"\n'
        '[[portfolios]]\nname = "mentoring"')
    exp = load_experiment(write(tmp_path, text))
    values = {"contagion.beta": 0.001, "interventions.mentoring.effects.rel_perpetration": 0.3,
              "interventions.therapy.caseload": 5.0}
    both = exp.scenario_for(values, "both")
    mentoring = {iv.label: iv for iv in both.interventions}["mentoring"]
    default = {iv.label: iv for iv in exp.scenario_for({}, "both").interventions}["mentoring"]
    assert mentoring.effects.rel_perpetration == 0.3
    # The family's other defaults survive (mentoring's own staff, engagement, other effects).
    assert mentoring.staff == default.staff == 3 and mentoring.p_engage == default.p_engage
    assert mentoring.effects.rel_entry == default.effects.rel_entry
    assert {iv.label: iv for iv in both.interventions}["therapy"].caseload == 5
    alone = exp.scenario_for(values, "mentoring")
    assert [iv.label for iv in alone.interventions] == ["mentoring"]
    assert alone.interventions[0].effects.rel_perpetration == 0.3
    assert alone.interventions[0].staff == 1  # the portfolio's own setting is kept
    assert exp.scenario_for(values, "baseline").interventions == ()
    assert both.contagion.beta == 0.001

    # The parameter reaches the run: enrolled young people's hazards are multiplied by it.
    from vsim.interventions.base import ENROLLED
    from vsim.model import ViolenceModel

    model = ViolenceModel(exp.scenario_for({**values, "interventions.mentoring.effects."
                                                      "rel_perpetration": 0.05}, "mentoring"))
    (mentoring,) = model.interventions
    for _ in range(4):
        model.step()
    on = (mentoring.status == ENROLLED) & (mentoring.slots >= 0)
    assert on.sum() > 0
    assert np.all(model.people.modifier("rel_perpetration")[mentoring.slots[on]]
                  == np.float32(0.05))


@pytest.mark.parametrize("path, named", [
    ("interventions.coaching.staff", "no portfolio has an intervention labelled 'coaching'"),
    ("interventions.mentoring.efects.rel_perpetration", "'efects' is not in 'mentoring'"),
    ("interventions.mentoring", "names no field of the intervention"),
    ("interventions.mentoring.effects", "is a table, not a number"),
])
def test_bad_intervention_parameter_paths_are_named(tmp_path, path, named):
    text = QUICK_EXPERIMENT.replace('path = "contagion.beta"', f'path = "{path}"')
    with pytest.raises(ScenarioError) as info:
        load_experiment(write(tmp_path, text))
    assert any("parameters[0].path" in p and named in p for p in info.value.problems), \
        info.value.problems


def test_a_finished_model_is_freed():
    """A finished model is freed.

    Nothing global keeps a model alive (Mesa 3.3's id counters did, mesa#3179): a sweep
    worker running thousands of runs must not grow with each one.
    """
    import gc
    import weakref

    import vsim
    from vsim.model import ViolenceModel

    model = ViolenceModel(vsim.load_scenario(REPO / "scenarios" / "quick.toml"), tables=False)
    model.run()
    assert len(model.agents) > 0  # lines and places are registered Mesa agents
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is None


def test_noise_is_not_counted_as_sensitivity(tmp_path):
    """Model noise is not counted as sensitivity.

    Every point of a Saltelli block shares its seed, so a parameter the model ignores gets a
    total index of ~0 even though the model is noisy (with a seed per point it got 0.22).
    """
    text = (ISHIGAMI.replace("vsim.testing:ishigami", "vsim.testing:noisy_ishigami")
            .replace("samples = 1024", "samples = 256")
            + '\n[[parameters]]\npath = "x4"\nlow = 0\nhigh = 1\n')
    out = tmp_path / "out"
    execute(load_experiment(write(tmp_path, text)), out, jobs=1, isolate=False)
    runs = results_table(out)
    size = 2 * 4 + 2 if "second_order = true" in text else 4 + 2
    seeds = runs.groupby(runs["sample"] // size)["seed"].nunique()
    assert (seeds == 1).all() and runs["seed"].nunique() == 256
    idx = analyse(out).tables["indices"].set_index("parameter")
    assert abs(idx.loc["x4", "ST"]) < 1e-9 and abs(idx.loc["x4", "S1"]) < 0.05
    assert idx.loc["x1", "ST"] > 0.3  # the real drivers are still found


BAD_BASE = f"""
name = "bad"
base = "{(REPO / 'scenarios' / 'quick.toml').as_posix()}"
outcomes = ["incidents"]
[design]
method = "latin_hypercube"
samples = 4
"""


@pytest.mark.parametrize("tail, named", [
    # a bound outside what the scenario allows is blamed on the bound, with the rule broken
    ('[[parameters]]\npath = "contagion.beta"\nlow = 0.5\nhigh = 1.5\n',
     "parameters[0].high = 1.5 (contagion.beta)"),
    # two ranges that clash inside the design: the point and the rule are named
    ('[[parameters]]\npath = "exploiters.min_age"\nlow = 10\nhigh = 20\ninteger = true\n',
     "exploiters.min_age = 20: exploiters.min_age: 20 must not exceed"),
    # a design too big to hold in memory is refused before it is built
    ("".join(f'[[parameters]]\npath = "contagion.beta{k}"\nlow = 0\nhigh = 1\n'
             for k in range(4)), "at most 1,000,000"),
])
def test_design_problems_name_the_bound_or_point(tmp_path, tail, named):
    text = BAD_BASE + tail
    if "at most" in named:
        text = text.replace('method = "latin_hypercube"\nsamples = 4',
                            'method = "factorial"\nlevels = 100')
    with pytest.raises(ScenarioError) as info:
        load_experiment(write(tmp_path, text))
    assert any(named in p for p in info.value.problems), info.value.problems


@pytest.mark.parametrize("outcomes", ['["incidents", "incidents"]', "[]"])
def test_outcomes_must_be_listed_once_each(tmp_path, outcomes):
    text = (BAD_BASE.replace('outcomes = ["incidents"]', f"outcomes = {outcomes}")
            + '[[parameters]]\npath = "contagion.beta"\nlow = 0.0004\nhigh = 0.001\n')
    with pytest.raises(ScenarioError) as info:
        load_experiment(write(tmp_path, text))
    assert any(p.startswith("outcomes:") for p in info.value.problems), info.value.problems


def test_memory_check_counts_each_worker_and_suggests_a_job_count(tmp_path):
    from vsim.experiment import WORKER_BASE_BYTES
    from vsim.loading import MEMORY_HEADROOM, estimate_memory_bytes, machine_memory_bytes

    exp = load_experiment(write(tmp_path, BAD_BASE + '[[parameters]]\npath = "contagion.beta"'
                                                     '\nlow = 0.0004\nhigh = 0.001\n'))
    per_job = WORKER_BASE_BYTES + estimate_memory_bytes(exp.largest_scenario())
    fits = int(machine_memory_bytes() * MEMORY_HEADROOM // per_job)
    exp.check_memory(fits)  # exactly what fits is accepted
    with pytest.raises(ScenarioError) as info:
        exp.check_memory(fits + 1)
    assert f"--jobs = {fits + 1}" in info.value.problems[0]
    assert f"use --jobs {fits} or fewer" in info.value.problems[0]


def test_a_portfolio_from_a_scenario_file_brings_its_budget(tmp_path):
    funded = tmp_path / "funded.toml"
    funded.write_text('name = "funded"\n[budget]\nper_year = 20000.0\n'
                      '[[interventions]]\ntype = "mentoring"\n')
    text = (BAD_BASE + '[[parameters]]\npath = "contagion.beta"\nlow = 0.0004\nhigh = 0.001\n'
            f'[[portfolios]]\nname = "funded"\nscenario = "{funded.as_posix()}"\n')
    exp = load_experiment(write(tmp_path, text))
    assert exp.scenario_for({"contagion.beta": 0.0005}, "funded").budget.per_year == 20000.0
    assert exp.scenario_for({"contagion.beta": 0.0005}, "baseline").interventions == ()
