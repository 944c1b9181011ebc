r"""Exponentially weighted moving averages: the one idea behind momentum, RMSprop and Adam.

    v_0 = 0,   v_t = β v_{t-1} + (1 − β) θ_t,   v̂_t = v_t / (1 − β^t)   (bias-corrected)

Why the correction: starting from v_0 = 0 drags the first averages towards zero (v_1 is only
(1 − β) θ_1). Since the weights (1 − β) β^{t−k} of v_t sum to 1 − β^t, dividing by that sum
gives a true weighted average: for a constant series the corrected average equals the constant
from t = 1 on. This is exactly Adam's bias correction.

The average "remembers" about ``effective_window(β) = 1/(1 − β)`` recent values (the mean age
of its weights, plus one): β = 0.9 averages ~10 steps, β = 0.999 ~1000.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


def ewma(series, beta, bias_correction: bool = False) -> Array:
    """EWMA of ``series`` along its first axis (time).

    ``series`` is (T,) or (T, ...). A scalar ``beta`` returns the same shape as ``series``; a
    1-D array of B betas returns shape (B, T, ...): one averaged series per beta.
    """
    s = np.asarray(series, dtype=float)
    if s.ndim == 0:
        raise ValueError("series must have a time axis")  # i18n: internal
    b = np.asarray(beta, dtype=float)
    if b.ndim > 1:
        raise ValueError("beta must be a number or a 1-D array")  # i18n: internal
    if not np.all(np.isfinite(b)) or np.any(b < 0) or np.any(b >= 1):
        raise ValueError(f"beta must be in [0, 1), got {beta!r}")  # i18n: internal
    scalar = b.ndim == 0
    bb = b.reshape((-1,) + (1,) * (s.ndim - 1))  # (B, 1, ...) against one time slice
    out = np.empty(bb.shape[:1] + s.shape, dtype=float)
    v = np.zeros(bb.shape[:1] + s.shape[1:], dtype=float)
    one_minus = 1.0 - bb
    for t in range(s.shape[0]):
        v = bb * v + one_minus * s[t]
        out[:, t] = v
    if bias_correction:
        steps = np.arange(1, s.shape[0] + 1, dtype=float)
        corr = 1.0 - b.reshape(-1, 1) ** steps  # (B, T)
        out /= corr.reshape(corr.shape + (1,) * (s.ndim - 1))
    return out[0] if scalar else out


def effective_window(beta) -> "float | Array":
    """1/(1 − β): roughly how many recent values an EWMA with this β averages over."""
    b = np.asarray(beta, dtype=float)
    with np.errstate(divide="ignore"):
        w = 1.0 / (1.0 - b)
    return float(w) if w.ndim == 0 else w


__all__ = ["ewma", "effective_window"]
