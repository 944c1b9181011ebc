"""URL state: every bad link falls back or clamps with a notice; good links round-trip exactly."""

from __future__ import annotations

import re

import numpy as np
import pytest

from dataclasses import replace

from lessons.grids import slider_options, snap
from lessons.link_values import parse_float, query_string
from lessons.presets import DEFAULT_PRESET, PRESETS, PRESETS_BY_KEY, preset_values
from lessons.race import CUSTOM, DEFAULT_FORMULA, MAX_STEPS
from lessons.race_link import hyper_grid
from optimizers import OPTIMIZERS, SCHEDULES
from surfaces import SURFACES
from ui.url_state import PageState, parse_query, same_as_preset, state_of, to_query

SCRIPT = "<script>alert(1)</script>"


def parse(params):
    return parse_query(params)


def check_state(state: PageState) -> None:
    """Invariants every parsed state must satisfy, whatever the input."""
    race = state.race
    assert race.surface in SURFACES
    assert race.opts and all(o in OPTIMIZERS for o in race.opts)
    assert len(set(race.opts)) == len(race.opts)
    assert 1 <= race.steps <= MAX_STEPS and isinstance(race.steps, int)
    (x0, x1), (y0, y1) = SURFACES[race.surface].bounds
    assert x0 <= race.start[0] <= x1 and y0 <= race.start[1] <= y1
    assert race.noise >= 0
    assert isinstance(race.seed, int) and race.seed >= 0
    for opt in race.opts:
        values = race.hyper(opt)
        assert set(values) == set(OPTIMIZERS[opt].hyper_keys)
        OPTIMIZERS[opt].resolve(values)  # valid for the core
        for key, v in values.items():
            assert v in hyper_grid(opt, key)
    assert race.schedule in SCHEDULES
    assert state.view in ("side", "overlay", "3d")


def test_empty_query_is_the_landing_preset():
    state, notices = parse({})
    assert notices == []
    assert state.preset == DEFAULT_PRESET
    assert state == state_of(PRESETS_BY_KEY[DEFAULT_PRESET])


def test_issue_example_link():
    q = {"surface": "rosenbrock", "opt": ["sgd", "adam"], "steps": "500", "x0": "-1.5", "y0": "2", "noise": "0",
         "seed": "0", "adam.lr": "0.01"}
    state, notices = parse(q)
    assert notices == []
    race = state.race
    assert (race.surface, race.opts, race.steps, race.start) == ("rosenbrock", ("sgd", "adam"), 500, (-1.5, 2.0))
    assert race.hyper("adam")["lr"] == 0.01
    assert race.hyper("sgd")["lr"] == OPTIMIZERS["sgd"].spec("lr").default  # unspecified: torch default
    assert state.preset is None
    check_state(state)


BAD = [
    ({"surface": "nope"}, "surface"),
    ({"surface": SCRIPT}, "surface"),
    ({"surface": ""}, None),
    ({"steps": "abc"}, "steps"),
    ({"steps": "nan"}, "steps"),
    ({"steps": "inf"}, "steps"),
    ({"steps": "-inf"}, "steps"),
    ({"steps": "1e308"}, "steps"),
    ({"steps": "1e999"}, "steps"),
    ({"steps": "-5"}, "steps"),
    ({"steps": "0"}, "steps"),
    ({"steps": str(10**9)}, "steps"),
    ({"steps": SCRIPT}, "steps"),
    ({"steps": ""}, None),
    ({"x0": "nan"}, "x0"),
    ({"x0": "inf", "y0": "-inf"}, "x0"),
    ({"x0": "1e308"}, "x0"),
    ({"y0": "-1e308"}, "y0"),
    ({"x0": SCRIPT}, "x0"),
    ({"noise": "-1"}, "noise"),
    ({"noise": "nan"}, "noise"),
    ({"noise": "1e308"}, "noise"),
    ({"seed": "-3"}, "seed"),
    ({"seed": "abc"}, "seed"),
    ({"seed": "1e308"}, "seed"),
    ({"opt": "nope"}, "optimizer"),
    ({"opt": [SCRIPT, "adam"]}, "optimizer"),
    ({"opt": ["adam", "adam", "sgd", "adam"]}, None),
    ({"opt": ""}, "optimizer"),
    ({"adam.lr": "abc"}, "adam.lr"),
    ({"adam.lr": "nan"}, "adam.lr"),
    ({"adam.lr": "inf"}, "adam.lr"),
    ({"adam.lr": "-1"}, "adam.lr"),
    ({"adam.lr": "1e308"}, "adam.lr"),
    ({"adam.lr": SCRIPT}, "adam.lr"),
    ({"adam.beta1": "1"}, "adam.beta1"),
    ({"adam.beta2": "2"}, "adam.beta2"),
    ({"adam.nope": "1"}, "nope"),
    ({"nope.lr": "1"}, "nope"),
    ({SCRIPT + ".lr": "1"}, "script"),
    ({"adam." + SCRIPT: "1"}, "script"),
    ({"sched": "nope"}, "schedule"),
    ({"sched": "step", "sched.gamma": "abc"}, "gamma"),
    ({"sched": "step", "sched.step_size": "1e9"}, "step_size"),
    ({"sched.nope": "1"}, "nope"),
    ({"clip": "-1"}, "clip"),
    ({"clip": "inf"}, "clip"),
    ({"ghost": "maybe"}, "ghost"),
    ({"view": SCRIPT}, "view"),
    ({"preset": "nope"}, "lesson"),
    ({"preset": SCRIPT}, "lesson"),
    ({SCRIPT: SCRIPT}, "script"),
    ({"whatever": "1"}, "whatever"),
    ({"steps": ["10", "abc", "20"]}, None),  # repeated: the last non-empty value wins
]


@pytest.mark.parametrize("params,word", BAD, ids=[str(i) for i in range(len(BAD))])
def test_bad_values_fall_back_with_a_notice(params, word):
    state, notices = parse(params)
    check_state(state)
    if word is None:
        assert all("script" not in n.lower() or "`" in n for n in notices)
    else:
        assert notices, f"expected a notice for {params}"
        assert any(word.lower() in n.lower() for n in notices), notices
    for n in notices:
        assert len(n) < 200
        assert "<script>" not in n  # user text is always escaped (lessons.link_values.quote)


def test_script_tag_is_quoted_not_passed_through():
    state, notices = parse({"surface": SCRIPT, "opt": SCRIPT, "adam.lr": SCRIPT, "x0": SCRIPT})
    check_state(state)
    assert len(notices) >= 3
    quoted = [n for n in notices if "script" in n]
    assert len(quoted) >= 3
    for n in notices:
        # user text is shortened and every punctuation character escaped: inert text
        assert "<" not in re.sub(r"\\.", "", n)
        if "script" in n:
            assert "\\<script\\>" in n


def test_clamping_values():
    state, notices = parse({"steps": str(10**9), "x0": "1e308", "noise": "1e308"})
    assert state.race.steps == MAX_STEPS
    assert state.race.start[0] == SURFACES[state.race.surface].bounds[0][1]
    assert state.race.noise == 10.0
    assert len(notices) == 3
    state, _ = parse({"steps": "-5"})
    assert state.race.steps == 1
    state, _ = parse({"steps": "10.6"})
    assert state.race.steps == 11


def test_an_off_grid_value_is_kept_as_the_link_writes_it():
    """A link's value between slider stops is kept (the slider offers it as one more stop), to
    the 8 significant digits a link writes, so the link round-trips exactly."""
    state, notices = parse({"opt": "adam", "adam.lr": "0.01234"})
    assert state.race.hyper("adam")["lr"] == 0.01234 and notices == []
    state, _ = parse({"opt": "adam", "adam.lr": "0.0020565789123"})
    assert state.race.hyper("adam")["lr"] == 0.0020565789
    assert parse(to_query(state))[0] == state


def test_a_map_cell_link_opens_the_very_run_of_the_cell():
    """The hyperparameter map's "Open this run on the Compare page" link carries the cell's exact
    values: the Compare race ends where the map's cell ended, to the last bit."""
    from lessons.grids import format_number
    from lessons.sweep_map import axis_values
    from optimizers import sweep

    opt = OPTIMIZERS["momentum"]
    xs = axis_values(opt.spec("lr"), 100, 0.0002, 0.05)
    ys = axis_values(opt.spec("momentum"), 100, 0.0, 0.999)
    surface = SURFACES["rosenbrock"]
    grid = sweep(surface, opt, {"lr": xs, "momentum": ys}, start=surface.start, steps=1000)
    i, j = int(np.argmin(np.abs(xs - 0.002057))), int(np.argmin(np.abs(ys - 0.5045)))
    state, notices = parse({"surface": "rosenbrock", "opt": "momentum", "steps": "1000",
                            "momentum.lr": format_number(xs[i]), "momentum.momentum": format_number(ys[j])})
    assert notices == []
    res = state.race.run("momentum", record="final", tol=1e-3)
    assert res.final_loss[0] == grid.final_loss[i, j]
    assert res.steps_to_tol[0] == grid.steps_to_tol[i, j]


def test_parse_float():
    assert parse_float("1.5") == 1.5
    for bad in ("nan", "inf", "-inf", "1e999", "abc", "", SCRIPT, "1" * 100):
        assert parse_float(bad) is None


@pytest.mark.parametrize("preset", PRESETS, ids=[p.key for p in PRESETS])
def test_preset_round_trip(preset):
    state = state_of(preset)
    query = to_query(state)
    assert query["preset"] == preset.key
    parsed, notices = parse(query)
    assert notices == []
    assert parsed == state
    # Without the preset key the explicit values alone reproduce the race.
    query.pop("preset")
    parsed, notices = parse(query)
    assert notices == []
    assert parsed.race == state.race


def test_modified_preset_drops_its_name():
    state = state_of(PRESETS_BY_KEY["textbook"])
    state = state.with_race(state.race.with_hyper("adam", "lr", 0.1))
    assert not same_as_preset(state.race, PRESETS_BY_KEY["textbook"])
    assert state.preset is None
    query = to_query(state)
    assert "preset" not in query
    parsed, notices = parse(query)
    assert notices == [] and parsed == state


def test_full_state_round_trip_with_schedule_and_extras():
    state, _ = parse({"surface": "saddle", "opt": ["rmsprop", "adamw"], "steps": "777", "x0": "0.5", "y0": "-0.25",
                      "noise": "0.5", "seed": "42", "rmsprop.momentum": "0.5", "adamw.weight_decay": "0.1",
                      "sched": "step", "sched.step_size": "100", "sched.gamma": "0.5", "clip": "2", "ghost": "1",
                      "view": "3d"})
    query = to_query(state)
    again, notices = parse(query)
    assert notices == [] and again == state
    assert "?" in query_string(query) and "opt=rmsprop&opt=adamw" in query_string(query)


def test_the_courses_schedules_and_the_teaching_variant_round_trip_in_a_link():
    """k/√t, hand-set milestones and Adam without bias correction live in a Compare link like any other."""
    state, notices = parse({"surface": "bowl", "opt": ["adam", "adam_nobias"], "adam_nobias.lr": "0.3",
                            "sched": "milestones", "sched.milestone1": "20", "sched.milestone2": "40",
                            "sched.milestone3": "60", "sched.gamma": "0.5"})
    assert notices == [] and state.race.schedule == "milestones"
    assert dict(state.race.schedule_params) == {"milestone1": 20, "milestone2": 40, "milestone3": 60, "gamma": 0.5}
    assert state.race.hyper("adam_nobias")["lr"] == 0.3 and list(state.race.opts) == ["adam", "adam_nobias"]
    again, notices = parse(to_query(state))
    assert notices == [] and again == state
    state, notices = parse({"sched": "sqrt_decay", "sched.k": "2"})
    assert notices == [] and dict(state.race.schedule_params) == {"k": 2.0}


def test_every_preset_value_and_torch_default_is_on_its_slider():
    for opt in OPTIMIZERS.values():
        for spec in opt.hypers:
            options = slider_options(spec, preset_values(opt.key, spec.key))
            assert spec.default in options, (opt.key, spec.key)
            for v in preset_values(opt.key, spec.key):
                assert v in options
            if spec.key == "lr":
                assert options[0] <= 1e-4 and options[-1] >= 10
    assert snap(0.96, slider_options(OPTIMIZERS["sgd"].spec("lr")), True) == 0.95


# ------------------------------------------------------------------ custom formulas, clouds


def test_custom_surface_round_trip_with_range():
    state, notices = parse({"surface": "custom", "formula": "x^2 - y^2 + y^4/4", "xmin": "-3", "xmax": "3",
                            "opt": "adam", "x0": "2", "y0": "-2.5", "noise": "0.5", "clouds": "64"})
    assert notices == []
    race = state.race
    assert (race.surface, race.formula, race.bounds) == (CUSTOM, "x^2 - y^2 + y^4/4", ((-3.0, 3.0), (-5.0, 5.0)))
    assert (race.start, state.clouds) == ((2.0, -2.5), 64)
    query = to_query(state)
    assert query["formula"] == "x^2 - y^2 + y^4/4" and query["xmin"] == "-3" and query["clouds"] == "64"
    again, notices = parse(query)
    assert notices == [] and again == state
    # The default range is not written: links stay short.
    state = state.with_race(race.with_(bounds=((-5.0, 5.0), (-5.0, 5.0))))
    assert "xmin" not in to_query(state)


HOSTILE_FORMULAS = ["__import__('os').system('x')", SCRIPT, "x" * 10_000, "9**9**9**9", "1/0 + x", "x^^2",
                    "lambda: 0", "x.real", "[x]", "sin", "x\ny", "$x$ *y*", "exp(x)**1e308"]


@pytest.mark.parametrize("formula", HOSTILE_FORMULAS, ids=[str(i) for i in range(len(HOSTILE_FORMULAS))])
def test_hostile_formula_is_validated_before_use(formula, monkeypatch):
    import surfaces

    built = []
    real = surfaces.from_expression

    def build(text, bounds=None):  # only validated text may ever reach the surface builder
        built.append(text)
        return real(text, bounds)

    monkeypatch.setattr(surfaces, "from_expression", build)
    state, notices = parse_query({"surface": "custom", "formula": formula})
    assert state.race.formula == DEFAULT_FORMULA and set(built) == {DEFAULT_FORMULA}
    assert len(notices) == 1 and "formula=" in notices[0] and len(notices[0]) < 400
    outside_code = re.sub(r"`[^`]*`", "", notices[0]).replace("\\$", "")  # user text is quoted as code
    assert "</script>" not in outside_code and "$" not in outside_code


def test_bad_custom_ranges_and_stray_keys():
    state, notices = parse({"surface": "custom", "xmin": "4", "xmax": "-4", "ymin": "nan"})
    assert state.race.bounds == ((-5.0, 5.0), (-5.0, 5.0)) and len(notices) == 2
    state, notices = parse({"surface": "custom", "formula": "log(x)", "xmax": "-1"})  # undefined on that range
    assert state.race.formula != "log(x)" and any("range" in n for n in notices)
    state, notices = parse({"surface": "bowl", "formula": "x^2"})
    assert state.race.surface == "bowl" and state.race.formula is None and any("surface=custom" in n for n in notices)


def test_clouds_in_the_link():
    assert parse({"noise": "1", "clouds": "32"})[0].clouds == 32
    state, notices = parse({"noise": "1", "clouds": "30"})
    assert state.clouds == 32 and notices
    state, notices = parse({"clouds": "32"})  # no noise: every seed is the same path
    assert state.clouds == 0 and any("noise" in n for n in notices)
    for bad in ("abc", "nan", "-3", "1e308"):
        state, notices = parse({"noise": "1", "clouds": bad})
        assert state.clouds in (0, 128) and notices
    preset = replace(state_of(PRESETS_BY_KEY["schedule"]), clouds=16)
    query = to_query(preset)
    assert query["preset"] == "schedule" and query["clouds"] == "16"  # a way of looking at a lesson
    assert parse(query) == (preset, [])


@pytest.mark.parametrize("raw, mode, notice", [(None, "watch", False), ("predict", "predict", False),
                                               (["watch", "predict"], "predict", False), ("quiz", "watch", True),
                                               ("x" * 300, "watch", True)])
def test_mode_in_the_link(raw, mode, notice):
    state, notices = parse({} if raw is None else {"mode": raw})
    assert state.mode == mode and bool(notices) == notice
    assert all(len(n) < 200 for n in notices)
    assert (to_query(state).get("mode") == "predict") == (mode == "predict")  # one writer, mode included


def test_quote_leaves_no_markup_in_any_link_value():
    """The one escape helper: links, images, HTML, autolinks, LaTeX, directives, code spans."""
    import re

    from lessons.link_values import quote

    crafted = ("x` [click me](https://evil.example/) ![img](https://evil.example/i.png) "
               "<img src=https://evil.example/x.png> www.evil.example a@b.example :red[alarm] $x^2$ `")
    plain = re.sub(r"\\.", "", quote(crafted, limit=10_000))
    for token in ("](", "![", "<img", "://", "www.", "@b.", ":red[", "$x", "`"):
        assert token not in plain
    assert "click me" in plain and "evil" in plain  # the words stay readable


@pytest.mark.parametrize("raw, on, notice", [(None, False, False), ("1", True, False), ("0", False, False),
                                             ("true", True, False), ("big", False, True)])
def test_projector_in_the_link(raw, on, notice):
    state, notices = parse({} if raw is None else {"projector": raw})
    assert state.projector is on and bool(notices) == notice
    assert (to_query(state).get("projector") == "1") == on
    assert parse(to_query(state))[0] == state  # the written link reads back the same
    if raw is not None and not notice:  # a presentation key alone is still the landing lesson
        assert state.preset == DEFAULT_PRESET and state.race == state_of(PRESETS_BY_KEY[DEFAULT_PRESET]).race
