"""The `Optimizer` contract: pure, vectorized state transforms in the optax style.

Every optimizer is a pair of pure functions over arrays shaped ``(R, 2)`` (R independent runs
of a 2-D problem)::

    state = opt.init(params)
    params, state = opt.update(params, grads, state, hyper, t)   # t = 1, 2, ...

Nothing is mutated, so a sweep can keep thousands of runs in flight and a step inspector can
keep every intermediate state. ``hyper`` maps hyperparameter keys to floats or arrays that
broadcast against ``params`` (e.g. shape ``(R, 1)``), which is what lets one call advance R runs
with R different settings.

Each optimizer also *declares* itself (label, LaTeX update rule, hyperparameter specs), and the
UI builds its sliders and equations from these declarations: adding an optimizer is one new
module plus one registry line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np

Array = np.ndarray
State = dict[str, Array]
Hyper = Mapping[str, "float | Array"]
InitFn = Callable[[Array], State]
UpdateFn = Callable[[Array, Array, State, Hyper, int], tuple[Array, State]]
#: (state, hyper, t) -> per-coordinate factor that multiplies lr in this step's update.
PreconditionerFn = Callable[[State, Hyper, int], Array]


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
    help: str
    valid_low: float = 0.0
    valid_high: float = math.inf
    high_open: bool = False
    #: Whole numbers only (step counts such as a schedule's step_size): the UI shows an int slider.
    integer: bool = False

    def validate(self, value: "float | Array") -> None:
        """Raise ValueError naming this parameter if any value is outside its valid range."""
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"{self.key} must be a number, got {value!r}") from None
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{self.key} must be a finite number, got {value!r}")
        if np.any(arr < self.valid_low):
            raise ValueError(f"{self.key} must be >= {self.valid_low}, got {value!r}")
        too_high = arr >= self.valid_high if self.high_open else arr > self.valid_high
        if np.any(too_high):
            bracket = ")" if self.high_open else "]"
            raise ValueError(
                f"{self.key} must be in [{self.valid_low}, {self.valid_high}{bracket}, got {value!r}"
            )


@dataclass(frozen=True)
class Optimizer:
    """A declared optimizer. ``init``/``update`` are pure; the rest is for people.

    ``latex`` is the update rule in the same notation as the module docstring (an ``aligned``
    block). ``torch`` is the equivalent PyTorch constructor call, so a student can reproduce the
    trajectory. ``state_names`` maps state keys to what the inspector calls them (e.g.
    ``{"buf": "velocity b"}``). ``preconditioner`` gives the per-coordinate factor multiplying
    lr in the update (1 for SGD, 1/(√v̂+ε)·1/(1−β₁ᵗ) for Adam): lr × that is the effective
    per-coordinate learning rate the inspector shows.
    """

    key: str
    label: str
    latex: str
    torch: str
    hypers: tuple[HyperSpec, ...]
    init: InitFn
    update: UpdateFn
    state_names: Mapping[str, str] = field(default_factory=dict)
    preconditioner: PreconditionerFn | None = None
    note: str = ""

    @property
    def hyper_keys(self) -> tuple[str, ...]:
        return tuple(spec.key for spec in self.hypers)

    def spec(self, key: str) -> HyperSpec:
        for spec in self.hypers:
            if spec.key == key:
                return spec
        raise KeyError(f"{self.label} has no hyperparameter {key!r}")

    def defaults(self) -> dict[str, float]:
        return {spec.key: spec.default for spec in self.hypers}

    def resolve(self, hyper: Mapping[str, "float | Array"] | None) -> dict[str, "float | Array"]:
        """Fill in defaults, drop keys this optimizer does not use, validate the rest.

        Raises ValueError naming the offending hyperparameter.
        """
        hyper = dict(hyper or {})
        resolved: dict[str, float | Array] = {}
        for spec in self.hypers:
            value = hyper.get(spec.key, spec.default)
            spec.validate(value)
            if not isinstance(value, np.ndarray) and np.ndim(value) > 0:  # a list of per-run values
                value = np.asarray(value, dtype=float)
            resolved[spec.key] = value if isinstance(value, np.ndarray) else float(value)
        return resolved
