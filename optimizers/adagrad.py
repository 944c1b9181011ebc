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

import math

import numpy as np

from i18n import Msg

from .base import Array, Explanation, Optimizer, ScalarKernel, State
from .explain import gradient_lines, num, one_step, row, vec
from .kernel_pieces import l2_decay as k_l2_decay
from .specs import eps_spec, lr_spec, weight_decay_spec
from .transforms import as_grads, descend, hyper_value, l2_decay


def _init(params: Array) -> State:
    return {"sum": np.zeros_like(params)}


def _update(params: Array, grads: Array, state: State, hyper, t: int) -> tuple[Array, State]:
    dtype = params.dtype
    g = l2_decay(params, as_grads(grads, dtype), hyper_value(hyper, "weight_decay", dtype))
    s = g * g
    s += state["sum"]
    std = np.sqrt(s)
    std += hyper_value(hyper, "eps", dtype)
    # torch: param.addcdiv_(g, std, value=-lr), i.e. θ + (−η g)/std (product, then division)
    return descend(params, hyper_value(hyper, "lr", dtype), g, std), {"sum": s}


def _preconditioner(state: State, hyper, t: int) -> Array:
    s = state["sum"]
    return 1.0 / (np.sqrt(s) + hyper_value(hyper, "eps", s.dtype))


# Scalar kernel for the compiled path (one coordinate of one run; see ``ScalarKernel``).
_SUM = 0  # state entry


def _kernel(p, g, lr, st, new, i, c, sc, d, eps, weight_decay):
    """``_update`` for one coordinate."""
    g = k_l2_decay(p, g, weight_decay)
    s = g * g + st[_SUM, c, i]
    new[_SUM, c, i] = s
    return p - g * lr / (math.sqrt(s) + eps)


def _kernel_preconditioner(new, i, c, sc, d, eps):
    return 1.0 / (math.sqrt(new[_SUM, c, i]) + eps)


def _explain(params, grads, state, hyper, t) -> Explanation:
    k = t - 1
    new, after = one_step(_update, params, grads, state, hyper, t)
    lines, g = gradient_lines(params, grads, float(hyper["weight_decay"]), k)
    s_old, s = row(state, "sum"), row(after, "sum")
    lines.append(rf"s_{{{t}}} &= s_{{{k}}} + g^2 = {vec(s_old)} + {vec(g * g)} = {vec(s)}")
    den = np.sqrt(s) + float(hyper["eps"])
    lines.append(rf"\theta_{{{t}}} &= \theta_{{{k}}} - \eta\, \frac{{g}}{{\sqrt{{s_{{{t}}}}} + \varepsilon}}"
                 rf" = {vec(params)} - {num(float(hyper['lr']))}\,{vec(g)} \oslash {vec(den)} = {vec(new)}")
    return Explanation(tuple(lines), new)


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
    state_names={"sum": Msg.of("optimizers.state.sum")},
    preconditioner=_preconditioner,
    explain=_explain,
    stability=lambda hyper, lam_max: None,  # the step is rescaled by the gradient's own size
    arrow=lambda states, hyper, t: None,
    kernel=ScalarKernel(_kernel, _kernel_preconditioner),
    sweep_axes=("lr", "eps"),
    note=Msg.of("optimizers.adagrad.note"),
)

__all__ = ["ADAGRAD"]
