"""A Mesa agent view of one young person, reading the model's arrays by slot."""

from __future__ import annotations

import mesa

from vsim.state import PERSON_FIELDS
from vsim.vocabulary import DAYS_PER_YEAR, LEVEL_NAMES, MODIFIERS, TIE_NAMES


class YoungPerson(mesa.Agent):
    """Read-only view of the young person in ``slot``; ``unique_id`` is their permanent id.

    Not registered with the model (there may be a million young people): build views with
    ``model.young_person(slot)`` or ``model.young_people(slots)`` when you want to look.
    """

    def __init__(self, model, slot: int):  # noqa: D107 - deliberately skips registration
        self.model = model
        self.slot = int(slot)
        self.unique_id = int(model.people.pid[slot])
        self.pos = None

    def _get(self, name: str):
        return getattr(self.model.people, name)[self.slot]

    @property
    def alive(self) -> bool:
        """Still in the simulated population (under 25)."""
        return bool(self._get("alive"))

    @property
    def age(self) -> float:
        """Age in years."""
        return float(self._get("age_days")) / DAYS_PER_YEAR

    @property
    def involvement(self) -> str:
        """none, at_risk, involved or entrenched."""
        return LEVEL_NAMES[int(self._get("level"))]

    @property
    def neighbourhood(self) -> str:
        """Name of the home neighbourhood."""
        return self.model.world.nbhd_names[int(self._get("neighbourhood"))]

    @property
    def exploited(self) -> bool:
        """Currently exploited by a county line."""
        return int(self._get("exploited_by")) >= 0

    @property
    def in_custody(self) -> bool:
        """In custody in the current step."""
        return int(self._get("custody_until")) > self.model.t

    @property
    def friends(self) -> list[tuple[int, str]]:
        """(person id, tie kind) of each tie."""
        ties = self.model.ties
        d = int(ties.degree[self.slot])
        pid = self.model.people.pid
        kinds = ties.kinds(self.slot)
        return [(int(pid[ties.partner[self.slot, s]]), TIE_NAMES[int(kinds[s])]) for s in range(d)]

    def __getattr__(self, name: str):
        model = self.__dict__.get("model")
        if model is not None and name in PERSON_FIELDS:
            return getattr(model.people, name)[self.slot].item()
        if model is not None and name in MODIFIERS:
            return model.people.modifiers[list(MODIFIERS).index(name), self.slot].item()
        raise AttributeError(name)

    def as_dict(self) -> dict:
        """Every state value for this person, modifiers included."""
        return {name: getattr(self, name) for name in (*PERSON_FIELDS, *MODIFIERS)}

    def __repr__(self) -> str:
        return (f"YoungPerson(id={self.unique_id}, age={self.age:.1f}, "
                f"involvement={self.involvement}, neighbourhood={self.neighbourhood!r})")
