r"""Adam with its bias correction switched off: a teaching variant, not a torch optimizer::

    g_t = ∇f(θ_{t-1}) + λ θ_{t-1}
    m_t = β₁ m_{t-1} + (1 − β₁) g_t          (m_0 = 0)
    v_t = β₂ v_{t-1} + (1 − β₂) g_t²         (v_0 = 0)
    θ_t = θ_{t-1} − η m_t / (√v_t + ε)        (m̂ = m, v̂ = v: nothing divided out)

``torch.optim.Adam`` always bias-corrects; no argument turns it off. This variant exists so
the class can put the uncorrected form beside the corrected one on the same surface: both
averages start at zero, so early m is too small by (1 − β₁ᵗ) and early √v by √(1 − β₂ᵗ). With
torch's β₁ = 0.9, β₂ = 0.999 the second shrinks faster, so the first step is
(1 − β₁)/√(1 − β₂) ≈ 3.16 times Adam's (η·sign g): too large, not too small.

Every operation is rounded as Adam's is (its ``lerp``, ``mul_`` then ``addcmul_``, ``addcdiv_``):
the rule is Adam's with the two correction factors set to 1, which is what the tests check.
"""

from __future__ import annotations

import math

import numpy as np

from i18n import Msg, t as tr

from .base import Array, Explanation, Optimizer, ScalarKernel, State
from .explain import gradient_lines, moment_lines, num, one_step, row, vec
from .kernel_pieces import (
    descend as k_descend,
    ema as k_ema,
    ema_of_squares as k_ema_of_squares,
    l2_decay as k_l2_decay,
)
from .adam import ADAM
from .transforms import as_grads, descend, ema, ema_of_squares, hyper_value, l2_decay, rms_denominator


def _init(params: Array) -> State:
    return {"exp_avg": np.zeros_like(params), "exp_avg_sq": np.zeros_like(params)}


def _update(params: Array, grads: Array, state: State, hyper, t: int) -> tuple[Array, State]:
    dtype = params.dtype
    g = l2_decay(params, as_grads(grads, dtype), hyper_value(hyper, "weight_decay", dtype))
    m = ema(state["exp_avg"], g, hyper_value(hyper, "beta1", dtype))
    v = ema_of_squares(state["exp_avg_sq"], g, hyper_value(hyper, "beta2", dtype))
    denom = rms_denominator(v, hyper_value(hyper, "eps", dtype))
    return descend(params, hyper_value(hyper, "lr", dtype), m, denom), {"exp_avg": m, "exp_avg_sq": v}


def _preconditioner(state: State, hyper, t: int) -> Array:
    v = state["exp_avg_sq"]
    return 1.0 / (np.sqrt(v) + hyper_value(hyper, "eps", v.dtype))


_EXP_AVG, _EXP_AVG_SQ = 0, 1  # state entries, in ``_init``'s order


def _kernel(p, g, lr, st, new, i, c, sc, d, beta1, beta2, eps, weight_decay):
    """``_update`` for one coordinate."""
    g = k_l2_decay(p, g, weight_decay)
    m = k_ema(st[_EXP_AVG, c, i], g, beta1)
    v = k_ema_of_squares(st[_EXP_AVG_SQ, c, i], g, beta2)
    new[_EXP_AVG, c, i] = m
    new[_EXP_AVG_SQ, c, i] = v
    return k_descend(p, lr, m, math.sqrt(v) + eps)


def _kernel_preconditioner(new, i, c, sc, d, eps):
    return 1.0 / (math.sqrt(new[_EXP_AVG_SQ, c, i]) + eps)


def _explain(params, grads, state, hyper, t) -> Explanation:
    k = t - 1
    new, after = one_step(_update, params, grads, state, hyper, t)
    lines, g = gradient_lines(params, grads, float(hyper["weight_decay"]), k)
    b1, b2 = float(hyper["beta1"]), float(hyper["beta2"])
    lines += moment_lines(state, after, g, b1, b2, t)
    m, v = row(after, "exp_avg"), row(after, "exp_avg_sq")
    lines.append(r"&\text{" + tr("optimizers.adam_nobias.explain") + "} "
                 rf"1-\beta_1^{{{t}}} = {num(1 - b1 ** t)}"
                 rf",\ 1-\beta_2^{{{t}}} = {num(1 - b2 ** t)}")
    den = np.sqrt(v) + float(hyper["eps"])
    lines.append(rf"\theta_{{{t}}} &= \theta_{{{k}}} - \eta\,\frac{{m_{{{t}}}}}{{\sqrt{{v_{{{t}}}}} + \varepsilon}}"
                 rf" = {vec(params)} - {num(float(hyper['lr']))}\,{vec(m)} \oslash {vec(den)} = {vec(new)}")
    return Explanation(tuple(lines), new)


def _arrow(states, hyper, t):
    """The uncorrected first moment m: the average the step follows, as small as it starts."""
    return np.asarray(states["exp_avg"], dtype=float)


ADAM_NO_BIAS_CORRECTION = Optimizer(
    key="adam_nobias",
    label=Msg.of("optimizers.adam_nobias.label"),
    latex=(
        r"\begin{aligned}g_t &= \nabla f(\theta_{t-1}) + \lambda\,\theta_{t-1} \\"
        r"m_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g_t \\"
        r"v_t &= \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2 \\"
        r"\theta_t &= \theta_{t-1} - \eta\, \frac{m_t}{\sqrt{v_t} + \varepsilon}\end{aligned}"
    ),
    torch=Msg.of("optimizers.adam_nobias.torch"),
    hypers=ADAM.hypers,
    init=_init,
    update=_update,
    state_names={"exp_avg": Msg.of("optimizers.state.first_moment"), "exp_avg_sq": Msg.of("optimizers.state.second_moment")},
    preconditioner=_preconditioner,
    explain=_explain,
    stability=lambda hyper, lam_max: None,  # the step is rescaled by the gradient's own size
    arrow=_arrow,
    sweep_axes=("lr", "beta2"),
    kernel=ScalarKernel(_kernel, _kernel_preconditioner),
    teaching_variant_of="adam",
    note=Msg.of("optimizers.adam_nobias.note"),
)

__all__ = ["ADAM_NO_BIAS_CORRECTION"]
