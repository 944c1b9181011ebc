r"""RMSprop, as ``torch.optim.RMSprop`` (not centered)::

    g_t = ∇f(θ_{t-1}) + λ θ_{t-1}
    v_t = α v_{t-1} + (1 − α) g_t²             (v_0 = 0)
    b_t = μ b_{t-1} + g_t / (√v_t + ε)         (b_0 = 0)
    θ_t = θ_{t-1} − η b_t

With momentum μ = 0 (torch's default) this is θ_t = θ_{t-1} − η g_t / (√v_t + ε); the buffer b
is then just the preconditioned gradient of this step. Defaults are torch's: lr = 1e-2,
alpha = 0.99, eps = 1e-8, momentum = 0, weight_decay = 0.

Note the absence of bias correction: v starts at 0, so the first steps divide by √((1−α) g²),
about 10 g for α = 0.99, and move roughly 10η per coordinate. That early burst is visible on
every surface and is exactly what Adam's bias correction removes.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from ._common import eps_spec, hv, lr_spec, momentum_spec, nonzero, weight_decay_spec
from .base import Array, HyperSpec, Optimizer, State
from .sgd import _decayed_grad


def _init(params: Array) -> State:
    return {"square_avg": np.zeros_like(params), "buf": np.zeros_like(params)}


def _update(
    params: Array, grads: Array, state: State, hyper: Mapping[str, object], t: int
) -> tuple[Array, State]:
    dtype = params.dtype
    lr = hv(hyper, "lr", 1e-2, dtype)
    alpha = hv(hyper, "alpha", 0.99, dtype)
    eps = hv(hyper, "eps", 1e-8, dtype)
    mu = hv(hyper, "momentum", 0.0, dtype)
    g = _decayed_grad(params, grads, hyper)
    v = state["square_avg"] * alpha
    sq = g * g
    sq *= 1.0 - alpha
    v += sq
    avg = np.sqrt(v)
    avg += eps
    if nonzero(mu):
        buf = state["buf"] * mu
        buf += np.divide(g, avg)
    else:
        buf = np.divide(g, avg)
    step = buf * lr
    return params - step, {"square_avg": v, "buf": buf}


def _preconditioner(state: State, hyper: Mapping[str, object], t: int) -> Array:
    v = state["square_avg"]
    eps = hv(hyper, "eps", 1e-8, v.dtype)
    return 1.0 / (np.sqrt(v) + eps)


ALPHA = HyperSpec(
    key="alpha",
    symbol=r"\alpha",
    default=0.99,
    low=0.0,
    high=0.999,
    log=False,
    help="Smoothing constant: how much of the running average of g² is kept each step.",
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
        momentum_spec(0.0, "Momentum on the preconditioned step (torch's default is 0: none)."),
        weight_decay_spec(0.0),
    ),
    init=_init,
    update=_update,
    state_names={"square_avg": "second moment v", "buf": "momentum buffer b"},
    preconditioner=_preconditioner,
    note=(
        "RMSprop replaces AdaGrad's ever-growing sum by a moving average of g², so the "
        "per-coordinate step size adapts without decaying to zero. Each coordinate moves "
        "about η per step whatever the gradient's scale, which is why it never crawls but "
        "also never quite settles with a constant learning rate."
    ),
)

__all__ = ["RMSPROP"]
