"""The sentences around the lessons that state a number or a direction, recomputed.

Divergence explanations, optimizer notes, surface notes, challenge hints and the questions'
"now try" suggestions: each test computes the claim with the engine (or an independent
hand-written loop) and checks the sentence says what the computation gives.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from lessons.questions import diverges
from lessons.presets import PRESETS_BY_KEY
from lessons.race import Race
from optimizers.explain import short_number
from optimizers.records import MAX_ABS_PARAM, MAX_LOSS
from surfaces import SURFACES


def _hand_loop(surface_key, start, steps, rule):
    """Plain-Python descent with ``rule(theta, g, t) -> theta``; stops at the engine's limits."""
    surface = SURFACES[surface_key]
    theta = np.asarray(start, dtype=float)
    for t in range(1, steps + 1):
        theta = rule(theta, surface.gradient(theta), t)
        loss = float(surface.loss(theta))
        if not (np.isfinite(theta).all() and math.isfinite(loss)) or np.abs(theta).max() > MAX_ABS_PARAM \
                or loss > MAX_LOSS:
            return t, theta, loss
    return -1, theta, float(surface.loss(theta))


def _gd(lr):
    return lambda theta, g, t: theta - lr * g


def _nesterov(lr, mu=0.9):
    buf = {"b": None}

    def rule(theta, g, t):
        buf["b"] = g.copy() if buf["b"] is None else mu * buf["b"] + g
        return theta - lr * (g + mu * buf["b"])

    return rule


@pytest.mark.parametrize("race, subject, rule", [
    (PRESETS_BY_KEY["too_large"].race, "sgd", _gd(1.5)),
    (Race("rosenbrock", {"sgd": {"lr": 0.0021}}, (-1.5, 2.0), 1000), "sgd", _gd(0.0021)),
    (Race("rosenbrock", {"nesterov": {"lr": 0.002}}, (-1.5, 2.0), 1000), "nesterov", _nesterov(0.002)),
])
def test_divergence_explanation_names_the_check_that_tripped(race, subject, rule):
    q = diverges(race, "d", subject)
    at, theta, loss = _hand_loop(race.surface, race.start, race.steps, rule)
    assert at > 0 and q.answer_index == 0
    assert f"diverged at step {at}:" in q.explanation, q.explanation
    assert int(race.run(subject).diverged_at[0]) == at
    i = int(np.argmax(np.abs(theta)))
    assert abs(theta[i]) > MAX_ABS_PARAM  # the parameter check trips (the engine tests it first)
    said = f"{'|x|' if i == 0 else '|y|'} reached {short_number(abs(theta[i]))} there, over the engine's limit of 1e6"
    assert said in q.explanation, q.explanation
    under = f"(the loss, {short_number(loss)}, was still under its 1e30 limit)"
    assert (under in q.explanation) == (loss <= MAX_LOSS), q.explanation


def test_too_large_divergence_numbers():
    # y_t = 2·(1 − 1.5·2)^t = 2·(−2)^t: |y_19| = 2^20 = 1.05e6 > 1e6, loss ≈ y² = 1.1e12 < 1e30
    q = PRESETS_BY_KEY["too_large"].question_at()
    assert q.explanation == ("Yes. It diverged at step 19: |y| reached 1.05e6 there, over the engine's limit of "
                             "1e6 on |x| and |y| (the loss, 1.1e12, was still under its 1e30 limit).")
    assert 2.0 ** 20 > MAX_ABS_PARAM > 2.0 ** 19
