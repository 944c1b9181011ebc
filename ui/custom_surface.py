"""The "Custom formula…" surface: a text box with examples, a LaTeX echo and inline errors.

Shared by the Compare page and the hyperparameter map, so both offer the same default, the same
examples, the same URL keys (``surface=custom&formula=...``, see ``ui.url_state``) and the same
behaviour on a typo: the message appears under the box and the last formula that worked stays
on screen (a class watching a projector never sees the picture vanish while someone types).

Widget keys are ``<prefix>formula``, ``<prefix>xmin`` … ``<prefix>ymax``; the last valid
``(formula, bounds)`` is kept in ``<prefix>formula_ok``. Surfaces come from
``surfaces.from_expression`` (which validates the text before SymPy sees it), cached as a
*resource*: a Surface holds compiled closures, which ``st.cache_data`` would try to pickle.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable

import streamlit as st

from i18n import Msg, t, text
from surfaces import Surface, from_expression
from surfaces.expression import FUNCTIONS, MAX_LENGTH

from lessons.link_values import md_escape
from lessons.race import DEFAULT_BOUNDS, DEFAULT_FORMULA, MAX_CUSTOM_BOUND, Bounds
from lessons.race_link import BOUND_KEYS

@dataclass(frozen=True)
class Example:
    """A formula worth showing, and where to start on it (None: the surface's own start).

    Why own starts: the automatic start is a corner far from the marked minimum, which on
    Himmelblau is the bottom of another basin; from (0, 0) momentum overshoots into a different
    minimum than SGD and Adam, and near the saddle's ridge plain SGD is slow to leave it.
    """

    name: Msg  # written in the visitor's language when shown
    start: tuple[float, float] | None = None


#: formula -> example (the first is the default formula).
EXAMPLES: dict[str, Example] = {
    DEFAULT_FORMULA: Example(Msg.of("ui_custom_surface.examples.ripples")),
    "(x^2 + y - 11)^2 + (x + y^2 - 7)^2": Example(Msg.of("ui_custom_surface.examples.himmelblau"), (0.0, 0.0)),
    "x^2 - y^2 + y^4/4": Example(Msg.of("ui_custom_surface.examples.saddle"), (-3.0, 0.05)),
    "log(1 + x^2 + 10*y^2)": Example(Msg.of("ui_custom_surface.examples.log_bowl")),
    "abs(x) + abs(y)": Example(Msg.of("ui_custom_surface.examples.kinks")),
}


def syntax_help() -> str:
    """What a formula may contain, in the current language."""
    return t("ui_custom_surface.syntax_help", functions=", ".join(FUNCTIONS), limit=MAX_LENGTH)


def custom_label() -> str:
    """The surface list's last entry ("Custom formula…"), in the current language."""
    return t("ui_custom_surface.custom_label")


def __getattr__(name: str):
    """``CUSTOM_LABEL`` and ``SYNTAX_HELP`` as they were (module constants), now in the visitor's language.

    A constant would be written once per process, in the first visitor's language; reading the
    name (``from ui.custom_surface import CUSTOM_LABEL`` on a page's run) writes it now.
    """
    if name == "CUSTOM_LABEL":
        return custom_label()
    if name == "SYNTAX_HELP":
        return syntax_help()
    raise AttributeError(name)  # i18n: internal


def _keys(prefix: str) -> dict[str, str]:
    keys = {k: f"{prefix}{k}" for k in BOUND_KEYS}
    keys.update(formula=f"{prefix}formula", example=f"{prefix}formula_example", ok=f"{prefix}formula_ok",
                range=f"{prefix}formula_range")
    return keys


@st.cache_resource(show_spinner=False, max_entries=64)
def custom_surface(formula: str, bounds: Bounds = DEFAULT_BOUNDS) -> Surface:
    """``from_expression(formula, bounds)``, built once per server for each formula and range."""
    return from_expression(formula, bounds)


def seed_custom_state(prefix: str, formula: str, bounds: Bounds) -> None:
    """Give the custom-formula widgets initial values (from a link) unless the session has some."""
    k = _keys(prefix)
    st.session_state.setdefault(k["formula"], formula)
    for key, value in zip(BOUND_KEYS, (*bounds[0], *bounds[1])):
        st.session_state.setdefault(k[key], float(value))


def _typed(prefix: str) -> tuple[str, Bounds]:
    """The formula and range the widgets hold right now.

    Missing keys (Streamlit drops a widget's state while it is not drawn, e.g. while another
    surface is chosen) fall back to the last valid formula and range, so coming back to
    "Custom formula…" shows what was there before.
    """
    k, ss = _keys(prefix), st.session_state
    last_formula, last_bounds = _last_valid(prefix)
    formula = ss.get(k["formula"])
    formula = formula if isinstance(formula, str) else last_formula
    values = []
    for key, default in zip(BOUND_KEYS, (*last_bounds[0], *last_bounds[1])):
        try:
            values.append(float(ss.get(k[key], default)))
        except (TypeError, ValueError):
            values.append(float(default))
    return formula, ((values[0], values[1]), (values[2], values[3]))


def _last_valid(prefix: str) -> tuple[str, Bounds]:
    ok = st.session_state.get(_keys(prefix)["ok"])
    return ok if ok else (DEFAULT_FORMULA, DEFAULT_BOUNDS)


def _build(prefix: str) -> tuple[Surface, str | None]:
    """The surface the widgets describe, or the last valid one plus the reason it is kept."""
    formula, bounds = _typed(prefix)
    try:
        (x0, x1), (y0, y1) = bounds
        if not (x0 < x1 and y0 < y1):
            raise ValueError(t("ui_custom_surface.bad_range"))
        surface = custom_surface(formula, bounds)
    except ValueError as exc:
        return custom_surface(*_last_valid(prefix)), str(exc)
    st.session_state[_keys(prefix)["ok"]] = (surface.source or formula.strip(), bounds)
    return surface, None


def current_custom_surface(prefix: str = "") -> Surface:
    """The custom surface on screen: the typed formula if it works, else the last one that did."""
    return _build(prefix)[0]


def custom_formula_error(prefix: str = "") -> str | None:
    """Why the typed formula (or range) is not used, or None when it is.

    For the main area: the error under the box sits in the sidebar, often below the screen (at
    1366×768 it is at y ≈ 834), while the race keeps drawing the last valid surface.
    """
    return _build(prefix)[1]


def show_formula_error_near_race(prefix: str = "", container: Any = None) -> None:
    """An error in the main area saying that the typed formula was *not* used, and what is shown."""
    error = custom_formula_error(prefix)
    if error is None:
        return
    box = container if container is not None else st
    typed = _typed(prefix)[0]
    shown = current_custom_surface(prefix).source or ""
    typed = typed if len(typed) <= 80 else typed[:79] + "…"
    box.error(t("ui_custom_surface.not_used", typed=md_escape(typed), error=md_escape(error), shown=md_escape(shown)),
              icon=":material/error:")


def _on_formula(prefix: str, on_new_surface: Callable[[Surface], None] | None,
                start: tuple[float, float] | None = None) -> None:
    before = _last_valid(prefix)
    surface, error = _build(prefix)
    if error is None and on_new_surface is not None and surface.source != before[0]:
        on_new_surface(surface if start is None else replace(surface, start=start))


def _on_example(prefix: str, on_new_surface: Callable[[Surface], None] | None) -> None:
    k = _keys(prefix)
    chosen = st.session_state.get(k["example"])
    if chosen:
        st.session_state[k["formula"]] = chosen
    st.session_state[k["example"]] = None  # the picker is a set of shortcuts, not a setting
    _on_formula(prefix, on_new_surface, EXAMPLES[chosen].start if chosen in EXAMPLES else None)


def custom_formula_input(*, prefix: str = "", container: Any = None,
                         on_new_surface: Callable[[Surface], None] | None = None) -> Surface:
    """Draw the formula box, its examples, plotting range and LaTeX echo; return the surface.

    A formula that cannot be used shows ``st.error`` with the reason under the box and the
    previous valid surface is returned (the default formula the first time). ``on_new_surface``
    is called from the widgets' callbacks when a *different* valid formula is entered (the
    Compare page moves the start point to the new surface's start there).
    """
    box = container if container is not None else st
    k = _keys(prefix)
    seed_custom_state(prefix, *_last_valid(prefix))
    st.session_state.setdefault(k["example"], None)
    args = (prefix, on_new_surface)
    # No max_chars: the browser would drop a longer paste whole and the box would come back empty;
    # the checker says it is too long (and by how much) while the text stays there to be cut.
    box.text_input("f(x, y) =", key=k["formula"], help=syntax_help(),
                   on_change=_on_formula, args=args, placeholder=t("ui_custom_surface.placeholder"))
    box.selectbox(t("ui_custom_surface.examples.label"), list(EXAMPLES), key=k["example"], index=None,
                  placeholder=t("ui_custom_surface.examples.placeholder"),
                  format_func=lambda f: t("ui_custom_surface.examples.option", name=text(EXAMPLES[f].name), formula=f),
                  on_change=_on_example, args=args)
    with box.expander(t("ui_custom_surface.range.label"), expanded=False, key=k["range"]):  # stays open in the other language
        c1, c2 = st.columns(2)
        labels = {key: t(f"ui_custom_surface.range.{key}") for key in BOUND_KEYS}
        for i, key in enumerate(BOUND_KEYS):
            (c1 if i % 2 == 0 else c2).number_input(
                labels[key], min_value=-MAX_CUSTOM_BOUND, max_value=MAX_CUSTOM_BOUND, step=0.5, format="%.4g",
                key=k[key], on_change=_on_formula, args=args)
    surface, error = _build(prefix)
    if error is not None:
        box.error(t("ui_custom_surface.cannot_use", error=md_escape(error), shown=md_escape(surface.source or "")),
                  icon=":material/error:")
    # Inline maths wraps at + and = in a narrow sidebar, where display maths (st.latex) is cut off.
    box.markdown(t("ui_custom_surface.showing" if error else "ui_custom_surface.parsed", latex=surface.latex))
    return surface
