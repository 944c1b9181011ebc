"""Lesson: the hyperparameter map. A whole grid of runs in one vectorized call, as a heatmap.

UI only: the grid runs through `optimizers.sweep` (chunked so large grids can report
progress), a clicked cell is replayed with `optimizers.simulate`, figures come from
`viz.lessons` (heatmap) and `viz.paths` (the run on the contour map).
"""

from __future__ import annotations

import streamlit as st

from i18n import t, text
from optimizers import OPTIMIZERS, simulate
from lessons.sweep_map import (METRICS, GridResult, Selection, axis_values, chunk_rows, default_range, map_metric,
                               range_options, run_grid, sweep_rows)
from surfaces import SURFACES
from ui.custom_surface import CUSTOM_LABEL, custom_formula_input, seed_custom_state
from ui.lesson_common import show_chart, compare_link, lesson_markdown, page_style
from ui.lesson_url import BIND, LessonUrl
from ui.predict import lesson_box, withhold_until_revealed
from lessons.grids import format_number
from ui.simulation import grid_for, make_ref, resolve_surface
from lessons.link_values import read_number
from lessons.race import CUSTOM
from lessons.race_link import BOUND_KEYS, custom_query, read_custom_surface
from viz.lessons import nearest_cell, sweep_heatmap
from viz.paths import loss_figure, overlay_figure
from viz.trajectory import Trajectory
from ui.bootstrap import ensure_app_navigation
from lessons.pages import SWEEP_OPTIMIZER
from lessons.search_compare import BUDGETS, compare_searches, search_sentence
from viz.search_figure import search_points_figure

ensure_app_navigation()

RESOLUTIONS = (20, 50, 100, 150, 200, 300)
STEPS = (100, 250, 500, 1000, 2000, 5000)

st.title(t("page_sweep.title"))
INTRO = t("page_sweep.intro")
intro = st.empty()  # what to try, and (outside predict mode, or once predicted) what it shows
compare_link(t("page_sweep.compare"), preset="rosenbrock")

url = LessonUrl(legacy={"surface": "sw_surface", "opt": "sw_opt", "n": "sw_n", "steps": "sw_steps",
                        "metric": "sw_metric"}, keep=("formula", *BOUND_KEYS))  # a typed surface's keys are shared
surf_keys = [k for k in SURFACES] + [CUSTOM]
surf_label = lambda k: text(CUSTOM_LABEL if k == CUSTOM else SURFACES[k].label)  # noqa: E731
surf_default = "rosenbrock" if "rosenbrock" in SURFACES else surf_keys[0]
surf0 = url.choice("sw_surface", surf_keys, surf_default, label=surf_label)
opt_keys = list(OPTIMIZERS)
opt_default = SWEEP_OPTIMIZER if SWEEP_OPTIMIZER in opt_keys else opt_keys[0]
url.choice("sw_opt", opt_keys, opt_default, label=lambda k: text(OPTIMIZERS[k].label))
url.number("sw_n", 100, RESOLUTIONS[0], RESOLUTIONS[-1], options=RESOLUTIONS)
url.number("sw_steps", 1000, STEPS[0], STEPS[-1], options=STEPS)
url.choice("sw_metric", list(METRICS), "final", label=lambda k: text(METRICS[k]))
url.integer("sw_tol", -4, -10, 0)

c1, c2, c3, c4 = st.columns([2, 2, 2, 2])
surf_key = c1.selectbox(t("page_sweep.surface"), surf_keys, index=surf_keys.index(surf_default), key="sw_surface", bind=BIND,
                        format_func=surf_label)
opt_key = c2.selectbox(t("page_sweep.optimizer"), opt_keys, index=opt_keys.index(opt_default), key="sw_opt", bind=BIND,
                       format_func=lambda k: text(OPTIMIZERS[k].label))
opt = OPTIMIZERS[opt_key]
hyper_keys = list(opt.hyper_keys)
url.rename("x", f"sw_x_{opt_key}")
url.rename("y", f"sw_y_{opt_key}")
url.choice(f"sw_x_{opt_key}", hyper_keys, opt.sweep_axes[0])
x_key = c3.selectbox(t("page_sweep.x_axis"), hyper_keys, index=hyper_keys.index(opt.sweep_axes[0]), key=f"sw_x_{opt_key}",
                     bind=BIND)
y_choices = [k for k in hyper_keys if k != x_key]
y_default = opt.sweep_axes[1] if opt.sweep_axes[1] in y_choices else y_choices[0]
url.choice(f"sw_y_{opt_key}", y_choices, y_default)
y_key = c4.selectbox(t("page_sweep.y_axis"), y_choices, index=y_choices.index(y_default), key=f"sw_y_{opt_key}", bind=BIND)

d1, d2, d3, d4 = st.columns([2, 2, 2, 2])
resolution = int(d1.select_slider(t("page_sweep.grid"), RESOLUTIONS, value=100, key="sw_n", bind=BIND,
                                  help=t("page_sweep.grid_help")))
steps = int(d2.select_slider(t("page_sweep.steps"), STEPS, value=1000, key="sw_steps", bind=BIND))
metric = d3.radio(t("page_sweep.colour_by"), list(METRICS), key="sw_metric", bind=BIND,
                  format_func=lambda k: text(METRICS[k]), horizontal=True)
tol_exp = int(d4.select_slider(t("page_sweep.tolerance"), list(range(-10, 1)), value=-4, key="sw_tol", bind=BIND))
tol = 10.0**tol_exp

if surf0 == CUSTOM and "sw_formula" not in st.session_state:
    # A shared link: its formula (validated first, else the default with a notice) seeds the box.
    params = dict(url.params)
    if "formula" not in params and "f" in params:  # links from before the shared key
        params["formula"] = params["f"]
    _, formula0, bounds0 = read_custom_surface(params, url.notices)
    seed_custom_state("sw_", formula0, bounds0)
custom = surf_key == CUSTOM
surface = custom_formula_input(prefix="sw_") if custom else SURFACES[surf_key]
ref = make_ref(surf_key, surface.source, surface.bounds)
formula_query = custom_query(surface.source, surface.bounds) if custom else {}

url.write(formula_query, drop=("f", *[k for k in ("formula", *BOUND_KEYS) if k not in formula_query]))

x_spec, y_spec = opt.spec(x_key), opt.spec(y_key)


def axis_range(spec, container) -> tuple[float, float]:
    """A two-ended slider for one hyperparameter's range, in the link as ``sw_range_<opt>_<hyper>`` (twice).

    It opens on ``lessons.sweep_map.default_range``: around the learning rate's stability limit
    on this surface, so the edge between converging and diverged runs is mid-map."""
    opts = range_options(spec)
    key = f"sw_range_{opt_key}_{spec.key}"
    default = default_range(opt, spec, surface)
    url.rename_pair(f"{spec.key}_lo", f"{spec.key}_hi", key)  # links from before the bindings
    url.pair(key, opts, default, log=spec.log)
    lo, hi = container.select_slider(t("page_sweep.range", name=spec.key), opts, value=default, key=key, bind=BIND,
                                     format_func=format_number)
    if hi <= lo:
        lo, hi = opts[0], opts[-1]
    return float(lo), float(hi)


r1, r2 = st.columns(2)
x_lo, x_hi = axis_range(x_spec, r1)
y_lo, y_hi = axis_range(y_spec, r2)


xs, ys = axis_values(x_spec, resolution, x_lo, x_hi), axis_values(y_spec, resolution, y_lo, y_hi)


revealed = True
if not custom:  # predict first (ui/predict.py): a custom formula has no engine-checked question here
    revealed = lesson_box("sweep", surf_key, opt_key, x_key, y_key, tuple(map(float, xs)), float(y_lo), float(y_hi),
                          int(steps))
withhold_until_revealed(intro, INTRO, revealed=revealed)


@st.cache_data(show_spinner=False, max_entries=256)
def _chunk(ref, opt_key: str, x_key: str, y_key: str, resolution: int,
           x_range: tuple[float, float], y_range: tuple[float, float], steps: int, tol: float, j0: int, j1: int):
    """One cached call of `sweep_rows`: every x value and the y values [j0, j1) (``ref``: a SurfaceRef)."""
    o = OPTIMIZERS[opt_key]
    xv = axis_values(o.spec(x_key), resolution, *x_range)
    yv = axis_values(o.spec(y_key), resolution, *y_range)
    return sweep_rows(resolve_surface(ref), o, x_key, y_key, xv, yv[j0:j1], steps, tol)


progress = st.progress(0.0, text=t("page_sweep.progress")) if len(chunk_rows(resolution)) > 1 else None
grid_result: GridResult | None = None
for done, grid_result in run_grid(
        lambda j0, j1: _chunk(ref, opt_key, x_key, y_key, resolution, (x_lo, x_hi), (y_lo, y_hi), steps, tol, j0, j1),
        resolution):
    if progress is not None:
        progress.progress(done / resolution, text=t("page_sweep.progress_runs", done=done * resolution,
                                                     total=resolution**2))
if progress is not None:
    progress.empty()
diverged, steps_to_tol = grid_result.diverged, grid_result.steps_to_tol

f_star = surface.f_star
colour = map_metric(grid_result, metric, f_star)
z, z_label, not_reached, log_color, best = colour.z, colour.label, colour.not_reached, colour.log_color, colour.best
if colour.undefined:
    st.info(t("page_sweep.undefined"))

# Selected cell: a click (new since the last rerun), else the link's cell on the first map, else the best.
sig = (surf_key, opt_key, x_key, y_key, resolution, x_lo, x_hi, y_lo, y_hi)
if "sw_selection" not in st.session_state:  # first visit: the link decides
    sel_x0 = read_number(url.params, "sel_x", float(xs[best[1]]), float(xs.min()), float(xs.max()), url.notices)
    sel_y0 = read_number(url.params, "sel_y", float(ys[best[0]]), float(ys.min()), float(ys.max()), url.notices)
    st.session_state["sw_selection"] = Selection(
        nearest_cell(xs, ys, sel_x0, sel_y0, x_log=x_spec.log, y_log=y_spec.log), signature=sig)
points = ((st.session_state.get("sw_heat") or {}).get("selection") or {}).get("points") or []
click = (float(points[0]["x"]), float(points[0]["y"])) if points else None
iy, ix = st.session_state["sw_selection"].update(
    sig, best, click, lambda x, y: nearest_cell(xs, ys, x, y, x_log=x_spec.log, y_log=y_spec.log), resolution)
sel_x, sel_y = float(xs[ix]), float(ys[iy])
url.write({"sel_x": format_number(sel_x), "sel_y": format_number(sel_y)})
url.show_notices()

style = page_style()
n_div = int(diverged.sum())
st.caption(t("page_sweep.caption", n=resolution, runs=resolution**2, steps=steps,
               start=str(tuple(round(v, 3) for v in surface.start)), diverged=n_div, share=n_div / resolution**2))
heat = sweep_heatmap(
    xs, ys, z, diverged, x_label=x_key, y_label=y_key, x_log=x_spec.log, y_log=y_spec.log, metric_label=text(z_label),
    log_color=log_color, selected=(iy, ix), not_reached=not_reached, style=style,
)
show_chart(heat, key="sw_heat", on_select="rerun", selection_mode="points")

# --- the selected run -------------------------------------------------------------------
hyper = {x_key: sel_x, y_key: sel_y}
df = simulate(surface, opt, hyper, surface.start, steps)
traj = Trajectory.from_frame(df, opt_key, f"{opt.label}: {x_key}={sel_x:.4g}, {y_key}={sel_y:.4g}", steps)
st.subheader(t("page_sweep.run.title", x=x_key, x_value=sel_x, y=y_key, y_value=sel_y))
m1, m2, m3 = st.columns(3)
m1.metric(t("page_sweep.run.final_gap") if f_star is not None else t("page_sweep.run.final"),
          f"{traj.final_loss - (f_star or 0.0):.3g}" if not traj.diverged else t("page_sweep.run.diverged"))
m2.metric(t("page_sweep.run.steps_to_tol"),
          str(int(steps_to_tol[iy, ix])) if steps_to_tol[iy, ix] >= 0 else t("page_sweep.run.never"))
m3.metric(t("page_sweep.run.diverged_at"), str(traj.diverged_at) if traj.diverged else t("page_sweep.run.no"))
compare_link(
    t("page_sweep.run.open"),
    params={"surface": surf_key, **formula_query, "opt": opt_key,
            f"{opt_key}.{x_key}": format_number(sel_x), f"{opt_key}.{y_key}": format_number(sel_y),
            "steps": str(steps)},
)
left, right = st.columns([3, 2])
grid = grid_for(ref)
with left:
    show_chart(
        overlay_figure(grid, [traj], minima=surface.minima, start=surface.start, style=style, height=480,
                       title=t("page_sweep.run.map", opt=text(opt.label), surface=text(surface.label))),
        key="sw_path",
    )
with right:
    show_chart(loss_figure([traj], f_star=f_star, style=style, height=480), key="sw_loss")

with st.expander(t("page_sweep.how.title")):
    st.markdown(lesson_markdown("page_sweep.how.body", runs=resolution**2))


# --- grid search or random search, at the same budget ---------------------------------------
@st.cache_data(show_spinner=t("page_sweep.search.running"), max_entries=32)
def _searches(ref, opt_key: str, x_key: str, y_key: str, x_range: tuple[float, float], y_range: tuple[float, float],
              budget: int, steps: int):
    o = OPTIMIZERS[opt_key]
    return compare_searches(resolve_surface(ref), o, o.spec(x_key), o.spec(y_key), x_range, y_range, budget, steps)


st.subheader(t("page_sweep.search.title"))
url.number("sw_budget", 16, BUDGETS[0], BUDGETS[-1], options=BUDGETS)
budget = int(st.select_slider(t("page_sweep.search.budget"), BUDGETS, value=16, key="sw_budget", bind=BIND,
                              help=t("page_sweep.search.budget_help")))
searches = _searches(ref, opt_key, x_key, y_key, (x_lo, x_hi), (y_lo, y_hi), budget, steps)
st.markdown(text(search_sentence(searches, x_key, y_key)))
seed0 = searches.random_points[0]
show_chart(
    search_points_figure(searches.grid_points, searches.grid_best_point, seed0,
                         seed0[int(searches.random_scores[0].argmin())], x_label=x_key, y_label=y_key,
                         x_log=x_spec.log, y_log=y_spec.log, style=style,
                         title=t("page_sweep.search.points", n=searches.n_seeds)),
    key="sw_search_points",
)

