"""Reading scenario files: TOML in, a validated :class:`Scenario` out.

A file with problems raises one :class:`ScenarioError` listing one clear message per problem
(written by :mod:`vsim.validation`), every problem of the file at once. This module also
writes a scenario back out (dict, TOML, hash), applies dotted-path changes and checks that a
run fits in memory.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import os
import tomllib
import typing
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import BaseModel, ValidationError

from vsim.scenario import Scenario
from vsim.validation import Problem, describe_validation_error, problems_of
from vsim.validation.locations import describe_expected, display_loc, field_at, union_members
from vsim.validation.messages import loc_path, show_value

__all__ = ["BYTES_PER_PERSON_STATE", "BYTES_PER_TIE_SLOT", "MEMORY_HEADROOM", "SHIPPED",
           "ScenarioError", "check_memory", "describe_validation_error",
           "estimate_memory_bytes", "json_schema", "load_scenario", "machine_memory_bytes",
           "parse_toml", "resolve_scenario", "scenario_from_dict", "scenario_hash",
           "scenario_to_dict", "scenario_to_toml", "set_dotted", "shipped_scenarios",
           "with_changes"]

# Bytes of state one young person needs, besides the tie table (measured from the arrays in
# vsim.state; experiments/benchmark_core.py reports the real peak per person).
BYTES_PER_PERSON_STATE = 120
BYTES_PER_TIE_SLOT = 4.25  # int32 partner + a 2-bit tie kind (vsim.state.KINDS_PER_BYTE)
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


def _strict_children(data: Any, ann: Any, meta: list) -> list[tuple[tuple, Any]] | None:
    """``(relative location, value)`` of the values inside a table or list; None for a value."""
    union = union_members(ann, meta)
    if union is not None:
        # a [[interventions]] table: check its keys against the family its type names
        key, members = union
        if not (isinstance(data, dict) and isinstance(data.get(key), str)
                and data[key] in members):
            return []
        tag = data[key]
        return [((tag, k), v) for k, v in data.items() if k in members[tag].model_fields]
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        if not isinstance(data, dict):
            return []
        return [((k,), v) for k, v in data.items() if k in ann.model_fields]
    if typing.get_origin(ann) is tuple:
        return [((k,), v) for k, v in enumerate(data)] if isinstance(data, list) else []
    return None


def _wrong_toml_type(ann: Any, data: Any) -> bool:
    """Whether ``data`` has another TOML type than a field of type ``ann`` takes."""
    if ann in (int, float):
        return isinstance(data, (bool, str))
    if ann is bool:
        return not isinstance(data, bool)
    if ann is dt.date:
        return isinstance(data, (bool, int, float))
    return False


def _quoted_number(data: Any) -> bool:
    """Whether ``data`` is text that reads as a number (``"0.5"``)."""
    try:
        float(data)
    except ValueError:
        return False
    return True


def _strict_problems(data: Any, root: type[BaseModel], loc: tuple = ()) -> dict[tuple, str]:
    """Wrong TOML types that pydantic's lax mode would quietly convert.

    ``n_young_people = true`` would become 1 person, ``p_charge = "0.5"`` 0.5,
    ``contagion = 1`` true and ``start = 0`` 1970-01-01: TOML has a type for each of these, so a
    value of another type is reported instead of being converted.
    """
    field = field_at(root, loc) if loc else (root, [])
    if field is None:
        return {}
    ann, meta = field
    children = _strict_children(data, ann, meta)
    if children is not None:
        found: dict[tuple, str] = {}
        for part, value in children:
            found.update(_strict_problems(value, root, loc + part))
        return found
    if not _wrong_toml_type(ann, data):
        return {}
    shown = display_loc(root, loc)
    path = loc_path(shown)
    quoted = isinstance(data, str) and ann in (int, float) and _quoted_number(data)
    note = " (write numbers without quotes)" if quoted else ""
    return {shown: (f"{path}: {show_value(data)} is not allowed; it must be "
                    f"{describe_expected(ann, meta, path)}{note}.")}


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
    return int(capacity * per_person) + 64 * 2**20


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
    """Whether ``loc`` is inside, or holds, a key left out."""
    return any(loc[:len(d)] == d or d[:len(loc)] == loc for d in dropped)


# Fields the memory estimate depends on: if one of them is wrong, the estimate is meaningless.
_MEMORY_FIELDS = (("population", "n_young_people"), ("networks", "max_degree"),
                  ("area", "residents"), ("area", "youth_share"))

_MAX_PASSES = 6


def load_file(path: str | os.PathLike, model: type[BaseModel]):
    """Read a TOML file (an experiment, a calibration) into ``model``, every problem at once."""
    path = Path(path)
    data = parse_toml(path)
    try:
        return model.model_validate(data), path
    except ValidationError as err:
        raise ScenarioError(str(path), describe_validation_error(err, model)) from None


def scenario_from_dict(data: dict, source: str = "<scenario>") -> Scenario:
    """Validate a dict into a Scenario, raising :class:`ScenarioError` with every problem.

    Pydantic runs a table's cross-field checks only once its fields are valid, so a file with
    a bad field would hide, say, ``min_age > max_age``. To report every problem of a file at
    once, the offending keys are left out (their defaults apply) and the rest is validated
    again, keeping only new problems that do not involve a key left out.
    """
    if not isinstance(data, dict):
        raise ScenarioError(source, [f"{show_value(data)} is not a scenario; it must be a table"])
    found: list[Problem] = [Problem(loc, text, (loc,), (loc,))
                            for loc, text in _strict_problems(data, Scenario).items()]
    dropped: set[tuple] = {loc for p in found for loc in p.drop}
    current = _without(data, dropped)
    scenario = None
    for _ in range(_MAX_PASSES):
        try:
            scenario = Scenario.model_validate(current)
            break
        except ValidationError as err:
            problems = problems_of(err, Scenario, data)
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
            found += [Problem(_MEMORY_FIELDS[0], text, (), ()) for text in exc.problems]
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
    """A validated scenario from a Scenario, a TOML file or a shipped scenario's name.

    ``changes`` are dotted paths (``"contagion.beta"``, or ``"contagion__beta"`` for a
    keyword) and their new values.
    """
    if not isinstance(scenario, Scenario):
        path = Path(scenario)
        if not path.is_file() and (SHIPPED / f"{scenario}.toml").is_file():
            path = SHIPPED / f"{scenario}.toml"  # a file of that name comes first
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
    """JSON Schema of scenario files.

    Descriptions cite their sources as ``evidence: <id>``; ``x-evidence`` maps each cited id to
    its row of the evidence table (:mod:`vsim.evidence`), so the schema carries its sources.
    """
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "vsim scenario"
    # deferred: `import vsim` must not import vsim.evidence, or `python -m vsim.evidence` (which
    # writes docs/evidence.md) runs it twice and runpy warns
    from vsim import evidence

    schema["x-evidence"] = evidence.references(schema)
    return schema
