"""The simulation engine: advance R runs of one optimizer on one surface, all at once.

``run_batch`` is the single entry everything else is built on: ``simulate`` is one run with
everything recorded (a pandas DataFrame for the step inspector), ``sweep`` is a grid of
hyperparameters with only final values kept (memory O(R), not O(R × steps)).

This module only dispatches; each part has its own module (ARCHITECTURE.md, "Engine"):

* ``arguments``  checks the arguments and resolves registry keys into a ``records.Setup``;
* ``records``    the setup, the result, the noise stream, the divergence limits, step 0;
* ``numpy_loop`` the reference loop (the definition of the result, torch's order of operations);
* ``compiled``   the same loop compiled with numba, used only where it gives the same bits and
  its driver is already compiled or loadable from the disk cache (``compile_queue`` compiles
  the others in the background, so no caller ever waits for numba).
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from . import compiled, numpy_loop
from .arguments import batch_setup, check_steps, resolve_optimizer, resolve_surface
from .base import Array
from .records import (  # noqa: F401 - re-exported: the engine's public names
    MAX_ABS_PARAM,
    MAX_LOSS,
    MAX_SIMULATE_STEPS,
    RECORD_MODES,
    BatchResult,
    SweepResult,
    begin,
)
from .schedules import Schedule


#: glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_MALLOC_TUNED = False


def _keep_freed_memory() -> None:
    """Let glibc keep freed arrays for reuse instead of handing them back to the kernel.

    Why: every update allocates a handful of (R, 2) temporaries and frees the previous step's.
    With glibc's defaults (allocations above ~128 KiB are mmap'ed, and free memory above a
    few hundred KiB at the top of the heap is returned at once), a 10,000-run step maps and
    unmaps its arrays and page-faults on every first touch: measured, a third of the time of
    a 10,000-run Adam batch. Allocations up to 4 MiB now come from the heap and up to 32 MiB
    of free heap is kept (process-wide, once; a no-op where the C library is not glibc).
    """
    global _MALLOC_TUNED
    if _MALLOC_TUNED:
        return
    _MALLOC_TUNED = True
    try:
        import ctypes
        import platform

        if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
            return
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, 4 << 20)
        libc.mallopt(_M_TRIM_THRESHOLD, 32 << 20)
    except (OSError, AttributeError, ValueError):  # pragma: no cover - exotic platforms
        pass


def run_batch(
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
) -> BatchResult:
    """Advance R runs at once; see ``numpy_loop`` for the update and ARCHITECTURE.md.

    ``starts`` is (2,) or (R, 2). Hyperparameters (and ``noise``, ``clip_norm``) are floats or
    arrays with one value per run: shape (R,), (R, 1), or (R, 2) for per-coordinate values.
    ``seed`` is an int (one noise stream shared by all runs: common random numbers, so runs
    differ only by their settings) or an (R,) array (one stream per run). Raises ValueError for
    invalid arguments; never raises because a run diverged.
    """
    _keep_freed_memory()
    setup = batch_setup(
        surface, optimizer, hyper, starts, steps, noise=noise, seed=seed, schedule=schedule,
        clip_norm=clip_norm, batch_size=batch_size, record=record, tol=tol,
    )
    with np.errstate(all="ignore"):
        begun = begin(setup)
        # The compiled driver where it is exact and ready (compiled or loadable now: never a
        # wait for numba); otherwise the reference loop. Both give the same bits.
        if compiled.supports(setup) and compiled.run(setup, begun):
            return begun.out
        return numpy_loop.run(setup, begun)


# ---------------------------------------------------------------------------------------------
# One run as a table, and grids of runs


def simulate(
    surface,
    optimizer,
    hyper: Mapping[str, Any] | None = None,
    start=None,
    steps: int = 200,
    noise: float = 0.0,
    seed: int = 0,
    schedule: "Schedule | str | None" = None,
    clip_norm: float | None = None,
    batch_size: int | None = None,
):
    """One run with everything recorded, as a pandas DataFrame (the step inspector's table).

    Columns: step, x, y, loss, gx, gy, lr, dx, dy, eff_lr_x, eff_lr_y, then <state>_x,
    <state>_y for each of the optimizer's ``state_names`` and one column <key> for each scalar
    state entry (``count``, β powers), so a row holds the whole state the next update starts
    from (the step inspector replays that update with the optimizer's own rule). Row 0 is the start (noise-free
    gradient there, the lr of update 1, zeros for step and state columns); row t is the point
    after update t with the gradient actually used in it (after noise and clipping). A diverged
    run ends at its last finite row and ``df.attrs["diverged_at"]`` holds the diverging update
    (None if it never diverged).
    """
    import pandas as pd  # the table is for people; the numeric core does not need pandas

    surface = resolve_surface(surface)
    opt = resolve_optimizer(optimizer)
    steps = check_steps(steps, MAX_SIMULATE_STEPS)
    if start is None:
        start = surface.start
    try:
        start_arr = np.asarray(start, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"start must be two numbers, got {start!r}") from None  # i18n: internal
    if start_arr.shape != (2,):
        raise ValueError(f"start must be two numbers (x, y), got {start!r}")  # i18n: internal
    if np.ndim(noise) or np.ndim(seed) or (clip_norm is not None and np.ndim(clip_norm)):
        raise ValueError("simulate runs one run: noise, seed and clip_norm must be single numbers")  # i18n: internal

    res = run_batch(
        surface, opt, hyper, start_arr, steps, noise=noise, seed=seed, schedule=schedule,
        clip_norm=clip_norm, batch_size=batch_size, record="full",
    )
    d = int(res.diverged_at[0])
    if d == 0:
        raise ValueError(f"start: f is not finite at {tuple(start_arr)}; choose another start")  # i18n: internal
    last = steps if d < 0 else d - 1  # last finite row
    path = res.path[: last + 1, 0]
    with np.errstate(all="ignore"):
        g0 = np.array(surface.grad(start_arr[0], start_arr[1]), dtype=float).reshape(2)
    g0 = np.where(np.isfinite(g0), g0, 0.0)

    def with_row0(first, rest):
        return np.concatenate([np.asarray(first, dtype=float).reshape(1, -1), rest[:last, 0].reshape(last, 2)])

    grads = with_row0(g0, res.grads)
    lr = np.concatenate([[float(res.lr[0, 0])], res.lr[:last, 0]])
    step_xy = np.vstack([np.zeros((1, 2)), np.diff(path, axis=0)])
    eff = with_row0([0.0, 0.0], res.eff_lr)
    columns: dict[str, Array] = {
        "step": np.arange(last + 1),
        "x": path[:, 0],
        "y": path[:, 1],
        "loss": res.loss[: last + 1, 0],
        "gx": grads[:, 0],
        "gy": grads[:, 1],
        "lr": lr,
        "dx": step_xy[:, 0],
        "dy": step_xy[:, 1],
        "eff_lr_x": eff[:, 0],
        "eff_lr_y": eff[:, 1],
    }
    init = opt.init(start_arr[None, :])
    for key in opt.state_names:
        values = with_row0([0.0, 0.0], res.states[key])
        columns[f"{key}_x"] = values[:, 0]
        columns[f"{key}_y"] = values[:, 1]
    for key in init:  # the optimizer's scalar state (a step count, β powers): one column each
        if key not in opt.state_names:
            first = float(np.asarray(init[key], dtype=float).reshape(-1)[0])
            columns[key] = with_row0([first, first], res.states[key])[:, 0]
    df = pd.DataFrame(columns)
    df.attrs["diverged_at"] = None if d < 0 else d
    df.attrs["optimizer"] = opt.key
    df.attrs["surface"] = getattr(surface, "key", None)
    return df


def sweep(
    surface,
    optimizer,
    axes: Mapping[str, Any],
    hyper: Mapping[str, Any] | None = None,
    start=None,
    steps: int = 1000,
    *,
    noise: float = 0.0,
    seed: int = 0,
    schedule: "Schedule | str | None" = None,
    clip_norm: float | None = None,
    tol: float | None = 1e-3,
) -> SweepResult:
    """A grid over one or two hyperparameters in one vectorized ``run_batch(record="final")``.

    ``axes`` maps hyperparameter keys to 1-D value arrays ({"lr": lrs, "momentum": mus});
    the grid is ``indexing="ij"``: cell [i, j] uses axes[key1][i] and axes[key2][j]. With an int
    seed every cell sees the same noise stream, so a cell equals ``simulate`` with that seed.
    """
    surface = resolve_surface(surface)
    opt = resolve_optimizer(optimizer)
    if not isinstance(axes, Mapping) or not 1 <= len(axes) <= 2:
        raise ValueError("axes must map one or two hyperparameter keys to 1-D value arrays")  # i18n: internal
    keys = tuple(axes)
    values = []
    for key in keys:
        if key not in opt.hyper_keys:
            raise ValueError(f"{opt.label} has no hyperparameter {key!r} to sweep")  # i18n: internal
        v = np.asarray(axes[key], dtype=float).ravel()
        if v.size == 0:
            raise ValueError(f"axis {key!r} has no values")  # i18n: internal
        values.append(v)
    grids = np.meshgrid(*values, indexing="ij")
    shape = grids[0].shape
    full_hyper = dict(hyper or {})
    for key, grid in zip(keys, grids):
        full_hyper[key] = grid.reshape(-1, 1)
    if start is None:
        start = surface.start
    res = run_batch(
        surface, opt, full_hyper, np.asarray(start, dtype=float), steps, noise=noise, seed=seed,
        schedule=schedule, clip_norm=clip_norm, record="final", tol=tol,
    )
    runs = grids[0].size
    final = np.broadcast_to(res.final, (runs, 2)).reshape(shape + (2,))
    return SweepResult(
        keys=keys,
        values=tuple(values),
        final_loss=np.broadcast_to(res.final_loss, (runs,)).reshape(shape),
        diverged=(np.broadcast_to(res.diverged_at, (runs,)) >= 0).reshape(shape),
        diverged_at=np.broadcast_to(res.diverged_at, (runs,)).reshape(shape),
        steps_to_tol=np.broadcast_to(res.steps_to_tol, (runs,)).reshape(shape),
        final=final,
    )


__all__ = ["run_batch", "BatchResult", "simulate", "sweep", "SweepResult"]
