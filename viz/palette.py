"""One fixed, colour-blind-safe colour per optimizer, shared by every chart.

Why fixed: in a classroom the teacher says "watch the orange one"; if Adam were orange in the
race and blue in the loss chart, half the room would be lost. Colours are assigned by the
optimizer's position in the registry (``optimizers.OPTIMIZERS``), so a new optimizer gets the
next colour without any edit here.

Why these colours: the Okabe–Ito palette first (distinguishable under the common colour-vision
deficiencies and on washed-out projectors; its yellow is left out because it vanishes on the
light contour background), then Paul Tol's *muted* scheme, also designed to stay distinct for
colour-blind viewers, for the 8th optimizer on. Together: 16 distinct colours.
"""

from __future__ import annotations

from optimizers import OPTIMIZERS

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

#: Paul Tol's muted scheme (https://personal.sron.nl/~pault/), by name.
TOL_MUTED = {
    "indigo": "#332288",
    "cyan": "#88CCEE",
    "teal": "#44AA99",
    "green": "#117733",
    "olive": "#999933",
    "sand": "#DDCC77",
    "rose": "#CC6677",
    "wine": "#882255",
    "purple": "#AA4499",
}

#: The order colours are handed out in (registry index i gets ``SEQUENCE[i]``).
SEQUENCE: tuple[str, ...] = (
    OKABE_ITO["black"],
    OKABE_ITO["orange"],
    OKABE_ITO["sky_blue"],
    OKABE_ITO["bluish_green"],
    OKABE_ITO["reddish_purple"],
    OKABE_ITO["blue"],
    OKABE_ITO["vermillion"],
    TOL_MUTED["indigo"],
    TOL_MUTED["olive"],
    TOL_MUTED["wine"],
    TOL_MUTED["teal"],
    TOL_MUTED["rose"],
    TOL_MUTED["green"],
    TOL_MUTED["cyan"],
    TOL_MUTED["purple"],
    TOL_MUTED["sand"],
)

#: Divergence is flagged in red (always together with a dashed line, a cross and text, so the
#: warning never depends on colour alone).
DIVERGED_COLOR = "#E0001B"
#: The known minima (stars) and the start point.
MINIMUM_COLOR = "#FFD700"
START_COLOR = "#333333"


def color_at(index: int) -> str:
    """The colour of the optimizer at registry position ``index`` (cycles past 16)."""
    return SEQUENCE[index % len(SEQUENCE)]


#: The fixed colour of each registered optimizer, by registry position.
OPTIMIZER_COLORS: dict[str, str] = {key: color_at(i) for i, key in enumerate(OPTIMIZERS)}


def color_for(key: str) -> str:
    """The colour of optimizer ``key``: fixed for registered keys, stable (hash-free) otherwise."""
    if key in OPTIMIZER_COLORS:
        return OPTIMIZER_COLORS[key]
    spare = max(1, len(SEQUENCE) - len(OPTIMIZER_COLORS))
    return color_at(len(OPTIMIZER_COLORS) + sum(map(ord, key)) % spare)


def rgba(color: str, alpha: float) -> str:
    """'#RRGGBB' -> 'rgba(r,g,b,alpha)' (translucent fills and faded trails)."""
    color = color.strip()
    if color.startswith("#") and len(color) == 7:
        r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
        return f"rgba({r},{g},{b},{alpha:g})"
    return color
