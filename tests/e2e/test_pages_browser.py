"""Every page in the app's navigation, in a real browser: it renders a chart and no exception.

The page list is read from the running app's sidebar navigation (so a page added to app.py
is covered without editing this file), and checked against the pages we know must be there.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from tests.e2e.conftest import assert_no_exception, wait_for_app

pytestmark = pytest.mark.browser

#: URL paths Streamlit derives from the page files (Compare is also the default page at "/").
EXPECTED = {"compare", "ewma", "schedules", "minibatch", "sweep"}
CHART = '.js-plotly-plot, iframe[title*="player"], iframe[src*="player"]'


def _nav_paths(page, app_url: str) -> set[str]:
    page.goto(app_url)
    wait_for_app(page)
    hrefs = page.eval_on_selector_all(
        '[data-testid="stSidebarNav"] a', "els => els.map(e => e.getAttribute('href'))"
    )
    paths = set()
    for href in hrefs:
        path = urlparse(href).path.strip("/").rsplit("/", 1)[-1]
        paths.add(path or "compare")  # the default page lives at "/"
    return paths


def test_navigation_lists_every_page(page, app_url):
    paths = _nav_paths(page, app_url)
    assert EXPECTED <= paths, f"missing from the navigation: {EXPECTED - paths}"


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_page_shows_a_chart_and_no_exception(page, app_url, path):
    # On a freshly started server Streamlit serves a deep link from its pages/ auto-discovery
    # until app.py has run st.navigation once; open the root first so the app's own navigation
    # (and page config) is what every page is tested under.
    page.goto(app_url)
    wait_for_app(page, timeout=120_000)
    page.goto(f"{app_url}/{path}")
    wait_for_app(page, timeout=120_000)
    # Some charts sit in collapsed expanders or tabs: wait until at least one is on screen.
    page.wait_for_function(
        "sel => Array.from(document.querySelectorAll(sel)).some(e => e.getBoundingClientRect().width > 0)",
        arg=CHART, timeout=60_000,
    )
    assert page.locator(CHART).count() >= 1
    assert_no_exception(page)
    assert not page.js_errors, page.js_errors  # type: ignore[attr-defined]


def test_a_challenge_link_is_checked_as_it_opens_and_shares_a_whole_link(page, app_url):
    """A classmate opening a shared solution sees the verdict at once, and the link shown to copy
    is the whole address (scheme, host and port), not a bare path."""
    page.goto(app_url)
    wait_for_app(page, timeout=120_000)
    page.goto(f"{app_url}/challenges?challenge=adam_saddle&adam.lr=0.01")
    wait_for_app(page, timeout=120_000)
    page.get_by_text("Solved!").first.wait_for(timeout=60_000)
    code = page.locator('[data-testid="stCode"]').first.inner_text()
    assert code.startswith(f"{app_url}/challenges?challenge=adam_saddle"), code
    assert "adam.lr=0.01" in code
    assert_no_exception(page)


def test_which_optimizer_page_shows_its_table(page, app_url):
    """The "Which optimizer?" page (a table, no chart) renders its computed summary."""
    page.goto(app_url)
    wait_for_app(page, timeout=120_000)
    page.goto(f"{app_url}/choosing")
    wait_for_app(page, timeout=180_000)
    page.locator('[data-testid="stTable"], [data-testid="stDataFrame"]').first.wait_for(timeout=180_000)
    assert_no_exception(page)
    assert not page.js_errors, page.js_errors  # type: ignore[attr-defined]
