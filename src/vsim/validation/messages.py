"""Messages for pydantic validation errors: one per problem, with path, value and what is allowed.

Pydantic reports a location (with the tags it adds inside tagged unions), an error type and
its own wording. Each message here names the field as written in the file
(``interventions[0].staff``), the value given as the user typed it, and what the field
accepts, in words drawn from the schema (``a probability in [0, 1]``). Cross-field checks'
messages are rewritten to start with the field they are about, and the keys a problem
involves are returned so that :mod:`vsim.loading` can leave them out and look for more.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import math
import re
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from vsim.validation.locations import (
    describe_expected,
    display_loc,
    field_at,
    model_at,
    show_number,
    union_members,
)


def loc_path(loc: tuple) -> str:
    """A location as a path: ``("interventions", 0, "staff")`` -> ``interventions[0].staff``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(file)"


def show_value(value: Any) -> str:
    """A value as the user would have typed it in TOML."""
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, (list, tuple)):
        if value and all(isinstance(v, dict) for v in value):
            return "an array of tables"
        text = "[" + ", ".join(show_value(v) for v in value) + "]"
    else:
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


_MISSING = object()


def _value_at(data: Any, loc: tuple) -> Any:
    """The value at ``loc`` in the input ``data`` (``_MISSING`` if there is none)."""
    for part in loc:
        if isinstance(part, int) and isinstance(data, list) and 0 <= part < len(data):
            data = data[part]
        elif isinstance(part, str) and isinstance(data, dict) and part in data:
            data = data[part]
        else:
            return _MISSING
    return data


_SEGMENT = r"[A-Za-z_][A-Za-z0-9_]*(?:\[\d+\])*"
_NAME = re.compile(rf"{_SEGMENT}(?:\.{_SEGMENT})*")


def _name_parts(name: str) -> tuple:
    """``interventions[5].place_kinds`` -> ``("interventions", 5, "place_kinds")``."""
    parts: list = []
    for segment in name.split("."):
        head = re.match(r"[A-Za-z_][A-Za-z0-9_]*", segment).group(0)
        parts.append(head)
        parts += [int(i) for i in re.findall(r"\[(\d+)\]", segment[len(head):])]
    return tuple(parts)


def _mentions(root: type[BaseModel], loc: tuple, msg: str) -> list[tuple[re.Match, tuple]]:
    """Field names in a validator's message, resolved to full locations.

    A name is looked up relative to the table that raised (``end`` in ``time``), then from the
    top (``exploiters.min_age``, ``interventions[5].place_kinds``), then as a plural
    (``neighbourhood`` -> ``neighbourhoods``).
    """
    found = []
    for match in _NAME.finditer(msg):
        parts = _name_parts(match.group(0))
        cands = [loc + parts, parts]
        if isinstance(parts[-1], str):
            cands.append(loc + parts[:-1] + (parts[-1] + "s",))
        for cand in cands:
            if field_at(root, cand) is not None:
                found.append((match, cand))
                break
    return found


def _describe_value_error(root: type[BaseModel], loc: tuple, msg: str,
                          data: Any) -> tuple[tuple, str, list[tuple]]:
    """Rewrite a cross-field check's message so it starts with the field path and its value.

    ``end (2019-01-01) must be after start (2020-01-06)`` raised in ``time`` becomes
    ``time.end: 2019-01-01 must be after time.start (2020-01-06)``. Returns the location the
    message is about, the message and every field it mentions.
    """
    msg = msg.rstrip(".")
    mentions = _mentions(root, loc, msg)
    pieces = []
    pos = 0
    for match, full in mentions:
        if full[-1] != _name_parts(match.group(0))[-1]:
            continue  # a plural match: the text stays as written
        shown = display_loc(root, full)
        text = loc_path(shown)
        value = _value_at(data, shown)
        # the value is added unless the message gives it (``x (3)``, ``x = 3``, ``x: 3``) or it
        # is a whole table or array of tables
        given = msg[match.end():].startswith((" (", " =", ":"))
        table = isinstance(value, dict) or (isinstance(value, list) and value
                                            and all(isinstance(v, dict) for v in value))
        if not given and not table and value is not _MISSING:
            text += f" ({show_value(value)})"
        pieces.append(msg[pos:match.start()] + text)
        pos = match.end()
    pieces.append(msg[pos:])
    text = "".join(pieces)
    fields = [display_loc(root, full) for _, full in mentions]
    loc = display_loc(root, loc)
    if not fields:
        return loc, f"{loc_path(loc) if loc else '(scenario)'}: {text}.", fields
    head = loc_path(fields[0])
    if text.startswith(f"{head}: "):
        return fields[0], f"{text}.", fields  # already reads "path: value ..."
    lead = re.match(re.escape(head) + r" \((.*?)\) (.*)", text)
    if lead:
        return fields[0], f"{head}: {lead.group(1)} {lead.group(2)}.", fields
    return fields[0], f"{head}: {text}.", fields


_TYPE_ERRORS = ("_type", "_parsing", "model_attributes_type", "dataclass_type")
_TAG_ERRORS = ("union_tag_invalid", "union_tag_not_found")
_RANGE_ERRORS = {"greater_than_equal": "≥ {ge}", "greater_than": "> {gt}",
                 "less_than_equal": "≤ {le}", "less_than": "< {lt}"}


class Problem(typing.NamedTuple):
    """One problem of a file: where, the message, and the keys it involves."""

    loc: tuple          # where the problem is (orders messages as in the file)
    text: str           # the message
    drop: tuple         # the keys to leave out to look for further problems
    mentions: tuple     # every field the message is about


class _Error(typing.NamedTuple):
    """One pydantic error, with its location as in the file and what the field accepts."""

    full: tuple         # pydantic's location (with union tags): lookups
    loc: tuple          # as in the file: messages
    path: str           # ``loc`` written out
    kind: str           # pydantic's error type
    value: Any          # the input at the location
    ctx: dict           # pydantic's error context
    field: tuple[Any, list] | None  # (type, constraints) of the field, if found
    expected: str       # what the field accepts, in words ("" if not known)
    msg: str            # pydantic's message


def _read_error(e: dict, root: type[BaseModel]) -> _Error:
    """An entry of ``ValidationError.errors()`` with the field it is about looked up."""
    full = tuple(e["loc"])
    loc = display_loc(root, full)
    path = loc_path(loc)
    field = field_at(root, full)
    expected = describe_expected(field[0], field[1], path) if field else ""
    return _Error(full, loc, path, e["type"], e.get("input"), e.get("ctx") or {}, field,
                  expected, e["msg"])


def _default_drop(loc: tuple, kind: str) -> tuple:
    """The keys to leave out to look for further problems after one at ``loc``.

    Inside an array, leave out the key of the one table ([[interventions]]) if there is one,
    else the whole array: removing one element would renumber the others.
    """
    first_int = next((k for k, part in enumerate(loc) if isinstance(part, int)), None)
    in_table = (first_int is not None and isinstance(loc[-1], str)
                and kind not in ("missing", *_TAG_ERRORS))
    return (loc if first_int is None or in_table else loc[:first_int],)


def _tag_problem(e: _Error) -> Problem:
    """A ``[[interventions]]`` table whose ``type`` is missing or names no family."""
    union = union_members(*e.field) if e.field else None
    key = union[0] if union else str(e.ctx.get("discriminator", "type")).strip("'")
    valid = list(union[1]) if union else []
    loc = e.loc + (key,)
    path = loc_path(loc)
    given = e.value.get(key, _MISSING) if isinstance(e.value, dict) else _MISSING
    if e.kind == "union_tag_not_found" or given is _MISSING:
        text = f"{path}: required but missing; it must be one of {', '.join(valid)}."
    else:
        near = difflib.get_close_matches(str(given), valid, n=1, cutoff=0.6)
        hint = f" Did you mean '{near[0]}'?" if near else ""
        text = (f"{path}: {show_value(given)} is not a known {key}.{hint} Valid {key}s: "
                f"{', '.join(valid)}.")
    return Problem(loc, text, _default_drop(e.loc, e.kind), (loc,))


def _is_length_error(e: _Error) -> bool:
    """A tuple of the wrong length (pydantic reports a missing element for one too short)."""
    return e.kind in ("too_short", "too_long") or (
        e.kind == "missing" and bool(e.loc) and isinstance(e.loc[-1], int))


def _length_problem(e: _Error, root: type[BaseModel], data: Any,
                    grouped: set[tuple]) -> Problem | None:
    """One message for a tuple of the wrong length, not one per element (None if given)."""
    loc = e.loc[:-1] if e.kind == "missing" else e.loc
    full = e.full[:-1] if e.kind == "missing" else e.full
    if loc in grouped:
        return None
    grouped.add(loc)
    path = loc_path(loc)
    field = field_at(root, full)
    expected = describe_expected(field[0], field[1], path) if field else "more values"
    given = _value_at(data, loc) if data is not None else e.value
    shown = show_value(given) if given is not _MISSING else "the list given"
    count = f" ({len(given)} values)" if isinstance(given, (list, tuple)) else ""
    text = f"{path}: {shown}{count} is not allowed; it must be {expected}."
    return Problem(loc, text, (loc,), (loc,))


def _local_input(loc: tuple, value: Any) -> dict:
    """The failing table's input placed at its location, for want of the whole input."""
    source = node = {}
    for part in loc:
        node = node.setdefault(part, {}) if isinstance(part, str) else node
    if isinstance(value, dict):
        node.update(value)
    return source


def _cross_field_problem(e: _Error, root: type[BaseModel], data: Any) -> Problem:
    """A table's cross-field check, rewritten to start with the field it is about."""
    source = data if data is not None else _local_input(e.loc, e.value)
    loc, text, fields = _describe_value_error(root, e.full, str(e.ctx["error"]), source)
    mentions = tuple(fields) or (loc,)
    return Problem(loc, text, mentions, mentions)


def _is_type_error(kind: str) -> bool:
    """A value of the wrong type (or one that cannot be parsed as the field's type)."""
    if kind in ("string_too_short", "string_too_long", "string_pattern_mismatch"):
        return False
    return kind.endswith(_TYPE_ERRORS) or kind.startswith(
        ("int_", "float_", "bool_", "date_", "string_", "tuple_"))


def _unknown_key_message(e: _Error, root: type[BaseModel]) -> str:
    """A key the table does not have, with the closest valid key and the valid keys."""
    parent = model_at(root, e.full[:-1])
    valid = sorted(parent.model_fields) if parent else []
    near = difflib.get_close_matches(str(e.loc[-1]), valid, n=1, cutoff=0.6)
    hint = f" Did you mean '{near[0]}'?" if near else ""
    return f"{e.path}: unknown key.{hint} Valid keys here: {', '.join(valid)}."


def _field_message(e: _Error, root: type[BaseModel]) -> str:
    """The message for a problem with one field's own value."""
    path, shown, expected = e.path, show_value(e.value), e.expected
    if e.kind == "extra_forbidden":
        return _unknown_key_message(e, root)
    if e.kind == "finite_number":
        allowed = expected or "a finite number"
        if "finite" not in allowed:
            allowed += " (nan and inf are not allowed)"
        return f"{path}: {shown} is not allowed; it must be {allowed}."
    if e.kind in _RANGE_ERRORS:
        if isinstance(e.value, dt.date):  # a date outside the calendar vsim simulates
            side = "on or after" if e.kind.startswith("greater") else "on or before"
            bound = next(iter(e.ctx.values()))  # pydantic gives it as ISO text
            return f"{path}: {shown} is out of range; it must be a date {side} {bound}."
        if not expected:
            expected = _RANGE_ERRORS[e.kind].format(**{k: show_number(v) for k, v in e.ctx.items()})
        return f"{path}: {shown} is out of range; it must be {expected}."
    if e.kind == "missing":
        return f"{path}: required but missing{f'; it must be {expected}' if expected else ''}."
    if e.kind == "string_pattern_mismatch" and e.loc == ("name",):
        return (f"{path}: {shown} is not allowed; it names the results folder, so it may not "
                f"contain / or \\ or start with a dot.")
    if expected and _is_type_error(e.kind):
        extra = " (no fractional part)" if e.kind == "int_from_float" else ""
        return f"{path}: {shown} is not allowed; it must be {expected}{extra}."
    return f"{path}: {shown} is not allowed; {e.msg[0].lower()}{e.msg[1:]}."


def _problem(e: _Error, root: type[BaseModel], data: Any,
             grouped: set[tuple]) -> Problem | None:
    """The :class:`Problem` of one pydantic error (None if another error already covers it)."""
    if e.kind in _TAG_ERRORS:
        return _tag_problem(e)
    if _is_length_error(e):
        return _length_problem(e, root, data, grouped)
    if e.kind == "value_error" and "error" in e.ctx:
        return _cross_field_problem(e, root, data)
    return Problem(e.loc, _field_message(e, root), _default_drop(e.loc, e.kind), (e.loc,))


def problems_of(err: ValidationError, root: type[BaseModel], data: Any) -> list[Problem]:
    """One :class:`Problem` per pydantic error (one per field for a tuple of wrong length).

    ``data`` is the validated input, or None if it is not at hand.
    """
    problems = []
    grouped: set[tuple] = set()
    for e in err.errors(include_url=False):
        problem = _problem(_read_error(e, root), root, data, grouped)
        if problem is not None:
            problems.append(problem)
    return problems


def describe_validation_error(err: ValidationError, root: type[BaseModel],
                              data: Any = None) -> list[str]:
    """One human message per pydantic error, naming field path, value and what is allowed.

    ``data`` is the validated input; it lets cross-field messages show the values involved.
    """
    return [p.text for p in problems_of(err, root, data)]
