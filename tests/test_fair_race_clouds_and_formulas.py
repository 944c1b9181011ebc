"""The Compare page's fair race, noise clouds and custom formulas, under Streamlit's AppTest.

The player is a custom component: its arguments (the JSON payload the browser receives) are
read from the component's proto, so these tests check what would be drawn without a browser.
"""

from __future__ import annotations


import numpy as np
import pytest

from lessons.presets import PRESETS_BY_KEY
from optimizers import OPTIMIZERS, simulate
from lessons.tuning import tune_learning_rate
from surfaces import SURFACES
from tests.player_args import payload_of
from tests.test_compare_page import assert_clean, new_app, summary
from lessons.race import DEFAULT_FORMULA
from lessons.race_link import hyper_grid
from viz.clouds import CLOUD_POINTS
from viz.summary import CLOUD_DIVERGED_COLUMN, CLOUD_LOSS_COLUMN


def payload(at) -> dict:
    """The player's data as the browser would receive it."""
    players = [e for e in at.get("component_instance") if "descent_player" in e.proto.component_name]
    assert players, "player missing"
    return payload_of(players[-1])


def texts(at, kind: str) -> str:
    return "\n".join(e.value for e in getattr(at, kind))


def qp(at, key: str):
    value = at.query_params.get(key)
    return value[-1] if isinstance(value, list) else value


# ---------------------------------------------------------------------------------- tuning


def test_tune_button_sets_every_lr_to_the_engines_pick_and_explains_it():
    at = new_app({"preset": "rosenbrock"})
    at.button(key="tune").click().run()
    assert_clean(at)
    ss = at.session_state
    for key in ("sgd", "momentum", "nesterov", "adam"):
        grid = hyper_grid(key, "lr")
        hyper = {k: v for k, v in OPTIMIZERS[key].defaults().items() if k != "lr"}
        expected = tune_learning_rate(SURFACES["rosenbrock"], key, hyper, (-1.5, 2.0), 1000, lr_grid=np.array(grid))
        assert expected.found
        assert ss[f"hp.{key}.lr"] == expected.best_lr  # exactly a slider value: nothing snapped
        assert float(qp(at, f"{key}.lr")) == pytest.approx(expected.best_lr)  # and the link says so
    # Four optimizers: their expanders start closed and lazy; opened, the slider shows the pick.
    for key in ("sgd", "adam"):
        at.session_state[f"open.{key}"] = True
    at.run()
    for key in ("sgd", "adam"):
        assert at.select_slider(key=f"hp.{key}.lr").value == at.session_state[f"hp.{key}.lr"]
    report = texts(at, "success")
    assert "Tuned learning rates" in report and "lowest final loss" in report and "diverged" in report
    assert "Adam" in report and "snapped" not in report
    assert any(c.proto.spec and "picked" in c.proto.spec for c in at.get("plotly_chart"))  # the sweep figure

    # Undo puts the lesson's rates back; the report goes with it.
    at.button(key="undo_tune").click().run()
    assert_clean(at)
    lesson = PRESETS_BY_KEY["rosenbrock"].race.hypers
    assert at.session_state["hp.sgd.lr"] == lesson["sgd"]["lr"] and at.session_state["hp.adam.lr"] == lesson["adam"]["lr"]
    assert not at.success


def test_tune_report_disappears_when_the_settings_change():
    at = new_app({"preset": "textbook"})
    at.button(key="tune").click().run()
    assert at.success
    at.number_input(key="steps").set_value(40).run()
    assert_clean(at)
    assert not at.success  # it would describe a race that is no longer on screen


def test_tune_when_every_rate_diverges_changes_nothing():
    at = new_app({"surface": "custom", "formula": "exp(x^2 + y^2)", "opt": ["sgd"], "sgd.lr": "0.01", "steps": "30"})
    assert_clean(at)
    at.button(key="tune").click().run()
    assert not at.exception
    assert at.session_state["hp.sgd.lr"] == 0.01
    warning = texts(at, "warning")
    assert "diverged" in warning and "nothing was changed" in warning
    assert not at.success


# ---------------------------------------------------------------------------------- clouds


def test_noise_clouds_reach_the_player_the_loss_chart_and_the_table():
    at = new_app({"preset": "textbook", "noise": "1"})
    assert_clean(at)
    assert not at.checkbox(key="cloud").disabled
    assert "cloud" not in payload(at)["runs"][0]
    at.checkbox(key="cloud").check().run()
    assert_clean(at)
    assert at.select_slider(key="cloud_runs").value == 32
    runs = payload(at)["runs"]
    assert len(runs) == 4
    for run in runs:
        cloud = run["cloud"]
        assert cloud["runs_drawn"] == 32 and cloud["points"] == 31  # 30 steps: every point
        points = cloud["points"]
        assert len(cloud["paths"]) == 2 * cloud["runs_drawn"] * points and len(cloud["median_path"]) == 2 * points
        first = np.asarray(cloud["paths"][: 2 * points], dtype=float).reshape(-1, 2)  # seed 0 is the page's run
        np.testing.assert_allclose(first, np.asarray(run["path"], dtype=float).reshape(-1, 2), rtol=2e-3, atol=2e-3)
    assert "32 seeded runs" in payload(at)["note"] and "of them drawn" not in payload(at)["note"]  # all 32 sent
    bands = [run["cloud"].get("loss_band", {}) for run in runs]  # the player's loss chart draws the bands
    assert all("median of 32 runs" in b.get("name", "")
               and len(b["lower_quartile"]) == len(b["median"]) == len(b["upper_quartile"])
               for b in bands), "the loss chart has no cloud band"
    table = summary(at)
    assert CLOUD_LOSS_COLUMN in table.columns and list(table[CLOUD_DIVERGED_COLUMN]) == ["0 of 32"] * 4
    assert qp(at, "clouds") == "32"


def test_long_runs_send_thinned_clouds_within_budget():
    at = new_app({"surface": "rosenbrock", "opt": list(OPTIMIZERS), "steps": "2000", "noise": "0.5",
                  "clouds": "128"})
    assert_clean(at)
    data = payload(at)
    for run in data["runs"]:
        assert run["cloud"]["points"] <= CLOUD_POINTS
        assert run["cloud"]["runs_drawn"] < 128  # 7 clouds of 128 runs do not all fit: a spread subset is drawn
    assert "128 seeded runs" in data["note"]
    assert f"{data['runs'][0]['cloud']['runs_drawn']} of them drawn" in data["note"]
    size = at.get("component_instance")[0].proto.ByteSize()  # the element as it crosses the websocket
    assert size < 2_000_000, size


def test_clouds_need_noise():
    at = new_app({"preset": "textbook"})
    assert at.checkbox(key="cloud").disabled
    assert not at.get("select_slider") or all(s.key != "cloud_runs" for s in at.select_slider)
    linked = new_app({"preset": "textbook", "clouds": "32"})  # a link asking for clouds without noise
    assert not linked.exception
    assert "noise" in texts(linked, "warning")
    assert CLOUD_LOSS_COLUMN not in summary(linked).columns


# -------------------------------------------------------------------------- custom formula


def test_typed_formula_changes_the_surface_and_a_bad_one_keeps_it():
    at = new_app({"preset": "textbook"})
    at.selectbox(key="surface").set_value("custom").run()
    assert_clean(at)
    assert at.session_state["formula"] == DEFAULT_FORMULA
    at.text_input(key="formula").set_value("x^2 + 3*y^2").run()
    assert_clean(at)
    assert "x^{2} + 3 y^{2}" in texts(at, "markdown")  # the parsed formula, echoed as LaTeX
    assert qp(at, "surface") == "custom" and qp(at, "formula") == "x^2 + 3*y^2"
    assert (at.session_state["x0"], at.session_state["y0"]) != (-7.0, 2.0)  # the new surface's own start
    good = summary(at)
    assert good["distance to nearest minimum"].notna().all()  # measured to the numerically found minimum

    at.text_input(key="formula").set_value("x^2 + 3*y^^2").run()
    assert not at.exception
    assert "Cannot use this" in texts(at, "error")
    assert summary(at).equals(good)  # the previous surface and results stay on screen
    assert qp(at, "formula") == "x^2 + 3*y^2"
    assert "x^{2} + 3 y^{2}" in texts(at, "markdown")


def test_a_pasted_formula_over_the_limit_is_kept_and_said_to_be_too_long():
    from surfaces.expression import MAX_LENGTH

    at = new_app({"surface": "custom"})
    long = " + ".join(["x^2"] * 80)  # a real formula, 477 characters
    assert len(long) > MAX_LENGTH
    at.text_input(key="formula").set_value(long).run()
    assert not at.exception
    assert at.text_input(key="formula").value == long  # kept for editing, not dropped
    errors = texts(at, "error").replace("\\", "")  # user text is markdown-escaped
    assert f"too long ({len(long)} characters; at most {MAX_LENGTH})" in errors
    assert "Enter a formula" not in errors
    assert qp(at, "formula") == DEFAULT_FORMULA  # the race keeps the last formula that worked


def test_examples_and_plotting_range():
    at = new_app({"surface": "custom"})
    at.selectbox(key="formula_example").set_value("abs(x) + abs(y)").run()
    assert_clean(at)
    assert at.session_state["formula"] == "abs(x) + abs(y)" and at.session_state["formula_example"] is None
    at.selectbox(key="formula_example").set_value("(x^2 + y - 11)^2 + (x + y^2 - 7)^2").run()
    assert (at.session_state["x0"], at.session_state["y0"]) == (0.0, 0.0)  # the example's own start
    at.selectbox(key="formula_example").set_value("abs(x) + abs(y)").run()
    at.number_input(key="xmax").set_value(2.0).run()
    assert_clean(at)
    assert qp(at, "xmax") == "2"
    assert at.number_input(key="x0").max == 2.0
    at.number_input(key="xmin").set_value(3.0).run()  # xmin > xmax: an inline error, the old range stays
    assert not at.exception
    assert "plotting range needs x min" in texts(at, "error")
    assert qp(at, "xmin") == "-5"


def test_custom_formula_link_round_trip():
    query = {"surface": "custom", "formula": "(x^2 + y - 11)^2 + (x + y^2 - 7)^2", "xmin": "-6", "xmax": "6",
             "ymin": "-6", "ymax": "6", "opt": ["sgd", "adam"], "steps": "100", "x0": "0", "y0": "0", "noise": "0",
             "seed": "0", "sgd.lr": "0.001", "adam.lr": "0.1"}
    at = new_app(query)
    assert_clean(at)
    assert not at.warning
    assert at.session_state["formula"] == query["formula"] and at.session_state["xmax"] == 6.0
    written = {k: at.query_params.get_all(k) if hasattr(at.query_params, "get_all") else at.query_params[k]
               for k in at.query_params}
    norm = lambda q: {k: (v if isinstance(v, list) else [v]) for k, v in q.items()}  # noqa: E731
    assert norm(written) == norm(query)
    assert payload(at)["grid"]["x_max"] == 6.0


@pytest.mark.parametrize("formula", [
    "__import__('os').system('x')", "<script>alert(1)</script>", "x" * 10_000, "9**9**9**9", "1/0 + x",
    "", "x^^2", "log(x)", "sin", "$x$", "x\ny",
])
def test_hostile_url_formulas_fall_back_with_a_notice(formula):
    at = new_app({"surface": "custom", "formula": formula, "opt": "adam"})
    assert not at.exception
    assert at.session_state["formula"] == (DEFAULT_FORMULA if formula != "log(x)" else "log(x)")
    if formula not in ("log(x)", ""):  # an empty value counts as absent, like every other key
        assert "formula" in texts(at, "warning")
    assert len(summary(at)) == 1
    assert "<script>" not in texts(at, "markdown")


def test_leaving_and_returning_to_custom_keeps_the_formula():
    at = new_app({"surface": "custom", "formula": "x^2 + 3*y^2", "xmax": "3"})
    at.selectbox(key="surface").set_value("bowl").run()
    assert qp(at, "formula") is None  # not in the link of a built-in surface
    at.selectbox(key="surface").set_value("custom").run()  # Streamlit dropped the hidden box's state
    assert_clean(at)
    assert (at.session_state["formula"], at.session_state["xmax"]) == ("x^2 + 3*y^2", 3.0)
    assert qp(at, "formula") == "x^2 + 3*y^2" and qp(at, "xmax") == "3"


def test_cloud_run_count_survives_switching_clouds_off_and_on():
    at = new_app({"preset": "textbook", "noise": "1", "clouds": "64"})
    at.checkbox(key="cloud").uncheck().run()
    assert qp(at, "clouds") is None
    at.checkbox(key="cloud").check().run()
    assert_clean(at)
    assert at.select_slider(key="cloud_runs").value == 64 and qp(at, "clouds") == "64"


@pytest.mark.parametrize("opt_key, hyper, extra", [
    ("adam", {"lr": 0.05}, {}),
    ("sgd", {"lr": 0.5}, {}),  # diverges on Rosenbrock: ends at the last finite point
    ("momentum", {"lr": 0.002}, {"noise": 0.5, "seed": 3, "sched": "cosine", "clip": 1.0}),
])
def test_path_only_runs_equal_the_full_record(opt_key, hyper, extra):
    """The race without the inspector or arrows records paths only: the same numbers as simulate."""
    from lessons.race import Race
    from ui.simulation import path_trajectory
    from viz.trajectory import Trajectory

    race = Race("rosenbrock", {opt_key: hyper}, (-1.5, 2.0), 300)
    race = race.with_(**{{"sched": "schedule"}.get(k, k): v for k, v in extra.items()})
    fast = path_trajectory(race, opt_key)
    df = simulate("rosenbrock", opt_key, hyper, race.start, race.steps, noise=race.noise, seed=race.seed,
                  schedule=race.schedule_object(), clip_norm=race.clip_norm)
    full = Trajectory.from_frame(df, opt_key, OPTIMIZERS[opt_key].label, race.steps)
    np.testing.assert_array_equal(fast.path, full.path)
    np.testing.assert_array_equal(fast.loss, full.loss)
    assert fast.diverged_at == full.diverged_at and fast.label == full.label
    assert fast.grads is None and not fast.states
