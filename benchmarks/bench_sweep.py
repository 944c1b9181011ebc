"""Speed of the hyperparameter map and of learning-rate tuning, as the pages call them.

Run: ``python benchmarks/bench_sweep.py`` (add ``--quick`` for one repetition). Prints the best
of a few repetitions per case; the issue's target is a 100 × 100 × 1,000 sweep in under a
second on a 2-core machine. Timings are printed, never asserted (tests stay deterministic).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("DESCENT_COMPILE", "sync")  # time the compiled drivers, not a pending compilation

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from optimizers import sweep  # noqa: E402
from lessons.tuning import default_streams, noise_cloud, tune_learning_rate  # noqa: E402
from surfaces import SURFACES  # noqa: E402


def best_of(fn, reps: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(reps):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one repetition per case")
    args = parser.parse_args()
    reps = 1 if args.quick else 3
    rosen, bowl = SURFACES["rosenbrock"], SURFACES["bowl"]

    def grid(n: int, second: np.ndarray):
        return np.geomspace(1e-4, 10.0, n), second

    cases = []
    for n in (100, 300):
        lrs, mus = grid(n, np.linspace(0.0, 0.999, n))
        cases.append((f"sweep {n}x{n}x1000  momentum lr x momentum, rosenbrock",
                      lambda lrs=lrs, mus=mus: sweep(rosen, "momentum", {"lr": lrs, "momentum": mus}, {}, rosen.start, 1000),
                      n * n))
        lrs, b2 = grid(n, np.linspace(0.5, 0.9999, n))
        cases.append((f"sweep {n}x{n}x1000  adam lr x beta2, rosenbrock",
                      lambda lrs=lrs, b2=b2: sweep(rosen, "adam", {"lr": lrs, "beta2": b2}, {}, rosen.start, 1000),
                      n * n))
    lrs, mus = grid(100, np.linspace(0.0, 0.999, 100))
    cases.append(("sweep 100x100x1000  momentum, bowl (few divergences)",
                  lambda: sweep(bowl, "momentum", {"lr": np.geomspace(1e-4, 1.0, 100), "momentum": mus}, {},
                                bowl.start, 1000), 10_000))
    cases.append(("tune_learning_rate  41 rates x 1000 steps, adam, rosenbrock",
                  lambda: tune_learning_rate(rosen, "adam", {}, rosen.start, 1000), 41))
    k = default_streams(1000)
    cases.append((f"tune_learning_rate  41 rates x {k} noise streams x 1000 steps, momentum, noisy bowl",
                  lambda: tune_learning_rate(bowl, "momentum", {}, bowl.start, 1000, noise=1.0), 41 * k))
    cases.append(("noise_cloud  64 seeds x 500 steps, sgd, noisy bowl (paths recorded)",
                  lambda: noise_cloud(bowl, "sgd", {"lr": 0.1}, bowl.start, 500, noise=1.0, n_runs=64), 64))

    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, {os.cpu_count()} CPUs, best of {reps}")
    for name, fn, runs in cases:
        secs, out = best_of(fn, reps)
        extra = ""
        if hasattr(out, "diverged") and getattr(out, "diverged").ndim == 2:
            extra = f"  ({np.mean(out.diverged):.0%} diverged)"
        elif hasattr(out, "reason"):
            extra = f"  -> {out.reason}"
        print(f"{secs * 1000:9.1f} ms  {runs:>7,} runs  {name}{extra}")


if __name__ == "__main__":
    main()
