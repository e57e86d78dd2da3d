"""Domestic abuse support in a model: only young people whose household has domestic abuse.

The schema and sources are :mod:`vsim.interventions.domestic_abuse`.
"""

from __future__ import annotations

from vsim.delivery.base import Intervention


class DomesticAbuseSupport(Intervention):
    """Takes only young people whose household has domestic abuse."""

    def eligible(self, model):
        """The base eligibility, among young people living with domestic abuse."""
        return super().eligible(model) & (model.people.domestic_abuse == 1)
