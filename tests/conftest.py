"""Test-wide setup: a missing catalog key is an error, and AppTest reads widget state in the
test's thread in the page's language.

Before every run (``at.run()`` or ``at.button(...).click().run()``) AppTest formats each widget's
options (``format_func``) in the test's own thread, to map the chosen value back to its label.
The app speaks the visitor's language only in the script's thread, so a Chinese page's labels
would be looked up in English and not found. Every run therefore starts in the language the page
spoke on its previous run (the labels on screen), whatever the test switched since.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1.element_tree import ElementTree

import i18n

_run = ElementTree.run


def _page_language(app) -> str | None:
    try:
        return i18n.normalize(app.session_state["lang"])
    except Exception:  # before the first run, or a page run without app.py
        return None


def _run_in_page_language(self: ElementTree, *args, **kwargs):
    app = self._runner
    lang = getattr(app, "_spoke", None)  # the widgets on screen were labelled in this language
    if lang is None:
        result = _run(self, *args, **kwargs)
    else:
        with i18n.language(lang):
            result = _run(self, *args, **kwargs)
    app._spoke = _page_language(app)
    return result


@pytest.fixture(autouse=True, scope="session")
def _apptest_speaks_the_page_language():
    ElementTree.run = _run_in_page_language
    yield
    ElementTree.run = _run


@pytest.fixture(autouse=True, scope="session")
def _a_missing_catalog_key_is_an_error():
    """Visitors get English for a key a catalog lacks; the tests get an error (in the test's process)."""
    before, i18n.STRICT = i18n.STRICT, True
    yield
    i18n.STRICT = before
