"""Nobody waits for a compiler: a pair whose driver is not compiled yet runs on the numpy loop
(the same bits) while the background worker compiles it; a damaged disk cache is rebuilt; a
kernel numba cannot compile leaves its pair on the numpy loop with a log line, never an error.

Each test starts from an empty cache directory (tmp_path) and an empty in-memory driver table,
so it sees what a fresh server sees.
"""

from __future__ import annotations

import dataclasses
import logging

import numpy as np
import pytest

from optimizers import OPTIMIZERS, run_batch
from optimizers import compile_queue, compiled, driver_cache
from optimizers.base import ScalarKernel

pytest.importorskip("numba")

from tests.test_compiled_engine import assert_identical  # noqa: E402

ARGS = ("bowl", "momentum", {"lr": np.array([0.01, 0.1, 0.5, 2.5])}, np.array([1.5, -1.0]), 60)


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    """An empty disk cache and no driver in memory; returns a spy of which path each run took."""
    monkeypatch.setenv("DESCENT_NUMBA_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("DESCENT_ENGINE", "auto")
    monkeypatch.setattr(driver_cache, "_DISPATCHERS", {})
    monkeypatch.setattr(compile_queue, "_FAILED", set())
    taken = []
    real = compiled.run

    def spy(*args, **kwargs):
        ran = real(*args, **kwargs)
        taken.append("compiled" if ran else "numpy")
        return ran

    monkeypatch.setattr(compiled, "run", spy)
    return taken


def _numpy_reference(monkeypatch, **kw):
    monkeypatch.setenv("DESCENT_ENGINE", "numpy")
    ref = run_batch(*ARGS, **kw)
    monkeypatch.setenv("DESCENT_ENGINE", "auto")
    return ref


def test_uncompiled_pair_runs_numpy_then_compiled_with_the_same_bits(fresh, monkeypatch, caplog):
    monkeypatch.setenv("DESCENT_COMPILE", "background")
    kw = dict(record="full", tol=1e-3, noise=0.2, seed=7)
    ref = _numpy_reference(monkeypatch, **kw)
    first = run_batch(*ARGS, **kw)  # no driver anywhere: the numpy loop, and the pair is queued
    assert fresh == ["numpy"]
    assert_identical(ref, first)
    with caplog.at_level(logging.INFO, logger="optimizers"):
        assert compile_queue.wait_idle(timeout=300)
    assert any("compiled" in r.getMessage() for r in caplog.records)
    later = run_batch(*ARGS, **kw)  # loaded from the disk cache the subprocess wrote
    assert fresh == ["numpy", "compiled"]
    assert_identical(ref, later)


def _corrupt(cache, pattern: str, how: str) -> int:
    hits = 0
    for path in sorted(cache.rglob(pattern)):
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 3] if how == "truncate" else b"\x80\x04garbage")
        hits += 1
    return hits


@pytest.mark.parametrize("pattern, how", [("descent_driver_*.py", "truncate"), ("*.nbi", "garbage"),
                                          ("*.nbc", "truncate")])
def test_damaged_cache_is_rebuilt_never_a_crash(fresh, monkeypatch, tmp_path, caplog, pattern, how):
    monkeypatch.setenv("DESCENT_COMPILE", "sync")
    ref = _numpy_reference(monkeypatch, record="path")
    assert_identical(ref, run_batch(*ARGS, record="path"))  # compiles into the empty cache
    assert _corrupt(tmp_path / "cache", pattern, how) > 0
    monkeypatch.setattr(driver_cache, "_DISPATCHERS", {})  # a new process meets the damage
    with caplog.at_level(logging.WARNING, logger="optimizers"):
        again = run_batch(*ARGS, record="path")
    assert fresh == ["compiled", "compiled"]
    assert_identical(ref, again)
    if pattern != "descent_driver_*.py":  # a damaged module is simply written again
        assert any("damaged" in r.getMessage() or "unusable" in r.getMessage() for r in caplog.records)
    # and the rebuilt entry loads cleanly in the next process
    monkeypatch.setattr(driver_cache, "_DISPATCHERS", {})
    monkeypatch.setenv("DESCENT_COMPILE", "off")
    assert_identical(ref, run_batch(*ARGS, record="path"))
    assert fresh[-1] == "compiled"


def _untypable_step(p, g, lr, st, new, i, c, sc, d, weight_decay):
    return p - g * lr + len(object.__subclasses__())  # numba cannot type this


def _ones(new, i, c, sc, d):
    return 1.0


@pytest.mark.parametrize("how", ["sync", "background"])
def test_compile_failure_falls_back_to_numpy_with_a_log_line(fresh, monkeypatch, caplog, how):
    monkeypatch.setenv("DESCENT_COMPILE", how)
    broken = dataclasses.replace(OPTIMIZERS["sgd"], kernel=ScalarKernel(_untypable_step, _ones))
    monkeypatch.setenv("DESCENT_ENGINE", "numpy")
    ref = run_batch("bowl", "sgd", {"lr": 0.1}, np.array([1.5, -1.0]), 40, record="full")
    monkeypatch.setenv("DESCENT_ENGINE", "auto")
    with caplog.at_level(logging.WARNING, logger="optimizers"):
        res = run_batch("bowl", broken, {"lr": 0.1}, np.array([1.5, -1.0]), 40, record="full")
        assert compile_queue.wait_idle(timeout=300)
        again = run_batch("bowl", broken, {"lr": 0.1}, np.array([1.5, -1.0]), 40, record="full")
    assert fresh == ["numpy", "numpy"]
    assert_identical(ref, res)
    assert_identical(ref, again)
    assert any("failed" in r.getMessage() and "numpy" in r.getMessage() for r in caplog.records)


def test_cache_dir_falls_back_when_home_is_not_writable(monkeypatch, tmp_path):
    """A home the server cannot write (here a file where the cache directory should be, which
    stops root too): the cache goes to a per-user directory in the temp dir, and works."""
    import tempfile

    blocker = tmp_path / "home-is-a-file"
    blocker.write_text("")
    monkeypatch.delenv("DESCENT_NUMBA_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker / "cache"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    root = driver_cache.cache_dir()
    assert root is not None and root.parent == tmp_path / "tmp" and root.is_dir()
    monkeypatch.setenv("DESCENT_NUMBA_CACHE", "")
    assert driver_cache.cache_dir() is None  # explicitly off: compile in memory


def test_start_up_warm_up_queues_the_first_pairs_first(monkeypatch):
    """The warm-up's order: the pairs the caller names first (the app: its lesson presets'),
    then every other pair, general drivers before big-batch ones; unknown keys are skipped."""
    import itertools

    monkeypatch.setenv("DESCENT_COMPILE", "background")
    first = [("rosenbrock", "sgd"), ("atlantis", "adam"), ("rosenbrock", "adam")]
    jobs = list(itertools.islice(compiled._warm_up_jobs(first), 2))
    assert [job.label for job in jobs] == ["rosenbrock/sgd", "rosenbrock/adam"]
    assert all(job.argv is not None and job.argv[-1] != "--big-batch" for job in jobs)

    jobs = list(compiled._warm_up_jobs())
    assert any(job.spec.big_batch is not None for job in jobs)
    assert len({job.key for job in jobs}) == len(jobs)  # every driver once


def test_warm_up_in_background_starts_once(monkeypatch):
    started = []
    monkeypatch.setattr(compile_queue, "_WARM_UP_STARTED", False)
    monkeypatch.setattr(compile_queue, "_ensure_worker", lambda: started.append(1))
    monkeypatch.setattr(compile_queue, "_WARM_UP_SOURCE", None)
    for _ in range(3):
        compile_queue.start_warm_up(lambda: iter(()))
    assert started == [1]
    monkeypatch.setattr(compile_queue, "_WARM_UP_SOURCE", None)
    compile_queue._IDLE.set()
