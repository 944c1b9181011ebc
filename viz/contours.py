"""The contour map: a cached grid of f values and the plotly figure drawn from it.

Why a separate grid object: the grid depends only on the surface, so the app caches it once per
surface while every slider move re-simulates only the paths. The same grid feeds the browser
player, the static overlay and the 3-D view, so all three show the same landscape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import plotly.graph_objects as go

from i18n import t

from .palette import MINIMUM_COLOR, START_COLOR
from .style import DEFAULT_STYLE, Style

Array = np.ndarray
Bounds = tuple[tuple[float, float], tuple[float, float]]

#: Light-to-grey fill: low loss is white so coloured paths stand out where the action is.
CONTOUR_COLORSCALE = [[0.0, "#FFFFFF"], [0.5, "#E3E6EA"], [1.0, "#A9AFB7"]]
CONTOUR_LINE_COLOR = "rgba(60,60,60,0.35)"
N_LEVELS = 20


@dataclass(frozen=True)
class ContourGrid:
    """f sampled on a regular grid, plus the display transform chosen for it.

    ``z`` holds raw values of f (non-finite ones replaced by the largest finite value);
    ``zplot`` is what the contour shows. ``scale`` is "log" (log10(f − min f + δ)) when f spans
    many orders of magnitude (Rosenbrock, Beale), where linear levels would leave the valley
    blank, else "sqrt" (√(f − min f)), which spaces a quadratic bowl's ellipses evenly instead
    of crowding them at the rim.
    """

    x: Array  # (nx,)
    y: Array  # (ny,)
    z: Array  # (ny, nx)
    zplot: Array  # (ny, nx)
    scale: str
    zmin: float
    delta: float

    @property
    def log(self) -> bool:
        return self.scale == "log"

    @property
    def bounds(self) -> Bounds:
        return (float(self.x[0]), float(self.x[-1])), (float(self.y[0]), float(self.y[-1]))

    @property
    def zlabel(self) -> str:
        return {"log": "log₁₀(f − min f)", "sqrt": "√(f − min f)"}.get(self.scale, "f")

    def transform(self, values: Array) -> Array:
        """Map raw f values (e.g. the losses along a path) to the contour's display scale."""
        values = np.asarray(values, dtype=float)
        shifted = np.maximum(values - self.zmin, 0.0)
        if self.scale == "log":
            return np.log10(shifted + self.delta)
        if self.scale == "sqrt":
            return np.sqrt(shifted)
        return values

    def height(self, values: Array) -> Array:
        """Heights for the 3-D view: log on log-displayed surfaces, else f itself (a true bowl)."""
        values = np.asarray(values, dtype=float)
        return self.transform(values) if self.scale == "log" else values

    @property
    def zheight(self) -> Array:
        return self.zplot if self.scale == "log" else self.z


def contour_grid(
    f: Callable[[Array, Array], Array], bounds: Bounds, n: int = 121
) -> ContourGrid:
    """Sample ``f`` on an ``n`` × ``n`` grid over ``bounds`` and pick a log or sqrt display.

    The log display is chosen when the top of the range dwarfs the low values (max − min is more
    than 150× the 10th percentile − min, as on Rosenbrock and Beale, not on any quadratic here):
    then evenly spaced levels would all crowd the walls and leave the valley floor blank.
    """
    (x0, x1), (y0, y1) = bounds
    x = np.linspace(float(x0), float(x1), n)
    y = np.linspace(float(y0), float(y1), n)
    xx, yy = np.meshgrid(x, y)
    with np.errstate(all="ignore"):
        z = np.asarray(f(xx, yy), dtype=float) * np.ones_like(xx)
    finite = np.isfinite(z)
    if not finite.any():
        z = np.zeros_like(xx)
        finite = np.ones_like(z, dtype=bool)
    top = float(z[finite].max())
    z = np.where(finite, z, top)
    zmin = float(z.min())
    span = top - zmin
    low = float(np.quantile(z, 0.1)) - zmin
    scale = "log" if span > 0 and low > 0 and span / low > 150.0 else "sqrt"
    # δ keeps log(f − min f) finite; at the 0.5th percentile of the grid the lowest levels stay
    # larger than the grid can resolve (no confetti of tiny contours along a narrow valley floor).
    delta = max(float(np.quantile(z, 0.005)) - zmin, span * 1e-6, 1e-12)
    grid = ContourGrid(x=x, y=y, z=z, zplot=z, scale=scale, zmin=zmin, delta=delta)
    return ContourGrid(x=x, y=y, z=z, zplot=grid.transform(z), scale=scale, zmin=zmin, delta=delta)


def contour_levels(grid: ContourGrid, n: int = N_LEVELS) -> dict:
    """Plotly ``contours`` start/end/size covering the display range in ``n`` levels."""
    lo, hi = float(np.min(grid.zplot)), float(np.max(grid.zplot))
    if not hi > lo:
        hi = lo + 1.0
    size = (hi - lo) / n
    return {"start": lo + size / 2, "end": hi, "size": size}


def contour_trace(grid: ContourGrid, style: Style = DEFAULT_STYLE, *, showscale: bool = False) -> go.Contour:
    """The filled contour of ``grid`` (no hover: the paths are what students point at)."""
    return go.Contour(
        x=grid.x,
        y=grid.y,
        z=grid.zplot,
        colorscale=CONTOUR_COLORSCALE,
        contours=dict(coloring="fill", showlines=True, **contour_levels(grid)),
        line=dict(color=CONTOUR_LINE_COLOR, width=1.0 if not style.projector else 1.6),
        showscale=showscale,
        hoverinfo="skip",
        name=grid.zlabel,
        showlegend=False,
    )


def minima_trace(minima: Sequence[Sequence[float]], style: Style = DEFAULT_STYLE) -> go.Scatter:
    """Gold stars at the known minima (empty trace when none are known, e.g. the saddle)."""
    pts = np.asarray(minima, dtype=float).reshape(-1, 2)
    return go.Scatter(
        x=pts[:, 0],
        y=pts[:, 1],
        mode="markers",
        marker=dict(
            symbol="star", size=style.marker_size * 2.2, color=MINIMUM_COLOR,
            line=dict(color="#000000", width=1.2),
        ),
        name=t("viz.contours.minimum"),
        hovertemplate=t("viz.contours.minimum_hover", x="%{x:.3g}", y="%{y:.3g}") + "<extra></extra>",
        showlegend=False,
    )


def start_trace(start: Sequence[float], style: Style = DEFAULT_STYLE) -> go.Scatter:
    """A hollow circle at the start point shared by all optimizers."""
    return go.Scatter(
        x=[float(start[0])],
        y=[float(start[1])],
        mode="markers",
        marker=dict(
            symbol="circle-open", size=style.marker_size * 1.8, color=START_COLOR,
            line=dict(width=style.line_width),
        ),
        name=t("viz.contours.start"),
        hovertemplate=t("viz.contours.start_hover", x="%{x:.3g}", y="%{y:.3g}") + "<extra></extra>",
        showlegend=False,
    )


def contour_figure(
    grid: ContourGrid,
    *,
    minima: Sequence[Sequence[float]] = (),
    start: Sequence[float] | None = None,
    style: Style = DEFAULT_STYLE,
    title: str | None = None,
    height: int = 460,
) -> go.Figure:
    """A contour map with the minima starred (and the start ringed): the base of every map."""
    fig = go.Figure([contour_trace(grid, style), minima_trace(minima, style)])
    if start is not None:
        fig.add_trace(start_trace(start, style))
    (x0, x1), (y0, y1) = grid.bounds
    fig.update_xaxes(range=[x0, x1], title_text="x", showgrid=False, zeroline=False)
    fig.update_yaxes(range=[y0, y1], title_text="y", showgrid=False, zeroline=False)
    if title:
        fig.update_layout(title_text=title)
    return style.apply(fig, height=height)
