"""Confidence intervals used across vsim: Student t for means, Fieller for ratios.

Comparisons pair replicates on seeds, sweeps take design blocks as their independent units;
both summarise with these. Written with the standard library (no scipy at run time).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

CONFIDENCE = 0.95


def t_quantile(df: int, confidence: float = CONFIDENCE) -> float:
    """Two-sided Student-t quantile: P(|T_df| ≤ q) = confidence (exact for whole df).

    Uses the closed form of the t distribution for whole degrees of freedom (Abramowitz and
    Stegun 26.7.3–4) and bisection, so that the runtime needs no scipy.
    """
    if df < 1:
        return float("nan")
    lo, hi = 0.0, 1.0
    while _t_central(hi, df) < confidence:
        hi *= 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if _t_central(mid, df) < confidence:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-13 * hi:
            break
    return 0.5 * (lo + hi)


def _t_central(t: float, df: int) -> float:
    """A(t | df) = P(|T| ≤ t) for whole df (Abramowitz and Stegun 26.7.3–4)."""
    theta = math.atan(t / math.sqrt(df))
    s, c = math.sin(theta), math.cos(theta)
    c2 = c * c
    if df % 2 == 1:
        total, term = 0.0, c
        for k in range(1, (df - 1) // 2 + 1):  # c + (2/3)c³ + …, to c^(df−2)
            total += term
            term *= c2 * (2 * k) / (2 * k + 1)
        return (2.0 / math.pi) * (theta + s * total) if df > 1 else 2.0 * theta / math.pi
    total, term = 0.0, 1.0
    for k in range(1, df // 2 + 1):  # 1 + (1/2)c² + (1·3)/(2·4)c⁴ + …, to c^(df−2)
        total += term
        term *= c2 * (2 * k - 1) / (2 * k)
    return s * total


def mean_interval(values, confidence: float = CONFIDENCE) -> tuple[float, float, float, float, int]:
    """(mean, sd, low, high, n) of the finite values: mean ± t·sd/√n."""
    x = np.asarray(values, np.float64)
    x = x[np.isfinite(x)]
    n = int(x.size)
    if n == 0:
        return (math.nan,) * 4 + (0,)
    mean = float(x.mean())
    if n < 2:
        return mean, math.nan, math.nan, math.nan, n
    sd = float(x.std(ddof=1))
    half = t_quantile(n - 1, confidence) * sd / math.sqrt(n)
    return mean, sd, mean - half, mean + half, n


def ratio_interval(num, den, confidence: float = CONFIDENCE) -> tuple[float, float, float, int]:
    """(ratio of means, low, high, n) with Fieller's interval for paired replicates.

    The interval is unbounded (−inf, inf) when the denominator's own interval includes zero:
    then the data cannot rule out an infinite ratio (e.g. no incidents averted).
    """
    y = np.asarray(num, np.float64)
    x = np.asarray(den, np.float64)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    n = int(x.size)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    xm, ym = float(x.mean()), float(y.mean())
    ratio = ym / xm if xm != 0 else math.nan
    if n < 2:
        return ratio, math.nan, math.nan, n
    q = t_quantile(n - 1, confidence) ** 2 / n
    sxx, syy = float(x.var(ddof=1)), float(y.var(ddof=1))
    sxy = float(np.cov(x, y, ddof=1)[0, 1])
    a = xm * xm - q * sxx
    b = -2.0 * (xm * ym - q * sxy)
    c = ym * ym - q * syy
    scale = max(abs(xm * xm), q * sxx, 1e-300)
    if a <= 1e-12 * scale:
        return ratio, -math.inf, math.inf, n
    disc = max(b * b - 4.0 * a * c, 0.0)
    root = math.sqrt(disc)
    lo, hi = (-b - root) / (2.0 * a), (-b + root) / (2.0 * a)
    return ratio, lo, hi, n


def block_interval(values: pd.Series, size: int) -> tuple[float, float, float, int]:
    """(mean, low, high, blocks): the mean of per-point values and its 95% interval by blocks.

    The interval is Student t over design blocks of ``size`` points (the independent units: a
    block's points share their seeds). The mean is that of the block means (the point mean for
    complete blocks).
    """
    values = values.dropna()
    if values.empty:
        return math.nan, math.nan, math.nan, 0
    blocks = values.groupby(np.asarray(values.index, int) // size).mean()
    mean, _, low, high, n = mean_interval(blocks.to_numpy())
    return mean, low, high, n
