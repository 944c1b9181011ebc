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

import numpy as np

from i18n import Msg, t as tr
from i18n.fields import Deferred, LazyText

from .base import Array, Explanation, Optimizer, ScalarKernel, StabilityLimit, State
from .explain import gradient_lines, num, one_step, row, vec
from .kernel_pieces import l2_decay as k_l2_decay, momentum_trace as k_momentum_trace
from .specs import lr_spec, momentum_spec, weight_decay_spec
from .transforms import as_grads, hyper_value, l2_decay, momentum_trace

#: The note on the three ways books write momentum (the catalog's optimizers.momentum.conventions):
#: a str in the reader's language wherever it is read.
MOMENTUM_CONVENTIONS = LazyText(key="optimizers.momentum.conventions")


def _sgd_init(params: Array) -> State:
    return {}


def _buf_init(params: Array) -> State:
    return {"buf": np.zeros_like(params)}


def _decayed_grad(params: Array, grads: Array, hyper) -> Array:
    dtype = params.dtype
    return l2_decay(params, as_grads(grads, dtype), hyper_value(hyper, "weight_decay", dtype))


def _sgd_update(params: Array, grads: Array, state: State, hyper, t: int):
    step = _decayed_grad(params, grads, hyper) * hyper_value(hyper, "lr", params.dtype)
    return params - step, {}


def _momentum_update(params: Array, grads: Array, state: State, hyper, t: int) -> tuple[Array, State]:
    dtype = params.dtype
    buf = momentum_trace(state["buf"], _decayed_grad(params, grads, hyper), hyper_value(hyper, "momentum", dtype))
    step = buf * hyper_value(hyper, "lr", dtype)
    return params - step, {"buf": buf}


def _nesterov_update(params: Array, grads: Array, state: State, hyper, t: int) -> tuple[Array, State]:
    dtype = params.dtype
    mu = hyper_value(hyper, "momentum", dtype)
    g = _decayed_grad(params, grads, hyper)
    buf = momentum_trace(state["buf"], g, mu)
    step = buf * mu  # g + μ b: look ahead along the freshly updated velocity
    step += g
    step *= hyper_value(hyper, "lr", dtype)
    return params - step, {"buf": buf}


# Scalar kernels for the compiled path (one coordinate of one run; see ``ScalarKernel``):
# hyperparameters by name, state entries by their index in ``init``'s dict.
_BUF = 0


def _sgd_kernel(p, g, lr, st, new, i, c, sc, d, weight_decay):
    return p - k_l2_decay(p, g, weight_decay) * lr


def _momentum_kernel(p, g, lr, st, new, i, c, sc, d, momentum, weight_decay):
    buf = k_momentum_trace(st[_BUF, c, i], k_l2_decay(p, g, weight_decay), momentum)
    new[_BUF, c, i] = buf
    return p - buf * lr


def _nesterov_kernel(p, g, lr, st, new, i, c, sc, d, momentum, weight_decay):
    g = k_l2_decay(p, g, weight_decay)
    buf = k_momentum_trace(st[_BUF, c, i], g, momentum)
    new[_BUF, c, i] = buf
    return p - k_momentum_trace(buf, g, momentum) * lr  # torch: g + μ·buf


def _ones_kernel(new, i, c, sc, d):
    return 1.0


def _ones(state: State, hyper, t: int) -> Array:
    for value in state.values():
        return np.ones_like(value)
    return np.ones(())


# ---------------------------------------------------------------------- what the app shows


def _sgd_explain(params, grads, state, hyper, t) -> Explanation:
    k = t - 1
    new, _ = one_step(_sgd_update, params, grads, state, hyper, t)
    lines, g = gradient_lines(params, grads, float(hyper["weight_decay"]), k)
    lines.append(rf"\theta_{{{t}}} &= \theta_{{{k}}} - \eta\, g = {vec(params)} - {num(float(hyper['lr']))}\,{vec(g)} = {vec(new)}")
    return Explanation(tuple(lines), new)


def _momentum_lines(update, params, grads, state, hyper, t):
    k = t - 1
    new, after = one_step(update, params, grads, state, hyper, t)
    lines, g = gradient_lines(params, grads, float(hyper["weight_decay"]), k)
    mu, b_old, b = float(hyper["momentum"]), row(state, "buf"), row(after, "buf")
    lines.append(rf"b_{{{t}}} &= \mu\, b_{{{k}}} + g = {num(mu)}\,{vec(b_old)} + {vec(g)} = {vec(b)}")
    return lines, g, b, new


def _momentum_explain(params, grads, state, hyper, t) -> Explanation:
    lines, _, b, new = _momentum_lines(_momentum_update, params, grads, state, hyper, t)
    lines.append(rf"\theta_{{{t}}} &= \theta_{{{t - 1}}} - \eta\, b_{{{t}}} = {vec(params)} - "
                 rf"{num(float(hyper['lr']))}\,{vec(b)} = {vec(new)}")
    return Explanation(tuple(lines), new)


def course_nesterov_point(params: Array, buf: Array, hyper) -> tuple[Array, Array]:
    """The course's (Sutskever's) iterate θ̃ and velocity ṽ behind torch's θ and b, for a
    constant η: ṽ = −η b and θ̃ = θ − μ ṽ, so torch's θ is the course's look-ahead point θ̃ + μ ṽ."""
    lr, mu = float(hyper["lr"]), float(hyper["momentum"])
    v = -lr * np.asarray(buf, dtype=float)
    return np.asarray(params, dtype=float) - mu * v, v


def _nesterov_explain(params, grads, state, hyper, t) -> Explanation:
    k = t - 1
    lines, g, b, new = _momentum_lines(_nesterov_update, params, grads, state, hyper, t)
    mu, eta = float(hyper["momentum"]), num(float(hyper["lr"]))
    # the course's form of the same step first: its iterate θ̃ sits μṽ behind the plotted θ, and
    # the gradient g above is the one it takes at its look-ahead point θ̃ + μṽ (= θ)
    th_old, v_old = course_nesterov_point(params, row(state, "buf"), hyper)
    th_new, v_new = course_nesterov_point(new, b, hyper)
    lines.append(r"&\text{" + tr("optimizers.nesterov.explain_course", eta=r"}\eta\text{") + r"} \tilde v = -\eta b,\ "
                 r"\tilde\theta = \theta - \mu\tilde v")
    lines.append(rf"\tilde v_{{{t}}} &= \mu\,\tilde v_{{{k}}} - \eta\,\nabla f(\tilde\theta_{{{k}}} + \mu\tilde v_{{{k}}})"
                 rf" = {num(mu)}\,{vec(v_old)} - {eta}\,{vec(g)} = {vec(v_new)}")
    lines.append(rf"\tilde\theta_{{{t}}} &= \tilde\theta_{{{k}}} + \tilde v_{{{t}}} = {vec(th_old)} + {vec(v_new)}"
                 rf" = {vec(th_new)},\quad \tilde\theta_{{{t}}} + \mu\tilde v_{{{t}}} = {vec(th_new + mu * v_new)}")
    d = g + mu * b
    lines.append(rf"\theta_{{{t}}} &= \theta_{{{k}}} - \eta\,(g + \mu b_{{{t}}})\ \text{{" + tr("optimizers.nesterov.explain_torch") + "}"
                 rf" = {vec(params)} - {eta}\,{vec(d)} = {vec(new)}")
    return Explanation(tuple(lines), new)


def _curvature(hyper, lam_max: float) -> tuple[float, str]:
    """λmax plus the L2 weight decay (which adds λ_wd to every curvature), and its text."""
    wd = float(hyper["weight_decay"])
    lam = float(lam_max) + wd
    if not wd:
        return lam, f"{lam:.4g}"
    return lam, tr("optimizers.stability.curvature_with_decay", lam=lam, lam_max=lam_max,
                  wd=wd)


def _sgd_stability(hyper, lam_max: float) -> StabilityLimit | None:
    """θ ← (1 − ηλ)θ is stable iff ηλ < 2."""
    lam, txt = _curvature(hyper, lam_max)
    if not lam > 0:
        return None
    return StabilityLimit(2.0 / lam, r"\eta < 2/\lambda_{\max}", f"2 / {txt} = {2.0 / lam:.4g}")


def _momentum_stability(hyper, lam_max: float) -> StabilityLimit | None:
    """The iteration on (θ, ηb) has trace 1 + μ − ηλ and determinant μ: stable iff ηλ < 2(1 + μ)."""
    lam, txt = _curvature(hyper, lam_max)
    if not lam > 0:
        return None
    mu = float(hyper["momentum"])
    lim = 2.0 * (1.0 + mu) / lam
    return StabilityLimit(lim, r"\eta < 2(1+\mu)/\lambda_{\max}", f"2·(1 + {mu:g}) / {txt} = {lim:.4g}")


def _nesterov_stability(hyper, lam_max: float) -> StabilityLimit | None:
    """Trace (1 + μ)(1 − ηλ), determinant μ(1 − ηλ): an eigenvalue reaches −1 at
    ηλ = 2(1 + μ)/(1 + 2μ), *smaller* than heavy-ball's 2(1 + μ) (torch's convention)."""
    lam, txt = _curvature(hyper, lam_max)
    if not lam > 0:
        return None
    mu = float(hyper["momentum"])
    lim = 2.0 * (1.0 + mu) / ((1.0 + 2.0 * mu) * lam)
    return StabilityLimit(lim, r"\eta < \frac{2(1+\mu)}{(1+2\mu)\,\lambda_{\max}}",
                          f"2·(1 + {mu:g}) / ((1 + 2·{mu:g})·{txt}) = {lim:.4g}")


def _no_arrow(states, hyper, t):
    return None


def _velocity_arrow(states, hyper, t):
    """The momentum buffer b (none when μ = 0: then b is just this step's gradient)."""
    if "buf" not in states or float(np.max(hyper["momentum"])) <= 0:
        return None
    return np.asarray(states["buf"], dtype=float)


_WD = r"g_t &= \nabla f(\theta_{t-1}) + \lambda\,\theta_{t-1} \\"
_MU = dict(torch_default=0.0, help=Msg.of("optimizers.momentum.help_sgd"))

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
    explain=_sgd_explain,
    stability=_sgd_stability,
    arrow=_no_arrow,
    sweep_axes=("lr", "weight_decay"),
    kernel=ScalarKernel(_sgd_kernel, _ones_kernel),
    note=Msg.of("optimizers.sgd.note"),
)

MOMENTUM = Optimizer(
    key="momentum",
    label=Msg.of("optimizers.momentum.label"),
    latex=(
        r"\begin{aligned}" + _WD + r"b_t &= \mu\, b_{t-1} + g_t \quad (b_1 = g_1) \\"
        r"\theta_t &= \theta_{t-1} - \eta\, b_t\end{aligned}"
    ),
    torch="torch.optim.SGD(params, lr=η, momentum=μ, weight_decay=λ)",
    hypers=(lr_spec(1e-3), momentum_spec(0.9, **_MU), weight_decay_spec(0.0)),
    init=_buf_init,
    update=_momentum_update,
    state_names={"buf": Msg.of("optimizers.state.velocity")},
    preconditioner=_ones,
    explain=_momentum_explain,
    stability=_momentum_stability,
    arrow=_velocity_arrow,
    sweep_axes=("lr", "momentum"),
    kernel=ScalarKernel(_momentum_kernel, _ones_kernel),
    note=Msg.of("optimizers.momentum.note"),
)

NESTEROV = Optimizer(
    key="nesterov",
    label=Msg.of("optimizers.nesterov.label"),
    latex=Deferred(lambda: (
        r"\begin{aligned}&\text{" + tr("optimizers.nesterov.rule_torch", theta=r"} \theta\text{") + r"} \\" + _WD
        + r"b_t &= \mu\, b_{t-1} + g_t \quad (b_1 = g_1) \\"
        r"\theta_t &= \theta_{t-1} - \eta\,(g_t + \mu\, b_t) \\"
        r"&\text{" + tr("optimizers.nesterov.rule_course") + r"} \\"
        r"\tilde v_t &= \mu\,\tilde v_{t-1} - \eta\, g_t, \\"
        r"&\quad g_t \text{" + tr("optimizers.nesterov.rule_at") + r"} \tilde\theta_{t-1} + \mu\,\tilde v_{t-1} \\"
        r"\tilde\theta_t &= \tilde\theta_{t-1} + \tilde v_t \\"
        r"\theta_t &= \tilde\theta_t + \mu\,\tilde v_t, \quad \tilde v_t = -\eta\, b_t\end{aligned}"
    )),
    torch="torch.optim.SGD(params, lr=η, momentum=μ, nesterov=True, weight_decay=λ)",
    hypers=(lr_spec(1e-3), momentum_spec(0.9, **_MU, positive=True), weight_decay_spec(0.0)),
    init=_buf_init,
    update=_nesterov_update,
    state_names={"buf": Msg.of("optimizers.state.velocity")},
    preconditioner=_ones,
    explain=_nesterov_explain,
    stability=_nesterov_stability,
    arrow=_velocity_arrow,
    sweep_axes=("lr", "momentum"),
    kernel=ScalarKernel(_nesterov_kernel, _ones_kernel),
    note=Msg.of("optimizers.nesterov.note"),
)

__all__ = ["SGD", "MOMENTUM", "NESTEROV", "MOMENTUM_CONVENTIONS"]
