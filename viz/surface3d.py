"""The 3-D view: the surface as a mesh with the paths lying on it.

On log-displayed surfaces (Rosenbrock) the height is the same log transform the contour uses,
otherwise the valley floor would be a flat sheet beside a wall 10⁴ times taller.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import plotly.graph_objects as go

from i18n import t

from .contours import CONTOUR_COLORSCALE, ContourGrid
from .palette import DIVERGED_COLOR, color_for
from .style import DEFAULT_STYLE, Style
from .trajectory import Trajectory, downsample_index

#: Grid cells per side of the mesh (the contour grid is subsampled to keep the figure light).
MESH = 60
MAX_POINTS = 1000
#: Play: this many frames at most, each path drawn with at most FRAME_POINTS points: a race of any
#: length stays a light figure (the frames repeat each path's prefix).
MAX_FRAMES = 40
FRAME_POINTS = 150


def _subsample(grid: ContourGrid, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ix = downsample_index(len(grid.x), n)
    iy = downsample_index(len(grid.y), n)
    return grid.x[ix], grid.y[iy], grid.zheight[np.ix_(iy, ix)]


def surface3d_figure(
    grid: ContourGrid,
    trajectories: Sequence[Trajectory],
    *,
    minima: Sequence[Sequence[float]] = (),
    style: Style = DEFAULT_STYLE,
    height: int = 600,
    seconds: float | None = None,
) -> go.Figure:
    """Surface mesh plus each path as a 3-D line at its own loss (slightly lifted to stay visible).

    The figure opens on the whole race and has ▶ Play (frames of every path up to a step, at most
    ``MAX_FRAMES``, played in ``seconds``, by default the 2-D player's own play time) and a step slider,
    so the 3-D view can be played like the maps."""
    x, y, z = _subsample(grid, MESH)
    zall = grid.zheight
    zspan = float(np.ptp(zall)) or 1.0
    lift = 0.015 * zspan
    fig = go.Figure(
        go.Surface(x=x, y=y, z=z, colorscale=CONTOUR_COLORSCALE, showscale=False, opacity=0.8,
                   contours=dict(z=dict(show=True, usecolormap=False, color="rgba(60,60,60,0.35)",
                                        start=float(z.min()), end=float(z.max()),
                                        size=zspan / 16)),
                   hoverinfo="skip", name=t("viz.surface3d.surface"))
    )
    (x0, x1), (y0, y1) = grid.bounds
    zlo, zhi = float(zall.min()), float(zall.max())
    moving: list[tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []  # trace, steps, x, y, z
    for traj in trajectories:
        idx = downsample_index(traj.n_points, MAX_POINTS)
        pts = traj.path[idx]
        zz = np.clip(grid.height(traj.loss[idx]), zlo, zhi) + lift
        inside = (pts[:, 0] >= x0) & (pts[:, 0] <= x1) & (pts[:, 1] >= y0) & (pts[:, 1] <= y1)
        # Points off the map are hidden (NaN breaks the line) instead of stretching the axes.
        px = np.where(inside, pts[:, 0], np.nan)
        py = np.where(inside, pts[:, 1], np.nan)
        moving.append((len(fig.data), idx, px, py, zz))
        fig.add_trace(
            go.Scatter3d(x=px, y=py, z=zz, mode="lines+markers" if traj.n_points <= 80 else "lines",
                         line=dict(color=color_for(traj.key), width=style.line_width * 2.5),
                         marker=dict(size=style.marker_size * 0.5, color=color_for(traj.key)),
                         name=t("viz.paths.diverged_name", name=traj.label, step=traj.diverged_at)
                         if traj.diverged else traj.label,
                         hovertemplate=f"{traj.label}<br>x=%{{x:.3g}} y=%{{y:.3g}}<extra></extra>")
        )
        if traj.diverged and inside[-1]:
            fig.add_trace(go.Scatter3d(x=[px[-1]], y=[py[-1]], z=[zz[-1]], mode="markers",
                                       marker=dict(symbol="x", size=style.marker_size, color=DIVERGED_COLOR),
                                       showlegend=False, hoverinfo="skip"))
    if minima:
        m = np.asarray(minima, dtype=float).reshape(-1, 2)
        # Height of each minimum: the nearest grid value (the grid already holds f there).
        ix = np.abs(grid.x[None, :] - m[:, :1]).argmin(axis=1)
        iy = np.abs(grid.y[None, :] - m[:, 1:]).argmin(axis=1)
        mz = zall[iy, ix]
        fig.add_trace(go.Scatter3d(x=m[:, 0], y=m[:, 1], z=mz + lift, mode="markers",
                                   marker=dict(symbol="diamond", size=style.marker_size, color="#FFD700",
                                               line=dict(color="#000", width=1)),
                                   name=t("viz.contours.minimum"), showlegend=False))
    if moving:
        _add_play(fig, moving, max(t.steps for t in trajectories), seconds)
    ratio = float(np.clip((y1 - y0) / max(x1 - x0, 1e-12), 0.4, 1.0))
    fig.update_layout(
        # Few z ticks: the z axis is the short one (aspect 0.7), and default ticks pile up there.
        scene=dict(xaxis=dict(title="x", range=[x0, x1], nticks=6), yaxis=dict(title="y", range=[y0, y1], nticks=6),
                   zaxis=dict(title="log₁₀(f − min f)" if grid.log else "f", nticks=4, exponentformat="power"),
                   aspectmode="manual",
                   aspectratio=dict(x=1.4, y=1.4 * ratio, z=0.7),
                   camera=dict(eye=dict(x=-0.35, y=-1.25, z=1.9))),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0),
    )
    return style.apply(fig, height=height)


def _add_play(fig: go.Figure, moving, steps: int, seconds: float | None) -> None:
    """Frames of every path up to a step, a Play/Pause pair and a step slider (3-D needs redraw)."""
    from .player.payload import default_speed

    seconds = seconds if seconds is not None else steps / default_speed(steps)
    shown = np.unique(np.linspace(0, steps, min(MAX_FRAMES, steps + 1)).round().astype(int))
    frames = []
    for step in shown:
        data = []
        for _, idx, px, py, zz in moving:
            upto = np.flatnonzero(idx <= step)
            keep = upto[downsample_index(len(upto), FRAME_POINTS)]
            data.append(go.Scatter3d(x=px[keep], y=py[keep], z=zz[keep]))
        frames.append(go.Frame(data=data, traces=[m[0] for m in moving], name=str(int(step))))
    fig.frames = frames
    duration = max(30, int(1000 * seconds / len(shown)))
    play = dict(frame=dict(duration=duration, redraw=True), transition=dict(duration=0), fromcurrent=True, mode="immediate")
    fig.update_layout(
        updatemenus=[dict(type="buttons", direction="left", x=0, y=0, xanchor="left", yanchor="top",
                          showactive=False, pad=dict(t=4, r=8),
                          buttons=[dict(label=t("player.play"), method="animate", args=[None, play]),
                                   dict(label=t("player.pause"), method="animate",
                                        args=[[None], dict(frame=dict(duration=0, redraw=False), mode="immediate")])])],
        sliders=[dict(active=len(shown) - 1, x=0.18, len=0.82, y=0, yanchor="top", pad=dict(t=4),
                      currentvalue=dict(prefix=t("viz.surface3d.step_prefix"), suffix=t("viz.surface3d.step_suffix"),
                                        visible=True),
                      steps=[dict(label=f.name, method="animate",
                                  args=[[f.name], dict(frame=dict(duration=0, redraw=True), mode="immediate")])
                             for f in frames])],
    )
