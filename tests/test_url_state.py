"""URL state: every bad link falls back or clamps with a notice; good links round-trip exactly."""

from __future__ import annotations

import math
import re

import pytest

from lessons.presets import DEFAULT_PRESET, PRESETS, PRESETS_BY_KEY, preset_values
from optimizers import OPTIMIZERS, SCHEDULES
from surfaces import SURFACES
from ui.url_state import (
    MAX_STEPS,
    PageState,
    defaults_from_preset,
    parse_float,
    parse_query,
    query_string,
    same_as_preset,
    to_query,
)
from ui.values import slider_options, snap

SCRIPT = "<script>alert(1)</script>"


def parse(params):
    return parse_query(params, surfaces=SURFACES, optimizers=OPTIMIZERS, schedules=SCHEDULES,
                       presets=PRESETS_BY_KEY, default_preset=DEFAULT_PRESET, extra_values=preset_values)


def check_state(state: PageState) -> None:
    """Invariants every parsed state must satisfy, whatever the input."""
    assert state.surface in SURFACES
    assert state.opts and all(o in OPTIMIZERS for o in state.opts)
    assert len(set(state.opts)) == len(state.opts)
    assert 1 <= state.steps <= MAX_STEPS and isinstance(state.steps, int)
    (x0, x1), (y0, y1) = SURFACES[state.surface].bounds
    assert x0 <= state.x0 <= x1 and y0 <= state.y0 <= y1
    assert math.isfinite(state.noise) and state.noise >= 0
    assert isinstance(state.seed, int) and state.seed >= 0
    for opt in state.opts:
        values = state.hyper[opt]
        assert set(values) == set(OPTIMIZERS[opt].hyper_keys)
        OPTIMIZERS[opt].resolve(values)  # valid for the core
        for key, v in values.items():
            assert v in slider_options(OPTIMIZERS[opt].spec(key), preset_values(opt, key))
    assert state.sched in SCHEDULES
    assert state.view in ("side", "overlay", "3d")


def test_empty_query_is_the_landing_preset():
    state, notices = parse({})
    assert notices == []
    assert state.preset == DEFAULT_PRESET
    assert state == defaults_from_preset(PRESETS_BY_KEY[DEFAULT_PRESET], OPTIMIZERS)


def test_issue_example_link():
    q = {"surface": "rosenbrock", "opt": ["sgd", "adam"], "steps": "500", "x0": "-1.5", "y0": "2", "noise": "0",
         "seed": "0", "adam.lr": "0.01"}
    state, notices = parse(q)
    assert notices == []
    assert (state.surface, state.opts, state.steps, state.x0, state.y0) == ("rosenbrock", ["sgd", "adam"], 500, -1.5, 2.0)
    assert state.hyper["adam"]["lr"] == 0.01
    assert state.hyper["sgd"]["lr"] == OPTIMIZERS["sgd"].spec("lr").default  # unspecified: torch default
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
        assert "<script>" not in n  # user text is always escaped (ui.url_state.quote)


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
    assert state.steps == MAX_STEPS
    assert state.x0 == SURFACES[state.surface].bounds[0][1]
    assert state.noise == 10.0
    assert len(notices) == 3
    state, _ = parse({"steps": "-5"})
    assert state.steps == 1
    state, _ = parse({"steps": "10.6"})
    assert state.steps == 11


def test_off_grid_learning_rate_snaps_with_notice():
    state, notices = parse({"opt": "adam", "adam.lr": "0.01234"})
    assert state.hyper["adam"]["lr"] == 0.012
    assert any("0.012" in n for n in notices)


def test_parse_float():
    assert parse_float("1.5") == 1.5
    for bad in ("nan", "inf", "-inf", "1e999", "abc", "", SCRIPT, "1" * 100):
        assert parse_float(bad) is None


@pytest.mark.parametrize("preset", PRESETS, ids=[p.key for p in PRESETS])
def test_preset_round_trip(preset):
    state = defaults_from_preset(preset, OPTIMIZERS)
    query = to_query(state, optimizers=OPTIMIZERS, schedules=SCHEDULES)
    assert query["preset"] == preset.key
    parsed, notices = parse(query)
    assert notices == []
    assert parsed == state
    # Without the preset key the explicit values alone reproduce the page.
    query.pop("preset")
    parsed, notices = parse(query)
    assert notices == []
    parsed.preset = state.preset
    assert parsed == state


def test_modified_preset_drops_its_name():
    state = defaults_from_preset(PRESETS_BY_KEY["textbook"], OPTIMIZERS)
    state.hyper["adam"]["lr"] = 0.1
    assert not same_as_preset(state, PRESETS_BY_KEY["textbook"], OPTIMIZERS)
    state.preset = None
    query = to_query(state, optimizers=OPTIMIZERS, schedules=SCHEDULES)
    assert "preset" not in query
    parsed, notices = parse(query)
    assert notices == [] and parsed == state


def test_full_state_round_trip_with_schedule_and_extras():
    state, _ = parse({"surface": "saddle", "opt": ["rmsprop", "adamw"], "steps": "777", "x0": "0.5", "y0": "-0.25",
                      "noise": "0.5", "seed": "42", "rmsprop.momentum": "0.5", "adamw.weight_decay": "0.1",
                      "sched": "step", "sched.step_size": "100", "sched.gamma": "0.5", "clip": "2", "ghost": "1",
                      "view": "3d"})
    query = to_query(state, optimizers=OPTIMIZERS, schedules=SCHEDULES)
    again, notices = parse(query)
    assert notices == [] and again == state
    assert "?" in query_string(query) and "opt=rmsprop&opt=adamw" in query_string(query)


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
    from ui.url_state import CUSTOM

    state, notices = parse({"surface": "custom", "formula": "x^2 - y^2 + y^4/4", "xmin": "-3", "xmax": "3",
                            "opt": "adam", "x0": "2", "y0": "-2.5", "noise": "0.5", "clouds": "64"})
    assert notices == []
    assert (state.surface, state.formula, state.bounds) == (CUSTOM, "x^2 - y^2 + y^4/4", ((-3.0, 3.0), (-5.0, 5.0)))
    assert (state.x0, state.y0, state.clouds) == (2.0, -2.5, 64)
    query = to_query(state, optimizers=OPTIMIZERS, schedules=SCHEDULES)
    assert query["formula"] == "x^2 - y^2 + y^4/4" and query["xmin"] == "-3" and query["clouds"] == "64"
    again, notices = parse(query)
    assert notices == [] and again == state
    # The default range is not written: links stay short.
    state.bounds = ((-5.0, 5.0), (-5.0, 5.0))
    assert "xmin" not in to_query(state, optimizers=OPTIMIZERS, schedules=SCHEDULES)


HOSTILE_FORMULAS = ["__import__('os').system('x')", SCRIPT, "x" * 10_000, "9**9**9**9", "1/0 + x", "x^^2",
                    "lambda: 0", "x.real", "[x]", "sin", "x\ny", "$x$ *y*", "exp(x)**1e308"]


@pytest.mark.parametrize("formula", HOSTILE_FORMULAS, ids=[str(i) for i in range(len(HOSTILE_FORMULAS))])
def test_hostile_formula_is_validated_before_use(formula, monkeypatch):
    from ui import url_state

    built = []

    def build(text, bounds):  # only validated text may ever reach the surface builder
        built.append(text)
        from surfaces import from_expression

        return from_expression(text, bounds)

    state, notices = parse_query({"surface": "custom", "formula": formula}, surfaces=SURFACES, optimizers=OPTIMIZERS,
                                 schedules=SCHEDULES, presets=PRESETS_BY_KEY, default_preset=DEFAULT_PRESET,
                                 custom_surface=build)
    assert state.formula == url_state.DEFAULT_FORMULA and built == [url_state.DEFAULT_FORMULA]
    assert len(notices) == 1 and "formula=" in notices[0] and len(notices[0]) < 400
    outside_code = re.sub(r"`[^`]*`", "", notices[0]).replace("\\$", "")  # user text is quoted as code
    assert "</script>" not in outside_code and "$" not in outside_code


def test_bad_custom_ranges_and_stray_keys():
    state, notices = parse({"surface": "custom", "xmin": "4", "xmax": "-4", "ymin": "nan"})
    assert state.bounds == ((-5.0, 5.0), (-5.0, 5.0)) and len(notices) == 2
    state, notices = parse({"surface": "custom", "formula": "log(x)", "xmax": "-1"})  # undefined on that range
    assert state.formula != "log(x)" and any("range" in n for n in notices)
    state, notices = parse({"surface": "bowl", "formula": "x^2"})
    assert state.surface == "bowl" and state.formula is None and any("surface=custom" in n for n in notices)


def test_clouds_in_the_link():
    assert parse({"noise": "1", "clouds": "32"})[0].clouds == 32
    state, notices = parse({"noise": "1", "clouds": "30"})
    assert state.clouds == 32 and notices
    state, notices = parse({"clouds": "32"})  # no noise: every seed is the same path
    assert state.clouds == 0 and any("noise" in n for n in notices)
    for bad in ("abc", "nan", "-3", "1e308"):
        state, notices = parse({"noise": "1", "clouds": bad})
        assert state.clouds in (0, 128) and notices
    preset = defaults_from_preset(PRESETS_BY_KEY["schedule"], OPTIMIZERS)
    preset.clouds = 16
    query = to_query(preset, optimizers=OPTIMIZERS, schedules=SCHEDULES)
    assert query["preset"] == "schedule" and query["clouds"] == "16"  # a way of looking at a lesson
    assert parse(query) == (preset, [])


def test_quote_leaves_no_markup_in_any_link_value():
    """The one escape helper: links, images, HTML, autolinks, LaTeX, directives, code spans."""
    import re

    from ui.url_state import quote

    crafted = ("x` [click me](https://evil.example/) ![img](https://evil.example/i.png) "
               "<img src=https://evil.example/x.png> www.evil.example a@b.example :red[alarm] $x^2$ `")
    plain = re.sub(r"\\.", "", quote(crafted, limit=10_000))
    for token in ("](", "![", "<img", "://", "www.", "@b.", ":red[", "$x", "`"):
        assert token not in plain
    assert "click me" in plain and "evil" in plain  # the words stay readable
