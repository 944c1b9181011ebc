"""The engine's compiled fast path: the loop of ``run_batch`` once more, compiled with numba.

Why: the numpy loop pays ~40 µs of call overhead per step whatever the number of runs (a
500-step Compare run costs ~20 ms of server CPU per slider change), and 13 passes over the
(R, 2) arrays per Adam step for big batches. Here one compiled loop advances every run.

The contract: the numpy loop in ``engine.py`` is the reference and stays complete; this path
must give *bit-identical* results (every array of ``BatchResult``) or not run at all.
``tests/test_compiled_engine.py`` runs both over every optimizer × surface with a kernel.
It runs only when

* numba imports and ``DESCENT_ENGINE`` (read at each call) is not ``numpy``;
* the surface declares a ``SurfaceKernel`` and the optimizer a ``ScalarKernel`` (plain Python
  functions in their own modules, compiled here; this module knows no surface or optimizer);
* the runs are float64, no mini-batches, no ``clip_norm`` (numpy's ``hypot`` does not round like
  the C library's), and per-run noise streams fit in memory.

Everything torch computes on Python floats (β powers, NAdam's μ_t) and every random number is
computed before the loop, in Python and numpy exactly as the numpy path computes it, and passed
in as tables; the compiled loop only does +, −, ×, ÷ and √, which round the same everywhere
(IEEE 754; no fastmath, no fused multiply-add: LLVM does not contract without fastmath).

Compiling one (surface, optimizer) pair takes 1-2 s of CPU; the compiled driver is cached on
disk (``cache_dir()``), so another process loads it in ~10 ms. ``warm_up`` compiles or loads
pairs ahead of use (a deployment can call it once at install or start-up).
"""

from __future__ import annotations

import math
import os
import sys
import threading
from typing import Any

import numpy as np

from .base import Array

#: runs × steps up to which per-run noise streams are drawn up front (larger: numpy path)
MAX_PER_RUN_NOISE = 1 << 21
#: Under DESCENT_ENGINE=auto, batches of more runs take the numpy loop when they need the
#: general driver (record="full", or one noise stream per run): it is scalar code, ~30-50 ns
#: per run-step against numpy's ~20 ns plus ~40 µs per step, so numpy wins from about 2,000
#: runs on. "final" and "path" take the big-batch driver (vectorized, ~3.5-4.5 ns per run-step for
#: Adam) at any size (``benchmarks/README.md``). DESCENT_ENGINE=compiled lifts the limit.
MAX_RUNS = 2048
#: Fewer runs than this take the general driver even for "final"/"path": one run (the web
#: page's case, 500 Adam steps, record="path") costs ~0.24 ms of run_batch with it against
#: ~0.27-0.37 ms with the big-batch driver (a block's setup and copies for one lane); from
#: about 4-8 runs on the two are even, from 16 the big-batch driver wins for Adam.
SOA_MIN_RUNS = 4

_DRIVER_SOURCE = '''
def drive(P, L, ST, NEW, HY, LR, IDX, SC, SP, factors, has_sched, Z, per_run_z, NZ, noise_on,
          thr, pending, keep_path, full, path, loss, grads, eff, states, diverged_at,
          steps_to_tol, act, n):
    S = SC.shape[0]
    K = ST.shape[0]
    for t in range(1, S + 1):
        if n == 0:
            break
        f = factors[t - 1]
        sc = SC[t - 1]
        m = 0
        for j in range(n):
            i = act[j]
            x = P[i, 0]
            y = P[i, 1]
            gx, gy = _grad(x, y, SP)
            if noise_on:
                r = i if per_run_z else 0
                gx = gx + NZ[i, 0] * Z[r, t - 1, 0]
                gy = gy + NZ[i, 1] * Z[r, t - 1, 1]
            lr = LR[i] * f if has_sched else LR[i]
            nx = _step(x, gx, lr, ST, NEW, i, 0, HY, i, sc, IDX[i, 0])
            ny = _step(y, gy, lr, ST, NEW, i, 1, HY, i, sc, IDX[i, 1])
            ln = _f(nx, ny, SP)
            ok = abs(nx) <= 1e6 and abs(ny) <= 1e6 and ln <= 1e30 and ln > -math.inf
            if ok:
                for k in range(K):
                    if not (math.isfinite(NEW[k, 0, i]) and math.isfinite(NEW[k, 1, i])):
                        ok = False
                        break
            if not ok:  # frozen at its last finite point (engine._freeze)
                diverged_at[i] = t
                if keep_path:
                    for s in range(t, S + 1):
                        path[s, i, 0] = x
                        path[s, i, 1] = y
                        loss[s, i] = L[i]
                if full:
                    for k in range(K):
                        for s in range(t - 1, S):
                            states[k, s, i, 0] = ST[k, 0, i]
                            states[k, s, i, 1] = ST[k, 1, i]
                continue
            P[i, 0] = nx
            P[i, 1] = ny
            L[i] = ln
            for k in range(K):
                ST[k, 0, i] = NEW[k, 0, i]
                ST[k, 1, i] = NEW[k, 1, i]
            if pending[i] and ln <= thr:
                steps_to_tol[i] = t
                pending[i] = False
            if keep_path:
                path[t, i, 0] = nx
                path[t, i, 1] = ny
                loss[t, i] = ln
            if full:
                grads[t - 1, i, 0] = gx
                grads[t - 1, i, 1] = gy
                eff[t - 1, i, 0] = lr * _pre(ST, i, 0, HY, i, sc, IDX[i, 0])
                eff[t - 1, i, 1] = lr * _pre(ST, i, 1, HY, i, sc, IDX[i, 1])
                for k in range(K):
                    states[k, t - 1, i, 0] = ST[k, 0, i]
                    states[k, t - 1, i, 1] = ST[k, 1, i]
            act[m] = i
            m += 1
        n = m
    return n
'''

#: Runs per block of the big-batch driver: a block's working set (every per-run value, one row
#: of _BLOCK doubles each) stays in the L1 cache while the block runs all its steps.
BLOCK = 128

# The big-batch driver ("final" and "path" records): runs are independent, so it takes them in
# blocks of BLOCK and runs every step on one block before the next. Inside a block, structure of
# arrays: row r of one buffer W holds one value (a coordinate, a state entry, a hyperparameter)
# for every run of the block, and the step is one loop over runs with no indirection, no early
# exit and no call, which LLVM vectorizes (AVX-512/AVX2) without fastmath: +, -, *, /, sqrt
# round the same in every lane. All rows are views of one allocation with constant shapes, so
# LLVM proves they do not overlap (separate arrays need runtime alias checks, too many here).
# State is updated in place; a run that went bad keeps its old point (selects). Hyperparameters
# shared by all runs (all but lr, in a sweep over lr) are read from HYS, one value each, not
# from per-run rows. Divergence
# is a per-run flag computed branch-free; only when a run went bad this step does the slow path
# freeze it (engine._freeze: last finite point, diverged_at = t) and move the block's last run
# into its slot. _K, _J and _B are constants of the generated module.
_SOA_SOURCE = """
def drive(P0, L0, ST0, HY0, HYS, LR0, IDX0, SC, SP, factors, has_sched, Z, NZ0, noise_on, thr,
          keep_path, path, loss, diverged_at, steps_to_tol, final, final_loss, ids0, mode):
    S = SC.shape[0]
    N = ids0.shape[0]
    W = np.zeros((_K + _J + 3, 2, _B))
    ST = W[0:_K]
    HY = W[_K:_K + _J]
    X = W[_K + _J]
    L = W[_K + _J + 1, 0]
    LR = W[_K + _J + 1, 1]
    NZ = W[_K + _J + 2]
    I = np.zeros((2, 2, _B), dtype=np.int64)
    IDX = I[0]
    TT = I[1, 0]
    BAD = I[1, 1]
    ID = np.zeros(_B, dtype=np.int64)
    R = W.shape[0]
    for b0 in range(0, N, _B):
        n = min(_B, N - b0)
        for j in range(n):
            i = ids0[b0 + j]
            ID[j] = i
            X[0, j] = P0[0, i]
            X[1, j] = P0[1, i]
            L[j] = L0[i]
            for k in range(_K):
                ST[k, 0, j] = ST0[k, 0, i]
                ST[k, 1, j] = ST0[k, 1, i]
            if mode != 0:
                for q in range(_J):
                    HY[q, 0, j] = HY0[q, 0, i]
                    HY[q, 1, j] = HY0[q, 1, i]
                IDX[0, j] = IDX0[0, i]
                IDX[1, j] = IDX0[1, i]
            LR[j] = LR0[i]
            NZ[0, j] = NZ0[0, i]
            NZ[1, j] = NZ0[1, i]
            TT[j] = steps_to_tol[i]
        for t in range(1, S + 1):
            if n == 0:
                break
            f = factors[t - 1]
            sc = SC[t - 1]
            z0 = Z[t - 1, 0]
            z1 = Z[t - 1, 1]
            nbad = 0
            if mode == 0:
                for j in range(n):
%(shared)s
            elif mode == 1:
                for j in range(n):
%(run)s
            else:
                for j in range(n):
%(run_sc)s
            if nbad:
                j = 0
                while j < n:
                    if BAD[j] == 0:
                        j += 1
                        continue
                    i = ID[j]
                    diverged_at[i] = t
                    final[i, 0] = X[0, j]
                    final[i, 1] = X[1, j]
                    final_loss[i] = L[j]
                    steps_to_tol[i] = TT[j]
                    if keep_path:
                        for s in range(t, S + 1):
                            path[s, i, 0] = X[0, j]
                            path[s, i, 1] = X[1, j]
                            loss[s, i] = L[j]
                    n -= 1
                    for r in range(R):
                        W[r, 0, j] = W[r, 0, n]
                        W[r, 1, j] = W[r, 1, n]
                    for r in range(2):
                        I[r, 0, j] = I[r, 0, n]
                        I[r, 1, j] = I[r, 1, n]
                    ID[j] = ID[n]
            if keep_path:
                for j in range(n):
                    i = ID[j]
                    path[t, i, 0] = X[0, j]
                    path[t, i, 1] = X[1, j]
                    loss[t, i] = L[j]
        for j in range(n):
            i = ID[j]
            final[i, 0] = X[0, j]
            final[i, 1] = X[1, j]
            final_loss[i] = L[j]
            steps_to_tol[i] = TT[j]
"""

# One step of one run, branch-free. The old point is not saved: a run that went bad keeps it
# (selects), its state is left as the step made it (the fast path no longer reads it) and the
# slow path freezes it at X, L. thr is -inf when tol is not tracked, and TT < 0 means pending.
_SOA_BODY = """
x = X[0, j]
y = X[1, j]
lo = L[j]
gx, gy = _grad(x, y, SP)
gx = gx + NZ[0, j] * z0 if noise_on else gx
gy = gy + NZ[1, j] * z1 if noise_on else gy
lr = LR[j] * f if has_sched else LR[j]
nx = _step(x, gx, lr, ST, ST, j, 0, %(hy)s, sc, %(d0)s)
ny = _step(y, gy, lr, ST, ST, j, 1, %(hy)s, sc, %(d1)s)
ln = _f(nx, ny, SP)
ok = (abs(nx) <= 1e6) & (abs(ny) <= 1e6) & (ln <= 1e30) & (ln > -math.inf)
for k in range(_K):
    ok &= math.isfinite(ST[k, 0, j]) & math.isfinite(ST[k, 1, j])
X[0, j] = nx if ok else x
X[1, j] = ny if ok else y
L[j] = ln if ok else lo
tt = TT[j]
TT[j] = t if (tt < 0) & (ln <= thr) & ok else tt
BAD[j] = 0 if ok else 1
nbad += 0 if ok else 1
"""


#: The big-batch driver's variants, one loop each in the compiled driver (``mode`` is the
#: index here): every hyperparameter but lr shared by all runs ("shared"); per-run values with
#: one table of per-step scalars ("run"); per-run values of the scalars' hyperparameters, each
#: run reading its own row of the table ("run_sc", a gather LLVM leaves scalar). One driver
#: with three loops compiles in about the time of one with one (numba's cost is per function).
SOA_MODES = {"shared": ("HYS, 0", "0", "0"), "run": ("HY, j", "0", "0"),
             "run_sc": ("HY, j", "IDX[0, j]", "IDX[1, j]")}


def _soa_source(K: int, J: int) -> str:
    def body(hy, d0, d1):
        text = _SOA_BODY % {"hy": hy, "d0": d0, "d1": d1}
        return "\n".join(" " * 20 + line for line in text.strip().splitlines())

    head = f"_K = {K}\n_J = {J}\n_B = {BLOCK}\n"
    return head + _SOA_SOURCE % {name: body(*args) for name, args in SOA_MODES.items()}


_LOCK = threading.RLock()
_DRIVERS: dict[tuple, Any] = {}
_NUMBA: Any = None  # the numba module, False if it does not import


def _numba():
    global _NUMBA
    if _NUMBA is None:
        try:
            import numba

            _NUMBA = numba
        except Exception:  # noqa: BLE001 - not installed or broken: the numpy path runs
            _NUMBA = False
    return _NUMBA


def mode() -> str:
    """DESCENT_ENGINE, read at each call: "auto" (default: compiled where it is exact and
    faster), "compiled" (wherever it is exact, any batch size) or "numpy" (the reference)."""
    value = os.environ.get("DESCENT_ENGINE", "auto").strip().lower() or "auto"
    if value not in ("auto", "compiled", "numpy"):
        raise ValueError(f"DESCENT_ENGINE must be 'numpy', 'auto' or 'compiled', got {value!r}")
    return value


def enabled() -> bool:
    """True when the compiled path may run: numba imports and DESCENT_ENGINE is not "numpy"."""
    return mode() != "numpy" and bool(_numba())


_JIT_OPTIONS = dict(nogil=True, error_model="numpy")  # IEEE: x / 0 is inf, not an exception


def cache_dir() -> "Path | None":
    """Where compiled drivers are kept between processes (None: compile in memory each time).

    ``DESCENT_NUMBA_CACHE`` (empty: off), else ``$XDG_CACHE_HOME/descent-numba`` or
    ``~/.cache/descent-numba``; never inside the repository.
    """
    from pathlib import Path

    env = os.environ.get("DESCENT_NUMBA_CACHE")
    if env is not None:
        return Path(env) if env.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "descent-numba"


def _module_source(kernels: dict[str, Any], driver_source: str) -> str:
    """A module defining ``drive`` for these kernels: imported from a file, numba caches it."""
    lines = ["import math", "import numba", "import numpy as np", "", f"_OPTIONS = {_JIT_OPTIONS!r}"]
    for name, fn in kernels.items():
        lines.append(f"from {fn.__module__} import {fn.__qualname__} as {name}_py")
        lines.append(f"{name} = numba.njit(inline='always', **_OPTIONS)({name}_py)")
    lines += ["", driver_source, "", "drive = numba.njit(cache=True, **_OPTIONS)(drive)", ""]
    return "\n".join(lines)


def _load_cached(kernels: dict[str, Any], driver_source: str):
    """``drive`` from a generated module in ``cache_dir()``, or None if it cannot be used.

    The file name hashes the driver, the kernels' source and the numba/numpy versions, so an
    edited kernel gets a new file (numba itself only checks the driver's own file).
    """
    import hashlib
    import importlib.util
    import inspect

    root = cache_dir()
    if root is None or any("<" in fn.__qualname__ for fn in kernels.values()):
        return None
    source = _module_source(kernels, driver_source)
    digest = hashlib.sha1(source.encode())
    for fn in kernels.values():
        digest.update(inspect.getsource(fn).encode())
    digest.update(f"{_numba().__version__} {np.__version__}".encode())
    name = f"descent_driver_{digest.hexdigest()[:16]}"
    try:
        root.mkdir(parents=True, exist_ok=True)
        path = root / f"{name}.py"
        if not path.exists():
            tmp = root / f".{name}.{os.getpid()}.tmp"
            tmp.write_text(source)
            os.replace(tmp, path)
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # numba rebuilds a cached function's globals by module name
        spec.loader.exec_module(module)
        return module.drive
    except OSError:  # read-only home, full disk: compile in memory
        return None


def _driver(surface_kernel, opt_kernel, soa: "tuple[int, int] | None" = None):
    """The compiled loop for one (surface kernel, optimizer kernel) pair (compiled once):
    the general one, or with ``soa=(K, J)`` (state entries, hyperparameters) the big-batch one."""
    kernels = {"_f": surface_kernel.f, "_grad": surface_kernel.grad,
               "_step": opt_kernel.step, "_pre": opt_kernel.preconditioner}
    source = _DRIVER_SOURCE if soa is None else _soa_source(*soa)
    key = tuple(kernels.values()) + (soa,)
    fn = _DRIVERS.get(key)
    if fn is not None:
        return fn
    with _LOCK:
        fn = _DRIVERS.get(key)
        if fn is None:
            fn = _load_cached(kernels, source)
            if fn is None:
                nb = _numba()
                inline = nb.njit(inline="always", **_JIT_OPTIONS)  # no call, no refcounting per step
                scope = {"math": math, "np": np, **{name: inline(k) for name, k in kernels.items()}}
                exec(compile(source, "<descent compiled driver>", "exec"), scope)
                fn = nb.njit(**_JIT_OPTIONS)(scope["drive"])
            _DRIVERS[key] = fn
    return fn


def warm_up(surfaces=None, optimizers=None, *, batches: bool = False) -> float:
    """Compile (or load from the disk cache) the drivers of these pairs; returns the seconds.

    Defaults: every registered surface and optimizer that declares a kernel. The scalar driver
    (one run: the Compare page, simulate) always; with ``batches`` also the big-batch driver for
    a learning rate per run (Tune, a sweep over lr), which compiles in a few seconds per pair
    the first time. Holds the GIL while numba compiles, so call it before serving, not beside it.
    """
    import time

    from surfaces import SURFACES

    from . import OPTIMIZERS
    from .engine import run_batch

    t0 = time.perf_counter()
    if not enabled():
        return 0.0
    surfs = [SURFACES[k] if isinstance(k, str) else k for k in (surfaces or SURFACES)]
    opts = [OPTIMIZERS[k] if isinstance(k, str) else k for k in (optimizers or OPTIMIZERS)]
    for s in surfs:
        for o in opts:
            if s.kernel is not None and o.kernel is not None:
                start = np.asarray(s.start, dtype=float)
                run_batch(s, o, None, start, 1, record="full")
                if batches:
                    lrs = np.full(SOA_MIN_RUNS, float(o.resolve(None)["lr"]))
                    run_batch(s, o, {"lr": lrs}, start, 1, record="final")
    return time.perf_counter() - t0


# ---------------------------------------------------------------------------------------------
# Per-step scalars on Python floats, cached (a slider change reruns the same β's)

_SCALARS_CACHE: dict[tuple, Array] = {}
_SCALARS_CACHE_SIZE = 32


def _scalar_table(kernel, rows: list[tuple[float, ...]], steps: int) -> Array:
    """(S, D, Q): ``kernel.scalars(*row, t)`` for t = 1..S and every distinct row."""
    key = (kernel.scalars, tuple(rows), steps)
    table = _SCALARS_CACHE.get(key)
    if table is None:
        fn = kernel.scalars
        table = np.array([[fn(*row, t) for row in rows] for t in range(1, steps + 1)], dtype=float)
        _SCALARS_CACHE[key] = table
        while len(_SCALARS_CACHE) > _SCALARS_CACHE_SIZE:
            _SCALARS_CACHE.pop(next(iter(_SCALARS_CACHE)))
    return table


def supports(setup) -> bool:
    """Can the compiled path run these settings with the numpy path's exact bits?"""
    opt, surface = setup.optimizer, setup.surface
    chosen = mode()
    per_run_noise = not isinstance(setup.seed, int) and np.any(np.asarray(setup.noise) != 0)
    big_batch = setup.record != "full" and not per_run_noise  # the vectorized driver
    if chosen == "numpy" or (chosen == "auto" and setup.runs > MAX_RUNS and not big_batch):
        return False
    if getattr(opt, "kernel", None) is None or getattr(surface, "kernel", None) is None:
        return False
    if setup.dtype != np.float64 or setup.clip_norm is not None:
        return False
    n = getattr(surface, "n_samples", None)
    if n is not None and setup.batch_size is not None and setup.batch_size < n:
        return False
    if not isinstance(setup.seed, int) and np.any(np.asarray(setup.noise) != 0):
        if setup.runs * setup.steps > MAX_PER_RUN_NOISE:
            return False
    return bool(_numba())


def _per_entry(value: Any, runs: int) -> Array:
    """A float or an (R|1, 1|2) array as a C-ordered (R, 2) float64 array."""
    return np.ascontiguousarray(np.broadcast_to(np.asarray(value, dtype=float), (runs, 2)))


def run(setup, out, stream, factors, threshold: float) -> None:
    """Fill ``out`` (an ``engine._Record``) for ``setup``; the caller has handled step 0
    (recorded the start, tol reached at the start, runs whose f is not finite there).

    ``stream`` is the engine's ``_NoiseStream`` (None without noise), ``factors`` its schedule
    factors (None: constant), ``threshold`` f* + tol (inf: not tracked).
    """
    from .engine import _as_loss  # the engine imports this module lazily

    R, S = setup.runs, setup.steps
    opt, surface = setup.optimizer, setup.surface
    kernel, skernel = opt.kernel, surface.kernel

    P = np.ascontiguousarray(np.broadcast_to(setup.starts, (R, 2)), dtype=float).copy()
    L = _as_loss(surface.f(P[:, 0].copy(), P[:, 1].copy()), R, np.float64).copy()
    init = opt.init(np.asfortranarray(P))
    keys = list(init)
    ST = np.empty((len(keys), 2, R))
    for k, key in enumerate(keys):
        ST[k] = np.broadcast_to(np.asarray(init[key], dtype=float), (R, 2)).T
    NEW = ST.copy()
    hkeys = opt.hyper_keys
    HY = np.empty((len(hkeys), 2, R))
    for j, key in enumerate(hkeys):
        HY[j] = _per_entry(setup.hyper[key], R).T
    LR = np.ascontiguousarray(HY[hkeys.index("lr"), 0])

    if kernel.scalars is None:
        SC = np.zeros((S, 1, 1))
        IDX = np.zeros((R, 2), dtype=np.int64)
    else:
        cols = np.stack([HY[hkeys.index(k)].T.ravel() for k in kernel.scalar_keys], axis=1)
        if (cols == cols[0]).all():  # shared values (np.unique sorts: 20 ms for 10,000 runs)
            uniq, inverse = cols[:1], np.zeros(len(cols), dtype=np.int64)
        else:
            uniq, inverse = np.unique(cols, axis=0, return_inverse=True)
        SC = _scalar_table(kernel, [tuple(row) for row in uniq.tolist()], S)
        IDX = np.ascontiguousarray(inverse.reshape(R, 2), dtype=np.int64)

    has_sched = factors is not None
    fac = np.ascontiguousarray(factors, dtype=float) if has_sched else np.ones(S)
    noise_on = stream is not None
    if not noise_on:
        Z = np.zeros((1, 1, 2))
        per_run_z = False
    elif stream.shared is not None:
        Z = stream.shared[None]
        per_run_z = False
    else:  # each run's own stream, all steps at once (same numbers as the chunked draws)
        Z = np.stack([rng.standard_normal((S, 2)) for rng in stream.rngs])
        per_run_z = True
    NZ = _per_entry(setup.noise, R)

    empty3 = np.zeros((0, 0, 0))
    keep_path = out.path is not None
    full = out.grads is not None
    pend = (out.steps_to_tol < 0) & math.isfinite(threshold)  # runs that have not reached tol
    bad0 = out.diverged_at == 0  # f undefined at the start: already frozen by the engine
    act = np.flatnonzero(~bad0).astype(np.int64)

    if not full and not per_run_z and R >= SOA_MIN_RUNS:  # the big-batch driver, vectorized
        zs = np.ascontiguousarray(Z[0]) if noise_on else np.zeros((S, 2))
        others = [j for j, key in enumerate(hkeys) if key != "lr"]  # kernels take lr apart
        shared = bool((HY[others] == HY[others, :, :1]).all()) and SC.shape[1] == 1
        soa_mode = "shared" if shared else "run" if SC.shape[1] == 1 else "run_sc"
        drive = _driver(skernel, kernel, (len(keys), len(hkeys)))
        drive(
            np.ascontiguousarray(P.T), L, ST, HY, np.ascontiguousarray(HY[:, :, :1]), LR,
            np.ascontiguousarray(IDX.T), SC, np.asarray(skernel.params, dtype=float), fac,
            has_sched, zs, np.ascontiguousarray(NZ.T), noise_on,
            float(threshold) if math.isfinite(threshold) else -math.inf, keep_path,
            out.path if keep_path else empty3, out.loss if keep_path else np.zeros((0, 0)),
            out.diverged_at, out.steps_to_tol, out.final, out.final_loss, act,
            list(SOA_MODES).index(soa_mode),
        )  # runs frozen at step 0 (not in act) keep what the engine wrote
        return

    drive = _driver(skernel, kernel)
    if full:
        states = np.zeros((len(keys), S, R, 2))
    drive(
        P, L, ST, NEW, HY, LR, IDX, SC, np.asarray(skernel.params, dtype=float), fac, has_sched,
        np.ascontiguousarray(Z), per_run_z, NZ, noise_on, float(threshold), pend, keep_path, full,
        out.path if keep_path else empty3, out.loss if keep_path else np.zeros((0, 0)),
        out.grads if full else empty3, out.eff_lr if full else empty3,
        states if full else np.zeros((0, 0, 0, 0)), out.diverged_at, out.steps_to_tol, act, len(act),
    )
    out.final[:] = P  # diverged runs never left their last finite point
    out.final_loss[:] = L
    if full:
        out.states = {key: states[k] for k, key in enumerate(keys)}
