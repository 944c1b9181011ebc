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
import re
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
    proc = subprocess.Popen([str(ROOT / "deploy" / "serve-class"), "2", "--port", str(port), "--address", "127.0.0.1",
                             "--no-warm-up"],  # compiling every pair is the teacher's one-time wait, not the test's
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    pids: dict[str, int] = {}
    while len(pids) < 2 and proc.poll() is None:  # serve-class prints "app <i> pid <pid> port <port>"
        line = proc.stdout.readline() if proc.stdout else ""
        match = re.search(r"\bapp (\d+) pid (\d+)", line)
        if match:
            pids[f"app{match.group(1)}"] = int(match.group(2))
    if not wait_healthy(url, 120, proc):
        out = proc.stdout.read() if proc.poll() is not None and proc.stdout else ""
        os.killpg(proc.pid, signal.SIGTERM)
        pytest.fail(f"the proxy did not answer within 120 s {out}")
    yield url, pids
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
    class_url, _ = class_url
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


def test_a_student_whose_process_dies_continues_on_the_other_with_the_same_settings(class_url, browser):
    """Nothing is lost when a process dies: while the dead process is down HAProxy sends the student to the live one
    (``option redispatch``), serve-class's supervisor starts the dead one again, and the page
    comes back with the settings of the link without a reload by the student."""
    class_url, pids = class_url
    ctx, page = _student(browser, f"{class_url}/?preset=textbook")
    try:
        slider = page.locator('[data-testid="stSidebar"] [data-testid="stSlider"]:visible').first
        slider.scroll_into_view_if_needed()
        value = slider.locator('[data-testid="stSliderThumbValue"]')
        before = value.inner_text()
        slider.locator('input[type="range"]').locator("xpath=../..").click()
        page.keyboard.press("ArrowRight")
        page.wait_for_function("([el, t]) => el.innerText !== t", arg=[value.element_handle(), before],
                               timeout=30_000)
        wait_for_app(page)
        moved, link = value.inner_text(), page.url

        sockets: list[str] = []
        page.on("websocket", lambda ws: sockets.append(ws.url))
        os.kill(pids[_backend(ctx)], signal.SIGKILL)
        deadline = 60_000
        while not sockets and deadline > 0:  # the page opens a new websocket through the proxy
            page.wait_for_timeout(200)
            deadline -= 200
        assert sockets, "the page did not reconnect"
        page.wait_for_selector('[data-testid="stDialog"]', state="detached", timeout=60_000)
        wait_for_app(page, timeout=60_000)
        assert_no_exception(page)
        slider = page.locator('[data-testid="stSidebar"] [data-testid="stSlider"]:visible').first
        assert slider.locator('[data-testid="stSliderThumbValue"]').inner_text() == moved
        assert page.url == link
        player_frame(page).wait_for_function(
            "() => document.querySelectorAll('.panel g.contourlayer path').length > 0", timeout=30_000)
        # Served by the live process, or by the dead one once its supervisor has started it again.
        assert _backend(ctx) in ("app1", "app2")
    finally:
        ctx.close()
