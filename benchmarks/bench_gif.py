"""Cost of the slides export (GIF and MP4), as the page makes it: server CPU and file size.

Run: ``python benchmarks/bench_gif.py`` (``--quick``: the 10-s textbook GIF only). Prints, per
case, the CPU seconds the server spends per second of animation (this process's CPU, plus the
ffmpeg child's for the video) and the file's size. Figures are printed, never asserted; the
tests check the 5 MB bound on the 10-s 1280×720 GIF.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lessons.presets import PRESETS_BY_KEY  # noqa: E402
from lessons.race import Race  # noqa: E402
from ui.simulation import grid_for, path_trajectory, surface_ref  # noqa: E402
from viz.frames import check_options, scene_from_payload  # noqa: E402
from viz.gif_export import gif_bytes  # noqa: E402
from viz.player import player_payload  # noqa: E402
from viz.video_export import mp4_bytes, video_available  # noqa: E402


def scene(race: Race, mode: str = "grid"):
    surface = race.surface_object()
    trajs = [path_trajectory(race, k) for k in race.opts]
    return scene_from_payload(player_payload(grid_for(surface_ref(race)), trajs, minima=surface.minima,
                                             start=race.start, mode=mode))


def measure(name: str, make, sc, size: str, fps: int, seconds: float) -> None:
    opts = check_options(size=size, fps=fps, seconds=seconds, first=0, last=sc.steps, steps=sc.steps)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu, wall = time.process_time(), time.perf_counter()
    blob = make(sc, opts)
    cpu = time.process_time() - cpu
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    child = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    wall = time.perf_counter() - wall
    total = cpu + child
    print(f"{name:<46} {size:>9} {fps:>2} fps {seconds:>4g} s  {len(blob) / 1e6:6.2f} MB  "
          f"CPU {total:6.2f} s (ffmpeg {child:5.2f})  {total / seconds:5.2f} CPU s per s  wall {wall:5.1f} s")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    textbook = scene(PRESETS_BY_KEY["textbook"].race)
    measure("GIF, textbook (4 runs x 30 steps), side by side", gif_bytes, textbook, "1280×720", 15, 10)
    if args.quick:
        return
    long_race = Race("rosenbrock", {"adam": {"lr": 0.05}, "momentum": {"lr": 0.001}, "sgd": {"lr": 0.001},
                                    "rmsprop": {"lr": 0.01}}, (-1.5, 2.0), 5000)
    big = scene(long_race)
    overlay = scene(long_race, "overlay")
    measure("GIF, textbook, overlay", gif_bytes, scene(PRESETS_BY_KEY["textbook"].race, "overlay"), "1280×720", 15, 10)
    measure("GIF, Rosenbrock 4 runs x 5,000 steps, side by side", gif_bytes, big, "1280×720", 15, 10)
    measure("GIF, Rosenbrock 4 runs x 5,000 steps, overlay", gif_bytes, overlay, "1280×720", 15, 10)
    measure("GIF, Rosenbrock 4 x 5,000, 1920x1080 20 fps", gif_bytes, big, "1920×1080", 20, 10)
    if video_available():
        measure("MP4, textbook, side by side", mp4_bytes, textbook, "1280×720", 15, 10)
        measure("MP4, Rosenbrock 4 x 5,000, side by side", mp4_bytes, big, "1280×720", 15, 10)
        measure("MP4, Rosenbrock 4 x 5,000, 1920x1080 30 fps", mp4_bytes, big, "1920×1080", 30, 10)
    else:
        print("MP4: imageio-ffmpeg is not installed (pip install -r requirements.txt)")


if __name__ == "__main__":
    main()
