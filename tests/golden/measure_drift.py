"""How many steps the engine's paths stay identical to torch's (run by hand with torch 2.13).

Why: torch's CPU kernels round some multiply-adds once (``add(alpha=)``, ``lerp``, ``addcmul``
are fused multiply-adds) where numpy rounds twice, and a few updates group their products
differently. Paths therefore agree to the last bit or two for a while and can then drift
apart on chaotic runs. This prints, for every built-in surface and optimizer at its default
hyperparameters (with a learning rate that suits the surface), the first step at which the
two positions differ by more than 1e-15 relative (‖Δ‖ > 1e-15·‖θ_torch‖) and the largest
relative difference over the run. The README quotes these figures.

Usage: ``python -m tests.golden.measure_drift [steps]`` (default 1000).
"""

from __future__ import annotations

import math
import sys
from fractions import Fraction

import numpy as np

from optimizers import OPTIMIZERS, run_batch
from surfaces import SURFACES

from .record_torch import LR, LR_SCALE, FAMILY, defaults, run_torch

#: learning rates for the surfaces the recorder does not use
EXTRA_LR = {
    "gradient": {"rastrigin": 2e-3, "rotated_quadratic": 0.5, "regression": 0.1, "booth": 0.02, "goldstein_price": 1e-5},
    "adaptive": {"rastrigin": 0.02, "rotated_quadratic": 0.05, "regression": 0.05, "booth": 0.1, "goldstein_price": 0.01},
}


def lr_for(opt_key: str, surface: str) -> float:
    family = FAMILY[opt_key]
    table = {**LR[family], **EXTRA_LR[family]}
    return table[surface] * LR_SCALE.get(opt_key, 1.0)


def _fma(a: float, b: float, c: float) -> float:
    """a·b + c rounded once (exact rational arithmetic; float(Fraction) rounds correctly)."""
    return float(Fraction(a) * Fraction(b) + Fraction(c))


def torch_order_path(opt_key: str, surface: str, hyper: dict, steps: int, fused: bool):
    """The update written in torch's order of operations, one coordinate at a time.

    ``fused=True`` rounds ``add(alpha=)``, ``lerp`` and ``addcmul`` once, as torch's CPU
    kernels do; ``fused=False`` keeps torch's order but rounds every operation (all plain
    numpy can do: it has no fused multiply-add). Comparing both with torch shows which
    differences are order (fixable in numpy) and which are fusion.
    """
    fm = _fma if fused else (lambda a, b, c: a * b + c)
    surf = SURFACES[surface]
    h = hyper
    lr, wd = h["lr"], h.get("weight_decay", 0.0)
    p = [float(v) for v in surf.start]
    state = [dict(), dict()]
    path = [list(p)]
    for t in range(1, steps + 1):
        gx, gy = surf.grad(np.array([p[0]]), np.array([p[1]]))
        grads = [float(np.asarray(gx).reshape(-1)[0]), float(np.asarray(gy).reshape(-1)[0])]
        for i in range(2):
            g, st = grads[i], state[i]
            if opt_key == "adamw":
                if wd:
                    p[i] = p[i] * (1 - lr * wd)
            elif wd:
                g = fm(wd, p[i], g)  # grad.add(param, alpha=wd)
            if opt_key == "sgd":
                p[i] = fm(-lr, g, p[i])  # param.add_(grad, alpha=-lr)
            elif opt_key in ("momentum", "nesterov"):
                mu = h["momentum"]
                st["buf"] = g if t == 1 else st["buf"] * mu + g  # mul_(mu).add_(grad)
                d = fm(mu, st["buf"], g) if opt_key == "nesterov" else st["buf"]
                p[i] = fm(-lr, d, p[i])
            elif opt_key == "adagrad":
                st["sum"] = fm(g, g, st.get("sum", 0.0))  # addcmul_(grad, grad, value=1)
                std = math.sqrt(st["sum"]) + h["eps"]
                p[i] = p[i] + (-lr * g) / std  # addcdiv_(grad, std, value=-clr)
            elif opt_key == "rmsprop":
                a = h["alpha"]
                st["v"] = fm((1 - a) * g, g, st.get("v", 0.0) * a)  # mul_(α).addcmul_(g, g, 1-α)
                avg = math.sqrt(st["v"]) + h["eps"]
                if h["momentum"] > 0:
                    st["buf"] = st.get("buf", 0.0) * h["momentum"] + g / avg  # addcdiv_
                    p[i] = fm(-lr, st["buf"], p[i])
                else:
                    p[i] = p[i] + (-lr * g) / avg  # addcdiv_(grad, avg, value=-lr)
            elif opt_key in ("adam", "adamw"):
                b1, b2 = h["beta1"], h["beta2"]
                m, w = st.get("m", 0.0), 1 - b1
                d = g - m
                st["m"] = fm(w, d, m) if abs(w) < 0.5 else fm(-d, 1 - w, g)  # lerp_(g, 1-β1)
                st["v"] = fm((1 - b2) * g, g, st.get("v", 0.0) * b2)
                step_size = lr / (1 - b1**t)
                denom = math.sqrt(st["v"]) / (1 - b2**t) ** 0.5 + h["eps"]
                p[i] = p[i] + (-step_size * st["m"]) / denom  # addcdiv_(m, denom, value=-step_size)
            elif opt_key == "nadam":
                b1, b2, psi = h["beta1"], h["beta2"], h["momentum_decay"]
                bc2 = 1 - b2**t
                mu = b1 * (1.0 - 0.5 * (0.96 ** (t * psi)))
                mu_next = b1 * (1.0 - 0.5 * (0.96 ** ((t + 1) * psi)))
                st["prod"] = st.get("prod", 1.0) * mu  # mu_product *= mu
                m, w = st.get("m", 0.0), 1 - b1
                d = g - m
                st["m"] = fm(w, d, m) if abs(w) < 0.5 else fm(-d, 1 - w, g)  # lerp_(g, 1-β1)
                st["v"] = fm((1 - b2) * g, g, st.get("v", 0.0) * b2)
                denom = math.sqrt(st["v"] / bc2) + h["eps"]  # exp_avg_sq.div(bc2).sqrt().add_(eps)
                c1 = -lr * (1.0 - mu) / (1.0 - st["prod"])
                c2 = (-lr * mu_next) / (1.0 - st["prod"] * mu_next)
                p[i] = p[i] + (c1 * g) / denom  # addcdiv_(grad, denom, value=c1)
                p[i] = p[i] + (c2 * st["m"]) / denom  # addcdiv_(exp_avg, denom, value=c2)
            else:
                raise KeyError(opt_key)
        path.append(list(p))
    return np.array(path)


def first_over(ours: np.ndarray, theirs: np.ndarray, steps: int) -> tuple[int, int, float]:
    """First differing step, first step over 1e-15 of the path's scale, largest difference."""
    scale = float(np.max(np.linalg.norm(theirs, axis=1)))
    rel = np.linalg.norm(ours - theirs, axis=1) / scale
    over = np.flatnonzero(rel > 1e-15)
    differ = np.flatnonzero(rel > 0)
    return (
        int(differ[0]) if differ.size else steps + 1,
        int(over[0]) if over.size else steps + 1,
        float(rel.max()),
    )


def identical_steps(opt_key: str, surface: str, steps: int, hyper: dict | None = None):
    import torch

    hyper = hyper or {**defaults(opt_key), "lr": lr_for(opt_key, surface)}
    case = {
        "id": f"{opt_key}/{surface}",
        "optimizer": opt_key,
        "surface": surface,
        "hyper": hyper,
        "start": list(SURFACES[surface].start),
        "steps": steps,
        "noise": 0.0,
        "seed": 0,
        "schedule": None,
        "clip_norm": None,
    }
    theirs = np.array(run_torch(torch, case))
    ours = run_batch(surface, opt_key, hyper, np.array(case["start"]), steps).path[:, 0, :]
    out = {"engine": first_over(ours, theirs, steps)}
    for fused in (False, True):
        ref = torch_order_path(opt_key, surface, hyper, steps, fused)
        out["torch order, fused" if fused else "torch order"] = first_over(ref, theirs, steps)
    return out


#: extra rows: (label, optimizer, surface, hyperparameters), a chaotic run (rounding differences
#: grow instead of staying in the last bit; the README quotes it) and the lerp branch torch
#: takes when β₁ ≤ 0.5
EXTRA_CASES = (
    ("beale, AdamW β₁ 0.5 (chaotic)", "adamw", "beale",
     {"lr": 0.01, "beta1": 0.5, "beta2": 0.9, "eps": 1e-3, "weight_decay": 0.1}),
    ("rosenbrock, Adam β₁ 0.3", "adam", "rosenbrock",
     {"lr": 0.01, "beta1": 0.3, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0}),
)


def main() -> int:
    import torch

    torch.set_default_dtype(torch.float64)  # as the recorder: float64 optimizer scalars (NAdam's Π)
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    keys = [k for k in OPTIMIZERS]
    print(
        f"per cell: first step that differs at all / first step where ||Δ|| > 1e-15 × the path's "
        f"scale / largest ||Δ|| / scale ({steps} steps; 'all' = never)"
    )
    shown = lambda n: "all" if n > steps else str(n)
    results = {}
    for surface in SURFACES:
        for key in keys:
            try:
                results[surface, key] = identical_steps(key, surface, steps)
            except AssertionError:
                results[surface, key] = None
    for variant in ("engine", "torch order", "torch order, fused"):
        print(f"\n== {variant}")
        print("surface".ljust(18) + "".join(k.rjust(19) for k in keys))
        for surface in SURFACES:
            cells = []
            for key in keys:
                r = results[surface, key]
                if r is None:
                    cells.append("torch diverged")
                else:
                    exact, first, worst = r[variant]
                    cells.append(f"{shown(exact)}/{shown(first)}/{worst:.0e}")
            print(surface.ljust(18) + "".join(c.rjust(19) for c in cells))
    print()
    for label, key, surface, hyper in EXTRA_CASES:
        try:
            r = identical_steps(key, surface, steps, hyper)
        except AssertionError:
            print(f"{label}: torch diverged")
            continue
        cells = [f"{v}: {shown(r[v][0])}/{shown(r[v][1])}/{r[v][2]:.0e}" for v in r]
        print(f"{label}: " + ";  ".join(cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
