"""The class's votes as bars: one panel per round, side by side (a revote next to the first vote).

Data in, a plotly figure out. The bars are the choices' numbers (1–4, as the students pressed
them); the right one turns green once revealed (before, every bar has the same colour, so the
projector gives nothing away).
"""

from __future__ import annotations

from typing import Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .style import Style

NEUTRAL = "#0072B2"  # Okabe–Ito blue
RIGHT = "#009E73"  # Okabe–Ito green
OTHER = "#BBBBBB"


def tally_figure(rounds: Sequence[tuple[str, Sequence[int]]], *, right: int | None = None,
                 style: Style = Style(), height: int | None = None) -> go.Figure:
    """``rounds``: (title, counts per choice) in order; ``right``: the answer's index once revealed."""
    n = max(1, len(rounds))
    fig = make_subplots(rows=1, cols=n, subplot_titles=[title for title, _ in rounds] or [""], shared_yaxes=True)
    top = max([max(c) if len(c) else 0 for _, c in rounds] + [1])
    for col, (title, counts) in enumerate(rounds, start=1):
        total = sum(counts) or 1
        colors = [NEUTRAL if right is None else (RIGHT if i == right else OTHER) for i in range(len(counts))]
        fig.add_trace(go.Bar(x=[str(i + 1) + (" ✓" if i == right else "") for i in range(len(counts))], y=list(counts),
                             marker_color=colors, text=[f"{c} ({100 * c / total:.0f}%)" for c in counts],
                             textposition="outside", showlegend=False, hoverinfo="skip", name=title),
                      row=1, col=col)
    fig.update_yaxes(range=[0, top * 1.25], showticklabels=False, showgrid=False)
    fig.update_xaxes(tickfont={"size": style.font_size + 4})
    fig.update_layout(height=height or (420 if style.projector else 300), margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      font={"size": style.font_size}, bargap=0.25, plot_bgcolor="white")
    return fig


__all__ = ["tally_figure"]
