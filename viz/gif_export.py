"""Frames → an animated GIF (bytes), small enough to paste into slides.

Why one shared palette, no dithering: the picture is a few flat contour bands, a few run colours
and their anti-aliased edges, which 256 colours hold; one palette for every frame (taken from the
last frame, where every path is drawn) means a pixel that does not change keeps its index, so
Pillow's frame differencing (each frame stored as the rectangle that changed since the last one)
stores only the moving heads and the new path segment. Dithering would make unchanged areas
flicker and defeat the differencing. A 10-second race at 1280×720 is about 1–2 MB.
"""

from __future__ import annotations

import io
from typing import Callable, Iterator

from PIL import Image

from .frames import ExportOptions, Scene, render_frames

#: Called with (frames done, frames in all) between frames: the CPU budget's check.
Progress = Callable[[int, int], None]


def gif_bytes(scene: Scene, options: ExportOptions, progress: Progress | None = None) -> bytes:
    """The race as a looping GIF at the options' size, frame rate, duration and step range."""
    from .frames import FrameRenderer, frame_steps

    steps = frame_steps(options.first, options.last, options.fps, options.seconds)
    renderer = FrameRenderer(scene, options.width, options.height)
    # The palette: the last frame holds every colour the race shows (all paths, the crosses).
    palette = renderer.frame(steps[-1]).quantize(colors=255, method=Image.Quantize.MEDIANCUT,
                                                 dither=Image.Dither.NONE)

    def frames() -> Iterator[Image.Image]:
        last_step, last_frame = None, None
        for i, step in enumerate(steps):
            if progress is not None:
                progress(i, len(steps))
            if step != last_step:  # a short race holds each step over frames: draw it once
                last_step, last_frame = step, renderer.frame(step).quantize(palette=palette, dither=Image.Dither.NONE)
            yield last_frame

    quantized = frames()
    first = next(quantized)
    buf = io.BytesIO()
    # Whole centiseconds per frame (GIF's unit); the last frame holds the finished race a moment.
    delay = round(1000 / options.fps)
    durations = [delay] * (len(steps) - 1) + [max(delay, 1500)]
    first.save(buf, format="GIF", save_all=True, append_images=quantized, duration=durations, loop=0,
               optimize=False, disposal=1)
    return buf.getvalue()


__all__ = ["gif_bytes", "render_frames", "Progress"]
