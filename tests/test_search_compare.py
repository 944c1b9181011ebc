"""Grid search against random search at the same budget: every number recomputed run by run."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from lessons.search_compare import N_SEEDS, compare_searches, random_values, search_sentence
from optimizers import OPTIMIZERS, simulate
from optimizers.explain import short_number
from surfaces import SURFACES

OPT = OPTIMIZERS["momentum"]
X, Y = OPT.spec("lr"), OPT.spec("momentum")


@pytest.fixture(scope="module")
def bowl():
    return compare_searches(SURFACES["bowl"], OPT, X, Y, (1e-3, 1.0), (0.0, 0.99), 9, 60)


def test_the_grid_is_the_maps_spacing_and_its_best_is_the_best_run(bowl):
    assert bowl.per_axis == 3 and bowl.grid_points.shape == (9, 2)
    np.testing.assert_allclose(sorted(set(bowl.grid_points[:, 0])), [1e-3, 10 ** -1.5, 1.0])
    surface = SURFACES["bowl"]
    for (lr, mu), score in zip(bowl.grid_points, bowl.grid_scores):
        df = simulate("bowl", "momentum", {"lr": lr, "momentum": mu}, surface.start, 60)
        expected = math.inf if df.attrs["diverged_at"] else float(df.loss.iloc[-1]) - surface.f_star
        assert score == pytest.approx(expected, rel=1e-12, abs=1e-300) or score == expected == math.inf


def test_the_random_side_is_64_seeded_samplers_of_distinct_values(bowl):
    assert bowl.random_points.shape == (N_SEEDS, 9, 2) and N_SEEDS >= 64
    again = random_values(X, 9, 1e-3, 1.0, np.random.default_rng(5))
    np.testing.assert_array_equal(bowl.random_points[5, :, 0], again)
    assert np.all((bowl.random_points[..., 0] >= 1e-3) & (bowl.random_points[..., 0] <= 1.0))
    assert np.all((bowl.random_points[..., 1] >= 0.0) & (bowl.random_points[..., 1] < 0.99))
    assert all(len(set(seed[:, 0])) == 9 for seed in bowl.random_points)  # 9 values of lr, not 3
    surface = SURFACES["bowl"]
    lr, mu = bowl.random_points[7, 2]
    df = simulate("bowl", "momentum", {"lr": lr, "momentum": mu}, surface.start, 60)
    if not df.attrs["diverged_at"]:
        assert bowl.random_scores[7, 2] == pytest.approx(float(df.loss.iloc[-1]) - surface.f_star, rel=1e-12)


def test_the_sentence_counts_what_the_runs_found(bowl):
    text = search_sentence(bowl, "lr", "momentum")
    better = int(np.sum(bowl.random_best < bowl.grid_best))
    worse = int(np.sum(bowl.random_best > bowl.grid_best))
    times = lambda n: "once" if n == 1 else f"{n} times"  # noqa: E731
    assert f"random search found a better setting {times(better)}, a worse one {times(worse)}" in text
    assert better + worse <= N_SEEDS and f"Over {N_SEEDS} seeds of the sampler" in text
    assert f"the 3 × 3 grid tries 3 values of each" in text and "9 random samples try 9 values of each" in text
    assert f"median best: f − f* = {short_number(float(np.median(bowl.random_best)))}" in text


def test_the_sweep_page_shows_the_comparison():
    page = Path(__file__).resolve().parent.parent / "pages" / "sweep.py"
    at = AppTest.from_file(str(page), default_timeout=300)
    for k, v in {"sw_n": "20", "sw_steps": "250", "sw_budget": "25"}.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    lo_x, hi_x = at.select_slider(key="sw_range_momentum_lr").value
    lo_y, hi_y = at.select_slider(key="sw_range_momentum_momentum").value
    expected = compare_searches(SURFACES["rosenbrock"], OPT, X, Y, (float(lo_x), float(hi_x)),
                                (float(lo_y), float(hi_y)), 25, 250)
    assert search_sentence(expected, "lr", "momentum") in [m.value for m in at.markdown]
