"""The README's Python examples run as written (a notebook user copies them first)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_python_block_in_the_readme_runs():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) >= 3
    namespace: dict = {}
    for block in blocks:  # in order, sharing names, as in one notebook
        exec(compile(block, str(README), "exec"), namespace)
    assert namespace["race"].opts == ("sgd", "adam")
    assert namespace["df"]["step"].iloc[-1] == 500
