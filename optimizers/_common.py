"""Small helpers shared by the optimizer modules: hyperparameter access and the common specs.

Why a helper for reading hyperparameters: ``update`` must accept Python floats *and* arrays that
broadcast against ``(R, 2)`` params, and must keep float32 runs in float32. A Python float is a
"weak" scalar for numpy (NEP 50) and never upcasts, so scalars stay floats; arrays are cast to
the params' dtype once per step (a no-op when they already match).
"""

from __future__ import annotations

import math
from typing import Mapping

import numpy as np

from .base import HyperSpec

Array = np.ndarray


def hv(hyper: Mapping[str, object], key: str, default: float, dtype: np.dtype) -> "float | Array":
    """Hyperparameter ``key`` as a Python float, or as an array in ``dtype``."""
    value = hyper.get(key, default)
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return float(value)
        return value if value.dtype == dtype else value.astype(dtype)
    return float(value)  # type: ignore[arg-type]


def nonzero(value: "float | Array") -> bool:
    """True unless ``value`` is (all) zero: lets the hot path skip a no-op weight-decay term."""
    if isinstance(value, np.ndarray):
        return bool(np.any(value != 0))
    return value != 0.0


def as_grads(grads: Array, dtype: np.dtype) -> Array:
    """Gradients in the params' dtype (float32 runs stay float32)."""
    grads = np.asarray(grads)
    return grads if grads.dtype == dtype else grads.astype(dtype)


def ones_like_state(state: Mapping[str, Array]) -> Array:
    """Preconditioner of the SGD family: 1 everywhere (shape of any state array, else scalar)."""
    for value in state.values():
        return np.ones_like(value)
    return np.ones(())


def power(base: "float | Array", t: int) -> "float | Array":
    """base**t as a Python float when base is a float (bias corrections cost no array op)."""
    if isinstance(base, np.ndarray):
        return base**t
    return math.pow(base, t)


def root(value: "float | Array") -> "float | Array":
    """Square root that keeps Python floats as Python floats (np.float64 would upcast float32)."""
    if isinstance(value, np.ndarray):
        return np.sqrt(value)
    return math.sqrt(value)


# ---------------------------------------------------------------------------------------------
# Hyperparameter specs. Slider ranges are what a lesson needs; valid ranges are torch's checks.


def lr_spec(default: float) -> HyperSpec:
    return HyperSpec(
        key="lr",
        symbol=r"\eta",
        default=default,
        low=1e-4,
        high=10.0,
        log=True,
        help="Learning rate: how far each step moves along the (preconditioned) gradient.",
    )


def momentum_spec(default: float, help: str | None = None) -> HyperSpec:
    return HyperSpec(
        key="momentum",
        symbol=r"\mu",
        default=default,
        low=0.0,
        high=0.999,
        log=False,
        help=help
        or "Momentum: the fraction of the previous velocity kept each step (0 = plain SGD).",
    )


def weight_decay_spec(default: float, decoupled: bool = False) -> HyperSpec:
    text = (
        "Decoupled weight decay: shrinks the parameters by a factor (1 − ηλ) before each step."
        if decoupled
        else "Weight decay (L2 penalty): adds λθ to the gradient, pulling θ towards 0."
    )
    return HyperSpec(
        key="weight_decay",
        symbol=r"\lambda",
        default=default,
        low=0.0,
        high=0.5,
        log=False,
        help=text,
    )


def eps_spec(default: float) -> HyperSpec:
    return HyperSpec(
        key="eps",
        symbol=r"\varepsilon",
        default=default,
        low=1e-12,
        high=1.0,
        log=True,
        help="Epsilon: added to the denominator so a tiny gradient history cannot blow up the step.",
    )


def beta_spec(key: str, default: float, low: float, high: float, help: str) -> HyperSpec:
    symbol = r"\beta_1" if key == "beta1" else r"\beta_2"
    return HyperSpec(
        key=key,
        symbol=symbol,
        default=default,
        low=low,
        high=high,
        log=False,
        help=help,
        valid_low=0.0,
        valid_high=1.0,
        high_open=True,
    )
