"""The Mesa agent base of vsim's registered agents (county lines, places)."""

from __future__ import annotations

import itertools
import weakref

import mesa


class _IdCountersByModel(weakref.WeakKeyDictionary):
    """One unique-id counter per model, holding the model weakly.

    Mesa 3.3 keeps these counters in a class-level ``defaultdict`` keyed by the model itself,
    so no model is ever freed (mesa issue #3179, fixed upstream in mesa PR #3180): a sweep's
    worker grew by ~2 MB a tenth-size run until loky recycled it. Held weakly, a finished model
    is freed as soon as nothing else refers to it.
    """

    def __getitem__(self, model):
        try:
            return super().__getitem__(model)
        except KeyError:
            counter = itertools.count(1)
            self[model] = counter
            return counter


class ModelAgent(mesa.Agent):
    """A registered Mesa agent whose id counter does not keep its model alive."""

    _ids = _IdCountersByModel()
