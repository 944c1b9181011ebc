"""Lesson presets for the Compare page: one click sets everything a demonstration needs.

Plain data, no Streamlit and no core imports, so a test can check every preset against the
registries and a notebook can replay one. The "watch" text of each preset was checked against
the simulated numbers (see tests/test_compare_page.py, which runs every preset): if the core's
behaviour changes, re-run them and re-read the text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping


@dataclass(frozen=True)
class Preset:
    """Everything the Compare page needs to reproduce one demonstration.

    ``optimizers`` maps optimizer keys (in display order) to the hyperparameters that differ
    from the optimizer's declared (PyTorch) defaults.
    """

    key: str
    title: str
    watch: str
    surface: str
    optimizers: Mapping[str, Mapping[str, float]]
    start: tuple[float, float]
    steps: int
    noise: float = 0.0
    seed: int = 0
    schedule: str = "constant"
    schedule_params: Mapping[str, float] = field(default_factory=dict)
    clip: float = 0.0
    ghost: bool = False
    view: str = "side"


PRESETS: tuple[Preset, ...] = (
    Preset(
        key="textbook",
        title="The classic comparison on the x²/20 + y² bowl",
        watch=(
            "The well-known textbook figure: same bowl, same start (−7, 2), 30 steps. SGD "
            "zig-zags across the steep y direction on every step; Momentum swings wide and "
            "overshoots along x before curling back; AdaGrad heads almost straight for the "
            "minimum because it scales each coordinate by its own gradient history; Adam "
            "combines both and arcs in."
        ),
        surface="bowl",
        optimizers={"sgd": {"lr": 0.95}, "momentum": {"lr": 0.1}, "adagrad": {"lr": 1.5}, "adam": {"lr": 0.3}},
        start=(-7.0, 2.0),
        steps=30,
    ),
    Preset(
        key="momentum",
        title="Zig-zag versus momentum",
        watch=(
            "SGD already uses nearly the largest stable step here (lr 0.95 < 2/λmax = 1): it "
            "bounces across the steep y direction every step and crawls along the flat x "
            "direction. Momentum (μ = 0.6) averages the alternating y gradients away and builds "
            "up speed along x: after 30 steps its loss is hundreds of times lower. Turn on the "
            "arrows and scrub to see the velocity pointing along the valley."
        ),
        surface="bowl",
        optimizers={"sgd": {"lr": 0.95}, "momentum": {"lr": 0.5, "momentum": 0.6}},
        start=(-7.0, 2.0),
        steps=30,
    ),
    Preset(
        key="nesterov",
        title="Nesterov versus momentum",
        watch=(
            "Same learning rate (0.3) and μ = 0.9 for both. Heavy-ball momentum swings past the "
            "minimum again and again; Nesterov's step adds the gradient to μ times the *new* "
            "velocity, a look-ahead that brakes earlier: smaller overshoots and a far lower loss "
            "after 80 steps (see the table)."
        ),
        surface="bowl",
        optimizers={"momentum": {"lr": 0.3}, "nesterov": {"lr": 0.3}},
        start=(-7.0, 2.0),
        steps=80,
    ),
    Preset(
        key="saddle",
        title="Escaping the saddle",
        watch=(
            "The start is a hair (y = 0.001) off the saddle's ridge. Plain SGD's distance from "
            "the ridge grows only by the factor 1 + 2·lr per step, so after 100 steps it is "
            "still sitting at the saddle; Momentum accumulates that small push and Adam "
            "normalises it: both are off the ridge (|y| > 1) within 50 steps and heading for "
            "a minimum. Set y₀ = 0 to see SGD stuck for ever, then add gradient noise (σ = 0.5) "
            "to see it start to escape."
        ),
        surface="saddle",
        optimizers={"sgd": {"lr": 0.02}, "momentum": {"lr": 0.02}, "adam": {"lr": 0.02}},
        start=(-2.0, 0.001),
        steps=100,
    ),
    Preset(
        key="rosenbrock",
        title="The Rosenbrock valley",
        watch=(
            "Finding the curved valley is easy, following it is hard: the floor is almost flat "
            "and the walls are steep. SGD (lr 0.001, any larger and it blows up on the walls) "
            "is still far from (1, 1) after 1,000 steps; Momentum and Nesterov with the same lr "
            "build up speed along the floor and arrive; Adam's per-coordinate scaling also gets "
            "there."
        ),
        surface="rosenbrock",
        optimizers={"sgd": {"lr": 0.001}, "momentum": {"lr": 0.001}, "nesterov": {"lr": 0.001}, "adam": {"lr": 0.05}},
        start=(-1.5, 2.0),
        steps=1000,
    ),
    Preset(
        key="too_large",
        title="A learning rate too large: divergence",
        watch=(
            "On this bowl the steepest curvature is λmax = 2, so plain gradient descent is stable "
            "only for lr < 2/λmax = 1. SGD's lr 1.5 multiplies the y error by |1 − 1.5·2| = 2 every "
            "step and diverges (red). Momentum's limit is 2(1 + μ)/λmax = 1.9 with μ = 0.9, so lr "
            "0.5 is safe. Move the sliders across the limits shown next to them."
        ),
        surface="bowl",
        optimizers={"sgd": {"lr": 1.5}, "momentum": {"lr": 0.5}, "adam": {"lr": 0.3}},
        start=(-7.0, 2.0),
        steps=50,
    ),
    Preset(
        key="adagrad_stall",
        title="AdaGrad stalling versus RMSProp",
        watch=(
            "AdaGrad divides by the square root of the *sum* of all past squared gradients, so "
            "its effective learning rate only ever shrinks: after the steep walls of the valley "
            "it is crawling and stops short of (1, 1). RMSProp uses a moving *average* instead, "
            "forgets the walls and keeps moving along the floor. Compare the effective learning "
            "rates in the step inspector."
        ),
        surface="rosenbrock",
        optimizers={"adagrad": {"lr": 0.5}, "rmsprop": {"lr": 0.01}},
        start=(-1.5, 2.0),
        steps=2000,
    ),
    Preset(
        key="schedule",
        title="Noisy gradients with and without a decaying schedule",
        watch=(
            "Every gradient gets Gaussian noise (σ = 2). With a constant learning rate (faint dashed "
            "paths) SGD and Momentum reach the bottom and then keep jittering around it; with "
            "an inverse-time decay (solid) the steps shrink and the runs settle much closer to "
            "the minimum. The noise is the same for both (same seed)."
        ),
        surface="bowl",
        optimizers={"sgd": {"lr": 0.3}, "momentum": {"lr": 0.03}},
        start=(-7.0, 2.0),
        steps=300,
        noise=2.0,
        seed=0,
        schedule="inverse_time",
        schedule_params={"decay": 0.05},
        ghost=True,
    ),
    Preset(
        key="adam_bias",
        title="Adam's bias correction",
        watch=(
            "RMSProp (α = 0.999) and Adam (β₂ = 0.999) both start their squared-gradient average "
            "at v = 0. After step 1, v = 0.001·g², so RMSProp, which has no bias correction, "
            "divides by √0.001·|g| and its first step is lr/√0.001 ≈ 32 × lr in each coordinate: "
            "a jump of about 3 from the start. Adam divides m and v by (1 − βᵗ), which undoes the "
            "zero start, and its first step is exactly lr = 0.1 per coordinate. Scrub steps 0–3."
        ),
        surface="bowl",
        optimizers={"rmsprop": {"lr": 0.1, "alpha": 0.999}, "adam": {"lr": 0.1}},
        start=(-7.0, 2.0),
        steps=50,
    ),
    Preset(
        key="regression",
        title="Fitting a line: the least-squares surface",
        watch=(
            "The map's axes are the slope w and intercept b of a line fitted to 64 points; the "
            "loss is the mean squared error, a quadratic bowl. All five optimizers find the same "
            "least-squares line, by different routes and at different speeds."
        ),
        surface="regression",
        optimizers={"sgd": {"lr": 0.5}, "momentum": {"lr": 0.1}, "adagrad": {"lr": 1.0}, "rmsprop": {"lr": 0.05},
                    "adam": {"lr": 0.1}},
        start=(0.0, 0.0),
        steps=200,
    ),
)

PRESETS_BY_KEY: dict[str, Preset] = {p.key: p for p in PRESETS}
#: The landing page is the classic figure.
DEFAULT_PRESET = "textbook"


def preset_values(optimizer: str, hyper: str) -> list[float]:
    """Every value any preset uses for ``optimizer.hyper`` (so sliders can represent them)."""
    return sorted({float(p.optimizers[optimizer][hyper]) for p in PRESETS
                   if optimizer in p.optimizers and hyper in p.optimizers[optimizer]})
