"""The words of the model, declared once.

Involvement levels, tie kinds, ages, the modifiers interventions act on, and the risk and
protective factors of the risk score.

Everything else (state arrays, kernels, the scenario schema, results tables) takes these
names and positions from here: a new modifier is added here alone; a new risk factor is
declared here with its coefficient, and then needs how it is drawn (vsim.population) and its
national prevalence (vsim.risk).
"""

from __future__ import annotations

# Involvement levels: the Somerset "spectrum" from least to most entrenched (seed; evidence:
# seed-somerset).
NONE, AT_RISK, INVOLVED, ENTRENCHED = 0, 1, 2, 3
LEVEL_NAMES = ("none", "at_risk", "involved", "entrenched")

# Kinds of tie in the tie table.
TIE_SCHOOL, TIE_NEIGHBOURHOOD, TIE_FAMILY, TIE_GANG = 0, 1, 2, 3
TIE_NAMES = ("school", "neighbourhood", "family", "gang")

DAYS_PER_YEAR = 365.25
AGE_MIN, AGE_EXIT = 10, 25
# Completed years of age a young person can have, 10..24: the length of per-age tables (the
# offending age curve) and of the age dimension of tie-formation pools.
N_AGES = AGE_EXIT - AGE_MIN

# Per-person multipliers that interventions multiply into each step (reset to 1 first), so
# effects compose and their order does not matter (STYLE example 6). Position = row of the
# people's ``modifiers`` array.
MODIFIERS = {
    "rel_perpetration": "Multiplier of the perpetration hazard (0.79 = 21% less violence).",
    "rel_exposure": "Multiplier of exposure E.",
    "rel_entry": "Multiplier of the background entry into involvement.",
    "rel_desistance": "Multiplier of the desistance rate (above 1: leave involvement sooner).",
    "rel_recruitment": "Multiplier of the county-lines recruitment hazard.",
    "rel_exploit_exit": "Multiplier of the exit rate from exploitation.",
    "rel_fear": "Multiplier of the odds of being afraid of violence (below 1: reassured).",
}
_ROW = {name: k for k, name in enumerate(MODIFIERS)}
REL_PERPETRATION = _ROW["rel_perpetration"]
REL_EXPOSURE = _ROW["rel_exposure"]
REL_ENTRY = _ROW["rel_entry"]
REL_DESISTANCE = _ROW["rel_desistance"]
REL_RECRUITMENT = _ROW["rel_recruitment"]
REL_EXPLOIT_EXIT = _ROW["rel_exploit_exit"]
REL_FEAR = _ROW["rel_fear"]

# The risk score β·x: each person-level factor (a field of the people arrays and a column of
# people.parquet) with its coefficient in the scenario's [propensity] section, in the order
# the terms are summed. "deprivation" is the neighbourhood's score, not a personal flag.
NEIGHBOURHOOD_DEPRIVATION = "deprivation"
RISK_FACTORS = {
    "ace": "per_ace",
    "low_family_functioning": "low_family_functioning",
    "excluded": "excluded",
    "mental_health": "mental_health",
    "substance_use": "substance_use",
    NEIGHBOURHOOD_DEPRIVATION: "deprivation",
    "male": "male",
    "trusted_adult": "trusted_adult",
    "engaged_ete": "engaged_ete",
    "positive_activities": "positive_activities",
}
# The factors a partnership can see when it ranks young people by risk (targeting), in the
# order they are summed; the protective factors are not recorded by services (assumption;
# evidence: assume-visible-risk-score).
VISIBLE_RISK_FACTORS = ("ace", "low_family_functioning", "excluded", "mental_health",
                        "substance_use", "male")
