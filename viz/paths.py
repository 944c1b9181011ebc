"""Static path figures: all paths on one map (overlay) and loss versus step.

These are the non-animated companions of the browser player: the overlay for lesson pages and
printouts, the loss chart under the race. Both take `Trajectory` objects and use each
optimizer's fixed colour, and both draw a diverged run up to its last finite point with a red
cross where it left, never an empty chart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import plotly.graph_objects as go

from i18n import t

from .clouds import CloudView, band_traces, hover_template
from .contours import ContourGrid, contour_figure
from .palette import DIVERGED_COLOR, color_for
from .style import DEFAULT_STYLE, Style
from .trajectory import Trajectory, downsample_index

#: Losses at or below this are drawn at this value on the log axis (log 0 is −∞).
LOSS_FLOOR = 1e-16
#: Points per path sent to static figures (the animated player gets every point).
MAX_POINTS = 2000


def path_traces(traj: Trajectory, style: Style = DEFAULT_STYLE, *, showlegend: bool = True) -> list[go.Scatter]:
    """The path of ``traj`` (markers on every step for short runs) plus a red cross if it diverged."""
    color = color_for(traj.key)
    idx = downsample_index(traj.n_points, MAX_POINTS)
    pts = traj.path[idx]
    short = traj.n_points <= 80
    name = t("viz.paths.diverged_name", name=traj.label, step=traj.diverged_at) if traj.diverged else traj.label
    traces = [
        go.Scatter(
            x=pts[:, 0], y=pts[:, 1],
            mode="lines+markers" if short else "lines",
            line=dict(color=color, width=style.line_width),
            marker=dict(size=style.marker_size * 0.7, color=color),
            name=name, legendgroup=traj.key, showlegend=showlegend,
            hovertemplate=f"{traj.label}<br>x=%{{x:.4g}}<br>y=%{{y:.4g}}<extra></extra>",
        )
    ]
    if traj.diverged:
        last = traj.path[-1]
        traces.append(
            go.Scatter(
                x=[last[0]], y=[last[1]], mode="markers+text",
                marker=dict(symbol="x", size=style.marker_size * 1.8, color=DIVERGED_COLOR,
                            line=dict(width=2, color=DIVERGED_COLOR)),
                text=[t("viz.paths.diverged_at", step=traj.diverged_at)], textposition="top center",  # i18n: internal
                textfont=dict(color=DIVERGED_COLOR, size=style.font_size),
                name=t("viz.paths.diverged_trace", name=traj.label), legendgroup=traj.key, showlegend=False,
                hoverinfo="skip",
            )
        )
    return traces


def overlay_figure(
    grid: ContourGrid,
    trajectories: Sequence[Trajectory],
    *,
    minima: Sequence[Sequence[float]] = (),
    start: Sequence[float] | None = None,
    style: Style = DEFAULT_STYLE,
    title: str | None = None,
    height: int = 520,
) -> go.Figure:
    """All paths on one contour map, with a legend (one entry per optimizer)."""
    fig = contour_figure(grid, minima=minima, start=start, style=style, title=title, height=height)
    for traj in trajectories:
        for trace in path_traces(traj, style):
            fig.add_trace(trace)
    fig.update_layout(legend=dict(orientation="h", yanchor="bottom", y=1.01, xanchor="left", x=0))
    return fig


@dataclass(frozen=True)
class LossScale:
    """The loss chart's y axis: f − f* on a log axis, or plain f on a linear one, and its title.

    Shared by `loss_figure` (plotly) and the player's loss chart (drawn in the browser from the
    payload, `viz.player`), so both follow one rule (see `loss_figure`).
    """

    log: bool
    title: str
    f_star: float | None = None

    def shown(self, values) -> np.ndarray:
        """Values as plotted: f − f* floored at ``LOSS_FLOOR`` on the log axis, else f."""
        values = np.asarray(values, dtype=float)
        return np.maximum(values - self.f_star, LOSS_FLOOR) if self.log else values


def loss_scale(trajectories: Sequence[Trajectory], *, ghosts: Sequence[Trajectory] = (),
               clouds: Sequence[CloudView] = (), f_star: float | None = None) -> LossScale:
    """Log f − f* when f* is known and no run goes clearly below it; linear f otherwise."""
    lowest = [t.loss for t in [*trajectories, *ghosts]] + [c.loss_q25 for c in clouds]
    below = f_star is not None and any(
        float(np.nanmin(v)) < f_star - 1e-9 * (1.0 + abs(f_star)) for v in lowest if np.isfinite(v).any()
    )
    if f_star is not None and not below:
        title = t("viz.paths.log_title") if f_star == 0 else t("viz.paths.log_title_shifted", f_star=float(f_star))
        return LossScale(True, title, float(f_star))
    if below:
        return LossScale(False, t("viz.paths.below_minimum_title"))
    return LossScale(False, t("viz.paths.no_minimum_title"))


def loss_figure(
    trajectories: Sequence[Trajectory],
    *,
    ghosts: Sequence[Trajectory] = (),
    clouds: Sequence[CloudView] = (),
    f_star: float | None = None,
    style: Style = DEFAULT_STYLE,
    height: int = 380,
) -> go.Figure:
    """Loss versus step for every run, log scale when the minimum value f* is known.

    With f* known the curve is f − f* (so "reaching the minimum" means heading to 0, i.e. down
    the log axis), clipped to ``LOSS_FLOOR``; without it (a saddle is unbounded below) the axis
    is linear f. A run that goes clearly *below* f* (a custom formula whose numerically found
    minimum is only the lowest point on the plotted range) switches the chart to linear f too,
    rather than flattening that run onto the floor. The axis title says which. ``ghosts``
    (comparison runs) are drawn dashed; ``clouds`` (`viz.clouds.CloudView`, noise clouds) add
    each optimizer's median over its seeded runs (dotted) with the band of the middle 50%.
    """
    fig = go.Figure()
    scale = loss_scale(trajectories, ghosts=ghosts, clouds=clouds, f_star=f_star)
    shown = scale.shown

    for cloud in clouds:
        fig.add_traces(band_traces(cloud.loss_idx, shown(cloud.loss_q25), shown(cloud.loss_median),
                                   shown(cloud.loss_q75), color=color_for(cloud.key),
                                   name=cloud.band_name(),
                                   legendgroup=cloud.key, width=style.line_width * 0.8, median_dash="dot",
                                   band_legend=False))
    for traj, dash in [(run, None) for run in trajectories] + [(g, "dash") for g in ghosts]:
        color = color_for(traj.key)
        idx = downsample_index(traj.n_points, MAX_POINTS)
        y = shown(traj.loss[idx])
        fig.add_trace(
            go.Scatter(
                x=idx, y=y, mode="lines", name=traj.label, legendgroup=traj.key,
                line=dict(color=color, width=style.line_width * (0.7 if dash else 1.0), dash=dash),
                opacity=0.6 if dash else 1.0,
                hovertemplate=hover_template(traj.label),
            )
        )
        if traj.diverged:
            fig.add_trace(
                go.Scatter(
                    x=[idx[-1]], y=[y[-1]], mode="markers",
                    marker=dict(symbol="x", size=style.marker_size * 1.6, color=DIVERGED_COLOR),
                    name=t("viz.paths.diverged_legend", name=traj.label, step=traj.diverged_at),
                    legendgroup=traj.key, showlegend=False,
                    hovertemplate=t("viz.paths.diverged_hover", name=traj.label, step=traj.diverged_at)
                    + "<extra></extra>",
                )
            )
    fig.update_xaxes(title_text=t("viz.chart.step"))
    if scale.log:
        fig.update_yaxes(type="log", title_text=scale.title, exponentformat="power")
    else:
        fig.update_yaxes(type="linear", title_text=scale.title)
    fig.update_layout(hovermode="x unified" if len(trajectories) > 1 else "closest",
                      legend=dict(orientation="h", yanchor="bottom", y=1.01, xanchor="left", x=0))
    return style.apply(fig, height=height)
