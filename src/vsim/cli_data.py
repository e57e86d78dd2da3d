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
    from vsim.police_data import lsoas_from_file, lsoas_of, read_police_uk
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
