"""Small helpers every lesson page shares: the link back to Compare and the figure style.

Kept apart from the Compare page's own ui modules so the lessons stay thin and consistent:
each one opens with what to try, what to notice, and a link to the matching Compare preset.
"""

from __future__ import annotations

from typing import Mapping

import streamlit as st

from viz.style import DEFAULT_STYLE, Style

COMPARE_PAGE = "pages/compare.py"
COMPARE_PATH = "compare"


def compare_link(label: str, *, preset: str | None = None, params: Mapping[str, str] | None = None) -> None:
    """A link to the Compare page opened on a preset (or on explicit URL parameters).

    ``st.page_link`` needs the page to be registered with ``st.navigation``; when a lesson page
    runs on its own (a test, or a page opened outside the app) it falls back to a plain link
    with the same query string.
    """
    query: dict[str, str] = {}
    if preset:
        query["preset"] = preset
    query.update({k: str(v) for k, v in (params or {}).items()})
    try:
        st.page_link(COMPARE_PAGE, label=label, query_params=query or None)
    except Exception:
        qs = "&".join(f"{k}={v}" for k, v in query.items())
        st.markdown(f"[{label} →](/{COMPARE_PATH}{'?' + qs if qs else ''})")


def page_style() -> Style:
    """Show the app-wide projector toggle in the sidebar and return the matching figure style.

    Each page renders the toggle itself because Streamlit forgets a widget's value on pages
    that do not draw it; the shared key keeps the choice when the class switches pages.
    """
    try:
        from ui.style import current_style, projector_toggle

        projector_toggle()
        return current_style()
    except ImportError:  # pragma: no cover - the shared style module is part of the app
        return DEFAULT_STYLE


def snap_log(value: float, low: float, high: float, points_per_decade: int = 12) -> tuple[list[float], float]:
    """Options of a log slider (rounded to 3 significant digits) and the option nearest ``value``."""
    import math

    import numpy as np

    n = max(2, int(round(math.log10(high / low) * points_per_decade)) + 1)
    options = sorted({float(f"{v:.3g}") for v in np.geomspace(low, high, n)} | {float(f"{value:.3g}")})
    options = [o for o in options if low <= o <= high] or [low, high]
    nearest = min(options, key=lambda o: abs(math.log10(o) - math.log10(max(value, 1e-300))))
    return options, nearest


def spec_slider(container, spec, value: float, *, key: str, label: str | None = None, scale: float = 1.0):
    """A slider for one `HyperSpec` (log specs get a log-spaced select slider).

    ``scale`` stretches the upper end, e.g. so a schedule's step size can reach the run length.
    """
    label = label or f"{spec.key} (${spec.symbol}$)"
    low, high = float(spec.low), float(spec.high) * scale
    if spec.log and low > 0:
        options, nearest = snap_log(value, low, high)
        return float(container.select_slider(label, options=options, value=nearest, key=key, help=spec.help,
                                             format_func=lambda v: f"{v:g}"))
    if getattr(spec, "integer", False):
        return int(container.slider(label, int(low), int(high), int(min(max(value, low), high)), key=key,
                                    help=spec.help))
    step = (high - low) / 100 if high > low else 0.01
    return float(container.slider(label, low, high, float(min(max(value, low), high)), step=float(f"{step:.2g}"),
                                  key=key, help=spec.help))


def show_chart(fig, *, key: str, **kwargs):
    """``st.plotly_chart`` with the figure's own style (theme=None), so the projector sizes and
    the fixed colours set by `viz.style` are not overridden by Streamlit's chart theme."""
    return st.plotly_chart(fig, key=key, theme=None, config={"displaylogo": False}, **kwargs)
