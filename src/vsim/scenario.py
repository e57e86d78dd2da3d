"""The scenario: one validated, frozen object holding every parameter of a run.

Every default cites its source as ``evidence: <id>``, a row of the evidence table shipped with
the package (:mod:`vsim.evidence`, ``docs/evidence.md``): a published figure, a figure of the
seed document (LGA 2020, "Taking a public health approach to tackling serious violent crime:
case studies", cited as "seed"), or a stated modelling assumption (the rows ``assume-...``). A
three-line scenario file therefore runs with documented values, and ``vsim schema`` exports the
same descriptions as JSON Schema. The sections describing the modelled world (time, area,
population, risk factors, contagion, offending in :mod:`vsim.sections`; networks, exploiters,
places, justice in :mod:`vsim.sections_world`) are re-exported here; this module adds the run's
switches, outputs, costs and budget, and the :class:`Scenario` that checks them together.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field, field_validator, model_validator

from vsim.fields import Count, Positive, Probability, Rate, Section
from vsim.interventions import AnyIntervention
from vsim.prices import deflator
from vsim.sections import (
    AreaSettings,
    ContagionSettings,
    Neighbourhood,
    OffendingSettings,
    PopulationSettings,
    PropensitySettings,
    RiskFactorSettings,
    TimeSettings,
)
from vsim.sections_fear import FearEvent, FearSettings
from vsim.sections_world import (
    ExploiterSettings,
    JusticeSettings,
    NetworkSettings,
    PlaceSettings,
    PlaceType,
)

__all__ = ["AppraisalSettings", "AreaSettings", "BudgetSettings", "ContagionSettings", "Count",
           "CrimeCosts",
           "ExploiterSettings", "FearEvent", "FearSettings", "JusticeSettings", "Neighbourhood",
           "NetworkSettings",
           "OffendingSettings", "OutputSettings", "PlaceSettings", "PlaceType",
           "PopulationSettings", "Positive", "Probability", "ProcessSwitches",
           "PropensitySettings", "Rate", "RiskFactorSettings", "Scenario", "Section",
           "TimeSettings"]


class ProcessSwitches(Section):
    """Switch each mechanism on or off: every process can be switched off (ODD: submodels)."""

    risk_factors: bool = Field(True, description="Correlated risk factors at creation.")
    contagion: bool = Field(True, description=(
        "Exposure to violence (involved peers, victimisation, places, home); off: exposure is "
        "0, so nobody is drawn in by it, and everything else goes on."))
    involvement: bool = Field(True, description=(
        "Entry into involvement (background and from exposure), entrenchment, desistance."))
    offending: bool = Field(True, description="Incidents, victim choice, weapons, injury.")
    weapon_carrying: bool = Field(True, description=(
        "Young people start and stop carrying a weapon."))
    victimisation: bool = Field(True, description="Victimisation raises exposure (retaliation).")
    exploitation: bool = Field(True, description="County-lines recruitment and exit.")
    justice: bool = Field(True, description="Detection, custody and release.")
    life_course: bool = Field(True, description="Ageing, exit at 25, yearly cohort entry.")
    rewiring: bool = Field(True, description="Weekly tie rewiring and repair.")
    fear: bool = Field(True, description=(
        "Residents' worry and young people's fear of violence, and fear's push towards "
        "carrying a weapon; off: no worry or fear is computed and carrying is as without it."))


class OutputSettings(Section):
    """What a run writes."""

    incident_log: bool = Field(True, description="Write one row per incident.")
    snapshot_every_weeks: Count = Field(0, le=5200, description=(
        "Write a person-level snapshot (snapshots.parquet) every n weeks; 0 for none. The "
        "state at the end is always in people.parquet."))


def _price_year(year: str | None) -> str | None:
    """A price year the shipped GDP deflator covers (ValueError saying what is allowed)."""
    if year is not None:
        deflator(year)
    return year


class CrimeCosts(Section):
    """Unit costs of crime (pounds, 2015/16 prices) to value prevented incidents."""

    price_year: str = Field("2015/16", description=(
        "Price year of these unit costs: Heeks et al. 2018 give 2015/16 prices (evidence: "
        "cost-rape-violence-robbery). An appraisal moves them to appraisal.price_year with "
        "the GDP deflator."))

    violence_with_injury: Rate = Field(14_050.0, description=(
        "Heeks et al. 2018, Home Office 'Economic and social costs of crime' (evidence: "
        "cost-rape-violence-robbery)."))
    violence_without_injury: Rate = Field(5_930.0, description=(
        "Heeks et al. 2018 [I, not yet checked against the report] (evidence: "
        "cost-violence-without-injury)."))
    robbery: Rate = Field(11_320.0, description=(
        "Heeks et al. 2018 (evidence: cost-rape-violence-robbery)."))
    homicide: Rate = Field(3_217_740.0, description=(
        "Heeks et al. 2018, 'an estimated £3.2m' [S]; exact figure [I] (evidence: "
        "cost-homicide, cost-homicide-exact)."))
    p_homicide_serious_weapon: Probability = Field(0.01, description=(
        "Share of incidents with a weapon and serious injury that are homicides. Derived: "
        "4,986 hospital admissions for assault with a sharp object against 262 knife "
        "homicides (England and Wales, different years) ≈ 5%; 1% taken for young people as most "
        "weapon incidents in the model are not admissions (assumption; evidence: "
        "sharp-object-admissions-2018, knife-homicides-2024, assume-homicide-share)."))

    _check_price_year = field_validator("price_year")(_price_year)


class AppraisalSettings(Section):
    """How money is valued: one price year, discounted as HM Treasury's Green Book says."""

    discount_rate: Probability = Field(0.035, le=0.2, description=(
        "Real discount rate a year: the Green Book's social time preference rate, 3.5% for "
        "years 0–30, declining after (evidence: green-book-discounting)."))
    price_year: str = Field("2024/25", description=(
        "Price year every sum is expressed in: a financial year 'YYYY/YY' or a calendar year "
        "'YYYY'. Default: the latest complete financial year of the GDP deflator shipped with "
        "vsim (evidence: ons-gdp-deflator-ybgb, green-book-real-prices)."))
    programme_costs_price_year: str | None = Field(None, description=(
        "Price year of the interventions' costs as written in the scenario; default: the "
        "price year, so they are taken as they are. Assumption (evidence: "
        "assume-programme-cost-price-year)."))

    _check_price_year = field_validator("price_year", "programme_costs_price_year")(_price_year)


class BudgetSettings(Section):
    """What the portfolio may spend; interventions are funded in the order listed."""

    per_year: Rate | None = Field(None, description="Budget per year (pounds).")
    total: Rate | None = Field(None, description="Budget over the horizon (pounds).")



class Scenario(Section):
    """A complete, validated scenario: everything a run needs besides the seed override."""

    name: str = Field("scenario", min_length=1, max_length=200,
                      pattern=r"^[^./\\][^/\\]*$", description=(
                          "Short name; also the default results folder, results/<name>, so "
                          "it may not contain / or \\ or start with a dot."))
    description: str = Field("", max_length=20_000, description="What the scenario is for.")
    seed: int = Field(20190107, ge=0, le=2**63 - 1, description="Root seed of every stream.")
    time: TimeSettings = TimeSettings()
    area: AreaSettings = AreaSettings()
    population: PopulationSettings = PopulationSettings()
    risk_factors: RiskFactorSettings = RiskFactorSettings()
    propensity: PropensitySettings = PropensitySettings()
    contagion: ContagionSettings = ContagionSettings()
    offending: OffendingSettings = OffendingSettings()
    networks: NetworkSettings = NetworkSettings()
    exploiters: ExploiterSettings = ExploiterSettings()
    places: PlaceSettings = PlaceSettings()
    justice: JusticeSettings = JusticeSettings()
    fear: FearSettings = FearSettings()
    processes: ProcessSwitches = ProcessSwitches()
    outputs: OutputSettings = OutputSettings()
    interventions: tuple[AnyIntervention, ...] = Field((), description=(
        "The portfolio: [[interventions]] tables, each with a type (mentoring, "
        "family_therapy, outreach, hotspot_policing, exploiter_disruption, "
        "focused_deterrence, civil_injunction, referral_pathway, trusted_relationships, "
        "workforce_upskilling, school_programme, diversionary_activities, targeted_support, "
        "domestic_abuse_support, community_reassurance)."))
    budget: BudgetSettings = BudgetSettings()
    crime_costs: CrimeCosts = CrimeCosts()
    appraisal: AppraisalSettings = AppraisalSettings()

    @model_validator(mode="after")
    def _cross_checks(self) -> Scenario:
        if len(self.offending.age_curve) != 15:
            raise ValueError(
                f"offending.age_curve needs 15 values (ages 10..24), got "
                f"{len(self.offending.age_curve)}")
        if any(v < 0 for v in self.offending.age_curve):
            raise ValueError("offending.age_curve values must be ≥ 0")
        if self.exploiters.min_age > self.exploiters.max_age:
            raise ValueError(
                f"exploiters.min_age ({self.exploiters.min_age}) must not exceed "
                f"exploiters.max_age ({self.exploiters.max_age})")
        if self.offending.p_victim_peer + self.offending.p_victim_place > 1.0 + 1e-12:
            raise ValueError("offending.p_victim_peer + offending.p_victim_place must be ≤ 1")
        names = self.neighbourhood_names
        for k, iv in enumerate(self.interventions):
            unknown = [n for n in iv.neighbourhoods if n not in names]
            if unknown:
                shown = ", ".join(names[:6]) + (", ..." if len(names) > 6 else "")
                raise ValueError(f"interventions[{k}].neighbourhoods: {unknown} are not "
                                 f"neighbourhoods of this scenario ({shown})")
            kinds = getattr(iv, "place_kinds", ())
            known = [t.kind for t in self.places.types]
            if any(kind not in known for kind in kinds):
                raise ValueError(f"interventions[{k}].place_kinds: {list(kinds)} must be among "
                                 f"places.types kinds {known}")
        self._check_fear_places(names)
        if self.networks.mean_degree > self.networks.max_degree:
            raise ValueError(
                f"networks.mean_degree ({self.networks.mean_degree}) must not exceed "
                f"networks.max_degree ({self.networks.max_degree})")
        return self

    def _check_fear_places(self, names: list[str]) -> None:
        """Neighbourhoods named by adjacency and by fear events must exist."""
        for n in self.area.neighbourhoods:
            unknown = [a for a in n.adjacent if a not in names or a == n.name]
            if unknown:
                raise ValueError(f"area.neighbourhoods '{n.name}'.adjacent: {unknown} must be "
                                 "other neighbourhoods of this scenario")
        time = self.time
        first = time.start - dt.timedelta(days=time.n_burn_in_steps * time.step_days)
        for k, event in enumerate(self.fear.events):
            if not first <= event.date < time.end_date:
                raise ValueError(f"fear.events[{k}].date: {event.date.isoformat()} is outside "
                                 f"the simulated period ({first.isoformat()}, the burn-in's "
                                 f"first day, to {time.end_date.isoformat()}): it would never "
                                 "be heard of")
            if event.neighbourhood and event.neighbourhood not in names:
                shown = ", ".join(names[:6]) + (", ..." if len(names) > 6 else "")
                raise ValueError(f"fear.events[{k}].neighbourhood: {event.neighbourhood!r} is "
                                 f"not a neighbourhood of this scenario ({shown}); leave it "
                                 "empty for an area-wide event")

    def __iter__(self):
        """Refuse iteration: a scenario is one value.

        Tools that iterate over parameter values (``mesa.batch_run``) then take it whole
        instead of field by field.
        """
        raise TypeError("a Scenario is one value, not a collection of values")

    @property
    def n_young_people(self) -> int:
        """Young people simulated at the start."""
        if self.population.n_young_people is not None:
            return self.population.n_young_people
        return max(1, round(self.area.residents * self.area.youth_share))

    @property
    def neighbourhood_count(self) -> int:
        """Number of neighbourhoods."""
        return len(self.area.neighbourhoods) or self.area.n_neighbourhoods

    @property
    def neighbourhood_names(self) -> list[str]:
        """The neighbourhoods' names: those listed, or 'neighbourhood 1', 'neighbourhood 2', ..."""
        if self.area.neighbourhoods:
            return [n.name for n in self.area.neighbourhoods]
        return [f"neighbourhood {i + 1}" for i in range(self.area.n_neighbourhoods)]

