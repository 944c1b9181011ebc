"""The hyperparameter map's logic without Streamlit: axes, chunking, colour metric, selection.

Specs, optimizers and surfaces are picked from the registries by their declared properties
(a log-scaled spec, an open-ended one), never by name.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from optimizers import OPTIMIZERS
from lessons.sweep_map import (CELLS_PER_CHUNK, GridResult, Selection, axis_values, chunk_rows, map_metric,
                                  range_options, run_grid, sweep_rows)
from surfaces import SURFACES

SPECS = [s for o in OPTIMIZERS.values() for s in o.hypers]
LOG_SPEC = next(s for s in SPECS if s.log and s.low > 0)
OPEN_SPEC = next((s for s in SPECS if s.high_open and not s.log), None)


def test_range_options_span_the_slider_and_include_its_ends():
    for spec in SPECS:
        opts = range_options(spec)
        assert opts == sorted(opts) and len(opts) >= 2
        assert opts[0] == pytest.approx(spec.low) and opts[-1] == pytest.approx(spec.high)
        if spec.log and spec.low > 0:  # decades are on it
            decades = [10.0**e for e in range(math.ceil(math.log10(spec.low)), math.floor(math.log10(spec.high)) + 1)]
            assert all(any(o == pytest.approx(d) for o in opts) for d in decades)


def test_snapping_uses_log_distance_on_log_axes():
    from lessons.grids import snap

    assert snap(0.0025, [0.001, 0.005, 0.01], log=True) == 0.005  # a factor 2 beats a factor 2.5
    assert snap(0.0025, [0.001, 0.005, 0.01], log=False) == 0.001  # 0.0015 away beats 0.0025


def test_axis_values_log_spaced_and_inside_an_open_end():
    xs = axis_values(LOG_SPEC, 7, LOG_SPEC.low, LOG_SPEC.high)
    np.testing.assert_allclose(np.diff(np.log10(xs)), np.diff(np.log10(xs))[0])
    if OPEN_SPEC is not None:
        ys = axis_values(OPEN_SPEC, 5, OPEN_SPEC.low, OPEN_SPEC.valid_high)
        assert ys.max() < OPEN_SPEC.valid_high
        OPEN_SPEC.validate(ys)  # every cell is a setting the update rule accepts


@pytest.mark.parametrize("resolution", [1, 20, 99, 100, 101, 300])
def test_chunk_rows_cover_every_row_once_within_the_budget(resolution):
    rows = chunk_rows(resolution)
    assert rows[0][0] == 0 and rows[-1][1] == resolution
    assert all(a[1] == b[0] for a, b in zip(rows, rows[1:]))
    assert all((j1 - j0) * resolution <= max(CELLS_PER_CHUNK, resolution) for j0, j1 in rows)


def test_chunked_grid_equals_one_call():
    surface = next(iter(SURFACES.values()))
    opt = next(iter(OPTIMIZERS.values()))
    x_spec = opt.spec("lr")
    y_spec = next(s for s in opt.hypers if s.key != "lr")
    xs = axis_values(x_spec, 6, x_spec.low, x_spec.high)
    ys = axis_values(y_spec, 5, y_spec.low, y_spec.high)
    whole = sweep_rows(surface, opt, "lr", y_spec.key, xs, ys, 60, 1e-4)
    progress = list(run_grid(lambda j0, j1: sweep_rows(surface, opt, "lr", y_spec.key, xs, ys[j0:j1], 60, 1e-4), 5,
                             cells_per_chunk=12))
    assert [done for done, _ in progress[:-1]] == [j1 for _, j1 in chunk_rows(5, 12)]
    grid = progress[-1][1]
    for got, want in zip((grid.final_loss, grid.diverged, grid.steps_to_tol), whole):
        np.testing.assert_array_equal(got, want)
        assert got.shape == (5, 6)


def _grid() -> GridResult:
    final = np.array([[3.0, 1.0, np.inf], [2.0, 0.5, 9.0]])
    diverged = np.array([[False, False, True], [False, True, False]])
    steps = np.array([[-1, 40, -1], [30, -1, 10]])
    return GridResult(final, diverged, steps)


def test_map_metric_best_cell_skips_diverged_and_unreached_cells():
    final = map_metric(_grid(), "final", f_star=0.25)
    assert final.best == (0, 1)  # (1, 1) is lower but diverged
    assert final.label == "final f − f*" and final.log_color and final.not_reached is None
    np.testing.assert_allclose(final.z[0, :2], [2.75, 0.75])
    steps = map_metric(_grid(), "steps", f_star=0.25)
    assert steps.best == (1, 2) and not steps.undefined
    assert steps.not_reached.tolist() == [[True, False, True], [False, True, False]]
    assert map_metric(_grid(), "steps", f_star=None).undefined
    assert map_metric(_grid(), "final", f_star=None).label == "final loss f"


def test_selection_click_new_map_and_clamp():
    locate = lambda x, y: (int(y), int(x))  # noqa: E731 - cell = rounded coordinates
    sel = Selection((1, 1), signature="map A")
    assert sel.update("map A", best=(0, 0), click=None, locate=locate, resolution=5) == (1, 1)  # the link's cell
    assert sel.update("map A", best=(0, 0), click=(3.0, 2.0), locate=locate, resolution=5) == (2, 3)  # a click
    sel.cell = (4, 4)
    # the chart keeps reporting the old click on later reruns: it must not undo a newer choice
    assert sel.update("map A", best=(0, 0), click=(3.0, 2.0), locate=locate, resolution=5) == (4, 4)
    assert sel.update("map B", best=(0, 2), click=(3.0, 2.0), locate=locate, resolution=5) == (0, 2)  # new map
    sel.cell = (9, 9)
    assert sel.update("map B", best=(0, 2), click=None, locate=locate, resolution=5) == (4, 4)  # smaller grid


@pytest.mark.parametrize("surface_key, opt_key", [("rosenbrock", "momentum"), ("bowl", "sgd"), ("bowl", "momentum")])
def test_the_default_learning_rate_range_puts_the_edge_mid_map(surface_key, opt_key):
    """A map opens one decade either side of the optimizer's stability limit on the surface, so
    the diverged runs fill neither the whole map nor a corner of it (the full slider range left
    73 % of the Rosenbrock map diverged, its edge squeezed into the left quarter)."""
    from lessons.sweep_map import default_range, largest_curvature
    from optimizers import OPTIMIZERS, sweep
    from surfaces import SURFACES

    surface, opt = SURFACES[surface_key], OPTIMIZERS[opt_key]
    lo, hi = default_range(opt, opt.spec("lr"), surface)
    limit = opt.stability(opt.resolve({}), largest_curvature(surface)).limit
    top = range_options(opt.spec("lr"))[-1]
    assert lo <= limit / 10 and hi >= min(limit * 10, top) and hi / lo <= 1000  # the slider's end caps it
    other = opt.sweep_axes[1]
    xs = axis_values(opt.spec("lr"), 40, lo, hi)
    ys = axis_values(opt.spec(other), 40, *default_range(opt, opt.spec(other), surface))
    share = float(sweep(surface, opt, {"lr": xs, other: ys}, start=surface.start, steps=1000).diverged.mean())
    assert 0.25 <= share <= 0.75, share


def test_adaptive_optimizers_and_other_axes_keep_the_whole_slider_range():
    from lessons.sweep_map import default_range
    from optimizers import OPTIMIZERS
    from surfaces import SURFACES

    adam = OPTIMIZERS["adam"]
    for spec in adam.hypers:
        opts = range_options(spec)
        assert default_range(adam, spec, SURFACES["rosenbrock"]) == (opts[0], opts[-1])
