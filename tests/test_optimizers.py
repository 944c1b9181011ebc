"""Optimizer contract tests: declarations, hand-computed steps, purity, vectorization, torch."""

from __future__ import annotations

import re

import math

import numpy as np
import pytest
import torch

from optimizers import MOMENTUM_CONVENTIONS, OPTIMIZERS, HyperSpec, Optimizer, run_batch, simulate
from optimizers.base import Explanation
from tests.optim_helpers import local_surface, surface

KEYS = list(OPTIMIZERS)  # every registered optimizer, whatever their number and order

#: A learning rate that makes each optimizer converge on the bowl within 1000 steps (an
#: optimizer not listed uses ADAPTIVE_LR, a step of about 0.1 per coordinate).
ADAPTIVE_LR = 0.1
GOOD_LR = {
    "sgd": 0.2,
    "momentum": 0.05,
    "nesterov": 0.05,
    "adagrad": 1.0,
    "rmsprop": 0.02,
    "adam": 0.1,
    "adamw": 0.1,
}

#: torch.optim's documented defaults (lr for SGD is 1e-3 in torch >= 2.x).
TORCH_DEFAULTS = {
    "sgd": {"lr": 1e-3, "weight_decay": 0.0},
    "momentum": {"lr": 1e-3, "momentum": 0.0, "weight_decay": 0.0},  # torch's momentum is off
    "nesterov": {"lr": 1e-3, "momentum": 0.0, "weight_decay": 0.0},  # (and raises with nesterov)
    "adagrad": {"lr": 1e-2, "eps": 1e-10, "weight_decay": 0.0},
    "rmsprop": {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8, "momentum": 0.0, "weight_decay": 0.0},
    "adam": {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0},
    "adamw": {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 1e-2},
    "nadam": {"lr": 2e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0, "momentum_decay": 4e-3},
    "adamax": {"lr": 2e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0},
    # a teaching variant of torch.optim.Adam: Adam's constructor and defaults, one step changed
    "adam_nobias": {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0},
}

#: Optimizers that depart from a torch optimizer on purpose (no torch call reproduces them):
#: checked against torch's own tensor arithmetic, written out, instead of a torch.optim class.
TEACHING_VARIANTS = {key for key, opt in OPTIMIZERS.items() if opt.teaching_variant_of}


def run(opt: Optimizer, params, grad_fn, steps, hyper):
    params = np.asarray(params, dtype=float)
    state = opt.init(params)
    hyper = opt.resolve(hyper)
    for t in range(1, steps + 1):
        params, state = opt.update(params, grad_fn(params), state, hyper, t)
    return params, state


def grad_of(surf):
    def g(p):
        gx, gy = surf.grad(p[:, 0], p[:, 1])
        return np.stack([gx, gy], axis=-1)

    return g


# --------------------------------------------------------------------------------------------
# Declarations


def good_lr(key: str) -> float:
    return GOOD_LR.get(key, ADAPTIVE_LR)


def test_registry_types():
    for key, opt in OPTIMIZERS.items():
        assert isinstance(opt, Optimizer) and opt.key == key
        assert opt.label and opt.torch.startswith("torch.optim.")
        assert opt.latex.startswith(r"\begin{aligned}") and opt.latex.endswith(r"\end{aligned}")
        assert 2 <= len(re.findall(r"[.!?](?:\s|$)", opt.note)) <= 4  # 2-4 sentences (not decimal points)
        assert all(isinstance(s, HyperSpec) and s.help for s in opt.hypers)
        assert callable(opt.preconditioner) and callable(opt.explain)
        assert callable(opt.stability) and callable(opt.arrow)
        assert len(opt.sweep_axes) == 2 and set(opt.sweep_axes) <= set(opt.hyper_keys)


@pytest.mark.parametrize("key", sorted(TORCH_DEFAULTS))
def test_defaults_are_torch_defaults(key):
    opt = OPTIMIZERS[key]
    torch_defaults = {s.key: s.default if s.torch_default is None else s.torch_default for s in opt.hypers}
    assert torch_defaults == TORCH_DEFAULTS[key]
    if "momentum" in TORCH_DEFAULTS[key] and key != "rmsprop":
        assert opt.defaults()["momentum"] == 0.9  # the app's declared start, said in the help text


@pytest.mark.parametrize("key", KEYS)
def test_defaults_match_torch_signature(key):
    """Live check, for every registered optimizer: each default (or declared torch default)
    is the one in torch.optim's constructor signature."""
    import inspect

    opt = OPTIMIZERS[key]
    cls = getattr(torch.optim, opt.torch.split("(")[0].rsplit(".", 1)[1])
    params = inspect.signature(cls).parameters
    for spec in opt.hypers:
        want = spec.default if spec.torch_default is None else spec.torch_default
        if spec.key in ("beta1", "beta2"):
            got = params["betas"].default[0 if spec.key == "beta1" else 1]
        else:
            got = params[spec.key].default
        assert float(got) == want, spec.key


@pytest.mark.parametrize("key", KEYS)
def test_slider_ranges(key):
    opt = OPTIMIZERS[key]
    lr = opt.spec("lr")
    assert lr.log and lr.low <= 1e-4 and lr.high >= 10
    # (every key is a torch constructor argument: test_defaults_match_torch_signature)
    for spec in opt.hypers:
        assert spec.low <= spec.default <= spec.high or spec.key == "eps"
        if spec.key == "eps":
            assert spec.log
        spec.validate(spec.default)


def test_state_names():
    assert OPTIMIZERS["sgd"].state_names == {}
    assert OPTIMIZERS["momentum"].state_names == {"buf": "velocity b"}
    assert OPTIMIZERS["adagrad"].state_names == {"sum": "accumulated squares s"}
    assert set(OPTIMIZERS["rmsprop"].state_names) == {"square_avg", "buf"}
    assert OPTIMIZERS["adam"].state_names == {"exp_avg": "first moment m", "exp_avg_sq": "second moment v"}
    for opt in OPTIMIZERS.values():
        state = opt.init(np.zeros((3, 2)))
        assert set(opt.state_names) <= set(state)
        for key, value in state.items():  # named vectors are (R, 2); the rest are scalars
            assert np.shape(value) == ((3, 2) if key in opt.state_names else ())


def test_momentum_conventions_text():
    """Both the markdown and sgd.py's docstring state the two equivalences."""
    import optimizers.sgd as sgd_module

    md = MOMENTUM_CONVENTIONS.replace(" ", "").replace("\\,", "")
    assert "v'=-\\eta" in md  # textbook velocity = −η × torch velocity
    assert "\\eta_\\text{torch}=\\eta(1-\\beta)" in md  # EMA form = rescaled lr
    doc = sgd_module.__doc__.replace(" ", "")
    assert "v'=−ηv" in doc and "η_torch=η(1−β)" in doc


def test_momentum_conventions_are_equivalent():
    """The three forms described in MOMENTUM_CONVENTIONS give the same trajectory."""
    bowl = local_surface("bowl")
    grad = grad_of(bowl)
    lr, mu = 0.02, 0.9
    torch_path, _ = run(OPTIMIZERS["momentum"], [[1.5, 1.0]], grad, 40, {"lr": lr, "momentum": mu})
    theta = np.array([[1.5, 1.0]])
    v = np.zeros_like(theta)  # textbook: v <- mu v - lr g ; theta <- theta + v
    theta_ema = theta.copy()
    v_ema = np.zeros_like(theta)  # EMA with lr_ema = lr / (1 - mu)
    for _ in range(40):
        v = mu * v - lr * grad(theta)
        theta = theta + v
        v_ema = mu * v_ema + (1 - mu) * grad(theta_ema)
        theta_ema = theta_ema - lr / (1 - mu) * v_ema
    np.testing.assert_allclose(theta, torch_path, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(theta_ema, torch_path, rtol=1e-9, atol=1e-12)


# --------------------------------------------------------------------------------------------
# Hand-computed steps. θ₀ = (1, −2); g₁ = (0.5, −1); g₂ = (0.2, 0.4) (fixed, not from a surface).

THETA0 = np.array([[1.0, -2.0]])
G1 = np.array([[0.5, -1.0]])
G2 = np.array([[0.2, 0.4]])

HAND = {
    # θ₁ = θ₀ − 0.1 g₁ = (0.95, −1.9); θ₂ = θ₁ − 0.1 g₂ = (0.93, −1.94)
    "sgd": ({"lr": 0.1}, [0.95, -1.9], [0.93, -1.94]),
    # b₁ = g₁ → θ₁ = (0.95, −1.9); b₂ = 0.9 b₁ + g₂ = (0.65, −0.5) → θ₂ = (0.885, −1.85)
    "momentum": ({"lr": 0.1, "momentum": 0.9}, [0.95, -1.9], [0.885, -1.85]),
    # b₁ = g₁, step g₁ + 0.9 b₁ = (0.95, −1.9) → θ₁ = (0.905, −1.81);
    # b₂ = (0.65, −0.5), step g₂ + 0.9 b₂ = (0.785, −0.05) → θ₂ = (0.8265, −1.805)
    "nesterov": ({"lr": 0.1, "momentum": 0.9}, [0.905, -1.81], [0.8265, -1.805]),
    # s₁ = g₁² = (0.25, 1) → θ₁ = θ₀ − 0.1 g₁/√s₁ = (0.9, −1.9) (ε = 1e-10 shifts the 11th digit)
    # s₂ = (0.29, 1.16) → θ₂ = θ₁ − 0.1 (0.2/0.5385165, 0.4/1.0770330) = (0.86286093, −1.93713907)
    "adagrad": ({"lr": 0.1}, [0.90000000002, -1.90000000001], [0.8628609323914862, -1.937139067641962]),
    # v₁ = 0.01 g₁² = (0.0025, 0.01), √v₁ = (0.05, 0.1) → step 0.01·(10, −10) → θ₁ ≈ (0.9, −1.9)
    # v₂ = 0.99 v₁ + 0.01 g₂² = (0.002875, 0.0115) → θ₂ = θ₁ − 0.01 (0.2/0.0536190, 0.4/0.1072381)
    "rmsprop": ({"lr": 0.01}, [0.900000019999996, -1.900000009999999], [0.8626998346269039, -1.937300198851351]),
    # m̂₁ = g₁, v̂₁ = g₁² → θ₁ = θ₀ − 0.1·sign(g₁) ≈ (0.9, −1.9)
    # m₂ = (0.065, −0.05), v₂ = (0.00028975, 0.001159); m̂₂ = m₂/0.19, v̂₂ = v₂/0.001999
    # x: 0.1·0.342105/√0.144947 = 0.0898575 → 0.8101425; y: 0.1·0.263158/√0.579790 = 0.0345606
    "adam": ({"lr": 0.1}, [0.900000002, -1.900000001], [0.8101424839029282, -1.865439416662626]),
    # AdamW shrinks θ by (1 − 0.1·0.01) = 0.999 first: θ₁ = (0.999 − 0.1, −1.998 + 0.1)
    # θ₂ = 0.999 θ₁ − (same Adam step as above)
    "adamw": ({"lr": 0.1, "weight_decay": 0.01}, [0.899000002, -1.898000001], [0.8082434839009282, -1.861541416661626]),
}


@pytest.mark.parametrize("key", sorted(HAND))
def test_hand_computed_steps(key):
    opt = OPTIMIZERS[key]
    hyper, first, second = HAND[key]
    hyper = opt.resolve(hyper)
    state = opt.init(THETA0)
    p1, state = opt.update(THETA0, G1, state, hyper, 1)
    np.testing.assert_allclose(p1[0], first, rtol=1e-12, atol=1e-15)
    p2, state = opt.update(p1, G2, state, hyper, 2)
    np.testing.assert_allclose(p2[0], second, rtol=1e-12, atol=1e-15)


def test_hand_computed_weight_decay_sgd_and_adam_l2():
    # SGD: g' = g₁ + 0.1 θ₀ = (0.6, −1.2) → θ₁ = θ₀ − 0.1 g' = (0.94, −1.88)
    sgd = OPTIMIZERS["sgd"]
    p1, _ = sgd.update(THETA0, G1, {}, sgd.resolve({"lr": 0.1, "weight_decay": 0.1}), 1)
    np.testing.assert_allclose(p1[0], [0.94, -1.88], rtol=1e-14)
    # Adam L2: the first step is still lr·sign(g'), g' = (0.6, −1.2) → θ₁ ≈ (0.9, −1.9)
    adam = OPTIMIZERS["adam"]
    h = adam.resolve({"lr": 0.1, "weight_decay": 0.1})
    p1, s1 = adam.update(THETA0, G1, adam.init(THETA0), h, 1)
    np.testing.assert_allclose(s1["exp_avg"][0], [0.06, -0.12], rtol=1e-12)
    np.testing.assert_allclose(p1[0], [0.9, -1.9], rtol=1e-7)


def test_rmsprop_momentum_by_hand():
    # v₁ = (0.0025, 0.01), b₁ = g₁/√v₁ = (10, −10) → θ₁ = θ₀ − 0.01 b₁ = (0.9, −1.9)
    # v₂ = (0.002875, 0.0115), b₂ = 0.5 b₁ + g₂/√v₂ = (5 + 3.7300, −5 + 3.7300)
    opt = OPTIMIZERS["rmsprop"]
    h = opt.resolve({"lr": 0.01, "momentum": 0.5, "eps": 0.0})
    p1, s1 = opt.update(THETA0, G1, opt.init(THETA0), h, 1)
    np.testing.assert_allclose(s1["buf"][0], [10.0, -10.0], rtol=1e-12)
    np.testing.assert_allclose(p1[0], [0.9, -1.9], rtol=1e-12)
    p2, s2 = opt.update(p1, G2, s1, h, 2)
    q = 0.2 / math.sqrt(0.002875)  # = 0.4/√0.0115 = 3.7300192...
    np.testing.assert_allclose(s2["buf"][0], [5 + q, -5 + q], rtol=1e-12)
    np.testing.assert_allclose(p2[0], [0.9 - 0.01 * (5 + q), -1.9 - 0.01 * (q - 5)], rtol=1e-12)


# --------------------------------------------------------------------------------------------
# Behaviour on surfaces


@pytest.mark.parametrize("key", KEYS)
def test_converges_on_bowl_from_default_start(key):
    bowl = surface("bowl")
    opt = OPTIMIZERS[key]
    hyper = opt.resolve({"lr": good_lr(key)})
    p, state = run(opt, [bowl.start], grad_of(bowl), 1000, hyper)
    assert bowl.distance_to_nearest_minimum(p)[0] < 0.05
    for value in state.values():
        assert np.all(np.isfinite(value))


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("surface_key", ["bowl", "rosenbrock", "regression"])
def test_pure_finite_and_vectorized(key, surface_key):
    """update never mutates its inputs; R runs at once equal R separate runs."""
    surf = surface(surface_key)
    opt = OPTIMIZERS[key]
    lr = 2e-4 if opt.stability(opt.resolve({}), 1.0) is not None else good_lr(key) / 20  # Rosenbrock-safe
    hyper = opt.resolve({"lr": lr})
    grad = grad_of(surf)
    starts = np.array([surf.start, [0.5, -0.5], [-1.0, 1.5]], dtype=float)
    params = starts.copy()
    state = opt.init(params)
    for t in range(1, 31):
        g = grad(params)
        frozen = [params.copy(), g.copy(), {k: np.copy(v) for k, v in state.items()}]
        for arr in (params, g, *state.values()):
            if isinstance(arr, np.ndarray):
                arr.flags.writeable = False  # any in-place write raises
        new_params, new_state = opt.update(params, g, state, hyper, t)
        np.testing.assert_array_equal(params, frozen[0])
        np.testing.assert_array_equal(g, frozen[1])
        for k in state:
            np.testing.assert_array_equal(state[k], frozen[2][k])
        params, state = new_params, new_state
    assert np.all(np.isfinite(params))
    for value in state.values():
        assert np.all(np.isfinite(value))
    for i, s in enumerate(starts):
        single, single_state = run(opt, [s], grad, 30, hyper)
        np.testing.assert_array_equal(params[i], single[0])
        for k in opt.state_names:
            np.testing.assert_array_equal(state[k][i], single_state[k][0])


@pytest.mark.parametrize("key", KEYS)
def test_per_run_hyper_arrays_equal_separate_runs(key):
    surf = surface("rosenbrock")
    opt = OPTIMIZERS[key]
    grad = grad_of(surf)
    lrs = np.array([1e-4, 3e-4, 1e-3])
    extra = {}
    if "momentum" in opt.hyper_keys:
        extra["momentum"] = np.array([0.1, 0.5, 0.9])
    if "beta1" in opt.hyper_keys:
        extra["beta1"] = np.array([0.8, 0.9, 0.95])
        extra["beta2"] = np.array([0.99, 0.999, 0.9])
    if "alpha" in opt.hyper_keys:
        extra["alpha"] = np.array([0.9, 0.99, 0.5])
    hyper = opt.resolve({"lr": lrs[:, None], **{k: v[:, None] for k, v in extra.items()}})
    starts = np.tile(surf.start, (3, 1)).astype(float)
    together, _ = run(opt, starts, grad, 40, hyper)
    for i in range(3):
        single_hyper = opt.resolve({"lr": lrs[i], **{k: v[i] for k, v in extra.items()}})
        single, _ = run(opt, starts[i : i + 1], grad, 40, single_hyper)
        np.testing.assert_allclose(together[i], single[0], rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("key", KEYS)
def test_per_coordinate_hyper_and_float32(key):
    opt = OPTIMIZERS[key]
    surf = local_surface("bowl")
    grad = grad_of(surf)
    p32 = np.array([[1.5, 1.0], [0.3, -0.2]], dtype=np.float32)
    hyper = opt.resolve({"lr": np.array([[0.01, 0.02]])})
    state = opt.init(p32)
    for t in range(1, 6):
        p32, state = opt.update(p32, grad(p32).astype(np.float32), state, hyper, t)
        assert p32.dtype == np.float32
        assert all(v.dtype == np.float32 for v in state.values() if isinstance(v, np.ndarray))
    assert np.all(np.isfinite(p32))
    pre = opt.preconditioner(state, hyper, 5)
    assert np.all(np.isfinite(pre)) and np.all(pre > 0)


@pytest.mark.parametrize("key", ["sgd", "adagrad", "adam", "adamw"])
def test_preconditioner_is_the_effective_lr(key):
    """lr × preconditioner × (the update's direction) reproduces the step actually taken."""
    opt = OPTIMIZERS[key]
    hyper = opt.resolve({"lr": 0.1, "weight_decay": 0.0})
    params = np.array([[1.0, -2.0]])
    state = opt.init(params)
    p1, state = opt.update(params, G1, state, hyper, 1)
    p2, state2 = opt.update(p1, G2, state, hyper, 2)
    direction = {"sgd": G2, "adagrad": G2}.get(key, state2.get("exp_avg"))
    eff = 0.1 * opt.preconditioner(state2, hyper, 2)
    np.testing.assert_allclose(p1 - p2, eff * direction, rtol=1e-12)


@pytest.mark.parametrize(
    "key, hyper, name",
    [
        ("sgd", {"lr": -0.1}, "lr"),
        ("adam", {"lr": float("nan")}, "lr"),
        ("adam", {"beta1": 1.0}, "beta1"),
        ("adamw", {"beta2": -0.1}, "beta2"),
        ("rmsprop", {"eps": -1e-8}, "eps"),
        ("adagrad", {"eps": -1.0}, "eps"),
        ("momentum", {"momentum": -0.5}, "momentum"),
        ("nesterov", {"momentum": -0.1}, "momentum"),
        ("rmsprop", {"alpha": 1.5}, "alpha"),
        ("sgd", {"weight_decay": -1.0}, "weight_decay"),
        ("adam", {"lr": np.array([0.1, -0.1])}, "lr"),
    ],
)
def test_invalid_hyper_raises_naming_it(key, hyper, name):
    with pytest.raises(ValueError, match=name):
        OPTIMIZERS[key].resolve(hyper)


# --------------------------------------------------------------------------------------------
# Reference comparison with live torch.optim (torch is a test requirement: these must run in CI)

TORCH_CASES = {
    "sgd": ("SGD", {"lr": 1e-4, "weight_decay": 0.1}, lambda h: {"lr": h["lr"], "weight_decay": 0.1}),
    "momentum": (
        "SGD",
        {"lr": 1e-4, "momentum": 0.9, "weight_decay": 0.05},
        lambda h: {"lr": h["lr"], "momentum": 0.9, "weight_decay": 0.05},
    ),
    "nesterov": (
        "SGD",
        {"lr": 1e-4, "momentum": 0.8},
        lambda h: {"lr": h["lr"], "momentum": 0.8, "nesterov": True},
    ),
    "adagrad": ("Adagrad", {"lr": 0.1, "weight_decay": 0.01}, lambda h: {"lr": 0.1, "weight_decay": 0.01}),
    "rmsprop": (
        "RMSprop",
        {"lr": 1e-3, "momentum": 0.5, "weight_decay": 0.01},
        lambda h: {"lr": 1e-3, "alpha": 0.99, "eps": 1e-8, "momentum": 0.5, "weight_decay": 0.01},
    ),
    "adam": (
        "Adam",
        {"lr": 0.05, "beta1": 0.8, "weight_decay": 0.01},
        lambda h: {"lr": 0.05, "betas": (0.8, 0.999), "eps": 1e-8, "weight_decay": 0.01},
    ),
    "adamw": (
        "AdamW",
        {"lr": 0.05, "beta2": 0.99, "weight_decay": 0.1},
        lambda h: {"lr": 0.05, "betas": (0.9, 0.99), "eps": 1e-8, "weight_decay": 0.1},
    ),
    "nadam": (
        "NAdam",
        {"lr": 0.05, "beta1": 0.8, "weight_decay": 0.01, "momentum_decay": 0.01},
        lambda h: {"lr": 0.05, "betas": (0.8, 0.999), "eps": 1e-8, "weight_decay": 0.01, "momentum_decay": 0.01},
    ),
    "adamax": (
        "Adamax",
        {"lr": 0.05, "beta1": 0.4, "beta2": 0.99, "eps": 1e-6, "weight_decay": 0.01},
        lambda h: {"lr": 0.05, "betas": (0.4, 0.99), "eps": 1e-6, "weight_decay": 0.01},
    ),
}


def test_every_registered_optimizer_is_compared_with_torch():
    """A new optimizer is not done until its defaults and its steps are checked against torch."""
    assert set(OPTIMIZERS) == set(TORCH_DEFAULTS) == set(TORCH_CASES) | TEACHING_VARIANTS
    assert TEACHING_VARIANTS == {"adam_nobias"}  # each variant has its written-out torch test


@pytest.mark.parametrize("surface_key", ["rosenbrock", "bowl"])
@pytest.mark.parametrize("hyper", [{"lr": 0.05}, {"lr": 0.02, "beta1": 0.4, "beta2": 0.99, "weight_decay": 0.1}])
def test_adam_without_bias_correction_is_torch_adams_arithmetic_without_the_corrections(surface_key, hyper):
    """torch.optim.Adam's step (lerp_, mul_/addcmul_, sqrt/add_, addcdiv_) with m̂ = m and
    v̂ = v, in float64, to the tolerance of the torch.optim comparisons (torch's CPU kernels may
    fuse a multiply-add now and then: tests/golden/measure_drift.py). Torch has no switch for it."""
    opt = OPTIMIZERS["adam_nobias"]
    assert opt.teaching_variant_of == "adam" and "no switch" in opt.torch
    h = opt.resolve(hyper)
    surf = local_surface(surface_key)
    params = np.array([[-1.2, 1.0]]) if surface_key == "rosenbrock" else np.array([[1.5, 1.0]])
    state = opt.init(params)
    p = torch.tensor(params[0].copy(), dtype=torch.float64)
    m, v = torch.zeros(2, dtype=torch.float64), torch.zeros(2, dtype=torch.float64)
    for t in range(1, 51):
        params, state = opt.update(params, grad_of(surf)(params), state, h, t)
        g = torch.tensor(surf.grad(p[0].item(), p[1].item()), dtype=torch.float64)
        g = g.add(p, alpha=h["weight_decay"])
        m.lerp_(g, 1 - h["beta1"])
        v.mul_(h["beta2"]).addcmul_(g, g, value=1 - h["beta2"])
        p.addcdiv_(m, v.sqrt().add_(h["eps"]), value=-h["lr"])
        np.testing.assert_allclose(params[0], p.numpy(), rtol=1e-9, atol=1e-12)


def test_adam_without_bias_correction_first_step_is_3_point_2_lr():
    """Both averages start at 0: m₁ = 0.1 g, √v₁ = √0.001 |g|, so step 1 is 0.1/√0.001 ≈ 3.16 η
    per coordinate where Adam's is η (the note's "larger than Adam's, not smaller")."""
    theta = np.array([[1.0, -2.0]])
    g = np.array([[0.3, -5.0]])
    for key, factor in (("adam_nobias", 0.1 / math.sqrt(0.001)), ("adam", 1.0)):
        opt = OPTIMIZERS[key]
        p1, _ = opt.update(theta, g, opt.init(theta), opt.resolve({"lr": 0.1}), 1)
        np.testing.assert_allclose(np.abs(p1 - theta), 0.1 * factor, rtol=1e-5)  # up to ε


@pytest.mark.parametrize("key", sorted(TORCH_CASES))
@pytest.mark.parametrize("surface_key", ["rosenbrock", "bowl"])
@pytest.mark.parametrize("use_defaults", [False, True])
def test_matches_torch(key, surface_key, use_defaults):
    surf = local_surface(surface_key)
    opt = OPTIMIZERS[key]
    cls_name, ours, theirs = TORCH_CASES[key]
    if use_defaults:  # torch's defaults, except where the app declares it starts elsewhere
        hyper = opt.resolve({})
        kwargs = {s.key: s.default for s in opt.hypers if s.torch_default not in (None, s.default)}
        if "nesterov=True" in opt.torch:
            kwargs["nesterov"] = True
    else:
        hyper = opt.resolve(ours)
        kwargs = theirs(hyper)
    start = np.array([[-1.2, 1.0]]) if surface_key == "rosenbrock" else np.array([[1.5, 1.0]])
    p_t = torch.tensor(start[0].copy(), dtype=torch.float64, requires_grad=True)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # NAdam keeps mu_product in the default dtype
    try:
        t_opt = getattr(torch.optim, cls_name)([p_t], **kwargs)
        _step_both(opt, surf, start, hyper, p_t, t_opt)
    finally:
        torch.set_default_dtype(previous)


def _step_both(opt, surf, start, hyper, p_t, t_opt):
    params = start.copy()
    state = opt.init(params)
    for t in range(1, 51):
        g = grad_of(surf)(params)
        params, state = opt.update(params, g, state, hyper, t)
        with torch.no_grad():
            gt = np.array(surf.grad(p_t[0].item(), p_t[1].item()), dtype=float)
        p_t.grad = torch.tensor(gt, dtype=torch.float64)
        t_opt.step()
        np.testing.assert_allclose(params[0], p_t.detach().numpy(), rtol=1e-9, atol=1e-12)


def test_nadam_first_step_by_hand():
    """θ₁ = θ₀ − η sign(g)(1 + 0.1 μ₂/(1 − μ₁μ₂)): v̂₁ = g², m₁ = 0.1 g, and the g-term's
    weight (1 − μ₁)/(1 − Π₁) is exactly 1 (μ_t = 0.9(1 − ½·0.96^(0.004 t)))."""
    opt = OPTIMIZERS["nadam"]
    mu1, mu2 = (0.9 * (1 - 0.5 * 0.96 ** (0.004 * t)) for t in (1, 2))
    p1, state = opt.update(THETA0, G1, opt.init(THETA0), opt.resolve({"lr": 0.1}), 1)
    expected = THETA0[0] - 0.1 * np.sign(G1[0]) * (1 + 0.1 * mu2 / (1 - mu1 * mu2))
    np.testing.assert_allclose(p1[0], expected, rtol=1e-7)
    assert state["count"] == 1 and state["mu_product"] == pytest.approx(mu1, rel=1e-15)


def test_resolve_accepts_lists_and_names_non_numbers():
    opt = OPTIMIZERS["adam"]
    resolved = opt.resolve({"lr": [0.1, 0.2]})
    assert isinstance(resolved["lr"], np.ndarray)
    for bad in ("fast", None, [0.1, "x"]):
        with pytest.raises(ValueError, match="lr"):
            opt.resolve({"lr": bad})


# --------------------------------------------------------------------------------------------
# What each optimizer declares for the app: every claim computed with the engine


@pytest.mark.parametrize("key", KEYS)
def test_resolve_rejects_an_unknown_hyperparameter(key):
    """A typo must not silently run with the default."""
    with pytest.raises(ValueError, match="learning_rate"):
        OPTIMIZERS[key].resolve({"learning_rate": 0.1})


def _lively_hyper(opt: Optimizer) -> dict:
    """Settings that switch every part of a rule on: weight decay, momentum, a small lr."""
    hyper = {"lr": 0.01}
    if "weight_decay" in opt.hyper_keys:
        hyper["weight_decay"] = 0.05
    if "momentum" in opt.hyper_keys:
        hyper["momentum"] = 0.5
    return opt.resolve(hyper)


@pytest.mark.parametrize("key", KEYS)
def test_explanation_lands_on_the_engines_next_point(key):
    """The inspector renders ``Optimizer.explain``; its substituted numbers end on θ_{k+1} as
    simulated (with noise and a schedule, so g and lr are the recorded ones), and the shown
    result is that point's numbers."""
    from optimizers import make_schedule
    from optimizers.explain import vec
    from ui.inspector import substituted_rule

    opt = OPTIMIZERS[key]
    hyper = _lively_hyper(opt)
    df = simulate("rosenbrock", key, hyper, (-1.5, 2.0), 15, noise=0.3, seed=3,
                  schedule=make_schedule("step", step_size=5, gamma=0.5))
    points = df[["x", "y"]].to_numpy()
    for k in range(len(df) - 1):
        latex, new = substituted_rule(opt, df, k, hyper)
        np.testing.assert_allclose(new, points[k + 1], rtol=1e-13, atol=1e-15)
        assert latex.startswith(r"\begin{aligned}") and latex.endswith(vec(new) + r"\end{aligned}")
        assert rf"\theta_{{{k + 1}}}" in latex
    assert substituted_rule(opt, df, len(df) - 1, hyper) is None
    direct = opt.explain(points[0], df[["gx", "gy"]].to_numpy()[1], opt.init(points[:1]), dict(hyper, lr=df["lr"][1]), 1)
    assert isinstance(direct, Explanation)


@pytest.mark.parametrize("key", KEYS)
def test_arrow_declarations(key):
    """The velocity arrow is a finite (n, 2) vector or None; SGD has none, momentum draws b."""
    opt = OPTIMIZERS[key]
    hyper = _lively_hyper(opt)
    df = simulate("bowl", key, hyper, steps=20)
    states = {n: df[[f"{n}_x", f"{n}_y"]].to_numpy()[1:] for n in opt.state_names}
    vel = opt.arrow(states, hyper, np.arange(1, 21, dtype=float))
    assert vel is None or (np.shape(vel) == (20, 2) and np.all(np.isfinite(vel)))
    if key == "sgd":
        assert vel is None
    if key == "momentum":
        np.testing.assert_array_equal(vel, states["buf"])
    if key == "rmsprop":
        assert opt.arrow(states, opt.resolve({"momentum": 0.0}), np.arange(1, 21)) is None
        assert "buf" not in opt.shown_states({"momentum": 0.0}) and "buf" in opt.shown_states({"momentum": 0.5})


@pytest.mark.parametrize("key", KEYS)
def test_sweep_axes_run_in_the_engine(key):
    """The two declared sweep-map axes are real hyperparameters a grid can vary."""
    from optimizers import sweep

    opt = OPTIMIZERS[key]
    axes = {}
    for name in opt.sweep_axes:
        spec = opt.spec(name)
        lo = max(spec.low, spec.valid_low + 1e-12) if spec.low_open else spec.low
        axes[name] = np.geomspace(lo, spec.high, 3) if spec.log and lo > 0 else np.linspace(lo, spec.high * 0.99, 3)
    res = sweep("bowl", key, axes, steps=20, tol=None)
    assert res.final_loss.shape == (3, 3) and res.keys == opt.sweep_axes


def _diverges(key: str, surface_key: str, hyper: dict, steps: int = 5000) -> bool:
    from optimizers import run_batch

    res = run_batch(surface_key, key, hyper, surface(surface_key).start, steps, record="final")
    return bool(res.diverged_at[0] >= 0)


@pytest.mark.parametrize("key", KEYS)
def test_declared_stability_limits_hold_in_the_engine(key):
    """Below a declared limit the engine's run stays bounded; 3 % above it, it diverges."""
    from lessons.stability import stability_limit, verdict

    opt = OPTIMIZERS[key]
    bowl = surface("bowl")
    lam = max(bowl.hessian_eigs)
    hyper = _lively_hyper(opt)
    limit = stability_limit(opt, hyper, lam)
    if limit is None:
        return  # adaptive: no fixed limit declared
    assert verdict(0.97 * limit.limit, limit) == "stable" and not _diverges(key, "bowl", dict(hyper, lr=0.97 * limit.limit))
    assert verdict(1.03 * limit.limit, limit) == "diverges" and _diverges(key, "bowl", dict(hyper, lr=1.03 * limit.limit))


def test_nesterov_tolerates_smaller_rates_than_heavy_ball():
    """On the bowl (λmax = 2) at μ = 0.9 Nesterov diverges at lr 0.69 (its declared
    limit 2(1+μ)/((1+2μ)λ) = 0.679) while heavy ball is stable up to 2(1+μ)/λ = 1.9."""
    nest, heavy = OPTIMIZERS["nesterov"], OPTIMIZERS["momentum"]
    h = {"momentum": 0.9, "weight_decay": 0.0}
    n_lim = nest.stability(nest.resolve(h), 2.0).limit
    m_lim = heavy.stability(heavy.resolve(h), 2.0).limit
    assert round(n_lim, 3) == 0.679 and round(m_lim, 3) == 1.9
    assert _diverges("nesterov", "bowl", dict(h, lr=0.69)) and not _diverges("nesterov", "bowl", dict(h, lr=0.67))
    assert not _diverges("momentum", "bowl", dict(h, lr=1.89)) and _diverges("momentum", "bowl", dict(h, lr=1.92))
    assert "tolerates smaller learning rates" in nest.note and "larger" not in nest.note


@pytest.mark.parametrize("surface_key, lr", [("bowl", 1.0), ("rotated_quadratic", 2.0)])
def test_rate_at_the_limit_is_the_edge_not_divergence(surface_key, lr):
    """SGD exactly at 2/λmax oscillates with constant amplitude: the engine never
    flags it, and the badge says so instead of "diverges"."""
    from optimizers import run_batch
    from lessons.stability import VERDICTS, stability_limit, verdict

    surf = surface(surface_key)
    opt = OPTIMIZERS["sgd"]
    limit = stability_limit(opt, {"lr": lr}, max(surf.hessian_eigs))
    assert verdict(lr, limit) == "edge" and "oscillates without shrinking" in VERDICTS["edge"]
    res = run_batch(surf, "sgd", {"lr": lr}, surf.start, 2000)
    assert res.diverged_at[0] == -1
    loss = res.loss[:, 0]
    later = loss[-200:]
    # the stiff direction keeps its amplitude: the loss stops falling at a constant level
    assert later.min() > 0.2 * loss[0] and later.max() - later.min() <= 1e-9 * later.max()


def test_nesterov_needs_positive_momentum():
    """torch raises for SGD(momentum=0, nesterov=True); so do resolve and the slider."""
    opt = OPTIMIZERS["nesterov"]
    with pytest.raises(ValueError, match="momentum"):
        opt.resolve({"momentum": 0.0})
    assert opt.spec("momentum").low > 0
    with pytest.raises(ValueError):
        torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.1, momentum=0.0, nesterov=True)


def test_rmsprop_first_step_divides_by_a_tenth_of_g():
    """v₁ = (1 − α) g², so √v₁ = 0.1|g| at α = 0.99 and the first step is ≈ 10η."""
    import optimizers.rmsprop as rmsprop_module

    assert "0.1|g|" in rmsprop_module.__doc__
    lr = 1e-3
    df = simulate("bowl", "rmsprop", {"lr": lr}, steps=1)
    g = df[["gx", "gy"]].to_numpy()[1]
    np.testing.assert_allclose(np.sqrt(df[["square_avg_x", "square_avg_y"]].to_numpy()[1]), 0.1 * np.abs(g), rtol=1e-12)
    np.testing.assert_allclose(np.abs(df[["dx", "dy"]].to_numpy()[1]), 10 * lr, rtol=1e-6)


def test_default_help_and_about_note_state_both_defaults():
    """The μ help says the app's default and torch's; the About note lists exactly the
    defaults that differ from torch's (the live signature test checks the rest are torch's)."""
    from ui.controls import PYTORCH_NOTE

    for opt in OPTIMIZERS.values():
        for spec in opt.hypers:
            text = spec.default_text()
            assert f"{spec.default:g}" in text
            if spec.torch_default is not None and spec.torch_default != spec.default:
                assert f"PyTorch's default: {spec.torch_default:g}" in text
                assert f"{opt.label} starts at {spec.key} = {spec.default:g}" in PYTORCH_NOTE
            else:
                assert "PyTorch's too" in text
    assert OPTIMIZERS["momentum"].spec("momentum").default_text() == "Default here: 0.9; PyTorch's default: 0."


@pytest.mark.parametrize(
    "key, axes",
    [
        ("adam", {"beta1": [0.0, 0.3, 0.5, 0.6, 0.9], "beta2": [0.5, 0.9, 0.999, 0.9999, 0.95]}),
        ("adamw", {"beta1": [0.2, 0.5, 0.7, 0.9, 0.99], "beta2": [0.9, 0.99, 0.999, 0.9, 0.7]}),
        ("nadam", {"beta1": [0.1, 0.5, 0.9, 0.9, 0.6], "momentum_decay": [1e-4, 4e-3, 4e-3, 0.1, 0.02]}),
        ("rmsprop", {"alpha": [0.0, 0.5, 0.9, 0.99, 0.999], "momentum": [0.0, 0.0, 0.5, 0.9, 0.0]}),
    ],
)
def test_per_run_betas_give_each_run_the_bits_of_a_single_run(key, axes):
    """torch's β ** t, lerp branch and scalar arithmetic, per run: a sweep cell equals the run
    alone bit for bit (numpy's vectorized pow rounds unlike the C library's in ~1 case in 10)."""
    beale = surface("beale")
    n = len(next(iter(axes.values())))
    hyper = {"lr": 0.01, **{k: np.array(v) for k, v in axes.items()}}
    batch = run_batch(beale, key, hyper, np.array(beale.start), 300, record="path")
    for r in range(n):
        alone = run_batch(beale, key, {"lr": 0.01, **{k: v[r] for k, v in axes.items()}},
                          np.array(beale.start), 300, record="path")
        np.testing.assert_array_equal(batch.path[:, r], alone.path[:, 0])


def test_short_number_is_the_prose_formatter():
    from optimizers.explain import short_number

    assert short_number(2.1e-9, 2) == "2.1e-9"
    assert short_number(0.000722) == "0.000722"
    assert short_number(123456.0) == "1.23e5"
    assert short_number(float("inf"), inf="never") == "never"
    assert short_number(-float("inf")) == "-inf"
    assert short_number(0.3, 2) == "0.3"


def test_adamax_moves_each_coordinate_by_at_most_1_01_lr():
    """Adamax's note: with the default β's no coordinate moves by more than 1.01 η in a step,
    whatever the gradient's scale. Since u_t ≥ β₂^(t−k)|g_k| for every past k, the step over η is
    at most (1 − β₁)/(1 − β₁/β₂) · (1 − (β₁/β₂)ᵗ)/(1 − β₁ᵗ), below 1.0091 for β₁ = 0.9,
    β₂ = 0.999; checked here on every built-in surface from its start, at three gradient scales."""
    from surfaces import SURFACES

    opt = OPTIMIZERS["adamax"]
    assert "at most 1.01 η per step" in opt.note
    lr = 0.01
    worst = 0.0
    for surface in SURFACES.values():
        for scale in (1e-6, 1.0, 1e6):
            params = np.asarray([surface.start], dtype=float)
            state = opt.init(params)
            hyper = opt.resolve({"lr": lr})
            for t in range(1, 301):
                gx, gy = surface.grad(params[:, 0], params[:, 1])
                g = np.stack([gx, gy], axis=1) * scale
                new, state = opt.update(params, g, state, hyper, t)
                worst = max(worst, float(np.max(np.abs(new - params))) / lr)
                params = new
    assert 0.9 < worst <= 1.01, worst


@pytest.mark.parametrize("surface_key, hyper", [("bowl", {"lr": 0.05, "momentum": 0.9}),
                                                ("rosenbrock", {"lr": 1e-3, "momentum": 0.95, "weight_decay": 0.1})])
def test_nesterov_course_form_is_torchs_in_other_coordinates(surface_key, hyper):
    """The course's Nesterov (Sutskever: ṽ ← μṽ − η∇f(θ̃ + μṽ), θ̃ ← θ̃ + ṽ), run on its own,
    shifted to its look-ahead point θ̃ + μṽ, is the path the app plots (torch's θ), and ṽ = −ηb:
    what the declaration's LaTeX and the inspector say."""
    opt = OPTIMIZERS["nesterov"]
    h = opt.resolve(hyper)
    surf = local_surface(surface_key)
    start = np.array([[-1.2, 1.0]]) if surface_key == "rosenbrock" else np.array([[1.5, 1.0]])
    lr, mu, wd = h["lr"], h["momentum"], h["weight_decay"]
    theta, v = start[0].copy(), np.zeros(2)
    params, state = start.copy(), opt.init(start)
    for t in range(1, 201):
        ahead = theta + mu * v
        g = np.array(surf.grad(ahead[0], ahead[1]), dtype=float) + wd * ahead
        v = mu * v - lr * g
        theta = theta + v
        params, state = opt.update(params, grad_of(surf)(params), state, h, t)
        np.testing.assert_allclose(theta + mu * v, params[0], rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(v, -lr * state["buf"][0], rtol=1e-10, atol=1e-13)
    # the inspector writes both forms with numbers, and the course's ends at the plotted θ
    shown = opt.explain(params[0], grad_of(surf)(params)[0], state, h, 201)
    from optimizers.explain import vec

    assert r"\tilde\theta_{201} + \mu\tilde v_{201}" in shown.lines[-2]
    assert shown.lines[-2].endswith(vec(shown.params)) and shown.lines[-1].endswith(vec(shown.params))
    assert "(torch's form, plotted)" in shown.lines[-1]
    assert r"\theta_t &= \tilde\theta_t + \mu\,\tilde v_t, \quad \tilde v_t = -\eta\, b_t" in opt.latex
    assert r"\text{torch (the path plots } \theta" in opt.latex
    assert r"g_t \text{ at } \tilde\theta_{t-1} + \mu\,\tilde v_{t-1}" in opt.latex


def test_rmsprop_alpha_help_gives_the_course_value_and_torchs():
    """The course writes ρ and says it is usually 0.9; torch's α defaults to 0.99."""
    import inspect

    spec = OPTIMIZERS["rmsprop"].spec("alpha")
    assert "ρ is usually 0.9" in spec.help and "torch's default is 0.99" in spec.help
    assert spec.default == 0.99 == inspect.signature(torch.optim.RMSprop).parameters["alpha"].default
