"""Grid search against random search: where each tried its runs, and the best of each.

Numbers in, a plotly figure out (no Streamlit). Both hyperparameter axes are drawn as the map
spaces them (log for a rate), so the grid's k values per axis line up as k columns and k rows,
and the random samples' k² distinct values of each show as a spread.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from i18n import t
from viz.lessons import OKABE_ITO, _base_layout
from viz.style import DEFAULT_STYLE, Style

GRID_COLOR, RANDOM_COLOR = OKABE_ITO[0], OKABE_ITO[1]


def search_points_figure(grid: np.ndarray, grid_best: np.ndarray, random: np.ndarray, random_best: np.ndarray, *,
                         x_label: str, y_label: str, x_log: bool, y_log: bool, title: str,
                         style: Style = DEFAULT_STYLE, height: int = 380) -> go.Figure:
    """``grid`` (k², 2) and one sampler seed's ``random`` (n, 2) points; each side's best ringed."""
    fig = go.Figure()
    size = style.font_size * 0.7
    fig.add_trace(go.Scatter(x=grid[:, 0], y=grid[:, 1], mode="markers", name=t("viz.search.grid", n=len(grid)),
                             marker=dict(symbol="square", size=size, color=GRID_COLOR)))
    fig.add_trace(go.Scatter(x=random[:, 0], y=random[:, 1], mode="markers", name=t("viz.search.random", n=len(random)),
                             marker=dict(symbol="circle", size=size, color=RANDOM_COLOR)))
    for point, color, name in ((grid_best, GRID_COLOR, t("viz.search.grid_best")),
                               (random_best, RANDOM_COLOR, t("viz.search.random_best"))):
        fig.add_trace(go.Scatter(x=[point[0]], y=[point[1]], mode="markers", name=name,
                                 marker=dict(symbol="circle-open", size=size * 2.4, color=color, line=dict(width=3))))
    fig.update_xaxes(title=x_label, type="log" if x_log else "linear")
    fig.update_yaxes(title=y_label, type="log" if y_log else "linear")
    return _base_layout(fig, height=height, style=style, title=title)
