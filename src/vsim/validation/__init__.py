"""Turning pydantic validation errors into readable messages, one per problem.

:mod:`vsim.validation.locations` resolves a location to its field and says what the field
accepts; :mod:`vsim.validation.messages` writes the message of each error and the keys it
involves, which :mod:`vsim.loading` leaves out to look for further problems.
"""

from __future__ import annotations

from vsim.validation.messages import Problem, describe_validation_error, problems_of

__all__ = ["Problem", "describe_validation_error", "problems_of"]
