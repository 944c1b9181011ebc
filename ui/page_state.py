"""The Compare page's one store, its widgets' keys, and the one writer of its address bar.

The store (`CompareStore`, one object in ``st.session_state``, not a widget key, so it outlives
page switches) holds the page's `PageState` (a `Race` plus its view), the lesson whose box is
shown, the settings of optimizers taken out of the race (so re-adding one keeps them) and the
link's notices. Flow of one run of the page:

1. ``load``: when the page (re)appears (Streamlit drops widget state when a visitor moves to
   another page) the store is read from the link if the link names a race (a "Compare preset"
   link, Back/Forward to a Compare address) or if there is no store yet; otherwise the store
   keeps the race last shown, so leaving Compare never wipes it. The widgets are then seeded
   from the store (``show``);
2. every widget reads its value from its key (``widget_key``) and the page assembles the new
   state from them; ``commit`` writes it back into the store and makes the address bar its
   canonical link (mode included), rewriting it only when it differs;
3. a lesson preset, a click on the map or Tune change the store and the widgets in a widget
   callback (callbacks run before the script, the only moment widget values may be changed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import streamlit as st

from i18n import t
from lessons.presets import PRESETS_BY_KEY
from lessons.race import DEFAULT_BOUNDS, DEFAULT_FORMULA
from lessons.race_link import BOUND_KEYS

from .url_state import DEFAULT_CLOUD_RUNS, PageState, parse_query, state_of, to_query

STORE_KEY = "_compare"
#: The views the view control offers (its values: they go into links, the same in every language).
VIEWS_SHOWN = ("side", "overlay", "3d")


def view_label(view: str) -> str:
    """What the view control shows for ``view``, in the current language."""
    return t(f"ui_misc.view.{view}") if view in VIEWS_SHOWN else str(view)


def __getattr__(name: str):
    """``VIEW_LABELS`` (view -> label) as it was, written in the current language when read."""
    if name == "VIEW_LABELS":
        return {view: view_label(view) for view in VIEWS_SHOWN}
    raise AttributeError(name)  # i18n: internal
#: Keys only a link to a race carries (every canonical Compare link has ``surface`` and ``opt``).
RACE_LINK_KEYS = frozenset({"preset", "surface", "opt"})


def widget_key(name: str, *parts: str) -> str:
    """The session-state key of a Compare widget: ``surface``, ``steps`` … or, for a family,
    ``hp.<optimizer>.<hyperparameter>`` and ``sched.<parameter>``. The one place keys are formed."""
    if name == "hyper":
        return "hp." + ".".join(parts)
    return ".".join((name, *parts))


#: The widget whose state tells "the page's widgets are alive" (dropped on a page switch).
MOUNTED_KEY = widget_key("surface")
LESSON_KEY = widget_key("lesson")
PREDICT_KEY = widget_key("predict_first")


@dataclass
class CompareStore:
    state: PageState
    #: The lesson whose box is shown (it stays, marked as changed, while its surface is on screen).
    lesson: str | None = None
    #: optimizer -> its hyperparameters, kept while it is out of the race.
    memory: dict[str, dict[str, float]] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    #: The race the player last reported a step for, and that step (its scrubber).
    last_step: tuple[Any, int] | None = None
    #: The step a newly mounted player starts at: the last step, when the page reappears with the
    #: race it was reported for (Streamlit remounts the player after a page switch).
    resume_step: int = 0


def names_a_race(params: Mapping[str, Any]) -> bool:
    """True when a query describes a race; else it is a page switch, not a link to follow.

    Why not "any Compare key": switching pages, Streamlit's frontend briefly pushes the new
    page's path with the old page's query, so Back can land on Compare with a lesson's query.
    """
    return any(str(k) in RACE_LINK_KEYS for k in params)


def query_dict() -> dict[str, list[str]]:
    """``st.query_params`` as ``{key: [values...]}`` (repeated keys kept)."""
    qp = st.query_params
    return {k: qp.get_all(k) for k in qp.keys()}


def store() -> CompareStore:
    """The page's store (made from the link on first use)."""
    found = st.session_state.get(STORE_KEY)
    if found is None:
        state, notices = parse_query(query_dict())
        found = CompareStore(state, lesson=_named_lesson(state), notices=notices)
        st.session_state[STORE_KEY] = found
    return found


def _named_lesson(state: PageState) -> str | None:
    """The lesson a link named, even with some settings changed (its box and question stay)."""
    try:
        raw = st.query_params.get("preset")
    except Exception:  # pragma: no cover - bare script
        raw = None
    return state.preset or (raw if raw in PRESETS_BY_KEY else None)


def load() -> CompareStore:
    """Seed the widgets from the store whenever the page (re)appears; read a link to a race."""
    if MOUNTED_KEY in st.session_state and STORE_KEY in st.session_state:
        return st.session_state[STORE_KEY]
    params = query_dict()
    if names_a_race(params) or STORE_KEY not in st.session_state:
        st.session_state.pop(STORE_KEY, None)
    s = store()
    s.resume_step = s.last_step[1] if s.last_step is not None and s.last_step[0] == s.state.race else 0
    show(s.state, lesson=s.lesson)
    return s


def player_step(step: int) -> None:
    """The player's scrubber stopped at ``step`` of the race last shown (kept for a return visit)."""
    s = store()
    s.last_step = (s.state.race, int(step))


def show(state: PageState, *, lesson: str | None) -> None:
    """Put ``state`` into the store and into every widget's key (before the widgets are drawn)."""
    s = store()
    s.state, s.lesson = state, lesson
    race, ss = state.race, st.session_state
    ss[widget_key("surface")] = race.surface
    ss[widget_key("opts")] = list(race.opts)
    ss[widget_key("steps")] = race.steps
    ss[widget_key("x0")], ss[widget_key("y0")] = race.start
    ss[widget_key("noise")] = race.noise
    ss[widget_key("seed")] = race.seed
    for opt_key, values in race.optimizers:
        s.memory[opt_key] = dict(values)
        for name, value in values:
            ss[widget_key("hyper", opt_key, name)] = value
    ss[widget_key("sched")] = race.schedule
    for name, value in race.schedule_params:
        ss[widget_key("sched", name)] = value
    ss[widget_key("clip")] = race.clip
    ss[widget_key("ghost")] = state.ghost
    ss[widget_key("view")] = state.view
    if race.is_custom:
        ss[widget_key("formula")] = race.formula
        for key, value in zip(BOUND_KEYS, (*race.bounds[0], *race.bounds[1])):
            ss[widget_key(key)] = value
    if state.clouds or widget_key("cloud") not in ss:  # a lesson preset leaves the clouds as they are
        ss[widget_key("cloud")] = bool(state.clouds)
        ss[widget_key("cloud_runs")] = int(state.clouds or ss.get(widget_key("cloud_runs"), DEFAULT_CLOUD_RUNS))
    ss[PREDICT_KEY] = state.mode == "predict"
    ss[LESSON_KEY] = lesson


def apply_preset(key: str) -> None:
    """Callback of the lesson picker and the restore button: load the lesson into every widget."""
    if key in PRESETS_BY_KEY:
        current = store().state
        show(state_of(PRESETS_BY_KEY[key], clouds=current.clouds, mode=current.mode), lesson=key)


def remembered(opt_key: str) -> dict[str, float]:
    """The settings an optimizer had when it was last in the race (empty: its defaults)."""
    return dict(store().memory.get(opt_key, {}))


def set_hyper(opt_key: str, name: str, value: float) -> None:
    """Move one hyperparameter's slider (from a callback: Tune, undo)."""
    st.session_state[widget_key("hyper", opt_key, name)] = float(value)
    store().memory.setdefault(opt_key, {})[name] = float(value)


def forget_lesson() -> None:
    """Another surface is another race: the previous lesson's box (and its preset) no longer applies."""
    store().lesson = None
    st.session_state[LESSON_KEY] = None


def commit(state: PageState) -> dict[str, Any]:
    """Write the page's state back into the store and make the address bar its canonical link."""
    s = store()
    s.state = state
    for opt_key, values in state.race.optimizers:
        s.memory[opt_key] = dict(values)
    wanted = to_query(state)
    wanted.update(st.session_state.get(EXTRA_LINK_KEY) or {})
    try:
        norm = {k: (v if isinstance(v, list) else [v]) for k, v in wanted.items()}
        if query_dict() != norm:
            st.query_params.from_dict(wanted)
    except Exception:  # pragma: no cover - bare script without a session
        pass
    return wanted


#: Keys another feature keeps in Compare's link beside the race (the live class's ``room``).
EXTRA_LINK_KEY = "_compare_link_extra"


def keep_in_link(key: str, value: str | None) -> None:
    """Keep ``key=value`` in Compare's address bar (None: drop it); ``commit`` writes it with the race.

    Why: the live class's join link is ``?room=<code>``, and a student's reload (or a restarted
    server) must find the room again in the link, while ``commit`` rewrites the whole link."""
    extra = dict(st.session_state.get(EXTRA_LINK_KEY) or {})
    if value is None:
        extra.pop(key, None)
    else:
        extra[key] = str(value)
    st.session_state[EXTRA_LINK_KEY] = extra


def take_notices() -> list[str]:
    """The link's notices, once."""
    s = store()
    notices, s.notices = s.notices, []
    return notices


__all__ = ["CompareStore", "STORE_KEY", "view_label", "widget_key", "load", "show", "apply_preset", "remembered",
           "set_hyper", "forget_lesson", "player_step", "commit", "keep_in_link", "take_notices", "names_a_race", "query_dict", "DEFAULT_FORMULA",
           "DEFAULT_BOUNDS"]
