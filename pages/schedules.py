"""Lesson: learning-rate schedules, and why decaying the rate shrinks the noise ball.

UI only: schedules come from `optimizers.SCHEDULES`, the seeded runs from
`lessons.tuning.noise_cloud`, the figures from `viz.lessons`.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from optimizers import OPTIMIZERS, SCHEDULES, make_schedule
from lessons.tuning import noise_cloud
from surfaces import SURFACES
from ui.lesson_common import show_chart, compare_link, page_style, spec_slider
from ui.lesson_url import BIND, LessonUrl
from ui.predict import lesson_box, withhold_until_revealed
from viz.lessons import add_endpoints, add_paths, cloud_loss_figure, map_figure, schedule_figure, zoom_bounds
from ui.bootstrap import ensure_app_navigation
from lessons.pages import SCHEDULES_LR, SCHEDULES_LR_OTHER, SCHEDULES_OPTIMIZER

ensure_app_navigation()

#: Seeded runs per cloud: the noise-ball numbers are medians over this many runs (≥ 64, as the
#: guide asks of any claim about noisy runs).
N_SEEDS = 64
CONSTANT, SCHEDULED = "constant rate", "with the schedule"
COLORS = {CONSTANT: "#E69F00", SCHEDULED: "#0072B2"}

st.title("Learning-rate schedules")
INTRO = (
    "**Try:** pick a schedule and shape it with its sliders, then compare the two runs on the noisy "
    "surface below: same optimizer, same base rate, same noise. **Notice:** with a constant rate "
    "the run reaches the valley quickly but then jitters in a *noise ball* whose size grows with "
    "the rate; as the schedule lowers the rate the ball shrinks (the dots are where "
    f"{N_SEEDS} seeded runs ended; the noise-ball numbers below are medians over all of them). "
    "Warm-up does the opposite at the start: small careful steps first. AdaGrad is the "
    "exception: it already shrinks its own steps, and a schedule on top only starves it.\n\n"
    "**Epochs or updates?** The course counts decay in *epochs* (passes over the training set); "
    "this app counts *updates* (optimizer steps): t below is the update index and a schedule's "
    "step counts are updates. On these surfaces every update sees the exact gradient, so one "
    "update is one epoch; with mini-batches of B out of N examples an epoch is ⌈N/B⌉ updates, and "
    "the mini-batch page lets you step the schedule once per epoch instead."
)
intro = st.empty()  # what to try, and (outside predict mode, or once predicted) what it shows
compare_link("Compare preset: noisy gradients with and without a decaying schedule", preset="schedule")

url = LessonUrl(legacy={"schedule": "sched_name", "surface": "sched_surface", "opt": "sched_opt",
                        "steps": "sched_steps", "noise": "sched_noise"})
sched_keys = [k for k in SCHEDULES if k != "constant"]
surf_keys = [k for k in SURFACES if k not in ("regression",)]
steps0 = url.integer("sched_steps", 500, 50, 2000)  # a step-size slider reaches the run length

left, right = st.columns([2, 3])
with left:
    url.choice("sched_name", sched_keys, "cosine", label=lambda k: SCHEDULES[k].label)
    sched_key = st.selectbox(
        "Schedule", sched_keys, index=sched_keys.index("cosine"), key="sched_name", bind=BIND,
        format_func=lambda k: SCHEDULES[k].label,
    )
    spec = SCHEDULES[sched_key]
    st.latex(spec.latex)
    params: dict[str, float] = {}
    for p in spec.params:
        url.rename(f"s_{p.key}", f"sched_{sched_key}_{p.key}")
        url.spec(f"sched_{sched_key}_{p.key}", p, float(p.default), high=max(p.high, steps0))
        scale = max(1.0, steps0 / p.high) if getattr(p, "integer", False) else 1.0
        params[p.key] = spec_slider(st, p, float(p.default), key=f"sched_{sched_key}_{p.key}", scale=scale, bind=BIND)
    st.caption(spec.note + (f"  \nPyTorch: `{spec.torch}`" if spec.torch else ""))

    st.markdown("**The run**")
    surf_default = "bowl" if "bowl" in surf_keys else surf_keys[0]
    url.choice("sched_surface", surf_keys, surf_default, label=lambda k: SURFACES[k].label)
    surf_key = st.selectbox(
        "Surface", surf_keys, index=surf_keys.index(surf_default), key="sched_surface", bind=BIND,
        format_func=lambda k: SURFACES[k].label,
    )
    url.choice("sched_opt", list(OPTIMIZERS), SCHEDULES_OPTIMIZER, label=lambda k: OPTIMIZERS[k].label)
    opt_key = st.selectbox(
        "Optimizer", list(OPTIMIZERS), index=list(OPTIMIZERS).index(SCHEDULES_OPTIMIZER), key="sched_opt",
        bind=BIND, format_func=lambda k: OPTIMIZERS[k].label,
    )
    opt = OPTIMIZERS[opt_key]
    lr_spec = opt.spec("lr")
    default_lr = SCHEDULES_LR.get(opt_key, SCHEDULES_LR_OTHER)
    url.rename("lr", f"sched_lr_{opt_key}")
    url.spec(f"sched_lr_{opt_key}", lr_spec, default_lr)
    lr = spec_slider(st, lr_spec, default_lr, key=f"sched_lr_{opt_key}", label="base learning rate η", bind=BIND)
    url.number("sched_noise", 1.0, 0.0, 20.0)
    noise = st.slider("Gradient noise σ", 0.0, 20.0, 1.0, 0.1, key="sched_noise", bind=BIND,
                      help="Each step adds σ·z (z standard normal, seeded) to the gradient.")
    steps = st.slider("Steps", 50, 2000, 500, 50, key="sched_steps", bind=BIND)

url.show_notices()

try:
    schedule = make_schedule(sched_key, **params)
except ValueError as exc:  # a hand-edited link with an invalid combination
    st.warning(f"{exc}; using the schedule's defaults.")
    schedule = make_schedule(sched_key)


@st.cache_data(show_spinner=False, max_entries=64)
def _clouds(surf_key: str, opt_key: str, lr: float, noise: float, steps: int, sched_key: str,
            sched_params: tuple, n_seeds: int):
    """Both clouds (constant and scheduled) with the same seeds: the only difference is the schedule."""
    surface = SURFACES[surf_key]
    sched = make_schedule(sched_key, **dict(sched_params))
    seeds = np.arange(n_seeds)
    common = dict(noise=noise, seeds=seeds)
    const = noise_cloud(surface, opt_key, {"lr": lr}, surface.start, steps, **common)
    sched_cloud = noise_cloud(surface, opt_key, {"lr": lr}, surface.start, steps, schedule=sched, **common)
    return const, sched_cloud


const, sched_cloud = _clouds(surf_key, opt_key, lr, noise, steps, sched_key, tuple(sorted(schedule.params.items())), N_SEEDS)
surface = SURFACES[surf_key]
style = page_style()
revealed = lesson_box("schedules", surf_key, opt_key, float(lr), float(noise), int(steps), sched_key,
                      dict(schedule.params))  # predict first (ui/predict.py)
withhold_until_revealed(intro, INTRO, revealed=revealed)

with right:
    t = np.arange(1, steps + 1)
    curves = {}
    for key, s in SCHEDULES.items():
        sch = schedule if key == sched_key else make_schedule(key)
        curves[s.label] = (t, lr * np.asarray(sch.factor(t, steps)))
    show_chart(
        schedule_figure(curves, highlight=spec.label, style=style,
                        title=f"Learning rate per step (base η = {lr:g}); others faint for comparison"),
        key="sched_chart",
    )

paths = {CONSTANT: const.paths[:, 0], SCHEDULED: sched_cloud.paths[:, 0]}
ends = np.concatenate([const.paths[-1], sched_cloud.paths[-1]])
legend_below = dict(orientation="h", yanchor="top", y=-0.15, xanchor="left", x=0)
with right:
    fig = map_figure(surface, start=surface.start, style=style, height=460,
                     title=f"{opt.label} on {surface.label}, noise σ = {noise:g} (seed 0 paths)")
    add_paths(fig, paths, colors=COLORS, dashes={CONSTANT: "dot"}, width=style.line_width * 0.6, style=style)
    fig.update_layout(legend=legend_below)
    show_chart(fig, key="sched_map_full")

zoom_col, loss_col = st.columns([2, 3])
with zoom_col:
    fig = map_figure(surface, style=style, height=460, bounds=zoom_bounds(ends),
                     title=f"Zoom on the minimum: where {N_SEEDS} seeded runs ended")
    add_endpoints(fig, const.paths[-1], color=COLORS[CONSTANT], name=f"{CONSTANT}: run ends", style=style)
    add_endpoints(fig, sched_cloud.paths[-1], color=COLORS[SCHEDULED], name=f"{SCHEDULED}: run ends", style=style)
    fig.update_layout(legend=legend_below)
    show_chart(fig, key="sched_map_zoom")

f_star = surface.f_star or 0.0  # every surface offered here has a known minimum
with loss_col:
    show_chart(
        cloud_loss_figure({CONSTANT: const, SCHEDULED: sched_cloud}, colors=COLORS, f_star=f_star, style=style,
                          title=f"f − f* per step over {N_SEEDS} seeded runs (median and middle 50%)"),
        key="sched_loss",
    )

def _ball(cloud) -> float:
    return float(np.median(surface.distance_to_nearest_minimum(cloud.paths[-1])))


ball_c, ball_s = _ball(const), _ball(sched_cloud)
m1, m2, m3 = st.columns(3)
m1.metric("Noise ball, constant rate", f"{ball_c:.3g}", help="median distance of the run ends to the minimum")
m2.metric("Noise ball, with the schedule", f"{ball_s:.3g}",
          delta=f"{(ball_s - ball_c) / ball_c:+.0%}" if ball_c > 0 else None, delta_color="inverse")
m3.metric("Final rate", f"{lr * float(schedule.factor(steps, steps)):.3g}", help="η × factor at the last step")
if const.n_diverged or sched_cloud.n_diverged:
    st.warning(f"{const.n_diverged} constant-rate and {sched_cloud.n_diverged} scheduled runs diverged: "
               "lower the base rate.")

with st.expander("Why decaying the rate helps"):
    st.markdown(
        r"""
With noisy gradients every step is $\theta \leftarrow \theta - \eta\,(\nabla f + \text{noise})$.
Near the minimum $\nabla f$ is tiny but the noise is not, so a constant rate keeps kicking the
parameters around: they settle into a ball whose size grows with $\eta$. For SGD on a quadratic,
a direction of curvature $\lambda$ settles to a spread (standard deviation) of
$\sigma\sqrt{\eta/(\lambda(2-\eta\lambda))}$, about $\sigma\sqrt{\eta/(2\lambda)}$ while
$\eta\lambda$ is small: halve the rate and the ball shrinks by about $\sqrt 2$.

Early on, far from the minimum, a large rate makes fast progress; near the minimum a small
rate averages the noise away. A schedule gets both: **step decay** (drop by $\gamma$ every $k$
updates), **exponential** ($\eta\,\gamma^{t-1}$), **inverse-time** ($\eta/(1+k(t-1))$), **cosine**
(smoothly to $r\eta$), and the course's two: **k/√t** ($\eta\,k/\sqrt{t}$, slower than inverse-time)
and **milestones** (you pick the updates $m_1, m_2, m_3$ after which the rate drops by $\gamma$). Update
$t = 1$ uses the full base rate, as in PyTorch, except under warm-up and k/√t (which uses $k\eta$).
**Warm-up** starts small on purpose: in the first steps, adaptive optimizers' averages
are still unreliable and large steps can throw the run away.
"""
    )
