"""Cached simulation for the pages: contour grids, one run per optimizer, tuning, noise clouds.

Why caching here: moving one slider must not redo what it does not change. The contour grid
depends only on the surface (cached as a resource, never copied); each optimizer's run, its
learning-rate sweep and its noise cloud are cached on their own inputs, so changing Adam's
learning rate re-simulates Adam only. A run that the core rejects (ValueError: a bad
hyperparameter) is reported per optimizer and the others still show.

Surfaces are named by a hashable `SurfaceRef`: a registry key, or ``("custom", formula,
bounds)`` for a typed formula, so every cache is keyed by the formula and range, never by a
Surface object (whose compiled closures cannot be hashed or pickled).
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping, Sequence, Union

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from viz.clouds import CloudView, cloud_view
from viz.contours import ContourGrid, contour_grid
from viz.lru import LRU
from viz.trajectory import Trajectory

from .url_state import CUSTOM, DEFAULT_BOUNDS, DEFAULT_FORMULA, Bounds

GRID_POINTS = 181
#: A registry key, or ("custom", formula, bounds).
SurfaceRef = Union[str, tuple[str, str, Bounds]]


def make_ref(key: str, formula: str | None = None, bounds: Bounds | None = None) -> SurfaceRef:
    """The cache key of surface ``key`` (with its formula and range when it is "custom")."""
    if key == CUSTOM:
        bounds = bounds or DEFAULT_BOUNDS
        return (CUSTOM, formula or DEFAULT_FORMULA, tuple(tuple(float(v) for v in b) for b in bounds))
    return key


def surface_ref(state) -> SurfaceRef:
    """The cache key of a `PageState`'s surface."""
    return make_ref(state.surface, state.formula, state.bounds)


def resolve_surface(ref: SurfaceRef):
    """The Surface a `SurfaceRef` names (custom formulas come from the shared resource cache)."""
    if isinstance(ref, tuple):
        from .custom_surface import custom_surface

        return custom_surface(ref[1], ref[2])
    from surfaces import SURFACES

    return SURFACES[ref]


@dataclass(frozen=True)
class RunSpec:
    """What every optimizer of one page state shares: surface, start, budget, noise, schedule, clip.

    Hashable (Streamlit hashes a dataclass by its fields), so it is the first argument of each
    cached function below.
    """

    ref: SurfaceRef
    start: tuple[float, float]
    steps: int
    noise: float
    seed: int
    sched: str = "constant"
    sched_params: tuple[tuple[str, float], ...] = ()
    clip: float = 0.0

    @classmethod
    def of(cls, state) -> "RunSpec":
        return cls(ref=surface_ref(state), start=(float(state.x0), float(state.y0)), steps=int(state.steps),
                   noise=float(state.noise), seed=int(state.seed), sched=state.sched,
                   sched_params=tuple(sorted((k, float(v)) for k, v in state.sched_params.items())),
                   clip=float(state.clip))

    @property
    def surface(self):
        return resolve_surface(self.ref)

    @property
    def schedule(self):
        from optimizers import make_schedule

        return None if self.sched == "constant" else make_schedule(self.sched, **dict(self.sched_params))

    @property
    def clip_norm(self) -> float | None:
        return float(self.clip) if self.clip and self.clip > 0 else None


@st.cache_resource(show_spinner=False, max_entries=64)
def grid_for(ref: SurfaceRef) -> ContourGrid:
    """The contour grid of a surface (computed once per server process per surface/formula)."""
    surface = resolve_surface(ref)
    return contour_grid(surface.f, surface.bounds, GRID_POINTS)


Hyper = tuple[tuple[str, float], ...]


#: Bounds of the shared caches: enough for a class of 30 × 6 optimizers plus ghosts, yet a school of
#: students with distinct settings cannot grow the server's memory without bound (issue 10).
RUN_ENTRIES = 384
CACHE_TTL = 3600  # seconds; a lesson's runs are not needed the next hour


def simulate_cached(spec: RunSpec, opt_key: str, hyper: Hyper) -> pd.DataFrame:
    """``optimizers.simulate`` with hashable inputs (the table of `run_cached`)."""
    return run_cached(spec, opt_key, hyper, True)[0]


def path_trajectory(spec: RunSpec, opt_key: str, hyper: Hyper) -> Trajectory:
    """The run's path and losses only (``run_batch(record="path")``), as `simulate` would end it.

    Why: the race, the loss chart and the summary table need no gradients or optimizer states,
    and recording them costs the engine about twice the time. Same loop, same numbers as the
    full record (tests/test_compare_extras.py checks it); a diverged run ends at its last finite
    point, and a start where f is not finite is the same error as `simulate`'s.
    """
    from optimizers import OPTIMIZERS, run_batch

    opt = OPTIMIZERS[opt_key]
    res = run_batch(spec.surface, opt, dict(hyper), np.asarray(spec.start, dtype=float), spec.steps,
                    noise=spec.noise, seed=spec.seed, schedule=spec.schedule, clip_norm=spec.clip_norm, record="path")
    d = int(res.diverged_at[0])
    if d == 0:
        raise ValueError(f"start: f is not finite at {tuple(spec.start)}; choose another start")
    last = spec.steps if d < 0 else d - 1
    return Trajectory(key=opt_key, label=opt.label, path=np.array(res.path[: last + 1, 0], dtype=float),
                      loss=np.array(res.loss[: last + 1, 0], dtype=float), steps=int(spec.steps),
                      diverged_at=None if d < 0 else d)


#: Runs by (RunSpec, optimizer, hyperparameters, full): see `run_cached`.
RUNS = LRU(RUN_ENTRIES, ttl=CACHE_TTL)


def run_cached(spec: RunSpec, opt_key: str, hyper: Hyper, full: bool = False
               ) -> tuple[pd.DataFrame | None, Trajectory]:
    """One run, shared by every session: the engine's ``simulate`` table and its `Trajectory`
    with ``full`` (the inspector, the player's arrows, the CSV), else only its path (no table).

    Held in `RUNS` (no copy per rerun; keys hashed natively, see viz.lru): callers only read the
    table (the CSV export copies it) and the Trajectory's arrays are made read-only here. Students
    with the same settings share one computation. While a run is computed the page shows a
    spinner (only then: a rerun served from the cache starts none). A ValueError (settings the
    core rejects) is raised to the caller and not cached.
    """
    key = (spec, opt_key, hyper, bool(full))
    hit = RUNS.get(key)
    if hit is not None:
        return hit
    # No spinner outside a script run (e.g. a download button's data function).
    with st.spinner("Simulating the runs…") if get_script_run_ctx() is not None else nullcontext():
        value = _compute_run(spec, opt_key, hyper, bool(full))
    RUNS.put(key, value)
    return value


def _compute_run(spec: RunSpec, opt_key: str, hyper: Hyper, full: bool) -> tuple[pd.DataFrame | None, Trajectory]:
    from optimizers import OPTIMIZERS, simulate

    if full:
        df = simulate(spec.surface, opt_key, dict(hyper), spec.start, spec.steps, noise=spec.noise, seed=spec.seed,
                      schedule=spec.schedule, clip_norm=spec.clip_norm)
        opt = OPTIMIZERS[opt_key]
        traj = Trajectory.from_frame(df, opt_key, opt.label, spec.steps, state_labels=opt.state_names)
    else:
        df, traj = None, path_trajectory(spec, opt_key, hyper)
    for arr in (traj.path, traj.loss, traj.grads, traj.lr, traj.eff_lr, *traj.states.values()):
        if isinstance(arr, np.ndarray):
            arr.flags.writeable = False
    return df, traj


@st.cache_data(show_spinner=False, max_entries=256, ttl=CACHE_TTL)
def tune_cached(spec: RunSpec, opt_key: str, hyper: Hyper, lr_grid: tuple[float, ...]):
    """``optimizers.tuning.tune_learning_rate`` over ``lr_grid`` (one vectorized run)."""
    from optimizers.tuning import tune_learning_rate

    return tune_learning_rate(spec.surface, opt_key, dict(hyper), spec.start, spec.steps,
                              lr_grid=np.asarray(lr_grid, dtype=float), noise=spec.noise, seed=spec.seed,
                              schedule=spec.schedule, clip_norm=spec.clip_norm)


@st.cache_data(show_spinner="Simulating the seeded runs…", max_entries=64, ttl=CACHE_TTL)
def cloud_cached(spec: RunSpec, opt_key: str, label: str, hyper: Hyper, n_runs: int) -> CloudView:
    """``optimizers.tuning.noise_cloud`` for seeds ``seed … seed + n_runs − 1``, thinned for display.

    Run 0 of the cloud is the page's own run (same seed), so the highlighted path is one of the
    cloud, not an extra. Only the thinned `CloudView` is cached (see viz.clouds).
    """
    from optimizers.tuning import noise_cloud

    cloud = noise_cloud(spec.surface, opt_key, dict(hyper), spec.start, spec.steps, noise=spec.noise,
                        seeds=spec.seed + np.arange(int(n_runs)), schedule=spec.schedule, clip_norm=spec.clip_norm)
    return cloud_view(cloud, key=opt_key, label=label)


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


def _hyper(state, opt_key: str, drop: Sequence[str] = ()) -> tuple[tuple[str, float], ...]:
    return tuple(sorted((k, float(v)) for k, v in state.hyper.get(opt_key, {}).items() if k not in drop))


def run_all(state, optimizers: Mapping[str, Any], full: bool = True) -> Runs:
    """Simulate every selected optimizer of a `PageState` (cached per optimizer).

    With ``state.clouds`` runs and noise on, each optimizer also gets its noise cloud. Without
    ``full`` only paths and losses are computed (no ``frames``, no gradients or states in the
    trajectories): enough for the race, the loss chart and the summary table.
    """
    runs = Runs()
    spec = RunSpec.of(state)
    for opt_key in state.opts:
        opt = optimizers[opt_key]
        hyper = _hyper(state, opt_key)
        try:
            df, traj = run_cached(spec, opt_key, hyper, bool(full))
        except ValueError as exc:
            runs.errors[opt_key] = str(exc)
            continue
        if df is not None:
            runs.frames[opt_key] = df
        runs.trajectories.append(traj)
        runs.keys[opt_key] = (spec, opt_key, hyper, bool(full), bool(state.ghost and state.sched != "constant"),
                              int(state.clouds) if state.noise > 0 else 0)
        if state.ghost and state.sched != "constant":
            try:
                gtraj = run_cached(replace(spec, sched="constant", sched_params=()), opt_key, hyper, bool(full))[1]
                runs.ghosts.append(replace(gtraj, label=f"{opt.label} (constant lr)"))
            except ValueError:
                pass
        if state.clouds and state.noise > 0:
            runs.clouds[opt_key] = cloud_cached(spec, opt_key, opt.label, hyper, int(state.clouds))
    return runs


def tune_all(state, optimizers: Mapping[str, Any], lr_options: Callable[[str], Sequence[float]]) -> dict[str, Any]:
    """A `TuneResult` per selected optimizer: its learning rate swept over ``lr_options(key)``.

    Every other setting is the page's (surface, start, steps, noise and seed, schedule,
    clipping, the optimizer's other hyperparameters). Sweeping the slider's own values means
    the winner is exactly representable on the slider. An optimizer whose settings the core
    rejects is left out.
    """
    spec = RunSpec.of(state)
    results: dict[str, Any] = {}
    for opt_key in state.opts:
        grid = tuple(float(v) for v in lr_options(opt_key) if v > 0)
        try:
            results[opt_key] = tune_cached(spec, opt_key, _hyper(state, opt_key, drop=("lr",)), grid)
        except ValueError:
            continue
    return results
