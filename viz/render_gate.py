"""How many exports render at once, and how much CPU one may take.

Why: a class shares one server process on a few cores. If thirty students press "Download GIF"
together, thirty renders would each get a thirtieth of the CPU and every slider in the room
would stall. One render per core, less one core kept for the pages (at least one), and a render
that would take a turn waits for nobody: it is refused at once ("busy, try again in a moment").
A render that runs past its CPU budget (a huge export on a slow machine) is stopped too.
"""

from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager
from typing import Iterator

from i18n import Msg

#: Server CPU seconds one export may use (a 60-s 1920×1080 GIF measured about half of it).
CPU_BUDGET_SECONDS = 120.0


def slots_for(cores: int | None) -> int:
    """Concurrent renders for a machine with ``cores`` cores: one per core less one, at least one."""
    return max(1, (cores or 1) - 1)


SLOTS = slots_for(os.cpu_count())
_SEMAPHORE = threading.BoundedSemaphore(SLOTS)


class RenderBusy(RuntimeError):
    """Every render slot is taken: the caller shows BUSY_MESSAGE and the student tries again."""


class RenderTooLong(RuntimeError):
    """The render used its CPU budget: a shorter, smaller or lower-rate export will fit."""


#: The messages, in the visitor's language when they are shown (`str(exc)` renders them).
BUSY_MESSAGE = Msg.of("viz.render.busy")
TOO_LONG_MESSAGE = Msg.of("viz.render.too_long")


@contextmanager
def render_slot(semaphore: threading.Semaphore | None = None) -> Iterator[None]:
    """Hold one render slot for the block, or raise RenderBusy at once if none is free."""
    sem = _SEMAPHORE if semaphore is None else semaphore
    if not sem.acquire(blocking=False):
        raise RenderBusy(BUSY_MESSAGE)
    try:
        yield
    finally:
        sem.release()


class CpuBudget:
    """Call it between frames: raises RenderTooLong once this thread has used ``seconds`` of CPU,
    or as soon as the frames so far say the whole render would."""

    def __init__(self, seconds: float = CPU_BUDGET_SECONDS):
        self.seconds = seconds
        self._start = time.thread_time()

    @property
    def used(self) -> float:
        return time.thread_time() - self._start

    def __call__(self, done: int = 0, total: int = 0) -> None:
        used = self.used
        # After a few frames the rest can be foreseen (later frames draw longer paths, so this
        # errs low): refuse early instead of after two minutes of a busy server.
        if used > self.seconds or (done >= 4 and used / done * total > self.seconds):
            raise RenderTooLong(TOO_LONG_MESSAGE)
