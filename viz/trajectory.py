"""`Trajectory`: one optimizer's run, in the shape every figure and table here consumes.

Why not pass the engine's DataFrame around: figures need the *finite* part of a path (a
diverged run is drawn up to its last finite point), per-update arrays aligned one way, and a
label and colour key. Converting once here keeps every plotting function simple and lets tests
build trajectories from plain arrays.

Indexing: ``path[t]`` is θ_t (``path[0]`` the start). Per-update arrays have one row per
update: row ``t − 1`` describes update t, which moved θ_{t−1} to θ_t (``grads[t − 1]`` is the
gradient taken at θ_{t−1}, ``states[name][t − 1]`` the optimizer state after update t).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np
import pandas as pd


Array = np.ndarray



@dataclass(frozen=True)
class Trajectory:
    """One run: finite path, losses and (optionally) the inspector's per-update numbers."""

    key: str
    label: str
    path: Array  # (n, 2), all finite
    loss: Array  # (n,)
    steps: int  # updates requested
    diverged_at: int | None = None  # first update that produced a non-finite/huge value
    grads: Array | None = None  # (n − 1, 2)
    lr: Array | None = None  # (n − 1,)
    eff_lr: Array | None = None  # (n − 1, 2)
    states: Mapping[str, Array] = field(default_factory=dict)  # name -> (n − 1, 2)
    state_labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def n_points(self) -> int:
        return int(self.path.shape[0])

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None

    @property
    def final(self) -> Array:
        return self.path[-1]

    @property
    def final_loss(self) -> float:
        return float(self.loss[-1])

    def path_length(self) -> float:
        """Total distance travelled along the finite part of the path."""
        if self.n_points < 2:
            return 0.0
        return float(np.sqrt((np.diff(self.path, axis=0) ** 2).sum(axis=1)).sum())

    @classmethod
    def from_frame(
        cls, df: pd.DataFrame, key: str, label: str, steps: int,
        state_labels: Mapping[str, str] | None = None,
    ) -> "Trajectory":
        """Build from the engine's ``simulate`` DataFrame (row 0 = start, one row per update).

        Rows with a non-finite position or loss are dropped (``simulate`` already ends a
        diverged run at its last finite row; this keeps the contract even if it did not).
        """
        xy = df[["x", "y"]].to_numpy(dtype=float)
        loss = df["loss"].to_numpy(dtype=float)
        ok = np.isfinite(xy).all(axis=1) & np.isfinite(loss)
        n = int(np.argmin(ok)) if not ok.all() else len(ok)
        n = max(n, 1)
        xy, loss = xy[:n], loss[:n]
        diverged_at = df.attrs.get("diverged_at")
        if diverged_at is None and n < len(df):
            diverged_at = n
        if diverged_at is None and n - 1 < steps and len(df) < steps + 1:
            diverged_at = n

        def per_update(cols: list[str]) -> Array | None:
            if not all(c in df.columns for c in cols):
                return None
            arr = df[cols].to_numpy(dtype=float)[1:n]
            return arr if len(cols) > 1 else arr[:, 0]

        state_names = sorted(
            {c[:-2] for c in df.columns if c.endswith("_x") and c[:-2] + "_y" in df.columns}
            - {"eff_lr"}
        )
        states = {name: per_update([f"{name}_x", f"{name}_y"]) for name in state_names}
        labels = dict(state_labels or {})
        return cls(
            key=key,
            label=label,
            path=xy,
            loss=loss,
            steps=int(steps),
            diverged_at=None if diverged_at is None else int(diverged_at),
            grads=per_update(["gx", "gy"]),
            lr=per_update(["lr"]),
            eff_lr=per_update(["eff_lr_x", "eff_lr_y"]),
            states={k: v for k, v in states.items() if v is not None},
            state_labels={k: labels.get(k, k) for k in states},
        )


def downsample_index(n: int, limit: int) -> Array:
    """At most ``limit`` indices from ``range(n)``, always keeping the first and last."""
    if n <= limit:
        return np.arange(n)
    idx = np.unique(np.linspace(0, n - 1, limit).round().astype(int))
    return idx
