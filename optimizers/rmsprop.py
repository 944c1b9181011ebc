r"""RMSprop, as ``torch.optim.RMSprop`` (not centered)::

    g_t = ∇f(θ_{t-1}) + λ θ_{t-1}
    v_t = α v_{t-1} + (1 − α) g_t²             (v_0 = 0)
    b_t = μ b_{t-1} + g_t / (√v_t + ε)         (b_0 = 0)
    θ_t = θ_{t-1} − η b_t

With momentum μ = 0 (torch's default) this is θ_t = θ_{t-1} − η g_t / (√v_t + ε); the buffer b
is then just the preconditioned gradient of this step. Defaults are torch's: lr = 1e-2,
alpha = 0.99, eps = 1e-8, momentum = 0, weight_decay = 0.

Note the absence of bias correction: v starts at 0, so the first steps divide by √((1−α) g²),
about 0.1|g| for α = 0.99, and move roughly 10η per coordinate. That early burst is visible on
every surface and is exactly what Adam's bias correction removes.
"""

from __future__ import annotations

import math

import numpy as np

from i18n import Msg

from .base import Array, Explanation, HyperSpec, Optimizer, ScalarKernel, State
from .explain import gradient_lines, num, one_step, row, vec
from .kernel_pieces import ema_of_squares as k_ema_of_squares, l2_decay as k_l2_decay
from .specs import eps_spec, lr_spec, momentum_spec, weight_decay_spec
from .transforms import (
    as_grads,
    descend,
    ema_of_squares,
    hyper_value,
    l2_decay,
    momentum_trace,
    nonzero,
    rms_denominator,
)


def _init(params: Array) -> State:
    return {"square_avg": np.zeros_like(params), "buf": np.zeros_like(params)}


def _update(params: Array, grads: Array, state: State, hyper, t: int) -> tuple[Array, State]:
    dtype = params.dtype
    mu = hyper_value(hyper, "momentum", dtype)
    g = l2_decay(params, as_grads(grads, dtype), hyper_value(hyper, "weight_decay", dtype))
    v = ema_of_squares(state["square_avg"], g, hyper_value(hyper, "alpha", dtype))
    lr = hyper_value(hyper, "lr", dtype)
    avg = rms_denominator(v, hyper_value(hyper, "eps", dtype))
    if nonzero(mu):  # torch: buf.mul_(μ).addcdiv_(g, avg); param.add_(buf, alpha=-lr)
        buf = momentum_trace(state["buf"], g / avg, mu)
        step = buf * lr
        new = np.subtract(params, step, out=step)
        if isinstance(mu, np.ndarray) and not np.all(mu != 0):  # per-run μ with some μ = 0
            new = np.where(mu == 0, descend(params, lr, g, avg), new)
        return new, {"square_avg": v, "buf": buf}
    # μ = 0, torch: param.addcdiv_(g, avg, value=-lr), i.e. θ + (−η g)/avg; the buffer shown
    # is this step's scaled gradient g/avg
    new = descend(params, lr, g, avg)
    return new, {"square_avg": v, "buf": np.divide(g, avg, out=avg)}


def _preconditioner(state: State, hyper, t: int) -> Array:
    v = state["square_avg"]
    return 1.0 / (np.sqrt(v) + hyper_value(hyper, "eps", v.dtype))


# Scalar kernel for the compiled path (one coordinate of one run; see ``ScalarKernel``).
_SQUARE_AVG, _BUF = 0, 1  # state entries


def _kernel(p, g, lr, st, new, i, c, sc, d, alpha, eps, momentum, weight_decay):
    """``_update`` for one coordinate. μ = 0 takes torch's addcdiv form, as ``_update`` does
    run by run."""
    g = k_l2_decay(p, g, weight_decay)
    v = k_ema_of_squares(st[_SQUARE_AVG, c, i], g, alpha)
    avg = math.sqrt(v) + eps
    new[_SQUARE_AVG, c, i] = v
    if momentum != 0.0:
        buf = st[_BUF, c, i] * momentum + g / avg
        new[_BUF, c, i] = buf
        return p - buf * lr
    new[_BUF, c, i] = g / avg
    return p - g * lr / avg


def _kernel_preconditioner(new, i, c, sc, d, eps):
    return 1.0 / (math.sqrt(new[_SQUARE_AVG, c, i]) + eps)


def _explain(params, grads, state, hyper, t) -> Explanation:
    k = t - 1
    new, after = one_step(_update, params, grads, state, hyper, t)
    lines, g = gradient_lines(params, grads, float(hyper["weight_decay"]), k)
    alpha, mu, eta = float(hyper["alpha"]), float(hyper["momentum"]), num(float(hyper["lr"]))
    v_old, v = row(state, "square_avg"), row(after, "square_avg")
    lines.append(rf"v_{{{t}}} &= \alpha\, v_{{{k}}} + (1-\alpha)\, g^2 = {num(alpha)}\,{vec(v_old)} + "
                 rf"{num(1 - alpha)}\,{vec(g * g)} = {vec(v)}")
    den = np.sqrt(v) + float(hyper["eps"])
    if mu > 0:
        b_old, b = row(state, "buf"), row(after, "buf")
        lines.append(rf"b_{{{t}}} &= \mu\, b_{{{k}}} + \frac{{g}}{{\sqrt{{v_{{{t}}}}}+\varepsilon}} = "
                     rf"{num(mu)}\,{vec(b_old)} + {vec(g / den)} = {vec(b)}")
        lines.append(rf"\theta_{{{t}}} &= \theta_{{{k}}} - \eta\, b_{{{t}}} = {vec(params)} - {eta}\,{vec(b)} = {vec(new)}")
    else:
        lines.append(rf"\theta_{{{t}}} &= \theta_{{{k}}} - \eta\, \frac{{g}}{{\sqrt{{v_{{{t}}}}} + \varepsilon}}"
                     rf" = {vec(params)} - {eta}\,{vec(g)} \oslash {vec(den)} = {vec(new)}")
    return Explanation(tuple(lines), new)


def _arrow(states, hyper, t):
    """The momentum buffer, only when μ > 0 (with μ = 0 it is just this step's scaled gradient)."""
    if float(np.max(hyper["momentum"])) <= 0:
        return None
    return np.asarray(states["buf"], dtype=float)


ALPHA = HyperSpec(
    key="alpha",
    symbol=r"\alpha",
    default=0.99,
    low=0.0,
    high=0.999,
    log=False,
    help=Msg.of("optimizers.rmsprop.alpha"),
    valid_low=0.0,
    valid_high=1.0,
)

RMSPROP = Optimizer(
    key="rmsprop",
    label="RMSprop",
    latex=(
        r"\begin{aligned}g_t &= \nabla f(\theta_{t-1}) + \lambda\,\theta_{t-1} \\"
        r"v_t &= \alpha\, v_{t-1} + (1-\alpha)\, g_t^2 \\"
        r"b_t &= \mu\, b_{t-1} + \frac{g_t}{\sqrt{v_t} + \varepsilon} \\"
        r"\theta_t &= \theta_{t-1} - \eta\, b_t\end{aligned}"
    ),
    torch="torch.optim.RMSprop(params, lr=η, alpha=α, eps=ε, momentum=μ, weight_decay=λ)",
    hypers=(
        lr_spec(1e-2),
        ALPHA,
        eps_spec(1e-8),
        momentum_spec(0.0, Msg.of("optimizers.rmsprop.momentum")),
        weight_decay_spec(0.0),
    ),
    init=_init,
    update=_update,
    state_names={"square_avg": Msg.of("optimizers.state.second_moment"), "buf": Msg.of("optimizers.state.momentum_buffer")},
    preconditioner=_preconditioner,
    explain=_explain,
    stability=lambda hyper, lam_max: None,  # the step is rescaled by the gradient's own size
    arrow=_arrow,
    sweep_axes=("lr", "alpha"),
    kernel=ScalarKernel(_kernel, _kernel_preconditioner),
    hidden_states=lambda hyper: () if float(np.max(hyper["momentum"])) > 0 else ("buf",),
    note=Msg.of("optimizers.rmsprop.note"),
)

__all__ = ["RMSPROP"]
