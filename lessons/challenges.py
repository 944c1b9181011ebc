"""Challenge cards: a goal the engine checks on the student's own settings.

Each `Challenge` is a fixed `Race` (surface, start, steps, the optimizers taking part, and the
values the student starts from) plus the few settings the student may change (``free``: link
names, ``"<opt>.<hyper>"`` or a race field such as ``"noise"``). `Challenge.check(values)` lays
the student's values for those settings over the fixed race, runs it with the public engine
and returns a `Verdict` whose message quotes the numbers. Every card carries a known solution;
tests/test_challenges.py checks that it solves the card and that the start does not.

Why the fixed parts are fixed: "reach the minimum in 200 steps" is meaningless if the student
may also start at the minimum; the check therefore ignores everything but the free settings.
`share_query` writes a race as the Compare page's link keys (``lessons.race_link``) and
`values_from_query` reads a card's free settings back from a link, safely. Plain Python over
numpy: no Streamlit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from optimizers import OPTIMIZERS
from optimizers.explain import short_number

from .grids import format_number
from .link_values import parse_float, quote
from .questions import NOISY_SEEDS, TOL, f_star
from .race import MAX_NOISE, Race
from .race_link import race_query

#: Characters a challenge key from a link may have (anything else is not a key).
_MAX_KEY_CHARS = 40


@dataclass(frozen=True)
class Verdict:
    solved: bool
    message: str


@dataclass(frozen=True)
class Challenge:
    """One card: ``race`` is the fixed race, with the values the student starts from."""

    key: str
    title: str
    goal: str
    hint: str
    race: Race
    free: tuple[str, ...]
    solution: Mapping[str, float]
    judge: Callable[[Race], Verdict] = field(repr=False, compare=False)

    def solution_race(self) -> Race:
        return self.effective(self.solution)

    def value(self, values: Mapping[str, float] | Race, name: str) -> float:
        """The student's value of free setting ``name`` (the start value when missing)."""
        if isinstance(values, Race):
            return values.setting(name)
        got = values.get(name)
        return float(got) if got is not None else self.race.setting(name)

    def effective(self, values: Mapping[str, float] | Race) -> Race:
        """The race actually judged: the fixed race with the student's free values on top."""
        race = self.race
        for name in self.free:
            race = race.with_setting(name, self.value(values, name))
        return race

    def check(self, values: Mapping[str, float] | Race) -> Verdict:
        """Run the race the student set up; never raises for a bad value (it says what is wrong).

        ``values`` maps free settings to numbers, or is a race (a Compare page's): only its
        free settings count.
        """
        try:
            race = self.effective(values)
        except (TypeError, ValueError, KeyError) as exc:
            return Verdict(False, f"These settings cannot be run: {exc}.")
        return self.judge(race)

    def slider_grid(self, name: str) -> list[float]:
        """The values the card's slider for free setting ``name`` offers from the card's start
        (the page's own grid), so a hint can be checked against every value a student can pick."""
        from .grids import noise_options, slider_options

        for free, spec in self.free_specs():
            if free == name:
                return slider_options(spec, extra=[self.race.setting(name)]) if spec else noise_options(MAX_NOISE)
        raise KeyError(f"{name!r} is not a free setting of {self.key}")

    def free_specs(self):
        """(name, HyperSpec or None) per free setting: the UI builds its sliders from these."""
        out = []
        for name in self.free:
            opt, _, hyper = name.partition(".")
            out.append((name, OPTIMIZERS[opt].spec(hyper) if hyper else None))
        return out


# -------------------------------------------------------------------------- running races


def _gap(race: Race, res, i: int = 0) -> float:
    if res.diverged_at[i] >= 0:
        return math.inf
    return float(res.final_loss[i]) - f_star(race.surface_object())


def _fmt(v: float) -> str:
    return short_number(v, 3, inf="∞ (diverged)")


def _label(opt: str) -> str:
    return OPTIMIZERS[opt].label


def _reach_within(opt: str) -> Callable[[Race], Verdict]:
    """Goal: ``opt`` gets f − f* < TOL within the race's steps."""

    def judge(race: Race) -> Verdict:
        res = race.run(opt, tol=TOL)
        hit = int(res.steps_to_tol[0])
        if hit >= 0:
            return Verdict(True, f"{_label(opt)} reached f − f* < {TOL:g} at step {hit} (goal: within {race.steps}).")
        extra = f", diverged at step {int(res.diverged_at[0])}" if res.diverged_at[0] >= 0 else ""
        return Verdict(False, f"After {race.steps} steps {_label(opt)} is at f − f* = {_fmt(_gap(race, res))}{extra}; "
                       f"the goal is below {TOL:g}.")

    return judge


def _leave_saddle(opt: str, *, min_share: float = 1.0) -> Callable[[Race], Verdict]:
    """Goal: ``opt`` ends with |y| > 1 (off the saddle's ridge); with noise, in ≥ min_share of 64 seeds."""

    def judge(race: Race) -> Verdict:
        noisy = race.noise > 0
        res = race.run(opt, seeds=NOISY_SEEDS if noisy else 1)
        ok = (np.abs(res.final[:, 1]) > 1.0) & (res.diverged_at < 0)
        share = float(ok.mean())
        if noisy:
            return Verdict(share >= min_share, f"{int(ok.sum())} of {len(ok)} seeded runs of {_label(opt)} ended "
                           f"off the ridge (|y| > 1) after {race.steps} steps; the goal is at least {min_share:.0%}.")
        y = float(res.final[0, 1])
        target = "" if min_share >= 1.0 else f" without noise, so all {NOISY_SEEDS} seeded runs are this one"
        return Verdict(bool(ok[0]) and share >= min_share, f"After {race.steps} steps {_label(opt)} is at "
                       f"y = {y:.3g}{target} (goal: |y| > 1, off the ridge).")

    return judge


def _stability_note(race: Race, opt: str) -> str:
    """Why a run on a quadratic did not shrink: its lr at or past the optimizer's declared limit.

    Empty when the surface is not a quadratic, the optimizer declares no limit, or the lr is
    below it (a slow run then has another reason, which the numbers already show)."""
    from .stability import stability_limit, verdict

    eigs = race.surface_object().hessian_eigs
    limit = stability_limit(OPTIMIZERS[opt], race.hyper(opt), max(eigs)) if eigs else None
    if limit is None:
        return ""
    lr = race.hyper(opt)["lr"]
    kind = verdict(lr, limit)
    if kind == "edge":
        return (f" {_label(opt)}'s lr {lr:g} is exactly its stability limit on this surface: the steep "
                "direction flips sign each step without shrinking.")
    if kind == "diverges":
        return f" {_label(opt)}'s lr {lr:g} is past its stability limit on this surface ({limit.limit:g})."
    return ""


def _beats(winner: str, loser: str) -> Callable[[Race], Verdict]:
    """Goal: ``winner`` ends strictly lower than ``loser`` (and does not diverge)."""

    def judge(race: Race) -> Verdict:
        a, b = _gap(race, race.run(winner)), _gap(race, race.run(loser))
        solved = a < b
        why = "" if solved else _stability_note(race, winner)
        return Verdict(solved, f"After {race.steps} steps: {_label(winner)} f − f* = {_fmt(a)}, "
                       f"{_label(loser)} f − f* = {_fmt(b)}" + (" — beaten." if solved else "; not beaten yet.")
                       + why)

    return judge


def _ends_below(opt: str, target: float) -> Callable[[Race], Verdict]:
    def judge(race: Race) -> Verdict:
        g = _gap(race, race.run(opt))
        return Verdict(g < target, f"After {race.steps} steps {_label(opt)} is at f − f* = {_fmt(g)} "
                       f"(goal: below {target:g}).")

    return judge


def _noise_ball(opt: str, target: float) -> Callable[[Race], Verdict]:
    def judge(race: Race) -> Verdict:
        res = race.run(opt, seeds=NOISY_SEEDS)
        gaps = np.where(res.diverged_at >= 0, np.inf, res.final_loss - f_star(race.surface_object()))
        med = float(np.median(gaps))
        return Verdict(med < target, f"Median final f − f* over {NOISY_SEEDS} seeded runs: {_fmt(med)} "
                       f"(goal: below {target:g}).")

    return judge


def _first_step(opt: str, ref: str, ratio: float) -> Callable[[Race], Verdict]:
    """Goal: ``opt``'s first step at most ``ratio`` × ``ref``'s, and ``opt`` still ends lower than ``ref``."""

    def judge(race: Race) -> Verdict:
        a, b = race.run(opt), race.run(ref)
        la = float(np.linalg.norm(a.path[1, 0] - a.path[0, 0]))
        lb = float(np.linalg.norm(b.path[1, 0] - b.path[0, 0]))
        ga, gb = _gap(race, a), _gap(race, b)
        short = la <= ratio * lb
        solved = short and ga < gb
        return Verdict(solved, f"First step: {_label(opt)} {la:.3g}, {_label(ref)} {lb:.3g} (goal: at most "
                       f"{ratio:g}×, now {la / lb:.3g}×). After {race.steps} steps: {_label(opt)} f − f* = {_fmt(ga)}, "
                       f"{_label(ref)} {_fmt(gb)} (goal: {_label(opt)} lower).")

    return judge


def _race(surface: str, opts: Mapping[str, Mapping[str, float]], steps: int, start, **extra) -> Race:
    return Race(surface, opts, start, steps, **extra)


CHALLENGES: tuple[Challenge, ...] = (
    Challenge(
        key="rosenbrock_momentum",
        title="Down the banana valley",
        goal="Get SGD + momentum within f − f* < 0.001 of Rosenbrock's minimum in at most 200 steps from (−1.5, 2).",
        hint="Only 31 of the 7,128 slider pairs solve it, in narrow bands. At the start's lr 0.001 only μ "
             "near 0.95 works (the slider's 0.94905 and 0.95): less and more both fall short. At lr 0.002 even "
             "μ = 0, plain SGD, gets there (step 119), while μ = 0.5 does not.",
        race=_race("rosenbrock", {"momentum": {"lr": 0.001, "momentum": 0.9}}, 200, (-1.5, 2.0)),
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
        race=_race("saddle", {"adam": {"lr": 0.001}}, 100, (-2.0, 0.001)),
        free=("adam.lr",),
        solution={"adam.lr": 0.01},
        judge=_leave_saddle("adam"),
    ),
    Challenge(
        key="sgd_beats_adam",
        title="SGD beats Adam",
        goal="On the bowl, find a learning rate where plain SGD ends lower than Adam (lr 0.3) after 50 steps.",
        hint="The bowl's steepest curvature is 2, so SGD is stable only below lr 1, and along the flat x "
             "direction (curvature 0.1) each step removes only lr/10 of the error. On the slider every lr from "
             "0.6 to 0.95 beats Adam; 0.5 falls just short, and at 1 the y error never shrinks.",
        race=_race("bowl", {"sgd": {"lr": 0.001}, "adam": {"lr": 0.3}}, 50, (-7.0, 2.0)),
        free=("sgd.lr",),
        solution={"sgd.lr": 0.9},
        judge=_beats("sgd", "adam"),
    ),
    Challenge(
        key="adagrad_moving",
        title="Keep AdaGrad moving",
        goal="Keep AdaGrad moving after 1,000 steps on Rosenbrock: end below f − f* = 0.1.",
        hint="AdaGrad's effective learning rate lr/√(sum of g²) only shrinks, so the rate it starts with has "
             "to last all 1,000 steps. Raising lr from 0.5 helps, almost steadily, up to 2 (f − f* "
             "1.61 at 0.5, 0.042 at 2): on the slider 1.5 and 2 reach the goal. Larger is not better: 2.5, 3 and 4 end above it, and of the larger values only 5 reaches "
             "it again.",
        race=_race("rosenbrock", {"adagrad": {"lr": 0.5}}, 1000, (-1.5, 2.0)),
        free=("adagrad.lr",),
        solution={"adagrad.lr": 1.5},
        judge=_ends_below("adagrad", 0.1),
    ),
    Challenge(
        key="noisy_escape",
        title="Shake SGD off the ridge",
        goal="SGD starts exactly on the saddle's ridge (y = 0), where the gradient has no y part. Add gradient "
             f"noise so that at least 90 % of {NOISY_SEEDS} seeded runs are off it (|y| > 1) after 200 steps.",
        hint="Without noise SGD can never leave y = 0. A little noise is enough, the saddle amplifies it: on "
             "the slider every σ from 0.06 to 4 gets at least 90 % of the runs off the ridge.",
        race=_race("saddle", {"sgd": {"lr": 0.02}}, 200, (-2.0, 0.0), noise=0.0),
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
             "between: on the slider lr 0.05 to 0.12 does it.",
        race=_race("bowl", {"sgd": {"lr": 0.3}}, 300, (-7.0, 2.0), noise=2.0),
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
        race=_race("bowl", {"rmsprop": {"lr": 0.1, "alpha": 0.999}, "adam": {"lr": 0.1}}, 50, (-7.0, 2.0)),
        free=("rmsprop.lr", "rmsprop.alpha"),
        solution={"rmsprop.lr": 0.1, "rmsprop.alpha": 0.5},
        judge=_first_step("rmsprop", "adam", 2.0),
    ),
    Challenge(
        key="momentum_fast",
        title="Momentum in 30 steps",
        goal="On the bowl from (−7, 2), get SGD + momentum within f − f* < 0.001 in at most 30 steps.",
        hint="With μ = 0.9 the run overshoots the minimum along x, and on the slider only lr 0.09 gets there in "
             "30 steps. Less momentum with a larger lr damps the swings: at μ = 0.5 every lr from 0.6 to 1.2 "
             "gets there (step 27 at 0.6, step 10 at 1.2).",
        race=_race("bowl", {"momentum": {"lr": 0.1, "momentum": 0.9}}, 30, (-7.0, 2.0)),
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


def share_query(race: Race, challenge: Challenge | None = None) -> dict[str, Any]:
    """The Compare page's link keys for ``race`` (plus ``challenge=<key>`` first when given)."""
    q = race_query(race)
    return {"challenge": challenge.key, **q} if challenge is not None else q


def values_from_query(params: Mapping[str, Any], challenge: Challenge) -> tuple[dict[str, float], list[str]]:
    """The free settings a link carries for ``challenge`` (``<opt>.<hyper>`` / ``noise``), validated.

    Anything unusable keeps the card's starting value and adds a notice; never raises.
    """
    values: dict[str, float] = {}
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
            ok = 0.0 <= value <= MAX_NOISE
        if ok:
            values[name] = float(value)
        else:
            notices.append(f"{name}={quote(raw)} is not usable here; starting from "
                           f"{format_number(challenge.race.setting(name))}.")
    return values, notices


__all__ = ["Challenge", "Verdict", "CHALLENGES", "CHALLENGES_BY_KEY", "parse_challenge_key", "share_query",
           "values_from_query"]
