"""The hyperparameter specs several optimizers share (learning rate, momentum, ε, β, decay).

Slider ranges are what a lesson needs; valid ranges are torch's own argument checks. Each
optimizer module states its own defaults when it calls these (torch's, written once).
"""

from __future__ import annotations

from i18n import Msg

from .base import HyperSpec


# ---------------------------------------------------------------------------------------------
# Hyperparameter specs. Slider ranges are what a lesson needs; valid ranges are torch's checks.


def lr_spec(default: float) -> HyperSpec:
    return HyperSpec(
        key="lr",
        symbol=r"\eta",
        default=default,
        low=1e-4,
        high=10.0,
        log=True,
        help=Msg.of("optimizers.hyper.lr"),
    )


def momentum_spec(
    default: float, help: "str | Msg | None" = None, *, torch_default: float | None = None, positive: bool = False
) -> HyperSpec:
    """μ. ``positive`` excludes 0 (torch raises for ``nesterov=True`` with ``momentum=0``)."""
    return HyperSpec(
        key="momentum",
        symbol=r"\mu",
        default=default,
        low=0.05 if positive else 0.0,
        high=0.999,
        log=False,
        help=help or Msg.of("optimizers.hyper.momentum"),
        low_open=positive,
        torch_default=torch_default,
    )


def weight_decay_spec(default: float, decoupled: bool = False) -> HyperSpec:
    text = Msg.of("optimizers.hyper.weight_decay_decoupled") if decoupled else Msg.of("optimizers.hyper.weight_decay")
    return HyperSpec(
        key="weight_decay",
        symbol=r"\lambda",
        default=default,
        low=0.0,
        high=0.5,
        log=False,
        help=text,
    )


def eps_spec(default: float) -> HyperSpec:
    return HyperSpec(
        key="eps",
        symbol=r"\varepsilon",
        default=default,
        low=1e-12,
        high=1.0,
        log=True,
        help=Msg.of("optimizers.hyper.eps"),
    )


def beta_spec(key: str, default: float, low: float, high: float, help: "str | Msg") -> HyperSpec:
    symbol = r"\beta_1" if key == "beta1" else r"\beta_2"
    return HyperSpec(
        key=key,
        symbol=symbol,
        default=default,
        low=low,
        high=high,
        log=False,
        help=help,
        valid_low=0.0,
        valid_high=1.0,
        high_open=True,
    )
