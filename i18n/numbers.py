"""How the app writes a number: one formatter for prose, one for sliders and links.

Both live here, beside the catalogs, because a sentence with a number is a catalog template
filled by these formatters (`i18n.t` calls them), never a sentence translated after the number
was written into it.
"""

from __future__ import annotations

import math

#: Significant digits of a number in a link: enough that a link reproduces a slider value exactly.
LINK_DIGITS = 8


def short_number(value: float, digits: int = 3, inf: str = "inf") -> str:
    """A number in a sentence a student reads: ``digits`` significant digits, no padded exponent.

    0.3, 12, 0.000722, 2.1e-9 (not 2.1e-09); ``inf`` says what an infinite value means where it
    is printed ("never", "∞ (diverged)"). The one prose formatter of every sentence the app
    writes (LaTeX numbers use `optimizers.explain.num`, links `format_number`).
    """
    value = float(value)
    if math.isinf(value):
        return inf if value > 0 else f"-{inf}"
    if math.isnan(value):
        return "nan"
    text = f"{value:.{digits}g}"
    if "e" in text:
        mantissa, exp = text.split("e")
        text = f"{mantissa}e{int(exp)}"
    return text


def format_number(value: float, digits: int = LINK_DIGITS) -> str:
    """The one way the app writes a number on sliders and in links: 1e-08, 0.001, 0.95, 1.5, 500.

    Whole numbers print without a decimal point (``steps=500``); others keep ``digits``
    significant digits, enough that a link reproduces a slider value exactly.
    """
    value = float(value)
    if not math.isfinite(value):
        return str(value)
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return f"{value:.{digits}g}"


def percent(share: float) -> str:
    """A share in [0, 1] as a whole percentage: 0.347 -> "35%" (the same in both languages)."""
    return f"{round(100 * float(share))}%"


__all__ = ["LINK_DIGITS", "short_number", "format_number", "percent"]
