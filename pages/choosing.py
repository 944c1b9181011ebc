"""Lesson: which optimizer to choose. Every optimizer, tuned fairly, on every built-in surface.

UI only: the runs, the counts and the sentences come from `lessons.choosing` (Tune's fair rule
per optimizer and surface); this page lays them out.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lessons.choosing import STEPS, TOL, arrivals, cell, surface_sentence, surfaces_with_minimum, verdict
from surfaces import SURFACES
from ui.bootstrap import ensure_app_navigation
from ui.style import show_table

ensure_app_navigation()

st.title("Which optimizer to choose?")
st.markdown(
    "**Read:** every optimizer starts from each surface's usual start with its learning rate "
    "tuned fairly (Tune's rule: over the rates its own slider offers, the one that ends lowest after "
    f"{STEPS} updates; its other settings where the Compare page's sliders start). Each cell counts the updates until "
    f"f − f* is within {TOL:g}, or says never. **Notice:** the first to arrive changes from surface "
    "to surface: the choice depends on the problem, and on tuning each candidate's rate."
)


@st.cache_data(show_spinner="Tuning every optimizer on every surface…", max_entries=2)
def _table(steps: int, tol: float) -> dict:
    return {key: arrivals(key, steps, tol) for key in surfaces_with_minimum()}


table = _table(STEPS, TOL)
st.markdown(verdict(table))
first = next(iter(table.values()))
frame = pd.DataFrame(
    {SURFACES[key].label: [cell(a, STEPS) for a in found] for key, found in table.items()},
    index=[a.label for a in first],
).T.rename_axis("surface").reset_index()
show_table(frame)
st.markdown("\n".join(f"- {surface_sentence(key, found, STEPS, TOL)}" for key, found in table.items()))
st.caption("Rates come from each optimizer's slider grid on the Compare page; a tie in steps is shared. "
           "Open Compare and press \"Tune learning rates\" to see any of these runs.")
