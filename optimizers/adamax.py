r"""Adamax, as ``torch.optim.Adamax``: Adam with the infinity norm in place of the RMS::

    g_t = ∇f(θ_{t-1}) + λ θ_{t-1}                 (L2 penalty, coupled to the gradient)
    m_t = β₁ m_{t-1} + (1 − β₁) g_t                (first moment, m_0 = 0)
    u_t = max(β₂ u_{t-1}, |g_t| + ε)               (decaying infinity norm, u_0 = 0)
    θ_t = θ_{t-1} − η/(1 − β₁ᵗ) · m_t / u_t

The last line is torch's arithmetic order: the bias correction is folded into a step size
η/(1 − β₁ᵗ) (``beta1 ** step`` on Python floats) and θ − (step size · m)/u multiplies before it
divides (``addcdiv_``). The first moment is torch's ``lerp`` (two forms, as for Adam); u is
``max(u·β₂, |g| + ε)``, with ε inside the maximum, so u is never below ε.

Defaults are torch's: lr = 2e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.

Why it is worth a lesson: u needs no bias correction (a maximum does not start too small the way
an average of zeros does) and no square root, and because u is at least every recent |g|
(discounted by β₂ per step), |m_t|/u_t stays near 1 − β₁ᵗ or below: each coordinate moves by
at most about η per step, whatever the gradient's scale.
"""

from __future__ import annotations

import numpy as np

from i18n import Msg

from .base import Array, Explanation, Optimizer, ScalarKernel, State
from .explain import gradient_lines, num, one_step, row, vec
from .kernel_pieces import descend as k_descend
from .kernel_pieces import ema as k_ema
from .kernel_pieces import l2_decay as k_l2_decay
from .kernel_pieces import maximum as k_maximum
from .specs import beta_spec, eps_spec, lr_spec, weight_decay_spec
from .transforms import (
    as_grads,
    bias_correction,
    decay_power,
    descend,
    ema,
    hyper_value,
    increment_count,
    l2_decay,
)


def _init(params: Array) -> State:
    return {"count": 0, "exp_avg": np.zeros_like(params), "exp_inf": np.zeros_like(params), "beta1_pow": 1.0}


def _update(params: Array, grads: Array, state: State, hyper, t: int) -> tuple[Array, State]:
    dtype = params.dtype
    count = increment_count(state)
    g = l2_decay(params, as_grads(grads, dtype), hyper_value(hyper, "weight_decay", dtype))
    beta1 = hyper_value(hyper, "beta1", dtype)
    m = ema(state["exp_avg"], g, beta1)  # torch's lerp_(g, 1 - β1)
    decayed = state["exp_inf"] * hyper_value(hyper, "beta2", dtype)  # torch: exp_inf.mul_(β2)
    bound = np.abs(g)
    bound += hyper_value(hyper, "eps", dtype)  # torch: grad.abs().add_(eps)
    u = np.maximum(decayed, bound)
    pow1 = decay_power(beta1, count, dtype)  # torch: beta1 ** step
    new = descend(params, hyper_value(hyper, "lr", dtype) / bias_correction(pow1), m, u)
    return new, {"count": count, "exp_avg": m, "exp_inf": u, "beta1_pow": pow1}


def _preconditioner(state: State, hyper, t: int) -> Array:
    return (1.0 / bias_correction(state["beta1_pow"])) / state["exp_inf"]


# Scalar kernel for the compiled path (one coordinate of one run; see ``ScalarKernel``):
# state entries by their index in ``_init``'s dict; the per-step scalar is torch's β₁ᵗ.
_COUNT, _EXP_AVG, _EXP_INF, _BETA1_POW = range(4)
_POW1 = 0


def _kernel_scalars(beta1: float, t: int) -> tuple[float]:
    """What ``_update`` computes on Python floats at update t (``decay_power``)."""
    return (beta1 ** float(t),)


def _kernel(p, g, lr, st, new, i, c, sc, d, beta1, beta2, eps, weight_decay):
    """``_update`` for one coordinate."""
    g = k_l2_decay(p, g, weight_decay)
    m = k_ema(st[_EXP_AVG, c, i], g, beta1)
    u = k_maximum(st[_EXP_INF, c, i] * beta2, abs(g) + eps)
    new[_COUNT, c, i] = st[_COUNT, c, i] + 1.0
    new[_EXP_AVG, c, i] = m
    new[_EXP_INF, c, i] = u
    new[_BETA1_POW, c, i] = sc[d, _POW1]
    return k_descend(p, lr / (1.0 - sc[d, _POW1]), m, u)


def _kernel_preconditioner(new, i, c, sc, d):
    return (1.0 / (1.0 - new[_BETA1_POW, c, i])) / new[_EXP_INF, c, i]


def _explain(params, grads, state, hyper, t) -> Explanation:
    k = t - 1
    new, after = one_step(_update, params, grads, state, hyper, t)
    lines, g = gradient_lines(params, grads, float(hyper["weight_decay"]), k)
    b1, b2, eps = float(hyper["beta1"]), float(hyper["beta2"]), float(hyper["eps"])
    m_old, u_old, m, u = row(state, "exp_avg"), row(state, "exp_inf"), row(after, "exp_avg"), row(after, "exp_inf")
    lines.append(rf"m_{{{t}}} &= \beta_1 m_{{{k}}} + (1-\beta_1)\, g = {num(b1)}\,{vec(m_old)} + {num(1 - b1)}\,{vec(g)}"
                 rf" = {vec(m)}")
    lines.append(rf"u_{{{t}}} &= \max(\beta_2 u_{{{k}}},\ |g| + \varepsilon) = \max({vec(b2 * u_old)},\ "
                 rf"{vec(np.abs(g) + eps)}) = {vec(u)}")
    step = float(hyper["lr"]) / bias_correction(float(np.max(after["beta1_pow"])))
    lines.append(rf"\theta_{{{t}}} &= \theta_{{{k}}} - \frac{{\eta}}{{1-\beta_1^{{{t}}}}}\,\frac{{m_{{{t}}}}}{{u_{{{t}}}}}"
                 rf" = {vec(params)} - {num(step)}\,{vec(m)} \oslash {vec(u)} = {vec(new)}")
    return Explanation(tuple(lines), new)


def _arrow(states, hyper, t):
    """The bias-corrected first moment m̂ = m/(1 − β₁ᵗ): the averaged gradient the step follows
    before the division by the infinity norm."""
    m = np.asarray(states["exp_avg"], dtype=float)
    corr = bias_correction(np.asarray(hyper["beta1"], dtype=float).reshape(-1)[:1] ** np.asarray(t, dtype=float))
    return m / np.where(corr > 0, corr, 1.0)[:, None]


ADAMAX = Optimizer(
    key="adamax",
    label="Adamax",
    latex=(
        r"\begin{aligned}g_t &= \nabla f(\theta_{t-1}) + \lambda\,\theta_{t-1} \\"
        r"m_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g_t \\"
        r"u_t &= \max(\beta_2\, u_{t-1},\ |g_t| + \varepsilon) \\"
        r"\theta_t &= \theta_{t-1} - \frac{\eta}{1-\beta_1^t}\, \frac{m_t}{u_t}\end{aligned}"
    ),
    torch="torch.optim.Adamax(params, lr=η, betas=(β₁, β₂), eps=ε, weight_decay=λ)",
    hypers=(
        lr_spec(2e-3),
        beta_spec("beta1", 0.9, 0.0, 0.999, Msg.of("optimizers.adam.beta1")),
        beta_spec("beta2", 0.999, 0.5, 0.9999, Msg.of("optimizers.adamax.beta2")),
        eps_spec(1e-8),
        weight_decay_spec(0.0),
    ),
    init=_init,
    update=_update,
    state_names={"exp_avg": Msg.of("optimizers.state.first_moment"), "exp_inf": Msg.of("optimizers.state.infinity_norm")},
    preconditioner=_preconditioner,
    explain=_explain,
    stability=lambda hyper, lam_max: None,  # the step is about η whatever the curvature
    arrow=_arrow,
    sweep_axes=("lr", "beta1"),
    kernel=ScalarKernel(_kernel, _kernel_preconditioner, ("beta1",), _kernel_scalars),
    note=Msg.of("optimizers.adamax.note"),
)

__all__ = ["ADAMAX"]
