"""The race for slides (GIF / video): the player's frames drawn by Pillow, their size, the bound on
concurrent renders, refused options said in words, and the Compare page offering it only when
the race is shown."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from lessons.presets import PRESETS_BY_KEY
from lessons.race import Race
from tests.player_args import payload_of
from ui.simulation import grid_for, path_trajectory, surface_ref
from ui.slides import ExportRefused, render_export
from viz import render_gate
from viz.frames import (FrameRenderer, check_options, frame_steps, player_seconds, scene_from_payload,
                        to_pixels)
from viz.gif_export import gif_bytes
from viz.palette import DIVERGED_COLOR
from viz.player import default_speed, player_payload
from viz.video_export import mp4_bytes, video_available

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 90


def race_payload(race: Race, mode: str = "grid") -> dict:
    surface = race.surface_object()
    trajs = [path_trajectory(race, k) for k in race.opts]
    return player_payload(grid_for(surface_ref(race)), trajs, minima=surface.minima, start=race.start, mode=mode)


@pytest.fixture(scope="module")
def textbook():
    return race_payload(PRESETS_BY_KEY["textbook"].race)


def head_centroid(img: Image.Image, colour: tuple[int, int, int], box, base: Image.Image) -> tuple[float, float]:
    """The centre of the pixels of ``colour`` inside ``box`` that the race drew (not in the static
    ``base``: a black run's head must not be mixed up with the star's black outline)."""
    left, top, w, h = box
    a = np.asarray(img.crop((left, top, left + w, top + h))).astype(int)
    b = np.asarray(base.crop((left, top, left + w, top + h))).astype(int)
    near = (np.abs(a - np.array(colour)).sum(axis=2) <= 6) & (np.abs(a - b).sum(axis=2) > 0)
    # Erode by a 5×5 square: the path (3 px wide) and the iterate dots vanish, the head's disc stays.
    core = near.copy()
    for dy in range(-2, 3):
        for dx in range(-2, 3):
            core &= np.roll(np.roll(near, dy, axis=0), dx, axis=1)
    ys, xs = np.nonzero(core)
    assert len(xs), "colour not drawn"
    return float(xs.mean()) + left + 0.5, float(ys.mean()) + top + 0.5  # pixel i covers [i, i + 1)


# ----------------------------------------------------------------------------- frame steps


def test_frames_show_the_step_the_player_shows_at_that_moment():
    """At the player's own duration, frame k shows ⌊(k / fps) · default speed⌋, as clock.js."""
    for steps in (30, 200, 500, 5000):
        speed = default_speed(steps)
        seconds = steps / speed
        for fps in (10, 15, 30):
            got = frame_steps(0, steps, fps, seconds)
            want = [min(steps, k * speed // fps) for k in range(len(got) - 1)]  # τ · speed, τ = k / fps
            assert got[:-1] == want and got[-1] == steps, (steps, fps)


def test_the_default_duration_is_the_players():
    for steps in (30, 500, 5000):
        assert player_seconds(steps, default_speed(steps)) == steps / default_speed(steps)
    assert player_seconds(1, 1) == 1.0 and player_seconds(10 ** 6, 1) == 60.0  # within the offered range


def test_a_long_race_is_subsampled_to_the_chosen_duration():
    got = frame_steps(0, 5000, 15, 10.0)
    assert len(got) == 151 and got[0] == 0 and got[-1] == 5000
    assert all(b >= a for a, b in zip(got, got[1:])) and max(np.diff(got)) <= 34
    trimmed = frame_steps(1000, 2000, 10, 5.0)
    assert trimmed[0] == 1000 and trimmed[-1] == 2000 and len(trimmed) == 51


# ------------------------------------------------------------------------------ the frames


@pytest.mark.parametrize("mode", ["grid", "overlay"])
def test_each_head_is_drawn_where_the_engine_put_it(mode):
    race = PRESETS_BY_KEY["textbook"].race
    scene = scene_from_payload(race_payload(race, mode))
    r = FrameRenderer(scene, 1280, 720)
    assert len(r.panels) == (4 if mode == "grid" else 1)
    trajs = {k: path_trajectory(race, k) for k in race.opts}
    for step in (0, 7, 30):
        img = r.frame(step)
        for i, (key, run) in enumerate(zip(race.opts, scene.runs)):
            panel = r.panels[i] if mode == "grid" else r.panels[0]
            (px, py), = to_pixels(trajs[key].path[step][None], scene, panel.plot)
            want = (panel.plot[0] + px, panel.plot[1] + py)
            if mode == "overlay" and i < len(scene.runs) - 1:
                continue  # on one map, later runs' paths and heads may cover it: the last run is checked
            # The head: the disc of the run's colour around the engine's point.
            got = head_centroid(img, run.color, (int(want[0]) - 12, int(want[1]) - 12, 24, 24), r.base)
            assert abs(got[0] - want[0]) <= 1.5 and abs(got[1] - want[1]) <= 1.5, (mode, key, step, got, want)


def test_a_diverged_run_ends_in_a_red_cross_and_its_badge():
    race = Race("rosenbrock", {"sgd": {"lr": 0.01}}, (-1.5, 2.0), 100)
    payload = race_payload(race)
    scene = scene_from_payload(payload)
    run = scene.runs[0]
    assert run.diverged_at is not None
    r = FrameRenderer(scene, 1280, 720)
    before, after = r.frame(0), r.frame(run.diverged_at)
    red = tuple(int(DIVERGED_COLOR[i:i + 2], 16) for i in (1, 3, 5))
    count = lambda im: int((np.abs(np.asarray(im).astype(int) - np.array(red)).sum(axis=2) <= 6).sum())
    assert count(before) == 0 and count(after) > 50


def test_the_contour_fill_uses_the_players_levels_and_colour_scale(textbook):
    scene = scene_from_payload(textbook)
    r = FrameRenderer(scene, 1280, 720)
    left, top, w, h = r.panels[0].plot
    a = np.asarray(r.base.crop((left + 2, top + 2, left + w - 2, top + h - 2))).reshape(-1, 3)
    colours = {tuple(c) for c in a}
    # White at the bottom of the bowl and the scale's grey at the rim, in between only blends.
    assert (255, 255, 255) in colours or min(sum(c) for c in colours) < 3 * 255
    assert max(a.sum(axis=1)) >= 3 * 250 and min(a.sum(axis=1)) <= 3 * 200


def test_frames_are_deterministic(textbook):
    o = check_options(size="854×480", fps=10, seconds=2, first=0, last=30, steps=30)
    assert gif_bytes(scene_from_payload(textbook), o) == gif_bytes(scene_from_payload(textbook), o)


def test_a_ten_second_gif_at_1280x720_fits_a_slide(textbook):
    """A 10-s race at 1280×720, 15 fps: under 5 MB, every frame at that size, looping."""
    scene = scene_from_payload(textbook)
    o = check_options(size="1280×720", fps=15, seconds=10, first=0, last=30, steps=30)
    blob = gif_bytes(scene, o)
    assert len(blob) < 5_000_000
    im = Image.open(io.BytesIO(blob))
    assert im.size == (1280, 720) and im.info.get("loop") == 0 and im.n_frames >= 30


def test_a_long_race_gif_stays_under_five_megabytes():
    race = Race("rosenbrock", {"adam": {"lr": 0.05}, "momentum": {"lr": 0.001}}, (-1.5, 2.0), 5000)
    scene = scene_from_payload(race_payload(race))
    o = check_options(size="1280×720", fps=15, seconds=10, first=0, last=5000, steps=5000)
    blob = gif_bytes(scene, o)
    assert len(blob) < 5_000_000, len(blob)


@pytest.mark.skipif(not video_available(), reason="imageio-ffmpeg not installed")
def test_the_video_is_an_h264_mp4_of_the_same_frames(textbook):
    import imageio_ffmpeg

    o = check_options(size="854×480", fps=10, seconds=3, first=0, last=30, steps=30)
    blob = mp4_bytes(scene_from_payload(textbook), o)
    assert blob[4:8] == b"ftyp" and len(blob) < 2_000_000
    path = Path(__import__("tempfile").mkdtemp()) / "race.mp4"
    path.write_bytes(blob)
    frames = imageio_ffmpeg.read_frames(str(path))
    meta = next(frames)
    assert tuple(meta["size"]) == (854, 480) and meta["codec"] == "h264"
    last = None
    for last in frames:
        pass
    got = np.frombuffer(last, dtype=np.uint8).reshape(480, 854, 3).astype(int)
    want = np.asarray(FrameRenderer(scene_from_payload(textbook), 854, 480).frame(30)).astype(int)
    assert np.abs(got - want).mean() < 4  # lossy, but the same picture


# ------------------------------------------------------------------------- refused options


@pytest.mark.parametrize("kwargs, words", [
    (dict(size="800×800"), "Unknown size"),
    (dict(size=(100, 100)), "not offered"),
    (dict(fps=0), "Frame rate"),
    (dict(fps=7), "Frame rate"),
    (dict(fps=15.5), "Frame rate"),
    (dict(fps=True), "Frame rate"),
    (dict(seconds=0), "between"),
    (dict(seconds=600), "between"),
    (dict(seconds=float("nan")), "between"),
    (dict(seconds="abc"), "number of seconds"),
    (dict(first=20, last=10), "step range"),
    (dict(first=-1), "step range"),
    (dict(last=31), "step range"),
    (dict(first=5, last=5), "step range"),
    (dict(first=None), "step range"),
])
def test_bad_options_are_refused_in_words(textbook, kwargs, words):
    args = dict(size="1280×720", fps=15, seconds=10.0, first=0, last=30) | kwargs
    with pytest.raises(ExportRefused, match=words):
        render_export(textbook, "gif", **args)


def test_a_hidden_race_has_nothing_to_export():
    race = PRESETS_BY_KEY["textbook"].race
    surface = race.surface_object()
    hidden = player_payload(grid_for(surface_ref(race)), [path_trajectory(race, k) for k in race.opts],
                            minima=surface.minima, start=race.start, hide_runs=True)
    with pytest.raises(ExportRefused, match="hidden"):
        render_export(hidden, "gif", size="1280×720", fps=15, seconds=2, first=0, last=30)


def test_a_broken_payload_is_refused_in_words():
    with pytest.raises(ExportRefused, match="cannot be drawn"):
        render_export({"data": "{}"}, "gif", size="1280×720", fps=15, seconds=2, first=0, last=30)


def test_a_render_past_its_cpu_budget_is_stopped_with_a_message(textbook):
    with pytest.raises(ExportRefused, match="too long"):
        render_export(textbook, "gif", size="1920×1080", fps=30, seconds=20, first=0, last=30, budget=0.05)


# ------------------------------------------------------------------------ concurrency bound


def test_a_render_that_would_overrun_its_budget_is_stopped_early():
    budget = render_gate.CpuBudget(1.0)
    budget._start -= 0.2  # 0.2 s of CPU for 4 frames of 100: 5 s foreseen
    with pytest.raises(render_gate.RenderTooLong):
        budget(4, 100)
    fine = render_gate.CpuBudget(1.0)
    fine(4, 5)  # a short render that fits goes on


def test_render_slots_are_one_per_core_less_one_at_least_one():
    assert [render_gate.slots_for(c) for c in (None, 1, 2, 4, 16)] == [1, 1, 1, 3, 15]


def test_a_render_while_every_slot_is_taken_is_refused_at_once(textbook, monkeypatch):
    sem = threading.BoundedSemaphore(1)
    monkeypatch.setattr(render_gate, "_SEMAPHORE", sem)
    holding, release = threading.Event(), threading.Event()

    def hold():
        with render_gate.render_slot():
            holding.set()
            release.wait(10)

    t = threading.Thread(target=hold)
    t.start()
    try:
        assert holding.wait(10)
        with pytest.raises(ExportRefused, match="busy.*Try again in a moment"):
            render_export(textbook, "gif", size="854×480", fps=10, seconds=1, first=0, last=30)
    finally:
        release.set()
        t.join()
    # Free again: the same request renders.
    assert render_export(textbook, "gif", size="854×480", fps=10, seconds=1, first=0, last=30)[:6] == b"GIF89a"


# ------------------------------------------------------------------------------- the pages


def _popover_app(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at


def run_open(at: AppTest, key: str = "slides.open") -> AppTest:
    """Rerun with the popover open (the browser sends its open state with every rerun; AppTest
    does not know the element, so the test sets it each time)."""
    at.session_state[key] = True
    return at.run()


def test_compare_offers_the_export_and_makes_a_gif():
    at = _popover_app({"preset": "textbook"}).run()
    assert not at.exception
    at.session_state["slides.open"] = True  # the teacher opens the popover
    at.run()
    assert not at.exception and not at.error
    labels = [b.label for b in at.button]
    assert "Download GIF" in labels and "Download video" in labels
    at.selectbox(key="slides.size").set_value("854×480")
    at.selectbox(key="slides.fps").set_value(10)
    at.number_input(key="slides.seconds").set_value(2.0)
    at.button(key="slides.make.gif").click()
    run_open(at)
    assert not at.exception and not at.error and not at.warning
    blob = at.session_state["slides.file"][3]
    assert blob[:6] == b"GIF89a" and Image.open(io.BytesIO(blob)).size == (854, 480)
    # The same picture as the player on the page: its payload, drawn.
    data = payload_of([e for e in at.get("component_instance") if "descent_player" in e.proto.component_name][-1])
    assert scene_from_payload(data).steps == 30


def test_compare_in_predict_mode_offers_no_export_until_the_reveal():
    at = _popover_app({"preset": "textbook", "mode": "predict"}).run()
    run_open(at)
    assert not at.exception
    assert not any(b.label.startswith("Download GIF") for b in at.button)
    from lessons.presets import PRESETS_BY_KEY as P
    q = P["textbook"].question_at(P["textbook"].race)
    at.radio(key="predictchoice_compare").set_value(q.answer_index)
    run_open(at)
    at.button(key="predictlockbtn_compare").click()
    run_open(at)
    assert not at.exception
    assert any(b.label == "Download GIF" for b in at.button)


def test_a_trimmed_step_range_chosen_on_the_page_renders():
    at = _popover_app({"preset": "textbook"}).run()
    run_open(at)
    at.slider(key="slides.range").set_value((10, 20))
    run_open(at)
    at.button(key="slides.make.gif").click()
    at.number_input(key="slides.seconds").set_value(1.0)
    at.selectbox(key="slides.size").set_value("854×480")
    run_open(at)
    assert not at.exception and not at.error
    blob = at.session_state["slides.file"][3]
    assert Image.open(io.BytesIO(blob)).n_frames >= 2


@pytest.mark.skipif(not video_available(), reason="imageio-ffmpeg not installed")
def test_compare_makes_a_video():
    at = _popover_app({"preset": "textbook"}).run()
    run_open(at)
    at.selectbox(key="slides.size").set_value("854×480")
    at.number_input(key="slides.seconds").set_value(2.0)
    run_open(at)
    at.button(key="slides.make.mp4").click()
    run_open(at)
    assert not at.exception and not at.error and not at.warning
    kind, _, _, blob = at.session_state["slides.file"]
    assert kind == "mp4" and blob[4:8] == b"ftyp"
    assert any(d.label.startswith("Save the video") for d in at.get("download_button"))


def test_the_minibatch_lesson_offers_the_export():
    at = AppTest.from_file(str(ROOT / "pages" / "minibatch.py"), default_timeout=TIMEOUT).run()
    assert not at.exception
    run_open(at, "mb_slides.open")
    assert not at.exception
    assert any(b.label == "Download GIF" for b in at.button)
    at.selectbox(key="mb_slides.size").set_value("854×480")
    at.number_input(key="mb_slides.seconds").set_value(2.0)
    at.button(key="mb_slides.make.gif").click()
    run_open(at, "mb_slides.open")
    assert not at.exception and not at.warning
    blob = at.session_state["mb_slides.file"][3]
    im = Image.open(io.BytesIO(blob))
    im.seek(im.n_frames - 1)
    # The lesson's own colours (recoloured payload) are in the file.
    data = payload_of([e for e in at.get("component_instance") if "descent_player" in e.proto.component_name][-1])
    colours = {tuple(c) for c in np.asarray(im.convert("RGB")).reshape(-1, 3)}
    for run in data["runs"]:
        assert tuple(int(run["color"][i:i + 2], 16) for i in (1, 3, 5)) in colours


def test_the_gif_holds_the_drawn_frames_with_exact_white_and_run_colours(textbook):
    """Decoded, each GIF frame is the drawn frame up to the palette (white and the runs' colours
    exact, so the heads are found in the GIF as in the drawing)."""
    scene = scene_from_payload(textbook)
    o = check_options(size="1280×720", fps=10, seconds=3, first=0, last=30, steps=30)
    im = Image.open(io.BytesIO(gif_bytes(scene, o)))
    r = FrameRenderer(scene, 1280, 720)
    held = sorted(set(frame_steps(0, 30, 10, 3.0)))
    assert im.n_frames == len(held)
    for k in (0, len(held) // 2, len(held) - 1):
        im.seek(k)
        got = np.asarray(im.convert("RGB")).astype(int)
        want = np.asarray(r.frame(held[k])).astype(int)
        assert np.abs(got - want).mean() < 2.0
        assert (got[want.sum(axis=2) == 765] == 255).mean() > 0.999  # the page's white stays white
        for i, run in enumerate(scene.runs):
            panel = r.panels[i]
            step = min(held[k], len(run.path) - 1)
            (px, py), = to_pixels(run.path[step][None], scene, panel.plot)
            want_xy = (panel.plot[0] + px, panel.plot[1] + py)
            got_xy = head_centroid(im.convert("RGB"), run.color, (int(want_xy[0]) - 12, int(want_xy[1]) - 12, 24, 24),
                                   r.base)
            assert abs(got_xy[0] - want_xy[0]) <= 1.5 and abs(got_xy[1] - want_xy[1]) <= 1.5


def test_without_pillows_block_writers_the_gif_falls_back_to_its_save(textbook, monkeypatch):
    from viz import gif_export

    o = check_options(size="854×480", fps=10, seconds=3, first=0, last=30, steps=30)
    streamed = Image.open(io.BytesIO(gif_bytes(scene_from_payload(textbook), o)))
    monkeypatch.setattr(gif_export, "STREAMING", False)
    saved = Image.open(io.BytesIO(gif_bytes(scene_from_payload(textbook), o)))
    assert saved.n_frames == streamed.n_frames
    saved.seek(saved.n_frames - 1)
    streamed.seek(streamed.n_frames - 1)
    assert np.array_equal(np.asarray(saved.convert("RGB")), np.asarray(streamed.convert("RGB")))
