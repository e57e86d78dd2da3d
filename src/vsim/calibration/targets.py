"""Calibration targets: summaries of recorded crime by LSOA and month, for data and runs alike.

Each target is one number computed from a counts array ``counts[month, lsoa, type]`` (types
in the order of :data:`vsim.calibration.spec.CRIME_TYPES`: violence and sexual offences,
robbery, possession of weapons) with the LSOAs' residents and deprivation scores. The same
function summarises the police data and every simulated data set, so they are compared like
with like. Per-month summaries are averaged over the months.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

VIOLENCE, ROBBERY, WEAPONS = 0, 1, 2


@dataclass(frozen=True)
class Area:
    """What targets need to know of the LSOAs besides the counts."""

    residents: np.ndarray    # usual residents per LSOA
    deprivation: np.ndarray  # deprivation score per LSOA


def _per_month(fn: Callable[[np.ndarray], float]) -> Callable:
    def target(counts: np.ndarray, area: Area) -> float:
        return float(np.mean([fn(counts[m, :, VIOLENCE].astype(np.float64))
                              for m in range(counts.shape[0])]))
    return target


def _top_share(share: float) -> Callable[[np.ndarray], float]:
    def fn(x: np.ndarray) -> float:
        k = max(1, int(round(share * x.size)))
        total = x.sum()
        return float(np.sort(x)[-k:].sum() / total) if total > 0 else 0.0
    return fn


def gini(x: np.ndarray) -> float:
    """Gini coefficient of counts across LSOAs (0: even; near 1: all in one)."""
    total = x.sum()
    if total <= 0:
        return 0.0
    s = np.sort(x)
    n = s.size
    return float((2.0 * np.sum(np.arange(1, n + 1) * s) / (n * total)) - (n + 1) / n)


def _dispersion(x: np.ndarray) -> float:
    mean = x.mean()
    return float(x.var(ddof=1) / mean) if mean > 0 and x.size > 1 else 0.0


def level(counts: np.ndarray, area: Area) -> float:
    """Violence and sexual offences per 1,000 residents per month."""
    return float(counts[:, :, VIOLENCE].sum() / counts.shape[0] / (area.residents.sum() / 1e3))


def _ratio(kind: int) -> Callable:
    def target(counts: np.ndarray, area: Area) -> float:
        violence = counts[:, :, VIOLENCE].sum()
        return float(counts[:, :, kind].sum() / violence) if violence > 0 else 0.0
    return target


def deprivation_correlation(counts: np.ndarray, area: Area) -> float:
    """Spearman correlation of LSOA violence (all months) with deprivation."""
    x = counts[:, :, VIOLENCE].sum(axis=0).astype(np.float64)
    if x.std() == 0 or area.deprivation.std() == 0:
        return 0.0
    rx = _ranks(x)
    rd = _ranks(area.deprivation.astype(np.float64))
    return float(np.corrcoef(rx, rd)[0, 1])


def _ranks(x: np.ndarray) -> np.ndarray:
    """Average ranks (ties share their mean rank)."""
    order = np.argsort(x, kind="stable")
    ranks = np.empty(x.size)
    ranks[order] = np.arange(x.size, dtype=np.float64)
    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=ranks)
    return sums[inverse] / counts[inverse]


def change(counts: np.ndarray, area: Area) -> float:
    """Violence in the last data month over the first (needs two months or more)."""
    first = counts[0, :, VIOLENCE].sum()
    return float(counts[-1, :, VIOLENCE].sum() / first) if first > 0 else 0.0


# name: (function, description)
TARGETS: dict[str, tuple[Callable[[np.ndarray, Area], float], str]] = {
    "level": (level, "violence and sexual offences per 1,000 residents per month"),
    "top5_share": (_per_month(_top_share(0.05)), "share of violence in the top 5% of LSOAs"),
    "top10_share": (_per_month(_top_share(0.10)), "share of violence in the top 10% of LSOAs"),
    "gini": (_per_month(gini), "Gini coefficient of violence across LSOAs"),
    "dispersion": (_per_month(_dispersion), "variance / mean of violence across LSOAs"),
    "zero_share": (_per_month(lambda x: float(np.mean(x == 0))),
                   "share of LSOAs with no violence in a month"),
    "weapons_ratio": (_ratio(WEAPONS), "possession of weapons per violence and sexual offence"),
    "robbery_ratio": (_ratio(ROBBERY), "robbery per violence and sexual offence"),
    "deprivation_correlation": (deprivation_correlation,
                                "Spearman correlation of LSOA violence with deprivation"),
    "change": (change, "violence in the last month over the first"),
}


# Targets that need more than violence and sexual offences.
TYPES_NEEDED = {"weapons_ratio": ("Violence and sexual offences", "Possession of weapons"),
                "robbery_ratio": ("Violence and sexual offences", "Robbery")}


def summarise(counts: np.ndarray, area: Area, names) -> dict[str, float]:
    """The named targets of one data set."""
    return {name: TARGETS[name][0](counts, area) for name in names}
