"""The hyperparameter map's numbers: axes, a chunked grid sweep, the colour metric, the chosen cell.

Why a module of its own (plain numpy, no Streamlit): the map page only draws; everything that
decides which runs are made, what colour a cell gets and which run is shown below the map is
here, with unit tests in ``tests/test_sweep_map.py``.

The metrics' names live in ``i18n/<lang>/sweep_map.toml``; `METRICS` looks them up when read, so
the module-level table speaks the reader's language.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Iterator, Mapping

import numpy as np

from i18n import t
from i18n.fields import Words
from optimizers import sweep

from .grids import LINK_DIGITS, nice

#: One vectorized call per this many cells: each call stays short, so a progress bar moves.
CELLS_PER_CHUNK = 10_000


#: The words of each key, in the current language (``sweep_map.metric.<key>`` in the catalogs).
METRICS: Mapping[str, str] = Words("sweep_map.metric", ("final", "steps"))


def range_options(spec) -> list[float]:
    """Candidate axis ends: decades (and 2, 5 steps) for log specs, 1/20ths of the range otherwise."""
    lo, hi = float(spec.low), float(spec.high)
    if spec.log and lo > 0:
        opts = {lo, hi}
        for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1):
            opts |= {m * 10.0**e for m in (1, 2, 5)}
        return sorted(float(f"{o:.3g}") for o in opts if lo <= o <= hi)
    return sorted({round(lo + (hi - lo) * k / 20, 6) for k in range(21)})


def largest_curvature(surface) -> float | None:
    """λmax at the surface's (first) known minimum: declared for quadratics, else from a central
    difference of the exact gradient; None where no minimum is known or it is not finite."""
    if surface.hessian_eigs:
        return float(max(surface.hessian_eigs))
    if not surface.minima:
        return None
    m, h = np.asarray(surface.minima[0], dtype=float), 1e-5
    with np.errstate(all="ignore"):
        cols = [(np.asarray(surface.grad(*(m + h * e)), dtype=float) - np.asarray(surface.grad(*(m - h * e)), dtype=float))
                / (2 * h) for e in np.eye(2)]
    hessian = np.array(cols).T
    if not np.all(np.isfinite(hessian)):
        return None
    top = float(np.linalg.eigvalsh((hessian + hessian.T) / 2).max())
    return top if top > 0 else None


#: The default learning-rate axis spans this factor either side of the stability limit.
EDGE_SPAN = 10.0


def default_range(optimizer, spec, surface) -> tuple[float, float]:
    """The axis a map opens with: for the learning rate of an optimizer that declares a stability
    limit, one decade either side of that limit on this surface (at the optimizer's default other
    settings and the curvature at the minimum), so the wall of diverged runs sits mid-map instead
    of filling it; otherwise the hyperparameter's whole slider range."""
    opts = range_options(spec)
    full = (opts[0], opts[-1])
    lam = largest_curvature(surface) if spec.key == "lr" else None
    limit = optimizer.stability(optimizer.resolve({}), lam) if lam else None
    if limit is None or not math.isfinite(limit.limit) or limit.limit <= 0:
        return full
    below = [o for o in opts if o <= limit.limit / EDGE_SPAN]
    above = [o for o in opts if o >= limit.limit * EDGE_SPAN]
    return (max(below) if below else opts[0], min(above) if above else opts[-1])


def axis_values(spec, n: int, lo: float, hi: float) -> np.ndarray:
    """n values over [lo, hi]: log-spaced when the spec is log-scaled (rates differ by factors).

    An open upper end (β < 1) is pulled just inside, so no cell runs an invalid setting.
    """
    if spec.log and lo > 0:
        values = np.geomspace(lo, hi, n)
    else:
        if spec.high_open or (spec.valid_high < math.inf and hi >= spec.valid_high):
            hi = min(hi, np.nextafter(spec.valid_high, -math.inf))
        values = np.linspace(lo, hi, n)
    # To the digits a link writes, so "Open this run on the Compare page" runs the cell's very values.
    return np.array([_in_link_digits(v, spec) for v in values])


def _in_link_digits(value: float, spec) -> float:
    rounded = nice(float(value), LINK_DIGITS)
    if spec.high_open and rounded >= spec.valid_high:  # rounding must not reach an excluded end
        rounded = float(np.nextafter(spec.valid_high, -math.inf))
    return rounded


def chunk_rows(resolution: int, cells_per_chunk: int = CELLS_PER_CHUNK) -> list[tuple[int, int]]:
    """Row ranges ``[j0, j1)`` that split a resolution × resolution grid into calls of ≤ cells_per_chunk."""
    rows = max(1, cells_per_chunk // resolution)
    return [(j, min(j + rows, resolution)) for j in range(0, resolution, rows)]


def sweep_rows(surface, optimizer, x_key: str, y_key: str, xs: np.ndarray, ys: np.ndarray, steps: int, tol: float):
    """One vectorized sweep over every x and the given y values: (final loss, diverged, steps to tol), rows = y."""
    res = sweep(surface, optimizer, {x_key: xs, y_key: ys}, {}, surface.start, steps, tol=tol)
    return res.final_loss.T.copy(), res.diverged.T.copy(), res.steps_to_tol.T.copy()


@dataclass(frozen=True)
class GridResult:
    """A whole map: arrays of shape (len(ys), len(xs))."""

    final_loss: np.ndarray
    diverged: np.ndarray
    steps_to_tol: np.ndarray


def run_grid(chunk: Callable[[int, int], tuple], resolution: int,
             cells_per_chunk: int = CELLS_PER_CHUNK) -> Iterator[tuple[int, GridResult | None]]:
    """Run ``chunk(j0, j1)`` over the rows of the grid; yields ``(rows done, None)`` then the result.

    ``chunk`` is the caller's (cached) call of `sweep_rows`; the generator lets a page move a
    progress bar between calls without this module knowing about it.
    """
    parts = []
    for j0, j1 in chunk_rows(resolution, cells_per_chunk):
        parts.append(chunk(j0, j1))
        yield j1, None
    yield resolution, GridResult(*(np.concatenate([p[i] for p in parts]) for i in range(3)))


@dataclass(frozen=True)
class MapMetric:
    """What colours the map: values, their label, cells that never reached the tolerance, the best cell."""

    z: np.ndarray
    label: str
    not_reached: np.ndarray | None
    log_color: bool
    best: tuple[int, int]
    #: "steps to tolerance" asked for on a surface without a known minimum.
    undefined: bool = False


def map_metric(grid: GridResult, metric: str, f_star: float | None) -> MapMetric:
    """The colour of every cell for ``metric`` ("final" or "steps"), and the best cell (row, col)."""
    if metric == "final":
        gap = grid.final_loss - (f_star if f_star is not None else 0.0)
        z = np.maximum(gap, 0.0) if f_star is not None else grid.final_loss
        label = t("sweep_map.label.final_gap") if f_star is not None else t("sweep_map.label.final_loss")
        not_reached, log_color = None, f_star is not None
    else:
        z = grid.steps_to_tol.astype(float)
        label, not_reached, log_color = t("sweep_map.label.steps"), grid.steps_to_tol < 0, True
    ok = ~grid.diverged & np.isfinite(z)
    if not_reached is not None:
        ok &= ~not_reached
    best = np.unravel_index(np.argmin(np.where(ok, z, np.inf)), z.shape) if ok.any() else (0, 0)
    return MapMetric(z, label, not_reached, log_color, (int(best[0]), int(best[1])),
                     undefined=metric != "final" and f_star is None)


@dataclass
class Selection:
    """Which cell the run below the map shows, across reruns.

    Rules: a new click wins; a new map (other optimizer, axes, ranges, size) starts from its
    best cell; the first map of a visit starts from the link's cell. ``signature`` identifies a
    map; ``last_click`` tells a new click from the one the chart still reports.
    """

    cell: tuple[int, int]
    signature: tuple | None = None
    last_click: tuple[float, float] | None = None

    def update(self, signature: tuple, best: tuple[int, int], click: tuple[float, float] | None,
               locate: Callable[[float, float], tuple[int, int]], resolution: int) -> tuple[int, int]:
        if self.signature is not None and self.signature != signature:
            self.cell = best
        self.signature = signature
        if click is not None:
            click = (round(float(click[0]), 12), round(float(click[1]), 12))
            if click != self.last_click:
                self.last_click = click
                self.cell = locate(*click)
        iy, ix = self.cell
        self.cell = (min(int(iy), resolution - 1), min(int(ix), resolution - 1))
        return self.cell
