"""police.uk street-level crime files in, counts by month × LSOA × crime type out.

Reads the files as a user downloads them from data.police.uk: a folder of ``YYYY-MM/``
subfolders holding ``YYYY-MM-<force>-street.csv``, the same files gzipped, or the bulk archive
(a zip of those files); and, for data from elsewhere, a plain counts file (``month``,
``lsoa_code``, ``crime_type``, ``count``). Every file is checked against police.uk's standard
12-column schema; what is wrong is said precisely (file, row, column), and what is unusual but
usable (duplicate crime IDs, records without a location, records outside the area, the older
combined category, months missing from the range) is counted in a report rather than dropped
silently. Aggregation keeps no coordinates or crime IDs.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from vsim.loading import ScenarioError

# police.uk street-level schema (data.police.uk/about/#columns), in file order.
STREET_COLUMNS = ("Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude",
                  "Location", "LSOA code", "LSOA name", "Crime type", "Last outcome category",
                  "Context")
COUNT_COLUMNS = ("month", "lsoa_code", "crime_type", "count")
CRIME_TYPES = ("Anti-social behaviour", "Bicycle theft", "Burglary",
               "Criminal damage and arson", "Drugs", "Other crime", "Other theft",
               "Possession of weapons", "Public order", "Robbery", "Shoplifting",
               "Theft from the person", "Vehicle crime", "Violence and sexual offences")
# Until 2013 police.uk combined these two; later files split them (Public order, Possession
# of weapons), so counts across the change are not comparable.
OLD_COMBINED = "Public disorder and weapons"
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
STREET_FILE = re.compile(r"^\d{4}-\d{2}-.+-street\.csv(\.gz)?$")
SHOWN = 5  # rows quoted in a message before "and N more"
AGGREGATE_COLUMNS = ["month", "lsoa_code", "crime_type", "count"]


@dataclass
class Report:
    """What reading found: counts of records set aside, and notes a user should see."""

    files: list[str] = field(default_factory=list)
    repeated_files: list[str] = field(default_factory=list)
    records: int = 0
    duplicate_ids: int = 0
    no_location: int = 0
    outside_area: int = 0
    old_combined_category: int = 0
    months: list[str] = field(default_factory=list)
    missing_months: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)



def _sources(paths: Iterable[Path]) -> Iterator[tuple[str, bytes]]:
    """(name, raw bytes) of every street or counts file under the given paths."""
    problems = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file()
                           and (STREET_FILE.match(p.name) or p.suffix == ".zip"))
            if not found:
                problems.append(f"{path}: a folder with no police.uk street files "
                                "(YYYY-MM-<force>-street.csv, .csv.gz) or archives (.zip)")
            for p in found:
                yield from _file_sources(p)
        elif path.is_file():
            yield from _file_sources(path)
        else:
            problems.append(f"{path}: no such file or folder")
    if problems:
        raise ScenarioError("vsim data police-uk", problems)


def _file_sources(path: Path) -> Iterator[tuple[str, bytes]]:
    if path.suffix == ".zip":
        try:
            with zipfile.ZipFile(path) as archive:
                members = sorted(n for n in archive.namelist()
                                 if STREET_FILE.match(Path(n).name))
                if not members:
                    raise ScenarioError(str(path), [
                        "the archive holds no police.uk street files "
                        "(YYYY-MM/YYYY-MM-<force>-street.csv)"])
                for name in members:
                    yield f"{path}:{name}", archive.read(name)
        except zipfile.BadZipFile:
            raise ScenarioError(str(path), ["not a readable zip archive"]) from None
        return
    data = path.read_bytes()
    if path.suffix == ".gz":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError):
            raise ScenarioError(str(path), ["not a readable gzip file"]) from None
    yield str(path), data


def _decode(name: str, data: bytes) -> str:
    """The file's text, refusing a byte-order mark, another encoding or an empty file."""
    if not data.strip():
        raise ScenarioError(name, ["the file is empty"])
    if data.startswith(b"\xef\xbb\xbf"):
        raise ScenarioError(name, [
            "the file starts with a UTF-8 byte-order mark (saved by a spreadsheet program?); "
            "police.uk files have none: save it as plain UTF-8 CSV"])
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise ScenarioError(name, ["the file is UTF-16; police.uk files are UTF-8"])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ScenarioError(name, [
            f"line {line}: byte 0x{data[exc.start]:02x} is not UTF-8 (the file is in another "
            "encoding, e.g. Windows-1252); police.uk files are UTF-8"]) from None


def _bad_months(name: str, months: pd.Series) -> list[str]:
    bad = months[~months.astype(str).str.match(MONTH)]
    if bad.empty:
        return []
    rows = ", ".join(f"row {k + 2}: {v!r}" for k, v in bad.head(SHOWN).items())
    more = f" and {len(bad) - SHOWN} more" if len(bad) > SHOWN else ""
    return [f"Month: {rows}{more} not YYYY-MM"]


def _unknown_types(column: str, frame: pd.DataFrame) -> list[str]:
    known = (*CRIME_TYPES, OLD_COMBINED)
    unknown = sorted(set(frame[column]) - set(known))
    return ([f"{column}: {unknown} are not police.uk crime types ({', '.join(known)})"]
            if unknown else [])


def _read_one(name: str, data: bytes) -> pd.DataFrame:
    """One file as (month, lsoa_code, crime_type, count, crime_id) rows, checked."""
    text = _decode(name, data)
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    columns = list(frame.columns)
    if set(COUNT_COLUMNS) <= set(columns):
        return _counts_rows(name, frame)
    missing = [c for c in STREET_COLUMNS if c not in columns]
    if missing:
        raise ScenarioError(name, [
            f"missing columns {missing}; found {columns}. A police.uk street file has "
            f"{list(STREET_COLUMNS)}; a counts file has {list(COUNT_COLUMNS)}"])
    if frame.empty:
        raise ScenarioError(name, ["the file has a header and no records"])
    problems = _bad_months(name, frame["Month"]) + _unknown_types("Crime type", frame)
    if problems:
        raise ScenarioError(name, problems)
    return pd.DataFrame({"month": frame["Month"], "lsoa_code": frame["LSOA code"],
                         "crime_type": frame["Crime type"], "count": 1,
                         "crime_id": frame["Crime ID"]})


def _counts_rows(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    problems = _bad_months(name, frame["month"])
    counts = pd.to_numeric(frame["count"], errors="coerce")
    bad = frame["count"][counts.isna() | (counts < 0) | (counts % 1 != 0)]
    if not bad.empty:
        rows = ", ".join(f"row {k + 2}: {v!r}" for k, v in bad.head(SHOWN).items())
        problems.append(f"count: {rows} must be whole numbers ≥ 0")
    problems += _unknown_types("crime_type", frame)
    if problems:
        raise ScenarioError(name, problems)
    return pd.DataFrame({"month": frame["month"], "lsoa_code": frame["lsoa_code"],
                         "crime_type": frame["crime_type"],
                         "count": counts.astype("int64"), "crime_id": ""})


def month_range(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last`` (YYYY-MM), inclusive."""
    return [str(p) for p in pd.period_range(first, last, freq="M")]


def read_police_uk(paths: Iterable[str | Path], area_lsoas: Iterable[str] | None = None,
                   months: tuple[str, str] | None = None) -> tuple[pd.DataFrame, Report]:
    """Counts by (month, lsoa_code, crime_type) from police.uk files, and the report.

    ``area_lsoas``: keep only records in these LSOAs (the rest are counted as outside the
    area); ``months``: the first and last month expected, so that gaps are named (default:
    the first and last month found). Raises :class:`vsim.loading.ScenarioError` on bad input.
    """
    report = Report()
    problems: list[str] = []
    frames = []
    seen: dict[str, str] = {}
    for name, data in _sources(Path(p) for p in paths):
        digest = hashlib.sha256(data).hexdigest()
        if digest in seen:  # the same file twice: its records (ASB has no ID) would count twice
            report.repeated_files.append(f"{name} (the same as {seen[digest]})")
            continue
        seen[digest] = name
        report.files.append(name)
        try:
            frames.append(_read_one(name, data))
        except ScenarioError as exc:
            problems.extend(f"{exc.source}: {p}" for p in exc.problems)
    if problems:
        raise ScenarioError("vsim data police-uk", problems)
    rows = pd.concat(frames, ignore_index=True)
    report.records = int(rows["count"].sum())
    ids = rows["crime_id"]
    duplicated = (ids != "") & ids.duplicated(keep="first")
    report.duplicate_ids = int(duplicated.sum())
    rows = rows[~duplicated]
    no_lsoa = rows["lsoa_code"] == ""
    report.no_location = int(rows.loc[no_lsoa, "count"].sum())
    rows = rows[~no_lsoa]
    if area_lsoas is not None:
        inside = rows["lsoa_code"].isin(set(area_lsoas))
        report.outside_area = int(rows.loc[~inside, "count"].sum())
        rows = rows[inside]
    old = rows["crime_type"] == OLD_COMBINED
    report.old_combined_category = int(rows.loc[old, "count"].sum())
    found = sorted(rows["month"].unique())
    report.months = found
    if found:
        first, last = months if months is not None else (found[0], found[-1])
        report.missing_months = [m for m in month_range(first, last) if m not in set(found)]
    _notes(report)
    counts = (rows.groupby(["month", "lsoa_code", "crime_type"], as_index=False)["count"].sum()
              .sort_values(["month", "lsoa_code", "crime_type"], ignore_index=True))
    return counts[AGGREGATE_COLUMNS], report


def _notes(report: Report) -> None:
    """Plain-language notes on what was set aside or is missing."""
    n = report.notes
    for repeated in report.repeated_files:
        n.append(f"skipped {repeated}: given twice")
    if report.duplicate_ids:
        n.append(f"{report.duplicate_ids:,} records repeat a crime ID already read (the same "
                 "crime in overlapping downloads?): each counted once; anti-social behaviour "
                 "records have no ID, so repeats of them cannot be found")
    if report.no_location:
        n.append(f"{report.no_location:,} records have no location or LSOA: not in the LSOA "
                 "counts (police.uk publishes some crimes without a location)")
    if report.outside_area:
        n.append(f"{report.outside_area:,} records fall in LSOAs outside the chosen area "
                 "(the rest of the force's area, and points snapped across its boundary): "
                 "not counted")
    if report.old_combined_category:
        n.append(f"{report.old_combined_category:,} records use the older combined category "
                 f"'{OLD_COMBINED}' (later split into Public order and Possession of "
                 "weapons): kept as it is, not comparable with the split categories")
    if report.missing_months:
        n.append(f"months missing from the range: {', '.join(report.missing_months)} (a force "
                 "may have supplied nothing, e.g. Greater Manchester in July-December 2019)")

