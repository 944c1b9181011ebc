"""Both languages in a real browser: every page, the player's frame and the charts included.

With ``?lang=zh`` no English phrase is left anywhere a visitor can read it (the page, the
player's iframe, the Plotly charts' SVG text); with ``?lang=en`` no Chinese. Chinese must also
fit: nothing wider than the screen at 1920×1080 (projector mode), 1366×768 and 390×844 (touch).
"""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from tests.e2e.conftest import assert_no_exception, wait_for_app
from tests.language_check import chinese, untranslated

pytestmark = pytest.mark.browser

#: Everything a visitor reads in a document: its rendered text and the charts' SVG labels.
READ_JS = """() => {
  const svg = Array.from(document.querySelectorAll('svg text')).map(e => e.textContent);
  const labels = Array.from(document.querySelectorAll('[aria-label],[title]'))
      .map(e => [e.getAttribute('aria-label'), e.getAttribute('title')].filter(Boolean).join('\\n'));
  // A placeholder is read only while its box is empty.
  const empty = Array.from(document.querySelectorAll('input[placeholder],textarea[placeholder]'))
      .filter(e => !e.value).map(e => e.getAttribute('placeholder'));
  return [document.body ? document.body.innerText : '', ...svg, ...labels, ...empty].join('\\n');
}"""
#: Words of the frameworks' own chrome, which an app cannot translate: Streamlit has no
#: translation support (its accessible names for the sidebar, the navigation, help icons, heading
#: anchors and multiselect chips are English), and Plotly.js in Streamlit's bundle carries no
#: locale but English (its modebar's tooltips). Everything the app itself writes is checked.
STREAMLIT_CHROME = ("Deploy", "Running", "Made with Streamlit", "Hosted with Streamlit", "keyboard_double_arrow",
                    "App pages", "Collapse sidebar", "Expand sidebar", "Skip to main content", "Help for",
                    "Link to heading", "Clear all", "Clear value", "Selected values", "Choose an option",
                    "Download plot as", "Zoom in", "Zoom out", "Reset axes", "Share chart", "Autoscale",
                    "Produced with Plotly.js", "Toggle Spike Lines", "Show closest data on hover",
                    "Compare data on hover", "Box Select", "Lasso Select", "Orbital rotation", "Turntable rotation",
                    "Reset camera to default", "Reset camera to last save", "Fullscreen", "View fullscreen",
                    "Close fullscreen", "Download as CSV", "Search")


def _paths(page, app_url: str) -> list[str]:
    page.goto(app_url + "/?lang=en")
    wait_for_app(page, timeout=120_000)
    hrefs = page.eval_on_selector_all('[data-testid="stSidebarNav"] a', "els => els.map(e => e.getAttribute('href'))")
    return sorted({urlparse(h).path.strip("/").rsplit("/", 1)[-1] or "compare" for h in hrefs})


def _settle(page) -> None:
    wait_for_app(page, timeout=120_000)
    page.wait_for_timeout(1500)  # the player's frame and the charts draw after the script


def read_everything(page) -> str:
    texts = []
    for frame in page.frames:
        try:
            texts.append(frame.evaluate(READ_JS))
        except Exception:  # a frame that navigated away meanwhile
            pass
    text = "\n".join(texts)
    for chrome in STREAMLIT_CHROME:
        text = text.replace(chrome, " ")
    return text


def _wide(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


def test_every_page_reads_in_chinese_and_english(browser, app_url):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    try:
        paths = _paths(page, app_url)
        assert "compare" in paths and len(paths) >= 7
        for path in paths:
            page.goto(f"{app_url}/{'' if path == 'compare' else path}?lang=zh")
            _settle(page)
            assert_no_exception(page)
            text = read_everything(page)
            assert chinese(text), f"{path}: no Chinese with lang=zh"
            left = sorted(set(untranslated(text)))
            assert not left, f"{path} (lang=zh): untranslated {left[:30]}"
            assert _wide(page) <= 1, f"{path} (lang=zh) is wider than the screen"
            page.goto(f"{app_url}/{'' if path == 'compare' else path}?lang=en")
            _settle(page)
            found = chinese(read_everything(page))
            assert not found, f"{path} (lang=en): Chinese {''.join(found[:30])}"
    finally:
        context.close()


@pytest.mark.parametrize("size", [{"width": 1920, "height": 1080, "projector": True},
                                  {"width": 390, "height": 844, "touch": True}], ids=["projector", "phone"])
def test_chinese_fits_the_projector_and_a_phone(browser, app_url, size):
    touch = size.get("touch", False)
    context = browser.new_context(viewport={"width": size["width"], "height": size["height"]},
                                  has_touch=touch, is_mobile=touch, device_scale_factor=2 if touch else 1)
    page = context.new_page()
    try:
        for path in ("", "ewma", "schedules"):
            page.goto(f"{app_url}/{path}?lang=zh" + ("&projector=1" if size.get("projector") else ""))
            _settle(page)
            assert_no_exception(page)
            assert _wide(page) <= 1, f"/{path} is wider than the screen at {size}"
            left = sorted(set(untranslated(read_everything(page))))
            assert not left, f"/{path}: untranslated {left[:30]}"
    finally:
        context.close()


def test_the_switch_changes_the_language_and_keeps_the_race(browser, app_url):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    try:
        page.goto(f"{app_url}/?lang=en")
        _settle(page)
        before = {k: v for k, v in (p.split("=", 1) for p in urlparse(page.url).query.split("&") if "=" in p)}
        page.get_by_role("radio", name="中文").or_(page.get_by_text("中文", exact=True)).first.click()
        page.wait_for_function("() => new URL(location.href).searchParams.get('lang') === 'zh'", timeout=60_000)
        _settle(page)
        after = {k: v for k, v in (p.split("=", 1) for p in urlparse(page.url).query.split("&") if "=" in p)}
        assert {k: v for k, v in after.items() if k != "lang"} == {k: v for k, v in before.items() if k != "lang"}
        assert chinese(read_everything(page))
    finally:
        context.close()
