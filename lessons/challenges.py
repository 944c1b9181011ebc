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

from i18n import Msg, t, text
from optimizers import OPTIMIZERS

from .link_values import parse_float, quote
from .questions import NOISY_SEEDS, TOL, f_star
from .race import MAX_NOISE, Race
from .race_link import race_query

#: Characters a challenge key from a link may have (anything else is not a key).
_MAX_KEY_CHARS = 40


@dataclass(frozen=True)
class Verdict:
    """The judge's answer: solved or not, and why (a `Msg`, written in the reader's language)."""

    solved: bool
    said: Msg | str

    @property
    def message(self) -> str:
        """The verdict's sentence in the current language."""
        return text(self.said)


@dataclass(frozen=True)
class Challenge:
    """One card: ``race`` is the fixed race, with the values the student starts from.

    The card's words (``title``, ``goal``, ``hint``) live in the catalogs under
    ``challenges.<key>``; the properties write them in the current language.
    """

    key: str
    race: Race
    free: tuple[str, ...]
    solution: Mapping[str, float]
    judge: Callable[[Race], Verdict] = field(repr=False, compare=False)

    @property
    def title(self) -> str:
        return t(f"challenges.{self.key}.title")

    @property
    def goal(self) -> str:
        return t(f"challenges.{self.key}.goal", seeds=NOISY_SEEDS)

    @property
    def hint(self) -> str:
        return t(f"challenges.{self.key}.hint")

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
            return Verdict(False, Msg.of("challenges.verdict.cannot_run", error=str(exc)))
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


def _fmt(v: float) -> float | Msg:
    """A gap as a sentence writes it: the number (3 significant digits), or "∞ (diverged)"."""
    v = float(v)
    return Msg.of("challenges.verdict.diverged_gap") if math.isinf(v) and v > 0 else v


@dataclass(frozen=True)
class _Label:
    """An optimizer's label, written when the verdict is (in the reader's language, should the
    engine's labels be translated): a verdict may be kept in a session across a language switch."""

    key: str

    def __str__(self) -> str:
        return str(OPTIMIZERS[self.key].label)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


def _label(opt: str) -> _Label:
    return _Label(opt)


def _reach_within(opt: str) -> Callable[[Race], Verdict]:
    """Goal: ``opt`` gets f − f* < TOL within the race's steps."""

    def judge(race: Race) -> Verdict:
        res = race.run(opt, tol=TOL)
        hit = int(res.steps_to_tol[0])
        if hit >= 0:
            return Verdict(True, Msg.of("challenges.verdict.reached", name=_label(opt), tol=TOL, step=hit,
                                        steps=race.steps))
        gap = _fmt(_gap(race, res))
        if res.diverged_at[0] >= 0:
            return Verdict(False, Msg.of("challenges.verdict.short_diverged", name=_label(opt), tol=TOL, gap=gap,
                                         steps=race.steps, at=int(res.diverged_at[0])))
        return Verdict(False, Msg.of("challenges.verdict.short", name=_label(opt), tol=TOL, gap=gap, steps=race.steps))

    return judge


def _leave_saddle(opt: str, *, min_share: float = 1.0) -> Callable[[Race], Verdict]:
    """Goal: ``opt`` ends with |y| > 1 (off the saddle's ridge); with noise, in ≥ min_share of 64 seeds."""

    def judge(race: Race) -> Verdict:
        noisy = race.noise > 0
        res = race.run(opt, seeds=NOISY_SEEDS if noisy else 1)
        ok = (np.abs(res.final[:, 1]) > 1.0) & (res.diverged_at < 0)
        share = float(ok.mean())
        if noisy:
            return Verdict(share >= min_share, Msg.of("challenges.verdict.saddle_noisy", ok=int(ok.sum()), n=len(ok),
                                                      name=_label(opt), steps=race.steps, share=min_share))
        y = float(res.final[0, 1])
        key = "challenges.verdict.saddle" if min_share >= 1.0 else "challenges.verdict.saddle_noiseless"
        return Verdict(bool(ok[0]) and share >= min_share,
                       Msg.of(key, steps=race.steps, name=_label(opt), y=y, seeds=NOISY_SEEDS))

    return judge


def _stability_note(race: Race, opt: str) -> Msg | str:
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
        return Msg.of("challenges.verdict.at_limit", name=_label(opt), lr=float(lr))
    if kind == "diverges":
        return Msg.of("challenges.verdict.past_limit", name=_label(opt), lr=float(lr), limit=float(limit.limit))
    return ""


def _beats(winner: str, loser: str) -> Callable[[Race], Verdict]:
    """Goal: ``winner`` ends strictly lower than ``loser`` (and does not diverge)."""

    def judge(race: Race) -> Verdict:
        a, b = _gap(race, race.run(winner)), _gap(race, race.run(loser))
        solved = a < b
        values = dict(steps=race.steps, winner=_label(winner), loser=_label(loser), a=_fmt(a), b=_fmt(b))
        if solved:
            return Verdict(True, Msg.of("challenges.verdict.beaten", **values))
        return Verdict(False, Msg.of("challenges.verdict.not_beaten", note=_stability_note(race, winner), **values))

    return judge


def _ends_below(opt: str, target: float) -> Callable[[Race], Verdict]:
    def judge(race: Race) -> Verdict:
        g = _gap(race, race.run(opt))
        return Verdict(g < target, Msg.of("challenges.verdict.ends_below", steps=race.steps, name=_label(opt),
                                          gap=_fmt(g), target=target))

    return judge


def _noise_ball(opt: str, target: float) -> Callable[[Race], Verdict]:
    def judge(race: Race) -> Verdict:
        res = race.run(opt, seeds=NOISY_SEEDS)
        gaps = np.where(res.diverged_at >= 0, np.inf, res.final_loss - f_star(race.surface_object()))
        med = float(np.median(gaps))
        return Verdict(med < target, Msg.of("challenges.verdict.noise_ball", seeds=NOISY_SEEDS, gap=_fmt(med),
                                            target=target))

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
        return Verdict(solved, Msg.of("challenges.verdict.first_step", name=_label(opt), ref=_label(ref), la=la,
                                      lb=lb, ratio=ratio, now=la / lb, steps=race.steps, ga=_fmt(ga), gb=_fmt(gb)))

    return judge


def _race(surface: str, opts: Mapping[str, Mapping[str, float]], steps: int, start, **extra) -> Race:
    return Race(surface, opts, start, steps, **extra)


CHALLENGES: tuple[Challenge, ...] = (
    Challenge(
        key="rosenbrock_momentum",
        race=_race("rosenbrock", {"momentum": {"lr": 0.001, "momentum": 0.9}}, 200, (-1.5, 2.0)),
        free=("momentum.lr", "momentum.momentum"),
        solution={"momentum.lr": 0.001, "momentum.momentum": 0.95},
        judge=_reach_within("momentum"),
    ),
    Challenge(
        key="adam_saddle",
        race=_race("saddle", {"adam": {"lr": 0.001}}, 100, (-2.0, 0.001)),
        free=("adam.lr",),
        solution={"adam.lr": 0.01},
        judge=_leave_saddle("adam"),
    ),
    Challenge(
        key="sgd_beats_adam",
        race=_race("bowl", {"sgd": {"lr": 0.001}, "adam": {"lr": 0.3}}, 50, (-7.0, 2.0)),
        free=("sgd.lr",),
        solution={"sgd.lr": 0.9},
        judge=_beats("sgd", "adam"),
    ),
    Challenge(
        key="adagrad_moving",
        race=_race("rosenbrock", {"adagrad": {"lr": 0.5}}, 1000, (-1.5, 2.0)),
        free=("adagrad.lr",),
        solution={"adagrad.lr": 1.5},
        judge=_ends_below("adagrad", 0.1),
    ),
    Challenge(
        key="noisy_escape",
        race=_race("saddle", {"sgd": {"lr": 0.02}}, 200, (-2.0, 0.0), noise=0.0),
        free=("noise",),
        solution={"noise": 0.5},
        judge=_leave_saddle("sgd", min_share=0.9),
    ),
    Challenge(
        key="noise_ball",
        race=_race("bowl", {"sgd": {"lr": 0.3}}, 300, (-7.0, 2.0), noise=2.0),
        free=("sgd.lr",),
        solution={"sgd.lr": 0.1},
        judge=_noise_ball("sgd", 0.25),
    ),
    Challenge(
        key="rmsprop_first_step",
        race=_race("bowl", {"rmsprop": {"lr": 0.1, "alpha": 0.999}, "adam": {"lr": 0.1}}, 50, (-7.0, 2.0)),
        free=("rmsprop.lr", "rmsprop.alpha"),
        solution={"rmsprop.lr": 0.1, "rmsprop.alpha": 0.5},
        judge=_first_step("rmsprop", "adam", 2.0),
    ),
    Challenge(
        key="momentum_fast",
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


def share_query(race: Race, challenge: Challenge | None = None,
                extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The Compare page's link keys for ``race`` (plus ``challenge=<key>`` first when given).

    ``extra`` is added last (the UI passes the visit's ``lang`` this way, or adds it itself with
    ``ui.language.with_language``).
    """
    q = race_query(race)
    q = {"challenge": challenge.key, **q} if challenge is not None else q
    return {**q, **extra} if extra else q


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
            notices.append(t("challenges.notice.unusable", name=name, value=quote(raw),
                             start=float(challenge.race.setting(name))))
    return values, notices


__all__ = ["Challenge", "Verdict", "CHALLENGES", "CHALLENGES_BY_KEY", "parse_challenge_key", "share_query",
           "values_from_query"]
