"""The `Optimizer` contract: pure, vectorized state transforms in the optax style.

Every optimizer is a pair of pure functions over arrays shaped ``(R, 2)`` (R independent runs
of a 2-D problem)::

    state = opt.init(params)
    params, state = opt.update(params, grads, state, hyper, t)   # t = 1, 2, ...

Nothing is mutated, so a sweep can keep thousands of runs in flight and a step inspector can
keep every intermediate state. ``hyper`` maps hyperparameter keys to floats or arrays that
broadcast against ``params`` (e.g. shape ``(R, 1)``), which is what lets one call advance R runs
with R different settings.

Each optimizer also *declares* everything the app shows about it, beside its update rule: label,
LaTeX rule, hyperparameter specs with their defaults (once: ``update`` receives hyperparameters
already resolved by ``Optimizer.resolve``), the step written out with the current numbers
(``explain``), the learning-rate limit on a quadratic (``stability``), the vector drawn as its
velocity arrow (``arrow``) and the two hyperparameters a sweep map offers first
(``sweep_axes``). The UI renders these declarations and never switches on an optimizer's key:
adding an optimizer is one new module plus one registry line.

A step counter, where the rule needs one, lives in the state (``state["count"]``, as in
optax): ``t`` is passed to ``update`` for convenience only, and the engine treats no
hyperparameter specially by its name.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np

from i18n import t
from i18n.fields import Rendered

Array = np.ndarray
State = dict[str, Array]
Hyper = Mapping[str, "float | Array"]
InitFn = Callable[[Array], State]
UpdateFn = Callable[[Array, Array, State, Hyper, int], tuple[Array, State]]
#: (state, hyper, t) -> per-coordinate factor that multiplies lr in this step's update.
PreconditionerFn = Callable[[State, Hyper, int], Array]


@dataclass(frozen=True)
class Explanation:
    """Update t written out with its numbers: LaTeX lines (for an ``aligned`` block) and the
    θ_t they compute, which is the point the engine reaches (the lines are formatted from the
    values the optimizer's own ``update`` produced)."""

    lines: tuple[str, ...]
    params: Array  # (2,)

    @property
    def latex(self) -> str:
        return r"\begin{aligned}" + r"\\[2pt]".join(self.lines) + r"\end{aligned}"


@dataclass(frozen=True)
class StabilityLimit:
    """The largest stable learning rate on f = ½ θᵀHθ, with the rule and its numbers."""

    limit: float
    formula: str  # LaTeX of the rule, e.g. r"\eta < 2/\lambda_{\max}"
    value_text: str  # the numbers substituted


#: (θ (2,), g (2,), state before the update (one run), resolved hyper with this step's lr, t).
ExplainFn = Callable[[Array, Array, State, Hyper, int], Explanation]
#: (resolved hyper, largest Hessian eigenvalue) -> the limit, or None (no fixed limit).
StabilityFn = Callable[[Hyper, float], "StabilityLimit | None"]
#: (recorded states name -> (n, 2) after updates 1..n, resolved hyper, t = 1..n) -> the
#: (n, 2) vector whose −η_t multiple is drawn as the velocity arrow, or None.
ArrowFn = Callable[[Mapping[str, Array], Hyper, Array], "Array | None"]


@dataclass(frozen=True)
class HyperSpec:
    """One hyperparameter: what the slider shows and which values are mathematically valid.

    ``low``/``high`` are the slider's range (what a lesson needs); ``valid_low``/``valid_high``
    are the values the update rule accepts at all (PyTorch's own checks). ``high_open`` marks an
    excluded upper bound, as for β ∈ [0, 1). ``integer`` marks counts (schedule step sizes).
    """

    key: str
    symbol: str  # LaTeX symbol, e.g. r"\eta"
    default: float
    low: float
    high: float
    log: bool
    help: str = Rendered()  # type: ignore[assignment]  (a Msg, read as text in the current language)
    valid_low: float = 0.0
    valid_high: float = math.inf
    high_open: bool = False
    #: Whole numbers only (step counts such as a schedule's step_size): the UI shows an int slider.
    integer: bool = False
    #: An excluded lower bound (Nesterov's μ > 0: torch raises for momentum=0, nesterov=True).
    low_open: bool = False
    #: torch's own default when the app starts elsewhere (None: ``default`` is torch's).
    torch_default: float | None = None

    def default_text(self) -> str:
        """What the help text says about the default, true for both the app and torch."""
        if self.torch_default is None or self.torch_default == self.default:
            return t("optimizers.hyper.default_same", value=self.default)
        return t("optimizers.hyper.default_other", value=self.default, torch=self.torch_default)

    def validate(self, value: "float | Array") -> None:
        """Raise ValueError naming this parameter if any value is outside its valid range."""
        if type(value) is float and math.isfinite(value):  # the common case, without numpy's overhead
            low_ok = value > self.valid_low if self.low_open else value >= self.valid_low
            high_ok = value < self.valid_high if self.high_open else value <= self.valid_high
            if low_ok and high_ok:
                return
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(t("optimizers.errors.not_number", name=self.key, value=repr(value))) from None
        if not np.all(np.isfinite(arr)):
            raise ValueError(t("optimizers.errors.not_finite", name=self.key, value=repr(value)))
        too_low = arr <= self.valid_low if self.low_open else arr < self.valid_low
        if np.any(too_low):
            op = ">" if self.low_open else ">="
            raise ValueError(t("optimizers.errors.too_low", name=self.key, op=op, low=str(self.valid_low),
                               value=repr(value)))
        too_high = arr >= self.valid_high if self.high_open else arr > self.valid_high
        if np.any(too_high):
            bracket = ")" if self.high_open else "]"
            raise ValueError(t("optimizers.errors.out_of_range", name=self.key, low=str(self.valid_low),
                               high=str(self.valid_high), bracket=bracket, value=repr(value)))


#: (p, g, lr, st, new, i, c, sc, d, *named hyperparameters) -> new θ for coordinate c of run i.
KernelStepFn = Callable[..., float]


@dataclass(frozen=True)
class ScalarKernel:
    """The update rule once more, for one coordinate of one run, as a plain Python function.

    Optional: the engine's compiled path (``optimizers/compiled.py``) compiles it (numba); an
    optimizer without one always runs on the numpy path, which stays the reference. The scalar
    form must round *exactly* as ``update`` does (the same operations in the same order; no
    fused multiply-add, no ``**`` with an integer): ``tests/test_compiled_engine.py`` checks
    every array of the result bit for bit. Plain Python with ``math`` only, built from the
    pieces in ``optimizers/kernel_pieces.py`` (``lerp``, ``ema_of_squares``, ``descend``, the two
    weight decays) as ``update`` is built from ``transforms.py``, so this module never needs numba.

    ``step(p, g, lr, st, new, i, c, sc, d, <hyperparameters>)``: ``p`` and ``g`` are the
    coordinate and its gradient (after noise), ``lr`` the learning rate in force (it carries the
    schedule); ``st[k, c, i]`` is state entry k (the keys of ``init``'s dict, in order: name the
    indices as module constants; scalar entries such as a step count are repeated per
    coordinate), and the step writes the new state to ``new[k, c, i]`` (``st`` and ``new`` may
    be the same array: read ``st[k, c, i]`` before writing ``new[k, c, i]``). The run index
    comes last (structure of arrays: each entry is contiguous over runs, so the compiled loop
    over runs vectorizes). The parameters after ``d`` are hyperparameters *by name*: each is a
    key of ``Optimizer.hypers`` (not ``lr``), and the driver passes that hyperparameter's value
    for this run and coordinate (``driver_source.kernel_hyper_rows`` maps names to table rows;
    an unknown name is a TypeError when the driver is generated). ``sc[d, q]`` are the per-step
    scalars that torch computes on Python floats (β powers), made by ``scalars(*values of
    scalar_keys, t)`` in plain Python for each distinct combination of those hyperparameters.
    Write the step branch-free where it costs nothing (``a if cond else b`` on values, no early
    exit inside a loop): the big-batch driver relies on LLVM turning it into vector selects.
    ``preconditioner(new, i, c, sc, d, <hyperparameters>)`` is ``Optimizer.preconditioner``
    for one entry, with its own named hyperparameters.
    """

    step: KernelStepFn
    preconditioner: Callable[..., float]
    scalar_keys: tuple[str, ...] = ()
    scalars: Callable[..., tuple[float, ...]] | None = None


@dataclass(frozen=True)
class Optimizer:
    """A declared optimizer. ``init``/``update`` are pure; the rest is for people.

    ``latex`` is the update rule in the same notation as the module docstring (an ``aligned``
    block). ``torch`` is the equivalent PyTorch constructor call, so a student can reproduce the
    trajectory. ``state_names`` maps state keys to what the inspector calls them (e.g.
    ``{"buf": "velocity b"}``). ``preconditioner`` gives the per-coordinate factor multiplying
    lr in the update (1 for SGD, 1/(√v̂+ε)·1/(1−β₁ᵗ) for Adam): lr × that is the effective
    per-coordinate learning rate the inspector shows.

    ``explain``, ``stability``, ``arrow`` and ``sweep_axes`` are what the app shows about the
    optimizer (see the module docstring and the type aliases above).
    """

    key: str
    label: str = Rendered()  # type: ignore[assignment]  (the texts below: Msg values, read as text)
    latex: str = Rendered()  # type: ignore[assignment]
    torch: str = Rendered()  # type: ignore[assignment]
    hypers: tuple[HyperSpec, ...]
    init: InitFn
    update: UpdateFn
    state_names: Mapping[str, str] = Rendered()  # type: ignore[assignment]
    preconditioner: PreconditionerFn
    explain: ExplainFn
    stability: StabilityFn
    arrow: ArrowFn
    sweep_axes: tuple[str, str]
    note: str = Rendered("")  # type: ignore[assignment]
    #: resolved hyper -> state vectors that mean nothing for these settings (RMSprop's buffer
    #: with μ = 0 is not a momentum); the inspector leaves them out.
    hidden_states: Callable[[Hyper], tuple[str, ...]] = lambda hyper: ()
    #: The scalar form of ``update`` for the compiled fast path (None: numpy path only).
    kernel: ScalarKernel | None = None
    #: The torch optimizer this one departs from on purpose, for teaching (Adam without its
    #: bias correction), or None for a rule torch has: a variant is checked against torch's
    #: arithmetic written out step by step, since no torch call reproduces it.
    teaching_variant_of: str | None = None

    def __post_init__(self) -> None:
        unknown = [k for k in self.sweep_axes if k not in self.hyper_keys]
        if len(self.sweep_axes) != 2 or unknown or self.sweep_axes[0] == self.sweep_axes[1]:
            raise ValueError(f"{self.key}: sweep_axes must be two distinct hyperparameter keys")  # i18n: internal

    @property
    def hyper_keys(self) -> tuple[str, ...]:
        return tuple(spec.key for spec in self.hypers)

    def spec(self, key: str) -> HyperSpec:
        for spec in self.hypers:
            if spec.key == key:
                return spec
        raise KeyError(f"{self.label} has no hyperparameter {key!r}")

    def shown_states(self, hyper: Hyper) -> dict[str, str]:
        """``state_names`` without the vectors ``hidden_states`` drops for these settings."""
        hidden = self.hidden_states(self.resolve(hyper))
        return {k: v for k, v in self.state_names.items() if k not in hidden}

    def defaults(self) -> dict[str, float]:
        return {spec.key: spec.default for spec in self.hypers}

    def resolve(self, hyper: Mapping[str, "float | Array"] | None) -> dict[str, "float | Array"]:
        """Fill in defaults and validate: the only place defaults are applied.

        Raises ValueError naming the offending hyperparameter, including an unknown one (a
        typo such as ``learning_rate`` must not silently run with the default).
        """
        hyper = dict(hyper or {})
        unknown = sorted(k for k in hyper if k not in self.hyper_keys)
        if unknown:
            raise ValueError(t("optimizers.errors.unknown_hyper", optimizer=self.label,
                               names=", ".join(map(repr, unknown)), known=", ".join(self.hyper_keys)))
        resolved: dict[str, float | Array] = {}
        for spec in self.hypers:
            value = hyper.get(spec.key, spec.default)
            spec.validate(value)
            if not isinstance(value, np.ndarray) and np.ndim(value) > 0:  # a list of per-run values
                value = np.asarray(value, dtype=float)
            resolved[spec.key] = value if isinstance(value, np.ndarray) else float(value)
        return resolved
