"""The compiled fast path (optimizers/compiled.py) against the numpy loop, bit for bit.

The numpy loop is the reference; the compiled path may only run where it reproduces every array
of ``BatchResult`` exactly (``np.array_equal``, NaN equal to NaN), so each case runs twice:
``DESCENT_ENGINE=numpy`` and ``auto``, and checks that ``auto`` really took the compiled path.
Here drivers are compiled on the test's thread (``DESCENT_COMPILE=sync``); the first run on a
machine compiles each (surface, optimizer) pair (about a second each); the drivers are cached on
disk (``compiled.cache_dir()``), so later runs load them. Only optimizers and surfaces that
declare a kernel are parametrized: a kernel is optional (``test_kernel_less_optimizer...``).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from optimizers import OPTIMIZERS, SCHEDULES, make_schedule, run_batch, simulate, sweep
from optimizers import compiled, driver_cache
from surfaces import SURFACES, make_rotated_quadratic

pytest.importorskip("numba")

KERNEL_SURFACES = [key for key, s in SURFACES.items() if s.kernel is not None]
KERNEL_OPTIMIZERS = [key for key, o in OPTIMIZERS.items() if o.kernel is not None]
FIELDS = ("final", "final_loss", "diverged_at", "steps_to_tol", "path", "loss", "grads", "lr", "eff_lr")


@pytest.fixture
def engines(monkeypatch):
    """``run(fn, *args, **kw)``: fn under both engines; asserts identical results, returns them."""
    calls = []
    real = compiled.run
    monkeypatch.setenv("DESCENT_COMPILE", "sync")

    def spy(*args, **kwargs):
        ran = real(*args, **kwargs)
        if ran:
            calls.append(1)
        return ran

    monkeypatch.setattr(compiled, "run", spy)

    def run(fn, *args, expect_compiled=True, **kwargs):
        monkeypatch.setenv("DESCENT_ENGINE", "numpy")
        ref = fn(*args, **kwargs)
        assert not calls
        monkeypatch.setenv("DESCENT_ENGINE", "auto")
        fast = fn(*args, **kwargs)
        assert bool(calls) == expect_compiled, "compiled path used" if calls else "compiled path not used"
        calls.clear()
        assert_identical(ref, fast)
        return ref, fast

    return run


def assert_identical(a, b) -> None:
    if hasattr(a, "columns"):  # simulate's DataFrame
        assert list(a.columns) == list(b.columns) and a.attrs == b.attrs
        for col in a.columns:
            assert np.array_equal(a[col].to_numpy(), b[col].to_numpy(), equal_nan=True), col
        return
    if hasattr(a, "keys") and hasattr(a, "values") and not hasattr(a, "path"):  # SweepResult
        for name in ("final_loss", "diverged", "diverged_at", "steps_to_tol", "final"):
            assert np.array_equal(getattr(a, name), getattr(b, name), equal_nan=True), name
        return
    for name in FIELDS:
        x, y = getattr(a, name), getattr(b, name)
        if x is None:
            assert y is None, name
            continue
        assert x.dtype == y.dtype and x.shape == y.shape, name
        assert np.array_equal(x, y, equal_nan=True), (name, np.argwhere(~((x == y) | (np.isnan(x) & np.isnan(y))))[:5])
    if a.states is None:
        assert b.states is None
    else:
        assert list(a.states) == list(b.states)
        for key in a.states:
            assert np.array_equal(a.states[key], b.states[key], equal_nan=True), key


LRS = np.array([1e-5, 1e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0, 10.0, 1e3, 1e7])


#: Every optimizer on Rosenbrock, every other surface with momentum: a surface's kernel is the same code whatever the optimizer, and each
#: pair costs a compile of ~2 s per driver on a fresh machine.
PAIRS = [(opt, "rosenbrock") for opt in KERNEL_OPTIMIZERS] + [
    ("momentum", surface) for surface in KERNEL_SURFACES if surface != "rosenbrock"
]


@pytest.mark.parametrize("opt, surface", PAIRS)
def test_pairs_with_diverging_runs(engines, opt, surface):
    """Per-run lrs from crawling to exploding (divergence freezing included), everything
    recorded, steps to tol, and a single run with the defaults."""
    s = SURFACES[surface]
    ref, _ = engines(run_batch, s, opt, {"lr": LRS}, np.array(s.start), 120, record="full", tol=1e-2)
    assert (ref.diverged_at > 0).any()  # the freezing rules are exercised
    engines(run_batch, s, opt, None, np.array(s.start), 60, record="path")


def _spy_drivers(monkeypatch) -> list:
    """Which driver each compiled run took: None (general) or a big-batch variant's name."""
    used = []
    planned = []
    real_plan, real_run = compiled._plan, compiled.run

    def plan(*args):
        call = real_plan(*args)
        planned.append(call)
        return call

    def run(*args, **kwargs):
        ran = real_run(*args, **kwargs)
        if ran:
            call = planned[-1]
            big = call.spec.big_batch is not None
            used.append(list(compiled.BIG_BATCH_MODES)[call.args[-1]] if big else None)
        return ran

    monkeypatch.setattr(compiled, "_plan", plan)
    monkeypatch.setattr(compiled, "run", run)
    return used


#: The big-batch driver (record "final"/"path", vectorized across runs, in blocks of
#: compiled.BLOCK runs): every optimizer on Rosenbrock (the surface kernels are the same code
#: in both drivers and all run through the general one above; a big-batch driver costs 3-6 s
#: to compile on a fresh machine).
BIG_PAIRS = [(opt, "rosenbrock") for opt in KERNEL_OPTIMIZERS]


@pytest.mark.parametrize("opt, surface", BIG_PAIRS)
def test_big_batch_driver(engines, monkeypatch, opt, surface):
    """More runs than a block (block edges, runs diverging and compacted away mid-block),
    per-run lr and second hyperparameter (one β per run: per-run scalar tables), a schedule,
    shared noise, tol; then "path" with the defaults' other values shared; then per-run
    weight decay with shared β's. Every variant of ``compiled.BIG_BATCH_MODES`` the optimizer has."""
    used = _spy_drivers(monkeypatch)
    s = SURFACES[surface]
    key, values = _second_axis(opt)
    R = 2 * compiled.BLOCK + 37
    lr = np.resize(LRS, R).reshape(-1, 1)
    hyper = {"lr": lr, key: np.resize(values, R).reshape(-1, 1)}
    engines(run_batch, s, opt, hyper, np.array(s.start), 120, record="final", tol=1e-2,
            noise=0.3, seed=4, schedule="warmup_cosine")
    ref, _ = engines(run_batch, s, opt, {"lr": lr}, np.array(s.start), 120, record="path", tol=1e-2)
    assert (ref.diverged_at > 0).any() and (ref.diverged_at < 0).any()
    modes = {"run_sc" if OPTIMIZERS[opt].kernel.scalars else "run", "shared"}
    if OPTIMIZERS[opt].kernel.scalars:  # per-run values, one table of β powers
        wd = np.resize([0.0, 1e-3, 0.1], R).reshape(-1, 1)
        engines(run_batch, s, opt, {"lr": lr, "weight_decay": wd}, np.array(s.start), 120, record="final")
        modes.add("run")
    assert set(used) == modes  # the big-batch driver ran, in these variants


def test_single_runs_take_the_general_driver(engines, monkeypatch):
    """Below compiled.BIG_BATCH_MIN_RUNS runs (the web page's one run), "path" takes the general
    driver, faster there; from it on, the big-batch one."""
    used = _spy_drivers(monkeypatch)
    for runs in (1, compiled.BIG_BATCH_MIN_RUNS):
        engines(run_batch, "rosenbrock", "adam", {"lr": np.geomspace(0.01, 0.3, runs)},
                np.array([-1.5, 2.0]), 50, record="path")
    assert used == [None, "shared"]


def _second_axis(opt):
    key = OPTIMIZERS[opt].sweep_axes[1]
    spec = OPTIMIZERS[opt].spec(key)
    lo, hi = max(spec.low, spec.valid_low), spec.high
    return key, np.linspace(lo, hi, 4)


SETTINGS = {
    "shared noise": dict(noise=0.5, seed=3),
    "per-run seeds": dict(noise=np.array([0.0, 0.3, 1.0, 2.0] * 3), seed=np.arange(12) + 5),
    "weight decay": dict(hyper={"weight_decay": 0.05}),
    "tol, final only": dict(record="final", tol=1e-3),
    "noise per coordinate": dict(noise=np.tile([[0.2, 1.5]], (12, 1)), seed=1, record="final"),
    **{f"schedule {key}": dict(schedule=make_schedule(key)) for key in SCHEDULES},
}


@pytest.mark.parametrize("case", list(SETTINGS))
@pytest.mark.parametrize("opt", KERNEL_OPTIMIZERS)
def test_settings(engines, opt, case):
    kw = dict(SETTINGS[case])
    hyper = {"lr": np.geomspace(1e-4, 3.0, 12), **kw.pop("hyper", {})}
    kw.setdefault("record", "full")
    engines(run_batch, "rosenbrock", opt, hyper, np.array([-1.5, 2.0]), 150, **kw)


@pytest.mark.parametrize("opt", KERNEL_OPTIMIZERS)
def test_per_run_and_per_coordinate_hyperparameters(engines, opt):
    """A grid over (lr, the optimizer's second sweep axis), as a sweep passes it, and a
    hyperparameter given per coordinate ((R, 2)); one pow per distinct β, as in numpy."""
    key, values = _second_axis(opt)
    lr, v = np.meshgrid(np.geomspace(1e-4, 1.0, 5), values, indexing="ij")
    hyper = {"lr": lr.reshape(-1, 1), key: v.reshape(-1, 1)}
    engines(run_batch, "rosenbrock", opt, hyper, np.array([-1.5, 2.0]), 150, record="full", tol=1e-3)
    opt_obj = OPTIMIZERS[opt]
    other = next(k for k in opt_obj.hyper_keys if k != "lr")
    spec = opt_obj.spec(other)
    lo, hi = max(spec.low, spec.valid_low), spec.high
    per_coord = np.tile([[lo + 0.25 * (hi - lo), lo + 0.75 * (hi - lo)]], (6, 1))
    engines(run_batch, "rosenbrock", opt, {"lr": np.geomspace(1e-3, 0.3, 6), other: per_coord},
            np.array([-1.5, 2.0]), 100, record="full")


def test_many_starts_and_float_edge_cases(engines):
    """R starts (one diverging at step 0, where f overflows), a start on the minimum."""
    starts = np.array([[-1.5, 2.0], [1.0, 1.0], [1e200, 1e200], [0.3, -0.7], [2.0, 2.0]])
    res, _ = engines(run_batch, "rosenbrock", "adam", {"lr": 0.05}, starts, 80, record="full", tol=1e-6)
    assert res.diverged_at[2] == 0 and res.steps_to_tol[1] == 0


def test_rotated_quadratics_share_one_kernel(engines):
    for cond, angle in ((10.0, 30.0), (100.0, -20.0), (3.0, 75.0)):
        s = make_rotated_quadratic(cond, angle)
        engines(run_batch, s, "momentum", {"lr": LRS}, np.array(s.start), 100, record="full")


@pytest.mark.parametrize("opt", ["sgd", "adam", "nadam", "rmsprop"])
def test_simulate_and_sweep_identical(engines, opt):
    engines(simulate, "rosenbrock", opt, {"lr": 0.01}, None, 400, noise=0.3, seed=2, schedule="warmup_cosine")
    key, values = _second_axis(opt)
    engines(sweep, "rosenbrock", opt, {"lr": np.geomspace(1e-4, 10.0, 8), key: values}, steps=200)


@pytest.mark.parametrize(
    "surface, kwargs",
    [
        ("rastrigin", {}),  # cos/sin: numpy's SIMD rounds unlike the C library
        ("saddle", {}),  # y**4: numpy's power
        ("six_hump_camel", {}),
        ("rosenbrock", {"clip_norm": 1.0}),  # numpy's hypot
        ("regression", {"batch_size": 4}),  # mini-batches
    ],
)
def test_numpy_path_where_no_exact_kernel(engines, surface, kwargs):
    engines(run_batch, surface, "adam", {"lr": 0.01}, np.array(SURFACES[surface].start), 30,
            expect_compiled=False, **kwargs)


def test_float32_runs_use_the_numpy_path(engines):
    engines(run_batch, "rosenbrock", "adam", {"lr": 0.01}, np.array([-1.5, 2.0], np.float32), 30,
            expect_compiled=False)


def test_without_numba_the_numpy_path_runs(engines, monkeypatch):
    monkeypatch.setattr(driver_cache, "_NUMBA", False)
    engines(run_batch, "rosenbrock", "adam", {"lr": 0.01}, np.array([-1.5, 2.0]), 30, expect_compiled=False)


def test_big_batches_take_the_numpy_path_unless_forced(engines, monkeypatch):
    monkeypatch.setattr(compiled, "MAX_RUNS", 8)
    engines(run_batch, "rosenbrock", "adam", {"lr": LRS}, np.array([-1.5, 2.0]), 30, record="full",
            expect_compiled=False)
    engines(run_batch, "rosenbrock", "adam", {"lr": LRS}, np.array([-1.5, 2.0]), 30, record="final")
    monkeypatch.setenv("DESCENT_ENGINE", "compiled")
    forced = run_batch("rosenbrock", "adam", {"lr": LRS}, np.array([-1.5, 2.0]), 30, record="full")
    monkeypatch.setenv("DESCENT_ENGINE", "numpy")
    assert_identical(run_batch("rosenbrock", "adam", {"lr": LRS}, np.array([-1.5, 2.0]), 30, record="full"), forced)


def test_engine_switch_is_checked(monkeypatch):
    monkeypatch.setenv("DESCENT_ENGINE", "fast please")
    with pytest.raises(ValueError, match="DESCENT_ENGINE"):
        run_batch("rosenbrock", "adam", {"lr": 0.01}, np.array([-1.5, 2.0]), 3)
    monkeypatch.setenv("DESCENT_ENGINE", "auto")
    monkeypatch.setenv("DESCENT_COMPILE", "later")
    with pytest.raises(ValueError, match="DESCENT_COMPILE"):
        run_batch("rosenbrock", "adam", {"lr": 0.01}, np.array([-1.5, 2.0]), 3)


def test_warm_up_compiles_what_a_class_will_use(monkeypatch):
    """deploy/serve-class warms the general driver (single runs); the Docker build also the
    big-batch one for a learning rate per run (Tune, lr sweeps): both are compiled (or loaded),
    and afterwards ready for real runs without a compilation."""
    monkeypatch.setenv("DESCENT_ENGINE", "auto")
    compiled_specs = []
    real = compiled.entry

    def spy(spec, args, *, compile):
        fn = real(spec, args, compile=compile)
        if compile and fn is not None:
            compiled_specs.append(spec.big_batch)
        return fn

    monkeypatch.setattr(compiled, "entry", spy)
    assert compiled.warm_up(["rosenbrock"], ["adam"]) > 0
    assert compiled_specs == [None]
    compiled_specs.clear()
    compiled.warm_up(["rosenbrock"], ["adam"], batches=True)
    assert compiled_specs[0] is None and len(compiled_specs) == 2 and compiled_specs[1] is not None
    # a real run of each driver now finds it ready: no compilation allowed, and none needed
    monkeypatch.setenv("DESCENT_COMPILE", "off")
    used = _spy_drivers(monkeypatch)
    run_batch("rosenbrock", "adam", {"lr": 0.02}, np.array([-1.0, 1.5]), 40, record="path", noise=0.1, seed=3)
    run_batch("rosenbrock", "adam", {"lr": np.geomspace(1e-3, 1.0, 9)}, np.array([-1.0, 1.5]), 40,
              record="final", schedule="warmup_cosine", tol=1e-3)
    assert used == [None, "shared"]


def test_kernel_less_optimizer_runs_on_the_numpy_path(engines):
    """A kernel is optional: an optimizer without one runs on the numpy loop, under every
    engine setting, with the reference's exact result."""
    plain = dataclasses.replace(OPTIMIZERS["adam"], kernel=None)
    ref, _ = engines(run_batch, "rosenbrock", plain, {"lr": LRS}, np.array([-1.5, 2.0]), 80,
                     record="full", tol=1e-2, expect_compiled=False)
    # the same numbers as the registered Adam (the kernel changes the speed, never the result)
    with_kernel, _ = engines(run_batch, "rosenbrock", "adam", {"lr": LRS}, np.array([-1.5, 2.0]), 80,
                             record="full", tol=1e-2)
    assert_identical(ref, with_kernel)


def test_kernels_name_their_hyperparameters():
    """Every kernel's hyperparameters are parameters named after ``Optimizer.hypers`` keys,
    mapped to table rows by name; a name the optimizer lacks is refused."""
    from optimizers.driver_source import PRECONDITIONER_ARGS, STEP_ARGS, kernel_hyper_rows

    for key in KERNEL_OPTIMIZERS:
        opt = OPTIMIZERS[key]
        for fn, fixed in ((opt.kernel.step, STEP_ARGS), (opt.kernel.preconditioner, PRECONDITIONER_ARGS)):
            rows = kernel_hyper_rows(fn, fixed, opt.hyper_keys)
            assert all(opt.hyper_keys[r] != "lr" for r in rows)

    def bad(p, g, lr, st, new, i, c, sc, d, learning_rate):
        return p

    with pytest.raises(TypeError, match="learning_rate"):
        kernel_hyper_rows(bad, STEP_ARGS, OPTIMIZERS["adam"].hyper_keys)
