"""The live class speaks the visitor's language: the teacher's page and a student's class box in
Chinese (the course's words, no English sentence), English unchanged."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")


def _texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [b.label for b in at.button] + [c.value for c in at.caption]
    parts += [e.value for e in at.error] + [i.value for i in at.info]
    return "\n".join(str(p) for p in parts)


def _teacher(lang: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = lang
    at.run()
    at.switch_page("pages/live_class.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_teacher_page_in_chinese_and_in_english():
    zh = _teacher("zh")
    assert "开始上课" in _texts(zh) and "Start a class" not in _texts(zh)
    zh.button(key="live_start").click().run()
    assert not zh.exception
    assert "加入链接" in _texts(zh) and "向全班提问" in _texts(zh)
    en = _teacher("en")
    assert "Start a class" in _texts(en)


def test_a_students_class_box_in_chinese():
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = "zh"
    at.query_params["room"] = "ZZZZZZ"
    at.run()
    assert not at.exception
    assert any("没有这个代码的课堂" in e.value for e in at.error)
    assert any(ti.label == "课堂代码" for ti in at.text_input)
