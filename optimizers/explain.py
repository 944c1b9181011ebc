"""Writing one update out with its numbers: the building blocks of every ``Optimizer.explain``.

Why in the core: the numbers shown must be the ones the update rule computed. Each optimizer's
``explain`` runs its own ``update`` on the one run being inspected (``one_step``) and formats
the resulting state and θ; it never re-derives the rule, so the equation on screen cannot drift
from the arithmetic the engine did. Plain strings, no Streamlit.
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np

from .base import Array, State, UpdateFn
from .transforms import l2_decay
from i18n.numbers import short_number  # noqa: F401  (the prose formatter, re-exported for the engine)


def num(v: float) -> str:
    """A number for LaTeX: 4 significant digits, ×10^k outside [1e-3, 1e5), a dash if not finite."""
    if v is None or not math.isfinite(v):
        return r"\text{–}"
    if v == 0:
        return "0"
    a = abs(v)
    if a < 1e-3 or a >= 1e5:
        mant, exp = f"{v:.3e}".split("e")
        return rf"{float(mant):.3g}\!\times\!10^{{{int(exp)}}}"
    return f"{v:.4g}"


def vec(v: Sequence[float]) -> str:
    """A 2-vector as a LaTeX column."""
    return r"\begin{pmatrix}" + num(float(v[0])) + r"\\" + num(float(v[1])) + r"\end{pmatrix}"


def one_step(update: UpdateFn, params: Array, grads: Array, state: State, hyper: Mapping[str, object],
             t: int) -> tuple[Array, State]:
    """The optimizer's own update on one run: θ (2,), g (2,) -> (θ_t (2,), state after, rows (2,))."""
    p = np.asarray(params, dtype=float).reshape(1, 2)
    g = np.asarray(grads, dtype=float).reshape(1, 2)
    new, after = update(p, g, state, hyper, t)
    rows = {k: (np.asarray(v, dtype=float).reshape(-1)[:2] if np.ndim(v) and np.size(v) == 2 else v)
            for k, v in after.items()}
    return np.asarray(new, dtype=float).reshape(2), rows


def row(state: State, key: str) -> Array:
    """A state vector of the one inspected run as (2,)."""
    return np.broadcast_to(np.asarray(state[key], dtype=float), (1, 2)).reshape(2)


def gradient_lines(params: Array, grads: Array, weight_decay: float, k: int) -> tuple[list[str], Array]:
    """The gradient line, with torch's L2 term λθ when weight decay is on (shared by all
    optimizers whose weight decay is coupled to the gradient)."""
    theta = np.asarray(params, dtype=float)
    g = np.asarray(grads, dtype=float)
    if weight_decay:
        g_wd = l2_decay(theta, g, weight_decay)
        return [rf"g &= \nabla f + \lambda\theta_{{{k}}} = {vec(g)} + {num(weight_decay)}\,{vec(theta)} = {vec(g_wd)}"], g_wd
    return [rf"g &= \nabla f(\theta_{{{k}}}) = {vec(g)}"], g


def moment_lines(state: State, after: State, g: Array, beta1: float, beta2: float, t: int) -> list[str]:
    """Adam's two averages for update t with their numbers: m from the gradient, v from its square
    (the lines every member of the Adam family shows before its own step)."""
    k = t - 1
    m_old, v_old, m, v = row(state, "exp_avg"), row(state, "exp_avg_sq"), row(after, "exp_avg"), row(after, "exp_avg_sq")
    return [rf"m_{{{t}}} &= \beta_1 m_{{{k}}} + (1-\beta_1)\, g = {num(beta1)}\,{vec(m_old)} + {num(1 - beta1)}\,{vec(g)}"
            rf" = {vec(m)}",
            rf"v_{{{t}}} &= \beta_2 v_{{{k}}} + (1-\beta_2)\, g^2 = {num(beta2)}\,{vec(v_old)} + {num(1 - beta2)}\,"
            rf"{vec(g * g)} = {vec(v)}"]
