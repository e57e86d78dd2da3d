"""The observation model (ODD: observation-model): from simulated incidents to police counts.

Police-recorded counts of LSOA ``n`` in month ``m`` for crime type ``c`` are drawn as

    count ~ NegativeBinomial(mean = Y[m, n, c] + B_c · residents_n / 1000 · g_n, k)
    g_n = exp(s · dep_n) / (residents-weighted mean over the area of exp(s · dep))

with ``Y`` the incidents by the simulated young people that police recorded (by police.uk
category, in the LSOA of the place or, in private, of the perpetrator's home), ``B_c`` the
area's mean background rate of recorded crime of that type the model does not simulate
(adults, domestic abuse), ``s`` its log rate ratio per standard deviation of deprivation,
and ``k`` the shape (variance = mean + mean²/k). The youth share of recorded violence,
ΣY / Σmean, is an output of the fit, not an input.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vsim.outcomes import NEIGHBOURHOOD_COUNTS
from vsim.tables import step_dates

from .targets import Area

POLICE_TYPES = ("Violence and sexual offences", "Robbery", "Possession of weapons")
# Columns of the recorder's neighbourhood table for the three police.uk types, in order.
TYPE_COLUMNS = tuple(list(NEIGHBOURHOOD_COUNTS).index(name) for name in (
    "violence_and_sexual_offences", "robbery", "possession_of_weapons"))


def area_of(scenario) -> Area:
    """Residents and deprivation of the scenario's neighbourhoods (its LSOAs)."""
    nbhd = scenario.area.neighbourhoods
    if not nbhd:
        raise ValueError("a calibrated scenario lists its neighbourhoods (its LSOAs)")
    share = np.array([n.share for n in nbhd], np.float64)
    residents = scenario.area.residents * share / share.sum()
    return Area(residents, np.array([n.deprivation for n in nbhd], np.float64))


def month_of_steps(scenario, n_steps: int) -> np.ndarray:
    """YYYY-MM of each recorded step's first day."""
    dates = step_dates(scenario.time.start, n_steps, scenario.time.step_days)
    return np.asarray(dates.to_period("M").astype(str))


def youth_counts(by_neighbourhood: np.ndarray, scenario, months) -> np.ndarray:
    """Recorded incidents of the simulated young people, [month, LSOA, type], for ``months``.

    A month's count is the sum of the steps that start in it, scaled to the whole month (a
    month holds 4 or 5 weekly steps, so the count is per the month's days, not its steps).
    """
    steps = month_of_steps(scenario, by_neighbourhood.shape[0])
    out = np.zeros((len(months), by_neighbourhood.shape[1], len(TYPE_COLUMNS)))
    step_days = scenario.time.step_days
    for k, month in enumerate(months):
        rows = steps == month
        if not rows.any():
            continue
        days = pd.Period(month, "M").days_in_month
        scale = days / (rows.sum() * step_days)
        out[k] = by_neighbourhood[rows][:, :, TYPE_COLUMNS].sum(axis=0) * scale
    return out


def expected_counts(youth: np.ndarray, area: Area, obs) -> np.ndarray:
    """Mean recorded counts: the young people's plus the background, [month, LSOA, type].

    The deprivation gradient is normalised to average 1 over the area's residents, so the
    background rate is the area's mean rate whatever the gradient: the level and the
    concentration of recorded crime are then set by different parameters.
    """
    gradient = np.exp(obs["background_deprivation"] * area.deprivation)
    gradient /= np.average(gradient, weights=area.residents)
    per_1000 = area.residents / 1e3 * gradient
    rates = np.array([obs["background_rate"], obs["robbery_background_rate"],
                      obs["weapons_background_rate"]])
    return youth + per_1000[None, :, None] * rates[None, None, :]


def observe(youth: np.ndarray, area: Area, obs, rng: np.random.Generator) -> np.ndarray:
    """Police-recorded counts drawn from the observation model."""
    mean = expected_counts(youth, area, obs)
    k = float(obs["dispersion"])
    # numpy's negative_binomial(n, p) has mean n(1 − p)/p: n = k, p = k / (k + mean).
    return rng.negative_binomial(k, k / (k + mean)).astype(np.int64)


def youth_share(youth: np.ndarray, area: Area, obs) -> float:
    """Share of expected recorded violence that the simulated young people commit."""
    mean = expected_counts(youth, area, obs)
    total = mean[:, :, 0].sum()
    return float(youth[:, :, 0].sum() / total) if total > 0 else 0.0


def data_counts(frame: pd.DataFrame, lsoas: list[str], months, crime_types) -> tuple[
        np.ndarray, int]:
    """The data as [month, LSOA, type] counts on the scenario's LSOAs; also records outside.

    Types are in the order of ``POLICE_TYPES``; a type not in ``crime_types`` stays 0.
    """
    index = {code: k for k, code in enumerate(lsoas)}
    out = np.zeros((len(months), len(lsoas), 3), np.int64)
    types = {t: POLICE_TYPES.index(t) for t in crime_types}
    rows = frame[frame["month"].isin(months) & frame["crime_type"].isin(types)]
    inside = rows["lsoa_code"].isin(index)
    for month, code, kind, count in rows[inside][["month", "lsoa_code", "crime_type",
                                                   "count"]].itertuples(index=False):
        out[list(months).index(month), index[code], types[kind]] += int(count)
    return out, int(rows.loc[~inside, "count"].sum())
