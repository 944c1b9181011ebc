"""The player's payload against its one description, `viz.player.schema`, on both sides.

Python: every payload `player_payload` builds (grid and overlay, hidden runs, ghosts, clouds,
the loss chart, arrows) has exactly the schema's fields with the schema's types. JS: every
field the player's scripts read is declared, and every declared field is read (no dead
fields). ARCHITECTURE.md shows the schema's table as `schema.markdown_table` renders it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from optimizers import OPTIMIZERS, simulate
from lessons.tuning import noise_cloud
from surfaces import SURFACES
from viz.clouds import cloud_view
from viz.contours import contour_grid
from viz.paths import loss_scale
from viz.player import FRONTEND, FRONTEND_SCRIPTS, player_payload, velocity_arrows
from viz.player.schema import KINDS, PAYLOAD, field_names, markdown_table, validate
from viz.style import Style
from viz.trajectory import Trajectory

ROOT = Path(__file__).resolve().parents[1]


def _run(surface, key, lr, start, steps, noise=0.0, schedule=None):
    s = SURFACES[surface]
    hyper = {"lr": lr}
    frame = simulate(s, key, hyper, start, steps, noise=noise, **({"schedule": schedule} if schedule else {}))
    return Trajectory.from_frame(frame, key, OPTIMIZERS[key].label, steps, OPTIMIZERS[key].state_names)


def _live_bodies(runs, start):
    """Live families as the Compare page sends them: a slider for SGD, a pad for Momentum."""
    from lessons.race import Race
    from ui.live import live_payload

    race = Race("rosenbrock", {t.key: {"lr": lr} for t, lr in zip(runs, (1e-3, 1e-3, 0.05))}, start, 60)
    return live_payload(race, {"sgd": ("lr",), "momentum": ("lr", "momentum")})


@pytest.fixture(scope="module")
def races():
    """One payload per way the pages build them."""
    rosen = SURFACES["rosenbrock"]
    grid = contour_grid(rosen.f, rosen.bounds)
    start = (-1.5, 2.0)
    runs = [_run("rosenbrock", k, lr, start, 60) for k, lr in (("sgd", 1e-3), ("momentum", 1e-3), ("adam", 0.05))]
    ghosts = [_run("rosenbrock", "sgd", 2e-3, start, 60)]
    bowl = SURFACES["bowl"]
    bowl_grid = contour_grid(bowl.f, bowl.bounds)
    diverging = [_run("bowl", "sgd", 1.5, (-7.0, 2.0), 30), _run("bowl", "adam", 0.5, (-7.0, 2.0), 30)]
    calm = [_run("bowl", "sgd", 0.1, (-7.0, 2.0), 30)]
    noisy = [_run("rosenbrock", k, lr, start, 40, noise=0.5) for k, lr in (("sgd", 1e-3), ("adam", 0.05))]
    views = [cloud_view(noise_cloud(rosen, t.key, {"lr": lr}, start, 40, noise=0.5, n_runs=8), key=t.key,
                        label=t.label) for t, lr in zip(noisy, (1e-3, 0.05))]
    common = dict(minima=rosen.minima, start=start, axis_titles=("x", "y"))
    built = {
        "grid": player_payload(grid, runs, **common),
        "overlay": player_payload(grid, runs, mode="overlay", **common),
        "arrows": player_payload(grid, runs, velocities={t.key: velocity_arrows(t) for t in runs}, arrows=True,
                                 **common),
        "ghosts and loss chart": player_payload(grid, runs, ghosts=ghosts, loss_chart=loss_scale(runs, ghosts=ghosts),
                                                **common),
        "loss chart with f* != 0": player_payload(bowl_grid, diverging, ghosts=calm,
                                                  loss_chart=loss_scale(diverging, ghosts=calm, f_star=-3.0),
                                                  minima=bowl.minima, style=Style(projector=True)),
        "clouds": player_payload(grid, noisy, clouds=views, loss_chart=loss_scale(noisy, clouds=views), **common),
        "hidden": player_payload(grid, runs, hide_runs=True, ghosts=ghosts, loss_chart=loss_scale(runs), **common),
        "no runs": player_payload(grid, [], **common),
        "regression samples": player_payload(grid, runs, samples=([0.5, 1.0, 1.5], [1.2, 2.1, 2.9]), **common),
        "live sliders": player_payload(grid, runs, live=_live_bodies(runs, start), live_offer=True, **common),
    }
    return {name: json.loads(p["data"]) for name, p in built.items()}


def test_every_payload_matches_the_schema(races):
    for name, data in races.items():
        assert validate(data) == [], name


def test_the_payloads_cover_every_optional_field(races):
    """Each optional field occurs in some payload above, so the type check saw it."""
    seen: set[tuple[str, str]] = set()

    def walk(obj, kind):
        for field in kind.fields:
            if field.name not in obj:
                continue
            seen.add((kind.name, field.name))
            inner = field.type.strip("[]")
            sub = next((k for k in KINDS if k.name == inner), None)
            if sub is not None:
                for item in obj[field.name] if field.type.startswith("[") else [obj[field.name]]:
                    walk(item, sub)

    for data in races.values():
        walk(data, PAYLOAD)
    declared = {(k.name, f.name) for k in KINDS for f in k.fields}
    assert declared - seen == set()


def test_validate_reports_unknown_missing_and_mistyped_fields(races):
    data = json.loads(json.dumps(races["grid"]))
    data["v"] = 1
    del data["runs"][0]["path"]
    data["grid"]["rows"] = "many"
    errors = validate(data)
    assert any("data.v" in e for e in errors)
    assert any("data.runs[0].path: missing" in e for e in errors)
    assert any("data.grid.rows" in e for e in errors)


def test_hidden_runs_carry_nothing_of_a_path(races):
    for run in races["hidden"]["runs"]:
        assert set(run) == {"key", "label", "color", "points", "path", "loss", "diverged_at"}
        assert run["points"] == 1 and run["diverged_at"] is None


# ------------------------------------------------------------------------------------- JS side


def _scripts() -> str:
    text = "".join((FRONTEND / name).read_text(encoding="utf-8") for name in FRONTEND_SCRIPTS)
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)  # comments mention fields in prose
    return re.sub(r"//[^\n]*", "", text)


def _read_by_js(kind) -> set[str]:
    """Fields the JS reads as ``<js_name>.<field>`` (the payload also as ``this.data`` / ``self.data``)."""
    owner = r"(?:(?<=\bthis\.)|(?<=\bself\.)|(?<![\w$.]))" if kind is PAYLOAD else r"(?<![\w$.])"
    return set(re.findall(owner + re.escape(kind.js_name) + r"\.([A-Za-z_]\w*)", _scripts()))


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_the_js_reads_exactly_the_schema(kind):
    read = _read_by_js(kind)
    declared = set(field_names(kind))
    assert read - declared == set(), f"the JS reads {kind.js_name}.<field> not declared in the schema"
    assert declared - read == set(), f"declared but never read by the JS (a dead field)"


def test_the_js_reads_the_payload_only_through_the_kind_variables():
    """The old short names are gone from the scripts (a reader through another variable would
    escape the check above)."""
    text = _scripts()
    for old in ("xy", "div", "mom", "lc", "mloss", "ndiv", "idx", "med", "nx", "ny", "x0", "x1", "y0", "y1"):
        assert not re.search(r"\.\s*" + old + r"\b", text), old


def test_architecture_shows_the_schema():
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    assert markdown_table() in text


def test_payload_numbers_stay_compact(races):
    """Full field names cost bytes per object, not per number."""
    data = races["clouds"]
    names = sum(len(json.dumps(k)) for run in data["runs"] for k in run)
    assert names < 400
