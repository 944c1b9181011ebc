r"""Stochastic gradient descent, heavy-ball momentum and Nesterov momentum, as ``torch.optim.SGD``.

All three follow PyTorch's documented algorithm (dampening 0)::

    g_t = ∇f(θ_{t-1}) + λ θ_{t-1}                   (weight decay λ, default 0)
    b_t = μ b_{t-1} + g_t,   b_1 = g_1               (momentum buffer, "velocity")
    SGD:       θ_t = θ_{t-1} − η g_t
    momentum:  θ_t = θ_{t-1} − η b_t
    Nesterov:  θ_t = θ_{t-1} − η (g_t + μ b_t)

Defaults are torch's: lr = 1e-3 (``torch.optim.SGD``'s default since torch 2.x; small for a
classroom bowl, so lessons raise it with the slider), weight_decay = 0. torch's own momentum
default is 0; the "momentum" and "nesterov" entries here use μ = 0.9, the value every textbook and
most training recipes start from.

Momentum conventions (why three books show three different formulas for the same method)
-------------------------------------------------------------------------------------------
PyTorch accumulates raw gradients and applies the learning rate afterwards::

    (torch)      v ← μ v + g,          θ ← θ − η v

The classic textbook form (Sutskever et al. 2013, CS231n) folds the learning rate into the
velocity::

    (textbook)   v' ← μ v' − η g,      θ ← θ + v'

With a constant η these give the *identical* trajectory, with v' = −η v: multiply the torch
recursion by −η. (They differ only when η changes during training: the torch form applies the
new η to the whole accumulated velocity at once, the textbook form only to new gradients.)

The "exponential moving average" form (Andrew Ng's course, many blog posts)::

    (EMA)        v'' ← β v'' + (1 − β) g,   θ ← θ − η v''

is the torch form with a rescaled learning rate: v'' = (1 − β) v, so it moves exactly like torch
with η_torch = η (1 − β). The EMA form just hides a factor 1/(1 − β) (10× for β = 0.9) in the
learning rate, which is why "momentum 0.9 with lr 0.1" in one course is "lr 0.01" in another.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from ._common import as_grads, hv, lr_spec, momentum_spec, nonzero, ones_like_state, weight_decay_spec
from .base import Array, Optimizer, State

MOMENTUM_CONVENTIONS = r"""
**Three ways to write momentum, one method.**

| convention | velocity update | parameter update |
| --- | --- | --- |
| PyTorch (used here) | $v \leftarrow \mu v + g$ | $\theta \leftarrow \theta - \eta v$ |
| textbook (Sutskever, CS231n) | $v' \leftarrow \mu v' - \eta g$ | $\theta \leftarrow \theta + v'$ |
| moving average (EMA) | $v'' \leftarrow \beta v'' + (1-\beta) g$ | $\theta \leftarrow \theta - \eta v''$ |

* **Textbook = PyTorch** for a constant learning rate: the trajectories are identical, with
  $v' = -\eta\, v$ (multiply the PyTorch recursion by $-\eta$). They differ only when $\eta$
  changes mid-run: PyTorch rescales the whole stored velocity at once.
* **EMA = PyTorch with a smaller learning rate**: $v'' = (1-\beta)\, v$, so the EMA form with
  learning rate $\eta$ moves exactly like PyTorch with $\eta_\text{torch} = \eta\,(1-\beta)$.
  With $\beta = 0.9$ that is a factor of 10, which is why recipes disagree on "the" learning
  rate for momentum.
""".strip()


def _sgd_init(params: Array) -> State:
    return {}


def _buf_init(params: Array) -> State:
    return {"buf": np.zeros_like(params)}


def _decayed_grad(params: Array, grads: Array, hyper: Mapping[str, object]) -> Array:
    """g + λθ (torch's coupled weight decay); the gradient itself when λ = 0."""
    dtype = params.dtype
    g = as_grads(grads, dtype)
    wd = hv(hyper, "weight_decay", 0.0, dtype)
    if nonzero(wd):
        g = params * wd + g
    return g


def _sgd_update(params: Array, grads: Array, state: State, hyper: Mapping[str, object], t: int):
    lr = hv(hyper, "lr", 1e-3, params.dtype)
    step = _decayed_grad(params, grads, hyper) * lr
    return params - step, {}


def _momentum_update(
    params: Array, grads: Array, state: State, hyper: Mapping[str, object], t: int
) -> tuple[Array, State]:
    dtype = params.dtype
    lr = hv(hyper, "lr", 1e-3, dtype)
    mu = hv(hyper, "momentum", 0.9, dtype)
    g = _decayed_grad(params, grads, hyper)
    buf = state["buf"] * mu  # b_0 = 0, so b_1 = g_1 exactly as torch's clone of the first grad
    buf += g
    step = buf * lr
    return params - step, {"buf": buf}


def _nesterov_update(
    params: Array, grads: Array, state: State, hyper: Mapping[str, object], t: int
) -> tuple[Array, State]:
    dtype = params.dtype
    lr = hv(hyper, "lr", 1e-3, dtype)
    mu = hv(hyper, "momentum", 0.9, dtype)
    g = _decayed_grad(params, grads, hyper)
    buf = state["buf"] * mu
    buf += g
    step = buf * mu  # g + μ b: look ahead along the freshly updated velocity
    step += g
    step *= lr
    return params - step, {"buf": buf}


def _ones(state: State, hyper: Mapping[str, object], t: int) -> Array:
    return ones_like_state(state)


_WD = r"g_t &= \nabla f(\theta_{t-1}) + \lambda\,\theta_{t-1} \\"

SGD = Optimizer(
    key="sgd",
    label="SGD",
    latex=r"\begin{aligned}" + _WD + r"\theta_t &= \theta_{t-1} - \eta\, g_t\end{aligned}",
    torch="torch.optim.SGD(params, lr=η, weight_decay=λ)",
    hypers=(lr_spec(1e-3), weight_decay_spec(0.0)),
    init=_sgd_init,
    update=_sgd_update,
    state_names={},
    preconditioner=_ones,
    note=(
        "Plain gradient descent steps straight down the local slope, so its speed depends on "
        "how steep each direction is: on a long narrow valley it zig-zags across and crawls "
        "along. Too large a learning rate (η > 2/λ_max on a quadratic) makes it diverge."
    ),
)

MOMENTUM = Optimizer(
    key="momentum",
    label="SGD + momentum",
    latex=(
        r"\begin{aligned}" + _WD + r"b_t &= \mu\, b_{t-1} + g_t \quad (b_1 = g_1) \\"
        r"\theta_t &= \theta_{t-1} - \eta\, b_t\end{aligned}"
    ),
    torch="torch.optim.SGD(params, lr=η, momentum=μ, weight_decay=λ)",
    hypers=(lr_spec(1e-3), momentum_spec(0.9), weight_decay_spec(0.0)),
    init=_buf_init,
    update=_momentum_update,
    state_names={"buf": "velocity b"},
    preconditioner=_ones,
    note=(
        "The velocity b accumulates past gradients, so consistent directions speed up (up to "
        "1/(1−μ) times) while oscillating ones cancel. It is a heavy ball rolling downhill: "
        "it can overshoot and circle around the minimum before settling."
    ),
)

NESTEROV = Optimizer(
    key="nesterov",
    label="Nesterov momentum",
    latex=(
        r"\begin{aligned}" + _WD + r"b_t &= \mu\, b_{t-1} + g_t \quad (b_1 = g_1) \\"
        r"\theta_t &= \theta_{t-1} - \eta\,(g_t + \mu\, b_t)\end{aligned}"
    ),
    torch="torch.optim.SGD(params, lr=η, momentum=μ, nesterov=True, weight_decay=λ)",
    hypers=(lr_spec(1e-3), momentum_spec(0.9), weight_decay_spec(0.0)),
    init=_buf_init,
    update=_nesterov_update,
    state_names={"buf": "velocity b"},
    preconditioner=_ones,
    note=(
        "Nesterov momentum steps along the gradient plus a look-ahead μ·b of the updated "
        "velocity, which corrects an overshoot one step earlier than heavy-ball momentum. "
        "It usually oscillates less and tolerates larger learning rates."
    ),
)

__all__ = ["SGD", "MOMENTUM", "NESTEROV", "MOMENTUM_CONVENTIONS"]
