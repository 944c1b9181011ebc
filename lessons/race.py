"""A race: one surface, the optimizers with their hyperparameters, and how they are run.

Why one value: a race is what a link, a lesson preset, a challenge card, a predict-first
question, the caches of runs and payloads, the player and (later) a live class all pass around.
Declared once here, frozen and hashable, it is checked when it is made (a clear ValueError
naming the field, never a half-valid race), it has one JSON form and one stable digest (``key``)
for caches shared across processes, and ``run`` is the one place its fields become the engine's
arguments. Its link form (URL keys) is ``lessons.race_link``.

No Streamlit: a notebook, a test or a benchmark can build, run and compare races.

Fields, all complete after construction:

* ``surface``: a key of ``surfaces.SURFACES``, or ``CUSTOM`` with ``formula`` and ``bounds``;
* ``optimizers``: ``((key, ((hyperparameter, value), ...)), ...)`` in display order, every
  declared hyperparameter present (the optimizer's defaults fill what the caller left out);
  the constructor also accepts ``{key: {hyperparameter: value}}`` or a list of keys;
* ``start``, ``steps``, ``noise`` (σ of the Gaussian added to every gradient), ``seed``;
* ``schedule`` with ``schedule_params`` (every parameter present), ``clip`` (0: off).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, fields, replace
from typing import Any, Iterable, Mapping

import numpy as np

from i18n import t
from optimizers import OPTIMIZERS, SCHEDULES, make_schedule, run_batch

#: The surface key of a user-typed formula (not in the SURFACES registry).
CUSTOM = "custom"
#: The formula a custom surface starts with: a bowl with ripples, so optimizers meet local minima.
DEFAULT_FORMULA = "sin(x)*cos(y) + 0.1*(x^2 + y^2)"
Bounds = tuple[tuple[float, float], tuple[float, float]]
#: Plotting range of a custom surface unless the link says otherwise (from_expression's default).
DEFAULT_BOUNDS: Bounds = ((-5.0, 5.0), (-5.0, 5.0))

#: The limits of a race: links, sliders and the constructor all read these.
MAX_STEPS = 5000
MAX_NOISE = 10.0
MAX_SEED = 2**31 - 1
MAX_CLIP = 100.0
#: The plotting range a custom surface may have (a classroom never needs more).
MAX_CUSTOM_BOUND = 1e4

Hyper = tuple[tuple[str, float], ...]


def field_name(name: str) -> str:
    """A race field as the person reading the message sees it ("steps"; in Chinese 步数)."""
    return t(f"race.field.{name}")


def _hyper_items(opt_key: str, values: Mapping[str, Any] | Iterable[tuple[str, Any]] | None) -> Hyper:
    """Every declared hyperparameter of ``opt_key`` as sorted ``(name, float)`` pairs, validated."""
    opt = OPTIMIZERS[opt_key]
    given = dict(values or {})
    for name, value in given.items():
        if np.ndim(value) != 0:
            raise ValueError(t("race.errors.not_one_number", optimizer=opt.label, name=name, value=repr(value)))
    resolved = opt.resolve(given)  # fills defaults; names an unknown or invalid one
    return tuple(sorted((k, float(v)) for k, v in resolved.items()))


def _optimizer_items(value: Any) -> tuple[tuple[str, Hyper], ...]:
    if isinstance(value, Mapping):
        pairs = list(value.items())
    elif isinstance(value, str):
        raise ValueError("optimizers must be a list of keys or a mapping key -> hyperparameters")  # i18n: internal
    else:
        pairs = [(item, None) if isinstance(item, str) else tuple(item) for item in value]
    out: list[tuple[str, Hyper]] = []
    for key, hyper in pairs:
        if key not in OPTIMIZERS:
            raise ValueError(t("race.errors.unknown_optimizer", key=repr(key), choices=", ".join(OPTIMIZERS)))
        if any(key == k for k, _ in out):
            raise ValueError(t("race.errors.listed_twice", key=repr(key)))
        out.append((key, _hyper_items(key, hyper)))
    return tuple(out)


def _finite(name: str, value: Any, low: float = -math.inf, high: float = math.inf) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(t("race.errors.not_number", name=field_name(name), value=repr(value))) from None
    if isinstance(value, bool) or not math.isfinite(number):
        raise ValueError(t("race.errors.not_finite", name=field_name(name), value=repr(value)))
    if not low <= number <= high:
        raise ValueError(t("race.errors.out_of_range", name=field_name(name), low=low, high=high,
                           value=number))
    return number


def _whole(name: str, value: Any, low: int, high: int) -> int:
    number = _finite(name, value, low, high)
    if not number.is_integer():
        raise ValueError(t("race.errors.not_whole", name=field_name(name), value=repr(value)))
    return int(number)


def check_bounds(bounds: Any) -> Bounds:
    """A custom surface's plotting range, checked: finite, ordered, within ±MAX_CUSTOM_BOUND."""
    try:
        (x0, x1), (y0, y1) = bounds
    except (TypeError, ValueError):
        raise ValueError(t("race.errors.bounds_shape")) from None
    x0, x1, y0, y1 = (_finite(n, v, -MAX_CUSTOM_BOUND, MAX_CUSTOM_BOUND)
                      for n, v in zip(("xmin", "xmax", "ymin", "ymax"), (x0, x1, y0, y1)))
    if not (x0 < x1 and y0 < y1):
        raise ValueError(t("race.errors.bounds_order"))
    return ((x0, x1), (y0, y1))


@dataclass(frozen=True)
class Race:
    """Everything that decides what the optimizers do; see the module docstring."""

    surface: str
    optimizers: tuple[tuple[str, Hyper], ...]
    start: tuple[float, float]
    steps: int
    noise: float = 0.0
    seed: int = 0
    schedule: str = "constant"
    schedule_params: tuple[tuple[str, float], ...] = ()
    clip: float = 0.0
    formula: str | None = None
    bounds: Bounds | None = None

    def __post_init__(self) -> None:
        put = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731 (frozen)
        from surfaces import SURFACES, validate_expression

        if self.surface == CUSTOM:
            text = DEFAULT_FORMULA if self.formula is None else str(self.formula).strip()
            validate_expression(text)  # ValueError naming what is wrong with the formula
            put("formula", text)
            put("bounds", check_bounds(DEFAULT_BOUNDS if self.bounds is None else self.bounds))
        elif self.surface in SURFACES:
            if self.formula is not None or self.bounds is not None:
                raise ValueError(t("race.errors.formula_not_custom"))
        else:
            raise ValueError(t("race.errors.unknown_surface", key=repr(self.surface), choices=", ".join(SURFACES),
                               custom=repr(CUSTOM)))
        put("optimizers", _optimizer_items(self.optimizers))
        try:
            x, y = self.start
        except (TypeError, ValueError):
            raise ValueError(t("race.errors.start", value=repr(self.start))) from None
        put("start", (_finite("x0", x), _finite("y0", y)))
        put("steps", _whole("steps", self.steps, 1, MAX_STEPS))
        put("noise", _finite("noise", self.noise, 0.0, MAX_NOISE))
        put("seed", _whole("seed", self.seed, 0, MAX_SEED))
        put("clip", _finite("clip", self.clip, 0.0, MAX_CLIP))
        if self.schedule not in SCHEDULES:
            raise ValueError(t("race.errors.unknown_schedule", key=repr(self.schedule), choices=", ".join(SCHEDULES)))
        params = dict(self.schedule_params)
        make_schedule(self.schedule, **params)  # names an unknown or invalid parameter
        spec = SCHEDULES[self.schedule]
        complete = {p.key: float(params.get(p.key, p.default)) for p in spec.params}
        put("schedule_params", tuple(sorted(complete.items())))

    # ---------------------------------------------------------------------------- reading

    @property
    def opts(self) -> tuple[str, ...]:
        """The optimizer keys, in display order."""
        return tuple(k for k, _ in self.optimizers)

    def hyper(self, opt_key: str) -> dict[str, float]:
        """``opt_key``'s complete hyperparameters (KeyError if it is not in the race)."""
        for key, values in self.optimizers:
            if key == opt_key:
                return dict(values)
        raise KeyError(f"{opt_key!r} is not in this race")

    @property
    def hypers(self) -> dict[str, dict[str, float]]:
        return {k: dict(v) for k, v in self.optimizers}

    @property
    def is_custom(self) -> bool:
        return self.surface == CUSTOM

    def surface_object(self):
        """The `surfaces.Surface` this race runs on (custom formulas come from a shared cache)."""
        from surfaces import SURFACES, from_expression

        return from_expression(self.formula, self.bounds) if self.is_custom else SURFACES[self.surface]

    def schedule_object(self):
        """The learning-rate `Schedule`, or None for a constant rate."""
        return None if self.schedule == "constant" else make_schedule(self.schedule, **dict(self.schedule_params))

    @property
    def clip_norm(self) -> float | None:
        return self.clip if self.clip > 0 else None

    # --------------------------------------------------------------------------- changing

    def with_(self, **changes: Any) -> "Race":
        """A new race with these fields changed (checked like any other)."""
        if "schedule" in changes and "schedule_params" not in changes and changes["schedule"] != self.schedule:
            changes["schedule_params"] = ()  # another schedule starts from its own defaults
        return replace(self, **changes)

    def with_hyper(self, opt_key: str, name: str, value: float) -> "Race":
        """``opt_key``'s hyperparameter ``name`` set to ``value`` (the optimizer must be in the race)."""
        self.hyper(opt_key)
        return self.with_(optimizers=[(k, {**dict(v), name: value} if k == opt_key else v)
                                      for k, v in self.optimizers])

    def with_setting(self, name: str, value: float) -> "Race":
        """A setting by its link name: ``<optimizer>.<hyperparameter>`` or a race field."""
        opt_key, dot, hyper = name.partition(".")
        if dot:
            return self.with_hyper(opt_key, hyper, value)
        if name not in {f.name for f in fields(self)}:
            raise ValueError(t("race.errors.no_setting", name=repr(name)))
        return self.with_(**{name: value})

    def setting(self, name: str) -> float:
        """The value of ``<optimizer>.<hyperparameter>`` or a numeric race field."""
        opt_key, dot, hyper = name.partition(".")
        return float(self.hyper(opt_key)[hyper] if dot else getattr(self, name))

    def only(self, opt_key: str) -> "Race":
        """The race of one optimizer: what that optimizer's run depends on (a cache key).

        Made without checking again (a part of a checked race is valid) and kept on the race,
        since every rerun asks each optimizer's for its cache keys."""
        cache = self.__dict__.setdefault("_only", {})
        found = cache.get(opt_key)
        if found is None:
            values = next((v for k, v in self.optimizers if k == opt_key), None)
            if values is None:
                raise KeyError(f"{opt_key!r} is not in this race")
            found = object.__new__(Race)
            found.__dict__.update({f.name: getattr(self, f.name) for f in fields(self)})
            found.__dict__["optimizers"] = ((opt_key, values),)
            cache[opt_key] = found
        return found

    # --------------------------------------------------------------------------- running

    def run(self, opt_key: str, *, record: str = "path", seeds: int = 1, tol: float | None = None):
        """``optimizers.run_batch`` for one optimizer of the race: one run, or ``seeds`` runs on
        the noise streams seed, seed + 1, … (one per run) when ``seeds`` > 1."""
        seed: Any = self.seed + np.arange(seeds) if seeds > 1 else self.seed
        starts = np.tile(np.asarray(self.start, dtype=float), (seeds, 1)) if seeds > 1 else np.asarray(self.start)
        return run_batch(self.surface_object(), opt_key, self.hyper(opt_key), starts, self.steps, noise=self.noise,
                         seed=seed, schedule=self.schedule_object(), clip_norm=self.clip_norm, record=record, tol=tol)

    def describe(self) -> list[tuple[str, str]]:
        """The race for people, as (name, value) lines: what an exported file or a slide says it
        shows. Exact values (the link's number format), every hyperparameter included."""
        from surfaces import SURFACES

        from .grids import format_number as n

        (x0, x1), (y0, y1) = self.surface_object().bounds
        where = (t("race.describe.custom", formula=self.formula, x0=n(x0), x1=n(x1), y0=n(y0), y1=n(y1))
                 if self.is_custom else SURFACES[self.surface].label)
        lines = [(t("race.describe.surface"), where),
                 (t("race.describe.start"), f"({n(self.start[0])}, {n(self.start[1])})"),
                 (t("race.describe.steps"), n(self.steps))]
        if self.noise > 0:
            lines.append((t("race.describe.noise"), t("race.describe.noise_value", sigma=n(self.noise), seed=self.seed)))
        if self.schedule != "constant":
            params = ", ".join(f"{k} = {n(v)}" for k, v in self.schedule_params)
            lines.append((t("race.describe.schedule"),
                          t("race.describe.schedule_value", schedule=SCHEDULES[self.schedule].label, params=params)
                          if params else SCHEDULES[self.schedule].label))
        if self.clip > 0:
            lines.append((t("race.describe.clip"), t("race.describe.clip_value", clip=n(self.clip))))
        for key, values in self.optimizers:
            lines.append((OPTIMIZERS[key].label, ", ".join(f"{k} = {n(v)}" for k, v in
                                                           sorted(values, key=lambda kv: kv[0] != "lr"))))
        return lines

    # ------------------------------------------------------------------------ serializing

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data; ``Race.from_dict`` reads it back to an equal race."""
        data: dict[str, Any] = {
            "surface": self.surface, "optimizers": {k: dict(v) for k, v in self.optimizers},
            "start": list(self.start), "steps": self.steps, "noise": self.noise, "seed": self.seed,
            "schedule": self.schedule, "schedule_params": dict(self.schedule_params), "clip": self.clip,
        }
        if self.is_custom:
            data.update(formula=self.formula, bounds=[list(b) for b in self.bounds])
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Race":
        """A race from ``to_dict``'s form; ValueError for anything missing or invalid."""
        try:
            bounds = data.get("bounds")
            return cls(surface=data["surface"], optimizers=dict(data["optimizers"]), start=tuple(data["start"]),
                       steps=data["steps"], noise=data.get("noise", 0.0), seed=data.get("seed", 0),
                       schedule=data.get("schedule", "constant"),
                       schedule_params=tuple(dict(data.get("schedule_params") or {}).items()),
                       clip=data.get("clip", 0.0), formula=data.get("formula"),
                       bounds=None if bounds is None else tuple(tuple(b) for b in bounds))
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(t("race.errors.not_race", detail=str(exc))) from None

    def to_json(self) -> str:
        """Canonical JSON (sorted keys, every field complete): equal races give equal text."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> "Race":
        try:
            data = json.loads(text)
        except (TypeError, ValueError) as exc:
            raise ValueError(t("race.errors.not_race", detail=str(exc))) from None
        if not isinstance(data, Mapping):
            raise ValueError(t("race.errors.not_race_object"))
        return cls.from_dict(data)

    @property
    def key(self) -> str:
        """A stable digest of the race (the same in every process): the name of its cached results."""
        return hashlib.sha1(self.to_json().encode()).hexdigest()[:20]


__all__ = ["Race", "CUSTOM", "DEFAULT_FORMULA", "DEFAULT_BOUNDS", "MAX_STEPS", "MAX_NOISE", "MAX_SEED", "MAX_CLIP",
           "MAX_CUSTOM_BOUND", "check_bounds"]
