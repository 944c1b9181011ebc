"""The engine's arguments, checked once: a surface or optimizer by object or registry key, and
every ``run_batch`` argument turned into a ``records.Setup``.

``resolve_surface``/``resolve_optimizer`` are the one place a registry key becomes an object
(the engine and ``tuning`` both use them), so an unknown key is the same ValueError, naming
the choices, wherever it is passed.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from .base import Optimizer
from .records import RECORD_MODES, Setup
from .schedules import Schedule, resolve_schedule


def registered_surfaces() -> dict:
    """``surfaces.SURFACES`` (imported on first use: the registry is another package's)."""
    from surfaces import SURFACES

    return SURFACES


def registered_optimizers() -> dict:
    """``optimizers.OPTIMIZERS``. Lazy by design: the registry is the package itself
    (``optimizers/__init__``), built from every optimizer module and then the engine, which
    needs this module importable first."""
    from . import OPTIMIZERS

    return OPTIMIZERS


def resolve_surface(surface: Any):
    """A ``Surface``, or its key in ``surfaces.SURFACES``; ValueError for an unknown key."""
    if isinstance(surface, str):
        SURFACES = registered_surfaces()
        if surface not in SURFACES:
            raise ValueError(f"unknown surface {surface!r}; choose one of {', '.join(SURFACES)}")  # i18n: internal
        return SURFACES[surface]
    return surface


def resolve_optimizer(optimizer: Any) -> Optimizer:
    """An ``Optimizer``, or its key in ``optimizers.OPTIMIZERS``; ValueError otherwise."""
    if isinstance(optimizer, Optimizer):
        return optimizer
    OPTIMIZERS = registered_optimizers()

    if isinstance(optimizer, str) and optimizer in OPTIMIZERS:
        return OPTIMIZERS[optimizer]
    raise ValueError(f"unknown optimizer {optimizer!r}; choose one of {', '.join(OPTIMIZERS)}")  # i18n: internal


def check_steps(steps: Any, upper: float = math.inf) -> int:
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer, float, np.floating)):
        raise ValueError(f"steps must be a whole number, got {steps!r}")  # i18n: internal
    if isinstance(steps, (float, np.floating)) and not float(steps).is_integer():
        raise ValueError(f"steps must be a whole number, got {steps!r}")  # i18n: internal
    steps = int(steps)
    if steps < 1 or steps > upper:
        raise ValueError(f"steps must be between 1 and {upper:g}, got {steps}")  # i18n: internal
    return steps


def _per_run(name: str, value: Any, lengths: list[int]) -> "float | np.ndarray":
    """A float, or an array shaped (n, 1) / (n, 2) whose first axis indexes runs."""
    if isinstance(value, np.ndarray) or np.ndim(value) > 0:
        arr = np.asarray(value, dtype=float)
        if arr.ndim == 0:
            return float(arr)
        if arr.ndim == 1:
            arr = arr[:, None]  # one value per run
        if arr.ndim != 2 or arr.shape[1] not in (1, 2):
            raise ValueError(f"{name} must be a number or an array of shape (R,), (R, 1) or (R, 2)")  # i18n: internal
        lengths.append(arr.shape[0])
        return np.asfortranarray(arr)
    return float(value)


def _check_nonneg(name: str, value: Any, strict: bool = False) -> None:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None  # i18n: internal
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {value!r}")  # i18n: internal
    if np.any(arr <= 0) if strict else np.any(arr < 0):
        raise ValueError(f"{name} must be {'> 0' if strict else '>= 0'}, got {value!r}")  # i18n: internal


def _seeds(seed: Any, lengths: list[int]) -> "int | np.ndarray":
    arr = np.asarray(seed)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        if np.issubdtype(arr.dtype, np.floating) and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
            arr = arr.astype(np.int64)
        else:
            raise ValueError(f"seed must be an int or an array of ints, got {seed!r}")  # i18n: internal
    if np.any(arr < 0):
        raise ValueError(f"seed must be >= 0, got {seed!r}")  # i18n: internal
    if arr.ndim == 0:
        return int(arr)
    if arr.ndim != 1:
        raise ValueError("seed must be an int or a 1-D array with one seed per run")  # i18n: internal
    lengths.append(arr.shape[0])
    return arr.astype(np.int64)


def batch_setup(
    surface,
    optimizer,
    hyper: Mapping[str, Any] | None,
    starts,
    steps: int,
    *,
    noise: "float | np.ndarray" = 0.0,
    seed: "int | np.ndarray" = 0,
    schedule: "Schedule | str | None" = None,
    clip_norm: "float | np.ndarray | None" = None,
    batch_size: int | None = None,
    record: str = "path",
    tol: float | None = None,
) -> Setup:
    """``run_batch``'s arguments checked (ValueError naming the culprit) and shaped per run."""
    surface = resolve_surface(surface)
    opt = resolve_optimizer(optimizer)
    resolved = opt.resolve(hyper)
    steps = check_steps(steps)
    if record not in RECORD_MODES:
        raise ValueError(f"record must be one of {RECORD_MODES}, got {record!r}")  # i18n: internal
    _check_nonneg("noise", noise)
    if clip_norm is not None:
        _check_nonneg("clip_norm", clip_norm, strict=True)
    if batch_size is not None:
        if isinstance(batch_size, bool) or not float(batch_size).is_integer() or batch_size < 1:
            raise ValueError(f"batch_size must be a whole number >= 1, got {batch_size!r}")  # i18n: internal
        batch_size = int(batch_size)
    if tol is not None:
        _check_nonneg("tol", tol)
    sched = resolve_schedule(schedule)

    starts_arr = np.asarray(starts)
    dtype = starts_arr.dtype if starts_arr.dtype in (np.float32, np.float64) else np.dtype(float)
    try:
        starts_arr = starts_arr.astype(dtype)
    except (TypeError, ValueError):
        raise ValueError(f"start must be numbers, got {starts!r}") from None  # i18n: internal
    if starts_arr.shape == (2,):
        starts_arr = starts_arr[None, :]
    if starts_arr.ndim != 2 or starts_arr.shape[1] != 2:
        raise ValueError(f"starts must have shape (2,) or (R, 2), got {starts_arr.shape}")  # i18n: internal
    if not np.all(np.isfinite(starts_arr)):
        raise ValueError("start must be finite")  # i18n: internal

    lengths: list[int] = [starts_arr.shape[0]]
    hyp: dict[str, Any] = {k: _per_run(k, v, lengths) for k, v in resolved.items()}
    noise_v = _per_run("noise", noise, lengths)
    clip_v = None if clip_norm is None else _per_run("clip_norm", clip_norm, lengths)
    seed_v = _seeds(seed, lengths)
    runs = max(lengths)
    if any(n not in (1, runs) for n in lengths):
        raise ValueError(f"per-run arrays disagree on the number of runs: {sorted(set(lengths))}")  # i18n: internal
    if isinstance(hyp["lr"], np.ndarray) and hyp["lr"].shape[1] != 1:
        raise ValueError("lr must be a number or one value per run")  # i18n: internal
    for k, v in list(hyp.items()):  # hyper arrays in the runs' dtype, broadcast-friendly layout
        if isinstance(v, np.ndarray):
            hyp[k] = np.asfortranarray(v, dtype=dtype)

    return Setup(
        surface=surface, optimizer=opt, hyper=hyp, starts=starts_arr, runs=runs, steps=steps,
        dtype=dtype, noise=noise_v, seed=seed_v, schedule=sched, clip_norm=clip_v,
        batch_size=batch_size, record=record, tol=tol,
    )
