"""The lesson pages' links: Streamlit's bound widgets, checked first so a bad value gets a notice.

Why the URL: a teacher shares one link and every student's screen opens on the same β, batch
size or sweep. On the lesson pages one widget is one URL key, so the widgets carry
``bind="query-params"`` (``BIND``) and Streamlit reads and writes the address bar itself,
including Back/Forward. The widget's key is the parameter's name: every lesson key starts with
its page's prefix (``ewma_``, ``sched_``, ``mb_``, ``sw_``), so none can collide with a Compare
page key (``surface``, ``seed``, ``steps`` …, see ``ui.url_state.KNOWN_KEYS``) in session state
or in the address bar.

Why a check before each widget: Streamlit silently drops a bound value it cannot use (``beta=7``
outside the slider, ``opt=nope``). Links get hand-edited and truncated in chat apps, so a bad
value must clamp or fall back *with a visible notice*. ``LessonUrl`` reads the raw value with
the shared readers (``ui.url_state.read_number``/``read_choice``, one wording, values shown
through ``quote``), and when Streamlit would drop it, puts the clamped or default value in the
widget's session state so the widget opens on it. It also maps a link's old names (``beta``,
``seed``, ``s_gamma`` … from before the bindings) onto the new keys once, so old links still
open the page they describe.

Usage in a page::

    url = LessonUrl(legacy={"beta": "ewma_beta"})
    url.number("ewma_beta", 0.98, 0.5, 0.999)       # before the widget
    url.show_notices()
    beta = st.slider("β", 0.5, 0.999, 0.98, key="ewma_beta", bind=BIND)
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import streamlit as st

import i18n
from i18n import t, text
from lessons.link_values import quote, read_choice, read_number
from lessons.grids import format_number, slider_options, snap

#: Streamlit's binding mode: the widget's key is its URL parameter.
BIND = "query-params"


class LessonUrl:
    """Checks the link's value of each bound widget before the widget reads it."""

    def __init__(self, legacy: Mapping[str, str] | None = None, keep: Sequence[str] = ()) -> None:
        self.notices: list[str] = []
        self.params = _params()
        self.legacy: dict[str, Any] = {}  # new key -> raw value found under its old name
        self.names: dict[str, str] = {}  # new key -> the old name the link used (for notices)
        for old, new in (legacy or {}).items():
            self.rename(old, new)
        self.drop_compare_keys(keep)

    def drop_compare_keys(self, keep: Sequence[str] = ()) -> None:
        """Take the Compare page's keys out of this page's address (all but ``keep``).

        Why: leaving Compare, Streamlit's frontend pushes the old page's path with the new
        page's query, so Back from Compare lands here with Compare's race in the address bar
        (``/sweep?surface=…&opt=…``): a link copied then would carry both. This page's own keys
        carry its prefix, so a Compare key here is always a stray one."""
        from lessons.race_link import KNOWN_KEYS

        compare_only = KNOWN_KEYS | {"preset", "clouds", "ghost", "view"}  # the app-wide keys stay
        for key in [k for k in self.params if k not in keep and (k in compare_only or "." in k)]:
            self.params.pop(key, None)
            try:
                del st.query_params[key]
            except Exception:  # pragma: no cover - no session (bare script)
                pass

    def rename(self, old: str, new: str) -> None:
        """Read a link's old name ``old`` as ``new`` (once; the old name leaves the address bar)."""
        raw = self.params.pop(old, None)
        if raw is None:
            return
        try:
            del st.query_params[old]
        except Exception:  # pragma: no cover - no session (bare script)
            pass
        if new not in self.params:
            self.params[new] = raw
            self.legacy[new] = raw
            self.names[new] = old

    def rename_pair(self, old_low: str, old_high: str, new: str) -> None:
        """Read an old ``<hyper>_lo``/``<hyper>_hi`` pair as the range slider ``new``."""
        low, high = self.params.pop(old_low, None), self.params.pop(old_high, None)
        for old in (old_low, old_high):
            try:
                if old in st.query_params:
                    del st.query_params[old]
            except Exception:  # pragma: no cover
                pass
        if (low is not None or high is not None) and not _all(new):
            self.legacy[new] = [low if low is not None else "", high if high is not None else ""]

    # -- checks, one per widget kind; each returns the value the widget opens on ------------
    def number(self, key: str, default: float, low: float, high: float, *, integer: bool = False,
               options: Sequence[float] | None = None, log: bool = False) -> float:
        """A number (snapped to ``options`` for a select-slider), clamped into [low, high]."""
        raw = self.params.get(key)
        if raw is None:
            return st.session_state.get(key, default)
        before = len(self.notices)
        name = self.names.get(key, key)
        value = read_number(self.params, key, default, low, high, self.notices, integer=integer, label=name)
        if options is not None and len(self.notices) == before:
            snapped = snap(value, options, log)
            if format_number(snapped) != format_number(value):
                self.notices.append(t("ui_misc.link.between", name=name, raw=quote(raw), value=format_number(snapped)))
            value = snapped
        exact = options is None or raw == format_number(value)
        if options is None:  # a select-slider's value must be the option itself (50, not 50.0)
            value = int(value) if integer else float(value)
        return self._seed(key, value, len(self.notices) > before or not exact, format_number(value), default)

    def spec(self, key: str, spec, default: float, *, high: float | None = None) -> float:
        """The value of ``ui.lesson_common.spec_slider(spec, default)``: the same grid, the same ends."""
        if getattr(spec, "integer", False):
            return self.integer(key, int(default), int(spec.low), int(high if high is not None else spec.high))
        return self.number(key, default, float(spec.low), float(spec.high),
                           options=slider_options(spec, extra=[default]), log=spec.log)

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        return int(self.number(key, default, low, high, integer=True))

    def choice(self, key: str, options: Sequence[Any], default: Any, label: Callable[[Any], str] = str) -> Any:
        """One of ``options``: its key (case-insensitive) or its label as shown; else the default."""
        raw = self.params.get(key)
        if raw is None:
            return st.session_state.get(key, default)
        by_label = {str(label(o)): o for o in options}
        if raw in by_label:  # what Streamlit itself writes: the widget's label
            return self._seed(key, by_label[raw], False, raw, default)
        for lang in i18n.LANGUAGES:  # a link made in another language carries that language's label,
            with i18n.language(lang):  # which Streamlit would drop: the widget is given its option
                other = {str(label(o)): o for o in options}
            if raw in other:
                return self._seed(key, other[raw], True, label(other[raw]), default)
        value = read_choice(self.params, key, list(options), default, self.notices, label=self.names.get(key))
        return self._seed(key, value, True, label(value), default)

    def pair(self, key: str, options: Sequence[float], default: tuple[float, float], *, log: bool = False
             ) -> None:
        """A range select-slider's two ends (a repeated key).

        Streamlit keeps the ends that are slider values and drops the others: each dropped end
        gets a notice. Old ``_lo``/``_hi`` links (no bound key yet) are snapped, as they always were.
        """
        texts = {format_number(o) for o in options}
        if key in self.legacy:
            ends = [snap(v, options, log) for v in (
                read_number({key: raw}, key, d, options[0], options[-1], self.notices) for raw, d in zip(self.legacy[key], default))]
            ends = tuple(ends) if ends[0] < ends[1] else tuple(default)
            self._seed(key, ends, True, [format_number(e) for e in ends], tuple(default))
            return
        for raw in _all(key):
            if raw not in texts:
                self.notices.append(t("ui_misc.link.not_a_value", name=key, raw=quote(raw)))

    def _seed(self, key: str, value: Any, needed: bool, text: Any, default: Any) -> Any:
        """Give the widget ``value`` when Streamlit cannot take it from the link itself.

        The value also goes into the address bar at once (Streamlit leaves out defaults), so
        the link on screen reproduces the page before anything is touched. That write is only
        possible before the widget first binds the key in this session; later Streamlit writes
        the value itself on the next rerun.
        """
        if (needed or key in self.legacy) and key not in st.session_state:
            st.session_state[key] = value
            if text is not None and value != default:
                try:
                    st.query_params[key] = text
                except Exception:  # already bound in this session, or no session
                    pass
        return value

    def write(self, values: Mapping[str, str], drop: Sequence[str] = ()) -> None:
        """Keys that are no single widget's (a custom formula with its range, a clicked map cell):
        put ``values`` in the address bar and remove ``drop``, only when something changes."""
        try:
            changed = {k: v for k, v in values.items() if st.query_params.get(k) != v}
            if changed:
                st.query_params.update(changed)
            for k in drop:
                if k in st.query_params:
                    del st.query_params[k]
        except Exception:  # pragma: no cover - no session (bare script)
            pass

    def show_notices(self) -> None:
        """Show every fallback once, as a quiet notice at the top of the page."""
        if self.notices:
            st.info(t("ui_misc.link.unusable") + "\n\n" + "\n".join(f"- {text(n)}" for n in self.notices))


def _params() -> dict[str, str]:
    """All query parameters as ``{key: last value}`` (for the shared pure readers)."""
    try:
        return {k: st.query_params.get(k) for k in st.query_params.keys()}
    except Exception:  # pragma: no cover - query params unavailable (bare script)
        return {}


def _all(key: str) -> list[str]:
    try:
        return list(st.query_params.get_all(key))
    except Exception:  # pragma: no cover
        return []
