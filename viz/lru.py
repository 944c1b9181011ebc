"""A small bounded, thread-safe LRU cache keyed by ordinary Python hashing.

Why not st.cache_resource / st.cache_data for the per-run caches: Streamlit hashes every
argument with its own hasher (it walks dataclasses and tuples field by field) on every call,
which profiled (py-spy, classroom benchmark) at about a tenth of a student's join even when
every run was already cached. The keys here (a frozen `Race`, tuples of numbers and
strings) hash natively in microseconds. Streamlit runs each session's script in its own
thread, hence the lock; entries are bounded in number and age, so a school of students with
distinct settings cannot grow a server's memory without bound.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any, Hashable


class LRU:
    """``get``/``put`` with at most ``max_entries`` entries, each kept at most ``ttl`` seconds."""

    def __init__(self, max_entries: int, ttl: float | None = None) -> None:
        self.max_entries = max_entries
        self.ttl = ttl
        self._data: OrderedDict = OrderedDict()  # key -> (stored at, value)
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        """The value stored under ``key`` (and now most recently used), or None."""
        with self._lock:
            item = self._data.get(key)
            if item is None:
                return None
            if self.ttl is not None and time.monotonic() - item[0] > self.ttl:
                del self._data[key]
                return None
            self._data.move_to_end(key)
            return item[1]

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._data[key] = (time.monotonic(), value)
            self._data.move_to_end(key)
            while len(self._data) > self.max_entries:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)
