"""The finite-sum least-squares surface: every shortcut checked against the naive sums."""

from __future__ import annotations

import numpy as np
import pytest

from surfaces import SURFACES, make_regression_surface, regression_data
from surfaces.regression import RegressionData

PARAMS = [
    dict(),
    dict(n=8, seed=3),
    dict(n=200, seed=1, true_w=-0.5, true_b=3.0, noise=2.0, x_scale=5.0),
    dict(n=2, seed=9, noise=0.0),
]
PARAM_IDS = ["default", "small", "wide", "two-points"]


def naive(surface):
    d = regression_data(surface)
    return d.x, d.y


def naive_loss(x, y, w, b):
    r = w[..., None] * x + b[..., None] - y
    return 0.5 * np.mean(r * r, axis=-1)


def naive_sample_grads(x, y, w, b):
    """Per-sample gradients, shape (..., N) each."""
    r = w[..., None] * x + b[..., None] - y
    return r * x, r


@pytest.fixture(params=PARAMS, ids=PARAM_IDS)
def surface(request):
    return make_regression_surface(**request.param)


def test_registry_instance():
    s = SURFACES["regression"]
    assert s.key == "regression"
    assert s.n_samples == 64 and s.is_finite_sum
    assert s is make_regression_surface()
    assert regression_data(s).x.shape == (64,)


def test_f_matches_naive_mean(surface):
    x, y = naive(surface)
    rng = np.random.default_rng(0)
    (w0, w1), (b0, b1) = surface.bounds
    w, b = rng.uniform(w0, w1, 300), rng.uniform(b0, b1, 300)
    np.testing.assert_allclose(surface.f(w, b), naive_loss(x, y, w, b), rtol=1e-11, atol=1e-13)


def test_f_on_a_plotting_grid(surface):
    (w0, w1), (b0, b1) = surface.bounds
    W, B = np.meshgrid(np.linspace(w0, w1, 200), np.linspace(b0, b1, 200))
    Z = surface.f(W, B)
    assert Z.shape == (200, 200)
    x, y = naive(surface)
    np.testing.assert_allclose(Z[::37, ::41], naive_loss(x, y, W[::37, ::41], B[::37, ::41]), rtol=1e-11)


def test_grad_matches_finite_differences(surface):
    rng = np.random.default_rng(1)
    (w0, w1), (b0, b1) = surface.bounds
    w, b = rng.uniform(w0, w1, 100), rng.uniform(b0, b1, 100)
    h = 1e-6
    fw = (surface.f(w + h, b) - surface.f(w - h, b)) / (2 * h)
    fb = (surface.f(w, b + h) - surface.f(w, b - h)) / (2 * h)
    gw, gb = surface.grad(w, b)
    np.testing.assert_allclose(gw, fw, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(gb, fb, rtol=1e-6, atol=1e-6)


def test_full_batch_equals_grad(surface):
    rng = np.random.default_rng(2)
    w, b = rng.normal(size=16), rng.normal(size=16)
    gw, gb = surface.batch_grad(w, b, np.arange(surface.n_samples))
    ew, eb = surface.grad(w, b)
    np.testing.assert_allclose(gw, ew, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gb, eb, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("batch", [1, 2, 5, 64])
def test_batch_grad_is_the_mean_of_per_sample_gradients(surface, batch):
    x, y = naive(surface)
    rng = np.random.default_rng(batch)
    R = 9
    w, b = rng.normal(scale=3, size=R), rng.normal(scale=3, size=R)
    for _ in range(5):
        idx = rng.choice(surface.n_samples, size=min(batch, surface.n_samples), replace=False)
        gw, gb = surface.batch_grad(w, b, idx)
        sw, sb = naive_sample_grads(x[idx], y[idx], w, b)
        assert gw.shape == (R,) and gb.shape == (R,)
        np.testing.assert_allclose(gw, sw.mean(axis=-1), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(gb, sb.mean(axis=-1), rtol=1e-10, atol=1e-12)


def test_batch_grad_with_repeated_indices_and_scalars():
    s = make_regression_surface()
    x, y = naive(s)
    idx = np.array([3, 3, 7])
    gw, gb = s.batch_grad(0.5, -0.25, idx)
    sw, sb = naive_sample_grads(x[idx], y[idx], np.array(0.5), np.array(-0.25))
    assert np.ndim(gw) == 0
    assert float(gw) == pytest.approx(sw.mean()) and float(gb) == pytest.approx(sb.mean())


@pytest.mark.parametrize("idx", [np.array([], dtype=int), np.array([[0, 1]]), np.array([0.5]), np.array([64]),
                                 np.array([-65])])
def test_batch_grad_rejects_bad_indices(idx):
    s = make_regression_surface()
    with pytest.raises(ValueError):
        s.batch_grad(np.zeros(2), np.zeros(2), idx)


def test_closed_form_minimum(surface):
    x, y = naive(surface)
    design = np.column_stack([x, np.ones_like(x)])
    (w_ls, b_ls), *_ = np.linalg.lstsq(design, y, rcond=None)
    (w_opt, b_opt), = surface.minima
    assert w_opt == pytest.approx(w_ls, rel=1e-9, abs=1e-12)
    assert b_opt == pytest.approx(b_ls, rel=1e-9, abs=1e-12)
    sw, sb = naive_sample_grads(x, y, np.array(w_opt), np.array(b_opt))
    assert abs(sw.mean()) < 1e-12 and abs(sb.mean()) < 1e-12
    gw, gb = surface.grad(w_opt, b_opt)
    assert gw == 0 and gb == 0
    data = regression_data(surface)
    assert (data.w_opt, data.b_opt) == (w_opt, b_opt)


def test_hessian_eigs(surface):
    x, _ = naive(surface)
    hess = np.array([[np.mean(x * x), np.mean(x)], [np.mean(x), 1.0]])
    np.testing.assert_allclose(surface.hessian_eigs, np.linalg.eigvalsh(hess), rtol=1e-12)


def test_bounds_frame_minimum_and_start(surface):
    (w0, w1), (b0, b1) = surface.bounds
    for w, b in (surface.start, surface.minima[0]):
        assert w0 < w < w1 and b0 < b < b1
    assert surface.distance_to_nearest_minimum(np.array(surface.start)) > 0.4


def test_data_is_seeded_and_read_only():
    a = regression_data(make_regression_surface(n=32, seed=5))
    b = regression_data(make_regression_surface(n=32, seed=5, noise=0.5000000001))
    c = regression_data(make_regression_surface(n=32, seed=6))
    assert isinstance(a, RegressionData)
    np.testing.assert_array_equal(a.x, b.x)
    assert not np.array_equal(a.x, c.x)
    with pytest.raises(ValueError):
        a.x[0] = 1.0
    assert (a.true_w, a.true_b, a.noise) == (2.0, -1.0, 0.5)


def test_noise_free_data_fits_the_true_line():
    s = make_regression_surface(n=10, noise=0.0, true_w=1.5, true_b=0.25)
    assert s.minima[0] == pytest.approx((1.5, 0.25))
    assert float(s.f(1.5, 0.25)) == pytest.approx(0.0, abs=1e-20)


def test_regression_data_rejects_other_surfaces():
    with pytest.raises(ValueError):
        regression_data(SURFACES["bowl"])


@pytest.mark.parametrize(
    "kwargs",
    [dict(n=1), dict(noise=-1.0), dict(x_scale=0.0), dict(true_w=float("nan")), dict(x_scale=float("inf"))],
)
def test_rejects_bad_parameters(kwargs):
    with pytest.raises(ValueError):
        make_regression_surface(**kwargs)
