"""The Compare page's state: a `Race` plus how it is viewed, as a link and back.

Why pure (no Streamlit): every bad link must fall back or clamp with a notice, never a
traceback, and keeping this a function of a dict makes the whole table of bad inputs a fast
unit test. The race's own keys (surface, opt, steps, x0, y0, noise, seed, clip,
``<opt>.<hyper>``, sched, ``sched.<param>``) are ``lessons.race_link.RACE_KEYS``; this module
adds the page's view keys on top, in one more table walked by the same reader and writer::

    preset=<lesson>  (the base: the lesson's race first, every other key on top)
    clouds=32  ghost=1  view=overlay|3d  mode=predict  projector=1

The writer puts ``preset`` in the link only while the page still shows exactly that lesson, so
a link is always exact. Without a preset, a hyperparameter the link does not name is the
optimizer's (PyTorch) default.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping

from i18n import LANGUAGES, normalize, t
from lessons.grids import snap
from lessons.link_values import IGNORED_KEYS, last, quote, read_flag, read_number
from lessons.presets import DEFAULT_PRESET, PRESETS_BY_KEY, Preset
from lessons.race import Race
from lessons.race_link import KNOWN_KEYS as RACE_LINK_KEYS
from lessons.race_link import parse_race, race_query

VIEWS = ("side", "overlay", "3d")
#: Page modes a link may ask for: watch the race, or predict first (``mode=predict``).
MODES = ("watch", "predict")
#: Noise clouds: seeded runs per optimizer (the slider's values; 0 = off).
CLOUD_RUNS = (8, 16, 24, 32, 48, 64, 96, 128)
DEFAULT_CLOUD_RUNS = 32


@dataclass(frozen=True)
class PageState:
    """Everything that determines the Compare page's picture: the race and how it is shown."""

    race: Race
    #: The lesson preset the page shows exactly (None once a setting differs from it).
    preset: str | None = None
    view: str = "side"
    #: Also draw each run with a constant lr, faint (only meaningful with a schedule).
    ghost: bool = False
    #: Seeded runs per noise cloud (0: no clouds; only meaningful with noise > 0).
    clouds: int = 0
    mode: str = "watch"
    #: Projector mode (app.py's toggle, one switch for every page): in the link so that a reload
    #: or a link shared from the projector opens large again.
    projector: bool = False
    #: The visit's language when the link carries it (``ui.language.link_language``; None: the
    #: recipient's browser decides).
    lang: str | None = None

    def with_race(self, race: Race) -> "PageState":
        """The same view of another race; the preset's name stays only while it still applies."""
        keep = self.preset is not None and same_as_preset(race, PRESETS_BY_KEY[self.preset])
        return replace(self, race=race, preset=self.preset if keep else None)


def state_of(preset: Preset, **view: Any) -> PageState:
    """The page showing lesson ``preset`` (its race, its view)."""
    return PageState(race=preset.race, preset=preset.key, view=preset.view, ghost=preset.ghost, **view)


def same_as_preset(race: Race, preset: Preset) -> bool:
    """True when ``race`` is exactly ``preset``'s race (so the link may carry its name)."""
    return race == preset.race


# --------------------------------------------------------------------------- view keys


@dataclass(frozen=True)
class ViewKey:
    """One of the page's view keys: how it is read into a state and written back."""

    name: str
    read: Callable[[PageState, Mapping[str, Any], list[str]], PageState]
    write: Callable[[PageState, dict[str, Any]], None]


def _read_choice(name: str, options: tuple[str, ...]):
    def read(state: PageState, params: Mapping[str, Any], notices: list[str]) -> PageState:
        raw = last(params, name)
        if raw is None:
            return state
        if raw not in options:
            notices.append(t("links.unknown_choice", name=name, raw=quote(raw), current=getattr(state, name)))
            return state
        return replace(state, **{name: raw})

    return read


def _read_ghost(state: PageState, params: Mapping[str, Any], notices: list[str]) -> PageState:
    return replace(state, ghost=read_flag(params, "ghost", state.ghost, notices))


def _read_projector(state: PageState, params: Mapping[str, Any], notices: list[str]) -> PageState:
    return replace(state, projector=read_flag(params, "projector", state.projector, notices))


def _read_lang(state: PageState, params: Mapping[str, Any], notices: list[str]) -> PageState:
    raw = last(params, "lang")
    if raw is None:
        return state
    lang = normalize(raw)
    if lang is None:
        notices.append(t("links.unknown_language", value=quote(raw), choices=", ".join(LANGUAGES)))
    return replace(state, lang=lang)


def _read_clouds(state: PageState, params: Mapping[str, Any], notices: list[str]) -> PageState:
    """Noise clouds: a slider value, and only with gradient noise (else every seed is one path)."""
    if last(params, "clouds") is None:
        return state
    runs = read_number(params, "clouds", 0, 0, CLOUD_RUNS[-1], notices, integer=True)
    clouds = int(snap(runs, CLOUD_RUNS)) if runs > 0 else 0
    if clouds and clouds != runs:
        notices.append(t("links.clouds_between", runs=runs, clouds=clouds))
    if clouds and state.race.noise == 0:
        notices.append(t("links.clouds_need_noise"))
        clouds = 0
    return replace(state, clouds=clouds)


def _write_if(name: str, when: Callable[[PageState], bool], text: Callable[[PageState], str]):
    def write(state: PageState, query: dict[str, Any]) -> None:
        if when(state):
            query[name] = text(state)

    return write


#: The page's view keys, read after the race (clouds depend on its noise).
VIEW_KEYS: tuple[ViewKey, ...] = (
    ViewKey("clouds", _read_clouds, _write_if("clouds", lambda s: bool(s.clouds and s.race.noise > 0),
                                              lambda s: str(s.clouds))),
    ViewKey("ghost", _read_ghost, _write_if("ghost", lambda s: s.ghost and s.race.schedule != "constant",
                                            lambda s: "1")),
    ViewKey("view", _read_choice("view", VIEWS), _write_if("view", lambda s: s.view != "side", lambda s: s.view)),
    ViewKey("mode", _read_choice("mode", MODES), _write_if("mode", lambda s: s.mode != "watch", lambda s: s.mode)),
    ViewKey("projector", _read_projector, _write_if("projector", lambda s: s.projector, lambda s: "1")),
    ViewKey("lang", _read_lang, _write_if("lang", lambda s: s.lang is not None, lambda s: s.lang)),
)
#: Keys of the whole app (app.py reads them on every page): they say nothing about the race, so a
#: link with only these opens the landing lesson like a bare link.
APP_KEYS = frozenset({"projector", "lang"})
#: Every plain key the Compare page reads (``<opt>.<hyper>`` and ``sched.<param>`` on top).
KNOWN_KEYS = frozenset(RACE_LINK_KEYS | {"preset"} | {k.name for k in VIEW_KEYS})


def _base(params: Mapping[str, Any], notices: list[str]) -> PageState:
    """The state a link starts from: the lesson it names, else the landing lesson.

    A link with settings but no lesson starts from the landing race at PyTorch's defaults:
    the landing lesson's tuned values would be a surprise nobody can see in the link.
    """
    raw = last(params, "preset")
    if raw is not None and raw in PRESETS_BY_KEY:
        return state_of(PRESETS_BY_KEY[raw])
    if raw is not None:
        notices.append(t("links.unknown_lesson", raw=quote(raw)))
    landing = state_of(PRESETS_BY_KEY[DEFAULT_PRESET])
    if not any(k not in IGNORED_KEYS and k not in APP_KEYS for k in params):
        return landing  # the landing page is the default lesson, shown as such
    return PageState(race=landing.race.with_(optimizers=landing.race.opts))


def parse_query(params: Mapping[str, Any]) -> tuple[PageState, list[str]]:
    """Validate a link into a complete `PageState` plus human-readable notices; never raises.

    ``params`` maps keys to a string or a list of strings (repeated keys).
    """
    params = {str(k): v for k, v in params.items()}
    notices: list[str] = []
    state = _base(params, notices)
    state = state.with_race(parse_race(params, state.race, notices))
    for key in VIEW_KEYS:
        state = key.read(state, params, notices)
    for key in params:  # anything else is reported once
        if key not in KNOWN_KEYS and key not in IGNORED_KEYS and "." not in key:
            notices.append(t("links.unknown_setting", raw=quote(key)))
    return state, notices


def to_query(state: PageState) -> dict[str, Any]:
    """The canonical link of ``state``: preset (while exact), the race's keys, the view keys."""
    query: dict[str, Any] = {"preset": state.preset} if state.preset else {}
    query.update(race_query(state.race))
    for key in VIEW_KEYS:
        key.write(state, query)
    return query


__all__ = ["PageState", "APP_KEYS", "VIEWS", "MODES", "CLOUD_RUNS", "DEFAULT_CLOUD_RUNS", "KNOWN_KEYS", "state_of",
           "same_as_preset", "parse_query", "to_query"]
