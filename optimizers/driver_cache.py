"""Compiled drivers, kept in memory and on disk: build, load, and never crash on a bad cache.

A driver is a generated module (``driver_source``) written to ``cache_dir()`` and imported
from there, so numba's own cache (``cache=True``) keeps its machine code beside it: another
process loads it in ~10 ms instead of compiling for 1-6 s. ``entry`` answers the engine's one
question, without ever compiling unless asked to: is the driver for these argument types in
memory or loadable from disk right now?

A stale or corrupt cache entry (a truncated module, a damaged numba index or data file) is
logged, deleted and rebuilt: the cache can only cost time, never an exception.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import inspect
import logging
import math
import os
import sys
import tempfile
import threading
import types
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .driver_source import DriverSpec, driver_source, kernel_closure

log = logging.getLogger(__name__)

_JIT_OPTIONS = dict(nogil=True, error_model="numpy")  # IEEE: x / 0 is inf, not an exception
_LOCK = threading.RLock()
_DISPATCHERS: dict[DriverSpec, Any] = {}
_INLINED: dict[Callable, Any] = {}
_NUMBA: Any = None  # the numba module, False if it does not import


def numba_module():
    """numba, imported on first use (False when it does not import: the numpy path runs)."""
    global _NUMBA
    if _NUMBA is None:
        try:
            import numba

            _NUMBA = numba
        except Exception:  # noqa: BLE001 - not installed or broken
            _NUMBA = False
    return _NUMBA


def _writable_dir(path: Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".probe-{os.getpid()}-{threading.get_ident()}"
        probe.write_text("")
        probe.unlink()
        return True
    except OSError:
        return False


def cache_dir() -> "Path | None":
    """Where compiled drivers are kept between processes (None: compile in memory each time).

    ``DESCENT_NUMBA_CACHE`` (empty: off), else ``$XDG_CACHE_HOME/descent-numba`` or
    ``~/.cache/descent-numba``; never inside the repository. When that directory cannot be
    written (a service user without a home, a read-only home), a per-user directory in the
    system's temp dir: the cache then lasts until the machine cleans its temp dir.
    """
    return _cache_dir_for(os.environ.get("DESCENT_NUMBA_CACHE"), os.environ.get("XDG_CACHE_HOME"),
                          os.path.expanduser("~"), tempfile.gettempdir())


@functools.lru_cache(maxsize=8)
def _cache_dir_for(env: "str | None", xdg: "str | None", home: str, tmp: str) -> "Path | None":
    """``cache_dir`` for these settings (probed once: the probe writes a file)."""
    if env is not None:
        if not env.strip():
            return None
        chosen = Path(env)
    else:
        chosen = Path(xdg or os.path.join(home, ".cache")) / "descent-numba"
    if _writable_dir(chosen):
        return chosen
    fallback = Path(tmp) / f"descent-numba-{os.getuid() if hasattr(os, 'getuid') else 'user'}"
    if _writable_dir(fallback):
        log.info("numba cache %s is not writable; using %s", chosen, fallback)
        return fallback
    return None


def inline_kernel(fn: Callable):
    """``fn`` compiled to be inlined (numba ``inline="always"``), with every plain Python
    function it calls (``kernel_pieces``, a shared step) bound to its inlined version too.

    Why rebinding: the optimizer modules stay plain Python (no numba import); their kernels
    call the pieces by their module-level names, which numba could not call as Python
    functions. The kernel's code is reused as is, under globals where those names are
    compiled pieces."""
    jitted = _INLINED.get(fn)
    if jitted is not None:
        return jitted
    nb = numba_module()
    glb = dict(fn.__globals__)
    for name in fn.__code__.co_names:
        value = glb.get(name)
        if inspect.isfunction(value):
            glb[name] = inline_kernel(value)
    rebound = types.FunctionType(fn.__code__, glb, fn.__name__, fn.__defaults__, fn.__closure__)
    rebound.__qualname__, rebound.__module__ = fn.__qualname__, fn.__module__
    jitted = nb.njit(inline="always", **_JIT_OPTIONS)(rebound)
    _INLINED[fn] = jitted
    return jitted


def _module_source(spec: DriverSpec) -> str:
    """A module defining ``drive`` for ``spec``: imported from a file, numba caches it."""
    lines = ["import math", "import numba", "import numpy as np",
             "from optimizers.driver_cache import inline_kernel", "", f"_OPTIONS = {_JIT_OPTIONS!r}"]
    for name, fn in spec.kernels.items():
        lines.append(f"from {fn.__module__} import {fn.__qualname__} as {name}_py")
        lines.append(f"{name} = inline_kernel({name}_py)")
    lines += ["", driver_source(spec), "", "drive = numba.njit(cache=True, **_OPTIONS)(drive)", ""]
    return "\n".join(lines)


def _module_name(spec: DriverSpec, source: str) -> str:
    """Hashes the driver, every kernel's source (and of what it calls) and numba/numpy's
    versions, so an edited kernel gets a new file (numba itself only checks the driver's file)."""
    digest = hashlib.sha1(source.encode())
    for fn in spec.kernels.values():
        for piece in kernel_closure(fn):
            digest.update(inspect.getsource(piece).encode())
    digest.update(f"{numba_module().__version__} {np.__version__}".encode())
    return f"descent_driver_{digest.hexdigest()[:16]}"


def cacheable(spec: DriverSpec) -> bool:
    """Can a separate process import this pair's kernels (module-level functions)?"""
    return all("<" not in fn.__qualname__ for fn in spec.kernels.values())


def _load_module(spec: DriverSpec, root: Path):
    source = _module_source(spec)
    name = _module_name(spec, source)
    root.mkdir(parents=True, exist_ok=True)  # again: it may have been cleaned since it was probed
    path = root / f"{name}.py"
    try:
        current = path.read_text() if path.exists() else None
    except (OSError, UnicodeDecodeError):
        current = None
    if current != source:  # missing, or truncated / damaged: write it whole (atomically)
        tmp = root / f".{name}.{os.getpid()}.{threading.get_ident()}.tmp"
        tmp.write_text(source)
        os.replace(tmp, path)
    sys.modules.pop(name, None)
    module_spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module  # numba rebuilds a cached function's globals by module name
    module_spec.loader.exec_module(module)
    return module.drive


def _in_memory(spec: DriverSpec):
    nb = numba_module()
    scope = {"math": math, "np": np, **{name: inline_kernel(fn) for name, fn in spec.kernels.items()}}
    exec(compile(driver_source(spec), "<descent compiled driver>", "exec"), scope)
    return nb.njit(**_JIT_OPTIONS)(scope["drive"])


def dispatcher(spec: DriverSpec):
    """The numba dispatcher of ``spec``'s driver (not compiled yet: numba compiles or loads
    per argument types), from the disk cache's module when there is one."""
    fn = _DISPATCHERS.get(spec)
    if fn is not None:
        return fn
    with _LOCK:
        fn = _DISPATCHERS.get(spec)
        if fn is None:
            root = cache_dir()
            if root is not None and cacheable(spec):
                try:
                    fn = _load_module(spec, root)
                except Exception as exc:  # noqa: BLE001 - a broken cache costs time, never a crash
                    log.warning("compiled driver cache unusable (%s: %s); rebuilding it", type(exc).__name__, exc)
                    purge(spec)
                    try:
                        fn = _load_module(spec, root)
                    except Exception:  # noqa: BLE001 - unwritable after all: compile in memory
                        fn = None
            if fn is None:
                fn = _in_memory(spec)
            _DISPATCHERS[spec] = fn
    return fn


def _no_implicit_compile(drive) -> None:
    """Once it has machine code, a dispatcher never compiles on a call: a call with argument
    types it has no code for raises TypeError at once (``call_if_ready``) instead of
    compiling for seconds (numba refuses this switch while it has no code at all)."""
    if drive.signatures:
        drive.disable_compile()


def call_if_ready(spec: DriverSpec, args: tuple) -> bool:
    """Run ``spec``'s driver on ``args`` if machine code for their types is in memory: the
    fast path of every call after a pair's first (numba's own dispatch, ~1 µs; no Python-level
    typing of the arguments, which costs more than the 500-step run). False: nothing ran."""
    drive = _DISPATCHERS.get(spec)
    if drive is None or getattr(drive, "_can_compile", True):  # none yet, or no machine code yet
        return False
    try:
        drive(*args)
    except TypeError as exc:  # no machine code for these types: the caller asks ``entry``
        if "No matching definition" in str(exc):
            return False
        raise
    return True


def purge(spec: DriverSpec) -> None:
    """Delete ``spec``'s generated module and numba's index and data files for it, and forget
    its dispatcher: the next use rebuilds them."""
    with _LOCK:
        drive = _DISPATCHERS.pop(spec, None)
        root = cache_dir()
        if root is None or not cacheable(spec):
            return
        name = _module_name(spec, _module_source(spec))
        sys.modules.pop(name, None)
        folders = {root, root / "__pycache__"}
        cache_path = getattr(getattr(drive, "_cache", None), "_cache_path", None)
        if cache_path:
            folders.add(Path(cache_path))
        for folder in folders:
            for path in folder.glob(f"{name}.*"):
                try:
                    path.unlink()
                except OSError:
                    pass


def signature(drive, args) -> tuple:
    """numba's argument types for a call of ``drive`` with ``args``."""
    return tuple(drive.typeof_pyval(a) for a in args)


def entry(spec: DriverSpec, args: tuple, *, compile: bool):
    """The driver for ``args`` if it is compiled in memory or loadable from the disk cache
    (loaded now, ~10 ms), else compiled here when ``compile`` is true, else None.

    A damaged cache entry is logged and deleted (the caller then compiles, or gets None and
    queues a compilation); a compile error is logged and raised to the caller."""
    drive = dispatcher(spec)
    sig = signature(drive, args)
    if sig in drive.overloads:
        return drive
    try:
        if _load_cached_overload(drive, sig):
            return drive
    except Exception as exc:  # noqa: BLE001 - truncated .nbi/.nbc, a pickle of another version
        log.warning("compiled driver cache entry damaged (%s: %s); deleting it", type(exc).__name__, exc)
        purge(spec)
        drive = dispatcher(spec)
        sig = signature(drive, args)
    if not compile:
        return None
    drive.disable_compile(False)
    try:
        drive.compile(sig)
    finally:
        _no_implicit_compile(drive)
    return drive


def available(spec: DriverSpec, args: tuple) -> bool:
    """Is the driver for ``args`` compiled in memory or in the disk cache's index? Loads
    nothing: the warm-up asks this for every pair, and loading every driver into the server
    would cost memory for pairs nobody opens (a visitor's run loads its own, ~10 ms)."""
    try:
        drive = dispatcher(spec)
        sig = signature(drive, args)
        if sig in drive.overloads:
            return True
        cache = drive._cache
        index = cache._cache_file._load_index()
        return cache._index_key(sig, drive.targetctx.codegen()) in index
    except Exception:  # noqa: BLE001 - unreadable index: not available (the compile repairs it)
        return False


def _load_cached_overload(drive, sig) -> bool:
    """Load ``sig``'s machine code from numba's disk cache into ``drive`` (what
    ``Dispatcher.compile`` does before compiling), without ever compiling."""
    from numba.core.compiler_lock import global_compiler_lock

    # numba's compiler lock, not waited for: while a compilation runs in this process (a
    # fallback in the background worker) the caller takes the numpy path instead of blocking.
    lock = getattr(global_compiler_lock, "_lock", None)
    if lock is not None and not lock.acquire(blocking=False):
        return False
    try:
        cres = drive._cache.load_overload(sig, drive.targetctx)
        if cres is None:
            return False
        if sig not in drive.overloads:
            if not cres.objectmode:
                drive.targetctx.insert_user_function(cres.entry_point, cres.fndesc, [cres.library])
            drive.add_overload(cres)
            _no_implicit_compile(drive)
        return True
    finally:
        if lock is not None:
            lock.release()
