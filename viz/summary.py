"""The summary table under the race: one row per optimizer, numbers a student can quote.

Its column headers are in the visitor's language (`columns`); the cloud columns' names
`CLOUD_LOSS_COLUMN` and `CLOUD_DIVERGED_COLUMN` are read in the language current when they are
imported or looked up (`cloud_loss_column()` / `cloud_diverged_column()` at the time of use).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from i18n import t
from surfaces.base import nearest_minimum_distance

from .clouds import CloudView
from .trajectory import Trajectory

DEFAULT_TOL = 1e-3


def cloud_loss_column() -> str:
    """The header of the seeded runs' median final loss, in the current language."""
    return t("viz.summary.cloud_loss")


def cloud_diverged_column() -> str:
    """The header of how many seeded runs diverged, in the current language."""
    return t("viz.summary.cloud_diverged")


def __getattr__(name: str) -> str:
    # The old constants, now in the language of whoever reads them.
    if name == "CLOUD_LOSS_COLUMN":
        return cloud_loss_column()
    if name == "CLOUD_DIVERGED_COLUMN":
        return cloud_diverged_column()
    raise AttributeError(name)


def steps_to_tolerance(traj: Trajectory, f_star: float | None, tol: float) -> int | None:
    """First step t with f(θ_t) − f* ≤ tol, or None if never (or f* unknown)."""
    if f_star is None:
        return None
    hit = np.flatnonzero(traj.loss - f_star <= tol)
    return int(hit[0]) if hit.size else None


def tolerance_column(tol: float) -> str:
    """The summary table's steps-to-tolerance column name."""
    return t("viz.summary.steps_to_tolerance", tol=float(tol))


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
    name, final, distance, length, diverged = (t("viz.summary.optimizer"), t("viz.summary.final_loss"),
                                               t("viz.summary.distance"), t("viz.summary.path_length"),
                                               t("viz.summary.diverged"))
    rows = []
    for traj in trajectories:
        hit = steps_to_tolerance(traj, f_star, tol)
        rows.append(
            {
                name: traj.label,
                final: traj.final_loss,
                distance: float(nearest_minimum_distance(traj.final, minima)),
                tol_col: hit,
                length: traj.path_length(),
                diverged: t("viz.summary.diverged_at", step=traj.diverged_at) if traj.diverged else "",
            }
        )
    df = pd.DataFrame(rows, columns=[name, final, distance, tol_col, length, diverged])
    df[tol_col] = df[tol_col].astype("Int64")
    if clouds:
        by_label = {c.label: c for c in clouds}
        df[cloud_loss_column()] = [by_label[traj.label].median_final_loss if traj.label in by_label
                                   else float("nan") for traj in trajectories]
        df[cloud_diverged_column()] = [
            t("viz.summary.cloud_diverged_count", n=by_label[traj.label].n_diverged, total=by_label[traj.label].n_runs)
            if traj.label in by_label else "" for traj in trajectories]
    return df


def trajectories_csv(frames: "dict[str, pd.DataFrame]") -> str:  # i18n: internal
    """All runs in one long CSV (an ``optimizer`` column first), as the engine produced them."""
    parts = []
    for label, df in frames.items():
        part = df.copy()
        part.insert(0, "optimizer", label)
        parts.append(part)
    if not parts:
        return "optimizer,step,x,y,loss\n"  # i18n: internal (the CSV's column names)
    return pd.concat(parts, ignore_index=True).to_csv(index=False, float_format="%.10g")
