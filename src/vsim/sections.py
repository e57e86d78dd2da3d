"""The sections of a scenario that describe the modelled world: time, area, people, places, justice.

Every default below carries its source: a row of ``shared/EVIDENCE.md`` (cited as "EVIDENCE §n"),
the seed document (LGA 2020, "Taking a public health approach to tackling serious violent crime:
case studies", cited as "seed"), DESIGN.md, or a stated assumption ("assumption: ..."). A
three-line scenario file therefore runs with documented values, and ``vsim schema`` exports the
same descriptions as JSON Schema. :mod:`vsim.scenario` gathers these sections, the run's
switches, outputs, costs and budget into one :class:`~vsim.scenario.Scenario`.
"""

from __future__ import annotations

import datetime as dt
import math

from pydantic import Field, model_validator

from vsim.fields import Count, Positive, Probability, Rate, Section


# ----------------------------------------------------------------------------------- time
class TimeSettings(Section):
    """Horizon and time step of the simulation."""

    start: dt.date = Field(dt.date(2019, 1, 7), description=(
        "First simulated day (a Monday). Default: January 2019, the start of the seed's "
        "Barking and Dagenham reference period (Jan–Aug 2019)."))
    end: dt.date | None = Field(None, description="Last simulated day; default start + years.")
    years: Positive = Field(5.0, le=100, description=(
        "Horizon in years when `end` is not given. Assumption: five years, a VRU strategy "
        "cycle and the horizon of the sweep benchmark."))
    step_days: int = Field(7, ge=1, le=28, description=(
        "Days per step. DESIGN §4: a week by default. Weekly rates are rescaled to the step."))
    burn_in_weeks: int = Field(52, ge=0, le=1040, description=(
        "Weeks simulated before `start` and discarded, so that involvement, networks and "
        "exploitation reach their quasi-stationary level. Assumption: desistance and rewiring "
        "turn over in about a year."))

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


class AreaSettings(Section):
    """The local area: residents and neighbourhoods."""

    name: str = Field("Modelled borough", description="Name shown in results.")
    residents: int = Field(214_107, gt=0, le=50_000_000, description=(
        "All residents, all ages (denominator of rates per 1,000 residents). EVIDENCE §1: "
        "Barking and Dagenham, ONS mid-2020 estimate 214,107."))
    youth_share: Probability = Field(0.205, description=(
        "Share of residents aged 10–24. EVIDENCE §1: B&D mid-2020 20.5% (England 17.7%)."))
    n_neighbourhoods: int = Field(17, ge=1, le=5000, description=(
        "Number of neighbourhoods when `neighbourhoods` is not listed. Assumption: B&D had 17 "
        "electoral wards from 2002 to 2022."))
    deprivation_mean: float = Field(0.8, ge=-4, le=4, description=(
        "Mean neighbourhood deprivation score when generated. Assumption: B&D is among the "
        "most deprived London boroughs (about +0.8 SD)."))
    deprivation_sd: Rate = Field(0.5, le=4, description=(
        "Spread of neighbourhood deprivation when generated (assumption)."))
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
        "Young people simulated; default residents × youth_share (43,859 for B&D)."))
    age_band_shares: tuple[Probability, Probability, Probability, Probability] = Field(
        (0.326, 0.270, 0.163, 0.241), description=(
            "Shares aged 10–13, 14–17, 18–20, 21–24. EVIDENCE §1: B&D mid-2020 "
            "(14,281 / 11,859 / 7,170 / 10,549)."))
    p_male: Probability = Field(0.51, description=(
        "Share male. Assumption: ONS mid-year estimates give about 51% male at ages 10–24."))
    young_people_per_household: float = Field(1.6, ge=1.0, le=10.0, description=(
        "Mean young people per household with any. Assumption from B&D's 2.96 persons per "
        "household (EVIDENCE §1) and its 20.5% share aged 10–24."))
    school_size: int = Field(1000, ge=10, le=5000, description=(
        "Pupils per secondary school (years 7–13). EVIDENCE §1: ~1,000 [I]."))
    p_neet_16_18: Probability = Field(0.08, description=(
        "Not in education, employment or training at 16–18. EVIDENCE §1: England 8.0% (2023)."))
    p_neet_19_24: Probability = Field(0.12, description=(
        "NEET at 19–24. Assumption (EVIDENCE lists no figure): somewhat above the 16–18 rate."))
    cohort_growth: float = Field(0.0, ge=-0.2, le=0.2, description=(
        "Yearly growth of the entering cohort of 10-year-olds relative to today's. Assumption: "
        "a stable population."))

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
    so that deprivation raises ACEs, exclusion and the rest together (DESIGN §3).
    """

    p_ace_any: Probability = Field(0.47, description=(
        "At least one adverse childhood experience. EVIDENCE §2: Bellis et al. 2014, 47%."))
    p_ace_4plus: Probability = Field(0.083, description=(
        "Four or more ACEs. EVIDENCE §2: Bellis et al. 2014, 8.3% [I]."))
    p_low_family_functioning: Probability = Field(0.15, description=(
        "Low family functioning. Assumption: between children in need (3.3%, EVIDENCE §2) and "
        "any childhood abuse (about 1 in 5, EVIDENCE §2)."))
    p_excluded: Probability = Field(0.201, description=(
        "School exclusion or persistent absence (school ages). EVIDENCE §2: persistent absence "
        "20.1% in autumn 2023/24."))
    p_mental_health: Probability = Field(0.226, description=(
        "Probable mental disorder. EVIDENCE §2: NHS MHCYP 2023, 22.6% of 11–16."))
    p_substance_use: Probability = Field(0.10, description=(
        "Substance use. EVIDENCE §2: drugs in the last month 10% of 11–15 (2016)."))
    p_domestic_abuse: Probability = Field(0.08, description=(
        "Domestic abuse at home. EVIDENCE §2: witnessed domestic abuse in childhood 8%."))
    p_missing: Probability = Field(0.01, description=(
        "Missing episodes. Assumption from EVIDENCE §2: 1 in 200 children, 1 in 10 of "
        "looked-after children, weighted towards deprived areas."))
    p_trusted_adult: Probability = Field(0.70, description=(
        "Has a trusted adult (protective). Assumption; the seed reports many exploited young "
        "people lacked one."))
    p_positive_activities: Probability = Field(0.40, description=(
        "Takes part in positive activities (protective). Assumption."))
    adversity_loading: Probability = Field(0.55, description=(
        "Loading of each factor on the shared adversity factor; factors then correlate at "
        "about loading² (≈0.3) on the latent scale. Assumption."))
    deprivation_loading: float = Field(0.30, ge=0, le=2, description=(
        "Effect of one SD of neighbourhood deprivation on the latent risk. Assumption "
        "consistent with EVIDENCE §2: persistent absence 33.0% (FSM) vs 15.6%."))


class PropensitySettings(Section):
    """Coefficients of risk and protective factors on the log weekly hazard (DESIGN §4a, β)."""

    per_ace: float = Field(0.45, ge=-5, le=5, description=(
        "Per ACE. Derived: EVIDENCE §2 Bellis et al. 2014 aOR 7.71 for 4+ vs 0 ACEs, spread "
        "over the ~4.5 ACEs of the 4+ group: ln(7.71)/4.5."))
    low_family_functioning: float = Field(math.log(1.5), ge=-5, le=5, description="Assumption.")
    excluded: float = Field(math.log(2.0), ge=-5, le=5, description="Assumption.")
    mental_health: float = Field(math.log(1.3), ge=-5, le=5, description="Assumption.")
    substance_use: float = Field(math.log(2.0), ge=-5, le=5, description="Assumption.")
    deprivation: float = Field(0.30, ge=-5, le=5, description=(
        "Per SD of deprivation. Derived: EVIDENCE §2 violent victimisation 2.5% vs 1.2% in the "
        "most vs least deprived fifth, about 2.5 SD apart: ln(2.1)/2.5."))
    male: float = Field(math.log(3.0), ge=-5, le=5, description=(
        "Male vs female. Assumption consistent with EVIDENCE §3/§5: ~92% of knife-assault "
        "admissions and 82% of county-lines referrals are male."))
    prior_record: float = Field(math.log(1.5), ge=-5, le=5, description=(
        "Has a police record. Assumption: EVIDENCE §4 proven reoffending 32.5%."))
    trusted_adult: float = Field(math.log(0.7), ge=-5, le=5, description="Protective; assumption.")
    engaged_ete: float = Field(math.log(0.7), ge=-5, le=5, description="Protective; assumption.")
    positive_activities: float = Field(math.log(0.8), ge=-5, le=5,
                                       description="Protective; assumption.")


class ContagionSettings(Section):
    """Exposure and involvement: the contagion term of DESIGN §4a.

    Entry into involvement this step has probability ``1 − (1 − p_bg)·(1 − beta)^E``, with
    ``E`` the exposure (weighted involved peers plus victimisation, place heat and domestic
    abuse). With only contagion on and ``p_bg = 0`` this is the discrete-time SIS model.
    """

    beta: Probability = Field(0.0008, description=(
        "Weekly probability that one involved peer draws a young person into involvement. "
        "Assumption, calibrated so that the borough's violence matches the seed's level."))
    gamma: Probability = Field(1 / 52, description=(
        "Weekly desistance from involvement (mean one year). Assumption."))
    gamma_entrenched: Probability = Field(1 / 104, description=(
        "Weekly desistance from entrenched to involved (mean two years). Assumption."))
    p_entry_background: Probability = Field(0.00025, description=(
        "Weekly entry into involvement without exposure, for a person of average risk at the "
        "peak age. Assumption, calibrated with beta."))
    p_entrench: Probability = Field(0.003, description=(
        "Weekly move from involved to entrenched for someone who offended in the last 12 "
        "weeks. Assumption."))
    at_risk_share: Probability = Field(0.15, description=(
        "Share with the highest risk scores classed 'at risk' (Somerset spectrum). "
        "Assumption."))
    weight_school: Rate = Field(1.0, le=100, description=(
        "Weight of an involved school friend: the unit of exposure (a modelling convention)."))
    weight_neighbourhood: Rate = Field(1.0, le=100, description=(
        "Weight of an involved neighbourhood friend. Assumption: as a school friend."))
    weight_family: Rate = Field(1.5, le=100, description=(
        "Weight of a sibling tie. Assumption: household exposure is stronger."))
    weight_gang: Rate = Field(2.0, le=100, description="Weight of a gang tie. Assumption.")
    rho_victimisation: Rate = Field(3.0, le=100, description=(
        "Exposure from one recent victimisation, in involved-peer units. Assumption scaled so "
        "that a victimisation doubles the offending hazard (EVIDENCE §6, Bingenheimer et al. "
        "2005: exposure to firearm violence doubles serious violence)."))
    rho_place: Rate = Field(0.2, le=100, description=(
        "Exposure per unit of heat (recent incidents per 100 users) at the young person's "
        "usual place. Assumption."))
    rho_domestic: Rate = Field(1.0, le=100, description=(
        "Exposure from domestic abuse at home. Assumption."))
    tau_victimisation_weeks: Positive = Field(18.0, le=520, description=(
        "Decay time of recent victimisation. DESIGN §4a: Green et al. 2017, mean 125 days "
        "between an exposure and the next shooting."))
    recent_exposure_threshold: Rate = Field(0.5, le=100, description=(
        "Victimisation or place-heat exposure above which an incident is logged as following "
        "recent exposure to violence. Assumption: about half a recent victimisation."))


class OffendingSettings(Section):
    """The weekly perpetration hazard and what an incident looks like (DESIGN §4a)."""

    h0: Rate = Field(0.000169, le=1, description=(
        "Weekly base hazard of violence for a young person of average risk, not involved, at "
        "the peak age. Calibrated (experiments/calibrate_borough.py) so that the borough "
        "reproduces the seed's level of violence (see the README's calibration note): 8.97 "
        "recorded incidents by 10-24s per 1,000 residents a year over 4 seeds against 9 "
        "(2026-11-25)."))
    rel_at_risk: Rate = Field(2.0, le=1000, description="Hazard multiplier at risk. Assumption.")
    rel_involved: Rate = Field(10.0, le=1000, description="Hazard multiplier involved. Assumption.")
    rel_entrenched: Rate = Field(25.0, le=1000, description=(
        "Hazard multiplier entrenched. Assumption."))
    coef_exposure: float = Field(1 / 3, ge=0, le=10, description=(
        "γ_E: the hazard is multiplied by (1 + γ_E·E). Derived: 1 / rho_victimisation, so that "
        "one recent victimisation doubles the hazard (EVIDENCE §6, Bingenheimer et al. 2005)."))
    coef_exploited: float = Field(math.log(3.0), ge=0, le=10, description=(
        "γ_X: log-hazard if exploited. Assumption (DESIGN §4: exploitation raises violence)."))
    coef_weapon: float = Field(math.log(2.0), ge=0, le=10, description=(
        "γ_W: log-hazard if carrying a weapon. Assumption."))
    age_curve: tuple[float, ...] = Field(
        (0.15, 0.25, 0.40, 0.55, 0.75, 0.90, 0.97, 1.00, 1.00, 0.95, 0.85, 0.75, 0.65, 0.55,
         0.50), description=(
            "Relative hazard at ages 10..24. Ages 10–17: the shape of US violent-crime arrests "
            "by age (shared/data/us_juvenile_arrests, aggravated assault 2016, per year of "
            "band), flattened to peak in the late teens; 18–24: assumption, declining after the "
            "18–20 homicide peak (EVIDENCE §3, YEF key facts)."))
    p_victim_peer: Probability = Field(0.35, description=(
        "Share of incidents whose victim is a peer (retaliation chains). Assumption; EVIDENCE "
        "§6: about half of homicides follow a quarrel, revenge or loss of temper."))
    p_victim_place: Probability = Field(0.35, description=(
        "Share whose victim is another young person at the same place. Assumption."))
    p_outside_victim_under25: Probability = Field(0.4, description=(
        "Share of victims from outside the simulated population who are under 25. "
        "Assumption."))
    p_in_public: Probability = Field(0.6, description=(
        "Share of incidents at the perpetrator's usual public place (else private or "
        "elsewhere). Assumption; the serious violence strategy's public-space focus (seed)."))
    p_weapon: Probability = Field(0.04, description=(
        "Weapon share of incidents by non-carriers. Derived: EVIDENCE §8 London knife offences "
        "179 per 100,000 vs B&D violence 31.5 per 1,000 gives ~5.7% overall."))
    p_weapon_carrier: Probability = Field(0.35, description=(
        "Weapon share of incidents by a young person carrying a weapon. Assumption."))
    p_serious_injury: Probability = Field(0.20, description=(
        "Serious injury without a weapon. EVIDENCE §3: wounding 24% of CSEW violence."))
    p_serious_injury_weapon: Probability = Field(0.5, description=(
        "Serious injury with a weapon. Assumption."))
    p_robbery: Probability = Field(0.12, description=(
        "Share of incidents that are robberies (police.uk 'Robbery'). Assumption from "
        "shared/data/policeuk_west_yorkshire: robbery ≈ 3% of violence and sexual offences "
        "for all ages, higher for young people."))
    p_reported: Probability = Field(0.43, description=(
        "Share of incidents recorded by police. EVIDENCE §3: 57% of CSEW violence victims did "
        "not report."))
    p_start_carrying: Probability = Field(0.0005, description=(
        "Weekly probability of starting to carry a weapon, average risk. Assumption."))
    coef_carry_victimisation: float = Field(2.0, ge=0, le=100, description=(
        "Starting to carry is multiplied by (1 + c·V) for recent victimisation V: one recent "
        "victimisation triples it. Assumption (EVIDENCE §3: teenage homicide is mostly with "
        "knives; carrying for protection after victimisation)."))
    p_stop_carrying: Probability = Field(1 / 26, description=(
        "Weekly probability of stopping carrying. Assumption: half a year on average."))


class NetworkSettings(Section):
    """Peer networks: school and neighbourhood ties, siblings, gangs, rewiring."""

    mean_degree: float = Field(8.0, ge=0, le=200, description=(
        "Mean friends per young person (school + neighbourhood ties). EVIDENCE §6: mean "
        "7.25–8.59 nominations in year-group networks."))
    max_degree: int = Field(32, ge=1, le=512, description=(
        "Slots per person in the tie table: caps the degree and sets memory (5 bytes a slot). "
        "A setting, not an estimate: 32 is four times the mean degree."))
    share_school: Probability = Field(0.6, description=(
        "Share of ties formed at school, for those in school. Assumption."))
    age_window_years: float = Field(1.0, ge=0, le=15, description=(
        "Ties form between young people at most this many years apart (EVIDENCE §6: "
        "school-grade groups are highly cohesive)."))
    homophily_risk: Rate = Field(1.0, le=20, description=(
        "Selection on risk score at tie formation: acceptance falls as exp(−h·|Δrisk|). "
        "Assumption."))
    homophily_involvement: Rate = Field(1.0, le=20, description=(
        "Selection on involvement at rewiring: acceptance falls as exp(−h·|Δlevel|). "
        "Assumption; lets influence and selection be compared (DESIGN §4a)."))
    p_rewire: Probability = Field(0.01, description=(
        "Weekly share of friendship ties that dissolve and re-form. Assumption: about 40% of "
        "adolescent friendships change in a year."))
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
        "random graph)."))
    sibling_ties: bool = Field(True, description=(
        "Tie siblings in the same household (DESIGN §3: family ties via households)."))
    n_gangs: Count = Field(3, le=1000, description=(
        "Gangs (dense clusters). Assumption for a London borough; Suffolk had two known gangs "
        "in Ipswich (seed)."))
    gang_size: int = Field(20, ge=2, le=500, description="Members per gang. Assumption.")
    gang_tie_density: Probability = Field(0.4, description=(
        "Share of member pairs tied within a gang. Assumption."))
    gang_neighbourhoods: int = Field(2, ge=1, le=100, description=(
        "Neighbourhoods a gang recruits from (most deprived first). Assumption."))


class ExploiterSettings(Section):
    """County lines and other exploiters who recruit young people."""

    n_lines: Count = Field(5, le=10_000, description=(
        "Active lines. Derived: ~1,000 lines in the UK with 15% of deal lines in the Met area "
        "(EVIDENCE §5, NCA 2019) over 33 London boroughs ≈ 4.5 per borough."))
    max_recruits: int = Field(10, ge=0, le=10_000, description=(
        "Young people a line exploits at once. Derived: 'as many as 10,000 children' over "
        "~1,000 lines (EVIDENCE §5, NCA 2019)."))
    recruits_per_year: int = Field(12, ge=0, le=100_000, description=(
        "Recruitment capacity of a line per year. Assumption."))
    recruitment_hazard: Rate = Field(0.003, le=10, description=(
        "λ: weekly recruitment hazard for a young person of vulnerability 1 in a line's "
        "territory. Assumption, calibrated with the others so lines fill to most of capacity."))
    coef_exploited_peer: float = Field(math.log(4.0), ge=0, le=10, description=(
        "Log multiplier of access per exploited peer (recruitment through friends). "
        "Assumption; seed: older youths drew others in (Redcar)."))
    territory_neighbourhoods: int = Field(3, ge=1, le=1000, description=(
        "Neighbourhoods in each line's territory. Assumption."))
    min_age: int = Field(11, ge=10, le=24, description=(
        "Youngest recruited. EVIDENCE §5: 'as young as 11'."))
    max_age: int = Field(17, ge=10, le=24, description=(
        "Oldest recruited. EVIDENCE §5: 15–17 make up the bulk; NRM counts children."))
    p_exit: Probability = Field(1 / 26, description=(
        "μ_X: weekly exit from exploitation. Assumption: half a year on average."))
    p_disruption: Probability = Field(0.019, description=(
        "Weekly probability that police close a line. Derived: more than 5,000 lines closed "
        "since 2019 against ~1,000 active (EVIDENCE §5) ≈ one closure per line per year."))
    replacement_weeks: Positive = Field(12.0, le=520, description=(
        "Mean weeks before a closed line is replaced. Assumption."))
    p_missing_if_exploited: Probability = Field(0.7, description=(
        "Exploited young people with missing episodes. EVIDENCE §5: 'children going missing is "
        "a fundamental feature' of county lines; 7 in 10 sexually exploited were missing."))
    rel_carry_if_exploited: Rate = Field(5.0, le=1000, description=(
        "Multiplier of starting to carry a weapon if exploited. Assumption (seed: county lines "
        "are associated with carrying knives)."))


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
        "Place types. Assumption: DESIGN §3 lists school gates, parks, town centres, transport "
        "hubs and ASB hotspots; counts sized for a borough of 17 wards."))
    tau_heat_weeks: Positive = Field(2.0, le=520, description=(
        "Decay time of a place's near-repeat heat. EVIDENCE §6: Ratcliffe & Rengert 2008, "
        "risk raised within 2 weeks of a shooting."))
    coef_heat: float = Field(0.33, ge=0, le=10, description=(
        "γ_H: the hazard at the usual place is multiplied by (1 + γ_H·H), H = recent incidents "
        "there per 100 users. EVIDENCE §6: +33% near-repeat risk (Ratcliffe & Rengert 2008)."))
    p_local: Probability = Field(0.7, description=(
        "Share of young people whose usual place is in their own neighbourhood. Assumption."))


class JusticeSettings(Section):
    """Detection, custody and release."""

    p_suspect_identified: Probability = Field(0.6, description=(
        "Recorded incidents where police identify the perpetrator (police attention, record). "
        "Derived: EVIDENCE §4, 39.3% of cases closed with no suspect identified."))
    p_charge: Probability = Field(0.10, description=(
        "Identified perpetrators charged. Derived: EVIDENCE §4, 5.7% charge rate of all "
        "recorded crime ÷ 0.6 identified ≈ 0.1."))
    p_custody: Probability = Field(0.07, description=(
        "Charged young people given immediate custody. EVIDENCE §4: 7% of knife offences by "
        "children (YE Mar 2024)."))
    p_custody_weapon: Probability = Field(0.25, description=(
        "Custody when the incident involved a weapon or serious injury. Assumption."))
    dur_custody_weeks: Positive = Field(29.0, le=2600, description=(
        "Mean custody served. EVIDENCE §4: 6.6 months average immediate custody for ages "
        "10–17 (knife offences) ≈ 29 weeks."))
    dur_known_weeks: Positive = Field(4.0, le=520, description=(
        "Weeks a young person counts as 'known to police' after police attention. Seed: "
        "Sussex REBOOT refers on police attention in the last 4 weeks."))
    p_stop_search: Probability = Field(0.002, description=(
        "Weekly probability that a weapon carrier is found in a stop and search, giving a "
        "possession-of-weapons offence. Assumption sized to the seed's 115 possession "
        "incidents in 8 months in B&D."))

