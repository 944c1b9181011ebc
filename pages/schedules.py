"""Lesson: learning-rate schedules, and why decaying the rate shrinks the noise ball.

UI only: schedules come from `optimizers.SCHEDULES`, the seeded runs from
`lessons.tuning.noise_cloud`, the figures from `viz.lessons`. Every sentence is a catalog
template (i18n/<lang>/page_schedules.toml).
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from i18n import t, text
from optimizers import OPTIMIZERS, SCHEDULES, make_schedule
from lessons.tuning import noise_cloud
from surfaces import SURFACES
from ui.lesson_common import show_chart, compare_link, lesson_markdown, page_style, spec_slider
from ui.lesson_url import BIND, LessonUrl
from ui.predict import lesson_box, withhold_until_revealed
from viz.lessons import add_endpoints, add_paths, cloud_loss_figure, map_figure, schedule_figure, zoom_bounds
from ui.bootstrap import ensure_app_navigation
from lessons.pages import SCHEDULES_LR, SCHEDULES_LR_OTHER, SCHEDULES_OPTIMIZER

ensure_app_navigation()

#: Seeded runs per cloud: the noise-ball numbers are medians over this many runs (≥ 64, as the
#: guide asks of any claim about noisy runs).
N_SEEDS = 64
#: The two runs' names (legend entries, colour keys), in the visitor's language.
CONSTANT, SCHEDULED = t("page_schedules.run.constant"), t("page_schedules.run.scheduled")
COLORS = {CONSTANT: "#E69F00", SCHEDULED: "#0072B2"}

st.title(t("page_schedules.title"))
INTRO = t("page_schedules.intro", n_seeds=N_SEEDS)
intro = st.empty()  # what to try, and (outside predict mode, or once predicted) what it shows
compare_link(t("page_schedules.compare"), preset="schedule")

url = LessonUrl(legacy={"schedule": "sched_name", "surface": "sched_surface", "opt": "sched_opt",
                        "steps": "sched_steps", "noise": "sched_noise"})
sched_keys = [k for k in SCHEDULES if k != "constant"]
surf_keys = [k for k in SURFACES if k not in ("regression",)]
steps0 = url.integer("sched_steps", 500, 50, 2000)  # a step-size slider reaches the run length

left, right = st.columns([2, 3])
with left:
    url.choice("sched_name", sched_keys, "cosine", label=lambda k: text(SCHEDULES[k].label))
    sched_key = st.selectbox(
        t("page_schedules.schedule"), sched_keys, index=sched_keys.index("cosine"), key="sched_name", bind=BIND,
        format_func=lambda k: text(SCHEDULES[k].label),
    )
    spec = SCHEDULES[sched_key]
    st.latex(spec.latex)
    params: dict[str, float] = {}
    for p in spec.params:
        url.rename(f"s_{p.key}", f"sched_{sched_key}_{p.key}")
        url.spec(f"sched_{sched_key}_{p.key}", p, float(p.default), high=max(p.high, steps0))
        scale = max(1.0, steps0 / p.high) if getattr(p, "integer", False) else 1.0
        params[p.key] = spec_slider(st, p, float(p.default), key=f"sched_{sched_key}_{p.key}", scale=scale, bind=BIND)
    st.caption(text(spec.note) + (f"  \nPyTorch: `{spec.torch}`" if spec.torch else ""))

    st.markdown(t("page_schedules.the_run"))
    surf_default = "bowl" if "bowl" in surf_keys else surf_keys[0]
    url.choice("sched_surface", surf_keys, surf_default, label=lambda k: text(SURFACES[k].label))
    surf_key = st.selectbox(
        t("page_schedules.surface"), surf_keys, index=surf_keys.index(surf_default), key="sched_surface", bind=BIND,
        format_func=lambda k: text(SURFACES[k].label),
    )
    url.choice("sched_opt", list(OPTIMIZERS), SCHEDULES_OPTIMIZER, label=lambda k: text(OPTIMIZERS[k].label))
    opt_key = st.selectbox(
        t("page_schedules.optimizer"), list(OPTIMIZERS), index=list(OPTIMIZERS).index(SCHEDULES_OPTIMIZER),
        key="sched_opt", bind=BIND, format_func=lambda k: text(OPTIMIZERS[k].label),
    )
    opt = OPTIMIZERS[opt_key]
    lr_spec = opt.spec("lr")
    default_lr = SCHEDULES_LR.get(opt_key, SCHEDULES_LR_OTHER)
    url.rename("lr", f"sched_lr_{opt_key}")
    url.spec(f"sched_lr_{opt_key}", lr_spec, default_lr)
    lr = spec_slider(st, lr_spec, default_lr, key=f"sched_lr_{opt_key}", label=t("page_schedules.base_lr"),
                     bind=BIND)
    url.number("sched_noise", 1.0, 0.0, 20.0)
    noise = st.slider(t("page_schedules.noise"), 0.0, 20.0, 1.0, 0.1, key="sched_noise", bind=BIND,
                      help=t("page_schedules.noise_help"))
    steps = st.slider(t("page_schedules.steps"), 50, 2000, 500, 50, key="sched_steps", bind=BIND)

url.show_notices()

try:
    schedule = make_schedule(sched_key, **params)
except ValueError as exc:  # a hand-edited link with an invalid combination
    st.warning(t("page_schedules.invalid", error=str(exc)))
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
    updates = np.arange(1, steps + 1)
    curves = {}
    for key, s in SCHEDULES.items():
        sch = schedule if key == sched_key else make_schedule(key)
        curves[text(s.label)] = (updates, lr * np.asarray(sch.factor(updates, steps)))
    show_chart(
        schedule_figure(curves, highlight=text(spec.label), style=style,
                        title=t("page_schedules.chart.rates", lr=float(lr))),
        key="sched_chart",
    )

paths = {CONSTANT: const.paths[:, 0], SCHEDULED: sched_cloud.paths[:, 0]}
ends = np.concatenate([const.paths[-1], sched_cloud.paths[-1]])
legend_below = dict(orientation="h", yanchor="top", y=-0.15, xanchor="left", x=0)
with right:
    fig = map_figure(surface, start=surface.start, style=style, height=460,
                     title=t("page_schedules.chart.map", opt=text(opt.label), surface=text(surface.label),
                             noise=float(noise)))
    add_paths(fig, paths, colors=COLORS, dashes={CONSTANT: "dot"}, width=style.line_width * 0.6, style=style)
    fig.update_layout(legend=legend_below)
    show_chart(fig, key="sched_map_full")

zoom_col, loss_col = st.columns([2, 3])
with zoom_col:
    fig = map_figure(surface, style=style, height=460, bounds=zoom_bounds(ends),
                     title=t("page_schedules.chart.zoom", n=N_SEEDS))
    add_endpoints(fig, const.paths[-1], color=COLORS[CONSTANT], name=t("page_schedules.chart.ends", run=CONSTANT),
                  style=style)
    add_endpoints(fig, sched_cloud.paths[-1], color=COLORS[SCHEDULED],
                  name=t("page_schedules.chart.ends", run=SCHEDULED), style=style)
    fig.update_layout(legend=legend_below)
    show_chart(fig, key="sched_map_zoom")

f_star = surface.f_star or 0.0  # every surface offered here has a known minimum
with loss_col:
    show_chart(
        cloud_loss_figure({CONSTANT: const, SCHEDULED: sched_cloud}, colors=COLORS, f_star=f_star, style=style,
                          title=t("page_schedules.chart.loss", n=N_SEEDS)),
        key="sched_loss",
    )

def _ball(cloud) -> float:
    return float(np.median(surface.distance_to_nearest_minimum(cloud.paths[-1])))


ball_c, ball_s = _ball(const), _ball(sched_cloud)
m1, m2, m3 = st.columns(3)
m1.metric(t("page_schedules.metric.ball_constant"), f"{ball_c:.3g}", help=t("page_schedules.metric.ball_help"))
m2.metric(t("page_schedules.metric.ball_scheduled"), f"{ball_s:.3g}",
          delta=f"{(ball_s - ball_c) / ball_c:+.0%}" if ball_c > 0 else None, delta_color="inverse")
m3.metric(t("page_schedules.metric.final_rate"), f"{lr * float(schedule.factor(steps, steps)):.3g}",
          help=t("page_schedules.metric.final_rate_help"))
if const.n_diverged or sched_cloud.n_diverged:
    st.warning(t("page_schedules.diverged", constant=const.n_diverged, scheduled=sched_cloud.n_diverged))

with st.expander(t("page_schedules.why.title")):
    st.markdown(lesson_markdown("page_schedules.why.body"))
