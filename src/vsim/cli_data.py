"""``vsim data``: bring real data into the shape vsim's calibration reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from vsim.cli_output import fail, out
from vsim.loading import ScenarioError

data_app = typer.Typer(no_args_is_help=True, help="Read real data for calibration.")


def _months(text: str | None) -> tuple[str, str] | None:
    """``--months FIRST:LAST`` (YYYY-MM each), or None."""
    if text is None:
        return None
    from vsim.police_data import MONTH

    first, _, last = text.partition(":")
    last = last or first
    if not (MONTH.match(first) and MONTH.match(last)) or last < first:
        raise ScenarioError("--months", [
            f"--months {text!r}: expected FIRST:LAST as YYYY-MM:YYYY-MM, e.g. 2019-01:2019-12, "
            "with LAST not before FIRST"])
    return first, last


@data_app.command("police-uk")
def police_uk(
    paths: Annotated[list[Path], typer.Argument(help=(
        "police.uk street-level files (.csv, .csv.gz), folders of them (YYYY-MM/ subfolders), "
        "bulk archives (.zip), or counts files (month, lsoa_code, crime_type, count)."))],
    out_file: Annotated[Path, typer.Option("--out", "-o", help="Counts file to write (.parquet).")],
    lad: Annotated[Optional[str], typer.Option(
        "--lad", help="Keep the LSOAs of this local authority (name or code, from the shipped "
        "2011 LSOA table).")] = None,
    lsoas: Annotated[Optional[Path], typer.Option(
        "--lsoas", help="Keep the LSOAs listed in a CSV (column lsoa11cd or lsoa_code).")] = None,
    months: Annotated[Optional[str], typer.Option(
        "--months", help="Months expected, FIRST:LAST (YYYY-MM), so gaps are named.")] = None,
) -> None:
    """Count police.uk records by month, LSOA and crime type (no coordinates, no crime IDs)."""
    from vsim.local_area import lsoas_from_file, lsoas_of
    from vsim.police_data import read_police_uk
    from vsim.results import write_atomic

    try:
        if lad is not None and lsoas is not None:
            raise ScenarioError("--lad/--lsoas", ["give --lad or --lsoas, not both"])
        if out_file.suffix != ".parquet":
            raise ScenarioError("--out", [f"--out {out_file}: the counts file ends in .parquet"])
        if out_file.exists() and out_file.is_dir():
            raise ScenarioError("--out", [f"--out {out_file}: is a folder, not a file"])
        area = (list(lsoas_of(lad)["lsoa11cd"]) if lad is not None
                else lsoas_from_file(lsoas) if lsoas is not None else None)
        counts, report = read_police_uk(paths, area, _months(months))
    except ScenarioError as exc:
        fail(exc)
    import io

    buffer = io.BytesIO()
    counts.to_parquet(buffer, index=False)
    report_file = out_file.with_name(out_file.stem + ".report.json")
    write_atomic(report_file, (json.dumps(report.as_dict(), indent=1) + "\n").encode())
    write_atomic(out_file, buffer.getvalue())
    out.print(f"{report.records:,} records in {len(report.files)} files, months "
              f"{', '.join(report.months) or 'none'}: {int(counts['count'].sum()):,} counted in "
              f"{counts['lsoa_code'].nunique():,} LSOAs", highlight=False, soft_wrap=True)
    for note in report.notes:
        out.print(f"  - {escape(note)}", highlight=False, soft_wrap=True)
    out.print(f"counts written to [bold]{escape(str(out_file))}[/], report to "
              f"{escape(str(report_file))}", highlight=False, soft_wrap=True)


def area(
    lad: Annotated[Optional[str], typer.Option(
        "--lad", help="Local authority (name or code) of the LSOA table.")] = None,
    out_file: Annotated[Path, typer.Option("--out", "-o", help="Scenario file to write.")] = (
        Path("area.toml")),
    table: Annotated[Optional[Path], typer.Option(
        "--table", help="LSOA table (2011 Census columns; default: the shipped West "
        "Yorkshire table).")] = None,
    youth_share: Annotated[float, typer.Option(
        "--youth-share", help="Share of residents aged 10-24 (default England's, 17.7%).")] = (
        0.177),
) -> None:
    """Write a scenario whose neighbourhoods are a local authority's real LSOAs."""
    import tomli_w

    from vsim.loading import scenario_from_dict
    from vsim.local_area import AREA_TABLE, area_section, lsoa_table, lsoas_of
    from vsim.results import write_atomic

    try:
        if lad is None:
            raise ScenarioError("--lad", ["give the local authority, e.g. --lad Calderdale"])
        lsoas = lsoas_of(lad, lsoa_table(table or AREA_TABLE))
        name = str(lsoas["lad_name"].iloc[0])
        data = {"name": name.lower().replace(" ", "_"),
                "description": f"{name}: its {len(lsoas)} LSOAs (2011) as neighbourhoods",
                "area": area_section(lsoas, name, youth_share)}
        scenario_from_dict(data, f"the scenario of {name}")  # check before writing
        if out_file.exists() and out_file.is_dir():
            raise ScenarioError("--out", [f"--out {out_file}: is a folder, not a file"])
    except ScenarioError as exc:
        fail(exc)
    source = table or "vsim's shipped 2011 Census LSOA table (vsim/areas/README.md)"
    header = (f"# {name}: written by `vsim area --lad {lad}`.\n"
              f"# Neighbourhoods are its {len(lsoas)} LSOAs (2011 codes), shares = usual "
              f"residents, from {source}.\n"
              "# Deprivation is a proxy: the standard score of log persons per hectare across "
              "these LSOAs\n# (evidence: assume-density-deprivation-proxy); youth share "
              f"{youth_share} (default England's, evidence: age-10-24-share-england-london).\n"
              "# Contains public sector information licensed under the Open Government "
              "Licence v3.0 (ONS, 2011 Census).\n\n")
    write_atomic(out_file, (header + tomli_w.dumps(data)).encode())
    out.print(f"{name}: {len(lsoas)} LSOAs, {data['area']['residents']:,} residents; "
              f"scenario written to [bold]{escape(str(out_file))}[/]", highlight=False,
              soft_wrap=True)
