"""How fast the Compare page redraws, and how much data the player sends.

    python benchmarks/bench_page.py            # script run times (AppTest) + payload size
    python benchmarks/bench_page.py --browser  # + websocket bytes measured in Chromium

Figures printed:
- CPU time of a rerun after one slider change in the classroom case (4 optimizers x 500 steps on
  Rosenbrock, Adam's lr moved to a value not seen before);
- script run time of the default page: first run of a session (cold caches) and a rerun after
  moving one slider (what a student feels);
- the same for 6 optimizers × 2,000 steps on Rosenbrock;
- the player's component payload (JSON args) for 6 × 2,000 on Rosenbrock;
- noise clouds of 128 seeded runs for all 7 optimizers at 500 / 2,000 / 5,000 steps, and the
  payload those clouds add;
- "Tune learning rates" for all optimizers (one vectorized sweep each over the lr slider's 66
  values; with noise, 66 values x 32 or 16 noise streams) at 500 / 2,000 / 5,000 steps on
  Rosenbrock and six-hump camel (``--tune-only``: just these);
- with --browser: total websocket bytes received by the browser for that page (the issue's
  budget is 3 MB), and frame intervals during playback.

No assertions: numbers for the closing note and for spotting regressions by eye.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

SIX = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"]
LRS = {"sgd": "0.001", "momentum": "0.001", "nesterov": "0.001", "adagrad": "0.5", "rmsprop": "0.01", "adam": "0.05"}
SIX_QUERY = {"surface": "rosenbrock", "opt": SIX, "steps": "2000", "x0": "-1.5", "y0": "2", "noise": "0", "seed": "0",
             **{f"{k}.lr": v for k, v in LRS.items()}}


def _clear_caches() -> None:
    import streamlit as st

    from viz import player

    st.cache_data.clear()
    st.cache_resource.clear()
    player.RUN_JSON.clear()
    player.GRID_JSON.clear()


#: The classroom case: 4 optimizers x 500 steps on Rosenbrock, one lr moved.
CLASS_QUERY = {"surface": "rosenbrock", "opt": ["sgd", "momentum", "nesterov", "adam"], "steps": "500",
               "x0": "-1.5", "y0": "2"}


def cpu_per_change(changes: int = 12) -> tuple[float, float]:
    """(median, max) CPU seconds of a rerun after moving Adam's lr to a value not seen before.

    CPU time of this process (``time.process_time``), so a busy machine inflates it less than
    wall time; every change is a new value, so the moved run is never served from a cache.
    """
    _clear_caches()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    for k, v in CLASS_QUERY.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    options = list(at.select_slider(key="hp.adam.lr").options)
    at.select_slider(key="hp.adam.lr").set_value(float(options[1]))
    at.run()  # warm: imports and first-use costs are not a slider change
    cpu = []
    for i in range(changes):
        at.select_slider(key="hp.adam.lr").set_value(float(options[2 + i % (len(options) - 2)]))
        t0 = time.process_time()
        at.run()
        cpu.append(time.process_time() - t0)
        assert not at.exception, [e.value for e in at.exception]
    return statistics.median(cpu), max(cpu)


def time_page(query: dict | None, slider: tuple[str, float], repeats: int = 5) -> tuple[float, float]:
    """(first run, median rerun after moving ``slider``) in seconds, as AppTest measures them."""
    _clear_caches()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    t0 = time.perf_counter()
    at.run()
    first = time.perf_counter() - t0
    assert not at.exception, [e.value for e in at.exception]
    key, value = slider
    values = [value, float(at.select_slider(key=key).value)]
    reruns = []
    for i in range(repeats):
        target = values[i % 2]
        at.select_slider(key=key).set_value(target)
        t0 = time.perf_counter()
        at.run()
        reruns.append(time.perf_counter() - t0)
        assert not at.exception, [e.value for e in at.exception]
    return first, statistics.median(reruns)


def payload_size() -> tuple[int, float]:
    """Bytes of the player's args for 6 × 2,000 on Rosenbrock, and the time to build them."""
    from optimizers import OPTIMIZERS, simulate
    from surfaces import SURFACES
    from viz.contours import contour_grid
    from viz.player import payload_bytes, player_payload, velocity_arrows
    from viz.trajectory import Trajectory

    s = SURFACES["rosenbrock"]
    trajs = [Trajectory.from_frame(simulate(s, k, {"lr": float(LRS[k])}, (-1.5, 2.0), 2000), k, OPTIMIZERS[k].label,
                                   2000, OPTIMIZERS[k].state_names) for k in SIX]
    from ui.simulation import GRID_POINTS

    grid = contour_grid(s.f, s.bounds, GRID_POINTS)  # the page's grid
    t0 = time.perf_counter()
    payload = player_payload(grid, trajs, minima=s.minima, start=(-1.5, 2.0),
                             velocities={t.key: velocity_arrows(t) for t in trajs})
    return payload_bytes(payload), time.perf_counter() - t0


def tune_figures() -> None:
    """"Tune learning rates" for every optimizer, as the page runs it (cold): wall and CPU time.

    Noise-free, one run per slider value; with noise (σ = 0.5), slider values × noise streams
    (32 up to 1,000 steps, 16 beyond) in one call per optimizer. Rosenbrock, where large rates
    diverge and drop out early, and six-hump camel, where none do (the costly case).
    """
    from optimizers import OPTIMIZERS
    from lessons.tuning import default_streams, tune_learning_rate
    from surfaces import SURFACES
    from lessons.race_link import hyper_grid

    for surface_key in ("rosenbrock", "six_hump_camel"):
        s = SURFACES[surface_key]
        for steps in (500, 2000, 5000):
            times = []
            for noise in (0.0, 0.5):
                t0, c0 = time.perf_counter(), time.process_time()
                for key in OPTIMIZERS:
                    grid = hyper_grid(key, "lr")
                    tune_learning_rate(s, key, {}, s.start, steps, lr_grid=grid, noise=noise)
                times.append((time.perf_counter() - t0, time.process_time() - c0))
            (w0, c0), (w1, c1) = times
            print(f"Tune learning rates, {len(OPTIMIZERS)} optimizers x {steps} steps, {s.label}: noise-free "
                  f"{w0:.2f} s wall / {c0:.2f} s CPU (66 runs each); noisy {w1:.2f} s wall / {c1:.2f} s CPU "
                  f"({default_streams(steps)} streams, {66 * default_streams(steps):,} runs each)")


def tune_and_cloud_figures() -> None:
    """Cloud times on Rosenbrock for all 7 optimizers, as the page runs them (cold), and their payload."""
    from optimizers import OPTIMIZERS, simulate
    from lessons.tuning import noise_cloud
    from surfaces import SURFACES
    from viz.clouds import cloud_view
    from viz.contours import contour_grid
    from viz.player import payload_bytes, player_payload
    from viz.trajectory import Trajectory

    s = SURFACES["rosenbrock"]
    lrs = {"sgd": 0.001, "momentum": 0.001, "nesterov": 0.001, "adagrad": 0.5, "rmsprop": 0.01, "adam": 0.05,
           "adamw": 0.05}
    for steps in (500, 2000, 5000):
        t0 = time.perf_counter()
        views = [cloud_view(noise_cloud(s, k, {"lr": lrs[k]}, (-1.5, 2.0), steps, noise=0.5, n_runs=128), key=k,
                            label=OPTIMIZERS[k].label) for k in OPTIMIZERS]
        clouds = time.perf_counter() - t0
        print(f"7 optimizers x {steps} steps, Rosenbrock: noise clouds of 128 runs {clouds:.2f} s")
    trajs = [Trajectory.from_frame(simulate(s, k, {"lr": lrs[k]}, (-1.5, 2.0), 5000, noise=0.5), k,
                                   OPTIMIZERS[k].label, 5000, OPTIMIZERS[k].state_names) for k in OPTIMIZERS]
    from ui.simulation import GRID_POINTS

    grid = contour_grid(s.f, s.bounds, GRID_POINTS)
    plain = payload_bytes(player_payload(grid, trajs, minima=s.minima))
    full = payload_bytes(player_payload(grid, trajs, minima=s.minima, clouds=views))
    print(f"player payload for 7 x 5000 Rosenbrock: {plain:,} bytes; with 7 clouds of 128 runs {full:,} bytes")


def browser_figures() -> None:
    """Websocket bytes and playback frame intervals for the 6 × 2,000 page in Chromium."""
    from urllib.parse import urlencode

    from playwright.sync_api import sync_playwright

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless=true",
                             f"--server.port={port}", "--server.address=127.0.0.1", "--browser.gatherUsageStats=false",
                             "--server.fileWatcherType=none"], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        qs = urlencode([(k, v) for k, vals in SIX_QUERY.items() for v in (vals if isinstance(vals, list) else [vals])])
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync"])
            page = browser.new_page(viewport={"width": 1600, "height": 1100})
            received: list[int] = []
            page.on("websocket", lambda ws: ws.on("framereceived", lambda p: received.append(len(p) if p else 0)))
            t0 = time.perf_counter()
            page.goto(f"{url}/?{qs}")
            page.wait_for_selector('iframe[title*="descent_player"]', timeout=120_000)
            frame = None
            while frame is None:
                frame = next((f for f in page.frames if "descent_player" in f.url), None)
                page.wait_for_timeout(100)
            frame.wait_for_function("() => document.querySelectorAll('g.contourlayer path').length > 0", timeout=60_000)
            loaded = time.perf_counter() - t0
            page.wait_for_timeout(1000)
            print(f"browser: websocket bytes received for 6 x 2000 Rosenbrock: {sum(received):,} "
                  f"(budget 3,000,000); first paint of the player after {loaded:.1f} s")
            frame.locator("select.speedsel").select_option("60")
            frame.locator("button.play").click()
            gaps = frame.evaluate("""() => new Promise(res => { const t = []; function f(x) { t.push(x);
                if (t.length < 180) requestAnimationFrame(f); else { const d = [];
                for (let i = 1; i < t.length; i++) d.push(t[i] - t[i - 1]); d.sort((a, b) => a - b);
                res({median: d[d.length >> 1], p95: d[Math.floor(d.length * 0.95)], max: d[d.length - 1]}); } }
                requestAnimationFrame(f); })""")
            print(f"browser: playback at 60 steps/s, frame interval median {gaps['median']:.1f} ms, "
                  f"p95 {gaps['p95']:.1f} ms, max {gaps['max']:.1f} ms (16.7 ms = 60 fps)")
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--browser", action="store_true", help="also measure websocket bytes in Chromium")
    parser.add_argument("--tune-only", action="store_true", help="only the Tune learning rates timings")
    args = parser.parse_args()
    if args.tune_only:
        tune_figures()
        return

    med, worst = cpu_per_change()
    print(f"4 optimizers x 500 steps, Rosenbrock, Adam's lr moved to a new value: CPU per rerun median "
          f"{med * 1000:.0f} ms, max {worst * 1000:.0f} ms (target <= 60 ms of server CPU per interaction; includes AppTest's own work)")
    first, rerun = time_page(None, ("hp.sgd.lr", 0.5))
    print(f"default page (4 optimizers x 30 steps): first run {first * 1000:.0f} ms, "
          f"rerun after a slider move {rerun * 1000:.0f} ms")
    first, rerun = time_page(SIX_QUERY, ("hp.adam.lr", 0.02))
    print(f"6 optimizers x 2000 steps, Rosenbrock: first run {first * 1000:.0f} ms, "
          f"rerun after a slider move {rerun * 1000:.0f} ms")
    size, built = payload_size()
    print(f"player payload (component args) for 6 x 2000 Rosenbrock: {size:,} bytes, built in {built * 1000:.0f} ms")
    tune_and_cloud_figures()
    tune_figures()
    if args.browser:
        browser_figures()


if __name__ == "__main__":
    main()
