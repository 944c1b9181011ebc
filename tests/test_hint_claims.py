"""The sentences around the lessons that state a number or a direction, recomputed.

Divergence explanations, optimizer notes, surface notes, challenge hints and the questions'
"now try" suggestions: each test computes the claim with the engine (or an independent
hand-written loop) and checks the sentence says what the computation gives.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from lessons.questions import diverges
from lessons.presets import PRESETS_BY_KEY
from lessons.race import Race
from optimizers.explain import short_number
from optimizers.records import MAX_ABS_PARAM, MAX_LOSS
from surfaces import SURFACES


def _hand_loop(surface_key, start, steps, rule):
    """Plain-Python descent with ``rule(theta, g, t) -> theta``; stops at the engine's limits."""
    surface = SURFACES[surface_key]
    theta = np.asarray(start, dtype=float)
    for t in range(1, steps + 1):
        theta = rule(theta, surface.gradient(theta), t)
        loss = float(surface.loss(theta))
        if not (np.isfinite(theta).all() and math.isfinite(loss)) or np.abs(theta).max() > MAX_ABS_PARAM \
                or loss > MAX_LOSS:
            return t, theta, loss
    return -1, theta, float(surface.loss(theta))


def _gd(lr):
    return lambda theta, g, t: theta - lr * g


def _nesterov(lr, mu=0.9):
    buf = {"b": None}

    def rule(theta, g, t):
        buf["b"] = g.copy() if buf["b"] is None else mu * buf["b"] + g
        return theta - lr * (g + mu * buf["b"])

    return rule


@pytest.mark.parametrize("race, subject, rule", [
    (PRESETS_BY_KEY["too_large"].race, "sgd", _gd(1.5)),
    (Race("rosenbrock", {"sgd": {"lr": 0.0021}}, (-1.5, 2.0), 1000), "sgd", _gd(0.0021)),
    (Race("rosenbrock", {"nesterov": {"lr": 0.002}}, (-1.5, 2.0), 1000), "nesterov", _nesterov(0.002)),
])
def test_divergence_explanation_names_the_check_that_tripped(race, subject, rule):
    q = diverges(race, "d", subject)
    at, theta, loss = _hand_loop(race.surface, race.start, race.steps, rule)
    assert at > 0 and q.answer_index == 0
    assert f"diverged at step {at}:" in q.explanation, q.explanation
    assert int(race.run(subject).diverged_at[0]) == at
    i = int(np.argmax(np.abs(theta)))
    assert abs(theta[i]) > MAX_ABS_PARAM  # the parameter check trips (the engine tests it first)
    said = f"{'|x|' if i == 0 else '|y|'} reached {short_number(abs(theta[i]))} there, over the engine's limit of 1e6"
    assert said in q.explanation, q.explanation
    under = f"(the loss, {short_number(loss)}, was still under its 1e30 limit)"
    assert (under in q.explanation) == (loss <= MAX_LOSS), q.explanation


def test_too_large_divergence_numbers():
    # y_t = 2·(1 − 1.5·2)^t = 2·(−2)^t: |y_19| = 2^20 = 1.05e6 > 1e6, loss ≈ y² = 1.1e12 < 1e30
    q = PRESETS_BY_KEY["too_large"].question_at()
    assert q.explanation == ("Yes. It diverged at step 19: |y| reached 1.05e6 there, over the engine's limit of "
                             "1e6 on |x| and |y| (the loss, 1.1e12, was still under its 1e30 limit).")
    assert 2.0 ** 20 > MAX_ABS_PARAM > 2.0 ** 19


# ------------------------------------------------------------------ optimizer notes


def _note(key: str) -> str:
    from optimizers import OPTIMIZERS

    return OPTIMIZERS[key].note


def _says(text: str, fragment: str) -> None:
    assert fragment in text, f"the text should say {fragment!r}:\n{text}"


def _adam_by_hand(lr, steps, correct, start=(-7.0, 2.0), b1=0.9, b2=0.999, eps=1e-8, scale=1.0):
    """Adam's steps on the bowl (scaled by ``scale``), with or without bias correction."""
    surface = SURFACES["bowl"]
    theta = np.array(start)
    m = v = np.zeros(2)
    out = []
    for t in range(1, steps + 1):
        g = scale * surface.gradient(theta)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        mh, vh = (m / (1 - b1 ** t), v / (1 - b2 ** t)) if correct else (m, v)
        step = lr * mh / (np.sqrt(vh) + eps)
        theta = theta - step
        out.append(theta.copy())
    return np.array(out)


def test_adam_note_without_bias_correction_the_first_steps_are_too_large():
    note = _note("adam")
    _says(note, "without bias correction m/√v starts too large: step 1 would be over 3 η per coordinate "
                "and nearly 6 η by step 5 (default η, the bowl from (−7, 2)); dividing by 1 − βᵗ makes step 1 η "
                "per coordinate")
    lr = 1e-3
    corrected = _adam_by_hand(lr, 5, True)
    engine = Race("bowl", {"adam": {"lr": lr}}, (-7.0, 2.0), 5).run("adam").path[1:, 0]
    np.testing.assert_allclose(corrected, engine, rtol=0, atol=1e-12)  # the hand loop is Adam
    raw = np.abs(np.diff(np.vstack([[(-7.0, 2.0)], _adam_by_hand(lr, 5, False)]), axis=0)) / lr
    assert (3 < raw[0]).all() and (raw[0] < 3.2).all()  # (1 − β₁)/√(1 − β₂) = 3.16
    assert (5.5 < raw[4]).all() and (raw[4] < 6).all()
    first = np.abs(engine[0] - (-7.0, 2.0)) / lr
    np.testing.assert_allclose(first, 1.0, rtol=1e-6)


@pytest.mark.parametrize("scale", [1.0, 100.0, 0.01])
def test_adam_note_steps_are_about_eta_whatever_the_scale(scale):
    lr = 0.1
    path = np.vstack([[(-7.0, 2.0)], _adam_by_hand(lr, 30, True, scale=scale)])
    steps = np.abs(np.diff(path, axis=0)) / lr
    assert steps.max() <= 1.01 and steps[0].min() >= 0.99


def test_nadam_note_and_docstring_warm_up_numbers():
    from optimizers.nadam import momentum_at

    import optimizers.nadam as nadam

    b1, psi = 0.9, 0.004
    mu = lambda t: b1 * (1 - 0.5 * 0.96 ** (t * psi))  # the rule, written out again
    for t in (1, 300, 1000, 4245, 10000):
        assert momentum_at(b1, psi, t) == pytest.approx(mu(t), rel=1e-15)
    ts = np.arange(1, 20001)
    halfway = int(ts[np.argmax(mu(ts) >= (b1 / 2 + b1) / 2)])
    note = _note("nadam")
    _says(note, f"only {(mu(300) / (b1 / 2) - 1) * 100:.0f} % above β₁/2 at step 300 and "
                f"{(mu(1000) / (b1 / 2) - 1) * 100:.0f} % at step 1,000, and gets half-way to β₁ near step "
                f"{halfway:,}")
    doc = " ".join(nadam.__doc__.split())
    _says(doc, f"{mu(1):.3f} at step 1, {mu(300):.3f} at step 300, {mu(1000):.3f} at step 1,000, half-way "
               f"({(b1 / 2 + b1) / 2:.3f}) near step {halfway:,}, {mu(10000):.3f} at step 10,000")


def test_nadam_first_step_is_longer_than_adams():
    race = Race("bowl", {"adam": {"lr": 0.3}, "nadam": {"lr": 0.3}}, (-7.0, 2.0), 30)
    a = np.abs(race.run("adam").path[1, 0] - race.start)
    n = np.abs(race.run("nadam").path[1, 0] - race.start)
    assert a[0] == pytest.approx(a[1]) and n[0] == pytest.approx(n[1])
    doc = " ".join(__import__("optimizers.nadam", fromlist=["x"]).__doc__.split())
    _says(doc, f"at the same lr it is {n[0] / a[0]:.3f}× as long ({n[0]:.3f} against {a[0]:.3f} per coordinate "
               "on the bowl from (−7, 2) at lr 0.3)")
    assert "gentler" not in doc.replace("not gentler", "")


def test_adagrad_note_effective_rate():
    note = _note("adagrad")
    race = PRESETS_BY_KEY["adagrad_stall"].race
    eff = race.run("adagrad", record="full").eff_lr[:, 0]
    drop = 1 - eff[1999] / eff[1]  # updates 2 and 2,000, both coordinates
    _says(note, f"it drops only {drop.max() * 100:.0f} % from update 2 to update 2,000")
    assert (np.diff(eff, axis=0) <= 0).all()  # "only falls"
    # like 1/√t while the gradients keep their size: a plane has a constant gradient
    from optimizers import run_batch
    from surfaces import from_expression

    plane = from_expression("x + 2*y", ((-10, 10), (-10, 10)))
    e = run_batch(plane, "adagrad", {"lr": 0.1}, np.zeros(2), 400, record="full").eff_lr[:, 0]
    t = np.arange(1, 401)
    np.testing.assert_allclose(e * np.sqrt(t)[:, None], np.broadcast_to(e[0], e.shape), rtol=1e-9)
    _says(note, "like 1/√t while the gradients keep their size, but after big early gradients it is nearly frozen")
    # steep and flat directions at similar speeds: step 1 on the bowl moves lr in each coordinate
    first = np.abs(PRESETS_BY_KEY["textbook"].race.run("adagrad").path[1, 0] - (-7.0, 2.0))
    np.testing.assert_allclose(first, 1.5, rtol=1e-6)


# ------------------------------------------------------------------ questions: choices and "now try"

from lessons.presets import PRESETS  # noqa: E402
from lessons.questions import MAX_CHOICES  # noqa: E402
from optimizers import OPTIMIZERS  # noqa: E402

OPTIMIZER_KINDS = {"ends_lowest", "first_to_tol", "zigzag"}


@pytest.mark.parametrize("preset", [p for p in PRESETS if p.question.kind in OPTIMIZER_KINDS], ids=lambda p: p.key)
def test_choices_hold_every_optimizer_of_the_race_or_the_prompt_says_why_not(preset):
    q = preset.question_at()
    labels = [OPTIMIZERS[k].label for k in preset.race.opts]
    missing = [lab for lab in labels if lab not in q.choices]
    assert len(q.choices) <= MAX_CHOICES
    if missing:
        assert len(q.choices) == MAX_CHOICES  # left out only when no choice is left
        shown = [c for c in q.choices[:-1]]
        assert f"only {len(shown)} runs fit as choices, so" in q.prompt, q.prompt
        for lab in missing + shown:
            assert lab in q.prompt, (lab, q.prompt)
        assert "left out" in q.prompt


def test_a_teacher_adding_optimizers_keeps_them_as_choices_while_they_fit():
    race = PRESETS_BY_KEY["nesterov"].race.with_(optimizers={"momentum": {"lr": 0.3}, "nesterov": {"lr": 0.3},
                                                             "sgd": {"lr": 0.3}})
    q = PRESETS_BY_KEY["nesterov"].question_at(race)
    assert set(q.choices[:-1]) == {OPTIMIZERS[k].label for k in race.opts}


#: What each preset's "now try" names, as (setting, value) pairs, and whether it flips the answer.
SUGGESTED = {
    "textbook": [("sgd.lr", 0.5)],
    "momentum": [("momentum.momentum", 0.9), ("sgd.lr", 0.5)],
    "nesterov": [("momentum.momentum", 0.5)],
    "rosenbrock": [("sgd.lr", 0.001)],
    "adagrad_stall": [("adagrad.lr", 1.5)],
    "regression": [("sgd.lr", 1.0), ("adam.lr", 0.5)],
}


@pytest.mark.parametrize("key", sorted(SUGGESTED))
def test_now_try_names_a_different_value_that_changes_the_race(key):
    preset = PRESETS_BY_KEY[key]
    q = preset.question_at()
    for name, value in SUGGESTED[key]:
        assert f"{value:g}" in q.try_next, (value, q.try_next)
        assert preset.race.setting(name) != value, f"{key}: the suggestion names the current {name}"
        moved = preset.question_at(preset.race.with_setting(name, value))
        assert moved.explanation != q.explanation, f"{key}: {name} = {value} changes nothing the question measures"


def test_rosenbrock_suggestion_flips_the_answer():
    preset = PRESETS_BY_KEY["rosenbrock"]
    before = preset.question_at()
    after = preset.question_at(preset.race.with_setting("sgd.lr", 0.001))
    assert "SGD's learning rate at 0.001, half of what it has now" in before.try_next
    assert preset.race.setting("sgd.lr") == 0.002
    assert (before.answer, after.answer) == ("SGD", "SGD + momentum")


# ------------------------------------------------------------------ schedule captions


@pytest.mark.parametrize("opt_key, lr, k", [("sgd", 0.3, 0.01), ("momentum", 0.03, 0.05), ("adam", 0.1, 0.2)])
def test_inverse_time_caption_is_lambda_lr_in_live_torch(opt_key, lr, k):
    torch = pytest.importorskip("torch")
    from optimizers import make_schedule
    from optimizers.schedules import SCHEDULES

    caption = SCHEDULES["inverse_time"].torch
    assert caption.startswith("torch.optim.lr_scheduler.LambdaLR(opt, lambda e: 1 / (1 + k·e))")
    race = Race("bowl", {opt_key: {"lr": lr}}, (-7.0, 2.0), 200, schedule="inverse_time",
                schedule_params={"decay": k})
    ours = race.run(opt_key).path[:, 0]
    theta = torch.tensor([-7.0, 2.0], dtype=torch.float64, requires_grad=True)
    make = {"sgd": lambda p: torch.optim.SGD(p, lr=lr),
            "momentum": lambda p: torch.optim.SGD(p, lr=lr, momentum=0.9),
            "adam": lambda p: torch.optim.Adam(p, lr=lr)}[opt_key]
    opt = make([theta])
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda e: 1 / (1 + k * e))
    path = [theta.detach().clone().numpy()]
    for _ in range(race.steps):
        opt.zero_grad()
        (theta[0] ** 2 / 20 + theta[1] ** 2).backward()
        opt.step()
        sched.step()
        path.append(theta.detach().clone().numpy())
    assert np.abs(np.array(path) - ours).max() <= 1e-14
    assert make_schedule("inverse_time", decay=k).lr(lr, 2, 200) == pytest.approx(lr / (1 + k))


# ------------------------------------------------------------------ surface notes


def test_rosenbrock_note():
    surface = SURFACES["rosenbrock"]
    note = " ".join(surface.note.split())
    h = 1e-5
    grad = lambda x, y: np.asarray(surface.gradient(np.array([x, y])))  # noqa: E731
    hess = np.array([grad(1 + h, 1) - grad(1 - h, 1), grad(1, 1 + h) - grad(1, 1 - h)]) / (2 * h)
    lo, hi = np.linalg.eigvalsh((hess + hess.T) / 2)
    _says(note, f"at the minimum (1, 1) the curvatures are {hi:.0f} and {lo:.1f}")
    start = tuple(surface.start)
    race = Race("rosenbrock", {"sgd": {"lr": 0.0021}}, start, 1000)
    assert 0 < race.run("sgd").diverged_at[0] <= 10
    _says(note, "from the default start lr 0.0021 diverges within 10 steps")
    race = Race("rosenbrock", {"sgd": {"lr": 0.002}, "momentum": {"lr": 0.002}}, start, 1000)
    sgd = race.run("sgd", tol=1e-3)
    x = sgd.path[:, 0, 0]
    assert x[2] < 0 < x[3] and sgd.path[3, 0, 1] - x[3] ** 2 > 2  # thrown across the valley
    reach = int(sgd.steps_to_tol[0])
    mom = float(race.run("momentum").final_loss[0])
    _says(note, f"still reaches f − f* < 0.001 at step {reach}")
    assert race.steps - reach > 5 * reach  # the floor slows it
    _says(note, f"after 1,000 steps it is at f − f* = {short_number(float(sgd.final_loss[0]), 2)}, where momentum "
                f"(μ = 0.9, same lr) reaches {short_number(mom, 2)}")


# ------------------------------------------------------------------ README sentences

from pathlib import Path  # noqa: E402

README = " ".join((Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8").split())


def test_readme_rosenbrock_challenge_is_about_the_loss_not_the_distance():
    from lessons.challenges import CHALLENGES_BY_KEY

    card = CHALLENGES_BY_KEY["rosenbrock_momentum"]
    _says(card.goal, "within f − f* < 0.001")
    _says(README, "get SGD + momentum to f − f* < 1e-3 on Rosenbrock in ≤ 200 steps")
    end = card.solution_race().run("momentum").final[0]
    assert card.check(card.solution).solved and np.linalg.norm(end - (1.0, 1.0)) > 1e-3  # not "within 1e-3 of (1, 1)"


def test_readme_autograd_drift_depends_on_how_f_is_written():
    torch = pytest.importorskip("torch")
    race = Race("beale", {"adamw": {"lr": 0.01, "beta1": 0.5, "beta2": 0.9, "eps": 1e-3, "weight_decay": 0.1}},
                (1.0, 1.5), 300)
    ours = race.run("adamw").path[:, 0]

    def drift(f):
        th = torch.tensor([1.0, 1.5], dtype=torch.float64, requires_grad=True)
        opt = torch.optim.AdamW([th], lr=0.01, betas=(0.5, 0.9), eps=1e-3, weight_decay=0.1)
        path = [th.detach().clone().numpy()]
        for _ in range(race.steps):
            opt.zero_grad()
            f(th[0], th[1]).backward()
            opt.step()
            path.append(th.detach().clone().numpy())
        d = np.abs(np.array(path) - ours).max(axis=1)
        return int(np.argmax(d > 2e-16)) - 1, float(d[300])

    agree_a, at300_a = drift(lambda x, y: (1.5 - x + x * y) ** 2 + (2.25 - x + x * y ** 2) ** 2
                             + (2.625 - x + x * y ** 3) ** 2)
    agree_b, at300_b = drift(lambda x, y: (1.5 - x * (1 - y)) ** 2 + (2.25 - x * (1 - y * y)) ** 2
                             + (2.625 - x * (1 - y * y * y)) ** 2)
    _says(README, f"they match to 2e-16 for {agree_a} steps and differ by {short_number(at300_a, 2)} at step 300")
    _says(README, f"inside the squares, for {agree_b} steps and by {short_number(at300_b, 2)}")


def _surface_note(key: str) -> str:
    return " ".join(SURFACES[key].note.split())


def _end(surface: str, opt: str, lr: float, steps: int = 1000, **hyper):
    s = SURFACES[surface]
    return Race(surface, {opt: {"lr": lr, **hyper}}, tuple(s.start), steps).run(opt)


def test_bowl_note():
    note = _surface_note("bowl")
    assert SURFACES["bowl"].hessian_eigs == (0.1, 2.0)
    _says(note, "20 times steeper in y than in x (curvatures 0.1 and 2, condition number 20)")
    sgd = _end("bowl", "sgd", 0.95, 30).path[:, 0]
    assert (np.diff(np.sign(sgd[:, 1])) != 0).all()  # zig-zags across ...
    assert np.abs(np.diff(sgd[:, 0])).max() < 0.1 * 7  # ... while crawling along x
    mom = PRESETS_BY_KEY["momentum"].question_at()
    _says(mom.explanation, "SGD zig-zags most")  # momentum damps the zig-zag
    for opt, hyper in (("adam", {}), ("rmsprop", {}), ("rmsprop", {"alpha": 0.9})):
        step = np.abs(_end("bowl", opt, 0.1, 1, **hyper).path[1, 0] - (-7.0, 2.0))
        assert step[0] == pytest.approx(step[1], rel=1e-6)  # same amount in x and y
    _says(note, "their first step moves x and y by the same amount whatever the gradient (diagonally, not "
                "straight at the minimum)")


def test_saddle_note():
    note = _surface_note("saddle")
    start = SURFACES["saddle"].start
    assert start[1] == 0.001
    sgd = _end("saddle", "sgd", 0.02, 300).path[:, 0]
    assert np.abs(sgd[100]).max() < 0.1  # settled near the saddle, stalled
    off = lambda path: int(np.argmax(np.abs(path[:, 1]) > 1))  # noqa: E731
    mom = _end("saddle", "momentum", 0.02, 300).path[:, 0]
    noisy = Race("saddle", {"sgd": {"lr": 0.02}}, start, 300, noise=0.5).run("sgd", seeds=64).path
    firsts = np.array([off(noisy[:, r]) if (np.abs(noisy[:, r, 1]) > 1).any() else 10 ** 6 for r in range(64)])
    half = int(np.sort(firsts)[31])
    _says(note, f"At lr 0.02 gradient descent is off the ridge (|y| > 1) at step {off(sgd)}, momentum (μ = 0.9) at "
                f"step {off(mom)}, and with gradient noise σ = 0.5 half of 64 seeded runs by step {half}")


def test_beale_note():
    note = _surface_note("beale")
    s = SURFACES["beale"]
    xs = np.linspace(*s.bounds[0], 401)
    X, Y = np.meshgrid(xs, np.linspace(*s.bounds[1], 401))
    top = float(s.loss(np.stack([X, Y], axis=-1)).max())
    assert 1e5 <= top < 1e6
    _says(note, "values reach 10⁵")
    g = np.linalg.norm(s.gradient(np.stack([X, Y], axis=-1)), axis=-1)
    assert np.quantile(g, 0.99) / np.quantile(g, 0.01) > 1e3  # orders of magnitude
    ok, bad = _end("beale", "sgd", 0.03), _end("beale", "sgd", 0.04)
    from lessons.grids import slider_options
    from optimizers import OPTIMIZERS

    grid = slider_options(OPTIMIZERS["sgd"].spec("lr"))
    assert grid[grid.index(0.03) + 1] == 0.04  # 0.03 is the largest stable slider value
    assert ok.diverged_at[0] < 0
    adam = _end("beale", "adam", 0.1)
    _says(note, f"does well up to lr 0.03 (f = {short_number(ok.final_loss[0], 2)} after 1,000 steps), but at lr "
                f"0.04 it reaches a ridge and blows up at step {bad.diverged_at[0]}; Adam at lr 0.1 ends at "
                f"f = {short_number(adam.final_loss[0], 2)}")


def test_himmelblau_note():
    note = _surface_note("himmelblau")
    s = SURFACES["himmelblau"]
    from scipy.optimize import minimize

    top = minimize(lambda p: -float(s.loss(p)), (-0.3, -0.9), jac=lambda p: -np.asarray(s.gradient(p)))
    _says(note, f"around a local maximum near ({top.x[0]:.2f}, {top.x[1]:.2f})".replace("-", "−"))
    for opt, lrs, where in (("sgd", (0.001, 0.002, 0.005, 0.01), (3.58, -1.85)),
                            ("adam", (0.005, 0.01, 0.02, 0.05, 0.1, 0.2), (3.0, 2.0))):
        for lr in lrs:
            end = _end("himmelblau", opt, lr).final[0]
            assert np.linalg.norm(end - where) < 0.01, (opt, lr, end)
    _says(note, "gradient descent at lr 0.001 to 0.01 ends in the minimum at (3.58, −1.85) and Adam at lr 0.005 "
                "to 0.2 in the one at (3, 2)")


def test_rastrigin_note():
    note = _surface_note("rastrigin")
    for opt, lr in (("sgd", 0.001), ("momentum", 0.001), ("adam", 0.1)):
        res = _end("rastrigin", opt, lr)
        end = res.final[0]
        assert np.round(end).tolist() == np.round(SURFACES["rastrigin"].start).tolist() == [3.0, -3.0]
        np.testing.assert_allclose(end, (2.98, -2.98), atol=0.005)
        half = _end("rastrigin", opt, lr, 500).final[0]
        assert np.linalg.norm(end - half) < 1e-3  # and stays there
    _says(note, "gradient descent at lr 0.001 rolls into the dimple nearest the start, at (2.98, −2.98), and "
                "stays there, and so do momentum at lr 0.001 and Adam at lr 0.1")


def test_six_hump_camel_note():
    note = _surface_note("six_hump_camel")
    sgd = _end("six_hump_camel", "sgd", 0.01)
    start = np.array(SURFACES["six_hump_camel"].start)
    minima = np.array(SURFACES["six_hump_camel"].minima)
    nearest = minima[np.argmin(np.linalg.norm(minima - start, axis=1))]
    np.testing.assert_allclose(sgd.final[0], nearest, atol=1e-6)
    mom, fast = _end("six_hump_camel", "momentum", 0.01), _end("six_hump_camel", "momentum", 0.05)
    fs = SURFACES["six_hump_camel"].f_star
    assert float(mom.final_loss[0]) == pytest.approx(fs, abs=1e-9)
    _says(note, f"at lr 0.01 plain gradient descent settles in the nearest dip, at ({nearest[0]:.2f}, "
                f"{nearest[1]:.2f}) where f = {float(sgd.final_loss[0]):.2f}".replace("-", "−"))
    _says(note, f"into a global minimum (f = {fs:.2f}); at lr 0.05 momentum ends in a side dip instead "
                f"(f = {float(fast.final_loss[0]):.3f})".replace("-", "−"))


@pytest.mark.parametrize("condition", [10.0, 100.0])
def test_rotated_quadratic_note(condition):
    from surfaces.classic import make_rotated_quadratic

    s = make_rotated_quadratic(condition=condition)
    note = " ".join(s.note.split())
    lmin, lmax = s.hessian_eigs
    # the flat direction's error factor |1 − lr·λmin| is at least 1 − 2/κ for any stable lr
    lrs = np.linspace(0.01, 0.999, 50) * 2 / lmax
    assert (np.abs(1 - lrs * lmin) >= 1 - 2 / condition).all()
    _says(note, "so each step removes at most 2/κ of the error along the flat one")
    _says(note, "gradient descent keeps (κ − 1)/(κ + 1) of the error per step and heavy-ball momentum "
                "(√κ − 1)/(√κ + 1)")
    from optimizers import run_batch

    def rate(opt, hyper, steps):
        res = run_batch(s, opt, hyper, np.array(s.start), steps, record="path")
        err = np.linalg.norm(res.path[:, 0], axis=1)
        return float(np.exp(np.log(err[-1] / err[steps // 2]) / (steps - steps // 2)))

    k = math.sqrt(condition)
    gd = rate("sgd", {"lr": 2 / (lmin + lmax)}, 200)
    hb = rate("momentum", {"lr": 4 / (math.sqrt(lmax) + math.sqrt(lmin)) ** 2, "momentum": ((k - 1) / (k + 1)) ** 2},
              200)
    assert gd == pytest.approx((condition - 1) / (condition + 1), rel=1e-6)
    assert hb == pytest.approx((k - 1) / (k + 1), rel=0.03)


def test_booth_note():
    note = _surface_note("booth")
    assert SURFACES["booth"].hessian_eigs == (2.0, 18.0)
    _says(note, "Gradient descent is stable for lr < 2/18")
    below, above = _end("booth", "sgd", 0.11), _end("booth", "sgd", 0.112)
    assert below.diverged_at[0] < 0 and below.final_loss[0] < 1e-10 and above.diverged_at[0] > 0
    path = _end("booth", "sgd", 0.1, 20).path[:, 0] - (1.0, 3.0)
    steep = path @ np.array([1.0, 1.0])  # the steep direction (curvature 18)
    assert (np.diff(np.sign(steep)) != 0).all()  # zig-zags


def test_sgd_and_momentum_notes():
    _says(_note("sgd"), "Too large a learning rate (η > 2/λ_max on a quadratic) makes it diverge")
    assert _end("bowl", "sgd", 0.99).diverged_at[0] < 0 and _end("bowl", "sgd", 1.01).diverged_at[0] > 0
    _says(_note("momentum"), "consistent directions speed up (up to 1/(1−μ) times)")
    from optimizers import run_batch
    from surfaces import from_expression

    plane = from_expression("x + 2*y", ((-1e3, 1e3), (-1e3, 1e3)))
    path = run_batch(plane, "momentum", {"lr": 0.01, "momentum": 0.9}, np.zeros(2), 200).path[:, 0]
    speed = np.abs(np.diff(path[:, 0]))
    assert speed[0] == pytest.approx(0.01) and speed.max() <= 0.01 / (1 - 0.9) + 1e-12
    assert speed[-1] == pytest.approx(0.1, rel=1e-6)
    _says(_note("momentum"), "it can overshoot")
    assert _end("bowl", "momentum", 0.1, 30).path[:, 0, 0].max() > 0  # from x = −7 past the minimum


def test_inverse_time_help_halves_after_1_over_k_updates():
    from optimizers import make_schedule
    from optimizers.schedules import SCHEDULES

    assert "halves after 1/k updates" in SCHEDULES["inverse_time"].params[0].help
    for k in (0.5, 0.01, 1e-3):
        t = 1 + round(1 / k)  # 1/k updates after the first
        assert make_schedule("inverse_time", decay=k).factor(t, 10 ** 6) == pytest.approx(0.5)


@pytest.mark.parametrize("key, setting, value", [
    ("saddle", "start", (-2.0, -0.001)), ("saddle", "noise", 0.5),
    ("too_large", "sgd.lr", 0.95), ("schedule", "schedule_params", (("decay", 0.05),)),
])
def test_the_other_suggestions_change_the_answer_or_the_numbers(key, setting, value):
    preset = PRESETS_BY_KEY[key]
    race = preset.race.with_setting(setting, value) if "." in setting else preset.race.with_(**{setting: value})
    before, after = preset.question_at(), preset.question_at(race)
    assert after.explanation != before.explanation
    if key == "too_large":  # just below 1 it stays finite; at 1.2 it blows up, at 1.05 not yet
        assert after.answer.startswith("No")
        assert preset.question_at(preset.race.with_setting("sgd.lr", 1.2)).answer.startswith("Yes")
        assert preset.question_at(preset.race.with_setting("sgd.lr", 1.05)).answer.startswith("No")
        assert abs(1 - 1.05 * 2) == pytest.approx(1.1)  # the y error's factor per step (λmax = 2)
        _says(preset.question.try_next, "Now try SGD's lr at 0.95, just below 1, then at 1.2 (just above 1, at "
                                        "1.05, the error grows by only 1.1× per step and does not blow up within "
                                        "50 steps)")


def test_a_pairwise_question_says_which_runs_it_leaves_out():
    preset = PRESETS_BY_KEY["adam_bias"]
    assert "left out" not in preset.question_at().prompt
    race = preset.race.with_(optimizers={**preset.race.hypers, "sgd": {"lr": 0.1}})
    q = preset.question_at(race)
    assert "(SGD is left out: this question compares two runs)" in q.prompt, q.prompt


def test_divergence_explanation_when_the_loss_trips():
    race = Race("goldstein_price", {"adagrad": {"lr": 1e4}}, SURFACES["goldstein_price"].start, 300)
    surface = SURFACES["goldstein_price"]
    theta, acc = np.array(race.start), np.zeros(2)
    for t in range(1, 10):  # torch's Adagrad, by hand
        g = surface.gradient(theta)
        acc = acc + g * g
        theta = theta - 1e4 * g / (np.sqrt(acc) + 1e-10)
        loss = float(surface.loss(theta))
        if loss > MAX_LOSS or np.abs(theta).max() > MAX_ABS_PARAM:
            break
    assert np.abs(theta).max() <= MAX_ABS_PARAM < MAX_LOSS < loss
    q = diverges(race, "d", "adagrad")
    assert int(race.run("adagrad").diverged_at[0]) == t
    _says(q.explanation, f"It diverged at step {t}: the loss reached {short_number(loss)} there, over the engine's "
                         "limit of 1e30.")


def test_a_value_just_past_the_limit_reads_as_past_it():
    race = Race("rosenbrock", {"rmsprop": {"lr": 1e5}}, (-1.5, 2.0), 10)
    q = diverges(race, "d", "rmsprop")
    said = float(q.explanation.split("reached ")[1].split(" there")[0])
    assert said > MAX_ABS_PARAM, q.explanation


def test_rmsprop_note_first_step_and_steady_step():
    """RMSprop's note: step 1 is η/√(1 − α) per coordinate (10 η at α = 0.99), and with a
    steady gradient the step settles to about η whatever the gradient's scale."""
    import math

    import numpy as np

    from optimizers import OPTIMIZERS

    opt = OPTIMIZERS["rmsprop"]
    assert "η/√(1 − α), 10 η at α = 0.99" in opt.note and "about η per step" in opt.note
    lr = 0.01
    hyper = opt.resolve({"lr": lr})
    for scale in (1e-3, 1.0, 1e3):
        params = np.zeros((1, 2))
        state = opt.init(params)
        g = np.array([[scale, -2 * scale]])
        new, state = opt.update(params, g, state, hyper, 1)
        np.testing.assert_allclose(np.abs(new[0]) / lr, 1 / math.sqrt(1 - 0.99), rtol=1e-3)  # ε aside
        assert abs(abs(new[0, 0]) / lr - 10.0) < 1e-3
        for t in range(2, 2001):  # a steady gradient: the average catches up
            params = new
            new, state = opt.update(params, g, state, hyper, t)
        np.testing.assert_allclose(np.abs(new[0] - params[0]) / lr, 1.0, rtol=0.01)


def test_nesterov_note_overshoots_less_on_the_bowl():
    """Nesterov's note: on the bowl from (−7, 2) at lr 0.3, μ = 0.9, its largest x is 2.00
    where heavy-ball momentum's is 2.66 (the nesterov lesson's race)."""
    from lessons.race import Race
    from optimizers import OPTIMIZERS

    race = Race("bowl", {"momentum": {"lr": 0.3, "momentum": 0.9}, "nesterov": {"lr": 0.3, "momentum": 0.9}},
                (-7.0, 2.0), 80)
    furthest = {k: float(race.run(k).path[:, 0, 0].max()) for k in race.opts}
    note = OPTIMIZERS["nesterov"].note
    assert f"overshoots to x = {furthest['nesterov']:.2f} where momentum swings out to {furthest['momentum']:.2f}" in note
