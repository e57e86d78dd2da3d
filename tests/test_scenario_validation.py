"""Bad scenario files are rejected with one clear message per problem, naming the field.

Every case below is a malformed scenario file written to a temporary folder and loaded with
:func:`vsim.loading.load_scenario`. Each must raise :class:`ScenarioError` whose message for
the problem names the field path and, where meaningful, the offending value and what is
allowed (the range, or a "Did you mean" suggestion for a misspelt key).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

import vsim
from vsim import loading
from vsim.loading import ScenarioError, load_scenario
from vsim.scenario import Scenario

REPO = Path(__file__).resolve().parents[1]
QUICK = REPO / "scenarios" / "quick.toml"
BOROUGH = REPO / "scenarios" / "borough.toml"

# (id, file text, field path named in the message or None for a file-level problem,
#  further fragments that must appear in that same message)
CASES = [
    # ---- unknown or misspelt keys, with the nearest valid key suggested
    ("misspelt-section", '[contagoin]\nbeta = 0.001\n',
     "contagoin", ["unknown key", "Did you mean 'contagion'"]),
    ("misspelt-nested-key", '[justice]\np_chrage = 0.2\n',
     "justice.p_chrage", ["unknown key", "Did you mean 'p_charge'", "p_custody"]),
    ("misspelt-top-level-key", 'nmae = "x"\n',
     "nmae", ["Did you mean 'name'"]),
    ("misspelt-population-key", '[population]\nn_young_poeple = 500\n',
     "population.n_young_poeple", ["Did you mean 'n_young_people'"]),
    ("unknown-key-in-array-of-tables",
     '[[places.types]]\nkind = "park"\ncount = 3\ngaurdianship = 0.1\n',
     "places.types[0].gaurdianship", ["Did you mean 'guardianship'"]),
    ("unknown-key-in-second-table",
     '[[places.types]]\nkind = "park"\ncount = 3\n'
     '[[places.types]]\nkind = "hub"\ncount = 1\natractiveness = 2.0\n',
     "places.types[1].atractiveness", ["Did you mean 'attractiveness'"]),
    ("unknown-key-in-neighbourhood",
     '[[area.neighbourhoods]]\nname = "a"\nshare = 1.0\ndeprevation = 1.0\n',
     "area.neighbourhoods[0].deprevation", ["Did you mean 'deprivation'"]),
    ("unknown-section-no-suggestion", '[policy]\nx = 1\n',
     "policy", ["unknown key", "Valid keys here", "justice", "interventions", "budget"]),
    # ---- wrong types
    ("string-for-number", '[justice]\np_charge = "high"\n',
     "justice.p_charge", ['"high"', "[0, 1]"]),
    ("quoted-number", '[justice]\np_charge = "0.5"\n',
     "justice.p_charge", ['"0.5"', "without quotes"]),
    ("table-for-number", '[justice.p_charge]\nvalue = 0.2\n',
     "justice.p_charge", ["a table", "probability"]),
    ("list-for-scalar", '[area]\nresidents = [1000, 2000]\n',
     "area.residents", ["[1000, 2000]", "whole number"]),
    ("boolean-for-count", '[population]\nn_young_people = true\n',
     "population.n_young_people", ["true", "whole number"]),
    ("fraction-for-count", '[population]\nn_young_people = 100.5\n',
     "population.n_young_people", ["100.5", "whole number"]),
    ("number-for-switch", '[processes]\ncontagion = 1\n',
     "processes.contagion", ["true or false"]),
    ("value-for-section", 'justice = 3\n',
     "justice", ["3", "a table"]),
    ("array-of-tables-for-section", '[[justice]]\np_charge = 0.2\n',
     "justice", ["array of tables", "a table"]),
    ("text-for-date", '[time]\nstart = "yesterday"\n',
     "time.start", ['"yesterday"', "date"]),
    ("number-for-name", 'name = 5\n',
     "name", ["5", "text"]),
    # ---- probabilities outside [0, 1], in several sections
    ("probability-negative", '[justice]\np_charge = -0.1\n',
     "justice.p_charge", ["-0.1", "[0, 1]"]),
    ("probability-above-one", '[contagion]\nbeta = 1.5\n',
     "contagion.beta", ["1.5", "[0, 1]"]),
    ("probability-two", '[population]\np_male = 2\n',
     "population.p_male", ["2", "[0, 1]"]),
    ("probability-risk-factor", '[risk_factors]\np_ace_any = 1.01\n',
     "risk_factors.p_ace_any", ["1.01", "[0, 1]"]),
    ("probability-exploiters", '[exploiters]\np_exit = -0.5\n',
     "exploiters.p_exit", ["-0.5", "[0, 1]"]),
    ("probability-in-array-of-tables",
     '[[places.types]]\nkind = "park"\ncount = 3\nguardianship = 1.2\n',
     "places.types[0].guardianship", ["1.2", "[0, 1]"]),
    ("probability-in-tuple", '[population]\nage_band_shares = [1.5, 0.3, 0.3, 0.4]\n',
     "population.age_band_shares[0]", ["1.5", "[0, 1]"]),
    # ---- NaN and infinities
    ("nan", '[contagion]\nbeta = nan\n', "contagion.beta", ["nan"]),
    ("inf", '[offending]\nh0 = inf\n', "offending.h0", ["inf"]),
    ("minus-inf", '[networks]\nmean_degree = -inf\n', "networks.mean_degree", ["-inf"]),
    ("nan-in-tuple", '[population]\nage_band_shares = [nan, 0.3, 0.3, 0.4]\n',
     "population.age_band_shares[0]", ["nan"]),
    # ---- negative and zero sizes
    ("negative-population", '[population]\nn_young_people = -5\n',
     "population.n_young_people", ["-5", "> 0"]),
    ("zero-population", '[population]\nn_young_people = 0\n',
     "population.n_young_people", ["0", "> 0"]),
    ("zero-residents", '[area]\nresidents = 0\n',
     "area.residents", ["0", "(0, 50000000]"]),
    ("negative-residents", '[area]\nresidents = -100\n',
     "area.residents", ["-100"]),
    ("negative-gangs", '[networks]\nn_gangs = -1\n',
     "networks.n_gangs", ["-1", "[0, 1000]"]),
    ("negative-neighbourhood-share", '[[area.neighbourhoods]]\nname = "a"\nshare = -1.0\n',
     "area.neighbourhoods[0].share", ["-1", "> 0"]),
    ("negative-seed", 'seed = -1\n', "seed", ["-1"]),
    # ---- time
    ("end-before-start", '[time]\nstart = 2020-01-06\nend = 2019-01-01\n',
     "time.end", ["2019-01-01", "time.start", "2020-01-06"]),
    ("end-equals-default-start", '[time]\nend = 2019-01-07\n',
     "time.end", ["2019-01-07", "after"]),
    ("step-days-zero", '[time]\nstep_days = 0\n',
     "time.step_days", ["0", "[1, 28]"]),
    ("years-zero", "[time]\nyears = 0\n", "time.years", ["0", "(0, 100]"]),
    # ---- cross-field checks
    ("age-shares-not-summing-to-one", '[population]\nage_band_shares = [0.5, 0.5, 0.5, 0.5]\n',
     "population.age_band_shares", ["[0.5, 0.5, 0.5, 0.5]", "sum to 1", "2.000"]),
    ("tuple-too-short", '[population]\nage_band_shares = [0.5, 0.5]\n',
     "population.age_band_shares", ["[0.5, 0.5]", "2 values", "4"]),
    ("tuple-too-long", '[population]\nage_band_shares = [0.2, 0.2, 0.2, 0.2, 0.2]\n',
     "population.age_band_shares", ["5 values", "4"]),
    ("tuple-given-a-number", '[population]\nage_band_shares = 0.5\n',
     "population.age_band_shares", ["0.5", "list of 4"]),
    ("age-curve-length", '[offending]\nage_curve = [1.0, 2.0]\n',
     "offending.age_curve", ["15", "got 2"]),
    ("exploiter-min-age-above-max", '[exploiters]\nmin_age = 18\nmax_age = 15\n',
     "exploiters.min_age", ["18", "exploiters.max_age", "15"]),
    ("mean-degree-above-max", '[networks]\nmean_degree = 40\nmax_degree = 10\n',
     "networks.mean_degree", ["40", "networks.max_degree", "10"]),
    ("victim-shares-above-one", '[offending]\np_victim_peer = 0.7\np_victim_place = 0.7\n',
     "offending.p_victim_peer", ["0.7", "offending.p_victim_place", "≤ 1"]),
    ("place-type-missing-count", '[[places.types]]\nkind = "park"\n',
     "places.types[0].count", ["required"]),
    ("duplicate-neighbourhood-names",
     '[[area.neighbourhoods]]\nname = "a"\nshare = 1.0\n'
     '[[area.neighbourhoods]]\nname = "a"\nshare = 1.0\n',
     "area.neighbourhoods", ["unique"]),
    # ---- memory: a population too large for this machine, with the estimate in GiB
    ("population-too-large-for-memory", '[population]\nn_young_people = 2_000_000_000\n',
     "population.n_young_people", ["2,000,000,000", "GiB", "lower n_young_people"]),
    # ---- interventions: [[interventions]] tables whose type picks the family
    ("interventions-as-a-table", '[interventions]\nx = 1\n',
     "interventions", ["a table", "array of tables ([[interventions]])"]),
    ("intervention-as-a-string", 'interventions = ["mentoring"]\n',
     "interventions[0]", ['"mentoring"', "a table with a type", "family_therapy"]),
    ("intervention-unknown-type", '[[interventions]]\ntype = "mentorin"\n',
     "interventions[0].type", ['"mentorin"', "Did you mean 'mentoring'", "referral_pathway"]),
    ("intervention-unknown-type-second-table",
     '[[interventions]]\ntype = "mentoring"\n[[interventions]]\ntype = "hotspot_polcing"\n',
     "interventions[1].type", ['"hotspot_polcing"', "Did you mean 'hotspot_policing'"]),
    ("intervention-type-missing", '[[interventions]]\nstaff = 2\n',
     "interventions[0].type", ["required", "mentoring", "outreach"]),
    ("intervention-unknown-key", '[[interventions]]\ntype = "mentoring"\nstaf = 2\n',
     "interventions[0].staf", ["unknown key", "Did you mean 'staff'", "caseload", "p_engage",
                               "half_life_weeks"]),
    ("intervention-key-of-another-family",
     '[[interventions]]\ntype = "mentoring"\nplace_kinds = ["park"]\n',
     "interventions[0].place_kinds", ["unknown key", "Valid keys here: caseload"]),
    ("intervention-unknown-effect", '[[interventions]]\ntype = "mentoring"\n'
     '[interventions.effects]\nrel_perpetraton = 0.5\n',
     "interventions[0].effects.rel_perpetraton", ["Did you mean 'rel_perpetration'",
                                                  "rel_exposure"]),
    ("intervention-probability-above-one",
     '[[interventions]]\ntype = "mentoring"\np_engage = 1.5\n',
     "interventions[0].p_engage", ["1.5", "probability in [0, 1]"]),
    ("intervention-probability-in-tuple",
     '[[interventions]]\ntype = "referral_pathway"\np_escalate = [1.5, 0.1, 0.1, 0.1]\n',
     "interventions[0].p_escalate[0]", ["1.5", "probability in [0, 1]"]),
    ("intervention-negative-staff", '[[interventions]]\ntype = "outreach"\nstaff = -1\n',
     "interventions[0].staff", ["-1", "[0, 100000]"]),
    ("intervention-quoted-number", '[[interventions]]\ntype = "mentoring"\nstaff = "2"\n',
     "interventions[0].staff", ['"2"', "without quotes"]),
    ("intervention-unknown-targeting",
     '[[interventions]]\ntype = "mentoring"\ntargeting = "lottery"\n',
     "interventions[0].targeting", ['"lottery"', "random"]),
    ("intervention-min-age-above-max",
     '[[interventions]]\ntype = "mentoring"\nmin_age = 18\nmax_age = 12\n',
     "interventions[0].min_age", ["18", "must not exceed", "interventions[0].max_age (12)"]),
    ("intervention-end-before-start",
     '[[interventions]]\ntype = "mentoring"\nstart = 2020-01-06\nend = 2019-06-03\n',
     "interventions[0].end", ["2019-06-03", "after", "interventions[0].start (2020-01-06)"]),
    ("intervention-unknown-neighbourhood",
     '[[interventions]]\ntype = "mentoring"\nneighbourhoods = ["Nowhere"]\n',
     "interventions[0].neighbourhoods", ["['Nowhere']", "not neighbourhoods", "neighbourhood 1"]),
    ("intervention-unknown-place-kind",
     '[[interventions]]\ntype = "mentoring"\n' * 5
     + '[[interventions]]\ntype = "outreach"\nplace_kinds = ["zoo"]\n',
     "interventions[5].place_kinds", ["['zoo']", "must be among places.types kinds",
                                      "'asb_hotspot'"]),
    ("budget-negative", '[budget]\nper_year = -5\n', "budget.per_year", ["-5", "≥ 0"]),
    ("crime-cost-unknown-key", '[crime_costs]\nrobery = 1.0\n',
     "crime_costs.robery", ["Did you mean 'robbery'"]),
    # ---- empty or unparsable files
    ("empty-file", "", None, ["empty"]),
    ("whitespace-only", "  \n\n\t  \n", None, ["empty"]),
    ("comments-only", "# nothing but a comment\n", None, ["no settings"]),
    ("unparsable-table-header", '[time\nyears = 2\n', None, ["not valid TOML", "line 1"]),
    ("unparsable-missing-value", 'name = "x"\nseed =\n', None, ["not valid TOML", "line 2"]),
    ("duplicate-key", 'name = "a"\nname = "b"\n', None, ["not valid TOML"]),
    ("not-utf8", b'name = "caf\xe9"\n', None, ["UTF-8", "0xe9", "line 1"]),
]


def _write(tmp_path: Path, content: str | bytes) -> Path:
    path = tmp_path / "bad.toml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def _rejected(path: Path) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return info.value


def test_at_least_thirty_five_cases():
    assert len(CASES) >= 35
    assert len({c[0] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("text, field, fragments", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_malformed_file_is_rejected_naming_the_field(tmp_path, text, field, fragments):
    path = _write(tmp_path, text)
    exc = _rejected(path)
    # one problem in the file: exactly one message
    assert len(exc.problems) == 1, exc.problems
    message = exc.problems[0]
    if field is not None:
        assert message.startswith(f"{field}:") or message.startswith(f"{field} ="), message
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    # the error names the file, and every problem appears in its text
    assert str(path) in str(exc)
    assert message in str(exc)
    assert "Traceback" not in str(exc)


def test_missing_file(tmp_path):
    exc = _rejected(tmp_path / "nowhere.toml")
    assert exc.problems == ["file not found"]
    assert "nowhere.toml" in str(exc)


def test_folder_instead_of_file(tmp_path):
    exc = _rejected(tmp_path)
    assert len(exc.problems) == 1 and "folder" in exc.problems[0]


def test_all_problems_of_a_file_are_reported_together_in_file_order(tmp_path):
    text = ('nmae = "x"\n'
            '[time]\nstep_days = 0\n'
            '[population]\nn_young_people = -1\n'
            '[contagion]\nbeta = nan\n'
            '[justice]\np_charge = 1.5\np_chrage = 0.1\n'
            '[[places.types]]\nkind = "park"\ncount = 3\ngaurdianship = 0.1\n')
    exc = _rejected(_write(tmp_path, text))
    expected = ["nmae", "time.step_days", "population.n_young_people", "contagion.beta",
                "justice.p_charge", "justice.p_chrage", "places.types[0].gaurdianship"]
    assert len(exc.problems) == len(expected) >= 3, exc.problems
    for path, message in zip(expected, exc.problems):
        assert message.startswith(f"{path}:"), (path, message)
    assert "Did you mean 'name'" in exc.problems[0]
    assert "Did you mean 'p_charge'" in exc.problems[5]
    assert f"{len(expected)} problems" in str(exc)


def test_cross_field_checks_are_not_hidden_by_field_errors(tmp_path):
    # pydantic runs a table's cross-field checks only once its fields are valid; the loader
    # must still report them together with the field errors
    text = ('[time]\nstep_days = 0\nstart = 2020-01-06\nend = 2019-01-01\n'
            '[population]\nn_young_people = true\nage_band_shares = [0.5, 0.5, 0.5, 0.5]\n'
            '[exploiters]\nmin_age = 18\nmax_age = 15\n'
            '[offending]\np_victim_peer = 0.7\np_victim_place = 0.7\n'
            '[[places.types]]\nkind = "park"\n'
            '[[area.neighbourhoods]]\nname = "a"\nshare = 1.0\n'
            '[[area.neighbourhoods]]\nname = "a"\nshare = 1.0\n')
    exc = _rejected(_write(tmp_path, text))
    expected = ["time.step_days", "time.end", "population.n_young_people",
                "population.age_band_shares", "exploiters.min_age", "offending.p_victim_peer",
                "places.types[0].count", "area.neighbourhoods"]
    assert [m.split(":")[0] for m in exc.problems] == expected, exc.problems
    assert "population.n_young_people: true" in exc.problems[2]


def test_no_problem_is_invented_from_a_default(tmp_path):
    # max_degree is wrong, so mean_degree = 40 must not be compared with the default 32
    text = '[networks]\nmax_degree = "ten"\nmean_degree = 40\n'
    exc = _rejected(_write(tmp_path, text))
    assert len(exc.problems) == 1
    assert exc.problems[0].startswith('networks.max_degree: "ten"')


def test_memory_problem_is_reported_with_the_others(tmp_path):
    text = '[population]\nn_young_people = 2_000_000_000\n[justice]\np_charge = 2\n'
    exc = _rejected(_write(tmp_path, text))
    assert len(exc.problems) == 2
    assert exc.problems[0].startswith("population.n_young_people") and "GiB" in exc.problems[0]
    assert exc.problems[1].startswith("justice.p_charge: 2")


def test_memory_estimate_is_the_one_reported(tmp_path, monkeypatch):
    monkeypatch.setattr(loading, "machine_memory_bytes", lambda: 4 * 2**30)
    path = _write(tmp_path, '[population]\nn_young_people = 20_000_000\n')
    exc = _rejected(path)
    sc = Scenario.model_validate({"population": {"n_young_people": 20_000_000}})
    need = loading.estimate_memory_bytes(sc) / 2**30
    assert need > 4
    assert f"{need:.1f} GiB" in exc.problems[0]
    assert "of 4 GiB" in exc.problems[0]
    # a population that fits is accepted on the same machine
    _write(tmp_path, '[population]\nn_young_people = 5000\n')
    assert load_scenario(path).n_young_people == 5000


def test_machine_memory_is_read():
    assert loading.machine_memory_bytes() > 2**28


# ------------------------------------------------------------------------- valid input
def test_three_line_file_loads_with_documented_defaults(tmp_path):
    path = tmp_path / "mini.toml"
    path.write_text('name = "x"\n[population]\nn_young_people = 500\n', encoding="utf-8")
    sc = load_scenario(path)
    assert sc.name == "x"
    assert sc.n_young_people == 500
    defaults = Scenario()
    for section in ("time", "area", "risk_factors", "propensity", "contagion", "offending",
                    "networks", "exploiters", "places", "justice", "processes", "outputs",
                    "budget", "crime_costs"):
        assert getattr(sc, section) == getattr(defaults, section), section
    assert sc.interventions == ()  # no interventions unless listed
    assert sc.budget.per_year is None and sc.budget.total is None
    assert sc.population.p_male == 0.51
    assert sc.population.age_band_shares == (0.326, 0.270, 0.163, 0.241)
    assert sc.justice.p_charge == 0.10
    assert sc.time.start == dt.date(2019, 1, 7) and sc.time.step_days == 7
    assert sc.time.n_steps == 260
    assert sc.area.residents == 214_107
    assert len(sc.places.types) == 5
    assert all(dict(sc.processes).values())


def test_name_defaults_to_the_file_name(tmp_path):
    path = tmp_path / "my_area.toml"
    path.write_text("[population]\nn_young_people = 500\n", encoding="utf-8")
    assert load_scenario(path).name == "my_area"


def test_shipped_scenarios_load():
    quick = load_scenario(QUICK)
    assert quick.name == "quick" and quick.n_young_people == 3000
    borough = load_scenario(BOROUGH)
    assert borough.name == "borough" and borough.n_young_people == round(214_107 * 0.205)


def test_scenario_is_frozen():
    sc = load_scenario(QUICK)
    with pytest.raises(Exception):
        sc.justice.p_charge = 0.5  # type: ignore[misc]


def test_with_changes():
    sc = load_scenario(QUICK)
    changed = vsim.with_changes(sc, {"justice.p_charge": 0.2, "processes.rewiring": False})
    assert changed.justice.p_charge == 0.2
    assert changed.processes.rewiring is False
    assert sc.justice.p_charge == 0.10  # the original is untouched
    assert changed.population == sc.population
    assert vsim.scenario_hash(changed) != vsim.scenario_hash(sc)
    assert vsim.scenario_hash(vsim.with_changes(sc, {})) == vsim.scenario_hash(sc)


@pytest.mark.parametrize("changes, path, fragment", [
    ({"justice.p_charge": 2}, "justice.p_charge", "[0, 1]"),
    ({"justice.p_charge": "lots"}, "justice.p_charge", '"lots"'),
    ({"justice.p_chrage": 0.2}, "justice.p_chrage", "Did you mean 'p_charge'"),
    ({"time.end": dt.date(2018, 1, 1)}, "time.end", "2018-01-01"),
    ({"justice.p_charge.x": 1}, "justice.p_charge.x", "not a table"),
])
def test_invalid_change_names_the_path(changes, path, fragment):
    sc = load_scenario(QUICK)
    with pytest.raises(ScenarioError) as info:
        vsim.with_changes(sc, changes)
    assert len(info.value.problems) == 1
    assert info.value.problems[0].startswith(path), info.value.problems
    assert fragment in info.value.problems[0]


def test_resolved_toml_round_trips(tmp_path):
    sc = vsim.with_changes(load_scenario(QUICK), {"time.end": dt.date(2020, 6, 1)})
    text = vsim.scenario_to_toml(sc)
    assert "end = 2020-06-01" in text  # a TOML date, not a quoted string
    path = tmp_path / "resolved.toml"
    path.write_text(text, encoding="utf-8")
    again = load_scenario(path)
    assert again == sc
    assert vsim.scenario_hash(again) == vsim.scenario_hash(sc)


def test_json_schema_describes_every_section_and_field():
    schema = vsim.json_schema()
    assert isinstance(schema, dict)
    json.dumps(schema)  # serialisable
    sections = [name for name, f in Scenario.model_fields.items()
                if isinstance(f.annotation, type) and issubclass(f.annotation, loading.BaseModel)]
    # 13 model sections, plus budget, crime_costs and appraisal (interventions is an array of
    # tables)
    assert len(sections) == 17
    assert {"budget", "crime_costs"} <= set(sections)
    assert set(sections) <= set(schema["properties"])
    for name in sections:
        ref = schema["properties"][name]["$ref"].rsplit("/", 1)[-1]
        definition = schema["$defs"][ref]
        assert definition.get("description"), name
        assert definition["additionalProperties"] is False, name
        fields = definition["properties"]
        assert set(fields) == set(Scenario.model_fields[name].annotation.model_fields)
        for field, spec in fields.items():
            assert spec.get("description"), f"{name}.{field} has no description"
    p_charge = schema["$defs"]["JusticeSettings"]["properties"]["p_charge"]
    assert p_charge["minimum"] == 0 and p_charge["maximum"] == 1 and p_charge["default"] == 0.1


def test_json_schema_describes_every_intervention_family():
    from vsim.interventions import TYPES

    schema = vsim.json_schema()
    interventions = schema["properties"]["interventions"]
    assert interventions["type"] == "array" and interventions.get("description")
    mapping = interventions["items"]["discriminator"]["mapping"]
    assert interventions["items"]["discriminator"]["propertyName"] == "type"
    assert set(mapping) == set(TYPES) and len(TYPES) == 15
    for tag, ref in mapping.items():
        definition = schema["$defs"][ref.rsplit("/", 1)[-1]]
        assert definition.get("description"), tag
        assert definition["additionalProperties"] is False, tag
        assert set(definition["properties"]) == set(TYPES[tag].model_fields), tag
        assert definition["properties"]["type"]["const"] == tag
        for field, spec in definition["properties"].items():
            # a family that re-declares a shared field without a description keeps the shared one
            assert spec.get("description"), f"{tag}.{field} has no description"


def test_problems_inside_several_interventions_are_reported_together(tmp_path):
    text = ('[justice]\np_charge = 2\n'
            '[[interventions]]\ntype = "mentoring"\np_engage = 1.5\nmin_age = 18\nmax_age = 12\n'
            '[[interventions]]\ntype = "outreach"\nstaf = 3\n'
            '[[interventions]]\ntype = "mentoring"\n'
            '[[interventions]]\ntype = "mentoring"\nneighbourhoods = ["Nowhere"]\n')
    exc = _rejected(_write(tmp_path, text))
    assert [m.split(":")[0] for m in exc.problems] == [
        "justice.p_charge", "interventions[0].p_engage", "interventions[0].min_age",
        "interventions[1].staf", "interventions[3].neighbourhoods"], exc.problems
    # outreach's own keys are listed for outreach
    assert "Did you mean 'staff'" in exc.problems[3] and "place_kinds" in exc.problems[3]
    for message in exc.problems:
        # pydantic's tag segment (interventions.0.mentoring.p_engage) never shows
        assert ".mentoring." not in message and ".outreach." not in message, message
        assert "an array of tables)" not in message and "here: ." not in message, message


def test_intervention_tables_load_with_family_defaults(tmp_path):
    path = _write(tmp_path, '[[interventions]]\ntype = "mentoring"\nstaff = 2\n'
                            '[[interventions]]\ntype = "trusted_relationships"\n'
                            'strand = "exploited"\n[budget]\nper_year = 100000.0\n')
    sc = load_scenario(path)
    mentoring, trusted = sc.interventions
    assert mentoring.type == "mentoring" and mentoring.staff == 2 and mentoring.capacity == 20
    assert mentoring.effects.rel_perpetration == 0.79  # the family default (YEF: -21%)
    assert trusted.exploited == "yes" and trusted.effects.rel_exploit_exit == 2.0
    assert sc.budget.per_year == 100_000
    # the resolved scenario round-trips with its interventions
    again = tmp_path / "again.toml"
    again.write_text(vsim.scenario_to_toml(sc), encoding="utf-8")
    assert load_scenario(again) == sc


@pytest.mark.parametrize("name", ["../elsewhere", "a/b", ".hidden"])
def test_name_that_would_escape_the_results_folder_is_rejected(tmp_path, name):
    path = tmp_path / "s.toml"
    path.write_text(f'name = "{name}"\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.problems[0].startswith("name: ")
    assert "results folder" in info.value.problems[0]
