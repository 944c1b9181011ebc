"""Schedules against hand-computed closed forms, torch's schedulers, and gradient clipping."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from optimizers import SCHEDULES, HyperSpec, Schedule, clip_by_norm, make_schedule

KEYS = ["constant", "step", "exponential", "inverse_time", "cosine", "warmup", "warmup_cosine", "sqrt_decay", "milestones"]


def test_registry():
    assert list(SCHEDULES) == KEYS
    for key, spec in SCHEDULES.items():
        assert spec.key == key and spec.label and spec.latex
        assert all(isinstance(p, HyperSpec) and p.help for p in spec.params)
        sched = make_schedule(key)
        assert isinstance(sched, Schedule)
        f = sched.factor(np.arange(1, 201), 200)
        assert f.shape == (200,) and np.all(np.isfinite(f)) and np.all(f >= 0)


def test_constant():
    assert make_schedule("constant").factor(7, 10) == 1.0


def test_step_by_hand():
    s = make_schedule("step", step_size=3, gamma=0.5)
    # updates 1-3 use lr, 4-6 lr/2, 7-9 lr/4, 10 lr/8
    expected = [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125]
    np.testing.assert_allclose(s.factor(np.arange(1, 11), 10), expected)


def test_exponential_by_hand():
    s = make_schedule("exponential", gamma=0.9)
    np.testing.assert_allclose(s.factor(np.array([1, 2, 3, 11]), 20), [1.0, 0.9, 0.81, 0.9**10])


def test_inverse_time_by_hand():
    s = make_schedule("inverse_time", decay=0.5)
    np.testing.assert_allclose(s.factor(np.array([1, 2, 3, 5]), 5), [1.0, 1 / 1.5, 1 / 2.0, 1 / 3.0])


def test_cosine_by_hand():
    s = make_schedule("cosine", min_ratio=0.1)
    # T = 4: angles 0, π/4, π/2, 3π/4 → (1 + cos)/2 = 1, 0.85355, 0.5, 0.14645
    half = [1.0, (1 + math.sqrt(0.5)) / 2, 0.5, (1 - math.sqrt(0.5)) / 2]
    np.testing.assert_allclose(s.factor(np.arange(1, 5), 4), [0.1 + 0.9 * h for h in half])


def test_warmup_by_hand():
    s = make_schedule("warmup", warmup_steps=4)
    np.testing.assert_allclose(s.factor(np.arange(1, 7), 6), [0.25, 0.5, 0.75, 1, 1, 1])


def test_warmup_cosine_by_hand():
    s = make_schedule("warmup_cosine", warmup_steps=2, min_ratio=0.0)
    # T = 6: updates 1, 2 warm up (1/2, 1); then cosine over T − W = 4 from update 3:
    # angles 0, π/4, π/2, 3π/4
    expected = [0.5, 1.0, 1.0, (1 + math.sqrt(0.5)) / 2, 0.5, (1 - math.sqrt(0.5)) / 2]
    np.testing.assert_allclose(s.factor(np.arange(1, 7), 6), expected, atol=1e-15)


def test_sqrt_decay_by_hand():
    """The course's k/√t: update 1 uses k·η, update 4 half of it, update 100 a tenth (its help)."""
    s = make_schedule("sqrt_decay", k=2.0)
    np.testing.assert_allclose(s.factor(np.array([1, 4, 9, 100]), 100), [2.0, 1.0, 2 / 3, 0.2])
    assert "update 4 half of that, update 100 a tenth" in SCHEDULES["sqrt_decay"].params[0].help


def test_milestones_by_hand():
    """The rate drops by γ after each milestone update, in any order; a repeated milestone drops
    it twice (torch's MultiStepLR counts milestones), one past the run never."""
    s = make_schedule("milestones", milestone1=3, milestone2=5, milestone3=1000, gamma=0.1)
    np.testing.assert_allclose(s.factor(np.arange(1, 8), 7), [1, 1, 1, 0.1, 0.1, 0.01, 0.01])
    same = make_schedule("milestones", milestone1=5, milestone2=3, milestone3=1000, gamma=0.1)
    np.testing.assert_array_equal(same.factor(np.arange(1, 8), 7), s.factor(np.arange(1, 8), 7))
    twice = make_schedule("milestones", milestone1=2, milestone2=2, milestone3=2, gamma=0.5)
    np.testing.assert_allclose(twice.factor(np.arange(1, 5), 4), [1, 1, 0.125, 0.125])
    with pytest.raises(ValueError, match="milestone2"):
        make_schedule("milestones", milestone2=2.5)


def test_scalar_and_vector_t_agree():
    s = make_schedule("warmup_cosine", warmup_steps=5)
    vec = s.factor(np.arange(1, 51), 50)
    assert all(s.factor(t, 50) == vec[t - 1] for t in range(1, 51))
    assert isinstance(s.factor(3, 50), float)
    assert s.lr(0.1, 1, 50) == pytest.approx(0.1 / 5)


@pytest.mark.parametrize(
    "key, params, name",
    [
        ("step", {"step_size": 0}, "step_size"),
        ("step", {"step_size": 2.5}, "step_size"),
        ("step", {"gamma": -0.1}, "gamma"),
        ("exponential", {"gamma": float("nan")}, "gamma"),
        ("cosine", {"min_ratio": 1.5}, "min_ratio"),
        ("warmup", {"warmup_steps": 0}, "warmup_steps"),
        ("inverse_time", {"decay": -1}, "decay"),
        ("cosine", {"T_max": 3}, "T_max"),
        ("nope", {}, "nope"),
    ],
)
def test_invalid_params_raise_naming_them(key, params, name):
    with pytest.raises(ValueError, match=name):
        make_schedule(key, **params)


# torch's schedulers, stepped as a training loop does: lr in force at update t = lr after t − 1
# scheduler.step() calls.
TORCH_EQUIV = {
    "step": ({"step_size": 7, "gamma": 0.5}, lambda sch, o, T: sch.StepLR(o, step_size=7, gamma=0.5)),
    "exponential": ({"gamma": 0.95}, lambda sch, o, T: sch.ExponentialLR(o, gamma=0.95)),
    "cosine": (
        {"min_ratio": 0.2},
        lambda sch, o, T: sch.CosineAnnealingLR(o, T_max=T, eta_min=0.2 * 0.1),
    ),
    "warmup": (
        {"warmup_steps": 10},
        lambda sch, o, T: sch.LinearLR(o, start_factor=1 / 10, total_iters=9),
    ),
    "sqrt_decay": (
        {"k": 3.0},
        lambda sch, o, T: sch.LambdaLR(o, lambda e: 3.0 / math.sqrt(e + 1)),
    ),
    "milestones": (  # unsorted, one repeated, one past the run
        {"milestone1": 40, "milestone2": 10, "milestone3": 10, "gamma": 0.5},
        lambda sch, o, T: sch.MultiStepLR(o, milestones=[40, 10, 10], gamma=0.5),
    ),
    "milestones_beyond": (
        {"milestone1": 7, "milestone2": 30, "milestone3": 500, "gamma": 0.3},
        lambda sch, o, T: sch.MultiStepLR(o, milestones=[7, 30, 500], gamma=0.3),
    ),
    "warmup_cosine": (
        {"warmup_steps": 10, "min_ratio": 0.1},
        lambda sch, o, T: sch.SequentialLR(
            o,
            [
                sch.LinearLR(o, start_factor=1 / 10, total_iters=9),
                sch.CosineAnnealingLR(o, T_max=T - 10, eta_min=0.1 * 0.1),
            ],
            milestones=[10],
        ),
    ),
}


@pytest.mark.parametrize("key", list(TORCH_EQUIV))
def test_matches_torch_schedulers(key):
    import warnings

    params, build = TORCH_EQUIV[key]
    T = 60
    p = torch.zeros(2, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sched = build(torch.optim.lr_scheduler, opt, T)
        lrs = []
        for _ in range(T):
            lrs.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
    ours = make_schedule(key.removesuffix("_beyond"), **params).lr(0.1, np.arange(1, T + 1), T)
    np.testing.assert_allclose(ours, lrs, rtol=1e-9, atol=1e-12)


# --------------------------------------------------------------------------------------------
# Clipping


def test_clip_by_norm_by_hand():
    g = np.array([[3.0, 4.0], [0.3, 0.4], [0.0, 0.0]])
    out = clip_by_norm(g, 1.0)
    # run 0: norm 5 → coef 1/(5 + 1e-6); runs 1, 2 inside the ball: unchanged
    np.testing.assert_allclose(out[0], [3 / (5 + 1e-6), 4 / (5 + 1e-6)], rtol=1e-15)
    np.testing.assert_array_equal(out[1:], g[1:])
    assert np.all(g == [[3.0, 4.0], [0.3, 0.4], [0.0, 0.0]])  # input untouched


def test_clip_per_run_max_norm_and_huge_values():
    g = np.array([[3.0, 4.0], [1e200, -1e200]])
    out = clip_by_norm(g, np.array([[2.0], [1.0]]))
    np.testing.assert_allclose(np.hypot(out[:, 0], out[:, 1]), [2.0, 1.0], rtol=1e-6)
    assert np.all(np.isfinite(out))


def test_clip_matches_torch():
    rng = np.random.default_rng(0)
    g = rng.standard_normal((20, 2)) * rng.uniform(0, 5, (20, 1))
    ours = clip_by_norm(g, 1.5)
    for i in range(20):
        p = torch.zeros(2, dtype=torch.float64, requires_grad=True)
        p.grad = torch.tensor(g[i])
        torch.nn.utils.clip_grad_norm_([p], 1.5)
        np.testing.assert_allclose(ours[i], p.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("key, params", [("step", {"step_size": 2, "gamma": 0.5}), ("cosine", {"min_ratio": 0.1}),
                                         ("sqrt_decay", {"k": 1.0}),
                                         ("milestones", {"milestone1": 1, "milestone2": 3, "milestone3": 3, "gamma": 0.5})])
def test_per_epoch_matches_a_torch_loop_stepping_the_scheduler_once_per_epoch(key, params):
    """The course counts decay in epochs: scheduler.step() after every n updates (the last epoch
    may be short, as a DataLoader's last batch), and a run-length schedule spans ⌈T/n⌉ epochs."""
    import warnings

    n, T = 4, 22
    epochs = math.ceil(T / n)
    p = torch.zeros(2, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.1)
    build = {
        "step": lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=2, gamma=0.5),
        "cosine": lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=epochs, eta_min=0.01),
        "sqrt_decay": lambda o: torch.optim.lr_scheduler.LambdaLR(o, lambda e: 1.0 / math.sqrt(e + 1)),
        "milestones": lambda o: torch.optim.lr_scheduler.MultiStepLR(o, milestones=[1, 3, 3], gamma=0.5),
    }[key]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sched = build(opt)
        lrs = []
        for t in range(1, T + 1):
            lrs.append(opt.param_groups[0]["lr"])
            opt.step()
            if t % n == 0:
                sched.step()
    schedule = make_schedule(key, **params).per_epoch(n)
    np.testing.assert_allclose(schedule.lr(0.1, np.arange(1, T + 1), T), lrs, rtol=1e-9, atol=1e-12)
    assert make_schedule(key, **params).per_epoch(1) == make_schedule(key, **params)
    with pytest.raises(ValueError, match="updates_per_epoch"):
        make_schedule(key, **params).per_epoch(0)
