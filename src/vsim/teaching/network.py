"""The peer network of one neighbourhood, as the page draws it: who, where, and their ties.

A large area is too many people to draw, so the page follows at most ``max_people`` young
people around one neighbourhood (the one with the most involved at the start): a snowball
along friendships from its members, the involved first. The sample keeps its members while they
stay; people who leave at 25 drop out and friends of the sample (then the neighbourhood's other
members) fill their places. Positions are a force-directed layout (networkx) that is nudged a
few iterations each redraw, so the picture follows rewiring without jumping.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np

from vsim.interventions.base import ENROLLED
from vsim.vocabulary import INVOLVED

_HASH = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: a fixed order of permanent ids


@dataclass
class NetworkPicture:
    """What to draw: positions, each person's state, and the ties among them."""

    xy: np.ndarray          # [n, 2] positions
    level: np.ndarray       # involvement level (vsim.vocabulary)
    exploited: np.ndarray   # bool
    in_custody: np.ndarray  # bool
    participant: np.ndarray  # bool: enrolled in an intervention now
    edges: np.ndarray       # [m, 2] rows of positions in xy
    neighbourhood: str


class NetworkSample:
    """A stable sample of one neighbourhood's young people and their layout."""

    def __init__(self, model, max_people: int = 300, seed: int = 0):
        people = model.people
        alive = people.alive == 1
        involved = np.bincount(people.neighbourhood[alive & (people.level >= INVOLVED)],
                               minlength=model.world.nbhd_share.shape[0])
        self.nbhd = int(np.argmax(involved))
        self.name = str(model.world.nbhd_names[self.nbhd])
        self.max_people = max_people
        self.pids = np.zeros(0, np.int64)
        self.positions: dict[int, np.ndarray] = {}
        self.rng = np.random.default_rng(seed)  # layout only: never touches the model

    def _members(self, model) -> np.ndarray:
        """Slots of the sample now: stayers, then friends of the sample, then the neighbourhood.

        A snowball from the neighbourhood (involved first, then in a fixed order of ids) along
        friendships, so the picture shows ties rather than isolated dots.
        """
        p, ties = model.people, model.ties
        alive = p.alive == 1
        here = np.nonzero(alive & (p.neighbourhood == self.nbhd))[0]
        order = np.lexsort((p.pid[here].astype(np.uint64) * _HASH, p.level[here] < INVOLVED))
        members = np.nonzero(alive & np.isin(p.pid, self.pids))[0]
        chosen = np.zeros(p.capacity, bool)
        chosen[members] = True
        frontier = list(members)
        seeds = iter(here[order])
        count = members.size
        while count < self.max_people:
            if not frontier:  # start a new snowball at the next neighbourhood member
                nxt = next((s for s in seeds if not chosen[s]), None)
                if nxt is None:
                    break
                chosen[nxt] = True
                count += 1
                frontier.append(nxt)
                continue
            s = frontier.pop(0)
            for j in ties.partner[s, :ties.degree[s]]:
                if count < self.max_people and not chosen[j] and alive[j]:
                    chosen[j] = True
                    count += 1
                    frontier.append(j)
        slots = np.nonzero(chosen)[0]
        self.pids = p.pid[slots]
        return slots

    def picture(self, model, iterations: int = 2) -> NetworkPicture:
        """The sample as it stands, with its layout updated."""
        slots = self._members(model)
        p, ties = model.people, model.ties
        where = np.full(p.capacity, -1, np.int64)  # slot -> row in the sample
        where[slots] = np.arange(slots.size)
        rows, cols = np.nonzero(np.arange(ties.partner.shape[1]) < ties.degree[slots][:, None])
        other = where[ties.partner[slots][rows, cols]]
        keep = other > rows  # ties inside the sample, each once
        edge_array = np.column_stack([rows[keep], other[keep]]).astype(np.int64)
        xy = self._layout(slots, edge_array, iterations)
        enrolled = np.zeros(p.capacity, bool)
        for iv in model.interventions:
            live = (iv.status == ENROLLED) & (iv.slots >= 0)
            enrolled[iv.slots[live]] = True
        return NetworkPicture(xy=xy, level=p.level[slots].copy(),
                              exploited=p.exploited_by[slots] >= 0,
                              in_custody=p.custody_until[slots] > model.t,
                              participant=enrolled[slots], edges=edge_array,
                              neighbourhood=self.name)

    def _layout(self, slots: np.ndarray, edges: np.ndarray, iterations: int) -> np.ndarray:
        """Force-directed positions, starting from the last ones (newcomers by their friends)."""
        pids = [int(x) for x in self.pids]
        graph = nx.Graph()
        graph.add_nodes_from(range(len(pids)))
        graph.add_edges_from(edges.tolist())
        start = {}
        for k, pid in enumerate(pids):
            if pid in self.positions:
                start[k] = self.positions[pid]
        first = not start
        for k, pid in enumerate(pids):
            if k not in start:
                known = [start[j] for j in graph.neighbors(k) if j in start]
                centre = np.mean(known, axis=0) if known else self.rng.uniform(-1, 1, 2)
                start[k] = centre + self.rng.normal(0, 0.05, 2)
        if len(pids) == 0:
            return np.zeros((0, 2))
        pos = nx.spring_layout(graph, pos=start, iterations=50 if first else iterations,
                               seed=int(self.rng.integers(2**31)), k=2.5 / np.sqrt(len(pids)))
        xy = np.array([pos[k] for k in range(len(pids))])
        self.positions = {pid: xy[k] for k, pid in enumerate(pids)}
        return xy
