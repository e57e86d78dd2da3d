"""The outcome vocabulary: every name a run, a comparison or a sweep reports, declared once.

Each :class:`Outcome` has a name, a description and a unit. The recorder, the results tables,
comparisons, sweeps, the analysis and the report all take their names (and labels) from here,
and :func:`outcome` refuses a name that is not declared, suggesting the nearest, so a misspelt
outcome or counter is an error rather than a silent zero.

* :data:`EVENTS` — counted by the processes during a step (``Process.count``);
* :data:`INCIDENT_COUNTS` — counted from the step's incidents;
* :data:`STOCKS` — counted from the state at the end of a step;
* :data:`FEAR_LEVELS` — shares worried and afraid from the fear process at the end of a step;
* :data:`STEP_RATES` — derived per-step columns of ``steps.parquet``;
* :data:`PERIOD_RATES` — rates over a month or a year (``monthly.parquet``, the summary);
* :data:`NEIGHBOURHOOD_COUNTS` and :data:`NEIGHBOURHOOD_MEANS` — columns of
  ``neighbourhoods.parquet`` (per month);
* :data:`RUN_OUTCOMES` — totals and means over a run's recorded period (sweep outcomes);
* :data:`COMPARISON_OUTCOMES` — what ``vsim compare`` reports for a scenario against its
  baseline, besides ``<outcome>_baseline``, ``<outcome>_averted`` and
  ``<outcome>_reduction_pct`` for each of :data:`COMPARED`.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    """A named quantity: what it is and its unit (``of``: how a run total is made)."""

    name: str
    description: str
    unit: str
    of: tuple[str, tuple[str, ...]] | None = None  # ("sum" | "mean", step columns)

    @property
    def label(self) -> str:
        """Description and unit, for tables and plots."""
        return f"{self.description} ({self.unit})"


def _declare(*rows: tuple) -> dict[str, Outcome]:
    table = {}
    for row in rows:
        item = Outcome(*row)
        if item.name in table:
            raise ValueError(f"outcome {item.name!r} declared twice")
        table[item.name] = item
    return table


YP = "young people"
EVENTS = _declare(
    ("entered_cohort", "10-year-olds who joined the population in September", YP),
    ("left_at_25", "young people who reached 25 and left the population", YP),
    ("entered_involvement", "young people who became involved in violence", YP),
    ("became_entrenched", "involved young people who became entrenched", YP),
    ("desisted", "young people who desisted (entrenched to involved, involved to out)", YP),
    ("victimised_young_people", "victimisations of simulated young people", "victimisations"),
    ("started_carrying", "young people who started carrying a weapon", YP),
    ("recruited", "young people recruited by county lines", YP),
    ("recruitment_refused_capacity", "would-be recruits a line had no room for", YP),
    ("exploitation_exits", "young people who left exploitation", YP),
    ("lines_disrupted", "county lines closed by police", "lines"),
    ("lines_replaced", "closed county lines replaced by a new one", "lines"),
    ("identified", "perpetrators of recorded incidents identified by police", YP),
    ("charged", "identified perpetrators charged", YP),
    ("sent_to_custody", "charged young people sent to custody", YP),
    ("released", "young people released from custody", YP),
    ("possession_offences", "weapon carriers found in stop and search", "offences"),
    ("ties_dissolved", "friendships that dissolved", "ties"),
    ("ties_formed", "friendships that formed", "ties"),
    ("homicides", "homicides among incidents with a weapon and serious injury (drawn for "
     "residents' worry; crime costs value their expected number)", "homicides"),
)
INCIDENT_COUNTS = _declare(
    ("incidents", "incidents of violence by simulated young people", "incidents"),
    ("incidents_recorded", "incidents recorded by police", "incidents"),
    ("recorded_robberies", "robberies recorded by police", "incidents"),
    ("weapon_incidents", "incidents with a weapon", "incidents"),
    ("serious_injury_incidents", "incidents with serious injury", "incidents"),
    ("robberies", "robberies", "incidents"),
    ("victims_under_25", "incidents whose victim was under 25", "incidents"),
    ("victims_in_population", "incidents whose victim was a simulated young person",
     "incidents"),
    ("perpetrators", "young people who offended (at most once a step)", YP),
    ("first_time_perpetrators", "perpetrators offending for the first time", YP),
    ("reoffending_incidents", "incidents by a perpetrator with a police record", "incidents"),
    ("incidents_after_exposure", "incidents following recent exposure to violence",
     "incidents"),
    ("attributable_to_exposure", "incidents attributable to exposure (sum of exposure shares "
     "of the hazard)", "expected incidents"),
)
STOCKS = _declare(
    ("n_young_people", "young people in the population", YP),
    ("n_none", "young people not involved and not at risk", YP),
    ("n_at_risk", "young people at risk", YP),
    ("n_involved", "young people involved in violence", YP),
    ("n_entrenched", "young people entrenched in violence", YP),
    ("n_exploited", "young people exploited by county lines", YP),
    ("in_custody", "young people in custody", YP),
    ("known_to_police", "young people known to police (recent attention)", YP),
    ("weapon_carriers", "young people carrying a weapon", YP),
    ("active_lines", "county lines operating", "lines"),
)
# Shares from the fear process at the end of a step (NaN when it is switched off).
WORRIED, AFRAID = "worried_share", "young_people_afraid"
FEAR_LEVELS = _declare(
    (WORRIED, "residents worried about knife crime", "share of residents"),
    (AFRAID, "young people afraid of becoming victims of violence", "share of young people"),
)
STEP_RATES = _declare(
    ("incidents_per_1000_young_people", "incidents per 1,000 young people", "per step"),
    ("incidents_per_1000_residents", "incidents per 1,000 residents", "per step"),
    ("police_uk_violence_and_sexual_offences", "police.uk 'Violence and sexual offences' "
     "(recorded incidents other than robbery)", "crimes"),
    ("police_uk_robbery", "police.uk 'Robbery' (recorded robberies)", "crimes"),
    ("police_uk_possession_of_weapons", "police.uk 'Possession of weapons' (stop and search "
     "finds)", "crimes"),
)
# Rates over a month or a year (monthly.parquet, the yearly summary).
PERIOD_RATES = _declare(
    ("recorded_per_1000_residents", "recorded incidents per 1,000 residents", "per period"),
)
NEIGHBOURHOOD_COUNTS = _declare(
    ("incidents", "incidents in the neighbourhood", "incidents"),
    ("incidents_recorded", "incidents recorded by police", "incidents"),
    ("weapon_incidents", "incidents with a weapon", "incidents"),
    ("serious_injury_incidents", "incidents with serious injury", "incidents"),
    ("violence_and_sexual_offences", "police.uk 'Violence and sexual offences'", "crimes"),
    ("robbery", "police.uk 'Robbery'", "crimes"),
    ("possession_of_weapons", "police.uk 'Possession of weapons'", "crimes"),
)
# Means over a month of each neighbourhood's steps (neighbourhoods.parquet).
NEIGHBOURHOOD_MEANS = _declare(
    (WORRIED, "residents of the neighbourhood worried about knife crime, month mean",
     "share of residents"),
)
POUNDS = "£"
RUN_OUTCOMES = _declare(
    ("incidents", "incidents over the horizon", "incidents", ("sum", ("incidents",))),
    ("incidents_recorded", "recorded incidents over the horizon", "incidents",
     ("sum", ("incidents_recorded",))),
    ("weapon_incidents", "incidents with a weapon over the horizon", "incidents",
     ("sum", ("weapon_incidents",))),
    ("serious_injury_incidents", "incidents with serious injury over the horizon", "incidents",
     ("sum", ("serious_injury_incidents",))),
    ("robberies", "robberies over the horizon", "incidents", ("sum", ("robberies",))),
    ("first_time_perpetrators", "first-time perpetrators over the horizon", YP,
     ("sum", ("first_time_perpetrators",))),
    ("mean_involved", "young people involved or entrenched, on average", YP,
     ("mean", ("n_involved", "n_entrenched"))),
    ("mean_exploited", "young people exploited, on average", YP, ("mean", ("n_exploited",))),
    ("mean_in_custody", "young people in custody, on average", YP, ("mean", ("in_custody",))),
    ("mean_worried_share", "residents worried about knife crime, on average",
     "share of residents", ("mean", (WORRIED,))),
    ("mean_young_people_afraid", "young people afraid of becoming victims, on average",
     "share of young people", ("mean", (AFRAID,))),
    ("programme_cost", "cost of the interventions over the horizon", POUNDS),
)
# What the model's Mesa DataCollector reports at every recorded step (and at the start).
MAIN = ("incidents", "incidents_recorded", "weapon_incidents", "serious_injury_incidents",
        "n_involved", "n_entrenched", "n_exploited", "in_custody", "weapon_carriers",
        "active_lines", "n_young_people", "worried_share", "young_people_afraid")
# The old name of a run outcome: accepted in experiment files for one release, with a note.
DEPRECATED = {"cost_total": "programme_cost"}

# Outcomes a comparison sets scenario against baseline for, in the order it reports them.
COMPARED = ("incidents", "weapon_incidents", "serious_injury_incidents", "mean_exploited",
            "incidents_recorded", "mean_worried_share", "mean_young_people_afraid")
COMPARISON_OUTCOMES = _declare(
    ("n_participants", "young people ever enrolled", YP),
    ("n_peers", "untreated friends of participants at enrolment", YP),
    ("participants_incidents_baseline", "participants' incidents in the baseline", "incidents"),
    ("participants_incidents", "participants' incidents", "incidents"),
    ("peers_incidents_baseline", "their untreated friends' incidents in the baseline",
     "incidents"),
    ("peers_incidents", "their untreated friends' incidents", "incidents"),
    ("others_incidents_baseline", "everyone else's incidents in the baseline", "incidents"),
    ("others_incidents", "everyone else's incidents", "incidents"),
    ("direct_averted", "direct: participants' incidents averted", "incidents"),
    ("direct_reduction_pct", "direct: % reduction of participants' incidents", "%"),
    ("spillover_averted", "spillover: untreated peers' incidents averted", "incidents"),
    ("spillover_reduction_pct", "spillover: % reduction of their incidents", "%"),
    ("others_averted", "others' incidents averted", "incidents"),
    ("others_reduction_pct", "% reduction of others' incidents", "%"),
    ("programme_cost", "cost of the interventions over the horizon", POUNDS),
    ("programme_cost_per_year", "cost of the interventions a year", POUNDS),
    ("incremental_cost", "programme cost against the baseline's", POUNDS),
    ("incremental_cost_per_year", "programme cost against the baseline's, a year", POUNDS),
    ("crime_cost_baseline", "cost of the baseline's incidents", POUNDS),
    ("crime_cost", "cost of the incidents", POUNDS),
    ("crime_cost_averted", "cost of crime averted", POUNDS),
    ("net_benefit", "crime cost averted minus incremental cost", POUNDS),
    ("benefit_cost_ratio", "crime cost averted per pound of incremental cost", "ratio"),
    ("cost_per_incident_averted", "incremental cost per incident averted", POUNDS),
    ("pv_programme_cost", "present value of the programme cost", POUNDS),
    ("pv_incremental_cost", "present value of the cost against the baseline's", POUNDS),
    ("pv_crime_cost_averted", "present value of the cost of crime averted", POUNDS),
    ("npv", "net present value: crime cost averted minus cost, discounted", POUNDS),
    ("pv_benefit_cost_ratio", "benefit-cost ratio: £ of crime cost averted per £ spent, "
     "discounted", "ratio"),
    ("discounted_incidents_averted", "incidents averted, discounted like money",
     "incidents"),
    ("pv_cost_per_incident_averted", "cost per incident averted, discounted", POUNDS),
    ("pv_crime_cost_averted_after_funding", "present value of the crime cost averted after "
     "the funding ends", POUNDS),
    ("benefit_after_funding_share", "share of the benefit that falls after the funding ends",
     "share"),
    ("enrolled", "young people ever enrolled", YP),
    ("completed", "courses completed", "courses"),
    ("dropped_out", "courses dropped out of", "courses"),
    ("waiting_end", "young people waiting at the end", YP),
)

# The same name in several tables is the same quantity over another span (a step, a month and
# a neighbourhood, a run); looked up without a table, the run's meaning comes first.
_EVERY = {**EVENTS, **INCIDENT_COUNTS, **STOCKS, **FEAR_LEVELS, **STEP_RATES, **PERIOD_RATES,
          **NEIGHBOURHOOD_COUNTS, **NEIGHBOURHOOD_MEANS, **COMPARISON_OUTCOMES,
          **RUN_OUTCOMES}


def comparison_outcome(name: str) -> Outcome:
    """A compared outcome's derived names (``_baseline``, ``_averted``, ``_reduction_pct``)."""
    for suffix, text, unit in (("_baseline", "in the baseline", None),
                               ("_averted", "averted", None),
                               ("_reduction_pct", "% reduction", "%")):
        if name.endswith(suffix) and name[: -len(suffix)] in COMPARED:
            base = RUN_OUTCOMES[name[: -len(suffix)]]
            if suffix == "_averted" and base.unit.startswith("share"):
                text = "reduced by (baseline minus scenario)"
            return Outcome(name, f"{base.description}: {text}", unit or base.unit)
    if name in COMPARED:
        return RUN_OUTCOMES[name]
    return outcome(name, COMPARISON_OUTCOMES)


def label_of(name: str) -> str:
    """``name: description (unit)`` of a declared outcome; a custom model's name as it is."""
    item = RUN_OUTCOMES.get(name) or _EVERY.get(name)
    return f"{name}: {item.label}" if item else name


class UnknownOutcome(KeyError):
    """A name that is not in the outcome vocabulary."""

    def __str__(self) -> str:
        return str(self.args[0])


def outcome(name: str, among: dict[str, Outcome] | None = None) -> Outcome:
    """The declared outcome ``name``, or UnknownOutcome naming the closest declared names.

    ``among`` is the table to look in (default: every table).
    """
    table = _EVERY if among is None else among
    try:
        return table[name]
    except KeyError:
        close = difflib.get_close_matches(name, list(table), n=3)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise UnknownOutcome(f"unknown outcome '{name}'{hint} (declared in vsim.outcomes: "
                             f"{', '.join(table)})") from None


class EventCounts:
    """This step's count of every event of :data:`EVENTS` (an undeclared name raises)."""

    __slots__ = ("_counts",)

    def __init__(self) -> None:
        self._counts = dict.fromkeys(EVENTS, 0)

    def add(self, event: str, n: int) -> None:
        """Add ``n`` to ``event``."""
        if event not in self._counts:
            outcome(event, EVENTS)  # raises, naming the closest events
        self._counts[event] += int(n)

    def __getitem__(self, event: str) -> int:
        if event not in self._counts:
            outcome(event, EVENTS)
        return self._counts[event]

    def clear(self) -> None:
        """Every count back to 0 (start of a step)."""
        for event in self._counts:
            self._counts[event] = 0

    def as_dict(self) -> dict[str, int]:
        """The counts by name."""
        return dict(self._counts)
