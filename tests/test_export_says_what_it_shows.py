"""The offline HTML export says which race it shows: settings and the lesson's text under the title."""

from __future__ import annotations

import numpy as np

from lessons.presets import PRESETS_BY_KEY
from lessons.race import Race
from surfaces import SURFACES
from viz.contours import contour_grid
from viz.player import player_payload, standalone_html
from viz.trajectory import Trajectory


def _payload(race: Race):
    surface = race.surface_object()
    trajs = []
    for key in race.opts:
        res = race.run(key)
        trajs.append(Trajectory(key=key, label=key, path=res.path[:, 0], loss=res.loss[:, 0], steps=race.steps))
    return player_payload(contour_grid(surface.f, surface.bounds, 41), trajs, minima=surface.minima)


def test_the_file_lists_every_setting_and_the_lesson_text():
    preset = PRESETS_BY_KEY["schedule"]
    race = preset.race
    html = standalone_html(_payload(race), title="Descent: bowl", settings=race.describe(), notes=preset.watch)
    for line in ("Elongated bowl", "(-7, 2)", "500", "σ = 2, seed 0", "Inverse-time decay (decay = 0.01)",
                 "SGD + momentum", "lr = 0.03, momentum = 0.9, weight_decay = 0"):
        assert line in html, line
    assert preset.watch.split(".")[0].replace("(", "") in html.replace("(", "")  # the lesson's words


def test_describe_names_every_optimizer_with_all_its_hyperparameters_lr_first():
    race = Race("rosenbrock", {"adam": {"lr": 0.1}, "sgd": {"lr": 0.002}}, (-1.5, 2.0), 500, clip=1.0)
    lines = dict(race.describe())
    assert lines["Surface"] == SURFACES["rosenbrock"].label and lines["Steps"] == "500"
    assert lines["Gradient clipping"] == "norm at most 1"
    assert lines["Adam"].startswith("lr = 0.1, ") and "beta2 = 0.999" in lines["Adam"]
    assert lines["SGD"] == "lr = 0.002, weight_decay = 0"
    assert "Gradient noise" not in lines and "Learning-rate schedule" not in lines


def test_user_text_in_the_file_is_escaped():
    race = Race("custom", ["sgd"], (1.0, 1.0), 5, formula="x^2 + y^2")
    html = standalone_html(_payload(race), settings=[("Note", "<script>alert(1)</script>")],
                           notes="a <b>bold</b> & claim")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "a &lt;b&gt;bold&lt;/b&gt; &amp; claim" in html
    assert np.isfinite(race.run("sgd").final_loss).all()
