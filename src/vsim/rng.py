"""Counter-based random streams: every draw is a pure function of (seed, stream, step, person, k).

Why counter-based: a draw depends on nothing that happened before it, so switching a process or
an intervention on cannot shift anyone else's random numbers (common random numbers for free),
and results cannot depend on thread count or on the order in which people are visited.
The mixer is the splitmix64 finaliser (Steele, Lea & Flood 2014, "Fast splittable pseudorandom
number generators").
"""

from __future__ import annotations

import hashlib

import numpy as np

from vsim.compiled import kernel

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MUL_PERSON = np.uint64(0xD1B54A32D192ED03)
# Sub-draws step through the second mix by a Weyl increment of their own, as ids do: with k
# added as it is (increment 1) the finaliser's input over k = 0, 1, 2, ... is a plain counter,
# and PractRand failed that sequence at 2^35 bytes (Gap-16; experiments/generator_battery.py).
# The constant is xxHash64's PRIME64_2 (odd).
_MUL_SUBDRAW = np.uint64(0xC2B2AE3D27D4EB4F)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_TWO_M53 = 1.0 / 9007199254740992.0  # 2**-53

MASK64 = (1 << 64) - 1


def stream_key(seed: int, name: str) -> np.uint64:
    """Key of the named stream for this seed, from sha256 (never Python's salted ``hash()``)."""
    digest = hashlib.sha256(f"vsim:{int(seed)}:{name}".encode()).digest()
    return np.uint64(int.from_bytes(digest[:8], "little"))


@kernel(inline=True)
def _mix(z):
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@kernel(inline=True)
def draw(key, step, pid, k):
    """Uniform in [0, 1) for stream ``key`` at ``step`` for person ``pid``, sub-draw ``k``."""
    x = _mix(key ^ (np.uint64(step) * _GOLDEN))
    x = _mix(x ^ (np.uint64(pid) * _MUL_PERSON + np.uint64(k) * _MUL_SUBDRAW))
    return np.float64(x >> _S11) * _TWO_M53


@kernel
def draws(key, step, pids, k):
    """Vector of :func:`draw` over person ids (used at creation and in tests)."""
    out = np.empty(pids.shape[0], np.float64)
    for n in range(pids.shape[0]):
        out[n] = draw(key, step, pids[n], k)
    return out


def draw_reference(key: int, step: int, pid: int, k: int) -> float:
    """Plain-Python twin of :func:`draw`, for the kernel-versus-reference tests."""

    def mix(z: int) -> int:
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    x = mix((int(key) ^ ((step & MASK64) * 0x9E3779B97F4A7C15 & MASK64)) & MASK64)
    x = mix(x ^ (((pid & MASK64) * 0xD1B54A32D192ED03 + (k & MASK64) * 0xC2B2AE3D27D4EB4F)
                 & MASK64))
    return (x >> 11) * 2.0**-53


class Streams:
    """The named random streams of one run, all derived from the scenario seed.

    ``streams["offend"]`` is the uint64 key a kernel passes to :func:`draw`. Names are declared
    once here so a typo fails loudly instead of silently creating a fresh stream.
    """

    NAMES = (
        "create_age", "create_sex", "create_neighbourhood", "create_household", "create_risk",
        "create_protective", "create_network", "create_gang", "create_place", "create_state",
        "create_exploiter", "create_household_size", "create_school", "create_place_site",
        "create_gang_member", "entry", "desist", "entrench", "offend", "victim", "weapon",
        "injury", "robbery", "report", "carry", "recruit", "exploit_exit", "disrupt", "replace",
        "detect", "custody", "rewire", "form_ties", "school", "cohort", "gang_topup", "homicide",
        # Stream names reserved for interventions so they never collide with processes.
        "intervention",
    )

    def __init__(self, seed: int):
        self.seed = int(seed)
        self._keys = {name: stream_key(self.seed, name) for name in self.NAMES}

    def __getitem__(self, name: str) -> np.uint64:
        try:
            return self._keys[name]
        except KeyError:
            raise KeyError(f"unknown random stream {name!r}; declared streams: "
                           f"{self.NAMES}") from None

    def keys(self, keys_type):
        """The keys of the streams ``keys_type`` names, as that named tuple.

        A process's streams are passed to its kernels whole.
        """
        return keys_type(*(self[name] for name in keys_type._fields))

    def named(self, name: str) -> np.uint64:
        """Key for a stream named at run time (an intervention's own), still seed-derived."""
        return stream_key(self.seed, name)
