"""The player, the figures and the exports in Chinese (and English unchanged).

The browser player writes only words it receives in its payload (``texts``): every key its
scripts ask for (``NS.tr(data, "player.…")``) must be in both catalogs, in Chinese in a Chinese
payload. A run's JSON is cached across sessions: a payload built in English, then in Chinese,
must not reuse the English words. The offline export, the loss chart, the summary table and the
GIF/video frames speak the visitor's language too.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

import i18n
from i18n.catalog import catalog
from lessons.tuning import noise_cloud
from optimizers import OPTIMIZERS, simulate
from surfaces import SURFACES
from viz import frames as frames_module
from viz.clouds import cloud_view
from viz.contours import contour_figure, contour_grid
from viz.frames import FrameRenderer, check_options, scene_from_payload
from viz.paths import loss_figure, loss_scale
from viz.player import FRONTEND, FRONTEND_SCRIPTS, player_payload, standalone_html
from viz.player.cache import RUN_JSON
from viz.render_gate import BUSY_MESSAGE, RenderBusy
from viz.style import FONT_FAMILY, Style
from viz.summary import summary_table, tolerance_column
from viz.surface3d import surface3d_figure
from viz.trajectory import Trajectory

CJK = re.compile(r"[\u3400-\u9fff]")
#: An English word in a text (placeholders and key names such as "Tab" aside, see `_english_words`).
WORD = re.compile(r"[A-Za-z]{2,}")


def _english_words(text: str) -> list[str]:
    text = re.sub(r"\{\w+\}", "", text)
    return [w for w in WORD.findall(text) if w not in ("Tab",)]


def _js_keys() -> set[str]:
    """Every catalog key the player's scripts ask for: string literals "player.<key>"."""
    keys = set()
    for name in FRONTEND_SCRIPTS:
        source = (FRONTEND / name).read_text(encoding="utf-8")
        keys |= set(re.findall(r"""["'](player\.[a-z_]+(?:\.[a-z_]+)*)["']""", source))
    return keys


def _run(key, lr, start=(-1.5, 2.0), steps=40, noise=0.0, surface="rosenbrock"):
    frame = simulate(SURFACES[surface], key, {"lr": lr}, start, steps, noise=noise)
    return Trajectory.from_frame(frame, key, OPTIMIZERS[key].label, steps, OPTIMIZERS[key].state_names)


@pytest.fixture(scope="module")
def race():
    rosen = SURFACES["rosenbrock"]
    grid = contour_grid(rosen.f, rosen.bounds, 41)
    runs = [_run(k, lr, noise=0.5) for k, lr in (("sgd", 1e-3), ("adam", 0.05))]
    clouds = [cloud_view(noise_cloud(rosen, t.key, {"lr": lr}, (-1.5, 2.0), 40, noise=0.5, n_runs=8), key=t.key,
                         label=t.label) for t, lr in zip(runs, (1e-3, 0.05))]
    return grid, runs, clouds, rosen


def _payload(race, **kw):
    grid, runs, clouds, rosen = race
    return player_payload(grid, runs, minima=rosen.minima, start=(-1.5, 2.0), clouds=clouds,
                          loss_chart=loss_scale(runs, clouds=clouds, f_star=0.0), **kw)


def test_the_scripts_ask_for_keys_and_each_is_in_both_catalogs():
    keys = _js_keys()
    assert {"player.play", "player.pause", "player.step_label", "player.head.badge", "player.chart.step",
            "player.keys.space", "player.hint.click", "player.legend.momentum"} <= keys
    for lang in i18n.LANGUAGES:
        missing = sorted(k for k in keys if k not in catalog(lang))
        assert not missing, f"{lang} lacks {missing}"


def test_no_word_is_left_in_the_scripts():
    """The scripts' visible words come from texts: no string literal holds a phrase of English
    (two words or more) or a capitalised label ("Play"); class names and keys are single words."""
    words = re.compile(r"\b(?:step|median|diverged|Play|Pause|Reset|Keys|Close|speed|arrows|start|map|middle|runs)\b")
    for name in FRONTEND_SCRIPTS:
        source = (FRONTEND / name).read_text(encoding="utf-8")
        source = re.sub(r"/\*.*?\*/", "", source, flags=re.S)
        source = re.sub(r"//[^\n]*", "", source)
        found = []
        for literal in re.findall(r'"([^"\n]*)"', source):
            if literal.startswith("player.") or not words.search(literal):
                continue
            phrase = len(re.findall(r"\b[A-Za-z]{2,}\b", literal)) >= 2 and " " in literal.strip(" ,:")
            if phrase or re.search(r"\b[A-Z][a-z]+", literal):
                found.append(literal)
        assert not found, f"{name}: {found}"


def test_a_chinese_payload_carries_chinese_texts_for_every_key_the_scripts_use(race):
    with i18n.language("zh"):
        data = json.loads(_payload(race)["data"])
    assert data["lang"] == "zh"
    english = catalog("en")
    for key in _js_keys():
        assert key in data["texts"], key
        text = data["texts"][key]
        if _english_words(english[key]):  # a word (not "f = {loss}"): Chinese
            assert CJK.search(text) and not _english_words(text), (key, text)
    assert data["texts"]["player.play"] == "▶ 播放"
    assert "噪声云" in data["note"] and "seeded" not in data["note"]
    assert "对数坐标" in data["loss_chart"]["title"]
    assert CJK.search(data["runs"][0]["cloud"]["loss_band"]["name"])
    assert data["style"]["font_family"] == FONT_FAMILY


def test_english_stays_the_default_and_unchanged(race):
    data = json.loads(_payload(race)["data"])
    assert data["lang"] == "en" and data["texts"]["player.play"] == "▶ Play"
    assert data["texts"]["player.step_label"] == "step {step} / {steps}"
    assert data["texts"]["player.head.badge"] == "diverged · step {step}"
    assert data["note"].startswith("Noise clouds: faint lines are 8 seeded runs per optimizer (seeds 0–7)")
    assert data["runs"][0]["cloud"]["loss_band"]["name"] == "SGD: median of 8 runs (band: middle 50%)"
    assert data["loss_chart"]["title"] == "f − f*, log scale"


def test_a_payload_built_in_english_then_chinese_does_not_reuse_english_words(race):
    RUN_JSON.clear() if hasattr(RUN_JSON, "clear") else None
    run_keys = {"sgd": ("i18n-test", "sgd"), "adam": ("i18n-test", "adam")}
    en = json.loads(_payload(race, run_keys=run_keys)["data"])
    with i18n.language("zh"):
        zh = json.loads(_payload(race, run_keys=run_keys)["data"])
    again = json.loads(_payload(race, run_keys=run_keys)["data"])
    for run_en, run_zh, run_again in zip(en["runs"], zh["runs"], again["runs"]):
        band_en, band_zh = run_en["cloud"]["loss_band"]["name"], run_zh["cloud"]["loss_band"]["name"]
        assert "median" in band_en and "中位数" in band_zh and "median" not in band_zh
        assert run_again == run_en  # English again: the English entry, still cached
    assert not _english_words(" ".join(zh["texts"][k] for k in ("player.play", "player.reset", "player.speed")))


def test_the_hidden_note_is_in_the_visitors_language(race):
    with i18n.language("zh"):
        data = json.loads(_payload(race, hide_runs=True)["data"])
    assert data["note"] == "在你锁定预测之前，路径是隐藏的。"


def test_the_offline_export_in_chinese(race):
    with i18n.language("zh"):
        payload = _payload(race)
    html = standalone_html(payload)  # the file follows the payload's language, whatever is current now
    assert '<html lang="zh">' in html
    assert "<title>Descent：优化器竞赛</title>" in html
    data = json.loads(re.search(r"window\.DESCENT_STANDALONE_DATA = (\{.*?\});</script>", html, re.S).group(1)
                      .replace("<\\/", "</"))
    assert data["lang"] == "zh" and data["texts"]["player.pause"] == "❚❚ 暂停"
    assert "Noto Sans CJK SC" in html  # the page's own text in a CJK font
    english = standalone_html(_payload(race))
    assert '<html lang="en">' in english and "<title>Descent: optimizer race</title>" in english


def test_figures_and_the_summary_table_in_chinese(race):
    grid, runs, clouds, rosen = race
    bowl = SURFACES["bowl"]
    diverging = [_run("sgd", 1.5, start=(-7.0, 2.0), steps=30, surface="bowl")]
    assert diverging[0].diverged
    with i18n.language("zh"):
        fig = loss_figure(diverging + runs, clouds=clouds, f_star=0.0)
        table = summary_table(diverging, minima=bowl.minima, f_star=0.0)
        tol = tolerance_column(1e-3)
        surface = surface3d_figure(grid, runs, minima=rosen.minima)
        contour = contour_figure(grid, minima=rosen.minima, start=(-1.5, 2.0))
    assert fig.layout.xaxis.title.text == "步数"
    assert any("在第" in (trace.name or "") and "发散" in trace.name for trace in fig.data)
    assert any("中位数" in (trace.name or "") for trace in fig.data)
    assert fig.layout.font.family == FONT_FAMILY
    assert list(table.columns)[:3] == ["优化器", "最终损失", "到最近极小值的距离"] and tol in table.columns
    assert table.iloc[0, -1].startswith("在第")
    assert [b.label for b in surface.layout.updatemenus[0].buttons] == ["▶ 播放", "❚❚ 暂停"]
    assert surface.layout.sliders[0].currentvalue.prefix == "第 "
    assert contour.data[1].name == "极小值"
    # English is unchanged.
    table = summary_table(diverging, minima=bowl.minima, f_star=0.0)
    assert list(table.columns) == ["optimizer", "final loss", "distance to nearest minimum", "steps to f − f* ≤ 0.001",
                                   "path length", "diverged"]
    assert table.iloc[0, -1] == f"diverged at step {diverging[0].diverged_at}"
    assert loss_figure(runs).layout.xaxis.title.text == "step"


def test_export_refusals_in_chinese():
    with i18n.language("zh"):
        with pytest.raises(ValueError, match="时长必须在 1 到 60 秒之间"):
            check_options(size="1280×720", fps=15, seconds=99, first=0, last=10, steps=10)
        assert str(RenderBusy(BUSY_MESSAGE)).startswith("服务器正忙")
    with pytest.raises(ValueError, match="The duration must be between 1 and 60 seconds."):
        check_options(size="1280×720", fps=15, seconds=99, first=0, last=10, steps=10)
    assert str(RenderBusy(BUSY_MESSAGE)).startswith("The server is busy")


def _frame_payload():
    bowl = SURFACES["bowl"]
    runs = [_run("sgd", 1.5, start=(-7.0, 2.0), steps=30, surface="bowl")]
    return player_payload(contour_grid(bowl.f, bowl.bounds, 41), runs, minima=bowl.minima, start=(-7.0, 2.0))


def test_frames_draw_chinese_with_a_cjk_font():
    if frames_module.cjk_font() is None:
        pytest.skip("no CJK font installed (Debian: fonts-noto-cjk)")
    with i18n.language("zh"):
        scene = scene_from_payload(_frame_payload())
        renderer = FrameRenderer(scene, 854, 480)
        zh = np.asarray(renderer.frame(30))
    assert renderer.font.path == frames_module.cjk_font()[0]
    english = FrameRenderer(scene_from_payload(_frame_payload()), 854, 480)
    assert not hasattr(english.font, "path") or english.font.path != frames_module.cjk_font()[0]  # English as before
    assert (zh != np.asarray(english.frame(30))).any()  # the counter and the badge are other words


def test_frames_fall_back_without_a_cjk_font(monkeypatch):
    monkeypatch.setattr(frames_module, "_cjk_font", None)
    with i18n.language("zh"):
        frame = FrameRenderer(scene_from_payload(_frame_payload()), 854, 480).frame(30)
    assert frame.size == (854, 480)


def test_the_player_font_stack_names_cjk_fonts_after_the_latin_one():
    names = [n.strip().strip('"') for n in FONT_FAMILY.split(",")]
    assert names[0] == "Source Sans Pro" and names[-1] == "sans-serif"
    assert names.index("PingFang SC") > names.index("system-ui")
    for font in ("Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei"):
        assert font in names
    assert Style(projector=True).font_size == 20  # the same sizes in both languages
    css = (FRONTEND / "player.css").read_text(encoding="utf-8") + "".join(
        (FRONTEND / n).read_text(encoding="utf-8") for n in FRONTEND_SCRIPTS)
    assert "PingFang" not in css  # the stack has one home: Python (sent as style.font_family)
