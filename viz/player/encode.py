"""Compact JSON for the player: numbers rounded to a few significant digits.

Why hand-rolled: ``json.dumps`` writes 17 digits per float; at 5 the 6 × 2,000-step payload is
well under a megabyte, and the browser draws far below a pixel's precision anyway.
"""

from __future__ import annotations

import json
import math
from typing import Any, Mapping

import numpy as np

#: Significant digits sent to the browser: far below a pixel, and it halves the payload.
SIG_DIGITS = 5
#: Digits for noise-cloud paths: faint 1-pixel lines, so 4 digits (1e-4 of the map) is plenty.
CLOUD_DIGITS = 4


class RawJSON(str):
    """Text that `to_json` inserts verbatim (a part already serialized with other settings)."""


def _num(v: float, digits: int) -> str:
    return f"{v:.{digits}g}" if math.isfinite(v) else "null"


def _array_json(arr: np.ndarray, digits: int = SIG_DIGITS) -> str:
    flat = np.asarray(arr, dtype=float).ravel()
    if flat.size == 0:
        return "[]"
    text = np.char.mod(f"%.{digits}g", flat)
    bad = ~np.isfinite(flat)
    if bad.any():
        text = text.astype(object)
        text[bad] = "null"
    return "[" + ",".join(text.tolist()) + "]"


def to_json(obj: Any, digits: int = SIG_DIGITS) -> str:
    """JSON with numpy arrays flattened and rounded to ``digits`` significant digits.

    Non-finite numbers become null (JSON has no NaN); a list of Python ints stays integers.
    """
    if isinstance(obj, RawJSON):
        return str(obj)
    if isinstance(obj, np.ndarray):
        return _array_json(obj, digits)
    if isinstance(obj, Mapping):
        return "{" + ",".join(json.dumps(str(k)) + ":" + to_json(v, digits) for k, v in obj.items()) + "}"
    if isinstance(obj, (list, tuple)):
        if obj and all(isinstance(v, (float, int, np.floating, np.integer)) and not isinstance(v, bool) for v in obj):
            return _array_json(np.asarray(obj, dtype=float), digits) if any(
                isinstance(v, (float, np.floating)) for v in obj) else json.dumps([int(v) for v in obj])
        return "[" + ",".join(to_json(v, digits) for v in obj) + "]"
    if isinstance(obj, (bool, np.bool_)):
        return "true" if obj else "false"
    if isinstance(obj, (int, np.integer)):
        return str(int(obj))
    if isinstance(obj, (float, np.floating)):
        return _num(float(obj), digits)
    if obj is None:
        return "null"
    return json.dumps(obj)
