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
from typing import Callable, Iterator, Sequence

import numpy as np
from PIL import GifImagePlugin, Image

from .frames import ExportOptions, FrameRenderer, Scene, frame_steps

#: Called with (frames done, frames in all) between frames: the CPU budget's check.
Progress = Callable[[int, int], None]
#: The palette index left free for "unchanged since the last frame".
TRANSPARENT = 255
#: How long the finished race is held at the end (ms), so a looping slide does not restart at once.
END_HOLD_MS = 1500


def shared_palette(frame: Image.Image, exact: Sequence[tuple[int, int, int]] = ()) -> Image.Image:
    """255 colours of ``frame`` (median cut) and a 256th, unused, that no drawn colour is near.

    Median cut averages each box of colours, so the page's white would come out a light grey and
    a run's colour a shade off: each ``exact`` colour replaces its nearest palette entry."""
    pal = frame.quantize(colors=TRANSPARENT, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    colours = (pal.getpalette() or [])[: 3 * TRANSPARENT]
    colours += [0, 0, 0] * (TRANSPARENT - len(colours) // 3)
    table = np.asarray(colours, dtype=int).reshape(-1, 3)
    taken: set[int] = set()
    for colour in exact:
        order = np.argsort(((table - np.asarray(colour)) ** 2).sum(axis=1))
        i = next(int(j) for j in order if int(j) not in taken)
        # Pillow maps colours to palette entries through a cache of 8-level cells (one pick per
        # cell): an entry in the exact colour's cell could catch it, so those become it too.
        near = ((table >> 3) == (np.asarray(colour) >> 3)).all(axis=1)
        table[near] = colour
        table[i] = colour
        taken.add(i)
    colours = table.ravel().tolist() + [255, 0, 255]
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
    exact = [(255, 255, 255), scene.diverged_color, *(run.color for run in scene.runs)]
    palette = shared_palette(renderer.frame(steps[-1]), exact)
    table = np.asarray(palette.getpalette()[: 3 * TRANSPARENT]).reshape(-1, 3)
    exact_entries = {(r << 16) | (g << 8) | b: int(np.nonzero((table == (r, g, b)).all(axis=1))[0][0])
                     for r, g, b in exact}
    held = list(_held(steps, options.fps))

    def indexed() -> Iterator[tuple[np.ndarray, int]]:
        for n, (step, duration) in enumerate(held):
            if progress is not None:
                progress(n, len(held))
            rgb = renderer.frame(step)
            index = np.array(rgb.quantize(palette=palette, dither=Image.Dither.NONE))
            # Pillow's palette lookup is approximate (one pick per colour cell): the exact colours
            # (white, each run's, the divergence red) are put on their own entries by hand.
            packed = np.asarray(rgb, dtype=np.uint32) @ np.array([1 << 16, 1 << 8, 1], dtype=np.uint32)
            for code, entry in exact_entries.items():
                index[packed == code] = entry
            yield index, duration

    write = _write_streaming if STREAMING else _write_with_pillow_save
    return write(indexed(), palette.getpalette())


#: Pillow's GIF block writers (private, stable for years) are there: write frame by frame.
STREAMING = hasattr(GifImagePlugin, "_get_global_header") and hasattr(GifImagePlugin, "_write_frame_data")


def _image(index: np.ndarray, palette: list[int]) -> Image.Image:
    im = Image.fromarray(index.astype(np.uint8), mode="P")
    im.putpalette(palette)
    return im


def _write_streaming(frames: Iterator[tuple[np.ndarray, int]], palette: list[int]) -> bytes:
    fp = io.BytesIO()
    previous: np.ndarray | None = None
    for index, duration in frames:
        info = {"duration": duration, "disposal": 1}
        if previous is None:
            first = _image(index, palette)
            for block in GifImagePlugin._get_global_header(first, {"loop": 0, "duration": duration}):
                fp.write(block)
            GifImagePlugin._write_frame_data(fp, first, (0, 0), info)
        else:
            changed = index != previous
            rows, cols = np.nonzero(changed.any(axis=1))[0], np.nonzero(changed.any(axis=0))[0]
            if not len(rows):  # the same picture (a run that stopped): a 1-pixel transparent frame
                top, bottom, left, right = 0, 1, 0, 1
            else:
                top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
            patch = np.where(changed[top:bottom, left:right], index[top:bottom, left:right], TRANSPARENT)
            GifImagePlugin._write_frame_data(fp, _image(patch, palette), (int(left), int(top)),
                                             info | {"transparency": TRANSPARENT})
        previous = index
    fp.write(b";")
    return fp.getvalue()


def _write_with_pillow_save(frames: Iterator[tuple[np.ndarray, int]], palette: list[int]) -> bytes:
    """Fallback for a Pillow without the block writers: its own differencing (optimize), which
    holds every frame until the end (the CPU budget and the duration limit bound how many)."""
    images, durations = [], []
    for index, duration in frames:
        images.append(_image(index, palette))
        durations.append(duration)
    fp = io.BytesIO()
    images[0].save(fp, format="GIF", save_all=True, append_images=images[1:], duration=durations, loop=0,
                   optimize=True, disposal=1)
    return fp.getvalue()
