"""The incident log, held compactly through a run: one packed chunk per step with incidents.

A chunk keeps the columns of the incidents table (:mod:`vsim.results`) in the narrowest
integer type that holds that step's values, the nine 0/1 flags as bits of one uint16, and the
step once rather than on every row: about 19 bytes an incident where a copy of the buffer's
rows took 56, which at 1,000,000 young people over 520 weekly steps was 38 bytes a young
person (experiments/benchmark_core.py). :func:`unpack` gives back the buffer's own types
(:data:`vsim.state.INCIDENT_FIELDS`), so the tables are the same to the bit.
"""

from __future__ import annotations

import numpy as np

from vsim.state import INCIDENT_FIELDS

# The incidents table's 0/1 columns, bit k of ``flags`` for the k-th.
FLAGS = ("weapon", "serious", "robbery", "recorded", "victim_under25", "first_time",
         "reoffence", "exposed", "perpetrator_exploited")
# Its other columns from the buffer (the perpetrator's and victim's slots are not among them:
# a slot is reused, the permanent ids are what the table shows).
VALUES = ("perpetrator_id", "victim_id", "place", "neighbourhood", "exposure_share",
          "perpetrator_age", "perpetrator_level")
COLUMNS = ("step", *VALUES, *FLAGS)
_SIGNED = (np.int8, np.int16, np.int32, np.int64)
assert len(FLAGS) <= 16, "the flags are packed into a uint16"


def narrowest(values: np.ndarray) -> np.ndarray:
    """A copy of integer ``values`` in the smallest signed type that holds them all."""
    if values.dtype.kind not in "iu" or values.size == 0:
        return values.copy()
    lo, hi = int(values.min()), int(values.max())
    for dtype in _SIGNED:
        if np.iinfo(dtype).min <= lo and hi <= np.iinfo(dtype).max:
            return values.astype(dtype)
    return values.copy()  # beyond int64: only uint64 holds it


def pack(incidents, step: int) -> dict[str, np.ndarray]:
    """One step's incidents (a :class:`vsim.state.Incidents`) as a packed chunk."""
    chunk = {name: narrowest(getattr(incidents, name)) for name in VALUES}
    flags = np.zeros(incidents.perpetrator.shape[0], np.uint16)
    for bit, name in enumerate(FLAGS):
        flags |= getattr(incidents, name).astype(np.uint16) << np.uint16(bit)
    chunk["flags"] = flags
    chunk["step"] = np.array(step, np.int32)
    return chunk


def unpack(chunks: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Every chunk's rows in order, as :data:`COLUMNS` with the buffer's types (step int32)."""
    if not chunks:
        return {"step": np.zeros(0, np.int32),
                **{name: np.zeros(0, INCIDENT_FIELDS[name][0]) for name in (*VALUES, *FLAGS)}}
    counts = [chunk["flags"].shape[0] for chunk in chunks]
    out = {"step": np.repeat(np.array([chunk["step"] for chunk in chunks], np.int32), counts)}
    for name in VALUES:
        dtype = INCIDENT_FIELDS[name][0]
        out[name] = np.concatenate([chunk[name] for chunk in chunks]).astype(dtype)
    flags = np.concatenate([chunk["flags"] for chunk in chunks])
    for bit, name in enumerate(FLAGS):
        out[name] = ((flags >> np.uint16(bit)) & 1).astype(INCIDENT_FIELDS[name][0])
    return out
