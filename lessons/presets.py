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

from i18n import Msg, t

from .questions import Ask, Question, ask
from .race import Race


def _try_next(key: str) -> Msg:
    """A lesson's "now try" suggestion, written in the reader's language when shown."""
    return Msg.of(f"presets.{key}.try_next")


@dataclass(frozen=True)
class Preset:
    """One demonstration: its race, its words, its question and how it is viewed.

    The race's optimizers are listed with the hyperparameters that differ from the optimizer's
    declared (PyTorch) defaults; the race itself holds them complete. The words (``title``,
    ``watch``, ``summary``) live in the catalogs under ``presets.<key>``: the properties write
    them in the current language, so one process serves every session in its own.
    """

    key: str
    race: Race
    question: Ask
    view: str = "side"
    #: Also draw each run with a constant learning rate, faint (a schedule lesson's comparison).
    ghost: bool = False
    #: The player's live sliders the lesson arms: (optimizer, its one or two hyperparameters) pairs.
    live: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: Words with numbers the engine computed (("watch", Msg), …), in place of ``presets.<key>.*``.
    words: tuple[tuple[str, Msg], ...] = ()

    def _words(self, part: str) -> str:
        for name, msg in self.words:
            if name == part:
                return msg.render()
        return t(f"presets.{self.key}.{part}")

    @property
    def title(self) -> str:
        return self._words("title")

    @property
    def watch(self) -> str:
        return self._words("watch")

    @property
    def summary(self) -> str:
        """One or two sentences of ``watch`` for a projector, where the full text would push the
        race below the fold (the full text stays one click away). States no number ``watch`` does not."""
        return self._words("summary")

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
        race=Race("bowl", {"sgd": {"lr": 0.95}, "momentum": {"lr": 0.1}, "adagrad": {"lr": 1.5}, "adam": {"lr": 0.3}},
                  (-7.0, 2.0), 30),
        question=Ask("ends_lowest", {"among": ("sgd", "adagrad", "adam")},
                     _try_next("textbook")),
    ),
    Preset(
        key="momentum",
        race=Race("bowl", {"sgd": {"lr": 0.95}, "momentum": {"lr": 0.5, "momentum": 0.6}},
                  (-7.0, 2.0), 30),
        question=Ask("zigzag", {"among": ("sgd", "momentum")}, _try_next("momentum")),
    ),
    Preset(
        key="nesterov",
        race=Race("bowl", {"momentum": {"lr": 0.3}, "nesterov": {"lr": 0.3}},
                  (-7.0, 2.0), 80),
        question=Ask("first_to_tol", {"among": ("momentum", "nesterov")},
                     _try_next("nesterov")),
    ),
    Preset(
        key="saddle",
        race=Race("saddle", {"sgd": {"lr": 0.02}, "momentum": {"lr": 0.02}, "adam": {"lr": 0.02}},
                  (-2.0, 0.001), 100),
        question=Ask("basin", {"subject": "sgd"},
                     _try_next("saddle")),
    ),
    Preset(
        key="rosenbrock",
        race=Race("rosenbrock", {"sgd": {"lr": 0.002}, "momentum": {"lr": 0.002}, "nesterov": {"lr": 0.001}, "adam": {"lr": 0.1}},
                  (-1.5, 2.0), 1000),
        question=Ask("first_to_tol", {"among": ("sgd", "momentum", "adam")},
                     _try_next("rosenbrock")),
    ),
    Preset(
        key="too_large",
        race=Race("bowl", {"sgd": {"lr": 1.5}, "momentum": {"lr": 0.5}, "adam": {"lr": 0.3}},
                  (-7.0, 2.0), 50),
        question=Ask("diverges", {"subject": "sgd"},
                     _try_next("too_large")),
    ),
    Preset(
        key="adagrad_stall",
        race=Race("rosenbrock", {"adagrad": {"lr": 0.5}, "rmsprop": {"lr": 0.01}},
                  (-1.5, 2.0), 2000),
        question=Ask("ends_lowest", {"among": ("adagrad", "rmsprop")}, _try_next("adagrad_stall")),
    ),
    Preset(
        key="schedule",
        ghost=True,
        race=Race("bowl", {"sgd": {"lr": 0.3}, "momentum": {"lr": 0.03}},
                  (-7.0, 2.0), 500, noise=2.0, seed=0, schedule="inverse_time", schedule_params={"decay": 0.01}),
        question=Ask("noise_ball", {"subject": "sgd"}, _try_next("schedule")),
    ),
    Preset(
        key="adam_bias",
        race=Race("six_hump_camel", {"adam": {"lr": 0.3}, "adam_nobias": {"lr": 0.3}},
                  (-2.0, -1.0), 200),
        question=Ask("first_step", {"among": ("adam_nobias", "adam")},
                     _try_next("adam_bias")),
    ),
    Preset(
        key="regression",
        race=Race("regression", {"sgd": {"lr": 0.5}, "momentum": {"lr": 0.1}, "adagrad": {"lr": 1.0}, "rmsprop": {"lr": 0.05}, "adam": {"lr": 0.1}},
                  (0.0, 0.0), 200),
        question=Ask("first_to_tol", {"among": ("sgd", "momentum", "adam")},
                     _try_next("regression")),
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
