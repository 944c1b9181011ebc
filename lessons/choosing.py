"""Which optimizer to choose: every optimizer, tuned fairly, on every built-in surface.

Why tuned: an optimizer at someone else's learning rate loses for the wrong reason. Each one
gets Tune's fair rule (``tuning.tune_learning_rate`` over its own lr slider grid, the rate with
the lowest final f − f*), and then the question a class asks is answered by the engine: how
many updates until f − f* ≤ TOL, or never within STEPS. Plain numpy, no Streamlit; cached,
because the page asks for the same grid of runs on every visit (the cache holds runs, never
text: the sentences are written per reader, from ``i18n/<lang>/choosing.toml``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from i18n import t, text, tn
from optimizers import OPTIMIZERS
from surfaces import SURFACES

from .race_link import hyper_grid
from .tuning import tune_learning_rate

#: The run length and the tolerance of the summary ("within 1e-3 of f* in at most 1000 updates").
STEPS = 1000
TOL = 1e-3


@dataclass(frozen=True)
class Arrival:
    """One optimizer on one surface at its tuned rate: the first update with f − f* ≤ TOL, or None."""

    optimizer: str
    lr: float
    steps: int | None

    @property
    def label(self) -> str:
        return text(OPTIMIZERS[self.optimizer].label)


def surfaces_with_minimum() -> tuple[str, ...]:
    """The built-in surfaces whose f* is known (the tolerance is measured from it)."""
    return tuple(k for k, s in SURFACES.items() if s.f_star is not None)


@lru_cache(maxsize=32)
def arrivals(surface_key: str, steps: int = STEPS, tol: float = TOL) -> tuple[Arrival, ...]:
    """Every registered optimizer on ``surface_key`` from its usual start, tuned, in registry order."""
    surface = SURFACES[surface_key]
    out = []
    for key in OPTIMIZERS:
        tuned = tune_learning_rate(surface, key, {}, surface.start, steps, lr_grid=hyper_grid(key, "lr"), tol=tol)
        reached = int(tuned.steps_to_tol[tuned.best_index])
        out.append(Arrival(key, tuned.best_lr, reached if reached >= 0 else None))
    return tuple(out)


def ranked(found: tuple[Arrival, ...]) -> list[Arrival]:
    """Those that arrived, fastest first (registry order breaks ties)."""
    return sorted((a for a in found if a.steps is not None), key=lambda a: a.steps)


def cell(a: Arrival, steps: int = STEPS) -> str:
    """A table cell: "42 (lr 0.9)" or "never in 1000 (lr 0.002)"."""
    if a.steps is None:
        return t("choosing.cell.never", steps=int(steps), lr=float(a.lr))
    return t("choosing.cell.arrived", n=int(a.steps), lr=float(a.lr))


def _names(items: list[Arrival]) -> str:
    labels = [a.label for a in items]
    if len(labels) == 1:
        return labels[0]
    return t("choosing.names", head=t("choosing.comma").join(labels[:-1]), last=labels[-1])


def surface_sentence(surface_key: str, found: tuple[Arrival, ...], steps: int = STEPS, tol: float = TOL) -> str:
    """What the runs say about one surface, in one sentence (every number from ``found``)."""
    label = text(SURFACES[surface_key].label)
    order = ranked(found)
    never = [a for a in found if a.steps is None]
    if not order:
        return t("choosing.surface.nobody", surface=label, tol=float(tol), steps=int(steps))
    best = order[0]
    ties = [a for a in order if a.steps == best.steps]
    first = tn("choosing.surface.first", len(ties), names=_names(ties))
    updates = tn("choosing.surface.updates", int(best.steps))
    at_lr = t("choosing.surface.at_lr", lr=float(best.lr)) if len(ties) == 1 else ""
    # A tuned first step of about η per coordinate can land on a minimum exactly.
    one_step = t("choosing.surface.one_step") if best.steps == 1 else ""
    slowest = ""
    if len(order) > len(ties):
        last = order[-1]
        slowest = t("choosing.surface.slowest", name=last.label, n=int(last.steps))
    missed = tn("choosing.surface.never", len(never), names=_names(never), tol=float(tol), steps=int(steps)) \
        if never else ""
    return t("choosing.surface.sentence", surface=label, first=first, updates=updates, at_lr=at_lr,
             one_step=one_step, slowest=slowest, never=missed)


def wins(table: dict[str, tuple[Arrival, ...]]) -> dict[str, int]:
    """On how many surfaces each optimizer arrives first (ties count for each), registry order."""
    count = {key: 0 for key in OPTIMIZERS}
    for found in table.values():
        order = ranked(found)
        for a in order:
            if a.steps == order[0].steps:
                count[a.optimizer] += 1
    return count


def verdict(table: dict[str, tuple[Arrival, ...]]) -> str:
    """The page's takeaway: who wins where, counted."""
    count = wins(table)
    winners = [k for k, n in count.items() if n]
    label = lambda k: text(OPTIMIZERS[k].label)  # noqa: E731
    parts = [t("choosing.verdict.part", name=label(k), n=count[k]) for k in sorted(winners, key=lambda k: -count[k])]
    top = max(count.values())
    lead = (t("choosing.verdict.nobody") if top < len(table)
            else t("choosing.verdict.everywhere", name=label(winners[0])))
    return t("choosing.verdict.sentence", lead=lead, n=len(table), parts=t("choosing.verdict.sep").join(parts))


__all__ = ["STEPS", "TOL", "Arrival", "arrivals", "surfaces_with_minimum", "ranked", "cell", "surface_sentence",
           "wins", "verdict"]
