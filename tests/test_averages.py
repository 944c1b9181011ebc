"""EWMA against a hand loop, bias correction, vectorization over beta, effective window."""

from __future__ import annotations

import numpy as np
import pytest

from lessons.averages import effective_window, ewma


def hand_ewma(series, beta, corrected=False):
    v, out = 0.0, []
    for t, x in enumerate(series, start=1):
        v = beta * v + (1 - beta) * x
        out.append(v / (1 - beta**t) if corrected else v)
    return np.array(out)


def test_by_hand_small():
    # v1 = 0.5·2 = 1; v2 = 0.5·1 + 0.5·4 = 2.5; v3 = 0.5·2.5 + 0.5·0 = 1.25
    np.testing.assert_allclose(ewma([2.0, 4.0, 0.0], 0.5), [1.0, 2.5, 1.25])
    # corrected: 1/0.5 = 2, 2.5/0.75 = 3.333…, 1.25/0.875 = 1.428571…
    np.testing.assert_allclose(ewma([2.0, 4.0, 0.0], 0.5, bias_correction=True), [2.0, 10 / 3, 1.25 / 0.875])


@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9, 0.99])
@pytest.mark.parametrize("corrected", [False, True])
def test_matches_hand_loop(beta, corrected):
    series = np.random.default_rng(1).standard_normal(200).cumsum()
    np.testing.assert_allclose(ewma(series, beta, corrected), hand_ewma(series, beta, corrected), rtol=1e-12)


@pytest.mark.parametrize("beta", [0.5, 0.9, 0.999])
def test_corrected_constant_is_constant_from_t1(beta):
    out = ewma(np.full(50, 3.7), beta, bias_correction=True)
    np.testing.assert_allclose(out, 3.7, rtol=1e-12)
    assert ewma(np.full(50, 3.7), beta)[0] == pytest.approx((1 - beta) * 3.7)  # uncorrected lags


def test_vectorized_over_beta_and_columns():
    series = np.random.default_rng(2).standard_normal((40, 3))
    betas = np.array([0.1, 0.8, 0.95])
    out = ewma(series, betas, bias_correction=True)
    assert out.shape == (3, 40, 3)
    for i, b in enumerate(betas):
        for c in range(3):
            np.testing.assert_allclose(out[i, :, c], hand_ewma(series[:, c], b, True), rtol=1e-12)


def test_effective_window_and_validation():
    assert effective_window(0.9) == pytest.approx(10.0)
    np.testing.assert_allclose(effective_window(np.array([0.0, 0.5, 0.99])), [1.0, 2.0, 100.0])
    for bad in (1.0, -0.1, float("nan")):
        with pytest.raises(ValueError, match="beta"):
            ewma([1.0, 2.0], bad)
