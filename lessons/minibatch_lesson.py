"""The batch vs mini-batch lesson's numbers: three runs that do the same work, and their costs.

Why equal epochs: the lesson compares methods at equal *work* (sample-gradients), so every run
sees each data point the same number of times; the step counts differ (⌈N/B⌉ per epoch).
Plain numpy, no Streamlit: the page only draws; ``tests/test_minibatch_lesson.py`` tests this.

The runs' names are `Msg` values (``i18n/<lang>/minibatch_lesson.toml``): the page caches the runs
across sessions, and `BatchRun.label` writes the name in the reader's language.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from i18n import Msg, t, text
from optimizers import Schedule, run_batch


@dataclass(frozen=True)
class BatchRun:
    """One of the three runs: its batch size, steps per epoch, path (steps+1, 2) and loss."""

    #: The run's name (a `Msg`, or text): `label` writes it in the current language.
    name: Msg | str
    batch: int
    per_epoch: int
    path: np.ndarray
    loss: np.ndarray
    #: Step at which the run diverged, or None.
    diverged_at: int | None

    @property
    def label(self) -> str:
        return text(self.name)

    @property
    def total_steps(self) -> int:
        return len(self.path) - 1

    def loss_per_epoch(self, f_star: float) -> tuple[np.ndarray, np.ndarray]:
        """(epochs done, f − f*) per step, floored at 1e-16 for a log axis."""
        return np.arange(len(self.loss)) / self.per_epoch, np.maximum(self.loss - f_star, 1e-16)


def batch_labels(n: int, batch: int) -> tuple[tuple[Msg, int], ...]:
    """The three runs of the lesson, named by `Msg` values: full batch, the chosen mini-batch, SGD (B = 1)."""
    return ((Msg.of("minibatch_lesson.run.full", n=int(n)), n),
            (Msg.of("minibatch_lesson.run.mini", batch=int(batch)), batch),
            (Msg.of("minibatch_lesson.run.sgd"), 1))


def batch_sizes(n: int, batch: int) -> tuple[tuple[str, int], ...]:
    """The three runs of the lesson (full batch, the chosen mini-batch, SGD), named in the current language."""
    return tuple((text(name), b) for name, b in batch_labels(n, batch))


def equal_work_runs(surface, optimizer, hyper: dict, start, epochs: int, batch: int, seed: int,
                    schedule: Schedule | None = None, schedule_per_epoch: bool = False) -> list[BatchRun]:
    """Full-batch, mini-batch and single-sample runs over the same number of epochs of ``surface``'s data.

    ``schedule_per_epoch`` steps the schedule once per epoch (⌈N/B⌉ updates), as the course
    counts decay; otherwise once per update, so the same schedule decays N times faster for SGD
    than for full-batch GD, which is what the per-epoch choice is there to show.
    """
    n = int(surface.n_samples)  # a finite-sum surface (surfaces.regression)
    out = []
    for label, b in batch_labels(n, batch):
        per_epoch = math.ceil(n / b)
        sched = schedule.per_epoch(per_epoch) if schedule is not None and schedule_per_epoch else schedule
        res = run_batch(surface, optimizer, hyper, start, epochs * per_epoch, batch_size=b, seed=seed, record="path",
                        schedule=sched)
        at = int(res.diverged_at[0])
        out.append(BatchRun(label, b, per_epoch, res.path[:, 0], res.loss[:, 0], at if at >= 0 else None))
    return out


def cost_rows(runs: list[BatchRun], f_star: float) -> dict[str, list]:
    """The cost table's columns: same work per epoch, split into more and cheaper steps as B shrinks.

    The column names are in the current language (``minibatch_lesson.cost.<column>``).
    """
    return {
        t("minibatch_lesson.cost.run"): [r.label for r in runs],
        t("minibatch_lesson.cost.per_step"): [r.batch for r in runs],
        t("minibatch_lesson.cost.per_epoch"): [r.per_epoch for r in runs],
        t("minibatch_lesson.cost.total"): [r.total_steps for r in runs],
        t("minibatch_lesson.cost.final"): [float(r.loss[-1] - f_star) for r in runs],
        t("minibatch_lesson.cost.diverged_at"): [r.diverged_at for r in runs],
    }
