"""The engine's reference loop in numpy: every run of a batch advanced one update at a time.

This is the definition of what ``run_batch`` computes (the optimizers' own ``update``, which
follows torch.optim's order of operations); the compiled drivers (``compiled.py``) must give
the same bits or not run. It handles every case: mini-batches, ``clip_norm``, float32,
optimizers and surfaces without a scalar kernel.

Per update t (1-based) the gradient oracle is::

    g = ∇f(θ)                     or the mean gradient over a mini-batch (finite-sum surfaces)
    g = g + noise · z[t-1]        z = default_rng(seed).standard_normal((steps, 2))
    g = clip_by_norm(g, clip)     if clip_norm is set
    θ, state = update(θ, g, state, hyper with lr = lr · schedule.factor(t, steps), t)

Divergence: a run diverges at the first update whose new params, loss or optimizer state are
non-finite, or whose |params| > ``MAX_ABS_PARAM`` or loss > ``MAX_LOSS``. It is then frozen at
its last finite point and dropped from the arrays the loop works on, so a sweep full of
exploding cells gets *faster*, and no NaN or overflow warning ever reaches the caller.

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

from .base import Array
from .records import MAX_ABS_PARAM, MAX_LOSS, BatchResult, Begun, Setup, as_loss
from .schedules import clip_by_norm


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


def run(setup: Setup, begun: Begun) -> BatchResult:
    """Advance every run of ``setup`` from step 0 (``begun``) to the end; returns the result."""
    R, S, dtype, opt, surface = setup.runs, setup.steps, setup.dtype, setup.optimizer, setup.surface
    full = setup.record == "full"
    keep_path = setup.record != "final"
    out, stream, factors, threshold = begun.out, begun.stream, begun.factors, begun.threshold
    run = _Active(begun.params, begun.state, begun.loss, setup.hyper, setup.noise, setup.clip_norm, R)
    noise_on = stream is not None
    per_run_noise = noise_on and stream.shared is None
    oracle = _Oracle(surface, setup.seed, setup.batch_size, R)
    n_pending = 0
    if begun.pending is not None:
        run.pending = begun.pending.copy()
        n_pending = int(run.pending.sum())
    if begun.bad_start.any():
        run.keep(~begun.bad_start)

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
        L_new = as_loss(surface.f(P_new[:, 0], P_new[:, 1]), run.n, dtype)

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
    return out


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


def _freeze(run: _Active, bad: Array, t: int, before: _Snapshot, out: BatchResult) -> None:
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


