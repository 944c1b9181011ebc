"""A live family (`lessons.live_family.Family`) as the player wants it: the schema's Live object.

Why float32 in base64: a family is tens of thousands of points per optimizer; JSON's decimal
numbers cost 8–10 bytes each and a parse, float32 costs 4 bytes (5.3 in base64) and the browser
reads it straight into a typed array. Float32's 7 digits are far below a pixel and far below the
readouts' 3 digits. Paths are thinned only when the family would not fit ``BUDGET_BYTES``, by an
odd stride (1, 3, 5 …), so a run that zig-zags every step still shows its zig-zag, and each
member's last point is always kept. The browser interpolates the thinned steps back.
"""

from __future__ import annotations

import base64
import math
import re
from typing import Sequence

import numpy as np

from .encode import to_json

#: Payload growth allowed for all families of one race (the live slider's budget).
BUDGET_BYTES = 1_000_000
#: Bytes per kept point of one member in base64: x, y and the loss as float32.
POINT_BYTES = 3 * 4 * 4 / 3
#: Float32's largest finite value: an astronomically large diverged loss is sent as this.
F32_MAX = float(np.finfo(np.float32).max)

_GREEK = {"eta": "η", "mu": "μ", "beta": "β", "alpha": "α", "varepsilon": "ε", "epsilon": "ε", "lambda": "λ",
          "psi": "ψ", "gamma": "γ", "rho": "ρ", "tau": "τ"}
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def plain_symbol(latex: str) -> str:
    """A HyperSpec's LaTeX symbol as plain text for the browser (``\\beta_1`` → β₁)."""
    text = re.sub(r"\\([A-Za-z]+)", lambda m: _GREEK.get(m.group(1), m.group(1)), latex)
    text = re.sub(r"_\{?(\d+)\}?", lambda m: m.group(1).translate(_SUB), text)
    return text.replace("{", "").replace("}", "")


def stride_for(members: int, steps: int, budget: int = BUDGET_BYTES) -> int:
    """The smallest odd stride that puts ``members`` paths of ``steps + 1`` points in ``budget``."""
    stride = 1
    while members * math.ceil((steps + 1) / stride + 1) * POINT_BYTES > budget and stride < steps:
        stride += 2
    return stride


def step_index(steps: int, stride: int) -> list[int]:
    """The steps kept by ``stride``, the last step always among them."""
    kept = list(range(0, steps + 1, stride))
    if kept[-1] != steps:
        kept.append(steps)
    return kept


def f32(values: np.ndarray) -> str:
    """Little-endian float32 in base64 (non-finite values cannot occur: see `live_body`)."""
    arr = np.clip(np.asarray(values, dtype=np.float64), -F32_MAX, F32_MAX).astype("<f4")
    return base64.b64encode(arr.tobytes()).decode("ascii")


def live_body(family, *, stride: int, loss_offset: float, labels: Sequence[Sequence[str]],
              symbols: Sequence[str], choices: Sequence[tuple[str, str]], verdicts: Sequence[int]) -> str:
    """The Live object without its ``index`` (the current value, added per race by `with_index`),
    so one family's text serves every value of its slider."""
    steps = family.path.shape[0] - 1
    kept = step_index(steps, stride)
    path = np.transpose(family.path[kept], (1, 0, 2))  # member-major: member j point i at 2(j·points + i)
    loss = np.transpose(family.loss[kept], (1, 0)) - float(loss_offset)
    entry = {
        "axes": [{"name": name, "symbol": sym, "values": list(values), "labels": list(lab)}
                 for (name, values), sym, lab in zip(family.axes, symbols, labels)],
        "choices": [c[0] for c in choices],
        "choice_labels": [c[1] for c in choices],
        "points": len(kept),
        "step_index": kept,
        "paths": f32(np.nan_to_num(path, nan=0.0)),
        "losses": f32(np.nan_to_num(loss, nan=F32_MAX)),
        "loss_offset": float(loss_offset),
        "diverged_at": [int(v) for v in family.diverged_at],
        "steps_to_tol": [int(v) for v in family.steps_to_tol],
        "limits": np.asarray(family.limits, dtype=float),
        "verdicts": [int(v) for v in verdicts],
    }
    return to_json(entry, digits=7)


def with_index(body: str, index: Sequence[int]) -> str:
    """``body`` with the race's current stop on each axis (``index``)."""
    return '{"index":' + to_json([int(i) for i in index]) + "," + body[1:]


__all__ = ["BUDGET_BYTES", "plain_symbol", "stride_for", "step_index", "f32", "live_body", "with_index"]
