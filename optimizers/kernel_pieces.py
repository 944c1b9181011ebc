"""The pieces the scalar kernels are built from, as ``transforms.py`` is for the numpy rules.

Each piece is one step of an update for one coordinate of one run, on Python floats, rounded
exactly as its numpy counterpart in ``transforms.py`` (same operations, same order; torch's
order). Plain Python with ``math`` only, so no optimizer module needs numba: ``compiled.py``
compiles each kernel with these names bound to inlined numba versions (``inline="always"``:
no call, and LLVM sees the whole step as if it were written out).
"""

from __future__ import annotations

import math


def l2_decay(p, g, weight_decay):
    """g + λθ (torch's coupled weight decay); g itself when λ = 0, like ``transforms.l2_decay``."""
    return p * weight_decay + g if weight_decay != 0.0 else g


def decoupled_decay(p, lr, weight_decay):
    """θ(1 − ηλ): AdamW's decay of the parameter; θ itself when λ = 0."""
    return p * (1.0 - lr * weight_decay) if weight_decay != 0.0 else p


def momentum_trace(buf, g, momentum):
    """b ← μ b + g (torch's momentum buffer, dampening 0)."""
    return buf * momentum + g


def lerp(avg, value, weight):
    """avg + w·(value − avg) in torch's two forms (its CPU ``lerp`` switches at w = 0.5):
    avg + w·diff for w < 0.5, value − diff·(1 − w) otherwise (``transforms.ema``)."""
    diff = value - avg
    return diff * weight + avg if weight < 0.5 else value - diff * (1.0 - weight)


def ema(avg, value, decay):
    """β avg + (1 − β) value as torch's ``avg.lerp_(value, 1 − β)`` (Adam's first moment)."""
    return lerp(avg, value, 1.0 - decay)


def ema_of_squares(avg, g, decay):
    """β avg + ((1 − β) g) g, torch's ``avg.mul_(β).addcmul_(g, g, value=1 − β)``."""
    return avg * decay + g * (1.0 - decay) * g


def maximum(a, b):
    """numpy's ``maximum`` (and torch's): the larger value, NaN if either is NaN."""
    return a if (a > b or a != a) else b


def descend(p, scale, numer, denom):
    """θ − (s·n)/d: torch's ``param.addcdiv_(n, d, value=−s)``, the product first."""
    return p - numer * scale / denom


def rms_denominator(second_moment, eps, correction_sqrt):
    """√v / √c + ε (``transforms.rms_denominator``)."""
    return math.sqrt(second_moment) / correction_sqrt + eps
