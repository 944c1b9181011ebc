"""The background compiler: one worker thread, one compilation at a time, lowest priority.

Why a subprocess: numba holds the GIL while it compiles (1-6 s per driver), so a compilation
on a thread of the server process would stall every visitor's rerun for that long. The worker
thread only waits: it runs ``python -m optimizers.compile_pair ...`` under ``nice -n 19``,
which compiles into the shared disk cache, and the server then loads the driver in ~10 ms.
A job whose pair another process cannot import (a kernel defined in a function) or when the
disk cache is off is compiled on the worker thread instead (logged; rare).

The queue is de-duplicated (a pair asked for by ten visitors is compiled once). Jobs asked for
by a visitor's run go first; the start-up warm-up's jobs go last and wait while this process
is busy serving (its own CPU over the last second), so warming never competes with visitors.
A job that fails is logged and never retried: that pair stays on the numpy path, which gives
the same results.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from .driver_cache import cache_dir

log = logging.getLogger(__name__)

#: A warm-up job waits while this process used more than this share of one core over the
#: last second (visitors are being served).
BUSY_CPU_SHARE = 0.25
#: Seconds one compilation may take before it is abandoned (a fresh 2-core machine: ~6 s).
COMPILE_TIMEOUT = 600
_ROOT = Path(__file__).resolve().parents[1]  # the directory that holds the optimizers package


@dataclass
class Job:
    """One driver to compile. ``ready`` says whether it is compiled already (in memory or in
    the disk cache, nothing loaded);
    ``argv`` is the subprocess that compiles it (None: ``compile_here`` on the worker thread)."""

    key: Any
    spec: Any
    label: str
    argv: "list[str] | None"
    ready: Callable[[], bool]
    compile_here: Callable[[], Any]


_LOCK = threading.Condition()
_PENDING: "OrderedDict[Any, tuple[Job, bool]]" = OrderedDict()  # key -> (job, urgent)
_FAILED: set = set()
_WORKER: "threading.Thread | None" = None
_WARM_UP_STARTED = False
_WARM_UP_SOURCE: "Callable[[], Iterable[Job]] | None" = None
_IDLE = threading.Event()  # set while nothing is pending or running (tests, benchmarks wait on it)
_IDLE.set()


def failed(spec) -> bool:
    return spec in _FAILED


def mark_failed(spec) -> None:
    _FAILED.add(spec)


def request(job: Job, *, urgent: bool) -> None:
    """Queue ``job`` unless it is queued already or failed before; ``urgent`` (a visitor's run
    needs it) puts it before every warm-up job."""
    with _LOCK:
        if job.spec in _FAILED:
            return
        queued = _PENDING.get(job.key)
        if queued is not None:
            if urgent and not queued[1]:
                _PENDING[job.key] = (job, True)
                _PENDING.move_to_end(job.key, last=False)
            return
        _PENDING[job.key] = (job, urgent)
        if urgent:
            _PENDING.move_to_end(job.key, last=False)
        _IDLE.clear()
        _ensure_worker()
        _LOCK.notify()


def start_warm_up(source: Callable[[], Iterable[Job]]) -> None:
    """Queue the jobs ``source`` yields, at the lowest priority, once per process. ``source``
    runs on the worker thread (it imports numba and the registries: not on the caller's)."""
    global _WARM_UP_STARTED, _WARM_UP_SOURCE
    with _LOCK:
        if _WARM_UP_STARTED:
            return
        _WARM_UP_STARTED = True
        _WARM_UP_SOURCE = source
        _IDLE.clear()
        _ensure_worker()
        _LOCK.notify()


def wait_idle(timeout: float | None = None) -> bool:
    """Block until nothing is queued or compiling (for tests and benchmarks)."""
    return _IDLE.wait(timeout)


def _ensure_worker() -> None:
    global _WORKER
    if _WORKER is None or not _WORKER.is_alive():
        _WORKER = threading.Thread(target=_work, name="descent-compile-queue", daemon=True)
        _WORKER.start()


def _work() -> None:
    global _WARM_UP_SOURCE
    while True:
        with _LOCK:
            source, _WARM_UP_SOURCE = _WARM_UP_SOURCE, None
        if source is not None:
            try:
                for job in source():
                    request(job, urgent=False)
            except Exception:  # noqa: BLE001 - the warm-up is a nicety: log, keep serving
                log.exception("background warm-up: listing the pairs failed")
        with _LOCK:
            while not _PENDING and _WARM_UP_SOURCE is None:
                _IDLE.set()
                _LOCK.wait()
            if not _PENDING:
                continue
            key, (job, urgent) = next(iter(_PENDING.items()))
        if not urgent:
            _wait_until_quiet()
            with _LOCK:  # a visitor's job may have arrived meanwhile: it goes first
                key, (job, urgent) = next(iter(_PENDING.items()))
        try:
            _run(job)
        except Exception:  # noqa: BLE001 - never let the worker die
            log.exception("background compile of %s failed", job.label)
            _FAILED.add(job.spec)
        with _LOCK:
            _PENDING.pop(key, None)


def _wait_until_quiet() -> None:
    """Wait while this process is busy (visitors' reruns): its CPU over the last second."""
    while True:
        c0, t0 = time.process_time(), time.monotonic()
        time.sleep(1.0)
        share = (time.process_time() - c0) / max(time.monotonic() - t0, 1e-3)
        if share < BUSY_CPU_SHARE:
            return
        with _LOCK:  # an urgent job arrived meanwhile: it goes first, no waiting
            if _PENDING and next(iter(_PENDING.values()))[1]:
                return


def _run(job: Job) -> None:
    if job.ready():
        return
    t0 = time.monotonic()
    if job.argv is not None:
        argv = (["nice", "-n", "19"] if shutil.which("nice") else []) + job.argv
        env = dict(os.environ, DESCENT_COMPILE="sync")
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_ROOT), env.get("PYTHONPATH", "")) if p)
        root = cache_dir()
        if root is not None:  # the same directory, even when this process fell back to a temp dir
            env["DESCENT_NUMBA_CACHE"] = str(root)
        proc = subprocess.run(argv, cwd=_ROOT, env=env, capture_output=True, text=True,
                              timeout=COMPILE_TIMEOUT)
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            log.warning("background compile of %s failed (exit %s): %s; it stays on the numpy loop",
                        job.label, proc.returncode, " | ".join(tail))
            _FAILED.add(job.spec)
            return
        if job.ready():
            log.info("compiled %s in the background in %.1f s", job.label, time.monotonic() - t0)
            return
    # no subprocess possible, or this process's argument types differ from the subprocess's
    log.info("compiling %s on the background thread", job.label)
    try:
        job.compile_here()
    except Exception as exc:  # noqa: BLE001 - a kernel numba cannot type: numpy for good
        log.warning("background compile of %s failed (%s: %s); it stays on the numpy loop",
                    job.label, type(exc).__name__, exc)
        _FAILED.add(job.spec)
