"""The projector toggle and the app-wide figure style.

Why in session state: the toggle lives in the sidebar of every page, and every figure function
takes the resulting `viz.style.Style`, so one switch makes the whole app legible from the back
of a classroom (the lesson pages read it through ``current_style()`` as well).
"""

from __future__ import annotations

import inspect
from typing import Callable, Hashable, Mapping

import pandas as pd
import pyarrow as pa
import streamlit as st

import i18n
from i18n import t
from lessons.link_values import read_flag
from viz.style import Style
from viz.lru import LRU
from viz.text import display_frame

from .simulation import CACHE_TTL, RUN_ENTRIES

PROJECTOR_KEY = "projector"
#: st.table's hide_index (Streamlit >= 1.5x); older versions show the first column as the index
_TABLE_HIDES_INDEX = "hide_index" in inspect.signature(st.table).parameters

_PROJECTOR_CSS = """
<style>
  [data-testid="stAppViewContainer"] .stMarkdown, [data-testid="stAppViewContainer"] p,
  [data-testid="stAppViewContainer"] li, [data-testid="stWidgetLabel"] p { font-size: 1.3rem !important; }
  [data-testid="stAppViewContainer"] h1 { font-size: 2.8rem !important; }
  [data-testid="stAppViewContainer"] h2, [data-testid="stAppViewContainer"] h3 { font-size: 2.0rem !important; }
  [data-testid="stDataFrame"] { font-size: 1.2rem !important; }
  [data-testid="stTable"] th, [data-testid="stTable"] td { font-size: 1.45rem !important; padding: 0.35rem 0.6rem !important; }
  /* The rule on p above would shrink a metric's value (36 px) to the text's size: big numbers stay
     bigger than the text. Inputs show their values in input elements, which it does not reach. */
  [data-testid="stMetricValue"], [data-testid="stMetricValue"] p { font-size: 3rem !important; line-height: 1.15 !important; }
  [data-testid="stSelectbox"] input, [data-testid="stMultiSelect"] input, [data-testid="stMultiSelect"] [role="option"],
  [data-testid="stMultiSelect"] span, [data-testid="stNumberInput"] input, [data-testid="stTextInput"] input,
  [data-testid="stTextArea"] textarea { font-size: 1.3rem !important; }
  [data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p { font-size: 1.15rem !important; }
  /* A slider's value is placed for 14-px text; at the projector's size it sits above the thumb,
     not on the track. */
  [data-testid="stSliderThumbValue"] { top: auto !important; bottom: 100% !important; margin-bottom: 4px; }
  [data-testid="stSliderThumbValue"] p, [data-testid="stSliderTickBar"] p,
  [data-testid="stSliderTickBar"] div { font-size: 1.15rem !important; line-height: 1.2 !important; }
  /* A presentation: the race, not white space, under the header (the player fits what is left). */
  [data-testid="stMainBlockContainer"] { padding-top: 3.5rem !important; }
  [data-testid="stAppViewContainer"] h1 { padding: 0.25rem 0 0.5rem 0 !important; }
</style>
"""


#: Chinese text: Streamlit's font (Source Sans) has no Chinese characters, and the browser's own
#: fallback is often a bitmap-looking or a traditional-Chinese font. The font stack names the
#: common simplified-Chinese fonts of each system after Streamlit's font, so Latin letters and
#: numbers keep Source Sans and Chinese characters get a clean font at the same size (the
#: projector rules above size both alike). Only elements whose text is the app's prose get it:
#: icons (Material Symbols), code and KaTeX keep their own fonts. Streamlit's headings name their
#: font on a more specific rule of their own: theirs is marked important.
CJK_FONT_STACK = ('"Source Sans", "Source Sans Pro", "Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", '  # i18n: internal
                  '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif')  # i18n: internal
_CJK_CSS = """
<style>
  html, body, .stApp, .stApp h1, .stApp h2, .stApp h3, .stApp h4, .stApp h5, .stApp h6, .stApp p, .stApp li,
  .stApp label, .stApp button, .stApp input, .stApp textarea, .stApp th, .stApp td,
  .stApp [data-testid="stMarkdownContainer"], .stApp [data-testid="stWidgetLabel"],
  .stApp [data-testid="stCaptionContainer"], .stApp [data-baseweb="select"] div, .stApp [data-baseweb="tab"],
  .stApp [data-testid="stExpander"] summary, .stApp [data-testid="stMetricLabel"],
  [data-baseweb="popover"] li, [data-testid="stTooltipContent"] {
    font-family: STACK;
  }
  .stApp h1, .stApp h2, .stApp h3, .stApp h4, .stApp h5, .stApp h6, .stApp [data-heading-text] {
    font-family: STACK !important;
  }
</style>
""".replace("STACK", CJK_FONT_STACK)

#: Every page, every screen. A phone (narrower than 768 px, Streamlit's own breakpoint for its
#: drawer) gets its sidebar folded on arrival and after each page pick (the drawer covers 300 of
#: 390 px and Streamlit leaves it open; it has no Python API to fold it), a results table that
#: scrolls sideways instead of cutting its last column, and charts without the Plotly toolbar,
#: which covered their legends.
_SMALL_SCREENS = """
<style>
  [data-testid="stTable"], [data-testid="stTable"] > div { overflow-x: auto !important; }
  @media (max-width: 640px) {
    [data-testid="stPlotlyChart"] .modebar-container { display: none !important; }
  }
</style>
<script>
(function () {
  var w = window;
  if (w.__descentFoldOnPhones) return;
  w.__descentFoldOnPhones = true;
  var seen = null, tries = 0;
  function fold() {
    if (w.innerWidth >= 768) return true;
    var bar = document.querySelector('[data-testid="stSidebar"]');
    if (!bar) return false;
    if (bar.getAttribute("aria-expanded") === "false" || bar.getBoundingClientRect().right <= 0) return true;
    var btn = document.querySelector('[data-testid="stSidebarCollapseButton"] button') ||
      document.querySelector('[data-testid="stSidebarCollapseButton"]');
    if (!btn) return false;
    btn.click();
    return true;
  }
  // A page pick changes the path without reloading: fold once per path, retrying while the
  // sidebar is still being drawn.
  w.setInterval(function () {
    var path = w.location.pathname;
    if (path !== seen) { seen = path; tries = 12; }
    if (tries > 0 && fold()) tries = 0; else if (tries > 0) tries -= 1;
  }, 250);
})();
</script>
"""


def small_screens() -> None:
    """The app-wide rules for phones (see `_SMALL_SCREENS`); drawn once per run by app.py."""
    st.sidebar.html(_SMALL_SCREENS, unsafe_allow_javascript=True)


def projector_toggle(container=None) -> bool:
    """The "Projector" toggle (large fonts, thick lines); returns whether it is on.

    A visit's first run takes its value from the link's ``projector`` (a reload or a link shared
    from the projector opens large again); afterwards the toggle is the visit's own.
    """
    target = container if container is not None else st.sidebar
    if PROJECTOR_KEY not in st.session_state:
        st.session_state[PROJECTOR_KEY] = read_flag(st.query_params.to_dict(), PROJECTOR_KEY, False, [])
    on = target.toggle(t("ui_style.projector.label"), key=PROJECTOR_KEY, persist_state="session",  # for the whole visit
                       help=t("ui_style.projector.help"))
    if on:
        st.html(_PROJECTOR_CSS)
    chinese_fonts()
    return bool(on)


def chinese_fonts() -> None:
    """In Chinese, the font stack with the common Chinese fonts (`CJK_FONT_STACK`); drawn with the toggle."""
    if i18n.current() == "zh":
        st.html(_CJK_CSS)


def keep_projector_in_link() -> None:
    """Put projector mode into the address bar of a page that has no writer of its own.

    A lesson page's address bar is written by Streamlit's widget binding, which leaves unbound
    keys alone; the Compare page writes it whole (``ui.page_state.commit``, with this key).
    """
    on, shown = bool(st.session_state.get(PROJECTOR_KEY)), st.query_params.get(PROJECTOR_KEY)
    if on and shown != "1":
        st.query_params[PROJECTOR_KEY] = "1"
    elif not on and shown is not None:
        del st.query_params[PROJECTOR_KEY]


def current_style() -> Style:
    """The figure style for this run (projector mode when the toggle is on)."""
    return Style(projector=bool(st.session_state.get(PROJECTOR_KEY, False)))


def show_table(df: "pd.DataFrame | Callable[[], pd.DataFrame]", *, empty_as: Mapping[str, str] | None = None, digits: int = 4,
               container=None, cache_key: Hashable | None = None) -> None:
    """A small results table, readable at every size, with no raw "None"/"nan" in it.

    Every cell is text from `viz.text.display_frame` (one formatter for the whole app: an em
    dash, or a column's own word from ``empty_as`` such as "never", for an empty cell), shown as
    an HTML ``st.table`` on every screen. Why not a sortable ``st.dataframe``: its canvas ignores
    CSS (projector mode needs larger cells), it shows missing numbers as a grey "None", and
    formatting its cells goes through a pandas Styler, which profiled (py-spy) at about a tenth
    of the server's CPU per slider change; a table of a handful of runs needs no sorting.
    Projector mode enlarges the same element with CSS.

    ``cache_key``: a hashable name of everything ``df`` was computed from; the formatted table
    is then shared by every session that shows the same runs (a bounded cache), and ``df`` may
    be a function that builds the frame, called only when the cache does not hold it yet.
    """
    box = container if container is not None else st
    empty_as = dict(empty_as or {})
    # The language too: a table's headers and words are the reader's (a caller's key may not say it).
    key = None if cache_key is None else (cache_key, digits, tuple(sorted(empty_as.items())), i18n.current())
    table = None if key is None else _DISPLAYED.get(key)
    if table is None:
        text = display_frame(df() if callable(df) else df, digits=digits, empty_as=empty_as)
        # Kept as an Arrow table, the form st.table sends: converting the pandas frame again on
        # every rerun cost about 0.45 ms, 3 % of a join's server CPU (py-spy).
        table = (pa.Table.from_pandas(text, preserve_index=False) if _TABLE_HIDES_INDEX
                 else text.set_index(text.columns[0]))
        if key is not None:
            _DISPLAYED.put(key, table)
    box.table(table, hide_index=True) if _TABLE_HIDES_INDEX else box.table(table)


#: Formatted tables by the caller's cache key (native hashing, bounded: see viz.lru). The tables
#: are made from runs, so they are kept as many and as long as the runs (`ui.simulation.RUNS`).
_DISPLAYED = LRU(RUN_ENTRIES, ttl=CACHE_TTL)
