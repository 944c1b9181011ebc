"""The projector toggle and the app-wide figure style.

Why in session state: the toggle lives in the sidebar of every page, and every figure function
takes the resulting `viz.style.Style`, so one switch makes the whole app legible from the back
of a classroom (the lesson pages read it through ``current_style()`` as well).
"""

from __future__ import annotations

from typing import Mapping

import pandas as pd
import streamlit as st

from viz.style import Style
from viz.text import EMPTY, cell

PROJECTOR_KEY = "projector"

_PROJECTOR_CSS = """
<style>
  [data-testid="stAppViewContainer"] .stMarkdown, [data-testid="stAppViewContainer"] p,
  [data-testid="stAppViewContainer"] li, [data-testid="stWidgetLabel"] p { font-size: 1.3rem !important; }
  [data-testid="stAppViewContainer"] h1 { font-size: 2.8rem !important; }
  [data-testid="stAppViewContainer"] h2, [data-testid="stAppViewContainer"] h3 { font-size: 2.0rem !important; }
  [data-testid="stDataFrame"] { font-size: 1.2rem !important; }
  [data-testid="stTable"] th, [data-testid="stTable"] td { font-size: 1.45rem !important; padding: 0.35rem 0.6rem !important; }
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


def show_table(df: pd.DataFrame, *, style: Style, empty_as: Mapping[str, str] | None = None, digits: int = 4,
               container=None) -> None:
    """A small results table, readable at every size, with no raw "None"/"nan" in it.

    Cells are shown through `viz.text.cell` (an em dash, or a column's own word from
    ``empty_as`` such as "never", for an empty cell) while the data stays numeric. On a laptop it
    is a sortable ``st.dataframe``; in projector mode an HTML ``st.table``, because the
    dataframe's canvas ignores CSS and keeps its ~13 px font, and a table wraps its headers so
    every column fits.
    """
    box = container if container is not None else st
    empty_as = dict(empty_as or {})
    styler = df.style.format({col: (lambda v, w=empty_as.get(col, EMPTY): cell(v, digits=digits, empty=w))
                              for col in df.columns}).hide(axis="index")
    if style.projector:
        box.table(styler)
    else:
        box.dataframe(styler, hide_index=True, width="stretch")
