"""URL state for the lesson pages: read, validate, fall back with a notice, write back.

Why the URL: a teacher shares one link and every student's screen opens on the same β, batch
size or sweep. Why validation here: links get hand-edited and truncated in chat apps, so a bad
value must clamp or fall back to the default *with a visible notice*, never a traceback.

Usage in a page::

    url = LessonUrl("ewma")
    beta = url.number("beta", default=0.98, low=0.5, high=0.999)
    ...widgets use these values as their initial values...
    url.write(beta=slider_value)   # keep the address bar in sync with the widgets
    url.show_notices()
"""

from __future__ import annotations

from typing import Any, Sequence

import streamlit as st

from ui.url_state import quote, read_choice, read_flag, read_number
from ui.values import format_number


class LessonUrl:
    """Typed, validated access to ``st.query_params`` for one page."""

    def __init__(self, page: str) -> None:
        self.page = page
        self.notices: list[str] = []

    # -- reading -------------------------------------------------------------------------
    def _raw(self, key: str) -> str | None:
        try:
            value = st.query_params.get(key)
        except Exception:  # pragma: no cover - query params unavailable (bare script)
            return None
        return None if value in (None, "") else str(value)

    def number(self, key: str, default: float, low: float, high: float, *, integer: bool = False) -> float:
        """A number from the URL, clamped into [low, high]; the default when unreadable."""
        value = read_number(self.params(), key, default, low, high, self.notices, integer=integer)
        return int(value) if integer else value

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        return int(self.number(key, default, low, high, integer=True))

    def choice(self, key: str, options: Sequence[str], default: str) -> str:
        """One of ``options`` (case-insensitive match), else the default with a notice."""
        return read_choice(self.params(), key, list(options), default, self.notices)

    def flag(self, key: str, default: bool) -> bool:
        return read_flag(self.params(), key, default, self.notices)

    def text(self, key: str, default: str = "", max_len: int = 300) -> str:
        raw = self._raw(key)
        if raw is None:
            return default
        if len(raw) > max_len:
            self.notices.append(f"{quote(key)} is longer than {max_len} characters; using the default.")
            return default
        return raw

    # -- writing -------------------------------------------------------------------------
    def write(self, **values: Any) -> None:
        """Put the current widget values in the address bar (only when they changed)."""
        wanted = {k: _fmt(v) for k, v in values.items() if v is not None}
        try:
            current = {k: st.query_params.get(k) for k in wanted}
            if current != wanted:
                st.query_params.update(wanted)
        except Exception:  # pragma: no cover
            pass

    def drop_stale(self, prefix: str, keep: Sequence[str]) -> None:
        """Remove ``prefix*`` parameters not in ``keep`` (e.g. a previous schedule's sliders)."""
        try:
            for k in [k for k in st.query_params.keys() if k.startswith(prefix) and k not in keep]:
                del st.query_params[k]
        except Exception:  # pragma: no cover
            pass

    def drop(self, *keys: str) -> None:
        """Remove these parameters from the address bar (settings the page no longer uses)."""
        try:
            for k in keys:
                if k in st.query_params:
                    del st.query_params[k]
        except Exception:  # pragma: no cover
            pass

    def params(self) -> dict[str, str]:
        """All query parameters as ``{key: last value}`` (for the shared pure parsers)."""
        try:
            return {k: st.query_params.get(k) for k in st.query_params.keys()}
        except Exception:  # pragma: no cover - query params unavailable (bare script)
            return {}

    def show_notices(self) -> None:
        """Show every fallback once, as a quiet notice at the top of the page."""
        if self.notices:
            st.info("Some values in the link were not usable:\n\n" + "\n".join(f"- {n}" for n in self.notices))


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        return format_number(value)
    return str(value)
