r"""NAdam (Adam with Nesterov momentum), as ``torch.optim.NAdam`` (L2 weight decay, torch's
default ``decoupled_weight_decay=False``)::

    g_t   = ∇f(θ_{t-1}) + λ θ_{t-1}
    μ_t   = β₁ (1 − ½ · 0.96^(t ψ))                 (momentum schedule, ψ = momentum_decay)
    Π_t   = μ_1 μ_2 ⋯ μ_t                           (mu_product)
    m_t   = β₁ m_{t-1} + (1 − β₁) g_t                (first moment, m_0 = 0)
    v_t   = β₂ v_{t-1} + (1 − β₂) g_t²               (second moment, v_0 = 0)
    d_t   = √(v_t / (1 − β₂ᵗ)) + ε
    θ_t   = θ_{t-1} − η (1 − μ_t)/(1 − Π_t) · g_t / d_t − η μ_{t+1}/(1 − Π_{t+1}) · m_t / d_t

Defaults are torch's: lr = 2e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0,
momentum_decay = 4e-3.

Why it matters for a lesson: Adam's step follows the averaged gradient m; NAdam applies
Nesterov's look-ahead to it, weighting this step's own gradient (1 − μ_t) and the *next*
step's momentum μ_{t+1}, as Nesterov's look-ahead does for heavy-ball momentum. The momentum schedule starts
μ at β₁/2 and warms it up towards β₁ slowly (defaults β₁ = 0.9, ψ = 0.004): 0.450 at step 1,
0.472 at step 300, 0.518 at step 1,000, half-way (0.675) near step 4,245, 0.812 at step 10,000.
The first step is not gentler than Adam's: at the same lr it is 1.056× as long (0.317 against
0.300 per coordinate on the bowl from (−7, 2) at lr 0.3). The step count, Π_t and β₂ᵗ live in
the state, as in optax.
"""

from __future__ import annotations

import math

import numpy as np

from i18n import Msg

from .base import Array, Explanation, HyperSpec, Optimizer, ScalarKernel, State
from .explain import gradient_lines, num, one_step, row, vec
from .kernel_pieces import ema as k_ema, ema_of_squares as k_ema_of_squares, l2_decay as k_l2_decay
from .specs import beta_spec, eps_spec, lr_spec, weight_decay_spec
from .transforms import (
    as_grads,
    bias_correction,
    decay_power,
    ema,
    ema_of_squares,
    hyper_value,
    increment_count,
    l2_decay,
    scalar_rule,
)

#: The base of torch's momentum schedule μ_t = β₁(1 − ½·0.96^(tψ)).
SCHEDULE_BASE = 0.96


def momentum_at(beta1: "float | Array", psi: "float | Array", t: "int | Array") -> "float | Array":
    """μ_t = β₁ (1 − ½ · 0.96^(t ψ)), as torch computes it (Python floats stay Python floats)."""
    if isinstance(t, np.ndarray):  # a whole schedule at once (the player's arrows)
        return beta1 * (1.0 - 0.5 * np.power(SCHEDULE_BASE, t * psi))
    # torch's Python-float expression; per-run β₁/ψ arrays get one pow per distinct pair
    dtype = next((v.dtype for v in (beta1, psi) if isinstance(v, np.ndarray)), None)
    return scalar_rule(lambda b, p: b * (1.0 - 0.5 * (SCHEDULE_BASE ** (t * p))), beta1, psi, dtype=dtype)


def _init(params: Array) -> State:
    return {"count": 0, "exp_avg": np.zeros_like(params), "exp_avg_sq": np.zeros_like(params),
            "mu_product": 1.0, "beta2_pow": 1.0}


def _update(params: Array, grads: Array, state: State, hyper, t: int) -> tuple[Array, State]:
    dtype = params.dtype
    count = increment_count(state)
    lr = hyper_value(hyper, "lr", dtype)
    beta1 = hyper_value(hyper, "beta1", dtype)
    beta2 = hyper_value(hyper, "beta2", dtype)
    psi = hyper_value(hyper, "momentum_decay", dtype)
    g = l2_decay(params, as_grads(grads, dtype), hyper_value(hyper, "weight_decay", dtype))
    mu = momentum_at(beta1, psi, count)
    mu_next = momentum_at(beta1, psi, count + 1)
    mu_product = state["mu_product"] * mu
    m = ema(state["exp_avg"], g, beta1)  # torch's lerp
    v = ema_of_squares(state["exp_avg_sq"], g, beta2)
    pow2 = decay_power(beta2, count, dtype)  # torch: beta2 ** step
    denom = np.sqrt(v / bias_correction(pow2))
    denom += hyper_value(hyper, "eps", dtype)
    step = g * (lr * (1.0 - mu) / (1.0 - mu_product))
    step /= denom
    look = m * (lr * mu_next / (1.0 - mu_product * mu_next))
    look /= denom
    new = params - step
    new -= look
    return new, {"count": count, "exp_avg": m, "exp_avg_sq": v, "mu_product": mu_product, "beta2_pow": pow2}


def _preconditioner(state: State, hyper, t: int) -> Array:
    """The factor of η on the momentum term: μ_{t+1}/(1 − Π_{t+1}) / d_t."""
    v = state["exp_avg_sq"]
    dtype = v.dtype
    mu_next = momentum_at(hyper_value(hyper, "beta1", dtype), hyper_value(hyper, "momentum_decay", dtype),
                          increment_count(state))
    denom = np.sqrt(v / bias_correction(state["beta2_pow"])) + hyper_value(hyper, "eps", dtype)
    return mu_next / (1.0 - state["mu_product"] * mu_next) / denom


# Scalar kernel for the compiled path (one coordinate of one run; see ``ScalarKernel``):
# hyperparameters by name; state entries by their index in ``_init``'s dict; per-step scalars
# by their index in ``_kernel_scalars``' tuple.
_COUNT, _EXP_AVG, _EXP_AVG_SQ, _MU_PRODUCT, _BETA2_POW = range(5)
_MU, _MU_NEXT, _POW2 = range(3)


def _kernel_scalars(beta1: float, beta2: float, psi: float, t: int) -> tuple[float, float, float]:
    """What ``_update`` computes on Python floats at update t."""
    return momentum_at(beta1, psi, t), momentum_at(beta1, psi, t + 1), beta2 ** float(t)


def _kernel(p, g, lr, st, new, i, c, sc, d, beta1, beta2, eps, weight_decay):
    g = k_l2_decay(p, g, weight_decay)
    mu = sc[d, _MU]
    mu_next = sc[d, _MU_NEXT]
    mu_product = st[_MU_PRODUCT, c, i] * mu
    m = k_ema(st[_EXP_AVG, c, i], g, beta1)
    v = k_ema_of_squares(st[_EXP_AVG_SQ, c, i], g, beta2)
    denom = math.sqrt(v / (1.0 - sc[d, _POW2])) + eps
    new[_COUNT, c, i] = st[_COUNT, c, i] + 1.0
    new[_EXP_AVG, c, i] = m
    new[_EXP_AVG_SQ, c, i] = v
    new[_MU_PRODUCT, c, i] = mu_product
    new[_BETA2_POW, c, i] = sc[d, _POW2]
    step = g * (lr * (1.0 - mu) / (1.0 - mu_product)) / denom
    look = m * (lr * mu_next / (1.0 - mu_product * mu_next)) / denom
    return p - step - look


def _kernel_preconditioner(new, i, c, sc, d, eps):
    mu_next = sc[d, _MU_NEXT]
    denom = math.sqrt(new[_EXP_AVG_SQ, c, i] / (1.0 - new[_BETA2_POW, c, i])) + eps
    return mu_next / (1.0 - new[_MU_PRODUCT, c, i] * mu_next) / denom


def _explain(params, grads, state, hyper, t) -> Explanation:
    k = t - 1
    new, after = one_step(_update, params, grads, state, hyper, t)
    lines, g = gradient_lines(params, grads, float(hyper["weight_decay"]), k)
    b1, b2, psi, lr = float(hyper["beta1"]), float(hyper["beta2"]), float(hyper["momentum_decay"]), float(hyper["lr"])
    mu, mu_next = momentum_at(b1, psi, t), momentum_at(b1, psi, t + 1)
    prod, prod_next = float(np.max(after["mu_product"])), float(np.max(after["mu_product"])) * mu_next
    lines.append(rf"\mu_{{{t}}} &= \beta_1(1 - \tfrac12\, 0.96^{{{t}\psi}}) = {num(mu)},\quad "
                 rf"\mu_{{{t + 1}}} = {num(mu_next)},\quad \Pi_{{{t}}} = {num(prod)}")
    m_old, v_old, m, v = row(state, "exp_avg"), row(state, "exp_avg_sq"), row(after, "exp_avg"), row(after, "exp_avg_sq")
    lines.append(rf"m_{{{t}}} &= \beta_1 m_{{{k}}} + (1-\beta_1)\, g = {num(b1)}\,{vec(m_old)} + {num(1 - b1)}\,{vec(g)} = {vec(m)}")
    lines.append(rf"v_{{{t}}} &= \beta_2 v_{{{k}}} + (1-\beta_2)\, g^2 = {num(b2)}\,{vec(v_old)} + {num(1 - b2)}\,{vec(g * g)} = {vec(v)}")
    den = np.sqrt(v / bias_correction(float(np.max(after["beta2_pow"])))) + float(hyper["eps"])
    lines.append(rf"d &= \sqrt{{v_{{{t}}}/(1-\beta_2^{{{t}}})}} + \varepsilon = {vec(den)}")
    c_g, c_m = lr * (1 - mu) / (1 - prod), lr * mu_next / (1 - prod_next)
    lines.append(rf"\theta_{{{t}}} &= \theta_{{{k}}} - \frac{{\eta(1-\mu_{{{t}}})}}{{1-\Pi_{{{t}}}}}\,\frac{{g}}{{d}}"
                 rf" - \frac{{\eta\,\mu_{{{t + 1}}}}}{{1-\Pi_{{{t + 1}}}}}\,\frac{{m_{{{t}}}}}{{d}}"
                 rf" = {vec(params)} - {num(c_g)}\,{vec(g)} \oslash {vec(den)} - {num(c_m)}\,{vec(m)} \oslash {vec(den)}"
                 rf" = {vec(new)}")
    return Explanation(tuple(lines), new)


def _arrow(states, hyper, t):
    """The look-ahead momentum μ_{t+1} m_t / (1 − Π_{t+1}): the averaged gradient the step
    follows, scaled as in the update (before the per-coordinate division)."""
    t = np.asarray(t, dtype=float)
    b1 = float(np.max(hyper["beta1"]))
    psi = float(np.max(hyper["momentum_decay"]))
    mus = momentum_at(b1, psi, np.arange(1, len(t) + 2, dtype=float))
    prod_next = np.cumprod(mus)[1:]
    scale = mus[1:] / (1.0 - prod_next)
    return np.asarray(states["exp_avg"], dtype=float) * scale[:, None]


MOMENTUM_DECAY = HyperSpec(
    key="momentum_decay",
    symbol=r"\psi",
    default=4e-3,
    low=1e-4,
    high=0.1,
    log=True,
    help=Msg.of("optimizers.nadam.momentum_decay"),
)

NADAM = Optimizer(
    key="nadam",
    label="NAdam",
    latex=(
        r"\begin{aligned}g_t &= \nabla f(\theta_{t-1}) + \lambda\,\theta_{t-1} \\"
        r"\mu_t &= \beta_1\big(1 - \tfrac12\, 0.96^{t\psi}\big), \quad \Pi_t = \textstyle\prod_{i \le t} \mu_i \\"
        r"m_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g_t \\"
        r"v_t &= \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2 \\"
        r"\theta_t &= \theta_{t-1} - \eta\,\Big(\frac{1-\mu_t}{1-\Pi_t}\, g_t"
        r" + \frac{\mu_{t+1}}{1-\Pi_{t+1}}\, m_t\Big) \Big/ \Big(\sqrt{\tfrac{v_t}{1-\beta_2^t}} + \varepsilon\Big)"
        r"\end{aligned}"
    ),
    torch="torch.optim.NAdam(params, lr=η, betas=(β₁, β₂), eps=ε, weight_decay=λ, momentum_decay=ψ)",
    hypers=(
        lr_spec(2e-3),
        beta_spec("beta1", 0.9, 0.0, 0.999, Msg.of("optimizers.nadam.beta1")),
        beta_spec("beta2", 0.999, 0.5, 0.9999, Msg.of("optimizers.adam.beta2")),
        eps_spec(1e-8),
        weight_decay_spec(0.0),
        MOMENTUM_DECAY,
    ),
    init=_init,
    update=_update,
    state_names={"exp_avg": Msg.of("optimizers.state.first_moment"), "exp_avg_sq": Msg.of("optimizers.state.second_moment")},
    preconditioner=_preconditioner,
    explain=_explain,
    stability=lambda hyper, lam_max: None,  # the step is about η whatever the curvature
    arrow=_arrow,
    sweep_axes=("lr", "momentum_decay"),
    kernel=ScalarKernel(_kernel, _kernel_preconditioner, ("beta1", "beta2", "momentum_decay"), _kernel_scalars),
    note=Msg.of("optimizers.nadam.note"),
)

__all__ = ["NADAM"]
