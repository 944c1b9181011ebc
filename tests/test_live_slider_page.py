"""The live sliders on the Compare page (AppTest) and the lesson that arms them.

The lesson's families reach the player's payload (and nothing of them before a prediction is
locked in); a released value round-trips through the link and its run is the family's member
bit for bit; every claim of the lesson's text is recomputed with the engine.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import i18n
from lessons.edge_lesson import MU, SGD_LR, edges
from lessons.live_family import run_family
from lessons.presets import PRESETS_BY_KEY
from lessons.race_link import race_query
from tests.test_compare_page import assert_clean, new_app, player_data
from ui.live import live_payload, take_commit
from ui.url_state import parse_query
from ui.simulation import run_cached
from viz.player.encode import to_json
from viz.player.live import BUDGET_BYTES
from viz.player.schema import validate

EDGE = PRESETS_BY_KEY["edge"]


def test_the_lesson_arms_a_slider_for_sgd_and_a_pad_for_momentum():
    at = new_app({"preset": "edge"})
    assert_clean(at)
    data = player_data(at)
    assert validate(data) == []
    assert data["live_offer"] is True
    live = {run["key"]: run["live"] for run in data["runs"]}
    assert [a["name"] for a in live["sgd"]["axes"]] == ["lr"]
    assert [a["name"] for a in live["momentum"]["axes"]] == ["lr", "momentum"]
    sgd = live["sgd"]
    assert sgd["axes"][0]["values"][sgd["index"][0]] == SGD_LR
    assert set(sgd["verdicts"]) == {0, 1, 2}  # stable, at the edge (lr 1) and past it


def test_predict_first_sends_no_family_before_lock_in():
    from tests.test_predict_mode import BOX, lock

    at = new_app({"preset": "edge", "mode": "predict"})
    assert_clean(at)
    data = player_data(at)
    assert data["live_offer"] is False and not any("live" in run for run in data["runs"])
    question = EDGE.question_at()
    lock(at, BOX, question.answer_index)
    assert_clean(at)
    data = player_data(at)  # after lock-in: the lesson's live sliders arrive with the race
    assert data["live_offer"] is True and all("live" in run for run in data["runs"])


def test_a_48_value_family_for_four_optimizers_fits_the_budget():
    from lessons.race import Race

    race = Race("bowl", {"sgd": {"lr": 0.95}, "momentum": {"lr": 0.1}, "adagrad": {"lr": 1.5}, "adam": {"lr": 0.3}},
                (-7.0, 2.0), 500)
    bodies = live_payload(race, {k: ("lr",) for k in race.opts})
    assert sum(len(b) for b in bodies.values()) <= BUDGET_BYTES
    step_index = json.loads(bodies["sgd"])["step_index"]
    assert step_index[-1] == 500 and (step_index[1] - step_index[0]) % 2 == 1  # an odd stride keeps a zig-zag


def test_a_released_value_round_trips_through_the_link_bit_for_bit():
    race = EDGE.race
    family = run_family(race, "sgd", ["lr"])
    j = family.member_of({"lr": 1.2})
    sent = json.loads(to_json({"values": {"lr": family.settings(j)["lr"]}}, digits=7))  # as the browser has it
    moved = {}
    assert take_commit({"commit": {"key": "sgd", "values": sent["values"]}}, race,
                       lambda opt, name, value: moved.update({(opt, name): value}))
    assert moved == {("sgd", "lr"): 1.2}
    committed = race.with_hyper("sgd", "lr", moved[("sgd", "lr")])
    query = race_query(committed)
    assert query["sgd.lr"] == "1.2"
    state, notices = parse_query(query)
    back = state.race
    assert notices == [] and back == committed
    _, traj = run_cached(back, "sgd")  # the page's own run after the rerun
    last = traj.n_points
    assert np.array_equal(traj.path, family.path[:last, j]) and np.array_equal(traj.loss, family.loss[:last, j])
    assert traj.diverged_at == int(family.diverged_at[j])

    # On the page: the slider the commit moves writes the link, and the table shows that run.
    at = new_app({"preset": "edge"})
    at.select_slider(key="hp.sgd.lr").set_value(1.2).run()
    assert_clean(at)
    assert at.query_params["sgd.lr"] in ("1.2", ["1.2"])


@pytest.mark.parametrize("value", [{"commit": {"key": "sgd", "values": {"lr": 1.234}}},
                                   {"commit": {"key": "adam", "values": {"lr": 0.1}}},
                                   {"commit": {"key": "sgd", "values": {"learning_rate": 0.1}}},
                                   {"commit": {"key": "sgd", "values": {"lr": "x"}}}, {"commit": 3}])
def test_a_commit_off_the_grid_or_for_another_race_is_ignored(value):
    assert not take_commit(value, EDGE.race, lambda *a: pytest.fail("nothing may be set"))


# ------------------------------------------------------------------ the lesson's claims


def _y_swings(lr: float, opt: str = "sgd", mu: float | None = None) -> np.ndarray:
    race = EDGE.race.with_hyper(opt, "lr", lr)
    if mu is not None:
        race = race.with_hyper(opt, "momentum", mu)
    res = race.run(opt)
    d = int(res.diverged_at[0])
    return np.abs(res.path[: (race.steps if d < 0 else d - 1) + 1, 0, 1]), res


def test_the_lessons_numbers_are_the_hessian_and_the_declared_limits():
    e = edges()
    assert e == {"lam": 2.0, "sgd_edge": 1.0, "mom_edge": 2 * (1 + MU) / 2.0, "mu": MU}
    assert "λmax = 2 " in EDGE.watch and "2/λmax = 1." in EDGE.watch and "= 1.5:" in EDGE.watch


def test_the_zigzag_shrinks_below_the_edge_keeps_its_width_at_it_and_grows_past_it():
    family = run_family(EDGE.race, "sgd", ["lr"])
    y0 = EDGE.race.start[1]
    for lr in family.axes[0][1]:
        ys, _ = _y_swings(lr)
        if lr < 1 and lr > 0.5:
            assert np.all(np.diff(ys) < 0), lr  # shrinks
        elif lr == 1:
            assert np.allclose(ys, y0), lr  # the same width every step
        elif lr > 1:
            assert np.all(np.diff(ys) > 0), lr  # every swing wider than the last
    signs = np.sign(EDGE.race.run("sgd").path[:, 0, 1])
    assert np.all(signs[1:] != signs[:-1])  # at lr 0.9 y changes sign every step: the zig-zag


def test_momentum_past_sgds_edge_still_converges():
    family = run_family(EDGE.race, "momentum", ["lr"])
    for lr in family.axes[0][1]:
        if 1 < lr < edges()["mom_edge"]:
            res = EDGE.race.with_hyper("momentum", "lr", lr).run("momentum")
            assert res.diverged_at[0] == -1 and res.loss[-1, 0] < res.loss[0, 0] * 0.5, lr


def test_the_players_live_words_come_in_the_visitors_language():
    from viz.player.payload import player_texts

    with i18n.language("zh"):
        zh = player_texts()
    en = player_texts("en")
    assert en["player_live.button"] == "⇄ Live sliders" and "实时滑块" in zh["player_live.button"]
    assert "发散" in zh["player_live.diverges_at"] and set(zh) == set(en)


def test_the_lesson_speaks_chinese():
    with i18n.language("zh"):
        assert "学习率" in str(EDGE.watch) and "动量" in str(EDGE.summary) and "“之”字形" in f"{EDGE.watch}"
        assert "learning rate" not in str(EDGE.watch)
    assert "learning rate" in str(EDGE.watch)
