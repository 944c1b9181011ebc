"""Grid search against random search, at the same budget of runs.

Why it is worth a figure: a k × k grid tries only k distinct values of each hyperparameter,
while k² random samples try k² distinct values of each. When one hyperparameter matters much
more than the other (often the learning rate), random search probes it k times more finely
(Bergstra & Bengio, 2012). Which one finds the better setting on a given map is a matter of the
map and of the sampler's luck, so the random side is drawn with N_SEEDS sampler seeds and the
answer is counted over all of them. Plain numpy, no Streamlit. The sentence is a template of
``i18n/<lang>/search_compare.toml``, written in the reader's language.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from i18n import t, tn
from optimizers import run_batch

from .sweep_map import axis_values

#: Sampler seeds for the random side (≥ 64, as any claim about random runs).
N_SEEDS = 64
BUDGETS = (9, 16, 25, 36, 49)


def random_values(spec, n: int, lo: float, hi: float, rng: np.random.Generator) -> np.ndarray:
    """n values drawn uniformly over [lo, hi], in log space when the spec is log-scaled (as the
    grid spaces them), kept inside an open upper end."""
    if spec.log and lo > 0:
        return np.exp(rng.uniform(math.log(lo), math.log(hi), n))
    if spec.high_open or (spec.valid_high < math.inf and hi >= spec.valid_high):
        hi = min(hi, np.nextafter(spec.valid_high, -math.inf))
    return rng.uniform(lo, hi, n)


@dataclass(frozen=True)
class SearchComparison:
    """Both searches at one budget: the grid's points and score, and the random side per seed.

    Scores are the final f − f* (final f without a known f*), a diverged run scoring +inf.
    ``random_points[s]`` are seed s's (budget, 2) samples, ``random_best[s]`` its best score.
    """

    budget: int
    per_axis: int
    grid_points: np.ndarray  # (k², 2)
    grid_scores: np.ndarray  # (k²,)
    random_points: np.ndarray  # (N_SEEDS, budget, 2)
    random_scores: np.ndarray  # (N_SEEDS, budget)
    measured_from_f_star: bool

    @property
    def grid_best(self) -> float:
        return float(np.min(self.grid_scores))

    @property
    def grid_best_point(self) -> np.ndarray:
        return self.grid_points[int(np.argmin(self.grid_scores))]

    @property
    def random_best(self) -> np.ndarray:
        return np.min(self.random_scores, axis=1)

    @property
    def random_wins(self) -> int:
        return int(np.sum(self.random_best < self.grid_best))

    @property
    def grid_wins(self) -> int:
        return int(np.sum(self.random_best > self.grid_best))

    @property
    def n_seeds(self) -> int:
        return len(self.random_best)


def _scores(surface, optimizer, x_key: str, y_key: str, points: np.ndarray, steps: int) -> np.ndarray:
    res = run_batch(surface, optimizer, {x_key: points[:, :1], y_key: points[:, 1:]}, np.broadcast_to(
        np.asarray(surface.start, dtype=float), (len(points), 2)).copy(), steps, record="final")
    f_ref = surface.f_star if surface.f_star is not None else 0.0
    score = np.asarray(res.final_loss, dtype=float) - f_ref
    return np.where((np.asarray(res.diverged_at) >= 0) | ~np.isfinite(score), np.inf, score)


def compare_searches(surface, optimizer, x_spec, y_spec, x_range: tuple[float, float], y_range: tuple[float, float],
                     budget: int, steps: int, n_seeds: int = N_SEEDS) -> SearchComparison:
    """A ⌊√budget⌋² grid (the map's spacing) against ``budget`` random samples, for ``n_seeds`` seeds 0, 1, …"""
    k = max(1, math.isqrt(int(budget)))
    xs, ys = axis_values(x_spec, k, *x_range), axis_values(y_spec, k, *y_range)
    grid = np.array([(x, y) for y in ys for x in xs], dtype=float)
    draws = []
    for seed in range(n_seeds):
        rng = np.random.default_rng(seed)
        draws.append(np.column_stack([random_values(x_spec, budget, *x_range, rng),
                                      random_values(y_spec, budget, *y_range, rng)]))
    rand = np.stack(draws)
    grid_scores = _scores(surface, optimizer, x_spec.key, y_spec.key, grid, steps)
    rand_scores = _scores(surface, optimizer, x_spec.key, y_spec.key, rand.reshape(-1, 2), steps).reshape(n_seeds, budget)
    return SearchComparison(int(budget), k, grid, grid_scores, rand, rand_scores, surface.f_star is not None)


def _times(n: int) -> str:
    return tn("search_compare.times", int(n))


def _score_text(v: float) -> str | float:
    return t("search_compare.diverged") if math.isinf(v) else float(v)


def search_sentence(c: SearchComparison, x_key: str, y_key: str) -> str:
    """What the comparison found, every number from ``c``."""
    what = "f − f*" if c.measured_from_f_star else "f"
    gx, gy = c.grid_best_point
    ties = c.n_seeds - c.random_wins - c.grid_wins
    equal = t("search_compare.ties", times=_times(ties)) if ties else ""
    return t("search_compare.sentence", budget=c.budget, k=c.per_axis, x=x_key, gx=float(gx), y=y_key, gy=float(gy),
             what=what, grid_best=_score_text(c.grid_best), seeds=c.n_seeds, better=_times(c.random_wins),
             worse=_times(c.grid_wins), ties=equal, median=_score_text(float(np.median(c.random_best))))


__all__ = ["N_SEEDS", "BUDGETS", "SearchComparison", "compare_searches", "random_values", "search_sentence"]
