"""The source of the compiled drivers: the engine's loop written once more as Python text that
numba compiles, generated for one (surface kernel, optimizer kernel) pair.

Two drivers, both filled from the same constants as the numpy loop (``records.MAX_ABS_PARAM``,
``records.MAX_LOSS``), so they stop a diverging run at the same update:

* the general driver: one run after another, every ``record`` mode, per-run noise streams;
* the big-batch driver (``record`` "final"/"path", shared noise): runs in blocks, vectorized
  across the runs of a block (see ``_BIG_BATCH_SOURCE``).

Kernel hyperparameters are passed by name: a kernel's parameters after the fixed ones
(``STEP_ARGS``/``PRECONDITIONER_ARGS``) are names of ``Optimizer.hypers``, and the generator
writes the table row of each (``kernel_hyper_rows``). No kernel reads a hyperparameter by its
position, so reordering ``hypers`` or adding one cannot silently feed a kernel another value.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable

from .records import MAX_ABS_PARAM, MAX_LOSS

#: The fixed leading parameters of a kernel's ``step`` and ``preconditioner``; every further
#: parameter is a hyperparameter, by its key (see ``ScalarKernel``).
STEP_ARGS = ("p", "g", "lr", "st", "new", "i", "c", "sc", "d")
PRECONDITIONER_ARGS = ("new", "i", "c", "sc", "d")

#: Runs per block of the big-batch driver: a block's working set (every per-run value, one row
#: of BLOCK doubles each) stays in the L1 cache while the block runs all its steps.
BLOCK = 128

#: The big-batch driver's variants, one loop each in the compiled driver (``mode`` is the
#: index here): every hyperparameter but lr shared by all runs ("shared"); per-run values with
#: one table of per-step scalars ("run"); per-run values of the scalars' hyperparameters, each
#: run reading its own row of the table ("run_sc", a gather LLVM leaves scalar). One driver
#: with three loops compiles in about the time of one with one (numba's cost is per function).
#: Each maps to (hyperparameter table, its run index, scalar row of x, scalar row of y).
BIG_BATCH_MODES = {"shared": ("HYS", "0", "0", "0"), "run": ("HY", "j", "0", "0"),
                   "run_sc": ("HY", "j", "IDX[0, j]", "IDX[1, j]")}


@dataclass(frozen=True)
class DriverSpec:
    """Which driver: the four kernel functions, the optimizer's hyperparameter keys (the rows
    of the hyperparameter table) and, for the big-batch driver, (state entries, hyperparameters).
    Equal specs share one compiled driver."""

    f: Callable
    grad: Callable
    step: Callable
    preconditioner: Callable
    hyper_keys: tuple[str, ...]
    big_batch: "tuple[int, int] | None" = None

    @property
    def kernels(self) -> dict[str, Callable]:
        """The kernels by the names the driver calls them."""
        return {"_f": self.f, "_grad": self.grad, "_step": self.step, "_pre": self.preconditioner}


def kernel_hyper_rows(fn: Callable, fixed: tuple[str, ...], hyper_keys: tuple[str, ...]) -> tuple[int, ...]:
    """Rows of the hyperparameter table for ``fn``'s named hyperparameters, in its order.

    Raises TypeError for a kernel whose leading parameters are not ``fixed`` or that names a
    hyperparameter the optimizer does not have (or lr, which reaches it scheduled, as ``lr``).
    """
    names = list(inspect.signature(fn).parameters)
    if len(names) < len(fixed):
        raise TypeError(f"{fn.__qualname__} must take {', '.join(fixed)} first")
    wanted = names[len(fixed):]
    unknown = [n for n in wanted if n not in hyper_keys or n == "lr"]
    if unknown:
        raise TypeError(f"{fn.__qualname__} names {unknown} beyond its fixed arguments; "
                        f"the optimizer's hyperparameters are {hyper_keys} (lr comes as `lr`)")
    return tuple(hyper_keys.index(n) for n in wanted)


def _hyper_args(rows: tuple[int, ...], table: str, coord: int, run: str) -> str:
    return "".join(f", {table}[{q}, {coord}, {run}]" for q in rows)


_GENERAL_SOURCE = '''
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
            nx = _step(x, gx, lr, ST, NEW, i, 0, sc, IDX[i, 0]%(step0)s)
            ny = _step(y, gy, lr, ST, NEW, i, 1, sc, IDX[i, 1]%(step1)s)
            ln = _f(nx, ny, SP)
            ok = abs(nx) <= %(max_abs_param)r and abs(ny) <= %(max_abs_param)r and ln <= %(max_loss)r and ln > -math.inf
            if ok:
                for k in range(K):
                    if not (math.isfinite(NEW[k, 0, i]) and math.isfinite(NEW[k, 1, i])):
                        ok = False
                        break
            if not ok:  # frozen at its last finite point (numpy_loop._freeze)
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
                eff[t - 1, i, 0] = lr * _pre(ST, i, 0, sc, IDX[i, 0]%(pre0)s)
                eff[t - 1, i, 1] = lr * _pre(ST, i, 1, sc, IDX[i, 1]%(pre1)s)
                for k in range(K):
                    states[k, t - 1, i, 0] = ST[k, 0, i]
                    states[k, t - 1, i, 1] = ST[k, 1, i]
            act[m] = i
            m += 1
        n = m
    return n
'''

# The big-batch driver ("final" and "path" records): runs are independent, so it takes them in
# blocks of BLOCK and runs every step on one block before the next. Inside a block, structure of
# arrays: row r of one buffer W holds one value (a coordinate, a state entry, a hyperparameter)
# for every run of the block, and the step is one loop over runs with no indirection, no early
# exit and no call, which LLVM vectorizes (AVX-512/AVX2) without fastmath: +, -, *, /, sqrt
# round the same in every lane. All rows are views of one allocation with constant shapes, so
# LLVM proves they do not overlap (separate arrays need runtime alias checks, too many here).
# State is updated in place; a run that went bad keeps its old point (selects). Hyperparameters
# shared by all runs (all but lr, in a sweep over lr) are read from HYS, one value each, not
# from per-run rows. Divergence is a per-run flag computed branch-free; only when a run went
# bad this step does the slow path freeze it (numpy_loop._freeze: last finite point,
# diverged_at = t) and move the block's last run into its slot. _K, _J and _B are constants of
# the generated module.
_BIG_BATCH_SOURCE = """
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

# One step of one run of the big-batch driver, branch-free. The old point is not saved: a run
# that went bad keeps it (selects), its state is left as the step made it (the fast path no
# longer reads it) and the slow path freezes it at X, L. thr is -inf when tol is not tracked,
# and TT < 0 means pending.
_BIG_BATCH_STEP = """
x = X[0, j]
y = X[1, j]
lo = L[j]
gx, gy = _grad(x, y, SP)
gx = gx + NZ[0, j] * z0 if noise_on else gx
gy = gy + NZ[1, j] * z1 if noise_on else gy
lr = LR[j] * f if has_sched else LR[j]
nx = _step(x, gx, lr, ST, ST, j, 0, sc, %(d0)s%(hy0)s)
ny = _step(y, gy, lr, ST, ST, j, 1, sc, %(d1)s%(hy1)s)
ln = _f(nx, ny, SP)
ok = (abs(nx) <= %(max_abs_param)r) & (abs(ny) <= %(max_abs_param)r) & (ln <= %(max_loss)r) & (ln > -math.inf)
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

_LIMITS = {"max_abs_param": MAX_ABS_PARAM, "max_loss": MAX_LOSS}


def driver_source(spec: DriverSpec) -> str:
    """The Python source of ``drive`` for ``spec`` (the kernels are globals named as in
    ``DriverSpec.kernels``; ``math`` and ``np`` are imported by the caller)."""
    step_rows = kernel_hyper_rows(spec.step, STEP_ARGS, spec.hyper_keys)
    if spec.big_batch is None:
        pre_rows = kernel_hyper_rows(spec.preconditioner, PRECONDITIONER_ARGS, spec.hyper_keys)
        return _GENERAL_SOURCE % {
            "step0": _hyper_args(step_rows, "HY", 0, "i"), "step1": _hyper_args(step_rows, "HY", 1, "i"),
            "pre0": _hyper_args(pre_rows, "HY", 0, "i"), "pre1": _hyper_args(pre_rows, "HY", 1, "i"),
            **_LIMITS,
        }

    def body(table: str, run: str, d0: str, d1: str) -> str:
        text = _BIG_BATCH_STEP % {"d0": d0, "d1": d1, "hy0": _hyper_args(step_rows, table, 0, run),
                                  "hy1": _hyper_args(step_rows, table, 1, run), **_LIMITS}
        return "\n".join(" " * 20 + line for line in text.strip().splitlines())

    states, hypers = spec.big_batch
    head = f"_K = {states}\n_J = {hypers}\n_B = {BLOCK}\n"
    return head + _BIG_BATCH_SOURCE % {name: body(*args) for name, args in BIG_BATCH_MODES.items()}


def kernel_closure(fn: Callable) -> list[Callable]:
    """``fn`` and every plain Python function it calls through its globals, depth first (the
    pieces of ``kernel_pieces`` and shared steps such as Adam's): what gets compiled inline."""
    seen: dict[Any, None] = {}

    def visit(f):
        if f in seen:
            return
        seen[f] = None
        for name in f.__code__.co_names:
            value = f.__globals__.get(name)
            if inspect.isfunction(value):
                visit(value)

    visit(fn)
    return list(seen)
