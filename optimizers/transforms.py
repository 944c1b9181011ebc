"""Shared pieces of the update rules, as small public functions in the optax manner.

Every optimizer module builds its rule from these, so an L2 penalty, a momentum trace or a bias
correction is written once and means the same thing everywhere (and a new optimizer reuses them
instead of importing another module's private helpers).

Why the scalar/array care: ``update`` must accept Python floats *and* arrays that broadcast
against ``(R, 2)`` params, and must keep float32 runs in float32. A Python float is a "weak"
scalar for numpy (NEP 50) and never upcasts, so scalars stay Python floats (``math`` functions,
no array op); arrays are cast to the params' dtype once per step (a no-op when they match).
Hyperparameters arrive resolved (``Optimizer.resolve``): no function here knows a default.

Why the operation order matters: each piece rounds in the order torch's CPU kernels do (``lerp``
with its two forms, ``mul_(β).addcmul_(g, g, value=1 − β)``, ``addcdiv_`` multiplying before it
divides, ``β ** t`` as a pow on Python floats), so paths agree with torch to the last bit for as
long as possible. What numpy cannot copy is fusion: torch rounds ``add(alpha=)``, ``lerp`` and
``addcmul`` once (a fused multiply-add) where numpy rounds twice; ``tests/golden/measure_drift.py``
measures what that leaves.
"""

from __future__ import annotations

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
    """avg + (1 − β)(value − avg), rounded as torch's ``avg.lerp_(value, 1 − β)`` (Adam's m).

    torch's CPU lerp switches form at weight w = 1 − β = 0.5 for accuracy: avg + w·(value − avg)
    when w < 0.5, value − (value − avg)·(1 − w) otherwise (β ≤ 0.5). Both forms are kept so a
    run with a small β₁ rounds exactly as torch's does.
    """
    weight = 1.0 - decay
    diff = value - avg
    if isinstance(weight, np.ndarray):
        low = weight < 0.5
        if not low.all():  # per-run β₁ on both sides: avg + w·diff or value + (w − 1)·diff,
            # the same bits as value − (1 − w)·diff (negation is exact)
            diff *= np.where(low, weight, weight - 1.0)
            diff += np.where(low, avg, value)
            return diff
    elif weight >= 0.5:
        diff *= 1.0 - weight
        return np.subtract(value, diff, out=diff)
    diff *= weight
    diff += avg
    return diff


def ema_of_squares(avg: Array, grads: Array, decay: "float | Array") -> Array:
    """β avg + ((1 − β) g) g: the second moment of RMSprop and Adam, in torch's order
    (``avg.mul_(β).addcmul_(g, g, value=1 − β)``)."""
    new = avg * decay
    sq = grads * (1.0 - decay)
    sq *= grads
    new += sq
    return new


def rms_denominator(second_moment: Array, eps: "float | Array", correction_sqrt: "float | Array" = 1.0) -> Array:
    """√v / √c + ε (√c = (1 − β₂ᵗ)^½ for Adam, 1 for RMSprop): torch's ``denom``."""
    denom = np.sqrt(second_moment)
    if not (isinstance(correction_sqrt, float) and correction_sqrt == 1.0):
        denom /= correction_sqrt
    denom += eps
    return denom


def descend(params: Array, scale: "float | Array", numer: Array, denom: Array) -> Array:
    """θ − (s·n)/d, rounded as torch's ``param.addcdiv_(n, d, value=−s)``: the product first,
    then the division (negating is exact, so θ + (−s·n)/d has the same bits)."""
    step = numer * scale
    step /= denom
    return np.subtract(params, step, out=step)


def increment_count(state: Mapping[str, object]) -> int:
    """The step number of this update: the state's ``count`` plus one (optax's ScaleByAdam)."""
    return int(state["count"]) + 1  # type: ignore[call-overload]


# ------------------------------------------------------------- torch's scalar arithmetic

#: (arrays, distinct rows, inverse, shape, copies of the arrays): the copies catch an array
#: edited in place between two calls
_DISTINCT_CACHE: list[tuple] = []
_DISTINCT_CACHE_SIZE = 8


def _distinct(arrays: tuple[Array, ...]) -> tuple[list[tuple[float, ...]], Array, tuple[int, ...]]:
    """Distinct value combinations of per-run arrays (as Python floats) and where each run's
    combination sits.

    Cached by the arrays' identity (the engine passes the same hyperparameter arrays every
    step), so a sweep pays for ``np.unique`` once per run, not once per step.
    """
    for entry in _DISTINCT_CACHE:
        if len(entry[0]) == len(arrays) and all(a is b for a, b in zip(entry[0], arrays)):
            if all(np.array_equal(a, c) for a, c in zip(arrays, entry[4])):  # not edited in place
                return entry[1], entry[2], entry[3]
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    cols = np.stack([np.broadcast_to(a, shape).astype(float).ravel() for a in arrays], axis=1)
    uniq, inverse = np.unique(cols, axis=0, return_inverse=True)
    rows = [tuple(row) for row in uniq.tolist()]
    _DISTINCT_CACHE.insert(0, (arrays, rows, inverse.ravel(), shape, tuple(a.copy() for a in arrays)))
    del _DISTINCT_CACHE[_DISTINCT_CACHE_SIZE:]
    return rows, inverse.ravel(), shape


def scalar_rule(fn, *values: "float | Array", dtype: "np.dtype | None" = None) -> "float | Array":
    """``fn(*values)`` in Python floats, as torch evaluates its scalar hyperparameter arithmetic.

    Why: torch computes β ** t, (1 − β₂ᵗ) ** 0.5 or NAdam's 0.96 ** (tψ) on Python floats
    (the C library's ``pow``), and numpy's vectorized ``np.power`` rounds differently in about
    one case in ten. With per-run arrays (a sweep over β) ``fn`` runs once per distinct value
    and the results are gathered, so every run gets exactly the bits a single run gets.
    """
    is_array = [isinstance(v, np.ndarray) and v.ndim > 0 for v in values]
    if not any(is_array):
        return fn(*(float(v) for v in values))
    rows, inverse, shape = _distinct(tuple(v for v, a in zip(values, is_array) if a))
    if all(is_array):
        results = [fn(*row) for row in rows]
    else:
        def args(row):
            it = iter(row)
            return [next(it) if a else float(v) for v, a in zip(values, is_array)]

        results = [fn(*args(row)) for row in rows]
    out = np.take(np.array(results), inverse).reshape(shape)
    return out if dtype is None or out.dtype == dtype else out.astype(dtype)


def decay_power(beta: "float | Array", t: int, dtype: "np.dtype | None" = None) -> "float | Array":
    """βᵗ as torch computes it: ``beta ** step`` on Python floats (the C library's pow).

    Computed afresh each step (not carried by multiplication, which drifts a few ulps from
    torch's power); per-run β arrays cost one pow per distinct β (``scalar_rule``).
    """
    if not isinstance(beta, np.ndarray):
        return beta ** float(t)
    return scalar_rule(lambda b: b ** float(t), beta, dtype=dtype)


def bias_correction(power: "float | Array") -> "float | Array":
    """1 − βᵗ: what a zero-initialised moving average must be divided by."""
    return 1.0 - power
