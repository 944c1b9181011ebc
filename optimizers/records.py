"""What one ``run_batch`` call works on and writes: its checked setup, its result, the noise it
draws, the divergence limits, and step 0 (the start) recorded before either loop runs.

Both loops (the numpy reference in ``numpy_loop.py`` and the compiled drivers in
``compiled.py``) start from the ``Begun`` that ``begin`` returns and fill the same
``BatchResult``, so everything that happens before the first update exists once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .base import Array, Optimizer
from .schedules import Schedule

#: A run diverges at the first update whose new |params| exceeds this (or is not finite) ...
MAX_ABS_PARAM = 1e6
#: ... or whose loss exceeds this (or is NaN, or -inf). The compiled drivers' templates are
#: filled from these two constants (``compiled.py``), so both loops stop at the same point.
MAX_LOSS = 1e30
MAX_SIMULATE_STEPS = 100_000
RECORD_MODES = ("final", "path", "full")


@dataclass
class BatchResult:
    """Everything ``run_batch`` computed. Shapes: S steps, R runs.

    ``path``/``loss`` are None for record="final". After a run diverges, its rows repeat its
    last finite point (and its last finite state); its gradients and effective learning rates
    are recorded as 0 from the diverging step on, since that update was never applied.
    The loops write straight into one of these (allocated by ``begin``).
    """

    final: Array  # (R, 2)
    final_loss: Array  # (R,)
    diverged_at: Array  # (R,) int, 1-based step, -1 if the run never diverged
    steps_to_tol: Array  # (R,) int, -1 if never (or tol/minima unknown)
    path: Array | None = None  # (S+1, R, 2)
    loss: Array | None = None  # (S+1, R)
    grads: Array | None = None  # (S, R, 2) gradient used in update t (after noise, clipping)
    lr: Array | None = None  # (S, R) learning rate in force at update t
    eff_lr: Array | None = None  # (S, R, 2) lr × preconditioner after update t
    states: dict[str, Array] | None = None  # key -> (S, R, 2), state after update t


@dataclass
class SweepResult:
    """A 1-D or 2-D grid of runs; every array is shaped like the grid, ``(n1, n2)``."""

    keys: tuple[str, ...]
    values: tuple[Array, ...]
    final_loss: Array
    diverged: Array  # bool
    diverged_at: Array  # int, -1 if not diverged
    steps_to_tol: Array  # int, -1 if never
    final: Array  # (n1, n2, 2)

    @property
    def axes(self) -> dict[str, Array]:
        return dict(zip(self.keys, self.values))


@dataclass(frozen=True)
class Setup:
    """Everything one ``run_batch`` call fixed before the loop: checked, per-run shaped."""

    surface: Any
    optimizer: Optimizer
    hyper: dict[str, Any]  # resolved; floats or Fortran-ordered (R, 1) / (R, 2) arrays
    starts: Array  # (R, 2) or (1, 2)
    runs: int  # R
    steps: int  # S
    dtype: np.dtype
    noise: "float | Array"
    seed: "int | Array"
    schedule: Schedule | None
    clip_norm: "float | Array | None"
    batch_size: int | None
    record: str
    tol: float | None


class NoiseStream:
    """z[t-1] for every run: one shared stream (int seed) or one stream per run (array of seeds).

    Per-run streams are drawn in chunks of steps so memory stays O(R · chunk); a Generator fills
    consecutive ``standard_normal`` calls from the same sequence as one big call would, so the
    chunking does not change a single number.
    """

    def __init__(self, seed: "int | Array", steps: int, runs: int):
        self.steps = steps
        if isinstance(seed, int):
            self.shared = np.random.default_rng(seed).standard_normal((steps, 2))
            self.rngs = None
        else:
            self.shared = None
            seeds = np.broadcast_to(seed, (runs,))
            self.rngs = [np.random.default_rng(int(s)) for s in seeds]
            self.chunk = max(1, min(steps, (1 << 20) // max(runs, 1)))
            self.block: Array | None = None
            self.block_start = 0

    def at(self, t: int) -> Array:
        """z[t-1]: shape (2,) when shared, (R, 2) per run."""
        if self.shared is not None:
            return self.shared[t - 1]
        i = t - 1
        if self.block is None or i >= self.block_start + self.block.shape[0]:
            size = min(self.chunk, self.steps - i)
            self.block = np.stack([rng.standard_normal((size, 2)) for rng in self.rngs], axis=1)
            self.block_start = i
        return self.block[i - self.block_start]


def as_loss(value: Any, n: int, dtype) -> Array:
    """f's value as an (n,) array of the runs' dtype (a constant f returns a scalar)."""
    arr = np.asarray(value, dtype=dtype)
    if arr.shape != (n,):
        arr = np.broadcast_to(arr, (n,)).copy()
    return arr


@dataclass
class Begun:
    """A batch at step 0: the start recorded, runs whose f is not finite there frozen."""

    out: BatchResult
    params: Array  # (R, 2), Fortran order (columns contiguous)
    loss: Array  # (R,)
    state: dict[str, Any]  # opt.init(params)
    stream: NoiseStream | None  # None without noise
    factors: Array | None  # schedule factor of update t at [t - 1]; None: constant
    threshold: float  # f* + tol; inf when tol is not tracked
    pending: Array | None  # runs that have not reached tol yet (None: not tracked)
    bad_start: Array  # runs frozen at step 0 (diverged_at == 0)


def begin(setup: Setup) -> Begun:
    """Allocate the result and record step 0, the same for both loops."""
    R, S, dtype, opt, surface = setup.runs, setup.steps, setup.dtype, setup.optimizer, setup.surface
    P = np.empty((2, R), dtype=dtype).T  # Fortran order: columns contiguous
    P[:] = setup.starts
    L = as_loss(surface.f(P[:, 0], P[:, 1]), R, dtype)
    state = opt.init(P)
    out = BatchResult(
        final=np.empty((R, 2), dtype=dtype),
        final_loss=np.empty(R, dtype=dtype),
        diverged_at=np.full(R, -1, dtype=np.int64),
        steps_to_tol=np.full(R, -1, dtype=np.int64),
    )
    noise_on = bool(np.any(np.asarray(setup.noise) != 0))
    stream = NoiseStream(setup.seed, S, R) if noise_on else None
    sched = setup.schedule
    factors = None
    if sched is not None and sched.key != "constant":
        factors = np.asarray(sched.factor(np.arange(1, S + 1), S), dtype=float)

    fstar = surface.f_star if setup.tol is not None else None
    threshold, pending = math.inf, None
    if fstar is not None:
        threshold = fstar + setup.tol
        hit = L <= threshold
        out.steps_to_tol[hit] = 0
        pending = ~hit

    if setup.record != "final":
        out.path = np.empty((S + 1, R, 2), dtype=dtype)
        out.loss = np.empty((S + 1, R), dtype=dtype)
        out.path[0] = P
        out.loss[0] = L
    if setup.record == "full":
        out.grads = np.zeros((S, R, 2), dtype=dtype)
        out.eff_lr = np.zeros((S, R, 2), dtype=dtype)
        lr_per_run = np.broadcast_to(np.asarray(setup.hyper["lr"], dtype=float).reshape(-1), (R,))
        lr_factors = factors if factors is not None else np.ones(S)
        out.lr = (lr_factors[:, None] * lr_per_run[None, :]).astype(dtype)
        # every state entry, vectors and scalars (a step count, β powers) alike, as (S, R, 2)
        out.states = {k: np.zeros((S, R, 2), dtype=dtype) for k in state}

    bad_start = ~np.isfinite(L)  # f undefined at the start: diverged "at step 0"
    if bad_start.any():  # frozen where they stand (both loops skip them)
        out.diverged_at[bad_start] = 0
        out.final[bad_start] = P[bad_start]
        out.final_loss[bad_start] = L[bad_start]
        if out.path is not None:
            out.path[:, bad_start] = P[bad_start]
            out.loss[:, bad_start] = L[bad_start]
    return Begun(out, P, L, state, stream, factors, threshold, pending, bad_start)
