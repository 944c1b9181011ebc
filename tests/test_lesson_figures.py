"""Lesson figure functions: right traces, right axes, data passed through untouched."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import pytest

from lessons.averages import ewma
from lessons.series import SERIES_KINDS, noisy_series
from lessons.tuning import noise_cloud, tune_learning_rate
from surfaces import SURFACES
from viz.lesson_player import recolor_payload, work_synced
from viz.lessons import (
    add_endpoints, add_noise_cloud, add_paths, cell_edges, cloud_loss_figure, cloud_traces, ewma_figure,
    ewma_weights_figure, loss_curves_figure, map_figure, nearest_cell, regression_data_figure,
    schedule_figure, sweep_heatmap, tune_figure, zoom_bounds,
)
from viz.style import Style


def _names(fig: go.Figure) -> list[str]:
    return [t.name or "" for t in fig.data]


@pytest.mark.parametrize("kind", list(SERIES_KINDS))
def test_noisy_series_is_seeded(kind):
    a = noisy_series(kind, 100, 3)
    b = noisy_series(kind, 100, 3)
    c = noisy_series(kind, 100, 4)
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[1], c[1])
    assert a[0][0] == 1 and len(a[0]) == 100


def test_ewma_figure_has_both_panels_and_window():
    t, obs, truth, label = noisy_series("temperature", 200, 0)
    raw, corr = ewma(obs, 0.9), ewma(obs, 0.9, bias_correction=True)
    fig = ewma_figure(t, obs, raw, corr, 0.9, truth=truth, y_title=label)
    names = _names(fig)
    assert "EWMA, no correction" in names and "EWMA, bias-corrected" in names
    curves = {t.name: t for t in fig.data}
    np.testing.assert_allclose(curves["EWMA, no correction"].y, raw)
    np.testing.assert_allclose(curves["EWMA, bias-corrected"].y, corr)
    texts = " ".join(a.text for a in fig.layout.annotations)
    assert "1/(1−β) = 10" in texts
    assert fig.layout.xaxis2 is not None  # side by side


def test_ewma_weights_figure_window_split():
    fig = ewma_weights_figure(0.9)
    inside, older = fig.data[0], fig.data[1]
    assert len(inside.x) == 10 and inside.x[-1] == 9
    np.testing.assert_allclose(inside.y[0], 0.1)


def test_schedule_figure_highlights_one():
    t = np.arange(1, 11)
    fig = schedule_figure({"a": (t, t * 0 + 1.0), "b": (t, 1 / t)}, highlight="b")
    widths = {tr.name: tr.line.width for tr in fig.data}
    assert widths["b"] > widths["a"]


def test_loss_curves_drop_nonpositive_on_log():
    fig = loss_curves_figure({"r": (np.arange(3), np.array([1.0, 0.0, -1.0]))})
    y = np.asarray(fig.data[0].y, dtype=float)
    assert y[0] == 1.0 and np.isnan(y[1:]).all()
    assert fig.layout.yaxis.type == "log"


def test_map_paths_and_endpoints():
    surface = SURFACES["bowl"]
    fig = map_figure(surface, start=surface.start, style=Style(projector=True))
    n0 = len(fig.data)
    path = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 1.5]])
    add_paths(fig, {"run": path}, colors={"run": "#123456"})
    add_endpoints(fig, path, color="#123456", name="ends")
    assert len(fig.data) == n0 + 3
    assert fig.data[n0].line.color == "#123456"
    b = zoom_bounds(path)
    assert b[0][0] < 0 < 2 < b[0][1] and b[1][0] < 0 and b[1][1] > 1.5
    assert zoom_bounds(np.full((2, 2), np.nan)) is None


def test_regression_data_figure_lines():
    x = np.array([0.0, 1.0, 2.0])
    fig = regression_data_figure(x, 2 * x - 1, {"fit": (2.0, -1.0)}, truth=(2.0, -1.0))
    line = fig.data[-1]
    np.testing.assert_allclose(line.y, [-1.0, 3.0])


def test_cell_edges_linear_and_log():
    np.testing.assert_allclose(cell_edges(np.array([0.0, 1.0, 2.0]), False), [-0.5, 0.5, 1.5, 2.5])
    e = cell_edges(np.array([1.0, 10.0, 100.0]), True)
    np.testing.assert_allclose(np.log10(e), [-0.5, 0.5, 1.5, 2.5])


def test_sweep_heatmap_marks_diverged_and_catches_clicks():
    xs = np.geomspace(1e-3, 1.0, 30)
    ys = np.linspace(0, 0.9, 20)
    z = np.outer(ys + 1, xs)  # (ny, nx)
    div = np.zeros_like(z, dtype=bool)
    div[:, -5:] = True
    fig = sweep_heatmap(xs, ys, z, div, x_label="lr", y_label="momentum", x_log=True, selected=(3, 4))
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "linear"
    heat = fig.data[0]
    assert np.isnan(np.asarray(heat.z, dtype=float)[:, -5:]).all()  # diverged never on the colour scale
    assert any("diverged" in n for n in _names(fig))
    catcher = [t for t in fig.data if t.name == "cells"][0]
    assert len(catcher.x) == 30 * 20
    assert any(t.name == "selected run" for t in fig.data)
    assert nearest_cell(xs, ys, xs[7] * 1.01, ys[11] + 0.001, x_log=True, y_log=False) == (11, 7)


def test_sweep_heatmap_click_grid_is_capped():
    xs = np.linspace(0, 1, 300)
    fig = sweep_heatmap(xs, xs, np.ones((300, 300)), np.zeros((300, 300), bool), x_label="a", y_label="b",
                        click_grid=50, not_reached=np.eye(300, dtype=bool))
    catcher = [t for t in fig.data if t.name == "cells"][0]
    assert len(catcher.x) == 50 * 50
    assert any(t.name == "never reached tolerance" for t in fig.data)


def test_cloud_traces_and_figures():
    surface = SURFACES["bowl"]
    cloud = noise_cloud(surface, "sgd", {"lr": 0.1}, surface.start, 40, noise=1.0, n_runs=5)
    traces = cloud_traces(cloud.paths, cloud.median_path, color="#E69F00", name="SGD")
    assert len(traces) == 3
    assert traces[0].line.color.startswith("rgba(")
    assert np.isnan(np.asarray(traces[0].x, dtype=float)).sum() == 5  # one gap per run
    fig = add_noise_cloud(go.Figure(), cloud, color="#E69F00", name="SGD")
    np.testing.assert_allclose(fig.data[2].x, cloud.median_path[:, 0])
    lf = cloud_loss_figure({"SGD": cloud})
    assert len(lf.data) == 3


def test_tune_figure_stars_the_pick():
    surface = SURFACES["bowl"]
    res = tune_learning_rate(surface, "sgd", {}, surface.start, 100)
    fig = tune_figure({"SGD": res})
    star = [t for t in fig.data if t.name and t.name.startswith("SGD: picked")][0]
    assert star.x[0] == res.best_lr
    assert any(t.name == "SGD: diverged" for t in fig.data)


def test_work_synced_clock():
    n, batch, epochs = 8, 3, 2  # ceil(8/3) = 3 steps per epoch
    steps = epochs * 3
    path = np.stack([np.arange(steps + 1.0), np.zeros(steps + 1)], axis=1)
    clock, p, loss = work_synced(path, np.arange(steps + 1.0), batch, n, epochs)
    assert clock[0] == 0 and clock[-1] == 16
    after = dict(zip(clock.tolist(), p[:, 0].tolist()))
    assert after[2] == 0 and after[3] == 1 and after[6] == 2 and after[8] == 3 and after[16] == 6


def test_recolor_payload():
    payload = {"data": json.dumps({"runs": [{"key": "a", "color": "#000"}, {"key": "b", "color": "#000"}]}),
               "data_id": "x"}
    out = recolor_payload(payload, {"b": "#fff"})
    runs = json.loads(out["data"])["runs"]
    assert runs[0]["color"] == "#000" and runs[1]["color"] == "#fff"
    assert out["data_id"] != "x"


@pytest.mark.parametrize("beta", [0.5, 0.9, 0.98])
def test_ewma_figures_state_the_window_and_weight_as_computed(beta):
    """The figures themselves (not a page patching their text) print the window as the metric
    does and call the weight "≈ 1/e" only where it is within 10 % of 1/e (not at β = 0.5: 0.25)."""
    import math

    from viz.lessons import ewma_figure, ewma_weights_figure
    from viz.text import steps_text

    window = 1.0 / (1.0 - beta)
    weight = beta ** window
    notes = [str(a.text) for a in ewma_weights_figure(beta).layout.annotations if "weight there" in str(a.text)]
    assert len(notes) == 1
    assert f"= {steps_text(window)}<br>" in notes[0] and f"{weight:.3f}" in notes[0]
    assert ("1/e" in notes[0]) == (abs(weight * math.e - 1) < 0.1)
    t = np.arange(1, 61)
    series = np.ones(60)
    fig = ewma_figure(t, series, series, series, beta)
    texts = [str(a.text) for a in fig.layout.annotations if str(a.text).startswith("effective window")]
    assert texts and all(f"= {steps_text(window)} steps" in x for x in texts)


def test_tune_figure_says_median_when_tuned_over_noise_streams():
    from lessons.tuning import tune_learning_rate
    from surfaces import SURFACES
    from viz.lessons import tune_figure

    bowl = SURFACES["bowl"]
    lrs = np.array([0.05, 0.1, 0.2])
    clean = tune_learning_rate(bowl, "sgd", {}, bowl.start, 30, lr_grid=lrs)
    noisy = tune_learning_rate(bowl, "sgd", {}, bowl.start, 30, lr_grid=lrs, noise=1.0)
    assert not tune_figure({"SGD": clean}).layout.yaxis.title.text.startswith("median")
    assert tune_figure({"SGD": noisy}).layout.yaxis.title.text.startswith("median final f − f*")
