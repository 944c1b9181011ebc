"""The projector toggle and the app-wide figure style.

Why in session state: the toggle lives in the sidebar of every page, and every figure function
takes the resulting `viz.style.Style`, so one switch makes the whole app legible from the back
of a classroom (the lesson pages read it through ``current_style()`` as well).
"""

from __future__ import annotations

import streamlit as st

from viz.style import Style

PROJECTOR_KEY = "projector"

_PROJECTOR_CSS = """
<style>
  [data-testid="stAppViewContainer"] .stMarkdown, [data-testid="stAppViewContainer"] p,
  [data-testid="stAppViewContainer"] li, [data-testid="stWidgetLabel"] p { font-size: 1.3rem !important; }
  [data-testid="stAppViewContainer"] h1 { font-size: 2.8rem !important; }
  [data-testid="stAppViewContainer"] h2, [data-testid="stAppViewContainer"] h3 { font-size: 2.0rem !important; }
  [data-testid="stDataFrame"] { font-size: 1.2rem !important; }
</style>
"""


def projector_toggle(container=None) -> bool:
    """The "Projector" toggle (large fonts, thick lines); returns whether it is on."""
    target = container if container is not None else st.sidebar
    on = target.toggle("Projector mode", key=PROJECTOR_KEY, persist_state="session",  # for the whole visit
                       help="Large fonts and thick lines for the back row of a classroom.")
    if on:
        st.html(_PROJECTOR_CSS)
    return bool(on)


def current_style() -> Style:
    """The figure style for this run (projector mode when the toggle is on)."""
    return Style(projector=bool(st.session_state.get(PROJECTOR_KEY, False)))
