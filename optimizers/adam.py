r"""Adam and AdamW, as ``torch.optim.Adam`` / ``torch.optim.AdamW`` (amsgrad off)::

    Adam:   g_t = ∇f(θ_{t-1}) + λ θ_{t-1}              (L2 penalty, coupled to the gradient)
    AdamW:  θ'  = θ_{t-1} (1 − η λ),  g_t = ∇f(θ_{t-1})  (decoupled decay, then the Adam step)
    m_t = β₁ m_{t-1} + (1 − β₁) g_t                     (first moment, m_0 = 0)
    v_t = β₂ v_{t-1} + (1 − β₂) g_t²                    (second moment, v_0 = 0)
    θ_t = θ − η/(1 − β₁ᵗ) · m_t / (√v_t / √(1 − β₂ᵗ) + ε)

The last line is torch's arithmetic order: bias corrections are folded into a step size
η/(1 − β₁ᵗ) and a divisor √(1 − β₂ᵗ) applied to √v *before* ε is added (so ε acts on √v̂, as in
the paper), and θ − (step size · m)/denom multiplies before it divides (``addcdiv_``). The first
moment is updated as torch's ``lerp`` (m + (1 − β₁)(g − m), or g − (g − m)β₁ when β₁ ≤ 0.5),
the second as β₂ v + ((1 − β₂) g) g (``mul_``, ``addcmul_``).

Defaults are torch's: lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0 for
Adam and 1e-2 for AdamW.

Why the bias correction: m and v start at zero, so early averages are too small by factors
(1 − β₁ᵗ) and (1 − β₂ᵗ); dividing them out makes the very first step ≈ η·sign(g) per coordinate.
The step count and the β powers live in the state, as in optax (``count``, ``beta1_pow``,
``beta2_pow``). The powers are torch's ``β ** t`` (``transforms.decay_power``: the C library's
pow on Python floats); a sweep over β pays one pow per distinct β per step, and a sweep cell
equals the single run with its β exactly.
"""

from __future__ import annotations

import math

import numpy as np

from .base import Array, Explanation, Optimizer, ScalarKernel, State
from .explain import gradient_lines, num, one_step, row, vec
from .specs import beta_spec, eps_spec, lr_spec, weight_decay_spec
from .transforms import (
    as_grads,
    bias_correction,
    decay_power,
    decoupled_decay,
    ema,
    ema_of_squares,
    hyper_value,
    increment_count,
    l2_decay,
    rms_denominator,
    descend,
    scalar_rule,
)


def _init(params: Array) -> State:
    return {"count": 0, "exp_avg": np.zeros_like(params), "exp_avg_sq": np.zeros_like(params),
            "beta1_pow": 1.0, "beta2_pow": 1.0}


def _adam_step(params: Array, g: Array, state: State, hyper, lr) -> tuple[Array, State]:
    """The shared Adam step on an already weight-decayed gradient (and params, for AdamW)."""
    dtype = params.dtype
    count = increment_count(state)
    beta1 = hyper_value(hyper, "beta1", dtype)
    beta2 = hyper_value(hyper, "beta2", dtype)
    m = ema(state["exp_avg"], g, beta1)  # torch's lerp_(g, 1 - β1)
    v = ema_of_squares(state["exp_avg_sq"], g, beta2)
    pow1 = decay_power(beta1, count, dtype)  # torch: beta1 ** step
    pow2 = decay_power(beta2, count, dtype)
    step_size = lr / bias_correction(pow1)
    denom = rms_denominator(v, hyper_value(hyper, "eps", dtype), _correction_sqrt(beta2, count, dtype))
    new = descend(params, step_size, m, denom)  # torch: param.addcdiv_(m, denom, value=-step_size)
    return new, {"count": count, "exp_avg": m, "exp_avg_sq": v, "beta1_pow": pow1, "beta2_pow": pow2}


def _correction_sqrt(beta2, t: int, dtype) -> "float | Array":
    """(1 − β₂ᵗ) ** 0.5 as torch writes it (a pow, which rounds unlike sqrt now and then)."""
    if not isinstance(beta2, np.ndarray):
        return (1.0 - beta2 ** float(t)) ** 0.5
    return scalar_rule(lambda b: (1.0 - b ** float(t)) ** 0.5, beta2, dtype=dtype)


def _adam_update(params: Array, grads: Array, state: State, hyper, t: int) -> tuple[Array, State]:
    dtype = params.dtype
    g = l2_decay(params, as_grads(grads, dtype), hyper_value(hyper, "weight_decay", dtype))
    return _adam_step(params, g, state, hyper, hyper_value(hyper, "lr", dtype))


def _adamw_update(params: Array, grads: Array, state: State, hyper, t: int) -> tuple[Array, State]:
    dtype = params.dtype
    lr = hyper_value(hyper, "lr", dtype)
    params = decoupled_decay(params, lr, hyper_value(hyper, "weight_decay", dtype))
    return _adam_step(params, as_grads(grads, dtype), state, hyper, lr)


def _preconditioner(state: State, hyper, t: int) -> Array:
    v = state["exp_avg_sq"]
    eps = hyper_value(hyper, "eps", v.dtype)
    c2 = scalar_rule(lambda c: c ** 0.5, bias_correction(state["beta2_pow"]))
    return (1.0 / bias_correction(state["beta1_pow"])) / (np.sqrt(v) / c2 + eps)


# Scalar kernels for the compiled path (one coordinate of one run; see ``ScalarKernel``).
# hy[:, c, h] = lr, beta1, beta2, eps, weight_decay; state entries in ``_init``'s order:
# count, exp_avg, exp_avg_sq, beta1_pow, beta2_pow; sc[d, :] = β₁ᵗ, β₂ᵗ, (1 − β₂ᵗ) ** 0.5.


def _kernel_scalars(beta1: float, beta2: float, t: int) -> tuple[float, float, float]:
    """What ``_adam_step`` computes on Python floats at update t (``decay_power``, ``_correction_sqrt``)."""
    return beta1 ** float(t), beta2 ** float(t), (1.0 - beta2 ** float(t)) ** 0.5


def _adam_kernel(p, g, lr, st, new, i, c, hy, h, sc, d):
    wd = hy[4, c, h]
    if wd != 0.0:  # l2_decay
        g = p * wd + g
    b1 = hy[1, c, h]
    b2 = hy[2, c, h]
    m = st[1, c, i]
    w = 1.0 - b1  # ema: torch's lerp, two forms
    diff = g - m
    m = diff * w + m if w < 0.5 else g - diff * (1.0 - w)
    v = st[2, c, i] * b2 + g * (1.0 - b2) * g  # ema_of_squares
    new[0, c, i] = st[0, c, i] + 1.0
    new[1, c, i] = m
    new[2, c, i] = v
    new[3, c, i] = sc[d, 0]
    new[4, c, i] = sc[d, 1]
    return p - m * (lr / (1.0 - sc[d, 0])) / (math.sqrt(v) / sc[d, 2] + hy[3, c, h])  # descend


def _adamw_kernel(p, g, lr, st, new, i, c, hy, h, sc, d):
    wd = hy[4, c, h]
    if wd != 0.0:  # decoupled_decay
        p = p * (1.0 - lr * wd)
    b1 = hy[1, c, h]
    b2 = hy[2, c, h]
    m = st[1, c, i]
    w = 1.0 - b1
    diff = g - m
    m = diff * w + m if w < 0.5 else g - diff * (1.0 - w)
    v = st[2, c, i] * b2 + g * (1.0 - b2) * g
    new[0, c, i] = st[0, c, i] + 1.0
    new[1, c, i] = m
    new[2, c, i] = v
    new[3, c, i] = sc[d, 0]
    new[4, c, i] = sc[d, 1]
    return p - m * (lr / (1.0 - sc[d, 0])) / (math.sqrt(v) / sc[d, 2] + hy[3, c, h])


def _kernel_preconditioner(new, i, c, hy, h, sc, d):
    return (1.0 / (1.0 - new[3, c, i])) / (math.sqrt(new[2, c, i]) / sc[d, 2] + hy[3, c, h])


def _explain(decoupled: bool):
    update = _adamw_update if decoupled else _adam_update

    def explain(params, grads, state, hyper, t) -> Explanation:
        k = t - 1
        new, after = one_step(update, params, grads, state, hyper, t)
        lr, wd = float(hyper["lr"]), float(hyper["weight_decay"])
        lines, g = gradient_lines(params, grads, 0.0 if decoupled else wd, k)
        base, prev = np.asarray(params, dtype=float), rf"\theta_{{{k}}}"
        if decoupled and wd:
            base, prev = decoupled_decay(base, lr, wd), r"\theta'"
            lines.append(rf"\theta' &= (1 - \eta\lambda)\,\theta_{{{k}}} = {num(1 - lr * wd)}\,{vec(params)} = {vec(base)}")
        b1, b2 = float(hyper["beta1"]), float(hyper["beta2"])
        m_old, v_old, m, v = row(state, "exp_avg"), row(state, "exp_avg_sq"), row(after, "exp_avg"), row(after, "exp_avg_sq")
        lines.append(rf"m_{{{t}}} &= \beta_1 m_{{{k}}} + (1-\beta_1)\, g = {num(b1)}\,{vec(m_old)} + {num(1 - b1)}\,{vec(g)} = {vec(m)}")
        lines.append(rf"v_{{{t}}} &= \beta_2 v_{{{k}}} + (1-\beta_2)\, g^2 = {num(b2)}\,{vec(v_old)} + {num(1 - b2)}\,{vec(g * g)} = {vec(v)}")
        mh = m / bias_correction(float(np.max(after["beta1_pow"])))
        vh = v / bias_correction(float(np.max(after["beta2_pow"])))
        lines.append(rf"\hat m &= \frac{{m_{{{t}}}}}{{1-\beta_1^{{{t}}}}} = {vec(mh)},\quad "
                     rf"\hat v = \frac{{v_{{{t}}}}}{{1-\beta_2^{{{t}}}}} = {vec(vh)}")
        den = np.sqrt(vh) + float(hyper["eps"])
        lines.append(rf"\theta_{{{t}}} &= {prev} - \eta\,\frac{{\hat m}}{{\sqrt{{\hat v}} + \varepsilon}}"
                     rf" = {vec(base)} - {num(lr)}\,{vec(mh)} \oslash {vec(den)} = {vec(new)}")
        return Explanation(tuple(lines), new)

    return explain


def _arrow(states, hyper, t):
    """The bias-corrected first moment m̂ = m/(1 − β₁ᵗ): the averaged gradient the step follows
    before the per-coordinate scaling."""
    m = np.asarray(states["exp_avg"], dtype=float)
    corr = bias_correction(np.asarray(hyper["beta1"], dtype=float).reshape(-1)[:1] ** np.asarray(t, dtype=float))
    return m / np.where(corr > 0, corr, 1.0)[:, None]


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
    explain=_explain(decoupled=False),
    stability=lambda hyper, lam_max: None,  # the step is about η whatever the curvature
    arrow=_arrow,
    sweep_axes=("lr", "beta2"),
    kernel=ScalarKernel(_adam_kernel, _kernel_preconditioner, ("beta1", "beta2"), _kernel_scalars),
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
    explain=_explain(decoupled=True),
    stability=lambda hyper, lam_max: None,  # the step is about η whatever the curvature
    arrow=_arrow,
    sweep_axes=("lr", "beta2"),
    kernel=ScalarKernel(_adamw_kernel, _kernel_preconditioner, ("beta1", "beta2"), _kernel_scalars),
    note=(
        "AdamW shrinks the parameters directly instead of adding λθ to the gradient, so the "
        "decay is not rescaled by Adam's per-coordinate step sizes. Compare it with Adam's "
        "weight_decay: with L2 in the gradient, coordinates with large gradient history are "
        "barely regularized."
    ),
)

__all__ = ["ADAM", "ADAMW"]
