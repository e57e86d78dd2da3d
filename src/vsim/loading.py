"""Reading scenario files: TOML in, a validated :class:`Scenario` or one clear error per problem out."""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import hashlib
import json
import math
import os
import re
import tomllib
import types
import typing
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import BaseModel, ValidationError

from vsim.scenario import Scenario

# Bytes of state one young person needs, besides the tie table (measured from the arrays in
# vsim.state; experiments/benchmark_core.py reports the real peak per person).
BYTES_PER_PERSON_STATE = 120
BYTES_PER_TIE_SLOT = 5  # int32 partner + int8 tie kind
# Room kept for the rest of the process and the machine.
MEMORY_HEADROOM = 0.7


class ScenarioError(Exception):
    """A scenario (or experiment) file has problems; ``problems`` lists one message each."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(f"{source}: {len(problems)} {noun}:\n{lines}")


def _model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The pydantic model class found by walking ``loc`` from ``model`` (None if not a model).

    ``loc`` is pydantic's: inside a tagged union (``[[interventions]]``) it holds the tag,
    e.g. ``("interventions", 0, "mentoring")`` is the MentoringSpec table.
    """
    found = _field_at(model, loc)
    if found is None:
        return None
    ann = found[0]
    return ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None


def _is_model(ann: Any) -> bool:
    return isinstance(ann, type) and issubclass(ann, BaseModel)


def _union_members(ann: Any, meta: list) -> tuple[str, dict[str, type[BaseModel]]] | None:
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
    union = _union_members(ann, meta)
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


def _display_loc(root: type[BaseModel], loc: tuple) -> tuple:
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


def _field_at(root: type[BaseModel], loc: tuple) -> tuple[Any, list] | None:
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


def _num(value: Any) -> str:
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
        return f"in {lo[0]}{_num(lo[1])}, {_num(hi[1])}{hi[0]}"
    if lo:
        return f"{'≥' if lo[0] == '[' else '>'} {_num(lo[1])}"
    if hi:
        return f"{'≤' if hi[0] == ']' else '<'} {_num(hi[1])}"
    return ""


def _expected(ann: Any, meta: list, path: str) -> str:
    """What a field accepts, in words: 'a probability in [0, 1]', 'a table ([time])', ..."""
    rng = _range(meta)
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return f"a table ([{path}])"
    union = _union_members(ann, meta)
    if union is not None:
        return f"a table with a {union[0]} ({', '.join(union[1])})"
    if typing.get_origin(ann) is tuple:
        args = typing.get_args(ann)
        variable = len(args) == 2 and args[1] is Ellipsis
        elem, elem_meta = _split_annotated(args[0]) if args else (Any, [])
        if _is_model(elem) or _union_members(elem, elem_meta) is not None:
            return f"an array of tables ([[{path}]])"
        count = "" if variable else f"{len(args)} "
        inner = _expected(elem, elem_meta, path)
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


def _path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(file)"


def _show(value: Any) -> str:
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
        text = "[" + ", ".join(_show(v) for v in value) + "]"
    else:
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


_MISSING = object()


def _value_at(data: Any, loc: tuple) -> Any:
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
            if _field_at(root, cand) is not None:
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
        shown = _display_loc(root, full)
        text = _path(shown)
        value = _value_at(data, shown)
        # the value is added unless the message gives it (``x (3)``, ``x = 3``, ``x: 3``) or it
        # is a whole table or array of tables
        given = msg[match.end():].startswith((" (", " =", ":"))
        table = isinstance(value, dict) or (isinstance(value, list) and value
                                            and all(isinstance(v, dict) for v in value))
        if not given and not table and value is not _MISSING:
            text += f" ({_show(value)})"
        pieces.append(msg[pos:match.start()] + text)
        pos = match.end()
    pieces.append(msg[pos:])
    text = "".join(pieces)
    fields = [_display_loc(root, full) for _, full in mentions]
    loc = _display_loc(root, loc)
    if not fields:
        return loc, f"{_path(loc) if loc else '(scenario)'}: {text}.", fields
    head = _path(fields[0])
    if text.startswith(f"{head}: "):
        return fields[0], f"{text}.", fields  # already reads "path: value ..."
    lead = re.match(re.escape(head) + r" \((.*?)\) (.*)", text)
    if lead:
        return fields[0], f"{head}: {lead.group(1)} {lead.group(2)}.", fields
    return fields[0], f"{head}: {text}.", fields


_TYPE_ERRORS = ("_type", "_parsing", "model_attributes_type", "dataclass_type")


class _Problem(typing.NamedTuple):
    loc: tuple          # where the problem is (orders messages as in the file)
    text: str           # the message
    drop: tuple         # the keys to leave out to look for further problems
    mentions: tuple     # every field the message is about


def _problems(err: ValidationError, root: type[BaseModel], data: Any) -> list[_Problem]:
    """One :class:`_Problem` per pydantic error (one per field for a tuple of wrong length)."""
    problems = []
    grouped: set[tuple] = set()
    for e in err.errors(include_url=False):
        full = tuple(e["loc"])            # pydantic's location (with union tags): lookups
        loc = _display_loc(root, full)    # as in the file: messages
        path = _path(loc)
        kind = e["type"]
        value = e.get("input")
        ctx = e.get("ctx") or {}
        field = _field_at(root, full)
        expected = _expected(field[0], field[1], path) if field else ""
        # inside an array, leave out the key of the one table ([[interventions]]) if there is
        # one, else the whole array: removing one element would renumber the others
        first_int = next((k for k, part in enumerate(loc) if isinstance(part, int)), None)
        in_table = (first_int is not None and isinstance(loc[-1], str)
                    and kind not in ("missing", "union_tag_invalid", "union_tag_not_found"))
        drop: tuple = (loc if first_int is None or in_table else loc[:first_int],)
        mentions: tuple = (loc,)
        if kind in ("union_tag_invalid", "union_tag_not_found"):
            union = _union_members(*field) if field else None
            key = union[0] if union else str(ctx.get("discriminator", "type")).strip("'")
            valid = list(union[1]) if union else []
            loc = loc + (key,)
            path = _path(loc)
            given = value.get(key, _MISSING) if isinstance(value, dict) else _MISSING
            if kind == "union_tag_not_found" or given is _MISSING:
                text = f"{path}: required but missing; it must be one of {', '.join(valid)}."
            else:
                near = difflib.get_close_matches(str(given), valid, n=1, cutoff=0.6)
                hint = f" Did you mean '{near[0]}'?" if near else ""
                text = (f"{path}: {_show(given)} is not a known {key}.{hint} Valid {key}s: "
                        f"{', '.join(valid)}.")
            mentions = (loc,)
        elif kind == "extra_forbidden":
            parent = _model_at(root, full[:-1])
            valid = sorted(parent.model_fields) if parent else []
            near = difflib.get_close_matches(str(loc[-1]), valid, n=1, cutoff=0.6)
            hint = f" Did you mean '{near[0]}'?" if near else ""
            text = f"{path}: unknown key.{hint} Valid keys here: {', '.join(valid)}."
        elif kind == "finite_number":
            allowed = expected or "a finite number"
            if "finite" not in allowed:
                allowed += " (nan and inf are not allowed)"
            text = f"{path}: {_show(value)} is not allowed; it must be {allowed}."
        elif kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
            if not expected:
                bounds = {"greater_than_equal": "≥ {ge}", "greater_than": "> {gt}",
                          "less_than_equal": "≤ {le}", "less_than": "< {lt}"}[kind]
                expected = bounds.format(**{k: _num(v) for k, v in ctx.items()})
            text = f"{path}: {_show(value)} is out of range; it must be {expected}."
        elif kind in ("too_short", "too_long") or (
                kind == "missing" and loc and isinstance(loc[-1], int)):
            # a tuple of the wrong length: one message for the field, not one per element
            loc = loc[:-1] if kind == "missing" else loc
            full = full[:-1] if kind == "missing" else full
            if loc in grouped:
                continue
            grouped.add(loc)
            path = _path(loc)
            field = _field_at(root, full)
            expected = _expected(field[0], field[1], path) if field else "more values"
            given = _value_at(data, loc) if data is not None else value
            shown = _show(given) if given is not _MISSING else "the list given"
            count = f" ({len(given)} values)" if isinstance(given, (list, tuple)) else ""
            text = f"{path}: {shown}{count} is not allowed; it must be {expected}."
            drop = mentions = (loc,)
        elif kind == "missing":
            text = (f"{path}: required but missing"
                    f"{f'; it must be {expected}' if expected else ''}.")
        elif kind == "value_error" and "error" in ctx:
            source = data
            if source is None:
                # without the whole input, look values up relative to the failing table
                source = node = {}
                for part in loc:
                    node = node.setdefault(part, {}) if isinstance(part, str) else node
                if isinstance(value, dict):
                    node.update(value)
            loc, text, fields = _describe_value_error(root, full, str(ctx["error"]), source)
            mentions = tuple(fields) or (loc,)
            drop = mentions
        elif kind == "string_pattern_mismatch" and loc == ("name",):
            text = (f"{path}: {_show(value)} is not allowed; it names the results folder, so "
                    f"it may not contain / or \\ or start with a dot.")
        elif expected and kind not in ("string_too_short", "string_too_long",
                                       "string_pattern_mismatch") and (
                kind.endswith(_TYPE_ERRORS) or kind.startswith(
                    ("int_", "float_", "bool_", "date_", "string_", "tuple_"))):
            extra = " (no fractional part)" if kind == "int_from_float" else ""
            text = f"{path}: {_show(value)} is not allowed; it must be {expected}{extra}."
        else:
            text = f"{path}: {_show(value)} is not allowed; {e['msg'][0].lower()}{e['msg'][1:]}."
        problems.append(_Problem(loc, text, drop, mentions))
    return problems


def describe_validation_error(err: ValidationError, root: type[BaseModel],
                              data: Any = None) -> list[str]:
    """One human message per pydantic error, naming field path, value and what is allowed.

    ``data`` is the validated input; it lets cross-field messages show the values involved.
    """
    return [p.text for p in _problems(err, root, data)]


def _strict_problems(data: Any, root: type[BaseModel], loc: tuple = ()) -> dict[tuple, str]:
    """Wrong TOML types that pydantic's lax mode would quietly convert.

    ``n_young_people = true`` would become 1 person, ``p_charge = "0.5"`` 0.5,
    ``contagion = 1`` true and ``start = 0`` 1970-01-01: TOML has a type for each of these, so a
    value of another type is reported instead of being converted.
    """
    found: dict[tuple, str] = {}
    field = _field_at(root, loc) if loc else (root, [])
    if field is None:
        return found
    ann, meta = field
    shown = _display_loc(root, loc)
    path = _path(shown)
    union = _union_members(ann, meta)
    if union is not None:
        # a [[interventions]] table: check its keys against the family its type names
        if isinstance(data, dict) and isinstance(data.get(union[0]), str):
            tag = data[union[0]]
            if tag in union[1]:
                for key, value in data.items():
                    if key in union[1][tag].model_fields:
                        found.update(_strict_problems(value, root, loc + (tag, key)))
        return found
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        if isinstance(data, dict):
            for key, value in data.items():
                if key in ann.model_fields:
                    found.update(_strict_problems(value, root, loc + (key,)))
        return found
    if typing.get_origin(ann) is tuple:
        if isinstance(data, list):
            for k, value in enumerate(data):
                found.update(_strict_problems(value, root, loc + (k,)))
        return found
    wrong = False
    if ann in (int, float):
        wrong = isinstance(data, (bool, str))
    elif ann is bool:
        wrong = not isinstance(data, bool)
    elif ann is dt.date:
        wrong = isinstance(data, (bool, int, float))
    if wrong:
        note = ""
        if isinstance(data, str) and ann in (int, float):
            try:
                float(data)
                note = " (write numbers without quotes)"
            except ValueError:
                pass
        found[shown] = (f"{path}: {_show(data)} is not allowed; it must be "
                      f"{_expected(ann, meta, path)}{note}.")
    return found


def _file_order(data: Any, loc: tuple) -> tuple:
    """Sort key putting problems in the order their keys appear in the file."""
    key = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            key.append(list(node).index(part))
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int):
            key.append(part)
            node = node[part] if 0 <= part < len(node) else None
        else:
            key.append(10**6)
            node = None
    return tuple(key)


def parse_toml(path: Path) -> dict:
    """Read a TOML file into a dict, turning every failure into a :class:`ScenarioError`."""
    src = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError(src, ["file not found"]) from None
    except IsADirectoryError:
        raise ScenarioError(src, ["is a folder, not a scenario file"]) from None
    except OSError as exc:
        raise ScenarioError(src, [f"cannot be read: {exc.strerror}"]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise ScenarioError(src, [
            f"is not UTF-8 text: byte 0x{raw[exc.start]:02x} on line {line} cannot be read "
            f"(is it a TOML file? save it as UTF-8)"]) from None
    if not text.strip():
        raise ScenarioError(src, ["file is empty; a scenario needs at least a name, e.g. "
                                  "name = \"my area\""])
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(src, [f"not valid TOML: {exc}"]) from None
    if not data:
        raise ScenarioError(src, ["file holds no settings (only comments); a scenario needs at "
                                  "least a name, e.g. name = \"my area\""])
    return data


def estimate_memory_bytes(scenario: Scenario) -> int:
    """Estimated peak memory of one run (state, ties, incident buffers), in bytes."""
    n = scenario.n_young_people
    capacity = int(n * 1.15) + 1024  # room for cohort entry before exits (vsim.state)
    per_person = BYTES_PER_PERSON_STATE + BYTES_PER_TIE_SLOT * scenario.networks.max_degree
    return capacity * per_person + 64 * 2**20


def machine_memory_bytes() -> int:
    """Physical memory of this machine (falls back to 8 GiB if it cannot be read)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 8 * 2**30


def check_memory(scenario: Scenario, source: str, jobs: int = 1) -> None:
    """Refuse a scenario whose estimated memory (× parallel jobs) exceeds the machine's."""
    need = estimate_memory_bytes(scenario) * jobs
    have = machine_memory_bytes() * MEMORY_HEADROOM
    if need > have:
        per = " per run" if jobs == 1 else f" ({jobs} runs at once)"
        raise ScenarioError(source, [
            f"population.n_young_people = {scenario.n_young_people:,}: a run would need about "
            f"{need / 2**30:.1f} GiB{per}, more than the {have / 2**30:.1f} GiB this machine "
            f"can give ({MEMORY_HEADROOM:.0%} of {machine_memory_bytes() / 2**30:.0f} GiB); "
            f"lower n_young_people or networks.max_degree"])


def _without(data: Any, locs: typing.Iterable[tuple]) -> Any:
    """A copy of ``data`` with the keys at ``locs`` left out (so their defaults apply)."""
    data = copy.deepcopy(data)
    for loc in locs:
        node = data
        for part in loc[:-1]:
            if isinstance(node, dict):
                node = node.get(part)
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                node = node[part]
            else:
                node = None
        if isinstance(node, dict) and loc and loc[-1] in node:
            del node[loc[-1]]
    return data


def _under(loc: tuple, dropped: set[tuple]) -> bool:
    return any(loc[:len(d)] == d or d[:len(loc)] == loc for d in dropped)


# Fields the memory estimate depends on: if one of them is wrong, the estimate is meaningless.
_MEMORY_FIELDS = (("population", "n_young_people"), ("networks", "max_degree"),
                  ("area", "residents"), ("area", "youth_share"))

_MAX_PASSES = 6


def scenario_from_dict(data: dict, source: str = "<scenario>") -> Scenario:
    """Validate a dict into a Scenario, raising :class:`ScenarioError` with every problem.

    Pydantic runs a table's cross-field checks only once its fields are valid, so a file with
    a bad field would hide, say, ``min_age > max_age``. To report every problem of a file at
    once, the offending keys are left out (their defaults apply) and the rest is validated
    again, keeping only new problems that do not involve a key left out.
    """
    if not isinstance(data, dict):
        raise ScenarioError(source, [f"{_show(data)} is not a scenario; it must be a table"])
    found: list[_Problem] = [_Problem(loc, text, (loc,), (loc,))
                             for loc, text in _strict_problems(data, Scenario).items()]
    dropped: set[tuple] = {loc for p in found for loc in p.drop}
    current = _without(data, dropped)
    scenario = None
    for _ in range(_MAX_PASSES):
        try:
            scenario = Scenario.model_validate(current)
            break
        except ValidationError as err:
            problems = _problems(err, Scenario, data)
            found += [p for p in problems if p.text not in {q.text for q in found}
                      and not any(_under(m, dropped) for m in p.mentions)]
            more = {loc for p in problems for loc in p.drop if loc} - dropped
            if not more:
                break
            dropped |= more
            current = _without(current, more)
    if scenario is not None and not any(_under(f, dropped) for f in _MEMORY_FIELDS):
        try:
            check_memory(scenario, source)
        except ScenarioError as exc:
            found += [_Problem(_MEMORY_FIELDS[0], text, (), ()) for text in exc.problems]
    if found:
        found.sort(key=lambda p: _file_order(data, p.loc))
        raise ScenarioError(source, list(dict.fromkeys(p.text for p in found)))
    return scenario


def load_scenario(path: str | os.PathLike) -> Scenario:
    """Load and validate a scenario TOML file."""
    path = Path(path)
    data = parse_toml(path)
    if "name" not in data:
        data = {"name": path.stem, **data}
    return scenario_from_dict(data, str(path))


# Scenarios shipped with vsim (borough, quick, the case studies), loadable by name.
SHIPPED = Path(__file__).resolve().parent / "scenarios"


def shipped_scenarios() -> list[str]:
    """Names of the shipped scenarios: 'borough', 'quick', 'case_studies/sussex', ..."""
    return sorted(p.relative_to(SHIPPED).with_suffix("").as_posix()
                  for p in SHIPPED.rglob("*.toml"))


def resolve_scenario(scenario: Scenario | str | os.PathLike,
                     changes: dict[str, Any] | None = None) -> Scenario:
    """A validated scenario from a Scenario, a TOML file or a shipped scenario's name, with
    dotted-path ``changes`` (``"contagion.beta"``, or ``"contagion__beta"`` for a keyword)."""
    if not isinstance(scenario, Scenario):
        path = Path(scenario)
        if not path.exists() and (SHIPPED / f"{scenario}.toml").is_file():
            path = SHIPPED / f"{scenario}.toml"
        elif not path.exists():
            raise ScenarioError(str(scenario), [
                f"no scenario file {str(scenario)!r} and no shipped scenario of that name; "
                f"give a TOML file or one of: {', '.join(shipped_scenarios())}"])
        scenario = load_scenario(path)
    if changes:
        scenario = with_changes(scenario, {key.replace("__", "."): value
                                           for key, value in changes.items()})
    return scenario


def set_dotted(data: dict, dotted: str, value: Any) -> None:
    """Set ``data['a']['b'] = value`` for ``dotted='a.b'``, creating tables as needed."""
    parts = dotted.split(".")
    node = data
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ScenarioError("<changes>", [f"{dotted}: '{part}' is a value, not a table"])
    node[parts[-1]] = value


def with_changes(scenario: Scenario, changes: dict[str, Any]) -> Scenario:
    """A new validated scenario with dotted-path changes, e.g. ``{"justice.p_charge": 0.2}``."""
    data = scenario_to_dict(scenario)
    for dotted, value in changes.items():
        set_dotted(data, dotted, value)
    return scenario_from_dict(data, f"<{scenario.name} with changes>")


def scenario_to_dict(scenario: Scenario) -> dict:
    """Fully resolved scenario as plain TOML-compatible data (None values dropped)."""
    return _drop_none(scenario.model_dump(mode="json"))


def _drop_none(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _drop_none(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, (list, tuple)):
        return [_drop_none(v) for v in obj]
    return obj


def scenario_to_toml(scenario: Scenario) -> str:
    """The fully resolved scenario as TOML text (what a results folder stores).

    Dates are written as TOML dates (``start = 2019-01-07``), not as quoted strings.
    """
    return tomli_w.dumps(_drop_none(scenario.model_dump(mode="python")))


def scenario_hash(scenario: Scenario) -> str:
    """sha256 of the canonical resolved scenario: same hash, same model."""
    canonical = json.dumps(scenario_to_dict(scenario), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def json_schema() -> dict:
    """JSON Schema of scenario files."""
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "vsim scenario"
    return schema
