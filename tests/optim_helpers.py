"""Surfaces for the optimizer/engine tests.

The tests prefer the real ``SURFACES`` registry; until (or if) a key is missing there, a small
local stand-in with the same role is used, so the optimizer tests never wait on another
package. Local surfaces are deliberately simple: a quadratic bowl, Rosenbrock, and a tiny
finite-sum least-squares problem with a vectorized ``batch_grad``.
"""

from __future__ import annotations

import numpy as np

from surfaces.base import Surface


def _bowl() -> Surface:
    return Surface(
        key="bowl",
        label="Bowl",
        latex=r"x^2 + 4y^2",
        f=lambda x, y: x * x + 4.0 * y * y,
        grad=lambda x, y: (2.0 * x, 8.0 * y),
        bounds=((-2.0, 2.0), (-2.0, 2.0)),
        minima=((0.0, 0.0),),
        start=(1.5, 1.0),
        note="local test bowl",
        hessian_eigs=(2.0, 8.0),
    )


def _rosenbrock() -> Surface:
    def f(x, y):
        return (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2

    def grad(x, y):
        r = y - x * x
        return -2.0 * (1.0 - x) - 400.0 * x * r, 200.0 * r

    return Surface(
        key="rosenbrock",
        label="Rosenbrock",
        latex=r"(1-x)^2 + 100(y-x^2)^2",
        f=f,
        grad=grad,
        bounds=((-2.0, 2.0), (-1.0, 3.0)),
        minima=((1.0, 1.0),),
        start=(-1.5, 2.0),
        note="local test Rosenbrock",
    )


def make_regression(n: int = 12, seed: int = 7) -> Surface:
    """f(w, b) = mean_i ½(w xᵢ + b − yᵢ)², with a batch gradient vectorized over runs."""
    rng = np.random.default_rng(seed)
    xs = rng.uniform(-2.0, 2.0, n)
    ys = 1.5 * xs - 0.5 + 0.3 * rng.standard_normal(n)
    design = np.column_stack([xs, np.ones(n)])
    w_opt, b_opt = np.linalg.lstsq(design, ys, rcond=None)[0]

    def batch_grad(w, b, idx):
        idx = np.asarray(idx)
        w = np.asarray(w, dtype=float)
        b = np.asarray(b, dtype=float)
        r = w[..., None] * xs[idx] + b[..., None] - ys[idx]
        return (r * xs[idx]).mean(axis=-1), r.mean(axis=-1)

    def f(w, b):
        w = np.asarray(w, dtype=float)
        b = np.asarray(b, dtype=float)
        r = w[..., None] * xs + b[..., None] - ys
        return 0.5 * (r * r).mean(axis=-1)

    def grad(w, b):
        return batch_grad(w, b, np.arange(n))

    return Surface(
        key="regression",
        label="Regression",
        latex=r"\frac1N\sum_i \tfrac12 (w x_i + b - y_i)^2",
        f=f,
        grad=grad,
        bounds=((-3.0, 3.0), (-3.0, 3.0)),
        minima=((float(w_opt), float(b_opt)),),
        start=(-2.0, 2.0),
        note="local test regression",
        n_samples=n,
        batch_grad=batch_grad,
    )


_LOCAL = {"bowl": _bowl, "rosenbrock": _rosenbrock, "regression": make_regression}


def surface(key: str) -> Surface:
    """The registry's surface ``key`` if it exists, else the local stand-in."""
    try:
        from surfaces import SURFACES  # type: ignore[attr-defined]
    except ImportError:
        SURFACES = {}
    if key in SURFACES:
        return SURFACES[key]
    return _LOCAL[key]()


def local_surface(key: str) -> Surface:
    """Always the local stand-in (tests that hard-code numbers for a specific formula)."""
    return _LOCAL[key]()
