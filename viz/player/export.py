"""The player as one offline HTML file: plotly.js, the player's scripts and the data inlined.

No network at all (no CDN, no server), so a teacher can open it from a USB stick. The file
speaks the language of the payload (its ``lang`` and ``texts`` travel inside it): ``<html lang>``
and the page's own words follow it, and the player reads its words from the data as on a page.
"""

from __future__ import annotations

import json
from html import escape
from typing import Mapping, Sequence

import i18n

from ..style import FONT_FAMILY
from .component import FRONTEND, FRONTEND_SCRIPTS, plotly_js_path


def _inline_script(text: str) -> str:
    # A literal "</script" inside inlined code would end the tag early.
    return text.replace("</script", "<\\/script")


def _about(settings: Sequence[tuple[str, str]], notes: str) -> str:
    """What the file shows, under its title: the race's settings and the lesson's text (escaped)."""
    rows = "".join(f"<li><b>{escape(name)}:</b> {escape(value)}</li>" for name, value in settings)
    parts = [f"<ul class=\"settings\">{rows}</ul>" if rows else "",
             f"<p class=\"notes\">{escape(notes)}</p>" if notes else ""]
    return "".join(parts)


def _language(payload: Mapping[str, str]) -> str:
    """The payload's language (what its words are written in), else the current one."""
    try:
        lang = json.loads(payload["data"]).get("lang")
    except (KeyError, TypeError, ValueError, AttributeError):
        lang = None
    return i18n.normalize(lang) or i18n.current()


def standalone_html(payload: Mapping[str, str], *, title: str | None = None,
                    settings: Sequence[tuple[str, str]] = (), notes: str = "") -> str:
    """A single HTML file that plays the race offline (the same scripts, in the same order).

    ``settings`` (name, value) pairs and ``notes`` (a lesson's text) are printed under the
    title, so a file opened months later still says which race it shows. ``title`` defaults to
    "Descent: optimizer race" in the payload's language; the caller writes the rest in it too."""
    lang = _language(payload)
    if title is None:
        title = i18n.t("viz.export.title", lang)
    plotly_js = plotly_js_path().read_text(encoding="utf-8")
    scripts = "\n".join(f"<script>{_inline_script((FRONTEND / name).read_text(encoding='utf-8'))}</script>"
                        for name in FRONTEND_SCRIPTS)
    css = (FRONTEND / "player.css").read_text(encoding="utf-8")
    data = payload["data"].replace("</", "<\\/")
    safe_title = escape(title, quote=False)
    return (
        f"<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{safe_title}</title>\n<style>\n{css}\nbody {{ padding: 12px; font-family: {FONT_FAMILY}; }}\n</style>\n"
        f"<script>{_inline_script(plotly_js)}</script>\n</head>\n<body>\n"
        f"<h3 style=\"margin:4px 2px 10px 2px\">{safe_title}</h3>\n"
        f"<div style=\"margin:0 2px 10px 2px;font:14px/1.4 {escape(FONT_FAMILY)}\">{_about(settings, notes)}</div>\n"
        "<div id=\"root\"></div>\n"
        f"<script>window.DESCENT_STANDALONE_DATA = {data};</script>\n"
        f"{scripts}\n</body>\n</html>\n"
    )
