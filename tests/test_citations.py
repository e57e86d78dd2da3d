"""Every citation resolves inside the repository: evidence rows, ODD sections, no outside shelf.

Code, scenario files and documents cite a figure as ``evidence: <id>``, a row of the evidence
table shipped with the package (``src/vsim/evidence.csv``, rendered as ``docs/evidence.md``), and
the model description as ``ODD: <section>``, a section of ``docs/odd.md``. These tests check
that every cited row and section exists, that nothing still points at documents users never
get, that the page cannot drift from the table, and that ``vsim schema`` carries its sources.
"""

from __future__ import annotations

import csv
import io
import re
from importlib import resources
from pathlib import Path

import pytest

import vsim
from vsim import evidence

REPO = Path(__file__).resolve().parents[1]
# Tests that hold broken citations and outside pointers on purpose, as fixtures.
FIXTURES = {REPO / "tests" / "test_citations.py", REPO / "tests" / "test_docs.py"}

# The sections of the ODD protocol (docs/odd.md must define each as `{#anchor}` or id="anchor").
ODD_ANCHORS = (
    "purpose", "entities", "schedule", "design-concepts", "initialisation", "population",
    "input-data", "submodels", "interventions", "contagion", "involvement", "weapon-carrying",
    "offending", "victimisation", "exploitation", "justice", "rewiring", "life-course",
    "recording", "risk", "random-numbers", "outcomes", "departures", "observation-model",
    "appraisal", "fear",
)
ANCHOR = r"[a-z]+(?:-[a-z]+)*"
ODD = re.compile(rf"\bODD:\s+({ANCHOR}(?:,\s*{ANCHOR}(?=[,;.)\]`]|$))*)")
PLACEHOLDER = re.compile(r"\s*(?:<id>|<section>|<anchor>|``|`)")
MD_LINK = re.compile(r"\[([^\]\n]*)\]\(([^)\s]*)\)")
ROW_LINK = re.compile(r"\bevidence\.md#([A-Za-z0-9_-]+)")
ODD_LINK = re.compile(r"\bodd\.md#([A-Za-z0-9_-]+)")
# Pointers at documents outside the repository (the team's shelf) and at its issue numbers.
UPSTREAM = re.compile(r"\b(?:mesa|numba|pydantic|numpy|pandas|SALib|pyarrow|joblib|dask)"
                      r" (?:issue|PR|pull request) #\d+", re.IGNORECASE)
FORBIDDEN = (
    ("EVIDENCE" + " §", re.compile("EVIDENCE" + r"\s*§")),
    ("DESIGN" + " §", re.compile("DESIGN" + r"\s*§")),
    ("DESIGN" + ".md", re.compile("DESIGN" + r"\.md")),
    ("EVIDENCE" + ".md", re.compile("EVIDENCE" + r"\.md")),
    ("../" + "shared", re.compile(r"\.\./" + "shared")),
    ("shared" + "/data, /seed", re.compile(r"\b" + "shared" + r"/(?:data|seed|STYLE)")),
    ("issue" + " <number>", re.compile(r"\bissues?\s+#?\d+", re.IGNORECASE)),
)


def prose(path: Path) -> str:
    """A file's text with wrapped strings and comments rejoined and whitespace collapsed.

    A citation may be split where a string literal or a comment wraps to the next line
    (``"... (evidence: "`` / ``"aces-any)."``, ``# ... (evidence:`` / ``# aces-any)``).
    """
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".md":  # `evidence: [id](evidence.md#id)` reads as `evidence: id`
        text = MD_LINK.sub(lambda m: f"{m.group(1)} <{m.group(2)}>", text)
    if path.suffix == ".py":
        text = re.sub(r"([\"'])\s*\n\s*(?:[rRbBfFuU]{0,2})\1", "", text)
    text = re.sub(r"\n[ \t]*#+[ \t]*", "\n", text)
    return re.sub(r"\s+", " ", text)


def _files(folder: Path, suffixes: tuple[str, ...]) -> list[Path]:
    if not folder.exists():
        return []
    return sorted(p for p in folder.rglob("*") if p.suffix in suffixes and p.is_file()
                  and "__pycache__" not in p.parts and p.resolve() not in FIXTURES)


def code_files() -> list[Path]:
    """The package (with its scenario files), the tests and the experiments."""
    return (_files(REPO / "src" / "vsim", (".py", ".toml", ".md"))
            + _files(REPO / "tests", (".py",))
            + _files(REPO / "experiments", (".py", ".toml", ".md")))


def readme() -> list[Path]:
    return [REPO / "README.md"] if (REPO / "README.md").exists() else []


def docs() -> list[Path]:
    return _files(REPO / "docs", (".md",))


def citation_problems(text: str, where: str) -> list[str]:
    """Cited rows and sections that do not exist, and citations with no id after them."""
    problems = []
    rows = evidence.table()
    for word, pattern in (("evidence:", evidence.CITATION), ("ODD:", ODD)):
        # a citation opens a parenthesis or follows ; or , (prose may say "the evidence: ...")
        for start in (m.start(1) for m in re.finditer(rf"[(;,]\s*({word})", text)):
            if not pattern.match(text, start) and not PLACEHOLDER.match(text, start + len(word)):
                problems.append(f"{where}: '{text[start:start + 40]}' cites no id")
    for row_id in evidence.cited(text):
        if row_id not in rows:
            problems.append(f"{where}: evidence: {row_id} is no row of the evidence table")
    for match in ODD.finditer(text):
        for anchor in re.split(r",\s*", match.group(1)):
            if anchor not in ODD_ANCHORS:
                problems.append(f"{where}: ODD: {anchor} is no section of docs/odd.md")
    problems += [f"{where}: link to evidence.md#{m.group(1)}, no row of the evidence table"
                 for m in ROW_LINK.finditer(text) if m.group(1) not in rows]
    problems += [f"{where}: link to odd.md#{m.group(1)}, no section of docs/odd.md"
                 for m in ODD_LINK.finditer(text) if m.group(1) not in ODD_ANCHORS]
    return problems


def forbidden(text: str, where: str) -> list[str]:
    text = UPSTREAM.sub("", text)
    return [f"{where}: '{m.group(0)}' ({name}) points outside the repository"
            for name, pattern in FORBIDDEN for m in pattern.finditer(text)]


def _rel(path: Path) -> str:
    return str(path.relative_to(REPO))


# ------------------------------------------------------------------------ (a), (b) citations
def test_every_citation_in_code_scenarios_and_experiments_resolves():
    problems = [p for path in code_files() for p in citation_problems(prose(path), _rel(path))]
    assert not problems, "\n".join(problems)


def test_every_citation_in_the_readme_and_docs_resolves():
    problems = [p for path in readme() + docs()
                for p in citation_problems(prose(path), _rel(path))]
    assert not problems, "\n".join(problems)


def test_the_checker_catches_a_typo_and_an_unknown_section():
    text = prose_of("x = 1  # from Bellis (evidence: aces-any, aces-anyy)\n"
                    "y = 2  # see the (ODD: ofending) section; also (evidence:\n"
                    "# aces-4plus) and (ODD: risk, offending) and (evidence: )")
    problems = citation_problems(text, "t")
    assert any("aces-anyy" in p for p in problems)
    assert any("ofending" in p for p in problems)
    assert any("cites no id" in p for p in problems)
    assert len(problems) == 3, problems
    assert evidence.cited(text) == ["aces-any", "aces-anyy", "aces-4plus"]


def prose_of(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"\n[ \t]*#+[ \t]*", "\n", text))


def test_cited_odd_sections_are_defined_in_docs_odd_md():
    odd = REPO / "docs" / "odd.md"
    if not odd.exists():
        pytest.skip("docs/odd.md is not written yet")
    text = odd.read_text(encoding="utf-8")
    cited = {a for path in code_files() + readme() + docs()
             for m in ODD.finditer(prose(path)) for a in re.split(r",\s*", m.group(1))}
    missing = sorted(a for a in cited
                     if f"{{#{a}}}" not in text and f'id="{a}"' not in text
                     and f"id='{a}'" not in text)
    assert not missing, f"docs/odd.md defines no anchor for {missing}"


# ------------------------------------------------------------------ (c) nothing points outside
def test_no_code_scenario_or_experiment_points_at_documents_outside_the_repository():
    problems = [p for path in code_files() for p in forbidden(prose(path), _rel(path))]
    assert not problems, "\n".join(problems)


def test_the_readme_points_at_no_document_outside_the_repository():
    problems = [p for path in readme() for p in forbidden(prose(path), _rel(path))]
    assert not problems, "\n".join(problems)


def test_the_forbidden_patterns_catch_the_old_citations():
    old = ("B&D 20.5% (" + "EVIDENCE" + " §1); " + "DESIGN" + " §4a; see ../" + "shared/"
           + "DESIGN" + ".md and " + "EVIDENCE" + ".md (issue" + " 3); mesa issue #3179")
    assert len(forbidden(old, "t")) == 6


# --------------------------------------------------------------------- (d) the page is current
def test_docs_evidence_md_is_what_the_module_renders():
    page = REPO / "docs" / "evidence.md"
    assert page.exists(), "docs/evidence.md is missing: python -m vsim.evidence > docs/evidence.md"
    assert page.read_text(encoding="utf-8") == evidence.render_markdown(), (
        "docs/evidence.md is out of date: python -m vsim.evidence > docs/evidence.md")


def test_every_row_has_an_anchor_on_the_page():
    page = evidence.render_markdown()
    for row_id in evidence.table():
        assert page.count(f'<a id="{row_id}"></a>') == 1, row_id


# ------------------------------------------------------------------------- (e) the table itself
def _raw_rows() -> list[dict[str, str]]:
    text = resources.files("vsim").joinpath("evidence.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def test_ids_are_unique_kebab_case_and_every_row_is_complete():
    rows = _raw_rows()
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    for r in rows:
        assert tuple(r) == evidence.COLUMNS
        assert re.fullmatch(evidence.ID, r["id"]), r["id"]
        assert all(r[c].strip() for c in evidence.COLUMNS), r
        assert r["tag"] in evidence.TAGS, (r["id"], r["tag"])
        assert (r["tag"] == "—") == r["value"].startswith("not found"), r["id"]
        assert (r["tag"] == "[A]") == r["id"].startswith("assume-") == (
            r["section"] == "Assumptions"), r["id"]
    assert len(evidence.table()) == len(rows)


def test_the_table_holds_every_section_of_the_original_evidence_and_the_rest():
    sections = {r.section for r in evidence.table().values()}
    assert {"Population and setting", "Prevalence of risk factors", "Violence: rates and age",
            "Justice system", "Exploitation and county lines", "Contagion and networks",
            "Interventions: effects and costs", "Appraisal", "Calibration targets",
            "Fear of violence",
            "Not found (or seen only as [I])", "Other published sources",
            "LGA case studies (the seed document)", "Assumptions"} == sections
    assert "Bellis et al. 2014" in evidence.row("aces-any").source
    assert evidence.row("aces-4plus").tag == "[I]"
    assert "doi:10.1001/jamainternmed.2016.8245" in evidence.row("green-2017-contagion").source
    with pytest.raises(KeyError, match="no-such-row"):
        evidence.row("no-such-row")


# ------------------------------------------------------------------------------ (f) the schema
def _descriptions(node, path=""):
    if isinstance(node, dict):
        if isinstance(node.get("description"), str):
            yield path, node["description"]
        for key, value in node.items():
            if key != "x-evidence":
                yield from _descriptions(value, f"{path}/{key}")
    elif isinstance(node, list):
        for k, value in enumerate(node):
            yield from _descriptions(value, f"{path}[{k}]")


def test_the_schema_cites_only_rows_that_exist_and_carries_them():
    schema = vsim.json_schema()
    problems = [p for where, text in _descriptions(schema)
                for p in citation_problems(text, where)]
    assert not problems, "\n".join(problems)
    cited = {i for _, text in _descriptions(schema) for i in evidence.cited(text)}
    assert len(cited) > 100
    assert set(schema["x-evidence"]) == cited
    for row_id, entry in schema["x-evidence"].items():
        row = evidence.row(row_id)
        assert entry == {"section": row.section, "parameter": row.parameter, "value": row.value,
                         "population": row.population, "source": row.source, "tag": row.tag}
    assert "Bellis" in schema["x-evidence"]["aces-any"]["source"]


def test_every_assumed_default_in_the_schema_points_at_an_assumption_row():
    unsourced = [where for where, text in _descriptions(vsim.json_schema())
                 if "ssumption" in text
                 and not any(i.startswith("assume-") for i in evidence.cited(text))]
    assert not unsourced, unsourced
