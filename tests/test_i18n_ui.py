"""The Compare, "Which optimizer?" and Challenges pages and the shared UI in Chinese and English.

Pages run through app.py's navigation (the language is chosen there, from the link's ``lang``).
What these files write (labels, help, captions, notices, buttons) comes out in Chinese with
``lang=zh`` and no English sentence of their catalogs is left; with ``lang=en`` it is the English
it always was. Switching language keeps the race (and a locked-in prediction), and the
Compare page's link keeps ``lang``. The caches that hold sentences are keyed by the language.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import i18n
from i18n import catalog, t
from lessons.presets import PRESETS_BY_KEY

TIMEOUT = 300
ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
#: The catalog areas of the files under test.
AREAS = ("ui_controls", "ui_custom_surface", "ui_inspector", "ui_predict", "ui_slides", "ui_style", "ui_tuning",
         "ui_misc", "page_compare", "page_choosing", "page_challenges")
_HAN = re.compile(r"[\u4e00-\u9fff]")


def _app(page: str | None = None, **query: str) -> AppTest:
    """The app opened on ``page`` (Compare by default) with the link's ``query``."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["lang"] = query.get("lang", "en")
    if page is None:
        for k, v in query.items():
            at.query_params[k] = v
    at.run()
    if page is not None:  # as a link to the page does: its own query
        for k in list(at.query_params):
            del at.query_params[k]
        for k, v in query.items():
            at.query_params[k] = v
        at.switch_page(page).run()
    _clean(at)
    return at


def _clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _shown(at: AppTest) -> str:
    """Every text the page shows: element bodies, widget labels, help, placeholders and options."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success",
                 "code"):
        parts += [str(e.value) for e in getattr(at, kind)]
    for kind in ("selectbox", "multiselect", "select_slider", "slider", "number_input", "text_input", "toggle",
                 "checkbox", "button", "radio", "expander", "tabs", "segmented_control"):
        for e in getattr(at, kind):
            for attr in ("label", "help", "placeholder"):
                value = getattr(e, attr, None)
                if isinstance(value, str):
                    parts.append(value)
            options = getattr(e, "options", None)
            if options:
                parts += [str(o) for o in options]
    for e in at.get("download_button"):
        parts += [e.proto.label, e.proto.help]
    return "\n".join(parts)


def _english_fragments() -> dict[str, list[str]]:
    """key -> the English words of its template (between placeholders) that Chinese does not have."""
    en, zh = catalog("en"), catalog("zh")
    out = {}
    for key, text in en.items():
        if key.split(".")[0] not in AREAS:
            continue
        literal = [part for part, *_ in string.Formatter().parse(text)]
        pieces = [p.strip(" *:.()[]\n") for chunk in literal for p in re.split(r"\*\*|\n", chunk)]
        sentences = [p for p in pieces if len(p) >= 10 and " " in p and p not in zh[key]]
        if sentences:
            out[key] = sentences
    return out


def _assert_no_english(at: AppTest) -> None:
    blob = _shown(at)
    left = {key: p for key, pieces in _english_fragments().items() for p in pieces if p in blob}
    assert not left, left


def _label(at: AppTest, kind: str, key: str) -> str:
    return getattr(at, kind)(key=key).label


# ------------------------------------------------------------------------------------- Compare


def test_compare_in_chinese():
    at = _app(preset="rosenbrock", lang="zh")
    with i18n.language("zh"):
        assert at.title[0].value == t("app.pages.compare") == "比较优化器"
        assert _label(at, "selectbox", "lesson") == t("page_compare.presets.label") == "课程预设"
        assert _label(at, "selectbox", "surface") == "曲面"
        assert _label(at, "number_input", "steps") == "步数"
        assert _label(at, "toggle", "predict_first") == "先预测"
        assert _label(at, "button", "tune") == "调优学习率"
        assert _label(at, "toggle", "projector") == "投影仪模式"
        assert at.segmented_control(key="view").options == ["并排", "叠加", "三维"]
        assert any(e.label == t("page_compare.inspector.title") for e in at.expander)
        assert any(e.label == t("page_compare.sidebar.schedule") and "学习率调度" in e.label for e in at.expander)
    assert {e.proto.label for e in at.get("download_button")} == {"轨迹（CSV）", "动画（HTML）"}
    assert at.query_params["lang"] in ("zh", ["zh"])
    _assert_no_english(at)
    # The inspector and the About note, opened.
    at.session_state["inspector_open"] = True
    at.session_state["about_open"] = True
    at.run()
    _clean(at)
    assert any("第 0 步" in c.value for c in at.caption)
    assert any("动量" in m.value and "PyTorch" in m.value for m in at.sidebar.markdown)
    _assert_no_english(at)


def test_compare_in_english_is_unchanged():
    at = _app(preset="rosenbrock", lang="en")
    assert at.title[0].value == "Compare optimizers"
    assert _label(at, "selectbox", "lesson") == "Lesson presets"
    assert _label(at, "number_input", "steps") == "Steps"
    assert _label(at, "toggle", "predict_first") == "Predict first"
    assert _label(at, "button", "tune") == "Tune learning rates"
    assert at.segmented_control(key="view").options == ["Side by side", "Overlay", "3-D"]
    assert not _HAN.search(_shown(at).replace("中文", ""))  # the language switch names Chinese in Chinese


def test_the_tune_report_and_custom_formula_errors_speak_chinese():
    at = _app(preset="textbook", lang="zh")
    at.button(key="tune").click().run()
    _clean(at)
    report = "\n".join(s.value for s in at.success) + "\n".join(w.value for w in at.warning)
    assert "学习率调优结果" in report and "lr" in report
    assert any(b.label == "撤销调优" for b in at.button)
    _assert_no_english(at)
    at.selectbox(key="surface").set_value("custom").run()
    at.text_input(key="formula").set_value("x^2 + (").run()
    _clean(at)
    errors = " ".join(e.value for e in at.error)
    assert "没有被采用" in errors and "无法使用" in errors
    _assert_no_english(at)


def _race_state(at: AppTest, preset: str) -> dict:
    keys = ["surface", "opts", "steps", "x0", "y0", "noise", "seed", "sched", "clip", "view"]
    keys += [f"hp.{opt}.{name}" for opt, values in PRESETS_BY_KEY[preset].race.optimizers for name, _ in values]
    return {k: at.session_state[k] for k in keys}


def _query(at: AppTest) -> dict:
    return {k: at.query_params[k] for k in at.query_params}


def test_switching_language_keeps_the_race_and_the_link_keeps_lang():
    at = _app(preset="rosenbrock", lang="zh")
    at.number_input(key="steps").set_value(300).run()  # no longer the preset's race
    _clean(at)
    before, link = _race_state(at, "rosenbrock"), _query(at)
    assert at.query_params["lang"] in ("zh", ["zh"]) and at.query_params["steps"] in ("300", ["300"])
    rows = len(next(tb.value for tb in at.table))

    at.segmented_control(key="lang").set_value("en").run()
    _clean(at)
    assert at.title[0].value == "Compare optimizers"
    assert _race_state(at, "rosenbrock") == before
    assert {k: v for k, v in _query(at).items() if k != "lang"} == {k: v for k, v in link.items() if k != "lang"}
    assert at.query_params["lang"] in ("en", ["en"])
    assert len(next(tb.value for tb in at.table)) == rows

    at.segmented_control(key="lang").set_value("zh").run()
    _clean(at)
    assert at.title[0].value == "比较优化器"
    assert _race_state(at, "rosenbrock") == before
    assert _query(at) == link  # the same link, lang=zh included


def test_a_locked_prediction_survives_a_language_switch():
    preset = PRESETS_BY_KEY["too_large"]
    at = _app(preset="too_large", mode="predict", lang="zh")
    assert at.radio(key="predictchoice_compare")  # asked
    assert _label(at, "button", "predictlockbtn_compare") == "锁定我的预测"
    assert any("按 1–4 键选择" in c.value for c in at.caption)
    at.radio(key="predictchoice_compare").set_value(preset.question_at().answer_index).run()
    at.button(key="predictlockbtn_compare").click().run()
    _clean(at)
    assert any(s.value.startswith("**答对了！**") for s in at.success)
    at.segmented_control(key="lang").set_value("en").run()
    _clean(at)
    assert any(s.value.startswith("**Right!**") for s in at.success)  # still revealed, now in English
    assert _label(at, "button", "predictagain_compare") == "Predict again"


# ------------------------------------------------------------------------------ Which optimizer?


def test_which_optimizer_in_chinese_and_english():
    at = _app("pages/choosing.py", lang="zh")
    assert at.title[0].value == "该选哪个优化器？"
    assert "学习率" in at.markdown[0].value and "**注意：**" in at.markdown[0].value
    assert "曲面" in at.table[0].value.columns
    assert any("调优学习率" in c.value for c in at.caption)
    _assert_no_english(at)
    assert at.query_params["lang"] in ("zh", ["zh"])

    at = _app("pages/choosing.py", lang="en")
    assert at.title[0].value == "Which optimizer to choose?"
    assert "surface" in at.table[0].value.columns
    assert at.markdown[0].value.startswith("**Read:** every optimizer starts")


# ------------------------------------------------------------------------------------ Challenges


def test_challenges_in_chinese_with_links_in_chinese():
    from lessons.challenges import CHALLENGES, CHALLENGES_BY_KEY, share_query

    at = _app("pages/challenges.py", lang="zh")
    assert at.title[0].value == "挑战"
    assert sum(b.label == "检查" for b in at.button) == len(CHALLENGES)
    assert sum(e.label == "提示" for e in at.expander) == len(CHALLENGES)
    links = [m.value for m in at.markdown if m.value.startswith("[在比较页上试试 →](")]
    assert len(links) == len(CHALLENGES) and all("lang=zh" in link for link in links)
    assert any(m.value == f"**本次访问已解出：0 / {len(CHALLENGES)}**" for m in at.markdown)
    _assert_no_english(at)

    # A solution's link is checked as it opens. (Clicking Check is tested on the page alone in
    # test_challenges.py: under AppTest every run of a page behind app.py starts in Streamlit's
    # legacy pages mode, which ui/bootstrap.py leaves with a rerun that drops a button's click.)
    card = CHALLENGES_BY_KEY["adam_saddle"]
    query = {k: (v[-1] if isinstance(v, list) else v) for k, v in share_query(card.solution_race(), card).items()}
    at = _app("pages/challenges.py", lang="zh", **query)
    assert any(s.value.startswith("解出来了！") for s in at.success)
    share = next(c.value for c in at.code)
    assert "challenge=adam_saddle" in share and "lang=zh" in share
    assert any(m.value.startswith("分享这个解：") and m.value.count("lang=zh") == 2 for m in at.markdown)
    _assert_no_english(at)
    # The verdict follows a language switch (checked again in the new language).
    at.segmented_control(key="lang").set_value("en").run()
    _clean(at)
    assert any(s.value.startswith("Solved!") for s in at.success)
    assert "lang=en" in next(c.value for c in at.code)


def test_challenges_in_english_is_unchanged():
    from lessons.challenges import CHALLENGES

    at = _app("pages/challenges.py", lang="en")
    assert at.title[0].value == "Challenges"
    assert sum(b.label == "Check" for b in at.button) == len(CHALLENGES)
    text = " ".join(m.value for m in at.markdown)
    assert text.count("Try it on Compare") == len(CHALLENGES)
    assert f"**Solved this visit: 0 of {len(CHALLENGES)}**" in text


def test_one_card_link_keeps_the_language():
    at = _app("pages/challenges.py", lang="zh")
    at.query_params["challenge"] = "adam_saddle"
    at.run()
    _clean(at)
    assert any("[显示全部挑战](/challenges?lang=zh)" in c.value for c in at.caption)


# ------------------------------------------------------------------------------- caches, helpers


class _FakePreset:
    key = "fake"

    def question_at(self, race):
        return i18n.current()


def test_the_question_cache_is_keyed_by_language():
    from ui.predict import question_for

    race = PRESETS_BY_KEY["rosenbrock"].race
    with i18n.language("zh"):
        assert question_for(_FakePreset(), race) == "zh"
    with i18n.language("en"):
        assert question_for(_FakePreset(), race) == "en"
    with i18n.language("zh"):
        assert question_for(_FakePreset(), race) == "zh"


def test_the_lesson_question_cache_is_keyed_by_language(monkeypatch):
    from lessons import questions
    from ui.predict import lesson_question

    monkeypatch.setattr(questions, "ewma_question", lambda *args: ("asked in", i18n.current()))
    args = (0.912345, "temperature", 424242)
    with i18n.language("zh"):
        assert lesson_question("ewma", *args) == ("asked in", "zh")
    with i18n.language("en"):
        assert lesson_question("ewma", *args) == ("asked in", "en")


def test_module_texts_follow_the_language():
    from ui import controls, custom_surface, page_state

    with i18n.language("zh"):
        assert "动量" in controls.PYTORCH_NOTE and "PyTorch" in controls.PYTORCH_NOTE
        assert custom_surface.CUSTOM_LABEL == "自定义公式…"
        assert "乘法" in custom_surface.SYNTAX_HELP
        assert page_state.VIEW_LABELS == {"side": "并排", "overlay": "叠加", "3d": "三维"}
    assert custom_surface.CUSTOM_LABEL == "Custom formula…"
    assert controls.PYTORCH_NOTE.startswith("Update rules follow PyTorch's `torch.optim` exactly")


def test_a_lesson_intro_is_cut_at_either_languages_notice():
    from ui.predict import _before_notice

    assert _before_notice("**试一试：** 移动滑块。**注意：** 答案在这里。") == "**试一试：** 移动滑块。"
    assert _before_notice("**Try:** move it. **Notice:** the answer.") == "**Try:** move it. "
    assert _before_notice("no marker") == "no marker"


def test_tune_rows_in_chinese_take_the_cores_reason_apart():
    from ui.tuning import TunedRate, _row_text

    found = TunedRate("sgd", "SGD", 0.01, 0.1, True, False, "lr = 0.1：在 66 个学习率中最终损失最低；没有发散")
    stays = TunedRate("sgd", "SGD", 0.01, 0.01, False, False, "66 个学习率全部发散；退回到最小的 lr = 0.0001")
    with i18n.language("zh"):
        assert _row_text(found).replace("\\", "") == "- **SGD**：lr 0.01 → **0.1**：在 66 个学习率中最终损失最低；没有发散。"
        assert _row_text(stays).replace("\\", "") == "- **SGD**：lr 保持 0.01：66 个学习率全部发散。"
    english = TunedRate("sgd", "SGD", 0.01, 0.01, False, False,
                        "every one of 66 rates from 0.0001 to 10 diverged; falling back to the smallest, lr = 0.0001")
    assert _row_text(english).replace("\\", "") == "- **SGD**: lr stays 0.01: every one of 66 rates from 0.0001 to 10 diverged."


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_chinese_font_stack_only_in_chinese(lang):
    at = _app(lang=lang)
    html = " ".join(e.proto.body for e in at.get("html") if hasattr(e.proto, "body"))
    assert ("Microsoft YaHei" in html and "Noto Sans CJK SC" in html) == (lang == "zh")


def test_a_lesson_link_with_the_other_languages_label_is_understood(monkeypatch):
    """A bound select's link value is its label: a link made in Chinese opens in English too."""
    import streamlit as st

    from ui import lesson_url

    names = {"a": {"en": "apples", "zh": "苹果"}, "b": {"en": "pears", "zh": "梨"}}
    monkeypatch.setattr(lesson_url, "_params", lambda: {"fruit": "梨"})
    monkeypatch.setattr(st, "session_state", {})
    with i18n.language("en"):
        url = lesson_url.LessonUrl()
        assert url.choice("fruit", ["a", "b"], "a", label=lambda o: names[o][i18n.current()]) == "b"
        assert not url.notices


def test_a_cached_table_is_kept_per_language():
    import pandas as pd

    from ui.style import show_table

    built = []

    def frame():
        built.append(i18n.current())
        return pd.DataFrame({t("page_choosing.surface_column"): ["x"]})

    for lang in ("en", "zh", "en", "zh"):
        with i18n.language(lang):
            show_table(frame, cache_key=("test_i18n_ui", "per language"))
    assert built == ["en", "zh"]  # each language built once, then served from the cache
