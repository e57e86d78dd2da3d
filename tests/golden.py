"""Golden digests: what a run, a comparison and a sweep produce, column by column.

Restructuring the code must not change any result. ``python tests/golden.py --record`` wrote
``tests/golden.json``:
for each case below, one sha256 per table column (of its dtype and values), so a renamed
column shows up as a renamed key with the same digest, and a changed number as a changed
digest. ``tests/test_golden.py`` recomputes them. A deliberate change of results is made in
its own commit that says so and re-records. (The cases with processes switched off and with
14-day steps were added later, after the switches were given their present meaning.)

The fear process came later still: every case recorded before it runs with it switched off
(``processes.fear = false``), so those digests prove that switching it off gives the results of
the model before it, bit for bit; it added columns only. ``quick_fear`` pins it switched on.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
GOLDEN = HERE / "golden.json"
# Timings and versions differ from run to run; they are not results.
NOT_RESULTS = {"seconds", "simulation_seconds", "scenario_sha256"}

PORTFOLIO = [
    {"type": "mentoring"},
    {"type": "family_therapy"},
    {"type": "outreach", "place_kinds": ["park"]},
    {"type": "referral_pathway", "staff": 2},
    {"type": "hotspot_policing", "n_places": 2},
    {"type": "exploiter_disruption"},
    {"type": "workforce_upskilling"},
    {"type": "school_programme", "staff": 2},
    {"type": "trusted_relationships", "strand": "exploited"},
    {"type": "domestic_abuse_support"},
    {"type": "focused_deterrence", "staff": 1},
    {"type": "civil_injunction"},
    {"type": "diversionary_activities", "staff": 1},
    {"type": "targeted_support", "staff": 1},
]


def column_digest(values: pd.Series) -> str:
    """sha256 of a column's dtype and values (categories by label, datetimes as integers)."""
    h = hashlib.sha256()
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(str)
    if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
        h.update(b"text")
        h.update("\x1f".join("<NA>" if pd.isna(v) else str(v) for v in values).encode())
    elif pd.api.types.is_datetime64_any_dtype(values.dtype):
        h.update(b"datetime")
        h.update(values.astype("datetime64[ns]").astype("int64").to_numpy().tobytes())
    elif isinstance(values.dtype, pd.core.dtypes.dtypes.BaseMaskedDtype):
        h.update(str(values.dtype).encode())
        h.update(values.fillna(-(2**62)).to_numpy().astype(np.int64).tobytes())
    else:
        array = values.to_numpy()
        h.update(str(array.dtype).encode())
        h.update(np.ascontiguousarray(array).tobytes())
    return h.hexdigest()[:20]


def table_digest(frame: pd.DataFrame) -> dict:
    """{"rows": n, "columns": {name: digest}} of a table."""
    return {"rows": int(len(frame)),
            "columns": {str(c): column_digest(frame[c].reset_index(drop=True))
                        for c in frame.columns if c not in NOT_RESULTS}}


def long_digest(frame: pd.DataFrame, keys: list[str], name: str, value: str) -> dict:
    """Digest of a long table (one row per key × outcome) as one column per outcome."""
    wide = frame.pivot(index=keys, columns=name, values=value).sort_index()
    return table_digest(wide.reset_index())


def run_tables(results) -> dict:
    """Digest of every table of a run's results."""
    names = ("steps", "monthly", "neighbourhoods", "police_uk", "incidents", "people",
             "snapshots", "costs", "participants", "budget")
    return {name: table_digest(getattr(results, name)) for name in names}


FEAR_OFF = {"processes.fear": False}  # the model as it was before the fear process


def quick_scenario(**changes):
    """The quick scenario with dotted-path changes (the fear process off unless changed)."""
    import vsim
    sc = vsim.load_scenario(REPO / "scenarios" / "quick.toml")
    return vsim.with_changes(sc, {**FEAR_OFF, **changes})


def case_quick() -> dict:
    """The quick scenario with snapshots, seed 3."""
    import vsim
    return run_tables(vsim.run(quick_scenario(**{"outputs.snapshot_every_weeks": 13}), seed=3))


def case_quick_portfolio() -> dict:
    """The quick scenario with every intervention family and a budget, seed 4."""
    import vsim
    sc = quick_scenario(interventions=PORTFOLIO, **{"budget.per_year": 1_500_000})
    return run_tables(vsim.run(sc, seed=4))


def case_quick_switched_off() -> dict:
    """The quick scenario with contagion and weapon carrying switched off, seed 6."""
    import vsim
    sc = quick_scenario(**{"processes.contagion": False, "processes.weapon_carrying": False})
    return run_tables(vsim.run(sc, seed=6))


def case_quick_fortnightly() -> dict:
    """The quick scenario in 14-day steps with a small portfolio, seed 8."""
    import vsim
    sc = quick_scenario(interventions=PORTFOLIO[:4], **{"time.step_days": 14})
    return run_tables(vsim.run(sc, seed=8))


def case_borough() -> dict:
    """The default borough with the fear process off, seed 5 (every table)."""
    import vsim
    sc = vsim.with_changes(vsim.load_scenario(REPO / "scenarios" / "borough.toml"), FEAR_OFF)
    return run_tables(vsim.run(sc, seed=5))


FEAR_PORTFOLIO = [
    {"type": "community_reassurance", "neighbourhoods": ["neighbourhood 1"]},
    {"type": "hotspot_policing", "n_places": 2, "rel_fear_users": 1.2},
    {"type": "outreach", "place_kinds": ["park"]},
    {"type": "school_programme", "staff": 2},
]


def case_quick_fear() -> dict:
    """The quick scenario with the fear process on, an event and fear's interventions, seed 9."""
    import vsim
    sc = quick_scenario(interventions=FEAR_PORTFOLIO, **{
        "processes.fear": True,
        "fear.events": [{"date": "2019-09-02", "name": "a murder in the news"},
                        {"date": "2020-03-02", "neighbourhood": "neighbourhood 2"}]})
    return run_tables(vsim.run(sc, seed=9))


def case_compare() -> dict:
    """Quick against quick with mentoring and outreach, 3 replicates.

    Money in the crime costs' own price year (2015/16), as it was when this was recorded: the
    appraisal's price year moves it by a factor (tests/test_appraisal.py checks that).
    """
    from vsim.compare import compare
    in_2015 = {"appraisal": {"price_year": "2015/16"}}
    base = quick_scenario(**in_2015)
    other = quick_scenario(name="portfolio", interventions=PORTFOLIO[:3], **in_2015)
    result = compare(base, [other], replicates=3, seed=21, jobs=1)
    keys = ["scenario", "replicate", "seed"]
    return {"replicates": long_digest(result.replicates, keys, "outcome", "value"),
            "summary": {column: long_digest(result.summary, ["scenario"], "outcome", column)
                        for column in ("mean", "sd", "ci_low", "ci_high", "n")},
            "timeseries": table_digest(result.timeseries)}


EXPERIMENT = """
name = "golden"
base = "{base}"
root_seed = 5
replicates = 2
population_scale = 0.5
outcomes = ["incidents", "weapon_incidents", "serious_injury_incidents", "mean_exploited"]

[design]
method = "morris"
samples = 2
levels = 4

[[parameters]]
path = "contagion.beta"
low = 0.0004
high = 0.0016

[[parameters]]
path = "interventions.mentoring.staff"
low = 1
high = 6
integer = true

[[portfolios]]
name = "mentoring"
interventions = [{{type = "mentoring"}}]
"""


def case_sweep(folder: Path) -> dict:
    """A small Morris sweep of the quick scenario with one portfolio (24 runs, 1 job)."""
    from vsim.experiment import load_experiment
    from vsim.sweep import execute, results_table
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "golden.toml"
    base = folder / "quick_without_fear.toml"
    base.write_text((REPO / "scenarios" / "quick.toml").read_text()
                    + "\n[processes]\nfear = false\n")
    path.write_text(EXPERIMENT.format(base=base.as_posix()))
    execute(load_experiment(path), folder / "sweep", jobs=1)
    return {"runs": table_digest(results_table(folder / "sweep"))}


def all_cases(folder: Path) -> dict:
    """Every case's digests."""
    return {"quick": case_quick(), "quick_portfolio": case_quick_portfolio(),
            "quick_switched_off": case_quick_switched_off(),
            "quick_fortnightly": case_quick_fortnightly(), "quick_fear": case_quick_fear(),
            "borough": case_borough(), "compare": case_compare(),
            "sweep": case_sweep(folder)}


def main() -> None:
    """Record (or check) the golden digests from the command line."""
    import tempfile
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", action="store_true", help="write tests/golden.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        digests = all_cases(Path(tmp))
    if args.record:
        GOLDEN.write_text(json.dumps(digests, indent=1, sort_keys=True) + "\n")
        print(f"wrote {GOLDEN}")
        return
    expected = json.loads(GOLDEN.read_text())
    same = digests == expected
    print("identical" if same else "DIFFERENT")
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
