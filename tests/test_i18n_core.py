"""The numerical core in Chinese: optimizers, schedules, surfaces, formulas, races and links.

The registries (``OPTIMIZERS``, ``SCHEDULES``, ``SURFACES``) are built once per process, but
every text they hold is written when it is read, in the reader's language: the same object reads
in Chinese inside ``i18n.language("zh")`` and in English outside it. Chinese texts use the
course's terms (学习率, 动量系数, 权重衰减 ...) and leave no English phrase behind (names such as
SGD, Adam, StepLR, Rosenbrock and the mathematics aside); English is what it always was.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

import i18n
from lessons.race import Race
from optimizers import MOMENTUM_CONVENTIONS, OPTIMIZERS, SCHEDULES, make_schedule
from surfaces import SURFACES, from_expression, make_rotated_quadratic, validate_expression
from ui.url_state import parse_query

#: Written the same in both languages: PyTorch's and people's names, code words, units.
_NAMES = re.compile(r"""\b(?:
    SGD|Adam|AdamW|NAdam|Adamax|AdaGrad|Adagrad|RMSProp|RMSprop|Nesterov|PyTorch|torch|ResNet|Transformer|
    StepLR|MultiStepLR|ExponentialLR|CosineAnnealingLR|LambdaLR|LinearLR|SequentialLR|Robbins-Monro|SymPy|Hessian|
    EMA|JSON|Rosenbrock|Beale|Himmelblau|Rastrigin|Goldstein|Price|Booth|Sutskever|CS231n|
    lr|eps|alpha|betas?|momentum|weight_decay|momentum_decay|lr_decay|eta_min|step_size|gamma|milestones|
    surface|custom|formula|clouds|noise|steps|seed|clip|view|mode|preset|opt|sched|
    x|y|f|g|t|k|e|pi|sin|cos|tan|exp|log|sqrt|abs|tanh|sinh|cosh|xmin|xmax|ymin|ymax|zoo|inf|nan
)\b""", re.X)
_MATH = re.compile(r"\$\$.*?\$\$|\$[^$]*\$|\\[a-zA-Z]+|`[^`]*`|\b\w+=[\w.\-]+|\b[a-z_]+\.[a-z_.]+\b", re.S)
_PHRASE = re.compile(r"[A-Za-z][A-Za-z’'-]*[a-z](?:[ ,]+[A-Za-z][A-Za-z’'-]*[a-z])+")
_CJK = re.compile(r"[\u4e00-\u9fff]")


#: Registry keys, which links and messages quote as they are (sgd, adam, bowl, step ...).
_KEYS = re.compile(r"\b(?:" + "|".join(sorted({*OPTIMIZERS, *SCHEDULES, *SURFACES}, key=len, reverse=True)) + r")\b")


def untranslated(text: str) -> list[str]:
    """English phrases of two or more words left once names, keys and mathematics are set aside."""
    return _PHRASE.findall(_KEYS.sub(" ", _NAMES.sub(" ", _MATH.sub(" ", str(text)))))


def assert_chinese(text: str, *terms: str) -> None:
    assert _CJK.search(str(text)), text
    assert not untranslated(text), (untranslated(text), text)
    for term in terms:
        assert term in str(text), (term, text)


def zh(fn):
    with i18n.language("zh"):
        return fn()


@pytest.fixture(autouse=True)
def _strict():
    i18n.STRICT, before = True, i18n.STRICT  # a missing key is an error here, not an English fallback
    yield
    i18n.STRICT = before


# ------------------------------------------------------------------------------- optimizers

#: The course's word for each hyperparameter's help (the glossary's terms).
HYPER_TERMS = {"lr": "学习率", "momentum": "动量", "weight_decay": "权重衰减", "beta1": "指数加权平均",
               "momentum_decay": "动量"}


@pytest.mark.parametrize("key", list(OPTIMIZERS))
def test_every_hyperparameter_help_reads_in_chinese(key):
    for spec in OPTIMIZERS[key].hypers:
        with i18n.language("zh"):
            assert_chinese(spec.help, *[HYPER_TERMS[spec.key]] if spec.key in HYPER_TERMS else [])
            assert_chinese(spec.default_text(), "默认值")
        assert not _CJK.search(spec.help) and not _CJK.search(spec.default_text())


def test_momentum_help_names_the_momentum_coefficient():
    for key in ("momentum", "nesterov"):
        assert "动量系数" in zh(lambda: OPTIMIZERS[key].spec("momentum").help)
    assert "动量" in zh(lambda: OPTIMIZERS["rmsprop"].spec("momentum").help)


@pytest.mark.parametrize("key", list(OPTIMIZERS))
def test_every_optimizer_note_label_and_state_name_reads_in_chinese(key):
    opt = OPTIMIZERS[key]
    with i18n.language("zh"):
        assert_chinese(opt.note)
        assert all(_CJK.search(name) for name in opt.state_names.values()), opt.state_names
        assert not untranslated(opt.label), opt.label
    assert not _CJK.search(opt.note) and not _CJK.search(opt.label)


def test_descriptive_optimizer_names_use_the_glossary_and_proper_names_stay():
    assert zh(lambda: OPTIMIZERS["nesterov"].label) == "Nesterov 动量"
    assert zh(lambda: OPTIMIZERS["momentum"].label) == "SGD + 动量"
    assert "偏差修正" in zh(lambda: OPTIMIZERS["adam_nobias"].label)
    for key in ("sgd", "adam", "adamw", "rmsprop", "nadam", "adamax"):
        assert zh(lambda: OPTIMIZERS[key].label) == OPTIMIZERS[key].label
    assert zh(lambda: OPTIMIZERS["adam"].state_names) == {"exp_avg": "一阶矩 m", "exp_avg_sq": "二阶矩 v"}
    assert "偏差修正" in zh(lambda: OPTIMIZERS["adam_nobias"].torch)
    assert "“之”字形" in zh(lambda: OPTIMIZERS["sgd"].note) and "发散" in zh(lambda: OPTIMIZERS["sgd"].note)
    assert "震荡" in zh(lambda: OPTIMIZERS["momentum"].note)


def test_the_momentum_note_says_which_form_the_app_uses():
    text = zh(lambda: str(MOMENTUM_CONVENTIONS))
    assert "本应用采用 PyTorch 的写法" in text
    assert r"$v \leftarrow \mu v + g$，$\theta \leftarrow \theta - \eta v$" in text
    for form in (r"\beta v + (1-\beta) g", r"\alpha v - \eta g", r"\mu v - \alpha \nabla J"):  # the notes' three
        assert form in text
    assert "动量系数" in text and "学习率" in text and "指数加权平均" in text
    assert_chinese(text)
    md = text.replace(" ", "").replace("\\,", "")
    assert "v'=-\\eta" in md and "\\eta_\\text{torch}=\\eta(1-\\beta)" in md  # the same two equivalences
    assert str(MOMENTUM_CONVENTIONS).startswith("**Three ways to write momentum, one method.**")


def test_explanations_and_limits_read_in_chinese():
    import numpy as np

    from lessons.stability import stability_limit

    for key, word in (("nesterov", "课程的写法"), ("adam_nobias", "无偏差修正")):
        opt = OPTIMIZERS[key]
        state = opt.init(np.zeros((1, 2)))
        lines = zh(lambda: opt.explain(np.array([1.0, 2.0]), np.array([0.5, -0.3]), state, opt.resolve({}), 1).lines)
        assert any(word in line for line in lines), lines
    assert "课程的写法" in zh(lambda: OPTIMIZERS["nesterov"].latex)
    assert r"\text{torch (the path plots } \theta\text{):}" in OPTIMIZERS["nesterov"].latex
    limit = zh(lambda: stability_limit(OPTIMIZERS["momentum"], {"weight_decay": 0.1}, 2.0))
    assert "权重衰减 0.1" in limit.value_text


def test_a_bad_hyperparameter_is_named_in_chinese():
    with pytest.raises(ValueError, match="beta1 必须在"):
        zh(lambda: OPTIMIZERS["adam"].resolve({"beta1": 1.0}))
    with pytest.raises(ValueError, match="没有超参数 'learning_rate'"):
        zh(lambda: OPTIMIZERS["sgd"].resolve({"learning_rate": 0.1}))


# -------------------------------------------------------------------------------- schedules


@pytest.mark.parametrize("key", list(SCHEDULES))
def test_every_schedule_reads_in_chinese(key):
    spec = SCHEDULES[key]
    with i18n.language("zh"):
        assert_chinese(spec.label)
        assert_chinese(spec.note)
        for p in spec.params:
            assert_chinese(p.help)
        if key in ("constant", "inverse_time"):  # the two whose PyTorch line has words in it
            assert _CJK.search(spec.torch), spec.torch
    assert not _CJK.search(spec.label + spec.note + spec.torch)


def test_schedule_texts_use_the_glossary():
    assert "学习率" in zh(lambda: SCHEDULES["step"].params[1].help)
    assert "收敛" in zh(lambda: SCHEDULES["inverse_time"].note)
    assert zh(lambda: SCHEDULES["cosine"].label) == "余弦退火"
    with pytest.raises(ValueError, match="未知的学习率调度"):
        zh(lambda: make_schedule("nope"))


# --------------------------------------------------------------------------------- surfaces


@pytest.mark.parametrize("key", list(SURFACES))
def test_every_surface_description_reads_in_chinese(key):
    surface = SURFACES[key]
    with i18n.language("zh"):
        assert_chinese(surface.note)
        assert not untranslated(surface.label), surface.label
        assert all(not untranslated(title) for title in surface.axis_titles)
    assert not _CJK.search(surface.note + surface.label)


def test_descriptive_surface_names_are_translated_and_proper_names_stay():
    assert zh(lambda: SURFACES["saddle"].label) == "鞍点"
    assert zh(lambda: SURFACES["bowl"].label) == "狭长碗形"
    assert zh(lambda: SURFACES["rosenbrock"].label) == "Rosenbrock 山谷"
    for key in ("beale", "himmelblau", "rastrigin", "booth", "goldstein_price"):
        assert zh(lambda: SURFACES[key].label) == SURFACES[key].label
    assert "鞍点" in zh(lambda: SURFACES["saddle"].note) and "平原区" in zh(lambda: SURFACES["saddle"].note)
    assert "局部极小值" in zh(lambda: SURFACES["rastrigin"].note)
    assert "小批量" in zh(lambda: SURFACES["regression"].note)
    assert zh(lambda: SURFACES["regression"].axis_titles) == ("斜率 w", "截距 b")


def test_made_surfaces_read_in_the_current_language_with_their_numbers():
    rotated = make_rotated_quadratic(7, 30, 2)  # cached: one object for every session
    assert zh(lambda: rotated.label) == "旋转的二次函数（κ=7，θ=30°）"
    assert "条件数 κ = 7" in zh(lambda: rotated.note)
    assert rotated.label == "Rotated quadratic (κ=7, θ=30°)"
    custom = from_expression("x^2 + y^2")
    assert zh(lambda: custom.label) == "自定义：x^2 + y^2"
    assert_chinese(zh(lambda: custom.note), "局部极小值")
    assert custom.label == "Custom: x^2 + y^2"


def test_one_object_speaks_every_readers_language():
    bowl = SURFACES["bowl"]
    english = bowl.note
    assert zh(lambda: bowl.note) != english and bowl.note == english and zh(lambda: bowl.note) == zh(lambda: bowl.note)
    copy = dataclasses.replace(bowl, start=(1.0, 1.0))  # a copy keeps the Msg, not this language's text
    assert zh(lambda: copy.note) == zh(lambda: bowl.note) and copy.note == english
    momentum = dataclasses.replace(OPTIMIZERS["momentum"], key="momentum2")
    assert zh(lambda: momentum.label) == "SGD + 动量" and momentum.label == "SGD + momentum"


# --------------------------------------------------------------------------------- formulas

BAD_FORMULAS = ("", "x^2 + foo", "2x + y", "x+(", "x // y", "sin(x, y)", "x/0", "y(2)", "[x]", "x**1000", "1 + 2",
                "x = y")


@pytest.mark.parametrize("formula", BAD_FORMULAS)
def test_a_bad_formula_is_explained_in_chinese(formula):
    with pytest.raises(ValueError) as english:
        from_expression(formula)
    with i18n.language("zh"), pytest.raises(ValueError) as chinese:
        from_expression(formula)
    assert_chinese(str(chinese.value))
    assert not _CJK.search(str(english.value))


def test_formula_messages_keep_their_english():
    with pytest.raises(ValueError, match=r"^Unknown name 'foo': only x, y, pi, e, numbers"):
        validate_expression("x + foo")
    with pytest.raises(ValueError, match=r"Write multiplication explicitly, e\.g\. 2\*x"):
        validate_expression("2x")
    with i18n.language("zh"), pytest.raises(ValueError, match="请把乘法写出来"):
        validate_expression("2x")


# ------------------------------------------------------------------------------ races, links


def test_a_race_that_cannot_run_says_why_in_chinese_naming_the_field_as_shown():
    base = dict(surface="bowl", optimizers=["sgd"], start=(1, 1), steps=10)
    for change, word in ((dict(steps=0), "步数"), (dict(noise=-1), "梯度噪声"), (dict(surface="nope"), "未知的曲面"),
                         (dict(optimizers=["sgd", "sgd"]), "出现了两次"), (dict(schedule="nope"), "学习率调度")):
        with i18n.language("zh"), pytest.raises(ValueError) as err:
            Race(**{**base, **change})
        assert word in str(err.value) and not untranslated(str(err.value)), str(err.value)
    with pytest.raises(ValueError, match="^steps must be between 1 and 5000, got 0$"):
        Race(**{**base, "steps": 0})


def test_the_race_description_reads_in_chinese():
    race = Race(surface="saddle", optimizers=["momentum"], start=(1, 1), steps=10, noise=0.5, schedule="step", clip=2)
    lines = dict(zh(race.describe))
    assert lines["曲面"] == "鞍点" and lines["学习率调度"].startswith("阶梯衰减") and "SGD + 动量" in lines
    assert dict(race.describe())["Surface"] == "Saddle point"


BAD_LINKS = ({"steps": "abc"}, {"steps": "2.5"}, {"steps": "99999"}, {"ghost": "maybe"}, {"view": "nope"},
             {"surface": "custom", "formula": "x+"}, {"surface": "custom", "xmin": "3", "xmax": "1"}, {"formula": "x"},
             {"surface": "zzz"}, {"opt": ""}, {"opt": "zz"}, {"opt": "sgd", "sgd.foo": "1"}, {"nope.lr": "1"},
             {"sched": "zz"}, {"sched": "step", "sched.zz": "1"}, {"clouds": "20", "noise": "0.5"}, {"clouds": "32"},
             {"preset": "zz"}, {"blah": "1"}, {"surface": "custom", "formula": "1/(x-x)"})


@pytest.mark.parametrize("query", BAD_LINKS, ids=lambda q: "&".join(f"{k}={v}" for k, v in q.items()))
def test_a_bad_link_is_told_in_chinese(query):
    english = parse_query(query)[1]
    notices = zh(lambda: parse_query(query)[1])
    assert notices and len(notices) == len(english)
    for notice in notices:
        assert_chinese(notice)
    assert not any(_CJK.search(n) for n in english)


def test_link_notices_keep_their_english_and_numbers():
    assert parse_query({"steps": "99999"})[1] == ["steps=99999 is outside [1, 5000]; using 5000."]
    assert zh(lambda: parse_query({"steps": "99999"})[1]) == ["steps=99999 超出了 [1, 5000]；改用 5000。"]
    assert parse_query({"preset": "zz"})[1] == ["Unknown lesson zz; showing the default."]
