"""The sections of a scenario that describe the world around young people.

Peer networks and gangs, county lines and other exploiters, places, and the justice system.
Like :mod:`vsim.sections`, every default cites its source as ``evidence: <id>``, a row of the
evidence table shipped with the package (:mod:`vsim.evidence`, ``docs/evidence.md``), and the
model description as ``ODD: <section>`` (``docs/odd.md``). :mod:`vsim.scenario` gathers these
sections with the others into one :class:`~vsim.scenario.Scenario`.
"""

from __future__ import annotations

import math

from pydantic import Field

from vsim.fields import Count, Positive, Probability, Rate, Section


class NetworkSettings(Section):
    """Peer networks: school and neighbourhood ties, siblings, gangs, rewiring."""

    mean_degree: float = Field(8.0, ge=0, le=200, description=(
        "Mean friends per young person (school + neighbourhood ties): mean 7.25–8.59 "
        "nominations in year-group networks (evidence: friends-nominated)."))
    max_degree: int = Field(32, ge=1, le=512, description=(
        "Slots per person in the tie table: caps the degree and sets memory (4¼ bytes a slot). "
        "A setting, not an estimate: 32 is four times the mean degree."))
    share_school: Probability = Field(0.6, description=(
        "Share of ties formed at school, for those in school. Assumption (evidence: "
        "assume-school-tie-share)."))
    age_window_years: float = Field(1.0, ge=0, le=15, description=(
        "Ties form between young people at most this many years apart (school-grade groups "
        "are highly cohesive; evidence: homophily-add-health)."))
    homophily_risk: Rate = Field(1.0, le=20, description=(
        "Selection on risk score at tie formation: acceptance falls as exp(−h·|Δrisk|). "
        "Assumption (evidence: assume-homophily)."))
    homophily_involvement: Rate = Field(1.0, le=20, description=(
        "Selection on involvement at rewiring: acceptance falls as exp(−h·|Δlevel|). "
        "Assumption; lets influence and selection be compared (ODD: rewiring; evidence: "
        "assume-homophily)."))
    p_rewire: Probability = Field(0.01, description=(
        "Weekly share of friendship ties that dissolve and re-form. Assumption: about 40% of "
        "adolescent friendships change in a year (evidence: assume-rewiring-rate)."))
    rewire_every_weeks: int = Field(4, ge=1, le=52, description=(
        "Friendships are updated every n weeks, dissolving the share p_rewire would over those "
        "weeks and making the repair attempts of those weeks at once. A numerical setting, not "
        "an estimate: borough incidents over 10 seeds were 25,295 ± 425 updating weekly, "
        "25,281 ± 443 monthly and 25,604 ± 467 quarterly (2026-11-25), and monthly updates "
        "cost a quarter of weekly ones."))
    repair_attempts: int = Field(2, ge=1, le=1000, description=(
        "Attempts a week for someone below their target number of friends to make one (an "
        "update every n weeks makes n weeks' attempts). Assumption: friendships re-form over "
        "weeks, not at once; raise it to re-form a whole network each week (an annealed "
        "random graph; evidence: assume-repair-attempts)."))
    sibling_ties: bool = Field(True, description=(
        "Tie siblings in the same household (family ties via households; ODD: entities)."))
    n_gangs: Count = Field(3, le=1000, description=(
        "Gangs (dense clusters). Assumption for a London borough; Suffolk had two known gangs "
        "in Ipswich (seed; evidence: assume-gangs, seed-suffolk)."))
    gang_size: int = Field(20, ge=2, le=500, description=(
        "Members per gang. Assumption (evidence: assume-gangs)."))
    gang_tie_density: Probability = Field(0.4, description=(
        "Share of member pairs tied within a gang. Assumption (evidence: assume-gangs)."))
    gang_neighbourhoods: int = Field(2, ge=1, le=100, description=(
        "Neighbourhoods a gang recruits from (most deprived first). Assumption (evidence: "
        "assume-gangs)."))


class ExploiterSettings(Section):
    """County lines and other exploiters who recruit young people."""

    n_lines: Count = Field(5, le=10_000, description=(
        "Active lines. Derived: ~1,000 lines in the UK with 15% of deal lines in the Met area "
        "(NCA 2019) over 33 London boroughs ≈ 4.5 per borough (evidence: county-lines-number, "
        "county-lines-money-children)."))
    max_recruits: int = Field(10, ge=0, le=10_000, description=(
        "Young people a line exploits at once. Derived: 'as many as 10,000 children' over "
        "~1,000 lines (NCA 2019; evidence: county-lines-money-children, county-lines-number)."))
    recruits_per_year: int = Field(12, ge=0, le=100_000, description=(
        "Recruitment capacity of a line per year. Assumption (evidence: "
        "assume-line-recruitment)."))
    recruitment_hazard: Rate = Field(0.003, le=10, description=(
        "λ: weekly recruitment hazard for a young person of vulnerability 1 in a line's "
        "territory. Assumption, calibrated with the others so lines fill to most of capacity "
        "(evidence: assume-line-recruitment)."))
    coef_exploited_peer: float = Field(math.log(4.0), ge=0, le=10, description=(
        "Log multiplier of access per exploited peer (recruitment through friends). "
        "Assumption; seed: older youths drew others in (Redcar; evidence: "
        "assume-recruitment-through-peers, seed-redcar)."))
    territory_neighbourhoods: int = Field(3, ge=1, le=1000, description=(
        "Neighbourhoods in each line's territory. Assumption (evidence: "
        "assume-line-territory)."))
    min_age: int = Field(11, ge=10, le=24, description=(
        "Youngest recruited: 'as young as 11' (evidence: exploited-age)."))
    max_age: int = Field(17, ge=10, le=24, description=(
        "Oldest recruited: 15–17 make up the bulk; NRM counts children (evidence: "
        "exploited-age, nrm-referrals-2023)."))
    p_exit: Probability = Field(1 / 26, description=(
        "μ_X: weekly exit from exploitation. Assumption: half a year on average (evidence: "
        "assume-exploitation-exit)."))
    p_disruption: Probability = Field(0.019, description=(
        "Weekly probability that police close a line. Derived: more than 5,000 lines closed "
        "since 2019 against ~1,000 active ≈ one closure per line per year (evidence: "
        "county-lines-nrm-share-closed, county-lines-number)."))
    replacement_weeks: Positive = Field(12.0, le=520, description=(
        "Mean weeks before a closed line is replaced. Assumption (evidence: "
        "assume-line-replacement)."))
    p_missing_if_exploited: Probability = Field(0.7, description=(
        "Exploited young people with missing episodes: 'children going missing is a "
        "fundamental feature' of county lines; 7 in 10 sexually exploited were missing "
        "(evidence: missing-county-lines, missing-exploitation)."))
    rel_carry_if_exploited: Rate = Field(5.0, le=1000, description=(
        "Multiplier of starting to carry a weapon if exploited. Assumption (seed: county lines "
        "are associated with carrying knives; evidence: assume-carry-if-exploited, "
        "seed-north-yorkshire)."))


class PlaceType(Section):
    """A kind of place where young people spend time."""

    kind: str = Field(..., min_length=1, description="Name of the place type, e.g. park.")
    count: int = Field(..., ge=0, le=100_000, description="Places of this type in the area.")
    attractiveness: Rate = Field(1.0, le=1000, description=(
        "Relative pull: young people choose a usual place with probability ∝ this."))
    guardianship: Probability = Field(0.2, description=(
        "g_p: incident probability at this place is multiplied by (1 − g_p)."))


_DEFAULT_PLACES = (
    PlaceType(kind="school_gate", count=12, attractiveness=1.0, guardianship=0.3),
    PlaceType(kind="park", count=15, attractiveness=1.0, guardianship=0.1),
    PlaceType(kind="town_centre", count=3, attractiveness=2.0, guardianship=0.3),
    PlaceType(kind="transport_hub", count=4, attractiveness=1.5, guardianship=0.4),
    PlaceType(kind="asb_hotspot", count=5, attractiveness=2.0, guardianship=0.05),
)


class PlaceSettings(Section):
    """Places: where young people spend time and where incidents cluster."""

    types: tuple[PlaceType, ...] = Field(_DEFAULT_PLACES, description=(
        "Place types. Assumption: the model's entities include school gates, parks, town "
        "centres, transport hubs and ASB hotspots (ODD: entities); counts sized for a borough "
        "of 17 wards (evidence: assume-place-types)."))
    tau_heat_weeks: Positive = Field(2.0, le=520, description=(
        "Decay time of a place's near-repeat heat: Ratcliffe & Rengert 2008, risk raised "
        "within 2 weeks of a shooting (evidence: near-repeat-shootings)."))
    coef_heat: float = Field(0.33, ge=0, le=10, description=(
        "γ_H: a young person's whole hazard is multiplied by (1 + γ_H·H), H = recent "
        "incidents at their usual place per 100 users (wherever the offence then happens): "
        "+33% near-repeat risk (Ratcliffe & Rengert 2008; evidence: near-repeat-shootings)."))
    p_local: Probability = Field(0.7, description=(
        "Share of young people whose usual place is in their own neighbourhood. Assumption "
        "(evidence: assume-local-places)."))


class JusticeSettings(Section):
    """Detection, custody and release."""

    p_suspect_identified: Probability = Field(0.6, description=(
        "Recorded incidents where police identify the perpetrator (police attention, record). "
        "Derived: 39.3% of cases closed with no suspect identified (evidence: "
        "charge-rate-all-crime)."))
    p_charge: Probability = Field(0.10, description=(
        "Identified perpetrators charged. Derived: 5.7% charge rate of all recorded crime ÷ "
        "0.6 identified ≈ 0.1 (evidence: charge-rate-all-crime)."))
    p_custody: Probability = Field(0.07, description=(
        "Charged young people given immediate custody: 7% of knife offences by children (YE "
        "Mar 2024; evidence: knife-disposal-children)."))
    p_custody_weapon: Probability = Field(0.25, description=(
        "Custody when the incident involved a weapon or serious injury. Assumption "
        "(evidence: assume-custody-weapon)."))
    dur_custody_weeks: Positive = Field(29.0, le=2600, description=(
        "Mean custody served: 6.6 months average immediate custody for ages 10–17 (knife "
        "offences) ≈ 29 weeks (evidence: knife-custody-length)."))
    dur_known_weeks: Positive = Field(4.0, le=520, description=(
        "Weeks a young person counts as 'known to police' after police attention. Seed: "
        "Sussex REBOOT refers on police attention in the last 4 weeks (evidence: "
        "seed-sussex-reboot)."))
    p_stop_search: Probability = Field(0.002, description=(
        "Weekly probability that a weapon carrier is found in a stop and search, giving a "
        "possession-of-weapons offence. Assumption sized to the seed's 115 possession "
        "incidents in 8 months in B&D (evidence: assume-stop-search, seed-bd-violence)."))

