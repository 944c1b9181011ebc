"""The live slider on a page: which families the student asked for, their cached runs and JSON,
and the value a release commits.

Why here: the player asks for a family (its value carries ``live``: optimizer → the one or two
hyperparameters on its live control) and commits a value on release (``commit``); the page
computes families only for what was asked (or what a lesson arms), each in one ``run_batch``,
cached (as the JSON sent) by the optimizer's own race and the hyperparameters' names, shared by
every session. A
commit moves the sidebar slider (``page_state.set_hyper``), so the next rerun's race, link and
table follow, and its single run is the family's member bit for bit.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any, Mapping

import streamlit as st

import i18n
from lessons.grids import format_value
from lessons.live_family import PAD_VALUES, Family, axis_values, run_family, thin
from lessons.race import Race
from lessons.stability import verdict
from optimizers import OPTIMIZERS
from viz.lru import LRU
from viz.player.live import live_body, plain_symbol, stride_for, with_index

from .simulation import CACHE_TTL

#: Session key: optimizer → the hyperparameters on its live control (what the student opened).
LIVE_KEY = "live_sliders"
#: Families as JSON (without the current stop) by (`family_key`, stride, loss offset, language).
BODIES = LRU(256, ttl=CACHE_TTL)
VERDICT_CODES = {"stable": 0, "edge": 1, "diverges": 2}


def requested(armed: Mapping[str, tuple[str, ...]] | None = None) -> dict[str, tuple[str, ...]]:
    """What the student opened or closed last, else what the lesson arms."""
    try:
        chosen = st.session_state.get(LIVE_KEY)
    except Exception:  # no session (a download built outside the script run): the lesson's choice
        chosen = None
    return {k: tuple(v) for k, v in (dict(armed or {}) if chosen is None else chosen).items()}


def _names(opt_key: str, names: Any) -> tuple[str, ...] | None:
    """A request's hyperparameter names, if they are the optimizer's (one or two, distinct)."""
    if opt_key not in OPTIMIZERS or not isinstance(names, (list, tuple)):
        return None
    known = {s.key for s in OPTIMIZERS[opt_key].hypers}
    names = tuple(str(n) for n in names)
    return names if 1 <= len(names) <= 2 and len(set(names)) == len(names) and set(names) <= known else None


def take_request(value: Mapping[str, Any]) -> None:
    """The player's ``live`` field: the live controls now open (from the player's callback)."""
    raw = value.get("live")
    if isinstance(raw, Mapping):
        st.session_state[LIVE_KEY] = {k: n for k, n in ((str(k), _names(str(k), v)) for k, v in raw.items()) if n}


def take_commit(value: Mapping[str, Any], race: Race, set_hyper) -> bool:
    """The player's ``commit`` field, ``{"key": optimizer, "values": {name: value}}``: each value
    snapped to its slider's stop (it must be one, within float32/JSON rounding) and set with
    ``set_hyper(optimizer, name, value)``. Returns whether anything was set."""
    raw = value.get("commit")
    if not isinstance(raw, Mapping) or not isinstance(raw.get("values"), Mapping):
        return False
    opt_key = str(raw.get("key"))
    if opt_key not in race.opts or _names(opt_key, list(raw["values"])) is None:
        return False
    for name, sent in raw["values"].items():
        try:
            sent = float(sent)
        except (TypeError, ValueError):
            return False
        stops = axis_values(race, opt_key, name)
        best = min(stops, key=lambda v: abs(v - sent))
        if not math.isfinite(sent) or abs(best - sent) > 1e-6 * max(abs(best), 1e-300):
            return False
        set_hyper(opt_key, name, best)
    return True


def family_key(race: Race, opt_key: str, names: tuple[str, ...]) -> tuple[tuple, tuple[tuple[float, ...], ...]]:
    """The cache key of a family (the optimizer's race with the family's values at their first
    stop, the names and the axes) and its axes: every value of the race's slider grid it spans."""
    axes = tuple(axis_values(race, opt_key, n) for n in names)
    if len(names) == 2:
        hyper = race.hyper(opt_key)
        axes = tuple(thin(a, float(hyper[n]), PAD_VALUES) for a, n in zip(axes, names))
    base = race.only(opt_key)
    for n, a in zip(names, axes):
        base = base.with_hyper(opt_key, n, a[0])
    return (base, names, axes), axes


def _verdicts(family: Family, race: Race) -> list[int]:
    lr_axis = [i for i, (n, _) in enumerate(family.axes) if n == "lr"]
    out = []
    for j in range(family.members):
        limit = float(family.limits[j])
        if not math.isfinite(limit):
            out.append(-1)
            continue
        lr = family.settings(j)["lr"] if lr_axis else race.hyper(family.opt_key)["lr"]
        out.append(VERDICT_CODES[verdict(lr, SimpleNamespace(limit=limit))])
    return out


def live_payload(race: Race, request: Mapping[str, tuple[str, ...]], *, loss_offset: float = 0.0) -> dict[str, str]:
    """The Live JSON of each optimizer the student asked for (run key → text), within the
    payload budget (`viz.player.live.BUDGET_BYTES`) for all of them together."""
    wanted = {k: n for k, n in ((k, _names(k, request.get(k))) for k in race.opts) if n}
    if not wanted:
        return {}
    keys = {}
    for opt_key, names in wanted.items():
        try:
            keys[opt_key] = family_key(race, opt_key, names)
        except ValueError:  # settings the race refuses: that optimizer gets no live slider
            continue
    stride = stride_for(sum(math.prod(len(a) for a in axes) for _, axes in keys.values()), race.steps)
    out = {}
    for opt_key, (key, axes) in keys.items():
        body_key = (key, stride, float(loss_offset), i18n.current())
        body = BODIES.get(body_key)
        if body is None:
            # Only the JSON is kept: the family's float64 arrays (about 0.8 MB for a 66-value,
            # 500-step family) are dropped once it is written (float32, thinned to the budget).
            try:
                fam = run_family(race, opt_key, wanted[opt_key])
            except ValueError:  # settings the engine refuses
                continue
            opt = OPTIMIZERS[opt_key]
            specs = [opt.spec(n) for n, _ in fam.axes]
            body = live_body(fam, stride=stride, loss_offset=loss_offset,
                             labels=[[format_value(v) for v in vals] for _, vals in fam.axes],
                             symbols=[plain_symbol(s.symbol) for s in specs],
                             choices=[(s.key, f"{plain_symbol(s.symbol)}  {s.key}") for s in opt.hypers],
                             verdicts=_verdicts(fam, race))
            BODIES.put(body_key, body)
        hyper = race.hyper(opt_key)
        out[opt_key] = with_index(body, [vals.index(float(hyper[n])) for n, vals in zip(wanted[opt_key], axes)])
    return out


__all__ = ["LIVE_KEY", "requested", "take_request", "take_commit", "family_key", "live_payload"]
