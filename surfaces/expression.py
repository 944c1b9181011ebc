"""Custom surfaces from a formula a student types, e.g. ``sin(x)*cos(y) + 0.1*(x^2 + y^2)``.

``from_expression`` is the one entry point; it chains three modules with one job each:

- ``formula_parse``: text → checked syntax tree (whitelist, limits; evaluates nothing, no SymPy);
- ``formula_compile``: checked tree → SymPy → exact gradient → vectorized numpy functions;
- ``minimum``: the lowest point on the plotting range and a start point far from it.

This module adds the bounds check and the cache. Names other modules import from here
(``validate``, ``FUNCTIONS``, ``MAX_LENGTH``, the limits) are re-exported from ``formula_parse``.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from i18n import Msg, t

from .base import Bounds, Surface
from .formula_compile import compile_formula
from .formula_parse import (  # noqa: F401  (re-exported: the public names of the old module)
    CONSTANTS,
    FUNCTIONS,
    MAX_CONST_EXPONENT,
    MAX_CONST_MAGNITUDE,
    MAX_DEPTH,
    MAX_EXACT_BITS,
    MAX_INT_DIGITS,
    MAX_LENGTH,
    MAX_LITERAL_CHARS,
    MAX_NODES,
    VARIABLES,
    _check_text,
    _Checker,
    validate,
)
from .minimum import find_minimum, pick_start

DEFAULT_BOUNDS: Bounds = ((-5.0, 5.0), (-5.0, 5.0))
MAX_BOUND = 1e9  # far beyond any useful plot; keeps grid spacings and differences finite


def _check_bounds(bounds: object) -> Bounds:
    if bounds is None:
        return DEFAULT_BOUNDS
    try:
        (x0, x1), (y0, y1) = bounds  # type: ignore[misc]
        x0, x1, y0, y1 = (float(v) for v in (x0, x1, y0, y1))
    except (TypeError, ValueError):
        raise ValueError(t("surfaces.errors.bounds_shape")) from None
    if not all(math.isfinite(v) and abs(v) <= MAX_BOUND for v in (x0, x1, y0, y1)):
        raise ValueError(t("surfaces.errors.bounds_finite", limit=f"{MAX_BOUND:g}"))
    if not (x0 < x1 and y0 < y1):
        raise ValueError(t("surfaces.errors.bounds_order"))
    return ((x0, x1), (y0, y1))


def from_expression(text: str, bounds: Bounds | None = None) -> Surface:
    """A Surface from a whitelisted formula in x and y, with an exact symbolic gradient.

    ``bounds`` defaults to ((-5, 5), (-5, 5)). The result is cached on (text, bounds), because
    the app rebuilds its page, and calls this, on every interaction.
    """
    _check_text(text)  # fail fast on non-text, overlong or ill-charactered input
    return _build(text.strip(), _check_bounds(bounds))


@lru_cache(maxsize=128)
def _build(display: str, bounds: Bounds) -> Surface:
    tree = validate(display)  # everything below runs only on a fully checked tree
    compiled = compile_formula(tree)
    f, grad = compiled.f, compiled.grad
    with np.errstate(all="ignore"):
        minimum = find_minimum(f, grad, bounds)
        start = pick_start(f, grad, bounds, minimum)
    return Surface(
        key="custom",
        label=Msg.of("surfaces.custom.label", formula=display),
        latex="f(x, y) = " + compiled.latex,
        f=f,
        grad=grad,
        bounds=bounds,
        minima=(minimum,),
        start=start,
        note=Msg.of("surfaces.custom.note"),
        hessian_eigs=None,
        source=display,
    )


__all__ = ["from_expression", "validate", "FUNCTIONS", "MAX_LENGTH", "DEFAULT_BOUNDS", "MAX_BOUND"]
