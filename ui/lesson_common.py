"""Small helpers every lesson page shares: the link back to Compare and the figure style.

Kept apart from the Compare page's own ui modules so the lessons stay thin and consistent:
each one opens with what to try, what to notice, and a link to the matching Compare preset.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping

import numpy as np
import streamlit as st

from i18n import t
from viz.style import Style
from viz.text import near_one_over_e, steps_text  # noqa: F401 (steps_text: the lesson pages import it from here)

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


def steps_phrase(n: float) -> str:
    """A step count with its unit, "50 steps" / "50 步" (the number written by `steps_text`)."""
    return t("ui_lesson_common.steps", n=steps_text(n))


def lesson_markdown(key: str, /, **values) -> str:
    """A lesson's markdown with LaTeX from the catalog, always formatted.

    Such templates write LaTeX braces doubled (``v_{{t-1}}``) whether or not they have
    placeholders, so `i18n.t` must format them even when no value is passed (it returns a
    template without values as is).
    """
    return t(key, _latex=True, **values)


def page_style() -> Style:
    """The figure style of the app-wide projector toggle (drawn once, by app.py, for every page)."""
    from ui.style import current_style

    return current_style()


def spec_slider(container, spec, value: float, *, key: str, label: str | None = None, scale: float = 1.0,
                bind: str | None = None):
    """A slider for one `HyperSpec`, on the same value grid as the Compare page's sliders.

    Log and β-like specs use the shared select-slider grids (``lessons.grids``), so a lesson and
    the race offer exactly the same values. ``scale`` stretches an integer spec's upper end,
    e.g. so a schedule's step size can reach the run length. ``bind="query-params"`` puts the
    value in the link under ``key`` (``value`` is then the constant default; see ``ui.lesson_url``).
    """
    from lessons.grids import format_value, slider_options, snap

    label = label or f"{spec.key} (${spec.symbol}$)"
    if getattr(spec, "integer", False):
        low, high = int(spec.low), int(float(spec.high) * scale)
        return int(container.slider(label, low, high, int(min(max(value, low), high)), key=key, help=spec.help,
                                   bind=bind))
    options = slider_options(spec, extra=[value])
    return float(container.select_slider(label, options=options, value=snap(value, options, log=spec.log), key=key,
                                         help=spec.help, format_func=format_value, bind=bind))


def show_chart(fig, *, key: str, **kwargs):
    """``st.plotly_chart`` with the figure's own style (theme=None), so the projector sizes and
    the fixed colours set by `viz.style` are not overridden by Streamlit's chart theme."""
    return st.plotly_chart(fig, key=key, theme=None, config={"displaylogo": False}, **kwargs)


@dataclass(frozen=True)
class EwmaFacts:
    """What the moving-averages lesson states about β, computed with `optimizers.ewma`.

    On a constant signal c the uncorrected average is (1 − βᵗ)·c, so ``share_at_window`` is how
    much of c it has reached after 1/(1 − β) steps and ``steps_to_1pct`` the first step at which it
    is within 1 % of c; ``weight_at_window`` is β^(1/(1 − β)), the weight left 1/(1 − β) steps
    back (→ 1/e only as β → 1); ``near_one_over_e`` says whether it is within 10 % of 1/e.
    """

    beta: float
    window: float
    weight_at_window: float
    share_at_window: float
    steps_to_1pct: int
    near_one_over_e: bool


def ewma_facts(beta: float) -> EwmaFacts:
    from lessons.averages import effective_window, ewma

    window = float(effective_window(beta))
    weight = float(beta ** window)
    n = int(math.ceil(math.log(0.01) / math.log(beta))) + 2
    v = ewma(np.ones(n), beta, bias_correction=False)  # (1 − βᵗ) for t = 1..n, by the engine
    reached = np.flatnonzero(v >= 0.99)
    k = max(1, int(round(window)))
    share = float(v[k - 1]) if abs(window - k) < 1e-9 else float(1.0 - beta ** window)
    return EwmaFacts(
        beta=float(beta), window=window, weight_at_window=weight, share_at_window=share,
        steps_to_1pct=int(reached[0]) + 1, near_one_over_e=near_one_over_e(weight),
    )
