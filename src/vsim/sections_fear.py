"""The [fear] section: how residents' worry and young people's fear of violence are made.

Residents hear of the serious incidents in their neighbourhood, in the neighbourhoods next to
it and, through local media, in the whole area; what they heard is remembered with a half-life
(ODD: fear). The share worried about knife crime rises with that perceived risk against the
London average. Young people's fear of becoming a victim rises with the same local risk and
with their own and their friends' recent victimisation, and raises the chance of carrying a
weapon for self-protection (ODD: weapon-carrying). Every default cites its evidence row as in
:mod:`vsim.sections`.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field, model_validator

from vsim.fields import HalfLife, Positive, Probability, Rate, Section


class FearEvent(Section):
    """A high-profile event residents hear of: a homicide that made the news, a media story."""

    date: dt.date = Field(..., description="Day of the event (counted in the step it falls in).")
    neighbourhood: str = Field("", description=(
        "Neighbourhood where it happened; empty for an area-wide story (only the media's "
        "share reaches other neighbourhoods from a local event)."))
    weight: Positive | None = Field(None, le=10_000, description=(
        "How salient it is, in weapon incidents of the neighbourhood heard of; default a "
        "homicide's, fear.homicide_salience (evidence: assume-homicide-salience)."))
    name: str = Field("", max_length=200, description="Label, e.g. the case the news covered.")


class FearSettings(Section):
    """Residents' worry about knife crime and young people's fear of victimisation."""

    # ------------------------------------------------------------- what residents hear of
    weight_weapon: Rate = Field(1.0, le=100, description=(
        "Weight of an incident with a weapon: the unit of perceived risk, a knife offence, "
        "so it compares with police-recorded knife crime (evidence: knife-offences-rate-2020, "
        "assume-worry-weights)."))
    weight_serious_injury: Rate = Field(0.1, le=100, description=(
        "Weight added by a serious injury. Assumption: an injury without a weapon is heard of "
        "less than a knife crime (evidence: assume-worry-weights)."))
    weight_other: Rate = Field(0.01, le=100, description=(
        "Weight of an incident with neither a weapon nor serious injury: most such fights are "
        "never heard of beyond those involved (assumption; evidence: assume-worry-weights)."))
    young_victim_factor: Positive = Field(1.25, le=100, description=(
        "Weight multiplier when the victim is under 25: the seed and the press single out "
        "young victims (assumption; evidence: assume-worry-weights, seed-waltham-forest)."))
    p_homicide: Probability = Field(0.01, description=(
        "Share of incidents with a weapon and serious injury that are homicides, as "
        "crime_costs.p_homicide_serious_weapon: 4,986 admissions for assault with a sharp "
        "object against 262 knife homicides ≈ 5%, 1% for young people (assumption; evidence: "
        "sharp-object-admissions-2018, knife-homicides-2024, assume-homicide-share)."))
    homicide_salience: Positive = Field(25.0, le=10_000, description=(
        "A homicide is heard of as this many weapon incidents of the neighbourhood, "
        "remembered with homicide_half_life_weeks. Assumption: a local killing is news for "
        "weeks, so that one murder can raise worry while knife crime falls, as Waltham Forest "
        "reported (evidence: assume-homicide-salience, waltham-forest-knife-fear-rank)."))
    half_life_weeks: HalfLife = Field(2.0, description=(
        "Half-life of what residents remember of ordinary incidents: heightened fear after "
        "small incidents faded within about a month (evidence: fear-duration-events)."))
    homicide_half_life_weeks: HalfLife = Field(6.0, description=(
        "Half-life of a homicide's salience: heightened fear lasted up to 120 days after "
        "deadly attacks, about three half-lives of 6 weeks (evidence: fear-duration-events)."))
    spread_area: Probability = Field(0.3, description=(
        "Share of what residents hear of that is about the whole area (local news, social "
        "media) rather than their own neighbourhood. Assumption (evidence: "
        "assume-worry-spread)."))
    spread_neighbours: Probability = Field(0.2, description=(
        "Share that is about the neighbourhoods next to theirs, where area.neighbourhoods "
        "lists them (`adjacent`); otherwise it stays with their own. Assumption (evidence: "
        "assume-worry-spread)."))
    events: tuple[FearEvent, ...] = Field((), description=(
        "High-profile events the scenario knows of ([[fear.events]]), besides the homicides "
        "the model draws."))

    # --------------------------------------------------------------- residents' worry
    reference_rate: Positive = Field(1.79, le=1000, description=(
        "Perceived risk at which residents worry as much as the London average: London's 179 "
        "knife offences per 100,000 residents a year, year to March 2020, as weighted "
        "incidents per 1,000 residents a year (evidence: knife-offences-rate-2020)."))
    worried_reference: Probability = Field(0.12, gt=0.0, lt=1.0, description=(
        "Share of residents worried about knife crime at the London average. Assumption: as "
        "the 12% of adults with a high level of worry about violent crime (CSEW 2013/14) and "
        "the one in ten Londoners who feel at risk from knife- and gun-carrying gangs "
        "(evidence: csew-worry-violent-crime-2014, csj-london-knife-risk-2024, "
        "assume-worry-reference)."))
    worry_slope: Positive = Field(1.0, le=20, description=(
        "Change in the log-odds of worry per unit change in log perceived risk: the odds of "
        "worry proportional to perceived risk. Assumption (evidence: assume-worry-response)."))
    worry_floor: Positive = Field(0.25, le=100, description=(
        "Risk residents perceive with no local incident at all (national news), as a share of "
        "the reference: worry never falls to zero. Assumption (evidence: "
        "assume-worry-response)."))

    # ------------------------------------------------------- young people's fear
    afraid_reference: Probability = Field(0.64, gt=0.0, lt=1.0, description=(
        "Share of young people afraid of violence where residents' perceived risk is at the "
        "London average and they have not been victimised: 64% of young people in London and "
        "Nottingham were anxious about knife crime in their area; 67% of 13–17-year-olds in "
        "England and Wales worried about becoming victims (evidence: bkt-london-knife-anxiety, "
        "yef-cvv-2024-fear)."))
    fear_slope: Positive = Field(1.0, le=20, description=(
        "Log-odds of a young person's fear per log perceived risk of their neighbourhood, as "
        "for residents (assumption; evidence: assume-fear-young-people)."))
    fear_per_victimisation: Rate = Field(1.0, le=20, description=(
        "Log-odds of fear added by one recent victimisation of their own. Assumption (evidence: "
        "assume-fear-young-people)."))
    fear_per_friend_victimisation: Rate = Field(0.5, le=20, description=(
        "Log-odds of fear added by one recent victimisation of a friend. Assumption (evidence: "
        "assume-fear-young-people)."))
    personal_half_life_weeks: HalfLife = Field(12.5, description=(
        "Half-life of the fear a victimisation leaves. Assumption: as recent victimisation's "
        "τ_V of 18 weeks (half-life 12.5 weeks; evidence: green-2017-contagion, "
        "assume-fear-young-people)."))
    self_protection_share: Probability = Field(0.85, description=(
        "Share of starting to carry a weapon that is for self-protection, and so scales with "
        "fear (at the reference fear the rate is unchanged): 85% of young people who carry a "
        "knife say it is to protect themselves (evidence: ocjs-carry-self-protection). 0 "
        "cuts the loop from fear to carrying."))

    @model_validator(mode="after")
    def _shares_add_up(self) -> FearSettings:
        total = self.spread_area + self.spread_neighbours
        if total > 1.0 + 1e-12:
            raise ValueError(f"fear.spread_area + fear.spread_neighbours must be at most 1 (the "
                             f"rest is about residents' own neighbourhood); got {total:g}")
        return self

    def event_weight(self, event: FearEvent) -> float:
        """An event's weight: its own, or a homicide's salience."""
        return self.homicide_salience if event.weight is None else event.weight
