"""The player as a Streamlit components-v1 static component: its served files and ``player()``.

Why v1 and a served directory: plotly.js (1.5 MB) and the player's scripts travel once over HTTP
and stay in the browser's cache (no CDN: classrooms are often offline); only the race data goes
over the websocket. ``frontend/`` and ``vendor/`` are committed; ``ensure_build()`` copies them
into the git-ignored ``build/`` that Streamlit serves.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable, Mapping

HERE = Path(__file__).resolve().parent
FRONTEND = HERE / "frontend"
BUILD = HERE / "build"
#: The player's scripts in load order: index.html lists them in this order and `standalone_html`
#: inlines them in it. They share one namespace object (``window.DescentPlayer``); the first
#: creates it, the last boots the player, so no bundler is needed.
FRONTEND_SCRIPTS = ("shared.js", "player.js", "toolbar.js", "layout.js", "heads.js", "maps.js", "losschart.js",
                    "clock.js", "live.js", "host.js")
FRONTEND_FILES = ("index.html", "player.css") + FRONTEND_SCRIPTS
#: plotly.js's official cartesian partial bundle, as published on npm (plotly.js-cartesian-dist-min).
PLOTLY_JS = HERE / "vendor" / "plotly-cartesian.min.js"
COMPONENT_NAME = "descent_player"


def plotly_js_path() -> Path:
    """The vendored plotly.js cartesian bundle (contour, scatter, ...), served and inlined."""
    return PLOTLY_JS


def _copy_if_changed(src: Path, dst: Path) -> None:
    if dst.exists() and dst.stat().st_size == src.stat().st_size and dst.read_bytes() == src.read_bytes():
        return
    fd, tmp = tempfile.mkstemp(dir=dst.parent, prefix=".tmp-", suffix=dst.suffix)
    os.close(fd)
    shutil.copyfile(src, tmp)
    os.replace(tmp, dst)  # atomic: a concurrent server never serves half a file


def ensure_build(build_dir: Path | None = None) -> Path:
    """Populate the served directory (every frontend file + the plotly.js bundle) and return it.

    Falls back to a per-user temp directory when the package directory is read-only.
    """
    candidates = [build_dir] if build_dir else [BUILD, Path(tempfile.gettempdir()) / "descent-player-build"]
    last_error: Exception | None = None
    for directory in candidates:
        try:
            directory.mkdir(parents=True, exist_ok=True)
            for name in FRONTEND_FILES:
                _copy_if_changed(FRONTEND / name, directory / name)
            _copy_if_changed(PLOTLY_JS, directory / PLOTLY_JS.name)
            return directory
        except OSError as exc:  # read-only install: try the next place
            last_error = exc
    raise RuntimeError(f"cannot prepare the player's static files: {last_error}")


_component: Callable[..., Any] | None = None


def _get_component() -> Callable[..., Any]:
    global _component
    if _component is None:
        import streamlit.components.v1 as components

        _component = components.declare_component(COMPONENT_NAME, path=str(ensure_build()))
    return _component


def player(
    payload: Mapping[str, str],
    *,
    key: str = "player",
    on_change: Callable[[], None] | None = None,
) -> dict | None:
    """Render the player; returns the last value the browser sent, or None.

    The value is ``{"step": k, "click": [x, y] | None, "seq": n, "arrows": bool}``: the scrubber
    step (sent on release or pause, never per animation frame), a clicked start point, if any,
    and whether the arrows are shown (the page records gradients only while they are).
    """
    component = _get_component()
    # As bytes, the data travels as a binary argument: Streamlit does not JSON-encode it again
    # on every rerun (about 1 ms for a 300-KB race), nor does the browser decode it twice.
    return component(data=payload["data"].encode(), data_id=payload["data_id"], key=key, default=None,
                     on_change=on_change)
