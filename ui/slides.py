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

from i18n import t
from viz.frames import (DEFAULT_FPS, DEFAULT_SIZE, FPS_OPTIONS, MAX_SECONDS, MIN_SECONDS, SIZES, check_options,
                        player_seconds, scene_from_payload)
from viz.gif_export import gif_bytes
from viz.player import default_speed
from viz.render_gate import CpuBudget, RenderBusy, RenderTooLong, render_slot
from viz.video_export import mp4_bytes, video_available

#: kind -> (its MIME type, its renderer); its words are the catalog's ``ui_slides.*.<kind>``.
KINDS = {"gif": ("image/gif", gif_bytes), "mp4": ("video/mp4", mp4_bytes)}


class ExportRefused(Exception):
    """A message for the teacher (a bad option, a busy server, too long a render): never a traceback."""


def render_export(payload: Mapping[str, str], kind: str, *, size: str, fps: int, seconds: float,
                  first: int, last: int, budget: float | None = None) -> bytes:
    """The file's bytes, or ExportRefused with a message to show (checked options, one render slot)."""
    if kind not in KINDS:
        raise ExportRefused(t("ui_slides.unknown", kind=repr(kind)))
    if kind == "mp4" and not video_available():
        raise ExportRefused(t("ui_slides.no_video"))
    try:
        scene = scene_from_payload(payload)
        options = check_options(size=size, fps=fps, seconds=seconds, first=first, last=last, steps=scene.steps)
    except ValueError as exc:
        raise ExportRefused(str(exc)) from None
    try:
        with render_slot():
            budget_check = CpuBudget() if budget is None else CpuBudget(budget)
            return KINDS[kind][1](scene, options, budget_check)
    except (RenderBusy, RenderTooLong) as exc:
        raise ExportRefused(str(exc)) from None


def slide_downloads(row, payload: Callable[[], Mapping[str, str]], *, steps: int, name: str, key: str,
                    identity: Hashable) -> None:
    """The popover in a downloads ``row``; ``payload`` builds the player's payload (called on a click only);
    ``identity`` names the race on screen (a file made for another race is not offered)."""
    box = row.popover(t("ui_slides.popover.label"), icon=":material/movie:", key=f"{key}.open", on_change="rerun",
                      help=t("ui_slides.popover.help"))
    if not box.open:
        return
    steps = max(1, int(steps))
    speed = default_speed(steps)
    lo, hi = st.session_state.get(f"{key}.range", (0, steps))
    if not 0 <= lo < hi <= steps:  # a shorter race since: the whole race again
        st.session_state[f"{key}.range"] = (0, steps)
    with box:
        size = st.selectbox(t("ui_slides.size.label"), list(SIZES), index=list(SIZES).index(DEFAULT_SIZE),
                            key=f"{key}.size", help=t("ui_slides.size.help"))
        fps = st.selectbox(t("ui_slides.fps"), FPS_OPTIONS, index=FPS_OPTIONS.index(DEFAULT_FPS), key=f"{key}.fps")
        first, last = st.slider(t("ui_slides.steps.label"), 0, steps, (0, steps), key=f"{key}.range",
                                help=t("ui_slides.steps.help")) if steps > 1 else (0, 1)
        seconds = st.number_input(t("ui_slides.seconds.label"), min_value=MIN_SECONDS, max_value=MAX_SECONDS, step=1.0,
                                  value=round(player_seconds(steps, speed), 1), key=f"{key}.seconds",
                                  help=t("ui_slides.seconds.help"))
        wanted = {"size": size, "fps": int(fps), "seconds": float(seconds), "first": int(first), "last": int(last)}
        made = st.session_state.get(f"{key}.file")
        buttons = st.container(horizontal=True)
        # A click sets the request in its callback (before the rerun), rendered once below.
        request = st.session_state.pop(f"{key}.request", None)
        for kind in KINDS:
            buttons.button(t(f"ui_slides.download.{kind}"), key=f"{key}.make.{kind}", icon=":material/download:",
                           on_click=st.session_state.__setitem__, args=(f"{key}.request", kind))
            if request == kind:
                st.session_state.pop(f"{key}.file", None)
                made = None
                data = payload()
                try:
                    with st.spinner(t(f"ui_slides.making.{kind}")):
                        made = (kind, identity, wanted, render_export(data, kind, **wanted))
                    st.session_state[f"{key}.file"] = made
                except ExportRefused as exc:
                    st.warning(str(exc))
        if made is not None and made[1] == identity and made[2] == wanted:
            kind, _, _, blob = made
            mime = KINDS[kind][0]
            st.download_button(t(f"ui_slides.save.{kind}", mb=f"{len(blob) / 1e6:.1f}"), data=blob, mime=mime,
                               file_name=f"{name}.{kind}", on_click="ignore", icon=":material/save:",
                               key=f"{key}.save", type="primary")
        elif made is not None:
            st.session_state.pop(f"{key}.file", None)  # another race or other options: make it anew
