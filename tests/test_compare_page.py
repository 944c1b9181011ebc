"""The Compare page under Streamlit's AppTest: default page, interactions, presets, URLs.

The player is a custom component, which AppTest shows as an unknown element: these tests assert
on the summary table, session state, the URL and the other elements; the browser tests in
tests/e2e cover the player itself.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from lessons.presets import DEFAULT_PRESET, PRESETS, PRESETS_BY_KEY
from optimizers import OPTIMIZERS, make_schedule, simulate
from surfaces import SURFACES
from tests.player_args import payload_of
from ui.inspector import substituted_rule
from ui.url_state import state_of, to_query

TIMEOUT = 90
APP = str(Path(__file__).resolve().parents[1] / "app.py")


def new_app(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at.run()


def summary(at: AppTest) -> pd.DataFrame:
    frames = [d.value for d in at.table if "final loss" in d.value.columns]
    assert frames, "summary table missing"
    return frames[-1]


def player_data(at: AppTest) -> dict:
    """The player's data as the browser would receive it (the loss chart is drawn from it)."""
    players = [e for e in at.get("component_instance") if "descent_player" in e.proto.component_name]
    assert players, "player missing"
    return payload_of(players[-1])


def test_loss_chart_in_the_player_plots_the_engines_f_minus_f_star():
    at = new_app({"preset": "rosenbrock"})
    assert_clean(at)
    assert not at.get("plotly_chart")  # no Streamlit plotly chart: its bundle is not loaded
    data = player_data(at)
    race = PRESETS_BY_KEY["rosenbrock"].race
    surface = SURFACES[race.surface]
    f_star = min(float(surface.f(*m)) for m in surface.minima)
    for run in data["runs"]:
        df = simulate(surface, run["key"], race.hyper(run["key"]), race.start, race.steps)
        want = np.maximum(df["loss"].to_numpy() - f_star, 1e-16)
        # f* = 0 here: the browser floors the run's own loss (viz.paths.LossScale.shown)
        assert "loss_above_minimum" not in run
        shown = np.maximum(np.asarray(run["loss"], dtype=float), data["loss_chart"]["floor"])
        np.testing.assert_allclose(shown, want, rtol=2e-4)
    assert data["loss_chart"]["log"] and data["loss_chart"]["unified"] == (len(data["runs"]) > 1)


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_default_page_runs():
    at = new_app()
    assert_clean(at)
    table = summary(at)
    preset = PRESETS_BY_KEY[DEFAULT_PRESET]
    assert list(table["optimizer"]) == [OPTIMIZERS[k].label for k in preset.race.opts]
    assert at.session_state["surface"] == preset.race.surface
    assert at.query_params["preset"] == [DEFAULT_PRESET] or at.query_params["preset"] == DEFAULT_PRESET
    assert any(preset.title in i.value for i in at.info)  # the lesson's "what to watch" box
    chart = player_data(at)["loss_chart"]  # drawn by the player: one Plotly bundle on the page
    assert chart["log"] and "f − f*" in chart["title"]
    assert not any("PyTorch" in m.value for m in at.markdown)  # About is closed and lazy: not built
    at.session_state["about_open"] = True  # the student opens it
    at.run()
    assert any("PyTorch" in m.value for m in at.markdown)  # the About box names the convention


def test_closed_expanders_keep_their_settings_and_build_nothing():
    """Lazy expanders (a closed one builds nothing, so a rerun stays cheap): closing one hides its widgets, never the values they hold."""
    link = {"surface": "bowl", "opt": ["sgd", "momentum", "adam"], "steps": "60", "x0": "-7", "y0": "2",
            "sgd.lr": "0.5", "sched": "step", "sched.step_size": "20", "sched.gamma": "0.5", "clip": "2",
            "ghost": "1"}
    at = new_app(link)
    assert_clean(at)
    before = summary(at)
    query = dict(at.query_params)
    assert at.select_slider(key="clip").value == 2.0  # a schedule in the link opens its expander
    for key in ("sched_open", "open.sgd"):
        at.session_state[key] = False  # the student folds the schedule box (SGD's is folded already)
    at.run()
    assert_clean(at)
    assert not any(s.key in ("clip", "sched.gamma", "hp.sgd.lr") for s in at.select_slider)
    assert summary(at).equals(before) and dict(at.query_params) == query  # same race, same link
    at.run()  # a second rerun without the widgets: Streamlit would have dropped unheld widget state
    assert summary(at).equals(before) and dict(at.query_params) == query
    at.session_state["sched_open"] = True
    at.session_state["open.sgd"] = True
    at.run()
    assert at.select_slider(key="clip").value == 2.0 and at.select_slider(key="sched.gamma").value == 0.5
    assert at.select_slider(key="hp.sgd.lr").value == 0.5 and at.toggle(key="ghost").value is True


def test_changing_surface_optimizers_and_slider_changes_the_result():
    at = new_app()
    before = summary(at).set_index("optimizer")["final loss"]
    assert not any(s.key == "hp.sgd.lr" for s in at.select_slider)  # four optimizers: folded, not built
    at.session_state["open.sgd"] = True  # the student opens SGD's expander
    at.run()
    assert summary(at).set_index("optimizer")["final loss"].tolist() == before.tolist()  # opening changes nothing

    at.select_slider(key="hp.sgd.lr").set_value(0.5).run()
    assert_clean(at)
    after = summary(at).set_index("optimizer")["final loss"]
    assert after["SGD"] != before["SGD"]
    assert after["Adam"] == before["Adam"]  # only the changed optimizer moved
    assert at.query_params["sgd.lr"] in ("0.5", ["0.5"])

    at.multiselect(key="opts").set_value(["adam", "rmsprop"]).run()
    assert_clean(at)
    assert list(summary(at)["optimizer"]) == ["RMSprop", "Adam"]

    at.selectbox(key="surface").set_value("rosenbrock").run()
    assert_clean(at)
    assert (at.session_state["x0"], at.session_state["y0"]) == tuple(SURFACES["rosenbrock"].start)
    assert summary(at)["final loss"].tolist() != after.tolist()
    assert at.query_params["surface"] in ("rosenbrock", ["rosenbrock"])


@pytest.mark.parametrize("key", [p.key for p in PRESETS])
def test_every_preset_runs(key):
    at = new_app()
    at.selectbox(key="lesson").set_value(key).run()
    assert_clean(at)
    preset = PRESETS_BY_KEY[key]
    table = summary(at)
    labels = [OPTIMIZERS[k].label for k in preset.race.opts]
    assert [o for o in table["optimizer"] if "constant lr" not in o] == labels
    assert at.session_state["surface"] == preset.race.surface
    assert at.session_state["steps"] == preset.race.steps
    assert at.query_params["preset"] in (key, [key])
    assert any(preset.title in i.value for i in at.info)


def test_restore_lesson_button():
    at = new_app({"preset": "nesterov"})
    at.select_slider(key="hp.nesterov.lr").set_value(0.1).run()
    assert "preset" not in at.query_params  # modified: the link no longer names the lesson
    at.button(key="restore_lesson").click().run()
    assert_clean(at)
    assert at.session_state["hp.nesterov.lr"] == 0.3
    assert at.query_params["preset"] in ("nesterov", ["nesterov"])


def test_shared_url_restores_state():
    state = state_of(PRESETS_BY_KEY["adagrad_stall"])
    state = state.with_race(state.race.with_hyper("rmsprop", "lr", 0.02).with_(steps=321, noise=0.5, seed=7))
    query = to_query(state)
    at = new_app(query)
    assert_clean(at)
    assert not at.warning
    ss = at.session_state
    assert (ss["surface"], ss["opts"], ss["steps"], ss["noise"], ss["seed"]) == ("rosenbrock", ["adagrad", "rmsprop"], 321, 0.5, 7)
    assert ss["hp.rmsprop.lr"] == 0.02 and ss["hp.adagrad.lr"] == 0.5
    # The page writes back exactly the link it was opened with.
    written = {k: at.query_params.get_all(k) if hasattr(at.query_params, "get_all") else at.query_params[k]
               for k in at.query_params}
    norm = {k: (v if isinstance(v, list) else [v]) for k, v in query.items()}
    assert {k: (v if isinstance(v, list) else [v]) for k, v in written.items()} == norm


def test_issue_example_url():
    at = new_app({"surface": "rosenbrock", "opt": ["sgd", "adam"], "steps": "500", "x0": "-1.5", "y0": "2",
                  "noise": "0", "seed": "0", "adam.lr": "0.01"})
    assert_clean(at)
    assert not at.warning
    assert list(summary(at)["optimizer"]) == ["SGD", "Adam"]
    assert at.session_state["hp.adam.lr"] == 0.01


BAD_URLS = [
    {"surface": "atlantis"},
    {"steps": "abc", "x0": "nan", "y0": "inf"},
    {"steps": "1e308", "noise": "-inf", "seed": "-1"},
    {"opt": ["<script>alert(1)</script>", "nope"]},
    {"adam.lr": "<script>alert(1)</script>", "opt": "adam"},
    {"sgd.lr": "1e9", "opt": "sgd", "steps": "-4"},
    {"preset": "nope", "view": "sideways", "sched": "??"},
    {"<script>alert(1)</script>": "<script>alert(1)</script>"},
]


@pytest.mark.parametrize("query", BAD_URLS, ids=[str(i) for i in range(len(BAD_URLS))])
def test_bad_urls_do_not_raise(query):
    at = new_app(query)
    assert_clean(at)
    assert at.warning, "a bad link shows a short notice"
    assert len(summary(at)) >= 1  # never a blank page


def test_three_d_view_and_overlay():
    at = new_app({"view": "3d"})
    assert_clean(at)
    figs = at.get("plotly_chart")
    assert len(figs) == 2  # the 3-D surface and the loss chart (no player in this view)
    assert '"scene"' in figs[0].proto.spec and "f − f*" in figs[1].proto.spec
    at2 = new_app({"view": "overlay"})
    assert_clean(at2)


def test_step_inspector_shows_substituted_rules():
    at = new_app()
    assert "inspect_step" not in [w.key for w in at.number_input]  # closed: not built
    at.session_state["inspector_open"] = True  # the user opens the expander
    at.run()
    at.number_input(key="inspect_step").set_value(3).run()
    assert_clean(at)
    latex = [el.value for el in at.latex]
    assert any(r"\theta_{4}" in v for v in latex)  # update 4 leaves step 3
    tables = [d.value for d in at.table if "gx" in d.value.columns]
    assert tables and len(tables[0]) == len(PRESETS_BY_KEY[DEFAULT_PRESET].race.opts)


def test_stability_limit_is_shown_on_quadratics():
    at = new_app({"preset": "too_large"})
    assert_clean(at)
    for key in PRESETS_BY_KEY["too_large"].race.opts:  # open every optimizer's expander
        at.session_state[f"open.{key}"] = True
    at.run()
    text = " ".join(m.value for m in at.markdown)
    assert "diverges" in text and "stable" in text  # SGD at 1.5 is red, momentum at 0.5 green


def test_schedule_with_ghost_runs_and_projector():
    at = new_app({"preset": "schedule"})
    assert_clean(at)
    table = summary(at)
    assert any("constant lr" in o for o in table["optimizer"])
    # The schedule's thumbnail is an inline SVG: no Streamlit Plotly chart, so the page loads one
    # Plotly bundle (the player's), not two.
    assert not at.get("plotly_chart")
    (thumb,) = [m.value for m in at.markdown if "schedule-preview" in m.value]
    last = make_schedule("inverse_time", decay=0.01).factor(500, 500)
    assert f"× {last:.3g} at update 500" in thumb
    at.toggle(key="projector").set_value(True).run()
    assert_clean(at)


def test_diverged_run_is_reported_not_crashed():
    at = new_app({"preset": "too_large"})
    table = summary(at).set_index("optimizer")
    assert table.loc["SGD", "diverged"].startswith("diverged at step")
    assert np.isfinite(float(table.loc["SGD", "final loss"]))


# The presets' claims (every number in their texts) are checked in tests/test_lesson_claims.py.


@pytest.mark.parametrize("opt_key", list(OPTIMIZERS))
def test_inspector_arithmetic_matches_the_engine(opt_key):
    hyper = OPTIMIZERS[opt_key].resolve({"lr": 0.01, "weight_decay": 0.05} if opt_key != "adagrad" else {"lr": 0.3})
    if opt_key == "rmsprop":
        hyper["momentum"] = 0.5
    df = simulate("rosenbrock", opt_key, hyper, (-1.5, 2.0), 15, noise=0.3, seed=3)
    for k in range(len(df) - 1):
        _, new = substituted_rule(opt_key, df, k, hyper)
        np.testing.assert_allclose(new, df[["x", "y"]].to_numpy()[k + 1], rtol=1e-12, atol=1e-12)
    assert substituted_rule(opt_key, df, len(df) - 1, hyper) is None


# ------------------------------------------------------------------------- leaving and coming back


def _query(at: AppTest) -> dict:
    return {k: at.query_params[k] for k in at.query_params}


def _go(at: AppTest, page: str, query: dict | None = None) -> AppTest:
    """Switch page as the browser does: the sidebar sends no query string, a link or Back sends its own."""
    for k in list(at.query_params):
        del at.query_params[k]
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.switch_page(page).run()
    assert_clean(at)
    return at


def test_leaving_compare_keeps_the_race_by_sidebar_and_back():
    at = new_app({"preset": "rosenbrock"})
    at.number_input(key="steps").set_value(300).run()  # a race that is no longer the preset
    race, table = _query(at), summary(at)
    assert "preset" not in race and race["steps"] in ("300", ["300"])
    _go(at, "pages/ewma.py")
    _go(at, "pages/compare.py")  # the sidebar: no query string
    assert _query(at) == race
    pd.testing.assert_frame_equal(summary(at), table)
    _go(at, "pages/schedules.py", {"steps": "100"})
    _go(at, "pages/compare.py", race)  # Back: the browser puts the race's link back
    assert _query(at) == race
    pd.testing.assert_frame_equal(summary(at), table)
    assert not at.warning  # nothing in the link was rejected


def test_a_lesson_pages_preset_link_opens_its_preset_after_compare_was_open():
    at = new_app({"preset": "rosenbrock"})
    _go(at, "pages/ewma.py")
    _go(at, "pages/compare.py", {"preset": "adam_bias"})  # "Compare preset: …" on the lesson page
    preset = PRESETS_BY_KEY["adam_bias"]
    assert list(summary(at)["optimizer"]) == [OPTIMIZERS[k].label for k in preset.race.opts]
    assert at.query_params["preset"] in ("adam_bias", ["adam_bias"])
    assert any(preset.title in i.value for i in at.info)


def test_projector_mode_stays_on_across_pages():
    at = new_app()
    at.toggle(key="projector").set_value(True).run()
    _go(at, "pages/ewma.py")
    assert at.toggle(key="projector").value is True
    _go(at, "pages/compare.py")
    assert at.toggle(key="projector").value is True


def test_a_link_value_between_slider_stops_is_a_stop_of_its_own():
    at = new_app({"surface": "rosenbrock", "opt": "momentum", "momentum.lr": "0.0020565789", "momentum.momentum": "0.5045"})
    assert_clean(at)
    assert not at.warning  # nothing was rounded away
    at.session_state["open.momentum"] = True
    at.run()
    lr = at.select_slider(key="hp.momentum.lr")
    assert lr.value == 0.0020565789 and "0.0020565789" in lr.options and "0.002" in lr.options  # options as shown
    assert at.select_slider(key="hp.momentum.momentum").value == 0.5045
    assert at.query_params["momentum.lr"] in ("0.0020565789", ["0.0020565789"])


def test_projector_mode_in_the_link_survives_a_reload_and_pages():
    at = new_app({"preset": "textbook"})
    at.toggle(key="projector").set_value(True).run()
    assert at.query_params["projector"] in ("1", ["1"])  # written by the page's one writer
    again = new_app(dict(at.query_params))  # a reload, or the link on another screen
    assert not again.exception and again.toggle(key="projector").value is True
    assert again.query_params["projector"] in ("1", ["1"])
    _go(again, "pages/ewma.py")  # a lesson page keeps it in its link too
    assert again.toggle(key="projector").value is True and again.query_params["projector"] in ("1", ["1"])
    again.toggle(key="projector").set_value(False).run()
    assert "projector" not in again.query_params
    _go(again, "pages/compare.py")
    assert again.toggle(key="projector").value is False and "projector" not in again.query_params
    on_lesson = AppTest.from_file(APP, default_timeout=TIMEOUT)
    on_lesson.query_params["projector"] = "1"
    on_lesson.switch_page("pages/ewma.py").run()
    assert not on_lesson.exception and on_lesson.toggle(key="projector").value is True


def test_projector_shows_the_lesson_summary_with_the_full_text_folded():
    preset = PRESETS_BY_KEY["textbook"]
    at = new_app({"preset": "textbook", "projector": "1"})
    assert_clean(at)
    assert any(preset.summary in i.value and preset.watch not in i.value for i in at.info)
    assert any(e.label == "Full lesson text" for e in at.expander)
    at.session_state["full_lesson_open"] = True  # lazy: its text is built when opened
    at.run()
    assert any(m.value == preset.watch for m in at.markdown)
    at.toggle(key="projector").set_value(False).run()
    assert any(preset.watch in i.value for i in at.info) and not any(e.label == "Full lesson text" for e in at.expander)


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.key)
def test_every_summary_is_short_and_states_only_numbers_of_its_lesson(preset):
    """The summary stands in for the lesson's text on a projector: one or two sentences, and no
    number the full text (whose numbers the lesson claim tests recompute) does not state."""
    import re

    assert 0 < len(preset.summary) < len(preset.watch) and len(re.findall(r"[.;!?](\s|$)", preset.summary)) <= 2
    for number in re.findall(r"\d+(?:\.\d+)?", preset.summary):
        assert number in preset.watch or number in preset.title, (preset.key, number)


def test_regression_payload_carries_its_data_points_and_other_surfaces_none():
    from surfaces import regression_data

    at = new_app({"preset": "regression"})
    assert_clean(at)
    data = payload_of([e for e in at.get("component_instance") if "descent_player" in e.proto.component_name][-1])
    points = regression_data(SURFACES["regression"])
    assert data["samples"]["x"] == pytest.approx(list(points.x), rel=1e-4)
    assert data["samples"]["y"] == pytest.approx(list(points.y), rel=1e-4)
    at = new_app({"preset": "textbook"})
    data = payload_of([e for e in at.get("component_instance") if "descent_player" in e.proto.component_name][-1])
    assert "samples" not in data
