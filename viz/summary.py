"""The summary table under the race: one row per optimizer, numbers a student can quote."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from surfaces.base import nearest_minimum_distance

from .clouds import CloudView
from .trajectory import Trajectory

DEFAULT_TOL = 1e-3
CLOUD_LOSS_COLUMN = "median final loss over seeds"
CLOUD_DIVERGED_COLUMN = "seeded runs diverged"


def steps_to_tolerance(traj: Trajectory, f_star: float | None, tol: float) -> int | None:
    """First step t with f(θ_t) − f* ≤ tol, or None if never (or f* unknown)."""
    if f_star is None:
        return None
    hit = np.flatnonzero(traj.loss - f_star <= tol)
    return int(hit[0]) if hit.size else None


def tolerance_column(tol: float) -> str:
    """The summary table's steps-to-tolerance column name."""
    return f"steps to f − f* ≤ {tol:g}"


def summary_table(
    trajectories: Sequence[Trajectory],
    *,
    minima: Sequence[Sequence[float]] = (),
    f_star: float | None = None,
    tol: float = DEFAULT_TOL,
    clouds: Sequence[CloudView] = (),
) -> pd.DataFrame:
    """Final loss, distance to the nearest minimum, steps to tolerance, path length, divergence.

    A diverged run reports its last finite point (which is what its panel shows) and says
    "diverged at step N" in the last column; the others leave it empty. With ``clouds`` (noise
    clouds, matched to runs by label) two columns say how the seeded runs ended: the median
    final loss and how many diverged, so one lucky run cannot carry the table.
    """
    tol_col = tolerance_column(tol)
    rows = []
    for traj in trajectories:
        hit = steps_to_tolerance(traj, f_star, tol)
        rows.append(
            {
                "optimizer": traj.label,
                "final loss": traj.final_loss,
                "distance to nearest minimum": float(nearest_minimum_distance(traj.final, minima)),
                tol_col: hit,
                "path length": traj.path_length(),
                "diverged": f"diverged at step {traj.diverged_at}" if traj.diverged else "",
            }
        )
    df = pd.DataFrame(rows, columns=["optimizer", "final loss", "distance to nearest minimum", tol_col,
                                     "path length", "diverged"])
    df[tol_col] = df[tol_col].astype("Int64")
    if clouds:
        by_label = {c.label: c for c in clouds}
        df[CLOUD_LOSS_COLUMN] = [by_label[t.label].median_final_loss if t.label in by_label else float("nan")
                                 for t in trajectories]
        df[CLOUD_DIVERGED_COLUMN] = [f"{by_label[t.label].n_diverged} of {by_label[t.label].n_runs}"
                                     if t.label in by_label else "" for t in trajectories]
    return df


def trajectories_csv(frames: "dict[str, pd.DataFrame]") -> str:
    """All runs in one long CSV (an ``optimizer`` column first), as the engine produced them."""
    parts = []
    for label, df in frames.items():
        part = df.copy()
        part.insert(0, "optimizer", label)
        parts.append(part)
    if not parts:
        return "optimizer,step,x,y,loss\n"
    return pd.concat(parts, ignore_index=True).to_csv(index=False, float_format="%.10g")
