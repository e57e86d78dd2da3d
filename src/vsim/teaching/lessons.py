"""The teaching lessons: a scenario each, and the panel the page shows beside it.

The panels are read from ``vsim/teaching/lessons.toml`` (the scenarios are in
``scenarios/teaching/``) and checked: every lesson's scenario must be a shipped one, so a
broken lesson fails when the page loads, not in class.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from vsim.loading import shipped_scenarios

LESSONS_FILE = Path(__file__).resolve().parent / "lessons.toml"


class Choice(BaseModel):
    """An extra picker a lesson adds to the page: a scenario field and its allowed values."""

    model_config = ConfigDict(extra="forbid")
    field: str = Field(..., description="Page setting name, e.g. interventions__0__targeting.")
    label: str
    values: list[str] = Field(..., min_length=2)


class Lesson(BaseModel):
    """One lesson: its scenario, title, and what to try, notice and answer."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    scenario: str = Field(..., description="Shipped scenario name, e.g. teaching/threshold.")
    title: str
    try_: str = Field(..., alias="try")
    notice: str
    question: str
    controls: list[str] = Field(default_factory=list, description="Settings to show first.")
    choices: list[Choice] = Field(default_factory=list)


@cache
def lessons() -> tuple[Lesson, ...]:
    """Every lesson, in teaching order (checked against the shipped scenarios)."""
    data = tomllib.loads(LESSONS_FILE.read_text(encoding="utf-8"))
    found = tuple(Lesson.model_validate(row) for row in data.get("lesson", []))
    names = set(shipped_scenarios())
    for lesson in found:
        if lesson.scenario not in names:
            raise ValueError(f"{LESSONS_FILE}: lesson {lesson.title!r}: scenario "
                             f"{lesson.scenario!r} is not a shipped scenario")
    return found


def lesson_for(scenario_name: str) -> Lesson | None:
    """The lesson whose scenario is ``scenario_name`` (a shipped name), if any."""
    return next((lesson for lesson in lessons() if lesson.scenario == scenario_name), None)
