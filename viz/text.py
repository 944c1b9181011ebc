"""Numbers as a student reads them in tables and captions: no "None", "nan" or "θ_1000".

Why one module: the summary table, the mini-batch table and the step inspector each showed
missing values as pandas/Streamlit print them (raw "None" or "nan"), and plain-text captions
printed subscripts as ``θ_1000``. One formatter keeps "empty" meaning the same everywhere: an em
dash (or a column's own word, such as "never" for a run that never diverged).
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Mapping

import pandas as pd

from i18n import t

EMPTY = "—"
_SUBSCRIPT = str.maketrans("0123456789-+", "₀₁₂₃₄₅₆₇₈₉₋₊")


def subscript(value: int | str) -> str:
    """``subscript(1000) == "₁₀₀₀"``: an index written as Unicode subscript digits (plain text)."""
    return str(value).translate(_SUBSCRIPT)


def is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    try:
        return bool(pd.isna(value)) if not isinstance(value, (str, bytes, list, tuple, dict)) else False
    except (TypeError, ValueError):
        return False


def cell(value: Any, *, digits: int = 4, empty: str = EMPTY) -> str:
    """One table cell as text: ints as they are, floats to ``digits`` significant digits
    (scientific notation outside 1e-3…1e5), anything missing as ``empty``."""
    if is_missing(value):
        return empty
    if isinstance(value, bool):
        return t("viz.text.yes") if value else t("viz.text.no")
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        v = float(value)
        if math.isinf(v):
            return "∞" if v > 0 else "−∞"
        a = abs(v)
        if a != 0 and (a < 1e-3 or a >= 1e5):
            return f"{v:.{max(digits - 1, 0)}e}"
        return f"{v:.{digits}g}"
    text = str(value)
    return empty if text in ("", "None", "nan", "NaN", "<NA>") else text


def display_frame(df: pd.DataFrame, *, digits: int = 4, empty: str = EMPTY,
                  empty_as: Mapping[str, str] | None = None) -> pd.DataFrame:
    """A copy of ``df`` with every cell as text (see `cell`); ``empty_as`` gives a column its own
    word for an empty cell (e.g. ``{"diverged at step": "never"}``)."""
    empty_as = empty_as or {}
    out = pd.DataFrame(index=df.index)
    for col in df.columns:
        word = empty_as.get(col, empty)
        out[col] = [cell(v, digits=digits, empty=word) for v in df[col].tolist()]
    return out


def steps_text(n: float) -> str:
    """A step count as the lessons print it: 10, 76.9, 1,000 (one decimal only when needed).

    The window metric, the chart annotations, the caption and the recipe all use this, so they
    can never disagree (1/(1 − 0.9) is 10.000000000000002 in floating point: not "11").
    """
    return f"{n:,.1f}".rstrip("0").rstrip(".")


def near_one_over_e(value: float) -> bool:
    """Whether ``value`` may be called "≈ 1/e": within 10 % of it (β^(1/(1−β)) at β ≥ 0.84)."""
    return abs(value * math.e - 1.0) < 0.1
