"""A stand-in container for the inside of a closed (lazy) expander: it draws nothing.

Why: every element costs one Streamlit process work on every rerun of every student, and each
browser a re-render, so a class's server pays for every hidden slider; yet the race still needs the values of the controls a closed
expander hides. The control builders in ``ui.controls`` take the container to draw in; given
``FOLDED`` they run unchanged, and each widget call returns the value held in session state
(which the builders seed before drawing, from the link, a preset or the last slider position).

The value is written back under the widget's key, so it outlives the run in which its widget
is not drawn (Streamlit drops the state of widgets that are not drawn) and the widget shows it
again when the expander opens.
"""

from __future__ import annotations

from typing import Any, Sequence

import streamlit as st


class _Folded:
    """Widget calls return session-state values; display calls are no-ops."""

    def _value(self, key: str | None, default: Any) -> Any:
        if key is None:
            return default
        value = st.session_state.get(key, default)
        st.session_state[key] = value
        return value

    def selectbox(self, label: str, options: Sequence[Any], index: int | None = 0, *, key: str | None = None,
                  **_: Any) -> Any:
        options = list(options)
        default = options[index] if index is not None and options else None
        value = self._value(key, default)
        return value if value in options else default

    def select_slider(self, label: str, options: Sequence[Any] = (), value: Any = None, *, key: str | None = None,
                      **_: Any) -> Any:
        options = list(options)
        return self._value(key, value if value is not None else (options[0] if options else None))

    def toggle(self, label: str, value: bool = False, *, key: str | None = None, **_: Any) -> bool:
        return bool(self._value(key, value))

    def _nothing(self, *_: Any, **__: Any) -> None:
        return None

    latex = caption = markdown = error = _nothing

    def empty(self) -> "_Folded":
        return self


#: Pass as ``container=`` to a control builder whose expander is closed.
FOLDED = _Folded()


def inside(expander):
    """Where a lazy expander's content goes: a container in it when open, else `FOLDED`.

    ``expander`` was made with ``key=`` and ``on_change="rerun"``, which gives it ``.open``.
    """
    return FOLDED if expander.open is False else expander.container()
