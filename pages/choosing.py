"""Lesson: which optimizer to choose. Every optimizer, tuned fairly, on every built-in surface.

UI only: the runs, the counts and the sentences come from `lessons.choosing` (Tune's fair rule
per optimizer and surface); this page lays them out.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from i18n import t, text
from lessons.choosing import STEPS, TOL, arrivals, cell, surface_sentence, surfaces_with_minimum, verdict
from surfaces import SURFACES
from ui.bootstrap import ensure_app_navigation
from ui.style import show_table

ensure_app_navigation()

st.title(t("page_choosing.title"))
st.markdown(t("page_choosing.intro", steps=STEPS, tol=TOL))


def _table(steps: int, tol: float) -> dict:
    return {key: arrivals(key, steps, tol) for key in surfaces_with_minimum()}


# The spinner's words are the visitor's; the runs (no text in them) are shared by every visitor.
_cached_table = st.cache_data(show_spinner=t("page_choosing.spinner"), max_entries=2)(_table)
table = _cached_table(STEPS, TOL)
st.markdown(text(verdict(table)))
first = next(iter(table.values()))
frame = pd.DataFrame(
    {text(SURFACES[key].label): [text(cell(a, STEPS)) for a in found] for key, found in table.items()},
    index=[text(a.label) for a in first],
).T.rename_axis(t("page_choosing.surface_column")).reset_index()
show_table(frame)
st.markdown("\n".join(f"- {text(surface_sentence(key, found, STEPS, TOL))}" for key, found in table.items()))
st.caption(t("page_choosing.caption"))
