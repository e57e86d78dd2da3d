"""A place where young people spend time, as a Mesa agent viewing the place arrays."""

from __future__ import annotations

from vsim.agents.base import ModelAgent


class Place(ModelAgent):
    """A school gate, park, town centre, transport hub or ASB hotspot."""

    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = int(index)

    @property
    def kind(self) -> str:
        """Place type name from the scenario."""
        return self.model.world.place_types[int(self.model.world.places.kind[self.index])]

    @property
    def neighbourhood(self) -> str:
        """Neighbourhood it is in."""
        places = self.model.world.places
        return self.model.world.nbhd_names[int(places.neighbourhood[self.index])]

    @property
    def guardianship(self) -> float:
        """g_p: incidents here happen with probability × (1 − g_p)."""
        return float(self.model.world.places.guardianship[self.index])

    @property
    def heat(self) -> float:
        """Near-repeat heat: recent incidents here, decaying."""
        return float(self.model.world.places.heat[self.index])

    def __repr__(self) -> str:
        return f"Place({self.index}, {self.kind!r}, {self.neighbourhood!r}, heat={self.heat:.2f})"
