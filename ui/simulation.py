"""Cached simulation for the pages: contour grids, one run per optimizer, tuning, noise clouds.

Why caching here: moving one slider must not redo what it does not change. The contour grid
depends only on the surface (cached as a resource, never copied); each optimizer's run, its
learning-rate sweep and its noise cloud are cached under that optimizer's own race
(``Race.only(key)``: the surface, start, steps, noise, schedule, clipping and its own
hyperparameters), so changing Adam's learning rate re-simulates Adam only. A run that the core
rejects (ValueError: a bad hyperparameter) is reported per optimizer and the others still show.

Surfaces are named by a hashable `SurfaceRef`: a registry key, or ``("custom", formula,
bounds)`` for a typed formula, so the grid cache is keyed by the formula and range, never by a
Surface object (whose compiled closures cannot be hashed or pickled).
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Sequence, Union

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

import i18n
from i18n import t, text
from lessons.race import CUSTOM, DEFAULT_BOUNDS, DEFAULT_FORMULA, Bounds, Race
from viz.clouds import CloudView, cloud_view
from viz.contours import ContourGrid, contour_grid
from viz.lru import LRU
from viz.trajectory import Trajectory

GRID_POINTS = 181
#: A registry key, or ("custom", formula, bounds).
SurfaceRef = Union[str, tuple[str, str, Bounds]]


def make_ref(key: str, formula: str | None = None, bounds: Bounds | None = None) -> SurfaceRef:
    """The cache key of surface ``key`` (with its formula and range when it is "custom")."""
    if key == CUSTOM:
        bounds = bounds or DEFAULT_BOUNDS
        return (CUSTOM, formula or DEFAULT_FORMULA, tuple(tuple(float(v) for v in b) for b in bounds))
    return key


def surface_ref(race: Race) -> SurfaceRef:
    """The cache key of a race's surface."""
    return make_ref(race.surface, race.formula, race.bounds)


def resolve_surface(ref: SurfaceRef):
    """The Surface a `SurfaceRef` names (custom formulas come from the shared resource cache)."""
    if isinstance(ref, tuple):
        from .custom_surface import custom_surface

        return custom_surface(ref[1], ref[2])
    from surfaces import SURFACES

    return SURFACES[ref]


@st.cache_resource(show_spinner=False, max_entries=64)
def grid_for(ref: SurfaceRef) -> ContourGrid:
    """The contour grid of a surface (computed once per server process per surface/formula)."""
    surface = resolve_surface(ref)
    return contour_grid(surface.f, surface.bounds, GRID_POINTS)


#: Bounds of the shared caches: enough for a class of 30 × 6 optimizers plus ghosts, yet a school of
#: students with distinct settings cannot grow the server's memory without bound.
RUN_ENTRIES = 384
CACHE_TTL = 3600  # seconds; a lesson's runs are not needed the next hour


def path_trajectory(race: Race, opt_key: str) -> Trajectory:
    """The run's path and losses only (``run_batch(record="path")``), as `simulate` would end it.

    Why: the race, the loss chart and the summary table need no gradients or optimizer states,
    and recording them costs the engine about twice the time. Same loop, same numbers as the
    full record (tests/test_fair_race_clouds_and_formulas.py checks it); a diverged run ends at its last finite
    point, and a start where f is not finite is the same error as `simulate`'s.
    """
    from optimizers import OPTIMIZERS

    res = race.run(opt_key, record="path")
    d = int(res.diverged_at[0])
    if d == 0:
        raise ValueError(t("ui_misc.run.bad_start", x=float(race.start[0]), y=float(race.start[1])))
    last = race.steps if d < 0 else d - 1
    return Trajectory(key=opt_key, label=OPTIMIZERS[opt_key].label, path=np.array(res.path[: last + 1, 0], dtype=float),
                      loss=np.array(res.loss[: last + 1, 0], dtype=float), steps=race.steps,
                      diverged_at=None if d < 0 else d)


#: Runs by (one optimizer's race, full): see `run_cached`.
RUNS = LRU(RUN_ENTRIES, ttl=CACHE_TTL)


def run_cached(race: Race, opt_key: str, full: bool = False) -> tuple[pd.DataFrame | None, Trajectory]:
    """One run, shared by every session: the engine's ``simulate`` table and its `Trajectory`
    with ``full`` (the inspector, the player's arrows, the CSV), else only its path (no table).

    Held in `RUNS` (no copy per rerun; keys hashed natively, see viz.lru): callers only read the
    table (the CSV export copies it) and the Trajectory's arrays are made read-only here. Students
    with the same settings share one computation. While a run is computed the page shows a
    spinner (only then: a rerun served from the cache starts none). A ValueError (settings the
    core rejects) is raised to the caller and not cached.
    """
    key = (race.only(opt_key), bool(full))
    hit = RUNS.get(key)
    if hit is not None:
        return hit
    # No spinner outside a script run (e.g. a download button's data function).
    with st.spinner(t("ui_misc.run.simulating")) if get_script_run_ctx() is not None else nullcontext():
        value = _compute_run(race, opt_key, bool(full))
    RUNS.put(key, value)
    return value


def _compute_run(race: Race, opt_key: str, full: bool) -> tuple[pd.DataFrame | None, Trajectory]:
    from optimizers import OPTIMIZERS, simulate

    if full:
        df = simulate(race.surface_object(), opt_key, race.hyper(opt_key), race.start, race.steps, noise=race.noise,
                      seed=race.seed, schedule=race.schedule_object(), clip_norm=race.clip_norm)
        opt = OPTIMIZERS[opt_key]
        traj = Trajectory.from_frame(df, opt_key, opt.label, race.steps, state_labels=opt.state_names)
    else:
        df, traj = None, path_trajectory(race, opt_key)
    for arr in (traj.path, traj.loss, traj.grads, traj.lr, traj.eff_lr, *traj.states.values()):
        if isinstance(arr, np.ndarray):
            arr.flags.writeable = False
    return df, traj


#: Learning-rate sweeps and noise clouds, by one optimizer's race and the sweep's size.
TUNES = LRU(256, ttl=CACHE_TTL)
CLOUDS = LRU(64, ttl=CACHE_TTL)


def tune_cached(race: Race, opt_key: str, lr_grid: tuple[float, ...]):
    """``lessons.tuning.tune_learning_rate`` over ``lr_grid`` (one vectorized run).

    Cached per language too: the result's ``reason`` and ``ranking_rule`` are sentences.
    """
    from lessons.tuning import tune_learning_rate

    # any lr: it is swept
    key = (race.only(opt_key).with_hyper(opt_key, "lr", lr_grid[0]), lr_grid, i18n.current())
    hit = TUNES.get(key)
    if hit is None:
        hyper = {k: v for k, v in race.hyper(opt_key).items() if k != "lr"}
        hit = tune_learning_rate(race.surface_object(), opt_key, hyper, race.start, race.steps,
                                 lr_grid=np.asarray(lr_grid, dtype=float), noise=race.noise, seed=race.seed,
                                 schedule=race.schedule_object(), clip_norm=race.clip_norm)
        TUNES.put(key, hit)
    return hit


def cloud_cached(race: Race, opt_key: str, n_runs: int) -> CloudView:
    """``lessons.tuning.noise_cloud`` for seeds ``seed … seed + n_runs − 1``, thinned for display.

    Run 0 of the cloud is the page's own run (same seed), so the highlighted path is one of the
    cloud, not an extra. Only the thinned `CloudView` is cached (see viz.clouds).
    """
    from optimizers import OPTIMIZERS
    from lessons.tuning import noise_cloud

    key = (race.only(opt_key), int(n_runs))
    hit = CLOUDS.get(key)
    if hit is None:
        with st.spinner(t("ui_misc.run.simulating_seeds")) if get_script_run_ctx() is not None else nullcontext():
            cloud = noise_cloud(race.surface_object(), opt_key, race.hyper(opt_key), race.start, race.steps,
                                noise=race.noise, seeds=race.seed + np.arange(int(n_runs)),
                                schedule=race.schedule_object(), clip_norm=race.clip_norm)
        hit = cloud_view(cloud, key=opt_key, label=OPTIMIZERS[opt_key].label)
        CLOUDS.put(key, hit)
    return hit


@dataclass
class Runs:
    """The simulated runs of one page state, in display order."""

    frames: dict[str, pd.DataFrame] = field(default_factory=dict)  # opt key -> simulate() table
    trajectories: list[Trajectory] = field(default_factory=list)
    ghosts: list[Trajectory] = field(default_factory=list)  # same runs with a constant lr
    clouds: dict[str, CloudView] = field(default_factory=dict)  # opt key -> seeded runs (noise clouds)
    errors: dict[str, str] = field(default_factory=dict)  # opt key -> message
    #: opt key -> hashable name of everything its run, ghost and cloud were computed from
    #: (the player caches each run's JSON under it: `viz.player.player_payload(run_keys=…)`)
    keys: dict[str, tuple] = field(default_factory=dict)


def _in_language(run, opt):
    """A cached run (shared by every session) labelled in this visitor's language (no copy of its arrays)."""
    label = text(opt.label)
    states = getattr(run, "state_labels", None)
    changes: dict[str, Any] = {} if run.label == label else {"label": label}
    if states:
        named = {k: text(opt.state_names.get(k, v)) for k, v in states.items()}
        if named != dict(states):
            changes["state_labels"] = named
    return replace(run, **changes) if changes else run


def run_all(state, full: bool = True) -> Runs:
    """Simulate every optimizer of a `PageState`'s race (cached per optimizer).

    With ``state.clouds`` runs and noise on, each optimizer also gets its noise cloud; with
    ``state.ghost`` and a schedule, its run at a constant rate. Without ``full`` only paths and
    losses are computed (no ``frames``, no gradients or states in the trajectories): enough for
    the race, the loss chart and the summary table.
    """
    from optimizers import OPTIMIZERS

    race = state.race
    ghost = bool(state.ghost and race.schedule != "constant")
    clouds = int(state.clouds) if race.noise > 0 else 0
    lang = i18n.current()
    runs = Runs()
    for opt_key in race.opts:
        opt = OPTIMIZERS[opt_key]
        try:
            df, traj = run_cached(race, opt_key, bool(full))
        except ValueError as exc:
            runs.errors[opt_key] = str(exc)
            continue
        if df is not None:
            runs.frames[opt_key] = df
        runs.trajectories.append(_in_language(traj, opt))
        # The language too: the player's cached JSON of a run holds its label.
        runs.keys[opt_key] = (race.only(opt_key), bool(full), ghost, clouds, lang)
        if ghost:
            try:
                gtraj = run_cached(race.with_(schedule="constant"), opt_key, bool(full))[1]
                runs.ghosts.append(replace(_in_language(gtraj, opt),
                                           label=t("ui_misc.run.ghost", opt=text(opt.label))))
            except ValueError:
                pass
        if clouds:
            runs.clouds[opt_key] = _in_language(cloud_cached(race, opt_key, clouds), opt)
    return runs


def tune_all(race: Race, lr_options: Callable[[str], Sequence[float]]) -> dict[str, Any]:
    """A `TuneResult` per optimizer of the race: its learning rate swept over ``lr_options(key)``.

    Every other setting is the race's (surface, start, steps, noise and seed, schedule,
    clipping, the optimizer's other hyperparameters). Sweeping the slider's own values means
    the winner is exactly representable on the slider. An optimizer whose settings the core
    rejects is left out.
    """
    results: dict[str, Any] = {}
    for opt_key in race.opts:
        grid = tuple(float(v) for v in lr_options(opt_key) if v > 0)
        try:
            results[opt_key] = tune_cached(race, opt_key, grid)
        except ValueError:
            continue
    return results
