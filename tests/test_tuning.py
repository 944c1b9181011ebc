"""tune_learning_rate and noise_cloud: what the Compare page's "fair race" and clouds rely on."""

from __future__ import annotations

import numpy as np
import pytest

from optimizers import OPTIMIZERS, make_schedule, simulate
from optimizers.tuning import (
    CloudResult, TuneResult, _pick_best, default_lr_grid, noise_cloud, tune_learning_rate,
)
from surfaces import SURFACES


def test_default_grid_is_log_spaced_1e4_to_10():
    g = default_lr_grid()
    assert len(g) == 41
    assert g[0] == pytest.approx(1e-4) and g[-1] == pytest.approx(10.0)
    assert np.allclose(np.diff(np.log10(g)), np.log10(g[1] / g[0]))


@pytest.mark.parametrize("opt_key", ["sgd", "momentum", "adam"])
def test_tuned_lr_is_on_grid_and_its_run_equals_simulate(opt_key):
    surface = SURFACES["rosenbrock"]
    res = tune_learning_rate(surface, opt_key, {}, surface.start, 300)
    assert isinstance(res, TuneResult) and res.found
    assert res.best_lr in res.lrs
    assert res.lrs[res.best_index] == res.best_lr
    assert not res.diverged[res.best_index]
    df = simulate(surface, opt_key, {"lr": res.best_lr}, surface.start, 300)
    assert df["loss"].iloc[-1] == pytest.approx(res.final_loss[res.best_index], rel=1e-9, abs=1e-300)
    # Nothing finite on the grid beats the pick by more than the near-tie margin.
    ok = ~res.diverged
    assert res.best_final_loss <= res.final_loss[ok].min() * 1.01 + 1e-12


def test_diverged_rates_are_excluded_and_reported():
    surface = SURFACES["bowl"]  # quadratic: plain GD diverges for lr > 2/λmax
    lam_max = surface.hessian_eigs[1]
    res = tune_learning_rate(surface, "sgd", {}, surface.start, 200)
    assert res.diverged.any()
    assert np.all(res.lrs[res.diverged] > 2 / lam_max * 0.99)
    assert res.best_lr < 2 / lam_max
    assert "diverged" in res.reason
    assert f"{len(res.lrs)} rates" in res.reason


def test_reason_names_the_pick_and_the_loss():
    surface = SURFACES["bowl"]
    res = tune_learning_rate(surface, "sgd", {}, surface.start, 200)
    assert res.reason.startswith("lr = ")
    assert "final loss" in res.reason


def test_near_ties_prefer_fewer_steps_then_smaller_lr():
    lrs = np.array([0.1, 0.2, 0.3, 0.4])
    final = np.array([1.0e-10, 1.005e-10, 1.0e-10, 5.0])
    diverged = np.array([False, False, False, False])
    steps = np.array([80, 40, 40, -1])
    i, found = _pick_best(final, diverged, steps, lrs)
    assert found and i == 1  # within 1% of the best, and reaches tolerance fastest (tie on steps -> smaller lr)
    i, _ = _pick_best(final, diverged, np.array([80, 60, 60, -1]), lrs)
    assert i == 1  # 0.2 and 0.3 tie on steps: the smaller rate wins


def test_all_diverged_falls_back_to_smallest():
    surface = SURFACES["bowl"]
    res = tune_learning_rate(surface, "sgd", {}, surface.start, 100, lr_grid=[5.0, 8.0, 10.0])
    assert not res.found and res.best_lr == 5.0
    assert "diverged" in res.reason


def test_noisy_tuning_uses_common_random_numbers():
    surface = SURFACES["bowl"]
    res = tune_learning_rate(surface, "sgd", {}, surface.start, 150, noise=0.5, seed=3,
                             lr_grid=np.geomspace(0.01, 0.9, 9))
    df = simulate(surface, "sgd", {"lr": res.best_lr}, surface.start, 150, noise=0.5, seed=3)
    assert df["loss"].iloc[-1] == pytest.approx(res.final_loss[res.best_index], rel=1e-9)


def test_schedule_and_bad_grid():
    surface = SURFACES["bowl"]
    res = tune_learning_rate(surface, "momentum", {"momentum": 0.5}, surface.start, 100,
                             schedule=make_schedule("cosine"))
    assert res.found
    with pytest.raises(ValueError):
        tune_learning_rate(surface, "sgd", {}, surface.start, 10, lr_grid=[0.1, -1.0])


def test_cloud_paths_equal_single_simulate_runs():
    surface = SURFACES["rosenbrock"]
    seeds = np.array([0, 7, 42])
    cloud = noise_cloud(surface, "adam", {"lr": 0.05}, surface.start, 120, noise=2.0, seeds=seeds)
    assert isinstance(cloud, CloudResult)
    assert cloud.paths.shape == (121, 3, 2) and cloud.losses.shape == (121, 3)
    assert cloud.median_path.shape == (121, 2) and cloud.median_loss.shape == (121,)
    for k, seed in enumerate(seeds):
        df = simulate(surface, "adam", {"lr": 0.05}, surface.start, 120, noise=2.0, seed=int(seed))
        np.testing.assert_allclose(cloud.paths[: len(df), k], df[["x", "y"]].to_numpy(), rtol=1e-12, atol=1e-12)


def test_cloud_median_is_per_step_median_and_runs_differ():
    surface = SURFACES["bowl"]
    cloud = noise_cloud(surface, "sgd", {"lr": 0.1}, surface.start, 60, noise=1.0, n_runs=9)
    assert cloud.n_runs == 9 and cloud.n_diverged == 0
    np.testing.assert_allclose(cloud.median_path, np.median(cloud.paths, axis=1))
    assert np.all(cloud.loss_q25 <= cloud.median_loss + 1e-15)
    assert np.all(cloud.median_loss <= cloud.loss_q75 + 1e-15)
    assert np.ptp(cloud.paths[-1, :, 0]) > 0  # different seeds, different luck


def test_cloud_on_minibatch_surface():
    surface = SURFACES["regression"]
    cloud = noise_cloud(surface, "sgd", {"lr": 0.1}, surface.start, 50, noise=0.0, n_runs=4, batch_size=4)
    for k in range(4):
        df = simulate(surface, "sgd", {"lr": 0.1}, surface.start, 50, seed=k, batch_size=4)
        np.testing.assert_allclose(cloud.paths[:, k], df[["x", "y"]].to_numpy(), rtol=1e-12)
