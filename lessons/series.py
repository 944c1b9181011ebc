"""Seeded noisy series for the moving-average lesson.

The course material introduces exponentially weighted averages with a year of daily
temperatures (a slow seasonal signal under day-to-day noise), then uses the same average on
gradients inside Momentum, RMSProp and Adam. Both series are here, seeded, so a class sees
the same data on every screen and a test can pin numbers.

The series' names and axis labels live in ``i18n/<lang>/series.toml``: `SERIES_KINDS` looks its
names up when read, so the module-level table speaks the reader's language.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from i18n import t as _t  # (``t`` is the series' time axis below)
from i18n.fields import Words

Array = np.ndarray


#: The words of each key, in the current language (``series.kind.<key>`` in the catalogs).
SERIES_KINDS: Mapping[str, str] = Words("series.kind", ("temperature", "gradient"))


def noisy_series(kind: str, n: int = 365, seed: int = 0) -> tuple[Array, Array, Array, str]:
    """Return ``(t, observed, truth, y_label)`` for ``kind`` in `SERIES_KINDS`.

    ``t`` runs 1..n (the EWMA step index, so bias correction uses βᵗ with t starting at 1).
    ``truth`` is the noiseless signal, drawn faintly so students can judge which average
    tracks it. Temperatures sit far from 0, which is exactly what makes the uncorrected
    average's start at v₀ = 0 so visibly wrong.
    """
    if kind not in SERIES_KINDS:
        raise ValueError(f"unknown series {kind!r}; choose one of {sorted(SERIES_KINDS)}")  # i18n: internal
    n = int(n)
    if n < 2:
        raise ValueError("need at least 2 points")  # i18n: internal
    rng = np.random.default_rng(seed)
    t = np.arange(1, n + 1, dtype=float)
    if kind == "temperature":
        # A mild-climate year starting in January: coldest (~7 °C) around day 15, warmest
        # (~25 °C) in mid-July. Far enough from 0 that v₀ = 0 is visibly wrong.
        truth = 16.0 - 9.0 * np.cos(2 * np.pi * (t - 15.0) / 365.0)
        observed = truth + rng.normal(0.0, 3.0, n)
        return t, observed, truth, _t("series.axis.temperature")
    truth = np.ones(n)
    observed = truth + rng.normal(0.0, 1.0, n)
    return t, observed, truth, _t("series.axis.gradient")
