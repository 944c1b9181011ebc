"""Challenge cards: every known solution solves its card, no starting setting already does, and
a shared solution link reproduces a solved race on the Compare page."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from lessons.challenges import (
    CHALLENGES, CHALLENGES_BY_KEY, parse_challenge_key, query_string, settings_from_query, share_query,
)
from lessons.presets import DEFAULT_PRESET, PRESETS_BY_KEY, preset_values
from optimizers import OPTIMIZERS, SCHEDULES
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
    start = challenge.check(challenge.start_settings())
    assert not start.solved, start.message
    solved = challenge.check(challenge.solution_settings())
    assert solved.solved, solved.message
    assert any(ch.isdigit() for ch in solved.message) and any(ch.isdigit() for ch in start.message)


@pytest.mark.parametrize("challenge", CHALLENGES, ids=IDS)
def test_only_the_free_settings_count(challenge):
    """Moving the start onto the minimum (a fixed setting) must not solve the card."""
    s = challenge.start_settings()
    m = SURFACES[s["surface"]].minima[0]
    s["x0"], s["y0"], s["steps"] = float(m[0]), float(m[1]), 5000
    assert not challenge.check(s).solved


@pytest.mark.parametrize("challenge", CHALLENGES, ids=IDS)
def test_share_link_round_trips_through_the_compare_page_parser(challenge):
    query = share_query(challenge.solution_settings(), challenge)
    assert query["challenge"] == challenge.key
    params = parse_qs(query_string(query))
    params.pop("challenge")
    state, notices = parse_query(params, surfaces=SURFACES, optimizers=OPTIMIZERS, schedules=SCHEDULES,
                                 presets=PRESETS_BY_KEY, default_preset=DEFAULT_PRESET, extra_values=preset_values)
    assert notices == []
    assert challenge.check(state).solved  # the Compare page's own state solves it
    # and the challenges page reads the same link back to the solution
    s, page_notices = settings_from_query(parse_qs(query_string(query)), challenge)
    assert page_notices == [] and challenge.check(s).solved


@pytest.mark.parametrize("raw", ["nope", "", "   ", None, [], "x" * 500, "<script>alert(1)</script>", "../etc",
                                 "adam_saddle\x00", 12, ["nope", "also-nope"]])
def test_bad_challenge_keys_are_none(raw):
    assert parse_challenge_key(raw) is None


def test_good_challenge_keys():
    assert parse_challenge_key("adam_saddle") is CHALLENGES_BY_KEY["adam_saddle"]
    assert parse_challenge_key(["nope", "ADAM_SADDLE"]) is CHALLENGES_BY_KEY["adam_saddle"]


def test_bad_link_values_keep_the_start_with_a_notice():
    c = CHALLENGES_BY_KEY["rosenbrock_momentum"]
    s, notices = settings_from_query({"momentum.lr": "nan", "momentum.momentum": "7"}, c)
    assert len(notices) == 2
    assert s == c.start_settings()


def test_bad_settings_give_a_verdict_not_a_traceback():
    c = CHALLENGES_BY_KEY["sgd_beats_adam"]
    s = c.start_settings()
    s["hyper"]["sgd"]["lr"] = -1.0
    v = c.check(s)
    assert not v.solved and "lr" in v.message
    assert not c.check({}).solved  # missing values: the card's start is judged
