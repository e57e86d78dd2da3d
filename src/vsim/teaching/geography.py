"""Shapes of a scenario's neighbourhoods for the page's map, drawn without map tiles (offline).

When every neighbourhood is named by a 2011 LSOA code that vsim ships a boundary for (West
Yorkshire's 1,388 LSOAs, ``vsim/areas/``), the map uses those real boundaries; otherwise the
neighbourhoods are drawn as a schematic grid of squares (and the page says so).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

BOUNDARIES = Path(__file__).resolve().parent.parent / "areas" / (
    "lsoa_boundaries_2011_bsc_west_yorkshire.geojson")


@dataclass
class NeighbourhoodShapes:
    """One polygon (outer ring, x-y) per neighbourhood, and whether they are real boundaries."""

    polygons: list[np.ndarray]
    real: bool
    note: str


@cache
def _lsoa_rings() -> dict[str, list[np.ndarray]]:
    """Outer rings of every shipped LSOA boundary, in longitude-latitude."""
    data = json.loads(BOUNDARIES.read_text(encoding="utf-8"))
    rings = {}
    for feature in data["features"]:
        geometry = feature["geometry"]
        parts = (geometry["coordinates"] if geometry["type"] == "MultiPolygon"
                 else [geometry["coordinates"]])
        rings[feature["properties"]["lsoa11cd"]] = [np.asarray(p[0], float) for p in parts]
    return rings


def neighbourhood_shapes(names: list[str]) -> NeighbourhoodShapes:
    """Real LSOA boundaries when every name has one, else a schematic grid."""
    rings = _lsoa_rings()
    if names and all(name in rings for name in names):
        polygons = [max(rings[name], key=len) for name in names]
        # longitude shrinks with latitude: scale it so the map is not stretched
        lat = np.mean([poly[:, 1].mean() for poly in polygons])
        polygons = [poly * [math.cos(math.radians(lat)), 1.0] for poly in polygons]
        return NeighbourhoodShapes(polygons, True,
                                   "2011 LSOA boundaries (ONS, Open Government Licence v3.0)")
    columns = max(1, math.ceil(math.sqrt(len(names))))
    polygons = []
    for k in range(len(names)):
        x, y = k % columns, -(k // columns)
        polygons.append(np.array([[x, y], [x + 0.95, y], [x + 0.95, y + 0.95], [x, y + 0.95]]))
    return NeighbourhoodShapes(polygons, False,
                               "schematic: neighbourhoods as squares, not placed as on a map")
