"""Risk scores relative to the national average: the ACE term of the offset is exact."""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import quick

import vsim
from vsim.risk import ACE_MAX, RiskModel, ace_counts, ace_rate_ratios


@pytest.mark.parametrize("b_ace", [0.2, 0.45, -0.3])
def test_ace_rate_ratios_are_the_means_of_the_drawn_counts(b_ace):
    """E[exp(β·ace)] of each group against 4 million counts drawn as the population draws them."""
    u = np.random.default_rng(5).random(4_000_000)
    for group, four_plus, expected in ((0, False, ace_rate_ratios(b_ace)[0]),
                                       (1, True, ace_rate_ratios(b_ace)[1])):
        counts = ace_counts(u, np.ones(u.size, bool), np.full(u.size, four_plus))
        assert counts.min() == (4 if four_plus else 1)
        assert counts.max() == (ACE_MAX if four_plus else 3)
        rr = np.exp(b_ace * counts)
        se = rr.std() / math.sqrt(rr.size)
        assert abs(rr.mean() - expected) < 4 * se, (group, rr.mean(), expected, se)


def test_the_offset_of_an_ace_only_score_is_log_of_the_mean_over_the_ace_distribution():
    """With every other weight 0, offset = ln E[exp(β·ace)] over the national ACE prevalences."""
    names = ["low_family_functioning", "excluded", "mental_health", "substance_use",
             "deprivation", "male", "trusted_adult", "engaged_ete", "positive_activities"]
    sc = vsim.with_changes(quick(), {f"propensity.{n}": 0.0 for n in names})
    rf, b = sc.risk_factors, sc.propensity.per_ace
    counts = ace_counts(np.random.default_rng(9).random(4_000_000), np.ones(4_000_000, bool),
                        np.arange(4_000_000) < 4_000_000 * rf.p_ace_4plus / rf.p_ace_any)
    mean_rr = (1 - rf.p_ace_any) + rf.p_ace_any * np.exp(b * counts).mean()
    se = rf.p_ace_any * np.exp(b * counts).std() / math.sqrt(counts.size)
    offset = RiskModel(sc, np.zeros(4)).offset
    assert abs(math.exp(offset) - mean_rr) < 4 * se + 1e-12
