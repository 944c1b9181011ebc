"""Predict first, under AppTest: the Compare page's predict mode and the lesson pages' boxes.

The answers are computed here with the engine (``lessons.questions`` at the page's settings), so
a test fails if the page shows another question or answer than the settings on screen give.
The player's hidden state is checked in its payload: a hidden race must not send any path.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from lessons.presets import PRESETS_BY_KEY
from tests.player_args import payload_of
from lessons.questions import ewma_question, minibatch_question
from surfaces import SURFACES
from viz.contours import contour_grid
from viz.player import player_payload
from viz.trajectory import Trajectory

TIMEOUT = 120
ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
BOX = "compare"


def new_app(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at.run()


def payload(at: AppTest) -> dict:
    players = [e for e in at.get("component_instance") if "descent_player" in e.proto.component_name]
    assert players, "player missing"
    return payload_of(players[-1])


def has_loss_chart(at: AppTest) -> bool:
    """The loss chart: drawn by the player from the payload's ``loss_chart`` (side-by-side and
    overlay views), or a Streamlit chart keyed "loss" (3-D view)."""
    players = [e for e in at.get("component_instance") if "descent_player" in e.proto.component_name]
    in_player = bool(players) and "loss_chart" in payload_of(players[-1])
    return in_player or any(getattr(c, "key", None) == "loss" for c in at.get("plotly_chart"))


def has_summary(at: AppTest) -> bool:
    return any("final loss" in d.value.columns for d in at.table)


def clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def momentum_question():
    return PRESETS_BY_KEY["momentum"].question_at()


def lock(at: AppTest, key: str, choice: int) -> AppTest:
    at.radio(key=f"predictchoice_{key}").set_value(choice).run()
    at.button(key=f"predictlockbtn_{key}").click().run()
    return at


def test_predict_link_hides_the_race_then_reveals_it():
    q = momentum_question()
    at = new_app({"mode": "predict", "preset": "momentum"})
    clean(at)
    # The question the engine computes for the preset, with its choices, above the race.
    radio = at.radio(key=f"predictchoice_{BOX}")
    assert [o.split(". ", 1)[1] for o in radio.options] == list(q.choices)
    assert any(q.prompt in m.value for m in at.markdown)
    assert at.button(key=f"predictlockbtn_{BOX}").disabled  # nothing chosen yet
    # Hidden: the payload holds start points only, and no number that gives the answer away.
    data = payload(at)
    preset = PRESETS_BY_KEY["momentum"]
    assert data["hidden"] is True
    assert [r["key"] for r in data["runs"]] == list(preset.race.opts)
    for r in data["runs"]:
        assert r["points"] == 1 and np.allclose(r["path"], preset.race.start)
        assert not any(k in r for k in ("gradients", "momentum_arrows", "ghost", "cloud", "learning_rate"))
        assert r["diverged_at"] is None and all(v is None for v in r["loss"])
    assert not has_summary(at) and not has_loss_chart(at)
    assert not any(e.label.startswith("Step inspector") for e in at.expander)
    assert not any(preset.watch in i.value for i in at.info)  # the lesson's notes quote the outcome

    # Commit the right answer: the race is revealed, with the verdict, the numbers and a next step.
    lock(at, BOX, q.answer_index)
    clean(at)
    data = payload(at)
    assert data["hidden"] is False
    assert all(r["points"] == preset.race.steps + 1 for r in data["runs"])
    assert has_summary(at) and has_loss_chart(at)
    assert any("Right!" in s.value and q.explanation in s.value for s in at.success)
    assert any(q.try_next in m.value for m in at.markdown)

    assert at.query_params["mode"] in ("predict", ["predict"])  # the address bar still opens predict mode
    # "Predict again" hides the race once more.
    at.button(key=f"predictagain_{BOX}").click().run()
    assert payload(at)["hidden"] is True and not has_summary(at)


def test_a_wrong_prediction_is_named_and_choosing_never_changes_the_run():
    q = momentum_question()
    wrong = next(i for i in range(len(q.choices)) if i != q.answer_index)
    at = lock(new_app({"mode": "predict", "preset": "momentum"}), BOX, wrong)
    clean(at)
    assert any("Not this time" in e.value and q.choices[wrong] in e.value and q.answer in e.value
               and q.explanation in e.value for e in at.error)
    revealed = payload(at)
    watched = payload(new_app({"preset": "momentum"}))
    assert revealed["runs"] == watched["runs"]  # the same race, whatever the student chose


def test_sidebar_toggle_and_the_question_follows_the_settings():
    at = new_app({"preset": "momentum"})
    assert payload(at)["hidden"] is False and has_summary(at)
    at.toggle(key="predict_first").set_value(True).run()
    clean(at)
    assert payload(at)["hidden"] is True and not has_summary(at)
    q = momentum_question()
    lock(at, BOX, q.answer_index)
    assert payload(at)["hidden"] is False
    # The teacher changes SGD's learning rate: a new race, a question recomputed at the new settings.
    at.session_state["hp.sgd.lr"] = 0.1
    at.run()
    clean(at)
    preset = PRESETS_BY_KEY["momentum"]
    q2 = preset.question_at(preset.race.with_hyper("sgd", "lr", 0.1))
    assert payload(at)["hidden"] is True
    assert any("settings changed" in c.value for c in at.caption)
    lock(at, BOX, q2.answer_index)
    assert any(q2.explanation in s.value for s in at.success)
    at.toggle(key="predict_first").set_value(False).run()
    assert "mode" not in at.query_params and payload(at)["hidden"] is False


def test_hidden_3d_view_shows_the_maps_without_paths():
    at = new_app({"mode": "predict", "preset": "momentum", "view": "3d"})
    clean(at)
    assert payload(at)["hidden"] is True  # the maps with the start points, not the 3-D paths
    assert not any(getattr(c, "key", None) == "surface3d" for c in at.get("plotly_chart"))
    lock(at, BOX, momentum_question().answer_index)
    assert any(getattr(c, "key", None) == "surface3d" for c in at.get("plotly_chart"))


def test_bad_link_values_give_notices_never_a_traceback():
    at = new_app({"mode": "bogus", "preset": "momentum"})
    clean(at)
    assert any("Unknown mode bogus" in w.value for w in at.warning)
    assert payload(at)["hidden"] is False and has_summary(at)  # watching, as without a mode

    at = new_app({"mode": "predict", "preset": "nope"})
    clean(at)
    assert any("Unknown lesson" in w.value for w in at.warning)
    assert any("no lesson question" in i.value for i in at.info)
    assert payload(at)["hidden"] is False and has_summary(at)

    at = new_app({"mode": "predict", "surface": "custom", "formula": "x^2 + 3*y^2"})
    clean(at)
    assert any("custom formula has no lesson question" in i.value for i in at.info)
    assert has_summary(at)


def test_hidden_payload_sends_no_path_at_all():
    s = SURFACES["bowl"]
    grid = contour_grid(s.f, s.bounds)
    path = np.array([[-7.0, 2.0], [-5.0, 1.0], [-3.0, 0.5]])
    run = Trajectory(key="sgd", label="SGD", path=path, loss=s.f(path[:, 0], path[:, 1]), steps=2, diverged_at=1)
    hidden = json.loads(player_payload(grid, [run], minima=s.minima, start=(-7, 2), hide_runs=True)["data"])
    shown = json.loads(player_payload(grid, [run], minima=s.minima, start=(-7, 2))["data"])
    assert hidden["hidden"] and not shown["hidden"]
    assert hidden["runs"] == [{"key": "sgd", "label": "SGD", "color": shown["runs"][0]["color"], "points": 1,
                               "path": [-7, 2], "loss": [None], "diverged_at": None}]
    assert hidden["playback"] != shown["playback"]  # the reveal starts the race at step 0


def test_lesson_page_predict_box_flow():
    at = AppTest.from_file(str(ROOT / "pages" / "ewma.py"), default_timeout=TIMEOUT).run()
    clean(at)
    q = ewma_question(0.98, "temperature", 0)
    assert [o.split(". ", 1)[1] for o in at.radio(key="predictchoice_ewma").options] == list(q.choices)
    lock(at, "ewma", q.answer_index)
    clean(at)
    assert any("Right!" in s.value and q.explanation in s.value for s in at.success)


def test_minibatch_question_is_computed_only_when_asked():
    at = AppTest.from_file(str(ROOT / "pages" / "minibatch.py"), default_timeout=TIMEOUT)
    for k, v in {"n": "16", "batch": "4", "epochs": "3", "opt": "sgd", "lr": "0.1"}.items():
        at.query_params[k] = v
    at.run()
    clean(at)
    assert not [r for r in at.radio if (r.key or "").startswith("predictchoice")]
    at.button(key="predictaskbtn_minibatch").click().run()
    clean(at)
    q = minibatch_question(16, 4, "sgd", 0.1, 3, 0)
    assert [o.split(". ", 1)[1] for o in at.radio(key="predictchoice_minibatch").options] == list(q.choices)
    wrong = (q.answer_index + 1) % len(q.choices)
    lock(at, "minibatch", wrong)
    assert any("Not this time" in e.value and q.explanation in e.value for e in at.error)
    # Other settings: the slow question is not recomputed until the student asks again.
    at.number_input(key="mb_epochs").set_value(4).run()
    clean(at)
    assert not [r for r in at.radio if (r.key or "").startswith("predictchoice")]
    assert at.button(key="predictaskbtn_minibatch").label == "Ask me a question"


def test_readme_names_every_lesson_a_predict_link_may_open():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## For teachers"):text.index("## Serving a class")]
    assert "?mode=predict&preset=momentum" in section
    for key in PRESETS_BY_KEY:
        assert f"`{key}`" in section, key


def test_every_preset_opens_in_predict_mode_with_its_engine_question_and_no_path():
    for key, preset in PRESETS_BY_KEY.items():
        at = new_app({"mode": "predict", "preset": key})
        clean(at)
        q = preset.question_at()
        assert q is not None, key
        options = at.radio(key=f"predictchoice_{BOX}").options
        assert [o.split(". ", 1)[1] for o in options] == list(q.choices), key
        data = payload(at)
        assert data["hidden"] and all(r["points"] == 1 for r in data["runs"]), key
        assert not has_summary(at) and not has_loss_chart(at), key


@pytest.mark.parametrize("page, answer_words", [("ewma", "Notice:"), ("schedules", "Notice:"), ("sweep", "Notice:"),
                                                ("minibatch", "Notice:")])
def test_a_lesson_page_in_predict_mode_withholds_its_demo_until_the_prediction(page, answer_words):
    """`?mode=predict` on a lesson page: the box comes before anything that answers it. Until a
    prediction is locked in, no chart, no metric and no "Notice:" text is on the page; after it,
    they all are."""
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=TIMEOUT)
    at.query_params["mode"] = "predict"
    if page == "sweep":
        at.query_params["sw_n"] = "20"
    at.run()
    clean(at)
    text = " ".join(m.value for m in at.markdown)
    assert answer_words not in text and not at.get("plotly_chart") and not at.metric
    assert any("lock in a prediction" in c.value for c in at.caption)
    if page == "minibatch":  # its question is computed only when asked
        at.button(key="predictaskbtn_minibatch").click().run()
    at.radio(key=f"predictchoice_{page}").set_value(0).run()
    at.button(key=f"predictlockbtn_{page}").click().run()
    clean(at)
    assert answer_words in " ".join(m.value for m in at.markdown)
    assert at.get("plotly_chart") or at.get("component_instance")


def test_a_lesson_page_outside_predict_mode_shows_everything_at_once():
    at = AppTest.from_file(str(ROOT / "pages" / "ewma.py"), default_timeout=TIMEOUT).run()
    clean(at)
    assert "Notice:" in " ".join(m.value for m in at.markdown) and at.get("plotly_chart")


def test_sidebar_states_no_outcome_before_lock_in():
    """The stability badges, the surface's note and Tune tell the answer: drawn only after lock-in."""
    preset = PRESETS_BY_KEY["too_large"]
    note = SURFACES[preset.race.surface].note
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update({"mode": "predict", "preset": "too_large"})
    for key in preset.race.opts:  # every optimizer's box open
        at.session_state[f"open.{key}"] = True
    at.run()
    clean(at)

    def sidebar_text() -> str:
        return " ".join([m.value for m in at.sidebar.markdown] + [c.value for c in at.sidebar.caption])

    assert payload(at)["hidden"] is True
    text = sidebar_text()
    assert "diverges" not in text and "stable for" not in text and note not in text
    assert not any(b.key == "tune" for b in at.button)
    q = preset.question_at()
    lock(at, BOX, q.answer_index)
    clean(at)
    text = sidebar_text()
    assert "lr = 1.5 → diverges" in text and "stable for" in text and note in text
    assert any(b.key == "tune" for b in at.button)
