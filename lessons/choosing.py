"""Which optimizer to choose: every optimizer, tuned fairly, on every built-in surface.

Why tuned: an optimizer at someone else's learning rate loses for the wrong reason. Each one
gets Tune's fair rule (``tuning.tune_learning_rate`` over its own lr slider grid, the rate with
the lowest final f − f*), and then the question a class asks is answered by the engine: how
many updates until f − f* ≤ TOL, or never within STEPS. Plain numpy, no Streamlit; cached,
because the page asks for the same grid of runs on every visit.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from optimizers import OPTIMIZERS
from optimizers.explain import short_number
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
        return OPTIMIZERS[self.optimizer].label


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
    head = f"{a.steps}" if a.steps is not None else f"never in {steps}"
    return f"{head} (lr {short_number(a.lr)})"


def _names(items: list[Arrival]) -> str:
    labels = [a.label for a in items]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def surface_sentence(surface_key: str, found: tuple[Arrival, ...], steps: int = STEPS, tol: float = TOL) -> str:
    """What the runs say about one surface, in one sentence (every number from ``found``)."""
    label = SURFACES[surface_key].label
    order = ranked(found)
    never = [a for a in found if a.steps is None]
    if not order:
        return f"**{label}:** no optimizer gets within {tol:g} of f* in {steps} updates at its tuned rate."
    best = order[0]
    ties = [a for a in order if a.steps == best.steps]
    unit = "update" if best.steps == 1 else "updates"
    text = f"**{label}:** {_names(ties)} {'arrive' if len(ties) > 1 else 'arrives'} first ({best.steps} {unit}"
    text += f" at lr {short_number(best.lr)})" if len(ties) == 1 else ")"
    if best.steps == 1:  # a tuned first step of about η per coordinate can land on a minimum exactly
        text += ", the start being one tuned step from a minimum"
    if len(order) > len(ties):
        last = order[-1]
        text += f"; the slowest to arrive is {last.label} ({last.steps})"
    if never:
        text += f"; {_names(never)} never {'get' if len(never) > 1 else 'gets'} within {tol:g} in {steps}"
    return text + "."


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
    parts = [f"{OPTIMIZERS[k].label} on {count[k]}" for k in sorted(winners, key=lambda k: -count[k])]
    top = max(count.values())
    lead = ("No optimizer arrives first everywhere" if top < len(table)
            else f"{OPTIMIZERS[winners[0]].label} arrives first on every surface")
    return f"{lead}: across {len(table)} surfaces the first to arrive is " + "; ".join(parts) + "."


__all__ = ["STEPS", "TOL", "Arrival", "arrivals", "surfaces_with_minimum", "ranked", "cell", "surface_sentence",
           "wins", "verdict"]
