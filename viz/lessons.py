"""Figures for the lesson pages: plain functions, numbers in, plotly figures out.

No Streamlit and no maths beyond layout here: the pages compute with the core and hand arrays
to these functions, so every figure can be rebuilt in a notebook or checked in a unit test.
Colours are parameters (the pages pass the app's fixed per-optimizer palette); the defaults
are the Okabe-Ito colour-blind-safe set so a figure is readable even when called bare.
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from i18n import t as _t
from viz.clouds import band_traces
from viz.palette import DIVERGED_COLOR, rgba
from viz.style import DEFAULT_STYLE, Style
from viz.text import near_one_over_e, steps_text
from viz.trajectory import downsample_index

Array = np.ndarray

#: Okabe-Ito order for series that are not optimizers (schedules, batch sizes, EWMA curves).
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000")
RAW_COLOR = "rgba(120,120,120,0.55)"


def _color(colors: Mapping[str, str] | None, name: str, i: int) -> str:
    if colors and name in colors:
        return colors[name]
    return OKABE_ITO[i % len(OKABE_ITO)]


def _base_layout(fig: go.Figure, height: int = 420, style: Style = DEFAULT_STYLE, **kwargs) -> go.Figure:
    """The app's style (fonts, projector sizes) plus a legend above the plot, out of the data."""
    fig.update_layout(hovermode="closest", **kwargs)
    style.apply(fig, height=height)
    # Legend under the plot: above it, it collides with the title once there are 3+ entries.
    # It goes below the x ticks *and* the x-axis title, placed in pixels (a fixed paper fraction
    # such as y = −0.22 lands on the axis title of a short plot, e.g. "k steps back").
    top, bottom = (60 if fig.layout.title.text else 20), 120
    fig.update_layout(margin=dict(t=top, b=bottom))
    plot_px = max(60, (fig.layout.height or 450) - top - bottom)
    font = style.font_size
    x_titled = any(getattr(ax.title, "text", None) for ax in fig.select_xaxes())
    below_px = 1.5 * font + 12 + (1.4 * font + 8 if x_titled else 0)
    legend_y = -below_px / plot_px
    bottom = max(bottom, int(below_px + 1.6 * font * 2 + 10))
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=legend_y, xanchor="left", x=0),
                      margin=dict(t=top, b=bottom))
    return fig


# ----------------------------------------------------------------------------- EWMA lesson


def ewma_figure(
    t: Array,
    series: Array,
    uncorrected: Array,
    corrected: Array,
    beta: float,
    *,
    series_name: str | None = None,
    y_title: str | None = None,
    truth: Array | None = None,
    window_at: int | None = None,
    style: Style = DEFAULT_STYLE,
) -> go.Figure:
    """Two panels side by side: the EWMA without and with bias correction on the same data.

    The warm-up stretch (the first ≈1/(1−β) steps, where v₀ = 0 still weighs heavily) is
    shaded in both panels, so the eye goes straight to where the two disagree. A bracket of
    width 1/(1−β) ending at ``window_at`` shows the effective window on the data itself.
    """
    t = np.asarray(t, dtype=float)
    series_name = _t("viz_lessons.ewma.observations") if series_name is None else series_name
    y_title = _t("viz_lessons.ewma.value") if y_title is None else y_title
    window = 1.0 / (1.0 - beta)
    fig = make_subplots(
        rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.04,
        subplot_titles=(_t("viz_lessons.ewma.panel_raw"), _t("viz_lessons.ewma.panel_corrected")),
    )
    warm_end = min(float(t[-1]), float(t[0]) + window)
    finite = np.concatenate([np.asarray(series, float), np.asarray(corrected, float), np.asarray(uncorrected, float)])
    finite = finite[np.isfinite(finite)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    pad = 0.08 * (hi - lo or 1.0)
    for col, (curve, name, color) in enumerate(
        ((uncorrected, _t("viz_lessons.ewma.raw"), OKABE_ITO[3]), (corrected, _t("viz_lessons.ewma.corrected"), OKABE_ITO[0])),
        start=1
    ):
        fig.add_trace(
            go.Scatter(
                x=t, y=series, mode="markers", marker=dict(size=4, color=RAW_COLOR), name=series_name,
                showlegend=col == 1, legendgroup="raw",
            ),
            row=1, col=col,
        )
        if truth is not None:
            fig.add_trace(
                go.Scatter(
                    x=t, y=truth, mode="lines", line=dict(color="#555", dash="dot", width=1.5),
                    name=_t("viz_lessons.ewma.truth"), showlegend=col == 1, legendgroup="truth",
                ),
                row=1, col=col,
            )
        fig.add_trace(
            go.Scatter(x=t, y=curve, mode="lines", line=dict(color=color, width=3), name=name),
            row=1, col=col,
        )
    # Effective-window bracket in both panels, at a time where the warm-up is long over.
    end = float(window_at if window_at is not None else t[int(0.8 * (len(t) - 1))])
    begin = max(float(t[0]), end - window)
    y_br = hi + pad * 0.5
    for col in (1, 2):
        # After the traces: plotly skips shapes aimed at a subplot that is still empty.
        fig.add_vrect(
            x0=float(t[0]), x1=warm_end, fillcolor="rgba(230,159,0,0.18)", line_width=0, layer="below",
            row=1, col=col,
        )
        fig.add_shape(
            type="line", x0=begin, x1=end, y0=y_br, y1=y_br, line=dict(color="#333", width=3), row=1, col=col
        )
        for x in (begin, end):
            fig.add_shape(
                type="line", x0=x, x1=x, y0=y_br - pad * 0.4, y1=y_br, line=dict(color="#333", width=3),
                row=1, col=col,
            )
        fig.add_annotation(
            x=(begin + end) / 2, y=y_br, yshift=12, showarrow=False, row=1, col=col,
            text=_t("viz_lessons.ewma.window", window=steps_text(window)),
            font=dict(size=round(style.font_size * 0.85)),  # two panels' labels side by side on a phone
        )
    fig.add_annotation(
        x=float(t[0]), y=lo - pad, xanchor="left", yanchor="middle", showarrow=False, row=1, col=1,
        text=_t("viz_lessons.ewma.shaded"), font=dict(color="#8a5a00", size=round(style.font_size * 0.85)),
    )
    fig.update_yaxes(range=[lo - 1.8 * pad, hi + 2.2 * pad], title_text=y_title, row=1, col=1)
    fig.update_xaxes(title_text=_t("viz_lessons.axis.step_t"))
    _base_layout(fig, height=470, style=style, title=_t("viz_lessons.ewma.title", beta=float(beta)))
    # Room for the two-line subplot titles (name, then formula: short lines fit side by side on a
    # phone) and the window brackets.
    fig.update_layout(margin=dict(t=112))
    return fig


def ewma_weights_figure(beta: float, horizon: int | None = None, *, style: Style = DEFAULT_STYLE) -> go.Figure:
    """The weights (1−β)·βᵏ that vₜ gives to θₜ₋ₖ: why 1/(1−β) is called the window.

    After k = 1/(1−β) steps back the weight has fallen to β^(1/(1−β)) of today's: close to 1/e
    (and ≈63 % of the mass inside the window) only for β near 1, so the annotation prints the
    computed weight and says "≈ 1/e" only when it is within 10 % of it.
    """
    window = 1.0 / (1.0 - beta)
    n_in = math.ceil(window - 1e-9)  # 1/(1-0.9) is 10.000000000000002 in floating point
    horizon = int(horizon or max(10, math.ceil(3 * window)))
    k = np.arange(horizon)
    w = (1 - beta) * beta**k
    inside = k < n_in
    fig = go.Figure()
    fig.add_trace(go.Bar(x=k[inside], y=w[inside], marker_color=OKABE_ITO[0], name=_t("viz_lessons.weights.inside")))
    fig.add_trace(go.Bar(x=k[~inside], y=w[~inside], marker_color="rgba(0,114,178,0.3)", name=_t("viz_lessons.weights.older")))
    fig.add_vline(x=window, line=dict(color="#333", dash="dash"))
    fig.add_annotation(
        x=window, y=float(w[0]), xanchor="left", showarrow=False,
        text=_t("viz_lessons.weights.note_near" if near_one_over_e(beta**window) else "viz_lessons.weights.note",
                window=steps_text(window), weight=float(beta**window)),
        align="left", yanchor="top",
    )
    mass = 1 - beta**n_in
    fig.update_layout(bargap=0.05)
    fig.update_xaxes(title_text=_t("viz_lessons.weights.x"), range=[-0.5, horizon - 0.5])
    fig.update_yaxes(title_text=_t("viz_lessons.weights.y"))
    return _base_layout(fig, height=320, style=style, title=_t("viz_lessons.weights.title", mass=float(mass), n=n_in))


# ------------------------------------------------------------------ learning-rate schedules


def schedule_figure(
    curves: Mapping[str, tuple[Array, Array]],
    highlight: str | None = None,
    *,
    colors: Mapping[str, str] | None = None,
    y_title: str | None = None,
    title: str | None = None,
    style: Style = DEFAULT_STYLE,
) -> go.Figure:
    """Learning rate against step for several schedules; the chosen one drawn bold.

    Showing the other schedules faintly behind the chosen one is the point: students compare
    shapes (sudden steps vs smooth decay vs warm-up) rather than reading one curve alone.
    """
    fig = go.Figure()
    for i, (name, (t, lr)) in enumerate(curves.items()):
        bold = highlight is None or name == highlight
        color = _color(colors, name, i)
        fig.add_trace(
            go.Scatter(
                x=t, y=lr, mode="lines", name=name,
                line=dict(color=color if bold else rgba(color, 0.35), width=4 if bold else 1.5),
            )
        )
    fig.update_xaxes(title_text=_t("viz_lessons.axis.step_t"))
    fig.update_yaxes(title_text=_t("viz_lessons.schedule.y") if y_title is None else y_title, rangemode="tozero")
    return _base_layout(fig, height=380, style=style, title=_t("viz_lessons.schedule.title") if title is None else title)


def loss_curves_figure(
    curves: Mapping[str, tuple[Array, Array]],
    *,
    colors: Mapping[str, str] | None = None,
    x_title: str | None = None,
    y_title: str | None = None,
    log_y: bool = True,
    title: str | None = None,
    dashes: Mapping[str, str] | None = None,
    height: int = 380,
    style: Style = DEFAULT_STYLE,
) -> go.Figure:
    """Loss (or any positive quantity) against steps or epochs, one line per run.

    Log y by default because the interesting part (the floor a noisy run cannot get below) is
    orders of magnitude under the start. Non-positive values are dropped on log axes.
    """
    fig = go.Figure()
    for i, (name, (x, y)) in enumerate(curves.items()):
        y = np.asarray(y, dtype=float)
        if log_y:
            y = np.where(y > 0, y, np.nan)
        fig.add_trace(
            go.Scatter(
                x=x, y=y, mode="lines", name=name,
                line=dict(color=_color(colors, name, i), width=2.5, dash=(dashes or {}).get(name, "solid")),
            )
        )
    fig.update_xaxes(title_text=_t("viz_lessons.axis.step") if x_title is None else x_title)
    fig.update_yaxes(title_text=_t("viz_lessons.axis.loss") if y_title is None else y_title,
                     type="log" if log_y else "linear", exponentformat="power",
                     dtick=1 if log_y else None)
    return _base_layout(fig, height=height, style=style, title=title)


def add_paths(
    fig: go.Figure,
    paths: Mapping[str, Array],
    *,
    colors: Mapping[str, str] | None = None,
    dashes: Mapping[str, str] | None = None,
    width: float | None = None,
    markers: bool = False,
    style: Style = DEFAULT_STYLE,
) -> go.Figure:
    """Overlay 2-D paths ((S+1, 2) arrays) on a map figure, each ending in a cross."""
    width = style.line_width if width is None else width
    for i, (name, path) in enumerate(paths.items()):
        path = np.asarray(path, dtype=float)
        color = _color(colors, name, i)
        fig.add_trace(
            go.Scatter(
                x=path[:, 0], y=path[:, 1], mode="lines+markers" if markers else "lines", name=name,
                line=dict(color=color, width=width, dash=(dashes or {}).get(name, "solid")),
                marker=dict(size=3, color=color), legendgroup=name,
            )
        )
        fig.add_trace(
            go.Scatter(
                x=path[-1:, 0], y=path[-1:, 1], mode="markers", showlegend=False, legendgroup=name,
                marker=dict(size=style.marker_size * 1.6, color=color, symbol="x", line=dict(width=1, color="white")),
                hovertemplate=_t("viz_lessons.paths.end", name=name) + ": (%{x:.3g}, %{y:.3g})<extra></extra>",
            )
        )
    return fig


def add_endpoints(
    fig: go.Figure, points: Array, *, color: str, name: str, opacity: float = 0.55, style: Style = DEFAULT_STYLE
) -> go.Figure:
    """Where K seeded runs ended, as translucent dots: the 'noise ball' made visible."""
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    fig.add_trace(
        go.Scatter(
            x=pts[:, 0], y=pts[:, 1], mode="markers", name=name,
            marker=dict(size=style.marker_size, color=rgba(color, opacity), line=dict(width=1, color=color)),
            hovertemplate=f"{name}<br>(%{{x:.3g}}, %{{y:.3g}})<extra></extra>",
        )
    )
    return fig


def zoom_bounds(points: Array, *, margin: float = 0.25, min_half: float = 1e-3):
    """A square window ((x0, x1), (y0, y1)) around ``points`` (e.g. where noisy runs ended)."""
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    pts = pts[np.isfinite(pts).all(axis=1)]
    if not len(pts):
        return None
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    cx, cy = (lo + hi) / 2
    half = max(float((hi - lo).max()) / 2 * (1 + margin), min_half)
    return (float(cx - half), float(cx + half)), (float(cy - half), float(cy + half))


def map_figure(
    surface,
    *,
    start=None,
    style: Style = DEFAULT_STYLE,
    title: str | None = None,
    height: int = 460,
    resolution: int = 121,
    bounds=None,
) -> go.Figure:
    """The shared contour map (viz.contours) of a surface, minima starred, start ringed.

    A thin wrapper so lesson pages get exactly the map the Compare page draws; ``bounds``
    overrides the surface's own (a zoomed view gets its own, finer contour levels).
    """
    from viz.contours import contour_figure, contour_grid

    grid = contour_grid(surface.f, bounds or surface.bounds, n=resolution)
    return contour_figure(grid, minima=surface.minima, start=start, style=style, title=title, height=height)


# ------------------------------------------------------------- batch / mini-batch / SGD


def regression_data_figure(
    x: Array,
    y: Array,
    lines: Mapping[str, tuple[float, float]],
    *,
    colors: Mapping[str, str] | None = None,
    truth: tuple[float, float] | None = None,
    dashes: Mapping[str, str] | None = None,
    style: Style = DEFAULT_STYLE,
) -> go.Figure:
    """The data behind the loss surface, with the line y = w·x + b each run ended on."""
    x = np.asarray(x, dtype=float)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=x, y=y, mode="markers", name=_t("viz_lessons.regression.data"), marker=dict(size=6, color=RAW_COLOR)))
    xs = np.array([x.min(), x.max()]) if x.size else np.array([0.0, 1.0])
    if truth is not None:
        fig.add_trace(
            go.Scatter(
                x=xs, y=truth[0] * xs + truth[1], mode="lines", name=_t("viz_lessons.regression.truth", w=float(truth[0]), b=float(truth[1])),
                line=dict(color="#555", dash="dot"),
            )
        )
    for i, (name, (w, b)) in enumerate(lines.items()):
        fig.add_trace(
            go.Scatter(
                x=xs, y=w * xs + b, mode="lines", name=f"{name}: w={w:.3g}, b={b:.3g}",
                line=dict(color=_color(colors, name, i), width=3, dash=(dashes or {}).get(name, "solid")),
            )
        )
    fig.update_xaxes(title_text="x")
    fig.update_yaxes(title_text="y")
    return _base_layout(fig, height=380, style=style, title=_t("viz_lessons.regression.title"))


# --------------------------------------------------------------------- hyperparameter map


def cell_edges(values: Array, log: bool) -> Array:
    """Edges of the cells centred on ``values`` (midpoints; geometric on log axes).

    Plotly would otherwise split cells halfway in *linear* space, which on a log axis makes
    the cells visibly lopsided and misplaces the clicked cell.
    """
    v = np.asarray(values, dtype=float)
    if v.size == 1:
        return np.array([v[0] / 1.5, v[0] * 1.5]) if log else np.array([v[0] - 0.5, v[0] + 0.5])
    if log:
        lv = np.log10(v)
        mid = (lv[:-1] + lv[1:]) / 2
        return 10 ** np.concatenate([[lv[0] - (mid[0] - lv[0])], mid, [lv[-1] + (lv[-1] - mid[-1])]])
    mid = (v[:-1] + v[1:]) / 2
    return np.concatenate([[v[0] - (mid[0] - v[0])], mid, [v[-1] + (v[-1] - mid[-1])]])


def sweep_heatmap(
    x_values: Array,
    y_values: Array,
    z: Array,
    diverged: Array,
    *,
    x_label: str,
    y_label: str,
    x_log: bool = False,
    y_log: bool = False,
    metric_label: str | None = None,
    log_color: bool = True,
    selected: tuple[int, int] | None = None,
    click_grid: int = 100,
    not_reached: Array | None = None,
    height: int = 560,
    style: Style = DEFAULT_STYLE,
) -> go.Figure:
    """Heatmap of a sweep metric over two hyperparameters; ``z`` is shaped (len(y), len(x)).

    Diverged cells are drawn in a separate flat dark colour (with a legend entry), never
    on the colour scale, because "blew up" is a different kind of answer from "large loss".
    ``not_reached`` (cells that never reached the tolerance) get a hatch-like light grey.
    Plotly heatmaps do not report clicks to Streamlit, so an invisible scatter of cell centres
    (at most ``click_grid`` per axis) sits on top to catch them; `nearest_cell` maps a click
    back to grid indices. ``selected`` = (iy, ix) draws a ring around that cell.
    """
    metric_label = _t("viz_lessons.sweep.final_loss") if metric_label is None else str(metric_label)
    xv = np.asarray(x_values, dtype=float)
    yv = np.asarray(y_values, dtype=float)
    z = np.asarray(z, dtype=float)
    div = np.asarray(diverged, dtype=bool)
    shown = np.where(div, np.nan, z)
    if not_reached is not None:
        shown = np.where(np.asarray(not_reached, bool), np.nan, shown)
    if log_color:
        with np.errstate(divide="ignore", invalid="ignore"):
            positive = shown[np.isfinite(shown) & (shown > 0)]
            floor = float(positive.min()) if positive.size else 1e-300
            colour_z = np.log10(np.where(np.isfinite(shown), np.maximum(shown, floor), np.nan))
        bar_title = f"log₁₀ {metric_label}"
    else:
        colour_z = shown
        bar_title = metric_label
    xe, ye = cell_edges(xv, x_log), cell_edges(yv, y_log)
    fig = go.Figure()
    fig.add_trace(
        go.Heatmap(
            x=xe, y=ye, z=colour_z, colorscale="Viridis", colorbar=dict(title=bar_title), customdata=z,
            hovertemplate=f"{x_label}=%{{x:.3g}}<br>{y_label}=%{{y:.3g}}<br>{metric_label}=%{{customdata:.3g}}<extra></extra>",
            name=metric_label, zsmooth=False,
        )
    )
    if not_reached is not None and np.any(np.asarray(not_reached, bool) & ~div):
        nr = np.asarray(not_reached, bool) & ~div
        fig.add_trace(
            go.Heatmap(
                x=xe, y=ye, z=np.where(nr, 1.0, np.nan), colorscale=[[0, "#d9d9d9"], [1, "#d9d9d9"]],
                showscale=False, hoverinfo="skip", name=_t("viz_lessons.sweep.not_reached"),
            )
        )
        fig.add_trace(
            go.Scatter(
                x=[None], y=[None], mode="markers", name=_t("viz_lessons.sweep.not_reached"),
                marker=dict(symbol="square", size=14, color="#d9d9d9", line=dict(color="#999", width=1)),
            )
        )
    if div.any():
        fig.add_trace(
            go.Heatmap(
                x=xe, y=ye, z=np.where(div, 1.0, np.nan), colorscale=[[0, DIVERGED_COLOR], [1, DIVERGED_COLOR]],
                showscale=False, hoverinfo="skip", name=_t("viz_lessons.sweep.diverged"),
            )
        )
        fig.add_trace(
            go.Scatter(
                x=[None], y=[None], mode="markers", name=_t("viz_lessons.sweep.diverged_cells", n=int(div.sum())),
                marker=dict(symbol="square", size=14, color=DIVERGED_COLOR),
            )
        )
    # Click catcher: invisible markers at (a subsample of) cell centres.
    ix = downsample_index(len(xv), click_grid)
    iy = downsample_index(len(yv), click_grid)
    IX, IY = np.meshgrid(ix, iy)
    status = np.where(div, _t("viz_lessons.sweep.diverged"), "")[IY, IX]
    fig.add_trace(
        go.Scatter(
            x=xv[IX].ravel(), y=yv[IY].ravel(), mode="markers", name="cells", showlegend=False,
            marker=dict(size=8, color="rgba(0,0,0,0)", opacity=0),
            customdata=np.stack([IY.ravel(), IX.ravel(), z[IY, IX].ravel()], axis=-1),
            text=status.ravel(),
            hovertemplate=(
                f"{x_label}=%{{x:.3g}}<br>{y_label}=%{{y:.3g}}<br>{metric_label}=%{{customdata[2]:.3g}}"
                "<br>%{text}<extra>" + _t("viz_lessons.sweep.click") + "</extra>"
            ),
            selected=dict(marker=dict(opacity=0)), unselected=dict(marker=dict(opacity=0)),
        )
    )
    if selected is not None:
        sy, sx = selected
        # Black ring under a white one: visible on every colour, including the red diverged cells.
        for color, width, show in (("#000000", 6, True), ("#FFFFFF", 2.5, False)):
            fig.add_trace(
                go.Scatter(
                    x=[xv[sx]], y=[yv[sy]], mode="markers", name=_t("viz_lessons.sweep.selected"), showlegend=show,
                    marker=dict(symbol="circle-open", size=20, color=color, line=dict(width=width)),
                    hoverinfo="skip",
                )
            )
    # exponentformat="power": a log lr axis reads 10⁻⁴, never the SI "100μ" (read as momentum).
    fig.update_xaxes(
        title_text=_t("viz_lessons.axis.log", label=x_label) if x_log else x_label, type="log" if x_log else "linear",
        range=[math.log10(xe[0]), math.log10(xe[-1])] if x_log else [xe[0], xe[-1]], showgrid=False,
        exponentformat="power",
    )
    fig.update_yaxes(
        title_text=_t("viz_lessons.axis.log", label=y_label) if y_log else y_label, type="log" if y_log else "linear",
        range=[math.log10(ye[0]), math.log10(ye[-1])] if y_log else [ye[0], ye[-1]], showgrid=False,
        exponentformat="power",
    )
    fig.update_layout(clickmode="event+select", dragmode=False)
    return _base_layout(fig, height=height, style=style,
                        title=_t("viz_lessons.sweep.title", metric=metric_label, x=x_label, y=y_label))


def nearest_cell(x_values: Array, y_values: Array, x: float, y: float, *, x_log: bool, y_log: bool) -> tuple[int, int]:
    """Grid indices (iy, ix) of the cell whose centre is nearest to a clicked point."""

    def idx(values: Array, v: float, log: bool) -> int:
        values = np.asarray(values, dtype=float)
        if log:
            return int(np.argmin(np.abs(np.log10(values) - math.log10(max(v, 1e-300)))))
        return int(np.argmin(np.abs(values - v)))

    return idx(y_values, y, y_log), idx(x_values, x, x_log)


# ------------------------------------------------------------ fair races and noise clouds


def cloud_traces(
    paths: Array,
    median_path: Array,
    *,
    color: str,
    name: str,
    opacity: float = 0.12,
    max_runs: int = 200,
) -> list[go.Scatter]:
    """Traces for a noise cloud: all runs as one translucent trace, the median path bold.

    One trace for all K runs (paths separated by None gaps) keeps a 100-run cloud as cheap to
    draw as a single path; that matters on a projector laptop.
    """
    paths = np.asarray(paths, dtype=float)
    k = paths.shape[1]
    keep = downsample_index(k, max_runs)
    xs, ys = [], []
    for j in keep:
        xs.append(paths[:, j, 0])
        ys.append(paths[:, j, 1])
        xs.append([np.nan])
        ys.append([np.nan])
    cloud = go.Scatter(
        x=np.concatenate(xs), y=np.concatenate(ys), mode="lines", name=_t("viz_lessons.cloud.runs", name=name, k=k),
        line=dict(color=rgba(color, opacity), width=1.2), hoverinfo="skip", legendgroup=name,
        connectgaps=False,
    )
    med = np.asarray(median_path, dtype=float)
    median = go.Scatter(
        x=med[:, 0], y=med[:, 1], mode="lines", name=_t("viz_lessons.cloud.median", name=name),
        line=dict(color=color, width=3.5), legendgroup=name,
        hovertemplate=_t("viz_lessons.cloud.median_step", name=name) + ": (%{x:.3g}, %{y:.3g})<extra></extra>",
    )
    end = go.Scatter(
        x=paths[-1, keep, 0], y=paths[-1, keep, 1], mode="markers", showlegend=False, legendgroup=name,
        marker=dict(size=5, color=rgba(color, min(1.0, opacity * 4))), hoverinfo="skip",
    )
    return [cloud, end, median]


def add_noise_cloud(fig: go.Figure, cloud, *, color: str, name: str, opacity: float = 0.12) -> go.Figure:
    """Add a `CloudResult` (from lessons.tuning.noise_cloud) to a map figure."""
    for trace in cloud_traces(cloud.paths, cloud.median_path, color=color, name=name, opacity=opacity):
        fig.add_trace(trace)
    return fig


def cloud_loss_figure(
    clouds: Mapping[str, object],
    *,
    colors: Mapping[str, str] | None = None,
    log_y: bool = True,
    f_star: float = 0.0,
    title: str | None = None,
    style: Style = DEFAULT_STYLE,
) -> go.Figure:
    """Median of f − f* per step with its interquartile band, one per `CloudResult`.

    Medians and quartiles rather than mean ± sd (see `viz.clouds.band_traces`).
    """
    fig = go.Figure()
    for i, (name, cloud) in enumerate(clouds.items()):
        color = _color(colors, name, i)
        steps = np.arange(len(cloud.median_loss))
        floor = 1e-16 if log_y else -np.inf
        q25, med, q75 = (np.maximum(np.asarray(v, float) - f_star, floor) for v in (cloud.loss_q25, cloud.median_loss, cloud.loss_q75))
        fig.add_traces(band_traces(steps, q25, med, q75, color=color, name=name, width=style.line_width))
    fig.update_xaxes(title_text=_t("viz_lessons.axis.step"))
    fig.update_yaxes(title_text=_t("viz_lessons.axis.log", label="f − f*") if log_y else "f − f*",
                     type="log" if log_y else "linear", exponentformat="power", dtick=1 if log_y else None)
    return _base_layout(fig, height=360, style=style, title=_t("viz_lessons.cloud.title") if title is None else title)


def tune_figure(
    results: Mapping[str, object], *, colors: Mapping[str, str] | None = None, style: Style = DEFAULT_STYLE,
    f_star: float | None = 0.0,
) -> go.Figure:
    """Final loss against learning rate for each tuned optimizer (`TuneResult`s), best starred.

    Diverged rates are shown as crosses on the top edge, so "too big" is visible as a wall; the
    legend names the optimizers only (★ and × are explained by hovering, or by the caller). With
    ``f_star`` (the minimum value) the y axis is f − f* on a log scale, floored at 1e-16 so a
    run that reached the minimum to round-off still shows; ``f_star=None`` (no known minimum)
    plots f itself on a linear axis.
    """
    log_y = f_star is not None

    def gap(values):
        values = np.asarray(values, dtype=float)
        return np.maximum(values - f_star, 1e-16) if log_y else values

    fig = go.Figure()
    for i, (name, res) in enumerate(results.items()):
        color = _color(colors, name, i)
        ok = ~np.asarray(res.diverged) & np.isfinite(res.final_loss)
        fig.add_trace(
            go.Scatter(x=res.lrs[ok], y=gap(res.final_loss[ok]), mode="lines+markers", name=name,
                       line=dict(color=color), marker=dict(size=5), legendgroup=name,
                       hovertemplate=f"{name}<br>lr %{{x:.3g}}<br>%{{y:.3g}}<extra></extra>")
        )
        if np.any(res.diverged):
            fig.add_trace(
                go.Scatter(
                    x=res.lrs[res.diverged], y=np.full(int(np.sum(res.diverged)), 1.0), yaxis="y2",
                    mode="markers", marker=dict(symbol="x", size=8, color=color),
                    name=_t("viz_lessons.tune.diverged", name=name),
                    legendgroup=name, showlegend=False,
                    hovertemplate=f"{name}<br>" + _t("viz_lessons.tune.diverged_at", lr="%{x:.3g}") + "<extra></extra>",
                )
            )
        if res.found and np.isfinite(res.best_final_loss):
            fig.add_trace(
                go.Scatter(
                    x=[res.best_lr], y=gap([res.best_final_loss]), mode="markers",
                    name=_t("viz_lessons.tune.picked", name=name, lr=float(res.best_lr)),
                    marker=dict(symbol="star", size=16, color=color, line=dict(color="black", width=1)),
                    legendgroup=name, showlegend=False,
                )
            )
    # The crosses live on a hidden linear axis over the plot, so "diverged" sits on the top edge.
    fig.update_layout(yaxis2=dict(overlaying="y", range=[0, 1.05], visible=False, type="linear"))
    lrs = np.concatenate([np.asarray(r.lrs, dtype=float) for r in results.values()]) if results else np.array([1.0])
    decades = [10.0**e for e in range(math.floor(math.log10(lrs.min())), math.ceil(math.log10(lrs.max())) + 1)]
    fig.update_xaxes(type="log", title_text=_t("viz_lessons.tune.x"), tickvals=decades,
                     ticktext=[f"{v:g}" for v in decades])
    # With noise every point is the median over the streams Tune ran (TuneResult.n_streams).
    median = any(getattr(r, "n_streams", 1) > 1 for r in results.values())
    if log_y:
        shift = "" if f_star == 0 else f" (f* = {f_star:.4g})"
        key = "viz_lessons.tune.y_log_median" if median else "viz_lessons.tune.y_log"
        fig.update_layout(yaxis=dict(type="log", title_text=_t(key, shift=shift), exponentformat="power"))
    else:
        key = "viz_lessons.tune.y_median" if median else "viz_lessons.tune.y"
        fig.update_layout(yaxis=dict(type="linear", title_text=_t(key)))
    return _base_layout(fig, height=360, style=style, title=_t("viz_lessons.tune.title"))


__all__ = [
    "OKABE_ITO", "rgba", "ewma_figure", "ewma_weights_figure", "schedule_figure", "loss_curves_figure",
    "add_paths", "map_figure", "regression_data_figure", "cell_edges", "sweep_heatmap", "nearest_cell",
    "cloud_traces", "add_noise_cloud", "cloud_loss_figure", "tune_figure",
]
