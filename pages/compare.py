"""Compare: optimizers racing side by side on one surface, animated, for a classroom.

UI only: the numbers come from the core (surfaces/, optimizers/), the pictures from viz/, the
controls and URL state from ui/. See ARCHITECTURE.md.
"""

from __future__ import annotations

import math
from functools import partial

import streamlit as st

import i18n
from i18n import t, text
from lessons.link_values import md_escape
from lessons.presets import PRESETS_BY_KEY
from lessons.race import CUSTOM, Race
from optimizers import MOMENTUM_CONVENTIONS, OPTIMIZERS, SCHEDULES, make_schedule
from surfaces import SURFACES, regression_data
from ui import controls, live as live_ui, live_class, page_state
from ui.bootstrap import ensure_app_navigation
from ui.custom_surface import current_custom_surface, show_formula_error_near_race
from ui.folded import FOLDED, inside
from ui.inspector import step_inspector
from ui.language import link_language
from ui.page_state import LESSON_KEY, view_label, widget_key
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


def _keep_open_across_a_language_switch() -> None:
    """Keep every lazy expander (and the slides popover) as it was when the visitor switches language.

    Why: Streamlit names a keyed expander by its label too, so a translated label is a new
    widget that would open with its ``expanded`` default; writing each one's state back under its
    key before it is drawn carries it over (the key's value wins over the default).
    """
    seen, lang = st.session_state.get(LANG_SEEN_KEY), i18n.current()
    st.session_state[LANG_SEEN_KEY] = lang
    if seen is None or seen == lang:
        return
    for key in (*(f"open.{k}" for k in OPTIMIZERS), *LAZY_KEYS):
        if key in st.session_state:
            st.session_state[key] = bool(st.session_state[key])


LANG_SEEN_KEY = "_compare_lang"
#: The keys of the page's lazy expanders and popover (their labels are translated).
LAZY_KEYS = ("momentum_open", "sched_open", "about_open", "full_lesson_open", INSPECTOR_OPEN_KEY, "slides.open")
_keep_open_across_a_language_switch()


# ------------------------------------------------------------------------------- callbacks


def _on_lesson() -> None:
    key = st.session_state.get(LESSON_KEY)
    if key:
        page_state.apply_preset(key)
        st.session_state.pop(live_ui.LIVE_KEY, None)  # a lesson arms its own live sliders


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
    live_ui.take_request(value)  # the live sliders asked for, and a released one's value (ui/live.py)
    live_ui.take_commit(value, store.state.race, page_state.set_hyper)
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
sb.selectbox(t("page_compare.presets.label"), list(PRESETS_BY_KEY), index=None, key=LESSON_KEY,
             format_func=lambda k: text(PRESETS_BY_KEY[k].title), placeholder=t("page_compare.presets.placeholder"),
             on_change=_on_lesson, help=t("page_compare.presets.help"))
predicting = predict_toggle(sb)
style = current_style()  # the projector toggle lives in app.py (one switch for the whole visit)

# What states a race's outcome (the surface's note, the stability badges) is drawn in its place
# after predict_view below, and only when predict mode does not hide the race.
reveals: list = []
sb.subheader(t("page_compare.sidebar.surface"))
surface = controls.surface_picker(SURFACES, container=sb, on_change=_on_surface, allow_custom=True,
                                  on_new_custom=_start_at, later=reveals)
custom = surface.key == CUSTOM

sb.subheader(t("page_compare.sidebar.optimizers"))
opts = controls.optimizer_picker(OPTIMIZERS, container=sb)
hyper: dict[str, dict[str, float]] = {}
for opt_key in opts:
    opt = OPTIMIZERS[opt_key]
    # Lazy (key + on_change="rerun"): a closed optimizer's sliders, rule and limit are not built;
    # its numbers come from the session (ui/folded.py). With every expander lazy, a four-optimizer
    # race sends 48 elements per rerun instead of 88.
    box = sb.expander(text(opt.label), expanded=len(opts) <= 2, key=f"open.{opt_key}", on_change="rerun")
    hyper[opt_key] = controls.hyper_sliders(opt, container=inside(box), defaults=page_state.remembered(opt_key),
                                            hessian_eigs=surface.hessian_eigs, later=reveals)
inside(sb.expander(t("page_compare.sidebar.momentum"), key="momentum_open", on_change="rerun")).markdown(
    text(MOMENTUM_CONVENTIONS))

sb.subheader(t("page_compare.sidebar.run"))
x0, y0 = controls.start_controls(surface, container=sb)
steps = controls.steps_control(container=sb)
noise, seed = controls.noise_controls(container=sb)
cloud_runs = controls.cloud_controls(noise=noise, container=sb)
# Lazy expanders (key + on_change="rerun" give them an `.open` state): what a closed one would hold
# is not built on every rerun; its controls still give their values (ui/folded.py).
sched_box = sb.expander(t("page_compare.sidebar.schedule"), key="sched_open", on_change="rerun",
                        expanded=st.session_state.get(widget_key("sched"), "constant") != "constant")
sched_in = inside(sched_box)
sched, sched_params = controls.schedule_controls(SCHEDULES, steps=steps, container=sched_in, style=style,
                                                 factor_fn=lambda k, p: make_schedule(k, **p),
                                                 preview=sched_in is not FOLDED)
ghost = sched_in.toggle(t("page_compare.sidebar.ghost"), key=widget_key("ghost"),
                        disabled=sched == "constant")
clip = controls.clip_controls(container=sched_in)

about = inside(sb.expander(t("page_compare.sidebar.about"), expanded=False, key="about_open", on_change="rerun"))
about.markdown(controls.PYTORCH_NOTE)
about.caption(t("page_compare.sidebar.numpy"))

try:  # the widgets only offer valid values; a combination the core still refuses keeps the last race
    race = Race(surface=surface.key, optimizers=hyper, start=(x0, y0), steps=steps, noise=noise, seed=seed,
                schedule=sched, schedule_params=tuple(sched_params.items()), clip=clip,
                formula=surface.source if custom else None, bounds=surface.bounds if custom else None)
except ValueError as exc:
    st.error(t("page_compare.cannot_run", error=md_escape(exc)))
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

st.title(t("app.pages.compare"))
# Messages that come and go sit inside containers that are always created: Streamlit remounts a
# component whose place among its siblings changes, and a remounted player iframe can miss its
# data (seen in Chromium: an empty, 12-px-high player after "Tune learning rates" added a box).
with st.container():
    notices = page_state.take_notices()
    if notices:
        st.warning(t("page_compare.link_notices") + "\n" + "\n".join(f"- {text(n)}" for n in notices[:8])
                   + ("\n- " + t("page_compare.more_notices", n=len(notices) - 8) if len(notices) > 8 else ""))
    if active in PRESETS_BY_KEY and not live.hidden:  # its "what to watch" tells the answer of a class vote
        preset = PRESETS_BY_KEY[active]
        watch = text(preset.watch)
        note = predict.lesson_note(watch)
        # On a projector the full text would push the race below the fold: its summary, the rest folded.
        short = style.projector and note == watch
        st.info(t("page_compare.lesson", title=text(preset.title), text=text(preset.summary) if short else note)
                + ("" if unchanged else "  \n" + t("page_compare.lesson_changed")))
        if short:
            inside(st.expander(t("page_compare.full_lesson"), key="full_lesson_open", on_change="rerun")).markdown(watch)
        if not unchanged:
            st.button(t("page_compare.restore"), icon=":material/restart_alt:", key="restore_lesson",
                      on_click=page_state.apply_preset, args=(active,))
    if custom:
        show_formula_error_near_race()

surface_name = t("page_compare.custom_formula") if custom else md_escape(text(surface.label))
st.markdown(f"**{surface_name}** &nbsp; ${surface.latex}$")
with st.container():  # predict first (ui/predict.py): the question above the race, hidden until locked in
    show_predict(predict, style, notes=text(PRESETS_BY_KEY[active].watch) if active in PRESETS_BY_KEY else "")

c_view, c_tune = st.columns([3, 1], vertical_alignment="center")
view = c_view.segmented_control(t("page_compare.view"), VIEWS, key=widget_key("view"), format_func=view_label,
                                label_visibility="collapsed") or "side"

if not opts:
    st.info(t("page_compare.no_optimizer"))
    st.stop()

if not hidden:  # its report names the best learning rates: an answer before the prediction
    c_tune.button(t("page_compare.tune.label"), icon=":material/tune:", key="tune", width="stretch",
                  on_click=tune_learning_rates, args=(race,), help=t("page_compare.tune.help"))
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
        st.error(t("page_compare.run_error", opt=text(OPTIMIZERS[opt_key].label), error=message))
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
                          clouds=cl, title=t("page_compare.player_title", surface=text(surface.label),
                                             runs=t("page_compare.names_separator").join(r.label for r in ts)),
                          playback=str(active or ""), axis_titles=surface.axis_titles, loss_chart=scale,
                          run_keys=shown.keys, hide_runs=hidden, arrows=bool(st.session_state.get(ARROWS_KEY)),
                          start_step=store.resume_step, samples=_samples(), live_offer=True,
                          live=None if hidden else live_ui.live_payload(
                              race, live_ui.requested(getattr(PRESETS_BY_KEY.get(active), "live", ())),
                              loss_offset=scale.f_star if scale.log and scale.f_star else 0.0))


payload = None
if trajs and (view in ("side", "overlay") or hidden):
    payload = _payload("overlay" if view == "overlay" else "grid")
    player(payload, key=PLAYER_KEY, on_change=_on_player)
elif trajs:
    # On a projector the whole surface sits above the fold at 1920×1080, under the lesson's summary.
    st.plotly_chart(surface3d_figure(grid, trajs, minima=surface.minima, style=style,
                                     height=520 if style.projector else 600), key="surface3d")
    st.caption(t("page_compare.rotate_clouds" if clouds else "page_compare.rotate"))

if trajs and not hidden:
    st.session_state[INSPECT_KEY] = max(0, min(int(st.session_state.get(INSPECT_KEY, 0) or 0), int(steps)))
    inspector = st.expander(t("page_compare.inspector.title"), key=INSPECTOR_OPEN_KEY, on_change="rerun")
    if inspector.open:
        with inspector:
            k = st.number_input(t("page_compare.inspector.step"), min_value=0, max_value=int(steps), key=INSPECT_KEY,
                                help=t("page_compare.inspector.help"))
            step_inspector(runs.frames or run_all(state, full=True).frames, OPTIMIZERS, hyper, int(k))

    if payload is None:  # the 3-D view has no player: its loss chart is a plotly figure
        st.plotly_chart(loss_figure(trajs, ghosts=runs.ghosts, clouds=clouds, f_star=fstar, style=style), key="loss")
    table = partial(summary_table, trajs + runs.ghosts, minima=surface.minima, f_star=fstar, tol=DEFAULT_TOL,
                    clouds=clouds)  # built only when the cache below does not hold it
    show_table(table, empty_as={tolerance_column(DEFAULT_TOL): "—" if fstar is None else t("page_compare.never")},
               cache_key=("summary", tuple(runs.keys.values()), tuple(r.label for r in trajs + runs.ghosts)))
    # One horizontal row (it wraps on a phone): three elements where columns made six.
    downloads = st.container(horizontal=True)
    # Downloads are built on click, with every recorded number (the HTML player's arrows too).
    lang = i18n.current()  # a download's data function runs outside the script run: it speaks the page's language

    def _csv() -> bytes | str:
        with i18n.language(lang):
            return trajectories_csv({text(OPTIMIZERS[k].label): df for k, df in run_all(state, full=True).frames.items()})

    def _html() -> bytes | str:
        with i18n.language(lang):
            return standalone_html(_payload("overlay" if view == "overlay" else "grid", run_all(state, full=True)),
                                   title=t("page_compare.download.html_title", surface=text(surface.label)),
                                   settings=race.describe(),
                                   notes=text(PRESETS_BY_KEY[active].watch) if unchanged else "")

    downloads.download_button(t("page_compare.download.csv"), file_name=f"descent_{surface.key}.csv", mime="text/csv",
                              data=_csv, on_click="ignore", icon=":material/download:", key="download_csv")
    downloads.download_button(t("page_compare.download.html"), data=_html,
                              file_name=f"descent_{surface.key}.html", mime="text/html", on_click="ignore",
                              icon=":material/download:", help=t("page_compare.download.html_help"),
                              key="download_html")
    # The race for slides (ui/slides.py): the player's own payload, the 3-D view's race side by side.
    from ui.slides import slide_downloads

    slide_downloads(downloads, lambda: payload if payload is not None else _payload("grid"), steps=int(steps),
                    name=f"descent_{surface.key}", key="slides", identity=(race, view))
