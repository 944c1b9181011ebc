"""Fair races and honest noise: learning-rate tuning and noise clouds over the batch engine.

Two questions a classroom asks as soon as it compares optimizers:

* "Is Adam really faster, or did you just give SGD a bad learning rate?" -- `tune_learning_rate`
  runs a whole log grid of learning rates in *one* vectorized `run_batch` call and picks the
  best one, with a sentence saying why, so every optimizer enters the race at its best.
* "Was that one lucky run?" -- with noisy gradients a single path is an anecdote.
  `noise_cloud` runs many seeded copies at once (one noise stream per run) and returns all the
  paths plus their per-step median, which is what a teacher should point at.

Plain numpy, no Streamlit: a notebook or a benchmark uses these exactly as the pages do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from optimizers.base import Optimizer

Array = np.ndarray

#: Default learning-rate grid: 1e-4 ... 10, 41 points (8 per decade plus the end point).
LR_LOW, LR_HIGH, LR_POINTS = 1e-4, 10.0, 41
#: Final losses within this relative margin of the best count as a tie.
NEAR_TIE = 0.01
#: Absolute slack for ties, so losses at float round-off level (1e-30 vs 1e-25) tie too.
TIE_ATOL = 1e-12


def _resolve_surface(surface):
    """Accept a `Surface` or its registry key (keeps the page code free of lookups)."""
    if isinstance(surface, str):
        from surfaces import SURFACES

        return SURFACES[surface]
    return surface


def _resolve_optimizer(optimizer: "str | Optimizer") -> Optimizer:
    if isinstance(optimizer, str):
        from optimizers import OPTIMIZERS

        return OPTIMIZERS[optimizer]
    return optimizer


def _run_batch(*args, **kwargs):
    # Imported lazily: the engine module lives next to this one and re-exports through
    # `optimizers/__init__`, which may import this module too.
    from optimizers import run_batch

    return run_batch(*args, **kwargs)


def default_lr_grid(low: float = LR_LOW, high: float = LR_HIGH, points: int = LR_POINTS) -> Array:
    """A log-spaced learning-rate grid: rates that matter differ by factors, not by steps."""
    if not (0 < low < high) or points < 2:
        raise ValueError("need 0 < low < high and at least 2 points")
    return np.logspace(np.log10(low), np.log10(high), int(points))


def _fmt(value: float) -> str:
    """Short human number: 0.3, 12, 2.1e-09 -> '2.1e-9'."""
    if not np.isfinite(value):
        return str(value)
    text = f"{value:.2g}"
    if "e" in text:
        mantissa, exp = text.split("e")
        text = f"{mantissa}e{int(exp)}"
    return text


@dataclass(frozen=True)
class TuneResult:
    """Outcome of a learning-rate sweep for one optimizer.

    ``lrs``, ``final_loss``, ``diverged`` and ``steps_to_tol`` are aligned 1-D arrays over the
    grid. ``best_index`` points into them; ``found`` is False when every rate diverged (then
    ``best_lr`` is the smallest rate, the least bad guess, and ``reason`` says so).
    """

    best_lr: float
    best_index: int
    lrs: Array
    final_loss: Array
    diverged: Array
    steps_to_tol: Array
    reason: str
    found: bool = True

    @property
    def best_final_loss(self) -> float:
        return float(self.final_loss[self.best_index])


def _pick_best(final_loss: Array, diverged: Array, steps_to_tol: Array, lrs: Array) -> tuple[int, bool]:
    """Lowest final loss; near-ties by fewest steps to tolerance, then the smaller rate.

    Why the tie-break: on an easy surface many rates reach the minimum to round-off, and the
    one that got there first is the better answer to "which rate should I use?". A smaller rate
    is the safer of two otherwise equal ones (further from the divergence edge).
    """
    ok = ~diverged & np.isfinite(final_loss)
    if not ok.any():
        return 0, False
    best = float(np.min(final_loss[ok]))
    tie = ok & (final_loss <= best + NEAR_TIE * abs(best) + TIE_ATOL)
    idx = np.flatnonzero(tie)
    # Runs that never reached tolerance sort after every run that did.
    reach = np.where(steps_to_tol[idx] >= 0, steps_to_tol[idx], np.iinfo(np.int64).max)
    order = np.lexsort((lrs[idx], reach))
    return int(idx[order[0]]), True


def _reason(
    i: int, found: bool, lrs: Array, final_loss: Array, diverged: Array, steps_to_tol: Array, tol: float | None
) -> str:
    """One sentence a teacher can read out: what was picked, against what, and what blew up."""
    grid = f"{len(lrs)} rates from {_fmt(lrs.min())} to {_fmt(lrs.max())}"
    if not found:
        return f"every one of {grid} diverged; falling back to the smallest, lr = {_fmt(lrs[i])}"
    ok = ~diverged & np.isfinite(final_loss)
    best = float(np.min(final_loss[ok]))
    lr = _fmt(lrs[i])
    if final_loss[i] == best:
        text = f"lr = {lr}: lowest final loss ({_fmt(best)}) among {grid}"
    else:
        text = (
            f"lr = {lr}: final loss {_fmt(final_loss[i])} is within {NEAR_TIE:.0%} of the lowest "
            f"({_fmt(best)}) among {grid}"
        )
        if steps_to_tol[i] >= 0 and tol is not None:
            text += f", and it reaches the tolerance {_fmt(tol)} fastest ({int(steps_to_tol[i])} steps)"
        else:
            text += ", and it is the smallest such rate"
    if diverged.any():
        first_bad = float(lrs[diverged].min())
        if diverged[lrs >= first_bad].all():
            text += f"; rates from {_fmt(first_bad)} up diverged"
        else:
            text += f"; {int(diverged.sum())} rates diverged (smallest {_fmt(first_bad)})"
    else:
        text += "; none diverged"
    return text


def tune_learning_rate(
    surface,
    optimizer_key: "str | Optimizer",
    hyper: Mapping[str, float] | None,
    start,
    steps: int,
    *,
    lr_grid: Array | None = None,
    noise: float = 0.0,
    seed: int = 0,
    schedule=None,
    clip_norm: float | None = None,
    batch_size: int | None = None,
    tol: float = 1e-6,
    lr_key: str = "lr",
) -> TuneResult:
    """Sweep the learning rate on a log grid in one vectorized run and pick the best.

    All other hyperparameters stay as given in ``hyper`` (defaults filled in). With noise, every
    rate sees the *same* noise stream (common random numbers, the engine's default for an int
    seed), so rates are compared on the same luck rather than on different luck.
    """
    surf = _resolve_surface(surface)
    opt = _resolve_optimizer(optimizer_key)
    lrs = np.asarray(default_lr_grid() if lr_grid is None else lr_grid, dtype=float).ravel()
    if lrs.size == 0 or np.any(lrs <= 0) or not np.all(np.isfinite(lrs)):
        raise ValueError("lr_grid must be non-empty, finite and positive")
    base = dict(hyper or {})
    base[lr_key] = lrs[:, None]
    starts = np.broadcast_to(np.asarray(start, dtype=float).reshape(-1, 2)[0], (lrs.size, 2)).copy()
    res = _run_batch(
        surf, opt, base, starts, int(steps), noise=noise, seed=seed, schedule=schedule,
        clip_norm=clip_norm, batch_size=batch_size, record="final", tol=tol,
    )
    final_loss = np.asarray(res.final_loss, dtype=float)
    diverged = np.asarray(res.diverged_at) >= 0
    steps_to_tol = np.asarray(res.steps_to_tol, dtype=np.int64)
    i, found = _pick_best(final_loss, diverged, steps_to_tol, lrs)
    return TuneResult(
        best_lr=float(lrs[i]), best_index=i, lrs=lrs, final_loss=final_loss, diverged=diverged,
        steps_to_tol=steps_to_tol, reason=_reason(i, found, lrs, final_loss, diverged, steps_to_tol, tol),
        found=found,
    )


@dataclass(frozen=True)
class CloudResult:
    """K seeded runs of the same setting, and the summary a class should look at.

    ``paths`` is ``(S+1, K, 2)`` and ``losses`` ``(S+1, K)`` (a diverged run repeats its last
    finite point, as in `BatchResult`). ``median_path`` / ``median_loss`` are per-step medians
    over the runs that had not diverged by the end; the quartile band ``loss_q25``/``loss_q75``
    shows the spread without letting one outlier dominate the way a mean would.
    """

    paths: Array
    losses: Array
    median_path: Array
    median_loss: Array
    loss_q25: Array
    loss_q75: Array
    seeds: Array
    final_loss: Array
    diverged_at: Array

    @property
    def n_runs(self) -> int:
        return int(self.paths.shape[1])

    @property
    def n_diverged(self) -> int:
        return int((self.diverged_at >= 0).sum())


def noise_cloud(
    surface,
    optimizer_key: "str | Optimizer",
    hyper: Mapping[str, float] | None,
    start,
    steps: int,
    *,
    noise: float,
    seeds: Array | None = None,
    n_runs: int = 32,
    schedule=None,
    clip_norm: float | None = None,
    batch_size: int | None = None,
) -> CloudResult:
    """Run the same setting under K independent noise streams in one `run_batch` call.

    ``seeds`` defaults to ``0 .. n_runs-1``; run k uses ``seeds[k]`` exactly as a single
    ``simulate(..., seed=seeds[k])`` would, so any path of the cloud can be replayed alone.
    """
    surf = _resolve_surface(surface)
    opt = _resolve_optimizer(optimizer_key)
    seeds_arr = np.arange(int(n_runs)) if seeds is None else np.asarray(seeds).ravel()
    if seeds_arr.size == 0:
        raise ValueError("need at least one seed")
    seeds_arr = seeds_arr.astype(np.int64)
    starts = np.broadcast_to(np.asarray(start, dtype=float).reshape(-1, 2)[0], (seeds_arr.size, 2)).copy()
    res = _run_batch(
        surf, opt, dict(hyper or {}), starts, int(steps), noise=noise, seed=seeds_arr,
        schedule=schedule, clip_norm=clip_norm, batch_size=batch_size, record="path",
    )
    paths = np.asarray(res.path, dtype=float)
    losses = np.asarray(res.loss, dtype=float)
    diverged_at = np.asarray(res.diverged_at)
    alive = diverged_at < 0
    use = alive if alive.any() else np.ones_like(alive)
    median_path = np.median(paths[:, use, :], axis=1)
    q25, med, q75 = np.percentile(losses[:, use], [25, 50, 75], axis=1)
    return CloudResult(
        paths=paths, losses=losses, median_path=median_path, median_loss=med, loss_q25=q25,
        loss_q75=q75, seeds=seeds_arr, final_loss=np.asarray(res.final_loss, dtype=float),
        diverged_at=diverged_at,
    )
