"""Lesson: the hyperparameter map. A whole grid of runs in one vectorized call, as a heatmap.

UI only: the grid runs through `optimizers.sweep` (chunked so large grids can report
progress), a clicked cell is replayed with `optimizers.simulate`, figures come from
`viz.lessons` (heatmap) and `viz.paths` (the run on the contour map).
"""

from __future__ import annotations

import math

import numpy as np
import streamlit as st

from optimizers import OPTIMIZERS, simulate, sweep
from surfaces import SURFACES
from ui.custom_surface import CUSTOM_LABEL, custom_formula_input, custom_surface, seed_custom_state
from ui.lesson_common import show_chart, compare_link, page_style
from ui.lesson_url import LessonUrl
from ui.predict import lesson_box
from ui.simulation import grid_for, make_ref, resolve_surface
from ui.url_state import BOUND_KEYS, CUSTOM, custom_query, parse_custom_surface
from viz.lessons import nearest_cell, sweep_heatmap
from viz.paths import loss_figure, overlay_figure
from viz.trajectory import Trajectory
from ui.bootstrap import ensure_app_navigation
from lessons.pages import SWEEP_OPTIMIZER

ensure_app_navigation()

RESOLUTIONS = (20, 50, 100, 150, 200, 300)
CELLS_PER_CHUNK = 10_000  # one vectorized call per 10k cells: < 1 s each, so progress moves
METRICS = {"final": "final loss f − f*", "steps": "steps to tolerance"}

st.title("Hyperparameter map")
st.markdown(
    "**Try:** pick an optimizer and two of its hyperparameters; every cell of the map is a full "
    "run from the same start. Click a cell to see that run on the surface. **Notice:** the red "
    "wall of diverged runs at large learning rates, and how it moves with momentum μ. On a "
    "quadratic bowl momentum *raises* the limit, from lr < 2/λmax to lr < 2(1 + μ)/λmax (x²/20 + y²: "
    "1 at μ = 0, 1.9 at μ = 0.9): the direction that blows up is the one whose gradient flips sign "
    "every step, and there momentum's running sum of alternating gradients partly cancels. On "
    "this Rosenbrock map the wall hardly moves: SGD + momentum first diverges at lr ≈ 0.0021 for "
    "every μ up to 0.9, and only at larger μ does it come down (≈ 0.0016 at μ = 0.95, ≈ 0.0012 at "
    "μ = 0.99). Here a run blows up early (within about 25 steps for μ up to 0.8, within a few "
    "hundred at μ = 0.99), when a too-long step from the start lands on a steeper wall (the "
    "curvature across the valley grows like 1200x²). The first step is lr × gradient with or "
    "without momentum, so the wall starts where plain SGD's does; a large μ keeps adding up the "
    "big early gradients for about 1/(1 − μ) steps, and that is what finally lowers it. The wall "
    "is ragged: a few rates just above it survive by luck."
)
compare_link("Compare preset: the Rosenbrock valley race", preset="rosenbrock")

url = LessonUrl("sweep")
surf_keys = [k for k in SURFACES] + [CUSTOM]
surf0 = url.choice("surface", surf_keys, "rosenbrock" if "rosenbrock" in SURFACES else surf_keys[0])
opt_keys = list(OPTIMIZERS)
opt0 = url.choice("opt", opt_keys, SWEEP_OPTIMIZER if SWEEP_OPTIMIZER in opt_keys else opt_keys[0])
res0 = url.integer("n", 100, RESOLUTIONS[0], RESOLUTIONS[-1])
steps0 = url.integer("steps", 1000, 50, 5000)
metric0 = url.choice("metric", list(METRICS), "final")

c1, c2, c3, c4 = st.columns([2, 2, 2, 2])
surf_key = c1.selectbox("Surface", surf_keys, index=surf_keys.index(surf0), key="sw_surface",
                        format_func=lambda k: CUSTOM_LABEL if k == CUSTOM else SURFACES[k].label)
opt_key = c2.selectbox("Optimizer", opt_keys, index=opt_keys.index(opt0), key="sw_opt",
                       format_func=lambda k: OPTIMIZERS[k].label)
opt = OPTIMIZERS[opt_key]
hyper_keys = list(opt.hyper_keys)
x0 = url.choice("x", hyper_keys, opt.sweep_axes[0])
y0 = url.choice("y", hyper_keys, opt.sweep_axes[1])
if y0 == x0:
    y0 = next(k for k in hyper_keys if k != x0)
x_key = c3.selectbox("Horizontal axis", hyper_keys, index=hyper_keys.index(x0), key=f"sw_x_{opt_key}")
y_choices = [k for k in hyper_keys if k != x_key]
y_key = c4.selectbox("Vertical axis", y_choices, index=y_choices.index(y0) if y0 in y_choices else 0,
                     key=f"sw_y_{opt_key}")

d1, d2, d3, d4 = st.columns([2, 2, 2, 2])
resolution = int(d1.select_slider("Grid (cells per axis)", RESOLUTIONS, value=min(RESOLUTIONS, key=lambda r: abs(r - res0)),
                                  key="sw_n", help="100 × 100 = 10,000 runs; 300 × 300 = 90,000 runs."))
steps = int(d2.select_slider("Steps per run", [100, 250, 500, 1000, 2000, 5000],
                             value=min([100, 250, 500, 1000, 2000, 5000], key=lambda s: abs(s - steps0)), key="sw_steps"))
metric = d3.radio("Colour by", list(METRICS), index=list(METRICS).index(metric0), key="sw_metric",
                  format_func=METRICS.get, horizontal=True)
tol_exp = int(d4.select_slider("Tolerance 10^k on f − f*", list(range(-10, 1)), value=-4, key="sw_tol"))
tol = 10.0**tol_exp

if surf0 == CUSTOM and "sw_formula" not in st.session_state:
    # A shared link: its formula (validated first, else the default with a notice) seeds the box.
    params = url.params()
    if "formula" not in params and "f" in params:  # links from before the shared key
        params["formula"] = params["f"]
    _, formula0, bounds0 = parse_custom_surface(params, url.notices, custom_surface)
    seed_custom_state("sw_", formula0, bounds0)
custom = surf_key == CUSTOM
surface = custom_formula_input(prefix="sw_") if custom else SURFACES[surf_key]
ref = make_ref(surf_key, surface.source, surface.bounds)
formula_query = custom_query(surface.source, surface.bounds) if custom else {}

url.write(surface=surf_key, opt=opt_key, x=x_key, y=y_key, n=resolution, steps=steps, metric=metric,
          **formula_query)
url.drop("f", *[k for k in ("formula", *BOUND_KEYS) if k not in formula_query])

x_spec, y_spec = opt.spec(x_key), opt.spec(y_key)


def range_options(spec) -> list[float]:
    """Candidate axis ends: decades (and 2, 5 steps) for log specs, 1/20ths of the range otherwise."""
    lo, hi = float(spec.low), float(spec.high)
    if spec.log and lo > 0:
        opts = {lo, hi}
        for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1):
            opts |= {m * 10.0**e for m in (1, 2, 5)}
        return sorted(float(f"{o:.3g}") for o in opts if lo <= o <= hi)
    return sorted({round(lo + (hi - lo) * k / 20, 6) for k in range(21)})


def axis_range(spec, axis: str, container) -> tuple[float, float]:
    """A two-ended slider for one axis' range, initialised from the URL (``lr_lo``/``lr_hi``)."""
    opts = range_options(spec)
    lo0 = url.number(f"{spec.key}_lo", opts[0], opts[0], opts[-1])
    hi0 = url.number(f"{spec.key}_hi", opts[-1], opts[0], opts[-1])
    snap = lambda v: min(opts, key=lambda o: abs(math.log10(o) - math.log10(v)) if spec.log and o > 0 and v > 0 else abs(o - v))
    lo, hi = container.select_slider(
        f"{spec.key} range", opts, value=(snap(lo0), snap(hi0)), key=f"sw_{axis}range_{opt_key}_{spec.key}",
        format_func=lambda v: f"{v:g}",
    )
    if hi <= lo:
        lo, hi = opts[0], opts[-1]
    return float(lo), float(hi)


r1, r2 = st.columns(2)
x_lo, x_hi = axis_range(x_spec, "x", r1)
y_lo, y_hi = axis_range(y_spec, "y", r2)


def axis_values(spec, n: int, lo: float, hi: float) -> np.ndarray:
    """n values over [lo, hi]: log-spaced when the spec is log-scaled (rates differ by factors)."""
    if spec.log and lo > 0:
        return np.geomspace(lo, hi, n)
    if spec.high_open or (spec.valid_high < math.inf and hi >= spec.valid_high):
        hi = min(hi, np.nextafter(spec.valid_high, -math.inf))
    return np.linspace(lo, hi, n)


xs, ys = axis_values(x_spec, resolution, x_lo, x_hi), axis_values(y_spec, resolution, y_lo, y_hi)
url.write(**{f"{x_key}_lo": x_lo, f"{x_key}_hi": x_hi, f"{y_key}_lo": y_lo, f"{y_key}_hi": y_hi})
url.drop_stale("", [k for k in st.query_params.keys() if not k.endswith(("_lo", "_hi"))]
               + [f"{x_key}_lo", f"{x_key}_hi", f"{y_key}_lo", f"{y_key}_hi"])


if not custom:  # predict first (ui/predict.py): a custom formula has no engine-checked question here
    lesson_box("sweep", surf_key, opt_key, x_key, y_key, tuple(map(float, xs)), float(y_lo), float(y_hi), int(steps))


@st.cache_data(show_spinner=False, max_entries=256)
def _chunk(ref, opt_key: str, x_key: str, y_key: str, resolution: int,
           x_range: tuple[float, float], y_range: tuple[float, float], steps: int, tol: float, j0: int, j1: int):
    """One vectorized sweep over all x values and the y values [j0, j1) (``ref``: ui.simulation.SurfaceRef)."""
    surf = resolve_surface(ref)
    o = OPTIMIZERS[opt_key]
    xv = axis_values(o.spec(x_key), resolution, *x_range)
    yv = axis_values(o.spec(y_key), resolution, *y_range)
    res = sweep(surf, o, {x_key: xv, y_key: yv[j0:j1]}, {}, surf.start, steps, tol=tol)
    return res.final_loss.T.copy(), res.diverged.T.copy(), res.steps_to_tol.T.copy()


rows_per_chunk = max(1, CELLS_PER_CHUNK // resolution)
bounds = [(j, min(j + rows_per_chunk, resolution)) for j in range(0, resolution, rows_per_chunk)]
parts = []
progress = st.progress(0.0, text="Running the grid…") if len(bounds) > 1 else None
for i, (j0, j1) in enumerate(bounds):
    parts.append(_chunk(ref, opt_key, x_key, y_key, resolution, (x_lo, x_hi), (y_lo, y_hi), steps, tol, j0, j1))
    if progress is not None:
        progress.progress((i + 1) / len(bounds), text=f"Running the grid… {j1 * resolution:,} of {resolution**2:,} runs")
if progress is not None:
    progress.empty()
final_loss = np.concatenate([p[0] for p in parts])  # (ny, nx)
diverged = np.concatenate([p[1] for p in parts])
steps_to_tol = np.concatenate([p[2] for p in parts])

f_star = None
if surface.minima:
    vals = [float(surface.f(*m)) for m in surface.minima]
    f_star = min(v for v in vals if np.isfinite(v)) if any(np.isfinite(vals)) else None
gap = final_loss - (f_star if f_star is not None else 0.0)
if metric == "final":
    z = np.maximum(gap, 0.0) if f_star is not None else final_loss
    z_label = "final f − f*" if f_star is not None else "final loss f"
    not_reached = None
    log_color = f_star is not None
else:
    z = steps_to_tol.astype(float)
    z_label = "steps to tolerance"
    not_reached = steps_to_tol < 0
    log_color = True
    if f_star is None:
        st.info("This surface has no known minimum, so 'steps to tolerance' is undefined; colour by final loss instead.")

ok = ~diverged & np.isfinite(z) & (~not_reached if not_reached is not None else True)
best = np.unravel_index(np.argmin(np.where(ok, z, np.inf)), z.shape) if ok.any() else (0, 0)

# Selected cell: a click (new since the last rerun), else the URL, else the best cell.
sel_x0 = url.number("sel_x", float(xs[best[1]]), float(xs.min()), float(xs.max()))
sel_y0 = url.number("sel_y", float(ys[best[0]]), float(ys.min()), float(ys.max()))
sig = (surf_key, opt_key, x_key, y_key, resolution, x_lo, x_hi, y_lo, y_hi)
if "sw_sig" not in st.session_state:  # first visit: the link decides
    st.session_state["sw_sel"] = nearest_cell(xs, ys, sel_x0, sel_y0, x_log=x_spec.log, y_log=y_spec.log)
elif st.session_state["sw_sig"] != sig:  # a new map: start from its best cell
    st.session_state["sw_sel"] = (int(best[0]), int(best[1]))
st.session_state["sw_sig"] = sig
event = st.session_state.get("sw_heat")
points = (event or {}).get("selection", {}).get("points", []) if isinstance(event, dict) or event else []
if points:
    p = points[0]
    click = (round(float(p["x"]), 12), round(float(p["y"]), 12))
    if st.session_state.get("sw_last_click") != click:
        st.session_state["sw_last_click"] = click
        st.session_state["sw_sel"] = nearest_cell(xs, ys, click[0], click[1], x_log=x_spec.log, y_log=y_spec.log)
iy, ix = st.session_state["sw_sel"]
iy, ix = min(iy, resolution - 1), min(ix, resolution - 1)
sel_x, sel_y = float(xs[ix]), float(ys[iy])
url.write(sel_x=sel_x, sel_y=sel_y)
url.show_notices()

style = page_style()
n_div = int(diverged.sum())
st.caption(
    f"{resolution} × {resolution} = {resolution**2:,} runs of {steps:,} steps each from the surface's start "
    f"{tuple(round(v, 3) for v in surface.start)}; other hyperparameters at their defaults. "
    f"{n_div:,} runs diverged ({n_div / resolution**2:.0%})."
)
heat = sweep_heatmap(
    xs, ys, z, diverged, x_label=x_key, y_label=y_key, x_log=x_spec.log, y_log=y_spec.log, metric_label=z_label,
    log_color=log_color, selected=(iy, ix), not_reached=not_reached, style=style,
)
show_chart(heat, key="sw_heat", on_select="rerun", selection_mode="points")
st.session_state["sw_summary"] = dict(opt=opt_key, x=x_key, y=y_key, n=resolution, diverged=n_div,
                                     best=(float(xs[best[1]]), float(ys[best[0]])))

# --- the selected run -------------------------------------------------------------------
hyper = {x_key: sel_x, y_key: sel_y}
df = simulate(surface, opt, hyper, surface.start, steps)
traj = Trajectory.from_frame(df, opt_key, f"{opt.label}: {x_key}={sel_x:.4g}, {y_key}={sel_y:.4g}", steps)
st.subheader(f"The run at {x_key} = {sel_x:.4g}, {y_key} = {sel_y:.4g}")
m1, m2, m3 = st.columns(3)
m1.metric("final f − f*" if f_star is not None else "final f",
          f"{traj.final_loss - (f_star or 0.0):.3g}" if not traj.diverged else "diverged")
m2.metric("steps to tolerance", str(int(steps_to_tol[iy, ix])) if steps_to_tol[iy, ix] >= 0 else "never")
m3.metric("diverged at step", str(traj.diverged_at) if traj.diverged else "no")
compare_link(
    "Open this run on the Compare page",
    params={"surface": surf_key, **formula_query, "opt": opt_key,
            f"{opt_key}.{x_key}": f"{sel_x:.6g}", f"{opt_key}.{y_key}": f"{sel_y:.6g}", "steps": str(steps)},
)
left, right = st.columns([3, 2])
grid = grid_for(ref)
with left:
    show_chart(
        overlay_figure(grid, [traj], minima=surface.minima, start=surface.start, style=style, height=480,
                       title=f"{opt.label} on {surface.label}"),
        key="sw_path",
    )
with right:
    show_chart(loss_figure([traj], f_star=f_star, style=style, height=480), key="sw_loss")

with st.expander("How the map is computed"):
    st.markdown(
        f"""
All {resolution**2:,} settings run **at once**: the optimizer's update rule works on arrays of
shape (R, 2), one row per run, with each hyperparameter an (R, 1) column. One
`sweep(...)` call advances every run by one step with a handful of numpy operations, so a
10,000-run grid costs about as much as a few hundred single runs. Runs that blow up are frozen
at their last finite point and dropped from the arrays, so the diverged wall is cheap.

Axes use the hyperparameter's slider range; learning rates (and ε) are log-spaced, because
rates that matter differ by factors. Colour is log₁₀ of the metric; diverged runs are drawn
separately (red) because "exploded" is a different answer from "large loss".
"""
    )
