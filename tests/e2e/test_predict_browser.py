"""Predict first in a real browser: no path before the commit, paths after the reveal and Play.

The check is on pixels: a PNG screenshot of each map panel (read with PIL) is compared with the
same panel's screenshot later, and the player's overlay canvas (where paths are drawn) is read
back for its inked pixels. Before the prediction is locked in, the canvas must be empty and
Play disabled; keys 1–4 pick a choice; after "Lock in" and Play the canvas holds the paths.
"""

from __future__ import annotations

import io
import os

import numpy as np
import pytest
from PIL import Image

from tests.e2e.conftest import assert_no_exception, wait_for_app
from tests.e2e.test_compare_browser import PANEL_STATE_JS, player_frame

pytestmark = pytest.mark.browser

LINK = "/?mode=predict&preset=momentum"
#: Screenshots for a person to look at (never committed): set DESCENT_SHOTS=/tmp/somewhere.
SHOTS = os.environ.get("DESCENT_SHOTS")


def panel_pixels(frame) -> list[np.ndarray]:
    """Each map panel's plot area as an RGB array, from a PNG screenshot of the element."""
    out = []
    for handle in frame.query_selector_all(".panel .plotwrap"):
        out.append(np.asarray(Image.open(io.BytesIO(handle.screenshot())).convert("RGB"), dtype=int))
    return out


def shot(page, name: str) -> None:
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SHOTS, name), full_page=False)


def test_predict_then_reveal_draws_paths_only_after_the_commit(app_url, page):
    page.goto(app_url + LINK)
    wait_for_app(page)
    assert_no_exception(page)
    frame = player_frame(page)
    frame.wait_for_selector(".descent-player.hidden-runs")
    before = frame.evaluate(PANEL_STATE_JS)
    assert len(before) == 2 and all(p["contours"] > 0 for p in before)
    assert all(p["ink"] == 0 for p in before), before  # the overlay canvas: no path, head or arrow
    assert frame.locator("button.play").is_disabled()
    assert frame.locator(".readout").all_inner_texts() == ["", ""]  # no f readouts
    assert page.locator(".st-key-surface_note").is_hidden()  # its notes would tell the answer
    hidden_png = panel_pixels(frame)
    shot(page, "predict_hidden.png")

    # Space does not play a hidden race; key 2 picks the second choice on the page.
    page.locator("h1").first.click()
    page.keyboard.press("Space")
    page.wait_for_timeout(400)
    assert frame.evaluate(PANEL_STATE_JS)[0]["ink"] == 0
    # A key pressed with the focus inside the player's iframe reaches the page too.
    frame.locator(".steplabel").click()
    frame.locator(".steplabel").press("1")
    page.wait_for_function(
        """() => { const r = document.querySelectorAll('[class*="st-key-predictchoice_compare"] input[type="radio"]');
                   return r.length > 1 && r[0].checked; }""", timeout=30_000)
    page.locator("h1").first.click()
    page.keyboard.press("2")
    radio = page.locator('[class*="st-key-predictchoice_compare"] input[type="radio"]')
    page.wait_for_function(
        """() => { const r = document.querySelectorAll('[class*="st-key-predictchoice_compare"] input[type="radio"]');
                   return r.length > 1 && r[1].checked; }""", timeout=30_000)
    assert radio.nth(1).is_checked()
    lock = page.get_by_role("button", name="Lock in my prediction")
    lock.wait_for(state="visible")
    page.wait_for_function(
        """() => [...document.querySelectorAll('button')].some(b => b.innerText.includes('Lock in') && !b.disabled)""",
        timeout=30_000)
    lock.click()
    page.wait_for_selector("text=Predict again", timeout=60_000)
    wait_for_app(page)
    assert_no_exception(page)

    # Revealed: Play is on again, the race starts at step 0 and Play draws the paths.
    frame = player_frame(page)
    frame.wait_for_selector(".descent-player:not(.hidden-runs)")
    frame.wait_for_function("() => !document.querySelector('button.play').disabled")
    assert frame.evaluate("() => document.querySelector('.descent-player').getAttribute('data-step')") == "0"
    frame.locator("button.play").click()
    frame.wait_for_function(
        "() => Array.from(document.querySelectorAll('canvas.overlay')).every(c => Number(c.getAttribute('data-step')) >= 10)",
        timeout=60_000)
    after = frame.evaluate(PANEL_STATE_JS)
    assert all(p["ink"] > 500 for p in after), after
    revealed_png = panel_pixels(frame)
    for a, b in zip(hidden_png, revealed_png):
        h, w = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
        changed = np.abs(a[:h, :w] - b[:h, :w]).sum(axis=2) > 60
        assert changed.sum() > 300  # the paths, drawn over the same contour map
    assert any(t.startswith("f = ") for t in frame.locator(".readout").all_inner_texts())
    assert page.locator(".st-key-surface_note").is_visible()
    shot(page, "predict_revealed.png")


def test_keys_pick_a_choice_on_a_lesson_page_without_a_player(app_url, page):
    """Keys 1–4 live in one place, the predict box's page script: a lesson page with a box and
    no player (moving averages) answers them too."""
    page.goto(app_url)
    wait_for_app(page)
    page.goto(app_url + "/ewma")
    wait_for_app(page)
    assert_no_exception(page)
    assert page.locator('iframe[title*="descent_player"]').count() == 0
    radios = '[class*="st-key-predictchoice_ewma"] input[type="radio"]'
    page.locator(radios).first.wait_for(state="attached", timeout=30_000)
    page.locator("h1").first.click()
    page.keyboard.press("3")
    page.wait_for_function(
        f"""() => {{ const r = document.querySelectorAll('{radios}'); return r.length > 2 && r[2].checked; }}""",
        timeout=30_000)
    assert_no_exception(page)
