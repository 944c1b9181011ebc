"""Where a surface given only as f and ∇f is lowest on its plotting range, and where to start.

Why a module of its own: custom formulas have no known minimum, yet the app marks one and
measures distances to it. This is plain numpy (no SymPy): a grid search, zooming grids and a
damped Newton polish, plus a start point far from that minimum.
"""

from __future__ import annotations

import math

import numpy as np

from i18n import t

from .base import Bounds


def find_minimum(f, grad, bounds: Bounds, n: int = 201) -> tuple[float, float]:
    """Lowest point on the plotting range: grid search, zooming grids, then damped Newton.

    The zooming grids need no derivatives, so they also settle kinks such as abs(x); the
    Newton polish (Hessian by differences of the exact gradient, backtracking, projected onto
    the bounds) then makes the gradient vanish to near machine precision at smooth minima.
    """
    (x0, x1), (y0, y1) = bounds
    lo = np.array([x0, y0])
    hi = np.array([x1, y1])
    gx, gy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n), indexing="ij")
    z = f(gx, gy)
    values = np.where(np.isfinite(z), z, np.inf)
    if not np.isfinite(values).any():
        raise ValueError(t("surfaces.errors.no_finite_value"))
    i, j = np.unravel_index(np.argmin(values), values.shape)
    best = np.array([gx[i, j], gy[i, j]])
    best_f = float(values[i, j])

    # Zoom: an 11x11 grid over +-one cell around the best point, shrinking 5x per level.
    half = (hi - lo) / (n - 1)
    offsets = np.linspace(-1.0, 1.0, 11)
    for _ in range(12):
        px = np.clip(best[0] + offsets[:, None] * half[0], x0, x1)
        py = np.clip(best[1] + offsets[None, :] * half[1], y0, y1)
        px, py = np.broadcast_arrays(px, py)
        z = f(px, py)
        z = np.where(np.isfinite(z), z, np.inf)
        k = np.unravel_index(np.argmin(z), z.shape)
        if z[k] < best_f:
            best, best_f = np.array([px[k], py[k]]), float(z[k])
        half = half / 5.0

    best, best_f = _newton_polish(f, grad, best, best_f, lo, hi)
    return (float(best[0]), float(best[1]))


def _newton_polish(f, grad, p, fp, lo, hi, iterations: int = 60):
    """Damped Newton from the grid's best point, kept inside the bounds.

    Near a minimum f stops resolving differences (its changes fall below rounding long before
    the gradient does), so a step is also accepted when f is unchanged within rounding but the
    gradient shrinks: that is what takes |grad| from ~1e-8 to ~1e-15.
    """

    def gradient(q):
        return np.array(grad(q[0], q[1]), dtype=float)

    steps = 0.5 ** np.arange(40)
    g = gradient(p)
    for _ in range(iterations):
        gnorm = float(np.abs(g).max())
        if not np.isfinite(gnorm) or gnorm == 0.0:
            break
        h = 1e-5 * np.maximum(1.0, np.abs(p))
        hess = np.empty((2, 2))
        for k in range(2):
            e = np.zeros(2)
            e[k] = h[k]
            hess[:, k] = (gradient(p + e) - gradient(p - e)) / (2.0 * h[k])
        hess = 0.5 * (hess + hess.T)
        directions = [-g]
        if np.all(np.isfinite(hess)) and np.all(np.linalg.eigvalsh(hess) > 0):
            directions.insert(0, -np.linalg.solve(hess, g))
        tol = 1e-12 * (1.0 + abs(fp))
        accepted = None
        for d in directions:
            cand = np.clip(p[None, :] + steps[:, None] * d[None, :], lo, hi)
            z = f(cand[:, 0], cand[:, 1])
            z = np.where(np.isfinite(z), z, np.inf)
            k = int(np.argmin(z))
            if z[k] < fp - tol:
                accepted = cand[k], float(z[k])
                break
            for k in np.flatnonzero(z <= fp + tol)[:3]:  # flat in f: judge by the gradient
                gk = gradient(cand[k])
                if np.all(np.isfinite(gk)) and np.abs(gk).max() < 0.5 * gnorm:
                    accepted = cand[k], float(z[k])
                    break
            if accepted is not None:
                break
        if accepted is None:
            break
        moved = float(np.abs(accepted[0] - p).max())
        p, fp = accepted
        g = gradient(p)
        if moved <= 1e-15 * (1.0 + float(np.abs(p).max())):
            break
    return p, fp


def pick_start(f, grad, bounds: Bounds, minimum: tuple[float, float]) -> tuple[float, float]:
    """A start far from the minimum, at 70% of the way to a corner (or an edge) of the view."""
    (x0, x1), (y0, y1) = bounds
    cx, cy = (x0 + x1) / 2.0, (y0 + y1) / 2.0
    hx, hy = 0.7 * (x1 - x0) / 2.0, 0.7 * (y1 - y0) / 2.0
    dirs = [(-1, 1), (1, 1), (-1, -1), (1, -1), (-1, 0), (1, 0), (0, 1), (0, -1)]
    for level in (0.7, 0.4):
        cand = [(cx + sx * hx * level / 0.7, cy + sy * hy * level / 0.7) for sx, sy in dirs]
        usable = []
        for px, py in cand:
            gxv, gyv = grad(px, py)
            if np.isfinite(f(px, py)) and np.isfinite(gxv) and np.isfinite(gyv):
                usable.append((math.hypot(px - minimum[0], py - minimum[1]), (px, py)))
        if usable:
            _, (px, py) = max(usable, key=lambda t: t[0])
            return (round(float(px), 6), round(float(py), 6))
    # The formula is finite only on a small part of the view: start on the grid point there
    # that is farthest from the minimum.
    gx, gy = np.meshgrid(np.linspace(x0, x1, 41), np.linspace(y0, y1, 41), indexing="ij")
    fin = np.isfinite(f(gx, gy))
    gxv, gyv = grad(gx, gy)
    fin &= np.isfinite(gxv) & np.isfinite(gyv)
    if not fin.any():
        return (float(minimum[0]), float(minimum[1]))
    dist = np.where(fin, np.hypot(gx - minimum[0], gy - minimum[1]), -1.0)
    k = np.unravel_index(np.argmax(dist), dist.shape)
    return (float(gx[k]), float(gy[k]))
