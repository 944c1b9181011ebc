"""The sidebar's thumbnail of a learning-rate schedule, as a small inline SVG.

Why not a Plotly figure: the Compare page draws its race with the player's own plotly.js, so
one ``st.plotly_chart`` in the sidebar made every schedule lesson load Streamlit's full Plotly
bundle as well (4.3 MB more JavaScript, measured) and build, validate and serialize a figure on
every rerun (22 ms), and the page keeps one Plotly bundle, not two. A thumbnail needs no zoom: a line, two axes and their ticks, a few hundred bytes of
SVG that the browser draws at once. The exact numbers are in its tooltip.
"""

from __future__ import annotations

import math
from html import escape
from typing import Sequence

import numpy as np

from i18n import t as _t
from optimizers.explain import short_number

from .style import DEFAULT_STYLE, Style

LINE = "#0072B2"  # the app's accent (Okabe–Ito blue), as the Plotly thumbnail had
GRID = "#e6e9ef"
TEXT = "#5e6068"


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values (1, 2 or 5 × 10^k apart) covering [lo, hi], at most about ``count``."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo] if math.isfinite(lo) else []
    raw = (hi - lo) / max(count - 1, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    ticks = []
    k = 0
    while first + k * step <= hi + 1e-9 * step:
        ticks.append(round(first + k * step, 12))
        k += 1
    return ticks


def _label(v: float) -> str:
    """Whole numbers (update counts) in full, never as 2e3; others as the app's prose writes them."""
    return str(int(v)) if v == int(v) and abs(v) < 1e7 else short_number(v)


def _fitting_ticks(lo: float, hi: float, room: float, font: float) -> list[float]:
    """As many round ticks as fit side by side in ``room`` (the projector's font is large)."""
    for count in (6, 5, 4, 3, 2):
        ticks = nice_ticks(lo, hi, count)
        widest = max((len(_label(v)) for v in ticks), default=0) * 0.6 * font
        if len(ticks) * widest * 1.5 <= room:
            return ticks
    return [lo, hi] if hi > lo else [lo]


def schedule_preview_svg(t: Sequence[float], factor: Sequence[float], *, style: Style = DEFAULT_STYLE,
                         width: int = 220, height: int = 130) -> str:
    """An SVG line of the lr multiplier (of the base lr) against the update number.

    The y axis starts at 0, as the Plotly thumbnail's did, so a decay to a sixth looks like one.
    ``width`` and ``height`` are the viewBox; the SVG stretches to its container's width.
    """
    t = np.asarray(t, dtype=float)
    f = np.asarray(factor, dtype=float)
    ok = np.isfinite(t) & np.isfinite(f)
    t, f = t[ok], f[ok]
    font = max(style.font_size - 2, 10)
    left, right, top, bottom = 3.2 * font, 10, 8, 2.2 * font
    w, h = width - left - right, height - top - bottom
    if t.size == 0:
        return ""
    x_lo, x_hi = float(t.min()), float(t.max())
    y_hi = max(float(f.max()), 0.0)
    y_hi = y_hi * 1.05 if y_hi > 0 else 1.0
    x_span = x_hi - x_lo or 1.0

    def px(v: float) -> float:
        return left + (v - x_lo) / x_span * w

    def py(v: float) -> float:
        return top + (1 - v / y_hi) * h

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '  # i18n: internal
             f'role="img" class="schedule-preview" font-family="sans-serif" font-size="{font}">']  # i18n: internal
    first, last = f[0], f[-1]
    tooltip = _t("viz_schedule_preview.tooltip", first=_label(first), t_first=int(t[0]), last=_label(last),
                 t_last=int(t[-1]), lowest=_label(f.min()))
    parts.append(f"<title>{escape(tooltip)}</title>")
    for v in nice_ticks(0.0, y_hi, 4):
        y = py(v)
        parts.append(f'<line x1="{left:.1f}" x2="{left + w:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(f'<text x="{left - 4:.1f}" y="{y + font / 3:.1f}" text-anchor="end" fill="{TEXT}">'  # i18n: internal
                     f"{_label(v)}</text>")  # i18n: internal
    for v in _fitting_ticks(x_lo, x_hi, w, font):
        parts.append(f'<text x="{px(v):.1f}" y="{top + h + font + 2:.1f}" text-anchor="middle" fill="{TEXT}">'  # i18n: internal
                     f"{_label(v)}</text>")  # i18n: internal
    parts.append(f'<text x="{font * 0.9:.1f}" y="{top + h / 2:.1f}" text-anchor="middle" fill="{TEXT}" '  # i18n: internal
                 f'transform="rotate(-90 {font * 0.9:.1f} {top + h / 2:.1f})">lr ×</text>')  # i18n: internal
    points = " ".join(f"{px(a):.1f},{py(b):.1f}" for a, b in zip(t, f))
    parts.append(f'<polyline points="{points}" fill="none" stroke="{LINE}" stroke-width="{style.line_width}" '  # i18n: internal
                 'stroke-linejoin="round" stroke-linecap="round"/>')  # i18n: internal
    parts.append("</svg>")
    return "".join(parts)
