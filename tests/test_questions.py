"""Predict-then-watch questions: every preset has one, and its answer is what the engine says.

The expected answers are recomputed here independently: through `optimizers.simulate` (one
DataFrame per run) for noiseless races, and through per-seed `run_batch` calls for noisy
ones, not through lessons.questions' own measuring code.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from lessons.presets import PRESETS, PRESETS_BY_KEY
from lessons.questions import (
    KINDS, NOISY_SEEDS, TOL, ewma_question, minibatch_question,
    schedules_question, sweep_question,
)
from optimizers import OPTIMIZERS, make_schedule, run_batch, simulate
from surfaces import SURFACES

from lessons.race import Race


def _fstar(surface_key: str) -> float:
    s = SURFACES[surface_key]
    return min(float(s.f(*m)) for m in s.minima)


def _df(race: Race, opt: str):
    sched = None if race.schedule == "constant" else make_schedule(race.schedule, **dict(race.schedule_params))
    return simulate(race.surface, opt, race.hyper(opt), race.start, race.steps, noise=race.noise,
                    seed=race.seed, schedule=sched, clip_norm=race.clip or None)


def _compared(race: Race, among, limit: int) -> list[str]:
    keys = [k for k in (among or ()) if k in race.opts] or list(race.opts)
    return keys[:limit]


def expected_answer(race: Race, kind: str, args: dict) -> str:
    """The right choice's text, computed from the engine without lessons.questions' helpers."""
    label = lambda k: OPTIMIZERS[k].label  # noqa: E731
    fs = _fstar(race.surface)
    if kind in ("ends_lowest", "first_to_tol", "zigzag"):
        assert race.noise == 0, "these presets are noiseless"
        keys = _compared(race, args.get("among"), 3)
        dfs = {k: _df(race, k) for k in keys}
        if kind == "ends_lowest":
            vals = {k: (math.inf if d.attrs["diverged_at"] else d["loss"].iloc[-1] - fs) for k, d in dfs.items()}
            a, b = sorted(vals.values())[:2]
            if abs(a - b) <= max(1e-12, 0.01 * max(abs(a), abs(b))):
                return "They tie (within 1 %)"
            return label(min(vals, key=vals.get))
        if kind == "first_to_tol":
            vals = {}
            for k, d in dfs.items():
                hit = np.flatnonzero(d["loss"].to_numpy() - fs <= TOL)
                vals[k] = int(hit[0]) if hit.size else math.inf
            a, b = sorted(vals.values())[:2]
            if math.isinf(a) or a == b:
                return f"No single winner: none gets there in {race.steps} steps, or a tie"
            return label(min(vals, key=vals.get))
        vals = {}
        for k, d in dfs.items():
            s = np.sign(d["dy"].to_numpy()[1:])
            s = s[s != 0]
            vals[k] = int(np.sum(s[1:] != s[:-1]))
        ranked = sorted(vals.values(), reverse=True)
        if len(ranked) > 1 and ranked[0] == ranked[1]:
            return "They zig-zag equally"
        return label(max(vals, key=vals.get))
    if kind == "diverges":
        d = _df(race, args["subject"])
        return "Yes: it blows up" if d.attrs["diverged_at"] else "No: it stays finite"
    if kind == "basin":
        d = _df(race, args["subject"])
        end = d[["x", "y"]].to_numpy()[-1]
        for m in SURFACES[race.surface].minima:
            if np.hypot(end[0] - m[0], end[1] - m[1]) <= 0.5:
                return f"In the minimum at ({m[0]:.3g}, {m[1]:.3g})"
        return "In none of them yet"
    if kind == "first_step":
        a, b = _compared(race, args.get("among"), 2)
        la, lb = (float(np.hypot(*_df(race, k)[["dx", "dy"]].to_numpy()[1])) for k in (a, b))
        if la >= 2 * lb:
            return f"{label(a)}'s is much longer"
        if lb >= 2 * la:
            return f"{label(b)}'s is much longer"
        return "About the same length"
    if kind == "noise_ball":
        opt = args["subject"]
        surface = SURFACES[race.surface]
        sched = make_schedule(race.schedule, **dict(race.schedule_params))
        ends = {"s": [], "c": []}
        for seed in range(race.seed, race.seed + NOISY_SEEDS):  # one engine call per seed
            for name, sc in (("s", sched), ("c", None)):
                r = run_batch(surface, opt, race.hyper(opt), np.array(race.start), race.steps,
                              noise=race.noise, seed=seed, schedule=sc, record="final")
                ends[name].append(r.final[0])
        s, c = (float(np.median(surface.distance_to_nearest_minimum(np.array(ends[n])))) for n in ("s", "c"))
        if abs(s - c) <= 0.1 * max(s, c):
            return "No clear difference"
        return "With the schedule" if s < c else "With the constant rate"
    raise AssertionError(f"no independent oracle for kind {kind}")


@pytest.mark.parametrize("preset", PRESETS, ids=[p.key for p in PRESETS])
def test_every_preset_has_an_engine_answer(preset):
    q = preset.question_at()
    assert q is not None and q.key == preset.key
    assert 2 <= len(q.choices) <= 4 and len(set(q.choices)) == len(q.choices)
    assert 0 <= q.answer_index < len(q.choices)
    spec = preset.question
    assert q.kind == spec.kind
    assert q.answer == expected_answer(preset.race, spec.kind, dict(spec.args))
    assert any(ch.isdigit() for ch in q.explanation)  # the explanation quotes numbers
    assert q.try_next


def test_every_preset_asks_a_known_kind():
    assert all(p.question.kind in KINDS for p in PRESETS)
    # every kind of optimizer question is in use by some lesson
    assert {"ends_lowest", "first_to_tol", "diverges", "basin", "zigzag", "first_step"} <= {
        p.question.kind for p in PRESETS}


def test_a_preset_without_a_question_cannot_be_made():
    from lessons.presets import Preset

    with pytest.raises(TypeError):
        Preset(key="x", title="x", watch="x", race=PRESETS[0].race)  # no question: an error, not a fallback


def test_a_custom_formula_has_no_lesson_question():
    from lessons.race import CUSTOM

    custom = PRESETS_BY_KEY["textbook"].race.with_(surface=CUSTOM, formula="x^2 + y^2")
    assert PRESETS_BY_KEY["textbook"].question_at(custom) is None


def test_changing_a_setting_flips_the_answer_and_keeps_the_choices():
    """too_large: SGD at lr 1.5 diverges; at lr 0.9 (< 2/λmax = 1) it does not."""
    preset = PRESETS_BY_KEY["too_large"]
    race = preset.race
    before = preset.question_at(race)
    calmer = race.with_hyper("sgd", "lr", 0.9)
    after = preset.question_at(calmer)
    assert before.answer == "Yes: it blows up" and "step 19" in before.explanation
    assert after.answer == "No: it stays finite"
    assert before.choices == after.choices  # the choices never give the outcome away
    assert after.answer == expected_answer(calmer, "diverges", {"subject": "sgd"})


def test_nesterov_question_follows_the_momentum_setting():
    preset = PRESETS_BY_KEY["nesterov"]
    race = preset.race
    q = preset.question_at(race)
    assert q.answer == "Nesterov momentum"
    # Halve the steps below both arrival steps: now nobody gets there.
    short = race.with_(steps=20)
    q2 = preset.question_at(short)
    assert q2.answer.startswith("No single winner") and q2.choices[:2] == q.choices[:2]


def test_a_tie_is_an_answer():
    """Two identical runs must tie, not crown the first one."""
    race = Race("bowl", {"sgd": {"lr": 0.5}, "momentum": {"lr": 0.5, "momentum": 0.0}}, (-7.0, 2.0), 30)
    q = KINDS["ends_lowest"](race, "tie")
    assert q.answer == "They tie (within 1 %)"


def test_noisy_race_uses_64_seeds():
    race = PRESETS_BY_KEY["textbook"].race.with_(noise=1.0)
    q = PRESETS_BY_KEY["textbook"].question_at(race)
    assert f"{NOISY_SEEDS} seeded runs" in q.explanation


def test_a_race_through_json_asks_the_same_question():
    p = PRESETS_BY_KEY["momentum"]
    assert p.question_at(Race.from_json(p.race.to_json())) == p.question_at()


# ----------------------------------------------------------------------- lesson-page demos


def test_ewma_question_matches_the_series():
    from lessons.averages import ewma
    from lessons.series import noisy_series

    q = ewma_question(0.98, "temperature", 0)
    _, obs, truth, _ = noisy_series("temperature", 365, 0)
    e_raw = np.mean(np.abs(ewma(obs, 0.98, bias_correction=False)[:10] - truth[:10]))
    e_cor = np.mean(np.abs(ewma(obs, 0.98, bias_correction=True)[:10] - truth[:10]))
    assert e_cor < 0.8 * e_raw and q.answer == "The bias-corrected average"
    assert f"{e_cor:.3g}" in q.explanation and f"{e_raw:.3g}" in q.explanation


def test_schedules_question_over_64_seeds():
    q = schedules_question("bowl", "sgd", 0.3, 1.0, 200, "cosine")
    race = Race("bowl", {"sgd": {"lr": 0.3}}, tuple(SURFACES["bowl"].start), 200, 1.0, 0, "cosine")
    assert q.answer == expected_answer(race, "noise_ball", {"subject": "sgd"})
    assert "64 seeded runs" in q.explanation


def test_minibatch_question_small():
    from surfaces.regression import make_regression_surface

    q = minibatch_question(16, 4, "sgd", 0.1, 3)
    surface = make_regression_surface(16)
    fs = float(surface.f(*surface.minima[0])) if surface.minima else 0.0
    gaps = []
    for b in (16, 4, 1):
        steps = 3 * math.ceil(16 / b)
        finals = [run_batch(surface, "sgd", {"lr": 0.1}, np.array(surface.start), steps, batch_size=b, seed=s,
                            record="final").final_loss[0] for s in range(NOISY_SEEDS if b < 16 else 1)]
        gaps.append(float(np.median(finals)) - fs)
    best = int(np.argmin(gaps))
    a, b = sorted(gaps)[:2]
    expected = "They tie (within 1 %)" if abs(a - b) <= 0.01 * max(a, b) else q.choices[best]
    assert q.answer == expected


def test_sweep_question_matches_the_sweep():
    from optimizers import sweep

    lrs = np.geomspace(1e-4, 1e-1, 25)
    for mu_high in (0.9, 0.99):
        q = sweep_question("rosenbrock", "momentum", "lr", "momentum", lrs, 0.0, mu_high, 300)
        res = sweep("rosenbrock", "momentum", {"lr": lrs, "momentum": [0.0, mu_high]}, steps=300)
        lo, hi = lrs[~res.diverged[:, 0]].max(), lrs[~res.diverged[:, 1]].max()
        expected = "It shrinks" if hi < lo else "It grows" if hi > lo else "It stays the same"
        assert q.answer == expected and f"{hi:.3g}" in q.explanation
    assert q.answer == "It shrinks"  # μ = 0.99: the step is ~100× larger, the stable lr much smaller


def test_questions_never_raise_on_settings_they_cannot_judge():
    """A race the engine refuses cannot even be made (the error names the field), and a race the
    question cannot ask about (a formula, no optimizer left) gets no question."""
    preset = PRESETS_BY_KEY["textbook"]
    assert preset.question_at(preset.race.with_(surface="custom", formula="x^2")) is None
    assert preset.question_at(preset.race.with_(optimizers=())) is None
    with pytest.raises(ValueError, match="nope"):
        preset.race.with_(optimizers={"nope": {}})
    with pytest.raises(ValueError, match="lr"):
        preset.race.with_(optimizers={"sgd": {"lr": -1.0}})


def test_basin_with_more_minima_than_choices_is_honest():
    """Himmelblau has four minima: a run in the fourth must not be told it is 'in none'."""
    surface = SURFACES["himmelblau"]
    fourth = surface.minima[3]
    race = Race("himmelblau", {"sgd": {"lr": 0.001}}, (fourth[0] + 0.05, fourth[1] + 0.05), 50)
    q = KINDS["basin"](race, "h", subject="sgd")
    assert len(q.choices) == 4 and q.answer == "In another minimum, or in none yet"
