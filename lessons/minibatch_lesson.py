"""The batch vs mini-batch lesson's numbers: three runs that do the same work, and their costs.

Why equal epochs: the lesson compares methods at equal *work* (sample-gradients), so every run
sees each data point the same number of times; the step counts differ (⌈N/B⌉ per epoch).
Plain numpy, no Streamlit: the page only draws; ``tests/test_minibatch_lesson.py`` tests this.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from optimizers import Schedule, run_batch


@dataclass(frozen=True)
class BatchRun:
    """One of the three runs: its batch size, steps per epoch, path (steps+1, 2) and loss."""

    label: str
    batch: int
    per_epoch: int
    path: np.ndarray
    loss: np.ndarray
    #: Step at which the run diverged, or None.
    diverged_at: int | None

    @property
    def total_steps(self) -> int:
        return len(self.path) - 1

    def loss_per_epoch(self, f_star: float) -> tuple[np.ndarray, np.ndarray]:
        """(epochs done, f − f*) per step, floored at 1e-16 for a log axis."""
        return np.arange(len(self.loss)) / self.per_epoch, np.maximum(self.loss - f_star, 1e-16)


def batch_sizes(n: int, batch: int) -> tuple[tuple[str, int], ...]:
    """The three runs of the lesson: full batch, the chosen mini-batch, and SGD (B = 1)."""
    return ((f"Full batch (B = {n})", n), (f"Mini-batch (B = {batch})", batch), ("SGD (B = 1)", 1))


def equal_work_runs(surface, optimizer, hyper: dict, start, epochs: int, batch: int, seed: int,
                    schedule: Schedule | None = None, schedule_per_epoch: bool = False) -> list[BatchRun]:
    """Full-batch, mini-batch and single-sample runs over the same number of epochs of ``surface``'s data.

    ``schedule_per_epoch`` steps the schedule once per epoch (⌈N/B⌉ updates), as the course
    counts decay; otherwise once per update, so the same schedule decays N times faster for SGD
    than for full-batch GD, which is what the per-epoch choice is there to show.
    """
    n = int(surface.n_samples)  # a finite-sum surface (surfaces.regression)
    out = []
    for label, b in batch_sizes(n, batch):
        per_epoch = math.ceil(n / b)
        sched = schedule.per_epoch(per_epoch) if schedule is not None and schedule_per_epoch else schedule
        res = run_batch(surface, optimizer, hyper, start, epochs * per_epoch, batch_size=b, seed=seed, record="path",
                        schedule=sched)
        at = int(res.diverged_at[0])
        out.append(BatchRun(label, b, per_epoch, res.path[:, 0], res.loss[:, 0], at if at >= 0 else None))
    return out


def cost_rows(runs: list[BatchRun], f_star: float) -> dict[str, list]:
    """The cost table's columns: same work per epoch, split into more and cheaper steps as B shrinks."""
    return {
        "run": [r.label for r in runs],
        "sample-gradients per step": [r.batch for r in runs],
        "steps per epoch": [r.per_epoch for r in runs],
        "total steps": [r.total_steps for r in runs],
        "final f − f*": [float(r.loss[-1] - f_star) for r in runs],
        "diverged at step": [r.diverged_at for r in runs],
    }
