"""Between `PageState`, the widgets (session state) and the address bar.

Flow of one Compare page session:

1. first run of the page in this visit, or first run after coming back from another page
   (Streamlit drops the widgets' state when a page is left): ``load_from_url`` parses
   ``st.query_params`` (``ui.url_state``), writes the values into the widgets' session-state
   keys and keeps the notices to show. A query that describes no race (the sidebar
   opens the page with an empty query string, or Back replays a lesson's query) brings back the
   race last shown in this visit, so leaving Compare never wipes it; a link to a race (a
   "Compare preset" link, Back/Forward to a Compare address) wins;
2. every run: the widgets read their values from session state; the page assembles a
   `PageState` from them and calls ``sync_url``, which rewrites the query string only when it
   differs (so the address bar is always a link that reproduces the page);
3. a lesson preset or a click on the map writes session state in a widget callback (callbacks
   run before the script, the only moment widget values may be changed).
"""

from __future__ import annotations

from typing import Any, Mapping

import streamlit as st

from .url_state import (BOUND_KEYS, CUSTOM, DEFAULT_BOUNDS, DEFAULT_CLOUD_RUNS, DEFAULT_FORMULA, PageState,
                        defaults_from_preset, parse_query, to_query)

#: The widget whose state tells "the page's widgets are alive" (dropped on a page switch).
MOUNTED_KEY = "surface"
#: The canonical query of the race last shown (outlives page switches: not a widget key).
LAST_QUERY_KEY = "_compare_query"
NOTICES_KEY = "_url_notices"
MEMORY_KEY = "_hp_memory"
ACTIVE_PRESET_KEY = "active_preset"
LESSON_KEY = "lesson"


#: Keys only a link to a race carries (every canonical Compare link has ``surface`` and ``opt``).
RACE_KEYS = frozenset({"preset", "surface", "opt"})


def names_a_race(params: Mapping[str, Any]) -> bool:
    """True when a query describes a race; else it is a page switch, not a link to follow.

    Why not "any Compare key": switching pages, Streamlit's frontend briefly pushes the new
    page's path with the old page's query, so Back can land on Compare with a lesson's query.
    The lesson keys carry their page's prefix (``ewma_seed``), but a lesson link from before
    them (``/ewma?beta=0.98&seed=0``) still names Compare keys.
    """
    return any(str(k) in RACE_KEYS for k in params)


def query_dict() -> dict[str, list[str]]:
    """``st.query_params`` as ``{key: [values...]}`` (repeated keys kept)."""
    qp = st.query_params
    return {k: qp.get_all(k) for k in qp.keys()}


def write_state(state: PageState, *, hyper_prefix: str = "hp", sched_key: str = "sched") -> None:
    """Put ``state`` into the widgets' session-state keys (before the widgets are drawn)."""
    ss = st.session_state
    ss["surface"] = state.surface
    ss["opts"] = list(state.opts)
    ss["steps"] = int(state.steps)
    ss["x0"] = float(state.x0)
    ss["y0"] = float(state.y0)
    ss["noise"] = float(state.noise)
    ss["seed"] = int(state.seed)
    memory = ss.setdefault(MEMORY_KEY, {})
    for opt_key, values in state.hyper.items():
        for name, value in values.items():
            ss[f"{hyper_prefix}.{opt_key}.{name}"] = float(value)
            memory[f"{hyper_prefix}.{opt_key}.{name}"] = float(value)
    ss[sched_key] = state.sched
    for name, value in state.sched_params.items():
        ss[f"{sched_key}.{name}"] = float(value)
    ss["clip"] = float(state.clip)
    ss["ghost"] = bool(state.ghost)
    ss["view"] = {"side": "Side by side", "overlay": "Overlay", "3d": "3-D"}.get(state.view, "Side by side")
    if state.surface == CUSTOM:
        ss["formula"] = state.formula or DEFAULT_FORMULA
        bounds = state.bounds or DEFAULT_BOUNDS
        for key, value in zip(BOUND_KEYS, (*bounds[0], *bounds[1])):
            ss[key] = float(value)
    if state.clouds or "cloud" not in ss:  # a lesson preset leaves the clouds as they are
        ss["cloud"] = bool(state.clouds)
        ss["cloud_runs"] = int(state.clouds or ss.get("cloud_runs", DEFAULT_CLOUD_RUNS))
    ss[ACTIVE_PRESET_KEY] = state.preset
    ss[LESSON_KEY] = state.preset


def load_from_url(*, surfaces, optimizers, schedules, presets, default_preset, extra_values=None,
                  custom_surface=None) -> None:
    """Seed the widgets from the URL whenever the page (re)appears; else leave them alone."""
    if MOUNTED_KEY in st.session_state:
        return
    try:
        params = query_dict()
    except Exception:  # pragma: no cover - bare script without a session
        params = {}
    if not names_a_race(params) and LAST_QUERY_KEY in st.session_state:
        params = dict(st.session_state[LAST_QUERY_KEY])
    state, notices = parse_query(params, surfaces=surfaces, optimizers=optimizers, schedules=schedules,
                                 presets=presets, default_preset=default_preset, extra_values=extra_values,
                                 custom_surface=custom_surface)
    write_state(state)
    st.session_state[NOTICES_KEY] = notices


def apply_preset(key: str, *, optimizers, presets) -> None:
    """Callback of the lesson picker: load the preset into every widget."""
    if key not in presets:
        return
    write_state(defaults_from_preset(presets[key], optimizers))


def remembered(key: str, default: float) -> float:
    """The last value a (now hidden) slider had, so re-selecting an optimizer keeps its settings."""
    return float(st.session_state.get(MEMORY_KEY, {}).get(key, default))


def remember(values: Mapping[str, float]) -> None:
    st.session_state.setdefault(MEMORY_KEY, {}).update({k: float(v) for k, v in values.items()})


def sync_url(state: PageState, *, optimizers, schedules) -> dict[str, Any]:
    """Make the address bar the canonical link of ``state`` (rewritten only on change)."""
    wanted = to_query(state, optimizers=optimizers, schedules=schedules)
    try:
        current = query_dict()
        norm = {k: (v if isinstance(v, list) else [v]) for k, v in wanted.items()}
        if current != norm:
            st.query_params.from_dict(wanted)
    except Exception:  # pragma: no cover
        pass
    st.session_state[LAST_QUERY_KEY] = wanted
    return wanted
