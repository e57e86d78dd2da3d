"""Kernels against their plain-Python references, and the random streams."""

from __future__ import annotations

import platform
import subprocess
import sys

import numpy as np
import pytest
from helpers import quick
from scipy import stats

from vsim.model import ViolenceModel
from vsim.population import pick_in_group
from vsim.rng import Streams, _mix, draw, draw_reference, draws, stream_key


def test_draw_matches_reference_exactly():
    key = stream_key(3, "offend")
    for step in (0, 1, 77, 10_000):
        for pid in (0, 1, 2, 12345, 2**40):
            for k in (0, 1, 9):
                assert draw(key, step, pid, k) == draw_reference(int(key), step, pid, k)


def test_the_mixer_is_splitmix64_and_draw_keeps_its_recorded_values():
    """Recorded values, not run against run: a changed constant in draw *and* its twin fails.

    The mixer's outputs at 1, 2 and 3 times the golden gamma are the first three numbers of
    the published splitmix64 generator seeded with 0 (Steele, Lea & Flood 2014; Vigna's
    reference splitmix64.c). The draws were recorded from the generator as it is defined; a
    deliberate change of generator re-records them (and the golden digests, tests/golden.json):
    the values with k ≠ 0 were re-recorded when sub-draws got a Weyl multiplier (December 2026).
    """
    gamma = 0x9E3779B97F4A7C15
    published = [0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F]
    assert [int(_mix(np.uint64(n * gamma % 2**64))) for n in (1, 2, 3)] == published
    assert int(stream_key(1, "entry")) == 0xEC169C8D7978AEDF
    key = stream_key(1, "entry")
    recorded = {(0, 0, 0): 0.017488717061513115, (5, 123, 0): 0.6598169699711819,
                (5, 123, 1): 0.03560576827620465}
    for (step, pid, k), value in recorded.items():
        assert draw(key, step, pid, k) == value
        assert draw_reference(int(key), step, pid, k) == value
    assert draw(np.uint64(2**64 - 1), 2**31, 10**9, 3) == 0.7302258062309946
    assert draw(np.uint64(0), 0, 0, 0) == 0.0  # mix(0) = 0: the fixed point of the finaliser


def test_draws_are_uniform_and_streams_independent():
    pids = np.arange(200_000, dtype=np.int64)
    a = draws(stream_key(1, "offend"), 5, pids, 0)
    b = draws(stream_key(1, "victim"), 5, pids, 0)
    assert 0.0 <= a.min() and a.max() < 1.0
    # Kolmogorov–Smirnov against U(0,1): p-values are uniform under the null; 1e-4 is a
    # false-alarm rate of 1 in 10,000 runs for a fixed seed (so, deterministic here).
    assert stats.kstest(a, "uniform").pvalue > 1e-4
    # Neighbouring ids, steps and streams are uncorrelated: |r| ≲ 4/sqrt(n) ≈ 0.009.
    assert abs(np.corrcoef(a, b)[0, 1]) < 0.009
    assert abs(np.corrcoef(a[:-1], a[1:])[0, 1]) < 0.009
    c = draws(stream_key(1, "offend"), 6, pids, 0)
    assert abs(np.corrcoef(a, c)[0, 1]) < 0.009


def test_stream_keys_are_stable_across_processes():
    """sha256-derived, never Python's salted hash(): the same key in a fresh interpreter."""
    code = "from vsim.rng import stream_key; print(int(stream_key(42, 'offend')))"
    fresh = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, env={"PYTHONHASHSEED": "123", "PATH": ""})
    assert int(fresh.stdout) == int(stream_key(42, "offend"))
    with pytest.raises(KeyError, match="unknown random stream"):
        Streams(1)["ofend"]


def test_dissolve_ties_removes_each_friendship_with_probability_p():
    from test_invariants import check_ties

    from vsim.networks import dissolve_ties
    from vsim.vocabulary import TIE_FAMILY, TIE_GANG, TIE_NEIGHBOURHOOD, TIE_SCHOOL

    model = ViolenceModel(quick(**{"population.n_young_people": 20_000, "time.burn_in_weeks": 0}))
    before = model.ties.edge_list()
    friendship = np.isin(before[:, 2], [TIE_SCHOOL, TIE_NEIGHBOURHOOD])
    p = 0.2
    removed = dissolve_ties(model.ties, model.people.alive, model.people.pid, p,
                            model.streams["rewire"], 1)
    after = model.ties.edge_list()
    m = int(friendship.sum())
    assert removed == len(before) - len(after)
    # Binomial(m, p): SD = sqrt(m p (1 − p)) ≈ 0.4% of m here; allow four SDs.
    assert abs(removed - p * m) < 4 * np.sqrt(m * p * (1 - p)), (removed, p * m)
    # Family and gang ties never dissolve.
    for k in (TIE_FAMILY, TIE_GANG):
        assert (after[:, 2] == k).sum() == (before[:, 2] == k).sum()
    check_ties(model)


def test_friendship_updates_settle_to_the_same_network_whatever_their_cadence():
    """Weekly and monthly friendship updates settle to the same network.

    A monthly update makes a month's repair attempts at once, so the network settles where
    weekly updates take it. (With a single week's attempts per monthly update the mean degree
    fell from 8.20 to 7.66 here, and borough incidents by 13%.)
    """

    def settled_mean_degree(every: int, seed: int) -> float:
        model = ViolenceModel(quick(**{"networks.rewire_every_weeks": every}), seed=seed,
                              tables=False)
        values = []
        for t in range(104):
            model.step()
            if t >= 52 and t % 4 == 3:
                values.append(model.ties.degree[model.people.alive == 1].mean())
        return float(np.mean(values))

    weekly = np.mean([settled_mean_degree(1, seed) for seed in range(1, 5)])
    monthly = np.mean([settled_mean_degree(4, seed) for seed in range(1, 5)])
    # Seed-to-seed SD of a settled mean degree is ~0.02, so the SE of the difference of two
    # 4-seed means is ~0.014; the two schedules also differ by a small discretisation (0.05
    # measured). 0.15 allows both and is a quarter of the 0.54 the bug produced.
    assert abs(monthly - weekly) < 0.15, (weekly, monthly)


def test_pools_list_the_living_by_group_and_age_in_slot_order():
    """build_pool against its definition: a stable sort of the living by (group, age index)."""
    from vsim.networks import build_pool
    from vsim.state import age_indices
    from vsim.vocabulary import N_AGES

    rng = np.random.default_rng(7)
    n_groups, n = 12, 5_000
    group = rng.integers(-1, n_groups, n).astype(np.int32)
    age_days = rng.integers(9 * 365, 26 * 365, n).astype(np.int32)  # includes clipped ages
    alive = (rng.random(n) < 0.8).astype(np.uint8)
    ptr, members = build_pool(group, age_days, alive, n_groups)
    living = np.nonzero((alive == 1) & (group >= 0))[0]
    keys = group[living].astype(np.int64) * N_AGES + age_indices(age_days[living])
    assert members.dtype == np.int32
    assert np.array_equal(members, living[np.argsort(keys, kind="stable")])
    assert np.array_equal(np.diff(ptr), np.bincount(keys, minlength=n_groups * N_AGES))
    assert ptr[0] == 0 and ptr[-1] == living.size


def test_tie_kinds_packed_four_to_a_byte_read_back_what_was_written():
    """Random writes into a 7-slot table (not a multiple of 4) against a plain int8 copy.

    Each write must leave the three other kinds sharing its byte alone; ``kind_at`` (kernels)
    and ``Ties.kinds`` (Python) must read back the copy everywhere.
    """
    from vsim.networks import kind_at, set_kind_at
    from vsim.state import Ties

    rng = np.random.default_rng(3)
    ties, plain = Ties.empty(50, 7), np.zeros((50, 7), np.int8)
    assert ties.kind.shape == (50, 2) and ties.kind.dtype == np.uint8
    for i, s, k in zip(rng.integers(0, 50, 2_000), rng.integers(0, 7, 2_000),
                       rng.integers(0, 4, 2_000), strict=True):
        set_kind_at(ties.kind, i, s, k)
        plain[i, s] = k
    assert np.array_equal(ties.kinds(), plain)
    assert np.array_equal(ties.kinds(11), plain[11])
    assert all(kind_at(ties.kind, i, s) == plain[i, s] for i in range(50) for s in range(7))
    assert len(set(plain.ravel().tolist())) == 4  # every kind was written somewhere


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's malloc_trim and "
                    "its adaptive mmap threshold")
def test_the_build_hands_freed_scratch_back_to_the_system():
    """give_back_freed_memory returns freed heap arrays that glibc would keep resident.

    In a fresh process: one 8 MB array freed raises glibc's mmap threshold, so 40 arrays of
    2 MB then come from the heap and stay resident when freed; the call must give back most
    of those 80 MB (the last one, still held, keeps the heap's top in place).
    """
    code = """
import os
import numpy as np
from vsim.builder import give_back_freed_memory
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
big = np.ones(2**20); del big
arrays = [np.ones(2**18) for _ in range(40)]
keep = arrays[-1]
del arrays
before = rss(); give_back_freed_memory(); print((before - rss()) / 2**20)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert float(out.stdout.strip()) > 60.0  # of 78 MB freed


def test_people_filled_in_chunks_are_the_people_filled_at_once(monkeypatch):
    """Chunks of 700 (several, the last one short) give every person array of one chunk."""
    from helpers import quick

    from vsim import population
    from vsim.model import ViolenceModel

    whole = ViolenceModel(quick(), seed=3).people
    assert (whole.alive == 1).sum() > 3 * 700
    monkeypatch.setattr(population, "ASSIGN_CHUNK", 700)
    chunked = ViolenceModel(quick(), seed=3).people
    for name, a, b in zip(whole._fields, whole, chunked, strict=True):
        assert np.array_equal(a, b), name


def test_picking_in_a_group_evenly_is_the_weighted_pick_with_equal_weights():
    """The counting-sort pick (households, schools) picks what the cumulative-weight pick does.

    Groups with no items, ids outside the groups, draws at 0 and just below 1, and items not
    sorted by group: every pick equal, each a member of its wanted group, -1 where there is none.
    """
    rng = np.random.default_rng(11)
    item_group = rng.integers(0, 40, 5_000).astype(np.int32)
    item_group[item_group == 7] = 8  # group 7 has no items
    wanted = np.concatenate([rng.integers(0, 41, 20_000), [7, 45, 0, 39]]).astype(np.int32)
    u = np.concatenate([rng.random(20_000), [0.5, 0.5, 0.0, np.nextafter(1.0, 0.0)]])
    even = pick_in_group(item_group, wanted, u, None)
    weighted = pick_in_group(item_group, wanted, u, np.ones(item_group.size))
    np.testing.assert_array_equal(even, weighted)
    found = even >= 0
    assert (item_group[even[found]] == wanted[found]).all()
    assert not found[np.isin(wanted, [7, 40, 45])].any()
    assert found[~np.isin(wanted, [7, 40, 45])].all()
    # u spread evenly over a group reaches all of its members, in equal shares.
    members = np.flatnonzero(item_group == 3)
    picks = pick_in_group(item_group, np.full(members.size * 10, 3), (np.arange(
        members.size * 10) + 0.5) / (members.size * 10), None)
    np.testing.assert_array_equal(np.bincount(picks, minlength=item_group.size)[members], 10)


def test_person_ids_are_int32_and_a_cohort_past_the_limit_is_refused():
    """Ids are int32 in the state (4 B a slot), int64 in results, and never wrap round."""
    from vsim.processes.life_course import MAX_PID, LifeCourse
    from vsim.results import _people_frame

    model = ViolenceModel(quick(), seed=2)
    assert model.people.pid.dtype == np.int32
    assert _people_frame(model)["person_id"].dtype == np.int64
    life = next(p for p in model.processes if isinstance(p, LifeCourse))
    model.next_pid = MAX_PID - 5
    with pytest.raises(OverflowError, match="int32"):
        life.enter_cohort()
    assert model.next_pid == MAX_PID - 5  # nothing half-done: no ids were handed out
