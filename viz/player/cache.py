"""Serialized JSON shared by every session, so a rerun re-serializes only what changed.

A class shares one server process: a slider change must re-serialize one run, not the whole
race, and a contour grid (the same for every student on a surface) only once. Both caches are
bounded, so many students with distinct settings cannot grow memory without bound.
"""

from __future__ import annotations

import hashlib
from typing import Callable

from ..contours import ContourGrid
from ..lru import LRU

#: Serialized runs by (page's run key, cloud limit, loss scale, language): one slider change
#: re-serializes one run; an entry holds words (a cloud's legend entry), so each language has its own.
RUN_JSON = LRU(512)
#: Serialized contour grids by the grid object (the pages' grids come from a shared resource cache).
#: A grid holds numbers only, no words: one entry serves every language.
GRID_JSON = LRU(32)


def grid_json(grid: ContourGrid, serialize: Callable[[ContourGrid], str]) -> tuple[str, str]:
    """The grid's JSON and a short id of it, serialized once per grid object.

    The entry keeps the grid alive, so its ``id()`` cannot be reused by another grid meanwhile.
    """
    hit = GRID_JSON.get(id(grid))
    if hit is not None and hit[0] is grid:
        return hit[1], hit[2]
    text = serialize(grid)
    gid = hashlib.sha1(text.encode()).hexdigest()[:16]
    GRID_JSON.put(id(grid), (grid, text, gid))
    return text, gid
