r"""AdaGrad, as ``torch.optim.Adagrad`` (lr_decay 0, initial accumulator 0)::

    g_t = ∇f(θ_{t-1}) + λ θ_{t-1}
    s_t = s_{t-1} + g_t²                       (per coordinate, s_0 = 0)
    θ_t = θ_{t-1} − η g_t / (√s_t + ε)

Defaults are torch's: lr = 1e-2, eps = 1e-10, weight_decay = 0.

Why it matters for a lesson: each coordinate gets its own learning rate η/(√s+ε), large where
gradients have been small. Because s only grows, the effective learning rate only shrinks, which
is exactly why AdaGrad stalls on long runs and why RMSprop replaced the sum with an average.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from ._common import eps_spec, hv, lr_spec, weight_decay_spec
from .base import Array, Optimizer, State
from .sgd import _decayed_grad


def _init(params: Array) -> State:
    return {"sum": np.zeros_like(params)}


def _update(
    params: Array, grads: Array, state: State, hyper: Mapping[str, object], t: int
) -> tuple[Array, State]:
    dtype = params.dtype
    lr = hv(hyper, "lr", 1e-2, dtype)
    eps = hv(hyper, "eps", 1e-10, dtype)
    g = _decayed_grad(params, grads, hyper)
    s = g * g
    s += state["sum"]
    std = np.sqrt(s)
    std += eps
    step = np.divide(g, std)
    step *= lr
    return params - step, {"sum": s}


def _preconditioner(state: State, hyper: Mapping[str, object], t: int) -> Array:
    s = state["sum"]
    eps = hv(hyper, "eps", 1e-10, s.dtype)
    return 1.0 / (np.sqrt(s) + eps)


ADAGRAD = Optimizer(
    key="adagrad",
    label="AdaGrad",
    latex=(
        r"\begin{aligned}g_t &= \nabla f(\theta_{t-1}) + \lambda\,\theta_{t-1} \\"
        r"s_t &= s_{t-1} + g_t^2 \\"
        r"\theta_t &= \theta_{t-1} - \frac{\eta}{\sqrt{s_t} + \varepsilon}\, g_t\end{aligned}"
    ),
    torch="torch.optim.Adagrad(params, lr=η, eps=ε, weight_decay=λ)",
    hypers=(lr_spec(1e-2), eps_spec(1e-10), weight_decay_spec(0.0)),
    init=_init,
    update=_update,
    state_names={"sum": "accumulated squares s"},
    preconditioner=_preconditioner,
    note=(
        "AdaGrad divides each coordinate's step by the root of its summed squared gradients, "
        "so steep and flat directions move at similar speeds. The sum never shrinks, so the "
        "effective learning rate decays like 1/√t and long runs slow to a crawl."
    ),
)

__all__ = ["ADAGRAD"]
