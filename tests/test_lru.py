"""viz.lru.LRU: the bounded caches shared by every session (runs, run JSON, tables)."""

from __future__ import annotations

import viz.lru as lru_mod
from viz.lru import LRU


def test_evicts_the_least_recently_used_beyond_max_entries():
    cache = LRU(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recent
    cache.put("c", 3)
    assert cache.get("b") is None and cache.get("a") == 1 and cache.get("c") == 3
    assert len(cache) == 2


def test_entries_expire_after_ttl(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(lru_mod.time, "monotonic", lambda: now[0])
    cache = LRU(10, ttl=60)
    cache.put(("spec", 0.1), "run")
    now[0] += 59
    assert cache.get(("spec", 0.1)) == "run"
    now[0] += 2  # 61 s after it was stored
    assert cache.get(("spec", 0.1)) is None and len(cache) == 0


def test_many_distinct_students_cannot_grow_it():
    cache = LRU(384)
    for i in range(10_000):
        cache.put(("student", i), object())
    assert len(cache) == 384
