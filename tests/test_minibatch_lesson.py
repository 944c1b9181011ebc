"""The batch vs mini-batch lesson's runs without Streamlit: equal work, different step counts."""

from __future__ import annotations

import math

import numpy as np
import pytest

from optimizers import OPTIMIZERS, run_batch
from lessons.minibatch_lesson import batch_sizes, cost_rows, equal_work_runs
from surfaces.regression import make_regression_surface, regression_data

N, EPOCHS = 40, 3


@pytest.fixture(scope="module")
def runs():
    surface = make_regression_surface(N)
    return surface, equal_work_runs(surface, "sgd", {"lr": 0.05}, surface.start, EPOCHS, batch=7, seed=2)


def test_three_runs_of_equal_work(runs):
    _, rs = runs
    assert [r.batch for r in rs] == [b for _, b in batch_sizes(N, 7)] == [N, 7, 1]
    for r in rs:
        assert r.per_epoch == math.ceil(N / r.batch)
        assert r.total_steps == EPOCHS * r.per_epoch  # same epochs: every sample seen EPOCHS times
        assert r.path.shape == (r.total_steps + 1, 2) and r.loss.shape == (r.total_steps + 1,)


def test_each_run_is_the_engines_run(runs):
    surface, rs = runs
    mini = rs[1]
    res = run_batch(surface, "sgd", {"lr": 0.05}, surface.start, mini.total_steps, batch_size=7, seed=2)
    np.testing.assert_array_equal(mini.path, res.path[:, 0])


def test_cost_rows_and_loss_per_epoch(runs):
    surface, rs = runs
    data = regression_data(surface)
    f_star = float(surface.f(data.w_opt, data.b_opt))
    rows = cost_rows(rs, f_star)
    assert rows["total steps"] == [EPOCHS * math.ceil(N / b) for b in (N, 7, 1)]
    assert all(v >= -1e-12 for v in rows["final f − f*"])
    assert rows["diverged at step"] == [None, None, None]
    epochs, gap = rs[2].loss_per_epoch(f_star)
    assert epochs[-1] == pytest.approx(EPOCHS) and gap.min() >= 1e-16


def test_a_diverging_run_reports_its_step():
    surface = make_regression_surface(N)
    lr = OPTIMIZERS["sgd"].spec("lr").high
    rs = equal_work_runs(surface, "sgd", {"lr": lr}, surface.start, 2, batch=4, seed=0)
    assert any(r.diverged_at is not None and 0 < r.diverged_at <= r.total_steps for r in rs)


def test_a_schedule_stepped_per_epoch_gives_every_run_the_same_rate_in_the_same_epoch():
    """Per update, step decay every 2 updates has shrunk SGD's rate 2^-(N/2) by the end of epoch 1
    while full-batch GD has not dropped once; per epoch, all three runs drop together."""
    from optimizers import make_schedule

    surface = make_regression_surface(N)
    sched = make_schedule("step", step_size=2, gamma=0.5)
    per_update = equal_work_runs(surface, "sgd", {"lr": 0.05}, surface.start, EPOCHS, 7, 2, schedule=sched)
    per_epoch = equal_work_runs(surface, "sgd", {"lr": 0.05}, surface.start, EPOCHS, 7, 2, schedule=sched,
                                schedule_per_epoch=True)
    for r in per_epoch:
        steps = np.arange(1, r.total_steps + 1)
        by_epoch = sched.per_epoch(r.per_epoch).factor(steps, r.total_steps)
        np.testing.assert_array_equal(by_epoch, sched.factor((steps - 1) // r.per_epoch + 1, EPOCHS))
        res = run_batch(surface, "sgd", {"lr": 0.05}, surface.start, r.total_steps, batch_size=r.batch, seed=2,
                        schedule=sched.per_epoch(r.per_epoch))
        np.testing.assert_array_equal(r.path, res.path[:, 0])
    assert per_epoch[0].path.tolist() == per_update[0].path.tolist()  # full batch: an update is an epoch
    assert not np.array_equal(per_epoch[2].path, per_update[2].path)
