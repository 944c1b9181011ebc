"""Navigation in a real browser at a 1366×768 laptop size: leaving Compare keeps the race, and
projector mode stays on for the visit.

The sidebar sends no query string when it switches pages and Back replays an old address, so
both are driven here for real; `tests/test_compare_page.py` covers the same logic under AppTest.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from tests.e2e.conftest import assert_no_exception, wait_for_app

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}
EMPTY_RACE = "Pick at least one optimizer"


@pytest.fixture()
def laptop(browser):
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    yield page
    context.close()


def _query(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def _sidebar(page, title: str) -> None:
    if page.evaluate("() => { const b = document.querySelector('[data-testid=\"stSidebar\"]');"
                     " return b.getAttribute('data-collapsed') === 'true' || b.getBoundingClientRect().right <= 0; }"):
        # Projector mode folds the sidebar away (a presentation): open it as a teacher would.
        page.locator('[data-testid="stExpandSidebarButton"], [data-testid="stSidebarCollapsedControl"] button').first.click()
        page.wait_for_timeout(800)
    page.locator('[data-testid="stSidebarNav"] a', has_text=title).first.click()
    wait_for_app(page, timeout=120_000)
    assert_no_exception(page)


def _wait_for_query(page, key: str) -> None:
    page.wait_for_function("k => new URLSearchParams(location.search).has(k)", arg=key, timeout=60_000)


def test_sidebar_and_back_bring_the_race_back(laptop, app_url):
    page = laptop
    page.goto(f"{app_url}/?preset=rosenbrock")
    wait_for_app(page, timeout=120_000)
    _wait_for_query(page, "opt")
    race = _query(page)
    assert race["preset"] == ["rosenbrock"] and len(race["opt"]) >= 2

    _sidebar(page, "Moving averages")
    assert "ewma" in urlparse(page.url).path
    _sidebar(page, "Compare optimizers")
    _wait_for_query(page, "opt")
    assert _query(page) == race
    assert page.get_by_text(EMPTY_RACE).count() == 0

    _sidebar(page, "Moving averages")
    page.go_back()
    wait_for_app(page, timeout=120_000)
    _wait_for_query(page, "opt")
    assert _query(page) == race
    assert page.get_by_text(EMPTY_RACE).count() == 0
    assert_no_exception(page)


def test_a_preset_link_on_a_lesson_page_after_compare_was_open(laptop, app_url):
    page = laptop
    page.goto(f"{app_url}/?preset=rosenbrock")
    wait_for_app(page, timeout=120_000)
    _sidebar(page, "Moving averages")
    page.locator('[data-testid="stPageLink"] a', has_text="Compare preset").first.click()
    wait_for_app(page, timeout=120_000)
    _wait_for_query(page, "opt")
    assert _query(page)["preset"] == ["adam_bias"]
    assert page.get_by_text(EMPTY_RACE).count() == 0


def _projector_on(page) -> bool:
    box = page.locator('[data-testid="stSidebar"] label', has_text="Projector mode").locator("input")
    return box.is_checked()


def test_projector_mode_persists_across_pages(laptop, app_url):
    page = laptop
    page.goto(app_url)
    wait_for_app(page, timeout=120_000)
    page.locator('[data-testid="stSidebar"] label', has_text="Projector mode").click()
    wait_for_app(page, timeout=120_000)
    assert _projector_on(page)
    _sidebar(page, "Moving averages")
    assert _projector_on(page)
    _sidebar(page, "Compare optimizers")
    assert _projector_on(page)
    page.go_back()
    wait_for_app(page, timeout=120_000)
    assert _projector_on(page)


@pytest.fixture()
def fresh_server():
    """A server no page has run on yet: the case `ui.bootstrap` exists for."""
    import subprocess
    import sys
    import time
    import urllib.request

    from tests.e2e.conftest import ROOT, _free_port

    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless=true",
                             f"--server.port={port}", "--server.address=127.0.0.1",
                             "--browser.gatherUsageStats=false", "--server.fileWatcherType=none"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_a_deep_link_on_a_fresh_server_gets_the_apps_navigation(laptop, fresh_server):
    page = laptop
    page.goto(f"{fresh_server}/sweep?n=20&steps=100")
    wait_for_app(page, timeout=120_000)
    page.wait_for_function(  # the legacy run's navigation is replaced when the rerun lands
        """() => (document.querySelector('[data-testid="stSidebarNav"]') || {}).innerText?.includes('Compare optimizers')""",
        timeout=60_000)
    wait_for_app(page, timeout=120_000)
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "Hyperparameter map" in nav and "Compare optimizers" in nav  # app.py's titles, not file names
    assert page.title().startswith("Descent")  # app.py's page config
    assert "sweep" in urlparse(page.url).path
    assert_no_exception(page)


def test_the_first_click_on_a_fresh_server_counts(laptop, fresh_server):
    """The very first visitor's first click (the teacher's, on Projector mode) is not lost.

    The first run of a fresh process starts in Streamlit's legacy pages/ mode, whose script hash
    differs from later runs'; app.py leaves that mode before drawing the toggle, so the toggle
    keeps one widget ID from the first run on (ui/bootstrap.py).
    """
    page = laptop
    page.goto(fresh_server)
    wait_for_app(page, timeout=120_000)
    toggle = page.locator('[data-testid="stSidebar"] label', has_text="Projector mode").locator("input")
    page.get_by_text("Projector mode").click(timeout=60_000)
    page.wait_for_function("() => getComputedStyle(document.querySelector('h1')).fontSize === '44.8px'",
                           timeout=60_000)  # projector CSS applied: the server got the click
    assert toggle.is_checked()
    assert_no_exception(page)


def test_a_lesson_control_lives_in_the_link_and_back_restores_it(laptop, app_url):
    """The lesson widgets are bound to the URL (``bind="query-params"``): an old link's name is
    read once as the new key, a change goes into the address bar (replacing the entry, as
    Streamlit does), and Back from another page brings the lesson's values back."""
    page = laptop
    page.goto(f"{app_url}/ewma?beta=0.9")
    wait_for_app(page, timeout=120_000)
    _wait_for_query(page, "ewma_beta")
    assert _query(page)["ewma_beta"] == ["0.9"] and "beta" not in _query(page)
    window = page.locator('[data-testid="stMetric"]', has_text="Effective window")
    assert "10 steps" in window.inner_text()

    page.get_by_test_id("stNumberInputStepUp").first.click()  # the seed: 0 -> 1
    page.wait_for_function("() => new URLSearchParams(location.search).get('ewma_seed') === '1'", timeout=60_000)
    wait_for_app(page, timeout=120_000)
    assert_no_exception(page)

    _sidebar(page, "Compare optimizers")
    _wait_for_query(page, "opt")
    assert "ewma_beta" not in _query(page)  # a lesson key never lands in Compare's link
    # Leaving a page, Streamlit's frontend adds entries (the old page without its bound keys,
    # the new page's path with the old query), so the lesson's own entry is a few Backs away.
    for _ in range(4):
        page.go_back()
        wait_for_app(page, timeout=120_000)
        if "ewma_seed" in _query(page):
            break
    assert "ewma" in urlparse(page.url).path
    assert _query(page)["ewma_beta"] == ["0.9"] and _query(page)["ewma_seed"] == ["1"]
    seed = page.locator('[data-testid="stNumberInput"] input').first
    page.wait_for_function("el => el.value === '1'", arg=seed.element_handle(), timeout=60_000)
    assert "10 steps" in window.inner_text()
    assert_no_exception(page)


def test_back_from_a_map_run_on_compare_leaves_no_compare_keys_on_the_map(laptop, app_url):
    """The map's "Open this run on the Compare page", then Back: the map's address carries its
    own keys only (Streamlit pushes the old page's path with the new page's query; the lesson
    pages take Compare's keys out again)."""
    page = laptop
    page.goto(f"{app_url}/sweep?sw_n=20")
    wait_for_app(page, timeout=120_000)
    page.get_by_text("Open this run on the Compare page").first.click()
    page.wait_for_function("() => location.search.includes('x0=')", timeout=60_000)
    for _ in range(3):
        page.go_back()
        wait_for_app(page, timeout=120_000)
        page.wait_for_timeout(1500)
        if "sweep" in urlparse(page.url).path and page.locator("h1", has_text="Hyperparameter map").count():
            break
    assert "sweep" in urlparse(page.url).path
    page.wait_for_timeout(1500)
    stray = [k for k in _query(page) if not k.startswith(("sw_", "sel_")) and k not in ("formula", "projector", "mode")]
    assert not stray, page.url
    assert_no_exception(page)
