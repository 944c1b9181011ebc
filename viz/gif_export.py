"""Frames → an animated GIF (bytes), small enough to paste into slides.

Why one shared palette, no dithering: the picture is a few flat contour bands, a few run colours
and their anti-aliased edges, which 255 colours hold; one global palette for every frame (taken
from the last frame, where every path is drawn) means a pixel that does not change keeps its
index. Dithering would make unchanged areas flicker and defeat the differencing below.

Why written frame by frame (with Pillow's GIF block writers): Pillow's ``save_all`` keeps every
frame in memory until the end (a 60-s 1920×1080 export would hold gigabytes on a shared server).
Here each frame is compared with the previous one as it is drawn: only the rectangle that
changed is stored, and inside it the unchanged pixels are the transparent index (frames are
not disposed), so long runs of one index compress to almost nothing. In a side-by-side race the
rectangle spans every panel, so without the transparency each frame would be nearly whole.
"""

from __future__ import annotations

import io
from typing import Callable, Iterator

import numpy as np
from PIL import GifImagePlugin, Image

from .frames import ExportOptions, FrameRenderer, Scene, frame_steps

#: Called with (frames done, frames in all) between frames: the CPU budget's check.
Progress = Callable[[int, int], None]
#: The palette index left free for "unchanged since the last frame".
TRANSPARENT = 255
#: How long the finished race is held at the end (ms), so a looping slide does not restart at once.
END_HOLD_MS = 1500


def shared_palette(frame: Image.Image) -> Image.Image:
    """255 colours of ``frame`` (median cut) and a 256th, unused, that no drawn colour is near."""
    pal = frame.quantize(colors=TRANSPARENT, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    colours = (pal.getpalette() or [])[: 3 * TRANSPARENT]
    colours += [0, 0, 0] * (TRANSPARENT - len(colours) // 3) + [255, 0, 255]
    out = Image.new("P", (1, 1))
    out.putpalette(colours)
    return out


def _held(steps: list[int], fps: int) -> Iterator[tuple[int, int]]:
    """(step, duration in ms) with consecutive frames of one step merged: a GIF holds a frame."""
    delay = 1000 / fps
    i = 0
    while i < len(steps):
        j = i
        while j + 1 < len(steps) and steps[j + 1] == steps[i]:
            j += 1
        start, end = round(i * delay / 10) * 10, round((j + 1) * delay / 10) * 10  # whole centiseconds
        yield steps[i], max(10, end - start) + (END_HOLD_MS if j == len(steps) - 1 else 0)
        i = j + 1


def gif_bytes(scene: Scene, options: ExportOptions, progress: Progress | None = None) -> bytes:
    """The race as a looping GIF at the options' size, frame rate, duration and step range."""
    steps = frame_steps(options.first, options.last, options.fps, options.seconds)
    renderer = FrameRenderer(scene, options.width, options.height)
    palette = shared_palette(renderer.frame(steps[-1]))
    held = list(_held(steps, options.fps))
    fp = io.BytesIO()
    previous: np.ndarray | None = None
    for n, (step, duration) in enumerate(held):
        if progress is not None:
            progress(n, len(held))
        frame = renderer.frame(step).quantize(palette=palette, dither=Image.Dither.NONE)
        index = np.asarray(frame)
        info = {"duration": duration, "disposal": 1}
        if previous is None:
            for block in GifImagePlugin._get_global_header(frame, {"loop": 0, "duration": duration}):
                fp.write(block)
            GifImagePlugin._write_frame_data(fp, frame, (0, 0), info)
        else:
            changed = index != previous
            rows, cols = np.nonzero(changed.any(axis=1))[0], np.nonzero(changed.any(axis=0))[0]
            if not len(rows):  # the same picture (a run that stopped): a 1-pixel transparent frame
                top, bottom, left, right = 0, 1, 0, 1
            else:
                top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
            patch = np.where(changed[top:bottom, left:right], index[top:bottom, left:right], TRANSPARENT)
            part = Image.fromarray(patch.astype(np.uint8), mode="P")
            part.putpalette(palette.getpalette())
            GifImagePlugin._write_frame_data(fp, part, (int(left), int(top)), info | {"transparency": TRANSPARENT})
        previous = index
    fp.write(b";")
    return fp.getvalue()
