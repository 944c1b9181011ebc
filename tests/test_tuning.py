"""tune_learning_rate and noise_cloud: what the Compare page's "fair race" and clouds rely on.

Every number Tune's explanation prints is recomputed here with the engine (`simulate`, one run
at a time), and the claims about noisy runs are checked over 64 seeds.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest

from optimizers import OPTIMIZERS, make_schedule, run_batch, simulate
from lessons.tuning import (
    NEAR_TIE, TIE_ATOL, CloudResult, TuneResult, _fmt, _pick_best, default_lr_grid, default_streams, noise_cloud,
    tune_learning_rate,
)
from surfaces import SURFACES
from lessons.race_link import hyper_grid


def slider_grid(key: str) -> np.ndarray:
    """The Compare page's lr slider values for ``key`` (what the page's Tune sweeps)."""
    return np.array(hyper_grid(key, "lr"))


def f_star_of(surface) -> float:
    return float(min(surface.f(x, y) for x, y in surface.minima))


def final_gap(surface, key, lr, steps, **kw) -> float:
    df = simulate(surface, key, {"lr": float(lr)}, surface.start, steps, **kw)
    return float(df["loss"].iloc[-1]) - f_star_of(surface)


def test_default_grid_is_log_spaced_1e4_to_10():
    g = default_lr_grid()
    assert len(g) == 41
    assert g[0] == pytest.approx(1e-4) and g[-1] == pytest.approx(10.0)
    assert np.allclose(np.diff(np.log10(g)), np.log10(g[1] / g[0]))


@pytest.mark.parametrize("opt_key", ["sgd", "momentum", "adam"])
def test_tuned_lr_is_on_grid_and_its_run_equals_simulate(opt_key):
    surface = SURFACES["rosenbrock"]
    res = tune_learning_rate(surface, opt_key, {}, surface.start, 300)
    assert isinstance(res, TuneResult) and res.found and res.n_streams == 1
    assert res.best_lr in res.lrs
    assert res.lrs[res.best_index] == res.best_lr
    assert not res.diverged[res.best_index]
    df = simulate(surface, opt_key, {"lr": res.best_lr}, surface.start, 300)
    assert df["loss"].iloc[-1] == pytest.approx(res.final_loss[res.best_index], rel=1e-9, abs=1e-300)
    # Nothing finite on the grid beats the pick's gap f - f* by more than the near-tie margin.
    ok = ~res.diverged
    assert res.best_gap <= res.gap[ok].min() * (1 + NEAR_TIE) + res.tie_slack


def test_diverged_rates_are_excluded_and_reported():
    surface = SURFACES["bowl"]  # quadratic: plain GD diverges for lr > 2/λmax
    lam_max = surface.hessian_eigs[1]
    res = tune_learning_rate(surface, "sgd", {}, surface.start, 200)
    assert res.diverged.any()
    assert np.all(res.lrs[res.diverged] > 2 / lam_max * 0.99)
    assert res.best_lr < 2 / lam_max
    first_bad = res.lrs[res.diverged].min()
    assert simulate(surface, "sgd", {"lr": first_bad}, surface.start, 200).attrs["diverged_at"] is not None
    below = res.lrs[res.lrs < first_bad].max()
    assert simulate(surface, "sgd", {"lr": below}, surface.start, 200).attrs["diverged_at"] is None
    assert f"rates from {_fmt(first_bad)} up diverged" in res.reason
    assert f"{len(res.lrs)} rates" in res.reason


def test_near_ties_are_relative_to_the_gap_not_to_f():
    lrs = np.array([0.1, 2.0, 3.0])
    f_star = -1.0316
    final = np.array([f_star + 7.4e-3, f_star + 5.4e-5, f_star + 0.8])
    gap = final - f_star
    # A band of 1 % of |best f| (0.01) would tie 0.1 and 2 and hand the race to the smaller rate.
    assert final[0] <= final[1] + NEAR_TIE * abs(final[1])
    i, found = _pick_best(gap, np.zeros(3, bool), np.full(3, -1), lrs)
    assert found and i == 1


def test_near_ties_prefer_fewer_steps_then_smaller_lr():
    lrs = np.array([0.1, 0.2, 0.3, 0.4])
    gap = np.array([1.0e-10, 1.005e-10, 1.0e-10, 5.0])
    diverged = np.array([False, False, False, False])
    steps = np.array([80, 40, 40, -1])
    i, found = _pick_best(gap, diverged, steps, lrs)
    assert found and i == 1  # within 1% of the best, and reaches tolerance fastest (tie on steps -> smaller lr)
    i, _ = _pick_best(gap, diverged, np.array([80, 60, 60, -1]), lrs)
    assert i == 1  # 0.2 and 0.3 tie on steps: the smaller rate wins
    i, _ = _pick_best(gap, diverged, np.array([-1, -1, -1, -1]), lrs)
    assert i == 0  # nobody reaches the tolerance: the smallest tied rate
    i, _ = _pick_best(np.array([1.0e-3, 1.02e-3]), np.zeros(2, bool), np.array([80, 10]), lrs[:2])
    assert i == 0  # 2 % apart is no tie, however fast the other one is


def test_six_hump_camel_adam_picks_the_smallest_gap_and_says_so():
    """A near-tie must not hide a far better rate: Adam, 100 steps, picked lr 0.1 (f − f* = 7.4e-3) over lr 2 (5.4e-5)."""
    surface = SURFACES["six_hump_camel"]
    grid = slider_grid("adam")
    res = tune_learning_rate(surface, "adam", {}, surface.start, 100, lr_grid=grid)
    f_star = f_star_of(surface)
    assert res.f_star_known and res.f_ref == f_star and res.n_streams == 1
    frames = [simulate(surface, "adam", {"lr": float(lr)}, surface.start, 100) for lr in grid]
    gaps = np.array([df["loss"].iloc[-1] for df in frames]) - f_star
    np.testing.assert_allclose(res.gap, np.maximum(gaps, 0), rtol=1e-9, atol=1e-15)
    i01, i2 = list(grid).index(0.1), list(grid).index(2.0)
    assert gaps[i01] > 100 * gaps[i2]  # 7.4e-3 vs 5.4e-5
    f01, f2 = gaps[i01] + f_star, gaps[i2] + f_star
    assert f01 <= f2 + NEAR_TIE * abs(f2)  # the old band (1 % of |f|) tied them: the bug
    assert res.best_lr == 2.0 and res.best_index == int(np.argmin(gaps))
    runner = int(np.argsort(gaps)[1])
    assert res.runner_up == runner
    assert res.reason.startswith("lr = 2: lowest final f − f* = " + _fmt(gaps[i2]))
    ratio = gaps[runner] / gaps[i2]
    assert f"next best lr = {_fmt(grid[runner])} with {_fmt(gaps[runner])}, {ratio:.2f}× the pick's" in res.reason
    # "no rate gets within 1e-6 of f* in 100 steps": not at any step of any rate.
    assert min(float(df["loss"].min()) for df in frames) - f_star > 1e-6
    assert "no rate gets within 1e-6 of f* in 100 steps" in res.reason
    assert all(df.attrs["diverged_at"] is None for df in frames) and res.reason.endswith("none diverged")
    rule = res.ranking_rule()
    assert f"f* = {f_star:.6g}" in rule and "within 1% of the lowest gap" in rule and "noise" not in rule


def test_explanation_says_when_the_pick_first_reaches_the_tolerance():
    surface = SURFACES["rosenbrock"]
    res = tune_learning_rate(surface, "momentum", {}, (-1.5, 2.0), 1000)
    df = simulate(surface, "momentum", {"lr": res.best_lr}, (-1.5, 2.0), 1000)
    first = int(np.flatnonzero(df["loss"].to_numpy() <= f_star_of(surface) + 1e-6)[0])
    assert f"; it is first within 1e-6 of f* at step {first}" in res.reason
    assert f"lowest final f − f* = {_fmt(df['loss'].iloc[-1] - f_star_of(surface))}" in res.reason


def test_tie_explanation_names_the_tied_rates_and_their_steps_to_tolerance():
    surface = SURFACES["six_hump_camel"]  # SGD reaches f* to round-off at several rates
    grid = slider_grid("sgd")
    res = tune_learning_rate(surface, "sgd", {}, surface.start, 100, lr_grid=grid)
    f_star = f_star_of(surface)
    frames = {float(lr): simulate(surface, "sgd", {"lr": float(lr)}, surface.start, 100) for lr in grid}
    ok = {lr: df for lr, df in frames.items() if df.attrs["diverged_at"] is None}
    gaps = {lr: max(float(df["loss"].iloc[-1]) - f_star, 0.0) for lr, df in ok.items()}
    best = min(gaps.values())
    tied = sorted(lr for lr, g in gaps.items() if g <= best * (1 + NEAR_TIE) + TIE_ATOL * abs(f_star))
    assert len(tied) > 1
    reach = {lr: int(np.flatnonzero(ok[lr]["loss"].to_numpy() <= f_star + 1e-6)[0]) for lr in tied}
    first = min(tied, key=lambda lr: (reach[lr], lr))
    assert res.best_lr == first
    nxt = min((lr for lr in tied if lr != first), key=lambda lr: (reach[lr], lr))
    assert (f"of the {len(tied)} tied rates it is the first within 1e-6 of f* (step {reach[first]}; "
            f"next lr = {_fmt(nxt)} at step {reach[nxt]})") in res.reason


def test_without_a_known_minimum_the_lowest_loss_wins():
    surface = replace(SURFACES["six_hump_camel"], minima=())
    grid = slider_grid("adam")
    res = tune_learning_rate(surface, "adam", {}, surface.start, 100, lr_grid=grid)
    losses = np.array([simulate(surface, "adam", {"lr": float(lr)}, surface.start, 100)["loss"].iloc[-1]
                       for lr in grid])
    assert not res.f_star_known and res.tol is None
    assert res.best_index == int(np.argmin(losses)) and res.f_ref == losses.min()
    runner = int(np.argsort(losses)[1])
    assert res.reason.startswith(f"lr = {_fmt(grid[res.best_index])}: lowest final loss, f = {losses.min():.6g}, ")
    assert f"next best lr = {_fmt(grid[runner])} with final f − f_best = {_fmt(losses[runner] - losses.min())}" \
        in res.reason
    assert "f*" not in res.reason
    assert "not known" in res.ranking_rule()


def test_a_listed_minimum_that_runs_go_below_is_not_used_as_f_star():
    camel = SURFACES["six_hump_camel"]
    surface = replace(camel, minima=camel.minima[2:3])  # a local minimum, f = -0.2155
    res = tune_learning_rate(surface, "adam", {}, surface.start, 100, lr_grid=slider_grid("adam"))
    assert res.final_loss[~res.diverged].min() < f_star_of(surface)
    assert not res.f_star_known and res.f_ref == res.final_loss[~res.diverged].min()
    assert f"listed minimum value ({f_star_of(surface):.6g})" in res.ranking_rule()


def test_all_diverged_falls_back_to_smallest():
    surface = SURFACES["bowl"]
    res = tune_learning_rate(surface, "sgd", {}, surface.start, 100, lr_grid=[5.0, 8.0, 10.0])
    assert not res.found and res.best_lr == 5.0
    assert "diverged" in res.reason


def test_schedule_and_bad_grid():
    surface = SURFACES["bowl"]
    res = tune_learning_rate(surface, "momentum", {"momentum": 0.5}, surface.start, 100,
                             schedule=make_schedule("cosine"))
    assert res.found
    with pytest.raises(ValueError):
        tune_learning_rate(surface, "sgd", {}, surface.start, 10, lr_grid=[0.1, -1.0])
    with pytest.raises(ValueError):
        tune_learning_rate(surface, "sgd", {}, surface.start, 10, noise=1.0, streams=0)


# ------------------------------------------------------------------------------- noisy runs


def test_noisy_tuning_runs_every_rate_on_the_same_seeded_streams():
    surface = SURFACES["bowl"]
    grid = np.geomspace(0.01, 0.9, 9)
    res = tune_learning_rate(surface, "sgd", {}, surface.start, 150, noise=0.5, seed=3, lr_grid=grid)
    assert res.n_streams == default_streams(150) == 32
    assert list(res.seeds) == list(range(3, 35))  # stream 0 is the page's own run (seed 3)
    for i in (0, 4, 8):
        for k in (0, 17, 31):
            df = simulate(surface, "sgd", {"lr": grid[i]}, surface.start, 150, noise=0.5, seed=3 + k)
            assert df["loss"].iloc[-1] == pytest.approx(res.stream_loss[i, k], rel=1e-12)
    np.testing.assert_allclose(res.final_loss, np.median(res.stream_loss, axis=1))


def test_long_noisy_runs_use_fewer_streams_and_deterministic_runs_one():
    surface = SURFACES["bowl"]
    assert default_streams(1000) == 32 and default_streams(1001) == 16
    res = tune_learning_rate(surface, "sgd", {}, surface.start, 1200, noise=0.5, lr_grid=[0.1, 0.2])
    assert res.n_streams == 16 and res.stream_loss.shape == (2, 16)
    res = tune_learning_rate(surface, "sgd", {}, surface.start, 100, lr_grid=[0.1, 0.2])
    assert res.n_streams == 1 and "noise" not in res.ranking_rule()


def test_minibatch_runs_are_tuned_over_streams_too():
    surface = SURFACES["regression"]
    res = tune_learning_rate(surface, "sgd", {}, surface.start, 40, batch_size=4, lr_grid=[0.03, 0.1])
    assert res.n_streams == 32
    df = simulate(surface, "sgd", {"lr": 0.1}, surface.start, 40, seed=5, batch_size=4)
    assert df["loss"].iloc[-1] == pytest.approx(res.stream_loss[1, 5], rel=1e-12)


def test_noisy_explanation_numbers_are_medians_over_the_streams():
    surface = SURFACES["bowl"]
    grid = slider_grid("sgd")
    res = tune_learning_rate(surface, "sgd", {}, surface.start, 100, noise=1.0, seed=5, lr_grid=grid)
    k = res.n_streams
    assert k == 32

    def streams(lr):
        return np.array([final_gap(surface, "sgd", lr, 100, noise=1.0, seed=5 + j) for j in range(k)])

    i, r = res.best_index, res.runner_up
    pick, runner = streams(grid[i]), streams(grid[r])
    assert np.median(pick) == pytest.approx(res.gap[i], rel=1e-12)
    assert np.median(runner) == pytest.approx(res.gap[r], rel=1e-12)
    assert np.median(pick) < np.median(runner)
    assert (f"lowest median final f − f* = {_fmt(np.median(pick))} (the page's own stream: {_fmt(pick[0])})"
            in res.reason)
    assert f"next best lr = {_fmt(grid[r])} with {_fmt(np.median(runner))}" in res.reason
    # Divergence "on at least one of 32 streams", from the first diverging rate up.
    first_bad = res.lrs[res.diverged].min()
    cloud = noise_cloud(surface, "sgd", {"lr": first_bad}, surface.start, 100, noise=1.0, seeds=res.seeds)
    below = noise_cloud(surface, "sgd", {"lr": grid[grid < first_bad].max()}, surface.start, 100, noise=1.0,
                        seeds=res.seeds)
    assert cloud.n_diverged >= 1 and below.n_diverged == 0
    assert f"rates from {_fmt(first_bad)} up diverged on at least one of 32 streams" in res.reason
    rule = res.ranking_rule()
    assert f"same {k} noise streams (seeds 5–{4 + k}; the page's own run is seed 5)" in rule
    assert "median" in rule


def test_a_rate_that_diverges_on_some_streams_is_out():
    surface = SURFACES["six_hump_camel"]
    grid = np.geomspace(1e-4, 1, 25)
    res = tune_learning_rate(surface, "sgd", {}, surface.start, 100, noise=3.0, lr_grid=grid)
    partial = np.flatnonzero((res.n_diverged > 0) & (res.n_diverged < res.n_streams))
    assert partial.size  # e.g. lr 0.1: some streams diverge, others do not
    j = int(partial[0])
    n_div = sum(simulate(surface, "sgd", {"lr": grid[j]}, surface.start, 100, noise=3.0, seed=int(s))
                .attrs["diverged_at"] is not None for s in res.seeds)
    assert n_div == res.n_diverged[j]
    assert res.diverged[j] and res.best_index not in partial


def _fresh_medians(surface, grid, steps, noise, n_fresh=64):
    """Median final loss of every grid rate over 64 fresh streams (seeds never used for tuning)."""
    fresh = 10**6 + np.arange(n_fresh)
    n = len(grid)
    res = run_batch(surface, "sgd", {"lr": np.repeat(grid, n_fresh)[:, None]}, np.tile(surface.start, (n * n_fresh, 1)),
                    steps, noise=noise, seed=np.tile(fresh, n), record="final")
    loss = res.final_loss.reshape(n, n_fresh)
    diverged = (res.diverged_at >= 0).reshape(n, n_fresh).any(axis=1)
    return np.where(diverged, np.inf, np.median(loss, axis=1))


def test_noisy_pick_is_stable_over_64_seeds_and_near_the_best_rate():
    """One noise stream is an anecdote: bowl, σ = 1, 100 SGD steps. One stream picked 0.15 … 0.9; the median over 32 does not."""
    surface = SURFACES["bowl"]
    grid = slider_grid("sgd")
    fresh = _fresh_medians(surface, grid, 100, 1.0)
    best = fresh.min()

    def picks(streams):
        # Disjoint seed blocks, so no two tunings share a stream.
        return np.array([tune_learning_rate(surface, "sgd", {}, surface.start, 100, noise=1.0, lr_grid=grid,
                                            seed=1000 + 32 * j, streams=streams).best_index for j in range(64)])

    robust = picks(None)
    assert grid[robust].max() / grid[robust].min() <= 2.0
    assert fresh[robust].max() <= 1.5 * best
    # The single-stream rule this replaces: picks spread over a wide range, some far from the best.
    single = picks(1)
    assert grid[single].max() / grid[single].min() >= 4.0
    assert fresh[single].max() >= 5 * best


def test_reason_names_the_pick_and_the_gap():
    surface = SURFACES["bowl"]
    res = tune_learning_rate(surface, "sgd", {}, surface.start, 200)
    assert res.reason.startswith(f"lr = {_fmt(res.best_lr)}: ")
    assert "final f − f*" in res.reason


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


# ------------------------------------------------------------------------- the page's explanation


def _unescape(markdown: str) -> str:
    """Undo ui.url_state.md_escape (a backslash before each escaped character) and the bold marks."""
    return re.sub(r"\\(.)", r"\1", markdown.replace("**", ""))


@pytest.mark.parametrize("query, picks", [
    ({"surface": "six_hump_camel", "opt": ["sgd", "adam"], "steps": "100"}, {"adam": 2.0}),
    ({"surface": "bowl", "opt": ["sgd", "adam"], "steps": "100", "noise": "1", "seed": "7"}, {}),
])
def test_the_page_says_what_the_engine_computed(query, picks):
    from tests.test_compare_page import assert_clean, new_app

    at = new_app(query)
    assert_clean(at)
    at.button(key="tune").click().run()
    assert_clean(at)
    ss = at.session_state
    text = _unescape("\n".join(e.value for e in at.success))
    surface = SURFACES[query["surface"]]
    start = (float(ss["x0"]), float(ss["y0"]))
    noise, seed = float(query.get("noise", 0)), int(query.get("seed", 0))
    results = {}
    for key in query["opt"]:
        hyper = {k: v for k, v in OPTIMIZERS[key].defaults().items() if k != "lr"}
        res = tune_learning_rate(surface, key, hyper, start, 100, lr_grid=slider_grid(key), noise=noise, seed=seed)
        results[key] = res
        assert ss[f"hp.{key}.lr"] == res.best_lr == picks.get(key, res.best_lr)
        assert re.sub(r"^lr = [^:]*: ", "", res.reason) in text  # the row is the core's sentence
        assert res.ranking_rule() in text
    k = results["sgd"].n_streams
    if noise:
        assert k == 32 and f"on 32 noise streams, {66 * 32:,} runs in one vectorized call" in text
        assert f"seeds {seed}–{seed + 31}; the page's own run is seed {seed}" in text
    else:
        assert k == 1 and "ran once per lr slider value (66 values, 0.0001 … 10)" in text
