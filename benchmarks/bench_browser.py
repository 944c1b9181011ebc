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
- JavaScript bytes loaded and how many of them are Plotly bundles;
- the live sliders (``--live``, on by default), on a 4-optimizer, 500-step race at 1366×768,
  390×844 (touch) and 1920×1080 (projector): the bar's button is pressed (the families are
  computed and sent), then the first optimizer's live slider is dragged with the mouse, one move
  per display frame across its stops. Input event → the animation frame that drew the new path
  (the player's own records, event.timeStamp to the end of drawing), median and p95; frames per
  second while dragging against the same page's idle rate (requestAnimationFrame counts);
  messages sent to the server while dragging (must be 0: no rerun); and, in Python, the server
  CPU to build a 48-value family for 4 optimizers × 500 steps, the payload growth and what the
  shared cache holds per distinct race.

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


LIVE_QUERY = ("surface=bowl&opt=sgd&opt=momentum&opt=adagrad&opt=adam&steps=500&x0=-7&y0=2&sgd.lr=0.95"
              "&momentum.lr=0.1&adagrad.lr=1.5&adam.lr=0.3")
LIVE_SIZES = {"1366x768": dict(viewport={"width": 1366, "height": 768}),
              "390x844 touch": dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True),
              "1920x1080 projector": dict(viewport={"width": 1920, "height": 1080})}
#: Counts animation frames in the player's frame (the display's refresh while nothing else runs).
RAF_COUNT_JS = """() => { window.__raf = 0; const tick = () => { window.__raf++; requestAnimationFrame(tick); };
  requestAnimationFrame(tick); }"""


def pct(values, q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else float("nan")


def live_drag(browser, url: str, size: str, moves: int = 120) -> dict:
    """Open the live sliders and drag the first one back and forth, one move per display frame."""
    context = browser.new_context(**LIVE_SIZES[size])
    page = context.new_page()
    sent: list[float] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda _: sent.append(time.time())))
    page.goto(url + ("&projector=1" if "projector" in size else ""))
    frame = player_frame(page, 120_000)
    frame.wait_for_function(PLAYER_DRAWN_JS, timeout=120_000)
    page.wait_for_timeout(1500)
    t0 = time.perf_counter()
    frame.locator("button.livebtn").click()
    frame.wait_for_function("() => document.querySelectorAll('.liverow').length === 4", timeout=120_000)
    opened = time.perf_counter() - t0
    page.wait_for_timeout(1500)
    rng = frame.locator(".liverow").first.locator("input.liverange")
    if size.startswith("390"):
        rng.scroll_into_view_if_needed()
    else:  # the sliders high on the screen: the loss chart under the maps is on screen, drawn every frame too
        # (on the projector the top of the screen is under Streamlit's header: the middle there)
        rng.evaluate("(e, b) => e.scrollIntoView({block: b})", "center" if "projector" in size else "start")
    page.wait_for_timeout(500)
    box = rng.bounding_box()
    y = box["y"] + box["height"] / 2
    frame.evaluate(RAF_COUNT_JS)
    idle0 = frame.evaluate("() => [window.__raf, performance.now()]")
    page.wait_for_timeout(1000)
    idle1 = frame.evaluate("() => [window.__raf, performance.now()]")
    idle_fps = (idle1[0] - idle0[0]) / (idle1[1] - idle0[1]) * 1000
    frame.evaluate("() => { window.DescentPlayer.liveStats.latency = []; window.DescentPlayer.liveStats.frames = []; }")
    quiet = len(sent)
    page.mouse.move(box["x"] + box["width"] * 0.5, y)
    page.mouse.down()
    d0 = frame.evaluate("() => [window.__raf, performance.now()]")
    for i in range(moves):  # a sweep across a third of the track and back, once per frame
        phase = (i % 60) / 60
        frac = 0.5 + 0.3 * (phase * 2 if phase < 0.5 else 2 - phase * 2)
        page.mouse.move(box["x"] + box["width"] * frac, y)
        page.wait_for_timeout(16)
    d1 = frame.evaluate("() => [window.__raf, performance.now()]")
    during = len(sent) - quiet
    page.mouse.up()
    stats = frame.evaluate("() => window.DescentPlayer.liveStats")
    chart_seen = frame.evaluate("() => !!window.descentPlayer.lossChart.onScreen")
    drag_fps = (d1[0] - d0[0]) / (d1[1] - d0[1]) * 1000
    page.wait_for_timeout(2000)
    context.close()
    lat = stats["latency"]
    return {"size": size, "open_s": opened, "events": len(lat), "median_ms": statistics.median(lat) if lat else float("nan"),
            "p95_ms": pct(lat, 0.95), "drag_fps": drag_fps, "idle_fps": idle_fps, "sent_while_dragging": during,
            "chart": chart_seen}


def live_server_figures() -> None:
    """Server CPU for the families, payload growth and the cache per distinct race (in this process)."""
    import tracemalloc

    sys.path.insert(0, str(ROOT))
    os_env = __import__("os").environ
    os_env.setdefault("DESCENT_COMPILE", "sync")
    from lessons.live_family import run_family, thin
    from lessons.race import Race
    from ui import live as live_ui
    from viz.player.live import live_body, stride_for

    race = Race("bowl", {"sgd": {"lr": 0.95}, "momentum": {"lr": 0.1}, "adagrad": {"lr": 1.5}, "adam": {"lr": 0.3}},
                (-7.0, 2.0), 500)
    forty_eight = {k: {"lr": thin(live_ui.axis_values(race, k, "lr"), race.hyper(k)["lr"], 48)} for k in race.opts}
    for k in race.opts:  # compile (or load) the drivers first: a server has them warm
        run_family(race, k, ["lr"], stops=forty_eight[k])
    cpu = []
    for _ in range(7):
        t = time.process_time()
        fams = [run_family(race, k, ["lr"], stops=forty_eight[k]) for k in race.opts]
        runs_s = time.process_time() - t
        stride = stride_for(sum(f.members for f in fams), race.steps)
        bodies = [live_body(f, stride=stride, loss_offset=0.0, labels=[[str(v) for v in f.axes[0][1]]], symbols=["η"],
                            choices=[("lr", "η lr")], verdicts=[0] * f.members) for f in fams]
        cpu.append((runs_s, time.process_time() - t, sum(len(b) for b in bodies)))
    runs_ms = statistics.median(c[0] for c in cpu) * 1e3
    total_ms = statistics.median(c[1] for c in cpu) * 1e3
    print(f"live  server CPU, 48-value lr family × 4 optimizers × 500 steps: run_batch {runs_ms:.1f} ms, "
          f"with its JSON {total_ms:.1f} ms (budget 50 ms); payload growth {cpu[0][2] / 1e6:.2f} MB (budget 1 MB)")
    live_ui.BODIES.clear()
    tracemalloc.start()
    t = time.process_time()
    bodies = live_ui.live_payload(race, {k: ("lr",) for k in race.opts})
    cold = time.process_time() - t
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    print(f"live  the page's whole lr sliders ({len(live_ui.axis_values(race, 'sgd', 'lr'))} values × 4): "
          f"{cold * 1e3:.1f} ms cold, payload growth {sum(len(b) for b in bodies.values()) / 1e6:.2f} MB, "
          f"cache held per distinct race {held / 1e6:.2f} MB (shared by every session on that race)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--query", default="preset=textbook", help="the Compare page link to measure")
    parser.add_argument("--no-live", dest="live", action="store_false", help="skip the live sliders' figures")
    args = parser.parse_args()
    if args.live:
        live_server_figures()
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
                if ours and args.live:
                    for size in LIVE_SIZES:
                        r = live_drag(browser, f"{server.url}/?{LIVE_QUERY}", size)
                        print(f"live  {r['size']:20} open {r['open_s']:.2f} s; input → frame drawn median "
                              f"{r['median_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms ({r['events']} events); "
                              f"{r['drag_fps']:.0f} fps dragging / {r['idle_fps']:.0f} idle = "
                              f"{r['drag_fps'] / r['idle_fps']:.2f}; sent while dragging: {r['sent_while_dragging']}; "
                              f"loss chart {'on screen, sketched each frame' if r['chart'] else 'off screen'}")
            browser.close()
        (po, qo), (pb, qb) = results["ours"], results["bare"]
        print(f"ratio ours / bare: first chart {statistics.median(t for t, _, _ in po) / statistics.median(t for t, _, _ in pb):.2f}x"
              f" (target <= 1.2x), slider to quiet {statistics.median(qo) / statistics.median(qb):.2f}x (target <= 1.5x)")
    finally:
        for server in servers:
            server.stop()


if __name__ == "__main__":
    main()
