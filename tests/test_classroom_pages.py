"""The classroom's page-level behaviour under AppTest (the browser-only ones are in tests/e2e).

A lesson preset brings its own playback (step 0, a speed that plays it in 10–20 s); switching
surface removes the previous lesson's box; captions write θ's index as a subscript; the player
payload carries its style constants from Python.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lessons.presets import PRESETS, PRESETS_BY_KEY
from tests.player_args import payload_of
from viz.player import PLAY_SECONDS, SPEED_OPTIONS, default_speed, style_payload
from viz.style import Style

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def _app(**query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def _payload(at: AppTest) -> dict:
    (player,) = at.get("component_instance")
    return payload_of(player)


@pytest.mark.parametrize("steps", sorted({p.race.steps for p in PRESETS} | {10, 25, 5000}))
def test_default_speed_plays_a_run_in_10_to_20_seconds(steps):
    speed = default_speed(steps)
    assert speed in SPEED_OPTIONS
    lo, hi = PLAY_SECONDS
    assert lo <= steps / speed <= hi


def test_a_new_preset_brings_its_own_playback():
    at = _app(preset="textbook")
    first = _payload(at)
    at.selectbox(key="lesson").set_value("rosenbrock").run()
    assert not at.exception
    second = _payload(at)
    steps = PRESETS_BY_KEY["rosenbrock"].race.steps
    # A different race id makes the browser restart at step 0 at the payload's speed.
    assert first["playback"] != second["playback"]
    assert second["steps"] == steps and second["speed"] == default_speed(steps)
    assert PLAY_SECONDS[0] <= steps / second["speed"] <= PLAY_SECONDS[1]
    # The style constants come from Python (the browser retypes none of them).
    assert second["style"] == style_payload(Style()) and second["speeds"] == list(SPEED_OPTIONS)
    assert {"minimum", "start", "gradient"} <= set(second["colors"])


def test_switching_surface_removes_the_previous_lesson_box():
    at = _app(preset="rosenbrock")
    title = PRESETS_BY_KEY["rosenbrock"].title
    assert any(title in i.value for i in at.info)
    at.selectbox(key="surface").set_value("bowl").run()
    assert not at.exception
    assert not any(title in i.value for i in at.info)
    assert at.selectbox(key="lesson").value is None


def test_inspector_caption_writes_theta_indices_as_subscripts():
    at = _app(preset="textbook")
    at.session_state["inspector_open"] = True  # the user opens the (lazy) expander
    at.run()
    at.number_input(key="inspect_step").set_value(12).run()
    captions = [c.value for c in at.caption]
    assert any("θ₁₂" in c for c in captions), captions
    assert not any("θ_" in c for c in captions)


def test_rejected_formula_is_named_in_the_main_area():
    at = _app(surface="custom", f="x^2+y^2", opt="sgd")
    at.text_input(key="formula").set_value("x^2 + y^").run()
    main = [e.value for e in at.main.error]
    assert any("was not used" in m and "x^2 + y^" in m.replace("\\", "") for m in main), main


def test_regression_maps_are_titled_with_slope_and_intercept():
    """The regression lesson talks about w and b: the Compare maps' axes say which is which."""
    titles = list(_payload(_app(preset="regression"))["axis_titles"])
    assert titles == ["slope w", "intercept b"]
    assert _payload(_app(preset="textbook"))["axis_titles"] == ["", ""]
