"""Navigation in a real browser at a 1366×768 laptop size: leaving Compare keeps the race, and
projector mode stays on for the visit (issue 12, points 1 and 2).

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
