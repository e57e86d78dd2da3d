"""Reading scenario files: TOML in, a validated :class:`Scenario` or one clear error per problem out."""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import os
import tomllib
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
    """The pydantic model class found by walking ``loc`` from ``model`` (None if not a model)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field = current.model_fields.get(part)
        if field is None:
            return None
        ann = field.annotation
        current = _unwrap_model(ann)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap_model(annotation: Any) -> Any:
    """Find a BaseModel inside Optional[...] / tuple[..., ...] annotations."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _unwrap_model(arg)
        if isinstance(found, type) and issubclass(found, BaseModel):
            return found
    return annotation


def _path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(file)"


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def describe_validation_error(err: ValidationError, root: type[BaseModel]) -> list[str]:
    """One human message per pydantic error, naming field path, value and what is allowed."""
    problems = []
    for e in err.errors(include_url=False):
        loc = tuple(e["loc"])
        path = _path(loc)
        kind = e["type"]
        value = e.get("input")
        ctx = e.get("ctx") or {}
        if kind == "extra_forbidden":
            parent = _model_at(root, loc[:-1])
            valid = sorted(parent.model_fields) if parent else []
            near = difflib.get_close_matches(str(loc[-1]), valid, n=1, cutoff=0.6)
            hint = f" Did you mean '{near[0]}'?" if near else ""
            problems.append(f"{path}: unknown key.{hint} Valid keys here: {', '.join(valid)}.")
        elif kind == "finite_number":
            problems.append(f"{path}: {_show(value)} is not allowed; it must be a finite number.")
        elif kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
            bounds = {"greater_than_equal": "≥ {ge}", "greater_than": "> {gt}",
                      "less_than_equal": "≤ {le}", "less_than": "< {lt}"}[kind]
            allowed = bounds.format(**ctx)
            what = " (a probability in [0, 1])" if (ctx.get("le") == 1.0 and "less" in kind) or (
                kind == "greater_than_equal" and ctx.get("ge") == 0.0
                and _is_probability(root, loc)) else ""
            problems.append(f"{path}: {_show(value)} is out of range; it must be {allowed}{what}.")
        elif kind == "missing":
            problems.append(f"{path}: required but missing.")
        elif kind == "value_error":
            msg = str(ctx.get("error", e["msg"]))
            problems.append(f"{_path(loc) if loc else '(scenario)'}: {msg}.")
        else:
            problems.append(f"{path}: {_show(value)} is not allowed; {e['msg'][0].lower()}"
                            f"{e['msg'][1:]}.")
    return problems


def _is_probability(root: type[BaseModel], loc: tuple) -> bool:
    parent = _model_at(root, loc[:-1])
    if parent is None or not isinstance(loc[-1], str):
        return False
    field = parent.model_fields.get(loc[-1])
    return bool(field) and any(getattr(m, "le", None) == 1.0 for m in field.metadata)


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
    except UnicodeDecodeError:
        raise ScenarioError(src, ["is not UTF-8 text (is it a TOML file?)"]) from None
    if not text.strip():
        raise ScenarioError(src, ["file is empty; a scenario needs at least a name, e.g. "
                                  "name = \"my area\""])
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(src, [f"not valid TOML: {exc}"]) from None


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


def scenario_from_dict(data: dict, source: str = "<scenario>") -> Scenario:
    """Validate a dict into a Scenario, raising :class:`ScenarioError` with every problem."""
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(source, describe_validation_error(err, Scenario)) from None
    check_memory(scenario, source)
    return scenario


def load_scenario(path: str | os.PathLike) -> Scenario:
    """Load and validate a scenario TOML file."""
    path = Path(path)
    data = parse_toml(path)
    if "name" not in data:
        data = {"name": path.stem, **data}
    return scenario_from_dict(data, str(path))


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
    if isinstance(obj, list):
        return [_drop_none(v) for v in obj]
    return obj


def scenario_to_toml(scenario: Scenario) -> str:
    """The fully resolved scenario as TOML text (what a results folder stores)."""
    return tomli_w.dumps(scenario_to_dict(scenario))


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
