"""Noise clouds for display: many seeded runs thinned to what a screen (and a websocket) needs.

Why a separate, thinned object: `lessons.tuning.noise_cloud` keeps every step of every run
((S+1) × K × 2 floats: 10 MB for 128 runs of 5,000 steps). A map is a few hundred pixels wide,
so each drawn path needs at most ``CLOUD_POINTS`` points, and the loss band at most
``LOSS_POINTS``. `CloudView` is that thinned copy: small enough to cache per optimizer and to
send to the browser player, with the median and quartiles still computed over *all* runs and
all steps by the core.

`band_traces` draws a median with its interquartile band for a loss chart; the Compare page's
loss chart (`viz.paths.loss_figure`) and the lessons' `cloud_loss_figure` both use it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from i18n import t

from .palette import rgba
from .trajectory import downsample_index

Array = np.ndarray

#: Points per drawn cloud path (a map panel is a few hundred pixels wide).
CLOUD_POINTS = 300
#: Points per loss band: a smooth band needs few, and the loss chart is sent as full-precision
#: JSON (7 bands of 2,000 points cost 0.7 MB; of 400, 0.13 MB).
LOSS_POINTS = 400
#: Cloud points (x, y pairs) sent to the player in one payload, over all optimizers: about
#: 14 bytes each as JSON, so ~0.85 MB at most on top of the race itself.
PAYLOAD_POINT_BUDGET = 60_000
#: Fewest paths drawn per cloud whatever the budget (fewer would not read as a cloud).
MIN_DRAWN_RUNS = 8


@dataclass(frozen=True)
class CloudView:
    """K seeded runs of one optimizer, thinned for drawing.

    ``idx`` are the steps at which ``paths`` (n, K, 2), ``median_path`` (n, 2) and
    ``median_loss`` (n,) are sampled (first and last step always included); the loss band
    ``loss_q25``/``loss_median``/``loss_q75`` is sampled at ``loss_idx``. Medians and quartiles
    are over the runs that did not diverge (all runs if every one did), as the core computes
    them.
    """

    key: str
    label: str
    seeds: Array  # (K,)
    idx: Array  # (n,) int steps
    paths: Array  # (n, K, 2)
    median_path: Array  # (n, 2)
    median_loss: Array  # (n,)
    loss_idx: Array  # (m,) int steps
    loss_q25: Array  # (m,)
    loss_median: Array  # (m,)
    loss_q75: Array  # (m,)
    final_loss: Array  # (K,)
    diverged_at: Array  # (K,) int, -1 if the run did not diverge

    @property
    def n_runs(self) -> int:
        return int(self.paths.shape[1])

    @property
    def n_diverged(self) -> int:
        return int((self.diverged_at >= 0).sum())

    @property
    def median_final_loss(self) -> float:
        return float(self.loss_median[-1])

    @property
    def seed_text(self) -> str:
        """"seeds 0–31" (consecutive) or "32 seeds", in the current language."""
        s = np.asarray(self.seeds)
        if s.size and np.array_equal(s, np.arange(s[0], s[0] + s.size)):
            return t("viz.clouds.seeds_range", first=int(s[0]), last=int(s[-1]))
        return t("viz.clouds.seeds_count", n=int(s.size))

    def band_name(self) -> str:
        """The loss chart's legend entry of this cloud, in the current language."""
        return t("viz.clouds.band_name", name=self.label, n=self.n_runs)


def cloud_view(cloud, *, key: str, label: str, max_points: int = CLOUD_POINTS,
               loss_points: int = LOSS_POINTS) -> CloudView:
    """Thin a `lessons.tuning.CloudResult` to ``max_points`` per path (every run kept)."""
    paths = np.asarray(cloud.paths, dtype=float)
    n = paths.shape[0]
    idx = downsample_index(n, max_points)
    lidx = downsample_index(n, loss_points)
    median_loss = np.asarray(cloud.median_loss, dtype=float)
    return CloudView(
        key=key, label=label, seeds=np.asarray(cloud.seeds), idx=idx, paths=paths[idx].copy(),
        median_path=np.asarray(cloud.median_path, dtype=float)[idx].copy(), median_loss=median_loss[idx].copy(),
        loss_idx=lidx, loss_q25=np.asarray(cloud.loss_q25, dtype=float)[lidx].copy(),
        loss_median=median_loss[lidx].copy(),
        loss_q75=np.asarray(cloud.loss_q75, dtype=float)[lidx].copy(),
        final_loss=np.asarray(cloud.final_loss, dtype=float).copy(), diverged_at=np.asarray(cloud.diverged_at).copy(),
    )


def runs_to_draw(n_clouds: int, points_per_path: int, budget: int = PAYLOAD_POINT_BUDGET) -> int:
    """How many paths per cloud fit the payload budget (at least ``MIN_DRAWN_RUNS``)."""
    if n_clouds <= 0 or points_per_path <= 0:
        return MIN_DRAWN_RUNS
    return max(MIN_DRAWN_RUNS, budget // (n_clouds * points_per_path))


def drawn_runs(view: CloudView, limit: int) -> Array:
    """Indices of the runs to draw: all of them, or ``limit`` spread evenly over the seeds."""
    return downsample_index(view.n_runs, max(1, int(limit)))


def hover_template(name: str) -> str:
    """A loss chart's hover text: the name, the step (Plotly's %{x}) and the value."""
    return f"{name}<br>{t('viz.chart.hover_step', step='%{x}')}<br>%{{y:.4g}}<extra></extra>"


def band_traces(
    steps: Array,
    q25: Array,
    median: Array,
    q75: Array,
    *,
    color: str,
    name: str,
    width: float = 2.0,
    median_dash: str | None = None,
    legendgroup: str | None = None,
    band_legend: bool = True,
) -> list[go.Scatter]:
    """An interquartile band (filled between q25 and q75) and the median line over it.

    The caller shifts and floors the values for its axis (f − f* on a log axis). Without
    ``band_legend`` only the median gets a legend entry, named ``name`` (the band toggles with
    it: same legend group), which keeps a chart of many clouds readable. Medians and
    quartiles rather than mean ± sd: one run thrown far by an unlucky gradient would drag a mean
    band over everything, and a class would read noise as a trend.
    """
    group = legendgroup or name
    return [
        go.Scatter(x=steps, y=q75, mode="lines", line=dict(width=0), showlegend=False, hoverinfo="skip",
                   legendgroup=group),
        go.Scatter(x=steps, y=q25, mode="lines", line=dict(width=0), fill="tonexty", fillcolor=rgba(color, 0.2),
                   name=t("viz.clouds.band_fill", name=name), legendgroup=group, hoverinfo="skip",
                   showlegend=band_legend),
        go.Scatter(x=steps, y=median, mode="lines", line=dict(color=color, width=width, dash=median_dash),
                   name=t("viz.clouds.band_median", name=name) if band_legend else name, legendgroup=group,
                   hovertemplate=hover_template(t("viz.clouds.band_median_hover", name=name))),
    ]
