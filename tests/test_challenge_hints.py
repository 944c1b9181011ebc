"""Every challenge hint, recomputed on the card's own slider grid.

A hint points a student somewhere from the card's start. The guard: following the hint from the
start, over the range it names, the run moves toward the goal and reaches it somewhere in that
range; every number a hint quotes is the scan's. If a core change moves the answer, the failing
test names the card whose hint to rewrite from a new scan.
"""

from __future__ import annotations

import numpy as np
import pytest

from lessons.challenges import CHALLENGES_BY_KEY
from lessons.questions import NOISY_SEEDS, TOL
from optimizers import run_batch


def _card(key):
    return CHALLENGES_BY_KEY[key]


def _says(text: str, fragment: str) -> None:
    assert fragment in " ".join(text.split()), f"the hint should say {fragment!r}:\n{text}"


def _solving(card, name, values, **fixed):
    return [v for v in values if card.check({name: v, **fixed}).solved]


def _momentum_grid(card):
    """Steps to f − f* < TOL over the card's whole (lr, μ) slider grid, one batched run."""
    lrs = np.array(card.slider_grid("momentum.lr"))
    mus = np.array(card.slider_grid("momentum.momentum"))
    L, M = np.meshgrid(lrs, mus, indexing="ij")
    race = card.race
    hyper = dict(race.hyper("momentum"), lr=L.reshape(-1, 1), momentum=M.reshape(-1, 1))
    res = run_batch(race.surface_object(), "momentum", hyper, np.tile(np.array(race.start), (L.size, 1)),
                    race.steps, record="final", tol=TOL)
    return lrs, mus, res.steps_to_tol.reshape(L.shape), res.final_loss.reshape(L.shape)


def test_rosenbrock_momentum_hint_is_the_scan():
    card = _card("rosenbrock_momentum")
    lrs, mus, hit, loss = _momentum_grid(card)
    _says(card.hint, f"Only {int((hit >= 0).sum())} of the {hit.size:,} slider pairs solve it")
    i = list(lrs).index(card.race.setting("momentum.lr"))
    at_start_lr = [float(m) for m in mus[hit[i] >= 0]]
    assert at_start_lr == [0.94905, 0.95]
    _says(card.hint, "At the start's lr 0.001 only μ near 0.95 works (the slider's 0.94905 and 0.95): less and "
                     "more both fall short")
    # following it from the start (μ 0.9 → 0.95) moves toward the goal and reaches it
    j0, j1 = list(mus).index(0.9), list(mus).index(0.95)
    assert loss[i, j1] < loss[i, j0] and hit[i, j0] < 0 <= hit[i, j1]
    k = list(lrs).index(0.002)
    sgd, half = hit[k, list(mus).index(0.0)], hit[k, list(mus).index(0.5)]
    assert sgd > 0 and half < 0
    _says(card.hint, f"At lr 0.002 even μ = 0, plain SGD, gets there (step {sgd}), while μ = 0.5 does not")


def test_sgd_beats_adam_hint_is_the_scan():
    card = _card("sgd_beats_adam")
    grid = card.slider_grid("sgd.lr")
    wins = _solving(card, "sgd.lr", grid)
    assert wins == [v for v in grid if 0.6 <= v <= 0.95]
    _says(card.hint, "On the slider every lr from 0.6 to 0.95 beats Adam; 0.5 falls just short, and at 1 the y "
                     "error never shrinks")
    # moving up from the start's 0.001 toward the limit brings SGD's final loss down to the goal
    race = card.race
    losses = [float(race.with_setting("sgd.lr", v).run("sgd").final_loss[0]) for v in grid if v <= 0.9]
    assert all(b <= a for a, b in zip(losses, losses[1:]))
    adam = float(race.run("adam").final_loss[0])
    half = float(race.with_setting("sgd.lr", 0.5).run("sgd").final_loss[0])
    assert adam < half < 1.1 * adam  # just short
    y = race.with_setting("sgd.lr", 1.0).run("sgd").path[:, 0, 1]
    np.testing.assert_allclose(np.abs(y), 2.0)
    _says(card.hint, "SGD is stable only below lr 1, and along the flat x direction (curvature 0.1) each step "
                     "removes only lr/10 of the error")


def test_adagrad_moving_hint_is_the_scan():
    card = _card("adagrad_moving")
    grid = card.slider_grid("adagrad.lr")
    assert _solving(card, "adagrad.lr", grid) == [1.5, 2.0, 5.0]
    race = card.race
    gap = {v: float(race.with_setting("adagrad.lr", v).run("adagrad").final_loss[0]) for v in grid if v >= 0.5}
    up_to_2 = [gap[v] for v in sorted(gap) if v <= 2.0]
    # "almost steadily": no slider step up makes it more than 1 % worse (0.7 → 0.8 is 0.2 % worse)
    assert all(b <= 1.01 * a for a, b in zip(up_to_2, up_to_2[1:]))
    assert min(gap[2.5], gap[3.0], gap[4.0]) >= 0.1
    _says(card.hint, f"Raising lr from 0.5 helps, almost steadily, up to 2 (f − f* {gap[0.5]:.3g} at 0.5, "
                     f"{gap[2.0]:.2g} at 2): on the slider 1.5 and 2 reach the goal. Larger is not "
                     "better: 2.5, 3 and 4 end above it, and of the larger values only 5 reaches it again")
    eff = race.run("adagrad", record="full").eff_lr[:, 0]
    assert (np.diff(eff, axis=0) <= 0).all()  # "only shrinks"


def test_noisy_escape_hint_is_the_scan():
    card = _card("noisy_escape")
    grid = card.slider_grid("noise")
    assert float(card.race.run("sgd").final[0, 1]) == 0.0  # without noise it never leaves y = 0
    ok = _solving(card, "noise", grid)
    assert ok == [v for v in grid if 0.06 <= v <= 4.0]
    _says(card.hint, "on the slider every σ from 0.06 to 4 gets at least 90 % of the runs off the ridge")
    assert ok[0] == 0.06 and NOISY_SEEDS == 64


def test_noise_ball_hint_is_the_scan():
    card = _card("noise_ball")
    grid = card.slider_grid("sgd.lr")
    ok = _solving(card, "sgd.lr", grid)
    assert ok == [v for v in grid if 0.05 <= v <= 0.12]
    assert min(grid) < ok[0] and card.race.setting("sgd.lr") > ok[-1]  # in between: both ends fail
    _says(card.hint, "The best is in between: on the slider lr 0.05 to 0.12 does it")


def test_momentum_fast_hint_is_the_scan():
    card = _card("momentum_fast")
    lrs, mus, hit, _ = _momentum_grid(card)
    j9 = list(mus).index(0.9)
    assert [float(v) for v in lrs[hit[:, j9] >= 0]] == [0.09]
    x = card.race.run("momentum").path[:, 0, 0]
    assert x.max() > 0  # from x = −7 it swings past the minimum at x = 0
    _says(card.hint, "With μ = 0.9 the run overshoots the minimum along x, and on the slider only lr 0.09 gets "
                     "there in 30 steps")
    j5 = list(mus).index(0.5)
    solved = [(float(v), int(h)) for v, h in zip(lrs, hit[:, j5]) if h >= 0]
    assert [v for v, _ in solved] == [float(v) for v in lrs if 0.6 <= v <= 1.2]
    steps = dict(solved)
    _says(card.hint, f"at μ = 0.5 every lr from 0.6 to 1.2 gets there (step {steps[0.6]} at 0.6, step "
                     f"{steps[1.2]} at 1.2)")


def test_adam_saddle_hint_is_the_scan():
    card = _card("adam_saddle")
    grid = card.slider_grid("adam.lr")
    race = card.race
    y = {v: float(race.with_setting("adam.lr", v).run("adam").final[0, 1]) for v in grid}
    default = 0.001
    assert race.setting("adam.lr") == default and abs(y[default]) < 1  # 100 steps of the default go ~0.1
    assert 100 * default < abs(y[default]) < 2 * 100 * default
    ok = _solving(card, "adam.lr", grid)
    assert all(v in ok for v in grid if 100 * v >= 1)  # enough steps of about lr reach |y| > 1
    up = [abs(y[v]) for v in sorted(y) if default <= v <= 0.01]
    assert all(b > a for a, b in zip(up, up[1:]))
    _says(card.hint, "how far can 100 steps of the default lr go?")


def test_rmsprop_first_step_hint_is_the_scan():
    card = _card("rmsprop_first_step")
    race = card.race
    for alpha in (0.999, 0.9, 0.5):
        first = np.abs(race.with_setting("rmsprop.alpha", alpha).run("rmsprop").path[1, 0] - race.start)
        np.testing.assert_allclose(first, 0.1 / np.sqrt(1 - alpha), rtol=1e-6)
    _says(card.hint, "its first step is lr/√(1 − α) per coordinate")
    alphas = [a for a in card.slider_grid("rmsprop.alpha") if a <= 0.999]
    ok = _solving(card, "rmsprop.alpha", alphas)
    assert ok and max(ok) >= 0.7 and 0.999 not in ok  # lowering α from the start reaches the goal
