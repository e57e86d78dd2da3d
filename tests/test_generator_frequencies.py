"""Realised weekly entry and desistance frequencies equal the configured probabilities.

The direct check of experiments/involvement_frequencies.py at test size: 4e8 person-weeks
through the real involvement kernel, each a Bernoulli trial with the stated probability. The
count is Binomial(N, p), so z = (k − Np)/√(Np(1 − p)); |z| < 4 has a false-alarm rate of 6e-5
(and the seed is fixed, so the test is deterministic). At this size a relative bias of 0.3%
(the size an earlier check suspected) would give |z| ≈ 8.6 for entry at p = 0.02.
"""

from __future__ import annotations

import sys

import pytest
from helpers import REPO

sys.path.insert(0, str(REPO / "experiments"))
from involvement_frequencies import DIRECT, direct  # noqa: E402


@pytest.mark.slow
@pytest.mark.parametrize("case", [DIRECT[1], DIRECT[2], DIRECT[3]], ids=lambda c: c[0])
def test_weekly_frequency_is_the_configured_probability(case):
    trials = 4e8 if case[1] == 0 else 2e8
    row = direct(*case, trials=trials)
    assert row["trials"] >= trials
    assert abs(row["z"]) < 4, row
    assert abs(row["relative_difference"]) < 4.5 * row["relative_se"]
