"""The built-in surface registry: contract, gradients, minima, conditioning.

Table-driven over ``SURFACES`` so a newly registered surface is checked automatically.
"""

from __future__ import annotations

import math
import subprocess
import sys
import warnings

import numpy as np
import pytest

import surfaces
from surfaces import SURFACES, Surface, make_rotated_quadratic
from surfaces.classic import RASTRIGIN_LOCAL_MINIMA

REQUIRED_KEYS = [
    "bowl",
    "rosenbrock",
    "saddle",
    "beale",
    "himmelblau",
    "rastrigin",
    "rotated_quadratic",
    "regression",
]

ALL = list(SURFACES.values())
IDS = list(SURFACES)


def central_grad(s: Surface, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    hx = 1e-6 * np.maximum(1.0, np.abs(x))
    hy = 1e-6 * np.maximum(1.0, np.abs(y))
    gx = (s.f(x + hx, y) - s.f(x - hx, y)) / (2 * hx)
    gy = (s.f(x, y + hy) - s.f(x, y - hy)) / (2 * hy)
    return gx, gy


def fd_hessian(s: Surface, x: float, y: float, h: float = 1e-5) -> np.ndarray:
    """Hessian by central differences of the (analytic) gradient."""
    cols = []
    for dx, dy in ((h, 0.0), (0.0, h)):
        gp = np.array(s.grad(x + dx, y + dy), dtype=float)
        gm = np.array(s.grad(x - dx, y - dy), dtype=float)
        cols.append((gp - gm) / (2 * h))
    hess = np.array(cols).T
    return 0.5 * (hess + hess.T)


def random_points(s: Surface, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    (x0, x1), (y0, y1) = s.bounds
    rng = np.random.default_rng(seed)
    return rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)


# ------------------------------------------------------------------------------ registry


def test_public_api():
    for name in (
        "Surface",
        "SURFACES",
        "from_expression",
        "make_regression_surface",
        "make_rotated_quadratic",
    ):
        assert hasattr(surfaces, name), name


def test_required_keys_registered():
    assert set(REQUIRED_KEYS) <= set(SURFACES)


def test_core_imports_without_streamlit_or_sympy():
    code = (
        "import sys, surfaces; "
        "assert 'streamlit' not in sys.modules, 'streamlit imported'; "
        "assert 'sympy' not in sys.modules, 'sympy imported eagerly'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=surfaces.__path__[0] + "/..")


# ------------------------------------------------------------------------------ contract


@pytest.mark.parametrize("s", ALL, ids=IDS)
def test_declaration(s: Surface):
    assert SURFACES[s.key] is s
    assert s.label and s.note and len(s.note) > 80
    assert s.latex.startswith("f(")
    (x0, x1), (y0, y1) = s.bounds
    assert x0 < x1 and y0 < y1
    assert all(math.isfinite(v) for v in (x0, x1, y0, y1))
    assert x0 <= s.start[0] <= x1 and y0 <= s.start[1] <= y1
    assert s.minima, "every built-in surface lists at least its global minimum"
    for mx, my in s.minima:
        assert x0 <= mx <= x1 and y0 <= my <= y1
    assert float(s.distance_to_nearest_minimum(np.array(s.start))) > 0.5
    if s.hessian_eigs is not None:
        lo, hi = s.hessian_eigs
        assert 0 < lo <= hi


@pytest.mark.parametrize("s", ALL, ids=IDS)
@pytest.mark.parametrize(
    "shape", [(), (1,), (7,), (3, 4), (200, 200)], ids=["0d", "1", "7", "3x4", "grid"]
)
def test_shapes(s: Surface, shape):
    x, y = random_points(s, int(np.prod(shape)), seed=1)
    x, y = x.reshape(shape), y.reshape(shape)
    z = s.f(x, y)
    gx, gy = s.grad(x, y)
    for out in (z, gx, gy):
        assert np.shape(out) == shape
        assert np.all(np.isfinite(out))


@pytest.mark.parametrize("s", ALL, ids=IDS)
def test_python_floats(s: Surface):
    x, y = (float(v) for v in s.start)
    z = s.f(x, y)
    gx, gy = s.grad(x, y)
    assert np.ndim(z) == 0 and np.ndim(gx) == 0 and np.ndim(gy) == 0
    assert isinstance(float(z), float)
    assert float(z) == pytest.approx(float(s.f(np.array([x]), np.array([y]))[0]))


@pytest.mark.parametrize("s", ALL, ids=IDS)
def test_gradient_broadcasts_when_a_component_ignores_a_coordinate(s: Surface):
    """x as a (5,) vector and y as a scalar: both components come back with shape (5,)."""
    x = np.linspace(*s.bounds[0], 5)
    gx, gy = s.grad(x, s.start[1])
    assert np.shape(gx) == (5,) and np.shape(gy) == (5,)
    assert s.gradient(np.column_stack([x, np.full(5, s.start[1])])).shape == (5, 2)


@pytest.mark.parametrize("s", ALL, ids=IDS)
def test_gradient_matches_finite_differences(s: Surface):
    x, y = random_points(s, 500, seed=2)
    gx, gy = s.grad(x, y)
    fx, fy = central_grad(s, x, y)
    scale = 1e-8 * np.abs(s.f(x, y))  # rounding of the difference quotient
    np.testing.assert_array_less(np.abs(gx - fx), 1e-5 * (1 + np.abs(gx)) + scale)
    np.testing.assert_array_less(np.abs(gy - fy), 1e-5 * (1 + np.abs(gy)) + scale)


@pytest.mark.parametrize("s", ALL, ids=IDS)
def test_minima_are_stationary_and_locally_convex(s: Surface):
    for mx, my in s.minima:
        gx, gy = s.grad(mx, my)
        assert abs(gx) < 1e-8 and abs(gy) < 1e-8, (mx, my, gx, gy)
        eig = np.linalg.eigvalsh(fd_hessian(s, mx, my))
        assert eig.min() > 0, (mx, my, eig)


@pytest.mark.parametrize("s", ALL, ids=IDS)
def test_first_minimum_is_global_on_the_plotting_range(s: Surface):
    (x0, x1), (y0, y1) = s.bounds
    gx, gy = np.meshgrid(np.linspace(x0, x1, 801), np.linspace(y0, y1, 801))
    f_min = float(s.f(*s.minima[0]))
    assert f_min <= float(s.f(gx, gy).min()) + 1e-9 * max(1.0, abs(f_min))


@pytest.mark.parametrize("s", ALL, ids=IDS)
def test_minima_values_are_consistent(s: Surface):
    """Listed minima are never above the first (global) one, within rounding."""
    values = [float(s.f(mx, my)) for mx, my in s.minima]
    assert min(values) >= values[0] - 1e-9


@pytest.mark.parametrize("s", [s for s in ALL if s.hessian_eigs is not None],
                         ids=[s.key for s in ALL if s.hessian_eigs is not None])
def test_hessian_eigs_match_the_quadratic(s: Surface):
    x, y = random_points(s, 3, seed=3)
    for px, py in zip(x, y, strict=True):
        eig = np.linalg.eigvalsh(fd_hessian(s, px, py))
        np.testing.assert_allclose(eig, s.hessian_eigs, rtol=1e-6)


@pytest.mark.parametrize("s", ALL, ids=IDS)
def test_far_away_overflow_is_silent(s: Surface):
    """Diverging runs reach 1e200 and beyond: inf/nan, but no warnings and no exceptions."""
    x = np.array([1e200, -1e300, np.inf, np.nan, 3.0])
    y = np.array([1e200, 1e300, 0.0, 0.0, np.inf])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s.f(x, y)
        s.grad(x, y)


# ------------------------------------------------------------------------------ specifics


def test_bowl_is_the_textbook_figure():
    s = SURFACES["bowl"]
    assert s.start == (-7.0, 2.0)
    assert s.hessian_eigs == (0.1, 2.0)
    assert float(s.f(-7.0, 2.0)) == pytest.approx(49 / 20 + 4)


def test_saddle_geometry():
    s = SURFACES["saddle"]
    gx, gy = s.grad(0.0, 0.0)
    assert gx == 0 and gy == 0
    eig = np.linalg.eigvalsh(fd_hessian(s, 0.0, 0.0))
    assert eig[0] < 0 < eig[1], "strict saddle at the origin"
    assert sorted(s.minima) == sorted([(0.0, math.sqrt(2)), (0.0, -math.sqrt(2))])
    assert float(s.f(0.0, math.sqrt(2))) == pytest.approx(-1.0)
    # From exactly y = 0 the gradient never has a y component: GD can't leave the line.
    x = np.linspace(-2, 2, 9)
    assert np.all(s.grad(x, np.zeros_like(x))[1] == 0)
    assert 0 < abs(s.start[1]) < 0.01


def test_himmelblau_has_four_equal_minima():
    s = SURFACES["himmelblau"]
    assert len(s.minima) == 4
    for m in s.minima:
        assert float(s.f(*m)) < 1e-25


def test_rastrigin_local_minima():
    s = SURFACES["rastrigin"]
    assert s.minima == ((0.0, 0.0),)
    assert len(RASTRIGIN_LOCAL_MINIMA) == 121
    assert (0.0, 0.0) in RASTRIGIN_LOCAL_MINIMA
    pts = np.array(RASTRIGIN_LOCAL_MINIMA)
    gx, gy = s.grad(pts[:, 0], pts[:, 1])
    assert np.abs(gx).max() < 1e-9 and np.abs(gy).max() < 1e-9
    for px, py in pts[::10]:
        assert np.linalg.eigvalsh(fd_hessian(s, px, py)).min() > 0
    assert np.all(s.f(pts[:, 0], pts[:, 1])[1:] >= 0) and float(s.f(0.0, 0.0)) == 0.0


def test_six_hump_camel_minima_values():
    s = SURFACES["six_hump_camel"]
    values = sorted(round(float(s.f(*m)), 10) for m in s.minima)
    assert values[0] == values[1] == pytest.approx(-1.0316284535)
    assert len(s.minima) == 6


# ------------------------------------------------------------------------------ rotated quadratic


def test_registry_rotated_quadratic_defaults():
    s = SURFACES["rotated_quadratic"]
    assert s.hessian_eigs == pytest.approx((0.1, 1.0))
    assert s is make_rotated_quadratic()


@pytest.mark.parametrize("condition", [1.0, 4.0, 50.0])
@pytest.mark.parametrize("angle", [0.0, 30.0, 45.0, 90.0, -60.0])
@pytest.mark.parametrize("scale", [0.5, 2.0])
def test_rotated_quadratic_factory(condition, angle, scale):
    s = make_rotated_quadratic(condition=condition, angle_deg=angle, scale=scale)
    assert s.hessian_eigs == pytest.approx((scale / condition, scale))
    hess = fd_hessian(s, 0.3, -0.2)
    eig, vec = np.linalg.eigh(hess)
    np.testing.assert_allclose(eig, s.hessian_eigs, rtol=1e-6)
    if condition > 1:
        # The flat direction (smallest curvature) points along the rotation angle.
        flat = vec[:, 0]
        t = math.radians(angle)
        assert abs(abs(flat @ np.array([math.cos(t), math.sin(t)])) - 1) < 1e-6
    (x0, x1), (y0, y1) = s.bounds
    assert x0 <= s.start[0] <= x1 and y0 <= s.start[1] <= y1
    gx, gy = s.grad(*s.minima[0])
    assert gx == 0 and gy == 0


@pytest.mark.parametrize(
    "kwargs",
    [dict(condition=0.5), dict(condition=math.inf), dict(scale=0.0), dict(scale=-1.0),
     dict(angle_deg=math.nan)],
)
def test_rotated_quadratic_rejects_bad_parameters(kwargs):
    with pytest.raises(ValueError):
        make_rotated_quadratic(**kwargs)


def test_goldstein_price_note_claims():
    """Every run the Goldstein–Price note describes, computed with the engine (1,000 steps from
    the declared start)."""
    from optimizers import run_batch

    s = SURFACES["goldstein_price"]
    assert float(s.f(0.0, -1.0)) == 3.0
    assert [round(float(s.f(*m))) for m in s.minima[1:]] == [30, 84, 840]
    assert float(s.f(np.linspace(-2, 2, 401), 2.0).max()) > 5e5  # values "to about a million"

    def final(opt, lr):
        r = run_batch(s, opt, {"lr": lr}, s.start, 1000, record="final")
        return float(r.final_loss[0]), int(r.diverged_at[0])

    loss, div = final("sgd", 1e-5)
    assert div == -1 and loss < 3.02  # the global minimum
    loss, div = final("sgd", 3e-6)
    assert div == -1 and abs(loss - 30) < 1  # the local one at f = 30
    assert final("sgd", 3e-5)[1] == 2  # off the map at step 2
    loss, div = final("adam", 0.1)
    assert div == -1 and loss < 3.1
    loss, div = final("rmsprop", 0.01)
    assert div == -1 and abs(loss - 30) < 0.01


def test_distance_to_nearest_minimum_is_one_function_nan_when_unknown():
    """One implementation serves the surfaces, the schedules lesson and the summary table; a
    surface with no known minimum gives NaN ("unknown", shown as a dash), never inf."""
    from surfaces.base import nearest_minimum_distance
    from viz.summary import summary_table
    from viz.trajectory import Trajectory

    assert np.isnan(nearest_minimum_distance(np.zeros((3, 2)), ())).all()
    s = SURFACES["himmelblau"]
    pts = np.array([[0.0, 0.0], [3.0, 2.0]])
    assert np.allclose(s.distance_to_nearest_minimum(pts), nearest_minimum_distance(pts, s.minima))
    traj = Trajectory(key="k", label="k", path=np.array([[1.0, 1.0], [0.0, 0.0]]), loss=np.array([2.0, 0.0]), steps=1)
    assert np.isnan(summary_table([traj], minima=()).loc[0, "distance to nearest minimum"])
    assert summary_table([traj], minima=((3.0, 4.0),)).loc[0, "distance to nearest minimum"] == 5.0
