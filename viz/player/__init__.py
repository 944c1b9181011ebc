"""The animation player: a static Streamlit component, and the same player as offline HTML.

Why a component: a Plotly figure with one frame per step re-sends every path prefix (the data
grows with steps²) and Plotly.animate(redraw=False) wipes contour traces. The player receives
the paths once, as compact JSON, and animates them in the browser (``frontend/``).

One job per module:

* `encode`: compact JSON (numbers rounded to a few significant digits, `RawJSON` parts);
* `cache`: serialized runs and grids shared by every session (`RUN_JSON`, `GRID_JSON`);
* `schema`: every field of the payload, its type and meaning (the one description of it);
* `payload`: `player_payload` and its pieces, `velocity_arrows`, `default_speed`;
* `component`: the served files (`ensure_build`) and `player`, the Streamlit component;
* `export`: `standalone_html`, the player as one offline file.

``vendor/`` holds plotly.js's official *cartesian* partial bundle (MIT, see
vendor/LICENSE-plotly.js): the player draws only contour and scatter traces, and this 1.5 MB
build is a third of the full 4.8 MB one the ``plotly`` package ships, which every student's
browser would otherwise parse before the first map.
"""

from __future__ import annotations

from .cache import GRID_JSON, RUN_JSON
from .component import (BUILD, COMPONENT_NAME, FRONTEND, FRONTEND_FILES, FRONTEND_SCRIPTS, PLOTLY_JS, ensure_build,
                        player, plotly_js_path)
from .encode import CLOUD_DIGITS, SIG_DIGITS, RawJSON, to_json
from .export import standalone_html
from .payload import (MARK_COLORS, PLAY_SECONDS, SPEED_OPTIONS, default_speed, grid_payload, payload_bytes,
                      player_payload, style_payload, velocity_arrows)

__all__ = [
    "BUILD", "CLOUD_DIGITS", "COMPONENT_NAME", "FRONTEND", "FRONTEND_FILES", "FRONTEND_SCRIPTS", "GRID_JSON",
    "MARK_COLORS", "PLAY_SECONDS", "PLOTLY_JS", "RUN_JSON", "SIG_DIGITS", "SPEED_OPTIONS", "RawJSON",
    "default_speed", "ensure_build", "grid_payload", "payload_bytes", "player", "player_payload", "plotly_js_path",
    "standalone_html", "style_payload", "to_json", "velocity_arrows",
]
