"""The live slider in Chromium: dragging it moves the path before any rerun, releasing commits.

Opened on the lesson that arms it (``?preset=edge``), SGD's live slider is dragged with the
mouse (1366×768) or a finger (390×844, touch events through the DevTools protocol). While the
finger or button is down, each move must change SGD's drawn path (its canvas pixels and the
member the player shows) and the browser must send the server nothing (every rerun starts with a
message on Streamlit's websocket: none may leave while dragging). Release sends one value; the
address bar then carries the new learning rate, and the page's new run is the member that was
shown (to the payload's rounding).
"""

from __future__ import annotations

import time

import pytest

from tests.e2e.conftest import assert_no_exception, wait_for_app
from tests.e2e.test_compare_browser import player_frame

pytestmark = pytest.mark.browser

LINK = "/?preset=edge"
SIZES = {"laptop": dict(viewport={"width": 1366, "height": 768}),
         "phone": dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=2)}

#: SGD's panel canvas as a fingerprint (sum of ink weighted by position) and the member shown.
SGD_STATE_JS = """() => {
  const row = document.querySelector('.liverow');
  const panel = Array.from(document.querySelectorAll('.panel'))[0];
  const c = panel.querySelector('canvas.overlay');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let ink = 0, print = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i] > 0) { ink++; print = (print + i * d[i - 1]) % 1000000007; }
  const run = window.descentPlayer.data.runs[0];
  // The loss chart's per-frame sketch of the dragged run (a print of its pixels), while it is on screen.
  const chart = window.descentPlayer.lossChart, sketch = chart.sketchCanvas;
  let loss = null;
  if (sketch && chart.onScreen) {
    const s = sketch.getContext('2d').getImageData(0, 0, sketch.width, sketch.height).data;
    loss = 0;
    for (let i = 3; i < s.length; i += 4) if (s[i] > 0) loss = (loss + i * s[i]) % 1000000007;  // alpha: the SGD curve is black
  }
  return {member: Number(row.getAttribute('data-member')), ink: ink, print: print, loss: loss,
          end: [run.path[2 * run.points - 2], run.path[2 * run.points - 1]], text: row.innerText};
}"""


def _sent_counter(page) -> list[float]:
    sent: list[float] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda _: sent.append(time.time())))
    return sent


def _touch(cdp, kind: str, x: float, y: float) -> None:
    points = [] if kind == "touchEnd" else [{"x": x, "y": y, "radiusX": 8, "radiusY": 8, "force": 1, "id": 1}]
    cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})


@pytest.mark.parametrize("size", list(SIZES))
def test_dragging_moves_the_path_before_any_rerun_and_release_commits(app_url, browser, size):
    context = browser.new_context(**SIZES[size])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sent = _sent_counter(page)
    try:
        page.goto(app_url + LINK)
        wait_for_app(page)
        assert_no_exception(page)
        frame = player_frame(page)
        frame.wait_for_selector(".liverow")
        rng = frame.locator(".liverow").first.locator("input.liverange")
        assert "SGD" in rng.get_attribute("aria-label") and "lr" in rng.get_attribute("aria-label")
        if size == "phone":
            rng.scroll_into_view_if_needed()
        else:  # the sliders at the top: the maps and the loss chart under them are on screen too
            rng.evaluate("e => e.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(1000)
        if size == "phone":
            assert rng.bounding_box()["height"] >= 44  # a thumb-sized handle
        before = frame.evaluate(SGD_STATE_JS)
        box = rng.bounding_box()
        n, v = int(rng.get_attribute("max")), int(rng.input_value())
        thumb = 44 if size == "phone" else 16
        x = box["x"] + thumb / 2 + (box["width"] - thumb) * v / n
        y = box["y"] + box["height"] / 2
        per_stop = (box["width"] - thumb) / n
        quiet = len(sent)
        cdp = context.new_cdp_session(page) if size == "phone" else None
        if cdp:
            _touch(cdp, "touchStart", x, y)
        else:
            page.mouse.move(x, y)
            page.mouse.down()
        seen = [before]
        # lr 0.9 → 0.95 → 1 → 1.2 → 1.5: the zig-zag shrinks, holds, then grows. A finger moves
        # the handle only past the touch slop (about 10 px).
        if cdp:  # a finger: past the touch slop to the left first, in small moves as a finger makes them
            for k in range(1, 8):
                _touch(cdp, "touchMove", x - 2.5 * k, y)
                page.wait_for_timeout(16)
            x -= 17.5
        for i in range(1, 60):
            target = x + i * per_stop / 3
            if cdp:
                _touch(cdp, "touchMove", target, y)
            else:
                page.mouse.move(target, y)
            page.wait_for_timeout(40)
            state = frame.evaluate(SGD_STATE_JS)
            if state["member"] != seen[-1]["member"]:
                assert state["print"] != seen[-1]["print"] and state["end"] != seen[-1]["end"], (i, state)
                if state["loss"] is not None and seen[-1]["loss"] is not None:
                    assert state["loss"] != seen[-1]["loss"], (i, state)  # the loss curve followed in this frame
                seen.append(state)
            if state["member"] >= before["member"] + 4:
                break
        assert len(seen) >= 3, seen  # the path followed the slider through several values
        if size != "phone":  # the chart is under the maps, on screen at 1366×768
            assert sum(st["loss"] is not None for st in seen[1:]) >= 2, seen
        assert seen[-1]["member"] == before["member"] + 4, seen
        assert len(sent) == quiet, "a message left for the server while dragging (a rerun would start)"
        assert "diverges at step" in seen[-1]["text"] and "unstable" in seen[-1]["text"]
        shown = seen[-1]
        if cdp:
            _touch(cdp, "touchEnd", 0, 0)
        else:
            page.mouse.up()
        value = frame.evaluate("() => document.querySelector('.liverow .livevalue').textContent").split("=")[-1].strip()
        assert value == "1.5", seen  # four stops right of 0.9 on the slider's grid
        page.wait_for_function("() => /sgd\\.lr=1\\.5(&|$)/.test(window.location.search)", timeout=30_000)
        wait_for_app(page)
        frame = player_frame(page)
        frame.wait_for_function("() => window.descentPlayer.data.runs[0].live && "
                                "window.descentPlayer.data.runs[0].live.index[0] === %d" % shown["member"],
                                timeout=30_000)
        after = frame.evaluate("() => { const r = window.descentPlayer.data.runs[0]; "
                               "return [r.path[2 * r.points - 2], r.path[2 * r.points - 1], r.points]; }")
        assert after[:2] == pytest.approx(shown["end"], rel=1e-4, abs=1e-6)
        assert not errors, errors
    finally:
        context.close()


def test_the_offline_export_carries_the_family_and_its_slider_works(browser, tmp_path):
    """The HTML download plays the live slider with no server: the family travels in the file."""
    from lessons.presets import PRESETS_BY_KEY
    from ui.live import live_payload
    from ui.simulation import grid_for, path_trajectory
    from viz.player import player_payload, standalone_html

    race = PRESETS_BY_KEY["edge"].race
    surface = race.surface_object()
    trajs = [path_trajectory(race, k) for k in race.opts]
    payload = player_payload(grid_for(race.surface), trajs, minima=surface.minima, start=race.start,
                             live=live_payload(race, dict(PRESETS_BY_KEY["edge"].live)), live_offer=True)
    path = tmp_path / "race.html"
    path.write_text(standalone_html(payload), encoding="utf-8")
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(path.as_uri())
        page.wait_for_selector(".liverow")
        before = page.evaluate(SGD_STATE_JS)
        rng = page.locator(".liverow").first.locator("input.liverange")
        rng.focus()
        for _ in range(3):
            page.keyboard.press("ArrowRight")
        page.wait_for_function(f"() => Number(document.querySelector('.liverow').getAttribute('data-member')) "
                               f"=== {before['member'] + 3}")
        after = page.evaluate(SGD_STATE_JS)
        assert after["print"] != before["print"] and "unstable" in after["text"]
        assert not errors, errors
    finally:
        context.close()


def test_the_pad_and_the_projectors_arrow_keys(app_url, browser):
    """Momentum's lr × μ pad follows a drag; on a projector ↑ nudges the slider used last and the
    value is committed once the keys stop."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    sent = _sent_counter(page)
    try:
        page.goto(app_url + LINK + "&projector=1")
        wait_for_app(page)
        frame = player_frame(page)
        frame.wait_for_selector(".liverow.padrow canvas.livepad")
        pad = frame.locator(".liverow.padrow canvas.livepad")
        pad.scroll_into_view_if_needed()
        row = "document.querySelector('.liverow.padrow')"
        start = frame.evaluate(f"() => Number({row}.getAttribute('data-member'))")
        box = pad.bounding_box()
        quiet = len(sent)
        page.mouse.move(box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.5)
        page.mouse.down()
        members = set()
        for fx, fy in ((0.1, 0.9), (0.5, 0.1), (0.95, 0.95)):
            page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy, steps=3)
            page.wait_for_timeout(150)
            members.add(frame.evaluate(f"() => Number({row}.getAttribute('data-member'))"))
        assert len(members) == 3 and start not in members, members
        assert len(sent) == quiet
        page.mouse.up()
        page.wait_for_function("() => /momentum\\.momentum=/.test(window.location.search) && "
                               "!/momentum\\.momentum=0\\.5(&|$)/.test(window.location.search)", timeout=30_000)
        wait_for_app(page)
        frame = player_frame(page)
        frame.wait_for_selector(".liverow")
        # ↑ anywhere on the page (focus outside the player) nudges SGD's slider, the first one.
        first = "document.querySelector('.liverow')"
        before = frame.evaluate(f"() => Number({first}.getAttribute('data-member'))")
        page.locator("h1").first.click()
        page.keyboard.press("ArrowUp")
        frame.wait_for_function(f"() => Number({first}.getAttribute('data-member')) === {before + 1}")
        page.wait_for_function("() => /sgd\\.lr=0\\.95(&|$)/.test(window.location.search)", timeout=30_000)
    finally:
        context.close()
