"""Optimizers, schedules, clipping and the simulation engine.

Everything here is plain numpy (pandas only inside ``simulate``), so a notebook or a benchmark
can use it without Streamlit. ``OPTIMIZERS`` is ordered from simplest to most elaborate, the
order the app lists them in.
"""

from __future__ import annotations

from .adagrad import ADAGRAD
from .adam import ADAM, ADAMW
from .base import HyperSpec, Optimizer
from .engine import BatchResult, SweepResult, run_batch, simulate, sweep
from .nadam import NADAM
from .rmsprop import RMSPROP
from .schedules import SCHEDULES, Schedule, ScheduleSpec, clip_by_norm, make_schedule
from .sgd import MOMENTUM, MOMENTUM_CONVENTIONS, NESTEROV, SGD

OPTIMIZERS: dict[str, Optimizer] = {
    opt.key: opt for opt in (SGD, MOMENTUM, NESTEROV, ADAGRAD, RMSPROP, ADAM, ADAMW, NADAM)
}

__all__ = [
    "OPTIMIZERS",
    "Optimizer",
    "HyperSpec",
    "SCHEDULES",
    "ScheduleSpec",
    "make_schedule",
    "Schedule",
    "clip_by_norm",
    "run_batch",
    "BatchResult",
    "simulate",
    "sweep",
    "SweepResult",
    "MOMENTUM_CONVENTIONS",
]
