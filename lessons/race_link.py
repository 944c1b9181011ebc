"""A race as link keys, and back: one table, walked by the reader and by the writer.

Keys (``RACE_KEYS``, in reading and writing order; a row may depend on the rows above it)::

    surface=rosenbrock   (surface=custom&formula=x^2%2By^2[&xmin=…&xmax=…&ymin=…&ymax=…])
    opt=sgd&opt=adam     steps=500  x0=-1.5  y0=2  noise=0  seed=0  clip=1
    adam.lr=0.01         (<optimizer>.<hyperparameter>, generated from each HyperSpec)
    sched=inverse_time   sched.decay=0.05 (the schedule's parameters, from its specs)

Each row declares its bounds and its slider grid once: the reader clamps and snaps to them
(so a link shows exactly what was simulated), the Compare page's controls draw from them, and
the writer puts the canonical form in the address bar. Reading never raises: a bad value keeps
the base race's value (or is clamped) and adds a notice. Writing is exact: ``parse_race`` of
``race_query(race)`` over any base is ``race`` again for every race whose values are on the
grids.

No Streamlit here; the Compare page adds its view keys (``ui.url_state``) on top of this table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from i18n import t
from optimizers import OPTIMIZERS, SCHEDULES

from .grids import LINK_DIGITS, clip_options, format_number, nice, noise_options, slider_options, snap
from .link_values import last, md_escape, quote, read_number, short, values
from .race import (CUSTOM, DEFAULT_BOUNDS, DEFAULT_FORMULA, MAX_CLIP, MAX_CUSTOM_BOUND, MAX_NOISE, MAX_SEED,
                   MAX_STEPS, Bounds, Race)

BOUND_KEYS = ("xmin", "xmax", "ymin", "ymax")
#: A link's race while it is read: the Race's fields by name.
Draft = dict[str, Any]


def hyper_grid(opt_key: str, name: str) -> list[float]:
    """The values a hyperparameter's slider offers: its spec's grid plus every preset's value."""
    from .presets import preset_values

    return slider_options(OPTIMIZERS[opt_key].spec(name), preset_values(opt_key, name))


def schedule_grid(schedule: str, name: str) -> list[float]:
    spec = next(p for p in SCHEDULES[schedule].params if p.key == name)
    return slider_options(spec)


@dataclass(frozen=True)
class LinkKey:
    """One key (or family of keys) of a race's link: how to read it into a draft and write it.

    ``low``/``high``/``grid`` are the declared limits of a number key (None for the others);
    the Compare page's controls use them, so every bound is stated here once.
    """

    name: str
    read: Callable[[Draft, Mapping[str, Any], list[str]], None]
    write: Callable[[Race, dict[str, Any]], None]
    low: float | None = None
    high: float | None = None
    grid: Callable[[], Sequence[float]] | None = None


def _text(value: Any) -> str:
    return format_number(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)


def _number(name: str, low: float, high: float, *, integer: bool = False,
            grid: Callable[[], Sequence[float]] | None = None,
            written: Callable[[Race], bool] = lambda race: True) -> LinkKey:
    """A plain number field of the race: clamped into [low, high], snapped onto ``grid`` when > 0."""

    def read(draft: Draft, params: Mapping[str, Any], notices: list[str]) -> None:
        value = read_number(params, name, draft[name], low, high, notices, integer=integer)
        if grid is not None:  # the slider's grid, so the page shows what was simulated
            value = snap(value, grid(), True) if value > 0 else 0.0
        draft[name] = value

    def write(race: Race, query: dict[str, Any]) -> None:
        if written(race):
            query[name] = _text(getattr(race, name))

    return LinkKey(name, read, write, low, high, grid)


def _start(axis: int) -> LinkKey:
    """x0 or y0, clamped into the surface's own plotting range."""
    name = ("x0", "y0")[axis]

    def read(draft: Draft, params: Mapping[str, Any], notices: list[str]) -> None:
        low, high = _surface_bounds(draft)[axis]
        start = list(draft["start"])
        start[axis] = read_number(params, name, float(start[axis]), float(low), float(high), notices)
        draft["start"] = tuple(start)

    def write(race: Race, query: dict[str, Any]) -> None:
        query[name] = format_number(race.start[axis])

    return LinkKey(name, read, write)


def _surface_bounds(draft: Draft) -> Bounds:
    if draft["surface"] == CUSTOM:
        return draft["bounds"] or DEFAULT_BOUNDS
    from surfaces import SURFACES

    return SURFACES[draft["surface"]].bounds


# -- surface: a registry key, or a typed formula with its plotting range ---------------------


def read_custom_surface(params: Mapping[str, Any], notices: list[str]) -> tuple[Any, str, Bounds]:
    """The custom surface a link describes, as ``(surface, formula, bounds)``; always usable.

    ``formula`` is checked by ``surfaces.validate_expression`` (a whitelist walk of its syntax
    tree, nothing evaluated) before anything else sees it; the range must be finite, within
    ±``MAX_CUSTOM_BOUND`` and ordered. Anything unusable falls back to the default formula and
    range, with a notice.
    """
    from surfaces import from_expression, validate_expression

    formula = DEFAULT_FORMULA
    raw = last(params, "formula")
    if raw is not None:
        try:
            validate_expression(raw)
            formula = raw.strip()
        except ValueError as exc:
            notices.append(t("links.formula_unusable", raw=quote(raw), error=md_escape(short(exc)),
                             default=md_escape(DEFAULT_FORMULA)))
    (dx0, dx1), (dy0, dy1) = DEFAULT_BOUNDS
    lim = MAX_CUSTOM_BOUND
    xmin, xmax, ymin, ymax = (read_number(params, k, d, -lim, lim, notices)
                              for k, d in zip(BOUND_KEYS, (dx0, dx1, dy0, dy1)))
    bounds: Bounds = ((float(xmin), float(xmax)), (float(ymin), float(ymax)))
    if not (xmin < xmax and ymin < ymax):
        notices.append(t("links.bounds_order"))
        bounds = DEFAULT_BOUNDS
    try:
        return from_expression(formula, bounds), formula, bounds
    except ValueError as exc:
        notices.append(t("links.formula_undrawable", error=md_escape(short(exc)), default=md_escape(DEFAULT_FORMULA)))
    return from_expression(DEFAULT_FORMULA, DEFAULT_BOUNDS), DEFAULT_FORMULA, DEFAULT_BOUNDS


def custom_query(formula: str | None, bounds: Bounds | None) -> dict[str, str]:
    """The link keys of a custom surface: ``formula``, and the range when it is not −5 … 5."""
    q = {"formula": formula or DEFAULT_FORMULA}
    bounds = bounds or DEFAULT_BOUNDS
    if tuple(map(tuple, bounds)) != DEFAULT_BOUNDS:
        q.update({k: format_number(v) for k, v in zip(BOUND_KEYS, (*bounds[0], *bounds[1]))})
    return q


def _read_surface(draft: Draft, params: Mapping[str, Any], notices: list[str]) -> None:
    """Another surface moves the start to that surface's own start."""
    from surfaces import SURFACES

    raw = last(params, "surface")
    if raw == CUSTOM:
        custom, draft["formula"], draft["bounds"] = read_custom_surface(params, notices)
        draft["surface"] = CUSTOM
        draft["start"] = tuple(float(c) for c in custom.start)
        return
    if any(k in params for k in ("formula", *BOUND_KEYS)):
        notices.append(t("links.formula_not_custom"))
    if raw is None:
        return
    if raw not in SURFACES:
        notices.append(t("links.unknown_surface", raw=quote(raw), current=draft["surface"]))
    elif raw != draft["surface"]:
        draft.update(surface=raw, formula=None, bounds=None, start=tuple(float(c) for c in SURFACES[raw].start))


def _write_surface(race: Race, query: dict[str, Any]) -> None:
    query["surface"] = race.surface
    if race.is_custom:
        query.update(custom_query(race.formula, race.bounds))


# -- optimizers, and each one's hyperparameters ----------------------------------------------


def _read_opts(draft: Draft, params: Mapping[str, Any], notices: list[str]) -> None:
    """Optimizers (repeated key), in the order of first mention; hyperparameters carried over."""
    raw_opts = [v.strip() for v in values(params, "opt") if v.strip() != ""]
    if not raw_opts:
        if "opt" in params:
            notices.append(t("links.empty_optimizers"))
        return
    chosen: list[str] = []
    for v in raw_opts:
        if v not in OPTIMIZERS:
            notices.append(t("links.unknown_optimizer", raw=quote(v)))
        elif v not in chosen:
            chosen.append(v)
    if not chosen:
        names = ", ".join(k for k, _ in draft["optimizers"])
        notices.append(t("links.no_known_optimizer", names=names))
        return
    before = dict(draft["optimizers"])
    draft["optimizers"] = [(k, dict(before.get(k, ()))) for k in chosen]


def _read_hypers(draft: Draft, params: Mapping[str, Any], notices: list[str]) -> None:
    hypers = {k: dict(v) for k, v in draft["optimizers"]}
    for name in [k for k in params if "." in k and not k.startswith("sched.")]:
        opt_key, _, hyper = name.partition(".")
        opt = OPTIMIZERS.get(opt_key)
        if opt is None or hyper not in opt.hyper_keys:
            notices.append(t("links.no_setting", optimizer=opt.label, raw=quote(hyper)) if opt is not None
                           else t("links.unknown_optimizer_in", raw=quote(name)))
            continue
        if opt_key not in hypers:
            continue  # a setting of an optimizer the race does not show
        spec = opt.spec(hyper)
        current = hypers[opt_key].get(hyper, spec.default)
        value = read_number(params, name, current, float(spec.low), float(spec.high), notices)
        if spec.high_open and value >= spec.valid_high:
            value = current
        # Kept as the link says (to the digits a link writes), not snapped to the slider's grid:
        # a link from the hyperparameter map opens the very run of the clicked cell, and the
        # Compare slider offers the value as one more stop.
        hypers[opt_key][hyper] = nice(value, LINK_DIGITS)
    draft["optimizers"] = list(hypers.items())


def _write_hypers(race: Race, query: dict[str, Any]) -> None:
    """The learning rate always, the others when not the optimizer's default (short links)."""
    for opt_key, values_ in race.optimizers:
        for spec in OPTIMIZERS[opt_key].hypers:
            v = dict(values_)[spec.key]
            if spec.key == "lr" or not math.isclose(v, float(spec.default), rel_tol=1e-12, abs_tol=0.0):
                query[f"{opt_key}.{spec.key}"] = format_number(v)


# -- the learning-rate schedule --------------------------------------------------------------


def _read_schedule(draft: Draft, params: Mapping[str, Any], notices: list[str]) -> None:
    raw = last(params, "sched")
    if raw is None:
        return
    if raw not in SCHEDULES:
        notices.append(t("links.unknown_schedule", raw=quote(raw), current=draft["schedule"]))
    elif raw != draft["schedule"]:
        draft.update(schedule=raw, schedule_params=())  # another schedule: its own defaults


def _read_schedule_params(draft: Draft, params: Mapping[str, Any], notices: list[str]) -> None:
    specs = {s.key: s for s in SCHEDULES[draft["schedule"]].params}
    current = {k: float(s.default) for k, s in specs.items()}
    current.update({k: float(v) for k, v in dict(draft["schedule_params"]).items() if k in specs})
    for name in [k for k in params if k.startswith("sched.")]:
        spec = specs.get(name.partition(".")[2])
        if spec is None:
            notices.append(t("links.schedule_no_setting", schedule=draft["schedule"], raw=quote(name.partition(".")[2])))
            continue
        value = read_number(params, name, current[spec.key], float(spec.low), float(spec.high), notices,
                            integer=bool(spec.integer))
        current[spec.key] = snap(value, schedule_grid(draft["schedule"], spec.key), spec.log)
    draft["schedule_params"] = tuple(current.items())


def _write_schedule(race: Race, query: dict[str, Any]) -> None:
    if race.schedule != "constant":
        query["sched"] = race.schedule
        query.update({f"sched.{k}": format_number(v) for k, v in race.schedule_params})


#: The race's link keys in reading (and writing) order: a row may depend on the rows above it.
RACE_KEYS: tuple[LinkKey, ...] = (
    LinkKey("surface", _read_surface, _write_surface),
    LinkKey("opt", _read_opts, lambda race, q: q.__setitem__("opt", list(race.opts))),
    _number("steps", 1, MAX_STEPS, integer=True),
    _start(0),
    _start(1),
    _number("noise", 0.0, MAX_NOISE, grid=lambda: noise_options(MAX_NOISE)),
    _number("seed", 0, MAX_SEED, integer=True),
    _number("clip", 0.0, MAX_CLIP, grid=lambda: clip_options(MAX_CLIP), written=lambda race: race.clip > 0),
    LinkKey("<opt>.<hyper>", _read_hypers, _write_hypers),
    LinkKey("sched", _read_schedule, _write_schedule),
    LinkKey("sched.<param>", _read_schedule_params, lambda race, q: None),
)
LINK_KEY = {row.name: row for row in RACE_KEYS}
#: Plain keys a race link may carry (``<opt>.<hyper>`` and ``sched.<param>`` come on top).
KNOWN_KEYS = frozenset({row.name for row in RACE_KEYS if "<" not in row.name} | {"formula", *BOUND_KEYS})


def race_fields(race: Race) -> Draft:
    """A race's fields as a draft (what the rows read into)."""
    return {"surface": race.surface, "optimizers": [(k, dict(v)) for k, v in race.optimizers], "start": race.start,
            "steps": race.steps, "noise": race.noise, "seed": race.seed, "schedule": race.schedule,
            "schedule_params": race.schedule_params, "clip": race.clip, "formula": race.formula,
            "bounds": race.bounds}


def parse_race(params: Mapping[str, Any], base: Race, notices: list[str]) -> Race:
    """The race a link describes, on top of ``base`` (a lesson preset, or the landing race).

    ``params`` maps keys to a string or a list of strings (repeated keys). Never raises: what
    cannot be used keeps the base's value and adds a notice to ``notices``.
    """
    params = {str(k): v for k, v in params.items()}
    draft = race_fields(base)
    for row in RACE_KEYS:
        row.read(draft, params, notices)
    try:
        return Race(**draft)
    except ValueError as exc:  # every row clamps, so this is a combination no row could see
        notices.append(t("links.race_unrunnable", error=md_escape(short(exc))))
        return base


def race_query(race: Race) -> dict[str, Any]:
    """The canonical link keys of ``race`` (``{key: text or list of texts}``)."""
    query: dict[str, Any] = {}
    for row in RACE_KEYS:
        row.write(race, query)
    return query


__all__ = ["RACE_KEYS", "LINK_KEY", "KNOWN_KEYS", "BOUND_KEYS", "LinkKey", "parse_race", "race_query", "hyper_grid",
           "schedule_grid", "custom_query", "read_custom_surface", "race_fields"]
