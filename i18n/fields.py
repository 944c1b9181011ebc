"""Text fields of objects built once per process and read by every session in its own language.

The registries (optimizers and their specs, schedules, surfaces) and the lesson presets are
built at import, while the language is per session. A `Rendered` dataclass field stores a `Msg`
(or a `Deferred`, or plain text, or a mapping or tuple of them) and writes it in the reader's
language on every read, so ``opt.label`` or ``surface.note`` stay plain strings for their callers.
"""

from __future__ import annotations

from collections import UserString
from dataclasses import dataclass
from typing import Callable, Iterator, Mapping

from . import Msg, t


@dataclass(frozen=True)
class Deferred:
    """Text built by a function when it is read (a LaTeX rule with words in it): ``render()``."""

    build: Callable[[], str]

    def render(self) -> str:
        return self.build()

    def __str__(self) -> str:
        return self.build()


class RenderedText(str):
    """The text of a `Msg` in one language that remembers the `Msg`: given back to a `Rendered`
    field (``dataclasses.replace`` copies fields by reading them), it stores the `Msg` again,
    so a copy still speaks every reader's language."""

    __slots__ = ("source",)

    def __new__(cls, text: str, source: object) -> "RenderedText":
        out = super().__new__(cls, text)
        out.source = source
        return out

    def __reduce__(self):
        return str, (str(self),)  # a pickled copy is plain text


def _source(value: object):
    """What a `Rendered` field stores for ``value``: the `Msg` behind rendered text."""
    if isinstance(value, RenderedText):
        return value.source
    if isinstance(value, Mapping):
        return {k: _source(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_source(v) for v in value)
    return value


def render(value: object):
    """A `Msg` or `Deferred`, or a mapping or tuple of them, as text in the current language
    (anything else as is)."""
    if isinstance(value, (Msg, Deferred)):
        return RenderedText(value.render(), value)
    if isinstance(value, Mapping):
        return {k: render(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(render(v) for v in value)
    return value


class Rendered:
    """A dataclass field of text for people, written in the reader's language when it is read.

    ``default`` is the field's dataclass default (none when omitted).
    """

    _NONE = object()

    def __init__(self, default: object = _NONE) -> None:
        self.default = default

    def __set_name__(self, owner: type, name: str) -> None:
        self.name, self.slot = name, f"_{name}_source"

    def __get__(self, obj: object, owner: type | None = None):
        if obj is None:
            if self.default is Rendered._NONE:
                raise AttributeError(self.name)  # a dataclass field without a default
            return self.default
        return render(obj.__dict__[self.slot])

    def __set__(self, obj: object, value: object) -> None:
        obj.__dict__[self.slot] = _source(value)


class LazyText(UserString):
    """A module-level catalog text (``MOMENTUM_CONVENTIONS``) that acts as a str in the current
    language: st.markdown, f-strings, ``in`` and str methods all see the rendered text."""

    def __init__(self, seq: object = "", *, key: str | None = None) -> None:
        self._key, self._text = key, str(seq)

    @property
    def data(self) -> str:  # type: ignore[override]
        return t(self._key) if self._key else self._text


class Words(Mapping[str, str]):
    """A fixed set of keys -> their words in the current language (``<prefix>.<key>``).

    A module-level table (verdicts, metrics, kinds of series) read like a dict by every session,
    each in its own language."""

    def __init__(self, prefix: str, keys: tuple[str, ...]) -> None:
        self._prefix, self._keys = prefix, tuple(keys)

    def __getitem__(self, key: str) -> str:
        if key not in self._keys:
            raise KeyError(key)
        return t(f"{self._prefix}.{key}")

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


__all__ = ["Deferred", "Rendered", "RenderedText", "render", "LazyText", "Words"]
