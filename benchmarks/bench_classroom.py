"""A class of students on one server: join and slider times, CPU per interaction, memory.

    python benchmarks/bench_classroom.py                      # 30 students, scenarios a b c m
    python benchmarks/bench_classroom.py --students 10 --changes 3 --scenarios a,b,c
    python benchmarks/bench_classroom.py --processes 2        # also: 30 joins through the
                                                              # deploy/serve-class proxy, 2 vs 1

It starts our app and a bare Streamlit page (benchmarks/bare_page.py: one slider, one small
Plotly chart) headless on free loopback ports, and plays N students over Streamlit's own
websocket protocol with the protobuf messages that ship with Streamlit: a ``BackMsg`` with
``rerun_script`` carrying the page's query string (what a browser sends when it opens a link),
then widget changes (the slider's new value in ``widget_states``), each timed until the
server's ``script_finished``. Scenarios:

  a  the class joins at once with one shared lesson link (the teacher's tab, opened first on
     the projector, stays connected on both servers);
  b  the class joins at once, every student with individual settings;
  c  after b, every student makes --changes slider changes at a human pace (one every 2-5 s);
     on our page a student first opens the Adam expander that holds their lr slider (four
     optimizers' expanders start closed and their sliders are built only when opened), a
     rerun timed like the changes;
  m  --memory-students students (default 200) join in waves with individual settings and
     leave: the server's memory must level off (bounded caches), not grow with every student.
  l  (``--live memory,sqlite,redis``, alone) a live class: the teacher's two tabs (the Live
     class page, Compare) and --live-students students (default 60) in one room, per store
     backend (a redis-server is started on loopback for redis). The clients run the fragment
     timers a browser runs (a ``rerun_script`` with the fragment's id every ``auto_rerun``
     interval), so the protocol drives the polls. It prints p95 from the teacher's change (the
     steps box) until every student's page has it (their address bar), p95 from a vote until the
     projector's count includes it, the idle class's CPU (% of one core) and CPU per poll.

For each scenario it prints p50/p95/max seconds to a finished run, for ours and for the bare
page, their ratio, the server CPU-seconds per interaction (utime + stime of the server
processes from /proc) and, for b, the memory per connected session (RSS growth / N).

Only loopback addresses are used; every wait has a timeout and the whole run stops itself
after --max-seconds. No assertions: figures for the closing note (the machine is noisy, so
compare ratios against the bare page measured in the same run).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

ROOT = Path(__file__).resolve().parents[1]
BARE = ROOT / "benchmarks" / "bare_page.py"
TICKS = os.sysconf("SC_CLK_TCK")
EARLY = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN
RUN_TIMEOUT = 180.0  # seconds one run may take before the student gives up (counted as lost)

#: The shared lesson link of scenario a, and the individual settings of b and c: the profile
#: of the issue (4 optimizers x 500 steps on Rosenbrock), each student with their own lr.
SHARED_QUERY = "preset=rosenbrock"
INDIVIDUAL_QUERY = ("surface=rosenbrock&opt=sgd&opt=momentum&opt=nesterov&opt=adam&steps=500"
                    "&x0=-1.5&y0=2&adam.lr={lr}")
INDIVIDUAL_LRS = [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2]
OUR_SLIDER = r"^lr\b|learning rate|\\eta"
BARE_SLIDER = r"learning rate"
#: With four optimizers their expanders start closed and lazy (their sliders are not sent), so
#: a student first opens the one whose lr the link gave them (Adam), as in the browser.
OUR_EXPANDER = r"^Adam$"


# ------------------------------------------------------------------------------------ servers
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, timeout: float = 90.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not become healthy in {timeout:.0f} s")


#: The class arrives after the engine's background warm-up has finished (its own cost, the
#: first minutes of a fresh server, is measured by bench_cold_start.py): the servers here skip
#: it, and the pairs the scenarios use are compiled into the disk cache before they start.
CLASS_ENV = {**os.environ, "DESCENT_WARM_UP": "off"}


def streamlit_cmd(script: Path, port: int) -> list[str]:
    return [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless=true",
            f"--server.port={port}", "--server.address=127.0.0.1", "--browser.gatherUsageStats=false",
            "--server.fileWatcherType=none", "--server.runOnSave=false"]


@dataclass
class Server:
    """One or more server processes reachable at ``url`` (a proxy in front when several)."""

    name: str
    url: str
    procs: list[subprocess.Popen]
    pids: list[int] = field(default_factory=list)

    @classmethod
    def start(cls, name: str, script: Path) -> "Server":
        port = free_port()
        proc = subprocess.Popen(streamlit_cmd(script, port), cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, env=CLASS_ENV)
        server = cls(name, f"http://127.0.0.1:{port}", [proc], [proc.pid])
        wait_healthy(server.url)
        return server

    @classmethod
    def start_class(cls, name: str, n: int) -> "Server":
        """N app processes behind the proxy of deploy/serve-class (the documented way)."""
        port = free_port()
        proc = subprocess.Popen([str(ROOT / "deploy" / "serve-class"), str(n), "--port", str(port)], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                start_new_session=True, env=CLASS_ENV)
        pids: list[int] = []
        deadline = time.time() + 120
        while time.time() < deadline and len(pids) < n:  # serve-class prints "app <i> pid <pid> ..."
            line = proc.stdout.readline() if proc.stdout else ""
            if not line and proc.poll() is not None:
                raise RuntimeError("deploy/serve-class exited early")
            match = re.search(r"\bapp \d+ pid (\d+)", line)
            if match:
                pids.append(int(match.group(1)))
        server = cls(name, f"http://127.0.0.1:{port}", [proc], pids)
        wait_healthy(server.url)
        return server

    def cpu_seconds(self) -> float:
        total = 0.0
        for pid in self.pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime
        return total

    def rss_bytes(self) -> int:
        total = 0
        for pid in self.pids:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            except OSError:
                continue
        return total

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, 15) if proc.stdout else proc.terminate()
                except (ProcessLookupError, PermissionError):
                    proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


# ----------------------------------------------------------------------------------- students
@dataclass
class SliderInfo:
    id: str
    label: str
    options: list[str]
    low: float
    high: float
    step: float
    value: list[float]


class Student:
    """One browser tab, reduced to the websocket messages a browser exchanges with the server."""

    def __init__(self, url: str, query: str, slider_pattern: str, expander_pattern: str | None = None):
        self.ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
        self.query = query
        self.pattern = re.compile(slider_pattern)
        self.expander_pattern = re.compile(expander_pattern) if expander_pattern else None
        self.sliders: dict[str, SliderInfo] = {}
        self.expanders: dict[str, str] = {}  # label -> widget id of a lazy (keyed) expander
        self.opened: set[str] = set()  # expander ids this student has opened
        self.errors = 0
        self.last_error = ""
        self.ws = None

    async def connect(self) -> None:
        self.ws = await websockets.connect(self.ws_url, subprotocols=["streamlit"], max_size=None,
                                           open_timeout=RUN_TIMEOUT, ping_interval=None)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    def _widget_states(self) -> list[WidgetState]:
        states = [WidgetState(id=eid, bool_value=True) for eid in sorted(self.opened)]
        for info in self.sliders.values():
            state = WidgetState(id=info.id)
            if info.options:  # select_slider: Streamlit >= 1.5x sends the formatted option strings
                state.string_array_value.data.extend(info.options[int(i)] for i in info.value)
            else:
                state.double_array_value.data.extend(info.value)
            states.append(state)
        return states

    async def _run(self, widget_states: list[WidgetState] | None) -> float:
        """Send one rerun and wait for the run that answers it; seconds until it finished."""
        msg = BackMsg()
        msg.rerun_script.query_string = self.query
        msg.rerun_script.page_script_hash = ""
        if widget_states:
            msg.rerun_script.widget_states.widgets.extend(widget_states)
        t0 = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), timeout=RUN_TIMEOUT)
            fwd = ForwardMsg()
            fwd.ParseFromString(raw)
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                self._see(fwd.delta.new_element)
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "add_block":
                block = fwd.delta.add_block
                if block.WhichOneof("type") == "expandable" and block.expandable.id:
                    self.expanders[block.expandable.label] = block.expandable.id
            elif kind == "script_finished" and fwd.script_finished != EARLY:
                return time.perf_counter() - t0

    def _see(self, element) -> None:
        kind = element.WhichOneof("type")
        if kind == "exception":
            self.errors += 1
            self.last_error = f"{element.exception.type}: {element.exception.message}"[:200]
        elif kind == "slider":
            s = element.slider
            value = list(s.value) if s.set_value else list(s.default)
            self.sliders[s.id] = SliderInfo(s.id, s.label, list(s.options), s.min, s.max, s.step, value)

    async def join(self) -> float:
        await self.connect()
        return await self._run(None)

    async def open_expanders(self) -> float | None:
        """Open the closed expanders whose label matches (a click on each); None if none to open."""
        if self.expander_pattern is None:
            return None
        wanted = {eid for label, eid in self.expanders.items() if self.expander_pattern.search(label)}
        if wanted <= self.opened:
            return None
        self.opened |= wanted
        return await self._run(self._widget_states())

    async def move_slider(self, rng: random.Random) -> float:
        """Move the first slider whose label matches to another value, as a drag would."""
        info = next((s for s in self.sliders.values() if self.pattern.search(s.label)), None)
        if info is None:
            raise RuntimeError(f"no slider matching {self.pattern.pattern!r}; saw "
                               f"{[s.label for s in self.sliders.values()]}")
        if info.options:  # select_slider: the proto's value is an index into the options
            current = int(info.value[0]) if info.value else 0
            lo, hi = max(0, current - 5), min(len(info.options) - 1, current + 5)
            info.value = [float(rng.choice([i for i in range(lo, hi + 1) if i != current] or [current]))]
        else:
            n = max(1, int(round((info.high - info.low) / (info.step or 1))))
            info.value = [info.low + rng.randint(0, n) * (info.step or 1)]
        return await self._run(self._widget_states())


# ---------------------------------------------------------------------------------- scenarios
@dataclass
class Figures:
    times: list[float]
    interactions: int
    cpu: float
    lost: int = 0
    errors: int = 0
    first_error: str = ""

    def line(self, name: str) -> str:
        if not self.times:
            return f"{name:<12} no finished runs (lost {self.lost})"
        t = sorted(self.times)
        p95 = t[min(len(t) - 1, int(round(0.95 * (len(t) - 1))))]
        return (f"{name:<12} n={len(t):<4} p50 {statistics.median(t):6.2f} s  p95 {p95:6.2f} s  "
                f"max {t[-1]:6.2f} s  CPU {1000 * self.cpu / max(1, self.interactions):7.1f} ms/interaction"
                + (f"  lost {self.lost}" if self.lost else "") + (f"  page errors {self.errors} (first: {self.first_error})" if self.errors else ""))

    @property
    def p95(self) -> float:
        t = sorted(self.times)
        return t[min(len(t) - 1, int(round(0.95 * (len(t) - 1))))] if t else float("nan")


async def _gather(coros) -> tuple[list[float], int]:
    results = await asyncio.gather(*coros, return_exceptions=True)
    times = [r for r in results if isinstance(r, float)]
    return times, len(results) - len(times)


async def join_class(server: Server, queries: list[str], pattern: str,
                     expander: str | None = None) -> tuple[Figures, list[Student]]:
    students = [Student(server.url, q, pattern, expander) for q in queries]
    cpu0 = server.cpu_seconds()
    times, lost = await _gather([s.join() for s in students])
    cpu = server.cpu_seconds() - cpu0
    fig = Figures(times, len(students), cpu, lost, sum(s.errors for s in students))
    fig.first_error = next((s.last_error for s in students if s.last_error), "")
    return fig, students


async def slider_changes(server: Server, students: list[Student], changes: int, pace: tuple[float, float],
                         seed: int) -> Figures:
    async def one(student: Student, rng: random.Random) -> list[float]:
        out = []
        await asyncio.sleep(rng.uniform(*pace))
        opened = await student.open_expanders()  # a click that reruns too: timed like a change
        if opened is not None:
            out.append(opened)
        for _ in range(changes):
            await asyncio.sleep(rng.uniform(*pace))
            out.append(await student.move_slider(rng))
        return out

    cpu0 = server.cpu_seconds()
    results = await asyncio.gather(*(one(s, random.Random(seed + i)) for i, s in enumerate(students)),
                                   return_exceptions=True)
    cpu = server.cpu_seconds() - cpu0
    times = [t for r in results if isinstance(r, list) for t in r]
    lost = sum(1 for r in results if not isinstance(r, list))
    interactions = len(times) + lost * changes
    fig = Figures(times, interactions, cpu, lost * changes, sum(s.errors for s in students))
    fig.first_error = next((s.last_error for s in students if s.last_error), "")
    return fig


async def close_all(students: list[Student]) -> None:
    await asyncio.gather(*(s.close() for s in students), return_exceptions=True)


def individual_queries(n: int, offset: int = 0) -> list[str]:
    return [INDIVIDUAL_QUERY.format(lr=INDIVIDUAL_LRS[(i + offset) % len(INDIVIDUAL_LRS)]
                                    * (1 + ((i + offset) // len(INDIVIDUAL_LRS)) * 1e-3))
            for i in range(n)]


async def run_pair(ours: Server, bare: Server, args) -> None:
    n = args.students
    scen = set(args.scenarios.split(","))
    if "a" in scen:
        print(f"\n(a) {n} students join at once with one shared lesson link (?{SHARED_QUERY})")
        fo, so = await join_class(ours, [SHARED_QUERY] * n, OUR_SLIDER)
        await close_all(so)
        fb, sb = await join_class(bare, [""] * n, BARE_SLIDER)
        await close_all(sb)
        report(fo, fb)
    if "b" in scen or "c" in scen:
        print(f"\n(b) {n} students join at once with individual settings (4 optimizers x 500 steps, "
              "Rosenbrock, own lr)")
        rss0 = ours.rss_bytes()
        fo, so = await join_class(ours, individual_queries(n), OUR_SLIDER, OUR_EXPANDER)
        per_session = (ours.rss_bytes() - rss0) / n
        brss0 = bare.rss_bytes()
        fb, sb = await join_class(bare, [f"student={i}" for i in range(n)], BARE_SLIDER)
        bare_per_session = (bare.rss_bytes() - brss0) / n
        report(fo, fb)
        print(f"    memory per connected session: ours {per_session / 2**20:.2f} MB, "
              f"bare {bare_per_session / 2**20:.2f} MB")
        if "c" in scen:
            print(f"\n(c) each student makes {args.changes} slider changes, one every "
                  f"{args.pace[0]:g}-{args.pace[1]:g} s")
            fo_c, fb_c = await asyncio.gather(
                slider_changes(ours, so, args.changes, tuple(args.pace), args.seed),
                slider_changes(bare, sb, args.changes, tuple(args.pace), args.seed))
            report(fo_c, fb_c)
        await close_all(so)
        await close_all(sb)
    if "m" in scen:
        m = args.memory_students
        print(f"\n(m) {m} students join with individual settings in waves of {n} and leave")
        rss = [ours.rss_bytes()]
        done = 0
        while done < m:
            wave = min(n, m - done)
            _, st_ = await join_class(ours, individual_queries(wave, offset=done), OUR_SLIDER)
            await close_all(st_)
            done += wave
            await asyncio.sleep(1.0)
            rss.append(ours.rss_bytes())
        mb = [r / 2**20 for r in rss]
        print("    server RSS after each wave (MB): " + ", ".join(f"{v:.0f}" for v in mb))
        half = len(mb) // 2
        print(f"    growth over the second half of the waves: {mb[-1] - mb[half]:.1f} MB "
              f"(first half: {mb[half] - mb[0]:.1f} MB)")


def report(ours: Figures, bare: Figures) -> None:
    print("    " + ours.line("ours"))
    print("    " + bare.line("bare page"))
    if ours.times and bare.times:
        print(f"    p95 ratio ours / bare: {ours.p95 / bare.p95:.2f}x; CPU ratio: "
              f"{(ours.cpu / max(1, ours.interactions)) / max(1e-9, bare.cpu / max(1, bare.interactions)):.1f}x")


async def run_processes(args) -> None:
    n = args.students
    print(f"\n(p) {n} students join with individual settings: 1 process vs {args.processes} behind the proxy")
    results = {}
    for procs in (1, args.processes):
        server = Server.start_class(f"{procs} proc", procs)
        try:
            # Warm every process with the lesson the class will open (imports, the compiled
            # engine, the surface's contour grid), as the teacher's own visit would; the proxy deals
            # new connections round-robin, so `procs` joins reach each process.
            for _ in range(2):
                _, warm = await join_class(server, individual_queries(procs, offset=n), OUR_SLIDER)
                await close_all(warm)
            fig, st_ = await join_class(server, individual_queries(n), OUR_SLIDER)
            await close_all(st_)
            results[procs] = fig
            print("    " + fig.line(f"{procs} process" + ("es" if procs > 1 else "")))
        finally:
            server.stop()
    if all(results[p].times for p in results):
        print(f"    p95 with {args.processes} processes / 1 process: "
              f"{results[args.processes].p95 / results[1].p95:.2f}x")


# ------------------------------------------------------------------------------- live class
#: Scenario l: one live class of --live-students students in one room, per store backend.
LIVE_BACKENDS = ("memory", "sqlite", "redis")


class LiveClient:
    """A browser tab in a live class: one reader of the websocket, and the fragment timers a
    browser runs (Streamlit's frontend reruns a ``run_every`` fragment by sending a
    ``rerun_script`` with its ``fragment_id`` on a timer, announced by an ``auto_rerun`` message),
    so the server does exactly the work it does for a real class."""

    def __init__(self, url: str, query: str, page: str = "", cookie: str = ""):
        self.ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
        self.query, self.page, self.cookie = query, page, cookie
        self.buttons: dict[str, tuple[str, str]] = {}  # widget id -> (label, fragment id)
        self.numbers: dict[str, str] = {}  # label -> widget id of a number input
        self.texts: list[str] = []
        self.values: dict[str, WidgetState] = {}  # widget id -> the value this tab set
        self.page_hash = ""
        self.timers: dict[str, asyncio.Task] = {}
        self.polls = 0
        self.errors = 0
        self.finished = asyncio.Event()
        self.on_query = None  # callback(query, time)
        self.on_text = None  # callback(text, time)
        self.ws = None
        self.reader: asyncio.Task | None = None

    async def start(self) -> float:
        headers = {"Cookie": self.cookie} if self.cookie else None
        self.ws = await websockets.connect(self.ws_url, subprotocols=["streamlit"], max_size=None,
                                           open_timeout=RUN_TIMEOUT, ping_interval=None, additional_headers=headers)
        self.reader = asyncio.create_task(self._read())
        t0 = time.perf_counter()
        await self.run()
        return time.perf_counter() - t0

    async def close(self) -> None:
        for task in self.timers.values():
            task.cancel()
        if self.reader is not None:
            self.reader.cancel()
        if self.ws is not None:
            await self.ws.close()

    async def send(self, states=(), fragment: str = "", auto: bool = False) -> None:
        msg = BackMsg()
        msg.rerun_script.query_string = self.query
        # The page this tab shows, as the browser names it once the server has told it (an empty
        # hash would make every message a page switch, which drops the widgets' values).
        msg.rerun_script.page_script_hash = self.page_hash
        msg.rerun_script.page_name = "" if self.page_hash else self.page
        if fragment:
            msg.rerun_script.fragment_id = fragment
        msg.rerun_script.is_auto_rerun = auto
        # As a browser does, every message carries every value the tab has set (Streamlit merges
        # queued reruns, so a poll sent without them could undo a change still waiting to run).
        triggers = [w for w in states if w.WhichOneof("value") == "trigger_value"]
        self.values.update({w.id: w for w in states if w not in triggers})
        msg.rerun_script.widget_states.widgets.extend([*self.values.values(), *triggers])
        await self.ws.send(msg.SerializeToString())

    async def run(self, states=()) -> None:
        self.finished.clear()
        await self.send(states)
        await asyncio.wait_for(self.finished.wait(), timeout=RUN_TIMEOUT)

    async def _poll(self, fragment: str, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            self.polls += 1
            await self.send(fragment=fragment, auto=True)

    async def _read(self) -> None:
        while True:
            raw = await self.ws.recv()
            now = time.perf_counter()
            fwd = ForwardMsg()
            fwd.ParseFromString(raw)
            kind = fwd.WhichOneof("type")
            if kind == "navigation" and fwd.navigation.page_script_hash:
                self.page_hash = fwd.navigation.page_script_hash
            elif kind == "auto_rerun" and fwd.auto_rerun.fragment_id not in self.timers:
                self.timers[fwd.auto_rerun.fragment_id] = asyncio.create_task(
                    self._poll(fwd.auto_rerun.fragment_id, fwd.auto_rerun.interval))
            elif kind == "page_info_changed":
                self.query = fwd.page_info_changed.query_string
                if self.on_query:
                    self.on_query(self.query, now)
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                el = fwd.delta.new_element
                which = el.WhichOneof("type")
                if which == "button":
                    self.buttons[el.button.id] = (el.button.label, fwd.delta.fragment_id)
                elif which == "number_input":
                    self.numbers[el.number_input.label] = el.number_input.id
                elif which in ("markdown", "code"):
                    body = el.markdown.body if which == "markdown" else el.code.code_text
                    self.texts.append(body)
                    if self.on_text:
                        self.on_text(body, now)
                elif which == "exception":
                    self.errors += 1
            elif kind == "script_finished" and fwd.script_finished != EARLY:
                self.finished.set()

    def button(self, key: str) -> tuple[str, str]:
        for wid, (_, fragment) in self.buttons.items():
            if wid.endswith("-" + key):
                return wid, fragment
        raise RuntimeError(f"no button {key!r}")

    async def click(self, key: str) -> None:
        wid, fragment = self.button(key)
        await self.send([WidgetState(id=wid, trigger_value=True)], fragment=fragment)


def _p95(values: list[float]) -> float:
    t = sorted(values)
    return t[min(len(t) - 1, int(round(0.95 * (len(t) - 1))))] if t else float("nan")


async def live_class(server: Server, n: int, rng: random.Random, idle_seconds: float = 20.0) -> dict:
    """One class: the teacher's two tabs (the Live class page on the projector, Compare on the
    laptop), n students following; idle CPU, the teacher's changes, a vote."""
    desk = LiveClient(server.url, "", page="live_class")
    await desk.start()
    await desk.click("live_start")
    deadline = time.time() + 60
    code = token = None
    while time.time() < deadline and not (code and token):
        await asyncio.sleep(0.2)
        for text in desk.texts:
            m = re.search(r"\?room=([A-Z0-9]{6})&teacher=([\w-]+)", text)
            if m:
                code, token = m.group(1), m.group(2)
    if not code:
        raise RuntimeError("the teacher's page gave no class code")
    laptop = LiveClient(server.url, f"room={code}", cookie=f"descent_teacher_{code}={token}")
    await laptop.start()
    students = [LiveClient(server.url, f"room={code}") for _ in range(n)]
    joins: list[float] = []
    for i in range(0, n, 10):  # a class arrives over a minute, not in one millisecond
        joins += await asyncio.gather(*(s.start() for s in students[i:i + 10]))
    await asyncio.sleep(5)  # every fragment timer running
    everyone = [desk, laptop, *students]

    # Idle: the class looks at the race; only the fragments' polls run.
    polls0, cpu0, t0 = sum(c.polls for c in everyone), server.cpu_seconds(), time.perf_counter()
    await asyncio.sleep(idle_seconds)
    cpu, wall = server.cpu_seconds() - cpu0, time.perf_counter() - t0
    polls = sum(c.polls for c in everyone) - polls0

    # The teacher changes the race (the steps box on Compare): when does each student's page show it?
    follow: list[float] = []
    steps_id = laptop.numbers["Steps"]
    for k, steps in enumerate((41, 42, 43)):
        seen: dict[int, float] = {}
        for i, s in enumerate(students):
            s.on_query = (lambda q, t, i=i, steps=steps, seen=seen:
                          seen.setdefault(i, t) if f"steps={steps}&" in q + "&" else None)
        start = time.perf_counter()
        await laptop.run([WidgetState(id=steps_id, double_value=float(steps))])
        deadline = time.perf_counter() + 30
        while len(seen) < n and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)
        follow += [seen.get(i, deadline) - start for i in range(n)]
        await asyncio.sleep(3)

    # A vote: the teacher asks, every student votes (one every 0.1 s), the projector counts.
    await desk.click("live_ask")
    deadline = time.time() + 60
    while time.time() < deadline and sum(1 for s in students if any(w.endswith("-livevote_0") for w in s.buttons)) < n:
        await asyncio.sleep(0.2)
    await asyncio.sleep(2)
    counted: dict[int, float] = {}

    def tally(text: str, t: float) -> None:
        m = re.search(r"\*\*(\d+)\*\* of \d+ have voted", text)
        if m:
            for k in range(1, int(m.group(1)) + 1):
                counted.setdefault(k, t)

    desk.on_text = tally
    sent: list[float] = []
    for s in students:
        sent.append(time.perf_counter())
        await s.click(f"livevote_{rng.randrange(3)}")
        await asyncio.sleep(0.1)
    deadline = time.perf_counter() + 30
    while len(counted) < n and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    votes = [counted.get(k + 1, deadline) - sent[k] for k in range(n)]
    errors = sum(c.errors for c in everyone)
    for c in everyone:
        await c.close()
    return {"joins": joins, "follow": follow, "votes": votes, "idle_cpu": cpu / wall, "polls": polls,
            "cpu_per_poll": cpu / max(1, polls), "poll_rate": polls / wall, "errors": errors,
            "missed_follow": sum(1 for f in follow if f >= 29.9), "missed_votes": n - len(counted)}


async def run_live(args) -> None:
    sys.path.insert(0, str(ROOT))
    from tests.class_servers import RedisServer  # the test's redis-server on loopback, started and stopped here

    rng = random.Random(args.seed)
    for backend in args.live.split(","):
        redis_server = None
        work = tempfile.mkdtemp(prefix="descent-live-")
        if backend == "memory":
            spec = "memory"
        elif backend == "sqlite":
            spec = f"sqlite:{work}/class.db"
        elif backend == "redis":
            redis_server = RedisServer(Path(work)).start()
            spec = redis_server.url
        else:
            raise SystemExit(f"unknown backend {backend!r}; choose from {', '.join(LIVE_BACKENDS)}")
        env_before = os.environ.get("DESCENT_CLASS_STORE")
        os.environ["DESCENT_CLASS_STORE"] = spec
        CLASS_ENV["DESCENT_CLASS_STORE"] = spec
        server = Server.start(f"live-{backend}", ROOT / "app.py")
        try:
            r = await live_class(server, args.live_students, rng)
        finally:
            server.stop()
            if redis_server is not None:
                redis_server.stop()
            if env_before is None:
                os.environ.pop("DESCENT_CLASS_STORE", None)
            else:
                os.environ["DESCENT_CLASS_STORE"] = env_before
        print(f"live class, {args.live_students} students, store {backend}: "
              f"join p95 {_p95(r['joins']):.2f} s; "
              f"teacher's change → every student p95 {_p95(r['follow']):.2f} s (max {max(r['follow']):.2f} s"
              f"{', missed ' + str(r['missed_follow']) if r['missed_follow'] else ''}); "
              f"vote → teacher's tally p95 {_p95(r['votes']):.2f} s (max {max(r['votes']):.2f} s"
              f"{', missed ' + str(r['missed_votes']) if r['missed_votes'] else ''}); "
              f"idle class {100 * r['idle_cpu']:.1f} % of one core ({r['poll_rate']:.0f} polls/s, "
              f"{1000 * r['cpu_per_poll']:.2f} ms CPU per poll)"
              + (f"; page errors {r['errors']}" if r["errors"] else ""), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--changes", type=int, default=10)
    parser.add_argument("--pace", type=float, nargs=2, default=(2.0, 5.0), metavar=("MIN_S", "MAX_S"))
    parser.add_argument("--scenarios", default="a,b,c,m", help="comma-separated subset of a,b,c,m")
    parser.add_argument("--memory-students", type=int, default=200)
    parser.add_argument("--processes", type=int, default=0,
                        help="also compare N processes behind deploy/serve-class with 1 (needs haproxy)")
    parser.add_argument("--live", default="", metavar="BACKENDS",
                        help="run only scenario l, a live class, for these stores (e.g. memory,sqlite,redis)")
    parser.add_argument("--live-students", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-seconds", type=float, default=900.0, help="the whole run stops itself after this")
    args = parser.parse_args()

    servers: list[Server] = []

    # As deploy/serve-class does before a class: the engine's compiled loops into the disk cache
    # (a no-op after the first time), so no student's join includes a numba compilation.
    warm = subprocess.run([sys.executable, "-c", "from optimizers.compiled import warm_up; print(f'{warm_up():.1f}')"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    print(f"engine warm-up (compiled loops into the disk cache): {warm.stdout.strip() or warm.stderr[-200:]} s")

    async def body() -> None:
        if args.live:
            await run_live(args)
            return
        ours = Server.start("ours", ROOT / "app.py")
        servers.append(ours)
        bare = Server.start("bare", BARE)
        servers.append(bare)
        # The teacher opens the lesson link first and keeps it on the projector: each process is
        # warm (imports, the first script compile, the lesson's runs) before the class arrives,
        # and the teacher's tab stays connected throughout, as in a classroom.
        teachers = []
        for server, query, pattern in ((ours, SHARED_QUERY, OUR_SLIDER), (bare, "", BARE_SLIDER)):
            _, st_ = await join_class(server, [query], pattern)
            teachers += st_
        print(f"{args.students} students; ours at {ours.url}, bare page at {bare.url}; "
              f"{os.cpu_count()} cores")
        await run_pair(ours, bare, args)
        await close_all(teachers)
        for server in servers:
            server.stop()
        servers.clear()
        if args.processes > 1:
            await run_processes(args)

    try:
        asyncio.run(asyncio.wait_for(body(), timeout=args.max_seconds))
    except asyncio.TimeoutError:
        print(f"stopped after --max-seconds {args.max_seconds:g}")
    finally:
        for server in servers:
            server.stop()


if __name__ == "__main__":
    tempfile.tempdir = None
    main()
