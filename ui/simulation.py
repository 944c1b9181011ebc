"""Cached simulation for the pages: the contour grid per surface, one run per optimizer.

Why caching here: moving one slider must not redo what it does not change. The contour grid
depends only on the surface (cached as a resource, never copied); each optimizer's run is cached
on its own inputs, so changing Adam's learning rate re-simulates Adam only. A run that the core
rejects (ValueError: a bad hyperparameter) is reported per optimizer and the others still show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import pandas as pd
import streamlit as st

from viz.contours import ContourGrid, contour_grid
from viz.trajectory import Trajectory

GRID_POINTS = 181


@st.cache_resource(show_spinner=False, max_entries=64)
def grid_for(surface_key: str) -> ContourGrid:
    """The contour grid of a registered surface (computed once per server process)."""
    from surfaces import SURFACES

    surface = SURFACES[surface_key]
    return contour_grid(surface.f, surface.bounds, GRID_POINTS)


@st.cache_data(show_spinner=False, max_entries=512)
def simulate_cached(
    surface_key: str,
    opt_key: str,
    hyper: tuple[tuple[str, float], ...],
    start: tuple[float, float],
    steps: int,
    noise: float,
    seed: int,
    sched: str,
    sched_params: tuple[tuple[str, float], ...],
    clip: float,
) -> pd.DataFrame:
    """``optimizers.simulate`` with hashable inputs (so Streamlit can cache it)."""
    from optimizers import make_schedule, simulate

    schedule = None if sched == "constant" else make_schedule(sched, **dict(sched_params))
    return simulate(
        surface_key, opt_key, dict(hyper), start, int(steps), noise=float(noise), seed=int(seed),
        schedule=schedule, clip_norm=float(clip) if clip and clip > 0 else None,
    )


@dataclass
class Runs:
    """The simulated runs of one page state, in display order."""

    frames: dict[str, pd.DataFrame] = field(default_factory=dict)  # opt key -> simulate() table
    trajectories: list[Trajectory] = field(default_factory=list)
    ghosts: list[Trajectory] = field(default_factory=list)  # same runs with a constant lr
    errors: dict[str, str] = field(default_factory=dict)  # opt key -> message


def run_all(state, optimizers: Mapping[str, Any]) -> Runs:
    """Simulate every selected optimizer of a `PageState` (cached per optimizer)."""
    runs = Runs()
    sched_items = tuple(sorted((k, float(v)) for k, v in state.sched_params.items()))
    for opt_key in state.opts:
        opt = optimizers[opt_key]
        hyper = tuple(sorted((k, float(v)) for k, v in state.hyper.get(opt_key, {}).items()))
        args = (state.surface, opt_key, hyper, (float(state.x0), float(state.y0)), int(state.steps),
                float(state.noise), int(state.seed))
        try:
            df = simulate_cached(*args, state.sched, sched_items, float(state.clip))
        except ValueError as exc:
            runs.errors[opt_key] = str(exc)
            continue
        runs.frames[opt_key] = df
        runs.trajectories.append(
            Trajectory.from_frame(df, opt_key, opt.label, int(state.steps), state_labels=opt.state_names)
        )
        if state.ghost and state.sched != "constant":
            try:
                gdf = simulate_cached(*args, "constant", (), float(state.clip))
                runs.ghosts.append(Trajectory.from_frame(gdf, opt_key, f"{opt.label} (constant lr)",
                                                         int(state.steps), state_labels=opt.state_names))
            except ValueError:
                pass
    return runs
