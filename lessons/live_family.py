"""A family of runs over a slider's own values: what the player's live slider morphs through.

Why a family: a 2-D run costs microseconds in the compiled engine, so every value a slider can
take (its grid, ``lessons.race_link.hyper_grid``, the same list the sidebar slider offers) can be
run at once, in one ``run_batch`` with one hyperparameter value per run. The browser then holds
every outcome and shows the one under the student's finger on each animation frame, with no
round trip to the server; releasing the slider commits the value, and the page's single run at
that value is the family's member bit for bit (same grid value, same engine, same race).

One axis is a live slider, two are a small pad (lr × μ, lr × β₁ …) whose axes are the slider
grids thinned to at most ``PAD_VALUES`` stops each (the current value always among them), so a
pad's family stays within its payload budget.

No Streamlit: a test or a benchmark builds families directly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from optimizers import OPTIMIZERS, run_batch

from .race import Race
from .race_link import hyper_grid

#: Stops per axis of a 2-D pad (the slider grids have about 100: 12 × 12 runs is enough to feel it).
PAD_VALUES = 12
#: Steps-to-tolerance threshold of the readout (the summary table's, `viz.summary.DEFAULT_TOL`).
TOL = 1e-3


def axis_values(race: Race, opt_key: str, name: str) -> tuple[float, ...]:
    """The values the sidebar slider of ``opt_key``'s ``name`` offers in this race.

    The slider's grid plus the race's current value when a link put it between two stops (the
    sidebar adds it the same way, ``ui.controls.hyper_sliders``).
    """
    spec = OPTIMIZERS[opt_key].spec(name)
    options = list(hyper_grid(opt_key, name))
    current = float(race.hyper(opt_key)[name])
    if spec.low <= current <= spec.high and current not in options:
        options = sorted({*options, current})
    return tuple(float(v) for v in options)


def thin(values: Sequence[float], current: float, n: int) -> tuple[float, ...]:
    """At most ``n`` of ``values``, evenly spread over the list, ``current`` always kept."""
    values = list(values)
    if len(values) <= n:
        return tuple(values)
    picks = {int(round(i)) for i in np.linspace(0, len(values) - 1, n)}
    if current in values:
        picks.discard(min(picks, key=lambda i: abs(i - values.index(current))))
        picks.add(values.index(current))
    return tuple(values[i] for i in sorted(picks))


@dataclass(frozen=True)
class Family:
    """``len(members)`` runs of one optimizer, one per grid value (per cell of a pad).

    Member ``j`` of a pad with axes (a, b) has a's value ``j % len(a)`` and b's ``j // len(a)``.
    ``path`` is ``(steps + 1, members, 2)`` and ``loss`` ``(steps + 1, members)``, as
    ``run_batch`` returns them (after a divergence a member's rows repeat its last finite point);
    ``diverged_at`` and ``steps_to_tol`` are per member (-1: never); ``limits`` the optimizer's
    declared stability limit for each member's settings on a quadratic (NaN: none declared or
    not a quadratic).
    """

    opt_key: str
    axes: tuple[tuple[str, tuple[float, ...]], ...]
    index: tuple[int, ...]
    path: np.ndarray
    loss: np.ndarray
    diverged_at: np.ndarray
    steps_to_tol: np.ndarray
    limits: np.ndarray
    lam_max: float | None

    @property
    def members(self) -> int:
        return int(self.path.shape[1])

    def settings(self, j: int) -> dict[str, float]:
        """Member ``j``'s values of the family's hyperparameters."""
        out, rest = {}, int(j)
        for name, values in self.axes:
            out[name] = values[rest % len(values)]
            rest //= len(values)
        return out

    def member_of(self, settings: dict[str, float]) -> int:
        """The member with these values (ValueError when one is not on its axis)."""
        j, stride = 0, 1
        for name, values in self.axes:
            j += values.index(float(settings[name])) * stride
            stride *= len(values)
        return j


def run_family(race: Race, opt_key: str, names: Sequence[str], *, pad_values: int = PAD_VALUES,
               tol: float = TOL, stops: Mapping[str, Sequence[float]] | None = None) -> Family:
    """One ``run_batch`` (the compiled path where it is ready) over ``names``' slider values.

    One name: every value of its slider. Two names: a pad over both grids thinned to
    ``pad_values`` each. ``stops`` replaces an axis's values (a benchmark's family of a given
    size). Everything else is the race's (surface, start, steps, noise and seed,
    schedule, clipping, the optimizer's other hyperparameters).
    """
    names = tuple(names)
    if not 1 <= len(names) <= 2 or len(set(names)) != len(names):
        raise ValueError("a live family has one or two distinct hyperparameters")  # i18n: internal
    opt = OPTIMIZERS[opt_key]
    hyper = race.hyper(opt_key)
    axes = []
    for name in names:
        values = tuple(stops[name]) if stops and name in stops else axis_values(race, opt_key, name)
        if len(names) == 2:
            values = thin(values, float(hyper[name]), pad_values)
        axes.append((name, values))
    grids = np.meshgrid(*[np.asarray(v, dtype=float) for _, v in axes], indexing="xy")
    columns = {name: g.reshape(-1) for (name, _), g in zip(axes, grids)}
    members = len(next(iter(columns.values())))
    per_run = {k: (columns[k].reshape(-1, 1) if k in columns else v) for k, v in hyper.items()}
    starts = np.tile(np.asarray(race.start, dtype=float), (members, 1))
    res = run_batch(race.surface_object(), opt_key, per_run, starts, race.steps, noise=race.noise, seed=race.seed,
                    schedule=race.schedule_object(), clip_norm=race.clip_norm, record="path", tol=tol)
    eigs = race.surface_object().hessian_eigs
    lam = float(max(eigs)) if eigs else None
    limits = np.full(members, math.nan)
    if lam is not None:
        for j in range(members):
            settings = {**hyper, **{k: float(c[j]) for k, c in columns.items()}}
            found = opt.stability(opt.resolve(settings), lam)
            if found is not None:
                limits[j] = found.limit
    index = tuple(values.index(float(hyper[name])) if float(hyper[name]) in values else 0 for name, values in axes)
    return Family(opt_key=opt_key, axes=tuple(axes), index=index, path=res.path, loss=res.loss,
                  diverged_at=np.asarray(res.diverged_at), steps_to_tol=np.asarray(res.steps_to_tol), limits=limits,
                  lam_max=lam)


__all__ = ["Family", "PAD_VALUES", "TOL", "axis_values", "thin", "run_family"]
