"""A classroom in a real browser, at the viewports where a lesson can break: projector, laptop, phone.

A teacher's projector (1920×1080, projector mode), a student's laptop (1366×768) and a phone
(390×844, touch). Screenshots go to the pytest tmp dir (never committed); set
DESCENT_SHOTS=/tmp/somewhere to keep them in a fixed place for a look.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from lessons.presets import PRESETS, PRESETS_BY_KEY
from tests.e2e.conftest import assert_no_exception, wait_for_app
from tests.e2e.test_compare_browser import player_frame
from viz.player import PLAY_SECONDS, default_speed
from viz.style import Style

pytestmark = pytest.mark.browser

PROJECTOR = {"width": 1920, "height": 1080}
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}

SIX = ("?surface=rosenbrock&opt=sgd&opt=momentum&opt=nesterov&opt=adagrad&opt=rmsprop&opt=adam&steps=300"
       "&x0=-1.5&y0=2&sgd.lr=0.001&momentum.lr=0.001&nesterov.lr=0.001&adagrad.lr=0.5&rmsprop.lr=0.01&adam.lr=0.05")


def _shot(page, name: str, tmp_path: Path) -> Path:
    where = Path(os.environ.get("DESCENT_SHOTS", tmp_path))
    where.mkdir(parents=True, exist_ok=True)
    path = where / f"{name}.png"
    page.screenshot(path=str(path))
    return path


@pytest.fixture()
def new_page(browser):
    contexts = []

    def make(viewport, touch: bool = False):
        kw = {"has_touch": True, "is_mobile": True} if touch else {}
        ctx = browser.new_context(viewport=viewport, **kw)
        contexts.append(ctx)
        pg = ctx.new_page()
        errors: list[str] = []
        pg.on("pageerror", lambda exc: errors.append(str(exc)))
        pg.js_errors = errors  # type: ignore[attr-defined]
        return pg

    yield make
    for ctx in contexts:
        ctx.close()


def _projector_on(page) -> None:
    player_frame(page, timeout=90_000)  # the page has finished its first full run
    toggle = page.locator('[data-testid="stSidebar"] label', has_text="Projector mode").locator("input")
    page.get_by_text("Projector mode").click(timeout=60_000)
    wait_for_app(page)
    assert toggle.is_checked()  # even as the first click on a fresh server (app.py's bootstrap)
    page.wait_for_function("() => !!document.querySelector('style') && "
                           "getComputedStyle(document.querySelector('h1')).fontSize === '44.8px'", timeout=60_000)  # the first run on a cold, busy server can be slow
    # Projector mode folds the sidebar away (the player does, when the mode comes on); the maps
    # then refit to the wider page.
    page.wait_for_function("() => { const b = document.querySelector('[data-testid=\"stSidebar\"]');"
                           " return !b || b.getAttribute('aria-expanded') === 'false' || b.getBoundingClientRect().right <= 0; }",
                           timeout=20_000)
    page.wait_for_timeout(800)


def _settle(page, frame) -> None:
    page.wait_for_timeout(700)
    frame.wait_for_function("() => document.querySelectorAll('.panel').length > 0")


def _header_px(page) -> float:
    return page.evaluate("() => { const h = document.querySelector('[data-testid=\"stHeader\"]');"
                         " return h ? h.getBoundingClientRect().height : 0; }")


def _player_fits(page, frame, viewport) -> dict:
    iframe = page.locator('iframe[title*="descent_player"]')
    box = iframe.bounding_box()
    inner = frame.evaluate("""() => {
        const r = document.getElementById('root').getBoundingClientRect();
        const play = document.querySelector('button.play').getBoundingClientRect();
        const panels = Array.from(document.querySelectorAll('.panel')).map(p => p.getBoundingClientRect().bottom);
        return {root: r.height, play: play.top, lowest: Math.max(...panels), docH: document.documentElement.scrollHeight,
                winH: window.innerHeight};
    }""")
    return {"frame": box["height"], "room": viewport["height"] - _header_px(page), **inner}


# ------------------------------------------------------------------------------ projector


@pytest.mark.parametrize("view", ["Side by side", "Overlay", "3-D"])
def test_projector_race_fits_one_screen_with_six_optimizers(app_url, new_page, tmp_path, view):
    page = new_page(PROJECTOR)
    page.goto(app_url + SIX)
    wait_for_app(page)
    _projector_on(page)
    if view != "Side by side":
        page.locator('[data-testid="stButtonGroup"] button', has_text=view).first.click()
        wait_for_app(page)
    assert_no_exception(page)
    if view == "3-D":
        chart = page.locator('[data-testid="stPlotlyChart"]').first
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        assert box["height"] <= PROJECTOR["height"] - _header_px(page), box
        _shot(page, f"projector_{view}", tmp_path)
        return
    frame = player_frame(page, timeout=90_000)
    _settle(page, frame)
    fit = _player_fits(page, frame, PROJECTOR)
    # The whole race (Play bar and every map) is shorter than the screen under the header, and
    # the frame shows all of it (no map cut off inside the iframe). The loss chart, drawn by the
    # player under the race (so the page loads one Plotly bundle), may extend the frame below the screen, as it did the page.
    assert fit["root"] <= fit["room"], fit
    assert fit["lowest"] <= fit["winH"] and fit["docH"] <= fit["winH"] + 2, fit
    page.locator('iframe[title*="descent_player"]').evaluate("e => e.scrollIntoView({block: 'end'})")
    page.wait_for_timeout(300)
    _shot(page, f"projector_{view}", tmp_path)
    n_panels = frame.evaluate("() => document.querySelectorAll('.panel').length")
    assert n_panels == (6 if view == "Side by side" else 1)
    assert not page.js_errors, page.js_errors


@pytest.mark.parametrize("preset", ["textbook", "rosenbrock", "regression"])
def test_projector_link_presents_the_whole_race_above_the_fold(app_url, new_page, tmp_path, preset):
    """A projector link: the sidebar folds away, the lesson's summary replaces its full text
    (folded under "Full lesson text"), and every panel, the Play bar and the scrubber sit above
    the fold without scrolling; the 3-D view fits too."""
    page = new_page(PROJECTOR)
    page.goto(app_url + f"/?preset={preset}&projector=1")
    wait_for_app(page)
    frame = player_frame(page, timeout=90_000)
    _settle(page, frame)
    page.wait_for_function("() => document.querySelector('[data-testid=\"stSidebar\"]').getBoundingClientRect().right <= 0"
                           " || document.querySelector('[data-testid=\"stSidebar\"]').getAttribute('aria-expanded') === 'false'",
                           timeout=10_000)
    page.wait_for_timeout(800)  # the maps refit to the wider page
    info = page.locator('[data-testid="stAlert"]').first.inner_text()
    assert PRESETS_BY_KEY[preset].summary in info and PRESETS_BY_KEY[preset].watch not in info
    assert page.get_by_text("Full lesson text").is_visible()
    top = page.locator('iframe[title*="descent_player"]').bounding_box()["y"]
    inner = frame.evaluate("""() => ({
        panels: Array.from(document.querySelectorAll('.panel')).map(p => p.getBoundingClientRect().bottom),
        play: document.querySelector('button.play').getBoundingClientRect().bottom,
        scrub: document.querySelector('input.scrub').getBoundingClientRect().bottom})""")
    samples = 1 if preset == "regression" else 0  # a line fit's data panel
    assert len(inner["panels"]) == len(PRESETS_BY_KEY[preset].race.opts) + samples
    for bottom in inner["panels"] + [inner["play"], inner["scrub"]]:
        assert top + bottom <= PROJECTOR["height"], (top, inner)
    _shot(page, f"projector_link_{preset}", tmp_path)

    page.locator('[data-testid="stButtonGroup"] button', has_text="3-D").first.click()
    wait_for_app(page)
    page.wait_for_timeout(1000)
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    box = chart.bounding_box()
    assert box["y"] + box["height"] <= PROJECTOR["height"], box
    # The 3-D view plays too: Play restarts the race and its step slider moves.
    slider_label = "el => Array.from(el.querySelectorAll('text')).map(e => e.textContent).filter(t => t.startsWith('step '))"
    assert chart.evaluate(slider_label) == [f"step {PRESETS_BY_KEY[preset].race.steps}"]  # it opens on the whole race
    chart.get_by_text("▶ Play").click()
    page.wait_for_timeout(1500)
    shown = chart.evaluate(slider_label)
    assert shown and int(shown[0].split()[-1]) < PRESETS_BY_KEY[preset].race.steps, shown
    assert not page.js_errors, page.js_errors


def test_projector_keeps_big_numbers_big_and_slider_values_off_the_track(app_url, new_page, tmp_path):
    page = new_page(PROJECTOR)
    page.goto(app_url + "/ewma?projector=1")
    wait_for_app(page)
    page.wait_for_function("() => !!document.querySelector('h1') && !!document.querySelector('[data-testid=\"stMetricValue\"]')"
                           " && getComputedStyle(document.querySelector('h1')).fontSize === '44.8px'", timeout=60_000)
    sizes = page.evaluate("""() => {
        const px = s => parseFloat(getComputedStyle(document.querySelector(s)).fontSize);
        const text = px('[data-testid="stMarkdownContainer"] p');
        const thumb = document.querySelector('[data-testid="stSliderThumbValue"]').getBoundingClientRect();
        const handle = document.querySelector('[data-testid="stSliderThumbValue"]').parentElement.getBoundingClientRect();
        return {text: text, metric: px('[data-testid="stMetricValue"] p'), select: px('[data-testid="stSelectbox"] input'),
                number: px('[data-testid="stNumberInput"] input'), thumbBottom: thumb.bottom, handleTop: handle.top};
    }""")
    assert sizes["metric"] > 1.5 * sizes["text"], sizes  # a metric's value stays bigger than the text
    assert sizes["select"] >= 20 and sizes["number"] >= 20, sizes
    assert sizes["thumbBottom"] <= sizes["handleTop"] + 1, sizes  # the value above the thumb, not on the track
    _shot(page, "projector_ewma", tmp_path)


def test_projector_space_plays_instead_of_toggling_or_scrolling(app_url, new_page):
    page = new_page(PROJECTOR)
    page.goto(app_url + "/?preset=momentum")
    wait_for_app(page)
    _projector_on(page)  # the toggle now has focus: Space used to turn it off again
    frame = player_frame(page, timeout=90_000)
    _settle(page, frame)
    toggle = page.locator('[data-testid="stSidebar"] label', has_text="Projector mode").locator("input")
    assert toggle.is_checked()
    page.keyboard.press("Space")
    frame.wait_for_function("() => document.querySelector('button.play').classList.contains('playing')",
                            timeout=5_000)
    page.wait_for_timeout(300)
    assert toggle.is_checked(), "Space toggled the focused projector switch"
    page.keyboard.press("Space")  # pause again
    frame.wait_for_function("() => !document.querySelector('button.play').classList.contains('playing')",
                            timeout=5_000)
    # After clicking the title, Space must not scroll the page.
    page.locator("h1").first.click()
    scroller = "() => { const m = document.querySelector('[data-testid=\"stMain\"]') || document.scrollingElement;" \
               " return [m.scrollTop, document.scrollingElement.scrollTop]; }"
    before = page.evaluate(scroller)
    page.keyboard.press("Space")
    page.wait_for_timeout(400)
    assert page.evaluate(scroller) == before
    frame.wait_for_function("() => document.querySelector('button.play').classList.contains('playing')",
                            timeout=5_000)
    page.keyboard.press("Space")
    before_step = int(frame.evaluate("() => document.getElementById('root').getAttribute('data-step')"))
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(200)
    after_step = int(frame.evaluate("() => document.getElementById('root').getAttribute('data-step')"))
    assert after_step == min(before_step + 1, PRESETS_BY_KEY["momentum"].race.steps)
    assert not page.js_errors, page.js_errors


def test_key_help_and_space_or_enter_on_a_focused_control(app_url, new_page):
    """"?" opens a panel of the keys, large on a projector; Space or Enter on a button or toggle
    the keyboard focused presses it (the race does not play)."""
    page = new_page(PROJECTOR)
    page.goto(app_url + "/?preset=momentum&projector=1")
    wait_for_app(page)
    frame = player_frame(page, timeout=90_000)
    _settle(page, frame)
    help_panel = frame.locator(".keyhelp")
    assert not help_panel.is_visible()
    page.locator("h1").first.click()
    page.keyboard.press("?")
    help_panel.wait_for(state="visible", timeout=5_000)
    text = help_panel.inner_text()
    for key in ("Space", "← / →", "1 – 4", "?"):
        assert key in text
    assert frame.evaluate("() => parseFloat(getComputedStyle(document.querySelector('.keyhelp td')).fontSize)") >= 20
    box, top = help_panel.bounding_box(), page.locator('iframe[title*="descent_player"]').bounding_box()["y"]
    assert box["y"] + box["height"] <= PROJECTOR["height"], (top, box)  # on screen, all of it (page coordinates)
    page.keyboard.press("?")
    help_panel.wait_for(state="hidden", timeout=5_000)

    page = new_page(LAPTOP)
    page.goto(app_url + "/?preset=momentum")
    wait_for_app(page)
    frame = player_frame(page, timeout=90_000)
    _settle(page, frame)
    playing = "() => document.querySelector('button.play').classList.contains('playing')"
    tune = page.get_by_role("button", name="Tune learning rates")
    before = page.url
    tune.focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Shift+Tab")  # reached with the keyboard
    assert tune.evaluate("e => e === document.activeElement")
    page.keyboard.press("Space")
    page.wait_for_function(f"() => window.location.href !== {before!r}", timeout=30_000)  # tuned: new rates
    wait_for_app(page)
    assert not frame.evaluate(playing)
    toggle = page.locator('[data-testid="stSidebar"] label', has_text="Predict first").locator("input")
    toggle.focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Shift+Tab")
    assert toggle.evaluate("e => e === document.activeElement")
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.location.search.includes('mode=predict')", timeout=30_000)
    assert toggle.is_checked()
    assert not page.js_errors, page.js_errors


def test_projector_loss_chart_and_table_are_large(app_url, new_page, tmp_path):
    page = new_page(PROJECTOR)
    page.goto(app_url + "/?preset=nesterov")
    wait_for_app(page)
    _projector_on(page)
    big = Style(projector=True).font_size
    # The loss chart is drawn by the player, under the race (so the page loads one Plotly bundle).
    frame = player_frame(page, timeout=90_000)
    chart = frame.locator(".losschart")
    chart.scroll_into_view_if_needed()  # it is drawn when it comes on screen
    frame.wait_for_function("() => document.querySelector('.losschart .xtick text') && "
                            f"parseFloat(getComputedStyle(document.querySelector('.losschart .xtick text')).fontSize) >= {big}")
    sizes = chart.evaluate("""e => ({
        ticks: Array.from(e.querySelectorAll('.xtick text, .ytick text')).map(t => parseFloat(getComputedStyle(t).fontSize)),
        titles: Array.from(e.querySelectorAll('.xtitle, .ytitle')).map(t => parseFloat(getComputedStyle(t).fontSize))})""")
    assert sizes["ticks"] and min(sizes["ticks"]) >= big, sizes
    assert sizes["titles"] and min(sizes["titles"]) >= big, sizes
    table = page.locator('[data-testid="stTable"]').first
    table.scroll_into_view_if_needed()
    cell_px = table.evaluate("e => Math.min(...Array.from(e.querySelectorAll('td')).map("
                             "c => parseFloat(getComputedStyle(c).fontSize)))")
    assert cell_px >= 20, cell_px
    text = table.inner_text()
    assert "None" not in text and "nan" not in text
    _shot(page, "projector_table", tmp_path)


@pytest.mark.parametrize("preset", [p.key for p in PRESETS if "arrow" in p.watch.lower()])
def test_arrows_visible_at_every_step(app_url, new_page, preset):
    page = new_page(PROJECTOR)
    page.goto(app_url + f"/?preset={preset}")
    wait_for_app(page)
    frame = player_frame(page, timeout=90_000)
    _settle(page, frame)
    frame.locator("input.arrowsbox").check()
    # The page records gradients and states only while arrows are shown: the box asks for them.
    frame.wait_for_function("() => window.descentPlayer.data.runs.every(r => r.gradients)", timeout=60_000)
    lengths = frame.evaluate("""() => {
        const p = window.descentPlayer, out = [];
        for (let k = 0; k < p.data.steps; k++) {
            p.seek(k);
            out.push(Array.from(document.querySelectorAll('canvas.overlay')).map(
                c => Number(c.getAttribute('data-arrow-px') || -1)));
        }
        return out;
    }""")
    need = Style().arrow_min_px
    for k, per_panel in enumerate(lengths):
        for px in per_panel:
            # -1: that run has no update at step k (it diverged or ended); else the arrow is long.
            assert px == -1 or px >= need - 1, (k, per_panel)
    assert any(px >= need - 1 for row in lengths for px in row)
    legend = frame.evaluate("() => Array.from(document.querySelectorAll('.arrowkey')).map(e => e.getBoundingClientRect())"
                            ".map(r => [r.left, r.right, r.top])")
    assert len(legend) >= 2
    for a, b in zip(legend, legend[1:]):
        if abs(a[2] - b[2]) < 2:  # same line: a visible gap between entries
            assert b[0] - a[1] >= 12, legend


# --------------------------------------------------------------------------------- laptop


def test_rejected_formula_error_is_near_the_race_on_a_laptop(app_url, new_page, tmp_path):
    page = new_page(LAPTOP)
    page.goto(app_url + "/?surface=custom&f=x%5E2%2By%5E2&opt=sgd")
    wait_for_app(page)
    player_frame(page, timeout=90_000)
    box = page.get_by_role("textbox", name="f(x, y) =")
    box.fill("x^2 + y^")
    box.press("Enter")
    wait_for_app(page)
    main = page.locator('[data-testid="stMain"] [data-testid="stAlert"]', has_text="was not used")
    main.first.wait_for(timeout=20_000)
    rect = main.first.bounding_box()
    assert rect["y"] + 20 < LAPTOP["height"], rect  # on screen without scrolling
    assert "x^2 + y^" in main.first.inner_text()
    _shot(page, "laptop_formula_error", tmp_path)


def test_diverged_badge_keeps_panels_aligned(app_url, new_page, tmp_path):
    page = new_page(LAPTOP)
    page.goto(app_url + "/?preset=too_large")
    wait_for_app(page)
    frame = player_frame(page, timeout=90_000)
    _settle(page, frame)
    tops = frame.evaluate("() => Array.from(document.querySelectorAll('.panel .plot')).map(p => "
                          "[p.getBoundingClientRect().top, p.getBoundingClientRect().height])")
    rows: dict[int, list] = {}
    for top, h in tops:
        rows.setdefault(round(top / 150), []).append((top, h))
    for row in rows.values():
        assert max(t for t, _ in row) - min(t for t, _ in row) < 1.5, tops
    heads = frame.evaluate("() => Array.from(document.querySelectorAll('.phead')).map(h => h.getBoundingClientRect().height)")
    assert max(heads) - min(heads) < 1.5, heads
    assert frame.locator(".badge").count() >= 1
    _shot(page, "laptop_diverged", tmp_path)


@pytest.mark.parametrize("viewport,touch", [(LAPTOP, False), (PHONE, True)], ids=["laptop", "phone"])
def test_diverged_run_keeps_its_name_and_whole_badge(app_url, new_page, tmp_path, viewport, touch):
    """At the end of "too large" the diverged panel still reads "SGD" and its whole badge."""
    page = new_page(viewport, touch=touch)
    page.goto(app_url + "/?preset=too_large")
    wait_for_app(page)
    frame = player_frame(page, timeout=90_000)
    _settle(page, frame)
    steps = frame.evaluate("() => window.descentPlayer.data.steps")
    frame.evaluate(f"() => window.descentPlayer.seek({steps})")
    frame.wait_for_function("() => document.querySelectorAll('.badge.reached').length > 0")
    heads = frame.evaluate("""() => Array.from(document.querySelectorAll('.phead')).filter(h => h.querySelector('.badge'))
        .map(h => { const n = h.querySelector('.pname'), b = h.querySelector('.badge'), r = h.getBoundingClientRect();
                    const nb = n.getBoundingClientRect(), bb = b.getBoundingClientRect();
                    return {name: n.textContent, badge: b.textContent, nameFits: n.scrollWidth <= n.clientWidth && nb.width > 0,
                            badgeFits: b.scrollWidth <= b.clientWidth, inside: nb.left >= r.left - 0.5 && bb.right <= r.right + 0.5}; })""")
    diverged = [r for r in frame.evaluate("() => window.descentPlayer.data.runs") if r["diverged_at"] is not None]
    assert [h["name"] for h in heads] == [r["label"] for r in diverged] and heads
    for h, r in zip(heads, diverged):
        assert h["badge"] == f"diverged · step {r['diverged_at']}"
        assert h["nameFits"] and h["badgeFits"] and h["inside"], h
    _shot(page, f"diverged_name_{viewport['width']}", tmp_path)


def test_diverged_badge_in_html_export(new_page):
    from surfaces import SURFACES
    from tests.test_figures_and_player_payload import run
    from viz.contours import contour_grid
    from viz.player import player_payload, standalone_html

    trajs = [run("bowl", o, h, (-7.0, 2.0), 40)[0] for o, h in
             (("sgd", {"lr": 5.0}), ("momentum", {"lr": 0.1}), ("adam", {"lr": 0.3}))]
    assert trajs[0].diverged
    surface = SURFACES["bowl"]
    html = standalone_html(player_payload(contour_grid(surface.f, surface.bounds), trajs, minima=surface.minima))
    page = new_page({"width": 1100, "height": 768})
    page.set_content(html)
    page.wait_for_selector(".panel canvas.overlay")
    page.evaluate("() => window.descentPlayer.seek(40)")
    assert page.locator(".badge.reached").count() == 1
    tops = page.evaluate("() => Array.from(document.querySelectorAll('.panel .plot')).map(p => p.getBoundingClientRect().top)")
    assert max(tops) - min(tops) < 1.5, tops


def test_minibatch_panels_share_axes_height_and_name_w_b(app_url, new_page, tmp_path):
    page = new_page(LAPTOP)
    page.goto(app_url + "/minibatch")
    wait_for_app(page)
    frame = player_frame(page, timeout=90_000)
    _settle(page, frame)
    heights = frame.evaluate("() => Array.from(document.querySelectorAll('.panel .plot')).map(p => "
                             "[p.getBoundingClientRect().top, p._fullLayout._size.h])")
    assert len(heights) == 3
    assert len({round(h, 1) for _, h in heights}) == 1, heights  # same axes height, whatever the row
    cut = frame.evaluate("() => Array.from(document.querySelectorAll('.readout')).filter(r => r.scrollWidth > r.clientWidth + 1).length")
    assert cut == 0, "a loss readout is cut off"
    titles = frame.evaluate("() => Array.from(document.querySelectorAll('.xtitle, .ytitle')).map(t => t.textContent)")
    assert "slope w" in titles and "intercept b" in titles
    _shot(page, "laptop_minibatch", tmp_path)


def test_ewma_weights_axis_title_clear_of_legend(app_url, new_page):
    page = new_page(LAPTOP)
    page.goto(app_url + "/ewma")
    wait_for_app(page)
    chart = page.locator('[data-testid="stPlotlyChart"]', has_text="k steps back").first
    chart.wait_for(timeout=90_000)
    chart.scroll_into_view_if_needed()
    boxes = chart.evaluate("""e => {
        const t = e.querySelector('.xtitle').getBoundingClientRect();
        const l = e.querySelector('.legend').getBoundingClientRect();
        return {title: [t.top, t.bottom], legend: [l.top, l.bottom]};
    }""")
    assert boxes["legend"][0] >= boxes["title"][1], boxes


def test_sweep_lr_axis_has_no_si_prefixes(app_url, new_page):
    page = new_page(LAPTOP)
    page.goto(app_url + "/sweep")
    wait_for_app(page)
    chart = page.locator('[data-testid="stMain"] [data-testid="stPlotlyChart"]').first
    chart.wait_for(timeout=90_000)
    ticks = chart.evaluate("e => Array.from(e.querySelectorAll('.xtick text, .ytick text')).map(t => t.textContent)")
    assert ticks and not any(("μ" in t or "m" == t[-1:] or "k" == t[-1:]) for t in ticks), ticks


# ---------------------------------------------------------------------------------- phone


def _start_in_url(page):
    q = parse_qs(urlparse(page.url).query)
    return q.get("x0"), q.get("y0"), q.get("preset")


def test_phone_tap_keeps_the_start_and_controls_fit_a_finger(app_url, new_page, tmp_path):
    page = new_page(PHONE, touch=True)
    page.goto(app_url + "/?preset=momentum")
    wait_for_app(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    page.wait_for_function("() => document.querySelector('[data-testid=\"stSidebar\"]')"
                           ".getAttribute('data-collapsed') === 'true'", timeout=20_000)
    frame = player_frame(page, timeout=90_000)
    _settle(page, frame)
    _shot(page, "phone_load", tmp_path)
    before = _start_in_url(page)
    plot = frame.locator(".panel .plot").first
    plot.scroll_into_view_if_needed()
    box = plot.bounding_box()
    plot.tap(position={"x": box["width"] * 0.6, "y": box["height"] * 0.5})
    page.wait_for_timeout(1500)
    wait_for_app(page)
    assert _start_in_url(page) == before, "a tap on the map moved the start"
    play = frame.locator("button.play").bounding_box()
    assert play["height"] >= 44, play
    hint = frame.locator(".hint").inner_text()
    assert "Space" not in hint and "←" not in hint, hint
    # A deliberate gesture still sets the start: "Set start", then a tap.
    frame.locator("button.setstart").tap()
    plot.tap(position={"x": box["width"] * 0.6, "y": box["height"] * 0.5})
    page.wait_for_function(f"() => !location.search.includes('x0={before[0][0] if before[0] else ''}&')"
                           if before[0] else "() => location.search.includes('x0=')", timeout=20_000)
    wait_for_app(page)
    assert _start_in_url(page)[:2] != before[:2]
    assert sidebar.get_attribute("data-collapsed") == "true"


def test_phone_sidebar_folds_after_picking_a_preset(app_url, new_page, tmp_path):
    page = new_page(PHONE, touch=True)
    page.goto(app_url + "/?preset=textbook")
    wait_for_app(page)
    frame = player_frame(page, timeout=90_000)
    _settle(page, frame)
    page.wait_for_function("() => document.querySelector('[data-testid=\"stSidebar\"]')"
                           ".getAttribute('data-collapsed') === 'true'", timeout=20_000)
    page.locator('[data-testid="stExpandSidebarButton"], [data-testid="stSidebarCollapsedControl"] button').first.tap()
    page.wait_for_function("() => document.querySelector('[data-testid=\"stSidebar\"]')"
                           ".getAttribute('data-collapsed') === 'false'", timeout=10_000)
    page.wait_for_timeout(1000)  # the sidebar slides in
    option = page.get_by_role("option", name=PRESETS_BY_KEY["rosenbrock"].title)
    for _ in range(3):  # a tap during the slide can miss the box: open the list until it shows
        page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
        try:
            option.wait_for(timeout=10_000)
            break
        except Exception:  # noqa: BLE001 - playwright's TimeoutError; try again
            page.keyboard.press("Escape")
    option.click()
    wait_for_app(page)
    page.wait_for_function("() => document.querySelector('[data-testid=\"stSidebar\"]')"
                           ".getAttribute('data-collapsed') === 'true'", timeout=20_000)
    _shot(page, "phone_after_preset", tmp_path)


COLLAPSED = "() => document.querySelector('[data-testid=\"stSidebar\"]').getAttribute('data-collapsed') === 'true'"


@pytest.mark.parametrize("path", ["/ewma", "/schedules", "/challenges?challenge=sgd_beats_adam"])
def test_phone_sidebar_folds_on_every_page_and_after_a_page_pick(app_url, new_page, tmp_path, path):
    page = new_page(PHONE, touch=True)
    page.goto(app_url + path)
    wait_for_app(page)
    page.wait_for_function(COLLAPSED, timeout=20_000)  # the drawer does not cover the lesson
    page.locator('[data-testid="stExpandSidebarButton"], [data-testid="stSidebarCollapsedControl"] button').first.tap()
    page.wait_for_function(COLLAPSED.replace("'true'", "'false'"), timeout=10_000)
    page.wait_for_timeout(1000)  # the sidebar slides in
    page.locator('[data-testid="stSidebarNav"] a', has_text="Hyperparameter map").first.tap()
    page.wait_for_function("() => window.location.pathname.endsWith('/sweep')", timeout=30_000)
    wait_for_app(page)
    page.wait_for_function(COLLAPSED, timeout=20_000)  # folded after the pick: the page shows
    _shot(page, "phone_after_page_pick" + path.split("?")[0].replace("/", "_"), tmp_path)


def test_phone_summary_table_scrolls_and_charts_have_no_toolbar(app_url, new_page, tmp_path):
    page = new_page(PHONE, touch=True)
    page.goto(app_url + "/?preset=too_large")
    wait_for_app(page)
    frame = player_frame(page, timeout=90_000)
    _settle(page, frame)
    table = page.locator('[data-testid="stTable"]').first
    table.scroll_into_view_if_needed()
    reach = table.evaluate("""t => { const box = t.scrollWidth > t.clientWidth ? t : t.firstElementChild;
        box.scrollLeft = box.scrollWidth; const last = t.querySelector('th:last-child').getBoundingClientRect();
        return {overflow: getComputedStyle(box).overflowX, right: last.right, edge: t.getBoundingClientRect().right}; }""")
    assert reach["overflow"] == "auto" and reach["right"] <= reach["edge"] + 1, reach  # the last column in view
    frame.locator(".losschart").scroll_into_view_if_needed()
    frame.wait_for_function("() => document.querySelectorAll('.losschart .main-svg').length > 0", timeout=10_000)
    toolbars = frame.evaluate("() => Array.from(document.querySelectorAll('.losschart .modebar-container'))"
                              ".filter(m => getComputedStyle(m).display !== 'none').length")
    assert toolbars == 0
    _shot(page, "phone_table_scrolled", tmp_path)


# --------------------------------------------------------------- a preset's own playback


def test_new_preset_starts_at_zero_with_its_own_speed(app_url, new_page):
    page = new_page(LAPTOP)
    page.goto(app_url + "/?preset=textbook")
    wait_for_app(page)
    frame = player_frame(page, timeout=90_000)
    _settle(page, frame)
    frame.evaluate("() => window.descentPlayer.seek(30)")
    frame.locator("select.speedsel").select_option("3")
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
    page.get_by_role("option", name=PRESETS_BY_KEY["nesterov"].title).click()
    wait_for_app(page)
    steps = PRESETS_BY_KEY["nesterov"].race.steps
    frame.wait_for_function(f"() => document.querySelector('.steplabel').textContent === 'step 0 / {steps}'",
                            timeout=20_000)
    speed = float(frame.locator("select.speedsel").input_value())
    assert speed == default_speed(steps)
    lo, hi = PLAY_SECONDS
    assert lo <= steps / speed <= hi
