"""Risk scores and vulnerability: the weights of risk and protective factors, derived once.

The risk score β·x enters the perpetration hazard and background entry into involvement
(ODD: risk); vulnerability v_i enters county-lines recruitment. Both are recomputed for a
young person whenever a factor changes (schooling, exploitation, family therapy).
"""

from __future__ import annotations

import math

import numpy as np

from vsim.rng import draws
from vsim.scenario import Scenario
from vsim.state import People
from vsim.vocabulary import NEIGHBOURHOOD_DEPRIVATION, RISK_FACTORS, VISIBLE_RISK_FACTORS

# Exploitation vulnerability v_i = exp(Σ c·x): the factors the model description names
# (ODD: risk), with weights that are assumptions (no source gives them; evidence:
# assume-vulnerability-weights), summed in this order.
VULNERABILITY = (("missing", 1.0), ("excluded", 0.5), ("ace", 0.2),
                 ("low_family_functioning", 0.5), ("trusted_adult", -0.7))
# How many ACEs a young person has, given the two thresholds crossed: 1, 2 or 3 equally likely
# below four; from four, 4 + floor of an exponential of scale 1.2 (a geometric number of extra
# adversities), at most the 9 ACEs of the survey (evidence: aces-any, aces-4plus; the shape
# within the groups is an assumption).
ACE_EXTRA_SCALE = 1.2
ACE_MAX = 9


def ace_counts(u: np.ndarray, any_ace: np.ndarray, four_plus: np.ndarray) -> np.ndarray:
    """ACE counts from one uniform draw each and the thresholds crossed (see ACE_EXTRA_SCALE)."""
    extra = np.minimum(ACE_MAX - 4, np.floor(-np.log1p(-u) * ACE_EXTRA_SCALE))
    return np.where(four_plus, 4 + extra, np.where(any_ace, 1 + np.floor(u * 3), 0))


def ace_rate_ratios(b_ace: float) -> tuple[float, float]:
    """E[exp(β_ace·ace)] in the 1–3 group and in the 4+ group, exactly as :func:`ace_counts` draws.

    floor(scale·Exp(1)) ≥ k with probability q^k, q = exp(−1/scale); the cap takes the rest.
    """
    low = sum(math.exp(k * b_ace) for k in (1, 2, 3)) / 3.0
    q = math.exp(-1.0 / ACE_EXTRA_SCALE)
    top = ACE_MAX - 4
    high = sum((1.0 - q) * q**k * math.exp((4 + k) * b_ace) for k in range(top))
    high += q**top * math.exp(ACE_MAX * b_ace)
    return low, high


# Weight of missing episodes in the partnership's visible risk score (assumption: a strong
# flag; evidence: assume-visible-risk-score), after the factors of
# vsim.vocabulary.VISIBLE_RISK_FACTORS.
VISIBLE_MISSING = math.log(4.0)


class RiskModel:
    """Risk scores β·x and vulnerability from the scenario's coefficients, derived once.

    Scores are relative to a young person of national average risk
    (:meth:`national_offset`), so h0 and the background entry rate are rates for an average
    young person, and a more deprived or adverse area comes out with more violence.
    """

    def __init__(self, scenario: Scenario, nbhd_deprivation: np.ndarray):
        self.on = bool(scenario.processes.risk_factors)
        b = scenario.propensity
        self.coefficients = {factor: float(getattr(b, name))
                             for factor, name in RISK_FACTORS.items()}
        self.deprivation = nbhd_deprivation
        self.offset = self.national_offset(scenario) if self.on else 0.0

    def national_offset(self, scenario: Scenario) -> float:
        """Log E[exp(β·x)] for a young person in England, taking factors as independent.

        ACE counts are averaged over their distribution within the 1–3 and 4+ groups exactly
        (:func:`ace_rate_ratios`); deprivation is N(0, 1) nationally.
        """
        rf, pop, b = scenario.risk_factors, scenario.population, self.coefficients
        low, high = ace_rate_ratios(b["ace"])
        product = ((1 - rf.p_ace_any) + (rf.p_ace_any - rf.p_ace_4plus) * low
                   + rf.p_ace_4plus * high)
        # ETE engagement: in school to 16, then 1 − NEET (age-band weighted, roughly 60/40).
        prevalence = {"low_family_functioning": rf.p_low_family_functioning,
                      "excluded": rf.p_excluded, "mental_health": rf.p_mental_health,
                      "substance_use": rf.p_substance_use, "male": pop.p_male,
                      "trusted_adult": rf.p_trusted_adult,
                      "engaged_ete": 1.0 - 0.4 * (0.5 * pop.p_neet_16_18
                                                  + 0.5 * pop.p_neet_19_24),
                      "positive_activities": rf.p_positive_activities}
        for factor in RISK_FACTORS:
            if factor not in ("ace", NEIGHBOURHOOD_DEPRIVATION):
                p = prevalence[factor]
                product *= 1.0 - p + p * math.exp(b[factor])
        product *= math.exp(0.5 * b[NEIGHBOURHOOD_DEPRIVATION] ** 2)
        return math.log(product)

    def score(self, people: People, slots: np.ndarray) -> np.ndarray:
        """β·x (ODD: risk) for the given slots, relative to national average risk."""
        if not self.on:
            return np.zeros(slots.shape[0], np.float32)
        total = None
        for factor, coef in self.coefficients.items():
            x = (self.deprivation[people.neighbourhood[slots]]
                 if factor == NEIGHBOURHOOD_DEPRIVATION else getattr(people, factor)[slots])
            total = coef * x if total is None else total + coef * x
        return (total - self.offset).astype(np.float32)

    def vulnerability(self, people: People, slots: np.ndarray) -> np.ndarray:
        """v_i (ODD: risk; :data:`VULNERABILITY`)."""
        if not self.on:
            return np.ones(slots.shape[0], np.float32)
        log_v = None
        for factor, weight in VULNERABILITY:
            term = weight * getattr(people, factor)[slots]
            log_v = term if log_v is None else log_v + term
        return np.exp(log_v).astype(np.float32)

    def refresh(self, people: People, slots: np.ndarray) -> None:
        """Recompute risk score and vulnerability after factors change."""
        people.risk_score[slots] = self.score(people, slots)
        people.risk_rr[slots] = np.exp(people.risk_score[slots])
        people.vulnerability[slots] = self.vulnerability(people, slots)

    def visible(self, people: People, slots: np.ndarray, share: float, key) -> np.ndarray:
        """The risk score a partnership sees.

        Each factor of each person is visible with probability ``share`` (fixed per person
        and factor); involvement and police records are always seen.
        """
        pids = people.pid[slots]
        score = np.zeros(slots.size)
        terms = [(self.coefficients[f], getattr(people, f)) for f in VISIBLE_RISK_FACTORS]
        terms.append((VISIBLE_MISSING, people.missing))
        for k, (coef, arr) in enumerate(terms):
            seen = draws(key, 0, pids, 100 + k) < share
            score += coef * arr[slots] * seen
        # Involvement and police records are what partners see most (assumption; evidence:
        # assume-visible-risk-score).
        score += 1.0 * people.level[slots] + 0.5 * (people.record[slots] > 0)
        return score
