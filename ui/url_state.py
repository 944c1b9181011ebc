"""The Compare page's state as a URL, and back: parsing, validation, canonical writing.

Why plain functions over a dict (no Streamlit here): links get pasted into slides, hand-edited
and mangled by chat apps, so every key is parsed with a type, a range and a set of allowed
values, and a bad value falls back to the default (or is clamped) with a short notice, never a
traceback. Keeping this pure makes the whole table of bad inputs a fast unit test.

URL keys::

    surface=rosenbrock  opt=sgd&opt=adam (repeated)  steps=500  x0=-1.5  y0=2
    noise=0  seed=0  adam.lr=0.01 (<optimizer>.<hyperparameter>)
    sched=inverse_time  sched.decay=0.05  clip=1  ghost=1  view=overlay|3d  preset=<key>
    surface=custom  formula=sin(x)*cos(y)  xmin=-5  xmax=5  ymin=-5  ymax=5 (custom surfaces)
    clouds=32 (noise clouds of 32 seeded runs; only with noise > 0)

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
from typing import Any, Callable, Iterable, Mapping

from .values import clip_options, format_number, nice, noise_options, slider_options, snap

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


#: The Compare page's plain keys (``<opt>.<hyper>`` and ``sched.<param>`` come on top).
KNOWN_KEYS = frozenset({"surface", "opt", "steps", "x0", "y0", "noise", "seed", "clip", "sched", "ghost", "view",
                        "preset", "formula", *BOUND_KEYS, "clouds",
                        "mode"})  # mode=predict: read by ui/predict.py


#: Keys only a link to a race carries (every canonical Compare link has ``surface`` and ``opt``).
RACE_KEYS = frozenset({"preset", "surface", "opt"})


def names_a_race(params: Mapping[str, Any]) -> bool:
    """True when a query describes a race; else it is a page switch, not a link to follow.

    Why not "any Compare key": switching pages, Streamlit's frontend briefly pushes the new
    page's path with the old page's query, so Back can land on Compare with a lesson's
    ``?beta=0.98&seed=0`` (``seed`` is a Compare key too).
    """
    return any(str(k) in RACE_KEYS for k in params)


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


def read_choice(params: Mapping[str, Any], key: str, options, default, notices: list[str]):
    """One of ``options`` (case-insensitive), else the default with a notice."""
    raw = _last(params, key)
    if raw is None:
        return default
    for option in options:
        if raw.lower() == str(option).lower():
            return option
    notices.append(f"{key}={quote(raw)} is not one of {', '.join(quote(o, 40) for o in options)}; "
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


# ------------------------------------------------------------------------------------ parse


def defaults_from_preset(preset, optimizers: Mapping[str, Any]) -> PageState:
    """The state a preset describes, hyperparameters completed with each optimizer's defaults."""
    hyper = {}
    for key, overrides in preset.optimizers.items():
        if key in optimizers:
            values = optimizers[key].defaults()
            values.update({k: float(v) for k, v in overrides.items()})
            hyper[key] = values
    return PageState(
        surface=preset.surface,
        opts=[k for k in preset.optimizers if k in optimizers],
        steps=int(preset.steps),
        x0=float(preset.start[0]),
        y0=float(preset.start[1]),
        noise=float(preset.noise),
        seed=int(preset.seed),
        hyper=hyper,
        sched=preset.schedule,
        sched_params=dict(preset.schedule_params),
        clip=float(preset.clip),
        ghost=bool(preset.ghost),
        view=preset.view,
        preset=preset.key,
    )


def hyper_options(optimizer, key: str, extra: Iterable[float] = ()) -> list[float]:
    """The slider grid of one hyperparameter (what the URL value is snapped to)."""
    return slider_options(optimizer.spec(key), extra)


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
    notices: list[str] = []
    extra_values = extra_values or (lambda o, h: ())
    params = {str(k): v for k, v in params.items()}

    # 1. The base: a preset when asked for (and known), else the landing preset.
    base_key = default_preset
    raw_preset = _last(params, "preset")
    if raw_preset is not None:
        if raw_preset in presets:
            base_key = raw_preset
        else:
            notices.append(f"Unknown lesson {quote(raw_preset)}; showing the default.")
    state = defaults_from_preset(presets[base_key], optimizers)
    explicit = raw_preset in presets if raw_preset is not None else False
    state.preset = base_key if explicit else None
    has_any = any(k not in IGNORED_KEYS for k in params)
    if not has_any:
        state.preset = base_key  # the landing page is the default preset, shown as such
    elif not explicit:
        # A link without a lesson: hyperparameters it does not name are PyTorch's defaults
        # (the landing lesson's tuned values would be a surprise nobody can see in the link).
        state.hyper = {}

    # 2. Surface: a change of surface moves the default start to that surface's start.
    raw = _last(params, "surface")
    bounds = None
    if raw == CUSTOM:
        custom, state.formula, state.bounds = parse_custom_surface(params, notices, custom_surface)
        state.surface = CUSTOM
        state.x0, state.y0 = (float(c) for c in custom.start)
        bounds = state.bounds
    elif any(k in params for k in ("formula", *BOUND_KEYS)):
        notices.append("A formula or plotting range is used only with surface=custom; ignored.")
    if raw is not None and raw != CUSTOM:
        if raw in surfaces:
            if raw != state.surface:
                state.surface = raw
                state.x0, state.y0 = (float(c) for c in surfaces[raw].start)
        else:
            notices.append(f"Unknown surface {quote(raw)}; using {state.surface}.")

    # 3. Optimizers (repeated key), in the registry's order of first mention.
    raw_opts = [v.strip() for v in _values(params, "opt") if v.strip() != ""]
    if raw_opts:
        chosen: list[str] = []
        for v in raw_opts:
            if v in optimizers:
                if v not in chosen:
                    chosen.append(v)
            else:
                notices.append(f"Unknown optimizer {quote(v)} ignored.")
        if chosen:
            state.opts = chosen
        else:
            notices.append(f"No known optimizer in the link; showing {', '.join(state.opts)}.")
    elif "opt" in params:
        notices.append("Empty optimizer list in the link; showing the default.")

    # 4. Numbers.
    (bx0, bx1), (by0, by1) = bounds or surfaces[state.surface].bounds
    state.steps = read_number(params, "steps", state.steps, 1, MAX_STEPS, notices, integer=True)
    state.x0 = read_number(params, "x0", state.x0, float(bx0), float(bx1), notices)
    state.y0 = read_number(params, "y0", state.y0, float(by0), float(by1), notices)
    state.noise = read_number(params, "noise", state.noise, 0.0, MAX_NOISE, notices)
    state.seed = read_number(params, "seed", state.seed, 0, MAX_SEED, notices, integer=True)
    state.clip = read_number(params, "clip", state.clip, 0.0, MAX_CLIP, notices)
    # Noise and clipping live on slider grids too: snap so the page shows what was simulated.
    state.noise = snap(state.noise, noise_options(MAX_NOISE), state.noise > 0) if state.noise > 0 else 0.0
    state.clip = snap(state.clip, clip_options(), state.clip > 0) if state.clip > 0 else 0.0
    if _last(params, "clouds") is not None:
        runs = read_number(params, "clouds", 0, 0, CLOUD_RUNS[-1], notices, integer=True)
        state.clouds = int(snap(runs, CLOUD_RUNS)) if runs > 0 else 0
        if state.clouds and state.clouds != runs:
            notices.append(f"clouds={runs} is between slider values; using {state.clouds}.")
        if state.clouds and state.noise == 0:
            notices.append("Noise clouds need gradient noise (noise > 0); not shown.")
            state.clouds = 0

    # 5. Hyperparameters <opt>.<key> (kept also for optimizers not selected: harmless).
    for key in list(params):
        if "." not in key or key.startswith("sched."):
            continue
        opt_key, _, hyper_key = key.partition(".")
        if opt_key not in optimizers:
            notices.append(f"Unknown optimizer in {quote(key)} ignored.")
            continue
        opt = optimizers[opt_key]
        if hyper_key not in opt.hyper_keys:
            notices.append(f"{opt.label} has no setting {quote(hyper_key)}; ignored.")
            continue
        spec = opt.spec(hyper_key)
        current = state.hyper.get(opt_key, {}).get(hyper_key, spec.default)
        value = read_number(params, key, current, float(spec.low), float(spec.high), notices)
        if spec.high_open and value >= spec.valid_high:
            value = current
        options = slider_options(spec, extra_values(opt_key, hyper_key))
        snapped = snap(value, options, spec.log)
        if abs(snapped - value) > 1e-9 * max(1.0, abs(value)):
            notices.append(f"{key}={format_number(value, 4)} is between slider values; using {format_number(snapped)}.")
        state.hyper.setdefault(opt_key, opt.defaults())[hyper_key] = snapped
    for opt_key in state.opts:
        full = optimizers[opt_key].defaults()
        full.update(state.hyper.get(opt_key, {}))
        state.hyper[opt_key] = full

    # 6. Schedule, clipping, ghost paths, view.
    raw = _last(params, "sched")
    if raw is not None:
        if raw in schedules:
            if raw != state.sched:
                state.sched, state.sched_params = raw, {}
        else:
            notices.append(f"Unknown schedule {quote(raw)}; using {state.sched}.")
    spec_params = {s.key: s for s in schedules[state.sched].params} if state.sched in schedules else {}
    params_full = {k: float(s.default) for k, s in spec_params.items()}
    params_full.update({k: v for k, v in state.sched_params.items() if k in spec_params})
    for key in list(params):
        if not key.startswith("sched."):
            continue
        pkey = key.partition(".")[2]
        if pkey not in spec_params:
            notices.append(f"Schedule {state.sched} has no setting {quote(pkey)}; ignored.")
            continue
        spec = spec_params[pkey]
        value = read_number(params, key, params_full[pkey], float(spec.low), float(spec.high), notices,
                        integer=bool(getattr(spec, "integer", False)))
        params_full[pkey] = snap(value, slider_options(spec), spec.log)
    state.sched_params = params_full
    state.ghost = read_flag(params, "ghost", state.ghost, notices)
    raw = _last(params, "view")
    if raw is not None:
        if raw in VIEWS:
            state.view = raw
        else:
            notices.append(f"Unknown view {quote(raw)}; using {state.view}.")

    # 7. Anything else is reported once.
    for key in params:
        if key in KNOWN_KEYS or key in IGNORED_KEYS or "." in key:
            continue
        notices.append(f"Unknown setting {quote(key)} ignored.")

    if state.preset is not None and not same_as_preset(state, presets[state.preset], optimizers):
        state.preset = None
    return state, notices


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
    """The canonical URL of ``state``: every setting that determines the picture.

    Hyperparameters are written for the selected optimizers: the learning rate always, the
    others when they differ from the optimizer's default (keeps links short and readable).
    """
    q: dict[str, Any] = {}
    if state.preset:
        q["preset"] = state.preset
    q["surface"] = state.surface
    if state.surface == CUSTOM:
        q.update(custom_query(state.formula, state.bounds))
    q["opt"] = list(state.opts)
    q["steps"] = str(int(state.steps))
    q["x0"] = format_number(state.x0)
    q["y0"] = format_number(state.y0)
    q["noise"] = format_number(state.noise)
    q["seed"] = str(int(state.seed))
    for opt_key in state.opts:
        opt = optimizers[opt_key]
        values = state.hyper.get(opt_key, {})
        for spec in opt.hypers:
            v = float(values.get(spec.key, spec.default))
            if spec.key == "lr" or not math.isclose(v, float(spec.default), rel_tol=1e-12, abs_tol=0.0):
                q[f"{opt_key}.{spec.key}"] = format_number(v)
    if state.sched != "constant" and state.sched in schedules:
        q["sched"] = state.sched
        for spec in schedules[state.sched].params:
            q[f"sched.{spec.key}"] = format_number(state.sched_params.get(spec.key, spec.default))
    if state.clip > 0:
        q["clip"] = format_number(state.clip)
    if state.ghost:
        q["ghost"] = "1"
    if state.view != "side":
        q["view"] = state.view
    if state.clouds and state.noise > 0:
        q["clouds"] = str(int(state.clouds))
    return q


def query_string(query: Mapping[str, Any]) -> str:
    """``?a=1&opt=x&opt=y`` for display or tests (values URL-encoded)."""
    from urllib.parse import urlencode

    return "?" + urlencode([(k, v) for k, vals in query.items() for v in (vals if isinstance(vals, list) else [vals])])
