"""The race as the browser player wants it: `player_payload` and the pieces it is built from.

Python owns the look and the pace: every constant the browser needs (sizes, colours, the speed
menu, the default speed) travels in the payload, so the JS holds no second copy of them. Each
field is described once, in `schema.py`.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any, Hashable, Mapping, Sequence

import numpy as np

import i18n

from ..clouds import CloudView, drawn_runs, runs_to_draw
from ..contours import CONTOUR_COLORSCALE, CONTOUR_LINE_COLOR, ContourGrid, contour_levels
from ..palette import DIVERGED_COLOR, color_for, rgba
from ..paths import LOSS_FLOOR, LossScale
from ..style import DEFAULT_STYLE, Style
from ..trajectory import Trajectory
from .cache import RUN_JSON, grid_json
from .encode import CLOUD_DIGITS, RawJSON, to_json

#: The speed menu's choices (steps per second), sent to the browser in the payload.
SPEED_OPTIONS = (1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100, 120, 150, 200, 250, 300,
                 400, 500, 600, 800, 1000, 1500, 2000)
#: How long a whole run should take to play at its default speed: long enough to follow a
#: 30-step textbook race, short enough that a 2,000-step run is not a wait (10–20 s).
PLAY_SECONDS = (10.0, 20.0)
#: The catalog areas the browser player writes its words from (sent whole, by full key, in the
#: visitor's language: a few hundred bytes).
PLAYER_AREAS = ("player", "player_live")
#: Colours of the static map marks and the gradient arrow (the runs' colours come per run).
MARK_COLORS = {"minimum": "#FFD700", "minimum_outline": "#000000", "start": "#333333", "gradient": "#444444"}


def default_speed(steps: int) -> int:
    """Steps per second so the run plays in 10–20 s (about 14 s); 1 step/s for short runs.

    One rule for every race and lesson preset: the menu value whose play time is closest (on a
    log scale) to the middle of ``PLAY_SECONDS``. The menu is dense enough (neighbours differ by
    at most 1.5×) that the chosen time always lies inside the range when steps ≥ 10 s × 1 step/s.
    """
    lo, hi = PLAY_SECONDS
    target = max(1.0, steps / math.sqrt(lo * hi))
    return min(SPEED_OPTIONS, key=lambda v: abs(math.log(v) - math.log(target)))


def velocity_arrows(traj: Trajectory, hyper: Mapping[str, float] | None = None) -> np.ndarray | None:
    """−η_t · velocity per update, for the dotted "momentum" arrow (None without one).

    The velocity is whatever the optimizer declares as its arrow (``Optimizer.arrow``: the SGD
    family's momentum buffer b, Adam's bias-corrected first moment m̂, none for plain SGD or
    with μ = 0). Runs of unregistered optimizers and all-zero velocities draw no arrow.
    """
    from optimizers import OPTIMIZERS

    opt = OPTIMIZERS.get(traj.key)
    if opt is None or traj.lr is None or not traj.states:
        return None
    t = np.arange(1, len(np.asarray(traj.lr)) + 1, dtype=float)
    vel = opt.arrow(traj.states, opt.resolve(hyper or {}), t)
    if vel is None or not np.any(np.nan_to_num(vel)):
        return None
    return -np.asarray(traj.lr, dtype=float)[:, None] * np.asarray(vel, dtype=float)


def player_texts(lang: str | None = None) -> dict[str, str]:
    """The player's words in ``lang`` (the current language by default), by full catalog key."""
    lang = lang or i18n.current()
    return {f"{area}.{k}": v for area in PLAYER_AREAS for k, v in i18n.area(lang, area).items()}


def style_payload(style: Style) -> dict:
    """The sizes the player draws with (schema: Style)."""
    return {"projector": bool(style.projector), "font_family": style.font_family, "font_size": style.font_size,
            "line_width": style.line_width,
            "marker_size": style.marker_size, "arrow_min_px": style.arrow_min_px, "arrow_width": style.arrow_width}


def grid_payload(grid: ContourGrid) -> dict:
    """The contour grid as the player wants it: its edges plus flat heights, rows along y (schema: Grid)."""
    (x0, x1), (y0, y1) = grid.bounds
    levels = contour_levels(grid)
    return {
        "columns": int(len(grid.x)), "rows": int(len(grid.y)),
        "x_min": x0, "x_max": x1, "y_min": y0, "y_max": y1,
        "heights": np.asarray(grid.zplot, dtype=float),
        "level_start": levels["start"], "level_end": levels["end"], "level_step": levels["size"],
    }


def _cloud_entry(view: CloudView, limit: int, scale: LossScale | None = None) -> RawJSON:
    """A noise cloud for the player (schema: Cloud), serialized at `CLOUD_DIGITS`.

    The browser draws each path up to the current step, so a thinned path keeps the step of
    each of its points (``step_index``).
    """
    keep = drawn_runs(view, limit)
    paths = np.transpose(view.paths[:, keep, :], (1, 0, 2))
    entry = {"runs_drawn": int(len(keep)), "points": int(len(view.idx)),
             "step_index": [int(i) for i in view.idx], "paths": paths, "median_path": view.median_path,
             "median_loss": view.median_loss}
    if scale is not None:  # the loss chart's band: quartiles and median over the seeded runs
        entry["loss_band"] = {
            "name": view.band_name(),
            "fill": rgba(color_for(view.key), 0.2), "steps": [int(i) for i in view.loss_idx],
            "lower_quartile": scale.shown(view.loss_q25), "median": scale.shown(view.loss_median),
            "upper_quartile": scale.shown(view.loss_q75)}
    return RawJSON(to_json(entry, CLOUD_DIGITS))


def _loss_above_minimum(traj: Trajectory, scale: LossScale | None) -> dict:
    """``{"loss_above_minimum": f − f*}`` when the loss chart needs it, else nothing.

    Only on a log axis with f* ≠ 0: the difference is computed here, since the rounded losses
    would lose it. Otherwise the browser plots the run's own ``loss`` (floored at ``LOSS_FLOOR``
    on a log axis), which keeps the payload small.
    """
    if scale is None or not scale.log or scale.f_star == 0:
        return {}
    return {"loss_above_minimum": scale.shown(traj.loss)}


def _hidden_run(traj: Trajectory, start: Sequence[float]) -> Trajectory:
    """A run reduced to its name, colour and start point (``hide_runs``): nothing of its path."""
    point = np.asarray([[float(start[0]), float(start[1])]])
    return Trajectory(key=traj.key, label=traj.label, path=point, loss=np.array([math.nan]),
                      steps=int(traj.steps), diverged_at=None)


def _run_entry(traj: Trajectory, velocity: np.ndarray | None, ghost: Trajectory | None = None,
               cloud: RawJSON | None = None, scale: LossScale | None = None) -> dict:
    """One run for the player (schema: Run)."""
    entry: dict[str, Any] = {
        "key": traj.key,
        "label": traj.label,
        "color": color_for(traj.key),
        "points": traj.n_points,
        "path": traj.path,
        "loss": traj.loss,
        "diverged_at": traj.diverged_at,
    }
    if traj.grads is not None and traj.lr is not None and len(traj.grads):
        lr = np.asarray(traj.lr, dtype=float)
        entry["learning_rate"] = float(lr[0]) if np.all(lr == lr[0]) else lr
        entry["gradients"] = traj.grads
        if velocity is not None:
            entry["momentum_arrows"] = velocity
    entry.update(_loss_above_minimum(traj, scale))
    if ghost is not None:
        entry["ghost"] = {"label": ghost.label, "points": ghost.n_points, "path": ghost.path,
                          "diverged_at": ghost.diverged_at}
        if scale is not None:
            entry["ghost"].update(loss=ghost.loss, **_loss_above_minimum(ghost, scale))
    if cloud is not None:
        entry["cloud"] = cloud
    return entry


def player_payload(
    grid: ContourGrid,
    trajectories: Sequence[Trajectory],
    *,
    minima: Sequence[Sequence[float]] = (),
    start: Sequence[float] = (0.0, 0.0),
    style: Style = DEFAULT_STYLE,
    mode: str = "grid",
    arrows: bool = False,
    velocities: Mapping[str, np.ndarray | None] | None = None,
    ghosts: Sequence[Trajectory] = (),
    clouds: Sequence[CloudView] = (),
    note: str = "",
    title: str = "",
    playback: str = "",
    axis_titles: Sequence[str] = ("", ""),
    loss_chart: LossScale | None = None,
    run_keys: Mapping[str, Hashable] | None = None,
    hide_runs: bool = False,
    start_step: int = 0,
    samples: tuple[Sequence[float], Sequence[float]] | None = None,
    live: Mapping[str, str] | None = None,
    live_offer: bool = False,
) -> dict:
    """Everything the player needs, as ``{"data": <compact JSON str>, "data_id": <hash>}``.

    ``data`` follows `schema.PAYLOAD`. ``mode`` is "grid" (one panel per optimizer, same axes)
    or "overlay" (all paths on one map). ``velocities`` maps optimizer keys to
    ``velocity_arrows`` results; ``ghosts`` are comparison runs (e.g. the same optimizer with a
    constant learning rate) drawn faint and dashed in the panel of the run with the same key.
    ``clouds`` (noise clouds, `viz.clouds.CloudView`) are drawn under the run with the same key
    as faint paths plus an outlined median path; each is thinned to fit
    ``viz.clouds.PAYLOAD_POINT_BUDGET`` over all clouds (every run when it fits). ``note`` is a
    line of explanation under the maps. ``playback`` names the race being shown (e.g. a lesson
    preset): when it changes, the browser starts over at step 0 at this payload's default speed
    instead of keeping the previous race's step and speed. ``axis_titles`` label the maps' x and
    y axes (empty: none). ``arrows`` ticks the player's arrows box when it mounts (the page keeps
    it ticked across reruns and remounts). ``hide_runs`` (predict first: the race before the
    student commits to a prediction) sends each run's name, colour and start point only: no
    path, loss, divergence step, arrow, ghost or cloud is in the payload (hidden, not just
    invisible, so reading the JSON gives nothing away); the browser draws the maps and start
    points and keeps Play off. ``start_step`` is the step a newly mounted player shows (a page
    the visitor comes back to resumes where its scrubber was; clamped to the race, 0 when hidden).
    ``samples`` (x, y): the data points of a least-squares surface, whose map's axes are a line's
    slope and intercept; a panel beside the maps shows them with each run's line at the player's
    step (grid mode). The data id lets the browser ignore a re-render with identical
    data instead of resetting playback.

    ``loss_chart`` (a `viz.paths.LossScale`) adds the loss-versus-step chart under the maps,
    drawn by the player with the plotly.js it already loads (so the page needs no second Plotly
    bundle). ``velocities`` may be a callable ``traj -> arrows`` (evaluated only for runs not
    cached). ``run_keys`` maps a run's key to a hashable name of everything it was computed
    from (surface, start, steps, noise, schedule, hyperparameters, ghost and cloud settings):
    its JSON is then cached in `RUN_JSON` (per language: an entry carries words) and shared by
    every session, so a slider change re-serializes one run, not all. Every word of the payload
    (the notes, the player's `texts`) is in the current language (`i18n.current()`).
    """
    if mode not in ("grid", "overlay"):
        raise ValueError(f"mode must be 'grid' or 'overlay', got {mode!r}")  # i18n: internal (a programmer's error)
    steps = max([t.steps for t in trajectories], default=0)
    if hide_runs:
        # Nothing of a path may reach the browser before the prediction: not drawn is not enough,
        # a student could read the JSON. Hidden runs also bypass the per-run JSON cache.
        trajectories = [_hidden_run(t, start) for t in trajectories]
        velocities, ghosts, clouds, loss_chart, run_keys, arrows = None, (), (), None, None, False
        live, live_offer = None, False
        note = i18n.t("viz.player.hidden_note")
        playback = f"{playback}|hidden"
    lang = i18n.current()  # the words below, and a run's cached entry (its label, a cloud's legend entry)
    grid_text, grid_id = grid_json(grid, lambda g: to_json(grid_payload(g)))
    velocity_of = velocities if callable(velocities) else (lambda t, v=velocities or {}: v.get(t.key))
    limit = runs_to_draw(len(clouds), max((len(c.idx) for c in clouds), default=0))
    if clouds:
        first = clouds[0]
        drawn = min(limit, first.n_runs)
        cloud_note = (i18n.t("viz.player.cloud_note_thinned", n=first.n_runs, seeds=first.seed_text, drawn=drawn)
                      if drawn < first.n_runs else i18n.t("viz.player.cloud_note", n=first.n_runs, seeds=first.seed_text))
        note = (note + " " + cloud_note).strip()
    meta = {
        "title": title,
        "mode": mode,
        "steps": int(steps),
        "start": [float(start[0]), float(start[1])],
        "minima": [float(c) for m in minima for c in m],
        "style": style_payload(style),
        "speed": int(default_speed(steps)),
        "speeds": list(SPEED_OPTIONS),
        "playback": f"{playback}|{int(steps)}",
        "colors": MARK_COLORS,
        "axis_titles": [str(axis_titles[0]), str(axis_titles[1])],
        "arrows": bool(arrows),
        "clickable": True,  # the standalone HTML export turns it off (no server to re-run from a click)
        "colorscale": CONTOUR_COLORSCALE,
        "line_color": CONTOUR_LINE_COLOR,
        "diverged_color": DIVERGED_COLOR,
        "grid_id": grid_id,
        "note": note,
        "hidden": bool(hide_runs),
        "start_step": 0 if hide_runs else int(min(max(int(start_step), 0), int(steps))),
        "texts": player_texts(lang),
        "lang": lang,
        "live_offer": bool(live_offer),
    }
    if samples is not None:
        meta["samples"] = {"x": [float(v) for v in samples[0]], "y": [float(v) for v in samples[1]]}
    if loss_chart is not None:
        meta["loss_chart"] = {"title": loss_chart.title, "log": loss_chart.log, "floor": LOSS_FLOOR,
                              "height": int(380 * (1.25 if style.projector else 1.0)),
                              "unified": len(trajectories) > 1}
    ghost_by_key = {g.key: g for g in ghosts}
    cloud_by_key = {c.key: c for c in clouds}
    scale_key = None if loss_chart is None else (loss_chart.log, loss_chart.f_star)

    def run_json(t: Trajectory) -> str:
        name = (run_keys or {}).get(t.key)
        key = None if name is None else (name, limit, scale_key, lang)
        text = None if key is None else RUN_JSON.get(key)
        if text is None:
            cloud = cloud_by_key.get(t.key)
            text = to_json(_run_entry(t, velocity_of(t), ghost_by_key.get(t.key),
                                      None if cloud is None else _cloud_entry(cloud, limit, loss_chart), loss_chart))
            if key is not None:
                RUN_JSON.put(key, text)
        return text

    def with_live(t: Trajectory, text: str) -> str:
        body = (live or {}).get(t.key)
        return text if body is None else text[:-1] + ',"live":' + body + "}"

    runs_json = "[" + ",".join(with_live(t, run_json(t)) for t in trajectories) + "]"
    body = to_json(meta)[:-1] + ',"grid":' + grid_text + ',"runs":' + runs_json + "}"
    return {"data": body, "data_id": hashlib.sha1(body.encode()).hexdigest()[:20]}


def payload_bytes(payload: Mapping[str, str]) -> int:
    """Size of the component args as Streamlit sends them (what crosses the websocket): the data
    as a binary argument (see `component.player`), the rest as JSON."""
    return len(payload["data"].encode()) + len(json.dumps({k: v for k, v in payload.items() if k != "data"}))
