"""What a student feels in Chromium: first chart, and a slider change until the page is quiet.

    python benchmarks/bench_browser.py [--repeats 5] [--query "preset=textbook"]

Against the bare page (benchmarks/bare_page.py: one slider, one small Plotly chart), in the
same run on the same machine, in Debian's Chromium driven by Playwright:

- first paint: from navigation to the first chart drawn (bare page: Plotly's SVG is on screen;
  ours: every map of the player has its contour painted), a fresh browser context each time
  (cold cache, as a student's first visit);
- slider change to quiet page: from a key press on the first visible slider until the DOM has
  stopped changing for 0.5 s (MutationObserver over the page and the player's frame), i.e. the
  rerun, its messages and every redraw are done;
- JavaScript bytes loaded and how many of them are Plotly bundles.

Prints medians and the ratio ours / bare. No assertions: figures for the closing note.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_classroom import BARE, Server  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-quic", "--no-first-run"]

#: Records the time of the latest DOM change in this document (and keeps doing so).
WATCH_JS = """() => { window.__lastMutation = performance.now();
  new MutationObserver(() => { window.__lastMutation = performance.now(); })
    .observe(document, {subtree: true, childList: true, attributes: true, characterData: true}); }"""

BARE_DRAWN_JS = "() => document.querySelectorAll('.js-plotly-plot .main-svg').length > 0"
PLAYER_DRAWN_JS = """() => { const ps = document.querySelectorAll('.panel');
  return ps.length > 0 && Array.from(ps).every(p => p.querySelectorAll('g.contourlayer path').length > 0); }"""


def player_frame(page, timeout_ms: float):
    deadline = time.time() + timeout_ms / 1000
    while time.time() < deadline:
        for frame in page.frames:
            if "descent_player" in frame.url:
                return frame
        page.wait_for_timeout(20)
    raise TimeoutError("player iframe not found")


def first_paint(browser, url: str, ours: bool) -> tuple[float, int, int]:
    """(seconds to first chart, JS bytes, Plotly bundle count) on a fresh context."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    js = {"bytes": 0, "plotly": 0}

    def on_response(resp) -> None:
        if resp.request.resource_type == "script":
            try:
                size = len(resp.body())
            except Exception:  # noqa: BLE001 - redirected or aborted responses have no body
                return
            js["bytes"] += size
            if "plotly" in resp.url.lower() or size > 3_000_000:
                js["plotly"] += 1

    page.on("response", on_response)
    t0 = time.perf_counter()
    page.goto(url)
    if ours:
        frame = player_frame(page, 120_000)
        frame.wait_for_function(PLAYER_DRAWN_JS, timeout=120_000, polling=20)
    else:
        page.wait_for_function(BARE_DRAWN_JS, timeout=120_000, polling=20)
    elapsed = time.perf_counter() - t0
    page.wait_for_timeout(1500)  # let late bundles arrive before counting
    context.close()
    return elapsed, js["bytes"], js["plotly"]


def slider_to_quiet(browser, url: str, ours: bool, repeats: int) -> list[float]:
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.goto(url)
    if ours:
        player_frame(page, 120_000).wait_for_function(PLAYER_DRAWN_JS, timeout=120_000)
    else:
        page.wait_for_function(BARE_DRAWN_JS, timeout=120_000)
    page.wait_for_timeout(2000)
    out = time_slider_changes(page, [page.main_frame] + ([player_frame(page, 10_000)] if ours else []), repeats)
    context.close()
    return out


def time_slider_changes(page, frames, repeats: int) -> list[float]:
    """Seconds from each of ``repeats`` keyboard moves of the first visible slider to a quiet
    page: no DOM change in any of ``frames`` for 0.5 s (checked from Python every 50 ms)."""
    slider = page.locator('[data-testid="stSlider"]:visible').first
    slider.scroll_into_view_if_needed()
    slider.locator('input[type="range"]').locator("xpath=../..").click()
    page.wait_for_timeout(2000)
    out = []
    for i in range(repeats):
        for frame in frames:
            frame.evaluate(WATCH_JS)
        t0 = time.perf_counter()
        page.keyboard.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
        # Quiet: no DOM change in any watched frame for 0.5 s (checked from Python, every 50 ms).
        while True:
            page.wait_for_timeout(50)
            now = time.perf_counter()
            ages = [frame.evaluate("() => performance.now() - window.__lastMutation") for frame in frames]
            if min(ages) > 500 and now - t0 > 0.6:
                out.append(now - t0 - min(ages) / 1000)
                break
            if now - t0 > 60:
                out.append(float("nan"))
                break
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--query", default="preset=textbook", help="the Compare page link to measure")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    servers = [Server.start("ours", ROOT / "app.py"), Server.start("bare", BARE)]
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            results = {}
            for server, ours in zip(servers, (True, False)):
                url = f"{server.url}/?{args.query}" if ours else server.url
                first_paint(browser, url, ours)  # warm the server (imports, caches), not the browser
                paints = [first_paint(browser, url, ours) for _ in range(args.repeats)]
                quiet = slider_to_quiet(browser, url, ours, args.repeats)
                results[server.name] = (paints, quiet)
                p = statistics.median(t for t, _, _ in paints)
                q = statistics.median(quiet)
                print(f"{server.name:5} first chart {p:6.2f} s   slider change to quiet page {q:6.2f} s   "
                      f"JS {paints[-1][1] / 2**20:5.1f} MB, Plotly bundles: {paints[-1][2]}")
            browser.close()
        (po, qo), (pb, qb) = results["ours"], results["bare"]
        print(f"ratio ours / bare: first chart {statistics.median(t for t, _, _ in po) / statistics.median(t for t, _, _ in pb):.2f}x"
              f" (target <= 1.2x), slider to quiet {statistics.median(qo) / statistics.median(qb):.2f}x (target <= 1.5x)")
    finally:
        for server in servers:
            server.stop()


if __name__ == "__main__":
    main()
