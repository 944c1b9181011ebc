"""Goldstein–Price: a global minimum, three local ones, and values spanning six decades.

    f(x, y) = [1 + (x + y + 1)² (19 − 14x + 3x² − 14y + 6xy + 3y²)]
              · [30 + (2x − 3y)² (18 − 32x + 12x² + 48y − 36xy + 27y²)]

The global minimum f(0, −1) = 3; local minima f(−0.6, −0.4) = 30, f(1.8, 0.2) = 84 and
f(1.2, 0.8) = 840 (all exact: the gradient vanishes there in exact arithmetic). On [−2, 2]²
f reaches about 10⁶, so a learning rate that moves at all in the basins is violent on the
walls: the surface where gradient-scale-free methods (Adam, RMSprop) show their worth.
"""

from __future__ import annotations

from i18n import Msg

from .base import Surface, SurfaceKernel, broadcast_xy, quiet, scalar_out


def _parts(x, y):
    u = x + y + 1.0
    a = 19.0 - 14.0 * x + 3.0 * x * x - 14.0 * y + 6.0 * x * y + 3.0 * y * y
    w = 2.0 * x - 3.0 * y
    b = 18.0 - 32.0 * x + 12.0 * x * x + 48.0 * y - 36.0 * x * y + 27.0 * y * y
    return u, a, 1.0 + u * u * a, w, b, 30.0 + w * w * b


@quiet
def _f(x, y):
    x, y = broadcast_xy(x, y)
    _, _, p, _, _, q = _parts(x, y)
    return scalar_out(p * q)


@quiet
def _grad(x, y):
    x, y = broadcast_xy(x, y)
    u, a, p, w, b, q = _parts(x, y)
    dp = 2.0 * u * a + u * u * (6.0 * x + 6.0 * y - 14.0)  # ∂p/∂x = ∂p/∂y
    dq_x = 4.0 * w * b + w * w * (24.0 * x - 36.0 * y - 32.0)
    dq_y = -6.0 * w * b + w * w * (54.0 * y - 36.0 * x + 48.0)
    return scalar_out(dp * q + p * dq_x), scalar_out(dp * q + p * dq_y)


def _kernel_f(x, y, k):
    """``_f`` for one point (``_parts`` written out: a kernel calls no other function)."""
    u = x + y + 1.0
    a = 19.0 - 14.0 * x + 3.0 * x * x - 14.0 * y + 6.0 * x * y + 3.0 * y * y
    w = 2.0 * x - 3.0 * y
    b = 18.0 - 32.0 * x + 12.0 * x * x + 48.0 * y - 36.0 * x * y + 27.0 * y * y
    return (1.0 + u * u * a) * (30.0 + w * w * b)


def _kernel_grad(x, y, k):
    u = x + y + 1.0
    a = 19.0 - 14.0 * x + 3.0 * x * x - 14.0 * y + 6.0 * x * y + 3.0 * y * y
    w = 2.0 * x - 3.0 * y
    b = 18.0 - 32.0 * x + 12.0 * x * x + 48.0 * y - 36.0 * x * y + 27.0 * y * y
    p = 1.0 + u * u * a
    q = 30.0 + w * w * b
    dp = 2.0 * u * a + u * u * (6.0 * x + 6.0 * y - 14.0)
    dq_x = 4.0 * w * b + w * w * (24.0 * x - 36.0 * y - 32.0)
    dq_y = -6.0 * w * b + w * w * (54.0 * y - 36.0 * x + 48.0)
    return dp * q + p * dq_x, dp * q + p * dq_y


GOLDSTEIN_PRICE = Surface(
    key="goldstein_price",
    label="Goldstein–Price",
    latex=(
        r"f(x, y) = \big[1 + (x+y+1)^2 (19 - 14x + 3x^2 - 14y + 6xy + 3y^2)\big]"
        r"\big[30 + (2x-3y)^2 (18 - 32x + 12x^2 + 48y - 36xy + 27y^2)\big]"
    ),
    f=_f,
    grad=_grad,
    bounds=((-2.0, 2.0), (-2.0, 2.0)),
    minima=((0.0, -1.0), (-0.6, -0.4), (1.8, 0.2), (1.2, 0.8)),
    start=(-1.0, 1.0),
    kernel=SurfaceKernel(_kernel_f, _kernel_grad),
    note=Msg.of("surfaces.goldstein_price.note"),
)

__all__ = ["GOLDSTEIN_PRICE"]
