"""Fair races and honest noise: learning-rate tuning and noise clouds over the batch engine.

Two questions a classroom asks as soon as it compares optimizers:

* "Is Adam really faster, or did you just give SGD a bad learning rate?" -- `tune_learning_rate`
  runs a whole log grid of learning rates in *one* vectorized `run_batch` call and picks the
  best one, with a sentence saying why, so every optimizer enters the race at its best. "Best"
  is the smallest gap f − f* to the minimum (a tie band on f itself would swallow the whole
  difference where f* is far from 0), and with noisy gradients the median gap over several
  seeded noise streams (rates × streams in the same call): one lucky stream must not pick it.
* "Was that one lucky run?" -- with noisy gradients a single path is an anecdote.
  `noise_cloud` runs many seeded copies at once (one noise stream per run) and returns all the
  paths plus their per-step median, which is what a teacher should point at.

Plain numpy, no Streamlit: a notebook or a benchmark uses these exactly as the pages do.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping

import numpy as np

from optimizers import run_batch
# The engine's one resolver: an unknown key is the same ValueError, naming the choices,
# whether it reaches run_batch or the tuner first.
from optimizers.arguments import resolve_optimizer, resolve_surface
from optimizers.base import Optimizer
from optimizers.explain import short_number

from i18n import Msg, text

Array = np.ndarray

#: Default learning-rate grid: 1e-4 ... 10, 41 points (8 per decade plus the end point).
LR_LOW, LR_HIGH, LR_POINTS = 1e-4, 10.0, 41
#: Final gaps f - f* within this relative margin of the lowest gap count as a tie.
NEAR_TIE = 0.01
#: Absolute slack for ties (times max(1, |f*|)), so gaps at float round-off level (1e-30 vs
#: 1e-25, or 1e-16 on a surface whose minimum value is -1.03) tie too.
TIE_ATOL = 1e-12
#: Noise streams per rate when the runs are random (gradient noise or mini-batches): the median
#: of 32 keeps the pick stable across seeds (tests/test_tuning.py); past `LONG_RUN` steps 16, to
#: bound the cost of a 7-optimizer race (rates x streams x steps in one call per optimizer).
TUNE_STREAMS, TUNE_STREAMS_LONG, LONG_RUN = 32, 16, 1000


def default_streams(steps: int) -> int:
    """How many noise streams a random run is tuned on (see `TUNE_STREAMS`)."""
    return TUNE_STREAMS if int(steps) <= LONG_RUN else TUNE_STREAMS_LONG


def is_random(surface, noise, batch_size) -> bool:
    """Whether a run's outcome depends on its seed: gradient noise, or true mini-batches."""
    if np.any(np.asarray(noise, dtype=float) != 0):
        return True
    n = getattr(surface, "n_samples", None)
    finite_sum = n is not None and getattr(surface, "batch_grad", None) is not None
    return bool(finite_sum and batch_size is not None and batch_size < n)


def default_lr_grid(low: float = LR_LOW, high: float = LR_HIGH, points: int = LR_POINTS) -> Array:
    """A log-spaced learning-rate grid: rates that matter differ by factors, not by steps."""
    if not (0 < low < high) or points < 2:
        raise ValueError("need 0 < low < high and at least 2 points")  # i18n: internal
    return np.logspace(np.log10(low), np.log10(high), int(points))


def _fmt(value: float) -> str:
    """Short human number with two digits: 0.3, 12, 2.1e-9."""
    return short_number(value, 2)


@dataclass(frozen=True)
class TuneResult:
    """Outcome of a learning-rate sweep for one optimizer.

    ``lrs``, ``final_loss``, ``gap``, ``diverged``, ``n_diverged`` and ``steps_to_tol`` are
    aligned 1-D arrays over the grid. Each rate ran on ``len(seeds)`` noise streams (one when the
    runs are deterministic); ``stream_loss`` ``(rates, streams)`` holds every run's final loss,
    ``final_loss`` its per-rate median, ``gap`` = ``final_loss - f_ref`` what the ranking
    compares. ``f_ref`` is f* when the surface knows its minimum value (``f_star_known``), else
    the lowest median final loss of the grid. ``diverged`` means "on at least one stream";
    ``steps_to_tol`` is the median step at which a stream first got within ``tol`` of f* (-1 if
    half the streams or more never did). ``best_index`` points at the pick, ``runner_up`` at the
    best of the rest (-1 if none); ``found`` is False when every rate diverged (then
    ``best_lr`` is the smallest rate, the least bad guess, and ``reason`` says so).
    """

    best_lr: float
    best_index: int
    lrs: Array
    final_loss: Array
    diverged: Array
    steps_to_tol: Array
    #: Why this rate (`reason` writes it in the current language): a `Msg`, since sweeps are
    #: cached across sessions (ui.simulation.TUNES) and each session reads its own language.
    why: Msg | str
    found: bool = True
    gap: Array | None = None
    f_ref: float = 0.0
    f_star_known: bool = False
    seeds: Array | None = None
    stream_loss: Array | None = None
    n_diverged: Array | None = None
    runner_up: int = -1
    tol: float | None = None
    steps: int = 0
    f_star: float | None = None

    @property
    def best_final_loss(self) -> float:
        return float(self.final_loss[self.best_index])

    @property
    def n_streams(self) -> int:
        return 1 if self.seeds is None else int(len(self.seeds))

    @property
    def best_gap(self) -> float:
        return float(self.gap[self.best_index])

    @property
    def tie_slack(self) -> float:
        return _slack(self.f_ref)

    @property
    def reason(self) -> str:
        """One sentence a teacher can read out, "lr = …: why", in the current language."""
        return text(self.why)

    @property
    def reason_detail(self) -> Msg | str:
        """`reason` without its leading "lr = …: " (a found rate) or its fallback clause (every
        rate diverged): what a report that already names the rate says. ``str()`` writes it."""
        if isinstance(self.why, Msg) and self.why.key in ("tuning.reason.with_rate", "tuning.reason.fallback"):
            values = dict(self.why.values)
            return values.get("body", values.get("all"))
        return self.why

    def ranking_rule(self) -> str:
        """How the pick was made, in sentences a teacher can read out (true for this result)."""
        return ranking_rule(self)


def _slack(f_ref: float) -> float:
    return TIE_ATOL * max(1.0, abs(f_ref)) if np.isfinite(f_ref) else TIE_ATOL


def _pick_best(gap: Array, diverged: Array, steps_to_tol: Array, lrs: Array,
               slack: float = TIE_ATOL) -> tuple[int, bool]:
    """Lowest final gap; near-ties by fewest steps to tolerance, then the smaller rate.

    ``gap`` is f - f* (or f minus the best rate's f when f* is unknown): a tie band relative to
    f itself would swallow the whole difference wherever f* is far from 0. Why the tie-break: on
    an easy surface many rates reach the minimum to round-off, and the one that got there first
    is the better answer to "which rate should I use?". A smaller rate is the safer of two
    otherwise equal ones (further from the divergence edge).
    """
    ok = ~diverged & np.isfinite(gap)
    if not ok.any():
        return 0, False
    idx = np.flatnonzero(_ties(gap, ok, slack))
    # Runs that never reached tolerance sort after every run that did.
    reach = np.where(steps_to_tol[idx] >= 0, steps_to_tol[idx], np.iinfo(np.int64).max)
    order = np.lexsort((lrs[idx], reach))
    return int(idx[order[0]]), True


def _ties(gap: Array, ok: Array, slack: float) -> Array:
    best = float(np.min(gap[ok]))
    return ok & (gap <= best + NEAR_TIE * abs(best) + slack)


def _runner_up(i: int, gap: Array, diverged: Array, lrs: Array) -> int:
    """The best rate other than the pick: lowest gap, then the smaller rate (-1 if none)."""
    ok = ~diverged & np.isfinite(gap)
    ok[i] = False
    if not ok.any():
        return -1
    idx = np.flatnonzero(ok)
    return int(idx[np.lexsort((lrs[idx], gap[idx]))[0]])


def _gap_name(res: TuneResult) -> Msg:
    star = "star" if res.f_star_known else "best"
    return Msg.of(f"tuning.gap_name.{'final' if res.n_streams == 1 else 'median'}_{star}")


def _rule(res: TuneResult) -> Msg:
    """The rule behind ``res``'s pick, not yet written (see `ranking_rule`)."""
    k = res.n_streams
    if res.f_star_known:
        if res.tol is None:
            rule = Msg.of("tuning.rule.known", fref=float(res.f_ref), near=NEAR_TIE, slack=float(res.tie_slack))
        else:
            rule = Msg.of("tuning.rule.known_tol_median" if k > 1 else "tuning.rule.known_tol", fref=float(res.f_ref),
                          near=NEAR_TIE, slack=float(res.tie_slack), tol=float(res.tol))
    elif res.f_star is not None:
        rule = Msg.of("tuning.rule.unknown_below", fstar=float(res.f_star), slack=float(res.tie_slack))
    else:
        rule = Msg.of("tuning.rule.unknown", slack=float(res.tie_slack))
    if k > 1:
        seeds = np.asarray(res.seeds)
        streams = Msg.of("tuning.rule.streams", k=k, lo=int(seeds.min()), hi=int(seeds.max()), first=int(seeds[0]))
        return Msg.of("tuning.rule.with_streams", streams=streams, rule=rule)
    return rule


def ranking_rule(res: TuneResult) -> str:
    """The rule behind ``res``'s pick, with its numbers (shared by every optimizer of one race)."""
    return str(_rule(res))


def _fmt_gap(value: float, slack: float) -> Msg:
    """A gap as printed: below the round-off slack it is only known to be that small."""
    return Msg.of("tuning.gap.below", x=float(slack)) if value < slack else Msg.of("tuning.gap.equal", x=float(value))


def _fmt_ratio(ratio: float) -> Msg:
    return Msg.of("tuning.ratio.small" if ratio < 10 else "tuning.ratio.large", r=float(ratio))


def _join(clauses: list) -> Msg:
    """Clauses of one sentence, in order, separated as the language separates them ("; ")."""
    out = clauses[0]
    for clause in clauses[1:]:
        out = Msg.of("tuning.reason.join", a=out, b=clause)
    return out


def _reason(res: TuneResult) -> Msg:
    """One sentence a teacher can read out: what was picked, against what, and what blew up."""
    lrs, gap, diverged, slack = res.lrs, res.gap, res.diverged, res.tie_slack
    i, k = res.best_index, res.n_streams
    grid = Msg.of("tuning.reason.grid", n=len(lrs), low=float(lrs.min()), high=float(lrs.max()))
    if not res.found:
        every = (Msg.of("tuning.reason.all_diverged_streams", grid=grid, k=k) if k > 1
                 else Msg.of("tuning.reason.all_diverged", grid=grid))
        return Msg.of("tuning.reason.fallback", all=every, lr=float(lrs[i]))
    name = _gap_name(res)
    ok = ~diverged & np.isfinite(gap)
    lowest = float(np.min(gap[ok]))
    tied = np.flatnonzero(_ties(gap, ok, slack))
    if k == 1:
        own = ""
    elif res.f_star_known:
        own = Msg.of("tuning.reason.own_gap", x=float(max(res.stream_loss[i, 0] - res.f_ref, 0.0)))
    else:
        own = Msg.of("tuning.reason.own_loss", f=float(res.stream_loss[i, 0]))
    median = "median" if k > 1 else "plain"
    half = "half" if k > 1 else "plain"
    clauses: list = []
    if len(tied) == 1:
        if res.f_star_known:
            clauses.append(Msg.of("tuning.reason.lowest", name=name, gap=_fmt_gap(gap[i], slack), own=own, grid=grid))
        else:
            clauses.append(Msg.of(f"tuning.reason.lowest_loss.{median}",
                                  f=float(res.final_loss[i]), own=own, grid=grid))
        r = res.runner_up
        if r >= 0:
            ratio = gap[r] / gap[i] if gap[i] > 0 else np.inf
            values = dict(lr=float(lrs[r]), gap=float(gap[r]), name=name)
            if np.isfinite(ratio):
                values["ratio"] = _fmt_ratio(ratio)
            which = ("known" if res.f_star_known else "unknown") + ("_ratio" if np.isfinite(ratio) else "")
            clauses.append(Msg.of(f"tuning.reason.next_best.{which}", **values))
    else:
        j = int(tied[np.lexsort((lrs[tied], gap[tied]))[0]])
        if j == i:
            clauses.append(Msg.plural("tuning.reason.lowest_tied", len(tied) - 1, name=name,
                                      gap=_fmt_gap(gap[i], slack), own=own, grid=grid))
        else:
            clauses.append(Msg.of("tuning.reason.ties_lowest", name=name, gap=_fmt_gap(gap[i], slack), own=own,
                                  lowest=_fmt_gap(lowest, slack), lr=float(lrs[j]), grid=grid))
    reached = ok & (res.steps_to_tol >= 0)
    if res.tol is not None and res.f_star_known:
        tol = float(res.tol)
        if len(tied) > 1 and res.steps_to_tol[i] >= 0:
            values = dict(n=len(tied), tol=tol, step=int(res.steps_to_tol[i]))
            others = [t for t in tied if t != i and res.steps_to_tol[t] >= 0]
            nxt = "plain" if k == 1 else "median"
            if others:
                o = min(others, key=lambda t: (res.steps_to_tol[t], lrs[t]))
                values.update(lr=float(lrs[o]), step2=int(res.steps_to_tol[o]))
                nxt = "next" if k == 1 else "next_median"
            clauses.append(Msg.of(f"tuning.reason.first_tied.{nxt}", **values))
        elif len(tied) > 1:
            clauses.append(Msg.of(f"tuning.reason.none_tied.{half}", n=len(tied), tol=tol))
        elif res.steps_to_tol[i] >= 0:
            clauses.append(Msg.of(f"tuning.reason.first.{median}", tol=tol, step=int(res.steps_to_tol[i])))
        elif not reached.any():
            clauses.append(Msg.of(f"tuning.reason.none_reach.{half}", tol=tol, steps=int(res.steps)))
    elif len(tied) > 1:
        clauses.append(Msg.of("tuning.reason.smallest_tied"))
    streams = "streams" if k > 1 else "plain"
    if diverged.any():
        first_bad = float(lrs[diverged].min())
        if diverged[lrs >= first_bad].all():
            clauses.append(Msg.of(f"tuning.reason.diverged_from.{streams}", lr=first_bad, k=k))
        else:
            clauses.append(Msg.plural(f"tuning.reason.diverged_some.{streams}", int(diverged.sum()), lr=first_bad, k=k))
    else:
        clauses.append(Msg.of("tuning.reason.none_diverged"))
    return Msg.of("tuning.reason.with_rate", lr=float(lrs[i]), body=_join(clauses))


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
    streams: int | None = None,
) -> TuneResult:
    """Sweep the learning rate on a log grid in one vectorized run and pick the best.

    All other hyperparameters stay as given in ``hyper`` (defaults filled in). Deterministic
    runs are compared once per rate. Random runs (noise, mini-batches) are compared over
    ``streams`` noise streams per rate (default `default_streams`), seeds ``seed … seed +
    streams − 1``, so stream 0 is the run the page shows: every rate sees the *same* streams
    (common random numbers, so rates differ by their setting, not their luck), and the ranking
    uses the per-rate median, so one lucky stream cannot pick the rate. All rates × streams run
    in one `run_batch` call.
    """
    surf = resolve_surface(surface)
    opt = resolve_optimizer(optimizer_key)
    lrs = np.asarray(default_lr_grid() if lr_grid is None else lr_grid, dtype=float).ravel()
    if lrs.size == 0 or np.any(lrs <= 0) or not np.all(np.isfinite(lrs)):
        raise ValueError("lr_grid must be non-empty, finite and positive")  # i18n: internal
    if streams is None:
        streams = default_streams(steps) if is_random(surf, noise, batch_size) else 1
    k = int(streams)
    if k < 1:
        raise ValueError("streams must be at least 1")  # i18n: internal
    n = lrs.size
    base = dict(hyper or {})
    base[lr_key] = np.repeat(lrs, k)[:, None]
    seeds = int(seed) + np.arange(k, dtype=np.int64)
    start_xy = np.asarray(start, dtype=float).reshape(-1, 2)[0]
    starts = np.broadcast_to(start_xy, (n * k, 2)).copy()
    res = run_batch(
        surf, opt, base, starts, int(steps), noise=noise, seed=int(seed) if k == 1 else np.tile(seeds, n),
        schedule=schedule, clip_norm=clip_norm, batch_size=batch_size, record="final", tol=tol,
    )
    stream_loss = np.asarray(res.final_loss, dtype=float).reshape(n, k)
    div = (np.asarray(res.diverged_at) >= 0).reshape(n, k) | ~np.isfinite(stream_loss)
    n_diverged = div.sum(axis=1)
    diverged = n_diverged > 0
    with np.errstate(all="ignore"):
        final_loss = np.median(stream_loss, axis=1)
    reach = np.asarray(res.steps_to_tol, dtype=float).reshape(n, k)
    reach = np.where(reach >= 0, reach, np.inf)
    # "higher" median: the step by which at least half the streams were within tolerance.
    med_reach = np.quantile(reach, 0.5, axis=1, method="higher")
    steps_to_tol = np.where(np.isfinite(med_reach), med_reach, -1).astype(np.int64)

    f_star = surf.f_star
    ok = ~diverged & np.isfinite(final_loss)
    best_f = float(np.min(final_loss[ok])) if ok.any() else np.nan
    # f* is the reference unless the grid went below it (a custom surface's "minimum" that is not global).
    star = f_star is not None and not (best_f < f_star - _slack(f_star))
    f_ref = float(f_star) if star else best_f
    with np.errstate(all="ignore"):
        gap = np.maximum(final_loss - f_ref, 0.0) if np.isfinite(f_ref) else np.full(n, np.nan)
    gap = np.where(ok, gap, np.nan)
    # The tolerance is measured from the listed f*: without a usable f* ties go to the smaller rate.
    rank_steps = steps_to_tol if star else np.full(n, -1, dtype=np.int64)
    i, found = _pick_best(gap, diverged, rank_steps, lrs, _slack(f_ref))
    result = TuneResult(
        best_lr=float(lrs[i]), best_index=i, lrs=lrs, final_loss=final_loss, diverged=diverged,
        steps_to_tol=steps_to_tol, why="", found=found, gap=gap, f_ref=f_ref, f_star_known=bool(star),
        seeds=seeds, stream_loss=stream_loss, n_diverged=n_diverged,
        runner_up=_runner_up(i, gap, diverged, lrs) if found else -1,
        tol=tol if f_star is not None else None, steps=int(steps), f_star=f_star,
    )
    return replace(result, why=_reason(result))


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
    surf = resolve_surface(surface)
    opt = resolve_optimizer(optimizer_key)
    seeds_arr = np.arange(int(n_runs)) if seeds is None else np.asarray(seeds).ravel()
    if seeds_arr.size == 0:
        raise ValueError("need at least one seed")  # i18n: internal
    seeds_arr = seeds_arr.astype(np.int64)
    starts = np.broadcast_to(np.asarray(start, dtype=float).reshape(-1, 2)[0], (seeds_arr.size, 2)).copy()
    res = run_batch(
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
