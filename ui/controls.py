"""Streamlit controls built from the core's declarations (surfaces, HyperSpecs, schedules).

Why built from declarations: adding an optimizer or a schedule to the core must not need any UI
code, and every page (Compare, lessons) gets the same sliders, the same value grids and the same
equations. Widget keys come from ``ui.page_state.widget_key`` (``hp.adam.lr``, ``sched.decay``, …) so the page
can seed them from its store before the widgets are drawn; bounds and value grids come from the
race's link table (``lessons.race_link``), where each is declared once.

Each function takes the container to draw in (default: the sidebar) and returns plain values.
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import streamlit as st

from viz.schedule_preview import schedule_preview_svg
from viz.style import DEFAULT_STYLE, Style

from lessons.grids import format_value, snap
from lessons.race_link import LINK_KEY, hyper_grid, schedule_grid

from i18n import t, text
from .folded import FOLDED
from .page_state import widget_key
from lessons.stability import VERDICTS, stability_limit, verdict

def _pytorch_note() -> str:
    """The About note, with the defaults that differ from torch's listed from the declarations.

    Written in the current language on every call (``PYTORCH_NOTE`` is this call: a module
    constant would be frozen in the language of the first visitor).
    """
    from optimizers import OPTIMIZERS

    differ = [t("ui_controls.pytorch_note.differs", opt=text(opt.label), key=spec.key, value=spec.default,
                torch=spec.torch_default)
              for opt in OPTIMIZERS.values() for spec in opt.hypers
              if spec.torch_default is not None and spec.torch_default != spec.default]
    if not differ:
        return t("ui_controls.pytorch_note.plain")
    return t("ui_controls.pytorch_note.except", differ=t("ui_controls.list_separator").join(differ))


def __getattr__(name: str):
    """``PYTORCH_NOTE``: the About note in the current language (module constants cannot be per session)."""
    if name == "PYTORCH_NOTE":
        return _pytorch_note()
    raise AttributeError(name)  # i18n: internal


def _container(container):
    return container if container is not None else st.sidebar


def seed(key: str, value: Any) -> None:
    """Give widget ``key`` an initial value unless the session already has one."""
    if key not in st.session_state:
        st.session_state[key] = value


# ----------------------------------------------------------------------------------- surface


def surface_picker(surfaces: Mapping[str, Any], *, key: str = widget_key("surface"), container=None,
                   on_change: Callable[[], None] | None = None, show_details: bool = True,
                   on_new_custom: Callable[[Any], None] | None = None, allow_custom: bool = False,
                   later: list[Callable[[], None]] | None = None):
    """A selectbox of surfaces (by label) with the chosen one's formula and teaching note.

    With ``allow_custom`` the list ends with "Custom formula…", which opens the shared formula
    box (``ui.custom_surface``); ``on_new_custom(surface)`` runs when a new formula is entered.
    ``later``: the teaching note (it tells what a race on the surface shows) is appended as a
    function that draws it in its place, for a page that may still hide the race (predict mode).
    """
    from lessons.race import CUSTOM

    from .custom_surface import CUSTOM_LABEL, custom_formula_input

    box = _container(container)
    keys = list(surfaces) + ([CUSTOM] if allow_custom else [])
    if st.session_state.get(key) not in keys:
        st.session_state[key] = keys[0]
    custom_label = CUSTOM_LABEL  # the current language's (a module attribute computed per call)
    chosen = box.selectbox(t("ui_controls.surface"), keys, key=key, on_change=on_change,
                           format_func=lambda k: custom_label if k == CUSTOM else text(surfaces[k].label))
    if chosen == CUSTOM:
        surface = custom_formula_input(container=box, on_new_surface=on_new_custom)
        if show_details:
            box.caption(t("ui_controls.custom_gradient"))
        return surface
    surface = surfaces[chosen]
    if show_details:
        box.markdown(f"${surface.latex}$")  # inline maths wraps in the narrow sidebar; display maths is cut off
        note = partial(box.container(key="surface_note").caption, text(surface.note))  # keyed for the browser tests
        if later is None:
            note()
        else:
            later.append(note)
    return surface


# -------------------------------------------------------------------------------- optimizers


def optimizer_picker(optimizers: Mapping[str, Any], *, key: str = widget_key("opts"), container=None,
                     default: Sequence[str] = ()) -> list[str]:
    """A multiselect of optimizers; returns the choice in the registry's order."""
    box = _container(container)
    seed(key, [k for k in default if k in optimizers])
    st.session_state[key] = [k for k in st.session_state[key] if k in optimizers]
    chosen = box.multiselect(t("ui_controls.optimizers"), list(optimizers), key=key,
                             format_func=lambda k: text(optimizers[k].label),
                             placeholder=t("ui_controls.optimizers_placeholder"))
    return [k for k in optimizers if k in chosen]


def hyper_sliders(
    opt,
    *,
    defaults: Mapping[str, float] | None = None,
    container=None,
    hessian_eigs: Sequence[float] | None = None,
    show_rule: bool = True,
    later: list[Callable[[], None]] | None = None,
) -> dict[str, float]:
    """One slider per declared hyperparameter of ``opt``; returns ``{key: value}``.

    Each slider offers its hyperparameter's grid (``lessons.race_link.hyper_grid``: nice values
    on a log or linear scale, the spec default and every lesson preset's value, so those are
    exact). With ``hessian_eigs`` (quadratic surfaces) the learning-rate limit for stability is
    shown under the lr slider, green or red. With ``show_rule`` the update rule (LaTeX) and the
    equivalent PyTorch call are shown too.

    ``later``: the stability badge is not drawn now but appended here as a function that fills
    its slot; the Compare page calls them once it knows whether predict mode still hides the
    race (the badge states the outcome: "diverges"), which it learns only after the sliders.
    """
    box = _container(container)
    defaults = dict(defaults or {})
    values: dict[str, float] = {}
    slot = None  # where the lr's stability badge goes
    if show_rule:
        box.latex(r"\footnotesize " + opt.latex)  # the sidebar is narrow: Adam's rule fits at this size
        box.caption(f"PyTorch: `{opt.torch}`")
    for spec in opt.hypers:
        key = widget_key("hyper", opt.key, spec.key)
        options = hyper_grid(opt.key, spec.key)
        current = st.session_state.get(key, defaults.get(spec.key, spec.default))
        try:
            current = float(current)
        except (TypeError, ValueError):
            current = float(spec.default)
        if spec.low <= current <= spec.high and current not in options:
            # A value from a link (a map cell, a shared race) is one more stop, not rounded away.
            options = sorted({*options, current})
        st.session_state[key] = snap(current, options, spec.log)
        label = f"{spec.key}  ${spec.symbol}$"
        value = box.select_slider(label, options=options, key=key, format_func=format_value,
                                  help=f"{text(spec.help)} {text(spec.default_text())}")
        values[spec.key] = float(value)
        if spec.key == "lr" and hessian_eigs:
            slot = box.empty()  # the limit depends on μ, whose slider comes later: filled below
    # The badge is not worked out when nobody sees it (a folded expander): it costs every rerun.
    if slot is not None and slot is not FOLDED:
        draw = partial(_stability_badge, slot, opt, values, hessian_eigs)
        if later is None:
            draw()
        else:
            later.append(draw)
    return values


def _stability_badge(slot, opt, values: Mapping[str, float], hessian_eigs: Sequence[float]) -> None:
    """The lr's learning-rate limit on a quadratic, green, orange or red, in ``slot``."""
    limit = stability_limit(opt, values, float(max(hessian_eigs)))
    if limit is None:
        slot.caption(t("ui_controls.stability.adaptive"))
        return
    kind = verdict(values["lr"], limit)
    colour = {"stable": "green", "edge": "orange", "diverges": "red"}[kind]
    slot.markdown(
        t("ui_controls.stability.badge", colour=colour, lr=values["lr"], verdict=text(VERDICTS[kind]),
          formula=limit.formula, limit=text(limit.value_text)),
        help=t("ui_controls.stability.help"),
    )


# --------------------------------------------------------------------------------- schedule


def schedule_controls(schedules: Mapping[str, Any], *, steps: int, key: str = widget_key("sched"), container=None,
                      style: Style = DEFAULT_STYLE, factor_fn: Callable[[str, Mapping[str, float]], Any] | None = None,
                      preview: bool = True) -> tuple[str, dict[str, float]]:
    """Schedule selectbox, its parameter sliders and a thumbnail of the lr multiplier.

    ``factor_fn(key, params)`` returns the schedule object whose ``factor(t, T)`` is previewed
    (the page passes ``optimizers.make_schedule``). ``preview=False`` (a closed expander) skips
    the thumbnail: a figure nobody sees costs CPU on every rerun.
    """
    box = _container(container)
    keys = list(schedules)
    if st.session_state.get(key) not in schedules:
        st.session_state[key] = keys[0]
    chosen = box.selectbox(t("ui_controls.schedule"), keys, key=key, format_func=lambda k: text(schedules[k].label))
    spec = schedules[chosen]
    params: dict[str, float] = {}
    for p in spec.params:
        pkey = widget_key(key, p.key)
        options = schedule_grid(chosen, p.key)
        current = st.session_state.get(pkey, p.default)
        try:
            current = float(current)
        except (TypeError, ValueError):
            current = float(p.default)
        st.session_state[pkey] = snap(current, options, p.log)
        params[p.key] = float(box.select_slider(f"{p.key}  ${p.symbol}$", options=options, key=pkey,
                                                format_func=format_value, help=text(p.help)))
        if getattr(p, "integer", False):
            params[p.key] = int(params[p.key])
    if chosen != "constant":
        box.latex(spec.latex)
        if spec.torch:
            box.caption(f"PyTorch: `{spec.torch}`")
    if factor_fn is not None and steps > 0 and preview:
        try:
            sched = factor_fn(chosen, params)
            ts = np.unique(np.linspace(1, steps, min(steps, 200)).round().astype(int))
            f = np.asarray(sched.factor(ts, steps), dtype=float) * np.ones(len(ts))
            box.markdown(schedule_preview_svg(ts, f, style=style), unsafe_allow_html=True)
        except ValueError as exc:
            box.error(str(exc))
    return chosen, params


def clip_controls(*, key: str = widget_key("clip"), container=None) -> float:
    """Gradient clipping by global norm (torch's clip_grad_norm_); 0 means off."""
    box = _container(container)
    options = list(LINK_KEY["clip"].grid())
    current = float(st.session_state.get(key, 0.0) or 0.0)
    st.session_state[key] = snap(current, options, current > 0) if current > 0 else 0.0
    off = t("ui_controls.off")
    value = box.select_slider(t("ui_controls.clip.label"), options=options, key=key,
                              format_func=lambda v: off if v == 0 else format_value(v),
                              help=t("ui_controls.clip.help"))
    return float(value)


# ------------------------------------------------------------------------------ noise, start


def noise_controls(*, key_noise: str = widget_key("noise"), key_seed: str = widget_key("seed"),
                   container=None) -> tuple[float, int]:
    """Gradient-noise level (std of the Gaussian added to every gradient) and its seed."""
    box = _container(container)
    options = list(LINK_KEY["noise"].grid())
    st.session_state[key_noise] = snap(float(st.session_state.get(key_noise, 0.0) or 0.0), options)
    off = t("ui_controls.off")
    noise = box.select_slider(t("ui_controls.noise.label"), options=options, key=key_noise,
                              format_func=lambda v: off if v == 0 else format_value(v),
                              help=t("ui_controls.noise.help"))
    seed(key_seed, 0)
    seed_value = box.number_input(t("ui_controls.seed.label"), min_value=0, max_value=int(LINK_KEY["seed"].high),
                                  step=1, key=key_seed, disabled=noise == 0, help=t("ui_controls.seed.help"))
    return float(noise), int(seed_value)


def cloud_controls(*, noise: float, key: str = widget_key("cloud"), key_runs: str = widget_key("cloud_runs"),
                   container=None) -> int:
    """"Show noise clouds" and how many seeded runs; returns the run count (0 when off).

    Enabled only with gradient noise: without it every seed gives the same path, so a cloud
    would be one line drawn many times.
    """
    from .url_state import CLOUD_RUNS, DEFAULT_CLOUD_RUNS

    box = _container(container)
    seed(key, False)
    on = box.checkbox(t("ui_controls.clouds.label"), key=key, disabled=noise == 0,
                      help=t("ui_controls.clouds.help_off" if noise == 0 else "ui_controls.clouds.help"))
    if not (on and noise > 0):
        return 0
    memory = f"_{key_runs}_memory"  # the slider's state is dropped while clouds are off; keep its value
    current = st.session_state.get(key_runs, st.session_state.get(memory, DEFAULT_CLOUD_RUNS))
    st.session_state[key_runs] = int(snap(float(current), CLOUD_RUNS))
    runs = box.select_slider(t("ui_controls.cloud_runs.label"), options=list(CLOUD_RUNS), key=key_runs,
                             help=t("ui_controls.cloud_runs.help"))
    st.session_state[memory] = int(runs)
    return int(runs)


def start_controls(surface, *, key_x: str = widget_key("x0"), key_y: str = widget_key("y0"),
                   container=None) -> tuple[float, float]:
    """Start point inputs, limited to the surface's map (clicking the map sets them too)."""
    box = _container(container)
    (x0, x1), (y0, y1) = surface.bounds
    for k, lo, hi, d in ((key_x, x0, x1, surface.start[0]), (key_y, y0, y1, surface.start[1])):
        v = st.session_state.get(k, d)
        try:
            v = float(v)
        except (TypeError, ValueError):
            v = float(d)
        st.session_state[k] = float(min(max(v if math.isfinite(v) else float(d), float(lo)), float(hi)))
    c1, c2 = box.columns(2)
    sx = c1.number_input(t("ui_controls.start_x"), min_value=float(x0), max_value=float(x1), key=key_x, step=0.1,
                         format="%.4g")
    sy = c2.number_input(t("ui_controls.start_y"), min_value=float(y0), max_value=float(y1), key=key_y, step=0.1,
                         format="%.4g")
    return float(sx), float(sy)


def steps_control(*, key: str = widget_key("steps"), container=None, default: int = 100) -> int:
    """Number of optimizer updates (1 … the race's limit)."""
    box = _container(container)
    low, high = int(LINK_KEY["steps"].low), int(LINK_KEY["steps"].high)
    v = st.session_state.get(key, default)
    try:
        v = int(v)
    except (TypeError, ValueError):
        v = default
    st.session_state[key] = min(max(v, low), high)
    return int(box.number_input(t("ui_controls.steps.label"), min_value=low, max_value=high, step=10, key=key,
                                help=t("ui_controls.steps.help", high=high)))
