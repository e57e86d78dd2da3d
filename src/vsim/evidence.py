"""The evidence table: the published figure or stated assumption behind every default.

Each row of ``evidence.csv`` (shipped in the package) gives a figure as its source states it,
the population, place and year it covers, the source, and a tag: ``[S]`` read in the source,
``[S, derived]`` calculated from figures read in the source (the calculation is in the row or
in the citing text), ``[I]`` from memory or inference and not yet checked, ``[A]`` a modelling
assumption of vsim, ``—`` nothing found. Code, scenario files and documents cite a row as
``evidence: <id>`` (several as ``evidence: <id>, <id>``); ids are stable, never renumbered or
reused.

The documentation page is generated from the table::

    python -m vsim.evidence > docs/evidence.md
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from dataclasses import asdict, dataclass
from functools import cache
from importlib import resources

COLUMNS = ("id", "section", "parameter", "value", "population", "source", "tag")
TAGS = {
    "[S]": "the number was read in the cited source",
    "[S, derived]": "calculated from figures read in the cited source; the calculation is shown",
    "[I]": "from memory or inference and not yet checked: confirm it before relying on it",
    "[A]": "a modelling assumption of vsim, with the reasoning the code gives for it",
    "—": "nothing was found",
}
ID = r"[a-z0-9]+(?:-[a-z0-9]+)*"
# `evidence: <id>` or `evidence: <id>, <id>`; an id after a comma must be followed by , ; . ) ]
# or a backtick or the end of the text, so that prose after a comma is not read as an id.
CITATION = re.compile(rf"\bevidence:\s+({ID}(?:,\s*{ID}(?=[,;.)\]`]|$))*)", re.MULTILINE)

_INTRO = """\
Every default of vsim and every calibration target rests on a row of this table. A row gives
the figure as its source states it, the population, place and year it covers, and the source;
its tag says how far to trust it: **[S]** the number was read in the cited source;
**[S, derived]** it was calculated from figures read in the source, and the calculation is
shown; **[I]** it comes from memory or inference and is not yet checked (confirm it before
relying on it); **[A]** it is a modelling assumption of vsim, stated with the reasoning the code
gives, to be replaced by evidence or local data; **—** nothing was found. Code, scenario files
and these pages cite a row as `evidence: <id>`, for example `evidence: aces-any`; ids are
stable: a row is never renumbered and an id is never reused for another figure. "The seed" is
the document the project started from, the Local Government Association's 2020 case-study
guide. `vsim schema` lists the rows its descriptions cite under `x-evidence`. The table is the
file `vsim/evidence.csv` of the installed package; this page is generated from it with
`python -m vsim.evidence > docs/evidence.md`. Abbreviations: E&W England and Wales; YE year
ending; B&D Barking and Dagenham.
"""


@dataclass(frozen=True)
class Row:
    """One figure (or assumption) and its source."""

    id: str
    section: str
    parameter: str
    value: str
    population: str
    source: str
    tag: str

    def reference(self) -> str:
        """The row in one line: what, the figure, where and when, the source, the tag."""
        return (f"{self.parameter}: {self.value} ({self.population}). "
                f"Source: {self.source} {self.tag}")


@cache
def table() -> dict[str, Row]:
    """Every row of the shipped table by id, in the table's order."""
    text = resources.files("vsim").joinpath("evidence.csv").read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != COLUMNS:
        raise ValueError(f"evidence.csv columns are {reader.fieldnames}, expected {COLUMNS}")
    rows: dict[str, Row] = {}
    for record in reader:
        row = Row(**record)
        if row.id in rows:
            raise ValueError(f"evidence.csv: id {row.id!r} appears twice")
        rows[row.id] = row
    return rows


def row(row_id: str) -> Row:
    """The row with this id; KeyError naming the id if there is none."""
    try:
        return table()[row_id]
    except KeyError:
        raise KeyError(f"no row {row_id!r} in the evidence table (vsim/evidence.csv)") from None


def cited(text: str) -> list[str]:
    """Every id cited as ``evidence: <id>`` in a text, in order of first citation."""
    ids: dict[str, None] = {}
    for match in CITATION.finditer(text):
        for row_id in re.split(r",\s*", match.group(1)):
            ids.setdefault(row_id, None)
    return list(ids)


def references(obj) -> dict[str, dict[str, str]]:
    """The rows cited anywhere in a JSON-serialisable object (e.g. a schema), sorted by id."""
    text = json.dumps(obj, ensure_ascii=False)
    return {row_id: {k: v for k, v in asdict(row(row_id)).items() if k != "id"}
            for row_id in sorted(cited(text))}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def render_markdown() -> str:
    """The documentation page: the introduction, then one table per section."""
    sections: dict[str, list[Row]] = {}
    for r in table().values():
        sections.setdefault(r.section, []).append(r)
    lines = ["# Evidence table", "", _INTRO.rstrip("\n")]
    for title, rows in sections.items():
        lines += ["", f"## {title}", "",
                  "| id | parameter | value as stated | population/place/year | source | tag |",
                  "|---|---|---|---|---|---|"]
        for r in rows:
            cells = [f'<a id="{r.id}"></a>{r.id}'] + [
                _cell(getattr(r, name)) for name in COLUMNS[2:]]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Print the page, or write it to the path given."""
    args = sys.argv[1:] if argv is None else argv
    page = render_markdown()
    if args:
        with open(args[0], "w", encoding="utf-8", newline="\n") as fh:
            fh.write(page)
    else:
        sys.stdout.buffer.write(page.encode("utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
