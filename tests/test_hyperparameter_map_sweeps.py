"""The sweep as the hyperparameter-map page uses it: log grids, chunked rows, both metrics.

Every cell must be the run a student gets by clicking it (a single `simulate`), including a
diverged one, or the map would be lying about the run it shows next to it.
"""

from __future__ import annotations

import numpy as np
import pytest

from optimizers import OPTIMIZERS, simulate, sweep
from surfaces import SURFACES

STEPS = 400
TOL = 1e-4


@pytest.fixture(scope="module")
def rosen_momentum():
    surface = SURFACES["rosenbrock"]
    lrs = np.geomspace(1e-4, 1e-1, 13)  # log grid, as for a log-scaled HyperSpec
    mus = np.linspace(0.0, 0.95, 7)
    res = sweep(surface, "momentum", {"lr": lrs, "momentum": mus}, {}, surface.start, STEPS, tol=TOL)
    return surface, lrs, mus, res


def _f_star(surface) -> float:
    return min(float(surface.f(*m)) for m in surface.minima)


def test_shapes_and_axes(rosen_momentum):
    _, lrs, mus, res = rosen_momentum
    assert res.final_loss.shape == res.diverged.shape == res.steps_to_tol.shape == (13, 7)
    np.testing.assert_array_equal(res.values[0], lrs)
    np.testing.assert_array_equal(res.values[1], mus)
    assert res.diverged.any() and (~res.diverged).any()  # the grid spans the divergence wall


def test_cells_equal_simulate_including_a_diverged_one(rosen_momentum):
    surface, lrs, mus, res = rosen_momentum
    cells = [(0, 0), (5, 3), (8, 6)]
    div = np.argwhere(res.diverged)
    cells.append(tuple(div[0]))
    for i, j in cells:
        df = simulate(surface, "momentum", {"lr": lrs[i], "momentum": mus[j]}, surface.start, STEPS)
        d = df.attrs["diverged_at"]
        if res.diverged[i, j]:
            assert d is not None and d == res.diverged_at[i, j]
        else:
            assert d is None
            assert df["loss"].iloc[-1] == pytest.approx(res.final_loss[i, j], rel=1e-9, abs=1e-300)
            np.testing.assert_allclose(df[["x", "y"]].iloc[-1].to_numpy(), res.final[i, j], rtol=1e-9)


def test_steps_to_tolerance_metric_matches_simulate(rosen_momentum):
    surface, lrs, mus, res = rosen_momentum
    f_star = _f_star(surface)
    reached = np.argwhere(res.steps_to_tol >= 0)
    never = np.argwhere((res.steps_to_tol < 0) & ~res.diverged)
    assert len(reached) and len(never)
    for i, j in (tuple(reached[0]), tuple(reached[-1]), tuple(never[0])):
        df = simulate(surface, "momentum", {"lr": lrs[i], "momentum": mus[j]}, surface.start, STEPS)
        hit = np.flatnonzero(df["loss"].to_numpy() <= f_star + TOL)
        expected = int(df["step"].iloc[hit[0]]) if len(hit) else -1
        assert res.steps_to_tol[i, j] == expected


def test_row_chunks_concatenate_to_the_full_grid(rosen_momentum):
    """The page runs big grids in chunks of rows to report progress: same numbers as one call."""
    surface, lrs, mus, res = rosen_momentum
    parts = [sweep(surface, "momentum", {"lr": lrs, "momentum": mus[j0:j1]}, {}, surface.start, STEPS, tol=TOL)
             for j0, j1 in ((0, 3), (3, 7))]
    np.testing.assert_array_equal(np.concatenate([p.final_loss for p in parts], axis=1), res.final_loss)
    np.testing.assert_array_equal(np.concatenate([p.diverged for p in parts], axis=1), res.diverged)
    np.testing.assert_array_equal(np.concatenate([p.steps_to_tol for p in parts], axis=1), res.steps_to_tol)


def test_adam_lr_by_beta2_cell_equals_simulate():
    surface = SURFACES["beale"]
    lrs = np.geomspace(1e-3, 1.0, 5)
    b2 = np.array([0.5, 0.9, 0.999])
    res = sweep(surface, "adam", {"lr": lrs, "beta2": b2}, {"beta1": 0.8}, surface.start, 200)
    for i, j in ((0, 0), (4, 2), (2, 1)):
        df = simulate(surface, "adam", {"lr": lrs[i], "beta2": b2[j], "beta1": 0.8}, surface.start, 200)
        if df.attrs["diverged_at"] is None:
            assert df["loss"].iloc[-1] == pytest.approx(res.final_loss[i, j], rel=1e-9, abs=1e-300)
        else:
            assert res.diverged[i, j]


@pytest.mark.parametrize("opt_key", list(OPTIMIZERS))
def test_every_optimizer_sweeps_its_first_two_hyperparameters(opt_key):
    opt = OPTIMIZERS[opt_key]
    k1, k2 = opt.hyper_keys[:2]
    s1, s2 = opt.spec(k1), opt.spec(k2)
    v1 = np.geomspace(s1.low, s1.high, 4) if s1.log and s1.low > 0 else np.linspace(s1.low, s1.high, 4)
    v2 = np.geomspace(s2.low, s2.high, 3) if s2.log and s2.low > 0 else np.linspace(s2.low, min(s2.high, 0.99), 3)
    res = sweep(SURFACES["bowl"], opt, {k1: v1, k2: v2}, {}, None, 50)
    assert res.final_loss.shape == (4, 3)
    assert np.all(np.isfinite(res.final_loss))
