"""The classic 2-D test functions of optimization lessons, each with its analytic gradient.

Every function here is written once as numpy expressions on broadcast float arrays, so the
same code evaluates one point (a Python float gives a numpy scalar back), a ``(R,)`` vector
of runs or a ``(200, 200)`` contour grid. Gradients are hand-derived (and checked against
central finite differences in ``tests/test_surfaces.py``) because the engine calls them
thousands of times per sweep: autograd or symbolic evaluation would be the bottleneck.

Minima are listed precisely (Newton-polished to machine precision) because the app measures
"distance to the nearest minimum" and the tests check that the gradient vanishes there. By
convention ``minima[0]`` is a global minimum; further entries are the other minima worth
showing (equal global minima, or local minima a student can get stuck in).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from i18n import Msg

from .base import Surface, SurfaceKernel
from .base import broadcast_xy as _xy
from .base import quiet as _quiet
from .base import scalar_out as _out


# --------------------------------------------------------------------------------------------
# Elongated bowl (the textbook figure)
# --------------------------------------------------------------------------------------------


@_quiet
def _bowl_f(x, y):
    x, y = _xy(x, y)
    return _out(x**2 / 20.0 + y**2)


@_quiet
def _bowl_grad(x, y):
    x, y = _xy(x, y)
    return _out(x / 10.0), _out(2.0 * y)


def _bowl_kernel_f(x, y, k):
    return x * x / 20.0 + y * y


def _bowl_kernel_grad(x, y, k):
    return x / 10.0, 2.0 * y


BOWL = Surface(
    key="bowl",
    label=Msg.of("surfaces.bowl.label"),
    latex=r"f(x, y) = \frac{x^2}{20} + y^2",
    f=_bowl_f,
    grad=_bowl_grad,
    bounds=((-10.0, 10.0), (-5.0, 5.0)),
    minima=((0.0, 0.0),),
    start=(-7.0, 2.0),
    note=Msg.of("surfaces.bowl.note"),
    hessian_eigs=(0.1, 2.0),
    kernel=SurfaceKernel(_bowl_kernel_f, _bowl_kernel_grad),
)


# --------------------------------------------------------------------------------------------
# Rosenbrock's banana valley
# --------------------------------------------------------------------------------------------


@_quiet
def _rosenbrock_f(x, y):
    """(1 − x)² + 100 (y − x²)², operation for operation, with two temporaries instead of seven
    (the engine evaluates it every step of every run)."""
    x, y = _xy(x, y)
    a = np.subtract(1.0, x, out=np.empty_like(x))  # out=: 0-d inputs stay arrays in place
    a *= a
    r = np.multiply(x, x, out=np.empty_like(x))
    np.subtract(y, r, out=r)
    r *= r
    r *= 100.0
    r += a
    return _out(r)


@_quiet
def _rosenbrock_grad(x, y):
    """(−2 (1 − x) − 400 x r, 200 r) with r = y − x², rounded exactly as that expression, with
    three temporaries instead of eight."""
    x, y = _xy(x, y)
    r = np.multiply(x, x, out=np.empty_like(x))  # out=: 0-d inputs stay arrays in place
    np.subtract(y, r, out=r)
    gx = np.subtract(1.0, x, out=np.empty_like(x))
    gx *= -2.0
    t = x * 400.0
    t *= r
    gx -= t
    r *= 200.0
    return _out(gx), _out(r)


def _rosenbrock_kernel_f(x, y, k):
    a = 1.0 - x
    r = y - x * x
    return r * r * 100.0 + a * a


def _rosenbrock_kernel_grad(x, y, k):
    r = y - x * x
    return (1.0 - x) * -2.0 - x * 400.0 * r, r * 200.0


ROSENBROCK = Surface(
    key="rosenbrock",
    label=Msg.of("surfaces.rosenbrock.label"),
    latex=r"f(x, y) = (1 - x)^2 + 100\,(y - x^2)^2",
    f=_rosenbrock_f,
    grad=_rosenbrock_grad,
    bounds=((-2.0, 2.0), (-1.0, 3.0)),
    minima=((1.0, 1.0),),
    start=(-1.5, 2.0),
    kernel=SurfaceKernel(_rosenbrock_kernel_f, _rosenbrock_kernel_grad),
    note=Msg.of("surfaces.rosenbrock.note"),
)


# --------------------------------------------------------------------------------------------
# Strict saddle, bounded below
# --------------------------------------------------------------------------------------------

_SQRT2 = math.sqrt(2.0)


@_quiet
def _saddle_f(x, y):
    x, y = _xy(x, y)
    return _out(x**2 - y**2 + y**4 / 4.0)


@_quiet
def _saddle_grad(x, y):
    x, y = _xy(x, y)
    return _out(2.0 * x), _out(-2.0 * y + y**3)


SADDLE = Surface(
    key="saddle",
    label=Msg.of("surfaces.saddle.label"),
    latex=r"f(x, y) = x^2 - y^2 + \frac{y^4}{4}",
    f=_saddle_f,
    grad=_saddle_grad,
    bounds=((-2.5, 2.5), (-2.5, 2.5)),
    minima=((0.0, _SQRT2), (0.0, -_SQRT2)),
    start=(-2.0, 1e-3),
    note=Msg.of("surfaces.saddle.note"),
)


# --------------------------------------------------------------------------------------------
# Beale
# --------------------------------------------------------------------------------------------


def _beale_terms(x, y):
    y2 = y * y
    y3 = y2 * y
    return (1.5 - x + x * y, 2.25 - x + x * y2, 2.625 - x + x * y3, y2, y3)


@_quiet
def _beale_f(x, y):
    x, y = _xy(x, y)
    a, b, c, _, _ = _beale_terms(x, y)
    return _out(a**2 + b**2 + c**2)


@_quiet
def _beale_grad(x, y):
    x, y = _xy(x, y)
    a, b, c, y2, y3 = _beale_terms(x, y)
    gx = 2.0 * (a * (y - 1.0) + b * (y2 - 1.0) + c * (y3 - 1.0))
    gy = 2.0 * x * (a + 2.0 * b * y + 3.0 * c * y2)
    return _out(gx), _out(gy)


def _beale_kernel_f(x, y, k):
    y2 = y * y
    y3 = y2 * y
    a = 1.5 - x + x * y
    b = 2.25 - x + x * y2
    c = 2.625 - x + x * y3
    return a * a + b * b + c * c


def _beale_kernel_grad(x, y, k):
    y2 = y * y
    y3 = y2 * y
    a = 1.5 - x + x * y
    b = 2.25 - x + x * y2
    c = 2.625 - x + x * y3
    gx = 2.0 * (a * (y - 1.0) + b * (y2 - 1.0) + c * (y3 - 1.0))
    gy = 2.0 * x * (a + 2.0 * b * y + 3.0 * c * y2)
    return gx, gy


BEALE = Surface(
    key="beale",
    label="Beale",
    latex=(
        r"f(x, y) = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2"
        r" + (2.625 - x + xy^3)^2"
    ),
    f=_beale_f,
    grad=_beale_grad,
    bounds=((-4.5, 4.5), (-4.5, 4.5)),
    minima=((3.0, 0.5),),
    start=(1.0, 1.5),
    kernel=SurfaceKernel(_beale_kernel_f, _beale_kernel_grad),
    note=Msg.of("surfaces.beale.note"),
)


# --------------------------------------------------------------------------------------------
# Himmelblau (four equal minima)
# --------------------------------------------------------------------------------------------


@_quiet
def _himmelblau_f(x, y):
    x, y = _xy(x, y)
    return _out((x**2 + y - 11.0) ** 2 + (x + y**2 - 7.0) ** 2)


@_quiet
def _himmelblau_grad(x, y):
    x, y = _xy(x, y)
    a = x**2 + y - 11.0
    b = x + y**2 - 7.0
    return _out(4.0 * x * a + 2.0 * b), _out(2.0 * a + 4.0 * y * b)


def _himmelblau_kernel_f(x, y, k):
    a = x * x + y - 11.0
    b = x + y * y - 7.0
    return a * a + b * b


def _himmelblau_kernel_grad(x, y, k):
    a = x * x + y - 11.0
    b = x + y * y - 7.0
    return 4.0 * x * a + 2.0 * b, 2.0 * a + 4.0 * y * b


HIMMELBLAU = Surface(
    key="himmelblau",
    label="Himmelblau",
    latex=r"f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2",
    f=_himmelblau_f,
    grad=_himmelblau_grad,
    bounds=((-5.0, 5.0), (-5.0, 5.0)),
    minima=(
        (3.0, 2.0),
        (-2.805118086952745, 3.131312518250573),
        (-3.779310253377747, -3.283185991286169),
        (3.5844283403304917, -1.8481265269644034),
    ),
    start=(0.5, -0.5),
    kernel=SurfaceKernel(_himmelblau_kernel_f, _himmelblau_kernel_grad),
    note=Msg.of("surfaces.himmelblau.note"),
)


# --------------------------------------------------------------------------------------------
# Rastrigin (A = 10, n = 2)
# --------------------------------------------------------------------------------------------

_TWO_PI = 2.0 * math.pi


@_quiet
def _rastrigin_f(x, y):
    x, y = _xy(x, y)
    return _out(
        20.0 + x**2 - 10.0 * np.cos(_TWO_PI * x) + y**2 - 10.0 * np.cos(_TWO_PI * y)
    )


@_quiet
def _rastrigin_grad(x, y):
    x, y = _xy(x, y)
    k = 10.0 * _TWO_PI
    return _out(2.0 * x + k * np.sin(_TWO_PI * x)), _out(2.0 * y + k * np.sin(_TWO_PI * y))


def _rastrigin_1d_minima(limit: float = 5.12) -> tuple[float, ...]:
    """Local minimizers of ``t² − 10 cos 2πt`` in [−limit, limit], Newton-polished.

    There is one just inside each integer (pulled towards 0 by the t² term), so Newton from
    the integers converges to them in a few steps.
    """
    roots = []
    for k in range(-int(limit), int(limit) + 1):
        t = float(k)
        for _ in range(30):
            g = 2.0 * t + 20.0 * math.pi * math.sin(_TWO_PI * t)
            h = 2.0 + 40.0 * math.pi**2 * math.cos(_TWO_PI * t)
            t -= g / h
        roots.append(t)
    return tuple(roots)


_R1 = _rastrigin_1d_minima()
#: All 121 local minima of the 2-D Rastrigin function inside its bounds (global one included).
#: Not put in ``RASTRIGIN.minima``: with that many, every run would count as "converged".
RASTRIGIN_LOCAL_MINIMA: tuple[tuple[float, float], ...] = tuple(
    (a, b) for a in _R1 for b in _R1
)

RASTRIGIN = Surface(
    key="rastrigin",
    label="Rastrigin",
    latex=r"f(x, y) = 20 + x^2 - 10\cos(2\pi x) + y^2 - 10\cos(2\pi y)",
    f=_rastrigin_f,
    grad=_rastrigin_grad,
    bounds=((-5.12, 5.12), (-5.12, 5.12)),
    # Only the global minimum: the 121 local minima (one near every integer point, listed in
    # RASTRIGIN_LOCAL_MINIMA) would make any stuck run look "converged".
    minima=((0.0, 0.0),),
    start=(3.3, -2.6),
    note=Msg.of("surfaces.rastrigin.note"),
)


# --------------------------------------------------------------------------------------------
# Rotated ill-conditioned quadratic (factory)
# --------------------------------------------------------------------------------------------

DEFAULT_CONDITION = 10.0
DEFAULT_ANGLE_DEG = 30.0
DEFAULT_SCALE = 1.0


def _rotated_kernel_f(x, y, k):
    return 0.5 * (k[0] * x * x + 2.0 * k[1] * x * y + k[2] * y * y)


def _rotated_kernel_grad(x, y, k):
    return k[0] * x + k[1] * y, k[1] * x + k[2] * y


@lru_cache(maxsize=64)
def make_rotated_quadratic(
    condition: float = DEFAULT_CONDITION,
    angle_deg: float = DEFAULT_ANGLE_DEG,
    scale: float = DEFAULT_SCALE,
) -> Surface:
    """``f(p) = ½ pᵀ R diag(λmin, λmax) Rᵀ p`` with ``λmax = scale``, ``λmin = scale/condition``.

    ``R`` rotates by ``angle_deg``, so the long axis of the elliptical valley points along
    (cos θ, sin θ). The rotation is the point of the lesson: per-coordinate methods (Adam,
    RMSProp, Adagrad) fix an axis-aligned valley, but a rotated one mixes the coordinates and
    only curvature-aware methods undo it. ``scale`` is the largest curvature, so plain gradient
    descent is stable for lr < 2/scale whatever κ and θ are.

    Cached, so the app's reruns with the same parameters get the identical object.
    """
    condition = float(condition)
    angle_deg = float(angle_deg)
    scale = float(scale)
    if not (math.isfinite(condition) and condition >= 1.0):
        raise ValueError(f"condition must be a finite number >= 1, got {condition!r}")  # i18n: internal
    if not math.isfinite(angle_deg):
        raise ValueError(f"angle_deg must be a finite number, got {angle_deg!r}")  # i18n: internal
    if not (math.isfinite(scale) and scale > 0.0):
        raise ValueError(f"scale must be a finite number > 0, got {scale!r}")  # i18n: internal

    lmax = scale
    lmin = scale / condition
    theta = math.radians(angle_deg)
    c, s = math.cos(theta), math.sin(theta)
    # A = R diag(lmin, lmax) R^T with R = [[c, -s], [s, c]]: lmin along (c, s), lmax along (-s, c).
    a11 = lmin * c * c + lmax * s * s
    a22 = lmin * s * s + lmax * c * c
    a12 = (lmin - lmax) * c * s

    @_quiet
    def f(x, y):
        x, y = _xy(x, y)
        return _out(0.5 * (a11 * x * x + 2.0 * a12 * x * y + a22 * y * y))

    @_quiet
    def grad(x, y):
        x, y = _xy(x, y)
        return _out(a11 * x + a12 * y), _out(a12 * x + a22 * y)

    # the scalar form takes the constants as k = (a11, a12, a22): one compiled kernel for all
    kernel = SurfaceKernel(_rotated_kernel_f, _rotated_kernel_grad, (a11, a12, a22))

    # Start far out along the flat direction and a little way up the steep wall, so gradient
    # descent both zig-zags and crawls. |start| = √17 ≈ 4.1 stays inside the ±5 box at any angle.
    u, v = -4.0, 1.0  # coordinates along (c, s) [flat] and (-s, c) [steep]
    start = (u * c - v * s, u * s + v * c)

    return Surface(
        key="rotated_quadratic",
        label=Msg.of("surfaces.rotated_quadratic.label", condition=condition, angle=angle_deg),
        latex=(
            r"f(\mathbf{p}) = \tfrac12\,\mathbf{p}^\top R_\theta"
            rf"\begin{{pmatrix}} {lmin:g} & 0 \\ 0 & {lmax:g} \end{{pmatrix}}"
            r"R_\theta^\top \mathbf{p},\quad "
            rf"\theta = {angle_deg:g}^\circ,\ \kappa = {condition:g}"
        ),
        f=f,
        grad=grad,
        bounds=((-5.0, 5.0), (-5.0, 5.0)),
        minima=((0.0, 0.0),),
        start=(float(start[0]), float(start[1])),
        note=Msg.of("surfaces.rotated_quadratic.note", condition=condition, lmin=lmin, lmax=lmax,
                    angle=angle_deg),
        hessian_eigs=(lmin, lmax),
        kernel=kernel,
    )


ROTATED_QUADRATIC = make_rotated_quadratic()


# --------------------------------------------------------------------------------------------
# Optional extras: six-hump camel (several local minima), Booth (a tilted quadratic)
# --------------------------------------------------------------------------------------------


@_quiet
def _camel_f(x, y):
    x, y = _xy(x, y)
    x2 = x * x
    y2 = y * y
    return _out((4.0 - 2.1 * x2 + x2 * x2 / 3.0) * x2 + x * y + (-4.0 + 4.0 * y2) * y2)


@_quiet
def _camel_grad(x, y):
    x, y = _xy(x, y)
    return (
        _out(8.0 * x - 8.4 * x**3 + 2.0 * x**5 + y),
        _out(x - 8.0 * y + 16.0 * y**3),
    )


SIX_HUMP_CAMEL = Surface(
    key="six_hump_camel",
    label=Msg.of("surfaces.six_hump_camel.label"),
    latex=(
        r"f(x, y) = \left(4 - 2.1x^2 + \tfrac{x^4}{3}\right)x^2 + xy"
        r" + (-4 + 4y^2)\,y^2"
    ),
    f=_camel_f,
    grad=_camel_grad,
    bounds=((-2.2, 2.2), (-1.2, 1.2)),
    minima=(
        (0.08984201310031807, -0.7126564030207396),  # global, f = -1.0316284534898774
        (-0.08984201310031807, 0.7126564030207396),  # global (mirror image)
        (1.703606714969981, -0.7960835686726251),  # local, f = -0.2154638243837184
        (-1.703606714969981, 0.7960835686726251),  # local
        (1.6071047529201974, 0.5686514548841313),  # local, f = 2.1042503103112598
        (-1.6071047529201974, -0.5686514548841313),  # local
    ),
    start=(-2.0, -1.0),
    note=Msg.of("surfaces.six_hump_camel.note"),
)


@_quiet
def _booth_f(x, y):
    x, y = _xy(x, y)
    return _out((x + 2.0 * y - 7.0) ** 2 + (2.0 * x + y - 5.0) ** 2)


@_quiet
def _booth_grad(x, y):
    x, y = _xy(x, y)
    a = x + 2.0 * y - 7.0
    b = 2.0 * x + y - 5.0
    return _out(2.0 * a + 4.0 * b), _out(4.0 * a + 2.0 * b)


def _booth_kernel_f(x, y, k):
    a = x + 2.0 * y - 7.0
    b = 2.0 * x + y - 5.0
    return a * a + b * b


def _booth_kernel_grad(x, y, k):
    a = x + 2.0 * y - 7.0
    b = 2.0 * x + y - 5.0
    return 2.0 * a + 4.0 * b, 4.0 * a + 2.0 * b


BOOTH = Surface(
    key="booth",
    label="Booth",
    latex=r"f(x, y) = (x + 2y - 7)^2 + (2x + y - 5)^2",
    f=_booth_f,
    grad=_booth_grad,
    bounds=((-10.0, 10.0), (-10.0, 10.0)),
    minima=((1.0, 3.0),),
    start=(-7.0, -8.0),
    kernel=SurfaceKernel(_booth_kernel_f, _booth_kernel_grad),
    note=Msg.of("surfaces.booth.note"),
    hessian_eigs=(2.0, 18.0),
)


#: The built-in surfaces in display order (required ones first, optional extras after).
CLASSIC_SURFACES: tuple[Surface, ...] = (
    BOWL,
    ROSENBROCK,
    SADDLE,
    BEALE,
    HIMMELBLAU,
    RASTRIGIN,
    ROTATED_QUADRATIC,
)
EXTRA_SURFACES: tuple[Surface, ...] = (SIX_HUMP_CAMEL, BOOTH)
