"""Projections over a calibration's posterior: parameter uncertainty in every comparison.

``vsim compare --posterior DIR`` runs replicate ``r`` on posterior draw ``r // K`` (``K`` seeds
per draw, ``--seeds-per-draw``) and seed ``root + r``: the baseline and each portfolio run on
the same draw and the same seed, so their difference is still paired, and its interval over
replicates now includes what the data leave uncertain about the parameters. The variance of
each difference is split into the part between draws (parameters) and within draws (chance),
and the probability that each option is best is taken over all replicates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from vsim.loading import ScenarioError

OBSERVATION = "observation."  # the observation model's parameters (recording, not behaviour)
SPLIT = ("incidents_averted", "incidents_reduction_pct", "weapon_incidents_averted",
         "serious_injury_incidents_averted", "mean_exploited_averted")


@dataclass(frozen=True)
class Posterior:
    """Weighted draws of a calibration's scenario parameters."""

    source: str
    draws: pd.DataFrame  # one column per scenario parameter path
    weights: np.ndarray

    @classmethod
    def load(cls, folder: str | Path) -> Posterior:
        """The posterior a ``vsim calibrate`` folder holds.

        Its observation parameters are set aside: they describe recording, not behaviour.
        """
        folder = Path(folder)
        path = folder / "posterior.parquet"
        if not path.is_file():
            raise ScenarioError(f"--posterior {folder}", [
                "no posterior.parquet: give a folder written by vsim calibrate"])
        frame = pd.read_parquet(path)
        if "weight" not in frame.columns or frame.empty:
            raise ScenarioError(f"--posterior {folder}", [
                "posterior.parquet has no weighted draws"])
        params = [c for c in frame.columns if c != "weight" and not c.startswith(OBSERVATION)]
        if not params:
            raise ScenarioError(f"--posterior {folder}", [
                "the posterior holds only observation-model parameters: nothing to project"])
        w = frame["weight"].to_numpy(np.float64)
        return cls(str(folder), frame[params].reset_index(drop=True), w / w.sum())

    def changes(self, n_draws: int, seed: int) -> list[dict[str, float]]:
        """``n_draws`` parameter sets drawn by weight (reproducibly from ``seed``)."""
        rng = np.random.default_rng([seed, 0x504F5354])  # "POST"
        picks = rng.choice(len(self.draws), size=n_draws, p=self.weights)
        return [{c: float(self.draws[c].iloc[k]) for c in self.draws.columns} for k in picks]


def experiment_draws(source: Path, posterior: str, n: int, seed: int) -> list[dict]:
    """``n`` draws of an experiment file's ``posterior`` folder (relative to the file)."""
    try:
        return Posterior.load(Path(source).parent / posterior).changes(n, seed)
    except ScenarioError as exc:
        raise ScenarioError(str(source), [f"posterior = '{posterior}': {p}"
                                          for p in exc.problems]) from None


def per_replicate(posterior: Posterior, replicates: int, seeds_per_draw: int,
                  seed: int) -> tuple[list[dict[str, float]], list[int]]:
    """Each replicate's parameter changes and draw number (draw = replicate // K)."""
    n_draws = math.ceil(replicates / seeds_per_draw)
    sets = posterior.changes(n_draws, seed)
    draws = [r // seeds_per_draw for r in range(replicates)]
    return [sets[d] for d in draws], draws


def variance_split(replicates: pd.DataFrame, draws: list[int]) -> pd.DataFrame:
    """Between-draw and within-draw variance of each paired difference.

    The law of total variance; the between part is corrected for the chance in each draw's
    mean (its within variance over the seeds per draw).
    """
    draw_of = dict(enumerate(draws))
    rows = []
    part = replicates[replicates["outcome"].isin(SPLIT)].copy()
    part["draw"] = part["replicate"].map(draw_of)
    for (label, outcome), g in part.groupby(["scenario", "outcome"], sort=False):
        groups = [x["value"].to_numpy(float) for _, x in g.groupby("draw")]
        k = np.mean([len(x) for x in groups])
        within = float(np.mean([x.var(ddof=1) for x in groups if len(x) > 1])) if k > 1 else (
            math.nan)
        means = np.array([x.mean() for x in groups])
        between_raw = float(means.var(ddof=1)) if len(means) > 1 else math.nan
        between = max(0.0, between_raw - within / k) if not math.isnan(within) else between_raw
        total = between + within if not math.isnan(within) else math.nan
        rows.append({"scenario": label, "outcome": outcome, "draws": len(groups),
                     "seeds_per_draw": k, "between_draws": between, "within_draws": within,
                     "share_between": between / total if total and total > 0 else math.nan})
    return pd.DataFrame(rows)


def probability_best(replicates: pd.DataFrame, labels: list[str],
                     outcome: str = "incidents_averted") -> pd.DataFrame:
    """Share of replicates in which each option (doing nothing included) averts the most."""
    part = replicates[replicates["outcome"] == outcome]
    table = part.pivot(index="replicate", columns="scenario", values="value")
    table.insert(0, labels[0], 0.0)  # doing nothing averts nothing
    table = table[labels]
    best = table.to_numpy() == table.max(axis=1).to_numpy()[:, None]
    share = (best / best.sum(axis=1, keepdims=True)).mean(axis=0)  # ties share
    return pd.DataFrame({"scenario": labels, "outcome": outcome,
                         "probability_best": share, "replicates": len(table)})
