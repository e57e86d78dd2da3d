"""Locations in the scenario schema: the field a location names and what it accepts, in words.

A location is pydantic's (inside a tagged union such as ``[[interventions]]`` it holds the
tag, ``("interventions", 0, "mentoring", "staff")``) or the file's (without the tag). Both
resolve here to the field's type and constraints, from which :func:`describe_expected` says
what the field accepts (``a probability in [0, 1]``).
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from typing import Any

from pydantic import BaseModel


def model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The pydantic model class found by walking ``loc`` from ``model`` (None if not a model).

    ``loc`` is pydantic's: inside a tagged union (``[[interventions]]``) it holds the tag,
    e.g. ``("interventions", 0, "mentoring")`` is the MentoringSpec table.
    """
    found = field_at(model, loc)
    if found is None:
        return None
    ann = found[0]
    return ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None


def _is_model(ann: Any) -> bool:
    return isinstance(ann, type) and issubclass(ann, BaseModel)


def union_members(ann: Any, meta: list) -> tuple[str, dict[str, type[BaseModel]]] | None:
    """``(tag key, {tag: table class})`` of a tagged union of tables, else None.

    ``[[interventions]]`` tables are a union tagged by ``type``: the tag picks the family.
    """
    if typing.get_origin(ann) not in (typing.Union, types.UnionType):
        return None
    members = typing.get_args(ann)
    if not members or not all(_is_model(m) for m in members):
        return None
    key = next((m.discriminator for m in meta
                if isinstance(getattr(m, "discriminator", None), str)), "type")
    tags = {}
    for member in members:
        field = member.model_fields.get(key)
        tag = field.default if field is not None else member.__name__
        tags[str(tag)] = member
    return key, tags


def _step(ann: Any, meta: list, part: Any) -> tuple[Any, list, bool] | None:
    """One step of a location from annotation ``ann``: ``(annotation, constraints, is_tag)``.

    ``is_tag`` marks the segment pydantic adds for the member of a tagged union (the
    ``mentoring`` of ``interventions.0.mentoring.staff``), which is not in the file. Inside a
    union, a field name without a tag resolves in the first member that has it.
    """
    union = union_members(ann, meta)
    if union is not None:
        members = union[1]
        if isinstance(part, str) and part in members:
            return members[part], [], True
        if not isinstance(part, str):
            return None
        ann = next((m for m in members.values() if part in m.model_fields), None)
        if ann is None:
            return None
    if isinstance(part, int):
        if typing.get_origin(ann) is not tuple:
            return None
        args = typing.get_args(ann)
        if len(args) == 2 and args[1] is Ellipsis:
            elem = args[0]
        elif 0 <= part < len(args):
            elem = args[part]
        else:
            return None
        ann, meta = _split_annotated(elem)
        return ann, meta, False
    if not _is_model(ann):
        return None
    field = ann.model_fields.get(part)
    if field is None:
        return None
    ann, extra = _split_annotated(field.annotation)
    return ann, list(field.metadata) + extra, False


def display_loc(root: type[BaseModel], loc: tuple) -> tuple:
    """``loc`` as written in the file: without the tags pydantic adds inside tagged unions."""
    out = []
    ann: Any = root
    meta: list = []
    for k, part in enumerate(loc):
        found = _step(ann, meta, part)
        if found is None:
            return tuple(out) + tuple(loc[k:])
        ann, meta, is_tag = found
        if not is_tag:
            out.append(part)
    return tuple(out)


def _split_annotated(annotation: Any) -> tuple[Any, list]:
    """``(base type, constraint objects)`` of a possibly Annotated / Optional annotation."""
    metadata: list = []
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            base, *extra = typing.get_args(annotation)
            for item in extra:
                metadata.extend(getattr(item, "metadata", None) or [item])
            annotation = base
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation, metadata
            annotation = args[0]
        else:
            return annotation, metadata


def field_at(root: type[BaseModel], loc: tuple) -> tuple[Any, list] | None:
    """``(type, constraints)`` of the field or tuple element at ``loc`` (None if not found).

    ``loc`` may hold the tag of a tagged union (pydantic's locations do) or not (the file's).
    """
    ann: Any = root
    meta: list = []
    for part in loc:
        found = _step(ann, meta, part)
        if found is None:
            return None
        ann, meta, _ = found
    return ann, meta


def show_number(value: Any) -> str:
    """A bound as the user would write it: ``1`` for 1.0, ``0.5`` for 0.5."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _range(meta: list) -> str:
    """The allowed range from pydantic/annotated-types constraints, e.g. 'in [0, 1]'."""
    lo = hi = None
    for m in meta:
        if getattr(m, "ge", None) is not None:
            lo = ("[", m.ge)
        if getattr(m, "gt", None) is not None:
            lo = ("(", m.gt)
        if getattr(m, "le", None) is not None:
            hi = ("]", m.le)
        if getattr(m, "lt", None) is not None:
            hi = (")", m.lt)
    if lo and hi:
        return f"in {lo[0]}{show_number(lo[1])}, {show_number(hi[1])}{hi[0]}"
    if lo:
        return f"{'≥' if lo[0] == '[' else '>'} {show_number(lo[1])}"
    if hi:
        return f"{'≤' if hi[0] == ']' else '<'} {show_number(hi[1])}"
    return ""


def describe_expected(ann: Any, meta: list, path: str) -> str:
    """What a field accepts, in words: 'a probability in [0, 1]', 'a table ([time])', ..."""
    rng = _range(meta)
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return f"a table ([{path}])"
    union = union_members(ann, meta)
    if union is not None:
        return f"a table with a {union[0]} ({', '.join(union[1])})"
    if typing.get_origin(ann) is tuple:
        args = typing.get_args(ann)
        variable = len(args) == 2 and args[1] is Ellipsis
        elem, elem_meta = _split_annotated(args[0]) if args else (Any, [])
        if _is_model(elem) or union_members(elem, elem_meta) is not None:
            return f"an array of tables ([[{path}]])"
        count = "" if variable else f"{len(args)} "
        inner = describe_expected(elem, elem_meta, path)
        inner = inner.replace("a number", "numbers").replace("a probability", "probabilities")
        inner = inner.replace("a whole number", "whole numbers")
        return f"a list of {count}{inner}"
    if ann is bool:
        return "true or false"
    if ann is int:
        return "a whole number" + (f" {rng}" if rng else "")
    if ann is float:
        lo = [getattr(m, "ge", None) for m in meta if getattr(m, "ge", None) is not None]
        hi = [getattr(m, "le", None) for m in meta if getattr(m, "le", None) is not None]
        if lo == [0.0] and hi == [1.0]:
            return "a probability in [0, 1]"
        return "a finite number" + (f" {rng}" if rng else "")
    if ann is dt.date:
        return "a date such as 2019-01-07"
    if ann is str:
        return "text in quotes"
    return "a valid value"
