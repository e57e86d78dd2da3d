"""Prices and time in an appraisal: price years, the GDP deflator and Green Book discounting.

HM Treasury's Green Book appraises in **real terms**: every sum of money is expressed in the
prices of one stated year, moved from its own price year with the GDP deflator, and sums that
fall later are worth less today, by the social time preference rate (3.5% a year for the first
30 years; evidence: green-book-discounting). A price year is a financial year (``"2015/16"``:
April 2015 to March 2016, the year the Home Office unit costs of crime are in) or a calendar
year (``"2019"``). The deflator is ONS series YBGB, shipped as ``gdp_deflator.csv`` (evidence:
ons-gdp-deflator-ybgb); a year's index is the mean of its four quarters.

Discounting follows the Green Book's annual convention: what happens in appraisal year ``k``
(``k = 0`` for the first 365.25 days from the start) is multiplied by ``1 / (1 + r) ** k``.
Beyond year 30 the Green Book's rate declines (3.0% for years 31–75, 2.5% for 76–125: the
standard rate less 0.5 and 1.0 points), which only horizons of over 30 years reach.
"""

from __future__ import annotations

import csv
import math
import re
from functools import cache
from importlib import resources

import numpy as np

PRICE_YEAR = re.compile(r"^(\d{4})(?:/(\d{2}))?$")
DAYS_PER_APPRAISAL_YEAR = 365.25


@cache
def deflator_quarters() -> dict[str, float]:
    """The GDP deflator by quarter (``"2015-Q2"``: index, 2022 = 100)."""
    text = resources.files("vsim").joinpath("gdp_deflator.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return {row["quarter"]: float(row["index"]) for row in rows}


def _quarters_of(year: str) -> list[str]:
    """The four quarters of a price year, or ValueError saying what a price year is."""
    match = PRICE_YEAR.match(year)
    if match is None:
        raise ValueError(f"'{year}' is not a price year: give a financial year as 'YYYY/YY' "
                         f"(e.g. '2015/16') or a calendar year as 'YYYY'")
    first = int(match.group(1))
    if match.group(2) is None:
        return [f"{first}-Q{q}" for q in (1, 2, 3, 4)]
    if int(match.group(2)) != (first + 1) % 100:
        raise ValueError(f"'{year}' is not a financial year: the second part must be the "
                         f"next year ('{first}/{(first + 1) % 100:02d}')")
    return [f"{first}-Q2", f"{first}-Q3", f"{first}-Q4", f"{first + 1}-Q1"]


def available_years() -> str:
    """The span of price years the shipped deflator covers, for messages."""
    quarters = list(deflator_quarters())
    first, last = int(quarters[0][:4]), int(quarters[-1][:4])
    return f"{first} to {last - 1} (calendar) or {first}/{(first + 1) % 100:02d} to " \
           f"{last - 1}/{last % 100:02d} (financial)"


def deflator(year: str) -> float:
    """The GDP deflator of a price year: the mean of its quarters (ValueError if not covered)."""
    table = deflator_quarters()
    quarters = _quarters_of(year)
    missing = [q for q in quarters if q not in table]
    if missing:
        raise ValueError(f"'{year}' is outside the GDP deflator shipped with vsim (ONS YBGB, "
                         f"{available_years()})")
    return sum(table[q] for q in quarters) / 4.0


def price_factor(from_year: str, to_year: str) -> float:
    """What £1 in ``from_year`` prices is in ``to_year`` prices (the ratio of deflators)."""
    return deflator(to_year) / deflator(from_year)


# Green Book long-term schedule: (first year of the band, points below the standard rate).
LONG_TERM_BANDS = ((31, 0.005), (76, 0.010))


def year_factors(n_years: int, rate: float) -> np.ndarray:
    """Discount factor of appraisal years 0..n_years−1: (1 + r)^−k, declining after year 30."""
    rates = np.full(max(n_years, 1), rate, np.float64)
    for first, less in LONG_TERM_BANDS:
        rates[first:] = max(rate - less, 0.0)
    rates[0] = 0.0  # year 0 is not discounted
    return np.cumprod(1.0 / (1.0 + rates))[:n_years]


def discount_factors(n_steps: int, step_days: int, rate: float) -> np.ndarray:
    """Each step's discount factor: that of the appraisal year the step starts in."""
    days = np.arange(n_steps, dtype=np.float64) * step_days
    year = np.floor(days / DAYS_PER_APPRAISAL_YEAR + 1e-9).astype(np.int64)
    return year_factors(int(year[-1]) + 1 if n_steps else 1, rate)[year]


def present_value(by_step: np.ndarray, factors: np.ndarray) -> float:
    """The discounted sum of a per-step flow (pounds or incidents).

    Summed exactly (``math.fsum``): ``np.dot`` hands the sum to BLAS, whose order of addition
    depends on the machine's processor, so the last digits (and the golden digests) did too.
    """
    return math.fsum(np.asarray(by_step, np.float64) * factors)
