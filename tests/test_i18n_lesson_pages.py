"""The four lesson pages (moving averages, schedules, mini-batch, hyperparameter map) in Chinese.

Each page runs through app.py, as a visitor reaches it, with ``?lang=zh``: its title, controls,
texts and figures speak Chinese in the course's terms, and none of the pages' own English
sentences (the English templates of their catalog areas) is left on screen. With ``lang=en``
the pages say what they always said. Switching the language keeps every control's value.
"""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import i18n
from i18n.catalog import catalog

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TIMEOUT = 120
#: The catalog areas of these pages and their figures.
AREAS = ("page_ewma", "page_schedules", "page_minibatch", "page_sweep", "ui_lesson_common", "viz_lessons")
#: Small maps and runs keep the pages quick.
QUERY = {"ewma": {}, "schedules": {"sched_steps": "200"}, "minibatch": {"mb_epochs": "3"},
         "sweep": {"sw_n": "20", "sw_steps": "100"}}
#: (title, words the page must show in Chinese) per page.
CHINESE = {
    "ewma": ("指数加权平均", ("偏差修正", "有效窗口", "随机种子", "计算方法")),
    "schedules": ("学习率调度", ("噪声球", "基础学习率", "梯度噪声", "学习率衰减")),
    "minibatch": ("批量、小批量与随机梯度下降", ("批大小", "小批量", "轮数", "样本梯度")),
    "sweep": ("超参数图", ("横轴", "纵轴", "发散", "网格搜索还是随机搜索")),
}


def _page(name: str, lang: str | None, **extra: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in {**QUERY[name], **extra}.items():
        at.query_params[key] = value
    if lang is not None:
        at.query_params["lang"] = lang
    at.switch_page(f"pages/{name}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _labels(at: AppTest) -> list[str]:
    kinds = ("slider", "select_slider", "selectbox", "number_input", "radio", "button", "expander", "metric")
    return [str(w.label) for kind in kinds for w in getattr(at, kind)]


#: Texts on these pages that other modules write (the predict-first box: ui/predict.py and
#: lessons/questions.py); their own tests hold them to the language.
OTHERS = ("**Predict first:**",)


def _texts(at: AppTest) -> list[str]:
    kinds = ("title", "subheader", "markdown", "caption", "info", "warning")
    texts = [str(e.value) for kind in kinds for e in getattr(at, kind)] + _labels(at)
    return [text for text in texts if not text.startswith(OTHERS)]


def _figures(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def _figure_words(fig: dict) -> list[str]:
    """A figure's visible words: its title, axis titles, legend names and annotations."""
    layout = fig.get("layout", {})
    words = [(layout.get("title") or {}).get("text", "")]
    words += [(v.get("title") or {}).get("text", "") for k, v in layout.items()
              if k.startswith(("xaxis", "yaxis")) and isinstance(v, dict)]
    words += [a.get("text", "") for a in layout.get("annotations", [])]
    words += [tr.get("name", "") for tr in fig.get("data", []) if tr.get("showlegend", True)]
    return [w for w in words if w]


def _english_fragments() -> set[str]:
    """The fixed English parts of these pages' templates (between placeholders), long enough to
    be a phrase: none of them may be on a Chinese page."""
    out = set()
    for key, text in catalog("en").items():
        if key.split(".")[0] not in AREAS:
            continue
        for literal, *_ in string.Formatter().parse(text):
            for part in re.split(r"\$[^$]*\$|\n", literal):
                part = part.strip(" *.,;:()")
                if len(part) >= 12 and re.search(r"[a-z]{3,} [a-z]{2,}", part):
                    out.add(part)
    return out


@pytest.mark.parametrize("name", list(CHINESE))
def test_a_lesson_page_speaks_chinese(name):
    at = _page(name, "zh")
    title, words = CHINESE[name]
    assert at.title[0].value == title
    shown = "\n".join(_texts(at))
    for word in words:
        assert word in shown, word
    assert "**试一试**" in shown  # the lesson says what to try, in Chinese
    left = sorted(f for f in _english_fragments() if f in shown)
    assert not left, left
    for fig in _figures(at):  # the figures too: titles, axes, legends
        for word in _figure_words(fig):
            assert not any(f in word for f in _english_fragments()), word


@pytest.mark.parametrize("name", list(CHINESE))
def test_a_lesson_page_in_english_is_unchanged(name):
    at = _page(name, "en")
    shown = "\n".join(_texts(at))
    assert "Try:" in shown and "Notice:" in shown
    assert not re.search(r"[\u4e00-\u9fff]", "\n".join(t for t in _texts(at) if "中文" not in t))
    assert at.title[0].value == i18n.t(f"page_{name}.title", "en")


def test_the_moving_average_page_fills_its_numbers_into_the_chinese_sentences():
    at = _page("ewma", "zh", ewma_beta="0.9")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["有效窗口 1/(1−β)"] == "10 步"
    notice = next(m.value for m in at.markdown if "**注意**" in m.value)
    assert "经过 1/(1−β) = 10 步，它只达到该值的 65.1%" in notice
    recipe = " ".join(m.value for m in at.markdown)
    assert f"**{0.9 ** 10:.3f}** 倍，接近 1/e" in recipe
    assert "v_{t-1}" in recipe and "{{" not in recipe  # the LaTeX braces are written once
    assert "阴影部分是前 1/(1−β) = 10 步" in at.caption[-1].value


def test_the_sweep_caption_in_chinese_counts_the_runs():
    at = _page("sweep", "zh")
    caption = next(c.value for c in at.caption if "次运行发散" in c.value)
    assert caption.startswith("20 × 20 = 400 次运行")
    assert re.search(r"其中 \d+ 次运行发散（\d+%）", caption)
    assert any(h.value.endswith("时的运行") for h in at.subheader)


def test_switching_the_language_keeps_every_control():
    """A label changes with the language; the value under it does not."""
    at = _page("ewma", "en")
    at.slider(key="ewma_beta").set_value(0.9).run()
    at.selectbox(key="ewma_series").set_value("gradient").run()
    at.number_input(key="ewma_seed").set_value(3).run()
    at.session_state["lang"] = "zh"  # the sidebar's switch
    at.run()
    assert not at.exception
    assert at.title[0].value == "指数加权平均"
    assert at.slider(key="ewma_beta").value == pytest.approx(0.9)
    assert at.selectbox(key="ewma_series").value == "gradient"
    assert at.number_input(key="ewma_seed").value == 3
    assert at.slider(key="ewma_beta").label == "β（旧的平均值保留多少）"


def test_the_minibatch_options_stay_keys_in_both_languages():
    at = _page("minibatch", "zh", mb_sched="step", mb_sched_by="epoch")
    radio = at.radio(key="mb_sched_by")
    assert radio.value == "epoch" and list(radio.options) == [
        i18n.t("page_minibatch.step_by.update", "zh"), i18n.t("page_minibatch.step_by.epoch", "zh")]
    assert any(c.value == "t 按轮计。" for c in at.sidebar.caption)
    heading = next(m.value for m in at.markdown if "每轮的工作量相同" in m.value)
    assert "（64 个样本梯度）" in heading


# ------------------------------------------------------------------------ figures, called bare


def test_lesson_figures_take_their_words_from_the_current_language():
    from lessons.averages import ewma
    from lessons.series import noisy_series
    from viz.lessons import (cloud_loss_figure, ewma_figure, ewma_weights_figure, loss_curves_figure,
                             regression_data_figure, schedule_figure, sweep_heatmap)

    days, obs, truth, _ = noisy_series("temperature", 120, 0)
    raw, corr = ewma(obs, 0.9), ewma(obs, 0.9, bias_correction=True)
    with i18n.language("zh"):
        fig = ewma_figure(days, obs, raw, corr, 0.9, truth=truth)
        weights = ewma_weights_figure(0.9)
        sched = schedule_figure({"a": (np.arange(1, 5), np.ones(4))})
        loss = loss_curves_figure({"r": (np.arange(3), np.ones(3))})
        data = regression_data_figure(np.arange(3.0), np.arange(3.0), {"fit": (1.0, 0.0)}, truth=(1.0, 0.0))
        xs = np.geomspace(1e-3, 1, 5)
        div = np.zeros((5, 5), bool)
        div[:, -1] = True
        heat = sweep_heatmap(xs, xs, np.ones((5, 5)), div, x_label="lr", y_label="momentum", x_log=True,
                             selected=(1, 1), not_reached=np.eye(5, dtype=bool))
    assert fig.layout.title.text == "指数加权平均，β = 0.9"
    assert {a.text for a in fig.layout.annotations} >= {"不做偏差修正<br>vₜ = β·vₜ₋₁ + (1−β)·θₜ",
                                                       "做偏差修正<br>vₜ / (1 − βᵗ)", "有效窗口 ≈ 1/(1−β) = 10 步"}
    assert {tr.name for tr in fig.data} >= {"指数加权平均（未修正）", "指数加权平均（偏差修正后）", "真实信号", "观测值 θₜ"}
    assert fig.layout.xaxis.title.text == "第 t 步"
    assert weights.layout.xaxis.title.text == "往前数 k 步" and "最近 10 步" in weights.layout.title.text
    assert any("≈ 1/e" in str(a.text) and "是当天的" in str(a.text) for a in weights.layout.annotations)
    assert sched.layout.title.text == "学习率调度" and sched.layout.yaxis.title.text == "学习率 ηₜ"
    assert (loss.layout.xaxis.title.text, loss.layout.yaxis.title.text) == ("步数", "损失")
    assert data.layout.title.text == "数据与拟合出的直线" and data.data[0].name == "数据 (xᵢ, yᵢ)"
    names = {tr.name for tr in heat.data}
    assert {"从未达到容差", "发散（5 格）", "选中的运行"} <= names
    assert heat.layout.xaxis.title.text == "lr（对数）" and heat.layout.title.text == "最终损失：lr × momentum"
    # the same calls outside the block speak English again
    assert ewma_figure(days, obs, raw, corr, 0.9).layout.title.text == "Exponentially weighted average, β = 0.9"


def test_noise_cloud_and_tuning_figures_in_chinese():
    from lessons.tuning import noise_cloud, tune_learning_rate
    from surfaces import SURFACES
    from viz.lessons import cloud_loss_figure, cloud_traces, tune_figure

    bowl = SURFACES["bowl"]
    cloud = noise_cloud(bowl, "sgd", {"lr": 0.1}, bowl.start, 20, noise=1.0, n_runs=4)
    res = tune_learning_rate(bowl, "sgd", {}, bowl.start, 50)
    with i18n.language("zh"):
        traces = cloud_traces(cloud.paths, cloud.median_path, color="#E69F00", name="SGD")
        losses = cloud_loss_figure({"SGD": cloud})
        tuned = tune_figure({"SGD": res})
    assert traces[0].name == "SGD：4 次随机种子运行" and traces[2].name == "SGD：中位数路径"
    assert "第 %{pointNumber} 步" in traces[2].hovertemplate
    assert losses.layout.title.text == "多次随机种子运行的损失：中位数与四分位区间"
    assert losses.layout.yaxis.title.text == "f − f*（对数）"
    assert tuned.layout.xaxis.title.text == "学习率（对数）" and tuned.layout.title.text.startswith("学习率扫描")
    assert any(tr.name == "SGD：发散" for tr in tuned.data)


def test_the_schedule_thumbnail_tooltip_in_chinese():
    from viz.schedule_preview import schedule_preview_svg

    with i18n.language("zh"):
        svg = schedule_preview_svg([1, 2, 3], [1.0, 0.5, 0.25])
    assert "<title>学习率倍数：第 1 次更新时 × 1，第 3 次更新时 × 0.25，最低 × 0.25</title>" in svg
    assert "<title>Learning-rate multiplier: × 1 at update 1" in schedule_preview_svg([1, 2, 3], [1.0, 0.5, 0.25])
