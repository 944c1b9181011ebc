"""A real finite-sum objective: least-squares line fitting on a seeded synthetic data set.

The parameters of the line, slope ``w`` and intercept ``b``, are the map's ``(x, y)``::

    f(w, b) = 1/(2N) Σᵢ (w xᵢ + b − yᵢ)²

This is the surface on which "stochastic" gradient descent means what it means in practice:
the engine draws real mini-batches of data points through ``batch_grad`` instead of adding
artificial noise, so the lesson can show where gradient noise comes from and why it shrinks
with the batch size.

Why sufficient statistics: f is a quadratic in (w, b), fully described by a handful of sample
means. Writing it around the exact least-squares solution p* as ``f* + ½ dᵀ H d`` (d = p − p*)
makes a 200×200 contour grid cost a few array operations instead of 40,000 × N, and avoids the
cancellation of expanding the square around the origin.

Why uncentred inputs: the xᵢ are drawn from [0, 2·x_scale], not centred on 0, so the Hessian
[[mean x², mean x], [mean x, 1]] couples slope and intercept into a tilted, ill-conditioned
valley (κ ≈ 14 with the defaults). Centring or standardizing the feature, which every
practitioner is told to do, would make it round: that is the lesson.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from i18n import Msg

from .base import Array, Surface


@dataclass(frozen=True, eq=False)
class RegressionData:
    """The data behind a regression surface, for scatter plots and the fitted line.

    ``x``/``y`` are read-only arrays of length N; ``w_opt``/``b_opt`` is the exact
    least-squares fit, ``true_w``/``true_b``/``noise`` the generating model.
    """

    x: Array
    y: Array
    true_w: float
    true_b: float
    noise: float
    w_opt: float
    b_opt: float


class _LeastSquares:
    """Half the mean squared error of a line on fixed data (the ½ makes the gradient the mean
    residual times the input), vectorized over (w, b) of any shape.

    The Surface stores bound methods of one instance, which is also how
    ``regression_data`` finds the data again from a Surface (no global registry to leak).
    """

    def __init__(self, x: Array, y: Array, true_w: float, true_b: float, noise: float) -> None:
        self.true_w = float(true_w)
        self.true_b = float(true_b)
        self.noise = float(noise)
        self.x = x
        self.y = y
        self.n = x.size
        self.mx = float(x.mean())
        self.my = float(y.mean())
        xc = x - self.mx
        # Closed-form least squares via the centred formulas (better conditioned than
        # solving the raw normal equations when mean x is far from 0).
        self.w_opt = float((xc * (y - self.my)).sum() / (xc * xc).sum())
        self.b_opt = float(self.my - self.w_opt * self.mx)
        # Residuals at the optimum: per-sample gradients are written around p*, so the
        # full-batch mean of them is zero up to rounding, not up to cancellation.
        self.e = y - (self.w_opt * x + self.b_opt)
        self.ex = self.e * x
        self.xx = x * x
        self.f_opt = float(0.5 * np.mean(self.e * self.e))
        self.mxx = float(self.xx.mean())
        self.hessian = np.array([[self.mxx, self.mx], [self.mx, 1.0]])

    def f(self, w, b):
        w, b = np.broadcast_arrays(np.asarray(w, dtype=float), np.asarray(b, dtype=float))
        with np.errstate(all="ignore"):
            dw = w - self.w_opt
            db = b - self.b_opt
            out = self.f_opt + 0.5 * (self.mxx * dw * dw + 2.0 * self.mx * dw * db + db * db)
        return out[()] if out.ndim == 0 else out

    def grad(self, w, b):
        w, b = np.broadcast_arrays(np.asarray(w, dtype=float), np.asarray(b, dtype=float))
        with np.errstate(all="ignore"):
            dw = w - self.w_opt
            db = b - self.b_opt
            gw = self.mxx * dw + self.mx * db
            gb = self.mx * dw + db
        if gw.ndim == 0:
            return gw[()], gb[()]
        return gw, gb

    def batch_grad(self, w, b, idx):
        """Gradient of the mean loss over the samples ``idx`` (shared by all runs).

        With residuals eᵢ at the optimum, wxᵢ + b − yᵢ = dw·xᵢ + db − eᵢ, so the batch
        gradient needs only four batch means, whatever the number of runs.
        """
        idx = np.asarray(idx)
        if idx.ndim != 1 or idx.size == 0:
            raise ValueError("idx must be a non-empty 1-D array of sample indices")  # i18n: internal
        if not np.issubdtype(idx.dtype, np.integer):
            raise ValueError(f"idx must hold integer sample indices, got dtype {idx.dtype}")  # i18n: internal
        if idx.min() < -self.n or idx.max() >= self.n:
            raise ValueError(f"sample indices must be in [0, {self.n}), got {idx.min()}..{idx.max()}")  # i18n: internal
        m_x = self.x[idx].mean()
        m_xx = self.xx[idx].mean()
        m_e = self.e[idx].mean()
        m_ex = self.ex[idx].mean()
        w, b = np.broadcast_arrays(np.asarray(w, dtype=float), np.asarray(b, dtype=float))
        with np.errstate(all="ignore"):
            dw = w - self.w_opt
            db = b - self.b_opt
            gw = m_xx * dw + m_x * db - m_ex
            gb = m_x * dw + db - m_e
        if gw.ndim == 0:
            return gw[()], gb[()]
        return gw, gb


@lru_cache(maxsize=32)
def make_regression_surface(
    n: int = 64,
    seed: int = 0,
    true_w: float = 2.0,
    true_b: float = -1.0,
    noise: float = 0.5,
    x_scale: float = 1.0,
) -> Surface:
    """Least squares for y = w·x + b on N seeded points, as a finite-sum Surface.

    Data: ``x ~ Uniform(0, 2·x_scale)``, ``y = true_w·x + true_b + noise·ε``, ε standard
    normal, all from ``numpy.random.default_rng(seed)`` so a lesson is reproducible. The
    surface starts at (w, b) = (0, 0), the usual zero initialization, and its bounds frame a
    square around the exact minimum that contains the start.

    Cached on its arguments, so app reruns get the identical object (and the same data).
    """
    n = int(n)
    if n < 2:
        raise ValueError(f"n must be at least 2 (a line needs two points), got {n}")  # i18n: internal
    for name, value in (("true_w", true_w), ("true_b", true_b)):
        if not math.isfinite(value):
            raise ValueError(f"{name} must be a finite number, got {value!r}")  # i18n: internal
    if not (math.isfinite(noise) and noise >= 0.0):
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}")  # i18n: internal
    if not (math.isfinite(x_scale) and x_scale > 0.0):
        raise ValueError(f"x_scale must be a finite number > 0, got {x_scale!r}")  # i18n: internal

    rng = np.random.default_rng(seed)
    x = x_scale * rng.uniform(0.0, 2.0, n)
    y = true_w * x + true_b + noise * rng.standard_normal(n)
    x.setflags(write=False)
    y.setflags(write=False)
    model = _LeastSquares(x, y, true_w, true_b, noise)

    w_opt, b_opt = model.w_opt, model.b_opt
    start = (0.0, 0.0)
    if math.hypot(w_opt - start[0], b_opt - start[1]) < 0.5:
        # The fit is (almost) the zero line: start somewhere that still shows a descent.
        start = (round(w_opt - 2.0, 1), round(b_opt + 2.0, 1))
    reach = max(abs(w_opt - start[0]), abs(b_opt - start[1]))
    half = max(math.ceil(2.0 * 1.3 * reach) / 2.0, 1.0)  # margin, rounded up to a half unit
    bounds = ((w_opt - half, w_opt + half), (b_opt - half, b_opt + half))
    lmin, lmax = (float(v) for v in np.linalg.eigvalsh(model.hessian))

    return Surface(
        key="regression",
        label=Msg.of("surfaces.regression.label", n=n),
        latex=rf"f(w, b) = \frac{{1}}{{2N}}\sum_{{i=1}}^{{N}} (w\,x_i + b - y_i)^2,\quad N = {n}",
        f=model.f,
        grad=model.grad,
        bounds=bounds,
        minima=((w_opt, b_opt),),
        start=start,
        axis_titles=(Msg.of("surfaces.regression.slope"), Msg.of("surfaces.regression.intercept")),
        note=Msg.of("surfaces.regression.note", n=n, condition=f"{lmax / lmin:.0f}"),
        hessian_eigs=(lmin, lmax),
        n_samples=n,
        batch_grad=model.batch_grad,
    )


def regression_data(surface: Surface) -> RegressionData:
    """The data set behind a surface made by ``make_regression_surface``.

    Raises ValueError for any other surface, so a page can call it to decide whether to
    show the scatter plot.
    """
    model = getattr(surface.f, "__self__", None)
    if not isinstance(model, _LeastSquares):
        raise ValueError(f"surface {surface.key!r} is not a least-squares regression surface")  # i18n: internal
    return RegressionData(
        x=model.x,
        y=model.y,
        true_w=model.true_w,
        true_b=model.true_b,
        noise=model.noise,
        w_opt=model.w_opt,
        b_opt=model.b_opt,
    )
