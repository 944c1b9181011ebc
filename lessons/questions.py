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

Plain Python over numpy: no Streamlit, so a test or a notebook can ask every question.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np

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


@dataclass(frozen=True)
class Question:
    """One prediction: ``choices[answer_index]`` is right; ``explanation`` quotes the numbers."""

    key: str
    prompt: str
    choices: tuple[str, ...]
    answer_index: int
    explanation: str
    kind: str = ""
    #: What to change next to see the outcome flip (a suggestion, not a claim about a run).
    try_next: str = ""

    @property
    def answer(self) -> str:
        return self.choices[self.answer_index]

    def is_right(self, index: int) -> bool:
        return int(index) == self.answer_index


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
        raise ValueError(f"{surface.label} has no known minimum to measure f − f* from")
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


def _num(v: float) -> str:
    return short_number(v, 3, inf="never")


def _steps(v: float) -> str:
    return "never" if math.isinf(v) else f"step {v:.0f}"


def _noisy_note(race: Race) -> str:
    return (f" (medians over {NOISY_SEEDS} seeded runs, seeds {race.seed}–{race.seed + NOISY_SEEDS - 1}, "
            f"because the gradients are noisy)" if race.noise > 0 else "")


def _compared(race: Race, among: Sequence[str] | None, limit: int) -> list[str]:
    """The optimizers a question compares: ``among`` (those in the race) first, then the race's others
    in display order, up to ``limit``: a run is left out only when no choice is left for it."""
    first = [k for k in (among or ()) if k in race.opts]
    keys = first + [k for k in race.opts if k not in first]
    return keys[:limit]


def _names(keys: Sequence[str]) -> str:
    labels = [OPTIMIZERS[k].label for k in keys]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " or " + labels[-1]


def _tied(a: float, b: float) -> bool:
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= max(TIE_ATOL, NEAR_TIE * max(abs(a), abs(b)))


def _subset_note(race: Race, keys: Sequence[str]) -> str:
    """Names the runs compared, and why, when the race has more than the choices can hold."""
    if len(keys) == len(race.opts):
        return ""
    left = [k for k in race.opts if k not in keys]
    return (f" ({_names(keys).replace(' or ', ' and ')}: only {len(keys)} runs fit as choices, so "
            f"{_names(left).replace(' or ', ' and ')} {'is' if len(left) == 1 else 'are'} left out)")


# ------------------------------------------------------------------------------ kinds


def ends_lowest(race: Race, key: str, among: Sequence[str] | None = None) -> Question:
    """Which optimizer ends with the lowest f − f* after the race? (tie choice included)"""
    keys = _compared(race, among, MAX_CHOICES - 1)
    outs = [measure(race, k) for k in keys]
    order = sorted(range(len(outs)), key=lambda i: outs[i].gap)
    best = order[0]
    tie = len(order) > 1 and _tied(outs[order[0]].gap, outs[order[1]].gap)
    choices = tuple(o.label for o in outs) + ("They tie (within 1 %)",)
    answer = len(outs) if tie else best
    numbers = "; ".join(f"{o.label} {_num(o.gap)}" + (f" (diverged at step {o.diverged_at})" if o.diverged_at >= 0
                                                      else "") for o in outs)
    verdict = ("The two lowest tie within 1 %." if tie else f"{outs[best].label} ends lowest.")
    return Question(key, f"After {race.steps} steps, which run ends with the lowest loss{_subset_note(race, keys)}?",
                    choices, answer, f"{verdict} Final f − f*: {numbers}{_noisy_note(race)}.", "ends_lowest")


def first_to_tol(race: Race, key: str, among: Sequence[str] | None = None) -> Question:
    """Which optimizer first gets f − f* below TOL? ("none of them" included)"""
    keys = _compared(race, among, MAX_CHOICES - 1)
    outs = [measure(race, k) for k in keys]
    order = sorted(range(len(outs)), key=lambda i: outs[i].reach)
    best = order[0]
    none = math.isinf(outs[best].reach)
    tie = not none and len(order) > 1 and outs[order[0]].reach == outs[order[1]].reach
    choices = tuple(o.label for o in outs) + (f"No single winner: none gets there in {race.steps} steps, or a tie",)
    numbers = "; ".join(f"{o.label} {_steps(o.reach)}" for o in outs)
    if none:
        answer, verdict = len(outs), f"No single winner: none gets f − f* below {TOL:g} within {race.steps} steps."
    elif tie:
        answer, verdict = len(outs), "No single winner: two runs get there at the same step."
    else:
        answer, verdict = best, f"{outs[best].label} gets there first."
    return Question(key, f"Which run is first to get within f − f* < {TOL:g} of the minimum{_subset_note(race, keys)}?",
                    choices, answer, f"{verdict} Reached f − f* < {TOL:g} at: {numbers}{_noisy_note(race)}.",
                    "first_to_tol")


def zigzag(race: Race, key: str, among: Sequence[str] | None = None) -> Question:
    """Whose path zig-zags most, measured by how often its y-step changes sign?"""
    keys = _compared(race, among, MAX_CHOICES - 1)
    outs = [measure(race, k) for k in keys]
    order = sorted(range(len(outs)), key=lambda i: -outs[i].zigzag)
    tie = len(order) > 1 and outs[order[0]].zigzag == outs[order[1]].zigzag
    choices = tuple(o.label for o in outs) + ("They zig-zag equally",)
    numbers = "; ".join(f"{o.label} {o.zigzag:.0f}" for o in outs)
    verdict = "Two of them zig-zag equally." if tie else f"{outs[order[0]].label} zig-zags most."
    return Question(key, f"Whose path zig-zags most across the y direction{_subset_note(race, keys)}?", choices,
                    len(outs) if tie else order[0],
                    f"{verdict} Times the y-step reversed direction in {race.steps} steps: {numbers}"
                    f"{_noisy_note(race)}.", "zigzag")


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
        raise ValueError(f"{opt.label} does not diverge at update {step}")
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
        return "a non-finite value", math.nan, math.nan
    i = int(np.argmax(np.abs(new)))
    if abs(new[i]) > MAX_ABS_PARAM:
        return ("|x|", "|y|")[i], float(abs(new[i])), loss
    if loss > MAX_LOSS:
        return "the loss", loss, loss
    raise ValueError(f"update {step} of {opt.label} passes every divergence check when replayed")


def _past(value: float, limit: float) -> str:
    """``value`` with enough digits that it reads as past ``limit`` (1000002 is not "1e6")."""
    for digits in range(3, 10):
        text = short_number(value, digits)
        if float(text) > limit:
            return text
    return short_number(value, 10)


def _divergence_sentence(race: Race, subject: str, step: int) -> str:
    from optimizers.records import MAX_ABS_PARAM, MAX_LOSS

    what, value, loss = divergence_check(race, subject, step)
    if math.isnan(value):
        return f"It diverged at step {step}: update {step} produced a non-finite value (inf or NaN)."
    if what == "the loss":
        return (f"It diverged at step {step}: the loss reached {_past(value, MAX_LOSS)} there, over the engine's "
                f"limit of {short_number(MAX_LOSS)}.")
    under = f" (the loss, {short_number(loss)}, was still under its {short_number(MAX_LOSS)} limit)" \
        if loss <= MAX_LOSS else ""
    return (f"It diverged at step {step}: {what} reached {_past(value, MAX_ABS_PARAM)} there, over the engine's limit of "
            f"{short_number(MAX_ABS_PARAM)} on |x| and |y|{under}.")


def diverges(race: Race, key: str, subject: str | None = None) -> Question:
    """Does ``subject`` blow up (diverge) within the race's steps?"""
    subject = subject if subject in race.opts else race.opts[0]
    o = measure(race, subject)
    lr = race.hyper(subject)["lr"]
    did = o.diverged_frac > 0.5
    if race.noise > 0:
        detail = (f"{o.diverged_frac:.0%} of {NOISY_SEEDS} seeded runs diverged"
                  + (f" (median step {o.diverged_at})." if o.diverged_at >= 0 else "."))
    elif did:
        detail = _divergence_sentence(race, subject, o.diverged_at)
    else:
        detail = f"It stays finite and ends at f − f* = {_num(o.gap)}."
    return Question(key, f"Does {o.label} (lr {lr:g}) diverge within {race.steps} steps?",
                    ("Yes: it blows up", "No: it stays finite"), 0 if did else 1,
                    ("Yes. " if did else "No. ") + detail, "diverges")


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
    last = "In none of them yet" if len(every) == len(minima) else "In another minimum, or in none yet"
    choices = tuple(f"In the minimum at ({a:.3g}, {b:.3g})" for a, b in minima) + (last,)
    where = f"It ends at ({o.final[0]:.3g}, {o.final[1]:.3g})"
    if race.noise > 0:
        where = f"{counts[answer]} of {NOISY_SEEDS} seeded runs end there (median end ({o.final[0]:.3g}, {o.final[1]:.3g}))"
    dist = float(np.median(d.min(axis=1)))
    return Question(key, f"Where is {o.label} after {race.steps} steps?", choices, answer,
                    f"{choices[answer]}. {where}, {dist:.3g} from the nearest minimum "
                    f"(\"in\" means within {BASIN_RADIUS:g}).", "basin")


def first_step(race: Race, key: str, among: Sequence[str] | None = None) -> Question:
    """Whose very first step is longer (the bias-correction question), by at least STEP_RATIO×?"""
    keys = _compared(race, among, 2)
    if len(keys) < 2:
        keys = keys * 2
    a, b = measure(race, keys[0]), measure(race, keys[1])
    ratio = a.first_step / b.first_step if b.first_step > 0 else math.inf
    choices = (f"{a.label}'s is much longer", f"{b.label}'s is much longer", "About the same length")
    answer = 0 if ratio >= STEP_RATIO else 1 if ratio <= 1 / STEP_RATIO else 2
    left = [k for k in race.opts if k not in keys]
    why = (f" ({_names(left).replace(' or ', ' and ')} {'is' if len(left) == 1 else 'are'} left out: this question "
           f"compares two runs)" if left else "")
    return Question(key, f"Compare the very first step of {a.label} and {b.label}{why}: which is longer?", choices, answer,
                    f"{choices[answer]}. Step 1 moves {a.label} by {a.first_step:.3g} and {b.label} by "
                    f"{b.first_step:.3g} (ratio {ratio:.3g}; \"much\" means at least {STEP_RATIO:g}×)"
                    f"{_noisy_note(race)}.", "first_step")


def noise_ball(race: Race, key: str, subject: str | None = None) -> Question:
    """Noisy race: does the schedule end closer to the minimum than a constant rate? (64 seeds)"""
    subject = subject if subject in race.opts else race.opts[0]
    surface = race.surface_object()
    balls = {}
    for name, variant in (("schedule", race), ("constant", race.with_(schedule="constant"))):
        res = variant.run(subject, record="final", seeds=NOISY_SEEDS)
        balls[name] = float(np.median(surface.distance_to_nearest_minimum(res.final)))
    s, c = balls["schedule"], balls["constant"]
    label = OPTIMIZERS[subject].label
    choices = ("With the schedule", "With the constant rate", "No clear difference")
    if abs(s - c) <= BALL_MARGIN * max(s, c):
        answer = 2
    else:
        answer = 0 if s < c else 1
    return Question(key, f"With noisy gradients (σ = {race.noise:g}), which {label} runs end closer to the minimum "
                    f"after {race.steps} steps: with the {race.schedule.replace('_', '-')} schedule or with a "
                    f"constant rate?", choices, answer,
                    f"{choices[answer]}. Median distance of the run ends to the minimum over {NOISY_SEEDS} seeded runs: "
                    f"{s:.3g} with the schedule, {c:.3g} with a constant rate (\"clear\" means more than "
                    f"{BALL_MARGIN:.0%} apart).", "noise_ball")


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
    q = KINDS[spec.kind](race, key, **dict(spec.args))
    return Question(q.key, q.prompt, q.choices, q.answer_index, q.explanation, q.kind, spec.try_next)


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
    choices = ("The bias-corrected average", "The uncorrected average", "About the same (within 20 %)")
    answer = 2 if abs(e_raw - e_cor) <= 0.2 * max(e_raw, e_cor) else (0 if e_cor < e_raw else 1)
    return Question("ewma", f"With β = {beta:g}, which average stays closer to the true signal over the first "
                    f"{days} days?", choices, answer,
                    f"{choices[answer]}. Mean distance from the noiseless signal over days 1–{days}: "
                    f"{e_cor:.3g} corrected, {e_raw:.3g} uncorrected (day 1: data {observed[0]:.3g}, "
                    f"uncorrected average {raw[0]:.3g}, corrected {cor[0]:.3g}).", "ewma",
                    "Now try β = 0.5, where 1 − βᵗ is close to 1 after a few steps.")


def schedules_question(surface: str, opt: str, lr: float, noise: float, steps: int, schedule: str,
                       params: Mapping[str, float] | None = None) -> Question:
    """Schedules page: does the schedule shrink the noise ball? (64 seeds, the page's settings)"""
    start = tuple(float(c) for c in SURFACES[surface].start)
    race = Race(surface, {opt: {"lr": float(lr)}}, start, int(steps), float(noise), 0, schedule,
                tuple(dict(params or {}).items()))
    q = noise_ball(race, "schedules", opt)
    return Question(q.key, q.prompt, q.choices, q.answer_index, q.explanation, "noise_ball",
                    "Now try warm-up, which starts small instead of ending small.")


def minibatch_question(n: int, batch: int, opt: str, lr: float, epochs: int, seed: int = 0) -> Question:
    """Mini-batch page: after the same epochs, which batch size ends lowest? (64 shuffling seeds)"""
    from surfaces.regression import make_regression_surface

    surface = make_regression_surface(int(n))
    fs = f_star(surface)
    start = np.asarray(surface.start, dtype=float)
    seeds = int(seed) + np.arange(NOISY_SEEDS)
    labels, gaps = [], []
    for label, b in ((f"Full batch (B = {n})", n), (f"Mini-batch (B = {batch})", batch), ("SGD (B = 1)", 1)):
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
    choices = tuple(labels) + ("They tie (within 1 %)",)
    answer = 3 if tie else order[0]
    return Question("minibatch", f"All three see every data point {epochs} times. Which ends with the lowest loss?",
                    choices, answer,
                    f"{choices[answer]}. Median final f − f* over {NOISY_SEEDS} shuffling seeds: "
                    + "; ".join(f"{lab} {_num(g)}" for lab, g in zip(labels, gaps)) + ".", "minibatch",
                    "Now try a smaller learning rate, or more epochs.")


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
    label = OPTIMIZERS[opt].label
    choices = ("It shrinks", "It grows", "It stays the same")
    if math.isnan(lo) or math.isnan(hi) or lo == hi:
        answer = 2
    else:
        answer = 0 if hi < lo else 1
    show = lambda v: "none" if math.isnan(v) else f"{v:.3g}"
    return Question("sweep", f"{label}: when {y_key} goes from {y_low:g} to {y_high:g}, what happens to the largest "
                    f"{x_key} that does not diverge?", choices, answer,
                    f"{choices[answer]}. Largest {x_key} without divergence in {steps} steps over the "
                    f"{len(xs)} values tried: {show(lo)} at {y_key} = {y_low:g}, {show(hi)} at {y_key} = {y_high:g}.",
                    "sweep", "Now try another optimizer's second axis.")


__all__ = ["Question", "Ask", "KINDS", "measure", "ask",
           "ewma_question", "schedules_question", "minibatch_question", "sweep_question", "TOL", "NOISY_SEEDS"]
