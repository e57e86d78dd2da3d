"""``vsim data``: bring real data into the shape vsim's calibration reads."""

from __future__ import annotations

import io
import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Optional

import tomli_w
import typer
from rich.markup import escape

from vsim.cli_output import fail, out
from vsim.loading import ScenarioError

data_app = typer.Typer(no_args_is_help=True, help="Read real data for calibration.")


def _months(text: str | None) -> tuple[str, str] | None:
    """``--months FIRST:LAST`` (YYYY-MM each), or None."""
    if text is None:
        return None
    from vsim.police_data import MONTH  # deferred: pandas, only for the data commands

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
    # deferred: pandas and pyarrow (~0.5 s); `vsim --help` and other commands need neither
    from vsim.local_area import lsoas_from_file, lsoas_of
    from vsim.police_data import read_police_uk
    from vsim.results import write_atomic  # deferred, as above

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
    buffer = io.BytesIO()
    counts.to_parquet(buffer, index=False)
    report_file = out_file.with_name(out_file.stem + ".report.json")
    write_atomic(report_file, (json.dumps(asdict(report), indent=1) + "\n").encode())
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
    # deferred: pandas (~0.3 s), only for this command
    from vsim.loading import scenario_from_dict
    from vsim.local_area import AREA_TABLE, area_section, lsoa_table, lsoas_of
    from vsim.results import write_atomic  # deferred, as above

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


def calibrate(
    calibration: Annotated[Path, typer.Argument(help="Calibration file (calibration/*.toml).")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder to write (and resume).")],
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Worker processes.")] = 1,
    scheduler: Annotated[Optional[str], typer.Option(
        "--scheduler", help="Dask scheduler (tcp://host:8786, or 'local' for a cluster here): "
        "pyabc's Dask sampler."
    )] = None,
    method: Annotated[Optional[str], typer.Option(
        "--method", help="abc_smc (a posterior) or optimize (an Optuna point fit); default: "
        "the file's method.name.")] = None,
) -> None:
    """Fit a scenario to police-recorded crime (ABC-SMC, or an Optuna point fit); resumes."""
    # deferred: pyabc, pandas and the model (numba) take seconds to load
    from vsim.calibration import calibrate as run_calibration
    from vsim.calibration import load_calibration
    from vsim.calibration.fit import check_resumable, problem_of  # deferred, as above
    from vsim.isolation import check_address  # deferred, as above

    try:
        if jobs < 1:
            raise ScenarioError("--jobs", [f"--jobs = {jobs}: must be a whole number ≥ 1"])
        check_address(scheduler)
        if out_dir.exists() and not out_dir.is_dir():
            raise ScenarioError("--out", [f"--out {out_dir}: exists and is not a folder"])
        loaded = load_calibration(calibration)
        if method is not None:
            loaded = loaded.with_method(method)
        problem, data = problem_of(loaded)
        check_resumable(loaded, out_dir)
    except ScenarioError as exc:
        fail(exc)
    spec = loaded.spec
    resumed = (out_dir / "abc.db").exists()
    out.print(f"{'resuming' if resumed else 'calibrating'} [bold]{escape(spec.name)}[/]: "
              f"{len(spec.parameters)} parameters, {len(spec.targets)} targets, "
              f"{data['lsoas']} LSOAs, {data['observed_violence']:,} recorded violent crimes in "
              f"{', '.join(spec.data.months)}; "
              + (f"up to {spec.method.max_simulations:,} Optuna trials"
                 if spec.method.name == "optimize" else
                 f"up to {spec.method.generations} generations of "
                 f"{spec.method.population_size}"), highlight=False, soft_wrap=True)

    def progress(g, method, elapsed):
        left = max(0.0, method.max_walltime_minutes * 60 - elapsed)
        out.print(f"  generation {g.t}: epsilon {g.epsilon:.4g}, acceptance "
                  f"{g.acceptance_rate:.1%}, ESS {g.ess:.0f}, {g.simulations:,} simulations, "
                  f"{g.seconds:.0f} s (wall time left {left / 60:.0f} min)", highlight=False,
                  soft_wrap=True)

    try:
        manifest = run_calibration(loaded, out_dir, jobs=jobs, scheduler=scheduler,
                                   progress=progress, problem=problem)
    except KeyboardInterrupt:
        out.print("interrupted: finished generations are kept in "
                  f"{escape(str(out_dir / 'abc.db'))}; the same command resumes")
        raise typer.Exit(130) from None
    _print_fit(manifest)
    out.print(f"posterior, diagnostics and checks written to [bold]{escape(str(out_dir))}[/]",
              highlight=False)


def _print_fit(manifest: dict) -> None:
    """What a calibration found: its stop, the youth share, what it did not pin down."""
    share = manifest["youth_share_of_recorded_violence"]
    if manifest.get("method") == "optimize":
        out.print(f"best of {manifest['simulations']:,} trials (distance "
                  f"{manifest['distance']:.3g}): " + ", ".join(
                      f"{k} = {v:.4g}" for k, v in manifest["best"].items()), highlight=False,
                  soft_wrap=True)
    else:
        out.print(f"stopped ({manifest['stopped']}) after {manifest['generations']} "
                  f"generations, {manifest['simulations']:,} simulations, "
                  f"{manifest['seconds']:.0f} s", highlight=False)
    if share["mean"] is not None:
        out.print(f"young people's share of recorded violence: {share['mean']:.1%} "
                  f"[{share['q05']:.1%}, {share['q95']:.1%}]", highlight=False)
    if manifest["not_identified"]:
        out.print("not pinned down by the targets (posterior spread ≥ 80% of the prior's): "
                  + ", ".join(manifest["not_identified"]), highlight=False, soft_wrap=True)
