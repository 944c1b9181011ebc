"""Every page in both languages: Chinese with lang=zh (no English phrase left), English with lang=en.

Each page runs through app.py (the navigation, the sidebar and the page), so what a visitor reads
is what is checked: every text field of every element (titles, markdown, captions, notices,
widget labels and help, expanders, popovers, buttons). The player's frame and the charts are
checked in a real browser (tests/e2e/test_languages_browser.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import i18n
from google.protobuf.message import Message
from streamlit.testing.v1 import AppTest

from tests.language_check import chinese, untranslated

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted(p.name for p in (ROOT / "pages").glob("*.py"))
#: Element fields a visitor reads (ids, icons, formats and component arguments are not text).
TEXT_FIELDS = {"body", "label", "help", "placeholder", "caption", "options", "value", "title", "text"}
SKIP_ELEMENTS = {"Html", "UnknownElement"}  # injected CSS/JS, and the player (checked in the browser)


def _strings(msg: Message, out: list[str]) -> None:
    for fd, val in msg.ListFields():
        vals = list(val) if not isinstance(val, (str, bytes, Message)) and hasattr(val, "__iter__") else [val]
        for v in vals:
            if isinstance(v, Message):
                _strings(v, out)
            elif isinstance(v, str) and fd.name in TEXT_FIELDS:
                out.append(v)


def _nodes(node):
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            yield from _nodes(child)


def page_texts(at: AppTest) -> list[str]:
    out: list[str] = []
    for node in _nodes(at._tree):
        proto = getattr(node, "proto", None)
        if isinstance(proto, Message) and type(node).__name__ not in SKIP_ELEMENTS:
            _strings(proto, out)
    return out


def open_page(page: str, lang: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.query_params["lang"] = lang
    # AppTest calls the widgets' format_func in the test's own thread too (to read their state):
    # that thread speaks the page's language as well.
    with i18n.language(lang):
        at.run()
        if page != "compare.py":
            at.switch_page(f"pages/{page}").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("page", PAGES)
def test_every_page_reads_in_chinese(page):
    texts = page_texts(open_page(page, "zh"))
    assert any(chinese(t) for t in texts), "no Chinese on the page"
    left = sorted({phrase for t in texts for phrase in untranslated(t)})
    assert not left, f"{page}: untranslated {left[:25]}"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_reads_in_english(page):
    texts = page_texts(open_page(page, "en"))
    found = [t for t in texts if chinese(t)]
    assert not found, f"{page}: Chinese on the English page: {found[:5]}"


def test_switching_language_keeps_the_race():
    at = open_page("compare.py", "en")
    before = at.session_state["_compare"].state.race
    at.session_state["lang"] = "zh"
    with i18n.language("zh"):
        at.run()
    assert not at.exception
    assert at.session_state["_compare"].state.race == before
    assert at.query_params.get("lang") in ("zh", ["zh"])
