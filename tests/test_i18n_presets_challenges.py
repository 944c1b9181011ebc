"""Lesson presets, challenge cards and Tune's report in Chinese (and unchanged in English).

The presets and cards are built once per process, at import; the language is per session. So
their words are written when read (properties over the catalogs), and the engine's sentences
(verdicts, Tune's reasons) are kept as `Msg` values that each session writes in its own
language: a result computed for one visitor reads correctly for the next one in another.
"""

from __future__ import annotations

import re
import tomllib

import numpy as np
import pytest

import i18n
from i18n.catalog import ROOT as CATALOG_ROOT
from lessons.challenges import CHALLENGES, CHALLENGES_BY_KEY, share_query, values_from_query
from lessons.presets import PRESETS, PRESETS_BY_KEY
from lessons.tuning import tune_learning_rate
from optimizers import OPTIMIZERS
from surfaces import SURFACES

GLOSSARY = tomllib.loads((CATALOG_ROOT / "glossary.toml").read_text(encoding="utf-8"))["term"]
#: Latin-letter words a Chinese sentence may keep: optimizer, scheduler and surface names,
#: symbols of the formulas and the book's file name.
NAMES = {"SGD", "Momentum", "Nesterov", "AdaGrad", "RMSProp", "RMSprop", "Adam", "Rosenbrock", "PyTorch", "torch",
         "Hessian", "optimizer_compare_naive", "py", "lr", "lr_t", "eff", "max", "best", "nan", "inf"}
_CJK = re.compile(r"[\u4e00-\u9fff]")
_WORD = re.compile(r"[A-Za-z_]{2,}")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*(?:e-\d+)?")


def _without_labels(text: str) -> str:
    """``text`` without the engine's optimizer labels (its own words, translated or not)."""
    for lang in i18n.LANGUAGES:  # longest first: "SGD + momentum" before "SGD"
        with i18n.language(lang):
            labels = sorted((str(o.label) for o in OPTIMIZERS.values()), key=len, reverse=True)
        for label in labels:
            text = text.replace(label, "")
    return text


def _english_words(text: str) -> set[str]:
    """Latin-letter words of ``text`` that are not names or symbols (an English sentence left over)."""
    return {w for w in _WORD.findall(_without_labels(text)) if w not in NAMES}


def _is_chinese(text: str) -> None:
    assert _CJK.search(text), text
    assert not _english_words(text), (_english_words(text), text)


def _uses_glossary(english: str, chinese: str) -> None:
    english = _without_labels(english)
    for term in GLOSSARY:
        if re.search(term["en"], english, re.I):
            words = [term["zh"], *term.get("zh_also", ())]
            assert any(w in chinese for w in words), (term["zh"], chinese)


# ------------------------------------------------------------------------------------ presets


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.key)
def test_every_preset_speaks_chinese(preset):
    parts = ("title", "watch", "summary")
    english = {p: getattr(preset, p) for p in parts} | {"try_next": f"{preset.question.try_next}"}
    with i18n.language("zh"):
        chinese = {p: getattr(preset, p) for p in parts} | {"try_next": f"{preset.question.try_next}"}
    for part in english:
        assert chinese[part] != english[part], part
        _is_chinese(chinese[part])
        _uses_glossary(english[part], chinese[part])
        assert "。" in chinese[part] or part == "title", chinese[part]  # full-width punctuation


def _texts(item, parts):
    return [f"{getattr(item, p)}" for p in parts]


def test_every_number_is_stated_in_chinese_too():
    """Every number a lesson or card states is stated in Chinese too (the claims tests read English)."""
    items = [(p, ("title", "watch", "summary")) for p in PRESETS] + [(c, ("title", "goal", "hint")) for c in CHALLENGES]
    for item, parts in items:
        english = _texts(item, parts)
        with i18n.language("zh"):
            chinese = _texts(item, parts)
        for en, zh in zip(english, chinese):
            missing = [n for n in _NUMBER.findall(en) if n not in zh]
            assert not missing, (item.key, missing, zh)
    for preset in PRESETS:
        with i18n.language("zh"):
            zh = f"{preset.question.try_next}"
        assert all(n in zh for n in _NUMBER.findall(f"{preset.question.try_next}")), (preset.key, zh)


def test_the_english_presets_are_unchanged():
    momentum = PRESETS_BY_KEY["momentum"]
    assert momentum.title == "Zig-zag versus momentum"
    assert momentum.summary.startswith("SGD, already near its largest stable step, zig-zags in y")
    assert "277 times lower" in momentum.watch
    assert "Now try SGD's lr at 0.95, just below 1" in PRESETS_BY_KEY["too_large"].question.try_next


def test_the_glossary_words_of_the_lessons():
    with i18n.language("zh"):
        assert "“之”字形" in PRESETS_BY_KEY["momentum"].title and "动量" in PRESETS_BY_KEY["momentum"].title
        assert "鞍点" in PRESETS_BY_KEY["saddle"].title
        assert "学习率" in PRESETS_BY_KEY["too_large"].title and "发散" in PRESETS_BY_KEY["too_large"].title
        assert "偏差修正" in PRESETS_BY_KEY["adam_bias"].title


def test_a_question_computed_in_one_language_reads_in_the_other():
    """Questions are cached for every session (ui.predict): the suggestion is written when shown."""
    q = PRESETS_BY_KEY["rosenbrock"].question_at()
    with i18n.language("zh"):
        assert "0.001" in q.try_next and "学习率" in f"{q.try_next}"
    assert "SGD's learning rate at 0.001" in f"{q.try_next}"


# ------------------------------------------------------------------------------------ challenges


@pytest.mark.parametrize("card", CHALLENGES, ids=lambda c: c.key)
def test_every_card_speaks_chinese(card):
    english = {"title": card.title, "goal": card.goal, "hint": card.hint}
    start, solved = card.check({}), card.check(dict(card.solution))
    with i18n.language("zh"):
        chinese = {"title": card.title, "goal": card.goal, "hint": card.hint}
        verdicts = (start.message, solved.message)
    for part in english:
        assert chinese[part] != english[part]
        _is_chinese(chinese[part])
        _uses_glossary(english[part], chinese[part])
    for en, zh in zip((start.message, solved.message), verdicts):
        assert zh != en
        _is_chinese(zh)
        _uses_glossary(en, zh)
        assert set(_NUMBER.findall(en)) == set(_NUMBER.findall(zh)), (en, zh)  # the same numbers


def test_the_seed_count_is_a_number_in_the_goal():
    card = CHALLENGES_BY_KEY["noise_ball"]
    assert "over 64 seeded runs" in card.goal
    with i18n.language("zh"):
        assert "64 次" in card.goal


def test_verdicts_with_divergence_and_stability_notes_in_chinese():
    card = CHALLENGES_BY_KEY["sgd_beats_adam"]
    past = card.check({"sgd.lr": 1.5})
    edge = card.check({"sgd.lr": 1.0})
    assert "past its stability limit on this surface (1)" in past.message
    with i18n.language("zh"):
        assert "稳定界限（1）" in past.message and "还没有胜出" in past.message
        assert "恰好等于它在这个曲面上的稳定界限" in edge.message
        _is_chinese(past.message)
    momentum = CHALLENGES_BY_KEY["momentum_fast"]
    blown = momentum.check({"momentum.lr": 3.0, "momentum.momentum": 0.9})
    assert "∞ (diverged)" in blown.message or "diverged at step" in blown.message
    with i18n.language("zh"):
        assert "发散" in blown.message and "diverged" not in blown.message


def test_an_unusable_link_value_is_explained_in_chinese():
    card = CHALLENGES_BY_KEY["sgd_beats_adam"]
    values, notices = values_from_query({"sgd.lr": "banana"}, card)
    assert values == {} and notices == ["sgd.lr='banana' is not usable here; starting from 0.001."] or \
        notices[0].endswith("is not usable here; starting from 0.001.")
    with i18n.language("zh"):
        _, notices = values_from_query({"sgd.lr": "banana"}, card)
    assert notices[0].endswith("在这里不可用；从 0.001 开始。")


def test_share_query_takes_extra_link_keys():
    card = CHALLENGES_BY_KEY["adam_saddle"]
    plain = share_query(card.race, card)
    with_lang = share_query(card.race, card, {"lang": "zh"})
    assert list(plain)[0] == "challenge" and with_lang == {**plain, "lang": "zh"}
    assert share_query(card.race) == share_query(card.race, extra=None)


# ------------------------------------------------------------------------------------ Tune


def _races():
    bowl, rosen = SURFACES["bowl"], SURFACES["rosenbrock"]
    return {
        "bowl": tune_learning_rate(bowl, "sgd", {}, bowl.start, 100),
        "noisy rosenbrock": tune_learning_rate(rosen, "momentum", {}, rosen.start, 200, noise=1.0,
                                               lr_grid=np.logspace(-4, -1, 7)),
    }


def test_tunes_report_in_chinese_for_two_races():
    results = _races()
    for name, res in results.items():
        english = (res.reason, res.ranking_rule(), str(res.reason_detail))
        with i18n.language("zh"):
            chinese = (res.reason, res.ranking_rule(), str(res.reason_detail))
        for en, zh in zip(english, chinese):
            assert en != zh, name
            _is_chinese(zh)
            _uses_glossary(en, zh)
        assert chinese[0].startswith(f"lr = {i18n.short_number(res.best_lr, 2)}：")
        assert chinese[0].endswith(chinese[2])
        assert "学习率" in chinese[0]
    noisy = results["noisy rosenbrock"]
    with i18n.language("zh"):
        assert "32 条噪声流" in noisy.ranking_rule() and "中位数" in noisy.reason


def test_tunes_report_in_english_is_unchanged():
    bowl = _races()["bowl"]
    assert bowl.reason == ("lr = 0.75: lowest final f − f* = 4.2e-7 among 41 rates from 0.0001 to 10; next best "
                           "lr = 0.56 with 2.3e-5, 55× the pick's; it is first within 1e-6 of f* at step 95; "
                           "rates from 1.3 up diverged")
    assert bowl.ranking_rule() == (
        "The lowest final loss wins, compared as the gap f − f* to the minimum (f* = 0), not as f: rates whose gap "
        "is within 1% of the lowest gap (plus 1e-12 for round-off) tie, and a tie goes to the rate that first gets "
        "within 1e-6 of f*, or to the smallest tied rate if none of them gets there.")
    assert str(bowl.reason_detail) == bowl.reason.removeprefix("lr = 0.75: ")


def test_an_all_diverged_sweep_in_both_languages():
    bowl = SURFACES["bowl"]
    res = tune_learning_rate(bowl, "sgd", {}, bowl.start, 100, lr_grid=[5.0, 8.0, 10.0])
    assert not res.found
    assert res.reason == "every one of 3 rates from 5 to 10 diverged; falling back to the smallest, lr = 5"
    assert str(res.reason_detail) == "every one of 3 rates from 5 to 10 diverged"
    with i18n.language("zh"):
        assert res.reason == "5 到 10 之间的 3 个学习率全部发散；退而使用其中最小的 lr = 5"
        assert str(res.reason_detail) == "5 到 10 之间的 3 个学习率全部发散"


def test_a_cached_sweep_serves_both_languages():
    """Sweeps are cached across sessions (ui.simulation.TUNES): one result, two readers."""
    with i18n.language("zh"):
        res = _races()["bowl"]
        chinese = res.reason
    assert res.reason.startswith("lr = 0.75: lowest final f − f*")
    with i18n.language("zh"):
        assert res.reason == chinese
