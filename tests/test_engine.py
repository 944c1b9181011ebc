"""The engine: run_batch / simulate / sweep semantics, randomness, mini-batches, divergence."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from optimizers import OPTIMIZERS, BatchResult, SweepResult, make_schedule, run_batch, simulate, sweep
from optimizers.records import NoiseStream as _NoiseStream
from tests.optim_helpers import local_surface, make_regression, surface

BASE_COLUMNS = ["step", "x", "y", "loss", "gx", "gy", "lr", "dx", "dy", "eff_lr_x", "eff_lr_y"]


def manual(opt_key, surf, hyper, start, steps, *, noise=0.0, seed=0, clip=None, lr_factors=None):
    """The oracle loop written out plainly, to check the engine against."""
    from optimizers import clip_by_norm

    opt = OPTIMIZERS[opt_key]
    h = opt.resolve(hyper)
    p = np.array([start], dtype=float)
    state = opt.init(p)
    z = np.random.default_rng(seed).standard_normal((steps, 2))
    path, grads = [p[0].copy()], []
    for t in range(1, steps + 1):
        g = np.array([surf.grad(p[0, 0], p[0, 1])], dtype=float) + noise * z[t - 1]
        if clip is not None:
            g = clip_by_norm(g, clip)
        ht = dict(h)
        if lr_factors is not None:
            ht["lr"] = h["lr"] * lr_factors[t - 1]
        p, state = opt.update(p, g, state, ht, t)
        path.append(p[0].copy())
        grads.append(g[0])
    return np.array(path), np.array(grads), state


# --------------------------------------------------------------------------------------------
# simulate: the table


@pytest.mark.parametrize("key", list(OPTIMIZERS))
def test_simulate_table(key):
    bowl = surface("bowl")
    opt = OPTIMIZERS[key]
    df = simulate(bowl, key, {"lr": 0.01}, bowl.start, 25)
    states = [f"{k}_{c}" for k in opt.state_names for c in "xy"]
    scalars = [k for k in opt.init(np.zeros((1, 2))) if k not in opt.state_names]  # count, β powers
    assert list(df.columns) == BASE_COLUMNS + states + scalars
    assert len(df) == 26 and list(df["step"]) == list(range(26))
    assert df.attrs == {"diverged_at": None, "optimizer": key, "surface": bowl.key}
    assert not df.isna().any().any()
    row0 = df.iloc[0]
    assert (row0["x"], row0["y"]) == tuple(bowl.start)
    g0 = bowl.grad(*bowl.start)
    assert (row0["gx"], row0["gy"]) == pytest.approx(g0)
    assert row0["lr"] == 0.01
    assert all(row0[c] == 0 for c in ["dx", "dy", "eff_lr_x", "eff_lr_y", *states])
    path, grads, state = manual(key, bowl, {"lr": 0.01}, bowl.start, 25)
    np.testing.assert_allclose(df[["x", "y"]].to_numpy(), path, rtol=1e-14)
    np.testing.assert_allclose(df[["gx", "gy"]].to_numpy()[1:], grads, rtol=1e-14)
    np.testing.assert_allclose(df[["dx", "dy"]].to_numpy()[1:], np.diff(path, axis=0), rtol=1e-12)
    np.testing.assert_allclose(df["loss"], bowl.f(path[:, 0], path[:, 1]), rtol=1e-14)
    for k in opt.state_names:
        np.testing.assert_allclose(df[[f"{k}_x", f"{k}_y"]].to_numpy()[-1], state[k][0], rtol=1e-14)
    eff = 0.01 * np.broadcast_to(opt.preconditioner(state, opt.resolve({"lr": 0.01}), 25), (1, 2))
    np.testing.assert_allclose(df[["eff_lr_x", "eff_lr_y"]].to_numpy()[-1], eff[0], rtol=1e-12)


def test_simulate_defaults_and_keys():
    rosen = surface("rosenbrock")
    df = simulate("rosenbrock", "adam") if _has_registry("rosenbrock") else simulate(rosen, "adam")
    assert len(df) == 201 and df.iloc[0]["x"] == rosen.start[0]


def _has_registry(key):
    try:
        from surfaces import SURFACES
    except ImportError:
        return False
    return key in SURFACES


def test_schedule_and_clipping_in_the_loop():
    rosen = local_surface("rosenbrock")
    sched = make_schedule("warmup_cosine", warmup_steps=5, min_ratio=0.1)
    df = simulate(rosen, "momentum", {"lr": 1e-3}, (-1.2, 1.0), 40, schedule=sched, clip_norm=2.0)
    factors = sched.factor(np.arange(1, 41), 40)
    np.testing.assert_allclose(df["lr"].to_numpy()[1:], 1e-3 * factors, rtol=1e-15)
    assert df["lr"].iloc[0] == pytest.approx(1e-3 * factors[0])
    norms = np.hypot(df["gx"], df["gy"]).to_numpy()[1:]
    assert np.all(norms <= 2.0 + 1e-9)
    path, grads, _ = manual("momentum", rosen, {"lr": 1e-3}, (-1.2, 1.0), 40, clip=2.0, lr_factors=factors)
    np.testing.assert_allclose(df[["x", "y"]].to_numpy(), path, rtol=1e-13)
    # a schedule given by key uses its default parameters
    df2 = simulate(rosen, "sgd", {"lr": 1e-3}, (-1.2, 1.0), 10, schedule="exponential")
    assert df2["lr"].iloc[2] == pytest.approx(1e-3 * 0.99)


# --------------------------------------------------------------------------------------------
# Randomness


def test_noise_is_reproducible_and_documented():
    bowl = surface("bowl")
    a = simulate(bowl, "sgd", {"lr": 0.05}, (1.0, 1.0), 30, noise=0.5, seed=3)
    b = simulate(bowl, "sgd", {"lr": 0.05}, (1.0, 1.0), 30, noise=0.5, seed=3)
    c = simulate(bowl, "sgd", {"lr": 0.05}, (1.0, 1.0), 30, noise=0.5, seed=4)
    assert a.equals(b)
    assert not np.allclose(a[["x", "y"]], c[["x", "y"]])
    # g_t = ∇f(θ_{t-1}) + noise · z[t-1], z = default_rng(seed).standard_normal((steps, 2))
    z = np.random.default_rng(3).standard_normal((30, 2))
    true = np.stack(bowl.grad(a["x"].to_numpy()[:-1], a["y"].to_numpy()[:-1]), axis=1)
    np.testing.assert_allclose(a[["gx", "gy"]].to_numpy()[1:] - true, 0.5 * z, atol=1e-12)


def test_per_run_seeds_equal_single_runs_and_chunking():
    bowl = surface("bowl")
    seeds = np.array([11, 12, 13])
    res = run_batch(bowl, "adam", {"lr": 0.05}, bowl.start, 20, noise=1.0, seed=seeds)
    for r, s in enumerate(seeds):
        df = simulate(bowl, "adam", {"lr": 0.05}, bowl.start, 20, noise=1.0, seed=int(s))
        np.testing.assert_array_equal(res.path[:, r], df[["x", "y"]].to_numpy())
    # a shared int seed gives every run the same stream (common random numbers)
    shared = run_batch(bowl, "adam", {"lr": 0.05}, bowl.start, 20, noise=1.0, seed=np.array([5, 5]))
    np.testing.assert_array_equal(shared.path[:, 0], shared.path[:, 1])
    # chunked per-run streams are the same numbers as one big draw per run
    stream = _NoiseStream(np.array([5, 6]), 10, 2)
    stream.chunk = 3
    drawn = np.stack([stream.at(t) for t in range(1, 11)])
    for r, s in enumerate([5, 6]):
        np.testing.assert_array_equal(drawn[:, r], np.random.default_rng(s).standard_normal((10, 2)))


class RecordingSurface:
    """Wraps a finite-sum surface and records every batch of indices it is asked for."""

    def __init__(self, inner):
        self.inner = inner
        self.calls: list[np.ndarray] = []
        for f in dataclasses.fields(inner):
            if f.name != "batch_grad":
                setattr(self, f.name, getattr(inner, f.name))

    def batch_grad(self, x, y, idx):
        self.calls.append(np.array(idx))
        return self.inner.batch_grad(x, y, idx)


def test_minibatches():
    reg = make_regression(n=12)
    full = simulate(reg, "sgd", {"lr": 0.1}, reg.start, 30)
    same = simulate(reg, "sgd", {"lr": 0.1}, reg.start, 30, batch_size=12)
    big = simulate(reg, "sgd", {"lr": 0.1}, reg.start, 30, batch_size=100)
    assert full.equals(same) and full.equals(big)
    one = simulate(reg, "sgd", {"lr": 0.1}, reg.start, 30, batch_size=1)
    assert not np.allclose(one[["x", "y"]], full[["x", "y"]])
    again = simulate(reg, "sgd", {"lr": 0.1}, reg.start, 30, batch_size=1)
    assert one.equals(again)

    rec = RecordingSurface(reg)
    simulate(rec, "sgd", {"lr": 0.1}, reg.start, 9, batch_size=5, seed=2)
    sizes = [len(c) for c in rec.calls]
    assert sizes == [5, 5, 2] * 3  # 12 samples: two full batches and a smaller last one
    rng = np.random.default_rng(2)
    for epoch in range(3):
        batch = np.concatenate(rec.calls[3 * epoch : 3 * epoch + 3])
        assert sorted(batch) == list(range(12))  # every sample exactly once per epoch
        np.testing.assert_array_equal(batch, rng.permutation(12))  # default_rng(seed) epochs


def test_minibatches_per_run_seeds():
    reg = make_regression(n=10)
    seeds = np.array([1, 2])
    res = run_batch(reg, "momentum", {"lr": 0.05}, reg.start, 15, batch_size=3, seed=seeds)
    for r, s in enumerate(seeds):
        df = simulate(reg, "momentum", {"lr": 0.05}, reg.start, 15, batch_size=3, seed=int(s))
        np.testing.assert_allclose(res.path[:, r], df[["x", "y"]].to_numpy(), rtol=1e-13)
    assert not np.allclose(res.path[:, 0], res.path[:, 1])


def test_batch_size_ignored_on_plain_surfaces():
    bowl = surface("bowl")
    a = simulate(bowl, "sgd", {"lr": 0.05}, bowl.start, 10)
    b = simulate(bowl, "sgd", {"lr": 0.05}, bowl.start, 10, batch_size=2)
    assert a.equals(b)


# --------------------------------------------------------------------------------------------
# Divergence


def test_sgd_lr_10_diverges_cleanly():
    bowl = surface("bowl")
    with np.errstate(all="raise"):  # nothing may even warn
        df = simulate(bowl, "sgd", {"lr": 10.0}, bowl.start, 200)
    d = df.attrs["diverged_at"]
    assert isinstance(d, int) and 1 <= d < 200
    assert len(df) == d  # rows 0 .. d-1: the last finite row
    assert not df.isna().any().any()
    assert np.all(np.isfinite(df.to_numpy()))
    assert (np.abs(df[["x", "y"]].to_numpy()) <= 1e6).all()


def test_divergence_in_a_batch_freezes_only_that_run():
    bowl = surface("bowl")
    lrs = np.array([0.01, 10.0, 0.02])
    res = run_batch(bowl, "momentum", {"lr": lrs}, bowl.start, 60, record="full")
    assert res.diverged_at[0] == -1 and res.diverged_at[2] == -1
    d = res.diverged_at[1]
    assert d > 0
    # frozen at the last finite point, rows repeat it
    np.testing.assert_array_equal(res.path[d:, 1], np.broadcast_to(res.path[d - 1, 1], (61 - d, 2)))
    np.testing.assert_array_equal(res.final[1], res.path[d - 1, 1])
    assert res.final_loss[1] == res.loss[d - 1, 1]
    for arr in (res.path, res.loss, res.grads, res.lr, res.eff_lr, *res.states.values()):
        assert np.all(np.isfinite(arr))
    assert np.all(res.grads[d - 1 :, 1] == 0)
    for r in (0, 2):
        df = simulate(bowl, "momentum", {"lr": lrs[r]}, bowl.start, 60)
        np.testing.assert_array_equal(res.path[:, r], df[["x", "y"]].to_numpy())


def test_divergence_detected_through_state_and_loss():
    # AdaGrad with eps = 0 at a stationary point: 0/0 in the update → diverged at step 1
    bowl = surface("bowl")
    df = simulate(bowl, "adagrad", {"eps": 0.0}, (0.0, 0.0), 5)
    assert df.attrs["diverged_at"] == 1 and len(df) == 1
    # a loss that overflows while the params stay small
    steep = dataclasses.replace(
        local_surface("bowl"), f=lambda x, y: np.exp(np.abs(x) * 200.0), grad=lambda x, y: (0 * x - 1.0, 0 * y)
    )
    df = simulate(steep, "sgd", {"lr": 0.1}, (0.0, 0.0), 20)
    # x = 0.1 t; exp(200·0.3) ≈ 1e26 is fine, exp(200·0.4) ≈ 5.5e34 > 1e30: diverged at step 4
    assert df.attrs["diverged_at"] == 4 and len(df) == 4


# --------------------------------------------------------------------------------------------
# run_batch shapes, tolerance, dtype


def test_run_batch_record_modes():
    bowl = surface("bowl")
    starts = np.array([[1.0, 1.0], [0.5, -1.0], [-1.0, 0.2], [0.3, 0.3]])
    final = run_batch(bowl, "adam", {"lr": 0.05}, starts, 30, record="final")
    path = run_batch(bowl, "adam", {"lr": 0.05}, starts, 30, record="path")
    full = run_batch(bowl, "adam", {"lr": 0.05}, starts, 30, record="full")
    assert isinstance(final, BatchResult)
    assert final.path is None and final.loss is None and final.grads is None
    assert path.path.shape == (31, 4, 2) and path.loss.shape == (31, 4) and path.grads is None
    assert full.grads.shape == (30, 4, 2) and full.lr.shape == (30, 4) and full.eff_lr.shape == (30, 4, 2)
    assert set(full.states) == {"count", "exp_avg", "exp_avg_sq", "beta1_pow", "beta2_pow"}
    assert full.states["exp_avg"].shape == (30, 4, 2)
    assert list(full.states["count"][:, 0, 0]) == list(range(1, 31))  # the step count is state
    for res in (final, path, full):
        np.testing.assert_array_equal(res.final, path.path[-1])
        np.testing.assert_array_equal(res.final_loss, path.loss[-1])
        assert res.diverged_at.shape == (4,) and res.steps_to_tol.shape == (4,)


def test_steps_to_tol():
    bowl = surface("bowl")
    fstar = min(bowl.f(*m) for m in bowl.minima)
    res = run_batch(bowl, "sgd", {"lr": np.array([0.01, 0.05, 1e-6])}, bowl.start, 100, tol=1e-3)
    for r in range(3):
        hits = np.flatnonzero(res.loss[:, r] - fstar <= 1e-3)
        assert res.steps_to_tol[r] == (hits[0] if hits.size else -1)
    assert res.steps_to_tol[2] == -1
    assert np.all(run_batch(bowl, "sgd", {"lr": 0.05}, bowl.start, 50).steps_to_tol == -1)  # tol None
    at_min = run_batch(bowl, "sgd", {"lr": 0.05}, bowl.minima[0], 5, tol=1e-3)
    assert at_min.steps_to_tol[0] == 0


def test_float32_runs_stay_float32():
    bowl = local_surface("bowl")
    res = run_batch(bowl, "adam", {"lr": np.array([0.01, 0.1])}, np.array([1.0, 1.0], np.float32), 20)
    assert res.path.dtype == np.float32 and res.final.dtype == np.float32
    ref = run_batch(bowl, "adam", {"lr": np.array([0.01, 0.1])}, np.array([1.0, 1.0]), 20)
    np.testing.assert_allclose(res.final, ref.final, rtol=1e-4, atol=1e-5)


# --------------------------------------------------------------------------------------------
# sweep


def test_sweep_cells_equal_simulate():
    bowl = surface("bowl")
    lrs = np.array([0.01, 0.3, 5.0])
    mus = np.array([0.0, 0.5, 0.9, 0.99])
    res = sweep(bowl, "momentum", {"lr": lrs, "momentum": mus}, steps=120, tol=1e-3)
    assert isinstance(res, SweepResult)
    assert res.keys == ("lr", "momentum") and res.final_loss.shape == (3, 4)
    assert res.final.shape == (3, 4, 2)
    assert res.diverged.any() and not res.diverged.all()  # lr 5 is past 2(1+μ)/λmax: blows up
    fstar = min(bowl.f(*m) for m in bowl.minima)
    for i, lr in enumerate(lrs):
        for j, mu in enumerate(mus):
            df = simulate(bowl, "momentum", {"lr": lr, "momentum": mu}, bowl.start, 120)
            d = df.attrs["diverged_at"]
            assert res.diverged[i, j] == (d is not None)
            assert res.diverged_at[i, j] == (-1 if d is None else d)
            assert res.final_loss[i, j] == df["loss"].iloc[-1]
            np.testing.assert_array_equal(res.final[i, j], df[["x", "y"]].iloc[-1])
            hits = np.flatnonzero(df["loss"].to_numpy() - fstar <= 1e-3)
            assert res.steps_to_tol[i, j] == (hits[0] if hits.size else -1)


def test_sweep_with_noise_schedule_clip_and_one_axis():
    rosen = local_surface("rosenbrock")
    sched = make_schedule("cosine")
    lrs = np.geomspace(1e-3, 1e-1, 4)
    res = sweep(rosen, "adam", {"lr": lrs}, start=(-1.2, 1.0), steps=50, noise=2.0, seed=7,
                schedule=sched, clip_norm=5.0)
    assert res.final_loss.shape == (4,)
    for i, lr in enumerate(lrs):
        df = simulate(rosen, "adam", {"lr": lr}, (-1.2, 1.0), 50, noise=2.0, seed=7, schedule=sched,
                      clip_norm=5.0)
        assert res.final_loss[i] == df["loss"].iloc[-1]


# --------------------------------------------------------------------------------------------
# Validation


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"optimizer": "lbfgs"}, "optimizer"),
        ({"steps": 0}, "steps"),
        ({"steps": 100_001}, "steps"),
        ({"steps": 2.5}, "steps"),
        ({"start": (np.nan, 0.0)}, "start"),
        ({"start": (1.0, np.inf)}, "start"),
        ({"start": (1.0, 2.0, 3.0)}, "start"),
        ({"noise": -1.0}, "noise"),
        ({"clip_norm": 0.0}, "clip_norm"),
        ({"clip_norm": -1.0}, "clip_norm"),
        ({"batch_size": 0}, "batch_size"),
        ({"hyper": {"lr": -1.0}}, "lr"),
        ({"hyper": {"lr": float("nan")}}, "lr"),
        ({"schedule": "zigzag"}, "schedule"),
        ({"seed": -3}, "seed"),
    ],
)
def test_simulate_validation(kwargs, name):
    args = {"surface": surface("bowl"), "optimizer": "adam", "hyper": None, "start": (1.0, 1.0), "steps": 10}
    args.update(kwargs)
    with pytest.raises(ValueError, match=name):
        simulate(**args)


def test_sweep_validation():
    bowl = surface("bowl")
    with pytest.raises(ValueError, match="beta1"):
        sweep(bowl, "sgd", {"beta1": [0.9]})
    with pytest.raises(ValueError, match="lr"):
        sweep(bowl, "sgd", {"lr": [0.1, -0.1]})
    with pytest.raises(ValueError):
        run_batch(bowl, "sgd", None, np.zeros((3, 2)), 5, record="everything")
    with pytest.raises(ValueError, match="runs"):
        run_batch(bowl, "sgd", {"lr": np.ones(4)}, np.zeros((3, 2)), 5)


def test_adam_beta_sweep_cells_equal_simulate():
    """Per-run β arrays take the engine's carried-forward βᵗ path; scalars must agree exactly."""
    rosen = surface("rosenbrock")
    lrs, b1s = [1e-3, 3e-2], [0.5, 0.9, 0.99]
    res = sweep(rosen, "adam", {"lr": lrs, "beta1": b1s}, steps=150, tol=None)
    for i, lr in enumerate(lrs):
        for j, b1 in enumerate(b1s):
            df = simulate(rosen, "adam", {"lr": lr, "beta1": b1}, rosen.start, 150)
            assert res.final_loss[i, j] == df["loss"].iloc[-1]
            path, _, _ = manual("adam", rosen, {"lr": lr, "beta1": b1}, rosen.start, 150)
            np.testing.assert_allclose(df[["x", "y"]].to_numpy(), path, rtol=1e-11, atol=1e-13)


def test_start_where_f_is_undefined():
    """f(start) non-finite: run_batch flags it diverged at step 0, simulate refuses the start."""
    holey = dataclasses.replace(
        local_surface("bowl"), f=lambda x, y: np.log(x) + y * y, grad=lambda x, y: (1.0 / x, 2.0 * y)
    )
    res = run_batch(holey, "sgd", {"lr": 0.1}, np.array([[-1.0, 0.0], [1.0, 1.0]]), 5)
    assert list(res.diverged_at) == [0, -1]
    np.testing.assert_array_equal(res.path[:, 0], np.broadcast_to([-1.0, 0.0], (6, 2)))
    with pytest.raises(ValueError, match="start"):
        simulate(holey, "sgd", {"lr": 0.1}, (-1.0, 0.0), 5)


def test_registry_regression_minibatches():
    """The registry's finite-sum surface through both mini-batch paths (shared and per-run seeds)."""
    reg = surface("regression")
    n = reg.n_samples
    full = simulate(reg, "sgd", {"lr": 0.1}, reg.start, 20)
    assert full.equals(simulate(reg, "sgd", {"lr": 0.1}, reg.start, 20, batch_size=n))
    small = simulate(reg, "sgd", {"lr": 0.1}, reg.start, 20, batch_size=1, seed=4)
    assert not np.allclose(small[["x", "y"]], full[["x", "y"]])
    shared = run_batch(reg, "sgd", {"lr": np.array([0.1, 0.1])}, reg.start, 20, batch_size=1, seed=4)
    np.testing.assert_allclose(shared.path[:, 1], small[["x", "y"]].to_numpy(), rtol=1e-13)
    per_run = run_batch(reg, "sgd", {"lr": 0.1}, np.tile(reg.start, (2, 1)), 20, batch_size=1, seed=np.array([4, 5]))
    np.testing.assert_allclose(per_run.path[:, 0], small[["x", "y"]].to_numpy(), rtol=1e-13)
