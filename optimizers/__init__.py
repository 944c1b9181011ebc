"""Optimizers, schedules, clipping and the simulation engine.

Everything here is plain numpy (pandas only inside ``simulate``), so a notebook or a benchmark
can use it without Streamlit. ``OPTIMIZERS`` is ordered from simplest to most elaborate, the
order the app lists them in.
"""

from __future__ import annotations

from importlib import import_module

from .base import HyperSpec, Optimizer
from .engine import BatchResult, SweepResult, run_batch, simulate, sweep
from .schedules import SCHEDULES, Schedule, ScheduleSpec, clip_by_norm, make_schedule
from .sgd import MOMENTUM_CONVENTIONS

#: The registry in display order, one line per optimizer: "<module>:<declaration>". An optimizer
#: owns everything the app shows about it, so adding one is its module plus one line here.
REGISTRY = (
    "sgd:SGD",
    "sgd:MOMENTUM",
    "sgd:NESTEROV",
    "adagrad:ADAGRAD",
    "rmsprop:RMSPROP",
    "adam:ADAM",
    "adam_nobias:ADAM_NO_BIAS_CORRECTION",
    "adam:ADAMW",
    "nadam:NADAM",
    "adamax:ADAMAX",
)


def _declared(entry: str) -> Optimizer:
    module, _, name = entry.partition(":")
    return getattr(import_module(f".{module}", __name__), name)


OPTIMIZERS: dict[str, Optimizer] = {opt.key: opt for opt in map(_declared, REGISTRY)}

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
