"""Every sentence the app shows, in English and in Chinese: `t(key, **values)`.

The language is per session, never per process: a process-wide ``gettext.install`` or a language
read once at start-up would give every student the same one. `current()` is, in this order, the
language set for this thread (`use` / `language`, which tests, the export and app.py's run
use), else what the registered resolver says (the UI registers one that reads the visitor's
Streamlit session, so a fragment's rerun in a fresh thread still speaks the visitor's language),
else English. Nothing here imports Streamlit: the engine's sentences are translated too.

Numbers go into templates as numbers: `t` writes them with the app's prose formatter
(`numbers.short_number`), ``{x:link}`` with the link formatter, ``{x:pct}`` as a percentage; a
sentence is never translated after a number was written into it.

Engine results that are cached across sessions carry `Msg` values (a key and its values), not
text: each session renders them in its own language.
"""

from __future__ import annotations

import contextvars
import string
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from .catalog import DEFAULT_LANGUAGE, LANGUAGE_NAMES, LANGUAGES, area, catalog, placeholders
from .numbers import format_number, percent, short_number

_LANG: contextvars.ContextVar[str | None] = contextvars.ContextVar("descent_language", default=None)
_resolver: Callable[[], str | None] | None = None
#: Raise on a missing key instead of falling back (tests turn it on; visitors never see a KeyError).
STRICT = False


def set_resolver(resolver: Callable[[], str | None] | None) -> None:
    """Where `current` asks when no language was set for this thread (the UI's session reader)."""
    global _resolver
    _resolver = resolver


def use(lang: str) -> None:
    """Speak ``lang`` for the rest of this thread's work (app.py calls it at the top of each run)."""
    _LANG.set(normalize(lang) or DEFAULT_LANGUAGE)


@contextmanager
def language(lang: str) -> Iterator[None]:
    """Speak ``lang`` inside the block (tests, the offline export, a benchmark)."""
    token = _LANG.set(normalize(lang) or DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        _LANG.reset(token)


def current() -> str:
    """The language of the sentence being written now."""
    lang = _LANG.get()
    if lang is None and _resolver is not None:
        try:
            lang = _resolver()
        except Exception:  # no session (a bare script, a worker thread): the default
            lang = None
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def normalize(value: Any) -> str | None:
    """A language code from a link or a browser: "zh", "zh-CN", "zh_Hans" -> "zh"; "en-GB" -> "en"."""
    if not isinstance(value, str) or not value.strip():
        return None
    head = value.strip().replace("_", "-").split("-")[0].lower()
    return head if head in LANGUAGES else None


class _Formatter(string.Formatter):
    def format_field(self, value: Any, spec: str) -> str:
        if isinstance(value, Msg):
            return value.render()
        if spec == "link":
            return format_number(value)
        if spec == "pct":
            return percent(value)
        if spec.startswith("sig"):  # {x:sig2}: two significant digits
            return short_number(value, int(spec[3:] or 3))
        if spec == "" and isinstance(value, float):
            return short_number(value)
        return super().format_field(value, spec)


_FORMATTER = _Formatter()


def template(key: str, lang: str | None = None) -> str:
    """The raw template of ``key`` in ``lang`` (the current language by default)."""
    lang = lang or current()
    text = catalog(lang).get(key)
    if text is None:
        if STRICT:
            raise KeyError(f"no text for {key!r} in {lang!r}")
        text = catalog(DEFAULT_LANGUAGE).get(key, key)
    return text


def t(key: str, /, lang: str | None = None, **values: Any) -> str:
    """The sentence ``key`` in the current language (or ``lang``), its placeholders filled."""
    text = template(key, lang)
    return _FORMATTER.vformat(text, (), values) if values else text


def tn(key: str, n: int, /, lang: str | None = None, **values: Any) -> str:
    """A sentence that depends on a count: ``key.one`` for n = 1, else ``key.other`` (``n`` is a value)."""
    return t(f"{key}.{'one' if n == 1 else 'other'}", lang, n=n, **values)


@dataclass(frozen=True)
class Msg:
    """A sentence not yet written: its key and values. Hashable, so cached results can hold it.

    ``str(msg)`` and f-strings write it in the current language; nested `Msg` values are
    written in the same language.
    """

    key: str
    values: tuple[tuple[str, Any], ...] = ()
    count: int | None = None

    @classmethod
    def of(cls, key: str, /, **values: Any) -> "Msg":
        return cls(key, tuple(sorted(values.items())))

    @classmethod
    def plural(cls, key: str, n: int, /, **values: Any) -> "Msg":
        return cls(key, tuple(sorted(values.items())), int(n))

    def render(self, lang: str | None = None) -> str:
        if self.count is not None:
            return tn(self.key, self.count, lang, **dict(self.values))
        return t(self.key, lang, **dict(self.values))

    def __str__(self) -> str:
        return self.render()

    def __format__(self, spec: str) -> str:
        return format(self.render(), spec)

    # Read like the text it stands for (``"0.5" in msg``, ``len(msg)``), in the current language.
    def __contains__(self, part: str) -> bool:
        return part in self.render()

    def __len__(self) -> int:
        return len(self.render())


def text(value: Any, lang: str | None = None) -> str:
    """A `Msg` or plain text as text (for code that accepts either)."""
    return value.render(lang) if isinstance(value, Msg) else str(value)


__all__ = ["LANGUAGES", "LANGUAGE_NAMES", "DEFAULT_LANGUAGE", "STRICT", "Msg", "t", "tn", "text", "template",
           "current", "use", "language", "normalize", "set_resolver", "catalog", "area", "placeholders",
           "short_number", "format_number", "percent"]
