"""Challenge cards: every known solution solves its card, no starting setting already does, and
a shared solution link reproduces a solved race on the Compare page."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from lessons.challenges import CHALLENGES, CHALLENGES_BY_KEY, parse_challenge_key, share_query, values_from_query
from lessons.link_values import query_string
from surfaces import SURFACES
from ui.url_state import parse_query

IDS = [c.key for c in CHALLENGES]


def test_at_least_eight_cards_with_unique_keys():
    assert len(CHALLENGES) >= 8 and len(CHALLENGES_BY_KEY) == len(CHALLENGES)
    for c in CHALLENGES:
        assert c.goal and c.hint and c.title and c.free
        assert set(c.solution) == set(c.free) or set(c.solution) <= set(c.free)


@pytest.mark.parametrize("challenge", CHALLENGES, ids=IDS)
def test_known_solution_solves_and_start_does_not(challenge):
    start = challenge.check(challenge.race)
    assert not start.solved, start.message
    solved = challenge.check(challenge.solution_race())
    assert solved.solved, solved.message
    assert any(ch.isdigit() for ch in solved.message) and any(ch.isdigit() for ch in start.message)


@pytest.mark.parametrize("challenge", CHALLENGES, ids=IDS)
def test_only_the_free_settings_count(challenge):
    """Moving the start onto the minimum (a fixed setting) must not solve the card."""
    m = SURFACES[challenge.race.surface].minima[0]
    moved = challenge.race.with_(start=(float(m[0]), float(m[1])), steps=5000)
    assert not challenge.check(moved).solved


@pytest.mark.parametrize("challenge", CHALLENGES, ids=IDS)
def test_share_link_round_trips_through_the_compare_page_parser(challenge):
    query = share_query(challenge.solution_race(), challenge)
    assert query["challenge"] == challenge.key
    params = parse_qs(query_string(query)[1:])
    params.pop("challenge")
    state, notices = parse_query(params)
    assert notices == []
    assert state.race == challenge.solution_race()  # the Compare page shows exactly the solved race
    assert challenge.check(state.race).solved
    # and the challenges page reads the same link back to the solution
    values, page_notices = values_from_query(parse_qs(query_string(query)[1:]), challenge)
    assert page_notices == [] and challenge.check(values).solved


@pytest.mark.parametrize("raw", ["nope", "", "   ", None, [], "x" * 500, "<script>alert(1)</script>", "../etc",
                                 "adam_saddle\x00", 12, ["nope", "also-nope"]])
def test_bad_challenge_keys_are_none(raw):
    assert parse_challenge_key(raw) is None


def test_good_challenge_keys():
    assert parse_challenge_key("adam_saddle") is CHALLENGES_BY_KEY["adam_saddle"]
    assert parse_challenge_key(["nope", "ADAM_SADDLE"]) is CHALLENGES_BY_KEY["adam_saddle"]


def test_bad_link_values_keep_the_start_with_a_notice():
    c = CHALLENGES_BY_KEY["rosenbrock_momentum"]
    values, notices = values_from_query({"momentum.lr": "nan", "momentum.momentum": "7"}, c)
    assert len(notices) == 2
    assert values == {} and c.effective(values) == c.race


def test_bad_settings_give_a_verdict_not_a_traceback():
    c = CHALLENGES_BY_KEY["sgd_beats_adam"]
    v = c.check({"sgd.lr": -1.0})
    assert not v.solved and "lr" in v.message
    assert not c.check({}).solved  # missing values: the card's start is judged


# ------------------------------------------------------------------------ the page (AppTest)

from pathlib import Path  # noqa: E402

from streamlit.testing.v1 import AppTest  # noqa: E402

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "challenges.py")


def _page(**query: str) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _progress(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("**Solved this visit"))


def test_page_lists_every_card_with_hint_and_compare_link():
    at = _page()
    _ok(at)
    text = " ".join(m.value for m in at.markdown)
    assert all(c.goal in text and c.hint in text for c in CHALLENGES)
    assert text.count("Try it on Compare") == len(CHALLENGES)
    assert len(at.expander) == len(CHALLENGES)
    assert _progress(at) == f"**Solved this visit: 0 of {len(CHALLENGES)}**"


def test_page_solves_one_card_and_leaves_another_unsolved():
    at = _page()
    card = CHALLENGES_BY_KEY["adam_saddle"]
    at.select_slider(key="ch_adam_saddle_adam.lr").set_value(card.solution["adam.lr"]).run()
    at.button(key="ch_check_adam_saddle").click().run()
    _ok(at)
    assert any("Solved!" in s.value and "y = 1.24" in s.value for s in at.success)
    assert _progress(at) == f"**Solved this visit: 1 of {len(CHALLENGES)}**"
    share = next(c.value for c in at.code)
    assert "challenge=adam_saddle" in share and "adam.lr=0.01" in share
    at.button(key="ch_check_sgd_beats_adam").click().run()  # the start settings: not solved
    _ok(at)
    assert any(w.value.startswith("Not yet.") and "5.7" in w.value for w in at.warning)
    assert _progress(at) == f"**Solved this visit: 1 of {len(CHALLENGES)}**"  # progress kept for the visit


def test_share_link_opens_the_card_with_the_solution():
    card = CHALLENGES_BY_KEY["rosenbrock_momentum"]
    query = {k: (v[-1] if isinstance(v, list) else v) for k, v in share_query(card.solution_race(), card).items()}
    at = _page(**query)
    _ok(at)
    assert [s.value for s in at.select_slider] == [0.001, 0.95]
    assert any("step 164" in s.value for s in at.success)  # checked as it opens, no click needed
    at.button(key="ch_check_rosenbrock_momentum").click().run()
    assert any("step 164" in s.value for s in at.success)


@pytest.mark.parametrize("query", [{"challenge": "nope"}, {"challenge": "<b>x</b>" * 10}, {"challenge": "../../etc"}])
def test_unknown_challenge_falls_back_with_a_notice(query):
    at = _page(**query)
    _ok(at)
    assert any("Unknown challenge" in i.value for i in at.info)
    assert len(at.expander) == len(CHALLENGES)  # all cards shown


def test_bad_values_for_a_known_card_keep_its_start_with_a_notice():
    at = _page(challenge="momentum_fast", **{"momentum.lr": "inf", "momentum.momentum": "abc"})
    _ok(at)
    notice = " ".join(i.value for i in at.info)
    assert "momentum.lr=inf" in notice and "momentum.momentum=abc" in notice
    assert [s.value for s in at.select_slider] == [0.1, 0.9]


def test_a_run_at_or_past_the_stability_limit_is_told_why():
    """SGD at lr = 2/λmax = 1 on the bowl neither shrinks nor blows up: the card says so (the
    engine's run keeps |y| = 2 and flips its sign every step); past the limit it says that."""
    import numpy as np

    card = CHALLENGES_BY_KEY["sgd_beats_adam"]
    at_edge = card.check({"sgd.lr": 1.0})
    assert not at_edge.solved
    assert "exactly its stability limit" in at_edge.message and "flips sign" in at_edge.message
    path = card.effective({"sgd.lr": 1.0}).run("sgd").path[:, 0, 1]
    assert np.all(np.abs(path) == 2.0) and np.all(np.sign(path[1:]) == -np.sign(path[:-1]))
    past = card.check({"sgd.lr": 1.2})
    assert "past its stability limit on this surface (1)" in past.message
    assert "stability" not in card.check({"sgd.lr": 0.5}).message  # below the limit: the numbers say it
