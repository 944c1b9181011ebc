"""Slider value grids and the one number formatter (pure: no Streamlit, testable alone).

Why fixed grids: a learning rate must be reachable from 0.0001 to 10 on one slider (log scale),
and the exact values a lesson or PyTorch uses (0.95, 0.3, 1.5, 0.999, 1e-8) must be *on* the
slider, or a preset would be silently rounded. Every grid contains the spec's default, the
"nice" 1–1.2–1.5–2–2.5–3–4–5–6–7–8–9–9.5 mantissas per decade and any extra values passed in.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Iterable, Sequence

import numpy as np

from i18n.numbers import LINK_DIGITS, format_number  # noqa: F401  (re-exported: the one slider/link formatter)

#: Mantissas per decade on log sliders (0.95 for the textbook SGD, 1.5 for AdaGrad, ...).
LOG_MANTISSAS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 9.5)
#: Values near 1 that β-like parameters need (torch's 0.999, 0.99, ...).
NEAR_ONE = (0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 0.9999)
LINEAR_POINTS = 100


def nice(value: float, digits: int = 6) -> float:
    """``value`` rounded to ``digits`` significant digits (so 0.30000000000000004 is 0.3)."""
    if value == 0 or not math.isfinite(value):
        return float(value)
    return float(f"{value:.{digits}g}")


def log_grid(low: float, high: float) -> list[float]:
    """Nice log-spaced values in [low, high] (low > 0)."""
    out = []
    for exp in range(math.floor(math.log10(low)) - 1, math.ceil(math.log10(high)) + 1):
        for m in LOG_MANTISSAS:
            v = nice(m * 10.0**exp)
            if low * (1 - 1e-9) <= v <= high * (1 + 1e-9):
                out.append(v)
    return out


def slider_options(spec, extra: Iterable[float] = ()) -> list[float]:
    """The sorted option list of a select-slider for ``spec`` (a `HyperSpec`).

    Memoized on the numbers that define it: every rerun of every session draws the same
    sliders, and the list is rebuilt from a log grid otherwise (the caller gets its own copy).
    """
    return list(_slider_options(float(spec.low), float(spec.high), float(spec.default), bool(spec.log),
                                bool(getattr(spec, "integer", False)), tuple(float(v) for v in extra)))


@lru_cache(maxsize=1024)
def _slider_options(low: float, high: float, default: float, log: bool, integer: bool,
                    extra: tuple[float, ...]) -> tuple[float, ...]:
    values: set[float] = set()
    if integer:
        lo, hi = int(math.ceil(low)), int(math.floor(high))
        if hi - lo <= 200:
            values.update(float(v) for v in range(lo, hi + 1))
        else:
            values.update(v for v in log_grid(max(lo, 1), hi) if float(v).is_integer())
            values.update((float(lo), float(hi)))
    elif log:
        if low <= 0:
            values.add(0.0)
            values.update(log_grid(max(high * 1e-4, 1e-12), high))
        else:
            values.update(log_grid(low, high))
    else:
        values.update(nice(v) for v in np.linspace(low, high, LINEAR_POINTS + 1))
        values.update(v for v in NEAR_ONE if low <= v <= high)
    values.add(nice(default))
    for v in extra:
        if math.isfinite(v) and low <= v <= high:
            values.add(nice(v))
    return tuple(sorted(v for v in values if low - 1e-12 <= v <= high + 1e-12 or v == nice(default)))


def snap(value: float, options: Sequence[float], log: bool = False) -> float:
    """The option nearest ``value`` (in log distance on log sliders, for positive values)."""
    if not options:
        return float(value)
    if log and value > 0:
        positive = [o for o in options if o > 0]
        if positive:
            return min(positive, key=lambda o: abs(math.log(o) - math.log(value)))
    return min(options, key=lambda o: abs(o - value))


#: Slider ``format_func``: the same formatter, memoized. Streamlit calls it for every option of
#: every select-slider on every rerun (about 100 options each), for every student.
format_value = lru_cache(maxsize=8192)(format_number)


class _Spec:
    """A minimal HyperSpec stand-in for sliders that are not optimizer hyperparameters."""

    def __init__(self, key: str, low: float, high: float, default: float) -> None:
        self.key, self.low, self.high, self.default, self.log, self.integer = key, low, high, default, True, False


def noise_options(max_noise: float) -> list[float]:
    """Gradient-noise slider values: 0 (off) then a log grid 0.01 … ``max_noise``."""
    return [0.0] + slider_options(_Spec("noise", 0.01, max_noise, 1.0))


def clip_options(max_clip: float) -> list[float]:
    """Clip-norm slider values: 0 (off) then a log grid 0.01 … ``max_clip``."""
    return [0.0] + slider_options(_Spec("clip", 0.01, max_clip, 1.0))
