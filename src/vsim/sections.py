"""The sections of a scenario that describe the modelled people: time, area, population, risk.

Every default below cites its source as ``evidence: <id>``, a row of the evidence table shipped
with the package (:mod:`vsim.evidence`, ``docs/evidence.md``): a published figure, a figure of
the seed document (LGA 2020, "Taking a public health approach to tackling serious violent crime:
case studies", cited as "seed"), or a stated modelling assumption (the rows ``assume-...``); the
model description is cited as ``ODD: <section>`` (``docs/odd.md``). A three-line scenario file
therefore runs with documented values, and ``vsim schema`` exports the same descriptions as JSON
Schema, with the cited rows under ``x-evidence``. The world around young people (networks,
exploiters, places, justice) is in :mod:`vsim.sections_world`; :mod:`vsim.scenario` gathers
these sections, the run's switches, outputs, costs and budget into one
:class:`~vsim.scenario.Scenario`.
"""

from __future__ import annotations

import datetime as dt
import math

from pydantic import Field, model_validator

from vsim.fields import Positive, Probability, Rate, Section


# ----------------------------------------------------------------------------------- time
class TimeSettings(Section):
    """Horizon and time step of the simulation."""

    # Dates from 1900 to 2200: a burn-in of up to 20 years before and a horizon of up to 100
    # after stay inside what a calendar date can hold (years 1 to 9999).
    start: dt.date = Field(dt.date(2019, 1, 7), ge=dt.date(1900, 1, 1), le=dt.date(2200, 12, 31),
                           description=(
        "First simulated day (a Monday). Default: January 2019, the start of the seed's "
        "Barking and Dagenham reference period (Jan–Aug 2019; evidence: seed-bd-violence)."))
    end: dt.date | None = Field(None, ge=dt.date(1900, 1, 1), le=dt.date(2300, 12, 31),
                                description="Last simulated day; default start + years.")
    years: Positive = Field(5.0, le=100, description=(
        "Horizon in years when `end` is not given. Assumption: five years, a VRU strategy "
        "cycle and the horizon of the sweep benchmark (evidence: assume-horizon-five-years)."))
    step_days: int = Field(7, ge=1, le=28, description=(
        "Days per step: a week by default (ODD: schedule). Weekly rates are rescaled to the "
        "step."))
    burn_in_weeks: int = Field(52, ge=0, le=1040, description=(
        "Weeks simulated before `start` and discarded, so that involvement, networks and "
        "exploitation reach their quasi-stationary level. Assumption: desistance and rewiring "
        "turn over in about a year (evidence: assume-burn-in-one-year)."))

    @model_validator(mode="after")
    def _end_after_start(self) -> TimeSettings:
        if self.end is not None and self.end <= self.start:
            raise ValueError(
                f"end ({self.end.isoformat()}) must be after start ({self.start.isoformat()})")
        return self

    @property
    def end_date(self) -> dt.date:
        """Last simulated day."""
        if self.end is not None:
            return self.end
        return self.start + dt.timedelta(days=round(self.years * 365.25))

    @property
    def n_steps(self) -> int:
        """Number of recorded steps between start and end."""
        return max(1, (self.end_date - self.start).days // self.step_days)

    @property
    def n_burn_in_steps(self) -> int:
        """Number of unrecorded warm-up steps before start."""
        return (self.burn_in_weeks * 7) // self.step_days

    @property
    def weeks_per_step(self) -> float:
        """Length of a step in weeks (weekly rates are scaled by this)."""
        return self.step_days / 7.0


# ----------------------------------------------------------------------------------- area
class Neighbourhood(Section):
    """One neighbourhood (a ward or a group of LSOAs)."""

    name: str = Field(..., min_length=1, description="Name used in results.")
    share: Positive = Field(..., description="Relative share of the area's young people.")
    deprivation: float = Field(0.0, ge=-4, le=4, description=(
        "Deprivation as a standard score (0 = England average, +1 = one SD more deprived)."))
    adjacent: tuple[str, ...] = Field((), description=(
        "Names of the neighbourhoods next to it: residents hear of their incidents "
        "(fear.spread_neighbours). Adjacency is made symmetric."))


class AreaSettings(Section):
    """The local area: residents and neighbourhoods."""

    name: str = Field("Modelled borough", description="Name shown in results.")
    residents: int = Field(214_107, gt=0, le=50_000_000, description=(
        "All residents, all ages (denominator of rates per 1,000 residents): Barking and "
        "Dagenham, ONS mid-2020 estimate 214,107 (evidence: residents-bd-mid-2020)."))
    youth_share: Probability = Field(0.205, description=(
        "Share of residents aged 10–24: B&D mid-2020 20.5% (England 17.7%) (evidence: "
        "age-10-24-share-bd, age-10-24-share-england-london)."))
    n_neighbourhoods: int = Field(17, ge=1, le=5000, description=(
        "Number of neighbourhoods when `neighbourhoods` is not listed. Assumption: B&D had 17 "
        "electoral wards from 2002 to 2022 (evidence: assume-bd-17-wards)."))
    deprivation_mean: float = Field(0.8, ge=-4, le=4, description=(
        "Mean neighbourhood deprivation score when generated. Assumption: B&D is among the "
        "most deprived London boroughs (about +0.8 SD; evidence: assume-bd-deprivation)."))
    deprivation_sd: Rate = Field(0.5, le=4, description=(
        "Spread of neighbourhood deprivation when generated (assumption; evidence: "
        "assume-bd-deprivation)."))
    neighbourhoods: tuple[Neighbourhood, ...] = Field((), description=(
        "Explicit neighbourhoods; overrides n_neighbourhoods and the deprivation settings."))

    @model_validator(mode="after")
    def _unique_names(self) -> AreaSettings:
        names = [n.name for n in self.neighbourhoods]
        if len(names) != len(set(names)):
            raise ValueError("neighbourhood names must be unique")
        return self


# ----------------------------------------------------------------------------- population
class PopulationSettings(Section):
    """The synthetic population of young people aged 10–24."""

    n_young_people: int | None = Field(None, gt=0, description=(
        "Young people simulated; default residents × youth_share (43,859 for B&D; evidence: "
        "age-10-24-share-bd)."))
    age_band_shares: tuple[Probability, Probability, Probability, Probability] = Field(
        (0.326, 0.270, 0.163, 0.241), description=(
            "Shares aged 10–13, 14–17, 18–20, 21–24: B&D mid-2020 (14,281 / 11,859 / 7,170 / "
            "10,549; evidence: age-split-10-24-bd)."))
    p_male: Probability = Field(0.51, description=(
        "Share male. Assumption: ONS mid-year estimates give about 51% male at ages 10–24 "
        "(evidence: assume-share-male)."))
    young_people_per_household: float = Field(1.6, ge=1.0, le=10.0, description=(
        "Mean young people per household with any. Assumption from B&D's 2.96 persons per "
        "household and its 20.5% share aged 10–24 (evidence: assume-young-people-per-household, "
        "households-bd, age-10-24-share-bd)."))
    school_size: int = Field(1000, ge=10, le=5000, description=(
        "Pupils per secondary school (years 7–13): ~1,000 [I] (evidence: "
        "secondary-school-size)."))
    p_neet_16_18: Probability = Field(0.08, description=(
        "Not in education, employment or training at 16–18: England 8.0% (2023; evidence: "
        "activity-16-18)."))
    p_neet_19_24: Probability = Field(0.12, description=(
        "NEET at 19–24. Assumption (no figure found): somewhat above the 16–18 rate "
        "(evidence: assume-neet-19-24)."))
    cohort_growth: float = Field(0.0, ge=-0.2, le=0.2, description=(
        "Yearly growth of the entering cohort of 10-year-olds relative to today's. Assumption: "
        "a stable population (evidence: assume-stable-cohort)."))

    @model_validator(mode="after")
    def _shares_sum(self) -> PopulationSettings:
        total = sum(self.age_band_shares)
        if not math.isclose(total, 1.0, abs_tol=0.01):
            raise ValueError(f"age_band_shares must sum to 1 (they sum to {total:.3f})")
        return self


class RiskFactorSettings(Section):
    """Prevalence of risk and protective factors and how they correlate.

    Factors are drawn through a Gaussian copula: each is a threshold on
    ``loading·A + deprivation_loading·deprivation + noise``, with ``A`` a shared adversity factor,
    so that deprivation raises ACEs, exclusion and the rest together (ODD: population).
    """

    p_ace_any: Probability = Field(0.47, description=(
        "At least one adverse childhood experience: Bellis et al. 2014, 47% (evidence: "
        "aces-any)."))
    p_ace_4plus: Probability = Field(0.083, description=(
        "Four or more ACEs: Bellis et al. 2014, 8.3% [I] (evidence: aces-4plus)."))
    p_low_family_functioning: Probability = Field(0.15, description=(
        "Low family functioning. Assumption: between children in need (3.3%) and any "
        "childhood abuse (about 1 in 5) (evidence: assume-low-family-functioning, "
        "children-in-need, childhood-abuse-csew)."))
    p_excluded: Probability = Field(0.201, description=(
        "School exclusion or persistent absence: persistent absence 20.1% of pupils in "
        "autumn 2023/24 (evidence: persistent-absence), drawn for every young person at "
        "creation, 19–24 year olds too (a history of exclusion; ODD: departures)."))
    p_mental_health: Probability = Field(0.226, description=(
        "Probable mental disorder: NHS MHCYP 2023, 22.6% of 11–16 (evidence: "
        "mental-disorder-mhcyp)."))
    p_substance_use: Probability = Field(0.10, description=(
        "Substance use: drugs in the last month 10% of 11–15 (2016; evidence: "
        "substance-use-11-15)."))
    p_domestic_abuse: Probability = Field(0.08, description=(
        "Domestic abuse at home: witnessed domestic abuse in childhood 8% (evidence: "
        "childhood-abuse-csew)."))
    p_missing: Probability = Field(0.01, description=(
        "Missing episodes. Assumption from 1 in 200 children and 1 in 10 of looked-after "
        "children, weighted towards deprived areas (evidence: assume-missing-episodes, "
        "missing-looked-after)."))
    p_trusted_adult: Probability = Field(0.70, description=(
        "Has a trusted adult (protective). Assumption; the seed reports many exploited young "
        "people lacked one (evidence: assume-trusted-adult-share, seed-north-yorkshire)."))
    p_positive_activities: Probability = Field(0.40, description=(
        "Takes part in positive activities (protective). Assumption (evidence: "
        "assume-positive-activities)."))
    adversity_loading: Probability = Field(0.55, description=(
        "Loading of each factor on the shared adversity factor; factors then correlate at "
        "about loading² (≈0.3) on the latent scale. Assumption (evidence: "
        "assume-adversity-loading)."))
    deprivation_loading: float = Field(0.30, ge=0, le=2, description=(
        "Effect of one SD of neighbourhood deprivation on the latent risk. Assumption "
        "consistent with persistent absence 33.0% (FSM) vs 15.6% (evidence: "
        "assume-deprivation-loading, persistent-absence)."))


class PropensitySettings(Section):
    """Coefficients of risk and protective factors on the log weekly hazard (β; ODD: risk)."""

    per_ace: float = Field(0.45, ge=-5, le=5, description=(
        "Per ACE. Derived: Bellis et al. 2014 aOR 7.71 for 4+ vs 0 ACEs, spread over the "
        "~4.5 ACEs of the 4+ group: ln(7.71)/4.5 (evidence: aces-violence-or)."))
    low_family_functioning: float = Field(math.log(1.5), ge=-5, le=5, description=(
        "Assumption (evidence: assume-risk-factor-hazards)."))
    excluded: float = Field(math.log(2.0), ge=-5, le=5, description=(
        "Assumption (evidence: assume-risk-factor-hazards)."))
    mental_health: float = Field(math.log(1.3), ge=-5, le=5, description=(
        "Assumption (evidence: assume-risk-factor-hazards)."))
    substance_use: float = Field(math.log(2.0), ge=-5, le=5, description=(
        "Assumption (evidence: assume-risk-factor-hazards)."))
    deprivation: float = Field(0.30, ge=-5, le=5, description=(
        "Per SD of deprivation. Derived: violent victimisation 2.5% vs 1.2% in the most vs "
        "least deprived fifth, about 2.5 SD apart: ln(2.1)/2.5 (evidence: "
        "deprivation-victimisation)."))
    male: float = Field(math.log(3.0), ge=-5, le=5, description=(
        "Male vs female. Assumption consistent with ~92% of knife-assault admissions and 82% "
        "of county-lines referrals being male (evidence: assume-male-hazard, "
        "sharp-object-admissions-2020, nrm-county-lines-2020)."))
    prior_record: float = Field(math.log(1.5), ge=-5, le=5, description=(
        "Has a police record. Assumption in view of proven reoffending of 32.5% (evidence: "
        "assume-prior-record, reoffending-children)."))
    trusted_adult: float = Field(math.log(0.7), ge=-5, le=5, description=(
        "Protective; assumption (evidence: assume-protective-factors)."))
    engaged_ete: float = Field(math.log(0.7), ge=-5, le=5, description=(
        "Protective; assumption (evidence: assume-protective-factors)."))
    positive_activities: float = Field(math.log(0.8), ge=-5, le=5, description=(
        "Protective; assumption (evidence: assume-protective-factors)."))


class ContagionSettings(Section):
    """Exposure and involvement: the contagion term (ODD: contagion, involvement).

    Entry into involvement this step has probability ``1 − (1 − p_bg)·(1 − beta)^E``, with
    ``E`` the exposure (weighted involved peers plus victimisation, place heat and domestic
    abuse). With only contagion on and ``p_bg = 0`` this is the discrete-time SIS model.
    """

    beta: Probability = Field(0.0008, description=(
        "Weekly probability that one involved peer draws a young person into involvement. "
        "Assumption, calibrated so that the borough's violence matches the seed's level "
        "(evidence: assume-calibration-target, seed-bd-violence)."))
    gamma: Probability = Field(1 / 52, description=(
        "Weekly desistance from involvement (mean one year). Assumption (evidence: "
        "assume-desistance)."))
    gamma_entrenched: Probability = Field(1 / 104, description=(
        "Weekly desistance from entrenched to involved (mean two years). Assumption "
        "(evidence: assume-desistance)."))
    p_entry_background: Probability = Field(0.00025, description=(
        "Weekly entry into involvement without exposure, for a person of average risk at the "
        "peak age. Assumption, calibrated with beta (evidence: assume-calibration-target)."))
    p_entrench: Probability = Field(0.003, description=(
        "Weekly move from involved to entrenched for someone who offended in the last 12 "
        "weeks. Assumption (evidence: assume-entrenchment)."))
    at_risk_share: Probability = Field(0.15, description=(
        "Share with the highest risk scores classed 'at risk' (Somerset spectrum). "
        "Assumption (evidence: assume-at-risk-share, seed-somerset)."))
    weight_school: Rate = Field(1.0, le=100, description=(
        "Weight of an involved school friend: the unit of exposure (a modelling convention)."))
    weight_neighbourhood: Rate = Field(1.0, le=100, description=(
        "Weight of an involved neighbourhood friend. Assumption: as a school friend "
        "(evidence: assume-tie-weights)."))
    weight_family: Rate = Field(1.5, le=100, description=(
        "Weight of a sibling tie. Assumption: household exposure is stronger (evidence: "
        "assume-tie-weights)."))
    weight_gang: Rate = Field(2.0, le=100, description=(
        "Weight of a gang tie. Assumption (evidence: assume-tie-weights)."))
    rho_victimisation: Rate = Field(3.0, le=100, description=(
        "Exposure from one recent victimisation, in involved-peer units. Assumption scaled so "
        "that a victimisation doubles the offending hazard (Bingenheimer et al. 2005: exposure "
        "to firearm violence doubles serious violence; evidence: assume-victimisation-exposure, "
        "exposure-perpetration)."))
    rho_place: Rate = Field(0.2, le=100, description=(
        "Exposure per unit of heat (recent incidents per 100 users) at the young person's "
        "usual place. Assumption (evidence: assume-place-domestic-exposure)."))
    rho_domestic: Rate = Field(1.0, le=100, description=(
        "Exposure from domestic abuse at home. Assumption (evidence: "
        "assume-place-domestic-exposure)."))
    tau_victimisation_weeks: Positive = Field(18.0, le=520, description=(
        "Decay time of recent victimisation: Green et al. 2017, mean 125 days between an "
        "exposure and the next shooting (evidence: green-2017-contagion)."))
    recent_exposure_threshold: Rate = Field(0.5, le=100, description=(
        "Victimisation or place-heat exposure above which an incident is logged as following "
        "recent exposure to violence. Assumption: about half a recent victimisation "
        "(evidence: assume-recent-exposure-threshold)."))


class OffendingSettings(Section):
    """The weekly perpetration hazard and what an incident looks like (ODD: offending)."""

    h0: Rate = Field(0.000169, le=1, description=(
        "Weekly base hazard of violence for a young person of average risk, not involved, at "
        "the peak age. Calibrated (experiments/calibrate_borough.py) so that the borough "
        "reproduces the seed's level of violence (see the README's calibration note): 8.97 "
        "recorded incidents by 10-24s per 1,000 residents a year over 4 seeds against 9 "
        "(2026-11-25; evidence: assume-calibration-target, seed-bd-violence)."))
    rel_at_risk: Rate = Field(2.0, le=1000, description=(
        "Hazard multiplier at risk. Assumption (evidence: assume-involvement-hazards)."))
    rel_involved: Rate = Field(10.0, le=1000, description=(
        "Hazard multiplier involved. Assumption (evidence: assume-involvement-hazards)."))
    rel_entrenched: Rate = Field(25.0, le=1000, description=(
        "Hazard multiplier entrenched. Assumption (evidence: assume-involvement-hazards)."))
    coef_exposure: float = Field(1 / 3, ge=0, le=10, description=(
        "γ_E: the hazard is multiplied by (1 + γ_E·E). Derived: 1 / rho_victimisation, so that "
        "one recent victimisation doubles the hazard (Bingenheimer et al. 2005; evidence: "
        "exposure-perpetration)."))
    coef_exploited: float = Field(math.log(3.0), ge=0, le=10, description=(
        "γ_X: log-hazard if exploited. Assumption: exploitation raises violence (ODD: "
        "exploitation; evidence: assume-exploited-hazard)."))
    coef_weapon: float = Field(math.log(2.0), ge=0, le=10, description=(
        "γ_W: log-hazard if carrying a weapon. Assumption (evidence: "
        "assume-weapon-hazard)."))
    age_curve: tuple[float, ...] = Field(
        (0.15, 0.25, 0.40, 0.55, 0.75, 0.90, 0.97, 1.00, 1.00, 0.95, 0.85, 0.75, 0.65, 0.55,
         0.50), description=(
            "Relative hazard at ages 10..24. Ages 10–17: the shape of US violent-crime arrests "
            "by age (aggravated assault 2016, per year of band; evidence: "
            "us-juvenile-arrests-age), flattened to peak in the late teens; 18–24: assumption, "
            "declining after the 18–20 homicide peak (YEF key facts; evidence: "
            "assume-age-curve-18-24, age-crime-peak)."))
    p_victim_peer: Probability = Field(0.35, description=(
        "Share of incidents whose victim is a peer (retaliation chains). Assumption; about "
        "half of homicides follow a quarrel, revenge or loss of temper (evidence: "
        "assume-victim-choice, retaliatory-homicide)."))
    p_victim_place: Probability = Field(0.35, description=(
        "Share whose victim is another young person at the same place. Assumption "
        "(evidence: assume-victim-choice)."))
    p_outside_victim_under25: Probability = Field(0.4, description=(
        "Share of victims from outside the simulated population who are under 25. "
        "Assumption (evidence: assume-victim-choice)."))
    p_in_public: Probability = Field(0.6, description=(
        "Share of incidents at the perpetrator's usual public place (else private or "
        "elsewhere). Assumption; the serious violence strategy's public-space focus (seed; "
        "evidence: assume-public-place, seed-foreword)."))
    p_weapon: Probability = Field(0.04, description=(
        "Weapon share of incidents by non-carriers. Derived: London knife offences 179 per "
        "100,000 vs B&D violence 31.5 per 1,000 gives ~5.7% overall (evidence: "
        "knife-offences-rate-2020, violence-rate-bd-2015)."))
    p_weapon_carrier: Probability = Field(0.35, description=(
        "Weapon share of incidents by a young person carrying a weapon. Assumption "
        "(evidence: assume-weapon-use)."))
    p_serious_injury: Probability = Field(0.20, description=(
        "Serious injury without a weapon: wounding 24% of CSEW violence (evidence: "
        "injury-mix-csew)."))
    p_serious_injury_weapon: Probability = Field(0.5, description=(
        "Serious injury with a weapon. Assumption (evidence: assume-weapon-use)."))
    p_robbery: Probability = Field(0.12, description=(
        "Share of incidents that are robberies (police.uk 'Robbery'). Assumption from West "
        "Yorkshire police.uk data: robbery ≈ 3% of violence and sexual offences for all ages, "
        "higher for young people (evidence: assume-robbery-share, policeuk-robbery-share)."))
    p_reported: Probability = Field(0.43, description=(
        "Share of incidents recorded by police: 57% of CSEW violence victims did not report "
        "(evidence: violence-not-reported)."))
    p_start_carrying: Probability = Field(0.0005, description=(
        "Weekly probability of starting to carry a weapon, average risk. Assumption "
        "(evidence: assume-weapon-carrying)."))
    coef_carry_victimisation: float = Field(2.0, ge=0, le=100, description=(
        "Starting to carry is multiplied by (1 + c·V) for recent victimisation V: one recent "
        "victimisation triples it. Assumption (teenage homicide is mostly with knives; "
        "carrying for protection after victimisation; evidence: assume-weapon-carrying, "
        "teen-homicide-2024)."))
    p_stop_carrying: Probability = Field(1 / 26, description=(
        "Weekly probability of stopping carrying. Assumption: half a year on average "
        "(evidence: assume-weapon-carrying)."))
