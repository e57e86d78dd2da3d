"""Hot state of a run: flat arrays indexed by slot, so numba kernels can sweep them.

A *slot* is a row in the arrays; a *person id* (``pid``) is a young person's permanent number.
Slots are reused when someone leaves at 25 and a new cohort enters, but ids never are, and
random draws are keyed by id (see :mod:`vsim.rng`), so reuse does not couple anyone's luck.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

# Involvement levels: the Somerset "spectrum" from least to most entrenched (seed, DESIGN §3).
NONE, AT_RISK, INVOLVED, ENTRENCHED = 0, 1, 2, 3
LEVEL_NAMES = ("none", "at_risk", "involved", "entrenched")

# Tie kinds in the tie table.
TIE_SCHOOL, TIE_NEIGHBOURHOOD, TIE_FAMILY, TIE_GANG = 0, 1, 2, 3
TIE_NAMES = ("school", "neighbourhood", "family", "gang")

DAYS_PER_YEAR = 365.25
AGE_MIN, AGE_EXIT = 10, 25


@dataclass
class People:
    """Per-person arrays (length = capacity). Protective and risk flags are 0/1 uint8."""

    alive: np.ndarray          # uint8
    pid: np.ndarray            # int64, permanent id; -1 for an empty slot
    age_days: np.ndarray       # int32
    male: np.ndarray           # uint8
    neighbourhood: np.ndarray  # int32
    household: np.ndarray      # int32
    school: np.ndarray         # int32, -1 when not in school
    place: np.ndarray          # int32, usual public place
    ace: np.ndarray            # int8, adverse childhood experiences (0..9)
    low_family: np.ndarray     # uint8
    excluded: np.ndarray       # uint8, exclusion or persistent absence
    mental_health: np.ndarray  # uint8
    substance: np.ndarray      # uint8
    domestic_abuse: np.ndarray  # uint8
    missing: np.ndarray        # uint8, missing episodes
    trusted_adult: np.ndarray  # uint8
    positive_activities: np.ndarray  # uint8
    engaged_ete: np.ndarray    # uint8, in education, employment or training
    risk_score: np.ndarray     # float32, β·x: log-hazard from risk and protective factors
    risk_rr: np.ndarray        # float32, exp(β·x): the rate ratio, kept to spare kernels an exp
    vulnerability: np.ndarray  # float32, v_i: exploitation vulnerability
    at_risk_flag: np.ndarray   # uint8, level to return to on desistance
    level: np.ndarray          # int8, involvement level
    victimisation: np.ndarray  # float32, V_i: decaying recent victimisation
    exposure: np.ndarray       # float32, E_i this step
    weapon: np.ndarray         # uint8, carrying a weapon
    exploited_by: np.ndarray   # int32, line index or -1
    custody_until: np.ndarray  # int32, step of release (in custody while step < this)
    known_until: np.ndarray    # int32, known to police while step < this
    record: np.ndarray         # int16, detected offences
    n_offences: np.ndarray     # int32, offences committed
    last_offence: np.ndarray   # int32, step of last offence, very negative if never
    gang: np.ndarray           # int32, gang index or -1
    target_degree: np.ndarray  # int16, friendships the person seeks
    # Intervention modifiers, reset to 1 each step and multiplied in (STYLE example 6).
    rel_perpetration: np.ndarray  # float32
    rel_exposure: np.ndarray      # float32
    rel_entry: np.ndarray         # float32
    rel_desistance: np.ndarray    # float32
    rel_recruitment: np.ndarray   # float32
    rel_exploit_exit: np.ndarray  # float32

    MODIFIERS = ("rel_perpetration", "rel_exposure", "rel_entry", "rel_desistance",
                 "rel_recruitment", "rel_exploit_exit")

    @classmethod
    def empty(cls, capacity: int) -> People:
        """Arrays for ``capacity`` slots, all empty."""
        spec = _PEOPLE_DTYPES
        arrays = {name: np.zeros(capacity, dtype) for name, dtype in spec.items()}
        arrays["pid"][:] = -1
        arrays["school"][:] = -1
        arrays["place"][:] = -1
        arrays["exploited_by"][:] = -1
        arrays["gang"][:] = -1
        arrays["last_offence"][:] = -(10**6)
        for name in cls.MODIFIERS:
            arrays[name][:] = 1.0
        return cls(**arrays)

    @property
    def capacity(self) -> int:
        """Number of slots."""
        return self.alive.shape[0]

    def grow(self, new_capacity: int) -> People:
        """A copy with more slots (used when a cohort outgrows the free slots)."""
        bigger = People.empty(new_capacity)
        for f in fields(self):
            getattr(bigger, f.name)[: self.capacity] = getattr(self, f.name)
        return bigger

    def reorder(self, order: np.ndarray) -> None:
        """Move the people in slots ``order`` to slots 0..len(order)-1 (before any tie exists)."""
        n = order.shape[0]
        for f in fields(self):
            arr = getattr(self, f.name)
            arr[:n] = arr[order]

    def reset_modifiers(self) -> None:
        """Set every intervention modifier back to 1 (start of each step)."""
        for name in self.MODIFIERS:
            getattr(self, name).fill(1.0)

    def nbytes(self) -> int:
        """Memory held by the arrays."""
        return sum(getattr(self, f.name).nbytes for f in fields(self))


_PEOPLE_DTYPES = {
    "alive": np.uint8, "pid": np.int64, "age_days": np.int32, "male": np.uint8,
    "neighbourhood": np.int32, "household": np.int32, "school": np.int32, "place": np.int32,
    "ace": np.int8, "low_family": np.uint8, "excluded": np.uint8, "mental_health": np.uint8,
    "substance": np.uint8, "domestic_abuse": np.uint8, "missing": np.uint8,
    "trusted_adult": np.uint8, "positive_activities": np.uint8, "engaged_ete": np.uint8,
    "risk_score": np.float32, "risk_rr": np.float32, "vulnerability": np.float32, "at_risk_flag": np.uint8,
    "level": np.int8, "victimisation": np.float32, "exposure": np.float32, "weapon": np.uint8,
    "exploited_by": np.int32, "custody_until": np.int32, "known_until": np.int32,
    "record": np.int16, "n_offences": np.int32, "last_offence": np.int32, "gang": np.int32,
    "target_degree": np.int16,
    "rel_perpetration": np.float32, "rel_exposure": np.float32, "rel_entry": np.float32,
    "rel_desistance": np.float32, "rel_recruitment": np.float32, "rel_exploit_exit": np.float32,
}


@dataclass
class Ties:
    """Undirected peer ties as a padded CSR: row ``i`` holds ``degree[i]`` partners.

    Each row has a fixed number of slots (``networks.max_degree``), so ties can be added and
    removed in place every week without rebuilding the structure.
    """

    partner: np.ndarray  # int32 [capacity, max_degree], slot index of the partner
    kind: np.ndarray     # int8  [capacity, max_degree], TIE_* constant
    degree: np.ndarray   # int32 [capacity]

    @classmethod
    def empty(cls, capacity: int, max_degree: int) -> Ties:
        """A tie table with no ties."""
        return cls(np.full((capacity, max_degree), -1, np.int32),
                   np.zeros((capacity, max_degree), np.int8),
                   np.zeros(capacity, np.int32))

    def grow(self, new_capacity: int) -> Ties:
        """A copy with more rows."""
        bigger = Ties.empty(new_capacity, self.partner.shape[1])
        n = self.degree.shape[0]
        bigger.partner[:n] = self.partner
        bigger.kind[:n] = self.kind
        bigger.degree[:n] = self.degree
        return bigger

    def nbytes(self) -> int:
        """Memory held by the tie table."""
        return self.partner.nbytes + self.kind.nbytes + self.degree.nbytes

    def edge_list(self, alive: np.ndarray | None = None) -> np.ndarray:
        """Each undirected tie once, as rows (i, j, kind) with i < j (for export and tests)."""
        rows, cols = np.nonzero(np.arange(self.partner.shape[1]) < self.degree[:, None])
        partners = self.partner[rows, cols]
        keep = rows < partners
        return np.column_stack([rows[keep], partners[keep], self.kind[rows, cols][keep]])


@dataclass
class Places:
    """Places where young people spend time (a Mesa agent view exists for each)."""

    kind: np.ndarray           # int32 index into the scenario's place types
    neighbourhood: np.ndarray  # int32
    attractiveness: np.ndarray  # float64
    guardianship: np.ndarray   # float64, g_p
    heat: np.ndarray           # float64, near-repeat heat: recent incidents here, decaying
    users: np.ndarray          # float64, young people who use the place (rebuilt yearly)
    rel_opportunity: np.ndarray  # float64, intervention modifier on (1 - g_p), reset each step


@dataclass
class Lines:
    """County lines / exploiter groups (a Mesa agent view exists for each)."""

    active: np.ndarray         # uint8
    territory: np.ndarray      # int32 [n_lines, territory_size], neighbourhood indices
    n_exploited: np.ndarray    # int32, currently exploited
    recruited_this_year: np.ndarray  # int32
    reopen_step: np.ndarray    # int32, step at which a closed line is replaced
    rel_disruption: np.ndarray  # float64, intervention modifier, reset each step


@dataclass
class Households:
    """Households: family functioning and domestic abuse are shared by siblings."""

    neighbourhood: np.ndarray  # int32
    low_family: np.ndarray     # uint8
    domestic_abuse: np.ndarray  # uint8
