"""Descent: entry point. Page config and navigation; every page lives in pages/.

`streamlit run app.py` lands on Compare (the race); the lesson pages join the same navigation
when their files exist, so this file never has to change for a new lesson to be reachable
beyond one line in LESSON_PAGES.
"""

from pathlib import Path

import streamlit as st

from lessons.presets import PRESETS
from optimizers.compiled import warm_up_in_background
from ui.bootstrap import ensure_app_navigation
from ui.gc_policy import freeze_startup_heap
from ui.style import keep_projector_in_link, projector_toggle, small_screens

ROOT = Path(__file__).resolve().parent

# The first run of a fresh process starts in Streamlit's legacy pages/ mode, whose script hash
# differs from every later run's: a widget drawn here before st.navigation (the projector toggle)
# would get another ID in the second run, and the visitor's first click on it was lost. Leave
# that mode before any widget exists (one cheap rerun, once per process; ui/bootstrap.py).
ensure_app_navigation()
st.set_page_config(page_title="Descent: optimizers, visualized", page_icon="⛰️", layout="wide",
                   initial_sidebar_state="expanded")

#: (file, title, icon) of the lesson pages, in teaching order.
LESSON_PAGES = (
    ("pages/ewma.py", "Moving averages", ":material/show_chart:"),
    ("pages/schedules.py", "Learning-rate schedules", ":material/trending_down:"),
    ("pages/minibatch.py", "Batch vs mini-batch", ":material/scatter_plot:"),
    ("pages/sweep.py", "Hyperparameter map", ":material/grid_on:"),
    ("pages/choosing.py", "Which optimizer?", ":material/rule:"),
    ("pages/challenges.py", "Challenges", ":material/emoji_events:"),
)

# Drawn here, not by each page: a widget of the entry script exists on every run, so projector
# mode stays on across page switches and reruns for the whole visit (a page's own widgets are
# dropped by Streamlit when the class moves to another page).
projector_toggle(st.sidebar)
small_screens()

compare = st.Page("pages/compare.py", title="Compare optimizers", icon=":material/sports_score:", default=True)
lessons = [st.Page(path, title=title, icon=icon) for path, title, icon in LESSON_PAGES if (ROOT / path).exists()]
nav = st.navigation({"Race": [compare], "Lessons": lessons} if lessons else [compare])
if nav is not compare:  # Compare writes its whole link itself, projector mode included
    keep_projector_in_link()
try:
    nav.run()
finally:  # also after a page's st.stop() (a lesson in predict mode withholds its demo that way)
    # After the first page is built every library is imported: keep them out of later collections.
    freeze_startup_heap()
    # The engine's drivers compile in a nice'd background process (once per process; optimizers/compiled.py).
    warm_up_in_background(first=[(p.race.surface, o) for p in PRESETS for o in p.race.opts])
