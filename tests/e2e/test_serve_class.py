"""Serving a class: two app processes behind deploy/serve-class's HAProxy, in Chromium.

The proxy is what a teacher runs for a class (README, "Serving a class"), so it is tested the
way students use it: separate browsers (separate cookie jars) open the proxy's address, the
page renders and plays, a slider change round-trips to the process that holds the session
(websocket upgrade through the proxy), and the students are spread over both processes
(HAProxy's DESCENT_SERVER cookie names the process that serves each one).

The proxy and the processes listen on loopback only and are stopped by the test.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess

import pytest

from tests.e2e.conftest import ROOT, assert_no_exception, wait_for_app, wait_healthy
from tests.e2e.test_compare_browser import player_frame

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def class_url():
    if shutil.which("haproxy") is None:
        pytest.fail("haproxy not found: the README's test command installs Debian's haproxy")
    port = _free_port()
    proc = subprocess.Popen([str(ROOT / "deploy" / "serve-class"), "2", "--port", str(port), "--address", "127.0.0.1"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    if not wait_healthy(url, 120, proc):
        out = proc.stdout.read() if proc.poll() is not None and proc.stdout else ""
        os.killpg(proc.pid, signal.SIGTERM)
        pytest.fail(f"the proxy did not answer within 120 s {out}")
    yield url
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def _student(browser, url: str):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.goto(url)
    wait_for_app(page)
    return context, page


def _backend(context) -> str:
    return next((c["value"] for c in context.cookies() if c["name"] == "DESCENT_SERVER"), "")


def test_students_spread_over_both_processes_and_pages_work(class_url, browser):
    students = [_student(browser, class_url) for _ in range(4)]
    try:
        backends = [_backend(ctx) for ctx, _ in students]
        assert set(backends) == {"app1", "app2"}, backends

        ctx, page = students[0]
        assert_no_exception(page)
        frame = player_frame(page)
        frame.locator("button.play").click()
        frame.wait_for_function("() => Number(document.getElementById('root').getAttribute('data-step')) > 0",
                                timeout=20_000)

        # A slider change goes over the proxied websocket and comes back as a new run: on the
        # moving-averages page the β slider's new value changes the window the server computes.
        page.goto(f"{class_url}/ewma")
        wait_for_app(page)
        window = page.locator('[data-testid="stMetricValue"]').first
        before = window.inner_text()
        slider = page.locator('[data-testid="stMain"] [data-testid="stSlider"]:visible').first
        thumb = slider.locator('input[type="range"]').locator("xpath=../..")
        thumb.click()
        page.keyboard.press("ArrowRight")
        page.wait_for_function("([el, t]) => el.innerText !== t", arg=[window.element_handle(), before],
                               timeout=30_000)
        wait_for_app(page)
        assert_no_exception(page)
        assert _backend(ctx) == backends[0], "the student must stay on the process that holds the session"
    finally:
        for ctx, _ in students:
            ctx.close()
