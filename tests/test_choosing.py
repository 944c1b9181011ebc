"""Which optimizer to choose: the summary's counts are the engine's runs at Tune's rates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from lessons.choosing import STEPS, TOL, arrivals, surface_sentence, surfaces_with_minimum, verdict, wins
from lessons.race_link import hyper_grid
from lessons.tuning import tune_learning_rate
from optimizers import OPTIMIZERS, simulate
from surfaces import SURFACES


@pytest.fixture(scope="module")
def table():
    return {key: arrivals(key) for key in surfaces_with_minimum()}


def test_every_surface_and_optimizer_is_tuned_by_tunes_rule(table):
    assert set(table) == {k for k, s in SURFACES.items() if s.f_star is not None}
    for found in table.values():
        assert [a.optimizer for a in found] == list(OPTIMIZERS)
        for a in found:
            assert a.lr in hyper_grid(a.optimizer, "lr")
    surface = SURFACES["rosenbrock"]
    tuned = tune_learning_rate(surface, "sgd", {}, surface.start, STEPS, lr_grid=hyper_grid("sgd", "lr"), tol=TOL)
    assert table["rosenbrock"][0].lr == tuned.best_lr


@pytest.mark.parametrize("surface_key", ["bowl", "rosenbrock", "goldstein_price"])
def test_each_count_is_the_first_update_within_tol(table, surface_key):
    """Replayed one by one with simulate: the count is the first update with f − f* ≤ 1e-3, None
    when no update of the STEPS gets there."""
    surface = SURFACES[surface_key]
    for a in table[surface_key]:
        df = simulate(surface_key, a.optimizer, {"lr": a.lr}, surface.start, STEPS)
        within = np.flatnonzero(df.loss.to_numpy() - surface.f_star <= TOL)
        assert a.steps == (int(within[0]) if within.size else None), a


def test_sentences_and_verdict_say_what_the_table_holds(table):
    for key, found in table.items():
        text = surface_sentence(key, found)
        order = sorted((a for a in found if a.steps is not None), key=lambda a: a.steps)
        assert f"({order[0].steps} update" in text
        for a in found:
            if a.steps is None:
                assert a.label in text.split("never")[0] and f"within {TOL:g} in {STEPS}" in text
    count = wins(table)
    assert sum(count.values()) >= len(table)
    text = verdict(table)
    assert text.startswith("No optimizer arrives first everywhere") == (max(count.values()) < len(table))
    for key, n in count.items():
        if n:
            assert f"{OPTIMIZERS[key].label} on {n}" in text


def test_the_page_shows_the_table_and_the_sentences(table):
    page = Path(__file__).resolve().parent.parent / "pages" / "choosing.py"
    at = AppTest.from_file(str(page), default_timeout=300).run()
    assert not at.exception, [e.value for e in at.exception]
    shown = " ".join(m.value for m in at.markdown)
    assert verdict(table) in shown
    for key, found in table.items():
        assert surface_sentence(key, found) in shown
    frame = at.table[0].value
    assert list(frame["surface"]) == [SURFACES[k].label for k in table]
