"""viz/: figures from data (trace counts, fixed colours, log axes, divergence flags, no NaN sent),
the player's payload and the standalone HTML export."""

from __future__ import annotations

import json
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest

from optimizers import OPTIMIZERS, make_schedule, simulate
from surfaces import SURFACES
from viz.contours import contour_figure, contour_grid
from viz.palette import DIVERGED_COLOR, OPTIMIZER_COLORS, color_for
from viz.paths import loss_figure, overlay_figure
from viz.player import (FRONTEND, FRONTEND_FILES, FRONTEND_SCRIPTS, ensure_build, payload_bytes, player_payload,
                        standalone_html, to_json, velocity_arrows)
from viz.schedule_preview import nice_ticks, schedule_preview_svg
from viz.style import Style
from viz.summary import summary_table, trajectories_csv
from viz.surface3d import surface3d_figure
from viz.trajectory import Trajectory

ROOT = Path(__file__).resolve().parents[1]


def run(surface: str, opt: str, hyper: dict, start, steps: int) -> tuple[Trajectory, object]:
    df = simulate(surface, opt, hyper, start, steps)
    return Trajectory.from_frame(df, opt, OPTIMIZERS[opt].label, steps, OPTIMIZERS[opt].state_names), df


@pytest.fixture(scope="module")
def bowl_runs():
    specs = [("sgd", {"lr": 1.5}), ("momentum", {"lr": 0.1}), ("adagrad", {"lr": 1.5}), ("adam", {"lr": 0.3})]
    return [run("bowl", o, h, (-7.0, 2.0), 30)[0] for o, h in specs]


@pytest.fixture(scope="module")
def rosen_grid():
    s = SURFACES["rosenbrock"]
    return contour_grid(s.f, s.bounds)


def _finite(values) -> bool:
    arr = np.asarray(values, dtype=float)
    return bool(np.all(np.isfinite(arr)))


def test_palette_fixed_distinct_and_stable():
    assert set(OPTIMIZERS) <= set(OPTIMIZER_COLORS)
    colours = [OPTIMIZER_COLORS[k] for k in OPTIMIZERS]
    assert len(set(colours)) == len(colours)
    assert DIVERGED_COLOR not in colours
    assert color_for("custom_thing") == color_for("custom_thing")


def test_palette_stays_distinct_and_colour_blind_safe_beyond_ten():
    """The registry position picks the colour: 10+ optimizers get distinct colours, all from
    the two colour-blind-safe sets (Okabe–Ito, then Paul Tol's muted)."""
    from viz.palette import OKABE_ITO, SEQUENCE, TOL_MUTED, color_at

    safe = set(OKABE_ITO.values()) | set(TOL_MUTED.values())
    colours = [color_at(i) for i in range(max(10, len(OPTIMIZERS)))]
    assert len(set(colours)) == len(colours)
    assert set(colours) <= safe and len(SEQUENCE) >= 10
    assert DIVERGED_COLOR not in colours and OKABE_ITO["yellow"] not in colours
    assert [OPTIMIZER_COLORS[k] for k in OPTIMIZERS] == colours[: len(OPTIMIZERS)]


def test_contour_grid_scales(rosen_grid):
    assert rosen_grid.scale == "log"
    bowl = SURFACES["bowl"]
    g = contour_grid(bowl.f, bowl.bounds)
    assert g.scale == "sqrt"
    for grid in (rosen_grid, g):
        assert _finite(grid.zplot) and grid.zplot.shape == (len(grid.y), len(grid.x))


def test_contour_figure_traces(rosen_grid):
    fig = contour_figure(rosen_grid, minima=[(1, 1)], start=(-1.5, 2))
    types = [t.type for t in fig.data]
    assert types == ["contour", "scatter", "scatter"]
    assert fig.layout.xaxis.range == (-2.0, 2.0)


def test_trajectory_from_diverged_frame():
    traj, df = run("bowl", "sgd", {"lr": 1.5}, (-7.0, 2.0), 50)
    assert traj.diverged and traj.diverged_at == df.attrs["diverged_at"]
    assert traj.n_points == traj.diverged_at  # points θ_0 … θ_{d−1}
    assert _finite(traj.path) and _finite(traj.loss)
    assert traj.grads.shape == (traj.n_points - 1, 2)
    assert set(traj.states) == set()  # SGD keeps no state


def test_overlay_colours_and_divergence(bowl_runs, rosen_grid):
    s = SURFACES["bowl"]
    grid = contour_grid(s.f, s.bounds)
    fig = overlay_figure(grid, bowl_runs, minima=s.minima, start=(-7, 2))
    paths = [t for t in fig.data if t.type == "scatter" and t.legendgroup and "diverged" not in (t.name or "")[-9:]]
    by_group = {t.legendgroup: t for t in fig.data if t.type == "scatter" and t.mode and "lines" in t.mode}
    for traj in bowl_runs:
        assert by_group[traj.key].line.color == OPTIMIZER_COLORS[traj.key]
        assert _finite(by_group[traj.key].x) and _finite(by_group[traj.key].y)
    flags = [t for t in fig.data if t.type == "scatter" and t.marker is not None and t.marker.color == DIVERGED_COLOR]
    assert len(flags) == 1 and "diverged at step" in flags[0].text[0]
    assert any("diverged at step" in (t.name or "") for t in fig.data)
    assert paths  # not empty


def test_loss_figure_log_axis_and_no_nan(bowl_runs):
    s = SURFACES["bowl"]
    fig = loss_figure(bowl_runs, f_star=s.f_star)
    assert fig.layout.yaxis.type == "log"
    assert "f − f*" in fig.layout.yaxis.title.text
    lines = [t for t in fig.data if t.mode == "lines"]
    assert len(lines) == len(bowl_runs)
    for t in fig.data:
        assert _finite(t.y) and np.all(np.asarray(t.y) > 0)
    assert sum(1 for t in fig.data if t.mode == "markers") == 1  # the diverged SGD's cross
    # No known minimum value (e.g. unbounded below): linear f.
    lin = loss_figure(bowl_runs, f_star=None)
    assert lin.layout.yaxis.type == "linear"


def test_loss_figure_colours_match_overlay(bowl_runs):
    fig = loss_figure(bowl_runs, f_star=0.0, style=Style(projector=True))
    for t in fig.data:
        if t.mode == "lines":
            assert t.line.color == OPTIMIZER_COLORS[t.legendgroup]
            assert t.line.width == Style(projector=True).line_width
    assert fig.layout.font.size == Style(projector=True).font_size


def test_surface3d(bowl_runs):
    s = SURFACES["bowl"]
    grid = contour_grid(s.f, s.bounds)
    fig = surface3d_figure(grid, bowl_runs, minima=s.minima)
    assert fig.data[0].type == "surface"
    lines = [t for t in fig.data if t.type == "scatter3d" and t.name and t.name != "minimum" and t.showlegend is not False]
    assert len(lines) == len(bowl_runs)
    for t in lines:
        z = np.asarray(t.z, dtype=float)
        assert np.all(np.isfinite(z))


def test_summary_table(bowl_runs):
    s = SURFACES["bowl"]
    table = summary_table(bowl_runs, minima=s.minima, f_star=0.0, tol=1e-3)
    assert list(table["optimizer"]) == [t.label for t in bowl_runs]
    assert {"final loss", "distance to nearest minimum", "path length", "diverged"} <= set(table.columns)
    tol_col = [c for c in table.columns if c.startswith("steps to")][0]
    row = table.set_index("optimizer")
    assert row.loc["SGD", "diverged"].startswith("diverged at step")
    assert row.loc["AdaGrad", "diverged"] == ""
    assert row.loc["AdaGrad", tol_col] > 0  # AdaGrad reaches 1e-3 within 30 steps here
    assert np.isfinite(table["final loss"]).all()


def test_csv_export(bowl_runs):
    frames = {"SGD": simulate("bowl", "sgd", {"lr": 0.5}, (-7, 2), 5), "Adam": simulate("bowl", "adam", {"lr": 0.3}, (-7, 2), 5)}
    text = trajectories_csv(frames)
    lines = text.strip().splitlines()
    assert lines[0].startswith("optimizer,step,x,y,loss")
    assert len(lines) == 1 + 6 + 6


def _svg(text: str) -> ET.Element:
    return ET.fromstring(text)


def test_nice_ticks_are_round_and_cover_the_range():
    assert nice_ticks(1, 500, 6) == [100, 200, 300, 400, 500]
    assert nice_ticks(0, 1.05, 4) == [0, 0.5, 1]
    assert nice_ticks(1, 30, 6) == [10, 20, 30]
    for lo, hi, n in [(0, 0.0037, 4), (1, 5000, 4), (-2.5, 7.1, 5), (0, 1e-9, 3)]:
        ticks = nice_ticks(lo, hi, n)
        steps = np.diff(ticks)
        assert len(ticks) >= 2 and lo - 1e-12 <= ticks[0] and ticks[-1] <= hi + 1e-12
        np.testing.assert_allclose(steps, steps[0])
        mantissa = steps[0] / 10 ** np.floor(np.log10(steps[0]))
        assert min(abs(mantissa - m) for m in (1, 2, 5)) < 1e-9


@pytest.mark.parametrize("projector", [False, True])
def test_schedule_preview_svg_draws_the_engines_multipliers(projector):
    """The sidebar's thumbnail: the line's heights are the schedule's multipliers (y from 0)."""
    t = np.arange(1, 501)
    factor = make_schedule("inverse_time", decay=0.01).factor(t, 500)
    svg = _svg(schedule_preview_svg(t, factor, style=Style(projector=projector)))
    ns = {"s": "http://www.w3.org/2000/svg"}
    (line,) = svg.findall("s:polyline", ns)
    pts = np.array([[float(c) for c in p.split(",")] for p in line.get("points").split()])
    assert len(pts) == len(t) and np.all(np.diff(pts[:, 0]) > 0)
    texts = {e.text: e for e in svg.findall("s:text", ns)}
    zero = float(svg.findall("s:line", ns)[0].get("y1"))  # the gridline of the "0" tick
    assert "0" in texts
    heights = zero - pts[:, 1]
    np.testing.assert_allclose(heights / heights[0], factor / factor[0], atol=0.01)
    title = svg.find("s:title", ns).text
    assert f"× 1 at update 1, × {factor[-1]:.3g} at update 500" in title
    # The x ticks do not run into each other, even at the projector's font.
    font = float(svg.get("font-size"))
    xs = sorted(float(e.get("x")) for e in svg.findall("s:text", ns) if e.get("text-anchor") == "middle"
                and e.text != "lr ×")
    widest = max(len(e.text) for e in svg.findall("s:text", ns) if e.text != "lr ×") * 0.6 * font
    assert len(xs) >= 2 and min(np.diff(xs)) > widest


def test_schedule_preview_svg_skips_bad_values():
    svg = _svg(schedule_preview_svg([1, 2, 3, 4], [1.0, float("nan"), 0.5, float("inf")]))
    (line,) = svg.findall("{http://www.w3.org/2000/svg}polyline")
    assert len(line.get("points").split()) == 2
    assert schedule_preview_svg([], []) == ""


def test_to_json_compact_and_valid():
    text = to_json({"a": np.array([1.0, np.nan, np.inf, 1 / 3]), "b": [1, 2], "c": None, "d": "x", "e": True})
    data = json.loads(text)
    assert data == {"a": [1.0, None, None, 0.33333], "b": [1, 2], "c": None, "d": "x", "e": True}


@pytest.fixture(scope="module")
def six_by_2000(rosen_grid):
    keys = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"]
    lrs = {"sgd": 1e-3, "momentum": 1e-3, "nesterov": 1e-3, "adagrad": 0.5, "rmsprop": 0.01, "adam": 0.05}
    trajs = [run("rosenbrock", k, {"lr": lrs[k]}, (-1.5, 2.0), 2000)[0] for k in keys]
    return trajs


def test_player_payload_size_and_content(rosen_grid, six_by_2000):
    vel = {t.key: velocity_arrows(t) for t in six_by_2000}
    payload = player_payload(rosen_grid, six_by_2000, minima=[(1, 1)], start=(-1.5, 2), velocities=vel)
    size = payload_bytes(payload)
    assert size < 3_000_000, size  # the whole page's budget over a classroom network; the player is most of it
    data = json.loads(payload["data"])
    assert data["steps"] == 2000 and len(data["runs"]) == 6
    for r, t in zip(data["runs"], six_by_2000):
        assert r["points"] == t.n_points and len(r["path"]) == 2 * t.n_points
        assert r["color"] == OPTIMIZER_COLORS[t.key]
        assert all(v is not None for v in r["path"])
    assert data["runs"][1]["momentum_arrows"] is not None  # momentum has a velocity arrow
    assert "momentum_arrows" not in data["runs"][0]  # plain SGD does not
    assert len(data["grid"]["heights"]) == data["grid"]["columns"] * data["grid"]["rows"]
    # Deterministic: identical inputs give the identical id, so the browser does not reset.
    again = player_payload(rosen_grid, six_by_2000, minima=[(1, 1)], start=(-1.5, 2), velocities=vel)
    assert again["data_id"] == payload["data_id"]


def test_player_payload_diverged_run(bowl_runs):
    s = SURFACES["bowl"]
    payload = player_payload(contour_grid(s.f, s.bounds), bowl_runs, minima=s.minima, start=(-7, 2), mode="overlay")
    data = json.loads(payload["data"])
    sgd = data["runs"][0]
    assert sgd["diverged_at"] == bowl_runs[0].diverged_at and sgd["points"] == bowl_runs[0].n_points
    assert data["mode"] == "overlay"
    with pytest.raises(ValueError):
        player_payload(contour_grid(s.f, s.bounds), bowl_runs, mode="nope")


def test_standalone_html_is_offline_and_has_the_data(bowl_runs):
    s = SURFACES["bowl"]
    payload = player_payload(contour_grid(s.f, s.bounds), bowl_runs, minima=s.minima, start=(-7, 2))
    html = standalone_html(payload, title="Test <race>")
    assert not re.search(r"<script[^>]+src=", html, re.I)  # everything inlined
    assert not re.search(r"<link[^>]+href=[\"']https?://", html, re.I)
    assert "window.DESCENT_STANDALONE_DATA" in html
    assert json.loads(payload["data"])["runs"][0]["label"] in html
    assert "Test &lt;race&gt;" in html
    assert "DescentPlayer" in html and "Plotly" in html
    assert html.count("</script>") == html.count("<script")
    # Every script module inlined whole, in index.html's order (they share one namespace).
    at = [html.find((FRONTEND / name).read_text(encoding="utf-8").replace("</script", "<\\/script"))
          for name in FRONTEND_SCRIPTS]
    assert -1 not in at and at == sorted(at)


def test_build_dir_has_plotly_and_is_ignored():
    build = ensure_build()
    bundle = build / "plotly-cartesian.min.js"
    assert bundle.stat().st_size > 1_000_000
    for name in FRONTEND_FILES:  # index.html, player.css and every script module
        assert (build / name).read_bytes() == (FRONTEND / name).read_bytes()
    assert set(FRONTEND_FILES) == {p.name for p in FRONTEND.iterdir()}  # no frontend file left unserved
    if build.is_relative_to(ROOT):
        ignored = subprocess.run(["git", "check-ignore", "-q", str(bundle)], cwd=ROOT)
        assert ignored.returncode == 0, "the copied plotly.js bundle must be git-ignored"
    index = (build / "index.html").read_text()
    assert "http://" not in index and "https://" not in index  # no CDN
    assert '<script src="./plotly-cartesian.min.js">' in index  # one Plotly bundle, the small one
    # The scripts share one namespace: index.html loads them in the order standalone_html inlines them.
    assert re.findall(r'<script src="\./([\w.-]+\.js)">', index) == ["plotly-cartesian.min.js", *FRONTEND_SCRIPTS]


def test_vendored_plotly_bundle_has_the_traces_the_player_draws():
    """The cartesian partial bundle holds every trace type the player's scripts ask Plotly for."""
    from viz.player import PLOTLY_JS

    head = PLOTLY_JS.read_text(encoding="utf-8")[:300]
    assert "plotly.js (cartesian" in head and "MIT" in head
    html_input_types = {"button", "checkbox", "range"}  # el("input", {type: ...}) in the player's chrome
    scripts = "".join((FRONTEND / name).read_text() for name in FRONTEND_SCRIPTS)
    used = set(re.findall(r'type: "(\w+)"', scripts)) - html_input_types
    assert used == {"contour", "scatter"}, used  # a new trace type must be checked against the bundle
    bundle = PLOTLY_JS.read_text(encoding="utf-8")
    for trace in used:
        assert f'name:"{trace}"' in bundle, trace  # each trace module registers its name


def test_figures_are_plotly_figures(bowl_runs):
    s = SURFACES["bowl"]
    grid = contour_grid(s.f, s.bounds)
    for fig in (contour_figure(grid), overlay_figure(grid, bowl_runs), loss_figure(bowl_runs),
                surface3d_figure(grid, bowl_runs)):
        assert isinstance(fig, go.Figure)
        fig.to_json()  # serializable


# ------------------------------------------------------- display text (read from the back row)


def test_table_cells_never_show_none_or_nan():
    import pandas as pd

    from viz.text import EMPTY, cell, display_frame, subscript

    df = pd.DataFrame({"loss": [0.5, float("nan"), 1e-7], "hit": pd.array([3, None, 7], dtype="Int64"),
                       "note": ["ok", None, ""]})
    shown = display_frame(df, empty_as={"hit": "never"})
    text = shown.to_string()
    assert "None" not in text and "nan" not in text and "<NA>" not in text
    assert shown["hit"].tolist() == ["3", "never", "7"]
    assert shown["loss"].tolist() == ["0.5", EMPTY, "1.000e-07"]
    assert cell(float("inf")) == "∞" and subscript(1000) == "₁₀₀₀"


def test_projector_style_enlarges_axis_ticks_and_titles(bowl_runs):
    big = Style(projector=True)
    fig = loss_figure(bowl_runs, style=big)
    assert fig.layout.xaxis.tickfont.size >= big.font_size
    assert fig.layout.yaxis.title.font.size >= big.font_size


def test_3d_z_axis_has_few_ticks(bowl_runs):
    s = SURFACES["bowl"]
    fig = surface3d_figure(contour_grid(s.f, s.bounds), bowl_runs, minima=s.minima, style=Style(projector=True))
    assert fig.layout.scene.zaxis.nticks <= 5
    assert fig.layout.scene.zaxis.tickfont.size >= Style(projector=True).font_size


def test_player_loss_chart_follows_loss_scale_and_loss_figure(bowl_runs):
    """The player's loss chart gets loss_figure's axis and values (f − f* computed here when f* ≠ 0)."""
    from viz.paths import LOSS_FLOOR, loss_scale

    s = SURFACES["bowl"]
    grid = contour_grid(s.f, s.bounds)
    for fs in (0.0, -3.0):
        scale = loss_scale(bowl_runs, f_star=fs)
        data = json.loads(player_payload(grid, bowl_runs, minima=s.minima, loss_chart=scale)["data"])
        fig = loss_figure(bowl_runs, f_star=fs)
        assert data["loss_chart"]["log"] and data["loss_chart"]["title"] == fig.layout.yaxis.title.text
        lines = [t for t in fig.data if t.mode == "lines"]
        for run, line in zip(data["runs"], lines):
            y = run["loss_above_minimum"] if fs else np.maximum(np.asarray(run["loss"], dtype=float), LOSS_FLOOR)
            assert ("loss_above_minimum" in run) == bool(fs)  # sent only when the browser cannot work it out
            assert len(y) == len(line.y)  # short runs: every step in both
            np.testing.assert_allclose(np.asarray(y, dtype=float), np.asarray(line.y, dtype=float), rtol=2e-4)
    assert "loss_chart" not in json.loads(player_payload(grid, bowl_runs)["data"])  # opt-in (lesson pages)


def test_player_payload_reuses_cached_run_json(bowl_runs):
    """With run_keys, a run's JSON is built once and shared; a changed run is serialized alone."""
    from viz import player as player_mod

    s = SURFACES["bowl"]
    grid = contour_grid(s.f, s.bounds)
    player_mod.RUN_JSON.clear()
    keys = {t.key: ("spec", t.key, 1) for t in bowl_runs}
    calls = []
    first = player_payload(grid, bowl_runs, run_keys=keys, velocities=lambda t: calls.append(t.key))
    assert sorted(calls) == sorted(keys) and len(player_mod.RUN_JSON) == len(keys)
    again = player_payload(grid, bowl_runs, run_keys=keys, velocities=lambda t: calls.append(t.key))
    assert again == first and len(calls) == len(keys)  # nothing re-serialized
    changed = dict(keys, **{bowl_runs[0].key: ("spec", bowl_runs[0].key, 2)})
    player_payload(grid, bowl_runs, run_keys=changed, velocities=lambda t: calls.append(t.key))
    assert calls[len(keys):] == [bowl_runs[0].key]
    assert first == player_payload(grid, bowl_runs)  # the same bytes as without the cache


def test_start_step_is_clamped_to_the_race_and_zero_when_hidden():
    traj, _ = run("bowl", "sgd", {"lr": 0.1}, (-7.0, 2.0), 20)
    surface = SURFACES["bowl"]
    grid = contour_grid(surface.f, surface.bounds)

    def start_step(**kw):
        return json.loads(player_payload(grid, [traj], minima=surface.minima, **kw)["data"])["start_step"]

    assert start_step() == 0 and start_step(start_step=12) == 12
    assert start_step(start_step=400) == 20 and start_step(start_step=-3) == 0
    assert start_step(start_step=12, hide_runs=True) == 0  # predict first: nothing to resume


def test_surface3d_plays(bowl_runs):
    """The 3-D view has Play: frames of every path up to a step (the first only the start, the last
    the whole path), a Play/Pause pair and a step slider, light for a race of any length."""
    from viz.surface3d import FRAME_POINTS, MAX_FRAMES

    s = SURFACES["bowl"]
    fig = surface3d_figure(contour_grid(s.f, s.bounds), bowl_runs, minima=s.minima)
    assert 2 <= len(fig.frames) <= MAX_FRAMES
    labels = [b.label for b in fig.layout.updatemenus[0].buttons]
    assert labels == ["▶ Play", "❚❚ Pause"]
    assert len(fig.layout.sliders[0].steps) == len(fig.frames)
    first, last = fig.frames[0], fig.frames[-1]
    assert all(len(tr.x) == 1 for tr in first.data)  # step 0: each run at its start
    paths = [tr for tr in fig.data if tr.type == "scatter3d" and tr.name != "minimum"][: len(bowl_runs)]
    for tr, full in zip(last.data, paths):
        assert len(tr.x) <= FRAME_POINTS
        assert np.array_equal([tr.x[-1], tr.y[-1]], [full.x[-1], full.y[-1]], equal_nan=True)  # off the map: NaN
