"""The player's payload, field by field: the one description of what Python sends the browser.

`payload.player_payload` builds it, the JS modules in ``frontend/`` read it, and
``tests/test_player_schema.py`` holds both to this table: every payload has exactly these fields
with these types, every field the JS reads is declared here and every field declared here is
read by the JS (no dead fields). ARCHITECTURE.md shows the table `markdown_table` renders.

Names are written out (``diverged_at``, not ``div``): they occur once per object, not per
number, so they cost the payload a few hundred bytes out of hundreds of kilobytes.

Types: ``bool``, ``int``, ``number`` (int or float), ``string``; ``int?`` is an int or null;
``numbers`` is a flat list of numbers, null where a value is not finite (paths are flat:
point i of a path is at ``2i`` (x) and ``2i + 1`` (y)); ``ints`` / ``strings`` are lists of
those; ``texts`` an object of strings by key; ``f32`` little-endian float32 values in base64; ``number|numbers`` is either; ``colorscale`` is Plotly's list of ``[position, colour]``;
a capitalised name is an object of that kind, ``[Kind]`` a list of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    meaning: str
    #: Sent only in some payloads (the meaning says when); required fields are always sent.
    optional: bool = False


@dataclass(frozen=True)
class Kind:
    """One kind of object in the payload, and the variable name the JS reads it through."""

    name: str
    js_name: str
    meaning: str
    fields: tuple[Field, ...]


PAYLOAD = Kind("Payload", "data", "The whole race: what `player_payload` sends (its `data`).", (
    Field("title", "string", "The race's name (the player region's accessible name)."),
    Field("mode", "string", '"grid" (one map per run, same axes) or "overlay" (every run on one map).'),
    Field("steps", "int", "Steps of the longest run: the scrubber's end."),
    Field("start", "numbers", "The start point [x, y] (ringed on every map)."),
    Field("minima", "numbers", "The surface's minima as flat [x, y] pairs (stars)."),
    Field("style", "Style", "Sizes for a laptop or the projector."),
    Field("speed", "int", "Default speed (steps per second): the menu value that plays the run in 10–20 s."),
    Field("speeds", "ints", "The speed menu's choices (steps per second)."),
    Field("playback", "string", "Names the race: when it changes the browser restarts at step 0 at `speed`."),
    Field("start_step", "int", "The step a newly mounted player shows (where the visitor left this race's scrubber "
          "before another page; 0 when hidden)."),
    Field("colors", "Colors", "Colours of the static map marks and the gradient arrow."),
    Field("axis_titles", "strings", "The maps' x and y axis titles (empty: none)."),
    Field("arrows", "bool", "Tick the arrows box when the player mounts."),
    Field("clickable", "bool", "A click on a map sends a new start (false in the offline export)."),
    Field("colorscale", "colorscale", "The contour fill's colour scale."),
    Field("line_color", "string", "The contour lines' colour."),
    Field("diverged_color", "string", "Colour of a diverged run's last segment and cross."),
    Field("grid_id", "string", "Hash of `grid`: the same grid keeps the drawn maps."),
    Field("note", "string", "A line of explanation under the maps."),
    Field("hidden", "bool", "Predict first: runs carry only their start, Play is off."),
    Field("texts", "texts", "Every word the player writes, in the visitor's language: the catalog areas "
          "`payload.PLAYER_AREAS` by full key (`NS.tr(data, key, values)` fills `{name}` placeholders)."),
    Field("lang", "string", "The visitor's language (the player's `lang` attribute picks the CJK font stack)."),
    Field("live_offer", "bool", "Show the bar's live-slider button: the page computes a run's Live family on request."),
    Field("loss_chart", "LossChart", "The loss-versus-step chart under the maps (pages that show it).",
          optional=True),
    Field("samples", "Samples", "The data points of a least-squares surface (a panel shows each run's line "
          "y = w·x + b at the current step over them).", optional=True),
    Field("grid", "Grid", "The contour grid every map draws."),
    Field("runs", "[Run]", "The runs, in panel order."),
))

SAMPLES = Kind("Samples", "samples", "The data a regression surface is fitted to: the map's (w, b) is a line over them.", (
    Field("x", "numbers", "The inputs xᵢ."),
    Field("y", "numbers", "The targets yᵢ."),
))

STYLE = Kind("Style", "style", "Sizes (`viz.style.Style`) in CSS pixels.", (
    Field("projector", "bool", "Projector mode: larger text, thicker lines, taller maps."),
    Field("font_family", "string", "The font stack of every word the player writes (`viz.style.FONT_FAMILY`: "
          "Latin first, then common Chinese fonts, at the same sizes)."),
    Field("font_size", "int", "Tick, title and legend font size."),
    Field("line_width", "number", "Path line width."),
    Field("marker_size", "number", "Marker size: heads, dots, stars and rings scale with it."),
    Field("arrow_min_px", "int", "The longest arrow of a panel is magnified to at least this length."),
    Field("arrow_width", "number", "Arrow line width."),
))

COLORS = Kind("Colors", "colors", "Colours of the marks that belong to no run (runs carry their own).", (
    Field("minimum", "string", "The minima's star."),
    Field("minimum_outline", "string", "The star's outline."),
    Field("start", "string", "The start ring."),
    Field("gradient", "string", "The −η·∇f arrow."),
))

GRID = Kind("Grid", "grid", "The surface sampled on a regular grid, and its contour levels.", (
    Field("columns", "int", "Samples along x."),
    Field("rows", "int", "Samples along y."),
    Field("x_min", "number", "The map's left edge."),
    Field("x_max", "number", "The map's right edge."),
    Field("y_min", "number", "The map's bottom edge."),
    Field("y_max", "number", "The map's top edge."),
    Field("heights", "numbers", "The plotted heights, row by row (rows along y): `rows × columns` values."),
    Field("level_start", "number", "The first contour level."),
    Field("level_end", "number", "The last contour level."),
    Field("level_step", "number", "The spacing of the contour levels."),
))

LOSS_CHART = Kind("LossChart", "chart", "Axis and layout of the loss chart (`viz.paths.LossScale`).", (
    Field("title", "string", "The y axis title (f or f − f*)."),
    Field("log", "bool", "A log y axis."),
    Field("floor", "number", "Smallest value plotted on a log axis (a loss of 0 has no logarithm)."),
    Field("height", "int", "The chart's height."),
    Field("unified", "bool", "One hover label for every run at a step (more than one run)."),
))

RUN = Kind("Run", "run", "One optimizer's run.", (
    Field("key", "string", "The optimizer's key: panels and legend groups follow it."),
    Field("label", "string", "The name shown in the panel head and legends."),
    Field("color", "string", "The run's colour."),
    Field("points", "int", "Points in `path` (steps + 1, fewer if it diverged; 1 while hidden)."),
    Field("path", "numbers", "The iterates as flat [x, y] pairs."),
    Field("loss", "numbers", "The loss at each point."),
    Field("diverged_at", "int?", "The step at which the run left the finite world, or null."),
    Field("learning_rate", "number|numbers", "η per update (one number when constant): with the arrows only.",
          optional=True),
    Field("gradients", "numbers", "∇f at each point as flat pairs: with the arrows only.", optional=True),
    Field("momentum_arrows", "numbers", "−η·velocity per update as flat pairs: with the arrows, for optimizers "
          "that declare a velocity.", optional=True),
    Field("loss_above_minimum", "numbers", "f − f* per point, on the loss chart's log axis when f* ≠ 0 (the "
          "rounded losses would lose the difference); otherwise the chart plots `loss`.", optional=True),
    Field("ghost", "Ghost", "A comparison run drawn faint and dashed in this run's panel.", optional=True),
    Field("cloud", "Cloud", "Seeded noisy runs drawn faint under this run.", optional=True),
    Field("live", "Live", "Its family over a slider's values (the live slider, or a 2-D pad): once the student "
          "opens the live control or a lesson arms it.", optional=True),
))

LIVE = Kind("Live", "live", "A family of runs over one or two hyperparameters' slider values "
            "(`lessons.live_family`, `viz.player.live`): member j of a pad has axis 0's stop j mod n₀ and axis 1's "
            "stop ⌊j / n₀⌋.", (
    Field("index", "ints", "The race's current stop on each axis."),
    Field("axes", "[Axis]", "One axis (a live slider) or two (a pad)."),
    Field("choices", "strings", "The optimizer's hyperparameters the student may put on the live slider."),
    Field("choice_labels", "strings", "Their names as shown (symbol and name)."),
    Field("points", "int", "Points kept per member (the steps in `step_index`)."),
    Field("step_index", "ints", "The step of each kept point (an odd stride when thinned to the budget; the "
          "last step always kept)."),
    Field("paths", "f32", "Member j's point i at `2 × (j × points + i)` (x, then y)."),
    Field("losses", "f32", "Member j's f − `loss_offset` at point i, at `j × points + i`."),
    Field("loss_offset", "number", "Added back to `losses` for f (f* when the loss chart plots f − f*, else 0)."),
    Field("diverged_at", "ints", "Per member: the step it diverged at, −1 if never."),
    Field("steps_to_tol", "ints", "Per member: the first step with f − f* ≤ 1e-3, −1 if never (or f* unknown)."),
    Field("limits", "numbers", "Per member: the optimizer's declared stability limit on this quadratic (null: none)."),
    Field("verdicts", "ints", "Per member: 0 stable, 1 at the edge, 2 diverges (`lessons.stability.verdict`), "
          "−1 no limit."),
))

AXIS = Kind("Axis", "liveAxis", "One hyperparameter of a live family.", (
    Field("name", "string", "The hyperparameter's key (`lr`, `momentum`, `beta1` …)."),
    Field("symbol", "string", "Its symbol as plain text (η, μ, β₁ …)."),
    Field("values", "numbers", "Its stops: the sidebar slider's values (thinned for a pad)."),
    Field("labels", "strings", "The stops as the sidebar slider writes them."),
))

GHOST = Kind("Ghost", "ghost", "A comparison run (e.g. the same optimizer at a constant learning rate).", (
    Field("label", "string", "Its name in the loss chart's legend."),
    Field("points", "int", "Points in `path`."),
    Field("path", "numbers", "Its iterates as flat [x, y] pairs."),
    Field("diverged_at", "int?", "The step at which it diverged, or null."),
    Field("loss", "numbers", "Its loss at each point: with the loss chart only.", optional=True),
    Field("loss_above_minimum", "numbers", "As the run's, with the loss chart only.", optional=True),
))

CLOUD = Kind("Cloud", "cloud", "A noise cloud: the same run under many noise seeds (`viz.clouds.CloudView`).", (
    Field("runs_drawn", "int", "Seeded runs sent (a spread subset when all do not fit the payload; `note` "
          "says how many there are)."),
    Field("points", "int", "Points per path (the steps in `step_index`)."),
    Field("step_index", "ints", "The step of each point (a path is thinned, not cut)."),
    Field("paths", "numbers", "Path j's point i is at `2 × (j × points + i)`."),
    Field("median_path", "numbers", "The median path as flat [x, y] pairs."),
    Field("median_loss", "numbers", "The median loss at each point."),
    Field("loss_band", "LossBand", "The loss chart's band: with the loss chart only.", optional=True),
))

LOSS_BAND = Kind("LossBand", "band", "A noise cloud on the loss chart: its median and middle 50 %.", (
    Field("name", "string", "The legend entry."),
    Field("fill", "string", "The band's fill colour."),
    Field("steps", "ints", "The step of each value."),
    Field("lower_quartile", "numbers", "The 25th percentile of the loss over the seeds."),
    Field("median", "numbers", "The median loss."),
    Field("upper_quartile", "numbers", "The 75th percentile."),
))

KINDS: tuple[Kind, ...] = (PAYLOAD, SAMPLES, STYLE, COLORS, GRID, LOSS_CHART, RUN, GHOST, CLOUD, LOSS_BAND, LIVE,
                           AXIS)
BY_NAME: dict[str, Kind] = {k.name: k for k in KINDS}


def field_names(kind: Kind) -> tuple[str, ...]:
    return tuple(f.name for f in kind.fields)


# ------------------------------------------------------------------------------- validation


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _numbers(v: Any) -> bool:
    return isinstance(v, list) and all(x is None or _is_number(x) for x in v)


_SCALARS = {
    "bool": lambda v: isinstance(v, bool),
    "int": _is_int,
    "int?": lambda v: v is None or _is_int(v),
    "number": _is_number,
    "string": lambda v: isinstance(v, str),
    "numbers": _numbers,
    "ints": lambda v: isinstance(v, list) and all(_is_int(x) for x in v),
    "strings": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
    "texts": lambda v: isinstance(v, Mapping) and all(isinstance(k, str) and isinstance(x, str) for k, x in v.items()),
    "number|numbers": lambda v: _is_number(v) or _numbers(v),
    "f32": lambda v: isinstance(v, str) and len(v) % 4 == 0 and re.fullmatch(r"[A-Za-z0-9+/]*={0,2}", v) is not None,
    "colorscale": lambda v: isinstance(v, list) and all(
        isinstance(p, list) and len(p) == 2 and _is_number(p[0]) and isinstance(p[1], str) for p in v),
}


def validate(obj: Any, kind: Kind = PAYLOAD, where: str = "data") -> list[str]:
    """Every way ``obj`` (parsed JSON) differs from ``kind``: unknown, missing or mistyped fields."""
    if not isinstance(obj, Mapping):
        return [f"{where}: expected a {kind.name} object, got {type(obj).__name__}"]
    errors = [f"{where}.{name}: not in the schema of {kind.name}" for name in obj if name not in field_names(kind)]
    for field in kind.fields:
        path = f"{where}.{field.name}"
        if field.name not in obj:
            if not field.optional:
                errors.append(f"{path}: missing")
            continue
        value = obj[field.name]
        if field.type in _SCALARS:
            if not _SCALARS[field.type](value):
                errors.append(f"{path}: expected {field.type}, got {value!r:.60}")
        elif field.type.startswith("["):
            item = BY_NAME[field.type[1:-1]]
            if not isinstance(value, list):
                errors.append(f"{path}: expected a list of {item.name}")
            else:
                for i, entry in enumerate(value):
                    errors += validate(entry, item, f"{path}[{i}]")
        else:
            errors += validate(value, BY_NAME[field.type], path)
    return errors


# ---------------------------------------------------------------------------- documentation


def markdown_table() -> str:
    """The schema as Markdown tables, one per kind (ARCHITECTURE.md holds this text verbatim)."""
    out = []
    for kind in KINDS:
        out.append(f"**{kind.name}** (`{kind.js_name}` in the JS): {kind.meaning}\n")
        out.append("| field | type | meaning |")
        out.append("|---|---|---|")
        for f in kind.fields:
            meaning = f.meaning.replace("|", "\\|")
            out.append(f"| `{f.name}` | {f.type.replace('|', ' or ')}{' (optional)' if f.optional else ''} "
                       f"| {meaning} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"
