"""The Compare page's state as a URL, and back: parsing, validation, canonical writing.

Why plain functions over a dict (no Streamlit here): links get pasted into slides, hand-edited
and mangled by chat apps, so every key is parsed with a type, a range and a set of allowed
values, and a bad value falls back to the default (or is clamped) with a short notice, never a
traceback. Keeping this pure makes the whole table of bad inputs a fast unit test.

URL keys (declared once, in ``COMPARE_KEYS``; ``parse_query`` and ``to_query`` walk that table)::

    preset=<key>  surface=rosenbrock  opt=sgd&opt=adam  steps=500  x0=-1.5  y0=2  noise=0  seed=0
    clip=1  clouds=32  adam.lr=0.01 (<optimizer>.<hyperparameter>, from the HyperSpecs)
    sched=inverse_time  sched.decay=0.05  ghost=1  view=overlay|3d
    surface=custom  formula=sin(x)*cos(y)  xmin=-5  xmax=5  ymin=-5  ymax=5 (custom surfaces)

``preset`` is a base: the preset's settings first, then every other key on top. Without it, a
hyperparameter the link does not name is the optimizer's (PyTorch) default. The writer puts
``preset`` in the URL only while the page still shows exactly that preset, so a link is always
exact.

A ``formula`` from a link is checked by ``surfaces.validate_expression`` (a whitelist walk of
its syntax tree, nothing evaluated) before anything else touches it; a formula that fails, or
that builds no usable surface, becomes the default formula with a notice.
"""

from __future__ import annotations

import math
import string
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence

from .values import clip_options, format_number, noise_options, slider_options, snap

Bounds = tuple[tuple[float, float], tuple[float, float]]

MAX_STEPS = 5000
MAX_NOISE = 10.0
MAX_SEED = 2**31 - 1
MAX_CLIP = 100.0
VIEWS = ("side", "overlay", "3d")
#: Streamlit's own query parameters: never ours, never worth a notice.
IGNORED_KEYS = {"embed", "embed_options"}
_NOTICE_VALUE_CHARS = 24
_PUNCTUATION = frozenset(string.punctuation)

#: The surface key of a user-typed formula (not in the SURFACES registry).
CUSTOM = "custom"
#: The formula a custom surface starts with: a bowl with ripples, so optimizers meet local minima.
DEFAULT_FORMULA = "sin(x)*cos(y) + 0.1*(x^2 + y^2)"
#: Plotting range of a custom surface unless the link says otherwise (from_expression's default).
DEFAULT_BOUNDS: Bounds = ((-5.0, 5.0), (-5.0, 5.0))
#: The plotting range a custom surface may have (a classroom never needs more).
MAX_CUSTOM_BOUND = 1e4
BOUND_KEYS = ("xmin", "xmax", "ymin", "ymax")
#: Noise clouds: seeded runs per optimizer (the slider's values; 0 = off).
CLOUD_RUNS = (8, 16, 24, 32, 48, 64, 96, 128)
DEFAULT_CLOUD_RUNS = 32


@dataclass
class PageState:
    """Everything that determines the Compare page's picture."""

    surface: str
    opts: list[str]
    steps: int
    x0: float
    y0: float
    noise: float = 0.0
    seed: int = 0
    #: optimizer key -> {hyperparameter: value}, complete for every optimizer in ``opts``.
    hyper: dict[str, dict[str, float]] = field(default_factory=dict)
    sched: str = "constant"
    sched_params: dict[str, float] = field(default_factory=dict)
    clip: float = 0.0
    ghost: bool = False
    view: str = "side"
    preset: str | None = None
    #: ``surface == "custom"``: the formula's canonical text and its plotting range.
    formula: str | None = None
    bounds: Bounds | None = None
    #: Seeded runs per noise cloud (0: no clouds; only meaningful with noise > 0).
    clouds: int = 0


# ---------------------------------------------------------------------------------- helpers


def quote(raw: Any, limit: int = _NOTICE_VALUE_CHARS) -> str:
    """A value from a link (or typed by a user), shortened and escaped for any markdown element.

    The one escape helper: every notice that repeats a link's value goes through it, so no value
    renders as a link, an image, HTML, LaTeX or a Streamlit directive (``:red[...]``). No code
    span: a backtick in the value could close it.
    """
    text = "".join(ch for ch in str(raw) if ch.isprintable())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return md_escape(text)


def _values(params: Mapping[str, Any], key: str) -> list[str]:
    raw = params.get(key)
    if raw is None:
        return []
    if isinstance(raw, (list, tuple)):
        return [str(v) for v in raw]
    return [str(raw)]


def _last(params: Mapping[str, Any], key: str) -> str | None:
    vals = [v for v in _values(params, key) if v.strip() != ""]
    return vals[-1].strip() if vals else None


def md_escape(text: str) -> str:
    """``text`` safe to show inside Streamlit markdown: no emphasis, links, HTML or LaTeX.

    Every ASCII punctuation character is backslash-escaped (CommonMark allows exactly these),
    which also breaks bare-URL autolinks (``https\\://``, ``www\\.``), e-mail links, emoji
    shortcodes and Streamlit's ``:color[...]`` directives.
    """
    out = "".join(ch for ch in str(text) if ch.isprintable())
    return "".join("\\" + ch if ch in _PUNCTUATION else ch for ch in out)


def _short(message: str, limit: int = 160) -> str:
    message = str(message).strip()
    return message if len(message) <= limit else message[: limit - 1] + "…"


def parse_float(raw: str) -> float | None:
    """A finite float from text, or None (rejects 'nan', 'inf', '1e999', words, scripts)."""
    if raw is None or len(raw) > 40:
        return None
    try:
        value = float(raw.strip())
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def read_number(params: Mapping[str, Any], key: str, default: float, low: float, high: float, notices: list[str],
                *, integer: bool = False, label: str | None = None) -> float:
    """A number from a link, clamped into [low, high]; the default when unreadable (with a notice).

    Used by the Compare page's parser and by every lesson page (``ui.lesson_url``): one rule for
    what a usable number is, one wording for the notices.
    """
    raw = _last(params, key)
    if raw is None:
        return default
    name = label or key
    value = parse_float(raw)
    if value is None:
        notices.append(f"{name}={quote(raw)} is not a usable number; using {format_number(default)}.")
        return default
    if integer and not float(value).is_integer():
        value = float(round(value))
        notices.append(f"{name}={quote(raw)} must be a whole number; using {format_number(value)}.")
    if value < low or value > high:
        clamped = min(max(value, low), high)
        notices.append(f"{name}={quote(raw)} is outside [{format_number(low)}, {format_number(high)}]; using {format_number(clamped)}.")
        value = clamped
    return int(value) if integer else float(value)


def read_flag(params: Mapping[str, Any], key: str, default: bool, notices: list[str]) -> bool:
    """An on/off value from a link (1/0, true/false, yes/no, on/off); the default otherwise."""
    raw = _last(params, key)
    if raw is None:
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    notices.append(f"{key}={quote(raw)} is not 0 or 1; using {int(default)}.")
    return default


def read_choice(params: Mapping[str, Any], key: str, options, default, notices: list[str], *,
                label: str | None = None):
    """One of ``options`` (case-insensitive), else the default with a notice."""
    raw = _last(params, key)
    if raw is None:
        return default
    for option in options:
        if raw.lower() == str(option).lower():
            return option
    notices.append(f"{label or key}={quote(raw)} is not one of {', '.join(quote(o, 40) for o in options)}; "
                   f"using {quote(default, 40)}.")
    return default


# ------------------------------------------------------------------------------ custom surface


def _default_builder() -> Callable[[str, Bounds], Any]:
    from surfaces import from_expression

    return from_expression


def parse_custom_surface(
    params: Mapping[str, Any], notices: list[str], build: Callable[[str, Bounds], Any] | None = None
) -> tuple[Any, str, Bounds]:
    """The custom surface a link describes, as ``(surface, formula, bounds)``; always usable.

    ``formula`` is validated by ``surfaces.validate_expression`` before anything else sees it
    (it never reaches SymPy unchecked); ``xmin``/``xmax``/``ymin``/``ymax`` must be finite,
    within ±``MAX_CUSTOM_BOUND`` and ordered. Anything unusable falls back to the default
    formula and range, with a notice. ``build(formula, bounds)`` makes the Surface (the app
    passes a cached ``from_expression``).
    """
    from surfaces import validate_expression

    build = build or _default_builder()
    params = {str(k): v for k, v in params.items()}
    formula = DEFAULT_FORMULA
    raw = _last(params, "formula")
    if raw is not None:
        try:
            validate_expression(raw)
            formula = raw.strip()
        except ValueError as exc:
            notices.append(f"formula={quote(raw)} cannot be used ({md_escape(_short(exc))}); "
                           f"using {md_escape(DEFAULT_FORMULA)}.")
    (dx0, dx1), (dy0, dy1) = DEFAULT_BOUNDS
    lim = MAX_CUSTOM_BOUND
    xmin, xmax, ymin, ymax = (read_number(params, k, d, -lim, lim, notices) for k, d in zip(BOUND_KEYS, (dx0, dx1, dy0, dy1)))
    bounds: Bounds = ((float(xmin), float(xmax)), (float(ymin), float(ymax)))
    if not (xmin < xmax and ymin < ymax):
        notices.append("The plotting range needs xmin < xmax and ymin < ymax; using −5 … 5.")
        bounds = DEFAULT_BOUNDS
    try:
        return build(formula, bounds), formula, bounds
    except ValueError as exc:
        notices.append(f"The formula cannot be drawn on this range ({md_escape(_short(exc))}); "
                       f"using {md_escape(DEFAULT_FORMULA)} on −5 … 5.")
    return build(DEFAULT_FORMULA, DEFAULT_BOUNDS), DEFAULT_FORMULA, DEFAULT_BOUNDS


# ------------------------------------------------------------------------- the table of keys


def defaults_from_preset(preset, optimizers: Mapping[str, Any]) -> PageState:
    """The state a preset describes, hyperparameters completed with each optimizer's defaults."""
    hyper = {}
    for key, overrides in preset.optimizers.items():
        if key in optimizers:
            values = optimizers[key].defaults()
            values.update({k: float(v) for k, v in overrides.items()})
            hyper[key] = values
    return PageState(
        surface=preset.surface, opts=[k for k in preset.optimizers if k in optimizers], steps=int(preset.steps),
        x0=float(preset.start[0]), y0=float(preset.start[1]), noise=float(preset.noise), seed=int(preset.seed),
        hyper=hyper, sched=preset.schedule, sched_params=dict(preset.schedule_params), clip=float(preset.clip),
        ghost=bool(preset.ghost), view=preset.view, preset=preset.key,
    )


def hyper_options(optimizer, key: str, extra: Iterable[float] = ()) -> list[float]:
    """The slider grid of one hyperparameter (what the URL value is snapped to)."""
    return slider_options(optimizer.spec(key), extra)


@dataclass
class _Ctx:
    """What a key's reader may look at besides the link: the registries and the state so far."""

    params: dict[str, Any] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    surfaces: Mapping[str, Any] = field(default_factory=dict)
    optimizers: Mapping[str, Any] = field(default_factory=dict)
    schedules: Mapping[str, Any] = field(default_factory=dict)
    presets: Mapping[str, Any] = field(default_factory=dict)
    default_preset: str = ""
    extra_values: Callable[[str, str], Iterable[float]] = lambda o, h: ()
    custom_surface: Callable[[str, Bounds], Any] | None = None
    bounds: Bounds | None = None  # the custom surface's range, once read


Limit = float | Callable[[PageState, _Ctx], float]


@dataclass(frozen=True)
class UrlKey:
    """One URL key of the Compare page, declared once: ``parse_query`` and ``to_query`` walk them.

    ``kind`` picks the reader and writer (``_KINDS``): ``number``/``int`` (clamped into
    [low, high], snapped onto ``grid`` when positive), ``flag``, ``choice`` (``choices``: the
    notice's word and the options, a tuple or a registry), ``repeated`` (``opt=a&opt=b``), the
    compound families ``hypers``/``sched_params`` (``adam.lr``, ``sched.gamma``: generated from
    the HyperSpecs and schedule params, never listed), and the keys that set other fields too:
    ``preset`` (the base), ``surface`` (moves the start, reads a custom formula) and ``runs``
    (needs noise). ``written(state)`` says when the canonical link carries the key.
    """

    name: str
    kind: str
    low: Limit = 0.0
    high: Limit = 0.0
    grid: Callable[[], Sequence[float]] | None = None
    choices: Any = None
    written: Callable[[PageState], bool] = lambda state: True
    field: str = ""  # the PageState field, when not ``name``


def _limit(value: Limit, state: PageState, ctx: _Ctx) -> float:
    return value(state, ctx) if callable(value) else value


def _start_range(axis: int) -> tuple[Limit, Limit]:
    """The start's [low, high] on one axis: the surface's (or the custom formula's) range."""
    span = lambda state, ctx: (ctx.bounds or ctx.surfaces[state.surface].bounds)[axis]  # noqa: E731
    return (lambda state, ctx: float(span(state, ctx)[0])), (lambda state, ctx: float(span(state, ctx)[1]))


def _read_number(key: UrlKey, state: PageState, ctx: _Ctx) -> None:
    low, high = _limit(key.low, state, ctx), _limit(key.high, state, ctx)
    value = read_number(ctx.params, key.name, getattr(state, key.name), low, high, ctx.notices,
                        integer=key.kind == "int")
    if key.grid is not None:  # the slider's grid, so the page shows what was simulated
        value = snap(value, key.grid(), True) if value > 0 else 0.0
    setattr(state, key.name, value)


def _read_flag(key: UrlKey, state: PageState, ctx: _Ctx) -> None:
    setattr(state, key.name, read_flag(ctx.params, key.name, getattr(state, key.name), ctx.notices))


def _read_choice(key: UrlKey, state: PageState, ctx: _Ctx) -> None:
    raw = _last(ctx.params, key.name)
    if raw is None:
        return
    label, choices = key.choices
    options = choices(ctx) if callable(choices) else choices
    if raw not in options:
        ctx.notices.append(f"Unknown {label} {quote(raw)}; using {getattr(state, key.name)}.")
    elif raw != getattr(state, key.name):
        setattr(state, key.name, raw)
        if key.name == "sched":  # another schedule: its own parameters, at their defaults
            state.sched_params = {}


def _write(key: UrlKey, state: PageState, q: dict, ctx: _Ctx) -> None:
    """A field's value as link text: 1 for on, the one number format, a list for a repeated key."""
    v = getattr(state, key.field or key.name)
    q[key.name] = (list(v) if isinstance(v, list) else "1" if v is True
                   else format_number(v) if isinstance(v, (int, float)) else str(v))


def _read_preset(key: UrlKey, state: PageState, ctx: _Ctx) -> None:
    """The base: a preset when the link names a known one, else the landing preset."""
    base, raw = ctx.default_preset, _last(ctx.params, "preset")
    if raw is not None:
        if raw in ctx.presets:
            base = raw
        else:
            ctx.notices.append(f"Unknown lesson {quote(raw)}; showing the default.")
    vars(state).update(vars(defaults_from_preset(ctx.presets[base], ctx.optimizers)))  # the base, in place
    explicit = raw in ctx.presets if raw is not None else False
    state.preset = base if explicit else None
    if not any(k not in IGNORED_KEYS for k in ctx.params):
        state.preset = base  # the landing page is the default preset, shown as such
    elif not explicit:
        # A link without a lesson: hyperparameters it does not name are PyTorch's defaults
        # (the landing lesson's tuned values would be a surprise nobody can see in the link).
        state.hyper = {}


def _read_surface(key: UrlKey, state: PageState, ctx: _Ctx) -> None:
    """A change of surface moves the default start to that surface's start."""
    raw = _last(ctx.params, "surface")
    if raw == CUSTOM:
        custom, state.formula, state.bounds = parse_custom_surface(ctx.params, ctx.notices, ctx.custom_surface)
        state.surface, ctx.bounds = CUSTOM, state.bounds
        state.x0, state.y0 = (float(c) for c in custom.start)
    elif any(k in ctx.params for k in ("formula", *BOUND_KEYS)):
        ctx.notices.append("A formula or plotting range is used only with surface=custom; ignored.")
    if raw is not None and raw != CUSTOM:
        if raw in ctx.surfaces:
            if raw != state.surface:
                state.surface = raw
                state.x0, state.y0 = (float(c) for c in ctx.surfaces[raw].start)
        else:
            ctx.notices.append(f"Unknown surface {quote(raw)}; using {state.surface}.")


def _write_surface(key: UrlKey, state: PageState, q: dict, ctx: _Ctx) -> None:
    q["surface"] = state.surface
    if state.surface == CUSTOM:
        q.update(custom_query(state.formula, state.bounds))


def _read_opts(key: UrlKey, state: PageState, ctx: _Ctx) -> None:
    """Optimizers (repeated key), in the order of first mention."""
    raw_opts = [v.strip() for v in _values(ctx.params, "opt") if v.strip() != ""]
    if raw_opts:
        chosen: list[str] = []
        for v in raw_opts:
            if v not in ctx.optimizers:
                ctx.notices.append(f"Unknown optimizer {quote(v)} ignored.")
            elif v not in chosen:
                chosen.append(v)
        if chosen:
            state.opts = chosen
        else:
            ctx.notices.append(f"No known optimizer in the link; showing {', '.join(state.opts)}.")
    elif "opt" in ctx.params:
        ctx.notices.append("Empty optimizer list in the link; showing the default.")


def _read_runs(key: UrlKey, state: PageState, ctx: _Ctx) -> None:
    """Noise clouds: a slider value, and only with gradient noise (else every seed is one path)."""
    if _last(ctx.params, "clouds") is None:
        return
    runs = read_number(ctx.params, "clouds", 0, 0, CLOUD_RUNS[-1], ctx.notices, integer=True)
    state.clouds = int(snap(runs, CLOUD_RUNS)) if runs > 0 else 0
    if state.clouds and state.clouds != runs:
        ctx.notices.append(f"clouds={runs} is between slider values; using {state.clouds}.")
    if state.clouds and state.noise == 0:
        ctx.notices.append("Noise clouds need gradient noise (noise > 0); not shown.")
        state.clouds = 0


# -- compound keys ``<owner>.<setting>``, generated from declarations: each optimizer's HyperSpecs
#    (``adam.lr``) and the schedule's params (``sched.gamma``). None is listed here.


def _read_hypers(key: UrlKey, state: PageState, ctx: _Ctx) -> None:
    for name in [k for k in ctx.params if "." in k and not k.startswith("sched.")]:
        opt_key, _, hyper = name.partition(".")
        opt = ctx.optimizers.get(opt_key)
        if opt is None or hyper not in opt.hyper_keys:
            ctx.notices.append(f"{opt.label} has no setting {quote(hyper)}; ignored." if opt is not None
                               else f"Unknown optimizer in {quote(name)} ignored.")
            continue
        spec = opt.spec(hyper)
        current = state.hyper.get(opt_key, {}).get(hyper, spec.default)
        value = read_number(ctx.params, name, current, float(spec.low), float(spec.high), ctx.notices)
        if spec.high_open and value >= spec.valid_high:
            value = current
        snapped = snap(value, slider_options(spec, ctx.extra_values(opt_key, hyper)), spec.log)
        if abs(snapped - value) > 1e-9 * max(1.0, abs(value)):
            ctx.notices.append(f"{name}={format_number(value, 4)} is between slider values; using {format_number(snapped)}.")
        state.hyper.setdefault(opt_key, opt.defaults())[hyper] = snapped
    for opt_key in state.opts:  # every optimizer on screen gets a complete set
        state.hyper[opt_key] = {**ctx.optimizers[opt_key].defaults(), **state.hyper.get(opt_key, {})}


def _write_hypers(key: UrlKey, state: PageState, q: dict, ctx: _Ctx) -> None:
    for opt_key in state.opts:  # the learning rate always, the others when not the default
        for spec in ctx.optimizers[opt_key].hypers:
            v = float(state.hyper.get(opt_key, {}).get(spec.key, spec.default))
            if spec.key == "lr" or not math.isclose(v, float(spec.default), rel_tol=1e-12, abs_tol=0.0):
                q[f"{opt_key}.{spec.key}"] = format_number(v)


def _read_sched_params(key: UrlKey, state: PageState, ctx: _Ctx) -> None:
    specs = {s.key: s for s in ctx.schedules[state.sched].params} if state.sched in ctx.schedules else {}
    values = {k: float(s.default) for k, s in specs.items()}
    state.sched_params = {**values, **{k: v for k, v in state.sched_params.items() if k in specs}}
    for name in [k for k in ctx.params if k.startswith("sched.")]:
        spec = specs.get(name.partition(".")[2])
        if spec is None:
            ctx.notices.append(f"Schedule {state.sched} has no setting {quote(name.partition('.')[2])}; ignored.")
            continue
        value = read_number(ctx.params, name, state.sched_params[spec.key], float(spec.low), float(spec.high),
                            ctx.notices, integer=bool(getattr(spec, "integer", False)))
        state.sched_params[spec.key] = snap(value, slider_options(spec), spec.log)


def _write_sched_params(key: UrlKey, state: PageState, q: dict, ctx: _Ctx) -> None:
    for spec in ctx.schedules[state.sched].params if state.sched in ctx.schedules else ():
        q[f"sched.{spec.key}"] = format_number(state.sched_params.get(spec.key, spec.default))


#: kind -> (reader, writer)
_KINDS = {"preset": (_read_preset, _write), "surface": (_read_surface, _write_surface), "repeated": (_read_opts, _write),
          "number": (_read_number, _write), "int": (_read_number, _write), "flag": (_read_flag, _write),
          "choice": (_read_choice, _write), "runs": (_read_runs, _write), "hypers": (_read_hypers, _write_hypers),
          "sched_params": (_read_sched_params, _write_sched_params)}

#: The Compare page's URL keys, in reading (and writing) order: a key may depend on those above it.
COMPARE_KEYS: tuple[UrlKey, ...] = (
    UrlKey("preset", "preset", written=lambda s: bool(s.preset)),
    UrlKey("surface", "surface"),
    UrlKey("opt", "repeated", field="opts"),
    UrlKey("steps", "int", 1, MAX_STEPS),
    UrlKey("x0", "number", *_start_range(0)),
    UrlKey("y0", "number", *_start_range(1)),
    UrlKey("noise", "number", 0.0, MAX_NOISE, grid=lambda: noise_options(MAX_NOISE)),
    UrlKey("seed", "int", 0, MAX_SEED),
    UrlKey("clip", "number", 0.0, MAX_CLIP, grid=clip_options, written=lambda s: s.clip > 0),
    UrlKey("clouds", "runs", written=lambda s: bool(s.clouds and s.noise > 0)),
    UrlKey("<opt>.<hyper>", "hypers"),
    UrlKey("sched", "choice", choices=("schedule", lambda c: c.schedules), written=lambda s: s.sched != "constant"),
    UrlKey("sched.<param>", "sched_params", written=lambda s: s.sched != "constant"),
    UrlKey("ghost", "flag", written=lambda s: s.ghost),
    UrlKey("view", "choice", choices=("view", VIEWS), written=lambda s: s.view != "side"),
)

#: The Compare page's plain keys (``<opt>.<hyper>`` and ``sched.<param>`` come on top); ``mode``
#: (``mode=predict``) is read by ui/predict.py, not part of the race.
KNOWN_KEYS = frozenset({k.name for k in COMPARE_KEYS if "." not in k.name} | {"formula", *BOUND_KEYS, "mode"})


def parse_query(
    params: Mapping[str, Any],
    *,
    surfaces: Mapping[str, Any],
    optimizers: Mapping[str, Any],
    schedules: Mapping[str, Any],
    presets: Mapping[str, Any],
    default_preset: str,
    extra_values: Any = None,
    custom_surface: Callable[[str, Bounds], Any] | None = None,
) -> tuple[PageState, list[str]]:
    """Validate query parameters into a complete `PageState` plus human-readable notices.

    ``params`` maps keys to a string or a list of strings (repeated keys). ``extra_values`` is
    an optional callable ``(opt_key, hyper_key) -> values`` that every slider grid includes
    (the preset values). ``custom_surface(formula, bounds)`` builds ``surface=custom`` links
    (default: ``surfaces.from_expression``). Never raises on any input.
    """
    ctx = _Ctx({str(k): v for k, v in params.items()}, [], surfaces, optimizers, schedules, presets, default_preset,
               extra_values or (lambda o, h: ()), custom_surface)
    state = PageState(surface="", opts=[], steps=1, x0=0.0, y0=0.0)
    for key in COMPARE_KEYS:
        _KINDS[key.kind][0](key, state, ctx)
    for key in ctx.params:  # anything else is reported once
        if key not in KNOWN_KEYS and key not in IGNORED_KEYS and "." not in key:
            ctx.notices.append(f"Unknown setting {quote(key)} ignored.")
    if state.preset is not None and not same_as_preset(state, presets[state.preset], optimizers):
        state.preset = None
    return state, ctx.notices


# ------------------------------------------------------------------------------------ write


def same_as_preset(state: PageState, preset, optimizers: Mapping[str, Any]) -> bool:
    """True when ``state`` shows exactly ``preset`` (so the link may carry its name).

    The view and noise clouds are ways of looking at a lesson, not part of it: they travel in
    the link next to the preset's name.
    """
    ref = defaults_from_preset(preset, optimizers)
    return (
        state.surface == ref.surface and list(state.opts) == list(ref.opts) and state.steps == ref.steps
        and math.isclose(state.x0, ref.x0) and math.isclose(state.y0, ref.y0)
        and math.isclose(state.noise, ref.noise) and state.seed == ref.seed
        and all(
            all(math.isclose(state.hyper.get(o, {}).get(k, v), v, rel_tol=1e-9) for k, v in ref.hyper[o].items())
            for o in ref.opts
        )
        and state.sched == ref.sched
        and (state.sched == "constant" or all(
            math.isclose(state.sched_params.get(k, v), v) for k, v in ref.sched_params.items()))
        and math.isclose(state.clip, ref.clip) and state.ghost == ref.ghost
    )


def custom_query(formula: str | None, bounds: Bounds | None) -> dict[str, str]:
    """The URL keys of a custom surface: ``formula``, and the range when it is not −5 … 5."""
    q = {"formula": formula or DEFAULT_FORMULA}
    bounds = bounds or DEFAULT_BOUNDS
    if tuple(map(tuple, bounds)) != DEFAULT_BOUNDS:
        q.update({k: format_number(v) for k, v in zip(BOUND_KEYS, (*bounds[0], *bounds[1]))})
    return q


def to_query(state: PageState, *, optimizers: Mapping[str, Any], schedules: Mapping[str, Any]) -> dict[str, Any]:
    """The canonical URL of ``state``: every key of ``COMPARE_KEYS`` whose ``written`` holds.

    Hyperparameters are written for the selected optimizers: the learning rate always, the
    others when they differ from the optimizer's default (keeps links short and readable).
    """
    ctx = _Ctx(optimizers=optimizers, schedules=schedules)
    q: dict[str, Any] = {}
    for key in COMPARE_KEYS:
        if key.written(state):
            _KINDS[key.kind][1](key, state, q, ctx)
    return q


def query_string(query: Mapping[str, Any]) -> str:
    """``?a=1&opt=x&opt=y`` for display or tests (values URL-encoded)."""
    from urllib.parse import urlencode

    return "?" + urlencode([(k, v) for k, vals in query.items() for v in (vals if isinstance(vals, list) else [vals])])
