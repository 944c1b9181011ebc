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

    return 0 if compile_pair(ns.surface, ns.optimizer, big_batch=ns.big_batch) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
