"""The animation player: a static Streamlit component, and the same player as offline HTML.

Why a component: a Plotly figure with one frame per step re-sends every path prefix (the data
grows with steps²) and Plotly.animate(redraw=False) wipes contour traces. The player receives
the paths once, as compact JSON, and animates them in the browser (see frontend/player.js).

Files: ``frontend/`` holds the committed index.html, player.js and player.css. ``vendor/`` holds
plotly.js's official *cartesian* partial bundle (MIT, see vendor/LICENSE-plotly.js): the player
draws only contour and scatter traces, and this 1.5 MB build is a third of the full 4.8 MB one
the ``plotly`` package ships, which every student's browser would otherwise parse before the
first map (issue 10). ``ensure_build()`` copies these files into a git-ignored ``build/``
directory, which Streamlit serves as static files (browser-cached, no CDN, so it works in an
offline classroom). Only the data goes over the websocket.

Public functions: ``player_payload`` (data → args), ``player`` (render in Streamlit),
``standalone_html`` (a self-contained HTML page that plays without a server), ``ensure_build``.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable, Hashable, Mapping, Sequence

import numpy as np

from ..clouds import CloudView, drawn_runs, runs_to_draw
from ..lru import LRU
from ..contours import CONTOUR_COLORSCALE, CONTOUR_LINE_COLOR, ContourGrid, contour_levels
from ..palette import DIVERGED_COLOR, color_for, rgba
from ..paths import LOSS_FLOOR, LossScale
from ..style import DEFAULT_STYLE, Style
from ..trajectory import Trajectory

FRONTEND = Path(__file__).resolve().with_name("frontend")
BUILD = Path(__file__).resolve().with_name("build")
FRONTEND_FILES = ("index.html", "player.js", "player.css")
#: plotly.js's official cartesian partial bundle, as published on npm (plotly.js-cartesian-dist-min).
PLOTLY_JS = Path(__file__).resolve().with_name("vendor") / "plotly-cartesian.min.js"
COMPONENT_NAME = "descent_player"
#: Significant digits sent to the browser: far below a pixel, and it halves the payload.
SIG_DIGITS = 5
#: Digits for noise-cloud paths: faint 1-pixel lines, so 4 digits (1e-4 of the map) is plenty.
CLOUD_DIGITS = 4


class RawJSON(str):
    """Text that `to_json` inserts verbatim (a part already serialized with other settings)."""


# ---------------------------------------------------------------------------------- build dir


def plotly_js_path() -> Path:
    """The vendored plotly.js cartesian bundle (contour, scatter, ...), served and inlined."""
    return PLOTLY_JS


def _copy_if_changed(src: Path, dst: Path) -> None:
    if dst.exists() and dst.stat().st_size == src.stat().st_size and dst.read_bytes() == src.read_bytes():
        return
    fd, tmp = tempfile.mkstemp(dir=dst.parent, prefix=".tmp-", suffix=dst.suffix)
    os.close(fd)
    shutil.copyfile(src, tmp)
    os.replace(tmp, dst)  # atomic: a concurrent server never serves half a file


def ensure_build(build_dir: Path | None = None) -> Path:
    """Populate the served directory (frontend files + the plotly.js bundle) and return it.

    Falls back to a per-user temp directory when the package directory is read-only.
    """
    candidates = [build_dir] if build_dir else [BUILD, Path(tempfile.gettempdir()) / "descent-player-build"]
    last_error: Exception | None = None
    for directory in candidates:
        try:
            directory.mkdir(parents=True, exist_ok=True)
            for name in FRONTEND_FILES:
                _copy_if_changed(FRONTEND / name, directory / name)
            _copy_if_changed(PLOTLY_JS, directory / PLOTLY_JS.name)
            return directory
        except OSError as exc:  # read-only install: try the next place
            last_error = exc
    raise RuntimeError(f"cannot prepare the player's static files: {last_error}")


# ----------------------------------------------------------------------------- compact JSON


def _num(v: float, digits: int) -> str:
    if not math.isfinite(v):
        return "null"
    text = f"{v:.{digits}g}"
    return text


def _array_json(arr: np.ndarray, digits: int = SIG_DIGITS) -> str:
    flat = np.asarray(arr, dtype=float).ravel()
    if flat.size == 0:
        return "[]"
    text = np.char.mod(f"%.{digits}g", flat)
    bad = ~np.isfinite(flat)
    if bad.any():
        text = text.astype(object)
        text[bad] = "null"
    return "[" + ",".join(text.tolist()) + "]"


def to_json(obj: Any, digits: int = SIG_DIGITS) -> str:
    """JSON with numpy arrays flattened and rounded to ``digits`` significant digits.

    Why hand-rolled: ``json.dumps`` writes 17 digits per float; at 5 the 6 × 2,000-step payload
    is well under a megabyte. Non-finite numbers become null (JSON has no NaN).
    """
    if isinstance(obj, RawJSON):
        return str(obj)
    if isinstance(obj, np.ndarray):
        return _array_json(obj, digits)
    if isinstance(obj, Mapping):
        return "{" + ",".join(json.dumps(str(k)) + ":" + to_json(v, digits) for k, v in obj.items()) + "}"
    if isinstance(obj, (list, tuple)):
        if obj and all(isinstance(v, (float, int, np.floating, np.integer)) and not isinstance(v, bool) for v in obj):
            return _array_json(np.asarray(obj, dtype=float), digits) if any(
                isinstance(v, (float, np.floating)) for v in obj) else json.dumps([int(v) for v in obj])
        return "[" + ",".join(to_json(v, digits) for v in obj) + "]"
    if isinstance(obj, (bool, np.bool_)):
        return "true" if obj else "false"
    if isinstance(obj, (int, np.integer)):
        return str(int(obj))
    if isinstance(obj, (float, np.floating)):
        return _num(float(obj), digits)
    if obj is None:
        return "null"
    return json.dumps(obj)


# ---------------------------------------------------------------------------------- payload


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


def _cloud_entry(view: CloudView, limit: int, scale: LossScale | None = None) -> RawJSON:
    """A noise cloud for the player: ``k`` of its runs as flat paths, its median path and loss.

    ``xy`` holds path j's point i at ``2 * (j * n + i)``; ``idx`` are the steps of the n points
    (the browser draws a path up to the current step).
    """
    keep = drawn_runs(view, limit)
    xy = np.transpose(view.paths[:, keep, :], (1, 0, 2))
    entry = {"k": int(len(keep)), "of": view.n_runs, "n": int(len(view.idx)), "idx": [int(i) for i in view.idx],
             "xy": xy, "med": view.median_path, "mloss": view.median_loss, "ndiv": view.n_diverged}
    if scale is not None:  # the loss chart's band: quartiles and median over the seeded runs
        entry["lc"] = {"name": f"{view.label}: median of {view.n_runs} runs (band: middle 50%)",
                       "fill": rgba(color_for(view.key), 0.2), "x": [int(i) for i in view.loss_idx],
                       "q25": scale.shown(view.loss_q25), "med": scale.shown(view.loss_median),
                       "q75": scale.shown(view.loss_q75)}
    return RawJSON(to_json(entry, CLOUD_DIGITS))


def _loss_line(traj: Trajectory, scale: LossScale) -> dict:
    """One run's curve for the player's loss chart (one value per step).

    Empty when the browser can plot the run's own ``loss`` (a linear axis, or f* = 0: it floors
    at ``LOSS_FLOOR``), which keeps the payload small; with f* ≠ 0 the difference f − f* is
    computed here, since the rounded losses would lose it.
    """
    if not scale.log or scale.f_star == 0:
        return {}
    return {"y": scale.shown(traj.loss)}


def _hidden_run(traj: Trajectory, start: Sequence[float]) -> Trajectory:
    """A run reduced to its name, colour and start point (``hide_runs``): nothing of its path."""
    point = np.asarray([[float(start[0]), float(start[1])]])
    return Trajectory(key=traj.key, label=traj.label, path=point, loss=np.array([math.nan]),
                      steps=int(traj.steps), diverged_at=None)


def _run_entry(traj: Trajectory, velocity: np.ndarray | None, ghost: Trajectory | None = None,
               cloud: RawJSON | None = None, scale: LossScale | None = None) -> dict:
    entry: dict[str, Any] = {
        "key": traj.key,
        "label": traj.label,
        "color": color_for(traj.key),
        "n": traj.n_points,
        "xy": traj.path,
        "loss": traj.loss,
        "div": traj.diverged_at,
    }
    if traj.grads is not None and traj.lr is not None and len(traj.grads):
        lr = np.asarray(traj.lr, dtype=float)
        entry["lr"] = float(lr[0]) if np.all(lr == lr[0]) else lr
        entry["grad"] = traj.grads
        if velocity is not None:
            entry["mom"] = velocity
    if ghost is not None:
        entry["ghost"] = {"label": ghost.label, "n": ghost.n_points, "xy": ghost.path, "div": ghost.diverged_at}
        if scale is not None:
            entry["ghost"].update(loss=ghost.loss, lc=_loss_line(ghost, scale))
    if cloud is not None:
        entry["cloud"] = cloud
    if scale is not None:
        entry["lc"] = _loss_line(traj, scale)
    return entry


# ------------------------------------------------------------------------ shared JSON caches


#: Serialized runs by (page's run key, cloud limit, loss scale): one slider change re-serializes one run.
RUN_JSON = LRU(512)
#: Serialized contour grids by the grid object (the pages' grids come from a shared resource cache).
GRID_JSON = LRU(32)


def _grid_json(grid: ContourGrid) -> tuple[str, str]:
    """The grid's JSON and its id, computed once per grid object (the grid is kept alive with it)."""
    hit = GRID_JSON.get(id(grid))
    if hit is not None and hit[0] is grid:
        return hit[1], hit[2]
    text = to_json(grid_payload(grid))
    gid = hashlib.sha1(text.encode()).hexdigest()[:16]
    GRID_JSON.put(id(grid), (grid, text, gid))
    return text, gid


#: The speed menu's choices (steps per second), sent to the browser in the payload.
SPEED_OPTIONS = (1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100, 120, 150, 200, 250, 300,
                 400, 500, 600, 800, 1000, 1500, 2000)
#: How long a whole run should take to play at its default speed: long enough to follow a
#: 30-step textbook race, short enough that a 2,000-step run is not a wait (10–20 s).
PLAY_SECONDS = (10.0, 20.0)
#: Colours of the static map marks and the gradient arrow (the runs' colours come per run).
MARK_COLORS = {"minimum": "#FFD700", "minimum_line": "#000000", "start": "#333333", "gradient": "#444444"}


def default_speed(steps: int) -> int:
    """Steps per second so the run plays in 10–20 s (about 14 s); 1 step/s for short runs.

    One rule for every race and lesson preset: the menu value whose play time is closest (on a
    log scale) to the middle of ``PLAY_SECONDS``. The menu is dense enough (neighbours differ by
    at most 1.5×) that the chosen time always lies inside the range when steps ≥ 10 s × 1 step/s.
    """
    lo, hi = PLAY_SECONDS
    target = max(1.0, steps / math.sqrt(lo * hi))
    return min(SPEED_OPTIONS, key=lambda v: abs(math.log(v) - math.log(target)))


def grid_payload(grid: ContourGrid) -> dict:
    """The contour grid as the player wants it: endpoints plus a flat z (rows along y)."""
    (x0, x1), (y0, y1) = grid.bounds
    levels = contour_levels(grid)
    return {
        "nx": int(len(grid.x)), "ny": int(len(grid.y)),
        "x0": x0, "x1": x1, "y0": y0, "y1": y1,
        "z": np.asarray(grid.zplot, dtype=float),
        "start": levels["start"], "end": levels["end"], "size": levels["size"],
        "log": bool(grid.log),
    }


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
) -> dict:
    """Everything the player needs, as ``{"data": <compact JSON str>, "data_id": <hash>}``.

    ``mode`` is "grid" (one panel per optimizer, same axes) or "overlay" (all paths on one
    map). ``velocities`` maps optimizer keys to ``velocity_arrows`` results; ``ghosts`` are
    comparison runs (e.g. the same optimizer with a constant learning rate) drawn faint and dashed
    in the panel of the run with the same key. ``clouds`` (noise clouds, `viz.clouds.CloudView`)
    are drawn under the run with the same key as faint paths plus an outlined median path;
    each is thinned to fit ``viz.clouds.PAYLOAD_POINT_BUDGET`` over all clouds (every run when
    it fits). ``note`` is a line of explanation under the maps. ``playback`` names the race being
    shown (e.g. a lesson preset): when it changes, the browser starts over at step 0 at this
    payload's default speed instead of keeping the previous race's step and speed. ``axis_titles``
    label the maps' x and y axes (empty: none). ``arrows`` ticks the player's arrows box when it
    mounts (the page keeps it ticked across reruns and remounts). ``hide_runs`` (predict first: the race before the
    student commits to a prediction) sends each run's name, colour and start point only: no path,
    loss, divergence step, arrow, ghost or cloud is in the payload (hidden, not just invisible,
    so reading the JSON gives nothing away); the browser draws the maps and start points and
    keeps Play off. The data id lets
    the browser ignore a re-render with identical data instead of resetting playback.

    ``loss_chart`` (a `viz.paths.LossScale`) adds the loss-versus-step chart under the maps,
    drawn by the player with the plotly.js it already loads (so the page needs no second Plotly
    bundle); each run carries its plotted curve (``lc``). ``velocities`` may be a callable
    ``traj -> arrows`` (evaluated only for runs not cached). ``run_keys`` maps a run's key to a
    hashable name of everything it was computed from (surface, start, steps, noise, schedule,
    hyperparameters, ghost and cloud settings): its JSON is then cached in `RUN_JSON` and shared
    by every session, so a slider change re-serializes one run, not all.
    """
    if mode not in ("grid", "overlay"):
        raise ValueError(f"mode must be 'grid' or 'overlay', got {mode!r}")
    steps = max([t.steps for t in trajectories], default=0)
    if hide_runs:
        # Nothing of a path may reach the browser before the prediction: not drawn is not enough,
        # a student could read the JSON. Hidden runs also bypass the per-run JSON cache.
        trajectories = [_hidden_run(t, start) for t in trajectories]
        velocities, ghosts, clouds, loss_chart, run_keys, arrows = None, (), (), None, None, False
        note = "The paths are hidden until you lock in a prediction."
        playback = f"{playback}|hidden"
    grid_json, grid_id = _grid_json(grid)
    velocity_of = velocities if callable(velocities) else (lambda t, v=velocities or {}: v.get(t.key))
    limit = runs_to_draw(len(clouds), max((len(c.idx) for c in clouds), default=0))
    if clouds:
        first = clouds[0]
        drawn = min(limit, first.n_runs)
        note = (note + " " + (
            f"Noise clouds: faint lines are {first.n_runs} seeded runs per optimizer ({first.seed_text})"
            + (f", {drawn} of them drawn" if drawn < first.n_runs else "")
            + "; dotted: their median path; the solid path is the first seed's run."
        )).strip()
    meta = {
        "v": 1,
        "title": title,
        "mode": mode,
        "steps": int(steps),
        "start": [float(start[0]), float(start[1])],
        "minima": [float(c) for m in minima for c in m],
        "style": style.as_dict(),
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
    }
    if loss_chart is not None:
        meta["loss_chart"] = {"title": loss_chart.title, "log": loss_chart.log, "floor": LOSS_FLOOR,
                              "height": int(380 * (1.25 if style.projector else 1.0)),
                              "unified": len(trajectories) > 1}
    ghost_by_key = {g.key: g for g in ghosts}
    cloud_by_key = {c.key: c for c in clouds}
    scale_key = None if loss_chart is None else (loss_chart.log, loss_chart.f_star)

    def run_json(t: Trajectory) -> str:
        name = (run_keys or {}).get(t.key)
        key = None if name is None else (name, limit, scale_key)
        text = None if key is None else RUN_JSON.get(key)
        if text is None:
            cloud = cloud_by_key.get(t.key)
            text = to_json(_run_entry(t, velocity_of(t), ghost_by_key.get(t.key),
                                      None if cloud is None else _cloud_entry(cloud, limit, loss_chart), loss_chart))
            if key is not None:
                RUN_JSON.put(key, text)
        return text

    runs_json = "[" + ",".join(run_json(t) for t in trajectories) + "]"
    body = to_json(meta)[:-1] + ',"grid":' + grid_json + ',"runs":' + runs_json + "}"
    return {"data": body, "data_id": hashlib.sha1(body.encode()).hexdigest()[:20]}


def payload_bytes(payload: Mapping[str, str]) -> int:
    """Size of the component args as Streamlit sends them (what crosses the websocket): the data
    as a binary argument (see `player`), the rest as JSON."""
    return len(payload["data"].encode()) + len(json.dumps({k: v for k, v in payload.items() if k != "data"}))


# -------------------------------------------------------------------------------- Streamlit

_component: Callable[..., Any] | None = None


def _get_component() -> Callable[..., Any]:
    global _component
    if _component is None:
        import streamlit.components.v1 as components

        _component = components.declare_component(COMPONENT_NAME, path=str(ensure_build()))
    return _component


def player(
    payload: Mapping[str, str],
    *,
    key: str = "player",
    on_change: Callable[[], None] | None = None,
) -> dict | None:
    """Render the player; returns the last value the browser sent, or None.

    The value is ``{"step": k, "click": [x, y] | None, "seq": n}``: the scrubber step (sent on
    release or pause, never per animation frame) and a clicked start point, if any.
    """
    component = _get_component()
    # As bytes, the data travels as a binary argument: Streamlit does not JSON-encode it again
    # on every rerun (about 1 ms for a 300-KB race, issue 10), nor the browser decode it twice.
    return component(data=payload["data"].encode(), data_id=payload["data_id"], key=key, default=None,
                     on_change=on_change)


# ---------------------------------------------------------------------------- standalone HTML


def _inline_script(text: str) -> str:
    # A literal "</script" inside inlined code would end the tag early.
    return text.replace("</script", "<\\/script")


def standalone_html(payload: Mapping[str, str], *, title: str = "Descent: optimizer race") -> str:
    """A single HTML file that plays the race offline: Plotly.js, the player and the data inlined.

    No network at all (no CDN, no server), so a teacher can open it from a USB stick.
    """
    plotly_js = plotly_js_path().read_text(encoding="utf-8")
    player_js = (FRONTEND / "player.js").read_text(encoding="utf-8")
    css = (FRONTEND / "player.css").read_text(encoding="utf-8")
    data = payload["data"].replace("</", "<\\/")
    safe_title = (title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
    return (
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{safe_title}</title>\n<style>\n{css}\nbody {{ padding: 12px; }}\n</style>\n"
        f"<script>{_inline_script(plotly_js)}</script>\n</head>\n<body>\n"
        f"<h3 style=\"margin:4px 2px 10px 2px\">{safe_title}</h3>\n<div id=\"root\"></div>\n"
        f"<script>window.DESCENT_STANDALONE_DATA = {data};</script>\n"
        f"<script>{_inline_script(player_js)}</script>\n</body>\n</html>\n"
    )
