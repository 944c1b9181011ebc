"""``python -m optimizers.compile_pair <surface> <optimizer> [--big-batch]``: compile one driver
of the compiled path into the disk cache, then exit.

The background worker (``compile_queue``) runs this nice'd, so numba's compilation (1-6 s of
CPU, holding its process's GIL) happens outside the server process; the server then loads the
cached driver in ~10 ms. Its own module, imported by nothing, so ``-m`` runs it exactly once.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m optimizers.compile_pair")
    parser.add_argument("surface")
    parser.add_argument("optimizer")
    parser.add_argument("--big-batch", action="store_true", help="the big-batch driver (lr sweeps)")
    ns = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    os.environ["DESCENT_COMPILE"] = "sync"  # this process exists to compile

    from optimizers.compiled import compile_pair
    from optimizers.driver_cache import cache_dir

    # Several server processes (deploy/serve-class) may ask for the same driver at once: one
    # compiles, the others wait for it and then only load what it wrote.
    root = cache_dir()
    lock = None
    if root is not None:
        try:
            import fcntl

            lock = open(root / f".compile-{ns.surface}-{ns.optimizer}-{int(ns.big_batch)}.lock", "w")
            fcntl.flock(lock, fcntl.LOCK_EX)
        except (ImportError, OSError):  # no flock (not POSIX) or no lock file: compile anyway
            lock = None
    try:
        return 0 if compile_pair(ns.surface, ns.optimizer, big_batch=ns.big_batch) else 1
    finally:
        if lock is not None:
            lock.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
