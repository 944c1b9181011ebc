"""Make a deep link on a freshly started server go through app.py's navigation.

Why this exists: Streamlit keeps a process-wide flag for the old "pages/ directory" multipage
mode. Until some script run has called `st.navigation` (which clears the flag), a request for
`/sweep` on a fresh server runs `pages/sweep.py` directly through the legacy mode: no wide
layout, no page titles, a sidebar listing raw file names. A teacher restarts the server, a
student opens the shared link, and that is what they would see. Each page calls
`ensure_app_navigation()` first: when it finds itself run the legacy way, it clears the flag and
reruns, so the same URL is served by app.py (page config + `st.navigation`) like every later
request.

app.py calls it first too, before it draws any widget. The legacy mode also gives the first run
of a fresh process another script hash than every later run, and Streamlit folds that hash into
each widget's ID: the projector toggle, drawn by app.py before `st.navigation`, changed ID
between the first and the second run, so the first visitor's first click on it was lost.
Leaving the mode before any widget exists costs one empty rerun, once per process.

Why no supported switch instead: Streamlit 1.67 sets ``PagesManager.uses_pages_directory`` from
the mere existence of a ``pages/`` folder next to the main script (``runtime/pages_manager.py``)
and offers no config option for it; only ``st.navigation`` clears it. Renaming ``pages/`` would
avoid it but breaks the layout the project's users expect. This module is the only place that
knows; ``tests/e2e/test_navigation_browser.py`` opens a deep link on a freshly started server.
"""

from __future__ import annotations

import streamlit as st


def _legacy_pages_mode() -> bool:
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # a Streamlit without the legacy mode: nothing to do
        return False
    return bool(getattr(PagesManager, "uses_pages_directory", False))


def ensure_app_navigation() -> None:
    """Rerun through app.py if this page was started by the legacy pages/ mode."""
    if not _legacy_pages_mode():
        return
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False
    st.rerun()
