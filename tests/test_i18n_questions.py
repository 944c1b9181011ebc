"""The engine's sentences in Chinese and in English: the predict-first questions of every lesson
preset and of the lesson pages, the stability verdicts, the series, the sweep map's metrics, the
mini-batch runs, "Which optimizer?" and the search comparison.

Chinese: real Chinese comes out (no English sentence is left: optimizer names, schedule keys,
numbers and math aside), in the course's terms wherever the English sentence uses them.
English: what it said before the catalogs (pinned where other tests do not already pin it).
A question is computed once and cached for every session: the same object must speak both
languages, whichever language it was computed in.
"""

from __future__ import annotations

import pickle
import re
import tomllib

import numpy as np
import pytest

import i18n
from i18n.catalog import ROOT as CATALOG_ROOT
from lessons.presets import PRESETS
from lessons.questions import KINDS, Question, ewma_question, minibatch_question, schedules_question, sweep_question
from lessons.race import Race
from optimizers import OPTIMIZERS
from surfaces import SURFACES

GLOSSARY = tomllib.loads((CATALOG_ROOT / "glossary.toml").read_text(encoding="utf-8"))["term"]
CJK = re.compile(r"[\u4e00-\u9fff]")
#: Words a Chinese sentence may keep in Latin letters: names, units and symbols of the course.
ALLOWED = {"lr", "inf", "NaN", "epoch", "SGD", "Adam", "AdamW", "NAdam", "Adamax", "AdaGrad", "RMSprop",
           "Nesterov", "warm", "up"}
#: Hyperparameter keys (lr, momentum, beta1 ...): identifiers, which name the sweep page's axes in both languages.
HYPER_KEYS = re.compile(r"\b(" + "|".join(sorted({k for o in OPTIMIZERS.values() for k in o.hyper_keys})) + r")\b")


@pytest.fixture(autouse=True)
def strict():
    old, i18n.STRICT = i18n.STRICT, True  # a missing key raises instead of falling back to English
    yield
    i18n.STRICT = old


def _names() -> list[str]:
    """Every optimizer label and schedule key, in both languages, longest first."""
    out = set()
    for lang in i18n.LANGUAGES:
        with i18n.language(lang):
            out |= {str(o.label) for o in OPTIMIZERS.values()}
    from optimizers.schedules import SCHEDULES
    out |= {k.replace("_", "-") for k in SCHEDULES} | set(SCHEDULES)
    return sorted(out, key=len, reverse=True)


NAMES = _names()


def _strip_names(text: str) -> str:
    for name in NAMES:
        text = text.replace(name, " ")
    return HYPER_KEYS.sub(" ", text)


def english_words(text: str) -> list[str]:
    """Latin words of two letters or more left in ``text`` once names and allowed words are out."""
    return [w for w in re.findall(r"[A-Za-z]{2,}", _strip_names(text)) if w not in ALLOWED]


def assert_chinese(zh: str, en: str, *, sentence: bool = True) -> None:
    """``zh`` is Chinese (no English word left) and uses the glossary's word wherever ``en`` uses a term."""
    assert not english_words(zh), (english_words(zh), zh)
    if sentence:
        assert CJK.search(zh), zh
    plain = _strip_names(en)
    for term in GLOSSARY:
        if re.search(term["en"], plain, re.I):
            words = [term["zh"], *term.get("zh_also", ())]
            assert any(w in zh for w in words), (term["zh"], en, zh)


def parts(q: Question, lang: str) -> dict[str, object]:
    with i18n.language(lang):
        return {"prompt": q.prompt, "choices": q.choices, "answer": q.answer, "explanation": q.explanation}


def assert_question_speaks_both(q: Question) -> None:
    en, zh = parts(q, "en"), parts(q, "zh")
    assert parts(q, "en") == {"prompt": q.prompt, "choices": q.choices, "answer": q.answer,
                              "explanation": q.explanation}  # English is the default
    for name in ("prompt", "explanation"):
        assert_chinese(zh[name], en[name])
        assert not CJK.search(en[name]), en[name]
    assert len(zh["choices"]) == len(en["choices"]) and len(set(zh["choices"])) == len(zh["choices"])
    for c_zh, c_en in zip(zh["choices"], en["choices"]):
        assert_chinese(c_zh, c_en, sentence=bool(english_words(c_en)))  # a bare name stays a name
        assert not CJK.search(c_en)
    # The right answer is an index: the same choice in both languages.
    assert zh["answer"] == zh["choices"][q.answer_index] and en["answer"] == en["choices"][q.answer_index]
    # Most explanations open with the answer (ui/predict.py leans on it): in Chinese too.
    if en["explanation"].startswith(en["answer"]):
        assert zh["explanation"].startswith(zh["answer"]), (zh["answer"], zh["explanation"])


@pytest.mark.parametrize("preset", PRESETS, ids=[p.key for p in PRESETS])
def test_every_preset_question_speaks_chinese(preset):
    with i18n.language("zh"):
        q = preset.question_at()  # computed while a Chinese visitor reads: still speaks English after
    assert q == preset.question_at()
    assert_question_speaks_both(q)
    # What a cache (st.cache_data) does to it: a pickled question still speaks both.
    assert_question_speaks_both(pickle.loads(pickle.dumps(q)))


@pytest.mark.parametrize("preset", [p for p in PRESETS if p.key in ("textbook", "too_large", "momentum", "saddle")],
                         ids=lambda p: p.key)
def test_noisy_versions_speak_chinese(preset):
    q = preset.question_at(preset.race.with_(noise=0.5))
    assert_question_speaks_both(q)
    with i18n.language("zh"):
        assert "64 次带种子" in q.explanation


BOWL = (-7.0, 2.0)


@pytest.mark.parametrize("name, make", [
    ("tie", lambda: KINDS["ends_lowest"](Race("bowl", {"sgd": {"lr": 0.5}, "momentum": {"lr": 0.5, "momentum": 0.0}},
                                              BOWL, 30), "t")),
    ("diverged_item", lambda: KINDS["ends_lowest"](Race("bowl", {"sgd": {"lr": 1.5}, "adam": {"lr": 0.1}}, BOWL, 40),
                                                   "d")),
    ("nobody_arrives", lambda: KINDS["first_to_tol"](Race("bowl", {"sgd": {"lr": 0.01}, "adam": {"lr": 0.01}}, BOWL,
                                                          10), "n")),
    ("zigzag_tie", lambda: KINDS["zigzag"](Race("bowl", {"sgd": {"lr": 0.5}, "momentum": {"lr": 0.5, "momentum": 0.0}},
                                                BOWL, 30), "z")),
    ("stays_finite", lambda: KINDS["diverges"](Race("bowl", {"sgd": {"lr": 0.5}}, BOWL, 60), "f")),
    ("diverges_noisy", lambda: KINDS["diverges"](Race("bowl", {"sgd": {"lr": 1.05}}, BOWL, 60, 0.5), "n")),
    ("another_minimum", lambda: KINDS["basin"](Race("himmelblau", {"sgd": {"lr": 0.001}},
                                                    tuple(np.add(SURFACES["himmelblau"].minima[3], 0.05)), 50), "h",
                                               subject="sgd")),
    ("first_step_left_out", lambda: KINDS["first_step"](Race("bowl", {"sgd": {"lr": 0.1}, "adam": {"lr": 0.1},
                                                                       "adagrad": {"lr": 0.1}}, BOWL, 30), "s",
                                                         among=("adam", "adagrad"))),
    ("five_runs", lambda: KINDS["ends_lowest"](Race("bowl", {k: {"lr": 0.1} for k in ("sgd", "adam", "adagrad",
                                                                                      "rmsprop", "nadam")}, BOWL, 20),
                                               "5")),
])
def test_every_branch_speaks_chinese(name, make):
    assert_question_speaks_both(make())


def test_the_lesson_page_questions_speak_chinese():
    for q in (ewma_question(0.98), ewma_question(0.5, "gradient", 1),
              schedules_question("bowl", "sgd", 0.3, 1.0, 60, "cosine"),
              minibatch_question(16, 4, "sgd", 0.1, 2),
              sweep_question("rosenbrock", "momentum", "lr", "momentum", np.geomspace(1e-4, 1e-1, 9), 0.0, 0.99, 100)):
        assert_question_speaks_both(q)
        with i18n.language("zh"):
            assert_chinese(q.try_next, i18n.text(q.try_next_msg, "en"))
        assert q.try_next.startswith("Now try")


def test_chinese_uses_the_course_words():
    q = ewma_question(0.98)
    with i18n.language("zh"):
        assert q.choices[0] == "经过偏差修正的平均" and q.answer == q.choices[0]
    q = KINDS["diverges"](Race("bowl", {"sgd": {"lr": 1.5}}, BOWL, 50), "d")
    with i18n.language("zh"):
        assert q.prompt == "SGD（lr 1.5）会在 50 步内发散吗？"
        assert q.explanation.startswith("会。它在第 19 步发散：此时 |y| 达到 1.05e6，超过了引擎对 |x| 和 |y| 的上限 1e6")
    q = KINDS["zigzag"](Race("bowl", {"sgd": {"lr": 0.9}, "adam": {"lr": 0.1}}, BOWL, 30), "z")
    with i18n.language("zh"):
        assert "“之”字形" in q.prompt and "“之”字形" in q.explanation


def test_english_is_what_it_was():
    race = Race("bowl", {"sgd": {"lr": 0.5}, "momentum": {"lr": 0.5, "momentum": 0.0}}, BOWL, 30)
    q = KINDS["ends_lowest"](race, "t")
    assert q.prompt == "After 30 steps, which run ends with the lowest loss?"
    assert q.choices == ("SGD", "SGD + momentum", "They tie (within 1 %)") and q.answer == "They tie (within 1 %)"
    assert q.explanation.startswith("The two lowest tie within 1 %. Final f − f*: SGD ")
    q = KINDS["first_to_tol"](race.with_(steps=5), "n")
    assert q.explanation == ("No single winner: none gets f − f* below 0.001 within 5 steps. Reached f − f* < 0.001 "
                             "at: SGD never; SGD + momentum never.")
    q = KINDS["first_step"](Race("bowl", {"sgd": {"lr": 0.1}, "adam": {"lr": 0.1}, "adagrad": {"lr": 0.1}}, BOWL, 30),
                            "s", among=("adam", "adagrad"))
    assert q.prompt == ("Compare the very first step of Adam and AdaGrad (SGD is left out: this question compares two "
                        "runs): which is longer?")
    q = KINDS["diverges"](Race("bowl", {"sgd": {"lr": 0.5}}, BOWL, 60), "f")
    assert q.choices == ("Yes: it blows up", "No: it stays finite") and q.explanation.startswith(
        "No. It stays finite and ends at f − f* = ")


# ------------------------------------------------------------------ the other engine sentences


def test_stability_series_and_sweep_tables_follow_the_language():
    from lessons.series import SERIES_KINDS, noisy_series
    from lessons.stability import VERDICTS
    from lessons.sweep_map import METRICS, GridResult, map_metric

    assert dict(VERDICTS) == {"stable": "stable", "edge": "at the edge: oscillates without shrinking",
                              "diverges": "diverges"}
    assert dict(METRICS) == {"final": "final loss f − f*", "steps": "steps to tolerance"}
    assert SERIES_KINDS["temperature"] == "daily temperature over a year (°C)"
    assert noisy_series("gradient", 5)[3] == "gradient component gₜ"
    grid = GridResult(np.ones((2, 2)), np.zeros((2, 2), bool), np.full((2, 2), 3))
    assert map_metric(grid, "final", None).label == "final loss f"
    with i18n.language("zh"):
        assert VERDICTS["edge"] == "在临界点上：来回震荡，幅度不缩小" and VERDICTS.get("diverges") == "发散"
        assert list(VERDICTS) == ["stable", "edge", "diverges"] and "edge" in VERDICTS
        for table in (VERDICTS, METRICS, SERIES_KINDS):
            for key in table:
                with i18n.language("en"):
                    english = table[key]
                assert_chinese(table[key], english)
        assert noisy_series("temperature", 5)[3] == "气温（°C）"
        assert map_metric(grid, "final", 0.0).label == "最终 f − f*"
        assert map_metric(grid, "steps", 0.0).label == "达到容差所需步数"
    with pytest.raises(KeyError):
        VERDICTS["nope"]


def test_the_minibatch_runs_are_named_in_the_readers_language():
    from lessons.minibatch_lesson import batch_sizes, cost_rows, equal_work_runs
    from surfaces.regression import make_regression_surface

    surface = make_regression_surface(12)
    with i18n.language("zh"):
        runs = equal_work_runs(surface, "sgd", {"lr": 0.05}, surface.start, 1, batch=4, seed=0)
    runs = pickle.loads(pickle.dumps(runs))  # the page caches them (st.cache_data) for every session
    assert [r.label for r in runs] == ["Full batch (B = 12)", "Mini-batch (B = 4)", "SGD (B = 1)"]
    assert [name for name, _ in batch_sizes(12, 4)] == [r.label for r in runs]
    assert list(cost_rows(runs, 0.0)) == ["run", "sample-gradients per step", "steps per epoch", "total steps",
                                          "final f − f*", "diverged at step"]
    with i18n.language("zh"):
        assert [r.label for r in runs] == ["全批量（B = 12）", "小批量（B = 4）", "SGD（B = 1）"]
        rows = cost_rows(runs, 0.0)
        assert rows["运行"] == [r.label for r in runs] and rows["总步数"] == [r.total_steps for r in runs]
        for column in rows:
            assert_chinese(column, "")


def test_which_optimizer_speaks_chinese():
    from lessons.choosing import Arrival, cell, surface_sentence, verdict

    found = (Arrival("sgd", 0.5, 1), Arrival("adam", 0.1, 1), Arrival("momentum", 0.2, 40),
             Arrival("adagrad", 0.3, None), Arrival("rmsprop", 0.3, None))
    en = surface_sentence("bowl", found)
    assert en == ("**Elongated bowl:** SGD and Adam arrive first (1 update), the start being one tuned step from a "
                  "minimum; the slowest to arrive is SGD + momentum (40); AdaGrad and RMSprop never get within "
                  "0.001 in 1000.")
    assert verdict({"bowl": found}) == ("SGD arrives first on every surface: across 1 surfaces the first to arrive is "
                                        "SGD on 1; Adam on 1.")
    assert cell(found[3]) == "never in 1000 (lr 0.3)" and cell(found[2]) == "40 (lr 0.2)"
    with i18n.language("zh"):
        for f in (found, found[2:], found[3:]):
            with i18n.language("en"):
                english = surface_sentence("bowl", f)
            zh = surface_sentence("bowl", f)
            assert zh.startswith("**") and "**：" in zh  # bold closes before the full-width colon
            assert_chinese(zh.replace(str(SURFACES["bowl"].label), ""), english.replace("Elongated bowl", ""))
        assert_chinese(verdict({"bowl": found, "saddle": found[2:]}), "")
        assert cell(found[3]) == "1000 次更新内未到达（lr 0.3）"


def test_the_search_sentence_speaks_chinese():
    from lessons.search_compare import SearchComparison, search_sentence

    n = 64
    best = np.concatenate([np.zeros(3), np.full(60, 2.0), np.ones(n - 63)])
    c = SearchComparison(9, 3, np.array([[0.1, 0.9]] * 9), np.ones(9), np.zeros((n, 9, 2)),
                         np.tile(best[:, None], (1, 9)), True)
    en = search_sentence(c, "lr", "momentum")
    assert en.startswith("With 9 runs, the 3 × 3 grid tries 3 values of each hyperparameter and its best setting "
                         "(lr = 0.1, momentum = 0.9) ends at f − f* = 1; 9 random samples try 9 values of each.")
    assert "found a better setting 3 times, a worse one 60 times and an equal one once (its median best" in en
    with i18n.language("zh"):
        zh = search_sentence(c, "lr", "momentum")
    assert_chinese(zh.replace("momentum", ""), en.replace("momentum", ""))
    assert "3 次" in zh and "60 次" in zh and "1 次" in zh


def test_a_question_computed_in_one_language_is_not_frozen_in_it():
    """ui/predict.py caches questions for every session (an LRU and st.cache_data): no text inside."""
    race = Race("bowl", {"sgd": {"lr": 0.9}, "adam": {"lr": 0.1}}, BOWL, 30)
    with i18n.language("zh"):
        q = KINDS["zigzag"](race, "z")
        zh = q.explanation
    assert q.explanation != zh and not CJK.search(q.explanation)
    assert all(not isinstance(v, str) or not CJK.search(v) for v in (q.prompt_msg, q.explanation_msg))
    assert hash(q) == hash(KINDS["zigzag"](race, "z"))
