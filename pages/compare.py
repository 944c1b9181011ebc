"""Compare: optimizers racing side by side on one surface, animated, for a classroom.

UI only: the numbers come from the core (surfaces/, optimizers/), the pictures from viz/, the
controls and URL state from ui/. See ARCHITECTURE.md.
"""

from __future__ import annotations

import math
from functools import partial

import streamlit as st

from lessons.link_values import md_escape
from lessons.presets import PRESETS_BY_KEY
from lessons.race import CUSTOM, Race
from optimizers import MOMENTUM_CONVENTIONS, OPTIMIZERS, SCHEDULES, make_schedule
from surfaces import SURFACES, regression_data
from ui import controls, live_class, page_state
from ui.bootstrap import ensure_app_navigation
from ui.custom_surface import current_custom_surface, show_formula_error_near_race
from ui.folded import FOLDED, inside
from ui.inspector import step_inspector
from ui.language import link_language
from ui.page_state import LESSON_KEY, VIEW_LABELS, widget_key
from ui.predict import predict_toggle, predict_view, show_predict
from ui.simulation import grid_for, run_all, surface_ref
from ui.style import current_style, show_table
from ui.tuning import current_report, show_tune_report, tune_learning_rates
from ui.url_state import VIEWS, PageState
from viz.paths import loss_figure, loss_scale
from viz.player import player, player_payload, standalone_html, velocity_arrows
from viz.summary import DEFAULT_TOL, summary_table, tolerance_column, trajectories_csv
from viz.surface3d import surface3d_figure

ensure_app_navigation()  # a deep link on a fresh server: serve it through app.py's navigation
PLAYER_KEY = "player"
INSPECT_KEY = "inspect_step"
INSPECTOR_OPEN_KEY = "inspector_open"
ARROWS_KEY = "player_arrows"  # the player's "arrows" box is ticked: gradients and states are needed

store = page_state.load()
live = live_class.follow(store)  # in a live class: the teacher's race, before the widgets (ui/live_class.py)


# ------------------------------------------------------------------------------- callbacks


def _on_lesson() -> None:
    key = st.session_state.get(LESSON_KEY)
    if key:
        page_state.apply_preset(key)


def _page_surface():
    """The surface the sidebar has chosen (the custom formula on screen for "custom")."""
    key = st.session_state.get(widget_key("surface"))
    return current_custom_surface() if key == CUSTOM else SURFACES.get(key, next(iter(SURFACES.values())))


def _start_at(surface) -> None:
    st.session_state[widget_key("x0")], st.session_state[widget_key("y0")] = (float(c) for c in surface.start)


def _on_surface() -> None:
    _start_at(_page_surface())
    page_state.forget_lesson()


def _on_player() -> None:
    """The browser sent a value: a scrubber step (→ inspector) and/or a clicked start point."""
    value = st.session_state.get(PLAYER_KEY) or {}
    if not isinstance(value, dict):
        return
    if "arrows" in value:
        st.session_state[ARROWS_KEY] = bool(value["arrows"])
    step = value.get("step")
    if isinstance(step, (int, float)) and math.isfinite(step):
        st.session_state[INSPECT_KEY] = max(0, min(int(step), int(st.session_state.get(widget_key("steps"), 1))))
        page_state.player_step(st.session_state[INSPECT_KEY])
    click = value.get("click")
    if isinstance(click, list) and len(click) == 2:
        try:
            x, y = float(click[0]), float(click[1])
        except (TypeError, ValueError):
            return
        (bx0, bx1), (by0, by1) = _page_surface().bounds
        if math.isfinite(x) and math.isfinite(y):
            st.session_state[widget_key("x0")] = float(f"{min(max(x, bx0), bx1):.3g}")
            st.session_state[widget_key("y0")] = float(f"{min(max(y, by0), by1):.3g}")


# --------------------------------------------------------------------------------- sidebar

sb = st.sidebar
sb.selectbox("Lesson presets", list(PRESETS_BY_KEY), index=None, key=LESSON_KEY,
             format_func=lambda k: PRESETS_BY_KEY[k].title, placeholder="Choose a lesson…",
             on_change=_on_lesson, help="One click sets surface, optimizers, settings, start and steps.")
predicting = predict_toggle(sb)
style = current_style()  # the projector toggle lives in app.py (one switch for the whole visit)

# What states a race's outcome (the surface's note, the stability badges) is drawn in its place
# after predict_view below, and only when predict mode does not hide the race.
reveals: list = []
sb.subheader("Surface")
surface = controls.surface_picker(SURFACES, container=sb, on_change=_on_surface, allow_custom=True,
                                  on_new_custom=_start_at, later=reveals)
custom = surface.key == CUSTOM

sb.subheader("Optimizers")
opts = controls.optimizer_picker(OPTIMIZERS, container=sb)
hyper: dict[str, dict[str, float]] = {}
for opt_key in opts:
    opt = OPTIMIZERS[opt_key]
    # Lazy (key + on_change="rerun"): a closed optimizer's sliders, rule and limit are not built;
    # its numbers come from the session (ui/folded.py). With every expander lazy, a four-optimizer
    # race sends 48 elements per rerun instead of 88.
    box = sb.expander(opt.label, expanded=len(opts) <= 2, key=f"open.{opt_key}", on_change="rerun")
    hyper[opt_key] = controls.hyper_sliders(opt, container=inside(box), defaults=page_state.remembered(opt_key),
                                            hessian_eigs=surface.hessian_eigs, later=reveals)
inside(sb.expander("Why momentum looks different in every book", key="momentum_open", on_change="rerun")).markdown(
    MOMENTUM_CONVENTIONS)

sb.subheader("Run")
x0, y0 = controls.start_controls(surface, container=sb)
steps = controls.steps_control(container=sb)
noise, seed = controls.noise_controls(container=sb)
cloud_runs = controls.cloud_controls(noise=noise, container=sb)
# Lazy expanders (key + on_change="rerun" give them an `.open` state): what a closed one would hold
# is not built on every rerun; its controls still give their values (ui/folded.py).
sched_box = sb.expander("Learning-rate schedule and clipping", key="sched_open", on_change="rerun",
                        expanded=st.session_state.get(widget_key("sched"), "constant") != "constant")
sched_in = inside(sched_box)
sched, sched_params = controls.schedule_controls(SCHEDULES, steps=steps, container=sched_in, style=style,
                                                 factor_fn=lambda k, p: make_schedule(k, **p),
                                                 preview=sched_in is not FOLDED)
ghost = sched_in.toggle("Also show each run with a constant lr (faint)", key=widget_key("ghost"),
                        disabled=sched == "constant")
clip = controls.clip_controls(container=sched_in)

about = inside(sb.expander("About", expanded=False, key="about_open", on_change="rerun"))
about.markdown(controls.PYTORCH_NOTE)
about.caption("Paths are computed in plain numpy; the map, the race and the inspector show the same numbers.")

try:  # the widgets only offer valid values; a combination the core still refuses keeps the last race
    race = Race(surface=surface.key, optimizers=hyper, start=(x0, y0), steps=steps, noise=noise, seed=seed,
                schedule=sched, schedule_params=tuple(sched_params.items()), clip=clip,
                formula=surface.source if custom else None, bounds=surface.bounds if custom else None)
except ValueError as exc:
    st.error(f"These settings cannot be run ({md_escape(exc)}); showing the last race that could.")
    race = store.state.race
active = store.lesson if store.lesson in PRESETS_BY_KEY else None
unchanged = active is not None and race == PRESETS_BY_KEY[active].race
state = PageState(race=race, preset=active if unchanged else None, ghost=bool(ghost) and sched != "constant",
                  view=st.session_state.get(widget_key("view")) or "side",
                  clouds=int(cloud_runs), mode="predict" if predicting else "watch", projector=style.projector,
                  lang=link_language())
page_state.commit(state)
live_class.after_commit(state, live)
live_class.panel(live)
predict = predict_view(race, on=predicting, lesson=PRESETS_BY_KEY.get(active) if active else None)
hidden = predict.hidden or live.hidden  # predict first, not yet locked in: no path and no number that gives the answer away
if not hidden:
    for draw in reveals:
        draw()

# ------------------------------------------------------------------------------------ main

st.title("Compare optimizers")
# Messages that come and go sit inside containers that are always created: Streamlit remounts a
# component whose place among its siblings changes, and a remounted player iframe can miss its
# data (seen in Chromium: an empty, 12-px-high player after "Tune learning rates" added a box).
with st.container():
    notices = page_state.take_notices()
    if notices:
        st.warning("Some settings in the link could not be used:\n" + "\n".join(f"- {n}" for n in notices[:8])
                   + (f"\n- … and {len(notices) - 8} more" if len(notices) > 8 else ""))
    if active in PRESETS_BY_KEY and not live.hidden:  # its "what to watch" tells the answer of a class vote
        preset = PRESETS_BY_KEY[active]
        note = predict.lesson_note(preset.watch)
        # On a projector the full text would push the race below the fold: its summary, the rest folded.
        short = style.projector and note == preset.watch
        st.info(f"**{preset.title}.** {preset.summary if short else note}"
                + ("" if unchanged else "  \n*(You have changed the lesson's settings since.)*"))
        if short:
            inside(st.expander("Full lesson text", key="full_lesson_open", on_change="rerun")).markdown(preset.watch)
        if not unchanged:
            st.button("Restore the lesson's settings", icon=":material/restart_alt:", key="restore_lesson",
                      on_click=page_state.apply_preset, args=(active,))
    if custom:
        show_formula_error_near_race()

st.markdown(f"**{'Custom formula' if custom else md_escape(surface.label)}** &nbsp; ${surface.latex}$")
with st.container():  # predict first (ui/predict.py): the question above the race, hidden until locked in
    show_predict(predict, style, notes=PRESETS_BY_KEY[active].watch if active in PRESETS_BY_KEY else "")

c_view, c_tune = st.columns([3, 1], vertical_alignment="center")
view = c_view.segmented_control("View", VIEWS, key=widget_key("view"), format_func=VIEW_LABELS.get,
                                label_visibility="collapsed") or "side"

if not opts:
    st.info("Pick at least one optimizer in the sidebar.")
    st.stop()

if not hidden:  # its report names the best learning rates: an answer before the prediction
    c_tune.button("Tune learning rates", icon=":material/tune:", key="tune", width="stretch",
                  on_click=tune_learning_rates, args=(race,),
                  help="A fair race: sweep each optimizer's learning rate over the slider's values for this "
                       "surface, start, step budget and noise, and set each to its best.")
fstar = surface.f_star
report = current_report(race)
with st.container():  # always there, so the player below keeps its place (see above)
    # A slow run (a busy server, many steps) shows progress, never a blank page:
    # the run cache (ui.simulation.run_cached) shows a spinner while it computes, and only then,
    # so a rerun served from the cache starts no spinner thread.
    # Gradients, learning rates and optimizer states (about half the engine's time) are recorded
    # only when something shows them: the open inspector or the player's arrows.
    full = bool(st.session_state.get(INSPECTOR_OPEN_KEY)) or bool(st.session_state.get(ARROWS_KEY))
    runs = run_all(state, full=full)
    if report is not None and not hidden:
        show_tune_report(report, steps=int(steps), style=style, f_star=fstar)
    for opt_key, message in runs.errors.items():
        st.error(f"{OPTIMIZERS[opt_key].label}: {message}")
trajs = runs.trajectories
clouds = list(runs.clouds.values())
grid = grid_for(surface_ref(race))


def _samples():
    """The data a least-squares surface fits a line to (its map's axes are the line's w and b), else None."""
    if surface.n_samples is None:
        return None
    try:
        data = regression_data(surface)
    except ValueError:  # a finite-sum surface that is not a line fit: no line to draw
        return None
    return data.x, data.y


def _payload(mode: str, shown=None) -> dict:
    # The loss chart is drawn by the player (with the plotly.js it loads anyway: one Plotly bundle
    # on the page, no graph_objects validation per rerun); each run's JSON is cached by its
    # specification (runs.keys), so a slider change re-serializes one run.
    shown = shown or runs
    ts, cl = shown.trajectories, list(shown.clouds.values())
    scale = loss_scale(ts, ghosts=shown.ghosts, clouds=cl, f_star=fstar)
    return player_payload(grid, ts, minima=surface.minima, start=(x0, y0), style=style, mode=mode,
                          velocities=lambda t: velocity_arrows(t, hyper.get(t.key, {})), ghosts=shown.ghosts,
                          clouds=cl, title=f"{surface.label}: {', '.join(t.label for t in ts)}",
                          playback=str(active or ""), axis_titles=surface.axis_titles, loss_chart=scale,
                          run_keys=shown.keys, hide_runs=hidden, arrows=bool(st.session_state.get(ARROWS_KEY)),
                          start_step=store.resume_step, samples=_samples())


payload = None
if trajs and (view in ("side", "overlay") or hidden):
    payload = _payload("overlay" if view == "overlay" else "grid")
    player(payload, key=PLAYER_KEY, on_change=_on_player)
elif trajs:
    # On a projector the whole surface sits above the fold at 1920×1080, under the lesson's summary.
    st.plotly_chart(surface3d_figure(grid, trajs, minima=surface.minima, style=style,
                                     height=520 if style.projector else 600), key="surface3d")
    st.caption("Drag to rotate. The paths lie on the surface at their own loss."
               + (" Noise clouds are drawn in the side-by-side and overlay views." if clouds else ""))

if trajs and not hidden:
    st.session_state[INSPECT_KEY] = max(0, min(int(st.session_state.get(INSPECT_KEY, 0) or 0), int(steps)))
    inspector = st.expander("Step inspector: the numbers behind the picture", key=INSPECTOR_OPEN_KEY,
                            on_change="rerun")
    if inspector.open:
        with inspector:
            k = st.number_input("Step", min_value=0, max_value=int(steps), key=INSPECT_KEY,
                                help="Releasing the player's scrubber (or pausing) sets this too.")
            step_inspector(runs.frames or run_all(state, full=True).frames, OPTIMIZERS, hyper, int(k))

    if payload is None:  # the 3-D view has no player: its loss chart is a plotly figure
        st.plotly_chart(loss_figure(trajs, ghosts=runs.ghosts, clouds=clouds, f_star=fstar, style=style), key="loss")
    table = partial(summary_table, trajs + runs.ghosts, minima=surface.minima, f_star=fstar, tol=DEFAULT_TOL,
                    clouds=clouds)  # built only when the cache below does not hold it
    show_table(table, empty_as={tolerance_column(DEFAULT_TOL): "—" if fstar is None else "never"},
               cache_key=("summary", tuple(runs.keys.values()), tuple(t.label for t in trajs + runs.ghosts)))
    # One horizontal row (it wraps on a phone): three elements where columns made six.
    downloads = st.container(horizontal=True)
    # Downloads are built on click, with every recorded number (the HTML player's arrows too).
    downloads.download_button("Trajectories (CSV)", file_name=f"descent_{surface.key}.csv", mime="text/csv",
                              data=lambda: trajectories_csv({OPTIMIZERS[k].label: df for k, df in
                                                             run_all(state, full=True).frames.items()}),
                              on_click="ignore", icon=":material/download:")
    downloads.download_button("Animation (HTML)", data=lambda: standalone_html(
                                  _payload("overlay" if view == "overlay" else "grid",
                                           run_all(state, full=True)),
                                  title=f"Descent: {surface.label}", settings=race.describe(),
                                  notes=PRESETS_BY_KEY[active].watch if unchanged else ""),
                              file_name=f"descent_{surface.key}.html", mime="text/html", on_click="ignore",
                              icon=":material/download:", help="A single file that plays offline, without a server.")
    # The race for slides (ui/slides.py): the player's own payload, the 3-D view's race side by side.
    from ui.slides import slide_downloads

    slide_downloads(downloads, lambda: payload if payload is not None else _payload("grid"), steps=int(steps),
                    name=f"descent_{surface.key}", key="slides", identity=(race, view))
