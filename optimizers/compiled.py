"""The engine's compiled path: which runs may take a compiled driver, and running them there.

Why: the numpy loop pays ~40 µs of call overhead per step whatever the number of runs (a
500-step Compare run costs ~20 ms of server CPU per slider change), and 13 passes over the
(R, 2) arrays per Adam step for big batches. A compiled driver advances every run in one loop.

The contract: the numpy loop (``numpy_loop.py``) is the reference and stays complete; a driver
must give *bit-identical* results (every array of ``BatchResult``) or not run at all.
``tests/test_compiled_engine.py`` runs both over every optimizer × surface with a kernel.
``supports`` says where a driver is exact:

* numba imports and ``DESCENT_ENGINE`` (read at each call) is not ``numpy``;
* the surface declares a ``SurfaceKernel`` and the optimizer a ``ScalarKernel`` (plain Python
  functions in their own modules; this module knows no surface or optimizer);
* the runs are float64, no mini-batches, no ``clip_norm`` (numpy's ``hypot`` does not round like
  the C library's), and per-run noise streams fit in memory.

Everything torch computes on Python floats (β powers, NAdam's μ_t) and every random number is
computed before the loop, in Python and numpy exactly as the numpy path computes it, and passed
in as tables; a driver only does +, −, ×, ÷ and √, which round the same everywhere (IEEE 754;
no fastmath, no fused multiply-add: LLVM does not contract without fastmath).

Nobody waits for numba: ``run`` uses a driver only when it is compiled in memory or loadable
from the disk cache (``driver_cache``); otherwise it returns False (the engine runs the numpy
loop, same bits) and, under ``DESCENT_COMPILE=background`` (the default), queues the pair for
``compile_queue``'s worker, which compiles it in a nice'd subprocess into the shared cache
(``python -m optimizers.compile_pair <surface> <optimizer> [--big-batch]``). ``sync``
compiles on the caller's thread (tests, benchmarks, ``warm_up``); ``off`` never compiles.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from . import compile_queue
from .arguments import (
    batch_setup,
    registered_optimizers,
    registered_surfaces,
    resolve_optimizer,
    resolve_surface,
)
from .base import Array
from .driver_cache import available, cache_dir, cacheable, call_if_ready, entry, numba_module  # noqa: F401 - cache_dir is public
from .driver_source import BIG_BATCH_MODES, BLOCK, DriverSpec  # noqa: F401 - BLOCK is public
from .records import Begun, Setup, as_loss, begin

log = logging.getLogger(__name__)

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
BIG_BATCH_MIN_RUNS = 4

COMPILE_MODES = ("background", "sync", "off")


def mode() -> str:
    """DESCENT_ENGINE, read at each call: "auto" (default: compiled where it is exact and
    faster), "compiled" (wherever it is exact, any batch size) or "numpy" (the reference)."""
    value = os.environ.get("DESCENT_ENGINE", "auto").strip().lower() or "auto"
    if value not in ("auto", "compiled", "numpy"):
        raise ValueError(f"DESCENT_ENGINE must be 'numpy', 'auto' or 'compiled', got {value!r}")
    return value


def compile_mode() -> str:
    """DESCENT_COMPILE, read at each call: what happens when a driver is not compiled yet.
    "background" (default): numpy now, compiled by the background worker for later runs;
    "sync": compiled now, on the caller's thread; "off": numpy, nothing compiled."""
    value = os.environ.get("DESCENT_COMPILE", "background").strip().lower() or "background"
    if value not in COMPILE_MODES:
        raise ValueError(f"DESCENT_COMPILE must be one of {COMPILE_MODES}, got {value!r}")
    return value


def enabled() -> bool:
    """True when the compiled path may run: numba imports and DESCENT_ENGINE is not "numpy"."""
    return mode() != "numpy" and bool(numba_module())


def supports(setup: Setup) -> bool:
    """Can a compiled driver run these settings with the numpy path's exact bits?"""
    opt, surface = setup.optimizer, setup.surface
    chosen = mode()
    compile_mode()  # a typo in DESCENT_COMPILE is an error at once, not a silent default
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
    if per_run_noise and setup.runs * setup.steps > MAX_PER_RUN_NOISE:
        return False
    return bool(numba_module())


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


def _per_entry(value: Any, runs: int) -> Array:
    """A float or an (R|1, 1|2) array as a new, writable, C-ordered (R, 2) float64 array.
    Always a copy: a read-only view would be another argument type for numba (another
    compilation), so every call passes the same types."""
    return np.array(np.broadcast_to(np.asarray(value, dtype=float), (runs, 2)), dtype=float, order="C")


@dataclass
class _Call:
    """One driver call, planned: which driver, its arguments, and what to do after it."""

    spec: DriverSpec
    args: tuple
    finish: Callable[[], None]


def _plan(setup: Setup, begun: Begun) -> _Call:
    """The driver and arguments for ``setup`` from step 0 (``begun``: the start recorded, runs
    whose f is not finite there frozen). Nothing is written to the result until it runs."""
    R, S = setup.runs, setup.steps
    opt, surface = setup.optimizer, setup.surface
    kernel, skernel = opt.kernel, surface.kernel
    out, stream, factors, threshold = begun.out, begun.stream, begun.factors, begun.threshold

    P = np.ascontiguousarray(np.broadcast_to(setup.starts, (R, 2)), dtype=float).copy()
    L = as_loss(surface.f(P[:, 0].copy(), P[:, 1].copy()), R, np.float64).copy()
    init = opt.init(np.asfortranarray(P))
    keys = list(init)
    ST = np.empty((len(keys), 2, R))
    for k, key in enumerate(keys):
        ST[k] = np.broadcast_to(np.asarray(init[key], dtype=float), (R, 2)).T
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
        Z = np.ascontiguousarray(stream.shared[None])
        per_run_z = False
    else:  # each run's own stream, all steps at once (same numbers as the chunked draws), from
        # generators of its own: the numpy loop may still run on ``stream`` if no driver is ready
        seeds = np.broadcast_to(setup.seed, (R,))
        Z = np.stack([np.random.default_rng(int(s)).standard_normal((S, 2)) for s in seeds])
        per_run_z = True
    NZ = _per_entry(setup.noise, R)
    SP = np.asarray(skernel.params, dtype=float)

    empty3 = np.zeros((0, 0, 0))
    keep_path = out.path is not None
    full = out.grads is not None
    path = out.path if keep_path else empty3
    loss = out.loss if keep_path else np.zeros((0, 0))
    act = np.flatnonzero(~begun.bad_start).astype(np.int64)  # runs frozen at step 0 stay so

    def spec(big_batch):
        return DriverSpec(skernel.f, skernel.grad, kernel.step, kernel.preconditioner, hkeys, big_batch)

    if not full and not per_run_z and R >= BIG_BATCH_MIN_RUNS:  # the big-batch driver, vectorized
        zs = np.ascontiguousarray(Z[0]) if noise_on else np.zeros((S, 2))
        others = [j for j, key in enumerate(hkeys) if key != "lr"]  # kernels take lr apart
        shared = bool((HY[others] == HY[others, :, :1]).all()) and SC.shape[1] == 1
        variant = "shared" if shared else "run" if SC.shape[1] == 1 else "run_sc"
        args = (
            np.ascontiguousarray(P.T), L, ST, HY, np.ascontiguousarray(HY[:, :, :1]), LR,
            np.ascontiguousarray(IDX.T), SC, SP, fac, has_sched, zs, np.ascontiguousarray(NZ.T),
            noise_on, float(threshold) if math.isfinite(threshold) else -math.inf, keep_path,
            path, loss, out.diverged_at, out.steps_to_tol, out.final, out.final_loss, act,
            list(BIG_BATCH_MODES).index(variant),
        )
        return _Call(spec((len(keys), len(hkeys))), args, lambda: None)  # writes ``out`` itself

    pend = (out.steps_to_tol < 0) & math.isfinite(threshold)  # runs that have not reached tol
    states = np.zeros((len(keys), S, R, 2)) if full else np.zeros((0, 0, 0, 0))
    args = (
        P, L, ST, ST.copy(), HY, LR, IDX, SC, SP, fac, has_sched, np.ascontiguousarray(Z),
        per_run_z, NZ, noise_on, float(threshold), pend, keep_path, full, path, loss,
        out.grads if full else empty3, out.eff_lr if full else empty3, states, out.diverged_at,
        out.steps_to_tol, act, len(act),
    )

    def finish() -> None:
        out.final[:] = P  # diverged runs never left their last finite point
        out.final_loss[:] = L
        if full:
            out.states = {key: states[k] for k, key in enumerate(keys)}

    return _Call(spec(None), args, finish)


def _driver_for(call: _Call, setup: Setup):
    """The ready driver for ``call``, or None (then queued, unless DESCENT_COMPILE=off)."""
    how = compile_mode()
    try:
        drive = entry(call.spec, call.args, compile=how == "sync")
    except Exception as exc:  # noqa: BLE001 - a kernel numba cannot compile: numpy, logged
        log.warning("compiling the %s/%s driver failed (%s: %s); using the numpy loop",
                    _name(setup.surface), _name(setup.optimizer), type(exc).__name__, exc)
        compile_queue.mark_failed(call.spec)
        return None
    if drive is None and how == "background":
        compile_queue.request(_job(call, setup.surface, setup.optimizer), urgent=True)
    return drive


def run(setup: Setup, begun: Begun) -> bool:
    """Fill ``begun.out`` with a compiled driver if one is ready; False (nothing written) when
    the numpy loop must run instead."""
    call = _plan(setup, begun)
    if call_if_ready(call.spec, call.args):
        call.finish()
        return True
    if compile_queue.failed(call.spec):
        return False
    drive = _driver_for(call, setup)
    if drive is None:
        return False
    drive(*call.args)
    call.finish()
    return True


# ---------------------------------------------------------------------------------------------
# Compiling ahead of use: synchronously (warm_up, the --compile command) or in the background


def _name(obj) -> str:
    return str(getattr(obj, "key", obj))


def _probe(surface, optimizer, big_batch: bool) -> _Call:
    """A one-step run of the pair, planned (not run): the driver and argument types every
    real run of that driver uses (``_plan`` gives each argument one type whatever the settings)."""
    start = np.asarray(surface.start, dtype=float)
    hyper = None
    if big_batch:
        hyper = {"lr": np.full(BIG_BATCH_MIN_RUNS, float(optimizer.resolve(None)["lr"]))}
    setup = batch_setup(surface, optimizer, hyper, start, 1, record="final" if big_batch else "full")
    with np.errstate(all="ignore"):
        return _plan(setup, begin(setup))


def compile_pair(surface, optimizer, big_batch: bool = False) -> bool:
    """Compile (or load from the disk cache) one driver of a pair, here and now; False when
    the pair has no kernel or the compiled path is off."""
    surface, optimizer = resolve_surface(surface), resolve_optimizer(optimizer)
    if not enabled() or surface.kernel is None or optimizer.kernel is None:
        return False
    call = _probe(surface, optimizer, big_batch)
    return entry(call.spec, call.args, compile=True) is not None


def warm_up(surfaces=None, optimizers=None, *, batches: bool = False) -> float:
    """Compile (or load from the disk cache) the drivers of these pairs; returns the seconds.

    Defaults: every registered surface and optimizer that declares a kernel. The general driver
    (one run: the Compare page, simulate) always; with ``batches`` also the big-batch driver for
    a learning rate per run (Tune, a sweep over lr). Synchronous, on the caller's thread (an
    image build, a deployment script, a benchmark): numba holds the GIL while it compiles.
    """
    SURFACES, OPTIMIZERS = registered_surfaces(), registered_optimizers()
    t0 = time.perf_counter()
    if not enabled():
        return 0.0
    surfs = [SURFACES[k] if isinstance(k, str) else k for k in (surfaces or SURFACES)]
    opts = [OPTIMIZERS[k] if isinstance(k, str) else k for k in (optimizers or OPTIMIZERS)]
    for s in surfs:
        for o in opts:
            if s.kernel is not None and o.kernel is not None:
                compile_pair(s, o)
                if batches:
                    compile_pair(s, o, big_batch=True)
    return time.perf_counter() - t0


def _registry_key(obj, registry: dict, same: Callable[[Any, Any], bool]) -> "str | None":
    """The key of a registered object that compiles to the same driver as ``obj`` (a rotated
    quadratic made on the fly shares its kernel functions with the registered one)."""
    key = getattr(obj, "key", None)
    if registry.get(key) is obj:
        return key
    for k, other in registry.items():
        if same(obj, other):
            return k
    return None


def _job(call: _Call, surface, optimizer) -> "compile_queue.Job":
    """The background job for ``call``: a nice'd subprocess when another process can import the
    pair by registry key and the cache is on disk, else a compilation in this process."""
    SURFACES, OPTIMIZERS = registered_surfaces(), registered_optimizers()

    big = call.spec.big_batch is not None
    argv = None
    if cache_dir() is not None and cacheable(call.spec):
        s_key = _registry_key(surface, SURFACES, lambda a, b: b.kernel is not None and
                              (a.kernel.f, a.kernel.grad) == (b.kernel.f, b.kernel.grad))
        o_key = _registry_key(optimizer, OPTIMIZERS, lambda a, b: b.kernel is not None and
                              a.kernel.step is b.kernel.step and a.kernel.preconditioner is b.kernel.preconditioner
                              and a.hyper_keys == b.hyper_keys)
        if s_key is not None and o_key is not None:
            argv = [sys.executable, "-m", "optimizers.compile_pair", s_key, o_key] + (["--big-batch"] if big else [])
    args = call.args
    label = f"{_name(surface)}/{_name(optimizer)}{' (big batch)' if big else ''}"
    return compile_queue.Job(
        key=(call.spec, tuple(type(a).__name__ for a in args)),
        spec=call.spec,
        label=label,
        argv=argv,
        ready=lambda: available(call.spec, args),
        compile_here=lambda: entry(call.spec, args, compile=True),
    )


def _warm_up_jobs(first: Sequence[tuple[str, str]] = ()):
    """The ``first`` (surface, optimizer) pairs (the lessons' own, from the caller), then every
    other pair (general drivers), then the big-batch drivers: what the start-up warm-up queues,
    lowest priority. Unknown keys in ``first`` are skipped."""
    SURFACES, OPTIMIZERS = registered_surfaces(), registered_optimizers()

    if not enabled() or compile_mode() != "background":
        return
    pairs = [(str(s), str(o)) for s, o in first] + [(s, o) for s in SURFACES for o in OPTIMIZERS]
    seen = set()
    for big in (False, True):
        for s_key, o_key in pairs:
            surface, optimizer = SURFACES.get(s_key), OPTIMIZERS.get(o_key)
            if surface is None or optimizer is None or surface.kernel is None or optimizer.kernel is None:
                continue
            if (s_key, o_key, big) in seen:
                continue
            seen.add((s_key, o_key, big))
            yield _job(_probe(surface, optimizer, big), surface, optimizer)


def warm_up_in_background(first: Sequence[tuple[str, str]] = ()) -> None:
    """Start compiling every pair in the background, the ``first`` (surface, optimizer) pairs
    first (the app passes its lesson presets'; idempotent: once per process). Returns at once; the worker runs nice'd subprocesses one at a time and pauses
    while this process is busy serving, so the first visitors never wait for it.

    Not under pytest (an AppTest runs app.py to test the page, and minutes of compilation
    beside a test run only slow it down) nor with DESCENT_WARM_UP=off."""
    if os.environ.get("DESCENT_WARM_UP", "on").strip().lower() in ("off", "0", "no") or "pytest" in sys.modules:
        return
    first = tuple(first)
    compile_queue.start_warm_up(lambda: _warm_up_jobs(first))
