"""Frames → an MP4 video (H.264, bytes): the same frames as the GIF, for slides that want video.

Why MP4/H.264 made on the server with the ffmpeg binary inside the ``imageio-ffmpeg`` wheel
(ARCHITECTURE.md, "The race as a GIF or a video"): it plays in PowerPoint, Keynote, Google
Slides and every browser; it is the same deterministic frames as the GIF, testable without a
browser; pip installs the binary with the wheel, so a fresh machine needs no system package.
One encoder thread per export, so the concurrency bound (viz.render_gate) bounds the CPU too.
"""

from __future__ import annotations

import os
import tempfile
from typing import Callable

import numpy as np

from .frames import ExportOptions, FrameRenderer, Scene, frame_steps

Progress = Callable[[int, int], None]


def video_available() -> bool:
    """Whether the encoder is installed (requirements.txt has it; a trimmed install may not)."""
    try:
        import imageio_ffmpeg

        return os.path.exists(imageio_ffmpeg.get_ffmpeg_exe())
    except Exception:  # no wheel, or a platform it ships no binary for
        return False


def mp4_bytes(scene: Scene, options: ExportOptions, progress: Progress | None = None) -> bytes:
    """The race as an MP4 at the options' size, frame rate, duration and step range."""
    import imageio_ffmpeg

    steps = frame_steps(options.first, options.last, options.fps, options.seconds)
    renderer = FrameRenderer(scene, options.width, options.height)
    # Hold the finished race 1.5 s, as the GIF does (a video has one frame rate: repeat the frame).
    hold = max(1, round(1.5 * options.fps))
    steps = steps + [steps[-1]] * (hold - 1)
    fd, path = tempfile.mkstemp(suffix=".mp4")
    os.close(fd)
    try:
        writer = imageio_ffmpeg.write_frames(
            path, (options.width, options.height), fps=options.fps, codec="libx264", pix_fmt_out="yuv420p",
            macro_block_size=2, ffmpeg_log_level="error",
            # crf 23 with the still-picture tune; faststart puts the index first (slides stream it).
            output_params=["-threads", "1", "-crf", "23", "-preset", "medium", "-tune", "stillimage",
                           "-movflags", "+faststart"],
        )
        writer.send(None)
        last_step, last_frame = None, None
        for i, step in enumerate(steps):
            if progress is not None:
                progress(i, len(steps))
            if step != last_step:  # a held step is the same picture: draw it once
                last_step, last_frame = step, np.ascontiguousarray(np.asarray(renderer.frame(step)))
            writer.send(last_frame)
        writer.close()
        with open(path, "rb") as fh:
            return fh.read()
    finally:
        os.unlink(path)
