"""Shared pieces of the update rules, as small public functions in the optax manner.

Every optimizer module builds its rule from these, so an L2 penalty, a momentum trace or a bias
correction is written once and means the same thing everywhere (and a new optimizer reuses them
instead of importing another module's private helpers).

Why the scalar/array care: ``update`` must accept Python floats *and* arrays that broadcast
against ``(R, 2)`` params, and must keep float32 runs in float32. A Python float is a "weak"
scalar for numpy (NEP 50) and never upcasts, so scalars stay Python floats (``math`` functions,
no array op); arrays are cast to the params' dtype once per step (a no-op when they match).
Hyperparameters arrive resolved (``Optimizer.resolve``): no function here knows a default.
"""

from __future__ import annotations

import math
from typing import Mapping

import numpy as np

Array = np.ndarray


# ------------------------------------------------------------------------ values and dtypes


def hyper_value(hyper: Mapping[str, object], key: str, dtype: np.dtype) -> "float | Array":
    """Resolved hyperparameter ``key`` as a Python float, or as an array in ``dtype``."""
    value = hyper[key]
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return float(value)
        return value if value.dtype == dtype else value.astype(dtype)
    return float(value)  # type: ignore[arg-type]


def nonzero(value: "float | Array") -> bool:
    """True unless ``value`` is (all) zero: lets the hot path skip a no-op term."""
    if isinstance(value, np.ndarray):
        return bool(np.any(value != 0))
    return value != 0.0


def as_grads(grads: Array, dtype: np.dtype) -> Array:
    """Gradients in the params' dtype (float32 runs stay float32)."""
    grads = np.asarray(grads)
    return grads if grads.dtype == dtype else grads.astype(dtype)


def root(value: "float | Array") -> "float | Array":
    """Square root that keeps Python floats as Python floats (np.float64 would upcast float32)."""
    if isinstance(value, np.ndarray):
        return np.sqrt(value)
    return math.sqrt(value)


# ------------------------------------------------------------------------------ the pieces


def l2_decay(params: Array, grads: Array, weight_decay: "float | Array") -> Array:
    """g + λθ: torch's coupled weight decay (an L2 penalty); the gradient itself when λ = 0."""
    if nonzero(weight_decay):
        return params * weight_decay + grads
    return grads


def decoupled_decay(params: Array, lr: "float | Array", weight_decay: "float | Array") -> Array:
    """θ(1 − ηλ): AdamW's decoupled decay, applied to θ and never to the gradient."""
    if nonzero(weight_decay):
        return params * (1.0 - lr * weight_decay)
    return params


def momentum_trace(buf: Array, grads: Array, momentum: "float | Array") -> Array:
    """b ← μ b + g (torch's momentum buffer, dampening 0; b_0 = 0 gives b_1 = g_1 exactly)."""
    new = buf * momentum
    new += grads
    return new


def ema(avg: Array, value: Array, decay: "float | Array") -> Array:
    """avg + (1 − β)(value − avg): a moving average in torch's ``lerp`` order (Adam's m)."""
    new = value - avg
    new *= 1.0 - decay
    new += avg
    return new


def ema_of_squares(avg: Array, grads: Array, decay: "float | Array") -> Array:
    """β avg + (1 − β) g²: the second moment of RMSprop and Adam, in torch's order."""
    new = avg * decay
    sq = grads * grads
    sq *= 1.0 - decay
    new += sq
    return new


def rms_scale(grads: Array, second_moment: Array, eps: "float | Array", correction: "float | Array" = 1.0) -> Array:
    """g / (√v / √c + ε): RMS scaling of the step (c is a bias correction 1 − β₂ᵗ, or 1)."""
    denom = np.sqrt(second_moment)
    if not (isinstance(correction, float) and correction == 1.0):
        denom /= root(correction)
    denom += eps
    return np.divide(grads, denom, out=denom)  # in place: one array fewer per step


def increment_count(state: Mapping[str, object]) -> int:
    """The step number of this update: the state's ``count`` plus one (optax's ScaleByAdam)."""
    return int(state["count"]) + 1  # type: ignore[call-overload]


def decay_power(previous: "float | Array", beta: "float | Array") -> "float | Array":
    """βᵗ from β^(t−1) carried in the state: one multiply per step.

    Why carried and not ``β ** t``: with one β per run (a sweep over β) a power per run per step
    would be the most expensive line of the update. Scalars are carried the same way, so a sweep
    cell equals the single run with the same β exactly; the product differs from torch's
    ``β ** t`` by at most a few ulps of a number that is then subtracted from 1.
    """
    return previous * beta


def bias_correction(power: "float | Array") -> "float | Array":
    """1 − βᵗ: what a zero-initialised moving average must be divided by."""
    return 1.0 - power
