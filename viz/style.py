"""Figure style: normal screen or classroom projector.

Every figure function takes a ``style`` so one toggle makes every chart legible from the back
row (large fonts, thick lines, big markers) without each page re-deciding sizes.
"""

from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go

#: The one font stack of every chart and of the browser player (sent in its payload): the app's
#: Latin font first, then the common Chinese fonts of macOS, Windows and Linux, so a Chinese
#: label is drawn in a real CJK font at the same size as an English one (never a fallback box).
FONT_FAMILY = ('"Source Sans Pro", "Source Sans 3", system-ui, "PingFang SC", "Hiragino Sans GB", '  # i18n: internal
               '"Microsoft YaHei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", '  # i18n: internal
               '"WenQuanYi Micro Hei", sans-serif')  # i18n: internal


@dataclass(frozen=True)
class Style:
    """Sizes for one display mode. ``Style()`` is the laptop default; ``Style(projector=True)``
    is the projector mode."""

    projector: bool = False

    @property
    def font_family(self) -> str:
        """Latin first, then CJK fonts (`FONT_FAMILY`): the same sizes in both languages."""
        return FONT_FAMILY

    @property
    def font_size(self) -> int:
        return 20 if self.projector else 13

    @property
    def title_size(self) -> int:
        return 24 if self.projector else 15

    @property
    def line_width(self) -> float:
        return 4.5 if self.projector else 2.0

    @property
    def marker_size(self) -> int:
        return 13 if self.projector else 7

    @property
    def arrow_min_px(self) -> int:
        """Shortest drawn length of the longest step arrow: about four head-dot radii, so an
        arrow is never hidden under the run's head (shorter steps are magnified, ×k shown)."""
        return 60 if self.projector else 40

    @property
    def arrow_width(self) -> float:
        return 3.5 if self.projector else 2.0

    def apply(self, fig: go.Figure, *, height: int | None = None) -> go.Figure:
        """Fonts, margins and a white template on ``fig`` (in place, returned for chaining)."""
        fig.update_layout(
            template="plotly_white",
            font=dict(size=self.font_size, family=FONT_FAMILY),
            title_font=dict(size=self.title_size),
            legend=dict(font=dict(size=self.font_size)),
            margin=dict(l=60, r=20, t=50 if fig.layout.title.text else 20, b=50),
        )
        # Ticks and axis titles follow the font size too (plotly would keep 12 px ticks and
        # 14 px titles on cartesian and 3-D axes, unreadable from the back row).
        axis_fonts = dict(tickfont=dict(size=self.font_size), title_font=dict(size=self.font_size + 1))
        fig.update_xaxes(**axis_fonts)
        fig.update_yaxes(**axis_fonts)
        if self.projector:
            fig.update_scenes(xaxis=axis_fonts, yaxis=axis_fonts, zaxis=axis_fonts)
        if height is not None:
            fig.update_layout(height=int(height * (1.25 if self.projector else 1.0)))
        return fig


DEFAULT_STYLE = Style()
