"""A live class in Chromium: a teacher on a projector (1920×1080) and three students, one on a
laptop (1366×768) and two on phones (390×844, touch), each in their own browser context (their
own cookies, as on their own devices).

The students join by the join link (what the QR code holds) and by typing the code; they follow
the teacher's race; the teacher opens a vote; the students vote (the laptop with keys 1–4, the
phones by tapping) while their race is hidden; two of three are right, so the teacher's view
suggests a discussion and a second round; a student's second tab shows their vote and adds none;
the projector shows how many voted, then the bars of both rounds side by side; the reveal plays
the race on every screen and marks the answer; the teacher downloads the results of both rounds.
A second test runs the class on deploy/serve-class (2 processes sharing one SQLite file), kills
the process of a student mid-vote, and finds every vote.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import signal
import subprocess
import time

import pytest

from classroom import Classroom
from classroom.store import SQLiteStore
from lessons.presets import PRESETS_BY_KEY
from tests.e2e.conftest import ROOT, assert_no_exception, wait_for_app, wait_healthy

pytestmark = pytest.mark.browser

SLOW = 120_000  # a loaded 2-core box


def _context(browser, kind: str):
    if kind == "projector":
        return browser.new_context(viewport={"width": 1920, "height": 1080})
    if kind == "laptop":
        return browser.new_context(viewport={"width": 1366, "height": 768})
    return browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                               device_scale_factor=2)


def _open(context, url: str):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors  # type: ignore[attr-defined]
    page.goto(url)
    wait_for_app(page, timeout=SLOW)
    return page


def _text(page, pattern: str, timeout: float = SLOW) -> None:
    page.get_by_text(re.compile(pattern)).first.wait_for(timeout=timeout)


def _start_class(page) -> str:
    page.get_by_role("button", name="Start a class").click()
    code_box = page.locator(".st-key-live_code")
    code_box.wait_for(timeout=SLOW)
    code = code_box.inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{6}", code), code
    return code


def _student_sees_vote(page) -> None:
    page.locator(".st-key-livevote_0 button").wait_for(timeout=SLOW)


def _player_disabled(page) -> bool:
    for frame in page.frames:
        if "descent_player" in frame.url:
            btn = frame.locator("button.play")
            if btn.count():
                return btn.first.is_disabled()
    return True


def test_teacher_and_three_students_follow_vote_and_see_the_reveal(app_url, browser):
    contexts = [_context(browser, k) for k in ("projector", "laptop", "phone", "phone")]
    try:
        teacher = _open(contexts[0], f"{app_url}/live_class")
        code = _start_class(teacher)
        qr = teacher.locator('[data-testid="stImage"] img').first
        qr.wait_for(timeout=SLOW)
        box = qr.bounding_box()
        assert box and box["width"] >= 300, box  # large enough to scan from the back of a room
        assert "teacher=" not in teacher.url  # the secret is not in the projector's address bar
        # The teacher goes to Compare (the class follows what it shows).
        teacher.get_by_role("link", name="Set up the race on Compare").click()
        wait_for_app(teacher, timeout=SLOW)
        _text(teacher, f"Live class {code}")

        laptop = _open(contexts[1], f"{app_url}/?room={code}")  # the join link: what the QR code holds
        phone1 = _open(contexts[2], f"{app_url}/?room={code}")
        phone2 = _open(contexts[3], f"{app_url}/live_class")  # types the code
        phone2.get_by_label("Class code").fill(code.lower())
        phone2.get_by_role("button", name="Join").tap()
        wait_for_app(phone2, timeout=SLOW)
        students = [laptop, phone1, phone2]
        for s in students:
            _text(s, f"Live class {code}")
            _text(s, "you follow the teacher")
            assert_no_exception(s)

        # Follow: the teacher changes the number of steps; every student's page follows.
        steps = teacher.get_by_role("spinbutton", name="Steps")
        steps.fill("44")
        steps.press("Enter")
        started = time.time()
        for s in students:
            s.wait_for_function("() => location.search.includes('steps=44')", timeout=SLOW)
        follow_seconds = time.time() - started
        print(f"teacher change → three students: {follow_seconds:.1f} s")

        # The vote, from the Live class page (a new session: the teacher's cookie keeps the rights).
        teacher.goto(f"{app_url}/live_class?room={code}")
        wait_for_app(teacher, timeout=SLOW)
        teacher.get_by_role("button", name="Ask the class").click()
        for s in students:
            _student_sees_vote(s)
        for s in students:
            assert _player_disabled(s), "the race must stay hidden while the class votes"
        # Two of three right (67 %): the teacher's view suggests a discussion and a second round.
        race = PRESETS_BY_KEY["textbook"].race.with_(steps=44)
        question = PRESETS_BY_KEY["textbook"].question_at(race)
        right, wrong = question.answer_index, (question.answer_index + 1) % len(question.choices)
        laptop.evaluate("() => document.activeElement && document.activeElement.blur()")
        laptop.keyboard.press(str(right + 1))  # keys 1–4 vote
        phone1.locator(f".st-key-livevote_{right} button").tap()
        phone2.locator(f".st-key-livevote_{wrong} button").tap()
        phone2.locator(f".st-key-livevote_{wrong} button").tap()  # twice: still one vote
        _text(teacher, r"3 of 3 have voted")
        assert not teacher.locator(".js-plotly-plot").count()  # no distribution before "show"
        teacher.get_by_role("button", name="Close voting").click()
        _text(teacher, "convince a neighbour")
        teacher.get_by_role("button", name="Second round").click()
        _text(teacher, "Vote, round 2")
        for s in students:
            _text(s, "Vote, round 2")
            s.locator(f".st-key-livevote_{right} button").wait_for(timeout=SLOW)
        laptop.locator(f".st-key-livevote_{right} button").click()
        phone1.locator(f".st-key-livevote_{right} button").tap()
        phone2.locator(f".st-key-livevote_{right} button").tap()
        _text(teacher, r"3 of 3 have voted")
        # The laptop's student opens a second tab (same browser, same cookie): it shows their vote
        # and voting there again is still the one vote.
        tab = _open(contexts[1], f"{app_url}/?room={code}")
        _text(tab, f"Your vote: {right + 1}")
        tab.locator(f".st-key-livevote_{right} button").click()
        tab.wait_for_timeout(3000)
        _text(teacher, r"3 of 3 have voted")
        tab.close()
        teacher.get_by_role("button", name="Show the results").click()
        teacher.locator(".js-plotly-plot").first.wait_for(timeout=SLOW)
        teacher.wait_for_function("() => document.querySelectorAll('.js-plotly-plot g.cartesianlayer .subplot').length >= 2",
                                  timeout=SLOW)  # both rounds, side by side
        teacher.get_by_role("button", name="Reveal the answer").click()
        _text(teacher, "The answer:")
        for s in students:
            _text(s, "The answer:|Right!")
            s.wait_for_function("""() => Array.from(document.querySelectorAll('iframe')).some(f => {
                try { const r = f.contentDocument.getElementById('root');
                      return r && Number(r.getAttribute('data-step')) > 0; } catch (e) { return false; } })""",
                                timeout=SLOW)  # the race plays on every screen
            assert_no_exception(s)
            assert not s.js_errors, s.js_errors

        with teacher.expect_download(timeout=SLOW) as dl:
            teacher.get_by_role("button", name="Results (CSV)").click()
        rows = list(csv.DictReader(io.StringIO(open(dl.value.path(), encoding="utf-8").read())))
        assert [(r["round"], r["voters"], r["right_answer"]) for r in rows] == [("1", "3", str(right + 1)),
                                                                                 ("2", "3", str(right + 1))]
        assert rows[0][f"choice_{right + 1}"] == "2" and rows[1][f"choice_{right + 1}"] == "3"
        assert_no_exception(teacher)
    finally:
        for ctx in contexts:
            ctx.close()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_killing_a_serve_class_process_mid_vote_loses_no_vote(browser, tmp_path):
    if shutil.which("haproxy") is None:
        pytest.fail("haproxy not found: the README's test command installs Debian's haproxy")
    db = tmp_path / "class.db"
    port = _free_port()
    proc = subprocess.Popen([str(ROOT / "deploy" / "serve-class"), "2", "--port", str(port), "--address",
                             "127.0.0.1", "--no-warm-up", "--store", f"sqlite:{db}"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    pids: dict[str, int] = {}
    contexts = []
    try:
        while len(pids) < 2 and proc.poll() is None:
            line = proc.stdout.readline() if proc.stdout else ""
            match = re.search(r"\bapp (\d+) pid (\d+)", line)
            if match:
                pids[f"app{match.group(1)}"] = int(match.group(2))
        assert wait_healthy(url, 120, proc), "the proxy did not answer"
        contexts = [_context(browser, "laptop") for _ in range(4)]
        teacher = _open(contexts[0], f"{url}/live_class")
        code = _start_class(teacher)
        teacher.get_by_role("link", name="Set up the race on Compare").click()
        wait_for_app(teacher, timeout=SLOW)
        teacher.goto(f"{url}/live_class?room={code}")
        wait_for_app(teacher, timeout=SLOW)
        teacher.get_by_role("button", name="Ask the class").click()
        students = [_open(ctx, f"{url}/?room={code}") for ctx in contexts[1:]]
        backends = [next((c["value"] for c in ctx.cookies() if c["name"] == "DESCENT_SERVER"), "")
                    for ctx in contexts[1:]]
        assert set(backends) == {"app1", "app2"}, backends
        for s in students:
            _student_sees_vote(s)
        students[0].locator(".st-key-livevote_0 button").click()
        students[1].locator(".st-key-livevote_1 button").click()
        classroom = Classroom(SQLiteStore(str(db)))
        rid = classroom.room(code).vote.id
        deadline = time.time() + 60
        while len(classroom.store.votes(code, rid)) < 2 and time.time() < deadline:
            time.sleep(0.2)
        assert len(classroom.store.votes(code, rid)) == 2

        victim = backends[2]  # the process of the student who has not voted yet
        sockets: list[list[str]] = [[] for _ in students]
        for i, s in enumerate(students):
            s.on("websocket", lambda ws, i=i: sockets[i].append(ws.url))
        os.kill(pids[victim], signal.SIGKILL)
        # Its students reconnect (to the other process, or to the restarted one) in the same room and round.
        for i, (s, b) in enumerate(zip(students, backends)):
            if b != victim:
                continue
            deadline = time.time() + 90
            while not sockets[i] and time.time() < deadline:
                s.wait_for_timeout(200)
            assert sockets[i], "the page did not reconnect"
            s.wait_for_selector('[data-testid="stDialog"]', state="detached", timeout=SLOW)
            wait_for_app(s, timeout=SLOW)
            _student_sees_vote(s)
            if i < 2:  # voted before the kill: the page shows that vote again (the same student, by cookie)
                _text(s, f"Your vote: {i + 1}")
        for _ in range(3):  # a click that lands while the page is still settling is simply made again
            students[2].locator(".st-key-livevote_2 button").click()
            try:
                _text(students[2], "Your vote: 3", timeout=20_000)
                break
            except Exception:
                continue
        deadline = time.time() + 60
        while len(classroom.store.votes(code, rid)) < 3 and time.time() < deadline:
            time.sleep(0.2)
        votes = classroom.store.votes(code, rid)
        assert sorted(votes.values()) == [0, 1, 2], votes
        assert classroom.room(code).vote.open and classroom.room(code).vote.id == rid
        _text(teacher, r"3\*?\*? of \d+ have voted|3 of \d+ have voted")
    finally:
        for ctx in contexts:
            ctx.close()
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
