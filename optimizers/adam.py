r"""Adam and AdamW, as ``torch.optim.Adam`` / ``torch.optim.AdamW`` (amsgrad off)::

    Adam:   g_t = ∇f(θ_{t-1}) + λ θ_{t-1}              (L2 penalty, coupled to the gradient)
    AdamW:  θ'  = θ_{t-1} (1 − η λ),  g_t = ∇f(θ_{t-1})  (decoupled decay, then the Adam step)
    m_t = β₁ m_{t-1} + (1 − β₁) g_t                     (first moment, m_0 = 0)
    v_t = β₂ v_{t-1} + (1 − β₂) g_t²                    (second moment, v_0 = 0)
    θ_t = θ − η/(1 − β₁ᵗ) · m_t / (√v_t / √(1 − β₂ᵗ) + ε)

The last line is torch's arithmetic order: bias corrections are folded into a step size
η/(1 − β₁ᵗ) and a divisor √(1 − β₂ᵗ) applied to √v *before* ε is added (so ε acts on √v̂, as in
the paper). The first moment is updated as torch's ``lerp``: m + (1 − β₁)(g − m).

Defaults are torch's: lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0 for
Adam and 1e-2 for AdamW.

Why the bias correction: m and v start at zero, so early averages are too small by factors
(1 − β₁ᵗ) and (1 − β₂ᵗ); dividing them out makes the very first step ≈ η·sign(g) per coordinate.
The bias corrections depend only on t and β, so they are computed as Python scalars: no array
work is spent on them (for per-run β arrays the engine passes βᵗ in as ``beta1_pow`` /
``beta2_pow``, carried forward by one multiply per step).
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from ._common import beta_spec, eps_spec, hv, lr_spec, nonzero, power, root, weight_decay_spec
from .base import Array, Optimizer, State
from .sgd import _decayed_grad


def _pow(hyper: Mapping[str, object], key: str, beta: "float | Array", t: int) -> "float | Array":
    """β**t, or the caller's precomputed ``<key>_pow`` (optional hyper entry).

    Why the optional entry: with one β per run (a sweep over β₁) ``beta**t`` is a transcendental
    per run per step, the most expensive line of the whole update. The engine instead carries
    βᵗ forward with one multiply per step and passes it in; direct callers need not bother.
    """
    given = hyper.get(key + "_pow")
    return power(beta, t) if given is None else given  # type: ignore[return-value]


def _init(params: Array) -> State:
    return {"exp_avg": np.zeros_like(params), "exp_avg_sq": np.zeros_like(params)}


def _adam_step(
    params: Array, g: Array, state: State, hyper: Mapping[str, object], t: int
) -> tuple[Array, State]:
    """The shared Adam step on an already weight-decayed gradient (and params, for AdamW)."""
    dtype = params.dtype
    lr = hv(hyper, "lr", 1e-3, dtype)
    beta1 = hv(hyper, "beta1", 0.9, dtype)
    beta2 = hv(hyper, "beta2", 0.999, dtype)
    eps = hv(hyper, "eps", 1e-8, dtype)
    m_prev = state["exp_avg"]
    m = g - m_prev  # torch's lerp: m + (1 - β1)(g - m)
    m *= 1.0 - beta1
    m += m_prev
    v = state["exp_avg_sq"] * beta2
    sq = g * g
    sq *= 1.0 - beta2
    v += sq
    bias1 = 1.0 - _pow(hyper, "beta1", beta1, t)
    bias2_sqrt = root(1.0 - _pow(hyper, "beta2", beta2, t))
    denom = np.sqrt(v)
    denom /= bias2_sqrt
    denom += eps
    step = np.divide(m, denom)
    step *= lr / bias1
    return params - step, {"exp_avg": m, "exp_avg_sq": v}


def _adam_update(
    params: Array, grads: Array, state: State, hyper: Mapping[str, object], t: int
) -> tuple[Array, State]:
    return _adam_step(params, _decayed_grad(params, grads, hyper), state, hyper, t)


def _adamw_update(
    params: Array, grads: Array, state: State, hyper: Mapping[str, object], t: int
) -> tuple[Array, State]:
    dtype = params.dtype
    g = np.asarray(grads)
    if g.dtype != dtype:
        g = g.astype(dtype)
    wd = hv(hyper, "weight_decay", 1e-2, dtype)
    if nonzero(wd):
        lr = hv(hyper, "lr", 1e-3, dtype)
        params = params * (1.0 - lr * wd)  # decoupled: shrink θ, never touch the gradient
    return _adam_step(params, g, state, hyper, t)


def _preconditioner(state: State, hyper: Mapping[str, object], t: int) -> Array:
    v = state["exp_avg_sq"]
    dtype = v.dtype
    beta1 = hv(hyper, "beta1", 0.9, dtype)
    beta2 = hv(hyper, "beta2", 0.999, dtype)
    eps = hv(hyper, "eps", 1e-8, dtype)
    bias1 = 1.0 - _pow(hyper, "beta1", beta1, t)
    bias2_sqrt = root(1.0 - _pow(hyper, "beta2", beta2, t))
    return (1.0 / bias1) / (np.sqrt(v) / bias2_sqrt + eps)


_BETA1 = beta_spec("beta1", 0.9, 0.0, 0.999, "β₁: decay of the gradient's moving average (momentum).")
_BETA2 = beta_spec(
    "beta2", 0.999, 0.5, 0.9999, "β₂: decay of the squared gradient's moving average (step scale)."
)

_MOMENTS = (
    r"m_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g_t \\"
    r"v_t &= \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2 \\"
    r"\hat m_t &= \frac{m_t}{1-\beta_1^t}, \quad \hat v_t = \frac{v_t}{1-\beta_2^t} \\"
)
_STEP = r"\theta_t &= \theta_{t-1}' - \eta\, \frac{\hat m_t}{\sqrt{\hat v_t} + \varepsilon}"

ADAM = Optimizer(
    key="adam",
    label="Adam",
    latex=(
        r"\begin{aligned}g_t &= \nabla f(\theta_{t-1}) + \lambda\,\theta_{t-1} \\"
        + _MOMENTS
        + _STEP.replace("'", "")
        + r"\end{aligned}"
    ),
    torch="torch.optim.Adam(params, lr=η, betas=(β₁, β₂), eps=ε, weight_decay=λ)",
    hypers=(lr_spec(1e-3), _BETA1, _BETA2, eps_spec(1e-8), weight_decay_spec(0.0)),
    init=_init,
    update=_adam_update,
    state_names={"exp_avg": "first moment m", "exp_avg_sq": "second moment v"},
    preconditioner=_preconditioner,
    note=(
        "Adam combines momentum (the average m) with RMSprop's per-coordinate scaling (the "
        "average v), bias-corrected so the first steps are not tiny. Its steps are about η in "
        "size whatever the gradient's scale, which makes η a distance, not a multiplier."
    ),
)

ADAMW = Optimizer(
    key="adamw",
    label="AdamW",
    latex=(
        r"\begin{aligned}\theta_{t-1}' &= \theta_{t-1}\,(1 - \eta\lambda), \quad "
        r"g_t = \nabla f(\theta_{t-1}) \\" + _MOMENTS + _STEP + r"\end{aligned}"
    ),
    torch="torch.optim.AdamW(params, lr=η, betas=(β₁, β₂), eps=ε, weight_decay=λ)",
    hypers=(
        lr_spec(1e-3),
        _BETA1,
        _BETA2,
        eps_spec(1e-8),
        weight_decay_spec(1e-2, decoupled=True),
    ),
    init=_init,
    update=_adamw_update,
    state_names={"exp_avg": "first moment m", "exp_avg_sq": "second moment v"},
    preconditioner=_preconditioner,
    note=(
        "AdamW shrinks the parameters directly instead of adding λθ to the gradient, so the "
        "decay is not rescaled by Adam's per-coordinate step sizes. Compare it with Adam's "
        "weight_decay: with L2 in the gradient, coordinates with large gradient history are "
        "barely regularized."
    ),
)

__all__ = ["ADAM", "ADAMW"]
