"""The `Surface` contract: everything the app, a notebook or a sweep needs to know about a
2-D test function.

A surface is pure data plus vectorized numpy callables, so the same object drives a contour
plot, a 10,000-run sweep and a unit test. No Streamlit here: the numerical core must import in a
plain notebook.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable

import numpy as np

from i18n.fields import Rendered

Array = np.ndarray
Bounds = tuple[tuple[float, float], tuple[float, float]]
ScalarField = Callable[[Array, Array], Array]
GradientField = Callable[[Array, Array], tuple[Array, Array]]
#: (x, y, idx) -> mean gradient over the samples ``idx`` (finite-sum surfaces only).
BatchGradient = Callable[[Array, Array, Array], tuple[Array, Array]]


@dataclass(frozen=True)
class SurfaceKernel:
    """``f`` and ``grad`` once more, for one point, as plain Python functions of floats.

    Optional: the engine's compiled fast path (``optimizers/compiled.py``) uses it; a surface
    without one runs on the numpy path, the reference. ``f(x, y, k)`` and ``grad(x, y, k) ->
    (gx, gy)`` must round exactly as the numpy ``f``/``grad`` do (same operations, same order;
    ``x**2`` is numpy's ``square``, so write ``x * x``; numpy's own ``power``, ``cos``, ``exp``
    and ``hypot`` round differently from the C library, so surfaces using them get no kernel).
    ``k`` holds the surface's constants (``params``), so one compiled kernel serves every
    rotated quadratic. ``tests/test_compiled_engine.py`` checks the bits.
    """

    f: Callable[..., float]
    grad: Callable[..., tuple[float, float]]
    params: tuple[float, ...] = ()


@dataclass(frozen=True)
class Surface:
    """A 2-D objective with its analytic gradient and the facts a lesson needs.

    ``f`` and ``grad`` take numpy arrays of any (matching) shape and work element-wise, so
    a (R,) vector of run positions or a (200, 200) plotting grid are evaluated in one call.

    ``hessian_eigs`` is set for quadratics only: the (smallest, largest) Hessian eigenvalue,
    which gives the app its stability limits (lr < 2/λmax for gradient descent).

    Finite-sum surfaces (``n_samples`` set) are means over data points; ``batch_grad`` returns
    the gradient of the mean over a subset of samples, so the engine can draw real mini-batches.

    ``source`` is the canonical formula text of a user-typed surface (``from_expression``), so
    the app can round-trip it through the URL; built-in surfaces leave it None.
    """

    key: str
    label: str = Rendered()  # type: ignore[assignment]  (Msg values, read as text in the current language)
    latex: str
    f: ScalarField
    grad: GradientField
    bounds: Bounds
    minima: tuple[tuple[float, float], ...]
    start: tuple[float, float]
    note: str = Rendered()  # type: ignore[assignment]
    hessian_eigs: tuple[float, float] | None = None
    n_samples: int | None = None
    batch_grad: BatchGradient | None = None
    source: str | None = None
    #: What the map's horizontal and vertical axes mean, when they are not plain x and y
    #: (the regression surface's slope w and intercept b); drawn as the maps' axis titles.
    axis_titles: tuple[str, str] = Rendered(("", ""))  # type: ignore[assignment]
    #: The scalar form of ``f``/``grad`` for the engine's compiled path (None: numpy only).
    kernel: SurfaceKernel | None = None

    def loss(self, xy: Array) -> Array:
        """f at points stacked on the last axis: ``xy[..., 0]`` is x, ``xy[..., 1]`` is y."""
        xy = np.asarray(xy, dtype=float)
        return self.f(xy[..., 0], xy[..., 1])

    def gradient(self, xy: Array) -> Array:
        """The gradient at points ``xy[..., :2]``, stacked the same way."""
        xy = np.asarray(xy, dtype=float)
        gx, gy = self.grad(xy[..., 0], xy[..., 1])
        return np.stack(np.broadcast_arrays(gx, gy), axis=-1)

    @property
    def f_star(self) -> float | None:
        """f* as far as it is known: the lowest f over ``minima``; None if no minimum is known.

        The one f* behind every "f − f*" in the app (engine tolerances, Tune's gaps, the summary
        table, loss charts, questions, challenges), so they all measure from the same value.
        """
        return lowest_known_value(self.f, self.minima)

    def distance_to_nearest_minimum(self, xy: Array) -> Array:
        """Euclidean distance from each point to the closest known minimum (NaN if none known)."""
        return nearest_minimum_distance(xy, self.minima)

    @property
    def is_finite_sum(self) -> bool:
        return self.n_samples is not None and self.batch_grad is not None


# ---------------------------------------------------------------------------------------------
# Helpers for writing a surface's f and grad (shared by every surface module)


def broadcast_xy(x: "Array | float", y: "Array | float") -> tuple[Array, Array]:
    """Float arrays of the common broadcast shape.

    Broadcasting up front means a gradient component that depends on one coordinate only
    (``2*x`` for the bowl) still comes back with the full shape of the inputs, which the engine
    relies on when it stacks ``gx`` and ``gy``.
    """
    if type(x) is np.ndarray and type(y) is np.ndarray and x.shape == y.shape and x.dtype == y.dtype == np.float64:
        return x, y  # the engine's case (two float64 columns): nothing to convert or broadcast
    x, y = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return x, y


def quiet(fn: Callable) -> Callable:
    """Evaluate with floating-point warnings off.

    A diverging run walks off to 1e200 and beyond; the overflow to inf/nan is expected (the
    engine reports it as divergence), so it must not spray RuntimeWarnings into a notebook or
    the server log.
    """

    @functools.wraps(fn)
    def wrapper(x, y):
        with np.errstate(all="ignore"):
            return fn(x, y)

    return wrapper


def scalar_out(a: Array) -> Array:
    """Return 0-d results as numpy scalars (like numpy ufuncs do), arrays unchanged."""
    return a[()] if isinstance(a, np.ndarray) and a.ndim == 0 else a


def nearest_minimum_distance(xy: Array, minima) -> Array:
    """Euclidean distance from each point (last axis: x, y) to the closest of ``minima``.

    NaN where no minimum is known (a custom formula whose minimum was not found): "unknown",
    which tables show as an em dash, not "infinitely far", which a median would turn into a
    claim. The one implementation behind `Surface.distance_to_nearest_minimum` and the
    summary table.
    """
    xy = np.asarray(xy, dtype=float)
    if not len(minima):
        return np.full(xy.shape[:-1], np.nan)
    m = np.asarray(minima, dtype=float).reshape(-1, 2)  # (M, 2)
    return np.sqrt(((xy[..., None, :] - m) ** 2).sum(axis=-1)).min(axis=-1)


def lowest_known_value(f, minima) -> float | None:
    """f* as far as it is known: the lowest finite value of ``f`` over ``minima``; None if none.

    The one implementation behind every "f − f*" in the app (engine tolerances, Tune's gaps,
    the summary table, loss charts, lesson questions), so they all measure from the same f*.
    """
    if minima is None or not len(minima):
        return None
    pts = np.asarray(minima, dtype=float).reshape(-1, 2)
    with np.errstate(all="ignore"):
        vals = np.asarray(f(pts[:, 0], pts[:, 1]), dtype=float) * np.ones(len(pts))
    vals = vals[np.isfinite(vals)]
    return float(vals.min()) if vals.size else None
