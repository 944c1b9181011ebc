"""The race as still frames: the player's picture drawn with Pillow on the server, no browser.

Why from the player's payload: the frames must be the player's frames. The payload is what the
player draws from (the grid's plotted heights and contour levels, each run's colour, label, path
and divergence step, the minima and the start, the panel mode and the default speed), so a page
that recolours or relabels its runs (the mini-batch lesson) gets the same picture in a GIF as on
screen, and no second description of a race can drift from the first.

Why supersampled: Pillow draws lines without anti-aliasing; the moving layer (paths and heads)
is drawn at ``SUPERSAMPLE``× and reduced with LANCZOS, so slanted paths are smooth on a
projector. The static layer (contour fill, stars, rings, text) is drawn once per export.

Frame k shows the step the player shows at time k / fps: ⌊τ · speed⌋ (``frame_steps``), with
the speed chosen so the chosen step range plays in the chosen duration (at the player's own
duration it is the player's default speed).
"""

from __future__ import annotations

import glob
import json
import math
import os
from dataclasses import dataclass
from fractions import Fraction
from typing import Iterator, Mapping, Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from i18n import t

#: Frame sizes offered for slides (16:9): the slide default first.
SIZES: dict[str, tuple[int, int]] = {"1280×720": (1280, 720), "1920×1080": (1920, 1080), "854×480": (854, 480)}
DEFAULT_SIZE = "1280×720"
#: Frame rates offered: GIF delays are whole centiseconds, and browsers slow delays under 20 ms.
FPS_OPTIONS = (10, 12, 15, 20, 25, 30)
DEFAULT_FPS = 15
#: Shortest and longest export: a classroom server renders every frame, so the length is bounded.
MIN_SECONDS, MAX_SECONDS = 1.0, 60.0
SUPERSAMPLE = 2
DOTS_MAX = 80  # as the player (maps.js): a dot on every iterate of a short (textbook) run
CONTOUR_LINE_RGBA = (60, 60, 60, 0.35)
WHITE = (255, 255, 255)
TEXT = (38, 39, 48)


@dataclass(frozen=True)
class ExportOptions:
    """What the teacher chose: frame size, frame rate, duration and the step range [first, last]."""

    width: int
    height: int
    fps: int
    seconds: float
    first: int
    last: int

    @property
    def n_frames(self) -> int:
        return len(frame_steps(self.first, self.last, self.fps, self.seconds))


def check_options(*, size: str | tuple[int, int], fps: int, seconds: float, first: int, last: int,
                  steps: int) -> ExportOptions:
    """The options, or a ValueError whose message a teacher can act on (shown as is, never a traceback)."""
    if isinstance(size, str):
        if size not in SIZES:
            raise ValueError(t("viz.frames.unknown_size", size=repr(size), sizes=", ".join(SIZES)))
        width, height = SIZES[size]
    else:
        try:
            width, height = (int(v) for v in size)
        except (TypeError, ValueError):
            raise ValueError(t("viz.frames.size_not_numbers")) from None
        if (width, height) not in SIZES.values():
            raise ValueError(t("viz.frames.size_not_offered", width=width, height=height, sizes=", ".join(SIZES)))
    if isinstance(fps, bool) or not isinstance(fps, (int, np.integer)) or int(fps) not in FPS_OPTIONS:
        raise ValueError(t("viz.frames.fps_not_offered", fps=repr(fps), rates=", ".join(map(str, FPS_OPTIONS))))
    try:
        seconds = float(seconds)
    except (TypeError, ValueError):
        raise ValueError(t("viz.frames.seconds_not_number")) from None
    if not math.isfinite(seconds) or not MIN_SECONDS <= seconds <= MAX_SECONDS:
        raise ValueError(t("viz.frames.seconds_out_of_range", low=MIN_SECONDS, high=MAX_SECONDS))
    try:
        first, last, steps = int(first), int(last), int(steps)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(t("viz.frames.range_not_numbers")) from None
    if steps < 1:
        raise ValueError(t("viz.frames.no_steps"))
    if not 0 <= first < last <= steps:
        raise ValueError(t("viz.frames.range_backwards", steps=steps, first=first, last=last))
    return ExportOptions(width=width, height=height, fps=int(fps), seconds=seconds, first=first, last=last)


def player_seconds(steps: int, speed: int) -> float:
    """How long the player plays the whole race at its default speed (the export's default length)."""
    return min(MAX_SECONDS, max(MIN_SECONDS, steps / max(1, speed)))


def frame_steps(first: int, last: int, fps: int, seconds: float) -> list[int]:
    """The step each frame shows: the player's ⌊τ · speed⌋ at τ = k / fps, speed = (last − first) / seconds.

    A long race is thus subsampled (a 5,000-step race in 15 s at 15 fps shows every 22nd step)
    and a short one holds a step over several frames; the last frame shows ``last``.
    """
    # Exact fractions: a duration typed as steps / speed (e.g. 200 / 15 s) plays at that very speed.
    duration = Fraction(seconds).limit_denominator(10 ** 6)
    speed = Fraction(last - first) / duration
    count = math.ceil(duration * fps)
    out = [min(last, first + math.floor(Fraction(k, fps) * speed)) for k in range(count)]
    return out + [last]


# ------------------------------------------------------------------------------ the scene


@dataclass(frozen=True)
class Run:
    label: str
    color: tuple[int, int, int]
    path: np.ndarray  # (points, 2)
    diverged_at: int | None
    ghost: np.ndarray | None  # (points, 2): the faint comparison run in this run's panel


@dataclass(frozen=True)
class Scene:
    """What the player draws, read from its payload: one grid, the runs, the marks, the mode."""

    mode: str  # "grid" or "overlay"
    steps: int
    speed: int
    bounds: tuple[float, float, float, float]  # x_min, x_max, y_min, y_max
    heights: np.ndarray  # (rows, columns), rows along y (row 0 at y_min)
    levels: tuple[float, float, float]  # start, end, step
    colorscale: tuple[tuple[float, tuple[int, int, int]], ...]
    minima: np.ndarray  # (m, 2)
    start: tuple[float, float]
    runs: tuple[Run, ...]
    title: str
    colors: Mapping[str, str]
    diverged_color: tuple[int, int, int]
    marker: float
    line: float


def _rgb(color: str) -> tuple[int, int, int]:
    color = color.strip()
    if color.startswith("#") and len(color) == 7:
        return tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]
    if color.startswith("rgb"):
        parts = color[color.index("(") + 1:color.index(")")].split(",")
        return tuple(int(float(p)) for p in parts[:3])  # type: ignore[return-value]
    raise ValueError(f"unsupported colour {color!r}")  # i18n: internal (payload colours are Python's own)


def _pairs(flat: Sequence[float] | None) -> np.ndarray:
    arr = np.asarray([np.nan if v is None else v for v in (flat or [])], dtype=float)
    return arr.reshape(-1, 2)


def scene_from_payload(payload: Mapping[str, str] | Mapping) -> Scene:
    """The scene of a `player_payload` result (or its parsed ``data``). Hidden runs are refused:
    a race withheld for a prediction has nothing to animate."""
    try:
        return _scene(payload)
    except (KeyError, TypeError, IndexError, json.JSONDecodeError) as exc:
        raise ValueError(t("viz.frames.cannot_draw", error=f"{type(exc).__name__}: {exc}")) from None


def _scene(payload) -> Scene:
    data = payload
    if "data" in payload and isinstance(payload["data"], str):
        data = json.loads(payload["data"])
    if data.get("hidden"):
        raise ValueError(t("viz.frames.hidden"))
    grid = data["grid"]
    heights = np.asarray([np.nan if v is None else v for v in grid["heights"]], dtype=float)
    heights = heights.reshape(int(grid["rows"]), int(grid["columns"]))
    runs = []
    for run in data["runs"]:
        ghost = run.get("ghost")
        runs.append(Run(label=str(run["label"]), color=_rgb(run["color"]), path=_pairs(run["path"]),
                        diverged_at=run.get("diverged_at"), ghost=None if not ghost else _pairs(ghost["path"])))
    style = data["style"]
    return Scene(
        mode=data["mode"], steps=int(data["steps"]), speed=int(data["speed"]),
        bounds=(grid["x_min"], grid["x_max"], grid["y_min"], grid["y_max"]), heights=heights,
        levels=(grid["level_start"], grid["level_end"], grid["level_step"]),
        colorscale=tuple((float(s), _rgb(c)) for s, c in data["colorscale"]),
        minima=_pairs(data["minima"]), start=(float(data["start"][0]), float(data["start"][1])),
        runs=tuple(runs), title=str(data.get("title", "")), colors=dict(data["colors"]),
        diverged_color=_rgb(data["diverged_color"]), marker=float(style["marker_size"]),
        line=float(style["line_width"]),
    )


# ------------------------------------------------------------------------------ the layout


@dataclass(frozen=True)
class Panel:
    runs: tuple[int, ...]  # indices into scene.runs
    head: tuple[int, int]  # where the panel's title goes
    plot: tuple[int, int, int, int]  # left, top, width, height of the map


def columns(mode: str, n: int) -> int:
    """The player's column rule (layout.js `_columns`) on a wide screen: a slide is one."""
    if mode == "overlay" or n <= 1:
        return 1
    return max(1, min(n, 2 if n == 4 else 4 if n >= 7 else 3))


def layout(scene: Scene, width: int, height: int) -> tuple[float, list[Panel]]:
    """Unit (1 at 720 px high) and the panels: one per run side by side, or one overlay map."""
    u = height / 720.0
    margin, top_band, head_h, gap = round(14 * u), round(44 * u), round(30 * u), round(14 * u)
    groups = [tuple(range(len(scene.runs)))] if scene.mode == "overlay" else [(i,) for i in range(len(scene.runs))]
    groups = groups or [()]
    cols = columns(scene.mode, len(groups))
    rows = math.ceil(len(groups) / cols)
    area_w, area_h = width - 2 * margin, height - top_band - margin
    cell_w = (area_w - gap * (cols - 1)) / cols
    cell_h = (area_h - gap * (rows - 1)) / rows
    head = head_h if scene.mode == "grid" else 0
    plot_h = int(cell_h - head)
    plot_w = int(min(cell_w, plot_h * 1.7))  # a map no wider than the player's widest
    panels = []
    for i, group in enumerate(groups):
        r, c = divmod(i, cols)
        x = int(margin + c * (cell_w + gap) + (cell_w - plot_w) / 2)
        y = int(top_band + r * (cell_h + gap))
        panels.append(Panel(runs=group, head=(x, y), plot=(x, y + head, plot_w, plot_h)))
    return u, panels


def to_pixels(points: np.ndarray, scene: Scene, plot: tuple[int, int, int, int], scale: float = 1.0) -> np.ndarray:
    """Map (x, y) to pixel centres in a plot rectangle (y up), at ``scale``× (the supersampled layer)."""
    x0, x1, y0, y1 = scene.bounds
    _, _, w, h = plot
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    px = (pts[:, 0] - x0) / (x1 - x0) * w
    py = (y1 - pts[:, 1]) / (y1 - y0) * h
    return np.stack([px, py], axis=1) * scale


# ----------------------------------------------------------------------------- the drawing


#: Where Chinese fonts live (Debian/Ubuntu's fonts-noto-cjk first, then other systems'); the first
#: found draws the frames' text when any of it is Chinese.
CJK_FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",  # i18n: internal
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",  # i18n: internal
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",  # i18n: internal
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",  # i18n: internal
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # i18n: internal
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",  # i18n: internal
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",  # i18n: internal
    "/System/Library/Fonts/PingFang.ttc",  # i18n: internal
    "/System/Library/Fonts/Hiragino Sans GB.ttc",  # i18n: internal
    "C:/Windows/Fonts/msyh.ttc",  # i18n: internal
)
_CJK_GLOBS = ("/usr/share/fonts/**/NotoSansCJK*.tt[cf]", "/usr/share/fonts/**/NotoSans*SC*.[ot]tf",  # i18n: internal
              "/usr/share/fonts/**/SourceHanSans*.tt[cf]")  # i18n: internal  # i18n: internal
_cjk_font: tuple[str, int] | None | bool = False  # False: not looked for yet


def needs_cjk(text: str) -> bool:
    """Whether ``text`` has a character Pillow's bundled (Latin) font lacks: Chinese, full-width punctuation."""
    return any(ord(c) >= 0x2E80 for c in text)


def cjk_font() -> tuple[str, int] | None:
    """(file, face index) of a Chinese font on this machine (the Simplified Chinese face of a
    collection), or None when there is none: the frames then keep Pillow's font (boxes for
    Chinese, but the export still works)."""
    global _cjk_font
    if _cjk_font is not False:
        return _cjk_font  # type: ignore[return-value]
    found = [p for p in CJK_FONT_FILES if os.path.exists(p)]
    for pattern in _CJK_GLOBS:
        found += sorted(glob.glob(pattern, recursive=True))
    _cjk_font = None
    for path in found:
        faces = 1
        if path.lower().endswith(".ttc"):
            faces = 16
        best = None
        for index in range(faces):
            try:
                name = " ".join(ImageFont.truetype(path, 12, index=index).getname())
            except OSError:
                break
            if best is None:
                best = index
            if " SC" in name or "GB" in name or "Micro Hei" in name:
                best = index
                break
        if best is not None:
            _cjk_font = (path, best)
            break
    return _cjk_font


def _font(px: float, cjk: bool = False) -> ImageFont.FreeTypeFont:
    size = max(8, int(round(px)))
    found = cjk_font() if cjk else None
    if found is not None:
        try:
            return ImageFont.truetype(found[0], size, index=found[1])
        except OSError:
            pass
    # Pillow's bundled font: the same glyphs on every server, so frames are deterministic.
    return ImageFont.load_default(size=size)


def _colour_at(scale: Sequence[tuple[float, tuple[int, int, int]]], t: np.ndarray) -> np.ndarray:
    stops = np.array([s for s, _ in scale])
    rgb = np.array([c for _, c in scale], dtype=float)
    return np.stack([np.interp(t, stops, rgb[:, i]) for i in range(3)], axis=-1)


def contour_image(scene: Scene, width: int, height: int) -> Image.Image:
    """The filled contour map at ``width`` × ``height``: the heights resampled to the plot, put in the
    player's level bands, coloured by its colour scale, with the band edges drawn as its lines."""
    z = np.nan_to_num(scene.heights[::-1], nan=np.nanmax(scene.heights))  # image rows run down
    zimg = Image.fromarray(z.astype(np.float32), mode="F").resize((width, height), Image.Resampling.BILINEAR)
    zz = np.asarray(zimg, dtype=float)
    start, end, step = scene.levels
    n = max(1, int(round((end - start) / step)) + 1)
    band = np.clip(np.floor((zz - start) / step) + 1, 0, n).astype(np.int32)
    # Plotly colours each band by its place among the levels (low bands white, high grey).
    rgb = _colour_at(scene.colorscale, band / n)
    edge = np.zeros(band.shape, dtype=bool)
    edge[:, 1:] |= band[:, 1:] != band[:, :-1]
    edge[1:, :] |= band[1:, :] != band[:-1, :]
    lr, lg, lb, la = CONTOUR_LINE_RGBA
    rgb[edge] = rgb[edge] * (1 - la) + np.array([lr, lg, lb]) * la
    return Image.fromarray(np.round(rgb).astype(np.uint8), mode="RGB")


def _star(cx: float, cy: float, r: float) -> list[tuple[float, float]]:
    pts = []
    for i in range(10):
        a = -math.pi / 2 + i * math.pi / 5
        rr = r if i % 2 == 0 else r * 0.45
        pts.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
    return pts


class FrameRenderer:
    """Draws frame after frame of one scene at one size: the static picture once, the runs per step."""

    def __init__(self, scene: Scene, width: int, height: int):
        self.scene, self.width, self.height = scene, width, height
        self.u, self.panels = layout(scene, width, height)
        u = self.u
        # Slide sizes: the projector's proportions (text and strokes readable from the back row).
        self.line = max(2.0, scene.line) * 1.5 * u
        self.head_r = max(6.0, scene.marker * 0.9) * 1.3 * u
        self.dot_r = max(2.0, scene.marker * 0.35) * 1.2 * u
        # Chinese words or names (the visitor's language): a CJK font at the same size as the Latin one.
        words = [run.label for run in scene.runs] + [t("viz.frames.badge", step=0),
                                                     t("viz.frames.counter", step=0, steps=scene.steps)]
        cjk = any(needs_cjk(w) for w in words)
        self.font = _font(20 * u, cjk)
        self.small = _font(16 * u, cjk)
        self.base = self._static()

    # The picture that never changes during the race: maps, stars, start rings, names, legend.
    def _static(self) -> Image.Image:
        s, u = self.scene, self.u
        img = Image.new("RGB", (self.width, self.height), WHITE)
        draw = ImageDraw.Draw(img)
        maps: dict[tuple[int, int], Image.Image] = {}
        for p in self.panels:
            left, top, w, h = p.plot
            if (w, h) not in maps:
                maps[(w, h)] = self._marks(contour_image(s, w, h), p.plot)
            img.paste(maps[(w, h)], (left, top))
            draw.rectangle([left - 1, top - 1, left + w, top + h], outline=(120, 124, 130), width=1)
            if s.mode == "grid" and p.runs:
                run = s.runs[p.runs[0]]
                draw.text((left, p.head[1] + 4 * u), run.label, fill=run.color, font=self.font)
        # The legend: every run's name in its colour (a chip, as the player's overlay legend).
        x, y = round(14 * u), round(12 * u)
        for run in s.runs:
            r = 7 * u
            draw.ellipse([x, y + 11 * u - r, x + 2 * r, y + 11 * u + r], fill=run.color)
            x += 2 * r + 6 * u
            draw.text((x, y), run.label, fill=TEXT, font=self.font)
            x += draw.textlength(run.label, font=self.font) + 22 * u
        return img

    def _marks(self, img: Image.Image, plot: tuple[int, int, int, int]) -> Image.Image:
        """Stars at the minima and the start ring, anti-aliased, on one map."""
        s, k = self.scene, SUPERSAMPLE
        _, _, w, h = plot
        layer = Image.new("RGBA", (w * k, h * k), (0, 0, 0, 0))
        d = ImageDraw.Draw(layer)
        for x, y in to_pixels(s.minima, s, plot, k):
            d.polygon(_star(x, y, self.head_r * 1.6 * k), fill=_rgb(s.colors["minimum"]),
                      outline=_rgb(s.colors["minimum_outline"]), width=max(1, int(1.2 * self.u * k)))
        (sx, sy), = to_pixels(np.array([s.start]), s, plot, k)
        r = self.head_r * 1.25 * k
        d.ellipse([sx - r, sy - r, sx + r, sy + r], outline=_rgb(s.colors["start"]), width=max(2, int(self.line * k)))
        layer = layer.resize((w, h), Image.Resampling.LANCZOS)
        return Image.alpha_composite(img.convert("RGBA"), layer).convert("RGB")

    def frame(self, step: int) -> Image.Image:
        """The picture at ``step``: each path up to it, its head (a red cross once it has diverged)."""
        s, u, k = self.scene, self.u, SUPERSAMPLE
        img = self.base.copy()
        draw = ImageDraw.Draw(img)
        for p in self.panels:
            left, top, w, h = p.plot
            layer = Image.new("RGBA", (w * k, h * k), (0, 0, 0, 0))
            d = ImageDraw.Draw(layer)
            for i in p.runs:
                self._draw_run(d, s.runs[i], step, p.plot)
            box = layer.getbbox()
            if box is not None:
                # Reduce only the part that holds drawing (LANCZOS is most of a frame's CPU),
                # widened to whole output pixels plus the filter's reach.
                x0, y0 = max(0, box[0] // k - 3), max(0, box[1] // k - 3)
                x1, y1 = min(w, -(-box[2] // k) + 3), min(h, -(-box[3] // k) + 3)
                part = layer.crop((x0 * k, y0 * k, x1 * k, y1 * k)).resize((x1 - x0, y1 - y0), Image.Resampling.LANCZOS)
                region = img.crop((left + x0, top + y0, left + x1, top + y1)).convert("RGBA")
                img.paste(Image.alpha_composite(region, part).convert("RGB"), (left + x0, top + y0))
            if s.mode == "grid" and p.runs:
                run = s.runs[p.runs[0]]
                if run.diverged_at is not None and step >= run.diverged_at:
                    badge = t("viz.frames.badge", step=run.diverged_at)
                    bw = draw.textlength(badge, font=self.small)
                    draw.text((left + w - bw, p.head[1] + 7 * u), badge, fill=s.diverged_color, font=self.small)
        counter = t("viz.frames.counter", step=step, steps=s.steps)
        tw = draw.textlength(counter, font=self.font)
        draw.text((self.width - 14 * u - tw, 12 * u), counter, fill=TEXT, font=self.font)
        return img

    def _draw_run(self, d: ImageDraw.ImageDraw, run: Run, step: int, plot) -> None:
        s, k = self.scene, SUPERSAMPLE
        lw = max(1, int(round(self.line * k)))
        if run.ghost is not None and len(run.ghost):
            g = to_pixels(run.ghost[: min(step, len(run.ghost) - 1) + 1], s, plot, k)
            faint = run.color + (110,)
            if len(g) > 1:
                d.line(_thinned(g), fill=faint, width=max(1, lw * 2 // 3), joint="curve")
        m = len(run.path) - 1
        kk = min(step, m)
        pts = to_pixels(run.path[: kk + 1], s, plot, k)
        if len(pts) > 1:
            d.line(_thinned(pts), fill=run.color, width=lw, joint="curve")
        if len(run.path) <= DOTS_MAX:
            r = self.dot_r * k
            for x, y in pts:
                d.ellipse([x - r, y - r, x + r, y + r], fill=run.color)
        hx, hy = pts[-1]
        reached = run.diverged_at is not None and step >= run.diverged_at
        r = self.head_r * k
        if not (0 <= hx <= plot[2] * k and 0 <= hy <= plot[3] * k):
            # Off the map: a triangle on the border points to where the head went.
            cx, cy = min(max(hx, r), plot[2] * k - r), min(max(hy, r), plot[3] * k - r)
            a = math.atan2(hy - cy, hx - cx)
            colour = s.diverged_color if reached else run.color
            d.polygon([(cx + r * math.cos(a), cy + r * math.sin(a)),
                       (cx + r * math.cos(a + 2.4), cy + r * math.sin(a + 2.4)),
                       (cx + r * math.cos(a - 2.4), cy + r * math.sin(a - 2.4))], fill=colour)
        if reached:
            if m >= 1:
                a, b = to_pixels(run.path[m - 1: m + 1], s, plot, k)
                _dashed(d, a, b, s.diverged_color, max(1, int(lw * 1.2)), 6 * self.u * k, 5 * self.u * k)
            c = r * 1.3
            cw = max(2, int(max(2.5 * self.u * k, lw)))
            d.line([(hx - c, hy - c), (hx + c, hy + c)], fill=s.diverged_color, width=cw)
            d.line([(hx - c, hy + c), (hx + c, hy - c)], fill=s.diverged_color, width=cw)
        else:
            d.ellipse([hx - r, hy - r, hx + r, hy + r], fill=run.color, outline=WHITE, width=max(2, int(2 * self.u * k)))


def _thinned(pts: np.ndarray) -> list[tuple[float, float]]:
    """The polyline without the points that stay in the same (supersampled) pixel as the one
    before: a converged run's thousands of last steps are one pixel, and each drawn vertex
    costs a round joint."""
    cell = np.floor(pts).astype(np.int64)
    keep = np.ones(len(pts), dtype=bool)
    keep[1:] = (cell[1:] != cell[:-1]).any(axis=1)
    keep[-1] = True  # the head's own point
    return [tuple(q) for q in pts[keep]]


def _dashed(d: ImageDraw.ImageDraw, a, b, colour, width: int, on: float, off: float) -> None:
    length = float(np.hypot(*(np.asarray(b) - np.asarray(a))))
    if length == 0:
        return
    ux, uy = (np.asarray(b) - np.asarray(a)) / length
    t = 0.0
    while t < length:
        e = min(length, t + on)
        d.line([(a[0] + ux * t, a[1] + uy * t), (a[0] + ux * e, a[1] + uy * e)], fill=colour, width=width)
        t = e + off


def render_frames(scene: Scene, options: ExportOptions) -> Iterator[tuple[int, Image.Image]]:
    """(step, RGB frame) for every frame of the export, one at a time (a long export never holds
    every frame in memory)."""
    renderer = FrameRenderer(scene, options.width, options.height)
    for step in frame_steps(options.first, options.last, options.fps, options.seconds):
        yield step, renderer.frame(step)
