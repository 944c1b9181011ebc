r"""Learning-rate schedules and gradient clipping.

Index convention (the one thing every schedule bug is about)
-----------------------------------------------------------
``t`` is the 1-based index of an optimizer update, and ``factor(t, T)`` is the multiplier of
the base learning rate *in force during update t* (T = total number of updates)::

    lr_t = base_lr * factor(t, T)

PyTorch schedulers count completed epochs e = t − 1 (``scheduler.step()`` runs *after*
``optimizer.step()``), so a schedule here equals torch's when you substitute e = t − 1:

=============== ======================================= ==========================================
key             factor(t, T)                            torch equivalent
=============== ======================================= ==========================================
constant        1                                       (none)
step            γ^⌊(t−1)/k⌋                             StepLR(step_size=k, gamma=γ)
exponential     γ^(t−1)                                 ExponentialLR(gamma=γ)
inverse_time    1 / (1 + k (t−1))                       LambdaLR(lambda e: 1 / (1 + k·e))
cosine          r + (1−r)(1 + cos(π (t−1)/T))/2         CosineAnnealingLR(T_max=T, eta_min=r·lr)
warmup          min(1, t/W)                             LinearLR(start_factor=1/W, total_iters=W−1)
warmup_cosine   t/W for t ≤ W, then cosine from 1       SequentialLR([LinearLR(1/W, total_iters=
                to r over the remaining T − W updates   W−1), CosineAnnealingLR(T_max=T−W,
                                                        eta_min=r·lr)], milestones=[W])
sqrt_decay      k / √t                                  LambdaLR(lambda e: k / sqrt(e + 1))
milestones      γ^(number of milestones m_i ≤ t − 1)    MultiStepLR(milestones=[m₁, m₂, m₃], gamma=γ)
=============== ======================================= ==========================================

The last two are the course's own: k/√t is the form of the lecture the notes follow
(α = k/√(epoch) · α₀; this app counts updates, not epochs, so t is the update index and update 1
uses k·η), and "milestones" is its hand-set decay ("the first 1000 steps at 0.01, the next 1000
at 0.001"): the rate drops by γ after update m₁, again after m₂ and after m₃.

So every schedule but the warmups and k/√t (which starts at k·η) starts at the base learning rate on update 1, and the cosine
schedules approach (but, like torch with T_max = T, do not quite reach) r·lr on the last update.

``clip_by_norm`` rescales each run's gradient exactly as ``torch.nn.utils.clip_grad_norm_`` does
for a model whose parameters are that run's two coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np

from i18n import Msg, t as tr

from .base import Array, HyperSpec, Rendered

FactorFn = Callable[[Array, int, Mapping[str, float]], Array]


@dataclass(frozen=True)
class ScheduleSpec:
    """A declared schedule: what the UI shows (label, closed form, parameter sliders)."""

    key: str
    label: str = Rendered()  # type: ignore[assignment]  (Msg values, read as text in the current language)
    latex: str
    params: tuple[HyperSpec, ...]
    factor: FactorFn
    torch: str = Rendered("")  # type: ignore[assignment]
    note: str = Rendered("")  # type: ignore[assignment]

    def defaults(self) -> dict[str, float]:
        return {spec.key: spec.default for spec in self.params}


@dataclass(frozen=True)
class Schedule:
    """A schedule with its parameters fixed: ``factor(t, total_steps)`` multiplies the base lr.

    ``updates_per_epoch`` > 1 steps the schedule once per epoch instead of once per update, as
    a training loop that calls ``scheduler.step()`` after each pass over the data does (the
    course counts decay in epochs): updates 1..n use epoch 1's rate, n+1..2n epoch 2's, and the
    run is ⌈T/n⌉ epochs long for the schedules that know the run's length.
    """

    key: str
    params: Mapping[str, float] = field(default_factory=dict)
    updates_per_epoch: int = 1

    @property
    def spec(self) -> ScheduleSpec:
        return SCHEDULES[self.key]

    def per_epoch(self, updates_per_epoch: int) -> "Schedule":
        """This schedule stepped once every ``updates_per_epoch`` updates."""
        if int(updates_per_epoch) != updates_per_epoch or updates_per_epoch < 1:
            raise ValueError(f"updates_per_epoch must be a whole number ≥ 1, got {updates_per_epoch!r}")  # i18n: internal
        return Schedule(self.key, self.params, int(updates_per_epoch))

    def factor(self, t: "int | Array", total_steps: int) -> "float | Array":
        """Multiplier of the base lr at update ``t`` (1-based; vectorized over ``t``)."""
        n = self.updates_per_epoch
        if n > 1:  # the epoch update t falls in, in a run of ⌈T/n⌉ epochs
            t = np.floor((np.asarray(t, dtype=float) - 1) / n) + 1
            total_steps = -(-int(total_steps) // n)
        t_arr = np.asarray(t, dtype=float)
        out = np.asarray(self.spec.factor(t_arr, int(total_steps), self.params), dtype=float)
        out = np.broadcast_to(out, t_arr.shape)
        return float(out) if out.ndim == 0 else np.array(out)

    def lr(self, base_lr: float, t: "int | Array", total_steps: int) -> "float | Array":
        """The learning rate in force at update ``t``."""
        return base_lr * self.factor(t, total_steps)


# ---------------------------------------------------------------------------------------------
# Closed forms. ``t`` is a float array of 1-based update indices.


def _constant(t: Array, T: int, p: Mapping[str, float]) -> Array:
    return np.ones_like(t)


def _step(t: Array, T: int, p: Mapping[str, float]) -> Array:
    return p["gamma"] ** np.floor((t - 1) / p["step_size"])


def _exponential(t: Array, T: int, p: Mapping[str, float]) -> Array:
    return p["gamma"] ** (t - 1)


def _inverse_time(t: Array, T: int, p: Mapping[str, float]) -> Array:
    return 1.0 / (1.0 + p["decay"] * (t - 1))


def _cosine_curve(e: Array, t_max: float, r: float) -> Array:
    """CosineAnnealingLR's closed form at epoch e (as a fraction of the base lr)."""
    return r + (1.0 - r) * (1.0 + np.cos(np.pi * e / t_max)) / 2.0


def _cosine(t: Array, T: int, p: Mapping[str, float]) -> Array:
    return _cosine_curve(t - 1, max(T, 1), p["min_ratio"])


def _warmup(t: Array, T: int, p: Mapping[str, float]) -> Array:
    return np.minimum(1.0, t / p["warmup_steps"])


def _warmup_cosine(t: Array, T: int, p: Mapping[str, float]) -> Array:
    w = p["warmup_steps"]
    t_max = max(T - w, 1)
    decay = _cosine_curve(np.maximum(t - 1 - w, 0.0), t_max, p["min_ratio"])
    return np.where(t <= w, t / w, decay)


def _sqrt_decay(t: Array, T: int, p: Mapping[str, float]) -> Array:
    return p["k"] / np.sqrt(t)


MILESTONE_KEYS = ("milestone1", "milestone2", "milestone3")


def _milestones(t: Array, T: int, p: Mapping[str, float]) -> Array:
    """γ to the number of milestones already passed (torch's MultiStepLR: a milestone given
    twice drops the rate twice), counted in completed updates e = t − 1."""
    passed = sum((t - 1 >= p[key]).astype(float) for key in MILESTONE_KEYS)
    return p["gamma"] ** passed


def _milestone(n: int, default: int) -> HyperSpec:
    return HyperSpec(
        f"milestone{n}",
        rf"m_{n}",
        default,
        1,
        10000,
        True,
        Msg.of(("schedules.milestones.milestone1", "schedules.milestones.milestone2",
                "schedules.milestones.milestone3")[n - 1]),
        valid_low=1,
        integer=True,
    )


def _gamma(default: float, low: float, high: float, help: "str | Msg") -> HyperSpec:
    return HyperSpec("gamma", r"\gamma", default, low, high, False, help)


_MIN_RATIO = HyperSpec(
    "min_ratio",
    r"r",
    0.0,
    0.0,
    1.0,
    False,
    Msg.of("schedules.params.min_ratio"),
    valid_low=0.0,
    valid_high=1.0,
)
_WARMUP = HyperSpec(
    "warmup_steps",
    r"W",
    50,
    1,
    1000,
    False,
    Msg.of("schedules.params.warmup_steps"),
    valid_low=1,
    integer=True,
)

_SPECS = (
    ScheduleSpec(
        "constant",
        Msg.of("schedules.constant.label"),
        r"\eta_t = \eta",
        (),
        _constant,
        torch=Msg.of("schedules.constant.torch"),
        note=Msg.of("schedules.constant.note"),
    ),
    ScheduleSpec(
        "step",
        Msg.of("schedules.step.label"),
        r"\eta_t = \eta\,\gamma^{\lfloor (t-1)/k \rfloor}",
        (
            HyperSpec(
                "step_size",
                r"k",
                100,
                1,
                1000,
                False,
                Msg.of("schedules.step.step_size"),
                valid_low=1,
                integer=True,
            ),
            _gamma(0.1, 0.01, 1.0, Msg.of("schedules.step.gamma")),
        ),
        _step,
        torch="torch.optim.lr_scheduler.StepLR(opt, step_size=k, gamma=γ)",
        note=Msg.of("schedules.step.note"),
    ),
    ScheduleSpec(
        "exponential",
        Msg.of("schedules.exponential.label"),
        r"\eta_t = \eta\,\gamma^{t-1}",
        (_gamma(0.99, 0.9, 1.0, Msg.of("schedules.exponential.gamma")),),
        _exponential,
        torch="torch.optim.lr_scheduler.ExponentialLR(opt, gamma=γ)",
        note=Msg.of("schedules.exponential.note"),
    ),
    ScheduleSpec(
        "inverse_time",
        Msg.of("schedules.inverse_time.label"),
        r"\eta_t = \frac{\eta}{1 + k\,(t-1)}",
        (
            HyperSpec(
                "decay",
                r"k",
                0.01,
                1e-4,
                1.0,
                True,
                Msg.of("schedules.inverse_time.decay"),
            ),
        ),
        _inverse_time,
        torch=Msg.of("schedules.inverse_time.torch"),
        note=Msg.of("schedules.inverse_time.note"),
    ),
    ScheduleSpec(
        "cosine",
        Msg.of("schedules.cosine.label"),
        r"\eta_t = \eta\left(r + (1-r)\,\frac{1 + \cos(\pi (t-1)/T)}{2}\right)",
        (_MIN_RATIO,),
        _cosine,
        torch="torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=T, eta_min=r·η)",
        note=Msg.of("schedules.cosine.note"),
    ),
    ScheduleSpec(
        "warmup",
        Msg.of("schedules.warmup.label"),
        r"\eta_t = \eta\,\min\!\left(1, \frac{t}{W}\right)",
        (_WARMUP,),
        _warmup,
        torch="torch.optim.lr_scheduler.LinearLR(opt, start_factor=1/W, total_iters=W−1)",
        note=Msg.of("schedules.warmup.note"),
    ),
    ScheduleSpec(
        "warmup_cosine",
        Msg.of("schedules.warmup_cosine.label"),
        (
            r"\eta_t = \begin{cases} \eta\, t/W & t \le W \\"
            r" \eta\left(r + (1-r)\,\frac{1 + \cos(\pi (t-1-W)/(T-W))}{2}\right) & t > W"
            r"\end{cases}"
        ),
        (_WARMUP, _MIN_RATIO),
        _warmup_cosine,
        torch=(
            "SequentialLR(opt, [LinearLR(opt, 1/W, total_iters=W−1), "
            "CosineAnnealingLR(opt, T_max=T−W, eta_min=r·η)], milestones=[W])"
        ),
        note=Msg.of("schedules.warmup_cosine.note"),
    ),
    ScheduleSpec(
        "sqrt_decay",
        Msg.of("schedules.sqrt_decay.label"),
        r"\eta_t = \eta\,\frac{k}{\sqrt{t}}",
        (
            HyperSpec(
                "k",
                r"k",
                1.0,
                0.1,
                10.0,
                True,
                Msg.of("schedules.sqrt_decay.k"),
                valid_low=0.0,
                low_open=True,
            ),
        ),
        _sqrt_decay,
        torch="torch.optim.lr_scheduler.LambdaLR(opt, lambda e: k / math.sqrt(e + 1))",
        note=Msg.of("schedules.sqrt_decay.note"),
    ),
    ScheduleSpec(
        "milestones",
        Msg.of("schedules.milestones.label"),
        r"\eta_t = \eta\,\gamma^{\#\{i\,:\, m_i \le t-1\}}",
        (_milestone(1, 100), _milestone(2, 200), _milestone(3, 300),
         _gamma(0.1, 0.01, 1.0, Msg.of("schedules.milestones.gamma"))),
        _milestones,
        torch="torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[m₁, m₂, m₃], gamma=γ)",
        note=Msg.of("schedules.milestones.note"),
    ),
)

SCHEDULES: dict[str, ScheduleSpec] = {spec.key: spec for spec in _SPECS}


def make_schedule(key: str, **params: float) -> Schedule:
    """Build a schedule, filling defaults; ValueError naming any unknown or invalid parameter."""
    if key not in SCHEDULES:
        raise ValueError(tr("schedules.errors.unknown", key=repr(key), choices=", ".join(SCHEDULES)))
    spec = SCHEDULES[key]
    known = {p.key: p for p in spec.params}
    for name in params:
        if name not in known:
            raise ValueError(tr("schedules.errors.unknown_param", key=repr(key), name=repr(name)))
    resolved: dict[str, float] = {}
    for p in spec.params:
        value = params.get(p.key, p.default)
        if np.ndim(value) != 0:
            raise ValueError(tr("schedules.errors.not_single", name=p.key, value=repr(value)))
        p.validate(value)
        value = float(value)  # type: ignore[arg-type]
        if p.integer:
            if not value.is_integer():
                raise ValueError(tr("schedules.errors.not_whole", name=p.key, value=repr(value)))
            value = int(value)
        resolved[p.key] = value
    return Schedule(key, resolved)


def resolve_schedule(schedule: "Schedule | str | None") -> Schedule | None:
    """Accept a Schedule, a schedule key (default parameters) or None."""
    if schedule is None or isinstance(schedule, Schedule):
        return schedule
    if isinstance(schedule, str):
        return make_schedule(schedule)
    raise ValueError(f"schedule must be a Schedule, a key or None, got {schedule!r}")  # i18n: internal


def clip_by_norm(grads: Array, max_norm: "float | Array") -> Array:
    """Rescale each run's gradient (row of ``grads``, shape (R, 2)) to norm ≤ max_norm.

    Same arithmetic as ``torch.nn.utils.clip_grad_norm_``: coef = max_norm / (‖g‖ + 1e-6),
    clamped to at most 1, and the gradient is multiplied by coef (so a gradient already inside
    the ball is left unchanged). The norm is computed with ``hypot`` so a huge but finite gradient
    is clipped rather than zeroed by an overflowing sum of squares.
    """
    grads = np.asarray(grads)
    if not np.issubdtype(grads.dtype, np.floating):
        grads = grads.astype(float)
    with np.errstate(all="ignore"):
        norm = np.hypot(grads[..., 0], grads[..., 1])[..., None]
        norm += 1e-6
        coef = np.divide(max_norm, norm)
        np.minimum(coef, 1.0, out=coef)
        return grads * coef.astype(grads.dtype, copy=False)


__all__ = ["SCHEDULES", "ScheduleSpec", "Schedule", "make_schedule", "clip_by_norm"]
