"""Keep Python's garbage collector off the per-interaction budget of a classroom server.

Why: one Streamlit process serves a whole class, so server CPU per rerun is the budget. A full
collection walks every tracked object in the process, and after startup that is mostly the
libraries themselves (numpy, pandas, plotly, streamlit: a few hundred thousand objects that live
as long as the process). ``.streamlit/config.toml`` turns off Streamlit's forced
``gc.collect(2)`` after every rerun; `freeze_startup_heap` moves what exists after the first
page has been built into the permanent generation, so the collections Python still runs on its
own only look at objects created since (sessions, runs, figures), which is what can be garbage.
"""

from __future__ import annotations

import gc

_FROZEN = False


def freeze_startup_heap() -> None:
    """Once per process, after the first full page run: collect, then freeze what survived."""
    global _FROZEN
    if _FROZEN:
        return
    _FROZEN = True
    gc.collect()
    gc.freeze()
