"""The "GIF / video for slides" control of a page that plays a race: options, a render, a file.

Why two clicks ("Download GIF", then "Save …"): a render takes seconds of server CPU, so it runs
in the page's script under a spinner, where a busy server or a refused option can be said in
plain words. A deferred download callable runs on a thread that can show nothing. The finished
file is kept for this session only until the race or the options change (one file per session).

Why a lazy popover: nothing is built, let alone rendered, until a teacher opens it.
"""

from __future__ import annotations

from typing import Callable, Hashable, Mapping

import streamlit as st

from viz.frames import (DEFAULT_FPS, DEFAULT_SIZE, FPS_OPTIONS, MAX_SECONDS, MIN_SECONDS, SIZES, check_options,
                        player_seconds, scene_from_payload)
from viz.gif_export import gif_bytes
from viz.player import default_speed
from viz.render_gate import CpuBudget, RenderBusy, RenderTooLong, render_slot
from viz.video_export import mp4_bytes, video_available

KINDS = {"gif": ("GIF", "image/gif", gif_bytes), "mp4": ("video", "video/mp4", mp4_bytes)}


class ExportRefused(Exception):
    """A message for the teacher (a bad option, a busy server, too long a render): never a traceback."""


def render_export(payload: Mapping[str, str], kind: str, *, size: str, fps: int, seconds: float,
                  first: int, last: int, budget: float | None = None) -> bytes:
    """The file's bytes, or ExportRefused with a message to show (checked options, one render slot)."""
    if kind not in KINDS:
        raise ExportRefused(f"Unknown export {kind!r}.")
    if kind == "mp4" and not video_available():
        raise ExportRefused("Video export needs the imageio-ffmpeg package on the server "
                            "(pip install -r requirements.txt); the GIF works without it.")
    try:
        scene = scene_from_payload(payload)
        options = check_options(size=size, fps=fps, seconds=seconds, first=first, last=last, steps=scene.steps)
    except ValueError as exc:
        raise ExportRefused(str(exc)) from None
    try:
        with render_slot():
            budget_check = CpuBudget() if budget is None else CpuBudget(budget)
            return KINDS[kind][2](scene, options, budget_check)
    except (RenderBusy, RenderTooLong) as exc:
        raise ExportRefused(str(exc)) from None


def slide_downloads(row, payload: Callable[[], Mapping[str, str]], *, steps: int, name: str, key: str,
                    identity: Hashable) -> None:
    """The popover in a downloads ``row``; ``payload`` builds the player's payload (called on a click only);
    ``identity`` names the race on screen (a file made for another race is not offered)."""
    box = row.popover("GIF / video for slides", icon=":material/movie:", key=f"{key}.open", on_change="rerun",
                      help="The race as the player shows it, as an animated GIF or an MP4 video.")
    if not box.open:
        return
    steps = max(1, int(steps))
    speed = default_speed(steps)
    lo, hi = st.session_state.get(f"{key}.range", (0, steps))
    if not 0 <= lo < hi <= steps:  # a shorter race since: the whole race again
        st.session_state[f"{key}.range"] = (0, steps)
    with box:
        size = st.selectbox("Size", list(SIZES), index=list(SIZES).index(DEFAULT_SIZE), key=f"{key}.size",
                            help="1280×720 suits most slides; 1920×1080 for a full-HD projector.")
        fps = st.selectbox("Frames per second", FPS_OPTIONS, index=FPS_OPTIONS.index(DEFAULT_FPS), key=f"{key}.fps")
        first, last = st.slider("Steps", 0, steps, (0, steps), key=f"{key}.range",
                                help="Trim the race: from step a to step b.") if steps > 1 else (0, 1)
        seconds = st.number_input("Seconds", min_value=MIN_SECONDS, max_value=MAX_SECONDS, step=1.0,
                                  value=round(player_seconds(steps, speed), 1), key=f"{key}.seconds",
                                  help="The player plays the whole race in this time; a trimmed range or "
                                       "another duration plays faster or slower.")
        wanted = {"size": size, "fps": int(fps), "seconds": float(seconds), "first": int(first), "last": int(last)}
        made = st.session_state.get(f"{key}.file")
        buttons = st.container(horizontal=True)
        # A click sets the request in its callback (before the rerun), rendered once below.
        request = st.session_state.pop(f"{key}.request", None)
        for kind, (word, _, _) in KINDS.items():
            buttons.button(f"Download {word}", key=f"{key}.make.{kind}", icon=":material/download:",
                           on_click=st.session_state.__setitem__, args=(f"{key}.request", kind))
            if request == kind:
                st.session_state.pop(f"{key}.file", None)
                made = None
                data = payload()
                try:
                    with st.spinner(f"Making the {word} (a few seconds)…"):
                        made = (kind, identity, wanted, render_export(data, kind, **wanted))
                    st.session_state[f"{key}.file"] = made
                except ExportRefused as exc:
                    st.warning(str(exc))
        if made is not None and made[1] == identity and made[2] == wanted:
            kind, _, _, blob = made
            word, mime, _ = KINDS[kind]
            st.download_button(f"Save the {word} ({len(blob) / 1e6:.1f} MB)", data=blob, mime=mime,
                               file_name=f"{name}.{kind}", on_click="ignore", icon=":material/save:",
                               key=f"{key}.save", type="primary")
        elif made is not None:
            st.session_state.pop(f"{key}.file", None)  # another race or other options: make it anew
