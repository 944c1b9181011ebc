"""Lesson: batch, mini-batch and stochastic gradient descent on a real finite-sum problem.

UI only: the least-squares surface and its data come from `surfaces.regression`, the runs
from `optimizers.run_batch` (real sampled mini-batches), the figures from `viz.lessons`.
"""

from __future__ import annotations


import pandas as pd
import streamlit as st

from optimizers import OPTIMIZERS, SCHEDULES, make_schedule
from lessons.minibatch_lesson import cost_rows, equal_work_runs
from surfaces.regression import make_regression_surface, regression_data
from ui.lesson_common import show_chart, compare_link, page_style, spec_slider
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

st.title("Batch, mini-batch and stochastic gradient descent")
INTRO = (
    "**Try:** slide the batch size from N down to 1 and press Play. All three runs see every data "
    "point the same number of times (same epochs), so each one does the same total work. "
    "**Notice:** the smaller the batch, the more (cheaper) steps per epoch and the noisier the "
    "path; full-batch steps are smooth but few. Near the minimum the small-batch runs keep "
    "jittering: their gradient is an estimate from a few points."
)
intro = st.empty()  # what to try, and (outside predict mode, or once predicted) what it shows
compare_link("Compare preset: every optimizer on this least-squares surface", preset="regression")

url = LessonUrl(legacy={"n": "mb_n", "batch": "mb_batch", "opt": "mb_opt", "epochs": "mb_epochs", "seed": "mb_seed"})
n0 = url.integer("mb_n", N_DEFAULT, N_LOW, N_HIGH)
url.integer("mb_batch", 8, 1, n0)
url.choice("mb_opt", list(OPTIMIZERS), MINIBATCH_OPTIMIZER, label=lambda k: OPTIMIZERS[k].label)
url.integer("mb_epochs", 20, 1, 200)
url.integer("mb_seed", 0, 0, 9999)

c1, c2, c3, c4, c5 = st.columns([2, 2, 2, 2, 1])
n = int(c1.slider("Data points N", N_LOW, N_HIGH, N_DEFAULT, key="mb_n", bind=BIND))
batch = int(c2.slider("Mini-batch size B", 1, n, 8, key="mb_batch", bind=BIND,
                      help="Samples per gradient estimate. B = N is full-batch GD, B = 1 is SGD."))
opt_key = c3.selectbox("Optimizer", list(OPTIMIZERS), index=list(OPTIMIZERS).index(MINIBATCH_OPTIMIZER), key="mb_opt",
                       bind=BIND, format_func=lambda k: OPTIMIZERS[k].label)
opt = OPTIMIZERS[opt_key]
lr_default = MINIBATCH_LR.get(opt_key, MINIBATCH_LR_OTHER)
url.rename("lr", f"mb_lr_{opt_key}")
url.spec(f"mb_lr_{opt_key}", opt.spec("lr"), lr_default)
with c4:
    lr = spec_slider(st, opt.spec("lr"), lr_default, key=f"mb_lr_{opt_key}", label="learning rate η", bind=BIND)
epochs = int(c5.number_input("Epochs", 1, 200, 20, key="mb_epochs", bind=BIND))
seed = int(st.sidebar.number_input("Mini-batch seed", 0, 9999, 0, key="mb_seed", bind=BIND,
                                   help="Seeds the shuffling of the data each epoch."))

# A learning-rate schedule, stepped per update (the app's count) or per epoch (the course's).
sched_keys = list(SCHEDULES)
url.choice("mb_sched", sched_keys, "constant", label=lambda k: SCHEDULES[k].label)
sched_key = st.sidebar.selectbox("Learning-rate schedule", sched_keys, index=0, key="mb_sched", bind=BIND,
                                 format_func=lambda k: SCHEDULES[k].label)
sched_spec = SCHEDULES[sched_key]
sched_params: dict[str, float] = {}
for p in sched_spec.params:
    url.spec(f"mb_sched_{sched_key}_{p.key}", p, float(p.default))
    sched_params[p.key] = spec_slider(st.sidebar, p, float(p.default), key=f"mb_sched_{sched_key}_{p.key}", bind=BIND)
STEP_BY = {"update": "once per update (the app's count)", "epoch": "once per epoch, ⌈N/B⌉ updates (the course's count)"}
url.choice("mb_sched_by", list(STEP_BY), "update", label=STEP_BY.get)
sched_by = st.sidebar.radio("Step the schedule", list(STEP_BY), index=0, key="mb_sched_by", bind=BIND,
                            format_func=STEP_BY.get, disabled=sched_key == "constant",
                            help="Per update, the same schedule decays N times faster for SGD (N updates per "
                                 "epoch) than for full-batch GD (one); per epoch, all three runs get the same "
                                 "rate in the same epoch.")
url.show_notices()
try:
    schedule = make_schedule(sched_key, **sched_params)
except ValueError as exc:  # a hand-edited link with an invalid combination
    st.warning(f"{exc}; using the schedule's defaults.")
    schedule = make_schedule(sched_key)
if sched_key != "constant":
    st.sidebar.latex(sched_spec.latex)
    st.sidebar.caption(f"t counts {'epochs' if sched_by == 'epoch' else 'updates'}.")


@st.cache_data(show_spinner=False, max_entries=64)
def _runs(n: int, batch: int, opt_key: str, lr: float, epochs: int, seed: int, start: tuple[float, float],
          sched_key: str = "constant", sched_params: tuple = (), per_epoch: bool = False):
    """`equal_work_runs`, cached: the three runs see the same samples, in different step counts."""
    schedule = None if sched_key == "constant" else make_schedule(sched_key, **dict(sched_params))
    return equal_work_runs(make_regression_surface(n), opt_key, {"lr": lr}, start, epochs, batch, seed,
                           schedule=schedule, schedule_per_epoch=per_epoch)


surface = make_regression_surface(n)
# A click on the player's map restarts all three runs from there (kept per data-set size).
start = tuple(st.session_state.get(f"mb_start_{n}", surface.start))
runs = _runs(n, batch, opt_key, lr, epochs, seed, start, schedule.key, tuple(sorted(schedule.params.items())),
             sched_by == "epoch")
data = regression_data(surface)
f_star = surface.f_star  # the least-squares solution (w*, b*)
colors = {r.label: c for r, c in zip(runs, COLORS)}
style = page_style()
revealed = True
if schedule.key == "constant":  # the question's answer is computed with a constant rate
    revealed = lesson_box("minibatch", n, batch, opt_key, float(lr), epochs, seed, lazy=True)  # predict first (ui/predict.py); seconds: asked on demand
else:
    st.caption("The predict-first question is asked with a constant rate: set the schedule back to Constant to see it.")
withhold_until_revealed(intro, INTRO, revealed=revealed)

# --- the race: one panel per batch size, side by side, synchronised by work done ----------
trajs, run_colors = [], {}
for r, color in zip(runs, COLORS):
    clock, path_f, loss_f = work_synced(r.path, r.loss, r.batch, n, epochs)
    key = f"batch{r.batch}_{len(trajs)}"
    trajs.append(Trajectory(key=key, label=f"{r.label}: {r.total_steps} steps", path=path_f,
                            loss=loss_f, steps=len(clock) - 1))
    run_colors[key] = color
payload = player_payload(
    contour_grid(surface.f, surface.bounds), trajs, minima=surface.minima, start=start, style=style,
    mode="grid", title="One frame = one more sample-gradient of work for every run",
    axis_titles=surface.axis_titles,
)
st.caption("The player's clock counts sample-gradients (data points looked at), not steps: "
           f"in the time full-batch GD makes one step, SGD makes {n}.")
value = player(recolor_payload(payload, run_colors), key="mb_player")
# After the reveal only (in predict mode the page stops before the race until a prediction).
slide_downloads(st.container(horizontal=True), lambda: recolor_payload(payload, run_colors),
                steps=max(t.steps for t in trajs), name=f"descent_minibatch_{n}", key="mb_slides",
                identity=(n, batch, opt_key, lr, epochs, seed, start, schedule.key, sched_by))
click = (value or {}).get("click")
if click and (value.get("seq"), n) != st.session_state.get("mb_click_seq"):
    st.session_state["mb_click_seq"] = (value.get("seq"), n)
    st.session_state[f"mb_start_{n}"] = (float(click[0]), float(click[1]))
    st.rerun()
if start != tuple(surface.start) and st.button(f"Back to the usual start (w, b) = {tuple(surface.start)}",
                                               key="mb_reset_start"):
    st.session_state.pop(f"mb_start_{n}", None)
    st.rerun()

# --- loss per epoch and the cost table ----------------------------------------------------
left, right = st.columns([3, 2])
curves = {r.label: r.loss_per_epoch(f_star) for r in runs}
with left:
    show_chart(
        loss_curves_figure(curves, colors=colors, x_title="epoch (passes over the data)", y_title="f − f* (log)",
                           title="Loss versus epoch: same work, different number of steps", style=style),
        key="mb_loss",
    )
table = pd.DataFrame(cost_rows(runs, f_star))
with right:
    show_chart(
        regression_data_figure(
            data.x, data.y, {r.label: (float(r.path[-1, 0]), float(r.path[-1, 1])) for r in runs},
            colors=colors, truth=(data.true_w, data.true_b), style=style,
        ),
        key="mb_data",
    )
st.markdown(f"**Same work per epoch ({n} sample-gradients), split into more and cheaper steps as B shrinks**")
show_table(table, empty_as={"diverged at step": "never"})
if any(r.diverged_at is not None for r in runs):
    st.warning("A run diverged: small batches give occasional large gradients; lower the learning rate.")

with st.expander("What the three methods compute"):
    st.markdown(
        rf"""
The loss is a mean over the $N = {n}$ data points,
$f(w, b) = \frac{{1}}{{2N}}\sum_i (w x_i + b - y_i)^2$, so its gradient is the mean of $N$
per-sample gradients.

* **Batch gradient descent** uses all $N$ points for every step: the exact gradient, a smooth
  path, but one step costs $N$ sample-gradients and an epoch is a single step.
* **Stochastic gradient descent** uses one random point per step: $N$ cheap steps per epoch,
  each pointing only roughly downhill, so the path zig-zags and never fully settles with a
  constant learning rate.
* **Mini-batch** uses $B$ points ($\lceil N/B \rceil$ steps per epoch): its gradient noise
  shrinks like $1/\sqrt{{B}}$ (drawn without replacement, exactly by
  $\sqrt{{(N-B)/(B(N-1))}}$ against one sample, so it is 0 at $B = N$), and on real hardware a batch of 64-512 costs little more than one
  sample because it is computed as one matrix operation. With small data sets (a few thousand
  points) plain batch gradient descent is fine.

Each epoch reshuffles the data (seeded) and cuts it into batches, the last one smaller when
$B$ does not divide $N$, exactly like a shuffled PyTorch `DataLoader`.
"""
    )
