"""Mesa agent views onto the model's arrays: young people, county lines and places.

The arrays are the state; these objects only read them (STYLE example 4), so there is nothing to
keep in sync. Lines and places are registered Mesa agents (there are few); young-person views
are made on demand for inspection and are not registered, so ``model.agents`` stays small.
"""

from vsim.agents.exploiter import CountyLine
from vsim.agents.place import Place
from vsim.agents.young_person import YoungPerson

__all__ = ["CountyLine", "Place", "YoungPerson"]
