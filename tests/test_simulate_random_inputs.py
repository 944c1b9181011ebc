"""Property test: whatever a student (or a URL) throws at ``simulate``, it either raises a
ValueError for an invalid hyperparameter or returns a finite table (possibly cut short by a
flagged divergence). Never a NaN, never another exception."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizers import OPTIMIZERS, SCHEDULES, make_schedule, simulate
from tests.optim_helpers import local_surface


def _surfaces():
    try:
        from surfaces import SURFACES
    except ImportError:
        SURFACES = {}
    found = {key: SURFACES[key] for key in SURFACES}
    for key in ("bowl", "rosenbrock", "regression"):
        found.setdefault(key, local_surface(key))
    return found


SURFACES_UNDER_TEST = _surfaces()

INVALID = object()  # marker: draw a value outside the valid range


@st.composite
def hyper_value(draw, spec):
    """A value inside the slider range, far beyond it, absurd, or invalid."""
    kind = draw(st.sampled_from(["slider", "slider", "beyond", "absurd", "invalid"]))
    if kind == "slider":
        if spec.log:
            e = draw(st.floats(math.log10(spec.low), math.log10(spec.high)))
            return 10.0**e
        return draw(st.floats(spec.low, spec.high))
    if kind == "beyond":
        hi = spec.valid_high if math.isfinite(spec.valid_high) else spec.high * 1e3
        value = draw(st.floats(spec.valid_low, hi, exclude_min=spec.low_open, exclude_max=spec.high_open))
        return value
    if kind == "absurd":
        choices = [spec.valid_low, 1e6, 1e-300, 1e300]
        if math.isfinite(spec.valid_high):
            choices = [spec.valid_low, (spec.valid_high if not spec.high_open else np.nextafter(spec.valid_high, 0))]
        return draw(st.sampled_from(choices))
    bad = [float("nan"), float("inf"), -float("inf"), spec.valid_low - 1.0, spec.valid_low - 1e-9]
    if spec.low_open:  # an excluded lower bound (Nesterov's μ > 0)
        bad.append(spec.valid_low)
    if math.isfinite(spec.valid_high):
        bad += [spec.valid_high + 0.5] + ([spec.valid_high] if spec.high_open else [])
    return draw(st.sampled_from(bad))


def is_valid(spec, value) -> bool:
    if not math.isfinite(value) or value < spec.valid_low or (spec.low_open and value == spec.valid_low):
        return False
    return value < spec.valid_high if spec.high_open else value <= spec.valid_high


@st.composite
def cases(draw):
    key = draw(st.sampled_from(list(OPTIMIZERS)))
    opt = OPTIMIZERS[key]
    hyper = {}
    for spec in opt.hypers:
        if draw(st.booleans()):
            hyper[spec.key] = float(draw(hyper_value(spec)))
    surface_key = draw(st.sampled_from(sorted(SURFACES_UNDER_TEST)))
    start = (draw(st.floats(-1e3, 1e3)), draw(st.floats(-1e3, 1e3)))
    schedule = None
    if draw(st.booleans()):
        sched_key = draw(st.sampled_from(list(SCHEDULES)))
        params = {}
        for p in SCHEDULES[sched_key].params:
            if p.integer:
                params[p.key] = draw(st.integers(int(p.valid_low), 200))
            else:
                params[p.key] = draw(st.floats(p.low, p.high))
        schedule = make_schedule(sched_key, **params)
    return {
        "key": key,
        "hyper": hyper,
        "surface": surface_key,
        "start": start,
        "steps": draw(st.integers(1, 40)),
        "noise": draw(st.one_of(st.just(0.0), st.floats(0.0, 100.0))),
        "seed": draw(st.integers(0, 2**31)),
        "schedule": schedule,
        "clip_norm": draw(st.one_of(st.none(), st.floats(1e-3, 1e3))),
        "batch_size": draw(st.one_of(st.none(), st.integers(1, 100))),
    }


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_simulate_never_breaks(case):
    opt = OPTIMIZERS[case["key"]]
    surface = SURFACES_UNDER_TEST[case["surface"]]
    valid = all(is_valid(opt.spec(k), v) for k, v in case["hyper"].items())
    try:
        df = simulate(
            surface,
            case["key"],
            case["hyper"],
            case["start"],
            case["steps"],
            noise=case["noise"],
            seed=case["seed"],
            schedule=case["schedule"],
            clip_norm=case["clip_norm"],
            batch_size=case["batch_size"],
        )
    except ValueError as err:
        assert not valid, f"ValueError for valid hyperparameters: {err}"
        assert any(k in str(err) for k in case["hyper"]), f"error does not name the parameter: {err}"
        return
    assert valid, "invalid hyperparameters were accepted"
    values = df.drop(columns=["eff_lr_x", "eff_lr_y"]).to_numpy(dtype=float)
    assert np.all(np.isfinite(values)), "NaN or inf in the table"
    # lr × preconditioner is the one number that may honestly overflow: Adam with lr = 1e300 at a
    # zero gradient divides by eps (1e-8) and by 1 − β1. Only then, and only to +inf.
    eff = df[["eff_lr_x", "eff_lr_y"]].to_numpy(dtype=float)
    if not np.all(np.isfinite(eff)):
        full = opt.resolve(case["hyper"])
        assert np.all(eff[~np.isfinite(eff)] == np.inf), "NaN or -inf effective learning rate"
        assert full["lr"] / full.get("eps", 1.0) > 1e280, f"effective lr overflowed for {full}"
    assert (np.abs(df[["x", "y"]].to_numpy()) <= 1e6).all()
    d = df.attrs["diverged_at"]
    if d is None:
        assert len(df) == case["steps"] + 1
    else:
        assert 1 <= d <= case["steps"] and len(df) == d
    assert list(df["step"]) == list(range(len(df)))
