"""The first visitor on a fresh server: cold numba cache against a warm one, in the same run.

    python benchmarks/bench_cold_start.py [--repeats 3] [--query "surface=rosenbrock&opt=sgd..."]

Each repeat starts ``streamlit run app.py`` twice, with ``DESCENT_NUMBA_CACHE`` pointing to an
empty temp dir (cold: nothing compiled) and to a dir where the link's pairs were compiled
beforehand (warm), opens the race link in Chromium (Playwright, a fresh context) and times
until every map of the player is drawn (``bench_browser.first_paint``), then makes 10 slider
changes, each waited for until the page is quiet, and reads the server's CPU seconds over those
10 interactions from /proc (utime + stime of the server process; its compile subprocesses,
nice'd, are reported apart). Prints medians and the ratio cold / warm (target: first chart
within 1.2x). Traffic only to 127.0.0.1. No assertions: figures for benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_browser import ARGS, CHROMIUM, PLAYER_DRAWN_JS, first_paint, player_frame, time_slider_changes  # noqa: E402
from bench_classroom import TICKS, Server  # noqa: E402

RACE = "surface=rosenbrock&opt=sgd&opt=momentum&opt=rmsprop&opt=adam&steps=500"


def children_cpu(pid: int) -> float:
    """CPU seconds of the finished children of ``pid`` (its compile subprocesses)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[13]) + int(fields[14])) / TICKS  # cutime, cstime


def warm_cache(directory: str, query: str) -> float:
    """Compile the link's pairs into ``directory`` (what a warm server finds); seconds."""
    params = [p.split("=", 1) for p in query.split("&")]
    surface = next(v for k, v in params if k == "surface")
    opts = [v for k, v in params if k == "opt"]
    code = (f"from optimizers.compiled import warm_up; print(warm_up([{surface!r}], {opts!r}))")
    env = dict(os.environ, DESCENT_NUMBA_CACHE=directory, DESCENT_COMPILE="sync")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def interactions(browser, url: str, server: Server, n: int = 10) -> tuple[float, float]:
    """(server CPU seconds, median seconds to a quiet page) over ``n`` slider changes."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.goto(url)
    player_frame(page, 120_000).wait_for_function(PLAYER_DRAWN_JS, timeout=120_000)
    page.wait_for_timeout(1000)
    cpu0 = server.cpu_seconds()
    waits = time_slider_changes(page, [page.main_frame, player_frame(page, 10_000)], n)
    cpu = server.cpu_seconds() - cpu0
    context.close()
    return cpu, statistics.median(waits)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--query", default=RACE, help="the Compare page link to open")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    results: dict[str, list[tuple[float, float, float, float]]] = {"cold": [], "warm": []}
    with tempfile.TemporaryDirectory(prefix="descent-bench-") as tmp:
        warm_dir = os.path.join(tmp, "warm")
        print(f"warm cache: the link's pairs compiled in {warm_cache(warm_dir, args.query):.1f} s")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            for r in range(args.repeats):
                for kind in ("cold", "warm"):
                    cache = os.path.join(tmp, f"cold{r}") if kind == "cold" else warm_dir
                    os.environ["DESCENT_NUMBA_CACHE"] = cache  # inherited by the server
                    server = Server.start(kind, ROOT / "app.py")
                    try:
                        url = f"{server.url}/?{args.query}"
                        first, _, _ = first_paint(browser, url, True)
                        cpu, wait = interactions(browser, url, server)
                        compiles = children_cpu(server.pids[0])
                    finally:
                        server.stop()
                    results[kind].append((first, cpu, wait, compiles))
                    print(f"[{kind}] first chart {first:5.2f} s; 10 slider changes: server CPU {cpu:5.2f} s, "
                          f"median to quiet page {wait:4.2f} s; compile subprocesses so far {compiles:5.1f} s CPU")
            browser.close()
    med = {k: [statistics.median(x[i] for x in v) for i in range(3)] for k, v in results.items()}
    (fc, cc, wc), (fw, cw, ww) = med["cold"], med["warm"]
    most = max(x[3] for x in results["cold"])
    print(f"median cold: first chart {fc:.2f} s, CPU of 10 interactions {cc:.2f} s, to quiet {wc:.2f} s "
          f"(finished compile subprocesses, nice 19: up to {most:.1f} s CPU)")
    print(f"median warm: first chart {fw:.2f} s, CPU of 10 interactions {cw:.2f} s, to quiet {ww:.2f} s")
    print(f"ratio cold / warm: first chart {fc / fw:.2f}x (target <= 1.2x), server CPU {cc / cw:.2f}x, "
          f"to quiet {wc / ww:.2f}x")


if __name__ == "__main__":
    main()
