"""The live slider's family of runs (lessons.live_family): every member is the page's single run
at that slider value, bit for bit, on the compiled path and on the numpy loop; the family spans
the sidebar slider's own grid; a pad's axes are thinned grids that keep the current value."""

from __future__ import annotations

import numpy as np
import pytest

from lessons.live_family import PAD_VALUES, axis_values, run_family, thin
from lessons.race import Race
from lessons.race_link import hyper_grid
from optimizers import compiled


def _same(a, b) -> bool:
    return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)


def _check_members(race, opt_key, family, every=1):
    for j in range(0, family.members, every):
        single = race
        for name, value in family.settings(j).items():
            single = single.with_hyper(opt_key, name, value)
        res = single.run(opt_key, tol=1e-3)
        assert _same(res.path[:, 0], family.path[:, j]), (opt_key, family.settings(j))
        assert _same(res.loss[:, 0], family.loss[:, j]), (opt_key, family.settings(j))
        assert int(res.diverged_at[0]) == int(family.diverged_at[j])
        assert int(res.steps_to_tol[0]) == int(family.steps_to_tol[j])


@pytest.mark.parametrize("engine", ["auto", "numpy"])
def test_every_member_is_the_single_run_bit_for_bit(monkeypatch, engine):
    monkeypatch.setenv("DESCENT_COMPILE", "sync")
    monkeypatch.setenv("DESCENT_ENGINE", engine)
    race = Race("bowl", {"sgd": {"lr": 0.95}, "momentum": {"lr": 0.1}, "adam": {"lr": 0.3}}, (-7.0, 2.0), 60)
    calls = []
    real = compiled.run
    monkeypatch.setattr(compiled, "run", lambda *a, **k: calls.append(1) or real(*a, **k))
    for key in race.opts:
        family = run_family(race, key, ["lr"])
        assert [v for v in family.axes[0][1]] == hyper_grid(key, "lr")  # the sidebar slider's values
        _check_members(race, key, family)
    if engine == "auto":
        assert calls, "the family took the compiled path"


def test_a_pad_is_the_product_of_two_thinned_grids(monkeypatch):
    monkeypatch.setenv("DESCENT_COMPILE", "sync")
    race = Race("rosenbrock", {"momentum": {"lr": 1e-3, "momentum": 0.9}}, (-1.5, 2.0), 80)
    family = run_family(race, "momentum", ["lr", "momentum"])
    (a, lrs), (b, mus) = family.axes
    assert (a, b) == ("lr", "momentum") and len(lrs) == len(mus) == PAD_VALUES
    assert family.members == PAD_VALUES ** 2
    assert family.settings(family.member_of({"lr": 1e-3, "momentum": 0.9})) == {"lr": 1e-3, "momentum": 0.9}
    assert lrs[family.index[0]] == 1e-3 and mus[family.index[1]] == 0.9
    _check_members(race, "momentum", family, every=13)


def test_limits_follow_the_declared_stability_rule():
    race = Race("bowl", {"sgd": {"lr": 0.5}, "momentum": {"lr": 0.5, "momentum": 0.5}}, (-7.0, 2.0), 20)
    sgd = run_family(race, "sgd", ["lr"])
    assert sgd.lam_max == 2.0 and np.all(sgd.limits == 1.0)
    mom = run_family(race, "momentum", ["lr", "momentum"])
    for j in range(0, mom.members, 7):
        assert mom.limits[j] == pytest.approx(2 * (1 + mom.settings(j)["momentum"]) / 2.0)
    assert np.all(np.isnan(run_family(Race("bowl", ["adam"], (-7.0, 2.0), 10), "adam", ["lr"]).limits))


def test_a_link_value_between_stops_is_on_the_axis():
    race = Race("bowl", {"sgd": {"lr": 0.123}}, (-7.0, 2.0), 10)
    assert 0.123 in axis_values(race, "sgd", "lr")
    assert thin(list(range(100)), 37, 12)[:20] and 37 in thin(list(range(100)), 37, 12)
    with pytest.raises(ValueError):
        run_family(race, "sgd", [])


def test_noise_and_a_schedule_keep_members_equal_to_single_runs(monkeypatch):
    """Every member shares the race's noise stream (common random numbers), as its single run draws it."""
    monkeypatch.setenv("DESCENT_COMPILE", "sync")
    race = Race("rosenbrock", {"adam": {"lr": 0.05}, "rmsprop": {"lr": 0.01}}, (-1.5, 2.0), 50, noise=0.5, seed=3,
                schedule="cosine")
    for key in race.opts:
        _check_members(race, key, run_family(race, key, ["lr"]), every=5)
    _check_members(race, "adam", run_family(race, "adam", ["lr", "beta1"]), every=11)
