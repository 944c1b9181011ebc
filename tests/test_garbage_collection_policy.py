"""The classroom server's garbage-collection policy: a full collection after every rerun was half a slider change's CPU.

Streamlit's default ``runner.postScriptGC = true`` runs a full ``gc.collect(2)`` after every
rerun; profiled with py-spy under the classroom benchmark it was half of a slider change's CPU.
The app turns it off in its config and freezes the startup heap once instead.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import ui.gc_policy as gc_policy

ROOT = Path(__file__).resolve().parents[1]


def test_config_turns_off_the_forced_collection_after_every_rerun():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False


def test_streamlit_reads_that_option():
    from streamlit import config

    assert "runner.postScriptGC" in config._config_options_template  # the option still exists


def test_the_startup_heap_is_frozen_once(monkeypatch):
    calls = []
    monkeypatch.setattr(gc_policy, "_FROZEN", False)
    monkeypatch.setattr(gc_policy.gc, "freeze", lambda: calls.append("freeze"))
    gc_policy.freeze_startup_heap()
    gc_policy.freeze_startup_heap()
    assert calls == ["freeze"]
