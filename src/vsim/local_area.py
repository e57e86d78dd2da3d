"""Real local areas: the LSOAs of a local authority, their residents and a deprivation score.

A scenario's neighbourhoods can be the real LSOAs of a local authority (``vsim area``), so that
simulated counts can be set beside police.uk counts LSOA by LSOA. The 2011 Census table of
West Yorkshire's LSOAs ships with vsim (``vsim/areas/``, Open Government Licence); other areas
give their LSOAs in a CSV of the same columns.

No registry package ships the English Indices of Deprivation, so deprivation is a stated
proxy: the standard score of log population density across the area's LSOAs (denser LSOAs are
the inner-urban ones, where deprivation concentrates in West Yorkshire's towns; evidence:
assume-density-deprivation-proxy). Its effect on risk, ``risk_factors.deprivation_loading``,
is an uncertain parameter a calibration can fit.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from vsim.loading import ScenarioError

AREA_TABLE = Path(__file__).resolve().parent / "areas" / "lsoa_population_2011_west_yorkshire.csv"
LSOA_COLUMNS = ("lad_code", "lad_name", "lsoa11cd", "lsoa11nm", "usual_residents",
                "persons_per_hectare")
# Share of residents aged 10-24 of a generated area: England's, mid-2020 17.7% (evidence:
# age-10-24-share-england-london); no LSOA-level age table ships with vsim.
YOUTH_SHARE = 0.177


def lsoa_table(path: str | Path = AREA_TABLE) -> pd.DataFrame:
    """A 2011 Census LSOA table (default: the shipped one, West Yorkshire's five authorities)."""
    try:
        table = pd.read_csv(path, dtype={"lsoa11cd": str, "lad_code": str, "lad_name": str})
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise ScenarioError(str(path), [f"not a readable CSV ({exc})"]) from None
    missing = [c for c in LSOA_COLUMNS if c not in table.columns]
    if missing:
        raise ScenarioError(str(path), [f"missing columns {missing}; found "
                                        f"{list(table.columns)}"])
    return table


def lsoas_of(lad: str, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """The LSOAs (code, name, residents) of a local authority named or coded ``lad``."""
    table = lsoa_table() if table is None else table
    rows = table[(table["lad_name"].str.casefold() == lad.casefold())
                 | (table["lad_code"] == lad)]
    if rows.empty:
        known = sorted(set(table["lad_name"]))
        raise ScenarioError("--lad", [
            f"--lad {lad!r}: not a local authority of the shipped LSOA table ({', '.join(known)}"
            "); for another area give an LSOA table of the same columns (vsim area --table) or "
            "its LSOAs (vsim data police-uk --lsoas, a CSV with a column lsoa11cd)"])
    return rows.reset_index(drop=True)


def lsoas_from_file(path: Path) -> list[str]:
    """LSOA codes from a CSV with a column ``lsoa11cd``, ``lsoa_code`` or ``LSOA code``."""
    try:
        frame = pd.read_csv(path, dtype=str)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"--lsoas {path}", [f"not a readable CSV ({exc})"]) from None
    for column in ("lsoa11cd", "lsoa_code", "LSOA code"):
        if column in frame.columns:
            return sorted(set(frame[column].dropna()))
    raise ScenarioError(f"--lsoas {path}", [
        f"no column lsoa11cd, lsoa_code or 'LSOA code'; found {list(frame.columns)}"])


def deprivation_proxy(lsoas: pd.DataFrame) -> np.ndarray:
    """Standard score of log persons per hectare across the LSOAs, within [-4, 4]."""
    x = np.log(lsoas["persons_per_hectare"].to_numpy(np.float64).clip(0.1))
    sd = x.std()
    z = (x - x.mean()) / sd if sd > 0 else np.zeros_like(x)
    return np.clip(z, -4.0, 4.0).round(3)


def area_section(lsoas: pd.DataFrame, name: str, youth_share: float = YOUTH_SHARE) -> dict:
    """The [area] of a scenario whose neighbourhoods are these LSOAs (named by code)."""
    residents = lsoas["usual_residents"].to_numpy(np.int64)
    deprivation = deprivation_proxy(lsoas)
    return {"name": name, "residents": int(residents.sum()), "youth_share": youth_share,
            "neighbourhoods": [{"name": code, "share": int(r), "deprivation": float(d)}
                               for code, r, d in zip(lsoas["lsoa11cd"], residents,
                                                     deprivation, strict=True)]}
