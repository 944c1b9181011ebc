"""The player in Chinese in a real browser: ``?lang=zh`` relabels its toolbar, nothing English left.

The player's bar is built before its data arrives; its words come with the payload (``texts``).
This opens the app (``streamlit run``, the conftest's server) with ``?lang=zh`` and reads the
toolbar inside the player's iframe: its buttons, readouts, tooltips and accessible names.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import assert_no_exception, wait_for_app
from tests.e2e.test_compare_browser import player_frame

pytestmark = pytest.mark.browser

#: Every word a visitor (or a screen reader) gets from the bar: text, tooltips, accessible names.
BAR_WORDS_JS = """() => {
    const bar = document.querySelector('.descent-player .bar');
    const out = [bar.textContent];
    bar.querySelectorAll('*').forEach(e => {
        for (const a of ['title', 'aria-label']) if (e.getAttribute(a)) out.push(e.getAttribute(a));
    });
    return out;
}"""


def test_the_toolbar_speaks_chinese_with_no_english_word_left(app_url, page):
    page.goto(app_url + "/?lang=zh")
    wait_for_app(page)
    assert_no_exception(page)
    frame = player_frame(page)
    assert frame.evaluate("() => document.getElementById('root').getAttribute('lang')") == "zh"
    words = frame.evaluate(BAR_WORDS_JS)
    text = " ".join(words)
    english = re.findall(r"[A-Za-z]{2,}", text)
    assert not english, (english, words)
    assert "▶ 播放" in text and "↺ 重置" in text and "速度" in text and "步/秒" in text and "箭头" in text
    assert frame.locator(".steplabel").inner_text().startswith("第 0 / ")
    assert frame.locator("input.scrub").get_attribute("aria-label") == "步数"
    # The bar's font stack (sent by Python) names CJK fonts after the Latin one.
    family = frame.evaluate("() => getComputedStyle(document.querySelector('button.play')).fontFamily")
    assert family.index("Source Sans Pro") < family.index("Noto Sans CJK SC"), family
    # Play and pause keep speaking Chinese.
    frame.get_by_role("button", name="▶ 播放").click()
    frame.wait_for_function("() => document.querySelector('button.play').textContent === '❚❚ 暂停'", timeout=10_000)
    frame.get_by_role("button", name="❚❚ 暂停").click()
    frame.wait_for_function("() => document.querySelector('button.play').textContent === '▶ 播放'", timeout=10_000)
    # The keys' panel too.
    frame.locator("button.helpbtn").click()
    panel = frame.locator(".keyhelp").inner_text()
    assert "空格键" in panel and "关闭" in panel, panel
    frame.locator("button.keyhelp-close").click()
    # The sidebar's switch to English: the same player, relabelled by the new payload.
    page.locator('[data-testid="stSidebar"]').get_by_text("English", exact=True).click()
    frame = player_frame(page)
    frame.wait_for_function("() => document.querySelector('button.play').textContent === '▶ Play'", timeout=30_000)
    assert frame.locator("input.scrub").get_attribute("aria-label") == "step"
    assert frame.locator(".steplabel").inner_text().startswith("step ")
    assert not re.search(r"[\u3400-\u9fff]", " ".join(frame.evaluate(BAR_WORDS_JS)))
    assert not page.js_errors, page.js_errors
