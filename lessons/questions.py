"""Predict-then-watch questions whose answers the engine computes from the race's settings.

Why computed: a teacher changes a learning rate and the "right answer" of a hand-written
question silently becomes wrong. Here a question is a *kind* (which ends lowest, which reaches
f − f* < tol first, does a run diverge, which basin, which zig-zags most, whose first step is
longer, does the schedule help) applied to a `Race` (surface, optimizers with hyperparameters,
start, steps, noise, seed, schedule, clip). The kind runs the race with the public engine
(`optimizers.run_batch`) and builds the choices, the answer and an explanation that quotes the
numbers. Each lesson preset names its question (`Preset.question`, an `Ask`: a kind and its arguments).

Honesty rules every kind follows:

* Optimizer-picking kinds offer at most three optimizers plus one "tie" or "none" choice, so a
  tie (final losses within 1 %) or "nobody gets there" is always an answer a student can pick.
  The choices never depend on the outcome, only on the settings, so they give nothing away.
  Every optimizer of the race is a choice; when a race has more than fit, the table names the
  three compared first, the rest fill up in display order, and the prompt says which are left
  out and why.
* With gradient noise one path is an anecdote: every measurement is then the median over
  `NOISY_SEEDS` seeded runs (seeds seed … seed + 63), and the explanation says so.

Every sentence is a catalog template (``i18n/<lang>/questions.toml``) held as a `Msg`, not as
text: questions are cached across sessions (one race, every student), so a `Question` renders
its prompt, choices and explanation in the language of whoever reads them. The right answer is
``answer_index``, never a choice's text, so it is the same answer in every language.

Plain Python over numpy: no Streamlit, so a test or a notebook can ask every question.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from i18n import Msg, t, text
from optimizers import OPTIMIZERS, run_batch
from optimizers.explain import short_number
from surfaces import SURFACES

from .race import Race

#: f − f* below this counts as "at the minimum" (the Compare table's tolerance).
TOL = 1e-3
#: Seeded runs behind every claim about a noisy race.
NOISY_SEEDS = 64
#: Final values within this relative margin (or TIE_ATOL absolute) are a tie.
NEAR_TIE = 0.01
TIE_ATOL = 1e-12
#: A run ends "in" a minimum's basin when it is this close to it (else: in none yet).
BASIN_RADIUS = 0.5
#: One first step counts as "longer" only when it is at least this many times the other.
STEP_RATIO = 2.0
#: Median noise balls within this relative margin count as "no clear difference".
BALL_MARGIN = 0.1
MAX_CHOICES = 4


#: A sentence a question holds: a `Msg` (rendered when read) or plain text (a caller's own words).
Text = Any


@dataclass(frozen=True, init=False)
class Question:
    """One prediction: ``choices[answer_index]`` is right; ``explanation`` quotes the numbers.

    Holds its sentences as `Msg` values (``prompt_msg``, ``choice_msgs`` ...): hashable and
    language-free, so a cached question serves every session; the ``prompt``, ``choices``,
    ``explanation``, ``try_next`` and ``answer`` properties write them in the current language.
    """

    key: str
    prompt_msg: Text
    choice_msgs: tuple[Text, ...]
    answer_index: int
    explanation_msg: Text
    kind: str = ""
    #: What to change next to see the outcome flip (a suggestion, not a claim about a run).
    try_next_msg: Text = ""

    def __init__(self, key: str, prompt: Text, choices: Sequence[Text], answer_index: int, explanation: Text,
                 kind: str = "", try_next: Text = "") -> None:
        for name, value in (("key", key), ("prompt_msg", prompt), ("choice_msgs", tuple(choices)),
                            ("answer_index", int(answer_index)), ("explanation_msg", explanation), ("kind", kind),
                            ("try_next_msg", try_next)):
            object.__setattr__(self, name, value)

    @property
    def prompt(self) -> str:
        return text(self.prompt_msg)

    @property
    def choices(self) -> tuple[str, ...]:
        return tuple(text(c) for c in self.choice_msgs)

    @property
    def explanation(self) -> str:
        return text(self.explanation_msg)

    @property
    def try_next(self) -> str:
        return text(self.try_next_msg) if self.try_next_msg else ""

    @property
    def answer(self) -> str:
        return text(self.choice_msgs[self.answer_index])

    def is_right(self, index: int) -> bool:
        return int(index) == self.answer_index

    def with_try_next(self, try_next: Text) -> "Question":
        """The same question with another "now try" suggestion."""
        return Question(self.key, self.prompt_msg, self.choice_msgs, self.answer_index, self.explanation_msg,
                        self.kind, try_next)


@dataclass(frozen=True)
class _Opt:
    """An optimizer's name, written when the sentence is (so a cached question follows the label)."""

    key: str

    def __str__(self) -> str:
        return text(OPTIMIZERS[self.key].label)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


@dataclass(frozen=True)
class _Join:
    """Sentence parts joined by the current language's separator (``questions.join.<sep>``)."""

    items: tuple
    sep: str = "semicolon"

    def __str__(self) -> str:
        return t(f"questions.join.{self.sep}").join(text(i) for i in self.items)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


@dataclass(frozen=True)
class _Names:
    """Optimizer names as a list: "SGD, Adam or AdaGrad" (``conj`` "or") / "... and ..." ("and")."""

    keys: tuple[str, ...]
    conj: str = "or"

    def __str__(self) -> str:
        labels = [str(_Opt(k)) for k in self.keys]
        if len(labels) == 1:
            return labels[0]
        return t(f"questions.names.{self.conj}", head=t("questions.join.comma").join(labels[:-1]), last=labels[-1])

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


# ------------------------------------------------------------------------------ measuring


@dataclass(frozen=True)
class Outcome:
    """What one optimizer did in the race (medians over the seeds when the race is noisy)."""

    key: str
    label: str
    gap: float  # final f − f* (inf when most runs diverged)
    reach: float  # steps to f − f* < TOL (inf if never)
    diverged_frac: float
    diverged_at: int  # median divergence step of the diverged runs, -1 if none
    zigzag: float  # sign changes of the y-step
    first_step: float  # length of step 1
    final: tuple[float, float]  # median end point
    ends: np.ndarray  # (R, 2) end points of every run


def f_star(surface) -> float:
    """The surface's f* (``Surface.f_star``); a question is only asked where it is known."""
    value = surface.f_star
    if value is None:
        raise ValueError(f"{surface.label} has no known minimum to measure f − f* from")  # i18n: internal
    return value


def _sign_changes(path: np.ndarray) -> np.ndarray:
    """Per run: how often the y-step reverses direction (path (S+1, R, 2)); zero steps skipped."""
    dy = np.sign(np.diff(path[:, :, 1], axis=0))
    out = np.zeros(path.shape[1])
    for r in range(path.shape[1]):
        s = dy[:, r][dy[:, r] != 0]
        out[r] = float(np.sum(s[1:] != s[:-1])) if s.size > 1 else 0.0
    return out


def measure(race: Race, opt_key: str) -> Outcome:
    """Run one optimizer of the race (64 seeded runs when noisy) and summarise it."""
    surface = race.surface_object()
    res = race.run(opt_key, record="path", seeds=NOISY_SEEDS if race.noise > 0 else 1, tol=TOL)
    fs = f_star(surface)
    div = res.diverged_at >= 0
    gaps = np.where(div, np.inf, res.final_loss - fs)
    reach = np.where(res.steps_to_tol >= 0, res.steps_to_tol.astype(float), np.inf)
    first = np.linalg.norm(res.path[1] - res.path[0], axis=1)
    return Outcome(
        key=opt_key, label=OPTIMIZERS[opt_key].label, gap=float(np.median(gaps)), reach=float(np.median(reach)),
        diverged_frac=float(div.mean()), diverged_at=int(np.median(res.diverged_at[div])) if div.any() else -1,
        zigzag=float(np.median(_sign_changes(res.path))), first_step=float(np.median(first)),
        final=(float(np.median(res.final[:, 0])), float(np.median(res.final[:, 1]))), ends=res.final,
    )


def _num(v: float) -> Any:
    """A final f − f* for a sentence: the number, or "never" (a diverged run's infinite gap)."""
    return Msg.of("questions.never") if math.isinf(v) else float(v)


def _steps(v: float) -> Msg:
    # A median step may be x.5: rounded as "{v:.0f}" rounds it.
    return Msg.of("questions.never") if math.isinf(v) else Msg.of("questions.at_step", step=int(round(v)))


def _noisy_note(race: Race) -> Any:
    if race.noise <= 0:
        return ""
    return Msg.of("questions.noisy_note", n=NOISY_SEEDS, first=race.seed, last=race.seed + NOISY_SEEDS - 1)


def _compared(race: Race, among: Sequence[str] | None, limit: int) -> list[str]:
    """The optimizers a question compares: ``among`` (those in the race) first, then the race's others
    in display order, up to ``limit``: a run is left out only when no choice is left for it."""
    first = [k for k in (among or ()) if k in race.opts]
    keys = first + [k for k in race.opts if k not in first]
    return keys[:limit]


def _names(keys: Sequence[str], conj: str = "or") -> _Names:
    return _Names(tuple(keys), conj)


def _tied(a: float, b: float) -> bool:
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= max(TIE_ATOL, NEAR_TIE * max(abs(a), abs(b)))


def _subset_note(race: Race, keys: Sequence[str]) -> Any:
    """Names the runs compared, and why, when the race has more than the choices can hold."""
    if len(keys) == len(race.opts):
        return ""
    left = [k for k in race.opts if k not in keys]
    return Msg.plural("questions.subset_note", len(left), names=_names(keys, "and"), shown=len(keys),
                      left=_names(left, "and"))


# ------------------------------------------------------------------------------ kinds


def ends_lowest(race: Race, key: str, among: Sequence[str] | None = None) -> Question:
    """Which optimizer ends with the lowest f − f* after the race? (tie choice included)"""
    keys = _compared(race, among, MAX_CHOICES - 1)
    outs = [measure(race, k) for k in keys]
    order = sorted(range(len(outs)), key=lambda i: outs[i].gap)
    best = order[0]
    tie = len(order) > 1 and _tied(outs[order[0]].gap, outs[order[1]].gap)
    choices = tuple(_Opt(o.key) for o in outs) + (Msg.of("questions.ends_lowest.tie"),)
    answer = len(outs) if tie else best
    numbers = _Join(tuple(
        Msg.of("questions.ends_lowest.diverged_item", name=_Opt(o.key), gap=_num(o.gap), step=o.diverged_at)
        if o.diverged_at >= 0 else Msg.of("questions.item", name=_Opt(o.key), value=_num(o.gap)) for o in outs))
    verdict = (Msg.of("questions.ends_lowest.verdict_tie") if tie
               else Msg.of("questions.ends_lowest.verdict", name=_Opt(outs[best].key)))
    return Question(key, Msg.of("questions.ends_lowest.prompt", steps=race.steps, subset=_subset_note(race, keys)),
                    choices, answer,
                    Msg.of("questions.ends_lowest.explanation", verdict=verdict, numbers=numbers,
                           noisy=_noisy_note(race)), "ends_lowest")


def first_to_tol(race: Race, key: str, among: Sequence[str] | None = None) -> Question:
    """Which optimizer first gets f − f* below TOL? ("none of them" included)"""
    keys = _compared(race, among, MAX_CHOICES - 1)
    outs = [measure(race, k) for k in keys]
    order = sorted(range(len(outs)), key=lambda i: outs[i].reach)
    best = order[0]
    none = math.isinf(outs[best].reach)
    tie = not none and len(order) > 1 and outs[order[0]].reach == outs[order[1]].reach
    choices = tuple(_Opt(o.key) for o in outs) + (Msg.of("questions.first_to_tol.none", steps=race.steps),)
    numbers = _Join(tuple(Msg.of("questions.item", name=_Opt(o.key), value=_steps(o.reach)) for o in outs))
    if none:
        answer, verdict = len(outs), Msg.of("questions.first_to_tol.verdict_none", tol=TOL, steps=race.steps)
    elif tie:
        answer, verdict = len(outs), Msg.of("questions.first_to_tol.verdict_tie")
    else:
        answer, verdict = best, Msg.of("questions.first_to_tol.verdict", name=_Opt(outs[best].key))
    return Question(key, Msg.of("questions.first_to_tol.prompt", tol=TOL, subset=_subset_note(race, keys)),
                    choices, answer,
                    Msg.of("questions.first_to_tol.explanation", verdict=verdict, tol=TOL, numbers=numbers,
                           noisy=_noisy_note(race)), "first_to_tol")


def zigzag(race: Race, key: str, among: Sequence[str] | None = None) -> Question:
    """Whose path zig-zags most, measured by how often its y-step changes sign?"""
    keys = _compared(race, among, MAX_CHOICES - 1)
    outs = [measure(race, k) for k in keys]
    order = sorted(range(len(outs)), key=lambda i: -outs[i].zigzag)
    tie = len(order) > 1 and outs[order[0]].zigzag == outs[order[1]].zigzag
    choices = tuple(_Opt(o.key) for o in outs) + (Msg.of("questions.zigzag.tie"),)
    numbers = _Join(tuple(Msg.of("questions.item", name=_Opt(o.key), value=int(round(o.zigzag))) for o in outs))
    verdict = (Msg.of("questions.zigzag.verdict_tie") if tie
               else Msg.of("questions.zigzag.verdict", name=_Opt(outs[order[0]].key)))
    return Question(key, Msg.of("questions.zigzag.prompt", subset=_subset_note(race, keys)), choices,
                    len(outs) if tie else order[0],
                    Msg.of("questions.zigzag.explanation", verdict=verdict, steps=race.steps, numbers=numbers,
                           noisy=_noisy_note(race)), "zigzag")


def divergence_check(race: Race, subject: str, step: int) -> tuple[str, float, float]:
    """Which of the engine's divergence checks update ``step`` of ``subject`` fails, replayed.

    Why replayed: the engine only records that a run diverged, and "the loss exceeded the
    limit" is often false (a parameter past ``MAX_ABS_PARAM`` usually trips first). This takes
    the whole state after update ``step`` − 1 from ``simulate`` (the same race, so the same
    schedule), applies the optimizer's own ``update`` once with that step's gradient and lr,
    and applies the engine's checks. Returns (what, value, loss): ``what`` is "|x|" or "|y|"
    (past ``MAX_ABS_PARAM``), "the loss" (past ``MAX_LOSS``) or "a non-finite value" (value and
    loss nan); ``loss`` is f at the new point. Noise-free races only.
    """
    from optimizers import simulate
    from optimizers.records import MAX_ABS_PARAM, MAX_LOSS
    from optimizers.schedules import clip_by_norm

    opt = OPTIMIZERS[subject]
    surface = race.surface_object()
    schedule = race.schedule_object()
    df = simulate(surface, subject, race.hyper(subject), race.start, race.steps, schedule=schedule,
                  clip_norm=race.clip_norm)
    k = step - 1
    if len(df) != step:
        raise ValueError(f"{opt.label} does not diverge at update {step}")  # i18n: internal
    theta = df[["x", "y"]].to_numpy(dtype=float)[k][None, :]
    state = opt.init(theta)
    if k > 0:  # the whole state after update k, as the step inspector rebuilds it
        for name, first in list(state.items()):
            if name in opt.state_names:
                state[name] = df[[f"{name}_x", f"{name}_y"]].to_numpy(dtype=float)[k][None, :]
            else:
                value = float(df[name].to_numpy(dtype=float)[k])
                state[name] = int(round(value)) if isinstance(first, (int, np.integer)) else value
    hyper = dict(opt.resolve(race.hyper(subject)))
    if schedule is not None:
        hyper["lr"] = float(schedule.lr(hyper["lr"], step, race.steps))
    with np.errstate(all="ignore"):
        g = surface.gradient(theta)
        if race.clip_norm is not None:
            g = clip_by_norm(g, race.clip_norm)
        new, after = opt.update(theta, g, state, hyper, step)
        new = np.asarray(new, dtype=float).reshape(2)
        loss = float(surface.loss(new))
    finite = np.isfinite(new).all() and math.isfinite(loss) and all(
        np.isfinite(np.asarray(v, dtype=float)).all() for v in after.values())
    if not finite:
        return "a non-finite value", math.nan, math.nan  # i18n: internal (a code; the sentence is a template)
    i = int(np.argmax(np.abs(new)))
    if abs(new[i]) > MAX_ABS_PARAM:
        return ("|x|", "|y|")[i], float(abs(new[i])), loss
    if loss > MAX_LOSS:
        return "the loss", loss, loss  # i18n: internal (a code; the sentence is a template)
    raise ValueError(f"update {step} of {opt.label} passes every divergence check when replayed")  # i18n: internal


def _past(value: float, limit: float) -> str:
    """``value`` with enough digits that it reads as past ``limit`` (1000002 is not "1e6")."""
    for digits in range(3, 10):
        text = short_number(value, digits)
        if float(text) > limit:
            return text
    return short_number(value, 10)


def _divergence_sentence(race: Race, subject: str, step: int) -> Msg:
    from optimizers.records import MAX_ABS_PARAM, MAX_LOSS

    what, value, loss = divergence_check(race, subject, step)
    if math.isnan(value):
        return Msg.of("questions.diverges.nonfinite", step=step)
    if what == "the loss":  # i18n: internal
        return Msg.of("questions.diverges.loss", step=step, value=_past(value, MAX_LOSS), limit=float(MAX_LOSS))
    under = Msg.of("questions.diverges.loss_under", loss=float(loss), limit=float(MAX_LOSS)) if loss <= MAX_LOSS else ""
    return Msg.of("questions.diverges.param", step=step, what=what, value=_past(value, MAX_ABS_PARAM),
                  limit=float(MAX_ABS_PARAM), under=under)


def diverges(race: Race, key: str, subject: str | None = None) -> Question:
    """Does ``subject`` blow up (diverge) within the race's steps?"""
    subject = subject if subject in race.opts else race.opts[0]
    o = measure(race, subject)
    lr = race.hyper(subject)["lr"]
    did = o.diverged_frac > 0.5
    if race.noise > 0:
        detail = (Msg.of("questions.diverges.noisy_at", frac=o.diverged_frac, n=NOISY_SEEDS, step=o.diverged_at)
                  if o.diverged_at >= 0 else Msg.of("questions.diverges.noisy", frac=o.diverged_frac, n=NOISY_SEEDS))
    elif did:
        detail = _divergence_sentence(race, subject, o.diverged_at)
    else:
        detail = Msg.of("questions.diverges.finite", gap=_num(o.gap))
    return Question(key, Msg.of("questions.diverges.prompt", name=_Opt(subject), lr=float(lr), steps=race.steps),
                    (Msg.of("questions.diverges.yes"), Msg.of("questions.diverges.no")), 0 if did else 1,
                    Msg.of("questions.diverges.answer_yes" if did else "questions.diverges.answer_no", detail=detail),
                    "diverges")


def basin(race: Race, key: str, subject: str | None = None) -> Question:
    """Which minimum does ``subject`` end in (within BASIN_RADIUS), or none yet?"""
    subject = subject if subject in race.opts else race.opts[0]
    surface = race.surface_object()
    if not surface.minima:
        return ends_lowest(race, key)
    every = [tuple(map(float, m)) for m in surface.minima]
    minima = every[: MAX_CHOICES - 1]
    o = measure(race, subject)
    d = np.linalg.norm(o.ends[:, None, :] - np.asarray(every)[None, :, :], axis=2)  # (R, all minima)
    nearest = np.where(d.min(axis=1) <= BASIN_RADIUS, d.argmin(axis=1), len(every))
    nearest = np.minimum(nearest, len(minima))  # minima beyond the listed ones share the last choice
    counts = np.bincount(nearest, minlength=len(minima) + 1)
    answer = int(np.argmax(counts))
    last = Msg.of("questions.basin.none" if len(every) == len(minima) else "questions.basin.another")
    choices = tuple(Msg.of("questions.basin.at", x=a, y=b) for a, b in minima) + (last,)
    where = Msg.of("questions.basin.ends", x=o.final[0], y=o.final[1])
    if race.noise > 0:
        where = Msg.of("questions.basin.ends_noisy", count=int(counts[answer]), n=NOISY_SEEDS, x=o.final[0],
                       y=o.final[1])
    dist = float(np.median(d.min(axis=1)))
    return Question(key, Msg.of("questions.basin.prompt", name=_Opt(subject), steps=race.steps), choices, answer,
                    Msg.of("questions.basin.explanation", answer=choices[answer], where=where, dist=dist,
                           radius=BASIN_RADIUS), "basin")


def first_step(race: Race, key: str, among: Sequence[str] | None = None) -> Question:
    """Whose very first step is longer (the bias-correction question), by at least STEP_RATIO×?"""
    keys = _compared(race, among, 2)
    if len(keys) < 2:
        keys = keys * 2
    a, b = measure(race, keys[0]), measure(race, keys[1])
    ratio = a.first_step / b.first_step if b.first_step > 0 else math.inf
    choices = (Msg.of("questions.first_step.longer", name=_Opt(a.key)),
               Msg.of("questions.first_step.longer", name=_Opt(b.key)), Msg.of("questions.first_step.same"))
    answer = 0 if ratio >= STEP_RATIO else 1 if ratio <= 1 / STEP_RATIO else 2
    left = [k for k in race.opts if k not in keys]
    why = Msg.plural("questions.first_step.left_out", len(left), names=_names(left, "and")) if left else ""
    return Question(key, Msg.of("questions.first_step.prompt", a=_Opt(a.key), b=_Opt(b.key), why=why), choices, answer,
                    Msg.of("questions.first_step.explanation", answer=choices[answer], a=_Opt(a.key),
                           a_step=a.first_step, b=_Opt(b.key), b_step=b.first_step, ratio=ratio, min_ratio=STEP_RATIO,
                           noisy=_noisy_note(race)), "first_step")


def noise_ball(race: Race, key: str, subject: str | None = None) -> Question:
    """Noisy race: does the schedule end closer to the minimum than a constant rate? (64 seeds)"""
    subject = subject if subject in race.opts else race.opts[0]
    surface = race.surface_object()
    balls = {}
    for name, variant in (("schedule", race), ("constant", race.with_(schedule="constant"))):
        res = variant.run(subject, record="final", seeds=NOISY_SEEDS)
        balls[name] = float(np.median(surface.distance_to_nearest_minimum(res.final)))
    s, c = balls["schedule"], balls["constant"]
    choices = (Msg.of("questions.noise_ball.schedule"), Msg.of("questions.noise_ball.constant"),
               Msg.of("questions.noise_ball.same"))
    if abs(s - c) <= BALL_MARGIN * max(s, c):
        answer = 2
    else:
        answer = 0 if s < c else 1
    return Question(key, Msg.of("questions.noise_ball.prompt", noise=float(race.noise), name=_Opt(subject),
                                steps=race.steps, schedule=race.schedule.replace("_", "-")), choices, answer,
                    Msg.of("questions.noise_ball.explanation", answer=choices[answer], n=NOISY_SEEDS, s=s, c=c,
                           margin=BALL_MARGIN), "noise_ball")


KINDS: dict[str, Callable[..., Question]] = {
    "ends_lowest": ends_lowest, "first_to_tol": first_to_tol, "zigzag": zigzag, "diverges": diverges,
    "basin": basin, "first_step": first_step, "noise_ball": noise_ball,
}


@dataclass(frozen=True)
class Ask:
    """One row of the table: the kind, its arguments, and a hand-written 'now try' suggestion."""

    kind: str
    args: Mapping[str, Any] = field(default_factory=dict)
    try_next: str = ""


def ask(race: Race, key: str, spec: Ask) -> Question:
    """The question ``spec`` asks about ``race``, with its "now try" suggestion."""
    return KINDS[spec.kind](race, key, **dict(spec.args)).with_try_next(spec.try_next)


# ------------------------------------------------------------------------ lesson-page demos


def ewma_question(beta: float, series: str = "temperature", seed: int = 0, days: int = 10) -> Question:
    """Moving-averages page: which average tracks the signal better over the first ``days``?"""
    from lessons.averages import ewma
    from lessons.series import noisy_series

    _, observed, truth, _ = noisy_series(series, 365, seed)
    raw = np.asarray(ewma(observed, beta, bias_correction=False))
    cor = np.asarray(ewma(observed, beta, bias_correction=True))
    e_raw = float(np.mean(np.abs(raw[:days] - truth[:days])))
    e_cor = float(np.mean(np.abs(cor[:days] - truth[:days])))
    choices = (Msg.of("questions.ewma.corrected"), Msg.of("questions.ewma.uncorrected"), Msg.of("questions.ewma.same"))
    answer = 2 if abs(e_raw - e_cor) <= 0.2 * max(e_raw, e_cor) else (0 if e_cor < e_raw else 1)
    return Question("ewma", Msg.of("questions.ewma.prompt", beta=float(beta), days=int(days)), choices, answer,
                    Msg.of("questions.ewma.explanation", answer=choices[answer], days=int(days), e_cor=e_cor,
                           e_raw=e_raw, data=float(observed[0]), raw=float(raw[0]), cor=float(cor[0])), "ewma",
                    Msg.of("questions.ewma.try_next"))


def schedules_question(surface: str, opt: str, lr: float, noise: float, steps: int, schedule: str,
                       params: Mapping[str, float] | None = None) -> Question:
    """Schedules page: does the schedule shrink the noise ball? (64 seeds, the page's settings)"""
    start = tuple(float(c) for c in SURFACES[surface].start)
    race = Race(surface, {opt: {"lr": float(lr)}}, start, int(steps), float(noise), 0, schedule,
                tuple(dict(params or {}).items()))
    return noise_ball(race, "schedules", opt).with_try_next(Msg.of("questions.schedules.try_next"))


def minibatch_question(n: int, batch: int, opt: str, lr: float, epochs: int, seed: int = 0) -> Question:
    """Mini-batch page: after the same epochs, which batch size ends lowest? (64 shuffling seeds)"""
    from lessons.minibatch_lesson import batch_labels
    from surfaces.regression import make_regression_surface

    surface = make_regression_surface(int(n))
    fs = f_star(surface)
    start = np.asarray(surface.start, dtype=float)
    seeds = int(seed) + np.arange(NOISY_SEEDS)
    labels, gaps = [], []
    for label, b in batch_labels(n, batch):
        steps = epochs * math.ceil(n / b)
        if b >= n:  # no sampling at all: one deterministic run
            res = run_batch(surface, opt, {"lr": lr}, start, steps, record="final")
        else:
            res = run_batch(surface, opt, {"lr": lr}, np.tile(start, (NOISY_SEEDS, 1)), steps, batch_size=b,
                            seed=seeds, record="final")
        gap = np.where(res.diverged_at >= 0, np.inf, res.final_loss - fs)
        labels.append(label)
        gaps.append(float(np.median(gap)))
    order = sorted(range(3), key=lambda i: gaps[i])
    tie = _tied(gaps[order[0]], gaps[order[1]])
    choices = tuple(labels) + (Msg.of("questions.ends_lowest.tie"),)
    answer = 3 if tie else order[0]
    numbers = _Join(tuple(Msg.of("questions.item", name=lab, value=_num(g)) for lab, g in zip(labels, gaps)))
    return Question("minibatch", Msg.of("questions.minibatch.prompt", epochs=int(epochs)), choices, answer,
                    Msg.of("questions.minibatch.explanation", answer=choices[answer], n=NOISY_SEEDS, numbers=numbers),
                    "minibatch", Msg.of("questions.minibatch.try_next"))


def sweep_question(surface: str, opt: str, x_key: str, y_key: str, x_values: Sequence[float],
                   y_low: float, y_high: float, steps: int) -> Question:
    """Sweep page: as the second axis grows from low to high, does the largest stable x value shrink?"""
    from optimizers import sweep

    res = sweep(surface, opt, {x_key: np.asarray(x_values, dtype=float), y_key: np.array([y_low, y_high])},
                start=SURFACES[surface].start, steps=int(steps))
    xs = np.asarray(x_values, dtype=float)

    def largest(col: int) -> float:
        ok = ~res.diverged[:, col]
        return float(xs[ok].max()) if ok.any() else math.nan

    lo, hi = largest(0), largest(1)
    choices = (Msg.of("questions.sweep.shrinks"), Msg.of("questions.sweep.grows"), Msg.of("questions.sweep.same"))
    if math.isnan(lo) or math.isnan(hi) or lo == hi:
        answer = 2
    else:
        answer = 0 if hi < lo else 1
    # A number, or the word "none" (a Msg: the template's {lo:.3g} spec does not apply to it).
    show = lambda v: Msg.of("questions.sweep.none") if math.isnan(v) else v  # noqa: E731
    return Question("sweep", Msg.of("questions.sweep.prompt", name=_Opt(opt), x=x_key, y=y_key, low=float(y_low),
                                    high=float(y_high)), choices, answer,
                    Msg.of("questions.sweep.explanation", answer=choices[answer], x=x_key, y=y_key, steps=int(steps),
                           n=len(xs), lo=show(lo), hi=show(hi), low=float(y_low), high=float(y_high)),
                    "sweep", Msg.of("questions.sweep.try_next"))


__all__ = ["Question", "Ask", "KINDS", "measure", "ask",
           "ewma_question", "schedules_question", "minibatch_question", "sweep_question", "TOL", "NOISY_SEEDS"]
