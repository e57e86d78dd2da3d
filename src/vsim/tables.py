"""Outcome tables: per step, per month, per neighbourhood, and police.uk crime categories.

Incidents map onto the police.uk categories they belong to so that a calibration can set them
beside a police.uk export: a recorded robbery is 'Robbery', any other recorded incident is
'Violence and sexual offences', a weapon found on a young person is 'Possession of weapons'.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from vsim.outcomes import (
    EVENTS,
    FEAR_LEVELS,
    INCIDENT_COUNTS,
    NEIGHBOURHOOD_COUNTS,
    NEIGHBOURHOOD_MEANS,
    STEP_RATES,
    STOCKS,
    WORRIED,
)

POLICE_UK_CATEGORIES = {
    "violence_and_sexual_offences": "Violence and sexual offences",
    "robbery": "Robbery",
    "possession_of_weapons": "Possession of weapons",
}
RATE_BASES = ("young_people", "residents")


def step_dates(start: dt.date, n_steps: int, step_days: int) -> pd.DatetimeIndex:
    """First day of each recorded step."""
    return pd.date_range(pd.Timestamp(start), periods=n_steps, freq=f"{step_days}D")


def steps_frame(columns: dict[str, np.ndarray], start: dt.date, step_days: int,
                residents: int) -> pd.DataFrame:
    """The tidy per-step table with rates per 1,000 young people and per 1,000 residents."""
    n = len(next(iter(columns.values())))
    df = pd.DataFrame({"step": np.arange(n, dtype=np.int64),
                       "date": step_dates(start, n, step_days)})
    for name in (*INCIDENT_COUNTS, *STOCKS, *EVENTS, *FEAR_LEVELS):
        df[name] = columns[name]
    young = df["n_young_people"].where(df["n_young_people"] > 0)
    df["incidents_per_1000_young_people"] = 1000.0 * df["incidents"] / young
    df["incidents_per_1000_residents"] = 1000.0 * df["incidents"] / residents
    df["police_uk_violence_and_sexual_offences"] = (df["incidents_recorded"]
                                                   - df["recorded_robberies"])
    df["police_uk_robbery"] = df["recorded_robberies"]
    df["police_uk_possession_of_weapons"] = df["possession_offences"]
    return df


SUM_COLUMNS = (*INCIDENT_COUNTS, *EVENTS, *(name for name in STEP_RATES
                                             if name.startswith("police_uk_")))
MEAN_COLUMNS = (*STOCKS, *FEAR_LEVELS)


def monthly_frame(steps: pd.DataFrame, residents: int) -> pd.DataFrame:
    """Calendar-month totals of events and month means of stocks.

    A step counts in the month of its first day.
    """
    month = steps["date"].dt.to_period("M")
    grouped = steps.groupby(month, sort=True)
    out = grouped[list(SUM_COLUMNS)].sum()
    means = grouped[list(MEAN_COLUMNS)].mean()
    out = out.join(means.add_prefix("mean_"))
    out.insert(0, "steps", grouped.size())
    out["incidents_per_1000_young_people"] = 1000.0 * out["incidents"] / out["mean_n_young_people"]
    out["incidents_per_1000_residents"] = 1000.0 * out["incidents"] / residents
    out["recorded_per_1000_residents"] = 1000.0 * out["incidents_recorded"] / residents
    out.index = out.index.astype(str)
    out.index.name = "month"
    return out.reset_index()


def neighbourhood_frame(counts: np.ndarray, names: list[str], start: dt.date,
                        step_days: int, worried: np.ndarray | None = None) -> pd.DataFrame:
    """Monthly counts by neighbourhood from ``counts[step, neighbourhood, column]``.

    Columns: all incidents, recorded, weapon, serious injury and the police.uk categories,
    then the month mean of residents' worry (``worried[step, neighbourhood]``; NaN if not
    given). An incident counts in the neighbourhood of its place, or the perpetrator's home
    when it happened in private or elsewhere.
    """
    if worried is None:
        worried = np.full(counts.shape[:2], np.nan)
    n_steps, n_nbhd, _ = counts.shape
    months = step_dates(start, n_steps, step_days).to_period("M").astype(str)
    month_names = sorted(set(months))
    index = pd.Index(months)
    rows = []
    for month in month_names:
        total = counts[index == month].sum(axis=0)
        frame = pd.DataFrame(total, columns=list(NEIGHBOURHOOD_COUNTS))
        frame[WORRIED] = worried[index == month].mean(axis=0)
        frame.insert(0, "neighbourhood", names)
        frame.insert(0, "month", month)
        rows.append(frame)
    if not rows:  # no recorded step yet
        return pd.DataFrame({c: pd.Series(dtype="int64" if c in NEIGHBOURHOOD_COUNTS else
                                          "float64" if c in NEIGHBOURHOOD_MEANS else "object")
                             for c in ("month", "neighbourhood", *NEIGHBOURHOOD_COUNTS,
                                       *NEIGHBOURHOOD_MEANS)})
    return pd.concat(rows, ignore_index=True)


def police_uk_long(neighbourhoods: pd.DataFrame) -> pd.DataFrame:
    """Long table (month, neighbourhood, crime_type, count) with police.uk crime-type names."""
    long = neighbourhoods.melt(id_vars=["month", "neighbourhood"],
                               value_vars=list(POLICE_UK_CATEGORIES), var_name="category",
                               value_name="count")
    long["crime_type"] = long["category"].map(POLICE_UK_CATEGORIES)
    return long[["month", "neighbourhood", "crime_type", "count"]]


def summary_table(steps: pd.DataFrame, residents: int, step_days: int) -> pd.DataFrame:
    """A short yearly summary for the terminal: per year of simulated time."""
    years = (steps["step"] * step_days) // 365
    rows = []
    for y, part in steps.groupby(years):
        incidents = int(part["incidents"].sum())
        young = float(part["n_young_people"].mean())
        rows.append({
            "year": int(y) + 1,
            "incidents": incidents,
            "incidents_per_1000_young_people": (1000.0 * incidents / young if young
                                                else float("nan")),
            "recorded_per_1000_residents": 1000.0 * part["incidents_recorded"].sum() / residents,
            "weapon_incidents": int(part["weapon_incidents"].sum()),
            "serious_injury_incidents": int(part["serious_injury_incidents"].sum()),
            "first_time_perpetrators": int(part["first_time_perpetrators"].sum()),
            "mean_involved": float((part["n_involved"] + part["n_entrenched"]).mean()),
            "mean_exploited": float(part["n_exploited"].mean()),
            "mean_in_custody": float(part["in_custody"].mean()),
        })
    return pd.DataFrame(rows)
