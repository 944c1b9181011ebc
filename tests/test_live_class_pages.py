"""A live class under AppTest: the teacher's page and a student's Compare page, in one process
(the default in-memory store is shared by both sessions, as on one server).

The teacher starts a class, the student joins by the link, follows the teacher's race, explores
on their own and comes back, votes (the race hidden meanwhile, one vote however often they
press), and sees the reveal; the teacher sees the count, the bars, a second round, the CSV.
A bad code gets its message and the box to type it again.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from classroom import Classroom, open_store
from lessons.presets import PRESETS_BY_KEY
from lessons.race import Race
from tests.player_args import payload_of

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
TIMEOUT = 120


def clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [m.value for m in at.info] + [m.value for m in at.success]
    parts += [m.value for m in at.warning] + [m.value for m in at.error] + [m.value for m in at.caption]
    return "\n".join(str(p) for p in parts)


def teacher() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("pages/live_class.py").run()
    clean(at)
    at.button(key="live_start").click().run()
    clean(at)
    return at


def student(code: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["room"] = code
    return at.run()


def code_of(at: AppTest) -> str:
    return at.session_state["_live_room"]


def race_of(at: AppTest) -> Race:
    return at.session_state["_compare"].state.race


def hidden(at: AppTest) -> bool:
    players = [e for e in at.get("component_instance") if "descent_player" in e.proto.component_name]
    return bool(players) and bool(payload_of(players[-1]).get("hidden"))


def test_teacher_starts_a_class_with_code_link_qr_and_a_secret_link_off_the_address_bar():
    at = teacher()
    code = code_of(at)
    assert len(code) == 6 and at.query_params["room"] in (code, [code])
    body = texts(at)
    assert code in body and f"?room={code}" in body
    assert at.get("imgs") or at.get("image")  # the QR code
    token = at.session_state["_live_teach"][code]
    assert "teacher" not in dict(at.query_params)
    assert token not in body  # the token is only inside the closed "Teacher link" box's code block
    codes = [c.value for c in at.code]
    assert any(f"teacher={token}" in c for c in codes)
    assert Classroom(open_store()).is_teacher(code, token)


def test_student_follows_explores_comes_back_votes_once_and_sees_the_reveal():
    t_at = teacher()
    code = code_of(t_at)
    # The teacher sets up a lesson on Compare: the class follows it.
    t_at.switch_page("pages/compare.py").run()
    t_at.selectbox(key="lesson").set_value("momentum").run()
    clean(t_at)
    momentum = PRESETS_BY_KEY["momentum"].race
    assert Classroom(open_store()).room(code).race == momentum.to_json()

    s_at = student(code)
    clean(s_at)
    assert race_of(s_at) == momentum
    assert f"Live class {code}" in texts(s_at) and "follow the teacher" in texts(s_at)
    assert s_at.query_params["room"] in (code, [code])

    # Exploring: a change of their own stays theirs; the teacher's next race does not replace it.
    s_at.button(key="live_explore").click().run()
    clean(s_at)
    assert "exploring on your own" in texts(s_at)
    t_at.selectbox(key="lesson").set_value("textbook").run()
    s_at.run()
    assert race_of(s_at) == momentum
    s_at.button(key="live_back").click().run()
    clean(s_at)
    assert race_of(s_at) == PRESETS_BY_KEY["textbook"].race

    # The vote: the race is hidden on the student's screen while it is open.
    t_at.switch_page("pages/live_class.py").run()
    t_at.button(key="live_ask").click().run()
    clean(t_at)
    room = Classroom(open_store()).room(code)
    assert room.vote is not None and room.vote.open
    s_at.run()
    clean(s_at)
    assert hidden(s_at)
    assert not any("classic comparison" in i.value for i in s_at.info)  # the lesson's text tells the outcome
    q = PRESETS_BY_KEY["textbook"].question_at(PRESETS_BY_KEY["textbook"].race)
    assert q.prompt.replace("\\", "")[:30] in texts(s_at).replace("\\", "")
    wrong = (q.answer_index + 1) % len(q.choices)
    s_at.button(key=f"livevote_{wrong}").click().run()
    s_at.button(key=f"livevote_{q.answer_index}").click().run()  # a change of mind, still one vote
    clean(s_at)
    t_at.run()
    assert "**1** of 1 have voted" in texts(t_at)
    assert not t_at.get("plotly_chart")  # no distribution until the teacher shows it

    # A second tab (same browser id) votes as the same student.
    twin = AppTest.from_file(APP, default_timeout=TIMEOUT)
    twin.query_params["room"] = code
    twin.session_state["_live_student"] = s_at.session_state["_live_student"]
    twin.run()
    twin.button(key=f"livevote_{q.answer_index}").click().run()
    assert Classroom(open_store()).tally(code, Classroom(open_store()).room(code).vote).voters == 1

    t_at.button(key="live_show").click().run()
    assert t_at.get("plotly_chart")
    t_at.button(key="live_reveal").click().run()
    clean(t_at)
    assert "The answer:" in texts(t_at)
    s_at.run()
    clean(s_at)
    assert not hidden(s_at)
    assert "Right!" in texts(s_at)

    rows = list(csv.DictReader(io.StringIO(Classroom(open_store()).results_csv(code, t_at.session_state["_live_teach"][code]))))
    assert len(rows) == 1 and rows[0]["voters"] == "1" and rows[0]["right_answer"] == str(q.answer_index + 1)


def test_a_locked_room_keeps_the_student_on_the_teachers_race():
    t_at = teacher()
    code = code_of(t_at)
    t_at.switch_page("pages/compare.py").run()
    t_at.selectbox(key="lesson").set_value("saddle").run()
    t_at.switch_page("pages/live_class.py").run()
    t_at.toggle(key="live_lock").set_value(True).run()
    clean(t_at)
    assert Classroom(open_store()).room(code).locked
    s_at = student(code)
    assert "locked" in texts(s_at)
    assert not [b for b in s_at.button if b.key == "live_explore"]
    s_at.number_input(key="steps").set_value(PRESETS_BY_KEY["saddle"].race.steps + 10).run()
    s_at.run()
    assert race_of(s_at) == PRESETS_BY_KEY["saddle"].race
    assert s_at.number_input(key="steps").value == PRESETS_BY_KEY["saddle"].race.steps


@pytest.mark.parametrize("code", ["ZZZZZZ", "nope"])
def test_an_unknown_or_malformed_code_gets_a_message_and_a_box(code):
    at = student(code)
    clean(at)
    errors = " ".join(e.value for e in at.error)
    assert "no class with this code" in errors or "6 letters and digits" in errors
    assert any(ti.label == "Class code" for ti in at.text_input)
    # the student's Compare page still works on its own
    assert [e for e in at.get("component_instance") if "descent_player" in e.proto.component_name]


def test_an_unreachable_redis_is_said_and_every_student_keeps_working_alone(monkeypatch):
    import ui.live_class as lc
    from tests.class_servers import free_port

    monkeypatch.setenv("DESCENT_CLASS_STORE", f"redis://127.0.0.1:{free_port()}/0")
    monkeypatch.setattr(lc, "_failed_at", 0.0)
    at = student("K7QM2X")
    clean(at)
    assert any("cannot reach its shared store" in e.value for e in at.error)
    assert [e for e in at.get("component_instance") if "descent_player" in e.proto.component_name]
    at.switch_page("pages/live_class.py").run()
    clean(at)
    assert any("cannot reach its shared store" in e.value for e in at.error)
    monkeypatch.setattr(lc, "_failed_at", 0.0)


def test_the_memory_store_says_the_class_ends_with_the_server():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("pages/live_class.py").run()
    assert "ends when the server stops" in texts(at)


def test_the_teacher_link_reopens_the_class_on_another_device_and_a_wrong_one_does_not():
    t_at = teacher()
    code = code_of(t_at)
    token = t_at.session_state["_live_teach"][code]
    other = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    other.query_params["room"] = code
    other.query_params["teacher"] = token
    other.switch_page("pages/live_class.py").run()
    clean(other)
    assert other.session_state["_live_teach"][code] == token
    assert "teacher" not in dict(other.query_params)  # read once, then off the address bar
    assert [b for b in other.button if b.key == "live_close"]
    wrong = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    wrong.query_params["room"] = code
    wrong.query_params["teacher"] = "not-the-token"
    wrong.switch_page("pages/live_class.py").run()
    clean(wrong)
    assert any("not valid" in e.value for e in wrong.error)
    assert not [b for b in wrong.button if b.key == "live_close"]


def test_half_right_suggests_a_discussion_and_a_second_round_shown_beside_the_first():
    from classroom import new_student_id

    t_at = teacher()
    code = code_of(t_at)
    t_at.switch_page("pages/compare.py").run()
    t_at.selectbox(key="lesson").set_value("momentum").run()
    t_at.switch_page("pages/live_class.py").run()
    t_at.button(key="live_ask").click().run()
    cls = Classroom(open_store())
    vote = cls.room(code).vote
    right, wrong = vote.right, (vote.right + 1) % vote.n
    for choice in (right, right, wrong, wrong):
        cls.vote(code, new_student_id(), vote.id, choice)
    t_at.run()
    t_at.button(key="live_close_vote").click().run()
    clean(t_at)
    assert any("50%" in i.value and "neighbour" in i.value for i in t_at.info)
    t_at.button(key="live_again").click().run()
    second = cls.room(code).vote
    assert second.number == 2 and second.open
    for choice in (right, right, right, wrong):
        cls.vote(code, new_student_id(), second.id, choice)
    t_at.button(key="live_show").click().run()
    clean(t_at)
    figure = json.loads(t_at.get("plotly_chart")[0].proto.spec)
    assert len([tr for tr in figure["data"] if tr["type"] == "bar"]) == 2  # both rounds, side by side
    assert [tr["y"] for tr in figure["data"]][0][right] == 2 and [tr["y"] for tr in figure["data"]][1][right] == 3


def test_the_teacher_ends_the_class_and_a_student_is_told_with_the_box_to_type_another_code():
    t_at = teacher()
    code = code_of(t_at)
    s_at = student(code)
    assert f"Live class {code}" in texts(s_at)
    t_at.button(key="live_close").click().run()
    clean(t_at)
    s_at.run()
    clean(s_at)
    assert any("ended this class" in e.value for e in s_at.error)
    assert any(ti.label == "Class code" for ti in s_at.text_input)
