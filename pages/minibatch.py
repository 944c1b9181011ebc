"""Lesson: batch, mini-batch and stochastic gradient descent on a real finite-sum problem.

UI only: the least-squares surface and its data come from `surfaces.regression`, the runs
from `optimizers.run_batch` (real sampled mini-batches), the figures from `viz.lessons`.
"""

from __future__ import annotations


import pandas as pd
import streamlit as st

import i18n
from i18n import t, text, tn
from optimizers import OPTIMIZERS, SCHEDULES, make_schedule
from lessons.minibatch_lesson import cost_rows, equal_work_runs
from surfaces.regression import make_regression_surface, regression_data
from ui.lesson_common import show_chart, compare_link, lesson_markdown, page_style, spec_slider
from ui.lesson_url import BIND, LessonUrl
from ui.predict import lesson_box, withhold_until_revealed
from ui.slides import slide_downloads
from ui.style import show_table
from viz.contours import contour_grid
from viz.lesson_player import recolor_payload, work_synced
from viz.lessons import loss_curves_figure, regression_data_figure
from viz.player import player, player_payload
from viz.trajectory import Trajectory
from ui.bootstrap import ensure_app_navigation
from lessons.pages import MINIBATCH_LR, MINIBATCH_LR_OTHER, MINIBATCH_OPTIMIZER

ensure_app_navigation()

N_LOW, N_HIGH, N_DEFAULT = 8, 512, 64
COLORS = ("#0072B2", "#009E73", "#D55E00")  # full batch, mini-batch, SGD

st.title(t("page_minibatch.title"))
INTRO = t("page_minibatch.intro")
intro = st.empty()  # what to try, and (outside predict mode, or once predicted) what it shows
compare_link(t("page_minibatch.compare"), preset="regression")

url = LessonUrl(legacy={"n": "mb_n", "batch": "mb_batch", "opt": "mb_opt", "epochs": "mb_epochs", "seed": "mb_seed"})
n0 = url.integer("mb_n", N_DEFAULT, N_LOW, N_HIGH)
url.integer("mb_batch", 8, 1, n0)
url.choice("mb_opt", list(OPTIMIZERS), MINIBATCH_OPTIMIZER, label=lambda k: text(OPTIMIZERS[k].label))
url.integer("mb_epochs", 20, 1, 200)
url.integer("mb_seed", 0, 0, 9999)

c1, c2, c3, c4, c5 = st.columns([2, 2, 2, 2, 1])
n = int(c1.slider(t("page_minibatch.n"), N_LOW, N_HIGH, N_DEFAULT, key="mb_n", bind=BIND))
batch = int(c2.slider(t("page_minibatch.batch"), 1, n, 8, key="mb_batch", bind=BIND, help=t("page_minibatch.batch_help")))
opt_key = c3.selectbox(t("page_minibatch.optimizer"), list(OPTIMIZERS), index=list(OPTIMIZERS).index(MINIBATCH_OPTIMIZER),
                       key="mb_opt", bind=BIND, format_func=lambda k: text(OPTIMIZERS[k].label))
opt = OPTIMIZERS[opt_key]
lr_default = MINIBATCH_LR.get(opt_key, MINIBATCH_LR_OTHER)
url.rename("lr", f"mb_lr_{opt_key}")
url.spec(f"mb_lr_{opt_key}", opt.spec("lr"), lr_default)
with c4:
    lr = spec_slider(st, opt.spec("lr"), lr_default, key=f"mb_lr_{opt_key}", label=t("page_minibatch.lr"), bind=BIND)
epochs = int(c5.number_input(t("page_minibatch.epochs"), 1, 200, 20, key="mb_epochs", bind=BIND))
seed = int(st.sidebar.number_input(t("page_minibatch.seed"), 0, 9999, 0, key="mb_seed", bind=BIND,
                                   help=t("page_minibatch.seed_help")))

# A learning-rate schedule, stepped per update (the app's count) or per epoch (the course's).
sched_keys = list(SCHEDULES)
url.choice("mb_sched", sched_keys, "constant", label=lambda k: text(SCHEDULES[k].label))
sched_key = st.sidebar.selectbox(t("page_minibatch.schedule"), sched_keys, index=0, key="mb_sched", bind=BIND,
                                 format_func=lambda k: text(SCHEDULES[k].label))
sched_spec = SCHEDULES[sched_key]
sched_params: dict[str, float] = {}
for p in sched_spec.params:
    url.spec(f"mb_sched_{sched_key}_{p.key}", p, float(p.default))
    sched_params[p.key] = spec_slider(st.sidebar, p, float(p.default), key=f"mb_sched_{sched_key}_{p.key}", bind=BIND)
#: How often the schedule steps: the options are language-free keys, their words from the catalog.
STEP_BY = ("update", "epoch")


def step_by_label(option: str) -> str:
    return t(f"page_minibatch.step_by.{option}")


url.choice("mb_sched_by", list(STEP_BY), "update", label=step_by_label)
sched_by = st.sidebar.radio(t("page_minibatch.step_by.label"), list(STEP_BY), index=0, key="mb_sched_by", bind=BIND,
                            format_func=step_by_label, disabled=sched_key == "constant",
                            help=t("page_minibatch.step_by.help"))
url.show_notices()
try:
    schedule = make_schedule(sched_key, **sched_params)
except ValueError as exc:  # a hand-edited link with an invalid combination
    st.warning(t("page_minibatch.invalid", error=str(exc)))
    schedule = make_schedule(sched_key)
if sched_key != "constant":
    st.sidebar.latex(sched_spec.latex)
    st.sidebar.caption(t("page_minibatch.t_counts_epochs" if sched_by == "epoch" else "page_minibatch.t_counts_updates"))


@st.cache_data(show_spinner=False, max_entries=64)
def _runs(n: int, batch: int, opt_key: str, lr: float, epochs: int, seed: int, start: tuple[float, float],
          sched_key: str = "constant", sched_params: tuple = (), per_epoch: bool = False, lang: str = "en"):
    """`equal_work_runs`, cached: the three runs see the same samples, in different step counts.

    ``lang`` keys the cache by language: the runs carry their labels, written in it."""
    schedule = None if sched_key == "constant" else make_schedule(sched_key, **dict(sched_params))
    return equal_work_runs(make_regression_surface(n), opt_key, {"lr": lr}, start, epochs, batch, seed,
                           schedule=schedule, schedule_per_epoch=per_epoch)


surface = make_regression_surface(n)
# A click on the player's map restarts all three runs from there (kept per data-set size).
start = tuple(st.session_state.get(f"mb_start_{n}", surface.start))
runs = _runs(n, batch, opt_key, lr, epochs, seed, start, schedule.key, tuple(sorted(schedule.params.items())),
             sched_by == "epoch", i18n.current())
data = regression_data(surface)
f_star = surface.f_star  # the least-squares solution (w*, b*)
labels = [text(r.label) for r in runs]
colors = {label: c for label, c in zip(labels, COLORS)}
style = page_style()
revealed = True
if schedule.key == "constant":  # the question's answer is computed with a constant rate
    revealed = lesson_box("minibatch", n, batch, opt_key, float(lr), epochs, seed, lazy=True)  # predict first (ui/predict.py); seconds: asked on demand
else:
    st.caption(t("page_minibatch.predict_constant"))
withhold_until_revealed(intro, INTRO, revealed=revealed)

# --- the race: one panel per batch size, side by side, synchronised by work done ----------
trajs, run_colors = [], {}
for r, label, color in zip(runs, labels, COLORS):
    clock, path_f, loss_f = work_synced(r.path, r.loss, r.batch, n, epochs)
    key = f"batch{r.batch}_{len(trajs)}"
    trajs.append(Trajectory(key=key, label=tn("page_minibatch.player.run", r.total_steps, run=label), path=path_f,
                            loss=loss_f, steps=len(clock) - 1))
    run_colors[key] = color
payload = player_payload(
    contour_grid(surface.f, surface.bounds), trajs, minima=surface.minima, start=start, style=style,
    mode="grid", title=t("page_minibatch.player.title"),
    axis_titles=surface.axis_titles,
)
st.caption(t("page_minibatch.player.caption", n=n))
value = player(recolor_payload(payload, run_colors), key="mb_player")
# After the reveal only (in predict mode the page stops before the race until a prediction).
slide_downloads(st.container(horizontal=True), lambda: recolor_payload(payload, run_colors),
                steps=max(tr.steps for tr in trajs), name=f"descent_minibatch_{n}", key="mb_slides",
                identity=(n, batch, opt_key, lr, epochs, seed, start, schedule.key, sched_by, i18n.current()))
click = (value or {}).get("click")
if click and (value.get("seq"), n) != st.session_state.get("mb_click_seq"):
    st.session_state["mb_click_seq"] = (value.get("seq"), n)
    st.session_state[f"mb_start_{n}"] = (float(click[0]), float(click[1]))
    st.rerun()
if start != tuple(surface.start) and st.button(t("page_minibatch.reset_start", start=tuple(surface.start)),
                                               key="mb_reset_start"):
    st.session_state.pop(f"mb_start_{n}", None)
    st.rerun()

# --- loss per epoch and the cost table ----------------------------------------------------
left, right = st.columns([3, 2])
curves = {label: r.loss_per_epoch(f_star) for r, label in zip(runs, labels)}
with left:
    show_chart(
        loss_curves_figure(curves, colors=colors, x_title=t("page_minibatch.loss.x"), y_title=t("page_minibatch.loss.y"),
                           title=t("page_minibatch.loss.title"), style=style),
        key="mb_loss",
    )
table = pd.DataFrame(cost_rows(runs, f_star))
with right:
    show_chart(
        regression_data_figure(
            data.x, data.y, {label: (float(r.path[-1, 0]), float(r.path[-1, 1])) for r, label in zip(runs, labels)},
            colors=colors, truth=(data.true_w, data.true_b), style=style,
        ),
        key="mb_data",
    )
st.markdown(t("page_minibatch.table.heading", n=n))
# The last column is the step at which a run diverged (lessons.minibatch_lesson.cost_rows): empty = never.
show_table(table, empty_as={table.columns[-1]: t("page_minibatch.table.never")})
if any(r.diverged_at is not None for r in runs):
    st.warning(t("page_minibatch.diverged"))

with st.expander(t("page_minibatch.methods.title")):
    st.markdown(lesson_markdown("page_minibatch.methods.body", n=n))
