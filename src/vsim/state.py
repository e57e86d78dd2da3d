"""Hot state of a run: flat arrays indexed by slot, grouped in named tuples the kernels take.

A *slot* is a row in the arrays; a *person id* (``pid``) is a young person's permanent number.
Slots are reused when someone leaves at 25 and a new cohort enters, but ids never are, and
random draws are keyed by id (see :mod:`vsim.rng`), so reuse does not couple anyone's luck.

Each group (people, ties, places, lines, households, pools, incidents) is a named tuple of
arrays: numba compiles a kernel for it once, and a kernel takes the group, not its arrays one
by one, so adding a field to a group changes no kernel signature. Every field is declared once,
in the tables below, with its dtype, its value in an empty slot and what it means.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from vsim.compiled import kernel
from vsim.vocabulary import AGE_MIN, DAYS_PER_YEAR, MODIFIERS, N_AGES, TIE_NAMES

NEVER = -(10**6)  # the step of an event that never happened (e.g. last offence)

# name: (dtype, value in an empty slot, meaning). Protective and risk flags are 0/1 uint8.
PERSON_FIELDS = {
    "alive": (np.uint8, 0, "1 while in the simulated population (aged 10-24)"),
    # int32: 4 B a slot less than int64 (1.5% of a run's peak at 1,000,000); draws widen it to
    # uint64 as they did before, so results are the same. New cohorts check the limit.
    "pid": (np.int32, -1, "permanent id; -1 for an empty slot"),
    "age_days": (np.int32, 0, "age in days"),
    "male": (np.uint8, 0, "1 if male"),
    "neighbourhood": (np.int32, 0, "home neighbourhood"),
    "household": (np.int32, 0, "household (siblings share one)"),
    "school": (np.int32, -1, "school, -1 when not in school"),
    "place": (np.int32, -1, "usual public place, -1 for none"),
    "ace": (np.int8, 0, "adverse childhood experiences (0..9)"),
    "low_family_functioning": (np.uint8, 0, "household with low family functioning"),
    "excluded": (np.uint8, 0, "school exclusion or persistent absence"),
    "mental_health": (np.uint8, 0, "probable mental disorder"),
    "substance_use": (np.uint8, 0, "substance use"),
    "domestic_abuse": (np.uint8, 0, "domestic abuse at home"),
    "missing": (np.uint8, 0, "missing episodes"),
    "trusted_adult": (np.uint8, 0, "has a trusted adult (protective)"),
    "positive_activities": (np.uint8, 0, "takes part in positive activities (protective)"),
    "engaged_ete": (np.uint8, 0, "in education, employment or training (protective)"),
    "risk_score": (np.float32, 0, "β·x: log-hazard from risk and protective factors"),
    "risk_rr": (np.float32, 0, "exp(β·x): the rate ratio, kept to spare kernels an exp"),
    "vulnerability": (np.float32, 0, "v_i: vulnerability to exploitation"),
    "at_risk_flag": (np.uint8, 0, "involvement level to return to on desistance"),
    "level": (np.int8, 0, "involvement level (vsim.vocabulary)"),
    "victimisation": (np.float32, 0, "V_i: recent victimisation, decaying"),
    "exposure": (np.float32, 0, "E_i: exposure to violence this step"),
    "weapon": (np.uint8, 0, "carrying a weapon"),
    "exploited_by": (np.int32, -1, "county line exploiting them, -1 for none"),
    "custody_until": (np.int32, 0, "step of release: in custody while the step is earlier"),
    "known_until": (np.int32, 0, "known to police while the step is earlier"),
    "record": (np.int16, 0, "detected offences"),
    "n_offences": (np.int32, 0, "offences committed"),
    "last_offence": (np.int32, NEVER, "step of the last offence"),
    "gang": (np.int32, -1, "gang, -1 for none"),
    "target_degree": (np.int16, 0, "friendships the person seeks"),
    "fear": (np.float32, 0, "chance of being afraid of violence (0 when fear is switched off)"),
    "fear_from_victimisation": (np.float32, 0, "log-odds of fear added by their own and their "
                                "friends' recent victimisation, decaying"),
}


class People(namedtuple("People", [*PERSON_FIELDS, "modifiers"])):
    """Per-person arrays (length = capacity) and the intervention modifiers.

    ``modifiers[k, slot]`` holds the multipliers of :data:`vsim.vocabulary.MODIFIERS`, reset
    to 1 each step. A run without interventions never changes them, so it holds a read-only
    view of a single 1 instead (``with_modifiers=False``): 28 bytes a slot saved, the same
    values read.
    """

    __slots__ = ()

    @classmethod
    def empty(cls, capacity: int, with_modifiers: bool = True) -> People:
        """Arrays for ``capacity`` slots, all empty; modifiers of their own or all-ones."""
        arrays = [np.full(capacity, empty, dtype) for dtype, empty, _ in PERSON_FIELDS.values()]
        return cls(*arrays, _modifiers(capacity, with_modifiers))

    @property
    def holds_modifiers(self) -> bool:
        """True if the modifiers are arrays of their own (False: the read-only ones)."""
        return self.modifiers.flags.writeable

    def modifiers_at_one(self, own: bool = True) -> People:
        """These arrays with fresh modifiers at 1: writable ones (``own``) or the read-only view.

        For code that sets modifiers directly, and for a restored run (they are not saved).
        """
        return self._replace(modifiers=_modifiers(self.capacity, own))

    @property
    def capacity(self) -> int:
        """Number of slots."""
        return self.alive.shape[0]

    def grow(self, new_capacity: int) -> People:
        """A copy with more slots (used when a cohort outgrows the free slots)."""
        bigger = People.empty(new_capacity, self.holds_modifiers)
        n = self.capacity
        for old, new in zip(self, bigger, strict=True):
            if new.flags.writeable:
                new[..., :n] = old
        return bigger

    def reorder(self, order: np.ndarray) -> None:
        """Move the people in slots ``order`` to slots 0..len(order)-1 (before any tie exists)."""
        n = order.shape[0]
        for arr in self:
            if arr.flags.writeable:
                arr[..., :n] = arr[..., order]

    def modifier(self, name: str) -> np.ndarray:
        """The row of ``modifiers`` for the modifier ``name`` (a view), e.g. rel_perpetration."""
        return self.modifiers[list(MODIFIERS).index(name)]

    def reset_modifiers(self) -> None:
        """Set every intervention modifier back to 1 (start of each step)."""
        if self.holds_modifiers:
            self.modifiers.fill(1.0)

    def nbytes(self) -> int:
        """Memory held by the arrays (the read-only modifiers hold none)."""
        return sum(arr.nbytes for arr in self if arr.flags.writeable)


def _modifiers(capacity: int, own: bool) -> np.ndarray:
    """Modifiers at 1: an array of their own, or a read-only view of one float (no memory).

    Kernels are compiled for the view's layout as well (a second specialisation, cached).
    """
    if own:
        return np.ones((len(MODIFIERS), capacity), np.float32)
    return np.broadcast_to(np.float32(1.0), (len(MODIFIERS), capacity))


# Tie kinds take 2 bits, four to a byte: 6 bytes a person at 24 slots where one byte a slot
# took 24 (the kind table was a tenth of the state at 1,000,000 young people).
KINDS_PER_BYTE = 4
assert len(TIE_NAMES) <= 4, "tie kinds are packed in 2 bits (vsim.networks.kind_at)"


class Ties(namedtuple("Ties", ["partner", "kind", "degree"])):
    """Undirected peer ties as a padded CSR: row ``i`` holds ``degree[i]`` partners.

    ``partner`` (int32 [capacity, max_degree]) holds partner slots, ``kind`` the vocabulary's
    tie kind of each slot packed four to a byte (uint8 [capacity, ⌈max_degree/4⌉]; read it with
    :meth:`kinds`, or ``vsim.networks.kind_at`` in kernels), ``degree`` (int32 [capacity]) the
    count. Each row has a fixed number of slots, so ties are added and removed in place every
    week without rebuilding anything.
    """

    __slots__ = ()

    @classmethod
    def empty(cls, capacity: int, max_degree: int) -> Ties:
        """A tie table with no ties."""
        return cls(np.full((capacity, max_degree), -1, np.int32),
                   np.zeros((capacity, -(-max_degree // KINDS_PER_BYTE)), np.uint8),
                   np.zeros(capacity, np.int32))

    def grow(self, new_capacity: int) -> Ties:
        """A copy with more rows."""
        bigger = Ties.empty(new_capacity, self.partner.shape[1])
        for old, new in zip(self, bigger, strict=True):
            new[: old.shape[0]] = old
        return bigger

    def nbytes(self) -> int:
        """Memory held by the tie table."""
        return sum(arr.nbytes for arr in self)

    def kinds(self, rows=slice(None)) -> np.ndarray:
        """The tie kind of every slot of ``rows`` (default all), unpacked: int8 [.., max_degree]."""
        s = np.arange(self.partner.shape[1])
        packed = self.kind[rows][..., s >> 2]
        return ((packed >> ((s & 3) << 1).astype(np.uint8)) & 3).astype(np.int8)

    def edge_list(self) -> np.ndarray:
        """Each undirected tie once, as rows (i, j, kind) with i < j (for export and tests)."""
        rows, cols = np.nonzero(np.arange(self.partner.shape[1]) < self.degree[:, None])
        partners = self.partner[rows, cols]
        keep = rows < partners
        return np.column_stack([rows[keep], partners[keep], self.kinds()[rows, cols][keep]])


# Places where young people spend time (a Mesa agent view exists for each).
Places = namedtuple("Places", [
    "kind",             # int32, index into the scenario's place types
    "neighbourhood",    # int32
    "attractiveness",   # float64
    "guardianship",     # float64, g_p
    "heat",             # float64, near-repeat heat: recent incidents here, decaying
    "users",            # float64, young people who use the place (rebuilt with the pools)
    "rel_opportunity",  # float64, intervention modifier on (1 - g_p), reset each step
])

# County lines / exploiter groups (a Mesa agent view exists for each).
Lines = namedtuple("Lines", [
    "active",               # uint8
    "territory",            # int32 [n_lines, territory_size], neighbourhood indices
    "n_exploited",          # int32, currently exploited
    "recruited_this_year",  # int32
    "reopen_step",          # int32, step at which a closed line is replaced
    "rel_disruption",       # float64, intervention modifier, reset each step
])

# Residents' worry about knife crime, one row per neighbourhood (ODD: fear).
Worry = namedtuple("Worry", [
    "perceived",   # float64, what residents remember of ordinary incidents (weighted, per
                   # 1,000 residents a year; decays with fear.half_life_weeks)
    "salience",    # float64, what they remember of homicides and high-profile events
    "worried",     # float64, share of residents worried about knife crime this step
    "rel_worry",   # float64, intervention modifier on the odds of worry, reset each step
    "residents",   # float64, residents of the neighbourhood (the area's, by share)
])

# Households: family functioning and domestic abuse are shared by siblings.
Households = namedtuple("Households", ["neighbourhood", "low_family_functioning",
                                       "domestic_abuse"])

# Candidate pools keyed by (group, age index): CSR pointers and member slots, for schools and
# neighbourhoods (tie formation) and for usual places (victims "at the same place"; one
# range per place).
Pools = namedtuple("Pools", ["school_ptr", "school_members", "nbhd_ptr", "nbhd_members",
                             "place_ptr", "place_members"])

# name: (dtype, meaning) of each column of a step's incidents.
INCIDENT_FIELDS = {
    "perpetrator": (np.int32, "slot of the perpetrator"),
    "victim": (np.int32, "slot of the victim, -1 outside the simulated population"),
    "place": (np.int32, "place, -1 private or elsewhere"),
    "neighbourhood": (np.int32, "neighbourhood of the place, or the perpetrator's home"),
    "weapon": (np.uint8, "a weapon was used"),
    "serious": (np.uint8, "serious injury"),
    "robbery": (np.uint8, "a robbery"),
    "recorded": (np.uint8, "recorded by police"),
    "victim_under25": (np.uint8, "the victim is under 25"),
    "first_time": (np.uint8, "the perpetrator's first offence"),
    "reoffence": (np.uint8, "the perpetrator already had a police record"),
    "exposed": (np.uint8, "the perpetrator was recently exposed to violence"),
    "exposure_share": (np.float32, "share of the hazard due to exposure"),
    # Who, as at the time of the offence (a slot can be reused later in the same step when a
    # cohort enters, so permanent ids and attributes are captured here).
    "perpetrator_id": (np.int64, "permanent id of the perpetrator"),
    "victim_id": (np.int64, "permanent id of the victim, -1 outside the population"),
    "perpetrator_age": (np.int16, "perpetrator's age in completed years"),
    "perpetrator_level": (np.int8, "perpetrator's involvement level"),
    "perpetrator_exploited": (np.uint8, "the perpetrator was exploited"),
}


class Incidents(namedtuple("Incidents", list(INCIDENT_FIELDS))):
    """Incidents, one row each: a buffer the offending kernel fills, or this step's rows."""

    __slots__ = ()

    @classmethod
    def empty(cls, capacity: int) -> Incidents:
        """A buffer for up to ``capacity`` incidents."""
        return cls(*(np.zeros(capacity, dtype) for dtype, _ in INCIDENT_FIELDS.values()))

    def first(self, n: int) -> Incidents:
        """The first ``n`` rows (views, not copies)."""
        return Incidents(*(arr[:n] for arr in self))

    @property
    def capacity(self) -> int:
        """Rows the buffer holds."""
        return self.perpetrator.shape[0]


def people_view(name: str, fields: tuple[str, ...], module: str) -> type:
    """A named tuple of some of the people arrays: the state one process's kernels use.

    A kernel call pays for each array it is given (numba checks and unpacks every one, about
    0.25 µs an array), so a process hands its kernels only the arrays it declares here rather
    than all of :class:`People` (measured: 3% of a step at 100,000 young people).
    """
    unknown = [f for f in fields if f not in People._fields]
    if unknown:
        raise ValueError(f"{name}: {unknown} are not people arrays ({', '.join(People._fields)})")
    return namedtuple(name, fields, module=module)


def fill_growing(buffer, fill, make):
    """Run ``fill(buffer)`` until the buffer is big enough; returns (buffer, count).

    ``fill`` returns the rows it wrote, or -1 when they did not fit; it must be pure (a
    counter-based kernel), so retrying with ``make(2 × capacity)`` gives the same rows.
    """
    while True:
        count = fill(buffer)
        if count >= 0:
            return buffer, count
        buffer = make(2 * buffer.capacity)


@kernel(inline=True)
def age_index(age_days):
    """Completed years of age minus 10, within 0..N_AGES-1 (ages 10..24)."""
    return min(max(int(age_days / DAYS_PER_YEAR) - AGE_MIN, 0), N_AGES - 1)


def age_indices(age_days: np.ndarray) -> np.ndarray:
    """:func:`age_index` of many people at once."""
    return np.clip((age_days / DAYS_PER_YEAR).astype(np.int64) - AGE_MIN, 0, N_AGES - 1)
