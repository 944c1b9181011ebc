"""The visitor's language: chosen once per visit, switched in the sidebar, carried in links.

A visit's first run takes the language from the link's ``lang`` (``?lang=zh``), else from the
browser (``zh-*`` reads Chinese, anything else English). Afterwards the sidebar's switch is the
visit's own. The choice lives in the visitor's session (never in the process), and `i18n`
reads it through the resolver registered here, so a fragment's rerun in a fresh thread still
speaks the visitor's language.

Links carry ``lang`` when the visitor chose it (by link or switch) or read Chinese: a shared link
then opens in the language it was made in, and a plain English link leaves the choice to the
recipient's browser.
"""

from __future__ import annotations

import streamlit as st

import i18n
from i18n import LANGUAGE_NAMES, LANGUAGES, t

#: The switch's widget key (its value is the visit's language).
LANG_KEY = "lang"
#: Set when the visitor chose the language (a link's ``lang`` or the switch), not the browser.
_CHOSEN_KEY = "_lang_chosen"


def _session_language() -> str | None:
    try:
        return st.session_state.get(LANG_KEY)
    except Exception:  # no session
        return None


i18n.set_resolver(_session_language)


def browser_language() -> str:
    """The browser's language as one the app speaks (English when it is none of them)."""
    try:
        locale = st.context.locale
    except Exception:
        locale = None
    return i18n.normalize(locale) or i18n.DEFAULT_LANGUAGE


def choose_language() -> str:
    """Decide this run's language (first run: the link, else the browser) and speak it."""
    if LANG_KEY not in st.session_state or st.session_state[LANG_KEY] not in LANGUAGES:
        linked = i18n.normalize(st.query_params.get(LANG_KEY))
        st.session_state[LANG_KEY] = linked or browser_language()
        st.session_state[_CHOSEN_KEY] = linked is not None
    lang = st.session_state[LANG_KEY]
    i18n.use(lang)
    return lang


def _chosen() -> None:
    st.session_state[_CHOSEN_KEY] = True


def language_switch(container=None) -> str:
    """The sidebar's switch between the languages (drawn by app.py on every page)."""
    target = container if container is not None else st.sidebar
    lang = target.segmented_control(
        t("app.language.label"), LANGUAGES, key=LANG_KEY, format_func=LANGUAGE_NAMES.get,
        selection_mode="single", on_change=_chosen, persist_state="session", label_visibility="collapsed")
    if lang not in LANGUAGES:  # a segmented control can be cleared by clicking the selected option
        lang = i18n.current()
    i18n.use(lang)
    return lang


def link_language() -> str | None:
    """The ``lang`` a link of this visit carries (None: leave it to the recipient's browser)."""
    lang = i18n.current()
    chosen = bool(st.session_state.get(_CHOSEN_KEY))
    return lang if chosen or lang != i18n.DEFAULT_LANGUAGE else None


def keep_language_in_link() -> None:
    """Put ``lang`` into the address bar of a page that has no link writer of its own."""
    wanted, shown = link_language(), st.query_params.get(LANG_KEY)
    if wanted is not None and shown != wanted:
        st.query_params[LANG_KEY] = wanted
    elif wanted is None and shown is not None:
        del st.query_params[LANG_KEY]


def with_language(query: dict) -> dict:
    """``query`` plus this visit's ``lang`` (share links, challenge cards, solution links)."""
    lang = link_language()
    return {**query, LANG_KEY: lang} if lang else dict(query)


__all__ = ["LANG_KEY", "browser_language", "choose_language", "language_switch", "link_language",
           "keep_language_in_link", "with_language"]
