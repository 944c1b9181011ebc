"""viz.clouds and its users: thinned noise clouds, the payload budget, loss bands, the table."""

from __future__ import annotations

import json

import numpy as np
import pytest

from optimizers import OPTIMIZERS, simulate
from lessons.tuning import noise_cloud
from surfaces import SURFACES
from viz.clouds import CLOUD_POINTS, PAYLOAD_POINT_BUDGET, cloud_view, drawn_runs, runs_to_draw
from viz.contours import contour_grid
from viz.paths import loss_figure
from viz.player import payload_bytes, player_payload
from viz.summary import CLOUD_DIVERGED_COLUMN, CLOUD_LOSS_COLUMN, summary_table
from viz.trajectory import Trajectory


def _cloud(opt: str, steps: int, runs: int, lr: float = 0.05):
    cloud = noise_cloud("rosenbrock", opt, {"lr": lr}, (-1.5, 2.0), steps, noise=0.5, seeds=np.arange(runs))
    return cloud, cloud_view(cloud, key=opt, label=OPTIMIZERS[opt].label)


def test_cloud_view_thins_paths_but_keeps_every_run_and_the_ends():
    cloud, view = _cloud("adam", 2000, 16)
    assert view.paths.shape == (CLOUD_POINTS, 16, 2)
    assert view.idx[0] == 0 and view.idx[-1] == 2000
    np.testing.assert_array_equal(view.paths[-1], cloud.paths[-1])  # the end of every run is exact
    np.testing.assert_array_equal(view.median_loss, cloud.median_loss[view.idx])
    assert view.loss_idx[-1] == 2000 and view.median_final_loss == pytest.approx(cloud.median_loss[-1])
    assert view.seed_text == "seeds 0–15" and view.n_diverged == 0


def test_runs_to_draw_fits_the_budget():
    assert runs_to_draw(1, 31) >= 128  # short runs: every run fits
    k = runs_to_draw(7, CLOUD_POINTS)
    assert 7 * k * CLOUD_POINTS <= PAYLOAD_POINT_BUDGET and k >= 8
    assert list(drawn_runs(_cloud("sgd", 10, 8)[1], 4)) == [0, 2, 5, 7]  # spread over the seeds, first kept


def test_payload_with_a_cloud_of_128_per_optimizer_stays_small():
    views, trajs = [], []
    for key in OPTIMIZERS:
        lr = 0.5 if key == "adagrad" else 0.001
        _, view = _cloud(key, 2000, 128, lr=lr)
        views.append(view)
        df = simulate("rosenbrock", key, {"lr": lr}, (-1.5, 2.0), 2000, noise=0.5, seed=0)
        trajs.append(Trajectory.from_frame(df, key, OPTIMIZERS[key].label, 2000, OPTIMIZERS[key].state_names))
    s = SURFACES["rosenbrock"]
    grid = contour_grid(s.f, s.bounds, 181)
    plain = payload_bytes(player_payload(grid, trajs, minima=s.minima))
    with_clouds = player_payload(grid, trajs, minima=s.minima, clouds=views)
    extra = payload_bytes(with_clouds) - plain
    assert extra < 1_000_000, extra  # about 14 bytes per cloud point, within the budget
    data = json.loads(with_clouds["data"])
    assert all(r["cloud"]["runs_drawn"] == runs_to_draw(len(views), CLOUD_POINTS) for r in data["runs"])
    assert "of them drawn" in data["note"]


def test_loss_figure_bands_and_linear_fallback_below_the_minimum():
    cloud, view = _cloud("adam", 200, 8)
    df = simulate("rosenbrock", "adam", {"lr": 0.05}, (-1.5, 2.0), 200, noise=0.5, seed=0)
    traj = Trajectory.from_frame(df, "adam", "Adam", 200)
    fig = loss_figure([traj], clouds=[view], f_star=0.0)
    names = [t.name for t in fig.data if t.showlegend is not False]
    assert names == ["Adam: median of 8 runs (band: middle 50%)", "Adam"]
    assert fig.layout.yaxis.type == "log"
    assert any(t.fill == "tonexty" for t in fig.data)
    # A custom formula's marked minimum is only the lowest point on the plotted range.
    fig = loss_figure([traj], f_star=float(traj.loss.min()) + 1.0)
    assert fig.layout.yaxis.type == "linear" and "below" in fig.layout.yaxis.title.text


def test_summary_table_cloud_columns():
    _, view = _cloud("adam", 50, 8)
    df = simulate("rosenbrock", "adam", {"lr": 0.05}, (-1.5, 2.0), 50, noise=0.5, seed=0)
    traj = Trajectory.from_frame(df, "adam", "Adam", 50)
    ghost = Trajectory.from_frame(df, "adam", "Adam (constant lr)", 50)
    table = summary_table([traj, ghost], minima=[(1.0, 1.0)], f_star=0.0, clouds=[view])
    assert table.loc[0, CLOUD_LOSS_COLUMN] == pytest.approx(view.median_final_loss)
    assert table.loc[0, CLOUD_DIVERGED_COLUMN] == "0 of 8"
    assert np.isnan(table.loc[1, CLOUD_LOSS_COLUMN]) and table.loc[1, CLOUD_DIVERGED_COLUMN] == ""
    assert CLOUD_LOSS_COLUMN not in summary_table([traj]).columns
