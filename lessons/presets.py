"""Lesson presets for the Compare page: one click sets everything a demonstration needs.

A preset is a `Race` plus what a lesson says about it: a title, the "what to watch" text, the
predict-first question it asks (a kind from ``lessons.questions``; the answer is computed by the
engine at whatever settings are on screen) and the view it opens in. Every number and claim in a
"watch" text is recomputed with the engine by tests/test_lesson_claims.py (noisy claims over 64
seeds): if the core's behaviour changes, that test names the sentence to re-read.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .questions import Ask, Question, ask
from .race import Race


@dataclass(frozen=True)
class Preset:
    """One demonstration: its race, its words, its question and how it is viewed.

    The race's optimizers are listed with the hyperparameters that differ from the optimizer's
    declared (PyTorch) defaults; the race itself holds them complete.
    """

    key: str
    title: str
    watch: str
    #: One or two sentences of ``watch`` for a projector, where the full text would push the race
    #: below the fold (the full text stays one click away). States no number ``watch`` does not.
    summary: str
    race: Race
    question: Ask
    view: str = "side"
    #: Also draw each run with a constant learning rate, faint (a schedule lesson's comparison).
    ghost: bool = False
    #: The player's live sliders the lesson arms: (optimizer, its one or two hyperparameters) pairs.
    live: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def question_at(self, race: Race | None = None) -> Question | None:
        """This lesson's question at ``race`` (default: its own), the answer computed by the engine.

        Pass the page's current race so the answer follows a teacher's changes. None when the
        race has left what the question can ask about (a custom formula, an optimizer the kind
        needs removed and none left, settings the engine refuses).
        """
        race = race or self.race
        if race.is_custom or not race.optimizers:
            return None
        try:
            return ask(race, self.key, self.question)
        except ValueError:
            return None


PRESETS: tuple[Preset, ...] = (
    Preset(
        key="textbook",
        title="The classic comparison on the x²/20 + y² bowl",
        watch=(
            "Figure 6-8 of Saito's Deep Learning from Scratch (《深度学习入门》, ch. 6, "
            "optimizer_compare_naive.py): f = x²/20 + y², start (−7, 2), 30 steps, SGD lr 0.95, "
            "Momentum lr 0.1 (μ = 0.9), AdaGrad lr 1.5, Adam lr 0.3. SGD's y changes sign on all "
            "30 steps (the zig-zag) and x only shrinks by 1 − 0.95/10 per step (x = −0.35 at the "
            "end). Momentum swings across y and overshoots along x: it ends at x = 0.90, past the "
            "minimum. AdaGrad scales each coordinate by its own gradient history, so its y never "
            "changes sign and it ends lowest (loss 7.2e-4). Adam's first step is lr = 0.3 in each "
            "coordinate whatever the gradient, then its steps shrink (0.42 long at first, 0.12 by "
            "step 30) as it curves in (loss 0.10 after 30 steps). "
            "To reproduce it with the book's code: its Momentum is v = αv − η∇f, x += v, the same "
            "path as PyTorch's b = μb + ∇f, x −= ηb; its AdaGrad and Adam add ε = 1e-7 (PyTorch: "
            "1e-10 and 1e-8), and its Adam folds the bias correction into lr_t = "
            "η·√(1 − β₂ᵗ)/(1 − β₁ᵗ) with ε added to the uncorrected √v. The paths here and the "
            "book's differ by at most 1e-5 over the 30 steps. The book plots the positions before "
            "each update, θ₀ … θ₂₉, so its figure stops one step short of the end shown here."
        ),
        summary=(
            "Saito's Figure 6-8 on the x²/20 + y² bowl: SGD zig-zags across the steep y direction while "
            "creeping along x, Momentum overshoots past the minimum, AdaGrad ends lowest and Adam's steps "
            'shrink as it curves in.'
        ),
        race=Race("bowl", {"sgd": {"lr": 0.95}, "momentum": {"lr": 0.1}, "adagrad": {"lr": 1.5}, "adam": {"lr": 0.3}},
                  (-7.0, 2.0), 30),
        question=Ask("ends_lowest", {"among": ("sgd", "adagrad", "adam")},
                     "Now try raising Adam's learning rate, or giving SGD lr 0.5, and ask again."),
    ),
    Preset(
        key="momentum",
        title="Zig-zag versus momentum",
        watch=(
            "SGD already uses nearly the largest stable step here (lr 0.95 < 2/λmax = 1): its y "
            "changes sign on every one of the 30 steps, and along the flat x direction (curvature "
            "0.1) each step removes only 9.5% of the error. Momentum (lr 0.5, μ = 0.6) averages "
            "the alternating y gradients and builds up speed along x: after 30 steps its loss is "
            "4.8e-5 against SGD's 0.013, 277 times lower. Turn on the arrows and scrub to see "
            "each step."
        ),
        summary=(
            'SGD, already near its largest stable step, zig-zags in y and crawls along the flat x direction; '
            'Momentum averages the zig-zag away, builds up speed along x and ends far lower.'
        ),
        race=Race("bowl", {"sgd": {"lr": 0.95}, "momentum": {"lr": 0.5, "momentum": 0.6}},
                  (-7.0, 2.0), 30),
        question=Ask("zigzag", {"among": ("sgd", "momentum")}, "Now try Momentum with μ = 0.9, or SGD with lr 0.5."),
    ),
    Preset(
        key="nesterov",
        title="Nesterov versus momentum",
        watch=(
            "Same learning rate (0.3) and μ = 0.9 for both. Heavy-ball momentum swings past the "
            "minimum along x, out to x = 2.66; Nesterov's step adds the gradient to μ times the "
            "*new* velocity, a look-ahead that brakes earlier: its largest overshoot is x = 2.00 "
            "and after 80 steps its loss is 3.4e-5 against 0.0011, 34 times lower (see the table)."
        ),
        summary=(
            'The same learning rate and μ for both: heavy-ball momentum swings far past the minimum along x, '
            "while Nesterov's look-ahead step brakes earlier and ends lower."
        ),
        race=Race("bowl", {"momentum": {"lr": 0.3}, "nesterov": {"lr": 0.3}},
                  (-7.0, 2.0), 80),
        question=Ask("first_to_tol", {"among": ("momentum", "nesterov")},
                     "Now try μ = 0.5 for both and see whether the gap closes."),
    ),
    Preset(
        key="saddle",
        title="Escaping the saddle",
        watch=(
            "The start is a hair (y = 0.001) off the saddle's ridge. Plain SGD's distance from "
            "the ridge grows only by the factor 1 + 2·lr per step, so after 100 steps it is "
            "still sitting at the saddle; Momentum accumulates that small push and Adam "
            "normalises it: both are off the ridge (|y| > 1) within 50 steps and heading for "
            "a minimum. Set y₀ = 0 and all three stay on the ridge for ever (the gradient has no y "
            "part there); add gradient noise (σ = 0.5) and SGD escapes too: over 64 noise seeds, "
            "after 100 steps 62 are off the ridge's neighbourhood (|y| > 0.1) and 29 already past "
            "|y| = 1."
        ),
        summary=(
            "Started a hair off the saddle's ridge, plain SGD is still sitting at the saddle after 100 steps,"
            ' while Momentum and Adam are off the ridge within 50 steps.'
        ),
        race=Race("saddle", {"sgd": {"lr": 0.02}, "momentum": {"lr": 0.02}, "adam": {"lr": 0.02}},
                  (-2.0, 0.001), 100),
        question=Ask("basin", {"subject": "sgd"},
                     "Now try y₀ = −0.001, or gradient noise σ = 0.5, and predict SGD's basin again."),
    ),
    Preset(
        key="rosenbrock",
        title="The Rosenbrock valley",
        watch=(
            "The valley's walls are steep and its floor is almost flat (at the minimum the "
            "Hessian's eigenvalues are 0.4 and 1002, so 2/λmax ≈ 0.0020). The walls cap plain "
            "SGD's rate: from this start lr 0.0021 blows up within 10 steps, and so do all but 2 "
            "of 300 larger rates up to 10. At lr 0.002 SGD does not follow the valley at first: "
            "step 3 throws it across to (0.423, 2.439), and yet it is the first to reach "
            "f − f* < 0.001, at step 119 (Momentum step 165, Nesterov 557, Adam 638). Near the "
            "minimum the flat floor slows it: it ends its 1,000 steps at (0.985, 0.970), loss "
            "2.3e-4 (at lr 0.001 it would still be at (−0.660, 0.444)). Momentum (μ = 0.9) with "
            "the same lr ends at loss 4.2e-10. Nesterov needs a smaller rate here: on the lr "
            "slider every value from 0.0012 up diverges (in steps of 1e-6 the first to diverge is "
            "0.001127, and every rate from 0.001181 up does); at lr 0.001 it reaches loss 2.3e-5. "
            "Adam (lr 0.1) rescales each coordinate: loss 6.6e-7."
        ),
        summary=(
            "A valley with steep walls and an almost flat floor: the walls cap plain SGD's learning rate and "
            'the floor slows it down, while Momentum and Adam end far lower.'
        ),
        race=Race("rosenbrock", {"sgd": {"lr": 0.002}, "momentum": {"lr": 0.002}, "nesterov": {"lr": 0.001}, "adam": {"lr": 0.1}},
                  (-1.5, 2.0), 1000),
        question=Ask("first_to_tol", {"among": ("sgd", "momentum", "adam")},
                     "Now try SGD's learning rate at 0.001, half of what it has now."),
    ),
    Preset(
        key="too_large",
        title="A learning rate too large: divergence",
        watch=(
            "On this bowl the steepest curvature is λmax = 2, so plain gradient descent is stable "
            "only for lr < 2/λmax = 1. SGD's lr 1.5 multiplies the y error by |1 − 1.5·2| = 2 every "
            "step and diverges (red). Momentum's limit is 2(1 + μ)/λmax = 1.9 with μ = 0.9, so lr "
            "0.5 is safe. Move the sliders across the limits shown next to them."
        ),
        summary=(
            "SGD's learning rate 1.5 is past this bowl's stability limit (lr < 1), so it diverges (red); "
            "Momentum's lr 0.5 is inside its own limit."
        ),
        race=Race("bowl", {"sgd": {"lr": 1.5}, "momentum": {"lr": 0.5}, "adam": {"lr": 0.3}},
                  (-7.0, 2.0), 50),
        question=Ask("diverges", {"subject": "sgd"},
                     "Now try SGD's lr at 0.95, just below 1, then at 1.2 (just above 1, at 1.05, the error grows "
                     "by only 1.1× per step and does not blow up within 50 steps)."),
    ),
    Preset(
        key="adagrad_stall",
        title="AdaGrad stalling versus RMSProp",
        watch=(
            "AdaGrad divides by the square root of the *sum* of all past squared gradients, and "
            "its first two steps hit the steep walls (gradient (596, 300) on update 2). That sum "
            "never forgets them: from update 2 on its effective learning rate is frozen near "
            "(0.00081, 0.0016), still (0.00078, 0.0016) on update 2,000, so it creeps along the "
            "flat floor and ends at (0.630, 0.396), loss 0.14. RMSProp keeps a moving *average* "
            "instead and forgets the walls: its effective rate in x grows from 0.00059 on update "
            "2 to 0.0034 on update 501, and it ends at (0.949, 0.885), loss 0.024. In the step "
            "inspector compare the eff lr columns at steps 1, 500 and 1,999. AdaGrad is slow, "
            "not stopped: run 5,000 steps and it reaches loss 0.0027, below RMSProp, whose "
            "constant rate keeps it bouncing at about 0.022."
        ),
        summary=(
            "AdaGrad's sum of squared gradients never forgets its first steps on the steep walls, so its "
            "learning rate stays frozen small and it creeps along the valley floor; RMSProp's moving average "
            'forgets them and ends lower.'
        ),
        race=Race("rosenbrock", {"adagrad": {"lr": 0.5}, "rmsprop": {"lr": 0.01}},
                  (-1.5, 2.0), 2000),
        question=Ask("ends_lowest", {"among": ("adagrad", "rmsprop")}, "Now try AdaGrad's lr at 1.5."),
    ),
    Preset(
        key="schedule",
        title="Noisy gradients with and without a decaying schedule",
        watch=(
            "Every gradient gets Gaussian noise (σ = 2). With a constant learning rate (faint dashed "
            "paths) SGD and Momentum reach the bottom and then keep jittering around it; with "
            "an inverse-time decay η/(1 + 0.01(t − 1)) (solid) the rate shrinks to a sixth by step "
            "500 and the runs settle closer to the minimum. Over 64 noise seeds the median "
            "distance to the minimum after 500 steps is 0.89 with the decay against 1.92 without "
            "(SGD) and 0.97 against 1.81 (Momentum). The noise is the same for both paths shown "
            "(seed 0); change the seed to see others."
        ),
        ghost=True,
        summary=(
            'With noisy gradients a constant learning rate (faint dashed paths) keeps SGD and Momentum '
            'jittering around the bottom; a decaying rate (solid) lets them settle closer to the minimum.'
        ),
        race=Race("bowl", {"sgd": {"lr": 0.3}, "momentum": {"lr": 0.03}},
                  (-7.0, 2.0), 500, noise=2.0, seed=0, schedule="inverse_time", schedule_params={"decay": 0.01}),
        question=Ask("noise_ball", {"subject": "sgd"}, "Now try a smaller constant rate, or a faster decay."),
    ),
    Preset(
        key="adam_bias",
        title="Adam's bias correction",
        watch=(
            "Adam (no bias correction) is Adam with m̂ = m and v̂ = v, a teaching switch (torch "
            "always corrects). Both averages start at 0, so after step 1 m = 0.1·g and v = "
            "0.001·g²: the uncorrected step is 0.1/√0.001 ≈ 3.2 × lr = 0.95 in each coordinate, "
            "and from (−2.00, −1.00) it lands at (−1.05, −0.05). Adam divides m and v by "
            "(1 − βᵗ), which undoes the zero start: its first step is lr = 0.3 per coordinate, to "
            "(−1.70, −0.70). The uncorrected steps stay several times lr: step 2 reaches "
            "(−0.11, 0.86), f = −0.81, beside a global minimum, and step 3 flies past it to "
            "(0.73, 1.35), f = 8.65. After 200 steps it sits in a shallow side dip at "
            "(1.61, 0.57), f = 2.10, while Adam ends in the global minimum at (−0.09, 0.71), "
            "f = −1.03. At lr 0.2 or 0.4 the uncorrected run happens to end in a global minimum "
            "too: with steps that large, which dip a run ends in is luck."
        ),
        summary=(
            "Adam without bias correction starts its averages at zero and corrects nothing, so its first "
            "step is about 3.2 times its learning rate and throws it across the camel's hump; Adam's "
            "correction keeps its first step at the learning rate, and Adam ends in the global minimum."
        ),
        race=Race("six_hump_camel", {"adam": {"lr": 0.3}, "adam_nobias": {"lr": 0.3}},
                  (-2.0, -1.0), 200),
        question=Ask("first_step", {"among": ("adam_nobias", "adam")},
                     "Now try lr = 0.2 and compare the first steps again."),
    ),
    Preset(
        key="regression",
        title="Fitting a line: the least-squares surface",
        watch=(
            "The map's axes are the slope w and intercept b of a line fitted to 64 points; the "
            "loss is half the mean squared error, a quadratic bowl. All five optimizers find the same "
            "least-squares line (to 3 decimals after 200 steps), by different routes and at "
            "different speeds."
        ),
        summary=(
            "The map's axes are the slope w and intercept b of a line fitted to 64 points; all five "
            'optimizers find the same least-squares line, by different routes and at different speeds.'
        ),
        race=Race("regression", {"sgd": {"lr": 0.5}, "momentum": {"lr": 0.1}, "adagrad": {"lr": 1.0}, "rmsprop": {"lr": 0.05}, "adam": {"lr": 0.1}},
                  (0.0, 0.0), 200),
        question=Ask("first_to_tol", {"among": ("sgd", "momentum", "adam")},
                     "Now try SGD with lr 1.0, or Adam with lr 0.5."),
    ),
)

from .edge_lesson import edge_preset  # noqa: E402  (the live-slider lesson: its words are edge_lesson.toml's)

PRESETS += (edge_preset(Preset),)
PRESETS_BY_KEY: dict[str, Preset] = {p.key: p for p in PRESETS}
#: The landing page is the classic figure.
DEFAULT_PRESET = "textbook"


@lru_cache(maxsize=None)
def preset_values(optimizer: str, hyper: str) -> tuple[float, ...]:
    """Every value any preset uses for ``optimizer.hyper`` (so sliders can represent them)."""
    return tuple(sorted({p.race.hyper(optimizer)[hyper] for p in PRESETS if optimizer in p.race.opts}))
