"""The Compare page in a real browser: the player plays, the contour stays, the payload is small.

Why a browser: the player is JavaScript (a Streamlit component); AppTest cannot run it. These
tests load the page in Debian's Chromium, press "▶ Play", and check inside the component's
iframe that every panel still has its painted contour after playback while the paths have
grown, that clicking the map moves the start point, and that 6 optimizers × 2,000 steps reach
the browser in well under 3 MB of websocket traffic.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlparse

import pytest

from tests.e2e.conftest import assert_no_exception, wait_for_app

pytestmark = pytest.mark.browser

ROSENBROCK_6x2000 = (
    "?surface=rosenbrock&opt=sgd&opt=momentum&opt=nesterov&opt=adagrad&opt=rmsprop&opt=adam&steps=2000"
    "&x0=-1.5&y0=2&noise=0&seed=0&sgd.lr=0.001&momentum.lr=0.001&nesterov.lr=0.001&adagrad.lr=0.5"
    "&rmsprop.lr=0.01&adam.lr=0.05"
)

#: Per panel: painted contour paths (Plotly's contour layer) and non-transparent canvas pixels.
PANEL_STATE_JS = """() => Array.from(document.querySelectorAll('.panel')).map(p => {
    const c = p.querySelector('canvas.overlay');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let ink = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) ink++;
    return {contours: p.querySelectorAll('g.contourlayer path').length, ink: ink,
            step: Number(c.getAttribute('data-step'))};
})"""


def player_frame(page, timeout: float = 90_000):  # a loaded 2-core CI box needs the margin
    """The player's iframe (a Frame object, so we can evaluate inside it)."""
    page.wait_for_selector('iframe[title*="descent_player"]', timeout=timeout)
    for _ in range(100):
        for frame in page.frames:
            if "descent_player" in frame.url:
                frame.wait_for_selector(".panel canvas.overlay", timeout=timeout)
                frame.wait_for_function("() => document.querySelectorAll('g.contourlayer path').length > 0",
                                        timeout=timeout)
                return frame
        page.wait_for_timeout(100)
    raise AssertionError("player iframe not found")


def test_page_loads_play_runs_and_contours_stay(app_url, page, tmp_path):
    page.goto(app_url)
    wait_for_app(page)
    assert_no_exception(page)
    frame = player_frame(page)
    before = frame.evaluate(PANEL_STATE_JS)
    assert len(before) == 4  # the landing lesson races four optimizers
    assert all(p["contours"] > 0 for p in before)

    frame.locator("select.speedsel").select_option("30")  # 30 steps in about a second
    frame.get_by_role("button", name="▶ Play").click()
    frame.wait_for_function("() => document.getElementById('root').getAttribute('data-step') === '30'",
                            timeout=20_000)
    frame.wait_for_function("() => document.querySelector('button.play').textContent === '▶ Play'", timeout=5_000)
    page.wait_for_timeout(300)
    shot = tmp_path / "after_play.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000

    after = frame.evaluate(PANEL_STATE_JS)
    for b, a in zip(before, after):
        assert a["contours"] > 0, "a contour vanished during playback"
        assert a["contours"] == b["contours"]
        assert a["step"] == 30
        assert a["ink"] > b["ink"], "the path should have grown"
    assert_no_exception(page)
    assert not page.js_errors, page.js_errors


def test_six_optimizers_2000_steps_payload_and_playback(app_url, page, tmp_path):
    received = []

    def on_ws(ws):
        ws.on("framereceived", lambda payload: received.append(len(payload) if payload else 0))

    page.on("websocket", on_ws)
    page.goto(app_url + ROSENBROCK_6x2000)
    wait_for_app(page)
    assert_no_exception(page)
    frame = player_frame(page)
    total = sum(received)
    assert total < 3_000_000, f"{total} bytes over the websocket"
    panels = frame.evaluate(PANEL_STATE_JS)
    assert len(panels) == 6 and all(p["contours"] > 0 for p in panels)

    frame.locator("select.speedsel").select_option("1000")
    frame.get_by_role("button", name="▶ Play").click()
    page.wait_for_timeout(1_000)
    mid = frame.evaluate(PANEL_STATE_JS)
    assert all(p["contours"] > 0 for p in mid)
    assert 0 < mid[0]["step"] <= 2000
    page.screenshot(path=str(tmp_path / "rosenbrock_playing.png"))
    assert not page.js_errors, page.js_errors


def test_click_on_map_sets_start_and_scrubber_sets_inspector(app_url, page):
    page.goto(app_url + "?surface=bowl&opt=sgd&steps=20&x0=-7&y0=2&sgd.lr=0.5")
    wait_for_app(page)
    frame = player_frame(page)
    box = frame.locator(".plot").first.bounding_box()
    # Click right of centre in the plot area (the bowl's map is x ∈ [-10, 10], y ∈ [-5, 5]).
    frame.locator(".plot").first.click(position={"x": box["width"] * 0.75, "y": box["height"] * 0.4})
    page.wait_for_function("() => /x0=([0-9.]+)/.test(window.location.search)", timeout=20_000)
    wait_for_app(page)
    q = parse_qs(urlparse(page.url).query)
    assert float(q["x0"][0]) > 0, page.url

    frame = player_frame(page)
    frame.evaluate("""() => { const s = document.querySelector('input.scrub');
        s.value = '7'; s.dispatchEvent(new Event('input')); s.dispatchEvent(new Event('change')); }""")
    page.wait_for_timeout(500)
    wait_for_app(page)
    page.get_by_text("Step inspector: the numbers behind the picture").click()  # lazy: built when opened
    wait_for_app(page)
    step_input = page.locator('input[aria-label="Step"]')
    step_input.wait_for(timeout=20_000)
    assert step_input.input_value() == "7"
    assert_no_exception(page)


@pytest.mark.parametrize("view", ["overlay", "3d"])
def test_other_views(app_url, page, view):
    page.goto(app_url + f"?preset=textbook&view={view}" if view != "3d" else app_url + "?view=3d")
    wait_for_app(page)
    assert_no_exception(page)
    if view == "overlay":
        frame = player_frame(page)
        panels = frame.evaluate(PANEL_STATE_JS)
        assert len(panels) == 1 and panels[0]["contours"] > 0
        assert frame.locator(".legend .chip").count() == 4
    else:
        page.wait_for_function(
            "() => document.querySelectorAll('[data-testid=\"stPlotlyChart\"] .js-plotly-plot .gl-container').length >= 1",
            timeout=30_000,
        )  # the 3-D surface (WebGL) is drawn; the loss chart is the other figure
        assert page.locator('[data-testid="stPlotlyChart"]').count() >= 2
        assert page.locator('iframe[title*="descent_player"]').count() == 0


def test_bad_url_shows_notice_not_traceback(app_url, page):
    page.goto(app_url + "?surface=%3Cscript%3Ealert(1)%3C%2Fscript%3E&steps=abc&x0=nan&adam.lr=inf&opt=adam")
    wait_for_app(page)
    assert_no_exception(page)
    assert page.locator('[data-testid="stAlert"]').count() >= 1
    assert re.search(r"could not be used", page.content())
    player_frame(page)


CUSTOM_WITH_CLOUDS = (
    "?surface=custom&formula=x%5E2%20-%20y%5E2%20%2B%20y%5E4%2F4&opt=sgd&opt=adam&steps=100&x0=-3&y0=-0.5"
    "&noise=1&seed=0&sgd.lr=0.05&adam.lr=0.1&clouds=32"
)


def test_custom_formula_link_with_noise_clouds(app_url, page):
    """A shared custom-formula link loads its surface and the player draws the clouds."""
    page.goto(app_url + CUSTOM_WITH_CLOUDS)
    wait_for_app(page)
    frame = player_frame(page)
    wait_for_app(page)
    assert_no_exception(page)
    page.get_by_text("Custom formula", exact=True).first.wait_for(timeout=20_000)
    clouds = frame.evaluate("() => window.descentPlayer.data.runs.map(r => [r.cloud.runs_drawn, r.cloud.points])")
    assert clouds == [[32, 101], [32, 101]]
    before = frame.evaluate(PANEL_STATE_JS)
    assert len(before) == 2 and all(p["contours"] > 0 for p in before)
    frame.locator("select.speedsel").select_option("1000")
    frame.get_by_role("button", name="▶ Play").click()
    frame.wait_for_function("() => document.getElementById('root').getAttribute('data-step') === '100'",
                            timeout=20_000)
    after = frame.evaluate(PANEL_STATE_JS)
    assert all(a["ink"] > b["ink"] for a, b in zip(after, before))
    assert "median" in frame.locator(".readout").first.inner_text()
    # The loss chart with its bands, drawn by the player under the race (so the page loads one Plotly bundle)
    # when it comes on screen.
    frame.locator(".losschart").scroll_into_view_if_needed()
    frame.wait_for_function("() => document.querySelectorAll('.losschart .scatterlayer .trace').length > 0")
    legend = frame.evaluate("() => document.querySelector('.losschart .legend').textContent")
    assert "median of 32 runs" in legend, legend
    assert frame.evaluate("() => document.querySelectorAll('.losschart path.js-fill').length") >= 2  # the bands
    assert page.locator('[data-testid="stPlotlyChart"]').count() == 0
    q = parse_qs(urlparse(page.url).query)
    assert q["surface"] == ["custom"] and q["formula"] == ["x^2 - y^2 + y^4/4"] and q["clouds"] == ["32"]
    assert not page.js_errors, page.js_errors


def test_tune_button_keeps_the_player(app_url, page):
    """Tune adds an explanation above the player; the player must stay drawn (not remount empty)."""
    page.goto(app_url + "?preset=schedule")
    wait_for_app(page)
    player_frame(page)
    page.get_by_role("button", name="Tune learning rates").click()
    page.get_by_text("Tuned learning rates").first.wait_for(timeout=30_000)
    wait_for_app(page)
    height = page.locator('iframe[title*="descent_player"]').evaluate("f => f.clientHeight")
    assert height > 200, f"player collapsed to {height} px"
    frame = player_frame(page)
    assert len(frame.evaluate(PANEL_STATE_JS)) == 2
    assert_no_exception(page)
    assert not page.js_errors, page.js_errors


def test_downloads_carry_the_full_record_though_the_page_records_paths_only(app_url, page, tmp_path):
    """The race records paths only (a slider change stays cheap); the downloads are built on click with every column."""
    page.goto(app_url + "?surface=bowl&opt=sgd&opt=adam&steps=20&x0=-7&y0=2&sgd.lr=0.5")
    wait_for_app(page)
    frame = player_frame(page)
    assert not frame.evaluate("() => window.descentPlayer.data.runs.some(r => r.gradients)")
    with page.expect_download(timeout=60_000) as dl:
        page.get_by_role("button", name="Trajectories (CSV)").click()
    header = open(dl.value.path(), encoding="utf-8").readline()
    assert {"optimizer", "gx", "gy", "lr", "eff_lr_x", "exp_avg_x"} <= set(header.strip().split(",")), header
    with page.expect_download(timeout=60_000) as dl:
        page.get_by_role("button", name="Animation (HTML)").click()
    html = open(dl.value.path(), encoding="utf-8").read()
    assert '"gradients":' in html and '"loss_chart":' in html  # arrows work offline; the loss chart is drawn
    assert_no_exception(page)


SEEK_JS = """k => { const s = document.querySelector('input.scrub');
    s.value = String(k); s.dispatchEvent(new Event('input')); s.dispatchEvent(new Event('change')); }"""

#: Per solid run's line in the loss chart: its last drawn step (the chart's x is the step).
CHART_STEPS_JS = """() => document.querySelector('.losschart').data
    .filter(t => t.mode === 'lines' && t.line.dash === 'solid').map(t => t.x.length ? t.x[t.x.length - 1] : -1)"""


def test_scrubber_step_survives_a_trip_to_a_lesson_page(app_url, page):
    """Compare → a lesson → Compare keeps the race and the scrubber's step (the player is remounted)."""
    page.goto(app_url + "/?preset=textbook")
    wait_for_app(page)
    frame = player_frame(page)
    frame.evaluate(SEEK_JS, 20)
    page.wait_for_timeout(800)  # the step reaches the page (a rerun)
    wait_for_app(page)
    page.locator('[data-testid="stSidebarNav"] a', has_text="Moving averages").first.click()
    page.wait_for_function("() => window.location.pathname.endsWith('/ewma')", timeout=30_000)
    wait_for_app(page)
    page.locator('[data-testid="stSidebarNav"] a', has_text="Compare optimizers").first.click()
    page.wait_for_function("() => !window.location.pathname.endsWith('/ewma')", timeout=30_000)
    wait_for_app(page)
    frame = player_frame(page)
    frame.wait_for_function("() => document.getElementById('root').getAttribute('data-step') === '20'", timeout=20_000)
    assert frame.evaluate("() => document.querySelector('input.scrub').value") == "20"
    assert "preset=textbook" in page.url  # the same race
    assert not page.js_errors, page.js_errors


def test_regression_shows_its_data_with_each_runs_line_at_the_step(app_url, page):
    page.goto(app_url + "/?preset=regression")
    wait_for_app(page)
    frame = player_frame(page)
    frame.wait_for_selector(".panel.datapanel .scatterlayer .point", timeout=20_000)
    assert frame.locator(".panel.datapanel .scatterlayer .point").count() == 64  # every data point
    for k in (0, 15, 200):
        frame.evaluate(SEEK_JS, k)
        lines = frame.evaluate("() => window.descentPlayer.panels.find(p => p.isData).lines")
        want = frame.evaluate(f"() => window.descentPlayer.data.runs.map(r => {{ const i = Math.min({k}, r.points - 1);"
                              " return [r.path[2 * i], r.path[2 * i + 1]]; })")
        assert len(lines) == len(want) == 5
        for got, run in zip(lines, want):  # each run's (w, b) where it is on its map
            assert got == pytest.approx(run), k
    assert not page.js_errors, page.js_errors


def test_loss_chart_follows_the_step(app_url, page):
    """A full curve at step 0 would show the outcome before Play: the chart draws the losses up to
    the player's step (exactly when paused or seeking, throttled while playing), all at the end."""
    page.set_viewport_size({"width": 1366, "height": 1400})  # the chart on screen: it is drawn
    page.goto(app_url + "/?preset=too_large")
    wait_for_app(page)
    frame = player_frame(page)
    frame.locator(".losschart").scroll_into_view_if_needed()
    frame.wait_for_function("() => document.querySelectorAll('.losschart .main-svg').length > 0", timeout=10_000)
    steps = frame.evaluate("() => window.descentPlayer.data.steps")
    lengths = "() => window.descentPlayer.data.runs.map(r => r.loss.length - 1)"
    assert frame.evaluate(CHART_STEPS_JS) == [0] * len(frame.evaluate(lengths))  # step 0: the start only
    frame.evaluate(SEEK_JS, 5)
    frame.wait_for_function("() => document.querySelector('.losschart').getAttribute('data-step') === '5'")
    assert frame.evaluate(CHART_STEPS_JS) == [min(5, n) for n in frame.evaluate(lengths)]
    frame.evaluate(SEEK_JS, steps)  # the end: every full curve (a diverged one ends where it diverged)
    frame.wait_for_function(f"() => document.querySelector('.losschart').getAttribute('data-step') === '{steps}'")
    assert frame.evaluate(CHART_STEPS_JS) == frame.evaluate(lengths)

    frame.evaluate(SEEK_JS, 0)
    frame.get_by_role("button", name="▶ Play").click()  # at its default speed: the race in 10–20 s
    page.wait_for_timeout(2500)
    # Both read in one call: the race goes on between two calls, and the chart may catch up.
    drawn_steps, player_step = frame.evaluate(
        f"() => [({CHART_STEPS_JS})(), Number(document.getElementById('root').getAttribute('data-step'))]")
    drawn = max(drawn_steps)
    assert 0 < drawn <= player_step < steps  # while playing, behind the step by at most the throttle
    assert not page.js_errors, page.js_errors


def test_loss_chart_is_drawn_when_it_comes_on_screen(app_url, page):
    """Below the fold the loss chart keeps its room but is not drawn: a slider change then costs
    the browser no Plotly redraw. Scrolled to, it shows the latest race."""
    page.goto(app_url + "/?preset=textbook")
    wait_for_app(page)
    frame = player_frame(page)
    drawn = "() => document.querySelectorAll('.losschart .main-svg').length > 0"
    chart = frame.locator(".losschart")
    top = page.locator('iframe[title*="descent_player"]').bounding_box()["y"] + chart.bounding_box()["y"]
    assert top > page.viewport_size["height"] + 200, top  # below the fold (and the 200-px margin)
    room = chart.bounding_box()["height"]
    assert room >= 300 and not frame.evaluate(drawn)

    last_losses = "() => window.descentPlayer.data.runs.map(r => r.loss[r.loss.length - 1])"
    before = frame.evaluate(last_losses)
    slider = page.locator('[data-testid="stSidebar"] [data-testid="stSlider"]:visible').first
    slider.locator('input[type="range"]').locator("xpath=../..").click()
    page.keyboard.press("ArrowRight")  # more gradient noise: every run changes
    frame.wait_for_function(f"() => JSON.stringify(({last_losses})()) !== {json.dumps(json.dumps(before))}",
                            timeout=30_000)
    wait_for_app(page)
    page.wait_for_timeout(500)
    assert not frame.evaluate(drawn)

    chart.scroll_into_view_if_needed()
    frame.wait_for_function(drawn, timeout=10_000)
    assert abs(chart.bounding_box()["height"] - room) <= 1  # drawn in the room it kept: no jump
    frame.evaluate(SEEK_JS, 10_000)  # past the end: the whole curves
    shown = frame.evaluate("() => document.querySelector('.losschart').data.filter(t => t.mode === 'lines')"
                           ".map(t => t.y[t.y.length - 1])")
    want = frame.evaluate(last_losses)
    assert want != before and shown == pytest.approx(want, rel=1e-9)  # the latest race, not the one before
    assert not page.js_errors, page.js_errors
