"""Record torch.optim trajectories into ``torch_paths.json`` (run by hand with torch 2.13).

Why a recording: "semantics follow torch.optim exactly" is a promise the suite must keep on
every change, and a replay of stored paths checks it in well under a second, far more cases
than the live comparisons could afford. This script runs torch 2.13 (float64, CPU, the default
single-tensor kernels) on every optimizer of ``optimizers.OPTIMIZERS`` × several built-in
surfaces × settings (weight decay, every schedule of ``optimizers.SCHEDULES``, gradient
clipping, gradient noise, extreme β, a large ε), and stores the positions.
``tests/test_recorded_torch_paths.py`` replays every case with the engine and checks the recording
against live torch (torch is a test requirement, pinned to the release recorded here).

The gradient fed to torch is the surface's own numpy gradient at torch's current point (the
fixture checks the optimizer arithmetic, not autograd), with the engine's documented oracle:
step t adds ``noise * z[t-1]`` (``z = default_rng(seed).standard_normal((steps, 2))``), then
``torch.nn.utils.clip_grad_norm_`` clips, then ``optimizer.step()`` and ``scheduler.step()``.
Schedules map to torch's LR schedulers as ``optimizers/schedules.py`` documents; the script
checks torch's learning rate against ``Schedule.factor`` at every update, so a wrong mapping
fails here rather than as a mysterious path difference.

Usage (from the repository root)::

    pip install torch==2.13.0
    python -m tests.golden.record_torch          # rewrites tests/golden/torch_paths.json
    python -m tests.golden.record_torch --append # records only the cases it lacks

A new optimizer needs one line in ``TORCH_CLASSES`` and a learning rate family in ``FAMILY``;
``test_every_optimizer_is_recorded`` fails until it has been recorded.

The recording is torch on the CPU it ran on, to the last bit: torch's CPU ``Tensor.sqrt`` goes
through MKL, whose result is not always correctly rounded (measured: 0.7% of float64 values
with MKL's AVX-512 code, 1.4% with its AVX2 code, each one unit in the last place off), and
MKL picks its code by the CPU (``MKL_ENABLE_INSTRUCTIONS`` shows it).
Recorded again on another CPU, a few cases (an adaptive optimizer's denominator) can move by
about 1e-17 of the path's scale; the golden tolerance is far above that.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np

from optimizers import OPTIMIZERS, SCHEDULES, make_schedule
from surfaces import SURFACES

FIXTURE = Path(__file__).with_name("torch_paths.json")

#: optimizer key -> (torch.optim class, extra keyword arguments)
TORCH_CLASSES = {
    "sgd": ("SGD", {}),
    "momentum": ("SGD", {}),
    "nesterov": ("SGD", {"nesterov": True}),
    "adagrad": ("Adagrad", {}),
    "rmsprop": ("RMSprop", {}),
    "adam": ("Adam", {}),
    "adamw": ("AdamW", {}),
    "nadam": ("NAdam", {}),
    "adamax": ("Adamax", {}),
}

#: Learning rates that move visibly but stay bounded for the recorded number of steps. The
#: gradient family scales with curvature; the adaptive family takes steps of about lr.
FAMILY = {
    "sgd": "gradient",
    "momentum": "gradient",
    "nesterov": "gradient",
    "adagrad": "adaptive",
    "rmsprop": "adaptive",
    "adam": "adaptive",
    "adamw": "adaptive",
    "nadam": "adaptive",
    "adamax": "adaptive",
}
LR = {
    "gradient": {
        "bowl": 0.3,
        "rosenbrock": 2e-4,
        "beale": 2e-3,
        "saddle": 0.05,
        "himmelblau": 3e-3,
        "six_hump_camel": 0.01,
    },
    "adaptive": {
        "bowl": 0.2,
        "rosenbrock": 0.01,
        "beale": 0.01,
        "saddle": 0.05,
        "himmelblau": 0.05,
        "six_hump_camel": 0.02,
    },
}
#: RMSprop's unbiased start moves ~10 lr; AdaGrad's steps shrink like 1/√t.
LR_SCALE = {"rmsprop": 0.3, "adagrad": 3.0}

SURFACE_KEYS = tuple(LR["gradient"])
SETTINGS_SURFACE = "rosenbrock"
STEPS = 60

#: Schedule parameters that act within STEPS updates (defaults are sized for 1,000 steps).
SCHEDULE_PARAMS = {
    "constant": {},
    "step": {"step_size": 20, "gamma": 0.5},
    "exponential": {"gamma": 0.97},
    "inverse_time": {"decay": 0.05},
    "cosine": {"min_ratio": 0.1},
    "warmup": {"warmup_steps": 25},
    "warmup_cosine": {"warmup_steps": 20, "min_ratio": 0.05},
    "sqrt_decay": {"k": 1.0},
    "milestones": {"milestone1": 10, "milestone2": 25, "milestone3": 40, "gamma": 0.5},
}

#: (low, high) for the β-like hyperparameters in the "extreme β" cases. torch rejects
#: nesterov=True with momentum 0, so Nesterov's low end is 0.05.
EXTREMES = {"momentum": (0.0, 0.99), "beta1": (0.0, 0.999), "beta2": (0.5, 0.9999), "alpha": (0.0, 0.999)}


def defaults(key: str) -> dict[str, float]:
    return dict(OPTIMIZERS[key].defaults())


def torch_kwargs(key: str, hyper: dict[str, float]) -> dict:
    extra = TORCH_CLASSES[key][1]
    kw = {k: v for k, v in hyper.items() if k not in ("beta1", "beta2")}
    if "beta1" in hyper:
        kw["betas"] = (hyper["beta1"], hyper["beta2"])
    return {**kw, **extra}


def torch_scheduler(torch, opt_key: str, opt, key: str, params: dict, steps: int, lr: float):
    """torch's scheduler for schedule ``key`` (None: constant, or built into the optimizer)."""
    sched = torch.optim.lr_scheduler
    if key == "constant":
        return None
    if key == "step":
        return sched.StepLR(opt, step_size=params["step_size"], gamma=params["gamma"])
    if key == "exponential":
        return sched.ExponentialLR(opt, gamma=params["gamma"])
    if key == "inverse_time":
        if opt_key == "adagrad":
            return None  # Adagrad's own lr_decay (set in the constructor)
        k = params["decay"]
        return sched.LambdaLR(opt, lambda e: 1.0 / (1.0 + k * e))
    if key == "cosine":
        return sched.CosineAnnealingLR(opt, T_max=steps, eta_min=params["min_ratio"] * lr)
    if key == "warmup":
        w = params["warmup_steps"]
        return sched.LinearLR(opt, start_factor=1.0 / w, total_iters=w - 1)
    if key == "warmup_cosine":
        w = params["warmup_steps"]
        return sched.SequentialLR(
            opt,
            [
                sched.LinearLR(opt, start_factor=1.0 / w, total_iters=w - 1),
                sched.CosineAnnealingLR(opt, T_max=steps - w, eta_min=params["min_ratio"] * lr),
            ],
            milestones=[w],
        )
    if key == "sqrt_decay":
        k = params["k"]
        return sched.LambdaLR(opt, lambda e: k / math.sqrt(e + 1))
    if key == "milestones":
        return sched.MultiStepLR(opt, milestones=[params[f"milestone{i}"] for i in (1, 2, 3)],
                                 gamma=params["gamma"])
    raise KeyError(f"no torch mapping for schedule {key!r}: add one to torch_scheduler")


def run_torch(torch, case: dict) -> list[list[float]]:
    """torch's trajectory for one case: steps + 1 positions, the start first."""
    key, hyper, steps = case["optimizer"], case["hyper"], case["steps"]
    surf = SURFACES[case["surface"]]
    kwargs = torch_kwargs(key, hyper)
    sched_spec = case["schedule"]
    if sched_spec and sched_spec["key"] == "inverse_time" and key == "adagrad":
        kwargs["lr_decay"] = sched_spec["params"]["decay"]
    p = torch.tensor(case["start"], dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, TORCH_CLASSES[key][0])([p], **kwargs)
    scheduler = None
    ours = None
    if sched_spec:
        scheduler = torch_scheduler(torch, key, opt, sched_spec["key"], sched_spec["params"], steps, hyper["lr"])
        ours = make_schedule(sched_spec["key"], **sched_spec["params"])
    z = np.random.default_rng(case["seed"]).standard_normal((steps, 2))
    path = [list(case["start"])]
    for t in range(1, steps + 1):
        x, y = (np.array([v]) for v in p.detach().numpy())
        gx, gy = surf.grad(x, y)
        g = np.array([[float(np.asarray(gx).reshape(-1)[0]), float(np.asarray(gy).reshape(-1)[0])]])
        if case["noise"]:
            g = g + case["noise"] * z[t - 1]
        p.grad = torch.tensor(g[0], dtype=torch.float64)
        if case["clip_norm"] is not None:
            torch.nn.utils.clip_grad_norm_([p], case["clip_norm"])
        if ours is not None and scheduler is not None:
            want = hyper["lr"] * ours.factor(t, steps)
            got = opt.param_groups[0]["lr"]
            if not math.isclose(got, want, rel_tol=1e-12):
                raise AssertionError(f"{case['id']}: torch lr {got} != {want} at update {t}")
        opt.step()
        if scheduler is not None:
            scheduler.step()
        pos = [float(v) for v in p.detach().numpy()]
        if not all(math.isfinite(v) and abs(v) < 1e6 for v in pos):
            raise AssertionError(f"{case['id']}: torch diverged at update {t}; pick a smaller lr")
        path.append(pos)
    return path


def case(opt_key: str, surface: str, name: str, hyper: dict, **kw) -> dict:
    surf = SURFACES[surface]
    return {
        "id": f"{opt_key}/{surface}/{name}",
        "optimizer": opt_key,
        "surface": surface,
        "hyper": hyper,
        "start": [float(v) for v in kw.pop("start", surf.start)],
        "steps": kw.pop("steps", STEPS),
        "noise": kw.pop("noise", 0.0),
        "seed": kw.pop("seed", 0),
        "schedule": kw.pop("schedule", None),
        "clip_norm": kw.pop("clip_norm", None),
    }


def lr_for(opt_key: str, surface: str) -> float:
    return LR[FAMILY[opt_key]][surface] * LR_SCALE.get(opt_key, 1.0)


def cases_for(opt_key: str) -> list[dict]:
    base = defaults(opt_key)
    out = []
    for surface in SURFACE_KEYS:
        out.append(case(opt_key, surface, "base", {**base, "lr": lr_for(opt_key, surface)}))
    s = SETTINGS_SURFACE
    h = {**base, "lr": lr_for(opt_key, s)}
    out.append(case(opt_key, s, "weight_decay", {**h, "weight_decay": 0.1}))
    for key in SCHEDULES:
        if key == "constant":
            continue
        params = make_schedule(key, **SCHEDULE_PARAMS[key]).params
        out.append(case(opt_key, s, f"schedule_{key}", h, schedule={"key": key, "params": dict(params)}))
    clip_lr = h["lr"] * (50.0 if FAMILY[opt_key] == "gradient" else 1.0)
    out.append(case(opt_key, s, "clip", {**h, "lr": clip_lr}, clip_norm=1.0))
    out.append(case(opt_key, "bowl", "noise", {**base, "lr": lr_for(opt_key, "bowl")}, noise=0.5, seed=3))
    betas = [k for k in EXTREMES if k in base]
    if betas:
        for end, name in ((0, "beta_low"), (1, "beta_high")):
            hx = dict(h)
            for k in betas:
                hx[k] = EXTREMES[k][end]
                if opt_key == "nesterov" and k == "momentum" and hx[k] == 0.0:
                    hx[k] = 0.05
            out.append(case(opt_key, s, name, hx))
    if "eps" in base:
        out.append(case(opt_key, "beale", "eps_large", {**base, "lr": lr_for(opt_key, "beale"), "eps": 0.1}))
    return out


def all_cases() -> list[dict]:
    # a teaching variant (Adam without bias correction) has no torch call to record
    keys = [k for k, opt in OPTIMIZERS.items() if not opt.teaching_variant_of]
    missing = [k for k in keys if k not in TORCH_CLASSES]
    if missing:
        raise KeyError(f"no torch class for {missing}: add them to TORCH_CLASSES and FAMILY")
    out = [c for k in keys for c in cases_for(k)]
    # AdamW with small betas, a large eps and weight decay on Beale: a chaotic run, where
    # rounding differences grow instead of staying in the last bit (the README's example)
    out.append(
        case(
            "adamw", "beale", "small_betas_large_eps",
            {"lr": 0.01, "beta1": 0.5, "beta2": 0.9, "eps": 1e-3, "weight_decay": 0.1},
            steps=150,
        )
    )
    # long runs compared at a tight tolerance (test_recorded_torch_paths.TIGHT): they catch a return to
    # numpy's own order of operations, which drifts past 1e-15 of the path's scale within 1,000
    # steps on these (RMSprop's addcmul/addcdiv order; Adam's lerp branch for β₁ ≤ 0.5)
    out.append({**case("rmsprop", "rastrigin", "long", {**defaults("rmsprop"), "lr": 6e-3}, steps=1000), "tight": True})
    out.append(
        {
            **case("adam", "rosenbrock", "long_beta1_low", {**defaults("adam"), "lr": 0.01, "beta1": 0.3}, steps=1000),
            "tight": True,
        }
    )
    return out


def main() -> int:
    """Record every case; with ``--append``, only the cases the fixture lacks (a new optimizer or
    schedule), keeping every recorded path as it is (a path recorded on another CPU may differ
    from today's in the last bit, and the bit-exact cases were checked against those bits)."""
    import torch

    torch.set_default_dtype(torch.float64)
    cases = all_cases()
    if "--append" in sys.argv[1:]:
        kept = json.loads(FIXTURE.read_text())["cases"]
        have = {c["id"] for c in kept}
        new = [c for c in cases if c["id"] not in have]
        for c in new:
            c["path"] = run_torch(torch, c)
        cases = kept + new
        print(f"appended {len(new)}: {', '.join(c['id'] for c in new)}")
    else:
        for c in cases:
            c["path"] = run_torch(torch, c)
    data = {
        "about": "torch.optim trajectories recorded by tests/golden/record_torch.py; "
        "replayed by tests/test_recorded_torch_paths.py",
        "torch": torch.__version__,
        "numpy": np.__version__,
        "cases": cases,
    }
    text = json.dumps(data, separators=(",", ":"))
    FIXTURE.write_text(text + "\n")
    print(f"{len(cases)} cases, {len(text) / 1024:.0f} KiB -> {FIXTURE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
