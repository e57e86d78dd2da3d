"""Results of a run as pandas tables, and writing them atomically into an output folder.

A results folder holds the tables (Parquet, or CSV), the fully resolved scenario and a manifest
(seed, versions, scenario hash), so a result can be reproduced from its folder alone:
``vsim run results/borough/scenario.toml --seed <manifest seed>``.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import tempfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from vsim.interventions import STATUS_NAMES
from vsim.loading import scenario_hash, scenario_to_toml
from vsim.scenario import Scenario
from vsim.tables import (
    monthly_frame,
    neighbourhood_frame,
    police_uk_long,
    steps_frame,
    summary_table,
)
from vsim.vocabulary import DAYS_PER_YEAR, LEVEL_NAMES

DEPENDENCIES = ("mesa", "numpy", "numba", "pandas", "pydantic", "pyarrow", "networkx")
TABLES = ("steps", "monthly", "neighbourhoods", "police_uk", "incidents", "people", "snapshots",
          "costs", "participants", "budget")


def versions() -> dict[str, str]:
    """Versions of vsim, Python and the runtime dependencies."""
    out = {"vsim": version("vsim"), "python": platform.python_version()}
    for name in DEPENDENCIES:
        out[name] = version(name)
    return out


def version(name: str) -> str:
    """The installed version of a package, or 'unknown'."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "unknown"


@dataclass
class Results:
    """Everything a run produced, as DataFrames."""

    scenario: Scenario
    seed: int
    steps: pd.DataFrame
    monthly: pd.DataFrame
    neighbourhoods: pd.DataFrame
    police_uk: pd.DataFrame
    incidents: pd.DataFrame
    people: pd.DataFrame
    snapshots: pd.DataFrame
    costs: pd.DataFrame
    participants: pd.DataFrame
    budget: pd.DataFrame
    phase_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def manifest(self) -> dict:
        """Provenance: seed, scenario hash, versions and what the folder holds."""
        return {"scenario": self.scenario.name, "seed": self.seed,
                "scenario_sha256": scenario_hash(self.scenario), "versions": versions(),
                "steps": int(len(self.steps)), "step_days": self.scenario.time.step_days,
                "start": self.scenario.time.start.isoformat(),
                "end": self.scenario.time.end_date.isoformat(),
                "tables": list(TABLES)}

    def summary(self) -> pd.DataFrame:
        """Yearly summary table (what ``vsim run`` prints)."""
        return summary_table(self.steps, self.scenario.area.residents,
                             self.scenario.time.step_days)

    def write(self, out_dir: str | os.PathLike, csv: bool = False) -> Path:
        """Write every table, the resolved scenario and the manifest into ``out_dir``.

        Atomic: everything goes to a temporary folder beside ``out_dir`` which is renamed into
        place at the end, so an interrupted write leaves no half-written results.
        """
        out = Path(out_dir)
        with atomic_dir(out) as tmp:
            write_tables({name: getattr(self, name) for name in TABLES}, tmp, csv)
            (tmp / "scenario.toml").write_text(scenario_to_toml(self.scenario), encoding="utf-8")
            (tmp / "manifest.json").write_text(json.dumps(self.manifest, indent=2) + "\n",
                                               encoding="utf-8")
        return out


@contextlib.contextmanager
def atomic_dir(target: Path):
    """Yield a temporary folder beside ``target`` that replaces ``target`` whole on success.

    On any failure (or interruption) it is removed and ``target`` is left as it was.
    """
    tmp = temp_dir_beside(target)
    try:
        yield tmp
        replace_dir(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_tables(frames: dict[str, pd.DataFrame], folder: Path, csv: bool) -> None:
    """Write each frame as ``folder/<name>.parquet`` (or ``.csv``)."""
    for name, frame in frames.items():
        if csv:
            frame.to_csv(folder / f"{name}.csv", index=False)
        else:
            frame.to_parquet(folder / f"{name}.parquet", index=False)


def temp_dir_beside(target: Path) -> Path:
    """A new temporary folder next to ``target`` (same file system, so renaming is atomic).

    It is readable like any other folder (mkdtemp alone makes it private).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    os.chmod(tmp, 0o777 & ~_umask())
    return tmp


def replace_dir(new: Path, target: Path) -> None:
    """Move folder ``new`` to ``target``, replacing an existing ``target`` (near-atomically)."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
    os.replace(new, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file via a temporary file and rename, so readers never see a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    """The process umask (read by setting and restoring it)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _incident_frame(model) -> pd.DataFrame:
    cols = ["step", "perpetrator_id", "victim_id", "place", "neighbourhood", "weapon",
            "serious", "robbery", "recorded", "victim_under25", "first_time", "reoffence",
            "exposed", "exposure_share", "perpetrator_age", "perpetrator_level",
            "perpetrator_exploited"]
    if not model.recorder.incident_chunks:
        return pd.DataFrame({c: pd.Series(dtype="int64") for c in cols})
    data = model.recorder.incident_columns()
    df = pd.DataFrame({c: data[c] for c in cols})
    df = df.rename(columns={"exposed": "exposed_recently", "serious": "serious_injury",
                            "reoffence": "perpetrator_had_record"})
    start = pd.Timestamp(model.scenario.time.start)
    df.insert(1, "date", start + pd.to_timedelta(df["step"] * model.scenario.time.step_days,
                                                 unit="D"))
    df["perpetrator_level"] = pd.Categorical.from_codes(df["perpetrator_level"],
                                                        categories=list(LEVEL_NAMES))
    return df


def _people_frame(model) -> pd.DataFrame:
    p = model.people
    alive = np.nonzero(p.alive == 1)[0]
    df = pd.DataFrame({
        "person_id": p.pid[alive].astype(np.int64), "age": p.age_days[alive] / DAYS_PER_YEAR,
        "male": p.male[alive], "neighbourhood": p.neighbourhood[alive],
        "household": p.household[alive], "school": p.school[alive], "place": p.place[alive],
        "ace": p.ace[alive], "low_family_functioning": p.low_family_functioning[alive],
        "excluded": p.excluded[alive], "mental_health": p.mental_health[alive],
        "substance_use": p.substance_use[alive], "domestic_abuse": p.domestic_abuse[alive],
        "missing": p.missing[alive], "trusted_adult": p.trusted_adult[alive],
        "positive_activities": p.positive_activities[alive],
        "engaged_ete": p.engaged_ete[alive], "risk_score": p.risk_score[alive],
        "involvement": pd.Categorical.from_codes(p.level[alive], categories=list(LEVEL_NAMES)),
        "victimisation": p.victimisation[alive], "weapon": p.weapon[alive],
        "exploited_by": p.exploited_by[alive], "in_custody": p.custody_until[alive] > model.t,
        "record": p.record[alive], "n_offences": p.n_offences[alive], "gang": p.gang[alive],
        "friends": model.ties.degree[alive], "fear": _fear_of(model, alive),
    })
    return df.sort_values("person_id", kind="stable").reset_index(drop=True)


def _fear_of(model, slots: np.ndarray) -> np.ndarray:
    """Young people's chance of being afraid of violence; NaN with the fear process off."""
    if model.scenario.processes.fear:
        return model.people.fear[slots].copy()
    return np.full(slots.shape[0], np.nan, np.float32)


def _snapshot_frame(record) -> pd.DataFrame:
    """Person-level snapshots every ``outputs.snapshot_every_weeks`` (empty when 0)."""
    chunks = record.snapshot_chunks
    if not chunks:
        return pd.DataFrame({"step": pd.Series(dtype="int32"),
                             "person_id": pd.Series(dtype="int64")})
    df = pd.DataFrame({c: np.concatenate([ch[c] for ch in chunks]) for c in chunks[0]})
    df["involvement"] = pd.Categorical.from_codes(df.pop("level"), categories=list(LEVEL_NAMES))
    return df


COST_COLUMNS = ("step", "date", "intervention", "type", "cost_fixed", "cost_staff",
                "cost_participants", "cost_total", "enrolled", "waiting", "new_enrolments",
                "completed", "dropped_out", "capacity")
BUDGET_COLUMNS = ("intervention", "type", "planned_cost_per_year", "funded_share",
                  "funded_cost_per_year", "unfunded_cost_per_year")


def costs_frame(model) -> pd.DataFrame:
    """The cost and caseload ledger of every intervention, one row per recorded step."""
    rows = [row for iv in model.interventions for row in iv.ledger
            if row["t"] >= model.n_burn_in]
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype="float64" if c.startswith("cost") else "int64")
                             for c in COST_COLUMNS})
    df = pd.DataFrame(rows)
    df.insert(0, "step", df.pop("t") - model.n_burn_in)
    start = pd.Timestamp(model.scenario.time.start)
    df.insert(1, "date", start + pd.to_timedelta(df["step"] * model.scenario.time.step_days,
                                                 unit="D"))
    return df[list(COST_COLUMNS)]


def participants_frame(model) -> pd.DataFrame:
    """Everyone ever referred to each intervention, with status and steps (recorded scale)."""
    frames = []
    for iv in model.interventions:
        data = iv.participants()
        if data["person_id"].size == 0:
            continue
        df = pd.DataFrame(data)
        for col in ("t_referred", "t_enrolled", "t_discharged"):
            # Recorded-step scale (negative during burn-in); missing when it never happened.
            happened = df[col] >= 0
            df[col] = pd.Series(df[col] - model.n_burn_in, dtype="Int64").where(happened)
        df = df.rename(columns={"t_referred": "referred_step", "t_enrolled": "enrolled_step",
                                "t_discharged": "discharged_step"})
        df["status"] = pd.Categorical.from_codes(df["status"], categories=list(STATUS_NAMES))
        df.insert(1, "intervention", iv.spec.label)
        frames.append(df)
    if not frames:
        return pd.DataFrame({"person_id": pd.Series(dtype="int64"),
                             "intervention": pd.Series(dtype="object")})
    return pd.concat(frames, ignore_index=True)


def collect_results(model) -> Results:
    """Turn a model's recorder into :class:`Results`: the recorded steps done so far."""
    sc = model.scenario
    record = model.recorder
    rows = record.rows_done(model)
    steps = steps_frame({name: col[:rows] for name, col in record.columns.items()},
                        sc.time.start, sc.time.step_days, sc.area.residents)
    incidents = _incident_frame(model)
    nbhd = neighbourhood_frame(record.by_neighbourhood[:rows], model.world.nbhd_names,
                               sc.time.start, sc.time.step_days,
                               record.worry_by_neighbourhood[:rows])
    return Results(scenario=sc, seed=model.seed, steps=steps,
                   monthly=monthly_frame(steps, sc.area.residents), neighbourhoods=nbhd,
                   police_uk=police_uk_long(nbhd), incidents=incidents,
                   people=_people_frame(model), snapshots=_snapshot_frame(record),
                   costs=costs_frame(model), participants=participants_frame(model),
                   budget=pd.DataFrame(model.budget_report, columns=BUDGET_COLUMNS),
                   phase_seconds=dict(model.phase_seconds))
