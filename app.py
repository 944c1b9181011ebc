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
from i18n import t
from ui.gc_policy import freeze_startup_heap
from ui.language import choose_language, keep_language_in_link, language_switch
from ui.style import keep_projector_in_link, projector_toggle, small_screens

ROOT = Path(__file__).resolve().parent

# The first run of a fresh process starts in Streamlit's legacy pages/ mode, whose script hash
# differs from every later run's: a widget drawn here before st.navigation (the projector toggle)
# would get another ID in the second run, and the visitor's first click on it was lost. Leave
# that mode before any widget exists (one cheap rerun, once per process; ui/bootstrap.py).
ensure_app_navigation()
choose_language()  # per visit: the link's lang, else the browser's (ui/language.py)
st.set_page_config(page_title=t("app.title"), page_icon="⛰️", layout="wide",
                   initial_sidebar_state="expanded")

#: (file, icon) of the lesson pages, in teaching order; a page's title is the catalog's
#: ``app.pages.<file name>`` (its address is its file name, the same in every language).
LESSON_PAGES = (
    ("pages/ewma.py", ":material/show_chart:"),
    ("pages/schedules.py", ":material/trending_down:"),
    ("pages/minibatch.py", ":material/scatter_plot:"),
    ("pages/sweep.py", ":material/grid_on:"),
    ("pages/choosing.py", ":material/rule:"),
    ("pages/challenges.py", ":material/emoji_events:"),
    ("pages/live_class.py", ":material/groups:"),
)


def page_title(path: str) -> str:
    return t(f"app.pages.{Path(path).stem}")



# Drawn here, not by each page: a widget of the entry script exists on every run, so projector
# mode stays on across page switches and reruns for the whole visit (a page's own widgets are
# dropped by Streamlit when the class moves to another page).
language_switch(st.sidebar)
projector_toggle(st.sidebar)
small_screens()

compare = st.Page("pages/compare.py", title=page_title("pages/compare.py"), icon=":material/sports_score:",
                  default=True)
lessons = [st.Page(path, title=page_title(path), icon=icon) for path, icon in LESSON_PAGES if (ROOT / path).exists()]
nav = st.navigation({t("app.nav.race"): [compare], t("app.nav.lessons"): lessons} if lessons else [compare])
if nav is not compare:  # Compare writes its whole link itself, projector mode and language included
    keep_projector_in_link()
    keep_language_in_link()
try:
    nav.run()
finally:  # also after a page's st.stop() (a lesson in predict mode withholds its demo that way)
    # After the first page is built every library is imported: keep them out of later collections.
    freeze_startup_heap()
    # The engine's drivers compile in a nice'd background process (once per process; optimizers/compiled.py).
    warm_up_in_background(first=[(p.race.surface, o) for p in PRESETS for o in p.race.opts])
