"""One fixed, colour-blind-safe colour per optimizer, shared by every chart.

Why fixed: in a classroom the teacher says "watch the orange one"; if Adam were orange in the
race and blue in the loss chart, half the room would be lost. The colours come from the
Okabe–Ito palette (distinguishable under the common colour-vision deficiencies and on washed-out
projectors); its yellow is left out because it vanishes on the light contour background.
"""

from __future__ import annotations

#: Okabe–Ito colours, by name.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

#: The fixed colour of each registered optimizer (keys of ``optimizers.OPTIMIZERS``).
OPTIMIZER_COLORS: dict[str, str] = {
    "sgd": OKABE_ITO["black"],
    "momentum": OKABE_ITO["orange"],
    "nesterov": OKABE_ITO["sky_blue"],
    "adagrad": OKABE_ITO["bluish_green"],
    "rmsprop": OKABE_ITO["reddish_purple"],
    "adam": OKABE_ITO["blue"],
    "adamw": OKABE_ITO["vermillion"],
}

#: Colours for optimizers the table above does not know (custom ones added later).
_FALLBACK = ("#7F7F7F", "#8C564B", "#17BECF", "#BCBD22")

#: Divergence is flagged in red (always together with a dashed line, a cross and text, so the
#: warning never depends on colour alone).
DIVERGED_COLOR = "#E0001B"
#: The known minima (stars) and the start point.
MINIMUM_COLOR = "#FFD700"
START_COLOR = "#333333"


def color_for(key: str) -> str:
    """The colour of optimizer ``key``: fixed for known keys, stable (hash-free) otherwise."""
    if key in OPTIMIZER_COLORS:
        return OPTIMIZER_COLORS[key]
    return _FALLBACK[sum(map(ord, key)) % len(_FALLBACK)]


def rgba(color: str, alpha: float) -> str:
    """'#RRGGBB' -> 'rgba(r,g,b,alpha)' (translucent fills and faded trails)."""
    color = color.strip()
    if color.startswith("#") and len(color) == 7:
        r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
        return f"rgba({r},{g},{b},{alpha:g})"
    return color
