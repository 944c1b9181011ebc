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


import numpy as np

from i18n import Msg

from .base import Array, Explanation, Optimizer, ScalarKernel, State
from .explain import gradient_lines, moment_lines, num, one_step, row, vec
from .kernel_pieces import (
    decoupled_decay as k_decoupled_decay,
    descend as k_descend,
    ema as k_ema,
    ema_of_squares as k_ema_of_squares,
    l2_decay as k_l2_decay,
    rms_denominator as k_rms_denominator,
)
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


# Scalar kernels for the compiled path (one coordinate of one run; see ``ScalarKernel``):
# hyperparameters by name; state entries by their index in ``_init``'s dict; per-step scalars
# by their index in ``_kernel_scalars``' tuple.
_COUNT, _EXP_AVG, _EXP_AVG_SQ, _BETA1_POW, _BETA2_POW = range(5)
_POW1, _POW2, _CORRECTION_SQRT = range(3)


def _kernel_scalars(beta1: float, beta2: float, t: int) -> tuple[float, float, float]:
    """What ``_adam_step`` computes on Python floats at update t (``decay_power``, ``_correction_sqrt``)."""
    return beta1 ** float(t), beta2 ** float(t), (1.0 - beta2 ** float(t)) ** 0.5


def _adam_step_kernel(p, g, lr, st, new, i, c, sc, d, beta1, beta2, eps):
    """``_adam_step`` for one coordinate: on an already weight-decayed gradient (and params)."""
    m = k_ema(st[_EXP_AVG, c, i], g, beta1)
    v = k_ema_of_squares(st[_EXP_AVG_SQ, c, i], g, beta2)
    new[_COUNT, c, i] = st[_COUNT, c, i] + 1.0
    new[_EXP_AVG, c, i] = m
    new[_EXP_AVG_SQ, c, i] = v
    new[_BETA1_POW, c, i] = sc[d, _POW1]
    new[_BETA2_POW, c, i] = sc[d, _POW2]
    denom = k_rms_denominator(v, eps, sc[d, _CORRECTION_SQRT])
    return k_descend(p, lr / (1.0 - sc[d, _POW1]), m, denom)


def _adam_kernel(p, g, lr, st, new, i, c, sc, d, beta1, beta2, eps, weight_decay):
    g = k_l2_decay(p, g, weight_decay)
    return _adam_step_kernel(p, g, lr, st, new, i, c, sc, d, beta1, beta2, eps)


def _adamw_kernel(p, g, lr, st, new, i, c, sc, d, beta1, beta2, eps, weight_decay):
    p = k_decoupled_decay(p, lr, weight_decay)
    return _adam_step_kernel(p, g, lr, st, new, i, c, sc, d, beta1, beta2, eps)


def _kernel_preconditioner(new, i, c, sc, d, eps):
    denom = k_rms_denominator(new[_EXP_AVG_SQ, c, i], eps, sc[d, _CORRECTION_SQRT])
    return (1.0 / (1.0 - new[_BETA1_POW, c, i])) / denom


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
        lines += moment_lines(state, after, g, float(hyper["beta1"]), float(hyper["beta2"]), t)
        m, v = row(after, "exp_avg"), row(after, "exp_avg_sq")
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


_BETA1 = beta_spec("beta1", 0.9, 0.0, 0.999, Msg.of("optimizers.adam.beta1"))
_BETA2 = beta_spec("beta2", 0.999, 0.5, 0.9999, Msg.of("optimizers.adam.beta2"))

_STATES = {"exp_avg": Msg.of("optimizers.state.first_moment"), "exp_avg_sq": Msg.of("optimizers.state.second_moment")}

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
    state_names=_STATES,
    preconditioner=_preconditioner,
    explain=_explain(decoupled=False),
    stability=lambda hyper, lam_max: None,  # the step is about η whatever the curvature
    arrow=_arrow,
    sweep_axes=("lr", "beta2"),
    kernel=ScalarKernel(_adam_kernel, _kernel_preconditioner, ("beta1", "beta2"), _kernel_scalars),
    note=Msg.of("optimizers.adam.note"),
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
    state_names=_STATES,
    preconditioner=_preconditioner,
    explain=_explain(decoupled=True),
    stability=lambda hyper, lam_max: None,  # the step is about η whatever the curvature
    arrow=_arrow,
    sweep_axes=("lr", "beta2"),
    kernel=ScalarKernel(_adamw_kernel, _kernel_preconditioner, ("beta1", "beta2"), _kernel_scalars),
    note=Msg.of("optimizers.adamw.note"),
)

__all__ = ["ADAM", "ADAMW"]
