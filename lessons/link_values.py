"""Reading values from a link, safely: one rule for what a usable number, flag or choice is.

Why plain functions over a dict (no Streamlit): links get pasted into slides, hand-edited and
mangled by chat apps, so every value is read with a type, a range and a set of allowed values,
and a bad one falls back to a default (or is clamped) with a short notice, never a traceback.
The race's link table (``lessons.race_link``), the challenge cards and every lesson page
(``ui.lesson_url``) read their links through these, so they agree on the wording too.

Every notice that repeats a link's value escapes it with `quote`, so no value renders as a
link, an image, HTML, LaTeX or a Streamlit directive.
"""

from __future__ import annotations

import math
import string
from typing import Any, Mapping

from i18n import t


_NOTICE_VALUE_CHARS = 24
_PUNCTUATION = frozenset(string.punctuation)
#: Streamlit's own query parameters, and the live class's ``room`` (ui/live_class.py reads it):
#: never part of a race, never worth a notice.
IGNORED_KEYS = frozenset({"embed", "embed_options", "room"})


def md_escape(text: str) -> str:
    """``text`` safe to show inside Streamlit markdown: no emphasis, links, HTML or LaTeX.

    Every ASCII punctuation character is backslash-escaped (CommonMark allows exactly these),
    which also breaks bare-URL autolinks (``https\\://``, ``www\\.``), e-mail links, emoji
    shortcodes and Streamlit's ``:color[...]`` directives.
    """
    out = "".join(ch for ch in str(text) if ch.isprintable())
    return "".join("\\" + ch if ch in _PUNCTUATION else ch for ch in out)


def quote(raw: Any, limit: int = _NOTICE_VALUE_CHARS) -> str:
    """A value from a link (or typed by a user), shortened and escaped for any markdown element.

    No code span: a backtick in the value could close it.
    """
    text = "".join(ch for ch in str(raw) if ch.isprintable())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return md_escape(text)


def short(message: Any, limit: int = 160) -> str:
    """An error message cut to one readable line."""
    message = str(message).strip()
    return message if len(message) <= limit else message[: limit - 1] + "…"


def values(params: Mapping[str, Any], key: str) -> list[str]:
    """Every value of ``key`` (a repeated key gives several), as text."""
    raw = params.get(key)
    if raw is None:
        return []
    if isinstance(raw, (list, tuple)):
        return [str(v) for v in raw]
    return [str(raw)]


def last(params: Mapping[str, Any], key: str) -> str | None:
    """The last non-empty value of ``key``, stripped, or None."""
    vals = [v for v in values(params, key) if v.strip() != ""]
    return vals[-1].strip() if vals else None


def parse_float(raw: str | None) -> float | None:
    """A finite float from text, or None (rejects 'nan', 'inf', '1e999', words, scripts)."""
    if raw is None or len(raw) > 40:
        return None
    try:
        value = float(raw.strip())
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def read_number(params: Mapping[str, Any], key: str, default: float, low: float, high: float, notices: list[str],
                *, integer: bool = False, label: str | None = None) -> float:
    """A number from a link, clamped into [low, high]; the default when unreadable (with a notice)."""
    raw = last(params, key)
    if raw is None:
        return default
    name = label or key
    value = parse_float(raw)
    if value is None:
        notices.append(t("links.not_a_number", name=name, raw=quote(raw), default=default))
        return default
    if integer and not float(value).is_integer():
        value = float(round(value))
        notices.append(t("links.not_whole", name=name, raw=quote(raw), value=value))
    if value < low or value > high:
        clamped = min(max(value, low), high)
        notices.append(t("links.outside", name=name, raw=quote(raw), low=low, high=high, value=clamped))
        value = clamped
    return int(value) if integer else float(value)


def read_flag(params: Mapping[str, Any], key: str, default: bool, notices: list[str]) -> bool:
    """An on/off value from a link (1/0, true/false, yes/no, on/off); the default otherwise."""
    raw = last(params, key)
    if raw is None:
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    notices.append(t("links.not_a_flag", name=key, raw=quote(raw), default=int(default)))
    return default


def read_choice(params: Mapping[str, Any], key: str, options, default, notices: list[str], *,
                label: str | None = None):
    """One of ``options`` (case-insensitive), else the default with a notice."""
    raw = last(params, key)
    if raw is None:
        return default
    for option in options:
        if raw.lower() == str(option).lower():
            return option
    notices.append(t("links.not_a_choice", name=label or key, raw=quote(raw),
                     options=", ".join(quote(o, 40) for o in options), default=quote(default, 40)))
    return default


def query_string(query: Mapping[str, Any]) -> str:
    """``?a=1&opt=x&opt=y`` (values URL-encoded, repeated keys kept)."""
    from urllib.parse import urlencode

    return "?" + urlencode([(k, v) for k, vals in query.items() for v in (vals if isinstance(vals, list) else [vals])])
