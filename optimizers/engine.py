"""The simulation engine: advance R runs of one optimizer on one surface, all at once.

``run_batch`` is the single loop everything else is built on: ``simulate`` is one run with
everything recorded (a pandas DataFrame for the step inspector), ``sweep`` is a grid of
hyperparameters with only final values kept (memory O(R), not O(R × steps)).

Per update t (1-based) the gradient oracle is::

    g = ∇f(θ)                     or the mean gradient over a mini-batch (finite-sum surfaces)
    g = g + noise · z[t-1]        z = default_rng(seed).standard_normal((steps, 2))
    g = clip_by_norm(g, clip)     if clip_norm is set
    θ, state = update(θ, g, state, hyper with lr = lr · schedule.factor(t, steps), t)

Divergence: a run diverges at the first update whose new params, loss or optimizer state are
non-finite, or whose |params| > 1e6 or loss > 1e30. It is then frozen at its last finite point
and dropped from the arrays the loop works on, so a sweep full of exploding cells gets *faster*,
and no NaN or overflow warning ever reaches the caller.

Why the layout tricks: runs are stored as Fortran-ordered ``(R, 2)`` arrays (the x column and the
y column are each contiguous). Surfaces then evaluate ``f(x, y)`` on contiguous vectors, and a
per-run hyperparameter of shape ``(R, 1)`` broadcasts along contiguous memory; with C order numpy
would iterate that broadcast two elements at a time, several times slower.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from . import compiled
from .base import Array, Optimizer
from .schedules import Schedule, clip_by_norm, resolve_schedule

MAX_ABS_PARAM = 1e6
MAX_LOSS = 1e30
MAX_SIMULATE_STEPS = 100_000
RECORD_MODES = ("final", "path", "full")


@dataclass
class BatchResult:
    """Everything ``run_batch`` computed. Shapes: S steps, R runs.

    ``path``/``loss`` are None for record="final". After a run diverges, its rows repeat its
    last finite point (and its last finite state); its gradients and effective learning rates
    are recorded as 0 from the diverging step on, since that update was never applied.
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


# ---------------------------------------------------------------------------------------------
# Argument handling


def _get_surface(surface: Any):
    if isinstance(surface, str):
        from surfaces import SURFACES  # lazy: the registry is built by another package

        if surface not in SURFACES:
            raise ValueError(f"unknown surface {surface!r}; choose one of {', '.join(SURFACES)}")
        return SURFACES[surface]
    return surface


def _get_optimizer(optimizer: Any) -> Optimizer:
    if isinstance(optimizer, Optimizer):
        return optimizer
    from . import OPTIMIZERS

    if isinstance(optimizer, str) and optimizer in OPTIMIZERS:
        return OPTIMIZERS[optimizer]
    raise ValueError(f"unknown optimizer {optimizer!r}; choose one of {', '.join(OPTIMIZERS)}")


def _check_steps(steps: Any, upper: float = math.inf) -> int:
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer, float, np.floating)):
        raise ValueError(f"steps must be a whole number, got {steps!r}")
    if isinstance(steps, (float, np.floating)) and not float(steps).is_integer():
        raise ValueError(f"steps must be a whole number, got {steps!r}")
    steps = int(steps)
    if steps < 1 or steps > upper:
        raise ValueError(f"steps must be between 1 and {upper:g}, got {steps}")
    return steps


def _per_run(name: str, value: Any, lengths: list[int]) -> "float | Array":
    """A float, or an array shaped (n, 1) / (n, 2) whose first axis indexes runs."""
    if isinstance(value, np.ndarray) or np.ndim(value) > 0:
        arr = np.asarray(value, dtype=float)
        if arr.ndim == 0:
            return float(arr)
        if arr.ndim == 1:
            arr = arr[:, None]  # one value per run
        if arr.ndim != 2 or arr.shape[1] not in (1, 2):
            raise ValueError(f"{name} must be a number or an array of shape (R,), (R, 1) or (R, 2)")
        lengths.append(arr.shape[0])
        return np.asfortranarray(arr)
    return float(value)


def _check_nonneg(name: str, value: Any, strict: bool = False) -> None:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if np.any(arr <= 0) if strict else np.any(arr < 0):
        raise ValueError(f"{name} must be {'> 0' if strict else '>= 0'}, got {value!r}")


def _seeds(seed: Any, lengths: list[int]) -> "int | Array":
    arr = np.asarray(seed)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        if np.issubdtype(arr.dtype, np.floating) and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
            arr = arr.astype(np.int64)
        else:
            raise ValueError(f"seed must be an int or an array of ints, got {seed!r}")
    if np.any(arr < 0):
        raise ValueError(f"seed must be >= 0, got {seed!r}")
    if arr.ndim == 0:
        return int(arr)
    if arr.ndim != 1:
        raise ValueError("seed must be an int or a 1-D array with one seed per run")
    lengths.append(arr.shape[0])
    return arr.astype(np.int64)


def _fstar(surface) -> float | None:
    """f* over the surface's known minima (None if it knows none)."""
    from surfaces.base import lowest_known_value

    return lowest_known_value(surface.f, getattr(surface, "minima", None))


# ---------------------------------------------------------------------------------------------
# Randomness: noise streams and mini-batch samplers


class _NoiseStream:
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


class _BatchSampler:
    """Shuffled mini-batches like a PyTorch DataLoader: a fresh permutation each epoch."""

    def __init__(self, seed: int, n_samples: int, batch_size: int):
        self.rng = np.random.default_rng(seed)
        self.n = n_samples
        self.bs = batch_size
        self.per_epoch = -(-n_samples // batch_size)
        self.epoch = -1
        self.perm: Array | None = None

    def indices(self, t: int) -> Array:
        """Sample indices of the batch used by update t (steps are visited in order)."""
        b = t - 1
        epoch, j = divmod(b, self.per_epoch)
        while self.epoch < epoch:
            self.perm = self.rng.permutation(self.n)
            self.epoch += 1
        return self.perm[j * self.bs : (j + 1) * self.bs]


class _Oracle:
    """Gradient at the current params: full, or mini-batch on finite-sum surfaces."""

    def __init__(self, surface, seed: "int | Array", batch_size: int | None, runs: int):
        self.surface = surface
        n = getattr(surface, "n_samples", None)
        finite_sum = n is not None and getattr(surface, "batch_grad", None) is not None
        self.minibatch = finite_sum and batch_size is not None and batch_size < n
        if self.minibatch:
            if isinstance(seed, int):
                self.samplers = [_BatchSampler(seed, n, batch_size)]
            else:
                seeds = np.broadcast_to(seed, (runs,))
                self.samplers = [_BatchSampler(int(s), n, batch_size) for s in seeds]
            self.vectorized: bool | None = None

    def __call__(self, x: Array, y: Array, t: int, ids: Array | None) -> tuple[Any, Any]:
        if not self.minibatch:
            return self.surface.grad(x, y)
        bg = self.surface.batch_grad
        if len(self.samplers) == 1:
            idx = self.samplers[0].indices(t)
            if self.vectorized is not False:
                try:
                    gx, gy = bg(x, y, idx)
                    if np.shape(gx) == x.shape and np.shape(gy) == x.shape:
                        self.vectorized = True
                        return gx, gy
                except Exception:  # a batch_grad that only takes scalars: loop over runs
                    if self.vectorized:
                        raise
                self.vectorized = False
            pairs = [bg(x[i], y[i], idx) for i in range(x.shape[0])]
        else:
            # per-run seeds: every run draws its own batches (sampled for every run, active or
            # not, so a run's batch sequence never depends on the others)
            all_idx = [s.indices(t) for s in self.samplers]
            runs = range(len(all_idx)) if ids is None else ids
            pairs = [bg(x[k], y[k], all_idx[r]) for k, r in enumerate(runs)]
        gx = np.array([float(np.asarray(p[0]).reshape(-1)[0]) for p in pairs])
        gy = np.array([float(np.asarray(p[1]).reshape(-1)[0]) for p in pairs])
        return gx, gy


# ---------------------------------------------------------------------------------------------
# The loop


def _bad_runs(params: Array, loss: Array, state: Mapping[str, Array]) -> Array:
    """Exact per-run divergence mask (NaN compares False, so it counts as bad)."""
    n = params.shape[0]
    ok = (np.abs(params) <= MAX_ABS_PARAM).all(axis=1)
    ok &= loss <= MAX_LOSS
    ok &= loss > -np.inf
    for value in state.values():
        ok &= np.isfinite(np.broadcast_to(value, (n,) + np.shape(value)[1:]).reshape(n, -1)).all(axis=1)
    return ~ok


def _all_ok(params: Array, loss: Array, state: Mapping[str, Array]) -> bool:
    """Cheap filter (a few reductions, no temporaries): True means no run diverged this step.

    max/min propagate NaN, so a False here only sends the step to the exact per-run check in
    ``_bad_runs``.
    """
    if not (params.max() <= MAX_ABS_PARAM and params.min() >= -MAX_ABS_PARAM):
        return False
    if not (loss.max() <= MAX_LOSS and loss.min() > -np.inf):
        return False
    for value in state.values():  # max/min: one cheap SIMD pass each, NaN propagates
        if isinstance(value, np.ndarray) and not (math.isfinite(value.max()) and math.isfinite(value.min())):
            return False
    return True


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
    noise: "float | Array" = 0.0,
    seed: "int | Array" = 0,
    schedule: "Schedule | str | None" = None,
    clip_norm: "float | Array | None" = None,
    batch_size: int | None = None,
    record: str = "path",
    tol: float | None = None,
) -> BatchResult:
    """Advance R runs at once; see the module docstring and ARCHITECTURE.md.

    ``starts`` is (2,) or (R, 2). Hyperparameters (and ``noise``, ``clip_norm``) are floats or
    arrays with one value per run: shape (R,), (R, 1), or (R, 2) for per-coordinate values.
    ``seed`` is an int (one noise stream shared by all runs: common random numbers, so runs
    differ only by their settings) or an (R,) array (one stream per run). Raises ValueError for
    invalid arguments; never raises because a run diverged.
    """
    _keep_freed_memory()
    surface = _get_surface(surface)
    opt = _get_optimizer(optimizer)
    resolved = opt.resolve(hyper)
    steps = _check_steps(steps)
    if record not in RECORD_MODES:
        raise ValueError(f"record must be one of {RECORD_MODES}, got {record!r}")
    _check_nonneg("noise", noise)
    if clip_norm is not None:
        _check_nonneg("clip_norm", clip_norm, strict=True)
    if batch_size is not None:
        if isinstance(batch_size, bool) or not float(batch_size).is_integer() or batch_size < 1:
            raise ValueError(f"batch_size must be a whole number >= 1, got {batch_size!r}")
        batch_size = int(batch_size)
    if tol is not None:
        _check_nonneg("tol", tol)
    sched = resolve_schedule(schedule)

    starts_arr = np.asarray(starts)
    dtype = starts_arr.dtype if starts_arr.dtype in (np.float32, np.float64) else np.dtype(float)
    try:
        starts_arr = starts_arr.astype(dtype)
    except (TypeError, ValueError):
        raise ValueError(f"start must be numbers, got {starts!r}") from None
    if starts_arr.shape == (2,):
        starts_arr = starts_arr[None, :]
    if starts_arr.ndim != 2 or starts_arr.shape[1] != 2:
        raise ValueError(f"starts must have shape (2,) or (R, 2), got {starts_arr.shape}")
    if not np.all(np.isfinite(starts_arr)):
        raise ValueError("start must be finite")

    lengths: list[int] = [starts_arr.shape[0]]
    hyp: dict[str, Any] = {k: _per_run(k, v, lengths) for k, v in resolved.items()}
    noise_v = _per_run("noise", noise, lengths)
    clip_v = None if clip_norm is None else _per_run("clip_norm", clip_norm, lengths)
    seed_v = _seeds(seed, lengths)
    runs = max(lengths)
    if any(n not in (1, runs) for n in lengths):
        raise ValueError(f"per-run arrays disagree on the number of runs: {sorted(set(lengths))}")
    if isinstance(hyp["lr"], np.ndarray) and hyp["lr"].shape[1] != 1:
        raise ValueError("lr must be a number or one value per run")
    for k, v in list(hyp.items()):  # hyper arrays in the runs' dtype, broadcast-friendly layout
        if isinstance(v, np.ndarray):
            hyp[k] = np.asfortranarray(v, dtype=dtype)

    setup = _Setup(
        surface=surface, optimizer=opt, hyper=hyp, starts=starts_arr, runs=runs, steps=steps,
        dtype=dtype, noise=noise_v, seed=seed_v, schedule=sched, clip_norm=clip_v,
        batch_size=batch_size, record=record, tol=tol,
    )
    with np.errstate(all="ignore"):
        return _loop(setup)


@dataclass(frozen=True)
class _Setup:
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


@dataclass
class _Record:
    """The arrays the loop writes its results into (``None`` where ``record`` keeps nothing)."""

    diverged_at: Array  # (R,)
    steps_to_tol: Array  # (R,)
    final: Array  # (R, 2)
    final_loss: Array  # (R,)
    path: Array | None = None  # (S+1, R, 2)
    loss: Array | None = None  # (S+1, R)
    grads: Array | None = None  # (S, R, 2)
    lr: Array | None = None  # (S, R)
    eff_lr: Array | None = None  # (S, R, 2)
    states: dict[str, Array] | None = None  # key -> (S, R, 2)


class _Active:
    """The runs still in flight, compacted: every per-run array holds only active runs.

    Diverged runs are dropped from these arrays (their results are written out at once), so the
    loop never spends a flop on a frozen run and never needs a per-step ``np.where``.
    """

    def __init__(self, P, state, L, hyp, noise, clip, R):
        self.ids: Array | None = None  # indices of the active runs (None: all of them)
        self.n = R
        self.P, self.state, self.L = P, state, L
        self.hyp = dict(hyp)
        self.noise, self.clip = noise, clip
        self.per_run = {k for k, v in hyp.items() if _is_per_run(v, R)}
        self.pending: Array | None = None  # runs that have not reached tol yet

    def keep(self, keep: Array) -> None:
        n = self.n
        self.ids = np.flatnonzero(keep) if self.ids is None else self.ids[keep]
        self.n = int(keep.sum())
        self.P = np.asfortranarray(self.P[keep])
        self.state = {k: _take(v, keep, n) for k, v in self.state.items()}
        self.L = self.L[keep]
        for k in self.per_run:
            self.hyp[k] = _take(self.hyp[k], keep, n)
        self.noise = _take(self.noise, keep, n)
        self.clip = _take(self.clip, keep, n)
        if self.pending is not None:
            self.pending = self.pending[keep]


def _is_per_run(value: Any, n: int) -> bool:
    return isinstance(value, np.ndarray) and value.ndim >= 1 and value.shape[0] == n > 1


def _take(value: Any, keep: Array, n: int) -> Any:
    """value[keep] for per-run arrays (leading axis n), anything else unchanged."""
    if _is_per_run(value, n):
        return np.asfortranarray(value[keep])
    return value


def _loop(setup: _Setup) -> BatchResult:
    R, S, dtype, opt, surface = setup.runs, setup.steps, setup.dtype, setup.optimizer, setup.surface
    full = setup.record == "full"
    keep_path = setup.record != "final"

    P = np.empty((2, R), dtype=dtype).T  # Fortran order: columns contiguous
    P[:] = setup.starts
    run = _Active(P, opt.init(P), _as_loss(surface.f(P[:, 0], P[:, 1]), R, dtype), setup.hyper,
                  setup.noise, setup.clip_norm, R)

    out = _Record(
        diverged_at=np.full(R, -1, dtype=np.int64),
        steps_to_tol=np.full(R, -1, dtype=np.int64),
        final=np.empty((R, 2), dtype=dtype),
        final_loss=np.empty(R, dtype=dtype),
    )

    noise_on = bool(np.any(np.asarray(setup.noise) != 0))
    stream = _NoiseStream(setup.seed, S, R) if noise_on else None
    per_run_noise = stream is not None and stream.shared is None
    oracle = _Oracle(surface, setup.seed, setup.batch_size, R)

    sched = setup.schedule
    factors = None
    if sched is not None and sched.key != "constant":
        factors = np.asarray(sched.factor(np.arange(1, S + 1), S), dtype=float)

    fstar = _fstar(surface) if setup.tol is not None else None
    threshold = math.inf
    n_pending = 0
    if fstar is not None:
        threshold = fstar + setup.tol
        hit = run.L <= threshold
        out.steps_to_tol[hit] = 0
        run.pending = ~hit
        n_pending = int(run.pending.sum())

    if keep_path:
        out.path = np.empty((S + 1, R, 2), dtype=dtype)
        out.loss = np.empty((S + 1, R), dtype=dtype)
        out.path[0] = run.P
        out.loss[0] = run.L
    if full:
        out.grads = np.zeros((S, R, 2), dtype=dtype)
        out.eff_lr = np.zeros((S, R, 2), dtype=dtype)
        lr_per_run = np.broadcast_to(np.asarray(setup.hyper["lr"], dtype=float).reshape(-1), (R,))
        lr_factors = factors if factors is not None else np.ones(S)
        out.lr = (lr_factors[:, None] * lr_per_run[None, :]).astype(dtype)
        # every state entry, vectors and scalars (a step count, β powers) alike, as (S, R, 2)
        out.states = {k: np.zeros((S, R, 2), dtype=dtype) for k in run.state}

    bad_start = ~np.isfinite(run.L)  # f undefined at the start: diverged "at step 0"
    if bad_start.any():
        _freeze(run, bad_start, 0, _Snapshot(run.P, run.state, run.L), out)
        run.keep(~bad_start)

    if compiled.supports(setup):  # the same loop, compiled (bit-identical; see compiled.py)
        compiled.run(setup, out, stream, factors, threshold)
        return _result(out)

    for t in range(1, S + 1):
        if run.n == 0:
            break
        P = run.P
        gx, gy = oracle(P[:, 0], P[:, 1], t, run.ids)
        G = np.empty((2, run.n), dtype=dtype)
        G[0] = gx
        G[1] = gy
        g = G.T  # (n, 2), Fortran order like P
        if noise_on:
            z = stream.at(t)
            if per_run_noise and run.ids is not None:
                z = z[run.ids]
            g += run.noise * z
        if run.clip is not None:
            g = clip_by_norm(g, run.clip)
        hyper_t = _hyper_at(run, factors, t)
        P_new, state_new = opt.update(P, g, run.state, hyper_t, t)
        L_new = _as_loss(surface.f(P_new[:, 0], P_new[:, 1]), run.n, dtype)

        if not _all_ok(P_new, L_new, state_new):
            bad = _bad_runs(P_new, L_new, state_new)
            if bad.any():
                _freeze(run, bad, t, _Snapshot(P, run.state, run.L), out)
                keep = ~bad
                n_old = run.n
                P_new = P_new[keep]
                state_new = {k: _take(v, keep, n_old) for k, v in state_new.items()}
                L_new = L_new[keep]
                g = g[keep]
                run.keep(keep)
                hyper_t = _hyper_at(run, factors, t)

        run.P, run.state, run.L = np.asfortranarray(P_new), state_new, L_new
        ids = run.ids
        if n_pending:
            reached = L_new <= threshold
            reached &= run.pending
            if reached.any():
                where = np.flatnonzero(reached)
                out.steps_to_tol[where if ids is None else ids[where]] = t
                run.pending[where] = False
                n_pending = int(run.pending.sum())
        if keep_path:
            if ids is None:
                out.path[t] = P_new
                out.loss[t] = L_new
            else:
                out.path[t, ids] = P_new
                out.loss[t, ids] = L_new
        if full and run.n:
            rows = slice(None) if ids is None else ids
            eff = hyper_t["lr"] * opt.preconditioner(run.state, hyper_t, t)
            out.grads[t - 1, rows] = g
            out.eff_lr[t - 1, rows] = np.broadcast_to(eff, (run.n, 2))
            for k, v in run.state.items():
                out.states[k][t - 1, rows] = np.broadcast_to(v, (run.n, 2))

    if run.n:
        rows = slice(None) if run.ids is None else run.ids
        out.final[rows] = run.P
        out.final_loss[rows] = run.L
    return _result(out)


def _result(out: _Record) -> BatchResult:
    return BatchResult(
        out.final, out.final_loss, out.diverged_at, out.steps_to_tol, path=out.path, loss=out.loss,
        grads=out.grads, lr=out.lr, eff_lr=out.eff_lr, states=out.states,
    )


def _hyper_at(run: _Active, factors: Array | None, t: int) -> Mapping[str, Any]:
    """Hyperparameters for update t: the scheduled lr (nothing else depends on t)."""
    if factors is None:
        return run.hyp
    h = dict(run.hyp)
    h["lr"] = run.hyp["lr"] * float(factors[t - 1])
    return h


@dataclass(frozen=True)
class _Snapshot:
    """The active runs before an update: where a diverging run is frozen."""

    params: Array  # (n, 2)
    state: Mapping[str, Any]
    loss: Array  # (n,)


def _freeze(run: _Active, bad: Array, t: int, before: _Snapshot, out: _Record) -> None:
    """Record the runs flagged ``bad`` at update t as diverged, frozen at their previous point."""
    run_ids = np.flatnonzero(bad) if run.ids is None else run.ids[bad]
    out.diverged_at[run_ids] = t
    out.final[run_ids] = before.params[bad]
    out.final_loss[run_ids] = before.loss[bad]
    if out.path is not None:
        out.path[t:, run_ids] = before.params[bad]
        out.loss[t:, run_ids] = before.loss[bad]
    if out.states is not None and t >= 1:
        for k, v in before.state.items():
            out.states[k][t - 1 :, run_ids] = np.broadcast_to(v, before.params.shape)[bad]


def _as_loss(value: Any, n: int, dtype) -> Array:
    arr = np.asarray(value, dtype=dtype)
    if arr.shape != (n,):
        arr = np.broadcast_to(arr, (n,)).copy()
    return arr


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

    surface = _get_surface(surface)
    opt = _get_optimizer(optimizer)
    steps = _check_steps(steps, MAX_SIMULATE_STEPS)
    if start is None:
        start = surface.start
    try:
        start_arr = np.asarray(start, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"start must be two numbers, got {start!r}") from None
    if start_arr.shape != (2,):
        raise ValueError(f"start must be two numbers (x, y), got {start!r}")
    if np.ndim(noise) or np.ndim(seed) or (clip_norm is not None and np.ndim(clip_norm)):
        raise ValueError("simulate runs one run: noise, seed and clip_norm must be single numbers")

    res = run_batch(
        surface, opt, hyper, start_arr, steps, noise=noise, seed=seed, schedule=schedule,
        clip_norm=clip_norm, batch_size=batch_size, record="full",
    )
    d = int(res.diverged_at[0])
    if d == 0:
        raise ValueError(f"start: f is not finite at {tuple(start_arr)}; choose another start")
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
    surface = _get_surface(surface)
    opt = _get_optimizer(optimizer)
    if not isinstance(axes, Mapping) or not 1 <= len(axes) <= 2:
        raise ValueError("axes must map one or two hyperparameter keys to 1-D value arrays")
    keys = tuple(axes)
    values = []
    for key in keys:
        if key not in opt.hyper_keys:
            raise ValueError(f"{opt.label} has no hyperparameter {key!r} to sweep")
        v = np.asarray(axes[key], dtype=float).ravel()
        if v.size == 0:
            raise ValueError(f"axis {key!r} has no values")
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
