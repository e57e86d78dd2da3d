"""Gangs keep their stated tie density when they recruit (ODD: life-course)."""

from __future__ import annotations

import numpy as np
from helpers import quick

from vsim.model import ViolenceModel
from vsim.vocabulary import TIE_GANG


def gang_pairs(model) -> set[tuple[int, int]]:
    """(smaller pid, larger pid) of every gang tie."""
    partner, kind, degree = model.ties.partner, model.ties.kinds(), model.ties.degree
    pid, pairs = model.people.pid, set()
    for i in np.nonzero(degree)[0]:
        for s in range(degree[i]):
            if kind[i, s] == TIE_GANG:
                a, b = int(pid[i]), int(pid[partner[i, s]])
                pairs.add((min(a, b), max(a, b)))
    return pairs


def test_a_top_up_ties_new_members_only_and_keeps_the_density():
    """Founding pairs keep their creation draw; a recruit's pairs are tied at the density.

    Gang ties never dissolve while both are alive, so pairs of founders still in the gang
    after two Septembers' top-ups are tied exactly as at creation (a top-up drawing them
    again would tie 1 − 0.6² = 64% of them). Pairs with a recruit are tied at the density,
    within 4 binomial standard errors.
    """
    sc = quick(**{"networks.n_gangs": 6, "networks.gang_size": 20, "networks.max_degree": 60,
                  "population.n_young_people": 6000, "area.residents": 29268})
    model = ViolenceModel(sc)
    p = model.people
    founders = {int(q) for q in p.pid[p.gang >= 0]}
    gang_of = {int(q): int(g) for q, g in zip(p.pid, p.gang) if g >= 0}
    at_start = gang_pairs(model)
    for _ in range(110):
        model.step()
    p = model.people
    now = {int(q): int(g) for q, g in zip(p.pid[p.alive == 1], p.gang[p.alive == 1]) if g >= 0}
    recruits = set(now) - founders
    assert len(recruits) >= 10, "too few recruits: the test checks little"
    pairs = gang_pairs(model)
    stayed = sorted(q for q in now if q in founders)
    founding_pairs = [(a, b) for k, a in enumerate(stayed) for b in stayed[k + 1:]
                      if now[a] == now[b] == gang_of[a] == gang_of[b]]
    assert founding_pairs
    assert {fp for fp in founding_pairs if fp in pairs} == {
        fp for fp in founding_pairs if fp in at_start}
    members = sorted(now)
    new_pairs = [(min(a, b), max(a, b)) for k, a in enumerate(members) for b in members[k + 1:]
                 if now[a] == now[b] and (a in recruits or b in recruits)]
    assert len(new_pairs) >= 100
    share = np.mean([fp in pairs for fp in new_pairs])
    se = np.sqrt(0.4 * 0.6 / len(new_pairs))
    assert abs(share - 0.4) < 4 * se, (share, len(new_pairs))
