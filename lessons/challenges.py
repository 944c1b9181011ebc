"""Challenge cards: a goal the engine checks on the student's own settings.

Each `Challenge` is a fixed race (surface, start, steps, the optimizers taking part) plus the
few settings the student may change (``free``: ``"<opt>.<hyper>"`` or a top-level setting such
as ``"noise"``). `Challenge.check(settings)` lays the student's values for those settings over
the fixed race, runs it with the public engine and returns a `Verdict` whose message quotes the
numbers. Every card carries the settings a student starts from (which do not solve it) and a
known solution (which does); tests/test_challenges.py checks both with the engine.

Settings are dicts shaped like the Compare page's state (``ui.url_state.PageState`` field
names): ``surface, opts, steps, x0, y0, noise, seed, hyper={opt: {hyper: value}}``; a
``PageState`` itself is accepted too. `share_query` turns settings into the Compare page's URL
keys, and `parse_challenge_key` reads a ``challenge=<key>`` link value safely.

Why the fixed parts are fixed: "reach the minimum in 200 steps" is meaningless if the student
may also start at the minimum; the check therefore ignores everything but the free settings.
Plain Python over numpy: no Streamlit.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from optimizers import OPTIMIZERS, run_batch
from optimizers.explain import short_number
from surfaces import SURFACES

from .questions import NOISY_SEEDS, TOL, f_star

Settings = dict[str, Any]
#: Characters a challenge key from a link may have (anything else is not a key).
_MAX_KEY_CHARS = 40


@dataclass(frozen=True)
class Verdict:
    solved: bool
    message: str


@dataclass(frozen=True)
class Challenge:
    """One card. ``base`` is the fixed race (and the starting values of the free settings)."""

    key: str
    title: str
    goal: str
    hint: str
    base: Mapping[str, Any]
    free: tuple[str, ...]
    solution: Mapping[str, float]
    judge: Callable[[Settings], Verdict] = field(repr=False, compare=False)

    # -- settings --------------------------------------------------------------------------
    def start_settings(self) -> Settings:
        """What the student begins from: the fixed race with every hyperparameter completed."""
        s = copy.deepcopy(dict(self.base))
        hyper = s.setdefault("hyper", {})
        for opt in s["opts"]:
            full = OPTIMIZERS[opt].defaults()
            full.update(hyper.get(opt, {}))
            hyper[opt] = full
        s.setdefault("noise", 0.0)
        s.setdefault("seed", 0)
        return s

    def solution_settings(self) -> Settings:
        s = self.start_settings()
        for name, value in self.solution.items():
            _put(s, name, value)
        return s

    def value(self, settings: Any, name: str) -> float:
        """The student's value of free setting ``name`` (the start value when missing)."""
        got = _get(_as_dict(settings), name)
        return float(got) if got is not None else float(_get(self.start_settings(), name))

    def effective(self, settings: Any) -> Settings:
        """The race actually judged: the fixed race with the student's free values on top."""
        s = self.start_settings()
        for name in self.free:
            _put(s, name, self.value(settings, name))
        return s

    def check(self, settings: Any) -> Verdict:
        """Run the race the student set up; never raises for a bad value (it says what is wrong)."""
        try:
            s = self.effective(settings)
            for name in self.free:
                opt, _, hyper = name.partition(".")
                if hyper:
                    OPTIMIZERS[opt].spec(hyper).validate(s["hyper"][opt][hyper])
                elif not math.isfinite(float(s[name])) or float(s[name]) < 0:
                    raise ValueError(f"{name} must be a finite number ≥ 0")
        except (TypeError, ValueError, KeyError) as exc:
            return Verdict(False, f"These settings cannot be run: {exc}.")
        return self.judge(s)

    def free_specs(self):
        """(name, HyperSpec or None) per free setting: the UI builds its sliders from these."""
        out = []
        for name in self.free:
            opt, _, hyper = name.partition(".")
            out.append((name, OPTIMIZERS[opt].spec(hyper) if hyper else None))
        return out


def _as_dict(settings: Any) -> Settings:
    if isinstance(settings, Mapping):
        return dict(settings)
    return {k: getattr(settings, k) for k in ("surface", "opts", "steps", "x0", "y0", "noise", "seed", "hyper")
            if hasattr(settings, k)}


def _get(s: Mapping[str, Any], name: str):
    opt, _, hyper = name.partition(".")
    if hyper:
        return ((s.get("hyper") or {}).get(opt) or {}).get(hyper)
    return s.get(name)


def _put(s: Settings, name: str, value: float) -> None:
    opt, _, hyper = name.partition(".")
    if hyper:
        s.setdefault("hyper", {}).setdefault(opt, OPTIMIZERS[opt].defaults())[hyper] = float(value)
    else:
        s[name] = float(value)


# -------------------------------------------------------------------------- running races


def _run(s: Settings, opt: str, *, seeds: int = 1):
    runs = max(1, seeds)
    seed: Any = int(s.get("seed", 0)) + np.arange(runs) if runs > 1 else int(s.get("seed", 0))
    starts = np.tile(np.array([s["x0"], s["y0"]], dtype=float), (runs, 1))
    return run_batch(SURFACES[s["surface"]], opt, s["hyper"][opt], starts, int(s["steps"]),
                     noise=float(s.get("noise", 0.0)), seed=seed, record="path", tol=TOL)


def _gap(s: Settings, res, i: int = 0) -> float:
    if res.diverged_at[i] >= 0:
        return math.inf
    return float(res.final_loss[i]) - f_star(SURFACES[s["surface"]])


def _fmt(v: float) -> str:
    return short_number(v, 3, inf="∞ (diverged)")


def _label(opt: str) -> str:
    return OPTIMIZERS[opt].label


def _reach_within(opt: str) -> Callable[[Settings], Verdict]:
    """Goal: ``opt`` gets f − f* < TOL within the race's steps."""

    def judge(s: Settings) -> Verdict:
        res = _run(s, opt)
        hit = int(res.steps_to_tol[0])
        if hit >= 0:
            return Verdict(True, f"{_label(opt)} reached f − f* < {TOL:g} at step {hit} (goal: within {s['steps']}).")
        extra = f", diverged at step {int(res.diverged_at[0])}" if res.diverged_at[0] >= 0 else ""
        return Verdict(False, f"After {s['steps']} steps {_label(opt)} is at f − f* = {_fmt(_gap(s, res))}{extra}; "
                       f"the goal is below {TOL:g}.")

    return judge


def _leave_saddle(opt: str, *, min_share: float = 1.0) -> Callable[[Settings], Verdict]:
    """Goal: ``opt`` ends with |y| > 1 (off the saddle's ridge); with noise, in ≥ min_share of 64 seeds."""

    def judge(s: Settings) -> Verdict:
        noisy = float(s.get("noise", 0.0)) > 0
        res = _run(s, opt, seeds=NOISY_SEEDS if noisy else 1)
        ok = (np.abs(res.final[:, 1]) > 1.0) & (res.diverged_at < 0)
        share = float(ok.mean())
        if noisy:
            return Verdict(share >= min_share, f"{int(ok.sum())} of {len(ok)} seeded runs of {_label(opt)} ended "
                           f"off the ridge (|y| > 1) after {s['steps']} steps; the goal is at least {min_share:.0%}.")
        y = float(res.final[0, 1])
        target = "" if min_share >= 1.0 else f" without noise, so all {NOISY_SEEDS} seeded runs are this one"
        return Verdict(bool(ok[0]) and share >= min_share, f"After {s['steps']} steps {_label(opt)} is at "
                       f"y = {y:.3g}{target} (goal: |y| > 1, off the ridge).")

    return judge


def _beats(winner: str, loser: str) -> Callable[[Settings], Verdict]:
    """Goal: ``winner`` ends strictly lower than ``loser`` (and does not diverge)."""

    def judge(s: Settings) -> Verdict:
        a, b = _gap(s, _run(s, winner)), _gap(s, _run(s, loser))
        solved = a < b
        return Verdict(solved, f"After {s['steps']} steps: {_label(winner)} f − f* = {_fmt(a)}, "
                       f"{_label(loser)} f − f* = {_fmt(b)}" + (" — beaten." if solved else "; not beaten yet."))

    return judge


def _ends_below(opt: str, target: float) -> Callable[[Settings], Verdict]:
    def judge(s: Settings) -> Verdict:
        g = _gap(s, _run(s, opt))
        return Verdict(g < target, f"After {s['steps']} steps {_label(opt)} is at f − f* = {_fmt(g)} "
                       f"(goal: below {target:g}).")

    return judge


def _noise_ball(opt: str, target: float) -> Callable[[Settings], Verdict]:
    def judge(s: Settings) -> Verdict:
        res = _run(s, opt, seeds=NOISY_SEEDS)
        gaps = np.where(res.diverged_at >= 0, np.inf, res.final_loss - f_star(SURFACES[s["surface"]]))
        med = float(np.median(gaps))
        return Verdict(med < target, f"Median final f − f* over {NOISY_SEEDS} seeded runs: {_fmt(med)} "
                       f"(goal: below {target:g}).")

    return judge


def _first_step(opt: str, ref: str, ratio: float) -> Callable[[Settings], Verdict]:
    """Goal: ``opt``'s first step at most ``ratio`` × ``ref``'s, and ``opt`` still ends lower than ``ref``."""

    def judge(s: Settings) -> Verdict:
        a, b = _run(s, opt), _run(s, ref)
        la = float(np.linalg.norm(a.path[1, 0] - a.path[0, 0]))
        lb = float(np.linalg.norm(b.path[1, 0] - b.path[0, 0]))
        ga, gb = _gap(s, a), _gap(s, b)
        short = la <= ratio * lb
        solved = short and ga < gb
        return Verdict(solved, f"First step: {_label(opt)} {la:.3g}, {_label(ref)} {lb:.3g} (goal: at most "
                       f"{ratio:g}×, now {la / lb:.3g}×). After {s['steps']} steps: {_label(opt)} f − f* = {_fmt(ga)}, "
                       f"{_label(ref)} {_fmt(gb)} (goal: {_label(opt)} lower).")

    return judge


def _race(surface: str, opts: Mapping[str, Mapping[str, float]], steps: int, start=None, **extra) -> dict:
    x0, y0 = start if start is not None else SURFACES[surface].start
    return dict(surface=surface, opts=list(opts), hyper={k: dict(v) for k, v in opts.items()}, steps=steps,
                x0=float(x0), y0=float(y0), **extra)


CHALLENGES: tuple[Challenge, ...] = (
    Challenge(
        key="rosenbrock_momentum",
        title="Down the banana valley",
        goal="Get SGD + momentum within f − f* < 0.001 of Rosenbrock's minimum in at most 200 steps from (−1.5, 2).",
        hint="The floor of the valley is almost flat: more momentum builds more speed along it. "
             "Too much, and the run swings past the bend.",
        base=_race("rosenbrock", {"momentum": {"lr": 0.001, "momentum": 0.9}}, 200, (-1.5, 2.0)),
        free=("momentum.lr", "momentum.momentum"),
        solution={"momentum.lr": 0.001, "momentum.momentum": 0.95},
        judge=_reach_within("momentum"),
    ),
    Challenge(
        key="adam_saddle",
        title="Make Adam leave the saddle",
        goal="Start 0.001 off the saddle's ridge: get Adam off it (|y| > 1) within 100 steps.",
        hint="Adam's step is about lr in each coordinate whatever the gradient's size: how far can 100 steps "
             "of the default lr go?",
        base=_race("saddle", {"adam": {"lr": 0.001}}, 100, (-2.0, 0.001)),
        free=("adam.lr",),
        solution={"adam.lr": 0.01},
        judge=_leave_saddle("adam"),
    ),
    Challenge(
        key="sgd_beats_adam",
        title="SGD beats Adam",
        goal="On the bowl, find a learning rate where plain SGD ends lower than Adam (lr 0.3) after 50 steps.",
        hint="The bowl's steepest curvature is 2, so SGD is stable up to lr 1: go close to that limit.",
        base=_race("bowl", {"sgd": {"lr": 0.001}, "adam": {"lr": 0.3}}, 50, (-7.0, 2.0)),
        free=("sgd.lr",),
        solution={"sgd.lr": 0.9},
        judge=_beats("sgd", "adam"),
    ),
    Challenge(
        key="adagrad_moving",
        title="Keep AdaGrad moving",
        goal="Keep AdaGrad moving after 1,000 steps on Rosenbrock: end below f − f* = 0.1.",
        hint="AdaGrad's effective learning rate lr/√(sum of g²) only shrinks. Start with a bigger lr so there is "
             "something left after the steep walls.",
        base=_race("rosenbrock", {"adagrad": {"lr": 0.5}}, 1000, (-1.5, 2.0)),
        free=("adagrad.lr",),
        solution={"adagrad.lr": 1.5},
        judge=_ends_below("adagrad", 0.1),
    ),
    Challenge(
        key="noisy_escape",
        title="Shake SGD off the ridge",
        goal="SGD starts exactly on the saddle's ridge (y = 0), where the gradient has no y part. Add gradient "
             f"noise so that at least 90 % of {NOISY_SEEDS} seeded runs are off it (|y| > 1) after 200 steps.",
        hint="Without noise SGD can never leave y = 0. A little noise is enough: the saddle amplifies it.",
        base=_race("saddle", {"sgd": {"lr": 0.02}}, 200, (-2.0, 0.0), noise=0.0),
        free=("noise",),
        solution={"noise": 0.5},
        judge=_leave_saddle("sgd", min_share=0.9),
    ),
    Challenge(
        key="noise_ball",
        title="Shrink the noise ball",
        goal=f"Gradients carry noise σ = 2. Pick SGD's learning rate so that the median final f − f* over "
             f"{NOISY_SEEDS} seeded runs of 300 steps on the bowl is below 0.25.",
        hint="A large rate jitters in a big ball around the minimum; a tiny one never gets there. The best is in "
             "between.",
        base=_race("bowl", {"sgd": {"lr": 0.3}}, 300, (-7.0, 2.0), noise=2.0),
        free=("sgd.lr",),
        solution={"sgd.lr": 0.1},
        judge=_noise_ball("sgd", 0.25),
    ),
    Challenge(
        key="rmsprop_first_step",
        title="Tame RMSProp's first step",
        goal="RMSProp (no bias correction) jumps far on step 1. Make its first step at most twice as long as "
             "Adam's (lr 0.1) while it still ends lower than Adam after 50 steps.",
        hint="After one step RMSProp's average of g² is (1 − α)·g²: its first step is lr/√(1 − α) per "
             "coordinate.",
        base=_race("bowl", {"rmsprop": {"lr": 0.1, "alpha": 0.999}, "adam": {"lr": 0.1}}, 50, (-7.0, 2.0)),
        free=("rmsprop.lr", "rmsprop.alpha"),
        solution={"rmsprop.lr": 0.1, "rmsprop.alpha": 0.5},
        judge=_first_step("rmsprop", "adam", 2.0),
    ),
    Challenge(
        key="momentum_fast",
        title="Momentum in 30 steps",
        goal="On the bowl from (−7, 2), get SGD + momentum within f − f* < 0.001 in at most 30 steps.",
        hint="With μ = 0.9 the run overshoots and swings for a long time. Less momentum with a larger lr "
             "damps the swings.",
        base=_race("bowl", {"momentum": {"lr": 0.1, "momentum": 0.9}}, 30, (-7.0, 2.0)),
        free=("momentum.lr", "momentum.momentum"),
        solution={"momentum.lr": 0.6, "momentum.momentum": 0.5},
        judge=_reach_within("momentum"),
    ),
)

CHALLENGES_BY_KEY: dict[str, Challenge] = {c.key: c for c in CHALLENGES}


def parse_challenge_key(raw: Any) -> Challenge | None:
    """The challenge a ``challenge=<key>`` link value names, or None (never raises)."""
    if isinstance(raw, (list, tuple)):
        raw = raw[-1] if raw else None
    if raw is None:
        return None
    try:
        text = str(raw).strip()
    except Exception:
        return None
    if not text or len(text) > _MAX_KEY_CHARS:
        return None
    return CHALLENGES_BY_KEY.get(text.lower())


def share_query(settings: Any, challenge: Challenge | None = None) -> dict[str, Any]:
    """The Compare page's URL keys for ``settings`` (plus ``challenge=<key>`` when given).

    Written with ``ui.url_state.to_query`` so the keys are exactly the ones the Compare page
    reads: surface, opt (repeated), steps, x0, y0, noise, seed, <opt>.<hyper>.
    """
    from optimizers import SCHEDULES
    from ui.url_state import PageState, to_query

    s = _as_dict(settings)
    state = PageState(surface=s["surface"], opts=list(s["opts"]), steps=int(s["steps"]), x0=float(s["x0"]),
                      y0=float(s["y0"]), noise=float(s.get("noise", 0.0)), seed=int(s.get("seed", 0)),
                      hyper={k: dict(v) for k, v in (s.get("hyper") or {}).items()})
    q = to_query(state, optimizers=OPTIMIZERS, schedules=SCHEDULES)
    if challenge is not None:
        q = {"challenge": challenge.key, **q}
    return q


def query_string(query: Mapping[str, Any]) -> str:
    """``a=1&opt=x&opt=y`` (URL-encoded, repeated keys kept), without the leading '?'."""
    from urllib.parse import urlencode

    return urlencode([(k, v) for k, vals in query.items() for v in (vals if isinstance(vals, list) else [vals])])


def settings_from_query(params: Mapping[str, Any], challenge: Challenge) -> tuple[Settings, list[str]]:
    """The free settings a link carries for ``challenge`` (``<opt>.<hyper>`` / ``noise``), validated.

    Anything unusable keeps the card's starting value and adds a notice; never raises.
    """
    from ui.url_state import parse_float, quote

    s = challenge.start_settings()
    notices: list[str] = []
    for name, spec in challenge.free_specs():
        raw = params.get(name)
        if isinstance(raw, (list, tuple)):
            raw = raw[-1] if raw else None
        if raw is None or str(raw).strip() == "":
            continue
        value = parse_float(str(raw))
        ok = value is not None
        if ok and spec is not None:
            try:
                spec.validate(value)
                ok = spec.low <= value <= spec.high
            except ValueError:
                ok = False
        elif ok:
            ok = 0.0 <= value <= 10.0
        if ok:
            _put(s, name, value)
        else:
            notices.append(f"{name}={quote(raw)} is not usable here; starting from {_get(s, name):g}.")
    return s, notices


__all__ = ["Challenge", "Verdict", "CHALLENGES", "CHALLENGES_BY_KEY", "parse_challenge_key", "share_query",
           "query_string", "settings_from_query"]
